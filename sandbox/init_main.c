/* init_main.c - shark-init, the sandbox's pid 1 as a program of its own.
 *
 * The caller (run.c, spawn_init) clones a child that shares its memory
 * into the new namespaces, writes its uid/gid maps, and the child execs
 * this program with an empty environment, every signal blocked, the
 * channel of a prepared pid 1 at fd SANDBOX_INIT_CHAN_FD and argv[1]
 * SANDBOX_INIT_NET when the network is granted. It makes the namespaces
 * the clone did not (all but user and pid) and from then on it
 * is a prepared pid 1 (setup.c, sandbox_init_prepared): it gets its plan
 * on the channel, builds the sandbox, runs and traces the command.
 *
 * Linked statically (-static-pie) from the sandbox objects it needs, so
 * that its start costs no dynamic loading and no lazy binding; no copy of
 * the caller's address space is ever made or torn down. Not part of
 * libsandbox.a (the Makefile leaves this file out of it). */
#include "sandbox/internal.h"

#include <string.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	/* An exec through an fd names the process after the fd ("3"). */
	(void)prctl(PR_SET_NAME, SANDBOX_INIT_NAME, 0, 0, 0);
	sandbox_init_exec(SANDBOX_INIT_CHAN_FD,
			  argc > 1 && strcmp(argv[1], SANDBOX_INIT_NET) == 0);
}
