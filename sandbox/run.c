/* run.c - starting a plan and waiting for it (the caller's side).
 *
 * Process tree of one run:
 *
 *   caller ── pid 1 (shark-init, init_main.c: a CLONE_VM child in new
 *     │       │       user and pid namespaces that execs it, and which
 *     │       │       unshares mount, ipc, uts, cgroup and net; setup.c.
 *     │       │       Or, for a prepared one of a process that prepares
 *     │       │       many, a clone of the zygote below, made with
 *     │       │       CLONE_PARENT: the caller's child all the same,
 *     │       │       never exec'd, then the same path. Without the
 *     │       │       program: a fork-like clone into all seven, running
 *     │       │       setup.c in a copy of the caller)
 *     │       │       tracer thread: answers the seccomp notifications
 *     │       └─ command (vfork; execve)     seccomp filter loaded
 *     │           └─ its children, threads...
 *     └─ zygote (shark-init exec'd once per process, in the caller's
 *               namespaces and process group, every signal blocked;
 *               "the zygote" below)
 *
 * The caller starts pid 1 straight into the new namespaces and writes the
 * uid/gid maps of its user namespace (from outside, as the kernel requires
 * for anything but a single self-mapping; the zygote writes those of its
 * clones, with the caller's ids); pid 1 builds the sandbox,
 * starts the command, traces it, reaps everything and writes the result
 * record into the scratch dir (setup.c). The caller learns of set-up errors
 * synchronously through a socket and collects the result later.
 */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESULT_MAX_SIZE (256u << 20)

/* What an fd the library keeps across the caller's code is (the program
 * below, a pending exec's pipe, a prepared pid 1's channel and mounts
 * watch): a script's redirection (`exec 26<FILE`) may put another file
 * at that number, which is then the caller's, neither used nor closed
 * here. dev 0: nothing noted, never matches. */
struct fd_id {
	dev_t dev;
	ino_t ino;
};

static bool fd_id_note(int fd, struct fd_id *id)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	*id = (struct fd_id){ st.st_dev, st.st_ino };
	return true;
}

static bool fd_is(int fd, const struct fd_id *id)
{
	struct stat st;

	return fd >= 0 && id->dev != 0 && fstat(fd, &st) == 0 && st.st_dev == id->dev &&
	       st.st_ino == id->ino;
}

/* A spawn_init whose exec the caller did not wait for: the child runs on
 * a stack of its own (from a small pool: its pages stay mapped and
 * faulted in between runs) and says how its exec went through a pipe,
 * read later (spawn_settle). Until then the caller also holds pid 1's end
 * of the channel: a plan sent before a failed exec is taken back through
 * it, with its fds, for the fallback (start_end_fallback). */
struct spawn_pending {
	int exec_fd; /* the pipe's read end: EOF once exec'd; -1: none pending */
	struct fd_id exec_id; /* a prepared pid 1 waits through script code */
	int back_fd; /* pid 1's end of the channel */
	int prog;    /* the program's fd used (init_prog_drop) */
	void *stack;
};

struct sandbox_run {
	pid_t pid; /* the sandbox's pid 1, as the caller sees it */
	struct spawn_pending pend; /* until sandbox_start_end(): its exec */
	char *scratch;
	bool collected;
	int report_fd; /* until sandbox_start_end(): pid 1's set-up report */
	int end_fd;    /* after it: the same socket, for pid 1's "ended" */
};

/* pid 1s whose run ended (their "ended" message came, sandbox_wait) but
 * which were still exiting: the namespaces' teardown runs in their exit,
 * and the caller goes on meanwhile. Reaped later without waiting
 * (reap_deferred), or waited for when the list is full. A forked copy of
 * the caller empties its copy of the list first: they are not its
 * children, and once pids wrap one of them could name a child of its own,
 * whose status it would then take. */
#define DEFER_MAX 64
static struct {
	pthread_mutex_t lock;
	pid_t owner; /* the process whose children they are */
	pid_t pid[DEFER_MAX];
	size_t n;
} deferred = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* with deferred.lock held */
static void deferred_own(void)
{
	pid_t self = getpid();

	if (deferred.owner != self) {
		deferred.owner = self;
		deferred.n = 0;
	}
}

static void reap_deferred(void)
{
	pthread_mutex_lock(&deferred.lock);
	deferred_own();
	for (size_t i = 0; i < deferred.n;) {
		pid_t p = waitpid(deferred.pid[i], NULL, WNOHANG);

		if (p == 0 || (p < 0 && errno == EINTR))
			i++;
		else
			deferred.pid[i] = deferred.pid[--deferred.n];
	}
	pthread_mutex_unlock(&deferred.lock);
}

static void defer_reap(pid_t pid)
{
	pthread_mutex_lock(&deferred.lock);
	deferred_own();
	if (deferred.n == DEFER_MAX) {
		while (waitpid(deferred.pid[0], NULL, 0) < 0 && errno == EINTR)
			;
		deferred.pid[0] = deferred.pid[--deferred.n];
	}
	deferred.pid[deferred.n++] = pid;
	pthread_mutex_unlock(&deferred.lock);
}

/* ---- caller side ----------------------------------------------------------- */

/* The run's dirs in its scratch dir. "upper" is always new (an upper dir
 * there is another run's); "work" and "root" may be a recycled skeleton's
 * (sandbox_scratch_recycle_async), taken when they are still empty
 * directories of ours: a new inode costs 100-190 us of CPU on an ext4
 * without a journal. */
static int make_scratch_dirs(int scratch_fd)
{
	static const char *const names[] = { SANDBOX_UPPER, SANDBOX_WORK,
					      SANDBOX_ROOT };
	struct stat st;

	for (size_t i = 0; i < 3; i++) {
		if (mkdirat(scratch_fd, names[i], 0700) == 0)
			continue;
		if (errno != EEXIST)
			return -errno;
		if (i == 0 || fstat(scratch_fd, &st) < 0 ||
		    !sandbox_skeleton_dir_ok(scratch_fd, names[i], st.st_dev, false))
			return SANDBOX_E_SCRATCH_BUSY;
	}
	return 0;
}

static void set_error(struct sandbox_error *e, int code, int err,
		      const char *step)
{
	if (!e)
		return;
	e->code = code;
	e->sys_errno = err;
	snprintf(e->step, sizeof(e->step), "%s", step);
}


/* The run's scratch dir opened (into *ret_fd) and its dirs made. */
static int open_scratch(const sandbox_plan *plan, int *ret_fd, struct sandbox_error *err_detail)
{
	int r;

	*ret_fd = open(plan->scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ret_fd < 0) {
		r = -errno;
		set_error(err_detail, r, -r, "open scratch dir");
		return r;
	}
	r = make_scratch_dirs(*ret_fd);
	if (r < 0)
		set_error(err_detail, r, r == SANDBOX_E_SCRATCH_BUSY ? EEXIST : -r,
			  "create scratch dirs");
	return r;
}

/* ---- pid 1 as its own program ---------------------------------------------- */

/* The sandbox's pid 1 is normally shark-init (init_main.c), exec'd into
 * the new namespaces: the caller's address space is never copied (no page
 * tables, no copy-on-write faults, no big mm torn down at pid 1's exit).
 * The program is opened once per process (O_PATH, above the fds 0-9 a
 * script names) and checked by its device and inode at each use, in case
 * a script's redirection took its fd over; missing, or failing to exec,
 * the caller clones pid 1 as a copy of itself instead (the fallback). */
static struct {
	pthread_mutex_t lock;
	bool looked; /* fd says whether there is one */
	int fd;
	struct fd_id id;
} init_prog = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static void init_prog_open(void)
{
	char exe[4096], path[4096 + sizeof(SANDBOX_INIT_REL)], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	int fd;

	if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1)
		return; /* none, or cut short */
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/%s", exe, SANDBOX_INIT_REL);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		/* a caller in libexec/shark itself (shark's dynamic twin,
		 * shark/twin.h): shark-init beside it */
		snprintf(path, sizeof(path), "%s/%s", exe, SANDBOX_INIT_NAME);
		fd = open(path, O_PATH | O_CLOEXEC);
	}
	if (fd < 0)
		return;
	if (fd < 10) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);

		close(fd);
		fd = high;
	}
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	init_prog.fd = fd;
	init_prog.id = (struct fd_id){ st.st_dev, st.st_ino };
}

/* The program's fd, or -1: use the fallback. With init_prog.lock held. */
static int init_prog_fd(void)
{
	if (init_prog.looked && init_prog.fd >= 0 && !fd_is(init_prog.fd, &init_prog.id)) {
		/* Not ours any more: the fd was closed or reused. */
		init_prog.fd = -1;
		init_prog.looked = false;
	}
	if (!init_prog.looked) {
		init_prog.looked = true;
		init_prog_open();
	}
	return init_prog.fd;
}

/* An exec of it failed: the fallback from now on (in this process). */
static void init_prog_drop(int fd)
{
	if (init_prog.fd == fd) {
		close(fd);
		init_prog.fd = -1;
	}
}

struct init_child {
	int chan, sync, errpipe, prog;
	int ours[3]; /* the caller's ends of those pipes: closed first */
	bool ambient;
	bool network; /* shark-init makes no net namespace of its own */
};

/* System calls for the child of spawn_init, which shares the caller's
 * memory and runs beside it: libc's syscall() writes errno, the calling
 * thread's, which the caller may be reading at that moment. These return
 * -errno and write nothing. Elsewhere than on these two architectures the
 * caller waits for the exec (SPAWN_RAW 0) and libc's wrapper is used. */
#if defined(__x86_64__)
#define SPAWN_RAW 1
__attribute__((always_inline, no_sanitize("address", "undefined")))
static inline long raw_call(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define SPAWN_RAW 1
__attribute__((always_inline, no_sanitize("address", "undefined")))
static inline long raw_call(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}
#else
#define SPAWN_RAW 0
__attribute__((no_sanitize("address", "undefined")))
static long raw_call(long n, long a, long b, long c, long d, long e)
{
	long r = syscall(n, a, b, c, d, e);

	return r < 0 ? -errno : r;
}
#endif

/* Keep every capability of the new user namespace across the exec for a
 * caller whose uid there is not 0 (execve would drop them all): ambient
 * ones are kept. They are pid 1's only; the command drops them all
 * (setup.c, drop_capabilities: clearing inheritable clears ambient).
 * 0 or -errno. */
__attribute__((no_sanitize("address", "undefined")))
static long keep_caps_across_exec(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	long r = raw_call(SYS_capget, (long)&hdr, (long)d, 0, 0, 0);

	if (r < 0)
		return r;
	d[0].inheritable = d[0].permitted;
	d[1].inheritable = d[1].permitted;
	r = raw_call(SYS_capset, (long)&hdr, (long)d, 0, 0, 0);
	for (unsigned long cap = 0; r >= 0 && cap < 64; cap++)
		if (d[cap / 32].permitted & (1u << (cap % 32)))
			r = raw_call(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (long)cap, 0, 0);
	return r < 0 ? r : 0;
}

/* The child of spawn_init, sharing the caller's memory until the exec and
 * running beside it (on a stack of its own, which the caller frees only
 * once the exec is done or the child dead: spawn_settle): raw system
 * calls only, writing nothing but its own stack (no errno, no malloc, no
 * stdio, no lock, and nothing a sanitizer intercepts: ASan's _exit would
 * run a leak check on the caller's memory). Every signal is blocked, so
 * none of the caller's handlers runs here. A failed exec's errno goes to
 * errpipe, which the caller reads later. */
__attribute__((no_sanitize("address", "undefined")))
static int init_child_main(void *arg)
{
	const struct init_child *c = arg;
	static char name[] = SANDBOX_INIT_NAME, net[] = SANDBOX_INIT_NET, nonet[] = "-";
	char *argv[] = { name, c->network ? net : nonet, NULL }, *envp[] = { NULL };
	long errpipe = c->errpipe, prog = c->prog, r;
	int e;
	char b;

	/* The caller's ends, in this copy of its fd table: with the write end
	 * of sync held here, a caller dying before the death signal below is
	 * set would leave the read below waiting for ever (and this process
	 * holding every fd of the caller's). */
	for (int i = 0; i < 3; i++)
		if (c->ours[i] >= 0)
			raw_call(SYS_close, c->ours[i], 0, 0, 0, 0);
	r = raw_call(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (r < 0)
		goto fail;
	/* The uid/gid maps are written (and the process group set: setpgid
	 * fails once the child has exec'd) when this byte comes. */
	if (raw_call(SYS_read, c->sync, (long)&b, 1, 0, 0) != 1)
		raw_call(SYS_exit_group, 1, 0, 0, 0, 0);
	if (c->ambient && (r = keep_caps_across_exec()) < 0)
		goto fail;
	/* The channel to its fixed fd; the others out of its way. */
	if (errpipe == SANDBOX_INIT_CHAN_FD) {
		r = raw_call(SYS_fcntl, errpipe, F_DUPFD_CLOEXEC, SANDBOX_INIT_CHAN_FD + 1, 0, 0);
		if (r < 0)
			goto fail;
		errpipe = r;
	}
	if (prog == SANDBOX_INIT_CHAN_FD) {
		r = raw_call(SYS_fcntl, prog, F_DUPFD_CLOEXEC, SANDBOX_INIT_CHAN_FD + 1, 0, 0);
		if (r < 0)
			goto fail;
		prog = r;
	}
	if (c->chan == SANDBOX_INIT_CHAN_FD)
		r = raw_call(SYS_fcntl, c->chan, F_SETFD, 0, 0, 0);
	else
		r = raw_call(SYS_dup3, c->chan, SANDBOX_INIT_CHAN_FD, 0, 0, 0);
	if (r < 0)
		goto fail;
	r = raw_call(SYS_execveat, prog, (long)"", (long)argv, (long)envp, AT_EMPTY_PATH);
fail:
	e = (int)-r;
	if (raw_call(SYS_write, errpipe, (long)&e, sizeof(e), 0, 0) != (long)sizeof(e))
		raw_call(SYS_exit_group, 126, 0, 0, 0, 0); /* the caller sees EOF: a death before the exec */
	raw_call(SYS_exit_group, 127, 0, 0, 0, 0);
	return 127;
}

static int clone_error(int e)
{
	return (e == EPERM || e == ENOSPC || e == EUSERS || e == EACCES) ?
		       SANDBOX_E_USERNS : SANDBOX_E_SETUP;
}

#define SPAWN_STACK_SIZE (64 * 1024)
#define SPAWN_STACK_GUARD 4096
#define SPAWN_STACK_POOL 4
static struct {
	pthread_mutex_t lock;
	void *free[SPAWN_STACK_POOL];
	size_t n;
} stacks = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The base of a stack, its lowest page a guard, or NULL. */
static void *stack_get(void)
{
	void *s = NULL;

	pthread_mutex_lock(&stacks.lock);
	if (stacks.n > 0)
		s = stacks.free[--stacks.n];
	pthread_mutex_unlock(&stacks.lock);
	if (s)
		return s;
	s = mmap(NULL, SPAWN_STACK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s == MAP_FAILED)
		return NULL;
	if (mprotect(s, SPAWN_STACK_GUARD, PROT_NONE) < 0) {
		munmap(s, SPAWN_STACK_SIZE);
		return NULL;
	}
	return s;
}

/* Only once its child has exec'd or is dead. */
static void stack_put(void *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&stacks.lock);
	if (stacks.n < SPAWN_STACK_POOL) {
		stacks.free[stacks.n++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&stacks.lock);
	if (s)
		munmap(s, SPAWN_STACK_SIZE);
}

static void close_pair(int fd[2])
{
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	fd[0] = fd[1] = -1;
}

/* Start a prepared pid 1 as shark-init: cloned with CLONE_VM (no page
 * table copied) into new user and pid namespaces, its process group set to
 * pgid (>= 0) and its uid/gid maps written before it execs. shark-init
 * makes the other namespaces itself (sandbox_init_exec: copying the mount
 * table and making a net namespace cost a millisecond or more, which a
 * clone would charge to the caller, while pid 1 pays it on another CPU,
 * for a prepared one while the caller waits for the previous command
 * anyway). 0 with *ret_pid and *ret_chan (the prepared pid 1's channel),
 * 1 when the program is missing or its exec failed (nothing started: use
 * the fallback), or an error (err_detail says which step).
 *
 * pend NULL, or pgid >= 0 (the exec must not fail once the pgid is set:
 * a fallback could not join the same group), or SPAWN_RAW 0: the child
 * runs on a stack of this frame and the caller waits for its exec (EOF of
 * errpipe). Otherwise the child gets a stack of its own and the caller
 * goes on at once (pend->exec_fd >= 0): it sends the plan and clones the
 * next stage while shark-init is exec'd, and learns of a failed exec
 * later (spawn_settle). */
static int spawn_init(bool network, pid_t pgid, pid_t *ret_pid, int *ret_chan,
		      struct spawn_pending *pend, struct sandbox_error *err_detail)
{
	int flags = CLONE_VM | CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD;
	char local[32 * 1024] __attribute__((aligned(64)));
	bool async = pend && SPAWN_RAW && pgid < 0;
	int chan[2] = { -1, -1 }, sync[2] = { -1, -1 }, errpipe[2] = { -1, -1 };
	struct init_child *c, cl;
	char *top, *stack = NULL;
	sigset_t all, old;
	int prog, r = 0, e;
	ssize_t n;
	pid_t pid;

	if (pend)
		*pend = (struct spawn_pending){ .exec_fd = -1, .back_fd = -1, .prog = -1 };
	pthread_mutex_lock(&init_prog.lock);
	prog = init_prog_fd();
	if (prog < 0) {
		pthread_mutex_unlock(&init_prog.lock);
		return 1;
	}
	if (async && !(stack = stack_get()))
		async = false;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0 || pipe2(errpipe, O_CLOEXEC) < 0) {
		r = -errno;
		set_error(err_detail, SANDBOX_E_SETUP, -r, "pipes");
		goto out;
	}
	cl = (struct init_child){ .chan = chan[1], .sync = sync[0], .errpipe = errpipe[1],
				  .prog = prog, .ambient = geteuid() != 0, .network = network,
				  .ours = { chan[0], sync[1], errpipe[0] } };
	if (async) {
		/* the child's arguments on its own stack, above its frames */
		c = (struct init_child *)(stack + SPAWN_STACK_SIZE - 64);
		*c = cl;
		top = (char *)c;
	} else {
		c = &cl;
		top = local + sizeof(local);
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(init_child_main, top, flags, c);
	e = errno;
	if (async) /* its signals stay blocked; ours need not */
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!async || pid < 0) {
		close(chan[1]);
		chan[1] = -1;
	}
	close(sync[0]);
	close(errpipe[1]);
	sync[0] = errpipe[1] = -1;
	if (pid < 0) {
		if (!async)
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		r = clone_error(e);
		set_error(err_detail, r, e, "clone namespaces");
		goto out;
	}
	/* Before the exec (EACCES after), so that the command inherits the
	 * group (pid 1 cannot join it itself: it does not see our pids). */
	if (pgid >= 0 && setpgid(pid, pgid) < 0) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "setpgid");
	} else if ((r = sandbox_write_id_maps(pid)) < 0) {
		set_error(err_detail, SANDBOX_E_USERNS, -r, "write uid/gid map");
		r = SANDBOX_E_USERNS;
	} else if (write(sync[1], "x", 1) != 1) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "sync with sandbox");
	}
	close(sync[1]);
	sync[1] = -1;
	if (r < 0)
		kill(pid, SIGKILL);
	if (async && r == 0 && !fd_id_note(errpipe[0], &pend->exec_id)) {
		/* cannot tell its pipe later: wait for the exec now */
		async = false;
	} else if (async && r == 0) {
		pend->exec_fd = errpipe[0];
		pend->back_fd = chan[1];
		pend->prog = prog;
		pend->stack = stack;
		errpipe[0] = chan[1] = -1;
		stack = NULL;
		*ret_pid = pid;
		*ret_chan = chan[0];
		chan[0] = -1;
		goto out;
	}
	/* EOF once the child has exec'd (its close-on-exec end went) or
	 * died: only then is the stack free again. Signals stay blocked
	 * until then (no EINTR here). */
	do
		n = read(errpipe[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (!async)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0 || n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (r == 0) {
			init_prog_drop(prog);
			r = 1;
		}
		goto out;
	}
	*ret_pid = pid;
	*ret_chan = chan[0];
	chan[0] = -1;
out:
	pthread_mutex_unlock(&init_prog.lock);
	stack_put(stack);
	close_pair(chan);
	close_pair(sync);
	close_pair(errpipe);
	return r;
}

/* The child is off its stack (exec'd, or reaped): the stack and pid 1's
 * end of the channel go. */
static void spawn_release(struct spawn_pending *pend)
{
	if (pend->back_fd >= 0)
		close(pend->back_fd);
	pend->back_fd = -1;
	stack_put(pend->stack);
	pend->stack = NULL;
}

/* The pending child killed and reaped, then released; exec_fd is already
 * closed or not ours. */
static void spawn_kill(struct spawn_pending *pend, pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	spawn_release(pend);
}

/* How a pending exec went (pend->exec_fd >= 0; nothing to do otherwise),
 * waiting for it if need be: 0 when shark-init was exec'd (or the child
 * died before: its channel then reads EOF), 1 when the exec failed (the
 * child is reaped and the program dropped: use the fallback). The stack
 * is free again either way; pend->back_fd stays open on 1. */
static int spawn_settle(struct spawn_pending *pend, pid_t pid)
{
	ssize_t n;
	int e;

	if (pend->exec_fd < 0)
		return 0;
	if (!fd_is(pend->exec_fd, &pend->exec_id)) {
		/* how the exec went cannot be read any more: the child is
		 * given up (killed and reaped: its stack is free), the
		 * program kept */
		pend->exec_fd = -1;
		spawn_kill(pend, pid);
		return -1;
	}
	do
		n = read(pend->exec_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pend->exec_fd);
	pend->exec_fd = -1;
	if (n != (ssize_t)sizeof(e)) {
		/* exec'd or dead: the stack is not in use any more */
		spawn_release(pend);
		return 0;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	stack_put(pend->stack);
	pend->stack = NULL;
	pthread_mutex_lock(&init_prog.lock);
	init_prog_drop(pend->prog);
	pthread_mutex_unlock(&init_prog.lock);
	return 1;
}

/* A pending spawn given up (its run freed or failed): the child killed
 * and reaped first, then its stack is free. True when it did (the pid is
 * reaped: not to be killed again). */
static bool spawn_abandon(struct spawn_pending *pend, pid_t pid)
{
	if (pend->exec_fd < 0)
		return false;
	if (fd_is(pend->exec_fd, &pend->exec_id))
		close(pend->exec_fd);
	pend->exec_fd = -1;
	spawn_kill(pend, pid);
	return true;
}

static int prep_send(int chan, const sandbox_plan *plan, int scratch_fd, uint32_t kind);

/* sandbox_start_begin through shark-init: a prepared pid 1 started for
 * this plan and handed it at once. 1: no shark-init (the fallback). */
static int start_begin_exec(const sandbox_plan *plan, sandbox_run *run, int scratch_fd,
			    struct sandbox_error *err_detail)
{
	int chan, r = spawn_init(plan->network, plan->pgid, &run->pid, &chan, &run->pend,
				 err_detail);

	if (r != 0)
		return r;
	r = prep_send(chan, plan, scratch_fd, SANDBOX_PREP_RUN);
	if (r < 0) {
		struct sandbox_setup_msg m;

		/* pid 1 died early: its report (unshare failed) may be there. */
		if (recv(chan, &m, sizeof(m), MSG_DONTWAIT) == (ssize_t)sizeof(m) && m.code < 0) {
			m.step[sizeof(m.step) - 1] = '\0';
			set_error(err_detail, m.code, m.sys_errno, m.step);
			r = m.code;
		} else {
			set_error(err_detail, SANDBOX_E_SETUP, -r, "send plan");
			r = SANDBOX_E_SETUP;
		}
		close(chan);
		if (!spawn_abandon(&run->pend, run->pid)) {
			kill(run->pid, SIGKILL);
			while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		return r;
	}
	run->report_fd = chan;
	return 0;
}

/* pid 1 a clone of this process (no shark-init, or its exec failed):
 * straight into all the namespaces, running sandbox_init_main on plan.
 * 0 with run->pid and run->report_fd set, or an error. */
static int start_cloned(const sandbox_plan *plan, sandbox_run *run, int scratch_fd,
			struct sandbox_error *err_detail)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			      CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
			      SIGCHLD;
	int report[2] = { -1, -1 }, sync[2] = { -1, -1 }, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0) {
		r = -errno;
		set_error(err_detail, SANDBOX_E_SETUP, -r, "pipes");
		goto fail;
	}
	if (!plan->network)
		flags |= CLONE_NEWNET;
	/* Like fork (no stack given), straight into the new namespaces. */
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(report[0]);
		close(sync[1]);
		sandbox_init_main(plan, report[1], sync[0], scratch_fd);
	}
	close(report[1]);
	close(sync[0]);
	report[1] = sync[0] = -1;
	if (pid < 0) {
		int e = errno;

		r = clone_error(e);
		set_error(err_detail, r, e, "clone namespaces");
		goto fail;
	}
	/* Before pid 1 goes on, so that the command inherits the group (pid
	 * 1 cannot join it itself: it no longer sees the caller's pids). */
	if (plan->pgid >= 0 && setpgid(pid, plan->pgid) < 0) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "setpgid");
		goto kill;
	}
	r = sandbox_write_id_maps(pid);
	if (r < 0) {
		set_error(err_detail, SANDBOX_E_USERNS, -r, "write uid/gid map");
		r = SANDBOX_E_USERNS;
		goto kill;
	}
	if (write(sync[1], "x", 1) != 1) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "sync with sandbox");
		goto kill;
	}
	close(sync[1]);
	run->pid = pid;
	run->report_fd = report[0];
	return 0;
kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
fail:
	close_pair(report);
	close_pair(sync);
	return r;
}

int sandbox_start_begin(const sandbox_plan *plan, sandbox_run **ret_run,
			struct sandbox_error *err_detail)
{
	int scratch_fd, r;
	sandbox_run *run;

	r = sandbox_plan_validate(plan);
	if (r < 0) {
		set_error(err_detail, r, 0, "validate plan");
		return r;
	}
	reap_deferred();
	run = calloc(1, sizeof(*run));
	if (!run || !(run->scratch = strdup(plan->scratch))) {
		free(run);
		return -ENOMEM;
	}
	run->pend = (struct spawn_pending){ .exec_fd = -1, .back_fd = -1, .prog = -1 };
	run->report_fd = -1;
	run->end_fd = -1;
	r = open_scratch(plan, &scratch_fd, err_detail);
	if (r < 0)
		goto fail;
	r = start_begin_exec(plan, run, scratch_fd, err_detail);
	if (r == 1) /* No shark-init: pid 1 a clone of this process. */
		r = start_cloned(plan, run, scratch_fd, err_detail);
	if (r < 0)
		goto fail;
	close(scratch_fd);
	*ret_run = run;
	return 0;
fail:
	if (scratch_fd >= 0)
		close(scratch_fd);
	free(run->scratch);
	free(run);
	return r;
}

/* The exec of the run's shark-init failed after sandbox_start_begin()
 * returned (spawn_settle): the plan it was sent, with its fds, is taken
 * back from pid 1's end of the channel, which the caller kept, and a pid 1
 * cloned from this process runs it, as the fallback does at once when the
 * exec fails in spawn_init. 0 with run->pid and run->report_fd replaced,
 * or an error. */
static int start_end_fallback(sandbox_run *run, struct sandbox_error *err_detail)
{
	struct sandbox_prep_msg msg;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(5 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	int fds[5], nfds = 0, next, r = -EPROTO;
	sandbox_plan *plan = NULL;
	struct stat st;
	char *buf = NULL;
	mode_t um;
	ssize_t n;

	do
		n = recvmsg(run->pend.back_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(run->pend.back_fd);
	run->pend.back_fd = -1;
	close(run->report_fd);
	run->report_fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < cnt; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (nfds < 5)
					fds[nfds++] = fd;
				else
					close(fd);
			}
		}
	}
	if (n != (ssize_t)sizeof(msg) || msg.magic != SANDBOX_PREP_MAGIC ||
	    msg.kind != SANDBOX_PREP_RUN || nfds < 2 || (mh.msg_flags & MSG_CTRUNC))
		goto out;
	if (fstat(fds[0], &st) < 0 || st.st_size <= 0 || st.st_size > (64 << 20) ||
	    !(buf = malloc((size_t)st.st_size))) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fds[0], buf, (size_t)st.st_size, 0) != st.st_size) {
		r = -EIO;
		goto out;
	}
	r = sandbox_plan_decode(buf, (size_t)st.st_size, &plan, &um);
	if (r < 0)
		goto out;
	/* the fds in prep_send's order: memfd, scratch dir, the stdio set */
	next = 2;
	for (int i = 0; i < 3; i++)
		if ((msg.stdio_set & (1u << i)) && next < nfds)
			plan->stdio[i] = fds[next++];
	r = start_cloned(plan, run, fds[1], err_detail);
	if (r < 0)
		err_detail = NULL; /* start_cloned said which step */
out:
	if (r < 0)
		set_error(err_detail, SANDBOX_E_SETUP, -r, "take the plan back");
	sandbox_plan_free(plan);
	free(buf);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return r < 0 && r != SANDBOX_E_USERNS && r != SANDBOX_E_SETUP ? SANDBOX_E_SETUP : r;
}

int sandbox_start_end(sandbox_run *run, struct sandbox_error *err_detail)
{
	struct sandbox_setup_msg m;
	ssize_t n;
	int r;

	if (run->report_fd < 0)
		return run->collected ? SANDBOX_E_STATE : 0;
	r = spawn_settle(&run->pend, run->pid);
	if (r < 0) {
		run->collected = true; /* reaped */
		set_error(err_detail, SANDBOX_E_SETUP, EBADF, "shark-init's exec pipe");
		return SANDBOX_E_SETUP;
	}
	if (r == 1) {
		r = start_end_fallback(run, err_detail);
		if (r < 0) {
			run->collected = true; /* nothing left to reap */
			return r;
		}
	}
	do
		n = read(run->report_fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	r = n == (ssize_t)sizeof(m) ? 0 : -EIO;
	if (r == 0 && m.code == 0) {
		run->end_fd = run->report_fd; /* for "ended" */
		run->report_fd = -1;
		return 0;
	}
	close(run->report_fd);
	run->report_fd = -1;
	while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
		;
	run->collected = true;
	if (r < 0) {
		set_error(err_detail, SANDBOX_E_SETUP, 0, "sandbox set-up died");
		return SANDBOX_E_SETUP;
	}
	m.step[sizeof(m.step) - 1] = '\0';
	set_error(err_detail, m.code, m.sys_errno, m.step);
	return m.code;
}

int sandbox_start(const sandbox_plan *plan, sandbox_run **ret_run,
		  struct sandbox_error *err_detail)
{
	sandbox_run *run;
	int r = sandbox_start_begin(plan, &run, err_detail);
	if (r < 0)
		return r;
	r = sandbox_start_end(run, err_detail);
	if (r < 0) {
		sandbox_run_free(run);
		return r;
	}
	*ret_run = run;
	return 0;
}

/* ---- prepared sandboxes ---------------------------------------------------- */

/* What the caller's state was when it cloned a prepared pid 1, beyond what
 * the plan carries: pid 1 (and through it the command) inherited these at
 * that moment, and cannot take the caller's later values (a hard limit
 * cannot be raised from inside the user namespace), so a change of any of
 * them makes the prepared sandbox unusable. */
struct prep_state {
	/* the resource limits: the text of /proc/self/limits, which names
	 * every limit's soft and hard value (one read instead of a
	 * getrlimit per limit; an outside `prlimit --pid` shows there
	 * too), or, when it cannot be read whole, rl from getrlimit */
	char limits[2048];
	struct rlimit rl[RLIM_NLIMITS];
	int nice;
	pid_t pgrp;
	cpu_set_t affinity;
	int policy, sched_priority, ioprio;
	char oom_adj[16];   /* /proc/self/oom_score_adj */
	char cgroup[512];   /* /proc/self/cgroup: a move to another cgroup
			     * (its memory.max, pids.max) */
};

/* PATH's first bytes into buf (NUL-terminated; empty when unreadable). */
static void read_small(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

struct sandbox_prep {
	pid_t pid;   /* its pid 1 */
	pid_t owner; /* the process that cloned it (its parent) */
	int chan;    /* plan in, set-up report out */
	int mounts;  /* the caller's /proc/self/mounts, opened before the clone */
	struct fd_id chan_id, mounts_id; /* prep_fds_ours */
	bool stale;  /* mounts changed: polling it said so once, and only once */
	bool network;
	bool execd;  /* shark-init: its process group can no longer be set */
	bool off_cpu; /* made on CPUs other than its running commands' */
	bool failed; /* its exec failed, found late: nothing is left of it */
	struct spawn_pending pend; /* its exec, until prep_exec_ok() */
	struct prep_state state;
	/* sandbox_prep_mounts: the mount part sent (encoded), its scratch dir */
	void *mounts_enc;
	size_t mounts_size;
	char *mounts_scratch;
};

/* an fd that cannot be told later never fits (prep_fds_ours) */
static void prep_fds_note(sandbox_prep *p)
{
	(void)fd_id_note(p->chan, &p->chan_id);
	(void)fd_id_note(p->mounts, &p->mounts_id);
}

/* chan and mounts are still the ones the prepared pid 1 was made with */
static bool prep_fds_ours(const sandbox_prep *p)
{
	return fd_is(p->chan, &p->chan_id) && fd_is(p->mounts, &p->mounts_id);
}

static void prep_state_now(struct prep_state *st)
{
	memset(st, 0, sizeof(*st));
	read_small("/proc/self/limits", st->limits, sizeof(st->limits));
	/* empty or possibly cut short: the limits one by one */
	if (st->limits[0] == '\0' || strlen(st->limits) >= sizeof(st->limits) - 1) {
		st->limits[0] = '\0';
		for (int i = 0; i < RLIM_NLIMITS; i++)
			(void)getrlimit(i, &st->rl[i]);
	}
	errno = 0;
	st->nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		st->nice = 1000; /* never equal to a real value */
	st->pgrp = getpgrp();
	if (sched_getaffinity(0, sizeof(st->affinity), &st->affinity) < 0)
		CPU_ZERO(&st->affinity);
	st->policy = sched_getscheduler(0);
	struct sched_param sp = { 0 };
	st->sched_priority = sched_getparam(0, &sp) == 0 ? sp.sched_priority : -1;
	st->ioprio = (int)syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	read_small("/proc/self/oom_score_adj", st->oom_adj, sizeof(st->oom_adj));
	read_small("/proc/self/cgroup", st->cgroup, sizeof(st->cgroup));
}

static bool prep_state_equal(const struct prep_state *a, const struct prep_state *b)
{
	if (strcmp(a->limits, b->limits) != 0)
		return false;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (a->rl[i].rlim_cur != b->rl[i].rlim_cur || a->rl[i].rlim_max != b->rl[i].rlim_max)
			return false;
	return a->nice == b->nice && a->pgrp == b->pgrp &&
	       CPU_EQUAL(&a->affinity, &b->affinity) && a->policy == b->policy &&
	       a->sched_priority == b->sched_priority && a->ioprio == b->ioprio &&
	       strcmp(a->oom_adj, b->oom_adj) == 0 && strcmp(a->cgroup, b->cgroup) == 0;
}

/* The CPUs the commands of the caller's running sandboxes are on: the
 * children of the caller's pid 1s (/proc/thread-self/children: the pid 1s
 * this thread cloned), each one's "processor" field of /proc/PID/stat.
 * Best effort: what cannot be read is left out. */
static void running_command_cpus(cpu_set_t *set)
{
	char kids[512], path[64], line[512];
	char *save = NULL;

	CPU_ZERO(set);
	read_small("/proc/thread-self/children", kids, sizeof(kids));
	for (char *k = strtok_r(kids, " \n", &save); k; k = strtok_r(NULL, " \n", &save)) {
		char cmds[256], *save2 = NULL;

		snprintf(path, sizeof(path), "/proc/%s/task/%s/children", k, k);
		read_small(path, cmds, sizeof(cmds));
		for (char *c = strtok_r(cmds, " \n", &save2); c; c = strtok_r(NULL, " \n", &save2)) {
			const char *f;
			int field = 2;

			snprintf(path, sizeof(path), "/proc/%s/stat", c);
			read_small(path, line, sizeof(line));
			/* after the name, which may hold anything: field 3 on */
			f = strrchr(line, ')');
			while (f && *f && field < 39) {
				f = strchr(f + 1, ' ');
				field++;
			}
			if (f && *f) {
				long cpu = strtol(f + 1, NULL, 10);

				if (cpu >= 0 && cpu < CPU_SETSIZE)
					CPU_SET((int)cpu, set);
			}
		}
	}
}

/* A prepared pid 1 is made while the caller's last command runs, and its
 * making (the clone into new namespaces, the exec of shark-init, its
 * unshare and mounts: a few ms of CPU) took the command's CPU from it
 * when both landed on the same one: `perf sched timehist` showed the
 * command runnable and waiting 2 ms behind it (docs/performance.md, "The
 * command's run under the tracer"). So the caller moves itself to its
 * allowed CPUs other than those its running commands are on for the
 * clone (the child inherits that set; the caller takes back its own
 * right after, prep_off_cpu_end), and pid 1 keeps it until its plan
 * comes (prep_cpus_restore). Nothing is done when no CPU would be left. */
static bool prep_off_cpu_set(const struct prep_state *st, cpu_set_t *others)
{
	cpu_set_t busy;

	if (CPU_COUNT(&st->affinity) < 2)
		return false;
	running_command_cpus(&busy);
	if (CPU_COUNT(&busy) == 0)
		return false;
	CPU_XOR(others, &st->affinity, &busy);
	CPU_AND(others, others, &st->affinity);
	return CPU_COUNT(others) != 0;
}

static bool prep_off_cpu_begin(const struct prep_state *st)
{
	cpu_set_t others;

	return prep_off_cpu_set(st, &others) &&
	       sched_setaffinity(0, sizeof(others), &others) == 0;
}

static void prep_off_cpu_end(const struct prep_state *st, bool moved)
{
	if (moved)
		(void)sched_setaffinity(0, sizeof(st->affinity), &st->affinity);
}

/* Give the prepared pid 1 the caller's CPUs back before it reads its
 * plan: the command it clones inherits them (`nproc` in the sandbox is
 * the caller's). This reaches pid 1's main thread only; its tracer
 * thread, started before the plan, copies that set when the plan wakes
 * it (setup.c, tracer_thread_ahead). */
static int prep_cpus_restore(const sandbox_prep *p)
{
	if (!p->off_cpu)
		return 0;
	return sched_setaffinity(p->pid, sizeof(p->state.affinity), &p->state.affinity) < 0 ?
		       -errno : 0;
}

/* ---- the zygote ------------------------------------------------------------ */

static int current_umask(mode_t *ret);

/* A process that prepares sandboxes for a series of runs (a script: the
 * shell prepares from its second run on) spawns shark-init once more, as
 * its zygote (init_main.c), and from then on asks it for each prepared
 * pid 1 instead of cloning one that execs shark-init: the zygote clones
 * it with CLONE_PARENT (so it is this process's child all the same) into
 * new user and pid namespaces, writes its maps, and the clone goes on as
 * an exec'd shark-init without the exec and libc's start (about 0.7-0.9
 * ms of CPU per pid 1 here: docs/performance.md).
 *
 * - Made at a process's second sandbox_prep_new (a one-shot that prepares
 *   one pid 1 never pays for it), after that call's own pid 1, and only
 *   by the process's main thread: PR_SET_PDEATHSIG refers to the parent
 *   thread, which for the zygote's clones is the thread that spawned the
 *   zygote; another thread's end would kill them.
 * - Owned by the process that spawned it: a forked copy (a subshell, a
 *   job) never uses it (CLONE_PARENT would make its pid 1s the shell's
 *   children, not the copy's); it closes its copy of the socket and may
 *   make a zygote of its own.
 * - Its clones inherit its state, not the caller's of the moment: the
 *   caller's prep_state when it was spawned is kept and compared with the
 *   state each prepared sandbox is made with (the CPUs are sent with each
 *   request); any difference and it is ended and reaped.
 * - Any failure (spawn, send, a reply that does not come within
 *   ZYGOTE_ANSWER_MS, an error in it) ends it, and that prepared pid 1 is made as before (spawn_init);
 *   the process does not spawn another (one ended because the state
 *   changed is spawned again at the next prepared pid 1).
 * - It never becomes a job: the shell waits by pid only. It is reaped
 *   here when it is dropped; when the caller ends (PDEATHSIG) or execs
 *   another program (EOF: the socket is close-on-exec; forked copies
 *   holding their copy of it keep it until they end or next prepare) it
 *   exits. */
static struct {
	pthread_mutex_t lock;
	pid_t owner;    /* the process the rest is about */
	unsigned preps; /* sandbox_prep_new calls of this process */
	bool failed;    /* its spawn failed: not again in this process */
	int fd;         /* our end of its socket, or -1 */
	struct fd_id id;
	pid_t pid;
	struct prep_state state; /* the caller's, when it was spawned */
} zygote = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

/* With zygote.lock held: a forked copy forgets its parent's zygote (the
 * socket's copy closed, never the process: not ours). */
static void zygote_own(void)
{
	pid_t self = getpid();

	if (zygote.owner == self)
		return;
	if (zygote.fd >= 0 && fd_is(zygote.fd, &zygote.id))
		close(zygote.fd);
	zygote.owner = self;
	zygote.preps = 0;
	zygote.failed = false;
	zygote.fd = -1;
	zygote.pid = 0;
}

/* End it (with zygote.lock held, owned): the pid 1s it made are ours and
 * live on. */
static void zygote_drop(void)
{
	if (zygote.fd < 0)
		return;
	if (fd_is(zygote.fd, &zygote.id))
		close(zygote.fd);
	zygote.fd = -1;
	kill(zygote.pid, SIGKILL);
	while (waitpid(zygote.pid, NULL, 0) < 0 && errno == EINTR)
		;
	zygote.pid = 0;
}

/* Spawn it (posix_spawn: the caller waits for its exec, once): shark-init
 * SANDBOX_ZYGOTE_ARG, its socket at SANDBOX_INIT_CHAN_FD, /dev/null at
 * 0-2, an empty environment, every signal blocked and at its default.
 * With zygote.lock held. */
static void zygote_start(const struct prep_state *st)
{
	static char name[] = SANDBOX_INIT_NAME, arg[] = SANDBOX_ZYGOTE_ARG;
	char *argv[] = { name, arg, NULL }, *envp[] = { NULL };
	char path[64];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, dfl;
	int sv[2], prog, r;
	pid_t pid;

	pthread_mutex_lock(&init_prog.lock);
	prog = init_prog_fd();
	pthread_mutex_unlock(&init_prog.lock);
	if (prog < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		zygote.failed = true;
		return;
	}
	/* The zygote's end gets each sender's pid with its message (it
	 * serves only us: init_main.c, zygote_recv); set before it can
	 * receive anything. */
	if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0) {
		close(sv[0]);
		close(sv[1]);
		zygote.failed = true;
		return;
	}
	if (sv[0] < 10) {
		int high = fcntl(sv[0], F_DUPFD_CLOEXEC, 10);

		close(sv[0]);
		sv[0] = high;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", prog);
	sigfillset(&all);
	sigfillset(&dfl);
	sigdelset(&dfl, SIGKILL);
	sigdelset(&dfl, SIGSTOP);
	r = posix_spawn_file_actions_init(&fa);
	if (r == 0) {
		r = posix_spawnattr_init(&at);
		if (r != 0)
			posix_spawn_file_actions_destroy(&fa);
	}
	if (r == 0) {
		if (sv[0] < 0 ||
		    posix_spawn_file_actions_adddup2(&fa, sv[1], SANDBOX_INIT_CHAN_FD) != 0 ||
		    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0) != 0 ||
		    posix_spawn_file_actions_adddup2(&fa, 0, 1) != 0 ||
		    posix_spawn_file_actions_adddup2(&fa, 0, 2) != 0 ||
		    posix_spawnattr_setsigmask(&at, &all) != 0 ||
		    posix_spawnattr_setsigdefault(&at, &dfl) != 0 ||
		    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0)
			r = -1;
		else
			r = posix_spawn(&pid, path, &fa, &at, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
	}
	close(sv[1]);
	if (r != 0 || !fd_id_note(sv[0], &zygote.id)) {
		if (r == 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (sv[0] >= 0)
			close(sv[0]);
		zygote.failed = true;
		return;
	}
	zygote.fd = sv[0];
	zygote.pid = pid;
	zygote.state = *st;
}

#define ZYGOTE_ANSWER_MS 5000

/* A prepared pid 1 from the zygote, on the CPUs cpus: 0 with *ret_pid
 * (our child) and *ret_chan, or -errno (nothing left to reap; the caller
 * drops the zygote and makes this pid 1 as before). With zygote.lock
 * held. */
static int zygote_clone(bool network, const cpu_set_t *cpus, pid_t *ret_pid, int *ret_chan)
{
	struct sandbox_zygote_req req = { .magic = SANDBOX_ZYGOTE_MAGIC, .abi = sandbox_abi(),
					  .network = network, .umask = UINT32_MAX, .cpus = *cpus };
	mode_t um;

	if (current_umask(&um) == 0)
		req.umask = (uint32_t)um;
	struct sandbox_zygote_reply rep;
	int chan[2], r;
	ssize_t n;

	if (!fd_is(zygote.fd, &zygote.id))
		return -EBADF;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)
		return -errno;
	r = sandbox_send_fd(zygote.fd, &req, sizeof(req), chan[1]);
	close(chan[1]);
	if (r < 0) {
		close(chan[0]);
		return r;
	}
	/* A zygote that does not answer (stopped, frozen) is given up
	 * rather than waited for: ended and reaped by the caller. */
	struct pollfd pfd = { .fd = zygote.fd, .events = POLLIN };
	int k;

	do
		k = poll(&pfd, 1, ZYGOTE_ANSWER_MS);
	while (k < 0 && errno == EINTR);
	if (k <= 0) {
		close(chan[0]);
		return k == 0 ? -ETIMEDOUT : -errno;
	}
	do
		n = recv(zygote.fd, &rep, sizeof(rep), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	r = n == (ssize_t)sizeof(rep) ? -rep.sys_errno : -EPIPE;
	if (n == (ssize_t)sizeof(rep) && rep.pid > 0 && rep.sys_errno == 0) {
		*ret_pid = rep.pid;
		*ret_chan = chan[0];
		return 0;
	}
	if (n == (ssize_t)sizeof(rep) && rep.pid > 0) /* killed by the zygote */
		while (waitpid(rep.pid, NULL, 0) < 0 && errno == EINTR)
			;
	close(chan[0]);
	return r < 0 ? r : -EIO;
}

/* A prepared pid 1 from the zygote when there is a usable one (0, with
 * p->pid, p->chan, p->off_cpu set), 1 otherwise (make it another way);
 * spawns the zygote at this process's second call. */
static int prep_from_zygote(sandbox_prep *p)
{
	cpu_set_t cpus;
	int r = 1;

	pthread_mutex_lock(&zygote.lock);
	zygote_own();
	if (zygote.fd >= 0 && !prep_state_equal(&zygote.state, &p->state))
		zygote_drop(); /* its clones would not inherit the state of now */
	if (zygote.fd >= 0) {
		p->off_cpu = prep_off_cpu_set(&p->state, &cpus);
		if (!p->off_cpu)
			cpus = p->state.affinity;
		r = zygote_clone(p->network, &cpus, &p->pid, &p->chan);
		if (r < 0) {
			/* dead, killed, or failing: not again here */
			zygote_drop();
			zygote.failed = true;
			r = 1;
		}
	}
	zygote.preps++;
	pthread_mutex_unlock(&zygote.lock);
	return r;
}

/* After a prepared pid 1 made another way: the zygote spawned at the
 * process's second one, by its main thread. */
static void zygote_maybe_start(const struct prep_state *st)
{
	pthread_mutex_lock(&zygote.lock);
	if (zygote.fd < 0 && !zygote.failed && zygote.preps >= 2 && gettid() == getpid())
		zygote_start(st);
	pthread_mutex_unlock(&zygote.lock);
}

int sandbox_prep_new(bool network, sandbox_prep **ret_prep)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			      CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
			      SIGCHLD;
	struct sandbox_error detail = { 0 };
	int chan[2], sync[2], r;
	sandbox_prep *p;
	pid_t pid;

	reap_deferred();
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pend = (struct spawn_pending){ .exec_fd = -1, .back_fd = -1, .prog = -1 };
	prep_state_now(&p->state);
	/* pid 1's mount namespace is a copy of the caller's as it is now:
	 * once this fd polls POLLPRI, something was mounted or unmounted
	 * here since, and the copy is stale (sandbox_prep_fits). */
	p->mounts = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	if (p->mounts < 0) {
		r = -errno;
		free(p);
		return r;
	}
	p->owner = getpid();
	p->network = network;
	if (prep_from_zygote(p) == 0) {
		/* never exec'd: its process group can still be set */
		prep_fds_note(p);
		*ret_prep = p;
		return 0;
	}
	p->off_cpu = prep_off_cpu_begin(&p->state);
	r = spawn_init(network, -1, &p->pid, &p->chan, &p->pend, &detail);
	prep_off_cpu_end(&p->state, p->off_cpu);
	if (r == 0 && p->pend.back_fd >= 0) {
		/* Nothing sent before its exec is ever taken back (a failed
		 * one only drops it), and the prepared pid 1 may wait long,
		 * through forks of the caller that would inherit this end:
		 * closed now, so that pid 1's death still reads as end of
		 * file on the caller's end. */
		close(p->pend.back_fd);
		p->pend.back_fd = -1;
	}
	if (r == 0) {
		p->execd = true;
		prep_fds_note(p);
		*ret_prep = p;
		zygote_maybe_start(&p->state);
		return 0;
	}
	if (r < 0) {
		close(p->mounts);
		free(p);
		return detail.sys_errno > 0 ? -detail.sys_errno : -EIO;
	}
	/* No shark-init: pid 1 a clone of this process. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0) {
		r = -errno;
		close(p->mounts);
		free(p);
		return r;
	}
	if (pipe2(sync, O_CLOEXEC) < 0) {
		r = -errno;
		close(chan[0]);
		close(chan[1]);
		close(p->mounts);
		free(p);
		return r;
	}
	if (!network)
		flags |= CLONE_NEWNET;
	p->off_cpu = prep_off_cpu_begin(&p->state);
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(chan[0]);
		close(sync[1]);
		sandbox_init_prepared(chan[1], sync[0]);
	}
	r = pid < 0 ? -errno : 0;
	prep_off_cpu_end(&p->state, p->off_cpu);
	close(chan[1]);
	close(sync[0]);
	if (r == 0)
		r = sandbox_write_id_maps(pid);
	if (r == 0 && write(sync[1], "x", 1) != 1)
		r = -errno;
	close(sync[1]);
	if (r < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		close(chan[0]);
		close(p->mounts);
		free(p);
		return r;
	}
	p->pid = pid;
	p->chan = chan[0];
	prep_fds_note(p);
	*ret_prep = p;
	return 0;
}

pid_t sandbox_prep_pid(const sandbox_prep *prep)
{
	return prep->pid;
}

/* How a prepared pid 1's exec went, waiting for it if need be
 * (spawn_settle): false when it failed (the child is reaped: drop the
 * prepared sandbox and start the run another way). Only the caller that
 * cloned it asks: a forked copy's prepared sandboxes never fit. */
static bool prep_exec_ok(sandbox_prep *p)
{
	if (p->pend.exec_fd >= 0 && spawn_settle(&p->pend, p->pid) != 0)
		p->failed = true; /* reaped */
	return !p->failed;
}

void sandbox_prep_free(sandbox_prep *prep)
{
	if (!prep)
		return;
	if (prep->pend.exec_fd >= 0 && prep->owner != getpid()) {
		/* a forked copy's: the child is not ours; its stack here is a
		 * copy nobody runs on */
		if (fd_is(prep->pend.exec_fd, &prep->pend.exec_id))
			close(prep->pend.exec_fd);
		stack_put(prep->pend.stack);
	} else if (spawn_abandon(&prep->pend, prep->pid)) {
		prep->failed = true; /* reaped */
	}
	if (prep->pend.back_fd >= 0)
		close(prep->pend.back_fd);
	if (fd_is(prep->chan, &prep->chan_id))
		close(prep->chan);
	if (fd_is(prep->mounts, &prep->mounts_id))
		close(prep->mounts);
	free(prep->mounts_enc);
	free(prep->mounts_scratch);
	/* A forked copy of the caller holds a copy of the handle, not the
	 * child: only the caller that cloned it ends and reaps it. */
	if (prep->owner == getpid() && !prep->failed) {
		kill(prep->pid, SIGKILL);
		while (waitpid(prep->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(prep);
}

bool sandbox_prep_fits(sandbox_prep *prep, const sandbox_plan *plan)
{
	struct prep_state now;

	struct pollfd pfd = { .fd = prep->mounts, .events = POLLPRI };

	if (prep->owner != getpid() || prep->network != plan->network || !prep_exec_ok(prep))
		return false;
	if (!prep_fds_ours(prep)) {
		prep->stale = true;
		return false;
	}
	/* setpgid fails (EACCES) on a child that has exec'd. */
	if (prep->execd && plan->pgid >= 0)
		return false;
	if (prep->stale || poll(&pfd, 1, 0) != 0) {
		prep->stale = true; /* mounts changed (or poll failed) */
		return false;
	}
	prep_state_now(&now);
	return prep_state_equal(&prep->state, &now);
}

/* The caller's umask, without changing it (umask(2) cannot read it
 * alone, and setting it for a moment would race with other threads
 * creating files). */
static int current_umask(mode_t *ret)
{
	char buf[4096], *u;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	u = strstr(buf, "\nUmask:");
	if (!u)
		return -ENOTSUP;
	*ret = (mode_t)strtoul(u + 7, NULL, 8);
	return 0;
}

/* Hand plan to the prepared pid 1: the encoded plan in a memfd, the
 * scratch dir (unless -1: sent with the mounts) and, for a run, the stdio
 * fds beside it. */
static int prep_send(int chan, const sandbox_plan *plan, int scratch_fd, uint32_t kind)
{
	struct sandbox_prep_msg msg = { .magic = SANDBOX_PREP_MAGIC, .abi = sandbox_abi(),
					.kind = kind };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(5 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[5], nfds = 0, mfd, r;
	void *data;
	size_t size;
	mode_t um;
	ssize_t n;

	r = current_umask(&um);
	if (r < 0)
		return r;
	r = sandbox_plan_encode(plan, um, &data, &size);
	if (r < 0)
		return r;
	mfd = memfd_create("shark-plan", MFD_CLOEXEC);
	if (mfd < 0) {
		r = -errno;
		free(data);
		return r;
	}
	r = sandbox_write_all(mfd, data, size);
	free(data);
	if (r < 0) {
		close(mfd);
		return r;
	}
	fds[nfds++] = mfd;
	if (scratch_fd >= 0)
		fds[nfds++] = scratch_fd;
	for (int i = 0; i < 3 && kind == SANDBOX_PREP_RUN; i++) {
		if (plan->stdio[i] >= 0) {
			fds[nfds++] = plan->stdio[i];
			msg.stdio_set |= 1u << i;
		}
	}
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	do
		n = sendmsg(chan, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	r = n == (ssize_t)sizeof(msg) ? 0 : n < 0 ? -errno : -EIO;
	close(mfd);
	return r;
}

/* p or one of its extra paths at or below the workspace: mounting there
 * ahead would look inside the workspace overlay before the run. */
static bool mounts_in_workspace(const sandbox_plan *plan)
{
	size_t n = strlen(plan->workspace);
	const char *paths[SANDBOX_MAX_EXTRA_PATHS + 1];
	size_t k = 0;

	paths[k++] = plan->scratch;
	for (size_t i = 0; i < plan->n_paths && k < SANDBOX_MAX_EXTRA_PATHS + 1; i++)
		paths[k++] = plan->paths[i].path;
	for (size_t i = 0; i < k; i++)
		if (strncmp(paths[i], plan->workspace, n) == 0 &&
		    (paths[i][n] == '/' || paths[i][n] == '\0'))
			return true;
	return false;
}

/* A tree built ahead had the private /tmp (a host mount below /tmp,
 * setup.c tmp_entries), which is never fit for a run: trees are no
 * longer built ahead by this process (sandbox_prep_mounts), so a prepared
 * pid 1 builds its tree when its run comes, once. */
static bool tmp_private_seen;

int sandbox_prep_mounts(sandbox_prep *prep, const sandbox_plan *plan)
{
	struct sandbox_plan copy;
	int scratch_fd, r;

	if (prep->mounts_enc)
		return -EALREADY;
	if (prep->owner != getpid() || prep->network != plan->network)
		return -EINVAL;
	if (!prep_fds_ours(prep))
		return -EBADF;
	/* The stdio fds are the run's: not looked at here. */
	copy = *plan;
	copy.stdio[0] = copy.stdio[1] = copy.stdio[2] = -1;
	r = sandbox_plan_validate(&copy);
	if (r < 0)
		return r;
	if (plan->interactive || mounts_in_workspace(plan) || tmp_private_seen)
		return -ENOTSUP;
	r = sandbox_plan_encode_mounts(plan, &prep->mounts_enc, &prep->mounts_size);
	if (r < 0)
		return r;
	prep->mounts_scratch = strdup(plan->scratch);
	if (!prep->mounts_scratch) {
		r = -ENOMEM;
		goto fail;
	}
	r = open_scratch(plan, &scratch_fd, NULL);
	if (r < 0) {
		if (scratch_fd >= 0)
			close(scratch_fd);
		goto fail;
	}
	r = prep_send(prep->chan, &copy, scratch_fd, SANDBOX_PREP_MOUNTS);
	close(scratch_fd);
	if (r < 0) {
		(void)sandbox_scratch_cleanup(plan->scratch);
		goto fail;
	}
	return 0;
fail:
	free(prep->mounts_enc);
	free(prep->mounts_scratch);
	prep->mounts_enc = NULL;
	prep->mounts_scratch = NULL;
	return r;
}

static bool seen_same(const struct sandbox_seen *then, const char *path)
{
	struct sandbox_seen now;

	sandbox_seen_now(path, &now);
	return now.kind == then->kind && now.dev == then->dev && now.ino == then->ino;
}

/* Whether plan may run in the tree prep built ahead: the same mount part,
 * byte for byte, pid 1 done with it, and the workspace, /tmp and every
 * extra path on the host the same file as pid 1 found there when it
 * mounted (setup_extra_paths decides by what it finds; a bind or an
 * overlay holds the inode it found: a directory replaced since would not
 * be seen). Waits for pid 1 to be done building. */
static bool prep_mounts_fit(sandbox_prep *p, const sandbox_plan *plan)
{
	struct sandbox_mounts_msg m;
	void *enc = NULL;
	size_t size = 0;
	bool eq;
	ssize_t n;

	eq = sandbox_plan_encode_mounts(plan, &enc, &size) == 0 && size == p->mounts_size &&
	     memcmp(enc, p->mounts_enc, size) == 0;
	free(enc);
	if (!eq)
		return false;
	do
		n = recv(p->chan, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m) || m.code != 0 || m.n_paths != plan->n_paths)
		return false; /* its set-up failed (a sandbox_setup_msg), or it died */
	if (m.seen[1].kind == SANDBOX_SEEN_NEVER)
		tmp_private_seen = true;
	if (!seen_same(&m.seen[0], plan->workspace) || !seen_same(&m.seen[1], "/tmp"))
		return false;
	for (size_t i = 0; i < plan->n_paths; i++)
		if (!seen_same(&m.seen[i + 2], plan->paths[i].path))
			return false;
	return true;
}

/* End p, unused for plan; when p built its tree ahead on plan's scratch
 * dir, empty that dir of what the mounts ahead made there (pid 1's mounts
 * on them went with it), so that a pid 1 cloned for the run can make them
 * again (make_scratch_dirs wants them absent) and nothing is left. */
static void prep_drop(sandbox_prep *p, const sandbox_plan *plan)
{
	bool ours = p->mounts_scratch && strcmp(p->mounts_scratch, plan->scratch) == 0;

	sandbox_prep_free(p);
	if (ours)
		(void)sandbox_scratch_cleanup(plan->scratch);
}

int sandbox_start_begin_prepared(const sandbox_plan *plan, sandbox_prep **prep,
				 sandbox_run **ret_run, struct sandbox_error *err_detail)
{
	sandbox_prep *p = *prep;
	sandbox_run *run;
	int scratch_fd, r;

	*prep = NULL;
	if (!p)
		return sandbox_start_begin(plan, ret_run, err_detail);
	r = sandbox_plan_validate(plan);
	if (r < 0 || !sandbox_prep_fits(p, plan) || (p->mounts_enc && !prep_mounts_fit(p, plan))) {
		prep_drop(p, plan);
		return sandbox_start_begin(plan, ret_run, err_detail);
	}
	run = calloc(1, sizeof(*run));
	if (!run || !(run->scratch = strdup(plan->scratch))) {
		free(run);
		prep_drop(p, plan);
		return -ENOMEM;
	}
	run->pend = (struct spawn_pending){ .exec_fd = -1, .back_fd = -1, .prog = -1 };
	run->end_fd = -1;
	if (prep_cpus_restore(p) < 0) {
		/* pid 1 is gone, or would keep CPUs the command must not be
		 * limited to: clone one for the run after all. */
		free(run->scratch);
		free(run);
		prep_drop(p, plan);
		return sandbox_start_begin(plan, ret_run, err_detail);
	}
	scratch_fd = -1;
	if (!p->mounts_enc) {
		r = open_scratch(plan, &scratch_fd, err_detail);
		if (r < 0)
			goto fail;
	}
	/* Before pid 1 goes on, as sandbox_start_begin does. */
	if (plan->pgid >= 0 && setpgid(p->pid, plan->pgid) < 0) {
		r = SANDBOX_E_SETUP;
		set_error(err_detail, r, errno, "setpgid");
		goto fail;
	}
	r = prep_send(p->chan, plan, scratch_fd, SANDBOX_PREP_RUN);
	if (r < 0) {
		/* pid 1 is gone (killed from outside) or the plan could not
		 * be sent: clone one for the run after all. */
		static const char *const names[] = { SANDBOX_ROOT, SANDBOX_WORK,
						      SANDBOX_UPPER };

		for (size_t i = 0; i < 3 && scratch_fd >= 0; i++)
			(void)unlinkat(scratch_fd, names[i], AT_REMOVEDIR);
		if (scratch_fd >= 0)
			close(scratch_fd);
		free(run->scratch);
		free(run);
		prep_drop(p, plan);
		return sandbox_start_begin(plan, ret_run, err_detail);
	}
	if (scratch_fd >= 0)
		close(scratch_fd);
	close(p->mounts);
	run->pid = p->pid;
	run->report_fd = p->chan;
	free(p->mounts_enc);
	free(p->mounts_scratch);
	free(p);
	*ret_run = run;
	return 0;
fail:
	if (scratch_fd >= 0)
		close(scratch_fd);
	free(run->scratch);
	free(run);
	prep_drop(p, plan);
	return r;
}

pid_t sandbox_run_pid(const sandbox_run *run)
{
	return run->pid;
}

int sandbox_run_signal(sandbox_run *run, int sig)
{
	if (run->collected)
		return SANDBOX_E_STATE;
	return kill(run->pid, sig) < 0 ? -errno : 0;
}

static int read_result(const char *scratch, struct sandbox_result **ret)
{
	int dfd = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, r;
	struct stat st;
	char *buf;

	if (dfd < 0)
		return -errno;
	fd = openat(dfd, SANDBOX_RESULT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return errno == ENOENT ? SANDBOX_E_RESULT : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > RESULT_MAX_SIZE) {
		close(fd);
		return SANDBOX_E_RESULT;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	r = sandbox_read_all(fd, buf, (size_t)st.st_size);
	close(fd);
	if (r == 0)
		r = sandbox_result_decode(buf, (size_t)st.st_size, ret);
	free(buf);
	return r;
}

int sandbox_run_collect(sandbox_run *run, int wstatus,
			struct sandbox_result **ret_result)
{
	if (run->collected)
		return SANDBOX_E_STATE;
	run->collected = true;
	if (run->end_fd >= 0) {
		close(run->end_fd);
		run->end_fd = -1;
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		return SANDBOX_E_RESULT;
	return read_result(run->scratch, ret_result);
}

int sandbox_wait(sandbox_run *run, struct sandbox_result **ret_result)
{
	int st;

	if (run->collected)
		return SANDBOX_E_STATE;
	/* never through sandbox_start_end(): its exec, and the fallback */
	st = spawn_settle(&run->pend, run->pid);
	if (st < 0 || (st == 1 && start_end_fallback(run, NULL) < 0)) {
		run->collected = true;
		return SANDBOX_E_SETUP;
	}
	reap_deferred();
	/* pid 1's "ended": the result is there and nothing of the run is
	 * left but pid 1 itself, exiting. Its exit (the namespaces'
	 * teardown) is not waited for. Without the message (pid 1 died, or
	 * the caller never called sandbox_start_end), its exit status
	 * decides. */
	if (run->end_fd >= 0) {
		struct sandbox_setup_msg m;
		ssize_t n;
		pid_t p;

		do
			n = read(run->end_fd, &m, sizeof(m));
		while (n < 0 && errno == EINTR);
		close(run->end_fd);
		run->end_fd = -1;
		if (n == (ssize_t)sizeof(m) && m.code == 0 &&
		    strncmp(m.step, SANDBOX_ENDED_STEP, sizeof(m.step)) == 0) {
			run->collected = true;
			do
				p = waitpid(run->pid, NULL, WNOHANG);
			while (p < 0 && errno == EINTR);
			if (p == 0)
				defer_reap(run->pid);
			return read_result(run->scratch, ret_result);
		}
	}
	while (waitpid(run->pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return sandbox_run_collect(run, st, ret_result);
}

int sandbox_run_end_fd(const sandbox_run *run)
{
	if (!run || run->collected || run->report_fd >= 0)
		return -1;
	return run->end_fd;
}

void sandbox_run_free(sandbox_run *run)
{
	if (!run)
		return;
	if (run->report_fd >= 0)
		close(run->report_fd);
	if (run->end_fd >= 0)
		close(run->end_fd);
	if (spawn_abandon(&run->pend, run->pid))
		run->collected = true;
	if (!run->collected) {
		kill(run->pid, SIGKILL);
		while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(run->scratch);
	free(run);
}
