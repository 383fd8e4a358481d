/* test_sandbox_reaper.c - scratch dirs removed on the background thread
 * (sandbox/reaper.c): a queued dir goes with everything a run leaves in
 * it, the sweep removes only unheld, quiet "run.*" leftovers, and a forked
 * child gets a thread of its own. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
	for (int i = 0; i < 6; i++) {
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
	for (int i = 0; i < 6; i++) {
		snprintf(run, sizeof(run), "%s/run.%d", base, i);
		if (stat(run, &st) == 0) {
			left++;
			sandbox_scratch_cleanup(run);
			rmdir(run);
		}
	}
	cr_expect_eq(left, 2, "%d of 6 leftovers stayed, expected 2 (4 swept)", left);
	rmdir(base);
}
