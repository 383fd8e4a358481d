/* jobs.c - processes: fork for subshells and commands, foreground waits,
 * the table of background jobs ($!, wait, jobs). Signals and traps are
 * trap.c. */
#include "shark/shell/shell.h"
#include "shark/shell/jobs.h"
#include "shark/shell/trap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t jobs_fork(struct shell *sh, bool background)
{
	out_flush(sh);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		sh->is_child = true;
		signals_child_reset(sh, background);
		jobs_free_all(sh);
		sh->interactive = false;
	}
	return pid;
}

/* Translate a wait status to a shell status. */
static int jobs_status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 0;
}

static void report_signal(int ws)
{
	if (!WIFSIGNALED(ws))
		return;
	int sig = WTERMSIG(ws);
	if (sig == SIGINT || sig == SIGPIPE)
		return;
	const char *d = strsignal(sig);
	fprintf(stderr, "%s%s\n", d ? d : "Signal", WCOREDUMP(ws) ? " (core dumped)" : "");
}

int jobs_wait_pid(struct shell *sh, pid_t pid)
{
	(void)sh;
	int ws = 0;
	for (;;) {
		pid_t r = waitpid(pid, &ws, 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return 127;
	}
	report_signal(ws);
	return jobs_status(ws);
}

void jobs_add(struct shell *sh, pid_t *pids, size_t n, char *cmd)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		abort();
	j->pids = pids;
	j->npids = n;
	j->statuses = calloc(n, sizeof *j->statuses);
	j->done = calloc(n, sizeof *j->done);
	if (!j->statuses || !j->done)
		abort();
	j->cmd = cmd;
	int id = 1;
	for (struct job *o = sh->jobs; o; o = o->next)
		if (o->id >= id)
			id = o->id + 1;
	j->id = id;
	struct job **tail = &sh->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
}

static void job_free(struct job *j)
{
	free(j->pids);
	free(j->statuses);
	free(j->done);
	free(j->cmd);
	free(j);
}

static void job_remove(struct shell *sh, struct job *j)
{
	for (struct job **pp = &sh->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			job_free(j);
			return;
		}
	}
}

void jobs_free_all(struct shell *sh)
{
	while (sh->jobs) {
		struct job *j = sh->jobs;
		sh->jobs = j->next;
		job_free(j);
	}
}

static bool job_done(const struct job *j)
{
	for (size_t i = 0; i < j->npids; i++)
		if (!j->done[i])
			return false;
	return true;
}

static void job_poll(struct job *j, bool block, int *ret_trap_sig)
{
	for (size_t i = 0; i < j->npids; i++) {
		while (!j->done[i]) {
			int ws;
			pid_t r = waitpid(j->pids[i], &ws, block ? 0 : WNOHANG);
			if (r == j->pids[i]) {
				j->done[i] = true;
				j->statuses[i] = ws;
			} else if (r < 0 && errno == EINTR) {
				if (ret_trap_sig) {
					for (int s = 1; s < NSIG_TRAPS; s++) {
						if (sig_pending[s]) {
							*ret_trap_sig = s;
							return;
						}
					}
				}
				continue;
			} else if (r < 0) {
				j->done[i] = true;	/* not our child any more */
				j->statuses[i] = 127 << 8;
			} else {
				break;
			}
			if (!block)
				break;
		}
	}
}

void jobs_reap(struct shell *sh, bool report)
{
	for (struct job *j = sh->jobs, *next; j; j = next) {
		next = j->next;
		job_poll(j, false, NULL);
		if (job_done(j) && report) {
			fprintf(stderr, "[%d]  Done  %s\n", j->id, j->cmd ? j->cmd : "");
			job_remove(sh, j);
		}
	}
}

static struct job *find_job(struct shell *sh, const char *spec, size_t *ret_idx)
{
	if (spec[0] == '%') {
		const char *s = spec + 1;
		int id = -1;
		if (!*s || strcmp(s, "%") == 0 || strcmp(s, "+") == 0) {
			struct job *last = NULL;
			for (struct job *j = sh->jobs; j; j = j->next)
				last = j;
			if (last)
				*ret_idx = last->npids - 1;
			return last;
		}
		if (strcmp(s, "-") == 0) { /* the previous job: the one before the last */
			struct job *prev = NULL;
			for (struct job *j = sh->jobs; j && j->next; j = j->next)
				prev = j;
			if (prev)
				*ret_idx = prev->npids - 1;
			return prev;
		}
		id = atoi(s);
		for (struct job *j = sh->jobs; j; j = j->next)
			if (j->id == id) {
				*ret_idx = j->npids - 1;
				return j;
			}
		return NULL;
	}
	pid_t pid = (pid_t)atol(spec);
	for (struct job *j = sh->jobs; j; j = j->next)
		for (size_t i = 0; i < j->npids; i++)
			if (j->pids[i] == pid) {
				*ret_idx = i;
				return j;
			}
	return NULL;
}

/* A trapped signal that arrived while waiting (maybe just as the child
 * exited): `wait` then returns 128+N, as POSIX says and dash does. */
static int trapped_pending(struct shell *sh)
{
	for (int s = 1; s < NSIG_TRAPS; s++)
		if (sig_pending[s] && sh->traps[s] && *sh->traps[s])
			return s;
	return 0;
}

/* Statuses of jobs already waited for, so `wait PID` can ask again. */
static void remember_status(struct shell *sh, pid_t pid, int ws)
{
	size_t i = sh->nreaped % REAPED_MAX;
	sh->reaped[i].pid = pid;
	sh->reaped[i].ws = ws;
	sh->nreaped++;
}

static void job_forget(struct shell *sh, struct job *j)
{
	for (size_t i = 0; i < j->npids; i++)
		if (j->done[i])
			remember_status(sh, j->pids[i], j->statuses[i]);
	job_remove(sh, j);
}

int jobs_wait_builtin(struct shell *sh, int argc, char **argv)
{
	int status = 0;
	int trap_sig = 0;
	if (argc <= 1) {
		while (sh->jobs) {
			struct job *j = sh->jobs;
			job_poll(j, true, &trap_sig);
			if (trap_sig || (trap_sig = trapped_pending(sh)))
				return 128 + trap_sig;
			job_forget(sh, j);
		}
		if ((trap_sig = trapped_pending(sh)))
			return 128 + trap_sig;
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		size_t idx;
		struct job *j = find_job(sh, argv[i], &idx);
		if (!j) {
			status = 127;
			if (argv[i][0] == '%') {
				sh_error(sh, "wait: %s: no such job", argv[i]);
				continue;
			}
			pid_t pid = (pid_t)atol(argv[i]);
			size_t n = sh->nreaped < REAPED_MAX ? sh->nreaped : REAPED_MAX;
			for (size_t k = 0; k < n; k++)
				if (sh->reaped[k].pid == pid)
					status = jobs_status(sh->reaped[k].ws);
			continue;
		}
		job_poll(j, true, &trap_sig);
		if (trap_sig || (trap_sig = trapped_pending(sh)))
			return 128 + trap_sig;
		int ws = j->statuses[argv[i][0] == '%' ? j->npids - 1 : idx];
		status = jobs_status(ws);
		if (job_done(j))
			job_forget(sh, j);
	}
	return status;
}

int jobs_list_builtin(struct shell *sh, int argc, char **argv)
{
	bool pids_only = argc > 1 && strcmp(argv[1], "-p") == 0;
	for (struct job *j = sh->jobs, *next; j; j = next) {
		next = j->next;
		job_poll(j, false, NULL);
		bool done = job_done(j);
		if (pids_only)
			out_fmt(sh, "%ld\n", (long)j->pids[0]);
		else
			out_fmt(sh, "[%d] %c %-24s %s\n", j->id, next ? '-' : '+',
				done ? "Done" : "Running", j->cmd ? j->cmd : "");
		if (done)
			job_remove(sh, j);
	}
	return 0;
}

/* ---- kill: signals stay with what the shell started ----------------------- */

/* The parent of pid, from /proc/PID/stat; 0 when it cannot be read. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "PID (COMM) S PPID ...": COMM may hold anything, ')' included */
	const char *p = strrchr(buf, ')');
	long ppid = 0;
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* Whether pid is the shell (this process or the top shell, $$) or one of
 * their descendants: what the shell started. */
static bool started_by_shell(const struct shell *sh, pid_t pid)
{
	pid_t self = getpid();
	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (pid == self || pid == sh->pid)
			return true;
		pid = parent_of(pid);
	}
	return false;
}

/* Signal one pid that the shell started. pidfd first, then the ancestry
 * check: if the pid is reused meanwhile, the pidfd still names the old
 * process, and the signal fails with ESRCH instead of reaching the new one. */
static int signal_own(struct shell *sh, const char *spec, pid_t pid, int sig)
{
	if (pid <= 0) {
		sh_error(sh, "kill: %s: refused: only the shell's own jobs and children "
			     "can be signalled, not a process group; use %%N for a job",
			 spec);
		return 1;
	}
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0) {
		sh_error(sh, "kill: %s: %s", spec, strerror(errno));
		return 1;
	}
	int r = 0;
	if (sig != 0 && !started_by_shell(sh, pid)) {
		sh_error(sh, "kill: %s: refused: not a process this shell started "
			     "(run `host kill ...` to signal another process)",
			 spec);
		r = 1;
	} else if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0) {
		sh_error(sh, "kill: %s: %s", spec, strerror(errno));
		r = 1;
	}
	close(pfd);
	return r;
}

int jobs_kill(struct shell *sh, const char *spec, int sig)
{
	if (spec[0] == '%') {
		size_t idx;
		struct job *j = find_job(sh, spec, &idx);
		if (!j) {
			sh_error(sh, "kill: %s: no such job", spec);
			return 1;
		}
		int r = 0;
		for (size_t i = 0; i < j->npids; i++)
			if (!j->done[i])
				r |= signal_own(sh, spec, j->pids[i], sig);
		return r;
	}
	char *end;
	errno = 0;
	long pid = strtol(spec, &end, 10);
	if (*end || !*spec || errno || pid != (pid_t)pid) {
		sh_error(sh, "kill: illegal pid: %s", spec);
		return 1;
	}
	return signal_own(sh, spec, (pid_t)pid, sig);
}
