/* memo_int.h - what the memo engine's files share; not for the rest of the
 * shell, which uses memo.h. */
#ifndef SHARK_MEMO_INT_H
#define SHARK_MEMO_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"
#include "shark/memo.h"
#include "store/store.h"

struct memo {
	struct memo_options opt;
	char *workspace;	/* realpath of the workspace root */
	store *st;		/* opened lazily, by st_pid */
	pid_t st_pid;
	pid_t st_failed_pid;	/* the store could not be opened in this pid */
	bool warned;		/* the "running uncached" warning was given */
	char *store_dir;	/* the store's directory, once known */
	bool recorded;		/* this process recorded a trace (auto gc) */
	int8_t submount;	/* a mount beneath the workspace: 0 not looked
				   yet, -1 none, 1 at submount_path */
	char *submount_path;
};

/* How a stage's stdin is identified in its key. */
enum memo_stdin_kind {
	MEMO_STDIN_NONE = 1,	/* closed or /dev/null */
	MEMO_STDIN_TTY = 2,	/* a terminal */
	MEMO_STDIN_FILE = 3,	/* a regular file: content hash + offset */
	MEMO_STDIN_STREAM = 4,	/* a pipe from outside the pipeline: unknown */
	MEMO_STDIN_UPSTREAM = 5, /* the previous stage's output: its hash */
	MEMO_STDIN_SPOOLED = 6,	/* a finished pipe, read into memory: its hash */
};

struct memo_stdin {
	int kind;
	store_hash hash;
	uint64_t offset;
};

struct memo_keyspec {
	const char *workspace;
	const char *cwd;
	char *const *argv;
	char *const *envp;
	struct memo_stdin in;
	unsigned ttys;		/* bit i: fd i is a terminal */
	unsigned grants;	/* MEMO_NETWORK */
};

/* memo_key.c */
bool memo_env_is_volatile(const char *entry);
int memo_workspace_find(const char *cwd, char **ret);
/* memo_stdin_identity - how fd is known in a key. When it is a finished
 * pipe, its content is moved into a memory file returned in *ret_fd (the
 * stage must read that instead; the caller closes it), else *ret_fd = -1. */
int memo_stdin_identity(struct memo *m, int fd, struct memo_stdin *ret, int *ret_fd);
int memo_action_key(const struct memo_keyspec *k, store_hash *ret);
int memo_key_info(const struct memo_keyspec *k, const store_hash *key, char **ret,
		  size_t *ret_len);
/* memo_trace_has_key - whether t was recorded under key (its key info
 * names it): a trace listed under another key is never served. */
bool memo_trace_has_key(const struct store_trace *t, const store_hash *key);

/* memo.c */
void memo_warn(struct memo *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
store *memo_store(struct memo *m);
void memo_store_failed(struct memo *m, const char *what, int err);
int memo_lookup(struct memo *m, const store_hash *key, struct store_trace **ret_trace,
		store_hash *ret_id);
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
int memo_inputs_from_accesses(struct memo *m, const struct sandbox_result *res,
			      const char *scratch, struct store_input **ret_inputs,
			      size_t *ret_n, const char **ret_reason);
void memo_inputs_free(struct store_input *in, size_t n);
int memo_make_scratch(struct memo *m, char **ret, int *ret_hold);
void memo_auto_gc(struct memo *m);
unsigned memo_stage_ttys(const struct memo_stage *stages, size_t n, size_t i, int fd_in,
			 int fd_out);

/* memo_run.c */
/* memo_write_all - write all len bytes (EINTR retried); 0 or -errno. */
int memo_write_all(int fd, const char *p, size_t len);
/* The stdin of each stage that does not read the previous stage: its
 * identity and the fd it reads (the given one, or a spooled copy). */
struct memo_stdins {
	struct memo_stdin *id;	/* [n]; kind 0 for stages fed by the pipeline */
	int *fd;		/* [n]; -1 for stages fed by the pipeline */
	int *owned;		/* [n]; spooled copies to close */
};

int memo_run_stages(struct memo *m, const char *cwd, const struct memo_stage *stages,
		    size_t n, size_t first, const store_hash *upstream, int upstream_fd,
		    const struct memo_stdins *ins, int fd_out, int *ret_status);

#endif
