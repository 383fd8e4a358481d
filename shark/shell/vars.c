/* vars.c - shell variables: a hash table of name -> value with export and
 * read-only flags, function-local save frames (`local`), and the exported
 * environment built on demand for external commands. */
#include "shark/shell/shell.h"
#include "shark/shell/vars.h"
#include "shark/shell/array.h"
#include "shark/shell/bashvars.h"
#include "shark/shell/expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned hash_name(const char *s, size_t n)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % VAR_HASH_SIZE;
}

bool var_valid_name(const char *s, size_t n)
{
	if (n == 0 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static struct var *lookup_n(struct shell *sh, const char *name, size_t n)
{
	for (struct var *v = sh->vars[hash_name(name, n)]; v; v = v->next)
		if (strncmp(v->name, name, n) == 0 && v->name[n] == '\0')
			return v;
	return NULL;
}

struct var *var_lookup(struct shell *sh, const char *name)
{
	return lookup_n(sh, name, strlen(name));
}

const char *var_get(struct shell *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);
	return v ? v->value : NULL;
}

int var_set_n(struct shell *sh, const char *name, size_t nlen, const char *value, unsigned flags)
{
	struct var *v = lookup_n(sh, name, nlen);
	if (v && (v->flags & V_READONLY) && value) {
		sh_error(sh, "%s: is read only", v->name);
		return -1;
	}
	if (!v) {
		v = calloc(1, sizeof *v);
		if (!v)
			abort();
		v->name = strndup(name, nlen);
		if (!v->name)
			abort();
		v->flags = V_UNSET;
		unsigned h = hash_name(name, nlen);
		v->next = sh->vars[h];
		sh->vars[h] = v;
	}
	if (sh->opt.allexport && value)
		flags |= V_EXPORT;
	char num[32];
	if (value && ((v->flags | flags) & V_INTEGER)) {
		/* declare -i: the value is an arithmetic expression */
		intmax_t n;
		if (arith_eval(sh, value, &n) < 0)
			return -1;
		snprintf(num, sizeof num, "%jd", n);
		value = num;
	}
	if (value) {
		size_t vl = strlen(value);
		char *nv = malloc(vl + 1);
		if (!nv)
			abort();
		memcpy(nv, value, vl + 1);
		free(v->value);
		v->value = nv;
		v->flags &= ~(unsigned)V_UNSET;
	}
	v->flags |= flags;
	if (v->flags & V_EXPORT)
		sh->var_generation++;
	if (nlen == 3 && memcmp(name, "PWD", 3) == 0)
		sh->var_generation++;
	return 0;
}

int var_set(struct shell *sh, const char *name, const char *value, unsigned flags)
{
	return var_set_n(sh, name, strlen(name), value, flags);
}

void var_elems_free(struct var *v)
{
	for (size_t i = 0; i < v->nelems; i++)
		free(v->elems[i]);
	free(v->elems);
	v->elems = NULL;
	v->nelems = v->elems_cap = 0;
	assoc_free(v->assoc);
	v->assoc = NULL;
}

int var_unset(struct shell *sh, const char *name)
{
	size_t n = strlen(name);
	struct var **pp = &sh->vars[hash_name(name, n)];
	for (; *pp; pp = &(*pp)->next) {
		struct var *v = *pp;
		if (strcmp(v->name, name) != 0)
			continue;
		if (v->flags & V_READONLY) {
			sh_error(sh, "%s: is read only", name);
			return -1;
		}
		if (sh->locals) {
			/* keep a local's slot so that `local x; unset x` stays local */
			bool is_local = false;
			for (struct local_save *l = sh->locals; l && !is_local; l = l->next)
				is_local = strcmp(l->name, name) == 0;
			if (is_local) {
				var_elems_free(v);
				free(v->value);
				v->value = NULL;
				v->flags = V_UNSET;
				sh->var_generation++;
				return 0;
			}
		}
		*pp = v->next;
		if (v->flags & V_EXPORT)
			sh->var_generation++;
		var_elems_free(v);
		free(v->name);
		free(v->value);
		free(v);
		return 0;
	}
	return 0;
}

void var_import_env(struct shell *sh, char **envp)
{
	for (char **e = envp; e && *e; e++) {
		char *eq = strchr(*e, '=');
		if (!eq || !var_valid_name(*e, (size_t)(eq - *e)))
			continue;
		var_set_n(sh, *e, (size_t)(eq - *e), eq + 1, V_EXPORT);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **var_environ(struct shell *sh)
{
	if (sh->env_cache && sh->env_generation == sh->var_generation)
		return sh->env_cache;
	if (sh->env_cache) {
		for (char **e = sh->env_cache; *e; e++)
			free(*e);
		free(sh->env_cache);
	}
	size_t n = 0, cap = 64;
	char **env = malloc(cap * sizeof *env);
	if (!env)
		abort();
	for (size_t h = 0; h < VAR_HASH_SIZE; h++) {
		for (struct var *v = sh->vars[h]; v; v = v->next) {
			if (!(v->flags & V_EXPORT) || !v->value)
				continue;
			if (n + 2 > cap) {
				cap *= 2;
				env = realloc(env, cap * sizeof *env);
				if (!env)
					abort();
			}
			size_t l = strlen(v->name) + strlen(v->value) + 2;
			char *s = malloc(l);
			if (!s)
				abort();
			snprintf(s, l, "%s=%s", v->name, v->value);
			env[n++] = s;
		}
	}
	if (sh->bash)
		bashvars_function_environ(sh, &env, &n, &cap);
	qsort(env, n, sizeof *env, cmp_str);
	env[n] = NULL;
	sh->env_cache = env;
	sh->env_generation = sh->var_generation;
	return env;
}

void var_free_all(struct shell *sh)
{
	var_pop_locals(sh, NULL);
	for (size_t h = 0; h < VAR_HASH_SIZE; h++) {
		struct var *v = sh->vars[h];
		while (v) {
			struct var *next = v->next;
			var_elems_free(v);
			free(v->name);
			free(v->value);
			free(v);
			v = next;
		}
		sh->vars[h] = NULL;
	}
	if (sh->env_cache) {
		for (char **e = sh->env_cache; *e; e++)
			free(*e);
		free(sh->env_cache);
		sh->env_cache = NULL;
	}
}

int var_make_local(struct shell *sh, const char *name)
{
	for (struct local_save *l = sh->locals; l && l != sh->local_frame; l = l->next)
		if (strcmp(l->name, name) == 0)
			return 0;	/* already local in this function */
	struct local_save *l = calloc(1, sizeof *l);
	if (!l)
		abort();
	l->name = strdup(name);
	struct var *v = var_lookup(sh, name);
	if (v) {
		l->existed = true;
		l->value = v->value ? strdup(v->value) : NULL;
		l->flags = v->flags;
	}
	l->next = sh->locals;
	sh->locals = l;
	return 0;
}

void var_pop_locals(struct shell *sh, struct local_save *until)
{
	while (sh->locals && sh->locals != until) {
		struct local_save *l = sh->locals;
		sh->locals = l->next;
		struct var *v = var_lookup(sh, l->name);
		if (l->existed) {
			if (!v) {
				var_set(sh, l->name, NULL, 0);
				v = var_lookup(sh, l->name);
			}
			var_elems_free(v);	/* a local array's elements go with it */
			free(v->value);
			v->value = l->value;
			v->flags = l->flags;
			l->value = NULL;
			sh->var_generation++;
		} else if (v) {
			v->flags &= ~(unsigned)V_READONLY;
			var_unset(sh, l->name);
		}
		free(l->value);
		free(l->name);
		free(l);
	}
}

static int cmp_var(const void *a, const void *b)
{
	return strcmp((*(struct var *const *)a)->name, (*(struct var *const *)b)->name);
}

void var_foreach_sorted(struct shell *sh, void (*fn)(struct shell *, struct var *, void *), void *ctx)
{
	size_t n = 0;
	for (size_t h = 0; h < VAR_HASH_SIZE; h++)
		for (struct var *v = sh->vars[h]; v; v = v->next)
			n++;
	struct var **all = malloc((n + 1) * sizeof *all);
	if (!all)
		abort();
	n = 0;
	for (size_t h = 0; h < VAR_HASH_SIZE; h++)
		for (struct var *v = sh->vars[h]; v; v = v->next)
			all[n++] = v;
	qsort(all, n, sizeof *all, cmp_var);
	for (size_t i = 0; i < n; i++)
		fn(sh, all[i], ctx);
	free(all);
}
