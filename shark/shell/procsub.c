/* procsub.c - bash's <(cmd) and >(cmd) through FIFOs (procsub.h). */
#include "shark/shell/procsub.h"
#include "shark/shell/eval.h"
#include "shark/shell/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct procsub {
	char *dir;		/* the private directory (mode 0700) */
	char *path;		/* dir/fifo */
	pid_t pid;		/* the child running the command */
	bool write;		/* >(...): the child reads the FIFO */
	struct procsub *next;
};

char *procsub_open(struct shell *sh, struct node *cmd, bool write)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	size_t dl = strlen(tmp) + 32;
	char *dir = malloc(dl);
	if (!dir)
		abort();
	snprintf(dir, dl, "%s/shark-procsub.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		sh_error(sh, "process substitution: %s: %s", tmp, strerror(errno));
		free(dir);
		return NULL;
	}
	size_t pl = strlen(dir) + 8;
	char *path = malloc(pl);
	if (!path)
		abort();
	snprintf(path, pl, "%s/fifo", dir);
	if (mkfifo(path, 0600) < 0) {
		sh_error(sh, "process substitution: mkfifo: %s", strerror(errno));
		rmdir(dir);
		free(dir);
		free(path);
		return NULL;
	}
	out_flush(sh);
	pid_t pid = jobs_fork_nojob(sh);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		unlink(path);
		rmdir(dir);
		free(dir);
		free(path);
		return NULL;
	}
	if (pid == 0) {
		procsub_forget(sh);
		int fd = open(path, write ? O_RDONLY : O_WRONLY);
		if (fd < 0)
			_exit(1);
		int target = write ? 0 : 1;
		if (fd != target) {
			dup2(fd, target);
			close(fd);
		}
		eval_in_child(sh, cmd);
	}
	struct procsub *ps = calloc(1, sizeof *ps);
	if (!ps)
		abort();
	ps->dir = dir;
	ps->path = path;
	ps->pid = pid;
	ps->write = write;
	ps->next = sh->procsubs;
	sh->procsubs = ps;
	char *ret = strdup(path);
	if (!ret)
		abort();
	return ret;
}

static bool child_done(pid_t pid)
{
	int ws;
	pid_t r = waitpid(pid, &ws, WNOHANG);
	return r == pid || (r < 0 && errno == ECHILD);
}

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
}

/* Release a child that may wait on its FIFO and wait for it: the one
 * that writes (<(...)) sees its reader gone; the one that reads (>(...))
 * gets a writer that closes at once, so it sees the end of its input. */
static void release(struct shell *sh, struct procsub *ps)
{
	if (!ps->write) {
		/* a reader for an instant, again and again: a child still in
		 * open() gets it and goes on; one writing with nobody reading
		 * gets SIGPIPE, as under bash once the consumer is gone
		 * (`head -n 1 <(yes)`) */
		while (!child_done(ps->pid)) {
			int fd = open(ps->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			nap();
		}
		return;
	}
	for (;;) {
		int fd = open(ps->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);	/* the child reads on to the end */
			break;
		}
		if (errno != ENXIO || child_done(ps->pid))
			return;
		nap();	/* the child has not opened it yet */
	}
	jobs_wait_pid(sh, ps->pid);
}

void procsub_finish(struct shell *sh, struct procsub *mark)
{
	while (sh->procsubs && sh->procsubs != mark) {
		struct procsub *ps = sh->procsubs;
		sh->procsubs = ps->next;
		release(sh, ps);
		unlink(ps->path);
		rmdir(ps->dir);
		free(ps->path);
		free(ps->dir);
		free(ps);
	}
}

void procsub_forget(struct shell *sh)
{
	while (sh->procsubs) {
		struct procsub *ps = sh->procsubs;
		sh->procsubs = ps->next;
		free(ps->path);
		free(ps->dir);
		free(ps);
	}
}

static bool in_words(const struct word *w)
{
	for (; w; w = w->next)
		for (const struct wpart *p = w->parts; p; p = p->next)
			if (p->kind == WP_PROCSUB || (p->kind == WP_PARAM && (in_words(p->arg) || in_words(p->arg2))))
				return true;
	return false;
}

bool procsub_in_node(const struct node *n)
{
	if (in_words(n->args) || in_words(n->assigns))
		return true;
	for (const struct redir *r = n->redirs; r; r = r->next)
		if (in_words(r->target))
			return true;
	return false;
}
