/* internal.h - shared between the files of libsandbox; not installed. */
#ifndef SHARK_SANDBOX_INTERNAL_H
#define SHARK_SANDBOX_INTERNAL_H

#include <linux/filter.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

#include <stdint.h>

struct sandbox_extra_path {
	char *path;
	enum sandbox_path_mode mode;
};

struct sandbox_plan {
	char **argv;
	size_t argc;
	char **envp;
	size_t envc;
	char *cwd;
	char *workspace;
	char *scratch;
	int stdio[3];
	pid_t pgid; /* -1: inherit */
	bool interactive;
	bool network;
	bool trace;
	bool host_view; /* the host's /proc (read-only) and hostname */
	bool tmp_capture; /* /tmp's upper layer in <scratch>/tmp-upper */
	sigset_t ignored; /* signals the command starts with ignored */
	struct sandbox_extra_path *paths;
	size_t n_paths;
	struct sandbox_limits limits;
	/* resource limits the command starts with (sandbox_plan_set_rlimit):
	 * the bits of rlim_set name the RLIMIT_* numbers set in rlim */
	uint32_t rlim_set;
	struct rlimit rlim[SANDBOX_ATTR_N_RLIMITS];
	/* Set by pid 1 in its copy: the host path of the terminal among the
	 * stdio fds ("/dev/pts/3"), or "". */
	char tty_path[64];
	/* Set by pid 1 in its copy: the command starts a process group of
	 * its own (see command_main). */
	bool own_group;
};

/* Names of what a run leaves in the scratch dir. */
#define SANDBOX_UPPER "upper"
#define SANDBOX_WORK "work"
#define SANDBOX_ROOT "root"
#define SANDBOX_RESULT_FILE "result"
#define SANDBOX_TMP_UPPER "tmp-upper"

/* ---- reaper.c ---- */

/* Whether name in dirfd is an empty directory of the caller's uid, mode
 * 0700, on dev, (xattrs) without extended attributes: a recycled
 * skeleton's "work" or "root" (sandbox_scratch_recycle_async). */
bool sandbox_skeleton_dir_ok(int dirfd, const char *name, dev_t dev, bool xattrs);

/* ---- filter.c, filter_load.c ---- */

/* The filter's variants, one program each: index of these flags among
 * SANDBOX_FILTER_VARIANTS (tty_in counts only with trace). tty_in: 0, no
 * terminal on stdin; SANDBOX_TTY_IN, reads of fd 0 and every use of the
 * tracer's /dev/tty range, sendmsg (the listener taken with pidfd_getfd);
 * SANDBOX_TTY_IN_FD0, reads of fd 0 only, where pid 1 could not take the
 * listener (handed over with SCM_RIGHTS, /dev/tty opened the old way). */
#define SANDBOX_FILTER_VARIANTS 16
#define SANDBOX_TTY_IN 1
#define SANDBOX_TTY_IN_FD0 2
static inline int sandbox_filter_index(bool trace, int tty_in, bool network)
{
	return (trace ? 1 : 0) + (tty_in == SANDBOX_TTY_IN && trace ? 2 : 0) +
	       (network ? 4 : 0) + (tty_in == SANDBOX_TTY_IN_FD0 && trace ? 8 : 0);
}
/* The tty_in of variant v (the inverse of sandbox_filter_index). */
static inline int sandbox_filter_variant_tty(int v)
{
	return (v & 2) ? SANDBOX_TTY_IN : (v & 8) ? SANDBOX_TTY_IN_FD0 : 0;
}

/* Where the tracer installs a /dev/tty it opened for the command (trace.c)
 * with a terminal on stdin: the 16 fd numbers whose low 32 bits, masked
 * with SANDBOX_TTY_FD_MASK, equal SANDBOX_TTY_FD_BASE. The tty_in filter
 * sends to the tracer every call that could use an fd there (filter.c),
 * below the usual RLIMIT_NOFILE soft limit of 1024. */
#define SANDBOX_TTY_FD_BASE 1008u
#define SANDBOX_TTY_FD_COUNT 16u
#define SANDBOX_TTY_FD_MASK 0xfffffff0u

/* Compile the filter for these flags with libseccomp into a malloc'd
 * program (ret->filter, the caller frees it). Without network, socket
 * families are restricted. 0 or a negative errno. Used by the build's
 * generator (mk/filter-gen.c) and the tests, not at run time. */
int sandbox_filter_compile(bool trace, int tty_in, bool network, struct sock_fprog *ret);
/* The same program as a plain list of comparisons (libseccomp's
 * optimization level 1) instead of a binary tree: what the tests compare
 * the built-in programs' decisions with. */
int sandbox_filter_compile_list(bool trace, int tty_in, bool network, struct sock_fprog *ret);

/* The programs sandbox_filter_compile() gave at build time, by
 * sandbox_filter_index() (len 0: a variant that does not exist). Generated
 * into the build directory (filter_bpf.c). */
extern const struct sock_fprog sandbox_filter_builtin[SANDBOX_FILTER_VARIANTS];

/* Load the built-in filter into the calling process (which must have
 * NO_NEW_PRIVS). With trace, path system calls are sent to a listener
 * whose fd is stored in *ret_notify_fd; without, *ret_notify_fd is -1.
 * Returns 0 or a negative errno; async-signal-safe (no allocation). */
int sandbox_filter_load(bool trace, int tty_in, bool network, int *ret_notify_fd);

/* ---- landlock.c ---- */

/* Put the calling process (which must have NO_NEW_PRIVS) in a Landlock
 * domain of its own, so that it cannot ptrace, nor follow the /proc magic
 * links of, any process outside it. 0, -EOPNOTSUPP without Landlock, or
 * -errno. */
int sandbox_landlock_fence(void);

/* ---- tmplayer.c (in pid 1) ---- */

/* Copy the /tmp overlay's upper layer (layer_fd, a directory opened for
 * reading) into <scratch>/tmp-upper, whole or not at all; an empty layer
 * is not copied (no tmp-upper, 0). Entries of layer_fd on another device
 * are mounts (the private /tmp's, setup.c tmp_entries) and left out, but
 * for a directory whose name dirs_fd (-1: none) holds: that is the upper
 * layer of its overlay, copied in its place as the directory's changes.
 * 0 or -errno (-E2BIG: over 1,000,000 entries; -ELOOP: deeper than 256). */
int sandbox_tmp_layer_export(int layer_fd, int dirs_fd, int scratch_fd);

/* ---- setup.c (runs in the namespaced init process) ---- */

/* Set-up report: from the command to pid 1, and from pid 1 to the caller. */
struct sandbox_setup_msg {
	int32_t code;      /* 0: the command's filter is loaded (to pid 1) or its
			    * execve has succeeded or failed (to the caller) */
	int32_t sys_errno;
	char step[48];
	/* The command's report that its filter is loaded, with a terminal on
	 * stdin: the listener's number in the command and the command's pid,
	 * for pid 1 to take it with pidfd_getfd (the tty_in filter sends
	 * sendmsg to the tracer, which has no listener yet). Else -1, 0. */
	int32_t listener;
	int32_t pid;
};

/* The step of pid 1's last message (code 0): the command has ended, the
 * result record is in the scratch dir and every other process of the run
 * is dead; pid 1 exits right after. */
#define SANDBOX_ENDED_STEP "ended"

/* Body of the sandbox's pid 1, cloned by the caller into the namespaces:
 * report is its end of the set-up report socket, sync_fd delivers a byte
 * once the uid/gid maps are written, scratch_fd is the scratch dir. Never
 * returns: _exit()s. */
void sandbox_init_main(const struct sandbox_plan *plan, int report,
		       int sync_fd, int scratch_fd) __attribute__((noreturn));

/* Body of a prepared pid 1 (sandbox_prep_new), cloned before its plan
 * exists: chan is its end of the socket it gets the plan on (struct
 * sandbox_prep_msg with SCM_RIGHTS: the encoded plan's memfd, the scratch
 * dir, the stdio fds present) and reports on afterwards, as report above.
 * Never returns. */
void sandbox_init_prepared(int chan, int sync_fd) __attribute__((noreturn));

/* The same for a prepared pid 1 that is its own program (shark-init,
 * init_main.c): exec'd by the caller in new user and pid namespaces once
 * its uid/gid maps were written (so sync_fd is -1 above), chan at a fixed
 * fd, every signal blocked. It makes the mount, ipc, uts, cgroup and
 * (without network) net namespaces itself first. */
void sandbox_init_exec(int chan, bool network) __attribute__((noreturn));

/* Where that program is, relative to the directory of the caller's
 * executable (/proc/self/exe; else SANDBOX_INIT_NAME in that directory),
 * and the fd its channel comes on. */
#define SANDBOX_INIT_REL "../libexec/shark/shark-init"
#define SANDBOX_INIT_NAME "shark-init"
#define SANDBOX_INIT_CHAN_FD 3
/* Its argv[1] when the plan grants the network (anything else: not). */
#define SANDBOX_INIT_NET "net"

/* shark-init as a shell's zygote (run.c, zygote_start; init_main.c):
 * exec'd once per process with this argv[1] and its socket at
 * SANDBOX_INIT_CHAN_FD, it clones each later prepared pid 1 with
 * CLONE_PARENT into new user and pid namespaces (the pid 1 is the
 * caller's child, as an exec'd one), writes its uid/gid maps, and the
 * clone goes on as an exec'd shark-init does (sandbox_init_exec), without
 * an exec. One request (the channel, pid 1's end, as SCM_RIGHTS) and one
 * reply per pid 1. */
#define SANDBOX_ZYGOTE_ARG "zygote"
#define SANDBOX_ZYGOTE_NAME "shark-zygote"
#define SANDBOX_ZYGOTE_MAGIC 0x7a79676fu
struct sandbox_zygote_req {
	uint32_t magic;   /* SANDBOX_ZYGOTE_MAGIC */
	uint32_t abi;     /* sandbox_abi() of the caller's build */
	uint32_t network; /* the plan grants the network: no net namespace */
	uint32_t umask;   /* the caller's, which pid 1 starts with (an exec'd
			   * one inherits it); UINT32_MAX: unknown, the zygote's */
	cpu_set_t cpus;   /* pid 1's CPUs (the zygote moves itself there first) */
};
struct sandbox_zygote_reply {
	int32_t pid;       /* the new pid 1 (the caller's child), or 0 */
	int32_t sys_errno; /* 0, or why: clone failed (pid 0), or the maps
			    * (pid > 0: killed, for the caller to reap) */
};

/* Write the identity uid/gid maps of child's user namespace (from its
 * parent namespace, with the caller's euid and egid): root maps the whole
 * range, anyone else their own uid and gid (setgroups denied first).
 * 0 or -errno. */
int sandbox_write_id_maps(pid_t child);

/* The message that hands a prepared pid 1 its run. */
struct sandbox_prep_msg {
	uint32_t magic;     /* SANDBOX_PREP_MAGIC */
	uint32_t abi;       /* sandbox_abi() of the sender's build */
	uint32_t stdio_set; /* bit i: stdio[i] is among the fds, in order */
	uint32_t kind;      /* SANDBOX_PREP_RUN or SANDBOX_PREP_MOUNTS */
};
/* The whole plan: the fds are the memfd, the scratch dir (unless the
 * mounts came first) and the stdio fds present. */
#define SANDBOX_PREP_RUN 0u
/* A plan whose mount part pid 1 builds its tree from ahead of the run
 * (sandbox_prep_mounts): the fds are the memfd and the scratch dir. pid 1
 * answers with a struct sandbox_mounts_msg once the tree is the root, or
 * a struct sandbox_setup_msg on failure (and exits). */
#define SANDBOX_PREP_MOUNTS 1u

/* What pid 1 found on the host at a path it mounted from, just before it
 * mounted: a bind or an overlay holds on to the inode it found, so a path
 * replaced since (or made, or removed) would not be what a run started
 * now gets. */
struct sandbox_seen {
	uint64_t dev, ino; /* stat(), following symlinks as the mount does */
	uint8_t kind;      /* SANDBOX_SEEN_*, from lstat() */
};
#define SANDBOX_SEEN_ABSENT 0
#define SANDBOX_SEEN_DIR 1
#define SANDBOX_SEEN_OTHER 2
#define SANDBOX_SEEN_NEVER 3 /* matches nothing found on the host */

/* pid 1's answer to SANDBOX_PREP_MOUNTS, once the tree is its root: what
 * it found at the workspace, at /tmp and at each extra path of the plan,
 * for the caller to compare with the host at the time of the run
 * (run.c, prep_mounts_fit). */
struct sandbox_mounts_msg {
	int32_t code; /* 0 */
	uint32_t n_paths;
	struct sandbox_seen seen[SANDBOX_MAX_EXTRA_PATHS + 2]; /* workspace, /tmp, paths */
};
/* What is at path now (lstat for the kind, stat for the identity). */
void sandbox_seen_now(const char *path, struct sandbox_seen *ret);
#define SANDBOX_PREP_MAGIC 0x50524550u

/* The build's id (generated from the sandbox's sources by the Makefile):
 * shark-init is a program of its own, which an upgrade may replace under
 * a running shell; a plan from another build is refused, never decoded. */
unsigned sandbox_abi(void);

/* ---- prep.c ---- */

/* The plan (and the umask the run gets) as bytes, into a malloc'd buffer;
 * SANDBOX_E_PLAN_LIMIT past 64 MiB. Fds are not encoded. */
int sandbox_plan_encode(const struct sandbox_plan *plan, mode_t umask_value,
			void **ret_data, size_t *ret_size);
/* The part of the plan that decides the mount tree and the namespaces'
 * state (workspace, scratch, extra paths, interactive, network, trace,
 * host view, /tmp capture, tmpfs sizes and the process limit), as bytes,
 * padding zeroed: two plans whose parts encode to the same bytes get the
 * same tree (prep.c). */
int sandbox_plan_encode_mounts(const struct sandbox_plan *plan, void **ret_data,
			       size_t *ret_size);
/* Back into a new plan (its stdio -1): 0 or -EINVAL, -ENOMEM. */
int sandbox_plan_decode(const void *data, size_t size, struct sandbox_plan **ret_plan,
			mode_t *ret_umask);

/* ---- stdio.c (in pid 1) ---- */

/* The command's stdio as pid 1 hands it over: fd[i] is what the command
 * gets, orig[i] the caller's fd when fd[i] replaced a seekable one (its
 * offset is carried back when the command ends), else -1. */
struct sandbox_stdio {
	int fd[3];
	int orig[3];
};

void sandbox_stdio_init(struct sandbox_stdio *s);
/* Replace regular files, directories and named FIFOs by the same objects
 * opened through root_fd (the read-only bind of the host root, before
 * anything is mounted over it). 0 or -errno, *ret_step naming the step. */
int sandbox_stdio_reopen_files(struct sandbox_stdio *s, int root_fd,
			       const char **ret_step);
/* Replace null, zero, full, random, urandom by the sandbox's own (dev_fd:
 * its /dev); refuse other devices but terminals (SANDBOX_E_STDIO). */
int sandbox_stdio_reopen_devices(struct sandbox_stdio *s, int dev_fd,
				 const char **ret_step);
/* Give each caller's fd the offset its replacement ended at. */
void sandbox_stdio_carry_offsets(struct sandbox_stdio *s);

/* ---- trace.c ---- */

struct sandbox_tracer;

/* The PATH candidates the command skipped without executing them, because
 * an untraced lookup before its filter was loaded found them absent (setup.c,
 * probe_path): absolute paths, each ended by a NUL, in the order tried.
 * Filled by the command in memory it shares with pid 1 (it must not
 * allocate), read by pid 1's tracer thread after the command's set-up
 * message. A candidate that does not fit is not skipped. */
struct sandbox_exec_probe {
	size_t len;
	char paths[8192];
};

int sandbox_tracer_new(int notify_fd, struct sandbox_tracer **ret);
/* The same in two steps: everything but the listener (its memory
 * allocated and written, so that a tracer made ahead of its command
 * takes no page fault of its own there on the command's path), then the
 * listener, which the tracer uses from then on (it does not close it). */
int sandbox_tracer_alloc(struct sandbox_tracer **ret);
void sandbox_tracer_attach(struct sandbox_tracer *t, int notify_fd);
/* Named pipes under path (absolute, in the sandbox) are the host's as seen
 * through lower_fd, an O_PATH fd of the host's directory below the overlay
 * mounted at path: an open of a FIFO there binds the host's FIFO over the
 * overlay's before the call goes on, so that the command meets the
 * processes outside (and other sandboxes) using it. The tracer takes
 * lower_fd over. At most two (the workspace, /tmp); -ENOSPC past that. */
int sandbox_tracer_add_lower(struct sandbox_tracer *t, const char *path, int lower_fd);
/* Record each path of probe (len bytes) as a traced execve of it would
 * have been, before the first notification is accounted (the lookups
 * need the sandbox's root, opened from that notification): the same
 * lookup and the same kinds, so the record does not depend on whether the
 * command tried those candidates itself. The command's execve of the
 * candidate it found is traced, so that notification always comes; if
 * none does, the trace is marked lost. 0 or -ENOMEM. */
int sandbox_tracer_skipped_execs(struct sandbox_tracer *t, const char *paths, size_t len);
/* The command's stdin is ctty, a terminal that is also the caller's (and
 * pid 1's) controlling terminal, and the filter is the tty_in variant: an
 * open of "/dev/tty" by a process whose controlling terminal it is, is
 * then made by the tracer, which puts the fd among SANDBOX_TTY_FD_BASE's
 * and counts only its uses as using the terminal (trace.c,
 * open_dev_tty). 0 (the default): such opens go on as any other, and
 * count as a use. */
void sandbox_tracer_watch_terminal(struct sandbox_tracer *t, dev_t ctty);
/* Receive (blocking) and answer one notification. Returns 0, 1 when no
 * process is left under the filter (nothing more will come), or -errno.
 * Meant to be called in a loop by a dedicated thread. */
int sandbox_tracer_handle(struct sandbox_tracer *t);
/* Move the accumulated accesses and counters into result. From then on the
 * tracer records nothing more (other threads may still answer). */
int sandbox_tracer_finish(struct sandbox_tracer *t, struct sandbox_result *r);
void sandbox_tracer_free(struct sandbox_tracer *t);

/* ---- result.c ---- */

/* Serialize r into a malloc'd buffer. */
int sandbox_result_encode(const struct sandbox_result *r, void **ret_data,
			  size_t *ret_size);

/* ---- util ---- */

/* Write all of buf; retries on EINTR and short writes. 0 or -errno. */
int sandbox_write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes; 0, -EIO on early EOF, or -errno. */
int sandbox_read_all(int fd, void *buf, size_t len);
/* One message of len bytes on a SOCK_SEQPACKET socket, with fd beside it
 * as SCM_RIGHTS when fd >= 0; retries on EINTR, never raises SIGPIPE.
 * 0, -EIO when it went short, or -errno. */
int sandbox_send_fd(int sock, const void *msg, size_t len, int fd);

#endif
