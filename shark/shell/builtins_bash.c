/* builtins_bash.c - the builtins only bash mode knows (docs/language.md):
 * declare/typeset (and local's options), echo's bash form (-e/-E), and
 * the bash builtins shark does not implement, which fail with a clear
 * "not supported by shark" message instead of "not found". source and
 * let are in the table too (bi_dot in builtins.c, bi_let in cond.c). */
#include "shark/shell/array.h"
#include "shark/shell/builtins.h"
#include "shark/shell/shell.h"
#include "shark/shell/vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bi_bash_unsupported(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "shark: %s:%d: not supported by shark: %s\n", sh->arg0 ? sh->arg0 : "shark",
		sh->lineno, argv[0]);
	return 2;
}

/* declare/typeset/local [-grxiaA] [NAME[=value]...]: in a function, the
 * names are local unless -g; -x exports, -r makes read-only, -i makes
 * every value assigned an arithmetic expression (vars.c), -a is accepted
 * (arrays are made by NAME=(...)), -A makes an associative array
 * (array.c). Functions (-f, -F), printing (-p) and the rest are not
 * supported. */
int bi_declare(struct shell *sh, int argc, char **argv)
{
	bool is_local = strcmp(argv[0], "local") == 0;
	if (is_local && sh->func_depth == 0) {
		sh_error(sh, "local: can only be used in a function");
		return 1;
	}
	bool global = false, assoc = false;
	unsigned flags = 0, clear = 0;
	int i = 1;
	for (; i < argc && (argv[i][0] == '-' || argv[i][0] == '+') && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		bool on = argv[i][0] == '-';
		for (const char *c = argv[i] + 1; *c; c++) {
			switch (*c) {
			case 'g': global = on; break;
			case 'x': if (on) flags |= V_EXPORT; else clear |= V_EXPORT; break;
			case 'r': if (on) flags |= V_READONLY; break;
			case 'i': if (on) flags |= V_INTEGER; else clear |= V_INTEGER; break;
			case 'a': break;	/* NAME=(...) arguments are arrays anyway */
			case 'A': assoc = on; break;
			default: {
				char what[64];
				snprintf(what, sizeof what, "%s -%c", argv[0], *c);
				fprintf(stderr, "shark: %s:%d: not supported by shark: %s\n",
					sh->arg0 ? sh->arg0 : "shark", sh->lineno, what);
				return 2;
			}
			}
		}
	}
	if (i >= argc && !is_local) {
		char what[64];
		snprintf(what, sizeof what, "%s without names", argv[0]);
		fprintf(stderr, "shark: %s:%d: not supported by shark: %s\n", sh->arg0 ? sh->arg0 : "shark",
			sh->lineno, what);
		return 2;
	}
	int status = 0;
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t nl = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		if (!var_valid_name(argv[i], nl)) {
			sh_error(sh, "%s: `%s': not a valid identifier", argv[0], argv[i]);
			status = 1;
			continue;
		}
		char *name = strndup(argv[i], nl);
		if (!name)
			abort();
		if (sh->func_depth > 0 && !global)
			var_make_local(sh, name);
		if (assoc && assoc_declare(sh, name) < 0) {
			status = 1;
			free(name);
			continue;
		}
		struct var *v = var_lookup(sh, name);
		if (eq && assoc) {
			/* declare -A m=x is m[0]=x */
			if (assoc_set(sh, name, "0", eq + 1) < 0)
				status = 1;
		} else if (eq) {
			if (var_set(sh, name, eq + 1, flags) < 0)
				status = 1;
		} else if (flags && !(v && v->assoc) &&
			   var_set(sh, name, v && v->value ? v->value : "", flags) < 0) {
			status = 1;
		}
		if (clear && (v = var_lookup(sh, name)) != NULL) {
			v->flags &= ~clear;
			sh->var_generation++;
		}
		free(name);
	}
	return status;
}

/* --- shopt ------------------------------------------------------------------- */

enum shopt_kind {
	SK_DONE,	/* implemented: its SHOPT_ bit */
	SK_NOOP,	/* about the prompt, history or completion: accepted, no effect */
	SK_NO,		/* changes behaviour shark does not have: setting it fails */
};

/* bash 5.2's options, sorted, with their default (on) in a script. */
static const struct {
	const char *name;
	enum shopt_kind kind;
	unsigned bit;
	bool on;
} shopts[] = {
	{ "assoc_expand_once", SK_NO, 0, false },
	{ "autocd", SK_NOOP, 0, false },
	{ "cdable_vars", SK_NO, 0, false },
	{ "cdspell", SK_NOOP, 0, false },
	{ "checkhash", SK_NOOP, 0, false },
	{ "checkjobs", SK_NOOP, 0, false },
	{ "checkwinsize", SK_NOOP, 0, true },
	{ "cmdhist", SK_NOOP, 0, true },
	{ "complete_fullquote", SK_NOOP, 0, true },
	{ "direxpand", SK_NOOP, 0, false },
	{ "dirspell", SK_NOOP, 0, false },
	{ "dotglob", SK_DONE, SHOPT_DOTGLOB, false },
	{ "execfail", SK_NO, 0, false },
	{ "expand_aliases", SK_NOOP, 0, false },	/* shark always expands aliases */
	{ "extdebug", SK_NO, 0, false },
	{ "extglob", SK_DONE, SHOPT_EXTGLOB, false },
	{ "extquote", SK_NOOP, 0, true },
	{ "failglob", SK_NO, 0, false },
	{ "force_fignore", SK_NOOP, 0, true },
	{ "globasciiranges", SK_NOOP, 0, true },	/* ranges are byte ranges (C locale) */
	{ "globskipdots", SK_NOOP, 0, true },	/* . and .. never match * */
	{ "globstar", SK_DONE, SHOPT_GLOBSTAR, false },
	{ "gnu_errfmt", SK_NOOP, 0, false },
	{ "histappend", SK_NOOP, 0, false },
	{ "histreedit", SK_NOOP, 0, false },
	{ "histverify", SK_NOOP, 0, false },
	{ "hostcomplete", SK_NOOP, 0, true },
	{ "huponexit", SK_NOOP, 0, false },
	{ "inherit_errexit", SK_NO, 0, false },
	{ "interactive_comments", SK_NOOP, 0, true },
	{ "lastpipe", SK_NO, 0, false },
	{ "lithist", SK_NOOP, 0, false },
	{ "localvar_inherit", SK_NO, 0, false },
	{ "localvar_unset", SK_NO, 0, false },
	{ "login_shell", SK_NOOP, 0, false },
	{ "mailwarn", SK_NOOP, 0, false },
	{ "no_empty_cmd_completion", SK_NOOP, 0, false },
	{ "nocaseglob", SK_NO, 0, false },
	{ "nocasematch", SK_DONE, SHOPT_NOCASEMATCH, false },
	{ "noexpand_translation", SK_NOOP, 0, false },
	{ "nullglob", SK_DONE, SHOPT_NULLGLOB, false },
	{ "patsub_replacement", SK_NO, 0, true },
	{ "progcomp", SK_NOOP, 0, true },
	{ "progcomp_alias", SK_NOOP, 0, false },
	{ "promptvars", SK_NOOP, 0, true },
	{ "restricted_shell", SK_NOOP, 0, false },
	{ "shift_verbose", SK_NOOP, 0, false },
	{ "sourcepath", SK_NOOP, 0, true },
	{ "varredir_close", SK_NO, 0, false },
	{ "xpg_echo", SK_NO, 0, false },
};
enum { NSHOPTS = sizeof shopts / sizeof *shopts };

static int shopt_find(const char *name)
{
	for (int i = 0; i < NSHOPTS; i++)
		if (strcmp(shopts[i].name, name) == 0)
			return i;
	return -1;
}

static bool shopt_is_on(const struct shell *sh, int i)
{
	if (shopts[i].kind == SK_DONE)
		return (sh->shopt & shopts[i].bit) != 0;
	if (shopts[i].kind == SK_NOOP && sh->shopt_noop_init)
		return (sh->shopt_noop >> i) & 1;
	return shopts[i].on;
}

/* Set option i; -1 (message printed) when shark cannot do what it asks. */
static int shopt_set(struct shell *sh, int i, bool on)
{
	if (!sh->shopt_noop_init) {
		for (int k = 0; k < NSHOPTS; k++)
			if (shopts[k].on)
				sh->shopt_noop |= (uint64_t)1 << k;
		sh->shopt_noop_init = true;
	}
	switch (shopts[i].kind) {
	case SK_DONE:
		if (on)
			sh->shopt |= shopts[i].bit;
		else
			sh->shopt &= ~shopts[i].bit;
		return 0;
	case SK_NOOP:
		if (on)
			sh->shopt_noop |= (uint64_t)1 << i;
		else
			sh->shopt_noop &= ~((uint64_t)1 << i);
		return 0;
	default:
		if (on == shopts[i].on)
			return 0;	/* asking for what shark does anyway */
		fprintf(stderr, "shark: %s:%d: not supported by shark: shopt -%c %s\n",
			sh->arg0 ? sh->arg0 : "shark", sh->lineno, on ? 's' : 'u', shopts[i].name);
		return -1;
	}
}

static void shopt_print(struct shell *sh, int i, bool reusable)
{
	bool on = shopt_is_on(sh, i);
	if (reusable)
		out_fmt(sh, "shopt %s %s\n", on ? "-s" : "-u", shopts[i].name);
	else
		out_fmt(sh, "%-15s\t%s\n", shopts[i].name, on ? "on" : "off");
}

/* shopt [-s|-u] [-q] [-p] [-o] [NAME...] (docs/language.md lists which
 * options do something). */
int bi_shopt(struct shell *sh, int argc, char **argv)
{
	char mode = 0;	/* 's', 'u' or 0 (print) */
	bool quiet = false, reusable = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 's' || *c == 'u') {
				mode = *c;
			} else if (*c == 'q') {
				quiet = true;
			} else if (*c == 'p') {
				reusable = true;
			} else {
				sh_error(sh, "shopt: -%c: invalid option", *c);
				return 2;
			}
		}
	}
	if (i >= argc) {
		if (mode && !reusable)
			reusable = false;
		for (int k = 0; k < NSHOPTS; k++)
			if (!mode || shopt_is_on(sh, k) == (mode == 's'))
				if (!quiet)
					shopt_print(sh, k, reusable);
		return 0;
	}
	int status = 0;
	for (; i < argc; i++) {
		int k = shopt_find(argv[i]);
		if (k < 0) {
			sh_error(sh, "shopt: %s: invalid shell option name", argv[i]);
			status = 1;
			continue;
		}
		if (mode) {
			if (shopt_set(sh, k, mode == 's') < 0)
				status = 2;	/* not supported by shark */
			continue;
		}
		if (!shopt_is_on(sh, k))
			status = 1;
		if (!quiet)
			shopt_print(sh, k, reusable);
	}
	return status;
}
