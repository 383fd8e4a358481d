/* builtins_sys.c - builtins about process resources: umask, times, ulimit. */
#include "shark/shell/shell.h"
#include "shark/shell/builtins.h"
#include "shark/memo/memo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <unistd.h>

int bi_times(struct shell *sh, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct tms t;
	times(&t);
	long hz = sysconf(_SC_CLK_TCK);
	clock_t v[4] = { t.tms_utime, t.tms_stime, t.tms_cutime, t.tms_cstime };
	for (int k = 0; k < 4; k++) {
		double secs = (double)v[k] / (double)hz;
		int m = (int)(secs / 60);
		out_fmt(sh, "%dm%fs%c", m, secs - m * 60, k % 2 ? '\n' : ' ');
	}
	return 0;
}

/* umask: octal or symbolic (u=rwx,g+w,...) */
int bi_umask(struct shell *sh, int argc, char **argv)
{
	bool sym = false;
	int i = 1;
	if (i < argc && strcmp(argv[i], "-S") == 0) {
		sym = true;
		i++;
	}
	mode_t cur = umask(0);
	umask(cur);
	if (i >= argc) {
		if (sym) {
			mode_t p = ~cur & 0777;
			char buf[64];
			size_t o = 0;
			const char *who = "ugo";
			for (int w = 0; w < 3; w++) {
				int sh_ = 6 - 3 * w;
				o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%c=", w ? "," : "", who[w]);
				if (p & (4u << sh_)) buf[o++] = 'r';
				if (p & (2u << sh_)) buf[o++] = 'w';
				if (p & (1u << sh_)) buf[o++] = 'x';
				buf[o] = '\0';
			}
			out_fmt(sh, "%s\n", buf);
		} else {
			out_fmt(sh, "%04o\n", (unsigned)cur);
		}
		return 0;
	}
	const char *m = argv[i];
	if (m[0] >= '0' && m[0] <= '7') {
		char *end;
		long v = strtol(m, &end, 8);
		if (*end || v > 0777) {
			sh_error(sh, "umask: Illegal number: %s", m);
			return 1;
		}
		umask((mode_t)v);
		return 0;
	}
	mode_t perm = ~cur & 0777;
	const char *s = m;
	while (*s) {
		mode_t who = 0;
		for (; *s && strchr("ugoa", *s); s++)
			who |= *s == 'u' ? 0700 : *s == 'g' ? 070 : *s == 'o' ? 07 : 0777;
		if (!who)
			who = 0777;
		if (!*s || !strchr("+-=", *s)) {
			sh_error(sh, "umask: Illegal mode: %s", m);
			return 1;
		}
		while (*s && strchr("+-=", *s)) {
			char op = *s++;
			mode_t bits = 0;
			for (; *s && strchr("rwx", *s); s++)
				bits |= *s == 'r' ? 0444 : *s == 'w' ? 0222 : 0111;
			bits &= who;
			if (op == '+')
				perm |= bits;
			else if (op == '-')
				perm &= ~bits;
			else
				perm = (perm & ~who) | bits;
		}
		if (*s == ',')
			s++;
		else if (*s) {
			sh_error(sh, "umask: Illegal mode: %s", m);
			return 1;
		}
	}
	umask(~perm & 0777);
	return 0;
}

static const struct {
	char opt;
	int resource;
	unsigned factor;	/* ulimit's unit: 1 or 1024 bytes, 512-byte blocks */
	const char *name;
} limits[] = {
	{ 't', RLIMIT_CPU, 1, "time(seconds)" },
	{ 'f', RLIMIT_FSIZE, 512, "file(blocks)" },
	{ 'd', RLIMIT_DATA, 1024, "data(kbytes)" },
	{ 's', RLIMIT_STACK, 1024, "stack(kbytes)" },
	{ 'c', RLIMIT_CORE, 512, "coredump(blocks)" },
	{ 'm', RLIMIT_RSS, 1024, "memory(kbytes)" },
	{ 'l', RLIMIT_MEMLOCK, 1024, "locked memory(kbytes)" },
	{ 'p', RLIMIT_NPROC, 1, "process" },
	{ 'n', RLIMIT_NOFILE, 1, "nofiles" },
	{ 'v', RLIMIT_AS, 1024, "vmemory(kbytes)" },
	{ 'w', RLIMIT_LOCKS, 1, "locks" },
	{ 'r', RLIMIT_RTPRIO, 1, "rtprio" },
};

/* ulimit's unit for limit k: bash (not in POSIX mode) counts -f and -c
 * in 1024-byte blocks, dash and POSIX in 512-byte ones */
static unsigned limit_factor(const struct shell *sh, size_t k)
{
	return sh->bash && limits[k].factor == 512 ? 1024 : limits[k].factor;
}

static void print_limit(struct shell *sh, rlim_t v, unsigned factor)
{
	if (v == RLIM_INFINITY)
		out_str(sh, "unlimited\n");
	else
		out_fmt(sh, "%" PRIuMAX "\n", (uintmax_t)(v / factor));
}

/* ulimit [-H|-S] [-a | -tfdscmlpnvwr] [LIMIT] (dash's options) */
int bi_ulimit(struct shell *sh, int argc, char **argv)
{
	bool hard = false, soft = false, all = false;
	size_t which = 1;	/* -f by default */
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 'H') {
				hard = true;
			} else if (*c == 'S') {
				soft = true;
			} else if (*c == 'a') {
				all = true;
			} else {
				size_t k = 0;
				/* bash's -u is dash's -p, the processes */
				char o = *c == 'u' && sh->bash ? 'p' : *c;
				while (k < sizeof limits / sizeof *limits && limits[k].opt != o)
					k++;
				if (k == sizeof limits / sizeof *limits) {
					sh_error(sh, "ulimit: Illegal option -%c", *c);
					return 2;
				}
				which = k;
			}
		}
	}
	/* neither -H nor -S: shown soft, set both (dash, bash) */
	bool both = !hard && !soft;
	if (both)
		soft = true;
	if (all) {
		for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
			struct rlimit rl;
			if (memo_ulimit_get(limits[k].resource, &rl) < 0)
				continue;
			out_fmt(sh, "%-20s ", limits[k].name);
			print_limit(sh, soft ? rl.rlim_cur : rl.rlim_max, limit_factor(sh, k));
		}
		return 0;
	}
	/* one value at most (dash: `ulimit -t 5 -n 100` sets nothing) */
	if (argc - i > 1 && !sh->bash) {
		sh_error(sh, "ulimit: too many arguments");
		return 2;
	}
	/* the commands' limits, not the shell's own (memo.h) */
	struct rlimit rl;
	int e = memo_ulimit_get(limits[which].resource, &rl);
	if (e < 0) {
		sh_error(sh, "ulimit: %s", strerror(-e));
		return 1;
	}
	if (i >= argc) {
		print_limit(sh, soft ? rl.rlim_cur : rl.rlim_max, limit_factor(sh, which));
		return 0;
	}
	rlim_t v;
	if (strcmp(argv[i], "unlimited") == 0) {
		v = RLIM_INFINITY;
	} else {
		char *end;
		errno = 0;
		uintmax_t n = strtoumax(argv[i], &end, 10);
		if (*end || !*argv[i] || errno) {
			sh_error(sh, "ulimit: bad number");
			return sh->bash ? 1 : 2;
		}
		v = (rlim_t)n * limit_factor(sh, which);
	}
	if (hard || both)
		rl.rlim_max = v;
	if (soft)
		rl.rlim_cur = v;
	e = memo_ulimit_set(limits[which].resource, &rl);
	if (e < 0) {
		sh_error(sh, "ulimit: error setting limit (%s)", strerror(-e));
		return sh->bash ? 1 : 2;	/* bash: 1 */
	}
	return 0;
}
