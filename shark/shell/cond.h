/* cond.h - bash mode's conditional and arithmetic commands (cond.c):
 * [[ ... ]], (( ... )) and the let builtin. They run in the shell and are
 * never sent to the sandbox; commands substituted in their operands are
 * memoized as any other. */
#ifndef SHARK_SHELL_COND_H
#define SHARK_SHELL_COND_H

#include "shark/shell/shell.h"

/* Evaluate a [[ ]] node (N_DBRACKET): 0 true, 1 false, 2 on an error
 * (message printed). Sets BASH_REMATCH after a =~ that matched. */
int cond_eval(struct shell *sh, struct node *n);

/* Evaluate a (( )) node (N_ARITH): 0 when the value is not zero, 1 when it
 * is, 2 on an arithmetic error. */
int cond_arith(struct shell *sh, struct node *n);

/* let EXPR...: each argument is an arithmetic expression; 0 when the last
 * is not zero. */
int bi_let(struct shell *sh, int argc, char **argv);

#endif
