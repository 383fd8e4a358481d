/* stdio.c - inside pid 1: the command's stdio fds, made safe to hand over.
 *
 * An fd is more than a stream: it names a filesystem object on a mount.
 * The caller's fds were opened on the host's read-write mounts, so a
 * command given one as is could reach the host through it: through the
 * magic link /proc/self/fd/0 (a directory on stdin: `echo x >
 * /proc/self/fd/0/etc/probe`), with openat(0, "x", O_CREAT), with fchmod or
 * by reopening a read-only file for writing (a cached blob of the store
 * handed to the next stage, a workspace file that the overlay would never
 * see change). So pid 1 replaces each one before the command gets it:
 *
 *   regular file (read-only), directory, named FIFO
 *       reopened with the same access mode through the read-only bind of
 *       the host root the sandbox is built on, before anything is mounted
 *       over it (so a workspace file comes from the read-only lower tree),
 *       after checking that the path names the same inode (dev and ino);
 *       the file offset is carried over, and carried back to the caller's
 *       fd when the command ends, so `{ head -n 1; head -n 1; } < f` reads
 *       on as in sh. A regular file whose name cannot be confirmed is
 *       copied into a sealed memfd (up to STDIO_COPY_MAX bytes); a
 *       directory whose name cannot be confirmed becomes /dev/null.
 *   null zero full random urandom
 *       reopened from the sandbox's own /dev, whose binds are read-only.
 *   terminals, pipes, sockets, anonymous inodes
 *       kept: they are not on a host mount (a terminal is on devpts; the
 *       command must be able to use it).
 *   a regular file opened for writing
 *       kept: writing it is what the caller asked for, a grant like
 *       SANDBOX_PATH_WRITABLE (shark never passes a file: its stages
 *       write into pipes).
 *   any other device
 *       refused (SANDBOX_E_STDIO).
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A regular file on stdio whose path does not lead back to it (renamed or
 * deleted meanwhile, on a mount the sandbox does not show) is copied into
 * memory, up to this size; a larger one is refused. */
#define STDIO_COPY_MAX ((off_t)1 << 30)

void sandbox_stdio_init(struct sandbox_stdio *s)
{
	for (int i = 0; i < 3; i++) {
		s->fd[i] = -1;
		s->orig[i] = -1;
	}
}

static int open_beneath(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Open what fd names again, through root_fd, with flags; only if it is the
 * same inode. -ESTALE when the name leads elsewhere or nowhere. */
static int reopen_same(int fd, const struct stat *st, int root_fd, int flags)
{
	char link[32], path[SANDBOX_MAX_PATH];
	struct stat nst;
	ssize_t n;
	int nfd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 1)
		return -ESTALE;
	path[n] = '\0';
	if (path[0] != '/')
		return -ESTALE; /* "pipe:[...]", "anon_inode:..." */
	nfd = open_beneath(root_fd, path, flags);
	if (nfd < 0)
		return -ESTALE;
	if (fstat(nfd, &nst) < 0 || nst.st_dev != st->st_dev ||
	    nst.st_ino != st->st_ino ||
	    (nst.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		close(nfd);
		return -ESTALE;
	}
	return nfd;
}

/* The whole of a regular file in a memfd sealed against writing. */
static int copy_to_memfd(int fd, const struct stat *st)
{
	char buf[65536];
	off_t off = 0;
	int mfd;

	if (st->st_size > STDIO_COPY_MAX)
		return -EFBIG;
	mfd = memfd_create("shark-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && sandbox_write_all(mfd, buf, (size_t)n) < 0)) {
			int e = errno;

			close(mfd);
			return -e;
		}
		if (n == 0)
			break;
		off += n;
		if (off > STDIO_COPY_MAX) {
			close(mfd);
			return -EFBIG;
		}
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
					 F_SEAL_SEAL) < 0) {
		int e = errno;

		close(mfd);
		return -e;
	}
	return mfd;
}

/* Put nfd in place of slot i, keeping the caller's fd to carry the offset
 * back at the end (seekable replacements only). */
static void replace(struct sandbox_stdio *s, int i, int nfd, bool seekable)
{
	if (seekable) {
		off_t off = lseek(s->fd[i], 0, SEEK_CUR);

		if (off > 0)
			(void)lseek(nfd, off, SEEK_SET);
		s->orig[i] = s->fd[i];
	} else {
		close(s->fd[i]);
	}
	s->fd[i] = nfd;
}

int sandbox_stdio_reopen_files(struct sandbox_stdio *s, int root_fd,
			       const char **ret_step)
{
	for (int i = 0; i < 3; i++) {
		struct stat st;
		int fd = s->fd[i], fl, nfd;

		if (fstat(fd, &st) < 0 || (fl = fcntl(fd, F_GETFL)) < 0) {
			*ret_step = "inspect stdio";
			return -errno;
		}
		if (S_ISREG(st.st_mode)) {
			if ((fl & O_ACCMODE) != O_RDONLY)
				continue; /* a write grant: see above */
			nfd = reopen_same(fd, &st, root_fd, O_RDONLY);
			if (nfd < 0)
				nfd = copy_to_memfd(fd, &st);
			if (nfd < 0) {
				*ret_step = "copy stdio file";
				return nfd;
			}
			replace(s, i, nfd, true);
		} else if (S_ISDIR(st.st_mode)) {
			nfd = reopen_same(fd, &st, root_fd, O_RDONLY | O_DIRECTORY);
			if (nfd < 0)
				nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (nfd < 0) {
				*ret_step = "reopen stdio directory";
				return -errno;
			}
			/* A directory's offset is its readdir position:
			 * nothing to carry. */
			replace(s, i, nfd, false);
		} else if (S_ISFIFO(st.st_mode)) {
			/* A named FIFO reopened is the same pipe; an
			 * anonymous pipe has no name and stays. */
			nfd = reopen_same(fd, &st, root_fd,
					  (fl & O_ACCMODE) | O_NONBLOCK);
			if (nfd == -ESTALE)
				continue;
			if (nfd < 0 || fcntl(nfd, F_SETFL, fl & O_NONBLOCK) < 0) {
				*ret_step = "reopen stdio FIFO";
				return nfd < 0 ? nfd : -errno;
			}
			replace(s, i, nfd, false);
		}
	}
	return 0;
}

/* The devices /dev of the sandbox holds (minor numbers of major 1). */
static const struct {
	unsigned minor;
	const char *name;
} harmless[] = {
	{ 3, "null" }, { 5, "zero" }, { 7, "full" }, { 8, "random" }, { 9, "urandom" },
};

int sandbox_stdio_reopen_devices(struct sandbox_stdio *s, int dev_fd,
				 const char **ret_step)
{
	for (int i = 0; i < 3; i++) {
		struct stat st;
		const char *name = NULL;
		int fd = s->fd[i], fl, nfd;

		if (fstat(fd, &st) < 0 || (fl = fcntl(fd, F_GETFL)) < 0) {
			*ret_step = "inspect stdio";
			return -errno;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		if (S_ISCHR(st.st_mode) && isatty(fd))
			continue; /* the command's terminal */
		for (size_t k = 0; S_ISCHR(st.st_mode) &&
				   k < sizeof(harmless) / sizeof(harmless[0]); k++)
			if (major(st.st_rdev) == 1 && minor(st.st_rdev) == harmless[k].minor)
				name = harmless[k].name;
		if (!name) {
			*ret_step = "stdio is a device";
			return SANDBOX_E_STDIO;
		}
		nfd = openat(dev_fd, name, (fl & (O_ACCMODE | O_APPEND | O_NONBLOCK)) |
						   O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
		if (nfd < 0) {
			*ret_step = "reopen stdio device";
			return -errno;
		}
		replace(s, i, nfd, false);
	}
	return 0;
}

void sandbox_stdio_carry_offsets(struct sandbox_stdio *s)
{
	for (int i = 0; i < 3; i++) {
		if (s->orig[i] < 0)
			continue;
		off_t off = lseek(s->fd[i], 0, SEEK_CUR);

		if (off >= 0)
			(void)lseek(s->orig[i], off, SEEK_SET);
	}
}
