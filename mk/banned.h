/* banned.h - functions that must not be used in shark.
 *
 * Force-included into every translation unit (-include mk/banned.h), so a
 * call to one of these fails to compile. Use snprintf, explicit lengths,
 * memcpy with checked sizes, strtok_r only where a tokenizer is truly needed
 * (prefer a hand-written scanner). */
#ifndef SHARK_BANNED_H
#define SHARK_BANNED_H

/* The system headers that declare the banned names come first, so their own
 * declarations are not rewritten; their include guards make later includes
 * by the source file no-ops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)

#endif
