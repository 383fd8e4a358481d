/* verify.c - `shark verify -c STRING`: re-run a command without the
 * cache and compare what it produced with its recorded trace, to find
 * non-deterministic commands.
 *
 * The recorded runs are found as `why -c` finds them: STRING is expanded
 * without running (quotes, variables and globs as the shell would), each
 * command's action key computed, and the newest run recorded under that
 * key taken (in a moved copy of the workspace too: keys are relocatable).
 * The
 * re-run is this binary as `shark -f -c STRING` in a child (stdout and
 * stderr discarded, stdin /dev/null): it runs every stage in the sandbox
 * and records fresh traces, and, like any run, applies its file effects
 * to the workspace. Then each new trace is compared with the old one of
 * the same stage: stdout, stderr, exit status, and every file effect
 * (path, kind, mode, content), byte for byte through the content hashes. */
#include "shark/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STAGES 64

struct stage_run {
	uint64_t id;		/* 0: a trace with no run in this history (imported) */
	store_hash key;
	char *command;
	struct store_trace *t; /* NULL when not recorded */
	int32_t exit_status;
	char *reason;
};

static void stage_free(struct stage_run *r)
{
	free(r->command);
	free(r->reason);
	store_trace_free(r->t);
}

static int load(store_txn *txn, uint64_t id, struct stage_run *ret)
{
	struct store_run *run;
	int r = store_run_get(txn, id, &run);
	if (r < 0)
		return r;
	struct stage_run s = { .id = id, .key = run->action_key, .exit_status = run->exit_status };
	s.command = strdup(run->command ? run->command : "");
	s.reason = run->reason ? strdup(run->reason) : NULL;
	if (!store_hash_is_zero(&run->trace_id))
		(void)store_trace_get(txn, &run->trace_id, &s.t);
	store_run_free(run);
	if (!s.command) {
		stage_free(&s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

static const struct store_effect *find_effect(const struct store_trace *t, const char *path)
{
	for (size_t i = 0; i < t->n_effects; i++)
		if (strcmp(t->effects[i].path, path) == 0)
			return &t->effects[i];
	return NULL;
}

static bool same_effect(const struct store_effect *a, const struct store_effect *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case STORE_EFFECT_FILE:
		return a->mode == b->mode && store_hash_equal(&a->blob, &b->blob);
	case STORE_EFFECT_DIR:
		return a->mode == b->mode;
	case STORE_EFFECT_SYMLINK:
		return strcmp(a->target ? a->target : "", b->target ? b->target : "") == 0;
	case STORE_EFFECT_TOUCH:
		return a->mtime_ns == b->mtime_ns;
	}
	return true;
}

/* Print what differs; the number of differences. */
static int compare(const struct stage_run *old, const struct stage_run *now)
{
	int d = 0;
	if (old->exit_status != now->exit_status) {
		printf("  exit status: %d, now %d\n", (int)old->exit_status, (int)now->exit_status);
		d++;
	}
	if (!old->t || !now->t) {
		if (!now->t)
			printf("  (the re-run was not recorded%s%s: only the status is compared)\n",
			       now->reason ? ": " : "", now->reason ? util_name(now->reason) : "");
		return d;
	}
	char a[STORE_HASH_HEX_LEN + 1], b[STORE_HASH_HEX_LEN + 1];
	if (!store_hash_equal(&old->t->stdout_blob, &now->t->stdout_blob)) {
		store_hash_to_hex(&old->t->stdout_blob, a);
		store_hash_to_hex(&now->t->stdout_blob, b);
		printf("  stdout differs: %" PRIu64 " bytes %.12s, now %" PRIu64 " bytes %.12s\n",
		       old->t->stdout_size, a, now->t->stdout_size, b);
		d++;
	}
	if (!store_hash_equal(&old->t->stderr_blob, &now->t->stderr_blob)) {
		printf("  stderr differs: %" PRIu64 " bytes, now %" PRIu64 " bytes\n",
		       old->t->stderr_size, now->t->stderr_size);
		d++;
	}
	for (size_t i = 0; i < old->t->n_effects; i++) {
		const struct store_effect *e = &old->t->effects[i];
		const struct store_effect *n = find_effect(now->t, e->path);
		if (!n) {
			printf("  effect on %s: not made by the re-run\n", util_name(e->path));
			d++;
		} else if (!same_effect(e, n)) {
			printf("  effect on %s differs%s\n", util_name(e->path),
			       e->kind == STORE_EFFECT_FILE && n->kind == STORE_EFFECT_FILE &&
					       e->mode == n->mode
				       ? " (file content)"
				       : "");
			d++;
		}
	}
	for (size_t i = 0; i < now->t->n_effects; i++)
		if (!find_effect(old->t, now->t->effects[i].path)) {
			printf("  effect on %s: new in the re-run\n", util_name(now->t->effects[i].path));
			d++;
		}
	return d;
}

#define MAX_SCAN_RUNS 100000 /* how far back the history is searched */

/* The run to compare with: the newest recorded run of k's key whose
 * trace is the one the line would hit now (when it would hit), else the
 * newest with a trace that still exists; else, with id 0, that trace or
 * the newest under the key (imported, never run here). -ENOENT when the
 * key has none. */
static int load_by_key(store_txn *txn, const struct cli_stage_key *k, struct stage_run *ret)
{
	uint64_t id = UINT64_MAX;
	for (int scanned = 0; scanned < MAX_SCAN_RUNS && store_run_prev(txn, id, &id) == 0;
	     scanned++) {
		struct store_run *run;
		if (store_run_get(txn, id, &run) < 0)
			continue;
		bool is = store_hash_equal(&run->action_key, &k->key) &&
			  !store_hash_is_zero(&run->trace_id) &&
			  (!k->hit || store_hash_equal(&run->trace_id, &k->trace));
		store_run_free(run);
		if (is && load(txn, id, ret) == 0) {
			if (ret->t)
				return 0;
			stage_free(ret);
		}
	}
	store_hash *ids = NULL;
	size_t n = 0;
	struct store_trace *newest = NULL;
	if (store_action_traces(txn, &k->key, &ids, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			struct store_trace *t;
			if ((k->hit && !store_hash_equal(&ids[i], &k->trace)) ||
			    store_trace_get(txn, &ids[i], &t) < 0)
				continue;
			if (!newest || t->start_ns > newest->start_ns) {
				store_trace_free(newest);
				newest = t;
			} else {
				store_trace_free(t);
			}
		}
	free(ids);
	if (!newest)
		return -ENOENT;
	*ret = (struct stage_run){ .key = k->key, .t = newest, .exit_status = newest->exit_status };
	ret->command = strdup(k->text);
	if (!ret->command) {
		stage_free(ret);
		return -ENOMEM;
	}
	return 0;
}

/* Run `shark -f -c text` (this binary) in cwd and wait. */
static int rerun(const char *text)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* stdout and stderr two opens, not one: one open file would
		 * make them one merged stream, another key */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int null2 = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0 || null2 < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null2, 2) < 0)
			_exit(126);
		execl("/proc/self/exe", "shark", "-f", "-c", text, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int cli_verify(struct cli_ctx *c, int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "-c") != 0) {
		cli_error(c, "expected -c STRING (see --help)");
		return 2;
	}
	const char *text = argv[2];
	if (!c->st) {
		cli_error(c, "the store %s is empty: run the command first", c->store_path);
		return 1;
	}
	struct stage_run old[MAX_STAGES], now[MAX_STAGES];
	size_t n_old = 0, n_now = 0, n_keys = 0;
	uint64_t last = 0;
	struct cli_stage_key *keys = NULL;
	store_txn *txn = NULL;
	int status = 1;
	int r = cli_line_keys(c, text, &keys, &n_keys);
	if (r < 0 || !c->st) {
		cli_error(c, "cannot expand `%s` here: %s", text,
			  r == -EINVAL ? "syntax error" : strerror(r < 0 ? -r : ENOENT));
		goto out;
	}
	r = store_read_begin(c->st, &txn);
	if (r == 0 && store_run_prev(txn, UINT64_MAX, &last) < 0)
		last = 0;
	for (size_t i = 0; r == 0 && i < n_keys && n_old < MAX_STAGES; i++) {
		if (!keys[i].known) {
			printf("%s: its key is known only by running the stage before it\n",
			       util_name(keys[i].text));
			continue;
		}
		int e = load_by_key(txn, &keys[i], &old[n_old]);
		if (e == 0)
			n_old++;
		else if (e == -ENOENT)
			printf("%s: never recorded with this key\n", util_name(keys[i].text));
		else
			r = e;
	}
	if (txn)
		store_read_end(txn);
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		goto out;
	}
	if (n_old == 0) {
		cli_error(c, "`%s` has no recorded run with the keys it has here: run it first", text);
		goto out;
	}
	/* the child writes the store: this process must not hold it open */
	const char *path = c->store_path;
	store_close(c->st);
	c->st = NULL;
	if ((r = rerun(text)) < 0) {
		cli_error(c, "cannot re-run: %s", strerror(-r));
		goto out;
	}
	/* a re-run that recorded nothing left its runs in the history journal */
	(void)store_fold_history(path);
	if ((r = store_open(path, STORE_RDONLY, &c->st)) < 0 || (r = store_read_begin(c->st, &txn)) < 0) {
		cli_error(c, "%s", store_strerror(r));
		goto out;
	}
	for (uint64_t id = last + 1; r == 0 && n_now < MAX_STAGES; id++) {
		struct stage_run s;
		if (load(txn, id, &s) < 0)
			break;
		now[n_now++] = s;
	}
	store_read_end(txn);
	int diffs = 0;
	for (size_t i = 0; i < n_old; i++) {
		const struct stage_run *match = NULL;
		/* the re-run's stage: same key, else (its terminals or stdin
		 * differ from the recorded run's) same argv */
		for (size_t k = 0; k < n_now && !match; k++)
			if (store_hash_equal(&now[k].key, &old[i].key))
				match = &now[k];
		for (size_t k = 0; k < n_now && !match; k++)
			if (strcmp(now[k].command, old[i].command) == 0)
				match = &now[k];
		if (old[i].id)
			printf("%s (run %" PRIu64 "):\n", util_name(old[i].command), old[i].id);
		else
			printf("%s (an imported trace):\n", util_name(old[i].command));
		if (!match) {
			printf("  not re-run (a stage before it failed?)\n");
			diffs++;
			continue;
		}
		int d = compare(&old[i], match);
		if (d == 0)
			printf("  same output%s, status and effects: deterministic\n",
			       old[i].t && match->t ? "" : " status");
		else
			printf("  NON-DETERMINISTIC: %d difference%s (re-run is run %" PRIu64 ")\n", d,
			       d == 1 ? "" : "s", match->id);
		diffs += d;
	}
	status = diffs ? 1 : 0;
out:
	for (size_t i = 0; i < n_old; i++)
		stage_free(&old[i]);
	for (size_t i = 0; i < n_now; i++)
		stage_free(&now[i]);
	cli_stage_keys_free(keys, n_keys);
	return status;
}
