/* probe.c - a command line expanded without running it (probe.h). */
#include "shark/shell/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shark/shell/ast.h"
#include "shark/shell/eval.h"
#include "shark/shell/expand.h"
#include "shark/shell/external.h"
#include "shark/shell/lookup.h"
#include "shark/shell/shell.h"
#include "shark/shell/vars.h"
#include "shark/util/util.h"

struct probe {
	struct shell *sh;
	const struct shell_probe_ops *ops;
};

static void note(struct probe *P, int lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct probe *P, int lineno, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	P->ops->note(P->ops->ctx, lineno, line);
}

/* Whether expanding w (or any word after it) would run a command: a
 * command substitution anywhere, parameter operands included. */
static bool words_run_commands(const struct word *w)
{
	for (; w; w = w->next)
		for (const struct wpart *p = w->parts; p; p = p->next)
			if (p->kind == WP_CMDSUB || p->kind == WP_PROCSUB ||
			    (p->kind == WP_PARAM && words_run_commands(p->arg)))
				return true;
	return false;
}

static bool node_runs_commands(const struct node *n)
{
	if (words_run_commands(n->args) || words_run_commands(n->assigns))
		return true;
	for (const struct redir *r = n->redirs; r; r = r->next)
		if (words_run_commands(r->target))
			return true;
	return false;
}

struct pstage {
	struct strlist argv, env;
	struct memo_stage st;
	char *text;
};

static void pstage_release(struct pstage *s)
{
	strlist_free(&s->argv);
	strlist_free(&s->env);
	free(s->text);
	int fds[] = { s->st.fd_in, s->st.fd_out, s->st.fd_err };
	for (size_t k = 0; k < 3; k++)
		if (fds[k] >= 0)
			close(fds[k]);
}

/* The descriptors stage n's redirections stand for; false (noted) when one
 * cannot be probed. */
static bool probe_redirs(struct probe *P, const struct node *n, struct pstage *s)
{
	for (const struct redir *r = n->redirs; r; r = r->next) {
		if (r->fd > 2 || r->kind == R_DUPIN || r->kind == R_DUPOUT || r->kind == R_HEREDOC) {
			note(P, n->lineno, "a here-document or descriptor duplication: not probed");
			return false;
		}
		char *target = expand_word_str(P->sh, r->target, true);
		if (!target)
			return false;
		int fd;
		if (r->fd == 0) {
			fd = open(target, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
			if (fd < 0) {
				note(P, n->lineno, "cannot open %s: %s (the command would fail)", target,
				     strerror(errno));
				free(target);
				return false;
			}
			(void)fcntl(fd, F_SETFL, 0);
		} else {
			/* an output: only "not a terminal" matters to the key */
			fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		}
		free(target);
		int *slot = r->fd == 0 ? &s->st.fd_in : r->fd == 1 ? &s->st.fd_out : &s->st.fd_err;
		if (*slot >= 0)
			close(*slot);
		*slot = fd;
	}
	return true;
}

/* Plain assignments (`f=x`, no command): applied to the probing shell. */
static void probe_assignments(struct probe *P, const struct node *n)
{
	struct strlist as = { 0 };
	if (eval_expand_assigns(P->sh, n->assigns, &as) == 0)
		for (size_t i = 0; i < as.n; i++) {
			char *eq = strchr(as.v[i], '=');
			(void)var_set_n(P->sh, as.v[i], (size_t)(eq - as.v[i]), eq + 1, 0);
		}
	strlist_free(&as);
}

static void probe_pipeline(struct probe *P, struct node *const *nodes, size_t n)
{
	struct pstage *ps = calloc(n, sizeof(*ps));
	struct memo_stage *st = calloc(n, sizeof(*st));
	if (!ps || !st) {
		free(ps);
		free(st);
		return;
	}
	for (size_t i = 0; i < n; i++)
		ps[i].st.fd_in = ps[i].st.fd_out = ps[i].st.fd_err = -1;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		const struct node *nd = nodes[i];
		struct pstage *s = &ps[i];
		if (nd->kind != N_SIMPLE) {
			note(P, nd->lineno, "a compound command in a pipeline: not probed");
			ok = false;
			break;
		}
		if (node_runs_commands(nd)) {
			note(P, nd->lineno, "a word with a command substitution: not probed "
					    "(expanding it would run a command)");
			ok = false;
			break;
		}
		if (!nd->args) {
			if (n == 1 && !nd->redirs)
				probe_assignments(P, nd);
			else
				note(P, nd->lineno, "an assignment with redirections: not probed");
			ok = false;
			break;
		}
		if (expand_words(P->sh, nd->args, &s->argv) < 0 || s->argv.n == 0) {
			P->sh->jump = J_NONE;
			note(P, nd->lineno, "a command whose words expand to nothing or fail: not "
					    "probed");
			ok = false;
			break;
		}
		unsigned flags;
		char *const *argv = external_strip_prefixes(s->argv.v, &flags);
		if (!argv || !cmd_is_program(P->sh, argv[0])) {
			note(P, nd->lineno, "`%s` is a shell builtin or function (or not found): it "
					    "runs in the shell and is never memoized",
			     s->argv.v[0]);
			ok = false;
			break;
		}
		struct strlist as = { 0 };
		if (eval_expand_assigns(P->sh, nd->assigns, &as) < 0) {
			strlist_free(&as);
			ok = false;
			break;
		}
		char **envp = eval_build_env(P->sh, &as, &s->env);
		if (envp != s->env.v)
			for (char **e = envp; *e; e++)
				strlist_push(&s->env, strdup(*e));
		strlist_free(&as);
		if (!probe_redirs(P, nd, s)) {
			ok = false;
			break;
		}
		s->text = util_sh_words(s->argv.v);
		s->st.argv = argv;
		s->st.envp = s->env.v;
		s->st.flags = flags;
		s->st.text = s->text;
		if (s->st.fd_err < 0)
			s->st.fd_err = fcntl(2, F_DUPFD_CLOEXEC, 10);
	}
	if (ok) {
		for (size_t i = 0; i < n; i++)
			st[i] = ps[i].st;
		P->ops->pipeline(P->ops->ctx, nodes[0]->lineno, st, n, 0, 1);
	}
	for (size_t i = 0; i < n; i++)
		pstage_release(&ps[i]);
	free(ps);
	free(st);
}

static void probe_node(struct probe *P, struct node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_SEQ: /* a list: its commands in stages */
		for (size_t i = 0; i < n->nstages; i++)
			probe_node(P, n->stages[i]);
		break;
	case N_AND:
	case N_OR:
		probe_node(P, n->a);
		probe_node(P, n->b);
		break;
	case N_BG:
		probe_node(P, n->a);
		break;
	case N_GROUP:
		if (n->redirs)
			note(P, n->lineno, "a { group; } with redirections: not probed");
		else
			probe_node(P, n->a);
		break;
	case N_PIPE:
		probe_pipeline(P, n->stages, n->nstages);
		break;
	case N_SIMPLE:
		probe_pipeline(P, &n, 1);
		break;
	default:
		note(P, n->lineno, "a compound command (if, while, until, for, case, subshell, "
				   "function definition): not probed");
	}
}

int shell_probe(const char *name, const char *text, size_t len, char **envp,
		const struct shell_probe_ops *ops)
{
	struct shell sh;
	if (shell_init(&sh, "shark", envp) < 0)
		return -ENOMEM;
	struct node *n = NULL;
	int r = parse_string(&sh, name, text, len, 1, &n);
	if (r == PARSE_OK) {
		struct probe P = { .sh = &sh, .ops = ops };
		probe_node(&P, n);
		ast_free(n);
	}
	shell_free(&sh);
	return r == PARSE_OK ? 0 : 2;
}
