/* alias.c - the alias table (a list sorted by name in sh->aliases) and
 * the builtins that change it, alias and unalias. */
#include "shark/shell/alias.h"
#include "shark/shell/shell.h"

#include <stdlib.h>
#include <string.h>

void alias_free_all(struct shell *sh)
{
	while (sh->aliases) {
		struct alias *a = sh->aliases;
		sh->aliases = a->next;
		free(a->name);
		free(a->value);
		free(a);
	}
}

struct alias *alias_find(struct shell *sh, const char *name)
{
	for (struct alias *a = sh->aliases; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

void alias_print(struct shell *sh, const struct alias *a)
{
	out_fmt(sh, "%s='", a->name);
	for (const char *c = a->value; *c; c++) {
		if (*c == '\'')
			out_str(sh, "'\"'\"'");
		else
			out_chr(sh, *c);
	}
	out_str(sh, "'\n");
}

int bi_alias(struct shell *sh, int argc, char **argv)
{
	if (argc == 1) {
		for (struct alias *a = sh->aliases; a; a = a->next)
			alias_print(sh, a);
		return 0;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) {
			struct alias *a = alias_find(sh, argv[i]);
			if (a) {
				alias_print(sh, a);
			} else {
				sh_error(sh, "alias: %s not found", argv[i]);
				status = 1;
			}
			continue;
		}
		char *name = strndup(argv[i], (size_t)(eq - argv[i]));
		struct alias *a = alias_find(sh, name);
		if (a) {
			free(a->value);
			a->value = strdup(eq + 1);
			free(name);
		} else {
			a = calloc(1, sizeof *a);
			if (!a)
				abort();
			a->name = name;
			a->value = strdup(eq + 1);
			struct alias **tail = &sh->aliases;
			while (*tail && strcmp((*tail)->name, name) < 0)
				tail = &(*tail)->next;
			a->next = *tail;
			*tail = a;
		}
	}
	return status;
}

int bi_unalias(struct shell *sh, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-a") == 0) {
		alias_free_all(sh);
		return 0;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		bool found = false;
		for (struct alias **pp = &sh->aliases; *pp; pp = &(*pp)->next) {
			if (strcmp((*pp)->name, argv[i]) == 0) {
				struct alias *a = *pp;
				*pp = a->next;
				free(a->name);
				free(a->value);
				free(a);
				found = true;
				break;
			}
		}
		if (!found) {
			sh_error(sh, "unalias: %s not found", argv[i]);
			status = 1;
		}
	}
	return status;
}
