/* trace.c - the tracer: answers seccomp user notifications for the path
 * system calls of the command and everything it starts, and records each
 * path once with the set of ways it was accessed.
 *
 * For each notification: read the path argument(s) from the process's
 * memory (process_vm_readv), make them absolute with /proc/PID/cwd or
 * /proc/PID/fd/N, answer CONTINUE (the kernel then performs the system
 * call itself; the answer succeeding proves the caller still waited, so
 * its pid was not reused while we read), then look the path up in the
 * sandbox's own root (openat2 RESOLVE_IN_ROOT on /proc/PID/root) to tell
 * present from absent and file from directory. A call that creates,
 * removes or truncates is looked up first, with the notification checked
 * by SECCOMP_IOCTL_NOTIF_ID_VALID, and answered after. A lookup already
 * made for the same call on the same path is reused (never for an exec)
 * until a call with write intent may have changed paths. A path whose
 * first access replaced it without looking (O_CREAT|O_TRUNC, creat, a
 * plain rename's target) is marked SANDBOX_ACCESS_OUTPUT. The tracer never
 * changes what the command sees.
 * It is cooperative bookkeeping, not a security boundary: memory can change
 * between our read and the kernel's (TOCTOU); see docs/sandbox.md.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define MAX_ACCESSES 1000000u
#define PAGE 4096u

struct entry {
	char *path;
	uint32_t hash;
	unsigned kinds;
	/* Lookups that need not be repeated: the set of call shapes (see
	 * account()) already looked up while the tracer's write generation
	 * was gen and no call that may change paths was in flight. */
	uint32_t gen;
	uint16_t shapes;
	/* In the same conditions: a lookup following symlinks (bit 0), not
	 * following them (bit 1) found something there that is not a FIFO
	 * (bind_host_fifo need not look) */
	uint8_t no_fifo;
	bool output; /* the first access replaced it blindly (ACCESS_OUTPUT) */
	bool fifo_bound; /* the host's FIFO is bound over it */
};

/* An overlay's lower directory, for binding the host's FIFOs. */
struct lower {
	char path[SANDBOX_MAX_PATH];
	size_t len;
	int fd;
};

struct sandbox_tracer {
	pthread_mutex_t lock; /* held while recording, and for good by finish */
	int fd;
	int root_fd; /* the sandbox's "/", opened from the first notification */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	struct entry *tab;
	size_t cap, n;
	unsigned flags;
	uint32_t gen; /* bumped by every traced call that may change a path */
	/* Threads answered for such a call and not heard from since: until a
	 * thread's next notification, its call may still be changing paths,
	 * and no lookup made meanwhile is reused. More than fit: for good. */
	pid_t in_flight[16];
	unsigned n_in_flight;
	bool in_flight_overflow;
	uint64_t n_notifications;
	unsigned attrs; /* SANDBOX_ATTR_* observed */
	/* The PATH candidates the command skipped (sandbox_tracer_skipped_execs),
	 * recorded at the first notification */
	char *skipped;
	size_t skipped_len;
	struct lower lowers[2];
	unsigned n_lowers;
	/* The terminal on the command's stdin when it is also the caller's
	 * controlling terminal (sandbox_tracer_watch_terminal), else 0; and
	 * whether an fd of /dev/tty was installed (open_dev_tty) */
	dev_t ctty;
	bool tty_installed;
	/* a call on an fd number of the range where nothing was open was
	 * answered: an install could come under it (tty_fd_use) */
	bool tty_range_raced;
};

/* ---- the access set: open addressing, keyed by path ---------------------- */

static uint32_t hash_path(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int tab_grow(struct sandbox_tracer *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct entry *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->tab[i].path)
			continue;
		size_t j = t->tab[i].hash & (cap - 1);

		while (tab[j].path)
			j = (j + 1) & (cap - 1);
		tab[j] = t->tab[i];
	}
	free(t->tab);
	t->tab = tab;
	t->cap = cap;
	return 0;
}

/* The entry of path, or NULL; with create, a new empty one if it is not
 * there yet (NULL and the trace marked lost if the table is full). */
static struct entry *slot(struct sandbox_tracer *t, const char *path,
			  bool create)
{
	uint32_t h = hash_path(path);
	size_t j;

	if (create && t->n * 10 >= t->cap * 7 && tab_grow(t) < 0) {
		t->flags |= SANDBOX_RESULT_TRACE_LOST;
		return NULL;
	}
	for (j = h & (t->cap - 1); t->tab[j].path; j = (j + 1) & (t->cap - 1)) {
		if (t->tab[j].hash == h && strcmp(t->tab[j].path, path) == 0)
			return &t->tab[j];
	}
	if (!create)
		return NULL;
	if (t->n >= MAX_ACCESSES || !(t->tab[j].path = strdup(path))) {
		t->tab[j].path = NULL;
		t->flags |= SANDBOX_RESULT_TRACE_LOST;
		return NULL;
	}
	t->tab[j].hash = h;
	t->tab[j].kinds = 0;
	t->tab[j].gen = t->gen;
	t->tab[j].shapes = 0;
	t->tab[j].no_fifo = 0;
	t->tab[j].output = false;
	t->tab[j].fifo_bound = false;
	t->n++;
	return &t->tab[j];
}

static struct entry *record(struct sandbox_tracer *t, const char *path,
			    unsigned kinds)
{
	struct entry *e = slot(t, path, true);

	if (e)
		e->kinds |= kinds;
	return e;
}

/* ---- reading the traced process ------------------------------------------- */

/* Read a NUL-terminated string at addr in pid, page by page (a string may
 * end just before an unmapped page). Returns its length or -errno. */
static ssize_t read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	if (addr == 0)
		return -EFAULT;
	while (got < size) {
		size_t chunk = PAGE - ((addr + got) % PAGE);
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (chunk > size - got)
			chunk = size - got;
		local.iov_base = buf + got;
		local.iov_len = chunk;
		remote.iov_base = (void *)(uintptr_t)(addr + got);
		remote.iov_len = chunk;
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return n < 0 ? -errno : -EFAULT;
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* The absolute path (inside the sandbox) of pid's cwd or of its fd. */
static int read_base(pid_t pid, int dirfd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, dirfd);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	/* "pipe:[...]", "anon_inode:..." or a deleted directory: no path. */
	if (buf[0] != '/')
		return -ENOTDIR;
	return 0;
}

/* base + "/" + rel, with empty and "." components dropped; ".." is kept so
 * that resolving the result again follows the same symlinks. */
static int join_path(const char *base, const char *rel, char *out, size_t size)
{
	size_t o = 0;
	const char *parts[2] = { rel[0] == '/' ? "" : base, rel };

	for (int k = 0; k < 2; k++) {
		const char *c = parts[k];

		while (*c) {
			size_t n;

			while (*c == '/')
				c++;
			n = strcspn(c, "/");
			if (n == 0)
				break;
			if (!(n == 1 && c[0] == '.')) {
				if (o + 1 + n >= size)
					return -ENAMETOOLONG;
				out[o++] = '/';
				memcpy(out + o, c, n);
				o += n;
			}
			c += n;
		}
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/* Look path up inside the sandbox's root. Returns 0 with *st filled (not
 * looked at when st is NULL: present is all the caller needs), or -errno
 * (-ENOENT: absent). */
static int lookup(struct sandbox_tracer *t, const char *path, bool follow,
		  struct stat *st)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, r = 0;

	fd = (int)syscall(SYS_openat2, t->root_fd, path[1] ? path + 1 : ".",
			  &how, sizeof(how));
	if (fd < 0)
		return -errno;
	if (st && fstat(fd, st) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Harmless character devices: null, zero, full, random, urandom. */
static bool dev_is_harmless(dev_t rdev)
{
	unsigned mi = minor(rdev);

	return major(rdev) == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 ||
				    mi == 9);
}

static bool dev_is_terminal(dev_t rdev)
{
	unsigned ma = major(rdev);

	return ma == 4 || ma == 5 || (ma >= 136 && ma <= 143);
}

/* ---- classifying system calls --------------------------------------------- */

enum klass {
	K_OPEN,    /* flags in flags_arg */
	K_OPENAT2, /* struct open_how at flags_arg */
	K_CREAT,
	K_EXEC,
	K_STAT,    /* follows symlinks */
	K_LSTAT,   /* does not */
	K_STATAT,  /* AT_SYMLINK_NOFOLLOW in flags_arg */
	K_WRITE,
	K_REPLACE, /* a rename's target: replaced whatever was there */
};

struct call {
	enum klass klass;
	signed char dirfd_arg, path_arg, flags_arg;
	/* a second path (rename, link): dirfd2_arg, path2_arg, always a
	 * write */
	signed char dirfd2_arg, path2_arg;
};

#define CALL(k, d, p, f) { k, d, p, f, -1, -1 }
#define CALL2(k, d, p, d2, p2) { k, d, p, -1, d2, p2 }

static bool classify(int nr, struct call *c)
{
	switch (nr) {
	case __NR_open: *c = (struct call)CALL(K_OPEN, -1, 0, 1); break;
	case __NR_openat: *c = (struct call)CALL(K_OPEN, 0, 1, 2); break;
	case __NR_openat2: *c = (struct call)CALL(K_OPENAT2, 0, 1, 2); break;
	case __NR_creat: *c = (struct call)CALL(K_CREAT, -1, 0, -1); break;
	case __NR_execve: *c = (struct call)CALL(K_EXEC, -1, 0, -1); break;
	case __NR_execveat: *c = (struct call)CALL(K_EXEC, 0, 1, -1); break;
	case __NR_stat:
	case __NR_access:
	case __NR_chdir:
	case __NR_statfs:
	case __NR_getxattr:
	case __NR_listxattr:
		*c = (struct call)CALL(K_STAT, -1, 0, -1); break;
	case __NR_lstat:
	case __NR_readlink:
	case __NR_lgetxattr:
	case __NR_llistxattr:
		*c = (struct call)CALL(K_LSTAT, -1, 0, -1); break;
	case __NR_newfstatat: *c = (struct call)CALL(K_STATAT, 0, 1, 3); break;
	case __NR_statx: *c = (struct call)CALL(K_STATAT, 0, 1, 2); break;
	case __NR_faccessat:
	case __NR_faccessat2:
		*c = (struct call)CALL(K_STAT, 0, 1, -1); break;
	case __NR_readlinkat: *c = (struct call)CALL(K_LSTAT, 0, 1, -1); break;
	case __NR_truncate:
	case __NR_unlink:
	case __NR_rmdir:
	case __NR_mkdir:
	case __NR_chmod:
	case __NR_chown:
	case __NR_lchown:
	case __NR_utime:
	case __NR_utimes:
	case __NR_mknod:
	case __NR_setxattr:
	case __NR_lsetxattr:
	case __NR_removexattr:
	case __NR_lremovexattr:
		*c = (struct call)CALL(K_WRITE, -1, 0, -1); break;
	case __NR_unlinkat:
	case __NR_mkdirat:
	case __NR_fchmodat:
	case __NR_fchownat:
	case __NR_futimesat:
	case __NR_utimensat:
	case __NR_mknodat:
		*c = (struct call)CALL(K_WRITE, 0, 1, -1); break;
	case __NR_rename: *c = (struct call)CALL2(K_WRITE, -1, 0, -1, 1); break;
	case __NR_renameat: *c = (struct call)CALL2(K_WRITE, 0, 1, 2, 3); break;
	/* flags (RENAME_NOREPLACE, RENAME_EXCHANGE) in argument 4 */
	case __NR_renameat2:
		*c = (struct call){ K_WRITE, 0, 1, 4, 2, 3 }; break;
	case __NR_link: *c = (struct call)CALL2(K_LSTAT, -1, 0, -1, 1); break;
	case __NR_linkat: *c = (struct call)CALL2(K_LSTAT, 0, 1, 2, 3); break;
	/* symlink(target, linkpath): the target is text, not a lookup */
	case __NR_symlink: *c = (struct call)CALL(K_WRITE, -1, 1, -1); break;
	case __NR_symlinkat: *c = (struct call)CALL(K_WRITE, 1, 2, -1); break;
	default:
		return false;
	}
	return true;
}

/* The SANDBOX_ATTR_* bit a call observes, or 0 for a path call. Any pid
 * argument names one of the run's own processes (its own pid namespace):
 * each started with the caller's limits, nice value and CPU set, or with
 * values the run gave it itself, so a look at another of them is a look
 * at the same attribute. A resource number out of range makes the call
 * fail: nothing was seen. RLIMIT_STACK is the caller's to key on. */
static unsigned process_attr(const struct seccomp_data *d)
{
	uint64_t res;

	switch (d->nr) {
	case __NR_getrlimit:
	case __NR_setrlimit:
		res = d->args[0];
		break;
	case __NR_prlimit64:
		res = d->args[1];
		break;
	case __NR_getpriority:
		return SANDBOX_ATTR_NICE;
	case __NR_setpriority: /* its success tells them */
		return SANDBOX_ATTR_NICE | SANDBOX_ATTR_RLIMIT(RLIMIT_NICE);
	case __NR_sched_getaffinity:
		return SANDBOX_ATTR_AFFINITY;
	case __NR_sched_getattr: /* the nice value is one of its fields */
		return SANDBOX_ATTR_SCHED | SANDBOX_ATTR_NICE;
	case __NR_sched_getscheduler:
	case __NR_sched_getparam:
		return SANDBOX_ATTR_SCHED;
	case __NR_ioprio_get:
		return SANDBOX_ATTR_IOPRIO;
	case __NR_ioctl: /* the filter sends TIOCGWINSZ only (and a range
			  * tty_fd_use took before) */
		return (d->args[1] & 0xffffffffu) == TIOCGWINSZ ? SANDBOX_ATTR_WINSIZE : 0;
	default:
		return 0;
	}
	/* the kernel reads the resource as an unsigned int */
	res &= 0xffffffffu;
	return res < SANDBOX_ATTR_N_RLIMITS && res != RLIMIT_STACK ? SANDBOX_ATTR_RLIMIT(res) : 0;
}

static size_t digits(const char *c)
{
	size_t n = 0;

	while (c[n] >= '0' && c[n] <= '9')
		n++;
	return n;
}

/* A path through one of /proc's magic links to a directory or file:
 * /proc/{self,thread-self,PID}[/task/TID]/{cwd,root,fd/N}[/rest]. The
 * kernel follows the link to what the process has open; recorded as is,
 * the path would say nothing about what was read (`cat
 * /proc/self/cwd/in.txt` reads in.txt). It is rewritten in place to the
 * link's target plus the rest, the link read in the tracer's /proc (the
 * sandbox's, with the same pids; "self" is the calling thread). A link
 * without a path target (a pipe, a socket) leaves the path unchanged. */
static void resolve_proc_link(pid_t tid, char *path, size_t size)
{
	char link[96], target[SANDBOX_MAX_PATH], out[SANDBOX_MAX_PATH];
	const char *c = path + 6;
	long pid = tid;
	size_t n, linklen;
	ssize_t len;

	if (strncmp(path, "/proc/", 6) != 0)
		return;
	n = strcspn(c, "/");
	if (!(n == 4 && strncmp(c, "self", 4) == 0) &&
	    !(n == 11 && strncmp(c, "thread-self", 11) == 0)) {
		if (n == 0 || n > 9 || digits(c) != n)
			return;
		pid = strtol(c, NULL, 10);
	}
	c += n;
	if (*c++ != '/')
		return;
	if (strncmp(c, "task/", 5) == 0) {
		n = digits(c + 5);
		if (n == 0 || n > 9 || c[5 + n] != '/')
			return;
		pid = strtol(c + 5, NULL, 10);
		c += 5 + n + 1;
	}
	n = strcspn(c, "/");
	if ((n == 3 && strncmp(c, "cwd", 3) == 0) ||
	    (n == 4 && strncmp(c, "root", 4) == 0)) {
		linklen = n;
	} else if (n == 2 && strncmp(c, "fd/", 3) == 0) {
		size_t m = digits(c + 3);

		if (m == 0 || m > 9 || (c[3 + m] != '/' && c[3 + m] != '\0'))
			return;
		linklen = 3 + m;
	} else {
		return;
	}
	snprintf(link, sizeof(link), "/proc/%ld/%.*s", pid, (int)linklen, c);
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0 || (size_t)len >= sizeof(target) - 1)
		return;
	target[len] = '\0';
	if (target[0] != '/')
		return;
	c += linklen;
	while (*c == '/')
		c++;
	if (join_path(target, c, out, sizeof(out)) < 0 || strlen(out) >= size)
		return;
	memcpy(path, out, strlen(out) + 1);
}

/* Resolve one path argument of the notification into out. */
static int resolve_arg(struct sandbox_tracer *t, int dirfd_arg, int path_arg,
		       char *out, size_t size)
{
	const struct seccomp_data *d = &t->req->data;
	char rel[SANDBOX_MAX_PATH], base[SANDBOX_MAX_PATH];
	ssize_t n = read_string((pid_t)t->req->pid, d->args[path_arg], rel,
				sizeof(rel));
	int dirfd = dirfd_arg < 0 ? AT_FDCWD : (int)d->args[dirfd_arg];

	if (n < 0)
		return (int)n;
	if (rel[0] != '/') {
		int r = read_base((pid_t)t->req->pid, dirfd, base, sizeof(base));

		if (r < 0)
			return r;
	} else {
		base[0] = '\0';
	}
	n = join_path(base, rel, out, size);
	if (n == 0)
		resolve_proc_link((pid_t)t->req->pid, out, size);
	return (int)n;
}

static void note_file_type(struct sandbox_tracer *t, const struct stat *st)
{
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (S_ISCHR(st->st_mode) && dev_is_terminal(st->st_rdev))
			t->flags |= SANDBOX_RESULT_TERMINAL;
		else if (!S_ISCHR(st->st_mode) || !dev_is_harmless(st->st_rdev))
			t->flags |= SANDBOX_RESULT_DEVICE;
	} else if (S_ISFIFO(st->st_mode)) {
		t->flags |= SANDBOX_RESULT_FIFO;
	} else if (S_ISSOCK(st->st_mode)) {
		t->flags |= SANDBOX_RESULT_SOCKET;
	}
}

static bool is_proc(const char *p)
{
	return strncmp(p, "/proc", 5) == 0 && (p[5] == '/' || p[5] == '\0');
}

/* The kernel itself opens the interpreter named on a script's "#!" line;
 * no system call of the command shows it, so it is read here and recorded
 * as executed. (The ELF interpreter, ld.so, is likewise opened by the
 * kernel and is not recorded: see docs/sandbox.md.) */
static void record_interpreter(struct sandbox_tracer *t, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char buf[256], interp[256];
	ssize_t n;
	size_t i = 2, len;
	int fd;

	fd = (int)syscall(SYS_openat2, t->root_fd, path[1] ? path + 1 : ".",
			  &how, sizeof(how));
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 4 || buf[0] != '#' || buf[1] != '!')
		return;
	buf[n] = '\0';
	while (buf[i] == ' ' || buf[i] == '\t')
		i++;
	len = strcspn(buf + i, " \t\n");
	if (len == 0 || buf[i] != '/' || len >= sizeof(interp))
		return;
	memcpy(interp, buf + i, len);
	interp[len] = '\0';
	if (join_path("", interp, buf, sizeof(buf)) < 0)
		return;
	record(t, buf, SANDBOX_ACCESS_EXEC |
		       (lookup(t, buf, true, NULL) < 0 ? SANDBOX_ACCESS_ABSENT : 0));
}

/* A lookup already made for this notification (bind_host_fifo's, before
 * the answer), which account uses instead of its own. */
struct prior_lookup {
	bool done, follow;
	int r;
	struct stat st;
};

/* Decide the access kinds of the first path and record it. */
static void account(struct sandbox_tracer *t, const struct call *c,
		    const char *path, uint64_t open_flags, bool have_flags,
		    const struct prior_lookup *prior)
{
	struct stat st;
	struct entry *e;
	bool follow = true, write = false, is_open = false, trunc = false, reuse;
	bool blind = false; /* replaces the path whatever was there */
	bool only_present;
	unsigned kinds = 0, shape;
	int r;

	switch (c->klass) {
	case K_OPEN:
	case K_OPENAT2:
		is_open = true;
		if (!have_flags)
			break;
		if (open_flags & O_PATH) {
			is_open = false;
			kinds = SANDBOX_ACCESS_STAT;
		}
		write = (open_flags & O_ACCMODE) != O_RDONLY ||
			(open_flags & (O_CREAT | O_TRUNC));
		trunc = open_flags & O_TRUNC;
		follow = !(open_flags & O_NOFOLLOW);
		/* O_EXCL fails when the path exists, O_CREAT alone keeps the
		 * old content and O_TRUNC alone fails when it is absent: those
		 * depend on what was there. Both without O_EXCL do not. */
		blind = is_open && (open_flags & O_ACCMODE) != O_RDONLY &&
			(open_flags & (O_CREAT | O_TRUNC | O_EXCL)) ==
				(O_CREAT | O_TRUNC);
		break;
	case K_CREAT:
		is_open = write = trunc = blind = true;
		break;
	case K_EXEC:
		kinds = SANDBOX_ACCESS_EXEC;
		break;
	case K_STAT:
		kinds = SANDBOX_ACCESS_STAT;
		break;
	case K_LSTAT:
		kinds = SANDBOX_ACCESS_STAT;
		follow = false;
		break;
	case K_STATAT:
		kinds = SANDBOX_ACCESS_STAT;
		follow = !(have_flags && (open_flags & AT_SYMLINK_NOFOLLOW));
		break;
	case K_REPLACE:
		blind = true;
		/* fall through */
	case K_WRITE:
		write = true;
		follow = false;
		break;
	}
	if (write)
		kinds |= SANDBOX_ACCESS_WRITE;
	/* /proc is per process: the tracer's view of it is not the
	 * command's, so it is recorded without a lookup. */
	if (is_proc(path)) {
		record(t, path, kinds | (is_open && !write ? SANDBOX_ACCESS_READ : 0));
		return;
	}
	/* The same call on the same path, with no traced call that may have
	 * changed a path since (or may still be changing one), finds what the
	 * last lookup found and adds nothing to the record (ld.so and
	 * interpreters probe the same paths over and over). An exec is always
	 * looked at again: what it records depends on the file's first line,
	 * which a write through an open fd changes untraced. */
	shape = (is_open ? 1u : 0u) | (follow ? 2u : 0u) |
		(kinds == SANDBOX_ACCESS_STAT ? 4u : 0u);
	reuse = !write && c->klass != K_EXEC && t->n_in_flight == 0 &&
		!t->in_flight_overflow;
	if (reuse) {
		e = slot(t, path, false);
		if (e && e->gen == t->gen && (e->shapes & (1u << shape)))
			return;
	}
	/* A stat that does not write records STAT whatever the type: the
	 * lookup need only tell present from absent (no fstat: 14 of the 37
	 * a `python3 -c pass` cost the tracer). */
	only_present = !is_open && !write && c->klass != K_EXEC;
	if (prior && prior->done && prior->follow == follow) {
		r = prior->r;
		st = prior->st;
		only_present = false;
	} else {
		r = lookup(t, path, follow, only_present ? NULL : &st);
	}
	if (r == -ENOENT || r == -ENOTDIR) {
		kinds |= SANDBOX_ACCESS_ABSENT;
	} else if (r < 0) {
		/* e.g. EACCES on a parent: the command will fail the same
		 * way; record that it looked. */
		kinds |= SANDBOX_ACCESS_STAT;
	} else {
		if (c->klass == K_EXEC && S_ISREG(st.st_mode))
			record_interpreter(t, path);
		if (is_open) {
			note_file_type(t, &st);
			if (S_ISDIR(st.st_mode))
				kinds |= SANDBOX_ACCESS_LIST;
			else if (!trunc)
				kinds |= SANDBOX_ACCESS_READ;
			else
				kinds |= SANDBOX_ACCESS_STAT;
		} else if (write) {
			/* a rename or link source, a chmod, a truncate: the
			 * result holds the old content */
			kinds |= S_ISREG(st.st_mode) ? SANDBOX_ACCESS_READ
						     : SANDBOX_ACCESS_STAT;
		}
	}
	/* Only a first access can say the run never looked at what was
	 * there before: after any other, it may have. */
	if (blind && !slot(t, path, false)) {
		e = record(t, path, kinds);
		if (e)
			e->output = true;
		return;
	}
	e = record(t, path, kinds);
	if (reuse && e) {
		if (e->gen != t->gen) {
			e->gen = t->gen;
			e->shapes = 0;
			e->no_fifo = 0;
		}
		e->shapes |= (uint16_t)(1u << shape);
		/* (Not when absent: a FIFO the host makes meanwhile is
		 * still bound when the command opens it.) */
		if (r == 0 && !only_present && !S_ISFIFO(st.st_mode))
			e->no_fifo |= follow ? 1u : 2u;
	}
}

static bool lost_error(int r)
{
	return r < 0 && r != -EFAULT && r != -ENAMETOOLONG && r != -ENOTDIR &&
	       r != -ENOENT && r != -EBADF;
}

/* Let the call proceed. Fails (-ENOENT) when the caller no longer waits
 * in it: it died, or a signal interrupted it and the call will be made,
 * and notified, again. */
static int respond(struct sandbox_tracer *t)
{
	memset(t->resp, 0, t->resp_size);
	t->resp->id = t->req->id;
	t->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	while (ioctl(t->fd, SECCOMP_IOCTL_NOTIF_SEND, t->resp) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* ---- /dev/tty, opened by the tracer ---------------------------------------- */

/* The controlling terminal in a /proc/.../stat file (field 7, tty_nr, as
 * the kernel's new_encode_dev), 0 for none, or (dev_t)-1 when it cannot
 * be told. */
static dev_t controlling_terminal(const char *stat_path)
{
	char buf[512];
	const char *p;
	unsigned long nr;
	ssize_t n;
	int fd = open(stat_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return (dev_t)-1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (dev_t)-1;
	buf[n] = '\0';
	/* after the command name, which may hold anything but ends at the
	 * last ')': state, ppid, pgrp, session, tty_nr */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %lu", &nr) != 1)
		return (dev_t)-1;
	if (nr == 0)
		return 0;
	return makedev((nr >> 8) & 0xfff, (nr & 0xff) | ((nr >> 12) & 0xfff00));
}

enum fd_state { FD_ABSENT, FD_OTHER, FD_TERMINAL };

/* What fd of tid is: not open, a terminal, or something else; a terminal
 * when it cannot be told. */
static enum fd_state fd_state(pid_t tid, uint64_t fd)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%u", (int)tid, (unsigned)fd);
	if (stat(path, &st) < 0)
		return errno == ENOENT ? FD_ABSENT : FD_TERMINAL;
	return S_ISCHR(st.st_mode) && dev_is_terminal(st.st_rdev) ? FD_TERMINAL : FD_OTHER;
}

static bool in_tty_range(uint64_t fd)
{
	return ((uint32_t)fd & SANDBOX_TTY_FD_MASK) == SANDBOX_TTY_FD_BASE;
}

/* The fd arguments of a call the tty_in filter sends for them (filter.c,
 * tty_fd_uses): bit i for argument i; 0 for other calls. dup2 and dup3
 * are notified for their target too, which only closes what was there:
 * the source is the use. */
static unsigned tty_fd_args(int nr)
{
	switch (nr) {
	case __NR_read: case __NR_readv: case __NR_pread64: case __NR_preadv:
	case __NR_preadv2: case __NR_write: case __NR_writev: case __NR_pwrite64:
	case __NR_pwritev: case __NR_pwritev2: case __NR_ioctl: case __NR_fcntl:
	case __NR_dup: case __NR_dup2: case __NR_dup3: case __NR_vmsplice:
	case __NR_fstat: case __NR_newfstatat: case __NR_statx: case __NR_fchmod:
	case __NR_fchown: case __NR_fgetxattr: case __NR_flistxattr:
	case __NR_fsetxattr: case __NR_fremovexattr:
		return 1;
	case __NR_mmap:
		return 1u << 4;
	case __NR_sendfile: case __NR_tee:
		return 3;
	case __NR_splice: case __NR_copy_file_range:
		return 5;
	case __NR_pidfd_getfd:
		return 2;
	default:
		return 0;
	}
}

/* A call the tty_in filter sends because it may use the /dev/tty the
 * tracer installed (filter.c, tty_fd_uses): when its fd is a terminal, the
 * run used it. Answered here (true), or false for the other handlers.
 * A call on a number where nothing is open fails (EBADF) unless an fd
 * comes there before the kernel gets to it, which the tracer's own install
 * could be: after one, open_dev_tty no longer installs. TIOCSTI and
 * TIOCLINUX are refused as the filter refuses them (by its rules'
 * precedence already; this does not rely on it). */
static bool tty_fd_use(struct sandbox_tracer *t, const struct seccomp_data *d)
{
	pid_t tid = (pid_t)t->req->pid;
	unsigned args = tty_fd_args(d->nr);
	bool any = false;

	/* the other notifications (path calls: newfstatat, statx) pay a
	 * look at their arguments */
	for (unsigned a = 0; a < 6; a++)
		if ((args & (1u << a)) && in_tty_range(d->args[a]))
			any = true;
	if (!any && d->nr != __NR_sendmsg && d->nr != __NR_sendmmsg)
		return false;
	pthread_mutex_lock(&t->lock);
	if (d->nr == __NR_sendmsg || d->nr == __NR_sendmmsg) {
		/* SCM_RIGHTS may carry any fd: holding the terminal there is
		 * enough */
		any = true;
		for (unsigned i = 0; t->tty_installed && i < SANDBOX_TTY_FD_COUNT; i++)
			if (fd_state(tid, SANDBOX_TTY_FD_BASE + i) == FD_TERMINAL)
				t->flags |= SANDBOX_RESULT_TERMINAL;
	}
	for (unsigned a = 0; a < 6; a++) {
		if (!(args & (1u << a)) || !in_tty_range(d->args[a]))
			continue;
		any = true;
		/* dup2 and dup3 over the fd close it; the source is the use.
		 * Onto a free number: an install could meet it there. */
		if (a == 1 && (d->nr == __NR_dup2 || d->nr == __NR_dup3)) {
			if (fd_state(tid, d->args[a]) == FD_ABSENT)
				t->tty_range_raced = true;
			continue;
		}
		/* another process's fd, by number */
		if (d->nr == __NR_pidfd_getfd) {
			if (t->tty_installed)
				t->flags |= SANDBOX_RESULT_TERMINAL;
			continue;
		}
		switch (fd_state(tid, d->args[a])) {
		case FD_ABSENT:
			t->tty_range_raced = true;
			break;
		case FD_TERMINAL:
			t->flags |= SANDBOX_RESULT_TERMINAL;
			break;
		case FD_OTHER:
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	/* a path call too (a lookup from a directory fd there): the
	 * ordinary handler records it and answers */
	if (!any || d->nr == __NR_newfstatat || d->nr == __NR_statx)
		return false;
	if (d->nr == __NR_ioctl &&
	    ((uint32_t)d->args[1] == TIOCSTI || (uint32_t)d->args[1] == TIOCLINUX)) {
		memset(t->resp, 0, t->resp_size);
		t->resp->id = t->req->id;
		t->resp->error = -EPERM;
		(void)ioctl(t->fd, SECCOMP_IOCTL_NOTIF_SEND, t->resp);
		return true;
	}
	(void)respond(t);
	return true;
}

/* Reads of fd 0 are sent here when the sandbox's stdin is a terminal
 * (filter.c), and so are the other ways to read it: a copy at another
 * number, a transfer out of it, Linux AIO (notify_fd0_copies). The filter
 * only sees the fd number: a process that reads a pipe or file on its fd 0
 * (`a | b`, `< file`) has not used the terminal. Look at what fd 0 is
 * while the caller waits; if it cannot be told, count it as the terminal.
 * io_submit's fds are in its iocbs: it counts when fd 0 or an fd the
 * tracer installed is a terminal. true: such a call (not answered). */
static bool fd0_use(struct sandbox_tracer *t, const struct seccomp_data *d)
{
	pid_t tid = (pid_t)t->req->pid;
	bool aio = false;

	switch (d->nr) {
	case __NR_read: case __NR_readv: case __NR_pread64: case __NR_preadv:
	case __NR_preadv2: case __NR_dup: case __NR_dup2: case __NR_dup3:
	case __NR_splice: case __NR_tee: case __NR_copy_file_range:
		if ((uint32_t)d->args[0] != 0)
			return false;
		break;
	case __NR_fcntl:
		if ((uint32_t)d->args[0] != 0 || ((uint32_t)d->args[1] != F_DUPFD &&
						  (uint32_t)d->args[1] != F_DUPFD_CLOEXEC))
			return false;
		/* python's os.dup(0) asks for 0 and up; the shells save fd 0
		 * at 10 and up around every redirection of a builtin (`read x
		 * <file`, the pyenv shims), then put it back: those are not
		 * counted (a documented gap, docs/sandbox.md) */
		if ((int)(uint32_t)d->args[2] >= 10)
			return true;
		break;
	case __NR_sendfile:
		if ((uint32_t)d->args[1] != 0)
			return false;
		break;
	case __NR_io_submit:
		aio = true;
		break;
	default:
		return false;
	}
	pthread_mutex_lock(&t->lock);
	if (!(t->flags & SANDBOX_RESULT_TERMINAL) && fd_state(tid, 0) != FD_OTHER)
		t->flags |= SANDBOX_RESULT_TERMINAL;
	for (unsigned i = 0; aio && t->tty_installed && i < SANDBOX_TTY_FD_COUNT; i++)
		if (fd_state(tid, SANDBOX_TTY_FD_BASE + i) == FD_TERMINAL)
			t->flags |= SANDBOX_RESULT_TERMINAL;
	pthread_mutex_unlock(&t->lock);
	return true;
}

/* Open /dev/tty for the command as its open of "/dev/tty" (c, flags)
 * would, and put the fd at a free number among SANDBOX_TTY_FD_BASE's,
 * where the filter sends every call that could use it (tty_fd_use): a
 * command that opens it and only closes it again has not used the
 * terminal, and is recordable. Only when the caller's controlling
 * terminal is the one on its stdin, as it is pid 1's (the caller's key
 * says so; /dev/tty opens the opener's controlling terminal, and pid 1
 * opens it here), and only for the plain flags an open of a terminal
 * takes. true: answered (the fd installed and returned, or the caller
 * gone); false: the call goes on the ordinary way (an open of a terminal
 * device: the run used the terminal). Called with the lock not held. */
static bool open_dev_tty(struct sandbox_tracer *t, const struct call *c, uint64_t flags)
{
	const uint64_t plain = O_ACCMODE | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_LARGEFILE;
	pid_t tid = (pid_t)t->req->pid;
	char raw[16], path[64];
	struct open_how how = { .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	struct seccomp_notif_addfd addfd = { .id = t->req->id };
	struct stat st;
	int fd, n = -1, r;

	if ((flags & ~plain) || (flags & O_ACCMODE) == O_ACCMODE)
		return false;
	/* the name itself, not a /proc/self/fd/N or a relative path that
	 * resolved to it */
	if (read_string(tid, t->req->data.args[(int)c->path_arg], raw, sizeof(raw)) < 0 ||
	    strcmp(raw, "/dev/tty") != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	if (controlling_terminal(path) != t->ctty ||
	    controlling_terminal("/proc/self/stat") != t->ctty)
		return false;
	for (unsigned i = 0; i < SANDBOX_TTY_FD_COUNT && n < 0; i++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%u", (int)tid, SANDBOX_TTY_FD_BASE + i);
		if (lstat(path, &st) < 0 && errno == ENOENT)
			n = (int)(SANDBOX_TTY_FD_BASE + i);
	}
	if (n < 0)
		return false;
	/* O_NONBLOCK: a serial line's open may wait for its carrier, which
	 * the tracer must not; taken off again unless asked for */
	how.flags = (flags & ~(uint64_t)O_CLOEXEC) | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
	fd = (int)syscall(SYS_openat2, t->root_fd, "dev/tty", &how, sizeof(how));
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 0) ||
	    (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, 0) < 0)) {
		close(fd);
		return false;
	}
	addfd.flags = SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND;
	addfd.srcfd = (uint32_t)fd;
	addfd.newfd = (uint32_t)n;
	addfd.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	/* the lock first: once answered, the run may end before the record */
	pthread_mutex_lock(&t->lock);
	if (t->tty_range_raced) {
		pthread_mutex_unlock(&t->lock);
		close(fd);
		return false;
	}
	r = ioctl(t->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	if (r < 0 && errno != ENOENT) {
		/* past the caller's RLIMIT_NOFILE (EBADF, EMFILE), or a kernel
		 * without it: the call is still waiting */
		pthread_mutex_unlock(&t->lock);
		close(fd);
		return false;
	}
	close(fd);
	if (r >= 0) {
		t->tty_installed = true;
		record(t, "/dev/tty", SANDBOX_ACCESS_READ);
	}
	pthread_mutex_unlock(&t->lock);
	return true;
}

void sandbox_tracer_watch_terminal(struct sandbox_tracer *t, dev_t ctty)
{
	t->ctty = ctty;
}

/* A thread making a notification has finished its previous system call. */
static void call_done(struct sandbox_tracer *t, pid_t tid)
{
	for (unsigned i = 0; i < t->n_in_flight; i++) {
		if (t->in_flight[i] == tid) {
			t->in_flight[i] = t->in_flight[--t->n_in_flight];
			return;
		}
	}
}

/* tid is about to be answered for a call that may change paths: every
 * lookup made so far may be stale, and so may any made until tid is heard
 * from again. */
static void call_changes_paths(struct sandbox_tracer *t, pid_t tid)
{
	t->gen++;
	if (t->n_in_flight < sizeof(t->in_flight) / sizeof(t->in_flight[0]))
		t->in_flight[t->n_in_flight++] = tid;
	else
		t->in_flight_overflow = true;
}

/* ---- named pipes ------------------------------------------------------------ */

/* The overlays (workspace, /tmp) show a host FIFO as an inode of their own,
 * with a pipe of its own: a command opening it would never meet the writer
 * or reader outside. Before an open of path goes on, if path is a FIFO
 * under an overlay whose lower directory we hold, and the overlay shows
 * the lower FIFO itself (same inode number: not one the command made), the
 * host's FIFO is bound over it (open_tree + move_mount, in the sandbox's
 * own mount namespace). Only once per path. Nothing new is reachable: the
 * command could open that FIFO by name without the overlay. Best effort:
 * on any failure the open goes on as before. */
static void bind_host_fifo(struct sandbox_tracer *t, const char *path, bool follow,
			   struct prior_lookup *prior)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct open_how in_root = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	const struct lower *lo = NULL;
	struct stat sst, hst;
	struct entry *e;
	int host = -1, target = -1, tree = -1;

	for (unsigned i = 0; i < t->n_lowers; i++) {
		const struct lower *l = &t->lowers[i];

		if (strncmp(path, l->path, l->len) == 0 && path[l->len] == '/' &&
		    (!lo || l->len > lo->len))
			lo = l;
	}
	if (!lo || t->root_fd < 0)
		return;
	e = slot(t, path, false);
	if (e && e->fifo_bound)
		return;
	/* Known to be something else than a FIFO: looked up (account) with
	 * no call that may change paths answered since nor still running. */
	if (e && e->gen == t->gen && t->n_in_flight == 0 && !t->in_flight_overflow &&
	    (e->no_fifo & (follow ? 1u : 2u)))
		return;
	/* account uses this lookup rather than make its own: before the
	 * answer, or, for a call that creates or truncates, at the moment
	 * its own would have been made. Not once the FIFO is bound (it then
	 * looks at the host's). */
	prior->r = lookup(t, path, follow, &sst);
	prior->st = sst;
	prior->follow = follow;
	prior->done = true;
	if (prior->r < 0 || !S_ISFIFO(sst.st_mode))
		return;
	prior->done = false;
	host = (int)syscall(SYS_openat2, lo->fd, path + lo->len + 1, &how, sizeof(how));
	if (host < 0 || fstat(host, &hst) < 0 || !S_ISFIFO(hst.st_mode) ||
	    hst.st_ino != sst.st_ino)
		goto out;
	target = (int)syscall(SYS_openat2, t->root_fd, path + 1, &in_root, sizeof(in_root));
	if (target < 0)
		goto out;
	tree = (int)syscall(SYS_open_tree, host, "",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		goto out;
	if (syscall(SYS_move_mount, tree, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0) {
		e = slot(t, path, true);
		if (e)
			e->fifo_bound = true;
	}
out:
	if (tree >= 0)
		close(tree);
	if (target >= 0)
		close(target);
	if (host >= 0)
		close(host);
}

int sandbox_tracer_add_lower(struct sandbox_tracer *t, const char *path, int lower_fd)
{
	size_t n = strlen(path);
	struct lower *l;

	if (t->n_lowers >= sizeof(t->lowers) / sizeof(t->lowers[0]))
		return -ENOSPC;
	if (n >= sizeof(l->path) || path[0] != '/')
		return -EINVAL;
	l = &t->lowers[t->n_lowers++];
	memcpy(l->path, path, n + 1);
	/* "/" would be a prefix of everything, but never has an overlay */
	while (n > 1 && l->path[n - 1] == '/')
		l->path[--n] = '\0';
	l->len = n;
	l->fd = lower_fd;
	return 0;
}

int sandbox_tracer_skipped_execs(struct sandbox_tracer *t, const char *paths, size_t len)
{
	char *copy;

	if (len == 0)
		return 0;
	copy = realloc(t->skipped, t->skipped_len + len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy + t->skipped_len, paths, len);
	t->skipped = copy;
	t->skipped_len += len;
	return 0;
}

/* Account each skipped candidate as the notification of its execve would
 * have been (resolve_arg for an absolute path, then account), in the order
 * the command would have tried them, before anything it did after. */
static void record_skipped_execs(struct sandbox_tracer *t)
{
	static const struct call exec_call = CALL(K_EXEC, -1, 0, -1);
	char out[SANDBOX_MAX_PATH];

	for (size_t i = 0; i < t->skipped_len;) {
		const char *p = t->skipped + i;
		size_t n = strnlen(p, t->skipped_len - i);

		if (n == t->skipped_len - i)
			break; /* not NUL-ended: not from probe_path */
		i += n + 1;
		if (n >= SANDBOX_MAX_PATH || p[0] != '/' ||
		    join_path("", p, out, sizeof(out)) < 0) {
			t->flags |= SANDBOX_RESULT_TRACE_LOST;
			continue;
		}
		resolve_proc_link((pid_t)t->req->pid, out, sizeof(out));
		/* The command found it absent a moment ago, untraced: if it is
		 * there now, the host made it meanwhile, and the record would
		 * hold a present candidate the command never ran. */
		struct prior_lookup prior = { .done = true, .follow = true };
		prior.r = lookup(t, out, true, &prior.st);
		if (prior.r != -ENOENT && prior.r != -ENOTDIR) {
			t->flags |= SANDBOX_RESULT_TRACE_LOST;
			continue;
		}
		account(t, &exec_call, out, 0, false, &prior);
	}
	free(t->skipped);
	t->skipped = NULL;
	t->skipped_len = 0;
}

int sandbox_tracer_handle(struct sandbox_tracer *t)
{
	char p1[SANDBOX_MAX_PATH], p2[SANDBOX_MAX_PATH];
	const struct seccomp_data *d;
	struct prior_lookup prior = { .done = false };
	uint64_t flags = 0;
	bool have_flags = false, ok1, ok2, early;
	int r1, r2 = 0;
	struct call c;

	memset(t->req, 0, t->req_size);
	if (ioctl(t->fd, SECCOMP_IOCTL_NOTIF_RECV, t->req) < 0) {
		if (errno == EINTR)
			return 0;
		if (errno != ENOENT)
			return -errno;
		/* ENOENT: a notification withdrawn (its caller took a signal;
		 * the call comes again), or no process is left under the
		 * filter: then the listener polls as hung up, and receiving
		 * again would only spin. */
		struct pollfd pf = { .fd = t->fd, .events = POLLIN };
		return poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP) ? 1 : 0;
	}
	pthread_mutex_lock(&t->lock);
	t->n_notifications++;
	call_done(t, (pid_t)t->req->pid);
	pthread_mutex_unlock(&t->lock);
	d = &t->req->data;
	/* before tty_fd_use: dup2(0, 1010) is both */
	bool from0 = fd0_use(t, d);

	if (tty_fd_use(t, d))
		return 0;
	if (from0) {
		(void)respond(t);
		return 0;
	}
	/* A look at a process attribute (filter.c): nothing to read or look
	 * up, the call goes on as it is; the caller knows the value it gave
	 * the command. */
	unsigned attr = process_attr(d);
	if (attr == SANDBOX_ATTR_WINSIZE) {
		/* only a terminal has a size to tell (Python asks its stdout
		 * whatever it is: a pipe's ENOTTY depends on nothing) */
		char fdp[64];
		struct stat st;

		snprintf(fdp, sizeof(fdp), "/proc/%d/fd/%d", (int)t->req->pid,
			 (int)(d->args[0] & 0xffffffffu));
		if (stat(fdp, &st) == 0 && !(S_ISCHR(st.st_mode) && dev_is_terminal(st.st_rdev)))
			attr = 0;
		if (!attr) {
			(void)respond(t);
			return 0;
		}
	}
	if (attr) {
		pthread_mutex_lock(&t->lock);
		t->attrs |= attr;
		pthread_mutex_unlock(&t->lock);
		(void)respond(t);
		return 0;
	}
	if (!classify(d->nr, &c)) {
		respond(t);
		return 0;
	}
	r1 = resolve_arg(t, c.dirfd_arg, c.path_arg, p1, sizeof(p1));
	if (c.path2_arg >= 0)
		r2 = resolve_arg(t, c.dirfd2_arg, c.path2_arg, p2, sizeof(p2));
	ok1 = r1 == 0;
	ok2 = c.path2_arg >= 0 && r2 == 0;
	if (c.klass == K_OPEN || c.klass == K_STATAT || c.klass == K_WRITE) {
		if (c.flags_arg >= 0) {
			flags = d->args[(int)c.flags_arg];
			have_flags = true;
		}
	} else if (c.klass == K_OPENAT2) {
		struct iovec local = { &flags, sizeof(flags) };
		struct iovec remote = { (void *)(uintptr_t)d->args[2],
					sizeof(flags) };

		have_flags = process_vm_readv((pid_t)t->req->pid, &local, 1,
					      &remote, 1, 0) == sizeof(flags);
	}
	if (t->root_fd < 0 && (ok1 || ok2)) {
		char root[64];

		snprintf(root, sizeof(root), "/proc/%d/root", (int)t->req->pid);
		t->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (ok1 && c.klass == K_OPEN && have_flags && t->ctty && t->root_fd >= 0 &&
	    strcmp(p1, "/dev/tty") == 0 && open_dev_tty(t, &c, flags))
		return 0;
	/* Everything read above is only trusted if the process that made
	 * the call still existed and still waited in it after the reads (its
	 * pid could otherwise name another process by now). A lookup that
	 * cannot change what exists may run while the kernel performs the
	 * call: answer first, and a successful answer is that proof. Calls
	 * that create, remove or truncate are looked up before they happen,
	 * so for them the notification id is checked on its own. */
	early = c.klass != K_WRITE && c.klass != K_CREAT && c.path2_arg < 0 &&
		!(have_flags && (c.klass == K_OPEN || c.klass == K_OPENAT2) &&
		  (flags & (O_CREAT | O_TRUNC)));
	/* The lock is taken before the answer: once answered, the command
	 * may run to its end before this thread runs again, and the result
	 * must not be taken (sandbox_tracer_finish) without this access. */
	pthread_mutex_lock(&t->lock);
	/* A named pipe under an overlay: the host's, before the open goes on. */
	if (ok1 && t->n_lowers && t->root_fd >= 0 &&
	    (c.klass == K_OPEN || c.klass == K_OPENAT2) &&
	    !(have_flags && (flags & O_PATH)))
		bind_host_fifo(t, p1, !(have_flags && (flags & O_NOFOLLOW)), &prior);
	if (early ? respond(t) < 0 :
		    ioctl(t->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &t->req->id) < 0) {
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	/* A bad pointer, an over-long path or a dirfd that is not a directory
	 * make the call itself fail: nothing was accessed. Anything else means
	 * we could not see what the command did. */
	if (lost_error(r1) || lost_error(r2))
		t->flags |= SANDBOX_RESULT_TRACE_LOST;
	/* Whatever became of its path arguments (a /proc path, one that
	 * could not be read), a call looked up before it happens is one that
	 * may change paths. */
	if (!early)
		call_changes_paths(t, (pid_t)t->req->pid);
	if (t->root_fd < 0) {
		t->flags |= SANDBOX_RESULT_TRACE_LOST;
	} else {
		if (t->skipped)
			record_skipped_execs(t);
		if (ok1)
			account(t, &c, p1, flags, have_flags, &prior);
		if (ok2) {
			struct call w = c;

			/* a plain rename replaces its target; a link, or a
			 * rename that must not replace or that exchanges,
			 * depends on it */
			w.klass = c.klass == K_WRITE && flags == 0 ? K_REPLACE
								   : K_WRITE;
			account(t, &w, p2, 0, false, NULL);
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (!early)
		(void)respond(t);
	return 0;
}

int sandbox_tracer_alloc(struct sandbox_tracer **ret)
{
	struct seccomp_notif_sizes sizes;
	struct sandbox_tracer *t;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->fd = -1;
	t->root_fd = -1;
	t->req_size = sizes.seccomp_notif > sizeof(*t->req) ?
			      sizes.seccomp_notif : sizeof(*t->req);
	t->resp_size = sizes.seccomp_notif_resp > sizeof(*t->resp) ?
			       sizes.seccomp_notif_resp : sizeof(*t->resp);
	t->req = calloc(1, t->req_size);
	t->resp = calloc(1, t->resp_size);
	if (!t->req || !t->resp || tab_grow(t) < 0) {
		sandbox_tracer_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

void sandbox_tracer_attach(struct sandbox_tracer *t, int notify_fd)
{
	uint64_t sync = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;

	t->fd = notify_fd;
	/* Linux 6.6+: wake the tracer thread on the same CPU and switch to it
	 * directly, which roughly halves the cost of a round trip. Older
	 * kernels say EINVAL/ENOTTY and work the ordinary way. */
	(void)ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, sync);
}

int sandbox_tracer_new(int notify_fd, struct sandbox_tracer **ret)
{
	int r = sandbox_tracer_alloc(ret);

	if (r == 0)
		sandbox_tracer_attach(*ret, notify_fd);
	return r;
}

static int cmp_access(const void *a, const void *b)
{
	return strcmp(((const struct sandbox_access *)a)->path,
		      ((const struct sandbox_access *)b)->path);
}

int sandbox_tracer_finish(struct sandbox_tracer *t, struct sandbox_result *r)
{
	struct sandbox_access *v;
	size_t k = 0;

	/* Taken for good: a notification still in flight is not recorded
	 * after this point. */
	pthread_mutex_lock(&t->lock);
	/* Skipped candidates never recorded: no notification came. */
	if (t->skipped)
		t->flags |= SANDBOX_RESULT_TRACE_LOST;
	v = calloc(t->n ? t->n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->tab[i].path)
			continue;
		v[k].path = t->tab[i].path;
		v[k].kinds = t->tab[i].kinds |
			     (t->tab[i].output ? SANDBOX_ACCESS_OUTPUT : 0u);
		t->tab[i].path = NULL;
		k++;
	}
	t->n = 0;
	qsort(v, k, sizeof(*v), cmp_access);
	r->accesses = v;
	r->n_accesses = k;
	r->flags |= t->flags;
	r->n_notifications = t->n_notifications;
	r->attrs |= t->attrs;
	return 0;
}

void sandbox_tracer_free(struct sandbox_tracer *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->tab[i].path);
	free(t->tab);
	free(t->skipped);
	free(t->req);
	free(t->resp);
	pthread_mutex_destroy(&t->lock);
	if (t->root_fd >= 0)
		close(t->root_fd);
	for (unsigned i = 0; i < t->n_lowers; i++)
		close(t->lowers[i].fd);
	free(t);
}
