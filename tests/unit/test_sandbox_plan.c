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

Test(sandbox_plan, resource_limits_have_defaults_and_ranges)
{
	sandbox_plan *p = good_plan();
	struct sandbox_limits l;

	sandbox_limits_default(&l);
	cr_expect_eq(l.max_procs, SANDBOX_DEFAULT_MAX_PROCS);
	cr_expect_eq(l.max_memory, 0);
	cr_expect_eq(l.timeout_ms, 0);
	cr_expect_eq(l.tmp_size, (uint64_t)2 << 30);
	cr_expect_eq(l.shm_size, (uint64_t)256 << 20);
	cr_expect_eq(l.run_size, (uint64_t)64 << 20);
	sandbox_plan_set_limits(p, &l);
	cr_expect_eq(sandbox_plan_validate(p), 0);

	l.max_procs = 0; /* none */
	l.timeout_ms = 1;
	l.max_memory = (uint64_t)16 << 20;
	sandbox_plan_set_limits(p, &l);
	cr_expect_eq(sandbox_plan_validate(p), 0);

	struct {
		uint64_t *field, bad;
	} cases[] = {
		{ &l.max_procs, 15 },	       { &l.max_procs, (1u << 22) + 1 },
		{ &l.max_memory, 1 << 20 },    { &l.tmp_size, 4096 },
		{ &l.shm_size, 0 },	       { &l.run_size, (uint64_t)1 << 51 },
		{ &l.timeout_ms, (uint64_t)367 * 24 * 3600 * 1000 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sandbox_limits keep;

		sandbox_limits_default(&l);
		keep = l;
		*cases[i].field = cases[i].bad;
		sandbox_plan_set_limits(p, &l);
		cr_expect_eq(sandbox_plan_validate(p), SANDBOX_E_PLAN_RESOURCE, "case %zu", i);
		l = keep;
	}
	sandbox_plan_free(p);
}

Test(sandbox_plan, sizes_parse)
{
	struct {
		const char *s;
		int r;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 },		  { "4096", 0, 4096 },
		{ "512k", 0, 512 << 10 }, { "64M", 0, 64 << 20 },
		{ "2g", 0, (uint64_t)2 << 30 }, { "2GiB", 0, (uint64_t)2 << 30 },
		{ "1t", 0, (uint64_t)1 << 40 }, { "10b", 0, 10 },
		{ "", -EINVAL, 0 },	  { "k", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },	  { "1x", -EINVAL, 0 },
		{ "1 g", -EINVAL, 0 },	  { "1gg", -EINVAL, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "17179869184g", -ERANGE, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;

		cr_expect_eq(sandbox_parse_size(cases[i].s, &v), cases[i].r, "%s", cases[i].s);
		cr_expect_eq(v, cases[i].r == 0 ? cases[i].v : 12345, "%s", cases[i].s);
	}
}

Test(sandbox_plan, durations_parse)
{
	struct {
		const char *s;
		int r;
		uint64_t ms;
	} cases[] = {
		{ "30", 0, 30000 },     { "1.5", 0, 1500 },    { ".25", 0, 250 },
		{ "0.0015", 0, 1 },     { "500ms", 0, 500 },   { "2m", 0, 120000 },
		{ "1h", 0, 3600000 },   { "1.5m", 0, 90000 },  { "3s", 0, 3000 },
		{ "", -EINVAL, 0 },     { "abc", -EINVAL, 0 }, { "1.", -EINVAL, 0 },
		{ "1.5ms", -EINVAL, 0 }, { "5d", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
		{ "18446744073709551615h", -ERANGE, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;

		cr_expect_eq(sandbox_parse_duration(cases[i].s, &v), cases[i].r, "%s", cases[i].s);
		cr_expect_eq(v, cases[i].r == 0 ? cases[i].ms : 12345, "%s", cases[i].s);
	}
}
