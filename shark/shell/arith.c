/* arith.c - $(( )) arithmetic: a recursive-descent evaluator over the
 * parameter-expanded text, with C's operators and precedence (no ++/--),
 * intmax_t values, variables by name and assignment operators. */
#include "shark/shell/shell.h"
#include "shark/shell/expand.h"
#include "shark/shell/array.h"
#include "shark/shell/vars.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arith {
	struct shell *sh;
	const char *s;
	const char *expr;	/* the whole expression, for messages */
	int noeval;	/* > 0 inside the unevaluated branch of && || ?: */
	bool err;
	int depth;
};

static intmax_t a_assign(struct arith *a);

static void a_error(struct arith *a, const char *msg)
{
	if (a->err)
		return;
	a->err = true;
	sh_error(a->sh, "arithmetic expression: %s: \"%s\"", msg, a->expr);
}

static void skip_ws(struct arith *a)
{
	while (*a->s == ' ' || *a->s == '\t' || *a->s == '\n')
		a->s++;
}

/* bash's BASE#DIGITS, base 2 to 64: digits 0-9, then letters (either case
 * up to base 36; above, a-z are 10-35 and A-Z 36-61), then @ and _. */
static bool parse_base_number(struct arith *a, int base, const char *p, intmax_t *ret,
			      const char **ret_end)
{
	if (base < 2 || base > 64) {
		a_error(a, "invalid arithmetic base");
		return false;
	}
	uintmax_t v = 0;
	const char *start = p;
	for (;; p++) {
		int d;
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (islower((unsigned char)*p))
			d = *p - 'a' + 10;
		else if (isupper((unsigned char)*p))
			d = *p - 'A' + (base <= 36 ? 10 : 36);
		else if (*p == '@')
			d = 62;
		else if (*p == '_')
			d = 63;
		else
			break;
		if (d >= base) {
			a_error(a, "value too great for base");
			return false;
		}
		v = v * (uintmax_t)base + (uintmax_t)d;
	}
	if (p == start) {
		a_error(a, "bad number");
		return false;
	}
	*ret = (intmax_t)v;
	*ret_end = p;
	return true;
}

static bool parse_number(struct arith *a, const char *text, intmax_t *ret, const char **ret_end)
{
	const char *p = text;
	int base = 10;
	if (a->sh->bash && isdigit((unsigned char)p[0])) {
		const char *q = p;
		int b = 0;
		while (isdigit((unsigned char)*q) && b <= 64)
			b = b * 10 + (*q++ - '0');
		if (*q == '#')
			return parse_base_number(a, b, q + 1, ret, ret_end);
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && isdigit((unsigned char)p[1])) {
		base = 8;
		p++;
	}
	uintmax_t v = 0;
	const char *start = p;
	for (;; p++) {
		int d;
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (isalpha((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (d >= base) {
			a_error(a, "bad number");
			return false;
		}
		v = v * (uintmax_t)base + (uintmax_t)d;
	}
	if (p == start && base == 16) {
		a_error(a, "bad number");
		return false;
	}
	*ret = (intmax_t)v;
	*ret_end = p;
	return true;
}

static int arith_eval_depth(struct shell *sh, const char *expr, intmax_t *ret_value, int depth);

/* The number a variable's value v stands for (NULL: unset, 0). In bash
 * mode a value that is no number is an expression of its own (y=x; x=5:
 * $((y)) is 5), as bash evaluates it. */
static intmax_t str_value(struct arith *a, const char *name, const char *v)
{
	if (!v) {
		if (a->sh->opt.nounset && !a->noeval) {
			sh_error(a->sh, "%s: parameter not set", name);
			a->err = true;
			sh_fatal(a->sh, a->sh->bash ? 1 : 2);
		}
		return 0;
	}
	const char *orig = v;
	while (*v == ' ' || *v == '\t' || *v == '\n')
		v++;
	if (!*v)
		return 0;
	bool neg = false;
	if (*v == '-' || *v == '+') {
		neg = *v == '-';
		v++;
	}
	intmax_t n;
	const char *end = v;
	bool num = isdigit((unsigned char)*v);
	if (num && a->sh->bash) {
		/* a bad digit is an error, not an expression */
		if (!parse_number(a, v, &n, &end))
			return 0;
	} else if (num && !parse_number(a, v, &n, &end)) {
		a_error(a, "bad number");
		return 0;
	}
	while (num && (*end == ' ' || *end == '\t' || *end == '\n'))
		end++;
	if (num && !*end)
		return neg ? -n : n;
	if (!a->sh->bash) {
		a_error(a, "bad number");
		return 0;
	}
	if (a->noeval)
		return 0;
	/* a copy: the expression may assign to the variable (x='x=1') */
	char *copy = strdup(orig);
	if (!copy)
		abort();
	intmax_t r = 0;
	if (arith_eval_depth(a->sh, copy, &r, a->depth + 1) < 0)
		a->err = true;
	free(copy);
	return r;
}

static intmax_t var_value(struct arith *a, const char *name)
{
	char dyn[32];
	const char *v = var_get(a->sh, name);
	if (!v)
		v = expand_dynamic_var(a->sh, name, dyn, sizeof dyn);
	return str_value(a, name, v);
}

/* An lvalue: NAME or, in bash mode, NAME[SUBSCRIPT] (an indexed array's
 * arithmetic index, evaluated when used, or an associative array's key). */
struct lval {
	char name[256];
	char *sub;	/* the subscript's text, or NULL */
};

static size_t read_name(struct arith *a, char *name, size_t cap);

static bool lv_parse(struct arith *a, struct lval *lv)
{
	read_name(a, lv->name, sizeof lv->name);
	lv->sub = NULL;
	if (!a->sh->bash || *a->s != '[')
		return true;
	const char *st = a->s + 1, *q = st;
	int d = 1;
	for (; *q; q++) {
		if (*q == '[')
			d++;
		else if (*q == ']' && --d == 0)
			break;
	}
	if (!*q) {
		a_error(a, "missing ]");
		return false;
	}
	lv->sub = strndup(st, (size_t)(q - st));
	if (!lv->sub)
		abort();
	a->s = q + 1;
	return true;
}

static bool lv_index(struct arith *a, const struct lval *lv, intmax_t *ret)
{
	*ret = 0;
	if (a->noeval)
		return true;
	if (arith_eval_depth(a->sh, lv->sub, ret, a->depth + 1) < 0) {
		a->err = true;
		return false;
	}
	return true;
}

static intmax_t lv_value(struct arith *a, const struct lval *lv)
{
	if (!lv->sub)
		return var_value(a, lv->name);
	if (array_is_assoc(a->sh, lv->name))
		return str_value(a, lv->name, assoc_get(a->sh, lv->name, lv->sub));
	intmax_t idx;
	if (!lv_index(a, lv, &idx))
		return 0;
	const char *v = array_get(a->sh, lv->name, idx);
	return str_value(a, lv->name, v ? v : "");
}

static void lv_store(struct arith *a, const struct lval *lv, intmax_t v)
{
	if (a->noeval || a->err)
		return;
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRIdMAX, v);
	int r;
	if (!lv->sub) {
		r = var_set(a->sh, lv->name, buf, 0);
	} else if (array_is_assoc(a->sh, lv->name)) {
		r = assoc_set(a->sh, lv->name, lv->sub, buf);
	} else {
		intmax_t idx;
		if (!lv_index(a, lv, &idx))
			return;
		r = array_set(a->sh, lv->name, idx, buf);
	}
	if (r < 0)
		a->err = true;
}

/* bash ++NAME --NAME NAME++ NAME--: add delta to NAME; the new value
 * (prefix) or the old one (postfix). */
static intmax_t step_var(struct arith *a, const struct lval *lv, int delta, bool postfix)
{
	intmax_t old = lv_value(a, lv);
	intmax_t v = (intmax_t)((uintmax_t)old + (uintmax_t)(intmax_t)delta);
	lv_store(a, lv, v);
	return postfix ? old : v;
}

static size_t read_name(struct arith *a, char *name, size_t cap)
{
	const char *st = a->s;
	while (*a->s == '_' || isalnum((unsigned char)*a->s))
		a->s++;
	size_t n = (size_t)(a->s - st);
	if (n >= cap)
		n = cap - 1;
	memcpy(name, st, n);
	name[n] = '\0';
	return n;
}

static intmax_t a_comma(struct arith *a);

static intmax_t a_primary(struct arith *a)
{
	skip_ws(a);
	char c = *a->s;
	if (c == '(') {
		a->s++;
		intmax_t v = a_comma(a);
		skip_ws(a);
		if (*a->s != ')') {
			a_error(a, "expecting ')'");
			return 0;
		}
		a->s++;
		return v;
	}
	if (isdigit((unsigned char)c)) {
		intmax_t v;
		const char *end;
		if (!parse_number(a, a->s, &v, &end))
			return 0;
		a->s = end;
		return v;
	}
	if (c == '_' || isalpha((unsigned char)c)) {
		struct lval lv;
		if (!lv_parse(a, &lv))
			return 0;
		intmax_t v;
		const char *save = a->s;
		skip_ws(a);
		if (a->sh->bash && (a->s[0] == '+' || a->s[0] == '-') && a->s[1] == a->s[0]) {
			int delta = a->s[0] == '+' ? 1 : -1;
			a->s += 2;
			v = step_var(a, &lv, delta, true);
		} else {
			a->s = save;
			v = lv_value(a, &lv);
		}
		free(lv.sub);
		return v;
	}
	a_error(a, c ? "expecting primary" : "expecting primary");
	return 0;
}

static intmax_t a_unary(struct arith *a)
{
	skip_ws(a);
	if (++a->depth > 500) {
		a_error(a, "nested too deeply");
		return 0;
	}
	intmax_t v;
	char c = *a->s;
	if (a->sh->bash && (c == '+' || c == '-') && a->s[1] == c) {
		const char *save = a->s;
		a->s += 2;
		skip_ws(a);
		if (*a->s == '_' || isalpha((unsigned char)*a->s)) {
			struct lval lv;
			intmax_t r = 0;
			if (lv_parse(a, &lv))
				r = step_var(a, &lv, c == '+' ? 1 : -1, false);
			free(lv.sub);
			a->depth--;
			return r;
		}
		a->s = save;
	}
	if (c == '-' || c == '+' || c == '!' || c == '~') {
		a->s++;
		intmax_t x = a_unary(a);
		v = c == '-' ? (intmax_t)(0 - (uintmax_t)x) : c == '+' ? x : c == '!' ? !x : ~x;
	} else {
		v = a_primary(a);
	}
	a->depth--;
	return v;
}

/* Binary operators by precedence level (higher binds tighter). */
enum binop { B_NONE, B_POW, B_MUL, B_DIV, B_MOD, B_ADD, B_SUB, B_SHL, B_SHR, B_LT, B_LE, B_GT, B_GE,
	     B_EQ, B_NE, B_BAND, B_BXOR, B_BOR, B_LAND, B_LOR };

static int prec(enum binop op)
{
	switch (op) {
	case B_POW: return 11;
	case B_MUL: case B_DIV: case B_MOD: return 10;
	case B_ADD: case B_SUB: return 9;
	case B_SHL: case B_SHR: return 8;
	case B_LT: case B_LE: case B_GT: case B_GE: return 7;
	case B_EQ: case B_NE: return 6;
	case B_BAND: return 5;
	case B_BXOR: return 4;
	case B_BOR: return 3;
	case B_LAND: return 2;
	case B_LOR: return 1;
	default: return 0;
	}
}

/* Peek the binary operator at a->s (without consuming); *ret_len its size.
 * Assignment operators are not binary operators here. */
static enum binop peek_binop(struct arith *a, size_t *ret_len)
{
	skip_ws(a);
	const char *s = a->s;
	*ret_len = 2;
	if (s[0] && s[1] && s[2] == '=' && ((s[0] == '<' && s[1] == '<') || (s[0] == '>' && s[1] == '>')))
		return B_NONE;
	switch (s[0]) {
	case '*':
		if (s[1] == '*' && a->sh->bash) return B_POW;
		if (s[1] == '=') return B_NONE;
		*ret_len = 1; return B_MUL;
	case '/': if (s[1] == '=') return B_NONE; *ret_len = 1; return B_DIV;
	case '%': if (s[1] == '=') return B_NONE; *ret_len = 1; return B_MOD;
	case '+': if (s[1] == '=') return B_NONE; *ret_len = 1; return B_ADD;
	case '-': if (s[1] == '=') return B_NONE; *ret_len = 1; return B_SUB;
	case '<':
		if (s[1] == '<') return B_SHL;
		if (s[1] == '=') return B_LE;
		*ret_len = 1; return B_LT;
	case '>':
		if (s[1] == '>') return B_SHR;
		if (s[1] == '=') return B_GE;
		*ret_len = 1; return B_GT;
	case '=': if (s[1] == '=') return B_EQ; return B_NONE;
	case '!': if (s[1] == '=') return B_NE; return B_NONE;
	case '&':
		if (s[1] == '&') return B_LAND;
		if (s[1] == '=') return B_NONE;
		*ret_len = 1; return B_BAND;
	case '|':
		if (s[1] == '|') return B_LOR;
		if (s[1] == '=') return B_NONE;
		*ret_len = 1; return B_BOR;
	case '^': if (s[1] == '=') return B_NONE; *ret_len = 1; return B_BXOR;
	default: return B_NONE;
	}
}

static intmax_t apply(struct arith *a, enum binop op, intmax_t l, intmax_t r)
{
	switch (op) {
	case B_POW: {
		if (r < 0) {
			if (!a->noeval)
				a_error(a, "exponent less than 0");
			return 0;
		}
		uintmax_t v = 1;
		for (intmax_t i = 0; i < r && i < 64; i++)
			v *= (uintmax_t)l;
		return (intmax_t)v;
	}
	case B_MUL: return (intmax_t)((uintmax_t)l * (uintmax_t)r);
	case B_DIV:
	case B_MOD:
		if (r == 0) {
			if (!a->noeval)
				a_error(a, "division by zero");
			return 0;
		}
		if (l == INTMAX_MIN && r == -1)
			return op == B_DIV ? l : 0;
		return op == B_DIV ? l / r : l % r;
	case B_ADD: return (intmax_t)((uintmax_t)l + (uintmax_t)r);
	case B_SUB: return (intmax_t)((uintmax_t)l - (uintmax_t)r);
	case B_SHL: return (intmax_t)((uintmax_t)l << (r & 63));
	case B_SHR: return l >> (r & 63);
	case B_LT: return l < r;
	case B_LE: return l <= r;
	case B_GT: return l > r;
	case B_GE: return l >= r;
	case B_EQ: return l == r;
	case B_NE: return l != r;
	case B_BAND: return l & r;
	case B_BXOR: return l ^ r;
	case B_BOR: return l | r;
	default: return 0;
	}
}

static intmax_t a_binary(struct arith *a, int minprec)
{
	intmax_t l = a_unary(a);
	for (;;) {
		size_t len;
		enum binop op = peek_binop(a, &len);
		if (op == B_NONE || prec(op) < minprec || a->err)
			return l;
		a->s += len;
		if (op == B_LAND || op == B_LOR) {
			bool skip = op == B_LAND ? !l : !!l;
			if (skip)
				a->noeval++;
			intmax_t r = a_binary(a, prec(op) + 1);
			if (skip)
				a->noeval--;
			l = op == B_LAND ? (l && r) : (l || r);
			continue;
		}
		intmax_t r = a_binary(a, op == B_POW ? prec(op) : prec(op) + 1);
		l = apply(a, op, l, r);
	}
}

static intmax_t a_ternary(struct arith *a)
{
	intmax_t c = a_binary(a, 1);
	skip_ws(a);
	if (*a->s != '?')
		return c;
	a->s++;
	if (!c)
		a->noeval++;
	intmax_t x = a_assign(a);
	if (!c)
		a->noeval--;
	skip_ws(a);
	if (*a->s != ':') {
		a_error(a, "expecting ':'");
		return 0;
	}
	a->s++;
	if (c)
		a->noeval++;
	intmax_t y = a_ternary(a);
	if (c)
		a->noeval--;
	return c ? x : y;
}

static intmax_t a_assign(struct arith *a)
{
	skip_ws(a);
	const char *st = a->s;
	if (*st == '_' || isalpha((unsigned char)*st)) {
		struct lval lv;
		if (!lv_parse(a, &lv))
			return 0;
		const char *o = a->s;
		while (*o == ' ' || *o == '\t' || *o == '\n')
			o++;
		enum binop op = B_NONE;
		size_t oplen = 0;
		if (o[0] == '=' && o[1] != '=') {
			oplen = 1;
		} else if (o[0] && o[1] == '=' && strchr("*/%+-&^|", o[0])) {
			oplen = 2;
			static const char ops[] = "*/%+-&^|";
			static const enum binop bops[] = { B_MUL, B_DIV, B_MOD, B_ADD, B_SUB, B_BAND, B_BXOR, B_BOR };
			op = bops[strchr(ops, o[0]) - ops];
		} else if ((o[0] == '<' || o[0] == '>') && o[1] == o[0] && o[2] == '=') {
			oplen = 3;
			op = o[0] == '<' ? B_SHL : B_SHR;
		}
		if (oplen) {
			a->s = o + oplen;
			intmax_t r = a_assign(a);
			intmax_t v = r;
			if (!a->err && op != B_NONE) {
				intmax_t cur = a->noeval ? 0 : lv_value(a, &lv);
				v = apply(a, op, cur, r);
			}
			if (!a->err)
				lv_store(a, &lv, v);
			free(lv.sub);
			return a->err ? 0 : v;
		}
		free(lv.sub);
		a->s = st;	/* not an assignment: parse it again as an operand */
	}
	return a_ternary(a);
}

/* bash: expr, expr (the last value) */
static intmax_t a_comma(struct arith *a)
{
	intmax_t v = a_assign(a);
	while (a->sh->bash && !a->err) {
		skip_ws(a);
		if (*a->s != ',')
			break;
		a->s++;
		v = a_assign(a);
	}
	return v;
}

static int arith_eval_depth(struct shell *sh, const char *expr, intmax_t *ret_value, int depth)
{
	struct arith a = { .sh = sh, .s = expr, .expr = expr, .depth = depth };
	if (depth > 100) {
		a_error(&a, "expression recursion level exceeded");
		return -1;
	}
	skip_ws(&a);
	if (!*a.s) {
		*ret_value = 0;
		return 0;
	}
	intmax_t v = a_comma(&a);
	skip_ws(&a);
	if (!a.err && *a.s)
		a_error(&a, "syntax error");
	if (a.err)
		return -1;
	*ret_value = v;
	return 0;
}

int arith_eval(struct shell *sh, const char *expr, intmax_t *ret_value)
{
	return arith_eval_depth(sh, expr, ret_value, 0);
}
