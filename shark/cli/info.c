/* info.c - the read-only views of the store: `shark stats`,
 * `shark log` and `shark show`. Each reads one consistent snapshot (a
 * read txn) and prints text, or JSON with --json. */
#include "shark/cli/cli.h"

#include <limits.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/remote.h"

static const char *outcome_name(uint8_t o)
{
	switch (o) {
	case STORE_RUN_HIT:
		return "hit";
	case STORE_RUN_MISS:
		return "miss";
	case STORE_RUN_NOT_RECORDED:
		return "not-recorded";
	}
	return "?";
}

/* Options shared by the listings: --json, and -n N for log. */
struct list_opts {
	bool json;
	long n;
	int first_arg; /* index of the first operand */
};

static int parse_list_opts(struct cli_ctx *c, int argc, char **argv, bool with_n,
			   struct list_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	o->json = false;
	o->n = 20;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, with_n ? "n:" : "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			o->json = true;
			break;
		case 'n': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0) {
				cli_error(c, "-n: not a count: %s", optarg);
				return -1;
			}
			o->n = v;
			break;
		}
		default:
			cli_error(c, "unknown option %s (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	o->first_arg = optind;
	return 0;
}

/* ---- stats ---------------------------------------------------------------------- */

struct ref_bytes {
	uint64_t logical; /* bytes the traces reference, counted per reference */
	uint64_t broken;
};

static int add_trace_bytes(void *arg, const store_hash *id, const struct store_trace *t)
{
	(void)id;
	struct ref_bytes *rb = arg;
	if (!t) {
		rb->broken++;
		return 0;
	}
	/* an intermediate output recorded by hash only was never stored */
	rb->logical += ((t->flags & STORE_TRACE_STDOUT_HASH_ONLY) ? 0 : t->stdout_size) +
		       t->stderr_size;
	for (size_t i = 0; i < t->n_effects; i++)
		if (t->effects[i].kind == STORE_EFFECT_FILE)
			rb->logical += t->effects[i].size;
	return 0;
}

struct run_totals {
	uint64_t hits, misses, not_recorded, saved_ns, run_ns;
};

static int sum_runs(store_txn *txn, struct run_totals *rt)
{
	uint64_t id = UINT64_MAX;
	for (;;) {
		int r = store_run_prev(txn, id, &id);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		struct store_run *run;
		r = store_run_get(txn, id, &run);
		if (r < 0)
			continue; /* fsck reports malformed runs */
		if (run->outcome == STORE_RUN_HIT)
			rt->hits++;
		else if (run->outcome == STORE_RUN_MISS)
			rt->misses++;
		else
			rt->not_recorded++;
		rt->saved_ns += run->saved_ns;
		rt->run_ns += run->duration_ns;
		store_run_free(run);
	}
}

int cli_stats(struct cli_ctx *c, int argc, char **argv)
{
	struct list_opts o;
	if (parse_list_opts(c, argc, argv, false, &o) < 0)
		return 2;
	if (o.first_arg < argc) {
		cli_error(c, "unexpected argument %s", argv[o.first_arg]);
		return 2;
	}
	struct store_stats st = { 0 };
	struct ref_bytes rb = { 0 };
	struct run_totals rt = { 0 };
	if (c->st) {
		int r = store_stats(c->st, &st);
		store_txn *txn = NULL;
		if (r == 0)
			r = store_read_begin(c->st, &txn);
		if (r == 0)
			r = store_trace_foreach(txn, add_trace_bytes, &rb);
		if (r == 0)
			r = sum_runs(txn, &rt);
		store_read_end(txn);
		if (r < 0) {
			cli_error(c, "%s", store_strerror(r));
			return 1;
		}
	}
	struct store_remote_stats rs = { 0 };
	if (c->st)
		(void)store_remote_stats_get(c->st, &rs); /* the shared cache's counters */
	double dedup = st.blob_bytes ? (double)rb.logical / (double)st.blob_bytes : 1.0;
	if (o.json) {
		printf("{\"store\":");
		cli_json_str(stdout, c->store_path);
		printf(",\"actions\":%" PRIu64 ",\"traces\":%" PRIu64 ",\"blobs\":%" PRIu64
		       ",\"blob_bytes\":%" PRIu64 ",\"referenced_bytes\":%" PRIu64
		       ",\"dedup_ratio\":%.3f,\"index_bytes\":%" PRIu64
		       ",\"statcache_entries\":%" PRIu64 ",\"runs\":%" PRIu64 ",\"hits\":%" PRIu64
		       ",\"misses\":%" PRIu64 ",\"not_recorded\":%" PRIu64
		       ",\"time_saved_ns\":%" PRIu64 ",\"remote_hits\":%" PRIu64
		       ",\"remote_uploads\":%" PRIu64 ",\"remote_bytes_in\":%" PRIu64
		       ",\"remote_bytes_out\":%" PRIu64 "}\n",
		       st.actions, st.traces, st.blobs, st.blob_bytes, rb.logical, dedup,
		       st.index_bytes, st.statcache_entries, st.runs, rt.hits, rt.misses,
		       rt.not_recorded, rt.saved_ns, rs.hits, rs.uploads, rs.bytes_in, rs.bytes_out);
		return 0;
	}
	char b1[32], b2[32], b3[32];
	printf("store          %s%s\n", util_name(c->store_path), c->st ? "" : " (not created yet)");
	printf("actions        %" PRIu64 "\n", st.actions);
	printf("traces         %" PRIu64 "\n", st.traces);
	printf("blobs          %" PRIu64 " (%s)\n", st.blobs,
	       util_format_size(st.blob_bytes, b1, sizeof(b1)));
	printf("referenced     %s (deduplication %.2fx)\n",
	       util_format_size(rb.logical, b2, sizeof(b2)), dedup);
	printf("index          %s\n", util_format_size(st.index_bytes, b3, sizeof(b3)));
	printf("runs           %" PRIu64 ": %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
	       " not recorded\n",
	       st.runs, rt.hits, rt.misses, rt.not_recorded);
	uint64_t looked = rt.hits + rt.misses + rt.not_recorded;
	if (looked)
		printf("hit rate       %.1f%%\n", 100.0 * (double)rt.hits / (double)looked);
	printf("time saved     %s\n", util_format_duration(rt.saved_ns, b1, sizeof(b1)));
	if (rs.hits || rs.uploads || rs.bytes_in || rs.bytes_out)
		printf("remote         %" PRIu64 " hits, %" PRIu64 " traces uploaded, %s in, %s out\n",
		       rs.hits, rs.uploads, util_format_size(rs.bytes_in, b2, sizeof(b2)),
		       util_format_size(rs.bytes_out, b3, sizeof(b3)));
	return 0;
}

/* ---- log ------------------------------------------------------------------------ */

/* The origin of the run's trace when it came from a bundle (into *buf),
 * NULL when it was recorded by this store (or there is none). */
static const struct store_origin *run_origin(store_txn *txn, const struct store_run *run,
					     struct store_origin *buf)
{
	if (store_hash_is_zero(&run->trace_id) || store_trace_origin(txn, &run->trace_id, buf) < 0)
		return NULL;
	return buf;
}

static void print_run_json(uint64_t id, const struct store_run *run,
			   const struct store_origin *origin)
{
	printf("{\"id\":%" PRIu64 ",\"start_ns\":%" PRId64 ",\"outcome\":\"%s\",\"reason\":", id,
	       run->start_ns, outcome_name(run->outcome));
	cli_json_str(stdout, run->reason && *run->reason ? run->reason : NULL);
	printf(",\"exit_status\":%d,\"duration_ns\":%" PRIu64 ",\"saved_ns\":%" PRIu64
	       ",\"action_key\":",
	       (int)run->exit_status, run->duration_ns, run->saved_ns);
	cli_json_hash(stdout, &run->action_key);
	printf(",\"trace_id\":");
	if (store_hash_is_zero(&run->trace_id))
		printf("null");
	else
		cli_json_hash(stdout, &run->trace_id);
	printf(",\"cwd\":");
	cli_json_str(stdout, run->cwd ? run->cwd : "");
	printf(",\"command\":");
	cli_json_str(stdout, run->command ? run->command : "");
	printf(",\"origin\":");
	if (origin) {
		printf("{\"imported_from\":");
		cli_json_str(stdout, origin->text);
		printf(",\"imported_ns\":%" PRId64 "}", origin->imported_ns);
	} else {
		printf("null");
	}
	printf("}");
}

/* The command on one line: newlines and tabs shown as spaces. */
static void print_oneline(const char *s)
{
	util_put_name(stdout, s); /* escaped: one line, no terminal controls */
}

static void print_run_line(uint64_t id, const struct store_run *run,
			   const struct store_origin *origin)
{
	char tbuf[32], dbuf[32], sbuf[32];
	printf("%6" PRIu64 "  %s  %-12s %3d  %9s", id,
	       cli_format_time(run->start_ns, tbuf, sizeof(tbuf)), outcome_name(run->outcome),
	       (int)run->exit_status, util_format_duration(run->duration_ns, dbuf, sizeof(dbuf)));
	if (run->outcome == STORE_RUN_HIT)
		printf("  saved %s", util_format_duration(run->saved_ns, sbuf, sizeof(sbuf)));
	printf("  %s$ ", util_name(run->cwd));
	util_put_sh_text(stdout, run->command); /* pastes back; controls escaped */
	if (run->reason && *run->reason)
		printf("  (%s)", util_name(run->reason));
	if (origin) {
		printf("  [imported from ");
		print_oneline(origin->text);
		putchar(']');
	}
	putchar('\n');
}

int cli_log(struct cli_ctx *c, int argc, char **argv)
{
	struct list_opts o;
	if (parse_list_opts(c, argc, argv, true, &o) < 0)
		return 2;
	if (o.first_arg < argc) {
		cli_error(c, "unexpected argument %s", argv[o.first_arg]);
		return 2;
	}
	if (o.json)
		printf("[");
	int r = 0;
	if (c->st) {
		store_txn *txn = NULL;
		r = store_read_begin(c->st, &txn);
		uint64_t id = UINT64_MAX;
		for (long k = 0; r == 0 && (o.n == 0 || k < o.n);) {
			r = store_run_prev(txn, id, &id);
			if (r == -ENOENT) {
				r = 0;
				break;
			}
			if (r < 0)
				break;
			struct store_run *run;
			if (store_run_get(txn, id, &run) < 0)
				continue;
			struct store_origin ob;
			const struct store_origin *origin = run_origin(txn, run, &ob);
			if (o.json) {
				if (k)
					printf(",");
				printf("\n");
				print_run_json(id, run, origin);
			} else {
				print_run_line(id, run, origin);
			}
			store_run_free(run);
			k++;
		}
		store_read_end(txn);
	}
	if (o.json)
		printf("\n]\n");
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		return 1;
	}
	return 0;
}

/* ---- show ----------------------------------------------------------------------- */

static const char *input_kind(uint8_t k)
{
	switch (k) {
	case STORE_INPUT_FILE:
		return "file";
	case STORE_INPUT_DIR:
		return "dir";
	case STORE_INPUT_SYMLINK:
		return "symlink";
	case STORE_INPUT_ABSENT:
		return "absent";
	case STORE_INPUT_OUTPUT:
		return "output";
	case STORE_INPUT_META:
		return "meta";
	case STORE_INPUT_DENIED:
		return "denied";
	case STORE_INPUT_PROCESS:
		return "process";
	}
	return "?";
}

static const char *effect_kind(uint8_t k)
{
	switch (k) {
	case STORE_EFFECT_FILE:
		return "write";
	case STORE_EFFECT_DELETE:
		return "delete";
	case STORE_EFFECT_DIR:
		return "mkdir";
	case STORE_EFFECT_SYMLINK:
		return "symlink";
	case STORE_EFFECT_TOUCH:
		return "touch";
	}
	return "?";
}

static void show_trace_json(const struct store_trace *t)
{
	printf(",\"trace\":{\"exit_status\":%d,\"duration_ns\":%" PRIu64 ",\"stdout\":{\"blob\":",
	       (int)t->exit_status, t->duration_ns);
	cli_json_hash(stdout, &t->stdout_blob);
	printf(",\"size\":%" PRIu64 ",\"kept\":%s},\"stderr\":{\"blob\":", t->stdout_size,
	       (t->flags & STORE_TRACE_STDOUT_HASH_ONLY) ? "false" : "true");
	cli_json_hash(stdout, &t->stderr_blob);
	printf(",\"size\":%" PRIu64 "},\"inputs\":[", t->stderr_size);
	for (size_t i = 0; i < t->n_inputs; i++) {
		const struct store_input *in = &t->inputs[i];
		char pb[PATH_MAX];
		printf("%s{\"path\":", i ? "," : "");
		cli_json_str(stdout, in->kind == STORE_INPUT_PROCESS
					     ? in->path
					     : cli_input_path(in->path, pb, sizeof(pb)));
		if (in->path[0] != '/' && in->kind != STORE_INPUT_PROCESS) {
			/* as recorded: relative to the workspace */
			printf(",\"recorded\":");
			cli_json_str(stdout, in->path);
		}
		printf(",\"kind\":\"%s\"", input_kind(in->kind));
		if (in->kind == STORE_INPUT_FILE || in->kind == STORE_INPUT_DIR ||
		    in->kind == STORE_INPUT_META || in->kind == STORE_INPUT_PROCESS) {
			printf(",\"hash\":");
			cli_json_hash(stdout, &in->hash);
		} else if (in->kind == STORE_INPUT_SYMLINK) {
			printf(",\"target\":");
			cli_json_str(stdout, in->target);
		}
		printf("}");
	}
	printf("],\"effects\":[");
	for (size_t i = 0; i < t->n_effects; i++) {
		const struct store_effect *e = &t->effects[i];
		printf("%s{\"path\":", i ? "," : "");
		cli_json_str(stdout, e->path);
		printf(",\"kind\":\"%s\"", effect_kind(e->kind));
		if (e->kind == STORE_EFFECT_FILE) {
			printf(",\"mode\":\"%04o\",\"size\":%" PRIu64 ",\"blob\":", (unsigned)e->mode,
			       e->size);
			cli_json_hash(stdout, &e->blob);
		} else if (e->kind == STORE_EFFECT_DIR) {
			printf(",\"mode\":\"%04o\"", (unsigned)e->mode);
		} else if (e->kind == STORE_EFFECT_SYMLINK) {
			printf(",\"target\":");
			cli_json_str(stdout, e->target);
		} else if (e->kind == STORE_EFFECT_TOUCH) {
			if (e->mtime_ns == STORE_MTIME_NOW)
				printf(",\"mtime_ns\":null");
			else
				printf(",\"mtime_ns\":%" PRId64, e->mtime_ns);
		}
		printf("}");
	}
	printf("]}");
}

static void show_trace_text(const struct store_trace *t)
{
	char hex[STORE_HASH_HEX_LEN + 1], b[32];
	store_hash_to_hex(&t->stdout_blob, hex);
	printf("stdout    %s (%s%s)\n", hex, util_format_size(t->stdout_size, b, sizeof(b)),
	       (t->flags & STORE_TRACE_STDOUT_HASH_ONLY)
		       ? "; recorded by hash only, not kept: its stage runs again when needed"
		       : "");
	store_hash_to_hex(&t->stderr_blob, hex);
	printf("stderr    %s (%s)\n", hex, util_format_size(t->stderr_size, b, sizeof(b)));
	printf("recorded  exit %d, took %s\n", (int)t->exit_status,
	       util_format_duration(t->duration_ns, b, sizeof(b)));
	printf("inputs    %zu\n", t->n_inputs);
	for (size_t i = 0; i < t->n_inputs; i++) {
		const struct store_input *in = &t->inputs[i];
		char pb[PATH_MAX];
		const char *path = cli_input_label(in, pb, sizeof(pb));
		if (in->kind == STORE_INPUT_FILE || in->kind == STORE_INPUT_DIR ||
		    in->kind == STORE_INPUT_META || in->kind == STORE_INPUT_PROCESS) {
			store_hash_to_hex(&in->hash, hex);
			printf("  %-7s %s  %s\n", input_kind(in->kind), hex, util_name(path));
		} else if (in->kind == STORE_INPUT_SYMLINK) {
			printf("  %-7s -> %s  %s\n", "symlink", util_name(in->target),
			       util_name(path));
		} else {
			printf("  %-7s %-32s  %s\n", input_kind(in->kind), "", util_name(path));
		}
	}
	printf("effects   %zu\n", t->n_effects);
	for (size_t i = 0; i < t->n_effects; i++) {
		const struct store_effect *e = &t->effects[i];
		printf("  %-7s %s", effect_kind(e->kind), util_name(e->path));
		if (e->kind == STORE_EFFECT_FILE) {
			store_hash_to_hex(&e->blob, hex);
			printf("  mode %04o, %s, %s", (unsigned)e->mode,
			       util_format_size(e->size, b, sizeof(b)), hex);
		} else if (e->kind == STORE_EFFECT_DIR) {
			printf("  mode %04o", (unsigned)e->mode);
		} else if (e->kind == STORE_EFFECT_SYMLINK) {
			printf(" -> %s", util_name(e->target));
		} else if (e->kind == STORE_EFFECT_TOUCH && e->mtime_ns != STORE_MTIME_NOW) {
			int64_t sec = e->mtime_ns / 1000000000, ns = e->mtime_ns % 1000000000;
			if (ns < 0) {
				sec--;
				ns += 1000000000;
			}
			printf("  mtime %" PRId64 ".%09" PRId64, sec, ns);
		}
		putchar('\n');
	}
}

int cli_show(struct cli_ctx *c, int argc, char **argv)
{
	struct list_opts o;
	if (parse_list_opts(c, argc, argv, false, &o) < 0)
		return 2;
	if (o.first_arg + 1 != argc) {
		cli_error(c, "expected one RUN (an id from `shark log`, or last)");
		return 2;
	}
	const char *arg = argv[o.first_arg];
	if (!c->st) {
		cli_error(c, "no run %s: the store %s is empty", arg, c->store_path);
		return 1;
	}
	store_txn *txn;
	int r = store_read_begin(c->st, &txn);
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		return 1;
	}
	uint64_t id = 0;
	struct store_run *run = NULL;
	struct store_trace *t = NULL;
	r = cli_resolve_run(txn, arg, &id);
	if (r == -EINVAL) {
		cli_error(c, "not a run id: %s (see shark log)", arg);
		store_read_end(txn);
		return 2;
	}
	if (r == 0)
		r = store_run_get(txn, id, &run);
	if (r < 0) {
		cli_error(c, "no run %s: %s", arg, r == -ENOENT ? "not in the history" : store_strerror(r));
		store_read_end(txn);
		return 1;
	}
	int tr = -ENOENT;
	if (!store_hash_is_zero(&run->trace_id))
		tr = store_trace_get(txn, &run->trace_id, &t);
	struct store_origin ob;
	const struct store_origin *origin = run_origin(txn, run, &ob);
	store_read_end(txn);

	if (o.json) {
		printf("{\"run\":");
		print_run_json(id, run, origin);
		if (t)
			show_trace_json(t);
		else
			printf(",\"trace\":null");
		printf("}\n");
	} else {
		char tb[32], db[32], hex[STORE_HASH_HEX_LEN + 1];
		printf("run       %" PRIu64 "\n", id);
		printf("command   ");
		util_put_sh_text(stdout, run->command);
		printf("\ncwd       %s\n", util_name(run->cwd));
		printf("time      %s, took %s\n", cli_format_time(run->start_ns, tb, sizeof(tb)),
		       util_format_duration(run->duration_ns, db, sizeof(db)));
		printf("outcome   %s", outcome_name(run->outcome));
		if (run->outcome == STORE_RUN_HIT)
			printf(", saved %s", util_format_duration(run->saved_ns, db, sizeof(db)));
		if (run->reason && *run->reason)
			printf(" (%s)", util_name(run->reason));
		printf("\nstatus    %d\n", (int)run->exit_status);
		store_hash_to_hex(&run->action_key, hex);
		printf("key       %s\n", hex);
		if (!store_hash_is_zero(&run->trace_id)) {
			store_hash_to_hex(&run->trace_id, hex);
			printf("trace     %s%s\n", hex,
			       t ? "" : tr == -ENOENT ? " (gone: collected by gc)" : " (unreadable)");
			if (origin) {
				printf("origin    imported from ");
				print_oneline(origin->text);
				printf(", %s\n", cli_format_time(origin->imported_ns, tb, sizeof(tb)));
			} else if (t) {
				printf("origin    recorded by this store\n");
			}
		}
		if (t)
			show_trace_text(t);
	}
	store_trace_free(t);
	store_run_free(run);
	return 0;
}
