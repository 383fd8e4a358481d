/* util.h - small helpers every part of shark/ shares (the shell, the memo
 * engine and the CLI); they depend on nothing else in shark/. */
#ifndef SHARK_UTIL_H
#define SHARK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- sizes and durations (units.c) ---- */

/* util_parse_size - "123", "10K", "1.5M", "2G", "1T" (powers of 1024,
 * optional trailing "B"/"iB"). -EINVAL on anything else, -ERANGE. */
int util_parse_size(const char *s, uint64_t *ret);

/* util_parse_age - "30" (seconds), "90s", "15m", "12h", "7d", "2w".
 * Result in nanoseconds. -EINVAL, -ERANGE. */
int util_parse_age(const char *s, int64_t *ret_ns);

/* util_format_size - "1.5 MiB" style into buf. Returns buf. */
const char *util_format_size(uint64_t bytes, char *buf, size_t size);

/* util_format_duration - "1.23 s", "45 ms", "2 min 3 s" into buf. Returns
 * buf. */
const char *util_format_duration(uint64_t ns, char *buf, size_t size);

/* util_format_duration_short - "450 ms", "1.2 s": the shell's one-line
 * "cached · saved ..." notice. Returns buf. */
const char *util_format_duration_short(uint64_t ns, char *buf, size_t size);

/* ---- writing and clocks (io.c) ---- */

/* util_write_all - write all len bytes of buf to fd, retrying short writes
 * and EINTR. 0, or -errno of the failed write (-EPIPE, -EAGAIN on a
 * non-blocking fd that is full, ...; -EIO if write wrote nothing); errno
 * is left as the failed write set it. */
int util_write_all(int fd, const void *buf, size_t len);

/* util_read_bounded - read fd (a pipe) into *ret_buf (malloc'd, *ret_len
 * bytes) until its end, wait_ms milliseconds or more than max bytes,
 * whichever comes first: 1 when the end came within both bounds, 0 when
 * not (*ret_buf then holds what was read), -ENOMEM. */
int util_read_bounded(int fd, int wait_ms, size_t max, char **ret_buf, size_t *ret_len);

/* util_now_ns - clock (CLOCK_MONOTONIC, CLOCK_REALTIME, ...) in
 * nanoseconds. */
int64_t util_now_ns(int clock);

/* ---- this process (pid.c) ---- */

/* util_getpid - getpid(), kept until the next fork(2) (a pthread_atfork
 * child handler forgets it): no system call after the first. Not for a
 * child made by a raw clone(2). */
pid_t util_getpid(void);

/* ---- the fds a script may name (fds.c) ---- */

#define UTIL_HOLD_FDS_MAX 10

/* util_hold_free_fds - every closed fd below n (at most 10) opened on
 * /dev/null, its fd in held[fd] (-1 for the others), so that fds opened
 * meanwhile land at n or above; util_release_fds closes them again. */
void util_hold_free_fds(int *held, int n);
void util_release_fds(const int *held, int n);

/* util_move_fd - fd moved to target as the script's descriptor, which is
 * inheritable (the shell's own are close-on-exec, and a redirection does
 * not take them as sources: redir.c): dup2 and close when they differ;
 * when fd already is target (a pipe or open took that free number), its
 * close-on-exec flag cleared. fd is gone either way. 0, or -errno. */
int util_move_fd(int fd, int target);

/* ---- names shown to a user (escape.c) ----
 *
 * Names shown to a user (paths, symlink targets, command texts, reasons:
 * anything a command or an imported bundle chose) never reach the terminal
 * raw. The one escaping: printable ASCII and valid UTF-8 as they are;
 * backslash, newline, tab and carriage return as \\ \n \t \r; other control
 * bytes, DEL and bytes that are not UTF-8 as \xHH; C1 controls and the
 * bidirectional override/isolate marks as \uXXXX. */

/* util_put_name - s escaped onto f (NULL prints nothing). */
void util_put_name(FILE *f, const char *s);

/* util_put_sh_text - a shell text (a command line as the history keeps it,
 * argv words quoted by util_put_sh_word) onto f: escaped as util_put_name
 * does, but a backslash stays one backslash, so a text with no control
 * byte pastes back as the same argv. */
void util_put_sh_text(FILE *f, const char *s);

/* util_name - s escaped into one of 8 static buffers, for printf arguments
 * (valid until 8 more calls; not thread-safe); names escaping to more than
 * 16 KiB end in "...". NULL gives "". */
const char *util_name(const char *s);

/* util_put_sh_word - s as one sh word: as it is when it is made of
 * [A-Za-z0-9_-+./,:=@%] only, else in single quotes ('\'' for a quote), so
 * no byte of it (newline, ;, $, `) can end the word or start a command. */
void util_put_sh_word(FILE *f, const char *s);

/* util_sh_words - argv (NULL-terminated) as one line of sh words, each
 * written by util_put_sh_word and separated by a space, so pasting it back
 * runs the same argv. malloc'd; NULL when out of memory. */
char *util_sh_words(char *const *argv);

/* util_utf8_len - length of the valid UTF-8 sequence at p (n > 0 bytes
 * left), 0 if it is not one (overlong, surrogate, past U+10FFFF, cut). */
size_t util_utf8_len(const unsigned char *p, size_t n);

/* ---- a growable buffer (buf.c) ---- */

/* Bytes, NUL-terminated once anything was added (s is NULL until then).
 * Start from { 0 }; util_buf_release frees. */
struct util_buf {
	char *s;
	size_t len, cap;
};

/* util_buf_grow - room for more bytes (and the NUL) after len. 0, or
 * -ENOMEM with b unchanged. */
int util_buf_grow(struct util_buf *b, size_t more);

/* util_buf_add, util_buf_putc - append n bytes at p, or one byte. 0, or
 * -ENOMEM with b unchanged. */
int util_buf_add(struct util_buf *b, const void *p, size_t n);
int util_buf_putc(struct util_buf *b, char c);

/* util_buf_detach - the text (malloc'd, "" when nothing was added; NULL
 * only when that strdup fails), b emptied. */
char *util_buf_detach(struct util_buf *b);

/* util_buf_release - free the text and empty b. */
void util_buf_release(struct util_buf *b);

/* ---- which binary is shark (self.c) ---- */

struct stat;

/* util_is_self - whether st (a stat of a program file) is the running
 * shark: its own executable, or, in shark's dynamic twin
 * (libexec/shark/shark, shark/twin.h), the static shark at
 * ../../bin/shark that hands work to it. */
bool util_is_self(const struct stat *st);

#endif
