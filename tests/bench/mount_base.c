/* mount_base.c - what a mount base held by the zygote would save a pid 1,
 * and what the kernel lets such a base do (docs/performance.md, "A mount
 * base held by the zygote"). Not built by make:
 *
 *     cc -O2 -static-pie -o /tmp/mount_base tests/bench/mount_base.c
 *     /tmp/mount_base rules DIR
 *     /tmp/mount_base time DIR RUNS
 *
 * DIR is a writable directory on the host (the "scratch area"); it gets a
 * mount point "root" and the upper dirs "u" and "w". Run as root and as an
 * unprivileged user.
 *
 * rules: a zygote makes a user and a mount namespace of its own, clones
 * the host's tree read-only, pivots into it and detaches the old root (the
 * base); then clones a pid 1 into a new user namespace (a child of the
 * zygote's, its maps written by the zygote) and pid namespace, which
 * unshares a copy of the base and tries what a run would need: a fresh
 * /proc, a writable grant, an overlay whose upper layer is on the host's
 * writable mount. Once with the base's /proc read-only (as today's tree
 * has it), once with it left read-write. Prints each step's outcome.
 *
 * time: CPU (the process's and its reaped children's, getrusage) per pid 1
 * for the mount steps that a base would take off each pid 1, each start a
 * clone into new user and pid namespaces whose maps the parent writes:
 *   today  the child unshares a mount namespace, makes / private, clones
 *          the host's tree read-only, builds the non-interactive /dev
 *          (a tmpfs, five device binds, read-only), attaches both, clones
 *          the tree once more for the stdio files and closes that clone,
 *          pivots, detaches the old root, and exits;
 *   inplace  no second tree and no pivot: the child makes its own copy
 *          of the host's mounts read-only with one recursive
 *          mount_setattr and attaches the same /dev on it (what a pid 1
 *          could do without a base; see the doc for what it would need);
 *   base   a zygote built the tree, /dev and the pivot once; the child
 *          unshares a mount namespace (a copy of the base), makes /
 *          private, and exits.
 * The mounts every run makes in both designs (/proc, the tmpfs mounts,
 * the overlays) are left out of both; so are the other namespaces. The
 * exit (the mount namespace's teardown) is counted: the children are
 * reaped before the clock is read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The host's /proc, opened before any pivot: the maps of a child are
 * written through it (the base's /proc is read-only). */
static int host_proc = -1;

static int write_file(const char *path, const char *text)
{
	int fd = openat(host_proc, path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The sandbox's identity maps (setup.c, sandbox_write_id_maps), written
 * for pid from the caller's user namespace. */
static int write_maps(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];

	if (uid == 0) {
		snprintf(map, sizeof(map), "0 0 4294967295\n");
		snprintf(path, sizeof(path), "%d/uid_map", (int)pid);
		if (write_file(path, map) < 0)
			return -1;
		snprintf(path, sizeof(path), "%d/gid_map", (int)pid);
		return write_file(path, map);
	}
	snprintf(path, sizeof(path), "%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file(path, map) < 0)
		return -1;
	snprintf(path, sizeof(path), "%d/setgroups", (int)pid);
	if (write_file(path, "deny") < 0 && errno != ENOENT)
		return -1;
	snprintf(path, sizeof(path), "%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file(path, map);
}

static void report(const char *what, int r)
{
	printf("  %-56s %s\n", what, r < 0 ? strerror(errno) : "ok");
}

static int setattr(int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	return (int)syscall(SYS_mount_setattr, dfd, path, flags, &a, sizeof(a));
}

/* The host's tree, cloned recursively and made read-only, nosuid, nodev:
 * its fd, or -1. */
static int tree_clone(void)
{
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, "/",
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (t < 0)
		return -1;
	if (setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE,
		    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0) < 0) {
		close(t);
		return -1;
	}
	return t;
}

/* The /dev of a non-interactive run (setup.c, dev_build): its fd, or -1. */
static int dev_build(void)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom" };
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), dev;

	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	dev = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	close(fs);
	if (dev < 0)
		return -1;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		char src[32];
		int t;

		snprintf(src, sizeof(src), "/dev/%s", devs[i]);
		if (mknodat(dev, devs[i], S_IFREG | 0666, 0) < 0)
			return -1;
		t = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (t < 0 || syscall(SYS_move_mount, t, "", dev, devs[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return -1;
		close(t);
	}
	if (mkdirat(dev, "shm", 01777) < 0 ||
	    setattr(dev, "", AT_EMPTY_PATH | AT_RECURSIVE,
		    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0) < 0)
		return -1;
	return dev;
}

/* Build the tree (the host's read-only, /dev attached) on dir/root and
 * make it the root: the old root detached. With stdio, a second clone of
 * the tree is made and closed, as a pid 1 building ahead of its run does
 * for the command's stdio files. 0, or -1. */
static int build_and_pivot(const char *dir, int stdio)
{
	char root[4096];
	int t, dev, s = -1;

	snprintf(root, sizeof(root), "%s/root", dir);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || (t = tree_clone()) < 0 ||
	    (dev = dev_build()) < 0)
		return -1;
	if (stdio && (s = tree_clone()) < 0)
		return -1;
	if (syscall(SYS_move_mount, t, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    syscall(SYS_move_mount, dev, "", t, "dev", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -1;
	close(dev);
	close(t);
	if (s >= 0)
		close(s); /* dissolves the detached clone */
	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

/* The children's CPU time (ms) in their own steps (up to the end of fn)
 * and in all (from wait4: their start and exit included), summed. */
static double child_steps_ms, child_all_ms;

/* Clone a child into new user and pid namespaces, write its maps, let it
 * run fn, and reap it; fn's exit status, or -1. */
static int run_child(int (*fn)(void *), void *arg)
{
	int go[2], back[2];
	struct rusage ru;
	pid_t pid;
	int st;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(back, O_CLOEXEC) < 0)
		return -1;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD, NULL, NULL,
			     NULL, NULL);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct timespec t;
		double ms;
		int r;

		close(go[1]);
		close(back[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(100);
		r = fn(arg);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		ms = (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
		if (write(back[1], &ms, sizeof(ms)) != (ssize_t)sizeof(ms))
			r = 101;
		_exit(r);
	}
	close(go[0]);
	close(back[1]);
	if (write_maps(pid, geteuid(), getegid()) < 0)
		kill(pid, SIGKILL);
	if (write(go[1], "x", 1) != 1)
		kill(pid, SIGKILL);
	close(go[1]);
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	{
		double ms = 0;

		if (read(back[0], &ms, sizeof(ms)) == (ssize_t)sizeof(ms))
			child_steps_ms += ms;
		close(back[0]);
	}
	child_all_ms += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- rules ---- */

static int scratch_fd = -1;

static int rules_pid1(void *arg)
{
	char opts[512];
	int b;

	(void)arg;
	setvbuf(stdout, NULL, _IONBF, 0);
	report("pid 1: unshare a mount namespace (a copy of the base)", unshare(CLONE_NEWNS));
	report("pid 1: / private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	report("pid 1: a fresh /proc, read-write (as today)",
	       mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	report("pid 1: a fresh proc, read-only, on /mnt",
	       mount("proc", "/mnt", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	b = (int)syscall(SYS_open_tree, AT_FDCWD, "/var/tmp", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	report("pid 1: a writable grant (a bind of the base made read-write)",
	       b < 0 ? -1 : setattr(b, "", AT_EMPTY_PATH, 0, MOUNT_ATTR_RDONLY));
	report("pid 1: a tmpfs on /tmp", mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m"));
	if (mkdir("/tmp/l", 0755) < 0 || mkdir("/tmp/u", 0755) < 0 || mkdir("/tmp/w", 0755) < 0)
		return 1;
	snprintf(opts, sizeof(opts),
		 "lowerdir=/etc,upperdir=/proc/self/fd/%d/u,workdir=/proc/self/fd/%d/w,userxattr",
		 scratch_fd, scratch_fd);
	report("pid 1: an overlay, upper on the host's mount (an fd)",
	       mount("overlay", "/tmp/l", "overlay", 0, opts));
	report("pid 1: an overlay, upper on its own tmpfs",
	       mount("overlay", "/tmp/l", "overlay", 0,
		     "lowerdir=/etc,upperdir=/tmp/u,workdir=/tmp/w,userxattr"));
	{
		char line[128];
		FILE *f = fopen("/proc/self/uid_map", "re");

		if (f && fgets(line, sizeof(line), f))
			printf("  pid 1: its uid_map reads: %s", line);
		if (f)
			fclose(f);
	}
	return 0;
}

/* The zygote of the rules: its namespaces, the base, one pid 1. */
static int rules_zygote(const char *dir, int proc_rw)
{
	int go[2], ok[2];
	pid_t z;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ok, O_CLOEXEC) < 0)
		return 1;
	z = fork();
	if (z == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || write(ok[1], "x", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		report("zygote: the base built and pivoted into", build_and_pivot(dir, 0));
		if (proc_rw)
			report("zygote: the base's /proc made read-write",
			       setattr(AT_FDCWD, "/proc", 0, 0, MOUNT_ATTR_RDONLY));
		report("zygote: a pid 1 cloned, its maps written", run_child(rules_pid1, NULL));
		_exit(0);
	}
	if (z < 0 || read(ok[0], &c, 1) != 1 || write_maps(z, geteuid(), getegid()) < 0 ||
	    write(go[1], "x", 1) != 1)
		return 1;
	waitpid(z, NULL, 0);
	return 0;
}

/* ---- time ---- */

static const char *time_dir;

static int today_pid1(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWNS) < 0 || build_and_pivot(time_dir, 1) < 0 ? 1 : 0;
}

/* No second tree: the child's own copy of the host's mounts made
 * read-only in one recursive call, /dev attached on it, no pivot. */
static int inplace_pid1(void *arg)
{
	int dev;

	(void)arg;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    setattr(AT_FDCWD, "/", AT_RECURSIVE,
		    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0) < 0 ||
	    (dev = dev_build()) < 0 ||
	    syscall(SYS_move_mount, dev, "", AT_FDCWD, "/dev", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return 1;
	close(dev);
	return 0;
}

static int base_pid1(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ?
		       1 : 0;
}

static double cpu_ms(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec +
			b.ru_stime.tv_sec) * 1e3 +
	       (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
			b.ru_stime.tv_usec) / 1e3;
}

static double wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* runs starts of fn from this process; prints CPU and wall per start. */
static int time_starts(const char *name, int (*fn)(void *), int runs)
{
	double c0 = cpu_ms(), w0 = wall_ms();

	child_steps_ms = child_all_ms = 0;
	for (int i = 0; i < runs; i++)
		if (run_child(fn, NULL) != 0) {
			fprintf(stderr, "mount_base: %s: a pid 1 failed\n", name);
			return 1;
		}
	printf("%-7s %6.3f ms CPU per pid 1 (its steps %.3f, its start and exit %.3f, "
	       "the parent %.3f), %6.3f ms wall (%d)\n",
	       name, (cpu_ms() - c0) / runs, child_steps_ms / runs,
	       (child_all_ms - child_steps_ms) / runs, (cpu_ms() - c0 - child_all_ms) / runs,
	       (wall_ms() - w0) / runs, runs);
	return 0;
}

/* The base's starts, from a zygote that holds it (its user namespace made
 * first, its maps written by us). */
static int time_base(const char *dir, int runs)
{
	int go[2], ok[2], st;
	pid_t z;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ok, O_CLOEXEC) < 0)
		return 1;
	z = fork();
	if (z == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || write(ok[1], "x", 1) != 1 ||
		    read(go[0], &c, 1) != 1 || build_and_pivot(dir, 0) < 0)
			_exit(1);
		_exit(time_starts("base", base_pid1, runs));
	}
	if (z < 0 || read(ok[0], &c, 1) != 1 || write_maps(z, geteuid(), getegid()) < 0 ||
	    write(go[1], "x", 1) != 1)
		return 1;
	waitpid(z, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	char p[4096];

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: mount_base rules DIR | time DIR RUNS\n");
		return 2;
	}
	host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	scratch_fd = open(argv[2], O_PATH | O_DIRECTORY); /* inherited by the pid 1s */
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", argv[2], (const char *[]){ "root", "u", "w" }[i]);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return 1;
	}
	if (host_proc < 0 || scratch_fd < 0)
		return 1;
	if (strcmp(argv[1], "rules") == 0) {
		printf("the base's /proc read-only (as today's tree):\n");
		rules_zygote(argv[2], 0);
		printf("the base's /proc left read-write:\n");
		return rules_zygote(argv[2], 1);
	}
	if (strcmp(argv[1], "time") == 0 && argc > 3) {
		int runs = atoi(argv[3]);

		time_dir = argv[2];
		/* alternating rounds of each */
		for (int r = 0; r < 3; r++)
			if (time_starts("today", today_pid1, runs) ||
			    time_starts("inplace", inplace_pid1, runs) || time_base(argv[2], runs))
				return 1;
		return 0;
	}
	return 2;
}
