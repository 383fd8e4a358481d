/* external.c - the seam every external command goes through (see
 * external.h). Each one is handed to the memo engine (memo.h), which runs it
 * in the sandbox or serves it from the store; nothing here ever runs a
 * program unsandboxed: a `host` command too is run by the engine
 * (memo_run_host), which puts it in the history as such. PATH search for `command -v`, `type` and friends
 * lives here too.
 *
 * An interactive shell, or one with a trap action set, hands each command to the
 * memo engine in a child process (the job's process), so that Ctrl-C stops
 * the job and not the shell, and a trap runs once the command is over, as
 * in sh. A non-interactive shell without trap actions (an ignored signal
 * does not count, as for the last command) runs the engine in its own
 * process (runs_commands_here), as it always did for the last command of
 * a -c string: there a signal that stops the command stops the shell too,
 * in sh as here, and a job fork and a store opening per command were most
 * of what a cached command cost. The store the shell opened is dropped by
 * the job children it still forks (pipelines, subshells), which open their
 * own: LMDB handles never cross a fork. */
#include "shark/shell/external.h"
#include "shark/memo/memo.h"
#include "shark/shell/ast.h"
#include "shark/shell/boundary.h"
#include "shark/shell/eval.h"
#include "shark/shell/expand.h"
#include "shark/shell/jobs.h"
#include "shark/shell/lookup.h"
#include "shark/shell/redir.h"
#include "shark/shell/procsub.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"
#include "shark/util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the memo engine ------------------------------------------------------- */

static void memo_message(void *ctx, const char *line)
{
	struct shell *sh = ctx;
	out_flush(sh);
	dprintf(2, "%s\n", line);
}

/* Notices go to the stderr shark started with, not to the fd 2 of the
 * moment: a command's `> log 2>&1` (applied in this process) must not
 * catch a "cached" line that its real run never wrote. */
static void memo_notice(void *ctx, const char *line)
{
	struct shell *sh = ctx;
	out_flush(sh);
	dprintf(sh->notice_fd >= 0 ? sh->notice_fd : 2, "%s\n", line);
}

/* The hit notices of an interactive shell's loop are tallied into one
 * line when the loop ends ("shark: cached 40 commands · saved 3.1 s"), not
 * one per iteration. The tally is shared memory, so hits in the job
 * children the loop forks (pipelines, subshells) count too. */
struct notice_tally {
	int batching;		/* a loop of the interactive shell is running */
	uint64_t count;
	uint64_t remote;	/* of them, served by the shared cache */
	uint64_t saved_ns;
};

static void say_cached(struct shell *sh, uint64_t count, uint64_t remote, uint64_t saved_ns,
		       bool mid_line)
{
	char buf[32], rem[48] = "";
	util_format_duration_short(saved_ns, buf, sizeof(buf));
	out_flush(sh);
	int fd = sh->notice_fd >= 0 ? sh->notice_fd : 2;
	if (count == 1) {
		dprintf(fd, "%sshark: cached%s \xc2\xb7 saved %s\n", mid_line ? "\n" : "",
			remote ? " (remote)" : "", buf);
		return;
	}
	if (remote)
		snprintf(rem, sizeof(rem), " (%llu remote)", (unsigned long long)remote);
	dprintf(fd, "%sshark: cached %llu commands%s \xc2\xb7 saved %s\n", mid_line ? "\n" : "",
		(unsigned long long)count, rem, buf);
}

static void memo_hit(void *ctx, uint64_t saved_ns, bool mid_line, bool remote)
{
	struct shell *sh = ctx;
	struct notice_tally *t = sh->tally;
	if (t && __atomic_load_n(&t->batching, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&t->count, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->remote, remote ? 1 : 0, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->saved_ns, saved_ns, __ATOMIC_RELAXED);
		return;
	}
	say_cached(sh, 1, remote ? 1 : 0, saved_ns, mid_line);
}

bool external_tally_begin(struct shell *sh)
{
	struct notice_tally *t = sh->tally;
	if (!t || !sh->interactive || __atomic_load_n(&t->batching, __ATOMIC_ACQUIRE))
		return false;
	t->count = t->remote = t->saved_ns = 0;
	__atomic_store_n(&t->batching, 1, __ATOMIC_RELEASE);
	return true;
}

void external_tally_end(struct shell *sh, bool began)
{
	struct notice_tally *t = sh->tally;
	if (!began || !t)
		return;
	__atomic_store_n(&t->batching, 0, __ATOMIC_RELEASE);
	uint64_t n = __atomic_load_n(&t->count, __ATOMIC_ACQUIRE);
	if (n)
		say_cached(sh, n, __atomic_load_n(&t->remote, __ATOMIC_ACQUIRE),
			   __atomic_load_n(&t->saved_ns, __ATOMIC_ACQUIRE), false);
}

int external_init(struct shell *sh, bool force, bool notices)
{
	sh->notice_fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
	const char *nt = getenv("SHARK_NOTICES");
	sh->engine_force = force;
	sh->engine_notices = notices || (nt && *nt && strcmp(nt, "0") != 0);
	if (sh->engine_notices && !sh->tally) {
		void *t = mmap(NULL, sizeof(struct notice_tally), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		sh->tally = t == MAP_FAILED ? NULL : t; /* without it: a line per hit */
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		int e = -errno;
		char *bad = NULL;
		if (boundary_new(NULL, &sh->boundary, &bad) < 0)
			abort();
		free(bad);
		return e;
	}
	sh->start_cwd = strdup(cwd);
	if (!sh->start_cwd)
		abort(); /* out of memory at start-up, as elsewhere in the shell */
	sh->engine_pending = true;
	return 0;
}

/* The workspace (from the starting directory, kept by external_init), the
 * boundary and the memo engine, found and made the first time something
 * needs them (docs/memo.md, "The workspace"). */
static int engine_set_up(struct shell *sh)
{
	const char *cwd = sh->start_cwd;
	const char *rf = getenv("SHARK_RECORD_FAILURES");
	/* The workspace and the grants: the same for the shell's own writes
	 * (boundary.c) and for the commands' sandboxes. */
	char *ws = NULL, *bad = NULL;
	int r = memo_workspace_find(cwd, &ws);
	/* Without a workspace (the engine cannot run then) the shell still
	 * writes only in /tmp and the grants: there is always a boundary. */
	if (boundary_new(r == 0 ? ws : NULL, &sh->boundary, &bad) < 0)
		abort(); /* out of memory, as elsewhere in the shell */
	if (r < 0) {
		free(bad);
		free(ws);
		return r;
	}
	if (bad)
		fprintf(stderr, "shark: SHARK_WRITABLE: left out (not an existing absolute path): %s\n",
			bad);
	free(bad);
	struct memo_options o = {
		.workspace = ws,
		.workspace_real = true,
		.writable = boundary_grants(sh->boundary),
		.force = sh->engine_force,
		.notices = sh->engine_notices,
		/* exits 1-125 are recorded unless SHARK_RECORD_FAILURES is
		 * 0, off or no (docs/memo.md) */
		.record_failures = !rf || !(strcmp(rf, "0") == 0 || strcmp(rf, "off") == 0 ||
					    strcmp(rf, "no") == 0),
		.message = memo_message,
		.notice = memo_notice,
		.hit = memo_hit,
		.message_ctx = sh,
	};
	struct memo *m;
	r = memo_new(&o, cwd, &m);
	free(ws);
	if (r < 0)
		return r;
	sh->memo = m;
	return 0;
}

void external_ensure(struct shell *sh)
{
	if (!sh->engine_pending)
		return;
	sh->engine_pending = false;
	int r = engine_set_up(sh);
	if (r < 0)
		fprintf(stderr, "shark: cannot set up the memo engine: %s\n", strerror(-r));
}

void external_flush(struct shell *sh)
{
	if (sh->memo)
		memo_flush(sh->memo);
	/* nothing runs here after this: no next run for a tree built ahead */
	memo_prepared_ahead_drop();
}

void external_commit_pending(struct shell *sh)
{
	if (sh->memo)
		memo_commit_pending(sh->memo);
}

void external_free(struct shell *sh)
{
	if (sh->notice_fd >= 0)
		close(sh->notice_fd);
	sh->notice_fd = -1;
	memo_free(sh->memo);
	sh->memo = NULL;
	if (sh->tally)
		munmap(sh->tally, sizeof(struct notice_tally));
	sh->tally = NULL;
	boundary_free(sh->boundary);
	sh->boundary = NULL;
	free(sh->start_cwd);
	sh->start_cwd = NULL;
	sh->engine_pending = false;
}

/* Prefix words that change how one command is memoized (docs/memo.md). */
static const struct {
	const char *word;
	unsigned flag;
} memo_prefixes[] = {
	{ "force", MEMO_FORCE },
	{ "host", MEMO_HOST },
	{ "nocache", MEMO_UNCACHED },
	{ "network", MEMO_NETWORK },
};

static unsigned prefix_flag(const char *word)
{
	for (size_t i = 0; i < sizeof(memo_prefixes) / sizeof(memo_prefixes[0]); i++)
		if (strcmp(word, memo_prefixes[i].word) == 0)
			return memo_prefixes[i].flag;
	return 0;
}

/* Strip the memo prefixes off argv; returns the remaining argv (NULL when
 * nothing is left) and their flags. */
static char *const *strip_prefixes(char *const *argv, unsigned *ret_flags)
{
	unsigned flags = 0, f;
	while (*argv && (f = prefix_flag(*argv)) != 0) {
		flags |= f;
		argv++;
	}
	*ret_flags = flags;
	return *argv ? argv : NULL;
}

char *const *external_strip_prefixes(char *const *argv, unsigned *ret_flags)
{
	return strip_prefixes(argv, ret_flags);
}

bool external_is_prefix(const char *word)
{
	return prefix_flag(word) != 0;
}

void external_prepare_early(const char *script, bool force_all)
{
	const char *p = script;
	bool sure = force_all, network = false;
	size_t words = 0;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	for (;;) {
		char word[16];
		size_t len = strcspn(p, " \t\n;&|()<>=\"'`$\\#");
		if (len == 0 || len >= sizeof(word))
			break;
		memcpy(word, p, len);
		word[len] = '\0';
		unsigned f = prefix_flag(word);
		if (!f)
			break;
		/* a prefix word is a word of its own: not `nocache=1`,
		 * `nocache()`, nor the end of the command */
		if ((p[len] != ' ' && p[len] != '\t') || (f & MEMO_HOST))
			return;
		sure = sure || (f & (MEMO_UNCACHED | MEMO_FORCE));
		network = network || (f & MEMO_NETWORK);
		words++;
		p += len;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (words == 0 || !sure || *p == '\0' || strchr("\n;&|()<>=#", *p))
		return;
	memo_prepare_first(network);
}

/* Run stages through the memo engine in this process and return the
 * pipeline's status (pipefail applied). last: the process ends after it
 * (_exit); otherwise, in the shell's own process, the run's records may
 * be committed while its next run runs (memo_flush_keep). */
static int run_in_this_process(struct shell *sh, struct memo_stage *stages, size_t n, int fd_in,
			       int fd_out, bool last)
{
	external_ensure(sh);
	struct memo *m = sh->memo;
	if (!m) {
		sh_error(sh, "the memo engine is not set up; refusing to run commands unsandboxed");
		return 126;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		sh_error(sh, "cannot find the working directory: %s", strerror(errno));
		return 126;
	}
	int *status = calloc(n, sizeof(*status));
	if (!status)
		abort();
	out_flush(sh);
	bool later = !last && !sh->is_child;
	memo_commit_later(m, later);
	(void)memo_run_pipeline(m, cwd, stages, n, fd_in, fd_out, status);
	if (later)
		memo_flush_keep(m);
	else
		external_flush(sh);
	int result = status[n - 1];
	if (sh->opt.pipefail)
		for (size_t i = 0; i < n; i++)
			if (status[i])
				result = status[i];
	free(status);
	return result;
}

/* A sandbox prepared before the engine is made (memo_prepare_first): the
 * first external command that this process hands to the engine then pays
 * the engine's set-up (workspace, store, lookup) and its sandbox's pid 1's
 * first steps on two CPUs at once rather than one after the other. Only
 * while the engine is not made yet, when the command runs in this process
 * (runs_commands_here's rule, asked without making the engine), and only
 * when it is sure to run: `nocache` or `force` (or `shark -f`), never a
 * `host` command (no sandbox). A command that may hit is not prepared for:
 * the clone would cost a hit about 2 ms (docs/performance.md, "A sandbox
 * prepared at the shell's first command"). */
static void prepare_first(struct shell *sh, unsigned flags)
{
	if (!sh->engine_pending || sh->interactive || sh->opt.interactive ||
	    traps_have_actions(sh) || (flags & MEMO_HOST) ||
	    !(sh->engine_force || (flags & (MEMO_UNCACHED | MEMO_FORCE))))
		return;
	memo_prepare_first((flags & MEMO_NETWORK) != 0);
}

/* Whether this shell runs external commands in its own process instead of
 * a job child (see the top of this file). */
static bool runs_commands_here(struct shell *sh)
{
	external_ensure(sh);
	return !sh->interactive && !sh->opt.interactive && sh->memo && !traps_have_actions(sh);
}

int external_run(struct shell *sh, const struct external_cmd *cmd, bool forked)
{
	unsigned flags;
	char *const *argv = strip_prefixes(cmd->argv, &flags);
	if (!argv) {
		sh_error(sh, "%s: a command is needed after it", cmd->argv[0]);
		if (forked) {
			external_flush(sh); /* the last run's records */
			_exit(2);
		}
		return 2;
	}
	char *text = util_sh_words(cmd->argv); /* the history's text */
	/* The last command of a pipeline stage that reads the pipe from the
	 * stage before it (a builtin, a function, a compound command): the
	 * engine waits for that pipe to end, so the command's stdin is known
	 * whatever the scheduling (docs/memo.md). Only when nothing in this
	 * process reads the pipe after it (forked: the process ends with it). */
	struct stat in_st;
	if (forked && sh->stage_pid == util_getpid() && sh->stage_pipe_dev != 0 &&
	    fstat(cmd->fd_in, &in_st) == 0 && S_ISFIFO(in_st.st_mode) &&
	    in_st.st_dev == sh->stage_pipe_dev && in_st.st_ino == sh->stage_pipe_ino)
		flags |= MEMO_WAIT_STDIN;
	struct memo_stage st = {
		.argv = argv,
		.envp = cmd->envp,
		.flags = flags,
		.fd_in = -1,
		.fd_out = -1,
		.fd_err = cmd->fd_err,
		.text = text,
	};
	prepare_first(sh, flags);
	if (forked) {
		int status = run_in_this_process(sh, &st, 1, cmd->fd_in, cmd->fd_out, true);
		out_flush(sh);
		_exit(status);
	}
	if (runs_commands_here(sh)) {
		int status = run_in_this_process(sh, &st, 1, cmd->fd_in, cmd->fd_out, false);
		free(text);
		return status;
	}
	out_flush(sh);
	pid_t pid = jobs_fork(sh, false);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		free(text);
		return 126;
	}
	if (pid == 0)
		_exit(run_in_this_process(sh, &st, 1, cmd->fd_in, cmd->fd_out, true));
	free(text);
	return jobs_wait_pid(sh, pid);
}

/* ---- whole pipelines ------------------------------------------------------------ */

/* A word whose expansion is known without expanding it: only literal
 * parts, and no unquoted pattern or tilde characters. */
static const char *literal_word(const struct word *w, char *buf, size_t size)
{
	size_t off = 0;
	if (!w || !w->parts)
		return NULL;
	for (const struct wpart *p = w->parts; p; p = p->next) {
		if (p->kind != WP_LIT)
			return NULL;
		if (!p->quoted && (strpbrk(p->text, "*?[") || (p == w->parts && p->text[0] == '~')))
			return NULL;
		if (off + p->len + 1 > size)
			return NULL;
		memcpy(buf + off, p->text, p->len);
		off += p->len;
	}
	buf[off] = '\0';
	return off ? buf : NULL;
}

/* Whether r is `2>&1`. */
static bool is_err_to_out(const struct redir *r)
{
	char buf[8];
	const char *t = r->kind == R_DUPOUT && r->fd == 2 ? literal_word(r->target, buf, sizeof(buf))
							 : NULL;
	return t && strcmp(t, "1") == 0;
}

/* Whether the stage ends its redirections of fds 1 and 2 with `2>&1`:
 * its stderr then goes wherever its stdout goes. */
static bool ends_err_to_out(const struct node *n)
{
	bool merged = false;
	for (const struct redir *r = n->redirs; r; r = r->next)
		if (r->fd == 1 || r->fd == 2)
			merged = is_err_to_out(r);
	return merged;
}

/* Can the memo engine take this stage as a whole? A simple command whose
 * command name (after memo prefixes) is a literal that names neither a
 * builtin nor a function, with redirections of fds 0-2 only. */
static bool stage_is_external(struct shell *sh, const struct node *n)
{
	if (n->kind != N_SIMPLE || !n->args || procsub_in_node(n))
		return false;	/* <(...): expanded in the stage's own process */
	/* In sh the pipe is in place before a stage's redirections, so
	 * `2>&1` sends stderr down the pipe. The engine knows that case (the
	 * last redirection of fds 1 and 2 is `2>&1`: err_to_out); any other
	 * descriptor duplication takes the stage-by-stage path, which has sh's
	 * order. */
	for (const struct redir *r = n->redirs; r; r = r->next)
		if (r->fd > 2 || r->kind == R_DUPIN ||
		    (r->kind == R_DUPOUT && !(is_err_to_out(r) && ends_err_to_out(n))))
			return false;
	const struct word *w = n->args;
	char buf[256];
	const char *name;
	unsigned f;
	while ((name = literal_word(w, buf, sizeof(buf))) && (f = prefix_flag(name)) != 0) {
		if (f == MEMO_HOST)
			return false; /* run on its own (memo_run_host), stage by stage */
		w = w->next;
	}
	if (!name || strcmp(name, "command") == 0 || strcmp(name, "exec") == 0)
		return false;
	/* shark's own program runs on the host, on its own (memo/live.c) */
	const char *base = strrchr(name, '/');
	if (strcmp(base ? base + 1 : name, "shark") == 0)
		return false;

	return cmd_is_program(sh, name);
}

/* The memo prefixes a stage's leading literal words name. */
static unsigned literal_prefix_flags(const struct node *n)
{
	unsigned flags = 0, f;
	char buf[256];
	const char *name;
	for (const struct word *w = n->args;
	     (name = literal_word(w, buf, sizeof(buf))) && (f = prefix_flag(name)) != 0; w = w->next)
		flags |= f;
	return flags;
}

static bool redirects(const struct node *n, int fd)
{
	for (const struct redir *r = n->redirs; r; r = r->next)
		if (r->fd == fd)
			return true;
	return false;
}

/* Whether expanding w can change nothing and fail in no way: literal
 * text only (quoted or not, patterns included), no parameter, command
 * substitution or arithmetic. */
static bool word_is_pure(const struct word *w)
{
	for (; w; w = w->next)
		for (const struct wpart *p = w->parts; p; p = p->next)
			if (p->kind != WP_LIT)
				return false;
	return true;
}

/* Whether the stages can be expanded and redirected in the shell itself,
 * leaking nothing a subshell would keep to itself: every word,
 * assignment and redirection target pure. */
static bool stages_are_pure(struct node *const *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!word_is_pure(nodes[i]->args) || !word_is_pure(nodes[i]->assigns))
			return false;
		for (const struct redir *r = nodes[i]->redirs; r; r = r->next)
			if (!word_is_pure(r->target))
				return false;
	}
	return true;
}

/* One end of a pipe whose other end is closed: read (EOF at once) or write
 * (EPIPE, SIGPIPE for a command), what a stage next to one that ended at
 * once sees. -1 on error. */
static int ended_pipe(bool read_end)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	close(p[read_end ? 1 : 0]);
	return p[read_end ? 0 : 1];
}

/* A pipeline some of whose stages (failed[i] != 0) could not open their
 * redirections: each of those ends at once with status failed[i], as its
 * subshell does in sh, and each run of stages between them is a pipeline
 * of its own, reading an ended pipe after a failed stage and writing into
 * one before it. Returns the pipeline's status (pipefail as in
 * run_in_this_process). */
static int run_around_failed(struct shell *sh, struct memo_stage *st, const int *failed,
			     size_t n, int fd_in, bool last)
{
	int result = 0;
	for (size_t i = 0; i < n;) {
		int s;
		size_t j = i;
		if (failed[i]) {
			s = failed[i];
			j++;
		} else {
			while (j < n && !failed[j])
				j++;
			int in = i > 0 ? ended_pipe(true) : fd_in;
			int out = j < n ? ended_pipe(false) : 1;
			if (in < 0 || out < 0) {
				sh_error(sh, "pipe: %s", strerror(errno));
				s = 2;
			} else {
				s = run_in_this_process(sh, st + i, j - i, in, out, last && j == n);
			}
			if (in > 0 && i > 0)
				close(in);
			if (out > 1)
				close(out);
		}
		if (!sh->opt.pipefail || s)
			result = s;
		i = j;
	}
	return result;
}

/* Expand every stage, open its redirections, and hand the lot to the memo
 * engine, reading fd_in (0, or the pipe from the stages before them:
 * external_pipeline_tail). Stages are subshells in sh: this runs in the
 * pipeline's child, where nothing leaks to the shell, or in the shell
 * itself for stages_are_pure stages; it frees and closes what it made. */
static int run_pipeline(struct shell *sh, struct node *const *nodes, size_t n, int fd_in,
			bool last)
{
	struct memo_stage *st = calloc(n, sizeof(*st));
	struct strlist *argvs = calloc(n, sizeof(*argvs));
	struct strlist *envs = calloc(n, sizeof(*envs));
	char **texts = calloc(n, sizeof(*texts));
	int *failed = calloc(n, sizeof(*failed));
	size_t nfailed = 0;
	if (!st || !argvs || !envs || !texts || !failed)
		abort();
	for (size_t i = 0; i < n; i++)
		st[i].fd_in = st[i].fd_out = st[i].fd_err = -1;
	int lineno = sh->lineno, status = -1;
	for (size_t i = 0; i < n && status < 0; i++) {
		const struct node *nd = nodes[i];
		sh->lineno = nd->lineno;
		if (expand_words(sh, nd->args, &argvs[i]) < 0 || argvs[i].n == 0) {
			status = 2;
			break;
		}
		/* The environment: exported variables, then this stage's
		 * assignments, which override them. */
		struct strlist as = { 0 };
		if (eval_expand_assigns(sh, nd->assigns, &as) < 0) {
			status = 2;
			break;
		}
		char **envp = eval_build_env(sh, &as, &envs[i]);
		if (envp != envs[i].v)
			for (char **e = envp; *e; e++)
				strlist_push(&envs[i], strdup(*e));
		strlist_free(&as);

		struct redir_save *save = NULL;
		if (redir_apply(sh, nd->redirs, &save) < 0) {
			redir_restore(sh, save); /* what it did apply */
			/* the stage ends at once, as its subshell would; the
			 * others run (`cat <missing | wc -c` prints 0) */
			failed[i] = sh->bash ? 1 : 2;
			nfailed++;
			continue;
		}
		st[i].fd_in = redirects(nd, 0) ? fcntl(0, F_DUPFD_CLOEXEC, 10) : -1;
		st[i].fd_out = redirects(nd, 1) ? fcntl(1, F_DUPFD_CLOEXEC, 10) : -1;
		st[i].fd_err = fcntl(2, F_DUPFD_CLOEXEC, 10);
		redir_restore(sh, save);
		unsigned flags;
		char *const *argv = strip_prefixes(argvs[i].v, &flags);
		if (!argv) {
			sh_error(sh, "%s: a command is needed after it", argvs[i].v[0]);
			status = 2;
			break;
		}
		st[i].argv = argv;
		/* `2>&1` with stdout still the pipe: redir_apply sent stderr to
		 * this process's stdout, the engine sends it down the pipe */
		st[i].err_to_out = ends_err_to_out(nd) && !redirects(nd, 1);
		st[i].envp = envs[i].v;
		st[i].flags = flags;
		/* the pipe from the forked stages before: its end is waited
		 * for, as in the stage's own process (external_run) */
		if (i == 0 && fd_in != 0)
			st[i].flags |= MEMO_WAIT_STDIN;
		texts[i] = util_sh_words(argvs[i].v); /* the history's text */
		st[i].text = texts[i];
	}
	if (status < 0 && nfailed)
		status = run_around_failed(sh, st, failed, n, fd_in, last);
	else if (status < 0)
		status = run_in_this_process(sh, st, n, fd_in, 1, last);
	sh->lineno = lineno;
	for (size_t i = 0; i < n; i++) {
		int fds[] = { st[i].fd_in, st[i].fd_out, st[i].fd_err };
		for (size_t k = 0; k < 3; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		strlist_free(&argvs[i]);
		strlist_free(&envs[i]);
		free(texts[i]);
	}
	free(st);
	free(argvs);
	free(envs);
	free(texts);
	free(failed);
	return status;
}

bool external_pipeline(struct shell *sh, struct node *const *stages, size_t nstages,
		       bool final, int *ret_status)
{
	if (sh->opt.xtrace || sh->opt.noexec)
		return false; /* the stage-by-stage path traces each command */
	if (sh->bash && sh->pipestatus_used)
		return false; /* the script reads PIPESTATUS: each stage's status */
	for (size_t i = 0; i < nstages; i++)
		if (!stage_is_external(sh, stages[i]))
			return false;
	out_flush(sh);
	bool pure = stages_are_pure(stages, nstages);
	if (final || pure)
		prepare_first(sh, literal_prefix_flags(stages[0]));
	if (!final && runs_commands_here(sh) && pure) {
		*ret_status = run_pipeline(sh, stages, nstages, 0, false);
		out_flush(sh);
		return true;
	}
	pid_t pid = final ? 0 : jobs_fork(sh, false);
	if (pid < 0)
		return false;
	if (pid == 0) { /* the job's process, or (final) the shell's own */
		int status = run_pipeline(sh, stages, nstages, 0, true);
		out_flush(sh);
		external_flush(sh); /* none of it ran (a redirection failed): the last run's records */
		_exit(status);
	}
	*ret_status = jobs_wait_pid(sh, pid);
	return true;
}

/* A pipeline whose last stage only is an external command (`printf ... |
 * wc -c`, `while ...; done | sort`): the stages before it are forked as in
 * sh, and the last one may run in the shell's own process, reading their
 * pipe, instead of in a job child of its own that would open the store
 * again and clone its sandbox's pid 1 from scratch (docs/performance.md,
 * "The script row, command by command"). The same rule as for a whole
 * pipeline of external stages run here (external_pipeline): the shell runs
 * commands in its own process, and the stage's words, assignments and
 * redirection targets are pure, so nothing a subshell would keep to itself
 * leaks into the shell. Not with xtrace or noexec, nor when the script
 * reads PIPESTATUS (the stage-by-stage path). */
bool external_pipeline_tail_ok(struct shell *sh, struct node *last)
{
	if (sh->opt.xtrace || sh->opt.noexec || (sh->bash && sh->pipestatus_used))
		return false;
	struct node *const one[] = { last };
	return stage_is_external(sh, last) && stages_are_pure(one, 1) && runs_commands_here(sh);
}

int external_pipeline_tail(struct shell *sh, struct node *last, int fd_in)
{
	struct node *const one[] = { last };
	int status = run_pipeline(sh, one, 1, fd_in, false);
	out_flush(sh);
	return status;
}
