/* expand.c - word expansion in POSIX order: tilde, parameters, command
 * substitution, arithmetic (all into one buffer where each byte carries
 * quoting flags), then field splitting by IFS, pathname expansion and quote
 * removal. Zero-width marker bytes record "$@" field breaks and quoted empty
 * strings, so "$@" and "" behave exactly as POSIX says. */
#include "shark/shell/shell.h"
#include "shark/shell/eval.h"
#include "shark/shell/expand.h"
#include "shark/shell/redir.h"
#include "shark/shell/array.h"
#include "shark/shell/bashvars.h"
#include "shark/shell/brace.h"
#include "shark/shell/jobs.h"
#include "shark/shell/options.h"
#include "shark/shell/procsub.h"
#include "shark/shell/vars.h"
#include "shark/util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	Q_QUOTED = 1,	/* literal: not split, not a pattern character */
	Q_SPLIT = 2,	/* result of an unquoted expansion: IFS splits here */
	Q_BREAK = 4,	/* marker: a field ends here ("$@") */
	Q_KEEP = 8,	/* marker: the field exists even if empty ("") */
};

enum {
	X_SPLIT = 1,	/* field splitting applies to unquoted expansions */
	X_TILDE = 2,	/* tilde at the start */
	X_ASSIGN = 4,	/* tilde also after ':' */
	X_QUOTE = 8,	/* everything produced is quoted (inside "${x-...}") */
	X_ARG = 16,	/* the word of an unquoted ${x-word}: its literal text splits too */
};

struct xbuf {
	char *s;
	unsigned char *q;
	size_t len, cap;
};

static void xb_grow(struct xbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->s = realloc(b->s, cap);
	b->q = realloc(b->q, cap);
	if (!b->s || !b->q)
		abort();
	b->cap = cap;
}

static void xb_add(struct xbuf *b, const char *s, size_t n, unsigned char flag)
{
	xb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	memset(b->q + b->len, flag, n);
	b->len += n;
}

static void xb_mark(struct xbuf *b, unsigned char flag)
{
	xb_grow(b, 1);
	b->s[b->len] = '\0';
	b->q[b->len] = flag;
	b->len++;
}

static void xb_free(struct xbuf *b)
{
	free(b->s);
	free(b->q);
	memset(b, 0, sizeof *b);
}

/* The buffer as a plain string, markers removed. */
static char *xb_string(const struct xbuf *b)
{
	char *out = malloc(b->len + 1);
	if (!out)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < b->len; i++)
		if (!(b->q[i] & (Q_BREAK | Q_KEEP)))
			out[o++] = b->s[i];
	out[o] = '\0';
	return out;
}

void strlist_push(struct strlist *l, char *s)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = reallocarray(l->v, l->cap, sizeof *l->v);
		if (!l->v)
			abort();
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* --- parameters ---------------------------------------------------------------- */

static int expand_parts(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags);

static const char *ifs_value(struct shell *sh)
{
	const char *ifs = var_get(sh, "IFS");
	return ifs ? ifs : " \t\n";
}

/* Value of a single-valued parameter; *ret_set false if unset. buf holds
 * numbers. $@ and $* are joined with the first character of IFS. */
static const char *param_value(struct shell *sh, const char *name, char *buf, size_t bufsz,
			       char **ret_alloc, bool *ret_set)
{
	*ret_set = true;
	*ret_alloc = NULL;
	char c = name[0];
	if (name[1] == '\0' && !(c >= '0' && c <= '9') && !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
		switch (c) {
		case '?': snprintf(buf, bufsz, "%d", sh->status); return buf;
		case '#': snprintf(buf, bufsz, "%d", sh->argc); return buf;
		case '$': snprintf(buf, bufsz, "%ld", (long)sh->pid); return buf;
		case '!':
			if (!sh->last_bg) {
				*ret_set = false;
				return NULL;
			}
			snprintf(buf, bufsz, "%ld", (long)sh->last_bg);
			return buf;
		case '-': options_string(sh, buf, bufsz); return buf;
		case '@':
		case '*': {
			const char *ifs = ifs_value(sh);
			char sep = c == '@' ? ' ' : ifs[0];
			size_t total = 1;
			for (int i = 0; i < sh->argc; i++)
				total += strlen(sh->argv[i]) + 1;
			char *s = malloc(total);
			if (!s)
				abort();
			size_t o = 0;
			for (int i = 0; i < sh->argc; i++) {
				if (i && sep)
					s[o++] = sep;
				size_t l = strlen(sh->argv[i]);
				memcpy(s + o, sh->argv[i], l);
				o += l;
			}
			s[o] = '\0';
			*ret_alloc = s;
			if (sh->argc == 0)
				*ret_set = c == '*' ? true : true;
			return s;
		}
		default:
			break;
		}
	}
	if (c >= '0' && c <= '9') {
		long n = strtol(name, NULL, 10);
		if (n == 0)
			return sh->arg0 ? sh->arg0 : "shark";
		if (n > sh->argc) {
			*ret_set = false;
			return NULL;
		}
		return sh->argv[n - 1];
	}
	if (sh->bash && (c == 'P' || c == 'F' || c == 'B'))
		bashvars_sync(sh, name);
	const char *v = var_get(sh, name);
	const char *br;
	if (!v && sh->bash && (br = strchr(name, '[')) != NULL) {
		/* an array element, as expand_array_param names it */
		char base[256];
		size_t bl = (size_t)(br - name);
		if (bl < sizeof base) {
			memcpy(base, name, bl);
			base[bl] = '\0';
			if (array_is_assoc(sh, base)) {
				/* NAME[KEY]: the key is all up to the last ] */
				char *key = strndup(br + 1, strlen(br + 1) - 1);
				if (!key)
					abort();
				v = assoc_get(sh, base, key);
				free(key);
			} else if (br[1] != '-') {
				v = array_get(sh, base, strtoimax(br + 1, NULL, 10));
			}
		}
	}
	if (!v)
		v = expand_dynamic_var(sh, name, buf, bufsz);
	if (!v)
		*ret_set = false;
	return v;
}

const char *expand_dynamic_var(struct shell *sh, const char *name, char *buf, size_t bufsz)
{
	if (strcmp(name, "LINENO") == 0) {
		snprintf(buf, bufsz, "%d", sh->lineno);
		return buf;
	}
	if (!sh->bash)
		return NULL;
	if (strcmp(name, "RANDOM") == 0) {
		/* 15 bits from a 32-bit LCG, as bash; seeded at start-up */
		sh->random_state = sh->random_state * 1103515245u + 12345u;
		snprintf(buf, bufsz, "%u", (sh->random_state >> 16) & 0x7fff);
		return buf;
	}
	if (strcmp(name, "SECONDS") == 0) {
		snprintf(buf, bufsz, "%ld", (long)time(NULL) - sh->start_time);
		return buf;
	}
	return NULL;
}

static bool is_multi(const char *name)
{
	return (name[0] == '@' || name[0] == '*') && name[1] == '\0';
}

/* Append $@ or $* as separate fields. */
static void add_positional(struct shell *sh, const char *name, struct xbuf *b, bool quoted, unsigned flags)
{
	if (quoted && name[0] == '*') {
		const char *ifs = ifs_value(sh);
		xb_mark(b, Q_KEEP);
		for (int i = 0; i < sh->argc; i++) {
			if (i && ifs[0])
				xb_add(b, ifs, 1, Q_QUOTED);
			xb_add(b, sh->argv[i], strlen(sh->argv[i]), Q_QUOTED);
		}
		return;
	}
	if (!(flags & X_SPLIT) && !quoted) {
		const char *ifs = ifs_value(sh);
		char sep = name[0] == '@' ? ' ' : ifs[0];
		for (int i = 0; i < sh->argc; i++) {
			if (i && sep)
				xb_add(b, &sep, 1, 0);
			xb_add(b, sh->argv[i], strlen(sh->argv[i]), 0);
		}
		return;
	}
	for (int i = 0; i < sh->argc; i++) {
		if (i)
			xb_mark(b, Q_BREAK);
		if (quoted) {
			xb_mark(b, Q_KEEP);
			xb_add(b, sh->argv[i], strlen(sh->argv[i]), Q_QUOTED);
		} else {
			xb_add(b, sh->argv[i], strlen(sh->argv[i]), Q_SPLIT);
		}
	}
}

static void expand_fail(struct shell *sh)
{
	if (sh->bash && sh->jump == J_ABORT)
		return;	/* an inner arith_fail() abandoned the command */
	sh_fatal(sh, sh->bash ? 1 : 2);	/* bash's script exits with 1 */
}

/* An arithmetic expression of an expansion failed. In bash mode a bad
 * expression abandons the complete command with status 1 and the script
 * goes on, as bash does; an unset variable under set -u (already J_EXIT)
 * still ends it. */
static void arith_fail(struct shell *sh)
{
	if (sh->bash && sh->jump == J_NONE) {
		sh->jump = J_ABORT;
		sh->status = 1;
		return;
	}
	expand_fail(sh);
}

/* Expand an operator's word to a plain string. */
static char *arg_string(struct shell *sh, const struct word *w, unsigned flags)
{
	struct xbuf b = { 0 };
	if (w && expand_parts(sh, w->parts, &b, flags & ~(unsigned)X_SPLIT) < 0) {
		xb_free(&b);
		return NULL;
	}
	char *s = xb_string(&b);
	xb_free(&b);
	return s;
}

/* Build a pattern from an expanded buffer: quoted bytes are escaped. */
static char *xb_pattern(const struct xbuf *b)
{
	char *out = malloc(b->len * 2 + 1);
	if (!out)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < b->len; i++) {
		unsigned char f = b->q[i];
		if (f & (Q_BREAK | Q_KEEP))
			continue;
		char c = b->s[i];
		if ((f & Q_QUOTED) && strchr("*?[]\\", c))
			out[o++] = '\\';
		else if (!(f & Q_QUOTED) && c == '\\' && !(f & Q_SPLIT))
			out[o++] = '\\';
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/* bash ${x/p/r} and its anchored and global forms: v with the matches of
 * pat replaced by rep (malloc'd). The longest match at each place wins. */
static char *subst_pattern(enum param_op op, const char *v, const char *pat, const char *rep, unsigned pf)
{
	size_t len = strlen(v), rl = strlen(rep);
	struct xbuf out = { 0 };
	size_t i = 0;
	bool done = false;
	while (i <= len && !done) {
		size_t mlen = 0;
		bool found = false;
		if (op == PO_SUBST_SUFFIX) {
			if (pattern_match_flags(pat, v + i, len - i, pf) && *pat) {
				found = true;
				mlen = len - i;
			}
		} else if (op != PO_SUBST_PREFIX || i == 0) {
			for (size_t l = len - i + 1; l-- > 0;) {
				if (pattern_match_flags(pat, v + i, l, pf) && (l > 0 || op == PO_SUBST_PREFIX)) {
					found = *pat != '\0';
					mlen = l;
					break;
				}
			}
		}
		if (found) {
			xb_add(&out, rep, rl, 0);
			i += mlen;
			if (op != PO_SUBST_ALL || mlen == 0)
				done = true;
			continue;
		}
		if (i < len)
			xb_add(&out, v + i, 1, 0);
		i++;
	}
	if (done && i < len)
		xb_add(&out, v + i, len - i, 0);
	char *r = xb_string(&out);
	xb_free(&out);
	return r;
}

/* An arithmetic operand of ${x:off:len}. */
static bool arith_word(struct shell *sh, const struct word *w, intmax_t *ret)
{
	char *s = arg_string(sh, w, 0);
	if (!s)
		return false;
	int r = arith_eval(sh, s, ret);
	free(s);
	if (r < 0)
		arith_fail(sh);
	return r == 0;
}

/* bash's operators on a value: substitution, substring, case. Returns the
 * result (malloc'd) or NULL after an error message. */
static char *bash_param_op(struct shell *sh, const struct wpart *pt, const char *v)
{
	size_t len = strlen(v);
	switch (pt->op) {
	case PO_SUBST:
	case PO_SUBST_ALL:
	case PO_SUBST_PREFIX:
	case PO_SUBST_SUFFIX: {
		struct xbuf pb = { 0 };
		if (pt->arg && expand_parts(sh, pt->arg->parts, &pb, X_TILDE) < 0) {
			xb_free(&pb);
			return NULL;
		}
		char *pat = xb_pattern(&pb);
		xb_free(&pb);
		char *rep = pt->arg2 ? arg_string(sh, pt->arg2, X_TILDE) : strdup("");
		if (!rep) {
			free(pat);
			return NULL;
		}
		char *r = subst_pattern(pt->op, v, pat, rep, pattern_flags(sh, false) & PM_EXT);
		free(pat);
		free(rep);
		return r;
	}
	case PO_SUBSTR: {
		intmax_t off = 0, cnt = (intmax_t)len;
		if (!arith_word(sh, pt->arg, &off) || (pt->arg2 && !arith_word(sh, pt->arg2, &cnt)))
			return NULL;
		if (off < 0)
			off += (intmax_t)len;
		if (off < 0 || off > (intmax_t)len)
			return strdup("");
		if (cnt < 0) {
			cnt += (intmax_t)len - off;
			if (cnt < 0) {
				sh_error(sh, "%s: substring expression < 0", pt->name);
				return NULL;
			}
		}
		if (cnt > (intmax_t)len - off)
			cnt = (intmax_t)len - off;
		return strndup(v + off, (size_t)cnt);
	}
	default: {
		char *r = strdup(v);
		if (!r)
			abort();
		bool upper = pt->op == PO_UPPER_FIRST || pt->op == PO_UPPER_ALL;
		size_t n = pt->op == PO_UPPER_ALL || pt->op == PO_LOWER_ALL ? len : (len ? 1 : 0);
		for (size_t i = 0; i < n; i++)
			r[i] = (char)(upper ? toupper((unsigned char)r[i]) : tolower((unsigned char)r[i]));
		return r;
	}
	}
}

/* bash ${@:off:len} and ${*:off:len}: the positional parameters from off
 * ($0 at 0), as "$@" would give them. */
static int slice_positional(struct shell *sh, const struct wpart *pt, struct xbuf *b, bool quoted,
			    unsigned flags)
{
	intmax_t off = 0, cnt;
	int total = sh->argc + 1;
	if (!arith_word(sh, pt->arg, &off))
		return -1;
	cnt = total;
	if (pt->arg2 && !arith_word(sh, pt->arg2, &cnt))
		return -1;
	if (off < 0)
		off += total;
	if (off < 0 || off > total)
		off = total;
	if (cnt < 0) {
		sh_error(sh, "%s: substring expression < 0", pt->name);
		return -1;
	}
	if (cnt > total - off)
		cnt = total - off;
	char **all = calloc((size_t)total + 1, sizeof *all);
	if (!all)
		abort();
	all[0] = sh->arg0;
	for (int i = 0; i < sh->argc; i++)
		all[i + 1] = sh->argv[i];
	char **save = sh->argv;
	int save_c = sh->argc;
	sh->argv = all + off;
	sh->argc = (int)cnt;
	add_positional(sh, pt->name, b, quoted, flags);
	sh->argv = save;
	sh->argc = save_c;
	free(all);
	return 0;
}

static int expand_param(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags);

/* bash ${a[i]...}, ${a[@]...}, ${#a[@]}, ${!a[@]}: an element goes through
 * expand_param under its variable's name; the whole array as "$@" would,
 * with the positional parameters swapped for the elements meanwhile. */
static int expand_array_param(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags)
{
	if (pt->name[0] == 'P' || pt->name[0] == 'F' || pt->name[0] == 'B')
		bashvars_sync(sh, pt->name);
	struct wpart copy = *pt;
	copy.index = NULL;
	copy.index_all = 0;
	copy.next = NULL;
	bool quoted = pt->quoted || (flags & X_QUOTE);
	if (pt->index && array_is_assoc(sh, pt->name)) {
		char *key = arg_string(sh, pt->index, 0);
		if (!key) {
			expand_fail(sh);
			return -1;
		}
		size_t l = strlen(pt->name) + strlen(key) + 3;
		char *elem = malloc(l);
		if (!elem)
			abort();
		snprintf(elem, l, "%s[%s]", pt->name, key);
		free(key);
		copy.name = elem;
		int r = expand_param(sh, &copy, b, flags);
		free(elem);
		return r;
	}
	if (pt->index) {
		char *sub = arg_string(sh, pt->index, 0);
		intmax_t idx = 0;
		if (!sub || arith_eval(sh, sub, &idx) < 0) {
			free(sub);
			arith_fail(sh);
			return -1;
		}
		free(sub);
		char elem[300];
		if (!array_elem_name(sh, pt->name, idx, elem, sizeof elem))
			snprintf(elem, sizeof elem, "%s[-]", pt->name);	/* never set */
		copy.name = elem;
		return expand_param(sh, &copy, b, flags);
	}
	struct strlist vals = { 0 }, idxs = { 0 };
	array_values(sh, pt->name, &vals, pt->op == PO_INDICES ? &idxs : NULL);
	int ret = 0;
	if (pt->op == PO_LENGTH) {
		char lb[32];
		snprintf(lb, sizeof lb, "%zu", vals.n);
		if (quoted)
			xb_mark(b, Q_KEEP);
		xb_add(b, lb, strlen(lb), quoted ? Q_QUOTED : (flags & X_SPLIT) ? Q_SPLIT : 0);
	} else {
		struct strlist *list = pt->op == PO_INDICES ? &idxs : &vals;
		char **save_argv = sh->argv, *save_arg0 = sh->arg0;
		int save_argc = sh->argc;
		char at[2] = { pt->index_all, 0 };
		copy.name = at;
		if (pt->op == PO_INDICES)
			copy.op = PO_NONE;
		if (copy.op == PO_SUBSTR && list->n == 0) {
			/* nothing to slice */
		} else if (copy.op == PO_SUBSTR) {
			/* ${a[@]:o:l} counts from element 0, which plays $0 */
			sh->arg0 = list->v[0];
			sh->argv = list->v + 1;
			sh->argc = (int)list->n - 1;
		} else {
			sh->argv = list->v ? list->v : save_argv + save_argc;
			sh->argc = (int)list->n;
		}
		if (!(copy.op == PO_SUBSTR && list->n == 0))
			ret = expand_param(sh, &copy, b, flags);
		sh->argv = save_argv;
		sh->argc = save_argc;
		sh->arg0 = save_arg0;
	}
	strlist_free(&vals);
	strlist_free(&idxs);
	return ret;
}

/* ${v#p} ${v##p} ${v%p} ${v%%p}: v without the match of pat (malloc'd). */
static char *strip_pattern(enum param_op op, const char *pat, const char *v, unsigned pf)
{
	size_t len = strlen(v), start = 0, end = len;
	switch (op) {
	case PO_LSMALL:
		for (size_t i = 0; i <= len; i++)
			if (pattern_match_flags(pat, v, i, pf)) {
				start = i;
				break;
			}
		break;
	case PO_LLARGE:
		for (size_t i = len + 1; i-- > 0;)
			if (pattern_match_flags(pat, v, i, pf)) {
				start = i;
				break;
			}
		break;
	case PO_RSMALL:
		for (size_t i = len + 1; i-- > 0;)
			if (pattern_match_flags(pat, v + i, len - i, pf)) {
				end = i;
				break;
			}
		break;
	default:
		for (size_t i = 0; i <= len; i++)
			if (pattern_match_flags(pat, v + i, len - i, pf)) {
				end = i;
				break;
			}
		break;
	}
	char *r = strndup(v + start, end - start);
	if (!r)
		abort();
	return r;
}

/* bash applies the string operators to each element of "$@" and
 * "${a[@]}" (dash to the joined value): results in *out. */
static int elementwise(struct shell *sh, const struct wpart *pt, struct strlist *out)
{
	char *pat = NULL;
	if (pt->op == PO_RSMALL || pt->op == PO_RLARGE || pt->op == PO_LSMALL || pt->op == PO_LLARGE) {
		struct xbuf pb = { 0 };
		if (pt->arg && expand_parts(sh, pt->arg->parts, &pb, X_TILDE) < 0) {
			xb_free(&pb);
			return -1;
		}
		pat = xb_pattern(&pb);
		xb_free(&pb);
	}
	for (int i = 0; i < sh->argc; i++) {
		char *r = pat ? strip_pattern(pt->op, pat, sh->argv[i], pattern_flags(sh, false) & PM_EXT)
			      : bash_param_op(sh, pt, sh->argv[i]);
		if (!r) {
			free(pat);
			return -1;
		}
		strlist_push(out, r);
	}
	free(pat);
	return 0;
}

static int expand_param(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags)
{
	if (pt->index || pt->index_all)
		return expand_array_param(sh, pt, b, flags);
	char nbuf[64];
	char *alloc = NULL;
	bool set;
	const char *name = pt->name;
	bool quoted = pt->quoted || (flags & X_QUOTE);
	unsigned char vflag = quoted ? Q_QUOTED : (flags & X_SPLIT) ? Q_SPLIT : 0;
	const char *val = param_value(sh, name, nbuf, sizeof nbuf, &alloc, &set);
	bool multi = is_multi(name);
	if (multi && sh->bash && pt->op != PO_NONE && pt->op != PO_LENGTH && pt->op != PO_DEFAULT &&
	    pt->op != PO_ALT && pt->op != PO_ASSIGN && pt->op != PO_ERROR && pt->op != PO_SUBSTR &&
	    pt->op != PO_INDICES) {
		struct strlist res = { 0 };
		if (elementwise(sh, pt, &res) < 0) {
			strlist_free(&res);
			free(alloc);
			expand_fail(sh);
			return -1;
		}
		char **save_argv = sh->argv;
		int save_argc = sh->argc;
		sh->argv = res.v ? res.v : save_argv + save_argc;
		sh->argc = (int)res.n;
		add_positional(sh, name, b, quoted, flags);
		sh->argv = save_argv;
		sh->argc = save_argc;
		strlist_free(&res);
		free(alloc);
		return 0;
	}
	if (multi && sh->argc == 0 && name[0] == '@')
		set = pt->op == PO_NONE || pt->op == PO_LENGTH ? true : sh->argc > 0;
	int ret = 0;
	if (quoted && !multi)
		xb_mark(b, Q_KEEP);

	switch (pt->op) {
	case PO_NONE:
		if (!set && sh->opt.nounset && !multi) {
			sh_error(sh, "%s: parameter not set", name);
			goto fail;
		}
		if (multi)
			add_positional(sh, name, b, quoted, flags);
		else if (val) {
			if (quoted)
				xb_mark(b, Q_KEEP);
			xb_add(b, val, strlen(val), vflag);
		} else if (quoted) {
			xb_mark(b, Q_KEEP);
		}
		break;
	case PO_LENGTH: {
		if (!set && sh->opt.nounset && !multi) {
			sh_error(sh, "%s: parameter not set", name);
			goto fail;
		}
		char lb[32];
		/* ${#@} and ${#*}: the length of the joined value, as dash */
		size_t len = val ? strlen(val) : 0;
		snprintf(lb, sizeof lb, "%zu", len);
		if (quoted)
			xb_mark(b, Q_KEEP);
		xb_add(b, lb, strlen(lb), vflag);
		break;
	}
	case PO_DEFAULT:
	case PO_ALT:
	case PO_ASSIGN:
	case PO_ERROR: {
		bool empty = !set || (pt->colon && (!val || !*val));
		if (multi && pt->colon)
			empty = sh->argc == 0 || (sh->argc == 1 && !sh->argv[0][0] && name[0] == '@') ||
				(name[0] == '*' && (!val || !*val));
		if (pt->op == PO_ALT) {
			if (!empty && expand_parts(sh, pt->arg ? pt->arg->parts : NULL, b,
						   flags | (quoted ? X_QUOTE : X_ARG)) < 0)
				goto fail;
			if (empty && quoted)
				xb_mark(b, Q_KEEP);
			break;
		}
		if (!empty) {
			if (multi)
				add_positional(sh, name, b, quoted, flags);
			else {
				if (quoted)
					xb_mark(b, Q_KEEP);
				xb_add(b, val, strlen(val), vflag);
			}
			break;
		}
		if (pt->op == PO_DEFAULT) {
			if (quoted)
				xb_mark(b, Q_KEEP);
			if (expand_parts(sh, pt->arg ? pt->arg->parts : NULL, b,
					 flags | (quoted ? X_QUOTE : X_ARG)) < 0)
				goto fail;
			break;
		}
		char *s = arg_string(sh, pt->arg, flags | X_TILDE);
		if (!s)
			goto fail;
		if (pt->op == PO_ERROR) {
			if (*s)
				sh_error(sh, "%s: %s", name, s);
			else
				sh_error(sh, "%s: %s", name, pt->colon ? "parameter null or not set" : "parameter not set");
			free(s);
			goto fail;
		}
		if (!var_valid_name(name, strlen(name))) {
			sh_error(sh, "%s: bad variable name", name);
			free(s);
			goto fail;
		}
		if (var_set(sh, name, s, 0) < 0) {
			free(s);
			goto fail;
		}
		if (quoted)
			xb_mark(b, Q_KEEP);
		xb_add(b, s, strlen(s), vflag);
		free(s);
		break;
	}
	case PO_RSMALL:
	case PO_RLARGE:
	case PO_LSMALL:
	case PO_LLARGE: {
		if (!set && sh->opt.nounset && !multi) {
			sh_error(sh, "%s: parameter not set", name);
			goto fail;
		}
		struct xbuf pb = { 0 };
		if (pt->arg && expand_parts(sh, pt->arg->parts, &pb, X_TILDE) < 0) {
			xb_free(&pb);
			goto fail;
		}
		char *pat = xb_pattern(&pb);
		xb_free(&pb);
		char *r = strip_pattern(pt->op, pat, val ? val : "", pattern_flags(sh, false) & PM_EXT);
		free(pat);
		if (quoted)
			xb_mark(b, Q_KEEP);
		xb_add(b, r, strlen(r), vflag);
		free(r);
		break;
	}
	default: {
		if (!set && sh->opt.nounset && !multi) {
			sh_error(sh, "%s: parameter not set", name);
			goto fail;
		}
		if (multi && pt->op == PO_SUBSTR) {
			if (slice_positional(sh, pt, b, quoted, flags) < 0)
				goto fail;
			break;
		}
		char *r = bash_param_op(sh, pt, val ? val : "");
		if (!r)
			goto fail;
		if (quoted)
			xb_mark(b, Q_KEEP);
		xb_add(b, r, strlen(r), vflag);
		free(r);
		break;
	}
	}
	free(alloc);
	return ret;
fail:
	free(alloc);
	expand_fail(sh);
	return -1;
}

/* --- command substitution and arithmetic ------------------------------------------ */

/* Run a command substitution's tree in a child; returns its output with
 * trailing newlines removed (malloc'd) and sets sh->cmdsub_status. */
/* `$(< FILE)` (bash): a command of one input redirection and nothing
 * else. */
static bool is_read_file(const struct node *cmd)
{
	return cmd->kind == N_SIMPLE && !cmd->args && !cmd->assigns && cmd->redirs &&
	       !cmd->redirs->next && cmd->redirs->kind == R_IN && cmd->redirs->fd == 0;
}

/* In the command substitution's child: bash's `$(< FILE)` is FILE's
 * content (dash runs the redirection alone: nothing). Exits 0, or 1 when
 * FILE cannot be opened (after its message). */
static void __attribute__((noreturn)) cmdsub_read_file(struct shell *sh, struct node *cmd)
{
	if (redir_apply(sh, cmd->redirs, NULL) < 0)
		shell_exit(sh, 1);
	char buf[65536];
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			shell_exit(sh, n < 0 ? 1 : 0);
		for (ssize_t o = 0; o < n;) {
			ssize_t w = write(1, buf + o, (size_t)(n - o));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				shell_exit(sh, 1);
			o += w;
		}
	}
}

static char *expand_cmdsub(struct shell *sh, struct node *cmd)
{
	sh->cmdsub_ran = true;
	if (sh->no_cmdsub || !cmd) {
		sh->cmdsub_status = 0;
		return strdup("");
	}
	out_flush(sh);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		sh_error(sh, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid_t pid = jobs_fork_nojob(sh);
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		sh_error(sh, "fork: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		close(fds[0]);
		(void)util_move_fd(fds[1], 1);
		/* bash (not in POSIX mode, without shopt inherit_errexit)
		 * runs a command substitution without set -e */
		if (sh->bash)
			sh->opt.errexit = false;
		if (sh->bash && is_read_file(cmd))
			cmdsub_read_file(sh, cmd);
		eval_in_child(sh, cmd);
	}
	close(fds[1]);
	struct util_buf ob = { 0 };
	for (;;) {
		if (util_buf_grow(&ob, 4096) < 0)
			abort();
		ssize_t n = read(fds[0], ob.s + ob.len, ob.cap - ob.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ob.len += (size_t)n;
	}
	char *out = ob.s;
	size_t len = ob.len;
	close(fds[0]);
	sh->cmdsub_status = jobs_wait_pid(sh, pid);
	while (len > 0 && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
	/* NUL bytes cannot live in shell strings */
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (out[i])
			out[o++] = out[i];
	out[o] = '\0';
	return out;
}

static int expand_arith(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags)
{
	char *expr = arg_string(sh, pt->expr, 0);
	if (!expr) {
		expand_fail(sh);
		return -1;
	}
	intmax_t v;
	int r = arith_eval(sh, expr, &v);
	free(expr);
	if (r < 0) {
		arith_fail(sh);
		return -1;
	}
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRIdMAX, v);
	bool quoted = pt->quoted || (flags & X_QUOTE);
	xb_add(b, buf, strlen(buf), quoted ? Q_QUOTED : (flags & X_SPLIT) ? Q_SPLIT : 0);
	return 0;
}

/* --- tilde ------------------------------------------------------------------------ */

/* Expand a tilde prefix text[0..n) (text[0] == '~'); returns the home dir or NULL. */
static char *tilde_home(struct shell *sh, const char *text, size_t n)
{
	if (n == 1) {
		const char *h = var_get(sh, "HOME");
		if (h)
			return strdup(h);
		struct passwd *pw = getpwuid(getuid());
		return pw ? strdup(pw->pw_dir) : NULL;
	}
	char user[256];
	if (n - 1 >= sizeof user)
		return NULL;
	memcpy(user, text + 1, n - 1);
	user[n - 1] = '\0';
	struct passwd *pw = getpwnam(user);
	return pw ? strdup(pw->pw_dir) : NULL;
}

/* Add an unquoted literal, expanding tildes where allowed. */
static void add_literal(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags,
			bool at_start, bool last_part)
{
	const char *t = pt->text;
	size_t n = pt->len, i = 0;
	bool tilde_ok = at_start && (flags & X_TILDE);
	while (i < n) {
		if (tilde_ok && t[i] == '~') {
			size_t e = i + 1;
			while (e < n && t[e] != '/' && !((flags & X_ASSIGN) && (t[e] == ':' || t[e] == '=')))
				e++;
			if (e < n || last_part) {
				char *home = tilde_home(sh, t + i, e - i);
				if (home) {
					xb_add(b, home, strlen(home), Q_QUOTED);
					free(home);
					i = e;
					tilde_ok = false;
					continue;
				}
			}
		}
		tilde_ok = false;
		size_t st = i;
		while (i < n && !((flags & X_ASSIGN) && (t[i] == ':' || t[i] == '=')))
			i++;
		if (i < n)
			i++;	/* include the ':' or '=' */
		xb_add(b, t + st, i - st, 0);
		if (i > 0 && (t[i - 1] == ':' || t[i - 1] == '=') && (flags & X_ASSIGN))
			tilde_ok = true;
	}
}

static int expand_parts(struct shell *sh, const struct wpart *pt, struct xbuf *b, unsigned flags)
{
	bool first = true;
	for (; pt; pt = pt->next, first = false) {
		switch (pt->kind) {
		case WP_LIT:
			if (pt->quoted || (flags & X_QUOTE)) {
				/* "" makes a field; the "" the lexer puts before "$@" must not */
				if (pt->len == 0 && !(pt->next && pt->next->quoted && pt->next->kind != WP_LIT))
					xb_mark(b, Q_KEEP);
				xb_add(b, pt->text, pt->len, Q_QUOTED);
			} else if ((flags & X_ARG) && (flags & X_SPLIT) && !(first && pt->text[0] == '~')) {
				xb_add(b, pt->text, pt->len, Q_SPLIT);
			} else if (flags & X_ARG) {
				add_literal(sh, pt, b, flags | X_TILDE, first, pt->next == NULL);
			} else if (flags & X_TILDE) {
				add_literal(sh, pt, b, flags, first, pt->next == NULL);
			} else {
				xb_add(b, pt->text, pt->len, 0);
			}
			break;
		case WP_PARAM:
			if (expand_param(sh, pt, b, flags) < 0)
				return -1;
			break;
		case WP_CMDSUB: {
			char *out = expand_cmdsub(sh, pt->cmd);
			if (!out) {
				expand_fail(sh);
				return -1;
			}
			bool quoted = pt->quoted || (flags & X_QUOTE);
			if (quoted)
				xb_mark(b, Q_KEEP);
			xb_add(b, out, strlen(out), quoted ? Q_QUOTED : (flags & X_SPLIT) ? Q_SPLIT : 0);
			free(out);
			break;
		}
		case WP_ARITH:
			if (expand_arith(sh, pt, b, flags) < 0)
				return -1;
			break;
		case WP_PROCSUB: {
			/* fuzzing runs nothing: a fixed path */
			char *path = sh->no_cmdsub ? strdup("/dev/null") :
						     procsub_open(sh, pt->cmd, pt->procsub_write);
			if (!path) {
				expand_fail(sh);
				return -1;
			}
			xb_mark(b, Q_KEEP);
			xb_add(b, path, strlen(path), Q_QUOTED);
			free(path);
			break;
		}
		}
		if (sh->jump == J_EXIT || sh->jump == J_ABORT)
			return -1;
	}
	return 0;
}

/* --- field splitting and globbing ------------------------------------------------- */

static void emit_field(struct shell *sh, const struct xbuf *b, size_t st, size_t en, struct strlist *out)
{
	bool magic = false;
	size_t n = 0;
	for (size_t i = st; i < en; i++) {
		if (b->q[i] & (Q_BREAK | Q_KEEP))
			continue;
		n++;
		if (!(b->q[i] & Q_QUOTED) && (b->s[i] == '*' || b->s[i] == '?' || b->s[i] == '[' ||
					       (b->s[i] == '(' && (sh->shopt & SHOPT_EXTGLOB))))
			magic = true;
	}
	if (magic && !sh->opt.noglob) {
		struct xbuf sub = { .s = b->s + st, .q = b->q + st, .len = en - st };
		char *pat = xb_pattern(&sub);
		unsigned pf = pattern_flags(sh, false);
		if (pattern_has_magic_flags(pat, pf)) {
			size_t got = pattern_glob(pat, out, pf);
			if (got || (sh->bash && (sh->shopt & SHOPT_NULLGLOB))) {
				free(pat);
				return;	/* nullglob: no match, no field */
			}
		}
		free(pat);
	}
	char *s = malloc(n + 1);
	if (!s)
		abort();
	size_t o = 0;
	for (size_t i = st; i < en; i++)
		if (!(b->q[i] & (Q_BREAK | Q_KEEP)))
			s[o++] = b->s[i];
	s[o] = '\0';
	strlist_push(out, s);
}

static void split_fields(struct shell *sh, const struct xbuf *b, struct strlist *out)
{
	const char *ifs = ifs_value(sh);
	size_t st = 0;
	bool started = false;
	size_t i = 0;
	while (i < b->len) {
		unsigned char f = b->q[i];
		char c = b->s[i];
		if (f & Q_BREAK) {
			if (started)
				emit_field(sh, b, st, i, out);
			started = false;
			i++;
			st = i;
			continue;
		}
		if ((f & Q_SPLIT) && c && strchr(ifs, c)) {
			bool nonws = false;
			size_t end = i;
			/* one delimiter: IFS white space, at most one other IFS char, white space */
			while (end < b->len && (b->q[end] & Q_SPLIT) && b->s[end] && strchr(ifs, b->s[end]) &&
			       strchr(" \t\n", b->s[end]))
				end++;
			if (end < b->len && (b->q[end] & Q_SPLIT) && b->s[end] && strchr(ifs, b->s[end]) &&
			    !strchr(" \t\n", b->s[end])) {
				nonws = true;
				end++;
				while (end < b->len && (b->q[end] & Q_SPLIT) && b->s[end] && strchr(ifs, b->s[end]) &&
				       strchr(" \t\n", b->s[end]))
					end++;
			}
			if (started || nonws)
				emit_field(sh, b, st, i, out);
			started = false;
			i = end;
			st = i;
			continue;
		}
		started = true;
		i++;
	}
	if (started)
		emit_field(sh, b, st, b->len, out);
}

int expand_words(struct shell *sh, struct word *w, struct strlist *out)
{
	struct xbuf b = { 0 };
	for (; w; w = w->next) {
		const struct wpart *pt = w->parts;
		if (sh->bash && brace_candidate(w)) {
			struct word *bw = brace_expand(w);
			for (struct word *x = bw; x; x = x->next) {
				b.len = 0;
				if (expand_parts(sh, x->parts, &b, X_SPLIT | X_TILDE) < 0) {
					brace_words_free(bw);
					xb_free(&b);
					return -1;
				}
				split_fields(sh, &b, out);
			}
			brace_words_free(bw);
			continue;
		}
		/* fast path: one unquoted literal without pattern characters or tilde */
		if (pt && !pt->next && pt->kind == WP_LIT && !pt->quoted && pt->text[0] != '~' &&
		    !strpbrk(pt->text, (sh->shopt & SHOPT_EXTGLOB) ? "*?[(" : "*?[")) {
			char *s = strdup(pt->text);
			if (!s)
				abort();
			strlist_push(out, s);
			continue;
		}
		b.len = 0;
		if (expand_parts(sh, pt, &b, X_SPLIT | X_TILDE) < 0) {
			xb_free(&b);
			return -1;
		}
		split_fields(sh, &b, out);
	}
	xb_free(&b);
	return 0;
}

char *expand_word_str(struct shell *sh, const struct word *w, bool tilde)
{
	const struct wpart *pt = w ? w->parts : NULL;
	if (pt && !pt->next && pt->kind == WP_LIT && (pt->quoted || !tilde || !strchr(pt->text, '~'))) {
		char *s = strdup(pt->text);
		if (!s)
			abort();
		return s;
	}
	struct xbuf b = { 0 };
	if (expand_parts(sh, pt, &b, tilde ? (X_TILDE | X_ASSIGN) : 0) < 0) {
		xb_free(&b);
		return NULL;
	}
	char *s = xb_string(&b);
	xb_free(&b);
	return s;
}

char *expand_word_regex(struct shell *sh, const struct word *w)
{
	struct xbuf b = { 0 };
	if (expand_parts(sh, w->parts, &b, X_TILDE) < 0) {
		xb_free(&b);
		return NULL;
	}
	char *out = malloc(b.len * 2 + 1);
	if (!out)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < b.len; i++) {
		unsigned char f = b.q[i];
		if (f & (Q_BREAK | Q_KEEP))
			continue;
		char c = b.s[i];
		if ((f & Q_QUOTED) && strchr("\\.[]()*+?{}|^$", c))
			out[o++] = '\\';
		out[o++] = c;
	}
	out[o] = '\0';
	xb_free(&b);
	return out;
}

char *expand_word_pattern(struct shell *sh, const struct word *w)
{
	struct xbuf b = { 0 };
	if (expand_parts(sh, w ? w->parts : NULL, &b, X_TILDE) < 0) {
		xb_free(&b);
		return NULL;
	}
	char *s = xb_pattern(&b);
	xb_free(&b);
	return s;
}
