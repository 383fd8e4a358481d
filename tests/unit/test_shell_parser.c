/* test_shell_parser.c - the lexer and parser: tree shapes, word parts,
 * here-documents, reserved words, and syntax errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "shark/shell/shell.h"
#include "shark/shell/builtins.h"

static struct shell sh;

static void setup(void)
{
	char *env[] = { NULL };
	cr_assert_eq(shell_init(&sh, "test", env), 0);
}

static void teardown(void)
{
	shell_free(&sh);
}

TestSuite(parser, .init = setup, .fini = teardown);

static struct node *parse_ok(const char *text)
{
	struct node *n = NULL;
	int r = parse_string(&sh, "t", text, strlen(text), 1, &n);
	cr_assert_eq(r, PARSE_OK, "parse failed: %s", text);
	return n;
}

static void parse_fails(const char *text)
{
	struct node *n = NULL;
	int r = parse_string(&sh, "t", text, strlen(text), 1, &n);
	cr_assert_eq(r, PARSE_ERROR, "should not parse: %s", text);
}

static size_t count_words(const struct word *w)
{
	size_t n = 0;
	for (; w; w = w->next)
		n++;
	return n;
}

Test(parser, simple_command_words_and_assignments)
{
	struct node *n = parse_ok("A=1 B=x echo hello world");
	cr_assert_eq(n->kind, N_SIMPLE);
	cr_assert_eq(count_words(n->assigns), 2);
	cr_assert_str_eq(n->assigns->aname, "A");
	cr_assert_str_eq(n->assigns->parts->text, "1");
	cr_assert_eq(count_words(n->args), 3);
	cr_assert_str_eq(n->args->parts->text, "echo");
	ast_free(n);
}

Test(parser, assignment_after_command_name_is_an_argument)
{
	struct node *n = parse_ok("echo A=1");
	cr_assert_null(n->assigns);
	cr_assert_eq(count_words(n->args), 2);
	ast_free(n);
}

Test(parser, and_or_is_left_associative)
{
	struct node *n = parse_ok("a && b || c");
	cr_assert_eq(n->kind, N_OR);
	cr_assert_eq(n->a->kind, N_AND);
	cr_assert_eq(n->b->kind, N_SIMPLE);
	ast_free(n);
}

Test(parser, pipeline_with_bang)
{
	struct node *n = parse_ok("! a | b | c");
	cr_assert_eq(n->kind, N_PIPE);
	cr_assert(n->bang);
	cr_assert_eq(n->nstages, 3);
	ast_free(n);
}

Test(parser, lists_and_background)
{
	struct node *n = parse_ok("a & b; c");
	cr_assert_eq(n->kind, N_SEQ);
	cr_assert_eq(n->nstages, 3);
	cr_assert_eq(n->stages[0]->kind, N_BG);
	ast_free(n);
}

Test(parser, compound_commands)
{
	struct node *n = parse_ok("if a; then b; elif c; then d; else e; fi");
	cr_assert_eq(n->kind, N_IF);
	cr_assert_eq(n->c->kind, N_IF);
	cr_assert_not_null(n->c->c);
	ast_free(n);
	n = parse_ok("while a; do b; done");
	cr_assert_eq(n->kind, N_WHILE);
	ast_free(n);
	n = parse_ok("until a\ndo\nb\ndone");
	cr_assert_eq(n->kind, N_UNTIL);
	ast_free(n);
	n = parse_ok("for i in 1 2 3; do echo $i; done");
	cr_assert_eq(n->kind, N_FOR);
	cr_assert_str_eq(n->name, "i");
	cr_assert_eq(count_words(n->words), 3);
	ast_free(n);
	n = parse_ok("for i do echo; done");
	cr_assert(n->for_all);
	ast_free(n);
	n = parse_ok("{ a; b; } > f");
	cr_assert_eq(n->kind, N_GROUP);
	cr_assert_not_null(n->redirs);
	ast_free(n);
	n = parse_ok("(a; b) 2>&1");
	cr_assert_eq(n->kind, N_SUBSHELL);
	cr_assert_eq(n->redirs->kind, R_DUPOUT);
	cr_assert_eq(n->redirs->fd, 2);
	ast_free(n);
}

Test(parser, case_items_and_alternatives)
{
	struct node *n = parse_ok("case $x in a|b) one;; (c) two;; *) ;; esac");
	cr_assert_eq(n->kind, N_CASE);
	struct case_item *ci = n->items;
	cr_assert_eq(count_words(ci->patterns), 2);
	cr_assert_eq(count_words(ci->next->patterns), 1);
	cr_assert_null(ci->next->next->body);
	ast_free(n);
}

Test(parser, function_definition)
{
	struct node *n = parse_ok("f() { echo hi; }");
	cr_assert_eq(n->kind, N_FUNCDEF);
	cr_assert_str_eq(n->name, "f");
	cr_assert_eq(n->a->kind, N_GROUP);
	ast_free(n);
}

Test(parser, redirection_operators)
{
	struct node *n = parse_ok("cmd <in >out 2>>log 3<>rw >|clob 4<&0 5>&-");
	enum redir_kind want[] = { R_IN, R_OUT, R_APPEND, R_RDWR, R_CLOBBER, R_DUPIN, R_DUPOUT };
	int fds[] = { 0, 1, 2, 3, 1, 4, 5 };
	struct redir *r = n->redirs;
	for (size_t i = 0; i < 7; i++, r = r->next) {
		cr_assert_not_null(r);
		cr_assert_eq(r->kind, want[i], "redir %zu", i);
		cr_assert_eq(r->fd, fds[i], "redir %zu fd", i);
	}
	ast_free(n);
}

Test(parser, word_parts_quoting)
{
	struct node *n = parse_ok("echo 'a b'\"c$x\"\\d${y:-z}$(cmd)$((1+2))`bq`");
	struct wpart *p = n->args->next->parts;
	cr_assert_eq(p->kind, WP_LIT);
	cr_assert(p->quoted);
	cr_assert_str_eq(p->text, "a bc");
	p = p->next;
	cr_assert_eq(p->kind, WP_PARAM);
	cr_assert(p->quoted);
	cr_assert_str_eq(p->name, "x");
	p = p->next;
	cr_assert_eq(p->kind, WP_LIT);
	cr_assert(p->quoted, "backslash quotes d");
	p = p->next;
	cr_assert_eq(p->kind, WP_PARAM);
	cr_assert_eq(p->op, PO_DEFAULT);
	cr_assert(p->colon);
	p = p->next;
	cr_assert_eq(p->kind, WP_CMDSUB);
	p = p->next;
	cr_assert_eq(p->kind, WP_ARITH);
	p = p->next;
	cr_assert_eq(p->kind, WP_CMDSUB);
	ast_free(n);
}

Test(parser, parameter_operators)
{
	const char *src[] = { "${#x}", "${x%p}", "${x%%p}", "${x#p}", "${x##p}", "${x=w}", "${x?w}", "${x+w}", "${10}" };
	enum param_op want[] = { PO_LENGTH, PO_RSMALL, PO_RLARGE, PO_LSMALL, PO_LLARGE, PO_ASSIGN, PO_ERROR, PO_ALT, PO_NONE };
	for (size_t i = 0; i < sizeof src / sizeof *src; i++) {
		char text[64];
		snprintf(text, sizeof text, "echo %s", src[i]);
		struct node *n = parse_ok(text);
		cr_assert_eq(n->args->next->parts->op, want[i], "%s", src[i]);
		ast_free(n);
	}
}

Test(parser, line_continuation_and_comments)
{
	struct node *n = parse_ok("ec\\\nho a # comment\n");
	cr_assert_str_eq(n->args->parts->text, "echo");
	cr_assert_eq(count_words(n->args), 2);
	ast_free(n);
}

Test(parser, heredoc_bodies)
{
	struct node *n = parse_ok("cat <<EOF; cat <<-'Q'\nhello $x\nEOF\n\tliteral $y\n\tQ\n");
	cr_assert_eq(n->kind, N_SEQ);
	struct redir *r1 = n->stages[0]->redirs, *r2 = n->stages[1]->redirs;
	cr_assert_eq(r1->kind, R_HEREDOC);
	cr_assert_not(r1->here_quoted);
	cr_assert_eq(r1->target->parts->next->kind, WP_PARAM);
	cr_assert(r2->here_quoted);
	cr_assert_str_eq(r2->target->parts->text, "literal $y\n");
	ast_free(n);
}

Test(parser, reserved_words_only_in_command_position)
{
	struct node *n = parse_ok("echo if then fi");
	cr_assert_eq(count_words(n->args), 4);
	ast_free(n);
}

Test(parser, syntax_errors)
{
	parse_fails("if true; then");
	parse_fails("fi");
	parse_fails("echo (");
	parse_fails("( echo");
	parse_fails("case x in");
	parse_fails("echo 'unterminated");
	parse_fails("echo \"unterminated");
	parse_fails("a &&");
	parse_fails("| a");
	parse_fails("echo ${x");
	parse_fails("echo $((1+2)");
	parse_fails("f() echo");
	parse_fails("for 1 in a; do :; done");
}

Test(parser, deep_nesting_is_bounded)
{
	char buf[4096];
	size_t o = 0;
	for (int i = 0; i < 1000; i++)
		buf[o++] = '(';
	buf[o] = '\0';
	parse_fails(buf);
}

Test(parser, builtin_table_is_sorted_and_classified)
{
	size_t n;
	const struct builtin *t = builtin_table(&n);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(strcmp(t[i - 1].name, t[i].name), 0, "%s before %s", t[i - 1].name, t[i].name);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(builtin_lookup(t[i].name), &t[i], "%s", t[i].name);
	const char *special[] = { ".", ":", "break", "continue", "eval", "exec", "exit", "export",
				  "readonly", "return", "set", "shift", "times", "trap", "unset" };
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		cr_assert(builtin_lookup(special[i])->flags & BI_SPECIAL, "%s is special", special[i]);
	cr_assert_not(builtin_lookup("cd")->flags & BI_SPECIAL);
}
