/* bashvars.h - bash mode's variables that the shell keeps up to date
 * itself (bashvars.c): PIPESTATUS, FUNCNAME and BASH_SOURCE. They are made
 * into arrays only when a script reads them, so running commands costs
 * nothing more than recording a few statuses and frame pointers. */
#ifndef SHARK_SHELL_BASHVARS_H
#define SHARK_SHELL_BASHVARS_H

#include <stddef.h>

#include "shark/shell/shell.h"

/* Remember the statuses of the stages of the pipeline that just ended. */
void bashvars_set_pipestatus(struct shell *sh, const int *statuses, size_t n);
/* The file the running code was read from: the innermost function's or
 * sourced file's, else the script's ("" under -c and on stdin). */
const char *bashvars_current_file(struct shell *sh);
/* Before NAME is read in bash mode: when it is PIPESTATUS, FUNCNAME or
 * BASH_SOURCE, (re)build the array from the shell's state. */
void bashvars_sync(struct shell *sh, const char *name);

#endif
