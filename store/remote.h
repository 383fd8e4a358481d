/* remote.h - the store's shared cache on an HTTP/WebDAV server (nginx
 * `dav_methods PUT`, Apache mod_dav, ...), through libcurl.
 *
 * Layout under the base URL (docs/remote.md):
 *
 *   <base>/v1/<key fingerprint>/cas/<blob hash>    a blob, named by its hash
 *   <base>/v1/<key fingerprint>/ac/<action key>    an action entry: the
 *                                                   traces recorded under it
 *
 * All names are keyed hashes, meaningful only to stores that share the hash
 * key (SHARK_HASH_KEY_FILE), hence the fingerprint in the path; "v1" is
 * this layout's version together with the trace encoding's, so a store of
 * another format misses instead of misreading. Writers put blobs before the
 * entry that names them, and every object is replaced whole (the server
 * writes a temp file and renames it): a reader sees an old entry or a new
 * one, never a half one, and treats a missing or bad blob as a miss.
 *
 * Everything the server sends is untrusted: entries are decoded with every
 * length bounded, each trace through store_trace_decode, blobs are hashed
 * while they stream into a staged temp file that enters objects/ only when
 * its content matches its name and size.
 *
 * Like the rest of the store this never prints or exits; errors are 0 /
 * negative errno / the STORE_* codes / the codes below, and the last
 * failure's detail (status, URL without credentials) is kept in the handle.
 * libcurl is opened with dlopen on first use (as libarchive is): linking it
 * would cost every shark start its chain of libraries. */
#ifndef SHARK_STORE_REMOTE_H
#define SHARK_STORE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum {
	STORE_REMOTE_EHTTP = -31100,      /* the server answered an unexpected status */
	STORE_REMOTE_ETRANSPORT = -31101, /* connection, TLS, time-out, reset */
	STORE_REMOTE_ELIB = -31102,       /* libcurl could not be loaded */
	STORE_REMOTE_EBADENTRY = -31103,  /* an action entry that does not decode */
	STORE_REMOTE_EURL = -31104,       /* not an http:// or https:// URL */
};

/* store_remote_strerror - text for the codes above (else store_strerror). */
const char *store_remote_strerror(int err);

/* ---- action entries ---------------------------------------------------------
 *   "shark-ac 1\n"          magic and version
 *   u32 n                   1..STORE_REMOTE_MAX_TRACES, little endian
 *   n times: u32 len, len bytes of a trace encoding (store_trace_encode)
 * and nothing after. */
#define STORE_REMOTE_MAX_TRACES 8
#define STORE_REMOTE_MAX_ENTRY (16u << 20)

/* store_remote_entry_encode - an entry of the n trace encodings enc[i]
 * (len[i] bytes each) in a malloc'ed buffer. Errors: -EINVAL (n out of
 * range, an empty encoding), STORE_ELIMIT (over STORE_REMOTE_MAX_ENTRY),
 * -ENOMEM. */
int store_remote_entry_encode(const uint8_t *const *enc, const size_t *len, size_t n,
			      uint8_t **ret_buf, size_t *ret_len);

/* store_remote_entry_decode - parse an untrusted entry: *ret_traces is a
 * malloc'ed array of *ret_n decoded traces (free with
 * store_remote_traces_free). Errors: STORE_REMOTE_EBADENTRY (bad magic,
 * count, lengths or trailing bytes), the errors of store_trace_decode,
 * -ENOMEM. Never reads outside [buf, buf+len). */
int store_remote_entry_decode(const uint8_t *buf, size_t len, struct store_trace ***ret_traces,
			      size_t *ret_n);
void store_remote_traces_free(struct store_trace **t, size_t n);

/* ---- the client ---------------------------------------------------------- */
typedef struct store_remote store_remote;

struct store_remote_options {
	const char *url;          /* http(s)://[user:pass@]host[:port][/prefix] */
	const char *token;        /* bearer token sent as Authorization, or NULL */
	bool netrc;               /* credentials from ~/.netrc when it has the host */
	long connect_timeout_ms;  /* 0: 2000 */
	long timeout_ms;          /* whole small request (entry, HEAD); 0: 10000 */
	long stall_s;             /* a blob transfer slower than 1 KiB/s this long
				   * is abandoned; 0: 10 */
	uint64_t max_send_bps;    /* uploads at most this many bytes/s; 0: no cap */
};

/* store_remote_new - a client for s (which must stay open while it is
 * used) and the server at o->url. No request is made. Errors:
 * STORE_REMOTE_EURL, STORE_REMOTE_ELIB (detail: store_remote_detail),
 * -ENOMEM. */
int store_remote_new(store *s, const struct store_remote_options *o, store_remote **ret);

/* store_remote_free - NULL-safe. */
void store_remote_free(store_remote *r);

/* store_remote_detail - what the last failure was, one line, credentials
 * never included ("" when none). Valid until the next call on r. */
const char *store_remote_detail(const store_remote *r);

/* store_remote_url - the base URL without credentials, for messages. */
const char *store_remote_url(const store_remote *r);

/* Bytes moved by r since it was made (bodies only). */
uint64_t store_remote_bytes_in(const store_remote *r);
uint64_t store_remote_bytes_out(const store_remote *r);

/* store_remote_lookup - the traces the server holds under action_key, as
 * store_remote_entry_decode gives them. Errors: -ENOENT (none: 404),
 * STORE_REMOTE_EHTTP, STORE_REMOTE_ETRANSPORT, STORE_REMOTE_EBADENTRY and
 * the decoder's. */
int store_remote_lookup(store_remote *r, const store_hash *action_key,
			struct store_trace ***ret_traces, size_t *ret_n);

/* store_remote_fetch - make t usable locally: every blob it names that the
 * store lacks is downloaded into a staged temp file (hashed as it streams,
 * at most its stated size), and only when all of them match their names
 * are they moved into objects/; then t is added to the index under
 * action_key after the store's own traces, with origin (store_trace_origin)
 * "remote <url>", in one write txn. On any failure nothing is added.
 * Errors: -ENOENT (a blob the server lacks), STORE_ECORRUPT (a blob whose
 * content is not its name or size), STORE_ELIMIT (the blobs to download
 * exceed STORE_IMPORT_DEFAULT_MAX_BYTES, as for a bundle), the transport
 * errors, the store's. */
int store_remote_fetch(store_remote *r, const store_hash *action_key,
		       const struct store_trace *t);

/* store_remote_push - upload the local trace trace_id recorded under
 * action_key: each blob the server lacks (HEAD, then PUT from the verified
 * object), then the action entry with this trace first and the server's
 * other traces (those that decode) after it, at most
 * STORE_REMOTE_MAX_TRACES. Nothing is sent when the entry already starts
 * with it. Errors: -ENOENT (no such trace here), STORE_ECORRUPT (a local
 * blob is damaged: nothing is sent), the transport errors. */
int store_remote_push(store_remote *r, const store_hash *action_key, const store_hash *trace_id);

/* store_remote_ping - whether the server answers (any HTTP status below
 * 500 for the base URL counts). Errors: the transport errors, EHTTP. */
int store_remote_ping(store_remote *r);

/* ---- local state, in <store>/remote/ ---------------------------------------
 * The upload queue: one fixed-size record per recorded trace, appended
 * under an flock, so a shell killed right after recording loses nothing;
 * a record is marked done in place once uploaded and the file emptied when
 * every record is. The append is not synced (a sync per recorded command
 * cost the shell a disk flush): the page cache keeps it through SIGKILL of
 * every process; a power loss or kernel crash may drop the newest records
 * (never tear one into garbage: a partial record is cut off, zeros are not
 * a record), and `shark remote push --all` queues every trace again. */
struct store_remote_item {
	store_hash action_key;
	store_hash trace_id;
	uint64_t slot; /* its position in the queue, for store_remote_queue_done */
};

/* store_remote_queue_add - append n items (their slot is ignored), unsynced.
 * Errors: -EROFS, -errno. */
int store_remote_queue_add(store *s, const struct store_remote_item *items, size_t n);

/* store_remote_queue_pending - the items not yet done, oldest first, in a
 * malloc'ed array (NULL when *ret_n is 0). A missing queue is empty. */
int store_remote_queue_pending(store *s, struct store_remote_item **ret, size_t *ret_n);

/* store_remote_queue_done - mark one item done; when none is left pending
 * the queue is emptied. */
int store_remote_queue_done(store *s, const struct store_remote_item *item);

/* store_remote_uploader_lock - take the one-uploader lock of the store
 * (blocking, or not when nonblock: -EWOULDBLOCK if held). Returns an fd
 * to close to release it. */
int store_remote_uploader_lock(store *s, bool nonblock);

/* A foreground push that waits for the uploader lock says so with
 * store_remote_push_wait_begin (an fd to close when it has the lock: a
 * shared flock on remote/push.wait); the background uploader, which runs
 * at idle priority, checks store_remote_push_waiting between traces and
 * hands the rest of the queue over instead of making the push wait for
 * an idle-priority process on a busy machine. */
int store_remote_push_wait_begin(store *s);
bool store_remote_push_waiting(store *s);

/* Counters and the last error, kept across processes (one small file
 * updated under an flock). */
struct store_remote_stats {
	uint64_t hits;          /* traces fetched and replayed */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t uploads;       /* traces pushed */
	int64_t last_error_ns;  /* CLOCK_REALTIME, 0 when none */
	int64_t last_ok_ns;     /* last successful exchange */
	char last_error[200];   /* NUL-terminated */
};

/* store_remote_stats_add - add to the counters; error: when not NULL the
 * new last error ("" clears it and stamps last_ok_ns). Best effort. */
int store_remote_stats_add(store *s, uint64_t hits, uint64_t bytes_in, uint64_t bytes_out,
			   uint64_t uploads, const char *error);

/* store_remote_stats_get - the counters (zeros when there are none). */
int store_remote_stats_get(store *s, struct store_remote_stats *ret);

/* store_remote_mark_down - remember for seconds that the server failed.
 * Returns 1 when this call started the period (its caller warns), 0 when
 * one was already running. store_remote_is_down - whether one runs. */
int store_remote_mark_down(store *s, unsigned seconds);
bool store_remote_is_down(store *s);

#endif
