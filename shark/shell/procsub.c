/* procsub.c - bash's <(cmd) and >(cmd) (procsub.h). */
#include "shark/shell/procsub.h"
#include "shark/shell/eval.h"
#include "shark/shell/jobs.h"
#include "shark/util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* The bounds of the wait for a <(...)'s whole output, those of the memo
 * engine's for a stdin fed by the shell (memo/key.c, memo_stdin_wait). */
#define WAIT_MS 3000
#define WAIT_MAX (8 << 20)
/* Content files not used for this long are removed (prune_old). */
#define KEEP_SECONDS (24 * 3600)

struct procsub {
	char *dir;		/* the FIFO's private directory (mode 0700), or NULL */
	char *path;		/* dir/fifo, or NULL */
	pid_t pid;		/* the child running the command */
	pid_t relay;		/* <(...) streamed: the child copying into the FIFO, or 0 */
	int lock;		/* <(...) as a content file: held LOCK_SH while in use, or -1 */
	bool write;		/* >(...): the child reads the FIFO */
	struct procsub *next;
};

static void push(struct shell *sh, char *dir, char *path, pid_t pid, pid_t relay, int lock, bool write)
{
	struct procsub *ps = calloc(1, sizeof *ps);
	if (!ps)
		abort();
	*ps = (struct procsub){ .dir = dir, .path = path, .pid = pid, .relay = relay,
				.lock = lock, .write = write, .next = sh->procsubs };
	sh->procsubs = ps;
}

static const char *tmp_area(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && tmp[0] == '/' ? tmp : "/tmp";
}

/* A private directory with a FIFO in it: *ret_dir and the FIFO's path
 * (both malloc'd), or NULL after an error message. */
static char *make_fifo(struct shell *sh, char **ret_dir)
{
	const char *tmp = tmp_area();
	size_t dl = strlen(tmp) + 32;
	char *dir = malloc(dl);
	if (!dir)
		abort();
	snprintf(dir, dl, "%s/shark-procsub.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		sh_error(sh, "process substitution: %s: %s", tmp, strerror(errno));
		free(dir);
		return NULL;
	}
	size_t pl = strlen(dir) + 8;
	char *path = malloc(pl);
	if (!path)
		abort();
	snprintf(path, pl, "%s/fifo", dir);
	if (mkfifo(path, 0600) < 0) {
		sh_error(sh, "process substitution: mkfifo: %s", strerror(errno));
		rmdir(dir);
		free(dir);
		free(path);
		return NULL;
	}
	*ret_dir = dir;
	return path;
}

/* >(...): cmd reads a FIFO the consumer writes by name. */
static char *open_write(struct shell *sh, struct node *cmd)
{
	char *dir;
	char *path = make_fifo(sh, &dir);
	if (!path)
		return NULL;
	out_flush(sh);
	pid_t pid = jobs_fork_nojob(sh);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		unlink(path);
		rmdir(dir);
		free(dir);
		free(path);
		return NULL;
	}
	if (pid == 0) {
		procsub_forget(sh);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(1);
		(void)util_move_fd(fd, 0);
		eval_in_child(sh, cmd);
	}
	push(sh, dir, path, pid, 0, -1, true);
	char *ret = strdup(path);
	if (!ret)
		abort();
	return ret;
}

/* Does the regular file fd hold exactly buf[0..len)? */
static bool same_content(int fd, const char *buf, size_t len)
{
	char tmp[65536];
	size_t off = 0;
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return off == len;
		if ((size_t)n > len - off || memcmp(tmp, buf + off, (size_t)n) != 0)
			return false;
		off += (size_t)n;
	}
}

/* Remove the content files of dfd that nobody used for KEEP_SECONDS: a
 * shell using one holds a shared lock on it (and touched it when it took
 * it), so one in use is never removed; once per process. */
static void prune_old(int dfd)
{
	static bool done;
	if (done)
		return;
	done = true;
	int d2 = dup(dfd);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!d) {
		if (d2 >= 0)
			close(d2);
		return;
	}
	time_t old = time(NULL) - KEEP_SECONDS;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_mtime > old)
			continue;
		int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
				unlinkat(dfd, e->d_name, 0);	/* a stray symlink */
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime <= old)
			unlinkat(dfd, e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

/* The private directory of content files, $TMPDIR/shark-psub-UID: made
 * mode 0700 when missing; refused (-1) if it is a symlink, not the user's
 * or open to others. Its path goes to *ret_path (size bytes). */
static int content_dir(char *ret_path, size_t size)
{
	int n = snprintf(ret_path, size, "%s/shark-psub-%lu", tmp_area(), (unsigned long)geteuid());
	if (n < 0 || (size_t)n >= size)
		return -1;
	if (mkdir(ret_path, 0700) < 0 && errno != EEXIST)
		return -1;
	int dfd = open(ret_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	struct stat st;
	if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		close(dfd);
		return -1;
	}
	return dfd;
}

/* A read-only regular file holding buf[0..len), named by a hash of it in
 * the private directory, so that the same content has the same path on
 * every run: its path (malloc'd) and *ret_lock, an fd of it held with a
 * shared lock until the command has used it; NULL when it cannot be. */
static char *content_file(const char *buf, size_t len, int *ret_lock)
{
	char dir[4096];
	int dfd = content_dir(dir, sizeof(dir));
	if (dfd < 0)
		return NULL;
	XXH128_hash_t h = XXH3_128bits(buf, len);
	char *ret = NULL;
	/* another content with the same hash (made on purpose: XXH3 is not
	 * a cryptographic hash) takes the next suffix */
	for (int k = 0, tries = 0; k < 8 && tries < 32 && !ret; tries++) {
		char name[64];
		snprintf(name, sizeof(name), "%016llx%016llx-%d", (unsigned long long)h.high64,
			 (unsigned long long)h.low64, k);
		int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			struct stat st;
			int lr;
			while ((lr = flock(fd, LOCK_SH)) < 0 && errno == EINTR)
				;
			if (lr == 0 && fstat(fd, &st) == 0 && st.st_nlink == 0) {
				close(fd);	/* removed meanwhile (prune_old): again */
				continue;
			}
			if (lr == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
			    (st.st_mode & 0222) == 0 && (size_t)st.st_size == len &&
			    same_content(fd, buf, len) && futimens(fd, NULL) == 0) {
				size_t pl = strlen(dir) + strlen(name) + 2;
				ret = malloc(pl);
				if (!ret)
					abort();
				snprintf(ret, pl, "%s/%s", dir, name);
				*ret_lock = fd;
				break;
			}
			close(fd);
			k++;
			continue;
		}
		if (errno != ENOENT)
			break;
		char tmp[96];
		snprintf(tmp, sizeof(tmp), ".tmp-%ld-%s", (long)getpid(), name);
		unlinkat(dfd, tmp, 0);
		int wfd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
		if (wfd < 0)
			break;
		bool ok = util_write_all(wfd, buf, len) == 0;
		if (close(wfd) < 0)
			ok = false;
		int err = EIO;
		if (ok) {
			prune_old(dfd);
			/* never over another's file: if one came meanwhile, it
			 * is examined on the next round */
			if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
				continue;	/* next round opens and locks it */
			err = errno;
			if (err == EINVAL) {	/* no RENAME_NOREPLACE here */
				if (linkat(dfd, tmp, dfd, name, 0) == 0) {
					unlinkat(dfd, tmp, 0);
					continue;
				}
				err = errno;
			}
		}
		unlinkat(dfd, tmp, 0);
		if (err != EEXIST)
			break;
	}
	close(dfd);
	return ret;
}

/* <(...): cmd writes a pipe the shell reads. When cmd ends within the
 * bounds, the word is a content file (same content, same path: the
 * consumer's run is recorded with it as an input and hits on the next
 * run); otherwise a FIFO that a relay fills with what was read and then
 * the rest of the stream. */
static char *open_read(struct shell *sh, struct node *cmd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		sh_error(sh, "process substitution: pipe: %s", strerror(errno));
		return NULL;
	}
	out_flush(sh);
	pid_t pid = jobs_fork_nojob(sh);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		procsub_forget(sh);
		close(p[0]);
		(void)util_move_fd(p[1], 1);
		eval_in_child(sh, cmd);
	}
	close(p[1]);
	char *buf;
	size_t len;
	int rb = util_read_bounded(p[0], WAIT_MS, WAIT_MAX, &buf, &len);
	if (rb < 0)
		abort(); /* out of memory, as the shell's allocations */
	bool ended = rb == 1;
	if (ended) {
		close(p[0]);
		p[0] = -1;
		int lock = -1;
		char *file = content_file(buf, len, &lock);
		if (file) {
			free(buf);
			push(sh, NULL, NULL, pid, 0, lock, false);
			return file;
		}
	}
	/* a FIFO and a relay: what was read, then the rest (if any) */
	char *dir;
	char *path = make_fifo(sh, &dir);
	if (!path) {
		free(buf);
		if (p[0] >= 0)
			close(p[0]);
		kill(pid, SIGPIPE);
		push(sh, NULL, NULL, pid, 0, -1, false);
		return NULL;
	}
	pid_t relay = jobs_fork_nojob(sh);
	if (relay == 0) {
		/* holding nothing of the shell's: not the pipes of a pipeline
		 * around (their readers must see their end) */
		for (int i = 0; i <= 2; i++)
			if (i != p[0])
				close(i);
		signal(SIGPIPE, SIG_DFL);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || util_write_all(fd, buf, len) != 0)
			_exit(1);
		if (!ended) {
			char tmp[65536];
			for (;;) {
				ssize_t n = read(p[0], tmp, sizeof(tmp));
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0 || util_write_all(fd, tmp, (size_t)n) != 0)
					break;
			}
		}
		_exit(0);
	}
	free(buf);
	if (p[0] >= 0)
		close(p[0]);
	if (relay < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		kill(pid, SIGPIPE);
		push(sh, NULL, NULL, pid, 0, -1, false);
		unlink(path);
		rmdir(dir);
		free(path);
		free(dir);
		return NULL;
	}
	push(sh, dir, path, pid, relay, -1, false);
	char *ret = strdup(path);
	if (!ret)
		abort();
	return ret;
}

char *procsub_open(struct shell *sh, struct node *cmd, bool write)
{
	return write ? open_write(sh, cmd) : open_read(sh, cmd);
}

static bool child_done(pid_t pid)
{
	int ws;
	pid_t r = waitpid(pid, &ws, WNOHANG);
	return r == pid || (r < 0 && errno == ECHILD);
}

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
}

/* Release a child that may wait on its FIFO and wait for it: the relay
 * of a <(...) sees its reader gone; the one that reads (>(...)) gets a
 * writer that closes at once, so it sees the end of its input. */
static void release(struct shell *sh, struct procsub *ps)
{
	if (!ps->write) {
		/* a reader for an instant, again and again: a relay still in
		 * open() gets it and goes on; one writing with nobody reading
		 * gets SIGPIPE, and so does the command writing to it, as under
		 * bash once the consumer is gone (`head -n 1 <(yes)`) */
		while (ps->relay && !child_done(ps->relay)) {
			int fd = open(ps->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			nap();
		}
		while (!child_done(ps->pid))
			nap();
		return;
	}
	for (;;) {
		int fd = open(ps->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);	/* the child reads on to the end */
			break;
		}
		if (errno != ENXIO || child_done(ps->pid))
			return;
		nap();	/* the child has not opened it yet */
	}
	jobs_wait_pid(sh, ps->pid);
}

static void drop(struct procsub *ps)
{
	if (ps->lock >= 0)
		close(ps->lock);
	free(ps->path);
	free(ps->dir);
	free(ps);
}

void procsub_finish(struct shell *sh, struct procsub *mark)
{
	while (sh->procsubs && sh->procsubs != mark) {
		struct procsub *ps = sh->procsubs;
		sh->procsubs = ps->next;
		release(sh, ps);
		if (ps->path)
			unlink(ps->path);
		if (ps->dir)
			rmdir(ps->dir);
		drop(ps);
	}
}

void procsub_forget(struct shell *sh)
{
	while (sh->procsubs) {
		struct procsub *ps = sh->procsubs;
		sh->procsubs = ps->next;
		drop(ps);
	}
}
static bool in_words(const struct word *w)
{
	for (; w; w = w->next)
		for (const struct wpart *p = w->parts; p; p = p->next)
			if (p->kind == WP_PROCSUB || (p->kind == WP_PARAM && (in_words(p->arg) || in_words(p->arg2))))
				return true;
	return false;
}

bool procsub_in_node(const struct node *n)
{
	if (in_words(n->args) || in_words(n->assigns))
		return true;
	for (const struct redir *r = n->redirs; r; r = r->next)
		if (in_words(r->target))
			return true;
	return false;
}
