/* test_sandbox_plan.c - building and validating plans: no privileges, no
 * processes. */
#include "sandbox/sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static sandbox_plan *good_plan(void)
{
	const char *argv[] = { "true", NULL };
	const char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	sandbox_plan *p;

	cr_assert_eq(sandbox_plan_new(&p), 0);
	cr_assert_eq(sandbox_plan_set_argv(p, argv), 0);
	cr_assert_eq(sandbox_plan_set_envp(p, envp), 0);
	cr_assert_eq(sandbox_plan_set_cwd(p, "/work/ws"), 0);
	cr_assert_eq(sandbox_plan_set_workspace(p, "/work/ws"), 0);
	cr_assert_eq(sandbox_plan_set_scratch(p, "/var/cache/shark/scratch/1"), 0);
	return p;
}

Test(sandbox_plan, a_complete_plan_validates)
{
	sandbox_plan *p = good_plan();

	cr_expect_eq(sandbox_plan_validate(p), 0);
	cr_expect_eq(sandbox_plan_add_path(p, "/var/cache/shark",
					   SANDBOX_PATH_READONLY), 0);
	cr_expect_eq(sandbox_plan_add_path(p, "/home/u/.ssh",
					   SANDBOX_PATH_HIDDEN), 0);
	cr_expect_eq(sandbox_plan_validate(p), 0);
	sandbox_plan_free(p);
}

Test(sandbox_plan, empty_plan_lacks_argv)
{
	sandbox_plan *p;

	cr_assert_eq(sandbox_plan_new(&p), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_ARGV);
	sandbox_plan_free(p);
	sandbox_plan_free(NULL);
}

Test(sandbox_plan, empty_argv0_is_refused)
{
	const char *argv[] = { "", NULL };
	sandbox_plan *p = good_plan();

	cr_assert_eq(sandbox_plan_set_argv(p, argv), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_ARGV);
	sandbox_plan_free(p);
}

Test(sandbox_plan, paths_must_be_absolute_and_normalized)
{
	static const char *const badpaths[] = { "relative", "/a//b", "/a/./b",
						"/a/../b", "/a/", "" };

	for (size_t i = 0; i < sizeof(badpaths) / sizeof(badpaths[0]); i++) {
		sandbox_plan *p = good_plan();

		cr_assert_eq(sandbox_plan_set_cwd(p, badpaths[i]), 0);
		cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_PATH,
			     "cwd %s", badpaths[i]);
		sandbox_plan_free(p);
		p = good_plan();
		cr_assert_eq(sandbox_plan_set_workspace(p, badpaths[i]), 0);
		cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_PATH,
			     "workspace %s", badpaths[i]);
		sandbox_plan_free(p);
		p = good_plan();
		cr_assert_eq(sandbox_plan_add_path(p, badpaths[i],
						   SANDBOX_PATH_READONLY), 0);
		cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_PATH,
			     "extra %s", badpaths[i]);
		sandbox_plan_free(p);
	}
}

Test(sandbox_plan, overlay_option_characters_are_refused)
{
	static const char *const bad[] = { "/a,b", "/a:b", "/a\\b" };

	for (size_t i = 0; i < 3; i++) {
		sandbox_plan *p = good_plan();

		cr_assert_eq(sandbox_plan_set_workspace(p, bad[i]), 0);
		cr_assert_eq(sandbox_plan_set_cwd(p, bad[i]), 0);
		cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_PATH);
		sandbox_plan_free(p);
		p = good_plan();
		cr_assert_eq(sandbox_plan_set_scratch(p, bad[i]), 0);
		cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_PATH);
		sandbox_plan_free(p);
	}
}

Test(sandbox_plan, workspace_cannot_be_root_or_missing)
{
	sandbox_plan *p = good_plan();

	cr_assert_eq(sandbox_plan_set_workspace(p, "/"), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_WORKSPACE);
	cr_assert_eq(sandbox_plan_set_workspace(p, "/dev/shm/ws"), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_WORKSPACE);
	cr_assert_eq(sandbox_plan_set_workspace(p, "/proc"), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_WORKSPACE);
	cr_assert_eq(sandbox_plan_set_workspace(p, "/devices"), 0);
	cr_expect_eq(sandbox_plan_validate(p), 0);
	sandbox_plan_free(p);
}

Test(sandbox_plan, scratch_may_not_contain_the_workspace)
{
	sandbox_plan *p = good_plan();

	cr_assert_eq(sandbox_plan_set_scratch(p, "/work"), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_SCRATCH);
	cr_assert_eq(sandbox_plan_set_scratch(p, "/work/ws"), 0);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_SCRATCH);
	/* inside the workspace is fine (it is hidden in the sandbox) */
	cr_assert_eq(sandbox_plan_set_scratch(p, "/work/ws/.cache/s"), 0);
	cr_expect_eq(sandbox_plan_validate(p), 0);
	/* a sibling with a common prefix is not "containing" */
	cr_assert_eq(sandbox_plan_set_scratch(p, "/work/w"), 0);
	cr_expect_eq(sandbox_plan_validate(p), 0);
	sandbox_plan_free(p);
}

Test(sandbox_plan, stdio_fds_must_be_open)
{
	sandbox_plan *p = good_plan();
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_expect_eq(sandbox_plan_set_stdio(p, fds[0], fds[1], -1), 0);
	cr_expect_eq(sandbox_plan_validate(p), 0);
	close(fds[0]);
	close(fds[1]);
	cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_FD);
	cr_expect_eq(sandbox_plan_set_stdio(p, -2, 1, 2), -EINVAL);
	sandbox_plan_free(p);
}

Test(sandbox_plan, environment_entries_need_an_equals_sign)
{
	const char *envp[] = { "PATH=/bin", "BROKEN", NULL };
	sandbox_plan *p = good_plan();

	cr_expect_eq(sandbox_plan_set_envp(p, envp), -EINVAL);
	cr_expect_eq(sandbox_plan_set_envp(p, NULL), 0);
	cr_expect_eq(sandbox_plan_validate(p), 0);
	sandbox_plan_free(p);
}

Test(sandbox_plan, limits_are_enforced)
{
	sandbox_plan *p = good_plan();
	char longpath[SANDBOX_MAX_PATH + 2];
	int r = 0;

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	cr_expect_eq(sandbox_plan_set_cwd(p, longpath), SANDBOX_E_PLAN_LIMIT);
	for (int i = 0; i <= SANDBOX_MAX_EXTRA_PATHS && r == 0; i++)
		r = sandbox_plan_add_path(p, "/x", SANDBOX_PATH_HIDDEN);
	cr_expect_eq(r, SANDBOX_E_PLAN_LIMIT);
	cr_expect_eq(sandbox_plan_add_path(p, "/x", (enum sandbox_path_mode)99),
		     -EINVAL);
	sandbox_plan_free(p);
}

Test(sandbox_plan, every_error_has_a_message)
{
	for (int e = SANDBOX_E_FIRST; e <= SANDBOX_E_LAST; e++) {
		const char *m = sandbox_strerror(e);

		cr_assert_not_null(m);
		cr_expect_gt(strlen(m), 10);
	}
	cr_expect(strstr(sandbox_strerror(SANDBOX_E_USERNS),
			 "unprivileged_userns_clone") != NULL);
	cr_expect(strstr(sandbox_strerror(SANDBOX_E_USERNS),
			 "apparmor_restrict_unprivileged_userns") != NULL);
	cr_expect_str_eq(sandbox_strerror(-ENOENT), strerror(ENOENT));
}
