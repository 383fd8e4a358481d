/* journal.c - the run history without a synced commit per cache hit.
 *
 * A hit must not pay an fdatasync (milliseconds on a VM or laptop disk) to
 * note itself in the history. store_flush_lazy appends the handle's queued
 * runs to index/history.journal with one write(2) and no sync; every write
 * transaction (any process) folds the journal into the runs database, in
 * the same transaction, and empties it once that committed.
 *
 * File: a 32-byte header (magic, then 16 random bytes naming this
 * generation of the journal), then records: u32 payload length, 8 bytes of
 * the payload's XXH3-128 hash, payload = u8 touch flag, 16-byte trace id,
 * the encoded run. A record cut short by a crash, or one that fails its
 * hash, ends the journal there.
 *
 * Locking: flock(LOCK_EX) on the journal. An appender holds it for one
 * write. A folder takes it inside its write txn (LMDB's writer lock first,
 * the journal's second; appenders never take LMDB's) and keeps it until
 * the commit is decided, so an append is either folded by that commit or
 * made after the journal was emptied. If a folder dies between its commit
 * and emptying the journal, the meta database says how far that
 * generation was folded (key "journal": generation, offset, written in the
 * same txn), so nothing is added twice. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

#define JOURNAL "index/history.journal"
#define MAGIC "shark-journal 1\n" /* 16 bytes */
#define HEADER_LEN 32
#define REC_HEAD 12               /* u32 length + 8 bytes of hash */
#define MAX_JOURNAL (1u << 20)    /* beyond this, appenders commit instead */
#define MAX_PAYLOAD (1u << 20)

static const char META_KEY[] = "journal";

static void checksum(const uint8_t *p, size_t len, uint8_t out[8])
{
	store_hash h;
	store_hash_bytes(p, len, &h);
	memcpy(out, h.bytes, 8);
}

bool store_journal_nonempty(store *s)
{
	struct stat st;
	return fstatat(s->dirfd, JOURNAL, &st, 0) == 0 && st.st_size > HEADER_LEN;
}

int store_journal_append(store *s)
{
	if (s->n_pending == 0)
		return 0;
	size_t len = HEADER_LEN;
	for (size_t i = 0; i < s->n_pending; i++) {
		if (s->pending[i].len + 17 > MAX_PAYLOAD)
			return -EFBIG;
		len += REC_HEAD + 17 + s->pending[i].len;
	}
	if (len > MAX_JOURNAL)
		return -EFBIG;
	uint8_t *buf = malloc(len), *p = buf + HEADER_LEN;
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_pending; i++) {
		const struct store_pending_run *r = &s->pending[i];
		uint8_t *payload = p + REC_HEAD;
		store_put_u32(p, (uint32_t)(17 + r->len));
		payload[0] = r->touch;
		memcpy(payload + 1, r->trace_id.bytes, 16);
		memcpy(payload + 17, r->enc, r->len);
		checksum(payload, 17 + r->len, p + 4);
		p += REC_HEAD + 17 + r->len;
	}
	int fd = openat(s->dirfd, JOURNAL, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	int r = fd < 0 ? -errno : store_lock(fd);
	struct stat st;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && (uint64_t)st.st_size + len > MAX_JOURNAL)
		r = -EFBIG;
	if (r == 0) {
		const uint8_t *from = buf + HEADER_LEN;
		if (st.st_size < HEADER_LEN) {
			/* empty (or a header cut short): a new generation */
			store_hash gen;
			int64_t now = store_now_ns();
			uint8_t seed[16];
			memcpy(seed, &now, 8);
			pid_t pid = getpid();
			memset(seed + 8, 0, 8);
			memcpy(seed + 8, &pid, sizeof(pid));
			store_hash_bytes(seed, sizeof(seed), &gen);
			memcpy(buf, MAGIC, 16);
			memcpy(buf + 16, gen.bytes, 16);
			from = buf;
			if (st.st_size != 0 && ftruncate(fd, 0) < 0)
				r = -errno;
		}
		if (r == 0)
			r = store_write_all(fd, from, len - (size_t)(from - buf));
	}
	if (fd >= 0)
		close(fd); /* and unlock */
	free(buf);
	if (r == 0)
		store_pending_runs_clear(s);
	return r;
}

/* Add the records of buf[from..len) to txn; the offset after the last good
 * one in *ret_end. */
static int fold_records(store *s, MDB_txn *txn, const uint8_t *buf, size_t len, size_t from,
			size_t *ret_end)
{
	size_t off = from;
	while (len - off >= REC_HEAD) {
		uint32_t n = store_get_u32(buf + off);
		if (n < 17 || n > MAX_PAYLOAD || n > len - off - REC_HEAD)
			break;
		const uint8_t *payload = buf + off + REC_HEAD;
		uint8_t sum[8];
		checksum(payload, n, sum);
		if (memcmp(sum, buf + off + 4, 8) != 0)
			break;
		int rc = 0;
		if (payload[0]) {
			store_hash id;
			memcpy(id.bytes, payload + 1, 16);
			rc = store_touch_trace(s, txn, &id);
		}
		if (rc == 0)
			rc = store_append_run_encoded(s, txn, payload + 17, n - 17, NULL);
		if (rc)
			return rc;
		off += REC_HEAD + n;
	}
	*ret_end = off;
	return 0;
}

int store_journal_fold(store *s, MDB_txn *txn, int *ret_lock)
{
	*ret_lock = -1;
	int fd = openat(s->dirfd, JOURNAL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && st.st_size <= HEADER_LEN) {
		close(fd); /* nothing to fold (an append now waits for the next txn) */
		return 0;
	}
	if (r == 0)
		r = store_lock(fd);
	if (r == 0 && fstat(fd, &st) < 0) /* as it is now that we hold it */
		r = -errno;
	if (r < 0 || st.st_size <= HEADER_LEN) {
		close(fd);
		return r;
	}
	/* No appender makes it longer than MAX_JOURNAL: a longer file is not
	 * ours to read, only to empty. */
	size_t len = st.st_size > (off_t)MAX_JOURNAL ? 0 : (size_t)st.st_size;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	ssize_t got = len ? pread(fd, buf, len, 0) : 0;
	if (got < 0)
		r = -errno;
	else
		len = (size_t)got;
	size_t start = HEADER_LEN, end = HEADER_LEN;
	MDB_val k = { sizeof(META_KEY) - 1, (void *)META_KEY }, v;
	if (r == 0 && (len < HEADER_LEN || memcmp(buf, MAGIC, 16) != 0))
		len = 0; /* not a journal we can read: emptied below */
	if (r == 0 && len && mdb_get(txn, s->db_meta, &k, &v) == 0 && v.mv_size == 24 &&
	    memcmp(v.mv_data, buf + 16, 16) == 0) {
		uint64_t done = store_get_u64((uint8_t *)v.mv_data + 16);
		start = done > len ? len : (size_t)done; /* folded before an untimely death */
	}
	if (r == 0 && len)
		r = fold_records(s, txn, buf, len, start, &end);
	if (r == 0 && len) {
		uint8_t mark[24];
		memcpy(mark, buf + 16, 16);
		store_put_u64(mark + 16, end);
		v.mv_size = sizeof(mark);
		v.mv_data = mark;
		r = mdb_put(txn, s->db_meta, &k, &v, 0);
	}
	free(buf);
	if (r != 0) {
		close(fd);
		return r;
	}
	*ret_lock = fd;
	return 0;
}

void store_journal_done(int lock, bool committed)
{
	if (lock < 0)
		return;
	/* Emptied: the next append starts a new generation. */
	if (committed)
		(void)ftruncate(lock, 0);
	close(lock);
}

int store_fold_history(const char *path)
{
	char j[PATH_MAX];
	struct stat st;
	if (snprintf(j, sizeof(j), "%s/" JOURNAL, path) >= (int)sizeof(j))
		return -ENAMETOOLONG;
	if (stat(j, &st) < 0 || st.st_size <= HEADER_LEN)
		return 0;
	store *s;
	int r = store_open(path, 0, &s);
	if (r < 0)
		return r;
	r = store_flush(s);
	store_close(s);
	return r;
}
