/* test_sandbox_apply.c - applying effects safely; no privileges needed. */
#include "sandbox/sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
