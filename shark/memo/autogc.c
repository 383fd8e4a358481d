/* autogc.c - the automatic size limit: after a pipeline recorded
 * something, the engine may start a detached gc (memo_auto_gc), so the
 * store stays under $SHARK_STORE_LIMIT without the user running
 * `shark gc`. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

/* Default for SHARK_STORE_LIMIT: the store is a cache, and a cache that
 * grows without bound fills the disk. */
#define MEMO_DEFAULT_STORE_LIMIT ((uint64_t)20 << 30)
/* At most one check per store per this long, across all shells. */
#define MEMO_GC_CHECK_INTERVAL_S 3600

bool memo_fork_detached(void)
{
	pid_t pid = fork();
	if (pid != 0) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return false;
	}
	/* the intermediate child: a session of its own, its child left to
	 * init, so the caller waits for nothing more than this exit */
	if (setsid() < 0 || fork() != 0)
		_exit(0);
	return true;
}

/* memo_auto_gc - keep the store under SHARK_STORE_LIMIT (default 20 GiB;
 * "0" or "off" disables) without stalling the user: at most once an hour
 * (a stamp file, claimed by whichever shell gets there first) the blob
 * bytes are summed, and a detached, niced grandchild runs gc down to 90%
 * of the limit when over it, with gc's usual grace period for fresh
 * results, or else only store_sync: the results written unsynced since
 * (docs/store.md "Durability") are then made durable, so that the next
 * boot need not hash every file again (not with the limit off). Errors
 * are ignored: this is housekeeping. */
void memo_auto_gc(struct memo *m)
{
	const char *env = getenv("SHARK_STORE_LIMIT");
	uint64_t limit = MEMO_DEFAULT_STORE_LIMIT;
	if (env && *env) {
		if (strcmp(env, "0") == 0 || strcmp(env, "off") == 0 ||
		    util_parse_size(env, &limit) < 0 || limit == 0)
			return;
	}
	store *st = m->st;
	if (!st || m->st_pid != util_getpid())
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
	bool over = store_stats(st, &stats) == 0 && stats.blob_bytes > limit;
	if (!memo_fork_detached())
		return;
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
		if (over)
			(void)store_gc(own, &o, &rep); /* ends with store_sync */
		else
			(void)store_sync(own);
		store_close(own);
	}
	_exit(0);
}
