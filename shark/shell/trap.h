/* trap.h - signals and traps (trap.c): the flags the signal handler sets,
 * the dispositions of the shell and of its children, the trap table's
 * actions, and the trap builtin. */
#ifndef SHARK_SHELL_TRAP_H
#define SHARK_SHELL_TRAP_H

#include <signal.h>
#include <stdbool.h>

#include "shark/shell/shell.h"

/* Set by the signal handler: a caught signal is pending (per signal, and
 * any), and SIGINT was seen (an interactive shell abandons the line). */
extern volatile sig_atomic_t sig_pending[NSIG_TRAPS];
extern volatile sig_atomic_t sig_any_pending;
extern volatile sig_atomic_t sig_int_seen;

/* signals_init - the shell's own dispositions (an interactive shell
 * catches SIGINT and ignores SIGQUIT, SIGTERM and the stop signals). */
void signals_init(struct shell *sh);

/* signals_child_reset - a forked child's signal handling: traps with an
 * action go back to the default (ignored signals stay ignored), so do an
 * interactive shell's own handlers, and a background child ignores SIGINT
 * and SIGQUIT, as sh does for asynchronous lists without job control. */
void signals_child_reset(struct shell *sh, bool background);

/* trap_set - set signal sig's action (NULL: default, "": ignore; sig 0 is
 * EXIT). -1 for a signal that cannot be trapped. */
int trap_set(struct shell *sh, int sig, const char *action);

/* trap_note - sig as if it had come: its trap's action runs at the next
 * trap_run_pending (a signal the kernel does not deliver to the shell:
 * SIGXFSZ it ignores for its own sake, out_flush). */
void trap_note(int sig);

/* traps_have_actions - whether any trap has an action to run (ignored
 * signals do not count). */
bool traps_have_actions(const struct shell *sh);

/* trap_run_pending - run the actions of the caught signals that arrived
 * since the last call ($? is kept). */
void trap_run_pending(struct shell *sh);

/* trap_run_exit - run the EXIT trap (once) and return the status to exit
 * with. */
int trap_run_exit(struct shell *sh);

/* signal_by_name - "INT", "SIGINT", "2" or "EXIT" (0); -1 if unknown. */
int signal_by_name(const char *name);

/* signal_name - "INT" for SIGINT; NULL if unknown. */
const char *signal_name(int sig);

int bi_trap(struct shell *sh, int argc, char **argv);

#endif
