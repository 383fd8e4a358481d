/* why_line.c - `shark why -c STRING` and `shark why FILE`: for every
 * command the line would run, whether it would hit, found without running
 * anything.
 *
 * The line is expanded by the shell's prober (shark/shell/probe.c, reached
 * through cli_prober(): the CLI may not include the shell), each pipeline
 * is looked up with memo_probe_pipeline (the engine opens the store
 * itself, so the CLI's read-only handle is closed first and reopened to
 * explain), and each miss is explained from the store: the inputs of the
 * newest trace under the key checked against the filesystem now, or the
 * key info diffed with the last run of the same argv in this directory. */
#include "shark/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shark/memo/memo.h"

extern char **environ;

#define MAX_SCAN_RUNS 100000 /* how far back the history is searched */

/* ---- would it hit? (why -c STRING, why FILE) ------------------------------- */

/* One line of an explanation, kept so it can be printed as text or JSON. */
struct lines {
	char **v;
	size_t n;
};

static void lines_add(struct lines *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void lines_add(struct lines *L, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	char **v = r < 0 ? NULL : reallocarray(L->v, L->n + 1, sizeof(*L->v));
	if (!v) {
		free(s);
		return;
	}
	L->v = v;
	L->v[L->n++] = s;
}

static void lines_free(struct lines *L)
{
	for (size_t i = 0; i < L->n; i++)
		free(L->v[i]);
	free(L->v);
}

/* One stage the line would run, or one thing it would do that was not
 * probed (note). */
struct probed {
	int lineno;
	char *text;		/* the stage's argv, quoted; NULL for a note */
	char *upstream;		/* the previous stage's text, if any */
	char *note;
	struct memo_probe pr;
};

struct probe_ctx {
	struct memo *m;
	const char *cwd;
	struct probed *v;
	size_t n, cap;
	int err;
};

static struct probed *probed_push(struct probe_ctx *P)
{
	if (P->n == P->cap) {
		size_t cap = P->cap ? 2 * P->cap : 16;
		struct probed *v = reallocarray(P->v, cap, sizeof(*v));
		if (!v) {
			P->err = -ENOMEM;
			return NULL;
		}
		P->v = v;
		P->cap = cap;
	}
	struct probed *p = &P->v[P->n++];
	*p = (struct probed){ 0 };
	return p;
}

static void on_note(void *ctx, int lineno, const char *what)
{
	struct probe_ctx *P = ctx;
	struct probed *p = probed_push(P);
	if (p) {
		p->lineno = lineno;
		p->note = strdup(what);
	}
}

static void on_pipeline(void *ctx, int lineno, const struct memo_stage *stages, size_t n, int fd_in,
			int fd_out)
{
	struct probe_ctx *P = ctx;
	struct memo_probe *pr = calloc(n, sizeof(*pr));
	int r = pr ? 0 : -ENOMEM;
	if (pr && P->m)
		r = memo_probe_pipeline(P->m, P->cwd, stages, n, fd_in, fd_out, pr);
	else if (pr) /* no store yet: nothing can hit, and none is created */
		for (size_t i = 0; i < n; i++)
			pr[i].outcome = MEMO_PROBE_MISS;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct probed *p = probed_push(P);
		if (!p) {
			memo_probe_release(&pr[i], n - i);
			break;
		}
		p->lineno = lineno;
		p->text = strdup(stages[i].text ? stages[i].text : stages[i].argv[0]);
		p->upstream = i > 0 && stages[i].fd_in < 0 && stages[i - 1].fd_out < 0 && stages[i - 1].text
				      ? strdup(stages[i - 1].text)
				      : NULL;
		p->pr = pr[i];
	}
	if (r < 0)
		P->err = r;
	free(pr);
}

/* How input in differs from the filesystem now; false when it does not
 * (or a directory listing, which is only compared by hash). A path
 * recorded relative to the workspace is looked at under ws, shown as
 * recorded. */
static bool input_changed_now(const struct store_input *in, const char *ws, struct lines *L)
{
	char path[PATH_MAX];
	if (in->kind == STORE_INPUT_PROCESS) { /* no path: the shell's value now */
		if (memo_process_attr_matches(in))
			return false;
		lines_add(L, "changed:  %s (this shell's value differs from the run's)",
			  cli_input_label(in, path, sizeof(path)));
		return true;
	}
	if (memo_path_resolve(ws, in->path, path, sizeof(path)) < 0)
		return false;
	struct stat st;
	bool exists = (in->kind == STORE_INPUT_SYMLINK ? lstat(path, &st) : stat(path, &st)) == 0;
	char hex[STORE_HASH_HEX_LEN + 1], now[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(&in->hash, hex);
	switch (in->kind) {
	case STORE_INPUT_ABSENT:
		if (exists)
			lines_add(L, "appeared: %s", util_name(path));
		return exists;
	case STORE_INPUT_SYMLINK: {
		char buf[4096];
		ssize_t k = exists ? readlink(path, buf, sizeof(buf) - 1) : -1;
		if (k < 0) {
			lines_add(L, "vanished: %s (was symlink -> %s)", util_name(path),
				  util_name(in->target));
			return true;
		}
		buf[k] = '\0';
		if (strcmp(buf, in->target ? in->target : "") == 0)
			return false;
		lines_add(L, "changed:  %s (symlink -> %s, now -> %s)", util_name(path),
			  util_name(in->target), util_name(buf));
		return true;
	}
	case STORE_INPUT_DIR: {
		store_hash h;
		if (store_hash_is_zero(&in->hash)) { /* only looked up */
			if (exists && S_ISDIR(st.st_mode))
				return false;
			lines_add(L, "vanished: %s (was a directory)", util_name(path));
			return true;
		}
		if (store_dir_listing_hash(AT_FDCWD, path, &h) < 0) {
			lines_add(L, "vanished: %s (was a directory)", util_name(path));
			return true;
		}
		if (store_hash_equal(&h, &in->hash))
			return false;
		store_hash_to_hex(&h, now);
		lines_add(L, "changed:  %s (listing %.12s -> %.12s: an entry added, removed or renamed)",
			  util_name(path), hex, now);
		return true;
	}
	case STORE_INPUT_META: /* only stat'ed: its metadata hash is the engine's */
		if (exists && S_ISREG(st.st_mode))
			return false;
		lines_add(L, "vanished: %s (was a file)", util_name(path));
		return true;
	default: {
		store_hash h;
		if (store_hash_is_zero(&in->hash)) { /* executed: any executable file */
			if (exists && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
				return false;
			lines_add(L, "vanished: %s (was an executable file)", util_name(path));
			return true;
		}
		if (store_hash_file(AT_FDCWD, path, 0, &h, NULL) < 0) {
			lines_add(L, "vanished: %s (was content %.12s)", util_name(path), hex);
			return true;
		}
		if (store_hash_equal(&h, &in->hash))
			return false;
		store_hash_to_hex(&h, now);
		lines_add(L, "changed:  %s (content %.12s -> %.12s)", util_name(path), hex, now);
		return true;
	}
	}
}

/* The newest run in cwd whose command text is text and whose trace still
 * exists. */
static int find_run_of(store_txn *txn, const char *text, const char *cwd,
		       struct store_trace **ret_trace, uint64_t *ret_id)
{
	uint64_t id = UINT64_MAX;
	for (int k = 0; k < MAX_SCAN_RUNS; k++) {
		int e = store_run_prev(txn, id, &id);
		if (e < 0)
			return e;
		struct store_run *o;
		if (store_run_get(txn, id, &o) < 0)
			continue;
		bool match = o->command && strcmp(o->command, text) == 0 &&
			     strcmp(o->cwd ? o->cwd : "", cwd) == 0 && !store_hash_is_zero(&o->trace_id);
		struct store_trace *t = NULL;
		if (match && store_trace_get(txn, &o->trace_id, &t) == 0) {
			store_run_free(o);
			*ret_trace = t;
			*ret_id = id;
			return 0;
		}
		store_run_free(o);
	}
	return -ENOENT;
}

/* The key info fields of a not in b, as lines (stdin in words). */
static void key_diff(store_txn *txn, const struct memo_key_info *a, const struct memo_key_info *b,
		     const char *label, struct lines *L)
{
	for (size_t i = 0; i < a->n_fields; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_fields && !found; j++)
			found = strcmp(a->fields[i], b->fields[j]) == 0;
		if (found)
			continue;
		if (strncmp(a->fields[i], "stdin=", 6) == 0) {
			char *d = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&d, &len);
			if (f) {
				cli_describe_stdin(f, txn, a);
				fclose(f);
				lines_add(L, "%s stdin: %s", label, d ? d : "");
			}
			free(d);
		} else {
			lines_add(L, "%s %s", label, util_name(a->fields[i]));
		}
	}
}

/* Why p would miss, as lines; *ret_run the run it is compared with. */
static void explain_would_miss(store_txn *txn, const char *cwd, const struct probed *p,
			       struct lines *L, uint64_t *ret_run)
{
	store_hash key, *ids = NULL;
	size_t n = 0;
	struct store_trace *newest = NULL;
	if (store_hash_from_hex(p->pr.key, STORE_HASH_HEX_LEN, &key) == 0 &&
	    store_action_traces(txn, &key, &ids, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			struct store_trace *t;
			if (store_trace_get(txn, &ids[i], &t) < 0)
				continue;
			if (!newest || t->start_ns > newest->start_ns) {
				store_trace_free(newest);
				newest = t;
			} else {
				store_trace_free(t);
			}
		}
	free(ids);
	if (newest) {
		char tb[32];
		char *ws = NULL;
		struct memo_key_info *ki = NULL;
		if (memo_workspace_find(cwd, &ws) < 0)
			ws = NULL;
		if (memo_key_info_parse(newest->key_info, newest->key_info_len, &ki) == 0 &&
		    ki->bound && (!ws || strcmp(ki->bound, ws) != 0)) {
			/* location-bound elsewhere (docs/memo.md, Relocation) */
			lines_add(L, "it ran with this key at %s (recorded %s), and is served only "
				     "there: what it produced or read names that location",
				  util_name(ki->bound), cli_format_time(newest->start_ns, tb, sizeof(tb)));
			memo_key_info_free(ki);
			free(ws);
			store_trace_free(newest);
			return;
		}
		memo_key_info_free(ki);
		lines_add(L, "it ran with this key before (recorded %s), but an input differs now:",
			  cli_format_time(newest->start_ns, tb, sizeof(tb)));
		size_t before = L->n;
		for (size_t i = 0; i < newest->n_inputs; i++)
			(void)input_changed_now(&newest->inputs[i], ws, L);
		free(ws);
		if (L->n == before)
			lines_add(L, "(no recorded input differs by path now: its blobs may be gone, "
				     "or an input is read differently)");
		store_trace_free(newest);
		return;
	}
	struct store_trace *prev = NULL;
	if (find_run_of(txn, p->text, cwd, &prev, ret_run) == 0) {
		lines_add(L, "never run with this key; run %" PRIu64 " of the same argv here had "
			     "another key:", *ret_run);
		struct memo_key_info *a = NULL, *b = NULL;
		size_t before = L->n;
		if (memo_key_info_parse(prev->key_info, prev->key_info_len, &a) == 0 &&
		    memo_key_info_parse(p->pr.key_info, p->pr.key_info_len, &b) == 0) {
			key_diff(txn, a, b, "was:", L);
			key_diff(txn, b, a, "now:", L);
		}
		if (L->n == before)
			lines_add(L, "(the same key info: the memo format version changed)");
		memo_key_info_free(a);
		memo_key_info_free(b);
		store_trace_free(prev);
		return;
	}
	*ret_run = 0;
	lines_add(L, "never ran here: no recorded run of this argv in %s", util_name(cwd));
}

static const char *probe_word(const struct probed *p)
{
	if (p->note)
		return "not-probed";
	switch (p->pr.outcome) {
	case MEMO_PROBE_HIT:
		return "hit";
	case MEMO_PROBE_MISS:
		return "miss";
	case MEMO_PROBE_UNCACHED:
		return "uncached";
	default:
		return "unknown";
	}
}

/* The run that recorded trace (hex), newest first; 0 when none. */
static uint64_t run_of_trace(store_txn *txn, const char *hex)
{
	store_hash h;
	if (store_hash_from_hex(hex, STORE_HASH_HEX_LEN, &h) < 0)
		return 0;
	uint64_t id = UINT64_MAX;
	for (int k = 0; k < MAX_SCAN_RUNS; k++) {
		if (store_run_prev(txn, id, &id) < 0)
			return 0;
		struct store_run *r;
		if (store_run_get(txn, id, &r) < 0)
			continue;
		bool match = store_hash_equal(&r->trace_id, &h);
		store_run_free(r);
		if (match)
			return id;
	}
	return 0;
}

static void explain_probed(store_txn *txn, const char *cwd, const struct probed *p, bool json,
			   bool first)
{
	struct lines L = { 0 };
	uint64_t run = 0;
	const char *verdict = NULL;
	if (p->note) {
		verdict = p->note;
	} else if (p->pr.outcome == MEMO_PROBE_HIT) {
		run = txn ? run_of_trace(txn, p->pr.trace) : 0;
		verdict = "would hit";
		if (p->pr.reason) /* a hash-only output to regenerate */
			lines_add(&L, "%s", p->pr.reason);
	} else if (p->pr.outcome == MEMO_PROBE_MISS) {
		verdict = "would miss";
		if (p->pr.reason)
			lines_add(&L, "%s", p->pr.reason);
		else if (txn)
			explain_would_miss(txn, cwd, p, &L, &run);
		else
			lines_add(&L, "never ran here: the store is empty");
	} else if (p->pr.outcome == MEMO_PROBE_UNKNOWN) {
		verdict = "would run";
		lines_add(&L, "%s", p->pr.reason);
		if (p->upstream)
			lines_add(&L, "(after `%s`, which would run)", p->upstream);
	} else {
		verdict = "would run uncached";
		lines_add(&L, "%s", p->pr.reason);
	}
	if (json) {
		printf("%s{\"line\":%d,\"command\":", first ? "" : ",", p->lineno);
		cli_json_str(stdout, p->text);
		printf(",\"outcome\":\"%s\",\"trace\":", probe_word(p));
		cli_json_str(stdout, p->pr.outcome == MEMO_PROBE_HIT ? p->pr.trace : NULL);
		printf(",\"key\":");
		cli_json_str(stdout, p->pr.key[0] ? p->pr.key : NULL);
		if (run)
			printf(",\"run\":%" PRIu64, run);
		else
			printf(",\"run\":null");
		printf(",\"note\":");
		cli_json_str(stdout, p->note);
		printf(",\"reasons\":[");
		for (size_t i = 0; i < L.n; i++) {
			if (i)
				putchar(',');
			cli_json_str(stdout, L.v[i]);
		}
		printf("]}");
	} else if (p->note) {
		printf("line %d: %s\n", p->lineno, util_name(p->note));
	} else {
		putchar('`');
		util_put_sh_text(stdout, p->text);
		printf("`: %s", verdict);
		if (p->pr.outcome == MEMO_PROBE_HIT) {
			printf(" (trace %.12s", p->pr.trace);
			if (run)
				printf(", recorded by run %" PRIu64, run);
			printf(")");
		}
		putchar('\n');
		for (size_t i = 0; i < L.n; i++) {
			fputs("  ", stdout);
			util_put_sh_text(stdout, L.v[i]); /* already escaped */
			putchar('\n');
		}
	}
	lines_free(&L);
}

int cli_why_line(struct cli_ctx *c, const char *name, const char *text, size_t len, bool json)
{
	cli_prober_fn *probe = cli_prober();
	char *cwd = getcwd(NULL, 0);
	if (!probe || !cwd) {
		free(cwd);
		cli_error(c, "cannot expand the line here");
		return 1;
	}
	bool have_store = c->st != NULL;
	store_close(c->st);
	c->st = NULL;
	struct probe_ctx P = { .cwd = cwd };
	struct memo_options mo = { 0 };
	int r = have_store ? memo_new(&mo, cwd, &P.m) : 0;
	if (r < 0) {
		cli_error(c, "cannot set up the memo engine: %s", strerror(-r));
		free(cwd);
		return 1;
	}
	struct cli_probe_ops ops = { .pipeline = on_pipeline, .note = on_note, .ctx = &P };
	int pr = probe(name, text, len, environ, &ops);
	memo_free(P.m);
	int status = pr == 2 ? 2 : 0;
	if (pr < 0 || P.err < 0) {
		cli_error(c, "%s", strerror(-(pr < 0 ? pr : P.err)));
		status = 1;
	}
	store_txn *txn = NULL;
	if (status == 0 && have_store && store_open(c->store_path, STORE_RDONLY, &c->st) == 0 &&
	    store_read_begin(c->st, &txn) < 0)
		txn = NULL;
	if (status == 0) {
		if (json)
			putchar('[');
		for (size_t i = 0; i < P.n; i++) {
			explain_probed(txn, cwd, &P.v[i], json, i == 0);
			if (!P.v[i].note && P.v[i].pr.outcome != MEMO_PROBE_HIT)
				status = 1; /* something would run */
		}
		if (json)
			printf("]\n");
		else if (P.n == 0)
			printf("the line runs no external command\n");
	}
	if (txn)
		store_read_end(txn);
	for (size_t i = 0; i < P.n; i++) {
		free(P.v[i].text);
		free(P.v[i].upstream);
		free(P.v[i].note);
		memo_probe_release(&P.v[i].pr, 1);
	}
	free(P.v);
	free(cwd);
	return status;
}

int cli_read_script(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap ? 2 * cap : 65536 * 2;
			char *b = cap > (16u << 20) ? NULL : realloc(buf, cap);
			if (!b) {
				r = cap > (16u << 20) ? -EFBIG : -ENOMEM;
				break;
			}
			buf = b;
		}
		size_t k = fread(buf + len, 1, cap - len - 1, f);
		len += k;
		if (k == 0)
			break;
	}
	if (r == 0 && ferror(f))
		r = -EIO;
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}


/* ---- the keys a line would run under (verify -c) ---- */

void cli_stage_keys_free(struct cli_stage_key *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].text);
	free(v);
}

int cli_line_keys(struct cli_ctx *c, const char *text, struct cli_stage_key **ret, size_t *ret_n)
{
	cli_prober_fn *probe = cli_prober();
	char *cwd = getcwd(NULL, 0);
	if (!probe || !cwd) {
		free(cwd);
		return -ENOSYS;
	}
	bool have_store = c->st != NULL;
	store_close(c->st);
	c->st = NULL;
	struct probe_ctx P = { .cwd = cwd };
	struct memo_options mo = { 0 };
	int r = have_store ? memo_new(&mo, cwd, &P.m) : -ENOENT;
	if (r == 0) {
		struct cli_probe_ops ops = { .pipeline = on_pipeline, .note = on_note, .ctx = &P };
		int pr = probe("-c", text, strlen(text), environ, &ops);
		memo_free(P.m);
		r = pr < 0 ? pr : pr == 2 ? -EINVAL : P.err;
	}
	if (have_store && store_open(c->store_path, STORE_RDONLY, &c->st) < 0)
		c->st = NULL;
	struct cli_stage_key *v = calloc(P.n ? P.n : 1, sizeof(*v));
	size_t n = 0;
	if (!v && r == 0)
		r = -ENOMEM;
	for (size_t i = 0; i < P.n; i++) {
		struct probed *p = &P.v[i];
		if (r == 0 && !p->note) {
			v[n].known = p->pr.key[0] &&
				     store_hash_from_hex(p->pr.key, STORE_HASH_HEX_LEN, &v[n].key) == 0;
			v[n].hit = v[n].known && p->pr.outcome == MEMO_PROBE_HIT &&
				   store_hash_from_hex(p->pr.trace, STORE_HASH_HEX_LEN,
						       &v[n].trace) == 0;
			v[n].text = strdup(p->text ? p->text : "");
			if (!v[n++].text)
				r = -ENOMEM;
		}
		free(p->text);
		free(p->upstream);
		free(p->note);
		memo_probe_release(&p->pr, 1);
	}
	free(P.v);
	free(cwd);
	if (r < 0) {
		cli_stage_keys_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
