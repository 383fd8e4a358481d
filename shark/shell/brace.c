/* brace.c - bash mode's brace expansion ({a,b,c} and {1..10} / {a..e} /
 * {1..10..2}), done on a word's parts before any other expansion: only
 * unquoted literal braces and commas count, and parameter expansions and
 * command substitutions inside are kept as they are, to be expanded
 * afterwards in each resulting word. */
#include "shark/shell/brace.h"
#include "shark/shell/expand.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BRACE_MAX_WORDS = 100000 };

/* One unit of a word: an unquoted literal character, or a whole part. */
struct unit {
	char c;				/* when part is NULL */
	const struct wpart *part;
};

struct units {
	struct unit *v;
	size_t n, cap;
};

static void units_push(struct units *u, struct unit x)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 16;
		struct unit *nv = reallocarray(u->v, u->cap, sizeof *nv);
		if (!nv)
			abort();
		u->v = nv;
	}
	u->v[u->n++] = x;
}

static void units_add(struct units *u, const struct unit *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		units_push(u, v[i]);
}

static void units_add_str(struct units *u, const char *s)
{
	for (; *s; s++)
		units_push(u, (struct unit){ .c = *s });
}

static bool is_ch(const struct unit *x, char c)
{
	return !x->part && x->c == c;
}

/* The words made from units: literal runs become new unquoted WP_LIT
 * parts, other parts are shallow copies (their contents stay owned by the
 * tree; brace_words_free frees only what is made here). */
static struct word *units_word(const struct units *u)
{
	struct word *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	struct wpart **tail = &w->parts;
	for (size_t i = 0; i < u->n;) {
		struct wpart *p = calloc(1, sizeof *p);
		if (!p)
			abort();
		if (u->v[i].part) {
			*p = *u->v[i].part;	/* a shallow copy: contents stay the tree's */
			p->next = NULL;
			i++;
		} else {
			size_t j = i;
			while (j < u->n && !u->v[j].part)
				j++;
			p->kind = WP_LIT;
			p->text = malloc(j - i + 1);
			if (!p->text)
				abort();
			for (size_t k = i; k < j; k++)
				p->text[k - i] = u->v[k].c;
			p->text[j - i] = '\0';
			p->len = j - i;
			p->name = (char *)1;	/* marks a literal made here */
			i = j;
		}
		*tail = p;
		tail = &p->next;
	}
	if (!w->parts) {
		/* an empty alternative ({a,}) yields an empty word, removed later */
		struct wpart *p = calloc(1, sizeof *p);
		if (!p)
			abort();
		p->kind = WP_LIT;
		p->text = strdup("");
		p->name = (char *)1;
		w->parts = p;
	}
	return w;
}

struct out {
	struct word *head, **tail;
	size_t count;
};

static void expand_units(const struct unit *v, size_t n, struct out *o, int depth);

/* {A..B} or {A..B..STEP} with integers or single letters: the strings, or
 * false when the text is not a sequence. */
static bool sequence(const struct unit *v, size_t n, struct units *pre, const struct unit *suf,
		     size_t sn, struct out *o, int depth)
{
	char text[128];
	if (n == 0 || n >= sizeof text)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i].part)
			return false;
		text[i] = v[i].c;
	}
	text[n] = '\0';
	char a[64], b[64];
	long long step = 0;
	char *dots = strstr(text, "..");
	if (!dots)
		return false;
	size_t al = (size_t)(dots - text);
	char *rest = dots + 2;
	char *dots2 = strstr(rest, "..");
	size_t bl = dots2 ? (size_t)(dots2 - rest) : strlen(rest);
	if (al == 0 || al >= sizeof a || bl == 0 || bl >= sizeof b)
		return false;
	memcpy(a, text, al);
	a[al] = '\0';
	memcpy(b, rest, bl);
	b[bl] = '\0';
	if (dots2) {
		char *end;
		step = strtoll(dots2 + 2, &end, 10);
		if (*end || !dots2[2])
			return false;
	}
	char *ea, *eb;
	long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);
	bool numeric = !*ea && !*eb;
	bool letters = al == 1 && bl == 1 && ((a[0] >= 'a' && a[0] <= 'z') || (a[0] >= 'A' && a[0] <= 'Z')) &&
		       ((b[0] >= 'a' && b[0] <= 'z') || (b[0] >= 'A' && b[0] <= 'Z'));
	if (!numeric && !letters)
		return false;
	if (letters) {
		x = a[0];
		y = b[0];
	}
	if (step < 0)
		step = -step;
	if (step == 0)
		step = 1;
	int width = 0;
	if (numeric && ((a[0] == '0' && al > 1) || (a[0] == '-' && a[1] == '0' && al > 2) ||
			(b[0] == '0' && bl > 1) || (b[0] == '-' && b[1] == '0' && bl > 2)))
		width = (int)(al > bl ? al : bl);
	for (long long i = x; x <= y ? i <= y : i >= y; i += x <= y ? step : -step) {
		if (o->count >= BRACE_MAX_WORDS)
			break;
		char item[64];
		if (letters)
			snprintf(item, sizeof item, "%c", (char)i);
		else
			snprintf(item, sizeof item, "%0*lld", width, i);
		struct units w = { 0 };
		units_add(&w, pre->v, pre->n);
		units_add_str(&w, item);
		units_add(&w, suf, sn);
		expand_units(w.v, w.n, o, depth + 1);
		free(w.v);
	}
	return true;
}

static void expand_units(const struct unit *v, size_t n, struct out *o, int depth)
{
	for (size_t i = 0; i < n && depth < 64; i++) {
		if (!is_ch(&v[i], '{'))
			continue;
		/* the matching }, with the commas at this level */
		int level = 0;
		size_t end = 0, ncomma = 0;
		bool found = false;
		for (size_t j = i + 1; j < n; j++) {
			if (is_ch(&v[j], '{')) {
				level++;
			} else if (is_ch(&v[j], '}')) {
				if (level == 0) {
					end = j;
					found = true;
					break;
				}
				level--;
			} else if (is_ch(&v[j], ',') && level == 0) {
				ncomma++;
			}
		}
		if (!found)
			break;
		struct units pre = { 0 };
		units_add(&pre, v, i);
		if (ncomma == 0) {
			bool ok = sequence(v + i + 1, end - i - 1, &pre, v + end + 1, n - end - 1, o, depth);
			free(pre.v);
			if (ok)
				return;
			continue;
		}
		size_t start = i + 1;
		level = 0;
		for (size_t j = i + 1; j <= end; j++) {
			if (is_ch(&v[j], '{'))
				level++;
			else if (is_ch(&v[j], '}') && j != end)
				level--;
			if ((j == end || (is_ch(&v[j], ',') && level == 0)) && o->count < BRACE_MAX_WORDS) {
				struct units w = { 0 };
				units_add(&w, pre.v, pre.n);
				units_add(&w, v + start, j - start);
				units_add(&w, v + end + 1, n - end - 1);
				expand_units(w.v, w.n, o, depth + 1);
				free(w.v);
				start = j + 1;
			}
		}
		free(pre.v);
		return;
	}
	if (o->count >= BRACE_MAX_WORDS)
		return;
	struct units u = { .v = (struct unit *)v, .n = n };
	struct word *w = units_word(&u);
	*o->tail = w;
	o->tail = &w->next;
	o->count++;
}

bool brace_candidate(const struct word *w)
{
	for (const struct wpart *p = w->parts; p; p = p->next)
		if (p->kind == WP_LIT && !p->quoted && memchr(p->text, '{', p->len))
			return true;
	return false;
}

struct word *brace_expand(const struct word *w)
{
	struct units u = { 0 };
	for (const struct wpart *p = w->parts; p; p = p->next) {
		if (p->kind == WP_LIT && !p->quoted) {
			for (size_t i = 0; i < p->len; i++)
				units_push(&u, (struct unit){ .c = p->text[i] });
		} else {
			units_push(&u, (struct unit){ .part = p });
		}
	}
	struct out o = { .tail = &o.head };
	expand_units(u.v, u.n, &o, 0);
	free(u.v);
	return o.head;
}

void brace_words_free(struct word *w)
{
	while (w) {
		struct word *next = w->next;
		struct wpart *p = w->parts;
		while (p) {
			struct wpart *pn = p->next;
			if (p->name == (char *)1)
				free(p->text);
			free(p);
			p = pn;
		}
		free(w);
		w = next;
	}
}
