/* procattr.c - process attributes as inputs. A command inherits the
 * shell's resource limits, nice value, CPU set, scheduling policy and I/O
 * priority when it starts, and what it computes may depend on them
 * (`ulimit -n` in `sh -c`, `nproc`, `sort` sizing its buffers and threads,
 * `nice`, `chrt -p`, `ionice`), and the terminal's window size (`ls`'s
 * columns, `stty size`). The tracer reports which of them the run
 * looked at (sandbox_result.attrs); each becomes a STORE_INPUT_PROCESS
 * input named after the attribute ("rlimit/nofile", "nice", "affinity",
 * "sched", "ioprio", "winsize"), with the hash of the value this process had just before
 * the pipeline's stages started (memo_procattrs_now): the value it gave the
 * command, even when someone changed the shell's from outside while the
 * command ran. A lookup hashes its current value with the same code. The
 * value is never taken from the command, which may have changed its own.
 * RLIMIT_STACK is in the action key instead (every program reads it at
 * start-up). Only what a run looked at is an input (and, for a failed run,
 * the enforced limits: memo.c), so results shared between machines miss
 * only for the commands that did (docs/memo.md, "Process attributes"). */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"

/* The kernel's RLIMIT_* numbers, named as prlimit(1) and `ulimit` do. */
static const char *const rlimit_names[SANDBOX_ATTR_N_RLIMITS] = {
	"cpu",	  "fsize",	"data",	      "stack",	  "core",  "rss",    "nproc",  "nofile",
	"memlock", "as",	"locks",      "sigpending", "msgqueue", "nice", "rtprio", "rttime",
};

#define RLIMIT_PREFIX "rlimit/"

/* sched_getattr(2)'s struct (glibc has no wrapper before 2.41): the
 * policy, its parameters and the utilization clamps. */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

/* The commands' limits (memo.h): the bits of set name those `ulimit` set;
 * the others are this process's own. */
static struct {
	uint32_t set;
	struct rlimit rl[SANDBOX_ATTR_N_RLIMITS];
	/* the bits of inherited name the limits memo_ulimit_init found
	 * (inh, the commands' while this process's own is still own_then,
	 * what it made it: a change from outside, `prlimit --pid`, wins) */
	uint32_t inherited;
	struct rlimit inh[SANDBOX_ATTR_N_RLIMITS], own_then[SANDBOX_ATTR_N_RLIMITS];
	bool xfsz_own; /* SIGXFSZ ignored by memo_ulimit_init, for good */
	bool xfsz_user_ign; /* with xfsz_own: the user's `trap "" XFSZ` */
} cmd_limits;

#define LIMITS_ENV "SHARK_CMD_LIMITS"

/* "R=CUR:MAX" (decimal, "u" for unlimited) into *v; the text after it */
static const char *parse_limit_value(const char *p, rlim_t *v)
{
	if (*p == 'u') {
		*v = RLIM_INFINITY;
		return p + 1;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(p, &end, 10);
	if (errno || end == p)
		return NULL;
	*v = (rlim_t)n;
	return end;
}

/* The commands' limits a parent shark passed to this one (memo_ulimit_
 * exec_env), taken out of the environment so that no command sees it. */
static void limits_from_env(void)
{
	const char *p = getenv(LIMITS_ENV);

	while (p && *p) {
		char *end;
		unsigned long res = strtoul(p, &end, 10);
		struct rlimit rl;

		if (end == p || *end != '=' || res >= SANDBOX_ATTR_N_RLIMITS ||
		    !(p = parse_limit_value(end + 1, &rl.rlim_cur)) || *p != ':' ||
		    !(p = parse_limit_value(p + 1, &rl.rlim_max)) || rl.rlim_cur > rl.rlim_max)
			break;
		cmd_limits.rl[res] = rl;
		cmd_limits.set |= SANDBOX_ATTR_RLIMIT(res);
		if (*p != ',')
			break;
		p++;
	}
	unsetenv(LIMITS_ENV);
}

/* v as LIMITS_ENV writes it: decimal, or "u" for unlimited */
static void put_limit_value(char *buf, size_t size, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "u");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* SIGXFSZ as the user left it, in a child about to exec: the shell's
 * own ignoring of it ends there */
static void xfsz_user_disposition(void)
{
	if (cmd_limits.xfsz_own)
		signal(SIGXFSZ, cmd_limits.xfsz_user_ign ? SIG_IGN : SIG_DFL);
}

char *memo_ulimit_exec_env(void)
{
	xfsz_user_disposition();
	if (!(cmd_limits.set | cmd_limits.inherited))
		return NULL;
	size_t size = sizeof(LIMITS_ENV "=") + SANDBOX_ATTR_N_RLIMITS * 48, len;
	char *buf = malloc(size);
	if (!buf)
		return NULL;
	snprintf(buf, size, LIMITS_ENV "=");
	for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++) {
		char cur[24], max[24];
		struct rlimit rl;
		if (!((cmd_limits.set | cmd_limits.inherited) & SANDBOX_ATTR_RLIMIT(i)) ||
		    memo_ulimit_get((int)i, &rl) < 0)
			continue;
		put_limit_value(cur, sizeof(cur), rl.rlim_cur);
		put_limit_value(max, sizeof(max), rl.rlim_max);
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%u=%s:%s", buf[len - 1] == '=' ? "" : ",", i,
			 cur, max);
	}
	return buf;
}

void memo_ulimit_init(void)
{
	static const int raise_own[] = { RLIMIT_FSIZE, RLIMIT_NOFILE };
	struct rlimit rl;

	limits_from_env();
	for (size_t i = 0; i < sizeof(raise_own) / sizeof(raise_own[0]); i++) {
		int res = raise_own[i];

		if (getrlimit(res, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
			continue;
		cmd_limits.inh[res] = rl;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(res, &rl) == 0) {
			cmd_limits.own_then[res] = rl;
			cmd_limits.inherited |= SANDBOX_ATTR_RLIMIT(res);
		}
	}
	/* a finite file size limit of its own, raised or not: the engine's
	 * writes for the commands check it (memo_fsize_limit) */
	struct sigaction sa;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		if (!(cmd_limits.inherited & SANDBOX_ATTR_RLIMIT(RLIMIT_FSIZE))) {
			cmd_limits.inh[RLIMIT_FSIZE] = cmd_limits.own_then[RLIMIT_FSIZE] = rl;
			cmd_limits.inherited |= SANDBOX_ATTR_RLIMIT(RLIMIT_FSIZE);
		}
		if (sigaction(SIGXFSZ, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
			signal(SIGXFSZ, SIG_IGN);
			cmd_limits.xfsz_own = true;
		}
	}
}

bool memo_ulimit_xfsz_own(void)
{
	return cmd_limits.xfsz_own;
}

void memo_ulimit_xfsz_user(bool ignored)
{
	cmd_limits.xfsz_user_ign = ignored;
}

bool memo_ulimit_xfsz_user_ignored(void)
{
	return cmd_limits.xfsz_user_ign;
}

size_t memo_ulimit_fsize_room(int fd, size_t n, bool *over)
{
	return (size_t)memo_fsize_room(fd, n, over);
}

int memo_ulimit_get(int resource, struct rlimit *ret)
{
	if (resource < 0 || (unsigned)resource >= SANDBOX_ATTR_N_RLIMITS)
		return -EINVAL;
	if (cmd_limits.set & SANDBOX_ATTR_RLIMIT(resource)) {
		*ret = cmd_limits.rl[resource];
		return 0;
	}
	if (getrlimit(resource, ret) < 0)
		return -errno;
	if ((cmd_limits.inherited & SANDBOX_ATTR_RLIMIT(resource)) &&
	    ret->rlim_cur == cmd_limits.own_then[resource].rlim_cur &&
	    ret->rlim_max == cmd_limits.own_then[resource].rlim_max)
		*ret = cmd_limits.inh[resource];
	return 0;
}

/* CAP_SYS_RESOURCE in this process's effective set: what lets the
 * kernel raise a hard limit */
static bool may_raise_hard(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[CAP_SYS_RESOURCE / 32].effective >> (CAP_SYS_RESOURCE % 32)) & 1;
}

int memo_ulimit_set(int resource, const struct rlimit *rl)
{
	struct rlimit old, own;
	int r = memo_ulimit_get(resource, &old);

	if (r < 0)
		return r;
	if (rl->rlim_cur > rl->rlim_max)
		return -EINVAL;
	if (rl->rlim_max > old.rlim_max && !may_raise_hard())
		return -EPERM;
	if (getrlimit(resource, &own) < 0)
		return -errno;
	/* above this process's own: its own goes up too (the kernel
	 * checks what only it knows, fs.nr_open), so a command can get it */
	if (rl->rlim_cur > own.rlim_cur || rl->rlim_max > own.rlim_max) {
		struct rlimit up = { rl->rlim_cur > own.rlim_cur ? rl->rlim_cur : own.rlim_cur,
				     rl->rlim_max > own.rlim_max ? rl->rlim_max : own.rlim_max };
		if (setrlimit(resource, &up) < 0)
			return -errno;
	}
	cmd_limits.rl[resource] = *rl;
	cmd_limits.set |= SANDBOX_ATTR_RLIMIT(resource);
	return 0;
}

void memo_ulimit_apply_self(void)
{
	xfsz_user_disposition();
	for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++) {
		struct rlimit rl;
		if (((cmd_limits.set | cmd_limits.inherited) & SANDBOX_ATTR_RLIMIT(i)) &&
		    memo_ulimit_get((int)i, &rl) == 0)
			(void)setrlimit((int)i, &rl);
	}
}

int memo_ulimit_plan(sandbox_plan *plan)
{
	for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++) {
		struct rlimit own, rl;

		if (!((cmd_limits.set | cmd_limits.inherited) & SANDBOX_ATTR_RLIMIT(i)) ||
		    getrlimit((int)i, &own) < 0 || memo_ulimit_get((int)i, &rl) < 0)
			continue;
		if (own.rlim_cur == rl.rlim_cur && own.rlim_max == rl.rlim_max)
			continue;
		int r = sandbox_plan_set_rlimit(plan, (int)i, &rl);
		if (r < 0)
			return r;
	}
	return 0;
}

uint64_t memo_fsize_limit(void)
{
	/* `ulimit -f` set it, or memo_ulimit_init found a finite one: else
	 * there is none, and no system call asks */
	struct rlimit rl;
	if (cmd_limits.set & SANDBOX_ATTR_RLIMIT(RLIMIT_FSIZE))
		return (uint64_t)cmd_limits.rl[RLIMIT_FSIZE].rlim_cur;
	if ((cmd_limits.inherited & SANDBOX_ATTR_RLIMIT(RLIMIT_FSIZE)) &&
	    memo_ulimit_get(RLIMIT_FSIZE, &rl) == 0)
		return (uint64_t)rl.rlim_cur;
	return (uint64_t)RLIM_INFINITY;
}

uint64_t memo_fsize_room(int fd, uint64_t n, bool *over)
{
	struct rlimit rl = { memo_fsize_limit(), 0 };
	struct stat st;

	*over = false;
	/* (a write of nothing is never refused) */
	if (n == 0 || rl.rlim_cur == RLIM_INFINITY || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return n;
	int fl = fcntl(fd, F_GETFL);
	off_t pos = fl >= 0 && (fl & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || (uint64_t)pos + n <= rl.rlim_cur)
		return n;
	*over = true;
	return (uint64_t)pos >= rl.rlim_cur ? 0 : rl.rlim_cur - (uint64_t)pos;
}

/* *rl for a limit the plan sets to v, soft and hard, in the command before
 * the commands' own limits are lowered onto it */
static void plan_limit(struct rlimit *rl, int res, rlim_t v)
{
	if (!(cmd_limits.set & SANDBOX_ATTR_RLIMIT(res))) {
		rl->rlim_cur = rl->rlim_max = v;
		return;
	}
	rl->rlim_max = cmd_limits.rl[res].rlim_max < v ? cmd_limits.rl[res].rlim_max : v;
	rl->rlim_cur = cmd_limits.rl[res].rlim_cur < rl->rlim_max ? cmd_limits.rl[res].rlim_cur
								 : rl->rlim_max;
}

/* Read the attributes in bits (SANDBOX_ATTR_* bits) into pa; a bit that
 * could not be read is set in pa->failed. */
static void attrs_read(struct memo_procattrs *pa, unsigned bits)
{
	for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++) {
		if (!(bits & SANDBOX_ATTR_RLIMIT(i)) || i == RLIMIT_STACK)
			continue;
		if (memo_ulimit_get((int)i, &pa->rl[i]) < 0)
			pa->failed |= SANDBOX_ATTR_RLIMIT(i);
	}
	if (bits & (SANDBOX_ATTR_RLIMIT(RLIMIT_NPROC) | SANDBOX_ATTR_RLIMIT(RLIMIT_AS))) {
		/* the two the plan sets in the command, soft and hard
		 * (sandbox/setup.c): what the command saw is the plan's, or
		 * the lower value `ulimit` set (apply_rlimits there) */
		struct sandbox_limits pl;
		memo_run_limits(&pl);
		if (pl.max_procs)
			plan_limit(&pa->rl[RLIMIT_NPROC], RLIMIT_NPROC, pl.max_procs);
		if (pl.max_memory)
			plan_limit(&pa->rl[RLIMIT_AS], RLIMIT_AS, pl.max_memory);
	}
	if (bits & SANDBOX_ATTR_NICE) {
		errno = 0;
		pa->nice = getpriority(PRIO_PROCESS, 0);
		if (pa->nice == -1 && errno != 0)
			pa->failed |= SANDBOX_ATTR_NICE;
	}
	if ((bits & SANDBOX_ATTR_AFFINITY) && sched_getaffinity(0, sizeof(pa->cpus), &pa->cpus) < 0)
		pa->failed |= SANDBOX_ATTR_AFFINITY;
	if (bits & SANDBOX_ATTR_SCHED) {
		struct sched_attr_v1 sa;
		memset(&sa, 0, sizeof(sa));
		if (syscall(SYS_sched_getattr, 0, &sa, (unsigned)sizeof(sa), 0) == 0) {
			pa->sched[0] = sa.policy;
			pa->sched[1] = sa.flags;
			pa->sched[2] = sa.priority;
			pa->sched[3] = sa.runtime;
			pa->sched[4] = sa.deadline;
			pa->sched[5] = sa.period;
			pa->sched[6] = sa.util_min;
			pa->sched[7] = sa.util_max;
		} else {
			/* a kernel before 3.14: the policy and priority */
			struct sched_param sp = { 0 };
			int pol = sched_getscheduler(0);
			if (pol < 0 || sched_getparam(0, &sp) < 0)
				pa->failed |= SANDBOX_ATTR_SCHED;
			memset(pa->sched, 0, sizeof(pa->sched));
			pa->sched[0] = (uint64_t)pol & ~(uint64_t)SCHED_RESET_ON_FORK;
			pa->sched[1] = (pol & SCHED_RESET_ON_FORK) ? 1 : 0;
			pa->sched[2] = (uint64_t)sp.sched_priority;
		}
	}
	if (bits & SANDBOX_ATTR_IOPRIO) {
		long v = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
		if (v < 0)
			pa->failed |= SANDBOX_ATTR_IOPRIO;
		pa->ioprio = (int)v;
	}
	if (bits & SANDBOX_ATTR_WINSIZE) {
		/* Every terminal a command can ask sees the size of the one
		 * shark runs at: its stdin, or a pseudo-terminal the engine
		 * sized like it (run.c). None open: 0x0, what a run with no
		 * terminal is keyed with anyway. */
		struct winsize ws;
		pa->rows = pa->cols = 0;
		for (int fd = 0; fd <= 2; fd++) {
			if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0) {
				pa->rows = ws.ws_row;
				pa->cols = ws.ws_col;
				break;
			}
		}
	}
}

void memo_procattrs_now(struct memo_procattrs *pa)
{
	memset(pa, 0, sizeof(*pa));
	attrs_read(pa, SANDBOX_ATTR_ALL);
}

/* The bit of the attribute called name, or 0. */
static unsigned attr_bit(const char *name)
{
	char buf[32];
	for (unsigned bit = 1; bit && bit <= SANDBOX_ATTR_ALL; bit <<= 1)
		if (memo_process_attr_name(bit, buf, sizeof(buf)) == 0 && strcmp(buf, name) == 0)
			return bit;
	return 0;
}

/* The value of attribute bit (called name) in pa, as text into buf.
 * -EIO when it could not be read, -ENAMETOOLONG. */
static int attr_value(unsigned bit, const char *name, const struct memo_procattrs *pa, char *buf,
		      size_t size)
{
	if (pa->failed & bit)
		return -EIO;
	size_t o = 0;
	if (bit == SANDBOX_ATTR_NICE) {
		o = (size_t)snprintf(buf, size, "nice=%d", pa->nice);
	} else if (bit == SANDBOX_ATTR_AFFINITY) {
		/* the CPUs by number, so the text is the same whatever the
		 * size of the kernel's mask */
		o = (size_t)snprintf(buf, size, "affinity=");
		for (int c = 0; c < CPU_SETSIZE && o < size; c++)
			if (CPU_ISSET(c, &pa->cpus))
				o += (size_t)snprintf(buf + o, size - o, "%d,", c);
	} else if (bit == SANDBOX_ATTR_SCHED) {
		o = (size_t)snprintf(buf, size, "sched=");
		for (int i = 0; i < 8 && o < size; i++)
			o += (size_t)snprintf(buf + o, size - o, "%llu,",
					      (unsigned long long)pa->sched[i]);
	} else if (bit == SANDBOX_ATTR_IOPRIO) {
		o = (size_t)snprintf(buf, size, "ioprio=%d", pa->ioprio);
	} else if (bit == SANDBOX_ATTR_WINSIZE) {
		o = (size_t)snprintf(buf, size, "winsize=%ux%u", (unsigned)pa->rows,
				     (unsigned)pa->cols);
	} else {
		for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++)
			if (bit == SANDBOX_ATTR_RLIMIT(i))
				o = (size_t)snprintf(buf, size, "%s=%llu:%llu", name,
						     (unsigned long long)pa->rl[i].rlim_cur,
						     (unsigned long long)pa->rl[i].rlim_max);
	}
	return o < size ? 0 : -ENAMETOOLONG;
}

int memo_process_attr_hash(const char *name, const struct memo_procattrs *pa, store_hash *ret)
{
	unsigned bit = attr_bit(name);
	if (!bit)
		return -ENOENT;
	struct memo_procattrs now;
	if (!pa) {
		memset(&now, 0, sizeof(now));
		attrs_read(&now, bit);
		pa = &now;
	}
	char buf[8192];
	int r = attr_value(bit, name, pa, buf, sizeof(buf));
	if (r < 0)
		return r;
	store_hash_bytes(buf, strlen(buf), ret);
	return 0;
}

bool memo_process_attr_matches(const struct store_input *in)
{
	store_hash h;
	return in->kind == STORE_INPUT_PROCESS && memo_process_attr_hash(in->path, NULL, &h) == 0 &&
	       store_hash_equal(&h, &in->hash);
}

int memo_process_attr_name(unsigned bit, char *buf, size_t size)
{
	const char *n = bit == SANDBOX_ATTR_NICE       ? "nice"
			: bit == SANDBOX_ATTR_AFFINITY ? "affinity"
			: bit == SANDBOX_ATTR_SCHED    ? "sched"
			: bit == SANDBOX_ATTR_IOPRIO   ? "ioprio"
			: bit == SANDBOX_ATTR_WINSIZE  ? "winsize"
						       : NULL;
	if (n)
		return snprintf(buf, size, "%s", n) < (int)size ? 0 : -ENAMETOOLONG;
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
	/* stat: priority, nice, rsslim, rt_priority, policy (proc(5)) */
	if (strcmp(c, "stat") == 0)
		return SANDBOX_ATTR_NICE | SANDBOX_ATTR_RLIMIT(RLIMIT_RSS) | SANDBOX_ATTR_SCHED;
	/* status: Cpus_allowed(_list), and SigQ's second number, the
	 * RLIMIT_SIGPENDING soft limit; no nice value */
	if (strcmp(c, "status") == 0)
		return SANDBOX_ATTR_AFFINITY | SANDBOX_ATTR_RLIMIT(RLIMIT_SIGPENDING);
	/* sched: the policy, prio (from the nice value) */
	if (strcmp(c, "sched") == 0)
		return SANDBOX_ATTR_NICE | SANDBOX_ATTR_SCHED;
	return 0;
}
