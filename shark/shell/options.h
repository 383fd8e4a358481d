/* options.h - the shell's options (options.c), for the command line
 * (main.c), `set` (builtins_vars.c) and $- (expand.c). The values live in
 * struct options, sh->opt (shell.h). */
#ifndef SHARK_SHELL_OPTIONS_H
#define SHARK_SHELL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/shell.h"

/* options_parse - the options at the start of argv, for `set` and (with
 * cmdline) the command line, where -c and -s are reported in *ret_c and
 * *ret_s. `-o` alone lists the options (`+o`: as commands). Returns the
 * index of the first non-option, or -1 after a message on a bad option. */
int options_parse(struct shell *sh, int argc, char **argv, bool cmdline, bool *ret_c, bool *ret_s);

/* options_string - the value of $- into buf (n bytes). */
void options_string(struct shell *sh, char *buf, size_t n);

/* options_get - whether the option called name is on, in *ret_on; -1 if
 * there is no such option. */
int options_get(struct shell *sh, const char *name, bool *ret_on);

#endif
