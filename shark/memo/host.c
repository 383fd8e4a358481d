/* host.c - the one way out: a stage with the `host` prefix (MEMO_HOST) runs
 * unsandboxed, on the host, with the user's rights: for `git push` with
 * credentials, an editor saving outside the workspace, `pip install
 * --user`. It is never looked up nor recorded; its run goes into the
 * history as not recorded, with a reason saying where it ran, so `shark
 * log` shows it. Nothing else ever runs unsandboxed. */
#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HOST_REASON "it ran on the host, unsandboxed (`host` prefix): never looked up nor recorded"

/* In the child: stdio in place, the working directory, then exec. */
static void __attribute__((noreturn))
host_exec(const char *cwd, const struct memo_stage *s, int fd_in, int fd_out)
{
	int in = s->fd_in >= 0 ? s->fd_in : fd_in;
	int out = s->fd_out >= 0 ? s->fd_out : fd_out;
	int fds[3] = { in, out, s->fd_err };
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0 || fds[i] == i) {
			if (fds[i] == i)
				(void)fcntl(i, F_SETFD, 0);
			continue;
		}
		/* a source fd below 3 that a later dup2 would overwrite */
		for (int k = i + 1; k < 3; k++)
			if (fds[k] == i)
				fds[k] = fcntl(i, F_DUPFD_CLOEXEC, 3);
		if (dup2(fds[i], i) < 0)
			_exit(126);
	}
	if (chdir(cwd) < 0)
		_exit(126);
	memo_ulimit_apply_self(); /* `ulimit`'s, for the command */
	/* execvp searches the PATH of environ: the command's own */
	environ = (char **)s->envp;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(s->argv[0], s->argv);
	int e = errno;
	dprintf(2, "shark: %s: %s\n", s->argv[0],
		e == ENOENT ? "not found" : strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

int memo_run_host(struct memo *m, const char *cwd, const struct memo_stage *s, int fd_in,
		  int fd_out, int *ret_status)
{
	return memo_run_host_because(m, cwd, s, fd_in, fd_out, HOST_REASON, ret_status);
}

int memo_run_host_because(struct memo *m, const char *cwd, const struct memo_stage *s,
			  int fd_in, int fd_out, const char *reason, int *ret_status)
{
	/* The last run's records, if still open, first: a host command may
	 * read the store (`shark log` in a script), and they come before
	 * this one in the history. */
	memo_commit_pending(m);
	int64_t start = util_now_ns(CLOCK_REALTIME);
	int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
	pid_t pid = fork();
	if (pid < 0) {
		memo_warn(m, "shark: %s: fork: %s", s->argv[0], strerror(errno));
		*ret_status = 126;
		return -errno;
	}
	if (pid == 0)
		host_exec(cwd, s, fd_in, fd_out);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			*ret_status = 127;
			return -errno;
		}
	}
	*ret_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	store *st = memo_store(m);
	if (st) {
		struct store_run run = {
			.start_ns = start,
			.duration_ns = (uint64_t)(util_now_ns(CLOCK_MONOTONIC) - t0),
			.outcome = STORE_RUN_NOT_RECORDED,
			.exit_status = *ret_status,
			.cwd = cwd,
			.command = s->text ? s->text : s->argv[0],
			.reason = reason,
		};
		(void)store_run_defer(st, &run);
	}
	return 0;
}
