/* builtins.h - the builtin table (builtins.c) and the builtins the table
 * names from other files (builtins_vars.c, builtins_io.c, builtins_sys.c). */
#ifndef SHARK_SHELL_BUILTINS_H
#define SHARK_SHELL_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/shell.h"

enum {
	BI_SPECIAL = 1,		/* POSIX special built-in: errors exit, assignments persist */
	BI_REGULAR = 2,		/* regular built-in */
	BI_ASSIGN = 4,		/* export/readonly/local: NAME=value args expand as assignments */
	BI_BASH = 8,		/* exists in bash mode only (sh->bash) */
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
int bi_mapfile(struct shell *sh, int argc, char **argv);
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
int bi_declare(struct shell *sh, int argc, char **argv);
int bi_bash_unsupported(struct shell *sh, int argc, char **argv);
int bi_shopt(struct shell *sh, int argc, char **argv);
/* Replace the positional parameters. */
void set_positional(struct shell *sh, int argc, char **argv);

#endif
