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

#include "store/store.h"

enum cli_flags {
	CLI_STORE_RO = 1u << 0, /* opens the store read-only (missing store: empty) */
	CLI_STORE_RW = 1u << 1, /* opens (creates) the store for writing */
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

/* cli_main - when argv[1] names a subcommand, run it and return its exit
 * status (0 ok, 1 failure or problems found, 2 usage); otherwise -1 and the
 * caller runs the shell as usual. */
int cli_main(int argc, char **argv);

/* cli_find - the table entry for name, or NULL. */
const struct cli_command *cli_find(const char *name);

/* ---- helpers shared by the subcommands ---- */

/* cli_parse_size - "123", "10K", "1.5M", "2G", "1T" (powers of 1024,
 * optional trailing "B"/"iB"). -EINVAL on anything else, -ERANGE. */
int cli_parse_size(const char *s, uint64_t *ret);

/* cli_parse_age - "30" (seconds), "90s", "15m", "12h", "7d", "2w".
 * Result in nanoseconds. -EINVAL, -ERANGE. */
int cli_parse_age(const char *s, int64_t *ret_ns);

/* cli_format_size - "1.5 MiB" style into buf. Returns buf. */
const char *cli_format_size(uint64_t bytes, char *buf, size_t size);

/* cli_format_duration - "1.23 s", "45 ms", "2 min 3 s" into buf. */
const char *cli_format_duration(uint64_t ns, char *buf, size_t size);

/* cli_format_time - local "YYYY-MM-DD HH:MM:SS" of a CLOCK_REALTIME ns. */
const char *cli_format_time(int64_t ns, char *buf, size_t size);

/* cli_json_str - s as a JSON string (quotes included, control characters
 * and invalid UTF-8 bytes escaped as \u00XX). NULL prints null. */
void cli_json_str(FILE *f, const char *s);

/* Names shown to a user (paths, symlink targets, command texts, reasons:
 * anything a command or an imported bundle chose) never reach the terminal
 * raw. The one escaping: printable ASCII and valid UTF-8 as they are;
 * backslash, newline, tab and carriage return as \\ \n \t \r; other control
 * bytes, DEL and bytes that are not UTF-8 as \xHH; C1 controls and the
 * bidirectional override/isolate marks as \uXXXX. */

/* cli_put_name - s escaped onto f (NULL prints nothing). */
void cli_put_name(FILE *f, const char *s);

/* cli_name - s escaped into one of 8 static buffers, for printf arguments
 * (valid until 8 more calls; not thread-safe); names escaping to more than
 * 16 KiB end in "...". NULL gives "". */
const char *cli_name(const char *s);

/* cli_put_sh_word - s as one sh word: as it is when it is made of
 * [A-Za-z0-9_-+./,:=@%] only, else in single quotes ('\'' for a quote), so
 * no byte of it (newline, ;, $, `) can end the word or start a command. */
void cli_put_sh_word(FILE *f, const char *s);

/* cli_json_hash - a hash as a JSON hex string. */
void cli_json_hash(FILE *f, const store_hash *h);

/* cli_error - "shark SUBCOMMAND: MESSAGE" on stderr. */
void cli_error(const struct cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_find_runs_by_text - the newest runs in cwd whose command text is
 * text or one of its `|`-separated stages: at most one per stage, the most
 * recent contiguous block, newest first, ids into ids[max] (cli_why.c). */
int cli_find_runs_by_text(store_txn *txn, const char *text, const char *cwd, uint64_t *ids,
			  size_t max, size_t *ret_n);

/* The subcommands (cli_info.c, cli_fsck.c, cli_gc.c, cli_why.c,
 * cli_archive.c, cli_lineage.c, cli_verify.c). */
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

#endif
