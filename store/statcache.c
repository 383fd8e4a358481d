/* statcache.c - (dev, inode, size, mtime, ctime, mode) -> content hash.
 *
 * Key: dev u64, ino u64 (LE). Value (56 bytes, LE): size u64, mtime_ns
 * i64, ctime_ns i64, mode u32, kind u8, epoch u24, recorded_ns i64,
 * hash 16. An entry is trusted only in the epoch it was recorded in: the
 * epoch is bumped when the machine may have gone down with unsynced
 * objects (durable.c), so that every file is hashed again once.
 *
 * The racy rule. File timestamps come from a coarse clock (one kernel tick
 * behind real time at most), so a write landing in the same tick as an
 * earlier one can leave mtime unchanged. An entry is recorded with the time
 * hashing STARTED (recorded_ns) and trusted only when the file's mtime and
 * ctime are at least STORE_RACY_NS older than that: then any later write
 * must carry a newer timestamp and the stat no longer matches. Entries that
 * would be racy are not recorded at all; the file is hashed each time until
 * its timestamps are old enough. A file whose stat changes while it is
 * hashed is not recorded either. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "store/internal.h"

#define KEY_LEN 16
#define VAL_LEN 56

struct stat_update {
	uint8_t key[KEY_LEN];
	uint8_t val[VAL_LEN];
};

struct store_stat_updates {
	struct stat_update *v;
	size_t n, cap;
};

int store_stat_updates_new(store_stat_updates **ret)
{
	store_stat_updates *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	*ret = u;
	return 0;
}

void store_stat_updates_clear(store_stat_updates *u)
{
	u->n = 0;
}

size_t store_stat_updates_count(const store_stat_updates *u)
{
	return u ? u->n : 0;
}

void store_stat_updates_free(store_stat_updates *u)
{
	if (!u)
		return;
	free(u->v);
	free(u);
}

/* Room for one more entry in u. */
static int reserve(store_stat_updates *u)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		struct stat_update *nv = reallocarray(u->v, cap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		u->v = nv;
		u->cap = cap;
	}
	return 0;
}

/* Entries take the epoch of the handle that writes them. */
static void put_epoch(uint8_t val[VAL_LEN], uint32_t epoch)
{
	val[29] = (uint8_t)epoch;
	val[30] = (uint8_t)(epoch >> 8);
	val[31] = (uint8_t)(epoch >> 16);
}

static uint32_t get_epoch(const uint8_t val[VAL_LEN])
{
	return (uint32_t)val[29] | (uint32_t)val[30] << 8 | (uint32_t)val[31] << 16;
}

static int flush_fn(store *s, MDB_txn *txn, void *arg)
{
	store_stat_updates *u = arg;
	for (size_t i = 0; i < u->n; i++) {
		put_epoch(u->v[i].val, s->stat_epoch);
		MDB_val k = { KEY_LEN, u->v[i].key }, v = { VAL_LEN, u->v[i].val };
		int rc = mdb_put(txn, s->db_stat, &k, &v, 0);
		if (rc)
			return rc;
	}
	return 0;
}

int store_stat_updates_flush(store *s, store_stat_updates *u)
{
	if (!u || u->n == 0)
		return store_check_usable(s);
	int r;
	if (s->batch) {
		/* with the batch's records, in its one commit */
		if (!s->batch_stat && (r = store_stat_updates_new(&s->batch_stat)) < 0)
			return r;
		for (size_t i = 0; i < u->n; i++) {
			if ((r = reserve(s->batch_stat)) < 0)
				return r;
			s->batch_stat->v[s->batch_stat->n++] = u->v[i];
		}
		u->n = 0;
		return 0;
	}
	r = store_write_txn(s, flush_fn, u);
	if (r == 0)
		u->n = 0;
	return r;
}

int store_stat_updates_defer(store *s, store_stat_updates *u)
{
	if (!u || u->n == 0)
		return 0;
	int r;
	if (!s->verified && (r = store_stat_updates_new(&s->verified)) < 0)
		return r;
	for (size_t i = 0; i < u->n; i++) {
		if ((r = reserve(s->verified)) < 0)
			return r;
		s->verified->v[s->verified->n++] = u->v[i];
	}
	u->n = 0;
	return 0;
}

int store_stat_batch_write(store *s, MDB_txn *txn)
{
	return s->batch_stat ? flush_fn(s, txn, s->batch_stat) : 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void make_key(const struct stat *st, uint8_t key[KEY_LEN])
{
	store_put_u64(key, (uint64_t)st->st_dev);
	store_put_u64(key + 8, (uint64_t)st->st_ino);
}

static void make_val(const struct stat *st, uint8_t kind, int64_t recorded_ns,
		     const store_hash *h, uint8_t val[VAL_LEN])
{
	memset(val, 0, VAL_LEN);
	store_put_u64(val, (uint64_t)st->st_size);
	store_put_u64(val + 8, (uint64_t)ts_ns(&st->st_mtim));
	store_put_u64(val + 16, (uint64_t)ts_ns(&st->st_ctim));
	store_put_u32(val + 24, (uint32_t)st->st_mode);
	val[28] = kind;
	store_put_u64(val + 32, (uint64_t)recorded_ns);
	memcpy(val + 40, h->bytes, STORE_HASH_SIZE);
}

bool store_stat_is_racy(const struct stat *st, int64_t recorded_ns)
{
	/* Both stamps on a whole second: a filesystem with coarse timestamps
	 * (FAT: 2 s, ext3/HFS+: 1 s), where a later write in the same second
	 * keeps the stamp. (On a nanosecond filesystem this is a 1 in 10^18
	 * coincidence, and only makes the check more careful.) */
	int64_t window = st->st_mtim.tv_nsec == 0 && st->st_ctim.tv_nsec == 0
				 ? STORE_RACY_COARSE_NS
				 : STORE_RACY_NS;
	return ts_ns(&st->st_mtim) > recorded_ns - window ||
	       ts_ns(&st->st_ctim) > recorded_ns - window;
}

/* The cached hash for st when the entry matches and is not racy. */
static bool lookup(store_txn *txn, const struct stat *st, uint8_t kind, store_hash *ret)
{
	uint8_t key[KEY_LEN];
	make_key(st, key);
	MDB_val k = { KEY_LEN, key }, v;
	if (mdb_get(txn->txn, txn->s->db_stat, &k, &v) != 0 || v.mv_size != VAL_LEN)
		return false;
	const uint8_t *p = v.mv_data;
	if (store_get_u64(p) != (uint64_t)st->st_size ||
	    store_get_u64(p + 8) != (uint64_t)ts_ns(&st->st_mtim) ||
	    store_get_u64(p + 16) != (uint64_t)ts_ns(&st->st_ctim) ||
	    store_get_u32(p + 24) != (uint32_t)st->st_mode || p[28] != kind ||
	    get_epoch(p) != txn->s->stat_epoch)
		return false;
	if (store_stat_is_racy(st, (int64_t)store_get_u64(p + 32)))
		return false;
	memcpy(ret->bytes, p + 40, STORE_HASH_SIZE);
	return true;
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mode == b->st_mode && ts_ns(&a->st_mtim) == ts_ns(&b->st_mtim) &&
	       ts_ns(&a->st_ctim) == ts_ns(&b->st_ctim);
}

static int add_update(store_stat_updates *u, const struct stat *st, uint8_t kind,
		      int64_t recorded_ns, const store_hash *h)
{
	int r = reserve(u);
	if (r < 0)
		return r;
	make_key(st, u->v[u->n].key);
	make_val(st, kind, recorded_ns, h, u->v[u->n].val);
	u->n++;
	return 0;
}

/* Hash an open file or directory whose stat was *expected; *ret_st gets
 * its stat after hashing, and *ret_stable is false when that differs from
 * *expected (it changed while being read, or the path was replaced between
 * the caller's stat and the open: the answer is then not cached). */
static int hash_open(int fd, bool dir, const struct stat *expected, store_hash *ret,
		     struct stat *ret_st, bool *ret_stable)
{
	int r = dir ? store_dir_listing_hash(fd, ".", ret)
		    : store_hash_fd_sized(fd, (uint64_t)expected->st_size, ret);
	if (r < 0)
		return r;
	if (fstat(fd, ret_st) < 0)
		return -errno;
	*ret_stable = same_stat(expected, ret_st);
	return 0;
}

int store_stat_answer(store_txn *txn, store_stat_updates *updates, int dirfd, const char *path,
		      int at_flags, const struct stat *st, struct store_path_state *ret)
{
	bool nofollow = at_flags & AT_SYMLINK_NOFOLLOW;
	struct store_path_state out = { .st = *st };
	if (S_ISLNK(out.st.st_mode)) {
		char target[STORE_MAX_PATH + 1];
		ssize_t n = readlinkat(dirfd, path, target, sizeof(target));
		if (n < 0)
			return -errno;
		if ((size_t)n > STORE_MAX_PATH)
			return STORE_ELIMIT;
		out.kind = STORE_INPUT_SYMLINK;
		store_hash_bytes(target, (size_t)n, &out.hash);
		*ret = out;
		return 0;
	}
	bool dir = S_ISDIR(out.st.st_mode);
	if (!dir && !S_ISREG(out.st.st_mode))
		return -ENODEV;
	out.kind = dir ? STORE_INPUT_DIR : STORE_INPUT_FILE;
	if (lookup(txn, &out.st, out.kind, &out.hash)) {
		out.cached = true;
		*ret = out;
		return 0;
	}

	int64_t started = store_now_ns();
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0) |
		     (dir ? O_DIRECTORY : 0);
	int fd = openat(dirfd, path, oflags);
	if (fd < 0)
		return errno == ENOTDIR && dir ? -EAGAIN : -errno;
	struct stat after;
	bool stable = false;
	int r = hash_open(fd, dir, &out.st, &out.hash, &after, &stable);
	close(fd);
	if (r < 0)
		return r;
	if ((after.st_mode & S_IFMT) != (out.st.st_mode & S_IFMT))
		return -EAGAIN; /* replaced by another type between stat and open */
	if (updates && stable && !store_stat_is_racy(&out.st, started) &&
	    (r = add_update(updates, &out.st, out.kind, started, &out.hash)) < 0)
		return r;
	out.st = after;
	*ret = out;
	return 0;
}

bool store_stat_cache_lookup(store_txn *txn, const struct stat *st, store_hash *ret)
{
	return lookup(txn, st, STORE_INPUT_FILE, ret);
}

int store_stat_cache_add(store_stat_updates *u, const struct stat *st, int64_t started_ns,
			 const store_hash *h)
{
	if (store_stat_is_racy(st, started_ns))
		return 0;
	return add_update(u, st, STORE_INPUT_FILE, started_ns, h);
}

int store_stat_verified_write(store *s, MDB_txn *txn)
{
	return s->verified ? flush_fn(s, txn, s->verified) : 0;
}

int store_stat_hash(store_txn *txn, store_stat_updates *updates, int dirfd, const char *path,
		    int at_flags, struct store_path_state *ret)
{
	if (!txn || !path || !ret)
		return -EINVAL;
	int r = store_check_forked(txn->s);
	if (r < 0)
		return r;
	struct stat st;
	if (fstatat(dirfd, path, &st, at_flags & AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return store_stat_answer(txn, updates, dirfd, path, at_flags, &st, ret);
}

int store_stat_hash_stat(store_txn *txn, store_stat_updates *updates, int dirfd,
			 const char *path, int at_flags, const struct stat *st,
			 struct store_path_state *ret)
{
	if (!txn || !path || !st || !ret)
		return -EINVAL;
	int r = store_check_forked(txn->s);
	if (r < 0)
		return r;
	return store_stat_answer(txn, updates, dirfd, path, at_flags, st, ret);
}

int store_path_hash(store *s, int dirfd, const char *path, int at_flags,
		    struct store_path_state *ret)
{
	store_txn *txn;
	int r = store_read_begin(s, &txn);
	if (r < 0)
		return r;
	store_stat_updates *u;
	if ((r = store_stat_updates_new(&u)) < 0) {
		store_read_end(txn);
		return r;
	}
	struct store_path_state st;
	r = store_stat_hash(txn, u, dirfd, path, at_flags, &st);
	store_read_end(txn);
	/* The cache is an optimization: a read-only or full store still
	 * answers, it just does not remember. */
	if (r == 0 && !(s->flags & STORE_RDONLY))
		(void)store_stat_updates_flush(s, u);
	store_stat_updates_free(u);
	if (r == 0)
		*ret = st;
	return r;
}
