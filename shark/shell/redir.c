/* redir.c - applying redirections (< > >| >> <> <& >& <<) to the shell's
 * descriptors, saving the old ones (above fd 10, close-on-exec) when the
 * command runs in the shell itself so they can be restored afterwards. */
#include "shark/shell/boundary.h"
#include "shark/shell/shell.h"
#include "shark/shell/expand.h"
#include "shark/shell/external.h"
#include "shark/shell/redir.h"
#include "shark/util/util.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { HEREDOC_PIPE_MAX = 60000, SAVE_FD_MIN = 10 };

/* Make a here-document's body readable on a new fd. */
static int redir_heredoc_fd(const char *body, size_t len)
{
	if (len <= HEREDOC_PIPE_MAX) { /* fits in a pipe's buffer: no reader needed */
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		int r = util_write_all(p[1], body, len);
		close(p[1]);
		if (r < 0) {
			close(p[0]);
			return -1;
		}
		return p[0];
	}
	/* the temporary area shark started with (boundary.h): a script's
	 * own TMPDIR is no place the shell may write */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/shark-heredoc-XXXXXX", tmp);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			return -1;
		unlink(path);
	}
	if (util_write_all(fd, body, len) < 0) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Whether fd is open as one of the script's: inherited, or made by a
 * redirection (which never leaves close-on-exec set). The shell's and its
 * libraries' own descriptors (the store's index, a prepared sandbox's
 * channel, the zygote's socket, the copies saved here) are all
 * close-on-exec: to a script they are closed, as in `cat <&N`, or a
 * command could be handed one (docs/language.md, difference 13). */
static bool script_fd(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	return flags >= 0 && !(flags & FD_CLOEXEC);
}

/* Keep a copy of fd (or that it was closed) for redir_restore. -1 when fd
 * is open but no copy can be made (EMFILE, or a descriptor limit at or
 * below SAVE_FD_MIN): the redirection must then fail, or the restore would
 * close the shell's own fd for good. was_closed: fd was closed before
 * (the restore closes it again). */
static int save_fd(struct redir_save **save, int fd, bool was_closed)
{
	if (!save)
		return 0;
	for (struct redir_save *s = *save; s; s = s->next)
		if (s->fd == fd)
			return 0;
	int saved = was_closed ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, SAVE_FD_MIN);
	if (saved < 0 && !was_closed && errno != EBADF)
		return -1;
	struct redir_save *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->fd = fd;
	s->saved = saved;
	s->next = *save;
	*save = s;
	return 0;
}

static void save_failed(struct shell *sh, int fd)
{
	sh_error(sh, "%d: cannot save the descriptor: %s", fd, strerror(errno));
}

static int open_target(struct shell *sh, const struct redir *r, const char *name, char *refused,
		       size_t size)
{
	int flags = O_CLOEXEC;
	switch (r->kind) {
	case R_IN: flags |= O_RDONLY; break;
	case R_RDWR: flags |= O_RDWR | O_CREAT; break;
	case R_APPEND: flags |= O_WRONLY | O_CREAT | O_APPEND; break;
	case R_CLOBBER: flags |= O_WRONLY | O_CREAT | O_TRUNC; break;
	case R_OUT:
		flags |= O_WRONLY | O_CREAT | O_TRUNC;
		if (sh->opt.noclobber) {
			struct stat st;
			if (stat(name, &st) == 0 && S_ISREG(st.st_mode)) {
				errno = EEXIST;
				return -1;
			}
			if (stat(name, &st) != 0)
				flags |= O_EXCL;
			else
				flags &= ~O_TRUNC;
		}
		break;
	default: break;
	}
	/* a write is checked against the workspace: found now if not yet */
	if ((flags & O_ACCMODE) != O_RDONLY)
		external_ensure(sh);
	return boundary_open(sh->boundary, name, flags, 0666, refused, size);
}

/* Why a write was refused, and what to do about it. */
static void refusal(struct shell *sh, const char *name, const char *dir)
{
	const char *ws = boundary_workspace(sh->boundary);
	if (!*dir) {
		sh_error(sh, "cannot write %s: the shell holds that descriptor for reading only",
			 name);
		return;
	}
	sh_error(sh, "cannot write %s: outside the workspace%s%s and /tmp; start shark with "
		     "SHARK_WRITABLE=%s to allow it, or let a `host` command write it",
		 name, ws ? " " : "", ws ? ws : "", dir);
}

int redir_apply(struct shell *sh, struct redir *r, struct redir_save **save)
{
	for (; r; r = r->next) {
		int newfd = -1;
		if (r->kind == R_HEREDOC) {
			char *body = r->here_quoted ? NULL : expand_word_str(sh, r->target, false);
			const char *text = body;
			if (r->here_quoted)
				text = r->target && r->target->parts ? r->target->parts->text : "";
			if (!text)
				return -1;
			newfd = redir_heredoc_fd(text, strlen(text));
			free(body);
			if (newfd < 0) {
				sh_error(sh, "cannot create here-document: %s", strerror(errno));
				return -1;
			}
		} else {
			char *name = expand_word_str(sh, r->target, true);
			if (!name)
				return -1;
			if (r->kind == R_DUPIN || r->kind == R_DUPOUT) {
				if (strcmp(name, "-") == 0) {
					free(name);
					if (save_fd(save, r->fd, false) < 0) {
						save_failed(sh, r->fd);
						return -1;
					}
					close(r->fd);
					continue;
				}
				char *end;
				errno = 0;
				long src = strtol(name, &end, 10);
				if (!*name || *end || src < 0 || src > 1023 || errno) {
					sh_error(sh, "%s: bad file descriptor number", name);
					free(name);
					return -1;
				}
				free(name);
				if (!script_fd((int)src)) {
					sh_error(sh, "%ld: Bad file descriptor", src);
					return -1;
				}
				if (src == r->fd)
					continue;
				if (save_fd(save, r->fd, false) < 0) {
					save_failed(sh, r->fd);
					return -1;
				}
				if (dup2((int)src, r->fd) < 0) {
					sh_error(sh, "%d: %s", r->fd, strerror(errno));
					return -1;
				}
				continue;
			}
			char refused[PATH_MAX];
			newfd = open_target(sh, r, name, refused, sizeof(refused));
			if (newfd == BOUNDARY_REFUSED) {
				refusal(sh, name, refused);
				free(name);
				return -1;
			}
			if (newfd < 0) {
				if (r->kind == R_IN)
					sh_error(sh, "cannot open %s: %s", name, strerror(errno));
				else
					sh_error(sh, "cannot create %s: %s", name, strerror(errno));
				free(name);
				return -1;
			}
			free(name);
		}
		/* newfd == r->fd: that fd was closed (the open took the lowest) */
		if (save_fd(save, r->fd, newfd == r->fd) < 0) {
			save_failed(sh, r->fd);
			close(newfd);
			return -1;
		}
		int e = util_move_fd(newfd, r->fd);
		if (e < 0) {
			sh_error(sh, "%d: %s", r->fd, strerror(-e));
			return -1;
		}
	}
	return 0;
}

void redir_restore(struct shell *sh, struct redir_save *save)
{
	out_flush(sh);
	while (save) {
		struct redir_save *next = save->next;
		if (save->saved >= 0) {
			dup2(save->saved, save->fd);
			close(save->saved);
		} else {
			close(save->fd);
		}
		free(save);
		save = next;
	}
}
