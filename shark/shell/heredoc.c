/* heredoc.c - here-documents: remembering each `<<` operator until the end
 * of its line, then reading the bodies line by line up to the delimiter
 * (stripping leading tabs for `<<-`), and turning an unquoted body into a
 * word (parameter, command and arithmetic expansion apply) while a quoted
 * delimiter keeps the body literal. */
#include "shark/shell/parse_int.h"
#include "shark/util/util.h"

#include <stdlib.h>
#include <string.h>

enum { LEX_EOF = -1 };

/* Register a here-document whose body follows the next newline. */
void lex_add_heredoc(struct parser *p, struct redir *r, struct word *delim_word, bool strip)
{
	struct heredoc_pending *h = calloc(1, sizeof *h);
	if (!h)
		abort();
	size_t len = 0;
	bool quoted = false;
	for (struct wpart *pt = delim_word->parts; pt; pt = pt->next)
		len += pt->kind == WP_LIT ? pt->len : 1;
	char *d = malloc(len + 8);
	if (!d)
		abort();
	size_t o = 0;
	for (struct wpart *pt = delim_word->parts; pt; pt = pt->next) {
		if (pt->kind == WP_LIT) {
			memcpy(d + o, pt->text, pt->len);
			o += pt->len;
			if (pt->quoted)
				quoted = true;
		} else if (pt->kind == WP_PARAM) {
			/* rare: <<$x — treat as the literal text $x */
			d[o++] = '$';
		}
	}
	d[o] = '\0';
	h->delim = d;
	h->strip_tabs = strip;
	h->r = r;
	r->here_quoted = quoted;
	struct heredoc_pending **tail = &p->heredocs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = h;
}

int lex_read_heredocs(struct parser *p)
{
	/* detach the list: a body's own $(...) may queue here-documents */
	struct heredoc_pending *list = p->heredocs;
	p->heredocs = NULL;
	while (list) {
		struct heredoc_pending *h = list;
		list = h->next;
		struct util_buf bodyb = { 0 };
		size_t dlen = strlen(h->delim);
		for (;;) {
			/* read one raw line */
			struct util_buf lineb = { 0 };
			int c;
			while ((c = lex_rawpeek(p)) != LEX_EOF) {
				lex_rawadv(p);
				if (util_buf_putc(&lineb, (char)c) < 0)
					abort();
				if (c == '\n')
					break;
			}
			if (lineb.len == 0)
				break;
			const char *line = lineb.s;
			size_t ll = lineb.len, off = 0;
			if (h->strip_tabs)
				while (off < ll && line[off] == '\t')
					off++;
			size_t content = ll - off;
			if (content > 0 && line[ll - 1] == '\n')
				content--;
			bool end = content == dlen && memcmp(line + off, h->delim, dlen) == 0;
			if (!end && util_buf_add(&bodyb, line + off, ll - off) < 0)
				abort();
			util_buf_release(&lineb);
			if (end)
				break;
		}
		size_t blen = bodyb.len;
		char *body = util_buf_detach(&bodyb);
		if (!body)
			abort();
		struct word *w;
		if (h->r->here_quoted) {
			w = calloc(1, sizeof *w);
			struct wpart *pt = lex_part_new(WP_LIT, true);
			if (!w)
				abort();
			pt->text = body;
			pt->len = blen;
			w->parts = pt;
			body = NULL;
		} else {
			w = lex_parse_heredoc_text(p, body, blen);
		}
		free(body);
		h->r->target = w;
		free(h->delim);
		free(h);
		if (!w) {
			while (list) {
				h = list;
				list = h->next;
				free(h->delim);
				free(h);
			}
			return -1;
		}
	}
	return 0;
}

