/* sandbox.h - the void process: run one command with nothing but what it
 * needs, record what it looked at, capture what it wrote.
 *
 * The whole public API of libsandbox. It knows nothing of the store or the
 * shell. Three steps, each separately usable:
 *
 *   1. Plan.    sandbox_plan_new(), setters, sandbox_plan_validate(). Pure
 *               data; needs no privileges; unit-testable.
 *   2. Run.     sandbox_start() clones the sandbox's pid 1 straight into
 *               new namespaces. pid 1 builds the mounts, starts the command
 *               under the seccomp filter, answers the command's seccomp
 *               notifications on a thread of its own (the tracer), reaps
 *               every process of the sandbox and, when the command exits,
 *               writes the result record and exits. The caller gets a handle
 *               with pid 1's pid and later calls sandbox_wait() (or reaps the
 *               pid itself and calls sandbox_run_collect()) for the result:
 *               exit status and the deduplicated list of observed accesses.
 *               Several runs may be in flight at once from one process (one
 *               per pipeline stage): each has its own pid 1, and pid 1 never
 *               reads or writes the command's stdio, so a stage blocked on a
 *               full pipe can never hold up another stage's tracing.
 *   3. Effects. sandbox_effects_scan() walks the overlay upper directory left
 *               in the scratch dir and lists what the command changed in the
 *               workspace; sandbox_effect_apply() applies one effect to the
 *               real workspace safely (beneath it, never through a symlink,
 *               atomic rename per file) with content from any fd, so effects
 *               can also be replayed later from a store. Finally
 *               sandbox_scratch_cleanup() removes the scratch contents.
 *
 * Errors: every function returning int returns 0 on success, a negative errno
 * (-ENOMEM, -EINVAL, ...) or one of the negative SANDBOX_E_* codes below;
 * sandbox_strerror() describes either. Out-parameters named ret_* are written
 * only on success. Destructors accept NULL. The library never prints, logs or
 * exits (the processes it creates use _exit()). Every fd it opens is
 * O_CLOEXEC.
 *
 * Threads: a plan or run handle must not be used from two threads at once;
 * distinct handles are independent. sandbox_start_begin() (and so
 * sandbox_start()) normally starts pid 1 as shark-init, a program found
 * at ../libexec/shark/shark-init from the caller's executable (or beside
 * it, for a caller in libexec/shark such as shark's twin): a child
 * sharing the caller's memory on a small stack makes raw system calls
 * only and execs it (docs/sandbox.md, "pid 1 is shark-init"). Without
 * that program it clones pid 1 with a raw clone system call, not libc's
 * fork(): no atfork handlers run and libc's locks are not reset in the
 * child, which then allocates memory and creates a thread. For that case,
 * call it from a single-threaded process, or at least from one whose
 * other threads cannot be holding a libc lock (malloc's, stdio's...) at
 * that moment. pid 1 dies with the thread that called
 * sandbox_start_begin() (PR_SET_PDEATHSIG).
 *
 * Forks: between sandbox_start_begin() and sandbox_start_end() (or
 * sandbox_wait()) the caller may hold pid 1's end of the channel, to take
 * the plan back if shark-init's exec failed; a child forked in between
 * would inherit it, and pid 1's death would then not read as end of file
 * until that child exits. Fork before the begin or after the end. The
 * fds the library keeps for a prepared pid 1 (sandbox_prep_new) are
 * checked by identity before each use and close: a caller's dup2() over
 * one of them only makes that prepared pid 1 unusable.
 */
#ifndef SHARK_SANDBOX_H
#define SHARK_SANDBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* ---- errors -------------------------------------------------------------- */

/* Library error codes, in a range no errno uses. */
enum {
	SANDBOX_E_FIRST = -30900,
	SANDBOX_E_PLAN_ARGV = SANDBOX_E_FIRST, /* argv missing or empty */
	SANDBOX_E_PLAN_PATH,     /* a plan path is not absolute, not normalized,
				    or contains a character overlayfs cannot take */
	SANDBOX_E_PLAN_CWD,      /* cwd missing */
	SANDBOX_E_PLAN_WORKSPACE,/* workspace missing, "/", or under /dev, /proc */
	SANDBOX_E_PLAN_SCRATCH,  /* scratch dir missing, or contains the workspace */
	SANDBOX_E_PLAN_FD,       /* a stdio fd is not open */
	SANDBOX_E_PLAN_LIMIT,    /* too many arguments, variables or paths */
	SANDBOX_E_USERNS,        /* user namespaces unavailable (sysctl, AppArmor) */
	SANDBOX_E_OVERLAY,       /* overlayfs mount refused (kernel, userxattr) */
	SANDBOX_E_MOUNT,         /* another mount step of the set-up failed */
	SANDBOX_E_SECCOMP,       /* building or loading the seccomp filter failed */
	SANDBOX_E_SETUP,         /* another set-up step failed (see detail) */
	SANDBOX_E_SCRATCH_BUSY,  /* scratch dir already holds upper/work dirs */
	SANDBOX_E_RESULT,        /* no valid result record: pid 1 died without
				    writing one (killed), or it is corrupt */
	SANDBOX_E_STATE,         /* call not valid in the handle's current state */
	SANDBOX_E_UNSAFE_PATH,   /* effect path absolute, has "..", "." or "//" */
	SANDBOX_E_REFUSED,       /* an effect would escape the workspace or
				    crosses a symlink; nothing was written */
	SANDBOX_E_STDIO,         /* a stdio fd is a device (other than a
				    terminal, null, zero, full, random,
				    urandom) or a file that cannot be handed
				    over read-only */
	SANDBOX_E_PLAN_RESOURCE, /* a resource limit is out of range */
	SANDBOX_E_CROSSES_MOUNT, /* an effect would cross a mount point inside
				    the workspace; nothing was written */
	SANDBOX_E_IN_STORE,      /* an effect lies inside a shark store (a
				    directory holding SANDBOX_STORE_MARKER);
				    nothing was written */
	SANDBOX_E_LAST = SANDBOX_E_IN_STORE,
};

/* A static, human-readable description of err: a SANDBOX_E_* code (with the
 * fix, where there is one: e.g. the sysctl to set for SANDBOX_E_USERNS) or a
 * negative errno. Never NULL. */
const char *sandbox_strerror(int err);

/* Where a failed sandbox_start() failed: the library code, the errno of the
 * failing system call (0 if none), and the name of the set-up step
 * ("clone namespaces", "write uid/gid map", "mount overlay", "pivot_root",
 * "seccomp load", "chdir to the working directory", ...), NUL-terminated. */
struct sandbox_error {
	int code;
	int sys_errno;
	char step[48];
};

/* ---- plan ------------------------------------------------------------------ */

typedef struct sandbox_plan sandbox_plan;

/* How an extra host path appears inside the sandbox. */
enum sandbox_path_mode {
	SANDBOX_PATH_READONLY = 1, /* bound read-only (e.g. the store, even when
				      it lies inside the workspace) */
	SANDBOX_PATH_WRITABLE,     /* bound read-write: writes go straight to
				      the host and are NOT captured as effects */
	SANDBOX_PATH_HIDDEN,       /* replaced by an empty read-only directory
				      (or /dev/null for a file) */
	SANDBOX_PATH_PRIVATE,      /* a directory made writable in private:
				      an overlay over it whose upper layer is
				      a fresh tmpfs (limits.tmp_size), gone
				      with the run, like /tmp without capture
				      (caches under $HOME). Its path must not
				      hold ',', ':' or '\\' (overlay syntax) */
};

/* Limits on plan sizes (bounded resources from user input). */
#define SANDBOX_MAX_ARGS 65536
#define SANDBOX_MAX_PATH 4096
#define SANDBOX_MAX_EXTRA_PATHS 64

/* The name of the entry a shark store keeps at its root (and shark keeps
 * in each of its scratch bases outside a store): a directory that holds an
 * entry of this name, of any type, is a store, and no effect is applied
 * inside it (SANDBOX_E_IN_STORE). store/store.h has the same name as
 * STORE_MARKER_FILE (sandbox/ and store/ never include each other; a unit
 * test checks that the two match). A command that makes one of its own
 * only gets its own later effects there refused. */
#define SANDBOX_STORE_MARKER ".shark-store"

/* Create an empty plan: no argv, empty environment, stdio all /dev/null,
 * not interactive, no network, tracing on. Errors: -ENOMEM. */
int sandbox_plan_new(sandbox_plan **ret_plan);

/* Free a plan and everything it copied. NULL is fine. */
void sandbox_plan_free(sandbox_plan *plan);

/* Set the command (copied; argv is NULL-terminated, argv[0] is looked up in
 * the plan's PATH if it has no slash, as execvp does). Errors: -ENOMEM,
 * SANDBOX_E_PLAN_LIMIT. */
int sandbox_plan_set_argv(sandbox_plan *plan, const char *const *argv);

/* Set the environment (copied; NULL-terminated "NAME=value" strings; NULL
 * means empty). Errors: -ENOMEM, SANDBOX_E_PLAN_LIMIT, -EINVAL (no '='). */
int sandbox_plan_set_envp(sandbox_plan *plan, const char *const *envp);

/* Set the working directory inside the sandbox (absolute, normalized;
 * copied). It must exist there, or sandbox_start() fails with
 * SANDBOX_E_SETUP, step "chdir to the working directory". The path setters
 * (cwd, workspace, scratch) return -EINVAL for NULL, SANDBOX_E_PLAN_LIMIT
 * for a path of SANDBOX_MAX_PATH bytes or more, -ENOMEM. */
int sandbox_plan_set_cwd(sandbox_plan *plan, const char *cwd);

/* Set the workspace root: the only tree the command may (seemingly) change;
 * it is overlaid, so changes land in the scratch dir's upper dir. */
int sandbox_plan_set_workspace(sandbox_plan *plan, const char *dir);

/* Set the scratch dir: an existing directory on a filesystem that supports
 * user xattrs; the run creates "upper", "work" and "root" (plus a result
 * file) in it. One scratch dir per run. It may lie inside the workspace
 * (e.g. a store under $HOME/.cache with $HOME as workspace) but must not
 * contain it; inside the sandbox it is hidden behind an empty directory. */
int sandbox_plan_set_scratch(sandbox_plan *plan, const char *dir);

/* Set the fds the command gets as 0, 1 and 2 (-1 = /dev/null). The fds are
 * not taken over: the caller keeps and closes them; pid 1 gets copies when
 * sandbox_start() clones it and drops them once the command has them. */
int sandbox_plan_set_stdio(sandbox_plan *plan, int fd_in, int fd_out, int fd_err);

/* Interactive plans get /dev/tty and, at its host path (/dev/pts/N), the
 * terminal device among their stdio fds, and keep the controlling
 * terminal; no other terminal of the host is visible. Other plans see no
 * terminal device (a terminal passed as a stdio fd still works as an fd). */
void sandbox_plan_set_interactive(sandbox_plan *plan, bool interactive);

/* Job control: the process group the run's processes (pid 1, and the
 * command, which inherits it) are put in before anything starts. -1
 * (default): stay in the caller's group; 0: a new group led by pid 1 (its
 * pid is sandbox_run_pid()); > 0: join that existing group (e.g. the group
 * of the pipeline's first stage). The caller does it (setpgid on pid 1,
 * which cannot do it itself: it does not see the caller's pids) before
 * sandbox_start_begin() returns, so it can tcsetpgrp() right away. Errors:
 * -EINVAL (< -1). A failing setpgid makes sandbox_start_begin() (and so
 * sandbox_start()) fail with SANDBOX_E_SETUP, step "setpgid". */
int sandbox_plan_set_process_group(sandbox_plan *plan, pid_t pgid);

/* Grant the host network (no network namespace, and the host's /run with
 * its daemons' unix sockets). Default: loopback only, private /run. */
void sandbox_plan_set_network(sandbox_plan *plan, bool network);

/* Signals the command starts with ignored (copied), as sh passes its
 * ignored signals on to the programs it runs (`cmd &` ignores SIGINT and
 * SIGQUIT without job control). Every other disposition is reset to the
 * default. Default: none. SIGKILL and SIGSTOP are left out. */
void sandbox_plan_set_ignored_signals(sandbox_plan *plan, const sigset_t *set);

/* Trace accesses (default true). Untraced runs have an empty access list;
 * they exist to measure tracing overhead and for commands that will not be
 * recorded anyway. */
void sandbox_plan_set_trace(sandbox_plan *plan, bool trace);

/* Show the command the live host instead of the sandbox's own view
 * (default false): the host's hostname instead of "shark", and the host's
 * /proc, read-only, instead of a fresh one, so process listers (`ps`,
 * `pgrep`, `top`) see the user's processes. Every other isolation stays:
 * the pid namespace (the command signals only its own processes), and a
 * Landlock domain keeps it out of other processes' memory, environment and
 * /proc magic links (sandbox/landlock.c). Start fails with SANDBOX_E_SETUP
 * where the kernel has no Landlock: check sandbox_host_view_available().
 * For commands that are never recorded: with the host's /proc, the tracer
 * cannot resolve /proc/PID paths (plan it untraced). */
void sandbox_plan_set_host_view(sandbox_plan *plan, bool host_view);

/* Keep what the command writes under /tmp (default false: gone with the
 * run). The /tmp overlay's upper layer (a tmpfs of limits.tmp_size either
 * way) is copied, once the command and whatever it left running have
 * ended, into "<scratch>/tmp-upper", which the caller can scan with
 * sandbox_effects_scan(upper, "/tmp", ...) and apply to the host's /tmp
 * with the same rules as workspace effects. A copy that failed leaves no
 * tmp-upper and sets SANDBOX_RESULT_TRACE_LOST; an empty layer (nothing
 * written) is not copied either: no tmp-upper, without that flag. */
void sandbox_plan_set_tmp_capture(sandbox_plan *plan, bool capture);

/* sandbox_host_view_available - whether this kernel can fence a host-view
 * run (Landlock, Linux 5.13+, enabled). */
bool sandbox_host_view_available(void);

/* Add an extra host path (absolute; copied) with a mode. Later entries are
 * mounted after earlier ones. Errors: -ENOMEM, -EINVAL (mode),
 * SANDBOX_E_PLAN_LIMIT. */
int sandbox_plan_add_path(sandbox_plan *plan, const char *path,
			  enum sandbox_path_mode mode);

/* Resource limits of a run. Each plan starts with the defaults
 * (sandbox_limits_default). 0 means "no limit" where the field says so. */
struct sandbox_limits {
	uint64_t max_procs;  /* processes and threads of the run's user (all of
				the run's processes), RLIMIT_NPROC in its own
				user namespace: a fork bomb stops there.
				0: none. Else 16 .. 4,194,304 */
	uint64_t max_memory; /* bytes of address space per process
				(RLIMIT_AS). 0: none (the default: programs
				that reserve large address ranges, sanitizers,
				JVMs, Go, fail under one). Else >= 16 MiB */
	uint64_t tmp_size;   /* size= of the tmpfs that takes the run's writes
				under /tmp; 64 KiB .. 1 PiB */
	uint64_t shm_size;   /* size= of the run's /dev/shm; same range */
	uint64_t run_size;   /* size= of the run's private /run; same range */
	uint64_t timeout_ms; /* wall-clock limit from the command's start: then
				every process of the run is killed (SIGKILL)
				and the result has SANDBOX_RESULT_TIMEOUT.
				0: none. Else at most 366 days */
};

#define SANDBOX_DEFAULT_MAX_PROCS 8192
#define SANDBOX_DEFAULT_TMP_SIZE ((uint64_t)2 << 30)
#define SANDBOX_DEFAULT_SHM_SIZE ((uint64_t)256 << 20)
#define SANDBOX_DEFAULT_RUN_SIZE ((uint64_t)64 << 20)

/* Fill *ret with the defaults: SANDBOX_DEFAULT_MAX_PROCS processes, no
 * memory limit, /tmp 2 GiB, /dev/shm 256 MiB, /run 64 MiB, no timeout. */
void sandbox_limits_default(struct sandbox_limits *ret);

/* Set the plan's limits (copied; checked by sandbox_plan_validate). */
void sandbox_plan_set_limits(sandbox_plan *plan, const struct sandbox_limits *l);

/* The soft and hard value of resource limit resource (an RLIMIT_* number
 * below SANDBOX_ATTR_N_RLIMITS) the command starts
 * with, instead of the caller's own: a shell's `ulimit` limits its
 * commands, never the caller's own work. Only lowering works (the
 * command's user namespace cannot raise a limit); where the plan's
 * limits (max_procs, max_memory) set the same resource, the lower of the
 * two values holds. The command's own set-up in the sandbox is not
 * bound by them: they are set just before its filter and exec (the open
 * files limit after the filter, as a traced call, when the filter's
 * listener would not fit under it). Errors: -EINVAL. */
struct rlimit;
int sandbox_plan_set_rlimit(sandbox_plan *plan, int resource, const struct rlimit *rl);

/* Parse a size: decimal digits with an optional suffix k, m, g, t (powers
 * of 1024, either case, optional "b"/"ib" after it: "512m", "2GiB").
 * Errors: -EINVAL (syntax), -ERANGE (over 2^64 - 1). */
int sandbox_parse_size(const char *s, uint64_t *ret);

/* Parse a duration in milliseconds: a decimal number of seconds ("30",
 * "1.5") or one with a unit: ms, s, m, h ("500ms", "2m", "1h").
 * Errors: -EINVAL, -ERANGE. */
int sandbox_parse_duration(const char *s, uint64_t *ret_ms);

/* Check a plan without running anything or touching privileges: argv set,
 * paths absolute and normalized (no "." / ".." / "//" components, no
 * trailing '/'), workspace not "/" nor under /dev or /proc (rebuilt
 * inside), scratch not containing the workspace, paths free
 * of ',' ':' '\\' (overlayfs option syntax), stdio fds open, sizes within
 * limits, resource limits in their ranges. Returns 0 or the first SANDBOX_E_PLAN_* problem found. The
 * filesystem is only consulted for fcntl(F_GETFD) on the stdio fds. */
int sandbox_plan_validate(const sandbox_plan *plan);

/* ---- run ------------------------------------------------------------------- */

typedef struct sandbox_run sandbox_run;

/* Start the plan (validated first). Returns once the command has been
 * started inside its sandbox (its execve has succeeded or failed), or with
 * the set-up error: SANDBOX_E_USERNS,
 * SANDBOX_E_OVERLAY, SANDBOX_E_MOUNT, SANDBOX_E_SECCOMP, SANDBOX_E_SETUP,
 * SANDBOX_E_SCRATCH_BUSY, SANDBOX_E_PLAN_*, -errno; if err_detail is not
 * NULL it is filled on failure. After a failure the scratch dir may hold
 * the (empty) dirs the run created: sandbox_scratch_cleanup() removes them.
 * A command that cannot be executed is not a set-up error: it yields exit
 * code 127 (not found) or 126 (not executable). The plan is not kept: it
 * may be freed, changed or started again (with another scratch dir) at
 * once. The caller owns the handle: sandbox_run_free(). The sandbox's pid 1
 * is a child of the caller; its pid is sandbox_run_pid(). */
int sandbox_start(const sandbox_plan *plan, sandbox_run **ret_run,
		  struct sandbox_error *err_detail);

/* sandbox_start() in two halves, so that several sandboxes (the stages of
 * a pipeline) are set up at the same time: sandbox_start_begin() validates
 * the plan, clones pid 1, puts it in the plan's process group and writes
 * its uid/gid maps, after which pid 1 sets up on its own;
 * sandbox_start_end() waits for its report (one message on a socket). pid
 * 1 holds its own copies of the plan's fds once begin returns. A set-up
 * error comes from either (as for sandbox_start); after one from end pid 1
 * is reaped and only sandbox_run_free() remains to call. With the plan's
 * process group unset (-1), begin does not wait for shark-init's exec;
 * end learns whether it failed, and if so runs the plan (taken back with
 * its fds from pid 1's channel) in a pid 1 cloned from the caller, whose
 * pid sandbox_run_pid() returns from then on. */
int sandbox_start_begin(const sandbox_plan *plan, sandbox_run **ret_run,
			struct sandbox_error *err_detail);
int sandbox_start_end(sandbox_run *run, struct sandbox_error *err_detail);

/* A prepared sandbox: a pid 1 cloned into its namespaces (a network
 * namespace of its own unless network) and through its first steps before
 * any plan exists, waiting for one. The caller clones it when it has time
 * (while it waits for another run, say) and later hands it a plan with
 * sandbox_start_begin_prepared(), which then skips the clone, the uid/gid
 * maps and pid 1's first steps. pid 1 holds none of the caller's fds while
 * it waits (it closes those it inherited at once), drops the signals sent
 * to it meanwhile (the terminal's, at a prompt), and gets the plan, the
 * caller's umask at the time of the run and the plan's fds then; the
 * caller's resource limits, nice value and process group at clone time
 * must still be its own at that time, or the prepared sandbox is not used
 * (sandbox_prep_fits). Like sandbox_start_begin(), it clones with a raw
 * clone from the calling thread, and pid 1 dies with that thread; a
 * process forked from the caller cannot use it (nor end it: freeing it
 * there only closes the copy of the handle). The mount tree is built only
 * once the plan, or its mount part (sandbox_prep_mounts), is there:
 * nothing of the host's files is looked at before. Returns 0, -errno or SANDBOX_E_USERNS-style clone errors as
 * -errno. */
typedef struct sandbox_prep sandbox_prep;
int sandbox_prep_new(bool network, sandbox_prep **ret_prep);
/* Whether plan can start in prep now (see above). */
bool sandbox_prep_fits(sandbox_prep *prep, const sandbox_plan *plan);
/* The pid of its pid 1 (a child of the caller). */
pid_t sandbox_prep_pid(const sandbox_prep *prep);
/* End an unused prepared sandbox (SIGKILL, reaped) and free the handle.
 * Accepts NULL. */
void sandbox_prep_free(sandbox_prep *prep);
/* Hand prep the mount part of plan ahead of its run: pid 1 builds the
 * whole tree (the workspace and /tmp overlays, the extra paths, the
 * hides), makes it its root and detaches the host's, while the caller
 * still waits for another run. The mount part is what
 * sandbox_plan_mounts_equal() compares; plan's argv, environment, cwd,
 * stdio, process group, ignored signals, timeout and memory limit are not
 * used (the run's plan brings them). The scratch dir's directories are
 * made here: the scratch dir is taken, and only a plan with that scratch
 * dir can use prep. pid 1 looks at nothing inside the workspace overlay
 * before the run's plan comes, so what the host's workspace holds by then
 * is what the command sees. sandbox_start_begin_prepared() uses prep only
 * for a plan whose mount part is byte for byte the same, and whose extra
 * paths are on the host as pid 1 found them; otherwise pid 1 is ended and
 * the run starts without it (the scratch dir then emptied of what this
 * made). An unused prep's scratch dir is the caller's to empty
 * (sandbox_scratch_cleanup) after sandbox_prep_free(). Refused (-ENOTSUP,
 * prep still usable without mounts ahead) for an interactive plan (its
 * /dev holds the terminal of its stdio), a plan whose scratch dir or an
 * extra path lies in the workspace (mounting there looks inside the
 * workspace overlay), and always once a tree built ahead had the private
 * /tmp (a host mount below /tmp: docs/sandbox.md, "/tmp"), or a network
 * setting other than prep's (-EINVAL);
 * -EALREADY when prep has its mounts already; a plan error
 * (SANDBOX_E_PLAN_*); -errno, after which prep should be freed. */
int sandbox_prep_mounts(sandbox_prep *prep, const sandbox_plan *plan);
/* Whether a and b have the same mount part (see above), compared on its
 * encoded bytes. */
bool sandbox_plan_mounts_equal(const sandbox_plan *a, const sandbox_plan *b);
/* sandbox_start_begin() with *prep, which it takes over and sets to NULL:
 * started in the prepared pid 1 when it fits the plan, else *prep is freed
 * and a pid 1 cloned as sandbox_start_begin() does (also when *prep is
 * NULL, or its pid 1 is gone). Same results and errors; finish with
 * sandbox_start_end(). */
int sandbox_start_begin_prepared(const sandbox_plan *plan, sandbox_prep **prep,
				 sandbox_run **ret_run, struct sandbox_error *err_detail);

/* The pid of the sandbox's pid 1, as the caller sees it (a child of the
 * caller). Its exit means the command and every process it started have
 * ended. Inside the sandbox the command is pid 3 (pid 2 is pid 1's tracer
 * thread), or pid 2 if the plan is untraced. */
pid_t sandbox_run_pid(const sandbox_run *run);

/* Send sig to pid 1 (sandbox_run_pid()). What pid 1 does with it:
 * SIGTERM, SIGINT, SIGHUP and SIGQUIT sent by a process (this function, or
 * a shell's `kill $!` on sandbox_run_pid()) are forwarded to the command
 * (the process the plan started); those the terminal sends (si_code
 * SI_KERNEL) are not, since the command, in the same foreground process
 * group, gets them itself. SIGKILL ends the whole run, with no result
 * (SANDBOX_E_RESULT). SIGSTOP and SIGCONT stop and resume pid 1 (SIGCONT is passed on to a
 * command in a process group of its own: see docs/sandbox.md); while
 * it is stopped, so is its tracer thread, and the command's traced system
 * calls wait. Any other signal has no effect: pid 1 is the init of its pid
 * namespace and keeps the default disposition for it, and the kernel only
 * lets SIGKILL and SIGSTOP through to such a process. A user signal sent to
 * the whole process group reaches the command directly and, for those four,
 * once more through pid 1. pid 1 blocks those four from its first
 * instructions on: one sent during the set-up waits and reaches the command
 * once it exists. The caller must not set SIGCHLD to SIG_IGN (pid 1 would be
 * reaped behind its back). Errors: -errno from kill, SANDBOX_E_STATE after
 * the run was collected. */
int sandbox_run_signal(sandbox_run *run, int sig);

/* Kinds of access, a bit set per path. */
enum sandbox_access_kind {
	SANDBOX_ACCESS_READ = 1 << 0,   /* opened for reading (a non-directory) */
	SANDBOX_ACCESS_EXEC = 1 << 1,   /* execve'd */
	SANDBOX_ACCESS_STAT = 1 << 2,   /* stat, access, readlink, chdir... */
	SANDBOX_ACCESS_LIST = 1 << 3,   /* a directory opened (listing) */
	SANDBOX_ACCESS_ABSENT = 1 << 4, /* looked up and found absent */
	SANDBOX_ACCESS_WRITE = 1 << 5,  /* opened for writing, created, deleted,
					   renamed, chmod'ed... (intent) */
	SANDBOX_ACCESS_OUTPUT = 1 << 6, /* its first access replaced it without
					   looking at it: an open with O_CREAT
					   and O_TRUNC but not O_EXCL, creat, or
					   the target of a plain rename. What
					   the command saw there afterwards was
					   its own doing; the other bits say
					   what it did, for when the replacing
					   call failed */
};

/* One observed path: absolute as seen inside the sandbox (which mirrors the
 * host layout), with "//" and "." removed but ".." kept, so resolving it
 * again follows the same symlinks the command followed. */
struct sandbox_access {
	const char *path;
	unsigned kinds; /* enum sandbox_access_kind bits */
};

/* Process attributes a traced run observed (sandbox_result.attrs): what
 * its processes asked of their resource limits (getrlimit, prlimit64,
 * setrlimit, whose success tells the hard limit), their nice value
 * (getpriority; setpriority, whose success tells it and RLIMIT_NICE;
 * sched_getattr), their CPU set (sched_getaffinity), their scheduling
 * policy and its parameters (sched_getattr, sched_getscheduler,
 * sched_getparam) and their I/O priority (ioprio_get). They inherited the
 * caller's at the start, so what they saw was the caller's value at that
 * time, or one the run set itself. RLIMIT_STACK is not traced: every
 * program reads it at start-up, so callers put it in the action key
 * instead (docs/memo.md). One bit per RLIMIT_* resource number. */
#define SANDBOX_ATTR_RLIMIT(res) (1u << (res)) /* res < SANDBOX_ATTR_N_RLIMITS */
#define SANDBOX_ATTR_N_RLIMITS 16u
#define SANDBOX_ATTR_NICE (1u << 16)
#define SANDBOX_ATTR_AFFINITY (1u << 17)
#define SANDBOX_ATTR_SCHED (1u << 18)
#define SANDBOX_ATTR_IOPRIO (1u << 19)
#define SANDBOX_ATTR_WINSIZE (1u << 20) /* a terminal's window size (TIOCGWINSZ) */
#define SANDBOX_ATTR_ALL 0x1fffffu

/* Result flags. */
enum sandbox_result_flag {
	SANDBOX_RESULT_DEVICE = 1 << 0,   /* opened a device other than null,
					     zero, full, random, urandom */
	SANDBOX_RESULT_FIFO = 1 << 1,     /* opened a named pipe */
	SANDBOX_RESULT_SOCKET = 1 << 2,   /* opened a unix socket by path */
	SANDBOX_RESULT_TERMINAL = 1 << 3, /* opened a terminal device (but a
					     /dev/tty the tracer opened for
					     it counts only once used), or
					     read stdin when it is a terminal
					     (traced runs; an untraced run
					     with a terminal on stdio always
					     counts) */
	SANDBOX_RESULT_TRACE_LOST = 1 << 4, /* some access could not be read
					       (path unreadable, process gone);
					       the list is incomplete */
	SANDBOX_RESULT_UNTRACED = 1 << 5, /* the plan had tracing off */
	SANDBOX_RESULT_TIMEOUT = 1 << 6,  /* killed at the plan's wall-clock
					     limit (term_signal is SIGKILL) */
	SANDBOX_RESULT_TMP_PRIVATE = 1 << 7, /* the host's /tmp has a mount
						below it: the run's /tmp was
						the private fallback
						(docs/sandbox.md, "/tmp") */
};

/* What a run did, besides its file effects. Read-only for the caller;
 * free with sandbox_result_free(). */
struct sandbox_result {
	int exit_code;   /* sh convention: 0-255, 128+signal if killed,
			    127 not found, 126 found but not executable */
	int term_signal; /* the signal that killed the command, or 0 */
	int exec_errno;  /* errno of the failed execve (127/126), else 0 */
	unsigned flags;  /* enum sandbox_result_flag bits */
	uint64_t wall_ns;   /* command start to exit */
	uint64_t user_ns;   /* CPU time of every process in the sandbox */
	uint64_t sys_ns;
	uint64_t n_notifications; /* traced system calls answered */
	unsigned attrs;  /* SANDBOX_ATTR_* bits: process attributes observed */
	size_t n_accesses;
	const struct sandbox_access *accesses; /* sorted by path, unique */
};

/* Wait (blocking) for the run to end, then return the result. Call once.
 * After sandbox_start_end() this returns on pid 1's last message, sent
 * once the result is written and every other process of the run is dead
 * (killed and reaped by pid 1), without waiting for pid 1's own exit (the
 * namespaces' teardown, which then overlaps the caller's work): pid 1 is
 * reaped by a later call into the library (or waited for when 64 such are
 * pending), so the caller must not reap it itself nor wait for all its
 * children. Otherwise (pid 1 died first) it waits for pid 1's exit.
 * Errors: SANDBOX_E_STATE (already collected), SANDBOX_E_RESULT (pid 1
 * ended without writing a result, e.g. killed), -errno. */
int sandbox_wait(sandbox_run *run, struct sandbox_result **ret_result);

/* An fd to poll(2) for the run's end, or -1 when there is none (before
 * sandbox_start_end(), after sandbox_wait(), or for a run that pid 1 did
 * not report set up). It turns readable (POLLIN, or POLLHUP) once pid 1
 * sent its "ended" message or died: sandbox_wait() then returns without
 * waiting for the command (at most for pid 1's own exit, when it died
 * without the message). The caller only polls it: it stays the library's,
 * to be neither read nor closed, and is gone after sandbox_wait(). Callers
 * that reap pid 1 themselves (sandbox_run_collect) do not need it. */
int sandbox_run_end_fd(const sandbox_run *run);

/* For callers that reap children themselves (a shell's SIGCHLD loop): after
 * waitpid() returned sandbox_run_pid(run) with wstatus, build the result. */
int sandbox_run_collect(sandbox_run *run, int wstatus,
			struct sandbox_result **ret_result);

/* Free a run handle. If pid 1 is still running it is killed (SIGKILL, which
 * kills the whole sandbox) and reaped. NULL is fine. */
void sandbox_run_free(sandbox_run *run);

/* Free a result. NULL is fine. */
void sandbox_result_free(struct sandbox_result *result);

/* Decode a result record as written by pid 1 into the scratch dir
 * (exposed for fuzzing; sandbox_wait() uses it). Errors: SANDBOX_E_RESULT,
 * -ENOMEM. Bounded: at most 1,000,000 accesses, paths < SANDBOX_MAX_PATH. */
int sandbox_result_decode(const void *data, size_t size,
			  struct sandbox_result **ret_result);

/* ---- effects ----------------------------------------------------------- */

enum sandbox_effect_kind {
	SANDBOX_EFFECT_FILE = 1, /* regular file created or rewritten: mode, size,
				    content from sandbox_effects_open() */
	SANDBOX_EFFECT_CHMOD,    /* file exists with the same content, only its
				    mode changed */
	SANDBOX_EFFECT_DELETE,   /* path removed (a whiteout); a directory is
				    removed with everything below it */
	SANDBOX_EFFECT_DIR,      /* directory created, or its mode changed */
	SANDBOX_EFFECT_OPAQUE_DIR, /* directory replaced: whatever was at path is
				      removed, an empty dir with mode made; the
				      entries that follow fill it */
	SANDBOX_EFFECT_SYMLINK,  /* symlink created or replaced: target */
	SANDBOX_EFFECT_SPECIAL,  /* a FIFO, socket or device node was created
				    (mode holds the file type): a FIFO is
				    made again by sandbox_effect_apply(),
				    the others are refused */
	SANDBOX_EFFECT_TOUCH,    /* regular file whose bytes and mode are
				    unchanged but whose mtime is not the
				    workspace's (written with the same bytes,
				    or touched): set its times to mtime (after
				    a CHMOD at the same path if its mode
				    changed too) */
};

/* One change to the workspace. path is relative to the workspace root, with
 * no leading '/', no "." or ".." components. Effects are listed parents
 * first (a directory before its entries), deletions before creations at the
 * same path. */
struct sandbox_effect {
	enum sandbox_effect_kind kind;
	const char *path;
	mode_t mode;        /* permission bits (07777) for FILE, CHMOD, DIR,
			       OPAQUE_DIR; 0 otherwise */
	uint64_t size;      /* FILE: size in bytes */
	const char *target; /* SYMLINK: the link text; NULL otherwise */
	struct timespec mtime; /* TOUCH: the mtime (and atime) to set; tv_nsec
				  UTIME_NOW sets the current time */
};

typedef struct sandbox_effects sandbox_effects;

/* Walk an overlay upper dir (for a run: "<scratch>/upper") against the
 * workspace it overlaid and list the effects. Upper dirs are read with
 * no-follow, beneath-the-root resolution; entries of other types
 * (devices other than whiteouts, FIFOs, sockets) are listed as
 * SANDBOX_EFFECT_SPECIAL. Bounded: at most 1,000,000 entries, depth 256.
 * The list keeps an O_PATH fd on upper_dir. Errors: -errno, -ENOMEM,
 * SANDBOX_E_PLAN_LIMIT (too many entries or too deep). */
int sandbox_effects_scan(const char *upper_dir, const char *workspace,
			 sandbox_effects **ret_effects);

size_t sandbox_effects_count(const sandbox_effects *effects);

/* The i-th effect (i < count); owned by the list, valid until it is freed. */
const struct sandbox_effect *sandbox_effects_get(const sandbox_effects *effects,
						 size_t i);

/* The upper dir (O_PATH, O_DIRECTORY) the list was scanned from: a caller
 * may renameat(upper_fd, effect->path, ...) a FILE effect's content into its
 * own storage (same filesystem). Owned by the list. */
int sandbox_effects_upper_fd(const sandbox_effects *effects);

/* Open the content of FILE effect i read-only (O_NOFOLLOW, beneath the
 * upper dir). The caller owns *ret_fd. Errors: -EINVAL (not a FILE), -errno. */
int sandbox_effects_open(const sandbox_effects *effects, size_t i, int *ret_fd);

/* Free the list and close its upper fd. NULL is fine. */
void sandbox_effects_free(sandbox_effects *effects);

/* Apply one effect to the workspace opened as workspace_fd (O_DIRECTORY;
 * O_PATH is fine). content_fd supplies the bytes of a FILE effect (read from
 * its current offset to EOF; must yield exactly e->size bytes, else -EIO and
 * nothing is changed; holes in a regular file stay holes) and is ignored
 * otherwise. Every component, the last one included, is resolved with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV): a symlink in a parent component refuses the effect
 * (SANDBOX_E_REFUSED), a missing parent gives -ENOENT, and a mount point on
 * the way, at the path, or anywhere inside a directory to be deleted or
 * emptied gives SANDBOX_E_CROSSES_MOUNT with nothing changed. Files, FIFOs
 * and symlinks are made under a random temporary name in the target
 * directory (getrandom) and renamed over the final name, which replaces
 * (never follows) a symlink there; a directory in the way is removed first.
 * Modes are set on a descriptor of the object, never by name. Applied
 * modes keep the permission bits only: set-user-ID, set-group-ID and sticky
 * bits are dropped (the effect keeps the mode it asked for). Call with the
 * workspace lock held (sandbox_workspace_lock). Errors:
 * SANDBOX_E_UNSAFE_PATH, SANDBOX_E_REFUSED, SANDBOX_E_CROSSES_MOUNT, -EIO,
 * -errno. */
int sandbox_effect_apply(int workspace_fd, const struct sandbox_effect *e,
			 int content_fd);

/* Whether effect e, applied beneath base_fd, would land inside a shark
 * store: base_fd's directory itself or a directory on the way to e->path
 * holds SANDBOX_STORE_MARKER (each looked at with the same openat2 rules
 * as the apply: no symlink, no mount crossed), or e's target is an
 * existing directory that holds one (any kind but a touch: a mode change,
 * a directory effect, a deletion or a replacement of a store's own
 * directory). The rest of a deletion's or emptying's tree is looked at
 * only by sandbox_effect_apply (a marker anywhere in it refuses it).
 * Returns 1 (in a store), 0 (not, or not reachable: the apply refuses what
 * this cannot look at), SANDBOX_E_UNSAFE_PATH. One openat2 per directory
 * on the way and one at the target; sandbox_effect_apply calls it first
 * and refuses with SANDBOX_E_IN_STORE. */
int sandbox_effect_in_store(int base_fd, const struct sandbox_effect *e);

/* Whether the directory dir_fd or one of its ancestors, up to the root of
 * the caller's file system view, holds SANDBOX_STORE_MARKER: 1, 0, or
 * -errno. Effects are applied beneath a workspace or /tmp; callers ask this
 * once per batch for the base, whose ancestors sandbox_effect_apply does
 * not look at (sandbox_effects_apply does). A readlink of its
 * /proc/self/fd link for the depth, then one fstatat per level
 * ("../../.shark-store"); without /proc, a walk up with ".." (three calls
 * per level). */
int sandbox_dir_in_store(int dir_fd);

/* Called for each effect sandbox_effects_apply() could not apply. */
typedef void sandbox_refused_fn(const struct sandbox_effect *e, int err,
				void *ctx);

/* Take the workspace lock: an exclusive flock(2) on the workspace root
 * directory itself (opened O_RDONLY), held until
 * sandbox_workspace_unlock(). Every engine that applies effects to a
 * workspace takes it first, so two never apply to one workspace at once,
 * whatever store or path they use (the lock belongs to the directory's
 * inode; it needs no file, leaves nothing behind, and the kernel drops it
 * when the process dies). A sandboxed command sees the workspace through
 * an overlay, another inode, and cannot take or hold it. Blocks until the
 * lock is free. A workspace root the caller may not read (mode 0311) cannot
 * be locked: *ret_lock_fd is then -1 and effects are applied unlocked.
 * Errors: -errno (the workspace cannot be opened). */
int sandbox_workspace_lock(int workspace_fd, int *ret_lock_fd);

/* Release the lock taken by sandbox_workspace_lock(). -1 is fine. */
void sandbox_workspace_unlock(int lock_fd);

/* Is there a mount point strictly beneath workspace (an absolute, resolved
 * path) in the caller's mount namespace? Returns 1 and copies the first one
 * found into buf (truncated to size, NUL-terminated; buf may be NULL), 0
 * if there is none, or -errno (/proc/self/mountinfo unreadable). A
 * workspace with a mount inside cannot be overlaid (the sandbox's overlay
 * would have to take the mount's contents as part of its lower layer), so
 * callers refuse to run, and to replay, commands there; applying effects
 * never crosses such a mount either way (SANDBOX_E_CROSSES_MOUNT). Reads
 * /proc/self/mountinfo (about 30 us for 20 mounts on a loaded
 * 2-core machine). */
int sandbox_workspace_find_mount(const char *workspace, char *buf, size_t size);

/* Apply every effect in order, content from the upper dir, holding the
 * workspace lock (sandbox_workspace_lock) throughout. Refused effects
 * are reported through on_refused (may be NULL) and skipped; the others are
 * still applied. Returns 0 if all applied, SANDBOX_E_REFUSED if any was
 * refused, or -errno for a failure that stopped the walk. */
int sandbox_effects_apply(const sandbox_effects *effects, int workspace_fd,
			  sandbox_refused_fn *on_refused, void *ctx);

/* Remove what a run left in scratch_dir ("upper", "work", "root", the result
 * file), never following symlinks; the scratch dir itself stays. Call after
 * the effects were imported or applied. Errors: -errno. */
int sandbox_scratch_cleanup(const char *scratch_dir);

/* Remove a finished run's scratch dir (sandbox_scratch_cleanup(), then the
 * dir itself) on a background thread of the calling process instead of
 * making the caller wait: on a disk mounted with online discard each
 * removed directory waits for a discard, milliseconds apiece, and a run
 * leaves half a dozen (its overlay's work dirs). hold_fd (or -1) is closed
 * once queued (the run is over). Takes a copy of scratch_dir. The thread is
 * started on first use with every signal blocked and an fd table of its
 * own (so it never opens an fd number the caller uses meanwhile); a forked
 * child starts its own.
 * Returns 0 once queued, or -errno (nothing queued: the caller removes the
 * dir itself). A process may exit before its queue is done (a `shark -c`
 * command exits right after its run): sandbox_scratch_sweep_async() is how
 * a later process removes such leftovers. */
int sandbox_scratch_remove_async(const char *scratch_dir, int hold_fd);

/* Queue, once per process, the removal of the leftover scratch dirs in dir
 * (the directory that holds them) on the same thread: entries named
 * "run.*" that no process holds (an exclusive flock(2) succeeds; a run
 * holds its dir with a shared one until it is removed) and that have not
 * changed for 10 s, at most eight of them (a process leaves its last
 * run's and the few skeletons it kept, sandbox_scratch_recycle_async),
 * each removed as sandbox_scratch_cleanup() does, then rmdir'ed. 0 once
 * queued (or already queued), or -errno. */
int sandbox_scratch_sweep_async(const char *dir);

/* Instead of removing it, empty a finished run's scratch dir back to the
 * skeleton a run starts from (the dir with an empty "work" and "root"
 * directory and an emptied result file; everything else, "upper"
 * included, removed) on the same thread, once pid1 (the run's pid 1; 0
 * when it was reaped already) has exited, and prove it one: the dir and
 * both subdirectories of the caller's uid, mode 0700, without extended
 * attributes, holding nothing else (the result file, if there, empty,
 * mode 0600, one link, no xattr). sandbox_scratch_recycled() then
 * reports it; one that cannot be proven a skeleton is removed as
 * sandbox_scratch_remove_async() does. A run whose plan names such a
 * skeleton as its scratch dir starts in it (its "work" and "root" are
 * taken as they are when they are empty directories of the caller's,
 * mode 0700; "upper" is always made new). The caller keeps its hold on
 * the dir (nothing is closed here) and must not use the dir until it is
 * reported. Returns 0 once queued, or -errno (-EAGAIN: the queue, or
 * the recyclings not collected yet, are full; nothing queued). */
int sandbox_scratch_recycle_async(const char *scratch_dir, pid_t pid1);

/* The next recycling of this process's that finished: its dir copied into
 * buf (size bytes) and *ret_ok set (true: a proven skeleton, ready; false:
 * removed, or being removed). Returns 1, or 0 when none finished, or
 * -ENAMETOOLONG. Reports nothing in a forked child (its parent's
 * recyclings are the parent's). */
int sandbox_scratch_recycled(char *buf, size_t size, bool *ret_ok);

#endif /* SHARK_SANDBOX_H */
