/* probe.h - a command line expanded without running it (`shark why -c`).
 *
 * The text is parsed with the shell's own parser and walked: every simple
 * command and pipeline of external programs is expanded as the shell would
 * expand it (parameters, tilde, field splitting, globs, quote removal) and
 * handed to a callback as memo stages, with its redirections turned into
 * descriptors that identify the same stdin (a `<` file opened read-only)
 * and stand-ins for outputs (/dev/null: nothing is created or truncated).
 * Plain assignments (`f=x`) are applied, so later commands see them.
 * Nothing is executed: a word with a command substitution, a builtin or
 * function, a compound command, a here-document or a descriptor
 * duplication is reported through the note callback and skipped.
 */
#ifndef SHARK_SHELL_PROBE_H
#define SHARK_SHELL_PROBE_H

#include <stddef.h>

#include "shark/memo/memo.h"

struct shell_probe_ops {
	/* one pipeline of n external stages the line would run, reading fd_in
	 * and writing fd_out (the probing process's 0 and 1) */
	void (*pipeline)(void *ctx, int lineno, const struct memo_stage *stages, size_t n,
			 int fd_in, int fd_out);
	/* something the line would do that is not probed (one line, escaped
	 * by the receiver) */
	void (*note)(void *ctx, int lineno, const char *what);
	void *ctx;
};

/* shell_probe - parse text (len bytes, named name in messages) and report
 * what it would run, in order. envp is the environment the shell would
 * start with. Returns 0, 2 on a syntax error (message printed), -ENOMEM. */
int shell_probe(const char *name, const char *text, size_t len, char **envp,
		const struct shell_probe_ops *ops);

#endif
