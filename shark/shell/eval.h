/* eval.h - evaluation (eval.c): walking the tree, simple commands, the
 * function table. */
#ifndef SHARK_SHELL_EVAL_H
#define SHARK_SHELL_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/expand.h"
#include "shark/shell/shell.h"

/* One function call or sourced file being run, for bash's FUNCNAME and
 * BASH_SOURCE (bashvars.c): func is the function's name or NULL for a
 * sourced file; file is where the running code was read from. */
struct call_frame {
	const char *func;
	const char *file;
	struct call_frame *prev;
};

struct func {
	char *name;
	char *file;		/* where it was defined (bash BASH_SOURCE) */
	char *text;		/* the body as written, or NULL (bash export -f) */
	bool exported;		/* export -f: in the environment as BASH_FUNC_NAME%% */
	struct node *body;	/* shared with the tree (ast_ref) */
	struct func *next;
};

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
/* Commands in a forked child: evaluate and _exit. */
void eval_in_child(struct shell *sh, struct node *n) __attribute__((noreturn));

struct func *func_lookup(struct shell *sh, const char *name);
int func_remove(struct shell *sh, const char *name);
void func_free_all(struct shell *sh);

#endif
