/* ast.h - the shell's abstract syntax tree, and the parser that builds it
 * (parser.c) from the shell's current input source (input.h).
 *
 * The parser turns source text into a tree of `struct node` (commands) whose
 * leaves are `struct word` (one shell word, already split into parts: literal
 * text, parameter expansions, command substitutions, arithmetic). Nothing in
 * the tree has been expanded: expansion happens at evaluation time (expand.c).
 *
 * Ownership: a tree is freed with ast_free(). Function bodies are shared by
 * reference count (node->refs) so a function defined in a loop outlives the
 * tree it was parsed from; ast_ref()/ast_free() manage that count.
 */
#ifndef SHARK_AST_H
#define SHARK_AST_H

#include <stdbool.h>
#include <stddef.h>

struct shell;

/* --- words ---------------------------------------------------------------- */

enum wpart_kind {
	WP_LIT,		/* literal text */
	WP_PARAM,	/* $name, ${name...} */
	WP_CMDSUB,	/* $(...) or `...` */
	WP_ARITH,	/* $((...)) */
	WP_PROCSUB,	/* bash <(...) or >(...): a FIFO's path (procsub.c) */
};

/* Parameter expansion operators (wpart.op). */
enum param_op {
	PO_NONE = 0,	/* $x, ${x} */
	PO_DEFAULT,	/* ${x-w}  ${x:-w} */
	PO_ASSIGN,	/* ${x=w}  ${x:=w} */
	PO_ERROR,	/* ${x?w}  ${x:?w} */
	PO_ALT,		/* ${x+w}  ${x:+w} */
	PO_LENGTH,	/* ${#x} */
	PO_RSMALL,	/* ${x%p} */
	PO_RLARGE,	/* ${x%%p} */
	PO_LSMALL,	/* ${x#p} */
	PO_LLARGE,	/* ${x##p} */
	/* bash mode only */
	PO_SUBST,	/* ${x/p/r} */
	PO_SUBST_ALL,	/* ${x//p/r} */
	PO_SUBST_PREFIX,	/* ${x/#p/r} */
	PO_SUBST_SUFFIX,	/* ${x/%p/r} */
	PO_SUBSTR,	/* ${x:off} ${x:off:len} (arg: off, arg2: len or NULL) */
	PO_UPPER_FIRST,	/* ${x^} */
	PO_UPPER_ALL,	/* ${x^^} */
	PO_LOWER_FIRST,	/* ${x,} */
	PO_LOWER_ALL,	/* ${x,,} */
	PO_INDICES,	/* ${!a[@]} */
};

struct word;
struct node;

struct wpart {
	enum wpart_kind kind;
	bool quoted;		/* inside "..." or '...' or after a backslash */
	struct wpart *next;
	/* WP_LIT */
	char *text;
	size_t len;
	/* WP_PARAM */
	char *name;		/* "x", "10", "@", "#", ... */
	enum param_op op;
	bool colon;		/* ${x:-w} rather than ${x-w} */
	struct word *arg;	/* the word after the operator, or NULL */
	struct word *arg2;	/* bash ${x/p/r}: r; ${x:o:l}: l (NULL if absent) */
	struct word *index;	/* bash ${a[i]}: the subscript (arithmetic) */
	char index_all;		/* bash ${a[@]} / ${a[*]}: '@' or '*' */
	/* WP_CMDSUB, WP_PROCSUB */
	struct node *cmd;	/* may be NULL for $( ) */
	bool procsub_write;	/* WP_PROCSUB: >(...), the command reads what is written */
	/* WP_ARITH */
	struct word *expr;
};

struct word {
	struct wpart *parts;	/* NULL for an empty word such as "" has one quoted empty part */
	struct word *next;	/* next word in a list (arguments, for-list, patterns) */
	char *aname;		/* for an assignment NAME=value: NAME (value is parts) */
	struct word *elems;	/* bash NAME=(words...): the words (is_array) */
	bool is_array;
};

/* --- redirections --------------------------------------------------------- */

enum redir_kind {
	R_IN,		/* <  */
	R_OUT,		/* >  */
	R_CLOBBER,	/* >| */
	R_APPEND,	/* >> */
	R_RDWR,		/* <> */
	R_DUPIN,	/* <& */
	R_DUPOUT,	/* >& */
	R_HEREDOC,	/* << and <<- */
};

struct redir {
	enum redir_kind kind;
	int fd;			/* the descriptor redirected */
	struct word *target;	/* file name, fd number or "-", or here-doc body */
	bool here_quoted;	/* delimiter was quoted: body is literal */
	struct redir *next;
};

/* --- commands ------------------------------------------------------------- */

enum node_kind {
	N_SIMPLE,	/* assignments, words, redirections */
	N_PIPE,		/* a | b | c, maybe negated */
	N_AND,		/* a && b */
	N_OR,		/* a || b */
	N_SEQ,		/* a ; b */
	N_BG,		/* a & */
	N_SUBSHELL,	/* ( a ) */
	N_GROUP,	/* { a; } */
	N_IF,		/* if a; then b; else c; fi (elif nests in c) */
	N_WHILE,	/* while a; do b; done */
	N_UNTIL,	/* until a; do b; done */
	N_FOR,		/* for name [in words]; do b; done */
	N_CASE,		/* case word in items esac */
	N_FUNCDEF,	/* name() body */
	N_DBRACKET,	/* bash [[ ... ]]: the words in n->words, operators as plain words */
	N_ARITH,	/* bash (( expr )): the expression in n->words */
};

struct case_item {
	struct word *patterns;	/* list linked by word.next */
	struct node *body;	/* may be NULL */
	struct case_item *next;
};

struct node {
	enum node_kind kind;
	int lineno;
	int refs;		/* reference count (function bodies are shared) */
	struct redir *redirs;	/* on simple and compound commands */
	/* N_SIMPLE */
	struct word *assigns;
	struct word *args;
	/* N_PIPE */
	struct node **stages;
	size_t nstages;
	bool bang;
	/* binary nodes, if/while/for/subshell/group/bg bodies */
	struct node *a, *b, *c;
	/* N_FOR, N_FUNCDEF */
	char *name;
	char *text;		/* N_FUNCDEF: the body as written (bash export -f), or NULL */
	struct word *words;	/* N_FOR: list, or NULL with for_all (in "$@") */
	bool for_all;
	/* N_CASE */
	struct word *subject;
	struct case_item *items;
};

void ast_free(struct node *n);
struct node *ast_ref(struct node *n);
void word_free(struct word *w);
/* node_to_text - a tree back as shell text, for `jobs` (show.c); malloc'd. */
char *node_to_text(const struct node *n);

/* --- the parser (its input sources: input.h) -------------------------------- */

/* Result codes of parse_next(). */
enum {
	PARSE_OK = 0,		/* *ret_node set (may be NULL for an empty line) */
	PARSE_EOF = 1,		/* end of input, nothing parsed */
	PARSE_ERROR = -1,	/* syntax error, message already printed */
};

/* Parse one complete command (up to an unquoted newline at top level, or the
 * end of input) from the shell's current source. On PARSE_OK *ret_node is the
 * tree (caller frees with ast_free) or NULL for a blank line. On PARSE_ERROR
 * the message "NAME: LINE: syntax error: ..." has been printed to stderr and
 * the rest of the current line is discarded. */
int parse_next(struct shell *sh, struct node **ret_node);

/* Parse a whole string (eval, trap actions, dot scripts read into memory):
 * returns PARSE_OK with the tree of everything in text, or PARSE_ERROR. */
int parse_string(struct shell *sh, const char *name, const char *text, size_t len,
		 int lineno, struct node **ret_node);

/* Parse the text of a parameter-expansion-only word (PS1..PS4 and the like):
 * a word in which only $, ` and \ are special. Returns NULL on error. */
struct word *parse_prompt_word(struct shell *sh, const char *text);

#endif
