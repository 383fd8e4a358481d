/* error.c - sandbox_strerror() and the small I/O helpers every file uses. */
#include "sandbox/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Indexed by code - SANDBOX_E_FIRST. */
static const char *const messages[] = {
	"sandbox plan has no command (argv is empty)",
	"sandbox plan path is not absolute and normalized, or contains ',' ':' "
	"or '\\' (which overlayfs options cannot carry)",
	"sandbox plan has no working directory",
	"sandbox plan has no workspace, or the workspace is \"/\" or lies "
	"under /dev or /proc",
	"sandbox plan has no scratch directory, or the scratch directory "
	"contains the workspace",
	"sandbox plan names a standard input/output fd that is not open",
	"sandbox plan exceeds a size limit (arguments, variables, paths)",
	"user namespaces are not available to this user, so the command cannot "
	"be sandboxed (it was not run). Enable them: sysctl -w "
	"kernel.unprivileged_userns_clone=1 (Debian kernels), sysctl -w "
	"user.max_user_namespaces=10000, and on Ubuntu/AppArmor sysctl -w "
	"kernel.apparmor_restrict_unprivileged_userns=0 (or give shark an "
	"AppArmor profile with 'userns,')",
	"overlayfs could not be mounted in the user namespace, so the command "
	"cannot be sandboxed (it was not run). Needs Linux 5.11+ with overlayfs "
	"(modprobe overlay), the 'userxattr' option, and a scratch directory on "
	"a filesystem with user xattrs (ext4, xfs, btrfs, tmpfs on 6.6+)",
	"a mount step of the sandbox set-up failed",
	"the seccomp filter could not be built or loaded",
	"a step of the sandbox set-up failed",
	"the scratch directory already holds a run's upper/work directories",
	"the sandbox's result record is missing or corrupt (pid 1 was killed?)",
	"the sandbox handle is not in a state that allows this call",
	"effect path is absolute or has an empty, \".\" or \"..\" component",
	"effect refused: applying it would cross a symlink or leave the "
	"workspace",
	"a standard input/output fd cannot be handed to a sandboxed command: "
	"it is a device (only terminals and null, zero, full, random, urandom "
	"are passed), or a file that could not be reopened read-only; "
	"redirect it through a pipe instead (cat FILE | cmd)",
	"sandbox plan has a resource limit out of range (processes 16 to "
	"4194304, memory at least 16 MiB, tmpfs sizes 64 KiB to 1 PiB, "
	"timeout at most 366 days)",
	"effect refused: applying it would cross a mount point inside the "
	"workspace (nothing was changed there)",
	"its path lies inside a shark store (a directory holding "
	SANDBOX_STORE_MARKER "), which no command's effect may change "
	"(nothing was changed there)",
};

_Static_assert(sizeof(messages) / sizeof(messages[0]) ==
		       SANDBOX_E_LAST - SANDBOX_E_FIRST + 1,
	       "one message per SANDBOX_E_* code");

const char *sandbox_strerror(int err)
{
	if (err >= SANDBOX_E_FIRST && err <= SANDBOX_E_LAST)
		return messages[err - SANDBOX_E_FIRST];
	if (err == 0)
		return "success";
	if (err < 0)
		return strerror(-err);
	return "unknown sandbox error";
}

int sandbox_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sandbox_send_fd(int sock, const void *msg, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int sandbox_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
