/* shell.h - the shell's state (struct shell), its life cycle, its error
 * messages and the builtins' output buffer (shell.c). Each phase has its
 * own header: vars.h, expand.h (with arithmetic and patterns), eval.h,
 * redir.h, jobs.h, trap.h (signals and traps), builtins.h, options.h,
 * lookup.h, alias.h, input.h, interactive.h, external.h (the seam); the
 * tree and the parser are ast.h.
 *
 * All interpreter state lives in one `struct shell` passed to every phase;
 * the only globals are the signal flags set by signal handlers (trap.c) and
 * the shell pointer readline's callbacks reach while a line is read
 * (interactive.c).
 * Errors and control flow (break, continue, return, exit, errors that abort
 * a command) travel as `sh->jump` plus return codes, never by longjmp.
 */
#ifndef SHARK_SHELL_H
#define SHARK_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shark/shell/ast.h"

/* --- control flow ---------------------------------------------------------- */

enum jump {
	J_NONE = 0,
	J_BREAK,	/* break N: sh->jump_count loops left to leave */
	J_CONTINUE,	/* continue N */
	J_RETURN,	/* return from a function or dot script */
	J_EXIT,		/* exit the shell (or the subshell) with sh->status */
	J_ABORT,	/* an error abandoned the command (interactive shells) */
};

/* --- options --------------------------------------------------------------- */

struct options {
	bool errexit;		/* -e */
	bool nounset;		/* -u */
	bool xtrace;		/* -x */
	bool noglob;		/* -f */
	bool noclobber;		/* -C */
	bool allexport;		/* -a */
	bool noexec;		/* -n */
	bool verbose;		/* -v */
	bool pipefail;		/* -o pipefail */
	bool ignoreeof;
	bool monitor;		/* -m: accepted, job control is not implemented */
	bool notify;		/* -b */
	bool interactive;	/* -i */
	bool stdin_cmds;	/* -s */
	bool vi;		/* -o vi: readline's vi editing mode at the prompt */
	bool emacs;		/* -o emacs: readline's emacs mode (the default) */
};

/* bash's shopt options that change what shark does (builtins_bash.c) */
enum {
	SHOPT_NULLGLOB = 1,	/* a pattern matching nothing expands to nothing */
	SHOPT_DOTGLOB = 2,	/* patterns match names starting with a dot */
	SHOPT_GLOBSTAR = 4,	/* ** matches any depth of directories */
	SHOPT_EXTGLOB = 8,	/* ?(..) *(..) +(..) @(..) !(..) */
	SHOPT_NOCASEMATCH = 16,	/* case and [[ == ]] ignore case */
};

enum { VAR_HASH_SIZE = 256, FUNC_HASH_SIZE = 64, NSIG_TRAPS = 65, REAPED_MAX = 64 };

struct shell {
	/* variables */
	struct var *vars[VAR_HASH_SIZE];
	struct local_save *locals;	/* current function's saved variables */
	struct local_save *local_frame;	/* sh->locals when the current function began */
	unsigned var_generation;	/* bumped when the environment changes */
	char **env_cache;
	unsigned env_generation;
	/* positional parameters */
	char *arg0;
	char **argv;		/* $1..$N, NULL-terminated, owned */
	int argc;
	/* functions and aliases */
	struct func *funcs[FUNC_HASH_SIZE];
	struct alias *aliases;
	/* status */
	int status;		/* $? */
	pid_t last_bg;		/* $! (0 if none) */
	pid_t pid;		/* $$ (the top shell's pid, also in subshells) */
	struct options opt;
	bool interactive;
	bool is_child;		/* a forked subshell: exit instead of returning */
	/* In a pipeline stage's process (stage-by-stage path) whose stdin is
	 * the pipe from the stage before it: that pipe, and the stage's pid.
	 * The stage's last command, when external, has the engine wait for
	 * the pipe to end (MEMO_WAIT_STDIN). st_dev 0: none. */
	dev_t stage_pipe_dev;
	ino_t stage_pipe_ino;
	pid_t stage_pid;
	bool no_cmdsub;		/* fuzzing: command substitution yields "" */
	bool bash;		/* bash mode: #!...bash script or shark --bash (docs/language.md) */
	unsigned random_state;	/* bash $RANDOM */
	/* bash PIPESTATUS: the statuses of the last pipeline's stages; the
	 * lexer sets pipestatus_used when a script names it, so that
	 * pipelines then run stage by stage (external_pipeline declines) */
	int *pipestatus;
	size_t npipestatus;
	bool pipestatus_used;
	struct procsub *procsubs;	/* bash <(...) >(...) still open (procsub.c) */
	unsigned shopt;		/* bash shopt options set (SHOPT_*, builtins_bash.c) */
	uint64_t shopt_noop;	/* shopt options accepted without effect, by table index */
	bool shopt_noop_init;
	/* bash FUNCNAME / BASH_SOURCE: the functions and sourced files being
	 * run, innermost first (struct call_frame, eval.h) */
	struct call_frame *frames;
	long start_time;	/* bash $SECONDS: when the shell started */
	/* control flow */
	enum jump jump;
	int jump_count;
	int loop_depth;
	int func_depth;
	int dot_depth;
	int command_guard;	/* > 0: inside `command SPECIAL`, errors do not exit */
	int errexit_off;	/* > 0: inside a condition, set -e is ignored */
	int eval_depth;		/* recursion guard */
	int cmdsub_status;	/* status of the last command substitution */
	bool cmdsub_ran;
	/* input */
	struct source *src;
	int lineno;		/* line of the command being run ($LINENO) */
	char *shell_path;	/* /proc/self/exe, to run scripts without #!
				 * (shell_exe_path reads it when first needed) */
	bool shell_path_known;
	/* traps: action strings; NULL = default, "" = ignore */
	char *traps[NSIG_TRAPS];
	bool in_trap;
	/* jobs */
	struct job *jobs;
	struct job *curjob;	/* the current job, head of the cur_next order */
	int next_job_id;
	struct {
		pid_t pid;
		int ws;
	} reaped[REAPED_MAX];		/* last jobs waited for (wait PID again) */
	size_t nreaped;
	/* getopts */
	int optind_seen;
	size_t optchar;		/* position inside the current option cluster */
	/* output buffer for builtins */
	char *obuf;
	size_t olen, ocap;
	int ofd;		/* where the buffer goes (1) */
	bool oerr;
	bool ocapture;		/* bash printf -v: the buffer is the result, never flushed */
	/* history file for interactive shells */
	char *histfile;
	/* the memo engine every external command goes through (external.c) */
	struct memo *memo;
	struct notice_tally *tally;	/* external.c: a loop's hit notices, counted */
	int notice_fd;		/* the stderr shark started with (a copy), where
				 * the "cached" notices go; -1 before external_init */
	/* job control (jobs.c): on in an interactive shell on a terminal */
	struct {
		bool on;
		int tty;		/* the terminal, above fd 10, close-on-exec */
		pid_t pgid;		/* the shell's own process group */
		pid_t orig_pgid;	/* the terminal's group when the shell started */
		bool grouping;		/* forking the stages of one job */
		pid_t job_pgid;		/* that job's group, once its first stage is forked */
		pid_t *group_pids;
		size_t ngroup;
		char *fg_text;		/* the command line being run, for `jobs` */
		struct termios *modes;	/* the terminal's modes at the prompt */
		unsigned long lines;	/* commands read at the prompt so far */
		unsigned long warned;	/* 1 + `lines` when exit was refused
					 * for stopped jobs (0: never) */
	} jc;
	/* where the shell's own redirections may write (boundary.c) */
	struct boundary *boundary;
	/* external.c: the engine and boundary not made yet (external_ensure),
	 * with what they are made from */
	bool engine_pending, engine_force, engine_notices;
	char *start_cwd;
};

/* --- shell.c: life cycle and messages ------------------------------------ */

/* shell_exe_path - the shell's own program (/proc/self/exe, read the first
 * time it is asked for), or NULL when unknown. */
const char *shell_exe_path(struct shell *sh);

int shell_init(struct shell *sh, const char *arg0, char **environ_in);
void shell_free(struct shell *sh);
/* Print "NAME: msg" to stderr (NAME = $0 or "shark"). */
void sh_error(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error that aborts the current command: exit 2 when non-interactive. */
void sh_fatal(struct shell *sh, int status);
/* Run every complete command of the top source; returns the exit status. */
int shell_run_source(struct shell *sh);
/* Terminate the process: run the EXIT trap, flush, free, _exit. */
void shell_exit(struct shell *sh, int status) __attribute__((noreturn));
/* Builtin output buffer (flushed after each builtin). */
void out_str(struct shell *sh, const char *s);
void out_mem(struct shell *sh, const char *s, size_t n);
void out_chr(struct shell *sh, char c);
void out_fmt(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int out_flush(struct shell *sh);

#endif
