/* workspace.c - the workspace of a project that is not a git repository.
 *
 * Inside a git work tree the workspace is its top level (key.c). Without
 * git, starting shark in a subfolder of a project (proj/analysis/) used to
 * make that subfolder the workspace, so `sort -o ../out/x` was refused. The
 * nearest directory, from the starting one up, that looks like a project's
 * root is taken instead: one holding another version control system's
 * directory, an explicit `.shark-workspace` file, or a file that sits at
 * the top of a project (pyproject.toml, setup.py, requirements.txt,
 * environment.yml, Makefile, package.json, Cargo.toml, go.mod,
 * DESCRIPTION). The walk never goes up to the home directory itself nor
 * past it, nor to a directory others may write (/tmp, /var/tmp: sticky or
 * world-writable), nor to "/": a stray Makefile there must not make the
 * whole home or the shared /tmp one workspace. Without such a directory
 * the starting directory is the workspace, as before. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shark/memo/memo_int.h"

static const char *const project_markers[] = {
	".shark-workspace", ".hg",	    ".svn",	 ".jj",	   ".bzr",
	"pyproject.toml",   "setup.py",	    "requirements.txt", "environment.yml",
	"Makefile",	    "package.json", "Cargo.toml", "go.mod", "DESCRIPTION",
};

static bool has_marker(const char *dir)
{
	char buf[PATH_MAX];
	struct stat st;
	for (size_t i = 0; i < sizeof(project_markers) / sizeof(project_markers[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "%s/%s", dir, project_markers[i]);
		if (n > 0 && (size_t)n < sizeof(buf) && lstat(buf, &st) == 0)
			return true;
	}
	return false;
}

/* Whether the walk may look at dir: not "/", not the home directory, not a
 * directory others may write. */
static bool may_consider(const char *dir, const char *home)
{
	struct stat st;
	if (strcmp(dir, "/") == 0 || (home && strcmp(dir, home) == 0))
		return false;
	return stat(dir, &st) == 0 && !(st.st_mode & (S_ISVTX | S_IWOTH));
}

int memo_workspace_project_root(const char *start, char **ret)
{
	const char *h = getenv("HOME");
	char *home = h && *h == '/' ? realpath(h, NULL) : NULL;
	char *dir = strdup(start);
	if (!dir) {
		free(home);
		return -ENOMEM;
	}
	for (;;) {
		if (!may_consider(dir, home))
			break;
		if (has_marker(dir)) {
			free(home);
			*ret = dir;
			return 1;
		}
		char *slash = strrchr(dir, '/');
		if (!slash)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(home);
	free(dir);
	return 0;
}
