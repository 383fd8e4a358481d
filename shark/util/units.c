/* units.c - sizes and durations, read from and written for people:
 * "10M" and "7d" on the command line and in $SHARK_GC_MAX_SIZE, "1.5 MiB"
 * and "45 ms" in reports. */
#include "shark/util/util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- parsing ------------------------------------------------------------------ */

/* A non-negative decimal with an optional fraction, then the rest. */
static int parse_number(const char *s, double *ret, const char **ret_end)
{
	if (!s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0)
		return -ERANGE;
	*ret = v;
	*ret_end = end;
	return 0;
}

int util_parse_size(const char *s, uint64_t *ret)
{
	double v;
	const char *u;
	int r = parse_number(s, &v, &u);
	if (r < 0)
		return r;
	static const char units[] = "KMGTP";
	double mul = 1;
	if (*u) {
		const char *p = strchr(units, *u >= 'a' ? *u - 32 : *u);
		if (p && *u != 'b' && *u != 'B') {
			for (const char *q = units; q <= p; q++)
				mul *= 1024;
			u++;
			if (*u == 'i')
				u++;
		}
		if (*u == 'B' || *u == 'b')
			u++;
	}
	if (*u)
		return -EINVAL;
	v *= mul;
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

int util_parse_age(const char *s, int64_t *ret_ns)
{
	double v;
	const char *u;
	int r = parse_number(s, &v, &u);
	if (r < 0)
		return r;
	double mul;
	if (!*u || strcmp(u, "s") == 0)
		mul = 1;
	else if (strcmp(u, "m") == 0 || strcmp(u, "min") == 0)
		mul = 60;
	else if (strcmp(u, "h") == 0)
		mul = 3600;
	else if (strcmp(u, "d") == 0)
		mul = 86400;
	else if (strcmp(u, "w") == 0)
		mul = 7 * 86400;
	else
		return -EINVAL;
	v *= mul * 1e9;
	if (v >= 9.2e18)
		return -ERANGE;
	*ret_ns = (int64_t)v;
	return 0;
}

/* ---- formatting ---------------------------------------------------------------- */

const char *util_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

const char *util_format_duration(uint64_t ns, char *buf, size_t size)
{
	double s = (double)ns / 1e9;
	if (ns < 1000000)
		snprintf(buf, size, "%.2f ms", (double)ns / 1e6);
	else if (s < 1)
		snprintf(buf, size, "%.0f ms", (double)ns / 1e6);
	else if (s < 60)
		snprintf(buf, size, "%.2f s", s);
	else if (s < 3600)
		snprintf(buf, size, "%d min %d s", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, size, "%d h %d min", (int)(s / 3600), (int)(s / 60) % 60);
	return buf;
}

const char *util_format_duration_short(uint64_t ns, char *buf, size_t size)
{
	double s = (double)ns / 1e9;
	if (s < 1)
		snprintf(buf, size, "%.0f ms", s * 1000);
	else
		snprintf(buf, size, "%.1f s", s);
	return buf;
}
