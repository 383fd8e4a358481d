/* bashvars.h - bash mode's variables that the shell keeps up to date
 * itself (bashvars.c): PIPESTATUS, FUNCNAME and BASH_SOURCE. They are made
 * into arrays only when a script reads them, so running commands costs
 * nothing more than recording a few statuses and frame pointers. */
#ifndef SHARK_SHELL_BASHVARS_H
#define SHARK_SHELL_BASHVARS_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/shell.h"

/* Remember the statuses of the stages of the pipeline that just ended. */
void bashvars_set_pipestatus(struct shell *sh, const int *statuses, size_t n);
/* The file the running code was read from: the innermost function's or
 * sourced file's, else the script's ("" under -c and on stdin). */
const char *bashvars_current_file(struct shell *sh);
/* Bash mode: a script that names PIPESTATUS anywhere has its pipelines
 * run stage by stage from the start (the memo engine's whole-pipeline
 * path knows the last stage's status only). Looks through the text of a
 * script (fd: a regular file, read with pread, up to 16 MiB) or a -c
 * string. */
void bashvars_scan_fd(struct shell *sh, int fd);
void bashvars_scan_text(struct shell *sh, const char *text, size_t len);
/* Before NAME is read in bash mode: when it is PIPESTATUS, FUNCNAME or
 * BASH_SOURCE, (re)build the array from the shell's state. */
void bashvars_sync(struct shell *sh, const char *name);

/* Bash mode at start-up: OSTYPE, HOSTTYPE and MACHTYPE, as bash sets them. */
void bashvars_init(struct shell *sh);
/* Bash mode at start-up: define the functions another bash exported
 * (environment entries BASH_FUNC_NAME%%=() BODY), exported in turn. An
 * entry whose text is anything but one function definition of NAME is
 * ignored with a message, so that nothing but a definition ever runs
 * from the environment. */
void bashvars_import_functions(struct shell *sh, char **envp);
/* export -f NAME...: mark the functions exported; 1 (message printed)
 * when one does not exist. */
int bashvars_export_functions(struct shell *sh, char **names, bool on);
/* Append the exported functions to env as BASH_FUNC_NAME%%=() BODY. */
void bashvars_function_environ(struct shell *sh, char ***env, size_t *n, size_t *cap);

#endif
