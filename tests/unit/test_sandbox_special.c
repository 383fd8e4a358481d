/* test_sandbox_special.c - special files among a run's effects: a FIFO is
 * made again in the workspace, a socket or device node is refused. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static int workspace(char *buf, size_t size)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, size, "%s/test-special.XXXXXX", t && *t ? t : "/tmp");
	cr_assert_not_null(mkdtemp(buf));
	int fd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	return fd;
}

Test(sandbox_special, fifo_is_made_again)
{
	char dir[4096];
	int ws = workspace(dir, sizeof(dir));
	struct sandbox_effect e = { .kind = SANDBOX_EFFECT_SPECIAL, .path = "p",
				    .mode = S_IFIFO | 0640 };
	cr_assert_eq(sandbox_effect_apply(ws, &e, -1), 0);
	struct stat st;
	cr_assert_eq(fstatat(ws, "p", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0640);
	/* Applied again over the existing one: replaced, still a FIFO. */
	cr_assert_eq(sandbox_effect_apply(ws, &e, -1), 0);
	cr_assert_eq(fstatat(ws, "p", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	unlinkat(ws, "p", 0);
	close(ws);
	rmdir(dir);
}

Test(sandbox_special, sockets_and_devices_are_refused)
{
	char dir[4096];
	int ws = workspace(dir, sizeof(dir));
	struct sandbox_effect sock = { .kind = SANDBOX_EFFECT_SPECIAL, .path = "s",
				       .mode = S_IFSOCK | 0600 };
	struct sandbox_effect dev = { .kind = SANDBOX_EFFECT_SPECIAL, .path = "d",
				      .mode = S_IFCHR | 0600 };
	cr_assert_eq(sandbox_effect_apply(ws, &sock, -1), SANDBOX_E_REFUSED);
	cr_assert_eq(sandbox_effect_apply(ws, &dev, -1), SANDBOX_E_REFUSED);
	struct stat st;
	cr_assert_neq(fstatat(ws, "s", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert_neq(fstatat(ws, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
	close(ws);
	rmdir(dir);
}
