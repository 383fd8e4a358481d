/* bashvars.c - bash's PIPESTATUS, FUNCNAME and BASH_SOURCE, built from
 * the shell's state (sh->pipestatus, the sh->frames call stack) when a
 * script reads them (bashvars.h). */
#include "shark/shell/bashvars.h"
#include "shark/shell/array.h"
#include "shark/shell/ast.h"
#include "shark/shell/eval.h"
#include "shark/shell/input.h"
#include "shark/shell/vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void bashvars_scan_text(struct shell *sh, const char *text, size_t len)
{
	if (memmem(text, len, "PIPESTATUS", 10))
		sh->pipestatus_used = true;
}

void bashvars_scan_fd(struct shell *sh, int fd)
{
	char buf[65536];
	size_t keep = 0;
	off_t off = 0;
	while (off < ((off_t)16 << 20) && !sh->pipestatus_used) {
		ssize_t n = pread(fd, buf + keep, sizeof buf - keep, off);
		if (n <= 0)
			break;
		size_t len = keep + (size_t)n;
		bashvars_scan_text(sh, buf, len);
		off += n;
		keep = len < 9 ? len : 9;	/* a name across two blocks */
		memmove(buf, buf + len - keep, keep);
	}
}

void bashvars_set_pipestatus(struct shell *sh, const int *statuses, size_t n)
{
	if (n > sh->npipestatus) {
		int *p = reallocarray(sh->pipestatus, n, sizeof *p);
		if (!p)
			abort();
		sh->pipestatus = p;
	}
	memcpy(sh->pipestatus, statuses, n * sizeof *statuses);
	sh->npipestatus = n;
}

/* The bottom of the input stack: the script, "-c" or "stdin". */
static const struct source *main_source(const struct shell *sh)
{
	const struct source *s = sh->src;
	while (s && s->prev)
		s = s->prev;
	return s;
}

static bool main_is_script(const struct shell *sh)
{
	const struct source *s = main_source(sh);
	return s && s->fd > 0 && s->name;
}

const char *bashvars_current_file(struct shell *sh)
{
	if (sh->frames)
		return sh->frames->file;
	return main_is_script(sh) ? main_source(sh)->name : "";
}

/* Replace NAME by the n values (copied). */
static void set_array(struct shell *sh, const char *name, char **values, size_t n)
{
	array_assign(sh, name, values, n, false);
}

void bashvars_sync(struct shell *sh, const char *name)
{
	struct strlist vals = { 0 };
	if (strcmp(name, "PIPESTATUS") == 0) {
		for (size_t i = 0; i < sh->npipestatus; i++) {
			char num[16];
			snprintf(num, sizeof num, "%d", sh->pipestatus[i]);
			strlist_push(&vals, strdup(num));
		}
	} else if (strcmp(name, "FUNCNAME") == 0) {
		bool in_func = false;
		for (const struct call_frame *f = sh->frames; f; f = f->prev)
			in_func |= f->func != NULL;
		if (in_func) {
			for (const struct call_frame *f = sh->frames; f; f = f->prev)
				strlist_push(&vals, strdup(f->func ? f->func : "source"));
			if (main_source(sh) && strcmp(main_source(sh)->name, "-c") != 0)
				strlist_push(&vals, strdup("main"));
		}
	} else if (strcmp(name, "BASH_SOURCE") == 0) {
		for (const struct call_frame *f = sh->frames; f; f = f->prev)
			strlist_push(&vals, strdup(f->file));
		if (main_is_script(sh) || sh->frames)
			strlist_push(&vals, strdup(main_is_script(sh) ? main_source(sh)->name : ""));
	} else {
		return;
	}
	set_array(sh, name, vals.v, vals.n);
	strlist_free(&vals);
}

void bashvars_init(struct shell *sh)
{
	/* what bash tells scripts about the system ([[ $OSTYPE == linux* ]]) */
	struct utsname u;
	const char *machine = uname(&u) == 0 ? u.machine : "unknown";
	char mt[128];
	snprintf(mt, sizeof mt, "%s-pc-linux-gnu", machine);
	var_set(sh, "OSTYPE", "linux-gnu", 0);
	var_set(sh, "HOSTTYPE", machine, 0);
	var_set(sh, "MACHTYPE", mt, 0);
}

void bashvars_import_functions(struct shell *sh, char **envp)
{
	static const char prefix[] = "BASH_FUNC_";
	for (char **e = envp; e && *e; e++) {
		if (strncmp(*e, prefix, sizeof prefix - 1) != 0)
			continue;
		const char *name = *e + sizeof prefix - 1;
		const char *end = strstr(name, "%%=");
		if (!end || end == name || strncmp(end + 3, "() ", 3) != 0)
			continue;
		size_t nl = (size_t)(end - name);
		const char *body = end + 5;
		size_t l = nl + strlen(body) + 4;
		char *text = malloc(l);
		if (!text)
			abort();
		snprintf(text, l, "%.*s() %s", (int)nl, name, body);
		struct node *n = NULL;
		if (parse_string(sh, "environment", text, strlen(text), 1, &n) == PARSE_OK && n &&
		    n->kind == N_FUNCDEF && strlen(n->name) == nl && strncmp(n->name, name, nl) == 0) {
			eval_node(sh, n);
			struct func *f = func_lookup(sh, n->name);
			if (f)
				f->exported = true;
		} else {
			fprintf(stderr, "shark: error importing function definition for `%.*s'\n", (int)nl,
				name);
		}
		ast_free(n);
		free(text);
	}
}

int bashvars_export_functions(struct shell *sh, char **names, bool on)
{
	int status = 0;
	for (; *names; names++) {
		struct func *f = func_lookup(sh, *names);
		if (!f) {
			sh_error(sh, "export: %s: not a function", *names);
			status = 1;
			continue;
		}
		f->exported = on;
		sh->var_generation++;
	}
	return status;
}

void bashvars_function_environ(struct shell *sh, char ***env, size_t *n, size_t *cap)
{
	for (size_t h = 0; h < FUNC_HASH_SIZE; h++) {
		for (const struct func *f = sh->funcs[h]; f; f = f->next) {
			if (!f->exported || !f->text)
				continue;
			if (*n + 2 > *cap) {
				*cap *= 2;
				char **ne = reallocarray(*env, *cap, sizeof **env);
				if (!ne)
					abort();
				*env = ne;
			}
			size_t l = strlen(f->name) + strlen(f->text) + 20;
			char *s = malloc(l);
			if (!s)
				abort();
			snprintf(s, l, "BASH_FUNC_%s%%%%=() %s", f->name, f->text);
			(*env)[(*n)++] = s;
		}
	}
}
