/* test_sandbox_prep.c - prepared sandboxes (sandbox_prep_new): a pid 1
 * cloned before its plan runs that plan with the caller's state at the time
 * of the run, not at the time of the clone; holds none of the caller's fds;
 * drops the signals it got while it waited; is not used when the caller's
 * limits, mounts or process changed. Runs as root and as an unprivileged
 * user. */
#include "sandbox/sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char top[PATH_MAX], ws[PATH_MAX + 8];
static int n_scratch;

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/prep.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(top));
	snprintf(ws, sizeof(ws), "%s/ws", top);
	cr_assert_eq(mkdir(ws, 0755), 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX * 2 + 64];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", top, top);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sandbox_prep, .init = setup, .fini = teardown, .timeout = 60);

/* sh -c SCRIPT in the workspace, stdout into out (when >= 0). */
static sandbox_plan *plan_sh(const char *script, int out)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	const char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	char scratch[PATH_MAX + 32];
	sandbox_plan *p;

	snprintf(scratch, sizeof(scratch), "%s/scratch%d", top, n_scratch++);
	cr_assert_eq(mkdir(scratch, 0700), 0);
	cr_assert_eq(sandbox_plan_new(&p), 0);
	cr_assert_eq(sandbox_plan_set_argv(p, argv), 0);
	cr_assert_eq(sandbox_plan_set_envp(p, envp), 0);
	cr_assert_eq(sandbox_plan_set_cwd(p, ws), 0);
	cr_assert_eq(sandbox_plan_set_workspace(p, ws), 0);
	cr_assert_eq(sandbox_plan_set_scratch(p, scratch), 0);
	cr_assert_eq(sandbox_plan_set_stdio(p, -1, out, -1), 0);
	return p;
}

/* Run plan with *prep; the pid its pid 1 had, and the result. */
static struct sandbox_result *run_prepared(sandbox_plan *p, sandbox_prep **prep,
					   pid_t *ret_pid)
{
	struct sandbox_error err = { 0 };
	struct sandbox_result *res;
	sandbox_run *run;
	int r;

	r = sandbox_start_begin_prepared(p, prep, &run, &err);
	cr_assert_eq(r, 0, "begin: %s: %s (%s)", err.step, sandbox_strerror(r),
		     strerror(err.sys_errno));
	cr_assert_null(*prep, "the handle is taken over");
	r = sandbox_start_end(run, &err);
	cr_assert_eq(r, 0, "end: %s: %s (%s)", err.step, sandbox_strerror(r),
		     strerror(err.sys_errno));
	*ret_pid = sandbox_run_pid(run);
	cr_assert_eq(sandbox_wait(run, &res), 0);
	sandbox_run_free(run);
	return res;
}

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0);
	n = read(fd, buf, size - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	close(fd);
}

static bool reaped(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD;
}

Test(sandbox_prep, runs_the_plan_with_the_umask_of_the_time_of_the_run)
{
	char out[PATH_MAX + 16], text[64];
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	mode_t old = umask(022);
	pid_t pid1, used;
	int fd;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	cr_assert_gt(pid1, 0);
	/* The caller changes its umask after the clone (a shell's `umask`). */
	umask(027);
	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert(sandbox_prep_fits(prep, (p = plan_sh("umask; exit 3", fd))));
	res = run_prepared(p, &prep, &used);
	umask(old);
	close(fd);
	cr_expect_eq(used, pid1, "the prepared pid 1 ran the plan");
	cr_expect_eq(res->exit_code, 3);
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, "0027\n");
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

/* The limits a plan sets for its command (a shell's `ulimit`) travel with
 * the plan to a prepared pid 1 made before them, which stays usable: the
 * caller's own limits did not change. Only the command gets them: one
 * as low as bash runs dash with (4 open files) still runs. */
Test(sandbox_prep, runs_the_plan_with_its_resource_limits)
{
	char out[PATH_MAX + 16], text[128];
	struct rlimit fsize = { 5120, 5120 }, nofile = { 4, 4 }, cpu = { 7, 9 };
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;
	int fd;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	/* dash's builtins only: after ld.so, sh opens no file */
	p = plan_sh("ulimit -f; ulimit -n; ulimit -Ht; ulimit -St", fd);
	cr_assert_eq(sandbox_plan_set_rlimit(p, RLIMIT_FSIZE, &fsize), 0);
	cr_assert_eq(sandbox_plan_set_rlimit(p, RLIMIT_NOFILE, &nofile), 0);
	cr_assert_eq(sandbox_plan_set_rlimit(p, RLIMIT_CPU, &cpu), 0);
	cr_assert_eq(sandbox_plan_set_rlimit(p, 99, &cpu), -EINVAL);
	cr_assert(sandbox_prep_fits(prep, p));
	res = run_prepared(p, &prep, &used);
	close(fd);
	cr_expect_eq(used, pid1, "the prepared pid 1 ran the plan");
	cr_expect_eq(res->exit_code, 0);
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, "10\n4\n9\n7\n");
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

Test(sandbox_prep, holds_none_of_the_callers_fds)
{
	struct pollfd pfd;
	sandbox_prep *prep;
	char c;
	int pp[2];

	cr_assert_eq(pipe2(pp, O_CLOEXEC), 0);
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	/* The caller closes its write end: the reader must see EOF while the
	 * prepared pid 1 (cloned with the pipe open) still waits. */
	close(pp[1]);
	pfd = (struct pollfd){ .fd = pp[0], .events = POLLIN };
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "EOF within 5 s");
	cr_expect_eq(read(pp[0], &c, 1), 0);
	cr_expect_eq(kill(sandbox_prep_pid(prep), 0), 0, "still waiting");
	close(pp[0]);
	sandbox_prep_free(prep);
}

Test(sandbox_prep, signals_sent_while_it_waits_are_dropped)
{
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	usleep(100000); /* past its first steps: the signals are blocked */
	cr_assert_eq(kill(pid1, SIGTERM), 0);
	cr_assert_eq(kill(pid1, SIGINT), 0);
	p = plan_sh("sleep 0.3; exit 5", -1);
	res = run_prepared(p, &prep, &used);
	cr_expect_eq(used, pid1);
	cr_expect_eq(res->exit_code, 5, "not passed on to the command (%d)", res->exit_code);
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

Test(sandbox_prep, a_changed_limit_is_not_reused)
{
	struct rlimit old, low;
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	low = old;
	low.rlim_cur = old.rlim_cur > 200 ? 200 : old.rlim_cur - 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	p = plan_sh("test \"$(ulimit -n)\" = 200 || test \"$(ulimit -n)\" -lt 200", -1);
	cr_expect_not(sandbox_prep_fits(prep, p));
	res = run_prepared(p, &prep, &used);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	cr_expect_neq(used, pid1, "a pid 1 of its own");
	cr_expect(reaped(pid1), "the unused one was ended and reaped");
	cr_expect_eq(res->exit_code, 0, "the run has the caller's new limit");
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

/* Another process lowers the caller's limit (as `prlimit --pid` does);
 * the first and the last of the limits (RLIMIT_CPU, RLIMIT_RTTIME), a soft
 * and a hard one: each makes the prepared pid 1 unusable. */
static void lower_from_outside(int resource, bool hard)
{
	pid_t parent = getpid(), child = fork();

	cr_assert_geq(child, 0);
	if (child == 0) {
		struct rlimit rl;
		if (prlimit(parent, resource, NULL, &rl) < 0)
			_exit(1);
		if (hard) {
			rl.rlim_max = rl.rlim_max == RLIM_INFINITY ? 1000000 : rl.rlim_max - 1;
			if (rl.rlim_cur > rl.rlim_max)
				rl.rlim_cur = rl.rlim_max;
		} else {
			rl.rlim_cur = rl.rlim_cur == RLIM_INFINITY ? 1000000 : rl.rlim_cur - 1;
		}
		_exit(prlimit(parent, resource, &rl, NULL) < 0 ? 2 : 0);
	}
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "prlimit from outside failed");
}

Test(sandbox_prep, a_limit_changed_from_outside_is_not_reused)
{
	static const struct {
		int resource;
		bool hard;
	} cases[] = {
		{ RLIMIT_CPU, false },
		{ RLIMIT_RTTIME, false },
		{ RLIMIT_RTTIME, true },
		{ RLIMIT_NOFILE, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rlimit old;
		sandbox_prep *prep;
		sandbox_plan *p = plan_sh("exit 0", -1);

		cr_assert_eq(getrlimit(cases[i].resource, &old), 0);
		cr_assert_eq(sandbox_prep_new(false, &prep), 0);
		cr_expect(sandbox_prep_fits(prep, p), "case %zu: fits before the change", i);
		lower_from_outside(cases[i].resource, cases[i].hard);
		cr_expect_not(sandbox_prep_fits(prep, p), "case %zu: a limit lowered from outside",
			      i);
		sandbox_prep_free(prep);
		sandbox_plan_free(p);
		/* a lowered hard limit cannot be raised again without
		 * CAP_SYS_RESOURCE; the soft one is put back where it can be */
		if (setrlimit(cases[i].resource, &old) < 0) {
			struct rlimit now;
			cr_assert_eq(getrlimit(cases[i].resource, &now), 0);
			now.rlim_cur = old.rlim_cur < now.rlim_max ? old.rlim_cur : now.rlim_max;
			(void)setrlimit(cases[i].resource, &now);
		}
	}
}

Test(sandbox_prep, a_changed_cpu_affinity_is_not_reused)
{
	cpu_set_t old, one;
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;

	cr_assert_eq(sched_getaffinity(0, sizeof(old), &old), 0);
	if (CPU_COUNT(&old) < 2)
		cr_skip_test("one CPU: no other affinity to set");
	int first = 0;
	while (!CPU_ISSET(first, &old))
		first++;
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	p = plan_sh("test \"$(nproc)\" = 1", -1);
	cr_expect_not(sandbox_prep_fits(prep, p));
	res = run_prepared(p, &prep, &used);
	cr_assert_eq(sched_setaffinity(0, sizeof(old), &old), 0);
	cr_expect_neq(used, pid1, "a pid 1 of its own");
	cr_expect_eq(res->exit_code, 0, "the run has the caller's new CPU affinity (nproc)");
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

Test(sandbox_prep, a_network_plan_gets_its_own)
{
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	p = plan_sh("exit 0", -1);
	sandbox_plan_set_network(p, true);
	cr_expect_not(sandbox_prep_fits(prep, p));
	res = run_prepared(p, &prep, &used);
	cr_expect_neq(used, pid1);
	cr_expect(reaped(pid1));
	cr_expect_eq(res->exit_code, 0);
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

Test(sandbox_prep, a_forked_copy_neither_uses_nor_ends_it)
{
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used, child;
	int st;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	p = plan_sh("exit 0", -1);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		bool fits = sandbox_prep_fits(prep, p);

		sandbox_prep_free(prep);
		_exit(fits ? 1 : 0);
	}
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "not usable in the child");
	cr_expect(sandbox_prep_fits(prep, p));
	res = run_prepared(p, &prep, &used);
	cr_expect_eq(used, pid1, "still the parent's to use");
	cr_expect_eq(res->exit_code, 0);
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

/* A mount made in the caller's namespace after the clone is not in pid 1's
 * copy: the prepared sandbox must not be used. Root only (in a mount
 * namespace of the test's own, so the host is left alone). */
/* For the mount tests (root only): a mount namespace of the test's own,
 * private, so the host is left alone, and an empty directory in it to
 * mount on. Not under /tmp: the run's /tmp overlay refuses a lower layer
 * with a mount below it (docs/sandbox.md, "Limits"). */
static void private_mount_dir(char dir[64])
{
	if (geteuid() != 0)
		cr_skip_test("needs root to mount");
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	snprintf(dir, 64, "/var/tmp/shark-prep.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

Test(sandbox_prep, a_changed_mount_table_is_not_reused)
{
	char dir[64], out[PATH_MAX + 16], text[64], script[PATH_MAX + 64];
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;
	int fd;

	private_mount_dir(dir);
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), 0);
	snprintf(out, sizeof(out), "%s/mark", dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	snprintf(script, sizeof(script), "test -e '%s/mark' && echo seen", dir);
	p = plan_sh(script, fd);
	cr_expect_not(sandbox_prep_fits(prep, p));
	res = run_prepared(p, &prep, &used);
	close(fd);
	cr_expect_neq(used, pid1);
	cr_expect(reaped(pid1));
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, "seen\n", "the run sees the new mount");
	sandbox_result_free(res);
	sandbox_plan_free(p);
	cr_assert_eq(umount(dir), 0);
	cr_assert_eq(rmdir(dir), 0);
}

/* The mounts no plan decides (the host's tree, /proc, /dev) are built by a
 * prepared pid 1 before it waits for its plan (docs/sandbox.md). Once
 * they are, a mount made or removed in the caller's namespace must still
 * be what the run sees: the stale copy is not used. Root only (in a mount
 * namespace of the test's own). */
static void mount_change_after_build(bool add)
{
	char dir[64], out[PATH_MAX + 16], text[64], script[PATH_MAX + 64];
	struct timespec built = { 0, 300 * 1000 * 1000 };
	sandbox_prep *prep;
	sandbox_plan *p;
	struct sandbox_result *res;
	pid_t pid1, used;
	int fd;

	private_mount_dir(dir);
	if (!add) {
		cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), 0);
		snprintf(out, sizeof(out), "%s/mark", dir);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
	}
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	/* Its mounts take about a millisecond to build. */
	nanosleep(&built, NULL);
	if (add) {
		cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), 0);
		snprintf(out, sizeof(out), "%s/mark", dir);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
	} else {
		cr_assert_eq(umount(dir), 0);
	}
	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	snprintf(script, sizeof(script), "test -e '%s/mark' && echo seen || echo unseen", dir);
	p = plan_sh(script, fd);
	res = run_prepared(p, &prep, &used);
	close(fd);
	cr_expect_neq(used, pid1);
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, add ? "seen\n" : "unseen\n", "the run sees the mounts of its time");
	sandbox_result_free(res);
	sandbox_plan_free(p);
	if (add)
		cr_assert_eq(umount(dir), 0);
	cr_assert_eq(rmdir(dir), 0);
}

Test(sandbox_prep, a_mount_made_after_its_tree_was_built_is_seen)
{
	mount_change_after_build(true);
}

Test(sandbox_prep, a_mount_removed_after_its_tree_was_built_is_gone)
{
	mount_change_after_build(false);
}

/* Run script with at most 100 processes, in *prep (or in a pid 1 cloned
 * for it when NULL), its stdout into the file out. */
static void isolation_probe(const char *script, sandbox_prep **prep, const char *out,
			    pid_t *ret_used)
{
	struct sandbox_limits lim;
	struct sandbox_result *res;
	sandbox_plan *p;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0);
	p = plan_sh(script, fd);
	sandbox_limits_default(&lim);
	lim.max_procs = 100;
	sandbox_plan_set_limits(p, &lim);
	cr_assert(!*prep || sandbox_prep_fits(*prep, p));
	res = run_prepared(p, prep, ret_used);
	close(fd);
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

/* The tree a prepared pid 1 built ahead isolates as one built for its run
 * (docs/sandbox.md, "Isolation"): every mount read-only but the run's own
 * writable ones, /proc's machine-wide parts read-only, nothing added to
 * /dev or changed there, pid_max lowered (when the kernel lets it). The
 * script prints only what is wrong. */
Test(sandbox_prep, its_tree_built_ahead_isolates_as_one_built_for_its_run)
{
	static const char script[] =
		"awk -v ws=\"$PWD\" '$5 != \"/tmp\" && $5 != \"/run\" && $5 != ws && "
		"$5 != \"/dev/shm\" && $5 != \"/proc\" && $6 !~ /^ro/ "
		"{ print \"writable \" $5 }' /proc/self/mountinfo\n"
		"for d in sys sysrq-trigger irq bus fs acpi; do\n"
		"  [ -e /proc/$d ] || continue\n"
		"  awk -v m=/proc/$d '$5 == m && $6 ~ /^ro/ { f = 1 } END { exit !f }' "
		"/proc/self/mountinfo || echo \"unprotected /proc/$d\"\n"
		"done\n"
		/* opened for writing, nothing written: were it writable, a
		 * failing test would not change the host's core_pattern */
		"(: >> /proc/sys/kernel/core_pattern) 2>/dev/null && "
		"echo core_pattern-writable\n"
		"touch /dev/new 2>/dev/null && echo dev-added\n"
		"mkdir /dev/pts 2>/dev/null && echo dev-dir-added\n"
		/* the same mode again, the host's: were the node writable,
		 * a failing test would not change it */
		"chmod \"$(stat -c %a /dev/full)\" /dev/full 2>/dev/null && echo dev-chmod\n"
		"[ -w /etc ] && echo host-writable\n"
		"echo x > /dev/null || echo null-unwritable\n"
		"[ -c /dev/urandom ] && [ -L /dev/fd ] || echo dev-incomplete\n"
		"echo x > /dev/shm/f && echo x > /tmp/f && echo x > /run/f || echo private-unwritable\n"
		"cat /proc/sys/kernel/pid_max\n";
	char out[PATH_MAX + 16], text[4096], fresh[4096];
	struct timespec built = { 0, 100 * 1000 * 1000 };
	sandbox_prep *prep, *none = NULL;
	pid_t pid1, used;

	/* A pid 1 cloned for its run first: all it may print is pid_max
	 * (lowered to 403 where pid_max is per pid namespace, Linux 6.14 on;
	 * the host's elsewhere, docs/sandbox.md). */
	snprintf(out, sizeof(out), "%s/out", top);
	isolation_probe(script, &none, out, &used);
	read_file(out, fresh, sizeof(fresh));
	cr_expect(fresh[0] >= '1' && fresh[0] <= '9' &&
			  strspn(fresh, "0123456789") == strlen(fresh) - 1 &&
			  fresh[strlen(fresh) - 1] == '\n',
		  "what leaked:\n%s", fresh);
	{
		struct utsname u;
		int major = 0, minor = 0;

		cr_assert_eq(uname(&u), 0);
		if (sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
		    (major > 6 || (major == 6 && minor >= 14)))
			cr_expect_str_eq(fresh, "403\n", "pid_max not lowered");
	}
	/* A prepared one, its mounts built before the plan came. */
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	nanosleep(&built, NULL);
	isolation_probe(script, &prep, out, &used);
	cr_expect_eq(used, pid1, "the prepared pid 1 ran the plan");
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, fresh, "what leaked:\n%s", text);
}

/* What the run's own tmpfs mounts and its network look like, from inside:
 * /tmp (the tmpfs and the overlay on it), /run and the writable /dev/shm,
 * each with its flags, type and size; the modes of /run and /dev/shm and
 * whether they are empty; whether lo is up (its address is there only
 * then); the hostname. */
static const char fresh_mounts_script[] =
	"awk '{ split($0, h, \" - \"); split(h[2], f, \" \"); "
	"n = split(f[3], o, \",\"); s = \"\"; "
	"for (i = 1; i <= n; i++) if (o[i] ~ /^(size|mode)=/) s = s \",\" o[i]; "
	"if ($5 == \"/tmp\" || $5 == \"/run\" || ($5 == \"/dev/shm\" && $6 ~ /^rw/)) "
	"print $5, $6, f[1], s }' /proc/self/mountinfo | sort\n"
	"stat -c '%n %a %u' /run /dev/shm\n"
	"ls -A /run /dev/shm\n"
	"grep -q '127.0.0.1' /proc/net/fib_trie && echo lo-up\n"
	"hostname\n";

/* Run fresh_mounts_script with the sizes (bytes; 0: the defaults), with
 * *prep or a pid 1 cloned for the run (*prep NULL), its output into buf. */
static void fresh_mounts(sandbox_prep **prep, uint64_t tmp, uint64_t run, uint64_t shm,
			 char *buf, size_t size)
{
	char out[PATH_MAX + 16];
	struct sandbox_limits lim;
	struct sandbox_result *res;
	sandbox_plan *p;
	pid_t used;
	int fd;

	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	p = plan_sh(fresh_mounts_script, fd);
	sandbox_limits_default(&lim);
	if (tmp) {
		lim.tmp_size = tmp;
		lim.run_size = run;
		lim.shm_size = shm;
	}
	sandbox_plan_set_limits(p, &lim);
	res = run_prepared(p, prep, &used);
	cr_assert_eq(res->exit_code, 0);
	close(fd);
	sandbox_result_free(res);
	sandbox_plan_free(p);
	read_file(out, buf, size);
}

/* A prepared pid 1 makes /tmp's tmpfs, /run's and /dev/shm's and brings
 * lo up before its plan comes (docs/sandbox.md, "Mounts built ahead"):
 * the run sees them as a pid 1 cloned for it makes them, with the sizes
 * of its plan (the defaults, or others: then the ones made ahead are not
 * used), fresh and empty, lo up. */
Test(sandbox_prep, its_tmpfs_mounts_made_ahead_are_the_plans)
{
	static const uint64_t sizes[2][3] = { { 0, 0, 0 }, { 4 << 20, 8 << 20, 16 << 20 } };
	static const char *const expect[2][3] = {
		{ "/dev/shm rw,nosuid,nodev,relatime tmpfs ,size=262144k\n",
		  "/run rw,nosuid,nodev,relatime tmpfs ,size=65536k,mode=755\n",
		  "/tmp rw,nosuid,nodev,relatime tmpfs ,size=2097152k\n" },
		{ "/dev/shm rw,nosuid,nodev,relatime tmpfs ,size=16384k\n",
		  "/run rw,nosuid,nodev,relatime tmpfs ,size=8192k,mode=755\n",
		  "/tmp rw,nosuid,nodev,relatime tmpfs ,size=4096k\n" },
	};
	char fresh[4096], ahead[4096];
	struct timespec built = { 0, 100 * 1000 * 1000 };

	for (int i = 0; i < 2; i++) {
		sandbox_prep *prep, *none = NULL;

		fresh_mounts(&none, sizes[i][0], sizes[i][1], sizes[i][2], fresh, sizeof(fresh));
		for (int j = 0; j < 3; j++)
			cr_expect(strstr(fresh, expect[i][j]), "no %s in:\n%s", expect[i][j], fresh);
		cr_expect(strstr(fresh, "/tmp rw,nosuid,nodev,relatime overlay \n"), "%s", fresh);
		cr_expect(strstr(fresh, "/run 755 "), "%s", fresh);
		cr_expect(strstr(fresh, "/dev/shm 1777 "), "%s", fresh);
		cr_expect(strstr(fresh, "/dev/shm:\n\n/run:\nlo-up\nshark\n"), "%s", fresh);
		cr_assert_eq(sandbox_prep_new(false, &prep), 0);
		nanosleep(&built, NULL);
		fresh_mounts(&prep, sizes[i][0], sizes[i][1], sizes[i][2], ahead, sizeof(ahead));
		cr_expect_str_eq(ahead, fresh);
	}
}

/* A prepared pid 1 starts its tracer thread before its plan comes; the
 * thread takes pid 2, so a traced command is pid 3, as in a pid 1 cloned
 * for its run. An untraced command is pid 2 there too: the thread ends and
 * pid 1 hands its pid on (docs/sandbox.md, "Processes"). Both, several
 * times, prepared and not (a pid 1 started for its run through shark-init
 * takes the same path, its plan sent at once). */
Test(sandbox_prep, its_command_has_the_pid_of_one_cloned_for_its_run)
{
	struct timespec built = { 0, 50 * 1000 * 1000 };
	char out[PATH_MAX + 16], text[64];

	snprintf(out, sizeof(out), "%s/out", top);
	for (int i = 0; i < 6; i++) {
		bool trace = i % 2;
		sandbox_prep *prep = NULL;
		struct sandbox_result *res;
		sandbox_plan *p;
		pid_t used;
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		cr_assert_geq(fd, 0);
		p = plan_sh("echo $$", fd);
		sandbox_plan_set_trace(p, trace);
		if (i >= 2) {
			cr_assert_eq(sandbox_prep_new(false, &prep), 0);
			nanosleep(&built, NULL);
		}
		res = run_prepared(p, &prep, &used);
		cr_assert_eq(res->exit_code, 0);
		close(fd);
		read_file(out, text, sizeof(text));
		cr_expect_str_eq(text, trace ? "3\n" : "2\n", "%s, %s: pid %s",
				 trace ? "traced" : "untraced",
				 i >= 2 ? "prepared" : "cloned for its run", text);
		sandbox_result_free(res);
		sandbox_plan_free(p);
	}
}

Test(sandbox_prep, dropped_unused_it_is_reaped)
{
	sandbox_prep *prep;
	pid_t pid1;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	sandbox_prep_free(prep);
	cr_expect(reaped(pid1));
	sandbox_prep_free(NULL);
}

/* sandbox_wait returns on pid 1's "ended" message, before pid 1's own exit
 * (the namespaces' teardown): by then every other process of the run must
 * be dead, so nothing writes the workspace's upper layer any more, and
 * pid 1 is reaped later. */
Test(sandbox_prep, nothing_of_a_run_outlives_its_wait)
{
	char upper[PATH_MAX + 64], late[PATH_MAX + 80];
	sandbox_prep *prep = NULL;
	sandbox_plan *p;
	struct sandbox_result *res;
	struct stat st;
	pid_t pid1, other;

	off_t size;

	p = plan_sh("(while :; do echo x; done >>late.txt) & sleep 0.2; exit 0", -1);
	res = run_prepared(p, &prep, &pid1);
	snprintf(upper, sizeof(upper), "%s/scratch%d/upper", top, n_scratch - 1);
	snprintf(late, sizeof(late), "%s/late.txt", upper);
	cr_assert_eq(stat(late, &st), 0);
	size = st.st_size;
	cr_expect_eq(res->exit_code, 0);
	sandbox_result_free(res);
	usleep(300000);
	cr_assert_eq(stat(late, &st), 0);
	cr_expect_eq(st.st_size, size, "the left-over writer was dead when the wait returned");
	sandbox_plan_free(p);
	/* The next start reaps it. */
	p = plan_sh("exit 0", -1);
	res = run_prepared(p, &prep, &other);
	sandbox_result_free(res);
	sandbox_plan_free(p);
	cr_expect(reaped(pid1), "pid 1 reaped once it had exited");
}

/* ---- the mount part sent ahead (sandbox_prep_mounts) ---- */

/* The mount part is what decides the tree: two plans that differ only in
 * what the command alone needs compare equal; any difference in the tree
 * (a grant, its mode, the scratch dir, tracing, a tmpfs size, the
 * workspace, the host view, the network) does not. */
Test(sandbox_prep, the_mount_part_compares_what_decides_the_tree)
{
	sandbox_plan *a = plan_sh("true", -1), *b = plan_sh("echo other", 1);
	const char *envp[] = { "X=1", NULL };
	char scratch_a[PATH_MAX + 32];
	struct sandbox_limits lim;

	snprintf(scratch_a, sizeof(scratch_a), "%s/scratch%d", top, n_scratch - 2);
	cr_assert_eq(sandbox_plan_set_scratch(b, scratch_a), 0);
	/* the run part: argv (above), env, cwd, stdio, pgid, timeout, memory */
	cr_assert_eq(sandbox_plan_set_envp(b, envp), 0);
	cr_assert_eq(sandbox_plan_set_cwd(b, top), 0);
	cr_assert_eq(sandbox_plan_set_process_group(b, 0), 0);
	sandbox_limits_default(&lim);
	lim.timeout_ms = 5000;
	lim.max_memory = 1u << 30;
	sandbox_plan_set_limits(b, &lim);
	cr_expect(sandbox_plan_mounts_equal(a, b), "only the run part differs");

	cr_assert_eq(sandbox_plan_add_path(b, "/opt", SANDBOX_PATH_WRITABLE), 0);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "a grant");
	cr_assert_eq(sandbox_plan_add_path(a, "/opt", SANDBOX_PATH_READONLY), 0);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "a grant's mode");
	sandbox_plan_free(a);
	a = plan_sh("true", -1);
	sandbox_plan_free(b);
	b = plan_sh("true", -1);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "another scratch dir");
	snprintf(scratch_a, sizeof(scratch_a), "%s/scratch%d", top, n_scratch - 2);
	cr_assert_eq(sandbox_plan_set_scratch(b, scratch_a), 0);
	cr_assert(sandbox_plan_mounts_equal(a, b));
	sandbox_plan_set_trace(a, false);
	sandbox_plan_set_trace(b, true);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "traced");
	sandbox_plan_set_trace(b, false);
	sandbox_plan_set_host_view(b, true);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "the host view");
	sandbox_plan_set_host_view(b, false);
	sandbox_plan_set_network(b, true);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "the network");
	sandbox_plan_set_network(b, false);
	sandbox_limits_default(&lim);
	lim.tmp_size = 1u << 20;
	sandbox_plan_set_limits(b, &lim);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "the /tmp size");
	sandbox_limits_default(&lim);
	sandbox_plan_set_limits(a, &lim);
	sandbox_plan_set_limits(b, &lim);
	cr_assert(sandbox_plan_mounts_equal(a, b));
	cr_assert_eq(sandbox_plan_set_workspace(b, top), 0);
	cr_expect_not(sandbox_plan_mounts_equal(a, b), "another workspace");
	sandbox_plan_free(a);
	sandbox_plan_free(b);
}

/* A plan for the run in the tree built ahead from pred: same scratch dir. */
static sandbox_plan *plan_like(const sandbox_plan *pred, int pred_scratch, const char *script,
			       int out)
{
	char scratch[PATH_MAX + 32];
	sandbox_plan *p = plan_sh(script, out);

	(void)pred;
	snprintf(scratch, sizeof(scratch), "%s/scratch%d", top, pred_scratch);
	cr_assert_eq(sandbox_plan_set_scratch(p, scratch), 0);
	return p;
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The tree is built while the caller still waits for another run; the
 * host's workspace changes after (files made, changed, removed, a new
 * directory): the command run in the tree sees the workspace as it is at
 * its run, and runs in the prepared pid 1. */
Test(sandbox_prep, its_tree_built_ahead_shows_the_workspace_as_it_is_at_the_run)
{
	struct timespec built = { 0, 200 * 1000 * 1000 };
	char out[PATH_MAX + 16], text[256], sub[PATH_MAX + 16], gone[PATH_MAX + 32];
	sandbox_prep *prep;
	sandbox_plan *pred, *p;
	struct sandbox_result *res;
	int fd, pred_scratch;
	pid_t pid1, used;

	write_text(ws, "gone.txt", "bye\n");
	write_text(ws, "changed.txt", "old\n");
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	pred_scratch = n_scratch;
	pred = plan_sh("true", -1);
	cr_assert_eq(sandbox_prep_mounts(prep, pred), 0);
	cr_expect_eq(sandbox_prep_mounts(prep, pred), -EALREADY);
	nanosleep(&built, NULL);
	/* what the previous command's effects do to the host's workspace */
	write_text(ws, "new.txt", "new\n");
	write_text(ws, "changed.txt", "old\nmore\n");
	snprintf(sub, sizeof(sub), "%s/sub", ws);
	cr_assert_eq(mkdir(sub, 0755), 0);
	write_text(sub, "f", "deep\n");
	snprintf(gone, sizeof(gone), "%s/gone.txt", ws);
	cr_assert_eq(unlink(gone), 0);

	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	p = plan_like(pred, pred_scratch, "cat new.txt sub/f changed.txt; ls; test -e gone.txt; echo $?",
		      fd);
	res = run_prepared(p, &prep, &used);
	close(fd);
	cr_expect_eq(used, pid1, "the prepared pid 1, with its tree, ran the plan");
	cr_expect_eq(res->exit_code, 0);
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, "new\ndeep\nold\nmore\nchanged.txt\nnew.txt\nsub\n1\n");
	sandbox_result_free(res);
	sandbox_plan_free(p);
	sandbox_plan_free(pred);
}

/* A plan whose mount part differs from the one sent ahead (a writable
 * grant added) does not run in that tree: its own tree has the grant. */
Test(sandbox_prep, a_plan_with_another_mount_part_does_not_use_the_tree)
{
	struct timespec built = { 0, 200 * 1000 * 1000 };
	char grant[PATH_MAX + 16], script[PATH_MAX * 2], file[PATH_MAX + 48], text[64];
	sandbox_prep *prep;
	sandbox_plan *pred, *p;
	struct sandbox_result *res;
	int pred_scratch;
	pid_t pid1, used;

	snprintf(grant, sizeof(grant), "%s/grant", top);
	cr_assert_eq(mkdir(grant, 0755), 0);
	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	pred_scratch = n_scratch;
	pred = plan_sh("true", -1);
	cr_assert_eq(sandbox_prep_mounts(prep, pred), 0);
	nanosleep(&built, NULL);
	snprintf(script, sizeof(script), "echo granted > %s/f", grant);
	p = plan_like(pred, pred_scratch, script, -1);
	cr_assert_eq(sandbox_plan_add_path(p, grant, SANDBOX_PATH_WRITABLE), 0);
	res = run_prepared(p, &prep, &used);
	cr_expect_neq(used, pid1, "not the prepared pid 1");
	cr_expect(reaped(pid1), "the prepared pid 1 was ended");
	cr_expect_eq(res->exit_code, 0);
	snprintf(file, sizeof(file), "%s/f", grant);
	read_file(file, text, sizeof(text));
	cr_expect_str_eq(text, "granted\n");
	sandbox_result_free(res);
	sandbox_plan_free(p);
	sandbox_plan_free(pred);
}

/* An interactive plan (its /dev holds its terminal) and a plan with its
 * scratch dir in the workspace (mounting there would look inside the
 * workspace overlay) get no tree ahead; the prepared sandbox stays usable. */
Test(sandbox_prep, no_tree_ahead_for_an_interactive_plan_or_one_inside_the_workspace)
{
	char scratch[PATH_MAX + 32];
	sandbox_prep *prep;
	sandbox_plan *p = plan_sh("true", -1);
	struct sandbox_result *res;
	pid_t pid1, used;

	cr_assert_eq(sandbox_prep_new(false, &prep), 0);
	pid1 = sandbox_prep_pid(prep);
	sandbox_plan_set_interactive(p, true);
	cr_expect_eq(sandbox_prep_mounts(prep, p), -ENOTSUP);
	sandbox_plan_set_interactive(p, false);
	snprintf(scratch, sizeof(scratch), "%s/scratch-in", ws);
	cr_assert_eq(mkdir(scratch, 0700), 0);
	cr_assert_eq(sandbox_plan_set_scratch(p, scratch), 0);
	cr_expect_eq(sandbox_prep_mounts(prep, p), -ENOTSUP);
	sandbox_plan_free(p);
	p = plan_sh("exit 4", -1);
	res = run_prepared(p, &prep, &used);
	cr_expect_eq(used, pid1);
	cr_expect_eq(res->exit_code, 4);
	sandbox_result_free(res);
	sandbox_plan_free(p);
}

/* ---- the zygote (run.c, zygote_start; init_main.c) ---- */

/* pid's /proc/PID/cmdline, NULs as spaces (empty when it is gone or a
 * zombie). */
static void cmdline_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* gone */
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return; /* a zombie's is empty */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
}

/* pid's parent, from /proc/PID/stat (field 4, after the name). */
static pid_t parent_of(pid_t pid)
{
	char path[64], line[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	read_file(path, line, sizeof(line));
	p = strrchr(line, ')');
	cr_assert_not_null(p);
	return (pid_t)strtol(p + 4, NULL, 10);
}

/* The zygote among this process's children (0: none): shark-init run as
 * a zygote (its command line) in our pid namespace (its clones, pid 1s,
 * have its command line too, in namespaces of their own). Its command
 * line may not be readable yet just after its spawn (the spawn returns
 * once its exec has dropped our memory, before the new stack is set up):
 * see zygote_pid. */
static pid_t zygote_pid_now(void)
{
	char path[64], kids[1024], text[2048], *save = NULL;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	read_file(path, kids, sizeof(kids));
	for (char *k = strtok_r(kids, " \n", &save); k; k = strtok_r(NULL, " \n", &save)) {
		char *ns;
		int levels = 0;

		cmdline_of((pid_t)atoi(k), text, sizeof(text));
		if (strcmp(text, "shark-init zygote ") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", k);
		read_file(path, text, sizeof(text));
		ns = strstr(text, "\nNSpid:");
		cr_assert_not_null(ns);
		ns[strcspn(ns + 1, "\n") + 1] = '\0';
		for (char *save2 = NULL, *f = strtok_r(ns + 7, " \t", &save2); f;
		     f = strtok_r(NULL, " \t", &save2))
			levels++;
		if (levels == 1)
			return (pid_t)atoi(k);
	}
	return 0;
}

static pid_t zygote_pid(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pid_t z = 0;

	for (int i = 0; i < 100 && !(z = zygote_pid_now()); i++)
		nanosleep(&tick, NULL);
	return z;
}

/* A prepared pid 1 made now; whether it came from a zygote (its command
 * line is the zygote's: it was cloned, not exec'd), asserting it is this
 * process's child either way. */
static bool prep_cloned_by_zygote(sandbox_prep **ret)
{
	sandbox_plan *p = plan_sh("exit 0", -1);
	char cmd[256];
	pid_t pid;

	cr_assert_eq(sandbox_prep_new(false, ret), 0);
	pid = sandbox_prep_pid(*ret);
	cr_assert(sandbox_prep_fits(*ret, p), "usable (its exec settled)");
	sandbox_plan_free(p);
	cr_expect_eq(parent_of(pid), getpid(), "pid 1 %d is our child", (int)pid);
	cmdline_of(pid, cmd, sizeof(cmd));
	return strstr(cmd, "zygote") != NULL;
}

/* From the process's second prepared pid 1 on, a zygote is spawned, and
 * the later pid 1s are cloned by it (not exec'd), still our children,
 * and run their plans as any pid 1 (here with a process group set, which
 * an exec'd prepared pid 1 cannot take). */
Test(sandbox_prep, later_ones_are_cloned_by_a_zygote_as_our_children)
{
	char out[PATH_MAX + 16], text[64];
	sandbox_prep *prep[4];
	struct sandbox_result *res;
	sandbox_plan *p;
	pid_t used, z;
	int fd;

	cr_expect_not(prep_cloned_by_zygote(&prep[0]), "the first is exec'd");
	cr_expect_eq(zygote_pid_now(), 0, "no zygote for a process's first");
	cr_expect_not(prep_cloned_by_zygote(&prep[1]), "the second is exec'd");
	z = zygote_pid();
	cr_assert_gt(z, 0, "a zygote spawned at the second");
	cr_expect(prep_cloned_by_zygote(&prep[2]), "the third is the zygote's clone");
	cr_expect(prep_cloned_by_zygote(&prep[3]), "and the fourth");
	snprintf(out, sizeof(out), "%s/out", top);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	p = plan_sh("echo $$; cat /proc/1/comm", fd);
	cr_assert_eq(sandbox_plan_set_process_group(p, 0), 0);
	cr_expect(sandbox_prep_fits(prep[2], p), "a process group can be set: never exec'd");
	res = run_prepared(p, &prep[2], &used);
	close(fd);
	cr_expect_eq(res->exit_code, 0);
	read_file(out, text, sizeof(text));
	cr_expect_str_eq(text, "3\nshark-init\n", "traced: the command is pid 3");
	cr_expect_eq(getpgid(used) < 0 || getpgid(used) == used, true);
	sandbox_result_free(res);
	sandbox_plan_free(p);
	for (int i = 0; i < 4; i++)
		sandbox_prep_free(prep[i]);
	cr_expect_eq(zygote_pid(), z, "the zygote stays");
}

/* A zygote killed from outside: the next pid 1 is exec'd as before, and
 * its run goes on as any. */
Test(sandbox_prep, a_killed_zygote_falls_back)
{
	sandbox_prep *prep[3];
	struct sandbox_result *res;
	sandbox_plan *p;
	pid_t used, z;

	(void)prep_cloned_by_zygote(&prep[0]);
	(void)prep_cloned_by_zygote(&prep[1]);
	z = zygote_pid();
	cr_assert_gt(z, 0);
	cr_assert_eq(kill(z, SIGKILL), 0);
	cr_expect_not(prep_cloned_by_zygote(&prep[2]), "exec'd: the fallback");
	cr_expect(reaped(z), "the dead zygote reaped");
	p = plan_sh("exit 7", -1);
	res = run_prepared(p, &prep[2], &used);
	cr_expect_eq(res->exit_code, 7);
	sandbox_result_free(res);
	sandbox_plan_free(p);
	sandbox_prep_free(prep[0]);
	sandbox_prep_free(prep[1]);
}

/* A forked copy (a subshell, a job) never asks its parent's zygote: its
 * pid 1s would be the parent's children. Its own are its children. */
Test(sandbox_prep, a_forked_copy_never_uses_its_parents_zygote)
{
	sandbox_prep *prep[3];
	pid_t child;
	int st;

	(void)prep_cloned_by_zygote(&prep[0]);
	(void)prep_cloned_by_zygote(&prep[1]);
	cr_assert_gt(zygote_pid(), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		sandbox_prep *mine;
		sandbox_plan *p;
		struct sandbox_result *res;
		pid_t used;
		bool ok;

		n_scratch += 100; /* the parent's next ones are its own */
		p = plan_sh("exit 3", -1);
		ok = !prep_cloned_by_zygote(&mine); /* asserts it is our child */

		res = run_prepared(p, &mine, &used);
		_exit(ok && res->exit_code == 3 ? 0 : 1);
	}
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's own pid 1, exec'd");
	cr_expect(prep_cloned_by_zygote(&prep[2]), "the parent's zygote still serves it");
	for (int i = 0; i < 3; i++)
		sandbox_prep_free(prep[i]);
}

/* The zygote's clones inherit its limits, not the caller's of the moment:
 * once the caller's change, the zygote is not used (its pid 1 would have
 * the old limit). */
Test(sandbox_prep, a_zygote_of_other_limits_is_not_used)
{
	struct rlimit old, low;
	sandbox_prep *prep[3];
	struct sandbox_result *res;
	sandbox_plan *p;
	pid_t used;

	(void)prep_cloned_by_zygote(&prep[0]);
	(void)prep_cloned_by_zygote(&prep[1]);
	cr_assert_gt(zygote_pid(), 0);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = old.rlim_cur > 200 ? 200 : old.rlim_cur - 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cr_expect_not(prep_cloned_by_zygote(&prep[2]), "not the old zygote's clone");
	p = plan_sh("test \"$(ulimit -n)\" = 200 || test \"$(ulimit -n)\" -lt 200", -1);
	res = run_prepared(p, &prep[2], &used);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	cr_expect_eq(res->exit_code, 0, "the run has the caller's new limit");
	sandbox_result_free(res);
	sandbox_plan_free(p);
	sandbox_prep_free(prep[0]);
	sandbox_prep_free(prep[1]);
}
