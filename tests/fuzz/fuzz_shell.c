/* fuzz_shell.c - libFuzzer target over the lexer, the parser and word
 * expansion (parameter forms, arithmetic, field splitting, patterns).
 * Nothing is executed: command substitution yields "" (sh->no_cmdsub) and
 * pathname expansion is off, so runs are deterministic and side-effect
 * free. Each input is parsed twice: as one string (eval, dot scripts) and
 * command by command from a source (scripts, interactive lines); and all
 * of that twice, as a POSIX script and in bash mode ([[ ]] and (( ))
 * evaluated, arrays, brace expansion, bash's parameter operators, extglob
 * groups lexed and matched, process substitutions parsed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shark/shell/shell.h"
#include "shark/shell/builtins.h"
#include "shark/shell/cond.h"
#include "shark/shell/expand.h"
#include "shark/shell/input.h"
#include "shark/shell/vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_MAX_INPUT = 1 << 16 };

static void reset_jump(struct shell *sh)
{
	sh->jump = J_NONE;
}

static void expand_tree(struct shell *sh, struct node *n, int depth);

static void expand_redirs(struct shell *sh, struct redir *r)
{
	for (; r; r = r->next) {
		char *s = expand_word_str(sh, r->target, r->kind != R_HEREDOC);
		free(s);
		reset_jump(sh);
	}
}

static void expand_tree(struct shell *sh, struct node *n, int depth)
{
	if (!n || depth > 100)
		return;
	expand_redirs(sh, n->redirs);
	switch (n->kind) {
	case N_SIMPLE: {
		struct strlist out = { 0 };
		expand_words(sh, n->args, &out);
		strlist_free(&out);
		reset_jump(sh);
		for (struct word *w = n->assigns; w; w = w->next) {
			if (w->is_array) {
				struct strlist el = { 0 };
				expand_words(sh, w->elems, &el);
				strlist_free(&el);
				reset_jump(sh);
				continue;
			}
			char *s = expand_word_str(sh, w, true);
			if (s && w->aname && var_valid_name(w->aname, strlen(w->aname)))
				var_set(sh, w->aname, s, 0);
			free(s);
			reset_jump(sh);
		}
		break;
	}
	case N_DBRACKET:
		cond_eval(sh, n);
		reset_jump(sh);
		break;
	case N_ARITH:
		cond_arith(sh, n);
		reset_jump(sh);
		break;
	case N_FOR: {
		struct strlist out = { 0 };
		if (n->subject) {
			char *s = expand_word_str(sh, n->subject, false);
			free(s);
		}
		expand_words(sh, n->words, &out);
		strlist_free(&out);
		reset_jump(sh);
		expand_tree(sh, n->b, depth + 1);
		break;
	}
	case N_CASE: {
		char *subject = expand_word_str(sh, n->subject, true);
		reset_jump(sh);
		for (struct case_item *ci = n->items; ci; ci = ci->next) {
			for (struct word *p = ci->patterns; p; p = p->next) {
				char *pat = expand_word_pattern(sh, p);
				if (pat && subject)
					pattern_match_flags(pat, subject, strlen(subject), pattern_flags(sh, true));
				free(pat);
				reset_jump(sh);
			}
			expand_tree(sh, ci->body, depth + 1);
		}
		free(subject);
		break;
	}
	default:
		for (size_t i = 0; i < n->nstages; i++)
			expand_tree(sh, n->stages[i], depth + 1);
		expand_tree(sh, n->a, depth + 1);
		expand_tree(sh, n->b, depth + 1);
		expand_tree(sh, n->c, depth + 1);
		break;
	}
}

static void run_one(const uint8_t *data, size_t size, bool bash)
{
	static char *env[] = { "HOME=/home/fuzz", "IFS= \t\n", "x=a b c", "y=*.c", NULL };
	struct shell sh;
	if (shell_init(&sh, "fuzz", env) < 0)
		return;
	sh.no_cmdsub = true;
	sh.opt.noglob = true;
	sh.interactive = true;	/* errors abort the command, never exit */
	sh.bash = bash;
	if (bash)	/* extglob groups are words; nocasematch takes the other matcher */
		sh.shopt = SHOPT_EXTGLOB | SHOPT_NOCASEMATCH;
	char *args[] = { "one", "two three", "", NULL };
	set_positional(&sh, 3, args);

	/* parser over the whole text, then expansion of every word */
	struct node *tree = NULL;
	if (parse_string(&sh, "fuzz", (const char *)data, size, 1, &tree) == PARSE_OK) {
		expand_tree(&sh, tree, 0);
		ast_free(tree);
	}

	/* the command-by-command reader used for scripts */
	source_push_string(&sh, "fuzz", (const char *)data, size, 1);
	for (int i = 0; i < 10000; i++) {
		struct node *n = NULL;
		int r = parse_next(&sh, &n);
		if (r == PARSE_EOF)
			break;
		if (r == PARSE_OK && n) {
			expand_tree(&sh, n, 0);
			ast_free(n);
		}
	}
	source_pop(&sh);
	shell_free(&sh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	run_one(data, size, false);
	run_one(data, size, true);
	return 0;
}
