/* interactive.h - the interactive front end (interactive.c): readline
 * with prompts, history and completion. */
#ifndef SHARK_SHELL_INTERACTIVE_H
#define SHARK_SHELL_INTERACTIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/shell.h"

/* Read one line with readline (prompt = PS1 or PS2); returns malloc'd line
 * with a trailing newline or NULL on EOF. */
char *interactive_readline(struct shell *sh, bool continuation);
void interactive_init(struct shell *sh);
void interactive_done(struct shell *sh);

#endif
