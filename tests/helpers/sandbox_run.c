/* sandbox_run - run one command in a libsandbox plan (for e2e tests and
 * benchmarks).
 *
 *   sandbox_run [options] -- COMMAND [ARGS...]
 *     -w DIR   workspace (default: the current directory)
 *     -s DIR   scratch dir (default: a new one under $TMPDIR, removed after)
 *     -C DIR   working directory inside (default: the current directory)
 *     -r PATH  extra read-only path      -W PATH  extra writable path
 *     -H PATH  hidden path               -n       grant the network
 *     -T       no tracing                -i       interactive
 *     -a FILE  write the accesses to FILE ("rxslaw path" per line; a last
 *              "# flags F attrs A notifications N exec_errno E" line)
 *     -e FILE  write the effects to FILE ("kind mode path [target]")
 *     -A       apply the effects to the workspace (refusals on stderr)
 *     -N       do not apply (default applies only with -A)
 *
 * Stdio passes through. Exits with the command's sh-style status; 125 with
 * a message on stderr when the sandbox itself failed.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what, int err)
{
	fprintf(stderr, "sandbox_run: %s: %s\n", what, sandbox_strerror(err));
	return 125;
}

static void kinds_str(unsigned k, char out[7])
{
	const char *letters = "rxslaw";

	for (int i = 0; i < 6; i++)
		out[i] = (k & (1u << i)) ? letters[i] : '-';
	out[6] = '\0';
}

static const char *effect_name(enum sandbox_effect_kind k)
{
	switch (k) {
	case SANDBOX_EFFECT_FILE: return "file";
	case SANDBOX_EFFECT_CHMOD: return "chmod";
	case SANDBOX_EFFECT_DELETE: return "delete";
	case SANDBOX_EFFECT_DIR: return "dir";
	case SANDBOX_EFFECT_OPAQUE_DIR: return "opaque";
	case SANDBOX_EFFECT_SYMLINK: return "symlink";
	case SANDBOX_EFFECT_SPECIAL: return "special";
	case SANDBOX_EFFECT_TOUCH: return "touch";
	}
	return "?";
}

static void on_refused(const struct sandbox_effect *e, int err, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "sandbox_run: refused %s %s: %s\n", effect_name(e->kind),
		e->path, sandbox_strerror(err));
}

int main(int argc, char **argv)
{
	char cwd[PATH_MAX], scratch_buf[PATH_MAX], upper[PATH_MAX + 16];
	const char *workspace = NULL, *scratch = NULL, *dir = NULL;
	const char *acc_file = NULL, *eff_file = NULL;
	bool apply = false, own_scratch = false;
	struct sandbox_result *res = NULL;
	struct sandbox_error detail = { 0 };
	sandbox_effects *fx = NULL;
	sandbox_plan *plan;
	sandbox_run *run;
	int opt, r, status;

	if (!getcwd(cwd, sizeof(cwd)))
		return fail("getcwd", -errno);
	r = sandbox_plan_new(&plan);
	if (r < 0)
		return fail("plan", r);
	while ((opt = getopt(argc, argv, "+w:s:C:r:W:H:nTia:e:AN")) != -1) {
		switch (opt) {
		case 'w': workspace = optarg; break;
		case 's': scratch = optarg; break;
		case 'C': dir = optarg; break;
		case 'r': r = sandbox_plan_add_path(plan, optarg, SANDBOX_PATH_READONLY); break;
		case 'W': r = sandbox_plan_add_path(plan, optarg, SANDBOX_PATH_WRITABLE); break;
		case 'H': r = sandbox_plan_add_path(plan, optarg, SANDBOX_PATH_HIDDEN); break;
		case 'n': sandbox_plan_set_network(plan, true); break;
		case 'T': sandbox_plan_set_trace(plan, false); break;
		case 'i': sandbox_plan_set_interactive(plan, true); break;
		case 'a': acc_file = optarg; break;
		case 'e': eff_file = optarg; break;
		case 'A': apply = true; break;
		case 'N': apply = false; break;
		default:
			fprintf(stderr, "usage: sandbox_run [-w DIR] [-s DIR] [-C DIR] "
					"[-r|-W|-H PATH] [-nTiAN] [-a FILE] [-e FILE] -- CMD...\n");
			return 125;
		}
		if (r < 0)
			return fail("plan path", r);
	}
	if (optind >= argc)
		return fail("no command", SANDBOX_E_PLAN_ARGV);
	if (!scratch) {
		const char *tmp = getenv("TMPDIR");

		snprintf(scratch_buf, sizeof(scratch_buf), "%s/sbx.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(scratch_buf))
			return fail("mkdtemp", -errno);
		scratch = scratch_buf;
		own_scratch = true;
	}
	if ((r = sandbox_plan_set_argv(plan, (const char *const *)argv + optind)) < 0 ||
	    (r = sandbox_plan_set_envp(plan, (const char *const *)environ)) < 0 ||
	    (r = sandbox_plan_set_cwd(plan, dir ? dir : cwd)) < 0 ||
	    (r = sandbox_plan_set_workspace(plan, workspace ? workspace : cwd)) < 0 ||
	    (r = sandbox_plan_set_scratch(plan, scratch)) < 0 ||
	    (r = sandbox_plan_set_stdio(plan, 0, 1, 2)) < 0)
		return fail("plan", r);
	r = sandbox_start(plan, &run, &detail);
	if (r < 0) {
		fprintf(stderr, "sandbox_run: %s: %s (%s)\n",
			detail.step[0] ? detail.step : "start", sandbox_strerror(r),
			detail.sys_errno ? strerror(detail.sys_errno) : "-");
		return 125;
	}
	r = sandbox_wait(run, &res);
	sandbox_run_free(run);
	if (r < 0)
		return fail("wait", r);
	status = res->exit_code;
	if (acc_file) {
		FILE *f = fopen(acc_file, "we");

		if (!f)
			return fail(acc_file, -errno);
		for (size_t i = 0; i < res->n_accesses; i++) {
			char k[7];

			kinds_str(res->accesses[i].kinds, k);
			fprintf(f, "%s %s\n", k, res->accesses[i].path);
		}
		fprintf(f, "# flags %#x attrs %#x notifications %llu exec_errno %d\n",
			res->flags, res->attrs, (unsigned long long)res->n_notifications,
			res->exec_errno);
		fclose(f);
	}
	snprintf(upper, sizeof(upper), "%s/upper", scratch);
	r = sandbox_effects_scan(upper, workspace ? workspace : cwd, &fx);
	if (r < 0)
		return fail("effects scan", r);
	if (eff_file) {
		FILE *f = fopen(eff_file, "we");

		if (!f)
			return fail(eff_file, -errno);
		for (size_t i = 0; i < sandbox_effects_count(fx); i++) {
			const struct sandbox_effect *e = sandbox_effects_get(fx, i);

			fprintf(f, "%s %04o %s%s%s\n", effect_name(e->kind),
				(unsigned)e->mode, e->path, e->target ? " -> " : "",
				e->target ? e->target : "");
		}
		fclose(f);
	}
	if (apply) {
		int ws = open(workspace ? workspace : cwd,
			      O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (ws < 0)
			return fail("open workspace", -errno);
		r = sandbox_effects_apply(fx, ws, on_refused, NULL);
		close(ws);
		if (r < 0 && r != SANDBOX_E_REFUSED)
			return fail("apply", r);
		if (r == SANDBOX_E_REFUSED && status == 0)
			status = 124;
	}
	sandbox_effects_free(fx);
	sandbox_result_free(res);
	sandbox_plan_free(plan);
	if (own_scratch) {
		r = sandbox_scratch_cleanup(scratch);
		if (r < 0)
			return fail("cleanup", r);
		rmdir(scratch);
	}
	return status;
}
