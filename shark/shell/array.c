/* array.c - bash mode's indexed arrays, kept on the variable itself
 * (struct var: element 0 is the value, elements 1.. in elems; see
 * array.h). */
#include "shark/shell/array.h"
#include "shark/shell/vars.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARRAY_MAX_INDEX = 1 << 24 };

/* One more than the highest index set (0 for an unset name). */
static intmax_t array_slots(const struct var *v)
{
	if (!v)
		return 0;
	if (v->nelems > 0)
		return (intmax_t)v->nelems;
	return v->value ? 1 : 0;
}

bool array_elem_name(struct shell *sh, const char *name, intmax_t idx, char *buf, size_t n)
{
	if (idx < 0)
		idx += array_slots(var_lookup(sh, name));
	if (idx < 0)
		return false;
	if (idx == 0)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%s[%" PRIdMAX "]", name, idx);
	return true;
}

const char *array_get(struct shell *sh, const char *name, intmax_t idx)
{
	struct var *v = var_lookup(sh, name);
	if (!v)
		return NULL;
	if (idx < 0)
		idx += array_slots(v);
	if (idx < 0)
		return NULL;
	if (idx == 0)
		return v->value;
	return (size_t)idx < v->nelems ? v->elems[idx] : NULL;
}

int array_set(struct shell *sh, const char *name, intmax_t idx, const char *value)
{
	struct var *v = var_lookup(sh, name);
	if (idx < 0)
		idx += array_slots(v);
	if (idx < 0 || idx > ARRAY_MAX_INDEX) {
		sh_error(sh, "%s: bad array subscript", name);
		return -1;
	}
	if (idx == 0)
		return var_set(sh, name, value, 0);
	if (!v) {
		if (var_set(sh, name, NULL, 0) < 0)
			return -1;
		v = var_lookup(sh, name);
	}
	if (v->flags & V_READONLY) {
		sh_error(sh, "%s: is read only", name);
		return -1;
	}
	size_t i = (size_t)idx;
	if (i >= v->elems_cap) {
		size_t cap = v->elems_cap ? v->elems_cap : 8;
		while (cap <= i)
			cap *= 2;
		char **ne = reallocarray(v->elems, cap, sizeof *ne);
		if (!ne)
			abort();
		memset(ne + v->elems_cap, 0, (cap - v->elems_cap) * sizeof *ne);
		v->elems = ne;
		v->elems_cap = cap;
	}
	if (i >= v->nelems)
		v->nelems = i + 1;
	char *copy = strdup(value);
	if (!copy)
		abort();
	free(v->elems[i]);
	v->elems[i] = copy;
	return 0;
}

void array_unset_elem(struct shell *sh, const char *name, intmax_t idx)
{
	struct var *v = var_lookup(sh, name);
	if (!v || (v->flags & V_READONLY))
		return;
	if (idx < 0)
		idx += array_slots(v);
	if (idx < 0)
		return;
	if (idx == 0) {
		if (v->nelems == 0) {
			var_unset(sh, name);
			return;
		}
		free(v->value);
		v->value = NULL;
		v->flags |= V_UNSET;
		sh->var_generation++;
	} else if ((size_t)idx < v->nelems) {
		free(v->elems[idx]);
		v->elems[idx] = NULL;
	}
}

void array_clear(struct shell *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);
	if (v)
		var_elems_free(v);
}

void array_values(struct shell *sh, const char *name, struct strlist *values, struct strlist *indices)
{
	struct var *v = var_lookup(sh, name);
	intmax_t slots = array_slots(v);
	for (intmax_t i = 0; i < slots; i++) {
		const char *e = i == 0 ? v->value : v->elems[i];
		if (!e)
			continue;
		if (values) {
			char *copy = strdup(e);
			if (!copy)
				abort();
			strlist_push(values, copy);
		}
		if (indices) {
			char num[32];
			snprintf(num, sizeof num, "%" PRIdMAX, i);
			strlist_push(indices, strdup(num));
		}
	}
}

int array_assign(struct shell *sh, const char *name, char **values, size_t n, bool append)
{
	intmax_t start = 0;
	if (append) {
		start = array_slots(var_lookup(sh, name));
	} else {
		struct var *v = var_lookup(sh, name);
		if (v && (v->flags & V_READONLY)) {
			sh_error(sh, "%s: is read only", name);
			return -1;
		}
		array_clear(sh, name);
		if (var_unset(sh, name) < 0)
			return -1;
		if (n == 0)
			return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (array_set(sh, name, start + (intmax_t)i, values[i]) < 0)
			return -1;
	return 0;
}

int array_assign_word(struct shell *sh, const char *s)
{
	const char *br = strchr(s, '[');
	if (!br || !var_valid_name(s, (size_t)(br - s)))
		return 1;
	/* the subscript ends at the ] before the first = after it */
	const char *eq = strstr(br, "]=");
	bool append = false;
	if (!eq) {
		eq = strstr(br, "]+=");
		if (!eq)
			return 1;
		append = true;
	}
	char *name = strndup(s, (size_t)(br - s));
	char *sub = strndup(br + 1, (size_t)(eq - br - 1));
	if (!name || !sub)
		abort();
	const char *value = eq + (append ? 3 : 2);
	intmax_t idx = 0;
	int r = arith_eval(sh, sub, &idx);
	if (r == 0 && append) {
		const char *cur = array_get(sh, name, idx);
		size_t l = (cur ? strlen(cur) : 0) + strlen(value) + 1;
		char *joined = malloc(l);
		if (!joined)
			abort();
		snprintf(joined, l, "%s%s", cur ? cur : "", value);
		r = array_set(sh, name, idx, joined);
		free(joined);
	} else if (r == 0) {
		r = array_set(sh, name, idx, value);
	}
	free(name);
	free(sub);
	return r < 0 ? -1 : 0;
}
