/* alias.h - the alias table: `alias` and `unalias` change it, the parser
 * substitutes from it (parser.c), `type` and `command -v` describe from it
 * (lookup.c), completion offers its names (interactive.c). */
#ifndef SHARK_SHELL_ALIAS_H
#define SHARK_SHELL_ALIAS_H

struct shell;

struct alias {
	char *name;
	char *value;
	struct alias *next;	/* sorted by name */
};

/* alias_find - the alias named name, or NULL. Owned by the table; valid
 * until it is redefined or removed. */
struct alias *alias_find(struct shell *sh, const char *name);

/* alias_print - "NAME='VALUE'" (quoted for re-input) to the builtin output. */
void alias_print(struct shell *sh, const struct alias *a);

/* alias_free_all - empty the table. */
void alias_free_all(struct shell *sh);

int bi_alias(struct shell *sh, int argc, char **argv);
int bi_unalias(struct shell *sh, int argc, char **argv);

#endif
