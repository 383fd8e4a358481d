/* reaper.c - removing finished runs' scratch dirs off the caller's path.
 *
 * A run leaves about six directories in its scratch dir (upper, work, root
 * and the overlay's own work/work, work/incompat/volatile); on an ext4
 * disk mounted with online discard (this project's reference VM) each
 * rmdir waits for the discard of the directory's block: 2-7 ms apiece
 * under load, 10-20 ms per command, all of it after the command ended and
 * before the shell could go on. One background thread per process takes
 * these removals over: it sleeps in I/O wait, not on a CPU.
 *
 * The thread takes no libc-internal lock, ever: it allocates nothing
 * (the queue is a fixed ring of paths, directories are read with getdents64
 * into its stack) and calls only system-call wrappers, string functions
 * and its own mutex. sandbox_start_begin() clones pid 1 with a raw clone,
 * which runs none of fork()'s handlers: had this thread been inside malloc
 * at that moment, pid 1's first allocation would wait for ever.
 *
 * The thread is the process's own: it is not inherited by fork (a child
 * starts its own on first use; the parent's queue stays the parent's), it
 * blocks every signal (a shell's job-control and trap signals go to its
 * main thread), and it dies with the process; what it had not removed
 * then is swept by a later process (sweep()).
 *
 * Recycling (sandbox_scratch_recycle_async): on this machine's root file
 * system (ext4 without a journal) every new inode costs 100-190 us of CPU
 * (the allocator passes over every inode freed in the last minute), and a
 * run's scratch dir is four of them made and removed again (the dir,
 * upper, work, root). So instead of removing a finished run's dir, the
 * thread can empty it back to a skeleton, the dir with an empty "work"
 * and "root", and hand it back to its process (sandbox_scratch_recycled)
 * for the next run. "upper" is never kept: it is the root of the run's
 * overlay, and an overlay outlives its pid 1 as long as a file of it is
 * open somewhere (one passed out over a unix socket): a new upper dir per
 * run is what keeps such a file from writing into a later run's layer
 * (the removed one is a dead directory to it). work/work, the overlay's
 * own, goes too (a volatile overlay refuses a work dir that holds it);
 * "root" is only ever a mount point, under pid 1's tree. A skeleton is
 * handed back only once pid 1 has exited (its overlay, which held "work"
 * in use, went with its mount namespace; a reused work dir still in use
 * makes the kernel warn) and once it is proven to hold nothing else
 * (skeleton_proven).
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* Leftovers younger than this may belong to a run being set up (between
 * its mkdtemp and its hold, microseconds apart): left alone. */
#define SWEEP_MIN_AGE_S 10
/* Bounds what one sweep looks at (a scratch area is normally near empty)
 * and how many leftovers it removes: a process leaves its last run's dir
 * (when it exits right after it) and the skeletons it kept for reuse (at
 * most four, shark/memo/scratch.c), so twice that per process keeps the
 * area from growing while bounding the I/O a short process spends on
 * others' leftovers (and its exit's wait for the removal in flight). */
#define SWEEP_MAX_ENTRIES 4096
#define SWEEP_MAX_REMOVED 8
/* Queue slots; when all are taken the caller removes its dir itself. */
#define QUEUE_SLOTS 32
/* Deeper trees in an upper dir are left to gc (the same bound as
 * sandbox_scratch_cleanup's). */
#define MAX_DEPTH 64
/* How long a recycled dir waits for its pid 1's exit (normally a
 * millisecond or so, its namespaces' teardown) before it is removed
 * instead. */
#define RECYCLE_WAIT_MS 2000

enum reap_kind { REAP_REMOVE, REAP_SWEEP, REAP_RECYCLE };

struct reap_item {
	enum reap_kind kind;
	pid_t pid1; /* REAP_RECYCLE: the run's pid 1, or 0 (reaped already) */
	char path[SANDBOX_MAX_PATH];
};

/* A finished recycling, for sandbox_scratch_recycled. */
struct recycled {
	bool ok;
	char path[SANDBOX_MAX_PATH];
};

static struct {
	pid_t owner; /* the process whose thread this is; 0: none */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct reap_item slot[QUEUE_SLOTS];
	unsigned head, count; /* ring: slot[head] is next */
	struct recycled done[QUEUE_SLOTS];
	unsigned done_head, done_count; /* ring of finished recyclings */
	bool swept; /* a sweep was queued in this process */
	bool running; /* the thread is past its start-up */
	bool own_fds; /* it has an fd table of its own (see reaper_main) */
} reaper;

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Remove name in dirfd and everything below it, never following a
 * symlink nor entering another file system (dev: the scratch dir's). */
static void remove_below(int dirfd, const char *name, dev_t dev, int depth)
{
	char buf[4096] __attribute__((aligned(8)));
	struct stat st;
	int fd;
	long n;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		(void)unlinkat(dirfd, name, 0);
		return;
	}
	if (st.st_dev != dev || depth > MAX_DEPTH)
		return;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		/* the overlay's work/work has mode 000 */
		int p = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char self[64];

		if (p >= 0) {
			/* thread-self: this thread has an fd table of its own */
			snprintf(self, sizeof(self), "/proc/thread-self/fd/%d", p);
			(void)chmod(self, 0700);
			close(p);
		}
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return;
	/* Check again on the open fd: name may have been swapped meanwhile. */
	if (fstat(fd, &st) < 0 || st.st_dev != dev) {
		close(fd);
		return;
	}
	/* A directory the command made read-only (chmod 555): its entries
	 * can only be unlinked once it is writable again. */
	if ((st.st_mode & 0700) != 0700 && st.st_uid == geteuid())
		(void)fchmod(fd, 0700);
	/* Entries removed while reading may make the directory's order skip
	 * one: a second pass picks up what the first left. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass > 0 && (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno != ENOTEMPTY ||
				 lseek(fd, 0, SEEK_SET) < 0))
			break;
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);

				off += de->d_reclen;
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				remove_below(fd, de->d_name, dev, depth + 1);
			}
		}
	}
	close(fd);
	(void)unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Remove one scratch dir: the names a run leaves, then the dir (which
 * fails if anything else is in it). */
static void remove_scratch(const char *path)
{
	static const char *const names[] = { "upper", "work", "root", "result",
					      "result.tmp", SANDBOX_TMP_UPPER,
					      SANDBOX_TMP_UPPER ".part" };
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (dfd < 0)
		return;
	if (fstat(dfd, &st) == 0)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			remove_below(dfd, names[i], st.st_dev, 0);
	close(dfd);
	(void)rmdir(path);
}

/* Whether name in dirfd is an empty directory of ours, mode 0700, on dev
 * (the skeleton's "work" and "root" as mkdirat made them). xattrs: that
 * it carries no extended attribute either. */
bool sandbox_skeleton_dir_ok(int dirfd, const char *name, dev_t dev, bool xattrs)
{
	char buf[256] __attribute__((aligned(8)));
	struct stat st;
	bool ok = false;
	long n;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == dev &&
	    st.st_uid == geteuid() && (st.st_mode & 07777) == 0700 &&
	    (!xattrs || flistxattr(fd, NULL, 0) == 0)) {
		bool other = false;

		while (!other && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);

				off += de->d_reclen;
				if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
					other = true;
			}
		}
		ok = !other && n == 0;
	}
	close(fd);
	return ok;
}

/* Whether pid (this process's child, pid 1 of a run) has exited: at
 * once when it was reaped already (no such process), else once its
 * pidfd says so, within RECYCLE_WAIT_MS. A pid reused since its reaping
 * only makes this wait for nothing and answer no. */
static bool pid1_exited(pid_t pid)
{
	struct pollfd p = { .events = POLLIN };
	int r;

	if (pid <= 0)
		return true;
	p.fd = (int)syscall(SYS_pidfd_open, pid, 0U);
	if (p.fd < 0)
		return errno == ESRCH;
	do
		r = poll(&p, 1, RECYCLE_WAIT_MS);
	while (r < 0 && errno == EINTR);
	close(p.fd);
	return r == 1 && (p.revents & POLLIN);
}

/* Empty name (a directory in dirfd) of its entries, keeping it. */
static void empty_dir(int dirfd, const char *name, dev_t dev)
{
	char buf[4096] __attribute__((aligned(8)));
	struct stat st;
	long n;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_dev == dev) {
		for (int pass = 0; pass < 2; pass++) {
			if (pass > 0 && lseek(fd, 0, SEEK_SET) < 0)
				break;
			while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
				for (long off = 0; off < n;) {
					struct linux_dirent64 *de =
						(struct linux_dirent64 *)(buf + off);

					off += de->d_reclen;
					if (strcmp(de->d_name, ".") != 0 &&
					    strcmp(de->d_name, "..") != 0)
						remove_below(fd, de->d_name, dev, 1);
				}
			}
		}
	}
	close(fd);
}

/* The run's result file, kept emptied (pid 1 writes the next one in
 * place: one inode less per run); anything else by that name removed. */
static void empty_result(int dfd)
{
	struct stat st;
	int fd;

	if (fstatat(dfd, SANDBOX_RESULT_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	fd = S_ISREG(st.st_mode) ? openat(dfd, SANDBOX_RESULT_FILE,
					  O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
				 : -1;
	if (fd < 0 || ftruncate(fd, 0) < 0)
		(void)unlinkat(dfd, SANDBOX_RESULT_FILE, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
	if (fd >= 0)
		close(fd);
}

/* Whether the result file at dfd is one a skeleton may keep: an empty
 * regular file of ours, mode 0600, with no other link and no extended
 * attribute. */
static bool result_ok(int dfd)
{
	struct stat st;
	bool ok;
	int fd = openat(dfd, SANDBOX_RESULT_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
	     st.st_uid == geteuid() && (st.st_mode & 07777) == 0600 && st.st_nlink == 1 &&
	     flistxattr(fd, NULL, 0) == 0;
	close(fd);
	return ok;
}

/* The proof that the dir at dfd (st: its stat) is a skeleton again: a
 * directory of ours, mode 0700, no extended attribute, holding exactly
 * an empty "work" and an empty "root" (skeleton_dir_ok), and at most an
 * empty result file (result_ok). */
static bool skeleton_proven(int dfd, const struct stat *st)
{
	char buf[512] __attribute__((aligned(8)));
	int seen = 0;
	long n;

	if (!S_ISDIR(st->st_mode) || st->st_uid != geteuid() || (st->st_mode & 07777) != 0700 ||
	    flistxattr(dfd, NULL, 0) != 0 || lseek(dfd, 0, SEEK_SET) < 0)
		return false;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);

			off += de->d_reclen;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (strcmp(de->d_name, SANDBOX_RESULT_FILE) == 0) {
				if (!result_ok(dfd))
					return false;
				continue;
			}
			if (strcmp(de->d_name, SANDBOX_WORK) != 0 &&
			    strcmp(de->d_name, SANDBOX_ROOT) != 0)
				return false;
			seen++;
		}
	}
	return n == 0 && seen == 2 &&
	       sandbox_skeleton_dir_ok(dfd, SANDBOX_WORK, st->st_dev, true) &&
	       sandbox_skeleton_dir_ok(dfd, SANDBOX_ROOT, st->st_dev, true);
}

/* Empty a finished run's scratch dir back to its skeleton; false (and
 * the dir removed as remove_scratch does) when it cannot be proven one. */
static bool recycle(const char *path, pid_t pid1)
{
	static const char *const gone[] = { SANDBOX_UPPER, SANDBOX_RESULT_FILE ".tmp",
					     SANDBOX_TMP_UPPER, SANDBOX_TMP_UPPER ".part" };
	bool ok = false;
	struct stat st;
	int dfd;

	if (!pid1_exited(pid1)) {
		remove_scratch(path);
		return false;
	}
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return false;
	if (fstat(dfd, &st) == 0) {
		for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
			remove_below(dfd, gone[i], st.st_dev, 0);
		empty_dir(dfd, SANDBOX_WORK, st.st_dev);
		empty_dir(dfd, SANDBOX_ROOT, st.st_dev);
		empty_result(dfd);
		ok = skeleton_proven(dfd, &st);
	}
	close(dfd);
	if (!ok)
		remove_scratch(path);
	return ok;
}

static void sweep(const char *dir)
{
	char buf[4096] __attribute__((aligned(8)));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct timespec now;
	size_t seen = 0, removed = 0;
	long n;

	if (dfd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	while (seen < SWEEP_MAX_ENTRIES && removed < SWEEP_MAX_REMOVED &&
	       (n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n && seen++ < SWEEP_MAX_ENTRIES &&
				   removed < SWEEP_MAX_REMOVED;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
			char path[SANDBOX_MAX_PATH];
			struct stat st;
			int fd, len;

			off += de->d_reclen;
			if (strncmp(de->d_name, "run.", 4) != 0)
				continue;
			fd = openat(dfd, de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				continue;
			/* Unheld (a run holds its dir with a shared lock until
			 * it is removed) and quiet for a while. */
			if (fstat(fd, &st) == 0 &&
			    now.tv_sec - st.st_mtim.tv_sec >= SWEEP_MIN_AGE_S &&
			    flock(fd, LOCK_EX | LOCK_NB) == 0) {
				len = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
				if (len > 0 && (size_t)len < sizeof(path)) {
					remove_scratch(path);
					removed++;
				}
			}
			close(fd);
		}
	}
	close(dfd);
}

static void *reaper_main(void *arg)
{
	static struct reap_item it; /* this thread's alone */

	(void)arg;
	/* An fd table of its own, emptied: the fds it opens must never be
	 * numbers its process uses meanwhile. Sharing the table, a shell's
	 * `exec 4<f` (a dup2 onto 4) could land on a directory fd this thread
	 * had just opened there: it would then remove entries beneath the
	 * user's directory, and close the user's fd 4. Its copies of the
	 * process's fds are closed at once (a pipe's write end kept here
	 * would hold its reader's end of file back). Without its own table
	 * it does nothing: sandbox_scratch_remove_async then fails and the
	 * caller removes its dir itself. */
	bool own = unshare(CLONE_FILES) == 0;
	if (own)
		(void)syscall(SYS_close_range, 0U, ~0U, 0U);
	pthread_mutex_lock(&reaper.lock);
	reaper.own_fds = own;
	reaper.running = true;
	pthread_cond_broadcast(&reaper.cond);
	if (!own) {
		pthread_mutex_unlock(&reaper.lock);
		return NULL;
	}
	for (;;) {
		if (reaper.count == 0) {
			pthread_cond_wait(&reaper.cond, &reaper.lock);
			continue;
		}
		it = reaper.slot[reaper.head];
		reaper.head = (reaper.head + 1) % QUEUE_SLOTS;
		reaper.count--;
		pthread_mutex_unlock(&reaper.lock);
		bool ok = false;
		if (it.kind == REAP_SWEEP)
			sweep(it.path);
		else if (it.kind == REAP_RECYCLE)
			ok = recycle(it.path, it.pid1);
		else
			remove_scratch(it.path);
		pthread_mutex_lock(&reaper.lock);
		/* enqueue keeps recyclings in flight below QUEUE_SLOTS */
		if (it.kind == REAP_RECYCLE && reaper.done_count < QUEUE_SLOTS) {
			struct recycled *d =
				&reaper.done[(reaper.done_head + reaper.done_count) % QUEUE_SLOTS];

			d->ok = ok;
			memcpy(d->path, it.path, sizeof(d->path));
			reaper.done_count++;
		}
	}
	return NULL;
}

/* Start this process's thread (the lock is fresh, see below). */
static int reaper_start(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	int e;

	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&th, &attr, reaper_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (e != 0)
		return -e;
	/* A new thread's start-up is libc's (and a sanitizer's) own code,
	 * which takes their internal locks: wait until it is over, so that
	 * no clone of this process (pid 1) can happen in the middle of it and
	 * inherit a lock held for ever (seen under ASan: pid 1's tracer
	 * thread blocked at its own start). */
	pthread_mutex_lock(&reaper.lock);
	while (!reaper.running)
		pthread_cond_wait(&reaper.cond, &reaper.lock);
	bool own = reaper.own_fds;
	pthread_mutex_unlock(&reaper.lock);
	return own ? 0 : -ENOSYS;
}

static int enqueue(const char *path, enum reap_kind kind, pid_t pid1, int hold_fd)
{
	bool is_sweep = kind == REAP_SWEEP;
	size_t len = strlen(path);
	pid_t self = getpid();
	struct reap_item *it;
	int r;

	if (len >= SANDBOX_MAX_PATH)
		return -ENAMETOOLONG;
	/* First use in this process (or in a forked child, whose copy of
	 * the parent's state has no thread behind it and may hold a lock
	 * taken by the parent's thread at the fork): fresh state. The
	 * parent's queue is the parent's to finish. */
	if (reaper.owner != self) {
		pthread_mutex_init(&reaper.lock, NULL);
		pthread_cond_init(&reaper.cond, NULL);
		reaper.head = reaper.count = 0;
		reaper.done_head = reaper.done_count = 0;
		reaper.swept = false;
		reaper.running = false;
		reaper.own_fds = false;
		reaper.owner = self; /* started once, even when it failed */
		r = reaper_start();
		if (r < 0)
			return r;
	}
	pthread_mutex_lock(&reaper.lock);
	if (is_sweep && reaper.swept) {
		pthread_mutex_unlock(&reaper.lock);
		return 0;
	}
	if (!reaper.own_fds || reaper.count == QUEUE_SLOTS ||
	    (kind == REAP_RECYCLE && reaper.count + reaper.done_count >= QUEUE_SLOTS / 2)) {
		pthread_mutex_unlock(&reaper.lock);
		return -EAGAIN;
	}
	reaper.swept |= is_sweep;
	it = &reaper.slot[(reaper.head + reaper.count) % QUEUE_SLOTS];
	it->kind = kind;
	it->pid1 = pid1;
	memcpy(it->path, path, len + 1);
	reaper.count++;
	pthread_cond_signal(&reaper.cond);
	pthread_mutex_unlock(&reaper.lock);
	/* The thread's fds are its own: the hold is let go now, the run
	 * being over (a sweep elsewhere may then take the dir too: both
	 * removals are of the same garbage). */
	if (hold_fd >= 0)
		close(hold_fd);
	return 0;
}

int sandbox_scratch_remove_async(const char *scratch_dir, int hold_fd)
{
	return enqueue(scratch_dir, REAP_REMOVE, 0, hold_fd);
}

int sandbox_scratch_sweep_async(const char *dir)
{
	return enqueue(dir, REAP_SWEEP, 0, -1);
}

int sandbox_scratch_recycle_async(const char *scratch_dir, pid_t pid1)
{
	return enqueue(scratch_dir, REAP_RECYCLE, pid1, -1);
}

int sandbox_scratch_recycled(char *buf, size_t size, bool *ret_ok)
{
	struct recycled *d;
	size_t len;

	/* a forked copy's state is its parent's (and its lock may be held) */
	if (reaper.owner != getpid())
		return 0;
	pthread_mutex_lock(&reaper.lock);
	if (reaper.done_count == 0) {
		pthread_mutex_unlock(&reaper.lock);
		return 0;
	}
	d = &reaper.done[reaper.done_head];
	len = strlen(d->path);
	if (len >= size) {
		pthread_mutex_unlock(&reaper.lock);
		return -ENAMETOOLONG;
	}
	memcpy(buf, d->path, len + 1);
	*ret_ok = d->ok;
	reaper.done_head = (reaper.done_head + 1) % QUEUE_SLOTS;
	reaper.done_count--;
	pthread_mutex_unlock(&reaper.lock);
	return 1;
}
