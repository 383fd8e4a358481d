/* index.c - the LMDB databases for actions, traces, blob metadata and run
 * history: lookups in a caller-held read txn, and the recording writes.
 *
 *   actions:   action key (16) -> trace ids (16 each), newest first
 *   traces:    trace id (16)   -> encoded trace (trace.c); id = its hash
 *   blobs:     blob hash (16)  -> u64 size, i64 last use ns (LE)
 *   runs:      run id (u64 BE, so keys sort by id) -> encoded run record */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"

#define TOUCH_INTERVAL_NS (3600LL * 1000000000LL)

static MDB_val hash_val(const store_hash *h)
{
	return (MDB_val){ STORE_HASH_SIZE, (void *)h->bytes };
}

static void run_key(uint64_t id, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(id >> (56 - 8 * i));
}

static uint64_t run_key_id(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- reads ------------------------------------------------------------------ */

int store_action_traces(store_txn *txn, const store_hash *action_key, store_hash **ret_ids,
			size_t *ret_n)
{
	int fr = store_check_forked(txn->s);
	if (fr < 0)
		return fr;
	MDB_val k = hash_val(action_key), v;
	int rc = mdb_get(txn->txn, txn->s->db_actions, &k, &v);
	if (rc)
		return store_mdb_error(rc);
	if (v.mv_size % STORE_HASH_SIZE || v.mv_size > STORE_HASH_SIZE * STORE_MAX_TRACES_PER_ACTION)
		return STORE_ECORRUPT;
	size_t n = v.mv_size / STORE_HASH_SIZE;
	store_hash *ids = NULL;
	if (n) {
		ids = malloc(v.mv_size);
		if (!ids)
			return -ENOMEM;
		memcpy(ids, v.mv_data, v.mv_size);
	}
	*ret_ids = ids;
	*ret_n = n;
	return 0;
}

int store_trace_get(store_txn *txn, const store_hash *trace_id, struct store_trace **ret)
{
	int fr = store_check_forked(txn->s);
	if (fr < 0)
		return fr;
	MDB_val k = hash_val(trace_id), v;
	int rc = mdb_get(txn->txn, txn->s->db_traces, &k, &v);
	if (rc)
		return store_mdb_error(rc);
	store_hash h;
	store_hash_bytes(v.mv_data, v.mv_size, &h);
	if (!store_hash_equal(&h, trace_id))
		return STORE_ECORRUPT;
	int r = store_trace_decode(v.mv_data, v.mv_size, ret);
	if (r == -ENOMEM)
		return r;
	return r < 0 ? STORE_ECORRUPT : 0;
}

int store_blob_info(store_txn *txn, const store_hash *h, uint64_t *ret_size,
		    int64_t *ret_last_use_ns)
{
	int fr = store_check_forked(txn->s);
	if (fr < 0)
		return fr;
	MDB_val k = hash_val(h), v;
	int rc = mdb_get(txn->txn, txn->s->db_blobs, &k, &v);
	if (rc)
		return store_mdb_error(rc);
	if (v.mv_size != STORE_BLOB_META_LEN)
		return STORE_ECORRUPT;
	if (ret_size)
		*ret_size = store_get_u64(v.mv_data);
	if (ret_last_use_ns)
		*ret_last_use_ns = (int64_t)store_get_u64((uint8_t *)v.mv_data + 8);
	return 0;
}

int store_trace_origin(store_txn *txn, const store_hash *trace_id, struct store_origin *ret)
{
	int r = store_check_forked(txn->s);
	if (r < 0)
		return r;
	MDB_val k = hash_val(trace_id), v;
	int rc = mdb_get(txn->txn, txn->s->db_origins, &k, &v);
	if (rc)
		return store_mdb_error(rc);
	if (v.mv_size < 8 || v.mv_size > 8 + STORE_ORIGIN_MAX)
		return STORE_ECORRUPT;
	struct store_origin o;
	o.imported_ns = (int64_t)store_get_u64(v.mv_data);
	memcpy(o.text, (uint8_t *)v.mv_data + 8, v.mv_size - 8);
	o.text[v.mv_size - 8] = '\0';
	*ret = o;
	return 0;
}

int store_run_get(store_txn *txn, uint64_t id, struct store_run **ret)
{
	int fr = store_check_forked(txn->s);
	if (fr < 0)
		return fr;
	uint8_t key[8];
	run_key(id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(txn->txn, txn->s->db_runs, &k, &v);
	if (rc)
		return store_mdb_error(rc);
	return store_run_decode(v.mv_data, v.mv_size, ret);
}

int store_run_prev(store_txn *txn, uint64_t before, uint64_t *ret_id)
{
	int fr = store_check_forked(txn->s);
	if (fr < 0)
		return fr;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn->txn, txn->s->db_runs, &cur);
	if (rc)
		return store_mdb_error(rc);
	uint8_t key[8];
	run_key(before, key);
	MDB_val k = { 8, key }, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	else if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	int r = store_mdb_error(rc);
	if (r == 0 && k.mv_size != 8)
		r = STORE_ECORRUPT;
	if (r == 0) {
		uint64_t id = run_key_id(k.mv_data);
		if (id >= before)
			r = -ENOENT;
		else
			*ret_id = id;
	}
	mdb_cursor_close(cur);
	return r;
}

/* ---- writes ------------------------------------------------------------------ */

int store_blob_meta_put(store *s, MDB_txn *txn, const store_hash *h, uint64_t size,
			int64_t only_if_older_ns)
{
	MDB_val k = hash_val(h), v;
	int64_t now = store_now_ns();
	if (only_if_older_ns > 0) {
		int rc = mdb_get(txn, s->db_blobs, &k, &v);
		if (rc == 0 && v.mv_size == STORE_BLOB_META_LEN &&
		    (int64_t)store_get_u64((uint8_t *)v.mv_data + 8) > now - only_if_older_ns)
			return 0;
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	uint8_t val[STORE_BLOB_META_LEN];
	store_put_u64(val, size);
	store_put_u64(val + 8, (uint64_t)now);
	v.mv_size = sizeof(val);
	v.mv_data = val;
	return mdb_put(txn, s->db_blobs, &k, &v, 0);
}

struct touch_arg {
	store *s;
	MDB_txn *txn;
};

static int touch_blob(void *arg, const store_hash *h, uint64_t size)
{
	struct touch_arg *a = arg;
	return store_blob_meta_put(a->s, a->txn, h, size, TOUCH_INTERVAL_NS);
}

/* Append an encoded run record under the next id. */
int store_append_run_encoded(store *s, MDB_txn *txn, const uint8_t *enc, size_t len,
			     uint64_t *ret_id)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->db_runs, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	uint64_t id = 1;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 8)
		id = run_key_id(k.mv_data) + 1;
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	uint8_t key[8];
	run_key(id, key);
	k.mv_size = 8;
	k.mv_data = key;
	v.mv_size = len;
	v.mv_data = (void *)enc;
	rc = mdb_put(txn, s->db_runs, &k, &v, MDB_APPEND);
	if (rc == 0 && ret_id)
		*ret_id = id;
	return rc;
}

static int append_run(store *s, MDB_txn *txn, const struct store_run *run, uint64_t *ret_id)
{
	uint8_t *enc;
	size_t len;
	int r = store_run_encode(run, &enc, &len);
	if (r < 0)
		return r;
	r = store_append_run_encoded(s, txn, enc, len, ret_id);
	free(enc);
	return r;
}

/* A record ready for the index: the encoded trace, the blobs it names
 * (checked again inside the txn) and its encoded run, if any. Made by
 * prepare_record; written by record_fn (now, or at store_batch_commit). */
struct store_prepared {
	store_hash action_key, id;
	uint8_t *enc, *run_enc;
	size_t enc_len, run_enc_len;
	struct store_blob_ref *blobs;
	size_t n_blobs;
	uint64_t run_id;
};

static void prepared_free(struct store_prepared *p)
{
	free(p->enc);
	free(p->run_enc);
	free(p->blobs);
}

static int check_blobs(store *s, const struct store_prepared *p)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->n_blobs; i++)
		r = store_blob_check(s, &p->blobs[i].hash, p->blobs[i].size);
	return r;
}

static int add_blob_ref(void *arg, const store_hash *h, uint64_t size)
{
	struct store_prepared *p = arg;
	p->blobs[p->n_blobs++] = (struct store_blob_ref){ *h, size };
	return 0;
}

static int prepare_record(const store_hash *action_key, const struct store_trace *t,
			  const struct store_run *run, struct store_prepared *ret)
{
	struct store_prepared p = { .action_key = *action_key };
	p.blobs = calloc(2 + t->n_effects, sizeof(*p.blobs));
	if (!p.blobs)
		return -ENOMEM;
	(void)store_trace_blobs(t, add_blob_ref, &p);
	int r = store_trace_encode(t, &p.enc, &p.enc_len);
	if (r == 0) {
		store_hash_bytes(p.enc, p.enc_len, &p.id);
		if (run) {
			struct store_run rr = *run;
			rr.trace_id = p.id;
			r = store_run_encode(&rr, &p.run_enc, &p.run_enc_len);
		}
	}
	if (r < 0) {
		prepared_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

static int record_one(store *s, MDB_txn *txn, struct store_prepared *a)
{
	/* Again inside the txn: gc unlinks unindexed objects only inside its
	 * own write txn, so this check and gc's cannot interleave. */
	int r = check_blobs(s, a);
	if (r < 0)
		return r;
	MDB_val k = hash_val(&a->id), v = { a->enc_len, a->enc };
	int rc = mdb_put(txn, s->db_traces, &k, &v, MDB_NOOVERWRITE);
	if (rc && rc != MDB_KEYEXIST)
		return rc;
	/* recorded here: no longer an imported trace (if it was one) */
	rc = mdb_del(txn, s->db_origins, &k, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return rc;

	/* the action's list: new id first, then the old ones minus it */
	store_hash list[STORE_MAX_TRACES_PER_ACTION];
	size_t n = 0;
	list[n++] = a->id;
	k = hash_val(&a->action_key);
	rc = mdb_get(txn, s->db_actions, &k, &v);
	if (rc == 0) {
		if (v.mv_size % STORE_HASH_SIZE)
			return STORE_ECORRUPT;
		size_t old = v.mv_size / STORE_HASH_SIZE;
		for (size_t i = 0; i < old && n < STORE_MAX_TRACES_PER_ACTION; i++) {
			store_hash h;
			memcpy(h.bytes, (uint8_t *)v.mv_data + i * STORE_HASH_SIZE, STORE_HASH_SIZE);
			if (!store_hash_equal(&h, &a->id))
				list[n++] = h;
		}
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	}
	v.mv_size = n * STORE_HASH_SIZE;
	v.mv_data = list;
	rc = mdb_put(txn, s->db_actions, &k, &v, 0);
	for (size_t i = 0; rc == 0 && i < a->n_blobs; i++)
		rc = store_blob_meta_put(s, txn, &a->blobs[i].hash, a->blobs[i].size, 0);
	if (rc == 0 && a->run_enc)
		rc = store_append_run_encoded(s, txn, a->run_enc, a->run_enc_len, &a->run_id);
	return rc;
}

static int record_fn(store *s, MDB_txn *txn, void *arg)
{
	return record_one(s, txn, arg);
}

int store_record(store *s, const store_hash *action_key, const struct store_trace *t,
		 const struct store_run *run, store_hash *ret_trace_id, uint64_t *ret_run_id)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (!action_key || !t)
		return -EINVAL;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	struct store_prepared a;
	if ((r = prepare_record(action_key, t, run, &a)) < 0)
		return r;
	if (s->batch) {
		/* queued for store_batch_commit, which checks the blobs */
		if (ret_run_id && run) {
			prepared_free(&a);
			return -EINVAL; /* no id before the commit */
		}
		if (s->n_batch_recs == s->cap_batch_recs) {
			size_t cap = s->cap_batch_recs ? s->cap_batch_recs * 2 : 8;
			struct store_prepared *np = reallocarray(s->batch_recs, cap, sizeof(*np));
			if (!np) {
				prepared_free(&a);
				return -ENOMEM;
			}
			s->batch_recs = np;
			s->cap_batch_recs = cap;
		}
		s->batch_recs[s->n_batch_recs++] = a;
		if (ret_trace_id)
			*ret_trace_id = a.id;
		return 0;
	}
	/* blobs first: the index must never name a blob that is not there */
	if ((r = check_blobs(s, &a)) == 0)
		r = store_write_txn(s, record_fn, &a);
	if (r == 0) {
		if (ret_trace_id)
			*ret_trace_id = a.id;
		if (ret_run_id && run)
			*ret_run_id = a.run_id;
	}
	prepared_free(&a);
	return r;
}

int store_action_keep(MDB_cursor *cur, const MDB_val *key, const store_hash *ids, size_t n)
{
	if (n == 0)
		return mdb_cursor_del(cur, 0);
	if (key->mv_size != STORE_HASH_SIZE)
		return MDB_BAD_VALSIZE;
	/* key points into the page the put rewrites: LMDB would copy the key
	 * from bytes it is moving (and garble it), so copy it first. */
	uint8_t copy[STORE_HASH_SIZE];
	memcpy(copy, key->mv_data, sizeof(copy));
	MDB_val k = { sizeof(copy), copy }, v = { n * STORE_HASH_SIZE, (void *)ids };
	return mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
}

/* ---- batches ------------------------------------------------------------------ */

int store_batch_begin(store *s)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->batch)
		return -EBUSY;
	s->batch = true;
	return 0;
}

static int batch_fn(store *s, MDB_txn *txn, void *arg)
{
	(void)arg;
	int r = store_stat_batch_write(s, txn);
	if (r)
		return r;
	for (size_t i = 0; i < s->n_batch_recs; i++) {
		int rc = record_one(s, txn, &s->batch_recs[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Sync the batch's new objects and the object directories they went into,
 * all side by side. */
static int batch_sync(store *s)
{
	size_t n = s->n_batch_fds;
	int r = 0;
	for (unsigned d = 0; d < 256; d++)
		if (s->batch_dirs[d / 64] & (1ull << (d % 64)))
			n++;
	if (n == 0 || (s->flags & STORE_NOSYNC))
		return 0;
	int *fds = malloc(n * sizeof(int)), *res = malloc(n * sizeof(int));
	if (!fds || !res) {
		free(fds);
		free(res);
		return -ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n_batch_fds; i++)
		fds[k++] = s->batch_fds[i];
	size_t first_dir = k;
	for (unsigned d = 0; d < 256 && r == 0; d++) {
		if (!(s->batch_dirs[d / 64] & (1ull << (d % 64))))
			continue;
		char sub[3];
		snprintf(sub, sizeof(sub), "%02x", d);
		int fd = openat(s->objects_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			r = -errno;
		else
			fds[k++] = fd;
	}
	if (r == 0) {
		store_fsync_many(s, k, fds, res);
		for (size_t i = 0; i < k && r == 0; i++)
			r = res[i];
	}
	for (size_t i = first_dir; i < k; i++)
		close(fds[i]);
	free(fds);
	free(res);
	return r;
}

static void batch_clear(store *s)
{
	for (size_t i = 0; i < s->n_batch_fds; i++)
		close(s->batch_fds[i]);
	s->n_batch_fds = 0;
	memset(s->batch_dirs, 0, sizeof(s->batch_dirs));
	for (size_t i = 0; i < s->n_batch_recs; i++)
		prepared_free(&s->batch_recs[i]);
	s->n_batch_recs = 0;
	if (s->batch_stat)
		store_stat_updates_clear(s->batch_stat);
	s->batch = false;
}

int store_batch_commit(store *s)
{
	int r = store_check_usable(s);
	if (r < 0 || !s->batch)
		return r < 0 ? r : -EINVAL;
	r = batch_sync(s);
	if (r == 0 && (s->n_batch_recs || store_stat_updates_count(s->batch_stat)))
		r = store_write_txn(s, batch_fn, NULL);
	batch_clear(s);
	return r;
}

bool store_batch_names(const store *s, const store_hash *action_key)
{
	if (!s || !s->batch)
		return false;
	for (size_t i = 0; i < s->n_batch_recs; i++)
		if (store_hash_equal(&s->batch_recs[i].action_key, action_key))
			return true;
	return false;
}

bool store_batch_holds_fds(const store *s)
{
	return s && s->batch && s->n_batch_fds > 0;
}

void store_batch_abort(store *s)
{
	batch_clear(s);
}

void store_batch_free(store *s)
{
	batch_clear(s);
	free(s->batch_fds);
	free(s->batch_recs);
	store_stat_updates_free(s->batch_stat);
	s->batch_stat = NULL;
	s->batch_fds = NULL;
	s->batch_recs = NULL;
	s->cap_batch_fds = s->cap_batch_recs = 0;
}

int store_batch_add_fd(store *s, int fd)
{
	if (s->n_batch_fds == s->cap_batch_fds) {
		size_t cap = s->cap_batch_fds ? s->cap_batch_fds * 2 : 16;
		int *nf = reallocarray(s->batch_fds, cap, sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		s->batch_fds = nf;
		s->cap_batch_fds = cap;
	}
	s->batch_fds[s->n_batch_fds++] = fd;
	return 0;
}

/* A hit: refresh the last use of the trace's blobs (at most hourly). */
int store_touch_trace(store *s, MDB_txn *txn, const store_hash *trace_id)
{
	MDB_val k = hash_val(trace_id), v;
	int rc = mdb_get(txn, s->db_traces, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0; /* collected since: history may outlive traces */
	if (rc)
		return rc;
	struct store_trace *t;
	if (store_trace_decode(v.mv_data, v.mv_size, &t) != 0)
		return 0; /* fsck's business, not the history's */
	struct touch_arg a = { s, txn };
	rc = store_trace_blobs(t, touch_blob, &a);
	store_trace_free(t);
	return rc;
}

static bool is_touching_hit(const struct store_run *run)
{
	return run->outcome == STORE_RUN_HIT && !store_hash_is_zero(&run->trace_id);
}

struct run_arg {
	const struct store_run *run;
	uint64_t id;
};

static int run_add_fn(store *s, MDB_txn *txn, void *argp)
{
	struct run_arg *a = argp;
	if (is_touching_hit(a->run)) {
		int rc = store_touch_trace(s, txn, &a->run->trace_id);
		if (rc)
			return rc;
	}
	return append_run(s, txn, a->run, &a->id);
}

int store_run_add(store *s, const struct store_run *run, uint64_t *ret_id)
{
	if (!run)
		return -EINVAL;
	struct run_arg a = { .run = run };
	int r = store_write_txn(s, run_add_fn, &a);
	if (r == 0 && ret_id)
		*ret_id = a.id;
	return r;
}

/* ---- deferred runs ------------------------------------------------------------ */

#define MAX_PENDING_RUNS 65536
#define AUTO_FLUSH_RUNS 1024

int store_pending_runs_write(store *s, MDB_txn *txn)
{
	for (size_t i = 0; i < s->n_pending; i++) {
		struct store_pending_run *p = &s->pending[i];
		int rc = p->touch ? store_touch_trace(s, txn, &p->trace_id) : 0;
		if (rc == 0)
			rc = store_append_run_encoded(s, txn, p->enc, p->len, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

void store_pending_runs_clear(store *s)
{
	for (size_t i = 0; i < s->n_pending; i++)
		free(s->pending[i].enc);
	s->n_pending = 0;
}

void store_pending_runs_free(store *s)
{
	store_pending_runs_clear(s);
	free(s->pending);
	s->pending = NULL;
	s->cap_pending = 0;
}

static int noop_fn(store *s, MDB_txn *txn, void *arg)
{
	(void)s;
	(void)txn;
	(void)arg;
	return 0;
}

int store_flush(store *s)
{
	int r = store_check_usable(s);
	if (r < 0 || (s->n_pending == 0 && !store_journal_nonempty(s)))
		return r;
	return store_write_txn(s, noop_fn, NULL);
}

int store_flush_lazy(store *s)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	/* verified objects are remembered in the index, not the journal */
	if (s->verified && store_stat_updates_count(s->verified) && !(s->flags & STORE_RDONLY))
		return store_write_txn(s, NULL, NULL);
	if (s->n_pending == 0)
		return r;
	if (store_journal_append(s) == 0)
		return 0;
	return store_flush(s); /* a journal too long or not writable */
}

int store_run_defer(store *s, const struct store_run *run)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (!run)
		return -EINVAL;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	if (s->n_pending >= AUTO_FLUSH_RUNS && s->open_txns == 0)
		(void)store_flush(s); /* on failure they stay queued */
	if (s->n_pending >= MAX_PENDING_RUNS)
		return STORE_ELIMIT;
	struct store_pending_run p = { .touch = is_touching_hit(run), .trace_id = run->trace_id };
	if ((r = store_run_encode(run, &p.enc, &p.len)) < 0)
		return r;
	if (s->n_pending == s->cap_pending) {
		size_t cap = s->cap_pending ? s->cap_pending * 2 : 16;
		struct store_pending_run *np = reallocarray(s->pending, cap, sizeof(*np));
		if (!np) {
			free(p.enc);
			return -ENOMEM;
		}
		s->pending = np;
		s->cap_pending = cap;
	}
	s->pending[s->n_pending++] = p;
	return 0;
}
