/* bench_sandbox - the sandbox's costs, side by side with the alternatives,
 * measured from one long-lived process (as the shell uses the library).
 *
 *   bench_sandbox HELPERS_DIR [RUNS]
 *
 * 1. start-up: /bin/true plain (fork+exec), in the sandbox (sandbox_start +
 *    sandbox_wait, traced), and under Debian's bubblewrap
 *    (bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc true);
 * 2. one traced system call: HELPERS_DIR/sandbox_statloop stats a missing
 *    path N times inside the sandbox, traced and untraced; the difference
 *    per call is the cost of the notification round trip;
 * 3. /usr/bin/python3 -c 'import json, csv': plain, sandboxed untraced,
 *    sandboxed traced.
 * Medians of RUNS (default 30) interleaved runs; ratios printed.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time (user + system) of all reaped descendants so far, in ms. */
static double children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double run_plain(char *const argv[])
{
	double t = now_ms();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_sandbox: %s failed\n", argv[0]);
		exit(1);
	}
	return now_ms() - t;
}

/* Run argv in the sandbox; return the wall time in ms, and the command's
 * stdout (first line) in out if given. */
static const char *scratch_parent;

static double run_sandboxed(const char *const argv[], bool trace, char *out,
			    size_t outsize)
{
	char cwd[PATH_MAX], scratch[PATH_MAX];
	const char *tmp = scratch_parent ? scratch_parent : getenv("TMPDIR");
	struct sandbox_result *res;
	struct sandbox_error err;
	sandbox_plan *plan;
	sandbox_run *run;
	int pfd[2], r;
	double t;

	if (!getcwd(cwd, sizeof(cwd)) || pipe2(pfd, O_CLOEXEC) < 0)
		exit(1);
	snprintf(scratch, sizeof(scratch), "%s/bench-sbx.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		exit(1);
	if (sandbox_plan_new(&plan) < 0 ||
	    sandbox_plan_set_argv(plan, argv) < 0 ||
	    sandbox_plan_set_envp(plan, (const char *const *)environ) < 0 ||
	    sandbox_plan_set_cwd(plan, cwd) < 0 ||
	    sandbox_plan_set_workspace(plan, cwd) < 0 ||
	    sandbox_plan_set_scratch(plan, scratch) < 0 ||
	    sandbox_plan_set_stdio(plan, -1, pfd[1], -1) < 0)
		exit(1);
	sandbox_plan_set_trace(plan, trace);
	t = now_ms();
	r = sandbox_start(plan, &run, &err);
	if (r < 0) {
		fprintf(stderr, "bench_sandbox: %s: %s\n", err.step,
			sandbox_strerror(r));
		exit(1);
	}
	close(pfd[1]);
	r = sandbox_wait(run, &res);
	t = now_ms() - t;
	if (r < 0 || res->exit_code != 0) {
		fprintf(stderr, "bench_sandbox: %s failed\n", argv[0]);
		exit(1);
	}
	if (out) {
		ssize_t n = read(pfd[0], out, outsize - 1);

		out[n > 0 ? n : 0] = '\0';
	}
	close(pfd[0]);
	sandbox_result_free(res);
	sandbox_run_free(run);
	sandbox_plan_free(plan);
	sandbox_scratch_cleanup(scratch);
	rmdir(scratch);
	return t;
}

int main(int argc, char **argv)
{
	char statloop[PATH_MAX], out[64];
	int runs = argc > 2 ? atoi(argv[2]) : 30;
	double *a, *b, *c, *ca, *cb, *cc, ma, mb, mc;

	if (argc < 2 || runs < 3) {
		fprintf(stderr, "usage: bench_sandbox HELPERS_DIR [RUNS]\n");
		return 2;
	}
	snprintf(statloop, sizeof(statloop), "%s/sandbox_statloop", argv[1]);
	a = calloc((size_t)runs, sizeof(double));
	b = calloc((size_t)runs, sizeof(double));
	c = calloc((size_t)runs, sizeof(double));
	ca = calloc((size_t)runs, sizeof(double));
	cb = calloc((size_t)runs, sizeof(double));
	cc = calloc((size_t)runs, sizeof(double));
	if (!a || !b || !c || !ca || !cb || !cc)
		return 1;

	{
		char *plain[] = { "/bin/true", NULL };
		char *bwrap[] = { "/usr/bin/bwrap", "--unshare-all", "--ro-bind",
				  "/", "/", "--dev", "/dev", "--proc", "/proc",
				  "true", NULL };
		const char *sbx[] = { "/bin/true", NULL };

		run_sandboxed(sbx, true, NULL, 0); /* compile the filter */
		double *d = calloc((size_t)runs, sizeof(double));
		double *cd = calloc((size_t)runs, sizeof(double));
		struct stat st;
		bool shm = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0;

		if (!d || !cd)
			return 1;
		for (int i = 0; i < runs; i++) {
			double cpu = children_cpu_ms();

			if (shm) {
				scratch_parent = "/dev/shm";
				d[i] = run_sandboxed(sbx, true, NULL, 0);
				cd[i] = children_cpu_ms() - cpu;
				scratch_parent = NULL;
			}
			cpu = children_cpu_ms();
			a[i] = run_plain(plain);
			ca[i] = children_cpu_ms() - cpu;
			cpu = children_cpu_ms();
			b[i] = run_sandboxed(sbx, true, NULL, 0);
			cb[i] = children_cpu_ms() - cpu;
			cpu = children_cpu_ms();
			c[i] = run_plain(bwrap);
			cc[i] = children_cpu_ms() - cpu;
		}
		ma = median(a, runs);
		mb = median(b, runs);
		mc = median(c, runs);
		printf("start-up, median of %d (ms)       wall      cpu\n", runs);
		printf("  /bin/true plain              %8.2f %8.2f\n", ma,
		       median(ca, runs));
		printf("  /bin/true sandboxed (traced) %8.2f %8.2f\n", mb,
		       median(cb, runs));
		if (shm)
			printf("  ... scratch on tmpfs         %8.2f %8.2f\n",
			       median(d, runs), median(cd, runs));
		printf("  /bin/true under bwrap        %8.2f %8.2f\n", mc,
		       median(cc, runs));
		printf("  sandbox / bwrap              %8.2f %8.2f   (target <= 0.50)\n",
		       mb / mc, median(cb, runs) / median(cc, runs));
		free(d);
		free(cd);
	}
	{
		const char *traced[] = { statloop, "20000", "/nonexistent/x", NULL };
		int n = runs < 10 ? runs : 10;

		for (int i = 0; i < n; i++) {
			run_sandboxed(traced, true, out, sizeof(out));
			a[i] = atof(out);
			run_sandboxed(traced, false, out, sizeof(out));
			b[i] = atof(out);
		}
		ma = median(a, n);
		mb = median(b, n);
		printf("one stat(2), median of %d x 20000 (us):\n", n);
		printf("  traced                 %8.2f\n", ma / 1e3);
		printf("  untraced               %8.2f\n", mb / 1e3);
		printf("  tracing cost per call  %8.2f   (target <= 8)\n",
		       (ma - mb) / 1e3);
	}
	{
		const char *py[] = { "/usr/bin/python3", "-c", "import json, csv",
				     NULL };
		char *pyp[] = { "/usr/bin/python3", "-c", "import json, csv",
				NULL };
		int n = runs < 15 ? runs : 15;

		for (int i = 0; i < n; i++) {
			a[i] = run_plain(pyp);
			b[i] = run_sandboxed(py, false, NULL, 0);
			c[i] = run_sandboxed(py, true, NULL, 0);
		}
		ma = median(a, n);
		mb = median(b, n);
		mc = median(c, n);
		printf("python3 -c 'import json, csv', median of %d (ms):\n", n);
		printf("  plain                  %8.2f\n", ma);
		printf("  sandboxed, untraced    %8.2f\n", mb);
		printf("  sandboxed, traced      %8.2f\n", mc);
		printf("  traced / untraced      %8.2f\n", mc / mb);
	}
	free(a);
	free(b);
	free(c);
	free(ca);
	free(cb);
	free(cc);
	return 0;
}
