/* test_store_concurrency.c - several processes writing one store at once,
 * and writers killed with SIGKILL at random moments.
 *
 * Both use tests/helpers/store_writer (built next to this binary), whose
 * record i of writer w has names and contents this file can re-derive. */
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "test_store_util.h"

extern char **environ;

static char *writer_path(void)
{
	char *dir = tu_exe_dir();
	char *p = tu_join(dir, "helpers/store_writer");
	free(dir);
	cr_assert_eq(access(p, X_OK), 0, "helper %s missing", p);
	return p;
}

static pid_t spawn_writer(const char *exe, const char *store_dir, long id, long count,
			  bool nosync, const char *map)
{
	char ids[32], counts[32];
	snprintf(ids, sizeof(ids), "%ld", id);
	snprintf(counts, sizeof(counts), "%ld", count);
	char *argv[8] = { (char *)exe, (char *)store_dir, ids, counts };
	int k = 4;
	if (nosync)
		argv[k++] = "nosync";
	if (map)
		argv[k++] = (char *)map;
	argv[k] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int r = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(r, 0, "spawn: %s", strerror(r));
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static store_hash hash_fmt2(const char *fmt_is_unique, long a, long b)
{
	char buf[128];
	int n = fmt_is_unique ? snprintf(buf, sizeof(buf), "unique %ld %ld", a, b)
			      : snprintf(buf, sizeof(buf), "shared %ld", a);
	store_hash h;
	store_hash_bytes(buf, (size_t)n, &h);
	return h;
}

/* Every object file must hash to its own name: no partial objects. */
static void check_objects(const char *store_dir, size_t *ret_count)
{
	char *objects = tu_join(store_dir, "objects");
	DIR *d = opendir(objects);
	cr_assert_not_null(d);
	struct dirent *de;
	size_t count = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *sub = tu_join(objects, de->d_name);
		DIR *d2 = opendir(sub);
		cr_assert_not_null(d2);
		struct dirent *e2;
		while ((e2 = readdir(d2))) {
			if (e2->d_name[0] == '.')
				continue;
			char hex[600];
			snprintf(hex, sizeof(hex), "%s%s", de->d_name, e2->d_name);
			store_hash want, got;
			cr_assert_eq(store_hash_from_hex(hex, strlen(hex), &want), 0, "bad name %s", hex);
			char *p = tu_join(sub, e2->d_name);
			cr_assert_eq(store_hash_file(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, &got, NULL), 0);
			cr_assert(store_hash_equal(&want, &got), "object %s is not its content", hex);
			free(p);
			count++;
		}
		closedir(d2);
		free(sub);
	}
	closedir(d);
	free(objects);
	*ret_count = count;
}

static void fsck_clean(const char *store_dir, unsigned flags, struct store_fsck_report *ret)
{
	store *s;
	int r = store_open(store_dir, STORE_NOSYNC, &s);
	cr_assert_eq(r, 0, "open after writers: %s", store_strerror(r));
	r = store_fsck(s, flags, NULL, NULL, ret);
	cr_assert_eq(r, 0, "fsck: %s", store_strerror(r));
	cr_assert_eq(ret->problems, 0, "fsck found %llu problems",
		     (unsigned long long)ret->problems);
	store_close(s);
}

/* A hung writer must fail the test, not hang the suite. (Criterion's own
 * .timeout leaks memory in its runner under --jobs 2, which LeakSanitizer
 * then reports, so a plain alarm is used.) */
#define WATCHDOG(seconds) alarm(seconds)

Test(concurrency, writers_lose_nothing)
{
	WATCHDOG(120);
	enum { WRITERS = 4, COUNT = 40 };
	char *dir = tu_tmpdir();
	char *exe = writer_path();
	pid_t pids[WRITERS];
	/* a tiny map, so every writer grows it while the others write */
	for (long w = 0; w < WRITERS; w++)
		pids[w] = spawn_writer(exe, dir, w, COUNT, w % 2 == 1, "map=65536");
	for (int w = 0; w < WRITERS; w++) {
		int st = wait_status(pids[w]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed (%d)", w, st);
	}

	store *s;
	cr_assert_eq(store_open(dir, STORE_RDONLY, &s), 0);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	for (long w = 0; w < WRITERS; w++)
		for (long i = 0; i < COUNT; i++) {
			store_hash key = hash_fmt2("u", w, i), *ids;
			size_t n;
			int r = store_action_traces(txn, &key, &ids, &n);
			cr_assert_eq(r, 0, "writer %ld record %ld lost: %s", w, i, store_strerror(r));
			cr_assert_eq(n, 1);
			struct store_trace *t;
			cr_assert_eq(store_trace_get(txn, &ids[0], &t), 0);
			free(ids);
			cr_assert_eq(t->exit_status, i % 3);
			cr_assert_eq(t->n_effects, 2);
			char want[64];
			snprintf(want, sizeof(want), "writer %ld record %ld\n", w, i);
			void *data;
			size_t len;
			cr_assert_eq(store_blob_read(s, &t->stderr_blob, 1 << 20, &data, &len), 0);
			cr_assert_eq(len, t->stderr_size);
			cr_assert_eq(memcmp(data, want, strlen(want)), 0);
			free(data);
			snprintf(want, sizeof(want), "imported %ld %ld\n", w, i);
			cr_assert_eq(store_blob_read(s, &t->effects[1].blob, 1 << 20, &data, &len), 0);
			cr_assert_str_eq(data, want);
			free(data);
			store_trace_free(t);
		}
	for (long j = 0; j < 4; j++) {
		store_hash key = hash_fmt2(NULL, j, 0), *ids;
		size_t n;
		int r = store_action_traces(txn, &key, &ids, &n);
		if (j != 0) {
			cr_assert_eq(r, -ENOENT);
			continue;
		}
		cr_assert_eq(r, 0);
		cr_assert_eq(n, STORE_MAX_TRACES_PER_ACTION); /* 4 writers x 10 records */
		for (size_t k = 0; k < n; k++) {
			struct store_trace *t;
			cr_assert_eq(store_trace_get(txn, &ids[k], &t), 0);
			store_trace_free(t);
		}
		free(ids);
	}
	store_read_end(txn);
	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_eq(st.runs, WRITERS * COUNT);
	cr_assert_eq(st.traces, WRITERS * COUNT);
	cr_assert_gt(st.map_size, 65536);
	store_close(s);

	struct store_fsck_report rep;
	fsck_clean(dir, STORE_FSCK_HASH, &rep);
	cr_assert_eq(rep.traces, WRITERS * COUNT);
	size_t objects;
	check_objects(dir, &objects);
	cr_assert_eq(objects, 8 + 3 * WRITERS * COUNT);
	char *tmp = tu_join(dir, "tmp"), *scratch = tu_join(dir, "scratch");
	DIR *d = opendir(tmp);
	struct dirent *de;
	while ((de = readdir(d)))
		cr_assert_eq(de->d_name[0], '.', "left in tmp: %s", de->d_name);
	closedir(d);
	free(tmp);
	free(scratch);
	free(exe);
	tu_rmrf(dir);
}

Test(concurrency, sigkill_at_random_points_leaves_consistent_store)
{
	WATCHDOG(180);
	enum { ITERATIONS = 120 };
	char *dir = tu_tmpdir();
	char *exe = writer_path();
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	srand(seed);
	uint64_t last_traces = 0;
	for (long it = 0; it < ITERATIONS; it++) {
		/* a writer that never stops, killed 0-30 ms after it starts
		 * (the first ones while the store is being created) */
		pid_t pid = spawn_writer(exe, dir, it, 0, rand() % 2, it % 7 == 0 ? "map=65536" : NULL);
		struct timespec ts = { 0, (long)(rand() % 30000) * 1000 };
		nanosleep(&ts, NULL);
		cr_assert_eq(kill(pid, SIGKILL), 0);
		int st = wait_status(pid);
		cr_assert(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) == 0),
			  "writer failed on its own (%d) at iteration %ld (seed %u)", st, it, seed);

		struct store_fsck_report rep;
		fsck_clean(dir, it % 20 == 19 ? STORE_FSCK_HASH : 0, &rep);
		cr_assert_geq(rep.traces, last_traces, "traces vanished (seed %u)", seed);
		last_traces = rep.traces;
		if (it % 40 == 39) {
			size_t objects;
			check_objects(dir, &objects);
			/* after kills (stale reader slots, a dead writer's
			 * lock) a new writer still completes */
			pid = spawn_writer(exe, dir, 100000 + it, 3, false, NULL);
			st = wait_status(pid);
			cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer after kills failed");
		}
	}
	cr_assert_gt(last_traces, 0, "no writer ever recorded anything");
	free(exe);
	tu_rmrf(dir);
}
