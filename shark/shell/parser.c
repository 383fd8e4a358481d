/* parser.c - tokens to a syntax tree (recursive descent over the POSIX
 * grammar). Reserved words are recognised here, only in command position,
 * from plain unquoted words. Errors print "NAME: FILE:LINE: syntax error:
 * unexpected TOKEN" once and unwind by returning NULL with p->error set. */
#include "shark/shell/alias.h"
#include "shark/shell/builtins.h"
#include "shark/shell/input.h"
#include "shark/shell/parse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct node *parse_and_or(struct parser *p);
static struct node *parse_command(struct parser *p);
static struct node *parse_func_body(struct parser *p, char **ret_text);

enum { ALIAS_MAX_EXPANSIONS = 100 };

/* If the current token is a plain word naming an alias, replace it in the
 * input with the alias's value and return true. */
static bool try_alias(struct parser *p)
{
	struct shell *sh = p->sh;
	if (!sh->aliases || lex_peek(p) != T_WORD || !p->raw || !p->src->owns_buf ||
	    p->alias_count >= ALIAS_MAX_EXPANSIONS)
		return false;
	struct alias *a = alias_find(sh, p->raw);
	if (!a || (p->last_alias && strcmp(p->last_alias, a->name) == 0))
		return false;
	lex_consume(p);
	struct source *s = p->src;
	size_t vl = strlen(a->value);
	char *nb = realloc(s->buf, s->len + vl + 1);
	if (!nb)
		abort();
	s->buf = nb;
	memmove(s->buf + s->pos + vl, s->buf + s->pos, s->len - s->pos);
	memcpy(s->buf + s->pos, a->value, vl);
	s->len += vl;
	s->buf[s->len] = '\0';
	p->last_alias = a->name;
	p->alias_count++;
	/* the word after this alias's text is checked too; in a chain
	 * (a1='a2 ', a2='echo') the blank of any link counts */
	if (vl > 0 && (a->value[vl - 1] == ' ' || a->value[vl - 1] == '\t'))
		p->alias_next = true;
	return true;
}

static struct node *node_new(struct parser *p, enum node_kind k)
{
	struct node *n = calloc(1, sizeof *n);
	if (!n)
		abort();
	n->kind = k;
	n->refs = 1;
	n->lineno = p->have_tok ? p->tok_line : p->src->lineno;
	return n;
}

static void push_node(struct node *seq, struct node *n)
{
	struct node **v = reallocarray(seq->stages, seq->nstages + 1, sizeof *v);
	if (!v)
		abort();
	seq->stages = v;
	v[seq->nstages++] = n;
}

static void skip_newlines(struct parser *p)
{
	while (lex_peek(p) == T_NEWLINE)
		lex_consume(p);
}

/* The reserved words that close a list: they end it where a command could
 * start, and are a syntax error where a command must. */
static const char *const list_enders[] = {
	"then", "else", "elif", "fi", "do", "done", "esac", "}",
};

static bool is_list_ender(const char *w)
{
	for (size_t i = 0; i < sizeof list_enders / sizeof *list_enders; i++)
		if (strcmp(w, list_enders[i]) == 0)
			return true;
	return false;
}

static bool at_list_end(struct parser *p)
{
	enum token t = lex_peek(p);
	if (t == T_EOF || t == T_RPAREN || t == T_DSEMI)
		return true;
	return t == T_WORD && p->raw && is_list_ender(p->raw);
}

static bool expect_kw(struct parser *p, const char *kw)
{
	if (!lex_is_kw(p, kw)) {
		lex_error_unexpected(p);
		return false;
	}
	lex_consume(p);
	return true;
}

/* A list of and-or lists separated by ; & or newlines. With stop_at_newline
 * the list ends at the first newline (a complete command at top level). */
static struct node *parse_list(struct parser *p, bool stop_at_newline)
{
	struct node *seq = NULL, *last = NULL;
	if (!stop_at_newline)
		skip_newlines(p);
	if (at_list_end(p)) {
		lex_error_unexpected(p);
		return NULL;
	}
	for (;;) {
		struct node *n = parse_and_or(p);
		if (!n) {
			/* once seq exists it holds last */
			ast_free(seq ? seq : last);
			return NULL;
		}
		enum token t = lex_peek(p);
		if (t == T_AMP) {
			struct node *bg = node_new(p, N_BG);
			bg->lineno = n->lineno;
			bg->a = n;
			n = bg;
		}
		if (last) {
			if (!seq) {
				seq = node_new(p, N_SEQ);
				seq->lineno = last->lineno;
				push_node(seq, last);
			}
			push_node(seq, n);
		}
		last = n;
		if (t == T_SEMI || t == T_AMP) {
			lex_consume(p);
			if (stop_at_newline) {
				if (lex_peek(p) == T_NEWLINE || lex_peek(p) == T_EOF)
					break;
				continue;
			}
			skip_newlines(p);
		} else if (t == T_NEWLINE) {
			if (stop_at_newline)
				break;
			skip_newlines(p);
		} else {
			break;
		}
		if (at_list_end(p))
			break;
	}
	if (p->error) {
		if (seq)
			ast_free(seq);
		else
			ast_free(last);
		return NULL;
	}
	return seq ? seq : last;
}

static struct word *op_word(const char *text);

/* bash's a |& b: a 2>&1 | b, the 2>&1 after a's own redirections. */
static void pipe_stderr_too(struct parser *p, struct node *c)
{
	if (lex_peek(p) != T_PIPE || !p->pipe_err)
		return;
	p->pipe_err = false;
	struct redir *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	r->kind = R_DUPOUT;
	r->fd = 2;
	r->target = op_word("1");
	struct redir **tail = &c->redirs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
}

static struct node *parse_pipeline(struct parser *p)
{
	bool bang = false;
	if (lex_is_kw(p, "!")) {
		lex_consume(p);
		bang = true;
	}
	struct node *c = parse_command(p);
	if (!c)
		return NULL;
	if (!bang && lex_peek(p) != T_PIPE)
		return c;
	pipe_stderr_too(p, c);
	struct node *pipe = node_new(p, N_PIPE);
	pipe->lineno = c->lineno;
	pipe->bang = bang;
	push_node(pipe, c);
	while (lex_peek(p) == T_PIPE) {
		lex_consume(p);
		skip_newlines(p);
		c = parse_command(p);
		if (!c) {
			ast_free(pipe);
			return NULL;
		}
		pipe_stderr_too(p, c);
		push_node(pipe, c);
	}
	return pipe;
}

static struct node *parse_and_or(struct parser *p)
{
	struct node *n = parse_pipeline(p);
	if (!n)
		return NULL;
	for (;;) {
		enum token t = lex_peek(p);
		if (t != T_AND && t != T_OR)
			return n;
		struct node *op = node_new(p, t == T_AND ? N_AND : N_OR);
		op->lineno = n->lineno;
		op->a = n;
		lex_consume(p);
		skip_newlines(p);
		if (!(op->b = parse_pipeline(p))) {
			ast_free(op);
			return NULL;
		}
		n = op;
	}
}

static struct redir *parse_redir(struct parser *p)
{
	enum redir_kind k = p->redir_kind;
	int fd = p->redir_fd;
	bool strip = p->redir_strip;
	bool both = p->redir_both, herestr = p->redir_herestr;
	lex_consume(p);
	if (fd < 0)
		fd = (k == R_IN || k == R_RDWR || k == R_DUPIN || k == R_HEREDOC) ? 0 : 1;
	if (lex_peek(p) != T_WORD) {
		lex_error_unexpected(p);
		return NULL;
	}
	struct redir *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	r->kind = k;
	r->fd = fd;
	struct word *w = lex_take_word(p);
	if (herestr) {
		/* <<< WORD: WORD expanded, plus a newline, as a here-document */
		struct wpart **tail = &w->parts;
		while (*tail)
			tail = &(*tail)->next;
		*tail = lex_part_new(WP_LIT, true);
		(*tail)->text = strdup("\n");
		(*tail)->len = 1;
		r->target = w;
	} else if (both) {
		/* &> WORD: > WORD 2>&1 */
		r->target = w;
		struct redir *r2 = calloc(1, sizeof *r2);
		if (!r2)
			abort();
		r2->kind = R_DUPOUT;
		r2->fd = 2;
		r2->target = calloc(1, sizeof *r2->target);
		if (!r2->target)
			abort();
		r2->target->parts = lex_part_new(WP_LIT, false);
		r2->target->parts->text = strdup("1");
		r2->target->parts->len = 1;
		r->next = r2;
	} else if (k == R_HEREDOC) {
		lex_add_heredoc(p, r, w, strip);
		word_free(w);
	} else {
		r->target = w;
	}
	return r;
}

static bool parse_redirs_into(struct parser *p, struct redir ***tail)
{
	while (lex_peek(p) == T_REDIR) {
		struct redir *r = parse_redir(p);
		if (!r)
			return false;
		**tail = r;
		*tail = &r->next;
		while (**tail)
			*tail = &(**tail)->next;
	}
	return true;
}

static struct node *parse_if_rest(struct parser *p)
{
	struct node *n = node_new(p, N_IF);
	if (!(n->a = parse_list(p, false)) || !expect_kw(p, "then") ||
	    !(n->b = parse_list(p, false)))
		goto fail;
	if (lex_is_kw(p, "elif")) {
		lex_consume(p);
		if (!(n->c = parse_if_rest(p)))
			goto fail;
		return n;
	}
	if (lex_is_kw(p, "else")) {
		lex_consume(p);
		if (!(n->c = parse_list(p, false)))
			goto fail;
	}
	if (!expect_kw(p, "fi"))
		goto fail;
	return n;
fail:
	ast_free(n);
	return NULL;
}

static struct node *parse_loop(struct parser *p, enum node_kind k)
{
	struct node *n = node_new(p, k);
	lex_consume(p);
	if (!(n->a = parse_list(p, false)) || !expect_kw(p, "do") ||
	    !(n->b = parse_list(p, false)) || !expect_kw(p, "done")) {
		ast_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_for(struct parser *p)
{
	struct node *n = node_new(p, N_FOR);
	lex_consume(p);
	if (lex_peek(p) == T_ARITH_CMD) {
		/* bash for (( init; cond; step )): the text in n->subject, no name */
		n->subject = lex_take_word(p);
		if (lex_peek(p) == T_SEMI)
			lex_consume(p);
		skip_newlines(p);
		if (!expect_kw(p, "do") || !(n->b = parse_list(p, false)) || !expect_kw(p, "done"))
			goto fail;
		return n;
	}
	if (lex_peek(p) != T_WORD || !p->raw || !lex_is_name(p->raw, strlen(p->raw))) {
		lex_error_unexpected(p);
		goto fail;
	}
	n->name = strdup(p->raw);
	lex_consume(p);
	skip_newlines(p);
	if (lex_is_kw(p, "in")) {
		lex_consume(p);
		struct word **tail = &n->words;
		while (lex_peek(p) == T_WORD) {
			*tail = lex_take_word(p);
			tail = &(*tail)->next;
		}
		enum token t = lex_peek(p);
		if (t != T_SEMI && t != T_NEWLINE) {
			lex_error_unexpected(p);
			goto fail;
		}
		lex_consume(p);
	} else {
		n->for_all = true;
		if (lex_peek(p) == T_SEMI)
			lex_consume(p);
	}
	skip_newlines(p);
	if (!expect_kw(p, "do") || !(n->b = parse_list(p, false)) || !expect_kw(p, "done"))
		goto fail;
	return n;
fail:
	ast_free(n);
	return NULL;
}

static struct node *parse_case(struct parser *p)
{
	struct node *n = node_new(p, N_CASE);
	lex_consume(p);
	if (lex_peek(p) != T_WORD) {
		lex_error_unexpected(p);
		goto fail;
	}
	n->subject = lex_take_word(p);
	skip_newlines(p);
	if (!expect_kw(p, "in"))
		goto fail;
	skip_newlines(p);
	struct case_item **tail = &n->items;
	for (;;) {
		if (lex_is_kw(p, "esac")) {
			lex_consume(p);
			break;
		}
		if (lex_peek(p) == T_LPAREN)
			lex_consume(p);
		struct case_item *ci = calloc(1, sizeof *ci);
		if (!ci)
			abort();
		*tail = ci;
		tail = &ci->next;
		struct word **wt = &ci->patterns;
		for (;;) {
			if (lex_peek(p) != T_WORD) {
				lex_error_unexpected(p);
				goto fail;
			}
			*wt = lex_take_word(p);
			wt = &(*wt)->next;
			if (lex_peek(p) != T_PIPE)
				break;
			lex_consume(p);
		}
		if (lex_peek(p) != T_RPAREN) {
			lex_error_unexpected(p);
			goto fail;
		}
		lex_consume(p);
		skip_newlines(p);
		if (lex_peek(p) != T_DSEMI && !lex_is_kw(p, "esac")) {
			if (!(ci->body = parse_list(p, false)))
				goto fail;
		}
		if (lex_peek(p) == T_DSEMI) {
			lex_consume(p);
			skip_newlines(p);
			continue;
		}
		if (!expect_kw(p, "esac"))
			goto fail;
		break;
	}
	return n;
fail:
	ast_free(n);
	return NULL;
}

/* Is the command word w a bash declaration builtin (whose NAME=(...)
 * arguments are arrays)? */
static bool decl_builtin(const struct word *w)
{
	const struct wpart *p = w->parts;
	if (!p || p->next || p->kind != WP_LIT || p->quoted)
		return false;
	return strcmp(p->text, "declare") == 0 || strcmp(p->text, "local") == 0 ||
	       strcmp(p->text, "typeset") == 0 || strcmp(p->text, "readonly") == 0 ||
	       strcmp(p->text, "export") == 0;
}

static struct node *parse_simple(struct parser *p)
{
	struct node *n = node_new(p, N_SIMPLE);
	struct word **atail = &n->assigns, **wtail = &n->args;
	struct redir **rtail = &n->redirs;
	for (;;) {
		enum token t = lex_peek(p);
		if (t == T_REDIR) {
			if (!parse_redirs_into(p, &rtail))
				goto fail;
			continue;
		}
		if (t != T_WORD)
			break;
		if (p->alias_next && n->args) {
			p->alias_next = false;
			if (lex_peek(p) == T_WORD && try_alias(p)) {
				p->last_alias = NULL;
				continue;
			}
		}
		if (!n->args && p->word_has_eq) {
			struct wpart *first = p->word->parts;
			char *eq = memchr(first->text, '=', first->len);
			size_t nl = (size_t)(eq - first->text);
			/* bash NAME+=value appends; the name keeps its + for eval */
			bool append = p->sh->bash && nl > 1 && first->text[nl - 1] == '+' &&
				      lex_is_name(first->text, nl - 1);
			if (append || lex_is_name(first->text, nl)) {
				struct word *w = lex_take_word(p);
				w->aname = strndup(first->text, nl);
				if (p->sh->bash && eq + 1 == first->text + first->len && !first->next &&
				    lex_peek(p) == T_LPAREN) {
					/* bash NAME=(words...): an array */
					lex_consume(p);
					struct word **et = &w->elems;
					for (;;) {
						enum token et_tok = lex_peek(p);
						if (et_tok == T_RPAREN)
							break;
						if (et_tok == T_NEWLINE) {
							lex_consume(p);
							continue;
						}
						if (et_tok != T_WORD) {
							word_free(w);
							lex_error_unexpected(p);
							goto fail;
						}
						*et = lex_take_word(p);
						et = &(*et)->next;
					}
					lex_consume(p);
					w->is_array = true;
				}
				size_t rest = first->len - nl - 1;
				memmove(first->text, eq + 1, rest + 1);
				first->len = rest;
				if (rest == 0) {
					w->parts = first->next;
					first->next = NULL;
					free(first->text);
					free(first);
				}
				*atail = w;
				atail = &w->next;
				continue;
			}
		}
		if (!n->args && !n->assigns && !n->redirs && p->raw) {
			char *name = strdup(p->raw);
			struct word *w = lex_take_word(p);
			if (lex_peek(p) == T_LPAREN) {
				word_free(w);
				const struct builtin *bi = p->sh->bash ? NULL : builtin_lookup(name);
				if (bi && (bi->flags & BI_SPECIAL)) {
					/* POSIX: a special builtin cannot be a function */
					free(name);
					lex_error(p, "bad function name");
					goto fail;
				}
				lex_consume(p);
				if (lex_peek(p) != T_RPAREN) {
					free(name);
					lex_error_unexpected(p);
					goto fail;
				}
				lex_consume(p);
				char *text;
				struct node *body = parse_func_body(p, &text);
				if (!body) {
					free(name);
					free(text);
					goto fail;
				}
				if (body->kind == N_SIMPLE) {
					free(name);
					free(text);
					ast_free(body);
					lex_error(p, "function body must be a compound command");
					goto fail;
				}
				n->kind = N_FUNCDEF;
				n->name = name;
				n->text = text;
				n->a = body;
				return n;
			}
			free(name);
			*wtail = w;
			wtail = &w->next;
			continue;
		}
		if (p->sh->bash && n->args && p->word_has_eq && decl_builtin(n->args)) {
			/* declare/local/... NAME=(words...) */
			struct wpart *first = p->word->parts;
			size_t nl = first->len - 1;
			if (!first->next && first->text[nl] == '=' && lex_is_name(first->text, nl)) {
				struct word *w = lex_take_word(p);
				if (lex_peek(p) == T_LPAREN) {
					lex_consume(p);
					w->aname = strndup(first->text, nl);
					w->is_array = true;
					struct word **et = &w->elems;
					while (lex_peek(p) == T_WORD || p->tok == T_NEWLINE) {
						if (p->tok == T_NEWLINE) {
							lex_consume(p);
							continue;
						}
						*et = lex_take_word(p);
						et = &(*et)->next;
					}
					if (lex_peek(p) != T_RPAREN) {
						word_free(w);
						lex_error_unexpected(p);
						goto fail;
					}
					lex_consume(p);
				}
				*wtail = w;
				wtail = &w->next;
				continue;
			}
		}
		*wtail = lex_take_word(p);
		wtail = &(*wtail)->next;
	}
	if (!n->assigns && !n->args && !n->redirs) {
		lex_error_unexpected(p);
		goto fail;
	}
	return n;
fail:
	ast_free(n);
	return NULL;
}

/* An operator inside [[ ]], kept as a word of one unquoted literal part
 * (a quoted "&&" is an operand, not an operator). */
static struct word *op_word(const char *text)
{
	struct word *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	w->parts = lex_part_new(WP_LIT, false);
	w->parts->text = strdup(text);
	w->parts->len = strlen(text);
	return w;
}

/* bash [[ ... ]]: the words and operators up to ]], in order; the
 * evaluator (cond.c) parses the expression. Newlines are allowed after
 * && and || and ( . */
static struct node *parse_dbracket_words(struct parser *p)
{
	struct node *n = node_new(p, N_DBRACKET);
	lex_consume(p);	/* [[ */
	struct word **tail = &n->words;
	bool prev_regex = false;
	for (;;) {
		if (prev_regex) {
			prev_regex = false;
			struct word *re = lex_read_regex_word(p);
			if (!re)
				goto fail;
			*tail = re;
			tail = &re->next;
			continue;
		}
		enum token t = lex_peek(p);
		struct word *w = NULL;
		if (t == T_WORD && p->raw && strcmp(p->raw, "]]") == 0) {
			lex_consume(p);
			break;
		}
		if (t == T_WORD) {
			prev_regex = p->raw && strcmp(p->raw, "=~") == 0;
			w = lex_take_word(p);
		} else if (t == T_AND || t == T_OR || t == T_LPAREN || t == T_RPAREN) {
			w = op_word(t == T_AND ? "&&" : t == T_OR ? "||" : t == T_LPAREN ? "(" : ")");
			lex_consume(p);
		} else if (t == T_REDIR && p->redir_fd < 0 && !p->redir_both &&
			   (p->redir_kind == R_IN || p->redir_kind == R_OUT)) {
			w = op_word(p->redir_kind == R_IN ? "<" : ">");
			lex_consume(p);
		} else if (t == T_NEWLINE && n->words) {
			lex_consume(p);
			continue;
		} else {
			lex_error_unexpected(p);
			goto fail;
		}
		*tail = w;
		tail = &w->next;
	}
	if (!n->words) {
		lex_error(p, "empty [[ ]]");
		goto fail;
	}
	return n;
fail:
	ast_free(n);
	return NULL;
}

/* [[ ... ]]: its words may hold extglob groups whatever shopt says, as
 * in bash (cond.c matches them so too). */
static struct node *parse_dbracket(struct parser *p)
{
	bool save = p->in_dbracket;
	p->in_dbracket = true;
	struct node *n = parse_dbracket_words(p);
	p->in_dbracket = save;
	return n;
}

/* bash `function NAME { ...; }` and `function NAME() { ...; }`. */
/* A function's body, with its text as written in *ret_text (malloc'd,
 * NULL when the body did not come from one source, as through an alias):
 * bash's export -f passes functions to other shells as text. */
static struct node *parse_func_body(struct parser *p, char **ret_text)
{
	*ret_text = NULL;
	skip_newlines(p);
	lex_peek(p);
	const struct source *src = p->src;
	size_t start = p->tok_start;
	struct node *body = parse_command(p);
	if (!body || p->src != src)
		return body;
	size_t end = p->have_tok ? p->tok_start : src->pos;
	while (end > start && strchr(" \t\n;", src->buf[end - 1]))
		end--;
	if (end > start && end <= src->len) {
		*ret_text = strndup(src->buf + start, end - start);
		if (!*ret_text)
			abort();
	}
	return body;
}

static struct node *parse_function_kw(struct parser *p)
{
	lex_consume(p);	/* function */
	if (lex_peek(p) != T_WORD || !p->raw) {
		lex_error_unexpected(p);
		return NULL;
	}
	struct node *n = node_new(p, N_FUNCDEF);
	n->name = strdup(p->raw);
	lex_consume(p);
	if (lex_peek(p) == T_LPAREN) {
		lex_consume(p);
		if (lex_peek(p) != T_RPAREN) {
			lex_error_unexpected(p);
			ast_free(n);
			return NULL;
		}
		lex_consume(p);
	}
	struct node *body = parse_func_body(p, &n->text);
	if (!body) {
		ast_free(n);
		return NULL;
	}
	if (body->kind == N_SIMPLE) {
		ast_free(body);
		ast_free(n);
		lex_error(p, "function body must be a compound command");
		return NULL;
	}
	n->a = body;
	return n;
}

static struct node *parse_command(struct parser *p)
{
	if (++p->depth > PARSE_MAX_DEPTH) {
		p->depth--;
		lex_error(p, "nested too deeply");
		return NULL;
	}
	struct node *n = NULL;
	p->alias_next = false;
	while (try_alias(p))
		;
	p->last_alias = NULL;
	enum token t = lex_peek(p);
	if (t == T_ARITH_CMD) {
		n = node_new(p, N_ARITH);
		n->words = lex_take_word(p);
	} else if (t == T_WORD && p->raw && p->sh->bash &&
		   (strcmp(p->raw, "[[") == 0 || strcmp(p->raw, "function") == 0 ||
		    strcmp(p->raw, "select") == 0 || strcmp(p->raw, "coproc") == 0)) {
		if (strcmp(p->raw, "[[") == 0) {
			n = parse_dbracket(p);
		} else if (strcmp(p->raw, "function") == 0) {
			n = parse_function_kw(p);
			p->depth--;
			return n;
		} else {
			lex_unsupported(p, strcmp(p->raw, "select") == 0 ? "select" : "coproc");
		}
	} else if (t == T_WORD && p->raw) {
		const char *w = p->raw;
		if (strcmp(w, "if") == 0) {
			lex_consume(p);
			n = parse_if_rest(p);
		} else if (strcmp(w, "while") == 0) {
			n = parse_loop(p, N_WHILE);
		} else if (strcmp(w, "until") == 0) {
			n = parse_loop(p, N_UNTIL);
		} else if (strcmp(w, "for") == 0) {
			n = parse_for(p);
		} else if (strcmp(w, "case") == 0) {
			n = parse_case(p);
		} else if (strcmp(w, "{") == 0) {
			n = node_new(p, N_GROUP);
			lex_consume(p);
			if (!(n->a = parse_list(p, false)) || !expect_kw(p, "}")) {
				ast_free(n);
				n = NULL;
			}
		} else {
			if (is_list_ender(w)) {
				lex_error_unexpected(p);
				p->depth--;
				return NULL;
			}
			if (strcmp(w, "!") == 0) {
				lex_error_unexpected(p);
				p->depth--;
				return NULL;
			}
			n = parse_simple(p);
			p->depth--;
			return n;
		}
	} else if (t == T_LPAREN) {
		n = node_new(p, N_SUBSHELL);
		lex_consume(p);
		if (!(n->a = parse_list(p, false)) || lex_peek(p) != T_RPAREN) {
			if (!p->error)
				lex_error_unexpected(p);
			ast_free(n);
			n = NULL;
		} else {
			lex_consume(p);
		}
	} else if (t == T_WORD || t == T_REDIR) {
		n = parse_simple(p);
		p->depth--;
		return n;
	} else {
		lex_error_unexpected(p);
		p->depth--;
		return NULL;
	}
	p->depth--;
	if (!n)
		return NULL;
	struct redir **rtail = &n->redirs;
	if (!parse_redirs_into(p, &rtail)) {
		ast_free(n);
		return NULL;
	}
	return n;
}

/* --- entry points ------------------------------------------------------------ */

/* A private copy of text[0..len) without NUL bytes (which shell text cannot
 * hold); *ret_len is its length. */
struct node *parse_cmdsub_list(struct parser *p)
{
	skip_newlines(p);
	if (lex_peek(p) == T_RPAREN) {
		lex_consume(p);
		return NULL;
	}
	struct node *n = parse_list(p, false);
	if (!n)
		return NULL;
	if (lex_peek(p) != T_RPAREN) {
		lex_error_unexpected(p);
		ast_free(n);
		return NULL;
	}
	lex_consume(p);
	return n;
}

/* Every command of the current source up to its end. */
static struct node *parse_all(struct parser *p, bool *ret_ok)
{
	struct node *seq = NULL;
	*ret_ok = true;
	for (;;) {
		skip_newlines(p);
		if (lex_peek(p) == T_EOF)
			break;
		struct node *n = parse_list(p, true);
		if (!n || p->error) {
			ast_free(n);
			ast_free(seq);
			*ret_ok = false;
			return NULL;
		}
		enum token t = lex_peek(p);
		if (t != T_NEWLINE && t != T_EOF) {
			lex_error_unexpected(p);
			ast_free(n);
			ast_free(seq);
			*ret_ok = false;
			return NULL;
		}
		if (!seq) {
			seq = node_new(p, N_SEQ);
			seq->lineno = n->lineno;
		}
		push_node(seq, n);
	}
	if (p->error) {
		ast_free(seq);
		*ret_ok = false;
		return NULL;
	}
	if (seq && seq->nstages == 1) {
		struct node *only = seq->stages[0];
		seq->nstages = 0;
		ast_free(seq);
		return only;
	}
	return seq;
}

struct node *parse_text_node(struct parser *outer, const char *text, size_t len, bool *ret_ok)
{
	struct source src = { .name = outer->src->name, .fd = -1, .eof = true,
			      .lineno = outer->src->lineno, .owns_buf = true };
	src.buf = source_dup_text(text, len, &src.len);
	struct parser p = { .sh = outer->sh, .src = &src, .depth = outer->depth + 1 };
	if (!src.buf)
		abort();
	if (p.depth > PARSE_MAX_DEPTH) {
		lex_error(outer, "nested too deeply");
		*ret_ok = false;
		return NULL;
	}
	struct node *n = parse_all(&p, ret_ok);
	lex_clear(&p);
	free(src.buf);
	if (!*ret_ok)
		outer->error = true;
	return n;
}

int parse_string(struct shell *sh, const char *name, const char *text, size_t len, int lineno,
		 struct node **ret_node)
{
	struct source src = { .name = name, .fd = -1, .eof = true, .lineno = lineno,
			      .owns_buf = true };
	src.buf = source_dup_text(text, len, &src.len);
	struct parser p = { .sh = sh, .src = &src };
	if (!src.buf)
		abort();
	bool ok;
	struct node *n = parse_all(&p, &ok);
	lex_clear(&p);
	free(src.buf);
	if (!ok)
		return PARSE_ERROR;
	*ret_node = n;
	return PARSE_OK;
}

static int parse_next_command(struct parser *p_, struct node **ret_node);

int parse_next(struct shell *sh, struct node **ret_node)
{
	struct parser p = { .sh = sh, .src = sh->src };
	source_compact(sh->src);
	size_t start = sh->src->pos;
	int r = parse_next_command(&p, ret_node);
	struct source *s = sh->src;
	if (sh->opt.verbose && r != PARSE_EOF && s->pos > start && s->pos <= s->len) {
		/* set -v: echo the text of each command as it is read */
		fwrite(s->buf + start, 1, s->pos - start, stderr);
	}
	return r;
}

static int parse_next_command(struct parser *p_, struct node **ret_node)
{
	struct parser p = *p_;
	enum token t = lex_peek(&p);
	if (p.error) {
		lex_discard_line(&p);
		return PARSE_ERROR;
	}
	if (t == T_EOF) {
		lex_clear(&p);
		return PARSE_EOF;
	}
	if (t == T_NEWLINE) {
		lex_consume(&p);
		*ret_node = NULL;
		return PARSE_OK;
	}
	struct node *n = parse_list(&p, true);
	if (n && !p.error) {
		t = lex_peek(&p);
		if (t == T_NEWLINE) {
			lex_consume(&p);
		} else if (t != T_EOF) {
			lex_error_unexpected(&p);
		}
	}
	if (!n || p.error) {
		ast_free(n);
		lex_discard_line(&p);
		return PARSE_ERROR;
	}
	lex_clear(&p);
	*ret_node = n;
	return PARSE_OK;
}

struct word *parse_prompt_word(struct shell *sh, const char *text)
{
	struct source src = { .name = "prompt", .buf = (char *)text, .len = strlen(text),
			      .fd = -1, .eof = true, .lineno = 1 };
	struct parser p = { .sh = sh, .src = &src };
	struct word *w = lex_parse_heredoc_text(&p, text, strlen(text));
	lex_clear(&p);
	return w;
}
