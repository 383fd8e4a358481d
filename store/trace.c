/* trace.c - the versioned binary encoding of trace and run records.
 *
 * Trace, version 1 (all integers LEB128 varints, minimal length; signed
 * ones zigzag-encoded; hashes 16 raw bytes; strings a varint length and the
 * bytes, no NUL inside):
 *
 *   "SKTR" version=1
 *   stdout_blob stdout_size stderr_blob stderr_size
 *   exit_status(signed) start_ns(signed) duration_ns
 *   n_inputs  { kind path [hash if FILE/DIR/META/PROCESS]
 *               [target if SYMLINK] }...
 *   (a PROCESS input, kind 8, names a process attribute in its path
 *   field; a reader that predates it rejects the trace as damaged, which
 *   its lookups count as a miss: such traces are only made under action
 *   keys of format 8 (shark-action-8) on, which it never computes)
 *   n_effects { kind path [mode blob size if FILE] [mode if DIR]
 *               [target if SYMLINK] [mtime_ns(signed) if TOUCH] }...
 *   (a TOUCH effect, kind 5, is rejected as damaged by a reader that
 *   predates it: its lookups count such a trace as a miss)
 *   key_info (length + bytes)
 *
 * and nothing after. Version 2 is version 1 with a varint of flags
 * (STORE_TRACE_*, never 0: a trace without flags is always version 1, so
 * existing ids do not change) right after the version. Because varints must be minimal and nothing may
 * trail, every trace has exactly one encoding, so hashing the encoding gives
 * a stable trace id. The decoder makes two passes over untrusted bytes: the
 * first validates everything and sizes one allocation, the second fills it,
 * so a decoded trace is a single block freed with free().
 *
 * Run records ("SKRN", version 1) follow the same rules:
 *   start_ns(signed) duration_ns saved_ns outcome exit_status(signed)
 *   action_key trace_id cwd command reason */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

#define TRACE_MAGIC "SKTR"
#define RUN_MAGIC "SKRN"
#define TRACE_VERSION 1u
#define TRACE_VERSION_FLAGS 2u
#define RUN_VERSION 1u
#define MAX_COMMAND (1u << 20)

/* ---- encoding -------------------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void buf_reserve(struct buf *b, size_t n)
{
	if (b->err || b->cap - b->len >= n)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->err = -ENOMEM;
			return;
		}
		cap *= 2;
	}
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->err = -ENOMEM;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void buf_add(struct buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (b->err)
		return;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	buf_add(b, tmp, n);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void put_hash(struct buf *b, const store_hash *h)
{
	buf_add(b, h->bytes, STORE_HASH_SIZE);
}

/* A string field: -EINVAL when missing (and required), STORE_ELIMIT when
 * too long. A NUL cannot be inside since the length comes from strlen. */
static void put_str(struct buf *b, const char *s, size_t max, bool required)
{
	if (!s) {
		if (required && !b->err)
			b->err = -EINVAL;
		put_varint(b, 0);
		return;
	}
	size_t n = strlen(s);
	if ((required && n == 0) || n > max) {
		if (!b->err)
			b->err = n > max ? STORE_ELIMIT : -EINVAL;
		return;
	}
	put_varint(b, n);
	buf_add(b, s, n);
}

int store_trace_encode(const struct store_trace *t, uint8_t **ret_buf, size_t *ret_len)
{
	if (!t || (t->n_inputs && !t->inputs) || (t->n_effects && !t->effects) ||
	    (t->key_info_len && !t->key_info))
		return -EINVAL;
	if (t->n_inputs > STORE_MAX_INPUTS || t->n_effects > STORE_MAX_EFFECTS ||
	    t->key_info_len > STORE_MAX_KEY_INFO)
		return STORE_ELIMIT;
	if (t->flags & ~STORE_TRACE_FLAGS_KNOWN)
		return -EINVAL;
	struct buf b = { 0 };
	buf_add(&b, TRACE_MAGIC, 4);
	if (t->flags) {
		put_varint(&b, TRACE_VERSION_FLAGS);
		put_varint(&b, t->flags);
	} else {
		put_varint(&b, TRACE_VERSION);
	}
	put_hash(&b, &t->stdout_blob);
	put_varint(&b, t->stdout_size);
	put_hash(&b, &t->stderr_blob);
	put_varint(&b, t->stderr_size);
	put_varint(&b, zigzag(t->exit_status));
	put_varint(&b, zigzag(t->start_ns));
	put_varint(&b, t->duration_ns);
	put_varint(&b, t->n_inputs);
	for (size_t i = 0; i < t->n_inputs && !b.err; i++) {
		const struct store_input *in = &t->inputs[i];
		uint8_t kind = in->kind;
		if (kind < STORE_INPUT_FILE || kind > STORE_INPUT_PROCESS) {
			b.err = -EINVAL;
			break;
		}
		buf_add(&b, &kind, 1);
		put_str(&b, in->path, STORE_MAX_PATH, true);
		if (kind == STORE_INPUT_FILE || kind == STORE_INPUT_DIR ||
		    kind == STORE_INPUT_META || kind == STORE_INPUT_PROCESS)
			put_hash(&b, &in->hash);
		else if (kind == STORE_INPUT_SYMLINK)
			put_str(&b, in->target, STORE_MAX_PATH, true);
	}
	put_varint(&b, t->n_effects);
	for (size_t i = 0; i < t->n_effects && !b.err; i++) {
		const struct store_effect *e = &t->effects[i];
		uint8_t kind = e->kind;
		if (kind < STORE_EFFECT_FILE || kind > STORE_EFFECT_TOUCH ||
		    ((kind == STORE_EFFECT_FILE || kind == STORE_EFFECT_DIR) && e->mode > 07777)) {
			b.err = -EINVAL;
			break;
		}
		buf_add(&b, &kind, 1);
		put_str(&b, e->path, STORE_MAX_PATH, true);
		if (kind == STORE_EFFECT_FILE) {
			put_varint(&b, e->mode);
			put_hash(&b, &e->blob);
			put_varint(&b, e->size);
		} else if (kind == STORE_EFFECT_DIR) {
			put_varint(&b, e->mode);
		} else if (kind == STORE_EFFECT_SYMLINK) {
			put_str(&b, e->target, STORE_MAX_PATH, true);
		} else if (kind == STORE_EFFECT_TOUCH) {
			put_varint(&b, zigzag(e->mtime_ns));
		}
	}
	put_varint(&b, t->key_info_len);
	buf_add(&b, t->key_info, t->key_info_len);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*ret_buf = b.p;
	*ret_len = b.len;
	return 0;
}

int store_trace_id(const struct store_trace *t, store_hash *ret)
{
	uint8_t *buf;
	size_t len;
	int r = store_trace_encode(t, &buf, &len);
	if (r < 0)
		return r;
	store_hash_bytes(buf, len, ret);
	free(buf);
	return 0;
}

int store_trace_blobs(const struct store_trace *t, store_blob_fn *fn, void *arg)
{
	int r = (t->flags & STORE_TRACE_STDOUT_HASH_ONLY) ? 0
							  : fn(arg, &t->stdout_blob, t->stdout_size);
	if (r == 0)
		r = fn(arg, &t->stderr_blob, t->stderr_size);
	for (size_t i = 0; r == 0 && t->effects && i < t->n_effects; i++)
		if (t->effects[i].kind == STORE_EFFECT_FILE)
			r = fn(arg, &t->effects[i].blob, t->effects[i].size);
	return r;
}

/* ---- decoding -------------------------------------------------------------- */

struct cur {
	const uint8_t *p, *end;
	int err;
	/* pass 2 only: where strings and bytes are copied to */
	char *strings;
};

static void fail(struct cur *c, int err)
{
	if (!c->err)
		c->err = err;
	c->p = c->end;
}

static uint64_t get_varint(struct cur *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end) {
			fail(c, STORE_EBADTRACE);
			return 0;
		}
		uint8_t b = *c->p++;
		if (shift == 63 && b > 1) {
			fail(c, STORE_EBADTRACE); /* overflows 64 bits */
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (b == 0 && shift) /* not minimal */
				fail(c, STORE_EBADTRACE);
			return v;
		}
	}
	fail(c, STORE_EBADTRACE);
	return 0;
}

static uint8_t get_u8(struct cur *c)
{
	if (c->p >= c->end) {
		fail(c, STORE_EBADTRACE);
		return 0;
	}
	return *c->p++;
}

static void get_hash(struct cur *c, store_hash *h)
{
	if ((size_t)(c->end - c->p) < STORE_HASH_SIZE) {
		fail(c, STORE_EBADTRACE);
		memset(h, 0, sizeof(*h));
		return;
	}
	memcpy(h->bytes, c->p, STORE_HASH_SIZE);
	c->p += STORE_HASH_SIZE;
}

/* Raw bytes; in pass 2 copied (NUL-terminated) to c->strings. *size_acc
 * counts the space pass 2 will need. Returns the copy (pass 2) or NULL. */
static const char *get_bytes(struct cur *c, size_t max, bool is_string, bool required,
			     size_t *size_acc)
{
	uint64_t n = get_varint(c);
	if (c->err)
		return NULL;
	if (n > max) {
		fail(c, STORE_ELIMIT);
		return NULL;
	}
	if (n > (uint64_t)(c->end - c->p) || (required && n == 0)) {
		fail(c, STORE_EBADTRACE);
		return NULL;
	}
	if (is_string && memchr(c->p, '\0', (size_t)n)) {
		fail(c, STORE_EBADTRACE);
		return NULL;
	}
	const uint8_t *src = c->p;
	c->p += n;
	*size_acc += (size_t)n + 1;
	if (!c->strings)
		return NULL;
	char *dst = c->strings;
	memcpy(dst, src, (size_t)n);
	dst[n] = '\0';
	c->strings += n + 1;
	return dst;
}

static bool check_magic(struct cur *c, const char *magic, uint64_t version)
{
	if ((size_t)(c->end - c->p) < 4 || memcmp(c->p, magic, 4) != 0) {
		fail(c, STORE_EBADTRACE);
		return false;
	}
	c->p += 4;
	uint64_t v = get_varint(c);
	if (!c->err && v != version)
		fail(c, STORE_EVERSION);
	return !c->err;
}

static int32_t get_i32(struct cur *c)
{
	int64_t v = unzigzag(get_varint(c));
	if (v < INT32_MIN || v > INT32_MAX) {
		fail(c, STORE_EBADTRACE);
		return 0;
	}
	return (int32_t)v;
}

/* One pass. t == NULL: validate and count (*ret_n_in, *ret_n_eff,
 * *ret_bytes). Otherwise fill t, whose arrays and c->strings are sized by
 * the first pass. */
static void parse_trace(struct cur *c, struct store_trace *t, size_t *ret_n_in,
			size_t *ret_n_eff, size_t *ret_bytes)
{
	struct store_trace dummy;
	struct store_trace *o = t ? t : &dummy;
	struct store_input *ins = t ? (struct store_input *)t->inputs : NULL;
	struct store_effect *effs = t ? (struct store_effect *)t->effects : NULL;
	size_t bytes = 0;

	if ((size_t)(c->end - c->p) < 4 || memcmp(c->p, TRACE_MAGIC, 4) != 0) {
		fail(c, STORE_EBADTRACE);
		return;
	}
	c->p += 4;
	uint64_t version = get_varint(c);
	o->flags = 0;
	if (!c->err && version == TRACE_VERSION_FLAGS) {
		uint64_t flags = get_varint(c);
		if (!c->err && (flags == 0 || (flags & ~(uint64_t)STORE_TRACE_FLAGS_KNOWN)))
			fail(c, flags ? STORE_EVERSION : STORE_EBADTRACE); /* 0: not minimal */
		o->flags = (uint32_t)flags;
	} else if (!c->err && version != TRACE_VERSION) {
		fail(c, STORE_EVERSION);
	}
	if (c->err)
		return;
	get_hash(c, &o->stdout_blob);
	o->stdout_size = get_varint(c);
	get_hash(c, &o->stderr_blob);
	o->stderr_size = get_varint(c);
	o->exit_status = get_i32(c);
	o->start_ns = unzigzag(get_varint(c));
	o->duration_ns = get_varint(c);

	uint64_t n_in = get_varint(c);
	/* each input takes at least 2 bytes (kind, path length) */
	if (n_in > STORE_MAX_INPUTS)
		fail(c, STORE_ELIMIT);
	else if (n_in > (uint64_t)(c->end - c->p) / 2)
		fail(c, STORE_EBADTRACE);
	for (uint64_t i = 0; i < n_in && !c->err; i++) {
		struct store_input in = { 0 };
		in.kind = get_u8(c);
		in.path = get_bytes(c, STORE_MAX_PATH, true, true, &bytes);
		switch (in.kind) {
		case STORE_INPUT_FILE:
		case STORE_INPUT_DIR:
		case STORE_INPUT_META:
		case STORE_INPUT_PROCESS:
			get_hash(c, &in.hash);
			break;
		case STORE_INPUT_SYMLINK:
			in.target = get_bytes(c, STORE_MAX_PATH, true, true, &bytes);
			break;
		case STORE_INPUT_ABSENT:
		case STORE_INPUT_OUTPUT:
		case STORE_INPUT_DENIED:
			break;
		default:
			fail(c, STORE_EBADTRACE);
		}
		if (ins)
			ins[i] = in;
	}
	uint64_t n_eff = c->err ? 0 : get_varint(c);
	if (n_eff > STORE_MAX_EFFECTS)
		fail(c, STORE_ELIMIT);
	else if (n_eff > (uint64_t)(c->end - c->p) / 2)
		fail(c, STORE_EBADTRACE);
	for (uint64_t i = 0; i < n_eff && !c->err; i++) {
		struct store_effect e = { 0 };
		e.kind = get_u8(c);
		e.path = get_bytes(c, STORE_MAX_PATH, true, true, &bytes);
		switch (e.kind) {
		case STORE_EFFECT_FILE:
		case STORE_EFFECT_DIR: {
			uint64_t mode = get_varint(c);
			if (mode > 07777)
				fail(c, STORE_EBADTRACE);
			e.mode = (uint32_t)mode;
			if (e.kind == STORE_EFFECT_FILE) {
				get_hash(c, &e.blob);
				e.size = get_varint(c);
			}
			break;
		}
		case STORE_EFFECT_SYMLINK:
			e.target = get_bytes(c, STORE_MAX_PATH, true, true, &bytes);
			break;
		case STORE_EFFECT_TOUCH:
			e.mtime_ns = unzigzag(get_varint(c));
			break;
		case STORE_EFFECT_DELETE:
			break;
		default:
			fail(c, STORE_EBADTRACE);
		}
		if (effs)
			effs[i] = e;
	}
	size_t before = bytes;
	const char *ki = c->err ? NULL : get_bytes(c, STORE_MAX_KEY_INFO, false, false, &bytes);
	if (c->err)
		return;
	if (c->p != c->end) {
		fail(c, STORE_EBADTRACE); /* trailing bytes */
		return;
	}
	o->n_inputs = (size_t)n_in;
	o->n_effects = (size_t)n_eff;
	o->key_info_len = bytes - before - 1;
	o->key_info = o->key_info_len ? ki : NULL;
	if (ret_n_in)
		*ret_n_in = (size_t)n_in;
	if (ret_n_eff)
		*ret_n_eff = (size_t)n_eff;
	if (ret_bytes)
		*ret_bytes = bytes;
}

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

int store_trace_decode(const uint8_t *buf, size_t len, struct store_trace **ret)
{
	if (!buf)
		return len ? -EINVAL : STORE_EBADTRACE;
	struct cur c = { .p = buf, .end = buf + len };
	size_t n_in = 0, n_eff = 0, bytes = 0;
	parse_trace(&c, NULL, &n_in, &n_eff, &bytes);
	if (c.err)
		return c.err;

	size_t off_in = align_up(sizeof(struct store_trace), alignof(struct store_input));
	size_t off_eff = align_up(off_in + n_in * sizeof(struct store_input),
				  alignof(struct store_effect));
	size_t off_str = off_eff + n_eff * sizeof(struct store_effect);
	uint8_t *block = calloc(1, off_str + bytes);
	if (!block)
		return -ENOMEM;
	struct store_trace *t = (struct store_trace *)block;
	t->inputs = (const struct store_input *)(block + off_in);
	t->effects = (const struct store_effect *)(block + off_eff);
	struct cur c2 = { .p = buf, .end = buf + len, .strings = (char *)(block + off_str) };
	parse_trace(&c2, t, NULL, NULL, NULL);
	if (c2.err) { /* cannot happen: the same bytes passed pass 1 */
		free(block);
		return c2.err;
	}
	if (!n_in)
		t->inputs = NULL;
	if (!n_eff)
		t->effects = NULL;
	*ret = t;
	return 0;
}

void store_trace_free(struct store_trace *t)
{
	free(t);
}

/* ---- run records ----------------------------------------------------------- */

int store_run_encode(const struct store_run *r, uint8_t **ret_buf, size_t *ret_len)
{
	if (!r || r->outcome < STORE_RUN_HIT || r->outcome > STORE_RUN_NOT_RECORDED)
		return -EINVAL;
	struct buf b = { 0 };
	buf_add(&b, RUN_MAGIC, 4);
	put_varint(&b, RUN_VERSION);
	put_varint(&b, zigzag(r->start_ns));
	put_varint(&b, r->duration_ns);
	put_varint(&b, r->saved_ns);
	buf_add(&b, &r->outcome, 1);
	put_varint(&b, zigzag(r->exit_status));
	put_hash(&b, &r->action_key);
	put_hash(&b, &r->trace_id);
	put_str(&b, r->cwd, STORE_MAX_PATH, false);
	put_str(&b, r->command, MAX_COMMAND, false);
	put_str(&b, r->reason, STORE_MAX_PATH, false);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*ret_buf = b.p;
	*ret_len = b.len;
	return 0;
}

static void parse_run(struct cur *c, struct store_run *r, size_t *ret_bytes)
{
	struct store_run dummy;
	struct store_run *o = r ? r : &dummy;
	size_t bytes = 0;
	if (!check_magic(c, RUN_MAGIC, RUN_VERSION))
		return;
	o->start_ns = unzigzag(get_varint(c));
	o->duration_ns = get_varint(c);
	o->saved_ns = get_varint(c);
	o->outcome = get_u8(c);
	if (o->outcome < STORE_RUN_HIT || o->outcome > STORE_RUN_NOT_RECORDED)
		fail(c, STORE_EBADTRACE);
	o->exit_status = get_i32(c);
	get_hash(c, &o->action_key);
	get_hash(c, &o->trace_id);
	o->cwd = get_bytes(c, STORE_MAX_PATH, true, false, &bytes);
	o->command = get_bytes(c, MAX_COMMAND, true, false, &bytes);
	o->reason = get_bytes(c, STORE_MAX_PATH, true, false, &bytes);
	if (!c->err && c->p != c->end)
		fail(c, STORE_EBADTRACE);
	if (ret_bytes)
		*ret_bytes = bytes;
}

int store_run_decode(const uint8_t *buf, size_t len, struct store_run **ret)
{
	if (!buf)
		return len ? -EINVAL : STORE_EBADTRACE;
	struct cur c = { .p = buf, .end = buf + len };
	size_t bytes = 0;
	parse_run(&c, NULL, &bytes);
	if (c.err)
		return c.err;
	size_t off = align_up(sizeof(struct store_run), 8);
	uint8_t *block = calloc(1, off + bytes);
	if (!block)
		return -ENOMEM;
	struct store_run *r = (struct store_run *)block;
	struct cur c2 = { .p = buf, .end = buf + len, .strings = (char *)(block + off) };
	parse_run(&c2, r, NULL);
	if (c2.err) {
		free(block);
		return c2.err;
	}
	*ret = r;
	return 0;
}

void store_run_free(struct store_run *r)
{
	free(r);
}
