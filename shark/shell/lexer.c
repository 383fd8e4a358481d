/* lexer.c - characters to tokens, and words to word parts.
 *
 * The lexer reads the top source of the shell (refilling it from a file
 * descriptor or from readline on demand), removes line continuations,
 * recognises operators, io-numbers and comments, and turns each word into a
 * list of parts (ast.h): literal runs marked quoted or not, parameter
 * expansions, command substitutions (parsed recursively by parser.c) and
 * arithmetic. Here-document bodies are read when the newline that follows
 * their operator is consumed.
 */
#include "shark/shell/parse_int.h"
#include "shark/shell/input.h"
#include "shark/util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LEX_EOF = -1 };

/* --- characters ----------------------------------------------------------- */

static int src_fill(struct parser *p)
{
	if (p->src->eof || p->error)
		return -1;
	bool interrupted = false;
	int r = source_fill(p->sh, p->src, p->continuation, &interrupted);
	if (p->src->interactive)
		p->continuation = true; /* the next line of this command prints PS2 */
	if (interrupted)
		p->error = true;
	return r;
}

int lex_rawpeek(struct parser *p)
{
	struct source *s = p->src;
	while (s->pos >= s->len)
		if (src_fill(p) < 0)
			return LEX_EOF;
	return (unsigned char)s->buf[s->pos];
}

static inline int rawpeek2(struct parser *p)
{
	struct source *s = p->src;
	while (s->pos + 1 >= s->len)
		if (src_fill(p) < 0)
			return LEX_EOF;
	return (unsigned char)s->buf[s->pos + 1];
}

void lex_rawadv(struct parser *p)
{
	struct source *s = p->src;
	if (s->pos < s->len) {
		if (s->buf[s->pos] == '\n')
			s->lineno++;
		s->pos++;
	}
}

/* Peek with line continuations (backslash-newline) removed. */
static int peekc(struct parser *p)
{
	for (;;) {
		int c = lex_rawpeek(p);
		if (c == '\\' && rawpeek2(p) == '\n') {
			lex_rawadv(p);
			lex_rawadv(p);
			continue;
		}
		return c;
	}
}

static int nextc(struct parser *p)
{
	int c = peekc(p);
	if (c != LEX_EOF)
		lex_rawadv(p);
	return c;
}

/* --- errors ---------------------------------------------------------------- */

void lex_error(struct parser *p, const char *msg)
{
	if (p->error)
		return;
	p->error = true;
	fprintf(stderr, "shark: %s:%d: syntax error: %s\n", p->src->name ? p->src->name : "shark",
		p->src->lineno, msg);
}

void lex_unsupported(struct parser *p, const char *feature)
{
	if (p->error)
		return;
	p->error = true;
	fprintf(stderr, "shark: %s:%d: not supported by shark: %s\n",
		p->src->name ? p->src->name : "shark", p->src->lineno, feature);
}

static const char *lex_token_text(struct parser *p, char *buf, size_t n)
{
	static const char *const names[] = {
		[T_EOF] = "end of file", [T_NEWLINE] = "newline", [T_SEMI] = ";",
		[T_DSEMI] = ";;", [T_AMP] = "&", [T_AND] = "&&", [T_PIPE] = "|",
		[T_OR] = "||", [T_LPAREN] = "(", [T_RPAREN] = ")", [T_ARITH_CMD] = "((",
	};
	static const char *const rnames[] = {
		[R_IN] = "<", [R_OUT] = ">", [R_CLOBBER] = ">|", [R_APPEND] = ">>",
		[R_RDWR] = "<>", [R_DUPIN] = "<&", [R_DUPOUT] = ">&", [R_HEREDOC] = "<<",
	};
	if (p->tok == T_WORD) {
		snprintf(buf, n, "\"%s\"", p->raw ? p->raw : "word");
		return buf;
	}
	if (p->tok == T_REDIR) {
		snprintf(buf, n, "\"%s\"", rnames[p->redir_kind]);
		return buf;
	}
	snprintf(buf, n, p->tok == T_EOF || p->tok == T_NEWLINE ? "%s" : "\"%s\"", names[p->tok]);
	return buf;
}

void lex_error_unexpected(struct parser *p)
{
	char tb[128], msg[160];
	lex_peek(p);
	if (p->error)
		return;
	snprintf(msg, sizeof msg, "unexpected %s", lex_token_text(p, tb, sizeof tb));
	lex_error(p, msg);
}

void lex_clear(struct parser *p)
{
	if (p->have_tok && (p->tok == T_WORD || p->tok == T_ARITH_CMD)) {
		word_free(p->word);
		free(p->raw);
	}
	p->word = NULL;
	p->raw = NULL;
	p->have_tok = false;
	while (p->heredocs) {
		struct heredoc_pending *h = p->heredocs;
		p->heredocs = h->next;
		free(h->delim);
		free(h);
	}
}

void lex_discard_line(struct parser *p)
{
	lex_clear(p);
	struct source *s = p->src;
	if (s->interactive) {
		s->pos = s->len;
		return;
	}
	while (s->pos < s->len) {
		char c = s->buf[s->pos];
		lex_rawadv(p);
		if (c == '\n')
			break;
	}
}

/* --- word building --------------------------------------------------------- */

struct wbuild {
	struct wpart *head, **tail;
	char *lit;
	size_t len, cap;
	bool litq;
	bool plain;		/* only unquoted literal characters so far */
};

static void wb_init(struct wbuild *b)
{
	memset(b, 0, sizeof *b);
	b->tail = &b->head;
	b->plain = true;
}

struct wpart *lex_part_new(enum wpart_kind k, bool quoted)
{
	struct wpart *pt = calloc(1, sizeof *pt);
	if (!pt)
		abort();
	pt->kind = k;
	pt->quoted = quoted;
	return pt;
}

static void wb_flush(struct wbuild *b)
{
	if (!b->lit)
		return;
	struct wpart *pt = lex_part_new(WP_LIT, b->litq);
	pt->text = b->lit;
	pt->len = b->len;
	pt->text[pt->len] = '\0';
	*b->tail = pt;
	b->tail = &pt->next;
	b->lit = NULL;
	b->len = b->cap = 0;
}

static void wb_char(struct wbuild *b, char c, bool quoted)
{
	if (b->lit && b->litq != quoted)
		wb_flush(b);
	if (!b->lit) {
		b->cap = 16;
		b->lit = malloc(b->cap);
		if (!b->lit)
			abort();
		b->litq = quoted;
	}
	if (b->len + 2 > b->cap) {
		b->cap *= 2;
		b->lit = realloc(b->lit, b->cap);
		if (!b->lit)
			abort();
	}
	b->lit[b->len++] = c;
	if (quoted)
		b->plain = false;
}

/* A quoted empty string ("" or '') must still make a word exist. */
static void wb_quoted_empty(struct wbuild *b)
{
	if (b->lit && b->litq)
		return;
	wb_flush(b);
	b->cap = 16;
	b->lit = malloc(b->cap);
	if (!b->lit)
		abort();
	b->litq = true;
	b->plain = false;
}

static void wb_part(struct wbuild *b, struct wpart *pt)
{
	wb_flush(b);
	*b->tail = pt;
	b->tail = &pt->next;
	b->plain = false;
}

static void wb_discard(struct wbuild *b)
{
	free(b->lit);
	struct word w = { .parts = b->head };
	struct word *wp = malloc(sizeof *wp);
	if (!wp)
		abort();
	*wp = w;
	word_free(wp);
	wb_init(b);
}

static struct word *wb_word(struct wbuild *b)
{
	wb_flush(b);
	struct word *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	w->parts = b->head;
	return w;
}

/* --- word contents ---------------------------------------------------------- */

enum ctx {
	CTX_NORMAL,	/* a word: ends at a metacharacter or blank */
	CTX_DQUOTE,	/* inside "...": ends at " */
	CTX_PARAM,	/* the word in ${x-word}: ends at } */
	CTX_ARITH,	/* inside $(( )): ends at the matching )) */
	CTX_HEREDOC,	/* a here-document body or prompt: ends at end of text */
	CTX_PARAM_SLASH,	/* bash ${x/p/r}'s p: ends before / or } */
	CTX_PARAM_COLON,	/* bash ${x:o:l}'s o: ends before : or } */
	CTX_PARAM_OPEN,	/* bash ${x/p/r}'s r and ${x:o:l}'s l: ends before } */
	CTX_REGEX,	/* bash [[ x =~ re ]]'s re: ends at a blank outside ( ) */
	CTX_SUBSCRIPT,	/* bash ${a[i]}'s i: ends before the matching ] */
};

static bool is_meta(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
	       c == '<' || c == '>' || c == '(' || c == ')';
}

static bool is_name_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int read_parts(struct parser *p, struct wbuild *b, enum ctx ctx, bool in_dq);

static int read_single_quote(struct parser *p, struct wbuild *b)
{
	lex_rawadv(p);	/* the ' */
	wb_quoted_empty(b);
	for (;;) {
		int c = lex_rawpeek(p);
		if (c == LEX_EOF) {
			lex_error(p, "unterminated quoted string");
			return -1;
		}
		lex_rawadv(p);
		if (c == '\'')
			return 0;
		wb_char(b, (char)c, true);
	}
}

static int read_backquote(struct parser *p, struct wbuild *b, bool in_dq)
{
	lex_rawadv(p);	/* the ` */
	struct util_buf text = { 0 };
	int ret = 0;
	for (;;) {
		int c = lex_rawpeek(p);
		if (c == LEX_EOF) {
			lex_error(p, "unterminated backquote");
			ret = -1;
			break;
		}
		lex_rawadv(p);
		if (c == '`')
			break;
		if (c == '\\') {
			int d = lex_rawpeek(p);
			if (d == '\n') {
				lex_rawadv(p);
				continue;
			}
			if (d == '$' || d == '`' || d == '\\' || (in_dq && d == '"')) {
				lex_rawadv(p);
				c = d;
			}
		}
		if (util_buf_putc(&text, (char)c) < 0)
			abort();
	}
	if (ret == 0) {
		bool ok;
		struct node *n = parse_text_node(p, text.s ? text.s : "", text.len, &ok);
		if (!ok) {
			ret = -1;
		} else {
			struct wpart *pt = lex_part_new(WP_CMDSUB, in_dq);
			pt->cmd = n;
			wb_part(b, pt);
		}
	}
	util_buf_release(&text);
	return ret;
}

/* Read a word of a bash parameter operator in context ctx into
 * *ret_word (stops before the character that ends it). */
static int read_param_word(struct parser *p, enum ctx ctx, struct word **ret_word)
{
	struct wbuild ab;
	wb_init(&ab);
	if (read_parts(p, &ab, ctx, false) < 0) {
		wb_discard(&ab);
		return -1;
	}
	*ret_word = wb_word(&ab);
	return 0;
}

static void param_free(struct wpart *pt)
{
	pt->next = NULL;
	struct word w = { .parts = pt };
	struct word *wp = malloc(sizeof *wp);
	if (!wp)
		abort();
	*wp = w;
	word_free(wp);
}

/* bash's ${x/p/r} ${x//p/r} ${x/#p/r} ${x/%p/r} ${x:o} ${x:o:l} ${x^} ${x^^}
 * ${x,} ${x,,}, after the name (pt->name set); the operator is next. */
static int read_bash_param_op(struct parser *p, struct wbuild *b, struct wpart *pt, bool in_dq)
{
	int c = peekc(p);
	lex_rawadv(p);
	if (c == '^' || c == ',') {
		bool all = peekc(p) == c;
		if (all)
			lex_rawadv(p);
		pt->op = c == '^' ? (all ? PO_UPPER_ALL : PO_UPPER_FIRST) : (all ? PO_LOWER_ALL : PO_LOWER_FIRST);
		if (peekc(p) != '}') {
			param_free(pt);
			lex_unsupported(p, "case modification with a pattern (${name^^pattern})");
			return -1;
		}
		lex_rawadv(p);
		wb_part(b, pt);
		return 0;
	}
	enum ctx first = CTX_PARAM_SLASH;
	if (c == '/') {
		pt->op = PO_SUBST;
		int d = peekc(p);
		if (d == '/' || d == '#' || d == '%') {
			lex_rawadv(p);
			pt->op = d == '/' ? PO_SUBST_ALL : d == '#' ? PO_SUBST_PREFIX : PO_SUBST_SUFFIX;
		}
	} else {
		pt->op = PO_SUBSTR;
		first = CTX_PARAM_COLON;
	}
	if (read_param_word(p, first, &pt->arg) < 0)
		goto fail;
	c = peekc(p);
	lex_rawadv(p);
	if (c == '}') {
		wb_part(b, pt);
		return 0;
	}
	if (read_param_word(p, CTX_PARAM_OPEN, &pt->arg2) < 0)
		goto fail;
	lex_rawadv(p);	/* } */
	(void)in_dq;
	wb_part(b, pt);
	return 0;
fail:
	param_free(pt);
	return -1;
}

static int read_brace_param(struct parser *p, struct wbuild *b, bool in_dq)
{
	lex_rawadv(p);	/* { */
	struct wpart *pt = lex_part_new(WP_PARAM, in_dq);
	char name[256];
	size_t nl = 0;
	int c = peekc(p);
	if (c == '#') {
		/* ${#} is $#, ${#x} is a length */
		lex_rawadv(p);
		int d = peekc(p);
		if (d == '}') {
			name[nl++] = '#';
		} else {
			pt->op = PO_LENGTH;
			c = d;
		}
	}
	bool bang = false;
	if (nl == 0 && pt->op != PO_LENGTH && peekc(p) == '!' && p->sh->bash) {
		lex_rawadv(p);
		if (peekc(p) == '}')
			name[nl++] = '!';
		else
			bang = true;	/* ${!a[@]}; ${!name} is not supported */
	}
	if (nl == 0) {
		c = peekc(p);
		if (is_name_start(c)) {
			while (is_name_char(c = peekc(p)) && nl < sizeof name - 1) {
				name[nl++] = (char)c;
				lex_rawadv(p);
			}
		} else if (c >= '0' && c <= '9') {
			while ((c = peekc(p)) >= '0' && c <= '9' && nl < sizeof name - 1) {
				name[nl++] = (char)c;
				lex_rawadv(p);
			}
		} else if (c != LEX_EOF && strchr("@*#?-$!", c)) {
			name[nl++] = (char)c;
			lex_rawadv(p);
		}
	} else {
		/* consumed '#' only by peeking; nothing */
	}
	name[nl] = '\0';
	pt->name = strdup(name);
	if (strcmp(name, "PIPESTATUS") == 0)
		p->sh->pipestatus_used = true;
	c = peekc(p);
	if (nl == 0) {
		free(pt->name);
		free(pt);
		lex_error(p, "bad substitution");
		return -1;
	}
	if (c == '}' && !bang) {
		lex_rawadv(p);
		wb_part(b, pt);
		return 0;
	}
	if (c == '[' && p->sh->bash && is_name_start((unsigned char)pt->name[0])) {
		lex_rawadv(p);
		int d = peekc(p);
		if ((d == '@' || d == '*') && rawpeek2(p) == ']') {
			pt->index_all = (char)d;
			lex_rawadv(p);
		} else {
			struct wbuild ib;
			wb_init(&ib);
			if (read_parts(p, &ib, CTX_SUBSCRIPT, false) < 0) {
				wb_discard(&ib);
				param_free(pt);
				return -1;
			}
			pt->index = wb_word(&ib);
		}
		if (peekc(p) != ']') {
			param_free(pt);
			lex_error(p, "missing ]");
			return -1;
		}
		lex_rawadv(p);
		c = peekc(p);
		if (c == '}' && !bang) {
			lex_rawadv(p);
			wb_part(b, pt);
			return 0;
		}
	}
	if (bang) {
		if (!pt->index_all || c != '}' || pt->op != PO_NONE) {
			param_free(pt);
			lex_unsupported(p, "indirect expansion ${!name}");
			return -1;
		}
		lex_rawadv(p);
		pt->op = PO_INDICES;
		wb_part(b, pt);
		return 0;
	}
	if (pt->op == PO_LENGTH)
		goto bad;
	if (p->sh->bash && (c == '/' || c == '^' || c == ',' ||
			    (c == ':' && !strchr("-=?+", rawpeek2(p) == LEX_EOF ? '-' : rawpeek2(p)))))
		return read_bash_param_op(p, b, pt, in_dq);
	if (c == ':') {
		lex_rawadv(p);
		pt->colon = true;
		c = peekc(p);
		if (c == LEX_EOF || !strchr("-=?+", c))
			goto bad;
	}
	bool pattern = false;
	switch (c) {
	case '-': pt->op = PO_DEFAULT; break;
	case '=': pt->op = PO_ASSIGN; break;
	case '?': pt->op = PO_ERROR; break;
	case '+': pt->op = PO_ALT; break;
	case '%':
		lex_rawadv(p);
		pattern = true;
		pt->op = PO_RSMALL;
		if (peekc(p) == '%')
			pt->op = PO_RLARGE;
		else
			goto arg;
		break;
	case '#':
		lex_rawadv(p);
		pattern = true;
		pt->op = PO_LSMALL;
		if (peekc(p) == '#')
			pt->op = PO_LLARGE;
		else
			goto arg;
		break;
	default:
		goto bad;
	}
	lex_rawadv(p);
arg:;
	struct wbuild ab;
	wb_init(&ab);
	if (read_parts(p, &ab, CTX_PARAM, pattern ? false : in_dq) < 0) {
		wb_discard(&ab);
		param_free(pt);
		return -1;
	}
	pt->arg = wb_word(&ab);
	wb_part(b, pt);
	return 0;
bad:
	param_free(pt);	/* with its subscript, if any */
	lex_error(p, "bad substitution");
	return -1;
}

/* Is the user's locale (LC_ALL, LC_CTYPE or LANG, the first set) UTF-8?
 * The shell itself runs in the C locale. */
static bool utf8_locale(void)
{
	const char *names[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

/* bash $'...': backslash escapes as in C, the result quoted. */
static int read_ansi_c_quote(struct parser *p, struct wbuild *b)
{
	lex_rawadv(p);	/* the ' */
	wb_quoted_empty(b);
	for (;;) {
		int c = lex_rawpeek(p);
		if (c == LEX_EOF) {
			lex_error(p, "unterminated quoted string");
			return -1;
		}
		lex_rawadv(p);
		if (c == '\'')
			return 0;
		if (c != '\\') {
			wb_char(b, (char)c, true);
			continue;
		}
		c = lex_rawpeek(p);
		if (c == LEX_EOF)
			continue;
		lex_rawadv(p);
		static const char from[] = "abefnrtv\\'\"?", to[] = "\a\b\033\f\n\r\t\v\\'\"?";
		const char *k = strchr(from, c);
		if (k && c) {
			wb_char(b, to[k - from], true);
		} else if (c >= '0' && c <= '7') {
			unsigned v = (unsigned)(c - '0');
			for (int i = 0; i < 2 && (c = lex_rawpeek(p)) >= '0' && c <= '7'; i++) {
				v = v * 8 + (unsigned)(c - '0');
				lex_rawadv(p);
			}
			wb_char(b, (char)v, true);
		} else if (c == 'x') {
			unsigned v = 0;
			int i = 0;
			for (; i < 2 && isxdigit(c = lex_rawpeek(p)); i++) {
				v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
				lex_rawadv(p);
			}
			if (i == 0) {
				wb_char(b, '\\', true);
				wb_char(b, 'x', true);
			} else {
				wb_char(b, (char)v, true);
			}
		} else if ((c == 'u' || c == 'U') && isxdigit(lex_rawpeek(p))) {
			/* \uXXXX, \UXXXXXXXX: the code point in UTF-8 */
			unsigned long v = 0;
			int d;
			for (int i = 0; i < (c == 'u' ? 4 : 8) && isxdigit(d = lex_rawpeek(p)); i++) {
				v = v * 16 + (unsigned long)(isdigit(d) ? d - '0' : (tolower(d) - 'a' + 10));
				lex_rawadv(p);
			}
			char u[12];
			int n = 0;
			if (v >= 0x80 && !utf8_locale()) {
				/* as bash where the character has no encoding */
				n = snprintf(u, sizeof u, c == 'u' ? "\\u%04lX" : "\\U%08lX", v);
			} else if (v < 0x80) {
				u[n++] = (char)v;
			} else if (v < 0x800) {
				u[n++] = (char)(0xc0 | (v >> 6));
				u[n++] = (char)(0x80 | (v & 0x3f));
			} else if (v < 0x10000) {
				u[n++] = (char)(0xe0 | (v >> 12));
				u[n++] = (char)(0x80 | ((v >> 6) & 0x3f));
				u[n++] = (char)(0x80 | (v & 0x3f));
			} else if (v < 0x110000) {
				u[n++] = (char)(0xf0 | (v >> 18));
				u[n++] = (char)(0x80 | ((v >> 12) & 0x3f));
				u[n++] = (char)(0x80 | ((v >> 6) & 0x3f));
				u[n++] = (char)(0x80 | (v & 0x3f));
			}
			for (int i = 0; i < n; i++)
				if (u[i])
					wb_char(b, u[i], true);
		} else if (c == 'c' && lex_rawpeek(p) != LEX_EOF) {
			int d = lex_rawpeek(p);
			lex_rawadv(p);
			wb_char(b, (char)(toupper(d) ^ 0x40), true);
		} else {
			wb_char(b, '\\', true);
			wb_char(b, (char)c, true);
		}
	}
}

/* The commands of $( ... ) or bash's <( ... ) / >( ... ), the opening
 * parenthesis already read, up to the closing one: a part of kind kind. */
static int read_paren_cmds(struct parser *p, struct wbuild *b, enum wpart_kind kind, bool in_dq)
{
	if (++p->depth > PARSE_MAX_DEPTH) {
		p->depth--;
		lex_error(p, "nested too deeply");
		return -1;
	}
	bool save_have = p->have_tok;
	p->have_tok = false;
	size_t pending_before = 0;
	for (struct heredoc_pending *h = p->heredocs; h; h = h->next)
		pending_before++;
	struct node *n = parse_cmdsub_list(p);
	/* a here-document opened inside $( ) must have its body inside */
	struct heredoc_pending **hp = &p->heredocs;
	for (size_t i = 0; *hp && i < pending_before; i++)
		hp = &(*hp)->next;
	if (*hp) {
		while (*hp) {
			struct heredoc_pending *h = *hp;
			*hp = h->next;
			free(h->delim);
			free(h);
		}
		lex_error(p, "here-document in $( ) without its body");
	}
	if (p->have_tok)
		lex_consume(p);	/* a token left over by an error */
	p->have_tok = save_have;
	p->depth--;
	if (p->error) {
		ast_free(n);
		return -1;
	}
	struct wpart *pt = lex_part_new(kind, in_dq);
	pt->cmd = n;
	wb_part(b, pt);
	return 0;
}

static int read_dollar(struct parser *p, struct wbuild *b, bool in_dq)
{
	lex_rawadv(p);	/* $ */
	int c = peekc(p);
	if (c == '\'' && !in_dq && p->sh->bash)
		return read_ansi_c_quote(p, b);
	if (c == '{')
		return read_brace_param(p, b, in_dq);
	if (c == '(') {
		lex_rawadv(p);
		if (peekc(p) == '(') {
			lex_rawadv(p);
			struct wbuild ab;
			wb_init(&ab);
			if (read_parts(p, &ab, CTX_ARITH, false) < 0) {
				wb_discard(&ab);
				return -1;
			}
			struct wpart *pt = lex_part_new(WP_ARITH, in_dq);
			pt->expr = wb_word(&ab);
			wb_part(b, pt);
			return 0;
		}
		return read_paren_cmds(p, b, WP_CMDSUB, in_dq);
	}
	if (is_name_start(c)) {
		char name[256];
		size_t nl = 0;
		while (is_name_char(c = peekc(p))) {
			if (nl < sizeof name - 1)
				name[nl++] = (char)c;
			lex_rawadv(p);
		}
		name[nl] = '\0';
		struct wpart *pt = lex_part_new(WP_PARAM, in_dq);
		pt->name = strdup(name);
		if (strcmp(name, "PIPESTATUS") == 0)
			p->sh->pipestatus_used = true;
		wb_part(b, pt);
		return 0;
	}
	if ((c >= '0' && c <= '9') || (c != LEX_EOF && strchr("@*#?-$!", c))) {
		lex_rawadv(p);
		struct wpart *pt = lex_part_new(WP_PARAM, in_dq);
		char name[2] = { (char)c, 0 };
		pt->name = strdup(name);
		wb_part(b, pt);
		return 0;
	}
	wb_char(b, '$', in_dq);
	return 0;
}

static int read_parts(struct parser *p, struct wbuild *b, enum ctx ctx, bool in_dq)
{
	int depth = 0;
	int ext_depth = 0;	/* inside a bash extglob group: ( | ) are the word's */
	if (++p->depth > PARSE_MAX_DEPTH) {
		p->depth--;
		lex_error(p, "nested too deeply");
		return -1;
	}
	int ret = 0;
	for (;;) {
		int c = peekc(p);
		if (c == LEX_EOF) {
			if (ctx == CTX_DQUOTE) {
				lex_error(p, "unterminated quoted string");
				ret = -1;
			} else if (ctx == CTX_PARAM || ctx == CTX_PARAM_SLASH || ctx == CTX_SUBSCRIPT ||
				   ctx == CTX_PARAM_COLON || ctx == CTX_PARAM_OPEN) {
				lex_error(p, "missing }");
				ret = -1;
			} else if (ctx == CTX_ARITH) {
				lex_error(p, "missing ))");
				ret = -1;
			}
			break;
		}
		if (ctx == CTX_NORMAL && ext_depth == 0 && strchr("?*+@!", c) && p->sh->bash &&
		    ((p->sh->shopt & SHOPT_EXTGLOB) || p->in_dbracket) && rawpeek2(p) == '(') {
			/* ?( *( +( @( !(: an extglob group, up to its ) */
			lex_rawadv(p);
			lex_rawadv(p);
			wb_char(b, (char)c, false);
			wb_char(b, '(', false);
			ext_depth = 1;
			continue;
		}
		if (ext_depth > 0 && (c == '(' || c == ')' || c == '|')) {
			ext_depth += c == '(' ? 1 : c == ')' ? -1 : 0;
			lex_rawadv(p);
			wb_char(b, (char)c, false);
			continue;
		}
		if (ctx == CTX_NORMAL && is_meta(c))
			break;
		if (ctx == CTX_SUBSCRIPT) {
			if (c == '[') {
				depth++;
			} else if (c == ']') {
				if (depth == 0)
					break;
				depth--;
			}
		}
		if ((ctx == CTX_PARAM_SLASH && (c == '/' || c == '}')) ||
		    (ctx == CTX_PARAM_COLON && (c == ':' || c == '}')) ||
		    (ctx == CTX_PARAM_OPEN && c == '}'))
			break;
		if (ctx == CTX_REGEX) {
			if (c == '(') {
				depth++;
			} else if (c == ')') {
				if (depth == 0)
					break;
				depth--;
			} else if ((c == ' ' || c == '\t' || c == '\n') && depth == 0) {
				break;
			} else if ((c == ';' || c == '&' || c == '<' || c == '>') && depth == 0) {
				break;
			}
		}
		if (ctx == CTX_DQUOTE && c == '"') {
			lex_rawadv(p);
			break;
		}
		if (ctx == CTX_PARAM && c == '}') {
			lex_rawadv(p);
			break;
		}
		if (ctx == CTX_ARITH) {
			if (c == '(') {
				depth++;
			} else if (c == ')') {
				if (depth == 0) {
					lex_rawadv(p);
					if (peekc(p) != ')') {
						lex_error(p, "missing ))");
						ret = -1;
						break;
					}
					lex_rawadv(p);
					break;
				}
				depth--;
			}
		}
		bool dq = in_dq || ctx == CTX_DQUOTE;
		if (c == '\\') {
			lex_rawadv(p);
			int d = lex_rawpeek(p);
			if (d == LEX_EOF) {
				wb_char(b, '\\', dq);
				continue;
			}
			if (ctx == CTX_HEREDOC) {
				if (d == '$' || d == '`' || d == '\\') {
					lex_rawadv(p);
					wb_char(b, (char)d, true);
				} else {
					wb_char(b, '\\', false);
				}
				continue;
			}
			if (dq || ctx == CTX_ARITH) {
				if (d == '$' || d == '`' || d == '\\' || d == '"' ||
				    (ctx != CTX_DQUOTE && ctx != CTX_ARITH && d == '}')) {
					lex_rawadv(p);
					wb_char(b, (char)d, true);
				} else {
					wb_char(b, '\\', true);
				}
				continue;
			}
			lex_rawadv(p);
			wb_char(b, (char)d, true);
			continue;
		}
		if (c == '\'' && !dq && ctx != CTX_HEREDOC) {
			if (read_single_quote(p, b) < 0) {
				ret = -1;
				break;
			}
			continue;
		}
		if (c == '"' && ctx != CTX_HEREDOC && ctx != CTX_DQUOTE) {
			lex_rawadv(p);
			wb_quoted_empty(b);
			if (read_parts(p, b, CTX_DQUOTE, true) < 0) {
				ret = -1;
				break;
			}
			continue;
		}
		if (c == '$') {
			if (read_dollar(p, b, dq) < 0) {
				ret = -1;
				break;
			}
			continue;
		}
		if (c == '`') {
			if (read_backquote(p, b, dq) < 0) {
				ret = -1;
				break;
			}
			continue;
		}
		lex_rawadv(p);
		wb_char(b, (char)c, dq);
	}
	p->depth--;
	return ret;
}

struct word *lex_read_regex_word(struct parser *p)
{
	int c;
	while ((c = peekc(p)) == ' ' || c == '\t')
		lex_rawadv(p);
	struct wbuild b;
	wb_init(&b);
	if (read_parts(p, &b, CTX_REGEX, false) < 0) {
		wb_discard(&b);
		return NULL;
	}
	if (!b.head && !b.lit) {
		lex_error_unexpected(p);
		return NULL;
	}
	return wb_word(&b);
}

/* --- here-documents ---------------------------------------------------------- */

struct word *lex_parse_heredoc_text(struct parser *p, const char *text, size_t len)
{
	struct source tmp = { .name = p->src->name, .buf = (char *)text, .len = len,
			      .fd = -1, .eof = true, .lineno = p->src->lineno };
	struct source *save = p->src;
	p->src = &tmp;
	struct wbuild b;
	wb_init(&b);
	int r = read_parts(p, &b, CTX_HEREDOC, false);
	p->src = save;
	if (r < 0) {
		wb_discard(&b);
		return NULL;
	}
	if (!b.head && !b.lit)
		wb_quoted_empty(&b);
	return wb_word(&b);
}

/* --- tokens ------------------------------------------------------------------- */

static void set_redir(struct parser *p, enum redir_kind k, int fd)
{
	p->tok = T_REDIR;
	p->redir_kind = k;
	p->redir_fd = fd;
	p->redir_strip = false;
	p->redir_both = false;
	p->redir_herestr = false;
}

/* Read an operator starting with < or >; fd is the io-number or -1. */
static void read_redir_op(struct parser *p, int fd)
{
	int c = nextc(p);
	int d = peekc(p);
	if (c == '<') {
		if (d == '<') {
			lex_rawadv(p);
			set_redir(p, R_HEREDOC, fd);
			if (p->sh->bash && peekc(p) == '<') {
				lex_rawadv(p);
				p->redir_herestr = true;
			} else if (peekc(p) == '-') {
				lex_rawadv(p);
				p->redir_strip = true;
			}
		} else if (d == '&') {
			lex_rawadv(p);
			set_redir(p, R_DUPIN, fd);
		} else if (d == '>') {
			lex_rawadv(p);
			set_redir(p, R_RDWR, fd);
		} else {
			set_redir(p, R_IN, fd);
		}
	} else {
		if (d == '>') {
			lex_rawadv(p);
			set_redir(p, R_APPEND, fd);
		} else if (d == '&') {
			lex_rawadv(p);
			set_redir(p, R_DUPOUT, fd);
		} else if (d == '|') {
			lex_rawadv(p);
			set_redir(p, R_CLOBBER, fd);
		} else {
			set_redir(p, R_OUT, fd);
		}
	}
}

static void read_token(struct parser *p)
{
	p->word = NULL;
	p->raw = NULL;
	p->word_has_eq = false;
	for (;;) {
		int c = peekc(p);
		if (c == ' ' || c == '\t') {
			lex_rawadv(p);
			continue;
		}
		if (c == '#') {
			while ((c = lex_rawpeek(p)) != LEX_EOF && c != '\n')
				lex_rawadv(p);
			continue;
		}
		break;
	}
	p->tok_line = p->src->lineno;
	p->tok_start = p->src->pos;
	int c = peekc(p);
	switch (c) {
	case LEX_EOF:
		p->tok = T_EOF;
		return;
	case '\n':
		lex_rawadv(p);
		if (p->heredocs && lex_read_heredocs(p) < 0) {
			p->tok = T_EOF;
			return;
		}
		p->word = NULL;
		p->raw = NULL;
		p->tok = T_NEWLINE;
		return;
	case ';':
		lex_rawadv(p);
		if (peekc(p) == ';') {
			lex_rawadv(p);
			p->tok = T_DSEMI;
		} else {
			p->tok = T_SEMI;
		}
		return;
	case '&':
		lex_rawadv(p);
		if (p->sh->bash && peekc(p) == '>') {
			/* &> FILE and &>> FILE: stdout and stderr */
			lex_rawadv(p);
			set_redir(p, R_OUT, 1);
			if (peekc(p) == '>') {
				lex_rawadv(p);
				p->redir_kind = R_APPEND;
			}
			p->redir_both = true;
			return;
		}
		if (peekc(p) == '&') {
			lex_rawadv(p);
			p->tok = T_AND;
		} else {
			p->tok = T_AMP;
		}
		return;
	case '|':
		lex_rawadv(p);
		if (peekc(p) == '|') {
			lex_rawadv(p);
			p->tok = T_OR;
		} else if (p->sh->bash && peekc(p) == '&') {
			/* |&: a pipe that also takes stderr (parse_pipeline) */
			lex_rawadv(p);
			p->tok = T_PIPE;
			p->pipe_err = true;
		} else {
			p->tok = T_PIPE;
			p->pipe_err = false;
		}
		return;
	case '(':
		lex_rawadv(p);
		if (p->sh->bash && peekc(p) == '(') {
			/* (( expr )): an arithmetic command */
			lex_rawadv(p);
			struct wbuild ab;
			wb_init(&ab);
			if (read_parts(p, &ab, CTX_ARITH, false) < 0) {
				wb_discard(&ab);
				p->tok = T_EOF;
				return;
			}
			p->word = wb_word(&ab);
			p->tok = T_ARITH_CMD;
			return;
		}
		p->tok = T_LPAREN;
		return;
	case ')':
		lex_rawadv(p);
		p->tok = T_RPAREN;
		return;
	case '<':
	case '>':
		if (p->sh->bash && rawpeek2(p) == '(') {
			/* <( ... ) or >( ... ): a word whose first part is a
			 * process substitution */
			struct wbuild pb;
			wb_init(&pb);
			lex_rawadv(p);
			lex_rawadv(p);
			if (read_paren_cmds(p, &pb, WP_PROCSUB, false) < 0 ||
			    read_parts(p, &pb, CTX_NORMAL, false) < 0) {
				wb_discard(&pb);
				p->tok = T_EOF;
				return;
			}
			/* the part just made is the word's first */
			struct word *w = wb_word(&pb);
			w->parts->procsub_write = c == '>';
			p->word = w;
			p->tok = T_WORD;
			return;
		}
		read_redir_op(p, -1);
		return;
	default:
		break;
	}
	struct wbuild b;
	wb_init(&b);
	if (read_parts(p, &b, CTX_NORMAL, false) < 0) {
		wb_discard(&b);
		p->tok = T_EOF;
		return;
	}
	bool plain = b.plain && b.head == NULL;
	if (plain && b.lit) {
		/* an io-number: digits directly followed by < or > */
		size_t i = 0;
		while (i < b.len && b.lit[i] >= '0' && b.lit[i] <= '9')
			i++;
		c = peekc(p);
		if (i == b.len && i > 0 && i < 5 && (c == '<' || c == '>')) {
			b.lit[b.len] = '\0';
			int fd = atoi(b.lit);
			wb_discard(&b);
			read_redir_op(p, fd);
			return;
		}
	}
	struct word *w = wb_word(&b);
	p->tok = T_WORD;
	p->word = w;
	if (plain && w->parts)
		p->raw = strdup(w->parts->text);
	if (w->parts && w->parts->kind == WP_LIT && !w->parts->quoted &&
	    memchr(w->parts->text, '=', w->parts->len))
		p->word_has_eq = true;
}

enum token lex_peek(struct parser *p)
{
	if (p->error)
		return T_EOF;
	if (!p->have_tok) {
		read_token(p);
		p->have_tok = true;
	}
	return p->tok;
}

void lex_consume(struct parser *p)
{
	if (p->have_tok && (p->tok == T_WORD || p->tok == T_ARITH_CMD)) {
		word_free(p->word);
		free(p->raw);
		p->word = NULL;
		p->raw = NULL;
	}
	p->have_tok = false;
}

struct word *lex_take_word(struct parser *p)
{
	struct word *w = p->word;
	p->word = NULL;
	free(p->raw);
	p->raw = NULL;
	p->have_tok = false;
	return w;
}

bool lex_is_kw(struct parser *p, const char *kw)
{
	return lex_peek(p) == T_WORD && p->raw && strcmp(p->raw, kw) == 0;
}

bool lex_is_name(const char *s, size_t n)
{
	if (n == 0 || !is_name_start((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_name_char((unsigned char)s[i]))
			return false;
	return true;
}
