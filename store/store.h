/* store.h - shark's content store: the whole public API of store/.
 *
 * A store is a directory (default $SHARK_STORE, else
 * ${XDG_CACHE_HOME:-$HOME/.cache}/shark) holding
 *
 *   key                   the store's hash key (32 random bytes, mode 0600)
 *   objects/ab/<30 hex>   content-addressed blobs (keyed XXH3-128, read-only
 *                         files)
 *   tmp/                  blob writers' temporary files
 *   scratch/              free space on the store's filesystem (sandbox
 *                         overlay upper dirs), so results can be imported
 *                         into objects/ by rename
 *   index/                one LMDB environment with named databases:
 *                         actions, traces, statcache, blobs, runs, meta
 *
 * docs/store.md describes the on-disk format, the durability policy and the
 * concurrency model.
 *
 * Conventions (as in LMDB and systemd):
 *  - every function returning int returns 0 on success, a negative errno
 *    (-ENOENT, -ENOSPC, -EROFS, -EACCES, -ENOMEM, ...) or one of the
 *    STORE_E* codes below; store_strerror() names any of them;
 *  - ret_* out-parameters are written only on success;
 *  - destructors (store_close, *_free, *_end) accept NULL;
 *  - every fd the store opens is O_CLOEXEC; the store never prints, logs or
 *    exits;
 *  - a store handle (and every txn/writer made from it) belongs to the
 *    process that opened it. After fork() the child must not use it: calls
 *    from the child return STORE_EFORK (transactions, writes and blob calls
 *    compare pids; per-lookup calls rely on a pthread_atfork hook, which
 *    sees every fork() made through libc). The child may call
 *    store_close(), which then only frees memory and never touches LMDB.
 *    A child that needs the store opens its own handle. A handle is not
 *    thread-safe: use one per thread.
 */
#ifndef SHARK_STORE_H
#define SHARK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---- errors --------------------------------------------------------------
 * The store's own codes live in a reserved negative range below LMDB's.
 * LMDB errors are mapped: MDB_CORRUPTED/MDB_PAGE_NOTFOUND/MDB_INVALID ->
 * STORE_ECORRUPT, MDB_VERSION_MISMATCH -> STORE_EVERSION, MDB_NOTFOUND ->
 * -ENOENT, MDB_READERS_FULL -> -EAGAIN, system errors -> -errno. */
enum {
	STORE_ECORRUPT = -31000, /* index or blob content does not match */
	STORE_EVERSION = -31001, /* store/record written by an unknown format version */
	STORE_EFORK = -31002,    /* handle used in a process other than its opener */
	STORE_EBADTRACE = -31003, /* malformed trace or run encoding */
	STORE_ELIMIT = -31004,   /* a size limit was exceeded (see STORE_MAX_*) */
	STORE_EKEY = -31005,     /* hash key missing, or not the store's / bundle's */
	STORE_ECOLLISION = -31006, /* other content with the hash of an existing object */
};

/* store_strerror - a static, human-readable description of err (a value
 * returned by any store_* function: 0, -errno or STORE_E*). Never NULL. */
const char *store_strerror(int err);

/* ---- hashes --------------------------------------------------------------
 * Keyed XXH3-128: XXH3_128bits_withSecret with a secret derived
 * (XXH3_generateSecret) from the store's key, so that nobody without the
 * key can construct two contents with one hash (with XXH3's public default
 * secret they can). The key is the process's: store_open installs the
 * store's, and every store open in one process at a time has the same key.
 * Before any store was opened the hashes are plain XXH3-128. The binary
 * form is XXH3's canonical (big-endian) 16 bytes; the hex form no longer
 * equals `xxh128sum`'s output (it does for an unkeyed hash). */
#define STORE_HASH_SIZE 16
#define STORE_HASH_HEX_LEN 32

typedef struct store_hash {
	uint8_t bytes[STORE_HASH_SIZE];
} store_hash;

/* store_hash_bytes - hash len bytes at data into *ret. Cannot fail. */
void store_hash_bytes(const void *data, size_t len, store_hash *ret);

/* store_hash_equal - true when a and b are the same hash. */
bool store_hash_equal(const store_hash *a, const store_hash *b);

/* store_hash_is_zero - true for the all-zero value, used as "no hash". */
bool store_hash_is_zero(const store_hash *h);

/* store_hash_to_hex - write 32 lowercase hex digits and a NUL into out. */
void store_hash_to_hex(const store_hash *h, char out[STORE_HASH_HEX_LEN + 1]);

/* store_hash_from_hex - parse exactly 32 hex digits (either case) at hex
 * (len must be 32). Errors: -EINVAL for any other input. */
int store_hash_from_hex(const char *hex, size_t len, store_hash *ret);

/* Streaming hasher. */
typedef struct store_hasher store_hasher;

/* store_hasher_new - a fresh hasher in *ret (free with store_hasher_free).
 * Errors: -ENOMEM. */
int store_hasher_new(store_hasher **ret);
/* store_hasher_update - feed len bytes. Cannot fail. */
void store_hasher_update(store_hasher *h, const void *data, size_t len);
/* store_hasher_final - the hash of everything fed since new/reset. The
 * hasher stays usable (more updates extend the same stream). */
void store_hasher_final(const store_hasher *h, store_hash *ret);
/* store_hasher_reset - start a new stream. */
void store_hasher_reset(store_hasher *h);
void store_hasher_free(store_hasher *h);

/* store_hash_fd - hash everything readable from fd, from its current offset
 * to EOF (files, pipes). Regular files are read in large chunks with
 * sequential read-ahead. *ret_size (may be NULL) receives the byte count.
 * Errors: -errno from read(), -ENOMEM. */
int store_hash_fd(int fd, store_hash *ret, uint64_t *ret_size);

/* store_hash_file - open path relative to dirfd (AT_FDCWD or a directory fd;
 * an absolute path ignores dirfd) with O_NOFOLLOW when at_flags contains
 * AT_SYMLINK_NOFOLLOW, and hash its whole content. Errors: -errno from
 * open/read (-ENOENT, -ELOOP), -EISDIR for directories, -ENODEV for other
 * non-regular files (FIFOs, devices), -ENOMEM. */
int store_hash_file(int dirfd, const char *path, int at_flags, store_hash *ret,
		    uint64_t *ret_size);

/* store_dir_listing_hash - hash of a directory's entries: the names (bytes,
 * sorted with memcmp, "." and ".." left out), each followed by a NUL and a
 * one-letter type (f file, d dir, l symlink, o other). Adding, removing,
 * renaming an entry or changing its type changes the hash; changing a
 * file's content does not. Errors: -errno (-ENOTDIR, -ENOENT, -EACCES),
 * STORE_ELIMIT beyond STORE_MAX_DIR_ENTRIES entries, -ENOMEM. */
#define STORE_MAX_DIR_ENTRIES (1u << 20)
int store_dir_listing_hash(int dirfd, const char *path, store_hash *ret);

/* ---- opening a store ------------------------------------------------------ */
typedef struct store store;

enum store_open_flags {
	/* Open read-only: nothing is created; writes return -EROFS. */
	STORE_RDONLY = 1u << 0,
	/* Skip every sync: imported objects, LMDB commits (MDB_NOSYNC), the
	 * unsynced-objects mark (so the stat cache is not distrusted after a
	 * power loss). A crash of the process still leaves a consistent store;
	 * a power loss may lose or corrupt the latest entries or the index.
	 * For tests and benchmarks. */
	STORE_NOSYNC = 1u << 1,
};

/* The store's hash key: STORE_KEY_SIZE bytes in <store>/STORE_KEY_FILE,
 * mode 0600, made with getrandom() when the store is created. Sandboxed
 * commands must not see it (shark hides the file). Stores that share
 * results (bundles) must share the key: a store created with
 * store_options.key_file, or else $SHARK_HASH_KEY_FILE, set takes its key
 * from that file (STORE_KEY_SIZE raw bytes, e.g. another store's key file)
 * instead; opening an existing store with one set that holds another key
 * fails with STORE_EKEY. */
#define STORE_KEY_SIZE 32
#define STORE_KEY_FILE "key"

/* The store's marker: an empty file, mode 0444, at its root, made by
 * store_open (also in a store made before it existed; not with
 * STORE_RDONLY). It says "this directory is a shark store" to the
 * sandbox's effect apply, which refuses any effect inside a directory that
 * holds an entry of this name (sandbox/sandbox.h SANDBOX_STORE_MARKER, the
 * same name: a unit test checks it), so that no command can plant a file in
 * a store, its own or another's, through its workspace or /tmp. gc, fsck
 * and export never look at it. */
#define STORE_MARKER_FILE ".shark-store"

struct store_options {
	unsigned flags;           /* enum store_open_flags */
	const char *key_file;     /* key for a new store; NULL: $SHARK_HASH_KEY_FILE
				   * if set and non-empty, else random */
	size_t initial_map_size;  /* LMDB map size for a new env; 0 = default
				   * (64 MiB). The map grows by doubling on
				   * MDB_MAP_FULL, up to STORE_MAX_MAP_SIZE. */
};
#define STORE_MAX_MAP_SIZE ((size_t)1 << 40)

/* store_default_path - the default store location in a new string (free()
 * it): $SHARK_STORE if set and non-empty, else $XDG_CACHE_HOME/shark if
 * XDG_CACHE_HOME is an absolute path, else $HOME/.cache/shark.
 * Errors: -ENOENT when neither HOME nor the others are set, -ENOMEM. */
int store_default_path(char **ret);

/* store_open - open (and unless STORE_RDONLY, create, mode 0700 including
 * missing parents) the store at path, or at store_default_path() when path
 * is NULL, and install its hash key for this process. Clears stale LMDB
 * reader slots left by dead processes.
 * Errors: -ENOENT (read-only and missing), -EACCES/-EROFS (cannot create or
 * write), STORE_EVERSION (written by another format version), STORE_EKEY
 * (its key file is missing, does not match the index, differs from the
 * key file asked for, or another store open in this process has another
 * key),
 * STORE_ECORRUPT (index unreadable), -ENOMEM, other -errno. */
int store_open(const char *path, unsigned flags, store **ret);
int store_open_opts(const char *path, const struct store_options *opts, store **ret);

/* store_close - close the store, first writing any runs queued with
 * store_run_defer (errors are ignored: call store_flush before to see
 * them). Any txn, writer or update batch made from it must be ended/freed
 * first. NULL-safe. */
void store_close(store *s);

/* store_path - the store's directory (absolute). Owned by s. */
const char *store_path(const store *s);

/* store_key_fingerprint - a public name for the store's hash key: the
 * keyed hash of a fixed text, so it tells keys apart without revealing
 * more than any object name does. Bundles carry it. */
void store_key_fingerprint(const store *s, store_hash *ret);

/* store_scratch_path - "<store>/scratch", a directory on the store's
 * filesystem where callers may create work directories whose files are
 * later moved into the store with store_blob_import(). Owned by s. */
const char *store_scratch_path(const store *s);

/* store_scratch_hold - take a work directory under the scratch path into
 * use: open it and take a shared flock on it, kept until the returned fd
 * is closed (it is O_CLOEXEC). gc removes only stale directories it can
 * lock exclusively, so one held by a run that has not written anything
 * for days is not taken from under it. Returns the fd, or -errno
 * (-EWOULDBLOCK: gc is removing it). */
int store_scratch_hold(const char *dir);

/* ---- blobs ---------------------------------------------------------------
 * Content-addressed, immutable files. An existing object is never
 * rewritten: committing content whose object exists compares the two byte
 * for byte and discards the new copy when they are equal. When they differ
 * the existing object is re-hashed: if it no longer matches its name it is
 * damaged and atomically replaced by the new copy; if it does, the two are
 * a hash collision, and the commit fails with STORE_ECOLLISION, leaving
 * the object as it was. A new object can be made again (a run's output, a
 * download), so its data is NOT synced before it is renamed into place:
 * after a power loss an object may be short, empty or garbage, which
 * store_blob_open_verified detects (a miss, never a wrong replay; see
 * store_sync and docs/store.md "Durability"). Objects of an imported bundle
 * are synced before they are named. Blob
 * files carry no index entry until a trace referring to them is recorded
 * (store_record), which also updates the blobs database (size, last use). */
typedef struct store_blob_writer store_blob_writer;

/* store_blob_writer_new - start a new blob: a temporary file in <store>/tmp.
 * Errors: -EROFS (read-only store), -ENOSPC, -errno, -ENOMEM. */
int store_blob_writer_new(store *s, store_blob_writer **ret);

/* store_blob_writer_new_lazy - the same, but the temporary file is made
 * only at the first byte written: a blob that stays empty (most commands'
 * stderr) then costs no file at all when the empty object exists already
 * (store_blob_commit looks it up instead). Same errors; the temporary
 * file's own (-ENOSPC, -errno) come from the first write or the commit. */
int store_blob_writer_new_lazy(store *s, store_blob_writer **ret);

/* store_blob_write - append len bytes (hashed as written).
 * Errors: -ENOSPC, -EFBIG, -errno from write(). After an error the writer
 * can only be freed. */
int store_blob_write(store_blob_writer *w, const void *data, size_t len);

/* store_blob_write_from_fd - append everything readable from fd (to EOF),
 * e.g. a pipe or a file. The holes of a regular file (SEEK_DATA/SEEK_HOLE)
 * stay holes in the blob: hashed as the zeros they read as, never written.
 * Same errors as store_blob_write plus read errors. */
int store_blob_write_from_fd(store_blob_writer *w, int fd);

/* store_blob_commit - finish: rename (unsynced, see above) into
 * objects/ab/<rest> (or drop the copy if that object exists with the same
 * bytes). The writer is consumed (freed) whatever the result.
 * ret_hash/ret_size may be NULL.
 * Errors: STORE_ECOLLISION, -ENOSPC, -EIO, -errno. */
int store_blob_commit(store_blob_writer *w, store_hash *ret_hash, uint64_t *ret_size);

/* store_blob_writer_free - abandon an uncommitted blob (its temp file is
 * removed). NULL-safe. */
void store_blob_writer_free(store_blob_writer *w);

/* store_blob_put - store len bytes at data as a blob (writer new + write +
 * commit). ret_hash may be NULL. */
int store_blob_put(store *s, const void *data, size_t len, store_hash *ret_hash);

/* store_blob_put_file - store a copy of the regular file dirfd/path (which
 * stays as it is). The file is hashed first, so content already in the
 * store costs one read; otherwise it is copied into a temp file (a reflink
 * where the filesystem supports it, whose content is then hashed; else a
 * read/hash/write pass) and committed under the hash of what was copied,
 * so a source changed mid-copy still gives a correct object. ret_hash and
 * ret_size may be NULL. Errors: -EINVAL (not a regular file), -EROFS,
 * STORE_ECOLLISION, -ENOSPC, -errno. */
int store_blob_put_file(store *s, int dirfd, const char *path, store_hash *ret_hash,
			uint64_t *ret_size);

/* store_blob_import - move the regular file dirfd/path (which must not be a
 * symlink) into the store: hash it, sync per policy, make it read-only and
 * rename it to its object name. On success the source name is gone
 * (renamed, or removed when the object already existed). A file on another
 * filesystem (-EXDEV from rename) or with several hard links is copied
 * instead, then its source name removed. On failure the source is left as
 * it was. Nobody may have the file open for writing (the sandboxed command
 * must have exited): the object is named by the content hashed here.
 * Errors: -EINVAL (not a regular file), -ELOOP (a symlink), -EROFS,
 * STORE_ECOLLISION, -ENOSPC, -errno. */
int store_blob_import(store *s, int dirfd, const char *path, store_hash *ret_hash,
		      uint64_t *ret_size);

/* store_blob_exists - 0 when the object file exists; *ret_size (may be
 * NULL) gets its size. Errors: -ENOENT, -errno. */
int store_blob_exists(store *s, const store_hash *h, uint64_t *ret_size);

/* store_blob_open - open the object read-only (O_CLOEXEC) for replay, WITHOUT
 * verifying its content (the caller may splice/sendfile/copy_file_range it;
 * use store_blob_copy with STORE_VERIFY when content must be checked).
 * *ret_fd is owned by the caller; *ret_size may be NULL.
 * Errors: -ENOENT (no such blob), -errno. */
int store_blob_open(store *s, const store_hash *h, int *ret_fd, uint64_t *ret_size);

/* store_blob_open_verified - store_blob_open for replay or for a stage's
 * stdin, with the content checked: the object must be a regular file of
 * size bytes whose content hashes to h. An object verified before is not
 * re-read: its (dev, inode, size, mtime, ctime) are remembered in the stat
 * cache (any chmod or write changes the ctime), with the cache's racy
 * rule; a fresh verification is remembered at this handle's next write
 * txn (or store_close). An object this handle itself moved into place from
 * a staged download (hashed as its bytes were written) is trusted the same
 * way, in memory, while its stat is unchanged (store/fresh.c). An object whose content does not match is removed
 * (unless the store is read-only) and STORE_ECORRUPT returned: the caller
 * treats it as missing and recomputes. *ret_fd is positioned at 0.
 * Errors: -ENOENT, STORE_ECORRUPT (wrong type, size or content), -errno. */
int store_blob_open_verified(store *s, const store_hash *h, uint64_t size, int *ret_fd);

/* store_blob_verify - re-read the object and check its content hash.
 * Errors: -ENOENT, STORE_ECORRUPT (content does not match its name), -errno. */
int store_blob_verify(store *s, const store_hash *h);

/* store_blob_drop_if_corrupt - verify the object and remove it if its
 * content does not match its name, so that the next put of that content
 * writes a fresh copy (puts never overwrite an object of the right size).
 * Call it when a verified read failed. Returns 0 when the object is intact,
 * 1 when a corrupt object was removed. Errors: -ENOENT, -EROFS, -errno. */
int store_blob_drop_if_corrupt(store *s, const store_hash *h);

enum store_copy_flags {
	STORE_VERIFY = 1u << 0, /* hash while copying; STORE_ECORRUPT on mismatch */
};

/* store_blob_copy - write the blob's content to out_fd (a file, pipe or
 * socket), from the start of the object. With STORE_VERIFY the content is
 * hashed on the way and a mismatch returns STORE_ECORRUPT - after the bytes
 * were written, so the caller must discard what it wrote (write to a temp
 * file, rename only on success). Without it, copy_file_range/splice/
 * sendfile are used where possible. A reader that went away gives -EPIPE,
 * never a SIGPIPE (it is blocked during the copy and consumed).
 * Errors: -ENOENT, STORE_ECORRUPT, -EPIPE and other -errno from the
 * writes. */
int store_blob_copy(store *s, const store_hash *h, int out_fd, unsigned flags);

/* store_blob_read - read a whole blob into memory, verified. *ret_data is
 * malloc'ed (free() it; a NUL follows the content, not counted in
 * *ret_len). Errors: -ENOENT, STORE_ECORRUPT, STORE_ELIMIT when larger than
 * max_len, -ENOMEM, -errno. */
int store_blob_read(store *s, const store_hash *h, size_t max_len, void **ret_data,
		    size_t *ret_len);

/* store_blob_path - "<store>/objects/ab/<30 hex>" into buf.
 * Errors: -ENAMETOOLONG when size is too small. */
int store_blob_path(const store *s, const store_hash *h, char *buf, size_t size);

/* ---- trace records ---------------------------------------------------------
 * What one run observed and produced. The caller builds a store_trace with
 * its own pointers and encodes/records it; decoded traces are one malloc'ed
 * block (every pointer points inside it) freed with store_trace_free. */
enum store_input_kind {
	STORE_INPUT_FILE = 1,    /* hash = content hash (executed files too) */
	STORE_INPUT_DIR = 2,     /* hash = store_dir_listing_hash() */
	STORE_INPUT_SYMLINK = 3, /* target = the link's text */
	STORE_INPUT_ABSENT = 4,  /* the path did not exist */
	STORE_INPUT_OUTPUT = 5,  /* replaced without being looked at: absent
				  * (in an existing directory) or a regular
				  * file the user may write */
	STORE_INPUT_META = 6,    /* hash = a hash of what stat shows of a
				  * regular file (type, size, mode, mtime) */
	STORE_INPUT_DENIED = 7,  /* looking the path up failed with EACCES */
	STORE_INPUT_PROCESS = 8, /* not a path: path names an attribute of
				  * the process the run inherited ("rlimit/
				  * nofile", "nice", "affinity": the caller's
				  * names), hash = the caller's hash of its
				  * value. Never looked up as a file */
};

struct store_input {
	const char *path;   /* as observed (absolute), NUL-terminated;
			     * PROCESS: the attribute's name */
	uint8_t kind;       /* enum store_input_kind */
	store_hash hash;    /* FILE, DIR, META, PROCESS; zero otherwise */
	const char *target; /* SYMLINK; NULL otherwise */
};

enum store_effect_kind {
	STORE_EFFECT_FILE = 1,    /* write a file: mode + blob */
	STORE_EFFECT_DELETE = 2,  /* remove the path */
	STORE_EFFECT_DIR = 3,     /* make a directory with mode (replacing
				   * whatever was there) */
	STORE_EFFECT_SYMLINK = 4, /* make a symlink to target */
	STORE_EFFECT_TOUCH = 5,   /* set an existing file's mtime (and atime) to
				   * mtime_ns, or to the time of the apply
				   * when it is STORE_MTIME_NOW */
};

/* A TOUCH effect's mtime_ns for "the time the effect is applied". */
#define STORE_MTIME_NOW INT64_MIN

struct store_effect {
	const char *path;   /* relative to the workspace, NUL-terminated */
	uint8_t kind;       /* enum store_effect_kind */
	uint32_t mode;      /* FILE, DIR: permission bits (07777) */
	store_hash blob;    /* FILE */
	uint64_t size;      /* FILE: blob size */
	const char *target; /* SYMLINK; NULL otherwise */
	int64_t mtime_ns;   /* TOUCH: ns since the epoch, or STORE_MTIME_NOW */
};

struct store_trace {
	store_hash stdout_blob;
	uint64_t stdout_size;
	store_hash stderr_blob;
	uint64_t stderr_size;
	int32_t exit_status;   /* as the caller defines it (exit code) */
	int64_t start_ns;      /* CLOCK_REALTIME at start */
	uint64_t duration_ns;
	size_t n_inputs;
	const struct store_input *inputs;
	size_t n_effects;
	const struct store_effect *effects;
	const void *key_info;  /* opaque bytes for explaining misses */
	size_t key_info_len;
	uint32_t flags;        /* STORE_TRACE_* */
};

/* Trace flags. STORE_TRACE_STDOUT_HASH_ONLY: the stdout was not kept, only
 * its hash and size are recorded (a pipeline's intermediate output that is
 * cheaper to regenerate than to store: docs/memo.md). stdout_blob names no
 * object: store_trace_blobs leaves it out, so store_record does not require
 * it, gc does not keep it, fsck does not look for it and export does not
 * carry it. A trace with no flags is encoded as before (version 1). */
#define STORE_TRACE_STDOUT_HASH_ONLY 1u
#define STORE_TRACE_FLAGS_KNOWN STORE_TRACE_STDOUT_HASH_ONLY

/* Bounds enforced by the encoder and the decoder. */
#define STORE_MAX_PATH 4096          /* path or symlink target, bytes */
#define STORE_MAX_INPUTS (1u << 20)
#define STORE_MAX_EFFECTS (1u << 20)
#define STORE_MAX_KEY_INFO (1u << 20)

/* store_trace_encode - the versioned binary encoding of t in a malloc'ed
 * buffer (*ret_buf, free() it). Errors: -EINVAL (bad kind, NULL path, NUL
 * in a string), STORE_ELIMIT, -ENOMEM. */
int store_trace_encode(const struct store_trace *t, uint8_t **ret_buf, size_t *ret_len);

/* store_trace_decode - parse len bytes (untrusted) into a new trace (free
 * with store_trace_free). Errors: STORE_EBADTRACE (malformed or trailing
 * bytes), STORE_EVERSION (unknown version), STORE_ELIMIT, -ENOMEM. Never
 * reads outside [buf, buf+len). */
int store_trace_decode(const uint8_t *buf, size_t len, struct store_trace **ret);

/* store_trace_free - free a decoded trace. NULL-safe. */
void store_trace_free(struct store_trace *t);

/* store_trace_id - the trace's id: the hash of its encoding.
 * Errors: as store_trace_encode. */
int store_trace_id(const struct store_trace *t, store_hash *ret);

/* ---- run history ---------------------------------------------------------- */
enum store_run_outcome {
	STORE_RUN_HIT = 1,          /* served from the store */
	STORE_RUN_MISS = 2,         /* ran and was recorded */
	STORE_RUN_NOT_RECORDED = 3, /* ran, not recorded: see reason */
};

struct store_run {
	int64_t start_ns;       /* CLOCK_REALTIME */
	uint64_t duration_ns;   /* wall time of this run (replay time for hits) */
	uint64_t saved_ns;      /* hits: time saved (recorded duration - replay) */
	uint8_t outcome;        /* enum store_run_outcome */
	int32_t exit_status;
	store_hash action_key;
	store_hash trace_id;    /* zero when not recorded */
	const char *cwd;        /* NUL-terminated, may be NULL (= "") */
	const char *command;    /* the command text, may be NULL */
	const char *reason;     /* why not recorded / forced, may be NULL */
};

/* store_run_free - free a run returned by store_run_get. NULL-safe. */
void store_run_free(struct store_run *r);

/* ---- the index: transactions ------------------------------------------------
 * A read transaction is a consistent snapshot, cheap to begin (a few us) and
 * meant to be held across MANY lookups (a whole trace verification). At
 * most ONE txn per store handle may be open at a time, and none may be open
 * while calling a function that writes (store_record, store_run_add,
 * store_stat_updates_flush, ...): writes return -EBUSY then, because
 * growing the LMDB map needs the process to hold no transaction. */
typedef struct store_txn store_txn;

/* store_read_begin - begin a read transaction. Errors: STORE_EFORK,
 * -EBUSY (another txn of this handle is open), STORE_ECORRUPT, -errno. */
int store_read_begin(store *s, store_txn **ret);

/* store_read_end - end (abort) a read transaction. NULL-safe. */
void store_read_end(store_txn *txn);

/* store_action_traces - the trace ids recorded under action_key, newest
 * first (traces added by store_import after the store's own), in a
 * malloc'ed array (*ret_ids, free() it; NULL when *ret_n is 0).
 * An action keeps at most STORE_MAX_TRACES_PER_ACTION traces (the oldest is
 * dropped from the list). Errors: -ENOENT (no such action),
 * STORE_ECORRUPT, -ENOMEM. */
#define STORE_MAX_TRACES_PER_ACTION 16
int store_action_traces(store_txn *txn, const store_hash *action_key, store_hash **ret_ids,
			size_t *ret_n);

/* store_trace_get - the decoded trace with this id (free with
 * store_trace_free). The record is checked against its id. Errors:
 * -ENOENT, STORE_ECORRUPT (record does not match its id or does not
 * decode), -ENOMEM. */
int store_trace_get(store_txn *txn, const store_hash *trace_id, struct store_trace **ret);

/* store_blob_info - metadata of a blob known to the index: size and last
 * use (CLOCK_REALTIME ns). Either out pointer may be NULL. Errors: -ENOENT. */
int store_blob_info(store_txn *txn, const store_hash *h, uint64_t *ret_size,
		    int64_t *ret_last_use_ns);

/* store_run_get - run record id (free with store_run_free). Errors:
 * -ENOENT, STORE_EBADTRACE/STORE_ECORRUPT, -ENOMEM. */
int store_run_get(store_txn *txn, uint64_t id, struct store_run **ret);

/* store_run_prev - the largest run id smaller than before (UINT64_MAX for
 * the newest run), for listing history newest first. Errors: -ENOENT when
 * there is none. */
int store_run_prev(store_txn *txn, uint64_t before, uint64_t *ret_id);

/* ---- the index: writes -------------------------------------------------------
 * Each write function is ONE LMDB write transaction; on MDB_MAP_FULL the
 * transaction is aborted, the map doubled and the transaction redone, so
 * nothing is lost. Concurrent writers (threads or processes) are serialized
 * by LMDB's writer lock. Common errors: -EROFS (read-only store), -EBUSY (a
 * txn of this handle is open), -ENOSPC (disk full, or map at
 * STORE_MAX_MAP_SIZE), STORE_EFORK, STORE_ECORRUPT. */

/* store_record - record a trace under action_key in one write txn: put the
 * encoded trace (id = its hash), add its id to the front of the action's
 * list (dropping a duplicate and anything beyond
 * STORE_MAX_TRACES_PER_ACTION), put blob metadata (size, last use = now)
 * for its stdout/stderr/effect blobs, and when run is not NULL append it to
 * the history with its trace_id set to the new trace. Every blob the trace
 * names must already be committed (blobs first): -ENOENT otherwise, and
 * STORE_ECORRUPT when an object's size differs from the size the trace
 * states (the index is not changed in either case). ret_trace_id /
 * ret_run_id may be NULL. */
int store_record(store *s, const store_hash *action_key, const struct store_trace *t,
		 const struct store_run *run, store_hash *ret_trace_id, uint64_t *ret_run_id);

/* store_batch_begin / store_batch_commit / store_batch_abort - one synced
 * commit for many records (a pipeline's stages). Inside a batch, new
 * objects (store_blob_commit, store_blob_import and the puts) are placed
 * at once, so they can be read and pinned, but not synced one by one, and
 * store_record() only queues its record (ret_trace_id is set; ret_run_id
 * must be NULL, else -EINVAL). store_batch_commit() then syncs every new
 * object that must be durable (none of a run's: see the blob section)
 * and the object directories they went into side by side (the
 * file system commits them together), and writes every queued record in
 * ONE write txn, checking each record's blobs inside it as store_record
 * does. Until that commit returns no record of the batch is visible; the
 * objects of a failed or aborted batch stay unreferenced until gc.
 * store_close() aborts an open batch. Errors: begin -EBUSY (a batch is
 * open); commit -EINVAL (none is), the errors of store_record and
 * -errno from the syncs (the batch is closed either way). */
int store_batch_begin(store *s);
int store_batch_commit(store *s);
void store_batch_abort(store *s);
/* store_batch_names - whether the open batch holds a record for
 * action_key (a lookup of that key cannot see it until the commit). */
bool store_batch_names(const store *s, const store_hash *action_key);
/* store_batch_holds_fds - whether the open batch holds open files (objects
 * to sync at its commit, when the unsynced mark could not be taken): a
 * caller that would keep the batch open while others use the fd table
 * commits it first. */
bool store_batch_holds_fds(const store *s);

/* store_run_add - append a run to the history (ids increase by one per
 * run). For a HIT with a trace_id, the last-use time of that trace's blobs
 * is refreshed in the same txn (if older than an hour), for gc.
 * ret_id may be NULL. */
int store_run_add(store *s, const struct store_run *run, uint64_t *ret_id);

/* store_run_defer - queue a run for the history without a write txn of its
 * own: a commit costs an fdatasync (milliseconds on a VM disk), too much
 * for every cache hit. The queue is written, in order and in the same
 * transaction, by the next write of this handle (store_record,
 * store_run_add, store_stat_updates_flush, store_flush) or by
 * store_close; ids are assigned then. Queued runs are lost if the process
 * dies first (the history is informational). A HIT with a trace_id
 * refreshes its blobs' last use when written, as store_run_add does.
 * Errors: -EINVAL (bad outcome), -EROFS, STORE_ELIMIT (65,536 queued and
 * they cannot be written), STORE_EFORK, -ENOMEM. */
int store_run_defer(store *s, const struct store_run *run);

/* store_flush - write the runs queued by store_run_defer, and those any
 * process left in the history journal, into the index now (one synced
 * write txn; nothing to do when there are none). Readers of the history
 * call it first. Errors: as the writes.
 *
 * store_flush_lazy - the cheap end of a cache hit: append the queued runs
 * to the history journal (index/history.journal: one write(2), no sync).
 * The next write txn of any process (or store_flush) moves them into the
 * index, so the history gets ids and a hit's blobs their last use then. A
 * crash of the machine may lose the journal's unsynced tail (the history
 * is informational); it never damages the index. Falls back to
 * store_flush when the journal cannot take them (too long, not
 * writable). Objects verified by store_blob_open_verified since the last
 * write txn need one to be remembered: then it commits one (once per
 * object created or changed since it was last verified). */
int store_flush(store *s);

/* store_sync - make every object named so far without a sync durable
 * (syncfs of the store's filesystem) and forget that unsynced objects
 * exist, so that the next boot need not distrust the stat cache. Until
 * then, a store opened under another boot id than the one its unsynced
 * objects were named in (the machine went down; index/unsynced) hashes
 * every file and object again on first use. store_gc calls it. 0, -EROFS,
 * -errno from syncfs (the window then stays open). */
int store_sync(store *s);
int store_flush_lazy(store *s);

/* store_fold_history - for readers of the history that open the store
 * read-only: when the store at path has runs in its journal, open it for
 * writing just long enough to store_flush them. 0 when there is nothing
 * to do; errors as store_open and store_flush. */
int store_fold_history(const char *path);

/* ---- stat cache ------------------------------------------------------------
 * (dev, inode, size, mtime ns, ctime ns, mode) -> hash of a file's content
 * or a directory's listing. An entry is trusted only if the file's mtime and
 * ctime are at least STORE_RACY_NS older than the moment the entry was
 * recorded (git's racy-timestamp rule: file timestamps are coarse, so a
 * write in the same tick as the hash could keep the stamp); otherwise the
 * file is rehashed (and the entry re-recorded with a new time). */
#define STORE_RACY_NS 50000000LL /* 50 ms, above any kernel tick */
/* Files whose mtime and ctime both fall on a whole second live on a
 * filesystem with coarse timestamps (FAT, ext3, HFS+): they need this
 * much instead. */
#define STORE_RACY_COARSE_NS 2100000000LL

/* Pending stat-cache updates, collected during read-only lookups and
 * written later in one write txn. */
typedef struct store_stat_updates store_stat_updates;

int store_stat_updates_new(store_stat_updates **ret);
/* store_stat_updates_count - how many updates are pending. */
size_t store_stat_updates_count(const store_stat_updates *u);
/* store_stat_updates_flush - write the pending updates in one write txn and
 * empty u; inside a batch (store_batch_begin) they are moved into it and
 * written with its one commit instead. Errors: as the index writes (on
 * error u is left intact). */
int store_stat_updates_flush(store *s, store_stat_updates *u);
/* store_stat_updates_defer - move the pending updates into the handle, to
 * be written by its next write txn, whatever that writes (a fetched trace's
 * import: one commit fewer); lost if the handle closes first (a cache).
 * Errors: -ENOMEM (u is left intact from the first update not moved). */
int store_stat_updates_defer(store *s, store_stat_updates *u);
void store_stat_updates_free(store_stat_updates *u);

/* What a path turned out to be. */
struct store_path_state {
	uint8_t kind;   /* STORE_INPUT_FILE, _DIR or _SYMLINK (AT_SYMLINK_NOFOLLOW only) */
	store_hash hash; /* content hash, listing hash, or hash of the link text */
	struct stat st;  /* the stat the answer is for */
	bool cached;     /* answered from the stat cache without hashing */
};

/* store_stat_hash - the state of dirfd/path (an absolute path ignores
 * dirfd; at_flags: 0 or AT_SYMLINK_NOFOLLOW) using the stat cache read
 * through txn: stat it; for a regular file or directory whose cache entry
 * matches and is not racy, answer from the cache; otherwise hash it and
 * append the new entry to updates (if not NULL; entries are only recorded
 * when the file did not change while being hashed). Devices, FIFOs and
 * sockets are not hashed: -ENODEV (the caller treats the run as not
 * memoizable). Errors: -ENOENT (absent: the caller records ABSENT),
 * -ENOTDIR, -EACCES, -ENODEV, -EAGAIN (the path was replaced by another
 * type while being looked at), STORE_ELIMIT, -errno, -ENOMEM. */
int store_stat_hash(store_txn *txn, store_stat_updates *updates, int dirfd, const char *path,
		    int at_flags, struct store_path_state *ret);

/* store_stat_hash_stat - store_stat_hash for dirfd/path when the caller
 * has just stat'ed it (*st, with the same at_flags): the same answer and
 * errors, without a second stat. As with store_stat_hash, the content is
 * checked against *st while it is hashed (a path replaced in between is
 * -EAGAIN or an answer that is not cached). */
int store_stat_hash_stat(store_txn *txn, store_stat_updates *updates, int dirfd,
			 const char *path, int at_flags, const struct stat *st,
			 struct store_path_state *ret);

/* One path for store_stat_hash_many. */
struct store_stat_query {
	int dirfd;        /* AT_FDCWD or a directory fd */
	const char *path; /* absolute (dirfd ignored) or relative to dirfd */
	int at_flags;     /* 0 or AT_SYMLINK_NOFOLLOW */
};

/* A stat batch: store_stat_hash for the many paths of one trace, with the
 * stats spread over the machine's CPUs (statbatch.c). Begin it with the
 * queries (kept by reference until the end), then ask for the answers in
 * any order; each waits only for its own stat. Ending early (a mismatch)
 * abandons the stats not yet taken. At most one batch per store handle is
 * open at a time, inside a read txn that stays open until the end.
 *
 * store_stat_batch_begin - errors: STORE_EFORK, -EINVAL, -EBUSY (a batch
 * is open), -ENOMEM. */
typedef struct store_stat_batch store_stat_batch;
int store_stat_batch_begin(store_txn *txn, store_stat_updates *updates, size_t n,
			   const struct store_stat_query *queries, store_stat_batch **ret);
/* store_stat_batch_answer - what store_stat_hash says for query i (the
 * same answers and errors), using the batch's stat of it. */
int store_stat_batch_answer(store_stat_batch *b, size_t i, struct store_path_state *ret);
/* store_stat_batch_stat - only the stat of query i: 0 and *ret, or its
 * error (-ENOENT for absent, ...). Nothing is hashed. */
int store_stat_batch_stat(store_stat_batch *b, size_t i, struct stat *ret);
/* store_stat_batch_end - stop and free the batch. NULL-safe. */
void store_stat_batch_end(store_stat_batch *b);

/* store_stat_hash_many - store_stat_hash for n paths at once: one stat
 * batch answered in order. For each i, ret_errs[i] gets 0 (and
 * ret_states[i] the answer) or that path's error (-ENOENT for absent,
 * -ENODEV, ...). Returns 0 when every path got an answer or an error, or a
 * failure of the batch itself: STORE_EFORK, -EINVAL, -EBUSY, -ENOMEM (then
 * nothing is written). */
int store_stat_hash_many(store_txn *txn, store_stat_updates *updates, size_t n,
			 const struct store_stat_query *queries, struct store_path_state *ret_states,
			 int *ret_errs);

/* store_path_hash - store_stat_hash in its own read txn, writing any update
 * at once (a failure to write the cache, e.g. on a read-only store, is
 * ignored: the answer is still returned). Convenience for single lookups;
 * use the batch form in loops. */
int store_path_hash(store *s, int dirfd, const char *path, int at_flags,
		    struct store_path_state *ret);

/* ---- consistency check and statistics -------------------------------------- */
enum store_fsck_flags {
	STORE_FSCK_HASH = 1u << 0, /* also re-hash every referenced blob */
};

enum store_fsck_problem {
	STORE_FSCK_DANGLING_TRACE = 1, /* action lists a trace id with no record */
	STORE_FSCK_BAD_TRACE,          /* trace record does not decode or match its id */
	STORE_FSCK_MISSING_BLOB,       /* trace names a blob whose object is missing */
	STORE_FSCK_BAD_BLOB,           /* object size or content does not match */
	STORE_FSCK_UNINDEXED_BLOB,     /* trace names a blob absent from the blobs db */
	STORE_FSCK_BAD_RECORD,         /* malformed action/statcache/blobs/runs value */
};

struct store_fsck_report {
	uint64_t actions, traces, blobs_checked, runs, statcache_entries;
	uint64_t problems; /* 0 = consistent */
	uint64_t hash_only; /* traces whose stdout is recorded by hash only
			     * (STORE_TRACE_STDOUT_HASH_ONLY): not a problem */
};

/* store_fsck - check that the index is consistent: every action's trace
 * ids exist, every trace decodes and matches its id, every blob it names
 * exists as an object with the recorded size and is in the blobs db (with
 * STORE_FSCK_HASH: and has the right content), every other record is well
 * formed. Problems are counted in the report and, when on_problem is not
 * NULL, passed to it (key is the action/trace/blob concerned; the callback
 * must not use s). Runs in one read txn. Returns 0 when the check ran
 * (whatever it found); errors: -errno, STORE_EFORK, -ENOMEM. */
int store_fsck(store *s, unsigned flags,
	       void (*on_problem)(void *arg, enum store_fsck_problem what, const store_hash *key),
	       void *arg, struct store_fsck_report *ret);

struct store_stats {
	uint64_t actions, traces, blobs, runs, statcache_entries;
	uint64_t blob_bytes;    /* sum of sizes in the blobs db */
	uint64_t map_size;      /* current LMDB map size */
	uint64_t index_bytes;   /* pages in use * page size */
};

/* store_stats - entry counts and sizes. Errors: as store_read_begin. */
int store_stats(store *s, struct store_stats *ret);

/* ---- maintenance: gc, export, import ---- */

/* store_trace_foreach - call fn(arg, id, t) for every trace record in the
 * snapshot of txn, in id order. t is the decoded trace, valid during the
 * call only; a record that does not decode or does not hash to its id is
 * passed with t == NULL. fn returns 0 to go on, > 0 to stop early (then
 * store_trace_foreach returns 0) or < 0 to stop with that error.
 * Errors: fn's, STORE_EFORK, -ENOMEM, STORE_ECORRUPT. */
int store_trace_foreach(store_txn *txn,
			int (*fn)(void *arg, const store_hash *id, const struct store_trace *t),
			void *arg);

/* store_action_foreach - call fn(arg, key, ids, n) for every action in the
 * snapshot of txn: its key and trace ids (newest first; valid during the
 * call only). Malformed action values are skipped. Return protocol and
 * errors as store_trace_foreach. */
int store_action_foreach(store_txn *txn,
			 int (*fn)(void *arg, const store_hash *key, const store_hash *ids,
				   size_t n),
			 void *arg);

/* What store_fsck_repair changed. */
struct store_repair_report {
	uint64_t traces_dropped;   /* undecodable, or naming a missing/bad blob */
	uint64_t ids_dropped;      /* action list entries naming no trace */
	uint64_t actions_dropped;  /* actions left with no trace */
	uint64_t records_dropped;  /* malformed blobs/statcache/runs records */
	uint64_t blobs_reindexed;  /* blob metadata re-added for kept traces */
	uint64_t objects_removed;  /* objects whose content did not match */
};

/* store_fsck_repair - make the index consistent again by dropping what is
 * broken, in ONE write txn (so a crash leaves the old or the new state):
 * traces that do not decode, do not hash to their id or name a missing
 * object (or, with STORE_FSCK_HASH, an object whose content does not
 * match, which is then removed after the commit); action-list entries
 * naming no trace (and actions left empty); malformed blobs, statcache and
 * runs records. A kept trace whose blob metadata is missing gets it back.
 * Errors: -EROFS, -EBUSY, STORE_EFORK, -ENOMEM, -ENOSPC, -errno. */
int store_fsck_repair(store *s, unsigned flags, struct store_repair_report *ret);

/* Default grace period of store_gc: objects, temp files and scratch
 * directories younger than this are never removed, so a shell that is
 * writing a run's result right now cannot lose it. */
#define STORE_GC_DEFAULT_GRACE_NS (3600LL * 1000000000LL)

struct store_gc_options {
	uint64_t max_bytes;     /* evict least-recently-used traces until the
				 * blobs the kept traces reference fit; 0 = no
				 * limit */
	int64_t older_than_ns;  /* drop traces not used for this long; 0 = off */
	int64_t grace_ns;       /* < 0: STORE_GC_DEFAULT_GRACE_NS; 0: none */
	bool dry_run;           /* decide and report, change nothing */
	/* Called for each trace dropped (or that would be, with dry_run):
	 * its id, last use and the bytes of the blobs only it referenced. May
	 * be NULL; must not use the store. */
	void (*on_drop)(void *arg, const store_hash *trace_id, int64_t last_use_ns,
			uint64_t bytes);
	/* Progress of the object sweep (done of total objects), for a
	 * terminal progress bar. May be NULL; must not use the store. */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
};

struct store_gc_report {
	uint64_t traces, traces_dropped;     /* traces before; dropped */
	uint64_t actions_dropped;            /* actions left with no trace */
	uint64_t blobs_unindexed;            /* blob metadata entries removed */
	uint64_t objects_removed;            /* object files unlinked */
	uint64_t bytes_before, bytes_freed;  /* object bytes on disk before; bytes
					      * unlinked (dry_run: that would be
					      * freed, now or after the grace) */
	uint64_t bytes_pending;              /* unreferenced now, unlinked by a
					      * gc after the grace period */
	uint64_t tmp_removed, scratch_removed; /* stale temp files, scratch dirs */
};

/* store_gc - collect garbage beside running shells.
 *
 * 1. In a read snapshot, each trace's last use (the oldest last-use time
 *    of its blobs, refreshed by hits) is computed and traces are chosen:
 *    not used for older_than_ns, then least recently used first until the
 *    blobs referenced by the rest fit in max_bytes. Traces recorded or
 *    used within the grace period are always kept.
 *    A trace's last use is the newest of: its recording, the latest run
 *    in the history that names it, the oldest last-use time of its blobs.
 * 2. One write txn removes the chosen traces, their action-list entries,
 *    and the metadata of every blob that no trace (as of that txn)
 *    references and that was not used within the grace period; those
 *    objects get a fresh ctime (chmod), which starts their grace period:
 *    a hit that looked its trace up just before can still replay it.
 * 3. The object sweep unlinks each object that has no metadata and whose
 *    ctime is older than the grace period, re-checking the metadata inside
 *    a write txn (batched); store_record checks its blobs inside its own
 *    txn, so a trace recorded concurrently can never name a removed
 *    object. Then temp files in tmp/ not written for the grace period
 *    (at least an hour) and scratch directories untouched for the grace
 *    period (at least a day) are removed, unless held
 *    (store_scratch_hold): a silent command may keep one for longer.
 * 4. Unless dry_run, store_sync retires the window of unsynced objects
 *    (a failure there is not gc's: ignored, the window stays open).
 * SIGKILL at any point leaves a consistent index (every step is one txn,
 * objects go after the index stops naming them); what is left behind is
 * collected by the next run. Errors: -EROFS, STORE_EFORK, -ENOMEM,
 * -ENOSPC, -errno; nothing is reported on error. */
int store_gc(store *s, const struct store_gc_options *opts, struct store_gc_report *ret);

/* ---- bundles: export and import (tar + zstd, libarchive) ----
 * A bundle is a tar archive compressed with zstd holding, in this order:
 *   shark-bundle/VERSION   "shark-bundle 2\n"
 *   shark-bundle/KEY       the exporting store's store_key_fingerprint, 32
 *                          hex digits and a newline: every name below is a
 *                          keyed hash, meaningful only under that key
 *   objects/<32 hex>       each blob the traces name, named by its hash
 *   traces/<32 hex>        each trace's encoding, named by its id (its hash)
 *   actions/<32 hex>       per action key: the bundle's trace ids under it
 *                          (16 bytes each, newest first)
 * Entry names are never used as paths: they are parsed as hashes. */

#define STORE_BUNDLE_MAX_ENTRIES (1u << 24)
#define STORE_BUNDLE_MAX_TRACE (64u << 20) /* bytes of one trace encoding */
/* Defaults of struct store_import_options: the uncompressed bytes of all
 * blobs of one bundle, and the memory its traces and actions may take
 * while it is checked (they are kept until the one write txn). */
#define STORE_IMPORT_DEFAULT_MAX_BYTES (16ull << 30)
#define STORE_IMPORT_DEFAULT_MAX_MEMORY (256ull << 20)

struct store_import_options {
	const char *origin;  /* where the bundle came from (e.g. its file name),
			      * kept with each trace it adds (store_trace_origin);
			      * NULL: "bundle". At most STORE_ORIGIN_MAX bytes kept. */
	uint64_t max_bytes;  /* 0: STORE_IMPORT_DEFAULT_MAX_BYTES */
	uint64_t max_memory; /* 0: STORE_IMPORT_DEFAULT_MAX_MEMORY */
};

#define STORE_ORIGIN_MAX 255

/* Where a trace came from, when it was not recorded by this store. */
struct store_origin {
	int64_t imported_ns;              /* CLOCK_REALTIME of the import */
	char text[STORE_ORIGIN_MAX + 1];  /* store_import_options.origin, NUL-ended;
					   * bytes as given (escape before printing) */
};

/* store_trace_origin - the origin of an imported trace. Errors: -ENOENT
 * (recorded by this store: a local trace), STORE_ECORRUPT, STORE_EFORK. */
int store_trace_origin(store_txn *txn, const store_hash *trace_id, struct store_origin *ret);

struct store_bundle_report {
	uint64_t actions, traces, blobs; /* entries exported / imported */
	uint64_t blob_bytes;
	char detail[256]; /* on a rejected import: which entry and why */
};

/* store_export - write a bundle of the given traces (n ids; n == 0: every
 * trace an action lists) and the actions that list them, to out_fd. A
 * trace no action lists any more (superseded by newer traces of its
 * action) is left out of n == 0 and refused when named (-ESTALE). Every blob is re-hashed
 * while it is copied: a corrupt object fails the export (STORE_ECORRUPT).
 * Errors: -ENOENT (an id that is not in the store), -ESTALE,
 * STORE_ECORRUPT, -ENOMEM, -EIO (libarchive), -ELIBACC (libarchive could not be loaded:
 * export and import open it on first use; ret->detail says why), -errno. */
int store_export(store *s, const store_hash *trace_ids, size_t n, int out_fd,
		 struct store_bundle_report *ret);

/* store_import - read a bundle (untrusted) from in_fd and add its traces
 * and actions to the store, with default options (store_import_opts).
 *
 * store_import_opts - the same with options. Everything is verified before
 * the index is touched: entry names and types, the version, the key
 * fingerprint (STORE_EKEY for a bundle made under another key: the
 * importing store must be created with that store's key, see
 * SHARK_HASH_KEY_FILE), each blob's content against its name, each trace's
 * encoding against its id and the decoder, every blob a trace names is in
 * the bundle or the store, every action names bundle traces, the archive
 * is complete (truncation is an error), the size and memory caps. Blobs
 * are staged as temp files and only moved into objects/ once all of that
 * passed, so a rejected bundle leaves nothing behind. Then traces, blob
 * metadata, origins and actions go into the index in ONE write txn.
 * Imported traces rank after the store's own under each action (a local
 * trace whose inputs match is always the one replayed), and each new one
 * keeps opts->origin (store_trace_origin). *ret is written on success and,
 * on failure, its detail names the problem.
 * Errors: -EINVAL (malformed bundle, bad name, unexpected entry),
 * STORE_ECORRUPT (a hash does not match), STORE_EKEY, STORE_ECOLLISION,
 * STORE_EBADTRACE, STORE_EVERSION, STORE_ELIMIT (a cap), -EIO (truncated
 * or unreadable archive), -ELIBACC (as for store_export), -EROFS, -ENOSPC,
 * -ENOMEM, -errno. */
int store_import_opts(store *s, int in_fd, const struct store_import_options *opts,
		      struct store_bundle_report *ret);
int store_import(store *s, int in_fd, struct store_bundle_report *ret);

#endif
