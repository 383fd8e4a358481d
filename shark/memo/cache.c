/* cache.c - the user's cache directory ($XDG_CACHE_HOME, default
 * ~/.cache), where tools keep what they can rebuild (pip, matplotlib's
 * font list, numba, ...). Inside a sandbox it is writable in private
 * (SANDBOX_PATH_PRIVATE): a tool that creates or refreshes its cache works,
 * and nothing of it reaches the host. The store, which defaults to
 * ~/.cache/shark, is mounted read-only on top of it (its key hidden), so
 * it stays out of reach. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shark/memo/memo_int.h"

static bool under_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

const char *memo_cache_dir(const struct memo *m)
{
	static char dir[PATH_MAX];
	static int known = 0; /* 1: dir holds it, -1: none */
	if (known == 0) {
		known = -1;
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
		char want[PATH_MAX];
		int n = xdg && xdg[0] == '/' ? snprintf(want, sizeof(want), "%s", xdg)
		      : home && home[0] == '/' ? snprintf(want, sizeof(want), "%s/.cache", home)
					       : -1;
		/* A user without one yet gets it, as the first tool would make
		 * it: an empty directory of their own. */
		if (n > 0 && (size_t)n < sizeof(want) && (mkdir(want, 0700) == 0 || errno == EEXIST) &&
		    realpath(want, dir) && strcmp(dir, "/") != 0)
			known = 1;
	}
	if (known < 0)
		return NULL;
	/* Inside the workspace, or holding it: writes there are the
	 * workspace's own effects. */
	if (under_dir(dir, m->workspace) || under_dir(m->workspace, dir))
		return NULL;
	return dir;
}
