/* apply.c - applying effects to the real workspace, and removing a run's
 * scratch contents.
 *
 * Effect paths come from an upper dir the command controlled, or later from
 * a store: they are untrusted, and so is the workspace itself, which other
 * processes (another user's, when shark runs as root) may change while
 * effects are applied. The rules:
 *
 *   - every path is resolved with openat2(RESOLVE_BENEATH |
 *     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), the
 *     last component included: no symlink is followed, nothing leaves the
 *     workspace, and no mount point is crossed (a bind mount inside the
 *     workspace is never written through or emptied: SANDBOX_E_CROSSES_MOUNT);
 *   - the last component is only ever created (O_EXCL, mknodat, symlinkat,
 *     mkdirat), renamed over (which replaces a symlink rather than
 *     following it) or unlinked; modes are set on a descriptor of the
 *     object itself (fchmod, or chmod of /proc/self/fd/N for an O_PATH
 *     descriptor), never by name, after checking its type;
 *   - temporary names are random (getrandom), so another process cannot
 *     prepare one; even if it guesses or watches for one, swapping it for a
 *     symlink or a hard link gains nothing by the rule above;
 *   - set-user-ID, set-group-ID and sticky bits are never applied;
 *   - file contents keep their holes (SEEK_DATA/SEEK_HOLE), so a sparse
 *     file costs its data, not its apparent size;
 *   - callers hold the workspace lock (sandbox_workspace_lock) so that two
 *     engines never apply to one workspace at once.
 */
#include "sandbox/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
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

/* openat2 beneath dirfd: no symlink, no magic link, no mount crossed.
 * flags gets O_NOFOLLOW and O_CLOEXEC. Returns the fd or a negative errno;
 * EXDEV (a mount point on the way or at the end) becomes
 * SANDBOX_E_CROSSES_MOUNT, ELOOP (a symlink on the way) SANDBOX_E_REFUSED. */
static int open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd >= 0)
		return fd;
	if (errno == EXDEV)
		return SANDBOX_E_CROSSES_MOUNT;
	if (errno == ELOOP)
		return SANDBOX_E_REFUSED;
	return -errno;
}

/* Open the parent directory of path beneath the workspace; *ret_name
 * points into path at the last component. */
static int open_parent(int ws_fd, const char *path, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char parent[SANDBOX_MAX_PATH];
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
	fd = open_beneath(ws_fd, parent, O_PATH | O_DIRECTORY);
	if (fd == -ENOTDIR)
		return SANDBOX_E_REFUSED;
	return fd;
}

/* What is at name in pfd, looked at through an O_PATH descriptor opened
 * without following a symlink or crossing a mount. Returns 0 (and *ret_fd
 * if wanted), -ENOENT, SANDBOX_E_CROSSES_MOUNT or another error. */
static int look_at(int pfd, const char *name, struct stat *st, int *ret_fd)
{
	int fd = open_beneath(pfd, name, O_PATH);

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

/* chmod the very object fd (O_PATH is fine) refers to: fchmod where the
 * descriptor allows it, else through its /proc/self/fd magic link, which
 * names that inode and nothing else. */
static int chmod_fd(int fd, mode_t mode)
{
	char p[64];

	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF)
		return -errno;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return chmod(p, mode) < 0 ? -errno : 0;
}

/* Applied modes keep the permission bits only: a command run as root could
 * otherwise plant a set-uid-root program, a set-gid directory or a FIFO
 * with special bits in the workspace. The effect still lists the mode it
 * asked for. */
static mode_t applied_mode(mode_t mode)
{
	return mode & 0777;
}

/* Look for a mount point or a store's marker anywhere in the tree at name
 * (a directory), without changing anything: 0, SANDBOX_E_CROSSES_MOUNT,
 * SANDBOX_E_IN_STORE, or an error. A directory that cannot be listed is
 * refused (SANDBOX_E_REFUSED): a store below it is still usable by its
 * path (search permission is enough), and remove_tree would make it
 * listable and remove it. */
static int tree_has_mount(int parent_fd, const char *name, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	if (depth > MAX_REMOVE_DEPTH)
		return -ELOOP;
	fd = open_beneath(parent_fd, name, O_RDONLY | O_DIRECTORY);
	if (fd == -EACCES)
		return SANDBOX_E_REFUSED;
	if (fd == -ENOENT || fd == -ENOTDIR || fd == SANDBOX_E_REFUSED)
		return 0;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, SANDBOX_STORE_MARKER) == 0) {
			r = SANDBOX_E_IN_STORE;
			break;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) {
			/* A file can be a mount point too (a bind-mounted file). */
			r = look_at(dirfd(d), de->d_name, &st, NULL);
			if (r == -ENOENT)
				r = 0;
			continue;
		}
		r = tree_has_mount(dirfd(d), de->d_name, depth + 1);
	}
	closedir(d);
	return r;
}

/* Remove name in dirfd and, for a directory, everything below it, never
 * following a symlink nor entering a mount. Directories we may not write
 * are made writable first (they are being removed anyway). */
static int remove_tree(int parent_fd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd = -1, r;

	if (depth > MAX_REMOVE_DEPTH)
		return -ELOOP;
	r = look_at(parent_fd, name, &st, &fd);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	if ((st.st_mode & 0700) != 0700)
		(void)chmod_fd(fd, 0700);
	close(fd);
	fd = open_beneath(parent_fd, name, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
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

/* Remove what is at name, first making sure no mount point lies in it, so
 * a deletion that would reach into a mount changes nothing at all. */
static int delete_at(int pfd, const char *name)
{
	struct stat st;
	int r = look_at(pfd, name, &st, NULL);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && S_ISDIR(st.st_mode))
		r = tree_has_mount(pfd, name, 0);
	return r < 0 ? r : remove_tree(pfd, name, 0);
}

/* A fresh, unpredictable name in a directory, for a file, FIFO or symlink
 * about to be renamed in: ".shark-apply." and 16 random hex digits. */
static int tmp_name(char *buf, size_t size)
{
	uint64_t rnd;
	ssize_t n;

	do
		n = getrandom(&rnd, sizeof(rnd), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rnd))
		return n < 0 ? -errno : -EIO;
	snprintf(buf, size, ".shark-apply.%016llx", (unsigned long long)rnd);
	return 0;
}

/* Copy exactly len bytes from offset `from_off` of from to offset `to_off`
 * of to (pread/pwrite: neither file offset moves). */
static int copy_range(int from, off_t from_off, int to, off_t to_off, uint64_t len)
{
	char buf[65536];

	while (len > 0) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t n = pread(from, buf, want, from_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shorter than its size said */
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(to, buf + done, (size_t)(n - done),
					   to_off + done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			done += w;
		}
		from_off += n;
		to_off += n;
		len -= (uint64_t)n;
	}
	return 0;
}

/* A stream (a pipe): read to EOF, exactly expect bytes. */
static int copy_stream(int from, int to, uint64_t expect)
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

/* Copy from's bytes from its current offset to its end into the empty file
 * to, which must come out exactly expect bytes long (else -EIO). Holes stay
 * holes: only the data segments SEEK_DATA/SEEK_HOLE report are written,
 * and the size is set with ftruncate. */
static int copy_content(int from, int to, uint64_t expect)
{
	struct stat st;
	off_t start = lseek(from, 0, SEEK_CUR), pos;

	if (start < 0 || fstat(from, &st) < 0 || !S_ISREG(st.st_mode))
		return copy_stream(from, to, expect);
	if (st.st_size < start || (uint64_t)(st.st_size - start) != expect)
		return -EIO;
	if (ftruncate(to, (off_t)expect) < 0)
		return -errno;
	for (pos = start; pos < st.st_size;) {
		off_t data = lseek(from, pos, SEEK_DATA), hole;
		int r;

		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (data < 0) /* no SEEK_DATA here: everything is data */
			return copy_range(from, pos, to, pos - start,
					  (uint64_t)(st.st_size - pos));
		hole = lseek(from, data, SEEK_HOLE);
		if (hole < 0 || hole > st.st_size)
			hole = st.st_size;
		r = copy_range(from, data, to, data - start, (uint64_t)(hole - data));
		if (r < 0)
			return r;
		pos = hole;
	}
	/* Leave from's offset at its end, as a read to EOF would. */
	(void)lseek(from, 0, SEEK_END);
	return 0;
}

/* Make room for a non-directory at name: a directory there goes (unless a
 * mount lies in it). A mount point at name is refused. */
static int clear_dir_at(int pfd, const char *name)
{
	struct stat st;
	int r = look_at(pfd, name, &st, NULL);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return S_ISDIR(st.st_mode) ? delete_at(pfd, name) : 0;
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
		r = errno == EBUSY ? SANDBOX_E_CROSSES_MOUNT : -errno;
	if (r < 0)
		unlinkat(pfd, tmp, 0);
	return r;
}

static int apply_file(int pfd, const char *name, const struct sandbox_effect *e,
		      int content_fd)
{
	char tmp[64];
	int fd, r;

	r = tmp_name(tmp, sizeof(tmp));
	if (r < 0)
		return r;
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	r = copy_content(content_fd, fd, e->size);
	if (r == 0 && fchmod(fd, applied_mode(e->mode)) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return replace_with_tmp(pfd, tmp, name, r);
}

static int apply_symlink(int pfd, const char *name, const char *target)
{
	char tmp[64];
	int r;

	if (!target)
		return -EINVAL;
	r = tmp_name(tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (symlinkat(target, pfd, tmp) < 0)
		return -errno;
	return replace_with_tmp(pfd, tmp, name, 0);
}

/* A named pipe has no content: make a new one under a temporary name, set
 * its mode through a descriptor of it (opening a FIFO for reading with
 * O_NONBLOCK never waits) after checking that what the name now holds is
 * the FIFO we made (ours, one link: not something swapped in), and rename
 * it over the final name, like a symlink. */
static int apply_fifo(int pfd, const char *name, mode_t mode)
{
	struct stat st;
	char tmp[64];
	int fd, r;

	r = tmp_name(tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (mknodat(pfd, tmp, S_IFIFO | 0600, 0) < 0)
		return -errno;
	fd = open_beneath(pfd, tmp, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		r = fd;
	else if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1)
		r = SANDBOX_E_REFUSED;
	else if (fchmod(fd, applied_mode(mode)) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return replace_with_tmp(pfd, tmp, name, r);
}

static int apply_dir(int pfd, const char *name, mode_t mode, bool opaque)
{
	struct stat st;
	int fd = -1, r = look_at(pfd, name, &st, NULL);

	if (r == 0) {
		if (S_ISDIR(st.st_mode) && opaque) {
			/* Replaced: empty it, keep the inode. */
			r = tree_has_mount(pfd, name, 0);
			if (r == 0)
				r = remove_tree(pfd, name, 0);
			if (r < 0)
				return r;
		} else if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(pfd, name, 0) < 0)
				return -errno;
		}
	} else if (r != -ENOENT) {
		return r;
	}
	if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	r = look_at(pfd, name, &st, &fd);
	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		r = SANDBOX_E_REFUSED;
	else
		r = chmod_fd(fd, applied_mode(mode));
	close(fd);
	return r;
}

/* A mode change of an existing entry: never a symlink (refused), never
 * the root of a mount, and never a file someone else owns that has other
 * hard links (where protected_hardlinks is off, anyone may link a host
 * file into a workspace they can write, and its mode would change). */
static int apply_chmod(int pfd, const char *name, mode_t mode)
{
	struct stat st;
	int fd = -1, r = look_at(pfd, name, &st, &fd);

	if (r < 0)
		return r;
	if (S_ISLNK(st.st_mode) || (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
				    st.st_uid != geteuid()))
		r = SANDBOX_E_REFUSED;
	else
		r = chmod_fd(fd, applied_mode(mode));
	close(fd);
	return r;
}

/* Set the times of an existing regular file, under the rules of a mode
 * change (no symlink, no mount root, no file someone else owns with other
 * hard links). The times are set on the very inode an O_PATH fd names
 * (utimensat with AT_EMPTY_PATH, else its /proc/self/fd link). */
static int apply_touch(int pfd, const char *name, struct timespec mtime)
{
	struct timespec ts[2] = { mtime, mtime };
	struct stat st;
	int fd = -1, r = look_at(pfd, name, &st, &fd);

	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode) || (st.st_nlink > 1 && st.st_uid != geteuid())) {
		r = SANDBOX_E_REFUSED;
	} else if (utimensat(fd, "", ts, AT_EMPTY_PATH) < 0) {
		char p[64];

		r = -errno;
		if (r == -EINVAL || r == -ENOENT) {
			snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
			r = utimensat(AT_FDCWD, p, ts, 0) < 0 ? -errno : 0;
		}
	}
	close(fd);
	return r;
}

/* Whether the directory at the first len bytes of path (beneath base_fd;
 * len 0: base_fd's own) holds a store's marker, of any type: 1 or 0. What
 * cannot be looked at without following a symlink or crossing a mount is
 * 0 here: the apply refuses to go there anyway. */
static int marker_in(int base_fd, const char *path, size_t len)
{
	char p[SANDBOX_MAX_PATH + sizeof(SANDBOX_STORE_MARKER) + 1];
	int fd;

	if (len) {
		memcpy(p, path, len);
		p[len++] = '/';
	}
	memcpy(p + len, SANDBOX_STORE_MARKER, sizeof(SANDBOX_STORE_MARKER));
	fd = open_beneath(base_fd, p, O_PATH);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int sandbox_effect_in_store(int base_fd, const struct sandbox_effect *e)
{
	const char *p = e->path;

	if (!effect_path_ok(p))
		return SANDBOX_E_UNSAFE_PATH;
	if (marker_in(base_fd, p, 0))
		return 1;
	for (const char *s = strchr(p, '/'); s; s = strchr(s + 1, '/'))
		if (marker_in(base_fd, p, (size_t)(s - p)))
			return 1;
	/* the target itself, when it is a store's directory: changed, emptied
	 * or removed (a touch applies to regular files only) */
	if (e->kind != SANDBOX_EFFECT_TOUCH && marker_in(base_fd, p, strlen(p)))
		return 1;
	return 0;
}

/* The ancestors one at a time: "..", its identity, its marker (three
 * calls per level), up to the root (its own parent). */
static int dir_in_store_walk(int dir_fd)
{
	struct stat st, up;
	int e, fd = openat(dir_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto fail;
	for (int depth = 0; depth < SANDBOX_MAX_PATH / 2; depth++) {
		int pfd;

		if (fstatat(fd, SANDBOX_STORE_MARKER, &up, AT_SYMLINK_NOFOLLOW) == 0) {
			close(fd);
			return 1;
		}
		if (errno != ENOENT)
			goto fail;
		pfd = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			goto fail;
		close(fd);
		fd = pfd;
		if (fstat(fd, &up) < 0)
			goto fail;
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
			break;
		st = up;
	}
	close(fd);
	return 0;
fail:
	e = -errno;
	close(fd);
	return e;
}

/* The number of components of dir_fd's path (from /proc/self/fd), or -1
 * when it cannot be told (no /proc, a removed directory). */
static int dir_depth(int dir_fd)
{
	char link[64], path[SANDBOX_MAX_PATH];
	ssize_t n;
	int depth = 0;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dir_fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/' || (size_t)n >= sizeof(path) - 1)
		return -1;
	path[n] = '\0';
	if (strstr(path, " (deleted)"))
		return -1;
	for (ssize_t i = 0; i < n; i++)
		if (path[i] == '/' && path[i + 1] && path[i + 1] != '/')
			depth++;
	return depth;
}

/* One fstatat per level: "../../.shark-store" beneath dir_fd, as many
 * ".." as its path has components (the root's ".." is itself, so one
 * too many looks at the root again, never beyond). */
int sandbox_dir_in_store(int dir_fd)
{
	char p[SANDBOX_MAX_PATH + sizeof(SANDBOX_STORE_MARKER)];
	struct stat st;
	int depth = dir_depth(dir_fd);

	if (depth < 0 || (size_t)depth * 3 + sizeof(SANDBOX_STORE_MARKER) > sizeof(p))
		return dir_in_store_walk(dir_fd);
	for (int k = 0; k <= depth; k++) {
		char *o = p;

		for (int i = 0; i < k; i++, o += 3)
			memcpy(o, "../", 3);
		memcpy(o, SANDBOX_STORE_MARKER, sizeof(SANDBOX_STORE_MARKER));
		if (fstatat(dir_fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
		/* an ancestor that cannot be looked into: not known clean */
		if (errno != ENOENT)
			return -errno;
	}
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
	r = sandbox_effect_in_store(workspace_fd, e);
	if (r != 0)
		return r == 1 ? SANDBOX_E_IN_STORE : r;
	pfd = open_parent(workspace_fd, e->path, &name);
	if (pfd < 0)
		return pfd;
	switch (e->kind) {
	case SANDBOX_EFFECT_FILE:
		r = apply_file(pfd, name, e, content_fd);
		break;
	case SANDBOX_EFFECT_CHMOD:
		r = apply_chmod(pfd, name, e->mode);
		break;
	case SANDBOX_EFFECT_TOUCH:
		r = apply_touch(pfd, name, e->mtime);
		break;
	case SANDBOX_EFFECT_DELETE:
		r = delete_at(pfd, name);
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

int sandbox_workspace_lock(int workspace_fd, int *ret_lock_fd)
{
	int fd = openat(workspace_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == EACCES) {
		/* A root we may search but not read: no descriptor to lock. */
		*ret_lock_fd = -1;
		return 0;
	}
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = -errno;

			close(fd);
			return e;
		}
	}
	*ret_lock_fd = fd;
	return 0;
}

void sandbox_workspace_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd); /* the last reference drops the flock */
}

/* Undo mountinfo's octal escapes (\040 for a space...) in place. */
static void unescape_mountinfo(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int sandbox_workspace_find_mount(const char *workspace, char *buf, size_t size)
{
	size_t wlen = strlen(workspace);
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	FILE *f;

	if (wlen == 0 || workspace[0] != '/')
		return -EINVAL;
	if (wlen == 1)
		wlen = 0; /* "/": every other mount point is beneath it */
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root MOUNT-POINT options ... */
		char *fields[5], *save = NULL, *mp;
		size_t i = 0;

		for (char *t = strtok_r(line, " ", &save); t && i < 5;
		     t = strtok_r(NULL, " ", &save))
			fields[i++] = t;
		if (i < 5)
			continue;
		mp = fields[4];
		unescape_mountinfo(mp);
		if (strncmp(mp, workspace, wlen) != 0 || mp[wlen] != '/' || mp[wlen + 1] == '\0')
			continue;
		if (buf && size) {
			size_t n = strlen(mp);

			if (n >= size)
				n = size - 1;
			memcpy(buf, mp, n);
			buf[n] = '\0';
		}
		r = 1;
	}
	if (r == 0 && ferror(f))
		r = -EIO;
	free(line);
	fclose(f);
	return r;
}

int sandbox_effects_apply(const sandbox_effects *fx, int workspace_fd,
			  sandbox_refused_fn *on_refused, void *ctx)
{
	bool refused = false;
	int lock = -1, r, in_store;

	if (sandbox_effects_count(fx) == 0)
		return 0;
	r = sandbox_workspace_lock(workspace_fd, &lock);
	if (r < 0)
		return r;
	/* a workspace inside a store (its own dir looked at per effect) */
	in_store = sandbox_dir_in_store(workspace_fd);
	for (size_t i = 0; i < sandbox_effects_count(fx); i++) {
		const struct sandbox_effect *e = sandbox_effects_get(fx, i);
		int fd = -1;

		/* not known to be outside every store: refused too */
		r = in_store == 1 ? SANDBOX_E_IN_STORE : in_store < 0 ? in_store : 0;
		if (r == 0 && e->kind == SANDBOX_EFFECT_FILE)
			r = sandbox_effects_open(fx, i, &fd);
		if (r == 0)
			r = sandbox_effect_apply(workspace_fd, e, fd);
		if (fd >= 0)
			close(fd);
		if (r == -ENOMEM) {
			sandbox_workspace_unlock(lock);
			return r;
		}
		if (r < 0) {
			refused = true;
			if (on_refused)
				on_refused(e, r, ctx);
		}
	}
	sandbox_workspace_unlock(lock);
	return refused ? SANDBOX_E_REFUSED : 0;
}

int sandbox_scratch_cleanup(const char *scratch_dir)
{
	static const char *const names[] = { SANDBOX_UPPER, SANDBOX_WORK,
					      SANDBOX_ROOT, SANDBOX_RESULT_FILE,
					      SANDBOX_RESULT_FILE ".tmp",
					      SANDBOX_TMP_UPPER, SANDBOX_TMP_UPPER ".part" };
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
