/* internal.h - definitions shared by the store's .c files, not part of the
 * public API (store.h). */
#ifndef SHARK_STORE_INTERNAL_H
#define SHARK_STORE_INTERNAL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "store/store.h"

/* Format version of the store as a whole (meta db key "format"). 2: keyed
 * hashes (meta key "keyfp" holds the key's fingerprint). */
#define STORE_FORMAT_VERSION 2u

/* fresh.c: an object this handle wrote, hashed from the bytes written
 * (store_blob_unstage notes it; store_blob_open_verified trusts the hash
 * while the inode's stat is unchanged). */
#define STORE_FRESH_MAX 16
struct store_fresh {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	store_hash hash;
};
void store_fresh_note(store *s, int fd, const store_hash *h);
bool store_fresh_match(const store *s, const struct stat *st, const store_hash *h);

struct store {
	char *path;        /* absolute store directory */
	char *scratch;     /* path + "/scratch" */
	int dirfd;         /* the store directory */
	int objects_fd;    /* objects/ */
	int tmp_fd;        /* tmp/ */
	unsigned flags;    /* enum store_open_flags */
	pid_t pid;         /* the opener: other pids get STORE_EFORK */
	unsigned fork_generation; /* see store_check_forked */
	MDB_env *env;
	MDB_dbi db_actions, db_traces, db_stat, db_blobs, db_runs, db_meta, db_origins;
	size_t map_size;
	int open_txns;     /* txns of this handle now open (0 or 1) */
	store_hash key_fp;  /* store_key_fingerprint */
	bool key_installed; /* holds a use of the process's hash key (hash.c) */
	store_stat_updates *verified; /* objects verified by store_blob_open_verified,
				       * written at the next write txn */
	struct store_uring *uring; /* batched fsync (uring.c), made on first use */
	bool uring_failed;         /* io_uring unavailable: use plain fsync */
	bool stat_batch_open; /* one stat batch (statbatch.c) at a time */
	struct store_pending_run *pending; /* store_run_defer queue (index.c) */
	size_t n_pending, cap_pending;
	/* store_batch_begin .. store_batch_commit (index.c): */
	bool batch;
	int *batch_fds;               /* new objects, synced at the commit */
	size_t n_batch_fds, cap_batch_fds;
	uint64_t batch_dirs[4];       /* objects/xx dirs changed, one bit each */
	struct store_prepared *batch_recs; /* queued store_record calls */
	size_t n_batch_recs, cap_batch_recs;
	store_stat_updates *batch_stat; /* queued stat-cache updates */
	/* durable.c: */
	int mark_fd;          /* index/unsynced, or -1 (STORE_NOSYNC, read-only without one) */
	int mark_state;       /* what the mark said at open (durable.c) */
	uint32_t stat_epoch;  /* stat-cache entries of another epoch are not trusted */
	struct store_fresh fresh[STORE_FRESH_MAX]; /* fresh.c: written and hashed here */
	size_t n_fresh;
};

/* A run queued by store_run_defer (index.c). */
struct store_pending_run {
	uint8_t *enc;
	size_t len;
	bool touch;
	store_hash trace_id;
};

/* index.c: refresh a hit trace's blobs' last use; append an encoded run
 * under the next id. */
int store_touch_trace(store *s, MDB_txn *txn, const store_hash *trace_id);
int store_append_run_encoded(store *s, MDB_txn *txn, const uint8_t *enc, size_t len,
			     uint64_t *ret_id);

/* store_action_keep - rewrite the action at cur (its key as the cursor
 * gave it) to list only ids[0..n), or delete it when n is 0. An LMDB code
 * (index.c). */
int store_action_keep(MDB_cursor *cur, const MDB_val *key, const store_hash *ids, size_t n);

/* journal.c - the run history's unsynced journal. store_journal_append
 * moves the handle's queued runs into it (one write, no sync; -EFBIG when
 * it is too long: commit instead). store_journal_fold, inside a write txn,
 * takes the journal's lock and adds its runs to the txn; *ret_lock is then
 * the locked journal (or -1), for store_journal_done after the commit
 * (committed: empty the journal) or the abort. */
int store_journal_append(store *s);
int store_journal_fold(store *s, MDB_txn *txn, int *ret_lock);
void store_journal_done(int lock, bool committed);
bool store_journal_nonempty(store *s);

/* A blob a trace names, with the size it states. */
struct store_blob_ref {
	store_hash hash;
	uint64_t size;
};

/* store_trace_blobs - call fn(arg, hash, size) for every blob t names: its
 * stdout (unless recorded by hash only: STORE_TRACE_STDOUT_HASH_ONLY), its
 * stderr, then each file effect's content (trace.c). Stops at
 * fn's first non-zero result and returns it; 0 when every blob was seen. */
typedef int store_blob_fn(void *arg, const store_hash *h, uint64_t size);
int store_trace_blobs(const struct store_trace *t, store_blob_fn *fn, void *arg);

/* store_batch_add_fd - in a batch, keep fd (a new object) to be synced at
 * the commit; the batch closes it. store_batch_free - drop a batch and its
 * buffers (store_close). (index.c) */
int store_batch_add_fd(store *s, int fd);
/* store_stat_batch_write - put the batch's queued stat-cache updates into
 * txn (statcache.c). */
int store_stat_batch_write(store *s, MDB_txn *txn);
void store_stat_updates_clear(store_stat_updates *u);
void store_batch_free(store *s);

struct store_txn {
	store *s;
	MDB_txn *txn;
};

/* hash.c: make key the process's hash key (0), or count one more user of
 * it when it is installed already; STORE_EKEY when another key is in use
 * by an open store. store_hash_key_release drops one use. */
int store_hash_key_install(const uint8_t key[STORE_KEY_SIZE]);
void store_hash_key_release(void);

/* statcache.c: the stat cache's answer for a regular file with stat *st
 * (true and *ret when an entry matches and is not racy), and a new entry
 * for it, hashed from a read that started at started_ns, queued in u
 * (left out when racy). */
bool store_stat_cache_lookup(store_txn *txn, const struct stat *st, store_hash *ret);
int store_stat_cache_add(store_stat_updates *u, const struct stat *st, int64_t started_ns,
			 const store_hash *h);
/* flush the handle's verified-object entries into txn (store_write_txn) */
int store_stat_verified_write(store *s, MDB_txn *txn);

/* blob.c, for import: finish a writer without linking its object (the
 * content stays a temp file in tmp/ named *ret_name, made read-only, and
 * synced when the writer is durable (unless STORE_NOSYNC); the writer is freed whatever the result); later move
 * it into objects/ (store_blob_unstage: as a commit does, so an existing
 * object is compared byte for byte) or remove it (store_blob_stage_drop). */
#define STORE_STAGE_NAME_LEN 64
int store_blob_stage(store_blob_writer *w, char ret_name[STORE_STAGE_NAME_LEN],
		     store_hash *ret_hash, uint64_t *ret_size);
int store_blob_unstage(store *s, const char *name, const store_hash *h, uint64_t size,
		       bool durable);
/* store_blob_writer_set_durable - the writer's object is not regenerable
 * (an imported bundle's): sync it before it is named, as store_blob_stage
 * does then. Writers are regenerable (unsynced, durable.c) by default. */
void store_blob_writer_set_durable(store_blob_writer *w);
void store_blob_stage_drop(store *s, const char *name);

/* store_check_usable - STORE_EFORK when called from a process other than
 * the opener (compares pids: one system call). store_check_forked is the
 * cheap check for per-lookup paths: it only sees fork()s made through
 * glibc, which is enough once store_read_begin has checked the pid. */
int store_check_usable(const store *s);
int store_check_forked(const store *s);

/* store_mdb_error - map an LMDB return code to the store's error space. */
int store_mdb_error(int rc);

/* store_write_txn - run fn in one write txn and commit it; on MDB_MAP_FULL
 * (from fn or the commit) abort, double the map, run fn again. fn returns 0
 * or an error (LMDB codes are mapped by fn with store_mdb_error, except
 * MDB_MAP_FULL which fn must return as-is so it is retried). Any error from
 * fn aborts the txn. */
int store_write_txn(store *s, int (*fn)(store *s, MDB_txn *txn, void *arg), void *arg);

/* Deferred runs (index.c): written at the start of every write txn of the
 * handle, cleared once that txn committed, freed by store_close. */
int store_pending_runs_write(store *s, MDB_txn *txn);
void store_pending_runs_clear(store *s);
void store_pending_runs_free(store *s);

/* store_lock - flock(LOCK_EX) fd, retrying on EINTR: 0 or -errno
 * (store.c; released by closing fd). */
int store_lock(int fd);

/* store_write_all - write all len bytes (retrying on EINTR): 0 or -errno
 * (blob.c). */
int store_write_all(int fd, const void *data, size_t len);

/* store_now_ns - CLOCK_REALTIME in ns. */
int64_t store_now_ns(void);

/* Little-endian fixed-width helpers for index values. */
void store_put_u64(uint8_t *p, uint64_t v);
uint64_t store_get_u64(const uint8_t *p);
void store_put_u32(uint8_t *p, uint32_t v);
uint32_t store_get_u32(const uint8_t *p);

/* Blob metadata value in the blobs db: u64 size, i64 last use ns. */
#define STORE_BLOB_META_LEN 16

/* store_blob_meta_put - put (size, now) for h; when only_if_older_ns > 0
 * and an entry exists whose last use is newer than now - only_if_older_ns,
 * leave it. Returns 0 or an LMDB code (unmapped, so MAP_FULL can retry). */
int store_blob_meta_put(store *s, MDB_txn *txn, const store_hash *h, uint64_t size,
			int64_t only_if_older_ns);

/* store_blob_stat - lstat the object file of h (no txn). */
int store_blob_stat(store *s, const store_hash *h, struct stat *ret);
/* store_blob_check - is the object of h a regular file of size bytes? 0,
 * -ENOENT (no object), STORE_ECORRUPT (another type or size), -errno. */
int store_blob_check(store *s, const store_hash *h, uint64_t size);

/* store_stat_answer - store_stat_hash for dirfd/path whose stat the
 * caller took already (*st), e.g. in a stat batch (statbatch.c). */
int store_stat_answer(store_txn *txn, store_stat_updates *updates, int dirfd, const char *path,
		      int at_flags, const struct stat *st, struct store_path_state *ret);
/* store_fsync_many - fsync() each of fds[0..n), res[i] = 0 or -errno; side
 * by side through io_uring when possible (uring.c). */
void store_fsync_many(store *s, size_t n, const int *fds, int *res);
void store_uring_free(struct store_uring *u);

/* store_hash_fd_sized - store_hash_fd for a file believed to be
 * expected_size bytes: a small one is read with a single read(), so the
 * caller must re-stat it to notice growth (hash.c). */
int store_hash_fd_sized(int fd, uint64_t expected_size, store_hash *ret);

/* store_stat_is_racy - the racy-timestamp rule (statcache.c): true when st's
 * mtime or ctime is too close to recorded_ns for a cache entry recorded then
 * to be trusted. */
bool store_stat_is_racy(const struct stat *st, int64_t recorded_ns);

/* durable.c - unsynced objects and the unclean-shutdown rule.
 * store_durable_check (at open, before the environment: the mark is read
 * before the epoch) opens index/unsynced and notes what it says;
 * store_durable_recover (after it) bumps the stat-cache epoch when the mark
 * names another boot. store_unsynced_begin makes the mark name this boot,
 * durably, and holds a shared lock on it until store_unsynced_end: between
 * them an object may be named without syncing its data (-errno: sync it).
 * store_epoch_read: the epoch in meta (an LMDB code). */
#define STORE_EPOCH_NONE UINT32_MAX /* matches no entry */
void store_durable_check(store *s);
int store_durable_recover(store *s);
void store_durable_close(store *s);
int store_unsynced_begin(store *s);
void store_unsynced_end(store *s);
int store_epoch_read(MDB_txn *txn, MDB_dbi meta, uint32_t *ret);

/* Run record encoding (trace.c). */
int store_run_encode(const struct store_run *r, uint8_t **ret_buf, size_t *ret_len);
int store_run_decode(const uint8_t *buf, size_t len, struct store_run **ret);

#endif
