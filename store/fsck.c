/* fsck.c - the consistency check and the statistics.
 *
 * The invariants checked are the ones the writers promise (docs/store.md):
 * an action names only recorded traces (both are written in one txn); a
 * trace record hashes to its id and decodes; every blob a trace names was
 * committed before the trace (blobs first), so its object exists with the
 * recorded size and its metadata is in the blobs db. Temp files, unindexed
 * objects and runs naming vanished traces are allowed: they are what a
 * crash or gc may leave, and gc cleans them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

struct fsck {
	store *s;
	store_txn *txn;
	unsigned flags;
	void (*cb)(void *arg, enum store_fsck_problem what, const store_hash *key);
	void *arg;
	struct store_fsck_report rep;
};

static void problem(struct fsck *f, enum store_fsck_problem what, const void *key, size_t len)
{
	store_hash h = { 0 };
	memcpy(h.bytes, key, len < STORE_HASH_SIZE ? len : STORE_HASH_SIZE);
	f->rep.problems++;
	if (f->cb)
		f->cb(f->arg, what, &h);
}

static int check_blob(void *arg, const store_hash *h, uint64_t size)
{
	struct fsck *f = arg;
	f->rep.blobs_checked++;
	int r = store_blob_check(f->s, h, size);
	if (r == -ENOENT || r == STORE_ECORRUPT) {
		problem(f, r == -ENOENT ? STORE_FSCK_MISSING_BLOB : STORE_FSCK_BAD_BLOB, h,
			sizeof(*h));
		return 0;
	}
	if (r < 0)
		return r;
	uint64_t meta_size;
	r = store_blob_info(f->txn, h, &meta_size, NULL);
	if (r == -ENOENT || (r == 0 && meta_size != size))
		problem(f, STORE_FSCK_UNINDEXED_BLOB, h, sizeof(*h));
	else if (r < 0)
		return r;
	if (f->flags & STORE_FSCK_HASH) {
		r = store_blob_verify(f->s, h);
		if (r == STORE_ECORRUPT)
			problem(f, STORE_FSCK_BAD_BLOB, h, sizeof(*h));
		else if (r < 0)
			return r;
	}
	return 0;
}

static int check_traces(struct fsck *f)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(f->txn->txn, f->s->db_traces, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	int r = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		f->rep.traces++;
		store_hash id, h;
		struct store_trace *t;
		if (k.mv_size != STORE_HASH_SIZE) {
			problem(f, STORE_FSCK_BAD_TRACE, k.mv_data, k.mv_size);
			continue;
		}
		memcpy(id.bytes, k.mv_data, STORE_HASH_SIZE);
		store_hash_bytes(v.mv_data, v.mv_size, &h);
		if (!store_hash_equal(&h, &id) || store_trace_decode(v.mv_data, v.mv_size, &t) < 0) {
			problem(f, STORE_FSCK_BAD_TRACE, &id, sizeof(id));
			continue;
		}
		if (t->flags & STORE_TRACE_STDOUT_HASH_ONLY)
			f->rep.hash_only++; /* no object to look for: store_trace_blobs skips it */
		r = store_trace_blobs(t, check_blob, f);
		store_trace_free(t);
	}
	mdb_cursor_close(cur);
	if (r < 0)
		return r;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

static int check_actions(struct fsck *f)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(f->txn->txn, f->s->db_actions, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		f->rep.actions++;
		if (k.mv_size != STORE_HASH_SIZE || v.mv_size == 0 || v.mv_size % STORE_HASH_SIZE ||
		    v.mv_size > STORE_HASH_SIZE * STORE_MAX_TRACES_PER_ACTION) {
			problem(f, STORE_FSCK_BAD_RECORD, k.mv_data, k.mv_size);
			continue;
		}
		for (size_t i = 0; i < v.mv_size / STORE_HASH_SIZE; i++) {
			MDB_val tk = { STORE_HASH_SIZE, (uint8_t *)v.mv_data + i * STORE_HASH_SIZE }, tv;
			int g = mdb_get(f->txn->txn, f->s->db_traces, &tk, &tv);
			if (g == MDB_NOTFOUND)
				problem(f, STORE_FSCK_DANGLING_TRACE, tk.mv_data, STORE_HASH_SIZE);
			else if (g) {
				mdb_cursor_close(cur);
				return store_mdb_error(g);
			}
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

/* Fixed-size records: every value of db must be exactly len bytes (0: any
 * run record must decode). */
static int check_records(struct fsck *f, MDB_dbi dbi, size_t key_len, size_t val_len,
			 uint64_t *count)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(f->txn->txn, dbi, &cur);
	if (rc)
		return store_mdb_error(rc);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		(*count)++;
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
		if (!ok)
			problem(f, STORE_FSCK_BAD_RECORD, k.mv_data, k.mv_size);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_error(rc);
}

int store_fsck(store *s, unsigned flags,
	       void (*on_problem)(void *arg, enum store_fsck_problem what, const store_hash *key),
	       void *arg, struct store_fsck_report *ret)
{
	struct fsck f = { .s = s, .flags = flags, .cb = on_problem, .arg = arg };
	int r = store_read_begin(s, &f.txn);
	if (r < 0)
		return r;
	uint64_t blobs = 0;
	r = check_actions(&f);
	if (r == 0)
		r = check_traces(&f);
	if (r == 0)
		r = check_records(&f, s->db_stat, 16, 56, &f.rep.statcache_entries);
	if (r == 0)
		r = check_records(&f, s->db_blobs, STORE_HASH_SIZE, STORE_BLOB_META_LEN, &blobs);
	if (r == 0)
		r = check_records(&f, s->db_runs, 8, 0, &f.rep.runs);
	store_read_end(f.txn);
	if (r == 0)
		*ret = f.rep;
	return r;
}

int store_stats(store *s, struct store_stats *ret)
{
	store_txn *txn;
	int r = store_read_begin(s, &txn);
	if (r < 0)
		return r;
	struct store_stats st = { 0 };
	struct {
		MDB_dbi dbi;
		uint64_t *out;
	} dbs[] = {
		{ s->db_actions, &st.actions }, { s->db_traces, &st.traces },
		{ s->db_blobs, &st.blobs },     { s->db_runs, &st.runs },
		{ s->db_stat, &st.statcache_entries },
	};
	MDB_stat ms;
	uint64_t pages = 0;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]) && r == 0; i++) {
		int rc = mdb_stat(txn->txn, dbs[i].dbi, &ms);
		if (rc) {
			r = store_mdb_error(rc);
			break;
		}
		*dbs[i].out = ms.ms_entries;
		pages += ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages;
	}
	MDB_cursor *cur = NULL;
	if (r == 0) {
		int rc = mdb_cursor_open(txn->txn, s->db_blobs, &cur);
		MDB_val k, v;
		for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
			if (v.mv_size == STORE_BLOB_META_LEN)
				st.blob_bytes += store_get_u64(v.mv_data);
		if (rc != MDB_NOTFOUND)
			r = store_mdb_error(rc);
		mdb_cursor_close(cur);
	}
	if (r == 0) {
		MDB_envinfo info;
		mdb_env_info(s->env, &info);
		mdb_env_stat(s->env, &ms);
		st.map_size = info.me_mapsize;
		st.index_bytes = (pages + 1) * ms.ms_psize;
	}
	store_read_end(txn);
	if (r == 0)
		*ret = st;
	return r;
}
