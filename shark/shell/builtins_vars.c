/* builtins_vars.c - builtins about variables, options and arguments:
 * set (its options through options.c, shared with the command line),
 * export, readonly, unset, local, shift, getopts, read. */
#include "shark/shell/shell.h"
#include "shark/shell/array.h"
#include "shark/shell/bashvars.h"
#include "shark/shell/builtins.h"
#include "shark/shell/eval.h"
#include "shark/shell/options.h"
#include "shark/shell/trap.h"
#include "shark/shell/vars.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void set_positional(struct shell *sh, int argc, char **argv)
{
	for (int i = 0; i < sh->argc; i++)
		free(sh->argv[i]);
	free(sh->argv);
	sh->argv = calloc((size_t)argc + 1, sizeof *sh->argv);
	if (!sh->argv)
		abort();
	for (int i = 0; i < argc; i++)
		sh->argv[i] = strdup(argv[i]);
	sh->argc = argc;
	sh->optind_seen = 0;
	sh->optchar = 0;
}

/* Print a value quoted for re-input: 'it'\''s' */
static void out_quoted(struct shell *sh, const char *v)
{
	out_chr(sh, '\'');
	for (; *v; v++) {
		if (*v == '\'')
			out_str(sh, "'\"'\"'");
		else
			out_chr(sh, *v);
	}
	out_chr(sh, '\'');
}

static void print_var(struct shell *sh, struct var *v, void *ctx)
{
	const char *prefix = ctx;
	unsigned need = prefix ? (strcmp(prefix, "export") == 0 ? V_EXPORT : V_READONLY) : 0;
	if (need && !(v->flags & need))
		return;
	if (!need && !v->value)
		return;
	if (prefix)
		out_fmt(sh, "%s %s", prefix, v->name);
	else
		out_str(sh, v->name);
	if (v->value) {
		out_chr(sh, '=');
		out_quoted(sh, v->value);
	}
	out_chr(sh, '\n');
}

int bi_set(struct shell *sh, int argc, char **argv)
{
	if (argc == 1) {
		var_foreach_sorted(sh, print_var, NULL);
		return 0;
	}
	bool c = false, s = false;
	int i = options_parse(sh, argc, argv, false, &c, &s);
	if (i < 0) {
		sh_fatal(sh, 2);
		return 2;
	}
	bool dashdash = false;
	for (int k = 1; k < i; k++)
		if (strcmp(argv[k], "--") == 0 || strcmp(argv[k], "-") == 0)
			dashdash = true;
	if (i < argc || dashdash) {
		set_positional(sh, argc - i, argv + i);
		var_set(sh, "OPTIND", "1", 0);	/* as dash: new arguments, new getopts scan */
	}
	return 0;
}

static int declare(struct shell *sh, int argc, char **argv, unsigned flag, const char *what)
{
	int i = 1;
	bool print = false;
	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-p") == 0) {
			print = true;
			i++;
			continue;
		}
		sh_error(sh, "%s: Illegal option %s", what, argv[i]);
		return 2;
	}
	if (i >= argc || print) {
		var_foreach_sorted(sh, print_var, (void *)what);
		return 0;
	}
	int status = 0;
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t nl = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		if (!var_valid_name(argv[i], nl)) {
			sh_error(sh, "%s: %s: bad variable name", what, argv[i]);
			sh_fatal(sh, 2);
			return 2;
		}
		if (var_set_n(sh, argv[i], nl, eq ? eq + 1 : NULL, flag) < 0) {
			sh_fatal(sh, 2);
			return 2;
		}
	}
	return status;
}

int bi_export(struct shell *sh, int argc, char **argv)
{
	if (sh->bash && argc > 2 && (strcmp(argv[1], "-f") == 0 || strcmp(argv[1], "-fn") == 0 ||
				     strcmp(argv[1], "-nf") == 0))
		return bashvars_export_functions(sh, argv + 2, strcmp(argv[1], "-f") == 0);
	return declare(sh, argc, argv, V_EXPORT, "export");
}

int bi_readonly(struct shell *sh, int argc, char **argv)
{
	return declare(sh, argc, argv, V_READONLY, "readonly");
}

int bi_unset(struct shell *sh, int argc, char **argv)
{
	bool funcs = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-f") == 0)
			funcs = true;
		else if (strcmp(argv[i], "-v") == 0)
			funcs = false;
		else {
			sh_error(sh, "unset: Illegal option %s", argv[i]);
			return 2;
		}
	}
	int status = 0;
	for (; i < argc; i++) {
		if (funcs) {
			func_remove(sh, argv[i]);
			continue;
		}
		if (sh->bash && strchr(argv[i], '[')) {
			/* bash unset 'a[i]': one element */
			char *br = strchr(argv[i], '[');
			size_t len = strlen(argv[i]);
			intmax_t idx = 0;
			char *name = strndup(argv[i], (size_t)(br - argv[i]));
			char *sub = strndup(br + 1, len - (size_t)(br - argv[i]) - 1);
			if (name && sub && argv[i][len - 1] == ']') {
				sub[strlen(sub) - 1] = '\0';
				if (array_is_assoc(sh, name))
					assoc_unset(sh, name, sub);
				else if (arith_eval(sh, sub, &idx) == 0)
					array_unset_elem(sh, name, idx);
			}
			free(name);
			free(sub);
			continue;
		}
		if (!var_valid_name(argv[i], strlen(argv[i]))) {
			sh_error(sh, "unset: %s: bad variable name", argv[i]);
			status = 2;
			continue;
		}
		if (var_unset(sh, argv[i]) < 0) {
			sh_fatal(sh, 2);
			return 2;
		}
		if (sh->bash)
			array_clear(sh, argv[i]);
	}
	return status;
}

int bi_local(struct shell *sh, int argc, char **argv)
{
	if (sh->bash)
		return bi_declare(sh, argc, argv);	/* bash's local takes declare's options */
	if (sh->func_depth == 0) {
		sh_error(sh, "local: not in a function");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t nl = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		if (strcmp(argv[i], "-") == 0)
			continue;
		if (!var_valid_name(argv[i], nl)) {
			sh_error(sh, "local: %s: bad variable name", argv[i]);
			return 2;
		}
		char *name = strndup(argv[i], nl);
		var_make_local(sh, name);
		if (eq && var_set(sh, name, eq + 1, 0) < 0) {
			free(name);
			return 2;
		}
		free(name);
	}
	return 0;
}

int bi_shift(struct shell *sh, int argc, char **argv)
{
	long n = 1;
	if (argc > 1) {
		char *end;
		n = strtol(argv[1], &end, 10);
		if (*end || !*argv[1] || n < 0) {
			sh_error(sh, "shift: Illegal number: %s", argv[1]);
			sh_fatal(sh, 2);
			return 2;
		}
	}
	if (n > sh->argc) {
		sh_error(sh, "shift: can't shift that many");
		sh_fatal(sh, 2);
		return 2;
	}
	for (long i = 0; i < n; i++)
		free(sh->argv[i]);
	memmove(sh->argv, sh->argv + n, (size_t)(sh->argc - n + 1) * sizeof *sh->argv);
	sh->argc -= (int)n;
	return 0;
}

int bi_getopts(struct shell *sh, int argc, char **argv)
{
	if (argc < 3) {
		sh_error(sh, "getopts: usage: getopts optstring var [arg...]");
		return 2;
	}
	const char *optstring = argv[1];
	const char *name = argv[2];
	char **args = argc > 3 ? argv + 3 : sh->argv;
	int nargs = argc > 3 ? argc - 3 : sh->argc;
	const char *oi = var_get(sh, "OPTIND");
	int oind = oi ? atoi(oi) : 1;
	if (oind < 1)
		oind = 1;
	if (oind != sh->optind_seen)
		sh->optchar = 0;
	bool silent = optstring[0] == ':';
	char obuf[2] = { 0, 0 };
	char ibuf[32];
	int ret = 0;
	if (sh->optchar == 0) {
		if (oind > nargs || args[oind - 1][0] != '-' || args[oind - 1][1] == '\0') {
			ret = 1;
			goto end;
		}
		if (strcmp(args[oind - 1], "--") == 0) {
			oind++;
			ret = 1;
			goto end;
		}
		sh->optchar = 1;
	}
	const char *arg = args[oind - 1];
	char c = arg[sh->optchar];
	const char *spec = c != ':' ? strchr(optstring + (silent ? 1 : 0), c) : NULL;
	sh->optchar++;
	bool at_end = arg[sh->optchar] == '\0';
	if (!spec) {
		obuf[0] = c;
		if (silent) {
			var_set(sh, "OPTARG", obuf, 0);
		} else {
			sh_error(sh, "Illegal option -%c", c);
			var_unset(sh, "OPTARG");
		}
		var_set(sh, name, "?", 0);
		if (at_end) {
			oind++;
			sh->optchar = 0;
		}
		goto set_ind;
	}
	if (spec[1] == ':') {
		if (!at_end) {
			var_set(sh, "OPTARG", arg + sh->optchar, 0);
			oind++;
		} else if (oind < nargs) {
			var_set(sh, "OPTARG", args[oind], 0);
			oind += 2;
		} else {
			obuf[0] = c;
			if (silent) {
				var_set(sh, "OPTARG", obuf, 0);
				var_set(sh, name, ":", 0);
			} else {
				sh_error(sh, "No arg for -%c option", c);
				var_unset(sh, "OPTARG");
				var_set(sh, name, "?", 0);
			}
			oind++;
			sh->optchar = 0;
			goto set_ind;
		}
		sh->optchar = 0;
	} else {
		var_unset(sh, "OPTARG");
		if (at_end) {
			oind++;
			sh->optchar = 0;
		}
	}
	obuf[0] = c;
	var_set(sh, name, obuf, 0);
set_ind:
	snprintf(ibuf, sizeof ibuf, "%d", oind);
	var_set(sh, "OPTIND", ibuf, 0);
	sh->optind_seen = oind;
	return 0;
end:
	sh->optchar = 0;
	var_set(sh, name, "?", 0);
	snprintf(ibuf, sizeof ibuf, "%d", oind);
	var_set(sh, "OPTIND", ibuf, 0);
	sh->optind_seen = oind;
	return ret;
}
