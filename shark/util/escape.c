/* escape.c - names shown to a user, and words of a generated script: the
 * one escaping that the CLI's listings and the engine's warnings share, so
 * a name a command chose can neither drive the terminal nor end a line. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shark/util/util.h"

size_t util_utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* ---- names shown to a user -------------------------------------------------- */

/* Code points a terminal acts on although they are valid UTF-8: the C1
 * controls (U+0080-U+009F, CSI among them) and the bidirectional marks,
 * embeddings, overrides and isolates that reorder what is displayed. */
static bool cp_is_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Escape the character at p (n bytes left) into out (at least 8 bytes);
 * returns how many input bytes it took and sets *ret_len. */
static size_t escape_one(const unsigned char *p, size_t n, char *out, size_t *ret_len)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char ch = p[0];
	size_t len;
	if (ch == '\\' || ch == '\n' || ch == '\t' || ch == '\r') {
		out[0] = '\\';
		out[1] = ch == '\\' ? '\\' : ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
		*ret_len = 2;
		return 1;
	}
	if (ch >= 0x20 && ch < 0x7f) {
		out[0] = (char)ch;
		*ret_len = 1;
		return 1;
	}
	if (ch >= 0x80 && (len = util_utf8_len(p, n)) != 0) {
		uint32_t cp = len == 2 ? (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
			    : len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
						 (p[2] & 0x3f)
				       : 0x10000;
		if (!cp_is_control(cp)) {
			memcpy(out, p, len);
			*ret_len = len;
			return len;
		}
		snprintf(out, 8, "\\u%04x", (unsigned)cp);
		*ret_len = 6;
		return len;
	}
	/* another control byte, DEL, or a byte that is not UTF-8 */
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hexd[ch >> 4];
	out[3] = hexd[ch & 15];
	*ret_len = 4;
	return 1;
}

void util_put_name(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	while (n) {
		char out[8];
		size_t len, used = escape_one(p, n, out, &len);
		fwrite(out, 1, len, f);
		p += used;
		n -= used;
	}
}

void util_put_sh_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	while (n) {
		char out[8];
		size_t len, used;
		if (*p == '\\') { /* kept: the text pastes back */
			out[0] = '\\';
			len = used = 1;
		} else {
			used = escape_one(p, n, out, &len);
		}
		fwrite(out, 1, len, f);
		p += used;
		n -= used;
	}
}

#define UTIL_NAME_SLOTS 8
#define UTIL_NAME_MAX (4 * 4096 + 16)

const char *util_name(const char *s)
{
	static char slots[UTIL_NAME_SLOTS][UTIL_NAME_MAX];
	static unsigned next;
	char *buf = slots[next++ % UTIL_NAME_SLOTS];
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), o = 0;
	while (n) {
		char out[8];
		size_t len, used = escape_one(p, n, out, &len);
		if (o + len + 4 > UTIL_NAME_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, out, len);
		o += len;
		p += used;
		n -= used;
	}
	buf[o] = '\0';
	return buf;
}

void util_put_sh_word(FILE *f, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_-+./,:=@%";
	if (*s && strspn(s, safe) == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}


char *util_sh_words(char *const *argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', f);
		util_put_sh_word(f, argv[i]);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
