/* parse_int.h - state shared by the lexer (lexer.c) and the parser (parser.c).
 * Not a public API: only those two files include it. */
#ifndef SHARK_PARSE_INT_H
#define SHARK_PARSE_INT_H

#include "shark/shell/shell.h"

enum token {
	T_EOF,
	T_NEWLINE,
	T_WORD,
	T_SEMI,		/* ; */
	T_DSEMI,	/* ;; */
	T_AMP,		/* & */
	T_AND,		/* && */
	T_PIPE,		/* | */
	T_OR,		/* || */
	T_LPAREN,	/* ( */
	T_RPAREN,	/* ) */
	T_REDIR,	/* any redirection operator, see p->redir_* */
	T_ARITH_CMD,	/* bash: (( expr )), the expression in p->word */
};

struct heredoc_pending {
	struct redir *r;
	char *delim;
	bool strip_tabs;
	struct heredoc_pending *next;
};

enum { PARSE_MAX_DEPTH = 200 };

struct parser {
	struct shell *sh;
	struct source *src;
	/* the current token (valid when have_tok) */
	bool have_tok;
	enum token tok;
	struct word *word;	/* T_WORD: owned until taken */
	char *raw;		/* T_WORD: text if the word is plain unquoted literal, else NULL */
	bool word_has_eq;	/* T_WORD: first part is an unquoted literal holding '=' */
	enum redir_kind redir_kind;
	int redir_fd;		/* -1: default for the operator */
	bool redir_strip;	/* <<- */
	bool redir_both;	/* bash &> and &>>: stdout and stderr */
	bool redir_herestr;	/* bash <<<: a here-string */
	int tok_line;
	size_t tok_start;	/* where the current token starts in src->buf */
	/* here-documents whose bodies follow the next newline */
	struct heredoc_pending *heredocs;
	bool continuation;	/* interactive: next refill prints PS2 */
	bool error;
	/* alias substitution */
	const char *last_alias;	/* the alias just expanded (no direct recursion) */
	int alias_count;	/* expansions in this command, bounded */
	bool alias_next;	/* the last alias ended in a blank: check the next word */
	int depth;
	bool in_dbracket;
	bool pipe_err;		/* T_PIPE: it was bash's |& */	/* bash [[ ]]: extglob groups are words, as in bash */
};

/* lexer.c */
enum token lex_peek(struct parser *p);
void lex_consume(struct parser *p);
/* Take ownership of the current word token (then consumes it). */
struct word *lex_take_word(struct parser *p);
void lex_error_unexpected(struct parser *p);
void lex_error(struct parser *p, const char *msg);
/* A bash feature shark does not implement: "FILE:LINE: not supported by
 * shark: FEATURE" (a syntax error, status 2). */
void lex_unsupported(struct parser *p, const char *feature);
/* Read the word after =~ inside [[ ]]: ( ) | are part of it. */
struct word *lex_read_regex_word(struct parser *p);
void lex_discard_line(struct parser *p);
void lex_clear(struct parser *p);
bool lex_is_kw(struct parser *p, const char *kw);
/* Parse a here-document body or a prompt string into a word. */
struct word *lex_parse_heredoc_text(struct parser *p, const char *text, size_t len);

/* character level (lexer.c), shared with heredoc.c */
int lex_rawpeek(struct parser *p);
void lex_rawadv(struct parser *p);
struct wpart *lex_part_new(enum wpart_kind k, bool quoted);
/* heredoc.c: read the bodies of the pending here-documents */
int lex_read_heredocs(struct parser *p);
void lex_add_heredoc(struct parser *p, struct redir *r, struct word *delim_word, bool strip);
bool lex_is_name(const char *s, size_t n);

/* parser.c, used by the lexer for $( ... ) */
struct node *parse_cmdsub_list(struct parser *p);
struct node *parse_text_node(struct parser *outer, const char *text, size_t len, bool *ret_ok);

#endif
