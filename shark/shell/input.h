/* input.h - the shell's input sources (input.c): the stack the parser
 * reads from (sh->src), and how a source gets more text. */
#ifndef SHARK_SHELL_INPUT_H
#define SHARK_SHELL_INPUT_H

#include <stdbool.h>
#include <stddef.h>

struct shell;

/* Where shell text comes from. The parser reads characters from the top of
 * the shell's source stack; a source refills itself from its fd or, when
 * interactive, from readline (printing PS1/PS2). */
struct source {
	const char *name;	/* for messages: script path, "-c", or the shell name */
	char *buf;		/* text read so far and not yet discarded */
	size_t len, pos;
	int fd;			/* fd to refill from, or -1 (string source) */
	bool interactive;	/* refill through readline */
	bool eof;
	bool owns_buf;
	int lineno;
	struct source *prev;
};

/* source_push_string, source_push_fd - push a source on the shell's stack:
 * a copy of text (NUL bytes dropped), or what fd yields (through readline
 * when interactive). name is for messages and must outlive the source. */
struct source *source_push_string(struct shell *sh, const char *name, const char *text,
				  size_t len, int lineno);
struct source *source_push_fd(struct shell *sh, const char *name, int fd, bool interactive);

/* source_pop - drop the top source (NULL-safe on an empty stack). */
void source_pop(struct shell *sh);

/* source_fill - append more of s's text: a line from readline (PS1, or PS2
 * with continuation) or a chunk of its fd. 0, or -1 at the end of input
 * (s->eof set) or, at an interactive prompt, after Ctrl-C
 * (*ret_interrupted set: the command being typed is abandoned). */
int source_fill(struct shell *sh, struct source *s, bool continuation, bool *ret_interrupted);

/* source_compact - drop the text already parsed (before s->pos). */
void source_compact(struct source *s);

/* source_dup_text - a malloc'd copy of len bytes of text without its NUL
 * bytes, its length in *ret_len; aborts when out of memory, as the shell
 * does. */
char *source_dup_text(const char *text, size_t len, size_t *ret_len);

#endif
