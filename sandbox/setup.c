/* setup.c - inside the namespaces: the sandbox's pid 1 builds the mount
 * tree, then starts the command process, which drops what is left of its
 * privileges, loads the seccomp filter, hands the listener to pid 1's
 * tracer thread and execs. pid 1 forwards termination signals, reaps
 * everything until the command exits, writes the result record into the
 * scratch dir and exits, which kills whatever the command left behind (the
 * pid namespace dies with its init).
 *
 * Everything here runs in the sandbox's processes: set-up errors are sent
 * to the caller as a struct sandbox_setup_msg and end in _exit().
 */
#include "sandbox/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <malloc.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOSTNAME "shark"

/* Send a set-up failure (or, with code 0 and fd >= 0, success plus the
 * seccomp listener) over the socket: from pid 1 to the caller, from the
 * command to pid 1. */
static void send_msg(int sock, int code, int err, const char *step, int fd)
{
	struct sandbox_setup_msg m = { .code = code, .sys_errno = err, .listener = -1 };

	if (step) {
		size_t n = strlen(step);

		if (n >= sizeof(m.step))
			n = sizeof(m.step) - 1;
		memcpy(m.step, step, n);
	}
	(void)sandbox_send_fd(sock, &m, sizeof(m), fd);
}

static __attribute__((noreturn)) void die(int sock, int code, const char *step)
{
	send_msg(sock, code, errno, step, -1);
	_exit(1);
}

/* root + path into buf; the plan validated every path, so only the length
 * needs checking. */
static const char *under(char *buf, size_t size, const char *root,
			 const char *path)
{
	int n = snprintf(buf, size, "%s%s", root, path);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

static int write_map_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = sandbox_write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

/* Identity maps (internal.h): written by the caller for the pid 1s it
 * clones (run.c) and by its zygote for those it clones (init_main.c).
 * Root maps the whole id range onto itself (files keep their owners);
 * anyone else maps just their own uid and gid, which an unprivileged
 * process may do for its child namespace once setgroups is denied.
 * Capabilities are dropped in the command either way. */
int sandbox_write_id_maps(pid_t child)
{
	char path[64], map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r;

	if (uid == 0) {
		snprintf(map, sizeof(map), "0 0 4294967295\n");
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
		r = write_map_file(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
		return r < 0 ? r : write_map_file(path, map);
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	r = write_map_file(path, map);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)child);
	r = write_map_file(path, "deny");
	if (r < 0 && r != -ENOENT)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_map_file(path, map);
}

/* ---- the plan-independent mounts, built ahead ---------------------------- */

/* The parts of the tree that no plan decides: the host's tree read-only,
 * a fresh /proc with its machine-wide parts read-only, and the /dev of a
 * non-interactive run. They are built as detached mounts (the new mount
 * API: open_tree, fsmount, move_mount into a detached tree) by
 * mounts_prepare, which a prepared pid 1 calls before it waits for its
 * plan (sandbox_init_prepared), so that a run started from it only
 * attaches them (setup_mounts); a pid 1 cloned for its run builds them
 * there. pid 1's own: it is a process of its own (no shared memory with
 * the caller). */
static struct mount_base {
	bool ready;
	int tree;    /* the host's tree, a recursive clone: read-only, nosuid, nodev */
	int proc;    /* a procfs of this pid namespace, protected (proc_build) */
	int pid_max; /* its sys/kernel/pid_max, opened for writing before that; or -1 */
	int last_pid; /* its sys/kernel/ns_last_pid, the same way (tracer_ahead); or -1 */
	int dev;     /* a /dev, read-only (dev_build) */
	bool dev_tty; /* dev has the terminal of an interactive plan */
	/* The run's fresh tmpfs mounts, made ahead too (tmpfs_ahead): the
	 * upper layer of /tmp's overlay (its .u and .w made), /run's and
	 * /dev/shm's; each used only by a plan that asks for that size (the
	 * size it was made with is kept), otherwise closed and mounted anew.
	 * -1 when not made. */
	int tmp, run, shm;
	uint64_t tmp_size, run_size, shm_size;
} base = { false, -1, -1, -1, -1, -1, false, -1, -1, -1, 0, 0, 0 };

static void close_base_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Close whatever mounts_prepare made, keeping errno. */
static void mount_base_drop(void)
{
	int e = errno;

	close_base_fd(&base.tree);
	close_base_fd(&base.proc);
	close_base_fd(&base.pid_max);
	close_base_fd(&base.last_pid);
	close_base_fd(&base.dev);
	close_base_fd(&base.tmp);
	close_base_fd(&base.run);
	close_base_fd(&base.shm);
	base.ready = false;
	errno = e;
}

/* A new detached mount of a filesystem of type with options opts
 * ({ key, value } pairs, NULL-terminated; a NULL value: a flag) and the
 * mount attributes attrs;
 * its fd, or -1 with errno set. */
static int fs_new(const char *type, const char *const opts[][2], unsigned attrs)
{
	int fs = fsopen(type, FSOPEN_CLOEXEC), m = -1;

	if (fs < 0)
		return -1;
	/* The source mount(2) would show: "proc", "tmpfs". */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", type, 0) < 0)
		goto out;
	for (size_t i = 0; opts && opts[i][0]; i++)
		if (fsconfig(fs, opts[i][1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opts[i][0],
			     opts[i][1], 0) < 0)
			goto out;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
out:
	{
		int e = errno;

		close(fs);
		errno = e;
	}
	return m;
}

/* Clone the mount at src_dfd/src (recursively with AT_RECURSIVE in
 * flags), set attrs on all of the clone (none when 0) and mount it on
 * dst_dfd/dst; 0, or -1 with errno set. dst may be in a detached tree. */
static int clone_onto(int src_dfd, const char *src, unsigned flags, uint64_t attrs,
		      int dst_dfd, const char *dst)
{
	struct mount_attr attr = { .attr_set = attrs };
	int t = open_tree(src_dfd, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags);
	int r = -1;

	if (t < 0)
		return -1;
	if ((!attrs || mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
				     sizeof(attr)) == 0) &&
	    move_mount(t, "", dst_dfd, dst, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		r = 0;
	{
		int e = errno;

		close(t);
		errno = e;
	}
	return r;
}

/* The host's device node /dev/<name> bound on <dev>/<name> (a user
 * namespace cannot mknod devices; a regular file is the mount point). */
static int bind_dev(int dev, const char *name)
{
	char src[SANDBOX_MAX_PATH + 8];
	int n = snprintf(src, sizeof(src), "/dev/%s", name);

	if (n < 0 || (size_t)n >= sizeof(src)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mknodat(dev, name, S_IFREG | 0666, 0) < 0)
		return -1;
	return clone_onto(AT_FDCWD, src, 0, 0, dev, name);
}

/* An interactive command's own terminal, at its host path, so that
 * ttyname() and /dev/tty work; no other terminal of the host is visible
 * (a fresh devpts would not contain it, the host's would show them all). */
static int bind_terminal(int dev, const char *tty, const char **ret_step)
{
	static const char *const pts_opts[][2] = {
		{ "mode", "0755" }, { "size", "4k" }, { "nr_inodes", "4" }, { NULL, NULL }
	};

	if (strncmp(tty, "/dev/pts/", 9) == 0 && !strchr(tty + 9, '/') && tty[9]) {
		int pts;

		*ret_step = "mount /dev/pts";
		if (mkdirat(dev, "pts", 0755) < 0)
			return -1;
		pts = fs_new("tmpfs", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
		if (pts < 0)
			return -1;
		if (move_mount(pts, "", dev, "pts", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			int e = errno;

			close(pts);
			errno = e;
			return -1;
		}
		close(pts);
	} else if (!(strncmp(tty, "/dev/", 5) == 0 && !strchr(tty + 5, '/') && tty[5] &&
		     strcmp(tty, "/dev/tty") != 0)) {
		return 0;
	}
	*ret_step = "bind /dev node";
	return bind_dev(dev, tty + 5);
}

/* The minimal /dev, detached: a tmpfs with the harmless devices bound from
 * the host, the usual symlinks, the mount point of a private /dev/shm
 * (mounted with the plan's size by setup_dev), and for an interactive
 * run /dev/tty and the command's terminal (tty). All of it read-only in
 * one pass at the end: nothing may be added to /dev, and the nodes'
 * mode, owner and times are the host's and must not change (root inside
 * could chmod the host's /dev/full); reading and writing the devices
 * themselves still work on a read-only mount, and mount_setattr keeps
 * the flags the host's /dev has locked. Its fd, or -1 with errno set. */
static int dev_build(const char *tty, const char **ret_step)
{
	static const char *const devs[] = { "null", "zero", "full", "random",
					    "urandom" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	static const char *const dev_opts[][2] = {
		{ "mode", "0755" }, { "size", "64k" }, { "nr_inodes", "64" }, { NULL, NULL }
	};
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					     MOUNT_ATTR_NOEXEC };
	int dev;

	*ret_step = "mount /dev tmpfs";
	dev = fs_new("tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (dev < 0)
		return -1;
	*ret_step = "bind /dev node";
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (bind_dev(dev, devs[i]) < 0)
			goto fail;
	*ret_step = "/dev symlink";
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0)
			goto fail;
	*ret_step = "mkdir /dev/shm";
	if (mkdirat(dev, "shm", 01777) < 0)
		goto fail;
	if (tty) {
		*ret_step = "bind /dev node";
		if (bind_dev(dev, "tty") < 0 || bind_terminal(dev, tty, ret_step) < 0)
			goto fail;
	}
	*ret_step = "remount /dev read-only";
	if (mount_setattr(dev, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		goto fail;
	return dev;
fail:
	close_base_fd(&dev);
	return -1;
}

/* Parts of the fresh /proc act on the whole machine, and some of them only
 * check that the writer's uid is 0 (kernel.core_pattern, for one, which
 * runs a program as root on the host): with root mapped to itself, root in
 * the sandbox could write them without any capability. They are bound
 * read-only over themselves, as bubblewrap and container runtimes do.
 * kernel/pid_max, which the plan may lower (setup_proc), is opened for
 * writing before that. A detached procfs of this pid namespace: its fd,
 * or -1 with errno set. */
/* Whether pid_max is per pid namespace (Linux 6.14 on). Before that it is
 * the machine's, and a write only checks that the writer's uid is 0: root
 * mapped to itself could lower the host's, so it is never opened there. */
static bool pid_max_per_ns(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 14);
}

static int proc_build(int *ret_pid_max, int *ret_last_pid, const char **ret_step)
{
	static const char *const ro[] = { "sys", "sysrq-trigger", "irq", "bus", "fs",
					  "acpi" };
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
	int proc, ro_proc = -1;

	*ret_step = "mount /proc";
	proc = fs_new("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (proc < 0)
		return -1;
	*ret_pid_max = pid_max_per_ns() ?
			       openat(proc, "sys/kernel/pid_max", O_WRONLY | O_CLOEXEC) : -1;
	/* ns_last_pid (ahead of a plan only, ret_last_pid not NULL): see
	 * tracer_go. A kernel without it (no CONFIG_CHECKPOINT_RESTORE)
	 * starts no tracer ahead. */
	if (ret_last_pid)
		*ret_last_pid = openat(proc, "sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	/* One read-only clone of the whole procfs, made so once: each bind
	 * cloned from it is read-only from the start (a clone keeps its
	 * source's flags), without a call of its own to make it so. */
	*ret_step = "protect /proc";
	ro_proc = open_tree(proc, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (ro_proc < 0 || mount_setattr(ro_proc, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (clone_onto(ro_proc, ro[i], AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, 0, proc,
			       ro[i]) == 0 || errno == ENOENT)
			continue; /* ENOENT: not there in this kernel or namespace */
		goto fail;
	}
	close_base_fd(&ro_proc);
	return proc;
fail:
	close_base_fd(&ro_proc);
	close_base_fd(ret_pid_max);
	if (ret_last_pid)
		close_base_fd(ret_last_pid);
	close_base_fd(&proc);
	return -1;
}

/* tmpfs options: a mode and a size (plan limits, bytes). */
static const char *tmpfs_opts(char *buf, size_t size, const char *mode,
			      uint64_t bytes)
{
	snprintf(buf, size, "mode=%s,size=%llu", mode, (unsigned long long)bytes);
	return buf;
}

/* A fresh tmpfs of mode and size (bytes), detached: the mount
 * mount("tmpfs", ..., MS_NOSUID | MS_NODEV, "mode=M,size=N") makes. Its
 * fd, or -1 with errno set. */
static int tmpfs_new(const char *mode, uint64_t size)
{
	char sz[32];
	const char *const opts[][2] = { { "mode", mode }, { "size", sz }, { NULL, NULL } };

	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	return fs_new("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}

/* The run's fresh tmpfs mounts, made ahead (for plan, or for any plan:
 * NULL, with the default sizes): the upper layer of /tmp's overlay with
 * its upper (.u) and work (.w) dirs, /run's (unless plan grants the
 * network) and /dev/shm's. A new tmpfs takes a tenth of a millisecond to
 * mount; attached, one move_mount. Best effort: one not made is mounted
 * as before when the plan comes, and reports its own failure then. */
static void tmpfs_ahead(const struct sandbox_plan *plan)
{
	base.tmp_size = plan ? plan->limits.tmp_size : SANDBOX_DEFAULT_TMP_SIZE;
	base.run_size = plan ? plan->limits.run_size : SANDBOX_DEFAULT_RUN_SIZE;
	base.shm_size = plan ? plan->limits.shm_size : SANDBOX_DEFAULT_SHM_SIZE;
	base.tmp = tmpfs_new("1777", base.tmp_size);
	if (base.tmp >= 0 &&
	    (mkdirat(base.tmp, ".u", 01777) < 0 || fchmodat(base.tmp, ".u", 01777, 0) < 0 ||
	     mkdirat(base.tmp, ".w", 0700) < 0))
		close_base_fd(&base.tmp);
	if (!plan || !plan->network)
		base.run = tmpfs_new("0755", base.run_size);
	base.shm = tmpfs_new("1777", base.shm_size);
}

/* Put a fresh tmpfs of mode and size on path: the one made ahead (*fd),
 * if it was made with that size (made), otherwise one made now the same
 * way (tmpfs_new); *fd is closed either way. 1 when the one made ahead was
 * attached, 0 when a new one was, -1 with errno set. */
static int tmpfs_attach(int *fd, uint64_t made, const char *path, const char *mode,
			uint64_t size)
{
	int r = 1, e;

	if (*fd < 0 || made != size) {
		close_base_fd(fd);
		*fd = tmpfs_new(mode, size);
		r = 0;
	}
	if (*fd < 0 || move_mount(*fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -1;
	e = errno;
	close_base_fd(fd);
	errno = e;
	return r;
}

/* Build the mount base, for plan (a pid 1 cloned for its run: no /proc
 * for a host-view plan, an interactive plan's /dev) or for any plan (NULL,
 * ahead of it: then setup_proc and setup_dev adapt); 0, or -1 with errno
 * set, *ret_code and *ret_step saying what failed (and nothing of it
 * kept). Nothing done here may propagate back to the host: / is made
 * private first. A failure there, right after the namespaces were
 * created, is how an AppArmor user-namespace restriction shows itself. */
static int mounts_prepare(const struct sandbox_plan *plan, int *ret_code,
			  const char **ret_step)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					     MOUNT_ATTR_NODEV };

	*ret_code = SANDBOX_E_MOUNT;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		*ret_code = (errno == EPERM || errno == EACCES) ? SANDBOX_E_USERNS :
								  SANDBOX_E_MOUNT;
		*ret_step = "make / private";
		return -1;
	}
	/* nodev: a device node found anywhere on the host's filesystems
	 * (outside the /dev we build) cannot be opened. */
	*ret_step = "bind host root";
	base.tree = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (base.tree < 0)
		goto fail;
	*ret_step = "host root read-only";
	if (mount_setattr(base.tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		goto fail;
	if (!plan || !plan->host_view) {
		base.proc = proc_build(&base.pid_max, plan ? NULL : &base.last_pid, ret_step);
		if (base.proc < 0)
			goto fail;
	}
	base.dev_tty = plan && plan->interactive;
	base.dev = dev_build(base.dev_tty ? plan->tty_path : NULL, ret_step);
	if (base.dev < 0)
		goto fail;
	tmpfs_ahead(plan);
	base.ready = true;
	return 0;
fail:
	mount_base_drop();
	return -1;
}

/* /dev: the one mounts_prepare built (built again now for an interactive
 * plan if that was ahead of it, without the command's terminal),
 * attached; then a private /dev/shm of the plan's size (on the read-only
 * /dev: mounting on a directory needs no write access to it). */
static void setup_dev(const char *root, const struct sandbox_plan *plan,
		      int sock)
{
	char dev[SANDBOX_MAX_PATH + 64];
	const char *step = NULL;

	if (plan->interactive && !base.dev_tty) {
		close_base_fd(&base.dev);
		base.dev = dev_build(plan->tty_path, &step);
		if (base.dev < 0)
			die(sock, SANDBOX_E_MOUNT, step);
	}
	if (!under(dev, sizeof(dev), root, "/dev") ||
	    move_mount(base.dev, "", AT_FDCWD, dev, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /dev");
	close_base_fd(&base.dev);
	if (!under(dev, sizeof(dev), root, "/dev/shm") ||
	    tmpfs_attach(&base.shm, base.shm_size, dev, "1777", plan->limits.shm_size) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /dev/shm");
}

static void make_readonly(const char *path, int sock, const char *step)
{
	/* nodev: a device node found anywhere on the host's filesystems
	 * (outside the /dev we build) cannot be opened. */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY |
					       MOUNT_ATTR_NOSUID |
					       MOUNT_ATTR_NODEV };

	if (mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		die(sock, SANDBOX_E_MOUNT, step);
}

/* An empty read-only directory (tmpfs) or /dev/null over path. */
static void hide(const char *path, int sock)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return;
		die(sock, SANDBOX_E_MOUNT, "stat hidden path");
	}
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID |
							  MS_NODEV | MS_NOEXEC,
			  "mode=0755,size=4k,nr_inodes=1") < 0)
			die(sock, SANDBOX_E_MOUNT, "hide directory");
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0 ||
		   mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
			 NULL) < 0) {
		die(sock, SANDBOX_E_MOUNT, "hide file");
	}
}

/* A path under the private /tmp (a workspace in $TMPDIR, say) does not
 * exist in the fresh tmpfs: create it, and its parents, there. Elsewhere
 * the mount point exists already (the tree mirrors the host) or cannot be
 * made (read-only), and the mount that follows reports the problem. */
static void ensure_mountpoint(char *path, size_t root_len, bool dir)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return;
	for (char *c = path + root_len + 1; (c = strchr(c, '/')); c++) {
		*c = '\0';
		(void)mkdir(path, 0755);
		*c = '/';
	}
	if (dir) {
		(void)mkdir(path, 0755);
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
	}
}

/* A SANDBOX_PATH_PRIVATE directory: the host's, seen through an overlay
 * whose upper layer is a fresh tmpfs mounted on the mount point itself
 * (as /tmp's): the command writes there as it likes, within
 * limits.tmp_size, and nothing of it reaches the host. Paths mounted after
 * it (the store read-only, the store's key hidden) stay on top. */
static void mount_private(char *dst, const char *host, mode_t mode,
			  const struct sandbox_plan *plan, int sock)
{
	char opts[SANDBOX_MAX_PATH * 6 + 64];
	char up[SANDBOX_MAX_PATH * 2 + 16], wk[SANDBOX_MAX_PATH * 2 + 16];
	int n;

	if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV,
		  tmpfs_opts(opts, sizeof(opts), "0755", plan->limits.tmp_size)) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount private layer");
	snprintf(up, sizeof(up), "%s/.u", dst);
	snprintf(wk, sizeof(wk), "%s/.w", dst);
	n = snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", host, up,
		     wk);
	if (mkdir(up, 0700) < 0 || chmod(up, mode & 07777) < 0 || mkdir(wk, 0700) < 0 || n < 0 ||
	    (size_t)n >= sizeof(opts) ||
	    mount("overlay", dst, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount private overlay");
}

/* What setup_extra_paths found on the host at each extra path, before it
 * mounted there: a tree built ahead is used only while the host still has
 * the same there (run.c, prep_mounts_fit). */
static struct sandbox_seen extra_seen[SANDBOX_MAX_EXTRA_PATHS];

static void setup_extra_paths(const char *root, const struct sandbox_plan *plan,
			      int sock)
{
	char dst[SANDBOX_MAX_PATH * 2];

	for (size_t i = 0; i < plan->n_paths; i++) {
		const struct sandbox_extra_path *e = &plan->paths[i];

		struct stat st;
		bool present;

		if (!under(dst, sizeof(dst), root, e->path))
			die(sock, SANDBOX_E_MOUNT, "extra path");
		sandbox_seen_now(e->path, &extra_seen[i]);
		present = lstat(e->path, &st) == 0;
		if (present)
			ensure_mountpoint(dst, strlen(root), S_ISDIR(st.st_mode));
		if (e->mode == SANDBOX_PATH_HIDDEN) {
			hide(dst, sock);
			continue;
		}
		if (e->mode == SANDBOX_PATH_PRIVATE) {
			if (present && S_ISDIR(st.st_mode))
				mount_private(dst, e->path, st.st_mode, plan, sock);
			continue;
		}
		/* Bind from the host view (read-write), not from the
		 * read-only copy, so a writable grant is writable. */
		if (mount(e->path, dst, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue; /* nothing there to expose */
			die(sock, SANDBOX_E_MOUNT, "bind extra path");
		}
		if (e->mode == SANDBOX_PATH_READONLY)
			make_readonly(dst, sock, "extra path read-only");
	}
}

/* Whether loopback_ahead brought lo up: pid 1's own. */
static bool lo_ready;

/* Bring the loopback interface up; 0, or -1 with errno set and *step
 * saying what failed. */
static int loopback_set_up(const char **step)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	*step = "socket for loopback";
	if (fd < 0)
		return -1;
	memcpy(ifr.ifr_name, "lo", 3);
	*step = "get loopback flags";
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		*step = "loopback up";
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0)
			r = 0;
	}
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return r;
}

static void loopback_up(int sock)
{
	const char *step;

	if (!lo_ready && loopback_set_up(&step) < 0)
		die(sock, SANDBOX_E_SETUP, step);
}

/* A prepared pid 1 with a network namespace of its own (the plan will not
 * grant the network: the caller never hands it one that does) brings lo
 * up before its plan comes: a tenth of a millisecond, most of it the
 * kernel's. Best effort: on failure pid1_run tries again and reports. */
static void loopback_ahead(void)
{
	const char *step;

	lo_ready = loopback_set_up(&step) == 0;
}

/* The process limit for root: the kernel exempts the host's root user from
 * RLIMIT_NPROC, but since Linux 6.14 each pid namespace has its own
 * pid_max, which its init may lower: pids above it cannot be allocated.
 * Once pids wrap they start again at 300 (RESERVED_PIDS), so up to 300
 * more are added to keep at least max tasks possible. Older kernels keep
 * pid_max global: it is not opened there (proc_build, pid_max_per_ns), and
 * root's runs have no process limit (docs/sandbox.md). */
static void limit_pids(int fd, uint64_t max)
{
	char v[32];
	int n;

	if (fd < 0)
		return;
	n = snprintf(v, sizeof(v), "%llu\n", (unsigned long long)(max + 300 + 3));
	(void)sandbox_write_all(fd, v, (size_t)n);
}

/* /proc: a fresh procfs of the run's pid namespace, with the parts that act
 * on the whole machine read-only (built ahead, proc_build); or, for a
 * host-view plan, the host's own /proc as the read-only bind of the host
 * root already shows it (every file of it read-only; the command is fenced
 * off other processes' magic links by Landlock, see landlock.c). */
static void setup_proc(const char *root, const struct sandbox_plan *plan, int sock)
{
	char p[SANDBOX_MAX_PATH + 64];

	if (!plan->host_view) {
		if (plan->limits.max_procs)
			limit_pids(base.pid_max, plan->limits.max_procs);
		if (!under(p, sizeof(p), root, "/proc") ||
		    move_mount(base.proc, "", AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			die(sock, SANDBOX_E_MOUNT, "mount /proc");
	}
	close_base_fd(&base.pid_max);
	close_base_fd(&base.last_pid);
	close_base_fd(&base.proc);
}

/* pid 1's fd of the /tmp overlay's upper layer (capture plans), for
 * export_tmp_layer; -1 otherwise. pid 1 is a process of its own (a clone
 * without shared memory), so this is its copy only. */
static int tmp_layer_fd = -1;
/* With the private /tmp (tmp_entries), pid 1's fd of the directory of
 * the upper layers of the caller's own host directories there. */
static int tmp_dirs_fd = -1;

/* /tmp: the host's, seen through an overlay whose upper layer is a fresh
 * tmpfs (SHARK_TMP_SIZE). Commands read files and directories that exist
 * there (a script in /tmp, a TMPDIR that must exist) and write above it:
 * by default everything they write in /tmp is gone when the run ends;
 * with sandbox_plan_set_tmp_capture() pid 1 keeps an fd of the layer and
 * copies it into the scratch dir once the command has ended
 * (export_tmp_layer). The tmpfs is mounted first on the mount point
 * itself, the overlay on top; the overlay keeps its upper and work dirs
 * reachable. */
/* Whether the host has a mount below dir (other than the run's own tree,
 * under scratch): overlayfs refuses a lower layer with mounts below it
 * that the run's user namespace may not uncover (they came locked from
 * the host's namespace), with a bare EINVAL; this names the cause.
 * Called on that error path only. */
static bool host_mount_below(const char *dir, const char *scratch)
{
	char line[2 * SANDBOX_MAX_PATH + 512];
	size_t dl = strlen(dir), sl = strlen(scratch);
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *mp = line;

		/* the 5th field: the mount point */
		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (!mp)
			continue;
		mp[strcspn(mp, " ")] = '\0';
		if (strncmp(mp, dir, dl) == 0 && mp[dl] == '/' &&
		    !(strncmp(mp, scratch, sl) == 0 && (mp[sl] == '/' || mp[sl] == '\0')))
			found = true;
	}
	fclose(f);
	return found;
}

/* Whether this pid 1's /tmp is the fallback of tmp_entries (a host mount
 * below /tmp): reported in the result (SANDBOX_RESULT_TMP_PRIVATE), and a
 * tree built ahead with it is never used for a run (mounts_ahead). */
static bool tmp_private;

/* The host's /tmp when the overlay of it is refused (a mount below it that
 * came locked from the host's namespace: a FUSE mount, WSLg's
 * /tmp/.X11-unix): the fresh tmpfs t, whose upper dir up (the run's /tmp
 * then) gets for each entry at the top of the host's /tmp, with nothing
 * written to the host:
 *   the caller's directory   an overlay of it, its upper layer t/.o/NAME
 *                 (work dir t/.ow/NAME): as through the /tmp overlay,
 *                 writable, unix sockets below it not connectable
 *   another directory   a read-only overlay of it (lower layers only: the
 *                 host's and the empty t/.e): EROFS on any change
 *   a file        the host's, bound read-only
 *   anything else in its place an empty read-only directory (hide: a
 *                 directory the overlay refuses, a mount below it) or
 *                 /dev/null bound read-only and nodev, so it cannot be
 *                 opened (symlinks, sockets, FIFOs, devices, a file the
 *                 bind refuses)
 * Each is a mount on a placeholder made in up, so the copy of the layer
 * (tmplayer.c) knows it by its device and leaves it out, taking the
 * upper layers in t/.o in their place (tmp_dirs_fd): what the command
 * made at the top of /tmp and in the caller's directories are its
 * effects. */
static void tmp_entries(const char *t, const char *up, int sock)
{
	char host[SANDBOX_MAX_PATH + 8], dst[SANDBOX_MAX_PATH * 3];
	char empty[SANDBOX_MAX_PATH * 2 + 16], u[SANDBOX_MAX_PATH * 3], w[SANDBOX_MAX_PATH * 3];
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;

	if (!d)
		die(sock, SANDBOX_E_MOUNT, "mount /tmp: read the host's /tmp");
	snprintf(empty, sizeof(empty), "%s/.e", t);
	snprintf(u, sizeof(u), "%s/.o", t);
	snprintf(w, sizeof(w), "%s/.ow", t);
	if (mkdir(empty, 0700) < 0 || mkdir(u, 0700) < 0 || mkdir(w, 0700) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /tmp: layers");
	if (tmp_layer_fd >= 0) {
		tmp_dirs_fd = open(u, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (tmp_dirs_fd < 0)
			die(sock, SANDBOX_E_MOUNT, "open /tmp layers");
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct stat st;
		int n, m, fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n = snprintf(host, sizeof(host), "/tmp/%s", de->d_name);
		m = snprintf(dst, sizeof(dst), "%s/%s", up, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(host) || m < 0 || (size_t)m >= sizeof(dst) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone since readdir: absent for the run too */
		if (S_ISDIR(st.st_mode)) {
			const char *const ro[][2] = { { "lowerdir+", host },
						      { "lowerdir+", empty },
						      { NULL, NULL } };
			const char *const rw[][2] = { { "lowerdir+", host },
						      { "upperdir", u },
						      { "workdir", w },
						      { "userxattr", NULL },
						      { NULL, NULL } };
			bool own = st.st_uid == geteuid();

			if (mkdir(dst, 0755) < 0)
				die(sock, SANDBOX_E_MOUNT, "mount /tmp: placeholder");
			/* The caller's own directory: writable, its upper
			 * layer (t/.o/NAME) with the host directory's mode
			 * and times, which the overlay's root shows. */
			if (own) {
				struct timespec ts[2] = { st.st_atim, st.st_mtim };

				n = snprintf(u, sizeof(u), "%s/.o/%s", t, de->d_name);
				m = snprintf(w, sizeof(w), "%s/.ow/%s", t, de->d_name);
				own = n > 0 && (size_t)n < sizeof(u) && m > 0 &&
				      (size_t)m < sizeof(w) && mkdir(u, 0700) == 0 &&
				      chmod(u, st.st_mode & 07777) == 0 && mkdir(w, 0700) == 0 &&
				      utimensat(AT_FDCWD, u, ts, 0) == 0;
			}
			fd = own ? fs_new("overlay", rw, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) : -1;
			if (fd < 0)
				fd = fs_new("overlay", ro,
					    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						    MOUNT_ATTR_NODEV);
			if (fd >= 0 &&
			    move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
				close(fd);
				die(sock, SANDBOX_E_MOUNT, "mount /tmp: overlay of a directory");
			}
			if (fd >= 0)
				close(fd);
			else
				hide(dst, sock);
			continue;
		}
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			die(sock, SANDBOX_E_MOUNT, "mount /tmp: placeholder");
		close(fd);
		if ((S_ISREG(st.st_mode) &&
		     clone_onto(dfd, de->d_name, 0,
				MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, AT_FDCWD,
				dst) == 0) ||
		    clone_onto(AT_FDCWD, "/dev/null", 0,
			       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				       MOUNT_ATTR_NOEXEC,
			       AT_FDCWD, dst) == 0)
			continue;
		die(sock, SANDBOX_E_MOUNT, "mount /tmp: bind an entry");
	}
	if (errno != 0)
		die(sock, SANDBOX_E_MOUNT, "mount /tmp: read the host's /tmp");
	closedir(d);
}

static void mount_tmp(const struct sandbox_plan *plan, const char *root, int sock)
{
	char p[SANDBOX_MAX_PATH * 2], opts[SANDBOX_MAX_PATH * 3 + 64];
	char up[SANDBOX_MAX_PATH * 2 + 16], wk[SANDBOX_MAX_PATH * 2 + 16];
	int n, ahead;

	/* The tmpfs made ahead has its .u and .w already (tmpfs_ahead). */
	if (!under(p, sizeof(p), root, "/tmp") ||
	    (ahead = tmpfs_attach(&base.tmp, base.tmp_size, p, "1777", plan->limits.tmp_size)) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /tmp");
	snprintf(up, sizeof(up), "%s/.u", p);
	snprintf(wk, sizeof(wk), "%s/.w", p);
	n = snprintf(opts, sizeof(opts), "lowerdir=/tmp,upperdir=%s,workdir=%s,userxattr", up,
		     wk);
	if ((!ahead && (mkdir(up, 01777) < 0 || chmod(up, 01777) < 0 || mkdir(wk, 0700) < 0)) ||
	    n < 0 || (size_t)n >= sizeof(opts))
		die(sock, SANDBOX_E_MOUNT, "mount /tmp overlay");
	if (plan->tmp_capture) {
		tmp_layer_fd = open(up, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (tmp_layer_fd < 0)
			die(sock, SANDBOX_E_MOUNT, "open /tmp layer");
	}
	if (mount("overlay", p, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) {
		if (errno == EINVAL && host_mount_below("/tmp", plan->scratch)) {
			tmp_entries(p, up, sock);
			if (mount(up, p, NULL, MS_BIND | MS_REC, NULL) < 0)
				die(sock, SANDBOX_E_MOUNT, "mount /tmp: bind the private layer");
			tmp_private = true;
			return;
		}
		die(sock, SANDBOX_E_MOUNT, "mount /tmp overlay");
	}
}

/* Once the command has ended: kill what it left running (it would die
 * with pid 1 anyway) and reap it, so nothing writes the /tmp layer any
 * more, then copy the layer into the scratch dir (tmplayer.c). A copy that
 * fails leaves nothing (the run's /tmp writes are then lost) and marks
 * the result incomplete. */
static void export_tmp_layer(int scratch_fd, struct sandbox_result *res)
{
	if (tmp_layer_fd < 0)
		return;
	(void)kill(-1, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
	if (sandbox_tmp_layer_export(tmp_layer_fd, tmp_dirs_fd, scratch_fd) < 0)
		res->flags |= SANDBOX_RESULT_TRACE_LOST;
	close(tmp_layer_fd);
	tmp_layer_fd = -1;
	close_base_fd(&tmp_dirs_fd);
}

/* A tree built ahead of the run (sandbox_init_prepared, the plan's mount
 * part sent first): the host's read-only tree once more, detached, for
 * the command's stdio files once they come (stdio_after_mounts), since
 * the tree that became the root has the overlays over it by then. */
static int stdio_tree = -1;

/* The mount tree, built under <scratch>/root and then made the root (the
 * entries marked * are built ahead, mounts_prepare, and only attached
 * here):
 *   /          * host root, cloned recursively, read-only, nosuid, nodev
 *   workspace    overlayfs: lower = host workspace, upper/work in scratch
 *   scratch      hidden (an empty read-only tmpfs)
 *   extra paths  read-only (store), read-write (grants) or hidden
 *   /tmp         overlay: the host's /tmp below, private writes above
 *   /run         private tmpfs, unless the network is granted
 *   /proc      * fresh procfs of the new pid namespace, protected
 *   /dev       * minimal, read-only tmpfs (an interactive run's: built
 *                here); its /dev/shm a private tmpfs
 * With stdio NULL the tree is built ahead of the run (mounts_ahead): the
 * command's stdio is reopened once it comes (stdio_after_mounts).
 */
/* The command's stdio devices (a terminal, /dev/null) reopened from the
 * sandbox's /dev, dev at dirfd (stdio.c). */
static void stdio_devices(struct sandbox_stdio *stdio, int dirfd, const char *dev, int sock)
{
	const char *step = NULL;
	int dfd = openat(dirfd, dev, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int n = dfd < 0 ? -errno : sandbox_stdio_reopen_devices(stdio, dfd, &step);

	if (dfd < 0)
		step = "open /dev";
	else
		close(dfd);
	if (n < 0) {
		errno = n == SANDBOX_E_STDIO ? EPERM : -n;
		die(sock, SANDBOX_E_STDIO, step);
	}
}

static void setup_mounts(const struct sandbox_plan *plan,
			 struct sandbox_stdio *stdio, int sock, int lower_fds[2])
{
	const char *step = NULL;
	int rfd, code;
	char root[SANDBOX_MAX_PATH + 16], p[SANDBOX_MAX_PATH * 2];
	char opts[SANDBOX_MAX_PATH * 3 + 64];
	int n;

	/* The plan-independent mounts: built ahead by a prepared pid 1,
	 * now by one cloned for its run. */
	if (!base.ready && mounts_prepare(plan, &code, &step) < 0)
		die(sock, code, step);
	n = snprintf(root, sizeof(root), "%s/" SANDBOX_ROOT, plan->scratch);
	if (n < 0 || (size_t)n >= sizeof(root)) {
		errno = ENAMETOOLONG;
		die(sock, SANDBOX_E_MOUNT, "root path");
	}
	if (!stdio) {
		struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						     MOUNT_ATTR_NODEV };

		stdio_tree = open_tree(AT_FDCWD, "/",
				       OPEN_TREE_CLOEXEC | OPEN_TREE_CLONE | AT_RECURSIVE);
		if (stdio_tree < 0 ||
		    mount_setattr(stdio_tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
			die(sock, SANDBOX_E_MOUNT, "bind host root for stdio");
	}
	if (move_mount(base.tree, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die(sock, SANDBOX_E_MOUNT, "bind host root");
	/* The fd of the tree's root is the new root's from here on. */
	rfd = base.tree;
	base.tree = -1;
	/* The command's stdio files, from the read-only tree, before /tmp,
	 * /run and the workspace are mounted over it (stdio.c); ahead of
	 * the run (stdio NULL), a copy of the tree kept for them. */
	n = stdio ? sandbox_stdio_reopen_files(stdio, rfd, &step) : 0;
	if (n < 0) {
		errno = -n;
		die(sock, SANDBOX_E_STDIO, step);
	}
	/* The host's workspace and /tmp as they are below the overlays about
	 * to cover them (read-only, like the rest of the tree): the tracer
	 * binds the host's named pipes from there (trace.c). Taken before
	 * anything is mounted, so a workspace under /tmp is the host's and
	 * not the /tmp overlay's view of it. Missing (untraced plans), a
	 * named pipe is the overlay's own. */
	lower_fds[0] = lower_fds[1] = -1;
	if (plan->trace) {
		if (under(p, sizeof(p), root, plan->workspace))
			lower_fds[0] = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (under(p, sizeof(p), root, "/tmp"))
			lower_fds[1] = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}

	mount_tmp(plan, root, sock);
	/* /run holds the host daemons' unix sockets (docker.sock, the D-Bus
	 * system bus, systemd's private socket, the user's runtime dir...).
	 * A path-named socket is a filesystem object: the network namespace
	 * does not cut it off, and connect() works on a read-only mount. So
	 * unless the network is granted, /run is a private tmpfs too. */
	if (!plan->network &&
	    (!under(p, sizeof(p), root, "/run") ||
	     tmpfs_attach(&base.run, base.run_size, p, "0755", plan->limits.run_size) < 0))
		die(sock, SANDBOX_E_MOUNT, "mount /run");
	close_base_fd(&base.run); /* made ahead, unused: the network is granted */

	/* The overlay's root takes its mode from the upper dir, made 0700:
	 * give it the workspace's, so `ls -ld .` shows what it shows on the
	 * host (as mount_private does). The owner stays the caller's. */
	{
		struct stat ws_st;
		char up[SANDBOX_MAX_PATH + 16];

		n = snprintf(up, sizeof(up), "%s/" SANDBOX_UPPER, plan->scratch);
		if (n > 0 && (size_t)n < sizeof(up) && stat(plan->workspace, &ws_st) == 0 &&
		    chmod(up, ws_st.st_mode & 07777) < 0)
			die(sock, SANDBOX_E_OVERLAY, "upper dir mode");
	}
	n = snprintf(opts, sizeof(opts),
		     "lowerdir=%s,upperdir=%s/" SANDBOX_UPPER
		     ",workdir=%s/" SANDBOX_WORK ",userxattr,volatile",
		     plan->workspace, plan->scratch, plan->scratch);
	if (n < 0 || (size_t)n >= sizeof(opts) ||
	    !under(p, sizeof(p), root, plan->workspace)) {
		errno = ENAMETOOLONG;
		die(sock, SANDBOX_E_OVERLAY, "overlay options");
	}
	ensure_mountpoint(p, strlen(root), true);
	if (mount("overlay", p, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) {
		if (errno == EINVAL && host_mount_below(plan->workspace, plan->scratch))
			die(sock, SANDBOX_E_OVERLAY, "mount overlay: a mount below the workspace");
		die(sock, SANDBOX_E_OVERLAY, "mount overlay");
	}

	if (!under(p, sizeof(p), root, plan->scratch))
		die(sock, SANDBOX_E_MOUNT, "scratch path");
	ensure_mountpoint(p, strlen(root), true);
	/* The extra paths are bound recursively from the host's view, where
	 * this tree hangs at <scratch>/root: an extra path that holds the
	 * scratch dir (the store, always; a grant of $HOME or $TMPDIR) would
	 * copy the whole tree built so far into the sandbox, below the
	 * scratch dir's hide, some thirty mounts made, made read-only and
	 * torn down at the end for nothing. An unbindable mount is left out
	 * of a recursive bind with everything below it, so the tree's root
	 * is one while the extra paths are bound, and private again before
	 * the pivot (the command's mount table shows it as before). */
	if (mount(NULL, root, NULL, MS_UNBINDABLE, NULL) < 0)
		die(sock, SANDBOX_E_MOUNT, "root unbindable");
	/* After the extra paths: a writable grant that holds the scratch dir
	 * ($TMPDIR, where a caller may keep it) must not uncover it. */
	setup_extra_paths(root, plan, sock);
	hide(p, sock);
	if (mount(NULL, root, NULL, MS_PRIVATE, NULL) < 0)
		die(sock, SANDBOX_E_MOUNT, "root private");

	setup_proc(root, plan, sock);
	setup_dev(root, plan, sock);
	if (stdio)
		stdio_devices(stdio, rfd, "dev", sock);
	close(rfd);

	/* Make the tree the root; the old root is detached so nothing of the
	 * host's writable mounts stays reachable. */
	if (chdir(root) < 0)
		die(sock, SANDBOX_E_MOUNT, "chdir new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die(sock, SANDBOX_E_MOUNT, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die(sock, SANDBOX_E_MOUNT, "detach old root");
	if (chdir("/") < 0)
		die(sock, SANDBOX_E_MOUNT, "chdir /");
}

/* The command's stdio in a tree built ahead of the run (setup_mounts
 * with no stdio): its files reopened from the copy of the host's tree kept
 * for them, its devices from the sandbox's /dev, as setup_mounts does for
 * a tree built for the run. The copy stays open until pid 1's exit:
 * closing a detached tree dissolves it and waits for an RCU grace period
 * (0.1 ms on a quiet machine, milliseconds on a busy one), which here
 * would come before the command's clone; at the exit it comes after the
 * "ended" message. Nothing else reaches it: the command's copy of the fd
 * table loses it at its execve (close-on-exec), and the command may not
 * open pid 1's fds ("Processes"). */
static void stdio_after_mounts(struct sandbox_stdio *stdio, int sock)
{
	const char *step = NULL;
	int n = sandbox_stdio_reopen_files(stdio, stdio_tree, &step);

	if (n < 0) {
		errno = -n;
		die(sock, SANDBOX_E_STDIO, step);
	}
	stdio_devices(stdio, AT_FDCWD, "/dev", sock);
}

/* Set by a prepared pid 1 once its own bounding set is empty (bset_ahead):
 * the command, cloned with the credentials of pid 1's main thread (the
 * kernel copies the bounding set at the clone), then has nothing left to
 * drop there. The command shares pid 1's memory, so it reads this. */
static bool bset_empty;

/* Empty pid 1's bounding set before its plan comes: one prctl per
 * capability, 41 system calls, each a few microseconds here, taken off
 * the command's path. pid 1 never execs, so the set limits nothing it
 * does (its effective capabilities stay). A PR_CAPBSET_DROP that returns
 * 0 has cleared its bit (an already clear bit included), and EINVAL comes
 * first at the number past the kernel's last capability: every drop up to
 * it succeeding is the whole set emptied, with no read-back (another 41
 * calls). Any other outcome leaves bset_empty false, and the command
 * drops the set again itself and fails its run if it cannot. */
static void bset_ahead(void)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL && cap > 0)
			bset_empty = true;
		return;
	}
}

/* Drop every capability the user namespace gave us: the bounding set (so
 * even a uid-0 execve gains nothing; empty already when pid 1 emptied its
 * own, bset_ahead), then the effective, permitted and
 * inheritable sets (which also clears the ambient set). */
static void drop_capabilities(int sock)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	/* Capabilities are numbered from 0 up; EINVAL marks the first
	 * number past the kernel's last. */
	for (int cap = 0; cap <= 63 && !bset_empty; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno != EINVAL)
			die(sock, SANDBOX_E_SETUP, "drop bounding set");
		break;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		die(sock, SANDBOX_E_SETUP, "capset");
	if (syscall(SYS_capget, &hdr, data) < 0 || data[0].effective ||
	    data[0].permitted || data[1].effective || data[1].permitted) {
		errno = EPERM;
		die(sock, SANDBOX_E_SETUP, "verify capabilities dropped");
	}
}

static const char *env_get(const struct sandbox_plan *plan, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < plan->envc; i++)
		if (strncmp(plan->envp[i], name, n) == 0 &&
		    plan->envp[i][n] == '=')
			return plan->envp[i] + n + 1;
	return NULL;
}

/* execve, and for a file without a #! line, sh FILE, as execvp does.
 * sh_argv has room for argc + 2 pointers (allocated by pid 1: the command
 * process shares pid 1's memory and must not allocate). */
static int try_exec(const char *file, const struct sandbox_plan *plan,
		    char **sh_argv)
{
	execve(file, plan->argv, plan->envp);
	if (errno == ENOEXEC) {
		sh_argv[0] = (char *)"sh";
		sh_argv[1] = (char *)file;
		for (size_t i = 1; i < plan->argc; i++)
			sh_argv[i + 1] = plan->argv[i];
		sh_argv[plan->argc + 1] = NULL;
		execve("/bin/sh", sh_argv, plan->envp);
		errno = ENOEXEC;
	}
	return -errno;
}

/* Where the PATH search stands after probe_path: the entries before next
 * were found absent untraced and are not tried again; err is what the last
 * of them failed with (what its execve would have). */
struct path_search {
	const char *next;
	int err;
};

static const char *search_path(const struct sandbox_plan *plan)
{
	const char *path = env_get(plan, "PATH");

	return path ? path : "/usr/bin:/bin";
}

/* The PATH search's first part, run by the command before its filter is
 * loaded, so without a round trip to the tracer per candidate (9 failed
 * execve on a PATH of 10 entries for `tr`, each a notification). Each
 * leading candidate that a stat() finds absent (ENOENT, ENOTDIR: exactly
 * when its execve would fail with that errno, having looked up the same
 * path with the same credentials, root, cwd and fds) is skipped, and put
 * in probe, from which the tracer records it as it records a failed
 * execve, with its own lookup (sandbox_tracer_skipped_execs): the record,
 * and so the memo key, is the one the traced search makes, and a tool put
 * later in an earlier PATH directory still makes the run miss.
 * It is done here rather than in pid 1 before the command starts because
 * only here is everything the execve's lookup depends on already in place
 * (the working directory, the dropped capabilities, the Landlock fence),
 * and the command needs the answer, not pid 1.
 * The probe stops, leaving the rest to the traced search, at the first
 * candidate that exists (it is execve'd, traced: a directory, a file
 * without execute permission or without #! go on as sh does), that fails
 * otherwise (EACCES, ELOOP...), that is relative (an empty or relative
 * PATH entry: the tracer would resolve it against the cwd) or under /proc,
 * that does not fit probe, and at the last candidate, which is always
 * tried traced: the tracer records the skipped candidates when its first
 * notification comes, and that execve is the one that always comes. */
static void probe_path(const struct sandbox_plan *plan, struct path_search *s,
		       struct sandbox_exec_probe *probe)
{
	const char *name = plan->argv[0], *dir;
	char buf[SANDBOX_MAX_PATH + 256];
	struct stat st;

	s->next = search_path(plan);
	s->err = -ENOENT;
	if (!probe || strchr(name, '/'))
		return;
	for (dir = s->next;;) {
		size_t len = strcspn(dir, ":");
		int n;

		if (dir[len] == '\0' || dir[0] != '/')
			return;
		n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, dir, name);
		if (n <= 0 || n >= SANDBOX_MAX_PATH ||
		    (size_t)n + 1 > sizeof(probe->paths) - probe->len ||
		    (strncmp(buf, "/proc", 5) == 0 && (buf[5] == '/' || buf[5] == '\0')))
			return;
		if (stat(buf, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
			return;
		s->err = -errno;
		memcpy(probe->paths + probe->len, buf, (size_t)n + 1);
		probe->len += (size_t)n + 1;
		dir += len + 1;
		s->next = dir;
	}
}

/* Run the command the way sh does: a name with a slash is executed as is,
 * otherwise each $PATH entry is tried (default "/usr/bin:/bin"), from
 * where probe_path left off. Returns the errno that decides 127 vs 126. */
static int exec_command(const struct sandbox_plan *plan, char **sh_argv,
			const struct path_search *s)
{
	const char *name = plan->argv[0], *dir;
	char buf[SANDBOX_MAX_PATH + 256];
	int err = s->err;
	bool eacces = false;

	if (strchr(name, '/'))
		return try_exec(name, plan, sh_argv);
	for (dir = s->next;; dir++) {
		size_t len = strcspn(dir, ":");
		int n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)len, dir,
				 len ? "/" : "", name);

		if (n > 0 && (size_t)n < sizeof(buf)) {
			struct stat st;

			err = try_exec(buf, plan, sh_argv);
			/* As sh's PATH search: a directory of that name, or
			 * a name in a PATH directory the user may not search
			 * (stat fails too), is skipped, not a "permission
			 * denied" (bash and dash: 127). (Looked at only
			 * then: each lookup here is a traced system call.) */
			if (err == -EACCES && (stat(buf, &st) != 0 || S_ISDIR(st.st_mode)))
				err = -ENOENT;
			if (err == -EACCES)
				eacces = true;
			else if (err != -ENOENT && err != -ENOTDIR)
				return err;
		}
		dir += len;
		if (*dir == '\0')
			break;
	}
	return eacces ? -EACCES : err;
}

/* The plan's resource limits (sandbox_plan_set_rlimit) named in bits,
 * each lowered to at most the value the command has now (the plan's
 * max_procs and max_memory set before, the caller's own): the lower of
 * each soft and hard value holds, and the command never asks to raise. */
static int apply_rlimits(const struct sandbox_plan *plan, uint32_t bits)
{
	for (unsigned i = 0; i < SANDBOX_ATTR_N_RLIMITS; i++) {
		struct rlimit now, rl;

		if (!(plan->rlim_set & bits & SANDBOX_ATTR_RLIMIT(i)) || getrlimit((int)i, &now) < 0)
			continue;
		rl.rlim_max = plan->rlim[i].rlim_max < now.rlim_max ? plan->rlim[i].rlim_max
								     : now.rlim_max;
		rl.rlim_cur = plan->rlim[i].rlim_cur < rl.rlim_max ? plan->rlim[i].rlim_cur
								   : rl.rlim_max;
		if ((rl.rlim_cur != now.rlim_cur || rl.rlim_max != now.rlim_max) &&
		    setrlimit((int)i, &rl) < 0)
			return -errno;
	}
	return 0;
}

/* Whether pid 1 will be able to take the listener from the command with
 * pidfd_getfd (the tty_in filter's handover): not with Yama's ptrace_scope
 * 3 (no process may attach to another, pid 1 to its child included), nor
 * where pidfd_open or pidfd_getfd is refused or missing (a seccomp
 * profile, Linux before 5.6), which a look at the command's own fd tells
 * (a process may always take its own). Asked only with a terminal on
 * stdin; a refusal this does not foresee (SELinux's deny_ptrace) still
 * fails the run (recv_setup). */
static bool pidfd_handover_works(void)
{
	char scope = '0';
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	int pidfd, copy;

	if (fd >= 0) {
		if (read(fd, &scope, 1) != 1)
			scope = '0';
		close(fd);
	}
	if (scope == '3')
		return false;
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		return false;
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, pidfd, 0);
	close(pidfd);
	if (copy < 0)
		return false;
	close(copy);
	return true;
}

static __attribute__((noreturn)) void command_main(
	const struct sandbox_plan *plan, int sock, int exec_err_fd,
	char **sh_argv, struct sandbox_exec_probe *probe)
{
	struct path_search search;
	sigset_t all;
	int notify_fd = -1, r, tty_in = 0;

	/* pid 1 reset every disposition but SIGPIPE's and blocked a few
	 * signals; the caller's ignored ones (a shell ignores SIGPIPE,
	 * SIGINT...) are the plan's business. None of pid 1's state may leak
	 * into the command: `yes | head` relies on SIGPIPE killing yes. */
	signal(SIGPIPE, SIG_DFL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&plan->ignored, sig) == 1)
			signal(sig, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	for (int i = 0; i < 3; i++) {
		if (dup2(plan->stdio[i], i) < 0)
			die(sock, SANDBOX_E_SETUP, "dup2 stdio");
	}
	/* kill(0, sig) signals the caller's whole process group, across the
	 * pid namespace: the calling script, its other commands, the shell.
	 * A group of its own keeps the command's group signals inside the
	 * sandbox (pid 1 stays in the caller's group and passes the
	 * terminal's signals on). Not when the caller made a group for the
	 * run (job control), nor when the caller's controlling terminal is on
	 * stdio: a command reading or configuring it must stay in the
	 * terminal's foreground group. */
	if (plan->own_group && setpgid(0, 0) < 0)
		die(sock, SANDBOX_E_SETUP, "setpgid");
	/* RLIMIT_NPROC counts the processes of the user in the run's own
	 * user namespace (Linux 5.14+ ucounts), so it bounds the run, not
	 * the caller's other processes; it binds root inside too, which has
	 * no capability left to bypass it. */
	if (plan->limits.max_procs) {
		struct rlimit rl = { plan->limits.max_procs, plan->limits.max_procs };

		if (setrlimit(RLIMIT_NPROC, &rl) < 0)
			die(sock, SANDBOX_E_SETUP, "limit processes");
	}
	if (plan->limits.max_memory) {
		struct rlimit rl = { plan->limits.max_memory, plan->limits.max_memory };

		if (setrlimit(RLIMIT_AS, &rl) < 0)
			die(sock, SANDBOX_E_SETUP, "limit memory");
	}
	if (chdir(plan->cwd) < 0)
		die(sock, SANDBOX_E_SETUP, "chdir to the working directory");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(sock, SANDBOX_E_SETUP, "no_new_privs");
	drop_capabilities(sock);
	if (plan->host_view) {
		r = sandbox_landlock_fence();
		if (r < 0) {
			errno = -r;
			die(sock, SANDBOX_E_SETUP, "landlock fence (host view)");
		}
	}
	probe_path(plan, &search, probe);
	/* The caller's limits for the command (a shell's `ulimit`), now
	 * that the set-up is done: all but the number of files if the
	 * filter's listener below, which takes the lowest free fd, would not
	 * fit under it */
	uint32_t later = 0;
	if (plan->rlim_set & SANDBOX_ATTR_RLIMIT(RLIMIT_NOFILE)) {
		int low = fcntl(0, F_DUPFD_CLOEXEC, 0);

		if (low < 0 || (rlim_t)low >= plan->rlim[RLIMIT_NOFILE].rlim_cur)
			later = SANDBOX_ATTR_RLIMIT(RLIMIT_NOFILE);
		if (low >= 0)
			close(low);
	}
	if (apply_rlimits(plan, ~later) < 0)
		die(sock, SANDBOX_E_SETUP, "resource limits");
	/* where pid 1 cannot take the listener, the filter of fd 0's reads
	 * only, and the listener handed over with SCM_RIGHTS */
	if (plan->trace && isatty(0))
		tty_in = pidfd_handover_works() ? SANDBOX_TTY_IN : SANDBOX_TTY_IN_FD0;
	r = sandbox_filter_load(plan->trace, tty_in, plan->network, &notify_fd);
	if (r < 0) {
		errno = -r;
		die(sock, SANDBOX_E_SECCOMP, "seccomp load");
	}
	/* From here on, path system calls wait for pid 1's tracer, which
	 * gets the listener with this message. With a terminal on stdin, the
	 * filter sends sendmsg to the tracer too (filter.c): the message
	 * then only says where the listener is, and pid 1 takes it
	 * (recv_setup); it stays open until the execve, which waits for the
	 * tracer. */
	if (tty_in == SANDBOX_TTY_IN && notify_fd >= 0) {
		struct sandbox_setup_msg m = { .listener = notify_fd, .pid = (int32_t)getpid() };
		char ack = 0;
		ssize_t n;

		/* send, not die()'s sendmsg: that is notified now, and nobody
		 * could answer it */
		if (fcntl(notify_fd, F_SETFD, FD_CLOEXEC) < 0) {
			m.code = SANDBOX_E_SECCOMP;
			m.sys_errno = errno;
			m.listener = -1;
			snprintf(m.step, sizeof(m.step), "seccomp listener close-on-exec");
		}
		/* a send that fails leaves pid 1 "sandbox set-up died" */
		if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m) || m.code != 0)
			_exit(1);
		/* pid 1 says whether it took the listener (recv is not
		 * notified): without it, the execve would wait for ever */
		do
			n = recv(sock, &ack, 1, 0);
		while (n < 0 && errno == EINTR);
		if (n != 1 || ack != 1)
			_exit(1);
		close(sock);
	} else {
		send_msg(sock, 0, 0, NULL, notify_fd);
		close(sock);
		if (notify_fd >= 0)
			close(notify_fd);
	}

	/* with its fds those of the exec: a traced call when traced (it
	 * makes the limit an input of the run, which is the caller's value) */
	r = apply_rlimits(plan, later);
	if (r == 0)
		r = exec_command(plan, sh_argv, &search);
	sandbox_write_all(exec_err_fd, &r, sizeof(r));
	_exit(r == -ENOENT || r == -ENOTDIR || r == -ENAMETOOLONG ? 127 : 126);
}

struct command_args {
	const struct sandbox_plan *plan;
	int sock, exec_err_fd;
	char **sh_argv;
	struct sandbox_exec_probe *probe;
};

static int command_entry(void *arg)
{
	struct command_args *a = arg;

	command_main(a->plan, a->sock, a->exec_err_fd, a->sh_argv, a->probe);
}

/* ---- pid 1: set-up, tracing, reaping, the result --------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Receive the command's set-up message (and the listener fd). */
static int recv_setup(int sock, struct sandbox_setup_msg *m, int *ret_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	*ret_fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(*m))
		return -EIO; /* the command died before reporting */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	}
	m->step[sizeof(m->step) - 1] = '\0';
	/* The listener left in the command, which waits in its execve for
	 * the tracer meanwhile (command_main): its pid is ours to name, the
	 * command being our child in our pid namespace. */
	if (*ret_fd < 0 && m->code == 0 && m->listener >= 0 && m->pid > 0) {
		int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)m->pid, 0);
		char ack;

		n = pidfd < 0 ? -errno : 0;
		if (pidfd >= 0) {
			*ret_fd = (int)syscall(SYS_pidfd_getfd, pidfd, m->listener, 0);
			n = *ret_fd < 0 ? -errno : 0;
			close(pidfd);
		}
		/* the command waits for the answer before its execve */
		ack = n == 0;
		(void)send(sock, &ack, 1, MSG_NOSIGNAL);
		/* Refused (Yama's ptrace_scope 3, a seccomp profile, a kernel
		 * before 5.6): the command holds the listener its execve waits
		 * on. A plain kill, whatever else is refused: the command is
		 * our child, not reaped yet, so its pid names it. */
		if (n < 0) {
			(void)kill((pid_t)m->pid, SIGKILL);
			return (int)n;
		}
	}
	return 0;
}

static void write_result(int scratch_fd, struct sandbox_result *res)
{
	void *data;
	size_t size;
	int fd;

	if (sandbox_result_encode(res, &data, &size) < 0)
		_exit(3);
	/* Written in place: the caller reads it only once pid 1 said it
	 * ended or exited with 0, both after this (a write cut short ends
	 * otherwise); a recycled scratch dir brings it, emptied, so no new
	 * inode is made (sandbox_scratch_recycle_async). */
	fd = openat(scratch_fd, SANDBOX_RESULT_FILE,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || sandbox_write_all(fd, data, size) < 0 || close(fd) < 0)
		_exit(3);
	free(data);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The tracer thread and its channel to the command, made by a prepared
 * pid 1 before its plan comes (tracer_ahead): a thread's start (its
 * stack's mmap, the clone) is then off the command's path. */
static struct {
	bool started;
	pthread_t th;
	int sv[2];
} ahead_tracer = { false, 0, { -1, -1 } };

/* The mount tree was built ahead of the run (sandbox_init_prepared), and
 * the host's workspace and /tmp below its overlays opened then
 * (setup_mounts' lower_fds; -1 when not). */
static bool tree_ahead;
static int tree_lower[2] = { -1, -1 };
/* tracer_go was called then (an untraced plan: see mounts_ahead). */
static bool tracer_told;

/* Close every inherited fd but ours. The caller's other fds (the other
 * ends of a pipeline's pipes, above all) must not stay open in the sandbox:
 * a reader would never see EOF. */
static void keep_only_fds(int report, int scratch_fd, const int stdio[3])
{
	int keep[19] = { report, scratch_fd, stdio[0], stdio[1], stdio[2],
			 /* the mounts built ahead (-1 when not) */
			 base.tree, base.proc, base.pid_max, base.last_pid, base.dev,
			 base.tmp, base.run, base.shm,
			 /* the tracer's channel, made ahead (-1 when not) */
			 ahead_tracer.sv[0], ahead_tracer.sv[1],
			 /* a tree built ahead of the run: what setup_mounts kept */
			 stdio_tree, tree_lower[0], tree_lower[1], tmp_layer_fd };
	unsigned lo = 0;

	qsort(keep, 19, sizeof(int), cmp_int);
	for (int i = 0; i < 19; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

/* The tracer thread: takes the listener from the command's set-up message
 * and answers notifications until no process is left under the filter.
 * It starts before the command does, so that the command's execve, the
 * first traced call, is answered while pid 1's main thread is still
 * suspended in vfork. */
struct tracer_ctx {
	int sock;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool ready;   /* msg, r and tracer are set */
	int r;        /* recv_setup's result, or sandbox_tracer_new's */
	struct sandbox_setup_msg msg;
	struct sandbox_tracer *tracer;
	/* the host's workspace and /tmp below their overlays (or -1), and
	 * where they are: set before the command starts, taken over by the
	 * tracer */
	int lower_fds[2];
	const char *lower_paths[2];
	/* the PATH candidates the command skipped, complete once its set-up
	 * message is in */
	const struct sandbox_exec_probe *probe;
	/* the command's stdin terminal when it is our controlling terminal
	 * (sandbox_tracer_watch_terminal), else 0; set before the command
	 * starts */
	dev_t ctty;
	/* A thread started ahead of the plan (tracer_ahead) waits on go_cond
	 * until go (a traced plan: it goes on as tracer_thread) or quit (an
	 * untraced one: it ends); tid is its thread id. */
	pthread_cond_t go_cond;
	bool go, quit;
	pid_t tid;
	/* A tracer made by the thread ahead while it waited (its memory
	 * written then, off the command's path), taken when the listener
	 * comes; NULL if that failed. */
	struct sandbox_tracer *spare;
};

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* How much of a stack the set-up goes on to use below the caller's frame,
 * measured (perf record -d -e page-faults): the main thread's mounts reach
 * about 80 KiB down (path buffers of PATH_MAX in nested frames), the
 * tracer thread's handling about 20 KiB. */
#define MAIN_STACK_HOT (96u << 10)
#define TRACER_STACK_HOT (32u << 10)

/* Write in the bytes of stack below the caller's frame with one madvise,
 * instead of one page fault each when they are first touched (a fault is
 * 9-24 us on a guest with shadow paging; populating about 0.6 us a page).
 * Best effort: the range must lie in the stack's mapping (the main
 * thread's grows down and the kernel maps 128 KiB below its arguments
 * from the start; a thread's is a fixed mapping of 8 MiB). */
static void stack_populate(size_t bytes)
{
	uintptr_t top = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)4095;

	(void)madvise((void *)(top - bytes), bytes, MADV_POPULATE_WRITE);
}

static void *tracer_thread(void *arg)
{
	struct tracer_ctx *ctx = arg;
	struct sandbox_tracer *tracer = NULL;
	int fd, r;

	r = recv_setup(ctx->sock, &ctx->msg, &fd);
	if (r == 0 && ctx->msg.code == 0) {
		if (fd < 0) {
			r = -EPROTO;
		} else if (ctx->spare) {
			tracer = ctx->spare;
			ctx->spare = NULL;
			sandbox_tracer_attach(tracer, fd);
		} else {
			r = sandbox_tracer_new(fd, &tracer);
		}
	}
	if (tracer && ctx->probe &&
	    (r = sandbox_tracer_skipped_execs(tracer, ctx->probe->paths, ctx->probe->len)) < 0) {
		sandbox_tracer_free(tracer);
		tracer = NULL;
	}
	pthread_mutex_lock(&ctx->lock);
	if (tracer)
		/* a listener handed over with SCM_RIGHTS: the command's
		 * filter does not watch the /dev/tty range (command_main),
		 * so /dev/tty is opened the old way */
		sandbox_tracer_watch_terminal(tracer, ctx->msg.listener >= 0 ? ctx->ctty : 0);
	for (int i = 0; i < 2; i++) {
		if (ctx->lower_fds[i] >= 0 &&
		    (!tracer || sandbox_tracer_add_lower(tracer, ctx->lower_paths[i],
							 ctx->lower_fds[i]) < 0))
			close(ctx->lower_fds[i]);
		ctx->lower_fds[i] = -1;
	}
	pthread_mutex_unlock(&ctx->lock);
	/* Without a tracer, the listener must go: the command's pending
	 * execve then fails (ENOSYS) instead of waiting for an answer for
	 * ever, so the main thread gets out of vfork and reports. */
	if (!tracer && fd >= 0)
		close(fd);
	pthread_mutex_lock(&ctx->lock);
	ctx->r = r;
	ctx->tracer = tracer;
	ctx->ready = true;
	pthread_cond_signal(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
	if (!tracer)
		return NULL;
	/* Should receiving ever fail for good, nobody would answer the
	 * command's notifications and it would hang: end the sandbox instead.
	 * (Not with a signal: the init of a pid namespace ignores SIGKILL
	 * from inside it.) The caller finds no result: SANDBOX_E_RESULT. */
	while ((r = sandbox_tracer_handle(tracer)) == 0)
		;
	if (r < 0)
		_exit(3);
	/* Done: no process is left under the filter. The thread does not
	 * return: glibc's thread exit hands its 8 MiB stack back with
	 * madvise(MADV_DONTNEED), 0.08-0.13 ms of pid 1's CPU while it
	 * reaps the command and writes the result; pid 1's _exit ends the
	 * thread with the rest. */
	for (;;)
		pause();
}

static struct sandbox_exec_probe probe;
static struct tracer_ctx ctx = { .lock = PTHREAD_MUTEX_INITIALIZER,
				 .cond = PTHREAD_COND_INITIALIZER,
				 .go_cond = PTHREAD_COND_INITIALIZER,
				 .lower_fds = { -1, -1 } };

static void *tracer_thread_ahead(void *arg)
{
	bool quit;

	/* The tracer's memory and this thread's stack, written now, while
	 * the main thread builds the mounts: the first notification of the
	 * command (its execve, which waits for the answer) then finds them
	 * ready instead of taking a dozen page faults first. */
	if (sandbox_tracer_alloc(&ctx.spare) < 0)
		ctx.spare = NULL;
	stack_populate(TRACER_STACK_HOT);
	pthread_mutex_lock(&ctx.lock);
	ctx.tid = gettid();
	while (!ctx.go && !ctx.quit)
		pthread_cond_wait(&ctx.go_cond, &ctx.lock);
	quit = ctx.quit;
	pthread_mutex_unlock(&ctx.lock);
	if (quit) {
		sandbox_tracer_free(ctx.spare);
		ctx.spare = NULL;
		return NULL;
	}
	/* The caller may have made pid 1 on a narrower CPU set and given its
	 * main thread the caller's set back before the plan (run.c,
	 * prep_cpus_restore): that reached the main thread only, so this one
	 * takes the main thread's set now, as a thread started after the plan
	 * would have inherited it. */
	cpu_set_t cpus;
	if (sched_getaffinity(getpid(), sizeof(cpus), &cpus) == 0)
		(void)sched_setaffinity(0, sizeof(cpus), &cpus);
	return tracer_thread(arg);
}

/* Start the tracer thread before the plan: it takes pid 2, as one started
 * for a traced plan does. An untraced plan's command is pid 2 too: the
 * thread then ends and pid 1 makes pid 2 the next pid again through its
 * pid namespace's ns_last_pid (tracer_go), so nothing is started ahead
 * where that cannot be written. Best effort: pid1_run starts one as before
 * if this did not. */
static void tracer_ahead(void)
{
	if (base.last_pid < 0)
		return;
	mallopt(M_ARENA_MAX, 1); /* no arena of its own for the thread */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ahead_tracer.sv) < 0)
		return;
	ctx.sock = ahead_tracer.sv[0];
	ctx.probe = &probe;
	if (pthread_create(&ahead_tracer.th, NULL, tracer_thread_ahead, &ctx) != 0) {
		close(ahead_tracer.sv[0]);
		close(ahead_tracer.sv[1]);
		ahead_tracer.sv[0] = ahead_tracer.sv[1] = -1;
		return;
	}
	ahead_tracer.started = true;
}

/* The host's names, as the new UTS namespace started with them, kept by
 * uts_ahead (which then set ours) for a host-view plan. */
static struct utsname host_uts;
static bool uts_set;

/* shark-init sets the sandbox's host and domain name before its plan
 * comes; a host-view plan gets the host's back (pid1_run). */
static void uts_ahead(void)
{
	uts_set = uname(&host_uts) == 0 &&
		  sethostname(HOSTNAME, sizeof(HOSTNAME) - 1) == 0 &&
		  setdomainname(HOSTNAME, sizeof(HOSTNAME) - 1) == 0;
}

/* The names the plan wants: "shark", or the host's for a host view. */
static void uts_for(const struct sandbox_plan *plan, int report)
{
	if (!plan->host_view) {
		if (!uts_set && (sethostname(HOSTNAME, sizeof(HOSTNAME) - 1) < 0 ||
				 setdomainname(HOSTNAME, sizeof(HOSTNAME) - 1) < 0))
			die(report, SANDBOX_E_SETUP, "sethostname");
	} else if (uts_set &&
		   (sethostname(host_uts.nodename, strlen(host_uts.nodename)) < 0 ||
		    setdomainname(host_uts.domainname, strlen(host_uts.domainname)) < 0)) {
		die(report, SANDBOX_E_SETUP, "sethostname (host view)");
	}
}

/* The plan says whether the thread started ahead traces. If not, it ends,
 * and once its thread id is free pid 2 is the next pid again. */
static void tracer_go(bool trace, int report)
{
	char one[] = "1\n";
	pid_t tid;

	pthread_mutex_lock(&ctx.lock);
	if (trace)
		ctx.go = true;
	else
		ctx.quit = true;
	pthread_cond_signal(&ctx.go_cond);
	pthread_mutex_unlock(&ctx.lock);
	if (trace)
		return;
	pthread_join(ahead_tracer.th, NULL);
	tid = ctx.tid;
	/* pthread_join returns when the thread's exit has begun; its id is
	 * free once the kernel has released it (tgkill then fails). */
	while (syscall(SYS_tgkill, getpid(), tid, 0) == 0)
		sched_yield();
	if (lseek(base.last_pid, 0, SEEK_SET) < 0 ||
	    write(base.last_pid, one, sizeof(one) - 1) != (ssize_t)sizeof(one) - 1)
		die(report, SANDBOX_E_SETUP, "reset ns_last_pid");
}

/* pid 1 reads termination requests and its children's ends from a
 * signalfd; it ignores nothing and handles nothing else. They are blocked
 * from pid 1's first instructions on (one sent during the set-up waits
 * and is passed on to the command), the signalfd made later. */
static void pid1_signal_set(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGHUP);
	sigaddset(sigs, SIGQUIT);
	sigaddset(sigs, SIGCHLD);
	sigaddset(sigs, SIGALRM); /* the wall-clock limit's timer */
	sigaddset(sigs, SIGTSTP); /* ^Z and its SIGCONT, passed on to a */
	sigaddset(sigs, SIGCONT); /* command in a group of its own */
	sigaddset(sigs, SIGXFSZ); /* the caller's write of the command's
				   * output went over its file size limit */
}

/* Set every signal the caller ignores or catches back to its default.
 * Which ones those are is read from /proc/self/status (SigIgn, SigCgt): one
 * read instead of a system call for each of the 64 signals. */
static uint64_t status_mask(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	return p ? strtoull(p + strlen(field), NULL, 16) : ~0ull;
}

static void reset_signals(void)
{
	char status[8192];
	uint64_t mask = ~0ull;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, status, sizeof(status) - 1);

		close(fd);
		if (n > 0) {
			status[n] = '\0';
			mask = status_mask(status, "\nSigIgn:") |
			       status_mask(status, "\nSigCgt:");
		}
	}
	/* SIGCHLD at its default may still carry SA_NOCLDWAIT, which the
	 * masks do not show and which would reap the command behind pid 1's
	 * back: always reset it. */
	mask |= 1ull << (SIGCHLD - 1);
	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		/* glibc refuses to touch the two signals it reserves for
		 * itself (32, 33), which make, for one, leaves ignored; the
		 * command is another program, so reset them with the raw
		 * system call. */
		struct {
			void *handler;
			unsigned long flags;
			void *restorer;
			uint64_t mask;
		} dfl = { SIG_DFL, 0, NULL, 0 };

		if (!(mask & (1ull << (sig - 1))) || sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (signal(sig, SIG_DFL) == SIG_ERR)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	}
}

/* Wait for the command to end, reaping everything else on the way (pid 1
 * inherits every orphan) and passing on termination requests, unless they
 * came from the terminal (SI_KERNEL): the terminal signals the whole
 * foreground process group, the command included, and must not be
 * delivered twice. Returns the command's wait status. */
static int pid1_wait(int sigfd, pid_t cmd, bool own_group, bool *timed_out)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sigfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			_exit(3);
		/* The wall-clock limit (the kernel's timer; a SIGALRM
		 * some process sends is not it): every process of the
		 * namespace but pid 1 is killed, the command among them. */
		if (si.ssi_signo == SIGALRM) {
			if (si.ssi_code == SI_KERNEL) {
				*timed_out = true;
				kill(-1, SIGKILL);
			}
			continue;
		}
		/* ^Z stops the terminal's foreground group, and the shell's
		 * `fg` (or `kill -CONT`) resumes it: a command in a group of
		 * its own follows. (pid 1, a namespace's init, neither stops
		 * nor needs resuming.) */
		if (si.ssi_signo == SIGTSTP || si.ssi_signo == SIGCONT) {
			if (own_group && (si.ssi_signo == SIGCONT || si.ssi_code == SI_KERNEL))
				kill(-cmd, (int)si.ssi_signo);
			continue;
		}
		if (si.ssi_signo != SIGCHLD) {
			/* The terminal signals its foreground group, which
			 * holds pid 1 but not a command in a group of its
			 * own: that group gets it as the terminal would send
			 * it. */
			if (si.ssi_code != SI_KERNEL)
				kill(cmd, (int)si.ssi_signo);
			else if (own_group)
				kill(-cmd, (int)si.ssi_signo);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG | __WALL);

			if (p == cmd)
				return st;
			if (p <= 0)
				break;
		}
	}
}

/* pid 1's first steps, the same whether it was cloned for its run or
 * ahead of it: signals blocked and reset, death with the caller, and the
 * caller's byte that says the uid/gid maps are written. */
static void pid1_early(int report, int sync_fd)
{
	sigset_t sigs;
	char c;

	pid1_signal_set(&sigs);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	/* The caller's signal handlers are not ours (and a shell may ignore
	 * SIGCHLD, which would make waitpid fail), nor the command's. */
	reset_signals();
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die(report, SANDBOX_E_SETUP, "pdeathsig");
	/* The caller has written our uid/gid maps when this byte comes; EOF
	 * means it died or gave up (after the line above, its death kills
	 * us). An exec'd pid 1 (sync_fd -1) had it before its exec. */
	if (sync_fd < 0)
		return;
	if (read(sync_fd, &c, 1) != 1)
		_exit(1);
	close(sync_fd);
}

/* The rest of pid 1, once the plan is known. */
static __attribute__((noreturn)) void pid1_run(const struct sandbox_plan *plan, int report,
					       int scratch_fd)
{
	static struct sandbox_plan local;
	static char stack[256 * 1024] __attribute__((aligned(64)));
	int lower_fds[2];
	static struct sandbox_stdio stdio;
	struct sandbox_result res = { 0 };
	struct sandbox_setup_msg m = { 0 };
	struct rusage ru;
	sigset_t sigs;
	int sv[2], execerr[2], sigfd, notify_fd = -1, wstatus, r;
	bool was_tty = false, timed_out = false;
	struct stat ctty_st;
	dev_t ctty = 0;
	char **sh_argv;
	uint64_t t0;
	pid_t cmd;

	pid1_signal_set(&sigs); /* blocked since pid1_early */
	t0 = now_ns();
	/* pid 1 stays dumpable: its tracer reads the command's memory and
	 * /proc entries, which for a non-dumpable process (the command until
	 * its execve shares our mm) would take CAP_SYS_PTRACE on the host.
	 * The command cannot do the same to pid 1: it holds no capability,
	 * pid 1 all of them in the namespace, and the kernel's ptrace check
	 * wants the caller's capabilities to cover the target's. */

	/* The command's stdio, moved above 2 (so that dup2 into 0-2 in the
	 * command cannot clobber one with another) and close-on-exec. */
	local = *plan;
	local.tty_path[0] = '\0';
	for (int i = 0; i < 3; i++) {
		int fd = plan->stdio[i];

		if (fd < 0)
			fd = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
		if (fd < 0)
			die(report, SANDBOX_E_SETUP, "open /dev/null");
		if (isatty(fd)) {
			was_tty = true;
			if (!local.tty_path[0] &&
			    ttyname_r(fd, local.tty_path, sizeof(local.tty_path)) != 0)
				local.tty_path[0] = '\0';
		}
		local.stdio[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (local.stdio[i] < 0)
			die(report, SANDBOX_E_SETUP, "dup stdio");
	}
	keep_only_fds(report, scratch_fd, local.stdio);
	/* tcgetpgrp succeeds only on our (the caller's) controlling
	 * terminal. */
	local.own_group = plan->pgid < 0;
	for (int i = 0; i < 3; i++)
		if (isatty(local.stdio[i]) && tcgetpgrp(local.stdio[i]) >= 0)
			local.own_group = false;
	if (plan->trace && isatty(local.stdio[0]) && tcgetpgrp(local.stdio[0]) >= 0 &&
	    fstat(local.stdio[0], &ctty_st) == 0 && S_ISCHR(ctty_st.st_mode))
		ctty = ctty_st.st_rdev;
	/* 0-2 stay taken, by /dev/null: the command dup2()s its stdio there,
	 * and no fd pid 1 passes it may be among them. */
	for (;;) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			die(report, SANDBOX_E_SETUP, "open /dev/null");
		if (fd > 2) {
			close(fd);
			break;
		}
	}

	/* The channels, and the tracer thread, before the mounts: the thread
	 * starts up on the other CPU while this one builds the tree. */
	mallopt(M_ARENA_MAX, 1); /* no arena of its own for the thread */
	sh_argv = calloc(plan->argc + 2, sizeof(char *));
	if (!sh_argv)
		die(report, SANDBOX_E_SETUP, "allocate");
	if (ahead_tracer.started) {
		sv[0] = ahead_tracer.sv[0];
		sv[1] = ahead_tracer.sv[1];
	} else if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		die(report, SANDBOX_E_SETUP, "pipes");
	}
	if (pipe2(execerr, O_CLOEXEC | O_DIRECT) < 0)
		die(report, SANDBOX_E_SETUP, "pipes");
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC); /* the set blocked above */
	if (sigfd < 0)
		die(report, SANDBOX_E_SETUP, "signalfd");
	if (ahead_tracer.started) {
		if (!tracer_told)
			tracer_go(plan->trace, report);
	} else if (plan->trace) {
		pthread_t th;

		ctx.sock = sv[0];
		ctx.probe = &probe;
		errno = pthread_create(&th, NULL, tracer_thread, &ctx);
		if (errno != 0)
			die(report, SANDBOX_E_SETUP, "tracer thread");
	}

	sandbox_stdio_init(&stdio);
	for (int i = 0; i < 3; i++)
		stdio.fd[i] = local.stdio[i];
	if (tree_ahead) {
		stdio_after_mounts(&stdio, report);
		lower_fds[0] = tree_lower[0];
		lower_fds[1] = tree_lower[1];
	} else {
		setup_mounts(&local, &stdio, report, lower_fds);
	}
	pthread_mutex_lock(&ctx.lock);
	ctx.lower_paths[0] = plan->workspace;
	ctx.lower_paths[1] = "/tmp";
	ctx.lower_fds[0] = lower_fds[0];
	ctx.lower_fds[1] = lower_fds[1];
	ctx.ctty = ctty;
	pthread_mutex_unlock(&ctx.lock);
	for (int i = 0; i < 3; i++)
		local.stdio[i] = stdio.fd[i];
	/* A new UTS namespace starts with the host's names: a host-view run
	 * keeps them (or gets them back, uts_ahead). */
	uts_for(plan, report);
	if (!plan->network)
		loopback_up(report);

	/* The command shares our memory until it execs (vfork semantics: this
	 * thread is suspended meanwhile), which spares copying the page
	 * tables and the copy-on-write faults that follow a fork. It runs on
	 * its own stack and has its own fd table, signal handlers and
	 * credentials. */
	{
		struct command_args args = { &local, sv[1], execerr[1], sh_argv,
					     plan->trace ? &probe : NULL };

		cmd = clone(command_entry, stack + sizeof(stack),
			    CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	}
	if (cmd < 0)
		die(report, SANDBOX_E_SETUP, "fork command");
	close(sv[1]);
	close(execerr[1]);
	/* A replacement whose offset goes back to the caller's fd stays
	 * open (pid 1 reads its offset at the end); a regular file or a
	 * memfd, never a pipe, so no reader waits on it. */
	for (int i = 0; i < 3; i++)
		if (stdio.orig[i] < 0)
			close(local.stdio[i]);

	/* The command has exec'd or died: its set-up report is in. */
	if (plan->trace) {
		pthread_mutex_lock(&ctx.lock);
		while (!ctx.ready)
			pthread_cond_wait(&ctx.cond, &ctx.lock);
		pthread_mutex_unlock(&ctx.lock);
		m = ctx.msg;
		r = ctx.r;
	} else {
		r = recv_setup(sv[0], &m, &notify_fd);
		if (notify_fd >= 0)
			close(notify_fd);
	}
	if (r < 0 && r != -EIO && m.code == 0) {
		errno = -r;
		die(report, SANDBOX_E_SECCOMP, "seccomp listener");
	}
	if (r < 0 || m.code != 0) {
		if (r < 0) {
			m.code = SANDBOX_E_SETUP;
			m.sys_errno = 0;
			snprintf(m.step, sizeof(m.step), "sandbox set-up died");
		}
		send_msg(report, m.code, m.sys_errno, m.step, -1);
		_exit(1);
	}
	/* Started: the caller may go on. */
	send_msg(report, 0, 0, NULL, -1);
	/* report stays open: "ended" goes there too (below). */

	if (plan->limits.timeout_ms) {
		struct itimerval it = { { 0, 0 },
					{ (time_t)(plan->limits.timeout_ms / 1000),
					  (suseconds_t)(plan->limits.timeout_ms % 1000) * 1000 } };

		if (setitimer(ITIMER_REAL, &it, NULL) < 0)
			_exit(3);
	}
	wstatus = pid1_wait(sigfd, cmd, local.own_group, &timed_out);
	res.wall_ns = now_ns() - t0;
	if (timed_out)
		res.flags |= SANDBOX_RESULT_TIMEOUT;
	sandbox_stdio_carry_offsets(&stdio);
	if (WIFSIGNALED(wstatus)) {
		res.term_signal = WTERMSIG(wstatus);
		res.exit_code = 128 + res.term_signal;
	} else {
		res.exit_code = WEXITSTATUS(wstatus);
	}
	{
		int e;

		if (read(execerr[0], &e, sizeof(e)) == sizeof(e))
			res.exec_errno = -e;
	}
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		res.user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000u +
			      (uint64_t)ru.ru_utime.tv_usec * 1000u;
		res.sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000u +
			     (uint64_t)ru.ru_stime.tv_usec * 1000u;
	}
	/* A terminal on stdio is not itself a use of it: reading stdin
	 * from it (traced) or opening a terminal device is. Untraced runs
	 * cannot tell, so for them a terminal counts. */
	if (was_tty && !plan->trace)
		res.flags |= SANDBOX_RESULT_TERMINAL;
	if (ctx.tracer) {
		if (sandbox_tracer_finish(ctx.tracer, &res) < 0)
			_exit(3);
	} else {
		res.flags |= SANDBOX_RESULT_UNTRACED;
	}
	if (plan->tmp_capture)
		export_tmp_layer(scratch_fd, &res);
	if (tmp_private)
		res.flags |= SANDBOX_RESULT_TMP_PRIVATE;
	write_result(scratch_fd, &res);
	/* Nothing of the run may outlive this message: the caller reads the
	 * scratch dir and applies the run's effects once it has it, without
	 * waiting for our exit (the namespaces' teardown, a millisecond or
	 * more, then overlaps the caller's work; sandbox_wait). */
	(void)kill(-1, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
	send_msg(report, 0, 0, SANDBOX_ENDED_STEP, -1);
	_exit(0);
}

void sandbox_init_main(const struct sandbox_plan *plan, int report,
		       int sync_fd, int scratch_fd)
{
	pid1_early(report, sync_fd);
	pid1_run(plan, report, scratch_fd);
}

/* A prepared pid 1 (run.c, sandbox_prep_new): cloned before the caller
 * knew its run. It holds none of the caller's fds (it may have been cloned
 * while a pipeline's pipes were open in the caller: a reader would wait
 * for their EOF) and waits for its plan; EOF on chan means the caller
 * dropped it. Nothing of the caller's state at clone time reaches the
 * command: its cwd, environment, stdio, signal dispositions and masks come
 * from the plan and pid 1's resets; the umask comes with the plan; the
 * caller checks its resource limits, nice value and process group did not
 * change before it uses us (sandbox_start_begin_prepared). */
/* Receive one message of the caller (sandbox_prep_msg: a run's plan, or
 * the mount part sent ahead) and decode its plan; fds[] gets the fds that
 * came beside it (*nfds of them, the memfd closed). want_scratch: whether
 * a run's plan brings its scratch dir (not after the mounts). */
static struct sandbox_plan *recv_plan(int chan, struct sandbox_prep_msg *msg, int fds[5],
				      bool want_scratch, mode_t *um)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(5 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct sandbox_plan *plan;
	struct stat st;
	int nfds = 0, need, k;
	ssize_t n;
	char *buf;

	do
		n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		_exit(0); /* dropped unused */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (cnt > 5)
				cnt = 5;
			memcpy(fds, CMSG_DATA(c), cnt * sizeof(int));
			nfds = (int)cnt;
		}
	}
	if (msg->kind == SANDBOX_PREP_MOUNTS)
		need = want_scratch ? 2 : -1; /* the mounts come once, first */
	else
		need = 1 + want_scratch + !!(msg->stdio_set & 1) + !!(msg->stdio_set & 2) +
		       !!(msg->stdio_set & 4);
	if (n != (ssize_t)sizeof(*msg) || msg->magic != SANDBOX_PREP_MAGIC || nfds != need ||
	    (mh.msg_flags & MSG_CTRUNC)) {
		errno = EPROTO;
		die(chan, SANDBOX_E_SETUP, "receive plan");
	}
	if (msg->abi != sandbox_abi()) {
		errno = EPROTO;
		die(chan, SANDBOX_E_SETUP,
		    "shark-init of another build: restart the shell");
	}
	if (fstat(fds[0], &st) < 0 || st.st_size <= 0 || st.st_size > (64 << 20) ||
	    !(buf = malloc((size_t)st.st_size)))
		die(chan, SANDBOX_E_SETUP, "read plan");
	if (pread(fds[0], buf, (size_t)st.st_size, 0) != st.st_size) {
		errno = EIO;
		die(chan, SANDBOX_E_SETUP, "read plan");
	}
	k = sandbox_plan_decode(buf, (size_t)st.st_size, &plan, um);
	if (k < 0) {
		errno = -k;
		die(chan, SANDBOX_E_SETUP, "decode plan");
	}
	free(buf);
	close(fds[0]);
	return plan;
}

/* The mount part of a plan, sent ahead of its run: the whole tree built
 * from it now and made the root, as for a run (setup_mounts, without the
 * command's stdio, which comes with the run), while the caller's previous
 * command runs. Nothing inside the workspace overlay is looked at (the
 * caller sends no plan with its scratch dir or an extra path there): the
 * previous command's effects reach the host's workspace after this, and
 * the overlay must not have cached what was there before. Then pid 1 says
 * what it found at the extra paths (sandbox_mounts_msg). */
static void mounts_ahead(const struct sandbox_plan *plan, int chan)
{
	struct sandbox_mounts_msg m;

	/* An untraced plan's tracer thread ends now, and ns_last_pid is
	 * reset before setup_proc closes it (tracer_go); a traced plan's
	 * thread is woken with the run's plan, on the CPUs it gets then. */
	if (ahead_tracer.started && !plan->trace) {
		tracer_go(false, chan);
		tracer_told = true;
	}
	memset(&m, 0, sizeof(m));
	sandbox_seen_now(plan->workspace, &m.seen[0]);
	sandbox_seen_now("/tmp", &m.seen[1]);
	setup_mounts(plan, NULL, chan, tree_lower);
	/* A private /tmp (tmp_entries) holds what was at the top of the
	 * host's /tmp now, before the previous command's /tmp effects are
	 * applied: never fit for a run (prep_mounts_fit). */
	if (tmp_private)
		m.seen[1].kind = SANDBOX_SEEN_NEVER;
	tree_ahead = true;
	m.n_paths = (uint32_t)plan->n_paths;
	memcpy(m.seen + 2, extra_seen, sizeof(extra_seen));
	if (send(chan, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		_exit(1);
}

void sandbox_init_prepared(int chan, int sync_fd)
{
	struct sandbox_prep_msg msg;
	int fds[5], scratch_fd = -1, k;
	const char *step;
	struct sandbox_plan *plan, *ahead = NULL;
	struct timespec zero = { 0, 0 };
	sigset_t sigs;
	mode_t um;

	{
		int sfd = sync_fd >= 0 ? sync_fd : chan; /* -1: none */
		int keep[2] = { chan < sfd ? chan : sfd, chan < sfd ? sfd : chan };

		if (keep[0] > 0)
			close_range(0, (unsigned)keep[0] - 1, 0);
		if (keep[1] > keep[0] + 1)
			close_range((unsigned)keep[0] + 1, (unsigned)keep[1] - 1, 0);
		close_range((unsigned)keep[1] + 1, ~0u, 0);
	}
	pid1_early(chan, sync_fd);
	/* 0-2 taken, so that the fds received land above them. */
	for (;;) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			die(chan, SANDBOX_E_SETUP, "open /dev/null");
		if (fd > 2) {
			close(fd);
			break;
		}
	}
	/* The mounts no plan decides, built while the caller's previous
	 * command runs; on failure, setup_mounts tries again and reports. */
	(void)mounts_prepare(NULL, &k, &step);
	tracer_ahead();

	plan = recv_plan(chan, &msg, fds, true, &um);
	if (msg.kind == SANDBOX_PREP_MOUNTS) {
		ahead = plan;
		scratch_fd = fds[1];
		mounts_ahead(ahead, chan);
		plan = recv_plan(chan, &msg, fds, false, &um);
		/* The caller compared the two already; so does pid 1: a
		 * command never runs in the tree of another plan. */
		if (!sandbox_plan_mounts_equal(ahead, plan)) {
			errno = EINVAL;
			die(chan, SANDBOX_E_SETUP, "plan unlike its mounts built ahead");
		}
		sandbox_plan_free(ahead);
		k = 1;
	} else {
		scratch_fd = fds[1];
		k = 2;
	}
	for (int i = 0; i < 3; i++)
		plan->stdio[i] = (msg.stdio_set & (1u << i)) ? fds[k++] : -1;
	umask(um);
	/* Signals that came while we waited (a ^C at the prompt reaches the
	 * shell's process group, and so us) were meant for no command of
	 * this run: dropped. One sent from here on is passed on, as pid1_run
	 * does for a pid 1 cloned for its run. */
	pid1_signal_set(&sigs);
	while (sigtimedwait(&sigs, NULL, &zero) > 0)
		;
	pid1_run(plan, chan, scratch_fd);
}

/* pid 1 as its own program (init_main.c, run.c spawn_init): exec'd with
 * every signal blocked (the caller's handlers must not run in the child
 * that shares its memory until the exec); pid 1 keeps only its own set
 * blocked, as a cloned one does. It was cloned into new user and pid
 * namespaces only and makes the others here, on its own CPU time, before
 * anything else (its capabilities are those of its user namespace, which
 * owns nothing of the host's until then). */
void sandbox_init_exec(int chan, bool network)
{
	int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	sigset_t sigs;

	/* The channel was kept open across the exec: not across the
	 * command's (it would hold pid 1's report channel, and could say
	 * "ended" for its own run). */
	if (fcntl(chan, F_SETFD, FD_CLOEXEC) < 0)
		_exit(1);
	stack_populate(MAIN_STACK_HOT);
	pid1_signal_set(&sigs);
	sigprocmask(SIG_SETMASK, &sigs, NULL);
	if (!network)
		flags |= CLONE_NEWNET;
	if (unshare(flags) < 0)
		die(chan, SANDBOX_E_USERNS, "unshare namespaces");
	if (!network)
		loopback_ahead();
	uts_ahead();
	bset_ahead();
	sandbox_init_prepared(chan, -1);
}
