/* verify.c - `shark verify -c STRING`: re-run a command without the
 * cache and compare what it produced with its recorded trace, to find
 * non-deterministic commands.
 *
 * The recorded runs are the latest runs of STRING (or its pipeline
 * stages) in the current directory, found as `why -c` finds them. The
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
	uint64_t id;
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
	struct stage_run s = { .id = id, .exit_status = run->exit_status };
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

/* Run `shark -f -c text` (this binary) in cwd and wait. */
static int rerun(const char *text)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
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
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return 1;
	struct stage_run old[MAX_STAGES], now[MAX_STAGES];
	size_t n_old = 0, n_now = 0;
	uint64_t ids[MAX_STAGES], last = 0;
	store_txn *txn = NULL;
	int r = store_read_begin(c->st, &txn);
	if (r == 0)
		r = cli_find_runs_by_text(txn, text, cwd, ids, MAX_STAGES, &n_old);
	if (r == 0 && store_run_prev(txn, UINT64_MAX, &last) < 0)
		last = 0;
	for (size_t i = 0; r == 0 && i < n_old; i++)
		r = load(txn, ids[n_old - 1 - i], &old[i]); /* oldest first = stage order */
	store_read_end(txn);
	int status = 1;
	if (r < 0) {
		cli_error(c, "%s", store_strerror(r));
		n_old = 0;
		goto out;
	}
	if (n_old == 0) {
		cli_error(c, "`%s` has no recorded run in this directory: run it first", text);
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
		for (size_t k = 0; k < n_now && !match; k++)
			if (strcmp(now[k].command, old[i].command) == 0)
				match = &now[k];
		printf("%s (run %" PRIu64 "):\n", util_name(old[i].command), old[i].id);
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
	free(cwd);
	return status;
}
