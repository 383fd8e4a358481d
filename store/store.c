/* store.c - opening and closing a store, the LMDB environment, transactions
 * (with map growth) and error codes.
 *
 * The environment lives in <store>/index/. It is opened with MDB_NOTLS (a
 * read txn is an object, not a per-thread slot) and, unless STORE_NOSYNC,
 * MDB_NOMETASYNC: each commit fdatasyncs the data pages but not the meta
 * page, so a power loss can undo the last transaction but never corrupts the
 * B-trees. A process crash loses nothing committed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 20)
#define MIN_MAP_SIZE ((size_t)64 << 10)
#define MAX_READERS 510
#define MAX_TXN_RETRIES 48

/* ---- small helpers ------------------------------------------------------- */

int64_t store_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void store_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t store_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void store_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t store_get_u32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* ---- errors -------------------------------------------------------------- */

int store_mdb_error(int rc)
{
	if (rc >= 0)
		return -rc;
	if (rc < MDB_KEYEXIST || rc > MDB_LAST_ERRCODE)
		return rc; /* already ours or -errno */
	switch (rc) {
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
		return -EAGAIN;
	case MDB_VERSION_MISMATCH:
		return STORE_EVERSION;
	case MDB_BAD_RSLOT:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI:
		return -EINVAL;
	default: /* CORRUPTED, PAGE_NOTFOUND, PANIC, INVALID, INCOMPATIBLE, ... */
		return STORE_ECORRUPT;
	}
}

const char *store_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case STORE_ECORRUPT:
		return "store is corrupt (index or blob does not match)";
	case STORE_EVERSION:
		return "store was written by another format version (this shark cannot use it: "
		       "move it away or remove it, a new one is created)";
	case STORE_EFORK:
		return "store handle used in a forked child";
	case STORE_EBADTRACE:
		return "malformed trace record";
	case STORE_ELIMIT:
		return "store size limit exceeded";
	case STORE_EKEY:
		return "hash key mismatch: the store's key file is missing or changed, or "
		       "SHARK_HASH_KEY_FILE (or a bundle) holds another store's key";
	case STORE_ECOLLISION:
		return "hash collision: other content has the hash of an existing object";
	}
	if (err < 0 && err > -4096) {
		const char *d = strerrordesc_np(-err);
		if (d)
			return d;
	}
	return "unknown store error";
}

/* Fork detection. getpid() is a system call, which costs microseconds on
 * machines with page-table isolation, too much for every stat-cache lookup.
 * A pthread_atfork child handler bumps a generation counter instead; that
 * covers fork() and posix_spawn-free children made through glibc. Entry
 * points that are not per-lookup (opening a txn, writing, blobs) also
 * compare pids, which covers children made with raw clone(). */
static _Atomic unsigned fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
	fork_generation++;
}

static void register_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, on_fork_child);
}

int store_check_forked(const store *s)
{
	if (!s)
		return -EINVAL;
	if (s->fork_generation != fork_generation)
		return STORE_EFORK;
	return 0;
}

int store_check_usable(const store *s)
{
	int r = store_check_forked(s);
	if (r == 0 && getpid() != s->pid)
		r = STORE_EFORK;
	return r;
}

/* ---- location ------------------------------------------------------------ */

static int join(const char *a, const char *b, char **ret)
{
	char *p;
	if (asprintf(&p, "%s/%s", a, b) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int store_default_path(char **ret)
{
	const char *e = getenv("SHARK_STORE");
	char *p;
	if (e && *e) {
		p = strdup(e);
		if (!p)
			return -ENOMEM;
		*ret = p;
		return 0;
	}
	e = getenv("XDG_CACHE_HOME");
	if (e && e[0] == '/')
		return join(e, "shark", ret);
	e = getenv("HOME");
	if (e && *e)
		return join(e, ".cache/shark", ret);
	return -ENOENT;
}

/* mkdir -p with mode 0700 for every component created. */
static int mkdir_parents(const char *path)
{
	size_t len = strlen(path);
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, len + 1);
	int r = 0;
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		buf[i] = c;
	}
	free(buf);
	if (r == 0) {
		struct stat st;
		if (stat(path, &st) < 0)
			r = -errno;
		else if (!S_ISDIR(st.st_mode))
			r = -ENOTDIR;
	}
	return r;
}

static int open_subdir(store *s, const char *name, bool create, int *ret_fd)
{
	if (create && mkdirat(s->dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/* ---- the hash key ---------------------------------------------------------- */

/* Read exactly STORE_KEY_SIZE bytes from the regular file dirfd/path.
 * -ENOENT, -EINVAL (another size or type), -errno. */
static int read_key(int dirfd, const char *path, uint8_t key[STORE_KEY_SIZE])
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size != STORE_KEY_SIZE)
		r = -EINVAL;
	size_t got = 0;
	while (r == 0 && got < STORE_KEY_SIZE) {
		ssize_t n = read(fd, key + got, STORE_KEY_SIZE - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EINVAL;
		else
			got += (size_t)n;
	}
	close(fd);
	return r;
}

/* Write a new store's key file (mode 0600) without ever showing a partial
 * one: a temp file linked to its name. Another creator that got there first
 * wins (-EEXIST: read theirs). */
static int create_key(store *s, const uint8_t key[STORE_KEY_SIZE])
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", STORE_KEY_FILE, (long)getpid());
	(void)unlinkat(s->dirfd, tmp, 0);
	int fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int r = store_write_all(fd, key, STORE_KEY_SIZE);
	if (r == 0 && !(s->flags & STORE_NOSYNC) && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && linkat(s->dirfd, tmp, s->dirfd, STORE_KEY_FILE, 0) < 0)
		r = -errno;
	(void)unlinkat(s->dirfd, tmp, 0);
	if (r == 0 && !(s->flags & STORE_NOSYNC) && fsync(s->dirfd) < 0)
		r = -errno;
	return r;
}

/* The key a new store should get: from key_file (or $SHARK_HASH_KEY_FILE),
 * else random. -EINVAL for a key file of the wrong size. */
static int new_key(const char *key_file, uint8_t key[STORE_KEY_SIZE])
{
	if (key_file)
		return read_key(AT_FDCWD, key_file, key);
	size_t got = 0;
	while (got < STORE_KEY_SIZE) {
		ssize_t n = getrandom(key + got, STORE_KEY_SIZE - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

static const char KEY_FP_TEXT[] = "shark store hash key fingerprint 1";

/* Load the store's key, creating it for a new store (fresh: no index yet),
 * check it against key_file when one is given, and install it. */
static int load_key(store *s, bool fresh, const char *key_file)
{
	uint8_t key[STORE_KEY_SIZE], want[STORE_KEY_SIZE];
	int r = read_key(s->dirfd, STORE_KEY_FILE, key);
	if (r == -ENOENT && fresh && !(s->flags & STORE_RDONLY)) {
		if ((r = new_key(key_file, key)) < 0)
			return r == -ENOENT || r == -EINVAL ? STORE_EKEY : r;
		r = create_key(s, key);
		if (r == -EEXIST)
			r = read_key(s->dirfd, STORE_KEY_FILE, key);
	}
	if (r == -ENOENT && fresh && (s->flags & STORE_RDONLY))
		return -ENOENT; /* no store here yet */
	if (r == -ENOENT && !fresh)
		return 0; /* a store of format 1, or a lost key: open_dbis tells */
	if (r == -ENOENT || r == -EINVAL)
		return STORE_EKEY;
	if (r < 0)
		return r;
	if (key_file) {
		if ((r = read_key(AT_FDCWD, key_file, want)) < 0)
			return r == -ENOENT || r == -EINVAL ? STORE_EKEY : r;
		if (memcmp(key, want, STORE_KEY_SIZE) != 0)
			return STORE_EKEY;
	}
	if ((r = store_hash_key_install(key)) < 0)
		return r;
	s->key_installed = true;
	store_hash_bytes(KEY_FP_TEXT, sizeof(KEY_FP_TEXT) - 1, &s->key_fp);
	return 0;
}

void store_key_fingerprint(const store *s, store_hash *ret)
{
	*ret = s->key_fp;
}

/* ---- LMDB environment ------------------------------------------------------ */

static const char FORMAT_KEY[] = "format";
static const char KEYFP_KEY[] = "keyfp";

static int adopt_map_size(store *s);

static int open_dbis(store *s, bool create)
{
	MDB_txn *txn;
	unsigned dflags = create ? MDB_CREATE : 0;
	int rc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return rc;
	/* meta first: a store of another format is refused before anything
	 * else is looked for in it (it may lack databases added since) */
	rc = mdb_dbi_open(txn, "meta", dflags, &s->db_meta);
	if (rc)
		goto fail;
	MDB_val k = { sizeof(FORMAT_KEY) - 1, (void *)FORMAT_KEY }, v;
	rc = mdb_get(txn, s->db_meta, &k, &v);
	if (rc == MDB_NOTFOUND && create) {
		uint8_t ver[4];
		store_put_u32(ver, STORE_FORMAT_VERSION);
		v.mv_size = 4;
		v.mv_data = ver;
		rc = mdb_put(txn, s->db_meta, &k, &v, 0);
		if (rc)
			goto fail;
	} else if (rc) {
		goto fail;
	} else if (v.mv_size != 4) {
		rc = MDB_CORRUPTED;
		goto fail;
	} else if (store_get_u32(v.mv_data) != STORE_FORMAT_VERSION) {
		mdb_txn_abort(txn);
		return STORE_EVERSION;
	}
	struct {
		const char *name;
		MDB_dbi *dbi;
	} dbs[] = {
		{ "actions", &s->db_actions }, { "traces", &s->db_traces },
		{ "statcache", &s->db_stat },  { "blobs", &s->db_blobs },
		{ "runs", &s->db_runs },       { "origins", &s->db_origins },
	};
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		rc = mdb_dbi_open(txn, dbs[i].name, dflags, dbs[i].dbi);
		if (rc)
			goto fail;
	}
	/* the index was hashed with one key: the key file must be that one */
	if (!s->key_installed) {
		mdb_txn_abort(txn);
		return STORE_EKEY;
	}
	MDB_val fk = { sizeof(KEYFP_KEY) - 1, (void *)KEYFP_KEY };
	rc = mdb_get(txn, s->db_meta, &fk, &v);
	if (rc == MDB_NOTFOUND && create) {
		v.mv_size = STORE_HASH_SIZE;
		v.mv_data = s->key_fp.bytes;
		rc = mdb_put(txn, s->db_meta, &fk, &v, 0);
		if (rc)
			goto fail;
	} else if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return STORE_EKEY;
	} else if (rc) {
		goto fail;
	} else if (v.mv_size != STORE_HASH_SIZE ||
		   memcmp(v.mv_data, s->key_fp.bytes, STORE_HASH_SIZE) != 0) {
		mdb_txn_abort(txn);
		return STORE_EKEY;
	}
	/* read after the unsynced mark (store_durable_check): an opener
	 * recovering from another boot commits its epoch before it empties
	 * the mark */
	if ((rc = store_epoch_read(txn, s->db_meta, &s->stat_epoch)) != 0)
		goto fail;
	return mdb_txn_commit(txn);
fail:
	mdb_txn_abort(txn);
	return rc;
}

static int open_env(store *s, size_t initial_map, const char *key_file)
{
	int rc = mdb_env_create(&s->env);
	if (rc)
		return store_mdb_error(rc);
	mdb_env_set_maxdbs(s->env, 8);
	mdb_env_set_maxreaders(s->env, MAX_READERS);
	struct stat st;
	bool fresh = fstatat(s->dirfd, "index/data.mdb", &st, 0) < 0;
	if (fresh)
		mdb_env_set_mapsize(s->env, initial_map);
	int r = load_key(s, fresh, key_file);
	if (r < 0)
		return r;
	unsigned eflags = MDB_NOTLS;
	if (s->flags & STORE_RDONLY)
		eflags |= MDB_RDONLY;
	eflags |= (s->flags & STORE_NOSYNC) ? MDB_NOSYNC : MDB_NOMETASYNC;
	char *dir;
	r = join(s->path, "index", &dir);
	if (r < 0)
		return r;
	rc = mdb_env_open(s->env, dir, eflags, 0600);
	free(dir);
	if (rc)
		return rc == ENOENT && (s->flags & STORE_RDONLY) ? -ENOENT : store_mdb_error(rc);
	/* LMDB leaves its data file's fd inheritable: close-on-exec, so that
	 * no child gets the index writable (nor a script's redirection in
	 * the shell, docs/language.md difference 13). */
	mdb_filehandle_t efd;
	if (mdb_env_get_fd(s->env, &efd) == 0 && efd >= 0) {
		int fl = fcntl(efd, F_GETFD);
		if (fl < 0 || fcntl(efd, F_SETFD, fl | FD_CLOEXEC) < 0)
			return -errno;
	}
	int dead;
	(void)mdb_reader_check(s->env, &dead);

	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	s->map_size = info.me_mapsize;
	if (s->map_size < initial_map && !(s->flags & STORE_RDONLY)) {
		rc = mdb_env_set_mapsize(s->env, initial_map);
		if (rc)
			return store_mdb_error(rc);
		s->map_size = initial_map;
	}

	/* Another process may grow the map meanwhile: adopt its size. */
	for (int attempt = 0; attempt < 4; attempt++) {
		rc = open_dbis(s, false);
		if (rc == MDB_NOTFOUND && !(s->flags & STORE_RDONLY))
			rc = open_dbis(s, true);
		if (rc != MDB_MAP_RESIZED)
			break;
		if ((r = adopt_map_size(s)) < 0)
			return r;
	}
	if (rc == MDB_NOTFOUND)
		return STORE_ECORRUPT; /* an env without our databases */
	return store_mdb_error(rc);
}

/* Two processes creating the same new environment at once can each see
 * the other's half-written meta pages and take them for a corrupt file
 * (MDB_INVALID). Opening under an exclusive flock on index/open.lock makes
 * creation happen once; for an existing environment the lock is held for
 * microseconds. A read-only opener cannot create anything and skips it. */
static int open_env_locked(store *s, size_t initial_map, const char *key_file)
{
	if (s->flags & STORE_RDONLY)
		return open_env(s, initial_map, key_file);
	int lock = openat(s->dirfd, "index/open.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return -errno;
	int r = store_lock(lock);
	if (r < 0) {
		close(lock);
		return r;
	}
	r = open_env(s, initial_map, key_file);
	close(lock); /* releases the lock */
	return r;
}

int store_lock(int fd)
{
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void close_env(store *s)
{
	if (!s->env)
		return;
	/* LMDB forbids using an env after fork() (its lock-file state and
	 * mutexes belong to the opener); in a forked child only our own
	 * memory and fds are released and the mapping is left to exec/exit. */
	if (getpid() == s->pid)
		mdb_env_close(s->env);
	s->env = NULL;
}

int store_open_opts(const char *path, const struct store_options *opts, store **ret)
{
	unsigned flags = opts ? opts->flags : 0;
	size_t initial_map = opts && opts->initial_map_size ? opts->initial_map_size : DEFAULT_MAP_SIZE;
	if (initial_map < MIN_MAP_SIZE)
		initial_map = MIN_MAP_SIZE;
	if (initial_map > STORE_MAX_MAP_SIZE)
		return -EINVAL;
	bool rdonly = flags & STORE_RDONLY;

	char *p = NULL;
	int r;
	if (path) {
		if (!*path)
			return -EINVAL;
		p = strdup(path);
		if (!p)
			return -ENOMEM;
	} else if ((r = store_default_path(&p)) < 0) {
		return r;
	}
	if (!rdonly && (r = mkdir_parents(p)) < 0) {
		free(p);
		return r;
	}
	char *abs = realpath(p, NULL);
	r = abs ? 0 : -errno;
	free(p);
	if (r < 0)
		return r;

	store *s = calloc(1, sizeof(*s));
	if (!s) {
		free(abs);
		return -ENOMEM;
	}
	s->path = abs;
	s->flags = flags;
	pthread_once(&atfork_once, register_atfork);
	s->fork_generation = fork_generation;
	s->pid = getpid();
	s->dirfd = s->objects_fd = s->tmp_fd = s->mark_fd = -1;
	if ((r = join(abs, "scratch", &s->scratch)) < 0)
		goto fail;
	s->dirfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		r = -errno;
		goto fail;
	}
	if (!rdonly) {
		int fd;
		if ((r = open_subdir(s, "scratch", true, &fd)) < 0)
			goto fail;
		close(fd);
		if ((r = open_subdir(s, "tmp", true, &s->tmp_fd)) < 0)
			goto fail;
		if (mkdirat(s->dirfd, "index", 0700) < 0 && errno != EEXIST) {
			r = -errno;
			goto fail;
		}
		/* the marker (store.h): one failing system call when there */
		if (mknodat(s->dirfd, STORE_MARKER_FILE, S_IFREG | 0444, 0) < 0 && errno != EEXIST) {
			r = -errno;
			goto fail;
		}
	}
	if ((r = open_subdir(s, "objects", !rdonly, &s->objects_fd)) < 0)
		goto fail;
	const char *key_file = opts ? opts->key_file : NULL;
	if (!key_file) {
		const char *e = getenv("SHARK_HASH_KEY_FILE");
		key_file = e && *e ? e : NULL;
	}
	store_durable_check(s);
	if ((r = open_env_locked(s, initial_map, key_file)) < 0 || (r = store_durable_recover(s)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r;
}

int store_open(const char *path, unsigned flags, store **ret)
{
	struct store_options o = { .flags = flags };
	return store_open_opts(path, &o, ret);
}

void store_close(store *s)
{
	if (!s)
		return;
	/* deferred runs are written now, if this process may still write */
	if (s->n_pending && s->env && s->open_txns == 0 && store_check_usable(s) == 0)
		(void)store_flush(s);
	/* objects verified since the last write txn: remembered now */
	if (s->verified && store_stat_updates_count(s->verified) && s->env && s->open_txns == 0 &&
	    !(s->flags & STORE_RDONLY) && store_check_usable(s) == 0)
		(void)store_write_txn(s, NULL, NULL);
	store_pending_runs_free(s);
	store_stat_updates_free(s->verified);
	if (s->key_installed)
		store_hash_key_release();
	store_batch_free(s); /* an uncommitted batch's records are lost */
	close_env(s);
	store_uring_free(s->uring);
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->objects_fd >= 0)
		close(s->objects_fd);
	if (s->tmp_fd >= 0)
		close(s->tmp_fd);
	store_durable_close(s);
	free(s->path);
	free(s->scratch);
	free(s);
}

const char *store_path(const store *s)
{
	return s->path;
}

const char *store_scratch_path(const store *s)
{
	return s->scratch;
}

/* ---- transactions ---------------------------------------------------------- */

/* Adopt a map size grown by another process, or grow it ourselves. Only
 * legal with no txn of this process open. */
static int adopt_map_size(store *s)
{
	int rc = mdb_env_set_mapsize(s->env, 0);
	if (rc)
		return store_mdb_error(rc);
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	s->map_size = info.me_mapsize;
	return 0;
}

static int grow_map(store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	size_t cur = info.me_mapsize;
	if (cur >= STORE_MAX_MAP_SIZE)
		return -ENOSPC;
	size_t next = cur * 2 > STORE_MAX_MAP_SIZE ? STORE_MAX_MAP_SIZE : cur * 2;
	int rc = mdb_env_set_mapsize(s->env, next);
	if (rc)
		return rc == ENOMEM ? -ENOSPC : store_mdb_error(rc);
	s->map_size = next;
	return 0;
}

/* LMDB reports a short write of its pages as EIO, which is what a full
 * disk produces mid-write; tell the two apart by looking at free space. */
static int eio_or_enospc(store *s)
{
	struct statvfs sv;
	if (fstatvfs(s->dirfd, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < (4u << 20))
		return -ENOSPC;
	return -EIO;
}

int store_write_txn(store *s, int (*fn)(store *s, MDB_txn *txn, void *arg), void *arg)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	if (s->open_txns)
		return -EBUSY;
	for (int attempt = 0; attempt < MAX_TXN_RETRIES; attempt++) {
		MDB_txn *txn;
		int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) {
			if ((r = adopt_map_size(s)) < 0)
				return r;
			continue;
		}
		if (rc)
			return store_mdb_error(rc);
		/* the journal's runs (older), then the runs queued by
		 * store_run_defer, ride along with any write */
		int jlock = -1;
		rc = store_journal_fold(s, txn, &jlock);
		if (rc == 0)
			rc = store_pending_runs_write(s, txn);
		if (rc == 0)
			rc = store_stat_verified_write(s, txn);
		if (rc == 0 && fn)
			rc = fn(s, txn, arg);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);
			if (rc == 0)
				store_pending_runs_clear(s);
			if (rc == 0 && s->verified)
				store_stat_updates_clear(s->verified);
		} else {
			mdb_txn_abort(txn);
		}
		store_journal_done(jlock, rc == 0);
		if (rc == MDB_MAP_FULL) {
			if ((r = grow_map(s)) < 0)
				return r;
			continue;
		}
		r = store_mdb_error(rc);
		return r == -EIO ? eio_or_enospc(s) : r;
	}
	return -ENOSPC;
}

int store_read_begin(store *s, store_txn **ret)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->open_txns)
		return -EBUSY;
	store_txn *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int attempt = 0;; attempt++) {
		int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
		if (rc == MDB_MAP_RESIZED && attempt < 4) {
			if ((r = adopt_map_size(s)) < 0)
				break;
			continue;
		}
		r = store_mdb_error(rc);
		break;
	}
	if (r < 0) {
		free(t);
		return r;
	}
	t->s = s;
	s->open_txns++;
	*ret = t;
	return 0;
}

void store_read_end(store_txn *t)
{
	if (!t)
		return;
	if (getpid() == t->s->pid)
		mdb_txn_abort(t->txn);
	t->s->open_txns--;
	free(t);
}
