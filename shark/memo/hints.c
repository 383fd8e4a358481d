/* hints.c - one line, after a failed command, saying why when the cause is
 * shark's sandbox rather than the command: a write refused because its
 * path is outside the workspace (with the path, the workspace and how to
 * widen it), or a network lookup in a run without the network (naming the
 * `network` prefix). They go where the "cached" notices go (the stderr
 * shark started with, never into a command's output or its record), and
 * only when notices are on: at an interactive prompt, or SHARK_NOTICES=1.
 *
 * Both are read from the trace, so they are guesses of a kind: a write is
 * "refused" when the command meant to write a path (opened it for writing,
 * created, removed, renamed it...) that the sandbox shows read-only, and
 * the command then failed; the network was "tried" when it read
 * /etc/resolv.conf (every name lookup through the resolver does), since
 * connect() itself is not traced. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

static bool under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;
	if (n == 0)
		return false;
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Where a command may write (or where shark does not want advice given):
 * the workspace, /tmp, the cache layer, the grants, the sandbox's own
 * /dev, /proc, /sys and /run, the store and the run's scratch dir. */
static bool writable_inside(const struct memo *m, const char *path, const char *scratch)
{
	static const char *const own[] = { "/tmp", "/dev", "/proc", "/sys", "/run" };
	if (under(path, m->workspace) || under(path, scratch) || under(path, m->store_dir) ||
	    under(path, memo_cache_dir(m)))
		return true;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (under(path, own[i]))
			return true;
	for (char *const *w = m->opt.writable; w && *w; w++)
		if (under(path, *w))
			return true;
	return under(path, memo_tmpdir_grant(m));
}

/* The host path a write to path would have reached: its parent directory
 * resolved (symlinks followed: a link in the workspace to a scratch disk
 * elsewhere leads out of it), then its last component. */
static bool resolve_target(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return false;
	char parent[PATH_MAX], real[PATH_MAX];
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(parent))
		return false;
	memcpy(parent, path, n);
	parent[n] = '\0';
	if (!realpath(parent, real))
		return false;
	int w = snprintf(buf, size, "%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/", slash + 1);
	return w > 0 && (size_t)w < size;
}

/* The longest common directory of a and b ("/" at least). */
static void common_dir(const char *a, const char *b, char *buf, size_t size)
{
	size_t last = 0, i = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			last = i;
		i++;
	}
	if ((a[i] == '\0' && (b[i] == '/' || b[i] == '\0')) || (b[i] == '\0' && a[i] == '/'))
		last = i;
	if (last == 0)
		last = 1;
	snprintf(buf, size, "%.*s", (int)last, a);
}

static void say(const struct memo *m, const char *line)
{
	memo_message_fn *f = m->opt.notice ? m->opt.notice : m->opt.message;
	if (f)
		f(m->opt.message_ctx, line);
}

/* The outside-the-workspace hint: the first write of the run that the
 * sandbox refused for that reason. How to widen: the workspace could take
 * in the path when both lie in one directory below the home directory or
 * a project tree (SHARK_WORKSPACE=that directory, or start shark there);
 * elsewhere (another disk, a system directory) a grant fits better. */
static void hint_write(const struct memo *m, const struct memo_stage *s,
		       const struct sandbox_result *res, const char *scratch)
{
	char target[PATH_MAX];
	for (size_t i = 0; i < res->n_accesses; i++) {
		const struct sandbox_access *a = &res->accesses[i];
		if (!(a->kinds & SANDBOX_ACCESS_WRITE) || a->path[0] != '/')
			continue;
		if (!resolve_target(a->path, target, sizeof(target)))
			continue;
		if (writable_inside(m, target, scratch))
			continue;
		char ca[PATH_MAX], line[5 * PATH_MAX + 512];
		common_dir(m->workspace, target, ca, sizeof(ca));
		const char *home = getenv("HOME");
		bool too_wide = strcmp(ca, "/") == 0 || (home && under(home, ca) && strcmp(home, ca) != 0);
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", target);
		char *sl = strrchr(dir, '/');
		if (sl && sl != dir)
			*sl = '\0';
		if (too_wide)
			snprintf(line, sizeof(line),
				 "shark: hint: %s could not write %s: it is outside the workspace %s "
				 "(read-only in the sandbox); to let commands write there, start shark "
				 "with SHARK_WRITABLE=%s",
				 s->argv[0], target, m->workspace, dir);
		else
			snprintf(line, sizeof(line),
				 "shark: hint: %s could not write %s: it is outside the workspace %s "
				 "(read-only in the sandbox); widen the workspace with "
				 "SHARK_WORKSPACE=%s (or start shark in %s), or grant the path with "
				 "SHARK_WRITABLE=%s",
				 s->argv[0], target, m->workspace, ca, ca, dir);
		say(m, util_name(line));
		return;
	}
}

static void hint_network(const struct memo *m, const struct memo_stage *s,
			 const struct sandbox_result *res)
{
	if (s->flags & MEMO_NETWORK)
		return;
	for (size_t i = 0; i < res->n_accesses; i++) {
		if (strcmp(res->accesses[i].path, "/etc/resolv.conf") != 0 ||
		    !(res->accesses[i].kinds & SANDBOX_ACCESS_READ))
			continue;
		char line[512];
		snprintf(line, sizeof(line),
			 "shark: hint: %s looked a host name up, and commands have no network in "
			 "the sandbox; to give it the network (never recorded), run it as "
			 "`network %s ...`",
			 s->argv[0], s->argv[0]);
		say(m, util_name(line));
		return;
	}
}

void memo_hints_after_run(const struct memo *m, const struct memo_stage *s,
			  const struct sandbox_result *res, const char *scratch)
{
	if (!m->opt.notices || !res || res->exit_code == 0)
		return;
	hint_write(m, s, res, scratch);
	hint_network(m, s, res);
}
