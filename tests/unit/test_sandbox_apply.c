/* test_sandbox_apply.c - applying effects safely; no privileges needed. */
#include "sandbox/sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[PATH_MAX], ws[PATH_MAX + 8], outside[PATH_MAX + 16];
static int ws_fd = -1;

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/apply.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(top));
	snprintf(ws, sizeof(ws), "%s/ws", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	cr_assert_eq(mkdir(ws, 0755), 0);
	cr_assert_eq(mkdir(outside, 0755), 0);
	ws_fd = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(ws_fd, 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX * 2 + 64];

	close(ws_fd);
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", top, top);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sandbox_apply, .init = setup, .fini = teardown);

static int content(const char *text)
{
	int fd = memfd_create("content", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", ws, rel);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *dir, const char *rel)
{
	static char buf[256];
	char p[PATH_MAX * 2];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static size_t count_entries(const char *dir)
{
	char cmd[PATH_MAX + 64];
	FILE *p;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_eq(fscanf(p, "%zu", &n), 1);
	pclose(p);
	return n;
}

Test(sandbox_apply, file_from_an_fd_with_its_mode)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f",
				    .mode = 0750, .size = 6 };
	int fd = content("hello\n");
	struct stat st;
	char p[PATH_MAX * 2];

	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, fd), 0);
	close(fd);
	cr_expect_str_eq(slurp(ws, "f"), "hello\n");
	snprintf(p, sizeof(p), "%s/f", ws);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0750);
	cr_expect_eq(count_entries(ws), 1, "no temporary file left");
}

Test(sandbox_apply, overwrite_replaces_atomically)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f",
				    .mode = 0644, .size = 4 };
	int fd = content("new\n");

	put("f", "old contents\n");
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, fd), 0);
	close(fd);
	cr_expect_str_eq(slurp(ws, "f"), "new\n");
}

Test(sandbox_apply, short_content_changes_nothing)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f",
				    .mode = 0644, .size = 100 };
	int fd = content("short");

	put("f", "keep");
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, fd), -EIO);
	close(fd);
	cr_expect_str_eq(slurp(ws, "f"), "keep");
	cr_expect_eq(count_entries(ws), 1);
}

Test(sandbox_apply, a_symlinked_parent_is_refused)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE,
				    .path = "link/f", .mode = 0644, .size = 2 };
	char p[PATH_MAX * 2];
	int fd = content("x\n");

	snprintf(p, sizeof(p), "%s/link", ws);
	cr_assert_eq(symlink(outside, p), 0);
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, fd), SANDBOX_E_REFUSED);
	close(fd);
	cr_expect_eq(count_entries(outside), 0);

	e.kind = SANDBOX_EFFECT_DELETE;
	put("../outside/victim", "v");
	e.path = "link/victim";
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), SANDBOX_E_REFUSED);
	cr_expect_str_eq(slurp(outside, "victim"), "v");
}

Test(sandbox_apply, a_symlink_at_the_target_is_replaced_not_followed)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f",
				    .mode = 0644, .size = 2 };
	char p[PATH_MAX * 2], q[PATH_MAX * 2];
	int fd = content("x\n");
	struct stat st;

	snprintf(p, sizeof(p), "%s/f", ws);
	snprintf(q, sizeof(q), "%s/target", outside);
	cr_assert_eq(symlink(q, p), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, fd), 0);
	close(fd);
	cr_expect_eq(lstat(p, &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(count_entries(outside), 0);

	/* chmod of a symlink is refused rather than followed */
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(symlink(q, p), 0);
	put("../outside/target", "t");
	e.kind = SANDBOX_EFFECT_CHMOD;
	e.mode = 0777;
	cr_expect_neq(sandbox_effect_apply(ws_fd, &e, -1), 0);
	cr_assert_eq(stat(q, &st), 0);
	cr_expect_neq(st.st_mode & 0777, 0777);
}

/* TOUCH sets a regular file's times (an explicit time, or now), never
 * through a symlink (refused, the target's times kept), never on a
 * directory, and fails on a missing file. */
Test(sandbox_apply, touch_sets_times_never_through_a_symlink)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_TOUCH, .path = "t",
				    .mtime = { .tv_sec = 1557014400, .tv_nsec = 123456789 } };
	char p[PATH_MAX * 2], q[PATH_MAX * 2];
	struct timespec before;
	struct stat st;

	snprintf(p, sizeof(p), "%s/t", ws);
	put("t", "t");
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, -1), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mtim.tv_sec, 1557014400);
	cr_expect_eq(st.st_mtim.tv_nsec, 123456789);
	cr_expect_eq(st.st_atim.tv_sec, 1557014400);

	e.mtime.tv_sec = 0;
	e.mtime.tv_nsec = UTIME_NOW;
	cr_assert_eq(clock_gettime(CLOCK_REALTIME, &before), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, -1), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_geq(st.st_mtim.tv_sec, before.tv_sec - 1);

	/* through a symlink: refused, the target keeps its times */
	snprintf(q, sizeof(q), "%s/target", outside);
	put("../outside/target", "x");
	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
	cr_assert_eq(utimensat(AT_FDCWD, q, old, 0), 0);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(symlink(q, p), 0);
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), SANDBOX_E_REFUSED);
	cr_assert_eq(stat(q, &st), 0);
	cr_expect_eq(st.st_mtim.tv_sec, 1000);

	/* a directory: refused; nothing there: an error */
	cr_assert_eq(mkdirat(ws_fd, "dir", 0755), 0);
	e.path = "dir";
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), SANDBOX_E_REFUSED);
	e.path = "none";
	cr_expect_lt(sandbox_effect_apply(ws_fd, &e, -1), 0);
	/* beneath the workspace only */
	e.path = "../outside/target";
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), SANDBOX_E_UNSAFE_PATH);
	cr_assert_eq(stat(q, &st), 0);
	cr_expect_eq(st.st_mtim.tv_sec, 1000);
}

Test(sandbox_apply, unsafe_paths_are_refused)
{
	static const char *const bad[] = { "../x", "/etc/passwd", "a//b", ".",
					   "a/./b", "a/../../x", "", "a/" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sandbox_effect e = { .kind = SANDBOX_EFFECT_DELETE,
					    .path = bad[i] };

		cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1),
			     SANDBOX_E_UNSAFE_PATH, "%s", bad[i]);
	}
}

Test(sandbox_apply, delete_removes_trees_and_tolerates_absence)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_DELETE, .path = "d" };
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/d", ws);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/d/e", ws);
	cr_assert_eq(mkdir(p, 0500), 0); /* read-only dir inside */
	snprintf(p, sizeof(p), "%s/d/link", ws);
	cr_assert_eq(symlink(outside, p), 0);
	put("../outside/keep", "k");
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, -1), 0);
	cr_expect_eq(count_entries(ws), 0);
	cr_expect_str_eq(slurp(outside, "keep"), "k");
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), 0);
}

Test(sandbox_apply, dirs_opaque_dirs_and_symlinks)
{
	struct sandbox_effect d = { .kind = SANDBOX_EFFECT_DIR, .path = "nd",
				    .mode = 0711 };
	struct sandbox_effect o = { .kind = SANDBOX_EFFECT_OPAQUE_DIR,
				    .path = "od", .mode = 0755 };
	struct sandbox_effect s = { .kind = SANDBOX_EFFECT_SYMLINK,
				    .path = "nd/l", .target = "../od" };
	char p[PATH_MAX * 2], t[64];
	struct stat st;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/od", ws);
	cr_assert_eq(mkdir(p, 0755), 0);
	put("od/old", "o");
	cr_assert_eq(sandbox_effect_apply(ws_fd, &d, -1), 0);
	snprintf(p, sizeof(p), "%s/nd", ws);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0711);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &o, -1), 0);
	snprintf(p, sizeof(p), "%s/od", ws);
	cr_expect_eq(count_entries(p), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &s, -1), 0);
	snprintf(p, sizeof(p), "%s/nd/l", ws);
	n = readlink(p, t, sizeof(t) - 1);
	cr_assert_gt(n, 0);
	t[n] = '\0';
	cr_expect_str_eq(t, "../od");
}

Test(sandbox_apply, special_files_are_refused)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_SPECIAL,
				    .path = "fifo", .mode = 0644 };

	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), SANDBOX_E_REFUSED);
	cr_expect_eq(count_entries(ws), 0);
}

Test(sandbox_apply, scratch_cleanup_removes_unwritable_dirs)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/upper", top);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/work", top);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/work/work", top);
	cr_assert_eq(mkdir(p, 0), 0);
	snprintf(p, sizeof(p), "%s/upper/link", top);
	cr_assert_eq(symlink(outside, p), 0);
	put("../outside/keep", "k");
	cr_assert_eq(sandbox_scratch_cleanup(top), 0);
	snprintf(p, sizeof(p), "%s/work", top);
	cr_expect_neq(access(p, F_OK), 0);
	cr_expect_str_eq(slurp(outside, "keep"), "k");
}

Test(sandbox_apply, setuid_and_setgid_bits_are_dropped)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "suid",
				    .mode = 06755, .size = 2 };
	char p[PATH_MAX * 2];
	int fd = content("x\n");
	struct stat st;

	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, fd), 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/suid", ws);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0755);
	e.kind = SANDBOX_EFFECT_CHMOD;
	e.mode = 04711;
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, -1), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0711);
}

/* ---- issue 17: special bits, holes, mounts, the workspace lock ---- */

Test(sandbox_apply, special_bits_are_dropped_from_dirs_fifos_and_chmods)
{
	struct sandbox_effect d = { .kind = SANDBOX_EFFECT_DIR, .path = "d", .mode = 03777 };
	struct sandbox_effect o = { .kind = SANDBOX_EFFECT_OPAQUE_DIR, .path = "o",
				    .mode = 01755 };
	struct sandbox_effect p = { .kind = SANDBOX_EFFECT_SPECIAL, .path = "p",
				    .mode = S_IFIFO | 07666 };
	struct sandbox_effect c = { .kind = SANDBOX_EFFECT_CHMOD, .path = "f", .mode = 01755 };
	struct stat st;

	put("f", "x");
	cr_assert_eq(sandbox_effect_apply(ws_fd, &d, -1), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &o, -1), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &p, -1), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &c, -1), 0);
	cr_assert_eq(fstatat(ws_fd, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_eq(st.st_mode & 07777, 0777);
	cr_assert_eq(fstatat(ws_fd, "o", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(fstatat(ws_fd, "p", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect(S_ISFIFO(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0666);
	cr_assert_eq(fstatat(ws_fd, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_eq(st.st_mode & 07777, 0755);
	cr_expect_eq(count_entries(ws), 4, "no temporary entry left");
}

/* A file of `size` bytes that is all hole but for `data` at `at`. */
static int sparse_file(const char *name, off_t size, off_t at, const char *data)
{
	char p[PATH_MAX * 2];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", outside, name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, size), 0);
	cr_assert_eq(pwrite(fd, data, strlen(data), at), (ssize_t)strlen(data));
	return fd;
}

Test(sandbox_apply, holes_stay_holes)
{
	const off_t size = (off_t)1 << 30; /* 1 GiB, a few bytes of data */
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "sparse",
				    .mode = 0644, .size = (uint64_t)size };
	int fd = sparse_file("src", size, size / 2, "middle");
	char buf[8] = { 0 };
	struct stat st;
	int out;

	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, fd), 0);
	close(fd);
	cr_assert_eq(fstatat(ws_fd, "sparse", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_expect_eq(st.st_size, size);
	cr_expect_lt((long long)st.st_blocks * 512, 1 << 20,
		     "1 GiB hole written as %lld bytes", (long long)st.st_blocks * 512);
	out = openat(ws_fd, "sparse", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(out, 0);
	cr_assert_eq(pread(out, buf, 6, size / 2), 6);
	cr_expect_str_eq(buf, "middle");
	cr_assert_eq(pread(out, buf, 6, 4096), 6);
	cr_expect_eq(memcmp(buf, "\0\0\0\0\0\0", 6), 0);
	close(out);
}

Test(sandbox_apply, a_sparse_file_of_the_wrong_size_changes_nothing)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f",
				    .mode = 0644, .size = 1 << 20 };
	int fd = sparse_file("src", 1 << 21, 100, "x");

	put("f", "keep");
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, fd), -EIO);
	close(fd);
	cr_expect_str_eq(slurp(ws, "f"), "keep");
	cr_expect_eq(count_entries(ws), 1);
}

/* A pipe as content (no SEEK_DATA): copied as a stream. */
Test(sandbox_apply, content_from_a_pipe)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f",
				    .mode = 0644, .size = 5 };
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], "piped", 5), 5);
	close(p[1]);
	cr_assert_eq(sandbox_effect_apply(ws_fd, &e, p[0]), 0);
	close(p[0]);
	cr_expect_str_eq(slurp(ws, "f"), "piped");
}

/* Run fn in a child that has a user and mount namespace of its own (so it
 * may bind-mount, as root or not); the child's exit status is fn's. */
static void in_mount_namespace(int (*fn)(void))
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char map[64];
		int fd;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(90);
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			_exit(91);
		close(fd);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			_exit(92);
		close(fd);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(93);
		_exit(fn());
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "check %d failed in the namespace",
		     WEXITSTATUS(status));
}

static int bind(const char *from_outside, const char *onto_ws)
{
	char a[PATH_MAX * 2], b[PATH_MAX * 2];

	snprintf(a, sizeof(a), "%s/%s", outside, from_outside);
	snprintf(b, sizeof(b), "%s/%s", ws, onto_ws);
	return mount(a, b, NULL, MS_BIND, NULL);
}

static bool outside_has(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", outside, rel);
	return access(p, F_OK) == 0;
}

static int mounts_are_never_crossed(void)
{
	struct sandbox_effect del = { .kind = SANDBOX_EFFECT_DELETE, .path = "mnt" };
	struct sandbox_effect deep = { .kind = SANDBOX_EFFECT_DELETE, .path = "d" };
	struct sandbox_effect opq = { .kind = SANDBOX_EFFECT_OPAQUE_DIR, .path = "d",
				      .mode = 0755 };
	struct sandbox_effect in = { .kind = SANDBOX_EFFECT_FILE, .path = "mnt/new",
				     .mode = 0644, .size = 1 };
	struct sandbox_effect over = { .kind = SANDBOX_EFFECT_FILE, .path = "mnt",
				       .mode = 0644, .size = 1 };
	struct sandbox_effect chm = { .kind = SANDBOX_EFFECT_CHMOD, .path = "bf", .mode = 0777 };
	char found[PATH_MAX * 2], want[PATH_MAX * 2];
	struct stat st;
	int fd;

	if (mkdir(outside, 0755) < 0 && errno != EEXIST)
		return 1;
	if (mkdirat(ws_fd, "mnt", 0755) < 0 || mkdirat(ws_fd, "d", 0755) < 0 ||
	    mkdirat(ws_fd, "d/e", 0755) < 0)
		return 2;
	put("d/sibling", "s");
	put("bf", "f");
	put("../outside/keep", "k");
	put("../outside/file", "f");
	if (chmod(outside, 0755) < 0 || bind(".", "mnt") < 0 || bind(".", "d/e") < 0 ||
	    bind("file", "bf") < 0)
		return 3;
	if (sandbox_workspace_find_mount(ws, found, sizeof(found)) != 1)
		return 4;
	snprintf(want, sizeof(want), "%s/mnt", ws);
	if (strcmp(found, want) != 0 && strncmp(found, ws, strlen(ws)) != 0)
		return 5;
	/* ws_fd was opened in the parent's mount namespace, which has none of
	 * these mounts: open the workspace again here. */
	close(ws_fd);
	ws_fd = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ws_fd < 0)
		return 6;
	if (sandbox_effect_apply(ws_fd, &del, -1) != SANDBOX_E_CROSSES_MOUNT)
		return 10;
	if (!outside_has("keep"))
		return 11;
	/* A mount deep inside: nothing at all is deleted. */
	if (sandbox_effect_apply(ws_fd, &deep, -1) != SANDBOX_E_CROSSES_MOUNT)
		return 12;
	if (!outside_has("keep") || fstatat(ws_fd, "d/sibling", &st, 0) < 0)
		return 13;
	if (sandbox_effect_apply(ws_fd, &opq, -1) != SANDBOX_E_CROSSES_MOUNT)
		return 14;
	if (!outside_has("keep") || fstatat(ws_fd, "d/sibling", &st, 0) < 0)
		return 15;
	fd = content("n");
	if (sandbox_effect_apply(ws_fd, &in, fd) != SANDBOX_E_CROSSES_MOUNT || outside_has("new"))
		return 16;
	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    sandbox_effect_apply(ws_fd, &over, fd) != SANDBOX_E_CROSSES_MOUNT ||
	    !outside_has("keep"))
		return 17;
	close(fd);
	if (sandbox_effect_apply(ws_fd, &chm, -1) != SANDBOX_E_CROSSES_MOUNT)
		return 18;
	snprintf(want, sizeof(want), "%s/file", outside);
	if (stat(want, &st) < 0 || (st.st_mode & 0777) == 0777)
		return 19;
	return 0;
}

Test(sandbox_apply, mounts_are_never_crossed)
{
	in_mount_namespace(mounts_are_never_crossed);
	cr_expect(outside_has("keep"));
}

Test(sandbox_apply, find_mount_finds_none_in_a_plain_workspace)
{
	char buf[64] = "untouched";

	cr_expect_eq(sandbox_workspace_find_mount(ws, buf, sizeof(buf)), 0);
	cr_expect_eq(sandbox_workspace_find_mount("relative", buf, sizeof(buf)), -EINVAL);
	/* "/" has mounts beneath it (/proc at least). */
	cr_expect_eq(sandbox_workspace_find_mount("/", buf, sizeof(buf)), 1);
}

Test(sandbox_apply, the_workspace_lock_excludes_another_holder)
{
	int lock = -1, other = open(ws, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pid_t pid;
	int status;

	cr_assert_geq(other, 0);
	cr_assert_eq(sandbox_workspace_lock(ws_fd, &lock), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(flock(other, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK ? 0 : 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the lock was not held");
	sandbox_workspace_unlock(lock);
	cr_expect_eq(flock(other, LOCK_EX | LOCK_NB), 0, "the lock was not released");
	close(other);
}

/* Root applying a CHMOD to a file someone linked into the workspace from
 * elsewhere (possible where protected_hardlinks is off, or for the file's
 * owner) must not change the other file. Only root can set the scene. */
Test(sandbox_apply, chmod_of_a_foreign_hard_link_is_refused)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_CHMOD, .path = "hl", .mode = 0777 };
	char a[PATH_MAX * 2], b[PATH_MAX * 2];
	struct stat st;

	if (geteuid() != 0)
		return; /* cannot give a file to another owner */
	snprintf(a, sizeof(a), "%s/foreign", outside);
	snprintf(b, sizeof(b), "%s/hl", ws);
	put("../outside/foreign", "f");
	cr_assert_eq(chmod(a, 0600), 0);
	cr_assert_eq(chown(a, 65534, 65534), 0);
	cr_assert_eq(link(a, b), 0);
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, -1), SANDBOX_E_REFUSED);
	cr_assert_eq(stat(a, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
}

/* No effect lands inside a shark store: a directory holding
 * SANDBOX_STORE_MARKER (of any type) on the way to the target, at the
 * target (a mode change, a directory effect, a deletion) or anywhere in a
 * tree to be deleted or emptied. Nothing is changed. */
static void mkdirs(const char *rel)
{
	char p[PATH_MAX * 2], cmd[PATH_MAX * 2 + 16];

	snprintf(p, sizeof(p), "%s/%s", ws, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	cr_assert_eq(system(cmd), 0);
}

Test(sandbox_apply, nothing_lands_inside_a_store)
{
	struct sandbox_effect in[] = {
		{ .kind = SANDBOX_EFFECT_FILE, .path = "st/objects/ab/planted", .mode = 0644, .size = 4 },
		{ .kind = SANDBOX_EFFECT_FILE, .path = "st/new", .mode = 0644, .size = 4 },
		{ .kind = SANDBOX_EFFECT_FILE, .path = "st/objects", .mode = 0644, .size = 4 },
		{ .kind = SANDBOX_EFFECT_DIR, .path = "st/scratch/run.x", .mode = 0755 },
		{ .kind = SANDBOX_EFFECT_OPAQUE_DIR, .path = "st/objects", .mode = 0755 },
		{ .kind = SANDBOX_EFFECT_SYMLINK, .path = "st/objects/ab/l", .target = "/etc" },
		{ .kind = SANDBOX_EFFECT_SPECIAL, .path = "st/fifo", .mode = S_IFIFO | 0644 },
		{ .kind = SANDBOX_EFFECT_CHMOD, .path = "st/objects", .mode = 0777 },
		{ .kind = SANDBOX_EFFECT_TOUCH, .path = "st/objects/ab/blob",
		  .mtime = { .tv_sec = 1 } },
		{ .kind = SANDBOX_EFFECT_DELETE, .path = "st/objects/ab/blob" },
		{ .kind = SANDBOX_EFFECT_DELETE, .path = "st/" SANDBOX_STORE_MARKER },
		/* the store's own directory, and what holds it */
		{ .kind = SANDBOX_EFFECT_CHMOD, .path = "st", .mode = 0777 },
		{ .kind = SANDBOX_EFFECT_DIR, .path = "st", .mode = 0777 },
		{ .kind = SANDBOX_EFFECT_OPAQUE_DIR, .path = "st", .mode = 0700 },
		{ .kind = SANDBOX_EFFECT_DELETE, .path = "st" },
		{ .kind = SANDBOX_EFFECT_FILE, .path = "st", .mode = 0644, .size = 4 },
		{ .kind = SANDBOX_EFFECT_DELETE, .path = "deep" },
		{ .kind = SANDBOX_EFFECT_OPAQUE_DIR, .path = "deep", .mode = 0700 },
		{ .kind = SANDBOX_EFFECT_FILE, .path = "deep", .mode = 0644, .size = 4 },
	};
	struct stat st;
	char p[PATH_MAX * 2];

	mkdirs("st/objects/ab");
	mkdirs("st/scratch");
	mkdirs("deep/a/b/st2");
	put("st/" SANDBOX_STORE_MARKER, "");
	put("st/objects/ab/blob", "blob");
	/* a marker of any type: a symlink here */
	snprintf(p, sizeof(p), "%s/deep/a/b/st2/" SANDBOX_STORE_MARKER, ws);
	cr_assert_eq(symlink("nowhere", p), 0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		int fd = in[i].kind == SANDBOX_EFFECT_FILE ? content("evil") : -1;

		cr_expect_eq(sandbox_effect_apply(ws_fd, &in[i], fd), SANDBOX_E_IN_STORE,
			     "effect %zu (%s)", i, in[i].path);
		if (fd >= 0)
			close(fd);
	}
	cr_expect_str_eq(slurp(ws, "st/objects/ab/blob"), "blob");
	cr_expect_null(slurp(ws, "st/objects/ab/planted"));
	cr_expect_null(slurp(ws, "st/new"));
	cr_expect_eq(count_entries(ws), 2);
	cr_expect_eq(count_entries(outside), 0);
	snprintf(p, sizeof(p), "%s/st", ws);
	cr_expect_eq(count_entries(p), 3);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0755);
	snprintf(p, sizeof(p), "%s/deep/a/b/st2", ws);
	cr_expect_eq(count_entries(p), 1);
	/* beside the store, and in a directory merely named like one, all
	 * goes */
	struct sandbox_effect ok[] = {
		{ .kind = SANDBOX_EFFECT_FILE, .path = "f", .mode = 0644, .size = 4 },
		{ .kind = SANDBOX_EFFECT_FILE, .path = "objects/st/f", .mode = 0644, .size = 4 },
		{ .kind = SANDBOX_EFFECT_DELETE, .path = "deep/a/b/gone" },
	};
	mkdirs("objects/st");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int fd = ok[i].kind == SANDBOX_EFFECT_FILE ? content("good") : -1;

		cr_expect_eq(sandbox_effect_in_store(ws_fd, &ok[i]), 0, "%s", ok[i].path);
		cr_expect_eq(sandbox_effect_apply(ws_fd, &ok[i], fd), 0, "%s", ok[i].path);
		if (fd >= 0)
			close(fd);
	}
	cr_expect_eq(sandbox_effect_in_store(ws_fd, &in[0]), 1);
	cr_expect_eq(sandbox_effect_in_store(ws_fd, &in[12]), 1);
}

/* A store below a directory its owner cannot list (mode 0300: search
 * only) is still usable by its path: deleting or emptying that directory
 * is refused, not done by making it listable first. Root lists it anyway
 * and finds the marker; another user cannot look in and is refused. */
Test(sandbox_apply, a_store_below_an_unlistable_directory_stays)
{
	struct sandbox_effect del = { .kind = SANDBOX_EFFECT_DELETE, .path = "priv" };
	struct sandbox_effect opaque = { .kind = SANDBOX_EFFECT_OPAQUE_DIR, .path = "priv",
					 .mode = 0700 };
	char p[PATH_MAX * 2];
	int r;

	mkdirs("priv/store");
	put("priv/store/" SANDBOX_STORE_MARKER, "");
	put("priv/store/blob", "blob");
	snprintf(p, sizeof(p), "%s/priv", ws);
	cr_assert_eq(chmod(p, 0300), 0);
	r = sandbox_effect_apply(ws_fd, &del, -1);
	cr_expect(r == SANDBOX_E_IN_STORE || r == SANDBOX_E_REFUSED, "delete: %d", r);
	r = sandbox_effect_apply(ws_fd, &opaque, -1);
	cr_expect(r == SANDBOX_E_IN_STORE || r == SANDBOX_E_REFUSED, "opaque: %d", r);
	cr_assert_eq(chmod(p, 0700), 0);
	cr_expect_str_eq(slurp(ws, "priv/store/blob"), "blob");
}

/* The workspace itself, or one of its ancestors, is a store. */
Test(sandbox_apply, a_workspace_inside_a_store)
{
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_FILE, .path = "f", .mode = 0644, .size = 4 };
	char p[PATH_MAX * 2];
	int fd, sub;

	cr_expect_eq(sandbox_dir_in_store(ws_fd), 0);
	mkdirs("a/b");
	snprintf(p, sizeof(p), "%s/a/b", ws);
	sub = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(sub, 0);
	cr_expect_eq(sandbox_dir_in_store(sub), 0);
	put(SANDBOX_STORE_MARKER, "");
	cr_expect_eq(sandbox_dir_in_store(ws_fd), 1);
	cr_expect_eq(sandbox_dir_in_store(sub), 1);
	fd = content("evil");
	cr_expect_eq(sandbox_effect_apply(ws_fd, &e, fd), SANDBOX_E_IN_STORE);
	close(fd);
	cr_expect_null(slurp(ws, "f"));
	close(sub);
}
