/* cli.h - shark's maintenance subcommands (`shark SUBCOMMAND [ARGS]`).
 *
 * main() calls cli_main() first thing. A first argument that names a
 * subcommand in the table (cli.c) runs it; anything else is left to the
 * shell (a script named like a subcommand is run as `shark ./NAME`). Each
 * subcommand has a flags word saying what it needs (a store, writable or
 * not), and the dispatcher opens that store before calling it.
 */
#ifndef SHARK_CLI_H
#define SHARK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shark/util/util.h"
#include "store/store.h"

enum cli_flags {
	CLI_STORE_RO = 1u << 0, /* opens the store read-only (missing store: empty) */
	CLI_STORE_RW = 1u << 1, /* opens (creates) the store for writing */
	CLI_LIBRARY = 1u << 2,  /* needs a shared library (libarchive, libcurl):
				 * the static shark runs it in its twin (twin.h) */
};

struct cli_ctx {
	store *st;          /* per the command's flags; NULL if none is needed or
			     * a read-only store does not exist */
	const char *store_path; /* where the store is (or would be) */
	const char *prog;   /* "shark SUBCOMMAND", for messages */
};

struct cli_command {
	const char *name;
	int (*fn)(struct cli_ctx *c, int argc, char **argv); /* exit status */
	unsigned flags;    /* enum cli_flags */
	const char *summary; /* one line for `shark help` */
	const char *help;  /* the full --help text */
};

/* How `shark why -c` expands a line without running it: the shell's
 * prober (shark/shell/probe.h, which the CLI may not include), wired in by
 * main() through cli_set_prober. Same contract as shell_probe. */
struct memo_stage;
struct cli_probe_ops {
	void (*pipeline)(void *ctx, int lineno, const struct memo_stage *stages, size_t n,
			 int fd_in, int fd_out);
	void (*note)(void *ctx, int lineno, const char *what);
	void *ctx;
};
typedef int cli_prober_fn(const char *name, const char *text, size_t len, char **envp,
			  const struct cli_probe_ops *ops);
void cli_set_prober(cli_prober_fn *fn);
cli_prober_fn *cli_prober(void);

/* cli_needs_library - whether `shark NAME` is a subcommand with
 * CLI_LIBRARY (main hands those to the twin before anything else). */
bool cli_needs_library(const char *name);

/* cli_main - when argv[1] names a subcommand, run it and return its exit
 * status (0 ok, 1 failure or problems found, 2 usage); otherwise -1 and the
 * caller runs the shell as usual. */
int cli_main(int argc, char **argv);

/* cli_print_help - `shark --help` and `shark help`: the shell's usage and
 * main options, one line per subcommand, and where the manual is. */
void cli_print_help(FILE *f);

/* ---- helpers shared by the subcommands ---- */

/* cli_format_time - local "YYYY-MM-DD HH:MM:SS" of a CLOCK_REALTIME ns. */
const char *cli_format_time(int64_t ns, char *buf, size_t size);

/* cli_json_str - s as a JSON string (quotes included, control characters
 * and invalid UTF-8 bytes escaped as \u00XX). NULL prints null. */
void cli_json_str(FILE *f, const char *s);

/* cli_json_hash - a hash as a JSON hex string. */
void cli_json_hash(FILE *f, const store_hash *h);

/* cli_error - "shark SUBCOMMAND: MESSAGE" on stderr. */
void cli_error(const struct cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_resolve_run - a RUN argument, the one way every subcommand reads it:
 * a decimal run id from `shark log`, or "last" (the newest run in the
 * history). Whether an id exists is not checked. Errors: -EINVAL when arg
 * is neither, -ENOENT for "last" on an empty history, store errors. */
int cli_resolve_run(store_txn *txn, const char *arg, uint64_t *ret);

/* cli_find_runs_by_text - the newest runs in cwd whose command text is
 * text or one of its `|`-separated stages: at most one per stage, the most
 * recent contiguous block, newest first, ids into ids[max] (why.c). */
int cli_find_runs_by_text(store_txn *txn, const char *text, const char *cwd, uint64_t *ids,
			  size_t max, size_t *ret_n);

struct memo_key_info;
/* cli_describe_stdin - a recorded stdin in words (why.c): "file in.txt",
 * "output of `sort -n in.txt`" (the newest recorded run whose stdout it
 * was; txn may be NULL), "the terminal", ...; names escaped. */
void cli_describe_stdin(FILE *f, store_txn *txn, const struct memo_key_info *ki);

/* cli_input_path - a trace's input path as users read it: one recorded
 * relative to the workspace root (relocatable traces) re-rooted at the
 * workspace of the current directory, into buf; an absolute one as is.
 * Returns rec itself when it cannot be re-rooted. */
const char *cli_input_path(const char *rec, char *buf, size_t size);
/* cli_input_label - how an input is named to users: its path as
 * cli_input_path gives it, or for a process attribute (which is no path)
 * "rlimit nofile", "nice value", "CPU affinity". Into buf or a constant. */
const char *cli_input_label(const struct store_input *in, char *buf, size_t size);

/* One command a line would run, with the action key it would run under. */
struct cli_stage_key {
	char *text;		/* its argv, quoted for sh */
	store_hash key;
	bool known;		/* false: its key is known only by running
				 * (it reads the output of a stage that would
				 * run) */
	bool hit;		/* it would hit now, from trace */
	store_hash trace;
};

/* cli_line_keys - expand text as `why -c` does, without running it, into
 * the commands it would run and their action keys (why_line.c); closes
 * and reopens c->st. Errors: -ENOENT (no store), -EINVAL (syntax),
 * -ENOMEM, -ENOSYS (no prober). Free with cli_stage_keys_free. */
int cli_line_keys(struct cli_ctx *c, const char *text, struct cli_stage_key **ret, size_t *ret_n);
void cli_stage_keys_free(struct cli_stage_key *v, size_t n);

/* cli_why_line - `why -c STRING` / `why FILE` (why_line.c): probe every
 * command of text (len bytes, named name) and explain each; closes and
 * reopens c->st. Exit status: 0 all would hit, 1 one would run, 2 syntax. */
int cli_why_line(struct cli_ctx *c, const char *name, const char *text, size_t len, bool json);

/* cli_read_script - a script file for `why FILE`, malloc'd (at most 16
 * MiB: -EFBIG beyond). -errno, -ENOMEM. */
int cli_read_script(const char *path, char **ret, size_t *ret_len);

/* The subcommands (info.c, fsck.c, gc.c, why.c, archive.c, lineage.c,
 * verify.c, all in shark/cli/). */
int cli_stats(struct cli_ctx *c, int argc, char **argv);
int cli_log(struct cli_ctx *c, int argc, char **argv);
int cli_show(struct cli_ctx *c, int argc, char **argv);
int cli_fsck(struct cli_ctx *c, int argc, char **argv);
int cli_gc(struct cli_ctx *c, int argc, char **argv);
int cli_why(struct cli_ctx *c, int argc, char **argv);
int cli_export(struct cli_ctx *c, int argc, char **argv);
int cli_import(struct cli_ctx *c, int argc, char **argv);
int cli_lineage(struct cli_ctx *c, int argc, char **argv);
int cli_verify(struct cli_ctx *c, int argc, char **argv);
int cli_remote(struct cli_ctx *c, int argc, char **argv); /* remote.c */

#endif
