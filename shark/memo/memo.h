/* memo.h - the memo engine: the one place where the store and the sandbox
 * meet.
 *
 * Every external command the shell runs comes here (through external.c).
 * For each pipeline stage the engine computes an action key (argv, cwd,
 * exported environment minus a few volatile variables, stdin identity,
 * which of fds 0-2 are terminals, grants, format version), looks up the
 * traces recorded under it, and verifies their inputs against the
 * filesystem. A verified trace is a hit: its stdout and stderr are replayed
 * from the store, its file effects applied to the workspace, its exit status
 * returned. Otherwise the stage runs in the sandbox, its output is teed into
 * the store while it streams on, and, when the run is recordable, its trace
 * is committed. docs/memo.md describes the semantics.
 *
 * The engine talks to the user only through the warning/notice callback
 * given in the options; it never exits.
 */
#ifndef SHARK_MEMO_H
#define SHARK_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memo;

/* Formats the engine's messages (one line, no newline) for the shell. */
typedef void memo_message_fn(void *ctx, const char *line);
typedef void memo_hit_fn(void *ctx, uint64_t saved_ns, bool mid_line, bool remote);

struct memo_options {
	const char *store_path;	/* NULL: $SHARK_STORE or the XDG default */
	const char *workspace;	/* NULL: $SHARK_WORKSPACE, else the git top-level
				 * containing the cwd, else the cwd */
	bool workspace_real;	/* workspace is canonical already (as
				 * memo_workspace_find returns it): not
				 * resolved again */
	/* SHARK_WRITABLE: host paths (absolute, realpath'ed, NULL-terminated;
	 * may be NULL) bound writable into every sandbox. A run that wrote
	 * beneath one is not recorded. The caller keeps them alive. */
	char *const *writable;
	bool force;		/* shark -f: recompute and re-record everything */
	bool notices;		/* one "cached" notice per hit on stderr */
	bool record_failures;	/* also record runs that exit 1-125 (statuses
				 * over 125 and signals never are) */
	uint64_t max_output;	/* per stdout/stderr blob; 0 = 1 GiB */
	memo_message_fn *message;	/* warnings; may be NULL */
	/* The "cached" notices (shark's own news, not a command's output:
	 * the shell sends them where a command's redirections cannot catch
	 * them); NULL: through message. Both get message_ctx. */
	memo_message_fn *notice;
	/* When set, a hit of a whole pipeline calls it instead of writing its
	 * notice (the shell then words it, or adds it to one summary line for
	 * a loop): the time it saved, whether what it replayed last onto a
	 * terminal ended mid-line, and whether it came from the shared cache.
	 * Gets message_ctx. */
	memo_hit_fn *hit;
	void *message_ctx;
};

/* memo_new - an engine for a shell whose working directory is cwd. Nothing
 * is opened yet: the store is opened on first use, in the process that uses
 * it (never across fork). Errors: -ENOMEM, -errno from resolving the
 * workspace. */
int memo_new(const struct memo_options *opts, const char *cwd, struct memo **ret);

/* memo_free - free the engine and close its store. NULL-safe. */
void memo_free(struct memo *m);

/* memo_workspace_find - the workspace root for a shell started in cwd:
 * $SHARK_WORKSPACE when set, else the git top-level containing cwd, else
 * cwd itself; realpath'ed, malloc'ed into *ret. Errors: -errno. */
int memo_workspace_find(const char *cwd, char **ret);

/* How a stage's stdin is identified in its key. */
enum memo_stdin_kind {
	MEMO_STDIN_NONE = 1,	/* closed or /dev/null */
	MEMO_STDIN_TTY = 2,	/* a terminal */
	MEMO_STDIN_FILE = 3,	/* a regular file: content hash + offset */
	MEMO_STDIN_STREAM = 4,	/* a pipe from outside the pipeline: unknown */
	MEMO_STDIN_UPSTREAM = 5, /* the previous stage's output: its hash */
	MEMO_STDIN_SPOOLED = 6,	/* a finished pipe, read into memory: its hash */
	MEMO_STDIN_UPSTREAM_CUT = 7, /* the previous stage's output, which the
				      * engine cut off (SIGPIPE) after this
				      * stage left: the hash of all it wrote,
				      * a stream that did not end there */
};

/* What a trace's action key was computed from, parsed from the "key info"
 * text the engine records with every trace (store_trace.key_info). The
 * engine alone knows that text's format; the CLI (`shark why`, `shark
 * lineage`) reads it through this. Every string is owned by the struct. */
struct memo_key_info {
	char *key;		/* the action key in hex; NULL if not recorded */
	char *format;		/* the memo format version; NULL if absent */
	char *bound;		/* a location-bound run: the workspace root it was
				 * recorded at, where alone it is served; NULL
				 * for a relocatable one */
	char *cwd;		/* NULL if absent; like argv and env, with the
				 * recorded workspace root re-rooted (see
				 * memo_key_info_parse_at) */
	char **argv;		/* [argc + 1], NULL-terminated */
	size_t argc;
	char **env;		/* [n_env + 1] "NAME=value" (volatile ones left out) */
	size_t n_env;
	int stdin_kind;		/* enum memo_stdin_kind; 0 if absent */
	char *stdin_desc;	/* "KIND:HASH:OFFSET" as recorded; NULL if absent */
	char *stdin_path;	/* a file stdin's path, relative to the workspace
				 * when inside it; NULL if unknown (not part of
				 * the key, so not in fields) */
	unsigned ttys;		/* bit i: fd i was a terminal; bit 3: stdin's was the
				 * controlling terminal */
	unsigned grants;	/* MEMO_NETWORK */
	/* every recorded line but the key's, as "name=value", in recorded
	 * order (escapes as recorded, the workspace root re-rooted): what
	 * tells two keys of the same command apart */
	char **fields;		/* [n_fields + 1], NULL-terminated */
	size_t n_fields;
};

struct rlimit;
/* The resource limits of the commands this process runs (`ulimit`),
 * kept apart from its own: a lowered limit binds each command it starts
 * (set in the command's sandbox before its exec, procattr.c), never the
 * shell's own store, scratch and sandbox work. A forked copy (a
 * subshell) inherits them as a child inherits limits. */

/* memo_ulimit_init - at start-up (before the environment is imported):
 * the limits a parent shark passed (memo_ulimit_exec_env); a file size
 * or open files soft limit inherited below its hard one stays the
 * commands' while the shell's own work gets the hard one; under a finite
 * file size limit of its own the shell ignores SIGXFSZ for good (a store
 * write that fails is not recorded, never the shell's death), whatever
 * `trap` says later; its commands still get it at the user's disposition
 * (memo_ulimit_xfsz_user). */
void memo_ulimit_init(void);

/* memo_ulimit_exec_env - for a child about to exec a new shark (a script
 * without `#!`): the commands' limits as an environment entry (malloc'd;
 * NULL when none were set) its memo_ulimit_init takes them from, the
 * shell's own staying its own; SIGXFSZ back at the user's disposition. */
char *memo_ulimit_exec_env(void);

/* memo_ulimit_xfsz_own - whether memo_ulimit_init ignored SIGXFSZ for
 * the shell's own sake: the kernel's disposition is then not the user's,
 * which memo_ulimit_xfsz_user keeps (the trap code acts on the rest). */
bool memo_ulimit_xfsz_own(void);

/* memo_ulimit_xfsz_user - with memo_ulimit_xfsz_own: the user's
 * disposition of SIGXFSZ for the commands, ignored (`trap "" XFSZ`) or
 * not (the default, or a trap with an action, which a command gets back
 * at its default). memo_ulimit_xfsz_user_ignored returns it. */
void memo_ulimit_xfsz_user(bool ignored);
bool memo_ulimit_xfsz_user_ignored(void);

/* memo_ulimit_fsize_room - how many of n bytes this shell's own
 * builtins may write to fd under the commands' file size limit (the
 * shell's own `printf > f` is bound by `ulimit -f` in sh), *over set
 * when that is fewer: as memo_fsize_room. */
size_t memo_ulimit_fsize_room(int fd, size_t n, bool *over);

/* memo_ulimit_get - resource's value for a command (RLIMIT_* number
 * below 16): the one set, or this process's own. 0 or -errno. */
int memo_ulimit_get(int resource, struct rlimit *ret);

/* memo_ulimit_set - set it, with the kernel's rules: soft above hard
 * -EINVAL; a hard value above the one in force -EPERM without
 * CAP_SYS_RESOURCE; a value above this process's own raises its own
 * (the kernel's check, -EPERM: over fs.nr_open). 0 or -errno. */
int memo_ulimit_set(int resource, const struct rlimit *rl);

/* memo_ulimit_apply_self - make the limits set this process's own, and
 * SIGXFSZ the user's disposition if memo_ulimit_init ignored it (in a
 * child before it execs anything but through the sandbox). */
void memo_ulimit_apply_self(void);

struct store_input;
/* memo_process_attr_matches - whether a STORE_INPUT_PROCESS input (a
 * process attribute: "rlimit/nofile", "nice", "affinity") holds now: this
 * process's value, which a command it starts inherits, hashes as the
 * recorded one (procattr.c). */
bool memo_process_attr_matches(const struct store_input *in);

/* memo_key_info_parse - parse len bytes of key info text (NULL or empty:
 * every field absent). Unknown lines are kept in fields only. The
 * workspace root a value named when recorded (recorded as a token, so that
 * a copy of the workspace elsewhere hits) is given back as the workspace
 * of the current directory. Errors: -ENOMEM. Free *ret with
 * memo_key_info_free. */
int memo_key_info_parse(const char *text, size_t len, struct memo_key_info **ret);

/* memo_key_info_parse_at - memo_key_info_parse, re-rooting recorded
 * values at root ("" leaves a workspace-relative value relative). */
int memo_key_info_parse_at(const char *text, size_t len, const char *root,
			   struct memo_key_info **ret);

/* memo_path_resolve - a path as a trace records it (an input's, inside the
 * workspace relative to its root, "." for the root itself; outside it
 * absolute) made absolute under the workspace root ws, into buf.
 * Errors: -ENAMETOOLONG. */
int memo_path_resolve(const char *ws, const char *rec, char *buf, size_t size);

/* memo_key_info_free - NULL-safe. */
void memo_key_info_free(struct memo_key_info *ki);

enum memo_stage_flags {
	MEMO_FORCE = 1u << 0,	 /* recompute and re-record this stage */
	MEMO_UNCACHED = 1u << 1, /* run sandboxed, neither look up nor record */
	MEMO_NETWORK = 1u << 2,	 /* grant the host network (never recorded) */
	MEMO_WAIT_STDIN = 1u << 3, /* the pipeline's stdin is a pipe from a stage
				    * of the shell's own pipeline and this is its
				    * last reader: wait (bounded) for it to end
				    * and key the stage by its whole content */
	MEMO_HOST = 1u << 4,	 /* run unsandboxed on the host with the user's
				    rights; never looked up nor recorded, in the
				    history as such; only as a pipeline of one */
};

/* One stage of a pipeline. fd_in/fd_out of -1 mean "connected to the
 * pipeline": the previous stage's output (or the pipeline's stdin for the
 * first stage) and the next stage's input (or the pipeline's stdout for the
 * last). A stage whose own redirection replaced its stdin leaves the
 * previous stage writing into a closed pipe, as in sh. */
struct memo_stage {
	char *const *argv;	/* NULL-terminated, argv[0] non-NULL */
	char *const *envp;	/* exported environment, NULL-terminated */
	unsigned flags;		/* enum memo_stage_flags */
	int fd_in;
	int fd_out;
	int fd_err;		/* required */
	bool err_to_out;	/* stderr goes where stdout goes (`2>&1` after
				 * the pipe to the next stage): one stream */
	const char *text;	/* the command as typed, for the history; may be NULL */
};

/* memo_run_pipeline - run (or replay) a pipeline of n >= 1 external stages
 * whose working directory is cwd, reading fd_in and writing fd_out, and wait
 * for all of them. ret_status[i] receives stage i's shell status (exit code,
 * 128+signal, 127 not found, 126 not executable).
 *
 * Stages are looked up from the first: while every stage hits, nothing is
 * streamed but the hit stages' stderr; the first miss and everything after
 * it run concurrently in the sandbox, the first of them fed from the store's
 * copy of its upstream output.
 *
 * The store failing (disk full, read-only, corrupt) is never the user's
 * problem: the stage runs uncached and one warning is given. Errors (the
 * pipeline could not be run at all, e.g. the sandbox cannot be created):
 * negative codes, with a message already given through the callback. */
int memo_run_pipeline(struct memo *m, const char *cwd, const struct memo_stage *stages,
		      size_t n, int fd_in, int fd_out, int *ret_status);

/* What memo_run_pipeline would do with one stage, found without running
 * anything (`shark why -c`). */
enum memo_probe_outcome {
	MEMO_PROBE_HIT = 1,	/* a recorded trace under its key verifies now */
	MEMO_PROBE_MISS,	/* its key is known; no trace under it verifies */
	MEMO_PROBE_UNKNOWN,	/* its key cannot be known before running: reason */
	MEMO_PROBE_UNCACHED,	/* it would run without lookup: reason */
};

/* How the history record of a stage that ran again only to regenerate an
 * output recorded by hash only (docs/memo.md, "Intermediate outputs")
 * begins: `shark why` then has no key difference to explain. */
#define MEMO_REGEN_NOTE "ran again to regenerate its output"

struct memo_probe {
	int outcome;		/* enum memo_probe_outcome */
	const char *reason;	/* static text for UNKNOWN and UNCACHED; for HIT and MISS
				 * a note on an output kept by hash only; else NULL */
	char key[33];		/* the action key in hex (32 digits), "" when not computed */
	char trace[33];		/* HIT: the trace it would be served from */
	char *key_info;		/* what the key was computed from (the text
				 * memo_key_info_parse reads); NULL when not
				 * computed; malloc'd */
	size_t key_info_len;
};

/* memo_probe_pipeline - what memo_run_pipeline(m, cwd, stages, n, fd_in,
 * fd_out) would do for each stage, into ret[n]: plan the pipeline (stdin
 * identities, terminals), then from the first stage compute each key and
 * look it up with the same verification a run does (a stage reading the
 * previous stage's output is known only while every stage before it hits).
 * Nothing runs and no history is written; the stat cache may be updated.
 * A finished pipe on fd_in is read (as a run would read it). Errors:
 * -ENOMEM, -EINVAL (n == 0); store errors make stages MISS. Release ret
 * with memo_probe_release. */
int memo_probe_pipeline(struct memo *m, const char *cwd, const struct memo_stage *stages,
			size_t n, int fd_in, int fd_out, struct memo_probe *ret);

/* memo_probe_release - free what memo_probe_pipeline put in p[n]. */
void memo_probe_release(struct memo_probe *p, size_t n);

/* The shared cache (docs/remote.md), for `shark remote`.
 * memo_remote_configured - whether SHARK_REMOTE names a server.
 * memo_remote_read_only - whether SHARK_REMOTE_MODE forbids writing it.
 * memo_remote_connect - a client for that server on the open store st,
 * with the credentials and time-outs of the environment; on failure
 * *ret_why says why. Errors: -ENOENT (not configured), the client's.
 * memo_remote_drain - upload every item of st's upload queue in order,
 * until done or the server fails (that error is returned; counters and
 * the last error are noted in the store), *ret_sent / *ret_left (may be
 * NULL) the traces sent and still waiting. */
struct store;
struct store_remote;
bool memo_remote_configured(void);
bool memo_remote_read_only(void);
int memo_remote_connect(struct store *st, struct store_remote **ret, const char **ret_why);
int memo_remote_drain(struct store *st, struct store_remote *r, size_t *ret_sent,
		      size_t *ret_left);

/* memo_flush - write what the engine queued for the store (the history of
 * hits, and the records of the last run) now, if this process opened it;
 * call before _exit(). memo_flush_keep - the same, except the records of
 * a run made under memo_commit_later: their synced commit waits until this
 * process's next run has started (it then overlaps that run), or a lookup
 * of the same key, memo_flush, memo_free or exit().
 * A process killed before that loses them: its command misses next time
 * (docs/store.md, "What a crash can and cannot lose"). */
void memo_flush(struct memo *m);
void memo_flush_keep(struct memo *m);
/* memo_commit_later - whether the runs that follow leave their records for
 * the next run to commit (see memo_flush_keep); off by default: a run's
 * records are committed before memo_run_pipeline returns. */
void memo_commit_later(struct memo *m, bool on);
/* memo_commit_pending - commit the record batch the last run left open
 * (m->commit_pending), if this process opened the store; a forked copy
 * only forgets it (its parent commits it). */
void memo_commit_pending(struct memo *m);

/* memo_prepare_first - prepare a sandbox for this process's first run now
 * (a pid 1 cloned into its namespaces and through its first steps, with a
 * network namespace of its own unless network), before the engine exists:
 * a shell calls it when it is about to hand its first external command to
 * the engine in its own process, so that the pid 1 sets up on the other
 * CPU while the workspace and the store open and the command is looked up
 * (docs/sandbox.md, "Prepared sandboxes"). A run that cannot use it (a
 * hit, another network setting, limits changed since) leaves it unused: it
 * dies with the process. Does nothing when this process has one already. */
void memo_prepare_first(bool network);
/* End the prepared sandbox whose tree was built ahead of a next run of
 * this process, and remove that run's scratch dir: for a process about to
 * leave by _exit (atexit does it otherwise), or one whose next command
 * will not be a sandboxed run (its last command hit). A forked copy's call
 * leaves its parent's alone. */
void memo_prepared_ahead_drop(void);

#endif
