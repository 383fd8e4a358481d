/* jobs.c - processes: fork for subshells and commands, foreground waits,
 * the table of background jobs ($!, wait, jobs), signal handlers and traps.
 * The only globals of the shell live here: flags set by signal handlers. */
#include "shark/shell/shell.h"
#include "shark/shell/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t sig_pending[NSIG_TRAPS];
volatile sig_atomic_t sig_any_pending;
volatile sig_atomic_t sig_int_seen;

static const struct {
	int num;
	const char *name;
} signames[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" }, { SIGILL, "ILL" },
	{ SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" }, { SIGBUS, "BUS" }, { SIGFPE, "FPE" },
	{ SIGKILL, "KILL" }, { SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" }, { SIGSTKFLT, "STKFLT" },
	{ SIGCHLD, "CHLD" }, { SIGCONT, "CONT" }, { SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" },
	{ SIGTTIN, "TTIN" }, { SIGTTOU, "TTOU" }, { SIGURG, "URG" }, { SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" }, { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" }, { SIGWINCH, "WINCH" },
	{ SIGIO, "IO" }, { SIGPWR, "PWR" }, { SIGSYS, "SYS" },
};

const char *signal_name(int sig)
{
	for (size_t i = 0; i < sizeof signames / sizeof *signames; i++)
		if (signames[i].num == sig)
			return signames[i].name;
	return NULL;
}

int signal_by_name(const char *name)
{
	if (name[0] >= '0' && name[0] <= '9') {
		char *end;
		long n = strtol(name, &end, 10);
		if (*end || n < 0 || n >= NSIG_TRAPS)
			return -1;
		return (int)n;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	if (strcasecmp(name, "EXIT") == 0)
		return 0;
	for (size_t i = 0; i < sizeof signames / sizeof *signames; i++)
		if (strcasecmp(signames[i].name, name) == 0)
			return signames[i].num;
	return -1;
}

static void on_signal(int sig)
{
	if (sig > 0 && sig < NSIG_TRAPS)
		sig_pending[sig] = 1;
	sig_any_pending = 1;
	if (sig == SIGINT)
		sig_int_seen = 1;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void signals_init(struct shell *sh)
{
	if (sh->interactive) {
		set_handler(SIGINT, on_signal);
		set_handler(SIGQUIT, SIG_IGN);
		set_handler(SIGTERM, SIG_IGN);
		/* without job control a stopped foreground command could never be
		 * resumed: Ctrl-Z is ignored by the shell and what it runs */
		set_handler(SIGTSTP, SIG_IGN);
		set_handler(SIGTTIN, SIG_IGN);
		set_handler(SIGTTOU, SIG_IGN);
	}
}

bool traps_have_actions(const struct shell *sh)
{
	for (int s = 0; s < NSIG_TRAPS; s++)
		if (sh->traps[s] && *sh->traps[s])
			return true;
	return false;
}

int trap_set(struct shell *sh, int sig, const char *action)
{
	if (sig < 0 || sig >= NSIG_TRAPS)
		return -1;
	if (sig == SIGKILL || sig == SIGSTOP)
		return -1;
	free(sh->traps[sig]);
	sh->traps[sig] = action ? strdup(action) : NULL;
	if (sig == 0)
		return 0;
	if (!action) {
		if (sh->interactive && sig == SIGINT)
			set_handler(sig, on_signal);
		else if (sh->interactive && (sig == SIGQUIT || sig == SIGTERM))
			set_handler(sig, SIG_IGN);
		else
			set_handler(sig, SIG_DFL);
	} else if (!*action) {
		set_handler(sig, SIG_IGN);
	} else {
		set_handler(sig, on_signal);
	}
	return 0;
}

/* A forked child's signal handling: traps with an action go back to the
 * default (ignored signals stay ignored), so do an interactive shell's own
 * handlers, and a background child ignores SIGINT and SIGQUIT, as sh does
 * for asynchronous lists without job control. */
static void signals_child_reset(struct shell *sh, bool background)
{
	for (int s = 0; s < NSIG_TRAPS; s++) {
		if (sh->traps[s] && *sh->traps[s]) {
			free(sh->traps[s]);
			sh->traps[s] = NULL;
			if (s)
				set_handler(s, SIG_DFL);
		}
	}
	if (sh->interactive) {
		if (!sh->traps[SIGINT])
			set_handler(SIGINT, SIG_DFL);
		if (!sh->traps[SIGQUIT])
			set_handler(SIGQUIT, SIG_DFL);
		if (!sh->traps[SIGTERM])
			set_handler(SIGTERM, SIG_DFL);
	}
	if (background && !sh->opt.monitor) {
		set_handler(SIGINT, SIG_IGN);
		set_handler(SIGQUIT, SIG_IGN);
	}
	sig_any_pending = 0;
	sig_int_seen = 0;
	for (int s = 0; s < NSIG_TRAPS; s++)
		sig_pending[s] = 0;
}

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
