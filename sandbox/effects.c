/* effects.c - reading a run's file effects out of the overlay upper dir.
 *
 * The upper dir is the authoritative record of what the command changed in
 * the workspace. With the "userxattr" option, overlayfs marks:
 *   a deletion  as a character device 0:0 (a whiteout),
 *   a replaced directory as one with xattr user.overlay.opaque = "y",
 * and otherwise holds full copies of every created or modified file (no
 * metacopy, no redirects in a user namespace: renaming a directory that
 * came from the workspace fails with EXDEV, and tools fall back to copy +
 * delete, which shows up here as a new directory plus a whiteout).
 * Directories that exist in the upper dir only because something below them
 * changed are not effects unless their mode differs from the workspace's.
 */
#include "sandbox/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_EFFECTS 1000000u
#define MAX_DEPTH 256

struct sandbox_effects {
	struct sandbox_effect *v;
	size_t n, cap;
	int upper_fd;
};

size_t sandbox_effects_count(const sandbox_effects *fx)
{
	return fx->n;
}

const struct sandbox_effect *sandbox_effects_get(const sandbox_effects *fx,
						 size_t i)
{
	return i < fx->n ? &fx->v[i] : NULL;
}

int sandbox_effects_upper_fd(const sandbox_effects *fx)
{
	return fx->upper_fd;
}

void sandbox_effects_free(sandbox_effects *fx)
{
	if (!fx)
		return;
	for (size_t i = 0; i < fx->n; i++) {
		free((char *)fx->v[i].path);
		free((char *)fx->v[i].target);
	}
	free(fx->v);
	if (fx->upper_fd >= 0)
		close(fx->upper_fd);
	free(fx);
}

/* Open rel beneath dirfd without following any symlink. */
static int open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

int sandbox_effects_open(const sandbox_effects *fx, size_t i, int *ret_fd)
{
	int fd;

	if (i >= fx->n || fx->v[i].kind != SANDBOX_EFFECT_FILE)
		return -EINVAL;
	fd = open_beneath(fx->upper_fd, fx->v[i].path, O_RDONLY);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static int push(sandbox_effects *fx, enum sandbox_effect_kind kind,
		const char *path, mode_t mode, uint64_t size, const char *target)
{
	struct sandbox_effect *e;

	if (fx->n >= MAX_EFFECTS)
		return SANDBOX_E_PLAN_LIMIT;
	if (fx->n == fx->cap) {
		size_t cap = fx->cap ? fx->cap * 2 : 64;

		e = reallocarray(fx->v, cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		fx->v = e;
		fx->cap = cap;
	}
	e = &fx->v[fx->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->mode = kind == SANDBOX_EFFECT_SPECIAL ? mode : mode & 07777;
	e->size = size;
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	if (target && !(e->target = strdup(target))) {
		free((char *)e->path);
		return -ENOMEM;
	}
	fx->n++;
	return 0;
}

/* Same bytes in two regular files of equal size? */
static int same_content(int upper_dir, const char *name, int lower_fd,
			off_t size)
{
	char a[65536], b[65536];
	int fa = openat(upper_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int same = 1;
	off_t done = 0;

	if (fa < 0)
		return -errno;
	while (done < size) {
		ssize_t na = read(fa, a, sizeof(a));
		ssize_t nb = na > 0 ? pread(lower_fd, b, (size_t)na, done) : 0;

		if (na <= 0 || nb != na) {
			same = na < 0 ? -errno : 0;
			break;
		}
		if (memcmp(a, b, (size_t)na) != 0) {
			same = 0;
			break;
		}
		done += na;
	}
	close(fa);
	return same;
}

struct walk {
	sandbox_effects *fx;
	int lower_root; /* the workspace, O_PATH */
	char path[SANDBOX_MAX_PATH];
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of a directory (so effects come in a stable order). */
static int list_dir(int dfd, char ***ret_names, size_t *ret_n)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **v;

			cap = cap ? cap * 2 : 32;
			v = reallocarray(names, cap, sizeof(*v));
			if (!v)
				goto nomem;
			names = v;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_name);
	*ret_names = names;
	*ret_n = n;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return -ENOMEM;
}

/* lstat of the workspace's entry at w->path, never through a symlink. */
static int lower_stat(struct walk *w, struct stat *st, int *ret_fd)
{
	int fd = open_beneath(w->lower_root, w->path, O_PATH);

	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (ret_fd)
		*ret_fd = fd;
	else
		close(fd);
	return 0;
}

static int walk_dir(struct walk *w, int dfd, size_t plen, int depth);

static int visit(struct walk *w, int dfd, const char *name, size_t plen,
		 int depth)
{
	sandbox_effects *fx = w->fx;
	struct stat st, lst;
	size_t nlen = strlen(name);
	int r, lfd = -1;

	if (plen + (plen ? 1 : 0) + nlen >= sizeof(w->path))
		return -ENAMETOOLONG;
	if (plen)
		w->path[plen++] = '/';
	memcpy(w->path + plen, name, nlen + 1);

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return push(fx, SANDBOX_EFFECT_DELETE, w->path, 0, 0, NULL);

	if (S_ISDIR(st.st_mode)) {
		char val[8];
		ssize_t n;
		int sub;
		bool opaque;

		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						O_CLOEXEC);
		if (sub < 0)
			return -errno;
		n = fgetxattr(sub, "user.overlay.opaque", val, sizeof(val));
		opaque = n == 1 && val[0] == 'y';
		r = lower_stat(w, &lst, NULL);
		if (opaque || (r == 0 && !S_ISDIR(lst.st_mode)))
			r = push(fx, SANDBOX_EFFECT_OPAQUE_DIR, w->path, st.st_mode,
				 0, NULL);
		else if (r < 0 || (lst.st_mode & 07777) != (st.st_mode & 07777))
			r = push(fx, SANDBOX_EFFECT_DIR, w->path, st.st_mode, 0,
				 NULL);
		else
			r = 0;
		if (r == 0)
			r = walk_dir(w, sub, plen + nlen, depth + 1);
		close(sub);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[SANDBOX_MAX_PATH], ltarget[SANDBOX_MAX_PATH];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = lower_stat(w, &lst, NULL);
		if (r == 0 && S_ISLNK(lst.st_mode)) {
			ssize_t m = readlinkat(w->lower_root, w->path, ltarget,
					       sizeof(ltarget) - 1);

			if (m == n && memcmp(target, ltarget, (size_t)n) == 0)
				return 0;
		}
		return push(fx, SANDBOX_EFFECT_SYMLINK, w->path, 0, 0, target);
	}
	if (S_ISREG(st.st_mode)) {
		r = lower_stat(w, &lst, &lfd);
		if (r == 0 && S_ISREG(lst.st_mode) && lst.st_size == st.st_size) {
			int fd = open_beneath(w->lower_root, w->path, O_RDONLY);
			int same = fd < 0 ? 0 : same_content(dfd, name, fd,
							     st.st_size);

			if (fd >= 0)
				close(fd);
			close(lfd);
			if (same < 0)
				return same;
			if (same) {
				/* A copy-up keeps the lower file's times: an
				 * mtime that differs was set by a write of
				 * the same bytes or a touch (bash's file
				 * would have it); an equal one is a mere
				 * open for writing, or a chmod. */
				bool touched = st.st_mtim.tv_sec != lst.st_mtim.tv_sec ||
					       st.st_mtim.tv_nsec != lst.st_mtim.tv_nsec;

				r = 0;
				if ((lst.st_mode & 07777) != (st.st_mode & 07777))
					r = push(fx, SANDBOX_EFFECT_CHMOD, w->path,
						 st.st_mode, 0, NULL);
				if (r == 0 && touched) {
					r = push(fx, SANDBOX_EFFECT_TOUCH, w->path,
						 0, 0, NULL);
					if (r == 0)
						fx->v[fx->n - 1].mtime = st.st_mtim;
				}
				return r;
			}
		} else if (r == 0) {
			close(lfd);
		}
		return push(fx, SANDBOX_EFFECT_FILE, w->path, st.st_mode,
			    (uint64_t)st.st_size, NULL);
	}
	return push(fx, SANDBOX_EFFECT_SPECIAL, w->path, st.st_mode, 0, NULL);
}

static int walk_dir(struct walk *w, int dfd, size_t plen, int depth)
{
	char **names = NULL;
	size_t n = 0;
	int r;

	if (depth > MAX_DEPTH)
		return SANDBOX_E_PLAN_LIMIT;
	r = list_dir(dfd, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = visit(w, dfd, names[i], plen, depth);
		w->path[plen] = '\0';
		free(names[i]);
	}
	free(names);
	return r;
}

int sandbox_effects_scan(const char *upper_dir, const char *workspace,
			 sandbox_effects **ret_effects)
{
	struct walk *w = calloc(1, sizeof(*w));
	sandbox_effects *fx = calloc(1, sizeof(*fx));
	int dfd = -1, r;

	if (!w || !fx) {
		free(w);
		free(fx);
		return -ENOMEM;
	}
	fx->upper_fd = -1;
	w->fx = fx;
	w->lower_root = open(workspace, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->lower_root < 0) {
		r = -errno;
		goto out;
	}
	fx->upper_fd = open(upper_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
					       O_CLOEXEC);
	dfd = open(upper_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fx->upper_fd < 0 || dfd < 0) {
		r = -errno;
		goto out;
	}
	r = walk_dir(w, dfd, 0, 0);
out:
	if (dfd >= 0)
		close(dfd);
	if (w->lower_root >= 0)
		close(w->lower_root);
	free(w);
	if (r < 0) {
		sandbox_effects_free(fx);
		return r;
	}
	*ret_effects = fx;
	return 0;
}
