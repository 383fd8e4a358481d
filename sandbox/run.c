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
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
};

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
	run = calloc(1, sizeof(*run));
	if (!run || !(run->scratch = strdup(plan->scratch))) {
		free(run);
		return -ENOMEM;
	}
	run->report_fd = -1;
	scratch_fd = open(plan->scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (scratch_fd < 0) {
		r = -errno;
		set_error(err_detail, r, -r, "open scratch dir");
		goto fail;
	}
	r = make_scratch_dirs(scratch_fd);
	if (r < 0) {
		set_error(err_detail, r, r == SANDBOX_E_SCRATCH_BUSY ? EEXIST : -r,
			  "create scratch dirs");
		goto fail;
	}
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
	close(run->report_fd);
	run->report_fd = -1;
	if (r == 0 && m.code == 0)
		return 0;
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
