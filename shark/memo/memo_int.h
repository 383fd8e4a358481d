/* memo_int.h - what the memo engine's files share; not for the rest of the
 * shell, which uses memo.h. */
#ifndef SHARK_MEMO_INT_H
#define SHARK_MEMO_INT_H

#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"
#include "shark/memo/memo.h"
#include "store/store.h"

struct memo {
	struct memo_options opt;
	char *workspace;	/* realpath of the workspace root */
	store *st;		/* opened lazily, by st_pid */
	pid_t st_pid;
	pid_t st_failed_pid;	/* the store could not be opened in this pid */
	bool warned;		/* the "running uncached" warning was given */
	bool tmp_private_told;	/* the private /tmp was said (finish_stage) */
	char *store_dir;	/* the store's directory, once known */
	bool recorded;		/* this process recorded a trace (auto gc) */
	bool commit_later;	/* memo_commit_later: leave a run's batch open */
	bool commit_pending;	/* the last run's record batch is still open
				   in st: committed once the next run has
				   started, or by memo_flush, memo_free or
				   exit (memo_commit_pending) */
	pid_t commit_pending_pid;	/* ... in this process's st (a forked
					   child's copy of the flag is not its own) */
	int8_t submount;	/* a mount beneath the workspace: 0 not looked
				   yet, -1 none, 1 at submount_path */
	char *submount_path;
	char **reasons;		/* "not recorded" texts naming a path: they
				   live as long as the memo */
	size_t n_reasons;
	const char *output_dirs;	/* SHARK_OUTPUT_DIRS of the stage being
					   looked up (its environment), or NULL */
	char *const *mkdir_dirs;	/* the operands of a stage that is the
					   system's `mkdir -p`, or NULL */
	const char *mkdir_cwd;		/* ... relative to this directory */
	/* the shared cache (remote.c) */
	struct store_remote *remote;	/* this process's client, by remote_pid */
	pid_t remote_pid;
	pid_t remote_failed_pid;	/* no client could be made in this pid */
	bool remote_warned;		/* the one warning about the server */
	struct store_remote_item *upq;	/* recorded in this pipeline: to upload */
	size_t n_upq, cap_upq;
	/* files read by a recorded run and found not to name the workspace
	 * root (reloc.c), by identity: a script's commands share most */
	struct memo_clean_file *clean;
	size_t n_clean;
	/* contents (by hash) this process read whole and found not to name
	 * the workspace (reloc.c): an input with one of these hashes is not
	 * looked at again */
	store_hash *clean_hashes;
	size_t n_clean_hashes;
	/* ... read from the store's clean/ file for this workspace (once per
	 * process), and how many entries that file holds (reloc.c) */
	bool clean_loaded;
	size_t clean_on_disk;
	unsigned long clean_added; /* entries remembered so far (full: in place) */
	/* the base of the run scratch directories and its realpath (memo.c,
	 * memo_make_scratch) */
	char *scratch_base, *scratch_base_real;
};

struct memo_stdin {
	int kind;
	store_hash hash;
	uint64_t offset;
	/* how many bytes the run read of a FILE or SPOOLED stdin (how far it
	 * moved the offset): recorded in the key info, so a hit leaves the
	 * caller's stdin where a real run would; never part of the key */
	uint64_t used;
	/* a FILE stdin's path, relative to the workspace when inside it ("" when
	 * unknown): recorded in the key info for `why` and `lineage`, never
	 * part of the key */
	char path[PATH_MAX];
};

struct memo_keyspec {
	const char *workspace;
	const char *cwd;
	char *const *argv;
	char *const *envp;
	struct memo_stdin in;
	unsigned ttys;		/* bit i: fd i is a terminal; bit 3: stdin's is the
				 * controlling terminal */
	unsigned grants;	/* MEMO_NETWORK */
	bool merged;		/* stdout and stderr are one open file: one
				 * interleaved stream, recorded as stdout */
	const char *bound;	/* a location-bound run: its workspace root,
				 * recorded in the key info (never the key) */
	unsigned umask;		/* the file mode creation mask the command
				 * gets: it decides the modes of the files it
				 * creates, which a replay reproduces */
	uint64_t sigign;	/* bit n-1: signal n is ignored; the command
				 * inherits it (`trap '' PIPE; yes | head`
				 * ends otherwise) */
	uint64_t stack_cur;	/* RLIMIT_STACK, soft and hard, which the
				 * command inherits: every program reads it
				 * at start-up, so it is keyed rather than
				 * traced (the other limits are inputs when
				 * read: docs/memo.md, "Process attributes") */
	uint64_t stack_max;
};

/* run.c */
/* memo_run_limits - the limits given to a run's plan (sandbox defaults,
 * SHARK_MAX_PROCS and the like); a value that does not parse is left at
 * its default (such a stage does not run). */
void memo_run_limits(struct sandbox_limits *l);
/* memo.c: memo_tmp_scratch_path - the directory shark-scratch.UID under
 * top (NULL: $TMPDIR, else /tmp) where runs keep their scratch dirs when
 * the store's scratch area cannot be used; -ENAMETOOLONG. */
int memo_tmp_scratch_path(const char *top, char *buf, size_t size);
/* memo_ignored_signals - the signals this process ignores, which a
 * command it starts inherits. Never cached: a trap or a subshell changes
 * them. */
void memo_ignored_signals(sigset_t *ret);
/* memo_sigset_bits - set's signals 1-64 as bits (bit n-1: signal n). */
uint64_t memo_sigset_bits(const sigset_t *set);

/* key.c */
bool memo_env_is_volatile(const char *entry);
/* memo_env_get - NAME's value in a NULL-terminated environment (a stage's
 * envp: what the command gets, not shark's own), or NULL. */
const char *memo_env_get(char *const *envp, const char *name);
/* memo_stdin_identity - how fd is known in a key. When it is a finished
 * pipe, its content is moved into a memory file returned in *ret_fd (the
 * stage must read that instead; the caller closes it), else *ret_fd = -1. */
int memo_stdin_identity(struct memo *m, int fd, struct memo_stdin *ret, int *ret_fd);
/* memo_stdin_wait - the identity of a pipe from a stage of the shell's own
 * pipeline (MEMO_WAIT_STDIN): read it to its end, waiting at most
 * MEMO_WAIT_MS and taking at most MEMO_WAIT_MAX bytes. When it ended, its
 * content is in a memory file (*ret_fd) and *ret is SPOOLED with its hash.
 * Otherwise *ret is STREAM, *ret_fd a new pipe that gives what was read
 * and then the rest (a child process copies it), and *ret_hash_fd where the
 * hash of all it copied arrives once it reached the end (memo_stdin_relayed;
 * the caller closes it). Errors: -errno, with nothing read (the caller then
 * falls back to memo_stdin_identity). */
int memo_stdin_wait(int fd, struct memo_stdin *ret, int *ret_fd, int *ret_hash_fd);
/* memo_stdin_relayed - the hash of everything a relay of memo_stdin_wait
 * delivered, read from its hash_fd, once the command reading it has ended
 * and the caller closed its own copy of the relay's pipe (waits at most
 * 200 ms for the relay to finish). -EPIPE when it did not deliver to the
 * end (its reader left early, the producer goes on, or a failure). */
int memo_stdin_relayed(int hash_fd, store_hash *ret);
int memo_action_key(const struct memo_keyspec *k, store_hash *ret);
int memo_key_info(const struct memo_keyspec *k, const store_hash *key, char **ret,
		  size_t *ret_len);
/* memo_trace_has_key - whether t was recorded under key (its key info
 * names it): a trace listed under another key is never served. */
bool memo_trace_has_key(const struct store_trace *t, const store_hash *key);

/* reloc.c */
/* memo_rel_of - how a trace records absolute path p: inside ws relative to
 * it ("." for ws itself), else p. Points into p (or at "."). */
const char *memo_rel_of(const char *ws, const char *p);
/* memo_value_encode - an argv word, environment entry or cwd as the key
 * and the key info hold it: each occurrence of the root ws that stands
 * alone as a path (at the start or after a separator such as ':' or '=',
 * followed by '/', a separator or the end) as "\\w", a backslash as
 * "\\\\", a newline as "\\n". malloc'ed; NULL when out of memory. */
char *memo_value_encode(const char *ws, const char *v);
/* memo_location_bound - why a finished run t (its inputs recorded, fx[i]
 * the pinned content of FILE effect i) must be served only at this
 * workspace's location, or NULL when it is relocatable. out_scanned and
 * err_scanned are the relay's answers for its stdout and stderr
 * (memo_bound_scan_end: 1 names it, 0 does not, -1 unknown: the blob is
 * read back from m's store). Reads its file inputs from the workspace. */
const char *memo_location_bound(struct memo *m, const struct store_trace *t, const int *fx,
				int out_scanned, int err_scanned);
/* memo_bound_scan - the location-bound test of a stream (an output as the
 * relay passes it on, a file read in chunks): whether it holds the
 * workspace's root, or (unless root_only) its last component as a whole
 * word, exactly as if the whole stream were searched at once. Fed in
 * chunks of any size; holds the last bytes of the stream across a seam.
 * Off (every answer -1) for a workspace that is not relocatable or when
 * out of memory. _init keeps a pointer to ws (which must outlive it);
 * _free releases it (safe to call twice; _init first). */
struct memo_bound_scan {
	const char *needles[2];
	size_t len[2];
	bool word[2];
	size_t k, longest;
	uint64_t seen;		/* bytes fed */
	bool on, found;
	char *win;		/* the last longest + 1 bytes, then the seam */
	size_t carry_len;
};
void memo_bound_scan_init(struct memo_bound_scan *s, const char *ws, bool root_only);
void memo_bound_scan_feed(struct memo_bound_scan *s, const char *buf, size_t n);
/* memo_bound_scan_end - the answer for a stream of size bytes: 1 it names
 * the workspace, 0 it does not, -1 unknown (off, or the bytes fed were not
 * size). Call once, after the last feed. */
int memo_bound_scan_end(struct memo_bound_scan *s, uint64_t size);
void memo_bound_scan_free(struct memo_bound_scan *s);
/* memo_trace_served_here - false when t is location-bound to a root other
 * than ws (its key info's "bound=" line). */
bool memo_trace_served_here(const struct store_trace *t, const char *ws);

/* memo_trace_stdin_used - how many bytes of its FILE or SPOOLED stdin the
 * run of t read (its key info's stdin_used line). -ENOENT when t does not
 * say (recorded before this was kept: such a trace cannot serve a hit on
 * such a stdin), -ERANGE. */
int memo_trace_stdin_used(const struct store_trace *t, uint64_t *ret);

/* memo_declared_output_dir - whether absolute path is a folder the stage
 * being looked up declares as its output in SHARK_OUTPUT_DIRS (memo.c). */
bool memo_declared_output_dir(const struct memo *m, const char *path);
/* memo_mkdir_parents_operands - when argv is the system's `mkdir -p DIR...`
 * (found through envp's PATH, no option but -p), its first operand; else
 * NULL. */
char *const *memo_mkdir_parents_operands(char *const *argv, char *const *envp);

/* memo.c */
void memo_warn(struct memo *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
store *memo_store(struct memo *m);

/* host.c: run one MEMO_HOST stage unsandboxed and put it in the history. */
int memo_run_host(struct memo *m, const char *cwd, const struct memo_stage *s, int fd_in,
		  int fd_out, int *ret_status);
/* The same, with the history's reason given (shark's own program). */
int memo_run_host_because(struct memo *m, const char *cwd, const struct memo_stage *s,
			  int fd_in, int fd_out, const char *reason, int *ret_status);
void memo_store_failed(struct memo *m, const char *what, int err);
int memo_lookup(struct memo *m, const store_hash *key, struct store_trace **ret_trace,
		store_hash *ret_id);
/* memo_lookup_filtered - memo_lookup, taking only traces accept(txn, t,
 * ctx) says yes to (NULL: all); accept may read the index through txn. */
typedef bool memo_trace_filter(store_txn *txn, const struct store_trace *t, void *ctx);
int memo_lookup_filtered(struct memo *m, const store_hash *key, memo_trace_filter *accept,
			 void *ctx, struct store_trace **ret_trace, store_hash *ret_id);
/* Blobs pinned open for a replay (fx[i]: content of FILE effect i, -1
 * otherwise). */
struct memo_pins {
	int out, err;
	int *fx;
	size_t n_fx;
};
int memo_pins_open(struct memo *m, const struct store_trace *t, struct memo_pins *p);
void memo_pins_close(struct memo_pins *p);
int memo_replay_effects(struct memo *m, const struct store_trace *t, const int *fx);
/* memo_effect_in_tmp - whether a recorded effect's path is under /tmp
 * ("/tmp/..."; workspace effects are relative). */
bool memo_effect_in_tmp(const char *path);
/* memo_apply_tmp_effects - apply a run's /tmp effects (scanned against
 * "/tmp") to the host's /tmp, never replacing nor removing an entry that
 * is not the caller's. Refusals are reported; 0 or the last error. */
int memo_apply_tmp_effects(struct memo *m, const sandbox_effects *fx);

/* memo.c: memo_effects_in_store - the path of the first of a run's
 * workspace (fx) or /tmp (tfx) effects that would land inside a shark
 * store (*ret_tmp: a /tmp one), or NULL: such a run is not recorded. */
const char *memo_effects_in_store(const struct memo *m, const sandbox_effects *fx,
				  const sandbox_effects *tfx, bool *ret_tmp);
struct memo_procattrs;
/* pa: the attribute values the run started with (NULL: now) */
int memo_inputs_from_accesses(struct memo *m, const struct sandbox_result *res,
			      const char *scratch, const struct memo_procattrs *pa,
			      struct store_input **ret_inputs,
			      size_t *ret_n, const char **ret_reason);
void memo_inputs_free(struct store_input *in, size_t n);
int memo_make_scratch(struct memo *m, char **ret, int *ret_hold);

/* scratch.c: this process's recycled scratch dirs. memo_scratch_pool_take
 * - a skeleton ready in base_real (a canonical path): 1 with *ret (to
 * free) and *ret_hold (its hold, to close) set, or 0. memo_scratch_recycle
 * - hand a finished run's dir (held by *hold, which is taken: set to -1)
 * to the library to be emptied back to a skeleton once pid1 (0: reaped
 * already) has exited; false when it was not taken (the pool is full, the
 * hold is not the dir's): the caller removes the dir as before. */
int memo_scratch_pool_take(const char *base_real, char **ret, int *ret_hold);
bool memo_scratch_recycle(const char *dir, int *hold, pid_t pid1);

/* memo_trace_verify - whether every input of t (a trace not from the
 * index: fetched from the shared cache) matches now, checked exactly as a
 * lookup checks a local trace: 1, 0, or a negative store error. */
int memo_trace_verify(struct memo *m, const struct store_trace *t);

/* remote.c: the shared cache's policy (docs/remote.md). */
/* memo_remote_fetch - on a local miss of key: look the key up on the
 * server, take the first trace recorded under key whose inputs verify
 * here, bring it and its blobs into the store (after its own traces). 1
 * when one was brought (the caller looks the key up again), else 0; a
 * failing server is noted, left alone for a while, and warned about once. */
int memo_remote_fetch(struct memo *m, const store_hash *key);
/* memo_remote_note_record - a trace recorded in this pipeline, to upload
 * once the pipeline's commit is done (memo_remote_after_pipeline: the
 * durable queue, then a detached uploader). */
void memo_remote_note_record(struct memo *m, const store_hash *key, const store_hash *trace_id);
void memo_remote_after_pipeline(struct memo *m);

/* live.c */
#define MEMO_LIVE_REASON "it is a live command (date, sleep, ps, ... or SHARK_LIVE): never " \
			 "looked up nor recorded"
/* memo_command_is_live - whether argv names a live command: the built-in
 * table (docs/memo.md) or an entry of SHARK_LIVE in envp. */
bool memo_command_is_live(char *const *argv, char *const *envp);
/* memo_command_is_self - whether argv[0] (found in envp's PATH) is the
 * running shark program itself. */
bool memo_command_is_self(char *const *argv, char *const *envp);
/* memo_host_view_ok - whether live runs can be given the host's view
 * (sandbox_host_view_available, asked once per process). */
bool memo_host_view_ok(void);
/* procattr.c */
/* The process attributes a command inherits, as read at one moment:
 * every resource limit (but the stack's, keyed; NPROC and AS as the plan
 * sets them), the nice value, the CPU set, the scheduling policy with its
 * parameters (sched[]: policy, flags, priority, runtime, deadline,
 * period, util_min, util_max) and the I/O priority. */
struct memo_procattrs {
	unsigned failed; /* SANDBOX_ATTR_* bits that could not be read */
	struct rlimit rl[SANDBOX_ATTR_N_RLIMITS];
	int nice, ioprio;
	cpu_set_t cpus;
	uint64_t sched[8];
	unsigned short rows, cols; /* the terminal's window, when one is open */
};
/* memo_ulimit_plan - the limits `ulimit` set for commands that differ
 * from this process's own, into plan (sandbox_plan_set_rlimit). */
int memo_ulimit_plan(sandbox_plan *plan);

/* memo_fsize_room - how many of n bytes a command may write to fd under
 * the commands' file size limit (`ulimit -f`): n, or fewer when fd is a
 * regular file that n bytes at its offset (its end, O_APPEND) would take
 * past the limit, with *over set (the kernel would have failed the write
 * there and sent the command SIGXFSZ). The engine writes a command's
 * stdout and stderr for it (run.c) and replays hits (pipeline.c). */
uint64_t memo_fsize_room(int fd, uint64_t n, bool *over);
/* memo_fsize_limit - the commands' file size soft limit, in bytes
 * (RLIM_INFINITY: none), without a system call */
uint64_t memo_fsize_limit(void);

/* memo_procattrs_now - every attribute's value now (before a pipeline's
 * stages start: what its commands start with; the record hashes these). */
void memo_procattrs_now(struct memo_procattrs *pa);
/* memo_process_attr_name - the input name of one SANDBOX_ATTR_* bit
 * ("rlimit/nofile", "nice", "affinity", "sched", "ioprio") into buf.
 * -ENOENT for a bit with no input (RLIMIT_STACK: keyed), -ENAMETOOLONG. */
int memo_process_attr_name(unsigned bit, char *buf, size_t size);
/* memo_proc_file_attrs - the SANDBOX_ATTR_* bits reading path observes:
 * /proc/{self,thread-self,PID}[/task/TID]/ limits (every limit), stat
 * (nice, RSS limit, policy), status (CPU set, SIGPENDING limit), sched
 * (nice, policy). */
unsigned memo_proc_file_attrs(const char *path);
/* memo_process_attr_hash - the hash of the attribute called name's value
 * in pa, or this process's current value when pa is NULL (the same text
 * either way). -ENOENT for an unknown name, -EIO when it could not be
 * read. */
int memo_process_attr_hash(const char *name, const struct memo_procattrs *pa, store_hash *ret);

/* memo_path_is_live - whether path (in the sandbox) is a file of live
 * machine state (/proc/loadavg, sensors...): a run that read it is not
 * recorded. */
bool memo_path_is_live(const char *path);

/* cache.c */
/* memo_cache_dir - the user's cache directory ($XDG_CACHE_HOME, else
 * ~/.cache; made when missing), realpath'ed, to give commands as a
 * private writable layer; NULL when there is none, or when it and the
 * workspace overlap (then writes there are workspace effects). */
const char *memo_cache_dir(const struct memo *m);
/* memo_tmpdir_grant - $TMPDIR (from shark's environment) when it is an
 * existing directory of the user's outside /tmp and the workspace: bound
 * writable into every sandbox like a SHARK_WRITABLE grant; else NULL. */
const char *memo_tmpdir_grant(const struct memo *m);

/* workspace.c */
/* memo_workspace_project_root - the nearest directory from start (a
 * realpath) up that looks like a project's root (docs/memo.md), never the
 * home directory, "/" or a directory others may write: 1 and *ret
 * (malloc'ed), 0 when there is none, -ENOMEM. */
int memo_workspace_project_root(const char *start, char **ret);

/* hints.c */
/* memo_hints_after_run - when notices are on and the run failed, one line
 * on the notice channel if the trace shows a write refused for being
 * outside the workspace, or a network lookup without the network. */
void memo_hints_after_run(const struct memo *m, const struct memo_stage *s,
			  const struct sandbox_result *res, const char *scratch);

/* autogc.c */
/* memo_fork_detached - fork a process detached from this one (a session of
 * its own, a child of init): true in it, false in the caller once the
 * intermediate child has exited (or the fork failed). */
bool memo_fork_detached(void);
/* memo_auto_gc - after a recording, start a detached gc when the store is
 * over $SHARK_STORE_LIMIT (at most once an hour per store). */
void memo_auto_gc(struct memo *m);

/* keep.c: which intermediate outputs are stored (docs/memo.md). */
enum memo_keep {
	MEMO_KEEP_AUTO,		/* the cost rule (default) */
	MEMO_KEEP_ALL,		/* every output stored, as before */
	MEMO_KEEP_NONE,		/* every intermediate by hash only */
};
/* Outputs up to this size are always kept under the rule. */
#define MEMO_KEEP_SMALL ((uint64_t)1 << 20)
/* What storing a byte costs (written, synced, read back), in ns. */
#define MEMO_KEEP_NS_PER_BYTE 3u
/* memo_keep_policy - SHARK_KEEP_INTERMEDIATES in a stage's environment:
 * all, none, else auto. */
enum memo_keep memo_keep_policy(char *const *envp);
/* memo_keep_stop_early - whether to stop storing an intermediate output
 * while it streams: size bytes so far, elapsed_ns since the stage
 * started. Once stopped, it is recorded by hash only. */
bool memo_keep_stop_early(enum memo_keep k, uint64_t size, uint64_t elapsed_ns);
/* memo_keep_output - the rule, once the stage ended: whether an
 * intermediate output of size bytes, from a stage that took wall_ns and
 * cpu_ns (user + system), is kept (true) or recorded by hash only. */
bool memo_keep_output(enum memo_keep k, uint64_t size, uint64_t wall_ns, uint64_t cpu_ns);

/* ---- one pipeline, from plan to record (pipeline.c, run.c) ---- */

/* Where a stage's stdin comes from: decided once per pipeline, when it is
 * planned (pipeline.c), then used by the lookup and by the runner. */
enum memo_in_source {
	MEMO_IN_OUTSIDE = 1,	/* an fd from outside the pipeline: the
				 * pipeline's stdin (first stage) or the
				 * stage's own redirection */
	MEMO_IN_EMPTY,		/* the previous stage writes elsewhere: an
				 * empty pipe */
	MEMO_IN_PREVIOUS,	/* the previous stage's stdout */
};

/* One stage of a pipeline as the engine sees it, from plan to record. */
struct memo_pstage {
	const struct memo_stage *s;
	size_t idx;
	enum memo_in_source in_src;
	/* Everything its action key is computed from. key.in is known from the
	 * plan for OUTSIDE (the fd's identity) and EMPTY stages; for a
	 * PREVIOUS stage it is the upstream's stdout hash, known when the
	 * upstream hit (pipeline.c) or once it ran (run.c). */
	struct memo_keyspec key;
	int in_fd;		/* what it reads, when not a pipe from the
				 * previous running stage: the given fd, a
				 * spooled copy, or the store's copy of a hit
				 * upstream's output; -1 otherwise */
	int in_owned;		/* in_fd when the engine opened it: closed at
				 * the end; else -1 */
	int in_hash_fd;		/* a relayed stdin's hash, once the relay is
				 * done (memo_stdin_wait), or -1 */
	int in_caller;		/* an OUTSIDE stage's fd as the caller gave it
				 * (before a finished pipe was spooled); -1
				 * otherwise */
	int out_dest;		/* where its stdout leaves the pipeline (the
				 * last stage, or a redirection), or -1 when
				 * it feeds the next stage */
	const char *in_reason;	/* why a STREAM stdin is not known (the
				 * reason it is not recorded) */
	bool live;		/* a live command (live.c): run with the
				 * host's view, never looked up nor recorded */
	const struct memo_procattrs *procattrs; /* the pipeline's, read before
						  * its stages start (run.c) */
	/* the lookup (pipeline.c) */
	store_hash action_key;
	struct store_trace *hit;	/* a verified trace, or NULL */
	store_hash hit_id;
	struct memo_pins pins;	/* its blobs, pinned for the replay */
	bool remote;		/* the hit was fetched from the shared cache */
	/* It hit, but its output was recorded by hash only and the next stage
	 * missed and reads it: run again to regenerate it (pipeline.c); the
	 * hash and size it had, to tell a nondeterministic command (run.c). */
	bool regen;
	store_hash regen_hash;
	uint64_t regen_size;
};

struct memo_pipeline {
	struct memo *m;
	const char *cwd;
	struct memo_pstage *st;	/* [n] */
	size_t n;
	struct memo_procattrs procattrs; /* what its commands inherit, read
					  * before they start: a record
					  * hashes these */
	size_t first_miss;	/* stages before it hit; it and the rest run */
	int *status;		/* [n] each stage's shell status */
};

/* run.c */
/* memo_run_stages - run p's stages from p->first_miss on, each in its own
 * sandbox with the engine relaying every pipe, record each that may be,
 * apply their effects, and set their statuses. 0, -1 when a sandbox could
 * not start, or a negative errno when the pipeline could not be set up
 * (already reported). */
int memo_run_stages(struct memo_pipeline *p);


#endif
