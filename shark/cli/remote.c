/* remote.c - `shark remote status` (the server, the upload queue, the
 * counters and the last error) and `shark remote push [RUN... | --all]`
 * (queue traces and upload the queue now, waiting for a background
 * uploader to finish first). docs/remote.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shark/cli/cli.h"
#include "shark/memo/memo.h"
#include "shark/util/util.h"
#include "store/remote.h"

struct all_items {
	struct store_remote_item *v;
	size_t n, cap;
};

/* Every trace of every action, oldest first, so that each entry ends with
 * the action's newest trace first. */
static int add_action(void *arg, const store_hash *key, const store_hash *ids, size_t n)
{
	struct all_items *a = arg;
	for (size_t i = n; i-- > 0;) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 64;
			struct store_remote_item *nv = reallocarray(a->v, cap, sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			a->v = nv;
			a->cap = cap;
		}
		a->v[a->n++] = (struct store_remote_item){ .action_key = *key, .trace_id = ids[i] };
	}
	return 0;
}

/* The items named on the command line (RUN ids or --all). */
static int collect(struct cli_ctx *c, int argc, char **argv, bool all, struct all_items *a)
{
	store_txn *txn = NULL;
	int r = store_read_begin(c->st, &txn);
	if (r == 0 && all)
		r = store_action_foreach(txn, add_action, a);
	for (int i = 0; r == 0 && !all && i < argc; i++) {
		uint64_t id;
		struct store_run *run = NULL;
		if (cli_resolve_run(txn, argv[i], &id) < 0 || store_run_get(txn, id, &run) < 0) {
			cli_error(c, "no run %s in the history (see shark log)", argv[i]);
			r = -EINVAL;
		} else if (store_hash_is_zero(&run->trace_id)) {
			cli_error(c, "run %s was not recorded: nothing to push", argv[i]);
			r = -EINVAL;
		} else {
			store_hash ids[1] = { run->trace_id };
			r = add_action(a, &run->action_key, ids, 1);
		}
		store_run_free(run);
	}
	store_read_end(txn);
	return r;
}

static int remote_push(struct cli_ctx *c, int argc, char **argv)
{
	bool all = argc == 1 && strcmp(argv[0], "--all") == 0;
	for (int i = 0; !all && i < argc; i++)
		if (argv[i][0] == '-') {
			cli_error(c, "unknown option %s (see --help)", argv[i]);
			return 2;
		}
	if (!memo_remote_configured()) {
		cli_error(c, "SHARK_REMOTE is not set: no cache server to push to");
		return 1;
	}
	if (memo_remote_read_only()) {
		cli_error(c, "SHARK_REMOTE_MODE=read: this shell does not write the cache server");
		return 1;
	}
	struct all_items a = { 0 };
	int r = (argc > 0) ? collect(c, argc, argv, all, &a) : 0;
	if (r == 0 && a.n)
		r = store_remote_queue_add(c->st, a.v, a.n);
	free(a.v);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error(c, "%s", store_strerror(r));
		return 1;
	}
	store_remote *rem = NULL;
	const char *why;
	if ((r = memo_remote_connect(c->st, &rem, &why)) < 0) {
		cli_error(c, "%s", util_name(why));
		return 1;
	}
	/* wait for a background uploader, then drain what is left */
	int lock = store_remote_uploader_lock(c->st, true);
	if (lock == -EWOULDBLOCK) {
		/* the idle-priority uploader hands over after its current trace */
		int wait = store_remote_push_wait_begin(c->st);
		lock = store_remote_uploader_lock(c->st, false);
		if (wait >= 0)
			close(wait);
	}
	size_t sent = 0, left = 0;
	r = lock < 0 ? lock : memo_remote_drain(c->st, rem, &sent, &left);
	if (lock >= 0)
		close(lock);
	printf("pushed %zu trace%s to %s", sent, sent == 1 ? "" : "s", util_name(store_remote_url(rem)));
	printf(left ? ", %zu waiting\n" : "\n", left);
	if (r < 0) {
		const char *d = store_remote_detail(rem);
		cli_error(c, "%s", util_name(*d ? d : store_remote_strerror(r)));
	}
	store_remote_free(rem);
	return r < 0 ? 1 : 0;
}

static int remote_status(struct cli_ctx *c)
{
	const char *url = getenv("SHARK_REMOTE");
	if (!memo_remote_configured()) {
		printf("remote: off (SHARK_REMOTE is not set)\n");
		return 1;
	}
	store_remote *rem = NULL;
	const char *why;
	int r = memo_remote_connect(c->st, &rem, &why);
	if (r < 0) {
		cli_error(c, "%s: %s", util_name(url), util_name(why));
		return 1;
	}
	char buf[32];
	printf("remote:     %s (%s)\n", util_name(store_remote_url(rem)),
	       memo_remote_read_only() ? "read only" : "read-write");
	r = store_remote_ping(rem);
	printf("reachable:  %s", r == 0 ? "yes" : "no");
	if (r < 0)
		printf(" (%s)", util_name(*store_remote_detail(rem) ? store_remote_detail(rem)
								   : store_remote_strerror(r)));
	putchar('\n');
	struct store_remote_item *v = NULL;
	size_t n = 0;
	(void)store_remote_queue_pending(c->st, &v, &n);
	free(v);
	printf("queue:      %zu trace%s waiting to upload\n", n, n == 1 ? "" : "s");
	struct store_remote_stats s;
	(void)store_remote_stats_get(c->st, &s);
	printf("hits:       %" PRIu64 "\n", s.hits);
	printf("uploaded:   %" PRIu64 " trace%s\n", s.uploads, s.uploads == 1 ? "" : "s");
	printf("bytes in:   %s\n", util_format_size(s.bytes_in, buf, sizeof(buf)));
	printf("bytes out:  %s\n", util_format_size(s.bytes_out, buf, sizeof(buf)));
	if (s.last_error[0]) {
		printf("last error: %s (%s)\n", util_name(s.last_error),
		       cli_format_time(s.last_error_ns, buf, sizeof(buf)));
	} else {
		printf("last error: none\n");
	}
	store_remote_free(rem);
	return r == 0 ? 0 : 1;
}

int cli_remote(struct cli_ctx *c, int argc, char **argv)
{
	if (argc < 2) {
		cli_error(c, "expected push or status (see --help)");
		return 2;
	}
	if (strcmp(argv[1], "push") == 0)
		return remote_push(c, argc - 2, argv + 2);
	if (strcmp(argv[1], "status") == 0 && argc == 2)
		return remote_status(c);
	cli_error(c, "expected push [RUN... | --all] or status (see --help)");
	return 2;
}
