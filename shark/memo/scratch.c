/* scratch.c - this process's pool of recycled scratch dirs.
 *
 * A run's scratch dir (memo_make_scratch) used to be made new for every
 * run and removed after it: four directories (the dir, upper, work,
 * root), and on an ext4 without a journal each new inode costs 100-190 us
 * of CPU (docs/performance.md, "Scratch skeletons reused"). Now a
 * finished run's dir goes to the sandbox library's background thread to
 * be emptied back to a skeleton (sandbox_scratch_recycle_async: "work"
 * and "root" kept empty, "upper" removed, proven so once the run's pid 1
 * has exited) and comes back here, to be the next run's scratch dir.
 *
 * Ownership: a dir in the pool stays held (store_scratch_hold's shared
 * lock, kept by the hold fd this process opened for its first run), so
 * neither gc nor another process's sweep removes it meanwhile; once this
 * process is gone the lock goes with it, and a pooled dir is a leftover
 * like any other, swept or gc'ed. The hold fds live between commands in
 * the shell's fd table, where a script's redirections may take a number
 * over (`exec 12<f`): each is kept above the fds a script may name and
 * checked (device and inode) before use; one that is not ours any more is
 * forgotten, never closed, and its dir not reused. The pool is this
 * process's: a forked job child forgets its copy (the parent may hand the
 * same dir out) and starts its own; the library reports a child nothing
 * of its parent's recyclings. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

/* Dirs in flight (being emptied) or ready: a single command's run needs
 * one (and the tree built ahead one more), a pipeline one per stage. */
#define SCRATCH_POOL 4
/* Hold fds kept between commands are moved above the fds a script may
 * name (0-9). */
#define HOLD_MIN_FD 10

struct pooled {
	char *path;
	int hold;
	dev_t dev;
	ino_t ino;
	bool ready; /* reported a proven skeleton */
};

static struct pooled pool[SCRATCH_POOL];
static size_t pool_n;
static pid_t pool_pid;

static bool hold_ours(const struct pooled *p)
{
	struct stat st;
	return p->hold >= 0 && fstat(p->hold, &st) == 0 && st.st_dev == p->dev &&
	       st.st_ino == p->ino;
}

/* The dir at p's path is still the one the pool holds (the one the
 * library proved a skeleton, not another put in its place). */
static bool path_same(const struct pooled *p)
{
	struct stat st;
	return lstat(p->path, &st) == 0 && st.st_dev == p->dev && st.st_ino == p->ino;
}

static void pool_drop(size_t i)
{
	free(pool[i].path);
	pool[i] = pool[--pool_n];
}

/* A forked copy: the entries are the parent's (their holds are copies,
 * left open: the numbers may be the child's own by now). */
static void pool_forget_forked(void)
{
	if (pool_pid == util_getpid())
		return;
	for (size_t i = 0; i < pool_n; i++)
		free(pool[i].path);
	pool_n = 0;
	pool_pid = util_getpid();
}

/* Collect what the library finished recycling. */
static void pool_collect(void)
{
	char buf[SANDBOX_MAX_PATH];
	bool ok;
	while (sandbox_scratch_recycled(buf, sizeof(buf), &ok) == 1) {
		for (size_t i = 0; i < pool_n; i++) {
			if (pool[i].ready || strcmp(pool[i].path, buf) != 0)
				continue;
			if (ok) {
				pool[i].ready = true;
			} else { /* removed by the library */
				if (hold_ours(&pool[i]))
					close(pool[i].hold);
				pool_drop(i);
			}
			break;
		}
	}
}

int memo_scratch_pool_take(const char *base_real, char **ret, int *ret_hold)
{
	pool_forget_forked();
	if (pool_n == 0)
		return 0;
	pool_collect();
	size_t bl = strlen(base_real);
	for (size_t i = 0; i < pool_n; i++) {
		struct pooled *p = &pool[i];
		if (!p->ready)
			continue;
		if (!hold_ours(p)) { /* the script's fd now: not ours to close */
			p->hold = -1;
			(void)sandbox_scratch_remove_async(p->path, -1);
			pool_drop(i--);
			continue;
		}
		if (!path_same(p)) { /* not ours to remove either */
			close(p->hold);
			pool_drop(i--);
			continue;
		}
		/* made under another base (the store's scratch area, against
		 * $TMPDIR's once the workspace holds the store): not for this
		 * run, nor likely for a later one; removed */
		if (strncmp(p->path, base_real, bl) != 0 || p->path[bl] != '/' ||
		    strchr(p->path + bl + 1, '/')) {
			if (sandbox_scratch_remove_async(p->path, p->hold) < 0)
				close(p->hold); /* left to the sweep */
			pool_drop(i--);
			continue;
		}
		*ret = p->path;
		*ret_hold = p->hold;
		pool[i] = pool[--pool_n];
		return 1;
	}
	return 0;
}

bool memo_scratch_recycle(const char *dir, int *hold, pid_t pid1)
{
	struct stat st, at;
	char *copy;
	pool_forget_forked();
	pool_collect();
	/* the hold is still the dir's (the dir is the one the pool will
	 * hand out: the same inode) */
	if (pool_n == SCRATCH_POOL || *hold < 0 || fstat(*hold, &st) < 0 ||
	    lstat(dir, &at) < 0 || st.st_dev != at.st_dev || st.st_ino != at.st_ino)
		return false;
	int fd = *hold;
	if (fd < HOLD_MIN_FD) {
		fd = fcntl(*hold, F_DUPFD_CLOEXEC, HOLD_MIN_FD);
		if (fd < 0)
			return false;
	}
	copy = strdup(dir);
	if (!copy || sandbox_scratch_recycle_async(dir, pid1) < 0) {
		free(copy);
		if (fd != *hold)
			close(fd);
		return false;
	}
	if (fd != *hold)
		close(*hold);
	pool[pool_n++] = (struct pooled){ .path = copy, .hold = fd, .dev = st.st_dev,
					  .ino = st.st_ino };
	*hold = -1;
	return true;
}
