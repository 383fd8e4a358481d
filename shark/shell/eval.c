/* eval.c - walking the syntax tree: lists, and-or, pipelines, compound
 * commands, simple commands (assignments, builtin/function/external
 * dispatch), functions, set -e and traps. External commands go through
 * external.h and nothing else. */
#include "shark/shell/eval.h"
#include "shark/memo/memo.h"
#include "shark/shell/array.h"
#include "shark/shell/bashvars.h"
#include "shark/shell/builtins.h"
#include "shark/shell/cond.h"
#include "shark/shell/expand.h"
#include "shark/shell/external.h"
#include "shark/shell/jobs.h"
#include "shark/shell/lookup.h"
#include "shark/shell/procsub.h"
#include "shark/shell/redir.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"
#include "shark/shell/vars.h"
#include "shark/util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EVAL_MAX_DEPTH = 1000 };

static int eval(struct shell *sh, struct node *n, bool last);
static int assign_array_word(struct shell *sh, const struct word *w);

/* --- functions ------------------------------------------------------------------ */

static unsigned func_hash(const char *s)
{
	unsigned h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % FUNC_HASH_SIZE;
}

struct func *func_lookup(struct shell *sh, const char *name)
{
	for (struct func *f = sh->funcs[func_hash(name)]; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Define (or redefine) function name with body (shared: ast_ref). */
static void func_define(struct shell *sh, const char *name, struct node *body, const char *text)
{
	struct func *f = func_lookup(sh, name);
	char *file = strdup(bashvars_current_file(sh));
	if (!file)
		abort();
	char *copy = text ? strdup(text) : NULL;
	if (f) {
		ast_free(f->body);
		f->body = ast_ref(body);
		free(f->file);
		f->file = file;
		free(f->text);
		f->text = copy;
		if (f->exported)
			sh->var_generation++;	/* the environment holds its text */
		return;
	}
	f = calloc(1, sizeof *f);
	if (!f)
		abort();
	f->name = strdup(name);
	f->file = file;
	f->text = copy;
	f->body = ast_ref(body);
	unsigned h = func_hash(name);
	f->next = sh->funcs[h];
	sh->funcs[h] = f;
}

int func_remove(struct shell *sh, const char *name)
{
	for (struct func **pp = &sh->funcs[func_hash(name)]; *pp; pp = &(*pp)->next) {
		struct func *f = *pp;
		if (strcmp(f->name, name) == 0) {
			*pp = f->next;
			ast_free(f->body);
			if (f->exported)
				sh->var_generation++;
			free(f->name);
			free(f->file);
			free(f->text);
			free(f);
			return 0;
		}
	}
	return -1;
}

void func_free_all(struct shell *sh)
{
	for (size_t h = 0; h < FUNC_HASH_SIZE; h++) {
		while (sh->funcs[h]) {
			struct func *f = sh->funcs[h];
			sh->funcs[h] = f->next;
			ast_free(f->body);
			free(f->name);
			free(f->file);
			free(f->text);
			free(f);
		}
	}
}

/* Run a function with the given arguments (argv[0] is the function name). */
static int eval_function(struct shell *sh, struct func *f, int argc, char **argv)
{
	if (sh->func_depth >= EVAL_MAX_DEPTH) {
		sh_error(sh, "%s: function nesting too deep", argv[0]);
		sh_fatal(sh, 2);
		return 2;
	}
	char **save_argv = sh->argv;
	int save_argc = sh->argc;
	struct local_save *save_frame = sh->local_frame;
	int save_loops = sh->loop_depth;
	char **nargv = calloc((size_t)argc, sizeof *nargv);
	if (!nargv)
		abort();
	for (int i = 1; i < argc; i++)
		nargv[i - 1] = strdup(argv[i]);
	sh->argv = nargv;
	sh->argc = argc - 1;
	sh->local_frame = sh->locals;
	sh->loop_depth = 0;
	sh->func_depth++;
	struct call_frame frame = { .func = f->name, .file = f->file, .prev = sh->frames };
	sh->frames = &frame;
	struct node *body = ast_ref(f->body);
	int status = eval(sh, body, false);
	ast_free(body);
	sh->frames = frame.prev;
	if (sh->jump == J_RETURN) {
		sh->jump = J_NONE;
		status = sh->status;
	}
	sh->func_depth--;
	var_pop_locals(sh, sh->local_frame);
	sh->local_frame = save_frame;
	sh->loop_depth = save_loops;
	for (int i = 0; i < sh->argc; i++)
		free(sh->argv[i]);
	free(sh->argv);
	sh->argv = save_argv;
	sh->argc = save_argc;
	sh->status = status;
	return status;
}

/* --- errexit ---------------------------------------------------------------- */

/* set -e: exit after a command that finished with status, unless inside a
 * condition. */
static void eval_check_errexit(struct shell *sh, int status)
{
	if (status != 0 && sh->opt.errexit && sh->errexit_off == 0 && sh->jump == J_NONE) {
		sh->jump = J_EXIT;
		sh->status = status;
	}
}

/* --- xtrace ----------------------------------------------------------------------- */

static void xtrace(struct shell *sh, char **assigns, size_t nassigns, char **argv)
{
	const char *ps4 = var_get(sh, "PS4");
	struct strlist line = { 0 };
	(void)line;
	fputs(ps4 ? ps4 : "+ ", stderr);
	bool first = true;
	for (size_t i = 0; i < nassigns; i++) {
		fprintf(stderr, "%s%s", first ? "" : " ", assigns[i]);
		first = false;
	}
	for (char **a = argv; a && *a; a++) {
		const char *s = *a;
		bool plain = *s != '\0';
		for (const char *c = s; *c; c++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=+,:@%", *c))
				plain = false;
		if (plain) {
			fprintf(stderr, "%s%s", first ? "" : " ", s);
		} else {
			fputs(first ? "'" : " '", stderr);
			for (const char *c = s; *c; c++) {
				if (*c == '\'')
					fputs("'\\''", stderr);
				else
					fputc(*c, stderr);
			}
			fputc('\'', stderr);
		}
		first = false;
	}
	fputc('\n', stderr);
}

/* --- simple commands -------------------------------------------------------------- */

struct tmp_var {
	char *name;
	char *value;
	unsigned flags;
	bool existed;
};

/* bash NAME+=value: the parser kept the + in aname; the value becomes
 * the current value followed by v. Returns the name's length. */
static size_t assign_append(struct shell *sh, const char *aname, char **v)
{
	size_t nl = strlen(aname);
	if (nl < 2 || aname[nl - 1] != '+')
		return nl;
	char *name = strndup(aname, nl - 1);
	struct var *var = name ? var_lookup(sh, name) : NULL;
	const char *cur = var ? var->value : NULL;
	bool integer = var && (var->flags & V_INTEGER);
	free(name);
	if (cur) {
		size_t l = strlen(cur) + strlen(*v) + 8;
		char *joined = malloc(l);
		if (!joined)
			abort();
		/* declare -i: += adds */
		snprintf(joined, l, integer ? "(%s)+(%s)" : "%s%s", cur, *v);
		free(*v);
		*v = joined;
	}
	return nl - 1;
}

int eval_expand_assigns(struct shell *sh, struct word *w, struct strlist *out)
{
	for (; w; w = w->next) {
		if (w->is_array) {
			if (assign_array_word(sh, w) < 0)
				return -1;
			continue;
		}
		char *v = expand_word_str(sh, w, true);
		if (!v)
			return -1;
		int nl = (int)assign_append(sh, w->aname, &v);
		size_t l = strlen(w->aname) + strlen(v) + 2;
		char *s = malloc(l);
		if (!s)
			abort();
		snprintf(s, l, "%.*s=%s", nl, w->aname, v);
		free(v);
		strlist_push(out, s);
	}
	return 0;
}

static int assign_all(struct shell *sh, struct strlist *as, unsigned flags)
{
	for (size_t i = 0; i < as->n; i++) {
		char *eq = strchr(as->v[i], '=');
		if (var_set_n(sh, as->v[i], (size_t)(eq - as->v[i]), eq + 1, flags) < 0)
			return -1;
	}
	return 0;
}

/* Temporary assignments for a regular builtin or a function call. */
static struct tmp_var *assign_temp(struct shell *sh, struct strlist *as)
{
	if (!as->n)
		return NULL;
	struct tmp_var *t = calloc(as->n, sizeof *t);
	if (!t)
		abort();
	for (size_t i = 0; i < as->n; i++) {
		char *eq = strchr(as->v[i], '=');
		t[i].name = strndup(as->v[i], (size_t)(eq - as->v[i]));
		struct var *v = var_lookup(sh, t[i].name);
		if (v) {
			t[i].existed = true;
			t[i].value = v->value ? strdup(v->value) : NULL;
			t[i].flags = v->flags;
		}
		var_set(sh, t[i].name, eq + 1, V_EXPORT);
	}
	return t;
}

static void assign_restore(struct shell *sh, struct tmp_var *t, size_t n)
{
	if (!t)
		return;
	for (size_t i = n; i-- > 0;) {
		struct var *v = var_lookup(sh, t[i].name);
		if (t[i].existed) {
			if (v && !(v->flags & V_READONLY)) {
				free(v->value);
				v->value = t[i].value;
				v->flags = t[i].flags;
				t[i].value = NULL;
				sh->var_generation++;
			}
		} else if (v && !(v->flags & V_READONLY)) {
			var_unset(sh, t[i].name);
		}
		free(t[i].value);
		free(t[i].name);
	}
	free(t);
}

/* The environment for an external command: exported variables plus the
 * command's own assignments. */
char **eval_build_env(struct shell *sh, struct strlist *as, struct strlist *own)
{
	char **base = var_environ(sh);
	if (!as->n)
		return base;
	for (char **e = base; *e; e++) {
		bool overridden = false;
		const char *eq = strchr(*e, '=');
		for (size_t i = 0; i < as->n && !overridden; i++) {
			const char *aeq = strchr(as->v[i], '=');
			overridden = aeq - as->v[i] == eq - *e && memcmp(as->v[i], *e, (size_t)(eq - *e)) == 0;
		}
		if (!overridden)
			strlist_push(own, strdup(*e));
	}
	for (size_t i = 0; i < as->n; i++)
		strlist_push(own, strdup(as->v[i]));
	return own->v;
}

/* A process running its last command may exec it in place only if no trap
 * action could still be due (EXIT or a caught signal). */
static bool may_exec_in_place(const struct shell *sh)
{
	/* process substitutions wait for the command to end, then clean up */
	return !traps_have_actions(sh) && !sh->procsubs;
}

/* Expand a command's words. For the declaration builtins (export, readonly,
 * local) a NAME=value argument is expanded like an assignment, as dash
 * does: tilde after = and :, no field splitting, no pathname expansion. */
static int expand_command_words(struct shell *sh, struct word *args, struct strlist *out)
{
	const struct wpart *p0 = args ? args->parts : NULL;
	if (!p0 || p0->next || p0->kind != WP_LIT || p0->quoted)
		return expand_words(sh, args, out);
	const struct builtin *bi = builtin_lookup(p0->text);
	if (!bi || !(bi->flags & BI_ASSIGN))
		return expand_words(sh, args, out);
	strlist_push(out, strdup(p0->text));
	for (struct word *w = args->next; w; w = w->next) {
		if (w->is_array) {
			/* NAME=(...): the builtin declares NAME, the array is
			 * assigned after it ran (assign_array_args) */
			strlist_push(out, strdup(w->aname));
			continue;
		}
		const struct wpart *p = w->parts;
		const char *eq = p && p->kind == WP_LIT && !p->quoted ? memchr(p->text, '=', p->len) : NULL;
		if (eq && var_valid_name(p->text, (size_t)(eq - p->text))) {
			char *s = expand_word_str(sh, w, true);
			if (!s)
				return -1;
			strlist_push(out, s);
			continue;
		}
		struct word *next = w->next;
		w->next = NULL;
		int r = expand_words(sh, w, out);
		w->next = next;
		if (r < 0)
			return -1;
	}
	return 0;
}

/* A program file the kernel cannot execute because it is neither a binary
 * nor starts with #! is a shell script (the POSIX ENOEXEC rule). Instead of
 * letting the sandbox hand it to /bin/sh as one opaque command, shark runs
 * it itself, so each of its commands is memoized. Returns the file's path
 * (malloc'd) when name is such a script, else NULL. Files holding a NUL in
 * their first bytes are left to the sandbox (binaries of other formats). */
static char *script_without_interpreter(struct shell *sh, const char *name)
{
	/* a prefix word (nocache, force, ...) is never a file to run: it
	 * shadows one of its name on PATH, which is not even searched (12
	 * stat calls before a one-shot `shark -c 'nocache CMD'` starts) */
	if (!*name || external_is_prefix(name) || !shell_exe_path(sh))
		return NULL;
	char *path = path_search(sh, name, true);
	if (!path)
		return NULL;
	struct stat st;
	unsigned char head[256];
	ssize_t len = -1;
	int fd = access(path, X_OK) == 0 ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) : -1;
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			len = read(fd, head, sizeof head);
		close(fd);
	}
	bool script = len >= 0 && !(len >= 2 && head[0] == '#' && head[1] == '!') &&
		      !memchr(head, '\0', (size_t)len);
	if (!script) {
		free(path);
		return NULL;
	}
	return path;
}

/* Run the script file path with a new shark (`shark -- PATH ARGS...`), as
 * POSIX describes ("as if a new shell were invoked with the command name as
 * its first operand"), with the shell's current descriptors; in_place: this
 * process has nothing left to do and becomes that shark. */
static int run_script_file(struct shell *sh, const char *path, struct strlist *argv,
			   char **envp, bool in_place)
{
	struct strlist av = { 0 };
	strlist_push(&av, strdup(sh->shell_path));
	strlist_push(&av, strdup("--"));
	strlist_push(&av, strdup(path));
	for (size_t i = 1; i < argv->n; i++)
		strlist_push(&av, strdup(argv->v[i]));
	out_flush(sh);
	if (in_place)
		external_flush(sh); /* the last run's records: the exec would lose them */
	if (!in_place)
		external_commit_pending(sh);
	/* at an interactive prompt the script is a job like any command: a
	 * process group of its own with the terminal, so ^Z stops it */
	bool job = !in_place && sh->jc.on;
	pid_t pid = in_place ? 0 : job ? jobs_fork(sh, false) : fork();
	if (pid == 0) {
		signals_child_reset(sh, false);
		/* the script's shell gets `ulimit`'s limits for its
		 * commands, its own staying the shell's (memo.h) */
		char *lim = memo_ulimit_exec_env();
		if (lim) {
			size_t n = 0;
			while (envp[n])
				n++;
			char **env2 = malloc((n + 2) * sizeof(*env2));
			if (env2) {
				memcpy(env2, envp, n * sizeof(*env2));
				env2[n] = lim;
				env2[n + 1] = NULL;
				envp = env2;
			}
		}
		execve(sh->shell_path, av.v, envp);
		sh_error(sh, "%s: %s", argv->v[0], strerror(errno));
		_exit(126);
	}
	strlist_free(&av);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		return 2;
	}
	if (job)
		return jobs_wait_pid(sh, pid);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return WEXITSTATUS(ws);
}

/* bash NAME=(words...) / NAME+=(words...): expand the words (with field
 * splitting and pathname expansion) into the array. */
static int assign_array_word(struct shell *sh, const struct word *w)
{
	struct strlist vals = { 0 };
	if (w->elems && expand_words(sh, w->elems, &vals) < 0) {
		strlist_free(&vals);
		return -1;
	}
	size_t nl = strlen(w->aname);
	bool append = nl > 1 && w->aname[nl - 1] == '+';
	char *name = strndup(w->aname, append ? nl - 1 : nl);
	if (!name)
		abort();
	int r = array_assign(sh, name, vals.v, vals.n, append);
	free(name);
	strlist_free(&vals);
	return r;
}

/* After declare/local NAME=(...): assign the arrays. */
static int assign_array_args(struct shell *sh, const struct builtin *bi, struct node *n, int status)
{
	if (!(bi->flags & BI_ASSIGN) || status != 0)
		return status;
	for (struct word *w = n->args; w; w = w->next)
		if (w->is_array && assign_array_word(sh, w) < 0)
			return 1;
	return status;
}

static int run_builtin(struct shell *sh, const struct builtin *bi, struct strlist *argv)
{
	int status = bi->fn(sh, (int)argv->n, argv->v);
	if (out_flush(sh) < 0 && status == 0)
		status = 1;
	return status;
}


/* The status of a command whose redirection failed: 2 as in dash, 1 in
 * bash mode as in bash (where a special builtin's failed redirection does
 * not end the script either). */
static int redir_fail_status(const struct shell *sh)
{
	return sh->bash ? 1 : 2;
}

static int eval_simple(struct shell *sh, struct node *n, bool last)
{
	struct strlist argv = { 0 }, assigns = { 0 };
	int status = 0;
	sh->lineno = n->lineno;
	sh->cmdsub_ran = false;
	sh->cmdsub_status = 0;
	if (expand_command_words(sh, n->args, &argv) < 0) {
		status = sh->jump == J_NONE ? 1 : sh->status;	/* as set by the error */
		goto out;
	}
	if (argv.n == 0) {
		external_commit_pending(sh); /* records wait only for a next command */
		/* assignments alone: each one sees the previous ones */
		for (struct word *w = n->assigns; w; w = w->next) {
			if (w->is_array) {
				if (assign_array_word(sh, w) < 0) {
					status = 1;
					goto out;
				}
				continue;
			}
			char *v = expand_word_str(sh, w, true);
			if (!v) {
				status = sh->jump == J_NONE ? 2 : sh->status;
				goto out;
			}
			if (sh->opt.xtrace) {
				size_t l = strlen(w->aname) + strlen(v) + 2;
				char *s = malloc(l);
				if (!s)
					abort();
				snprintf(s, l, "%s=%s", w->aname, v);
				strlist_push(&assigns, s);
			}
			size_t nl = assign_append(sh, w->aname, &v);
			int r = var_set_n(sh, w->aname, nl, v, 0);
			free(v);
			if (r < 0 && sh->bash) {
				/* bash: status 1 and the rest of the complete
				 * command is abandoned; the script goes on */
				status = 1;
				sh->jump = J_ABORT;
				sh->status = 1;
				goto out;
			}
			if (r < 0) {
				sh_fatal(sh, 2);
				status = 2;
				goto out;
			}
		}
		if (sh->opt.xtrace && assigns.n)
			xtrace(sh, assigns.v, assigns.n, NULL);
		status = sh->cmdsub_ran ? sh->cmdsub_status : 0;
		if (n->redirs) {
			struct redir_save *save = NULL;
			if (redir_apply(sh, n->redirs, &save) < 0)
				status = redir_fail_status(sh);
			redir_restore(sh, save);
		}
		goto out;
	}
	if (eval_expand_assigns(sh, n->assigns, &assigns) < 0) {
		status = sh->jump == J_NONE ? 2 : sh->status;
		goto out;
	}
	if (sh->opt.xtrace)
		xtrace(sh, assigns.v, assigns.n, argv.v);

	bool no_funcs = false;
	size_t skip = 0;
	/* `command NAME ...` without options: bypass functions */
	while (skip < argv.n && strcmp(argv.v[skip], "command") == 0 && argv.v[skip + 1] &&
	       (argv.v[skip + 1][0] != '-' || strcmp(argv.v[skip + 1], "-p") == 0 ||
		strcmp(argv.v[skip + 1], "--") == 0)) {
		skip++;
		if (strcmp(argv.v[skip], "-p") == 0 || strcmp(argv.v[skip], "--") == 0)
			skip++;
		no_funcs = true;
	}
	if (skip) {
		if (skip >= argv.n) {
			status = 0;
			goto out;
		}
		for (size_t i = 0; i < skip; i++)
			free(argv.v[i]);
		memmove(argv.v, argv.v + skip, (argv.n - skip + 1) * sizeof *argv.v);
		argv.n -= skip;
	}
	if (sh->bash && !skip) {
		/* NAME[SUB]=VALUE words the parser could not tell from commands */
		size_t k = 0;
		int r = 1;
		while (k < argv.n && (r = array_assign_word(sh, argv.v[k])) == 0)
			k++;
		if (r < 0) {
			status = 1;
			goto out;
		}
		if (k) {
			for (size_t i = 0; i < k; i++)
				free(argv.v[i]);
			memmove(argv.v, argv.v + k, (argv.n - k + 1) * sizeof *argv.v);
			argv.n -= k;
			if (argv.n == 0) {
				status = 0;
				goto out;
			}
		}
	}
	const char *name = argv.v[0];
	struct cmd_entry ce = cmd_find(sh, name, no_funcs ? CMD_NO_FUNCS : 0);
	const struct builtin *bi = ce.bi;
	struct func *fn = ce.fn;

	if (fn || bi)
		external_commit_pending(sh); /* records wait only for a next command */
	if (bi && (bi->flags & BI_SPECIAL) && !fn) {
		if (bi->fn == bi_exec) {
			/* exec: redirections stay; with a command, replace the shell */
			if (assign_all(sh, &assigns, argv.n > 1 ? V_EXPORT : 0) < 0) {
				sh_fatal(sh, 2);
				status = 2;
				goto out;
			}
			if (redir_apply(sh, n->redirs, NULL) < 0) {
				status = redir_fail_status(sh);
				if (!sh->bash)
					sh_fatal(sh, 2);
				goto out;
			}
			if (argv.n > 1) {
				const char *pwd = var_get(sh, "PWD");
				struct external_cmd cmd = { .argv = argv.v + 1, .envp = var_environ(sh),
							    .cwd = pwd, .fd_in = 0, .fd_out = 1, .fd_err = 2 };
				out_flush(sh);
				status = external_run(sh, &cmd, true);
				sh->jump = J_EXIT;
				sh->status = status;
			}
			goto out;
		}
		if (!no_funcs && assign_all(sh, &assigns, 0) < 0) {
			sh_fatal(sh, 2);
			status = 2;
			goto out;
		}
		struct tmp_var *tmp = no_funcs ? assign_temp(sh, &assigns) : NULL;
		struct redir_save *save = NULL;
		if (no_funcs)
			sh->command_guard++;
		if (redir_apply(sh, n->redirs, &save) < 0) {
			status = redir_fail_status(sh);
			if (!sh->bash)
				sh_fatal(sh, 2);
		} else {
			status = run_builtin(sh, bi, &argv);
			status = assign_array_args(sh, bi, n, status);
		}
		redir_restore(sh, save);
		assign_restore(sh, tmp, assigns.n);
		if (no_funcs) {
			sh->command_guard--;
			if (sh->jump == J_ABORT && !(sh->interactive && sh->command_guard == 0 && sig_int_seen)) {
				sh->jump = J_NONE;
				status = sh->status;
			}
		}
		goto out;
	}
	if (fn || bi) {
		struct tmp_var *tmp = assign_temp(sh, &assigns);
		struct redir_save *save = NULL;
		if (redir_apply(sh, n->redirs, &save) < 0) {
			status = redir_fail_status(sh);
		} else if (fn) {
			status = eval_function(sh, fn, (int)argv.n, argv.v);
		} else {
			status = run_builtin(sh, bi, &argv);
			status = assign_array_args(sh, bi, n, status);
		}
		redir_restore(sh, save);
		assign_restore(sh, tmp, assigns.n);
		goto out;
	}

	/* an external command: through the seam */
	struct strlist env = { 0 };
	char **envp = eval_build_env(sh, &assigns, &env);
	char *script = script_without_interpreter(sh, name);
	if (script) {
		struct redir_save *save = NULL;
		if (redir_apply(sh, n->redirs, last ? NULL : &save) < 0)
			status = redir_fail_status(sh);
		else
			status = run_script_file(sh, script, &argv, envp, last && may_exec_in_place(sh));
		if (!last)
			redir_restore(sh, save);
		free(script);
		strlist_free(&env);
		goto out;
	}
	const char *pwd = var_get(sh, "PWD");
	struct external_cmd cmd = { .argv = argv.v, .envp = envp, .cwd = pwd,
				    .fd_in = 0, .fd_out = 1, .fd_err = 2 };
	if (last && may_exec_in_place(sh)) {
		if (redir_apply(sh, n->redirs, NULL) < 0)
			status = redir_fail_status(sh);
		else
			status = external_run(sh, &cmd, true);
	} else {
		struct redir_save *save = NULL;
		if (redir_apply(sh, n->redirs, &save) < 0)
			status = redir_fail_status(sh);
		else
			status = external_run(sh, &cmd, false);
		redir_restore(sh, save);
	}
	strlist_free(&env);
out:
	strlist_free(&argv);
	strlist_free(&assigns);
	sh->status = status;
	eval_check_errexit(sh, status);
	return status;
}

/* --- pipelines, background, subshells ---------------------------------------------- */

void eval_in_child(struct shell *sh, struct node *n)
{
	int status = eval(sh, n, true);
	if (sh->jump == J_EXIT || sh->jump == J_ABORT)
		status = sh->status;
	shell_exit(sh, status);
}

static int eval_pipe(struct shell *sh, struct node *n, bool last)
{
	int status;
	if (n->nstages == 1) {
		if (n->bang)
			sh->errexit_off++;
		status = eval(sh, n->stages[0], false);
		if (n->bang) {
			sh->errexit_off--;
			status = !status;
		}
		sh->status = status;
		return status;
	}
	/* at the end of the process (and not negated) no job child is needed */
	if (external_pipeline(sh, n->stages, n->nstages, last && !n->bang && may_exec_in_place(sh),
			      &status)) {
		if (sh->bash)	/* the engine gives the last stage's status only */
			bashvars_set_pipestatus(sh, &status, 1);
		goto done;
	}
	out_flush(sh);
	/* the last stage in this process, when the engine may run it here
	 * (external_pipeline_tail_ok): the others are forked as below */
	size_t forks = n->nstages;
	if (!last && external_pipeline_tail_ok(sh, n->stages[n->nstages - 1]))
		forks--;
	pid_t *pids = calloc(n->nstages, sizeof *pids);
	if (!pids)
		abort();
	int prev = -1;
	size_t started = 0;
	jobs_group_begin(sh); /* one job: one process group */
	for (size_t i = 0; i < forks; i++) {
		int p[2] = { -1, -1 };
		if (i + 1 < n->nstages && pipe2(p, O_CLOEXEC) < 0) {
			sh_error(sh, "pipe: %s", strerror(errno));
			break;
		}
		pid_t pid = jobs_fork(sh, false);
		if (pid < 0) {
			sh_error(sh, "fork: %s", strerror(errno));
			if (p[0] >= 0) {
				close(p[0]);
				close(p[1]);
			}
			break;
		}
		if (pid == 0) {
			if (prev >= 0) {
				(void)util_move_fd(prev, 0);
				/* a stage that is one simple command: when it ends
				 * in an external command, that command is the
				 * pipe's last reader (external_run) */
				struct stat pst;
				if (n->stages[i]->kind == N_SIMPLE && fstat(0, &pst) == 0) {
					sh->stage_pipe_dev = pst.st_dev;
					sh->stage_pipe_ino = pst.st_ino;
					sh->stage_pid = util_getpid();
				}
			}
			if (p[1] >= 0) {
				close(p[0]);
				(void)util_move_fd(p[1], 1);
			}
			eval_in_child(sh, n->stages[i]);
		}
		pids[started++] = pid;
		if (prev >= 0)
			close(prev);
		if (p[1] >= 0)
			close(p[1]);
		prev = p[0];
	}
	int tail = -1;
	if (forks < n->nstages && started == forks && prev >= 0)
		tail = external_pipeline_tail(sh, n->stages[forks], prev);
	if (prev >= 0)
		close(prev);
	status = 0;
	int fail = 0;
	int *statuses = calloc(n->nstages, sizeof *statuses);
	if (!statuses)
		abort();
	for (size_t i = 0; i < started; i++) {
		int s = jobs_wait_pid(sh, pids[i]);
		if (s)
			fail = s;
		status = s;
		statuses[i] = s;
	}
	if (tail >= 0) {
		if (tail)
			fail = tail;
		status = statuses[started++] = tail;
	}
	if (sh->bash)
		bashvars_set_pipestatus(sh, statuses, started);
	/* every stage exited (none killed by a signal: 128+N) */
	bool exited = true;
	for (size_t i = 0; i < started; i++)
		exited = exited && statuses[i] <= 128;
	free(statuses);
	jobs_group_end(sh, exited);
	if (started < n->nstages)
		status = 2;
	if (sh->opt.pipefail && fail)
		status = fail;
	free(pids);
done:
	if (n->bang)
		status = !status;
	sh->status = status;
	if (!n->bang)
		eval_check_errexit(sh, status);
	return status;
}

static int eval_bg(struct shell *sh, struct node *n)
{
	pid_t pid = jobs_fork(sh, true);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		return sh->status = 2;
	}
	if (pid == 0) {
		if (!sh->opt.monitor) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				(void)util_move_fd(fd, 0);
		}
		eval_in_child(sh, n->a);
	}
	sh->last_bg = pid;
	pid_t *pids = malloc(sizeof *pids);
	if (!pids)
		abort();
	pids[0] = pid;
	jobs_add(sh, pids, 1, node_to_text(n->a));
	return sh->status = 0;
}

static int eval_subshell(struct shell *sh, struct node *n, bool last)
{
	if (last) {
		if (redir_apply(sh, n->redirs, NULL) < 0)
			return sh->status = redir_fail_status(sh);
		return eval(sh, n->a, true);
	}
	pid_t pid = jobs_fork(sh, false);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		return sh->status = 2;
	}
	if (pid == 0) {
		jobs_free_all(sh);	/* bash keeps them in $( ) and pipes, not in ( ) */
		if (redir_apply(sh, n->redirs, NULL) < 0)
			shell_exit(sh, redir_fail_status(sh));
		eval_in_child(sh, n->a);
	}
	int status = jobs_wait_pid(sh, pid);
	sh->status = status;
	eval_check_errexit(sh, status);
	return status;
}

/* --- compound commands ------------------------------------------------------------ */

/* After a loop body: returns true if the loop must stop. */
static bool loop_jump(struct shell *sh, bool *ret_continue)
{
	*ret_continue = false;
	if (sh->jump == J_BREAK) {
		if (--sh->jump_count <= 0)
			sh->jump = J_NONE;
		return true;
	}
	if (sh->jump == J_CONTINUE) {
		if (--sh->jump_count <= 0) {
			sh->jump = J_NONE;
			*ret_continue = true;
			return false;
		}
		return true;
	}
	return sh->jump != J_NONE;
}

static int eval_loop(struct shell *sh, struct node *n)
{
	int status = 0;
	sh->loop_depth++;
	for (;;) {
		sh->errexit_off++;
		int c = eval(sh, n->a, false);
		sh->errexit_off--;
		bool cont;
		if (sh->jump != J_NONE) {
			if (loop_jump(sh, &cont))
				break;
			if (cont)
				continue;
		}
		if ((c == 0) != (n->kind == N_WHILE))
			break;
		status = eval(sh, n->b, false);
		if (sh->jump != J_NONE) {
			if (loop_jump(sh, &cont))
				break;
		}
		if (sh->interactive && sig_int_seen)
			break;
	}
	sh->loop_depth--;
	if (sh->jump == J_NONE)
		sh->status = status;
	return status;
}

/* One of the three expressions of for (( ; ; )): 0 or the value; empty
 * counts as 1 (an empty condition loops for ever). */
static int for_arith_part(struct shell *sh, const char *s, size_t len, intmax_t *ret)
{
	char *e = strndup(s, len);
	if (!e)
		abort();
	*ret = 1;
	size_t k = strspn(e, " \t\n");
	int r = e[k] ? arith_eval(sh, e, ret) : 0;
	free(e);
	return r;
}

/* bash for (( init; cond; step )) body */
static int eval_for_arith(struct shell *sh, struct node *n)
{
	char *text = expand_word_str(sh, n->subject, false);
	if (!text)
		return sh->status = 1;
	char *s1 = strchr(text, ';'), *s2 = s1 ? strchr(s1 + 1, ';') : NULL;
	if (!s2) {
		sh_error(sh, "syntax error: for (( )) needs two ;");
		free(text);
		sh_fatal(sh, 2);
		return 2;
	}
	intmax_t v;
	int status = 0;
	if (for_arith_part(sh, text, (size_t)(s1 - text), &v) < 0)
		goto fail;
	sh->loop_depth++;
	for (;;) {
		if (for_arith_part(sh, s1 + 1, (size_t)(s2 - s1 - 1), &v) < 0) {
			sh->loop_depth--;
			goto fail;
		}
		if (!v)
			break;
		status = eval(sh, n->b, false);
		bool cont;
		if (sh->jump != J_NONE && loop_jump(sh, &cont))
			break;
		if (sh->interactive && sig_int_seen)
			break;
		if (for_arith_part(sh, s2 + 1, strlen(s2 + 1), &v) < 0) {
			sh->loop_depth--;
			goto fail;
		}
	}
	sh->loop_depth--;
	free(text);
	if (sh->jump == J_NONE)
		sh->status = status;
	return status;
fail:
	free(text);
	return sh->status = 1;
}

static int eval_for(struct shell *sh, struct node *n)
{
	if (!n->name)
		return eval_for_arith(sh, n);
	struct strlist items = { 0 };
	if (n->for_all) {
		for (int i = 0; i < sh->argc; i++)
			strlist_push(&items, strdup(sh->argv[i]));
	} else if (expand_words(sh, n->words, &items) < 0) {
		strlist_free(&items);
		return sh->status = 1;
	}
	int status = 0;
	sh->loop_depth++;
	for (size_t i = 0; i < items.n; i++) {
		if (var_set(sh, n->name, items.v[i], 0) < 0) {
			sh_fatal(sh, 2);
			status = 2;
			break;
		}
		status = eval(sh, n->b, false);
		bool cont;
		if (sh->jump != J_NONE && loop_jump(sh, &cont))
			break;
		if (sh->interactive && sig_int_seen)
			break;
	}
	sh->loop_depth--;
	strlist_free(&items);
	if (sh->jump == J_NONE)
		sh->status = status;
	return status;
}

static int eval_case(struct shell *sh, struct node *n, bool last)
{
	char *subject = expand_word_str(sh, n->subject, true);
	/* an expansion error: 2, or what an abandoned command set (bash: 1) */
	if (!subject)
		return sh->status = sh->jump == J_NONE ? 2 : sh->status;
	size_t slen = strlen(subject);
	int status = 0;
	for (struct case_item *ci = n->items; ci; ci = ci->next) {
		for (struct word *p = ci->patterns; p; p = p->next) {
			char *pat = expand_word_pattern(sh, p);
			if (!pat) {
				free(subject);
				return sh->status = sh->jump == J_NONE ? 2 : sh->status;
			}
			bool m = pattern_match_flags(pat, subject, slen, pattern_flags(sh, true));
			free(pat);
			if (m) {
				free(subject);
				status = ci->body ? eval(sh, ci->body, last) : 0;
				sh->status = status;
				return status;
			}
		}
	}
	free(subject);
	return sh->status = status;
}

static int eval_compound(struct shell *sh, struct node *n, bool last)
{
	int status = 0;
	switch (n->kind) {
	case N_GROUP:
		status = eval(sh, n->a, last);
		break;
	case N_IF:
		sh->errexit_off++;
		status = eval(sh, n->a, false);
		sh->errexit_off--;
		if (sh->jump != J_NONE)
			break;
		if (status == 0)
			status = eval(sh, n->b, last);
		else if (n->c)
			status = eval(sh, n->c, last);
		else
			status = 0;
		break;
	case N_WHILE:
	case N_UNTIL:
	case N_FOR: {
		bool tally = external_tally_begin(sh);
		status = n->kind == N_FOR ? eval_for(sh, n) : eval_loop(sh, n);
		external_tally_end(sh, tally);
		break;
	}
	case N_CASE:
		status = eval_case(sh, n, last);
		break;
	case N_DBRACKET:
	case N_ARITH:
		sh->lineno = n->lineno;
		status = n->kind == N_DBRACKET ? cond_eval(sh, n) : cond_arith(sh, n);
		if (status == 2 && !sh->interactive && n->kind == N_ARITH && sh->jump == J_NONE)
			status = 1;	/* bash: an arithmetic error in (( )) is status 1 */
		eval_check_errexit(sh, status);
		break;
	default:
		break;
	}
	if (sh->jump == J_NONE || sh->jump == J_BREAK || sh->jump == J_CONTINUE)
		sh->status = status;
	return status;
}

static int eval(struct shell *sh, struct node *n, bool last)
{
	if (!n)
		return sh->status;
	if (sig_any_pending)
		trap_run_pending(sh);
	if (sh->jump != J_NONE)
		return sh->status;
	if (sh->interactive && sig_int_seen) {
		sh->jump = J_ABORT;
		return sh->status = 130;
	}
	if (++sh->eval_depth > EVAL_MAX_DEPTH * 4) {
		sh->eval_depth--;
		sh_error(sh, "evaluation nested too deeply");
		sh_fatal(sh, 2);
		return 2;
	}
	int status = 0;
	struct procsub *procsub_mark = sh->procsubs;
	if (n->kind != N_SIMPLE && n->kind != N_PIPE && n->kind != N_SEQ && n->kind != N_AND &&
	    n->kind != N_OR)
		external_commit_pending(sh); /* records wait only for a next command */
	switch (n->kind) {
	case N_SIMPLE:
		status = eval_simple(sh, n, last);
		break;
	case N_PIPE:
		status = eval_pipe(sh, n, last);
		break;
	case N_AND:
	case N_OR:
		sh->errexit_off++;
		status = eval(sh, n->a, false);
		sh->errexit_off--;
		if (sh->jump == J_NONE && ((status == 0) == (n->kind == N_AND)))
			status = eval(sh, n->b, last);
		break;
	case N_SEQ:
		for (size_t i = 0; i < n->nstages && sh->jump == J_NONE; i++)
			status = eval(sh, n->stages[i], last && i + 1 == n->nstages);
		break;
	case N_BG:
		status = eval_bg(sh, n);
		break;
	case N_SUBSHELL:
		status = eval_subshell(sh, n, last);
		break;
	case N_FUNCDEF:
		func_define(sh, n->name, n->a, n->text);
		status = sh->status = 0;
		break;
	default:
		if (n->redirs) {
			struct redir_save *save = NULL;
			if (redir_apply(sh, n->redirs, &save) < 0) {
				/* a failed redirection is a failed command: set -e applies */
				redir_restore(sh, save);
				status = sh->status = redir_fail_status(sh);
				eval_check_errexit(sh, status);
				break;
			}
			status = eval_compound(sh, n, false);
			redir_restore(sh, save);
		} else {
			status = eval_compound(sh, n, last);
		}
		break;
	}
	sh->eval_depth--;
	if (sh->procsubs != procsub_mark)
		procsub_finish(sh, procsub_mark);
	if (sh->jump == J_NONE)
		sh->status = status;
	if (sh->bash && (n->kind == N_SIMPLE || n->kind == N_SUBSHELL || n->kind == N_DBRACKET ||
			 n->kind == N_ARITH))
		bashvars_set_pipestatus(sh, &status, 1);	/* a command is a pipeline of one; a
								 * compound one leaves its last pipeline's */
	return status;
}

int eval_node(struct shell *sh, struct node *n)
{
	return eval(sh, n, false);
}

int eval_node_final(struct shell *sh, struct node *n)
{
	return eval(sh, n, true);
}

int eval_string(struct shell *sh, const char *name, const char *text)
{
	struct node *n = NULL;
	if (parse_string(sh, name, text, strlen(text), sh->lineno, &n) != PARSE_OK) {
		sh_fatal(sh, 2);
		return sh->status = 2;
	}
	if (!n)
		return sh->status = 0;
	int status = eval(sh, n, false);
	ast_free(n);
	return status;
}
