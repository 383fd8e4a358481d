/* redir.h - applying redirections to the shell's own descriptors and
 * restoring them (redir.c). */
#ifndef SHARK_SHELL_REDIR_H
#define SHARK_SHELL_REDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "shark/shell/shell.h"

/* A record of descriptors saved by redir_apply, to restore later. */
struct redir_save {
	int fd;
	int saved;		/* copy of the old fd, or -1 if fd was closed */
	struct redir_save *next;
};
/* Apply redirections. With save != NULL the old descriptors are saved for
 * redir_restore (commands run in the shell itself). Returns 0 or -1 after
 * printing an error. */
int redir_apply(struct shell *sh, struct redir *r, struct redir_save **save);
void redir_restore(struct shell *sh, struct redir_save *save);

#endif
