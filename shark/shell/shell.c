/* shell.c - the shell's life cycle (init, run a source, exit), error
 * messages, and the buffered output used by builtins. */
#include "shark/shell/alias.h"
#include "shark/memo/memo.h"
#include "shark/shell/eval.h"
#include "shark/shell/external.h"
#include "shark/shell/input.h"
#include "shark/shell/interactive.h"
#include "shark/shell/jobs.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"
#include "shark/shell/vars.h"
#include "shark/util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int shell_init(struct shell *sh, const char *arg0, char **environ_in)
{
	memset(sh, 0, sizeof *sh);
	sh->pid = getpid();
	sh->arg0 = strdup(arg0 ? arg0 : "shark");
	sh->argv = calloc(1, sizeof *sh->argv);
	sh->ofd = 1;
	sh->notice_fd = -1;
	if (!sh->arg0 || !sh->argv)
		return -ENOMEM;
	var_import_env(sh, environ_in);
	var_set(sh, "IFS", " \t\n", 0);
	if (!var_get(sh, "PS1"))
		var_set(sh, "PS1", geteuid() == 0 ? "# " : "$ ", 0);
	if (!var_get(sh, "PS2"))
		var_set(sh, "PS2", "> ", 0);
	if (!var_get(sh, "PS4"))
		var_set(sh, "PS4", "+ ", 0);
	var_set(sh, "OPTIND", "1", 0);
	char buf[32];
	snprintf(buf, sizeof buf, "%ld", (long)getppid());
	var_set(sh, "PPID", buf, 0);
	const char *pwd = var_get(sh, "PWD");
	struct stat a, b;
	if (!(pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
	      a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			var_set(sh, "PWD", cwd, 0);
			free(cwd);
		}
	}
	sh->start_time = (long)time(NULL);
	sh->random_state = (unsigned)sh->pid ^ (unsigned)sh->start_time;
	return 0;
}

const char *shell_exe_path(struct shell *sh)
{
	if (!sh->shell_path_known) {
		sh->shell_path_known = true;
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0) {
			exe[n] = '\0';
			sh->shell_path = strdup(exe);
		}
	}
	return sh->shell_path;
}

void shell_free(struct shell *sh)
{
	external_free(sh);
	while (sh->src)
		source_pop(sh);
	var_free_all(sh);
	func_free_all(sh);
	jobs_free_all(sh);
	alias_free_all(sh);
	for (int i = 0; i < NSIG_TRAPS; i++)
		free(sh->traps[i]);
	for (int i = 0; i < sh->argc; i++)
		free(sh->argv[i]);
	free(sh->argv);
	free(sh->pipestatus);
	free(sh->arg0);
	free(sh->shell_path);
	free(sh->obuf);
	free(sh->histfile);
	memset(sh, 0, sizeof *sh);
}

void sh_error(struct shell *sh, const char *fmt, ...)
{
	out_flush(sh);
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sh->interactive)
		fprintf(stderr, "%s: %s\n", sh->arg0 ? sh->arg0 : "shark", msg);
	else
		fprintf(stderr, "%s: %d: %s\n", sh->arg0 ? sh->arg0 : "shark", sh->lineno, msg);
}

void sh_fatal(struct shell *sh, int status)
{
	if (sh->jump == J_EXIT)
		return;
	sh->jump = sh->interactive || sh->command_guard > 0 ? J_ABORT : J_EXIT;
	sh->status = status;
}

/* --- output buffer ---------------------------------------------------------------- */

void out_mem(struct shell *sh, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (sh->olen + n > sh->ocap) {
		if (sh->olen > 0 && sh->olen + n > 65536 && !sh->ocapture)
			out_flush(sh);
		if (sh->olen + n > sh->ocap) {
			size_t cap = sh->ocap ? sh->ocap : 4096;
			while (cap < sh->olen + n)
				cap *= 2;
			sh->obuf = realloc(sh->obuf, cap);
			if (!sh->obuf)
				abort();
			sh->ocap = cap;
		}
	}
	memcpy(sh->obuf + sh->olen, s, n);
	sh->olen += n;
}

void out_str(struct shell *sh, const char *s)
{
	out_mem(sh, s, strlen(s));
}

void out_chr(struct shell *sh, char c)
{
	if (sh->olen < sh->ocap)
		sh->obuf[sh->olen++] = c;
	else
		out_mem(sh, &c, 1);
}

void out_fmt(struct shell *sh, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof buf) {
		out_mem(sh, buf, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		abort();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out_mem(sh, big, (size_t)n);
	free(big);
}

int out_flush(struct shell *sh)
{
	/* `ulimit -f` binds the shell's own writes in sh: what fits, then
	 * the shell dies of SIGXFSZ as dash's and bash's do (153), unless a
	 * trap catches or ignores it: then the write fails ("File too
	 * large"). The limit is the commands' (memo.h), not the shell's
	 * own, which its store writes need. Under a limit of its own the
	 * kernel's SIGXFSZ stays ignored (memo.h): the trap is acted on
	 * here. */
	bool over;
	size_t n = memo_ulimit_fsize_room(sh->ofd, sh->olen, &over);
	int ret = util_write_all(sh->ofd, sh->obuf, n);
	if (ret == 0 && over) {
		if (memo_ulimit_xfsz_own() && sh->traps[SIGXFSZ]) {
			if (*sh->traps[SIGXFSZ])
				trap_note(SIGXFSZ);
		} else {
			if (memo_ulimit_xfsz_own())
				signal(SIGXFSZ, SIG_DFL);
			sigset_t xfsz;
			sigemptyset(&xfsz);
			sigaddset(&xfsz, SIGXFSZ);
			sigprocmask(SIG_UNBLOCK, &xfsz, NULL);
			raise(SIGXFSZ);
		}
		ret = -EFBIG;
	}
	if (ret < 0 && !sh->oerr)
		fprintf(stderr, "%s: write error: %s\n", sh->arg0 ? sh->arg0 : "shark",
			strerror(-ret));
	sh->olen = 0;
	return ret;
}

/* --- running ----------------------------------------------------------------------- */

/* Is the command just parsed the last of a `shark -c` string? Only blanks
 * may follow it (a comment or anything else: not known to be last). */
static bool is_final(const struct shell *sh)
{
	const struct source *s = sh->src;
	if (sh->interactive || s->fd >= 0 || s->prev)
		return false;
	for (size_t i = s->pos; i < s->len; i++)
		if (s->buf[i] != ' ' && s->buf[i] != '\t' && s->buf[i] != '\n')
			return false;
	return true;
}

int shell_run_source(struct shell *sh)
{
	bool top = sh->dot_depth == 0 && sh->src && !sh->src->prev;
	for (;;) {
		if (sh->interactive && top) {
			jobs_reap(sh, true);
			sig_int_seen = 0;
		}
		struct node *n = NULL;
		int r = parse_next(sh, &n);
		if (r == PARSE_EOF) {
			if (sh->interactive && top && sh->src->interactive && jobs_exit_refused(sh)) {
				sh->src->eof = false; /* Ctrl-D with a stopped job, as exit */
				continue;
			}
			break;
		}
		if (r == PARSE_ERROR) {
			sh->status = sig_int_seen ? 130 : 2;
			if (!sh->interactive) {
				sh->jump = J_EXIT;
				break;
			}
			continue;
		}
		if (sh->jc.on && top)
			sh->jc.lines++;
		if (n) {
			if (sh->jc.on && top) { /* the text `jobs` shows if it stops */
				free(sh->jc.fg_text);
				sh->jc.fg_text = node_to_text(n);
			}
			if (!sh->opt.noexec || sh->interactive) {
				if (top && is_final(sh))
					eval_node_final(sh, n);
				else
					eval_node(sh, n);
			}
			ast_free(n);
		}
		if (sig_any_pending)
			trap_run_pending(sh);
		if (sh->interactive && top && sig_int_seen) {
			/* the command was interrupted: the prompt starts on a new line */
			fputc('\n', stderr);
			sig_int_seen = 0;
		}
		if (sh->jump == J_NONE)
			continue;
		if (sh->jump == J_EXIT)
			break;
		if (sh->jump == J_ABORT) {
			/* bash scripts go on after an abandoned command too */
			if ((sh->interactive || sh->bash) && top) {
				sh->jump = J_NONE;
				continue;
			}
			break;
		}
		if (sh->jump == J_RETURN) {
			if (sh->dot_depth > 0 || sh->func_depth > 0)
				break;
			sh->jump = J_EXIT;
			break;
		}
		sh->jump = J_NONE;	/* break/continue outside a loop */
	}
	return sh->status;
}

void shell_exit(struct shell *sh, int status)
{
	sh->status = status;
	status = trap_run_exit(sh);
	out_flush(sh);
	if (sh->is_child) {
		external_flush(sh); /* _exit: the last run's records, a tree built ahead */
		_exit(status & 255);
	}
	if (sh->interactive)
		interactive_done(sh);
	shell_free(sh);
	exit(status & 255);
}
