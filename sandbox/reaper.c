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
 * The thread is the process's own: it is not inherited by fork (a child
 * starts its own on first use; the parent's queue stays the parent's), it
 * blocks every signal (a shell's job-control and trap signals go to its
 * main thread), and it dies with the process; what it had not removed
 * then is swept by a later process (sweep()).
 */
#include "sandbox/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Leftovers younger than this may belong to a run being set up (between
 * its mkdtemp and its hold, microseconds apart): left alone. */
#define SWEEP_MIN_AGE_S 10
/* Bounds what one sweep looks at (a scratch area is normally near empty). */
#define SWEEP_MAX_ENTRIES 4096

struct reap_item {
	struct reap_item *next;
	bool sweep;  /* sweep path's leftovers, else remove path */
	int hold_fd;
	char path[];
};

static struct {
	pid_t owner; /* the process whose thread this is; 0: none */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct reap_item *head, *tail;
	bool swept; /* a sweep was queued in this process */
} reaper;

/* Remove one scratch dir: the names a run leaves (never following a
 * symlink nor crossing a mount, sandbox_scratch_cleanup), then the dir. */
static void remove_scratch(const char *path)
{
	(void)sandbox_scratch_cleanup(path);
	(void)rmdir(path);
}

static void sweep(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct timespec now;
	struct dirent *de;
	size_t seen = 0;
	DIR *d;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	while ((de = readdir(d)) && seen++ < SWEEP_MAX_ENTRIES) {
		char path[SANDBOX_MAX_PATH];
		struct stat st;
		int fd, n;

		if (strncmp(de->d_name, "run.", 4) != 0)
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Unheld (a run holds its dir with a shared lock until it is
		 * removed) and quiet for a while. */
		if (fstat(fd, &st) == 0 && now.tv_sec - st.st_mtim.tv_sec >= SWEEP_MIN_AGE_S &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0) {
			n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (n > 0 && (size_t)n < sizeof(path))
				remove_scratch(path);
		}
		close(fd);
	}
	closedir(d);
}

static void *reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&reaper.lock);
	for (;;) {
		struct reap_item *it = reaper.head;

		if (!it) {
			pthread_cond_wait(&reaper.cond, &reaper.lock);
			continue;
		}
		reaper.head = it->next;
		if (!reaper.head)
			reaper.tail = NULL;
		pthread_mutex_unlock(&reaper.lock);
		if (it->sweep)
			sweep(it->path);
		else
			remove_scratch(it->path);
		if (it->hold_fd >= 0)
			close(it->hold_fd);
		free(it);
		pthread_mutex_lock(&reaper.lock);
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
	return -e;
}

static int enqueue(const char *path, bool is_sweep, int hold_fd)
{
	size_t len = strlen(path);
	struct reap_item *it;
	pid_t self = getpid();
	int r;

	if (len >= SANDBOX_MAX_PATH)
		return -ENAMETOOLONG;
	it = malloc(sizeof(*it) + len + 1);
	if (!it)
		return -ENOMEM;
	memcpy(it->path, path, len + 1);
	it->sweep = is_sweep;
	it->hold_fd = hold_fd;
	it->next = NULL;
	/* First use in this process (or in a forked child, whose copy of
	 * the parent's state has no thread behind it and may hold a lock
	 * taken by the parent's thread at the fork): fresh state. The
	 * parent's queue is the parent's to finish; the child drops its copy
	 * (the items' memory is the only loss). */
	if (reaper.owner != self) {
		pthread_mutex_init(&reaper.lock, NULL);
		pthread_cond_init(&reaper.cond, NULL);
		reaper.head = reaper.tail = NULL;
		reaper.swept = false;
		r = reaper_start();
		if (r < 0) {
			free(it);
			return r;
		}
		reaper.owner = self;
	}
	pthread_mutex_lock(&reaper.lock);
	if (is_sweep && reaper.swept) {
		pthread_mutex_unlock(&reaper.lock);
		free(it);
		return 0;
	}
	if (is_sweep)
		reaper.swept = true;
	if (reaper.tail)
		reaper.tail->next = it;
	else
		reaper.head = it;
	reaper.tail = it;
	pthread_cond_signal(&reaper.cond);
	pthread_mutex_unlock(&reaper.lock);
	return 0;
}

int sandbox_scratch_remove_async(const char *scratch_dir, int hold_fd)
{
	return enqueue(scratch_dir, false, hold_fd);
}

int sandbox_scratch_sweep_async(const char *dir)
{
	return enqueue(dir, true, -1);
}
