/* run.c - starting a plan and waiting for it (the caller's side).
 *
 * Process tree of one run:
 *
 *   caller ── pid 1 (clone with new user, mount, pid, ipc, uts, cgroup
 *             │       and net namespaces; setup.c)
 *             │       tracer thread: answers the seccomp notifications
 *             └─ command (vfork; execve)     seccomp filter loaded
 *                 └─ its children, threads...
 *
 * The caller clones pid 1 straight into the new namespaces and writes the
 * uid/gid maps of its user namespace (from outside, as the kernel requires
 * for anything but a single self-mapping); pid 1 builds the sandbox,
 * starts the command, traces it, reaps everything and writes the result
 * record into the scratch dir (setup.c). The caller learns of set-up errors
 * synchronously through a socket and collects the result later.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESULT_MAX_SIZE (256u << 20)

struct sandbox_run {
	pid_t pid; /* the sandbox's pid 1, as the caller sees it */
	char *scratch;
	bool collected;
	int report_fd; /* until sandbox_start_end(): pid 1's set-up report */
	int end_fd;    /* after it: the same socket, for pid 1's "ended" */
};

/* pid 1s whose run ended (their "ended" message came, sandbox_wait) but
 * which were still exiting: the namespaces' teardown runs in their exit,
 * and the caller goes on meanwhile. Reaped later without waiting
 * (reap_deferred), or waited for when the list is full. A forked copy of
 * the caller empties its copy of the list first: they are not its
 * children, and once pids wrap one of them could name a child of its own,
 * whose status it would then take. */
#define DEFER_MAX 64
static struct {
	pthread_mutex_t lock;
	pid_t owner; /* the process whose children they are */
	pid_t pid[DEFER_MAX];
	size_t n;
} deferred = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* with deferred.lock held */
static void deferred_own(void)
{
	pid_t self = getpid();

	if (deferred.owner != self) {
		deferred.owner = self;
		deferred.n = 0;
	}
}

static void reap_deferred(void)
{
	pthread_mutex_lock(&deferred.lock);
	deferred_own();
	for (size_t i = 0; i < deferred.n;) {
		pid_t p = waitpid(deferred.pid[i], NULL, WNOHANG);

		if (p == 0 || (p < 0 && errno == EINTR))
			i++;
		else
			deferred.pid[i] = deferred.pid[--deferred.n];
	}
	pthread_mutex_unlock(&deferred.lock);
}

static void defer_reap(pid_t pid)
{
	pthread_mutex_lock(&deferred.lock);
	deferred_own();
	if (deferred.n == DEFER_MAX) {
		while (waitpid(deferred.pid[0], NULL, 0) < 0 && errno == EINTR)
			;
		deferred.pid[0] = deferred.pid[--deferred.n];
	}
	deferred.pid[deferred.n++] = pid;
	pthread_mutex_unlock(&deferred.lock);
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


/* The run's scratch dir opened (into *ret_fd) and its dirs made. */
static int open_scratch(const sandbox_plan *plan, int *ret_fd, struct sandbox_error *err_detail)
{
	int r;

	*ret_fd = open(plan->scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ret_fd < 0) {
		r = -errno;
		set_error(err_detail, r, -r, "open scratch dir");
		return r;
	}
	r = make_scratch_dirs(*ret_fd);
	if (r < 0)
		set_error(err_detail, r, r == SANDBOX_E_SCRATCH_BUSY ? EEXIST : -r,
			  "create scratch dirs");
	return r;
}

int sandbox_start_begin(const sandbox_plan *plan, sandbox_run **ret_run,
			struct sandbox_error *err_detail)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			      CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
			      SIGCHLD;
	int report[2] = { -1, -1 }, sync[2] = { -1, -1 }, scratch_fd, r;
	sandbox_run *run;
	pid_t pid;

	r = sandbox_plan_validate(plan);
	if (r < 0) {
		set_error(err_detail, r, 0, "validate plan");
		return r;
	}
	reap_deferred();
	run = calloc(1, sizeof(*run));
	if (!run || !(run->scratch = strdup(plan->scratch))) {
		free(run);
		return -ENOMEM;
	}
	run->report_fd = -1;
	run->end_fd = -1;
	r = open_scratch(plan, &scratch_fd, err_detail);
	if (r < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0) {
		r = -errno;
		set_error(err_detail, SANDBOX_E_SETUP, -r, "pipes");
		goto fail;
	}
	if (!plan->network)
		flags |= CLONE_NEWNET;
	/* Like fork (no stack given), straight into the new namespaces. */
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(report[0]);
		close(sync[1]);
		sandbox_init_main(plan, report[1], sync[0], scratch_fd);
	}
	close(report[1]);
	close(sync[0]);
	report[1] = sync[0] = -1;
	if (pid < 0) {
		int e = errno;

		r = (e == EPERM || e == ENOSPC || e == EUSERS || e == EACCES) ?
			    SANDBOX_E_USERNS : SANDBOX_E_SETUP;
		set_error(err_detail, r, e, "clone namespaces");
		goto fail;
	}
	/* Before pid 1 goes on, so that the command inherits the group (pid
	 * 1 cannot join it itself: it no longer sees the caller's pids). */
	if (plan->pgid >= 0 && setpgid(pid, plan->pgid) < 0) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "setpgid");
		goto kill;
	}
	r = write_id_maps(pid);
	if (r < 0) {
		set_error(err_detail, SANDBOX_E_USERNS, -r, "write uid/gid map");
		r = SANDBOX_E_USERNS;
		goto kill;
	}
	if (write(sync[1], "x", 1) != 1) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "sync with sandbox");
		goto kill;
	}
	close(sync[1]);
	close(scratch_fd);
	run->pid = pid;
	run->report_fd = report[0];
	*ret_run = run;
	return 0;
kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
fail:
	if (report[0] >= 0)
		close(report[0]);
	if (sync[1] >= 0)
		close(sync[1]);
	if (scratch_fd >= 0)
		close(scratch_fd);
	free(run->scratch);
	free(run);
	return r;
}

int sandbox_start_end(sandbox_run *run, struct sandbox_error *err_detail)
{
	struct sandbox_setup_msg m;
	ssize_t n;
	int r;

	if (run->report_fd < 0)
		return run->collected ? SANDBOX_E_STATE : 0;
	do
		n = read(run->report_fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	r = n == (ssize_t)sizeof(m) ? 0 : -EIO;
	if (r == 0 && m.code == 0) {
		run->end_fd = run->report_fd; /* for "ended" */
		run->report_fd = -1;
		return 0;
	}
	close(run->report_fd);
	run->report_fd = -1;
	while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
		;
	run->collected = true;
	if (r < 0) {
		set_error(err_detail, SANDBOX_E_SETUP, 0, "sandbox set-up died");
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

/* ---- prepared sandboxes ---------------------------------------------------- */

/* What the caller's state was when it cloned a prepared pid 1, beyond what
 * the plan carries: pid 1 (and through it the command) inherited these at
 * that moment, and cannot take the caller's later values (a hard limit
 * cannot be raised from inside the user namespace), so a change of any of
 * them makes the prepared sandbox unusable. */
struct prep_state {
	/* the resource limits: the text of /proc/self/limits, which names
	 * every limit's soft and hard value (one read instead of a
	 * getrlimit per limit; an outside `prlimit --pid` shows there
	 * too), or, when it cannot be read whole, rl from getrlimit */
	char limits[2048];
	struct rlimit rl[RLIM_NLIMITS];
	int nice;
	pid_t pgrp;
	cpu_set_t affinity;
	int policy, sched_priority, ioprio;
	char oom_adj[16];   /* /proc/self/oom_score_adj */
	char cgroup[512];   /* /proc/self/cgroup: a move to another cgroup
			     * (its memory.max, pids.max) */
};

/* PATH's first bytes into buf (NUL-terminated; empty when unreadable). */
static void read_small(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

struct sandbox_prep {
	pid_t pid;   /* its pid 1 */
	pid_t owner; /* the process that cloned it (its parent) */
	int chan;    /* plan in, set-up report out */
	int mounts;  /* the caller's /proc/self/mounts, opened before the clone */
	bool stale;  /* mounts changed: polling it said so once, and only once */
	bool network;
	struct prep_state state;
};

static void prep_state_now(struct prep_state *st)
{
	memset(st, 0, sizeof(*st));
	read_small("/proc/self/limits", st->limits, sizeof(st->limits));
	/* empty or possibly cut short: the limits one by one */
	if (st->limits[0] == '\0' || strlen(st->limits) >= sizeof(st->limits) - 1) {
		st->limits[0] = '\0';
		for (int i = 0; i < RLIM_NLIMITS; i++)
			(void)getrlimit(i, &st->rl[i]);
	}
	errno = 0;
	st->nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		st->nice = 1000; /* never equal to a real value */
	st->pgrp = getpgrp();
	if (sched_getaffinity(0, sizeof(st->affinity), &st->affinity) < 0)
		CPU_ZERO(&st->affinity);
	st->policy = sched_getscheduler(0);
	struct sched_param sp = { 0 };
	st->sched_priority = sched_getparam(0, &sp) == 0 ? sp.sched_priority : -1;
	st->ioprio = (int)syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	read_small("/proc/self/oom_score_adj", st->oom_adj, sizeof(st->oom_adj));
	read_small("/proc/self/cgroup", st->cgroup, sizeof(st->cgroup));
}

static bool prep_state_equal(const struct prep_state *a, const struct prep_state *b)
{
	if (strcmp(a->limits, b->limits) != 0)
		return false;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (a->rl[i].rlim_cur != b->rl[i].rlim_cur || a->rl[i].rlim_max != b->rl[i].rlim_max)
			return false;
	return a->nice == b->nice && a->pgrp == b->pgrp &&
	       CPU_EQUAL(&a->affinity, &b->affinity) && a->policy == b->policy &&
	       a->sched_priority == b->sched_priority && a->ioprio == b->ioprio &&
	       strcmp(a->oom_adj, b->oom_adj) == 0 && strcmp(a->cgroup, b->cgroup) == 0;
}

int sandbox_prep_new(bool network, sandbox_prep **ret_prep)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			      CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
			      SIGCHLD;
	int chan[2], sync[2], r;
	sandbox_prep *p;
	pid_t pid;

	reap_deferred();
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0) {
		r = -errno;
		free(p);
		return r;
	}
	if (pipe2(sync, O_CLOEXEC) < 0) {
		r = -errno;
		close(chan[0]);
		close(chan[1]);
		free(p);
		return r;
	}
	if (!network)
		flags |= CLONE_NEWNET;
	prep_state_now(&p->state);
	/* pid 1's mount namespace is a copy of the caller's as it is now:
	 * once this fd polls POLLPRI, something was mounted or unmounted
	 * here since, and the copy is stale (sandbox_prep_fits). */
	p->mounts = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	if (p->mounts < 0) {
		r = -errno;
		close(chan[0]);
		close(chan[1]);
		close(sync[0]);
		close(sync[1]);
		free(p);
		return r;
	}
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(chan[0]);
		close(sync[1]);
		sandbox_init_prepared(chan[1], sync[0]);
	}
	r = pid < 0 ? -errno : 0;
	close(chan[1]);
	close(sync[0]);
	if (r == 0)
		r = write_id_maps(pid);
	if (r == 0 && write(sync[1], "x", 1) != 1)
		r = -errno;
	close(sync[1]);
	if (r < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		close(chan[0]);
		close(p->mounts);
		free(p);
		return r;
	}
	p->pid = pid;
	p->owner = getpid();
	p->chan = chan[0];
	p->network = network;
	*ret_prep = p;
	return 0;
}

pid_t sandbox_prep_pid(const sandbox_prep *prep)
{
	return prep->pid;
}

void sandbox_prep_free(sandbox_prep *prep)
{
	if (!prep)
		return;
	close(prep->chan);
	close(prep->mounts);
	/* A forked copy of the caller holds a copy of the handle, not the
	 * child: only the caller that cloned it ends and reaps it. */
	if (prep->owner == getpid()) {
		kill(prep->pid, SIGKILL);
		while (waitpid(prep->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(prep);
}

bool sandbox_prep_fits(sandbox_prep *prep, const sandbox_plan *plan)
{
	struct prep_state now;

	struct pollfd pfd = { .fd = prep->mounts, .events = POLLPRI };

	if (prep->owner != getpid() || prep->network != plan->network)
		return false;
	if (prep->stale || poll(&pfd, 1, 0) != 0) {
		prep->stale = true; /* mounts changed (or poll failed) */
		return false;
	}
	prep_state_now(&now);
	return prep_state_equal(&prep->state, &now);
}

/* The caller's umask, without changing it (umask(2) cannot read it
 * alone, and setting it for a moment would race with other threads
 * creating files). */
static int current_umask(mode_t *ret)
{
	char buf[4096], *u;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	u = strstr(buf, "\nUmask:");
	if (!u)
		return -ENOTSUP;
	*ret = (mode_t)strtoul(u + 7, NULL, 8);
	return 0;
}

/* Hand plan to the prepared pid 1: the encoded plan in a memfd, the
 * scratch dir and the stdio fds beside it. */
static int prep_send(const sandbox_prep *prep, const sandbox_plan *plan, int scratch_fd)
{
	struct sandbox_prep_msg msg = { .magic = SANDBOX_PREP_MAGIC };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(5 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[5], nfds = 0, mfd, r;
	void *data;
	size_t size;
	mode_t um;
	ssize_t n;

	r = current_umask(&um);
	if (r < 0)
		return r;
	r = sandbox_plan_encode(plan, um, &data, &size);
	if (r < 0)
		return r;
	mfd = memfd_create("shark-plan", MFD_CLOEXEC);
	if (mfd < 0) {
		r = -errno;
		free(data);
		return r;
	}
	r = sandbox_write_all(mfd, data, size);
	free(data);
	if (r < 0) {
		close(mfd);
		return r;
	}
	fds[nfds++] = mfd;
	fds[nfds++] = scratch_fd;
	for (int i = 0; i < 3; i++) {
		if (plan->stdio[i] >= 0) {
			fds[nfds++] = plan->stdio[i];
			msg.stdio_set |= 1u << i;
		}
	}
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	do
		n = sendmsg(prep->chan, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	r = n == (ssize_t)sizeof(msg) ? 0 : n < 0 ? -errno : -EIO;
	close(mfd);
	return r;
}

int sandbox_start_begin_prepared(const sandbox_plan *plan, sandbox_prep **prep,
				 sandbox_run **ret_run, struct sandbox_error *err_detail)
{
	sandbox_prep *p = *prep;
	sandbox_run *run;
	int scratch_fd, r;

	*prep = NULL;
	if (!p)
		return sandbox_start_begin(plan, ret_run, err_detail);
	r = sandbox_plan_validate(plan);
	if (r < 0 || !sandbox_prep_fits(p, plan)) {
		sandbox_prep_free(p);
		return sandbox_start_begin(plan, ret_run, err_detail);
	}
	run = calloc(1, sizeof(*run));
	if (!run || !(run->scratch = strdup(plan->scratch))) {
		free(run);
		sandbox_prep_free(p);
		return -ENOMEM;
	}
	run->end_fd = -1;
	r = open_scratch(plan, &scratch_fd, err_detail);
	if (r < 0)
		goto fail;
	/* Before pid 1 goes on, as sandbox_start_begin does. */
	if (plan->pgid >= 0 && setpgid(p->pid, plan->pgid) < 0) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "setpgid");
		goto fail;
	}
	r = prep_send(p, plan, scratch_fd);
	if (r < 0) {
		/* pid 1 is gone (killed from outside) or the plan could not
		 * be sent: clone one for the run after all. */
		static const char *const names[] = { SANDBOX_ROOT, SANDBOX_WORK,
						      SANDBOX_UPPER };

		for (size_t i = 0; i < 3; i++)
			(void)unlinkat(scratch_fd, names[i], AT_REMOVEDIR);
		close(scratch_fd);
		free(run->scratch);
		free(run);
		sandbox_prep_free(p);
		return sandbox_start_begin(plan, ret_run, err_detail);
	}
	close(scratch_fd);
	close(p->mounts);
	run->pid = p->pid;
	run->report_fd = p->chan;
	free(p);
	*ret_run = run;
	return 0;
fail:
	if (scratch_fd >= 0)
		close(scratch_fd);
	free(run->scratch);
	free(run);
	sandbox_prep_free(p);
	return r;
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
	if (run->end_fd >= 0) {
		close(run->end_fd);
		run->end_fd = -1;
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		return SANDBOX_E_RESULT;
	return read_result(run->scratch, ret_result);
}

int sandbox_wait(sandbox_run *run, struct sandbox_result **ret_result)
{
	int st;

	if (run->collected)
		return SANDBOX_E_STATE;
	reap_deferred();
	/* pid 1's "ended": the result is there and nothing of the run is
	 * left but pid 1 itself, exiting. Its exit (the namespaces'
	 * teardown) is not waited for. Without the message (pid 1 died, or
	 * the caller never called sandbox_start_end), its exit status
	 * decides. */
	if (run->end_fd >= 0) {
		struct sandbox_setup_msg m;
		ssize_t n;
		pid_t p;

		do
			n = read(run->end_fd, &m, sizeof(m));
		while (n < 0 && errno == EINTR);
		close(run->end_fd);
		run->end_fd = -1;
		if (n == (ssize_t)sizeof(m) && m.code == 0 &&
		    strncmp(m.step, SANDBOX_ENDED_STEP, sizeof(m.step)) == 0) {
			run->collected = true;
			do
				p = waitpid(run->pid, NULL, WNOHANG);
			while (p < 0 && errno == EINTR);
			if (p == 0)
				defer_reap(run->pid);
			return read_result(run->scratch, ret_result);
		}
	}
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
	if (run->end_fd >= 0)
		close(run->end_fd);
	if (!run->collected) {
		kill(run->pid, SIGKILL);
		while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(run->scratch);
	free(run);
}
