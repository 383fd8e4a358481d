/* reloc.c - relocatable traces: paths inside the workspace recorded
 * relative to its root, the root inside argv and environment values
 * recorded as a token, and the rule that binds a run to the workspace's
 * absolute location when what it produced shows that location.
 *
 * A trace recorded in /home/u/proj is served in a copy at /home/u/proj2
 * when the copy has the same content at the same relative paths. That is
 * sound for a command whose result depends on its location only through
 * the files it opens (recorded relative, so checked in the copy). A
 * command that shows the location in what it produces (`pwd`, `realpath
 * f`, a file naming its own absolute path) is *location-bound*: its trace
 * names the root it was recorded at (a "bound=" key-info line) and is
 * served only there. docs/memo.md ("Relocation") states the rule and what
 * it cannot see. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

/* Whether relocation applies under ws: never for "/" (every path would be
 * relative to it and nothing would move). */
static bool ws_relocatable(const char *ws)
{
	return ws && ws[0] == '/' && ws[1] != '\0';
}

const char *memo_rel_of(const char *ws, const char *p)
{
	if (!ws_relocatable(ws) || !p)
		return p;
	size_t n = strlen(ws);
	if (strncmp(p, ws, n) != 0)
		return p;
	if (p[n] == '\0')
		return ".";
	if (p[n] != '/' || p[n + 1] == '\0')
		return p[n] == '/' ? "." : p;
	return p + n + 1;
}

int memo_path_resolve(const char *ws, const char *rec, char *buf, size_t size)
{
	int n;
	if (!rec || rec[0] == '/' || !ws)
		n = snprintf(buf, size, "%s", rec ? rec : "");
	else if (strcmp(rec, ".") == 0)
		n = snprintf(buf, size, "%s", ws);
	else
		n = snprintf(buf, size, "%s/%s", strcmp(ws, "/") ? ws : "", rec);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Bytes that may separate a path from what surrounds it in a value:
 * PATH-like lists (':'), assignments, words and quotes. An occurrence of
 * the root glued to other bytes ("/x/home/u/proj", "/home/u/proj2") names
 * another path and is left alone. */
static bool is_value_sep(unsigned char c)
{
	return c == ':' || c == '=' || c == ' ' || c == '\t' || c == '\n' || c == ';' ||
	       c == ',' || c == '"' || c == '\'';
}

char *memo_value_encode(const char *ws, const char *v)
{
	size_t wl = ws_relocatable(ws) ? strlen(ws) : 0, n = strlen(v);
	/* at most two bytes out per byte in */
	char *out = malloc(2 * n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (wl && strncmp(v + i, ws, wl) == 0 &&
		    (i == 0 || is_value_sep((unsigned char)v[i - 1])) &&
		    (v[i + wl] == '\0' || v[i + wl] == '/' || is_value_sep((unsigned char)v[i + wl]))) {
			*o++ = '\\';
			*o++ = 'w';
			i += wl - 1;
		} else if (v[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (v[i] == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else {
			*o++ = v[i];
		}
	}
	*o = '\0';
	return out;
}

/* ---- the location-bound rule ---- */

/* Files and blobs are read in chunks this size: small enough to stay in
 * the heap (a buffer the size of a whole blob was mapped afresh for each
 * one, and its page faults cost more than the scan) and in the cache. */
#define SCAN_CHUNK (64 << 10)

static bool is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* The first occurrence of needle (nl >= 1 bytes) in p[0..len), or NULL.
 * glibc's memmem walks a needle of one or two bytes a byte at a time (a
 * workspace called "ws" or "go" scanned at a third of memchr's speed);
 * memchr for its first byte is vectorised. Where that byte is frequent,
 * each hit costs a call: past one hit per 16 bytes, memmem takes over. */
static const char *find(const char *p, size_t len, const char *needle, size_t nl)
{
	if (nl > 2 || len < nl)
		return nl > 2 ? memmem(p, len, needle, nl) : NULL;
	const char *start = p, *end = p + len;
	size_t hits = 0;
	while ((size_t)(end - p) >= nl) {
		const char *f = memchr(p, needle[0], (size_t)(end - p) - (nl - 1));
		if (!f)
			return NULL;
		if (nl == 1 || f[1] == needle[1])
			return f;
		p = f + 1;
		if (++hits > 64 && hits * 16 > (size_t)(p - start))
			return memmem(p, (size_t)(end - p), needle, nl);
	}
	return NULL;
}

void memo_bound_scan_init(struct memo_bound_scan *s, const char *ws, bool root_only)
{
	*s = (struct memo_bound_scan){ .k = 0 };
	if (!ws_relocatable(ws))
		return;
	s->needles[s->k] = ws;
	s->len[s->k] = strlen(ws);
	s->word[s->k++] = false;
	const char *base = strrchr(ws, '/');
	if (!root_only && base && base[1]) {
		s->needles[s->k] = base + 1;
		s->len[s->k] = strlen(base + 1);
		s->word[s->k++] = true;
	}
	s->longest = s->len[0]; /* the root holds its last component */
	s->win = malloc(2 * (s->longest + 1));
	s->on = s->win != NULL;
}

void memo_bound_scan_free(struct memo_bound_scan *s)
{
	free(s->win);
	s->win = NULL;
	s->on = false;
}

/* Whether hay[0..len), a window on the stream, holds a needle. A word
 * needle must not be glued to letters, digits, '_' or '-': at an edge of
 * hay that is an edge of the stream (lo: hay starts it, hi: hay ends it)
 * nothing is glued; at any other edge the byte beside is not in hay, and
 * the occurrence is left to the window that holds it (feed's seam). */
static bool window_has(const struct memo_bound_scan *s, const char *hay, size_t len, bool lo,
		       bool hi)
{
	for (size_t i = 0; i < s->k; i++) {
		const char *p = hay, *end = hay + len;
		size_t nl = s->len[i];
		while (nl && (size_t)(end - p) >= nl) {
			const char *f = find(p, (size_t)(end - p), s->needles[i], nl);
			if (!f)
				break;
			if (!s->word[i])
				return true;
			bool left = f == hay ? lo : !is_word_byte((unsigned char)f[-1]);
			bool right = f + nl == end ? hi : !is_word_byte((unsigned char)f[nl]);
			if (left && right)
				return true;
			p = f + 1;
		}
	}
	return false;
}

/* Every occurrence, with the byte either side, lies whole in one chunk
 * fed, or in the window across the last seam it crosses (the last
 * longest + 1 bytes before the seam, s->win, and as many after it), or
 * at the stream's end in the last window (memo_bound_scan_end). */
void memo_bound_scan_feed(struct memo_bound_scan *s, const char *buf, size_t n)
{
	if (!s->on || s->found || n == 0) {
		s->seen += n;
		return;
	}
	size_t w = s->longest + 1;
	if (s->carry_len) {
		size_t head = n < w ? n : w;
		memcpy(s->win + s->carry_len, buf, head);
		s->found = window_has(s, s->win, s->carry_len + head, s->seen == s->carry_len,
				      false);
	}
	if (!s->found)
		s->found = window_has(s, buf, n, s->seen == 0, false);
	s->seen += n;
	if (n >= w) {
		memcpy(s->win, buf + n - w, w);
		s->carry_len = w;
	} else {
		size_t keep = s->carry_len < w - n ? s->carry_len : w - n;
		memmove(s->win, s->win + s->carry_len - keep, keep);
		memcpy(s->win + keep, buf, n);
		s->carry_len = keep + n;
	}
}

int memo_bound_scan_end(struct memo_bound_scan *s, uint64_t size)
{
	if (!s->on || s->seen != size)
		return -1;
	if (!s->found && s->carry_len)
		s->found = window_has(s, s->win, s->carry_len, s->seen == s->carry_len, true);
	return s->found ? 1 : 0;
}

/* Whether the file open at fd holds a needle of the scan s (fresh from
 * memo_bound_scan_init; freed here), read with pread from offset 0. An
 * error reading counts as holding one: the run is then bound, never
 * wrongly relocated. With hasher, every byte read is fed to it too (the
 * whole content when none is found). */
static bool fd_has_hashing(int fd, struct memo_bound_scan *s, store_hasher *hasher)
{
	char *buf = s->on ? malloc(SCAN_CHUNK) : NULL;
	bool found = true;
	if (buf) {
		off_t off = 0;
		for (;;) {
			ssize_t n = pread(fd, buf, SCAN_CHUNK, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			if (n == 0) {
				found = memo_bound_scan_end(s, (uint64_t)off) != 0;
				break;
			}
			if (hasher)
				store_hasher_update(hasher, buf, (size_t)n);
			memo_bound_scan_feed(s, buf, (size_t)n);
			if (s->found)
				break;
			off += n;
		}
	}
	free(buf);
	memo_bound_scan_free(s);
	return found;
}

static bool fd_has(int fd, const char *ws)
{
	struct memo_bound_scan s;
	memo_bound_scan_init(&s, ws, false);
	return fd_has_hashing(fd, &s, NULL);
}

/* An output blob's answer: the relay's (scanned, 0 or 1, when it saw
 * exactly the blob's bytes) or the blob read back from the store. */
static bool blob_has(struct memo *m, const store_hash *h, uint64_t size, int scanned)
{
	if (size == 0)
		return false;
	if (scanned >= 0)
		return scanned == 1;
	int fd;
	if (store_blob_open(m->st, h, &fd, NULL) < 0)
		return true;
	bool r = fd_has(fd, m->workspace);
	close(fd);
	return r;
}

static bool str_has(const char *ws, const char *str, bool root_only)
{
	if (!str)
		return false;
	struct memo_bound_scan s;
	memo_bound_scan_init(&s, ws, root_only);
	bool r = s.on ? window_has(&s, str, strlen(str), true, true) : true;
	memo_bound_scan_free(&s);
	return r;
}

/* A file read by an earlier recorded run of this process and found not to
 * hold the root: skipped while its identity is the same. Only files whose
 * last change is older than CLEAN_SETTLED_NS are remembered (a file
 * written within the same timestamp tick could change unseen). */
struct memo_clean_file {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

#define CLEAN_MAX 1024
#define CLEAN_SETTLED_NS 2000000000LL

static bool same_file(const struct memo_clean_file *c, const struct stat *st)
{
	return c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
	       c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       c->ctime.tv_sec == st->st_ctim.tv_sec && c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static bool known_clean(const struct memo *m, const struct stat *st)
{
	for (size_t i = 0; i < m->n_clean; i++)
		if (same_file(&m->clean[i], st))
			return true;
	return false;
}

static void remember_clean(struct memo *m, const struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long long age = (long long)(now.tv_sec - st->st_ctim.tv_sec) * 1000000000LL +
			(now.tv_nsec - st->st_ctim.tv_nsec);
	if (age < CLEAN_SETTLED_NS)
		return;
	if (!m->clean) {
		m->clean = calloc(CLEAN_MAX, sizeof(*m->clean));
		if (!m->clean)
			return;
	}
	/* full: the oldest entries are overwritten, round robin */
	struct memo_clean_file *c = &m->clean[m->n_clean < CLEAN_MAX ? m->n_clean++
								     : (size_t)now.tv_nsec % CLEAN_MAX];
	*c = (struct memo_clean_file){ .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
				       .mtime = st->st_mtim, .ctime = st->st_ctim };
}

/* Contents known not to name the workspace, by hash: a file read whole
 * by memo_location_bound whose bytes hash to the value its input
 * records. A content's answer never changes (the workspace is the
 * process's), so no identity check is needed for these: the libraries
 * and locale files every command reads cost no system call after the
 * first command. Full: the oldest are overwritten, round robin. */
static bool hash_known_clean(const struct memo *m, const store_hash *h);

/* What is remembered of a clean content: not its hash but the store's
 * keyed hash of the workspace's path and that hash, so that an entry
 * means "clean of this workspace" only (one copied into another
 * workspace's list names nothing there) and cannot be made without the
 * store's key, which no sandbox can read. */
static void clean_tag(const struct memo *m, const store_hash *h, store_hash *tag)
{
	size_t wl = strlen(m->workspace);
	unsigned char buf[PATH_MAX + STORE_HASH_SIZE];
	if (wl > PATH_MAX)
		wl = PATH_MAX;
	memcpy(buf, m->workspace, wl);
	memcpy(buf + wl, h, STORE_HASH_SIZE);
	store_hash_bytes(buf, wl + STORE_HASH_SIZE, tag);
}

static bool hash_known_clean(const struct memo *m, const store_hash *h)
{
	if (m->n_clean_hashes == 0)
		return false;
	store_hash tag;
	clean_tag(m, h, &tag);
	for (size_t i = 0; i < m->n_clean_hashes; i++)
		if (store_hash_equal(&m->clean_hashes[i], &tag))
			return true;
	return false;
}

/* The contents found clean are also kept on disk, per workspace, for the
 * shell processes that follow: <store>/clean/<32 hex>.<uid>, named by the
 * hash of the workspace's path and the user's id, a sequence of 16-byte content hashes appended
 * by each recording that found new ones (each a tag: clean_tag; once the
 * table is full, the file is rewritten whole). A `shark -c` of one pipeline then
 * does not read the libraries, the locale files and a big input file (30
 * MB: tens of milliseconds after its last stage ended) that the shell
 * before it read already. It is only a cache: a lost or cut append, or a
 * file that is not a whole number of entries or has grown past CLEAN_MAX
 * of them, is dropped (removed, and the contents are read again). A
 * damaged entry is 16 random bytes, which tag no content (the hashes are
 * keyed, docs/store.md); the answer for a content never changes while the
 * workspace's path is the same, and another path names another file, whose
 * entries are tagged with that path. Only a file of this user's that no one
 * else may write is read. */
static int clean_file_path(const struct memo *m, char *buf, size_t size)
{
	if (!m->st)
		return -ENOENT;
	store_hash wh;
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_bytes(m->workspace, strlen(m->workspace), &wh);
	store_hash_to_hex(&wh, hex);
	int n = snprintf(buf, size, "%s/clean/%s.%lu", store_path(m->st), hex,
			 (unsigned long)geteuid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void clean_hashes_load(struct memo *m)
{
	if (m->clean_loaded)
		return;
	m->clean_loaded = true;
	char path[PATH_MAX];
	if (clean_file_path(m, path, sizeof(path)) < 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	struct stat st;
	/* only a file of this user's that no one else can write: in a store
	 * shared by several users each keeps their own (clean_file_path names
	 * it with the user's id); another's is left alone */
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size % STORE_HASH_SIZE != 0 ||
	    st.st_size > (off_t)(CLEAN_MAX * STORE_HASH_SIZE)) {
		close(fd);
		(void)unlink(path); /* started again by the next append */
		return;
	}
	size_t n = (size_t)st.st_size / STORE_HASH_SIZE;
	if (n == 0 || (!m->clean_hashes &&
		       !(m->clean_hashes = calloc(CLEAN_MAX, sizeof(*m->clean_hashes))))) {
		close(fd);
		return;
	}
	ssize_t got;
	do
		got = pread(fd, m->clean_hashes, n * STORE_HASH_SIZE, 0);
	while (got < 0 && errno == EINTR);
	close(fd);
	m->n_clean_hashes = got > 0 ? (size_t)got / STORE_HASH_SIZE : 0;
	m->clean_on_disk = m->n_clean_hashes;
}

/* Append what this recording found clean (one write). */
static void clean_hashes_save(struct memo *m, size_t from)
{
	if (from >= m->n_clean_hashes && m->n_clean_hashes < CLEAN_MAX)
		return;
	char path[PATH_MAX];
	if (clean_file_path(m, path, sizeof(path)) < 0)
		return;
	char *slash = strrchr(path, '/');
	*slash = '\0';
	(void)mkdir(path, 0700);
	*slash = '/';
	/* The table is full (new entries overwrote old ones in place): the
	 * file becomes the table, written beside it and renamed over it. */
	if (m->n_clean_hashes == CLEAN_MAX) {
		char tmp[PATH_MAX + 32];
		if (snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)util_getpid()) >= (int)sizeof(tmp))
			return;
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			      0600);
		if (fd < 0)
			return;
		bool ok = util_write_all(fd, m->clean_hashes, CLEAN_MAX * STORE_HASH_SIZE) == 0;
		close(fd);
		if (ok && rename(tmp, path) == 0)
			m->clean_on_disk = CLEAN_MAX;
		else
			(void)unlink(tmp);
		return;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return;
	size_t n = m->n_clean_hashes - from;
	if (util_write_all(fd, &m->clean_hashes[from], n * STORE_HASH_SIZE) == 0)
		m->clean_on_disk += n;
	close(fd);
}

static void remember_clean_hash(struct memo *m, const store_hash *h)
{
	if (!m->clean_hashes) {
		m->clean_hashes = calloc(CLEAN_MAX, sizeof(*m->clean_hashes));
		if (!m->clean_hashes)
			return;
	}
	size_t i = m->n_clean_hashes < CLEAN_MAX ? m->n_clean_hashes++
						 : (size_t)util_now_ns(CLOCK_MONOTONIC) % CLEAN_MAX;
	clean_tag(m, h, &m->clean_hashes[i]);
	m->clean_added++;
}

/* Whether the file at path (recorded with content hash h) names the
 * workspace; remembers it clean by identity (when settled) and by hash
 * (when the bytes read are the recorded ones). */
static bool input_file_has(struct memo *m, const char *path, const store_hash *h)
{
	/* A file this process found clean, with the same identity now: not
	 * opened again. */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && known_clean(m, &st))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return true;
	}
	if (known_clean(m, &st)) {
		close(fd);
		return false;
	}
	store_hasher *hasher = NULL;
	if (store_hasher_new(&hasher) < 0)
		hasher = NULL;
	struct memo_bound_scan s;
	memo_bound_scan_init(&s, m->workspace, true);
	bool has = fd_has_hashing(fd, &s, hasher);
	close(fd);
	if (!has) {
		remember_clean(m, &st);
		store_hash got;
		if (hasher) {
			store_hasher_final(hasher, &got);
			if (store_hash_equal(&got, h))
				remember_clean_hash(m, h);
		}
	}
	store_hasher_free(hasher);
	return has;
}

const char *memo_location_bound(struct memo *m, const struct store_trace *t, const int *fx,
				int out_scanned, int err_scanned)
{
	if (!ws_relocatable(m->workspace))
		return NULL;
	if (blob_has(m, &t->stdout_blob, t->stdout_size, out_scanned))
		return "its stdout names the workspace";
	if (blob_has(m, &t->stderr_blob, t->stderr_size, err_scanned))
		return "its stderr names the workspace";
	for (size_t i = 0; i < t->n_effects; i++) {
		const struct store_effect *e = &t->effects[i];
		if (e->kind == STORE_EFFECT_SYMLINK && str_has(m->workspace, e->target, false))
			return "a symlink it made names the workspace";
		if (e->kind == STORE_EFFECT_FILE && e->size &&
		    (!fx || fx[i] < 0 || fd_has(fx[i], m->workspace)))
			return "a file it wrote names the workspace";
	}
	/* What it read that names the root by its absolute path: a symlink
	 * target or a file's content (a configuration, a script's #! line, a
	 * binary's RPATH). In a copy that text still names the old place, so
	 * the command there would open paths in the old workspace, which the
	 * relative inputs do not check. */
	clean_hashes_load(m);
	size_t known = m->n_clean_hashes;
	unsigned long added = m->clean_added;
	const char *why = NULL;
	for (size_t i = 0; i < t->n_inputs && !why; i++) {
		const struct store_input *in = &t->inputs[i];
		if (in->kind == STORE_INPUT_SYMLINK && str_has(m->workspace, in->target, true)) {
			why = "a symlink it read names the workspace";
			continue;
		}
		if (in->kind != STORE_INPUT_FILE || store_hash_is_zero(&in->hash))
			continue;
		if (hash_known_clean(m, &in->hash))
			continue;
		char path[PATH_MAX];
		if (memo_path_resolve(m->workspace, in->path, path, sizeof(path)) < 0 ||
		    input_file_has(m, path, &in->hash))
			why = "a file it read names the workspace";
	}
	/* what was found clean stays so, whatever the run is (appended; a
	 * full table, which overwrites in place, replaces the file) */
	if (m->clean_added != added)
		clean_hashes_save(m, known);
	return why;
}

bool memo_trace_served_here(const struct store_trace *t, const char *ws)
{
	static const char tag[] = "\nbound=";
	const char *p = t->key_info, *end = p ? p + t->key_info_len : NULL;
	const char *b = p ? memmem(p, t->key_info_len, tag, sizeof(tag) - 1) : NULL;
	if (!b)
		return true;
	b += sizeof(tag) - 1;
	const char *nl = memchr(b, '\n', (size_t)(end - b));
	size_t n = nl ? (size_t)(nl - b) : (size_t)(end - b);
	/* written by put_value: a root holding a backslash or newline is
	 * escaped, and then never equal here (a miss, the safe side) */
	return ws && strlen(ws) == n && memcmp(b, ws, n) == 0;
}
