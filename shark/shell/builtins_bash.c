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

/* declare/typeset/local [-grxi] [NAME[=value]...]: in a function, the
 * names are local unless -g; -x exports, -r makes read-only, -i is
 * accepted (values are not evaluated as arithmetic), -a too (arrays are
 * made by NAME=(...)), -A makes an associative array (array.c). Functions
 * (-f, -F), printing (-p) and the rest are not supported. */
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
			case 'i': break;
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
