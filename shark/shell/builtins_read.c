/* builtins_read.c - the read builtin: POSIX `read [-r] NAME...` and, in
 * bash mode, bash's options (-a ARRAY, -p PROMPT, -n/-N COUNT, -t TIMEOUT,
 * -s, -d DELIM, -u FD, REPLY without names), and mapfile/readarray. */
#include "shark/shell/shell.h"
#include "shark/shell/array.h"
#include "shark/shell/builtins.h"
#include "shark/shell/trap.h"
#include "shark/shell/vars.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* What one read asks for. */
struct read_req {
	int fd;
	int delim;		/* the byte that ends the record ('\n'; -d '' is NUL) */
	long nchars;		/* -n/-N: at most this many characters, -1: no limit */
	bool exact;		/* -N: exactly nchars, the delimiter is no end */
	bool raw;		/* -r */
	long timeout_ms;	/* -t, -1: none */
};

enum { READ_OK = 0, READ_EOF = 1, READ_TIMEOUT = 2 };

/* Wait until fd is readable or the deadline passes; false on timeout. */
static bool wait_readable(int fd, const struct timespec *deadline)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms < 0)
			ms = 0;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)ms);
		if (r > 0)
			return true;
		if (r == 0)
			return false;
		if (errno != EINTR || sig_any_pending)
			return true;	/* let read() report it */
	}
}

/* Read one record into a malloc'd buffer with a flag per byte (escaped
 * bytes are never split by IFS). From a seekable file without -n/-t a
 * block is read and the offset moved back after the delimiter; otherwise
 * one byte at a time, so nothing past the record is consumed. */
static int read_record(const struct read_req *rq, char **ret_line, bool **ret_esc, size_t *ret_len)
{
	size_t len = 0, cap = 128;
	char *line = malloc(cap);
	bool *esc = malloc(cap);
	if (!line || !esc)
		abort();
	int result = READ_OK;
	off_t pos = lseek(rq->fd, 0, SEEK_CUR);
	struct stat st;
	bool block = pos >= 0 && rq->nchars < 0 && rq->timeout_ms < 0 && fstat(rq->fd, &st) == 0 &&
		     S_ISREG(st.st_mode);
	struct timespec deadline = { 0 };
	if (rq->timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += rq->timeout_ms / 1000;
		deadline.tv_nsec += (rq->timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	char chunk[4096];
	size_t clen = 0, cpos = 0;
	off_t consumed = 0;
	bool pending_bs = false;	/* a backslash waits for the next byte */
	long chars = 0;
	for (;;) {
		if (rq->nchars >= 0 && chars >= rq->nchars)
			break;
		if (cpos == clen) {
			if (rq->timeout_ms >= 0 && !wait_readable(rq->fd, &deadline)) {
				result = READ_TIMEOUT;
				break;
			}
			ssize_t n = read(rq->fd, chunk, block ? sizeof chunk : 1);
			if (n < 0 && errno == EINTR) {
				if (sig_any_pending) {
					result = READ_EOF;
					break;
				}
				continue;
			}
			if (n <= 0) {
				result = READ_EOF;
				break;
			}
			clen = (size_t)n;
			cpos = 0;
		}
		unsigned char c = (unsigned char)chunk[cpos++];
		consumed++;
		if (len + 2 > cap) {
			cap *= 2;
			line = realloc(line, cap);
			esc = realloc(esc, cap);
			if (!line || !esc)
				abort();
		}
		if (pending_bs) {
			pending_bs = false;
			if (c == '\n')
				continue;	/* a line continuation */
			line[len] = (char)c;
			esc[len++] = true;
			chars++;
			continue;
		}
		if (!rq->exact && (int)c == rq->delim)
			break;
		if (!rq->raw && c == '\\') {
			pending_bs = true;
			continue;
		}
		line[len] = (char)c;
		esc[len++] = false;
		chars++;
	}
	if (block && pos >= 0)
		lseek(rq->fd, pos + consumed, SEEK_SET);
	line[len] = '\0';
	*ret_line = line;
	*ret_esc = esc;
	*ret_len = len;
	return result;
}

/* Split line into fields by IFS for nnames names (the last one takes the
 * rest, its trailing IFS white space removed); nnames 0: every field
 * (read -a). */
static void split_fields(const char *line, const bool *esc, size_t len, const char *ifs, size_t nnames,
			 struct strlist *out)
{
	size_t p = 0;
#define IS_IFS(k) (!esc[k] && line[k] && strchr(ifs, line[k]))
#define IS_WS(k) (IS_IFS(k) && strchr(" \t\n", line[k]))
	while (p < len && IS_WS(p))
		p++;
	for (size_t i = 0; nnames == 0 ? p < len : i < nnames; i++) {
		char *val;
		if (nnames && i + 1 == nnames) {
			size_t e = len;
			while (e > p && IS_WS(e - 1))
				e--;
			/* one field and a delimiter left ("b:"): the field alone,
			 * as dash and bash */
			if (e > p && IS_IFS(e - 1)) {
				bool one = true;
				for (size_t k = p; k + 1 < e && one; k++)
					one = !IS_IFS(k);
				if (one) {
					e--;
					while (e > p && IS_WS(e - 1))
						e--;
				}
			}
			val = strndup(line + p, e - p);
			p = len;
		} else {
			size_t st = p;
			while (p < len && !IS_IFS(p))
				p++;
			val = strndup(line + st, p - st);
			while (p < len && IS_WS(p))
				p++;
			if (p < len && IS_IFS(p)) {
				p++;
				while (p < len && IS_WS(p))
					p++;
			}
		}
		if (!val)
			abort();
		strlist_push(out, val);
	}
#undef IS_IFS
#undef IS_WS
}

/* A timeout in seconds with an optional fraction, as milliseconds; -1 if bad. */
static long parse_timeout(const char *s)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || *end || end == s || d < 0 || d > 1e7)
		return -1;
	return (long)(d * 1000);
}

static bool parse_count(const char *s, long *ret)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || *end || end == s || n < 0)
		return false;
	*ret = n;
	return true;
}

static bool parse_fd(const char *s, int *ret)
{
	long n;
	if (!parse_count(s, &n) || n > 1024 || fcntl(n, F_GETFD) < 0)
		return false;
	*ret = (int)n;
	return true;
}

int bi_read(struct shell *sh, int argc, char **argv)
{
	struct read_req rq = { .fd = 0, .delim = '\n', .nchars = -1, .timeout_ms = -1 };
	const char *prompt = NULL, *array = NULL;
	bool silent = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			const char *opt = NULL;
			bool takes = *c == 'p' || (sh->bash && strchr("anNtdu", *c));
			if (takes) {
				if (c[1]) {
					opt = c + 1;
				} else if (i + 1 < argc) {
					opt = argv[++i];
				} else {
					sh_error(sh, "read: -%c: option requires an argument", *c);
					return 2;
				}
			}
			bool ok = true;
			switch (*c) {
			case 'r': rq.raw = true; break;
			case 'p': prompt = opt; break;
			case 'a': array = opt; break;
			case 'n': ok = parse_count(opt, &rq.nchars); break;
			case 'N': ok = parse_count(opt, &rq.nchars); rq.exact = true; break;
			case 't': ok = (rq.timeout_ms = parse_timeout(opt)) >= 0; break;
			case 'd': rq.delim = (unsigned char)opt[0]; break;
			case 'u': ok = parse_fd(opt, &rq.fd); break;
			case 's':
			case 'e':
				if (sh->bash) {
					silent |= *c == 's';
					break;
				}
				/* fall through */
			default:
				sh_error(sh, "read: Illegal option -%c", *c);
				return 2;
			}
			if (!ok) {
				sh_error(sh, "read: %s: invalid argument for -%c", opt, *c);
				return sh->bash ? 1 : 2;
			}
			if (takes)
				break;
		}
	}
	if (i >= argc && !sh->bash && !array) {
		sh_error(sh, "read: arg count");
		return 2;
	}
	for (int k = i; k < argc; k++) {
		if (!var_valid_name(argv[k], strlen(argv[k]))) {
			sh_error(sh, "read: `%s': not a valid identifier", argv[k]);
			return sh->bash ? 1 : 2;
		}
	}
	if (prompt && isatty(rq.fd)) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (rq.timeout_ms == 0) {
		/* -t 0: is there input? nothing is read */
		struct pollfd p = { .fd = rq.fd, .events = POLLIN };
		return poll(&p, 1, 0) > 0 ? 0 : 1;
	}
	struct termios saved;
	bool restore = silent && tcgetattr(rq.fd, &saved) == 0;
	if (restore) {
		struct termios quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(rq.fd, TCSANOW, &quiet);
	}
	char *line;
	bool *esc;
	size_t len;
	int r = read_record(&rq, &line, &esc, &len);
	if (restore)
		tcsetattr(rq.fd, TCSANOW, &saved);
	int status = r == READ_OK ? 0 : r == READ_TIMEOUT ? 142 : 1;
	if (rq.nchars >= 0 && r == READ_EOF && len > 0 && !rq.exact)
		status = 0;	/* -n: a short record before the end of input */
	const char *ifs = var_get(sh, "IFS");
	if (!ifs)
		ifs = " \t\n";
	struct strlist fields = { 0 };
	if (array) {
		split_fields(line, esc, len, ifs, 0, &fields);
		if (array_assign(sh, array, fields.v, fields.n, false) < 0)
			status = 1;
	} else if (i >= argc) {
		if (var_set(sh, "REPLY", line, 0) < 0)
			status = 1;	/* bash: REPLY, the whole line */
	} else if (rq.exact) {
		/* -N: the characters as read, without splitting */
		if (var_set(sh, argv[i], line, 0) < 0)
			status = 1;
		for (int k = i + 1; k < argc; k++)
			var_set(sh, argv[k], "", 0);
	} else {
		split_fields(line, esc, len, ifs, (size_t)(argc - i), &fields);
		for (size_t k = 0; k < fields.n; k++)
			if (var_set(sh, argv[i + (int)k], fields.v[k], 0) < 0)
				status = sh->bash ? 1 : 2;
	}
	strlist_free(&fields);
	free(line);
	free(esc);
	return status;
}

/* mapfile/readarray [-t] [-n COUNT] [-O ORIGIN] [-s SKIP] [-d DELIM]
 * [-u FD] [ARRAY]: the records of the input, one element each (default
 * array MAPFILE). Reads one byte at a time from a pipe so that nothing
 * past the last record asked for is consumed. */
int bi_mapfile(struct shell *sh, int argc, char **argv)
{
	int fd = 0, delim = '\n';
	long count = 0, origin = -1, skip = 0;
	bool strip = false;
	int opt;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			opt = *c;
			if (opt == 't') {
				strip = true;
				continue;
			}
			if (!strchr("nOsdu", opt)) {
				sh_error(sh, "%s: -%c: invalid option", argv[0], opt);
				return 2;
			}
			const char *val = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!val) {
				sh_error(sh, "%s: -%c: option requires an argument", argv[0], opt);
				return 2;
			}
			bool ok = true;
			if (opt == 'n')
				ok = parse_count(val, &count);
			else if (opt == 'O')
				ok = parse_count(val, &origin);
			else if (opt == 's')
				ok = parse_count(val, &skip);
			else if (opt == 'd')
				delim = (unsigned char)val[0];
			else
				ok = parse_fd(val, &fd);
			if (!ok) {
				sh_error(sh, "%s: %s: invalid argument", argv[0], val);
				return 1;
			}
			break;
		}
	}
	const char *name = i < argc ? argv[i] : "MAPFILE";
	if (!var_valid_name(name, strlen(name))) {
		sh_error(sh, "%s: `%s': not a valid identifier", argv[0], name);
		return 1;
	}
	if (origin < 0) {
		origin = 0;
		array_clear(sh, name);
		var_unset(sh, name);
	}
	struct read_req rq = { .fd = fd, .delim = delim, .nchars = -1, .raw = true, .timeout_ms = -1 };
	long stored = 0, seen = 0;
	for (;;) {
		if (count > 0 && stored >= count)
			break;
		char *line;
		bool *esc;
		size_t len;
		/* read_record drops the delimiter; know whether there was one */
		int r = read_record(&rq, &line, &esc, &len);
		free(esc);
		if (r != READ_OK && len == 0) {
			free(line);
			break;
		}
		if (seen++ >= skip) {
			if (!strip && r == READ_OK) {
				char *with = malloc(len + 2);
				if (!with)
					abort();
				memcpy(with, line, len);
				with[len] = (char)delim;
				with[len + 1] = '\0';
				free(line);
				line = with;
			}
			array_set(sh, name, origin + stored, line);
			stored++;
		}
		free(line);
		if (r != READ_OK)
			break;
	}
	return 0;
}
