/* builtins.c - the builtin table (name, function, POSIX class) and the
 * builtins about control flow, directories and processes: cd, pwd, exit,
 * return, break, continue, eval, ., exec, wait, jobs, kill (trap: trap.c;
 * alias and unalias: alias.c; type and command: lookup.c; umask, times, ulimit:
 * builtins_sys.c; the variable builtins: builtins_vars.c; echo, printf,
 * test: builtins_io.c). */
#include "shark/shell/alias.h"
#include "shark/shell/bashvars.h"
#include "shark/shell/builtins.h"
#include "shark/shell/cond.h"
#include "shark/shell/eval.h"
#include "shark/shell/input.h"
#include "shark/shell/jobs.h"
#include "shark/shell/lookup.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"
#include "shark/shell/vars.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int bi_true(struct shell *sh, int argc, char **argv)
{
	(void)sh, (void)argc, (void)argv;
	return 0;
}

static int bi_false(struct shell *sh, int argc, char **argv)
{
	(void)sh, (void)argc, (void)argv;
	return 1;
}

int bi_exec(struct shell *sh, int argc, char **argv)
{
	/* the evaluator handles exec itself (redirections persist, the command
	 * replaces the shell); reaching here means `exec` with no command */
	(void)sh, (void)argc, (void)argv;
	return 0;
}

/* --- numbers ---------------------------------------------------------------------- */

static bool parse_status(struct shell *sh, const char *what, const char *s, int *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0) {
		sh_error(sh, "%s: Illegal number: %s", what, s);
		return false;
	}
	*ret = (int)(v & 255);
	return true;
}

static int bi_exit(struct shell *sh, int argc, char **argv)
{
	int status = sh->status;
	if (argc > 1 && !parse_status(sh, "exit", argv[1], &status)) {
		sh_fatal(sh, 2);
		return 2;
	}
	if (jobs_exit_refused(sh))
		return 0;
	sh->jump = J_EXIT;
	sh->status = status;
	return status;
}

static int bi_return(struct shell *sh, int argc, char **argv)
{
	int status = sh->status;
	if (argc > 1 && !parse_status(sh, "return", argv[1], &status)) {
		sh_fatal(sh, 2);
		return 2;
	}
	sh->jump = J_RETURN;
	sh->status = status;
	return status;
}

static int loop_ctl(struct shell *sh, int argc, char **argv, enum jump j)
{
	int n = 1;
	if (argc > 1) {
		char *end;
		long v = strtol(argv[1], &end, 10);
		if (*end || !*argv[1] || v < 1) {
			sh_error(sh, "%s: Illegal number: %s", argv[0], argv[1]);
			sh_fatal(sh, 2);
			return 2;
		}
		n = v > INT_MAX ? INT_MAX : (int)v;
	}
	if (sh->loop_depth == 0)
		return 0;
	if (n > sh->loop_depth)
		n = sh->loop_depth;
	sh->jump = j;
	sh->jump_count = n;
	return 0;
}

static int bi_break(struct shell *sh, int argc, char **argv)
{
	return loop_ctl(sh, argc, argv, J_BREAK);
}

static int bi_continue(struct shell *sh, int argc, char **argv)
{
	return loop_ctl(sh, argc, argv, J_CONTINUE);
}

static int bi_eval(struct shell *sh, int argc, char **argv)
{
	size_t len = 1;
	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *text = malloc(len);
	if (!text)
		abort();
	size_t o = 0;
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]);
		memcpy(text + o, argv[i], l);
		o += l;
		if (i + 1 < argc)
			text[o++] = ' ';
	}
	text[o] = '\0';
	sh->status = 0;
	int status = eval_string(sh, "eval", text);
	free(text);
	return status;
}

static int bi_dot(struct shell *sh, int argc, char **argv)
{
	if (argc < 2) {
		sh_error(sh, ".: filename argument required");
		return 2;
	}
	char *path = strchr(argv[1], '/') ? strdup(argv[1]) : path_search(sh, argv[1], false);
	if (!path && access(argv[1], R_OK) == 0)
		path = strdup(argv[1]);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		sh_error(sh, "%s: cannot open %s: %s", argv[0], argv[1], path ? strerror(errno) : "No such file");
		free(path);
		if (sh->bash)
			return 1;	/* bash: not fatal */
		sh_fatal(sh, 2);
		return 2;
	}
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	if (sh->dot_depth > 100) {
		close(fd);
		free(path);
		sh_error(sh, ".: nested too deeply");
		return 2;
	}
	char **save_argv = NULL;
	int save_argc = 0;
	if (argc > 2) {
		save_argv = sh->argv;
		save_argc = sh->argc;
		sh->argv = NULL;
		sh->argc = 0;
		set_positional(sh, argc - 2, argv + 2);
	}
	if (sh->bash)
		bashvars_scan_fd(sh, fd);
	source_push_fd(sh, path, fd, false);
	sh->dot_depth++;
	sh->status = 0;
	struct call_frame frame = { .func = NULL, .file = path, .prev = sh->frames };
	sh->frames = &frame;
	int status = shell_run_source(sh);
	sh->frames = frame.prev;
	sh->dot_depth--;
	source_pop(sh);
	close(fd);
	free(path);
	if (sh->jump == J_RETURN) {
		sh->jump = J_NONE;
		status = sh->status;
	}
	if (save_argv) {
		set_positional(sh, 0, NULL);
		free(sh->argv);
		sh->argv = save_argv;
		sh->argc = save_argc;
	}
	return status;
}

/* --- directories -------------------------------------------------------------------- */

/* Canonicalise an absolute path: drop ".", resolve "..", collapse "//". */
static char *canon_path(const char *p)
{
	size_t n = strlen(p);
	char *out = malloc(n + 2);
	if (!out)
		abort();
	size_t o = 0;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - s);
		if (cl == 1 && s[0] == '.') {
			/* skip */
		} else if (cl == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, s, cl);
			o += cl;
		}
		s = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

static int do_chdir(struct shell *sh, const char *dir, bool physical, bool print)
{
	char *target;
	const char *pwd = var_get(sh, "PWD");
	if (dir[0] == '/') {
		target = strdup(dir);
	} else {
		size_t l = (pwd ? strlen(pwd) : 0) + strlen(dir) + 2;
		target = malloc(l);
		if (!target)
			abort();
		snprintf(target, l, "%s/%s", pwd && *pwd ? pwd : ".", dir);
	}
	char *newpwd = NULL;
	if (!physical && target[0] == '/') {
		newpwd = canon_path(target);
		if (chdir(newpwd) < 0) {
			free(newpwd);
			newpwd = NULL;
			/* as dash: the logical path decides; a directory gone
			 * (`cd .` in a deleted one) is an error */
			if (errno == ENOENT || chdir(dir) < 0) {
				free(target);
				return -1;
			}
		}
	} else if (chdir(dir) < 0) {
		free(target);
		return -1;
	}
	free(target);
	if (!newpwd || physical) {
		free(newpwd);
		newpwd = getcwd(NULL, 0);
	}
	if (pwd)
		var_set(sh, "OLDPWD", pwd, 0);
	if (newpwd) {
		var_set(sh, "PWD", newpwd, 0);
		if (print)
			out_fmt(sh, "%s\n", newpwd);
	}
	free(newpwd);
	return 0;
}

static int bi_cd(struct shell *sh, int argc, char **argv)
{
	bool physical = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-P") == 0)
			physical = true;
		else if (strcmp(argv[i], "-L") == 0)
			physical = false;
		else
			break;
	}
	const char *dir = i < argc ? argv[i] : var_get(sh, "HOME");
	bool print = false;
	if (!dir || !*dir) {
		if (!dir) {
			sh_error(sh, "cd: HOME not set");
			return 1;
		}
		return 0;
	}
	if (strcmp(dir, "-") == 0) {
		dir = var_get(sh, "OLDPWD");
		if (!dir) {
			sh_error(sh, "cd: OLDPWD not set");
			return 1;
		}
		print = true;
	}
	const char *cdpath = var_get(sh, "CDPATH");
	if (cdpath && dir[0] != '/' && strncmp(dir, "./", 2) != 0 && strncmp(dir, "../", 3) != 0 &&
	    strcmp(dir, ".") != 0 && strcmp(dir, "..") != 0) {
		const char *p = cdpath;
		for (;;) {
			const char *colon = strchr(p, ':');
			size_t dl = colon ? (size_t)(colon - p) : strlen(p);
			char cand[PATH_MAX];
			if (dl)
				snprintf(cand, sizeof cand, "%.*s/%s", (int)dl, p, dir);
			else
				snprintf(cand, sizeof cand, "%s", dir);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
				char *c = strdup(cand);
				int r = do_chdir(sh, c, physical, print || dl > 0);
				free(c);
				if (r == 0)
					return 0;
			}
			if (!colon)
				break;
			p = colon + 1;
		}
	}
	char *d = strdup(dir);
	int r = do_chdir(sh, d, physical, print);
	if (r < 0) {
		sh_error(sh, "cd: can't cd to %s", d);
		free(d);
		return sh->bash ? 1 : 2;	/* bash: 1, dash: 2 */
	}
	free(d);
	return 0;
}

static int bi_pwd(struct shell *sh, int argc, char **argv)
{
	bool physical = argc > 1 && strcmp(argv[1], "-P") == 0;
	const char *pwd = var_get(sh, "PWD");
	struct stat a, b;
	if (!physical && pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		out_fmt(sh, "%s\n", pwd);
		return 0;
	}
	char *cwd = getcwd(NULL, 0);
	if (!cwd) {
		/* a deleted directory: as dash, -L prints the logical
		 * name, -P an empty line, both status 0 */
		if (physical || !pwd || pwd[0] != '/')
			sh_error(sh, "pwd: getcwd() failed: %s", strerror(errno));
		out_fmt(sh, "%s\n", !physical && pwd && pwd[0] == '/' ? pwd : "");
		return 0;
	}
	out_fmt(sh, "%s\n", cwd);
	free(cwd);
	return 0;
}

/* --- processes ------------------------------------------------------------------------ */

static int bi_wait(struct shell *sh, int argc, char **argv)
{
	return jobs_wait_builtin(sh, argc, argv);
}

static int bi_jobs(struct shell *sh, int argc, char **argv)
{
	return jobs_list_builtin(sh, argc, argv);
}

static int bi_fg(struct shell *sh, int argc, char **argv)
{
	return jobs_fg_builtin(sh, argc, argv);
}

static int bi_bg(struct shell *sh, int argc, char **argv)
{
	return jobs_bg_builtin(sh, argc, argv);
}

static int bi_kill(struct shell *sh, int argc, char **argv)
{
	int sig = SIGTERM;
	int i = 1;
	if (i < argc && strcmp(argv[i], "-l") == 0) {
		if (i + 1 < argc) {
			for (int k = i + 1; k < argc; k++) {
				int n = atoi(argv[k]);
				if (n > 128)
					n -= 128;
				const char *nm = signal_name(n);
				if (!nm) {
					sh_error(sh, "kill: invalid signal number or exit status: %s", argv[k]);
					return 1;
				}
				out_fmt(sh, "%s\n", nm);
			}
			return 0;
		}
		for (int s = 1; s < NSIG_TRAPS; s++)
			if (signal_name(s))
				out_fmt(sh, "%s\n", signal_name(s));
		return 0;
	}
	if (i < argc && strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
		sig = signal_by_name(argv[i + 1]);
		i += 2;
	} else if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
		sig = signal_by_name(argv[i] + 1);
		i++;
	} else if (i < argc && strcmp(argv[i], "--") == 0) {
		i++;
	}
	if (sig < 0) {
		sh_error(sh, "kill: invalid signal");
		return 2;
	}
	if (i >= argc) {
		sh_error(sh, "kill: usage: kill [-s sigspec | -signum | -sigspec] pid | job ...");
		return 2;
	}
	int status = 0;
	for (; i < argc; i++)
		status |= jobs_kill(sh, argv[i], sig);
	return status;
}

/* --- the table ---------------------------------------------------------------------- */

static int bi_getopts_w(struct shell *sh, int argc, char **argv) { return bi_getopts(sh, argc, argv); }

/* Sorted by name for bsearch. Special built-ins per POSIX 2.14. */
static const struct builtin builtins[] = {
	{ ".", bi_dot, BI_SPECIAL },
	{ ":", bi_true, BI_SPECIAL },
	{ "[", bi_test, BI_REGULAR },
	{ "alias", bi_alias, BI_REGULAR },
	{ "bg", bi_bg, BI_REGULAR },
	{ "bind", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "break", bi_break, BI_SPECIAL },
	{ "caller", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "cd", bi_cd, BI_REGULAR },
	{ "command", bi_command, BI_REGULAR },
	{ "compgen", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "complete", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "continue", bi_continue, BI_SPECIAL },
	{ "declare", bi_declare, BI_REGULAR | BI_ASSIGN | BI_BASH },
	{ "dirs", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "disown", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "echo", bi_echo, BI_REGULAR },
	{ "enable", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "eval", bi_eval, BI_SPECIAL },
	{ "exec", bi_exec, BI_SPECIAL },
	{ "exit", bi_exit, BI_SPECIAL },
	{ "export", bi_export, BI_SPECIAL | BI_ASSIGN },
	{ "false", bi_false, BI_REGULAR },
	{ "fg", bi_fg, BI_REGULAR },
	{ "getopts", bi_getopts_w, BI_REGULAR },
	{ "hash", bi_hash, BI_REGULAR },
	{ "help", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "jobs", bi_jobs, BI_REGULAR },
	{ "kill", bi_kill, BI_REGULAR },
	{ "let", bi_let, BI_REGULAR | BI_BASH },
	{ "local", bi_local, BI_REGULAR | BI_ASSIGN },
	{ "logout", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "mapfile", bi_mapfile, BI_REGULAR | BI_BASH },
	{ "popd", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "printf", bi_printf, BI_REGULAR },
	{ "pushd", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "pwd", bi_pwd, BI_REGULAR },
	{ "read", bi_read, BI_REGULAR },
	{ "readarray", bi_mapfile, BI_REGULAR | BI_BASH },
	{ "readonly", bi_readonly, BI_SPECIAL | BI_ASSIGN },
	{ "return", bi_return, BI_SPECIAL },
	{ "set", bi_set, BI_SPECIAL },
	{ "shift", bi_shift, BI_SPECIAL },
	{ "shopt", bi_shopt, BI_REGULAR | BI_BASH },
	{ "source", bi_dot, BI_REGULAR | BI_BASH },
	{ "suspend", bi_bash_unsupported, BI_REGULAR | BI_BASH },
	{ "test", bi_test, BI_REGULAR },
	{ "times", bi_times, BI_SPECIAL },
	{ "trap", bi_trap, BI_SPECIAL },
	{ "true", bi_true, BI_REGULAR },
	{ "type", bi_type, BI_REGULAR },
	{ "typeset", bi_declare, BI_REGULAR | BI_ASSIGN | BI_BASH },
	{ "ulimit", bi_ulimit, BI_REGULAR },
	{ "umask", bi_umask, BI_REGULAR },
	{ "unalias", bi_unalias, BI_REGULAR },
	{ "unset", bi_unset, BI_SPECIAL },
	{ "wait", bi_wait, BI_REGULAR },
};

static int cmp_builtin(const void *key, const void *elem)
{
	return strcmp(key, ((const struct builtin *)elem)->name);
}

const struct builtin *builtin_lookup(const char *name)
{
	return bsearch(name, builtins, sizeof builtins / sizeof *builtins, sizeof *builtins, cmp_builtin);
}

const struct builtin *builtin_table(size_t *ret_n)
{
	*ret_n = sizeof builtins / sizeof *builtins;
	return builtins;
}
