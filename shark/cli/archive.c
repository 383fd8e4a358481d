/* archive.c - `shark export [RUN... | --all] -o FILE` and
 * `shark import FILE`: bundles of traces and blobs (store_export,
 * store_import). Export writes FILE.tmp-PID and renames it into place, so
 * a failed export never leaves a partial FILE. */
#include "shark/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_export(struct cli_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	const char *out = NULL;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (ch == 'a') {
			all = true;
		} else if (ch == 'o') {
			out = optarg;
		} else {
			cli_error(c, "unknown option %s (see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (!out || (all == (optind < argc))) {
		cli_error(c, "expected RUN... or --all, and -o FILE (see --help)");
		return 2;
	}
	if (!c->st) {
		cli_error(c, "the store %s is empty: nothing to export", c->store_path);
		return 1;
	}
	size_t n = all ? 0 : (size_t)(argc - optind);
	store_hash *ids = n ? calloc(n, sizeof(*ids)) : NULL;
	if (n && !ids)
		return 1;
	int r = 0;
	if (n) {
		store_txn *txn = NULL;
		r = store_read_begin(c->st, &txn);
		for (size_t i = 0; r == 0 && i < n; i++) {
			const char *arg = argv[optind + (int)i];
			uint64_t id;
			struct store_run *run = NULL;
			if (cli_resolve_run(txn, arg, &id) < 0 || store_run_get(txn, id, &run) < 0) {
				cli_error(c, "no run %s in the history (see shark log)", arg);
				r = -EINVAL;
			} else if (store_hash_is_zero(&run->trace_id)) {
				cli_error(c, "run %s was not recorded: nothing to export", arg);
				r = -EINVAL;
			} else {
				ids[i] = run->trace_id;
			}
			store_run_free(run);
		}
		store_read_end(txn);
	}
	if (r < 0) {
		if (r != -EINVAL) /* -EINVAL: a bad RUN, already reported */
			cli_error(c, "%s", store_strerror(r));
		free(ids);
		return 1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error(c, "cannot create %s: %s", tmp, strerror(errno));
		free(ids);
		return 1;
	}
	struct store_bundle_report rep;
	r = store_export(c->st, ids, n, fd, &rep);
	free(ids);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		cli_error(c, "export failed: %s%s%s%s", store_strerror(r),
			  r == -ENOENT	 ? " (a trace was dropped meanwhile?)"
			  : r == -ESTALE ? " (newer runs of that command superseded its trace)"
					 : "",
			  r == -ELIBACC ? ": " : "", r == -ELIBACC ? rep.detail : "");
		return 1;
	}
	char b[32];
	printf("exported %" PRIu64 " traces, %" PRIu64 " actions, %" PRIu64 " blobs (%s) to %s\n",
	       rep.traces, rep.actions, rep.blobs, util_format_size(rep.blob_bytes, b, sizeof(b)), util_name(out));
	return 0;
}

int cli_import(struct cli_ctx *c, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		cli_error(c, "expected one FILE (see --help)");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error(c, "cannot open %s: %s", argv[1], strerror(errno));
		return 1;
	}
	/* traces it adds remember the bundle (shark show, shark log); the
	 * caps have documented defaults, overridable from the environment */
	struct store_import_options io = { .origin = argv[1] };
	const char *cap = getenv("SHARK_IMPORT_MAX_BYTES");
	if (cap && *cap)
		io.max_bytes = strtoull(cap, NULL, 10);
	cap = getenv("SHARK_IMPORT_MAX_MEMORY");
	if (cap && *cap)
		io.max_memory = strtoull(cap, NULL, 10);
	struct store_bundle_report rep;
	int r = store_import_opts(c->st, fd, &io, &rep);
	close(fd);
	if (r < 0) {
		cli_error(c, "%s rejected, nothing imported: %s%s%s", argv[1],
			  r == STORE_ECORRUPT ? "corrupt bundle" : store_strerror(r),
			  rep.detail[0] ? ": " : "", rep.detail);
		return 1;
	}
	char b[32];
	printf("imported %" PRIu64 " traces, %" PRIu64 " actions, %" PRIu64 " blobs (%s)\n",
	       rep.traces, rep.actions, rep.blobs, util_format_size(rep.blob_bytes, b, sizeof(b)));
	return 0;
}
