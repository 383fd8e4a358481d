/* run.c - starting a plan and waiting for it.
 *
 * Process tree of one run:
 *
 *   caller ── supervisor (fork; this file)        host namespaces
 *                └─ pid 1 (clone with new user, mount, pid, ipc, uts,
 *                   │       cgroup and net namespaces; setup.c)
 *                   └─ command (fork; execve)     seccomp filter loaded
 *                       └─ its children, threads...
 *
 * The supervisor writes the uid/gid maps of the new user namespace (from
 * outside, as the kernel requires for anything but a single self-mapping),
 * receives the seccomp listener from the command process, answers every
 * notification (trace.c) until pid 1 reports the command's exit, and writes
 * the result record into the scratch dir. It never touches the command's
 * stdio, so no pipeline stage can block it. The caller learns of set-up
 * errors synchronously through a pipe and collects the result later.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESULT_MAX_SIZE (256u << 20)

struct sandbox_run {
	pid_t pid;
	char *scratch;
	bool collected;
	int report_fd; /* until sandbox_start_end(): the supervisor's set-up report */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- supervisor ---------------------------------------------------------- */

struct supervisor {
	const struct sandbox_plan *plan;
	int report_fd; /* to the caller: one sandbox_setup_msg */
	int scratch_fd;
	pid_t caller;
	bool was_tty;
};

static __attribute__((noreturn)) void sup_fail(struct supervisor *s, int code,
					       int err, const char *step)
{
	struct sandbox_setup_msg m = { .code = code, .sys_errno = err };

	snprintf(m.step, sizeof(m.step), "%s", step);
	sandbox_write_all(s->report_fd, &m, sizeof(m));
	_exit(1);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = sandbox_write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

/* Identity maps. Root maps the whole id range onto itself (files keep their
 * owners); anyone else maps just their own uid and gid, which an
 * unprivileged process may do for its child namespace once setgroups is
 * denied. Capabilities are dropped in the command either way. */
static int write_id_maps(pid_t child)
{
	char path[64], map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r;

	if (uid == 0) {
		snprintf(map, sizeof(map), "0 0 4294967295\n");
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
		r = write_file(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
		return r < 0 ? r : write_file(path, map);
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	r = write_file(path, map);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)child);
	r = write_file(path, "deny");
	if (r < 0 && r != -ENOENT)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file(path, map);
}

/* Receive the set-up message (and the listener fd) from the sandbox. */
static int recv_setup(int sock, struct sandbox_setup_msg *m, int *ret_fd,
		      pid_t *ret_pid)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	*ret_fd = -1;
	*ret_pid = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(*m))
		return -EIO; /* the sandbox died before reporting */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
		else if (c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*ret_pid = cred.pid;
		}
	}
	m->step[sizeof(m->step) - 1] = '\0';
	return 0;
}

static void write_result(struct supervisor *s, struct sandbox_result *res)
{
	void *data;
	size_t size;
	int fd;

	if (sandbox_result_encode(res, &data, &size) < 0)
		_exit(3);
	fd = openat(s->scratch_fd, SANDBOX_RESULT_FILE ".tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || sandbox_write_all(fd, data, size) < 0 || close(fd) < 0 ||
	    renameat(s->scratch_fd, SANDBOX_RESULT_FILE ".tmp", s->scratch_fd,
		     SANDBOX_RESULT_FILE) < 0)
		_exit(3);
	free(data);
}

/* Forward a termination request to the command, unless it came from the
 * terminal (SI_KERNEL): the terminal signals the whole foreground process
 * group, the command included, and must not be delivered twice. */
static void forward_signal(int sigfd, pid_t cmd)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_code != SI_KERNEL && cmd > 0)
			kill(cmd, (int)si.ssi_signo);
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close every inherited fd but ours. The caller's other fds (the other
 * ends of a pipeline's pipes, above all) must not stay open in the sandbox:
 * a reader would never see EOF. */
static void keep_only_fds(struct supervisor *s, const int stdio[3])
{
	int keep[5] = { s->report_fd, s->scratch_fd, stdio[0], stdio[1],
			stdio[2] };
	unsigned lo = 0;

	qsort(keep, 5, sizeof(int), cmp_int);
	for (int i = 0; i < 5; i++) {
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

struct tracer_ctx {
	struct sandbox_tracer *tracer;
	pid_t init;
};

static void *tracer_thread(void *arg)
{
	struct tracer_ctx *ctx = arg;

	/* Runs until the supervisor exits. Should receiving ever fail for
	 * good, nobody would answer the command's notifications and it would
	 * hang: end the sandbox instead (the result says the trace is
	 * incomplete, and the caller sees the kill). */
	int r;
	while ((r = sandbox_tracer_handle(ctx->tracer)) == 0)
		;
	if (r < 0)
		kill(ctx->init, SIGKILL);
	return NULL;
}

static __attribute__((noreturn)) void supervisor_main(struct supervisor *s)
{
	const struct sandbox_plan *plan = s->plan;
	struct sandbox_plan local = *plan;

	local.tty_path[0] = '\0';
	struct sandbox_result res = { 0 };
	struct sandbox_tracer *tracer = NULL;
	struct sandbox_setup_msg m;
	struct sandbox_exit_msg em;
	int sync[2], status[2], execerr[2], sv[2], sigfd, notify_fd, r, one = 1;
	unsigned long flags;
	uint64_t t0;
	sigset_t sigs;
	pid_t init, cmd;

	/* The caller's signal handlers are not ours (and a shell may ignore
	 * SIGCHLD, which would make pid 1's waitpid fail). */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		sup_fail(s, SANDBOX_E_SETUP, errno, "pdeathsig");
	if (getppid() != s->caller)
		_exit(1); /* the caller died before the line above */
	/* Before pid 1 and the command exist, so they inherit the group. */
	if (plan->pgid >= 0 && setpgid(0, plan->pgid) < 0)
		sup_fail(s, SANDBOX_E_SETUP, errno, "setpgid");

	/* The command's stdio, moved above 2 (so that dup2 into 0-2 in the
	 * command cannot clobber one with another) and close-on-exec. */
	for (int i = 0; i < 3; i++) {
		int fd = plan->stdio[i];

		if (fd < 0)
			fd = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
		if (fd < 0)
			sup_fail(s, SANDBOX_E_SETUP, errno, "open /dev/null");
		if (isatty(fd)) {
			s->was_tty = true;
			if (!local.tty_path[0] &&
			    ttyname_r(fd, local.tty_path, sizeof(local.tty_path)) != 0)
				local.tty_path[0] = '\0';
		}
		local.stdio[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (local.stdio[i] < 0)
			sup_fail(s, SANDBOX_E_SETUP, errno, "dup stdio");
	}
	keep_only_fds(s, local.stdio);
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0 ||
	    pipe2(execerr, O_CLOEXEC | O_DIRECT) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		sup_fail(s, SANDBOX_E_SETUP, errno, "pipes");

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		sup_fail(s, SANDBOX_E_SETUP, errno, "signalfd");

	flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
		CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
	if (!plan->network)
		flags |= CLONE_NEWNET;
	t0 = now_ns();
	init = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (init < 0) {
		int e = errno;

		sup_fail(s, (e == EPERM || e == ENOSPC || e == EUSERS ||
			     e == EACCES) ? SANDBOX_E_USERNS : SANDBOX_E_SETUP,
			 e, "clone namespaces");
	}
	if (init == 0) {
		close(sync[1]);
		close(status[0]);
		close(execerr[0]);
		close(sv[0]);
		close(sigfd);
		close(s->report_fd);
		sandbox_init_main(&local, sync[0], -1, sv[1], execerr[1],
				  status[1]);
	}
	close(sync[0]);
	close(status[1]);
	close(execerr[1]);
	close(sv[1]);
	for (int i = 0; i < 3; i++)
		close(local.stdio[i]);

	r = write_id_maps(init);
	if (r < 0) {
		kill(init, SIGKILL);
		sup_fail(s, SANDBOX_E_USERNS, -r, "write uid/gid map");
	}
	if (write(sync[1], "x", 1) != 1) {
		kill(init, SIGKILL);
		sup_fail(s, SANDBOX_E_SETUP, errno, "sync with sandbox");
	}
	close(sync[1]);

	r = recv_setup(sv[0], &m, &notify_fd, &cmd);
	if (r < 0 || m.code != 0) {
		kill(init, SIGKILL);
		waitpid(init, NULL, 0);
		if (r < 0)
			sup_fail(s, SANDBOX_E_SETUP, -r, "sandbox set-up died");
		sup_fail(s, m.code, m.sys_errno, m.step);
	}
	close(sv[0]);
	if (plan->trace) {
		r = notify_fd < 0 ? -EPROTO : sandbox_tracer_new(notify_fd, &tracer);
		if (r < 0) {
			kill(init, SIGKILL);
			sup_fail(s, SANDBOX_E_SECCOMP, -r, "seccomp listener");
		}
	}
	/* Started: the caller may go on while we trace. */
	memset(&m, 0, sizeof(m));
	sandbox_write_all(s->report_fd, &m, sizeof(m));
	close(s->report_fd);

	/* The tracer thread blocks in SECCOMP_IOCTL_NOTIF_RECV, where a
	 * synchronous wake-up reaches it fastest; this thread watches for
	 * the end of the run and for signals to forward. */
	if (tracer) {
		static struct tracer_ctx ctx;
		pthread_t th;

		ctx.tracer = tracer;
		ctx.init = init;
		if (pthread_create(&th, NULL, tracer_thread, &ctx) != 0) {
			kill(init, SIGKILL);
			_exit(3);
		}
	}
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = status[0], .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(3);
		}
		if (pf[1].revents & POLLIN)
			forward_signal(sigfd, cmd);
		if (pf[0].revents & (POLLIN | POLLHUP))
			break;
	}
	r = sandbox_read_all(status[0], &em, sizeof(em));
	res.wall_ns = now_ns() - t0;
	waitpid(init, NULL, 0);
	if (r < 0) {
		/* pid 1 died without a report: it was killed (SIGKILL from
		 * outside). Report that as the command's death. */
		em.wstatus = SIGKILL;
	}
	if (WIFSIGNALED(em.wstatus)) {
		res.term_signal = WTERMSIG(em.wstatus);
		res.exit_code = 128 + res.term_signal;
	} else {
		res.exit_code = WEXITSTATUS(em.wstatus);
	}
	{
		int e;

		if (read(execerr[0], &e, sizeof(e)) == sizeof(e))
			res.exec_errno = -e;
	}
	res.user_ns = em.user_ns;
	res.sys_ns = em.sys_ns;
	/* A terminal on stdio is not itself a use of it: reading stdin
	 * from it (traced) or opening a terminal device is. Untraced runs
	 * cannot tell, so for them a terminal counts. */
	if (s->was_tty && !plan->trace)
		res.flags |= SANDBOX_RESULT_TERMINAL;
	if (tracer) {
		if (sandbox_tracer_finish(tracer, &res) < 0)
			_exit(3);
	} else {
		res.flags |= SANDBOX_RESULT_UNTRACED;
	}
	write_result(s, &res);
	_exit(0);
}

/* ---- caller side ----------------------------------------------------------- */

static int make_scratch_dirs(int scratch_fd)
{
	static const char *const names[] = { SANDBOX_UPPER, SANDBOX_WORK,
					      SANDBOX_ROOT };

	for (size_t i = 0; i < 3; i++) {
		if (mkdirat(scratch_fd, names[i], 0700) < 0)
			return errno == EEXIST ? SANDBOX_E_SCRATCH_BUSY : -errno;
	}
	return 0;
}

static void set_error(struct sandbox_error *e, int code, int err,
		      const char *step)
{
	if (!e)
		return;
	e->code = code;
	e->sys_errno = err;
	snprintf(e->step, sizeof(e->step), "%s", step);
}

int sandbox_start_begin(const sandbox_plan *plan, sandbox_run **ret_run,
			struct sandbox_error *err_detail)
{
	struct supervisor s = { .plan = plan, .caller = getpid() };
	sandbox_run *run;
	int report[2], r;
	pid_t pid;

	r = sandbox_plan_validate(plan);
	if (r < 0) {
		set_error(err_detail, r, 0, "validate plan");
		return r;
	}
	r = sandbox_filter_prepare(plan->trace, plan->stdio[0] >= 0 && isatty(plan->stdio[0]));
	if (r < 0) {
		set_error(err_detail, SANDBOX_E_SECCOMP, -r, "seccomp compile");
		return SANDBOX_E_SECCOMP;
	}
	run = calloc(1, sizeof(*run));
	if (!run || !(run->scratch = strdup(plan->scratch))) {
		free(run);
		return -ENOMEM;
	}
	run->report_fd = -1;
	s.scratch_fd = open(plan->scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s.scratch_fd < 0) {
		r = -errno;
		set_error(err_detail, r, -r, "open scratch dir");
		goto fail;
	}
	r = make_scratch_dirs(s.scratch_fd);
	if (r < 0) {
		set_error(err_detail, r, r == SANDBOX_E_SCRATCH_BUSY ? EEXIST : -r,
			  "create scratch dirs");
		goto fail;
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(report[0]);
		close(report[1]);
		goto fail;
	}
	if (pid == 0) {
		close(report[0]);
		s.report_fd = report[1];
		supervisor_main(&s);
	}
	close(report[1]);
	close(s.scratch_fd);
	run->pid = pid;
	run->report_fd = report[0];
	*ret_run = run;
	return 0;
fail:
	if (s.scratch_fd >= 0)
		close(s.scratch_fd);
	free(run->scratch);
	free(run);
	return r;
}

int sandbox_start_end(sandbox_run *run, struct sandbox_error *err_detail)
{
	struct sandbox_setup_msg m;
	int r;

	if (run->report_fd < 0)
		return run->collected ? SANDBOX_E_STATE : 0;
	r = sandbox_read_all(run->report_fd, &m, sizeof(m));
	close(run->report_fd);
	run->report_fd = -1;
	if (r == 0 && m.code == 0)
		return 0;
	while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
		;
	run->collected = true;
	if (r < 0) {
		set_error(err_detail, SANDBOX_E_SETUP, 0, "supervisor died");
		return SANDBOX_E_SETUP;
	}
	m.step[sizeof(m.step) - 1] = '\0';
	set_error(err_detail, m.code, m.sys_errno, m.step);
	return m.code;
}

int sandbox_start(const sandbox_plan *plan, sandbox_run **ret_run,
		  struct sandbox_error *err_detail)
{
	sandbox_run *run;
	int r = sandbox_start_begin(plan, &run, err_detail);
	if (r < 0)
		return r;
	r = sandbox_start_end(run, err_detail);
	if (r < 0) {
		sandbox_run_free(run);
		return r;
	}
	*ret_run = run;
	return 0;
}

pid_t sandbox_run_pid(const sandbox_run *run)
{
	return run->pid;
}

int sandbox_run_signal(sandbox_run *run, int sig)
{
	if (run->collected)
		return SANDBOX_E_STATE;
	return kill(run->pid, sig) < 0 ? -errno : 0;
}

static int read_result(const char *scratch, struct sandbox_result **ret)
{
	int dfd = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, r;
	struct stat st;
	char *buf;

	if (dfd < 0)
		return -errno;
	fd = openat(dfd, SANDBOX_RESULT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return errno == ENOENT ? SANDBOX_E_RESULT : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > RESULT_MAX_SIZE) {
		close(fd);
		return SANDBOX_E_RESULT;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	r = sandbox_read_all(fd, buf, (size_t)st.st_size);
	close(fd);
	if (r == 0)
		r = sandbox_result_decode(buf, (size_t)st.st_size, ret);
	free(buf);
	return r;
}

int sandbox_run_collect(sandbox_run *run, int wstatus,
			struct sandbox_result **ret_result)
{
	if (run->collected)
		return SANDBOX_E_STATE;
	run->collected = true;
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		return SANDBOX_E_RESULT;
	return read_result(run->scratch, ret_result);
}

int sandbox_wait(sandbox_run *run, struct sandbox_result **ret_result)
{
	int st;

	if (run->collected)
		return SANDBOX_E_STATE;
	while (waitpid(run->pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return sandbox_run_collect(run, st, ret_result);
}

void sandbox_run_free(sandbox_run *run)
{
	if (!run)
		return;
	if (run->report_fd >= 0)
		close(run->report_fd);
	if (!run->collected) {
		kill(run->pid, SIGKILL);
		while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(run->scratch);
	free(run);
}
