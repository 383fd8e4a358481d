/* lookup.c - what a command name means (cmd_find: special builtin,
 * function, regular builtin or program), the reserved words, the PATH
 * search, and the builtins that describe names: type and command. */
#include "shark/shell/lookup.h"
#include "shark/shell/alias.h"
#include "shark/shell/builtins.h"
#include "shark/shell/eval.h"
#include "shark/shell/shell.h"
#include "shark/shell/vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const reserved_words[] = {
	"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in",
	"then", "until", "while", NULL,
};

static bool cmd_is_reserved_word(const char *name)
{
	for (size_t k = 0; reserved_words[k]; k++)
		if (strcmp(reserved_words[k], name) == 0)
			return true;
	return false;
}

/* bash's further keywords, for type and command -v/-V in bash mode */
static bool bash_keyword(const struct shell *sh, const char *name)
{
	static const char *const words[] = { "[[", "]]", "function", "select", "time", "coproc", NULL };
	if (!sh->bash)
		return false;
	for (size_t k = 0; words[k]; k++)
		if (strcmp(words[k], name) == 0)
			return true;
	return false;
}

const char *const *cmd_reserved_words(void)
{
	return reserved_words;
}

struct cmd_entry cmd_find(struct shell *sh, const char *name, unsigned flags)
{
	const struct builtin *bi = builtin_lookup(name);
	if (bi && (bi->flags & BI_BASH) && !sh->bash)
		bi = NULL;
	if (bi && (bi->flags & BI_SPECIAL))
		return (struct cmd_entry){ .kind = CMD_SPECIAL, .bi = bi };
	struct func *fn = (flags & CMD_NO_FUNCS) ? NULL : func_lookup(sh, name);
	if (fn)
		return (struct cmd_entry){ .kind = CMD_FUNCTION, .fn = fn };
	if (bi)
		return (struct cmd_entry){ .kind = CMD_BUILTIN, .bi = bi };
	return (struct cmd_entry){ .kind = CMD_PROGRAM };
}

bool cmd_is_program(struct shell *sh, const char *name)
{
	return cmd_find(sh, name, 0).kind == CMD_PROGRAM;
}

char *path_search(struct shell *sh, const char *name, bool need_exec)
{
	if (strchr(name, '/'))
		return strdup(name);
	const char *path = var_get(sh, "PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	size_t nl = strlen(name);
	const char *p = path;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		size_t l = dl + nl + 2;
		char *full = malloc(l);
		if (!full)
			abort();
		if (dl == 0)
			snprintf(full, l, "%s", name);
		else
			snprintf(full, l, "%.*s/%s", (int)dl, p, name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    (!need_exec || access(full, X_OK) == 0))
			return full;
		free(full);
		if (!colon)
			break;
		p = colon + 1;
	}
	return NULL;
}

/* --- type and command -v ------------------------------------------------------------ */

/* mode 0: command -v, 1: command -V / type */
static int describe(struct shell *sh, const char *name, int mode)
{
	if (cmd_is_reserved_word(name) || bash_keyword(sh, name)) {
		if (mode == 0)
			out_fmt(sh, "%s\n", name);
		else
			out_fmt(sh, "%s is a shell keyword\n", name);
		return 0;
	}
	struct alias *a = alias_find(sh, name);
	if (a) {
		if (mode == 0) {
			out_str(sh, "alias ");
			alias_print(sh, a);
		} else {
			out_fmt(sh, "%s is an alias for %s\n", name, a->value);
		}
		return 0;
	}
	static const char *const what[] = {
		[CMD_SPECIAL] = "a special shell builtin",
		[CMD_FUNCTION] = "a shell function",
		[CMD_BUILTIN] = "a shell builtin",
	};
	struct cmd_entry e = cmd_find(sh, name, 0);
	if (e.kind != CMD_PROGRAM) {
		if (mode == 0)
			out_fmt(sh, "%s\n", name);
		else
			out_fmt(sh, "%s is %s\n", name, what[e.kind]);
		return 0;
	}
	char *path = path_search(sh, name, true);
	if (path && strchr(name, '/') && access(path, X_OK) != 0) {
		free(path);
		path = NULL;
	}
	if (!path) {
		if (mode == 1)
			sh_error(sh, "%s: not found", name);
		return 127;
	}
	if (mode == 0)
		out_fmt(sh, "%s\n", path);
	else
		out_fmt(sh, "%s is %s\n", name, path);
	free(path);
	return 0;
}

/* bash's type -t/-p/-P for one name: the kind's word (opt 't'), or the
 * path of a program ('p': only when no alias, keyword, function or builtin
 * comes first); force (-P given): programs only. Returns 0, or 1 when
 * nothing was found. */
static int bash_type_one(struct shell *sh, const char *name, char opt, bool force)
{
	const char *kind = NULL;
	if (!force) {
		struct cmd_entry e = cmd_find(sh, name, 0);
		if (alias_find(sh, name))
			kind = "alias";
		else if (cmd_is_reserved_word(name) || bash_keyword(sh, name))
			kind = "keyword";
		else if (e.kind == CMD_FUNCTION)
			kind = "function";
		else if (e.kind != CMD_PROGRAM)
			kind = "builtin";
	}
	if (kind) {
		if (opt == 't')
			out_fmt(sh, "%s\n", kind);
		return 0;
	}
	char *path = path_search(sh, name, true);
	if (path && strchr(name, '/') && access(path, X_OK) != 0) {
		free(path);
		path = NULL;
	}
	if (!path)
		return 1;
	out_fmt(sh, "%s\n", opt == 't' ? "file" : path);
	free(path);
	return 0;
}

/* bash's type: -t, -p and -P as above; -a and -f are accepted (the first
 * match is shown); a name not found is status 1. */
static int bash_type(struct shell *sh, int argc, char **argv)
{
	char opt = 0;
	bool force = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 't' || *c == 'p' || *c == 'P') {
				opt = *c == 't' ? 't' : 'p';	/* the last one */
				force = force || *c == 'P';
			} else if (*c != 'a' && *c != 'f') {
				sh_error(sh, "type: -%c: invalid option", *c);
				return 2;
			}
		}
	}
	int status = 0;
	for (; i < argc; i++)
		if (opt ? bash_type_one(sh, argv[i], opt, force) : describe(sh, argv[i], 1) != 0)
			status = 1;
	return status;
}

int bi_type(struct shell *sh, int argc, char **argv)
{
	if (sh->bash)
		return bash_type(sh, argc, argv);
	int status = 0;
	for (int i = 1; i < argc; i++)
		if (describe(sh, argv[i], 1))
			status = 127;
	return status;
}

int bi_command(struct shell *sh, int argc, char **argv)
{
	int mode = -1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 'v')
				mode = 0;
			else if (*c == 'V')
				mode = 1;
			else if (*c != 'p') {
				sh_error(sh, "command: Illegal option -%c", *c);
				return 2;
			}
		}
	}
	if (mode < 0)
		return 0;	/* plain `command` with no name */
	int status = 0;
	for (; i < argc; i++)
		if (describe(sh, argv[i], mode))
			status = sh->bash ? 1 : 127;	/* bash: 1 */
	return status;
}

/* hash [-r] [NAME...]: shark remembers no command locations (the sandbox
 * looks each program up when it runs), so there is nothing to list or
 * forget; a NAME is checked the way dash does: an error when it is
 * neither a builtin, a function nor a program in $PATH. */
int bi_hash(struct shell *sh, int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c != 'r') {
				sh_error(sh, "hash: Illegal option -%c", *c);
				return 2;
			}
		}
	}
	int status = 0;
	for (; i < argc; i++) {
		if (cmd_find(sh, argv[i], 0).kind != CMD_PROGRAM)
			continue;
		char *path = path_search(sh, argv[i], true);
		if (!path) {
			sh_error(sh, "hash: %s: not found", argv[i]);
			status = 1;
		}
		free(path);
	}
	return status;
}
