/* uring.c - many fsync() calls side by side, through io_uring.
 *
 * A pipeline's record syncs every new object before its one LMDB commit.
 * Queued as IORING_OP_FSYNC requests on a small ring and submitted in
 * waves, they run side by side and the file system commits them together.
 * The ring is made on first use, kept in the store handle and released by
 * store_close. Where io_uring is missing or refused (old kernel,
 * kernel.io_uring_disabled, a seccomp filter) the syncs fall back to an
 * fsync() loop, so callers never see the difference.
 *
 * This is a minimal ring written against <linux/io_uring.h> (no liburing):
 * one submission queue, no SQPOLL, no registered files. */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store/internal.h"

#define RING_ENTRIES 256u

struct store_uring {
	int fd;
	void *ring;
	size_t ring_size;
	struct io_uring_sqe *sqes;
	size_t sqes_size;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	unsigned entries;
};

static int ring_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int ring_enter(int fd, unsigned submit, unsigned wait)
{
	return (int)syscall(__NR_io_uring_enter, fd, submit, wait, IORING_ENTER_GETEVENTS, NULL, 0);
}

void store_uring_free(struct store_uring *u)
{
	if (!u)
		return;
	if (u->sqes)
		munmap(u->sqes, u->sqes_size);
	if (u->ring)
		munmap(u->ring, u->ring_size);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

static int uring_new(struct store_uring **ret)
{
	struct store_uring *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	u->fd = ring_setup(RING_ENTRIES, &p); /* io_uring fds are always O_CLOEXEC */
	if (u->fd < 0) {
		int e = -errno;
		free(u);
		return e;
	}
	/* one mapping for both rings (every kernel since 5.4) */
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		store_uring_free(u);
		return -ENOSYS;
	}
	size_t sq = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	u->ring_size = sq > cq ? sq : cq;
	u->ring = mmap(NULL, u->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		       IORING_OFF_SQ_RING);
	if (u->ring == MAP_FAILED) {
		u->ring = NULL;
		store_uring_free(u);
		return -ENOMEM;
	}
	u->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		       IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED) {
		u->sqes = NULL;
		store_uring_free(u);
		return -ENOMEM;
	}
	char *r = u->ring;
	u->sq_tail = (unsigned *)(r + p.sq_off.tail);
	u->sq_mask = (unsigned *)(r + p.sq_off.ring_mask);
	u->sq_array = (unsigned *)(r + p.sq_off.array);
	u->cq_head = (unsigned *)(r + p.cq_off.head);
	u->cq_tail = (unsigned *)(r + p.cq_off.tail);
	u->cq_mask = (unsigned *)(r + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(r + p.cq_off.cqes);
	u->entries = p.sq_entries;
	*ret = u;
	return 0;
}

/* Run n requests on the ring, in waves of at most the ring size: fill(e,
 * i, ctx) prepares request i; res[i] gets its result (0 or -errno). */
typedef void ring_fill_fn(struct io_uring_sqe *e, size_t i, const void *ctx);

static int ring_run(struct store_uring *u, size_t n, ring_fill_fn *fill, const void *ctx,
		    int *res)
{
	size_t submitted = 0, done = 0;
	unsigned unsubmitted = 0; /* queued in the ring, not yet taken */
	while (done < n) {
		unsigned tail = *u->sq_tail;
		while (submitted < n && submitted - done < u->entries) {
			unsigned idx = tail & *u->sq_mask;
			struct io_uring_sqe *e = &u->sqes[idx];
			memset(e, 0, sizeof(*e));
			fill(e, submitted, ctx);
			e->user_data = submitted;
			u->sq_array[idx] = idx;
			tail++;
			submitted++;
			unsubmitted++;
		}
		atomic_store_explicit((_Atomic unsigned *)u->sq_tail, tail, memory_order_release);
		int r = ring_enter(u->fd, unsubmitted, 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		unsubmitted -= (unsigned)r < unsubmitted ? (unsigned)r : unsubmitted;
		unsigned head = *u->cq_head;
		unsigned ctail = atomic_load_explicit((_Atomic unsigned *)u->cq_tail,
						      memory_order_acquire);
		for (; head != ctail; head++) {
			const struct io_uring_cqe *c = &u->cqes[head & *u->cq_mask];
			if (c->user_data < n)
				res[c->user_data] = c->res < 0 ? c->res : 0;
			done++;
		}
		atomic_store_explicit((_Atomic unsigned *)u->cq_head, head, memory_order_release);
	}
	return 0;
}

static void fill_fsync(struct io_uring_sqe *e, size_t i, const void *arg)
{
	const int *fds = arg;
	e->opcode = IORING_OP_FSYNC;
	e->fd = fds[i];
}

/* The store's ring, made on first use; NULL where io_uring is refused. */
static struct store_uring *get_ring(store *s)
{
	if (!s->uring && !s->uring_failed && uring_new(&s->uring) < 0)
		s->uring_failed = true;
	return s->uring;
}

/* A ring that fails mid-batch is dropped for good. */
static void drop_ring(store *s)
{
	store_uring_free(s->uring);
	s->uring = NULL;
	s->uring_failed = true;
}

void store_fsync_many(store *s, size_t n, const int *fds, int *res)
{
	/* Side by side, the file system commits them together (one journal
	 * commit for many files instead of one each). */
	if (n >= 2 && get_ring(s)) {
		if (ring_run(s->uring, n, fill_fsync, fds, res) == 0)
			return;
		drop_ring(s);
	}
	for (size_t i = 0; i < n; i++)
		res[i] = fsync(fds[i]) < 0 ? -errno : 0;
}
