/* builtins_io.c - the text builtins: echo (dash's: -n and backslash
 * escapes), printf (format reuse, %b, numeric conversions) and test/[. */
#include "shark/shell/shell.h"
#include "shark/shell/array.h"
#include "shark/shell/builtins.h"
#include "shark/shell/vars.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Output a string with echo/%b escapes; returns false if \c stopped output. */
static bool out_escaped(struct shell *sh, const char *s)
{
	while (*s) {
		if (*s != '\\' || !s[1]) {
			out_chr(sh, *s++);
			continue;
		}
		s++;
		char c = *s++;
		switch (c) {
		case 'a': out_chr(sh, '\a'); break;
		case 'b': out_chr(sh, '\b'); break;
		case 'c': return false;
		case 'e': out_chr(sh, 27); break;
		case 'E':
			if (!sh->bash) {
				out_chr(sh, '\\');
				out_chr(sh, c);
				break;
			}
			out_chr(sh, 27);	/* bash: \E as \e */
			break;
		case 'f': out_chr(sh, '\f'); break;
		case 'n': out_chr(sh, '\n'); break;
		case 'r': out_chr(sh, '\r'); break;
		case 't': out_chr(sh, '\t'); break;
		case 'v': out_chr(sh, '\v'); break;
		case '\\': out_chr(sh, '\\'); break;
		case 'x':
			if (sh->bash && isxdigit((unsigned char)*s)) {
				/* bash: \xHH */
				int v = 0;
				for (int i = 0; i < 2 && isxdigit((unsigned char)*s); i++, s++)
					v = v * 16 + (isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
				out_chr(sh, (char)v);
				break;
			}
			out_chr(sh, '\\');
			out_chr(sh, c);
			break;
		case '0': {
			int v = 0;
			for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
				v = v * 8 + (*s++ - '0');
			out_chr(sh, (char)v);
			break;
		}
		default:
			out_chr(sh, '\\');
			out_chr(sh, c);
			break;
		}
	}
	return true;
}

/* bash's echo: options -n -e -E (combinable, as in -ne); escapes only
 * with -e. */
static int bash_echo(struct shell *sh, int argc, char **argv)
{
	int i = 1;
	bool nl = true, esc = false;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] && strspn(argv[i] + 1, "neE") == strlen(argv[i] + 1); i++) {
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 'n')
				nl = false;
			else
				esc = *c == 'e';
		}
	}
	for (; i < argc; i++) {
		if (esc) {
			if (!out_escaped(sh, argv[i]))
				return 0;
		} else {
			out_str(sh, argv[i]);
		}
		if (i + 1 < argc)
			out_chr(sh, ' ');
	}
	if (nl)
		out_chr(sh, '\n');
	return 0;
}

int bi_echo(struct shell *sh, int argc, char **argv)
{
	if (sh->bash)
		return bash_echo(sh, argc, argv);
	int i = 1;
	bool nl = true;
	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		nl = false;
		i = 2;
	}
	for (; i < argc; i++) {
		if (!out_escaped(sh, argv[i]))
			return 0;
		if (i + 1 < argc)
			out_chr(sh, ' ');
	}
	if (nl)
		out_chr(sh, '\n');
	return 0;
}

/* --- printf ---------------------------------------------------------------------- */

struct pf {
	struct shell *sh;
	char **args;
	int nargs, next;
	int status;
};

static const char *pf_arg(struct pf *p)
{
	return p->next < p->nargs ? p->args[p->next++] : NULL;
}

static intmax_t pf_num(struct pf *p, const char *s, bool is_unsigned)
{
	if (!s || !*s)
		return 0;
	if ((s[0] == '\'' || s[0] == '"') && s[1])
		return (unsigned char)s[1];
	errno = 0;
	char *end;
	intmax_t v;
	const char *t = s;
	while (isspace((unsigned char)*t))
		t++;
	if (is_unsigned && *t != '-')
		v = (intmax_t)strtoumax(s, &end, 0);
	else
		v = strtoimax(s, &end, 0);
	if (end == s || *end) {
		sh_error(p->sh, "printf: %s: %s", s, end == s ? "expected numeric value" : "not completely converted");
		p->status = 1;
	} else if (errno == ERANGE) {
		sh_error(p->sh, "printf: %s: %s", s, strerror(errno));
		p->status = 1;
	}
	return v;
}

/* The format escapes bash's printf adds to POSIX's: \xHH (one or two hex
 * digits), \E (as \e) and \", \' and \? (the character itself). f points
 * after the backslash; returns the characters consumed, 0 when f starts no
 * such escape (bash then prints the backslash, as for \xZ). */
static size_t pf_escape_bash(struct shell *sh, const char *f)
{
	switch (*f) {
	case 'E': out_chr(sh, 27); return 1;
	case '"': case '\'': case '?': out_chr(sh, *f); return 1;
	case 'x': {
		size_t i = 1;
		int v = 0;
		for (; i < 3 && isxdigit((unsigned char)f[i]); i++)
			v = v * 16 + (isdigit((unsigned char)f[i]) ? f[i] - '0' : tolower((unsigned char)f[i]) - 'a' + 10);
		if (i == 1)
			return 0;
		out_chr(sh, (char)v);
		return i;
	}
	default:
		return 0;
	}
}

static size_t pf_escape(struct shell *sh, const char *f)
{
	/* f points after the backslash; returns chars consumed */
	char c = *f;
	switch (c) {
	case 'a': out_chr(sh, '\a'); return 1;
	case 'b': out_chr(sh, '\b'); return 1;
	case 'e': out_chr(sh, 27); return 1;
	case 'f': out_chr(sh, '\f'); return 1;
	case 'n': out_chr(sh, '\n'); return 1;
	case 'r': out_chr(sh, '\r'); return 1;
	case 't': out_chr(sh, '\t'); return 1;
	case 'v': out_chr(sh, '\v'); return 1;
	case '\\': out_chr(sh, '\\'); return 1;
	default:
		if (sh->bash) {
			size_t n = pf_escape_bash(sh, f);
			if (n)
				return n;
		}
		if (c >= '0' && c <= '7') {
			int v = 0;
			size_t i = 0;
			while (i < 3 && f[i] >= '0' && f[i] <= '7')
				v = v * 8 + (f[i++] - '0');
			out_chr(sh, (char)v);
			return i;
		}
		out_chr(sh, '\\');
		if (!c)
			return 0;
		out_chr(sh, c);
		return 1;
	}
}

static int printf_run(struct shell *sh, int argc, char **argv, int i);

/* bash's printf %q: s quoted for re-input, malloc'd. A string with a
 * byte that is not printable ASCII becomes $'...' with C escapes; others
 * get a backslash before each character special to the shell ('#' and
 * '~' only where they would be special); "" is ''. */
static char *quote_q(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len * 4 + 4);
	if (!out)
		abort();
	size_t o = 0;
	bool ansi = false;
	for (const char *c = s; *c; c++)
		ansi |= !((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
	if (!*s) {
		memcpy(out, "''", 3);
		return out;
	}
	if (ansi) {
		out[o++] = '$';
		out[o++] = '\'';
		for (const char *c = s; *c; c++) {
			unsigned char u = (unsigned char)*c;
			char e = 0;
			switch (u) {
			case 033: e = 'E'; break;
			case '\a': e = 'a'; break;
			case '\b': e = 'b'; break;
			case '\f': e = 'f'; break;
			case '\n': e = 'n'; break;
			case '\r': e = 'r'; break;
			case '\t': e = 't'; break;
			case '\v': e = 'v'; break;
			case '\\': e = '\\'; break;
			case '\'': e = '\''; break;
			default: break;
			}
			if (e) {
				out[o++] = '\\';
				out[o++] = e;
			} else if (u < 0x20 || u >= 0x7f) {
				o += (size_t)snprintf(out + o, 5, "\\%03o", u);
			} else {
				out[o++] = (char)u;
			}
		}
		out[o++] = '\'';
		out[o] = '\0';
		return out;
	}
	for (const char *c = s; *c; c++) {
		bool special = strchr(" !\"$&'()*,;<>?[\\]^`{|}", *c) != NULL ||
			       (*c == '#' && c == s) ||
			       (*c == '~' && (c == s || c[-1] == ':' || c[-1] == '='));
		if (special)
			out[o++] = '\\';
		out[o++] = *c;
	}
	out[o] = '\0';
	return out;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* One pass over the format. Returns false when \c in %b stopped output. */
static bool pf_pass(struct pf *p, const char *fmt, bool *ret_used)
{
	struct shell *sh = p->sh;
	for (const char *f = fmt; *f;) {
		if (*f == '\\') {
			f++;
			f += pf_escape(sh, f);
			continue;
		}
		if (*f != '%') {
			out_chr(sh, *f++);
			continue;
		}
		if (f[1] == '%') {
			out_chr(sh, '%');
			f += 2;
			continue;
		}
		char spec[64];
		size_t sl = 0;
		spec[sl++] = *f++;
		while (*f && strchr("-+ #0", *f) && sl < 20)
			spec[sl++] = *f++;
		int width = 0, prec = -1;
		bool have_w = false, have_p = false;
		if (*f == '*') {
			const char *a = pf_arg(p);
			*ret_used = true;
			width = (int)pf_num(p, a, false);
			have_w = true;
			f++;
		} else {
			while (isdigit((unsigned char)*f) && sl < 40)
				spec[sl++] = *f++;
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				const char *a = pf_arg(p);
				*ret_used = true;
				prec = (int)pf_num(p, a, false);
				have_p = true;
				f++;
			} else {
				spec[sl++] = '.';
				while (isdigit((unsigned char)*f) && sl < 50)
					spec[sl++] = *f++;
			}
		}
		while (*f == 'l' || *f == 'h' || *f == 'j' || *f == 'z' || *f == 't' || *f == 'L')
			f++;
		char conv = *f;
		if (!conv) {
			sh_error(sh, "printf: %%%s: invalid directive", "");
			p->status = 1;
			return false;
		}
		f++;
		const char *a = pf_arg(p);
		*ret_used = true;
		char *dyn = NULL;
		int n = 0;
		if (have_w && have_p) {
			spec[sl++] = '*';
			spec[sl++] = '.';
			spec[sl++] = '*';
		} else if (have_w) {
			spec[sl++] = '*';
		} else if (have_p) {
			spec[sl++] = '.';
			spec[sl++] = '*';
		}
		switch (conv) {
		case 'q':
			if (!sh->bash) {
				sh_error(sh, "printf: %%%c: invalid directive", conv);
				p->status = 1;
				return false;
			}
			/* fall through */
		case 's':
		case 'b': {
			const char *s = a ? a : "";
			if (conv == 'q')
				s = dyn = quote_q(s);
			if (conv == 'b') {
				/* expand escapes into a temporary buffer via the output */
				size_t save = sh->olen;
				bool go = out_escaped(sh, s);
				size_t got = sh->olen - save;
				dyn = malloc(got + 1);
				if (!dyn)
					abort();
				memcpy(dyn, sh->obuf + save, got);
				dyn[got] = '\0';
				sh->olen = save;
				s = dyn;
				if (!go || sl == 1) {
					/* no width or precision: the bytes as they are,
					 * NUL bytes (\0NNN) included */
					out_mem(sh, dyn, got);
					free(dyn);
					if (!go)
						return false;
					continue;
				}
			}
			spec[sl++] = 's';
			spec[sl] = '\0';
			char *o = NULL;
			if (have_w && have_p)
				n = asprintf(&o, spec, width, prec, s);
			else if (have_w)
				n = asprintf(&o, spec, width, s);
			else if (have_p)
				n = asprintf(&o, spec, prec, s);
			else
				n = asprintf(&o, spec, s);
			if (n >= 0) {
				out_mem(sh, o, (size_t)n);
				free(o);
			}
			free(dyn);
			continue;
		}
		case 'c':
			spec[sl++] = 'c';
			spec[sl] = '\0';
			if (have_w)
				n = asprintf(&dyn, spec, width, a && *a ? a[0] : 0);
			else
				n = asprintf(&dyn, spec, a && *a ? a[0] : 0);
			break;
		case 'd':
		case 'i':
		case 'o':
		case 'u':
		case 'x':
		case 'X': {
			intmax_t v = pf_num(p, a, conv != 'd' && conv != 'i');
			spec[sl++] = 'j';
			spec[sl++] = conv;
			spec[sl] = '\0';
			if (have_w && have_p)
				n = asprintf(&dyn, spec, width, prec, v);
			else if (have_w)
				n = asprintf(&dyn, spec, width, v);
			else if (have_p)
				n = asprintf(&dyn, spec, prec, v);
			else
				n = asprintf(&dyn, spec, v);
			break;
		}
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
		case 'a':
		case 'A': {
			double v = 0;
			if (a) {
				char *end;
				v = strtod(a, &end);
				if (end == a || *end) {
					sh_error(sh, "printf: %s: %s", a, end == a ? "expected numeric value" : "not completely converted");
					p->status = 1;
				}
			}
			spec[sl++] = conv;
			spec[sl] = '\0';
			if (have_w && have_p)
				n = asprintf(&dyn, spec, width, prec, v);
			else if (have_w)
				n = asprintf(&dyn, spec, width, v);
			else if (have_p)
				n = asprintf(&dyn, spec, prec, v);
			else
				n = asprintf(&dyn, spec, v);
			break;
		}
		default:
			sh_error(sh, "printf: %%%c: invalid directive", conv);
			p->status = 1;
			return false;
		}
		if (n > 0 && dyn)
			out_mem(sh, dyn, (size_t)n);
		free(dyn);
	}
	return true;
}

#pragma GCC diagnostic pop

int bi_printf(struct shell *sh, int argc, char **argv)
{
	int i = 1;
	const char *var = NULL;
	if (sh->bash && i + 1 < argc && strcmp(argv[i], "-v") == 0) {
		var = argv[i + 1];	/* bash printf -v NAME: into a variable */
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (var) {
		size_t vl = strlen(var);
		const char *br = strchr(var, '[');
		if (!var_valid_name(var, br ? (size_t)(br - var) : vl) || (br && var[vl - 1] != ']')) {
			sh_error(sh, "printf: `%s': not a valid identifier", var);
			return 2;
		}
		if (i >= argc) {
			sh_error(sh, "printf: usage: printf [-v var] format [arguments]");
			return 2;
		}
		out_flush(sh);
		sh->ocapture = true;
		int status = printf_run(sh, argc, argv, i);
		sh->ocapture = false;
		char *val = strndup(sh->obuf ? sh->obuf : "", sh->olen);
		if (!val)
			abort();
		sh->olen = 0;
		int r;
		if (br) {
			/* NAME[SUB]: assigned as the word NAME[SUB]=value would be */
			size_t l = vl + strlen(val) + 2;
			char *word = malloc(l);
			if (!word)
				abort();
			snprintf(word, l, "%s=%s", var, val);
			r = array_assign_word(sh, word);
			free(word);
		} else {
			r = var_set(sh, var, val, 0);
		}
		free(val);
		return r < 0 ? 1 : status;
	}
	return printf_run(sh, argc, argv, i);
}

/* printf with the format at argv[i]. */
static int printf_run(struct shell *sh, int argc, char **argv, int i)
{
	if (i >= argc) {
		sh_error(sh, "printf: usage: printf format [arg ...]");
		return 2;
	}
	struct pf p = { .sh = sh, .args = argv + i + 1, .nargs = argc - i - 1 };
	const char *fmt = argv[i];
	do {
		bool used = false;
		if (!pf_pass(&p, fmt, &used))
			break;
		if (!used)
			break;
	} while (p.next < p.nargs);
	return p.status;
}

/* --- test ----------------------------------------------------------------------- */

struct tst {
	struct shell *sh;
	char **av;
	int ac, pos;
	bool err;
};

static bool is_unary(const char *s)
{
	return s[0] == '-' && s[1] && !s[2] && strchr("bcdefghLnprSstuwxzkOG", s[1]);
}

static bool is_binary(const char *s)
{
	static const char *const ops[] = { "=", "!=", "-eq", "-ne", "-gt", "-ge", "-lt", "-le",
					   "-nt", "-ot", "-ef", "<", ">", NULL };
	for (int i = 0; ops[i]; i++)
		if (strcmp(s, ops[i]) == 0)
			return true;
	return false;
}

static intmax_t tst_num(struct tst *t, const char *s)
{
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	char *end;
	errno = 0;
	intmax_t v = strtoimax(p, &end, 10);
	while (end && isspace((unsigned char)*end))
		end++;
	if (end == p || *end || errno) {
		sh_error(t->sh, "test: illegal number: %s", s);
		t->err = true;
		return 0;
	}
	return v;
}

static bool tst_unary(struct tst *t, const char *op, const char *arg)
{
	struct stat st;
	switch (op[1]) {
	case 'n': return *arg != '\0';
	case 'z': return *arg == '\0';
	case 't': return isatty((int)tst_num(t, arg));
	case 'h':
	case 'L': return lstat(arg, &st) == 0 && S_ISLNK(st.st_mode);
	case 'r': return access(arg, R_OK) == 0;
	case 'w': return access(arg, W_OK) == 0;
	case 'x': return access(arg, X_OK) == 0;
	default: break;
	}
	if (stat(arg, &st) != 0)
		return false;
	switch (op[1]) {
	case 'b': return S_ISBLK(st.st_mode);
	case 'c': return S_ISCHR(st.st_mode);
	case 'd': return S_ISDIR(st.st_mode);
	case 'e': return true;
	case 'f': return S_ISREG(st.st_mode);
	case 'g': return (st.st_mode & S_ISGID) != 0;
	case 'u': return (st.st_mode & S_ISUID) != 0;
	case 'k': return (st.st_mode & S_ISVTX) != 0;
	case 'p': return S_ISFIFO(st.st_mode);
	case 'S': return S_ISSOCK(st.st_mode);
	case 's': return st.st_size > 0;
	case 'O': return st.st_uid == geteuid();
	case 'G': return st.st_gid == getegid();
	default: return false;
	}
}

static bool tst_binary(struct tst *t, const char *a, const char *op, const char *b)
{
	if (strcmp(op, "=") == 0)
		return strcmp(a, b) == 0;
	if (strcmp(op, "!=") == 0)
		return strcmp(a, b) != 0;
	if (strcmp(op, "<") == 0)
		return strcmp(a, b) < 0;
	if (strcmp(op, ">") == 0)
		return strcmp(a, b) > 0;
	if (strcmp(op, "-nt") == 0 || strcmp(op, "-ot") == 0 || strcmp(op, "-ef") == 0) {
		struct stat sa, sb;
		bool ha = stat(a, &sa) == 0, hb = stat(b, &sb) == 0;
		if (strcmp(op, "-ef") == 0)
			return ha && hb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
		if (strcmp(op, "-nt") == 0)
			return ha && (!hb || sa.st_mtim.tv_sec > sb.st_mtim.tv_sec ||
				      (sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec));
		return hb && (!ha || sa.st_mtim.tv_sec < sb.st_mtim.tv_sec ||
			      (sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec < sb.st_mtim.tv_nsec));
	}
	intmax_t x = tst_num(t, a), y = tst_num(t, b);
	if (strcmp(op, "-eq") == 0) return x == y;
	if (strcmp(op, "-ne") == 0) return x != y;
	if (strcmp(op, "-gt") == 0) return x > y;
	if (strcmp(op, "-ge") == 0) return x >= y;
	if (strcmp(op, "-lt") == 0) return x < y;
	return x <= y;
}

static bool tst_or(struct tst *t);

static const char *tst_peek(struct tst *t, int k)
{
	return t->pos + k < t->ac ? t->av[t->pos + k] : NULL;
}

static bool tst_primary(struct tst *t)
{
	const char *a = tst_peek(t, 0);
	if (!a) {
		t->err = true;
		sh_error(t->sh, "test: argument expected");
		return false;
	}
	if (strcmp(a, "!") == 0) {
		t->pos++;
		return !tst_primary(t);
	}
	if (strcmp(a, "(") == 0 && tst_peek(t, 1)) {
		/* "(" as a string operand of a binary operator */
		const char *b = tst_peek(t, 1);
		if (!(tst_peek(t, 2) && is_binary(b))) {
			t->pos++;
			bool v = tst_or(t);
			const char *c = tst_peek(t, 0);
			if (!c || strcmp(c, ")") != 0) {
				t->err = true;
				sh_error(t->sh, "test: closing paren expected");
				return false;
			}
			t->pos++;
			return v;
		}
	}
	const char *op = tst_peek(t, 1);
	if (op && tst_peek(t, 2) && is_binary(op)) {
		t->pos += 3;
		return tst_binary(t, a, op, t->av[t->pos - 1]);
	}
	if (is_unary(a) && op) {
		t->pos += 2;
		return tst_unary(t, a, op);
	}
	t->pos++;
	return *a != '\0';
}

static bool tst_and(struct tst *t)
{
	bool v = tst_primary(t);
	while (!t->err && tst_peek(t, 0) && strcmp(tst_peek(t, 0), "-a") == 0) {
		t->pos++;
		bool r = tst_primary(t);
		v = v && r;
	}
	return v;
}

static bool tst_or(struct tst *t)
{
	bool v = tst_and(t);
	while (!t->err && tst_peek(t, 0) && strcmp(tst_peek(t, 0), "-o") == 0) {
		t->pos++;
		bool r = tst_and(t);
		v = v || r;
	}
	return v;
}

/* POSIX's rules for up to four arguments, then the general grammar. */
static int tst_eval(struct tst *t, int n)
{
	char **a = t->av + t->pos;
	switch (n) {
	case 0:
		return 1;
	case 1:
		return a[0][0] ? 0 : 1;
	case 2:
		if (strcmp(a[0], "!") == 0)
			return a[1][0] ? 1 : 0;
		if (is_unary(a[0]))
			return tst_unary(t, a[0], a[1]) ? 0 : 1;
		break;
	case 3:
		if (is_binary(a[1]))
			return tst_binary(t, a[0], a[1], a[2]) ? 0 : 1;
		if (strcmp(a[0], "!") == 0) {
			t->pos++;
			int r = tst_eval(t, 2);
			return r > 1 ? r : !r;
		}
		if (strcmp(a[0], "(") == 0 && strcmp(a[2], ")") == 0)
			return a[1][0] ? 0 : 1;
		break;
	case 4:
		if (strcmp(a[0], "!") == 0) {
			t->pos++;
			int r = tst_eval(t, 3);
			return r > 1 ? r : !r;
		}
		if (strcmp(a[0], "(") == 0 && strcmp(a[3], ")") == 0) {
			t->pos++;
			return tst_eval(t, 2);
		}
		break;
	default:
		break;
	}
	bool v = tst_or(t);
	if (!t->err && t->pos < t->ac) {
		sh_error(t->sh, "test: %s: unexpected operator", t->av[t->pos]);
		t->err = true;
	}
	return v ? 0 : 1;
}

int bi_test(struct shell *sh, int argc, char **argv)
{
	if (strcmp(argv[0], "[") == 0) {
		if (strcmp(argv[argc - 1], "]") != 0) {
			sh_error(sh, "[: missing ]");
			return 2;
		}
		argc--;
	}
	struct tst t = { .sh = sh, .av = argv + 1, .ac = argc - 1 };
	int r = tst_eval(&t, argc - 1);
	return t.err ? 2 : r;
}
