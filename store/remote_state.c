/* remote_state.c - the shared cache's local state in <store>/remote/
 * (remote.h): the durable upload queue, the one-uploader lock, the
 * counters with the last error, and the "server is down" mark. Plain
 * files under flocks, shared by every process using the store. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"
#include "store/remote.h"

/* ---- local state: <store>/remote/ ---------------------------------------------- */

#define QREC 40
static const uint8_t QMAGIC[4] = { 's', 'h', 'q', '1' };
enum { Q_PENDING = 'P', Q_DONE = 'D' };

static int open_state(store *s, const char *name, int flags)
{
	if (flags & O_CREAT) {
		if (s->flags & STORE_RDONLY)
			return -EROFS;
		if (mkdirat(s->dirfd, "remote", 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	char path[64];
	snprintf(path, sizeof(path), "remote/%s", name);
	int fd = openat(s->dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	return fd < 0 ? -errno : fd;
}

static int lock_fd(int fd, int op)
{
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int store_remote_queue_add(store *s, const struct store_remote_item *items, size_t n)
{
	if (n == 0)
		return 0;
	int fd = open_state(s, "queue", O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0)
		return fd;
	uint8_t *buf = calloc(n, QREC);
	int e = buf ? lock_fd(fd, LOCK_EX) : -ENOMEM;
	struct stat st;
	if (e == 0 && fstat(fd, &st) < 0)
		e = -errno;
	/* a record torn by a crash is dropped before appending after it */
	if (e == 0 && st.st_size % QREC && ftruncate(fd, st.st_size - st.st_size % QREC) < 0)
		e = -errno;
	if (e == 0) {
		for (size_t i = 0; i < n; i++) {
			uint8_t *p = buf + i * QREC;
			memcpy(p, QMAGIC, 4);
			p[4] = Q_PENDING;
			memcpy(p + 8, items[i].action_key.bytes, STORE_HASH_SIZE);
			memcpy(p + 24, items[i].trace_id.bytes, STORE_HASH_SIZE);
		}
		e = store_write_all(fd, buf, n * QREC);
	}
	/* Not synced: a record in the page cache survives SIGKILL of any
	 * process (and its uploader's exit), only a power loss or a kernel
	 * crash can drop it, and then the traces it names are in the index
	 * still: `shark remote push --all` queues them again (remote.h). */
	free(buf);
	close(fd);
	return e;
}

/* Read the whole queue file (under the caller's lock). */
static int read_queue(int fd, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	size_t len = (size_t)st.st_size - (size_t)st.st_size % QREC;
	uint8_t *b = malloc(len ? len : 1);
	if (!b)
		return -ENOMEM;
	size_t off = 0;
	while (off < len) {
		ssize_t k = pread(fd, b + off, len - off, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	*ret = b;
	*ret_len = off - off % QREC;
	return 0;
}

int store_remote_queue_pending(store *s, struct store_remote_item **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	int fd = open_state(s, "queue", O_RDONLY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	uint8_t *b = NULL;
	size_t len = 0;
	int e = lock_fd(fd, LOCK_SH);
	if (e == 0)
		e = read_queue(fd, &b, &len);
	close(fd);
	if (e < 0)
		return e;
	struct store_remote_item *v = calloc(len / QREC + 1, sizeof(*v));
	if (!v) {
		free(b);
		return -ENOMEM;
	}
	size_t n = 0;
	for (size_t off = 0; off < len; off += QREC) {
		if (memcmp(b + off, QMAGIC, 4) != 0 || b[off + 4] != Q_PENDING)
			continue;
		memcpy(v[n].action_key.bytes, b + off + 8, STORE_HASH_SIZE);
		memcpy(v[n].trace_id.bytes, b + off + 24, STORE_HASH_SIZE);
		v[n].slot = off / QREC;
		n++;
	}
	free(b);
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_remote_queue_done(store *s, const struct store_remote_item *item)
{
	int fd = open_state(s, "queue", O_RDWR);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	uint8_t *b = NULL;
	size_t len = 0;
	int e = lock_fd(fd, LOCK_EX);
	if (e == 0)
		e = read_queue(fd, &b, &len);
	if (e == 0) {
		size_t off = (size_t)item->slot * QREC;
		/* the record is still the one read (the queue may have been
		 * emptied and refilled since) */
		if (off + QREC <= len && memcmp(b + off, QMAGIC, 4) == 0 &&
		    memcmp(b + off + 8, item->action_key.bytes, STORE_HASH_SIZE) == 0 &&
		    memcmp(b + off + 24, item->trace_id.bytes, STORE_HASH_SIZE) == 0) {
			uint8_t d = Q_DONE;
			if (pwrite(fd, &d, 1, (off_t)off + 4) != 1)
				e = -errno;
			b[off + 4] = Q_DONE;
		}
		bool left = false;
		for (size_t o = 0; o < len; o += QREC)
			if (memcmp(b + o, QMAGIC, 4) == 0 && b[o + 4] == Q_PENDING)
				left = true;
		if (e == 0 && !left && ftruncate(fd, 0) < 0)
			e = -errno;
	}
	free(b);
	close(fd);
	return e;
}

int store_remote_uploader_lock(store *s, bool nonblock)
{
	int fd = open_state(s, "upload.lock", O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	int e = lock_fd(fd, LOCK_EX | (nonblock ? LOCK_NB : 0));
	if (e < 0) {
		close(fd);
		return e;
	}
	return fd;
}

int store_remote_push_wait_begin(store *s)
{
	int fd = open_state(s, "push.wait", O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	int e = lock_fd(fd, LOCK_SH);
	if (e < 0) {
		close(fd);
		return e;
	}
	return fd;
}

bool store_remote_push_waiting(store *s)
{
	int fd = open_state(s, "push.wait", O_RDONLY);
	if (fd < 0)
		return false;
	bool waiting = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return waiting;
}

static const uint8_t SMAGIC[8] = { 's', 'h', 'r', 's', 't', 'a', 't', '1' };

static int read_stats(int fd, struct store_remote_stats *ret)
{
	uint8_t b[8 + sizeof(*ret)];
	ssize_t k = pread(fd, b, sizeof(b), 0);
	memset(ret, 0, sizeof(*ret));
	if (k == (ssize_t)sizeof(b) && memcmp(b, SMAGIC, 8) == 0) {
		memcpy(ret, b + 8, sizeof(*ret));
		ret->last_error[sizeof(ret->last_error) - 1] = '\0';
	}
	return 0;
}

int store_remote_stats_add(store *s, uint64_t hits, uint64_t bytes_in, uint64_t bytes_out,
			   uint64_t uploads, const char *error)
{
	int fd = open_state(s, "stats", O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	int e = lock_fd(fd, LOCK_EX);
	if (e == 0) {
		struct store_remote_stats st;
		read_stats(fd, &st);
		st.hits += hits;
		st.bytes_in += bytes_in;
		st.bytes_out += bytes_out;
		st.uploads += uploads;
		if (error && *error) {
			st.last_error_ns = store_now_ns();
			snprintf(st.last_error, sizeof(st.last_error), "%s", error);
		} else if (error) {
			st.last_ok_ns = store_now_ns();
			st.last_error[0] = '\0';
			st.last_error_ns = 0;
		}
		uint8_t b[8 + sizeof(st)];
		memcpy(b, SMAGIC, 8);
		memcpy(b + 8, &st, sizeof(st));
		if (pwrite(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
			e = -EIO;
	}
	close(fd);
	return e;
}

int store_remote_stats_get(store *s, struct store_remote_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	int fd = open_state(s, "stats", O_RDONLY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	int e = lock_fd(fd, LOCK_SH);
	if (e == 0)
		read_stats(fd, ret);
	close(fd);
	return e;
}

/* The mark is the file's mtime, set to when the period ends. */
int store_remote_mark_down(store *s, unsigned seconds)
{
	int fd = open_state(s, "down", O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	int e = lock_fd(fd, LOCK_EX);
	struct stat st;
	time_t now = time(NULL);
	if (e == 0 && fstat(fd, &st) < 0)
		e = -errno;
	if (e == 0) {
		if (st.st_mtime > now && st.st_mtime <= now + (time_t)seconds) {
			e = 0; /* a period runs already */
		} else {
			struct timespec ts[2] = { { .tv_sec = now + (time_t)seconds },
						  { .tv_sec = now + (time_t)seconds } };
			e = futimens(fd, ts) < 0 ? -errno : 1;
		}
	}
	close(fd);
	return e;
}

bool store_remote_is_down(store *s)
{
	struct stat st;
	if (fstatat(s->dirfd, "remote/down", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return st.st_mtime > time(NULL);
}
