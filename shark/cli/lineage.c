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

static int cmp_ltrace(const void *a, const void *b)
{
	return memcmp(((const struct ltrace *)a)->id.bytes, ((const struct ltrace *)b)->id.bytes,
		      sizeof(((const struct ltrace *)a)->id.bytes));
}

/* L->v is sorted by id (cli_lineage sorts it once): a binary search, so
 * attaching 100,000 runs to 100,000 traces is not quadratic. */
static struct ltrace *by_id(struct lineage *L, const store_hash *id)
{
	struct ltrace key = { .id = *id };
	return bsearch(&key, L->v, L->n, sizeof(*L->v), cmp_ltrace);
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

/* What the workspace root a recorded word named is read back as for the
 * script (memo_key_info_parse_at), to be written as "$root". */
#define ROOT_MARK "\001shark-root\001"

/* One word for the script, quoted, each ROOT_MARK in it as "$root": the
 * script rebuilds in the workspace it is given. */
static void quote_rooted(const char *w)
{
	const char *m;
	bool any = false;
	while ((m = strstr(w, ROOT_MARK))) {
		if (m > w) {
			char *piece = strndup(w, (size_t)(m - w));
			quote(piece ? piece : "");
			free(piece);
		}
		fputs("\"$root\"", stdout);
		w = m + sizeof(ROOT_MARK) - 1;
		any = true;
	}
	if (*w || !any)
		quote(w);
}

/* The command for the script: the recorded argv (from the trace's key
 * info), each word quoted, so quoting survives; else the history's text. */
static void print_argv(const struct ltrace *lt, const struct memo_key_info *ki)
{
	for (size_t i = 0; ki && i < ki->argc; i++) {
		if (i)
			putchar(' ');
		quote_rooted(ki->argv[i]);
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

static void dot_trace(const struct ltrace *lt)
{
	char id[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(&lt->id, id);
	printf("\"t%.12s\"", id);
}

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* How a trace's stdin was fed, from its key info. */
struct lstdin {
	int kind;		/* enum memo_stdin_kind, 0 unknown */
	store_hash hash;
	char *path;		/* a workspace-relative stdin file, or NULL */
};

static void trace_stdin(const struct ltrace *lt, struct lstdin *ret)
{
	*ret = (struct lstdin){ 0 };
	struct memo_key_info *ki = NULL;
	if (memo_key_info_parse(lt->t->key_info, lt->t->key_info_len, &ki) < 0)
		return;
	ret->kind = ki->stdin_kind;
	const char *c1 = ki->stdin_desc ? strchr(ki->stdin_desc, ':') : NULL;
	if (!c1 || store_hash_from_hex(c1 + 1, STORE_HASH_HEX_LEN, &ret->hash) < 0)
		ret->kind = 0;
	if (ki->stdin_path && ki->stdin_path[0] != '/')
		ret->path = strdup(ki->stdin_path);
	memo_key_info_free(ki);
}

/* The stage that fed lt's stdin through a pipe: the newest trace, in the
 * same directory, whose stdout is that content. */
static struct ltrace *upstream_of(struct lineage *L, const struct ltrace *lt, const struct lstdin *in)
{
	if (in->kind != MEMO_STDIN_UPSTREAM || store_hash_equal(&in->hash, &L->empty))
		return NULL;
	struct ltrace *best = NULL;
	for (size_t i = 0; i < L->n; i++) {
		struct ltrace *c = &L->v[i];
		if (c == lt || !c->run_id || !store_hash_equal(&c->t->stdout_blob, &in->hash) ||
		    strcmp(c->cwd ? c->cwd : "", lt->cwd ? lt->cwd : "") != 0)
			continue;
		if (!best || c->t->start_ns > best->t->start_ns)
			best = c;
	}
	return best;
}

/* The directory to run lt in, for the script: "$root" and its path
 * relative to the workspace, or an absolute directory outside it. */
static void print_cd(const struct lineage *L, const struct ltrace *lt)
{
	/* the key info's cwd, re-rooted at this workspace (the trace may
	 * have been recorded in a copy elsewhere); else the run's */
	struct memo_key_info *ki = NULL;
	if (memo_key_info_parse_at(lt->t->key_info, lt->t->key_info_len, L->ws, &ki) < 0)
		ki = NULL;
	const char *cwd = ki && ki->cwd && ki->cwd[0] == '/' ? ki->cwd
			  : lt->cwd && *lt->cwd		    ? lt->cwd
							    : L->ws;
	if (strncmp(cwd, L->ws, L->ws_len) == 0 && (cwd[L->ws_len] == '/' || !cwd[L->ws_len])) {
		fputs("cd \"$root\"", stdout);
		if (cwd[L->ws_len]) {
			putchar('/');
			quote(cwd + L->ws_len + 1);
		}
	} else {
		fputs("cd ", stdout);
		quote(cwd);
	}
	memo_key_info_free(ki);
}

/* lt's command for the script, with the stages that fed it through pipes
 * before it and its stdin file redirected in. */
static void print_pipeline(struct lineage *L, struct ltrace *lt, int depth)
{
	struct lstdin in;
	trace_stdin(lt, &in);
	struct ltrace *up = depth < MAX_DEPTH ? upstream_of(L, lt, &in) : NULL;
	if (up) {
		print_pipeline(L, up, depth + 1);
		fputs(" | ", stdout);
	}
	struct memo_key_info *ki = NULL;
	if (memo_key_info_parse_at(lt->t->key_info, lt->t->key_info_len, ROOT_MARK, &ki) < 0)
		ki = NULL;
	print_argv(lt, ki);
	memo_key_info_free(ki);
	if (in.kind == MEMO_STDIN_FILE && in.path) {
		fputs(" < \"$root\"/", stdout);
		quote(in.path);
	} else if (in.kind == MEMO_STDIN_NONE || (in.kind == MEMO_STDIN_UPSTREAM && !up)) {
		fputs(" < /dev/null", stdout);
	} else if (in.kind == MEMO_STDIN_FILE || in.kind == MEMO_STDIN_SPOOLED) {
		fputs(" < /dev/null # its stdin (a file or here-document) is not known by path", stdout);
	}
	free(in.path);
}

static void walk(struct lineage *L, const char *rel, const store_hash *h, int depth);

/* Visit trace lt (found as the producer of something at depth): its file
 * inputs, its stdin file, the stage that fed its stdin; then, for the
 * script, its line (post-order: producers first). rel is the file it
 * produced when it is not only a pipe member (NULL then). */
static void visit(struct lineage *L, struct ltrace *lt, const char *rel, bool via_stdout, int depth)
{
	lt->state = 1;
	const struct store_trace *t = lt->t;
	for (size_t i = 0; i < t->n_inputs; i++) {
		const struct store_input *in = &t->inputs[i];
		if (in->kind != STORE_INPUT_FILE || store_hash_is_zero(&in->hash))
			continue;
		/* recorded relative to the workspace (or, by an older format,
		 * absolute): a workspace file when beneath its root */
		const char *irel = in->path;
		if (in->path[0] == '/') {
			if (strncmp(in->path, L->ws, L->ws_len) != 0 || in->path[L->ws_len] != '/')
				continue;
			irel = in->path + L->ws_len + 1;
		} else if (strcmp(irel, ".") == 0 || strcmp(irel, "..") == 0 ||
			   strncmp(irel, "../", 3) == 0) {
			continue;
		}
		if (L->mode == OUT_DOT) {
			printf("  ");
			dot_trace(lt);
			printf(" -> ");
			dot_str(util_name(irel));
			printf(";\n");
		}
		walk(L, irel, &in->hash, depth + 1);
	}
	struct lstdin sin;
	trace_stdin(lt, &sin);
	if (sin.kind == MEMO_STDIN_FILE && sin.path) {
		if (L->mode == OUT_DOT) {
			printf("  ");
			dot_trace(lt);
			printf(" -> ");
			dot_str(util_name(sin.path));
			printf(" [label=stdin];\n");
		}
		walk(L, sin.path, &sin.hash, depth + 1);
	}
	struct ltrace *up = depth < MAX_DEPTH ? upstream_of(L, lt, &sin) : NULL;
	free(sin.path);
	if (up) {
		if (L->mode == OUT_TEXT) {
			indent(depth + 1);
			printf("(stdin, a pipe) <- run %" PRIu64 " (its stdout): ", up->run_id);
			util_put_sh_text(stdout, up->command);
			printf(up->state ? " (see above)\n" : "\n");
		} else if (L->mode == OUT_DOT) {
			printf("  ");
			dot_trace(lt);
			printf(" -> ");
			dot_trace(up);
			printf(" [label=\"stdin (pipe)\"];\n");
			if (!up->state) {
				printf("  ");
				dot_trace(up);
				printf(" [shape=box, label=");
				dot_str(up->command ? util_name(up->command) : "?");
				printf("];\n");
			}
		}
		if (!up->state)
			visit(L, up, NULL, false, depth + 1);
	}
	lt->state = 2;
	if (L->mode == OUT_SCRIPT && rel) {
		const char *slash = strrchr(rel, '/');
		if (via_stdout && slash) {
			fputs("mkdir -p \"$root\"/", stdout);
			char *dir = strndup(rel, (size_t)(slash - rel));
			quote(dir ? dir : ".");
			free(dir);
			putchar('\n');
		}
		putchar('(');
		print_cd(L, lt);
		fputs(" && ", stdout);
		print_pipeline(L, lt, depth);
		if (via_stdout) {
			fputs(" > \"$root\"/", stdout);
			quote(rel);
		}
		fputs(")\n", stdout);
	}
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
		printf("  ");
		dot_str(util_name(rel));
		if (!lt) {
			printf(" [shape=note, label=");
			dot_str(util_name(rel));
			printf(", tooltip=\"source\"];\n");
			return;
		}
		printf(" -> ");
		dot_trace(lt);
		printf(";\n");
		if (lt->state)
			return;
		printf("  ");
		dot_trace(lt);
		printf(" [shape=box, label=");
		dot_str(lt->command ? util_name(lt->command) : "?");
		printf("];\n");
	} else if (!lt || lt->state) {
		return;
	}
	visit(L, lt, rel, via_stdout, depth);
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
		if (r == 0 && L.n)
			qsort(L.v, L.n, sizeof(*L.v), cmp_ltrace);
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
{
		printf("#!/bin/sh\n# reproduces %s (workspace %s)\n"
		       "# usage: sh SCRIPT [ROOT]: rebuilds it in the workspace at ROOT (default: the\n"
		       "# recorded one), e.g. a copy where the produced files were deleted\nset -e\nroot=${1:-",
		       util_name(file + L.ws_len + 1), util_name(ws));
		quote(ws);
		printf("}\n");
	}
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
