/* plan.c - building and validating a sandbox plan: pure data, no privileges.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sandbox_plan_new(sandbox_plan **ret_plan)
{
	sandbox_plan *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;
	p->trace = true;
	p->pgid = -1;
	sigemptyset(&p->ignored);
	sandbox_limits_default(&p->limits);
	*ret_plan = p;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sandbox_plan_free(sandbox_plan *plan)
{
	if (!plan)
		return;
	strv_free(plan->argv, plan->argc);
	strv_free(plan->envp, plan->envc);
	free(plan->cwd);
	free(plan->workspace);
	free(plan->scratch);
	for (size_t i = 0; i < plan->n_paths; i++)
		free(plan->paths[i].path);
	free(plan->paths);
	free(plan);
}

/* Copy a NULL-terminated vector; the copy is NULL-terminated too. */
static int strv_copy(const char *const *src, bool need_eq, char ***ret_v,
		     size_t *ret_n)
{
	size_t n = 0;
	char **v;

	while (src && src[n]) {
		if (need_eq && !strchr(src[n], '='))
			return -EINVAL;
		if (++n > SANDBOX_MAX_ARGS)
			return SANDBOX_E_PLAN_LIMIT;
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			strv_free(v, i);
			return -ENOMEM;
		}
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}

int sandbox_plan_set_argv(sandbox_plan *plan, const char *const *argv)
{
	char **v;
	size_t n;
	int r = strv_copy(argv, false, &v, &n);

	if (r < 0)
		return r;
	strv_free(plan->argv, plan->argc);
	plan->argv = v;
	plan->argc = n;
	return 0;
}

int sandbox_plan_set_envp(sandbox_plan *plan, const char *const *envp)
{
	char **v;
	size_t n;
	int r = strv_copy(envp, true, &v, &n);

	if (r < 0)
		return r;
	strv_free(plan->envp, plan->envc);
	plan->envp = v;
	plan->envc = n;
	return 0;
}

static int set_str(char **slot, const char *s)
{
	char *c;

	if (!s)
		return -EINVAL;
	if (strlen(s) >= SANDBOX_MAX_PATH)
		return SANDBOX_E_PLAN_LIMIT;
	c = strdup(s);
	if (!c)
		return -ENOMEM;
	free(*slot);
	*slot = c;
	return 0;
}

int sandbox_plan_set_cwd(sandbox_plan *plan, const char *cwd)
{
	return set_str(&plan->cwd, cwd);
}

int sandbox_plan_set_workspace(sandbox_plan *plan, const char *dir)
{
	return set_str(&plan->workspace, dir);
}

int sandbox_plan_set_scratch(sandbox_plan *plan, const char *dir)
{
	return set_str(&plan->scratch, dir);
}

int sandbox_plan_set_stdio(sandbox_plan *plan, int fd_in, int fd_out, int fd_err)
{
	if (fd_in < -1 || fd_out < -1 || fd_err < -1)
		return -EINVAL;
	plan->stdio[0] = fd_in;
	plan->stdio[1] = fd_out;
	plan->stdio[2] = fd_err;
	return 0;
}

int sandbox_plan_set_process_group(sandbox_plan *plan, pid_t pgid)
{
	if (pgid < -1)
		return -EINVAL;
	plan->pgid = pgid;
	return 0;
}

void sandbox_plan_set_interactive(sandbox_plan *plan, bool interactive)
{
	plan->interactive = interactive;
}

void sandbox_plan_set_ignored_signals(sandbox_plan *plan, const sigset_t *set)
{
	plan->ignored = *set;
	sigdelset(&plan->ignored, SIGKILL);
	sigdelset(&plan->ignored, SIGSTOP);
}

void sandbox_plan_set_network(sandbox_plan *plan, bool network)
{
	plan->network = network;
}

void sandbox_plan_set_trace(sandbox_plan *plan, bool trace)
{
	plan->trace = trace;
}

void sandbox_plan_set_host_view(sandbox_plan *plan, bool host_view)
{
	plan->host_view = host_view;
}

void sandbox_plan_set_tmp_capture(sandbox_plan *plan, bool capture)
{
	plan->tmp_capture = capture;
}

void sandbox_limits_default(struct sandbox_limits *ret)
{
	*ret = (struct sandbox_limits){
		.max_procs = SANDBOX_DEFAULT_MAX_PROCS,
		.tmp_size = SANDBOX_DEFAULT_TMP_SIZE,
		.shm_size = SANDBOX_DEFAULT_SHM_SIZE,
		.run_size = SANDBOX_DEFAULT_RUN_SIZE,
	};
}

void sandbox_plan_set_limits(sandbox_plan *plan, const struct sandbox_limits *l)
{
	plan->limits = *l;
}

int sandbox_plan_set_rlimit(sandbox_plan *plan, int resource, const struct rlimit *rl)
{
	if (resource < 0 || (unsigned)resource >= SANDBOX_ATTR_N_RLIMITS ||
	    rl->rlim_cur > rl->rlim_max)
		return -EINVAL;
	plan->rlim[resource] = *rl;
	plan->rlim_set |= SANDBOX_ATTR_RLIMIT(resource);
	return 0;
}

/* n * 10 + d, or false on overflow. */
static bool mul_add(uint64_t *n, uint64_t mul, uint64_t add)
{
	if (*n > (UINT64_MAX - add) / mul)
		return false;
	*n = *n * mul + add;
	return true;
}

int sandbox_parse_size(const char *s, uint64_t *ret)
{
	static const char units[] = "kmgt";
	uint64_t n = 0;
	const char *c = s, *u;

	if (!s || *c < '0' || *c > '9')
		return -EINVAL;
	for (; *c >= '0' && *c <= '9'; c++)
		if (!mul_add(&n, 10, (uint64_t)(*c - '0')))
			return -ERANGE;
	if (*c && (u = strchr(units, *c | 0x20)) != NULL) {
		for (long k = 0; k <= u - units; k++)
			if (!mul_add(&n, 1024, 0))
				return -ERANGE;
		c++;
		if ((*c | 0x20) == 'i')
			c++;
		if ((*c | 0x20) == 'b')
			c++;
	} else if ((*c | 0x20) == 'b') {
		c++;
	}
	if (*c)
		return -EINVAL;
	*ret = n;
	return 0;
}

int sandbox_parse_duration(const char *s, uint64_t *ret_ms)
{
	uint64_t whole = 0, frac = 0, unit;
	const char *c = s;

	if (!s || ((*c < '0' || *c > '9') && *c != '.'))
		return -EINVAL;
	for (; *c >= '0' && *c <= '9'; c++)
		if (!mul_add(&whole, 10, (uint64_t)(*c - '0')))
			return -ERANGE;
	if (*c == '.') {
		/* Milliseconds are the finest grain: digits past the third
		 * are dropped. */
		uint64_t div = 1;

		if (c[1] < '0' || c[1] > '9')
			return -EINVAL;
		for (c++; *c >= '0' && *c <= '9'; c++) {
			if (div < 1000) {
				frac = frac * 10 + (uint64_t)(*c - '0');
				div *= 10;
			}
		}
		frac = frac * (1000 / div);
	}
	if (strcmp(c, "ms") == 0)
		unit = 1;
	else if (strcmp(c, "s") == 0 || *c == '\0')
		unit = 1000;
	else if (strcmp(c, "m") == 0)
		unit = 60000;
	else if (strcmp(c, "h") == 0)
		unit = 3600000;
	else
		return -EINVAL;
	/* frac is in thousandths of the unit. */
	if (unit == 1 && frac)
		return -EINVAL; /* "1.5ms": finer than a millisecond */
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	whole *= unit;
	frac = frac * unit / 1000;
	if (whole > UINT64_MAX - frac)
		return -ERANGE;
	*ret_ms = whole + frac;
	return 0;
}

static bool limits_valid(const struct sandbox_limits *l)
{
	const uint64_t tmpfs_min = 64 << 10, tmpfs_max = (uint64_t)1 << 50;

	if (l->max_procs && (l->max_procs < 16 || l->max_procs > (1u << 22)))
		return false;
	if (l->max_memory && l->max_memory < ((uint64_t)16 << 20))
		return false;
	if (l->tmp_size < tmpfs_min || l->tmp_size > tmpfs_max ||
	    l->shm_size < tmpfs_min || l->shm_size > tmpfs_max ||
	    l->run_size < tmpfs_min || l->run_size > tmpfs_max)
		return false;
	return l->timeout_ms <= (uint64_t)366 * 24 * 3600 * 1000;
}

int sandbox_plan_add_path(sandbox_plan *plan, const char *path,
			  enum sandbox_path_mode mode)
{
	struct sandbox_extra_path *v;
	char *c = NULL;
	int r;

	if (mode != SANDBOX_PATH_READONLY && mode != SANDBOX_PATH_WRITABLE &&
	    mode != SANDBOX_PATH_HIDDEN && mode != SANDBOX_PATH_PRIVATE)
		return -EINVAL;
	if (mode == SANDBOX_PATH_PRIVATE && (path[0] != '/' || strpbrk(path, ",:\\")))
		return -EINVAL;
	if (plan->n_paths >= SANDBOX_MAX_EXTRA_PATHS)
		return SANDBOX_E_PLAN_LIMIT;
	r = set_str(&c, path);
	if (r < 0)
		return r;
	v = reallocarray(plan->paths, plan->n_paths + 1, sizeof(*v));
	if (!v) {
		free(c);
		return -ENOMEM;
	}
	plan->paths = v;
	v[plan->n_paths].path = c;
	v[plan->n_paths].mode = mode;
	plan->n_paths++;
	return 0;
}

/* Absolute and normalized: starts with '/', no empty, "." or ".."
 * component, no trailing '/' (except "/" itself). */
static bool path_is_clean(const char *p)
{
	const char *c;

	if (!p || p[0] != '/' || strlen(p) >= SANDBOX_MAX_PATH)
		return false;
	if (p[1] == '\0')
		return true;
	c = p + 1;
	for (;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (c[n] == '\0')
			return true;
		c += n + 1;
	}
}

/* overlayfs splits its mount options at ',' and its layer lists at ':';
 * '\\' escapes. Rather than escape, such workspace and scratch paths are
 * refused with a clear error. */
static bool path_overlay_safe(const char *p)
{
	return strpbrk(p, ",:\\") == NULL;
}

static bool path_is_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

int sandbox_plan_validate(const sandbox_plan *plan)
{
	if (!plan->argv || plan->argc == 0 || plan->argv[0][0] == '\0')
		return SANDBOX_E_PLAN_ARGV;
	if (!plan->cwd)
		return SANDBOX_E_PLAN_CWD;
	if (!path_is_clean(plan->cwd))
		return SANDBOX_E_PLAN_PATH;
	if (!plan->workspace || strcmp(plan->workspace, "/") == 0)
		return SANDBOX_E_PLAN_WORKSPACE;
	if (!path_is_clean(plan->workspace))
		return SANDBOX_E_PLAN_PATH;
	if (!path_overlay_safe(plan->workspace))
		return SANDBOX_E_PLAN_PATH;
	/* /dev and /proc are rebuilt inside and would cover the overlay. */
	if (path_is_under(plan->workspace, "/dev") ||
	    path_is_under(plan->workspace, "/proc"))
		return SANDBOX_E_PLAN_WORKSPACE;
	if (!plan->scratch)
		return SANDBOX_E_PLAN_SCRATCH;
	if (!path_is_clean(plan->scratch) || !path_overlay_safe(plan->scratch))
		return SANDBOX_E_PLAN_PATH;
	/* The scratch dir may not be the workspace or contain it: the upper
	 * dir would then be part of its own lower layer's root. */
	if (path_is_under(plan->workspace, plan->scratch))
		return SANDBOX_E_PLAN_SCRATCH;
	for (size_t i = 0; i < plan->n_paths; i++) {
		if (!path_is_clean(plan->paths[i].path) ||
		    strcmp(plan->paths[i].path, "/") == 0)
			return SANDBOX_E_PLAN_PATH;
	}
	for (int i = 0; i < 3; i++) {
		if (plan->stdio[i] >= 0 && fcntl(plan->stdio[i], F_GETFD) < 0)
			return SANDBOX_E_PLAN_FD;
	}
	if (!limits_valid(&plan->limits))
		return SANDBOX_E_PLAN_RESOURCE;
	return 0;
}
