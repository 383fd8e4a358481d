/* memo.c - the memo engine's front: opening the store in the right process,
 * looking a stage up and verifying a trace's inputs, replaying a hit, and
 * turning what the sandbox observed into recorded inputs. Running the
 * stages that miss is memo_run.c; the key is memo_key.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shark/cli.h"
#include "shark/memo_int.h"

#define MEMO_MAX_READLINK 4096

void memo_warn(struct memo *m, const char *fmt, ...)
{
	if (!m->opt.message)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Warnings name paths and commands a command chose: escaped. */
	m->opt.message(m->opt.message_ctx, cli_name(line));
}

int memo_new(const struct memo_options *opts, const char *cwd, struct memo **ret)
{
	struct memo *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->opt = *opts;
	if (!m->opt.max_output)
		m->opt.max_output = (uint64_t)1 << 30;
	int r;
	if (opts->workspace) {
		m->workspace = realpath(opts->workspace, NULL);
		r = m->workspace ? 0 : -errno;
	} else {
		r = memo_workspace_find(cwd, &m->workspace);
	}
	if (r < 0) {
		free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void memo_free(struct memo *m)
{
	if (!m)
		return;
	store_close(m->st);
	free(m->workspace);
	free(m->store_dir);
	free(m->submount_path);
	free(m);
}

void memo_flush(struct memo *m)
{
	if (m && m->st && m->st_pid == getpid())
		(void)store_flush_lazy(m->st); /* a hit's history: no synced commit */
}

const char *memo_workspace(const struct memo *m)
{
	return m->workspace;
}

void memo_store_failed(struct memo *m, const char *what, int err)
{
	if (!m->warned)
		memo_warn(m, "shark: store %s failed (%s): running commands uncached", what,
			  store_strerror(err));
	m->warned = true;
}

/* The store, opened by this process. A handle inherited across fork is
 * dropped (store_close only frees memory in a child) and a fresh one
 * opened, so LMDB never sees a handle used in two processes. */
store *memo_store(struct memo *m)
{
	pid_t self = getpid();
	if (m->st && m->st_pid == self)
		return m->st;
	if (m->st) {
		store_close(m->st);
		m->st = NULL;
	}
	if (m->st_failed_pid == self)
		return NULL;
	const char *ns = getenv("SHARK_STORE_NOSYNC");
	unsigned flags = ns && *ns && strcmp(ns, "0") != 0 ? STORE_NOSYNC : 0;
	int r = store_open(m->opt.store_path, flags, &m->st);
	if (r < 0) {
		m->st_failed_pid = self;
		m->st = NULL;
		memo_store_failed(m, "open", r);
		return NULL;
	}
	m->st_pid = self;
	if (!m->store_dir)
		m->store_dir = realpath(store_path(m->st), NULL);
	return m->st;
}

/* ---- verification -------------------------------------------------------- */

/* Inputs are absolute paths as the command saw them; the host view outside
 * the workspace is the same, and inside it the workspace is unchanged until
 * effects are applied, so checking them now checks what the command saw.
 * Encodings (docs/memo.md): FILE with a content hash; FILE with the zero
 * hash = "an executable regular file" (the command executed it); DIR with
 * a listing hash (it was listed) or the zero hash (it was only looked up);
 * SYMLINK with its target; ABSENT. FILE and DIR follow symlinks, as the
 * command's open did; a SYMLINK input records the link itself. Input i's
 * stat comes from the batch b, whose query i is its path (statted without
 * following for a SYMLINK input). */
static bool input_matches(store_stat_batch *b, size_t i, const struct store_input *in)
{
	struct stat st;
	struct store_path_state ps;
	int r;
	switch (in->kind) {
	case STORE_INPUT_ABSENT:
		r = store_stat_batch_stat(b, i, &st);
		return r == -ENOENT || r == -ENOTDIR;
	case STORE_INPUT_SYMLINK: {
		if (store_stat_batch_stat(b, i, &st) < 0 || !S_ISLNK(st.st_mode) || !in->target)
			return false;
		char buf[MEMO_MAX_READLINK];
		ssize_t n = readlink(in->path, buf, sizeof(buf) - 1);
		if (n < 0)
			return false;
		buf[n] = '\0';
		return strcmp(buf, in->target) == 0;
	}
	case STORE_INPUT_DIR:
		if (store_hash_is_zero(&in->hash))
			return store_stat_batch_stat(b, i, &st) == 0 && S_ISDIR(st.st_mode);
		return store_stat_batch_answer(b, i, &ps) == 0 && ps.kind == STORE_INPUT_DIR &&
		       store_hash_equal(&ps.hash, &in->hash);
	case STORE_INPUT_FILE:
		if (store_hash_is_zero(&in->hash))
			return store_stat_batch_stat(b, i, &st) == 0 && S_ISREG(st.st_mode) &&
			       access(in->path, X_OK) == 0;
		return store_stat_batch_answer(b, i, &ps) == 0 && ps.kind == STORE_INPUT_FILE &&
		       store_hash_equal(&ps.hash, &in->hash);
	default:
		return false;
	}
}

/* Every input of t, in order, until the first that does not match. The
 * stats run ahead on the other CPUs (store_stat_batch). Returns 1 (all
 * match), 0, or a negative error of the batch itself. */
static int trace_inputs_match(store_txn *txn, store_stat_updates *upd,
			      const struct store_trace *t)
{
	struct store_stat_query *q = calloc(t->n_inputs ? t->n_inputs : 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_inputs; i++)
		q[i] = (struct store_stat_query){
			.dirfd = AT_FDCWD,
			.path = t->inputs[i].path,
			.at_flags = t->inputs[i].kind == STORE_INPUT_SYMLINK ? AT_SYMLINK_NOFOLLOW : 0,
		};
	store_stat_batch *b;
	int r = store_stat_batch_begin(txn, upd, t->n_inputs, q, &b);
	if (r == 0) {
		r = 1;
		for (size_t i = 0; i < t->n_inputs && r == 1; i++)
			if (!input_matches(b, i, &t->inputs[i]))
				r = 0;
		store_stat_batch_end(b);
	}
	free(q);
	return r;
}

/* memo_lookup - the newest trace under key whose every input still matches.
 * Returns 1 and the trace on a hit, 0 on a miss, negative on a store error. */
int memo_lookup(struct memo *m, const store_hash *key, struct store_trace **ret_trace,
		store_hash *ret_id)
{
	store *st = memo_store(m);
	if (!st)
		return -ENOENT;
	store_stat_updates *upd = NULL;
	int r = store_stat_updates_new(&upd);
	if (r < 0)
		return r;
	store_txn *txn;
	r = store_read_begin(st, &txn);
	if (r < 0) {
		store_stat_updates_free(upd);
		return r;
	}
	store_hash *ids = NULL;
	size_t n = 0;
	struct store_trace *found = NULL;
	r = store_action_traces(txn, key, &ids, &n);
	if (r == -ENOENT)
		r = 0;
	for (size_t i = 0; r == 0 && i < n && !found; i++) {
		struct store_trace *t;
		int g = store_trace_get(txn, &ids[i], &t);
		if (g < 0)
			continue; /* a damaged trace is a miss, fsck reports it */
		int match = memo_trace_has_key(t, key) ? trace_inputs_match(txn, upd, t) : 0;
		if (match == 1) {
			found = t;
			*ret_id = ids[i];
		} else {
			store_trace_free(t);
			if (match < 0)
				r = match;
		}
	}
	free(ids);
	store_read_end(txn);
	if (store_stat_updates_count(upd) > 0)
		(void)store_stat_updates_flush(st, upd); /* only a cache: best effort */
	store_stat_updates_free(upd);
	if (r < 0) {
		store_trace_free(found);
		return r;
	}
	if (!found)
		return 0;
	*ret_trace = found;
	return 1;
}

/* ---- replay ---------------------------------------------------------------- */

/* Every blob a hit or a fresh record needs, opened up front: an open file
 * outlives its name, so a gc running beside (even with no grace period)
 * cannot take content away between the lookup and the replay. */
void memo_pins_close(struct memo_pins *p)
{
	if (!p)
		return;
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	for (size_t i = 0; p->fx && i < p->n_fx; i++)
		if (p->fx[i] >= 0)
			close(p->fx[i]);
	free(p->fx);
	p->fx = NULL;
	p->out = p->err = -1;
}

/* An object of another size than the trace states (cut short by a crash)
 * is as good as missing: the hit becomes a miss. */
static int pin_one(struct memo *m, const store_hash *h, uint64_t size, int *ret_fd)
{
	uint64_t got;
	int r = store_blob_open(m->st, h, ret_fd, &got);
	if (r == 0 && got != size) {
		close(*ret_fd);
		*ret_fd = -1;
		r = STORE_ECORRUPT;
	}
	return r;
}

int memo_pins_open(struct memo *m, const struct store_trace *t, struct memo_pins *p)
{
	p->out = p->err = -1;
	p->n_fx = t->n_effects;
	p->fx = malloc((t->n_effects ? t->n_effects : 1) * sizeof(int));
	if (!p->fx)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_effects; i++)
		p->fx[i] = -1;
	int r = 0;
	if (t->stdout_size)
		r = pin_one(m, &t->stdout_blob, t->stdout_size, &p->out);
	if (r == 0 && t->stderr_size)
		r = pin_one(m, &t->stderr_blob, t->stderr_size, &p->err);
	for (size_t i = 0; r == 0 && i < t->n_effects; i++)
		if (t->effects[i].kind == STORE_EFFECT_FILE)
			r = pin_one(m, &t->effects[i].blob, t->effects[i].size, &p->fx[i]);
	if (r < 0)
		memo_pins_close(p);
	return r;
}

static int apply_one(int ws_fd, const struct store_effect *e, int content)
{
	struct sandbox_effect se = { .path = e->path, .mode = (mode_t)e->mode };
	switch (e->kind) {
	case STORE_EFFECT_FILE:
		se.kind = SANDBOX_EFFECT_FILE;
		se.size = e->size;
		if (content < 0)
			return -ENOENT;
		if (lseek(content, 0, SEEK_SET) < 0)
			return -errno;
		break;
	case STORE_EFFECT_DELETE:
		se.kind = SANDBOX_EFFECT_DELETE;
		break;
	case STORE_EFFECT_DIR:
		se.kind = SANDBOX_EFFECT_DIR;
		break;
	case STORE_EFFECT_SYMLINK:
		se.kind = SANDBOX_EFFECT_SYMLINK;
		se.target = e->target;
		break;
	default:
		return -EINVAL;
	}
	return sandbox_effect_apply(ws_fd, &se, content);
}

/* memo_replay_effects - apply a trace's file effects to the workspace, in
 * recorded order, with file contents from the pinned fds (fx[i] for effect
 * i). A refused effect is reported and the rest still applied. */
int memo_replay_effects(struct memo *m, const struct store_trace *t, const int *fx)
{
	if (t->n_effects == 0)
		return 0;
	int ws = open(m->workspace, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ws < 0)
		return -errno;
	int lock = -1, result = sandbox_workspace_lock(ws, &lock);
	if (result < 0) {
		close(ws);
		return result;
	}
	for (size_t i = 0; i < t->n_effects; i++) {
		int r = apply_one(ws, &t->effects[i], fx ? fx[i] : -1);
		if (r < 0) {
			memo_warn(m, "shark: %s: effect not applied: %s", t->effects[i].path,
				  r <= -30000 && r > -31000 ? sandbox_strerror(r)
							    : store_strerror(r));
			result = r;
		}
	}
	sandbox_workspace_unlock(lock);
	close(ws);
	return result;
}

/* ---- recording inputs ------------------------------------------------------ */

static bool path_under(const char *path, const char *dir)
{
	if (!dir)
		return false;
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Paths that are not inputs: the sandbox's own /proc, /dev and /run (fresh
 * in every recordable run), /sys, and the store and scratch areas. /tmp is the host's
 * below private writes, so what a command read there is an input (a file it
 * wrote there itself is absent on the host, and recorded so). */
static bool path_ignored(struct memo *m, const char *path, const char *scratch)
{
	if (path_under(path, m->store_dir) || path_under(path, scratch))
		return true;
	if (path_under(path, m->workspace))
		return false;
	return path_under(path, "/proc") || path_under(path, "/dev") ||
	       path_under(path, "/sys") || path_under(path, "/run");
}

struct inputs {
	struct store_input *v;
	size_t n, cap;
};

static int inputs_add(struct inputs *in, const char *path, uint8_t kind, const store_hash *h,
		      const char *target)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		struct store_input *v = reallocarray(in->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		in->v = v;
		in->cap = cap;
	}
	struct store_input *x = &in->v[in->n];
	memset(x, 0, sizeof(*x));
	x->path = strdup(path);
	x->target = target ? strdup(target) : NULL;
	if (!x->path || (target && !x->target)) {
		free((char *)x->path);
		free((char *)x->target);
		return -ENOMEM;
	}
	x->kind = kind;
	if (h)
		x->hash = *h;
	in->n++;
	return 0;
}

void memo_inputs_free(struct store_input *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)v[i].path);
		free((char *)v[i].target);
	}
	free(v);
}

/* memo_inputs_from_accesses - what the run observed, as recorded inputs
 * (hashed now, on the host, before its effects are applied). Returns 0 and
 * the inputs, or 1 with *ret_reason when the run must not be recorded (an
 * input that is a device, FIFO or socket, or unreadable), or negative. */
int memo_inputs_from_accesses(struct memo *m, const struct sandbox_result *res,
			      const char *scratch, struct store_input **ret_inputs,
			      size_t *ret_n, const char **ret_reason)
{
	store *st = m->st;
	struct inputs in = { 0 };
	store_stat_updates *upd = NULL;
	store_txn *txn = NULL;
	const char *reason = NULL;
	int r = store_stat_updates_new(&upd);
	if (r == 0)
		r = store_read_begin(st, &txn);
	for (size_t i = 0; r == 0 && !reason && i < res->n_accesses; i++) {
		const struct sandbox_access *a = &res->accesses[i];
		if (a->kinds == SANDBOX_ACCESS_WRITE || path_ignored(m, a->path, scratch))
			continue;
		struct stat lst, st_;
		if (lstat(a->path, &lst) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				r = inputs_add(&in, a->path, STORE_INPUT_ABSENT, NULL, NULL);
			else
				reason = "an input could not be examined";
			continue;
		}
		if (S_ISLNK(lst.st_mode)) {
			char buf[MEMO_MAX_READLINK];
			ssize_t n = readlink(a->path, buf, sizeof(buf) - 1);
			if (n < 0) {
				reason = "an input could not be examined";
				continue;
			}
			buf[n] = '\0';
			r = inputs_add(&in, a->path, STORE_INPUT_SYMLINK, NULL, buf);
			if (r < 0)
				break;
			if (stat(a->path, &st_) < 0) {
				r = inputs_add(&in, a->path, STORE_INPUT_ABSENT, NULL, NULL);
				continue;
			}
		} else {
			st_ = lst;
		}
		bool dir = S_ISDIR(st_.st_mode);
		if (dir && !(a->kinds & SANDBOX_ACCESS_LIST)) {
			r = inputs_add(&in, a->path, STORE_INPUT_DIR, NULL, NULL);
		} else if (dir || S_ISREG(st_.st_mode)) {
			/* a listed directory's listing hash, a file's content hash */
			struct store_path_state ps;
			if (store_stat_hash(txn, upd, AT_FDCWD, a->path, 0, &ps) < 0) {
				reason = dir ? "an input directory could not be listed"
					     : "an input file could not be read";
				continue;
			}
			r = inputs_add(&in, a->path, dir ? STORE_INPUT_DIR : STORE_INPUT_FILE, &ps.hash,
				       NULL);
			if (r == 0 && !dir && (a->kinds & SANDBOX_ACCESS_EXEC))
				r = inputs_add(&in, a->path, STORE_INPUT_FILE, NULL, NULL);
		} else {
			reason = "it touched a device, FIFO or socket";
		}
	}
	store_read_end(txn);
	if (r == 0 && store_stat_updates_count(upd) > 0)
		(void)store_stat_updates_flush(st, upd);
	store_stat_updates_free(upd);
	if (r < 0 || reason) {
		memo_inputs_free(in.v, in.n);
		if (r < 0)
			return r;
		*ret_reason = reason;
		return 1;
	}
	*ret_inputs = in.v;
	*ret_n = in.n;
	return 0;
}

/* memo_make_scratch - a fresh directory for one run's overlay upper/work
 * dirs: in the store's scratch area (so results move into the store by
 * rename), or, when the store is unavailable or lies inside the workspace
 * (overlayfs refuses an upper dir inside its lower dir), under $TMPDIR.
 * *ret_hold gets an fd that keeps gc away from it (store_scratch_hold),
 * to close once the run is over. */
int memo_make_scratch(struct memo *m, char **ret, int *ret_hold)
{
	char buf[4096];
	const char *base = NULL;
	if (m->st && m->store_dir && !path_under(m->store_dir, m->workspace))
		base = store_scratch_path(m->st);
	if (!base) {
		const char *tmp = getenv("TMPDIR");
		base = tmp && *tmp == '/' ? tmp : "/tmp";
	}
	int n = snprintf(buf, sizeof(buf), "%s/run.XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	if (!mkdtemp(buf))
		return -errno;
	char *dup = realpath(buf, NULL);
	int hold = dup ? store_scratch_hold(dup) : -errno;
	if (hold < 0) {
		rmdir(buf);
		free(dup);
		return hold;
	}
	*ret = dup;
	*ret_hold = hold;
	return 0;
}

/* ---- the automatic size limit ------------------------------------------------ */

/* Default for SHARK_STORE_LIMIT: the store is a cache, and a cache that
 * grows without bound fills the disk. */
#define MEMO_DEFAULT_STORE_LIMIT ((uint64_t)20 << 30)
/* At most one check per store per this long, across all shells. */
#define MEMO_GC_CHECK_INTERVAL_S 3600

/* memo_auto_gc - keep the store under SHARK_STORE_LIMIT (default 20 GiB;
 * "0" or "off" disables) without stalling the user: at most once an hour
 * (a stamp file, claimed by whichever shell gets there first) the blob
 * bytes are summed, and when over the limit a detached, niced grandchild
 * runs gc down to 90% of it, with gc's usual grace period for fresh
 * results. Errors are ignored: this is housekeeping. */
void memo_auto_gc(struct memo *m)
{
	const char *env = getenv("SHARK_STORE_LIMIT");
	uint64_t limit = MEMO_DEFAULT_STORE_LIMIT;
	if (env && *env) {
		if (strcmp(env, "0") == 0 || strcmp(env, "off") == 0 ||
		    cli_parse_size(env, &limit) < 0 || limit == 0)
			return;
	}
	store *st = m->st;
	if (!st || m->st_pid != getpid())
		return;
	char stamp[4096];
	snprintf(stamp, sizeof(stamp), "%s/gc.stamp", store_path(st));
	struct stat sb;
	time_t now = time(NULL);
	if (stat(stamp, &sb) == 0 && now - sb.st_mtime < MEMO_GC_CHECK_INTERVAL_S && sb.st_mtime <= now)
		return;
	int fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)futimens(fd, NULL);
	close(fd);
	struct store_stats stats;
	if (store_stats(st, &stats) < 0 || stats.blob_bytes <= limit)
		return;
	pid_t pid = fork();
	if (pid != 0) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return;
	}
	/* The child: detach, leave the grandchild to init, and exit. */
	if (setsid() < 0 || fork() != 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	(void)nice(10);
	store *own = NULL; /* the inherited handle belongs to the parent */
	if (store_open(store_path(st), 0, &own) == 0) {
		struct store_gc_options o = { .max_bytes = limit / 10 * 9, .grace_ns = -1 };
		struct store_gc_report rep;
		(void)store_gc(own, &o, &rep);
		store_close(own);
	}
	_exit(0);
}

/* ---- the pipeline entry ----------------------------------------------------- */

static int64_t now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned tty_bits(int fd_in, int fd_out, int fd_err)
{
	return (fd_in >= 0 && isatty(fd_in) ? 1u : 0) | (fd_out >= 0 && isatty(fd_out) ? 2u : 0) |
	       (fd_err >= 0 && isatty(fd_err) ? 4u : 0);
}

unsigned memo_stage_ttys(const struct memo_stage *stages, size_t n, size_t i, int fd_in,
			 int fd_out)
{
	const struct memo_stage *s = &stages[i];
	int in = s->fd_in >= 0 ? s->fd_in : (i == 0 ? fd_in : -1);
	int out = s->fd_out >= 0 ? s->fd_out : (i == n - 1 ? fd_out : -1);
	return tty_bits(in, out, s->fd_err);
}

/* Copy a pinned blob (size bytes) to fd: sendfile where it works (any
 * output since Linux 2.6.33), read/write otherwise. -EPIPE when the reader
 * went away. */
static int replay_fd(int in, uint64_t size, int fd)
{
	if (size == 0 || fd < 0 || in < 0)
		return 0;
	off_t off = 0;
	while ((uint64_t)off < size) {
		ssize_t n = sendfile(fd, in, &off, (size_t)(size - (uint64_t)off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EINVAL || errno == ENOSYS))
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
	}
	char buf[65536];
	while ((uint64_t)off < size) {
		ssize_t n = pread(in, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		int r = memo_write_all(fd, buf, (size_t)n);
		if (r < 0)
			return r;
		off += n;
	}
	return 0;
}

static void format_seconds(char *buf, size_t len, uint64_t ns)
{
	double s = (double)ns / 1e9;
	if (s < 1)
		snprintf(buf, len, "%.0f ms", s * 1000);
	else
		snprintf(buf, len, "%.1f s", s);
}

/* A workspace with a mount point inside cannot be overlaid, so no command
 * runs there; and since a replay must give what a run would, none is
 * replayed either: every stage fails with status 126 and a message naming
 * the mount. Looked at once per process (/proc/self/mountinfo); effects
 * never cross a mount even if one appears later (SANDBOX_E_CROSSES_MOUNT). */
static bool workspace_has_mount(struct memo *m, const struct memo_stage *stages, size_t n,
				int *ret_status)
{
	if (m->submount == 0) {
		char mp[4096];
		int r = sandbox_workspace_find_mount(m->workspace, mp, sizeof(mp));
		m->submount = -1;
		if (r == 1 && (m->submount_path = strdup(mp)))
			m->submount = 1;
	}
	if (m->submount < 0)
		return false;
	memo_warn(m,
		  "shark: %s: not run: the workspace %s has a mount point inside it (%s); "
		  "commands are neither run nor replayed there (unmount it, or set "
		  "SHARK_WORKSPACE to a directory without mounts inside)",
		  stages[0].argv[0], m->workspace, m->submount_path);
	for (size_t i = 0; i < n; i++)
		ret_status[i] = 126;
	return true;
}

int memo_run_pipeline(struct memo *m, const char *cwd, const struct memo_stage *stages,
		      size_t n, int fd_in, int fd_out, int *ret_status)
{
	if (n == 0)
		return -EINVAL;
	if (workspace_has_mount(m, stages, n, ret_status))
		return 0;
	store_hash upstream = { { 0 } };
	bool have_upstream = false;
	struct store_trace **hits = calloc(n, sizeof(*hits));
	store_hash *hit_ids = calloc(n, sizeof(*hit_ids));
	store_hash *keys = calloc(n, sizeof(*keys));
	struct memo_pins *pins = calloc(n, sizeof(*pins));
	if (!hits || !hit_ids || !keys || !pins) {
		free(hits);
		free(hit_ids);
		free(keys);
		free(pins);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		pins[i].out = pins[i].err = -1;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	(void)memo_store(m); /* opened here, so stdin hashing uses the stat cache */

	/* The stdin of every stage that does not read the previous one. */
	struct memo_stdins ins = {
		.id = calloc(n, sizeof(*ins.id)),
		.fd = malloc(n * sizeof(int)),
		.owned = malloc(n * sizeof(int)),
	};
	if (!ins.id || !ins.fd || !ins.owned) {
		free(ins.id);
		free(ins.fd);
		free(ins.owned);
		free(hits);
		free(hit_ids);
		free(keys);
		free(pins);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		ins.fd[i] = ins.owned[i] = -1;
		int in_fd = stages[i].fd_in >= 0 ? stages[i].fd_in : (i == 0 ? fd_in : -1);
		if (in_fd < 0 && i > 0)
			continue;
		ins.fd[i] = in_fd;
		if (memo_stdin_identity(m, in_fd, &ins.id[i], &ins.owned[i]) < 0)
			ins.id[i].kind = MEMO_STDIN_STREAM;
		if (ins.owned[i] >= 0)
			ins.fd[i] = ins.owned[i];
	}

	/* Look the stages up from the first while their stdin is known. */
	size_t first_miss = 0;
	for (; first_miss < n; first_miss++) {
		const struct memo_stage *s = &stages[first_miss];
		if (m->opt.force || (s->flags & (MEMO_FORCE | MEMO_UNCACHED | MEMO_NETWORK)))
			break;
		if (!memo_store(m))
			break;
		struct memo_keyspec k = {
			.workspace = m->workspace,
			.cwd = cwd,
			.argv = s->argv,
			.envp = s->envp,
			.grants = 0,
		};
		if (ins.id[first_miss].kind) {
			k.in = ins.id[first_miss];
			if (k.in.kind == MEMO_STDIN_STREAM)
				break;
		} else if (stages[first_miss - 1].fd_out >= 0) {
			k.in.kind = MEMO_STDIN_UPSTREAM; /* an empty pipe: upstream writes elsewhere */
			store_hash_bytes("", 0, &k.in.hash);
		} else {
			if (!have_upstream)
				break;
			k.in.kind = MEMO_STDIN_UPSTREAM;
			k.in.hash = upstream;
		}
		k.ttys = memo_stage_ttys(stages, n, first_miss, fd_in, fd_out);
		if (memo_action_key(&k, &keys[first_miss]) < 0)
			break;
		int r = memo_lookup(m, &keys[first_miss], &hits[first_miss], &hit_ids[first_miss]);
		if (r <= 0)
			break;
		/* A hit whose blobs are gone is a miss (gc or damage); the ones
		 * there are pinned open until the replay is done. */
		const struct store_trace *t = hits[first_miss];
		if (memo_pins_open(m, t, &pins[first_miss]) < 0) {
			store_trace_free(hits[first_miss]);
			hits[first_miss] = NULL;
			break;
		}
		upstream = t->stdout_blob;
		have_upstream = true;
		if (t->stdout_size == 0)
			store_hash_bytes("", 0, &upstream);
	}

	/* Replay the hits: stderr of each, stdout only where it leaves the
	 * pipeline (the last stage, or a stage redirected elsewhere), then
	 * the effects. */
	uint64_t saved = 0;
	int result = 0;
	for (size_t i = 0; i < first_miss; i++) {
		const struct store_trace *t = hits[i];
		const struct memo_stage *s = &stages[i];
		int out_fd = s->fd_out >= 0 ? s->fd_out : (i == n - 1 ? fd_out : -1);
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;
		sigaction(SIGPIPE, &ign, &old);
		int r = replay_fd(pins[i].out, t->stdout_size, out_fd);
		if (r == 0)
			r = replay_fd(pins[i].err, t->stderr_size, s->fd_err);
		sigaction(SIGPIPE, &old, NULL);
		if (r < 0 && r != -EPIPE)
			memo_warn(m, "shark: replaying %s failed: %s", s->argv[0], store_strerror(r));
		memo_replay_effects(m, t, pins[i].fx);
		/* A reader that went away kills a real command with SIGPIPE. */
		ret_status[i] = r == -EPIPE ? 128 + SIGPIPE : t->exit_status;
		/* Stages ran concurrently: the pipeline took its longest stage. */
		if (t->duration_ns > saved)
			saved = t->duration_ns;
	}
	if (first_miss > 0) {
		uint64_t spent = (uint64_t)(now_ns(CLOCK_MONOTONIC) - t0);
		uint64_t gain = saved > spent ? saved - spent : 0;
		for (size_t i = 0; i < first_miss; i++) {
			struct store_run run = {
				.start_ns = now_ns(CLOCK_REALTIME),
				.duration_ns = spent / first_miss,
				.saved_ns = hits[i]->duration_ns > spent / first_miss
						    ? hits[i]->duration_ns - spent / first_miss
						    : 0,
				.outcome = STORE_RUN_HIT,
				.exit_status = hits[i]->exit_status,
				.action_key = keys[i],
				.trace_id = hit_ids[i],
				.cwd = cwd,
				.command = stages[i].text ? stages[i].text : stages[i].argv[0],
			};
			/* History of a hit needs no fsync of its own: queued, it
			 * is written with the next write or when the store closes. */
			(void)store_run_defer(m->st, &run);
		}
		if (m->opt.notices && first_miss == n) {
			char buf[32];
			format_seconds(buf, sizeof(buf), gain);
			memo_warn(m, "shark: cached \xc2\xb7 saved %s", buf);
		}
	}

	if (first_miss < n) {
		/* The first stage that runs reads its upstream's pinned output
		 * (an empty one needs no blob). */
		int up_fd = -1;
		if (have_upstream && first_miss > 0) {
			up_fd = pins[first_miss - 1].out;
			if (up_fd < 0)
				up_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			else if (lseek(up_fd, 0, SEEK_SET) < 0)
				up_fd = -1;
			else
				pins[first_miss - 1].out = -1; /* handed over */
		}
		result = memo_run_stages(m, cwd, stages, n, first_miss,
					 have_upstream && first_miss > 0 ? &upstream : NULL, up_fd,
					 &ins, fd_out, ret_status);
		if (up_fd >= 0)
			close(up_fd);
	}
	for (size_t i = 0; i < n; i++) {
		memo_pins_close(&pins[i]);
		store_trace_free(hits[i]);
		if (ins.owned[i] >= 0)
			close(ins.owned[i]);
	}
	free(ins.id);
	free(ins.fd);
	free(ins.owned);
	free(hits);
	free(hit_ids);
	free(keys);
	free(pins);
	return result;
}
