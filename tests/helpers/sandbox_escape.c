/* sandbox_escape ATTEMPT [ARG] - try one way out of the sandbox.
 *
 * Exits 0 and prints "blocked ATTEMPT: reason" when the attempt failed as it
 * must; exits 1 and prints "ESCAPED ATTEMPT" when it succeeded; 2 on usage
 * errors. Attempts:
 *   write PATH      create PATH and write to it
 *   tcp PORT        connect to 127.0.0.1:PORT and exchange a byte
 *   kill PID        signal 0 to a host process
 *   ptrace PID      attach to a host process
 *   environ PID     read /proc/PID/environ of a host process
 *   mount           mount a tmpfs on /tmp, and remount / read-write
 *   unshare         unshare a new user / mount / net namespace
 *   mknod           create a character device node (/dev/sda's numbers)
 *   io_uring        io_uring_setup
 *   keyctl          add_key to the session keyring
 *   bpf             bpf(BPF_PROG_LOAD)
 *   tiocsti         push a character into the terminal's input (fd 0)
 *   chroot          chroot to /tmp
 *   sysctl          open /proc/sys/kernel/core_pattern for writing (nothing
 *                   is written)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int blocked(const char *what, int err)
{
	printf("blocked %s: %s\n", what, strerror(err));
	return 0;
}

static int escaped(const char *what)
{
	printf("ESCAPED %s\n", what);
	return 1;
}

static int try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return blocked("write", errno);
	if (write(fd, "escaped\n", 8) != 8) {
		close(fd);
		return blocked("write", errno);
	}
	close(fd);
	/* The write may have landed in the overlay: that is not an escape,
	 * the caller checks the host. */
	printf("wrote %s (inside)\n", path);
	return 0;
}

static int try_tcp(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char c;

	if (fd < 0)
		return blocked("tcp", errno);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return blocked("tcp", errno);
	if (write(fd, "x", 1) == 1 && read(fd, &c, 1) == 1)
		return escaped("tcp");
	return blocked("tcp", errno);
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";
	pid_t pid = argc > 2 ? (pid_t)atoi(argv[2]) : 0;

	if (strcmp(a, "write") == 0 && argc > 2)
		return try_write(argv[2]);
	if (strcmp(a, "tcp") == 0 && argc > 2)
		return try_tcp(atoi(argv[2]));
	if (strcmp(a, "kill") == 0 && pid > 0)
		return kill(pid, 0) < 0 ? blocked(a, errno) : escaped(a);
	if (strcmp(a, "ptrace") == 0 && pid > 0)
		return ptrace(PTRACE_ATTACH, pid, 0, 0) < 0 ? blocked(a, errno) :
							      escaped(a);
	if (strcmp(a, "environ") == 0 && pid > 0) {
		char path[64], buf[256];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return blocked(a, errno);
		if (read(fd, buf, sizeof(buf)) <= 0)
			return blocked(a, errno);
		return escaped(a);
	}
	if (strcmp(a, "mount") == 0) {
		if (mount("tmpfs", "/tmp", "tmpfs", 0, NULL) == 0)
			return escaped("mount tmpfs");
		if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL) == 0)
			return escaped("remount /");
		if (syscall(SYS_fsopen, "tmpfs", 0) >= 0)
			return escaped("fsopen");
		return blocked(a, errno);
	}
	if (strcmp(a, "unshare") == 0) {
		if (unshare(CLONE_NEWUSER) == 0)
			return escaped("unshare user");
		if (unshare(CLONE_NEWNS) == 0)
			return escaped("unshare mount");
		if (unshare(CLONE_NEWNET) == 0)
			return escaped("unshare net");
		return blocked(a, errno);
	}
	if (strcmp(a, "mknod") == 0)
		return mknod("/tmp/sda", S_IFCHR | 0666, makedev(8, 0)) < 0 ?
			       blocked(a, errno) : escaped(a);
	if (strcmp(a, "io_uring") == 0) {
		char params[120] = { 0 };

		return syscall(SYS_io_uring_setup, 4, params) < 0 ?
			       blocked(a, errno) : escaped(a);
	}
	if (strcmp(a, "keyctl") == 0)
		return syscall(SYS_add_key, "user", "shark-escape", "x", 1,
			       -3 /* KEY_SPEC_SESSION_KEYRING */) < 0 ?
			       blocked(a, errno) : escaped(a);
	if (strcmp(a, "bpf") == 0) {
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)) < 0 &&
				       errno == EPERM ?
			       blocked(a, errno) : escaped(a);
	}
	if (strcmp(a, "tiocsti") == 0) {
		char c = 'x';

		return ioctl(0, TIOCSTI, &c) < 0 && errno == EPERM ?
			       blocked(a, errno) : escaped(a);
	}
	if (strcmp(a, "sysctl") == 0) {
		int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);

		if (fd < 0)
			return blocked(a, errno);
		close(fd);
		return escaped(a);
	}
	if (strcmp(a, "chroot") == 0)
		return chroot("/tmp") < 0 ? blocked(a, errno) : escaped(a);
	fprintf(stderr, "usage: sandbox_escape ATTEMPT [ARG]\n");
	return 2;
}
