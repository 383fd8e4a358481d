/* lineage.c - `shark lineage FILE [--dot | --script]`: the chain of
 * recorded runs that produced a workspace file, back to inputs no run
 * produced.
 *
 * A run produced a file with content H at workspace path P when its trace
 * has a write effect (P, H), or, failing that, when its stdout is H (the
 * shell redirected it into P). Among several, the newest trace wins. The
 * inputs of that trace that lie in the workspace are followed the same
 * way, with the content hash each input had when the trace read it. */
#include "shark/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shark/memo/memo.h"

#define MAX_DEPTH 64

struct ltrace {
	store_hash id;
	struct store_trace *t;
	uint64_t run_id; /* newest run naming it; 0 when none */
	char *command, *cwd;
	int state; /* 0 new, 1 visiting, 2 done */
};

struct lineage {
	const char *ws;
	size_t ws_len;
	struct ltrace *v;
	size_t n, cap;
	enum { OUT_TEXT, OUT_DOT, OUT_SCRIPT } mode;
	store_hash empty;
};

static int collect(void *arg, const store_hash *id, const struct store_trace *t)
{
	struct lineage *L = arg;
	if (!t)
		return 0;
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 256;
		struct ltrace *p = reallocarray(L->v, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		L->v = p;
		L->cap = cap;
	}
	/* t lives only during the call: keep a copy through its encoding */
	uint8_t *enc;
	size_t len;
	int r = store_trace_encode(t, &enc, &len);
	if (r < 0)
		return r;
	struct store_trace *copy;
	r = store_trace_decode(enc, len, &copy);
	free(enc);
	if (r < 0)
		return r;
	L->v[L->n++] = (struct ltrace){ .id = *id, .t = copy };
	return 0;
}

static struct ltrace *by_id(struct lineage *L, const store_hash *id)
{
	for (size_t i = 0; i < L->n; i++)
		if (store_hash_equal(&L->v[i].id, id))
			return &L->v[i];
	return NULL;
}

static int attach_runs(struct lineage *L, store_txn *txn)
{
	uint64_t id = UINT64_MAX;
	for (;;) {
		int r = store_run_prev(txn, id, &id);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		struct store_run *run;
		if (store_run_get(txn, id, &run) < 0)
			continue;
		struct ltrace *lt = store_hash_is_zero(&run->trace_id) ? NULL : by_id(L, &run->trace_id);
		if (lt && !lt->run_id) {
			lt->run_id = id;
			lt->command = strdup(run->command ? run->command : "");
			lt->cwd = strdup(run->cwd ? run->cwd : "");
			if (!lt->command || !lt->cwd) {
				store_run_free(run);
				return -ENOMEM;
			}
		}
		store_run_free(run);
	}
}

/* The newest trace that wrote rel with content h; *ret_stdout tells
 * whether it matched through its stdout. */
static struct ltrace *producer(struct lineage *L, const char *rel, const store_hash *h,
			       bool *ret_stdout)
{
	struct ltrace *best = NULL;
	bool best_stdout = false;
	for (size_t i = 0; i < L->n; i++) {
		const struct store_trace *t = L->v[i].t;
		bool eff = false;
		for (size_t k = 0; k < t->n_effects && !eff; k++)
			eff = t->effects[k].kind == STORE_EFFECT_FILE &&
			      strcmp(t->effects[k].path, rel) == 0 &&
			      store_hash_equal(&t->effects[k].blob, h);
		bool out = !eff && !store_hash_equal(h, &L->empty) &&
			   store_hash_equal(&t->stdout_blob, h) && L->v[i].run_id;
		if (!eff && !out)
			continue;
		/* an effect beats a stdout match; then the newest */
		if (!best || (eff && best_stdout) ||
		    (eff == !best_stdout && t->start_ns > best->t->start_ns)) {
			best = &L->v[i];
			best_stdout = out;
		}
	}
	*ret_stdout = best_stdout;
	return best;
}

static void quote(const char *s)
{
	util_put_sh_word(stdout, s);
}

/* The command for the script: the recorded argv (from the trace's key
 * info), each word quoted, so quoting survives; else the history's text. */
static void print_argv(const struct ltrace *lt, const struct memo_key_info *ki)
{
	for (size_t i = 0; ki && i < ki->argc; i++) {
		if (i)
			putchar(' ');
		quote(ki->argv[i]);
	}
	if (!ki || !ki->argc)
		fputs(lt->command ? lt->command : "false # history gone", stdout);
}

static void dot_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s == '\n' ? ' ' : *s);
	}
	putchar('"');
}

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* Walk the file rel (content h) at depth. */
static void walk(struct lineage *L, const char *rel, const store_hash *h, int depth)
{
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	bool via_stdout;
	struct ltrace *lt = depth < MAX_DEPTH ? producer(L, rel, h, &via_stdout) : NULL;
	if (L->mode == OUT_TEXT) {
		indent(depth);
		printf("%s (content %.12s)", util_name(rel), hex);
		if (!lt) {
			printf(": source (no recorded run produced it)\n");
			return;
		}
		printf(" <- run %" PRIu64 "%s: ", lt->run_id, via_stdout ? " (its stdout)" : "");
		if (lt->command)
			util_put_sh_text(stdout, lt->command);
		else
			fputs("(history gone)", stdout);
		if (lt->state) {
			printf(" (see above)\n");
			return;
		}
		printf("\n");
	} else if (L->mode == OUT_DOT) {
		if (!lt)
			return;
		printf("  ");
		dot_str(util_name(rel));
		printf(" -> ");
		char id[STORE_HASH_HEX_LEN + 1];
		store_hash_to_hex(&lt->id, id);
		printf("\"t%.12s\";\n", id);
		if (lt->state)
			return;
		printf("  \"t%.12s\" [shape=box, label=", id);
		dot_str(lt->command ? util_name(lt->command) : "?");
		printf("];\n");
	} else if (!lt || lt->state) {
		return;
	}
	lt->state = 1;
	const struct store_trace *t = lt->t;
	for (size_t i = 0; i < t->n_inputs; i++) {
		const struct store_input *in = &t->inputs[i];
		if (in->kind != STORE_INPUT_FILE || store_hash_is_zero(&in->hash) ||
		    strncmp(in->path, L->ws, L->ws_len) != 0 || in->path[L->ws_len] != '/')
			continue;
		const char *irel = in->path + L->ws_len + 1;
		if (L->mode == OUT_DOT) {
			char id[STORE_HASH_HEX_LEN + 1];
			store_hash_to_hex(&lt->id, id);
			printf("  \"t%.12s\" -> ", id);
			dot_str(util_name(irel));
			printf(";\n");
		}
		walk(L, irel, &in->hash, depth + 1);
	}
	lt->state = 2;
	if (L->mode == OUT_SCRIPT) {
		/* post-order: producers of the inputs come first */
		struct memo_key_info *ki = NULL;
		if (memo_key_info_parse(t->key_info, t->key_info_len, &ki) < 0)
			ki = NULL;
		if (ki && ki->stdin_desc && ki->stdin_kind != MEMO_STDIN_NONE &&
		    ki->stdin_kind != MEMO_STDIN_TTY)
			printf("# its stdin was a file or pipe (stdin=%s): redirect it from the same\n"
			       "# content by hand\n",
			       util_name(ki->stdin_desc));
		printf("cd ");
		quote(lt->cwd && *lt->cwd ? lt->cwd : L->ws);
		printf(" && ");
		print_argv(lt, ki);
		memo_key_info_free(ki);
		if (via_stdout) {
			printf(" > ");
			quote(rel);
		}
		printf("\n");
	}
}

int cli_lineage(struct cli_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dot", no_argument, NULL, 'd' },
		{ "script", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct lineage L = { .mode = OUT_TEXT };
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'd')
			L.mode = OUT_DOT;
		else if (ch == 's')
			L.mode = OUT_SCRIPT;
		else {
			cli_error(c, "unknown option %s (see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		cli_error(c, "expected one FILE (see --help)");
		return 2;
	}
	if (!c->st) {
		cli_error(c, "the store %s is empty: nothing was recorded", c->store_path);
		return 1;
	}
	char *cwd = getcwd(NULL, 0), *ws = NULL;
	char *file = realpath(argv[optind], NULL);
	int status = 1;
	if (!cwd || memo_workspace_find(cwd, &ws) < 0) {
		cli_error(c, "cannot find the workspace");
		goto out;
	}
	if (!file) {
		cli_error(c, "%s: %s", argv[optind], strerror(errno));
		goto out;
	}
	L.ws = ws;
	L.ws_len = strlen(ws);
	if (strncmp(file, ws, L.ws_len) != 0 || file[L.ws_len] != '/') {
		cli_error(c, "%s is not in the workspace %s", argv[optind], ws);
		goto out;
	}
	store_hash h;
	int r = store_hash_file(AT_FDCWD, file, 0, &h, NULL);
	if (r < 0) {
		cli_error(c, "%s: %s", argv[optind], strerror(-r));
		goto out;
	}
	store_hash_bytes("", 0, &L.empty);
	store_txn *txn;
	r = store_read_begin(c->st, &txn);
	if (r == 0) {
		r = store_trace_foreach(txn, collect, &L);
		if (r == 0)
			r = attach_runs(&L, txn);
		store_read_end(txn);
	}
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		goto out;
	}
	if (L.mode == OUT_DOT)
		printf("digraph lineage {\n  rankdir=LR;\n");
	else if (L.mode == OUT_SCRIPT)
		printf("#!/bin/sh\n# reproduces %s (workspace %s)\nset -e\n",
		       util_name(file + L.ws_len + 1), util_name(ws));
	walk(&L, file + L.ws_len + 1, &h, 0);
	if (L.mode == OUT_DOT)
		printf("}\n");
	status = 0;
out:
	for (size_t i = 0; i < L.n; i++) {
		store_trace_free(L.v[i].t);
		free(L.v[i].command);
		free(L.v[i].cwd);
	}
	free(L.v);
	free(file);
	free(ws);
	free(cwd);
	return status;
}
