/* bashvars.c - bash's PIPESTATUS, FUNCNAME and BASH_SOURCE, built from
 * the shell's state (sh->pipestatus, the sh->frames call stack) when a
 * script reads them (bashvars.h). */
#include "shark/shell/bashvars.h"
#include "shark/shell/array.h"
#include "shark/shell/eval.h"
#include "shark/shell/input.h"
#include "shark/shell/vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
