/* setup.c - inside the namespaces: the sandbox's pid 1 builds the mount
 * tree, then forks the command process, which drops what is left of its
 * privileges, loads the seccomp filter, hands the listener to the
 * supervisor and execs. pid 1 then reaps everything until the command
 * exits, reports its status, and exits, which kills whatever the command
 * left behind (the pid namespace dies with its init).
 *
 * Everything here runs in forked children: errors are sent to the
 * supervisor as a struct sandbox_setup_msg and end in _exit().
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOSTNAME "shark"

/* Send a set-up failure (or, with code 0 and fd >= 0, success plus the
 * seccomp listener) to the supervisor over the socket. */
static void send_msg(int sock, int code, int err, const char *step, int fd)
{
	struct sandbox_setup_msg m = { .code = code, .sys_errno = err };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (step) {
		size_t n = strlen(step);

		if (n >= sizeof(m.step))
			n = sizeof(m.step) - 1;
		memcpy(m.step, step, n);
	}
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
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

static int bind_dev(const char *root, const char *name, int sock)
{
	char dst[SANDBOX_MAX_PATH + 64], src[64];
	int fd;

	snprintf(src, sizeof(src), "/dev/%s", name);
	if (!under(dst, sizeof(dst), root, src))
		die(sock, SANDBOX_E_MOUNT, "dev path");
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		die(sock, SANDBOX_E_MOUNT, "create /dev node");
	close(fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		die(sock, SANDBOX_E_MOUNT, "bind /dev node");
	return 0;
}

/* An interactive command's own terminal, at its host path, so that
 * ttyname() and /dev/tty work; no other terminal of the host is visible
 * (a fresh devpts would not contain it, the host's would show them all). */
static void bind_terminal(const char *root, const char *dev, int dfd,
			  const char *tty, int sock)
{
	char p[SANDBOX_MAX_PATH + 128];
	const char *name;

	if (strncmp(tty, "/dev/pts/", 9) == 0 && !strchr(tty + 9, '/') && tty[9]) {
		if (mkdirat(dfd, "pts", 0755) < 0)
			die(sock, SANDBOX_E_MOUNT, "mkdir /dev/pts");
		snprintf(p, sizeof(p), "%s/pts", dev);
		if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NOEXEC,
			  "mode=0755,size=4k,nr_inodes=4") < 0)
			die(sock, SANDBOX_E_MOUNT, "mount /dev/pts");
		name = tty + 5;
	} else if (strncmp(tty, "/dev/", 5) == 0 && !strchr(tty + 5, '/') &&
		   tty[5] && strcmp(tty, "/dev/tty") != 0) {
		name = tty + 5;
	} else {
		return;
	}
	bind_dev(root, name, sock);
}

/* The minimal /dev: a tmpfs with the harmless devices bound from the host
 * (a user namespace cannot mknod them), the usual symlinks, a private
 * /dev/shm, and for interactive plans /dev/tty plus a fresh devpts. */
static void setup_dev(const char *root, const struct sandbox_plan *plan,
		      int sock)
{
	static const char *const devs[] = { "null", "zero", "full", "random",
					    "urandom" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	char dev[SANDBOX_MAX_PATH + 64], p[SANDBOX_MAX_PATH + 128];
	int dfd;

	if (!under(dev, sizeof(dev), root, "/dev"))
		die(sock, SANDBOX_E_MOUNT, "dev path");
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=64k,nr_inodes=64") < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /dev tmpfs");
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		bind_dev(root, devs[i], sock);
	dfd = open(dev, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die(sock, SANDBOX_E_MOUNT, "open /dev");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dfd, links[i][1]) < 0)
			die(sock, SANDBOX_E_MOUNT, "/dev symlink");
	if (mkdirat(dfd, "shm", 01777) < 0)
		die(sock, SANDBOX_E_MOUNT, "mkdir /dev/shm");
	snprintf(p, sizeof(p), "%s/shm", dev);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /dev/shm");
	if (plan->interactive) {
		bind_dev(root, "tty", sock);
		bind_terminal(root, dev, dfd, plan->tty_path, sock);
	}
	close(dfd);
	/* Nothing may be added to /dev afterwards. */
	if (mount(NULL, dev, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
				       MS_NOEXEC, NULL) < 0)
		die(sock, SANDBOX_E_MOUNT, "remount /dev read-only");
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

static void setup_extra_paths(const char *root, const struct sandbox_plan *plan,
			      int sock)
{
	char dst[SANDBOX_MAX_PATH * 2];

	for (size_t i = 0; i < plan->n_paths; i++) {
		const struct sandbox_extra_path *e = &plan->paths[i];

		struct stat st;

		if (!under(dst, sizeof(dst), root, e->path))
			die(sock, SANDBOX_E_MOUNT, "extra path");
		if (lstat(e->path, &st) == 0)
			ensure_mountpoint(dst, strlen(root), S_ISDIR(st.st_mode));
		if (e->mode == SANDBOX_PATH_HIDDEN) {
			hide(dst, sock);
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

static void loopback_up(int sock)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die(sock, SANDBOX_E_SETUP, "socket for loopback");
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die(sock, SANDBOX_E_SETUP, "get loopback flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die(sock, SANDBOX_E_SETUP, "loopback up");
	close(fd);
}

/* Parts of the fresh /proc act on the whole machine, and some of them only
 * check that the writer's uid is 0 (kernel.core_pattern, for one, which
 * runs a program as root on the host): with root mapped to itself, root in
 * the sandbox could write them without any capability. They are bound
 * read-only over themselves, as bubblewrap and container runtimes do. */
static void protect_proc(const char *root, int sock)
{
	static const char *const ro[] = { "/proc/sys", "/proc/sysrq-trigger",
					   "/proc/irq", "/proc/bus",
					   "/proc/fs", "/proc/acpi" };
	char p[SANDBOX_MAX_PATH + 64];
	struct stat st;

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (!under(p, sizeof(p), root, ro[i]))
			die(sock, SANDBOX_E_MOUNT, "proc path");
		if (lstat(p, &st) < 0)
			continue; /* not there in this kernel or namespace */
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
						 MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			die(sock, SANDBOX_E_MOUNT, "protect /proc");
	}
}

/* The mount tree, built under <scratch>/root and then made the root:
 *   /            host root, bound recursively, read-only, nosuid
 *   workspace    overlayfs: lower = host workspace, upper/work in scratch
 *   scratch      hidden (an empty read-only tmpfs)
 *   extra paths  read-only (store), read-write (grants) or hidden
 *   /tmp         overlay: the host's /tmp below, private writes above
 *   /run         private tmpfs, unless the network is granted
 *   /proc        fresh procfs of the new pid namespace
 *   /dev         minimal, read-only tmpfs
 */
static void setup_mounts(const struct sandbox_plan *plan, int sock)
{
	char root[SANDBOX_MAX_PATH + 16], p[SANDBOX_MAX_PATH * 2];
	char opts[SANDBOX_MAX_PATH * 3 + 64];
	int n;

	/* Nothing done here may propagate back to the host. A failure at
	 * this first step, right after the namespaces were created, is how
	 * an AppArmor user-namespace restriction shows itself. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die(sock, (errno == EPERM || errno == EACCES) ? SANDBOX_E_USERNS :
								SANDBOX_E_MOUNT,
		    "make / private");
	n = snprintf(root, sizeof(root), "%s/" SANDBOX_ROOT, plan->scratch);
	if (n < 0 || (size_t)n >= sizeof(root)) {
		errno = ENAMETOOLONG;
		die(sock, SANDBOX_E_MOUNT, "root path");
	}
	if (mount("/", root, NULL, MS_BIND | MS_REC, NULL) < 0)
		die(sock, SANDBOX_E_MOUNT, "bind host root");
	make_readonly(root, sock, "host root read-only");

	/* /tmp: the host's, seen through an overlay whose upper layer is a
	 * fresh tmpfs. Commands read files and directories that exist there
	 * (a script in /tmp, a TMPDIR that must exist) and write privately:
	 * everything they write in /tmp is gone when the run ends. The tmpfs
	 * is mounted first on the mount point itself, the overlay on top; the
	 * overlay keeps its upper and work dirs reachable. */
	if (!under(p, sizeof(p), root, "/tmp") ||
	    mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /tmp");
	{
		char up[SANDBOX_MAX_PATH * 2 + 16], wk[SANDBOX_MAX_PATH * 2 + 16];

		snprintf(up, sizeof(up), "%s/.u", p);
		snprintf(wk, sizeof(wk), "%s/.w", p);
		n = snprintf(opts, sizeof(opts), "lowerdir=/tmp,upperdir=%s,workdir=%s,userxattr", up,
			     wk);
		if (mkdir(up, 01777) < 0 || chmod(up, 01777) < 0 || mkdir(wk, 0700) < 0 || n < 0 ||
		    (size_t)n >= sizeof(opts) ||
		    mount("overlay", p, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
			die(sock, SANDBOX_E_MOUNT, "mount /tmp overlay");
	}
	/* /run holds the host daemons' unix sockets (docker.sock, the D-Bus
	 * system bus, systemd's private socket, the user's runtime dir...).
	 * A path-named socket is a filesystem object: the network namespace
	 * does not cut it off, and connect() works on a read-only mount. So
	 * unless the network is granted, /run is a private tmpfs too. */
	if (!plan->network &&
	    (!under(p, sizeof(p), root, "/run") ||
	     mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0))
		die(sock, SANDBOX_E_MOUNT, "mount /run");

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
	if (mount("overlay", p, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		die(sock, SANDBOX_E_OVERLAY, "mount overlay");

	if (!under(p, sizeof(p), root, plan->scratch))
		die(sock, SANDBOX_E_MOUNT, "scratch path");
	ensure_mountpoint(p, strlen(root), true);
	hide(p, sock);
	setup_extra_paths(root, plan, sock);

	if (!under(p, sizeof(p), root, "/proc") ||
	    mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die(sock, SANDBOX_E_MOUNT, "mount /proc");
	protect_proc(root, sock);
	setup_dev(root, plan, sock);

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

/* Drop every capability the user namespace gave us: the bounding set (so
 * even a uid-0 execve gains nothing), then the effective, permitted and
 * inheritable sets (which also clears the ambient set). */
static void drop_capabilities(int sock)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			die(sock, SANDBOX_E_SETUP, "drop bounding set");
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

/* execve, and for a file without a #! line, sh FILE, as execvp does. */
static int try_exec(const char *file, const struct sandbox_plan *plan)
{
	execve(file, plan->argv, plan->envp);
	if (errno == ENOEXEC) {
		char **argv = calloc(plan->argc + 2, sizeof(char *));

		if (!argv)
			return -ENOMEM;
		argv[0] = (char *)"sh";
		argv[1] = (char *)file;
		for (size_t i = 1; i < plan->argc; i++)
			argv[i + 1] = plan->argv[i];
		execve("/bin/sh", argv, plan->envp);
		free(argv);
		errno = ENOEXEC;
	}
	return -errno;
}

/* Run the command the way sh does: a name with a slash is executed as is,
 * otherwise each $PATH entry is tried (default "/usr/bin:/bin"). Returns
 * the errno that decides 127 vs 126. */
static int exec_command(const struct sandbox_plan *plan)
{
	const char *name = plan->argv[0], *path, *dir;
	char buf[SANDBOX_MAX_PATH + 256];
	int err = -ENOENT;
	bool eacces = false;

	if (strchr(name, '/'))
		return try_exec(name, plan);
	path = env_get(plan, "PATH");
	if (!path)
		path = "/usr/bin:/bin";
	for (dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		int n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)len, dir,
				 len ? "/" : "", name);

		if (n > 0 && (size_t)n < sizeof(buf)) {
			struct stat st;

			err = try_exec(buf, plan);
			/* As sh's PATH search: a directory of that name is
			 * skipped, not a "permission denied". (Looked at only
			 * then: each lookup here is a traced system call.) */
			if (err == -EACCES && stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
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

static __attribute__((noreturn)) void command_main(
	const struct sandbox_plan *plan, int sock, int exec_err_fd)
{
	sigset_t all;
	int notify_fd = -1, r;

	/* The supervisor's blocked signals and the caller's ignored ones
	 * (a shell ignores SIGPIPE, SIGINT...) must not leak into the
	 * command: `yes | head` relies on SIGPIPE killing yes. */
	for (int sig = 1; sig < NSIG; sig++) {
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

		if (signal(sig, SIG_DFL) == SIG_ERR && sig != SIGKILL &&
		    sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	}
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&plan->ignored, sig) == 1)
			signal(sig, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	for (int i = 0; i < 3; i++) {
		if (dup2(plan->stdio[i], i) < 0)
			die(sock, SANDBOX_E_SETUP, "dup2 stdio");
	}
	if (chdir(plan->cwd) < 0)
		die(sock, SANDBOX_E_SETUP, "chdir to the working directory");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(sock, SANDBOX_E_SETUP, "no_new_privs");
	drop_capabilities(sock);
	r = sandbox_filter_load(plan->trace, isatty(0), &notify_fd);
	if (r < 0) {
		errno = -r;
		die(sock, SANDBOX_E_SECCOMP, "seccomp load");
	}
	/* From here on, path system calls wait for the supervisor, which
	 * gets the listener with this message. */
	send_msg(sock, 0, 0, NULL, notify_fd);
	close(sock);
	if (notify_fd >= 0)
		close(notify_fd);

	r = exec_command(plan);
	sandbox_write_all(exec_err_fd, &r, sizeof(r));
	_exit(r == -ENOENT || r == -ENOTDIR || r == -ENAMETOOLONG ? 127 : 126);
}

struct command_args {
	const struct sandbox_plan *plan;
	int sock, exec_err_fd;
};

static int command_entry(void *arg)
{
	struct command_args *a = arg;

	command_main(a->plan, a->sock, a->exec_err_fd);
}

void sandbox_init_main(const struct sandbox_plan *plan, int sync_fd,
		       int report_fd, int sock, int exec_err_fd, int status_fd)
{
	struct sandbox_exit_msg msg = { 0 };
	struct rusage ru;
	char c;
	pid_t cmd;

	(void)report_fd;
	/* The supervisor has written our uid/gid maps when this byte comes;
	 * EOF means it died. */
	if (read(sync_fd, &c, 1) != 1)
		_exit(1);
	close(sync_fd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die(sock, SANDBOX_E_SETUP, "pdeathsig");

	setup_mounts(plan, sock);
	if (sethostname(HOSTNAME, sizeof(HOSTNAME) - 1) < 0 ||
	    setdomainname(HOSTNAME, sizeof(HOSTNAME) - 1) < 0)
		die(sock, SANDBOX_E_SETUP, "sethostname");
	if (!plan->network)
		loopback_up(sock);

	/* The command shares our memory until it execs (vfork semantics: we
	 * are suspended meanwhile), which spares copying the page tables and
	 * the copy-on-write faults that follow a fork. It runs on its own
	 * stack and has its own fd table, signal handlers and credentials. */
	{
		struct command_args args = { plan, sock, exec_err_fd };
		static char stack[256 * 1024] __attribute__((aligned(64)));

		cmd = clone(command_entry, stack + sizeof(stack),
			    CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	}
	if (cmd < 0)
		die(sock, SANDBOX_E_SETUP, "fork command");

	/* pid 1: reap everything; when the command itself ends, report and
	 * exit, which kills the rest of the namespace. */
	close(sock);
	close(exec_err_fd);
	for (int i = 0; i < 3; i++)
		close(plan->stdio[i]);
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, __WALL);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p == cmd) {
			msg.wstatus = st;
			break;
		}
	}
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		msg.user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000u +
			      (uint64_t)ru.ru_utime.tv_usec * 1000u;
		msg.sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000u +
			     (uint64_t)ru.ru_stime.tv_usec * 1000u;
	}
	sandbox_write_all(status_fd, &msg, sizeof(msg));
	_exit(0);
}
