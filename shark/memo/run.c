/* run.c - running the stages that missed (memo_run_stages): each in its
 * own sandbox, all at once as in sh, with the engine in the middle of
 * every pipe. The steps, over one struct srun per stage: set up (stdin as
 * the plan decided it, stdout/stderr pipes or ptys, scratch dir, blob
 * writers), start every sandbox, relay, wait, record, apply the effects.
 *
 * Each running stage writes its stdout and stderr into pipes the engine
 * reads. Every chunk is hashed, appended to a blob writer (the record) and
 * passed on: to the next stage's stdin pipe, which the engine holds
 * non-blocking so a slow consumer never stalls the other stages, or to the
 * pipeline's own output. When a consumer goes away early, the engine closes
 * the producer's pipe, so the producer meets EPIPE/SIGPIPE exactly as in sh
 * (`yes | head -n 1` ends). After every stage ended, each is recorded under
 * the key its stdin turned out to have, and its effects are applied. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

#define RELAY_CHUNK (256 * 1024)

/* The pipes a stage's stdout crosses (into the engine, on to the next
 * stage) hold this much: a big stream then costs a quarter of the wake-ups
 * of the default 64 KiB. Best effort: the system's pipe limits may refuse
 * it (pipe-max-size, a user's pipe-user-pages-soft), and then the pipe
 * keeps its default size. */
#define RELAY_PIPE_SIZE (256 * 1024)

static void widen_pipe(int fd)
{
	(void)fcntl(fd, F_SETPIPE_SZ, RELAY_PIPE_SIZE);
}

/* When a stage stops reading its stdin early (`sort | head`), the producer
 * is not cut off at once: its output is still read and stored, up to this
 * much more, so that a producer that was about to finish completes and both
 * stages can be recorded. A producer that goes on (`yes | head`) is then cut
 * off and meets SIGPIPE as in sh. docs/memo.md lists this difference. */
#define DRAIN_LIMIT ((uint64_t)64 << 20)

/* A running stage: its plan (key, stdin source, where its stdout goes) and
 * what the runner keeps for it, grouped by the step that fills it in. */
struct srun {
	struct memo_pstage *ps;
	/* set-up */
	char *scratch;
	int scratch_hold;	/* keeps gc off the scratch dir (store_scratch_hold) */
	sandbox_run *run;
	bool started;
	int64_t start_real;
	/* stdin */
	int in_fd;		/* what the sandbox gets as stdin */
	bool in_known;		/* its key.in was known before the run */
	int in_r;		/* read end of the relay pipe into this stage */
	int in_w;		/* write end of it, held by the engine (non-blocking) */
	bool in_complete;	/* everything upstream produced was delivered */
	/* stdout and stderr, relayed */
	int out_r, out_w, err_r, err_w;
	int out_dest;		/* an outside fd for stdout, or -1 */
	struct srun *next;	/* the stage our stdout feeds, or NULL */
	bool out_eof, err_eof, out_cut;
	bool over_out, over_err; /* its stdout, its stderr went over
				 * `ulimit -f` in a file (both when they
				 * are the same file): sent SIGXFSZ, the rest
				 * of that one dropped */
	bool draining;		/* next stage closed its stdin; still storing */
	bool drain_cut;		/* cut off at DRAIN_LIMIT while draining, its
				 * output recorded so far (a "cut" trace) */
	uint64_t drained;
	char *pend;		/* bytes not yet taken by next->in_w */
	size_t pend_len, pend_off;
	store_hasher *hout;	/* hash of everything on stdout */
	store_blob_writer *wout, *werr;
	uint64_t out_n, err_n;
	store_hash out_hash;	/* hout's hash, once the stage ended */
	/* the location-bound test of stdout and stderr, run as they pass
	 * (reloc.c), so that a recording does not read them back */
	struct memo_bound_scan bout, berr;
	/* the intermediates rule (keep.c) */
	enum memo_keep keep;
	bool may_drop;		/* its stdout only feeds the next running stage:
				 * it may be recorded by hash only */
	bool hash_only;		/* its stdout is no longer stored: recorded by
				 * hash and size only */
	int64_t start_mono;
	int64_t stall_since;	/* its consumer has not taken all of the last
				 * chunk since then (pend), or 0 */
	uint64_t stalled_ns;	/* time it so waited for its consumer: not
				 * its own cost */
	/* the end */
	struct sandbox_result *res;
	int status;
	const char *reason;	/* why it will not be recorded, or NULL */
	bool waited;		/* wait_stage ran */
	bool finished;		/* finish_stage ran, during the relay */
	/* its file changes, kept from finish_stage to apply_stage */
	sandbox_effects *fx;
	struct store_effect *effects;
	int *effect_fds;	/* pinned contents, when imported into the store */
	size_t n_effects;
	bool imported;
	/* what it wrote under /tmp (scanned against "/tmp"): merged into
	 * effects with "/tmp/" paths when recorded (tmp_paths owns them),
	 * else applied from here */
	sandbox_effects *tfx;
	bool tmp_merged;
	char **tmp_paths;
	size_t n_tmp_paths;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void no_record(struct srun *r, const char *why)
{
	if (!r->reason)
		r->reason = why;
	store_blob_writer_free(r->wout);
	store_blob_writer_free(r->werr);
	r->wout = r->werr = NULL;
	r->may_drop = r->hash_only = false;
}

/* Stop storing r's stdout: it will be recorded by hash only (keep.c). The
 * writer's temporary object goes without ever being synced. */
static void stop_keeping(struct srun *r)
{
	store_blob_writer_free(r->wout);
	r->wout = NULL;
	r->hash_only = true;
}

/* Whether r is still to be recorded with its stdout: stored, or by hash. */
static bool out_recordable(const struct srun *r)
{
	return r->wout || r->hash_only;
}

/* Append to a blob writer within the size cap; past it, stop recording. */
static void blob_append(struct memo *m, struct srun *r, store_blob_writer **w, uint64_t *count,
			const char *buf, size_t n)
{
	*count += n;
	if (!*w)
		return;
	if (*count > m->opt.max_output) {
		no_record(r, "its output exceeded the size cap");
		return;
	}
	int e = store_blob_write(*w, buf, n);
	if (e < 0) {
		memo_store_failed(m, "write", e);
		no_record(r, "the store could not take its output");
	}
}

/* The end of a wait for the consumer (see stalled_ns). */
static void stall_end(struct srun *r)
{
	if (r->stall_since) {
		r->stalled_ns += (uint64_t)(util_now_ns(CLOCK_MONOTONIC) - r->stall_since);
		r->stall_since = 0;
	}
}

/* The stage our stdout feeds stopped reading: stop reading the producer,
 * so it gets EPIPE or SIGPIPE at its next write, as in sh. */
static void cut_output(struct srun *r)
{
	stall_end(r);
	close_fd(&r->out_r);
	r->out_eof = true;
	r->out_cut = true;
	free(r->pend);
	r->pend = NULL;
	r->pend_len = r->pend_off = 0;
	if (r->next) {
		close_fd(&r->next->in_w);
	}
}

/* The next stage closed its stdin: keep storing our output (see
 * DRAIN_LIMIT) without passing it on. */
static void start_drain(struct srun *r)
{
	stall_end(r);
	free(r->pend);
	r->pend = NULL;
	r->pend_len = r->pend_off = 0;
	r->draining = true;
	if (r->next)
		close_fd(&r->next->in_w);
}

static void finish_relay(struct srun *r)
{
	if (!r->next)
		return;
	if (r->draining) {
		r->next->in_complete = true; /* all of it is known, if not all was read */
	} else if (r->pend_len == 0 && r->next->in_w >= 0) {
		close_fd(&r->next->in_w);
		r->next->in_complete = true;
	}
}

static void flush_pending(struct srun *r)
{
	while (r->pend_len > 0) {
		ssize_t w = write(r->next->in_w, r->pend + r->pend_off, r->pend_len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			start_drain(r); /* EPIPE: the next stage closed its stdin */
			return;
		}
		r->pend_off += (size_t)w;
		r->pend_len -= (size_t)w;
	}
	stall_end(r);
	free(r->pend); /* all passed on: on_stdout allocates the next one */
	r->pend = NULL;
	r->pend_off = 0;
	if (r->out_eof)
		finish_relay(r);
}

/* The command starts with SIGXFSZ ignored (the shell's was): it got
 * EFBIG instead, and its own status stands */
static bool xfsz_ignored(void)
{
	sigset_t ign;
	memo_ignored_signals(&ign);
	return sigismember(&ign, SIGXFSZ) == 1;
}

/* Whether fds a and b are the same file (stdout and stderr both
 * redirected to it) */
static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return a >= 0 && b >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Write n bytes of r's stdout (err false) or stderr to fd, its
 * destination outside, as the command would have under the commands'
 * file size limit (`ulimit -f`): what fits, then SIGXFSZ to the command
 * (as the kernel sends it on the write that fails: bash's 153), and
 * nothing more to that file (its other output, elsewhere, goes on). The
 * run is not recorded. The pipe is still read to its end, so that a
 * command going on (one that ignores SIGXFSZ) gets no SIGPIPE. -1 when
 * the write failed. */
static int write_dest(struct srun *r, bool err, int fd, const char *buf, size_t n)
{
	bool over;
	if (err ? r->over_err : r->over_out)
		return 0;
	uint64_t room = memo_fsize_room(fd, n, &over);
	if (room && util_write_all(fd, buf, (size_t)room) < 0)
		return -1;
	if (over) {
		*(err ? &r->over_err : &r->over_out) = true;
		if (same_file(r->out_dest, r->ps->s->fd_err))
			r->over_out = r->over_err = true;
		no_record(r, "it went over the file size limit (ulimit -f)");
		if (r->run)
			(void)sandbox_run_signal(r->run, SIGXFSZ);
	}
	return 0;
}

static void on_stdout(struct memo *m, struct srun *r, char *buf)
{
	ssize_t n = read(r->out_r, buf, RELAY_CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&r->out_r);
		r->out_eof = true;
		finish_relay(r);
		return;
	}
	store_hasher_update(r->hout, buf, (size_t)n);
	/* its own time so far: since it started, less its waits for the
	 * consumer (a fast producer's pace is its consumer's) */
	if (r->may_drop && r->wout &&
	    memo_keep_stop_early(r->keep, r->out_n + (uint64_t)n,
				 (uint64_t)(util_now_ns(CLOCK_MONOTONIC) - r->start_mono) -
					 r->stalled_ns))
		stop_keeping(r);
	/* an output kept by hash only is location-bound whatever it holds
	 * (finish_stage): no use looking for the workspace's path in it */
	if (!r->hash_only)
		memo_bound_scan_feed(&r->bout, buf, (size_t)n);
	blob_append(m, r, &r->wout, &r->out_n, buf, (size_t)n);
	if (r->draining) {
		r->drained += (uint64_t)n;
		if (r->drained > DRAIN_LIMIT || !out_recordable(r)) {
			r->drain_cut = out_recordable(r);
			cut_output(r);
		}
		return;
	}
	if (r->next) {
		if (r->next->in_w < 0)
			return;
		ssize_t w = write(r->next->in_w, buf, (size_t)n);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			start_drain(r);
			return;
		}
		size_t done = w < 0 ? 0 : (size_t)w;
		if (done < (size_t)n) {
			r->pend = malloc((size_t)n - done);
			if (!r->pend) {
				cut_output(r);
				return;
			}
			memcpy(r->pend, buf + done, (size_t)n - done);
			r->pend_len = (size_t)n - done;
			r->pend_off = 0;
			r->stall_since = util_now_ns(CLOCK_MONOTONIC);
		}
	} else if (r->out_dest >= 0) {
		if (write_dest(r, false, r->out_dest, buf, (size_t)n) < 0)
			cut_output(r);
	}
}

static void on_stderr(struct memo *m, struct srun *r, char *buf)
{
	ssize_t n = read(r->err_r, buf, RELAY_CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&r->err_r);
		r->err_eof = true;
		return;
	}
	memo_bound_scan_feed(&r->berr, buf, (size_t)n);
	blob_append(m, r, &r->werr, &r->err_n, buf, (size_t)n);
	if (r->ps->s->fd_err >= 0)
		(void)write_dest(r, true, r->ps->s->fd_err, buf, (size_t)n);
}

static void wait_stage(struct memo *m, struct srun *r);
static void finish_stage(struct memo *m, const char *cwd, struct srun *r);

/* The fd that turns readable when stage r ended, if r may be recorded as
 * soon as it did, while the stages after it still run; else -1. r is the
 * first stage not recorded yet: every stage before it was waited for and
 * recorded, so what its key depends on upstream is known (its stdin's hash
 * and completeness: wait_stage and finish_relay of the stage before). Its
 * own outputs must have ended and been passed on (nothing pending), so
 * that nothing the relay does later changes what finish_stage sees. A
 * stdin relayed from the shell's side (in_hash_fd) waits for the end, as
 * before. */
static int early_end_fd(const struct srun *r)
{
	if (!r->started || r->out_r >= 0 || r->err_r >= 0 || r->pend_len > 0)
		return -1;
	if (!r->in_known && r->ps->in_hash_fd >= 0)
		return -1;
	return sandbox_run_end_fd(r->run);
}

/* Relay every pipe until all stages closed their outputs. With cwd (a
 * store batch is open), each stage that ended while later ones still run
 * is waited for and recorded then, in the pipeline's order (early_end_fd):
 * its records, input hashes and blob commits overlap the later stages
 * instead of following the last one. Its file changes are still applied
 * only after every stage was recorded (memo_run_stages), and its record
 * is committed with the others' in the one batch. */
static void relay_loop(struct memo *m, const char *cwd, struct srun *runs, size_t count)
{
	char *buf = malloc(RELAY_CHUNK);
	struct pollfd *pfd = calloc(count * 3 + 1, sizeof(*pfd));
	struct srun **who = calloc(count * 3 + 1, sizeof(*who));
	size_t done = 0; /* stages recorded during the relay */
	if (!buf || !pfd || !who) {
		for (size_t i = 0; i < count; i++) {
			cut_output(&runs[i]);
			close_fd(&runs[i].err_r);
		}
		free(buf);
		free(pfd);
		free(who);
		return;
	}
	for (;;) {
		size_t np = 0;
		for (size_t i = 0; i < count; i++) {
			struct srun *r = &runs[i];
			if (r->out_r >= 0 && r->pend_len == 0) {
				pfd[np] = (struct pollfd){ .fd = r->out_r, .events = POLLIN };
				who[np++] = r;
			}
			if (r->err_r >= 0) {
				pfd[np] = (struct pollfd){ .fd = r->err_r, .events = POLLIN };
				who[np++] = r;
			}
			if (r->pend_len > 0 && r->next && r->next->in_w >= 0) {
				pfd[np] = (struct pollfd){ .fd = r->next->in_w, .events = POLLOUT };
				who[np++] = r;
			}
		}
		if (np == 0)
			break;
		/* the next stage to record, once it ended (not polled alone:
		 * with no pipe left, the rest is done after the relay) */
		size_t end_at = np;
		if (cwd && done < count) {
			int efd = early_end_fd(&runs[done]);
			if (efd >= 0) {
				pfd[np] = (struct pollfd){ .fd = efd, .events = POLLIN };
				who[np++] = &runs[done];
			}
		}
		if (poll(pfd, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (end_at < np && pfd[end_at].revents) {
			struct srun *r = &runs[done++];
			wait_stage(m, r);
			finish_stage(m, cwd, r);
			r->finished = true;
			continue; /* the pipes' events are seen again */
		}
		for (size_t i = 0; i < end_at; i++) {
			if (!pfd[i].revents)
				continue;
			struct srun *r = who[i];
			if (pfd[i].fd == r->out_r)
				on_stdout(m, r, buf);
			else if (pfd[i].fd == r->err_r)
				on_stderr(m, r, buf);
			else if (r->next && pfd[i].fd == r->next->in_w)
				flush_pending(r);
		}
	}
	free(buf);
	free(pfd);
	free(who);
}

/* ---- setting up ---------------------------------------------------------------- */

static void start_failed(struct memo *m, const struct srun *r, int e,
			 const struct sandbox_error *detail)
{
	char how[256] = "";
	if (detail->step[0])
		snprintf(how, sizeof(how), " (%s%s%s)", detail->step, detail->sys_errno ? ": " : "",
			 detail->sys_errno ? strerror(detail->sys_errno) : "");
	memo_warn(m, "shark: %s: cannot start the sandbox: %s%s", r->ps->s->argv[0],
		  sandbox_strerror(e), how);
}

/* The run's resource limits: the sandbox's defaults (docs/sandbox.md),
 * overridden from shark's environment. */
static const struct {
	const char *name;
	size_t off;
	bool duration;
} limit_vars[] = {
	{ "SHARK_MAX_PROCS", offsetof(struct sandbox_limits, max_procs), false },
	{ "SHARK_MAX_MEMORY", offsetof(struct sandbox_limits, max_memory), false },
	{ "SHARK_TMP_SIZE", offsetof(struct sandbox_limits, tmp_size), false },
	{ "SHARK_SHM_SIZE", offsetof(struct sandbox_limits, shm_size), false },
	{ "SHARK_RUN_SIZE", offsetof(struct sandbox_limits, run_size), false },
	{ "SHARK_TIMEOUT", offsetof(struct sandbox_limits, timeout_ms), true },
};

/* Fill *l from the environment; the index of the first variable that does
 * not parse, or -1. */
static int limits_from_env(struct sandbox_limits *l)
{
	int bad = -1;
	sandbox_limits_default(l);
	for (size_t i = 0; i < sizeof(limit_vars) / sizeof(limit_vars[0]); i++) {
		const char *v = getenv(limit_vars[i].name);
		uint64_t *slot = (uint64_t *)((char *)l + limit_vars[i].off);
		if (!v || !*v)
			continue;
		uint64_t val;
		int e = limit_vars[i].duration ? sandbox_parse_duration(v, &val)
					       : sandbox_parse_size(v, &val);
		if (e == 0)
			*slot = val;
		else if (bad < 0)
			bad = (int)i;
	}
	return bad;
}

void memo_run_limits(struct sandbox_limits *l)
{
	(void)limits_from_env(l);
}

/* A value that does not parse, or that the plan refuses, stops the stage
 * with a message naming it. */
static int stage_limits(struct memo *m, const struct srun *r, struct sandbox_limits *l)
{
	int bad = limits_from_env(l);
	if (bad >= 0) {
		memo_warn(m, "shark: %s: %s=%s: not a %s", r->ps->s->argv[0], limit_vars[bad].name,
			  getenv(limit_vars[bad].name),
			  limit_vars[bad].duration ? "duration (30, 1.5, 500ms, 2m, 1h)"
						   : "size (4096, 512k, 64m, 2g)");
		return -EINVAL;
	}
	return 0;
}

/* A live command (live.c) sees the host: its hostname and, where the
 * kernel can fence it (Landlock), its processes, and the login records
 * `who` reads in the otherwise private /run. Never recorded, so untraced. */
static int plan_live(sandbox_plan *plan)
{
	sandbox_plan_set_trace(plan, false);
	sandbox_plan_set_host_view(plan, memo_host_view_ok());
	struct stat st;
	if (lstat("/run/utmp", &st) == 0 && S_ISREG(st.st_mode))
		return sandbox_plan_add_path(plan, "/run/utmp", SANDBOX_PATH_READONLY);
	return 0;
}

/* Sandboxes prepared for this process's next run: pid 1s cloned and
 * through their first steps while the previous run's commands were
 * running (the shell only waits then), so that the next start skips them
 * (sandbox_prep_new, docs/sandbox.md "Prepared sandboxes"). Made from the
 * second run of a process on: a `shark -c` of one command, or a forked
 * job that runs one pipeline, would only pay for one it never uses. As
 * many as the widest pipeline this process ran so far has stages (at most
 * PREP_POOL): a script's two-stage `a | b` then starts both stages in
 * prepared sandboxes, not only its first. */
#define PREP_POOL 4
static sandbox_prep *preps[PREP_POOL];
static size_t prep_width = 1; /* the widest pipeline run here, capped */
static pid_t next_prep_pid;   /* the process runs_here counts for */
static unsigned runs_here;

/* The prepared sandbox keeps two fds open between runs, while the script
 * runs its own redirections: like the store's (memo.c, hold_user_fds),
 * they must land above the fds a script may name (0-9), or `exec 7>>f`
 * would take one over and the library would later close the script's fd.
 * Every free fd below 10 is held on /dev/null while it is made. */
#define PREP_USER_FDS 10

/* The mounts ahead (docs/sandbox.md "Prepared sandboxes"): the plan of
 * the last run when it was a single command (its mount part is the next
 * one's, most of the time: the same workspace, store and grants), and the
 * scratch dir made for the next run, whose tree preps[0] builds from that
 * plan while the last run's command runs. The next run takes the dir
 * (set_up) and, when its plan's mount part is the same, starts in that
 * tree; when it is not, the library drops preps[0] and the run starts as
 * before. An ahead scratch dir that no run takes is removed with its
 * prepared sandbox (prep_ahead_drop), at the latest when the process ends
 * (atexit, or memo_prepared_ahead_drop before an _exit). */
static sandbox_plan *last_plan;
static bool keep_last_plan; /* the run being started is a single command */
static char *ahead_scratch;
static int ahead_hold = -1;
/* what ahead_hold is: a script's `exec 24<FILE` may take that fd over
 * while the tree waits, and the fd is the script's from then on */
static dev_t ahead_hold_dev;
static ino_t ahead_hold_ino;

/* ahead_hold still ours; if not, forgotten (never closed here) */
static bool ahead_hold_ours(void)
{
	struct stat st;
	if (ahead_hold >= 0 && fstat(ahead_hold, &st) == 0 && st.st_dev == ahead_hold_dev &&
	    st.st_ino == ahead_hold_ino)
		return true;
	ahead_hold = -1;
	return false;
}

static void prep_ahead_forget(void)
{
	free(ahead_scratch);
	ahead_scratch = NULL;
	if (ahead_hold_ours())
		close(ahead_hold);
	ahead_hold = -1;
}

/* Remove a run's scratch dir and close *hold: on the sandbox library's
 * background thread (sandbox_scratch_remove_async: removing a run's
 * directories waits for the disk, milliseconds the shell need not wait),
 * or at once when wait (a process about to end: its thread would not
 * finish) or when that fails. */
static void scratch_remove(const char *dir, int *hold, bool wait)
{
	if (wait || sandbox_scratch_remove_async(dir, *hold) < 0) {
		(void)sandbox_scratch_cleanup(dir);
		rmdir(dir);
		close_fd(hold);
	}
	*hold = -1; /* queued: closed once the dir is gone */
}

/* A finished run's scratch dir (its pid 1, pid1, ended: 0 when reaped
 * already) emptied back to a skeleton for a later run of this process
 * (scratch.c), or else removed. */
static void scratch_release(const char *dir, int *hold, pid_t pid1)
{
	if (!memo_scratch_recycle(dir, hold, pid1))
		scratch_remove(dir, hold, false);
}

/* End preps[0] (whose tree is on the ahead scratch dir), then remove the
 * dir (wait: at once). */
static void prep_ahead_drop(bool wait)
{
	if (!ahead_scratch)
		return;
	sandbox_prep_free(preps[0]); /* its pid 1 killed and reaped */
	preps[0] = NULL;
	if (!ahead_hold_ours() || wait)
		scratch_remove(ahead_scratch, &ahead_hold, wait);
	else
		scratch_release(ahead_scratch, &ahead_hold, 0);
	prep_ahead_forget();
}

static void prep_ahead_at_exit(void)
{
	if (next_prep_pid == util_getpid())
		prep_ahead_drop(true);
}

void memo_prepared_ahead_drop(void)
{
	prep_ahead_at_exit();
}

/* Send preps[0] the mount part of the last run's plan, with a fresh
 * scratch dir (fds held as for the prepared sandboxes themselves). */
static void prep_mounts_ahead(struct memo *m)
{
	static bool registered;
	/* Not after the last run of a process that leaves by _exit (the
	 * last command of `shark -c`, a forked job's: commit_later is off
	 * then, external.c): its dir would outlive it. */
	if (!preps[0] || !last_plan || ahead_scratch || !m->commit_later)
		return;
	if (!registered)
		registered = atexit(prep_ahead_at_exit) == 0;
	if (!registered)
		return;
	char *scratch = NULL;
	int hold = -1;
	struct stat st;
	if (memo_make_scratch(m, &scratch, &hold) < 0)
		return;
	if (fstat(hold, &st) == 0 && sandbox_plan_set_scratch(last_plan, scratch) == 0 &&
	    sandbox_prep_mounts(preps[0], last_plan) == 0) {
		ahead_scratch = scratch;
		ahead_hold = hold;
		ahead_hold_dev = st.st_dev;
		ahead_hold_ino = st.st_ino;
		return;
	}
	scratch_remove(scratch, &hold, false);
	free(scratch);
}

static void prepare_holding_user_fds(struct memo *m, bool network, size_t from, size_t to)
{
	int held[PREP_USER_FDS];
	util_hold_free_fds(held, PREP_USER_FDS);
	for (size_t i = from; i < to; i++)
		if (!preps[i] && sandbox_prep_new(network, &preps[i]) < 0)
			preps[i] = NULL; /* the next run clones its own */
	if (m)
		prep_mounts_ahead(m);
	util_release_fds(held, PREP_USER_FDS);
}

/* In a forked copy the prepared sandboxes are the parent's: drop this
 * process's copies of the handles (freeing one only closes our copy of
 * its socket) and count runs from zero. */
static void prep_forget_forked(void)
{
	if (next_prep_pid == util_getpid())
		return;
	prep_ahead_forget(); /* the parent's dir: not ours to remove */
	for (size_t i = 0; i < PREP_POOL; i++) {
		sandbox_prep_free(preps[i]);
		preps[i] = NULL;
	}
	prep_width = 1;
	next_prep_pid = util_getpid();
	runs_here = 0;
}

static void prepare_next(struct memo *m, bool network, size_t width)
{
	prep_forget_forked();
	if (width > prep_width)
		prep_width = width < PREP_POOL ? width : PREP_POOL;
	if (++runs_here < 2)
		return;
	size_t missing = 0;
	for (size_t i = 0; i < prep_width; i++)
		missing += !preps[i];
	if (missing)
		prepare_holding_user_fds(m, network, 0, prep_width);
}

void memo_prepare_first(bool network)
{
	prep_forget_forked();
	if (!preps[0])
		prepare_holding_user_fds(NULL, network, 0, 1);
}

/* The prepared sandbox a stage's start takes: the first there is (the
 * slot, NULL-valued when none is left: then a pid 1 is cloned). */
static sandbox_prep **prep_take(void)
{
	static sandbox_prep *none;
	for (size_t i = 0; i < PREP_POOL; i++)
		if (preps[i])
			return &preps[i];
	none = NULL;
	return &none;
}

/* The first half of a stage's start: its sandbox's pid 1 is cloned and
 * sets up on its own, beside the other stages' (stage_started). */

/* Another shell of this user's may keep its runs' scratch dirs in the
 * other place (shark-scratch.UID under $TMPDIR or /tmp when its store is
 * inside its workspace, memo.c tmp_scratch_base), where this run's /tmp
 * overlay or a $TMPDIR grant would let the command write into them: they
 * are hidden too, when they exist (a lookup per run, no mount otherwise). */
static int hide_other_scratch_bases(sandbox_plan *plan, const char *own)
{
	char bases[2][4096];
	int e = 0;

	if (memo_tmp_scratch_path(NULL, bases[0], sizeof(bases[0])) < 0)
		bases[0][0] = '\0';
	(void)memo_tmp_scratch_path("/tmp", bases[1], sizeof(bases[1]));
	for (int i = 0; i < 2 && e == 0; i++) {
		if (!bases[i][0] || (i == 1 && strcmp(bases[0], bases[1]) == 0))
			continue;
		char *real = realpath(bases[i], NULL);
		if (real && strcmp(real, own) != 0)
			e = sandbox_plan_add_path(plan, real, SANDBOX_PATH_HIDDEN);
		free(real);
	}
	return e;
}

/* The signals this process ignores, from the kernel's own mask (the
 * SigIgn line of /proc/self/status: one read instead of a sigaction call
 * per signal, about 100 us less per command here), or asked signal by
 * signal when /proc cannot tell. Never cached: a trap or a subshell
 * changes them. */
void memo_ignored_signals(sigset_t *ret)
{
	sigemptyset(ret);
	char buf[4096];
	ssize_t n = -1;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	const char *line = NULL;
	if (n > 0) {
		buf[n] = '\0';
		line = strstr(buf, "\nSigIgn:\t");
	}
	char *end = NULL;
	unsigned long long mask = 0;
	if (line) {
		errno = 0;
		mask = strtoull(line + sizeof("\nSigIgn:\t") - 1, &end, 16);
	}
	if (line && errno == 0 && end && *end == '\n') {
		/* not glibc's own signals (32 and 33, below SIGRTMIN): its
		 * sigaction refuses them, so they were never passed on */
		for (int sig = 1; sig < NSIG && sig <= 64; sig++)
			if ((mask & (1ull << (sig - 1))) && (sig < 32 || sig >= SIGRTMIN))
				sigaddset(ret, sig);
	} else {
		for (int sig = 1; sig < NSIG; sig++) {
			struct sigaction sa;
			if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 &&
			    sa.sa_handler == SIG_IGN)
				sigaddset(ret, sig);
		}
	}
	/* the shell's own ignoring, not the user's: its commands get the
	 * user's disposition (memo.h) */
	if (memo_ulimit_xfsz_own() && memo_ulimit_xfsz_user_ignored())
		sigaddset(ret, SIGXFSZ);
	else if (memo_ulimit_xfsz_own())
		sigdelset(ret, SIGXFSZ);
}

uint64_t memo_sigset_bits(const sigset_t *set)
{
	uint64_t bits = 0;
	for (int sig = 1; sig < NSIG && sig <= 64; sig++)
		if (sigismember(set, sig) == 1)
			bits |= 1ull << (sig - 1);
	return bits;
}

static int start_stage(struct memo *m, const char *cwd, struct srun *r, bool network)
{
	sandbox_plan *plan = NULL;
	int e = sandbox_plan_new(&plan);
	if (e == 0)
		e = sandbox_plan_set_argv(plan, (const char *const *)r->ps->s->argv);
	if (e == 0)
		e = sandbox_plan_set_envp(plan, (const char *const *)r->ps->s->envp);
	if (e == 0)
		e = sandbox_plan_set_cwd(plan, cwd);
	if (e == 0)
		e = sandbox_plan_set_workspace(plan, m->workspace);
	if (e == 0)
		e = sandbox_plan_set_scratch(plan, r->scratch);
	if (e == 0)
		e = sandbox_plan_set_stdio(plan, r->in_fd, r->out_w, r->err_w);
	/* The cache layer first: the store's paths below go on top of it. */
	const char *cache = memo_cache_dir(m);
	if (e == 0 && cache)
		e = sandbox_plan_add_path(plan, cache, SANDBOX_PATH_PRIVATE);
	/* SHARK_WRITABLE grants: written straight to the host, never effects
	 * (finish_stage does not record a run that wrote there). Before the
	 * store's paths, which the sandbox mounts in this order: a grant that
	 * holds the store (SHARK_WRITABLE=$HOME, the store in ~/.cache) must
	 * not make the store writable or its key readable. */
	for (char *const *w = m->opt.writable; e == 0 && w && *w; w++)
		e = sandbox_plan_add_path(plan, *w, SANDBOX_PATH_WRITABLE);
	const char *tmpdir = memo_tmpdir_grant(m);
	if (e == 0 && tmpdir)
		e = sandbox_plan_add_path(plan, tmpdir, SANDBOX_PATH_WRITABLE);
	if (e == 0 && m->store_dir)
		e = sandbox_plan_add_path(plan, m->store_dir, SANDBOX_PATH_READONLY);
	/* The store's hash key stays secret: whoever knows it can construct
	 * collisions. The file reads as empty inside (also when the store
	 * could not be opened: its key is still there). */
	char key_path[PATH_MAX], *guess = NULL;
	const char *sdir = m->store_dir;
	if (!sdir) {
		char *p = NULL;
		if (m->opt.store_path)
			p = strdup(m->opt.store_path);
		else
			(void)store_default_path(&p);
		guess = p ? realpath(p, NULL) : NULL;
		free(p);
		sdir = guess;
	}
	if (e == 0 && sdir &&
	    snprintf(key_path, sizeof(key_path), "%s/%s", sdir, STORE_KEY_FILE) <
		    (int)sizeof(key_path))
		e = sandbox_plan_add_path(plan, key_path, SANDBOX_PATH_HIDDEN);
	free(guess);
	/* and so does a copy of it named to create a store with */
	const char *kf = getenv("SHARK_HASH_KEY_FILE");
	char *kf_real = kf && *kf ? realpath(kf, NULL) : NULL;
	if (e == 0 && kf_real)
		e = sandbox_plan_add_path(plan, kf_real, SANDBOX_PATH_HIDDEN);
	free(kf_real);
	/* Other runs' upper dirs, in progress, are nobody's business: the
	 * directory of every run's scratch dir (the store's scratch area, or
	 * memo_make_scratch's shark-scratch.UID) is hidden. */
	char *slash = strrchr(r->scratch, '/');
	if (e == 0 && slash && slash != r->scratch) {
		*slash = '\0';
		e = sandbox_plan_add_path(plan, r->scratch, SANDBOX_PATH_HIDDEN);
		if (e == 0)
			e = hide_other_scratch_bases(plan, r->scratch);
		*slash = '/';
	}
	struct sandbox_limits limits;
	if (e == 0 && stage_limits(m, r, &limits) < 0) {
		sandbox_plan_free(plan);
		return -EINVAL;
	}
	if (e == 0) {
		sandbox_plan_set_limits(plan, &limits);
		(void)memo_ulimit_plan(plan); /* validated when set */
		sandbox_plan_set_interactive(plan, r->in_fd >= 0 && isatty(r->in_fd));
		sandbox_plan_set_network(plan, network);
		sandbox_plan_set_tmp_capture(plan, true);
		if (r->ps->live)
			e = plan_live(plan);
		/* Signals ignored here (SIGINT and SIGQUIT for `cmd &`) stay
		 * ignored in the command, as in sh. */
		sigset_t ign;
		memo_ignored_signals(&ign);
		sandbox_plan_set_ignored_signals(plan, &ign);
		struct sandbox_error detail = { 0 };
		r->start_real = util_now_ns(CLOCK_REALTIME);
		r->start_mono = util_now_ns(CLOCK_MONOTONIC);
		prep_forget_forked();
		e = sandbox_start_begin_prepared(plan, prep_take(), &r->run, &detail);
		if (e < 0)
			start_failed(m, r, e, &detail);
	} else {
		memo_warn(m, "shark: %s: %s", r->ps->s->argv[0], sandbox_strerror(e));
	}
	if (e == 0 && keep_last_plan) { /* the next run's mounts ahead */
		sandbox_plan_free(last_plan);
		last_plan = plan;
		return e;
	}
	sandbox_plan_free(plan);
	return e;
}

/* The second half of a stage's start: its sandbox's set-up report. */
static int stage_started(struct memo *m, struct srun *r)
{
	struct sandbox_error detail = { 0 };
	int e = sandbox_start_end(r->run, &detail);
	if (e < 0) {
		start_failed(m, r, e, &detail);
		sandbox_run_free(r->run);
		r->run = NULL;
	}
	return e;
}

/* A stage whose output goes to a terminal writes into a pseudo-terminal
 * instead of a pipe, so it still sees a terminal (ls prints columns, grep
 * colours) while the engine captures exactly its bytes: the pty is raw (no
 * newline translation) and has the real terminal's window size. */
static int make_pty(int tty, int *rd, int *wr)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	char name[64];
	int slave = -1;
	struct termios tio;
	struct winsize ws;
	if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0 ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || tcgetattr(slave, &tio) < 0) {
		int e = -errno;
		close(master);
		if (slave >= 0)
			close(slave);
		return e ? e : -EIO;
	}
	cfmakeraw(&tio);
	(void)tcsetattr(slave, TCSANOW, &tio);
	if (ioctl(tty, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	*rd = master;
	*wr = slave;
	return 0;
}

/* fd moved above 2 (closed there): with the shell's stdin, stdout or
 * stderr closed (`cmd <&-`), a pipe made now would take that number, and
 * a stage's stdio taken from it would be the engine's own pipe (cat read
 * its own output and waited for ever). -1 (fd closed) on error. */
static int above_std(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int up = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return up;
}

static int make_pipe(int *rd, int *wr)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	p[0] = above_std(p[0]);
	p[1] = above_std(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		int e = errno;
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return -e;
	}
	*rd = p[0];
	*wr = p[1];
	return 0;
}

/* ---- recording ----------------------------------------------------------------- */

/* Open path (relative, under the upper dir) read-only, never following a
 * symlink: the upper dir was written by the command. */
static int openat2_pin(int dirfd, const char *path, int *ret)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	*ret = (int)fd;
	return 0;
}

/* The run's effects as store effects, with every file's content pinned
 * open (fds[k] for effect k) before anything is moved: the content then
 * reaches the workspace even if storing it fails or a gc takes the new
 * blob before the trace is committed. Returns 0; -EINVAL, with nothing
 * moved, when a special file makes the changes unstorable; another error
 * from importing into the store, with *ret and *ret_fds still filled so the
 * caller can apply them; -ENOMEM with nothing returned. */
/* Default for SHARK_MAX_EFFECT_SIZE: the largest file effect a recorded
 * run may have. Storing one means hashing every byte of its apparent size
 * (holes included), so a command that makes a 16 TiB sparse file must not
 * be recorded by default; such a run is still applied, holes kept. */
#define MEMO_DEFAULT_MAX_EFFECT_SIZE ((uint64_t)16 << 30)

/* SHARK_MAX_EFFECT_SIZE as bytes ("off" or "0": no limit; a value that is
 * not a size: the default). */
static uint64_t max_effect_size(void)
{
	const char *env = getenv("SHARK_MAX_EFFECT_SIZE");
	uint64_t v;
	if (!env || !*env)
		return MEMO_DEFAULT_MAX_EFFECT_SIZE;
	if (strcmp(env, "off") == 0 || strcmp(env, "0") == 0)
		return UINT64_MAX;
	return util_parse_size(env, &v) == 0 && v > 0 ? v : MEMO_DEFAULT_MAX_EFFECT_SIZE;
}

/* A TOUCH effect's mtime as recorded: one set during the run (a touch, a
 * rewrite with the same bytes; the kernel's file clock is coarse, so it
 * may lag the run's start by a tick) is "now", so that a replay gives the
 * file a new mtime as a real run would; one set before the run (touch -d)
 * is kept as it is. */
#define MEMO_TOUCH_SLACK_NS 100000000LL

static int64_t touch_mtime(const struct sandbox_effect *se, int64_t start_ns)
{
	int64_t ns = (int64_t)se->mtime.tv_sec * 1000000000LL + se->mtime.tv_nsec;
	return ns >= start_ns - MEMO_TOUCH_SLACK_NS ? STORE_MTIME_NOW : ns;
}

static int convert_effects(struct memo *m, const sandbox_effects *fx, int64_t start_ns,
			   struct store_effect **ret, int **ret_fds, size_t *ret_n,
			   size_t *ret_big)
{
	uint64_t max_size = max_effect_size();
	size_t n = sandbox_effects_count(fx);
	struct store_effect *v = calloc(n * 2 + 1, sizeof(*v));
	int *fds = malloc((n * 2 + 1) * sizeof(int));
	if (!v || !fds) {
		free(v);
		free(fds);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n * 2 + 1; i++)
		fds[i] = -1;
	size_t k = 0;
	int e = 0;
	for (size_t i = 0; i < n && e == 0; i++) {
		const struct sandbox_effect *se = sandbox_effects_get(fx, i);
		struct store_effect *o = &v[k];
		o->path = se->path;
		o->mode = se->mode & 07777;
		switch (se->kind) {
		case SANDBOX_EFFECT_FILE:
		case SANDBOX_EFFECT_CHMOD: {
			struct stat st;
			o->kind = STORE_EFFECT_FILE;
			if (fstatat(sandbox_effects_upper_fd(fx), se->path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode) ||
			    openat2_pin(sandbox_effects_upper_fd(fx), se->path, &fds[k]) < 0)
				e = -EINVAL;
			o->size = (uint64_t)st.st_size;
			if (e == 0 && o->size > max_size) {
				e = -EFBIG; /* not stored: see max_effect_size */
				*ret_big = i;
			}
			break;
		}
		case SANDBOX_EFFECT_TOUCH:
			o->kind = STORE_EFFECT_TOUCH;
			o->mode = 0;
			o->mtime_ns = touch_mtime(se, start_ns);
			break;
		case SANDBOX_EFFECT_DELETE:
			o->kind = STORE_EFFECT_DELETE;
			break;
		case SANDBOX_EFFECT_OPAQUE_DIR:
			o->kind = STORE_EFFECT_DELETE;
			o->mode = 0;
			k++;
			o = &v[k];
			o->path = se->path;
			o->mode = se->mode & 07777;
			o->kind = STORE_EFFECT_DIR;
			break;
		case SANDBOX_EFFECT_DIR:
			o->kind = STORE_EFFECT_DIR;
			break;
		case SANDBOX_EFFECT_SYMLINK:
			o->kind = STORE_EFFECT_SYMLINK;
			o->target = se->target;
			break;
		default:
			e = -EINVAL; /* a special file */
		}
		k++;
	}
	if (e < 0) {
		for (size_t i = 0; i < k; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		free(v);
		free(fds);
		return e;
	}
	/* Now move the files into the store (renamed: the pinned fds stay
	 * valid). */
	for (size_t i = 0; i < k && e == 0; i++)
		if (v[i].kind == STORE_EFFECT_FILE)
			e = store_blob_import(m->st, sandbox_effects_upper_fd(fx), v[i].path, &v[i].blob,
					      &v[i].size);
	*ret = v;
	*ret_fds = fds;
	*ret_n = k;
	return e;
}

/* Merge the /tmp effects of r (converted like the workspace's: contents
 * pinned and imported into the store) into its effects, under "/tmp/"
 * paths, so its record replays them (memo_replay_effects). Returns 0, or
 * the conversion's error (-EINVAL: a special file; -EFBIG; -ENOMEM; a
 * store error, with the effects merged all the same so they are applied). */
static int merge_tmp_effects(struct memo *m, struct srun *r, struct store_effect **effects,
			     int **effect_fds, size_t *n_effects)
{
	struct store_effect *tv = NULL;
	int *tfds = NULL;
	size_t tn = 0, big = 0;
	int e = convert_effects(m, r->tfx, r->start_real, &tv, &tfds, &tn, &big);
	if (e == -EINVAL || e == -EFBIG || e == -ENOMEM)
		return e;
	struct store_effect *v = reallocarray(*effects, *n_effects + tn + 1, sizeof(*v));
	int *fds = v ? reallocarray(*effect_fds, *n_effects + tn + 1, sizeof(int)) : NULL;
	char **paths = calloc(tn + 1, sizeof(*paths));
	if (v)
		*effects = v;
	if (fds)
		*effect_fds = fds;
	if (!v || !fds || !paths) {
		for (size_t i = 0; i < tn; i++)
			if (tfds[i] >= 0)
				close(tfds[i]);
		free(tv);
		free(tfds);
		free(paths);
		return -ENOMEM;
	}
	for (size_t i = 0; i < tn; i++) {
		size_t len = strlen(tv[i].path) + sizeof("/tmp/");
		paths[i] = malloc(len);
		if (paths[i])
			snprintf(paths[i], len, "/tmp/%s", tv[i].path);
		else
			e = -ENOMEM;
		v[*n_effects + i] = tv[i];
		v[*n_effects + i].path = paths[i] ? paths[i] : "";
		fds[*n_effects + i] = tfds[i];
	}
	*n_effects += tn;
	r->tmp_paths = paths;
	r->n_tmp_paths = tn;
	r->tmp_merged = true;
	free(tv);
	free(tfds);
	return e;
}

/* What r wrote under /tmp: scanned from its capture layer (the plan's
 * tmp_capture). Merged into a recording, or kept to be applied. */
static void scan_tmp_effects(struct memo *m, struct srun *r)
{
	char upper[4096];
	snprintf(upper, sizeof(upper), "%s/tmp-upper", r->scratch);
	int fe = sandbox_effects_scan(upper, "/tmp", &r->tfx);
	if (fe < 0) {
		r->tfx = NULL;
		if (fe != -ENOENT) {
			memo_warn(m, "shark: %s: its changes under /tmp could not be read: %s",
				  r->ps->s->argv[0], sandbox_strerror(fe));
			no_record(r, "its file changes could not be read");
		}
	}
}

static void report_refused(const struct sandbox_effect *e, int err, void *ctx)
{
	struct memo *m = ctx;
	memo_warn(m, "shark: %s: effect refused: %s", e->path, sandbox_strerror(err));
}

/* Whether the run wrote beneath a SHARK_WRITABLE grant: a write that is
 * not an effect, so a replay could not redo it. */
static bool wrote_beneath(const struct sandbox_result *res, const char *dir)
{
	size_t n = strlen(dir);
	for (size_t i = 0; i < res->n_accesses; i++) {
		const char *p = res->accesses[i].path;
		if ((res->accesses[i].kinds & SANDBOX_ACCESS_WRITE) && strncmp(p, dir, n) == 0 &&
		    (p[n] == '/' || p[n] == '\0'))
			return true;
	}
	return false;
}

static bool wrote_to_grant(const struct memo *m, const struct sandbox_result *res)
{
	const char *tmpdir = memo_tmpdir_grant(m);
	if (tmpdir && wrote_beneath(res, tmpdir))
		return true;
	for (char *const *w = m->opt.writable; w && *w; w++) {
		size_t n = strlen(*w);
		for (size_t i = 0; i < res->n_accesses; i++) {
			const char *p = res->accesses[i].path;
			if ((res->accesses[i].kinds & SANDBOX_ACCESS_WRITE) &&
			    strncmp(p, *w, n) == 0 && (p[n] == '/' || p[n] == '\0' || n == 1))
				return true;
		}
	}
	return false;
}

/* Record one finished stage (when it may be) and apply its effects. */
/* How far the command moved the offset of its file or spooled stdin
 * (the sandbox carries the offset back to the fd it was given when the
 * command ends), into ps->key.in.used for the key info. 0, or -1 when it
 * cannot be known (moved backwards). */
static int stdin_used(struct memo_pstage *ps)
{
	if (ps->in_src != MEMO_IN_OUTSIDE)
		return 0;
	off_t at;
	if (ps->key.in.kind == MEMO_STDIN_FILE) {
		at = lseek(ps->in_fd, 0, SEEK_CUR);
		if (at < 0 || (uint64_t)at < ps->key.in.offset)
			return -1;
		ps->key.in.used = (uint64_t)at - ps->key.in.offset;
	} else if (ps->key.in.kind == MEMO_STDIN_SPOOLED && ps->in_hash_fd >= 0) {
		ps->key.in.used = 0; /* relayed from the shell's own pipeline stage,
				      * which nothing reads after: not kept */
	} else if (ps->key.in.kind == MEMO_STDIN_SPOOLED && ps->in_owned >= 0) {
		at = lseek(ps->in_owned, 0, SEEK_CUR);
		if (at < 0)
			return -1;
		ps->key.in.used = (uint64_t)at;
	}
	return 0;
}

/* What the run record of a recorded stage says about its output: that it
 * was kept by hash only, or that the stage ran again to regenerate such an
 * output (pipeline.c, step_back) and whether it came out as recorded. */
static const char *run_note(const struct srun *r)
{
	const struct memo_pstage *ps = r->ps;
	if (ps->regen) {
		if (!r->out_eof || r->out_cut || r->drain_cut)
			return MEMO_REGEN_NOTE ", recorded by hash only, for the stage after it";
		if (r->out_n == ps->regen_size && store_hash_equal(&r->out_hash, &ps->regen_hash))
			return MEMO_REGEN_NOTE ", recorded by hash only, for the stage after it: "
					       "the same output as recorded";
		return MEMO_REGEN_NOTE ", recorded by hash only, for the stage after it: its "
				       "output differed from the recorded one (a nondeterministic "
		       "command); the stages after it were keyed by what they received";
	}
	if (r->hash_only)
		return "its output was recorded by hash only: running it again costs less than "
		       "storing it (SHARK_KEEP_INTERMEDIATES)";
	return NULL;
}

static void finish_stage(struct memo *m, const char *cwd, struct srun *r)
{
	const struct sandbox_result *res = r->res;
	store *st = out_recordable(r) ? m->st : NULL;
	store_hash out_h = { { 0 } }, err_h = { { 0 } };
	uint64_t out_n = 0, err_n = 0;

	/* A producer its consumer left early, cut off by the engine after
	 * DRAIN_LIMIT more bytes, that died of that SIGPIPE: recorded as a "cut"
	 * trace (status 141, stdout all it wrote until then; see
	 * stage_cut_by_engine), which only ever feeds a consumer that hits. */
	bool cut_trace = r->drain_cut && res && res->term_signal == SIGPIPE &&
			 !(res->flags & SANDBOX_RESULT_TIMEOUT);
	/* The host has a mount below /tmp: runs get the private /tmp
	 * (docs/sandbox.md, "/tmp"). Said once. */
	if (res && (res->flags & SANDBOX_RESULT_TMP_PRIVATE) && !m->tmp_private_told) {
		memo_warn(m, "shark: the host has a mount below /tmp, which the sandbox cannot "
			     "layer over: commands get a private /tmp where the host's files at "
			     "its top and other users' directories are read-only");
		m->tmp_private_told = true;
	}
	if (res) {
		if (res->flags & SANDBOX_RESULT_TIMEOUT)
			no_record(r, "it was killed at the wall-clock limit (SHARK_TIMEOUT)");
		else if (res->term_signal && !cut_trace)
			no_record(r, "it was killed by a signal");
		else if (res->exit_code != 0 && !cut_trace && !m->opt.record_failures)
			no_record(r, "it exited with a non-zero status");
		else if (res->exit_code > 125 && !cut_trace)
			no_record(r, "it exited with a status over 125");
		else if (res->flags & SANDBOX_RESULT_TERMINAL)
			no_record(r, "it used the terminal");
		else if (res->flags & (SANDBOX_RESULT_DEVICE | SANDBOX_RESULT_FIFO |
				       SANDBOX_RESULT_SOCKET))
			no_record(r, "it touched a device, FIFO or socket");
		else if (res->flags & (SANDBOX_RESULT_TRACE_LOST | SANDBOX_RESULT_UNTRACED))
			no_record(r, "its trace is incomplete");
		else if (wrote_to_grant(m, res))
			no_record(r, "it wrote to a path granted with SHARK_WRITABLE");
	}
	if (!r->reason && !r->in_known && r->ps->in_hash_fd >= 0) {
		/* A stdin relayed from a stage of the shell that went on past
		 * memo_stdin_wait's bounds: known now, if the relay delivered
		 * all of it (the command may have left before reading it all:
		 * as with `sort | head`, it depended on no more than that). */
		store_hash h;
		/* the engine's copy of the relay's pipe would keep the relay
		 * writing into it for ever */
		if (r->ps->in_owned >= 0) {
			close(r->ps->in_owned);
			r->ps->in_owned = r->ps->in_fd = -1;
		}
		if (memo_stdin_relayed(r->ps->in_hash_fd, &h) == 0) {
			r->ps->key.in = (struct memo_stdin){ .kind = MEMO_STDIN_SPOOLED, .hash = h };
			r->in_known = true;
		} else {
			no_record(r, r->ps->in_reason);
		}
	}
	if (!r->in_known && !r->in_complete)
		no_record(r, "its input was cut short");
	if (r->out_cut && !cut_trace)
		no_record(r, "its output was not read to the end");

	/* The intermediates rule, now that its cost is known (keep.c). */
	if (r->may_drop && r->wout && res &&
	    !memo_keep_output(r->keep, r->out_n, res->wall_ns, res->user_ns + res->sys_ns))
		stop_keeping(r);
	int e = 0;
	if (out_recordable(r) && r->werr) {
		store_blob_writer *wo = r->wout, *we = r->werr;
		r->wout = r->werr = NULL;
		if (wo) {
			e = store_blob_commit(wo, &out_h, &out_n);
		} else { /* by hash only */
			out_h = r->out_hash;
			out_n = r->out_n;
		}
		if (e == 0)
			e = store_blob_commit(we, &err_h, &err_n);
		else
			store_blob_writer_free(we);
		if (e < 0) {
			memo_store_failed(m, "write", e);
			no_record(r, "the store could not take its output");
		}
	}
	if (!st)
		no_record(r, r->reason ? r->reason : "the store is unavailable");

	char upper[4096];
	snprintf(upper, sizeof(upper), "%s/upper", r->scratch);
	/* pid 1 gave it the workspace's mode (setup.c), which may not let
	 * its owner read it (a 0311 drop directory): the run has ended, the
	 * scan needs it 0700 (the root's own mode is no effect) */
	(void)chmod(upper, 0700);
	sandbox_effects *fx = NULL;
	int fe = res ? sandbox_effects_scan(upper, m->workspace, &fx) : -ENOENT;
	if (fe < 0 && fe != -ENOENT) {
		memo_warn(m, "shark: %s: its file changes could not be read: %s", r->ps->s->argv[0],
			  sandbox_strerror(fe));
		no_record(r, "its file changes could not be read");
	}

	if (res) {
		scan_tmp_effects(m, r);
		memo_hints_after_run(m, r->ps->s, res, r->scratch);
	}
	/* An effect inside a shark store (another shell's store or scratch
	 * area under /tmp or in the workspace): refused when applied, and the
	 * run is not recorded (docs/sandbox.md, "Effects never land in a
	 * store"). Not looked for in a run not recorded anyway (nocache): the
	 * apply refuses it all the same. */
	bool in_tmp = false;
	const char *in_store = res && !r->reason ? memo_effects_in_store(m, fx, r->tfx, &in_tmp) : NULL;
	if (in_store) {
		memo_warn(m, "shark: %s: not recorded: it wrote %s%s, inside a shark store",
			  r->ps->s->argv[0], in_tmp ? "/tmp/" : "", in_store);
		no_record(r, "it wrote inside a shark store");
	}

	struct store_input *inputs = NULL;
	size_t n_inputs = 0;
	struct store_effect *effects = NULL;
	int *effect_fds = NULL;
	size_t n_effects = 0;
	bool imported = false;
	char *key_info = NULL;
	size_t key_info_len = 0;

	if (!r->reason && res) {
		const char *why = NULL;
		e = memo_inputs_from_accesses(m, res, r->scratch, r->ps->procattrs, &inputs, &n_inputs, &why);
		if (e == 1)
			no_record(r, why);
		else if (e < 0)
			no_record(r, "its inputs could not be hashed");
	}
	if (!r->reason && fx) {
		size_t big = 0;
		e = convert_effects(m, fx, r->start_real, &effects, &effect_fds, &n_effects, &big);
		if (e == -EINVAL) {
			no_record(r, "it created a special file");
		} else if (e == -EFBIG) {
			char sz[32], lim[32];
			struct stat bst;
			const struct sandbox_effect *be = sandbox_effects_get(fx, big);
			if (fstatat(sandbox_effects_upper_fd(fx), be->path, &bst, AT_SYMLINK_NOFOLLOW) < 0)
				bst.st_size = 0;
			memo_warn(m, "shark: %s: not recorded: %s is %s, over SHARK_MAX_EFFECT_SIZE (%s)",
				  r->ps->s->argv[0], be->path,
				  util_format_size((uint64_t)bst.st_size, sz, sizeof(sz)),
				  util_format_size(max_effect_size(), lim, sizeof(lim)));
			no_record(r, "a file it wrote is larger than SHARK_MAX_EFFECT_SIZE");
		} else if (e == -ENOMEM) {
			no_record(r, "out of memory");
		} else {
			imported = true; /* applied from the pinned contents below */
			if (e < 0) {
				memo_store_failed(m, "import", e);
				no_record(r, "its file changes could not be stored");
			}
		}
	}
	if (!r->reason && imported && r->tfx && sandbox_effects_count(r->tfx) > 0) {
		e = merge_tmp_effects(m, r, &effects, &effect_fds, &n_effects);
		if (e == -EINVAL)
			no_record(r, "it created a special file");
		else if (e == -EFBIG)
			no_record(r, "a file it wrote is larger than SHARK_MAX_EFFECT_SIZE");
		else if (e == -ENOMEM)
			no_record(r, "out of memory");
		else if (e < 0)
			no_record(r, "its file changes could not be stored");
	}
	if (!r->reason && stdin_used(r->ps) < 0)
		no_record(r, "how much of its stdin it read is unknown");
	/* A run whose output, file changes or file inputs name the workspace's
	 * absolute location is served only there (reloc.c). */
	if (!r->reason) {
		struct store_trace seen = {
			.stdout_blob = out_h,
			.stdout_size = r->hash_only ? 0 : out_n, /* no object to read */
			.stderr_blob = err_h,
			.stderr_size = err_n,
			.n_inputs = n_inputs,
			.inputs = inputs,
			.n_effects = n_effects,
			.effects = effects,
		};
		/* An output kept by hash only cannot be read for the workspace's
		 * location: such a run is served only here (in a moved copy the
		 * pipeline runs again from that stage on, once). */
		r->ps->key.bound = r->hash_only ||
					   memo_location_bound(m, &seen, effect_fds,
							       memo_bound_scan_end(&r->bout, out_n),
							       memo_bound_scan_end(&r->berr, err_n))
					   ? m->workspace
					   : NULL;
	}
	store_hash key = { { 0 } };
	if (!r->reason && memo_action_key(&r->ps->key, &key) < 0)
		no_record(r, "out of memory");
	if (!r->reason && memo_key_info(&r->ps->key, &key, &key_info, &key_info_len) < 0)
		no_record(r, "out of memory");

	struct store_run run = {
		.start_ns = r->start_real,
		.duration_ns = res ? res->wall_ns : 0,
		.exit_status = r->status,
		.action_key = key,
		.cwd = cwd,
		.command = r->ps->s->text ? r->ps->s->text : r->ps->s->argv[0],
	};
	if (!r->reason) {
		struct store_trace t = {
			.stdout_blob = out_h,
			.stdout_size = out_n,
			.stderr_blob = err_h,
			.stderr_size = err_n,
			.exit_status = r->status,
			.start_ns = r->start_real,
			.duration_ns = res->wall_ns,
			.n_inputs = n_inputs,
			.inputs = inputs,
			.n_effects = n_effects,
			.effects = effects,
			.key_info = key_info,
			.key_info_len = key_info_len,
			.flags = r->hash_only ? STORE_TRACE_STDOUT_HASH_ONLY : 0,
		};
		run.outcome = STORE_RUN_MISS;
		run.reason = run_note(r);
		store_hash tid;
		e = store_record(m->st, &key, &t, &run, &tid, NULL);
		if (e < 0) {
			memo_store_failed(m, "record", e);
		} else {
			m->recorded = true;
			memo_remote_note_record(m, &key, &tid); /* uploaded after the commit */
		}
	} else {
		run.outcome = STORE_RUN_NOT_RECORDED;
		run.reason = r->reason;
		if (m->st && m->st_pid == util_getpid())
			(void)store_run_defer(m->st, &run); /* with the batch, or memo_flush */
	}
	r->fx = fx;
	r->effects = effects;
	r->effect_fds = effect_fds;
	r->n_effects = n_effects;
	r->imported = imported;
	memo_inputs_free(inputs, n_inputs);
	free(key_info);
}

/* Apply a finished stage's file changes to the workspace: only once every
 * stage of the pipeline was recorded, since each stage's inputs are looked
 * at on the host and must be what it saw, not what a stage beside it
 * wrote. */
static void apply_stage(struct memo *m, struct srun *r)
{
	if (r->imported) {
		struct store_trace ft = { .n_effects = r->n_effects, .effects = r->effects };
		memo_replay_effects(m, &ft, r->effect_fds);
		for (size_t i = 0; i < r->n_effects; i++)
			if (r->effect_fds[i] >= 0)
				close(r->effect_fds[i]);
	} else if (r->fx) {
		int ws = open(m->workspace, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ws >= 0) {
			(void)sandbox_effects_apply(r->fx, ws, report_refused, m);
			close(ws);
		}
	}
	if (r->tfx && !r->tmp_merged)
		(void)memo_apply_tmp_effects(m, r->tfx);
	sandbox_effects_free(r->fx);
	sandbox_effects_free(r->tfx);
	r->tfx = NULL;
	for (size_t i = 0; i < r->n_tmp_paths; i++)
		free(r->tmp_paths[i]);
	free(r->tmp_paths);
	r->tmp_paths = NULL;
	r->n_tmp_paths = 0;
	free(r->effects);
	free(r->effect_fds);
	r->fx = NULL;
	r->effects = NULL;
	r->effect_fds = NULL;
	r->n_effects = 0;
}

/* ---- the runner: memo_run_stages, step by step ---------------------------------- */

/* Why a stage will not be recorded, known before it runs (a forced run,
 * shark -f, is recorded). */
static const char *reason_before_run(const struct memo_pstage *ps)
{
	const struct memo_stage *s = ps->s;
	if (ps->live && !(s->flags & MEMO_NETWORK))
		return MEMO_LIVE_REASON;
	if (s->flags & MEMO_NETWORK)
		return "it was given network access";
	if (s->flags & MEMO_UNCACHED)
		return "it was run uncached";
	return NULL;
}

static void srun_init(struct srun *r, struct memo_pstage *ps)
{
	r->ps = ps;
	r->in_fd = r->in_r = r->in_w = -1;
	r->out_r = r->out_w = r->err_r = r->err_w = -1;
	r->out_dest = ps->out_dest;
	r->scratch_hold = -1;
	r->status = 126;
	r->reason = reason_before_run(ps);
}

/* Stage r's stdin, from the source the plan decided: a pipe the engine
 * relays from the previous running stage (prev), an empty pipe, or the
 * fd the plan found (from outside, or the store's copy of a hit's
 * output). */
static int connect_stdin(struct srun *r, struct srun *prev)
{
	struct memo_pstage *ps = r->ps;
	int e;
	switch (ps->in_src) {
	case MEMO_IN_PREVIOUS:
		if (prev) {
			e = make_pipe(&r->in_r, &r->in_w);
			if (e < 0)
				return e;
			widen_pipe(r->in_w);
			r->in_fd = r->in_r;
			ps->key.in.kind = MEMO_STDIN_UPSTREAM; /* its hash once prev ended */
			prev->next = r;
			return fcntl(r->in_w, F_SETFL, O_NONBLOCK) < 0 ? -errno : 0;
		}
		/* The store's copy of a hit upstream's output (feed_from_hit). */
		if (ps->in_fd < 0)
			return -ENOENT;
		r->in_fd = ps->in_fd;
		r->in_known = true;
		return 0;
	case MEMO_IN_EMPTY:
		/* The upstream stage writes elsewhere: this one reads an empty pipe. */
		e = make_pipe(&r->in_r, &r->in_w);
		if (e < 0)
			return e;
		close_fd(&r->in_w);
		r->in_fd = r->in_r;
		r->in_known = true;
		return 0;
	case MEMO_IN_OUTSIDE:
		r->in_fd = ps->in_fd;
		r->in_known = ps->key.in.kind != MEMO_STDIN_STREAM;
		/* a relayed stdin is known once the relay is done (finish_stage) */
		if (!r->in_known && ps->in_hash_fd < 0)
			no_record(r, ps->in_reason);
		return 0;
	}
	return -EINVAL;
}

/* Stage r's stdout and stderr: pipes the engine reads, or pseudo-terminals
 * where they lead to a terminal. When they are one open file (key.merged),
 * the command gets one pipe for both, so the engine reads, records and
 * passes on one stream in the order it was written; its stderr record is
 * then empty. */
static int open_outputs(struct srun *r)
{
	int fd_err = r->ps->s->fd_err;
	bool out_tty = r->out_dest >= 0 && isatty(r->out_dest);
	int e = out_tty ? make_pty(r->out_dest, &r->out_r, &r->out_w)
			: make_pipe(&r->out_r, &r->out_w);
	if (e == 0 && !out_tty)
		widen_pipe(r->out_w);
	if (e == 0 && r->ps->key.merged) {
		r->err_w = fcntl(r->out_w, F_DUPFD_CLOEXEC, 3);
		r->err_eof = true;
		return r->err_w < 0 ? -errno : 0;
	}
	if (e == 0)
		e = fd_err >= 0 && isatty(fd_err) ? make_pty(fd_err, &r->err_r, &r->err_w)
						  : make_pipe(&r->err_r, &r->err_w);
	return e;
}

/* Stage r's scratch directory and (when it may be recorded) blob writers
 * for its output. */
static int prepare_record(struct memo *m, struct srun *r, bool single)
{
	int e = 0;
	prep_forget_forked(); /* a forked copy: the dir is the parent's */
	/* The dir a prepared sandbox built its tree on (prep_mounts_ahead),
	 * unless it lies in the workspace now (a cd: overlayfs refuses an
	 * upper dir inside its lower one, memo_make_scratch). */
	size_t wl = ahead_scratch ? strlen(m->workspace) : 0;
	if (ahead_scratch && (!single || !ahead_hold_ours() ||
			      (strncmp(ahead_scratch, m->workspace, wl) == 0 &&
			       (ahead_scratch[wl] == '/' || wl == 1))))
		prep_ahead_drop(false);
	if (ahead_scratch) {
		r->scratch = ahead_scratch;
		r->scratch_hold = ahead_hold;
		ahead_scratch = NULL;
		ahead_hold = -1;
	} else {
		e = memo_make_scratch(m, &r->scratch, &r->scratch_hold);
	}
	if (e == 0 && m->st && !r->reason) { /* m->st: opened by memo_run_stages */
		memo_bound_scan_init(&r->bout, m->workspace, false);
		memo_bound_scan_init(&r->berr, m->workspace, false);
		/* lazy: an output that stays empty (most stderrs) costs no
		 * temporary file, and none is made before the stage starts */
		if (store_blob_writer_new_lazy(m->st, &r->wout) < 0 ||
		    store_blob_writer_new_lazy(m->st, &r->werr) < 0)
			no_record(r, "the store could not take its output");
	}
	return e;
}

/* Every stage's pipes, before any starts. Each stage's scratch dir and
 * blob writers are made right before its own start (start_all), so that
 * the first stage's pid 1 sets up while the shell makes the next ones'. */
static int set_up(struct memo *m, struct srun *runs, size_t count)
{
	int e = 0;
	for (size_t j = 0; j < count && e == 0; j++) {
		e = connect_stdin(&runs[j], j > 0 ? &runs[j - 1] : NULL);
		if (e == 0)
			e = open_outputs(&runs[j]);
		/* made here, not with the scratch dir: a stage whose scratch
		 * dir cannot be made still hashes the nothing it passes on, so
		 * the stage after it is keyed by the empty input it read */
		if (e == 0)
			e = store_hasher_new(&runs[j].hout);
	}
	if (e < 0) {
		memo_warn(m, "shark: cannot set up the pipeline: %s", strerror(-e));
		return e;
	}
	/* A stage whose stdin was redirected leaves the previous stage writing
	 * into a pipe nobody reads: close it, as sh's redirection would. */
	for (size_t j = 0; j + 1 < count; j++)
		if (runs[j].ps->s->fd_out < 0 && !runs[j].next)
			cut_output(&runs[j]);
	return 0;
}

/* Start every stage's sandbox: all are cloned before any set-up report is
 * awaited, so they set up side by side. -1 when one could not start (it
 * then counts as ended, with nothing to relay). */
static int start_all(struct memo *m, const char *cwd, struct srun *runs, size_t count)
{
	int result = 0;
	keep_last_plan = count == 1;
	if (count != 1) {
		sandbox_plan_free(last_plan);
		last_plan = NULL;
	}
	int set_up_error = 0;
	for (size_t j = 0; j < count; j++) {
		struct srun *r = &runs[j];
		/* once a stage could not be set up (its scratch dir), the rest
		 * are not started either, and it is said once: at the first
		 * stage, as before, nothing runs */
		int e = set_up_error ? set_up_error : prepare_record(m, r, count == 1);
		if (e < 0 && !set_up_error)
			memo_warn(m, "shark: cannot set up the pipeline: %s", strerror(-e));
		if (e < 0)
			set_up_error = e;
		if (e == 0 && start_stage(m, cwd, r, (r->ps->s->flags & MEMO_NETWORK) != 0) == 0)
			r->started = true;
		else
			result = -1;
		close_fd(&r->out_w);
		close_fd(&r->err_w);
		close_fd(&r->in_r);
	}
	/* Which stages' outputs the intermediates rule may keep by hash only:
	 * those that only feed the next running stage (keep.c). */
	for (size_t j = 0; j < count; j++) {
		runs[j].keep = memo_keep_policy(runs[j].ps->s->envp);
		runs[j].may_drop = runs[j].next && runs[j].wout && runs[j].keep != MEMO_KEEP_ALL;
	}
	/* What earlier processes' threads had not removed when they exited
	 * (srun_release) goes while this pipeline runs. Queued once the
	 * stages' plans are sent, while their pid 1s set up: the first
	 * queueing starts the library's thread and waits for its start
	 * (sandbox/reaper.c), which is then not between a one-shot's pid 1
	 * and its plan. */
	store *st = memo_store(m);
	if (st)
		(void)sandbox_scratch_sweep_async(store_scratch_path(st));
	for (size_t j = 0; j < count; j++) {
		struct srun *r = &runs[j];
		if (r->started && stage_started(m, r) < 0) {
			r->started = false;
			result = -1;
		}
		if (!r->started) {
			close_fd(&r->out_r);
			close_fd(&r->err_r);
			r->out_eof = r->err_eof = true;
			/* the next stage reads an end of file, not a pipe
			 * held open for ever (it waited, and the shell too) */
			finish_relay(r);
			no_record(r, "the sandbox could not start");
		}
	}
	if (count > 0)
		prepare_next(m, (runs[count - 1].ps->s->flags & MEMO_NETWORK) != 0, count);
	return result;
}

/* Relay every pipe until all stages closed their outputs. SIGPIPE is
 * ignored meanwhile: a reader that went away is an EPIPE to handle. */
static void relay(struct memo *m, const char *cwd, struct srun *runs, size_t count)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	relay_loop(m, cwd, runs, count);
	sigaction(SIGPIPE, &old, NULL);
}

/* Wait for stage r's sandbox: its status, the "not found" style messages,
 * and, for the stage it fed through a relayed pipe, that stage's stdin
 * hash (known now that all of it passed). */
static void wait_stage(struct memo *m, struct srun *r)
{
	if (r->waited)
		return;
	r->waited = true;
	close_fd(&r->out_r);
	close_fd(&r->err_r);
	close_fd(&r->in_w);
	if (r->started) {
		const char *name = r->ps->s->argv[0];
		int w = sandbox_wait(r->run, &r->res);
		if (w < 0) {
			memo_warn(m, "shark: %s: %s", name, sandbox_strerror(w));
			no_record(r, "the sandbox failed");
		} else {
			r->status = r->res->exit_code;
			/* Went over `ulimit -f` (write_dest): the command was
			 * sent SIGXFSZ, which it may have outrun by ending
			 * first (its writes went to a pipe); a real one would
			 * have died at that write, as sh reports it */
			bool over = r->over_out || r->over_err;
			if (over && !r->res->term_signal && !xfsz_ignored())
				r->status = 128 + SIGXFSZ;
			/* said by the shell, as sh's parent says it: on its own
			 * stderr, not in the command's (`2>err`) */
			memo_message_fn *say = m->opt.notice ? m->opt.notice : m->opt.message;
			if (over && r->status == 128 + SIGXFSZ && say)
				say(m->opt.message_ctx, strsignal(SIGXFSZ));
			/* a stage killed by a signal, as sh says it (but ^C's and
			 * a closed pipe's) */
			int sig = r->res->term_signal;
			if (sig && sig != SIGINT && sig != SIGPIPE && !(over && sig == SIGXFSZ) && say)
				say(m->opt.message_ctx, strsignal(sig));
			if (r->res->flags & SANDBOX_RESULT_TIMEOUT)
				memo_warn(m, "shark: %s: killed at the wall-clock limit (SHARK_TIMEOUT=%s)",
					  name, getenv("SHARK_TIMEOUT") ? getenv("SHARK_TIMEOUT") : "?");
			if (r->status == 127 && r->res->exec_errno)
				memo_warn(m, "shark: %s: not found", name);
			else if (r->status == 126 && r->res->exec_errno)
				memo_warn(m, "shark: %s: %s", name, strerror(r->res->exec_errno));
		}
	}
	if (!r->hout) /* its set-up failed (set_up): nothing ran, nothing to key */
		return;
	store_hasher_final(r->hout, &r->out_hash);
	if (r->next && !r->next->in_known && !r->out_cut && r->out_eof)
		r->next->ps->key.in.hash = r->out_hash;
	/* The next stage left before r ended, and r was cut off: that stage
	 * read a prefix of a stream that went on, whose first bytes are all r
	 * wrote. Keyed so (UPSTREAM_CUT), it is looked up only after r hit with
	 * that same cut trace (pipeline.c), when a real run would give it the
	 * same stream. */
	if (r->next && !r->next->in_known && r->drain_cut) {
		store_hasher_final(r->hout, &r->next->ps->key.in.hash);
		r->next->ps->key.in.kind = MEMO_STDIN_UPSTREAM_CUT;
		r->next->in_complete = true;
	}
}

/* Record every stage that may be. */
static void record_all(struct memo *m, const char *cwd, struct srun *runs, size_t count,
		       bool set_up_ok)
{
	for (size_t j = 0; j < count; j++) {
		struct srun *r = &runs[j];
		if (r->finished)
			continue; /* during the relay */
		if (r->scratch && set_up_ok)
			finish_stage(m, cwd, r);
		else
			no_record(r, "set-up failed");
	}
}

static void srun_release(struct srun *r, bool goes_on)
{
	/* A run that ended with its result (pid 1 done, or exiting) leaves
	 * its dir to be recycled once pid 1 has exited, in a process that
	 * goes on to run more (goes_on: not the last run of a process that
	 * leaves by _exit, the last command of `shark -c` or a forked job's,
	 * whose skeleton no run would take); any other is removed (its pid
	 * 1 killed and reaped first, sandbox_run_free). */
	pid_t pid1 = goes_on && r->run && r->res ? sandbox_run_pid(r->run) : -1;
	sandbox_run_free(r->run);
	r->run = NULL;
	if (r->scratch && pid1 > 0)
		scratch_release(r->scratch, &r->scratch_hold, pid1);
	else if (r->scratch)
		scratch_remove(r->scratch, &r->scratch_hold, false);
	close_fd(&r->scratch_hold);
	free(r->scratch);
	free(r->pend);
	store_hasher_free(r->hout);
	memo_bound_scan_free(&r->bout);
	memo_bound_scan_free(&r->berr);
	store_blob_writer_free(r->wout);
	store_blob_writer_free(r->werr);
	sandbox_result_free(r->res);
	close_fd(&r->in_r);
	close_fd(&r->out_w);
	close_fd(&r->err_w);
}

/* The memo whose batch is pending, for the exit handler: a shell that
 * leaves by exit() without memo_free still commits it. */
static struct memo *pending_memo;
static pid_t pending_pid;

static void commit_pending_at_exit(void)
{
	if (pending_memo && pending_pid == util_getpid())
		memo_commit_pending(pending_memo);
}

void memo_commit_later(struct memo *m, bool on)
{
	if (m)
		m->commit_later = on;
}

void memo_commit_pending(struct memo *m)
{
	if (!m || !m->commit_pending)
		return;
	m->commit_pending = false;
	if (pending_memo == m)
		pending_memo = NULL;
	/* a forked copy: the batch is the parent's (the store this process
	 * opened since has none) */
	if (!m->st || m->st_pid != util_getpid() || m->commit_pending_pid != util_getpid())
		return;
	int be = store_batch_commit(m->st);
	if (be < 0) {
		/* reported during the next command: say whose record it was */
		memo_store_failed(m, "record of the previous command", be);
		m->recorded = false;
	}
}

/* Leave the batch open: its synced commit (an fdatasync of the index,
 * milliseconds) then runs while the next command does, after its start
 * (docs/store.md, "Durability"). Not with a shared cache: its uploads
 * follow the commit (remote.c). */
static void leave_pending(struct memo *m)
{
	static bool registered;
	if (!registered)
		registered = atexit(commit_pending_at_exit) == 0;
	m->commit_pending_pid = util_getpid();
	/* objects to sync hold fds, which the script's own redirections
	 * (`exec 7>f`) could replace while the batch waits: committed now */
	if (!registered || memo_remote_configured() || store_batch_holds_fds(m->st)) {
		m->commit_pending = true;
		memo_commit_pending(m);
		return;
	}
	m->commit_pending = true;
	pending_memo = m;
	pending_pid = util_getpid();
}

int memo_run_stages(struct memo_pipeline *p)
{
	struct memo *m = p->m;
	size_t count = p->n - p->first_miss;
	struct srun *runs = calloc(count, sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	store *st = memo_store(m);
	/* the process attributes the commands start with, for their records
	 * (the shell's may change while they run: `taskset -p` from
	 * outside). Read here, not in the plan: a hit needs none of them
	 * (19 system calls, 20-40 us on this machine). */
	memo_procattrs_now(&p->procattrs);
	for (size_t j = 0; j < count; j++) {
		p->st[p->first_miss + j].procattrs = &p->procattrs;
		srun_init(&runs[j], &p->st[p->first_miss + j]);
	}

	int e = set_up(m, runs, count);
	int result = 0;
	/* One synced commit for the whole pipeline: the stages' new blobs are
	 * synced side by side and their traces written in one transaction.
	 * The batch is opened before the relay when there are stages to
	 * record during it (relay_loop), after the previous run's commit. */
	bool batch = false;
	if (e == 0) {
		result = start_all(m, p->cwd, runs, count);
		/* the previous run's records, while this one runs */
		memo_commit_pending(m);
		batch = count > 1 && st && m->st == st && store_batch_begin(st) == 0;
		relay(m, batch ? p->cwd : NULL, runs, count);
	}
	for (size_t j = 0; j < count; j++) {
		wait_stage(m, &runs[j]);
		p->status[runs[j].ps->idx] = runs[j].status;
	}
	if (!batch) {
		memo_commit_pending(m); /* when nothing started */
		batch = st && store_batch_begin(st) == 0;
	}
	record_all(m, p->cwd, runs, count, e == 0);
	/* Effects only now: each stage's inputs were looked at on the host and
	 * must be what it saw, not what a stage beside it wrote. */
	for (size_t j = 0; j < count; j++) {
		apply_stage(m, &runs[j]);
		srun_release(&runs[j], m->commit_later);
	}
	free(runs);
	if (batch && m->commit_later) {
		leave_pending(m);
	} else if (batch) {
		int be = store_batch_commit(st);
		if (be < 0) {
			memo_store_failed(m, "record", be);
			m->recorded = false;
		}
	}
	return e < 0 ? e : result;
}
