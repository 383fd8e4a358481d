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

#include <dlfcn.h>
#include <readline/history.h>
#include <readline/readline.h>

enum { HISTORY_MAX = 10000 };

/* GNU readline is opened when a shell turns interactive (dlopen), not
 * linked: linked in, its keymaps and tables were relocated and its pages
 * touched at every start of every shark process (each script, each
 * `shark -c`), which only an interactive shell uses (docs/performance.md).
 * The pointers are typed from readline's headers; the variables are reached
 * through their addresses. Without the library, lines are read plainly
 * (prompt, no editing, no history). */
#define READLINE_SONAME "libreadline.so.8"
#define RL_FUNCS(X) \
	X(add_history) \
	X(append_history) \
	X(clear_history) \
	X(history_truncate_file) \
	X(read_history) \
	X(readline) \
	X(rl_completion_matches) \
	X(rl_replace_line) \
	X(rl_variable_bind) \
	X(stifle_history) \
	X(using_history)
#define RL_VARS(X) \
	X(rl_attempted_completion_function) \
	X(rl_catch_signals) \
	X(rl_editing_mode) \
	X(rl_getc_function) \
	X(rl_line_buffer) \
	X(rl_readline_name)

static struct {
	bool loaded;
#define RL_PTR(f) __typeof__(f) *f;
	RL_FUNCS(RL_PTR)
	RL_VARS(RL_PTR)
#undef RL_PTR
} rl;

/* Open readline once; false (and plain reading) when it cannot be. */
static bool rl_load(void)
{
	static bool tried;
	if (tried)
		return rl.loaded;
	tried = true;
	void *h = dlopen(READLINE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "shark: no line editing or history: %s\n", dlerror());
		return false;
	}
	bool ok = true;
#define RL_SYM(f)                                                    \
	if (ok && !(*(void **)&rl.f = dlsym(h, #f))) {               \
		fprintf(stderr, "shark: no line editing or history: %s: no symbol %s\n", \
			READLINE_SONAME, #f);                         \
		ok = false;                                          \
	}
	RL_FUNCS(RL_SYM)
	RL_VARS(RL_SYM)
#undef RL_SYM
	if (!ok) {
		dlclose(h);
		return false;
	}
	rl.loaded = true;
	return true;
}

/* Without readline: print the prompt and read one line from fd 0 (NULL at
 * end of input; an empty line when Ctrl-C interrupts the read). */
static char *plain_readline(const char *prompt)
{
	fputs(prompt, stderr);
	fflush(stderr);
	size_t len = 0, cap = 128;
	char *line = malloc(cap);
	if (!line)
		abort();
	for (;;) {
		char c;
		ssize_t n = read(0, &c, 1);
		if (n < 0 && errno == EINTR) {
			if (!sig_int_seen)
				continue;
			len = 0;
			break;
		}
		if (n <= 0) {
			if (len == 0) {
				free(line);
				return NULL;
			}
			break;
		}
		if (c == '\n')
			break;
		if (len + 1 >= cap) {
			char *bigger = realloc(line, cap *= 2);
			if (!bigger)
				abort();
			line = bigger;
		}
		line[len++] = c;
	}
	line[len] = '\0';
	return line;
}

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
			rl.rl_replace_line("", 0);
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
	const char *buf = *rl.rl_line_buffer;
	while (i >= 0 && (buf[i] == ' ' || buf[i] == '\t'))
		i--;
	bool command_pos = i < 0 || strchr(";|&(", buf[i]);
	if (command_pos && !strchr(text, '/'))
		return rl.rl_completion_matches(text, command_generator);
	return NULL;	/* readline falls back to file names */
}

void interactive_init(struct shell *sh)
{
	rl_shell = sh;
	jobs_control_init(sh);
	if (!rl_load())
		return;
	*rl.rl_readline_name = "shark";
	*rl.rl_catch_signals = 0;
	*rl.rl_getc_function = shark_getc;
	*rl.rl_attempted_completion_function = complete;
	rl.using_history();
	rl.stifle_history(HISTORY_MAX);
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
	rl.read_history(sh->histfile);
}

void interactive_done(struct shell *sh)
{
	if (rl.loaded) {
		if (sh->histfile)
			rl.history_truncate_file(sh->histfile, HISTORY_MAX);
		rl.clear_history();
	}
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
	if (rl.loaded && sh->opt.vi && *rl.rl_editing_mode != 0)
		rl.rl_variable_bind("editing-mode", "vi");
	else if (rl.loaded && sh->opt.emacs && *rl.rl_editing_mode != 1)
		rl.rl_variable_bind("editing-mode", "emacs");
	sig_int_seen = 0;
	char *line = rl.loaded ? rl.readline(prompt ? prompt : "") : plain_readline(prompt ? prompt : "");
	free(prompt);
	if (sig_int_seen) {
		free(line);
		return NULL;
	}
	if (!line) {
		fputc('\n', stderr);
		return NULL;
	}
	if (rl.loaded && line[0] && line[0] != ' ') {
		rl.add_history(line);
		if (sh->histfile)
			rl.append_history(1, sh->histfile);
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
