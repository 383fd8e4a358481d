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

static void assoc_values(const struct assoc *a, struct strlist *values, struct strlist *keys);

void array_values(struct shell *sh, const char *name, struct strlist *values, struct strlist *indices)
{
	struct var *v = var_lookup(sh, name);
	if (v && v->assoc) {
		assoc_values(v->assoc, values, indices);
		return;
	}
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

/* An element "[SUB]=VALUE" of NAME=(...): the subscript (malloc'd) and
 * where the value starts, or NULL when the element has no subscript. */
static char *elem_subscript(const char *s, const char **ret_value)
{
	if (s[0] != '[')
		return NULL;
	const char *eq = strstr(s, "]=");
	if (!eq)
		return NULL;
	*ret_value = eq + 2;
	char *sub = strndup(s + 1, (size_t)(eq - s - 1));
	if (!sub)
		abort();
	return sub;
}

int array_assign(struct shell *sh, const char *name, char **values, size_t n, bool append)
{
	intmax_t start = 0;
	struct var *v = var_lookup(sh, name);
	bool assoc = v && v->assoc;
	if (append) {
		start = array_slots(v);
	} else {
		if (v && (v->flags & V_READONLY)) {
			sh_error(sh, "%s: is read only", name);
			return -1;
		}
		array_clear(sh, name);
		if (var_unset(sh, name) < 0)
			return -1;
		if (assoc && assoc_declare(sh, name) < 0)
			return -1;
		if (n == 0)
			return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *value = values[i];
		char *sub = elem_subscript(values[i], &value);
		int r = 0;
		if (assoc && !sub) {
			sh_error(sh, "%s: %s: must use subscript when assigning associative array", name,
				 values[i]);
			continue;
		}
		if (assoc) {
			r = assoc_set(sh, name, sub, value);
		} else if (sub) {
			intmax_t idx = 0;
			r = arith_eval(sh, sub, &idx);
			if (r == 0)
				r = array_set(sh, name, idx, value);
			start = idx - (intmax_t)i;	/* the next one follows idx */
		} else {
			r = array_set(sh, name, start + (intmax_t)i, value);
		}
		free(sub);
		if (r < 0)
			return -1;
	}
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
	int r = 0;
	if (array_is_assoc(sh, name)) {
		const char *cur = append ? assoc_get(sh, name, sub) : NULL;
		size_t l = (cur ? strlen(cur) : 0) + strlen(value) + 1;
		char *joined = malloc(l);
		if (!joined)
			abort();
		snprintf(joined, l, "%s%s", cur ? cur : "", value);
		r = assoc_set(sh, name, sub, joined);
		free(joined);
		free(name);
		free(sub);
		return r < 0 ? -1 : 0;
	}
	r = arith_eval(sh, sub, &idx);
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

/* --- associative arrays ------------------------------------------------------ */

struct assoc_item {
	unsigned hash;
	char *key;
	char *value;
	struct assoc_item *next;
};

struct assoc {
	size_t nbuckets;	/* a power of two */
	size_t count;
	struct assoc_item **buckets;
};

enum { ASSOC_FIRST_BUCKETS = 1024, ASSOC_MAX_KEYS = 1 << 24 };

/* bash's hash_string: FNV-1, the multiply before the xor. */
static unsigned assoc_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++) {
		h *= 16777619u;
		h ^= (unsigned)(unsigned char)*s;
	}
	return h;
}

void assoc_free(struct assoc *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nbuckets; i++) {
		struct assoc_item *it = a->buckets[i];
		while (it) {
			struct assoc_item *next = it->next;
			free(it->key);
			free(it->value);
			free(it);
			it = next;
		}
	}
	free(a->buckets);
	free(a);
}

static struct assoc *assoc_new(void)
{
	struct assoc *a = calloc(1, sizeof *a);
	if (!a)
		abort();
	a->nbuckets = ASSOC_FIRST_BUCKETS;
	a->buckets = calloc(a->nbuckets, sizeof *a->buckets);
	if (!a->buckets)
		abort();
	return a;
}

/* bash's hash_rehash: the old chains walked in order, each item pushed on
 * the head of its new chain. */
static void assoc_grow(struct assoc *a)
{
	size_t nb = a->nbuckets * 4;
	struct assoc_item **b = calloc(nb, sizeof *b);
	if (!b)
		abort();
	for (size_t i = 0; i < a->nbuckets; i++) {
		struct assoc_item *it = a->buckets[i];
		while (it) {
			struct assoc_item *next = it->next;
			size_t k = it->hash & (nb - 1);
			it->next = b[k];
			b[k] = it;
			it = next;
		}
	}
	free(a->buckets);
	a->buckets = b;
	a->nbuckets = nb;
}

static struct assoc_item *assoc_find(const struct assoc *a, const char *key, unsigned h)
{
	for (struct assoc_item *it = a->buckets[h & (a->nbuckets - 1)]; it; it = it->next)
		if (it->hash == h && strcmp(it->key, key) == 0)
			return it;
	return NULL;
}

bool array_is_assoc(struct shell *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);
	return v && v->assoc;
}

int assoc_declare(struct shell *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);
	if (v && v->assoc)
		return 0;
	if (v && (v->flags & V_READONLY)) {
		sh_error(sh, "%s: is read only", name);
		return -1;
	}
	if (!v) {
		if (var_set(sh, name, NULL, 0) < 0)
			return -1;
		v = var_lookup(sh, name);
	}
	struct assoc *a = assoc_new();
	if (v->value) {
		/* a scalar becomes element "0", as in bash */
		char *val = v->value;
		v->value = NULL;
		v->flags |= V_UNSET;
		var_elems_free(v);
		v->assoc = a;
		assoc_set(sh, name, "0", val);
		free(val);
		return 0;
	}
	var_elems_free(v);
	v->assoc = a;
	return 0;
}

const char *assoc_get(struct shell *sh, const char *name, const char *key)
{
	struct var *v = var_lookup(sh, name);
	if (!v || !v->assoc)
		return NULL;
	struct assoc_item *it = assoc_find(v->assoc, key, assoc_hash(key));
	return it ? it->value : NULL;
}

int assoc_set(struct shell *sh, const char *name, const char *key, const char *value)
{
	struct var *v = var_lookup(sh, name);
	if (!v || !v->assoc)
		return -1;
	if (v->flags & V_READONLY) {
		sh_error(sh, "%s: is read only", name);
		return -1;
	}
	struct assoc *a = v->assoc;
	unsigned h = assoc_hash(key);
	struct assoc_item *it = assoc_find(a, key, h);
	char *copy = strdup(value);
	if (!copy)
		abort();
	if (it) {
		free(it->value);
		it->value = copy;
		return 0;
	}
	if (a->count >= ASSOC_MAX_KEYS) {
		free(copy);
		sh_error(sh, "%s: too many keys", name);
		return -1;
	}
	if (a->count >= a->nbuckets * 2)
		assoc_grow(a);
	it = calloc(1, sizeof *it);
	if (!it)
		abort();
	it->hash = h;
	it->key = strdup(key);
	if (!it->key)
		abort();
	it->value = copy;
	size_t k = h & (a->nbuckets - 1);
	it->next = a->buckets[k];
	a->buckets[k] = it;
	a->count++;
	return 0;
}

void assoc_unset(struct shell *sh, const char *name, const char *key)
{
	struct var *v = var_lookup(sh, name);
	if (!v || !v->assoc || (v->flags & V_READONLY))
		return;
	unsigned h = assoc_hash(key);
	for (struct assoc_item **pp = &v->assoc->buckets[h & (v->assoc->nbuckets - 1)]; *pp;
	     pp = &(*pp)->next) {
		struct assoc_item *it = *pp;
		if (it->hash == h && strcmp(it->key, key) == 0) {
			*pp = it->next;
			free(it->key);
			free(it->value);
			free(it);
			v->assoc->count--;
			return;
		}
	}
}

/* The keys and values of an associative array in bash's order. */
static void assoc_values(const struct assoc *a, struct strlist *values, struct strlist *keys)
{
	for (size_t i = 0; i < a->nbuckets; i++) {
		for (struct assoc_item *it = a->buckets[i]; it; it = it->next) {
			if (values)
				strlist_push(values, strdup(it->value));
			if (keys)
				strlist_push(keys, strdup(it->key));
		}
	}
}
