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
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"

/* Bump when the meaning of a key or of a recorded input changes: every
 * earlier record then simply misses. */
#define MEMO_FORMAT_VERSION "shark-action-6" /* 6: /tmp writes are effects */

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
	"SHARK_LIVE",
	/* benchmark tools that pad the environment with a random-length value */
	"HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET",
};

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
	char *start = realpath(env && *env ? env : cwd, NULL);
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

static int spool_finished_pipe(int fd, int *ret_fd, store_hash *ret_hash)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int avail = 0;
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLHUP) || ioctl(fd, FIONREAD, &avail) < 0 ||
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

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pipe that yields buf[0..len) and then whatever fd still gives: a
 * child process, holding nothing but the two ends, copies them and ends
 * at fd's end (or of SIGPIPE when the reader leaves, which then reaches
 * the writer of fd as in sh). */
static int relay_rest(int fd, const char *buf, size_t len, int *ret_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0) {
		int lo = fd < p[1] ? fd : p[1], hi = fd < p[1] ? p[1] : fd;
		if (lo > 0)
			close_range(0, (unsigned)lo - 1, 0);
		if (hi > lo + 1)
			close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
		close_range((unsigned)hi + 1, ~0u, 0);
		signal(SIGPIPE, SIG_DFL);
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(p[1], buf + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		for (;;) {
			ssize_t n = splice(fd, NULL, p[1], NULL, 1 << 16, SPLICE_F_MOVE);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(n < 0);
		}
	}
	close(p[1]);
	*ret_fd = p[0];
	return 0;
}

int memo_stdin_wait(int fd, struct memo_stdin *ret, int *ret_fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -EINVAL;
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	int64_t deadline = now_ms() + MEMO_WAIT_MS;
	bool ended = false;
	while (got <= MEMO_WAIT_MAX) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		if (got == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			ended = n == 0;
			break;
		}
		got += (size_t)n;
	}
	int e;
	if (ended && got <= MEMO_WAIT_MAX) {
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
	e = relay_rest(fd, buf, got, ret_fd);
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

int memo_action_key(const struct memo_keyspec *k, store_hash *ret)
{
	store_hasher *h;
	int r = store_hasher_new(&h);
	if (r < 0)
		return r;
	feed_str(h, MEMO_FORMAT_VERSION);
	feed_str(h, k->workspace);
	feed_str(h, k->cwd);

	size_t argc = 0;
	while (k->argv[argc])
		argc++;
	feed_u64(h, argc);
	for (size_t i = 0; i < argc; i++)
		feed_str(h, k->argv[i]);

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
	for (size_t i = 0; i < kept; i++)
		feed_str(h, sorted[i]);
	free(sorted);

	feed_u64(h, k->in.kind);
	store_hasher_update(h, k->in.hash.bytes, sizeof(k->in.hash.bytes));
	feed_u64(h, k->in.offset);
	feed_u64(h, k->ttys);
	feed_u64(h, k->grants);
	feed_u64(h, k->merged);
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
	put_value(f, "cwd=", k->cwd);
	for (size_t i = 0; k->argv[i]; i++)
		put_value(f, "arg=", k->argv[i]);
	for (size_t i = 0; k->envp && k->envp[i]; i++)
		if (!memo_env_is_volatile(k->envp[i]))
			put_value(f, "env=", k->envp[i]);
	fprintf(f, "stdin=%d:%s:%llu\nttys=%u\ngrants=%u\nmerged=%u\n", k->in.kind, hex,
		(unsigned long long)k->in.offset, k->ttys, k->grants, k->merged ? 1u : 0u);
	if (k->in.kind == MEMO_STDIN_FILE && k->in.path[0])
		put_value(f, "stdin_path=", k->in.path);
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

/* A value written by put_value, back as the bytes it was: "\\\\" and
 * "\\n" undone, any other backslash kept. NULL when out of memory. */
static char *get_value(const char *v, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len && (v[i + 1] == '\\' || v[i + 1] == 'n')) {
			*o++ = v[i + 1] == 'n' ? '\n' : '\\';
			i++;
		} else {
			*o++ = v[i];
		}
	}
	*o = '\0';
	return out;
}

/* One "name=value" line (len bytes, no newline) into ki. */
static int parse_key_line(struct memo_key_info *ki, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	size_t nlen = eq ? (size_t)(eq - line) : len;
	const char *val = eq ? eq + 1 : line + len;
	size_t vlen = (size_t)(line + len - val);
#define IS(name) (nlen == sizeof(name) - 1 && memcmp(line, name, nlen) == 0)
	if (IS("key"))
		return set_str(&ki->key, strndup(val, vlen));
	if (IS("stdin_path")) /* not part of the key: not a field */
		return set_str(&ki->stdin_path, get_value(val, vlen));
	int r = list_push(&ki->fields, &ki->n_fields, strndup(line, len));
	if (r < 0)
		return r;
	if (IS("format"))
		return set_str(&ki->format, strndup(val, vlen));
	if (IS("cwd"))
		return set_str(&ki->cwd, get_value(val, vlen));
	if (IS("arg"))
		return list_push(&ki->argv, &ki->argc, get_value(val, vlen));
	if (IS("env"))
		return list_push(&ki->env, &ki->n_env, get_value(val, vlen));
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

int memo_key_info_parse(const char *text, size_t len, struct memo_key_info **ret)
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
		r = parse_key_line(ki, p, n);
		p += n + 1;
	}
	if (r < 0) {
		memo_key_info_free(ki);
		return r;
	}
	*ret = ki;
	return 0;
}
