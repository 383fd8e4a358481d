/* util.h - small helpers every part of shark/ shares (the shell, the memo
 * engine and the CLI); they depend on nothing else in shark/. */
#ifndef SHARK_UTIL_H
#define SHARK_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* ---- sizes and durations (units.c) ---- */

/* util_parse_size - "123", "10K", "1.5M", "2G", "1T" (powers of 1024,
 * optional trailing "B"/"iB"). -EINVAL on anything else, -ERANGE. */
int util_parse_size(const char *s, uint64_t *ret);

/* util_parse_age - "30" (seconds), "90s", "15m", "12h", "7d", "2w".
 * Result in nanoseconds. -EINVAL, -ERANGE. */
int util_parse_age(const char *s, int64_t *ret_ns);

/* util_format_size - "1.5 MiB" style into buf. Returns buf. */
const char *util_format_size(uint64_t bytes, char *buf, size_t size);

/* util_format_duration - "1.23 s", "45 ms", "2 min 3 s" into buf. Returns
 * buf. */
const char *util_format_duration(uint64_t ns, char *buf, size_t size);

/* util_format_duration_short - "450 ms", "1.2 s": the shell's one-line
 * "cached · saved ..." notice. Returns buf. */
const char *util_format_duration_short(uint64_t ns, char *buf, size_t size);

/* ---- writing and clocks (io.c) ---- */

/* util_write_all - write all len bytes of buf to fd, retrying short writes
 * and EINTR. 0, or -errno of the failed write (-EPIPE, -EAGAIN on a
 * non-blocking fd that is full, ...; -EIO if write wrote nothing); errno
 * is left as the failed write set it. */
int util_write_all(int fd, const void *buf, size_t len);

/* util_now_ns - clock (CLOCK_MONOTONIC, CLOCK_REALTIME, ...) in
 * nanoseconds. */
int64_t util_now_ns(int clock);

#endif
