/* gc.c - `shark gc`: option parsing, the dry-run listing, a progress
 * bar on a terminal, and the summary. The work is store_gc (store/gc.c). */
#include "shark/cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

struct gc_ui {
	bool list;     /* print each trace dropped */
	bool dry_run;
	bool bar;      /* stderr is a terminal */
	int last_pct;
};

static void on_drop(void *arg, const store_hash *id, int64_t last_use_ns, uint64_t bytes)
{
	struct gc_ui *ui = arg;
	if (!ui->list)
		return;
	char hex[STORE_HASH_HEX_LEN + 1], tb[32], sb[32];
	store_hash_to_hex(id, hex);
	printf("%s trace %s (last used %s, frees %s)\n", ui->dry_run ? "would drop" : "drop", hex,
	       cli_format_time(last_use_ns, tb, sizeof(tb)), util_format_size(bytes, sb, sizeof(sb)));
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct gc_ui *ui = arg;
	if (!ui->bar || !total)
		return;
	int pct = (int)(done * 100 / total);
	if (pct == ui->last_pct)
		return;
	ui->last_pct = pct;
	char bar[41];
	int fill = pct * 40 / 100;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(40 - fill));
	bar[40] = '\0';
	fprintf(stderr, "\rshark gc: sweeping objects [%s] %3d%%", bar, pct);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

int cli_gc(struct cli_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-size", required_argument, NULL, 's' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "grace", required_argument, NULL, 'g' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct gc_ui ui = { .last_pct = -1, .bar = isatty(2) };
	struct store_gc_options o = { .grace_ns = -1, .on_drop = on_drop, .progress = on_progress,
				      .arg = &ui };
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (util_parse_size(optarg, &o.max_bytes) < 0 || o.max_bytes == 0) {
				cli_error(c, "--max-size: not a size: %s (e.g. 500M, 10G)", optarg);
				return 2;
			}
			break;
		case 'o':
			if (util_parse_age(optarg, &o.older_than_ns) < 0) {
				cli_error(c, "--older-than: not an age: %s (e.g. 12h, 30d)", optarg);
				return 2;
			}
			if (o.older_than_ns == 0)
				o.older_than_ns = 1; /* 0s: everything out of its grace */
			break;
		case 'g':
			if (util_parse_age(optarg, &o.grace_ns) < 0) {
				cli_error(c, "--grace: not an age: %s (e.g. 10m, 1h)", optarg);
				return 2;
			}
			break;
		case 'n':
			o.dry_run = ui.dry_run = ui.list = true;
			break;
		case 'v':
			ui.list = true;
			break;
		default:
			cli_error(c, "unknown option %s (see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_error(c, "unexpected argument %s", argv[optind]);
		return 2;
	}
	struct store_gc_report rep;
	int r = store_gc(c->st, &o, &rep);
	if (ui.bar && ui.last_pct >= 0 && ui.last_pct < 100)
		fputs("\r\033[K", stderr);
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		return 1;
	}
	char b1[32], b2[32], b3[32];
	printf("%s %" PRIu64 " of %" PRIu64 " traces (%" PRIu64 " actions emptied), %" PRIu64
	       " unreferenced blobs unindexed, %" PRIu64 " objects removed, %" PRIu64
	       " temp files, %" PRIu64 " scratch dirs\n",
	       o.dry_run ? "would drop" : "dropped", rep.traces_dropped, rep.traces,
	       rep.actions_dropped, rep.blobs_unindexed, rep.objects_removed, rep.tmp_removed,
	       rep.scratch_removed);
	printf("objects %s before, %s %s", util_format_size(rep.bytes_before, b1, sizeof(b1)),
	       util_format_size(rep.bytes_freed, b2, sizeof(b2)),
	       o.dry_run ? "would be freed" : "freed");
	if (rep.bytes_pending)
		printf(", %s unreferenced (freed by a gc after the grace period)",
		       util_format_size(rep.bytes_pending, b3, sizeof(b3)));
	putchar('\n');
	return 0;
}
