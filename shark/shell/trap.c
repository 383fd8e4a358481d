/* trap.c - signals and traps, in one place: the signal names, the
 * handler that only sets flags (the shell's only globals besides
 * interactive.c's readline pointer), the dispositions of the shell and of
 * its children, `trap` itself, and running the actions: between commands
 * for caught signals, at exit for the EXIT trap. */
#include "shark/memo/memo.h"
#include "shark/shell/trap.h"
#include "shark/shell/eval.h"
#include "shark/shell/shell.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		/* the shell itself never stops; with job control its jobs get
		 * these back (jobs.c), without it they keep ignoring them */
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
	free(sh->traps[sig]);
	sh->traps[sig] = action ? strdup(action) : NULL;
	/* KILL and STOP cannot be caught: as dash and bash, the trap is
	 * recorded (and listed) and has no effect */
	if (sig == 0 || sig == SIGKILL || sig == SIGSTOP)
		return 0;
	/* SIGXFSZ ignored for the shell's own store writes (memo.h) stays
	 * so: the user's disposition is kept for the commands, and out_flush
	 * acts on the trap itself */
	if (sig == SIGXFSZ && memo_ulimit_xfsz_own()) {
		memo_ulimit_xfsz_user(action && !*action);
		return 0;
	}
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
void signals_child_reset(struct shell *sh, bool background)
{
	for (int s = 0; s < NSIG_TRAPS; s++) {
		if (sh->traps[s] && *sh->traps[s]) {
			free(sh->traps[s]);
			sh->traps[s] = NULL;
			if (s == SIGXFSZ && memo_ulimit_xfsz_own())
				memo_ulimit_xfsz_user(false);
			else if (s)
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

void trap_note(int sig)
{
	on_signal(sig);
}

/* --- running the actions ------------------------------------------------------------ */

void trap_run_pending(struct shell *sh)
{
	if (sh->in_trap || !sig_any_pending)
		return;
	sig_any_pending = 0;
	for (int s = 1; s < NSIG_TRAPS; s++) {
		if (!sig_pending[s])
			continue;
		sig_pending[s] = 0;
		const char *action = sh->traps[s];
		if (!action || !*action)
			continue;
		char *copy = strdup(action);
		int save = sh->status;
		sh->in_trap = true;
		eval_string(sh, "trap", copy);
		sh->in_trap = false;
		free(copy);
		if (sh->jump != J_EXIT)
			sh->status = save;
	}
}

int trap_run_exit(struct shell *sh)
{
	int status = sh->status;
	if (sh->traps[0]) {
		char *action = sh->traps[0];
		sh->traps[0] = NULL;
		sh->jump = J_NONE;
		sh->status = status;
		eval_string(sh, "trap", action);
		free(action);
		if (sh->jump == J_EXIT)
			status = sh->status;
	}
	return status;
}

/* --- the trap builtin ----------------------------------------------------------------- */

static void print_trap(struct shell *sh, int s)
{
	const char *nm = s == 0 ? "EXIT" : signal_name(s);
	out_str(sh, "trap -- '");
	for (const char *c = sh->traps[s]; *c; c++) {
		if (*c == '\'')
			out_str(sh, "'\"'\"'");
		else
			out_chr(sh, *c);
	}
	out_fmt(sh, "' %s%s\n", sh->bash && s ? "SIG" : "", nm ? nm : "?");
}

int bi_trap(struct shell *sh, int argc, char **argv)
{
	int i = 1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		for (int s = 0; s < NSIG_TRAPS; s++)
			if (sh->traps[s])
				print_trap(sh, s);
		return 0;
	}
	const char *action = argv[i];
	if (action[0] == '-' && action[1] && i == 1 && !(sh->bash && strcmp(action, "-p") == 0)) {
		sh_error(sh, "trap: Illegal option %s", action);
		sh_fatal(sh, 2);	/* a special builtin's error */
		return 2;
	}
	if (sh->bash && strcmp(action, "-p") == 0 && i + 1 >= argc) {
		for (int s = 0; s < NSIG_TRAPS; s++)
			if (sh->traps[s])
				print_trap(sh, s);
		return 0;
	}
	bool reset = strcmp(action, "-") == 0;
	char *end;
	strtol(action, &end, 10);
	if (sh->bash && i + 1 >= argc && (*end || !*action)) {
		sh_error(sh, "trap: usage: trap [-lp] [[arg] signal_spec ...]");
		return 2;
	}
	if ((!*end && *action) || i + 1 >= argc) {
		/* `trap N sig...` and a lone operand: every operand is a
		 * condition to reset (POSIX, as dash) */
		reset = true;
	} else {
		i++;
	}
	int status = 0;
	for (; i < argc; i++) {
		int s = signal_by_name(argv[i]);
		if (s < 0 || trap_set(sh, s, reset ? NULL : action) < 0) {
			sh_error(sh, "trap: %s: bad trap", argv[i]);
			status = 1;
		}
	}
	return status;
}
