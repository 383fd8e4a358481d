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
	struct job *next;
};


/* Fork a subshell: the child resets traps and job table. Returns like fork. */
pid_t jobs_fork(struct shell *sh, bool background);
/* Wait for one pid in the foreground; returns the shell status (exit code or
 * 128+signal). */
int jobs_wait_pid(struct shell *sh, pid_t pid);
/* Record a background job. */
void jobs_add(struct shell *sh, pid_t *pids, size_t n, char *cmd);
/* wait [pid...] builtin core. */
int jobs_wait_builtin(struct shell *sh, int argc, char **argv);
/* jobs builtin. */
int jobs_list_builtin(struct shell *sh, int argc, char **argv);
/* Reap finished background jobs without blocking. */
void jobs_reap(struct shell *sh, bool report);
void jobs_free_all(struct shell *sh);
/* kill's target: a job (%N, %%, %+, %-) or a pid, signalled only if the
 * shell started it (it or one of its descendants; signal 0 just tests).
 * Prints what went wrong; returns 0 or 1. */
int jobs_kill(struct shell *sh, const char *spec, int sig);

#endif
