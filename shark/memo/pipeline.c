/* pipeline.c - one pipeline through the engine (memo_run_pipeline), as a
 * sequence of steps over its per-stage state (struct memo_pstage):
 *
 *   plan       where each stage's stdin comes from and where its stdout
 *              goes, decided once; the identity of every stdin from
 *              outside the pipeline; the rest of each key
 *   look up    from the first stage, while every stage's stdin is known
 *              and it hits: key, lookup, pins on the hit's blobs
 *   replay     the hits: their stderr, their stdout where it leaves the
 *              pipeline, their effects, their statuses
 *   history    one run record per hit, and the "cached" notice
 *   run        the first miss and every stage after it (run.c), the first
 *              of them fed from the store's copy of its upstream's output
 *
 * then the automatic gc when something was recorded. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <linux/kcmp.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

/* ---- plan ------------------------------------------------------------------ */

#define SELF_REASON "it is shark's own program: ran on the host, never looked up nor recorded"


/* Which of fds 0-2 are terminals (bits 0-2), and whether stdin's is our
 * controlling terminal (bit 3): a command's open of /dev/tty that uses
 * nothing is recordable then (docs/memo.md, "Terminals"), and it opens
 * exactly when the terminal is the controlling one. */
static unsigned tty_bits(int fd_in, int fd_out, int fd_err)
{
	bool in = fd_in >= 0 && isatty(fd_in);

	return (in ? 1u : 0) | (fd_out >= 0 && isatty(fd_out) ? 2u : 0) |
	       (fd_err >= 0 && isatty(fd_err) ? 4u : 0) | (in && tcgetpgrp(fd_in) >= 0 ? 8u : 0);
}

/* Whether fds a and b are one open file description (`2>&1`, `> log
 * 2>&1`, `exec > log 2>&1`, one terminal): what the command writes to
 * either is then one stream whose order matters. kcmp(KCMP_FILE) says so
 * exactly; where the kernel lacks it (no CONFIG_CHECKPOINT_RESTORE, or a
 * seccomp filter that refuses it), the same pipe or terminal is one stream
 * whichever description writes to it, and two descriptors of one regular
 * file share a description when moving one's offset moves the other's
 * (moved back at once; the shell is the only one using them now). */
static bool same_open_file(int a, int b)
{
	if (a < 0 || b < 0)
		return false;
	if (a == b)
		return true;
	pid_t me = util_getpid();
	long k = syscall(SYS_kcmp, me, me, KCMP_FILE, a, b);
	if (k >= 0)
		return k == 0;
	struct stat sa, sb;
	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0 || sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino)
		return false;
	if (!S_ISREG(sa.st_mode))
		return true;
	off_t oa = lseek(a, 0, SEEK_CUR), ob = lseek(b, 0, SEEK_CUR);
	if (oa < 0 || oa != ob || lseek(a, oa + 1, SEEK_SET) < 0)
		return false;
	bool same = lseek(b, 0, SEEK_CUR) == oa + 1;
	(void)lseek(a, oa, SEEK_SET);
	return same;
}

/* Stage i's stdin source and, for one from outside the pipeline, its fd
 * and identity (a finished pipe is spooled into a memory file the stage
 * then reads). */
static void plan_stdin(struct memo *m, const struct memo_stage *stages, size_t i, int fd_in,
		       struct memo_pstage *ps)
{
	const struct memo_stage *s = &stages[i];
	if (i > 0 && s->fd_in < 0) {
		ps->in_src = stages[i - 1].fd_out >= 0 ? MEMO_IN_EMPTY : MEMO_IN_PREVIOUS;
		return;
	}
	ps->in_src = MEMO_IN_OUTSIDE;
	ps->in_fd = s->fd_in >= 0 ? s->fd_in : fd_in;
	/* A closed stdin (`cmd <&-`): the command reads /dev/null in the
	 * sandbox (docs/language.md), keyed as such; the number is not passed
	 * on (the engine's own fds may take it). */
	if (ps->in_fd >= 0 && fcntl(ps->in_fd, F_GETFD) < 0 && errno == EBADF)
		ps->in_fd = -1;
	ps->in_caller = ps->in_fd;
	ps->in_reason = "its input is a pipe from outside shark's pipeline";
	if (i == 0 && s->fd_in < 0 && (s->flags & MEMO_WAIT_STDIN) &&
	    memo_stdin_wait(ps->in_fd, &ps->key.in, &ps->in_owned, &ps->in_hash_fd) == 0) {
		ps->in_reason = "its input, a pipe from the stage before it, did not end "
				"within 3 s and 8 MiB";
	} else if (memo_stdin_identity(m, ps->in_fd, &ps->key.in, &ps->in_owned) < 0) {
		ps->key.in.kind = MEMO_STDIN_STREAM;
	}
	if (ps->in_owned >= 0)
		ps->in_fd = ps->in_owned;
}

/* The pipeline's per-stage state: everything known before anything runs. */
static int plan(struct memo *m, const char *cwd, const struct memo_stage *stages, size_t n,
		int fd_in, int fd_out, int *ret_status, struct memo_pipeline *p)
{
	*p = (struct memo_pipeline){ .m = m, .cwd = cwd, .n = n, .status = ret_status };
	mode_t mask = umask(0); /* read it: umask has no getter */
	umask(mask);
	sigset_t ign;
	memo_ignored_signals(&ign);
	/* SIGHUP, SIGINT and SIGQUIT come from the terminal or the session,
	 * never from the run itself, and sh ignores INT and QUIT for every
	 * `cmd &`, nohup HUP: keyed, they would split the runs of a script
	 * started in the background from its foreground runs. A run such a
	 * signal ends is not recorded; one that ignores it goes on as if none
	 * came. */
	sigdelset(&ign, SIGHUP);
	sigdelset(&ign, SIGINT);
	sigdelset(&ign, SIGQUIT);
	uint64_t sigign = memo_sigset_bits(&ign);
	struct rlimit stack = { 0, 0 };
	(void)memo_ulimit_get(RLIMIT_STACK, &stack);
	p->st = calloc(n, sizeof(*p->st));
	if (!p->st)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct memo_pstage *ps = &p->st[i];
		const struct memo_stage *s = &stages[i];
		ps->s = s;
		ps->idx = i;
		ps->in_fd = ps->in_owned = ps->in_caller = ps->in_hash_fd = -1;
		ps->pins.out = ps->pins.err = -1;
		ps->out_dest = s->fd_out >= 0 ? s->fd_out : (i == n - 1 ? fd_out : -1);
		ps->live = memo_command_is_live(s->argv, s->envp);
		int tty_in = s->fd_in >= 0 ? s->fd_in : (i == 0 ? fd_in : -1);
		ps->key = (struct memo_keyspec){
			.workspace = m->workspace,
			.cwd = cwd,
			.argv = s->argv,
			.envp = s->envp,
			.ttys = tty_bits(tty_in, ps->out_dest, s->fd_err),
			.grants = (s->flags & MEMO_NETWORK) ? MEMO_NETWORK : 0,
			.merged = s->err_to_out || same_open_file(ps->out_dest, s->fd_err),
			.umask = (unsigned)mask,
			.sigign = sigign,
			.stack_cur = stack.rlim_cur,
			.stack_max = stack.rlim_max,
		};
		plan_stdin(m, stages, i, fd_in, ps);
		if (ps->in_src == MEMO_IN_EMPTY) {
			ps->key.in.kind = MEMO_STDIN_UPSTREAM;
			store_hash_bytes("", 0, &ps->key.in.hash);
		}
	}
	return 0;
}

static void pipeline_free(struct memo_pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct memo_pstage *ps = &p->st[i];
		memo_pins_close(&ps->pins);
		store_trace_free(ps->hit);
		if (ps->in_owned >= 0)
			close(ps->in_owned);
		if (ps->in_hash_fd >= 0)
			close(ps->in_hash_fd);
	}
	free(p->st);
}

/* ---- look up --------------------------------------------------------------- */

/* Whether t is a "cut" trace: a producer whose consumer left early, cut
 * off by the engine and dead of that SIGPIPE (run.c). Its stdout is what
 * it wrote until then, the start of a stream that did not end: it may
 * feed only a consumer recorded as having left early on that very stream
 * (UPSTREAM_CUT), never a consumer that runs, which would read it to an
 * end the real stream does not have. No other trace has status 141:
 * statuses over 125 and other signals are never recorded. */
static bool trace_is_cut(const struct store_trace *t)
{
	return t->exit_status == 128 + SIGPIPE;
}

/* What a stage reading a hit's stdout has as stdin: that output's hash. */
static void stdin_from_hit(const struct store_trace *up, struct memo_stdin *ret)
{
	*ret = (struct memo_stdin){ .kind = trace_is_cut(up) ? MEMO_STDIN_UPSTREAM_CUT
							     : MEMO_STDIN_UPSTREAM,
				    .hash = up->stdout_blob };
	if (up->stdout_size == 0)
		store_hash_bytes("", 0, &ret->hash);
}

/* The lookup filter of a stage that feeds the next (ps is that next
 * stage): a cut trace serves only when that next stage has a record under
 * the key it would then have. One producer has one cut trace per way it
 * was cut (its consumer left after other amounts), and the newest must not
 * hide the one this consumer was recorded with. */
static bool cut_feeds_a_record(store_txn *txn, const struct store_trace *t, void *ctx)
{
	const struct memo_pstage *next = ctx;
	if (!trace_is_cut(t))
		return true;
	struct memo_keyspec k = next->key;
	stdin_from_hit(t, &k.in);
	store_hash key, *ids = NULL;
	size_t n = 0;
	if (memo_action_key(&k, &key) < 0 || store_action_traces(txn, &key, &ids, &n) < 0)
		return false;
	free(ids);
	return n > 0;
}

/* Whether t's stdout was recorded by hash only (keep.c): it feeds the
 * next stage's key, never a reader. */
static bool trace_is_hash_only(const struct store_trace *t)
{
	return (t->flags & STORE_TRACE_STDOUT_HASH_ONLY) && t->stdout_size > 0;
}

/* The lookup filter: a trace whose stdout was kept by hash only cannot
 * serve a stage whose stdout leaves the pipeline (the last stage, a
 * redirection: `cat big > out` has the key `cat big | md5sum` recorded
 * `cat big` under), which must replay the bytes; such a stage runs and
 * records a trace that keeps them. */
struct hit_filter {
	const struct memo_pstage *ps, *next; /* next: the stage it feeds, or NULL */
};

static bool hit_usable(store_txn *txn, const struct store_trace *t, void *ctx)
{
	const struct hit_filter *f = ctx;
	if (trace_is_hash_only(t) && f->ps->out_dest >= 0)
		return false;
	/* under `ulimit -f` the run would not have written it all, and
	 * would have been killed (SIGXFSZ): it runs */
	bool over = false;
	if (f->ps->out_dest >= 0)
		(void)memo_fsize_room(f->ps->out_dest, t->stdout_size, &over);
	if (!over && f->ps->s->fd_err >= 0)
		(void)memo_fsize_room(f->ps->s->fd_err, t->stderr_size, &over);
	uint64_t fl = memo_fsize_limit();
	if (!over && fl != (uint64_t)RLIM_INFINITY)
		for (size_t i = 0; !over && i < t->n_effects; i++)
			over = t->effects[i].kind == STORE_EFFECT_FILE && t->effects[i].size > fl;
	if (over)
		return false;
	return !f->next || cut_feeds_a_record(txn, t, (void *)f->next);
}

/* Whether stage ps hits, looked up after every stage before it did. The
 * hit's blobs are pinned open until the replay is done: a hit whose blobs
 * are gone (gc, damage) is a miss. */
static bool look_up(struct memo_pipeline *p, struct memo_pstage *ps)
{
	struct memo *m = p->m;
	if (m->opt.force || ps->live || (ps->s->flags & (MEMO_FORCE | MEMO_UNCACHED | MEMO_NETWORK)))
		return false;
	if (!memo_store(m))
		return false;
	if (ps->in_src == MEMO_IN_PREVIOUS)
		stdin_from_hit(p->st[ps->idx - 1].hit, &ps->key.in);
	else if (ps->key.in.kind == MEMO_STDIN_STREAM)
		return false; /* unknown until read */
	if (memo_action_key(&ps->key, &ps->action_key) < 0)
		return false;
	const struct memo_pstage *next = ps->idx + 1 < p->n ? &p->st[ps->idx + 1] : NULL;
	bool feeds = next && next->in_src == MEMO_IN_PREVIOUS;
	struct hit_filter filter = { .ps = ps, .next = feeds ? next : NULL };
	m->output_dirs = memo_env_get(ps->s->envp, "SHARK_OUTPUT_DIRS");
	m->mkdir_dirs = memo_mkdir_parents_operands(ps->s->argv, ps->s->envp);
	m->mkdir_cwd = p->cwd;
	int found = memo_lookup_filtered(m, &ps->action_key, hit_usable, &filter, &ps->hit,
					 &ps->hit_id);
	/* a local miss: the shared cache may have it (remote.c brings a
	 * verified trace and its blobs in, then it is a local hit) */
	if (found <= 0 && memo_remote_fetch(m, &ps->action_key) > 0) {
		found = memo_lookup_filtered(m, &ps->action_key, hit_usable, &filter, &ps->hit,
					     &ps->hit_id);
		ps->remote = found > 0;
	}
	m->output_dirs = NULL;
	m->mkdir_dirs = NULL;
	if (found <= 0)
		return false;
	/* A hit must leave a file or spooled stdin where the run left it. */
	if (ps->in_src == MEMO_IN_OUTSIDE &&
	    (ps->key.in.kind == MEMO_STDIN_FILE || ps->key.in.kind == MEMO_STDIN_SPOOLED) &&
	    memo_trace_stdin_used(ps->hit, &ps->key.in.used) < 0) {
		store_trace_free(ps->hit);
		ps->hit = NULL;
		return false;
	}
	if (memo_pins_open(m, ps->hit, &ps->pins) < 0) {
		store_trace_free(ps->hit);
		ps->hit = NULL;
		return false;
	}
	return true;
}

/* ---- the caller's stdin, after ---------------------------------------------- */

/* Leave the caller's stdin of an OUTSIDE stage as a real run leaves it,
 * for what the shell reads next (`while read l; do cmd; done`, `{ head -n
 * 1; cat; } < f`). A file: the offset after what the command read (a run
 * moved it itself; a hit moves it by the recorded count). A finished pipe
 * that was spooled: the engine has read all of it, so the caller's fd
 * becomes the memory file, positioned after what the command read; a
 * command that never reads stdin leaves the whole of it to the shell, as
 * in sh. (Where sh's reader would have lost a block it read ahead from a
 * pipe, the memory file is seekable and tools leave exactly the rest:
 * docs/memo.md.) */
static void settle_stdin(struct memo_pstage *ps)
{
	if (ps->in_src != MEMO_IN_OUTSIDE || ps->in_caller < 0)
		return;
	if (ps->key.in.kind == MEMO_STDIN_FILE) {
		if (ps->hit)
			(void)lseek(ps->in_caller, (off_t)(ps->key.in.offset + ps->key.in.used),
				    SEEK_SET);
		return;
	}
	if (ps->key.in.kind != MEMO_STDIN_SPOOLED || ps->in_owned < 0 ||
	    ps->in_owned == ps->in_caller)
		return;
	if (ps->hit)
		(void)lseek(ps->in_owned, (off_t)ps->key.in.used, SEEK_SET);
	int fdfl = fcntl(ps->in_caller, F_GETFD);
	if (fdfl >= 0)
		(void)dup3(ps->in_owned, ps->in_caller, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
}

/* ---- replay ---------------------------------------------------------------- */

/* Copy a pinned blob (size bytes) to fd: sendfile where it works (any
 * output since Linux 2.6.33), read/write otherwise. -EPIPE when the reader
 * went away. */
static int replay_fd(int in, uint64_t size, int fd)
{
	if (size == 0 || fd < 0 || in < 0)
		return 0;
	off_t off = 0;
	while ((uint64_t)off < size) {
		ssize_t n = sendfile(fd, in, &off, (size_t)(size - (uint64_t)off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EINVAL || errno == ENOSYS))
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
	}
	char buf[65536];
	while ((uint64_t)off < size) {
		ssize_t n = pread(in, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		int r = util_write_all(fd, buf, (size_t)n);
		if (r < 0)
			return r;
		off += n;
	}
	return 0;
}

/* Replay one hit: stderr, stdout only where it leaves the pipeline (the
 * last stage, or a stage redirected elsewhere), then the effects. Returns
 * its shell status. */
static int replay(struct memo *m, const struct memo_pstage *ps)
{
	const struct store_trace *t = ps->hit;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	int r = replay_fd(ps->pins.out, t->stdout_size, ps->out_dest);
	if (r == 0)
		r = replay_fd(ps->pins.err, t->stderr_size, ps->s->fd_err);
	sigaction(SIGPIPE, &old, NULL);
	if (r < 0 && r != -EPIPE)
		memo_warn(m, "shark: replaying %s failed: %s", ps->s->argv[0], store_strerror(r));
	memo_replay_effects(m, t, ps->pins.fx);
	/* A reader that went away kills a real command with SIGPIPE. */
	return r == -EPIPE ? 128 + SIGPIPE : t->exit_status;
}

/* ---- history --------------------------------------------------------------- */

/* Whether what a hit replayed last onto a terminal (its stderr, else its
 * stdout) ended without a newline: the notice would be glued to it. */
static bool ends_mid_line(const struct memo_pstage *ps)
{
	const struct store_trace *t = ps->hit;
	int fd = -1;
	uint64_t size = 0;
	if (t->stderr_size && ps->s->fd_err >= 0 && isatty(ps->s->fd_err)) {
		fd = ps->pins.err;
		size = t->stderr_size;
	} else if (t->stdout_size && ps->out_dest >= 0 && isatty(ps->out_dest)) {
		fd = ps->pins.out;
		size = t->stdout_size;
	}
	char c;
	return fd >= 0 && pread(fd, &c, 1, (off_t)(size - 1)) == 1 && c != '\n';
}

/* One history record per hit (queued, no fsync of its own: it is written
 * with the next write or when the store closes), and, when the whole
 * pipeline hit, the "cached" notice with the time saved. Stages ran
 * concurrently: the pipeline took as long as its longest stage. */
static void record_hits(struct memo_pipeline *p, int64_t t0)
{
	struct memo *m = p->m;
	/* the runs of a batch left open come first in the history */
	memo_commit_pending(m);
	size_t hits = p->first_miss;
	uint64_t saved = 0;
	for (size_t i = 0; i < hits; i++)
		if (p->st[i].hit->duration_ns > saved)
			saved = p->st[i].hit->duration_ns;
	uint64_t spent = (uint64_t)(util_now_ns(CLOCK_MONOTONIC) - t0);
	uint64_t each = spent / hits;
	for (size_t i = 0; i < hits; i++) {
		const struct memo_pstage *ps = &p->st[i];
		struct store_run run = {
			.start_ns = util_now_ns(CLOCK_REALTIME),
			.duration_ns = each,
			.saved_ns = ps->hit->duration_ns > each ? ps->hit->duration_ns - each : 0,
			.outcome = STORE_RUN_HIT,
			.exit_status = ps->hit->exit_status,
			.action_key = ps->action_key,
			.trace_id = ps->hit_id,
			.cwd = p->cwd,
			.command = ps->s->text ? ps->s->text : ps->s->argv[0],
		};
		(void)store_run_defer(m->st, &run);
	}
	memo_message_fn *say = m->opt.notice ? m->opt.notice : m->opt.message;
	bool remote = false;
	for (size_t i = 0; i < hits; i++)
		remote = remote || p->st[i].remote;
	if (m->opt.notices && hits == p->n && m->opt.hit) {
		m->opt.hit(m->opt.message_ctx, saved > spent ? saved - spent : 0,
			   ends_mid_line(&p->st[p->n - 1]), remote);
	} else if (m->opt.notices && hits == p->n && say) {
		if (ends_mid_line(&p->st[p->n - 1]))
			say(m->opt.message_ctx, ""); /* the notice starts a line */
		char buf[32], line[64];
		util_format_duration_short(saved > spent ? saved - spent : 0, buf, sizeof(buf));
		snprintf(line, sizeof(line), "shark: cached%s \xc2\xb7 saved %s",
			 remote ? " (remote)" : "", buf);
		say(m->opt.message_ctx, line);
	}
}

/* ---- run ------------------------------------------------------------------- */

/* The first stage that runs, when it reads a hit's stdout, reads the
 * store's pinned copy of it (an empty one needs no blob; -1 when it cannot
 * be read, which fails the set-up). */
static void feed_from_hit(struct memo_pipeline *p)
{
	struct memo_pstage *ps = &p->st[p->first_miss];
	if (ps->in_src != MEMO_IN_PREVIOUS)
		return;
	struct memo_pstage *up = &p->st[p->first_miss - 1];
	stdin_from_hit(up->hit, &ps->key.in);
	int fd = up->pins.out;
	if (fd < 0)
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	else if (lseek(fd, 0, SEEK_SET) < 0)
		fd = -1;
	else
		up->pins.out = -1; /* handed over */
	ps->in_fd = ps->in_owned = fd;
}

/* The stages that run start at the first miss, unless the hit before it
 * cannot feed a stage that runs: a cut producer (its output is the start
 * of a stream that went on), or a stage whose output was recorded by hash
 * only (keep.c) when the first miss reads it. Such a stage runs again to
 * regenerate its output, and so on upstream while the stage before is one
 * too: the fewest stages that give the missing stage its input. A
 * regenerated stage is told (ps->regen) so its run record says why it ran
 * and whether its output came out as recorded (run.c); whatever it gives,
 * the stages after it are keyed by what they receive. */
static void step_back(struct memo_pipeline *p)
{
	while (p->first_miss > 0 && p->first_miss < p->n) {
		struct memo_pstage *up = &p->st[p->first_miss - 1];
		bool regen = trace_is_hash_only(up->hit) &&
			     p->st[p->first_miss].in_src == MEMO_IN_PREVIOUS;
		if (!trace_is_cut(up->hit) && !regen)
			return;
		if (regen) {
			up->regen = true;
			up->regen_hash = up->hit->stdout_blob;
			up->regen_size = up->hit->stdout_size;
		}
		p->first_miss--;
		memo_pins_close(&up->pins);
		store_trace_free(up->hit);
		up->hit = NULL;
	}
}

/* A workspace with a mount point inside cannot be overlaid, so no command
 * runs there; and since a replay must give what a run would, none is
 * replayed either: every stage fails with status 126 and a message naming
 * the mount. Looked at once per process (/proc/self/mountinfo); effects
 * never cross a mount even if one appears later (SANDBOX_E_CROSSES_MOUNT). */
static bool workspace_has_mount(struct memo *m, const struct memo_stage *stages, size_t n,
				int *ret_status)
{
	if (m->submount == 0) {
		char mp[4096];
		int r = sandbox_workspace_find_mount(m->workspace, mp, sizeof(mp));
		m->submount = -1;
		if (r == 1 && (m->submount_path = strdup(mp)))
			m->submount = 1;
	}
	if (m->submount < 0)
		return false;
	memo_warn(m,
		  "shark: %s: not run: the workspace %s has a mount point inside it (%s); "
		  "commands are neither run nor replayed there (unmount it, or set "
		  "SHARK_WORKSPACE to a directory without mounts inside)",
		  stages[0].argv[0], m->workspace, m->submount_path);
	for (size_t i = 0; i < n; i++)
		ret_status[i] = 126;
	return true;
}

int memo_run_pipeline(struct memo *m, const char *cwd, const struct memo_stage *stages,
		      size_t n, int fd_in, int fd_out, int *ret_status)
{
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((stages[i].flags & MEMO_HOST) && n != 1)
			return -EINVAL; /* the shell runs such a stage on its own */
	if (stages[0].flags & MEMO_HOST)
		return memo_run_host(m, cwd, &stages[0], fd_in, fd_out, ret_status);
	if (n == 1 && memo_command_is_self(stages[0].argv, stages[0].envp))
		return memo_run_host_because(m, cwd, &stages[0], fd_in, fd_out, SELF_REASON,
					     ret_status);
	if (workspace_has_mount(m, stages, n, ret_status))
		return 0;
	int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
	(void)memo_store(m); /* opened here, so stdin hashing uses the stat cache */
	struct memo_pipeline p;
	int result = plan(m, cwd, stages, n, fd_in, fd_out, ret_status, &p);
	if (result < 0)
		return result;
	while (p.first_miss < n && look_up(&p, &p.st[p.first_miss]))
		p.first_miss++;
	step_back(&p);
	for (size_t i = 0; i < p.first_miss; i++)
		ret_status[i] = replay(m, &p.st[i]);
	if (p.first_miss > 0)
		record_hits(&p, t0);
	if (p.first_miss < n) {
		feed_from_hit(&p);
		result = memo_run_stages(&p);
		memo_remote_after_pipeline(m);
		if (m->recorded)
			memo_auto_gc(m);
	}
	for (size_t i = 0; i < n; i++)
		settle_stdin(&p.st[i]);
	pipeline_free(&p);
	return result;
}

/* ---- probe (shark why -c) ---------------------------------------------------- */

static const char PROBE_REGEN[] = "its output was recorded by hash only (cheaper to run "
				  "again than to store) and the next stage would miss: it would "
				  "run again to regenerate it";
#define PROBE_HASH_ONLY_OUT "it was recorded in a pipeline, its output kept by hash only; " \
			    "here its output is needed, so it would run"

int memo_probe_pipeline(struct memo *m, const char *cwd, const struct memo_stage *stages,
			size_t n, int fd_in, int fd_out, struct memo_probe *ret)
{
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		ret[i] = (struct memo_probe){ 0 };
	(void)memo_store(m);
	struct memo_pipeline p;
	int r = plan(m, cwd, stages, n, fd_in, fd_out, NULL, &p);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct memo_pstage *ps = &p.st[i];
		struct memo_probe *pr = &ret[i];
		if (m->opt.force || ps->live ||
		    (ps->s->flags & (MEMO_FORCE | MEMO_UNCACHED | MEMO_NETWORK))) {
			pr->outcome = MEMO_PROBE_UNCACHED;
			pr->reason = (ps->s->flags & MEMO_NETWORK) ? "it is granted the network"
				     : (ps->s->flags & MEMO_UNCACHED) ? "it is marked nocache"
				     : ps->live			      ? MEMO_LIVE_REASON
									: "it is forced";
			continue;
		}
		if (ps->in_src == MEMO_IN_PREVIOUS) {
			if (!p.st[i - 1].hit) {
				pr->outcome = MEMO_PROBE_UNKNOWN;
				pr->reason = "its stdin is the previous stage's output, which is "
					     "known only once that stage has run";
				continue;
			}
			stdin_from_hit(p.st[i - 1].hit, &ps->key.in);
		} else if (ps->key.in.kind == MEMO_STDIN_STREAM) {
			pr->outcome = MEMO_PROBE_UNKNOWN;
			pr->reason = "its stdin is a pipe from outside the pipeline, known only "
				     "once read";
			continue;
		}
		if (memo_action_key(&ps->key, &ps->action_key) < 0 ||
		    memo_key_info(&ps->key, &ps->action_key, &pr->key_info, &pr->key_info_len) < 0) {
			r = -ENOMEM;
			break;
		}
		store_hash_to_hex(&ps->action_key, pr->key);
		pr->outcome = MEMO_PROBE_MISS;
		if (memo_lookup(m, &ps->action_key, &ps->hit, &ps->hit_id) > 0) {
			pr->outcome = MEMO_PROBE_HIT;
			store_hash_to_hex(&ps->hit_id, pr->trace);
			if (trace_is_hash_only(ps->hit) && ps->out_dest >= 0) {
				pr->outcome = MEMO_PROBE_MISS;
				pr->trace[0] = '\0';
				pr->reason = PROBE_HASH_ONLY_OUT;
			}
		}
	}
	/* A stage that would miss and reads a hit's output kept by hash only:
	 * that stage would run again to regenerate it (step_back), and so on
	 * upstream. */
	for (size_t i = n; r >= 0 && i-- > 1;) {
		bool needs_input = ret[i].outcome == MEMO_PROBE_MISS || ret[i].reason == PROBE_REGEN;
		if (needs_input && p.st[i].in_src == MEMO_IN_PREVIOUS && p.st[i - 1].hit &&
		    ret[i - 1].outcome == MEMO_PROBE_HIT && trace_is_hash_only(p.st[i - 1].hit))
			ret[i - 1].reason = PROBE_REGEN;
	}
	pipeline_free(&p);
	if (r < 0)
		memo_probe_release(ret, n);
	return r < 0 ? r : 0;
}

void memo_probe_release(struct memo_probe *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].key_info);
		p[i].key_info = NULL;
	}
}
