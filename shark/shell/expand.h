/* expand.h - word expansion (expand.c) with its two helpers: arithmetic
 * (arith.c) and patterns (pattern.c), and the growable argv they fill. */
#ifndef SHARK_SHELL_EXPAND_H
#define SHARK_SHELL_EXPAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shark/shell/shell.h"

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
/* Expand a word as a bash =~ regular expression: quoted characters that
 * are special in an ERE are backslash-escaped. */
char *expand_word_regex(struct shell *sh, const struct word *w);

/* The variables whose value the shell computes when they are not set:
 * LINENO, and in bash mode RANDOM and SECONDS. Returns buf (filled) or
 * NULL when name is none of them. */
const char *expand_dynamic_var(struct shell *sh, const char *name, char *buf, size_t bufsz);

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

/* bash's matching options, for pattern_match_flags and pattern_glob. */
enum {
	PM_EXT = 1,		/* extglob groups ?(a|b) *(..) +(..) @(..) !(..) */
	PM_NOCASE = 2,		/* letters match either case (nocasematch) */
	PG_DOTGLOB = 4,		/* globbing: names with a leading dot match too */
	PG_GLOBSTAR = 8,	/* globbing: a ** component spans directories */
};
/* The PM_/PG_ flags the shell's shopt options ask for: for case and
 * [[ == ]] (matching: nocasematch applies), or for expansions and globs. */
unsigned pattern_flags(const struct shell *sh, bool matching);
/* pattern_match with the PM_ flags (a backtracking matcher, used only when
 * a flag is set; its work is bounded). */
bool pattern_match_flags(const char *pat, const char *str, size_t len, unsigned flags);
/* pattern_has_magic that also sees extglob groups with PM_EXT. */
bool pattern_has_magic_flags(const char *pat, unsigned flags);
/* Pathname expansion of pat; appends sorted matches to out and returns how
 * many were added (0: no match). flags: PM_EXT, PG_DOTGLOB, PG_GLOBSTAR. */
size_t pattern_glob(const char *pat, struct strlist *out, unsigned flags);

#endif
