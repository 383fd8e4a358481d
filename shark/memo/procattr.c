/* procattr.c - process attributes as inputs. A command inherits the
 * shell's resource limits, nice value and CPU set when it starts, and what
 * it computes may depend on them (`ulimit -n` in `sh -c`, `nproc`, `sort`
 * sizing its buffers and threads, `nice`). The tracer reports which of
 * them the run looked at (sandbox_result.attrs); each becomes a
 * STORE_INPUT_PROCESS input named after the attribute ("rlimit/nofile",
 * "nice", "affinity"), with the hash of the value this process has now:
 * the value it gave the command, since the shell changes none of them
 * while its own command runs. A lookup hashes its own value again. The
 * value is never taken from the command, which may have changed its own.
 * RLIMIT_STACK is in the action key instead (every program reads it at
 * start-up). Only what a run looked at is an input, so results shared
 * between machines miss only for the commands that did (docs/memo.md,
 * "Process attributes"). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "shark/memo/memo_int.h"

/* The kernel's RLIMIT_* numbers, named as prlimit(1) and `ulimit` do. */
static const char *const rlimit_names[SANDBOX_ATTR_N_RLIMITS] = {
	"cpu",	  "fsize",	"data",	      "stack",	  "core",  "rss",    "nproc",  "nofile",
	"memlock", "as",	"locks",      "sigpending", "msgqueue", "nice", "rtprio", "rttime",
};

#define RLIMIT_PREFIX "rlimit/"

/* The value of the attribute called name, as text into buf. -ENOENT for a
 * name this shell does not know, -errno when it cannot be read. */
static int attr_value(const char *name, char *buf, size_t size)
{
	if (strncmp(name, RLIMIT_PREFIX, sizeof(RLIMIT_PREFIX) - 1) == 0) {
		const char *res = name + sizeof(RLIMIT_PREFIX) - 1;
		for (int i = 0; i < (int)SANDBOX_ATTR_N_RLIMITS; i++) {
			if (i == RLIMIT_STACK || strcmp(res, rlimit_names[i]) != 0)
				continue;
			struct rlimit rl;
			if (getrlimit(i, &rl) < 0)
				return -errno;
			/* the two the plan sets in the command, soft and hard
			 * (sandbox/setup.c): what the command saw is the plan's */
			struct sandbox_limits pl;
			memo_run_limits(&pl);
			uint64_t set = i == RLIMIT_NPROC ? pl.max_procs
				       : i == RLIMIT_AS  ? pl.max_memory
							 : 0;
			if (set)
				rl.rlim_cur = rl.rlim_max = set;
			snprintf(buf, size, "%s=%llu:%llu", name, (unsigned long long)rl.rlim_cur,
				 (unsigned long long)rl.rlim_max);
			return 0;
		}
		return -ENOENT;
	}
	if (strcmp(name, "nice") == 0) {
		errno = 0;
		int n = getpriority(PRIO_PROCESS, 0);
		if (n == -1 && errno != 0)
			return -errno;
		snprintf(buf, size, "nice=%d", n);
		return 0;
	}
	if (strcmp(name, "affinity") == 0) {
		cpu_set_t set;
		if (sched_getaffinity(0, sizeof(set), &set) < 0)
			return -errno;
		/* the CPUs by number, so the text is the same whatever the
		 * size of the kernel's mask */
		size_t o = (size_t)snprintf(buf, size, "affinity=");
		for (int c = 0; c < CPU_SETSIZE && o < size; c++)
			if (CPU_ISSET(c, &set))
				o += (size_t)snprintf(buf + o, size - o, "%d,", c);
		return o < size ? 0 : -ENAMETOOLONG;
	}
	return -ENOENT;
}

int memo_process_attr_hash(const char *name, store_hash *ret)
{
	char buf[8192];
	int r = attr_value(name, buf, sizeof(buf));
	if (r < 0)
		return r;
	store_hash_bytes(buf, strlen(buf), ret);
	return 0;
}

bool memo_process_attr_matches(const struct store_input *in)
{
	store_hash h;
	return in->kind == STORE_INPUT_PROCESS && memo_process_attr_hash(in->path, &h) == 0 &&
	       store_hash_equal(&h, &in->hash);
}

int memo_process_attr_name(unsigned bit, char *buf, size_t size)
{
	if (bit == SANDBOX_ATTR_NICE)
		return snprintf(buf, size, "nice") < (int)size ? 0 : -ENAMETOOLONG;
	if (bit == SANDBOX_ATTR_AFFINITY)
		return snprintf(buf, size, "affinity") < (int)size ? 0 : -ENAMETOOLONG;
	for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++)
		if (bit == SANDBOX_ATTR_RLIMIT(i) && i != RLIMIT_STACK)
			return snprintf(buf, size, RLIMIT_PREFIX "%s", rlimit_names[i]) < (int)size
				       ? 0
				       : -ENAMETOOLONG;
	return -ENOENT;
}

/* The digits of a pid or tid at p, up to 9: their count, 0 if none. */
static size_t pid_digits(const char *p)
{
	size_t n = 0;
	while (n < 10 && p[n] >= '0' && p[n] <= '9')
		n++;
	return n >= 1 && n <= 9 ? n : 0;
}

unsigned memo_proc_file_attrs(const char *path)
{
	if (strncmp(path, "/proc/", 6) != 0)
		return 0;
	const char *c = path + 6;
	size_t n;
	if (strncmp(c, "self/", 5) == 0)
		c += 5;
	else if (strncmp(c, "thread-self/", 12) == 0)
		c += 12;
	else if ((n = pid_digits(c)) && c[n] == '/')
		c += n + 1;
	else
		return 0;
	if (strncmp(c, "task/", 5) == 0 && (n = pid_digits(c + 5)) && c[5 + n] == '/')
		c += 5 + n + 1;
	/* every limit, soft and hard: as if each were asked for (the
	 * stack's is keyed) */
	if (strcmp(c, "limits") == 0)
		return ((1u << SANDBOX_ATTR_N_RLIMITS) - 1) & ~SANDBOX_ATTR_RLIMIT(RLIMIT_STACK);
	return 0;
}
