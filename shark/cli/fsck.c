/* fsck.c - `shark fsck [--repair] [--quick]`: the store's consistency
 * check (store_fsck), each problem on one line, and with --repair the
 * repair (store_fsck_repair, one transaction) followed by a second check
 * that must come out clean. */
#include "shark/cli/cli.h"

#include <getopt.h>
#include <inttypes.h>

static const char *problem_name(enum store_fsck_problem p)
{
	switch (p) {
	case STORE_FSCK_DANGLING_TRACE:
		return "action names a missing trace";
	case STORE_FSCK_BAD_TRACE:
		return "trace record does not decode or match its id";
	case STORE_FSCK_MISSING_BLOB:
		return "blob missing";
	case STORE_FSCK_BAD_BLOB:
		return "blob size or content does not match its hash";
	case STORE_FSCK_UNINDEXED_BLOB:
		return "blob has no metadata";
	case STORE_FSCK_BAD_RECORD:
		return "malformed index record";
	}
	return "unknown problem";
}

static void on_problem(void *arg, enum store_fsck_problem what, const store_hash *key)
{
	(void)arg;
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(key, hex);
	printf("%s: %s\n", hex, problem_name(what));
}

static int check(struct cli_ctx *c, unsigned flags, bool quiet, struct store_fsck_report *rep)
{
	int r = store_fsck(c->st, flags, quiet ? NULL : on_problem, NULL, rep);
	if (r < 0)
		cli_error(c, "%s", store_strerror(r));
	return r;
}

int cli_fsck(struct cli_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool repair = false;
	unsigned flags = STORE_FSCK_HASH;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch == 'r') {
			repair = true;
		} else if (ch == 'q') {
			flags &= ~(unsigned)STORE_FSCK_HASH;
		} else {
			cli_error(c, "unknown option %s (see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_error(c, "unexpected argument %s", argv[optind]);
		return 2;
	}
	if (!c->st) {
		printf("store %s does not exist yet: nothing to check\n", util_name(c->store_path));
		return 0;
	}
	if (repair) {
		/* The dispatcher opened the store read-only; repair writes. */
		store_close(c->st);
		c->st = NULL;
		int r = store_open(c->store_path, 0, &c->st);
		if (r < 0) {
			cli_error(c, "cannot open %s for writing: %s", c->store_path,
				  store_strerror(r));
			return 1;
		}
	}
	struct store_fsck_report rep;
	if (check(c, flags, false, &rep) < 0)
		return 1;
	printf("checked %" PRIu64 " actions, %" PRIu64 " traces, %" PRIu64 " blob references, %" PRIu64
	       " runs, %" PRIu64 " stat-cache entries: %" PRIu64 " problem%s\n",
	       rep.actions, rep.traces, rep.blobs_checked, rep.runs, rep.statcache_entries,
	       rep.problems, rep.problems == 1 ? "" : "s");
	if (rep.hash_only)
		printf("%" PRIu64 " pipeline intermediate output%s recorded by hash only (not kept: "
		       "regenerated when needed; not a problem)\n",
		       rep.hash_only, rep.hash_only == 1 ? "" : "s");
	if (!repair || rep.problems == 0)
		return rep.problems ? 1 : 0;

	struct store_repair_report rr;
	int r = store_fsck_repair(c->st, flags, &rr);
	if (r < 0) {
		cli_error(c, "repair failed (nothing changed): %s", store_strerror(r));
		return 1;
	}
	printf("repaired: dropped %" PRIu64 " traces, %" PRIu64 " dangling trace ids, %" PRIu64
	       " empty actions, %" PRIu64 " malformed records; removed %" PRIu64
	       " corrupt objects; re-indexed %" PRIu64 " blobs\n",
	       rr.traces_dropped, rr.ids_dropped, rr.actions_dropped, rr.records_dropped,
	       rr.objects_removed, rr.blobs_reindexed);
	if (check(c, flags, true, &rep) < 0)
		return 1;
	if (rep.problems) {
		cli_error(c, "%" PRIu64 " problems remain after the repair", rep.problems);
		return 1;
	}
	printf("the store is consistent now\n");
	return 0;
}
