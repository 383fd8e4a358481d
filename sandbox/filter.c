/* filter.c - the seccomp filter: a deny list (EPERM) that is part of the
 * security boundary, and a notify list of path system calls that feeds the
 * tracer. Both are tables; the reason for each entry is in docs/sandbox.md.
 * Compiled with libseccomp at build time (mk/filter-gen.c writes the
 * programs into the library, filter_load.c loads them); the unit tests
 * check that the built-in programs are what this file compiles.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* System calls refused outright with EPERM. */
static const char *const denied[] = {
	/* mounts, old and new API: the mount layout is the boundary */
	"mount", "umount", "umount2", "pivot_root", "chroot", "move_mount",
	"open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr",
	/* joining other namespaces */
	"setns",
	/* the kernel itself */
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "reboot", "swapon", "swapoff", "syslog", "iopl",
	"ioperm", "acct", "quotactl", "quotactl_fd", "lookup_dcookie",
	"vhangup", "uselib", "_sysctl", "nfsservctl",
	/* interfaces with a long history of privilege bugs */
	"bpf", "perf_event_open", "userfaultfd", "fanotify_init",
	/* the kernel keyrings are not namespaced */
	"add_key", "request_key", "keyctl",
	/* io_uring performs file operations that seccomp never sees */
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	/* file handles bypass path-based confinement */
	"open_by_handle_at", "name_to_handle_at",
	/* time is global */
	"clock_settime", "clock_adjtime", "settimeofday", "adjtimex",
	/* other processes' memory and control */
	"process_vm_writev", "ptrace",
};

/* Namespace-creating clone/unshare flags: nested namespaces are refused. */
static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
	CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/* Terminal ioctls that inject input or control the console. */
static const unsigned long denied_ioctls[] = { TIOCSTI, TIOCLINUX };

/* Socket address families a command may create without the network grant.
 * The network namespace isolates these; it does not isolate every family
 * (AF_VSOCK reaches the hypervisor's host and other guests), and most of
 * the rest are kernel attack surface a command has no use for (AF_ALG,
 * AF_PACKET, AF_BLUETOOTH, AF_RDS, ...). Others get EAFNOSUPPORT, as if
 * the kernel lacked them; with the network granted, all are allowed. */
static const int allowed_families[] = {
	AF_UNIX,    /* local IPC: socketpair, a daemon's socket in the workspace */
	AF_INET,    /* loopback of the run's own network namespace */
	AF_INET6,   /* the same, IPv6 */
	AF_NETLINK, /* interface queries (getaddrinfo, getifaddrs, ip addr)
		       answered by the run's own network namespace */
};
#define FAMILY_MAX 64 /* past the kernel's AF_MAX (46 in 6.x) */

/* Path system calls sent to the tracer, unconditionally. */
static const char *const traced[] = {
	"open", "openat", "openat2", "creat", "execve", "execveat", "stat",
	"lstat", "access", "faccessat", "faccessat2", "readlink",
	"readlinkat", "chdir", "truncate", "rename", "renameat", "renameat2",
	"unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "link", "linkat",
	"symlink", "symlinkat", "chmod", "fchmodat", "chown", "lchown",
	"fchownat", "utime", "utimes", "futimesat", "mknod", "mknodat",
	"statfs", "getxattr", "lgetxattr", "listxattr", "llistxattr",
	"setxattr", "lsetxattr", "removexattr", "lremovexattr",
};

/* Calls that use an fd given as an argument, and which arguments are fds
 * (bit i: argument i). The tracer opens /dev/tty for a command itself,
 * when stdin is a terminal, and puts the fd among SANDBOX_TTY_FD_BASE's
 * 16 (trace.c): each of these with such an fd is sent to it, and decides
 * whether the run used the terminal. An open that is only closed again
 * (bash's start-up opens and closes /dev/tty) is not a use. Left out,
 * as reading nothing: close and close_range, poll/select/epoll (whether
 * input is waiting), lseek, flock. */
static const struct tty_fd_use {
	const char *name;
	unsigned fd_args;
} tty_fd_uses[] = {
	{ "read", 1 }, { "readv", 1 }, { "pread64", 1 }, { "preadv", 1 },
	{ "preadv2", 1 }, { "write", 1 }, { "writev", 1 }, { "pwrite64", 1 },
	{ "pwritev", 1 }, { "pwritev2", 1 },
	/* tcgetattr, TIOCGWINSZ, FIONREAD, TIOCSTI, ... */
	{ "ioctl", 1 }, { "fcntl", 1 },
	/* a copy at another number would be untraced from then on (dup2
	 * over the fd only closes it: the tracer looks at the source) */
	{ "dup", 1 }, { "dup2", 3 }, { "dup3", 3 },
	{ "mmap", 1u << 4 },
	{ "sendfile", 3 }, { "splice", 5 }, { "tee", 3 },
	{ "copy_file_range", 5 }, { "vmsplice", 1 },
	/* the device's times move with the terminal's traffic */
	{ "fstat", 1 }, { "newfstatat", 1 }, { "statx", 1 },
	{ "fchmod", 1 }, { "fchown", 1 }, { "fgetxattr", 1 }, { "flistxattr", 1 },
	{ "fsetxattr", 1 }, { "fremovexattr", 1 },
	/* another process's fd by number */
	{ "pidfd_getfd", 2 },
};

/* Argument comparison "(arg & mask) == value" (written out: libseccomp's
 * SCMP_A* macros leave fields to positional initialization). */
static struct scmp_arg_cmp arg_cmp(unsigned arg, enum scmp_compare op,
				   uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a,
				  .datum_b = b };

	return c;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
		    unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	/* Names this architecture does not have (umount, _sysctl, ...) are
	 * skipped: there is nothing to allow or refuse. */
	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0;
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

/* The tty_in variant's rules for tty_fd_uses; sendmsg and sendmmsg are
 * sent whatever their fd: the fds an SCM_RIGHTS message passes are in its
 * memory, where the filter cannot look. */
static int notify_tty_fd_uses(scmp_filter_ctx ctx)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(tty_fd_uses) / sizeof(tty_fd_uses[0]); i++) {
		for (unsigned a = 0; r == 0 && a < 6; a++) {
			struct scmp_arg_cmp c = arg_cmp(a, SCMP_CMP_MASKED_EQ, SANDBOX_TTY_FD_MASK,
							SANDBOX_TTY_FD_BASE);

			if (tty_fd_uses[i].fd_args & (1u << a))
				r = add_rule(ctx, SCMP_ACT_NOTIFY, tty_fd_uses[i].name, 1, &c);
		}
	}
	if (r == 0)
		r = add_rule(ctx, SCMP_ACT_NOTIFY, "sendmsg", 0, NULL);
	if (r == 0)
		r = add_rule(ctx, SCMP_ACT_NOTIFY, "sendmmsg", 0, NULL);
	return r;
}

/* The tty_in variant's rules for the other ways to read fd 0 than a read:
 * a copy of it at another number (dup, dup2, dup3, fcntl F_DUPFD and
 * F_DUPFD_CLOEXEC), a transfer out
 * of it (sendfile, splice, tee, copy_file_range), and Linux AIO, whose
 * fds are in memory the filter cannot read (io_submit). The tracer counts
 * them as uses when fd 0 is a terminal (trace.c, fd0_use). */
static int notify_fd0_copies(scmp_filter_ctx ctx)
{
	static const struct { const char *name; unsigned arg; } from0[] = {
		{ "dup", 0 }, { "dup2", 0 }, { "dup3", 0 }, { "sendfile", 1 },
		{ "splice", 0 }, { "tee", 0 }, { "copy_file_range", 0 },
	};
	static const int dupfd[] = { F_DUPFD, F_DUPFD_CLOEXEC };
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(from0) / sizeof(from0[0]); i++) {
		struct scmp_arg_cmp c = arg_cmp(from0[i].arg, SCMP_CMP_MASKED_EQ, 0xffffffffUL, 0);

		r = add_rule(ctx, SCMP_ACT_NOTIFY, from0[i].name, 1, &c);
	}
	/* the kernel reads the fd and the command as ints; the tracer looks
	 * at the lowest number */
	for (size_t i = 0; r == 0 && i < sizeof(dupfd) / sizeof(dupfd[0]); i++) {
		struct scmp_arg_cmp c[2] = {
			arg_cmp(0, SCMP_CMP_MASKED_EQ, 0xffffffffUL, 0),
			arg_cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffffUL, (uint64_t)dupfd[i]),
		};

		r = add_rule(ctx, SCMP_ACT_NOTIFY, "fcntl", 2, c);
	}
	if (r == 0)
		r = add_rule(ctx, SCMP_ACT_NOTIFY, "io_submit", 0, NULL);
	return r;
}

static bool family_allowed(int family)
{
	for (size_t i = 0; i < sizeof(allowed_families) / sizeof(allowed_families[0]); i++)
		if (allowed_families[i] == family)
			return true;
	return false;
}

/* socket() and socketpair() of any family but the allowed ones fail. */
static int restrict_families(scmp_filter_ctx ctx)
{
	const uint32_t nosupport = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	static const char *const calls[] = { "socket", "socketpair" };
	int r = 0;

	for (size_t c = 0; c < 2 && r == 0; c++) {
		struct scmp_arg_cmp big = arg_cmp(0, SCMP_CMP_GE, FAMILY_MAX, 0);

		for (int f = 0; f < FAMILY_MAX && r == 0; f++) {
			struct scmp_arg_cmp eq = arg_cmp(0, SCMP_CMP_EQ, (uint64_t)f, 0);

			if (!family_allowed(f))
				r = add_rule(ctx, nosupport, calls[c], 1, &eq);
		}
		if (r == 0)
			r = add_rule(ctx, nosupport, calls[c], 1, &big);
	}
	return r;
}

static int build(scmp_filter_ctx ctx, bool trace, int tty_in, bool network)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int r;

	if (!network) {
		r = restrict_families(ctx);
		if (r < 0)
			return r;
	}

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		r = add_rule(ctx, eperm, denied[i], 0, NULL);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		struct scmp_arg_cmp c = arg_cmp(0, SCMP_CMP_MASKED_EQ, ns_flags[i],
						ns_flags[i]);

		r = add_rule(ctx, eperm, "clone", 1, &c);
		if (r == 0)
			r = add_rule(ctx, eperm, "unshare", 1, &c);
		if (r < 0)
			return r;
	}
	/* clone3 passes its flags in memory, where a filter cannot look:
	 * ENOSYS makes libc fall back to clone, whose flags are checked. */
	r = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(denied_ioctls) / sizeof(denied_ioctls[0]);
	     i++) {
		struct scmp_arg_cmp c = arg_cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffffUL,
						denied_ioctls[i]);

		r = add_rule(ctx, eperm, "ioctl", 1, &c);
		if (r < 0)
			return r;
	}
	if (!trace)
		return 0;
	for (size_t i = 0; i < sizeof(traced) / sizeof(traced[0]); i++) {
		r = add_rule(ctx, SCMP_ACT_NOTIFY, traced[i], 0, NULL);
		if (r < 0)
			return r;
	}
	/* Process attributes a command can look at (docs/memo.md, "Process
	 * attributes"): its resource limits, nice value, CPU set, scheduling
	 * policy and I/O priority. Every
	 * program reads RLIMIT_STACK at start-up; the caller keys on it, so
	 * that call is let through. A setrlimit is notified too: whether it
	 * succeeds tells the hard limit. */
	{
		/* glibc passes the resource zero-extended; a caller that
		 * leaves junk in the upper half is notified for
		 * RLIMIT_STACK too, which the tracer ignores */
		struct scmp_arg_cmp nstack0 = arg_cmp(0, SCMP_CMP_NE, RLIMIT_STACK, 0);
		struct scmp_arg_cmp nstack1 = arg_cmp(1, SCMP_CMP_NE, RLIMIT_STACK, 0);
		static const char *const rlimit_calls[] = { "getrlimit", "ugetrlimit",
							    "setrlimit" };

		for (size_t i = 0; i < sizeof(rlimit_calls) / sizeof(rlimit_calls[0]); i++) {
			r = add_rule(ctx, SCMP_ACT_NOTIFY, rlimit_calls[i], 1, &nstack0);
			if (r < 0)
				return r;
		}
		r = add_rule(ctx, SCMP_ACT_NOTIFY, "prlimit64", 1, &nstack1);
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "getpriority", 0, NULL);
		/* whether lowering the nice value works depends on it and
		 * on RLIMIT_NICE (`nice -n -5` unprivileged) */
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "setpriority", 0, NULL);
		static const char *const others[] = { "sched_getaffinity", "sched_getattr",
						      "sched_getscheduler", "sched_getparam",
						      "ioprio_get" };

		for (size_t i = 0; r == 0 && i < sizeof(others) / sizeof(others[0]); i++)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, others[i], 0, NULL);
		/* a terminal's window size: `ls` lays out its columns by it,
		 * `stty size` and `tput cols` print it (the kernel reads the
		 * request as an unsigned int) */
		struct scmp_arg_cmp winsz = arg_cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffffUL,
						    TIOCGWINSZ);
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "ioctl", 1, &winsz);
		if (r < 0)
			return r;
	}
	/* With a terminal on stdin, reading fd 0 is what makes a run
	 * interactive (and not recordable); merely asking isatty(0) is not.
	 * Reads of fd 0 are only sent to the tracer then. */
	if (tty_in) {
		static const char *const reads[] = { "read", "readv", "pread64", "preadv",
						     "preadv2" };
		struct scmp_arg_cmp fd0 = arg_cmp(0, SCMP_CMP_EQ, 0, 0);

		for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
			r = add_rule(ctx, SCMP_ACT_NOTIFY, reads[i], 1, &fd0);
			if (r < 0)
				return r;
		}
		if (tty_in == SANDBOX_TTY_IN)
			r = notify_tty_fd_uses(ctx);
		if (r == 0)
			r = notify_fd0_copies(ctx);
		if (r < 0)
			return r;
	}
	/* fstat() is fstatat(fd, "", AT_EMPTY_PATH): about an fd already
	 * opened (and traced then), and very frequent. Only path lookups are
	 * traced. The filter cannot read the path, so AT_EMPTY_PATH with a
	 * real fd is let through whatever the path is; with AT_FDCWD (which
	 * fstat never passes) it is notified: a non-empty path is then an
	 * ordinary lookup from the cwd, an empty one a stat of the cwd. The
	 * kernel reads the dirfd as an int: its low 32 bits are compared. */
	{
		struct scmp_arg_cmp c3 = arg_cmp(3, SCMP_CMP_MASKED_EQ,
						 AT_EMPTY_PATH, 0);
		struct scmp_arg_cmp c2 = arg_cmp(2, SCMP_CMP_MASKED_EQ,
						 AT_EMPTY_PATH, 0);
		struct scmp_arg_cmp c1 = arg_cmp(1, SCMP_CMP_NE, 0, 0);
		struct scmp_arg_cmp cwd = arg_cmp(0, SCMP_CMP_MASKED_EQ, 0xffffffffUL,
						  (uint32_t)AT_FDCWD);

		r = add_rule(ctx, SCMP_ACT_NOTIFY, "newfstatat", 1, &c3);
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "newfstatat", 1, &cwd);
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "statx", 1, &c2);
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "statx", 1, &cwd);
		/* utimensat(fd, NULL, ...) is futimens(). */
		if (r == 0)
			r = add_rule(ctx, SCMP_ACT_NOTIFY, "utimensat", 1, &c1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Compiling with libseccomp costs 2-7 ms of CPU on the reference machine
 * (thousands of small allocations), which every shell process used to pay
 * before its first command: the build runs this once (mk/filter-gen.c)
 * and the library loads the result (filter_load.c). */
static int compile(bool trace, int tty_in, bool network, int optimize, struct sock_fprog *ret)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct stat st;
	void *buf = NULL;
	int fd = -1, r;

	if (!ctx)
		return -ENOMEM;
	/* Only the native architecture: a foreign-ABI system call (i386,
	 * x32) would have different numbers, so it kills the process. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree of the system call numbers rather than a list
	 * (optimize 2; tests/unit/test_sandbox_filter.c checks it decides
	 * as the list does): the kernel runs the program over every system
	 * call number when it is loaded, to cache the ones always allowed,
	 * and on each system call the command makes; a lookup takes a few
	 * comparisons instead of up to a hundred. The load, on the command's
	 * path, takes about a sixth less (docs/performance.md). */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, optimize);
	if (r == 0)
		r = build(ctx, trace, trace ? tty_in : 0, network);
	if (r == 0) {
		fd = memfd_create("sandbox-filter", MFD_CLOEXEC);
		r = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	}
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
		       st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS))
		r = -E2BIG;
	if (r == 0 && !(buf = malloc((size_t)st.st_size)))
		r = -ENOMEM;
	if (r == 0 && pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		r = -EIO;
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	if (r < 0) {
		free(buf);
		return r;
	}
	ret->filter = buf;
	ret->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

int sandbox_filter_compile(bool trace, int tty_in, bool network, struct sock_fprog *ret)
{
	return compile(trace, tty_in, network, 2, ret);
}

int sandbox_filter_compile_list(bool trace, int tty_in, bool network, struct sock_fprog *ret)
{
	return compile(trace, tty_in, network, 1, ret);
}
