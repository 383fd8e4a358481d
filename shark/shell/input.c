/* input.c - the input sources: a stack of them in sh->src (a -c string,
 * a script file, stdin, a dot script, an interactive terminal), each
 * holding the text read so far, and refilled from its fd or from readline
 * when the lexer needs more. NUL bytes are dropped on the way in, as dash
 * does. */
#include "shark/shell/input.h"
#include "shark/shell/interactive.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *source_dup_text(const char *text, size_t len, size_t *ret_len)
{
	char *s = malloc(len + 1);
	if (!s)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i])
			s[o++] = text[i];
	s[o] = '\0';
	*ret_len = o;
	return s;
}

struct source *source_push_string(struct shell *sh, const char *name, const char *text,
				  size_t len, int lineno)
{
	struct source *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->name = name;
	s->buf = source_dup_text(text, len, &s->len);
	s->fd = -1;
	s->eof = true;
	s->owns_buf = true;
	s->lineno = lineno;
	s->prev = sh->src;
	sh->src = s;
	return s;
}

struct source *source_push_fd(struct shell *sh, const char *name, int fd, bool interactive)
{
	struct source *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->name = name;
	s->fd = fd;
	s->interactive = interactive;
	s->owns_buf = true;
	s->lineno = 1;
	s->prev = sh->src;
	sh->src = s;
	return s;
}

void source_pop(struct shell *sh)
{
	struct source *s = sh->src;
	if (!s)
		return;
	sh->src = s->prev;
	if (s->owns_buf)
		free(s->buf);
	free(s);
}

void source_compact(struct source *s)
{
	if (s->pos == 0 || !s->owns_buf)
		return;
	memmove(s->buf, s->buf + s->pos, s->len - s->pos);
	s->len -= s->pos;
	s->pos = 0;
}

int source_fill(struct shell *sh, struct source *s, bool continuation, bool *ret_interrupted)
{
	if (s->eof)
		return -1;
	if (s->interactive) {
		char *line = interactive_readline(sh, continuation);
		for (int tries = 0; !line && !sig_int_seen && sh->opt.ignoreeof && tries < 10; tries++) {
			fputs("Use \"exit\" to leave shell.\n", stderr);
			line = interactive_readline(sh, continuation);
		}
		if (!line && sig_int_seen) {
			/* Ctrl-C at a prompt: abandon the command being typed */
			*ret_interrupted = true;
			return -1;
		}
		if (!line) {
			s->eof = true;
			return -1;
		}
		size_t n = strlen(line);
		char *nb = realloc(s->buf, s->len + n + 1);
		if (!nb) {
			free(line);
			s->eof = true;
			return -1;
		}
		s->buf = nb;
		memcpy(s->buf + s->len, line, n);
		s->len += n;
		s->buf[s->len] = '\0';
		free(line);
		return 0;
	}
	if (s->fd < 0) {
		s->eof = true;
		return -1;
	}
	char chunk[8192];
	ssize_t got;
	do
		got = read(s->fd, chunk, sizeof chunk);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		s->eof = true;
		return -1;
	}
	char *nb = realloc(s->buf, s->len + (size_t)got + 1);
	if (!nb) {
		s->eof = true;
		return -1;
	}
	s->buf = nb;
	for (ssize_t i = 0; i < got; i++)
		if (chunk[i] != '\0')	/* NUL bytes are dropped, as dash does */
			s->buf[s->len++] = chunk[i];
	s->buf[s->len] = '\0';
	return 0;
}
