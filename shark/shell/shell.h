/* shell.h - the shell's state and the interfaces between its phases.
 *
 * All interpreter state lives in one `struct shell` passed to every phase;
 * the only globals are the signal flags set by signal handlers (jobs.c) and
 * the shell readline's callbacks reach while a line is read (interactive.c).
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

/* --- variables (vars.c) --------------------------------------------------- */

enum {
	V_EXPORT = 1,
	V_READONLY = 2,
	V_UNSET = 4,	/* declared (export/readonly/local) but without a value */
};

struct var {
	char *name;
	char *value;		/* NULL when V_UNSET */
	unsigned flags;
	struct var *next;	/* hash chain */
};

struct local_save {
	char *name;
	char *value;		/* saved value or NULL if it was unset */
	unsigned flags;
	bool existed;
	struct local_save *next;
};

struct func {
	char *name;
	struct node *body;	/* shared with the tree (ast_ref) */
	struct func *next;
};

struct alias {
	char *name;
	char *value;
	struct alias *next;
};

/* --- jobs (jobs.c) --------------------------------------------------------- */

struct job {
	int id;
	pid_t *pids;
	int *statuses;		/* wait status, valid when done[i] */
	bool *done;
	size_t npids;
	char *cmd;		/* text for `jobs` */
	bool notified;
	struct job *next;
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
	bool no_cmdsub;		/* fuzzing: command substitution yields "" */
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
	char *shell_path;	/* /proc/self/exe, to run scripts without #! */
	/* traps: action strings; NULL = default, "" = ignore */
	char *traps[NSIG_TRAPS];
	bool in_trap;
	/* jobs */
	struct job *jobs;
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
	/* history file for interactive shells */
	char *histfile;
	/* the memo engine every external command goes through (external.c) */
	struct memo *memo;
};

/* --- shell.c: life cycle and messages ------------------------------------ */

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

/* --- vars.c -------------------------------------------------------------- */

const char *var_get(struct shell *sh, const char *name);
struct var *var_lookup(struct shell *sh, const char *name);
/* Set NAME to VALUE (copied); flags are ORed in. Returns -1 (and prints)
 * if the variable is read-only. */
int var_set(struct shell *sh, const char *name, const char *value, unsigned flags);
int var_set_n(struct shell *sh, const char *name, size_t nlen, const char *value, unsigned flags);
int var_unset(struct shell *sh, const char *name);
void var_import_env(struct shell *sh, char **envp);
/* The exported environment as "NAME=value" strings; owned by the shell,
 * valid until the next variable change. */
char **var_environ(struct shell *sh);
bool var_valid_name(const char *s, size_t n);
void var_free_all(struct shell *sh);
/* local NAME[=value]: save the current value in the function's frame. */
int var_make_local(struct shell *sh, const char *name);
void var_pop_locals(struct shell *sh, struct local_save *until);
/* Call fn for every variable, sorted by name. */
void var_foreach_sorted(struct shell *sh, void (*fn)(struct shell *, struct var *, void *), void *ctx);

/* --- expand.c ------------------------------------------------------------ */

/* A growable argv. */
struct strlist {
	char **v;
	size_t n, cap;
};
void strlist_push(struct strlist *l, char *s);
void strlist_free(struct strlist *l);

/* Expand a list of words into fields (tilde, parameters, command
 * substitution, arithmetic, field splitting, pathname expansion, quote
 * removal), appending to out. Returns 0, or -1 on an expansion error (the
 * message is printed and sh->jump set). */
int expand_words(struct shell *sh, struct word *w, struct strlist *out);
/* Expand one word without field splitting or pathname expansion (assignment
 * values, case subjects, here-documents, redirection targets). Returns a
 * malloc'd string or NULL on error. */
char *expand_word_str(struct shell *sh, const struct word *w, bool tilde);
/* Expand a word as a pattern: quoted characters are backslash-escaped so
 * pattern_match treats them literally. */
char *expand_word_pattern(struct shell *sh, const struct word *w);

/* --- arith.c ------------------------------------------------------------- */

/* Evaluate the arithmetic expression expr (already parameter-expanded).
 * Returns 0 and *ret_value, or -1 after printing an error. */
int arith_eval(struct shell *sh, const char *expr, intmax_t *ret_value);

/* --- pattern.c ----------------------------------------------------------- */

/* Match str[0..len) against a shell pattern in which a backslash quotes the
 * next character. */
bool pattern_match(const char *pat, const char *str, size_t len);
/* Does pat contain an unquoted *, ? or [ ? */
bool pattern_has_magic(const char *pat);
/* Pathname expansion of pat; appends sorted matches to out and returns how
 * many were added (0: no match). */
size_t pattern_glob(const char *pat, struct strlist *out);

/* --- eval.c -------------------------------------------------------------- */

/* Evaluate a tree; returns the exit status (also in sh->status). */
int eval_node(struct shell *sh, struct node *n);
/* eval_node_final - evaluate n as the last thing this process does: an
 * external command or pipeline at its end may run without a fork of its
 * own, the process then exiting with its status (as sh execs the last
 * command of `sh -c`). Only when no trap is set. */
int eval_node_final(struct shell *sh, struct node *n);
/* Parse and evaluate a string (eval, traps, -c). */
int eval_string(struct shell *sh, const char *name, const char *text);
/* Expand NAME=value prefix words into "NAME=value" strings appended to out.
 * Returns 0, or -1 on an expansion error (reported). */
int eval_expand_assigns(struct shell *sh, struct word *w, struct strlist *out);
/* The environment of an external command: the exported variables with the
 * "NAME=value" strings of as overriding them. Returns the shell's own
 * environment array when as is empty, else own->v (own is filled and owned
 * by the caller). */
char **eval_build_env(struct shell *sh, struct strlist *as, struct strlist *own);
/* For the pipeline hook (external.h): the argv and environment a pipeline
 * stage would run with, computed without side effects. Succeeds (0, both
 * lists owned by the caller) only for a simple command without redirections
 * that names an external command and whose words contain no command
 * substitution, arithmetic, ${x=...}, ${x?...} or unexpanded pattern;
 * otherwise returns -1 and the stage must simply be run. */
int eval_stage_argv(struct shell *sh, struct node *stage, struct strlist *ret_argv,
		    struct strlist *ret_env);
/* Run pending trap actions (after signals arrived). */
void eval_pending_traps(struct shell *sh);
/* Commands in a forked child: evaluate and _exit. */
void eval_in_child(struct shell *sh, struct node *n) __attribute__((noreturn));
/* The text of a tree for `jobs` and xtrace-like displays (malloc'd). */
char *node_to_text(const struct node *n);

struct func *func_lookup(struct shell *sh, const char *name);
int func_remove(struct shell *sh, const char *name);
void func_free_all(struct shell *sh);

/* --- redir.c ------------------------------------------------------------- */

/* A record of descriptors saved by redir_apply, to restore later. */
struct redir_save {
	int fd;
	int saved;		/* copy of the old fd, or -1 if fd was closed */
	struct redir_save *next;
};
/* Apply redirections. With save != NULL the old descriptors are saved for
 * redir_restore (commands run in the shell itself). Returns 0 or -1 after
 * printing an error. */
int redir_apply(struct shell *sh, struct redir *r, struct redir_save **save);
void redir_restore(struct shell *sh, struct redir_save *save);

/* --- jobs.c -------------------------------------------------------------- */

extern volatile sig_atomic_t sig_pending[NSIG_TRAPS];
extern volatile sig_atomic_t sig_any_pending;
extern volatile sig_atomic_t sig_int_seen;

/* Fork a subshell: the child resets traps and job table. Returns like fork. */
pid_t jobs_fork(struct shell *sh, bool background);
/* Wait for one pid in the foreground; returns the shell status (exit code or
 * 128+signal). */
int jobs_wait_pid(struct shell *sh, pid_t pid);
/* Record a background job. */
void jobs_add(struct shell *sh, pid_t *pids, size_t n, char *cmd);
/* wait [pid...] builtin core. */
int jobs_wait_builtin(struct shell *sh, int argc, char **argv);
/* jobs builtin. */
int jobs_list_builtin(struct shell *sh, int argc, char **argv);
/* Reap finished background jobs without blocking. */
void jobs_reap(struct shell *sh, bool report);
void jobs_free_all(struct shell *sh);
/* Signal set-up for the shell and its children. */
void signals_init(struct shell *sh);
int trap_set(struct shell *sh, int sig, const char *action);
/* Whether any trap has an action to run (ignored signals do not count). */
bool traps_have_actions(const struct shell *sh);
int signal_by_name(const char *name);
const char *signal_name(int sig);

/* --- builtins ------------------------------------------------------------- */

enum {
	BI_SPECIAL = 1,		/* POSIX special built-in: errors exit, assignments persist */
	BI_REGULAR = 2,		/* regular built-in */
	BI_ASSIGN = 4,		/* export/readonly/local: NAME=value args expand as assignments */
};

typedef int (*builtin_fn)(struct shell *sh, int argc, char **argv);

struct builtin {
	const char *name;
	builtin_fn fn;
	unsigned flags;
};

const struct builtin *builtin_lookup(const char *name);
const struct builtin *builtin_table(size_t *ret_n);

/* builtins*.c individual entry points used by the table */
int bi_test(struct shell *sh, int argc, char **argv);
int bi_printf(struct shell *sh, int argc, char **argv);
int bi_echo(struct shell *sh, int argc, char **argv);
int bi_read(struct shell *sh, int argc, char **argv);
int bi_getopts(struct shell *sh, int argc, char **argv);
int bi_set(struct shell *sh, int argc, char **argv);
int bi_export(struct shell *sh, int argc, char **argv);
int bi_readonly(struct shell *sh, int argc, char **argv);
int bi_unset(struct shell *sh, int argc, char **argv);
int bi_local(struct shell *sh, int argc, char **argv);
int bi_shift(struct shell *sh, int argc, char **argv);
int bi_umask(struct shell *sh, int argc, char **argv);
int bi_times(struct shell *sh, int argc, char **argv);
int bi_ulimit(struct shell *sh, int argc, char **argv);
int bi_exec(struct shell *sh, int argc, char **argv);
/* The value of $- (static buffer in sh). */
void options_string(struct shell *sh, char *buf, size_t n);
/* Parse shell options from argv (for both `set` and the command line).
 * Returns the index of the first non-option or -1 on a bad option. */
int options_parse(struct shell *sh, int argc, char **argv, bool cmdline, bool *ret_c, bool *ret_s);
/* Replace the positional parameters. */
void set_positional(struct shell *sh, int argc, char **argv);


/* --- interactive.c ------------------------------------------------------- */

/* Read one line with readline (prompt = PS1 or PS2); returns malloc'd line
 * with a trailing newline or NULL on EOF. */
char *interactive_readline(struct shell *sh, bool continuation);
void interactive_init(struct shell *sh);
void interactive_done(struct shell *sh);

#endif
