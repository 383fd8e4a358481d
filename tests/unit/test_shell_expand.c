/* test_shell_expand.c - word expansion, field splitting, "$@", patterns
 * and arithmetic, driven through the parser as a script would. */
#include <criterion/criterion.h>
#include <string.h>

#include "shark/shell/shell.h"
#include "shark/shell/builtins.h"
#include "shark/shell/expand.h"
#include "shark/shell/vars.h"

static struct shell sh;

static void setup(void)
{
	char *env[] = { "HOME=/home/u", NULL };
	cr_assert_eq(shell_init(&sh, "test", env), 0);
	sh.opt.noglob = true;
}

static void teardown(void)
{
	shell_free(&sh);
}

TestSuite(expand, .init = setup, .fini = teardown);

/* Expand the arguments of `echo WORDS` and join the fields with '|'. */
static char *fields(const char *words)
{
	char text[512];
	snprintf(text, sizeof text, "echo %s", words);
	struct node *n = NULL;
	cr_assert_eq(parse_string(&sh, "t", text, strlen(text), 1, &n), PARSE_OK, "%s", text);
	struct strlist out = { 0 };
	int r = expand_words(&sh, n->args->next, &out);
	ast_free(n);
	if (r < 0) {
		strlist_free(&out);
		return NULL;
	}
	char buf[1024];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < out.n; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "|" : "", out.v[i]);
	strlist_free(&out);
	return strdup(buf);
}

static void expect(const char *words, const char *want)
{
	char *got = fields(words);
	cr_assert_not_null(got, "expansion failed: %s", words);
	cr_assert_str_eq(got, want, "%s", words);
	free(got);
}

static void set_args(int n, char **v)
{
	set_positional(&sh, n, v);
}

Test(expand, quoting_and_quote_removal)
{
	expect("'a b' \"c d\" e\\ f", "a b|c d|e f");
	expect("\"\" ''", "|");
	expect("a\"\"b", "ab");
}

Test(expand, parameters_and_defaults)
{
	var_set(&sh, "x", "val", 0);
	var_set(&sh, "e", "", 0);
	expect("$x ${x} ${#x}", "val|val|3");
	expect("${u-def} ${e-def} ${e:-def} ${x:-def}", "def|def|val");
	expect("${x+alt} ${u+alt} ${e:+alt}", "alt");
	expect("${u=set} $u", "set|set");
	expect("${e:=full} $e", "full|full");
}

Test(expand, error_operator_fails)
{
	sh.interactive = true;	/* an error aborts instead of exiting */
	char *r = fields("${u?no value}");
	cr_assert_null(r);
	cr_assert_eq(sh.jump, J_ABORT);
	sh.jump = J_NONE;
}

Test(expand, pattern_removal)
{
	var_set(&sh, "p", "/usr/local/lib.tar.gz", 0);
	expect("${p#*/} ${p##*/} ${p%.*} ${p%%.*}", "usr/local/lib.tar.gz|lib.tar.gz|/usr/local/lib.tar|/usr/local/lib");
	expect("${p#\"*\"}", "/usr/local/lib.tar.gz");
}

Test(expand, field_splitting)
{
	var_set(&sh, "v", "  a  b\tc  ", 0);
	expect("$v", "a|b|c");
	expect("\"$v\"", "  a  b\tc  ");
	var_set(&sh, "IFS", ":", 0);
	var_set(&sh, "w", "a::b:", 0);
	expect("$w", "a||b");
	var_set(&sh, "IFS", "", 0);
	var_set(&sh, "w", "a b", 0);
	expect("$w", "a b");
}

Test(expand, positional_at_and_star)
{
	char *args[] = { "a b", "", "c" };
	set_args(3, args);
	expect("\"$@\"", "a b||c");
	expect("$@", "a|b|c");
	expect("\"$*\"", "a b  c");
	expect("\"x$@y\"", "xa b||cy");
	expect("$# ${#}", "3|3");
	set_args(0, NULL);
	expect("\"$@\"", "");
	expect("\"$@\" end", "end");
	expect("\"$*\"", "");
}

Test(expand, tilde)
{
	expect("~ ~/x '~' a~", "/home/u|/home/u/x|~|a~");
}

Test(expand, arithmetic)
{
	var_set(&sh, "n", "7", 0);
	expect("$((1 + 2 * 3)) $(( (1+2) * 3 )) $((n % 4)) $((n << 2)) $((-n)) $((!0)) $((~0))", "7|9|3|28|-7|1|-1");
	expect("$((010 + 0x10)) $((n > 3 ? 10 : 20)) $((0 && 1/0)) $((1 || 1/0))", "24|10|0|1");
	expect("$((m = 5)) $m $((m += 2)) $((m *= 3))", "5|5|7|21");
}

Test(expand, arithmetic_errors)
{
	intmax_t v;
	cr_assert_lt(arith_eval(&sh, "1 / 0", &v), 0);
	cr_assert_lt(arith_eval(&sh, "1 +", &v), 0);
	cr_assert_lt(arith_eval(&sh, "(1", &v), 0);
	cr_assert_eq(arith_eval(&sh, "  ", &v), 0);
	cr_assert_eq(v, 0);
}

Test(expand, command_substitution)
{
	expect("$(echo a b) \"$(printf 'x\\n\\n')\"", "a|b|x");
	expect("`echo bq`", "bq");
}

Test(expand, patterns)
{
	cr_assert(pattern_match("*.c", "main.c", 6));
	cr_assert_not(pattern_match("*.c", "main.h", 6));
	cr_assert(pattern_match("[a-c]?[!x]", "bqy", 3));
	cr_assert_not(pattern_match("[a-c]?[!x]", "bqx", 3));
	cr_assert(pattern_match("[[:digit:]]*", "9lives", 6));
	cr_assert(pattern_match("\\*", "*", 1));
	cr_assert_not(pattern_match("\\*", "a", 1));
	cr_assert(pattern_match("a*b*c*d", "aXXbYYcZZd", 10));
	/* must not be exponential */
	const char *s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
	cr_assert_not(pattern_match("*a*a*a*a*a*a*a*a*a*a*c", s, strlen(s)));
}
