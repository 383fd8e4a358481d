/* blob.c - content-addressed blob files under <store>/objects/.
 *
 * A blob is written to a private temp file in <store>/tmp/ while being
 * hashed, made read-only, synced when it cannot be made again (durable.c
 * has the rule and what guards an unsynced one), then moved to
 * objects/ab/<30 hex> with renameat2(RENAME_NOREPLACE) (or link+unlink where
 * the filesystem lacks it), so an existing object is never replaced and a
 * reader never sees a partial object. Crashed writers leave only temp files,
 * which nothing references. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

#define COPY_CHUNK (256u << 10)
#define OBJ_REL_LEN (2 + 1 + STORE_HASH_HEX_LEN - 2) /* "ab/" + 30 hex */

struct store_blob_writer {
	store *s;
	int fd;
	char tmpname[64];
	store_hasher *h;
	uint64_t size;
	int err; /* first error; the writer is then dead */
	bool preset; /* content written behind the hasher's back: use preset_hash */
	bool durable; /* not regenerable: synced before it is named */
	store_hash preset_hash;
};

static int copy_fast(int in, int out);

/* "ab/<30 hex>" */
static void object_rel(const store_hash *h, char out[OBJ_REL_LEN + 1])
{
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	out[0] = hex[0];
	out[1] = hex[1];
	out[2] = '/';
	memcpy(out + 3, hex + 2, STORE_HASH_HEX_LEN - 2);
	out[OBJ_REL_LEN] = '\0';
}

int store_blob_path(const store *s, const store_hash *h, char *buf, size_t size)
{
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	int n = snprintf(buf, size, "%s/objects/%s", s->path, rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int store_blob_stat(store *s, const store_hash *h, struct stat *ret)
{
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	if (fstatat(s->objects_fd, rel, ret, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

int store_blob_check(store *s, const store_hash *h, uint64_t size)
{
	struct stat st;
	int r = store_blob_stat(s, h, &st);
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size)
		return STORE_ECORRUPT;
	return 0;
}

static ssize_t read_some(int fd, void *buf, size_t size)
{
	for (;;) {
		ssize_t n = read(fd, buf, size);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

int store_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_dir(store *s, const char *rel_dir)
{
	if (s->flags & STORE_NOSYNC)
		return 0;
	if (s->batch) { /* synced at store_batch_commit */
		unsigned d = (unsigned)strtoul(rel_dir, NULL, 16) & 255u;
		s->batch_dirs[d / 64] |= 1ull << (d % 64);
		return 0;
	}
	int fd = openat(s->objects_fd, rel_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Compare size bytes of a and b from offset 0 (pread: offsets untouched).
 * 1 when equal, 0 when not (or when one is shorter), -errno. The chunks
 * are small enough for the buffer to come from the heap and stay in the
 * cache: one of 512 KiB was mapped afresh at every call, and faulting its
 * pages in cost more than the compare of a 1 MB output. */
static int same_bytes(int a, int b, uint64_t size)
{
	enum { CHUNK = 32u << 10 };
	uint8_t *buf = malloc(2 * CHUNK);
	if (!buf)
		return -ENOMEM;
	int r = 1;
	for (uint64_t off = 0; r == 1 && off < size;) {
		size_t want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		ssize_t na = pread(a, buf, want, (off_t)off);
		ssize_t nb = na > 0 ? pread(b, buf + CHUNK, (size_t)na, (off_t)off) : 0;
		if (na < 0 || nb < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
		} else if (na == 0 || nb != na || memcmp(buf, buf + CHUNK, (size_t)na) != 0) {
			r = 0;
		} else {
			off += (uint64_t)na;
		}
	}
	free(buf);
	return r;
}

/* An object rel exists already where the new content (src, size bytes,
 * hashing to h) should go. 1: it holds the same bytes (keep it); 0: it is
 * damaged (another size or type, or content that no longer hashes to its
 * name), replace it; STORE_ECOLLISION: it is intact and other content
 * than src with the same hash; -errno. Comparing the bytes, not only the
 * sizes, is what keeps a constructed collision from swapping content. */
static int existing_object(store *s, const char *rel, int src, uint64_t size,
			   const store_hash *h)
{
	int fd = openat(s->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? 0 : -errno;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		r = 0;
	} else if ((uint64_t)st.st_size == size && (r = same_bytes(src, fd, size)) != 0) {
		/* equal (1), or a read error */
	} else {
		store_hash got;
		r = store_hash_fd(fd, &got, NULL);
		if (r == 0)
			r = store_hash_equal(&got, h) ? STORE_ECOLLISION : 0;
	}
	close(fd);
	return r;
}

/* Move dirfd/name (open as src, size bytes) to the object of h. 0 when
 * moved or when the object already existed with the same bytes (then the
 * source is left in place: *ret_existed = true). An existing object that
 * is damaged (say, truncated by a power loss under STORE_NOSYNC, or
 * rewritten) is replaced, atomically, by the new copy; an intact one with
 * other bytes is a collision: STORE_ECOLLISION, nothing moved. */
static int place_object(store *s, int dirfd, const char *name, int src, const store_hash *h,
			uint64_t size, bool sync, bool *ret_existed)
{
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	char sub[3] = { rel[0], rel[1], '\0' };
	if (mkdirat(s->objects_fd, sub, 0700) < 0 && errno != EEXIST)
		return -errno;
	*ret_existed = false;
	bool exists = false;
	if (renameat2(dirfd, name, s->objects_fd, rel, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST) {
			exists = true;
		} else if (errno != EINVAL && errno != ENOSYS) {
			return -errno;
		} else if (linkat(dirfd, name, s->objects_fd, rel, 0) < 0) {
			/* no RENAME_NOREPLACE here: link() refuses an existing name too */
			if (errno != EEXIST)
				return -errno;
			exists = true;
		} else {
			(void)unlinkat(dirfd, name, 0);
		}
	}
	if (exists) {
		int r = existing_object(s, rel, src, size, h);
		if (r < 0)
			return r;
		if (r == 1) {
			*ret_existed = true;
			return 0;
		}
		if (renameat(dirfd, name, s->objects_fd, rel) < 0)
			return -errno;
	}
	return sync ? sync_dir(s, sub) : 0;
}

/* Move the new object file dirfd/name (open as *fd) into place as place_object
 * does. A regenerable object (!durable) is named unsynced, under the
 * unsynced mark (durable.c); a durable one has its data durable before its
 * name appears, except in a batch, which takes *fd (then -1) and syncs it
 * at its commit, and then syncs nothing for an object that was already
 * there. When the mark cannot be set, the object is synced as a durable
 * one. */
static int commit_object(store *s, int *fd, int dirfd, const char *name, const store_hash *h,
			 uint64_t size, bool durable, bool *ret_existed)
{
	bool sync = !(s->flags & STORE_NOSYNC), defer = sync && s->batch;
	*ret_existed = false;
	if (sync && !durable && store_unsynced_begin(s) == 0) {
		int r = place_object(s, dirfd, name, *fd, h, size, false, ret_existed);
		store_unsynced_end(s);
		return r;
	}
	if (sync && !defer && fdatasync(*fd) < 0)
		return -errno;
	int r = place_object(s, dirfd, name, *fd, h, size, true, ret_existed);
	if (r < 0 || *ret_existed || !defer)
		return r;
	if (store_batch_add_fd(s, *fd) == 0) {
		*fd = -1;
		return 0;
	}
	return fdatasync(*fd) < 0 ? -errno : 0;
}

/* The writer's temporary file, made at its first byte (writer_open): a
 * writer that gets none, as the stderr of most commands, finds the empty
 * object in place at its commit and makes no file at all. On a filesystem
 * where every new inode is dear (ext4 without a journal scans the inodes
 * deleted in the last minutes, docs/performance.md) that is one file made
 * and removed less per command. */
static int writer_open(store_blob_writer *w)
{
	if (w->fd >= 0)
		return 0;
	static unsigned counter;
	for (int attempt = 0; attempt < 100; attempt++) {
		uint8_t rnd[8];
		store_hash seed;
		int64_t now = store_now_ns();
		unsigned c = counter++;
		memcpy(rnd, &now, sizeof(rnd));
		store_hash_bytes(rnd, sizeof(rnd), &seed);
		snprintf(w->tmpname, sizeof(w->tmpname), "blob.%ld.%u.%02x%02x%02x%02x",
			 (long)getpid(), c, seed.bytes[0], seed.bytes[1], seed.bytes[2], seed.bytes[3]);
		w->fd = openat(w->s->tmp_fd, w->tmpname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (w->fd >= 0 || errno != EEXIST)
			break;
	}
	if (w->fd >= 0)
		return 0;
	w->err = -errno;
	w->tmpname[0] = '\0'; /* not ours: never to be removed */
	return w->err;
}

/* Whether the empty object h is in place: a regular file of no bytes
 * (what existing_object keeps for an empty source). */
static bool empty_in_place(store *s, const store_hash *h)
{
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	struct stat st;
	return fstatat(s->objects_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size == 0;
}

int store_blob_writer_new(store *s, store_blob_writer **ret)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if ((s->flags & STORE_RDONLY) || s->tmp_fd < 0)
		return -EROFS;
	store_blob_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->s = s;
	w->fd = -1;
	if ((r = store_hasher_new(&w->h)) < 0) {
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int store_blob_write(store_blob_writer *w, const void *data, size_t len)
{
	if (w->err)
		return w->err;
	int r = writer_open(w);
	if (r < 0)
		return r;
	r = store_write_all(w->fd, data, len);
	if (r < 0) {
		w->err = r;
		return r;
	}
	store_hasher_update(w->h, data, len);
	w->size += len;
	return 0;
}

/* The holes of a regular file stay holes in the blob: walk fd's data
 * segments (SEEK_DATA/SEEK_HOLE) from its offset to its size as fstat sees
 * it now, hashing a hole as the zeros it reads as and skipping it in the
 * blob file instead of writing them. Leaves fd at the first byte not
 * handled (the caller copies the rest densely to EOF). buf holds
 * COPY_CHUNK bytes; zeros is COPY_CHUNK zero bytes. */
static int write_sparse(store_blob_writer *w, int fd, uint8_t *buf, const uint8_t *zeros)
{
	struct stat st;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0; /* a stream: all dense */
	while (pos < st.st_size) {
		off_t data = lseek(fd, pos, SEEK_DATA);
		if (data < 0 && errno != ENXIO)
			break; /* no SEEK_DATA here: the rest is dense */
		off_t end = data < 0 || data > st.st_size ? st.st_size : data;
		if (end > pos) {
			for (off_t left = end - pos; left > 0;) {
				size_t n = left < (off_t)COPY_CHUNK ? (size_t)left : COPY_CHUNK;
				store_hasher_update(w->h, zeros, n);
				left -= (off_t)n;
			}
			if (lseek(w->fd, end - pos, SEEK_CUR) < 0)
				return w->err = -errno;
			w->size += (uint64_t)(end - pos);
			pos = end;
		}
		if (data < 0 || data >= st.st_size)
			break;
		off_t hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole > st.st_size)
			hole = st.st_size;
		if (lseek(fd, data, SEEK_SET) < 0)
			return w->err = -errno;
		for (off_t left = hole - data; left > 0;) {
			ssize_t n = read_some(fd, buf, left < (off_t)COPY_CHUNK ? (size_t)left : COPY_CHUNK);
			if (n < 0)
				return w->err = (int)n;
			if (n == 0)
				break; /* shrunk meanwhile: the dense loop finds EOF */
			int r = store_blob_write(w, buf, (size_t)n);
			if (r < 0)
				return r;
			left -= n;
		}
		pos = lseek(fd, 0, SEEK_CUR);
		if (pos < 0)
			return w->err = -errno;
	}
	if (lseek(fd, pos, SEEK_SET) < 0)
		return w->err = -errno;
	/* a hole at the end: give the blob file its full size */
	if (ftruncate(w->fd, (off_t)w->size) < 0)
		return w->err = -errno;
	return 0;
}

int store_blob_write_from_fd(store_blob_writer *w, int fd)
{
	if (w->err)
		return w->err;
	int r0 = writer_open(w);
	if (r0 < 0)
		return r0;
	uint8_t *buf = malloc(COPY_CHUNK), *zeros = calloc(1, COPY_CHUNK);
	if (!buf || !zeros) {
		free(buf);
		free(zeros);
		return -ENOMEM;
	}
	int r = write_sparse(w, fd, buf, zeros);
	free(zeros);
	for (; r == 0;) {
		ssize_t n = read_some(fd, buf, COPY_CHUNK);
		if (n < 0) {
			r = w->err = (int)n;
			break;
		}
		if (n == 0)
			break;
		if ((r = store_blob_write(w, buf, (size_t)n)) < 0)
			break;
	}
	free(buf);
	return r;
}

void store_blob_writer_free(store_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		if (getpid() == w->s->pid)
			(void)unlinkat(w->s->tmp_fd, w->tmpname, 0);
	}
	store_hasher_free(w->h);
	free(w);
}

int store_blob_commit(store_blob_writer *w, store_hash *ret_hash, uint64_t *ret_size)
{
	store *s = w->s;
	int r = w->err ? w->err : store_check_usable(s);
	store_hash h;
	bool existed = false;
	if (r == 0) {
		if (w->preset)
			h = w->preset_hash;
		else
			store_hasher_final(w->h, &h);
		if (w->fd < 0 && w->size == 0 && empty_in_place(s, &h))
			existed = true; /* no byte, no file: the empty object is there */
		else if ((r = writer_open(w)) == 0 && fchmod(w->fd, 0444) < 0)
			r = -errno;
	}
	if (r == 0 && !existed)
		r = commit_object(s, &w->fd, s->tmp_fd, w->tmpname, &h, w->size, w->durable,
				  &existed);
	if ((r < 0 || existed) && w->tmpname[0])
		(void)unlinkat(s->tmp_fd, w->tmpname, 0);
	if (w->fd >= 0 && close(w->fd) < 0 && errno != EINTR && r == 0)
		r = -errno;
	w->fd = -1;
	if (r == 0) {
		if (ret_hash)
			*ret_hash = h;
		if (ret_size)
			*ret_size = w->size;
	}
	store_hasher_free(w->h);
	free(w);
	return r;
}

int store_blob_stage(store_blob_writer *w, char ret_name[STORE_STAGE_NAME_LEN],
		     store_hash *ret_hash, uint64_t *ret_size)
{
	store *s = w->s;
	int r = w->err ? w->err : store_check_usable(s);
	store_hash h;
	if (r == 0 && (r = writer_open(w)) == 0) {
		store_hasher_final(w->h, &h);
		if (fchmod(w->fd, 0444) < 0 ||
		    (w->durable && !(s->flags & STORE_NOSYNC) && fdatasync(w->fd) < 0))
			r = -errno;
	}
	if (w->fd >= 0 && close(w->fd) < 0 && errno != EINTR && r == 0)
		r = -errno;
	w->fd = -1;
	if (r < 0) {
		if (w->tmpname[0])
			(void)unlinkat(s->tmp_fd, w->tmpname, 0);
	} else {
		snprintf(ret_name, STORE_STAGE_NAME_LEN, "%s", w->tmpname);
		*ret_hash = h;
		*ret_size = w->size;
	}
	store_hasher_free(w->h);
	free(w);
	return r;
}

void store_blob_writer_set_durable(store_blob_writer *w)
{
	w->durable = true;
}

int store_blob_unstage(store *s, const char *name, const store_hash *h, uint64_t size,
		       bool durable)
{
	int fd = openat(s->tmp_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	bool existed = false;
	int r = commit_object(s, &fd, s->tmp_fd, name, h, size, durable, &existed);
	if (r < 0 || existed)
		(void)unlinkat(s->tmp_fd, name, 0);
	else if (fd >= 0)
		store_fresh_note(s, fd, h); /* hashed as written: fresh.c */
	if (fd >= 0)
		close(fd);
	return r;
}

void store_blob_stage_drop(store *s, const char *name)
{
	(void)unlinkat(s->tmp_fd, name, 0);
}

int store_blob_put(store *s, const void *data, size_t len, store_hash *ret_hash)
{
	store_blob_writer *w;
	int r = store_blob_writer_new(s, &w);
	if (r < 0)
		return r;
	if ((r = store_blob_write(w, data, len)) < 0) {
		store_blob_writer_free(w);
		return r;
	}
	return store_blob_commit(w, ret_hash, NULL);
}

int store_blob_put_file(store *s, int dirfd, const char *path, store_hash *ret_hash,
			uint64_t *ret_size)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	store_hash h;
	uint64_t size;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	/* hash first: content already stored costs one read */
	if ((r = store_hash_fd(fd, &h, &size)) < 0)
		goto out;
	/* the same bytes stored already (compared, not assumed from the
	 * hash): nothing to copy */
	char rel[OBJ_REL_LEN + 1];
	object_rel(&h, rel);
	int ofd = openat(s->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (ofd >= 0) {
		struct stat obj;
		int same = fstat(ofd, &obj) == 0 && S_ISREG(obj.st_mode) &&
					   (uint64_t)obj.st_size == size
				   ? same_bytes(fd, ofd, size)
				   : 0;
		close(ofd);
		if (same == 1)
			goto done;
	}
	store_blob_writer *w;
	if ((r = store_blob_writer_new(s, &w)) < 0)
		goto out;
	if ((r = writer_open(w)) < 0) {
		store_blob_writer_free(w);
		goto out;
	}
	if (ioctl(w->fd, FICLONE, fd) == 0) {
		/* shared extents: hash the clone, which cannot change under us */
		store_hash copied;
		if (lseek(w->fd, 0, SEEK_SET) < 0 ||
		    (r = store_hash_fd(w->fd, &copied, &size)) < 0) {
			r = r ? r : -errno;
			store_blob_writer_free(w);
			goto out;
		}
		w->preset = true;
		w->preset_hash = copied;
		w->size = size;
	} else if (lseek(fd, 0, SEEK_SET) < 0 || (r = store_blob_write_from_fd(w, fd)) < 0) {
		/* one pass that hashes exactly what it writes */
		r = r ? r : -errno;
		store_blob_writer_free(w);
		goto out;
	}
	if ((r = store_blob_commit(w, &h, &size)) < 0)
		goto out;
done:
	if (ret_hash)
		*ret_hash = h;
	if (ret_size)
		*ret_size = size;
out:
	close(fd);
	return r;
}

/* Import by copying fd's content, then remove the source name. */
static int import_by_copy(store *s, int fd, int dirfd, const char *path, store_hash *ret_hash,
			  uint64_t *ret_size)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	store_blob_writer *w;
	int r = store_blob_writer_new(s, &w);
	if (r < 0)
		return r;
	if ((r = store_blob_write_from_fd(w, fd)) < 0) {
		store_blob_writer_free(w);
		return r;
	}
	store_hash h;
	uint64_t size;
	if ((r = store_blob_commit(w, &h, &size)) < 0)
		return r;
	(void)unlinkat(dirfd, path, 0);
	if (ret_hash)
		*ret_hash = h;
	if (ret_size)
		*ret_size = size;
	return 0;
}

int store_blob_import(store *s, int dirfd, const char *path, store_hash *ret_hash,
		      uint64_t *ret_size)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st, objst;
	if (fstat(fd, &st) < 0 || fstat(s->objects_fd, &objst) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	/* A file with other names could be changed through them after it
	 * became an object; one on another filesystem cannot be renamed. */
	if (st.st_nlink != 1 || st.st_dev != objst.st_dev) {
		r = import_by_copy(s, fd, dirfd, path, ret_hash, ret_size);
		goto out;
	}
	store_hash h;
	uint64_t size;
	if ((r = store_hash_fd(fd, &h, &size)) < 0)
		goto out;
	if (fchmod(fd, 0444) < 0) {
		r = -errno;
		goto out;
	}
	bool existed;
	r = commit_object(s, &fd, dirfd, path, &h, size, false, &existed);
	if (r == -EXDEV) {
		(void)fchmod(fd, st.st_mode & 07777);
		r = import_by_copy(s, fd, dirfd, path, ret_hash, ret_size);
		goto out;
	}
	if (r < 0)
		goto restore;
	if (existed)
		(void)unlinkat(dirfd, path, 0);
	if (ret_hash)
		*ret_hash = h;
	if (ret_size)
		*ret_size = size;
	goto out;
restore:
	(void)fchmod(fd, st.st_mode & 07777);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int store_blob_exists(store *s, const store_hash *h, uint64_t *ret_size)
{
	struct stat st;
	int r = store_blob_stat(s, h, &st);
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode))
		return STORE_ECORRUPT;
	if (ret_size)
		*ret_size = (uint64_t)st.st_size;
	return 0;
}

int store_blob_open(store *s, const store_hash *h, int *ret_fd, uint64_t *ret_size)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	int fd = openat(s->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (ret_size) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		*ret_size = (uint64_t)st.st_size;
	}
	*ret_fd = fd;
	return 0;
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Was the object's stat *st verified before (a stat-cache entry naming h)?
 * Looked up in a read txn of its own when the handle has none open. */
static bool verified_before(store *s, const struct stat *st, const store_hash *h)
{
	store_txn *txn;
	if (store_read_begin(s, &txn) < 0)
		return false;
	store_hash cached;
	bool ok = store_stat_cache_lookup(txn, st, &cached) && store_hash_equal(&cached, h);
	store_read_end(txn);
	return ok;
}

/* Remove the object rel when it is still the file *st (a good copy put
 * there meanwhile by someone else is left alone). */
static void drop_object(store *s, const char *rel, const struct stat *st)
{
	struct stat now;
	if (s->flags & STORE_RDONLY)
		return;
	if (fstatat(s->objects_fd, rel, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_dev == st->st_dev && now.st_ino == st->st_ino)
		(void)unlinkat(s->objects_fd, rel, 0);
}

int store_blob_open_verified(store *s, const store_hash *h, uint64_t size, int *ret_fd)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	int fd = openat(s->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? STORE_ECORRUPT : -errno;
	struct stat st, after;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* another size: cut short by a crash, or damaged; left for the next
	 * commit of that content to replace */
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		r = STORE_ECORRUPT;
		goto fail;
	}
	if (store_fresh_match(s, &st, h) || verified_before(s, &st, h)) {
		*ret_fd = fd;
		return 0;
	}
	int64_t started = store_now_ns();
	store_hash got;
	if ((r = store_hash_fd(fd, &got, NULL)) < 0)
		goto fail;
	if (fstat(fd, &after) < 0) {
		r = -errno;
		goto fail;
	}
	if (!store_hash_equal(&got, h)) {
		drop_object(s, rel, &st);
		r = STORE_ECORRUPT;
		goto fail;
	}
	if (!same_file_state(&st, &after)) {
		r = STORE_ECORRUPT; /* changed while read: trust none of it */
		goto fail;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		goto fail;
	}
	/* remembered at the next write txn; the cache is an optimization, so
	 * a failure here only means hashing again next time */
	if (!(s->flags & STORE_RDONLY) && (s->verified || store_stat_updates_new(&s->verified) == 0))
		(void)store_stat_cache_add(s->verified, &st, started, h);
	*ret_fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

int store_blob_drop_if_corrupt(store *s, const store_hash *h)
{
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	int r = store_blob_verify(s, h);
	if (r != STORE_ECORRUPT)
		return r;
	char rel[OBJ_REL_LEN + 1];
	object_rel(h, rel);
	if (unlinkat(s->objects_fd, rel, 0) < 0 && errno != ENOENT)
		return -errno;
	return 1;
}

int store_blob_verify(store *s, const store_hash *h)
{
	int fd = -1;
	int r = store_blob_open(s, h, &fd, NULL);
	if (r < 0)
		return r;
	store_hash got;
	r = store_hash_fd(fd, &got, NULL);
	close(fd);
	if (r == 0 && !store_hash_equal(&got, h))
		r = STORE_ECORRUPT;
	return r;
}

/* Unverified copy: let the kernel move the bytes where it can. */
static int copy_fast(int in, int out)
{
	bool try_cfr = true, try_sendfile = true;
	for (;;) {
		ssize_t n;
		if (try_cfr) {
			n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == EBADF || errno == ENOSYS)) {
				try_cfr = false;
				continue;
			}
		} else if (try_sendfile) {
			n = sendfile(out, in, NULL, 1u << 30);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
				try_sendfile = false;
				continue;
			}
		} else {
			uint8_t buf[64 << 10];
			n = read_some(in, buf, sizeof(buf));
			if (n > 0) {
				int r = store_write_all(out, buf, (size_t)n);
				if (r < 0)
					return r;
			}
			if (n < 0)
				return (int)n;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
	}
}

/* Writing to a pipe whose reader has gone raises SIGPIPE, which would kill
 * a shell replaying into `| head`. The copy runs with SIGPIPE blocked, and
 * a SIGPIPE it caused is consumed, so the caller just sees -EPIPE. */
static int blob_copy(store *s, const store_hash *h, int out_fd, unsigned flags);

int store_blob_copy(store *s, const store_hash *h, int out_fd, unsigned flags)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	int r = blob_copy(s, h, out_fd, flags);
	if (r == -EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int blob_copy(store *s, const store_hash *h, int out_fd, unsigned flags)
{
	int fd = -1;
	int r = store_blob_open(s, h, &fd, NULL);
	if (r < 0)
		return r;
	if (!(flags & STORE_VERIFY)) {
		r = copy_fast(fd, out_fd);
		close(fd);
		return r;
	}
	store_hasher *hs = NULL;
	uint8_t *buf = malloc(COPY_CHUNK);
	if (!buf || (r = store_hasher_new(&hs)) < 0) {
		r = -ENOMEM;
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read_some(fd, buf, COPY_CHUNK);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0)
			break;
		store_hasher_update(hs, buf, (size_t)n);
		if ((r = store_write_all(out_fd, buf, (size_t)n)) < 0)
			break;
	}
	if (r == 0) {
		store_hash got;
		store_hasher_final(hs, &got);
		if (!store_hash_equal(&got, h))
			r = STORE_ECORRUPT;
	}
out:
	store_hasher_free(hs);
	free(buf);
	close(fd);
	return r;
}

int store_blob_read(store *s, const store_hash *h, size_t max_len, void **ret_data,
		    size_t *ret_len)
{
	int fd = -1;
	uint64_t size;
	int r = store_blob_open(s, h, &fd, &size);
	if (r < 0)
		return r;
	if (size > max_len || size > SIZE_MAX - 1) {
		close(fd);
		return STORE_ELIMIT;
	}
	uint8_t *buf = malloc((size_t)size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t n = read_some(fd, buf + got, (size_t)size - got);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (r == 0) {
		store_hash got_h;
		store_hash_bytes(buf, got, &got_h);
		if (got != size || !store_hash_equal(&got_h, h))
			r = STORE_ECORRUPT;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[got] = '\0';
	*ret_data = buf;
	*ret_len = got;
	return 0;
}
