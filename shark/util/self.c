/* self.c - which file is "shark" to a running shark: its own executable,
 * and for shark's dynamic twin (shark/twin.h, at libexec/shark/shark)
 * also the static shark that exec'd it (PREFIX/bin/shark for the twin
 * PREFIX/libexec/shark/shark). */
#include "shark/util/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool util_is_self(const struct stat *st)
{
	struct stat self;
	if (stat("/proc/self/exe", &self) == 0 && st->st_dev == self.st_dev &&
	    st->st_ino == self.st_ino)
		return true;
	char exe[4096], front[4096 + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1)
		return false;
	exe[n] = '\0';
	static const char twin[] = "/libexec/shark/shark";
	size_t len = (size_t)n, tlen = sizeof(twin) - 1;
	if (len < tlen || strcmp(exe + len - tlen, twin) != 0)
		return false;
	exe[len - tlen] = '\0';
	snprintf(front, sizeof(front), "%s/bin/shark", exe);
	return stat(front, &self) == 0 && st->st_dev == self.st_dev && st->st_ino == self.st_ino;
}
