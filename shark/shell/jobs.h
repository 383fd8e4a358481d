/* jobs.h - processes and jobs (jobs.c); signals and traps are trap.h. */
#ifndef SHARK_SHELL_JOBS_H
#define SHARK_SHELL_JOBS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shark/shell/shell.h"

struct job {
	int id;
	pid_t *pids;
	int *statuses;		/* wait status, valid when done[i] */
	bool *done;
	size_t npids;
	char *cmd;		/* text for `jobs` */
	bool notified;
	bool stopped;		/* job control: stopped (Ctrl-Z, SIGTTIN...) */
	int stop_sig;		/* the signal that stopped it */
	bool inherited;		/* the parent's, seen from a subshell (bash
				 * mode): listed, never waited for */
	pid_t pgid;		/* job control: its process group, else 0 */
	struct termios *modes;	/* the terminal's modes when it stopped */
	struct job *next;
	struct job *cur_next;	/* the next in the current-job order (the
				 * shell's curjob first: `%+`, then `%-`...) */
};


/* Fork a subshell: the child resets traps and job table. Returns like fork.
 * With job control on, the child leads a process group of its own (or joins
 * the group of the job being forked, between jobs_group_begin and
 * jobs_group_end) which, unless background, gets the terminal. */
pid_t jobs_fork(struct shell *sh, bool background);
/* Fork a child that is no job (a command substitution): it stays in the
 * shell's process group and keeps ignoring the terminal's stop signals. */
pid_t jobs_fork_nojob(struct shell *sh);
/* The stages forked between these two make one job (one process group);
 * exited: every stage exited (none was killed by a signal), so the
 * terminal modes it left are the shell's from now on. */
void jobs_group_begin(struct shell *sh);
void jobs_group_end(struct shell *sh, bool exited);
/* Job control for an interactive shell on a terminal: take a process group
 * of its own and the terminal (no-op otherwise); release gives the terminal
 * back to the group that had it. */
void jobs_control_init(struct shell *sh);
void jobs_control_release(struct shell *sh);
/* fg and bg builtins. */
int jobs_fg_builtin(struct shell *sh, int argc, char **argv);
int jobs_bg_builtin(struct shell *sh, int argc, char **argv);
/* Wait for one pid in the foreground; returns the shell status (exit code or
 * 128+signal). */
int jobs_wait_pid(struct shell *sh, pid_t pid);
/* Record a background job. */
struct job *jobs_add(struct shell *sh, pid_t *pids, size_t n, char *cmd);
/* wait [pid...] builtin core. */
int jobs_wait_builtin(struct shell *sh, int argc, char **argv);
/* jobs builtin. */
int jobs_list_builtin(struct shell *sh, int argc, char **argv);
/* Reap finished background jobs without blocking. */
void jobs_reap(struct shell *sh, bool report);
/* exit or Ctrl-D at the prompt with a stopped job: the first time, say so
 * and stay (true); another right after that warning, or after one more
 * command line, leaves (false), as in dash. Always false without job
 * control or in a subshell. */
bool jobs_exit_refused(struct shell *sh);
void jobs_free_all(struct shell *sh);
/* kill's target: a job (%N, %%, %+, %-) or a pid, signalled only if the
 * shell started it (it or one of its descendants; signal 0 just tests).
 * Prints what went wrong; returns 0 or 1. */
int jobs_kill(struct shell *sh, const char *spec, int sig);

#endif
