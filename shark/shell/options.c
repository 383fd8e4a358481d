/* options.c - the shell's options (set -e, -o pipefail, ...): one table
 * of letter, name and field of struct options, read by the command line
 * (main.c), `set`, and $- (expand.c). */
#include "shark/shell/options.h"
#include "shark/shell/shell.h"

#include <stddef.h>
#include <string.h>

static const struct {
	char letter;
	const char *name;
	size_t off;
} option_table[] = {
	{ 'e', "errexit", offsetof(struct options, errexit) },
	{ 'f', "noglob", offsetof(struct options, noglob) },
	{ 'I', "ignoreeof", offsetof(struct options, ignoreeof) },
	{ 'i', "interactive", offsetof(struct options, interactive) },
	{ 'm', "monitor", offsetof(struct options, monitor) },
	{ 'n', "noexec", offsetof(struct options, noexec) },
	{ 's', "stdin", offsetof(struct options, stdin_cmds) },
	{ 'x', "xtrace", offsetof(struct options, xtrace) },
	{ 'v', "verbose", offsetof(struct options, verbose) },
	{ 'V', "vi", offsetof(struct options, vi) },
	{ 'E', "emacs", offsetof(struct options, emacs) },
	{ 'C', "noclobber", offsetof(struct options, noclobber) },
	{ 'a', "allexport", offsetof(struct options, allexport) },
	{ 'b', "notify", offsetof(struct options, notify) },
	{ 'u', "nounset", offsetof(struct options, nounset) },
	{ 0, "pipefail", offsetof(struct options, pipefail) },
};

enum { NOPTIONS = sizeof option_table / sizeof *option_table };

static bool *opt_ptr(struct shell *sh, size_t i)
{
	return (bool *)((char *)&sh->opt + option_table[i].off);
}

/* -V and -E exclude each other, as in dash (-o vi and -o emacs do not) */
static void set_opt(struct shell *sh, size_t i, bool on)
{
	*opt_ptr(sh, i) = on;
	if (on && option_table[i].letter == 'V')
		sh->opt.emacs = false;
	if (on && option_table[i].letter == 'E')
		sh->opt.vi = false;
}

/* set -o / +o option by name; returns -1 if unknown. */
static int set_option_name(struct shell *sh, const char *name, bool on)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcmp(option_table[i].name, name) == 0) {
			*opt_ptr(sh, i) = on;	/* dash: -o vi leaves emacs alone */
			return 0;
		}
	}
	return -1;
}

static int set_option_letter(struct shell *sh, char c, bool on)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (option_table[i].letter == c) {
			set_opt(sh, i, on);
			return 0;
		}
	}
	return -1;
}

void options_string(struct shell *sh, char *buf, size_t n)
{
	/* dash's order: the table (dash's own order) walked backwards */
	size_t o = 0;
	for (size_t i = NOPTIONS; i-- > 0 && o + 1 < n;)
		if (option_table[i].letter && *opt_ptr(sh, i))
			buf[o++] = option_table[i].letter;
	buf[o] = '\0';
}

static void print_options(struct shell *sh, bool as_commands)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		bool on = *opt_ptr(sh, i);
		if (as_commands)
			out_fmt(sh, "set %co %s\n", on ? '-' : '+', option_table[i].name);
		else
			out_fmt(sh, "%-16s%s\n", option_table[i].name, on ? "on" : "off");
	}
}

int options_parse(struct shell *sh, int argc, char **argv, bool cmdline, bool *ret_c, bool *ret_s)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if ((a[0] != '-' && a[0] != '+') || !a[1]) {
			if (a[0] == '-' && !a[1] && !cmdline) {
				sh->opt.xtrace = sh->opt.verbose = false;
				i++;
			}
			break;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		bool on = a[0] == '-';
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'o') {
				if (i + 1 >= argc) {
					print_options(sh, !on);
					continue;
				}
				if (set_option_name(sh, argv[++i], on) < 0) {
					sh_error(sh, "set: Illegal option -o %s", argv[i]);
					return -1;
				}
				continue;
			}
			if (cmdline && *c == 'c') {
				*ret_c = true;
				continue;
			}
			if (cmdline && *c == 's') {
				*ret_s = true;
				continue;
			}
			if (set_option_letter(sh, *c, on) < 0) {
				sh_error(sh, "%sIllegal option %c%c", cmdline ? "" : "set: ", a[0], *c);
				return -1;
			}
		}
	}
	return i;
}

int options_get(struct shell *sh, const char *name, bool *ret_on)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcmp(option_table[i].name, name) == 0) {
			*ret_on = *opt_ptr(sh, i);
			return 0;
		}
	}
	return -1;
}
