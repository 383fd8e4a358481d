/* pid1_clone.c - what a pid 1 exec'd into new user and pid namespaces
 * costs against one cloned by a zygote with CLONE_PARENT (docs/
 * performance.md, "A zygote for a script's pid 1s"). Not built by make:
 *
 *     cc -O2 -static-pie -o /tmp/pid1_clone tests/bench/pid1_clone.c
 *     /tmp/pid1_clone e 200; /tmp/pid1_clone z 200      (as root)
 *
 * e: the caller clones with CLONE_VM | CLONE_NEWUSER | CLONE_NEWPID,
 * writes the uid map, and the child execs this program, which unshares
 * the other five namespaces and exits. z: a zygote (this program, exec'd
 * once) clones the child with CLONE_PARENT into the same namespaces,
 * writes its map, and the child does the same unshare, without the exec.
 * Prints the wall time and the CPU (the caller's and its children's,
 * from getrusage) per start. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *self;
static int go[2];

static void write_map(pid_t p)
{
	char path[64], m[64];
	int fd;

	if (geteuid() == 0)
		snprintf(m, sizeof(m), "0 0 4294967295\n");
	else
		snprintf(m, sizeof(m), "%u %u 1\n", geteuid(), geteuid());
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)p);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, m, strlen(m)) < 0)
		perror("uid_map");
	if (fd >= 0)
		close(fd);
}

static int pid1_work(void)
{
	return unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
		       CLONE_NEWNET) < 0;
}

static double ms(struct timeval t)
{
	return t.tv_sec * 1e3 + t.tv_usec / 1e3;
}

static double cpu_ms(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return ms(a.ru_utime) + ms(a.ru_stime) + ms(b.ru_utime) + ms(b.ru_stime);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int exec_child(void *arg)
{
	char b;

	(void)arg;
	if (read(go[0], &b, 1) == 1)
		execl(self, self, "pid1", (char *)NULL);
	_exit(127);
}

static void zygote(int s)
{
	char c;

	while (read(s, &c, 1) == 1) {
		int p[2];
		pid_t pid;
		char b;

		if (pipe(p) < 0)
			_exit(1);
		pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | CLONE_NEWUSER | CLONE_NEWPID,
				     NULL, NULL, NULL, NULL);
		if (pid == 0) {
			close(p[1]);
			_exit(read(p[0], &b, 1) != 1 || pid1_work());
		}
		close(p[0]);
		write_map(pid);
		if (write(p[1], "x", 1) != 1 || write(s, &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		close(p[1]);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int n, z[2], bad = 0;
	pid_t zp = 0;
	double c0, t0;
	bool via_zygote;

	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "pid1") == 0)
		return pid1_work();
	if (argc > 1 && strcmp(argv[1], "zygote") == 0)
		zygote(3);
	if (argc != 3 || (strcmp(argv[1], "e") != 0 && strcmp(argv[1], "z") != 0)) {
		fprintf(stderr, "usage: %s e|z COUNT\n", argv[0]);
		return 2;
	}
	via_zygote = argv[1][0] == 'z';
	n = atoi(argv[2]);
	if (via_zygote) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, z) < 0)
			return 1;
		zp = fork();
		if (zp == 0) {
			dup2(z[1], 3);
			execl(self, self, "zygote", (char *)NULL);
			_exit(1);
		}
		close(z[1]);
	}
	c0 = cpu_ms();
	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st;

		if (via_zygote) {
			if (write(z[0], "g", 1) != 1 || read(z[0], &pid, sizeof(pid)) != sizeof(pid))
				return 1;
		} else {
			if (pipe(go) < 0)
				return 1;
			pid = clone(exec_child, stack + sizeof(stack),
				    CLONE_VM | CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD, NULL);
			if (pid < 0)
				return 1;
			write_map(pid);
			if (write(go[1], "x", 1) != 1)
				return 1;
			close(go[0]);
			close(go[1]);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	if (zp) {
		close(z[0]);
		waitpid(zp, NULL, 0);
	}
	printf("%s: %.3f ms wall, %.3f ms cpu per start (%d failed)\n", argv[1],
	       (now_ms() - t0) / n, (cpu_ms() - c0) / n, bad);
	return bad != 0;
}
