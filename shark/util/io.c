/* io.c - the write loop and the clock every part of shark/ uses. */
#include "shark/util/util.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int64_t util_now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int util_read_bounded(int fd, int wait_ms, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	int64_t deadline = util_now_ns(CLOCK_MONOTONIC) + (int64_t)wait_ms * 1000000;
	bool ended = false;
	while (got <= max) {
		int64_t left = (deadline - util_now_ns(CLOCK_MONOTONIC) + 999999) / 1000000;
		if (left <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		if (got == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break; /* not ended: the caller goes on with a stream */
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			ended = n == 0;
			break;
		}
		got += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = got;
	return ended && got <= max;
}
