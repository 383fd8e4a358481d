/* live.c - live commands: those whose purpose is to observe the live
 * system or to wait. A replay of `date`, `sleep 1` or `ps` would be a lie
 * (the time of the first run, no wait at all, processes long gone), so
 * they are never looked up nor recorded, and they run with the host's view
 * of what they observe (sandbox_plan_set_host_view: the host's hostname,
 * the host's processes), every other isolation kept. The table is data:
 * docs/memo.md lists it, and SHARK_LIVE=cmd1:cmd2 (in the command's
 * environment) adds names to it.
 *
 * shark's own program is live too, and more: `shark log`, `shark why`,
 * `shark gc` inside a script or at the prompt read (or maintain) the very
 * store the sandbox hides and protects, so a stage that runs the running
 * shark binary itself runs on the host like a `host` stage (host.c). It is
 * shark's own code: whatever commands it runs in turn are sandboxed by it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"
#include "shark/util/util.h"

/* Matched on the last component of argv[0], as typed or as a path. */
static const char *const live_commands[] = {
	"date",	  "sleep", "ps", "pgrep",  "pidof",  "top",	"uptime", "free",
	"hostname", "who",	"w",  "df",	"mktemp", "uuidgen", "shark",
	/* they set the terminal's modes (an ioctl, no output to replay) */
	"stty", "setterm", "tset", "reset",
	/* the terminal's name: another one in another session */
	"tty",
};

/* Whether name is one of the colon-separated entries of list. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *end = strchrnul(p, ':');
		if ((size_t)(end - p) == n && n > 0 && memcmp(p, name, n) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

bool memo_command_is_live(char *const *argv, char *const *envp)
{
	if (!argv || !argv[0])
		return false;
	const char *slash = strrchr(argv[0], '/');
	const char *name = slash ? slash + 1 : argv[0];
	for (size_t i = 0; i < sizeof(live_commands) / sizeof(live_commands[0]); i++)
		if (strcmp(name, live_commands[i]) == 0)
			return true;
	return in_list(memo_env_get(envp, "SHARK_LIVE"), name);
}

/* The file argv0 names, found as execvp would (PATH from envp), stat'ed
 * into *ret. */
static bool resolve(const char *argv0, char *const *envp, struct stat *ret)
{
	if (strchr(argv0, '/'))
		return stat(argv0, ret) == 0 && S_ISREG(ret->st_mode);
	const char *path = memo_env_get(envp, "PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char buf[4096];
	for (const char *p = path;;) {
		const char *end = strchrnul(p, ':');
		int len = (int)(end - p);
		int w = snprintf(buf, sizeof(buf), "%.*s%s%s", len, p, len ? "/" : "", argv0);
		if (w > 0 && (size_t)w < sizeof(buf) && stat(buf, ret) == 0 &&
		    S_ISREG(ret->st_mode) && access(buf, X_OK) == 0)
			return true;
		if (!*end)
			return false;
		p = end + 1;
	}
}

bool memo_command_is_self(char *const *argv, char *const *envp)
{
	if (!argv || !argv[0])
		return false;
	const char *slash = strrchr(argv[0], '/');
	if (strcmp(slash ? slash + 1 : argv[0], "shark") != 0)
		return false;
	struct stat st;
	return resolve(argv[0], envp, &st) && util_is_self(&st);
}

bool memo_host_view_ok(void)
{
	static int ok = -1;
	if (ok < 0)
		ok = sandbox_host_view_available();
	return ok;
}

/* Files that describe the live machine, not its configuration: they change
 * by themselves from one moment to the next (load, memory, counters,
 * sensors, random ids). A run that read one is not recorded (docs/memo.md,
 * "Live commands"). Everything else under /proc and /sys stays outside the
 * record as before: /proc is the run's own (its pid directories are its own
 * processes), and /sys and /proc/sys describe the machine's configuration
 * (CPUs online, page size, kernel settings), which many programs read at
 * start (glibc's CPU count) and which does not change under them. Entries
 * ending in '/' are prefixes. */
static const char *const live_paths[] = {
	"/proc/loadavg",	 "/proc/uptime",	"/proc/meminfo",
	"/proc/stat",		 "/proc/vmstat",	"/proc/diskstats",
	"/proc/pressure/",	 "/proc/interrupts",	"/proc/softirqs",
	"/proc/schedstat",	 "/proc/zoneinfo",	"/proc/buddyinfo",
	"/proc/slabinfo",	 "/proc/locks",		"/proc/swaps",
	"/proc/driver/rtc",	 "/proc/sys/fs/file-nr", "/proc/sys/kernel/random/",
	"/sys/class/power_supply/", "/sys/class/thermal/", "/sys/class/hwmon/",
	"/sys/block/",		 "/sys/class/rtc/",
};

bool memo_path_is_live(const char *path)
{
	for (size_t i = 0; i < sizeof(live_paths) / sizeof(live_paths[0]); i++) {
		const char *l = live_paths[i];
		size_t n = strlen(l);
		if (l[n - 1] == '/' ? strncmp(path, l, n) == 0 : strcmp(path, l) == 0)
			return true;
	}
	return false;
}
