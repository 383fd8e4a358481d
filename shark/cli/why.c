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

#include <limits.h>
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
	case STORE_INPUT_PROCESS:
		fprintf(wout, "value ");
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
		/* a process attribute's name is no path */
		if (strcmp(c->path, o->path) != 0 ||
		    (c->kind == STORE_INPUT_PROCESS) != (o->kind == STORE_INPUT_PROCESS))
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
		char pb[PATH_MAX];
		const char *path = util_name(cli_input_label(o, pb, sizeof(pb)));
		if (o->kind == STORE_INPUT_ABSENT)
			fprintf(wout, "  appeared: %s (now ", path);
		else if (c->kind == STORE_INPUT_ABSENT)
			fprintf(wout, "  vanished: %s (was ", path);
		else
			fprintf(wout, "  changed:  %s (", path);
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
		/* a hit run again for its output: no key difference to explain */
		if (!r->reason || strncmp(r->reason, MEMO_REGEN_NOTE, strlen(MEMO_REGEN_NOTE)) != 0)
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
		return cli_why_line(c, "-c", text, strlen(text), json);
	const char *arg = argv[optind];
	if (!is_run_arg(arg)) {
		char *script = NULL;
		size_t len = 0;
		int e = cli_read_script(arg, &script, &len);
		if (e < 0) {
			cli_error(c, "%s: %s (not a run id either; see shark log)", arg, strerror(-e));
			return 2;
		}
		int st = cli_why_line(c, arg, script, len, json);
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
