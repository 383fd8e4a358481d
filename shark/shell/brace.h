/* brace.h - bash mode's brace expansion (brace.c). */
#ifndef SHARK_SHELL_BRACE_H
#define SHARK_SHELL_BRACE_H

#include <stdbool.h>

#include "shark/shell/ast.h"

/* Whether w has an unquoted literal { (cheap; worth trying brace_expand). */
bool brace_candidate(const struct word *w);

/* The words brace expansion makes of w, in order, linked by next (one
 * word, a copy, when w has no valid brace expression). Their parts share
 * w's contents: free them with brace_words_free, before w goes. At most
 * 100,000 words. */
struct word *brace_expand(const struct word *w);
void brace_words_free(struct word *w);

#endif
