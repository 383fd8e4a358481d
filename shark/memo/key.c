/* key.c - what is known before a run starts: the workspace, the
 * identity of a stage's stdin, and the action key built from them.
 *
 * The key hashes a length-prefixed canonical encoding, so no two distinct
 * key inputs can collide by concatenation ("ab" "c" vs "a" "bc"). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

/* Bump when the meaning of a key or of a recorded input changes: every
 * earlier record then simply misses. */
#define MEMO_FORMAT_VERSION "shark-action-8" /* 6: relocatable keys, umask, stdin used, /tmp effects; 7: ignored signals; 8: RLIMIT_STACK, process attribute inputs */

/* Exported variables that change between shells or sessions without
 * changing what a command computes. They are passed to the command but left
 * out of the key (docs/memo.md lists them, with the consequence). */
static const char *const volatile_vars[] = {
	"_",		   "OLDPWD",	     "SHLVL",	       "SSH_AUTH_SOCK",
	"SSH_AGENT_PID",   "SSH_CLIENT",     "SSH_CONNECTION", "SSH_TTY",
	"TMUX",		   "TMUX_PANE",	     "WINDOWID",       "XDG_SESSION_ID",
	"DBUS_SESSION_BUS_ADDRESS",
	/* shark's own settings: where the store is, how chatty, how durable
	 * (a bundle imported into a store elsewhere must still hit) */
	"SHARK_STORE", "SHARK_WORKSPACE", "SHARK_NOTICES", "SHARK_STORE_NOSYNC",
	"SHARK_RECORD_FAILURES", "SHARK_STORE_LIMIT", "SHARK_HASH_KEY_FILE",
	"SHARK_IMPORT_MAX_BYTES", "SHARK_IMPORT_MAX_MEMORY", "SHARK_MAX_EFFECT_SIZE",
	"SHARK_OUTPUT_DIRS",
	"SHARK_REMOTE", "SHARK_REMOTE_MODE", "SHARK_REMOTE_TOKEN", "SHARK_REMOTE_TIMEOUT",
	"SHARK_REMOTE_UPLOAD_LIMIT",
	"SHARK_LIVE",
	"SHARK_KEEP_INTERMEDIATES", /* what is stored, never what is computed */
	/* benchmark tools that pad the environment with a random-length value */
	"HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET",
};

const char *memo_env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

bool memo_env_is_volatile(const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
	for (size_t i = 0; i < sizeof(volatile_vars) / sizeof(volatile_vars[0]); i++)
		if (strlen(volatile_vars[i]) == n && memcmp(volatile_vars[i], entry, n) == 0)
			return true;
	return false;
}

static bool path_is_dir(const char *dir, const char *name)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s/%s", strcmp(dir, "/") ? dir : "", name);
	struct stat st;
	return n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0;
}

int memo_workspace_find(const char *cwd, char **ret)
{
	const char *env = getenv("SHARK_WORKSPACE");
	char rel[PATH_MAX];
	const char *from = env && *env ? env : cwd;
	/* A relative SHARK_WORKSPACE is taken from cwd (the directory the
	 * shell started in), not from wherever a `cd` has since moved it. */
	if (env && *env && env[0] != '/') {
		int n = snprintf(rel, sizeof(rel), "%s/%s", cwd, env);
		if (n < 0 || (size_t)n >= sizeof(rel))
			return -ENAMETOOLONG;
		from = rel;
	}
	char *start = realpath(from, NULL);
	if (!start)
		return -errno;
	if (env && *env) {
		*ret = start;
		return 0;
	}
	/* The git top-level containing cwd (a ".git" directory or file), else
	 * cwd itself. */
	char *dir = strdup(start);
	if (!dir) {
		free(start);
		return -ENOMEM;
	}
	for (;;) {
		if (path_is_dir(dir, ".git")) {
			free(start);
			*ret = dir;
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	/* no git: the nearest project root, else cwd (workspace.c) */
	int r = memo_workspace_project_root(start, ret);
	if (r != 0) {
		free(start);
		return r < 0 ? r : 0;
	}
	*ret = start;
	return 0;
}

static void feed_u64(store_hasher *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	store_hasher_update(h, b, sizeof(b));
}

static void feed_str(store_hasher *h, const char *s)
{
	size_t n = strlen(s);
	feed_u64(h, n);
	store_hasher_update(h, s, n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A pipe whose writers have all gone (POLLHUP) and whose whole content sits
 * in the pipe buffer - a here-document, or a finished upstream builtin - is
 * read into a memory file, so the stage gets a known stdin it can be cached
 * under. Anything else stays a stream. */
#define MEMO_SPOOL_MAX (1 << 20)
#define MEMO_SPOOL_WAIT_MS 50

static int spool_finished_pipe(int fd, int *ret_fd, store_hash *ret_hash)
{
	/* Its writer may be about to end: a command or a builtin before a
	 * loop (`head -n 5 f | while read l; do cmd; done`) has written what
	 * the loop reads first, and closes a moment later. Waiting a little
	 * for that decides the first iteration's stdin as the next ones'. */
	struct pollfd p = { .fd = fd, .events = 0 };
	int avail = 0;
	int pr;
	do
		pr = poll(&p, 1, MEMO_SPOOL_WAIT_MS);
	while (pr < 0 && errno == EINTR);
	if (pr != 1 || !(p.revents & POLLHUP) || ioctl(fd, FIONREAD, &avail) < 0 ||
	    avail < 0 || avail > MEMO_SPOOL_MAX)
		return -EAGAIN;
	char *buf = malloc((size_t)avail + 1);
	if (!buf)
		return -ENOMEM;
	size_t got = 0;
	while (got < (size_t)avail) {
		ssize_t n = read(fd, buf + got, (size_t)avail - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	int mfd = memfd_create("shark-stdin", MFD_CLOEXEC);
	if (mfd < 0 || (got && write(mfd, buf, got) != (ssize_t)got) || lseek(mfd, 0, SEEK_SET) < 0) {
		/* The bytes are read: they must reach the command all the same. */
		int e = -errno;
		if (mfd >= 0)
			close(mfd);
		free(buf);
		return e ? e : -EIO;
	}
	store_hash_bytes(buf, got, ret_hash);
	free(buf);
	*ret_fd = mfd;
	return 0;
}

/* The bounds of memo_stdin_wait: a builtin or function feeding a command
 * is usually done in microseconds; one that goes on (a `while :` loop, a
 * monitor) streams after this long, so its output is late by at most
 * MEMO_WAIT_MS, never lost or reordered. */
#define MEMO_WAIT_MS 3000
#define MEMO_WAIT_MAX (8 << 20)
#define MEMO_RELAY_WAIT_MS 200

/* A pipe that yields buf[0..len) and then whatever fd still gives: a
 * process of its own (a grandchild: its parent exits at once and is
 * reaped here, so a long-lived shell is left no child to reap when the
 * copy ends), holding nothing but the three ends, copies them and ends
 * at fd's end (or of SIGPIPE when the reader leaves, which then reaches
 * the writer of fd as in sh). It hashes what it copies: when it has
 * delivered everything to fd's end, it writes that hash to *ret_hash_fd's
 * other end (memo_stdin_relayed reads it), so the stage can still be
 * recorded under the stdin it turned out to have. */
static int relay_rest(int fd, const char *buf, size_t len, int *ret_fd, int *ret_hash_fd)
{
	int p[2], hp[2];
	store_hasher *h;
	int e = store_hasher_new(&h);
	if (e < 0)
		return e;
	if (pipe2(p, O_CLOEXEC) < 0) {
		store_hasher_free(h);
		return -errno;
	}
	if (pipe2(hp, O_CLOEXEC) < 0) {
		e = -errno;
		close(p[0]);
		close(p[1]);
		store_hasher_free(h);
		return e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		e = -errno;
		close(p[0]);
		close(p[1]);
		close(hp[0]);
		close(hp[1]);
		store_hasher_free(h);
		return e;
	}
	if (pid == 0) {
		pid_t copier = fork();
		if (copier != 0)
			_exit(copier < 0);
		int keep[3] = { fd, p[1], hp[1] };
		for (int a = 0; a < 3; a++) /* sort the three fds */
			for (int b = a + 1; b < 3; b++)
				if (keep[b] < keep[a]) {
					int t = keep[a];
					keep[a] = keep[b];
					keep[b] = t;
				}
		unsigned from = 0;
		for (int a = 0; a < 3; a++) {
			if ((unsigned)keep[a] > from)
				close_range(from, (unsigned)keep[a] - 1, 0);
			from = (unsigned)keep[a] + 1;
		}
		close_range(from, ~0u, 0);
		signal(SIGPIPE, SIG_DFL);
		store_hasher_update(h, buf, len);
		if (util_write_all(p[1], buf, len) < 0)
			_exit(1);
		char chunk[65536];
		for (;;) {
			ssize_t n = read(fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				_exit(1);
			if (n == 0)
				break;
			store_hasher_update(h, chunk, (size_t)n);
			if (util_write_all(p[1], chunk, (size_t)n) < 0)
				_exit(1);
		}
		store_hash sum;
		store_hasher_final(h, &sum);
		_exit(util_write_all(hp[1], sum.bytes, sizeof(sum.bytes)) < 0);
	}
	store_hasher_free(h);
	close(p[1]);
	close(hp[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = 0; /* taken by someone else: the copier's pipe tells */
			break;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		close(p[0]);
		close(hp[0]);
		return -EAGAIN; /* no copier: its fork failed */
	}
	*ret_fd = p[0];
	*ret_hash_fd = hp[0];
	return 0;
}

int memo_stdin_relayed(int hash_fd, store_hash *ret)
{
	/* The relay is done, or about to be, when it delivered everything:
	 * the command has ended. A relay still copying (a producer that goes
	 * on, and it has not yet written into the pipe the command left) did
	 * not deliver the whole stream: not worth waiting for. */
	struct pollfd p = { .fd = hash_fd, .events = POLLIN };
	int pr;
	do
		pr = poll(&p, 1, MEMO_RELAY_WAIT_MS);
	while (pr < 0 && errno == EINTR);
	if (pr != 1)
		return -EPIPE;
	size_t got = 0;
	while (got < sizeof(ret->bytes)) {
		ssize_t n = read(hash_fd, ret->bytes + got, sizeof(ret->bytes) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

int memo_stdin_wait(int fd, struct memo_stdin *ret, int *ret_fd, int *ret_hash_fd)
{
	*ret_hash_fd = -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -EINVAL;
	char *buf;
	size_t got;
	int rb = util_read_bounded(fd, MEMO_WAIT_MS, MEMO_WAIT_MAX, &buf, &got);
	if (rb < 0)
		return rb;
	int e;
	if (rb == 1) {
		int mfd = memfd_create("shark-stdin", MFD_CLOEXEC);
		if (mfd >= 0 && (got == 0 || write(mfd, buf, got) == (ssize_t)got) &&
		    lseek(mfd, 0, SEEK_SET) == 0) {
			*ret = (struct memo_stdin){ .kind = MEMO_STDIN_SPOOLED };
			store_hash_bytes(buf, got, &ret->hash);
			*ret_fd = mfd;
			free(buf);
			return 0;
		}
		if (mfd >= 0)
			close(mfd);
	}
	/* Not ended in time or in size (or no memory file): the command gets
	 * what was read and then the rest, as a stream. */
	e = relay_rest(fd, buf, got, ret_fd, ret_hash_fd);
	free(buf);
	if (e < 0)
		return e; /* (no process for the copy: what was read is lost) */
	*ret = (struct memo_stdin){ .kind = MEMO_STDIN_STREAM };
	return 0;
}

/* The path a stdin file was opened by (/proc/self/fd/N), relative to the
 * workspace when inside it; "" when unknown (deleted, too long). */
static void stdin_path(const struct memo *m, const char *proc, char *out, size_t size)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	out[0] = '\0';
	if (n <= 0 || buf[0] != '/')
		return;
	buf[n] = '\0';
	if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
		return;
	size_t wl = m->workspace ? strlen(m->workspace) : 0;
	const char *p = buf;
	if (wl && strncmp(buf, m->workspace, wl) == 0 && buf[wl] == '/')
		p = buf + wl + 1;
	snprintf(out, size, "%s", p);
}

int memo_stdin_identity(struct memo *m, int fd, struct memo_stdin *ret, int *ret_fd)
{
	struct memo_stdin id = { 0 };
	struct stat st;
	*ret_fd = -1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		id.kind = MEMO_STDIN_NONE;
	} else if (isatty(fd)) {
		id.kind = MEMO_STDIN_TTY;
	} else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3) {
		id.kind = MEMO_STDIN_NONE; /* /dev/null */
	} else if (S_ISREG(st.st_mode)) {
		off_t off = lseek(fd, 0, SEEK_CUR);
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		struct store_path_state ps;
		int r = m->st ? store_path_hash(m->st, AT_FDCWD, path, 0, &ps)
			      : store_hash_file(AT_FDCWD, path, 0, &ps.hash, NULL);
		if (r < 0)
			return r;
		id.kind = MEMO_STDIN_FILE;
		id.hash = ps.hash;
		id.offset = off < 0 ? 0 : (uint64_t)off;
		stdin_path(m, path, id.path, sizeof(id.path));
	} else if (S_ISFIFO(st.st_mode) && spool_finished_pipe(fd, ret_fd, &id.hash) == 0) {
		id.kind = MEMO_STDIN_SPOOLED;
	} else {
		id.kind = MEMO_STDIN_STREAM; /* a pipe or socket: unknown until read */
	}
	*ret = id;
	return 0;
}

/* The first line of a trace's key info: "key=<action key in hex>\n". */
#define KEY_LINE_LEN (4 + STORE_HASH_HEX_LEN + 1)

static void key_line(const store_hash *key, char out[KEY_LINE_LEN + 1])
{
	memcpy(out, "key=", 4);
	store_hash_to_hex(key, out + 4);
	out[KEY_LINE_LEN - 1] = '\n';
	out[KEY_LINE_LEN] = '\0';
}

bool memo_trace_has_key(const struct store_trace *t, const store_hash *key)
{
	char line[KEY_LINE_LEN + 1];
	key_line(key, line);
	return t->key_info && t->key_info_len >= KEY_LINE_LEN &&
	       memcmp(t->key_info, line, KEY_LINE_LEN) == 0;
}

int memo_trace_stdin_used(const struct store_trace *t, uint64_t *ret)
{
	static const char name[] = "\nstdin_used=";
	const char *p = t->key_info, *end = p ? p + t->key_info_len : NULL;
	const char *at = p ? memmem(p, t->key_info_len, name, sizeof(name) - 1) : NULL;
	if (!at)
		return -ENOENT;
	uint64_t v = 0;
	const char *d = at + sizeof(name) - 1;
	if (d == end || *d < '0' || *d > '9')
		return -ENOENT;
	for (; d < end && *d >= '0' && *d <= '9'; d++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*d - '0');
	}
	*ret = v;
	return 0;
}

/* The cwd as the key and the key info name it: relative to the root when
 * inside the workspace, else absolute. It is the physical directory (the
 * callers pass getcwd()'s): a logical one through a symlink could lead
 * elsewhere in a copy, and the shell's cd is not traced. malloc'ed; NULL
 * when out of memory. */
static char *cwd_value(const char *ws, const char *cwd)
{
	return memo_value_encode(ws, cwd);
}

/* One argv word, environment entry or the cwd, in its relocatable form. */
static int feed_value(store_hasher *h, const char *ws, const char *v, bool cwd)
{
	char *e = cwd ? cwd_value(ws, v) : memo_value_encode(ws, v);
	if (!e)
		return -ENOMEM;
	feed_str(h, e);
	free(e);
	return 0;
}

int memo_action_key(const struct memo_keyspec *k, store_hash *ret)
{
	store_hasher *h;
	int r = store_hasher_new(&h);
	if (r < 0)
		return r;
	feed_str(h, MEMO_FORMAT_VERSION);
	/* Not the workspace's location: the cwd, argv and environment name it
	 * as a token (reloc.c), so a copy elsewhere has the same key. */
	r = feed_value(h, k->workspace, k->cwd, true);

	size_t argc = 0;
	while (k->argv[argc])
		argc++;
	feed_u64(h, argc);
	for (size_t i = 0; r == 0 && i < argc; i++)
		r = feed_value(h, k->workspace, k->argv[i], false);
	if (r < 0) {
		store_hasher_free(h);
		return r;
	}

	/* The environment, sorted, without the volatile variables. */
	size_t envc = 0;
	while (k->envp && k->envp[envc])
		envc++;
	char **sorted = calloc(envc + 1, sizeof(*sorted));
	if (!sorted) {
		store_hasher_free(h);
		return -ENOMEM;
	}
	size_t kept = 0;
	for (size_t i = 0; i < envc; i++)
		if (!memo_env_is_volatile(k->envp[i]))
			sorted[kept++] = k->envp[i];
	qsort(sorted, kept, sizeof(*sorted), cmp_str);
	feed_u64(h, kept);
	for (size_t i = 0; r == 0 && i < kept; i++)
		r = feed_value(h, k->workspace, sorted[i], false);
	free(sorted);
	if (r < 0) {
		store_hasher_free(h);
		return r;
	}

	feed_u64(h, k->in.kind);
	store_hasher_update(h, k->in.hash.bytes, sizeof(k->in.hash.bytes));
	feed_u64(h, k->in.offset);
	feed_u64(h, k->ttys);
	feed_u64(h, k->grants);
	feed_u64(h, k->merged);
	feed_u64(h, k->umask);
	feed_u64(h, k->sigign);
	feed_u64(h, k->stack_cur);
	feed_u64(h, k->stack_max);
	store_hasher_final(h, ret);
	store_hasher_free(h);
	return 0;
}

/* The key info saved with a trace, so `why` can say what differed: the
 * action key itself (lookup checks a trace against the key it was found
 * under), then the same fields as the key, as text lines. */
/* One key-info value on one line: a backslash as two backslashes, a
 * newline as backslash-n (memo_key_info_parse undoes it, so lineage
 * --script gets the exact words back). */
static void put_value(FILE *f, const char *prefix, const char *v)
{
	fputs(prefix, f);
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('\n', f);
}

/* A value memo_value_encode made (NULL: out of memory), on one line. */
static int put_encoded(FILE *f, const char *prefix, char *v)
{
	if (!v)
		return -ENOMEM;
	fputs(prefix, f);
	fputs(v, f);
	fputc('\n', f);
	free(v);
	return 0;
}

int memo_key_info(const struct memo_keyspec *k, const store_hash *key, char **ret,
		  size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(&k->in.hash, hex);
	char kline[KEY_LINE_LEN + 1];
	key_line(key, kline);
	fprintf(f, "%sformat=%s\n", kline, MEMO_FORMAT_VERSION);
	if (k->bound)
		put_value(f, "bound=", k->bound);
	int r = put_encoded(f, "cwd=", cwd_value(k->workspace, k->cwd));
	for (size_t i = 0; r == 0 && k->argv[i]; i++)
		r = put_encoded(f, "arg=", memo_value_encode(k->workspace, k->argv[i]));
	for (size_t i = 0; r == 0 && k->envp && k->envp[i]; i++)
		if (!memo_env_is_volatile(k->envp[i]))
			r = put_encoded(f, "env=", memo_value_encode(k->workspace, k->envp[i]));
	if (r < 0) {
		fclose(f);
		free(buf);
		return r;
	}
	fprintf(f, "stdin=%d:%s:%llu\nttys=%u\ngrants=%u\nmerged=%u\numask=%04o\nsigign=%llx\n",
		k->in.kind, hex, (unsigned long long)k->in.offset, k->ttys, k->grants,
		k->merged ? 1u : 0u, k->umask, (unsigned long long)k->sigign);
	fprintf(f, "stack=%llu:%llu\n", (unsigned long long)k->stack_cur,
		(unsigned long long)k->stack_max);
	if (k->in.kind == MEMO_STDIN_FILE && k->in.path[0])
		put_value(f, "stdin_path=", k->in.path);
	if (k->in.kind == MEMO_STDIN_FILE || k->in.kind == MEMO_STDIN_SPOOLED)
		fprintf(f, "stdin_used=%llu\n", (unsigned long long)k->in.used);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* ---- reading key info back (memo_key_info_parse) ---- */

void memo_key_info_free(struct memo_key_info *ki)
{
	if (!ki)
		return;
	free(ki->key);
	free(ki->format);
	free(ki->bound);
	free(ki->cwd);
	free(ki->stdin_desc);
	free(ki->stdin_path);
	for (size_t i = 0; i < ki->argc; i++)
		free(ki->argv[i]);
	free(ki->argv);
	for (size_t i = 0; i < ki->n_env; i++)
		free(ki->env[i]);
	free(ki->env);
	for (size_t i = 0; i < ki->n_fields; i++)
		free(ki->fields[i]);
	free(ki->fields);
	free(ki);
}

/* Append s (NULL: out of memory) to the NULL-terminated list *v of *n. */
static int list_push(char ***v, size_t *n, char *s)
{
	char **nv = s ? reallocarray(*v, *n + 2, sizeof(**v)) : NULL;
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* Replace *slot (a field seen twice keeps its last value) by s. */
static int set_str(char **slot, char *s)
{
	if (!s)
		return -ENOMEM;
	free(*slot);
	*slot = s;
	return 0;
}

/* A value written by put_value or memo_value_encode, back as the bytes
 * it was: "\\\\" and "\\n" undone, "\\w" (the workspace root) made root,
 * any other backslash kept. NULL when out of memory. */
static char *get_value(const char *v, size_t len, const char *root)
{
	size_t rl = strlen(root), words = 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (v[i] == '\\' && v[i + 1] == 'w')
			words++;
	char *out = malloc(len + words * rl + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len && v[i + 1] == 'w') {
			memcpy(o, root, rl);
			o += rl;
			i++;
		} else if (v[i] == '\\' && i + 1 < len && (v[i + 1] == '\\' || v[i + 1] == 'n')) {
			*o++ = v[i + 1] == 'n' ? '\n' : '\\';
			i++;
		} else {
			*o++ = v[i];
		}
	}
	*o = '\0';
	return out;
}

/* A key-info line as `why` shows and compares it: the root token "\\w"
 * made root, every other escape kept as written. (Two lines read at the
 * same root compare as their texts: the token only ever stands where the
 * root itself would not have been replaced.) NULL when out of memory. */
static char *field_rerooted(const char *line, size_t len, const char *root)
{
	size_t rl = strlen(root), words = 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (line[i] == '\\' && line[i + 1] == 'w')
			words++;
	char *out = malloc(len + words * rl + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\' && i + 1 < len && line[i + 1] == 'w') {
			memcpy(o, root, rl);
			o += rl;
			i++;
		} else if (line[i] == '\\' && i + 1 < len) {
			*o++ = line[i++];
			*o++ = line[i];
		} else {
			*o++ = line[i];
		}
	}
	*o = '\0';
	return out;
}

/* One "name=value" line (len bytes, no newline) into ki. */
static int parse_key_line(struct memo_key_info *ki, const char *line, size_t len,
			  const char *root)
{
	const char *eq = memchr(line, '=', len);
	size_t nlen = eq ? (size_t)(eq - line) : len;
	const char *val = eq ? eq + 1 : line + len;
	size_t vlen = (size_t)(line + len - val);
#define IS(name) (nlen == sizeof(name) - 1 && memcmp(line, name, nlen) == 0)
	if (IS("key"))
		return set_str(&ki->key, strndup(val, vlen));
	if (IS("stdin_path")) /* not part of the key: not a field */
		return set_str(&ki->stdin_path, get_value(val, vlen, root));
	if (IS("stdin_used")) /* what the run did, not part of the key */
		return 0;
	int r = list_push(&ki->fields, &ki->n_fields, field_rerooted(line, len, root));
	if (r < 0)
		return r;
	if (IS("format"))
		return set_str(&ki->format, strndup(val, vlen));
	if (IS("bound"))
		return set_str(&ki->bound, get_value(val, vlen, root));
	if (IS("cwd"))
		return set_str(&ki->cwd, get_value(val, vlen, root));
	if (IS("arg"))
		return list_push(&ki->argv, &ki->argc, get_value(val, vlen, root));
	if (IS("env"))
		return list_push(&ki->env, &ki->n_env, get_value(val, vlen, root));
	char *v = strndup(val, vlen);
	if (!v)
		return -ENOMEM;
	if (IS("stdin")) {
		ki->stdin_kind = (int)strtol(v, NULL, 10);
		return set_str(&ki->stdin_desc, v);
	}
	if (IS("ttys"))
		ki->ttys = (unsigned)strtoul(v, NULL, 10);
	else if (IS("grants"))
		ki->grants = (unsigned)strtoul(v, NULL, 10);
#undef IS
	free(v);
	return 0;
}

/* The workspace of the current directory, found once per process: what
 * memo_key_info_parse re-roots recorded values at. "" when not found. */
static const char *current_root(void)
{
	static char *root;
	if (!root) {
		char *cwd = getcwd(NULL, 0);
		if (!cwd || memo_workspace_find(cwd, &root) < 0)
			root = strdup("");
		free(cwd);
	}
	return root ? root : "";
}

int memo_key_info_parse(const char *text, size_t len, struct memo_key_info **ret)
{
	return memo_key_info_parse_at(text, len, current_root(), ret);
}

int memo_key_info_parse_at(const char *text, size_t len, const char *root,
			   struct memo_key_info **ret)
{
	struct memo_key_info *ki = calloc(1, sizeof(*ki));
	if (!ki)
		return -ENOMEM;
	/* the lists are never NULL, so callers can walk them */
	int r = 0;
	ki->argv = calloc(1, sizeof(*ki->argv));
	ki->env = calloc(1, sizeof(*ki->env));
	ki->fields = calloc(1, sizeof(*ki->fields));
	if (!ki->argv || !ki->env || !ki->fields)
		r = -ENOMEM;
	const char *p = text, *end = text ? text + len : NULL;
	while (r == 0 && p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		r = parse_key_line(ki, p, n, root);
		p += n + 1;
	}
	if (r < 0) {
		memo_key_info_free(ki);
		return r;
	}
	*ret = ki;
	return 0;
}
