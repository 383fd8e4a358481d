/* jobs.c - processes: fork for subshells and commands, foreground waits,
 * the table of background jobs ($!, wait, jobs). Signals and traps are
 * trap.c. */
#include "shark/shell/shell.h"
#include "shark/shell/jobs.h"
#include "shark/shell/external.h"
#include "shark/shell/trap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- job control: process groups and the terminal --------------------------- */

void jobs_control_init(struct shell *sh)
{
	if (!sh->interactive || sh->jc.on)
		return;
	int src = isatty(0) ? 0 : isatty(2) ? 2 : -1;
	if (src < 0)
		return;
	int tty = fcntl(src, F_DUPFD_CLOEXEC, 10);
	if (tty < 0)
		return;
	/* Started in the background (`shark &` from another shell): wait to
	 * be brought to the foreground, as sh does. */
	for (int tries = 0;; tries++) {
		pid_t fg = tcgetpgrp(tty);
		if (fg < 0 || tries > 100) {
			close(tty);
			return;
		}
		if (fg == getpgrp())
			break;
		kill(0, SIGTTIN);
	}
	sh->jc.orig_pgid = getpgrp();
	if (getpgrp() != getpid() && setpgid(0, 0) < 0) {
		close(tty);
		return;
	}
	if (tcsetpgrp(tty, getpid()) < 0) {
		close(tty);
		return;
	}
	sh->jc.modes = malloc(sizeof(*sh->jc.modes));
	if (sh->jc.modes && tcgetattr(tty, sh->jc.modes) < 0) {
		free(sh->jc.modes);
		sh->jc.modes = NULL;
	}
	sh->jc.tty = tty;
	sh->jc.pgid = getpid();
	sh->jc.on = true;
	sh->opt.monitor = true;
}

void jobs_control_release(struct shell *sh)
{
	if (!sh->jc.on)
		return;
	if (sh->jc.orig_pgid > 0 && sh->jc.orig_pgid != sh->jc.pgid) {
		(void)setpgid(0, sh->jc.orig_pgid);
		(void)tcsetpgrp(sh->jc.tty, sh->jc.orig_pgid);
	}
	close(sh->jc.tty);
	free(sh->jc.modes);
	free(sh->jc.group_pids);
	free(sh->jc.fg_text);
	memset(&sh->jc, 0, sizeof(sh->jc));
}

/* The shell takes the terminal back. After a job that exited, the modes
 * it left are the shell's from now on (`stty intr ^X` stays, as in bash);
 * after one that stopped or was killed by a signal (an editor left in raw
 * mode) the shell's own are set again. */
static void take_terminal(struct shell *sh, bool exited)
{
	if (!sh->jc.on)
		return;
	(void)tcsetpgrp(sh->jc.tty, sh->jc.pgid);
	if (!sh->jc.modes)
		return;
	if (exited)
		(void)tcgetattr(sh->jc.tty, sh->jc.modes);
	else
		(void)tcsetattr(sh->jc.tty, TCSADRAIN, sh->jc.modes);
}

void jobs_group_begin(struct shell *sh)
{
	if (!sh->jc.on)
		return;
	sh->jc.grouping = true;
	sh->jc.job_pgid = 0;
	sh->jc.ngroup = 0;
}

void jobs_group_end(struct shell *sh, bool exited)
{
	if (!sh->jc.on || !sh->jc.grouping)
		return;
	sh->jc.grouping = false;
	sh->jc.job_pgid = 0;
	sh->jc.ngroup = 0;
	take_terminal(sh, exited);
}

static pid_t fork_child(struct shell *sh, bool background, bool job)
{
	/* the workspace is found once, here, not again in every child */
	external_ensure(sh);
	external_commit_pending(sh); /* not left to a child's copy */
	out_flush(sh);
	fflush(stdout);
	fflush(stderr);
	bool jc = sh->jc.on && job;
	pid_t pgid = jc && sh->jc.grouping ? sh->jc.job_pgid : 0;
	/* Signals wait until the child has put back the default actions of
	 * the trapped ones: a `kill $!` right after `cmd &` then kills it, as
	 * in sh, rather than setting a trap flag the child drops. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid == 0) {
		if (jc) {
			/* both sides set the group, so neither waits on the other;
			 * SIGTTOU is still ignored here, so tcsetpgrp works */
			(void)setpgid(0, pgid);
			if (!background)
				(void)tcsetpgrp(sh->jc.tty, pgid ? pgid : getpid());
			signal(SIGTSTP, SIG_DFL);
			signal(SIGTTIN, SIG_DFL);
			signal(SIGTTOU, SIG_DFL);
		}
		if (sh->jc.on)
			close(sh->jc.tty);
		free(sh->jc.modes);
		free(sh->jc.group_pids);
		free(sh->jc.fg_text);
		memset(&sh->jc, 0, sizeof(sh->jc));
		sh->is_child = true;
		signals_child_reset(sh, background);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (sh->bash) {
			/* bash: `$(jobs -p | wc -l)` and `(jobs)` list the
			 * shell's jobs */
			for (struct job *j = sh->jobs; j; j = j->next)
				j->inherited = true;
		} else {
			jobs_free_all(sh);
		}
		sh->interactive = false;
		return 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid > 0 && jc) {
		(void)setpgid(pid, pgid ? pgid : pid);
		if (!background)
			(void)tcsetpgrp(sh->jc.tty, pgid ? pgid : pid);
		if (sh->jc.grouping) {
			if (!sh->jc.job_pgid)
				sh->jc.job_pgid = pid;
			pid_t *v = reallocarray(sh->jc.group_pids, sh->jc.ngroup + 1, sizeof(*v));
			if (!v)
				abort();
			v[sh->jc.ngroup++] = pid;
			sh->jc.group_pids = v;
		}
	}
	return pid;
}

pid_t jobs_fork(struct shell *sh, bool background)
{
	return fork_child(sh, background, true);
}

pid_t jobs_fork_nojob(struct shell *sh)
{
	return fork_child(sh, false, false);
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

/* How a foreground job ended, if by a signal. With job control the shell
 * is not in the terminal's foreground group and does not get its SIGINT;
 * a job that died of it counts as the shell's own Ctrl-C, as in sh: the
 * rest of the command line is abandoned, an INT trap runs, the next prompt
 * starts on a new line. */
static void report_end(struct shell *sh, int ws)
{
	report_signal(ws);
	if (sh->jc.on && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGINT)
		raise(SIGINT);
}

static struct job *job_of_pid(struct shell *sh, pid_t pid)
{
	for (struct job *j = sh->jobs; j; j = j->next)
		for (size_t i = 0; i < j->npids; i++)
			if (j->pids[i] == pid)
				return j;
	return NULL;
}

/* ---- the current job ---------------------------------------------------------- */

/* The order of `%+` (the current job), `%-` (the previous one), a bare fg
 * or bg, the marks and sh's `jobs` listing, kept as POSIX describes it: the
 * job stopped last, or brought to the foreground last, comes first; a job
 * started in the background or continued by bg comes after the stopped
 * jobs at the head, so that a stopped job stays current. */
enum cur_how { CUR_DELETE, CUR_RUNNING, CUR_FIRST };

static bool job_done(const struct job *j);

static void cur_set(struct shell *sh, struct job *j, enum cur_how how)
{
	for (struct job **pp = &sh->curjob; *pp; pp = &(*pp)->cur_next) {
		if (*pp == j) {
			*pp = j->cur_next;
			break;
		}
	}
	j->cur_next = NULL;
	if (how == CUR_DELETE)
		return;
	struct job **at = &sh->curjob;
	if (how == CUR_RUNNING)
		while (*at && (*at)->stopped && !job_done(*at))
			at = &(*at)->cur_next;
	j->cur_next = *at;
	*at = j;
}

/* '+' for the current job, '-' for the previous one, else ' '. */
static char job_mark(const struct shell *sh, const struct job *j)
{
	if (j == sh->curjob)
		return '+';
	return sh->curjob && j == sh->curjob->cur_next ? '-' : ' ';
}

static const char *job_end_text(const struct shell *sh, const struct job *j, char *buf,
				size_t size);

/* What `jobs` and the notices say of a job: Running, the stop signal's
 * description (Stopped, Stopped (signal), Stopped (tty input)...) or how
 * it ended. */
static const char *job_state(const struct shell *sh, const struct job *j, char *buf, size_t size)
{
	if (job_done(j))
		return job_end_text(sh, j, buf, size);
	if (j->stopped) {
		const char *d = j->stop_sig > 0 ? strsignal(j->stop_sig) : NULL;
		return d && strncmp(d, "Stopped", 7) == 0 ? d : "Stopped";
	}
	return "Running";
}

/* One job as the shell lists it (`jobs`, `jobs -l`) and announces it (a
 * job stopped or ended, at the prompt): dash's "[N] + " then, with pids,
 * the first pid, the state, and the command from the 33rd column (at
 * least one space before it), each further process's pid on a line of
 * its own; bash's "[N]+  ", the pid, the state in 24 columns, the
 * command, " &" while it runs. Written to stderr, or to the builtin's
 * output. */
static void show_job(struct shell *sh, const struct job *j, bool pids, bool to_stderr)
{
	char *text = NULL, state[64];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	const char *st = job_state(sh, j, state, sizeof(state));
	const char *cmd = j->cmd ? j->cmd : "";
	int indent = 0, col;
	if (sh->bash) {
		if (pids)
			fprintf(f, "[%d]%c %ld ", j->id, job_mark(sh, j), (long)j->pids[0]);
		else
			fprintf(f, "[%d]%c  ", j->id, job_mark(sh, j));
		fprintf(f, "%-24s%s%s\n", st, cmd,
			!job_done(j) && !j->stopped ? " &" : "");
	} else {
		col = indent = fprintf(f, "[%d] %c ", j->id, job_mark(sh, j));
		if (pids)
			col += fprintf(f, "%ld ", (long)j->pids[0]);
		col += fprintf(f, "%s", st);
		fprintf(f, "%*s%s\n", col < 33 ? 33 - col : 1, "", cmd);
	}
	for (size_t i = 1; pids && i < j->npids; i++)
		fprintf(f, "%*s%ld\n", sh->bash ? 5 : indent, "", (long)j->pids[i]);
	if (fclose(f) == 0) {
		if (to_stderr)
			fputs(text, stderr);
		else
			out_fmt(sh, "%s", text);
	}
	free(text);
}

/* A foreground job stopped: it joins the table as Stopped (its earlier
 * stages, already waited for, count as done), the shell takes the terminal
 * back and says so. Returns 128 + the stop signal, as sh does. */
static int job_stopped(struct shell *sh, pid_t pid, int ws, struct job *j)
{
	if (!j) {
		size_t n = sh->jc.grouping ? sh->jc.ngroup : 1;
		pid_t *pids = calloc(n, sizeof(*pids));
		if (!pids)
			abort();
		if (sh->jc.grouping)
			memcpy(pids, sh->jc.group_pids, n * sizeof(*pids));
		else
			pids[0] = pid;
		char *text = sh->jc.fg_text ? strdup(sh->jc.fg_text) : NULL;
		j = jobs_add(sh, pids, n, text);
		j->pgid = sh->jc.grouping ? sh->jc.job_pgid : pid;
		for (size_t i = 0; i < n && pids[i] != pid; i++)
			j->done[i] = true;
	}
	j->stopped = true;
	j->stop_sig = WSTOPSIG(ws);
	j->notified = true;
	cur_set(sh, j, CUR_FIRST);
	if (!j->modes)
		j->modes = malloc(sizeof(*j->modes));
	if (j->modes && tcgetattr(sh->jc.tty, j->modes) < 0) {
		free(j->modes);
		j->modes = NULL;
	}
	take_terminal(sh, false);
	/* bash starts a new line after the terminal's ^Z, dash does not */
	if (sh->bash)
		fputc('\n', stderr);
	show_job(sh, j, false, true);
	return 128 + WSTOPSIG(ws);
}

int jobs_wait_pid(struct shell *sh, pid_t pid)
{
	int ws = 0;
	if (sh->jc.on && job_of_pid(sh, pid))
		return 128 + SIGTSTP; /* a stage of a job that stopped */
	for (;;) {
		pid_t r = waitpid(pid, &ws, sh->jc.on ? WUNTRACED : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return 127;
	}
	if (WIFSTOPPED(ws))
		return job_stopped(sh, pid, ws, NULL);
	if (!sh->jc.grouping)
		take_terminal(sh, WIFEXITED(ws));
	report_end(sh, ws);
	return jobs_status(ws);
}

struct job *jobs_add(struct shell *sh, pid_t *pids, size_t n, char *cmd)
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
	j->pgid = sh->jc.on ? pids[0] : 0;
	int id = 1;
	for (struct job *o = sh->jobs; o; o = o->next)
		if (o->id >= id)
			id = o->id + 1;
	j->id = id;
	struct job **tail = &sh->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	cur_set(sh, j, CUR_RUNNING);
	return j;
}

static void job_free(struct job *j)
{
	free(j->modes);
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
			cur_set(sh, j, CUR_DELETE);
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
	sh->curjob = NULL;
}

static bool job_done(const struct job *j)
{
	for (size_t i = 0; i < j->npids; i++)
		if (!j->done[i])
			return false;
	return true;
}

static void job_poll(struct shell *sh, struct job *j, bool block, int *ret_trap_sig)
{
	if (j->inherited)
		return; /* another process's child */
	if (block && j->stopped)
		return; /* it would never change by itself: `wait` does not hang on it */
	for (size_t i = 0; i < j->npids; i++) {
		while (!j->done[i]) {
			int ws;
			int how = (block ? 0 : WNOHANG) | (j->pgid ? WUNTRACED | WCONTINUED : 0);
			pid_t r = waitpid(j->pids[i], &ws, how);
			if (r == j->pids[i] && WIFSTOPPED(ws)) {
				/* a stopped job is waited for no longer; the
				 * last one stopped is the current job */
				j->stopped = true;
				j->stop_sig = WSTOPSIG(ws);
				cur_set(sh, j, CUR_FIRST);
				return;
			} else if (r == j->pids[i] && WIFCONTINUED(ws)) {
				j->stopped = false;
				j->notified = false;
				continue;
			} else if (r == j->pids[i]) {
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

/* How a finished job ended, for `jobs`: "Done", "Done(N)" for exit status
 * N ("Exit N" in bash mode) or the name of the signal that killed its last
 * process, as dash and bash say it. */
static const char *job_end_text(const struct shell *sh, const struct job *j, char *buf, size_t size)
{
	int ws = j->statuses[j->npids - 1];
	if (WIFSIGNALED(ws)) {
		const char *d = strsignal(WTERMSIG(ws));
		snprintf(buf, size, "%s%s", d ? d : "Signal", WCOREDUMP(ws) ? " (core dumped)" : "");
	} else if (WIFEXITED(ws) && WEXITSTATUS(ws)) {
		snprintf(buf, size, sh->bash ? "Exit %d" : "Done(%d)", WEXITSTATUS(ws));
	} else {
		snprintf(buf, size, "Done");
	}
	return buf;
}

/* The jobs in the order the shell lists and announces them: dash's, the
 * current job first, then the previous one...; bash's, by number. The
 * caller frees the array; *n is its length. */
static struct job **jobs_in_order(struct shell *sh, size_t *ret_n)
{
	size_t n = 0;
	for (struct job *j = sh->jobs; j; j = j->next)
		n++;
	struct job **order = calloc(n ? n : 1, sizeof(*order));
	if (!order)
		abort();
	n = 0;
	if (!sh->bash)
		for (struct job *j = sh->curjob; j; j = j->cur_next)
			order[n++] = j;
	for (struct job *j = sh->jobs; j; j = j->next) {
		bool listed = false;
		for (size_t k = 0; k < n && !listed; k++)
			listed = order[k] == j;
		if (!listed)
			order[n++] = j;
	}
	*ret_n = n;
	return order;
}

void jobs_reap(struct shell *sh, bool report)
{
	for (struct job *j = sh->jobs; j; j = j->next)
		job_poll(sh, j, false, NULL);
	if (!report)
		return;
	size_t n;
	struct job **order = jobs_in_order(sh, &n);
	/* each mark as it is when its line is written: after the jobs
	 * announced before it as ended are gone, as dash and bash say them */
	for (size_t k = 0; k < n; k++) {
		struct job *j = order[k];
		if (job_done(j)) {
			show_job(sh, j, false, true);
			job_remove(sh, j);
		} else if (j->stopped && !j->notified) {
			show_job(sh, j, false, true);
			j->notified = true;
		}
	}
	free(order);
}

bool jobs_exit_refused(struct shell *sh)
{
	if (!sh->jc.on || sh->is_child || !sh->interactive)
		return false;
	/* exit or Ctrl-D again right after the warning, with at most one
	 * command line between: leave (dash's job_warning) */
	if (sh->jc.warned && sh->jc.lines + 1 - sh->jc.warned <= 1)
		return false;
	bool stopped = false;
	for (struct job *j = sh->jobs; j; j = j->next) {
		job_poll(sh, j, false, NULL);
		stopped = stopped || (j->stopped && !job_done(j));
	}
	if (!stopped)
		return false;
	fputs("You have stopped jobs.\n", stderr);
	sh->jc.warned = sh->jc.lines + 1;
	return true;
}

/* The job a spec names: %%, %+ or % the current job, %- the previous one,
 * %N job N, %?TEXT the one job whose command contains TEXT, %TEXT the one
 * whose command starts with it (NULL when none or several do: then
 * *ret_ambiguous, when given, is set), or a pid of one of its processes. */
static struct job *find_job_spec(struct shell *sh, const char *spec, size_t *ret_idx,
				 bool *ret_ambiguous)
{
	if (spec[0] == '%') {
		const char *s = spec + 1;
		struct job *found = NULL;
		if (!*s || strcmp(s, "%") == 0 || strcmp(s, "+") == 0) {
			found = sh->curjob;
		} else if (strcmp(s, "-") == 0) {
			found = sh->curjob ? sh->curjob->cur_next : NULL;
			if (!found && sh->bash)
				found = sh->curjob; /* bash: the current one then */
		} else if (*s >= '0' && *s <= '9') {
			char *end;
			long id = strtol(s, &end, 10);
			for (struct job *j = sh->jobs; j && !*end; j = j->next)
				if (j->id == id)
					found = j;
		} else {
			bool any = *s == '?';
			const char *want = any ? s + 1 : s;
			for (struct job *j = sh->jobs; j; j = j->next) {
				const char *cmd = j->cmd ? j->cmd : "";
				if (any ? strstr(cmd, want) != NULL
					: strncmp(cmd, want, strlen(want)) == 0) {
					if (found) {
						if (ret_ambiguous)
							*ret_ambiguous = true;
						return NULL;
					}
					found = j;
				}
			}
		}
		if (found)
			*ret_idx = found->npids - 1;
		return found;
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

static struct job *find_job(struct shell *sh, const char *spec, size_t *ret_idx)
{
	return find_job_spec(sh, spec, ret_idx, NULL);
}

/* No job for spec (NULL: a bare fg or bg): dash's "No current job", "No
 * previous job", "No such job: %9"; bash's "%9: no such job". */
static void job_spec_error(struct shell *sh, const char *what, const char *spec, bool ambiguous)
{
	if (spec && ambiguous) {
		if (sh->bash) {
			sh_error(sh, "%s: %s: ambiguous job spec", what, spec + 1);
			if (strcmp(what, "jobs") != 0)
				return;
		} else {
			sh_error(sh, "%s: %s: ambiguous", what, spec);
			return;
		}
	}
	if (sh->bash)
		sh_error(sh, "%s: %s: no such job", what, spec ? spec : "current");
	else if (!spec || strcmp(spec, "%") == 0 || strcmp(spec, "%%") == 0 ||
		 strcmp(spec, "%+") == 0)
		sh_error(sh, "%s: No current job", what);
	else if (strcmp(spec, "%-") == 0)
		sh_error(sh, "%s: No previous job", what);
	else
		sh_error(sh, "%s: No such job: %s", what, spec);
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

/* bash's `wait -n`: the status of the next job to end (one that ended
 * already and was not waited for counts), 127 when there is none to wait
 * for, 128+N when a trapped signal N comes first. Jobs are polled every few
 * milliseconds: waitpid(-1) would take children that are no jobs. */
static struct job *find_job(struct shell *sh, const char *spec, size_t *ret_idx);

/* Whether j is among the jobs the ids name (all jobs when there are none;
 * an id naming no job names nothing). */
static bool wait_named(struct shell *sh, const struct job *j, char **ids, int nids)
{
	if (nids == 0)
		return true;
	for (int i = 0; i < nids; i++) {
		size_t idx;
		if (find_job(sh, ids[i], &idx) == j)
			return true;
	}
	return false;
}

static int wait_next(struct shell *sh, char **ids, int nids)
{
	for (;;) {
		bool running = false;
		for (struct job *j = sh->jobs, *next; j; j = next) {
			next = j->next;
			if (!wait_named(sh, j, ids, nids))
				continue;
			job_poll(sh, j, false, NULL);
			if (job_done(j)) {
				int status = jobs_status(j->statuses[j->npids - 1]);
				job_forget(sh, j);
				return status;
			}
			running = running || (!j->stopped && !j->inherited);
		}
		if (!running)
			return 127;
		int sig = trapped_pending(sh);
		if (sig)
			return 128 + sig;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

int jobs_wait_builtin(struct shell *sh, int argc, char **argv)
{
	int status = 0;
	int trap_sig = 0;
	if (sh->bash && argc >= 2 && strcmp(argv[1], "-n") == 0) {
		int from = argc >= 3 && strcmp(argv[2], "--") == 0 ? 3 : 2;
		return wait_next(sh, argv + from, argc - from);
	}
	if (argc <= 1) {
		for (struct job *j = sh->jobs, *next; j; j = next) {
			next = j->next;
			job_poll(sh, j, true, &trap_sig);
			if (trap_sig || (trap_sig = trapped_pending(sh)))
				return 128 + trap_sig;
			if (job_done(j)) /* a stopped job stays, for fg and bg */
				job_forget(sh, j);
		}
		if ((trap_sig = trapped_pending(sh)))
			return 128 + trap_sig;
		return 0;
	}
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	for (int i = first; i < argc; i++) {
		size_t idx;
		const char *a = argv[i];
		if (a[0] != '%' && (!*a || a[strspn(a, "0123456789")] != '\0')) {
			/* not a pid: dash's "Illegal number" (status 2), bash's
			 * "not a pid or valid job spec" (status 1) */
			if (sh->bash)
				sh_error(sh, "wait: `%s': not a pid or valid job spec", a);
			else
				sh_error(sh, a[0] == '-' ? "wait: Illegal option %s" : "wait: Illegal number: %s", a);
			status = sh->bash ? 1 : 2;
			continue;
		}
		struct job *j = find_job(sh, argv[i], &idx);
		if (!j) {
			status = 127;
			if (argv[i][0] == '%') {
				job_spec_error(sh, "wait", argv[i], false);
				if (!sh->bash)
					status = 2;	/* dash */
				continue;
			}
			pid_t pid = (pid_t)atol(argv[i]);
			size_t n = sh->nreaped < REAPED_MAX ? sh->nreaped : REAPED_MAX;
			for (size_t k = 0; k < n; k++)
				if (sh->reaped[k].pid == pid)
					status = jobs_status(sh->reaped[k].ws);
			continue;
		}
		job_poll(sh, j, true, &trap_sig);
		if (trap_sig || (trap_sig = trapped_pending(sh)))
			return 128 + trap_sig;
		int ws = j->statuses[argv[i][0] == '%' ? j->npids - 1 : idx];
		status = j->stopped ? 128 + SIGTSTP : jobs_status(ws);
		if (job_done(j))
			job_forget(sh, j);
	}
	return status;
}

/* Whether `jobs` shows j: -r running jobs, -s stopped ones (bash). */
static bool jobs_shows(const struct job *j, bool running_only, bool stopped_only)
{
	bool done = job_done(j);
	return !(running_only && (done || j->stopped)) && !(stopped_only && !j->stopped);
}

static void jobs_show_one(struct shell *sh, struct job *j, bool pids_only, bool with_pids)
{
	if (pids_only)
		out_fmt(sh, "%ld\n", (long)j->pids[0]);
	else
		show_job(sh, j, with_pids, false);
	if (j->stopped)
		j->notified = true;
}

int jobs_list_builtin(struct shell *sh, int argc, char **argv)
{
	bool pids_only = false, with_pids = false, running_only = false, stopped_only = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 'p')
				pids_only = true;
			else if (*c == 'l')
				with_pids = true;
			else if (*c == 'r' && sh->bash)
				running_only = true;	/* bash: -r running, -s stopped */
			else if (*c == 's' && sh->bash)
				stopped_only = true;
			else {
				if (sh->bash)
					sh_error(sh, "jobs: -%c: invalid option", *c);
				else
					sh_error(sh, "jobs: Illegal option -%c", *c);
				return 2;
			}
		}
	}
	for (struct job *j = sh->jobs; j; j = j->next)
		job_poll(sh, j, false, NULL);
	int status = 0;
	if (i < argc) {
		/* the jobs named, in the order named */
		for (; i < argc; i++) {
			size_t idx;
			bool amb = false;
			struct job *j = find_job_spec(sh, argv[i], &idx, &amb);
			if (!j) {
				job_spec_error(sh, "jobs", argv[i], amb);
				status = sh->bash ? 1 : 2; /* dash: 2 */
				continue;
			}
			jobs_show_one(sh, j, pids_only, with_pids);
			if (job_done(j) && !pids_only)
				job_remove(sh, j);
		}
		return status;
	}
	size_t n;
	struct job **order = jobs_in_order(sh, &n);
	for (size_t k = 0; k < n; k++) {
		struct job *j = order[k];
		bool skip = !jobs_shows(j, running_only, stopped_only);
		if (!skip)
			jobs_show_one(sh, j, pids_only, with_pids);
		/* a finished job is forgotten once its end was shown (bash
		 * keeps one that -p, -r or -s did not show, for `wait`) */
		if (job_done(j) && !(sh->bash && (skip || pids_only)))
			job_remove(sh, j);
	}
	free(order);
	return status;
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
		bool amb = false;
		struct job *j = find_job_spec(sh, spec, &idx, &amb);
		if (!j) {
			job_spec_error(sh, "kill", spec, amb);
			return sh->bash ? 1 : 2;
		}
		int r = 0;
		for (size_t i = 0; i < j->npids; i++)
			if (!j->done[i])
				r |= signal_own(sh, spec, j->pids[i], sig);
		/* a stopped job gets the signal once it runs again, as in sh */
		if (j->stopped && j->pgid > 0 && sig != SIGCONT && sig != 0 && r == 0 &&
		    kill(-j->pgid, SIGCONT) == 0)
			j->stopped = false;
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

/* ---- fg and bg ------------------------------------------------------------------ */

static struct job *job_for(struct shell *sh, const char *what, int argc, char **argv)
{
	if (!sh->jc.on) {
		sh_error(sh, "%s: no job control in this shell", what);
		return NULL;
	}
	const char *spec = argc > 1 ? argv[1] : "%%";
	size_t idx;
	bool amb = false;
	struct job *j = find_job_spec(sh, spec, &idx, &amb);
	if (!j)
		job_spec_error(sh, what, argc > 1 ? argv[1] : NULL, amb);
	return j;
}

int jobs_fg_builtin(struct shell *sh, int argc, char **argv)
{
	struct job *j = job_for(sh, "fg", argc, argv);
	if (!j)
		return sh->bash ? 1 : 2;
	out_fmt(sh, "%s\n", j->cmd ? j->cmd : "");
	out_flush(sh);
	cur_set(sh, j, CUR_FIRST);
	(void)tcsetpgrp(sh->jc.tty, j->pgid);
	if (j->stopped && j->modes)
		(void)tcsetattr(sh->jc.tty, TCSADRAIN, j->modes);
	j->stopped = false;
	j->notified = false;
	if (kill(-j->pgid, SIGCONT) < 0 && errno != ESRCH)
		sh_error(sh, "fg: %s", strerror(errno));
	int ws = 0;
	for (size_t i = 0; i < j->npids; i++) {
		while (!j->done[i]) {
			pid_t r = waitpid(j->pids[i], &ws, WUNTRACED);
			if (r == j->pids[i] && WIFSTOPPED(ws))
				return job_stopped(sh, r, ws, j);
			if (r == j->pids[i]) {
				j->done[i] = true;
				j->statuses[i] = ws;
			} else if (r < 0 && errno != EINTR) {
				j->done[i] = true;
				j->statuses[i] = 127 << 8;
			}
		}
	}
	ws = j->statuses[j->npids - 1];
	take_terminal(sh, WIFEXITED(ws));
	report_end(sh, ws);
	job_forget(sh, j);
	return jobs_status(ws);
}

int jobs_bg_builtin(struct shell *sh, int argc, char **argv)
{
	struct job *j = job_for(sh, "bg", argc, argv);
	if (!j)
		return sh->bash ? 1 : 2;
	j->stopped = false;
	j->notified = false;
	if (kill(-j->pgid, SIGCONT) < 0 && errno != ESRCH) {
		sh_error(sh, "bg: %s", strerror(errno));
		return 1;
	}
	cur_set(sh, j, CUR_RUNNING);
	if (sh->bash)
		out_fmt(sh, "[%d]%c %s &\n", j->id, job_mark(sh, j), j->cmd ? j->cmd : "");
	else
		out_fmt(sh, "[%d] %s\n", j->id, j->cmd ? j->cmd : "");
	return 0;
}
