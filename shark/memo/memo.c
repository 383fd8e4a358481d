/* memo.c - the memo engine's services: its life cycle, opening the store
 * in the right process, looking a key up and verifying a trace's inputs,
 * pinning a hit's blobs and replaying its effects, turning what the
 * sandbox observed into recorded inputs, and scratch directories. A
 * pipeline's steps are pipeline.c (plan, look up, replay) and run.c (run
 * and record the misses); the key is key.c; the automatic gc autogc.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"
#include "store/remote.h"

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
	m->opt.message(m->opt.message_ctx, util_name(line));
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
		m->workspace = opts->workspace_real ? strdup(opts->workspace)
						    : realpath(opts->workspace, NULL);
		r = m->workspace ? 0 : opts->workspace_real ? -ENOMEM : -errno;
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
	memo_commit_pending(m);
	if (m->remote_pid == util_getpid())
		store_remote_free(m->remote);
	free(m->upq);
	store_close(m->st);
	free(m->workspace);
	free(m->store_dir);
	free(m->submount_path);
	for (size_t i = 0; i < m->n_reasons; i++)
		free(m->reasons[i]);
	free(m->reasons);
	free(m->clean);
	free(m->clean_hashes);
	free(m->scratch_base);
	free(m->scratch_base_real);
	free(m);
}

void memo_flush(struct memo *m)
{
	memo_commit_pending(m);
	memo_flush_keep(m);
}

void memo_flush_keep(struct memo *m)
{
	if (m && m->st && m->st_pid == util_getpid())
		(void)store_flush_lazy(m->st); /* a hit's history: no synced commit */
}

static const char *memo_strerror(int err)
{
	if (err >= SANDBOX_E_FIRST && err <= SANDBOX_E_LAST)
		return sandbox_strerror(err);
	return store_strerror(err); /* its own codes, and -errno */
}

void memo_store_failed(struct memo *m, const char *what, int err)
{
	if (!m->warned)
		memo_warn(m, "shark: store %s failed (%s): running commands uncached", what,
			  store_strerror(err));
	m->warned = true;
}

/* The fds a script may name in a redirection (0-9, as in sh) are the
 * user's: the store's own (its directories, LMDB's files) must never be
 * among them, or `exec 3>&1` in a script would turn the store's directory
 * fd into the terminal (and `exec 4>f` write over LMDB's lock file). While
 * the store opens, every free fd below 10 is held on /dev/null, so what
 * it keeps open lands at 10 or above; then they are let go. */
#define MEMO_USER_FDS 10

static void hold_user_fds(int held[MEMO_USER_FDS])
{
	util_hold_free_fds(held, MEMO_USER_FDS);
}

static void release_user_fds(const int held[MEMO_USER_FDS])
{
	util_release_fds(held, MEMO_USER_FDS);
}

/* The store, opened by this process. A handle inherited across fork is
 * dropped (store_close only frees memory in a child) and a fresh one
 * opened, so LMDB never sees a handle used in two processes. */
store *memo_store(struct memo *m)
{
	pid_t self = util_getpid();
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
	int held[MEMO_USER_FDS];
	hold_user_fds(held);
	int r = store_open(m->opt.store_path, flags, &m->st);
	release_user_fds(held);
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

/* What stat shows a program of a regular file it did not read (type and
 * permission bits, size, modification time to the nanosecond), hashed:
 * the META input. Owner and times other than mtime are left out (the
 * stat batch has no owner; ctime moves with every chmod or rename). */
static void meta_hash(const struct stat *st, store_hash *ret)
{
	uint8_t b[5 + 4 + 8 + 8 + 4] = "meta1";
	uint32_t mode = (uint32_t)st->st_mode, nsec = (uint32_t)st->st_mtim.tv_nsec;
	uint64_t size = (uint64_t)st->st_size, sec = (uint64_t)st->st_mtim.tv_sec;
	memcpy(b + 5, &mode, 4);
	memcpy(b + 9, &size, 8);
	memcpy(b + 17, &sec, 8);
	memcpy(b + 25, &nsec, 4);
	store_hash_bytes(b, sizeof(b), ret);
}

/* Whether the user, with no capability (as in the sandbox, even as root),
 * may write a file of this owner and mode. */
static bool user_may_write(const struct stat *st)
{
	if (st->st_uid == geteuid())
		return st->st_mode & S_IWUSR;
	bool group = st->st_gid == getegid();
	gid_t groups[64];
	int n = group ? 0 : getgroups(64, groups);
	for (int k = 0; k < n && !group; k++)
		group = groups[k] == st->st_gid;
	return st->st_mode & (group ? S_IWGRP : S_IWOTH);
}

/* Whether t holds path as an ABSENT input. */
static bool trace_has_absent(const struct store_trace *t, const char *path)
{
	for (size_t i = 0; i < t->n_inputs; i++)
		if (t->inputs[i].kind == STORE_INPUT_ABSENT && strcmp(t->inputs[i].path, path) == 0)
			return true;
	return false;
}

/* Whether a run that replaced path without looking at it (an OUTPUT
 * input: O_CREAT|O_TRUNC, creat, a rename's target) would do the same
 * now: r and st are an lstat of path (not following). The path must be
 * absent in an existing (or a missing) directory, or a regular file the
 * user may write;
 * anything else (a directory, a symlink, a missing parent, a read-only
 * file) makes the replacing call fail or go elsewhere. */
static bool output_replaceable(const char *path, int r, const struct stat *st,
			       const struct store_trace *t, const char *rec)
{
	if (r == 0)
		return S_ISREG(st->st_mode) && user_may_write(st);
	if (r != -ENOENT)
		return false;
	const char *slash = strrchr(path, '/');
	if (!slash)
		return false;
	char parent[4096];
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(parent))
		return false;
	memcpy(parent, path, n);
	parent[n] = '\0';
	/* A missing parent may be one the run made itself (`mkdir -p out`
	 * then `> out/f`): when recording (t NULL), a parent missing on the
	 * host is one the run made, since its create succeeded; when looking
	 * up, only if the trace holds that mkdir as an input of its own (the
	 * parent absent, named as recorded: rec is this input's recorded
	 * path), checked beside this one. */
	struct stat pst;
	if (stat(parent, &pst) == 0)
		return S_ISDIR(pst.st_mode);
	if (errno != ENOENT)
		return false;
	if (!t)
		return true;
	const char *rslash = rec ? strrchr(rec, '/') : NULL;
	if (!rslash || rslash == rec)
		return false;
	size_t rn = (size_t)(rslash - rec);
	if (rn >= sizeof(parent))
		return false;
	memcpy(parent, rec, rn);
	parent[rn] = '\0';
	return trace_has_absent(t, parent);
}

/* Whether path (absolute) is one of the output folders the command's
 * environment declares in SHARK_OUTPUT_DIRS (m->output_dirs, set for the
 * stage being looked up): colon-separated, relative to the workspace root
 * or absolute. A run that created such a folder (mkdir -p, os.makedirs with
 * exist_ok) recorded it as absent; the user vouches that the command does
 * the same when it already exists, so an existing directory there matches
 * (docs/memo.md says what that gives up: a lock directory must not be
 * declared). */
/* `mkdir -p` is the one command whose run over an existing directory is
 * its run over an absent one (exit 0, no output, the directory there): its
 * operands and their ancestors count as declared output folders for it.
 * Only the system's mkdir (resolved here through the stage's PATH, as the
 * run's own exec was) and only -p: -m would leave an existing folder's mode
 * as it was, -v prints what it created. */
char *const *memo_mkdir_parents_operands(char *const *argv, char *const *envp)
{
	if (!argv[0] || !argv[1])
		return NULL;
	const char *name = strrchr(argv[0], '/');
	if (strcmp(name ? name + 1 : argv[0], "mkdir") != 0)
		return NULL;
	bool parents = false;
	size_t i = 1;
	for (; argv[i] && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--parents") == 0) {
			parents = true;
			continue;
		}
		if (argv[i][1] == '-' || argv[i][strspn(argv[i] + 1, "p") + 1] != '\0')
			return NULL;
		parents = true;
	}
	if (!parents || !argv[i])
		return NULL;
	char prog[PATH_MAX];
	if (name) {
		if (snprintf(prog, sizeof(prog), "%s", argv[0]) >= (int)sizeof(prog))
			return NULL;
	} else {
		const char *path = memo_env_get(envp, "PATH");
		bool found = false;
		while (path && !found) {
			const char *end = strchr(path, ':');
			int n = end ? (int)(end - path) : (int)strlen(path);
			if (n > 0 && snprintf(prog, sizeof(prog), "%.*s/mkdir", n, path) <
					     (int)sizeof(prog))
				found = access(prog, X_OK) == 0;
			path = end ? end + 1 : NULL;
		}
		if (!found)
			return NULL;
	}
	char real[PATH_MAX];
	if (!realpath(prog, real) || (strcmp(real, "/usr/bin/mkdir") != 0 &&
				      strcmp(real, "/bin/mkdir") != 0))
		return NULL;
	return &argv[i];
}

/* Whether path (absolute) is dir (relative to cwd unless absolute) or one
 * of its ancestors, comparing component by component ("a//b/./" is
 * "a/b"; a ".." makes no match). */
static bool mkdir_covers(const char *cwd, const char *dir, const char *path)
{
	char full[PATH_MAX];
	int n = dir[0] == '/' ? snprintf(full, sizeof(full), "%s", dir)
			      : snprintf(full, sizeof(full), "%s/%s", cwd, dir);
	if (n < 0 || n >= (int)sizeof(full))
		return false;
	const char *a = full, *b = path;
	for (;;) {
		while (*a == '/' || (a[0] == '.' && (a[1] == '/' || !a[1])))
			a++;
		while (*b == '/')
			b++;
		if (!*b)
			return true; /* path is dir or an ancestor */
		if (!*a)
			return false;
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		if ((la == 2 && a[0] == '.' && a[1] == '.') || la != lb || memcmp(a, b, la) != 0)
			return false;
		a += la;
		b += lb;
	}
}

bool memo_declared_output_dir(const struct memo *m, const char *path)
{
	for (char *const *d = m->mkdir_dirs; d && *d; d++)
		if (m->mkdir_cwd && mkdir_covers(m->mkdir_cwd, *d, path))
			return true;
	const char *list = m->output_dirs;
	size_t wl = m->workspace ? strlen(m->workspace) : 0;
	while (list && *list) {
		const char *end = strchr(list, ':');
		size_t n = end ? (size_t)(end - list) : strlen(list);
		const char *d = list;
		list = end ? end + 1 : NULL;
		while (n > 1 && d[n - 1] == '/')
			n--;
		while (n > 2 && d[0] == '.' && d[1] == '/') {
			d += 2;
			n -= 2;
		}
		if (n == 0 || (n == 1 && d[0] == '.'))
			continue;
		if (d[0] == '/') {
			if (strlen(path) == n && memcmp(path, d, n) == 0)
				return true;
		} else if (wl && strncmp(path, m->workspace, wl) == 0 && path[wl] == '/' &&
			   strlen(path + wl + 1) == n && memcmp(path + wl + 1, d, n) == 0) {
			return true;
		}
	}
	return false;
}

/* Inputs are absolute paths as the command saw them; the host view outside
 * the workspace is the same, and inside it the workspace is unchanged until
 * effects are applied, so checking them now checks what the command saw.
 * Encodings (docs/memo.md): FILE with a content hash; FILE with the zero
 * hash = "an executable regular file" (the command executed it); DIR with
 * a listing hash (it was listed) or the zero hash (it was only looked up);
 * SYMLINK with its target; ABSENT. FILE and DIR follow symlinks, as the
 * command's open did; a SYMLINK input records the link itself. Input i's
 * stat comes from the batch b, whose query i is its path (statted without
 * following for a SYMLINK input); PROCESS inputs are checked before. */
static bool input_matches(const struct memo *m, store_stat_batch *b, size_t i,
			  const struct store_trace *t, size_t input, const char *path)
{
	const struct store_input *in = &t->inputs[input];
	struct stat st;
	struct store_path_state ps;
	int r;
	switch (in->kind) {
	case STORE_INPUT_ABSENT:
		r = store_stat_batch_stat(b, i, &st);
		if (r == 0 && S_ISDIR(st.st_mode) && memo_declared_output_dir(m, path))
			return true; /* SHARK_OUTPUT_DIRS: the user vouches for it */
		return r == -ENOENT || r == -ENOTDIR;
	case STORE_INPUT_DENIED:
		return store_stat_batch_stat(b, i, &st) == -EACCES;
	case STORE_INPUT_META: {
		store_hash h;
		if (store_stat_batch_stat(b, i, &st) < 0 || !S_ISREG(st.st_mode))
			return false;
		meta_hash(&st, &h);
		return store_hash_equal(&h, &in->hash);
	}
	case STORE_INPUT_OUTPUT:
		/* the batch's stat has no owner: look again */
		r = lstat(path, &st) < 0 ? -errno : 0;
		return output_replaceable(path, r, &st, t, in->path);
	case STORE_INPUT_SYMLINK: {
		if (store_stat_batch_stat(b, i, &st) < 0 || !S_ISLNK(st.st_mode) || !in->target)
			return false;
		char buf[MEMO_MAX_READLINK];
		ssize_t n = readlink(path, buf, sizeof(buf) - 1);
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
			       access(path, X_OK) == 0;
		return store_stat_batch_answer(b, i, &ps) == 0 && ps.kind == STORE_INPUT_FILE &&
		       store_hash_equal(&ps.hash, &in->hash);
	default:
		return false;
	}
}

/* Every input of t, in order, until the first that does not match. The
 * stats run ahead on the other CPUs (store_stat_batch). A path recorded
 * relative to the workspace is checked under this workspace's root (the
 * trace may come from a copy elsewhere). Returns 1 (all match), 0, or a
 * negative error of the batch itself. */
static int trace_inputs_match(struct memo *m, store_txn *txn, store_stat_updates *upd,
			      const struct store_trace *t)
{
	size_t n = t->n_inputs, wl = strlen(m->workspace), arena_len = 0;
	/* Process attributes first: a few system calls, no file looked at
	 * when one differs. They are no paths: left out of the batch (the
	 * inputs after one are shifted down in it, bi). */
	size_t n_files = 0;
	for (size_t i = 0; i < n; i++) {
		if (t->inputs[i].kind == STORE_INPUT_PROCESS) {
			if (!memo_process_attr_matches(&t->inputs[i]))
				return 0;
			continue;
		}
		n_files++;
		if (t->inputs[i].path[0] != '/')
			arena_len += wl + 1 + strlen(t->inputs[i].path) + 1;
	}
	struct store_stat_query *q = calloc(n_files ? n_files : 1, sizeof(*q));
	const char **paths = calloc(n ? n : 1, sizeof(*paths));
	char *arena = malloc(arena_len ? arena_len : 1), *a = arena;
	int r = q && paths && arena ? 0 : -ENOMEM;
	for (size_t i = 0, bi = 0; r == 0 && i < n; i++) {
		const char *rec = t->inputs[i].path;
		if (t->inputs[i].kind == STORE_INPUT_PROCESS)
			continue;
		if (rec[0] == '/') {
			paths[i] = rec; /* outside the workspace: as recorded */
		} else {
			size_t left = arena_len - (size_t)(a - arena);
			(void)memo_path_resolve(m->workspace, rec, a, left); /* sized above */
			paths[i] = a;
			a += strlen(a) + 1;
		}
		q[bi++] = (struct store_stat_query){
			.dirfd = AT_FDCWD,
			.path = paths[i],
			.at_flags = t->inputs[i].kind == STORE_INPUT_SYMLINK ||
						    t->inputs[i].kind == STORE_INPUT_DENIED
					    ? AT_SYMLINK_NOFOLLOW
					    : 0,
		};
	}
	if (r == 0) {
		store_stat_batch *b;
		r = store_stat_batch_begin(txn, upd, n_files, q, &b);
		if (r == 0) {
			r = 1;
			for (size_t i = 0, bi = 0; i < n && r == 1; i++) {
				if (t->inputs[i].kind == STORE_INPUT_PROCESS)
					continue;
				if (!input_matches(m, b, bi++, t, i, paths[i]))
					r = 0;
			}
			store_stat_batch_end(b);
		}
	}
	free(arena);
	free(paths);
	free(q);
	return r;
}

/* memo_lookup - the newest trace under key whose every input still matches.
 * Returns 1 and the trace on a hit, 0 on a miss, negative on a store error. */
int memo_lookup(struct memo *m, const store_hash *key, struct store_trace **ret_trace,
		store_hash *ret_id)
{
	return memo_lookup_filtered(m, key, NULL, NULL, ret_trace, ret_id);
}

int memo_lookup_filtered(struct memo *m, const store_hash *key, memo_trace_filter *accept,
			 void *ctx, struct store_trace **ret_trace, store_hash *ret_id)
{
	store *st = memo_store(m);
	if (!st)
		return -ENOENT;
	/* the last run's records, not committed yet, under this very key:
	 * committed first, so that the run is found */
	if (m->commit_pending && store_batch_names(st, key))
		memo_commit_pending(m);
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
		int match = memo_trace_has_key(t, key) &&
					    memo_trace_served_here(t, m->workspace) &&
					    (!accept || accept(txn, t, ctx))
				    ? trace_inputs_match(m, txn, upd, t)
				    : 0;
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

int memo_trace_verify(struct memo *m, const struct store_trace *t)
{
	store *st = memo_store(m);
	if (!st)
		return -ENOENT;
	store_stat_updates *upd = NULL;
	int r = store_stat_updates_new(&upd);
	if (r < 0)
		return r;
	store_txn *txn;
	if ((r = store_read_begin(st, &txn)) == 0) {
		r = memo_trace_served_here(t, m->workspace) ? trace_inputs_match(m, txn, upd, t) : 0;
		store_read_end(txn);
	}
	/* the stat cache is written by the fetch's commit that follows
	 * (store_stat_updates_defer): the lookup after it finds the inputs
	 * there instead of hashing them again, and commits nothing */
	if (r == 1)
		(void)store_stat_updates_defer(st, upd);
	store_stat_updates_free(upd);
	return r;
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

/* An object whose size or content is not what the trace states (cut short
 * by a crash, rewritten by someone) is as good as missing: the hit becomes
 * a miss, and a rewritten one is removed. The content check is a stat for
 * an object verified before (store_blob_open_verified). */
static int pin_one(struct memo *m, const store_hash *h, uint64_t size, int *ret_fd)
{
	return store_blob_open_verified(m->st, h, size, ret_fd);
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
	/* An intermediate output recorded by hash only has no object: the
	 * stage after it is keyed by that hash, and pipeline.c runs the stage
	 * again when its output is needed. */
	if (t->stdout_size && !(t->flags & STORE_TRACE_STDOUT_HASH_ONLY))
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
	case STORE_EFFECT_TOUCH:
		se.kind = SANDBOX_EFFECT_TOUCH;
		se.mode = 0;
		if (e->mtime_ns == STORE_MTIME_NOW) {
			se.mtime.tv_nsec = UTIME_NOW;
		} else {
			/* floor division: a time before 1970 has a
			 * non-negative tv_nsec */
			se.mtime.tv_sec = (time_t)(e->mtime_ns / 1000000000LL);
			se.mtime.tv_nsec = (long)(e->mtime_ns % 1000000000LL);
			if (se.mtime.tv_nsec < 0) {
				se.mtime.tv_sec--;
				se.mtime.tv_nsec += 1000000000L;
			}
		}
		break;
	default:
		return -EINVAL;
	}
	return sandbox_effect_apply(ws_fd, &se, content);
}

/* ---- /tmp effects ------------------------------------------------------------ */

/* What a command wrote under /tmp is applied to the host's /tmp after the
 * run, as bash's commands would have left it, and recorded with the
 * trace's other effects under paths starting with "/tmp/" (workspace
 * effects are relative). The rules are the workspace's (never through a
 * symlink, never across a mount, atomic per file, special bits dropped),
 * beneath an fd of the host's /tmp, plus one for a directory shared with
 * other users: an entry that exists there and is not the caller's is
 * never replaced nor removed (the sticky bit says so to a user; root would
 * get through). docs/sandbox.md, "/tmp", has the reasoning. */
#define TMP_PREFIX "/tmp/"

bool memo_effect_in_tmp(const char *path)
{
	return strncmp(path, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
}

static int open_tmp(void)
{
	int fd = open("/tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Whether an effect at rel (beneath tmp_fd) may replace what is there. */
static int tmp_target_ok(int tmp_fd, const char *rel)
{
	struct stat st;
	if (fstatat(tmp_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	return st.st_uid == geteuid() ? 0 : SANDBOX_E_REFUSED;
}

/* Apply one effect (path relative to /tmp) from content (or -1). */
static int apply_tmp_sandbox_effect(int tmp_fd, const struct sandbox_effect *e, int content)
{
	int r = tmp_target_ok(tmp_fd, e->path);
	return r < 0 ? r : sandbox_effect_apply(tmp_fd, e, content);
}

int memo_apply_tmp_effects(struct memo *m, const sandbox_effects *fx)
{
	size_t n = sandbox_effects_count(fx);
	if (n == 0)
		return 0;
	int tmp_fd = open_tmp(), result = 0;
	if (tmp_fd < 0)
		return tmp_fd;
	/* /tmp inside a store (its own dir is looked at per effect) */
	int in_store = sandbox_dir_in_store(tmp_fd);
	for (size_t i = 0; i < n; i++) {
		const struct sandbox_effect *e = sandbox_effects_get(fx, i);
		int content = -1, r = in_store == 1 ? SANDBOX_E_IN_STORE : in_store < 0 ? in_store : 0;
		if (r == 0 && (e->kind == SANDBOX_EFFECT_FILE || e->kind == SANDBOX_EFFECT_CHMOD)) {
			content = openat(sandbox_effects_upper_fd(fx), e->path,
					 O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (content < 0)
				r = -errno;
		}
		if (r == 0)
			r = apply_tmp_sandbox_effect(tmp_fd, e, content);
		if (content >= 0)
			close(content);
		if (r < 0) {
			memo_warn(m, "shark: /tmp/%s: effect not applied: %s", e->path,
				  memo_strerror(r));
			result = r;
		}
	}
	close(tmp_fd);
	return result;
}

/* The length of the directory an effect gives a store's marker (0: the
 * base itself), or -1 when it gives none. */
static ssize_t marker_dir_len(const struct sandbox_effect *e)
{
	static const char mark[] = "/" STORE_MARKER_FILE;
	const size_t ml = sizeof(mark) - 1;
	size_t l = strlen(e->path);
	if (e->kind == SANDBOX_EFFECT_DELETE)
		return -1;
	if (strcmp(e->path, STORE_MARKER_FILE) == 0)
		return 0;
	return l > ml && strcmp(e->path + l - ml, mark) == 0 ? (ssize_t)(l - ml) : -1;
}

/* Whether path lies in a directory the run's own effects give a store's
 * marker (marks[]: the indexes of those effects), which the apply will
 * then refuse once the marker is there (the scan lists entries sorted, and
 * the marker's name sorts before letters and digits): a command that
 * makes a store in the workspace (a shark run inside a run) is not
 * recorded either, whatever the order. */
static bool under_own_marker(const sandbox_effects *x, const size_t *marks, size_t n_marks,
			     const char *path)
{
	for (size_t i = 0; i < n_marks; i++) {
		const struct sandbox_effect *e = sandbox_effects_get(x, marks[i]);
		ssize_t d = marker_dir_len(e);
		if (strcmp(path, e->path) == 0)
			continue;
		if (d == 0 || (strncmp(path, e->path, (size_t)d) == 0 && path[d] == '/'))
			return true;
	}
	return false;
}

/* memo_effects_in_store - the first effect of a run, among its workspace
 * effects (fx, may be NULL) and its /tmp effects (tfx, may be NULL), that
 * would land inside a shark store (sandbox_effect_in_store, and the bases'
 * ancestors), as a path to show: such a run is not recorded (its replay
 * would be refused too), and the apply refuses the effect. NULL if none. Per effect one openat2
 * per directory on its way and one at its target, as the apply. A
 * deletion's tree below the target is looked at only by the apply. */
const char *memo_effects_in_store(const struct memo *m, const sandbox_effects *fx,
				  const sandbox_effects *tfx, bool *ret_tmp)
{
	const char *hit = NULL;
	for (int pass = 0; pass < 2 && !hit; pass++) {
		const sandbox_effects *x = pass ? tfx : fx;
		size_t n = x ? sandbox_effects_count(x) : 0;
		if (n == 0)
			continue;
		int base = pass ? open_tmp() : open(m->workspace, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			continue; /* the apply fails the same way */
		/* in a store, or not known to be outside one */
		bool all = sandbox_dir_in_store(base) != 0;
		/* markers the run makes itself (a few at most; more is taken
		 * as a store too) */
		size_t marks[16], n_marks = 0;
		for (size_t i = 0; i < n && !hit; i++) {
			if (marker_dir_len(sandbox_effects_get(x, i)) < 0)
				continue;
			if (n_marks == sizeof(marks) / sizeof(marks[0]))
				hit = sandbox_effects_get(x, i)->path;
			else
				marks[n_marks++] = i;
		}
		for (size_t i = 0; i < n && !hit; i++) {
			const struct sandbox_effect *e = sandbox_effects_get(x, i);
			if (all || sandbox_effect_in_store(base, e) == 1 ||
			    under_own_marker(x, marks, n_marks, e->path))
				hit = e->path;
		}
		close(base);
		*ret_tmp = pass == 1;
	}
	return hit;
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
	int tmp_fd = -1, ws_in_store = -2, tmp_in_store = -2;
	for (size_t i = 0; i < t->n_effects; i++) {
		int r;
		/* the base's ancestors once (the effect's own way per effect) */
		if (memo_effect_in_tmp(t->effects[i].path)) {
			struct store_effect te = t->effects[i];
			te.path += strlen(TMP_PREFIX);
			if (tmp_fd < 0)
				tmp_fd = open_tmp();
			if (tmp_fd >= 0 && tmp_in_store == -2)
				tmp_in_store = sandbox_dir_in_store(tmp_fd);
			r = tmp_fd < 0		  ? tmp_fd
			    : tmp_in_store == 1 ? SANDBOX_E_IN_STORE
			    : tmp_in_store < 0  ? tmp_in_store
						: tmp_target_ok(tmp_fd, te.path);
			if (r == 0)
				r = apply_one(tmp_fd, &te, fx ? fx[i] : -1);
		} else {
			if (ws_in_store == -2)
				ws_in_store = sandbox_dir_in_store(ws);
			r = ws_in_store == 1 ? SANDBOX_E_IN_STORE
			    : ws_in_store < 0 ? ws_in_store
					      : apply_one(ws, &t->effects[i], fx ? fx[i] : -1);
		}
		if (r < 0) {
			memo_warn(m, "shark: %s: effect not applied: %s", t->effects[i].path,
				  memo_strerror(r));
			result = r;
		}
	}
	sandbox_workspace_unlock(lock);
	close(ws);
	if (tmp_fd >= 0)
		close(tmp_fd);
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

/* Add one input, its path recorded relative to the workspace root ws when
 * inside it (reloc.c). */
static int inputs_add(struct inputs *in, const char *ws, const char *path, uint8_t kind,
		      const store_hash *h, const char *target)
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
	x->path = strdup(memo_rel_of(ws, path));
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

/* One PROCESS input per attribute in attrs (SANDBOX_ATTR_* bits), valued
 * as pa has them (the values read when the run was planned: what its
 * command started with; now when pa is NULL; procattr.c). The name is no
 * path: never made relative, stat'ed or hashed as a file. */
static int process_inputs_add(struct inputs *in, unsigned attrs, const struct memo_procattrs *pa,
			      const char **ret_reason)
{
	for (unsigned bit = 1; bit && bit <= SANDBOX_ATTR_ALL; bit <<= 1) {
		char name[32];
		store_hash h;
		if (!(attrs & bit) || memo_process_attr_name(bit, name, sizeof(name)) < 0)
			continue;
		if (memo_process_attr_hash(name, pa, &h) < 0) {
			*ret_reason = "a process attribute it read could not be read here";
			return 0;
		}
		int r = inputs_add(in, NULL, name, STORE_INPUT_PROCESS, &h, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "reason: path", kept by m (run history and `shark why` show it), or
 * reason alone when there is no path or no memory. */
static const char *reason_with_path(struct memo *m, const char *reason, const char *path)
{
	if (!path)
		return reason;
	size_t len = strlen(reason) + strlen(path) + 3;
	char *s = malloc(len);
	char **v = s ? reallocarray(m->reasons, m->n_reasons + 1, sizeof(*v)) : NULL;
	if (!v) {
		free(s);
		return reason;
	}
	snprintf(s, len, "%s: %s", reason, path);
	m->reasons = v;
	m->reasons[m->n_reasons++] = s;
	return s;
}

/* The limits the kernel enforces by failing a call (EMFILE, ENOMEM,
 * EFBIG, EAGAIN...) or by a signal a program may catch: what a failed run
 * may have failed of without reading them (docs/memo.md, "Process
 * attributes"). RSS and LOCKS are not enforced, CORE and RTTIME only kill
 * (a killed run is not recorded), NICE and RTPRIO only refuse a change,
 * which setpriority's own notification covers. */
#define ENFORCED_LIMITS                                                                      \
	(SANDBOX_ATTR_RLIMIT(RLIMIT_NOFILE) | SANDBOX_ATTR_RLIMIT(RLIMIT_AS) |                 \
	 SANDBOX_ATTR_RLIMIT(RLIMIT_DATA) | SANDBOX_ATTR_RLIMIT(RLIMIT_FSIZE) |                \
	 SANDBOX_ATTR_RLIMIT(RLIMIT_CPU) | SANDBOX_ATTR_RLIMIT(RLIMIT_MEMLOCK) |               \
	 SANDBOX_ATTR_RLIMIT(RLIMIT_SIGPENDING) | SANDBOX_ATTR_RLIMIT(RLIMIT_MSGQUEUE) |       \
	 SANDBOX_ATTR_RLIMIT(RLIMIT_NPROC))

/* memo_inputs_from_accesses - what the run observed, as recorded inputs
 * (hashed now, on the host, before its effects are applied; its process
 * attributes as pa has them). Returns 0 and
 * the inputs, or 1 with *ret_reason when the run must not be recorded (an
 * input that is a device, FIFO or socket, or unreadable), or negative. */
int memo_inputs_from_accesses(struct memo *m, const struct sandbox_result *res,
			      const char *scratch, const struct memo_procattrs *pa,
			      struct store_input **ret_inputs, size_t *ret_n, const char **ret_reason)
{
	store *st = m->st;
	struct inputs in = { 0 };
	const char *bad = NULL; /* the path the reason is about */
	store_stat_updates *upd = NULL;
	store_txn *txn = NULL;
	const char *reason = NULL;
	unsigned attrs = res->attrs; /* process attributes observed */
	/* A failure replays only under the limits it met: "Too many open
	 * files" is not an answer once `ulimit -n` is raised. */
	if (res->exit_code != 0 && res->term_signal == 0)
		attrs |= ENFORCED_LIMITS;
	/* Under a file size limit a command that ignores SIGXFSZ (CPython
	 * does) has its writes cut short and may still succeed: its files
	 * are then right only under that limit. */
	if (memo_fsize_limit() != RLIM_INFINITY)
		attrs |= SANDBOX_ATTR_RLIMIT(RLIMIT_FSIZE);
	int r = store_stat_updates_new(&upd);
	if (r == 0)
		r = store_read_begin(st, &txn);
	for (size_t i = 0; r == 0 && !reason && i < res->n_accesses; i++) {
		const struct sandbox_access *a = &res->accesses[i];
		unsigned kinds = a->kinds & ~(unsigned)SANDBOX_ACCESS_OUTPUT;
		if ((kinds & SANDBOX_ACCESS_READ) && memo_path_is_live(a->path)) {
			reason = "it observed live system state", bad = a->path;
			continue;
		}
		if (kinds & SANDBOX_ACCESS_READ)
			attrs |= memo_proc_file_attrs(a->path);
		if (path_ignored(m, a->path, scratch))
			continue;
		struct stat lst, st_;
		int lr = lstat(a->path, &lst) < 0 ? -errno : 0;
		/* Replaced before anything looked at it: what the run saw
		 * there later was its own output. Unless the replacing call
		 * can have failed; then it is an input like any other. */
		if ((a->kinds & SANDBOX_ACCESS_OUTPUT) &&
		    output_replaceable(a->path, lr, &lst, NULL, NULL)) {
			r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_OUTPUT, NULL, NULL);
			continue;
		}
		if (kinds == SANDBOX_ACCESS_WRITE && !(a->kinds & SANDBOX_ACCESS_OUTPUT))
			continue;
		if (lr < 0) {
			if (lr == -ENOENT || lr == -ENOTDIR)
				r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_ABSENT, NULL, NULL);
			else if (lr == -EACCES) /* the command was refused the same */
				r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_DENIED, NULL, NULL);
			else
				reason = "an input could not be examined", bad = a->path;
			continue;
		}
		if (S_ISLNK(lst.st_mode)) {
			char buf[MEMO_MAX_READLINK];
			ssize_t n = readlink(a->path, buf, sizeof(buf) - 1);
			if (n < 0) {
				reason = "an input could not be examined", bad = a->path;
				continue;
			}
			buf[n] = '\0';
			r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_SYMLINK, NULL, buf);
			if (r < 0)
				break;
			if (stat(a->path, &st_) < 0) {
				r = inputs_add(&in, m->workspace, a->path,
					       errno == EACCES ? STORE_INPUT_DENIED : STORE_INPUT_ABSENT,
					       NULL, NULL);
				continue;
			}
		} else {
			st_ = lst;
		}
		bool dir = S_ISDIR(st_.st_mode);
		if (dir && !(kinds & SANDBOX_ACCESS_LIST)) {
			r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_DIR, NULL, NULL);
		} else if (S_ISREG(st_.st_mode) &&
			   !(kinds & (SANDBOX_ACCESS_READ | SANDBOX_ACCESS_EXEC))) {
			/* only stat'ed: what stat showed, not the content */
			store_hash mh;
			meta_hash(&st_, &mh);
			r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_META, &mh, NULL);
		} else if (dir || S_ISREG(st_.st_mode)) {
			/* a listed directory's listing hash, a file's content hash */
			struct store_path_state ps;
			if (store_stat_hash_stat(txn, upd, AT_FDCWD, a->path, 0, &st_, &ps) < 0) {
				reason = dir ? "an input directory could not be listed"
					     : "an input file could not be read";
				bad = a->path;
				continue;
			}
			r = inputs_add(&in, m->workspace, a->path, dir ? STORE_INPUT_DIR : STORE_INPUT_FILE, &ps.hash,
				       NULL);
			if (r == 0 && !dir && (kinds & SANDBOX_ACCESS_EXEC))
				r = inputs_add(&in, m->workspace, a->path, STORE_INPUT_FILE, NULL, NULL);
		} else {
			reason = "it touched a device, FIFO or socket";
			bad = a->path;
		}
	}
	store_read_end(txn);
	if (r == 0 && !reason)
		r = process_inputs_add(&in, attrs, pa, &reason);
	if (r == 0 && store_stat_updates_count(upd) > 0)
		(void)store_stat_updates_flush(st, upd);
	store_stat_updates_free(upd);
	if (r < 0 || reason) {
		memo_inputs_free(in.v, in.n);
		if (r < 0)
			return r;
		*ret_reason = reason_with_path(m, reason, bad);
		return 1;
	}
	*ret_inputs = in.v;
	*ret_n = in.n;
	return 0;
}

/* base resolved (m->scratch_base_real) once per engine and base; false
 * when it cannot be. */
static bool scratch_real_base(struct memo *m, const char *base)
{
	if (!m->scratch_base || strcmp(m->scratch_base, base) != 0) {
		free(m->scratch_base);
		free(m->scratch_base_real);
		m->scratch_base = strdup(base);
		m->scratch_base_real = m->scratch_base ? realpath(base, NULL) : NULL;
		if (!m->scratch_base_real) {
			free(m->scratch_base);
			m->scratch_base = NULL;
			return false;
		}
	}
	return true;
}

/* The canonical path of dir (made by mkdtemp in base): base resolved once
 * per engine (the store's scratch area or $TMPDIR, the same for every run
 * of a process), dir's own name added; realpath(3) again only for
 * another base. */
static char *scratch_real(struct memo *m, const char *base, const char *dir)
{
	if (!scratch_real_base(m, base))
		return realpath(dir, NULL);
	const char *name = strrchr(dir, '/') + 1;
	char *p;
	if (asprintf(&p, "%s/%s", strcmp(m->scratch_base_real, "/") ? m->scratch_base_real : "",
		     name) < 0)
		return NULL;
	return p;
}

/* The runs' scratch dirs outside the store: in a directory of this user's
 * own under $TMPDIR (or /tmp), shark-scratch.UID, mode 0700, which every
 * plan hides (run.c, start_stage): a $TMPDIR granted writable (or the
 * host's /tmp, the lower layer of the sandbox's) then shows no run's
 * overlay layers or result, its own or another's. One that is not a real
 * directory of this user's, closed to others, is refused. */
int memo_tmp_scratch_path(const char *top, char *buf, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	if (!top)
		top = tmp && *tmp == '/' ? tmp : "/tmp";
	int n = snprintf(buf, size, "%s/shark-scratch.%lu", top, (unsigned long)geteuid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int tmp_scratch_base(const struct memo *m, char *buf, size_t size)
{
	if (memo_tmp_scratch_path(NULL, buf, size) < 0)
		return -ENAMETOOLONG;
	/* checked and used already by this process (scratch_real keeps it;
	 * in sticky /tmp no one else can replace a directory of ours) */
	if (m->scratch_base && strcmp(m->scratch_base, buf) == 0)
		return 0;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (lstat(buf, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return -EPERM;
	/* the store's marker in it too, so that no effect is applied inside
	 * (a command of root's reaches another user's through its /tmp) */
	char mark[PATH_MAX];
	int n = snprintf(mark, sizeof(mark), "%s/%s", buf, STORE_MARKER_FILE);
	if (n < 0 || (size_t)n >= sizeof(mark))
		return -ENAMETOOLONG;
	if (mknod(mark, S_IFREG | 0444, 0) < 0 && errno != EEXIST)
		return -errno;
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
	char tmp_base[PATH_MAX];
	if (!base) {
		int r = tmp_scratch_base(m, tmp_base, sizeof(tmp_base));
		if (r < 0) {
			memo_warn(m, "shark: %s: %s (the runs' scratch dirs go there: it must be a "
				  "directory of this user's own, mode 0700)", tmp_base, strerror(-r));
			return r;
		}
		base = tmp_base;
	}
	/* a skeleton recycled from an earlier run of this process, when one
	 * is ready (scratch.c) */
	if (scratch_real_base(m, base) && memo_scratch_pool_take(m->scratch_base_real, ret, ret_hold) == 1)
		return 0;
	int n = snprintf(buf, sizeof(buf), "%s/run.XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	if (!mkdtemp(buf))
		return -errno;
	char *dup = scratch_real(m, base, buf);
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
