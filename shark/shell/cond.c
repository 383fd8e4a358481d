/* cond.c - bash's [[ ]] (a recursive-descent parser over the words the
 * parser kept, operands expanded only when reached, without field
 * splitting or pathname expansion), (( )) and let. */
#include "shark/shell/cond.h"
#include "shark/shell/array.h"
#include "shark/shell/builtins.h"
#include "shark/shell/expand.h"
#include "shark/shell/options.h"
#include "shark/shell/vars.h"

#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cond {
	struct shell *sh;
	struct word **w;	/* the words of [[ ]] */
	size_t n, i;
	int noeval;		/* > 0 in a branch && or || skips */
	bool err;
	int depth;
};

/* Is word w the operator op (an unquoted literal, as the parser keeps it)? */
static bool is_op(const struct word *w, const char *op)
{
	const struct wpart *p = w ? w->parts : NULL;
	return p && !p->next && p->kind == WP_LIT && !p->quoted && strcmp(p->text, op) == 0;
}

static bool at_op(struct cond *c, const char *op)
{
	return c->i < c->n && is_op(c->w[c->i], op);
}

static const char *op_text(const struct word *w)
{
	const struct wpart *p = w ? w->parts : NULL;
	return p && !p->next && p->kind == WP_LIT && !p->quoted ? p->text : NULL;
}

static void cond_error(struct cond *c, const char *msg)
{
	if (!c->err)
		sh_error(c->sh, "[[: %s", msg);
	c->err = true;
}

static char *operand(struct cond *c, const struct word *w)
{
	if (c->noeval)
		return strdup("");
	char *s = expand_word_str(c->sh, w, true);
	if (!s)
		c->err = true;
	return s;
}

/* The right side of =~ as an extended regular expression: quoted
 * characters match themselves. */
static char *regex_of(struct cond *c, const struct word *w)
{
	if (c->noeval)
		return strdup("");
	char *re = expand_word_regex(c->sh, w);
	if (!re)
		c->err = true;
	return re;
}

static int regex_match(struct cond *c, const char *s, const char *re)
{
	regex_t rx;
	int r = regcomp(&rx, re, REG_EXTENDED);
	if (r != 0) {
		/* bash: status 2 for a bad regex, no message */
		c->err = true;
		return 0;
	}
	regmatch_t m[10];
	bool ok = regexec(&rx, s, 10, m, 0) == 0;
	if (ok) {
		/* ${BASH_REMATCH} (and [0]) is the whole match, [1].. the groups */
		char *vals[10];
		size_t nv = 0;
		for (size_t k = 0; k < 10 && k <= rx.re_nsub; k++) {
			vals[nv++] = m[k].rm_so < 0 ? strdup("")
						    : strndup(s + m[k].rm_so, (size_t)(m[k].rm_eo - m[k].rm_so));
			if (!vals[nv - 1])
				abort();
		}
		array_assign(c->sh, "BASH_REMATCH", vals, nv, false);
		for (size_t k = 0; k < nv; k++)
			free(vals[k]);
	}
	regfree(&rx);
	return ok;
}

static bool arith_operand(struct cond *c, const struct word *w, intmax_t *ret)
{
	char *s = operand(c, w);
	if (!s)
		return false;
	*ret = 0;
	int r = c->noeval ? 0 : arith_eval(c->sh, s, ret);
	free(s);
	if (r < 0)
		c->err = true;
	return r == 0;
}

/* -v NAME, NAME[SUB] (an element) or NAME[@] (any element). */
static bool var_is_set(struct shell *sh, const char *arg)
{
	const char *br = strchr(arg, '[');
	size_t al = strlen(arg);
	if (!br || arg[al - 1] != ']')
		return var_get(sh, arg) != NULL || (var_lookup(sh, arg) && var_lookup(sh, arg)->assoc &&
							 assoc_get(sh, arg, "0"));
	char *name = strndup(arg, (size_t)(br - arg));
	char *sub = strndup(br + 1, al - (size_t)(br - arg) - 2);
	if (!name || !sub)
		abort();
	bool set = false;
	if (strcmp(sub, "@") == 0 || strcmp(sub, "*") == 0) {
		struct strlist vals = { 0 };
		array_values(sh, name, &vals, NULL);
		set = vals.n > 0;
		strlist_free(&vals);
	} else if (array_is_assoc(sh, name)) {
		set = assoc_get(sh, name, sub) != NULL;
	} else {
		intmax_t idx;
		set = arith_eval(sh, sub, &idx) == 0 && array_get(sh, name, idx) != NULL;
	}
	free(name);
	free(sub);
	return set;
}

/* A unary file or string test through test(1)'s code. */
static int unary_test(struct cond *c, const char *op, const char *arg)
{
	if (strcmp(op, "-v") == 0)
		return var_is_set(c->sh, arg);
	if (strcmp(op, "-o") == 0) {
		bool on;
		return options_get(c->sh, arg, &on) == 0 && on;
	}
	char *argv[] = { "test", (char *)op, (char *)arg, NULL };
	return bi_test(c->sh, 3, argv) == 0;
}

static bool is_unary(const char *op)
{
	static const char *const ops[] = { "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k",
					   "-p", "-r", "-s", "-t", "-u", "-w", "-x", "-G", "-L",
					   "-N", "-O", "-S", "-z", "-n", "-v", "-o", NULL };
	for (size_t i = 0; op && ops[i]; i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

static bool is_binary(const char *op)
{
	static const char *const ops[] = { "==", "=", "!=", "<", ">", "=~", "-eq", "-ne", "-lt",
					   "-le", "-gt", "-ge", "-nt", "-ot", "-ef", NULL };
	for (size_t i = 0; op && ops[i]; i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

static int c_or(struct cond *c);

static int binary(struct cond *c, const struct word *lw, const char *op, const struct word *rw)
{
	if (op[0] == '-' && strchr("enlg", op[1]) && op[2] != 't' && strcmp(op, "-ef") != 0) {
		intmax_t l, r;
		if (!arith_operand(c, lw, &l) || !arith_operand(c, rw, &r))
			return 0;
		if (strcmp(op, "-eq") == 0) return l == r;
		if (strcmp(op, "-ne") == 0) return l != r;
		if (strcmp(op, "-lt") == 0) return l < r;
		if (strcmp(op, "-le") == 0) return l <= r;
		if (strcmp(op, "-gt") == 0) return l > r;
		return l >= r;
	}
	char *l = operand(c, lw);
	if (!l)
		return 0;
	int res = 0;
	if (strcmp(op, "==") == 0 || strcmp(op, "=") == 0 || strcmp(op, "!=") == 0) {
		char *pat = c->noeval ? strdup("") : expand_word_pattern(c->sh, rw);
		if (!pat) {
			c->err = true;
		} else {
			res = pattern_match_flags(pat, l, strlen(l), pattern_flags(c->sh, true) | PM_EXT) == (op[0] != '!');
			free(pat);
		}
	} else if (strcmp(op, "=~") == 0) {
		char *re = regex_of(c, rw);
		if (re && !c->noeval)
			res = regex_match(c, l, re);
		free(re);
	} else {
		char *r = operand(c, rw);
		if (r) {
			if (strcmp(op, "<") == 0)
				res = strcmp(l, r) < 0;
			else if (strcmp(op, ">") == 0)
				res = strcmp(l, r) > 0;
			else if (!c->noeval) {
				char *argv[] = { "test", l, (char *)op, r, NULL };
				res = bi_test(c->sh, 4, argv) == 0;
			}
			free(r);
		}
	}
	free(l);
	return res;
}

static int c_primary(struct cond *c)
{
	if (c->i >= c->n) {
		cond_error(c, "unexpected end of expression");
		return 0;
	}
	if (++c->depth > 200) {
		cond_error(c, "nested too deeply");
		return 0;
	}
	int res = 0;
	if (at_op(c, "!")) {
		c->i++;
		res = !c_primary(c);
	} else if (at_op(c, "(")) {
		c->i++;
		res = c_or(c);
		if (!at_op(c, ")"))
			cond_error(c, "expected )");
		else
			c->i++;
	} else if (c->i + 1 < c->n && is_unary(op_text(c->w[c->i])) &&
		   !(c->i + 2 < c->n && is_binary(op_text(c->w[c->i + 1])))) {
		const char *op = op_text(c->w[c->i]);
		char *arg = operand(c, c->w[c->i + 1]);
		c->i += 2;
		if (arg && !c->noeval) {
			if (strcmp(op, "-z") == 0)
				res = arg[0] == '\0';
			else if (strcmp(op, "-n") == 0)
				res = arg[0] != '\0';
			else
				res = unary_test(c, op, arg);
		}
		free(arg);
	} else if (c->i + 2 < c->n && is_binary(op_text(c->w[c->i + 1]))) {
		const char *op = op_text(c->w[c->i + 1]);
		res = binary(c, c->w[c->i], op, c->w[c->i + 2]);
		c->i += 3;
	} else {
		char *s = operand(c, c->w[c->i]);
		c->i++;
		res = s && s[0] != '\0';
		free(s);
	}
	c->depth--;
	return res;
}

static int c_and(struct cond *c)
{
	int v = c_primary(c);
	while (!c->err && at_op(c, "&&")) {
		c->i++;
		if (!v)
			c->noeval++;
		int r = c_primary(c);
		if (!v)
			c->noeval--;
		v = v && r;
	}
	return v;
}

static int c_or(struct cond *c)
{
	int v = c_and(c);
	while (!c->err && at_op(c, "||")) {
		c->i++;
		if (v)
			c->noeval++;
		int r = c_and(c);
		if (v)
			c->noeval--;
		v = v || r;
	}
	return v;
}

int cond_eval(struct shell *sh, struct node *n)
{
	struct cond c = { .sh = sh };
	size_t cap = 0;
	for (struct word *w = n->words; w; w = w->next) {
		if (c.n == cap) {
			cap = cap ? cap * 2 : 8;
			struct word **v = reallocarray(c.w, cap, sizeof *v);
			if (!v)
				abort();
			c.w = v;
		}
		c.w[c.n++] = w;
	}
	int v = c_or(&c);
	if (!c.err && c.i < c.n)
		cond_error(&c, "syntax error in conditional expression");
	free(c.w);
	if (c.err)
		return 2;
	return v ? 0 : 1;
}

int cond_arith(struct shell *sh, struct node *n)
{
	char *s = expand_word_str(sh, n->words, false);
	if (!s)
		return 2;
	intmax_t v = 0;
	int r = arith_eval(sh, s, &v);
	free(s);
	if (r < 0)
		return 2;
	return v != 0 ? 0 : 1;
}

int bi_let(struct shell *sh, int argc, char **argv)
{
	if (argc < 2) {
		sh_error(sh, "let: expression expected");
		return 2;
	}
	intmax_t v = 0;
	for (int i = 1; i < argc; i++)
		if (arith_eval(sh, argv[i], &v) < 0)
			return 1;	/* bash's status for a bad expression */
	return v != 0 ? 0 : 1;
}
