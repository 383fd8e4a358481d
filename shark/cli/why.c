/* why.c - `shark why RUN` and `shark why -c STRING`: why a run was a
 * hit, a miss, or not recorded, from the history and the traces alone
 * (nothing is run).
 *
 * A miss is explained against what was stored before it: when its action
 * key already had traces, the newest older trace is compared input by
 * input with the trace the miss recorded (a file whose content changed, a
 * path that appeared or vanished, a symlink retargeted); when the key was
 * new, the latest earlier run of the same command text in the same
 * directory is found and the two traces' key info (the fields the memo
 * engine saves, read with memo_key_info_parse: cwd=, arg=, env=, stdin=,
 * ttys=, grants=) are diffed, which names the environment variable,
 * argument or stdin that differed. */
#include "shark/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shark/memo/memo.h"

extern char **environ;

#define MAX_SCAN_RUNS 100000 /* how far back the history is searched */

/* Where `why RUN` writes: stdout, or a memory stream for --json. */
static FILE *wout;

static void print_hash_short(const store_hash *h)
{
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	fprintf(wout, "%.12s", hex);
}

static bool same_input(const struct store_input *a, const struct store_input *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == STORE_INPUT_SYMLINK)
		return strcmp(a->target ? a->target : "", b->target ? b->target : "") == 0;
	return store_hash_equal(&a->hash, &b->hash);
}

static void describe_state(const struct store_input *in)
{
	switch (in->kind) {
	case STORE_INPUT_ABSENT:
		fprintf(wout, "absent");
		break;
	case STORE_INPUT_SYMLINK:
		fprintf(wout, "symlink -> %s", util_name(in->target));
		break;
	case STORE_INPUT_OUTPUT:
		printf("absent or a writable file, replaced");
		break;
	case STORE_INPUT_DENIED:
		printf("permission denied");
		break;
	case STORE_INPUT_META:
		printf("type, size, mode, mtime ");
		print_hash_short(&in->hash);
		break;
	default:
		fprintf(wout, "%s ", in->kind == STORE_INPUT_DIR ? "listing" : "content");
		print_hash_short(&in->hash);
	}
}

/* The entry of cur to compare o with: NULL when cur has one identical to
 * o (a path can appear several times: followed and not, executed and
 * read), else one of the same kind, else any with o's path. */
static const struct store_input *counterpart(const struct store_trace *cur,
					     const struct store_input *o)
{
	const struct store_input *same_kind = NULL, *any = NULL;
	for (size_t i = 0; i < cur->n_inputs; i++) {
		const struct store_input *c = &cur->inputs[i];
		if (strcmp(c->path, o->path) != 0)
			continue;
		if (same_input(o, c))
			return NULL;
		if (c->kind == o->kind && !same_kind)
			same_kind = c;
		if (!any)
			any = c;
	}
	return same_kind ? same_kind : any;
}

/* Inputs of the old trace that the new run saw differently. */
static int diff_inputs(const struct store_trace *old, const struct store_trace *cur)
{
	int n = 0;
	for (size_t i = 0; i < old->n_inputs; i++) {
		const struct store_input *o = &old->inputs[i];
		const struct store_input *c = counterpart(cur, o);
		if (!c)
			continue;
		/* a path seen both followed and not (a symlink and what it
		 * leads to): only absent/present counts */
		if (c->kind != o->kind && o->kind != STORE_INPUT_ABSENT &&
		    c->kind != STORE_INPUT_ABSENT &&
		    (o->kind == STORE_INPUT_SYMLINK || c->kind == STORE_INPUT_SYMLINK))
			continue;
		n++;
		if (o->kind == STORE_INPUT_ABSENT)
			fprintf(wout, "  appeared: %s (now ", util_name(o->path));
		else if (c->kind == STORE_INPUT_ABSENT)
			fprintf(wout, "  vanished: %s (was ", util_name(o->path));
		else
			fprintf(wout, "  changed:  %s (", util_name(o->path));
		if (o->kind == STORE_INPUT_ABSENT) {
			describe_state(c);
		} else if (c->kind == STORE_INPUT_ABSENT) {
			describe_state(o);
		} else {
			describe_state(o);
			fprintf(wout, " -> ");
			describe_state(c);
		}
		fprintf(wout, ")\n");
	}
	return n;
}

/* The newest run (of the last MAX_SCAN_RUNS) whose trace's stdout is h:
 * its command text, malloc'd, and its id; NULL when none is found. */
static char *stdout_producer(store_txn *txn, const store_hash *h, uint64_t *ret_id)
{
	uint64_t id = UINT64_MAX;
	for (int k = 0; k < MAX_SCAN_RUNS; k++) {
		if (store_run_prev(txn, id, &id) < 0)
			return NULL;
		struct store_run *r;
		if (store_run_get(txn, id, &r) < 0)
			continue;
		struct store_trace *t = NULL;
		char *text = NULL;
		if (!store_hash_is_zero(&r->trace_id) && store_trace_get(txn, &r->trace_id, &t) == 0 &&
		    t->stdout_size > 0 && store_hash_equal(&t->stdout_blob, h))
			text = strdup(r->command ? r->command : "?");
		store_trace_free(t);
		store_run_free(r);
		if (text) {
			*ret_id = id;
			return text;
		}
	}
	return NULL;
}

void cli_describe_stdin(FILE *f, store_txn *txn, const struct memo_key_info *ki)
{
	const char *desc = ki->stdin_desc ? ki->stdin_desc : "";
	const char *c1 = strchr(desc, ':');
	store_hash h = { 0 };
	bool have_hash = c1 && store_hash_from_hex(c1 + 1, STORE_HASH_HEX_LEN, &h) == 0;
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	unsigned long long off = c2 ? strtoull(c2 + 1, NULL, 10) : 0;
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(&h, hex);
	store_hash empty;
	store_hash_bytes("", 0, &empty);
	switch (ki->stdin_kind) {
	case MEMO_STDIN_NONE:
		fputs("nothing (/dev/null or closed)", f);
		break;
	case MEMO_STDIN_TTY:
		fputs("the terminal", f);
		break;
	case MEMO_STDIN_FILE:
		if (ki->stdin_path)
			fprintf(f, "file %s (content %.12s)", util_name(ki->stdin_path), hex);
		else
			fprintf(f, "a file with content %.12s", hex);
		if (off)
			fprintf(f, " from byte %llu", off);
		break;
	case MEMO_STDIN_STREAM:
		fputs("a pipe from outside the pipeline (unknown until read: never recorded)", f);
		break;
	case MEMO_STDIN_UPSTREAM: {
		if (have_hash && store_hash_equal(&h, &empty)) {
			fputs("an empty pipe (the previous stage wrote nothing into it)", f);
			break;
		}
		uint64_t rid = 0;
		char *text = have_hash && txn ? stdout_producer(txn, &h, &rid) : NULL;
		if (text)
{
			fputs("output of `", f);
			util_put_sh_text(f, text);
			fprintf(f, "` (as run %" PRIu64 " wrote it)", rid);
		}
		else
			fprintf(f, "output of the previous stage (content %.12s)", hex);
		free(text);
		break;
	}
	case MEMO_STDIN_SPOOLED:
		fprintf(f, "a here-document or finished pipe (content %.12s)", hex);
		break;
	default:
		fprintf(f, "unknown (%s)", util_name(desc));
	}
}

/* The key info fields of a that are not in b, each printed with label
 * (stdin in words: the file, or the stage whose output it was). */
static int fields_missing(store_txn *txn, const struct memo_key_info *a,
			  const struct memo_key_info *b, const char *label)
{
	int n = 0;
	for (size_t i = 0; i < a->n_fields; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_fields && !found; j++)
			found = strcmp(a->fields[i], b->fields[j]) == 0;
		if (found)
			continue;
		n++;
		if (strncmp(a->fields[i], "stdin=", 6) == 0) {
			fprintf(wout, "  %s stdin: ", label);
			cli_describe_stdin(wout, txn, a);
			fputc('\n', wout);
		} else {
			fprintf(wout, "  %s %s\n", label, util_name(a->fields[i]));
		}
	}
	return n;
}

static const char *outcome_word(uint8_t o)
{
	return o == STORE_RUN_HIT ? "a hit" : o == STORE_RUN_MISS ? "a miss" : "not recorded";
}

/* The newest run before `before` with this command text and cwd whose
 * action key differs from key and whose trace still exists. */
static int find_earlier(store_txn *txn, uint64_t before, const struct store_run *r,
			struct store_trace **ret_trace, uint64_t *ret_id)
{
	uint64_t id = before;
	for (int k = 0; k < MAX_SCAN_RUNS; k++) {
		int e = store_run_prev(txn, id, &id);
		if (e < 0)
			return e;
		struct store_run *o;
		if (store_run_get(txn, id, &o) < 0)
			continue;
		bool match = o->command && r->command && strcmp(o->command, r->command) == 0 &&
			     strcmp(o->cwd ? o->cwd : "", r->cwd ? r->cwd : "") == 0 &&
			     !store_hash_equal(&o->action_key, &r->action_key) &&
			     !store_hash_is_zero(&o->trace_id);
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

static void explain_miss(store_txn *txn, uint64_t id, const struct store_run *r,
			 const struct store_trace *cur)
{
	store_hash *ids = NULL;
	size_t n = 0;
	int e = store_action_traces(txn, &r->action_key, &ids, &n);
	struct store_trace *old = NULL;
	for (size_t i = 0; e == 0 && i < n && !old; i++) {
		if (store_hash_equal(&ids[i], &r->trace_id))
			continue;
		struct store_trace *t;
		if (store_trace_get(txn, &ids[i], &t) == 0 && t->start_ns < r->start_ns)
			old = t;
		else if (t)
			store_trace_free(t);
	}
	free(ids);
	if (old) {
		fprintf(wout, "the same command (same key) had run before, but its inputs differed:\n");
		int d = cur ? diff_inputs(old, cur) : 0;
		if (!d)
			fprintf(wout, "  (no recorded input differs now: an input it read changed in between,\n"
			       "   or the earlier trace was dropped; see `shark show %" PRIu64 "`)\n",
			       id);
		store_trace_free(old);
		return;
	}
	struct store_trace *prev = NULL;
	uint64_t prev_id = 0;
	if (cur && find_earlier(txn, id, r, &prev, &prev_id) == 0) {
		fprintf(wout, "never run with this key; run %" PRIu64 " of the same command here had "
		       "another key:\n", prev_id);
		struct memo_key_info *a = NULL, *b = NULL;
		int d = 0;
		if (prev->key_info && cur->key_info &&
		    memo_key_info_parse(prev->key_info, prev->key_info_len, &a) == 0 &&
		    memo_key_info_parse(cur->key_info, cur->key_info_len, &b) == 0) {
			d += fields_missing(txn, a, b, "was:");
			d += fields_missing(txn, b, a, "now:");
		}
		memo_key_info_free(a);
		memo_key_info_free(b);
		if (!d)
			fprintf(wout, "  (its key info is the same: the memo format version changed)\n");
		store_trace_free(prev);
		return;
	}
	fprintf(wout, "never run with this key: no earlier run of this command in %s is recorded\n",
	       r->cwd ? util_name(r->cwd) : "this directory");
}

static int explain(store_txn *txn, uint64_t id)
{
	struct store_run *r;
	int e = store_run_get(txn, id, &r);
	if (e < 0)
		return e;
	char tb[32];
	fprintf(wout, "run %" PRIu64 " (%s, ", id, cli_format_time(r->start_ns, tb, sizeof(tb)));
	util_put_sh_text(stdout, r->command);
	fprintf(wout, "): ");
	fprintf(wout, "%s\n", outcome_word(r->outcome));
	struct store_trace *t = NULL;
	if (!store_hash_is_zero(&r->trace_id))
		(void)store_trace_get(txn, &r->trace_id, &t);
	switch (r->outcome) {
	case STORE_RUN_HIT:
		fprintf(wout, "served from trace ");
		print_hash_short(&r->trace_id);
		if (t) {
			fprintf(wout, " (recorded %s): every one of its %zu inputs matched\n",
			       cli_format_time(t->start_ns, tb, sizeof(tb)), t->n_inputs);
		} else {
			fprintf(wout, " (since dropped by gc)\n");
		}
		break;
	case STORE_RUN_NOT_RECORDED:
		fprintf(wout, "it ran but was not recorded because %s\n",
		       r->reason && *r->reason ? util_name(r->reason) : "of an unknown reason");
		break;
	default:
		if (r->reason && *r->reason)
			fprintf(wout, "%s\n", util_name(r->reason));
		explain_miss(txn, id, r, t);
	}
	store_trace_free(t);
	store_run_free(r);
	return 0;
}

/* The newest runs of STRING in the cwd: a whole stage's text, or each
 * stage of a pipeline (text between '|'), most recent block. */
int cli_find_runs_by_text(store_txn *txn, const char *text, const char *cwd, uint64_t *ids,
			  size_t max, size_t *ret_n)
{
	size_t n = 0, stages = 1;
	for (const char *p = text; *p; p++)
		stages += *p == '|';
	if (max > stages)
		max = stages;
	uint64_t id = UINT64_MAX;
	bool started = false;
	for (int k = 0; k < MAX_SCAN_RUNS && n < max; k++) {
		int e = store_run_prev(txn, id, &id);
		if (e == -ENOENT)
			break;
		if (e < 0)
			return e;
		struct store_run *r;
		if (store_run_get(txn, id, &r) < 0)
			continue;
		bool in_cwd = strcmp(r->cwd ? r->cwd : "", cwd) == 0;
		bool match = false;
		if (in_cwd && r->command && *r->command) {
			const char *p = strstr(text, r->command);
			size_t len = strlen(r->command);
			match = strcmp(text, r->command) == 0 ||
				(p && (p == text || p[-1] == '|' || p[-1] == ' ') &&
				 (p[len] == '\0' || p[len] == '|' || p[len] == ' '));
		}
		store_run_free(r);
		if (match) {
			ids[n++] = id;
			started = true;
		} else if (started) {
			break; /* the most recent contiguous block only */
		}
	}
	*ret_n = n;
	return 0;
}

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
 * (or a directory listing, which is only compared by hash). */
static bool input_changed_now(const struct store_input *in, struct lines *L)
{
	struct stat st;
	bool exists = (in->kind == STORE_INPUT_SYMLINK ? lstat(in->path, &st) : stat(in->path, &st)) == 0;
	char hex[STORE_HASH_HEX_LEN + 1], now[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(&in->hash, hex);
	switch (in->kind) {
	case STORE_INPUT_ABSENT:
		if (exists)
			lines_add(L, "appeared: %s", util_name(in->path));
		return exists;
	case STORE_INPUT_SYMLINK: {
		char buf[4096];
		ssize_t k = exists ? readlink(in->path, buf, sizeof(buf) - 1) : -1;
		if (k < 0) {
			lines_add(L, "vanished: %s (was symlink -> %s)", util_name(in->path),
				  util_name(in->target));
			return true;
		}
		buf[k] = '\0';
		if (strcmp(buf, in->target ? in->target : "") == 0)
			return false;
		lines_add(L, "changed:  %s (symlink -> %s, now -> %s)", util_name(in->path),
			  util_name(in->target), util_name(buf));
		return true;
	}
	case STORE_INPUT_DIR: {
		store_hash h;
		if (store_hash_is_zero(&in->hash)) { /* only looked up */
			if (exists && S_ISDIR(st.st_mode))
				return false;
			lines_add(L, "vanished: %s (was a directory)", util_name(in->path));
			return true;
		}
		if (store_dir_listing_hash(AT_FDCWD, in->path, &h) < 0) {
			lines_add(L, "vanished: %s (was a directory)", util_name(in->path));
			return true;
		}
		if (store_hash_equal(&h, &in->hash))
			return false;
		store_hash_to_hex(&h, now);
		lines_add(L, "changed:  %s (listing %.12s -> %.12s: an entry added, removed or renamed)",
			  util_name(in->path), hex, now);
		return true;
	}
	default: {
		store_hash h;
		if (store_hash_is_zero(&in->hash)) { /* executed: any executable file */
			if (exists && S_ISREG(st.st_mode) && access(in->path, X_OK) == 0)
				return false;
			lines_add(L, "vanished: %s (was an executable file)", util_name(in->path));
			return true;
		}
		if (store_hash_file(AT_FDCWD, in->path, 0, &h, NULL) < 0) {
			lines_add(L, "vanished: %s (was content %.12s)", util_name(in->path), hex);
			return true;
		}
		if (store_hash_equal(&h, &in->hash))
			return false;
		store_hash_to_hex(&h, now);
		lines_add(L, "changed:  %s (content %.12s -> %.12s)", util_name(in->path), hex, now);
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
		lines_add(L, "it ran with this key before (recorded %s), but an input differs now:",
			  cli_format_time(newest->start_ns, tb, sizeof(tb)));
		size_t before = L->n;
		for (size_t i = 0; i < newest->n_inputs; i++)
			(void)input_changed_now(&newest->inputs[i], L);
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
	} else if (p->pr.outcome == MEMO_PROBE_MISS) {
		verdict = "would miss";
		if (txn)
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

/* why -c STRING / why FILE: expand the line with the shell's prober, probe
 * every pipeline with the memo engine (which opens the store itself, so
 * the CLI's handle is closed first), then explain from the history. */
static int why_line(struct cli_ctx *c, const char *name, const char *text, size_t len, bool json)
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

/* A script file for `why FILE`, at most 16 MiB. */
static int read_script(const char *path, char **ret, size_t *ret_len)
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

/* `why RUN --json`: the explanation's lines in a JSON object. */
static int explain_json(store_txn *txn, uint64_t id)
{
	char *text = NULL;
	size_t len = 0;
	wout = open_memstream(&text, &len);
	if (!wout)
		return -ENOMEM;
	int r = explain(txn, id);
	fclose(wout);
	wout = stdout;
	struct store_run *run = NULL;
	if (r == 0 && store_run_get(txn, id, &run) == 0) {
		printf("{\"run\":%" PRIu64 ",\"command\":", id);
		cli_json_str(stdout, run->command);
		printf(",\"outcome\":\"%s\",\"reason\":",
		       run->outcome == STORE_RUN_HIT ? "hit" : run->outcome == STORE_RUN_MISS ? "miss" : "not-recorded");
		cli_json_str(stdout, run->reason && *run->reason ? run->reason : NULL);
		printf(",\"explanation\":[");
		char *save = NULL;
		bool first = true;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			printf("%s", first ? "" : ",");
			cli_json_str(stdout, l);
			first = false;
		}
		printf("]}\n");
		store_run_free(run);
	}
	free(text);
	return r;
}

static bool is_run_arg(const char *a)
{
	if (strcmp(a, "last") == 0)
		return true;
	for (const char *p = a; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return *a != '\0';
}

int cli_why(struct cli_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *text = NULL;
	bool json = false;
	wout = stdout;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "+c:", longopts, NULL)) != -1) {
		if (ch == 'c') {
			text = optarg;
		} else if (ch == 'j') {
			json = true;
		} else {
			cli_error(c, "unknown option %s (see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if ((text && optind != argc) || (!text && optind + 1 != argc)) {
		cli_error(c, "expected -c STRING, FILE or one RUN (see --help)");
		return 2;
	}
	if (text)
		return why_line(c, "-c", text, strlen(text), json);
	const char *arg = argv[optind];
	if (!is_run_arg(arg)) {
		char *script = NULL;
		size_t len = 0;
		int e = read_script(arg, &script, &len);
		if (e < 0) {
			cli_error(c, "%s: %s (not a run id either; see shark log)", arg, strerror(-e));
			return 2;
		}
		int st = why_line(c, arg, script, len, json);
		free(script);
		return st;
	}
	if (!c->st) {
		cli_error(c, "the store %s is empty: nothing ran yet", c->store_path);
		return 1;
	}
	store_txn *txn;
	int r = store_read_begin(c->st, &txn);
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		return 1;
	}
	uint64_t id = 0;
	r = cli_resolve_run(txn, arg, &id);
	if (r == -EINVAL) {
		store_read_end(txn);
		cli_error(c, "not a run id: %s (see shark log)", arg);
		return 2;
	}
	if (r == 0)
		r = json ? explain_json(txn, id) : explain(txn, id);
	store_read_end(txn);
	if (r < 0) {
		cli_error(c, "%s", r == -ENOENT ? "no such run in the history" : store_strerror(r));
		return 1;
	}
	return 0;
}
