/* apply.c - applying effects to the real workspace, and removing a run's
 * scratch contents.
 *
 * Effect paths come from an upper dir the command controlled, or later from
 * a store: they are untrusted. Every parent directory is opened with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV), so neither a symlink the command created nor one that
 * already existed in the workspace can lead a write elsewhere. The last
 * component is only ever created (O_EXCL, symlinkat, mkdirat), renamed over
 * (which replaces a symlink rather than following it), unlinked, or chmod'ed
 * with AT_SYMLINK_NOFOLLOW.
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
#include <unistd.h>

#define MAX_REMOVE_DEPTH 512

/* Relative, no empty / "." / ".." component, bounded. */
static bool effect_path_ok(const char *p)
{
	const char *c = p;

	if (!p || !*p || *p == '/' || strlen(p) >= SANDBOX_MAX_PATH)
		return false;
	for (;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (c[n] == '\0')
			return true;
		c += n + 1;
	}
}

/* Open the parent directory of path beneath the workspace; *ret_name
 * points into path at the last component. */
static int open_parent(int ws_fd, const char *path, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char parent[SANDBOX_MAX_PATH];
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd;

	if (!slash) {
		*ret_name = path;
		parent[0] = '.';
		parent[1] = '\0';
	} else {
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		*ret_name = slash + 1;
	}
	fd = (int)syscall(SYS_openat2, ws_fd, parent, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	/* ELOOP: a symlink on the way; EXDEV: a mount point or an escape. */
	if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
		return SANDBOX_E_REFUSED;
	return -errno;
}

/* Remove name in dirfd and, for a directory, everything below it, never
 * following a symlink. Directories we may not write are made writable
 * first (they are being removed anyway). */
static int remove_tree(int parent_fd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > MAX_REMOVE_DEPTH)
		return -ELOOP;
	if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if ((st.st_mode & 0700) != 0700)
		(void)fchmodat(parent_fd, name, 0700, AT_SYMLINK_NOFOLLOW);
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = remove_tree(dirfd(d), de->d_name, depth + 1);
	}
	closedir(d);
	if (r == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

/* Set-user-ID and set-group-ID bits are never applied to files: a command
 * run as root could otherwise plant a set-uid-root program in the
 * workspace. The effect still lists the mode it asked for. */
static mode_t safe_file_mode(mode_t mode)
{
	return mode & 01777;
}

static unsigned tmp_counter;

/* A fresh name in dirfd for a file or symlink about to be renamed in. */
static void tmp_name(char *buf, size_t size)
{
	snprintf(buf, size, ".shark-apply.%d.%u", (int)getpid(), ++tmp_counter);
}

static int copy_fd(int from, int to, uint64_t expect)
{
	char buf[65536];
	uint64_t total = 0;

	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > expect)
			return -EIO;
		if (sandbox_write_all(to, buf, (size_t)n) < 0)
			return -errno;
	}
	return total == expect ? 0 : -EIO;
}

/* Make room for a non-directory at name: a directory there goes. */
static int clear_dir_at(int pfd, const char *name)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISDIR(st.st_mode) ? remove_tree(pfd, name, 0) : 0;
}

/* Put the finished temporary entry tmp in place of name (a directory in
 * the way is removed first; a file or symlink there is replaced by the
 * rename, never followed); on failure tmp is removed. Returns r when r is
 * already an error (the caller's earlier step failed). */
static int replace_with_tmp(int pfd, const char *tmp, const char *name, int r)
{
	if (r == 0)
		r = clear_dir_at(pfd, name);
	if (r == 0 && renameat(pfd, tmp, pfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(pfd, tmp, 0);
	return r;
}

static int apply_file(int pfd, const char *name, const struct sandbox_effect *e,
		      int content_fd)
{
	char tmp[64];
	int fd, r;

	tmp_name(tmp, sizeof(tmp));
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	r = copy_fd(content_fd, fd, e->size);
	if (r == 0 && fchmod(fd, safe_file_mode(e->mode)) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return replace_with_tmp(pfd, tmp, name, r);
}

static int apply_symlink(int pfd, const char *name, const char *target)
{
	char tmp[64];
	int r = 0;

	if (!target)
		return -EINVAL;
	tmp_name(tmp, sizeof(tmp));
	if (symlinkat(target, pfd, tmp) < 0)
		return -errno;
	return replace_with_tmp(pfd, tmp, name, r);
}

/* A named pipe has no content: make a new one under a temporary name and
 * rename it over the final one, like a symlink. */
static int apply_fifo(int pfd, const char *name, mode_t mode)
{
	char tmp[64];
	int r = 0;

	tmp_name(tmp, sizeof(tmp));
	if (mkfifoat(pfd, tmp, mode & 07777) < 0)
		return -errno;
	if (fchmodat(pfd, tmp, mode & 07777, 0) < 0)
		r = -errno;
	return replace_with_tmp(pfd, tmp, name, r);
}

static int apply_dir(int pfd, const char *name, mode_t mode, bool opaque)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode) && opaque) {
			/* Replaced: empty it, keep the inode. */
			int r = remove_tree(pfd, name, 0);

			if (r < 0)
				return r;
		} else if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(pfd, name, 0) < 0)
				return -errno;
		}
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (fchmodat(pfd, name, mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

int sandbox_effect_apply(int workspace_fd, const struct sandbox_effect *e,
			 int content_fd)
{
	const char *name;
	int pfd, r;

	if (!effect_path_ok(e->path))
		return SANDBOX_E_UNSAFE_PATH;
	if (e->kind == SANDBOX_EFFECT_SPECIAL && !S_ISFIFO(e->mode))
		return SANDBOX_E_REFUSED;
	pfd = open_parent(workspace_fd, e->path, &name);
	if (pfd < 0)
		return pfd;
	switch (e->kind) {
	case SANDBOX_EFFECT_FILE:
		r = apply_file(pfd, name, e, content_fd);
		break;
	case SANDBOX_EFFECT_CHMOD:
		r = fchmodat(pfd, name, safe_file_mode(e->mode),
			     AT_SYMLINK_NOFOLLOW) < 0 ?
			    (errno == EOPNOTSUPP ? SANDBOX_E_REFUSED : -errno) :
			    0;
		break;
	case SANDBOX_EFFECT_DELETE:
		r = remove_tree(pfd, name, 0);
		break;
	case SANDBOX_EFFECT_DIR:
		r = apply_dir(pfd, name, e->mode, false);
		break;
	case SANDBOX_EFFECT_OPAQUE_DIR:
		r = apply_dir(pfd, name, e->mode, true);
		break;
	case SANDBOX_EFFECT_SYMLINK:
		r = apply_symlink(pfd, name, e->target);
		break;
	case SANDBOX_EFFECT_SPECIAL:
		r = S_ISFIFO(e->mode) ? apply_fifo(pfd, name, e->mode) : SANDBOX_E_REFUSED;
		break;
	default:
		r = -EINVAL;
		break;
	}
	close(pfd);
	return r;
}

int sandbox_effects_apply(const sandbox_effects *fx, int workspace_fd,
			  sandbox_refused_fn *on_refused, void *ctx)
{
	bool refused = false;

	for (size_t i = 0; i < sandbox_effects_count(fx); i++) {
		const struct sandbox_effect *e = sandbox_effects_get(fx, i);
		int fd = -1, r = 0;

		if (e->kind == SANDBOX_EFFECT_FILE)
			r = sandbox_effects_open(fx, i, &fd);
		if (r == 0)
			r = sandbox_effect_apply(workspace_fd, e, fd);
		if (fd >= 0)
			close(fd);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			refused = true;
			if (on_refused)
				on_refused(e, r, ctx);
		}
	}
	return refused ? SANDBOX_E_REFUSED : 0;
}

int sandbox_scratch_cleanup(const char *scratch_dir)
{
	static const char *const names[] = { SANDBOX_UPPER, SANDBOX_WORK,
					      SANDBOX_ROOT, SANDBOX_RESULT_FILE,
					      SANDBOX_RESULT_FILE ".tmp" };
	int dfd = open(scratch_dir, O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int e = remove_tree(dfd, names[i], 0);

		if (e < 0 && r == 0)
			r = e;
	}
	close(dfd);
	return r;
}
