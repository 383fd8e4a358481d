/* buf.c - the growable byte buffer (struct util_buf) the shell's readers
 * and printers build text in. */
#include "shark/util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int util_buf_grow(struct util_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return 0;
	if (more > SIZE_MAX / 2 - b->len - 1)
		return -ENOMEM;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		return -ENOMEM;
	b->s = s;
	b->cap = cap;
	return 0;
}

int util_buf_add(struct util_buf *b, const void *p, size_t n)
{
	int r = util_buf_grow(b, n);
	if (r < 0)
		return r;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int util_buf_putc(struct util_buf *b, char c)
{
	return util_buf_add(b, &c, 1);
}

char *util_buf_detach(struct util_buf *b)
{
	char *s = b->s ? b->s : strdup("");
	*b = (struct util_buf){ 0 };
	return s;
}

void util_buf_release(struct util_buf *b)
{
	free(b->s);
	*b = (struct util_buf){ 0 };
}
