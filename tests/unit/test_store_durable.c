/* test_store_durable.c - unsynced objects and the unclean-shutdown rule
 * (store/durable.c, docs/store.md "Durability").
 *
 * A power loss can leave an object that was named without a sync with its
 * inode intact (size, mtime, ctime) and its bytes lost. A process cannot
 * make that happen, so these tests build its aftermath: the object's bytes
 * are replaced by same-size garbage, the stat-cache entry that vouched for
 * the object before the crash is rewritten to match the file as it is now
 * (what a crash that kept the inode leaves), and index/unsynced is made to
 * name another boot. The store must then hash the object again and treat
 * it as missing, never hand out the garbage. */
#include <sys/file.h>
#include <time.h>

#include "test_store_util.h"

#define FOREIGN_BOOT "00000000-1111-2222-3333-444444444444\n"

static void current_boot(char out[37])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(read(fd, out, 36), 36);
	out[36] = '\0';
	close(fd);
}

/* The mark's content ("" when empty). */
static char *read_mark(const char *dir)
{
	char *p = tu_join(dir, "index/unsynced");
	static char buf[128];
	memset(buf, 0, sizeof(buf));
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		cr_assert_geq(read(fd, buf, sizeof(buf) - 1), 0);
		close(fd);
	}
	free(p);
	return buf;
}

static void write_mark(const char *dir, const char *text)
{
	char *p = tu_join(dir, "index/unsynced");
	tu_write_file(p, text, strlen(text));
	free(p);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* The stat-cache entry a crash that kept path's inode would leave: path's
 * stat as it is now, naming h, recorded well after its timestamps (so not
 * racy) in the store's current epoch. The store must be closed (LMDB
 * allows one environment per process). */
static void forge_stat_entry(const char *dir, const char *path, const store_hash *h)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	char *index = tu_join(dir, "index");
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, stat_db;
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	cr_assert_eq(mdb_env_open(env, index, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	cr_assert_eq(mdb_dbi_open(txn, "statcache", 0, &stat_db), 0);
	uint32_t epoch = 0;
	MDB_val ek = { 9, (void *)"statepoch" }, ev;
	if (mdb_get(txn, meta, &ek, &ev) == 0 && ev.mv_size == 4)
		memcpy(&epoch, ev.mv_data, 4); /* little-endian host */
	uint8_t key[16], val[56] = { 0 };
	put_le(key, (uint64_t)st.st_dev, 8);
	put_le(key + 8, (uint64_t)st.st_ino, 8);
	int64_t newest = ns(&st.st_mtim) > ns(&st.st_ctim) ? ns(&st.st_mtim) : ns(&st.st_ctim);
	put_le(val, (uint64_t)st.st_size, 8);
	put_le(val + 8, (uint64_t)ns(&st.st_mtim), 8);
	put_le(val + 16, (uint64_t)ns(&st.st_ctim), 8);
	put_le(val + 24, st.st_mode, 4);
	val[28] = STORE_INPUT_FILE;
	put_le(val + 29, epoch, 3);
	put_le(val + 32, (uint64_t)(newest + 10 * 1000000000LL), 8);
	memcpy(val + 40, h->bytes, STORE_HASH_SIZE);
	MDB_val k = { sizeof(key), key }, v = { sizeof(val), val };
	cr_assert_eq(mdb_put(txn, stat_db, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(index);
}

/* Set the store's stat-cache epoch (the store must be closed). */
static void set_epoch(const char *dir, uint32_t epoch)
{
	char *index = tu_join(dir, "index");
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	cr_assert_eq(mdb_env_open(env, index, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	uint8_t buf[4];
	put_le(buf, epoch, 4);
	MDB_val k = { 9, (void *)"statepoch" }, v = { sizeof(buf), buf };
	cr_assert_eq(mdb_put(txn, meta, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(index);
}

/* Same-size garbage over an object (0444: made writable for the write). */
static void overwrite(const char *path, const char *garbage)
{
	cr_assert_eq(chmod(path, 0644), 0);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, garbage, strlen(garbage), 0), (ssize_t)strlen(garbage));
	close(fd);
	cr_assert_eq(chmod(path, 0444), 0);
}

static store *open_store(const char *dir, unsigned flags)
{
	store *s;
	int r = store_open(dir, flags, &s);
	cr_assert_eq(r, 0, "open: %s", store_strerror(r));
	return s;
}

Test(durable, an_object_damaged_by_a_crash_is_a_miss_not_a_replay)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir, 0);
	const char *text = "the recorded run's output\n", *garbage = "&&&&&&&&&&&&&&&&&&&&&&&&&\n";
	cr_assert_eq(strlen(text), strlen(garbage));
	store_hash h;
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	/* named unsynced: the mark names this boot */
	char boot[37];
	current_boot(boot);
	char want[40];
	snprintf(want, sizeof(want), "%s\n", boot);
	cr_assert_str_eq(read_mark(dir), want);
	int fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), 0);
	close(fd);
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	store_close(s); /* the verification is remembered */

	/* the power loss: bytes gone, inode and stat-cache entry kept, and
	 * the mark names the boot that is gone */
	overwrite(path, garbage);
	forge_stat_entry(dir, path, &h);
	write_mark(dir, FOREIGN_BOOT);

	s = open_store(dir, 0);
	cr_assert_str_eq(read_mark(dir), "", "recovery empties the mark");
	fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), STORE_ECORRUPT,
		     "the damaged object must not be replayed");
	cr_assert_eq(fd, -1);
	cr_assert_eq(access(path, F_OK), -1, "the damaged object is removed");
	/* the re-run stores it again */
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), 0);
	char buf[64] = { 0 };
	cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t)strlen(text));
	cr_assert_str_eq(buf, text);
	close(fd);
	store_close(s);
	tu_rmrf(dir);
}

Test(durable, a_truncated_object_is_a_miss)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir, 0);
	const char *text = "some output that a crash cuts short\n";
	store_hash h;
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	store_close(s);
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(truncate(path, 5), 0);
	cr_assert_eq(chmod(path, 0444), 0);
	write_mark(dir, FOREIGN_BOOT);
	s = open_store(dir, 0);
	int fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), STORE_ECORRUPT);
	store_close(s);
	tu_rmrf(dir);
}

/* Input files written just before the crash are no safer than objects:
 * the epoch bump distrusts their entries too. */
Test(durable, input_file_entries_are_hashed_again_after_another_boot)
{
	char *dir = tu_tmpdir();
	char *f = tu_join(dir, "input.txt");
	tu_write_file(f, "current bytes\n", 14);
	store *s = open_store(dir, 0);
	store_hash real, stale;
	cr_assert_eq(store_hash_file(AT_FDCWD, f, 0, &real, NULL), 0);
	store_hash_bytes("lost bytes!!!\n", 14, &stale);
	cr_assert_eq(store_blob_put(s, "x", 1, NULL), 0); /* opens the window */
	store_close(s);
	forge_stat_entry(dir, f, &stale);

	/* same boot: the entry is what the cache is for (no read) */
	s = open_store(dir, 0);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(ps.cached && store_hash_equal(&ps.hash, &stale));
	store_close(s);

	write_mark(dir, FOREIGN_BOOT);
	s = open_store(dir, 0);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(!ps.cached, "an entry of the old epoch is not trusted");
	cr_assert(store_hash_equal(&ps.hash, &real));
	store_close(s);
	free(f);
	tu_rmrf(dir);
}

/* A read-only opener cannot bump the epoch: it trusts no entry at all. */
Test(durable, read_only_open_after_another_boot_trusts_no_entry)
{
	char *dir = tu_tmpdir();
	char *f = tu_join(dir, "input.txt");
	tu_write_file(f, "current bytes\n", 14);
	store *s = open_store(dir, 0);
	store_hash real, stale;
	cr_assert_eq(store_hash_file(AT_FDCWD, f, 0, &real, NULL), 0);
	store_hash_bytes("lost bytes!!!\n", 14, &stale);
	store_close(s);
	forge_stat_entry(dir, f, &stale);
	write_mark(dir, FOREIGN_BOOT);
	s = open_store(dir, STORE_RDONLY);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(!ps.cached && store_hash_equal(&ps.hash, &real));
	store_close(s);
	cr_assert_str_eq(read_mark(dir), FOREIGN_BOOT, "left for a writer to recover");
	free(f);
	tu_rmrf(dir);
}

/* store_sync (and gc) retire the window: the next boot trusts the cache. */
Test(durable, store_sync_retires_the_window)
{
	char *dir = tu_tmpdir();
	char *f = tu_join(dir, "input.txt");
	tu_write_file(f, "current bytes\n", 14);
	store *s = open_store(dir, 0);
	cr_assert_eq(store_blob_put(s, "one", 3, NULL), 0);
	cr_assert_neq(read_mark(dir)[0], '\0');
	cr_assert_eq(store_sync(s), 0);
	cr_assert_str_eq(read_mark(dir), "");
	cr_assert_eq(store_blob_put(s, "two", 3, NULL), 0);
	cr_assert_neq(read_mark(dir)[0], '\0', "a new unsynced object marks again");
	struct store_gc_options o = { .grace_ns = -1 };
	struct store_gc_report rep;
	cr_assert_eq(store_gc(s, &o, &rep), 0);
	cr_assert_str_eq(read_mark(dir), "", "gc retires it");
	store_close(s);

	/* retired: an entry made before the reboot stays trusted */
	store_hash real;
	cr_assert_eq(store_hash_file(AT_FDCWD, f, 0, &real, NULL), 0);
	forge_stat_entry(dir, f, &real);
	s = open_store(dir, 0);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(ps.cached);
	store_close(s);
	free(f);
	tu_rmrf(dir);
}

/* The epoch has 24 bits: the bump after the last one empties the cache
 * instead of coming back to epoch 0, whose entries may be stale. */
Test(durable, out_of_epochs_empties_the_cache)
{
	char *dir = tu_tmpdir();
	char *f = tu_join(dir, "input.txt");
	tu_write_file(f, "current bytes\n", 14);
	store *s = open_store(dir, 0);
	store_hash real, stale;
	cr_assert_eq(store_hash_file(AT_FDCWD, f, 0, &real, NULL), 0);
	store_hash_bytes("lost bytes!!!\n", 14, &stale);
	store_close(s);
	forge_stat_entry(dir, f, &stale); /* epoch 0 */
	set_epoch(dir, (1u << 24) - 1);
	write_mark(dir, FOREIGN_BOOT);
	s = open_store(dir, 0);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(!ps.cached && store_hash_equal(&ps.hash, &real));
	store_close(s);
	free(f);
	tu_rmrf(dir);
}

/* Under STORE_NOSYNC nothing is promised and nothing is marked. */
Test(durable, nosync_store_keeps_no_mark)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir, STORE_NOSYNC);
	cr_assert_eq(store_blob_put(s, "one", 3, NULL), 0);
	cr_assert_str_eq(read_mark(dir), "");
	store_close(s);
	tu_rmrf(dir);
}
