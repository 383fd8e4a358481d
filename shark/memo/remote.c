/* remote.c - the engine's policy for the shared cache (docs/remote.md):
 * when to consult the server (a local miss, SHARK_REMOTE set, the server
 * not marked down), which fetched trace to take (one recorded under this
 * key whose every input matches here, verified as a local hit is), the
 * one warning when the server fails, and the write path: each recorded
 * trace goes into the store's durable upload queue after the pipeline's
 * commit, and a detached uploader drains it, so the command's output and
 * exit never wait for the network. The protocol is store/remote.c. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"
#include "store/remote.h"

/* After a failure the server is left alone this long, by every shell
 * using the store: one time-out and one warning, not one per command. */
#define MEMO_REMOTE_DOWN_S 60

bool memo_remote_configured(void)
{
	const char *u = getenv("SHARK_REMOTE");
	return u && *u;
}

bool memo_remote_read_only(void)
{
	const char *mode = getenv("SHARK_REMOTE_MODE");
	return mode && *mode && strcmp(mode, "rw") != 0 && strcmp(mode, "read-write") != 0 &&
	       strcmp(mode, "readwrite") != 0; /* "read", or anything unknown */
}

int memo_remote_connect(store *st, store_remote **ret, const char **ret_why)
{
	*ret_why = "";
	const char *url = getenv("SHARK_REMOTE");
	if (!url || !*url)
		return -ENOENT;
	const char *tmo = getenv("SHARK_REMOTE_TIMEOUT");
	long timeout_s = tmo && *tmo ? strtol(tmo, NULL, 10) : 0;
	struct store_remote_options o = {
		.url = url,
		.token = getenv("SHARK_REMOTE_TOKEN"),
		.netrc = true,
		.timeout_ms = timeout_s > 0 ? timeout_s * 1000 : 0,
		.connect_timeout_ms = timeout_s > 0 && timeout_s < 2 ? timeout_s * 1000 : 0,
		.stall_s = timeout_s > 0 ? timeout_s : 0,
	};
	const char *cap = getenv("SHARK_REMOTE_UPLOAD_LIMIT");
	if (cap && *cap && util_parse_size(cap, &o.max_send_bps) < 0) {
		*ret_why = "SHARK_REMOTE_UPLOAD_LIMIT is not a size (e.g. 10M)";
		return -EINVAL;
	}
	store_remote *r = NULL;
	int e = store_remote_new(st, &o, &r);
	if (e < 0) {
		*ret_why = e == STORE_REMOTE_ELIB && r ? strdup(store_remote_detail(r))
						       : store_remote_strerror(e);
		if (!*ret_why)
			*ret_why = store_remote_strerror(e);
		store_remote_free(r);
		return e;
	}
	*ret = r;
	return 0;
}

/* This process's client, made on first use. */
static store_remote *client(struct memo *m)
{
	pid_t self = util_getpid();
	if (m->remote && m->remote_pid == self)
		return m->remote;
	/* A parent's client is left alone, not freed: closing its connections
	 * here would send on sockets the parent still uses (a TLS close). */
	m->remote = NULL;
	if (m->remote_failed_pid == self || !m->st)
		return NULL;
	const char *why;
	int e = memo_remote_connect(m->st, &m->remote, &why);
	if (e < 0) {
		m->remote_failed_pid = self;
		if (e != -ENOENT && !m->remote_warned) {
			memo_warn(m, "shark: remote cache: %s: using the local store only", why);
			m->remote_warned = true;
		}
		return NULL;
	}
	m->remote_pid = self;
	return m->remote;
}

/* A failure of the server: noted for `shark remote status`, the server
 * left alone for a while, and one warning by whoever noticed first. */
static void server_failed(struct memo *m, store_remote *r, int err)
{
	const char *d = store_remote_detail(r);
	char line[600];
	snprintf(line, sizeof(line), "%s", *d ? d : store_remote_strerror(err));
	(void)store_remote_stats_add(m->st, 0, 0, 0, 0, line);
	if (store_remote_mark_down(m->st, MEMO_REMOTE_DOWN_S) == 1 && !m->remote_warned) {
		memo_warn(m, "shark: remote cache %s: %s: running from the local store for %ds",
			  store_remote_url(r), line, MEMO_REMOTE_DOWN_S);
		m->remote_warned = true;
	}
}

int memo_remote_fetch(struct memo *m, const store_hash *key)
{
	if (!memo_remote_configured() || !m->st || m->st_pid != util_getpid() ||
	    store_remote_is_down(m->st))
		return 0;
	store_remote *r = client(m);
	if (!r)
		return 0;
	uint64_t in0 = store_remote_bytes_in(r);
	struct store_trace **tv = NULL;
	size_t n = 0;
	int e = store_remote_lookup(r, key, &tv, &n);
	if (e == -ENOENT)
		return 0; /* a plain miss */
	int got = 0;
	for (size_t i = 0; e == 0 && i < n && !got; i++) {
		/* a trace listed under another key is never served; one whose
		 * inputs differ here is a miss, as it would be locally */
		if (!memo_trace_has_key(tv[i], key) || memo_trace_verify(m, tv[i]) != 1)
			continue;
		e = store_remote_fetch(r, key, tv[i]);
		if (e == 0)
			got = 1;
	}
	store_remote_traces_free(tv, n);
	if (e < 0) {
		server_failed(m, r, e);
		return 0;
	}
	if (got)
		(void)store_remote_stats_add(m->st, 1, store_remote_bytes_in(r) - in0, 0, 0, "");
	return got;
}

/* ---- the write path ---------------------------------------------------------- */

void memo_remote_note_record(struct memo *m, const store_hash *key, const store_hash *trace_id)
{
	if (!memo_remote_configured() || memo_remote_read_only())
		return;
	if (m->n_upq == m->cap_upq) {
		size_t cap = m->cap_upq ? m->cap_upq * 2 : 4;
		struct store_remote_item *nv = reallocarray(m->upq, cap, sizeof(*nv));
		if (!nv)
			return;
		m->upq = nv;
		m->cap_upq = cap;
	}
	m->upq[m->n_upq++] = (struct store_remote_item){ .action_key = *key, .trace_id = *trace_id };
}

/* Upload the queue (memo_remote_drain); when yield is set, stop between
 * traces once a foreground push waits for the lock (*ret_yielded). */
static int drain(store *st, store_remote *r, bool yield, bool *ret_yielded, size_t *ret_sent,
		 size_t *ret_left)
{
	size_t sent = 0;
	int e = 0;
	*ret_yielded = false;
	uint64_t out0 = store_remote_bytes_out(r), in0 = store_remote_bytes_in(r);
	for (int round = 0; round < 1000 && e == 0; round++) {
		struct store_remote_item *v = NULL;
		size_t n = 0;
		if ((e = store_remote_queue_pending(st, &v, &n)) < 0 || n == 0) {
			free(v);
			break;
		}
		for (size_t i = 0; i < n && e == 0 && !*ret_yielded; i++) {
			if (yield && store_remote_push_waiting(st)) {
				*ret_yielded = true;
				break;
			}
			int p = store_remote_push(r, &v[i].action_key, &v[i].trace_id);
			if (p == 0 || p == -ENOENT || p == STORE_ECORRUPT) {
				/* sent, or gone/damaged here: nothing to send */
				(void)store_remote_queue_done(st, &v[i]);
				if (p == 0) {
					sent++;
					(void)store_remote_stats_add(st, 0, 0, 0, 1, NULL);
				}
			} else {
				e = p;
			}
		}
		free(v);
		if (*ret_yielded)
			break;
	}
	struct store_remote_item *v = NULL;
	size_t left = 0;
	(void)store_remote_queue_pending(st, &v, &left);
	free(v);
	const char *d = store_remote_detail(r);
	(void)store_remote_stats_add(st, 0, store_remote_bytes_in(r) - in0,
				     store_remote_bytes_out(r) - out0, 0,
				     e < 0 ? (*d ? d : store_remote_strerror(e)) : (sent ? "" : NULL));
	if (ret_sent)
		*ret_sent = sent;
	if (ret_left)
		*ret_left = left;
	return e;
}

int memo_remote_drain(store *st, store_remote *r, size_t *ret_sent, size_t *ret_left)
{
	bool yielded;
	return drain(st, r, false, &yielded, ret_sent, ret_left);
}

/* The uploader yields to everything else: on a machine with few cores it
 * would otherwise take CPU (loading libcurl, hashing, TLS) and disk time
 * from the commands the shell runs next. SCHED_IDLE runs it only on a
 * core nothing else wants; the idle I/O class reads its blobs only when
 * the disk is otherwise quiet. Best effort: a kernel that refuses leaves
 * it at nice 19. Uploads still finish (the queue is durable and the next
 * shell, or `shark remote push`, which runs at normal priority, sends what
 * is left). */
static void background_priority(void)
{
	(void)setpriority(PRIO_PROCESS, 0, 19);
	struct sched_param sp = { .sched_priority = 0 };
	(void)sched_setscheduler(0, SCHED_IDLE, &sp);
	/* ioprio_set(IOPRIO_WHO_PROCESS, self, IOPRIO_CLASS_IDLE << 13) */
	(void)syscall(SYS_ioprio_set, 1, 0, 3 << 13);
}

/* The uploader: a detached grandchild with no descriptor of the shell's
 * (a `$(...)` or a pipe reading the shell's output must not wait for it),
 * its own store handle and client. One runs per store at a time; one that
 * finds the lock taken leaves the queue to the holder, which looks at the
 * queue again after letting the lock go. */
static void uploader(const char *store_dir)
{
	background_priority();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	(void)syscall(SYS_close_range, 3u, ~0u, 0u);
	const char *ns = getenv("SHARK_STORE_NOSYNC");
	unsigned flags = ns && *ns && strcmp(ns, "0") != 0 ? STORE_NOSYNC : 0;
	store *st = NULL;
	if (store_open(store_dir, flags, &st) < 0)
		_exit(0);
	store_remote *r = NULL;
	const char *why;
	if (memo_remote_connect(st, &r, &why) < 0)
		_exit(0);
	for (int tries = 0; tries < 100; tries++) {
		int lock = store_remote_uploader_lock(st, true);
		if (lock < 0)
			break; /* another uploader drains it */
		bool yielded;
		int e = drain(st, r, true, &yielded, NULL, NULL);
		close(lock);
		if (e < 0 || yielded)
			break; /* the server failed (the queue waits for the next
				* try), or a push took over */
		struct store_remote_item *v = NULL;
		size_t left = 0;
		(void)store_remote_queue_pending(st, &v, &left);
		free(v);
		if (left == 0)
			break;
	}
	store_remote_free(r);
	store_close(st);
	_exit(0);
}

void memo_remote_after_pipeline(struct memo *m)
{
	if (m->n_upq == 0)
		return;
	size_t n = m->n_upq;
	m->n_upq = 0;
	if (!m->st || m->st_pid != util_getpid() || !m->store_dir)
		return;
	if (store_remote_queue_add(m->st, m->upq, n) < 0)
		return; /* the store's trouble, reported by its own writes */
	if (store_remote_is_down(m->st))
		return; /* the queue waits: the next run or `shark remote push` */
	memo_flush(m);
	/* the shell waits for the intermediate child: it keeps the shell's
	 * priority (an idle-class child could wait long for a CPU on a busy
	 * machine); only the uploader takes the idle one */
	if (memo_fork_detached())
		uploader(m->store_dir);
}
