/* result.c - the result record the sandbox's pid 1 leaves in the scratch dir,
 * and its decoder (which treats the bytes as untrusted: fuzzed).
 *
 * Layout, host byte order (writer and reader are the same machine):
 *   "SBXR" u32 version
 *   i32 exit_code, i32 term_signal, i32 exec_errno, u32 flags, u32 attrs
 *   u64 wall_ns, user_ns, sys_ns, n_notifications, n_accesses
 *   n_accesses x { u32 kinds, u32 len, len bytes of path (no NUL) }
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "SBXR"
#define VERSION 3u /* 3: the SCHED and IOPRIO attribute bits */
#define MAX_DECODED_ACCESSES 1000000u
#define ALL_KINDS 0x7fu /* enum sandbox_access_kind */

struct buf {
	char *data;
	size_t len, cap;
};

static int put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int sandbox_result_encode(const struct sandbox_result *r, void **ret_data,
			  size_t *ret_size)
{
	struct buf b = { 0 };
	uint32_t version = VERSION, flags = r->flags, attrs = r->attrs;
	int32_t ints[3] = { r->exit_code, r->term_signal, r->exec_errno };
	uint64_t u[5] = { r->wall_ns, r->user_ns, r->sys_ns,
			  r->n_notifications, r->n_accesses };
	int e = put(&b, MAGIC, 4);

	e = e ? e : put(&b, &version, 4);
	e = e ? e : put(&b, ints, sizeof(ints));
	e = e ? e : put(&b, &flags, 4);
	e = e ? e : put(&b, &attrs, 4);
	e = e ? e : put(&b, u, sizeof(u));
	for (size_t i = 0; e == 0 && i < r->n_accesses; i++) {
		uint32_t k = r->accesses[i].kinds;
		uint32_t len = (uint32_t)strlen(r->accesses[i].path);

		e = put(&b, &k, 4);
		e = e ? e : put(&b, &len, 4);
		e = e ? e : put(&b, r->accesses[i].path, len);
	}
	if (e) {
		free(b.data);
		return e;
	}
	*ret_data = b.data;
	*ret_size = b.len;
	return 0;
}

void sandbox_result_free(struct sandbox_result *result)
{
	if (!result)
		return;
	for (size_t i = 0; i < result->n_accesses; i++)
		free((char *)result->accesses[i].path);
	free((void *)result->accesses);
	free(result);
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static bool take(struct reader *rd, void *out, size_t n)
{
	if (rd->left < n)
		return false;
	memcpy(out, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return true;
}

int sandbox_result_decode(const void *data, size_t size,
			  struct sandbox_result **ret_result)
{
	struct reader rd = { data, size };
	struct sandbox_result *r;
	struct sandbox_access *v = NULL;
	char magic[4];
	uint32_t version, flags, attrs;
	int32_t ints[3];
	uint64_t u[5];

	if (!take(&rd, magic, 4) || memcmp(magic, MAGIC, 4) != 0 ||
	    !take(&rd, &version, 4) || version != VERSION ||
	    !take(&rd, ints, sizeof(ints)) || !take(&rd, &flags, 4) ||
	    !take(&rd, &attrs, 4) || (attrs & ~SANDBOX_ATTR_ALL) ||
	    !take(&rd, u, sizeof(u)))
		return SANDBOX_E_RESULT;
	/* Each access takes at least 9 bytes: a count beyond what is left is
	 * corrupt, whatever it claims. */
	if (u[4] > MAX_DECODED_ACCESSES || u[4] > rd.left / 9 ||
	    ints[0] < 0 || ints[0] > 255 || ints[1] < 0 || ints[1] > 64)
		return SANDBOX_E_RESULT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (u[4] > 0) {
		v = calloc((size_t)u[4], sizeof(*v));
		if (!v) {
			free(r);
			return -ENOMEM;
		}
	}
	r->accesses = v;
	for (size_t i = 0; i < u[4]; i++) {
		uint32_t kinds, len;
		char *path;

		if (!take(&rd, &kinds, 4) || !take(&rd, &len, 4) ||
		    kinds == 0 || (kinds & ~ALL_KINDS) || len == 0 ||
		    len >= SANDBOX_MAX_PATH || rd.left < len)
			goto corrupt;
		path = malloc(len + 1);
		if (!path) {
			sandbox_result_free(r);
			return -ENOMEM;
		}
		memcpy(path, rd.p, len);
		path[len] = '\0';
		rd.p += len;
		rd.left -= len;
		v[i].path = path;
		v[i].kinds = kinds;
		r->n_accesses = i + 1;
		if (path[0] != '/' || memchr(path, '\0', len) ||
		    (i > 0 && strcmp(v[i - 1].path, path) >= 0))
			goto corrupt;
	}
	if (rd.left != 0)
		goto corrupt;
	r->exit_code = ints[0];
	r->term_signal = ints[1];
	r->exec_errno = ints[2];
	r->flags = flags;
	r->attrs = attrs;
	r->wall_ns = u[0];
	r->user_ns = u[1];
	r->sys_ns = u[2];
	r->n_notifications = u[3];
	*ret_result = r;
	return 0;
corrupt:
	sandbox_result_free(r);
	return SANDBOX_E_RESULT;
}
