/* pattern.c - shell pattern matching (case, ${x#p}, globbing) and pathname
 * expansion. Patterns arrive with quoted characters backslash-escaped
 * (expand.c), so one matcher serves every use. */
#include "shark/shell/shell.h"
#include "shark/shell/expand.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool pattern_has_magic(const char *pat)
{
	for (const char *s = pat; *s; s++) {
		if (*s == '\\') {
			if (!*++s)
				break;
			continue;
		}
		if (*s == '*' || *s == '?')
			return true;
		if (*s == '[' && strchr(s + 1, ']'))
			return true;
	}
	return false;
}

static const struct {
	const char *name;
	int (*fn)(int);
} char_classes[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
	{ "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
	{ "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* Match one bracket expression at pat (pointing after '['); returns the
 * position after ']' and sets *ret_match, or NULL if not a valid bracket. */
static const char *match_bracket(const char *pat, unsigned char c, bool *ret_match)
{
	bool neg = false, found = false;
	const char *p = pat;
	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	bool first = true;
	for (;;) {
		if (!*p)
			return NULL;
		if (*p == ']' && !first)
			break;
		first = false;
		unsigned char lo;
		if (*p == '[' && p[1] == ':') {
			const char *end = strstr(p + 2, ":]");
			if (end) {
				size_t n = (size_t)(end - (p + 2));
				for (size_t i = 0; i < sizeof char_classes / sizeof *char_classes; i++)
					if (strlen(char_classes[i].name) == n &&
					    memcmp(char_classes[i].name, p + 2, n) == 0 && char_classes[i].fn(c))
						found = true;
				p = end + 2;
				continue;
			}
		}
		if (*p == '\\' && p[1])
			p++;
		lo = (unsigned char)*p++;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\' && p[1])
				p++;
			unsigned char hi = (unsigned char)*p++;
			if (lo <= c && c <= hi)
				found = true;
		} else if (lo == c) {
			found = true;
		}
	}
	*ret_match = found != neg;
	return p + 1;
}

/* Iterative matcher with one backtracking point for the last '*': linear
 * in practice, O(len(pat) * len(str)) at worst, never exponential. */
static bool match_here(const char *pat, const char *str, const char *end)
{
	const char *star_p = NULL, *star_s = NULL;
	for (;;) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			star_p = pat;
			star_s = str;
			continue;
		}
		if (str == end)
			return *pat == '\0';
		if (!*pat)
			goto backtrack;
		bool ok;
		if (*pat == '?') {
			ok = true;
			pat++;
		} else if (*pat == '[') {
			bool m;
			const char *after = match_bracket(pat + 1, (unsigned char)*str, &m);
			if (!after) {
				ok = *str == '[';
				pat++;
			} else {
				ok = m;
				pat = after;
			}
		} else {
			if (*pat == '\\' && pat[1])
				pat++;
			ok = *pat == *str;
			pat++;
		}
		if (ok) {
			str++;
			continue;
		}
backtrack:
		if (!star_p || star_s >= end)
			return false;
		star_s++;
		str = star_s;
		pat = star_p;
	}
}

bool pattern_match(const char *pat, const char *str, size_t len)
{
	return match_here(pat, str, str + len);
}

/* --- bash's extglob and nocasematch ---------------------------------------------- */

unsigned pattern_flags(const struct shell *sh, bool matching)
{
	if (!sh->bash)
		return 0;
	unsigned f = 0;
	if (sh->shopt & SHOPT_EXTGLOB)
		f |= PM_EXT;
	if (matching && (sh->shopt & SHOPT_NOCASEMATCH))
		f |= PM_NOCASE;
	if (!matching && (sh->shopt & SHOPT_DOTGLOB))
		f |= PG_DOTGLOB;
	if (!matching && (sh->shopt & SHOPT_GLOBSTAR))
		f |= PG_GLOBSTAR;
	return f;
}

struct xmatch {
	unsigned flags;
	long budget;	/* steps left: extglob matching can be exponential */
	int depth;	/* recursion, bounded too */
};

static bool ext_start(const char *p, const char *pe, unsigned flags)
{
	return (flags & PM_EXT) && p + 1 < pe && strchr("?*+@!", *p) && p[1] == '(';
}

/* The ) closing the group whose ( is at open, or NULL. */
static const char *group_close(const char *open, const char *pe)
{
	int d = 0;
	for (const char *q = open; q < pe; q++) {
		if (*q == '\\' && q + 1 < pe) {
			q++;
			continue;
		}
		if (*q == '(')
			d++;
		else if (*q == ')' && --d == 0)
			return q;
	}
	return NULL;
}

static bool xmatch(struct xmatch *m, const char *p, const char *pe, const char *s, const char *se);

/* Does some alternative of the group (open..close) match s..t entirely? */
static bool group_alt_matches(struct xmatch *m, const char *open, const char *close, const char *s,
			      const char *t)
{
	const char *a = open + 1;
	int d = 0;
	for (const char *q = a; q <= close; q++) {
		if (q < close && *q == '\\') {
			q++;
			continue;
		}
		if (q < close && *q == '(') {
			d++;
		} else if (q < close && *q == ')') {
			d--;
		} else if (q == close || (*q == '|' && d == 0)) {
			if (xmatch(m, a, q, s, t))
				return true;
			a = q + 1;
		}
	}
	return false;
}

/* The group at p (op, '(' at p + 1, ')' at close) followed by close+1..pe. */
static bool match_group(struct xmatch *m, const char *p, const char *close, const char *pe, const char *s,
			const char *se)
{
	const char *open = p + 1, *rest = close + 1;
	switch (*p) {
	case '?':
		if (xmatch(m, rest, pe, s, se))
			return true;
		/* fall through */
	case '@':
		for (const char *t = s; t <= se; t++)
			if (group_alt_matches(m, open, close, s, t) && xmatch(m, rest, pe, t, se))
				return true;
		return false;
	case '*':
		if (xmatch(m, rest, pe, s, se))
			return true;
		/* one more, then the group again */
		/* fall through */
	case '+':
		for (const char *t = s + 1; t <= se; t++)
			if (group_alt_matches(m, open, close, s, t) &&
			    (xmatch(m, rest, pe, t, se) || xmatch(m, p, pe, t, se)))
				return true;
		/* +(x) may also match the empty string when x does */
		return *p == '+' && group_alt_matches(m, open, close, s, s) && xmatch(m, rest, pe, s, se);
	default: /* '!' */
		for (const char *t = s; t <= se; t++)
			if (!group_alt_matches(m, open, close, s, t) && xmatch(m, rest, pe, t, se))
				return true;
		return false;
	}
}

static bool chars_equal(char a, char b, unsigned flags)
{
	if (flags & PM_NOCASE)
		return tolower((unsigned char)a) == tolower((unsigned char)b);
	return a == b;
}

/* Match s..se against the whole pattern p..pe, recursively. */
static bool xmatch(struct xmatch *m, const char *p, const char *pe, const char *s, const char *se)
{
	if (--m->budget < 0 || m->depth > 2000)
		return false;
	while (p < pe) {
		if (ext_start(p, pe, m->flags)) {
			const char *close = group_close(p + 1, pe);
			if (close) {
				m->depth++;
				bool r = match_group(m, p, close, pe, s, se);
				m->depth--;
				return r;
			}
		}
		if (*p == '*') {
			/* this star at least (a "*(" without its ")" is one) */
			p++;
			while (p < pe && *p == '*' && !ext_start(p, pe, m->flags))
				p++;
			if (p == pe)
				return true;
			bool found = false;
			m->depth++;
			for (const char *t = s; t <= se && !found; t++)
				found = xmatch(m, p, pe, t, se);
			m->depth--;
			return found;
		}
		if (s == se)
			return false;
		if (*p == '?') {
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			bool ok;
			const char *after = match_bracket(p + 1, (unsigned char)*s, &ok);
			if (after && after <= pe) {
				if (!ok && (m->flags & PM_NOCASE)) {
					unsigned char o = (unsigned char)(isupper((unsigned char)*s) ?
									  tolower((unsigned char)*s) :
									  toupper((unsigned char)*s));
					match_bracket(p + 1, o, &ok);
				}
				if (!ok)
					return false;
				p = after;
				s++;
				continue;
			}
		}
		if (*p == '\\' && p + 1 < pe)
			p++;
		if (!chars_equal(*p, *s, m->flags))
			return false;
		p++;
		s++;
	}
	return s == se;
}

bool pattern_match_flags(const char *pat, const char *str, size_t len, unsigned flags)
{
	if (!(flags & (PM_EXT | PM_NOCASE)))
		return match_here(pat, str, str + len);
	struct xmatch m = { .flags = flags, .budget = 4000000 };
	return xmatch(&m, pat, pat + strlen(pat), str, str + len);
}

bool pattern_has_magic_flags(const char *pat, unsigned flags)
{
	if (pattern_has_magic(pat))
		return true;
	if (!(flags & PM_EXT))
		return false;
	for (const char *s = pat; *s; s++) {
		if (*s == '\\') {
			if (!*++s)
				break;
			continue;
		}
		if (strchr("+@!", *s) && s[1] == '(')
			return true;
	}
	return false;
}

/* Remove the backslash quoting of a pattern (for a field that matched nothing). */
static char *pattern_unquote(const char *pat)
{
	size_t n = strlen(pat);
	char *out = malloc(n + 1);
	if (!out)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (pat[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = pat[i];
	}
	out[o] = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expand the directory-by-directory pattern: prefix is the path built so
 * far (unquoted), rest the remaining pattern components. */
static void glob_rec(const char *prefix, const char *rest, struct strlist *out, int depth, unsigned flags);

/* globstar: every directory below prefix (not through symlinks, hidden
 * ones only with dotglob), each as "prefix/dir/" in turn. */
static void globstar_dirs(const char *prefix, const char *rest, bool last, struct strlist *out, int depth,
			  unsigned flags)
{
	if (depth > 64)
		return;
	DIR *d = opendir(*prefix ? prefix : ".");
	if (!d)
		return;
	struct strlist names = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 || (nm[0] == '.' && !(flags & PG_DOTGLOB)))
			continue;
		strlist_push(&names, strdup(nm));
	}
	closedir(d);
	for (size_t i = 0; i < names.n; i++) {
		size_t l = strlen(prefix) + strlen(names.v[i]) + 2;
		char *path = malloc(l);
		if (!path)
			abort();
		snprintf(path, l, "%s%s", prefix, names.v[i]);
		struct stat st;
		bool dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
		if (last) {
			strlist_push(out, strdup(path));	/* ** alone: files and directories */
		}
		if (dir) {
			snprintf(path, l, "%s%s/", prefix, names.v[i]);
			if (!last)
				glob_rec(path, rest, out, depth + 1, flags);
			globstar_dirs(path, rest, last, out, depth + 1, flags);
		}
		free(path);
	}
	strlist_free(&names);
}

static void glob_rec(const char *prefix, const char *rest, struct strlist *out, int depth, unsigned flags)
{
	if (depth > 64)
		return;
	while (*rest == '/') {
		rest++;
	}
	const char *slash = strchr(rest, '/');
	size_t clen = slash ? (size_t)(slash - rest) : strlen(rest);
	char *comp = strndup(rest, clen);
	if (!comp)
		abort();
	size_t plen = strlen(prefix);
	if ((flags & PG_GLOBSTAR) && strcmp(comp, "**") == 0) {
		/* zero directories, then each directory below */
		if (slash)
			glob_rec(prefix, slash + 1, out, depth + 1, flags);
		else if (*prefix)
			strlist_push(out, strdup(prefix));	/* DIR followed by ** holds DIR itself */
		globstar_dirs(prefix, slash ? slash + 1 : "", !slash, out, depth, flags);
		free(comp);
		return;
	}
	if (!pattern_has_magic_flags(comp, flags)) {
		char *lit = pattern_unquote(comp);
		size_t l = plen + strlen(lit) + 2;
		char *path = malloc(l);
		if (!path)
			abort();
		snprintf(path, l, "%s%s", prefix, lit);
		free(lit);
		struct stat st;
		if (slash) {
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				char *np = malloc(l + 1);
				if (!np)
					abort();
				snprintf(np, l + 1, "%s/", path);
				glob_rec(np, slash + 1, out, depth + 1, flags);
				free(np);
			}
		} else if (lstat(path, &st) == 0) {
			strlist_push(out, path);
			path = NULL;
		}
		free(path);
		free(comp);
		return;
	}
	DIR *d = opendir(plen ? prefix : ".");
	if (!d) {
		free(comp);
		return;
	}
	struct strlist names = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		bool dot_ok = (flags & PG_DOTGLOB) && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0;
		if (nm[0] == '.' && comp[0] != '.' && !(comp[0] == '\\' && comp[1] == '.') && !dot_ok)
			continue;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) {
			if (comp[0] != '.')
				continue;
		}
		if (pattern_match_flags(comp, nm, strlen(nm), flags & PM_EXT)) {
			char *s = strdup(nm);
			if (!s)
				abort();
			strlist_push(&names, s);
		}
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		size_t l = plen + strlen(names.v[i]) + 2;
		char *path = malloc(l);
		if (!path)
			abort();
		snprintf(path, l, "%s%s", prefix, names.v[i]);
		if (slash) {
			struct stat st;
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				char *np = malloc(l + 1);
				if (!np)
					abort();
				snprintf(np, l + 1, "%s/", path);
				glob_rec(np, slash + 1, out, depth + 1, flags);
				free(np);
			}
			free(path);
		} else {
			strlist_push(out, path);
		}
	}
	strlist_free(&names);
	free(comp);
}

size_t pattern_glob(const char *pat, struct strlist *out, unsigned flags)
{
	size_t before = out->n;
	if (pat[0] == '/')
		glob_rec("/", pat + 1, out, 0, flags);
	else
		glob_rec("", pat, out, 0, flags);
	size_t added = out->n - before;
	if (added > 1)
		qsort(out->v + before, added, sizeof *out->v, cmp_str);
	return added;
}
