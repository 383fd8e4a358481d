/* twin_dyn.c - twin.h in a dynamically linked shark: the twin, the static
 * shark's twin, and the one shark of a SANITIZE=1 build (or of a system
 * without the static archives). It never execs anything; it serves the
 * user lookups the static shark cannot make itself (twin_static.c). */
#include "shark/twin.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* `shark --twin-passwd NAME` (or `#UID`): the entry as a passwd line
 * on stdout, exit 0; exit 1 when there is none. */
static void serve_passwd(const char *key)
{
	struct passwd *pw;
	if (key[0] == '#') {
		char *end;
		unsigned long uid = strtoul(key + 1, &end, 10);
		pw = key[1] && !*end ? getpwuid((uid_t)uid) : NULL;
	} else {
		pw = getpwnam(key);
	}
	if (!pw || putpwent(pw, stdout) != 0 || fflush(stdout) != 0)
		exit(1);
	exit(0);
}

void twin_main_start(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc == 3 && strcmp(argv[1], "--twin-passwd") == 0)
		serve_passwd(argv[2]);
}

void twin_need(void)
{
}
