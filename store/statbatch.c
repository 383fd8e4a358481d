/* statbatch.c - the stats of a whole trace's inputs, on every CPU.
 *
 * Verifying a trace stats every input, thousands for a python script or a
 * glob. On this project's VMs one system call costs 2-3 us, so a loop of
 * 2,000 stats alone is the whole 5 ms budget. Stats of different paths are
 * independent, so a batch spreads them over worker threads: the queries
 * are cut into chunks of CHUNK; each worker, and the caller whenever it
 * needs a chunk nobody has finished, claims the next unclaimed chunk with
 * one atomic add and stats it. The caller walks the answers in its own
 * order and answers each path from the stat cache on its own thread (an
 * LMDB read txn belongs to one thread), while the workers stat ahead. A
 * caller that stops early (a mismatch: the trace is not a hit) ends the
 * batch, and the workers stop after their current chunk.
 *
 * Absolute paths are statted relative to their parent directory when
 * several queries in a row share it (a trace lists its inputs sorted): the
 * parent is opened once, and each stat walks one name instead of the whole
 * path. That is cheaper on its own, and it keeps threads off the root
 * directory's reference count, which every absolute lookup takes and drops
 * and which would otherwise bounce between the CPUs.
 *
 * Small batches, and machines with one CPU, get no thread: the caller then
 * stats chunk by chunk as it goes, which is the plain loop. io_uring's
 * IORING_OP_STATX was tried first: it always runs on io-wq worker threads,
 * and starting those in a fresh shark process cost more than the system
 * calls it saved (docs/performance.md).
 *
 * Workers block every signal (the shell's handlers run on its own thread)
 * and are joined by store_stat_batch_end, so none outlives the batch. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

#define CHUNK 32
#define MAX_WORKERS 3
#define MIN_PER_WORKER 256 /* a thread costs about as much as 20-40 stats */
#define MIN_GROUP 4        /* paths in a row under one parent to open it */

/* What the verification needs of one stat, kept small: the results of a
 * batch are one fresh mapping, and on this project's VMs each page first
 * touched costs microseconds (a whole struct stat per path would be twice
 * the pages). */
struct result {
	int err; /* 0 or -errno */
	mode_t mode;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

/* Where query i is looked up: its own dirfd and path, or a parent opened
 * for its group and its last name. */
struct where {
	int dirfd;
	const char *name;
};

struct store_stat_batch {
	store_txn *txn;
	store_stat_updates *updates;
	size_t n, n_chunks;
	const struct store_stat_query *q;
	struct where *at;
	int *parents; /* the opened parents, closed at the end */
	size_t n_parents;
	void *map; /* results, then the chunk flags: one populated mapping */
	size_t map_len;
	struct result *res;
	atomic_uchar *done; /* per chunk: its results are in */
	atomic_size_t next; /* the next unclaimed chunk */
	pthread_t workers[MAX_WORKERS];
	int n_workers;
};

static void stat_chunk(struct store_stat_batch *b, size_t c)
{
	size_t end = (c + 1) * CHUNK < b->n ? (c + 1) * CHUNK : b->n;
	for (size_t i = c * CHUNK; i < end; i++) {
		struct stat st;
		struct result *r = &b->res[i];
		if (fstatat(b->at[i].dirfd, b->at[i].name, &st,
			    b->q[i].at_flags & AT_SYMLINK_NOFOLLOW) < 0) {
			r->err = -errno;
			continue;
		}
		*r = (struct result){
			.mode = st.st_mode,
			.dev = st.st_dev,
			.ino = st.st_ino,
			.size = st.st_size,
			.mtim = st.st_mtim,
			.ctim = st.st_ctim,
		};
	}
	atomic_store_explicit(&b->done[c], 1, memory_order_release);
}

/* Claim and stat one chunk; false when none is left. */
static bool claim_one(struct store_stat_batch *b)
{
	size_t c = atomic_fetch_add_explicit(&b->next, 1, memory_order_relaxed);
	if (c >= b->n_chunks)
		return false;
	stat_chunk(b, c);
	return true;
}

static void *worker(void *arg)
{
	struct store_stat_batch *b = arg;
	while (claim_one(b))
		;
	return NULL;
}

static int online_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return CPU_COUNT(&set);
}

static void start_workers(struct store_stat_batch *b)
{
	if (b->n < MIN_PER_WORKER)
		return;
	int want = online_cpus() - 1;
	if ((size_t)want > b->n / MIN_PER_WORKER)
		want = (int)(b->n / MIN_PER_WORKER);
	if (want > MAX_WORKERS)
		want = MAX_WORKERS;
	if (want <= 0)
		return;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (b->n_workers < want &&
	       pthread_create(&b->workers[b->n_workers], NULL, worker, b) == 0)
		b->n_workers++; /* one that cannot start leaves the work to the rest */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Length of the parent of absolute path p ("/a/b" -> 2, "/b" -> 0: the
 * root), or -1 for a relative path or one without a last name. */
static ssize_t parent_len(const char *p)
{
	const char *slash = strrchr(p, '/');
	if (p[0] != '/' || !slash || !slash[1])
		return -1;
	return slash - p;
}

/* Fill b->at: each group of at least MIN_GROUP absolute paths in a row
 * with one parent gets that parent opened. A parent that cannot be opened
 * (absent, not a directory) leaves its paths whole: their stats then give
 * the error the path itself gives. */
static int group_parents(struct store_stat_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->at[i] = (struct where){ b->q[i].dirfd, b->q[i].path };
	size_t i = 0;
	while (i < b->n) {
		ssize_t plen = parent_len(b->q[i].path);
		size_t j = i + 1;
		while (plen >= 0 && j < b->n && parent_len(b->q[j].path) == plen &&
		       memcmp(b->q[j].path, b->q[i].path, (size_t)plen) == 0)
			j++;
		if (plen >= 0 && j - i >= MIN_GROUP) {
			char dir[STORE_MAX_PATH + 1];
			if ((size_t)plen > STORE_MAX_PATH) {
				i = j;
				continue;
			}
			memcpy(dir, b->q[i].path, (size_t)plen);
			dir[plen] = '\0';
			int fd = open(plen ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0) {
				int *np = reallocarray(b->parents, b->n_parents + 1, sizeof(*np));
				if (!np) {
					close(fd);
					return -ENOMEM;
				}
				b->parents = np;
				b->parents[b->n_parents++] = fd;
				for (size_t k = i; k < j; k++)
					b->at[k] = (struct where){ fd, b->q[k].path + plen + 1 };
			}
		}
		i = j;
	}
	return 0;
}

static void batch_free(struct store_stat_batch *b)
{
	for (size_t k = 0; k < b->n_parents; k++)
		close(b->parents[k]);
	free(b->parents);
	free(b->at);
	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, b->map_len);
	free(b);
}

int store_stat_batch_begin(store_txn *txn, store_stat_updates *updates, size_t n,
			   const struct store_stat_query *queries, store_stat_batch **ret)
{
	if (!txn || !ret || (n && !queries))
		return -EINVAL;
	int r = store_check_forked(txn->s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!queries[i].path)
			return -EINVAL;
	store *s = txn->s;
	if (s->stat_batch_open)
		return -EBUSY;
	struct store_stat_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	size_t n_chunks = (n + CHUNK - 1) / CHUNK;
	*b = (struct store_stat_batch){
		.txn = txn,
		.updates = updates,
		.n = n,
		.n_chunks = n_chunks,
		.q = queries,
		.map_len = n * sizeof(struct result) + n_chunks + 1,
	};
	/* populated in one go: cheaper than a fault per page as it fills */
	b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	b->at = malloc((n ? n : 1) * sizeof(*b->at));
	if (b->map == MAP_FAILED || !b->at || (r = group_parents(b)) < 0) {
		batch_free(b);
		return r < 0 ? r : -ENOMEM;
	}
	b->res = b->map;
	b->done = (atomic_uchar *)((char *)b->map + n * sizeof(struct result));
	for (size_t c = 0; c < n_chunks; c++)
		atomic_init(&b->done[c], 0);
	atomic_init(&b->next, 0);
	start_workers(b);
	s->stat_batch_open = true;
	*ret = b;
	return 0;
}

/* Wait until query i has its stat, stating chunks ourselves meanwhile. */
static void wait_for(struct store_stat_batch *b, size_t i)
{
	size_t c = i / CHUNK;
	while (!atomic_load_explicit(&b->done[c], memory_order_acquire))
		if (!claim_one(b))
			sched_yield(); /* a worker is on it: at most one chunk */
}

static void stat_from_result(const struct result *x, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = x->dev;
	st->st_ino = x->ino;
	st->st_mode = x->mode;
	st->st_size = x->size;
	st->st_mtim = x->mtim;
	st->st_ctim = x->ctim;
}

int store_stat_batch_stat(store_stat_batch *b, size_t i, struct stat *ret)
{
	if (!b || i >= b->n || !ret)
		return -EINVAL;
	wait_for(b, i);
	if (b->res[i].err < 0)
		return b->res[i].err;
	stat_from_result(&b->res[i], ret);
	return 0;
}

int store_stat_batch_answer(store_stat_batch *b, size_t i, struct store_path_state *ret)
{
	struct stat st;
	int r = store_stat_batch_stat(b, i, &st);
	if (r < 0)
		return r;
	return store_stat_answer(b->txn, b->updates, b->at[i].dirfd, b->at[i].name,
				 b->q[i].at_flags, &st, ret);
}

void store_stat_batch_end(store_stat_batch *b)
{
	if (!b)
		return;
	/* unclaimed chunks stay unclaimed: each worker ends after its own */
	atomic_store_explicit(&b->next, b->n_chunks, memory_order_relaxed);
	for (int k = 0; k < b->n_workers; k++)
		pthread_join(b->workers[k], NULL);
	b->txn->s->stat_batch_open = false;
	batch_free(b);
}

int store_stat_hash_many(store_txn *txn, store_stat_updates *updates, size_t n,
			 const struct store_stat_query *queries, struct store_path_state *ret_states,
			 int *ret_errs)
{
	if (!txn || (n && (!queries || !ret_states || !ret_errs)))
		return -EINVAL;
	store_stat_batch *b;
	int r = store_stat_batch_begin(txn, updates, n, queries, &b);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		ret_errs[i] = store_stat_batch_answer(b, i, &ret_states[i]);
	store_stat_batch_end(b);
	return 0;
}
