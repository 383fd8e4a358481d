/* remote.c - the shared cache on an HTTP/WebDAV server (remote.h): the
 * action-entry encoding, the client (libcurl, opened with dlopen), fetching
 * a trace and its blobs into the store, and pushing one. The local state
 * in <store>/remote/ is remote_state.c. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The plain prototypes: the type-checking macros would turn calls through
 * the function pointers below into calls of the real symbols. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "store/internal.h"
#include "store/remote.h"

#define LIBCURL_SONAME "libcurl.so.4"
#define CU_FUNCS(X) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_cleanup) \
	X(curl_easy_reset) \
	X(curl_easy_setopt) \
	X(curl_easy_perform) \
	X(curl_easy_getinfo) \
	X(curl_easy_strerror) \
	X(curl_slist_append) \
	X(curl_slist_free_all)

static struct {
#define CU_PTR(f) __typeof__(f) *f;
	CU_FUNCS(CU_PTR)
#undef CU_PTR
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static int cu_error;
static char cu_why[200];

static void cu_open(void)
{
	void *h = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(cu_why, sizeof(cu_why), "%s", dlerror());
		cu_error = STORE_REMOTE_ELIB;
		return;
	}
#define CU_SYM(f)                                                             \
	if (cu_error == 0 && !(*(void **)&cu.f = dlsym(h, #f))) {             \
		snprintf(cu_why, sizeof(cu_why), "%s: no symbol %s", LIBCURL_SONAME, #f); \
		cu_error = STORE_REMOTE_ELIB;                                 \
	}
	CU_FUNCS(CU_SYM)
#undef CU_SYM
	if (cu_error == 0 && cu.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(cu_why, sizeof(cu_why), "curl_global_init failed");
		cu_error = STORE_REMOTE_ELIB;
	}
}

const char *store_remote_strerror(int err)
{
	switch (err) {
	case STORE_REMOTE_EHTTP:
		return "unexpected answer from the cache server";
	case STORE_REMOTE_ETRANSPORT:
		return "cache server unreachable";
	case STORE_REMOTE_ELIB:
		return "libcurl could not be loaded";
	case STORE_REMOTE_EBADENTRY:
		return "malformed action entry from the cache server";
	case STORE_REMOTE_EURL:
		return "not an http:// or https:// URL";
	default:
		return store_strerror(err);
	}
}

/* ---- action entries ------------------------------------------------------- */

static const char ENTRY_MAGIC[] = "shark-ac 1\n";
#define ENTRY_MAGIC_LEN (sizeof(ENTRY_MAGIC) - 1)

int store_remote_entry_encode(const uint8_t *const *enc, const size_t *len, size_t n,
			      uint8_t **ret_buf, size_t *ret_len)
{
	if (n == 0 || n > STORE_REMOTE_MAX_TRACES)
		return -EINVAL;
	size_t total = ENTRY_MAGIC_LEN + 4;
	for (size_t i = 0; i < n; i++) {
		if (len[i] == 0)
			return -EINVAL;
		if (len[i] > STORE_REMOTE_MAX_ENTRY || total + 4 + len[i] > STORE_REMOTE_MAX_ENTRY)
			return STORE_ELIMIT;
		total += 4 + len[i];
	}
	uint8_t *b = malloc(total);
	if (!b)
		return -ENOMEM;
	memcpy(b, ENTRY_MAGIC, ENTRY_MAGIC_LEN);
	size_t off = ENTRY_MAGIC_LEN;
	store_put_u32(b + off, (uint32_t)n);
	off += 4;
	for (size_t i = 0; i < n; i++) {
		store_put_u32(b + off, (uint32_t)len[i]);
		memcpy(b + off + 4, enc[i], len[i]);
		off += 4 + len[i];
	}
	*ret_buf = b;
	*ret_len = total;
	return 0;
}

void store_remote_traces_free(struct store_trace **t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		store_trace_free(t[i]);
	free(t);
}

int store_remote_entry_decode(const uint8_t *buf, size_t len, struct store_trace ***ret_traces,
			      size_t *ret_n)
{
	if (len > STORE_REMOTE_MAX_ENTRY || len < ENTRY_MAGIC_LEN + 4 ||
	    memcmp(buf, ENTRY_MAGIC, ENTRY_MAGIC_LEN) != 0)
		return STORE_REMOTE_EBADENTRY;
	size_t off = ENTRY_MAGIC_LEN;
	uint32_t n = store_get_u32(buf + off);
	off += 4;
	if (n == 0 || n > STORE_REMOTE_MAX_TRACES)
		return STORE_REMOTE_EBADENTRY;
	struct store_trace **v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	int r = 0;
	size_t got = 0;
	for (; got < n; got++) {
		if (len - off < 4) {
			r = STORE_REMOTE_EBADENTRY;
			break;
		}
		uint32_t l = store_get_u32(buf + off);
		off += 4;
		if (l == 0 || l > len - off) {
			r = STORE_REMOTE_EBADENTRY;
			break;
		}
		if ((r = store_trace_decode(buf + off, l, &v[got])) < 0)
			break;
		off += l;
	}
	if (r == 0 && off != len)
		r = STORE_REMOTE_EBADENTRY;
	if (r < 0) {
		store_remote_traces_free(v, got);
		return r;
	}
	*ret_traces = v;
	*ret_n = n;
	return 0;
}

/* ---- the client -------------------------------------------------------------- */

struct store_remote {
	store *s;
	CURL *curl;
	struct curl_slist *headers;
	char *url;      /* as given (may hold credentials): only for libcurl */
	char *display;  /* without credentials, no trailing slash */
	char *base;     /* url + "/v1/<fp>/" */
	long connect_ms, timeout_ms, stall_s;
	uint64_t max_send_bps;
	bool netrc;
	uint64_t bytes_in, bytes_out;
	char detail[512];
};

static void set_detail(store_remote *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(store_remote *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

const char *store_remote_detail(const store_remote *r)
{
	return r->detail;
}

const char *store_remote_url(const store_remote *r)
{
	return r->display;
}

uint64_t store_remote_bytes_in(const store_remote *r)
{
	return r->bytes_in;
}

uint64_t store_remote_bytes_out(const store_remote *r)
{
	return r->bytes_out;
}

/* The URL without "user:password@" and without trailing slashes. */
static char *display_url(const char *url)
{
	const char *hs = strstr(url, "://");
	if (!hs)
		return NULL;
	hs += 3;
	size_t auth_len = strcspn(hs, "/?#");
	const char *at = memrchr(hs, '@', auth_len);
	const char *host = at ? at + 1 : hs;
	size_t head = (size_t)(hs - url), rest = strlen(host);
	char *d = malloc(head + rest + 1);
	if (!d)
		return NULL;
	memcpy(d, url, head);
	memcpy(d + head, host, rest + 1);
	size_t n = strlen(d);
	while (n > head && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

int store_remote_new(store *s, const struct store_remote_options *o, store_remote **ret)
{
	if (!o || !o->url || (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0) ||
	    strpbrk(o->url, " \t\r\n"))
		return STORE_REMOTE_EURL;
	store_remote *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->s = s;
	r->netrc = o->netrc;
	r->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 2000;
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	r->stall_s = o->stall_s > 0 ? o->stall_s : 10;
	r->max_send_bps = o->max_send_bps;
	pthread_once(&cu_once, cu_open);
	if (cu_error) {
		set_detail(r, "cannot load libcurl: %s", cu_why);
		*ret = r; /* the caller reads the detail, then frees */
		return cu_error;
	}
	store_hash fp;
	char fphex[STORE_HASH_HEX_LEN + 1];
	store_key_fingerprint(s, &fp);
	store_hash_to_hex(&fp, fphex);
	size_t n = strlen(o->url);
	while (n > 0 && o->url[n - 1] == '/')
		n--;
	r->url = strndup(o->url, n);
	r->display = display_url(o->url);
	if (r->url && r->display && asprintf(&r->base, "%s/v1/%s/", r->url, fphex) < 0)
		r->base = NULL;
	r->curl = cu.curl_easy_init();
	/* "Expect:" off: a PUT would otherwise wait for a 100-continue
	 * answer that plain servers never send */
	r->headers = cu.curl_slist_append(NULL, "Expect:");
	if (r->headers && o->token && *o->token) {
		char *h = NULL;
		if (asprintf(&h, "Authorization: Bearer %s", o->token) >= 0) {
			struct curl_slist *nh = cu.curl_slist_append(r->headers, h);
			if (nh)
				r->headers = nh;
			else
				r->headers = NULL;
			free(h);
		}
	}
	if (!r->url || !r->display || !r->base || !r->curl || !r->headers) {
		store_remote_free(r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

void store_remote_free(store_remote *r)
{
	if (!r)
		return;
	if (r->curl)
		cu.curl_easy_cleanup(r->curl);
	if (r->headers)
		cu.curl_slist_free_all(r->headers);
	free(r->url);
	free(r->display);
	free(r->base);
	free(r);
}

/* One request's body handling. */
struct xfer {
	store_remote *r;
	/* GET into memory, at most max bytes */
	uint8_t *buf;
	size_t len, cap, max;
	bool too_big;
	/* GET into a blob writer, at most limit bytes */
	store_blob_writer *w;
	uint64_t limit, got;
	int werr;
	/* PUT from memory or from an fd */
	const uint8_t *src;
	size_t src_len, src_off;
	int in_fd;
	int rerr;
};

static long status_of(store_remote *r)
{
	long code = 0;
	(void)cu.curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	if (status_of(x->r) != 200)
		return n; /* an error page: read and dropped */
	x->r->bytes_in += n;
	if (x->w) {
		if (x->got + n > x->limit) {
			x->werr = STORE_ECORRUPT; /* longer than its name says */
			return 0;
		}
		int e = store_blob_write(x->w, data, n);
		if (e < 0) {
			x->werr = e;
			return 0;
		}
		x->got += n;
		return n;
	}
	if (!x->max)
		return n;
	if (x->len + n > x->max) {
		x->too_big = true;
		return 0;
	}
	if (x->len + n > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		while (cap < x->len + n)
			cap *= 2;
		uint8_t *nb = realloc(x->buf, cap);
		if (!nb) {
			x->werr = -ENOMEM;
			return 0;
		}
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	return n;
}

static size_t on_read(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	if (x->in_fd >= 0) {
		ssize_t k;
		do
			k = read(x->in_fd, data, n);
		while (k < 0 && errno == EINTR);
		if (k < 0) {
			x->rerr = -errno;
			return CURL_READFUNC_ABORT;
		}
		x->r->bytes_out += (uint64_t)k;
		return (size_t)k;
	}
	size_t left = x->src_len - x->src_off;
	if (n > left)
		n = left;
	memcpy(data, x->src + x->src_off, n);
	x->src_off += n;
	x->r->bytes_out += n;
	return n;
}

enum method { M_GET, M_HEAD, M_PUT };

static const char *method_name(enum method m)
{
	return m == M_GET ? "GET" : m == M_HEAD ? "HEAD" : "PUT";
}

/* One request for base + rel (rel NULL: the version folder itself).
 * Returns the HTTP status (> 0), or STORE_REMOTE_ETRANSPORT, or the body
 * handler's error; put_size is the body's size for PUT; big: a blob
 * transfer, bounded by the stall rule instead of the total time-out. */
static long request(store_remote *r, enum method m, const char *rel, struct xfer *x,
		    uint64_t put_size, bool big)
{
	char *url = NULL;
	if (asprintf(&url, "%s%s", r->base, rel ? rel : "") < 0)
		return -ENOMEM;
	CURL *c = r->curl;
	cu.curl_easy_reset(c); /* keeps the connection cache */
	cu.curl_easy_setopt(c, CURLOPT_URL, url);
	cu.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	cu.curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
	cu.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
	if (big) {
		/* large reads and writes: 16 KiB at a time costs a blob of
		 * hundreds of MiB tens of thousands of system calls */
		cu.curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L << 10);
		cu.curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L << 10);
		cu.curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		cu.curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->stall_s);
	} else {
		cu.curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	}
	if (r->netrc)
		cu.curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	cu.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	cu.curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (m == M_HEAD)
		cu.curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (m == M_PUT) {
		cu.curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		cu.curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		cu.curl_easy_setopt(c, CURLOPT_READDATA, x);
		cu.curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)put_size);
		if (r->max_send_bps)
			cu.curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE,
					    (curl_off_t)r->max_send_bps);
	}
	CURLcode cc = cu.curl_easy_perform(c);
	long code = status_of(r);
	long result;
	if (x->werr) {
		result = x->werr;
		set_detail(r, "%s %s/.../%s: %s", method_name(m), r->display, rel ? rel : "",
			   store_strerror(x->werr));
	} else if (x->too_big) {
		result = STORE_ELIMIT;
		set_detail(r, "%s %s/.../%s: answer too large", method_name(m), r->display,
			   rel ? rel : "");
	} else if (x->rerr) {
		result = x->rerr;
		set_detail(r, "%s %s/.../%s: %s", method_name(m), r->display, rel ? rel : "",
			   strerror(-x->rerr));
	} else if (cc != CURLE_OK) {
		result = STORE_REMOTE_ETRANSPORT;
		set_detail(r, "%s %s: %s", method_name(m), r->display, cu.curl_easy_strerror(cc));
	} else {
		result = code;
	}
	free(url);
	return result;
}

/* A status that is not one of the expected ones, as an error. */
static int bad_status(store_remote *r, enum method m, const char *rel, long code)
{
	set_detail(r, "%s %s/.../%s: HTTP %ld", method_name(m), r->display, rel ? rel : "", code);
	return STORE_REMOTE_EHTTP;
}

static void rel_path(char out[64], const char *dir, const store_hash *h)
{
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	snprintf(out, 64, "%s/%s", dir, hex);
}

int store_remote_ping(store_remote *r)
{
	struct xfer x = { .r = r, .in_fd = -1 };
	long code = request(r, M_HEAD, NULL, &x, 0, false);
	if (code < 0)
		return (int)code;
	return code < 500 ? 0 : bad_status(r, M_HEAD, "", code);
}

/* GET ac/<key> into memory: 0 and the body, -ENOENT, or an error. */
static int get_entry(store_remote *r, const store_hash *action_key, uint8_t **ret, size_t *ret_len)
{
	char rel[64];
	rel_path(rel, "ac", action_key);
	struct xfer x = { .r = r, .in_fd = -1, .max = STORE_REMOTE_MAX_ENTRY };
	long code = request(r, M_GET, rel, &x, 0, false);
	if (code == 200) {
		*ret = x.buf;
		*ret_len = x.len;
		return 0;
	}
	free(x.buf);
	if (code < 0)
		return (int)code;
	if (code == 404)
		return -ENOENT;
	return bad_status(r, M_GET, rel, code);
}

int store_remote_lookup(store_remote *r, const store_hash *action_key,
			struct store_trace ***ret_traces, size_t *ret_n)
{
	r->detail[0] = '\0';
	uint8_t *buf = NULL;
	size_t len = 0;
	int e = get_entry(r, action_key, &buf, &len);
	if (e < 0)
		return e;
	e = store_remote_entry_decode(buf, len, ret_traces, ret_n);
	free(buf);
	if (e < 0) {
		char hex[STORE_HASH_HEX_LEN + 1];
		store_hash_to_hex(action_key, hex);
		set_detail(r, "GET %s/.../ac/%s: %s", r->display, hex, store_remote_strerror(e));
	}
	return e;
}

/* ---- fetch: blobs, then the trace ------------------------------------------------ */

struct need {
	store_hash h;
	uint64_t size;
	char staged[STORE_STAGE_NAME_LEN]; /* "" when nothing is staged */
};

struct needs {
	store *s;
	struct need *v;
	size_t n, cap;
	uint64_t bytes; /* to download, capped: a trace from the server may
			 * state any size */
};

static int add_need(void *arg, const store_hash *h, uint64_t size)
{
	struct needs *nd = arg;
	for (size_t i = 0; i < nd->n; i++)
		if (store_hash_equal(&nd->v[i].h, h))
			return nd->v[i].size == size ? 0 : STORE_ECORRUPT;
	if (store_blob_check(nd->s, h, size) == 0)
		return 0; /* here already */
	if (size > STORE_IMPORT_DEFAULT_MAX_BYTES - nd->bytes)
		return STORE_ELIMIT;
	nd->bytes += size;
	if (nd->n == nd->cap) {
		size_t cap = nd->cap ? nd->cap * 2 : 8;
		struct need *nv = reallocarray(nd->v, cap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		nd->v = nv;
		nd->cap = cap;
	}
	nd->v[nd->n++] = (struct need){ .h = *h, .size = size };
	return 0;
}

/* Download one blob into a staged temp file, kept only when its content
 * is its name and its size the stated one. */
static int download_blob(store_remote *r, struct need *nd)
{
	store_blob_writer *w;
	int e = store_blob_writer_new(r->s, &w);
	if (e < 0)
		return e;
	char rel[64];
	rel_path(rel, "cas", &nd->h);
	struct xfer x = { .r = r, .in_fd = -1, .w = w, .limit = nd->size };
	long code = request(r, M_GET, rel, &x, 0, true);
	if (code != 200) {
		store_blob_writer_free(w);
		if (code < 0)
			return (int)code;
		if (code == 404) {
			set_detail(r, "GET %s/.../%s: HTTP 404 (blob missing)", r->display, rel);
			return -ENOENT;
		}
		return bad_status(r, M_GET, rel, code);
	}
	store_hash got;
	uint64_t size;
	if ((e = store_blob_stage(w, nd->staged, &got, &size)) < 0) {
		nd->staged[0] = '\0';
		return e;
	}
	if (size != nd->size || !store_hash_equal(&got, &nd->h)) {
		store_blob_stage_drop(r->s, nd->staged);
		nd->staged[0] = '\0';
		set_detail(r, "GET %s/.../%s: content does not match its name (%llu of %llu bytes)",
			   r->display, rel, (unsigned long long)size, (unsigned long long)nd->size);
		return STORE_ECORRUPT;
	}
	return 0;
}

struct adopt {
	const store_hash *action_key;
	const struct store_trace *t;
	uint8_t *enc;
	size_t len;
	store_hash id;
	const char *origin;
};

struct adopt_meta_arg {
	store *s;
	MDB_txn *txn;
};

static int adopt_meta(void *arg, const store_hash *h, uint64_t size)
{
	struct adopt_meta_arg *ma = arg;
	if (store_blob_check(ma->s, h, size) < 0)
		return -ENOENT; /* inside the txn: gc cannot interleave */
	return store_blob_meta_put(ma->s, ma->txn, h, size, 0);
}

static int adopt_fn(store *s, MDB_txn *txn, void *arg)
{
	struct adopt *a = arg;
	MDB_val k = { STORE_HASH_SIZE, a->id.bytes }, v = { a->len, a->enc };
	int rc = mdb_put(txn, s->db_traces, &k, &v, MDB_NOOVERWRITE);
	if (rc && rc != MDB_KEYEXIST)
		return rc;
	if (rc == 0) {
		size_t n = strnlen(a->origin, STORE_ORIGIN_MAX);
		uint8_t val[8 + STORE_ORIGIN_MAX];
		store_put_u64(val, (uint64_t)store_now_ns());
		memcpy(val + 8, a->origin, n);
		MDB_val ov = { 8 + n, val };
		if ((rc = mdb_put(txn, s->db_origins, &k, &ov, 0)) != 0)
			return rc;
	}
	struct adopt_meta_arg ma = { s, txn };
	if ((rc = store_trace_blobs(a->t, adopt_meta, &ma)) != 0)
		return rc;
	/* the store's own traces first: one recorded here outranks a fetched one */
	store_hash list[STORE_MAX_TRACES_PER_ACTION];
	size_t n = 0;
	k = (MDB_val){ STORE_HASH_SIZE, (void *)a->action_key->bytes };
	rc = mdb_get(txn, s->db_actions, &k, &v);
	if (rc == 0 && v.mv_size % STORE_HASH_SIZE == 0) {
		for (size_t j = 0; j < v.mv_size / STORE_HASH_SIZE && n < STORE_MAX_TRACES_PER_ACTION - 1;
		     j++) {
			memcpy(list[n].bytes, (uint8_t *)v.mv_data + j * STORE_HASH_SIZE, STORE_HASH_SIZE);
			if (!store_hash_equal(&list[n], &a->id))
				n++;
		}
	} else if (rc && rc != MDB_NOTFOUND) {
		return rc;
	}
	list[n++] = a->id;
	v = (MDB_val){ n * STORE_HASH_SIZE, list };
	return mdb_put(txn, s->db_actions, &k, &v, 0);
}

int store_remote_fetch(store_remote *r, const store_hash *action_key,
		       const struct store_trace *t)
{
	r->detail[0] = '\0';
	int e = store_check_usable(r->s);
	if (e < 0)
		return e;
	struct needs nd = { .s = r->s };
	e = store_trace_blobs(t, add_need, &nd);
	for (size_t i = 0; e == 0 && i < nd.n; i++) {
		if (nd.v[i].size == 0) {
			store_hash h;
			e = store_blob_put(r->s, "", 0, &h);
			if (e == 0 && !store_hash_equal(&h, &nd.v[i].h))
				e = STORE_ECORRUPT;
		} else {
			e = download_blob(r, &nd.v[i]);
		}
	}
	for (size_t i = 0; e == 0 && i < nd.n; i++)
		if (nd.v[i].staged[0]) {
			e = store_blob_unstage(r->s, nd.v[i].staged, &nd.v[i].h, nd.v[i].size,
					      false); /* regenerable: fetched again */
			nd.v[i].staged[0] = '\0';
		}
	struct adopt a = { .action_key = action_key, .t = t };
	char origin[STORE_ORIGIN_MAX + 1];
	snprintf(origin, sizeof(origin), "remote %s", r->display);
	a.origin = origin;
	if (e == 0 && (e = store_trace_encode(t, &a.enc, &a.len)) == 0) {
		store_hash_bytes(a.enc, a.len, &a.id);
		e = store_write_txn(r->s, adopt_fn, &a);
	}
	free(a.enc);
	for (size_t i = 0; i < nd.n; i++)
		if (nd.v[i].staged[0])
			store_blob_stage_drop(r->s, nd.v[i].staged);
	free(nd.v);
	return e;
}

/* ---- push ------------------------------------------------------------------- */

struct push_blobs {
	store_remote *r;
	store_hash done[64]; /* a few recent ones: a blob named twice goes once */
	size_t n_done;
};

static int push_blob(void *arg, const store_hash *h, uint64_t size)
{
	struct push_blobs *pb = arg;
	store_remote *r = pb->r;
	if (size == 0)
		return 0; /* a reader makes the empty blob itself */
	for (size_t i = 0; i < pb->n_done && i < 64; i++)
		if (store_hash_equal(&pb->done[i], h))
			return 0;
	char rel[64];
	rel_path(rel, "cas", h);
	struct xfer x = { .r = r, .in_fd = -1 };
	long code = request(r, M_HEAD, rel, &x, 0, false);
	if (code < 0)
		return (int)code;
	curl_off_t have = -1;
	(void)cu.curl_easy_getinfo(r->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &have);
	if (code != 200 || have != (curl_off_t)size) {
		if (code != 200 && code != 404)
			return bad_status(r, M_HEAD, rel, code);
		int fd;
		int e = store_blob_open_verified(r->s, h, size, &fd);
		if (e < 0)
			return e;
		x = (struct xfer){ .r = r, .in_fd = fd };
		code = request(r, M_PUT, rel, &x, size, true);
		close(fd);
		if (code < 0)
			return (int)code;
		if (code != 200 && code != 201 && code != 204)
			return bad_status(r, M_PUT, rel, code);
	}
	pb->done[pb->n_done++ % 64] = *h;
	return 0;
}

int store_remote_push(store_remote *r, const store_hash *action_key, const store_hash *trace_id)
{
	r->detail[0] = '\0';
	store_txn *txn;
	int e = store_read_begin(r->s, &txn);
	if (e < 0)
		return e;
	struct store_trace *t = NULL;
	e = store_trace_get(txn, trace_id, &t);
	store_read_end(txn);
	if (e < 0)
		return e;
	uint8_t *mine = NULL;
	size_t mine_len = 0;
	if ((e = store_trace_encode(t, &mine, &mine_len)) < 0) {
		store_trace_free(t);
		return e;
	}
	/* blobs first: an entry is never visible before what it names */
	struct push_blobs pb = { .r = r };
	e = store_trace_blobs(t, push_blob, &pb);
	store_trace_free(t);

	struct store_trace **old = NULL;
	size_t n_old = 0;
	uint8_t *entry = NULL, *encs[STORE_REMOTE_MAX_TRACES] = { 0 };
	size_t entry_len = 0, lens[STORE_REMOTE_MAX_TRACES], n = 0;
	if (e == 0) {
		e = store_remote_lookup(r, action_key, &old, &n_old);
		if (e == -ENOENT || e == STORE_REMOTE_EBADENTRY || e == STORE_EBADTRACE ||
		    e == STORE_EVERSION || e == STORE_ELIMIT)
			e = 0; /* nothing usable there: replaced */
	}
	if (e == 0) {
		encs[n] = mine;
		lens[n++] = mine_len;
		for (size_t i = 0; i < n_old && n < STORE_REMOTE_MAX_TRACES && e == 0; i++) {
			uint8_t *b;
			size_t l;
			if (store_trace_encode(old[i], &b, &l) < 0)
				continue;
			if (l == mine_len && memcmp(b, mine, l) == 0) {
				free(b);
				if (i == 0)
					e = 1; /* already first: nothing to write */
				continue;
			}
			encs[n] = b;
			lens[n++] = l;
		}
	}
	if (e == 0)
		e = store_remote_entry_encode((const uint8_t *const *)encs, lens, n, &entry,
					      &entry_len);
	if (e == 0) {
		char rel[64];
		rel_path(rel, "ac", action_key);
		struct xfer x = { .r = r, .in_fd = -1, .src = entry, .src_len = entry_len };
		long code = request(r, M_PUT, rel, &x, entry_len, false);
		if (code < 0)
			e = (int)code;
		else if (code != 200 && code != 201 && code != 204)
			e = bad_status(r, M_PUT, rel, code);
	}
	if (e == 1)
		e = 0;
	free(entry);
	for (size_t i = 1; i < n; i++)
		free(encs[i]);
	free(mine);
	store_remote_traces_free(old, n_old);
	return e;
}
