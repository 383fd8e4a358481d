/* fds.c - holding the fds a script may name (0-9) while shark opens its
 * own, so that what it keeps lands at 10 or above. */
#include "shark/util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

void util_hold_free_fds(int *held, int n)
{
	/* One poll tells which of them are closed (POLLNVAL), instead of an
	 * fcntl per fd; when it cannot, each is asked. */
	struct pollfd p[UTIL_HOLD_FDS_MAX];
	if (n > UTIL_HOLD_FDS_MAX)
		n = UTIL_HOLD_FDS_MAX;
	for (int fd = 0; fd < n; fd++)
		p[fd] = (struct pollfd){ .fd = fd, .events = 0 };
	bool polled = poll(p, (nfds_t)n, 0) >= 0;
	for (int fd = 0; fd < n; fd++) {
		held[fd] = -1;
		bool closed = polled ? (p[fd].revents & POLLNVAL) != 0
				     : fcntl(fd, F_GETFD) < 0 && errno == EBADF;
		if (!closed)
			continue;
		int o = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (o >= 0 && o != fd) {
			close(o); /* not the lowest free fd: a gap below was filled */
			continue;
		}
		held[fd] = o;
	}
}

int util_move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0) < 0 ? -errno : 0;
	int r = dup2(fd, target) < 0 ? -errno : 0;
	close(fd);
	return r;
}

void util_release_fds(const int *held, int n)
{
	for (int fd = 0; fd < n && fd < UTIL_HOLD_FDS_MAX; fd++)
		if (held[fd] >= 0)
			close(held[fd]);
}
