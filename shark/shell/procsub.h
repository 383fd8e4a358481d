/* procsub.h - bash's process substitution, <(cmd) and >(cmd) (procsub.c).
 *
 * The word becomes the path of a FIFO in a private directory under the
 * temporary area shark started with (commands in the sandbox see the
 * host's FIFOs there, docs/memo.md), and cmd runs in a child of the shell
 * with its stdout (<(...)) or stdin (>(...)) on that FIFO, so it is one
 * more command for the memo engine: `sort a` into the FIFO is recorded and
 * replays into it. A command that opens the FIFO by name is not recorded
 * (what came through it is not known), so `diff <(...) <(...)` always
 * runs. When the command that used the word has finished, the shell
 * releases a child still waiting on its FIFO, waits for it and removes
 * the FIFO. */
#ifndef SHARK_SHELL_PROCSUB_H
#define SHARK_SHELL_PROCSUB_H

#include <stdbool.h>

#include "shark/shell/shell.h"

struct procsub;

/* Start cmd for a <(...) (write false) or >(...) (write true) and return
 * the FIFO's path (malloc'd), or NULL after an error message. */
char *procsub_open(struct shell *sh, struct node *cmd, bool write);
/* Finish every process substitution started after mark (the value of
 * sh->procsubs before): release, wait, remove. */
void procsub_finish(struct shell *sh, struct procsub *mark);
/* Forget the list in a child process (its FIFOs are the parent's). */
void procsub_forget(struct shell *sh);
/* Does a word of n (arguments, assignments, redirection targets) hold a
 * process substitution? */
bool procsub_in_node(const struct node *n);

#endif
