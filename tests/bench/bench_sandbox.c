/* bench_sandbox - the sandbox's costs, side by side with the alternatives,
 * measured from one long-lived process (as the shell uses the library).
 *
 *   bench_sandbox HELPERS_DIR [RUNS]
 *
 * 1. start-up: /bin/true plain (fork+exec), in the sandbox (sandbox_start +
 *    sandbox_wait, traced), and under Debian's bubblewrap
 *    (bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc true);
 * 2. one traced system call: HELPERS_DIR/sandbox_statloop stats a missing
 *    path N times inside the sandbox, traced and untraced; the difference
 *    per call is the cost of the notification round trip. Once with the
 *    same path every time (the tracer's lookup is made once) and once with
 *    a new path each time; beside them, the floor of the mechanism on this
 *    machine: a bare seccomp user-notification round trip whose listener
 *    answers CONTINUE at once and does nothing else (bare_notify_us);
 *    Beside the start-up rows, the floors of process creation on this
 *    machine (creation_floors): a bare fork + exit + wait, a clone into
 *    the seven namespaces the sandbox makes (with id maps), and a clone
 *    into five of them from inside a user and network namespace made
 *    once, which is what a pre-forked helper process would still pay;
 * 3. /usr/bin/python3 -c 'import json, csv': plain, sandboxed untraced,
 *    sandboxed traced.
 * Medians of RUNS (default 30) interleaved runs; ratios printed.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time (user + system) of all reaped descendants so far, in ms. */
static double children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double run_plain(char *const argv[])
{
	double t = now_ms();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_sandbox: %s failed\n", argv[0]);
		exit(1);
	}
	return now_ms() - t;
}

/* Run argv in the sandbox; return the wall time in ms, and the command's
 * stdout (first line) in out if given. */
static const char *scratch_parent;

static double run_sandboxed(const char *const argv[], bool trace, char *out,
			    size_t outsize)
{
	char cwd[PATH_MAX], scratch[PATH_MAX];
	const char *tmp = scratch_parent ? scratch_parent : getenv("TMPDIR");
	struct sandbox_result *res;
	struct sandbox_error err;
	sandbox_plan *plan;
	sandbox_run *run;
	int pfd[2], r;
	double t;

	if (!getcwd(cwd, sizeof(cwd)) || pipe2(pfd, O_CLOEXEC) < 0)
		exit(1);
	snprintf(scratch, sizeof(scratch), "%s/bench-sbx.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		exit(1);
	if (sandbox_plan_new(&plan) < 0 ||
	    sandbox_plan_set_argv(plan, argv) < 0 ||
	    sandbox_plan_set_envp(plan, (const char *const *)environ) < 0 ||
	    sandbox_plan_set_cwd(plan, cwd) < 0 ||
	    sandbox_plan_set_workspace(plan, cwd) < 0 ||
	    sandbox_plan_set_scratch(plan, scratch) < 0 ||
	    sandbox_plan_set_stdio(plan, -1, pfd[1], -1) < 0)
		exit(1);
	sandbox_plan_set_trace(plan, trace);
	t = now_ms();
	r = sandbox_start(plan, &run, &err);
	if (r < 0) {
		fprintf(stderr, "bench_sandbox: %s: %s\n", err.step,
			sandbox_strerror(r));
		exit(1);
	}
	close(pfd[1]);
	r = sandbox_wait(run, &res);
	t = now_ms() - t;
	if (r < 0 || res->exit_code != 0) {
		fprintf(stderr, "bench_sandbox: %s failed\n", argv[0]);
		exit(1);
	}
	if (out) {
		ssize_t n = read(pfd[0], out, outsize - 1);

		out[n > 0 ? n : 0] = '\0';
	}
	close(pfd[0]);
	sandbox_result_free(res);
	sandbox_run_free(run);
	sandbox_plan_free(plan);
	sandbox_scratch_cleanup(scratch);
	rmdir(scratch);
	return t;
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Map uid and gid to themselves in the user namespace of pid ("self"). */
static int map_self(const char *pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%s/setgroups", pid);
	if (write_text(path, "deny") < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%s/uid_map", pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_text(path, map) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%s/gid_map", pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_text(path, map);
}

/* One child cloned with flags that exits at once (after its id maps are
 * written, for a new user namespace), waited for: milliseconds, or -1. */
static double clone_exit_wait_ms(unsigned long flags)
{
	int sync[2];
	double t;
	pid_t pid;
	char c = 0;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return -1;
	t = now_ms();
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		_exit(read(sync[0], &c, 1) == 1 ? 0 : 1);
	}
	if (pid > 0 && (flags & CLONE_NEWUSER)) {
		char p[32];

		snprintf(p, sizeof(p), "%d", (int)pid);
		if (map_self(p, geteuid(), getegid()) < 0)
			c = 1;
	}
	if (pid > 0 && write(sync[1], "x", 1) != 1)
		c = 1;
	close(sync[0]);
	close(sync[1]);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid || c)
		return -1;
	return now_ms() - t;
}

/* The floors of the sandbox's process creation, medians of runs, into
 * out[0..2]: fork + exit + wait; a clone into the sandbox's seven new
 * namespaces (user, mount, pid, ipc, uts, cgroup, net) with id maps; a
 * clone into five of them from a process that made a user and a network
 * namespace once (measured in a child that does so). -1 where refused. */
static void creation_floors(int runs, double out[3])
{
	unsigned long five = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
			     CLONE_NEWCGROUP;
	double *v = calloc((size_t)runs, sizeof(double));
	int p[2];
	pid_t pid;

	out[0] = out[1] = out[2] = -1;
	if (!v)
		return;
	for (int k = 0; k < 2; k++) {
		int i;

		for (i = 0; i < runs; i++)
			if ((v[i] = clone_exit_wait_ms(k ? five | CLONE_NEWUSER | CLONE_NEWNET
							 : 0)) < 0)
				break;
		if (i == runs)
			out[k] = median(v, runs);
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(v);
		return;
	}
	pid = fork();
	if (pid == 0) {
		double m = -1;
		int i = 0;

		uid_t uid = geteuid(); /* before: unmapped, it reads as 65534 */
		gid_t gid = getegid();

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 && map_self("self", uid, gid) == 0)
			for (i = 0; i < runs; i++)
				if ((v[i] = clone_exit_wait_ms(five)) < 0)
					break;
		if (i == runs)
			m = median(v, runs);
		_exit(write(p[1], &m, sizeof(m)) == sizeof(m) ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &out[2], sizeof(out[2])) != sizeof(out[2]))
		out[2] = -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(v);
}

/* The floor of any seccomp user-notification tracer on this machine: a
 * child sends every newfstatat to a listener that answers CONTINUE at once
 * (receive, send: nothing read, nothing looked up). Returns the
 * microseconds per call minus those of the same untraced loop, or -1. */
static double bare_notify_us(long n)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_newfstatat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	double per[2] = { 0, 0 };
	int sv[2], fd = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[CMSG_SPACE(sizeof(int))], go;
		struct iovec iov = { &go, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = buf,
				     .msg_controllen = sizeof(buf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		struct stat st;

		for (int k = 0; k < 2; k++) {
			double t = now_ms();

			if (k == 1) {
				int lfd;

				if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
					_exit(1);
				lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
						   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
				if (lfd < 0)
					_exit(1);
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_RIGHTS;
				cm->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(cm), &lfd, sizeof(int));
				if (sendmsg(sv[1], &mh, 0) != 1 || read(sv[1], &go, 1) != 1)
					_exit(1);
				t = now_ms();
			}
			for (long i = 0; i < n; i++)
				(void)stat("/nonexistent/x", &st);
			per[k] = (now_ms() - t) * 1e3 / (double)n;
		}
		if (write(sv[1], per, sizeof(per)) != sizeof(per))
			_exit(1);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	close(sv[1]);
	{
		char buf[CMSG_SPACE(sizeof(int))], go;
		struct iovec iov = { &go, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = buf,
				     .msg_controllen = sizeof(buf) };

		if (recvmsg(sv[0], &mh, 0) == 1 && CMSG_FIRSTHDR(&mh))
			memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	}
	if (fd >= 0) {
		/* as the tracer does: wake the listener on the caller's CPU */
		(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
		if (write(sv[0], "g", 1) == 1) {
			for (;;) {
				memset(&req, 0, sizeof(req));
				if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
					struct pollfd pf = { fd, POLLIN, 0 };

					/* ENOENT and a hung-up listener: the
					 * child has exited */
					if (errno == EINTR ||
					    (errno == ENOENT && !(poll(&pf, 1, 0) == 1 &&
								  (pf.revents & POLLHUP))))
						continue;
					break;
				}
				memset(&resp, 0, sizeof(resp));
				resp.id = req.id;
				resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
				(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			}
		}
		close(fd);
	}
	if (read(sv[0], per, sizeof(per)) != sizeof(per))
		per[0] = per[1] = -1;
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return per[1] < 0 ? -1 : per[1] - per[0];
}

int main(int argc, char **argv)
{
	char statloop[PATH_MAX], out[64];
	int runs = argc > 2 ? atoi(argv[2]) : 30;
	double *a, *b, *c, *ca, *cb, *cc, ma, mb, mc;

	if (argc < 2 || runs < 3) {
		fprintf(stderr, "usage: bench_sandbox HELPERS_DIR [RUNS]\n");
		return 2;
	}
	snprintf(statloop, sizeof(statloop), "%s/sandbox_statloop", argv[1]);
	a = calloc((size_t)runs, sizeof(double));
	b = calloc((size_t)runs, sizeof(double));
	c = calloc((size_t)runs, sizeof(double));
	ca = calloc((size_t)runs, sizeof(double));
	cb = calloc((size_t)runs, sizeof(double));
	cc = calloc((size_t)runs, sizeof(double));
	if (!a || !b || !c || !ca || !cb || !cc)
		return 1;

	{
		char *plain[] = { "/bin/true", NULL };
		char *bwrap[] = { "/usr/bin/bwrap", "--unshare-all", "--ro-bind",
				  "/", "/", "--dev", "/dev", "--proc", "/proc",
				  "true", NULL };
		const char *sbx[] = { "/bin/true", NULL };

		run_sandboxed(sbx, true, NULL, 0); /* compile the filter */
		double *d = calloc((size_t)runs, sizeof(double));
		double *cd = calloc((size_t)runs, sizeof(double));
		struct stat st;
		bool shm = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0;

		if (!d || !cd)
			return 1;
		for (int i = 0; i < runs; i++) {
			double cpu = children_cpu_ms();

			if (shm) {
				scratch_parent = "/dev/shm";
				d[i] = run_sandboxed(sbx, true, NULL, 0);
				cd[i] = children_cpu_ms() - cpu;
				scratch_parent = NULL;
			}
			cpu = children_cpu_ms();
			a[i] = run_plain(plain);
			ca[i] = children_cpu_ms() - cpu;
			cpu = children_cpu_ms();
			b[i] = run_sandboxed(sbx, true, NULL, 0);
			cb[i] = children_cpu_ms() - cpu;
			cpu = children_cpu_ms();
			c[i] = run_plain(bwrap);
			cc[i] = children_cpu_ms() - cpu;
		}
		ma = median(a, runs);
		mb = median(b, runs);
		mc = median(c, runs);
		printf("start-up, median of %d (ms)       wall      cpu\n", runs);
		printf("  /bin/true plain              %8.2f %8.2f\n", ma,
		       median(ca, runs));
		printf("  /bin/true sandboxed (traced) %8.2f %8.2f\n", mb,
		       median(cb, runs));
		if (shm)
			printf("  ... scratch on tmpfs         %8.2f %8.2f\n",
			       median(d, runs), median(cd, runs));
		printf("  /bin/true under bwrap        %8.2f %8.2f\n", mc,
		       median(cc, runs));
		printf("  sandbox / bwrap              %8.2f %8.2f   (target <= 0.50)\n",
		       mb / mc, median(cb, runs) / median(cc, runs));
		free(d);
		free(cd);
	}
	{
		double f[3];

		creation_floors(runs, f);
		printf("process creation floors, median of %d (ms):\n", runs);
		printf("  fork + exit + wait                 %8.2f\n", f[0]);
		printf("  clone into 7 namespaces + id maps  %8.2f\n", f[1]);
		printf("  5 of them, in a kept user+net ns   %8.2f   (what a pre-forked helper pays)\n",
		       f[2]);
	}
	{
		const char *traced[] = { statloop, "20000", "/nonexistent/x", NULL };
		const char *fresh[] = { statloop, "20000", "/nonexistent/x",
					"distinct", NULL };
		int n = runs < 10 ? runs : 10;
		double *d = calloc((size_t)n, sizeof(double));
		double *e = calloc((size_t)n, sizeof(double));

		if (!d || !e)
			return 1;
		for (int i = 0; i < n; i++) {
			run_sandboxed(traced, true, out, sizeof(out));
			a[i] = atof(out);
			run_sandboxed(traced, false, out, sizeof(out));
			b[i] = atof(out);
			run_sandboxed(fresh, true, out, sizeof(out));
			d[i] = atof(out);
			run_sandboxed(fresh, false, out, sizeof(out));
			e[i] = atof(out);
			c[i] = bare_notify_us(20000);
		}
		ma = median(a, n);
		mb = median(b, n);
		printf("one stat(2), median of %d x 20000 (us):\n", n);
		printf("  traced, same path          %8.2f\n", ma / 1e3);
		printf("  untraced, same path        %8.2f\n", mb / 1e3);
		printf("  traced, a new path per call%8.2f\n", median(d, n) / 1e3);
		printf("  untraced, a new path       %8.2f\n", median(e, n) / 1e3);
		printf("  tracing cost, same path    %8.2f   (target <= 8)\n",
		       (ma - mb) / 1e3);
		printf("  tracing cost, new paths    %8.2f   (target <= 8)\n",
		       (median(d, n) - median(e, n)) / 1e3);
		printf("  floor: bare notification   %8.2f   (receive + answer, no work)\n",
		       median(c, n));
		free(d);
		free(e);
	}
	{
		const char *py[] = { "/usr/bin/python3", "-c", "import json, csv",
				     NULL };
		char *pyp[] = { "/usr/bin/python3", "-c", "import json, csv",
				NULL };
		int n = runs < 15 ? runs : 15;

		for (int i = 0; i < n; i++) {
			a[i] = run_plain(pyp);
			b[i] = run_sandboxed(py, false, NULL, 0);
			c[i] = run_sandboxed(py, true, NULL, 0);
		}
		ma = median(a, n);
		mb = median(b, n);
		mc = median(c, n);
		printf("python3 -c 'import json, csv', median of %d (ms):\n", n);
		printf("  plain                  %8.2f\n", ma);
		printf("  sandboxed, untraced    %8.2f\n", mb);
		printf("  sandboxed, traced      %8.2f\n", mc);
		printf("  traced / untraced      %8.2f\n", mc / mb);
	}
	free(a);
	free(b);
	free(c);
	free(ca);
	free(cb);
	free(cc);
	return 0;
}
