/* maint.c - maintenance reads and repairs of the index: iterating traces
 * and actions (for stats, gc, export) and store_fsck_repair, which drops
 * what store_fsck reports as broken.
 *
 * Repair is one write transaction: readers keep seeing the old snapshot
 * until it commits, and a crash mid-repair changes nothing. Object files
 * whose content is wrong are unlinked only after the commit, when no trace
 * names them any more. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"

int store_trace_foreach(store_txn *txn,
			int (*fn)(void *arg, const store_hash *id, const struct store_trace *t),
			void *arg)
{
	int r = store_check_forked(txn->s);
	if (r < 0)
		return r;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn->txn, txn->s->db_traces, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		store_hash id = { { 0 } }, h;
		memcpy(id.bytes, k.mv_data, k.mv_size < STORE_HASH_SIZE ? k.mv_size : STORE_HASH_SIZE);
		struct store_trace *t = NULL;
		store_hash_bytes(v.mv_data, v.mv_size, &h);
		if (k.mv_size == STORE_HASH_SIZE && store_hash_equal(&h, &id)) {
			int d = store_trace_decode(v.mv_data, v.mv_size, &t);
			if (d == -ENOMEM) {
				r = d;
				break;
			}
		}
		r = fn(arg, &id, t);
		store_trace_free(t);
	}
	mdb_cursor_close(cur);
	if (r != 0)
		return r < 0 ? r : 0;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

int store_action_foreach(store_txn *txn,
			 int (*fn)(void *arg, const store_hash *key, const store_hash *ids,
				   size_t n),
			 void *arg)
{
	int r = store_check_forked(txn->s);
	if (r < 0)
		return r;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn->txn, txn->s->db_actions, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	store_hash ids[STORE_MAX_TRACES_PER_ACTION];
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != STORE_HASH_SIZE || v.mv_size % STORE_HASH_SIZE ||
		    v.mv_size > sizeof(ids))
			continue;
		store_hash key;
		memcpy(key.bytes, k.mv_data, STORE_HASH_SIZE);
		memcpy(ids, v.mv_data, v.mv_size);
		r = fn(arg, &key, ids, v.mv_size / STORE_HASH_SIZE);
	}
	mdb_cursor_close(cur);
	if (r != 0)
		return r < 0 ? r : 0;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

/* ---- repair ---------------------------------------------------------------- */

struct repair {
	unsigned flags;
	struct store_repair_report rep;
	store_hash *bad_objects; /* content mismatch: unlinked after commit */
	size_t n_bad, cap_bad;
};

static int note_bad_object(struct repair *rp, const store_hash *h)
{
	for (size_t i = 0; i < rp->n_bad; i++)
		if (store_hash_equal(&rp->bad_objects[i], h))
			return 0;
	if (rp->n_bad == rp->cap_bad) {
		size_t cap = rp->cap_bad ? rp->cap_bad * 2 : 16;
		store_hash *p = reallocarray(rp->bad_objects, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		rp->bad_objects = p;
		rp->cap_bad = cap;
	}
	rp->bad_objects[rp->n_bad++] = *h;
	return 0;
}

struct repair_arg {
	store *s;
	MDB_txn *txn;
	struct repair *rp;
};

/* 0 when the blob is sound (re-adding missing metadata), 1 when broken. */
static int repair_blob(void *arg, const store_hash *h, uint64_t size)
{
	const struct repair_arg *a = arg;
	store *s = a->s;
	MDB_txn *txn = a->txn;
	struct repair *rp = a->rp;
	int r = store_blob_check(s, h, size);
	if (r == -ENOENT || r == STORE_ECORRUPT)
		return 1;
	if (r < 0)
		return r;
	if (rp->flags & STORE_FSCK_HASH) {
		r = store_blob_verify(s, h);
		if (r == STORE_ECORRUPT) {
			r = note_bad_object(rp, h);
			return r < 0 ? r : 1;
		}
		if (r < 0)
			return r;
	}
	MDB_val k = { STORE_HASH_SIZE, (void *)h->bytes }, v;
	int rc = mdb_get(txn, s->db_blobs, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && (v.mv_size != STORE_BLOB_META_LEN ||
					       store_get_u64(v.mv_data) != size))) {
		rc = store_blob_meta_put(s, txn, h, size, 0);
		if (rc)
			return rc == MDB_MAP_FULL ? rc : store_mdb_error(rc);
		rp->rep.blobs_reindexed++;
	} else if (rc) {
		return store_mdb_error(rc);
	}
	return 0;
}

static int trace_is_broken(store *s, MDB_txn *txn, struct repair *rp, const MDB_val *k,
			   const MDB_val *v)
{
	if (k->mv_size != STORE_HASH_SIZE)
		return 1;
	store_hash h;
	store_hash_bytes(v->mv_data, v->mv_size, &h);
	if (memcmp(h.bytes, k->mv_data, STORE_HASH_SIZE) != 0)
		return 1;
	struct store_trace *t;
	int r = store_trace_decode(v->mv_data, v->mv_size, &t);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 1;
	struct repair_arg a = { s, txn, rp };
	r = store_trace_blobs(t, repair_blob, &a);
	store_trace_free(t);
	return r;
}

static int repair_traces(store *s, MDB_txn *txn, struct repair *rp)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->db_traces, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	int r = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		r = trace_is_broken(s, txn, rp, &k, &v);
		if (r < 0 || r == MDB_MAP_FULL)
			break;
		if (r == 1) {
			r = 0;
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			rp->rep.traces_dropped++;
		}
	}
	mdb_cursor_close(cur);
	if (r)
		return r;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int repair_actions(store *s, MDB_txn *txn, struct repair *rp)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->db_actions, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != STORE_HASH_SIZE || v.mv_size % STORE_HASH_SIZE ||
		    v.mv_size > STORE_HASH_SIZE * STORE_MAX_TRACES_PER_ACTION) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			rp->rep.records_dropped++;
			continue;
		}
		store_hash keep[STORE_MAX_TRACES_PER_ACTION];
		size_t n = v.mv_size / STORE_HASH_SIZE, kept = 0;
		for (size_t i = 0; i < n; i++) {
			MDB_val tk = { STORE_HASH_SIZE, (uint8_t *)v.mv_data + i * STORE_HASH_SIZE }, tv;
			int g = mdb_get(txn, s->db_traces, &tk, &tv);
			if (g == 0)
				memcpy(keep[kept++].bytes, tk.mv_data, STORE_HASH_SIZE);
			else if (g == MDB_NOTFOUND)
				rp->rep.ids_dropped++;
			else {
				mdb_cursor_close(cur);
				return g;
			}
		}
		if (kept == n)
			continue;
		rc = store_action_keep(cur, &k, keep, kept);
		rp->rep.actions_dropped += kept == 0;
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Drop records of dbi whose key or value has the wrong size (val_len 0:
 * a run record that must decode). */
static int repair_records(MDB_txn *txn, MDB_dbi dbi, size_t key_len, size_t val_len,
			  uint64_t *dropped)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		bool ok = k.mv_size == key_len;
		if (ok && val_len) {
			ok = v.mv_size == val_len;
		} else if (ok) {
			struct store_run *run;
			int r = store_run_decode(v.mv_data, v.mv_size, &run);
			if (r == -ENOMEM) {
				mdb_cursor_close(cur);
				return r;
			}
			ok = r == 0;
			if (ok)
				store_run_free(run);
		}
		if (!ok) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			(*dropped)++;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int repair_fn(store *s, MDB_txn *txn, void *arg)
{
	struct repair *rp = arg;
	/* a retry after MAP_FULL starts over from a clean slate */
	rp->rep = (struct store_repair_report){ 0 };
	rp->n_bad = 0;
	int rc = repair_records(txn, s->db_blobs, STORE_HASH_SIZE, STORE_BLOB_META_LEN,
				&rp->rep.records_dropped);
	if (rc == 0)
		rc = repair_records(txn, s->db_stat, 16, 56, &rp->rep.records_dropped);
	if (rc == 0)
		rc = repair_records(txn, s->db_runs, 8, 0, &rp->rep.records_dropped);
	if (rc == 0)
		rc = repair_traces(s, txn, rp);
	if (rc == 0)
		rc = repair_actions(s, txn, rp);
	return rc == MDB_MAP_FULL ? rc : store_mdb_error(rc);
}

int store_fsck_repair(store *s, unsigned flags, struct store_repair_report *ret)
{
	struct repair rp = { .flags = flags };
	int r = store_write_txn(s, repair_fn, &rp);
	if (r == 0) {
		/* No trace names these any more: their content was wrong. */
		for (size_t i = 0; i < rp.n_bad; i++) {
			char path[4096];
			if (store_blob_path(s, &rp.bad_objects[i], path, sizeof(path)) == 0 &&
			    unlink(path) == 0)
				rp.rep.objects_removed++;
		}
		*ret = rp.rep;
	}
	free(rp.bad_objects);
	return r;
}
