/* twin_static.c - the static shark's side of twin.h: when to exec the
 * dynamic twin, and what stands in for the dynamic loader and for NSS.
 *
 * Linked into the static shark only, with -Wl,--wrap for dlopen, dlsym,
 * dlerror, dlclose, getpwnam and getpwuid: their calls in shark's objects
 * land here, and glibc's static versions (which would load NSS modules and
 * libraries together with a second libc; an unknown user crashed such a
 * lookup here) are never linked in.
 *
 * - dlopen fails, naming the twin: the static shark reaches it only when
 *   the twin could not be exec'd (missing, e.g. a shark binary copied
 *   alone), and every caller reports a failed dlopen already (no line
 *   editing; export and import fail; the shared cache is reported down).
 * - getpwnam and getpwuid read /etc/passwd themselves (fgetpwent_r, no
 *   NSS) when /etc/nsswitch.conf consults "files" first (or says nothing)
 *   and the user is there: what glibc would answer. Otherwise they ask the
 *   twin (`shark --twin-passwd name NAME` or `uid N`), which uses NSS. */
#include "shark/twin.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void *__wrap_dlopen(const char *file, int mode);
void *__wrap_dlsym(void *handle, const char *name);
char *__wrap_dlerror(void);
int __wrap_dlclose(void *handle);
struct passwd *__wrap_getpwnam(const char *name);
struct passwd *__wrap_getpwuid(uid_t uid);

static char **saved_argv; /* main's argv before the shell edits it */
static int exec_errno;    /* why the twin could not be exec'd (0: not tried) */
static char twin_path[4096];

/* The twin's path, from /proc/self/exe; false when it cannot be formed. */
static bool twin_locate(void)
{
	if (twin_path[0])
		return true;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	int len = snprintf(twin_path, sizeof(twin_path), "%s/%s", exe, TWIN_REL);
	if (len < 0 || len >= (int)sizeof(twin_path)) {
		twin_path[0] = '\0';
		return false;
	}
	return true;
}

/* Whether path is a dynamically linked program (has PT_INTERP): never
 * exec a static shark (a copy of, or link to, bin/shark) as the twin, which
 * would exec its own twin again, for ever. */
static bool twin_is_dynamic(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	bool dyn = false;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum < 64) {
		for (unsigned i = 0; i < eh.e_phnum && !dyn; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph))
				break;
			dyn = ph.p_type == PT_INTERP;
		}
	}
	close(fd);
	return dyn;
}

static void twin_exec(void)
{
	if (exec_errno)
		return; /* tried and failed once: the features report it */
	if (!saved_argv || !twin_locate()) {
		exec_errno = ENOENT;
		return;
	}
	if (!twin_is_dynamic(twin_path)) {
		exec_errno = access(twin_path, F_OK) == 0 ? ELOOP : errno;
		return;
	}
	execve(twin_path, saved_argv, environ);
	exec_errno = errno;
}

void twin_main_start(int argc, char **argv, bool needs_library)
{
	saved_argv = malloc(((size_t)argc + 1) * sizeof(*saved_argv));
	if (!saved_argv)
		return;
	memcpy(saved_argv, argv, ((size_t)argc + 1) * sizeof(*saved_argv));
	const char *remote = getenv("SHARK_REMOTE");
	if (needs_library || (remote && *remote))
		twin_exec();
}

void twin_need(void)
{
	twin_exec();
}

/* ---- the loader's stand-ins ---- */

static char dl_why[4096 + 512];

void *__wrap_dlopen(const char *file, int mode)
{
	(void)mode;
	twin_locate();
	snprintf(dl_why, sizeof(dl_why),
		 "%.200s: this shark is linked statically and loads it through its dynamic twin %s: %.100s",
		 file ? file : "(self)", twin_path[0] ? twin_path : TWIN_REL,
		 exec_errno ? strerror(exec_errno) : "not started for this (a bug)");
	return NULL;
}

void *__wrap_dlsym(void *handle, const char *name)
{
	(void)handle;
	snprintf(dl_why, sizeof(dl_why), "%s: no dynamic loader in a static shark", name);
	return NULL;
}

char *__wrap_dlerror(void)
{
	return dl_why[0] ? dl_why : NULL;
}

int __wrap_dlclose(void *handle)
{
	(void)handle;
	return -1;
}

/* ---- user lookups ---- */

/* Whether glibc would consult /etc/passwd first: the "passwd:" line of
 * /etc/nsswitch.conf names "files" first, or there is no such line or
 * file (glibc's default for passwd is files). */
static bool passwd_files_first(void)
{
	FILE *f = fopen("/etc/nsswitch.conf", "re");
	if (!f)
		return errno == ENOENT;
	char line[1024];
	bool first = true;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, "passwd", 6) != 0)
			continue;
		p += 6;
		p += strspn(p, " \t");
		if (*p != ':')
			continue;
		p++;
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t\n[#");
		first = len == 5 && strncmp(p, "files", 5) == 0;
		break;
	}
	fclose(f);
	return first;
}

static struct passwd pw_entry;
static char pw_buf[4096];

/* Look the user up in /etc/passwd: by name, or by uid when name is NULL. */
static struct passwd *passwd_file(const char *name, uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return NULL;
	struct passwd *pw = NULL;
	static char *big;
	static size_t big_len;
	char *buf = pw_buf;
	size_t len = sizeof(pw_buf);
	for (;;) {
		int e = fgetpwent_r(f, &pw_entry, buf, len, &pw);
		if (e == ERANGE && len < (1u << 20)) {
			/* a long line: the stream is back at its start; retry bigger */
			size_t want = len * 2;
			char *nb = big_len >= want ? big : realloc(big, want);
			if (!nb)
				break;
			big = nb;
			big_len = big_len >= want ? big_len : want;
			buf = big;
			len = big_len;
			continue;
		}
		if (e != 0)
			break;
		if (name ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid)
			break;
		pw = NULL;
	}
	fclose(f);
	return pw;
}

/* The twin's process for one lookup, run by a go-between that sends no
 * SIGCHLD when it ends (a clone with exit signal 0, waited for with
 * __WCLONE; the kernel resets the exit signal at an exec, so the twin
 * itself cannot be that process). The lookup then stays out of the
 * shell's children bookkeeping, as it is in bash: a `trap ... CHLD` does
 * not fire for a `~user`. The go-between exits with the twin's status. */
static pid_t spawn_passwd_twin(int out, const char *key)
{
	char *av[] = { (char *)"shark", (char *)"--twin-passwd",
		       (char *)(key[0] == '#' ? "uid" : "name"), (char *)key + 1, NULL };
	long pid = syscall(SYS_clone, 0UL, NULL, NULL, NULL, 0UL);
	if (pid != 0)
		return (pid_t)pid;
	pid_t twin = fork();
	if (twin == 0) {
		/* dup2 onto itself keeps FD_CLOEXEC (fds 0 and 1 closed) */
		if (out == 1 ? fcntl(1, F_SETFD, 0) < 0 : dup2(out, 1) < 0)
			_exit(127);
		execve(twin_path, av, environ);
		fprintf(stderr, "shark: looking up %s needs shark's dynamic twin %s: %s\n",
			key[0] == '#' ? "a user id" : key + 1, twin_path, strerror(errno));
		_exit(127);
	}
	int st = 0;
	while (twin > 0 && waitpid(twin, &st, 0) < 0 && errno == EINTR)
		;
	_exit(twin > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 127);
}

/* Ask the twin: it prints the entry as a passwd line. */
static struct passwd *passwd_twin(const char *key)
{
	if (!twin_locate()) {
		errno = ENOENT;
		return NULL;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	pid_t pid = spawn_passwd_twin(p[1], key);
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	close(p[1]);
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(pw_buf) - 1 &&
	       ((n = read(p[0], pw_buf + len, sizeof(pw_buf) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	close(p[0]);
	int st = 0;
	pid_t w;
	while ((w = waitpid(pid, &st, __WCLONE)) < 0 && errno == EINTR)
		;
	if (w != pid || len == 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return NULL;
	static char line[4096];
	memcpy(line, pw_buf, len);
	line[len] = '\0';
	FILE *f = fmemopen(line, len, "r");
	if (!f)
		return NULL;
	struct passwd *pw = NULL;
	if (fgetpwent_r(f, &pw_entry, pw_buf, sizeof(pw_buf), &pw) != 0)
		pw = NULL;
	fclose(f);
	return pw;
}

struct passwd *__wrap_getpwnam(const char *name)
{
	struct passwd *pw = passwd_files_first() ? passwd_file(name, 0) : NULL;
	if (pw)
		return pw;
	char key[300];
	if (snprintf(key, sizeof(key), "=%s", name) >= (int)sizeof(key))
		return NULL;
	return passwd_twin(key);
}

struct passwd *__wrap_getpwuid(uid_t uid)
{
	struct passwd *pw = passwd_files_first() ? passwd_file(NULL, uid) : NULL;
	if (pw)
		return pw;
	char key[32];
	snprintf(key, sizeof(key), "#%u", (unsigned)uid);
	return passwd_twin(key);
}
