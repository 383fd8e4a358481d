/* test_cli_escape.c - what the CLI prints of names a command chose
 * (issue 17, item 11): util_name/util_put_name escape every terminal
 * control, util_put_sh_word makes one sh word of anything, cli_json_str
 * stays valid JSON. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shark/util/util.h"
#include "shark/cli/cli.h"

Test(cli_escape, printable_names_are_unchanged)
{
	cr_expect_str_eq(util_name("src/main.c"), "src/main.c");
	cr_expect_str_eq(util_name("d\xc3\xa9j\xc3\xa0 vu \xe2\x9c\x93"), "d\xc3\xa9j\xc3\xa0 vu \xe2\x9c\x93");
	cr_expect_str_eq(util_name("emoji \xf0\x9f\xa6\x88"), "emoji \xf0\x9f\xa6\x88");
	cr_expect_str_eq(util_name(NULL), "");
}

Test(cli_escape, controls_are_escaped)
{
	cr_expect_str_eq(util_name("a\033]0;t\007b"), "a\\x1b]0;t\\x07b");
	cr_expect_str_eq(util_name("l1\nl2\tx\r"), "l1\\nl2\\tx\\r");
	cr_expect_str_eq(util_name("back\\slash"), "back\\\\slash");
	cr_expect_str_eq(util_name("del\x7f"), "del\\x7f");
	/* C1 CSI (U+009B) and a right-to-left override (U+202E) */
	cr_expect_str_eq(util_name("c1\xc2\x9b" "2J"), "c1\\u009b2J");
	cr_expect_str_eq(util_name("txt.\xe2\x80\xaegpj.exe"), "txt.\\u202egpj.exe");
	/* bytes that are not UTF-8: a lone continuation, an overlong '/',
	 * a surrogate, a truncated sequence */
	cr_expect_str_eq(util_name("a\x80" "b"), "a\\x80b");
	cr_expect_str_eq(util_name("\xc0\xaf"), "\\xc0\\xaf");
	cr_expect_str_eq(util_name("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	cr_expect_str_eq(util_name("x\xe2\x80"), "x\\xe2\\x80");
}

Test(cli_escape, no_output_byte_is_a_control)
{
	char in[256];

	for (int i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	const char *out = util_name(in);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		cr_assert(*p >= 0x20 && *p != 0x7f, "byte 0x%02x in %s", *p, out);
}

Test(cli_escape, put_name_matches_name_and_has_no_length_limit)
{
	size_t n = 100000;
	char *big = malloc(n + 1), *buf = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert_not_null(big);
	memset(big, '\n', n);
	big[n] = '\0';
	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	util_put_name(f, big);
	fclose(f);
	cr_expect_eq(len, 2 * n);
	cr_expect_eq(strspn(buf, "\\n"), 2 * n);
	/* util_name truncates, visibly */
	const char *t = util_name(big);
	cr_expect_lt(strlen(t), 2 * n);
	cr_expect_str_eq(t + strlen(t) - 3, "...");
	free(buf);
	free(big);
}

/* What sh makes of the word util_put_sh_word printed for s. */
static char *sh_roundtrip(const char *s)
{
	char *script = NULL, *out = malloc(4096);
	size_t len = 0, n;
	FILE *f = open_memstream(&script, &len), *p;

	cr_assert_not_null(f);
	cr_assert_not_null(out);
	fputs("printf '%s|' ", f);
	util_put_sh_word(f, s);
	fputs(" x", f);
	fclose(f);
	char *cmd = NULL;
	f = open_memstream(&cmd, &len);
	fputs("sh -c ", f);
	util_put_sh_word(f, script);
	fclose(f);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, 4095, p);
	out[n] = '\0';
	pclose(p);
	free(cmd);
	free(script);
	return out;
}

Test(cli_escape, sh_words_stay_one_word)
{
	static const char *const words[] = {
		"plain", "two words", "", "it's", "'", "''", "out\ntouch PWNED #",
		"$(touch PWNED)", "`touch PWNED`", "a;b", "*", "~", "-n", "\\", "a\"b",
		"tab\there", "\033[2J",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char want[256];
		char *got = sh_roundtrip(words[i]);

		snprintf(want, sizeof(want), "%s|x|", words[i]);
		cr_expect_str_eq(got, want, "word %zu", i);
		free(got);
	}
	cr_expect_neq(access("PWNED", F_OK), 0);
}

Test(cli_escape, json_strings_escape_controls_and_bad_bytes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cli_json_str(f, "a\"b\\c\n\033\xff\xc3\xa9");
	fclose(f);
	cr_expect_str_eq(buf, "\"a\\\"b\\\\c\\n\\u001b\\u00ff\xc3\xa9\"");
	free(buf);
}
