/* test_sandbox_reaper.c - scratch dirs removed on the background thread
 * (sandbox/reaper.c): a queued dir goes with everything a run leaves in
 * it, the sweep removes only unheld, quiet "run.*" leftovers, a forked
 * child gets a thread of its own, and a recycled dir comes back as a
 * proven skeleton, or is removed. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static void base_dir(char *buf, size_t size)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, size, "%s/test-reaper.XXXXXX", t && *t ? t : "/tmp");
	cr_assert_not_null(mkdtemp(buf));
}

/* A scratch dir as a run leaves it: upper with an output, work with a
 * nested dir, root, the result file. */
static void make_run_dir(const char *path)
{
	char p[4096];
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(p, sizeof(p), "%s/upper", path);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/upper/out.txt", path);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "x\n", 2), 2);
	close(fd);
	snprintf(p, sizeof(p), "%s/work", path);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/work/work", path);
	cr_assert_eq(mkdir(p, 0), 0); /* overlay leaves it mode 0 */
	snprintf(p, sizeof(p), "%s/root", path);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/result", path);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
}

static bool gone_within(const char *path, int ms)
{
	struct stat st;
	for (int i = 0; i < ms; i++) {
		if (lstat(path, &st) < 0)
			return true;
		usleep(1000);
	}
	return false;
}

static void make_old(const char *path)
{
	struct timespec ts[2] = { { time(NULL) - 120, 0 }, { time(NULL) - 120, 0 } };
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

Test(sandbox_reaper, queued_dir_is_removed_and_hold_closed)
{
	char base[4096], run[4200];
	base_dir(base, sizeof(base));
	snprintf(run, sizeof(run), "%s/run.a", base);
	make_run_dir(run);
	int hold = open(run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(hold, 0);
	cr_assert_eq(flock(hold, LOCK_SH), 0);
	cr_assert_eq(sandbox_scratch_remove_async(run, hold), 0);
	cr_assert(gone_within(run, 5000), "the queued scratch dir is still there");
	/* The hold fd was the thread's to close: the number is free again. */
	for (int i = 0; i < 1000 && fcntl(hold, F_GETFD) >= 0; i++)
		usleep(1000);
	cr_expect_lt(fcntl(hold, F_GETFD), 0);
	rmdir(base);
}

Test(sandbox_reaper, sweep_removes_only_unheld_quiet_run_dirs)
{
	char base[4096], old[4200], held[4200], young[4200], other[4200], marker[4200];
	base_dir(base, sizeof(base));
	snprintf(old, sizeof(old), "%s/run.old", base);
	snprintf(held, sizeof(held), "%s/run.held", base);
	snprintf(young, sizeof(young), "%s/run.young", base);
	snprintf(other, sizeof(other), "%s/keep.old", base);
	make_run_dir(old);
	make_run_dir(held);
	make_run_dir(young);
	make_run_dir(other);
	make_old(old);
	make_old(held);
	make_old(other);
	int hold = open(held, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(hold, 0);
	cr_assert_eq(flock(hold, LOCK_SH), 0);

	cr_assert_eq(sandbox_scratch_sweep_async(base), 0);
	cr_assert(gone_within(old, 5000), "an unheld leftover was not swept");
	/* A removal queued behind the sweep marks when the sweep is over. */
	snprintf(marker, sizeof(marker), "%s/marker", base);
	cr_assert_eq(mkdir(marker, 0700), 0);
	cr_assert_eq(sandbox_scratch_remove_async(marker, -1), 0);
	cr_assert(gone_within(marker, 5000));
	struct stat st;
	cr_expect_eq(stat(held, &st), 0, "a held scratch dir was swept");
	cr_expect_eq(stat(young, &st), 0, "a scratch dir being set up was swept");
	cr_expect_eq(stat(other, &st), 0, "a dir not named run.* was swept");
	close(hold);
	/* Queued once per process: a second sweep is a no-op. */
	cr_assert_eq(sandbox_scratch_sweep_async(base), 0);
	usleep(100000);
	cr_expect_eq(stat(held, &st), 0);
	sandbox_scratch_cleanup(held);
	sandbox_scratch_cleanup(young);
	sandbox_scratch_cleanup(other);
	rmdir(held);
	rmdir(young);
	rmdir(other);
	rmdir(base);
}

Test(sandbox_reaper, forked_child_has_its_own_thread)
{
	char base[4096], a[4200], b[4200];
	base_dir(base, sizeof(base));
	snprintf(a, sizeof(a), "%s/run.parent", base);
	snprintf(b, sizeof(b), "%s/run.child", base);
	make_run_dir(a);
	make_run_dir(b);
	cr_assert_eq(sandbox_scratch_remove_async(a, -1), 0); /* parent's thread */
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* No thread was inherited: this must start one, or the dir
		 * would never go. */
		if (sandbox_scratch_remove_async(b, -1) != 0)
			_exit(2);
		_exit(gone_within(b, 5000) ? 0 : 1);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	cr_expect(gone_within(a, 5000));
	rmdir(base);
}

Test(sandbox_reaper, never_follows_a_symlink_out)
{
	char base[4096], run[4200], target[4200], file[4300], link[4300];
	base_dir(base, sizeof(base));
	snprintf(run, sizeof(run), "%s/run.link", base);
	snprintf(target, sizeof(target), "%s/precious", base);
	snprintf(file, sizeof(file), "%s/keep.txt", target);
	make_run_dir(run);
	cr_assert_eq(mkdir(target, 0700), 0);
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	/* A command's output may be a symlink to anywhere. */
	snprintf(link, sizeof(link), "%s/upper/escape", run);
	cr_assert_eq(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/work/escape", run);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(sandbox_scratch_remove_async(run, -1), 0);
	cr_assert(gone_within(run, 5000));
	struct stat st;
	cr_expect_eq(stat(file, &st), 0, "the reaper followed a symlink out of the scratch dir");
	unlink(file);
	rmdir(target);
	rmdir(base);
}

Test(sandbox_reaper, sweep_is_bounded_per_process)
{
	char base[4096], run[4200], marker[4200];
	base_dir(base, sizeof(base));
	for (int i = 0; i < 10; i++) {
		snprintf(run, sizeof(run), "%s/run.%d", base, i);
		make_run_dir(run);
		make_old(run);
	}
	cr_assert_eq(sandbox_scratch_sweep_async(base), 0);
	snprintf(marker, sizeof(marker), "%s/marker", base);
	cr_assert_eq(mkdir(marker, 0700), 0);
	cr_assert_eq(sandbox_scratch_remove_async(marker, -1), 0);
	cr_assert(gone_within(marker, 10000));
	int left = 0;
	struct stat st;
	for (int i = 0; i < 10; i++) {
		snprintf(run, sizeof(run), "%s/run.%d", base, i);
		if (stat(run, &st) == 0) {
			left++;
			sandbox_scratch_cleanup(run);
			rmdir(run);
		}
	}
	cr_expect_eq(left, 2, "%d of 10 leftovers stayed, expected 2 (8 swept)", left);
	rmdir(base);
}

/* Wait for this process's next finished recycling (sandbox_scratch_recycled). */
static bool recycled_within(char *buf, size_t size, bool *ok, int ms)
{
	for (int i = 0; i < ms; i++) {
		int r = sandbox_scratch_recycled(buf, size, ok);
		cr_assert_geq(r, 0);
		if (r == 1)
			return true;
		usleep(1000);
	}
	return false;
}

static char *entries(const char *path)
{
	static char list[4096];
	char cmd[4400];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | tr '\\n' ' '", path);
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f);
	size_t n = fread(list, 1, sizeof(list) - 1, f);
	list[n] = '\0';
	pclose(f);
	return list;
}

Test(sandbox_reaper, recycled_dir_is_a_skeleton_again)
{
	char base[4096], run[4200], p[4300], got[4200];
	bool ok = false;
	base_dir(base, sizeof(base));
	snprintf(run, sizeof(run), "%s/run.r", base);
	make_run_dir(run);
	/* a result with content, the /tmp layer's copy, work/work's volatile dirs */
	snprintf(p, sizeof(p), "%s/result", run);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	cr_assert_eq(write(fd, "SBXR", 4), 4);
	close(fd);
	snprintf(p, sizeof(p), "%s/tmp-upper", run);
	cr_assert_eq(mkdir(p, 01777), 0);
	snprintf(p, sizeof(p), "%s/work/work", run);
	cr_assert_eq(chmod(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/work/work/incompat", run);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/work/work/incompat/volatile", run);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/work/work", run);
	cr_assert_eq(chmod(p, 0), 0);
	cr_assert_eq(sandbox_scratch_recycle_async(run, 0), 0);
	cr_assert(recycled_within(got, sizeof(got), &ok, 5000), "no recycling reported");
	cr_assert_str_eq(got, run);
	cr_assert(ok, "the dir was not proven a skeleton");
	cr_assert_str_eq(entries(run), "result root work ");
	snprintf(p, sizeof(p), "%s/work", run);
	cr_assert_str_eq(entries(p), "");
	struct stat st;
	snprintf(p, sizeof(p), "%s/result", run);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, 0);
}

/* What a skeleton may not keep: a file it cannot account for, an
 * extended attribute, another mode: not proven, so removed. */
Test(sandbox_reaper, unprovable_dirs_are_removed_not_recycled)
{
	static const char *const cases[] = { "extra", "xattr", "mode" };
	for (size_t c = 0; c < 3; c++) {
		char base[4096], run[4200], p[4300], got[4200];
		bool ok = true;
		base_dir(base, sizeof(base));
		snprintf(run, sizeof(run), "%s/run.%zu", base, c);
		make_run_dir(run);
		if (c == 0) {
			snprintf(p, sizeof(p), "%s/leftover", run);
			cr_assert_eq(mkdir(p, 0700), 0);
		} else if (c == 1) {
			snprintf(p, sizeof(p), "%s/root", run);
			cr_assert_eq(setxattr(p, "user.left", "1", 1, 0), 0);
		} else {
			snprintf(p, sizeof(p), "%s/work", run);
			cr_assert_eq(chmod(p, 0755), 0);
		}
		cr_assert_eq(sandbox_scratch_recycle_async(run, 0), 0);
		cr_assert(recycled_within(got, sizeof(got), &ok, 5000), "%s: no report", cases[c]);
		cr_assert_not(ok, "%s: a dir with a leftover was proven a skeleton", cases[c]);
		/* (a name a run never leaves is left to gc, with its dir) */
		if (c > 0)
			cr_assert(gone_within(run, 5000), "%s: the unprovable dir was not removed",
				  cases[c]);
	}
}

/* A recycling waits for the run's pid 1 to have exited. */
Test(sandbox_reaper, recycling_waits_for_pid1)
{
	char base[4096], run[4200], got[4200];
	bool ok = false;
	base_dir(base, sizeof(base));
	snprintf(run, sizeof(run), "%s/run.w", base);
	make_run_dir(run);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		usleep(300000);
		_exit(0);
	}
	cr_assert_eq(sandbox_scratch_recycle_async(run, pid), 0);
	int r = sandbox_scratch_recycled(got, sizeof(got), &ok);
	usleep(100000);
	r += sandbox_scratch_recycled(got, sizeof(got), &ok);
	cr_assert_eq(r, 0, "reported while pid 1 was alive");
	cr_assert(recycled_within(got, sizeof(got), &ok, 5000), "no report after pid 1 exited");
	cr_assert(ok);
	waitpid(pid, NULL, 0);
}

/* A forked child is told nothing of its parent's recyclings. */
Test(sandbox_reaper, child_sees_none_of_the_parents_recyclings)
{
	char base[4096], run[4200], got[4200];
	bool ok = false;
	base_dir(base, sizeof(base));
	snprintf(run, sizeof(run), "%s/run.c", base);
	make_run_dir(run);
	cr_assert_eq(sandbox_scratch_recycle_async(run, 0), 0);
	usleep(300000); /* finished by now, not collected */
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(sandbox_scratch_recycled(got, sizeof(got), &ok) == 0 ? 0 : 1);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child was told of its parent's");
	cr_assert(recycled_within(got, sizeof(got), &ok, 5000));
	cr_assert(ok);
}
