/* test_memo_world.c - the world a command sees (issue 13), the parts that
 * need no sandbox: the live-command table and SHARK_LIVE, the live-state
 * paths, the project-root workspace, the private-path plan entry. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"

Test(memo_world, live_table_by_last_component)
{
	char *date[] = { "date", "+%s", NULL }, *bin_date[] = { "/bin/date", NULL };
	char *sort[] = { "sort", NULL }, *shark[] = { "shark", "log", NULL };
	char *env[] = { "PATH=/bin", NULL };
	cr_assert(memo_command_is_live(date, env));
	cr_assert(memo_command_is_live(bin_date, env));
	cr_assert(memo_command_is_live(shark, env));
	cr_assert_not(memo_command_is_live(sort, env));
}

Test(memo_world, shark_live_extends_the_table)
{
	char *sort[] = { "sort", NULL }, *sor[] = { "sor", NULL };
	char *env[] = { "PATH=/bin", "SHARK_LIVE=curl:sort", NULL };
	char *empty[] = { "SHARK_LIVE=", NULL };
	cr_assert(memo_command_is_live(sort, env));
	cr_assert_not(memo_command_is_live(sor, env), "a prefix of an entry is not it");
	cr_assert_not(memo_command_is_live(sort, empty));
	cr_assert(memo_env_is_volatile("SHARK_LIVE=sort"), "not part of any key");
}

Test(memo_world, live_state_paths)
{
	cr_assert(memo_path_is_live("/proc/loadavg"));
	cr_assert(memo_path_is_live("/proc/pressure/cpu"));
	cr_assert(memo_path_is_live("/sys/class/thermal/thermal_zone0/temp"));
	cr_assert(memo_path_is_live("/proc/sys/kernel/random/uuid"));
	cr_assert_not(memo_path_is_live("/proc/loadavgx"));
	cr_assert_not(memo_path_is_live("/proc/self/status"), "the run's own process");
	cr_assert_not(memo_path_is_live("/sys/devices/system/cpu/online"), "configuration");
	cr_assert_not(memo_path_is_live("/proc/cpuinfo"));
}

/* A project tree in a private directory: root/proj/{Makefile,analysis/}. */
static char root[PATH_MAX];

static void make_tree(void)
{
	snprintf(root, sizeof(root), "/var/tmp/test-memo-world.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/proj", root);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/proj/analysis", root);
	cr_assert_eq(mkdir(p, 0755), 0);
}

static void remove_tree(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

Test(memo_world, project_root_is_the_nearest_marked_directory)
{
	make_tree();
	char start[PATH_MAX + 64], mark[PATH_MAX + 64], *ws = NULL;
	snprintf(start, sizeof(start), "%s/proj/analysis", root);
	cr_assert_eq(memo_workspace_project_root(start, &ws), 0, "no marker: none");
	snprintf(mark, sizeof(mark), "%s/proj/pyproject.toml", root);
	FILE *f = fopen(mark, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(memo_workspace_project_root(start, &ws), 1);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/proj", root);
	cr_assert_str_eq(ws, want);
	free(ws);
	remove_tree();
}

Test(memo_world, project_root_never_a_shared_directory)
{
	/* /var/tmp is world-writable: a marker there is never taken */
	char *ws = NULL;
	cr_assert_eq(memo_workspace_project_root("/var/tmp", &ws), 0);
	cr_assert_eq(memo_workspace_project_root("/", &ws), 0);
}

Test(memo_world, private_path_refuses_overlay_syntax)
{
	sandbox_plan *p;
	cr_assert_eq(sandbox_plan_new(&p), 0);
	cr_assert_eq(sandbox_plan_add_path(p, "/home/u/.cache", SANDBOX_PATH_PRIVATE), 0);
	cr_assert_eq(sandbox_plan_add_path(p, "/home/u/a,b", SANDBOX_PATH_PRIVATE), -EINVAL);
	cr_assert_eq(sandbox_plan_add_path(p, "/home/u/a:b", SANDBOX_PATH_PRIVATE), -EINVAL);
	cr_assert_eq(sandbox_plan_add_path(p, "relative", SANDBOX_PATH_PRIVATE), -EINVAL);
	sandbox_plan_free(p);
}
