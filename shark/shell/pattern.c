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
static void glob_rec(const char *prefix, const char *rest, struct strlist *out, int depth)
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
	if (!pattern_has_magic(comp)) {
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
				glob_rec(np, slash + 1, out, depth + 1);
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
		if (nm[0] == '.' && comp[0] != '.' && !(comp[0] == '\\' && comp[1] == '.'))
			continue;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) {
			if (comp[0] != '.')
				continue;
		}
		if (pattern_match(comp, nm, strlen(nm))) {
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
				glob_rec(np, slash + 1, out, depth + 1);
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

size_t pattern_glob(const char *pat, struct strlist *out)
{
	size_t before = out->n;
	if (pat[0] == '/')
		glob_rec("/", pat + 1, out, 0);
	else
		glob_rec("", pat, out, 0);
	size_t added = out->n - before;
	if (added > 1)
		qsort(out->v + before, added, sizeof *out->v, cmp_str);
	return added;
}
