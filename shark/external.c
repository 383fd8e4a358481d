/* external.c - the seam every external command goes through (see
 * external.h): PATH search, then fork/exec (or exec in place in an already
 * forked child). The pipeline hook declines for now. */
#include "shark/external.h"
#include "shark/shell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *search_in(const char *path, const char *name, bool need_exec);

char *path_search(struct shell *sh, const char *name, bool need_exec)
{
	return search_in(var_get(sh, "PATH"), name, need_exec);
}

static char *search_in(const char *path, const char *name, bool need_exec)
{
	if (strchr(name, '/'))
		return strdup(name);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	size_t nl = strlen(name);
	const char *p = path;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		size_t l = dl + nl + 2;
		char *full = malloc(l);
		if (!full)
			abort();
		if (dl == 0)
			snprintf(full, l, "%s", name);
		else
			snprintf(full, l, "%.*s/%s", (int)dl, p, name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    (!need_exec || access(full, X_OK) == 0))
			return full;
		free(full);
		if (!colon)
			break;
		p = colon + 1;
	}
	return NULL;
}

static void exec_child(struct shell *sh, const char *path, const struct external_cmd *cmd)
{
	if (cmd->fd_in != 0)
		dup2(cmd->fd_in, 0);
	if (cmd->fd_out != 1)
		dup2(cmd->fd_out, 1);
	if (cmd->fd_err != 2)
		dup2(cmd->fd_err, 2);
	execve(path, cmd->argv, cmd->envp);
	int err = errno;
	if (err == ENOEXEC && sh->shell_path) {
		/* a script without #!: run it with this shell */
		size_t n = 0;
		while (cmd->argv[n])
			n++;
		char **av = calloc(n + 2, sizeof *av);
		if (av) {
			av[0] = sh->arg0 ? sh->arg0 : (char *)"shark";
			av[1] = (char *)path;
			for (size_t i = 1; i < n; i++)
				av[i + 1] = cmd->argv[i];
			execve(sh->shell_path, av, cmd->envp);
		}
		err = errno;
	}
	if (err == ENOENT || err == ENOTDIR)
		sh_error(sh, "%s: not found", cmd->argv[0]);
	else
		sh_error(sh, "%s: %s", cmd->argv[0], strerror(err));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

int external_run(struct shell *sh, const struct external_cmd *cmd, bool forked)
{
	const char *pathvar = NULL;
	for (char *const *e = cmd->envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			pathvar = *e + 5;
	if (!pathvar)
		pathvar = var_get(sh, "PATH");
	char *path = search_in(pathvar, cmd->argv[0], true);
	if (!path) {
		sh_error(sh, "%s: not found", cmd->argv[0]);
		if (forked) {
			out_flush(sh);
			_exit(127);
		}
		return 127;
	}
	if (forked)
		exec_child(sh, path, cmd);
	out_flush(sh);
	pid_t pid = jobs_fork(sh, false);
	if (pid < 0) {
		sh_error(sh, "fork: %s", strerror(errno));
		free(path);
		return 126;
	}
	if (pid == 0)
		exec_child(sh, path, cmd);
	free(path);
	return jobs_wait_pid(sh, pid);
}

bool external_pipeline(struct shell *sh, struct node *const *stages, size_t nstages,
		       int *ret_status)
{
	(void)sh;
	(void)stages;
	(void)nstages;
	(void)ret_status;
	return false;	/* no memo engine yet: run the stages one process each */
}
