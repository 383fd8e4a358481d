/* cache.c - two places outside the workspace that commands may write:
 * $TMPDIR when it is not under /tmp (below), and the user's cache directory ($XDG_CACHE_HOME, default
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
#include <unistd.h>

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

/* $TMPDIR outside /tmp: the shell writes there (its boundary allows it),
 * so commands must too, or `t=$(mktemp)` ... `rm -f "$t"` breaks. Under
 * /tmp it is covered by /tmp's captured layer; elsewhere (a directory of
 * the user's own, as systemd's /run/user/UID or ~/tmp) it is bound
 * writable like a SHARK_WRITABLE grant, and a run that wrote there is not
 * recorded. Taken from shark's own environment, as the shell's boundary
 * does; only an existing directory owned by the user, not "/", and not
 * overlapping the workspace. */
const char *memo_tmpdir_grant(const struct memo *m)
{
	static char dir[PATH_MAX];
	static int known = 0;
	if (known == 0) {
		known = -1;
		const char *t = getenv("TMPDIR");
		struct stat st;
		if (t && t[0] == '/' && realpath(t, dir) && strcmp(dir, "/") != 0 &&
		    !under_dir(dir, "/tmp") && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == geteuid())
			known = 1;
	}
	if (known < 0 || under_dir(dir, m->workspace) || under_dir(m->workspace, dir))
		return NULL;
	return dir;
}
