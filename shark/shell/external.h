/* external.h - THE SEAM: the one place every external command goes through.
 *
 * The evaluator (eval.c) never forks or execs a program itself. For every
 * simple command that names neither a builtin nor a function it expands the
 * words, applies the redirections to the shell's own descriptors (saving the
 * old ones), and calls external_run() with:
 *   - argv: the fully expanded argument vector (argv[0] = command name),
 *   - envp: the exported environment, including the command's own
 *     NAME=value prefix assignments,
 *   - cwd:  the shell's working directory,
 *   - the stdio descriptors after redirections (0, 1, 2 of the calling
 *     process, which the evaluator has already redirected).
 * Builtins and shell functions never reach this file.
 *
 * For a pipeline the evaluator first offers the whole pipeline to
 * external_pipeline() with the list of stages, before starting any of them.
 * When every stage is a simple command naming an external program (a
 * literal name, not a builtin or function, no descriptor duplication), the
 * hook takes it: in one child (or in the shell's own process: the last
 * command of `shark -c`, or, in a non-interactive shell without traps,
 * stages of literal text that expanding cannot change) it expands and redirects every stage
 * (stages are subshells in sh, so nothing leaks) and hands the lot to the
 * memo engine, which looks each stage up and, when all are cached, replays
 * only the last stage's output. Otherwise it declines and the evaluator forks
 * one child per stage, each reaching external_run() with forked = true.
 *
 * Both go to the memo engine (memo.h): the command runs in the sandbox and
 * is recorded, or is served from the store. Nothing runs unsandboxed.
 */
#ifndef SHARK_EXTERNAL_H
#define SHARK_EXTERNAL_H

#include <stdbool.h>
#include <stddef.h>

struct shell;
struct node;

struct external_cmd {
	char *const *argv;	/* NULL-terminated, argv[0] non-NULL */
	char *const *envp;	/* NULL-terminated "NAME=value" strings */
	const char *cwd;	/* absolute working directory (may be NULL if unknown) */
	int fd_in;		/* descriptor the command reads as stdin */
	int fd_out;		/* descriptor for its stdout */
	int fd_err;		/* descriptor for its stderr */
};

/* Set up the memo engine for this shell (once, at start-up, in the starting
 * directory, which decides the workspace). force: recompute and re-record
 * everything (shark -f); notices: one "cached" line per hit on stderr.
 * Returns 0 or a negative errno (no working directory). The workspace and
 * the engine themselves are found and made by external_ensure, the first
 * time something needs them (a script that runs no external command and
 * writes no file never looks for its workspace). Without an engine every
 * external command fails with status 126: nothing ever runs unsandboxed. */
int external_init(struct shell *sh, bool force, bool notices);

/* external_ensure - find the workspace and make the boundary and the memo
 * engine, if external_init left that pending; prints "shark: cannot set
 * up the memo engine: ..." once when that fails. Called before an
 * external command runs, before the shell's own redirection opens a file
 * and before the shell forks (so its children share the result). */
void external_ensure(struct shell *sh);

/* Release the memo engine. */
void external_free(struct shell *sh);

/* external_flush - commit what the engine left uncommitted for the next
 * run (memo_flush): before this process execs something else. */
void external_flush(struct shell *sh);
/* external_commit_pending - commit the last run's records if they wait for
 * the next run's start (memo_commit_later): before anything that is not
 * an external command run by this process (a builtin, a fork, a compound
 * command), so that they are pending only from one command to the next. */
void external_commit_pending(struct shell *sh);

/* external_tally_begin - an interactive shell's outermost loop starts:
 * from now on the hit notices (of this process and the children it forks)
 * are counted instead of written. Returns whether this call began it (pass
 * that to external_tally_end). */
bool external_tally_begin(struct shell *sh);
/* external_tally_end - the loop ended: one line for all its hits. */
void external_tally_end(struct shell *sh, bool began);

/* Run one external command and wait for it.
 *
 * forked: true when the caller is already a child process that exists only
 * to run this command (a pipeline stage, the last command of a subshell or
 * command substitution); the command then goes to the memo engine in this
 * process, which _exits with its status: the call never returns.
 *
 * Returns the command's shell status: its exit code, 128+N if killed by
 * signal N, 127 if not found, 126 if found but not executable. Error messages
 * ("NAME: not found", ...) are printed here. Never returns a negative value. */
int external_run(struct shell *sh, const struct external_cmd *cmd, bool forked);

/* The pipeline-level hook, called before any stage of an N-stage pipeline
 * (N >= 2) starts. stages are the parsed, unexpanded commands (struct node,
 * see ast.h). Returns true if it ran (or replayed) the whole pipeline, with
 * *ret_status set to the pipeline's status (pipefail applied); false to
 * decline, in which case the evaluator runs the stages one by one.
 * With final, the pipeline is the last thing this process does: it runs here,
 * without a job child, and the process exits with its status. */
bool external_pipeline(struct shell *sh, struct node *const *stages, size_t nstages,
		       bool final, int *ret_status);

/* The last stage of a pipeline whose other stages are forked (builtins,
 * functions, compound commands): whether the engine may run it in this
 * process (external_pipeline_tail_ok), and its run there, reading fd_in,
 * the pipe from the stage before it; returns its status. */
bool external_pipeline_tail_ok(struct shell *sh, struct node *last);
int external_pipeline_tail(struct shell *sh, struct node *last, int fd_in);

/* external_strip_prefixes - argv without its leading memo prefix words
 * (force, nocache, network), their MEMO_* flags in *ret_flags; NULL when
 * nothing is left after them. */
char *const *external_strip_prefixes(char *const *argv, unsigned *ret_flags);

/* external_is_prefix - whether word is one of those prefix words (which
 * shadow a program of that name on PATH, docs/memo.md). */
bool external_is_prefix(const char *word);

/* external_prepare_early - memo_prepare_first at the very start of
 * `shark -c SCRIPT` (before the shell is set up, main.c), when SCRIPT's
 * first command is plainly one that runs sandboxed: its first words are
 * prefix words, nocache or force among them (or force_all: `shark -f`)
 * and host not, followed by a command word. A guess from the text alone
 * (no alias, function or trap can exist yet); a wrong one costs a clone,
 * never a wrong run: the prepared sandbox is checked when it is used
 * (sandbox_prep_fits) and ends unused with the shell. The later
 * prepare_first() of external_run then finds it made. */
void external_prepare_early(const char *script, bool force_all);

#endif
