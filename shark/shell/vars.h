/* vars.h - shell variables (vars.c): a hash table of name -> value with
 * export and read-only flags, the save frames behind `local`, and the
 * exported environment. */
#ifndef SHARK_SHELL_VARS_H
#define SHARK_SHELL_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/shell.h"

enum {
	V_EXPORT = 1,
	V_READONLY = 2,
	V_UNSET = 4,	/* declared (export/readonly/local) but without a value */
	V_INTEGER = 8,	/* bash declare -i: every value assigned is evaluated as arithmetic */
};

struct var {
	char *name;
	char *value;		/* NULL when V_UNSET */
	unsigned flags;
	char **elems;		/* bash arrays: elements 1..nelems-1 (NULL: unset); 0 is value */
	size_t nelems, elems_cap;
	struct assoc *assoc;	/* bash associative array (declare -A), else NULL */
	struct var *next;	/* hash chain */
};

struct assoc;

struct local_save {
	char *name;
	char *value;		/* saved value or NULL if it was unset */
	unsigned flags;
	bool existed;
	struct local_save *next;
};

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
/* Free a variable's array elements (bash arrays, array.c). */
void var_elems_free(struct var *v);
/* local NAME[=value]: save the current value in the function's frame. */
int var_make_local(struct shell *sh, const char *name);
void var_pop_locals(struct shell *sh, struct local_save *until);
/* Call fn for every variable, sorted by name. */
void var_foreach_sorted(struct shell *sh, void (*fn)(struct shell *, struct var *, void *), void *ctx);

#endif
