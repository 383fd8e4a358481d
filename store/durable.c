/* durable.c - which writes are synced, and what an unclean shutdown costs.
 *
 * Blobs of recorded runs, and blobs downloaded from a shared cache, can be
 * made again (re-run the command, fetch again), so they are written without
 * fdatasync: a lost or damaged one must only ever be a miss. Replay hashes
 * a blob before it uses it, except when the stat cache says this very file
 * (device, inode, size, mtime, ctime) was hashed before. After a kernel
 * crash or power loss an unsynced blob can come back with its inode intact
 * and its bytes not (zeros, stale blocks), and such an entry would vouch for
 * it. So:
 *
 * - index/unsynced (the mark) holds the boot id (/proc/sys/kernel/random/
 *   boot_id) under which unsynced objects were named. It is made durable
 *   before the first such object gets its name, under a shared flock taken
 *   around each such rename (store_unsynced_begin/end; when the lock is
 *   taken by a store_sync, the object is synced instead of waiting).
 * - Opening a store whose mark names another boot means the machine went
 *   down with that window open, cleanly or not. The opener bumps the stat
 *   cache's epoch (meta "statepoch"; each entry carries the epoch it was
 *   recorded in), durably, then empties the mark: every earlier entry, for
 *   objects and input files alike, is distrusted, so each is hashed again
 *   on first use, and a blob that no longer hashes to its name is removed
 *   and its hit becomes a miss.
 * - store_sync retires the window: under an exclusive flock (no rename of
 *   an unsynced object in flight), syncfs() the store's filesystem, then
 *   empty the mark. gc does it; a later unsynced write marks again.
 *
 * Under STORE_NOSYNC none of this is done (nothing is promised there). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store/internal.h"

#define MARK_PATH "index/unsynced"
#define BOOT_ID_LEN 36
#define EPOCH_KEY "statepoch"
/* epochs live in 3 bytes of a stat-cache entry */
#define EPOCH_MAX ((1u << 24) - 1)

static char boot_id[BOOT_ID_LEN + 1];
static int boot_id_err;
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void load_boot_id(void)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		boot_id_err = -errno;
		return;
	}
	ssize_t n = read(fd, boot_id, BOOT_ID_LEN);
	boot_id_err = n == BOOT_ID_LEN ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	if (boot_id_err == 0 && memchr(boot_id, '\n', BOOT_ID_LEN))
		boot_id_err = -EIO;
}

/* This boot's id (36 characters), or NULL when it cannot be read. */
static const char *current_boot(void)
{
	pthread_once(&boot_once, load_boot_id);
	return boot_id_err ? NULL : boot_id;
}

enum mark_state { MARK_CLEAN, MARK_THIS_BOOT, MARK_FOREIGN };

static int read_mark(int fd, enum mark_state *ret)
{
	char buf[BOOT_ID_LEN + 2];
	ssize_t n;
	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0) {
		*ret = MARK_CLEAN;
		return 0;
	}
	const char *boot = current_boot();
	/* anything else (another boot, a torn write, no boot id): foreign */
	*ret = boot && n == BOOT_ID_LEN + 1 && buf[BOOT_ID_LEN] == '\n' &&
			       memcmp(buf, boot, BOOT_ID_LEN) == 0
		       ? MARK_THIS_BOOT
		       : MARK_FOREIGN;
	return 0;
}

static int flock_retry(int fd, int op)
{
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int clear_mark(int fd)
{
	if (ftruncate(fd, 0) < 0 || fdatasync(fd) < 0)
		return -errno;
	return 0;
}

static uint32_t store_epoch_decode(const void *val, size_t len)
{
	if (len != 4)
		return 0;
	return store_get_u32(val) & EPOCH_MAX;
}

static int bump_fn(store *s, MDB_txn *txn, void *arg)
{
	uint32_t *ret = arg;
	MDB_val k = { sizeof(EPOCH_KEY) - 1, (void *)EPOCH_KEY }, v;
	int rc = mdb_get(txn, s->db_meta, &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	uint32_t e = rc == 0 ? store_epoch_decode(v.mv_data, v.mv_size) : 0;
	if (e < EPOCH_MAX) {
		e++;
	} else {
		/* out of epochs: empty the cache rather than trust epoch 0's
		 * entries again */
		if ((rc = mdb_drop(txn, s->db_stat, 0)) != 0)
			return rc;
		e = 0;
	}
	uint8_t buf[4];
	store_put_u32(buf, e);
	v = (MDB_val){ sizeof(buf), buf };
	if ((rc = mdb_put(txn, s->db_meta, &k, &v, 0)) != 0)
		return rc;
	*ret = e;
	return 0;
}

int store_epoch_read(MDB_txn *txn, MDB_dbi meta, uint32_t *ret)
{
	MDB_val k = { sizeof(EPOCH_KEY) - 1, (void *)EPOCH_KEY }, v;
	int rc = mdb_get(txn, meta, &k, &v);
	*ret = rc == 0 ? store_epoch_decode(v.mv_data, v.mv_size) : 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int read_epoch(store *s, uint32_t *ret)
{
	store_txn *t;
	int r = store_read_begin(s, &t);
	if (r < 0)
		return r;
	int rc = store_epoch_read(t->txn, s->db_meta, ret);
	store_read_end(t);
	return store_mdb_error(rc);
}


void store_durable_check(store *s)
{
	s->mark_fd = -1;
	s->mark_state = MARK_CLEAN;
	if (s->flags & STORE_NOSYNC)
		return;
	bool rdonly = s->flags & STORE_RDONLY;
	int fd = openat(s->dirfd, MARK_PATH, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW);
	/* no mark: never written unsynced (a writer makes it once the
	 * index opened: store_durable_recover) */
	enum mark_state m = MARK_CLEAN;
	if (fd < 0 && errno != ENOENT)
		m = MARK_FOREIGN; /* unreadable: assume the worst (see recover) */
	else if (fd >= 0 && read_mark(fd, &m) < 0)
		m = MARK_FOREIGN;
	s->mark_fd = fd;
	s->mark_state = m;
}

/* Make the mark of a store that has none (new, or made by an older shark):
 * empty, its name durable before any content it will get. */
static void create_mark(store *s)
{
	int fd = openat(s->dirfd, MARK_PATH, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			0600);
	if (fd >= 0) {
		int ifd = openat(s->dirfd, "index", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ifd < 0 || fsync(ifd) < 0) {
			close(fd); /* not durable: sync objects instead */
			fd = -1;
		}
		if (ifd >= 0)
			close(ifd);
	} else if (errno == EEXIST) {
		fd = openat(s->dirfd, MARK_PATH, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	s->mark_fd = fd;
}

int store_durable_recover(store *s)
{
	if (s->mark_fd < 0 && s->mark_state == MARK_CLEAN &&
	    !(s->flags & (STORE_RDONLY | STORE_NOSYNC)))
		create_mark(s);
	if (s->mark_state != MARK_FOREIGN)
		return 0;
	if ((s->flags & STORE_RDONLY) || s->mark_fd < 0) {
		/* cannot bump (or the mark is unreadable): trust no entry of
		 * the stat cache at all; objects are then synced as durable
		 * ones (store_unsynced_begin fails) */
		s->stat_epoch = STORE_EPOCH_NONE;
		return 0;
	}
	int r = flock_retry(s->mark_fd, LOCK_EX);
	if (r < 0)
		return r;
	enum mark_state m;
	if ((r = read_mark(s->mark_fd, &m)) < 0)
		goto out;
	if (m != MARK_FOREIGN) {
		/* another opener recovered meanwhile (its epoch is committed
		 * before the mark is emptied) */
		r = read_epoch(s, &s->stat_epoch);
		goto out;
	}
	uint32_t e = 0;
	if ((r = store_write_txn(s, bump_fn, &e)) < 0)
		goto out;
	/* MDB_NOMETASYNC left the commit's meta page unsynced: the bump
	 * must be durable before the mark that asks for it goes */
	if ((r = store_mdb_error(mdb_env_sync(s->env, 1))) < 0)
		goto out;
	s->stat_epoch = e;
	/* the mark may have looked foreign without a reboot (a boot id this
	 * process cannot read, a torn write): objects other processes named
	 * under it are then still unsynced and would go unmarked */
	if (syncfs(s->dirfd) < 0) {
		r = -errno;
		goto out;
	}
	r = clear_mark(s->mark_fd);
out:
	(void)flock_retry(s->mark_fd, LOCK_UN);
	s->mark_state = MARK_CLEAN;
	return r;
}

int store_unsynced_begin(store *s)
{
	if (s->mark_fd < 0)
		return -EBADF;
	const char *boot = current_boot();
	if (!boot)
		return -ENOENT;
	/* never wait for a store_sync in progress (a syncfs can take long):
	 * this object is then synced instead */
	int r = flock_retry(s->mark_fd, LOCK_SH | LOCK_NB);
	if (r < 0)
		return r;
	enum mark_state m;
	if ((r = read_mark(s->mark_fd, &m)) < 0)
		goto fail;
	if (m == MARK_THIS_BOOT)
		return 0;
	if (m == MARK_FOREIGN) { /* not recovered yet: write durably */
		r = -EAGAIN;
		goto fail;
	}
	/* Several writers may get here at once under the shared lock; they
	 * all write the same bytes. store_sync needs the exclusive lock, so
	 * it cannot empty the mark between this write and the rename. */
	char buf[BOOT_ID_LEN + 1];
	memcpy(buf, boot, BOOT_ID_LEN);
	buf[BOOT_ID_LEN] = '\n';
	ssize_t n;
	do
		n = pwrite(s->mark_fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(buf)) {
		r = n < 0 ? -errno : -EIO;
		goto fail;
	}
	if (fdatasync(s->mark_fd) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	(void)flock_retry(s->mark_fd, LOCK_UN);
	return r;
}

void store_unsynced_end(store *s)
{
	(void)flock_retry(s->mark_fd, LOCK_UN);
}

int store_sync(store *s)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	if (s->mark_fd < 0)
		return 0; /* STORE_NOSYNC: nothing is promised */
	if ((r = flock_retry(s->mark_fd, LOCK_EX)) < 0)
		return r;
	enum mark_state m;
	r = read_mark(s->mark_fd, &m);
	if (r == 0 && m == MARK_THIS_BOOT) {
		/* every unsynced object named so far, and its directory */
		if (syncfs(s->dirfd) < 0)
			r = -errno;
		else
			r = clear_mark(s->mark_fd);
	}
	(void)flock_retry(s->mark_fd, LOCK_UN);
	return r;
}

void store_durable_close(store *s)
{
	if (s->mark_fd >= 0)
		close(s->mark_fd);
	s->mark_fd = -1;
}
