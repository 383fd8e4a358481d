/* twin_dyn.c - twin.h in a dynamically linked shark: the twin, the static
 * shark's twin, and the one shark of a SANITIZE=1 build (or of a system
 * without the static archives). It never execs anything; it serves the
 * user lookups the static shark cannot make itself (twin_static.c). */
#include "shark/twin.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* `shark --twin-passwd name NAME` (or `uid N`): the entry as a passwd line
 * on stdout, exit 0; exit 1 when there is none. */
static void serve_passwd(const char *kind, const char *key)
{
	struct passwd *pw = NULL;
	if (strcmp(kind, "uid") == 0) {
		char *end;
		errno = 0;
		unsigned long uid = strtoul(key, &end, 10);
		if (key[0] >= '0' && key[0] <= '9' && !*end && errno == 0 && uid == (uid_t)uid)
			pw = getpwuid((uid_t)uid);
	} else if (strcmp(kind, "name") == 0) {
		pw = getpwnam(key);
	}
	if (!pw || putpwent(pw, stdout) != 0 || fflush(stdout) != 0)
		exit(1);
	exit(0);
}

void twin_main_start(int argc, char **argv, bool needs_library)
{
	(void)needs_library;
	if (argc == 4 && strcmp(argv[1], "--twin-passwd") == 0)
		serve_passwd(argv[2], argv[3]);
}

void twin_need(void)
{
}
