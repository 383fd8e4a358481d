/* archive.c - bundles: store_export and store_import (tar + zstd through
 * libarchive), the format described in store.h.
 *
 * Import treats the bundle as hostile. Entry names are parsed as hashes,
 * never used as paths, so path traversal has nothing to traverse; only
 * regular-file entries are accepted; every blob is hashed while it is
 * written and dropped unless it matches its name; every trace must hash to
 * its id and decode; every reference must resolve. Only when the whole
 * archive has been read without error (libarchive reports truncation) does
 * one write transaction add the traces, blob metadata and actions. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"

/* libarchive is opened on first use (dlopen), not linked: its chain of
 * dependencies (libxml2, ICU, libstdc++, nettle and five compressors) cost
 * every start of every shark process about 4 ms of dynamic loading, and
 * only export and import need it. The pointers are typed from archive.h. */
#define LIBARCHIVE_SONAME "libarchive.so.13"
#define LA_FUNCS(X) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_symlink) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_read_data) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_fd) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_tar) \
	X(archive_write_add_filter_zstd) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_fd) \
	X(archive_write_set_format_pax_restricted)

static struct {
#define LA_PTR(f) __typeof__(f) *f;
	LA_FUNCS(LA_PTR)
#undef LA_PTR
} la;
static pthread_once_t la_once = PTHREAD_ONCE_INIT;
static int la_error;
static char la_why[200];

static void la_open(void)
{
	void *h = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(la_why, sizeof(la_why), "%s", dlerror());
		la_error = -ELIBACC;
		return;
	}
#define LA_SYM(f)                                                             \
	if (la_error == 0 && !(*(void **)&la.f = dlsym(h, #f))) {             \
		snprintf(la_why, sizeof(la_why), "%s: no symbol %s", LIBARCHIVE_SONAME, #f); \
		la_error = -ELIBACC;                                          \
	}
	LA_FUNCS(LA_SYM)
#undef LA_SYM
}

/* 0 once libarchive is usable; else -ELIBACC with the reason in rep. */
static int la_load(struct store_bundle_report *rep)
{
	pthread_once(&la_once, la_open);
	if (la_error && rep)
		snprintf(rep->detail, sizeof(rep->detail), "cannot load libarchive: %s", la_why);
	return la_error;
}

#define BUNDLE_VERSION "shark-bundle 2\n"
#define BUNDLE_KEY_ENTRY "shark-bundle/KEY"
#define BUNDLE_KEY_LEN (STORE_HASH_HEX_LEN + 1)
#define IO_CHUNK (256u << 10)

static int cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, STORE_HASH_SIZE);
}

static void detail(struct store_bundle_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void detail(struct store_bundle_report *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->detail, sizeof(rep->detail), fmt, ap);
	va_end(ap);
}

/* A growable array of hashes, sorted on demand. */
struct hashes {
	store_hash *v;
	size_t n, cap;
};

static int hashes_add(struct hashes *h, const store_hash *x)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		store_hash *p = reallocarray(h->v, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		h->v = p;
		h->cap = cap;
	}
	h->v[h->n++] = *x;
	return 0;
}

static void hashes_sort_unique(struct hashes *h)
{
	if (!h->n)
		return;
	qsort(h->v, h->n, sizeof(*h->v), cmp_hash);
	size_t k = 1;
	for (size_t i = 1; i < h->n; i++)
		if (!store_hash_equal(&h->v[i], &h->v[k - 1]))
			h->v[k++] = h->v[i];
	h->n = k;
}

static bool hashes_has(const struct hashes *h, const store_hash *x)
{
	return h->n && bsearch(x, h->v, h->n, sizeof(*h->v), cmp_hash) != NULL;
}

/* ---- export ------------------------------------------------------------------------ */

struct exp {
	store *s;
	store_txn *txn;
	struct hashes traces; /* selected, sorted */
	struct hashes blobs;
	struct archive *a;
	struct store_bundle_report *rep;
};

static int add_blob(void *blobs, const store_hash *h, uint64_t size)
{
	(void)size;
	return hashes_add(blobs, h);
}

/* Every trace an action lists: a trace no action lists any more (pushed
 * out of its action's list by newer ones) can never be a hit, and a bundle
 * carrying one would be refused on import. */
static int select_listed(void *arg, const store_hash *key, const store_hash *ids, size_t n)
{
	(void)key;
	struct hashes *listed = arg;
	for (size_t i = 0; i < n; i++) {
		int r = hashes_add(listed, &ids[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int arch_err(struct archive *a)
{
	int e = la.archive_errno(a);
	return e > 0 ? -e : -EIO;
}

static int write_entry(struct exp *e, const char *name, int64_t size)
{
	struct archive_entry *en = la.archive_entry_new();
	if (!en)
		return -ENOMEM;
	la.archive_entry_set_pathname(en, name);
	la.archive_entry_set_size(en, size);
	la.archive_entry_set_filetype(en, AE_IFREG);
	la.archive_entry_set_perm(en, 0444);
	int rc = la.archive_write_header(e->a, en);
	la.archive_entry_free(en);
	return rc == ARCHIVE_OK ? 0 : arch_err(e->a);
}

static int write_data(struct exp *e, const void *p, size_t len)
{
	while (len) {
		la_ssize_t n = la.archive_write_data(e->a, p, len);
		if (n <= 0)
			return arch_err(e->a);
		p = (const uint8_t *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int export_blob(struct exp *e, const store_hash *h, uint8_t *buf, store_hasher *hs)
{
	int fd;
	uint64_t size;
	int r = store_blob_open(e->s, h, &fd, &size);
	if (r < 0)
		return r;
	char name[16 + STORE_HASH_HEX_LEN];
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	snprintf(name, sizeof(name), "objects/%s", hex);
	r = write_entry(e, name, (int64_t)size);
	store_hasher_reset(hs);
	uint64_t done = 0;
	while (r == 0 && done < size) {
		ssize_t n = read(fd, buf, IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : STORE_ECORRUPT; /* shrank under us */
			break;
		}
		store_hasher_update(hs, buf, (size_t)n);
		r = write_data(e, buf, (size_t)n);
		done += (uint64_t)n;
	}
	close(fd);
	if (r == 0) {
		store_hash got;
		store_hasher_final(hs, &got);
		if (!store_hash_equal(&got, h))
			r = STORE_ECORRUPT;
	}
	if (r == 0) {
		e->rep->blobs++;
		e->rep->blob_bytes += size;
	}
	return r;
}

static int export_actions(void *arg, const store_hash *key, const store_hash *ids, size_t n)
{
	struct exp *e = arg;
	store_hash keep[STORE_MAX_TRACES_PER_ACTION];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (hashes_has(&e->traces, &ids[i]))
			keep[k++] = ids[i];
	if (!k)
		return 0;
	char hex[STORE_HASH_HEX_LEN + 1], name[16 + STORE_HASH_HEX_LEN];
	store_hash_to_hex(key, hex);
	snprintf(name, sizeof(name), "actions/%s", hex);
	int r = write_entry(e, name, (int64_t)(k * STORE_HASH_SIZE));
	if (r == 0)
		r = write_data(e, keep, k * STORE_HASH_SIZE);
	if (r == 0)
		e->rep->actions++;
	return r;
}

static int export_body(struct exp *e, const store_hash *ids, size_t n)
{
	struct hashes listed = { 0 };
	int r = store_action_foreach(e->txn, select_listed, &listed);
	if (r == 0)
		hashes_sort_unique(&listed);
	for (size_t i = 0; r == 0 && i < (n ? n : listed.n); i++) {
		const store_hash *id = n ? &ids[i] : &listed.v[i];
		struct store_trace *t;
		r = store_trace_get(e->txn, id, &t);
		if (r == 0 && !hashes_has(&listed, id))
			r = -ESTALE; /* superseded: its action lists newer traces */
		if (r == 0)
			r = hashes_add(&e->traces, id);
		if (r == 0)
			r = store_trace_blobs(t, add_blob, &e->blobs);
		store_trace_free(t);
	}
	free(listed.v);
	if (r < 0)
		return r;
	hashes_sort_unique(&e->traces);
	hashes_sort_unique(&e->blobs);

	if ((r = write_entry(e, "shark-bundle/VERSION", sizeof(BUNDLE_VERSION) - 1)) < 0 ||
	    (r = write_data(e, BUNDLE_VERSION, sizeof(BUNDLE_VERSION) - 1)) < 0)
		return r;
	store_hash fp;
	char fp_text[BUNDLE_KEY_LEN + 1];
	store_key_fingerprint(e->s, &fp);
	store_hash_to_hex(&fp, fp_text);
	fp_text[STORE_HASH_HEX_LEN] = '\n';
	if ((r = write_entry(e, BUNDLE_KEY_ENTRY, BUNDLE_KEY_LEN)) < 0 ||
	    (r = write_data(e, fp_text, BUNDLE_KEY_LEN)) < 0)
		return r;
	uint8_t *buf = malloc(IO_CHUNK);
	store_hasher *hs = NULL;
	if (!buf || store_hasher_new(&hs) < 0) {
		free(buf);
		return -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < e->blobs.n; i++)
		r = export_blob(e, &e->blobs.v[i], buf, hs);
	store_hasher_free(hs);
	free(buf);
	for (size_t i = 0; r == 0 && i < e->traces.n; i++) {
		MDB_val k = { STORE_HASH_SIZE, e->traces.v[i].bytes }, v;
		int rc = mdb_get(e->txn->txn, e->s->db_traces, &k, &v);
		if (rc) {
			r = store_mdb_error(rc);
			break;
		}
		char hex[STORE_HASH_HEX_LEN + 1], name[16 + STORE_HASH_HEX_LEN];
		store_hash_to_hex(&e->traces.v[i], hex);
		snprintf(name, sizeof(name), "traces/%s", hex);
		r = write_entry(e, name, (int64_t)v.mv_size);
		if (r == 0)
			r = write_data(e, v.mv_data, v.mv_size);
		if (r == 0)
			e->rep->traces++;
	}
	if (r == 0)
		r = store_action_foreach(e->txn, export_actions, e);
	return r;
}

int store_export(store *s, const store_hash *trace_ids, size_t n, int out_fd,
		 struct store_bundle_report *ret)
{
	struct store_bundle_report rep = { 0 };
	struct exp e = { .s = s, .rep = &rep };
	int r = la_load(&rep);
	if (r < 0) {
		*ret = rep;
		return r;
	}
	r = store_read_begin(s, &e.txn);
	if (r < 0)
		return r;
	e.a = la.archive_write_new();
	if (!e.a) {
		store_read_end(e.txn);
		return -ENOMEM;
	}
	if (la.archive_write_set_format_pax_restricted(e.a) != ARCHIVE_OK ||
	    la.archive_write_add_filter_zstd(e.a) != ARCHIVE_OK ||
	    la.archive_write_open_fd(e.a, out_fd) != ARCHIVE_OK)
		r = arch_err(e.a);
	if (r == 0)
		r = export_body(&e, trace_ids, n);
	if (la.archive_write_close(e.a) != ARCHIVE_OK && r == 0)
		r = arch_err(e.a);
	la.archive_write_free(e.a);
	store_read_end(e.txn);
	free(e.traces.v);
	free(e.blobs.v);
	if (r == 0)
		*ret = rep;
	return r;
}

/* ---- import ------------------------------------------------------------------------ */

struct itrace {
	store_hash id;
	uint8_t *enc;
	size_t len;
	struct store_trace *t;
	bool listed;
};

struct iaction {
	store_hash key;
	store_hash *ids; /* n of them, malloc'ed */
	size_t n;
};

/* A blob read from the bundle, verified, waiting in tmp/ (never linked
 * into objects/ before the whole bundle passed). */
struct iblob {
	store_hash hash;
	uint64_t size;
	char name[STORE_STAGE_NAME_LEN];
};

struct imp {
	store *s;
	struct archive *a;
	struct store_bundle_report *rep;
	struct store_import_options opt;
	struct hashes blobs; /* imported (verified), sorted at the end */
	struct iblob *staged;
	size_t n_staged, cap_staged;
	struct itrace *traces;
	size_t n_traces, cap_traces;
	struct iaction *actions;
	size_t n_actions, cap_actions;
	uint64_t bytes;  /* blob bytes read */
	uint64_t memory; /* bytes of memory kept for the bundle so far */
	uint8_t *buf;
	int64_t now;
};

/* Count n more bytes of memory against the cap. */
static int charge(struct imp *im, uint64_t n)
{
	if (n > im->opt.max_memory || im->memory > im->opt.max_memory - n) {
		detail(im->rep, "the bundle needs more than %llu bytes of memory to check "
				"(the import's memory cap)",
		       (unsigned long long)im->opt.max_memory);
		return STORE_ELIMIT;
	}
	im->memory += n;
	return 0;
}

static void uncharge(struct imp *im, uint64_t n)
{
	im->memory = n < im->memory ? im->memory - n : 0;
}

/* Grow an array of elements of size sz to hold one more, charged. */
static int grow(struct imp *im, void **v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	int r = charge(im, (uint64_t)(ncap - *cap) * sz);
	if (r < 0)
		return r;
	void *p = reallocarray(*v, ncap, sz);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

enum entry_kind { ENTRY_OBJECT, ENTRY_TRACE, ENTRY_ACTION };

/* "objects/<32 lowercase hex>" etc. */
static int parse_name(const char *name, enum entry_kind *ret_kind, store_hash *ret)
{
	static const struct {
		const char *prefix;
		enum entry_kind kind;
	} kinds[] = { { "objects/", ENTRY_OBJECT }, { "traces/", ENTRY_TRACE },
		      { "actions/", ENTRY_ACTION } };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t pl = strlen(kinds[i].prefix);
		if (strncmp(name, kinds[i].prefix, pl) != 0)
			continue;
		const char *hex = name + pl;
		if (strlen(hex) != STORE_HASH_HEX_LEN)
			return -EINVAL;
		for (size_t k = 0; k < STORE_HASH_HEX_LEN; k++)
			if (!((hex[k] >= '0' && hex[k] <= '9') || (hex[k] >= 'a' && hex[k] <= 'f')))
				return -EINVAL;
		*ret_kind = kinds[i].kind;
		return store_hash_from_hex(hex, STORE_HASH_HEX_LEN, ret);
	}
	return -EINVAL;
}

/* Read the current entry's data (at most max bytes) into a new buffer,
 * its room charged to the memory cap (the caller keeps it, or uncharges
 * what it frees). */
static int read_small(struct imp *im, size_t max, uint8_t **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	int r = charge(im, cap);
	if (r < 0)
		return r;
	uint8_t *p = malloc(cap);
	if (!p)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				r = STORE_ELIMIT;
				break;
			}
			if ((r = charge(im, cap)) < 0)
				break;
			uint8_t *q = realloc(p, cap * 2);
			if (!q) {
				r = -ENOMEM;
				break;
			}
			p = q;
			cap *= 2;
		}
		la_ssize_t n = la.archive_read_data(im->a, p + len, cap - len);
		if (n < 0) {
			r = -EIO;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = STORE_ELIMIT;
			break;
		}
	}
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	*ret_len = len;
	return 0;
}

static int import_object(struct imp *im, const store_hash *name)
{
	int r = grow(im, (void **)&im->staged, &im->cap_staged, im->n_staged, sizeof(*im->staged));
	if (r < 0 || (r = charge(im, STORE_HASH_SIZE)) < 0)
		return r;
	store_blob_writer *w;
	if ((r = store_blob_writer_new(im->s, &w)) < 0)
		return r;
	/* a bundle may be gone after the import: its objects are synced */
	store_blob_writer_set_durable(w);
	for (;;) {
		la_ssize_t n = la.archive_read_data(im->a, im->buf, IO_CHUNK);
		if (n < 0) {
			r = -EIO;
			break;
		}
		if (n == 0)
			break;
		if ((uint64_t)n > im->opt.max_bytes - im->bytes) {
			detail(im->rep, "the bundle's blobs exceed %llu bytes (the import's size cap)",
			       (unsigned long long)im->opt.max_bytes);
			r = STORE_ELIMIT;
			break;
		}
		im->bytes += (uint64_t)n;
		if ((r = store_blob_write(w, im->buf, (size_t)n)) < 0)
			break;
	}
	if (r < 0) {
		store_blob_writer_free(w); /* its temp file goes with it */
		return r;
	}
	struct iblob *b = &im->staged[im->n_staged];
	if ((r = store_blob_stage(w, b->name, &b->hash, &b->size)) < 0)
		return r;
	if (!store_hash_equal(&b->hash, name)) {
		store_blob_stage_drop(im->s, b->name);
		return STORE_ECORRUPT;
	}
	im->n_staged++;
	im->rep->blob_bytes += b->size;
	return hashes_add(&im->blobs, name);
}

static int import_trace(struct imp *im, const store_hash *id)
{
	int r = grow(im, (void **)&im->traces, &im->cap_traces, im->n_traces, sizeof(*im->traces));
	if (r < 0)
		return r;
	struct itrace *t = &im->traces[im->n_traces];
	*t = (struct itrace){ .id = *id };
	if ((r = read_small(im, STORE_BUNDLE_MAX_TRACE, &t->enc, &t->len)) < 0)
		return r;
	store_hash h;
	store_hash_bytes(t->enc, t->len, &h);
	if (!store_hash_equal(&h, id)) {
		free(t->enc);
		return STORE_ECORRUPT;
	}
	r = store_trace_decode(t->enc, t->len, &t->t);
	if (r == 0 && (r = charge(im, malloc_usable_size(t->t))) < 0)
		store_trace_free(t->t);
	if (r < 0) {
		free(t->enc);
		return r;
	}
	im->n_traces++;
	return 0;
}

static int import_action(struct imp *im, const store_hash *key)
{
	int r = grow(im, (void **)&im->actions, &im->cap_actions, im->n_actions, sizeof(*im->actions));
	if (r < 0)
		return r;
	uint8_t *data;
	size_t len;
	if ((r = read_small(im, STORE_HASH_SIZE * STORE_MAX_TRACES_PER_ACTION, &data, &len)) < 0)
		return r;
	if (len == 0 || len % STORE_HASH_SIZE) {
		free(data);
		return -EINVAL;
	}
	/* kept at its size, not read_small's buffer's */
	store_hash *ids = malloc(len);
	if (!ids) {
		free(data);
		return -ENOMEM;
	}
	memcpy(ids, data, len);
	free(data);
	uncharge(im, 4096);
	if ((r = charge(im, len)) < 0) {
		free(ids);
		return r;
	}
	struct iaction *a = &im->actions[im->n_actions];
	a->key = *key;
	a->n = len / STORE_HASH_SIZE;
	a->ids = ids;
	im->n_actions++;
	return 0;
}

/* The VERSION entry, then the KEY entry: the bundle's hashes must have
 * been made under this store's key, or none of its names mean anything
 * here (and its blobs would all fail their hashes). */
static int read_header_entry(struct imp *im, const char *name, int which)
{
	uint8_t *v;
	size_t len;
	int r;
	if (which == 0) {
		if (strcmp(name, "shark-bundle/VERSION") != 0) {
			detail(im->rep, "not a shark bundle (first entry %.200s)", name);
			return -EINVAL;
		}
		if ((r = read_small(im, 64, &v, &len)) < 0) {
			detail(im->rep, "bad VERSION entry");
			return r;
		}
		bool ok = len == sizeof(BUNDLE_VERSION) - 1 && memcmp(v, BUNDLE_VERSION, len) == 0;
		bool ours = len > 13 && memcmp(v, "shark-bundle ", 13) == 0;
		free(v);
		if (!ok) {
			detail(im->rep, "unsupported bundle version (this shark reads %.*s)",
			       (int)sizeof(BUNDLE_VERSION) - 2, BUNDLE_VERSION);
			return ours ? STORE_EVERSION : -EINVAL;
		}
		return 0;
	}
	if (strcmp(name, BUNDLE_KEY_ENTRY) != 0) {
		detail(im->rep, "no key fingerprint entry (got %.200s)", name);
		return -EINVAL;
	}
	if ((r = read_small(im, 64, &v, &len)) < 0)
		return r;
	store_hash theirs, ours;
	r = len == BUNDLE_KEY_LEN && v[STORE_HASH_HEX_LEN] == '\n'
		    ? store_hash_from_hex((const char *)v, STORE_HASH_HEX_LEN, &theirs)
		    : -EINVAL;
	free(v);
	if (r < 0) {
		detail(im->rep, "malformed key fingerprint entry");
		return -EINVAL;
	}
	store_key_fingerprint(im->s, &ours);
	if (!store_hash_equal(&theirs, &ours)) {
		char a[STORE_HASH_HEX_LEN + 1], b[STORE_HASH_HEX_LEN + 1];
		store_hash_to_hex(&theirs, a);
		store_hash_to_hex(&ours, b);
		detail(im->rep,
		       "the bundle was made under another hash key (fingerprint %s, this store's "
		       "%s): import it into a store created with SHARK_HASH_KEY_FILE naming the "
		       "exporting store's key file",
		       a, b);
		return STORE_EKEY;
	}
	return 0;
}

static int read_bundle(struct imp *im)
{
	struct archive_entry *en;
	int header = 0; /* entries of the header read so far: VERSION, KEY */
	for (uint64_t count = 0;; count++) {
		int rc = la.archive_read_next_header(im->a, &en);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			detail(im->rep, "unreadable or truncated archive: %s",
			       la.archive_error_string(im->a) ? la.archive_error_string(im->a) : "?");
			return -EIO;
		}
		const char *name = la.archive_entry_pathname(en);
		if (!name)
			name = "";
		if (count >= STORE_BUNDLE_MAX_ENTRIES) {
			detail(im->rep, "too many entries");
			return STORE_ELIMIT;
		}
		if (la.archive_entry_filetype(en) != AE_IFREG || la.archive_entry_hardlink(en) ||
		    la.archive_entry_symlink(en)) {
			detail(im->rep, "entry %.200s: not a regular file", name);
			return -EINVAL;
		}
		int r;
		if (header < 2) {
			if ((r = read_header_entry(im, name, header)) < 0)
				return r;
			header++;
			continue;
		}
		enum entry_kind kind;
		store_hash h;
		if (parse_name(name, &kind, &h) < 0) {
			detail(im->rep, "unexpected entry name %.200s", name);
			return -EINVAL;
		}
		if (kind == ENTRY_OBJECT)
			r = import_object(im, &h);
		else if (kind == ENTRY_TRACE)
			r = import_trace(im, &h);
		else
			r = import_action(im, &h);
		if (r == STORE_ELIMIT && im->rep->detail[0])
			return r; /* a cap, named already */
		if (r < 0) {
			detail(im->rep, "entry %.200s: %s", name,
			       r == -EINVAL	       ? "duplicate or malformed"
			       : r == -EIO	       ? "truncated or unreadable"
			       : r == STORE_ECORRUPT ? "content does not match its hash"
						     : store_strerror(r));
			return r;
		}
	}
	if (header < 2) {
		detail(im->rep, header ? "no key fingerprint entry" : "empty archive: not a shark bundle");
		return -EINVAL;
	}
	return 0;
}

/* Both start with their hash: sort and search by it. */
static struct itrace *find_itrace(struct imp *im, const store_hash *id)
{
	return im->n_traces ? bsearch(id, im->traces, im->n_traces, sizeof(*im->traces), cmp_hash)
			    : NULL;
}

/* Sort traces and actions by hash; a hash twice is a malformed bundle. */
static int sort_entries(struct imp *im)
{
	if (im->n_traces)
		qsort(im->traces, im->n_traces, sizeof(*im->traces), cmp_hash);
	if (im->n_actions)
		qsort(im->actions, im->n_actions, sizeof(*im->actions), cmp_hash);
	for (size_t i = 1; i < im->n_traces; i++)
		if (store_hash_equal(&im->traces[i].id, &im->traces[i - 1].id)) {
			detail(im->rep, "a trace appears twice");
			return -EINVAL;
		}
	for (size_t i = 1; i < im->n_actions; i++)
		if (store_hash_equal(&im->actions[i].key, &im->actions[i - 1].key)) {
			detail(im->rep, "an action appears twice");
			return -EINVAL;
		}
	return 0;
}

/* A blob a trace names: in the bundle (staged), or already in the store
 * with its size. */
static int check_blob_ref(void *arg, const store_hash *h, uint64_t size)
{
	struct imp *im = arg;
	if (hashes_has(&im->blobs, h)) {
		for (size_t i = 0; i < im->n_staged; i++)
			if (store_hash_equal(&im->staged[i].hash, h) && im->staged[i].size != size) {
				detail(im->rep, "a trace names a blob with the wrong size");
				return STORE_ECORRUPT;
			}
		return 0;
	}
	uint64_t have;
	int r = store_blob_exists(im->s, h, &have);
	if (r == -ENOENT) {
		char hex[STORE_HASH_HEX_LEN + 1];
		store_hash_to_hex(h, hex);
		detail(im->rep, "a trace names blob %s, which is neither in the bundle nor the store",
		       hex);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if (have != size) {
		detail(im->rep, "a trace names a blob with the wrong size");
		return STORE_ECORRUPT;
	}
	return 0;
}

static int check_refs(struct imp *im)
{
	int sr = sort_entries(im);
	if (sr < 0)
		return sr;
	hashes_sort_unique(&im->blobs);
	for (size_t i = 0; i < im->n_actions; i++)
		for (size_t k = 0; k < im->actions[i].n; k++) {
			struct itrace *t = find_itrace(im, &im->actions[i].ids[k]);
			if (!t) {
				detail(im->rep, "an action names a trace that is not in the bundle");
				return -EINVAL;
			}
			t->listed = true;
		}
	for (size_t i = 0; i < im->n_traces; i++) {
		const struct store_trace *t = im->traces[i].t;
		if (!im->traces[i].listed) {
			detail(im->rep, "a trace is listed by no action");
			return -EINVAL;
		}
		int r = store_trace_blobs(t, check_blob_ref, im);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Move the staged blobs into objects/, each compared byte for byte with an
 * object already there. */
static int unstage_all(struct imp *im)
{
	for (size_t i = 0; i < im->n_staged; i++) {
		struct iblob *b = &im->staged[i];
		int r = store_blob_unstage(im->s, b->name, &b->hash, b->size, true);
		b->name[0] = '\0'; /* moved, or removed by the failure */
		if (r < 0) {
			char hex[STORE_HASH_HEX_LEN + 1];
			store_hash_to_hex(&b->hash, hex);
			detail(im->rep, "blob %s: %s", hex, store_strerror(r));
			return r;
		}
	}
	return 0;
}

struct meta_arg {
	store *s;
	MDB_txn *txn;
};

static int put_meta(void *arg, const store_hash *h, uint64_t size)
{
	store *s = ((struct meta_arg *)arg)->s;
	MDB_txn *txn = ((struct meta_arg *)arg)->txn;
	/* inside the txn, as store_record does: gc cannot have removed it */
	if (store_blob_check(s, h, size) < 0)
		return -ENOENT;
	return store_blob_meta_put(s, txn, h, size, 0);
}

static int put_origin(struct imp *im, MDB_txn *txn, const store_hash *id)
{
	const char *o = im->opt.origin ? im->opt.origin : "bundle";
	size_t n = strnlen(o, STORE_ORIGIN_MAX);
	uint8_t val[8 + STORE_ORIGIN_MAX];
	store_put_u64(val, (uint64_t)im->now);
	memcpy(val + 8, o, n);
	MDB_val k = { STORE_HASH_SIZE, (void *)id->bytes }, v = { 8 + n, val };
	return mdb_put(txn, im->s->db_origins, &k, &v, 0);
}

static bool in_list(const store_hash *list, size_t n, const store_hash *h)
{
	for (size_t i = 0; i < n; i++)
		if (store_hash_equal(&list[i], h))
			return true;
	return false;
}

static int import_fn(store *s, MDB_txn *txn, void *arg)
{
	struct imp *im = arg;
	for (size_t i = 0; i < im->n_traces; i++) {
		struct itrace *it = &im->traces[i];
		MDB_val k = { STORE_HASH_SIZE, it->id.bytes }, v = { it->len, it->enc };
		int rc = mdb_put(txn, s->db_traces, &k, &v, MDB_NOOVERWRITE);
		if (rc && rc != MDB_KEYEXIST)
			return rc;
		/* a trace this store has already (recorded or imported) keeps
		 * what it is; a new one remembers where it came from */
		if (rc == 0 && (rc = put_origin(im, txn, &it->id)) != 0)
			return rc;
		const struct store_trace *t = it->t;
		struct meta_arg ma = { s, txn };
		rc = store_trace_blobs(t, put_meta, &ma);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < im->n_actions; i++) {
		struct iaction *a = &im->actions[i];
		/* the store's own list first, then the bundle's: a trace
		 * recorded here always outranks an imported one */
		store_hash list[STORE_MAX_TRACES_PER_ACTION];
		size_t n = 0;
		MDB_val k = { STORE_HASH_SIZE, a->key.bytes }, v;
		int rc = mdb_get(txn, s->db_actions, &k, &v);
		if (rc == 0 && v.mv_size % STORE_HASH_SIZE == 0) {
			for (size_t j = 0; j < v.mv_size / STORE_HASH_SIZE &&
					   n < STORE_MAX_TRACES_PER_ACTION;
			     j++) {
				store_hash h;
				memcpy(h.bytes, (uint8_t *)v.mv_data + j * STORE_HASH_SIZE,
				       STORE_HASH_SIZE);
				if (!in_list(list, n, &h))
					list[n++] = h;
			}
		} else if (rc && rc != MDB_NOTFOUND) {
			return rc;
		}
		for (size_t q = 0; q < a->n && n < STORE_MAX_TRACES_PER_ACTION; q++)
			if (!in_list(list, n, &a->ids[q]))
				list[n++] = a->ids[q];
		v.mv_size = n * STORE_HASH_SIZE;
		v.mv_data = list;
		if ((rc = mdb_put(txn, s->db_actions, &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

int store_import_opts(store *s, int in_fd, const struct store_import_options *opts,
		      struct store_bundle_report *ret)
{
	int r = store_check_usable(s);
	if (r < 0)
		return r;
	if (s->flags & STORE_RDONLY)
		return -EROFS;
	struct store_bundle_report rep = { 0 };
	if ((r = la_load(&rep)) < 0) {
		*ret = rep;
		return r;
	}
	struct imp im = { .s = s, .rep = &rep, .now = store_now_ns() };
	if (opts)
		im.opt = *opts;
	if (!im.opt.max_bytes)
		im.opt.max_bytes = STORE_IMPORT_DEFAULT_MAX_BYTES;
	if (!im.opt.max_memory)
		im.opt.max_memory = STORE_IMPORT_DEFAULT_MAX_MEMORY;
	im.buf = malloc(IO_CHUNK);
	im.a = la.archive_read_new();
	if (!im.buf || !im.a) {
		r = -ENOMEM;
		goto out;
	}
	la.archive_read_support_format_tar(im.a);
	la.archive_read_support_filter_zstd(im.a);
	if (la.archive_read_open_fd(im.a, in_fd, 64 << 10) != ARCHIVE_OK) {
		detail(&rep, "cannot read the archive: %s",
		       la.archive_error_string(im.a) ? la.archive_error_string(im.a) : "?");
		r = -EIO;
		goto out;
	}
	r = read_bundle(&im);
	if (r == 0)
		r = check_refs(&im);
	if (r == 0)
		r = unstage_all(&im);
	if (r == 0) {
		r = store_write_txn(s, import_fn, &im);
		if (r == -ENOENT)
			detail(&rep, "a blob vanished during the import (gc?): nothing was added");
	}
	if (r == 0) {
		rep.actions = im.n_actions;
		rep.traces = im.n_traces;
		rep.blobs = im.blobs.n;
	}
out:
	if (im.a)
		la.archive_read_free(im.a);
	/* a rejected bundle leaves no blob behind */
	for (size_t i = 0; i < im.n_staged; i++)
		if (im.staged[i].name[0])
			store_blob_stage_drop(s, im.staged[i].name);
	for (size_t i = 0; i < im.n_traces; i++) {
		free(im.traces[i].enc);
		store_trace_free(im.traces[i].t);
	}
	for (size_t i = 0; i < im.n_actions; i++)
		free(im.actions[i].ids);
	free(im.traces);
	free(im.actions);
	free(im.staged);
	free(im.blobs.v);
	free(im.buf);
	*ret = rep; /* the detail is the caller's clue on failure */
	return r;
}

int store_import(store *s, int in_fd, struct store_bundle_report *ret)
{
	return store_import_opts(s, in_fd, NULL, ret);
}
