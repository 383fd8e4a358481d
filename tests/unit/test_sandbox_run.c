/* test_sandbox_run.c - running plans through the library: exit statuses,
 * observed accesses, effects, concurrent runs, set-up errors. Runs as root
 * and as an unprivileged user. */
#include "sandbox/sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[PATH_MAX], ws[PATH_MAX + 8];
static int n_scratch;

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
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

TestSuite(sandbox_run, .init = setup, .fini = teardown, .timeout = 60);

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX * 2];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", ws, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A plan for sh -c SCRIPT in the workspace, with a fresh scratch dir. */
static sandbox_plan *plan_sh(const char *script, char *scratch, size_t size)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	const char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	sandbox_plan *p;

	snprintf(scratch, size, "%s/scratch%d", top, n_scratch++);
	cr_assert_eq(mkdir(scratch, 0700), 0);
	cr_assert_eq(sandbox_plan_new(&p), 0);
	cr_assert_eq(sandbox_plan_set_argv(p, argv), 0);
	cr_assert_eq(sandbox_plan_set_envp(p, envp), 0);
	cr_assert_eq(sandbox_plan_set_cwd(p, ws), 0);
	cr_assert_eq(sandbox_plan_set_workspace(p, ws), 0);
	cr_assert_eq(sandbox_plan_set_scratch(p, scratch), 0);
	return p;
}

static struct sandbox_result *run_sh(const char *script, char *scratch,
				     size_t size)
{
	struct sandbox_result *res;
	struct sandbox_error err = { 0 };
	sandbox_plan *p = plan_sh(script, scratch, size);
	sandbox_run *run;
	int r;

	r = sandbox_start(p, &run, &err);
	cr_assert_eq(r, 0, "start: %s: %s (%s)", err.step, sandbox_strerror(r),
		     strerror(err.sys_errno));
	cr_assert_gt(sandbox_run_pid(run), 0);
	cr_assert_eq(sandbox_wait(run, &res), 0);
	cr_expect_eq(sandbox_wait(run, &res), SANDBOX_E_STATE);
	sandbox_run_free(run);
	sandbox_plan_free(p);
	return res;
}

static unsigned kinds_of(const struct sandbox_result *r, const char *path)
{
	for (size_t i = 0; i < r->n_accesses; i++)
		if (strcmp(r->accesses[i].path, path) == 0)
			return r->accesses[i].kinds;
	return 0;
}

/* kinds_of for name in the workspace. */
static unsigned ws_kinds(const struct sandbox_result *r, const char *name)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", ws, name);
	return kinds_of(r, p);
}

Test(sandbox_run, exit_status_conventions)
{
	static const struct {
		const char *script;
		int code, sig;
	} cases[] = {
		{ "exit 0", 0, 0 },
		{ "exit 3", 3, 0 },
		{ "kill -TERM $$", 143, SIGTERM },
		{ "kill -KILL $$", 137, SIGKILL },
		{ "exec /nonexistent/cmd", 127, 0 },
	};
	char scratch[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sandbox_result *r = run_sh(cases[i].script, scratch,
						  sizeof(scratch));

		cr_expect_eq(r->exit_code, cases[i].code, "%s", cases[i].script);
		cr_expect_eq(r->term_signal, cases[i].sig, "%s", cases[i].script);
		sandbox_result_free(r);
		cr_expect_eq(sandbox_scratch_cleanup(scratch), 0);
	}
}

Test(sandbox_run, missing_and_unexecutable_commands)
{
	const char *argv_missing[] = { "no-such-command-xyz", NULL };
	char path[PATH_MAX * 2], scratch[PATH_MAX + 32];
	const char *argv_noexec[] = { path, NULL };
	const char *const *argvs[] = { argv_missing, argv_noexec };
	const int codes[] = { 127, 126 };
	const int errs[] = { ENOENT, EACCES };

	snprintf(path, sizeof(path), "%s/noexec", ws);
	put("noexec", "#!/bin/sh\n", 0644);
	for (int i = 0; i < 2; i++) {
		sandbox_plan *p = plan_sh("", scratch, sizeof(scratch));
		struct sandbox_result *r;
		sandbox_run *run;

		cr_assert_eq(sandbox_plan_set_argv(p, argvs[i]), 0);
		cr_assert_eq(sandbox_start(p, &run, NULL), 0);
		cr_assert_eq(sandbox_wait(run, &r), 0);
		cr_expect_eq(r->exit_code, codes[i]);
		cr_expect_eq(r->exec_errno, errs[i]);
		sandbox_result_free(r);
		sandbox_run_free(run);
		sandbox_plan_free(p);
	}
}

Test(sandbox_run, accesses_of_cat_and_children)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	put("in.txt", "data\n", 0644);
	r = run_sh("cat in.txt >/dev/null; sh -c 'test -e missing.txt'; ls >/dev/null",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	cr_expect(ws_kinds(r, "in.txt") & SANDBOX_ACCESS_READ);
	cr_expect(kinds_of(r, "/usr/bin/cat") & SANDBOX_ACCESS_EXEC);
	cr_expect(ws_kinds(r, "missing.txt") & SANDBOX_ACCESS_ABSENT);
	cr_expect(kinds_of(r, ws) & SANDBOX_ACCESS_LIST);
	cr_expect_gt(r->n_notifications, 0);
	cr_expect_eq(r->flags & SANDBOX_RESULT_TRACE_LOST, 0);
	for (size_t i = 1; i < r->n_accesses; i++)
		cr_expect_lt(strcmp(r->accesses[i - 1].path, r->accesses[i].path), 0);
	sandbox_result_free(r);
}

/* Process attributes (filter.c, trace.c): a look at a limit other than the
 * stack's, at the nice value, the CPU set, the scheduling policy or the
 * I/O priority sets its bit in the result;
 * every program's start-up read of the stack limit, and a command that
 * looks at nothing else, set none. /proc/self/limits is a file read like
 * another (the caller decides what it observes). */
Test(sandbox_run, process_attributes_looked_at)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	put("in.txt", "data\n", 0644);
	r = run_sh("cat in.txt >/dev/null; ulimit -s >/dev/null", scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	cr_expect_eq(r->attrs, 0, "attrs %#x", r->attrs);
	sandbox_result_free(r);
	r = run_sh("ulimit -n >/dev/null", scratch, sizeof(scratch));
	cr_expect_eq(r->attrs, SANDBOX_ATTR_RLIMIT(RLIMIT_NOFILE), "attrs %#x", r->attrs);
	sandbox_result_free(r);
	r = run_sh("nice >/dev/null; nproc >/dev/null", scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	cr_expect_eq(r->attrs, SANDBOX_ATTR_NICE | SANDBOX_ATTR_AFFINITY, "attrs %#x", r->attrs);
	sandbox_result_free(r);
	/* util-linux's: sched_getattr (or sched_getscheduler and
	 * sched_getparam), ioprio_get */
	if (access("/usr/bin/chrt", X_OK) == 0 && access("/usr/bin/ionice", X_OK) == 0) {
		r = run_sh("chrt -p $$ >/dev/null && ionice >/dev/null", scratch, sizeof(scratch));
		cr_expect_eq(r->exit_code, 0);
		cr_expect_eq(r->attrs & ~(unsigned)SANDBOX_ATTR_NICE,
			     SANDBOX_ATTR_SCHED | SANDBOX_ATTR_IOPRIO, "attrs %#x", r->attrs);
		sandbox_result_free(r);
	}
	r = run_sh("cat /proc/self/limits >/dev/null", scratch, sizeof(scratch));
	cr_expect_eq(r->attrs, 0, "attrs %#x", r->attrs);
	cr_expect(kinds_of(r, "/proc/self/limits") & SANDBOX_ACCESS_READ);
	sandbox_result_free(r);
}

/* The tracer skips a lookup it has already made for the same call on the
 * same path, but only until a traced call may have changed paths: a file
 * probed absent, then created, then read must be recorded as read, and a
 * directory made where a path was absent as listed. */
Test(sandbox_run, repeated_lookups_see_what_the_command_changed)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	r = run_sh("cat later.txt 2>/dev/null; cat later.txt 2>/dev/null; "
		   "echo x >later.txt; cat later.txt >/dev/null; "
		   "ls d 2>/dev/null; mkdir d; ls d; "
		   "cat viaproc.txt 2>&-; echo x >/proc/self/cwd/viaproc.txt; "
		   "cat viaproc.txt | :; "
		   "exec 3>s.sh; chmod +x s.sh; ./s.sh 2>&-; printf '#!/bin/cat\\n' >&3; "
		   "exec 3>&-; ./s.sh | :",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	cr_expect_eq(ws_kinds(r, "later.txt") &
			     (SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_READ | SANDBOX_ACCESS_WRITE),
		     SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_READ | SANDBOX_ACCESS_WRITE,
		     "kinds %#x", ws_kinds(r, "later.txt"));
	cr_expect_eq(ws_kinds(r, "d") & (SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_LIST),
		     SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_LIST, "kinds %#x",
		     ws_kinds(r, "d"));
	/* written through a /proc path: the tracer records no write for it,
	 * but the read after it is still looked up afresh (no redirection to
	 * /dev/null in between: opening that for writing would bump the
	 * generation anyway) */
	cr_expect(ws_kinds(r, "viaproc.txt") & SANDBOX_ACCESS_READ, "kinds %#x",
		  ws_kinds(r, "viaproc.txt"));
	/* the #! line written through an open fd, untraced: the second exec
	 * of s.sh must find it */
	cr_expect(kinds_of(r, "/bin/cat") & SANDBOX_ACCESS_EXEC, "kinds %#x",
		  kinds_of(r, "/bin/cat"));
	sandbox_result_free(r);
}

/* A hard link's new name is looked up before the link is made: it was
 * absent, which is what a later run must find again. */
Test(sandbox_run, a_new_link_name_is_recorded_absent)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	put("src.txt", "x\n", 0644);
	/* not ln(1), which looks at the name itself first */
	r = run_sh("python3 -c \"import os; os.link('src.txt', 'hard.txt')\"",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	cr_expect_eq(ws_kinds(r, "hard.txt") & (SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_WRITE),
		     SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_WRITE, "kinds %#x",
		     ws_kinds(r, "hard.txt"));
	sandbox_result_free(r);
}

Test(sandbox_run, a_fifo_is_flagged)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	/* a name of its own: the run's /tmp shows the host's, where a file
	 * of that name may be */
	r = run_sh("f=$(mktemp -u /tmp/fifo.XXXXXX) && mkfifo \"$f\" && "
		   "(echo x > \"$f\" &) && cat \"$f\" >/dev/null",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	cr_expect(r->flags & SANDBOX_RESULT_FIFO);
	sandbox_result_free(r);
}

Test(sandbox_run, effects_are_captured_not_applied)
{
	char scratch[PATH_MAX + 32], upper[PATH_MAX + 64];
	struct sandbox_result *r;
	sandbox_effects *fx;
	bool saw_new = false, saw_del = false, saw_link = false;

	put("old.txt", "old", 0644);
	r = run_sh("echo new > new.txt; rm old.txt; ln -s new.txt l; mkdir d",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	sandbox_result_free(r);
	snprintf(upper, sizeof(upper), "%s/upper", scratch);
	cr_assert_eq(sandbox_effects_scan(upper, ws, &fx), 0);
	for (size_t i = 0; i < sandbox_effects_count(fx); i++) {
		const struct sandbox_effect *e = sandbox_effects_get(fx, i);

		if (e->kind == SANDBOX_EFFECT_FILE && strcmp(e->path, "new.txt") == 0) {
			int fd;
			char buf[8] = { 0 };

			saw_new = e->size == 4;
			cr_assert_eq(sandbox_effects_open(fx, i, &fd), 0);
			cr_expect_eq(read(fd, buf, sizeof(buf)), 4);
			cr_expect_str_eq(buf, "new\n");
			close(fd);
		}
		if (e->kind == SANDBOX_EFFECT_DELETE && strcmp(e->path, "old.txt") == 0)
			saw_del = true;
		if (e->kind == SANDBOX_EFFECT_SYMLINK && strcmp(e->path, "l") == 0)
			saw_link = strcmp(e->target, "new.txt") == 0;
	}
	cr_expect(saw_new);
	cr_expect(saw_del);
	cr_expect(saw_link);
	cr_expect_geq(sandbox_effects_upper_fd(fx), 0);
	/* the host workspace is untouched until applied */
	{
		char p[PATH_MAX * 2];

		snprintf(p, sizeof(p), "%s/old.txt", ws);
		cr_expect_eq(access(p, F_OK), 0);
		snprintf(p, sizeof(p), "%s/new.txt", ws);
		cr_expect_neq(access(p, F_OK), 0);
	}
	{
		int ws_fd = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
		char p[PATH_MAX * 2];

		cr_assert_eq(sandbox_effects_apply(fx, ws_fd, NULL, NULL), 0);
		close(ws_fd);
		snprintf(p, sizeof(p), "%s/old.txt", ws);
		cr_expect_neq(access(p, F_OK), 0);
		snprintf(p, sizeof(p), "%s/new.txt", ws);
		cr_expect_eq(access(p, F_OK), 0);
	}
	sandbox_effects_free(fx);
	cr_expect_eq(sandbox_scratch_cleanup(scratch), 0);
}

/* A file rewritten with its own bytes or touched is copied up with a new
 * mtime: a TOUCH effect carrying it (touch -d: the time it names); one
 * only opened for writing keeps the workspace's mtime: no effect; a
 * chmod with a touch gives CHMOD then TOUCH. Applied, the times land. */
Test(sandbox_run, same_bytes_with_a_new_mtime_is_a_touch)
{
	char scratch[PATH_MAX + 32], upper[PATH_MAX + 64], p[PATH_MAX * 2];
	struct sandbox_result *r;
	sandbox_effects *fx;
	bool saw_same = false, saw_d = false, saw_chmod = false, saw_ct = false;
	struct stat st;
	int wfd;

	put("same", "s", 0644);
	put("old", "o", 0644);
	put("rw", "r", 0644);
	put("ct", "c", 0644);
	r = run_sh("cat same > same.n && cat same.n > same && rm same.n && "
		   "touch -d @1557014400 old && exec 3<>rw && chmod 0755 ct && touch ct",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	sandbox_result_free(r);
	snprintf(upper, sizeof(upper), "%s/upper", scratch);
	cr_assert_eq(sandbox_effects_scan(upper, ws, &fx), 0);
	for (size_t i = 0; i < sandbox_effects_count(fx); i++) {
		const struct sandbox_effect *e = sandbox_effects_get(fx, i);

		cr_expect_neq(strcmp(e->path, "rw"), 0, "an open for writing is no effect");
		if (e->kind == SANDBOX_EFFECT_TOUCH && strcmp(e->path, "same") == 0)
			saw_same = true;
		if (e->kind == SANDBOX_EFFECT_TOUCH && strcmp(e->path, "old") == 0)
			saw_d = e->mtime.tv_sec == 1557014400 && e->mtime.tv_nsec == 0;
		if (e->kind == SANDBOX_EFFECT_CHMOD && strcmp(e->path, "ct") == 0)
			saw_chmod = true;
		if (e->kind == SANDBOX_EFFECT_TOUCH && strcmp(e->path, "ct") == 0)
			saw_ct = saw_chmod;
		cr_expect(e->kind == SANDBOX_EFFECT_TOUCH || e->kind == SANDBOX_EFFECT_CHMOD,
			  "%s: kind %d", e->path, e->kind);
	}
	cr_expect(saw_same);
	cr_expect(saw_d);
	cr_expect(saw_ct, "CHMOD then TOUCH for ct");
	wfd = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(sandbox_effects_apply(fx, wfd, NULL, NULL), 0);
	close(wfd);
	snprintf(p, sizeof(p), "%s/old", ws);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mtim.tv_sec, 1557014400);
	snprintf(p, sizeof(p), "%s/ct", ws);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0755);
	sandbox_effects_free(fx);
	cr_expect_eq(sandbox_scratch_cleanup(scratch), 0);
}

Test(sandbox_run, concurrent_runs_as_a_pipeline)
{
	char s1[PATH_MAX + 32], s2[PATH_MAX + 32];
	sandbox_plan *p1 = plan_sh("i=0; while [ $i -lt 3000 ]; do "
				   "test -e /etc/passwd; echo line $i; "
				   "i=$((i+1)); done", s1, sizeof(s1));
	sandbox_plan *p2 = plan_sh("sleep 0.5; wc -l", s2, sizeof(s2));
	struct sandbox_result *r1, *r2;
	sandbox_run *a, *b;
	int pfd[2], out[2];
	char buf[64] = { 0 };

	cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(sandbox_plan_set_stdio(p1, -1, pfd[1], -1), 0);
	cr_assert_eq(sandbox_plan_set_stdio(p2, pfd[0], out[1], -1), 0);
	cr_assert_eq(sandbox_start(p1, &a, NULL), 0);
	cr_assert_eq(sandbox_start(p2, &b, NULL), 0);
	close(pfd[0]);
	close(pfd[1]);
	close(out[1]);
	cr_assert_gt(read(out[0], buf, sizeof(buf) - 1), 0);
	close(out[0]);
	cr_expect_eq(atoi(buf), 3000);
	cr_assert_eq(sandbox_wait(b, &r2), 0);
	cr_assert_eq(sandbox_wait(a, &r1), 0);
	cr_expect_eq(r1->exit_code, 0);
	cr_expect_eq(r2->exit_code, 0);
	cr_expect(kinds_of(r1, "/etc/passwd") & SANDBOX_ACCESS_STAT);
	sandbox_result_free(r1);
	sandbox_result_free(r2);
	sandbox_run_free(a);
	sandbox_run_free(b);
	sandbox_plan_free(p1);
	sandbox_plan_free(p2);
}

Test(sandbox_run, signal_and_reap_by_the_caller)
{
	char scratch[PATH_MAX + 32];
	sandbox_plan *p = plan_sh("sleep 30", scratch, sizeof(scratch));
	struct sandbox_result *r;
	sandbox_run *run;
	int st;

	cr_assert_eq(sandbox_start(p, &run, NULL), 0);
	usleep(100000);
	cr_assert_eq(sandbox_run_signal(run, SIGTERM), 0);
	cr_assert_eq(waitpid(sandbox_run_pid(run), &st, 0), sandbox_run_pid(run));
	cr_assert_eq(sandbox_run_collect(run, st, &r), 0);
	cr_expect_eq(r->exit_code, 128 + SIGTERM);
	cr_expect_eq(sandbox_run_signal(run, SIGTERM), SANDBOX_E_STATE);
	sandbox_result_free(r);
	sandbox_run_free(run);
	sandbox_plan_free(p);
}

/* sandbox_start_begin() does not wait for shark-init's exec (run.c,
 * spawn_init: the child runs on a pooled stack of its own until then).
 * Six starts in a row (more than the pool keeps), ended and waited for
 * out of order; a run waited for without sandbox_start_end(); runs freed
 * right after their begin, whose child is killed and reaped before its
 * stack is reused: afterwards no child of this process is left. */
Test(sandbox_run, starts_whose_exec_is_not_waited_for)
{
	enum { N = 6 };
	char scratch[N][PATH_MAX + 32];
	sandbox_plan *p[N];
	sandbox_run *run[N];
	struct sandbox_result *res;
	struct sandbox_error err = { 0 };
	int r;

	for (int i = 0; i < N; i++) {
		char script[64];

		snprintf(script, sizeof(script), "exit %d", 10 + i);
		p[i] = plan_sh(script, scratch[i], sizeof(scratch[i]));
		r = sandbox_start_begin(p[i], &run[i], &err);
		cr_assert_eq(r, 0, "begin %d: %s: %s", i, err.step, sandbox_strerror(r));
	}
	for (int i = N - 1; i >= 0; i--) {
		if (i == 2)
			continue; /* waited for without its end, below */
		r = sandbox_start_end(run[i], &err);
		cr_assert_eq(r, 0, "end %d: %s: %s", i, err.step, sandbox_strerror(r));
	}
	for (int i = 0; i < N; i++) {
		cr_assert_eq(sandbox_wait(run[i], &res), 0, "wait %d", i);
		cr_expect_eq(res->exit_code, 10 + i);
		sandbox_result_free(res);
		sandbox_run_free(run[i]);
		sandbox_plan_free(p[i]);
	}
	for (int i = 0; i < 20; i++) {
		char sc[PATH_MAX + 32];
		sandbox_plan *q = plan_sh("sleep 30", sc, sizeof(sc));
		sandbox_run *one;

		cr_assert_eq(sandbox_start_begin(q, &one, NULL), 0);
		sandbox_run_free(one);
		(void)sandbox_scratch_cleanup(sc);
		sandbox_plan_free(q);
	}
	/* the pid 1s of ended runs, whose exit was not waited for, end;
	 * one left running (a freed run's, not killed) would hang here */
	while ((r = waitpid(-1, NULL, 0)) > 0 || (r < 0 && errno == EINTR))
		;
	cr_expect(r < 0 && errno == ECHILD, "waitpid: %d", r);
}

/* sandbox_run_end_fd: none before sandbox_start_end() nor after
 * sandbox_wait(); in between it is not readable while the command runs
 * and turns readable once it ended, when sandbox_wait() returns its
 * result (the engine records a pipeline's stage so, run.c relay_loop). */
Test(sandbox_run, the_end_fd_turns_readable_when_the_run_ends)
{
	char scratch[PATH_MAX + 32];
	sandbox_plan *p = plan_sh("read x; exit 7", scratch, sizeof(scratch));
	int in[2];
	sandbox_run *run;
	struct sandbox_result *res;
	struct sandbox_error err = { 0 };

	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(sandbox_plan_set_stdio(p, in[0], -1, -1), 0);
	cr_assert_eq(sandbox_start_begin(p, &run, &err), 0, "%s", err.step);
	close(in[0]);
	cr_expect_eq(sandbox_run_end_fd(run), -1);
	cr_assert_eq(sandbox_start_end(run, &err), 0, "%s", err.step);
	int fd = sandbox_run_end_fd(run);
	cr_assert(fd >= 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	cr_expect_eq(poll(&pfd, 1, 200), 0, "readable while the command runs");
	cr_assert_eq(write(in[1], "x\n", 2), 2);
	close(in[1]);
	cr_expect_eq(poll(&pfd, 1, 10000), 1, "not readable after the command's end");
	cr_assert_eq(sandbox_wait(run, &res), 0);
	cr_expect_eq(res->exit_code, 7);
	cr_expect_eq(sandbox_run_end_fd(run), -1);
	sandbox_result_free(res);
	sandbox_run_free(run);
	sandbox_plan_free(p);
}

Test(sandbox_run, scratch_in_use_and_invalid_plans_fail_early)
{
	char scratch[PATH_MAX + 32], d[PATH_MAX + 64];
	sandbox_plan *p = plan_sh("true", scratch, sizeof(scratch));
	struct sandbox_error err = { 0 };
	sandbox_run *run = NULL;

	snprintf(d, sizeof(d), "%s/upper", scratch);
	cr_assert_eq(mkdir(d, 0700), 0);
	cr_expect_eq(sandbox_start(p, &run, &err), SANDBOX_E_SCRATCH_BUSY);
	cr_expect_eq(err.code, SANDBOX_E_SCRATCH_BUSY);
	cr_expect_null(run);
	cr_assert_eq(sandbox_plan_set_cwd(p, "relative"), 0);
	cr_expect_eq(sandbox_start(p, &run, &err), SANDBOX_E_PLAN_PATH);
	sandbox_plan_free(p);
}

Test(sandbox_run, a_missing_cwd_is_a_setup_error)
{
	char scratch[PATH_MAX + 32], cwd[PATH_MAX * 2];
	sandbox_plan *p = plan_sh("true", scratch, sizeof(scratch));
	struct sandbox_error err = { 0 };
	sandbox_run *run = NULL;

	snprintf(cwd, sizeof(cwd), "%s/nowhere", ws);
	cr_assert_eq(sandbox_plan_set_cwd(p, cwd), 0);
	cr_expect_eq(sandbox_start(p, &run, &err), SANDBOX_E_SETUP);
	cr_expect_eq(err.sys_errno, ENOENT);
	cr_expect_str_eq(err.step, "chdir to the working directory");
	sandbox_plan_free(p);
}

Test(sandbox_run, the_callers_ignored_signals_do_not_leak_in)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	r = run_sh("grep -q '^SigIgn:.0000000000000000$' /proc/self/status && "
		   "grep -q '^SigBlk:.0000000000000000$' /proc/self/status",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0, "the command inherited ignored or "
				      "blocked signals");
	sandbox_result_free(r);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

Test(sandbox_run, capabilities_are_dropped_even_for_root)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *r;

	/* CapAmb and CapInh too: an unprivileged caller's pid 1 holds its
	 * capabilities as ambient ones across its exec (run.c). */
	r = run_sh("grep -q '^CapEff:.0000000000000000$' /proc/self/status && "
		   "grep -q '^CapPrm:.0000000000000000$' /proc/self/status && "
		   "grep -q '^CapInh:.0000000000000000$' /proc/self/status && "
		   "grep -q '^CapAmb:.0000000000000000$' /proc/self/status && "
		   "grep -q '^CapBnd:.0000000000000000$' /proc/self/status && "
		   "grep -q '^NoNewPrivs:.1$' /proc/self/status && "
		   "grep -q '^Seccomp:.2$' /proc/self/status",
		   scratch, sizeof(scratch));
	cr_expect_eq(r->exit_code, 0);
	sandbox_result_free(r);
}

/* pid 1 is shark-init, a small program exec'd from next to the caller
 * (build/<variant>/libexec/shark/shark-init beside tests/ and bin/), not a
 * copy of the caller (whose name and executable it would have). */
Test(sandbox_run, pid_1_is_the_exec_d_init_program)
{
	char scratch[PATH_MAX + 32], path[64], text[PATH_MAX];
	static const char suffix[] = "/libexec/shark/shark-init";
	struct sandbox_error err = { 0 };
	struct sandbox_result *res;
	sandbox_plan *p = plan_sh("read x", scratch, sizeof(scratch));
	sandbox_run *run;
	int in[2], fd, r;
	ssize_t n;

	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(sandbox_plan_set_stdio(p, in[0], -1, -1), 0);
	r = sandbox_start(p, &run, &err);
	cr_assert_eq(r, 0, "start: %s: %s (%s)", err.step, sandbox_strerror(r),
		     strerror(err.sys_errno));
	close(in[0]);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)sandbox_run_pid(run));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	text[n] = '\0';
	cr_expect_str_eq(text, "shark-init\n");
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)sandbox_run_pid(run));
	n = readlink(path, text, sizeof(text) - 1);
	cr_assert_gt(n, 0, "readlink %s: %s", path, strerror(errno));
	text[n] = '\0';
	cr_expect(n > (ssize_t)strlen(suffix) &&
			  strcmp(text + n - strlen(suffix), suffix) == 0,
		  "pid 1 runs %s", text);
	cr_assert_eq(write(in[1], "x\n", 2), 2);
	close(in[1]);
	cr_assert_eq(sandbox_wait(run, &res), 0);
	cr_expect_eq(res->exit_code, 0);
	sandbox_result_free(res);
	sandbox_run_free(run);
	sandbox_plan_free(p);
}

Test(sandbox_run, process_groups_for_job_control)
{
	char s1[PATH_MAX + 32], s2[PATH_MAX + 32];
	sandbox_plan *p1 = plan_sh("sleep 0.3", s1, sizeof(s1));
	sandbox_plan *p2 = plan_sh("sleep 0.3", s2, sizeof(s2));
	struct sandbox_result *r;
	sandbox_run *a, *b;
	pid_t leader;

	cr_assert_eq(sandbox_plan_set_process_group(p1, 0), 0);
	cr_assert_eq(sandbox_start(p1, &a, NULL), 0);
	leader = sandbox_run_pid(a);
	cr_expect_eq(getpgid(leader), leader);
	cr_assert_eq(sandbox_plan_set_process_group(p2, leader), 0);
	cr_assert_eq(sandbox_start(p2, &b, NULL), 0);
	cr_expect_eq(getpgid(sandbox_run_pid(b)), leader);
	/* the whole job, commands included, gets a signal sent to the group */
	cr_assert_eq(kill(-leader, SIGTERM), 0);
	cr_assert_eq(sandbox_wait(a, &r), 0);
	cr_expect_eq(r->exit_code, 128 + SIGTERM);
	sandbox_result_free(r);
	cr_assert_eq(sandbox_wait(b, &r), 0);
	cr_expect_eq(r->exit_code, 128 + SIGTERM);
	sandbox_result_free(r);
	cr_expect_eq(sandbox_plan_set_process_group(p1, -2), -EINVAL);
	sandbox_run_free(a);
	sandbox_run_free(b);
	sandbox_plan_free(p1);
	sandbox_plan_free(p2);
}

static struct sandbox_result *run_plan(sandbox_plan *p)
{
	struct sandbox_result *res;
	struct sandbox_error err = { 0 };
	sandbox_run *run;
	int r = sandbox_start(p, &run, &err);

	cr_assert_eq(r, 0, "start: %s: %s (%s)", err.step, sandbox_strerror(r),
		     strerror(err.sys_errno));
	cr_assert_eq(sandbox_wait(run, &res), 0);
	sandbox_run_free(run);
	return res;
}

Test(sandbox_run, stdio_objects_are_handed_over_read_only)
{
	char scratch[PATH_MAX + 32], host[PATH_MAX + 16], probe[PATH_MAX + 32];
	char file[PATH_MAX + 32];
	struct sandbox_result *res;
	sandbox_plan *p;
	int dfd, ffd;

	/* a host directory on stdin: nothing can be created below it */
	snprintf(host, sizeof(host), "%s/host", top);
	cr_assert_eq(mkdir(host, 0755), 0);
	dfd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dfd, 0);
	p = plan_sh("echo x > /proc/self/fd/0/probe; echo y > /proc/self/fd/0/../probe2", scratch,
		    sizeof(scratch));
	cr_assert_eq(sandbox_plan_set_stdio(p, dfd, -1, -1), 0);
	res = run_plan(p);
	cr_expect_neq(res->exit_code, 0);
	snprintf(probe, sizeof(probe), "%s/probe", host);
	cr_expect_neq(access(probe, F_OK), 0);
	snprintf(probe, sizeof(probe), "%s/probe2", top);
	cr_expect_neq(access(probe, F_OK), 0);
	sandbox_result_free(res);
	sandbox_plan_free(p);
	close(dfd);

	/* a read-only file: not chmod-able, not writable through the fd; its
	 * offset comes back to the caller's fd (sh's read takes one line) */
	snprintf(file, sizeof(file), "%s/ro.txt", host);
	ffd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	cr_assert_geq(ffd, 0);
	cr_assert_eq(write(ffd, "ab\ncd\n", 6), 6);
	close(ffd);
	ffd = open(file, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(ffd, 0);
	p = plan_sh("read l; chmod 0600 /proc/self/fd/0 || echo EVIL >> /proc/self/fd/0",
		    scratch, sizeof(scratch));
	cr_assert_eq(sandbox_plan_set_stdio(p, ffd, -1, -1), 0);
	res = run_plan(p);
	cr_expect_neq(res->exit_code, 0);
	{
		struct stat st;
		char buf[16] = "";

		cr_assert_eq(stat(file, &st), 0);
		cr_expect_eq(st.st_mode & 07777, 0644);
		cr_expect_eq(st.st_size, 6);
		cr_expect_eq(lseek(ffd, 0, SEEK_CUR), 3, "the offset sh's read left");
		cr_expect_eq(pread(ffd, buf, sizeof(buf), 0), 6);
		cr_expect_str_eq(buf, "ab\ncd\n");
	}
	sandbox_result_free(res);
	sandbox_plan_free(p);
	close(ffd);
}

Test(sandbox_run, kill_0_stays_inside_the_run)
{
	char scratch[PATH_MAX + 32];
	struct sandbox_result *res = run_sh("kill -TERM 0; sleep 5", scratch, sizeof(scratch));

	/* we are still here, and the command got its own signal */
	cr_expect_eq(res->exit_code, 128 + SIGTERM);
	sandbox_result_free(res);
}

Test(sandbox_run, the_wall_clock_limit_kills_the_run)
{
	char scratch[PATH_MAX + 32];
	sandbox_plan *p = plan_sh("sleep 5 & sleep 5", scratch, sizeof(scratch));
	struct sandbox_limits l;
	struct sandbox_result *res;

	sandbox_limits_default(&l);
	l.timeout_ms = 300;
	sandbox_plan_set_limits(p, &l);
	res = run_plan(p);
	cr_expect(res->flags & SANDBOX_RESULT_TIMEOUT);
	cr_expect_eq(res->term_signal, SIGKILL);
	cr_expect_lt(res->wall_ns, 3000000000ull);
	sandbox_result_free(res);
	sandbox_plan_free(p);
}
