/* tmplayer.c - handing the /tmp overlay's upper layer back to the caller
 * (plans with sandbox_plan_set_tmp_capture).
 *
 * What a command writes under /tmp lands in the upper layer of the /tmp
 * overlay, a tmpfs of SHARK_TMP_SIZE that lives in the run's own mount
 * namespace: the size bound is what keeps a command from filling the
 * host's disk through /tmp, and the namespace (so the tmpfs) dies with
 * pid 1. So when the command has ended, and every process it left behind
 * is dead (nothing writes the layer any more), pid 1 copies that layer
 * into the scratch dir, as "tmp-upper", for the caller to scan like the
 * workspace's upper dir. What is copied is bounded by the tmpfs's size.
 * Only what the scan reads is kept: directories (with the overlay's
 * "opaque" mark), regular files, symlinks, whiteouts and other special
 * files (a device other than a whiteout cannot be made here and is left
 * out: the scan would refuse it anyway). The copy is made under a
 * temporary name and renamed into place whole, so the caller never sees
 * half of it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sandbox/internal.h"

#define TMP_LAYER_MAX_DEPTH 256
#define TMP_LAYER_MAX_ENTRIES 1000000

static const char *const kept_xattrs[] = { "user.overlay.opaque", "user.overlay.whiteout" };

static int copy_xattrs(int src, int dst)
{
	char v[16];

	for (size_t i = 0; i < sizeof(kept_xattrs) / sizeof(kept_xattrs[0]); i++) {
		ssize_t n = fgetxattr(src, kept_xattrs[i], v, sizeof(v));

		if (n >= 0 && fsetxattr(dst, kept_xattrs[i], v, (size_t)n, 0) < 0)
			return -errno;
	}
	return 0;
}

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
	int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, r = 0;
	char buf[65536];

	if (in < 0)
		return -errno;
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		r = -errno;
	while (r == 0) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		r = sandbox_write_all(out, buf, (size_t)n);
	}
	if (r == 0)
		r = copy_xattrs(in, out);
	if (r == 0 && fchmod(out, st->st_mode & 07777) < 0)
		r = -errno;
	if (r == 0) {
		/* The times too: the scan tells a file that was written or
		 * touched (SANDBOX_EFFECT_TOUCH) from one only copied up by
		 * an open for writing by its mtime. */
		struct timespec ts[2] = { st->st_atim, st->st_mtim };

		if (futimens(out, ts) < 0)
			r = -errno;
	}
	close(in);
	if (out >= 0)
		close(out);
	return r;
}

static int copy_dir(int src, int dst, int depth, size_t *count, dev_t dev, int dirs_fd);

static bool layer_empty(int layer_fd, dev_t dev);

/* The upper layer of a host directory's overlay (dirs_fd/name), when the
 * command changed something in it: copied as directory name of dst, with
 * st's mode (the host directory's, which the overlay shows). */
static int copy_upper(int dirs_fd, int dst, const char *name, const struct stat *st,
		      size_t *count, dev_t dev)
{
	int s = openat(dirs_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), d, r;

	if (s < 0)
		return errno == ENOENT ? 0 : -errno;
	/* nothing changed in it (an upper dir holds no mount: every entry
	 * is on its own device) */
	struct stat ust;
	if (fstat(s, &ust) == 0 && layer_empty(s, ust.st_dev)) {
		close(s);
		return 0;
	}
	r = mkdirat(dst, name, 0700) < 0 ? -errno : 0;
	d = r < 0 ? -1 : openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && d < 0)
		r = -errno;
	if (r == 0)
		r = copy_dir(s, d, 1, count, dev, -1);
	if (r == 0 && fchmod(d, st->st_mode & 07777) < 0)
		r = -errno;
	close(s);
	if (d >= 0)
		close(d);
	return r;
}

/* dev: the layer's device. An entry on another is a mount on a
 * placeholder (the private /tmp's entries from the host, setup.c
 * tmp_entries): the host's, not the command's, and left out, unless
 * dirs_fd has the upper layer of that directory's overlay, with something
 * in it: then that is copied as the directory (not opaque: the scan reads
 * its entries as changes in the host's directory). */
static int copy_entry(int src, int dst, const char *name, int depth, size_t *count,
		      dev_t dev, int dirs_fd)
{
	struct stat st;
	char target[SANDBOX_MAX_PATH];
	ssize_t n;

	if (++*count > TMP_LAYER_MAX_ENTRIES)
		return -E2BIG;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (st.st_dev != dev)
		return dirs_fd >= 0 && depth == 0 && S_ISDIR(st.st_mode)
			       ? copy_upper(dirs_fd, dst, name, &st, count, dev)
			       : 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return copy_file(src, dst, name, &st);
	case S_IFLNK:
		n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		return symlinkat(target, dst, name) < 0 ? -errno : 0;
	case S_IFDIR: {
		int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), d = -1, r;

		if (s < 0)
			return -errno;
		r = mkdirat(dst, name, 0700) < 0 ? -errno : 0;
		if (r == 0) {
			d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = d < 0 ? -errno : copy_xattrs(s, d);
		}
		if (r == 0)
			r = copy_dir(s, d, depth + 1, count, dev, -1);
		if (r == 0 && fchmod(d, st.st_mode & 07777) < 0)
			r = -errno;
		close(s);
		if (d >= 0)
			close(d);
		return r;
	}
	default:
		/* a whiteout (0:0), a FIFO, a socket: made again; a device
		 * that cannot be is left out (the scan refuses devices) */
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0 &&
		    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
		     (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))))
			return -errno;
		return 0;
	}
}

static int copy_dir(int src, int dst, int depth, size_t *count, dev_t dev, int dirs_fd)
{
	int fd, r = 0;
	DIR *d;
	struct dirent *de;

	if (depth > TMP_LAYER_MAX_DEPTH)
		return -ELOOP;
	fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = copy_entry(src, dst, de->d_name, depth, count, dev, dirs_fd);
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

/* Whether the layer holds no entry of its own (dev; copy_entry):
 * nothing written under /tmp. */
static bool layer_empty(int layer_fd, dev_t dev)
{
	int fd = openat(layer_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool empty = true;
	DIR *d;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (empty && (errno = 0, de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		empty = fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev != dev;
		errno = 0;
	}
	if (errno != 0)
		empty = false;
	closedir(d);
	return empty;
}

/* A copy that was there before this run's: moved out of the shell's way
 * (the shell reads tmp-upper only; the reaper removes the scratch dir,
 * which no longer proves a skeleton). Returns the error that marks the
 * run incomplete. */
static int drop_stranger(int scratch_fd)
{
	(void)renameat2(scratch_fd, SANDBOX_TMP_UPPER, scratch_fd, SANDBOX_TMP_UPPER ".stale",
			RENAME_NOREPLACE);
	return -EEXIST;
}

int sandbox_tmp_layer_export(int layer_fd, int dirs_fd, int scratch_fd)
{
	static const char part[] = SANDBOX_TMP_UPPER ".part";
	size_t count = 0;
	struct stat st;
	int dst, r;

	/* Nothing written: no copy, and no directory made (a new inode
	 * costs 100-190 us of CPU on an ext4 without a journal); the caller
	 * reads a missing copy as an empty one. So a copy that is there
	 * anyway was put there by someone else (another shell's command can
	 * write into this scratch dir through its own /tmp or $TMPDIR): it
	 * is removed when it is empty, and either way the run is reported
	 * incomplete, never recorded with it. */
	if (fstat(layer_fd, &st) < 0)
		return -errno;
	if (dirs_fd < 0 && layer_empty(layer_fd, st.st_dev)) {
		if (unlinkat(scratch_fd, SANDBOX_TMP_UPPER, AT_REMOVEDIR) == 0)
			return -EEXIST;
		if (errno == ENOENT)
			return 0;
		return drop_stranger(scratch_fd);
	}
	if (mkdirat(scratch_fd, part, 0700) < 0)
		return -errno;
	dst = openat(scratch_fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return -errno;
	r = copy_dir(layer_fd, dst, 0, &count, st.st_dev, dirs_fd);
	if (r == 0 && fchmod(dst, 01777) < 0)
		r = -errno;
	close(dst);
	if (r == 0 && renameat(scratch_fd, part, scratch_fd, SANDBOX_TMP_UPPER) < 0) {
		r = -errno;
		if (r == -ENOTEMPTY || r == -EEXIST)
			(void)drop_stranger(scratch_fd);
	}
	return r;
}
