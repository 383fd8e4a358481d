/* filter_load.c - loading the seccomp filter in the command: the program
 * was compiled when shark was built (filter.c's tables through
 * mk/filter-gen.c, into the generated filter_bpf.c), so no process
 * compiles it at run time and the library needs no libseccomp.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

int sandbox_filter_load(bool trace, int tty_in, bool network, int *ret_notify_fd)
{
	const struct sock_fprog *prog =
		&sandbox_filter_builtin[sandbox_filter_index(trace, tty_in, network)];
	long fd;

	if (prog->len == 0)
		return -EINVAL;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     trace ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, prog);
	if (fd < 0)
		return -errno;
	*ret_notify_fd = trace ? (int)fd : -1;
	return 0;
}
