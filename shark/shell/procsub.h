/* procsub.h - bash's process substitution, <(cmd) and >(cmd) (procsub.c).
 *
 * cmd runs in a child of the shell, one more command for the memo engine.
 * For <(cmd) the shell reads cmd's output from a pipe; when it ends within
 * the bounds the memo engine uses for a stdin fed by the shell (3 s,
 * 8 MiB), the word becomes a read-only regular file named by a hash of the
 * content in the user's private $TMPDIR/shark-psub-UID, so the command
 * that reads it by name is recorded with it as an input and, its argv the
 * same next time, hits (`diff <(sort a) <(sort b)`). Otherwise, and for
 * >(cmd), the word is a FIFO in a private directory (fed, for <(cmd), by a
 * relay that gives what was read and then the rest); a command that opens
 * a FIFO by name is not recorded. When the command that used the word has
 * finished, the shell releases a child still waiting on its FIFO, waits
 * for it and removes the FIFO; content files stay (docs/language.md). */
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
