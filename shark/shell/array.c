/* array.c - bash mode's indexed arrays on top of the variable table (the
 * layout is described in array.h). */
#include "shark/shell/array.h"
#include "shark/shell/vars.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARRAY_MAX_INDEX = 1 << 24 };

static void elem_name(char *buf, size_t n, const char *name, intmax_t idx)
{
	if (idx == 0)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%s[%" PRIdMAX "]", name, idx);
}

/* One more than the highest index set, or 1 when only NAME is. */
static intmax_t array_slots(struct shell *sh, const char *name)
{
	char key[300];
	snprintf(key, sizeof key, "%s[#]", name);
	const char *n = var_get(sh, key);
	intmax_t slots = n ? strtoimax(n, NULL, 10) : 0;
	if (slots < 1 && var_get(sh, name))
		slots = 1;
	return slots;
}

static void set_slots(struct shell *sh, const char *name, intmax_t slots)
{
	char key[300], v[32];
	snprintf(key, sizeof key, "%s[#]", name);
	snprintf(v, sizeof v, "%" PRIdMAX, slots);
	var_set(sh, key, v, 0);
}

bool array_elem_name(struct shell *sh, const char *name, intmax_t idx, char *buf, size_t n)
{
	if (idx < 0)
		idx += array_slots(sh, name);
	if (idx < 0)
		return false;
	elem_name(buf, n, name, idx);
	return true;
}

const char *array_get(struct shell *sh, const char *name, intmax_t idx)
{
	if (idx < 0)
		idx += array_slots(sh, name);
	if (idx < 0)
		return NULL;
	char key[300];
	elem_name(key, sizeof key, name, idx);
	return var_get(sh, key);
}

int array_set(struct shell *sh, const char *name, intmax_t idx, const char *value)
{
	intmax_t slots = array_slots(sh, name);
	if (idx < 0)
		idx += slots;
	if (idx < 0 || idx > ARRAY_MAX_INDEX) {
		sh_error(sh, "%s: bad array subscript", name);
		return -1;
	}
	char key[300];
	elem_name(key, sizeof key, name, idx);
	if (var_set(sh, key, value, 0) < 0)
		return -1;
	if (idx + 1 > slots && idx > 0)
		set_slots(sh, name, idx + 1);
	return 0;
}

void array_unset_elem(struct shell *sh, const char *name, intmax_t idx)
{
	if (idx < 0)
		idx += array_slots(sh, name);
	if (idx < 0)
		return;
	char key[300];
	elem_name(key, sizeof key, name, idx);
	var_unset(sh, key);
}

void array_clear(struct shell *sh, const char *name)
{
	intmax_t slots = array_slots(sh, name);
	char key[300];
	for (intmax_t i = 1; i < slots; i++) {
		elem_name(key, sizeof key, name, i);
		var_unset(sh, key);
	}
	snprintf(key, sizeof key, "%s[#]", name);
	var_unset(sh, key);
}

void array_values(struct shell *sh, const char *name, struct strlist *values, struct strlist *indices)
{
	intmax_t slots = array_slots(sh, name);
	char key[300];
	for (intmax_t i = 0; i < slots; i++) {
		elem_name(key, sizeof key, name, i);
		const char *v = var_get(sh, key);
		if (!v)
			continue;
		if (values)
			strlist_push(values, strdup(v));
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
		start = array_slots(sh, name);
	} else {
		array_clear(sh, name);
		if (n == 0)
			return var_unset(sh, name) < 0 ? -1 : 0;
		var_unset(sh, name);
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
