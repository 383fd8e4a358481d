/* array.h - bash mode's indexed arrays (array.c), kept on the variable
 * itself: element 0 of NAME is its value (so $a is ${a[0]}, as in bash),
 * elements 1.. are struct var's elems. An expansion names element I > 0
 * "NAME[I]", which expand.c's param_value resolves through array_get. */
#ifndef SHARK_SHELL_ARRAY_H
#define SHARK_SHELL_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shark/shell/expand.h"
#include "shark/shell/shell.h"

/* The variable holding NAME[idx] into buf (n bytes); false when a
 * negative idx is before the first element. */
bool array_elem_name(struct shell *sh, const char *name, intmax_t idx, char *buf, size_t n);
/* The value of NAME[idx] (a negative idx counts from the end), or NULL. */
const char *array_get(struct shell *sh, const char *name, intmax_t idx);
/* Set NAME[idx]; -1 (message printed) for a read-only array or a bad index. */
int array_set(struct shell *sh, const char *name, intmax_t idx, const char *value);
/* Unset NAME[idx] (idx < 0 counts from the end). */
void array_unset_elem(struct shell *sh, const char *name, intmax_t idx);
/* Unset the elements of NAME above 0 (NAME itself is left to the
 * caller). */
void array_clear(struct shell *sh, const char *name);
/* Append the set elements' values (and, with indices, their indices as
 * decimal strings) in index order. */
void array_values(struct shell *sh, const char *name, struct strlist *values, struct strlist *indices);
/* NAME=(values...) or, with append, NAME+=(values...). */
int array_assign(struct shell *sh, const char *name, char **values, size_t n, bool append);
/* Does s look like NAME[SUBSCRIPT]=VALUE (an element assignment the parser
 * took for a command word)? Then assign it, subscript evaluated as
 * arithmetic: 0, or -1 on an error; 1 when s is not one. */
int array_assign_word(struct shell *sh, const char *s);

struct assoc;

/* --- associative arrays (declare -A) -------------------------------------
 * A hash table laid out as bash 5's own (FNV-1 hash, a power-of-two number
 * of buckets starting at 1024, a new key at the head of its chain, four
 * times the buckets once there are two keys per bucket), so that walking
 * it bucket by bucket lists ${!a[@]} and ${a[@]} in bash's order. */

/* Free an associative array's table (NULL-safe). */
void assoc_free(struct assoc *a);
/* Is NAME an associative array? */
bool array_is_assoc(struct shell *sh, const char *name);
/* declare -A NAME: make NAME an (empty) associative array unless it is
 * one already; -1 (message printed) when NAME is read-only. */
int assoc_declare(struct shell *sh, const char *name);
/* The value of NAME[key], or NULL. */
const char *assoc_get(struct shell *sh, const char *name, const char *key);
/* Set NAME[key] (NAME must be associative); -1 when read-only. */
int assoc_set(struct shell *sh, const char *name, const char *key, const char *value);
/* Remove NAME[key]. */
void assoc_unset(struct shell *sh, const char *name, const char *key);

#endif
