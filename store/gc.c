/* gc.c - garbage collection beside running shells (store_gc).
 *
 * Three steps, each safe to interrupt with SIGKILL:
 *   1. decide, in a read snapshot: each trace's last use, which traces go;
 *   2. one write txn: drop those traces and their action-list entries, and
 *      the metadata of blobs no remaining trace references (their objects
 *      get a fresh ctime, which starts their grace period);
 *   3. sweep objects/: unlink each object without metadata whose ctime is
 *      older than the grace period, the metadata re-checked inside a write
 *      txn per batch (store_record checks its blobs inside its txn too, so
 *      the two cannot interleave); then stale tmp/ files and scratch dirs.
 * The index never names a missing object at any point: objects go only
 * after the index stopped naming them, and a crash leaves only unnamed
 * objects, which the next gc sweeps. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store/internal.h"

#define SWEEP_BATCH 512
#define SCRATCH_MIN_AGE_NS (86400LL * 1000000000LL)
/* Writers keep their temp file open while a command streams into it: a
 * silent command may not touch it for long, whatever --grace says. */
#define TMP_MIN_AGE_NS (3600LL * 1000000000LL)
#define RMTREE_MAX_DEPTH 256

/* ---- a hash set/map of blob hashes ---------------------------------------------- */

struct gblob {
	store_hash h;
	uint64_t size;
	int64_t last_use;
	uint32_t refs;  /* kept traces referencing it */
	bool has_meta;
	bool used;      /* slot occupied */
};

struct bmap {
	struct gblob *slots;
	size_t cap, n; /* cap a power of two */
};

static uint64_t slot_of(const store_hash *h)
{
	uint64_t v;
	memcpy(&v, h->bytes, sizeof(v));
	return v;
}

static int bmap_grow(struct bmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct gblob *s = calloc(cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].used)
			continue;
		size_t j = slot_of(&m->slots[i].h) & (cap - 1);
		while (s[j].used)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

static struct gblob *bmap_find(const struct bmap *m, const store_hash *h)
{
	if (!m->cap)
		return NULL;
	for (size_t j = slot_of(h) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		if (!m->slots[j].used)
			return NULL;
		if (store_hash_equal(&m->slots[j].h, h))
			return &m->slots[j];
	}
}

/* The entry for h, added (zeroed) when new; index into slots in *ret. */
static int bmap_add(struct bmap *m, const store_hash *h, size_t *ret)
{
	if ((m->n + 1) * 2 > m->cap) {
		int r = bmap_grow(m);
		if (r < 0)
			return r;
	}
	size_t j = slot_of(h) & (m->cap - 1);
	for (; m->slots[j].used; j = (j + 1) & (m->cap - 1))
		if (store_hash_equal(&m->slots[j].h, h)) {
			*ret = j;
			return 0;
		}
	m->slots[j] = (struct gblob){ .h = *h, .used = true };
	m->n++;
	*ret = j;
	return 0;
}

/* For store_trace_blobs: note a blob as live. */
static int add_live(void *live, const store_hash *h, uint64_t size)
{
	size_t slot;
	(void)size;
	return bmap_add(live, h, &slot);
}

/* ---- step 1: deciding ------------------------------------------------------------ */

struct gtrace {
	store_hash id;
	int64_t last_use;
	size_t first_ref, n_refs; /* blob hashes in refs[] */
	bool drop;
};

struct gc {
	store *s;
	const struct store_gc_options *o;
	int64_t now, cutoff; /* cutoff = now - grace */
	int64_t grace;
	struct bmap blobs;
	struct gtrace *traces;
	size_t n_traces, cap_traces;
	store_hash *refs;    /* blob hashes per trace (slots move when the map grows) */
	size_t n_refs, cap_refs;
	struct store_gc_report rep;
};

struct collect_arg {
	struct gc *g;
	int64_t oldest_blob_use; /* among the trace's blobs with metadata */
};

/* One blob of the trace being collected: its reference (once per trace),
 * its use, and its size when the metadata does not know it. */
static int add_ref(void *arg, const store_hash *h, uint64_t size)
{
	struct collect_arg *a = arg;
	struct gc *g = a->g;
	struct gtrace *t = &g->traces[g->n_traces];
	for (size_t i = t->first_ref; i < g->n_refs; i++)
		if (store_hash_equal(&g->refs[i], h))
			return 0;
	if (g->n_refs == g->cap_refs) {
		size_t cap = g->cap_refs ? g->cap_refs * 2 : 4096;
		store_hash *p = reallocarray(g->refs, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		g->refs = p;
		g->cap_refs = cap;
	}
	g->refs[g->n_refs++] = *h;
	size_t slot;
	int r = bmap_add(&g->blobs, h, &slot);
	if (r < 0)
		return r;
	struct gblob *b = &g->blobs.slots[slot];
	b->refs++;
	if (b->has_meta && b->last_use < a->oldest_blob_use)
		a->oldest_blob_use = b->last_use;
	else if (!b->has_meta && !b->size)
		b->size = size;
	return 0;
}

static int collect_trace(void *arg, const store_hash *id, const struct store_trace *t)
{
	struct gc *g = arg;
	if (!t)
		return 0; /* broken: fsck --repair's business, never gc's */
	if (g->n_traces == g->cap_traces) {
		size_t cap = g->cap_traces ? g->cap_traces * 2 : 1024;
		struct gtrace *p = reallocarray(g->traces, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		g->traces = p;
		g->cap_traces = cap;
	}
	struct gtrace *gt = &g->traces[g->n_traces];
	*gt = (struct gtrace){ .id = *id, .first_ref = g->n_refs };
	int64_t recorded = t->start_ns + (int64_t)t->duration_ns;
	struct collect_arg a = { g, INT64_MAX };
	int r = store_trace_blobs(t, add_ref, &a);
	if (r < 0)
		return r;
	gt->n_refs = g->n_refs - gt->first_ref;
	gt->last_use = recorded;
	if (a.oldest_blob_use != INT64_MAX && a.oldest_blob_use > gt->last_use)
		gt->last_use = a.oldest_blob_use;
	g->n_traces++;
	return 0;
}

static int cmp_trace_id(const void *a, const void *b)
{
	return memcmp(((const struct gtrace *)a)->id.bytes, ((const struct gtrace *)b)->id.bytes,
		      STORE_HASH_SIZE);
}

/* Hits and misses in the history refresh their trace's last use. */
static int apply_runs(struct gc *g, store_txn *txn)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn->txn, g->s->db_runs, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	int r = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct store_run *run = NULL;
		r = store_run_decode(v.mv_data, v.mv_size, &run);
		if (r == -ENOMEM)
			break;
		if (r < 0)
			run = NULL; /* malformed: fsck's business */
		r = 0;
		if (!run || !g->n_traces || store_hash_is_zero(&run->trace_id)) {
			store_run_free(run);
			continue;
		}
		struct gtrace key = { .id = run->trace_id };
		struct gtrace *t = bsearch(&key, g->traces, g->n_traces, sizeof(*g->traces),
					   cmp_trace_id);
		int64_t when = run->start_ns + (int64_t)run->duration_ns;
		if (t && when > t->last_use)
			t->last_use = when;
		store_run_free(run);
	}
	mdb_cursor_close(cur);
	if (r < 0)
		return r;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

static int load_blob_meta(struct gc *g, store_txn *txn)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn->txn, g->s->db_blobs, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	int r = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != STORE_HASH_SIZE || v.mv_size != STORE_BLOB_META_LEN)
			continue;
		store_hash h;
		memcpy(h.bytes, k.mv_data, STORE_HASH_SIZE);
		size_t slot;
		if ((r = bmap_add(&g->blobs, &h, &slot)) < 0)
			break;
		struct gblob *b = &g->blobs.slots[slot];
		b->size = store_get_u64(v.mv_data);
		b->last_use = (int64_t)store_get_u64((uint8_t *)v.mv_data + 8);
		b->has_meta = true;
	}
	mdb_cursor_close(cur);
	if (r < 0)
		return r;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

static uint64_t drop_trace(struct gc *g, struct gtrace *t, uint64_t *referenced)
{
	uint64_t freed = 0;
	t->drop = true;
	for (size_t i = t->first_ref; i < t->first_ref + t->n_refs; i++) {
		struct gblob *b = bmap_find(&g->blobs, &g->refs[i]);
		if (b && b->refs && --b->refs == 0) {
			freed += b->size;
			*referenced -= b->size < *referenced ? b->size : *referenced;
		}
	}
	g->rep.traces_dropped++;
	if (g->o->on_drop)
		g->o->on_drop(g->o->arg, &t->id, t->last_use, freed);
	return freed;
}

static int cmp_last_use(const void *a, const void *b)
{
	const struct gtrace *x = *(const struct gtrace *const *)a;
	const struct gtrace *y = *(const struct gtrace *const *)b;
	return x->last_use < y->last_use ? -1 : x->last_use > y->last_use;
}

static int choose(struct gc *g)
{
	uint64_t referenced = 0;
	for (size_t i = 0; i < g->blobs.cap; i++)
		if (g->blobs.slots[i].used && g->blobs.slots[i].refs)
			referenced += g->blobs.slots[i].size;
	const struct store_gc_options *o = g->o;
	if (o->older_than_ns > 0) {
		int64_t old = g->now - o->older_than_ns;
		for (size_t i = 0; i < g->n_traces; i++) {
			struct gtrace *t = &g->traces[i];
			if (t->last_use < old && t->last_use < g->cutoff)
				drop_trace(g, t, &referenced);
		}
	}
	if (o->max_bytes && referenced > o->max_bytes) {
		struct gtrace **lru = calloc(g->n_traces ? g->n_traces : 1, sizeof(*lru));
		if (!lru)
			return -ENOMEM;
		size_t n = 0;
		for (size_t i = 0; i < g->n_traces; i++)
			if (!g->traces[i].drop && g->traces[i].last_use < g->cutoff)
				lru[n++] = &g->traces[i];
		qsort(lru, n, sizeof(*lru), cmp_last_use);
		for (size_t i = 0; i < n && referenced > o->max_bytes; i++)
			drop_trace(g, lru[i], &referenced);
		free(lru);
	}
	return 0;
}

/* ---- step 2: the index txn ------------------------------------------------------- */

static bool is_dropped(const struct gc *g, const uint8_t *id)
{
	if (!g->n_traces)
		return false;
	struct gtrace key;
	memcpy(key.id.bytes, id, STORE_HASH_SIZE);
	const struct gtrace *t =
		bsearch(&key, g->traces, g->n_traces, sizeof(*g->traces), cmp_trace_id);
	return t && t->drop;
}

static void object_rel(const store_hash *h, char out[STORE_HASH_HEX_LEN + 2])
{
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	out[0] = hex[0];
	out[1] = hex[1];
	out[2] = '/';
	memcpy(out + 3, hex + 2, STORE_HASH_HEX_LEN - 2);
	out[STORE_HASH_HEX_LEN + 1] = '\0';
}

static int index_fn(store *s, MDB_txn *txn, void *arg)
{
	struct gc *g = arg;
	g->rep.actions_dropped = g->rep.blobs_unindexed = g->rep.bytes_pending = 0;
	for (size_t i = 0; i < g->n_traces; i++) {
		if (!g->traces[i].drop)
			continue;
		MDB_val k = { STORE_HASH_SIZE, g->traces[i].id.bytes };
		int rc = mdb_del(txn, s->db_traces, &k, NULL);
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_del(txn, s->db_origins, &k, NULL);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->db_actions, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != STORE_HASH_SIZE || v.mv_size % STORE_HASH_SIZE ||
		    v.mv_size > STORE_HASH_SIZE * STORE_MAX_TRACES_PER_ACTION)
			continue; /* malformed: fsck --repair's business */
		store_hash keep[STORE_MAX_TRACES_PER_ACTION];
		size_t n = v.mv_size / STORE_HASH_SIZE, kept = 0;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *id = (const uint8_t *)v.mv_data + i * STORE_HASH_SIZE;
			if (!is_dropped(g, id))
				memcpy(keep[kept++].bytes, id, STORE_HASH_SIZE);
		}
		if (kept == n)
			continue;
		rc = store_action_keep(cur, &k, keep, kept);
		g->rep.actions_dropped += kept == 0;
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc;

	/* What the traces in THIS txn reference: it includes traces recorded
	 * since step 1 (the writer lock orders us with them). */
	struct bmap live = { 0 };
	int r = 0;
	if ((rc = mdb_cursor_open(txn, s->db_traces, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct store_trace *t;
		int d = store_trace_decode(v.mv_data, v.mv_size, &t);
		if (d == -ENOMEM) {
			r = d;
			break;
		}
		if (d < 0)
			continue;
		r = store_trace_blobs(t, add_live, &live);
		store_trace_free(t);
	}
	mdb_cursor_close(cur);
	if (r == 0 && rc != MDB_NOTFOUND)
		r = rc;
	if (r == 0 && (rc = mdb_cursor_open(txn, s->db_blobs, &cur)) != 0)
		r = rc;
	if (r == 0) {
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size != STORE_HASH_SIZE || v.mv_size != STORE_BLOB_META_LEN)
				continue;
			store_hash h;
			memcpy(h.bytes, k.mv_data, STORE_HASH_SIZE);
			if (bmap_find(&live, &h) ||
			    (int64_t)store_get_u64((uint8_t *)v.mv_data + 8) >= g->cutoff)
				continue;
			/* a fresh ctime starts the object's grace period (a hit
			 * that looked its trace up just now can still replay) */
			char rel[STORE_HASH_HEX_LEN + 2];
			object_rel(&h, rel);
			if (g->grace > 0)
				(void)fchmodat(s->objects_fd, rel, 0444, 0);
			g->rep.bytes_pending += store_get_u64(v.mv_data);
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			g->rep.blobs_unindexed++;
		}
		mdb_cursor_close(cur);
		r = rc == MDB_NOTFOUND ? 0 : rc;
	}
	free(live.slots);
	return r == MDB_MAP_FULL ? r : store_mdb_error(r);
}

/* ---- step 3: the sweep ------------------------------------------------------------ */

struct cand {
	char rel[STORE_HASH_HEX_LEN + 2];
	store_hash h;
	uint64_t size;
};

struct sweep {
	struct gc *g;
	struct cand *c;
	size_t n;
};

static int sweep_fn(store *s, MDB_txn *txn, void *arg)
{
	struct sweep *sw = arg;
	for (size_t i = 0; i < sw->n; i++) {
		MDB_val k = { STORE_HASH_SIZE, sw->c[i].h.bytes }, v;
		int rc = mdb_get(txn, s->db_blobs, &k, &v);
		if (rc == 0)
			continue; /* recorded again since: keep */
		if (rc != MDB_NOTFOUND)
			return store_mdb_error(rc);
		if (unlinkat(s->objects_fd, sw->c[i].rel, 0) == 0) {
			sw->g->rep.objects_removed++;
			sw->g->rep.bytes_freed += sw->c[i].size;
		}
	}
	return 0;
}

static int flush_sweep(struct sweep *sw)
{
	if (!sw->n)
		return 0;
	int r = store_write_txn(sw->g->s, sweep_fn, sw);
	sw->n = 0;
	return r;
}

static bool is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static int64_t stat_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Would this object be freed (dry run)? No metadata and old, or all its
 * references dropped. */
static bool dry_would_free(struct gc *g, const store_hash *h, const struct stat *st)
{
	struct gblob *b = bmap_find(&g->blobs, h);
	if (!b || !b->has_meta)
		return stat_ns(&st->st_ctim) < g->cutoff;
	return b->refs == 0 && b->last_use < g->cutoff;
}

static int sweep_objects(struct gc *g)
{
	store *s = g->s;
	struct sweep sw = { .g = g };
	sw.c = calloc(SWEEP_BATCH, sizeof(*sw.c));
	if (!sw.c)
		return -ENOMEM;
	int r = 0;
	for (unsigned d = 0; d < 256 && r == 0; d++) {
		static const char xdigits[] = "0123456789abcdef";
		char sub[3] = { xdigits[d >> 4], xdigits[d & 15], '\0' };
		if (g->o->progress)
			g->o->progress(g->o->arg, d, 256);
		int fd = openat(s->objects_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			break;
		}
		DIR *dir = fdopendir(fd);
		if (!dir) {
			r = -errno;
			close(fd);
			break;
		}
		struct dirent *e;
		while (r == 0 && (e = readdir(dir))) {
			size_t len = strlen(e->d_name);
			if (len != STORE_HASH_HEX_LEN - 2 || !is_hex(e->d_name, len))
				continue;
			struct stat st;
			if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
			g->rep.bytes_before += (uint64_t)st.st_size;
			struct cand *c = &sw.c[sw.n];
			char hex[STORE_HASH_HEX_LEN + 1];
			memcpy(hex, sub, 2);
			memcpy(hex + 2, e->d_name, len + 1);
			if (store_hash_from_hex(hex, STORE_HASH_HEX_LEN, &c->h) < 0)
				continue;
			if (g->o->dry_run) {
				if (dry_would_free(g, &c->h, &st))
					g->rep.bytes_freed += (uint64_t)st.st_size;
				continue;
			}
			if (stat_ns(&st.st_ctim) >= g->cutoff)
				continue; /* fresh: maybe a run's result on its way in */
			/* known and still referenced in step 2's view: skip cheaply */
			struct gblob *b = bmap_find(&g->blobs, &c->h);
			if (b && b->refs)
				continue;
			object_rel(&c->h, c->rel);
			c->size = (uint64_t)st.st_size;
			if (++sw.n == SWEEP_BATCH)
				r = flush_sweep(&sw);
		}
		closedir(dir);
	}
	if (r == 0)
		r = flush_sweep(&sw);
	if (r == 0 && g->o->progress)
		g->o->progress(g->o->arg, 256, 256);
	free(sw.c);
	return r;
}

/* ---- stale temp files and scratch dirs -------------------------------------------- */

/* Remove dirfd/name and everything below it without following symlinks;
 * directories the run left unreadable (overlay work dirs) are opened up. */
static int rm_tree(int dirfd, const char *name, int depth)
{
	if (depth > RMTREE_MAX_DEPTH)
		return -ELOOP;
	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -errno;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	(void)fchmod(fd, 0700);
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = -errno;
		close(fd);
		return e;
	}
	int r = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int rr = rm_tree(fd, e->d_name, depth + 1);
		if (rr < 0 && r == 0)
			r = rr;
	}
	closedir(dir);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && r == 0)
		r = -errno;
	return r;
}

int store_scratch_hold(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Newest mtime of dirfd/name and its direct children (a scratch dir's
 * upper/ and work/ change while its run writes). */
static int64_t newest_mtime(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return INT64_MAX;
	int64_t newest = stat_ns(&st.st_mtim);
	static const char *const kids[] = { "upper", "work" };
	for (size_t i = 0; i < 2; i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", name, kids[i]);
		if (fstatat(dirfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && stat_ns(&st.st_mtim) > newest)
			newest = stat_ns(&st.st_mtim);
	}
	return newest;
}

static int clean_dir(struct gc *g, const char *sub, bool scratch, int64_t cutoff, uint64_t *count)
{
	int fd = openat(g->s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (scratch) {
			if (!S_ISDIR(st.st_mode) || newest_mtime(fd, e->d_name) >= cutoff)
				continue;
			/* held by a run (store_scratch_hold): not stale, only quiet */
			int held = openat(fd, e->d_name,
					  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (held < 0)
				continue;
			if (flock(held, LOCK_EX | LOCK_NB) < 0) {
				close(held);
				continue;
			}
			int rr = g->o->dry_run ? 0 : rm_tree(fd, e->d_name, 0);
			close(held);
			if (rr < 0)
				continue;
		} else {
			if (!S_ISREG(st.st_mode) || stat_ns(&st.st_mtim) >= cutoff)
				continue;
			if (!g->o->dry_run && unlinkat(fd, e->d_name, 0) < 0)
				continue;
		}
		(*count)++;
	}
	closedir(dir);
	return 0;
}

/* ---- the whole ----------------------------------------------------------------------- */

int store_gc(store *s, const struct store_gc_options *opts, struct store_gc_report *ret)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (!opts || opts->older_than_ns < 0)
		return -EINVAL;
	if ((s->flags & STORE_RDONLY) && !opts->dry_run)
		return -EROFS;
	struct gc g = { .s = s, .o = opts, .now = store_now_ns() };
	int64_t grace = opts->grace_ns < 0 ? STORE_GC_DEFAULT_GRACE_NS : opts->grace_ns;
	g.cutoff = g.now - grace;
	g.grace = grace;
	/* Hits noted in the history journal refresh their traces' last use
	 * when folded: fold before the snapshot decides what is least
	 * recently used. */
	if (!(s->flags & STORE_RDONLY))
		(void)store_flush(s);

	store_txn *txn;
	if ((r = store_read_begin(s, &txn)) < 0)
		return r;
	r = load_blob_meta(&g, txn);
	if (r == 0)
		r = store_trace_foreach(txn, collect_trace, &g);
	g.rep.traces = g.n_traces;
	if (r == 0 && g.n_traces)
		qsort(g.traces, g.n_traces, sizeof(*g.traces), cmp_trace_id);
	if (r == 0)
		r = apply_runs(&g, txn);
	store_read_end(txn);
	if (r == 0)
		r = choose(&g);
	/* Traces are only ever removed by gc (and fsck --repair), so when
	 * nothing is dropped and no indexed blob is unreferenced in the
	 * snapshot, the index txn would change nothing: skip it. */
	bool index_work = g.rep.traces_dropped > 0;
	for (size_t i = 0; r == 0 && !index_work && i < g.blobs.cap; i++) {
		const struct gblob *b = &g.blobs.slots[i];
		index_work = b->used && b->has_meta && !b->refs && b->last_use < g.cutoff;
	}
	if (r == 0 && !opts->dry_run && index_work)
		r = store_write_txn(s, index_fn, &g);
	if (r == 0)
		r = sweep_objects(&g);
	if (r == 0 && (opts->dry_run || grace == 0))
		g.rep.bytes_pending = 0; /* nothing waits for a grace period */
	int64_t tmp_cutoff = g.now - (grace > TMP_MIN_AGE_NS ? grace : TMP_MIN_AGE_NS);
	if (r == 0)
		r = clean_dir(&g, "tmp", false, tmp_cutoff, &g.rep.tmp_removed);
	int64_t scratch_cutoff = g.now - (grace > SCRATCH_MIN_AGE_NS ? grace : SCRATCH_MIN_AGE_NS);
	if (r == 0)
		r = clean_dir(&g, "scratch", true, scratch_cutoff, &g.rep.scratch_removed);
	/* a clean point: what was written unsynced so far need not be
	 * distrusted after the next boot */
	if (r == 0 && !opts->dry_run)
		(void)store_sync(s);
	free(g.blobs.slots);
	free(g.traces);
	free(g.refs);
	if (r == 0)
		*ret = g.rep;
	return r;
}
