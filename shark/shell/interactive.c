/* interactive.c - the interactive front end: GNU readline with PS1/PS2
 * (parameter-expanded), persistent history in
 * ${XDG_STATE_HOME:-$HOME/.local/state}/shark/history, command and filename
 * completion, and Ctrl-C that abandons the line being typed. */
#include "shark/shell/lookup.h"
#include "shark/shell/alias.h"
#include "shark/shell/builtins.h"
#include "shark/shell/eval.h"
#include "shark/shell/interactive.h"
#include "shark/shell/jobs.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"
#include "shark/shell/vars.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

enum { HISTORY_MAX = 10000 };

/* readline's callbacks take no context pointer: the one interactive shell of
 * the process is kept here for the completion generator. */
static struct shell *rl_shell;

/* readline's input function: a read interrupted by Ctrl-C (our SIGINT
 * handler is installed without SA_RESTART) empties the line and ends it, so
 * readline returns at once and the caller sees sig_int_seen. */
static int shark_getc(FILE *f)
{
	for (;;) {
		unsigned char c;
		ssize_t n = read(fileno(f), &c, 1);
		if (n == 1)
			return c;
		if (n == 0)
			return EOF;
		if (errno != EINTR)
			return EOF;
		if (sig_int_seen) {
			rl_replace_line("", 0);
			return '\n';
		}
	}
}

static void mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	}
	mkdir(path, 0700);
}

static void add_match(struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return;
	strlist_push(l, strdup(s));
}

static char *command_generator(const char *text, int state)
{
	static struct strlist matches;
	static size_t next;
	if (state == 0) {
		strlist_free(&matches);
		next = 0;
		size_t tl = strlen(text);
		struct shell *sh = rl_shell;
		/* the reserved words that are words ("if", not "{") */
		for (const char *const *w = cmd_reserved_words(); *w; w++)
			if (isalpha((unsigned char)**w) && strncmp(*w, text, tl) == 0)
				add_match(&matches, *w);
		size_t nb;
		const struct builtin *bt = builtin_table(&nb);
		for (size_t i = 0; i < nb; i++)
			if (strncmp(bt[i].name, text, tl) == 0)
				add_match(&matches, bt[i].name);
		for (size_t h = 0; h < FUNC_HASH_SIZE; h++)
			for (struct func *f = sh->funcs[h]; f; f = f->next)
				if (strncmp(f->name, text, tl) == 0)
					add_match(&matches, f->name);
		for (struct alias *a = sh->aliases; a; a = a->next)
			if (strncmp(a->name, text, tl) == 0)
				add_match(&matches, a->name);
		const char *path = var_get(sh, "PATH");
		char *copy = strdup(path ? path : "");
		char *save = NULL;
		for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			DIR *d = opendir(dir);
			if (!d)
				continue;
			struct dirent *de;
			while ((de = readdir(d)) && matches.n < 5000) {
				if (de->d_name[0] == '.' || strncmp(de->d_name, text, tl) != 0)
					continue;
				char full[4096];
				snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
				if (access(full, X_OK) == 0)
					add_match(&matches, de->d_name);
			}
			closedir(d);
		}
		free(copy);
	}
	if (next < matches.n)
		return strdup(matches.v[next++]);
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	int i = start - 1;
	while (i >= 0 && (rl_line_buffer[i] == ' ' || rl_line_buffer[i] == '\t'))
		i--;
	bool command_pos = i < 0 || strchr(";|&(", rl_line_buffer[i]);
	if (command_pos && !strchr(text, '/'))
		return rl_completion_matches(text, command_generator);
	return NULL;	/* readline falls back to file names */
}

void interactive_init(struct shell *sh)
{
	rl_shell = sh;
	jobs_control_init(sh);
	rl_readline_name = "shark";
	rl_catch_signals = 0;
	rl_getc_function = shark_getc;
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(HISTORY_MAX);
	const char *state = var_get(sh, "XDG_STATE_HOME");
	const char *home = var_get(sh, "HOME");
	char dir[4096];
	if (state && state[0] == '/')
		snprintf(dir, sizeof dir, "%s/shark", state);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.local/state/shark", home);
	else
		return;
	mkdir_p(dir);
	size_t l = strlen(dir) + sizeof "/history";
	sh->histfile = malloc(l);
	if (!sh->histfile)
		abort();
	snprintf(sh->histfile, l, "%s/history", dir);
	int fd = open(sh->histfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	read_history(sh->histfile);
}

void interactive_done(struct shell *sh)
{
	if (sh->histfile)
		history_truncate_file(sh->histfile, HISTORY_MAX);
	clear_history();
	rl_shell = NULL;
	jobs_control_release(sh);
}

char *interactive_readline(struct shell *sh, bool continuation)
{
	const char *ps = var_get(sh, continuation ? "PS2" : "PS1");
	char *prompt = NULL;
	if (ps) {
		struct word *w = parse_prompt_word(sh, ps);
		if (w) {
			int save = sh->status;
			prompt = expand_word_str(sh, w, false);
			sh->status = save;
			if (sh->jump == J_ABORT)
				sh->jump = J_NONE;
			word_free(w);
		}
	}
	/* set -o vi / -o emacs choose readline's editing mode; with
	 * neither, the user's inputrc decides */
	if (sh->opt.vi && rl_editing_mode != 0)
		rl_variable_bind("editing-mode", "vi");
	else if (sh->opt.emacs && rl_editing_mode != 1)
		rl_variable_bind("editing-mode", "emacs");
	sig_int_seen = 0;
	char *line = readline(prompt ? prompt : "");
	free(prompt);
	if (sig_int_seen) {
		free(line);
		return NULL;
	}
	if (!line) {
		fputc('\n', stderr);
		return NULL;
	}
	if (line[0] && line[0] != ' ') {
		add_history(line);
		if (sh->histfile)
			append_history(1, sh->histfile);
	}
	size_t n = strlen(line);
	char *out = malloc(n + 2);
	if (!out)
		abort();
	memcpy(out, line, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(line);
	return out;
}
