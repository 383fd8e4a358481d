/* lookup.h - what a command name means, answered in one place for
 * evaluation (eval.c), the pipeline hook (external.c) and `type` /
 * `command -v` (lookup.c), in POSIX order: a special builtin, a function,
 * a regular builtin, else a program, which runs in the sandbox. */
#ifndef SHARK_SHELL_LOOKUP_H
#define SHARK_SHELL_LOOKUP_H

#include <stdbool.h>

struct shell;
struct builtin;
struct func;

enum cmd_kind {
	CMD_SPECIAL,	/* a POSIX special builtin (errors exit, assignments persist) */
	CMD_FUNCTION,	/* a shell function */
	CMD_BUILTIN,	/* a regular builtin */
	CMD_PROGRAM,	/* anything else: an external program (found or not) */
};

struct cmd_entry {
	enum cmd_kind kind;
	const struct builtin *bi;	/* CMD_SPECIAL, CMD_BUILTIN */
	struct func *fn;		/* CMD_FUNCTION */
};

enum cmd_find_flags {
	CMD_NO_FUNCS = 1u << 0,	/* `command NAME`: functions are skipped */
};

/* cmd_find - what running name does. Never fails: a name that is nothing
 * else is a CMD_PROGRAM. The entry points into the shell's tables. */
struct cmd_entry cmd_find(struct shell *sh, const char *name, unsigned flags);

/* cmd_is_program - whether name runs an external program (not a builtin
 * or function): what the pipeline hook asks. */
bool cmd_is_program(struct shell *sh, const char *name);

/* cmd_reserved_words - the reserved words, NULL-terminated. */
const char *const *cmd_reserved_words(void);

/* path_search - the first regular file named name in $PATH (executable,
 * with need_exec); a name with a slash is returned as is. malloc'd, or
 * NULL when there is none. For `type`, `command -v` and `.`: the commands
 * themselves are found by the sandbox. */
char *path_search(struct shell *sh, const char *name, bool need_exec);

int bi_type(struct shell *sh, int argc, char **argv);
int bi_command(struct shell *sh, int argc, char **argv);
int bi_hash(struct shell *sh, int argc, char **argv);

#endif
