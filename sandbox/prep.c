/* prep.c - a plan as bytes: what the caller sends a prepared pid 1 (run.c,
 * sandbox_prep_new) once it knows the run, and pid 1 reads back (setup.c).
 *
 * A pid 1 cloned for the run it serves gets the plan in its copy of the
 * caller's memory; one cloned ahead of time (a prepared sandbox) was cloned
 * before the plan existed, so the plan travels through a memfd. The file
 * descriptors it names (stdio, the scratch dir) travel beside it as
 * SCM_RIGHTS. Both ends are the same build on the same machine: the layout
 * is the native one, and decode checks sizes only (the sender is the
 * caller, which pid 1 trusts anyway).
 *
 * Layout: struct plan_hdr, then NUL-terminated strings: cwd, workspace,
 * scratch, argv[0..argc), envp[0..envc), then per extra path one mode byte
 * and the path.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAGIC 0x53425850u /* "PXBS" */
#define PLAN_MAX_SIZE (64u << 20)

struct plan_hdr {
	uint32_t magic;
	uint32_t umask;
	uint64_t argc, envc, n_paths;
	int32_t pgid;
	uint8_t interactive, network, trace, host_view, tmp_capture;
	sigset_t ignored;
	struct sandbox_limits limits;
	uint32_t rlim_set;
	struct rlimit rlim[SANDBOX_ATTR_N_RLIMITS];
};

static size_t strv_size(char *const *v, size_t n)
{
	size_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += strlen(v[i]) + 1;
	return s;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(p, s, n);
	return p + n;
}

int sandbox_plan_encode(const struct sandbox_plan *plan, mode_t umask_value,
			void **ret_data, size_t *ret_size)
{
	struct plan_hdr h = { .magic = PLAN_MAGIC,
			      .umask = (uint32_t)umask_value,
			      .argc = plan->argc,
			      .envc = plan->envc,
			      .n_paths = plan->n_paths,
			      .pgid = (int32_t)plan->pgid,
			      .interactive = plan->interactive,
			      .network = plan->network,
			      .trace = plan->trace,
			      .host_view = plan->host_view,
			      .tmp_capture = plan->tmp_capture,
			      .ignored = plan->ignored,
			      .limits = plan->limits,
			      .rlim_set = plan->rlim_set };
	memcpy(h.rlim, plan->rlim, sizeof(h.rlim));
	size_t size = sizeof(h) + strlen(plan->cwd) + 1 + strlen(plan->workspace) + 1 +
		      strlen(plan->scratch) + 1 + strv_size(plan->argv, plan->argc) +
		      strv_size(plan->envp, plan->envc);
	char *buf, *p;

	for (size_t i = 0; i < plan->n_paths; i++)
		size += 1 + strlen(plan->paths[i].path) + 1;
	if (size > PLAN_MAX_SIZE)
		return SANDBOX_E_PLAN_LIMIT;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	p = buf + sizeof(h);
	p = put_str(p, plan->cwd);
	p = put_str(p, plan->workspace);
	p = put_str(p, plan->scratch);
	for (size_t i = 0; i < plan->argc; i++)
		p = put_str(p, plan->argv[i]);
	for (size_t i = 0; i < plan->envc; i++)
		p = put_str(p, plan->envp[i]);
	for (size_t i = 0; i < plan->n_paths; i++) {
		*p++ = (char)plan->paths[i].mode;
		p = put_str(p, plan->paths[i].path);
	}
	*ret_data = buf;
	*ret_size = size;
	return 0;
}

/* The next string of [*p, end), copied; NULL when none is left or out of
 * memory. */
static char *take_str(const char **p, const char *end)
{
	const char *z = memchr(*p, '\0', (size_t)(end - *p));
	char *s;

	if (!z)
		return NULL;
	s = strdup(*p);
	*p = z + 1;
	return s;
}

static int take_strv(const char **p, const char *end, uint64_t n, char ***ret)
{
	char **v;

	if (n > SANDBOX_MAX_ARGS)
		return -EINVAL;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*ret = v; /* freed with the plan, whole or in part */
	for (uint64_t i = 0; i < n; i++)
		if (!(v[i] = take_str(p, end)))
			return -EINVAL;
	return 0;
}

int sandbox_plan_decode(const void *data, size_t size, struct sandbox_plan **ret_plan,
			mode_t *ret_umask)
{
	const char *p = (const char *)data + sizeof(struct plan_hdr), *end = (const char *)data + size;
	struct plan_hdr h;
	struct sandbox_plan *plan;
	int r;

	if (size < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.magic != PLAN_MAGIC || h.n_paths > SANDBOX_MAX_EXTRA_PATHS)
		return -EINVAL;
	r = sandbox_plan_new(&plan);
	if (r < 0)
		return r;
	plan->pgid = h.pgid;
	plan->interactive = h.interactive;
	plan->network = h.network;
	plan->trace = h.trace;
	plan->host_view = h.host_view;
	plan->tmp_capture = h.tmp_capture;
	plan->ignored = h.ignored;
	plan->limits = h.limits;
	plan->rlim_set = h.rlim_set;
	memcpy(plan->rlim, h.rlim, sizeof(plan->rlim));
	r = -EINVAL;
	if (!(plan->cwd = take_str(&p, end)) || !(plan->workspace = take_str(&p, end)) ||
	    !(plan->scratch = take_str(&p, end)))
		goto fail;
	if ((r = take_strv(&p, end, h.argc, &plan->argv)) < 0)
		goto fail;
	plan->argc = (size_t)h.argc;
	if ((r = take_strv(&p, end, h.envc, &plan->envp)) < 0)
		goto fail;
	plan->envc = (size_t)h.envc;
	r = -ENOMEM;
	plan->paths = calloc((size_t)h.n_paths + 1, sizeof(*plan->paths));
	if (!plan->paths)
		goto fail;
	r = -EINVAL;
	for (uint64_t i = 0; i < h.n_paths; i++) {
		if (p >= end)
			goto fail;
		plan->paths[i].mode = (enum sandbox_path_mode)(unsigned char)*p++;
		if (!(plan->paths[i].path = take_str(&p, end)))
			goto fail;
		plan->n_paths = (size_t)i + 1;
	}
	if (p != end)
		goto fail;
	*ret_plan = plan;
	*ret_umask = (mode_t)h.umask;
	return 0;
fail:
	sandbox_plan_free(plan);
	return r;
}

/* The part of a plan that decides the mount tree and the namespaces'
 * state, as bytes (docs/sandbox.md "Prepared sandboxes"): a prepared pid 1
 * builds its tree from this part ahead of the run, and the run's plan may
 * use that tree only when its own part encodes to the same bytes.
 * Layout: struct mounts_hdr, then NUL-terminated strings: workspace,
 * scratch, then per extra path one mode byte and the path. */
#define MOUNTS_MAGIC 0x534d5850u /* "PXMS" */

struct mounts_hdr {
	uint32_t magic;
	uint32_t n_paths;
	uint8_t interactive, network, trace, host_view, tmp_capture, pad[3];
	uint64_t max_procs, tmp_size, shm_size, run_size;
};

int sandbox_plan_encode_mounts(const struct sandbox_plan *plan, void **ret_data,
			       size_t *ret_size)
{
	struct mounts_hdr h;
	size_t size;
	char *buf, *p;

	memset(&h, 0, sizeof(h)); /* the padding too: compared byte for byte */
	h.magic = MOUNTS_MAGIC;
	h.n_paths = (uint32_t)plan->n_paths;
	h.interactive = plan->interactive;
	h.network = plan->network;
	h.trace = plan->trace;
	h.host_view = plan->host_view;
	h.tmp_capture = plan->tmp_capture;
	h.max_procs = plan->limits.max_procs;
	h.tmp_size = plan->limits.tmp_size;
	h.shm_size = plan->limits.shm_size;
	h.run_size = plan->limits.run_size;
	size = sizeof(h) + strlen(plan->workspace) + 1 + strlen(plan->scratch) + 1;
	for (size_t i = 0; i < plan->n_paths; i++)
		size += 1 + strlen(plan->paths[i].path) + 1;
	if (size > PLAN_MAX_SIZE)
		return SANDBOX_E_PLAN_LIMIT;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	p = put_str(buf + sizeof(h), plan->workspace);
	p = put_str(p, plan->scratch);
	for (size_t i = 0; i < plan->n_paths; i++) {
		*p++ = (char)plan->paths[i].mode;
		p = put_str(p, plan->paths[i].path);
	}
	*ret_data = buf;
	*ret_size = size;
	return 0;
}

bool sandbox_plan_mounts_equal(const struct sandbox_plan *a, const struct sandbox_plan *b)
{
	void *da = NULL, *db = NULL;
	size_t sa = 0, sb = 0;
	bool eq = sandbox_plan_encode_mounts(a, &da, &sa) == 0 &&
		  sandbox_plan_encode_mounts(b, &db, &sb) == 0 && sa == sb &&
		  memcmp(da, db, sa) == 0;

	free(da);
	free(db);
	return eq;
}

void sandbox_seen_now(const char *path, struct sandbox_seen *ret)
{
	struct stat st;

	memset(ret, 0, sizeof(*ret));
	if (lstat(path, &st) < 0)
		return;
	ret->kind = S_ISDIR(st.st_mode) ? SANDBOX_SEEN_DIR : SANDBOX_SEEN_OTHER;
	if (stat(path, &st) == 0) {
		ret->dev = (uint64_t)st.st_dev;
		ret->ino = (uint64_t)st.st_ino;
	}
}
