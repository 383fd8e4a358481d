/* landlock.c - the fence that lets a command see the host's processes
 * without reaching into them (plans with sandbox_plan_set_host_view).
 *
 * A "host view" run keeps its pid namespace (it can signal only its own
 * processes: a host pid means nothing in it) but sees the host's /proc,
 * read-only, so `ps`, `pgrep` and `top` list the user's processes. The
 * host's /proc also holds magic links into those processes:
 * /proc/PID/root, cwd, fd/N lead to the host's writable mounts, and the
 * kernel lets any process of the same uid follow them
 * (PTRACE_MODE_READ_FSCREDS), whatever mount namespace it is in: through
 * /proc/PID/root/home/u/.bashrc a command could write anywhere the user
 * can. A read-only /proc does not stop that (the open lands on the
 * target's mount), nor does the pid namespace.
 *
 * Landlock does: a process in a Landlock domain may ptrace (and so follow
 * those links of, read the memory or environment of) only processes in
 * the same domain or one nested in it. The command is put in a domain of
 * its own that restricts nothing it could otherwise do (the one handled
 * right, making block devices, needs CAP_MKNOD, which it does not have):
 * the domain exists for its ptrace rule. Its children inherit the domain,
 * so the command's own processes stay reachable from each other. */
#include <errno.h>
#include <linux/landlock.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"

static int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

bool sandbox_host_view_available(void)
{
	return landlock_abi() >= 1;
}

int sandbox_landlock_fence(void)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK,
	};
	int fd, r = 0;

	if (landlock_abi() < 1)
		return -EOPNOTSUPP;
	/* The first version's size: every kernel with Landlock takes it. */
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr,
			  sizeof(attr.handled_access_fs), 0);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		r = -errno;
	close(fd);
	return r;
}
