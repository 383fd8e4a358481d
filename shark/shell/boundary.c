/* boundary.c - where the shell itself may write (see boundary.h).
 *
 * A write's directory is realpath'ed (so a symlinked directory counts where
 * it leads), matched against the writable roots, and the file is opened
 * with openat2(root, rest, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): a
 * symlink swapped in after the check still cannot lead out. A final
 * component that is a symlink is followed here first (up to 16 hops), so
 * an absolute symlink that stays inside works; RESOLVE_BENEATH alone would
 * refuse every absolute symlink. */
#include "shark/shell/boundary.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct boundary {
	char *workspace;	/* NULL: none */
	char **roots;		/* every writable root, realpath'ed */
	size_t nroots;
	char **grants;		/* SHARK_WRITABLE, NULL-terminated */
	size_t ngrants;
};

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = reallocarray(*v, *n + 2, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

/* Add realpath(path) as a root; returns 1 if it does not resolve. */
static int add_root(struct boundary *b, const char *path, bool grant)
{
	if (!path || path[0] != '/')
		return 1;
	char *real = realpath(path, NULL);
	if (!real)
		return errno == ENOMEM ? -ENOMEM : 1;
	int r = push(&b->roots, &b->nroots, real);
	if (r == 0 && grant)
		r = push(&b->grants, &b->ngrants, real);
	free(real);
	return r;
}

static int append_bad(char **bad, const char *s, size_t len)
{
	size_t old = *bad ? strlen(*bad) : 0;
	char *nb = realloc(*bad, old + len + 2);
	if (!nb)
		return -ENOMEM;
	if (old)
		nb[old++] = ':';
	memcpy(nb + old, s, len);
	nb[old + len] = '\0';
	*bad = nb;
	return 0;
}

int boundary_new(const char *workspace, struct boundary **ret, char **ret_bad)
{
	struct boundary *b = calloc(1, sizeof(*b));
	char *bad = NULL;
	if (!b)
		return -ENOMEM;
	int r = 0;
	/* "/" is no workspace (the sandbox refuses it too): it would make
	 * every path writable */
	if (workspace && strcmp(workspace, "/") != 0) {
		b->workspace = strdup(workspace);
		r = b->workspace ? add_root(b, workspace, false) : -ENOMEM;
	}
	if (r >= 0)
		r = add_root(b, "/tmp", false);
	if (r >= 0)
		r = add_root(b, getenv("TMPDIR"), false);
	const char *w = getenv("SHARK_WRITABLE");
	while (r >= 0 && w && *w) {
		size_t len = strcspn(w, ":");
		char path[PATH_MAX];
		if (len > 0 && len < sizeof(path)) {
			memcpy(path, w, len);
			path[len] = '\0';
			r = add_root(b, path, true);
			if (r == 1)
				r = append_bad(&bad, w, len);
		}
		w += len;
		if (*w == ':')
			w++;
	}
	if (r < 0) {
		free(bad);
		boundary_free(b);
		return r;
	}
	if (!b->grants) /* an empty list is still NULL-terminated */
		b->grants = calloc(1, sizeof(*b->grants));
	if (!b->grants) {
		free(bad);
		boundary_free(b);
		return -ENOMEM;
	}
	*ret = b;
	*ret_bad = bad;
	return 0;
}

void boundary_free(struct boundary *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nroots; i++)
		free(b->roots[i]);
	for (size_t i = 0; i < b->ngrants; i++)
		free(b->grants[i]);
	free(b->roots);
	free(b->grants);
	free(b->workspace);
	free(b);
}

char *const *boundary_grants(const struct boundary *b)
{
	return b->grants;
}

const char *boundary_workspace(const struct boundary *b)
{
	return b->workspace;
}

/* /dev/fd/N, /dev/stdin, /proc/self/fd/N...: a descriptor the shell holds
 * already, reopened. Returns N, or -1 for any other path. */
static int fd_alias(const char *name)
{
	static const char *const std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/",
						"/proc/thread-self/fd/" };
	for (int i = 0; i < 3; i++)
		if (strcmp(name, std[i]) == 0)
			return i;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		const char *d = name + n;
		if (strncmp(name, prefixes[i], n) == 0 && *d && strlen(d) < 5 &&
		    strspn(d, "0123456789") == strlen(d))
			return atoi(d);
	}
	return -1;
}

/* Character devices a redirection may write: terminals (tty, console,
 * pseudo-terminals) and null, zero, full. */
static bool device_allowed(dev_t rdev)
{
	unsigned ma = major(rdev), mi = minor(rdev);
	if (ma == 1)
		return mi == 3 || mi == 5 || mi == 7;
	return ma == 4 || ma == 5 || (ma >= 136 && ma <= 143);
}

static bool special_allowed(const struct stat *st)
{
	return S_ISFIFO(st->st_mode) || (S_ISCHR(st->st_mode) && device_allowed(st->st_rdev));
}

static int open_beneath(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
}

static const char *under_root(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (n == 1) /* "/" */
		return path + 1;
	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path[n] == '/' ? path + n + 1 : path + n;
}

int boundary_open(const struct boundary *b, const char *name, int flags, mode_t mode,
		  char *refused_dir, size_t size)
{
	if (!b || (flags & O_ACCMODE) == O_RDONLY)
		return open(name, flags, mode);
	int alias = fd_alias(name);
	if (alias >= 0) {
		/* Reopening follows the magic link to the file whatever the fd's
		 * mode: a write goes through only to a descriptor the shell may
		 * already write (not, say, the script it reads, or the store). */
		int fl = fcntl(alias, F_GETFL);
		if (fl < 0)
			return -1; /* EBADF, as the open would fail */
		if ((fl & O_ACCMODE) == O_RDONLY || (fl & O_PATH)) {
			snprintf(refused_dir, size, "%s", ""); /* no directory to grant */
			return BOUNDARY_REFUSED;
		}
		return open(name, flags, mode);
	}
	struct stat st;
	if (stat(name, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		if (!special_allowed(&st)) {
			snprintf(refused_dir, size, "%s", name);
			return BOUNDARY_REFUSED;
		}
		/* No O_CREAT, no O_TRUNC: if it was swapped for a file, the
		 * file is left as it was. */
		int fd = open(name, flags & ~(O_CREAT | O_TRUNC | O_EXCL), mode);
		struct stat fst;
		if (fd < 0)
			return -1;
		if (fstat(fd, &fst) == 0 && special_allowed(&fst))
			return fd;
		close(fd);
		snprintf(refused_dir, size, "%s", name);
		return BOUNDARY_REFUSED;
	}

	char cur[PATH_MAX];
	if (snprintf(cur, sizeof(cur), "%s", name) >= (int)sizeof(cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int hop = 0; hop < 16; hop++) {
		char dir[PATH_MAX], full[PATH_MAX], link[PATH_MAX];
		const char *slash = strrchr(cur, '/');
		const char *base = slash ? slash + 1 : cur;
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == cur)
			snprintf(dir, sizeof(dir), "/");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - cur), cur);
		if (!*base)
			base = ".";
		char *real = realpath(dir, NULL);
		if (!real)
			return -1;
		int n = snprintf(full, sizeof(full), "%s/%s", strcmp(real, "/") ? real : "", base);
		if (n < 0 || n >= (int)sizeof(full)) {
			free(real);
			errno = ENAMETOOLONG;
			return -1;
		}
		ssize_t ln = readlink(full, link, sizeof(link) - 1);
		if (ln >= 0) { /* follow the final symlink ourselves */
			link[ln] = '\0';
			if (link[0] == '/')
				n = snprintf(cur, sizeof(cur), "%s", link);
			else
				n = snprintf(cur, sizeof(cur), "%s/%s", strcmp(real, "/") ? real : "",
					     link);
			free(real);
			if (n < 0 || n >= (int)sizeof(cur)) {
				errno = ENAMETOOLONG;
				return -1;
			}
			continue;
		}
		int err = EXDEV;
		for (size_t i = 0; i < b->nroots; i++) {
			const char *rest = under_root(real, b->roots[i]);
			if (!rest)
				continue;
			char rel[PATH_MAX];
			int rn = snprintf(rel, sizeof(rel), "%s%s%s", rest, *rest ? "/" : "", base);
			if (rn < 0 || rn >= (int)sizeof(rel)) {
				err = ENAMETOOLONG;
				break;
			}
			int root_fd = open(b->roots[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (root_fd < 0)
				continue;
			int fd = open_beneath(root_fd, rel, flags, mode);
			err = errno;
			close(root_fd);
			if (fd >= 0) {
				free(real);
				return fd;
			}
			if (err != EXDEV && err != ELOOP)
				break;
		}
		if (err != EXDEV && err != ELOOP) {
			free(real);
			errno = err;
			return -1;
		}
		snprintf(refused_dir, size, "%s", real);
		free(real);
		return BOUNDARY_REFUSED;
	}
	errno = ELOOP;
	return -1;
}
