/* test_store_gc.c - gc, fsck repair and the iteration functions of the
 * store's maintenance block (store/gc.c, store/maint.c). */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "test_store_util.h"

static store *open_store(char **ret_dir)
{
	char *dir = tu_tmpdir();
	char *p = tu_join(dir, "store");
	store *s;
	cr_assert_eq(store_open(p, STORE_NOSYNC, &s), 0);
	free(p);
	*ret_dir = dir;
	return s;
}

/* Record a trace under key "keytag" whose stdout is size bytes derived
 * from tag (distinct tags: distinct blobs). */
static store_hash record_under(store *s, const char *keytag, const char *tag, size_t size)
{
	char *out = malloc(size + 1);
	for (size_t i = 0; i < size; i++)
		out[i] = (char)('a' + (i + strlen(tag) * 7 + (unsigned char)tag[0]) % 26);
	memcpy(out, tag, strlen(tag) < size ? strlen(tag) : size);
	struct store_input in = { .path = "/etc/hostname", .kind = STORE_INPUT_ABSENT };
	struct store_trace t = { .n_inputs = 1, .inputs = &in, .exit_status = 0,
				 .start_ns = 1, .duration_ns = 1 };
	cr_assert_eq(store_blob_put(s, out, size, &t.stdout_blob), 0);
	t.stdout_size = size;
	cr_assert_eq(store_blob_put(s, "", 0, &t.stderr_blob), 0);
	store_hash key, id;
	store_hash_bytes(keytag, strlen(keytag), &key);
	cr_assert_eq(store_record(s, &key, &t, NULL, &id, NULL), 0);
	free(out);
	return id;
}

static store_hash record(store *s, const char *tag, size_t size)
{
	return record_under(s, tag, tag, size);
}

static bool has_trace(store *s, const store_hash *id)
{
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	struct store_trace *t = NULL;
	int r = store_trace_get(txn, id, &t);
	store_read_end(txn);
	store_trace_free(t);
	cr_assert(r == 0 || r == -ENOENT, "store_trace_get: %s", store_strerror(r));
	return r == 0;
}

static uint64_t problems(store *s)
{
	struct store_fsck_report rep;
	cr_assert_eq(store_fsck(s, STORE_FSCK_HASH, NULL, NULL, &rep), 0);
	return rep.problems;
}

static size_t count_objects(store *s)
{
	char *objs = tu_join(store_path(s), "objects");
	DIR *d = opendir(objs);
	cr_assert_not_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = tu_join(objs, e->d_name);
		DIR *sd = opendir(sub);
		struct dirent *f;
		while (sd && (f = readdir(sd)))
			n += f->d_name[0] != '.';
		if (sd)
			closedir(sd);
		free(sub);
	}
	closedir(d);
	free(objs);
	return n;
}

static int count_cb(void *arg, const store_hash *id, const struct store_trace *t)
{
	(void)id;
	cr_assert_not_null(t);
	(*(size_t *)arg)++;
	return 0;
}

static int count_actions(void *arg, const store_hash *key, const store_hash *ids, size_t n)
{
	(void)key;
	(void)ids;
	*(size_t *)arg += n;
	return 0;
}

Test(maint, foreach_sees_every_trace_and_action)
{
	char *dir;
	store *s = open_store(&dir);
	record(s, "one", 10);
	record(s, "two", 20);
	record(s, "three", 30);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	size_t n = 0, ids = 0;
	cr_assert_eq(store_trace_foreach(txn, count_cb, &n), 0);
	cr_assert_eq(store_action_foreach(txn, count_actions, &ids), 0);
	store_read_end(txn);
	cr_assert_eq(n, 3);
	cr_assert_eq(ids, 3);
	store_close(s);
	tu_rmrf(dir);
}

Test(gc, nothing_goes_within_the_grace_period)
{
	char *dir;
	store *s = open_store(&dir);
	store_hash a = record(s, "a", 1000);
	store_hash orphan;
	cr_assert_eq(store_blob_put(s, "nobody records me", 17, &orphan), 0);
	size_t before = count_objects(s);
	struct store_gc_options o = { .max_bytes = 1, .older_than_ns = 1, .grace_ns = -1 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 0);
	cr_assert_eq(rep.objects_removed, 0);
	cr_assert(has_trace(s, &a));
	cr_assert_eq(count_objects(s), before);
	cr_assert_eq(store_blob_exists(s, &orphan, NULL), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(gc, unreferenced_objects_go_referenced_stay)
{
	char *dir;
	store *s = open_store(&dir);
	store_hash a = record(s, "a", 1000);
	store_hash orphan;
	cr_assert_eq(store_blob_put(s, "nobody records me", 17, &orphan), 0);
	struct store_gc_options o = { .grace_ns = 0 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 0);
	cr_assert_eq(rep.objects_removed, 1);
	cr_assert_eq(rep.bytes_freed, 17);
	cr_assert_eq(store_blob_exists(s, &orphan, NULL), -ENOENT);
	cr_assert(has_trace(s, &a));
	cr_assert_eq(problems(s), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(gc, max_size_evicts_least_recently_used)
{
	char *dir;
	store *s = open_store(&dir);
	store_hash a = record(s, "a", 4000);
	store_hash b = record(s, "b", 4000);
	store_hash c = record(s, "c", 4000);
	/* a hit on a makes it the most recently used */
	struct store_run hit = { .start_ns = 0, .outcome = STORE_RUN_HIT, .trace_id = a };
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	hit.start_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + 1000000;
	cr_assert_eq(store_run_add(s, &hit, NULL), 0);

	struct store_gc_options dry = { .max_bytes = 9000, .grace_ns = 0, .dry_run = true };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &dry, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 1);
	cr_assert_eq(rep.bytes_freed, 4000);
	cr_assert(has_trace(s, &a) && has_trace(s, &b) && has_trace(s, &c), "dry run changed the store");

	struct store_gc_options o = { .max_bytes = 9000, .grace_ns = 0 };
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces, 3);
	cr_assert_eq(rep.traces_dropped, 1);
	cr_assert_eq(rep.actions_dropped, 1);
	cr_assert(has_trace(s, &a), "the recently hit trace was evicted");
	cr_assert_not(has_trace(s, &b), "the least recently used trace was kept");
	cr_assert(has_trace(s, &c));
	cr_assert_eq(rep.objects_removed, 1);
	cr_assert_eq(rep.bytes_freed, 4000);
	cr_assert_eq(problems(s), 0);

	o.max_bytes = 1;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 2);
	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_eq(st.traces, 0);
	cr_assert_eq(st.actions, 0);
	cr_assert_eq(st.blobs, 0);
	cr_assert_eq(count_objects(s), 0);
	store_close(s);
	tu_rmrf(dir);
}

/* Evicting one of two traces rewrites every action's list in place. The
 * action keys must come out intact: LMDB moves the page under a key that
 * points into it, so the rewrite must not pass the cursor's own key. */
Test(gc, partial_eviction_keeps_every_action_key)
{
	enum { N = 300 };
	char *dir;
	store *s = open_store(&dir);
	static store_hash second[N];
	char key[32], tag[32];
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		snprintf(tag, sizeof(tag), "old-%d", i);
		record_under(s, key, tag, 100);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t later = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + 1000000;
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		snprintf(tag, sizeof(tag), "new-%d", i);
		second[i] = record_under(s, key, tag, 100);
		struct store_run hit = { .start_ns = later, .outcome = STORE_RUN_HIT,
					 .trace_id = second[i] };
		cr_assert_eq(store_run_add(s, &hit, NULL), 0);
	}
	struct store_gc_options o = { .max_bytes = N * 100 + 50, .grace_ns = 0 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces_dropped, N);
	cr_assert_eq(rep.actions_dropped, 0);

	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	size_t ids = 0;
	cr_assert_eq(store_action_foreach(txn, count_actions, &ids), 0);
	cr_assert_eq(ids, N);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		store_hash k, *got = NULL;
		size_t n = 0;
		store_hash_bytes(key, strlen(key), &k);
		cr_assert_eq(store_action_traces(txn, &k, &got, &n), 0, "action %d lost its key", i);
		cr_assert_eq(n, 1);
		cr_assert(store_hash_equal(&got[0], &second[i]), "action %d names another trace", i);
		free(got);
	}
	store_read_end(txn);
	cr_assert_eq(problems(s), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(gc, shared_blob_stays_while_one_trace_keeps_it)
{
	char *dir;
	store *s = open_store(&dir);
	/* "old" first (least recently used), sharing the empty stderr blob
	 * with "same" */
	struct store_input in = { .path = "/x", .kind = STORE_INPUT_ABSENT };
	struct store_trace t = { .n_inputs = 1, .inputs = &in, .start_ns = 1 };
	cr_assert_eq(store_blob_put(s, "only-old", 8, &t.stdout_blob), 0);
	t.stdout_size = 8;
	cr_assert_eq(store_blob_put(s, "", 0, &t.stderr_blob), 0);
	store_hash key, old;
	store_hash_bytes("old", 3, &key);
	cr_assert_eq(store_record(s, &key, &t, NULL, &old, NULL), 0);
	store_hash a = record(s, "same", 100);
	/* evict "old" only: it is the least recently used */
	struct store_gc_options o = { .max_bytes = 100, .grace_ns = 0 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert(has_trace(s, &a));
	cr_assert_not(has_trace(s, &old));
	/* the empty stderr blob is shared: it must survive */
	cr_assert_eq(store_blob_exists(s, &t.stderr_blob, NULL), 0);
	cr_assert_eq(store_blob_exists(s, &t.stdout_blob, NULL), -ENOENT);
	cr_assert_eq(problems(s), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(gc, fresh_unreferenced_objects_wait_for_their_grace)
{
	char *dir;
	store *s = open_store(&dir);
	store_hash id = record(s, "a", 500);
	/* make the trace old: its blobs were last used long ago */
	store_txn *txn;
	struct store_trace *t;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_trace_get(txn, &id, &t), 0);
	store_read_end(txn);
	uint8_t meta[16] = { 0 };
	meta[0] = 500 & 0xff;
	meta[1] = 500 >> 8;
	meta[8] = 1; /* last use: 1 ns after the epoch */
	tu_raw_put(store_path(s), "blobs", t->stdout_blob.bytes, 16, meta, 16);
	meta[0] = meta[1] = 0;
	tu_raw_put(store_path(s), "blobs", t->stderr_blob.bytes, 16, meta, 16);
	store_trace_free(t);
	/* dropped and unindexed now, but its objects get a fresh ctime and
	 * stay for the grace period (10 s, well above timestamp coarseness) */
	struct store_gc_options o = { .max_bytes = 1, .grace_ns = 10LL * 1000000000LL };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 1);
	cr_assert_eq(rep.blobs_unindexed, 2);
	cr_assert_eq(rep.objects_removed, 0, "an object was removed in the gc that unindexed it");
	cr_assert_eq(rep.bytes_pending, 500);
	cr_assert_eq(problems(s), 0);
	/* without a grace they go */
	o.grace_ns = 0;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.objects_removed, 2);
	store_close(s);
	tu_rmrf(dir);
}

static void age_path(const char *path, int64_t seconds)
{
	struct timespec ts[2];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= seconds;
	ts[1] = ts[0];
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0, "%s", strerror(errno));
}

Test(gc, stale_temp_files_and_scratch_dirs)
{
	char *dir;
	store *s = open_store(&dir);
	char *tmp_old = tu_join(store_path(s), "tmp/blob.1.2.old");
	char *tmp_new = tu_join(store_path(s), "tmp/blob.1.3.new");
	tu_write_file(tmp_old, "x", 1);
	tu_write_file(tmp_new, "y", 1);
	age_path(tmp_old, 7200);
	/* an overlay-like scratch dir two days old, with an unreadable work dir */
	char *run = tu_join(store_scratch_path(s), "run.old");
	char *upper = tu_join(run, "upper");
	char *work = tu_join(run, "work");
	char *inner = tu_join(work, "work");
	char *file = tu_join(upper, "f");
	cr_assert_eq(mkdir(run, 0700), 0);
	cr_assert_eq(mkdir(upper, 0700), 0);
	cr_assert_eq(mkdir(work, 0700), 0);
	cr_assert_eq(mkdir(inner, 0700), 0);
	tu_write_file(file, "z", 1);
	cr_assert_eq(chmod(inner, 0), 0);
	age_path(upper, 2 * 86400);
	age_path(work, 2 * 86400);
	age_path(run, 2 * 86400);
	char *run_new = tu_join(store_scratch_path(s), "run.new");
	cr_assert_eq(mkdir(run_new, 0700), 0);
	/* as old, but held by a run that is still going (quietly) */
	char *run_held = tu_join(store_scratch_path(s), "run.held");
	char *held_upper = tu_join(run_held, "upper");
	cr_assert_eq(mkdir(run_held, 0700), 0);
	cr_assert_eq(mkdir(held_upper, 0700), 0);
	age_path(held_upper, 2 * 86400);
	age_path(run_held, 2 * 86400);
	int hold = store_scratch_hold(run_held);
	cr_assert_geq(hold, 0);

	struct store_gc_options o = { .grace_ns = -1 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.tmp_removed, 1);
	cr_assert_eq(rep.scratch_removed, 1);
	struct stat st;
	cr_assert_eq(lstat(tmp_old, &st), -1);
	cr_assert_eq(lstat(tmp_new, &st), 0);
	cr_assert_eq(lstat(run, &st), -1);
	cr_assert_eq(lstat(run_new, &st), 0);
	cr_assert_eq(lstat(held_upper, &st), 0, "a held scratch dir was removed");
	/* once its run is over, it is stale like any other */
	close(hold);
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.scratch_removed, 1);
	cr_assert_eq(lstat(run_held, &st), -1);
	cr_assert_eq(store_scratch_hold(run_held), -ENOENT);
	free(run_held);
	free(held_upper);
	free(tmp_old);
	free(tmp_new);
	free(run);
	free(upper);
	free(work);
	free(inner);
	free(file);
	free(run_new);
	store_close(s);
	tu_rmrf(dir);
}

/* Writers recording new traces (some re-recording content gc is
 * evicting) race a loop of gc with no grace: the index must never name a
 * missing blob, and every trace a writer recorded successfully and gc did
 * not drop must be whole. */
Test(gc, races_concurrent_writers, .timeout = 60)
{
	char *dir;
	store *s = open_store(&dir);
	char *path = strdup(store_path(s));
	store_close(s);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		cr_assert_geq(kids[k], 0);
		if (kids[k] == 0) {
			store *ws;
			if (store_open(path, STORE_NOSYNC, &ws) < 0)
				_exit(1);
			for (int i = 0; i < 150; i++) {
				char tag[32];
				/* few distinct contents: re-recording what gc evicts */
				snprintf(tag, sizeof(tag), "w%d-%d", k, i % 10);
				char out[64];
				int n = snprintf(out, sizeof(out), "content %d", i % 7);
				struct store_input in = { .path = "/x", .kind = STORE_INPUT_ABSENT };
				struct store_trace t = { .n_inputs = 1, .inputs = &in, .start_ns = i };
				if (store_blob_put(ws, out, (size_t)n, &t.stdout_blob) < 0 ||
				    store_blob_put(ws, "", 0, &t.stderr_blob) < 0)
					_exit(2);
				t.stdout_size = (uint64_t)n;
				store_hash key;
				store_hash_bytes(tag, strlen(tag), &key);
				int r = store_record(ws, &key, &t, NULL, NULL, NULL);
				/* -ENOENT: gc removed the object between put and record */
				if (r < 0 && r != -ENOENT)
					_exit(3);
			}
			store_close(ws);
			_exit(0);
		}
	}
	cr_assert_eq(store_open(path, STORE_NOSYNC, &s), 0);
	int done = 0, rounds = 0;
	while (done < 2) {
		struct store_gc_options o = { .max_bytes = 30, .grace_ns = 0 };
		struct store_gc_report rep;
		cr_assert_eq(store_gc(s, &o, &rep), 0);
		cr_assert_eq(problems(s), 0, "inconsistent after gc round %d", rounds);
		rounds++;
		for (int k = 0; k < 2; k++) {
			int status;
			if (kids[k] > 0 && waitpid(kids[k], &status, WNOHANG) == kids[k]) {
				cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
					  "writer %d failed: %d", k, status);
				kids[k] = -1;
				done++;
			}
		}
	}
	cr_assert_eq(problems(s), 0);
	store_close(s);
	free(path);
	tu_rmrf(dir);
}

Test(gc, rejects_bad_options_and_read_only)
{
	char *dir;
	store *s = open_store(&dir);
	char *path = strdup(store_path(s));
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, NULL, &rep), -EINVAL);
	struct store_gc_options bad = { .older_than_ns = -5 };
	cr_assert_eq(store_gc(s, &bad, &rep), -EINVAL);
	store_close(s);
	cr_assert_eq(store_open(path, STORE_RDONLY, &s), 0);
	struct store_gc_options o = { .grace_ns = 0 };
	cr_assert_eq(store_gc(s, &o, &rep), -EROFS);
	o.dry_run = true;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	store_close(s);
	free(path);
	tu_rmrf(dir);
}

/* ---- fsck repair ----------------------------------------------------------------- */

Test(repair, drops_traces_with_missing_or_corrupt_blobs)
{
	char *dir;
	store *s = open_store(&dir);
	store_hash good = record(s, "good", 100);
	store_hash gone = record(s, "gone", 200);
	store_hash bad = record(s, "bad", 300);
	store_txn *txn;
	struct store_trace *tg, *tb;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_trace_get(txn, &gone, &tg), 0);
	cr_assert_eq(store_trace_get(txn, &bad, &tb), 0);
	store_read_end(txn);
	char p[4096];
	cr_assert_eq(store_blob_path(s, &tg->stdout_blob, p, sizeof(p)), 0);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(store_blob_path(s, &tb->stdout_blob, p, sizeof(p)), 0);
	cr_assert_eq(chmod(p, 0644), 0);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "XX", 2, 10), 2); /* same size, other content */
	close(fd);
	/* a malformed blobs record and a dangling action entry */
	store_hash junk;
	store_hash_bytes("junk", 4, &junk);
	tu_raw_put(store_path(s), "blobs", junk.bytes, 16, "short", 5);
	store_trace_free(tg);
	store_trace_free(tb);

	cr_assert_geq(problems(s), 3);
	struct store_repair_report rep;
	cr_assert_eq(store_fsck_repair(s, STORE_FSCK_HASH, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 2);
	cr_assert_eq(rep.ids_dropped, 2);
	cr_assert_eq(rep.actions_dropped, 2);
	cr_assert_eq(rep.records_dropped, 1);
	cr_assert_eq(rep.objects_removed, 1);
	cr_assert_eq(problems(s), 0);
	cr_assert(has_trace(s, &good));
	cr_assert_not(has_trace(s, &gone));
	cr_assert_not(has_trace(s, &bad));
	store_close(s);
	tu_rmrf(dir);
}

/* A trace whose stdout was recorded by hash only (issue 15) names no
 * object for it: recorded without one, consistent for fsck (counted, not a
 * problem), kept by repair and by gc, exported without it. */
Test(gc, hash_only_stdout_needs_no_object)
{
	char *dir;
	store *s = open_store(&dir);
	struct store_input in = { .path = "/etc/hostname", .kind = STORE_INPUT_ABSENT };
	struct store_trace t = { .n_inputs = 1, .inputs = &in, .start_ns = 1, .duration_ns = 1,
				 .stdout_size = 1 << 20, .flags = STORE_TRACE_STDOUT_HASH_ONLY };
	store_hash_bytes("never stored", 12, &t.stdout_blob);
	cr_assert_eq(store_blob_put(s, "", 0, &t.stderr_blob), 0);
	store_hash key, id;
	store_hash_bytes("hash-only", 9, &key);
	cr_assert_eq(store_record(s, &key, &t, NULL, &id, NULL), 0);
	/* without the flag the same trace is refused: its blob is missing */
	struct store_trace full = t;
	full.flags = 0;
	store_hash key2, id2;
	store_hash_bytes("full", 4, &key2);
	cr_assert_neq(store_record(s, &key2, &full, NULL, &id2, NULL), 0);
	store_hash other = record(s, "other", 100);

	struct store_fsck_report fr;
	cr_assert_eq(store_fsck(s, STORE_FSCK_HASH, NULL, NULL, &fr), 0);
	cr_assert_eq(fr.problems, 0);
	cr_assert_eq(fr.hash_only, 1);
	struct store_repair_report rr;
	cr_assert_eq(store_fsck_repair(s, STORE_FSCK_HASH, &rr), 0);
	cr_assert_eq(rr.traces_dropped, 0);
	cr_assert(has_trace(s, &id));
	struct store_gc_options o = { .grace_ns = 0 };
	struct store_gc_report gr;
	cr_assert_eq(store_gc(s, &o, &gr), 0);
	cr_assert_eq(gr.traces_dropped, 0);
	cr_assert(has_trace(s, &id));
	cr_assert(has_trace(s, &other));
	cr_assert_eq(problems(s), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(repair, reindexes_blobs_of_kept_traces)
{
	char *dir;
	store *s = open_store(&dir);
	store_hash id = record(s, "keep", 64);
	store_txn *txn;
	struct store_trace *t;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_trace_get(txn, &id, &t), 0);
	store_read_end(txn);
	/* metadata with the wrong size */
	uint8_t meta[16] = { 1 };
	tu_raw_put(store_path(s), "blobs", t->stdout_blob.bytes, 16, meta, 16);
	store_trace_free(t);
	cr_assert_eq(problems(s), 1);
	struct store_repair_report rep;
	cr_assert_eq(store_fsck_repair(s, 0, &rep), 0);
	cr_assert_eq(rep.blobs_reindexed, 1);
	cr_assert_eq(rep.traces_dropped, 0);
	cr_assert_eq(problems(s), 0);
	cr_assert(has_trace(s, &id));
	store_close(s);
	tu_rmrf(dir);
}

Test(gc, history_without_traces)
{
	char *dir;
	store *s = open_store(&dir);
	/* runs naming traces that do not exist (dropped, or never recorded) */
	struct store_run run = { .start_ns = 1, .outcome = STORE_RUN_HIT };
	store_hash_bytes("gone", 4, &run.trace_id);
	cr_assert_eq(store_run_add(s, &run, NULL), 0);
	struct store_run nr = { .start_ns = 2, .outcome = STORE_RUN_NOT_RECORDED, .reason = "x" };
	cr_assert_eq(store_run_add(s, &nr, NULL), 0);
	struct store_gc_options o = { .grace_ns = 0, .max_bytes = 1 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces, 0);
	record(s, "one", 10);
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_eq(rep.traces_dropped, 1);
	cr_assert_eq(problems(s), 0);
	store_close(s);
	tu_rmrf(dir);
}
