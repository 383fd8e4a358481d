/* cli.c - the subcommand table and dispatcher, and the helpers the
 * subcommands share (local times, JSON strings; sizes and durations are in
 * shark/util/units.c).
 *
 * Subcommand names win over a script file of the same name: `shark gc`
 * always collects garbage; `shark ./gc` runs the script. The table is the
 * one place a subcommand is declared: its name, function, what it needs
 * (flags) and its help text. */
#include "shark/cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shark/memo/memo.h"

#define OPT_HELP "  --help              show this help\n"
#define ENV_HELP "The store is $SHARK_STORE, else ${XDG_CACHE_HOME:-$HOME/.cache}/shark.\n"

static int cli_help(struct cli_ctx *c, int argc, char **argv);

static const struct cli_command commands[] = {
	{ "stats", cli_stats, CLI_STORE_RO, "entries, bytes, deduplication, hits, misses, time saved",
	  "usage: shark stats [--json]\n"
	  "Print the store's counts: actions, traces, blobs and their bytes, the\n"
	  "deduplication ratio (bytes the traces reference / bytes stored), the run\n"
	  "history's hits, misses and unrecorded runs, and the time hits saved.\n"
	  "  --json              one JSON object\n" OPT_HELP ENV_HELP },
	{ "log", cli_log, CLI_STORE_RO, "recent runs, newest first",
	  "usage: shark log [-n N] [--json]\n"
	  "List recent runs, newest first: id, time, outcome (hit, miss, or not\n"
	  "recorded with the reason), exit status, duration, time saved, cwd and\n"
	  "command.\n"
	  "  -n N                at most N runs (default 20; 0 = all)\n"
	  "  --json              one JSON array\n" OPT_HELP ENV_HELP },
	{ "show", cli_show, CLI_STORE_RO, "one run: inputs, outputs, effects, status",
	  "usage: shark show RUN [--json]\n"
	  "Show a run of `shark log` (its id, or `last`): the run record, and when\n"
	  "it was recorded or served from the store, its trace: every input (path,\n"
	  "kind, hash or absent), stdout and stderr blobs, file effects, exit status.\n"
	  "  --json              one JSON object\n" OPT_HELP ENV_HELP },
	{ "why", cli_why, CLI_STORE_RO, "why a run was a hit, a miss, or not recorded",
	  "usage: shark why RUN | -c STRING\n"
	  "Explain a run of `shark log` (its id, or `last`), or the latest runs of\n"
	  "STRING (a command, or each stage of a pipeline) in the current directory,\n"
	  "from the history and the traces; nothing is run. A miss names the input\n"
	  "that changed (old -> new hash, appeared, vanished) or, when the command's\n"
	  "key was new, the key lines that differ from its previous run here\n"
	  "(environment variable, argument, stdin, terminals, grants). A run that\n"
	  "was not recorded says why.\n"
	  "  -c STRING           the command text as typed\n" OPT_HELP ENV_HELP },
	{ "lineage", cli_lineage, CLI_STORE_RO, "the runs that produced a workspace file",
	  "usage: shark lineage FILE [--dot | --script]\n"
	  "Show the chain of recorded runs that produced FILE's current content (a\n"
	  "run that wrote it, or whose stdout it is), then the runs that produced\n"
	  "each of that run's workspace inputs, back to inputs no run produced.\n"
	  "  --dot               a Graphviz graph instead\n"
	  "  --script            a shell script that reproduces FILE (producers first)\n"
	  OPT_HELP ENV_HELP },
	{ "verify", cli_verify, CLI_STORE_RO, "re-run a command uncached and compare with its record",
	  "usage: shark verify -c STRING\n"
	  "Re-run STRING (as `shark -f -c STRING`: sandboxed, not served from the\n"
	  "store, re-recorded, its file effects applied like any run) and compare\n"
	  "each stage with its recorded run, found by action key as `why -c` finds\n"
	  "it (quotes, variables and globs expanded; a moved copy counts): stdout,\n"
	  "stderr, exit status and every file effect, byte for byte through their\n"
	  "hashes. Exit 0 when everything matched, 1 when a stage is\n"
	  "non-deterministic (what differed is listed) or was never recorded.\n"
	  OPT_HELP ENV_HELP },
	{ "fsck", cli_fsck, CLI_STORE_RO, "check (and repair) the store",
	  "usage: shark fsck [--repair] [--quick]\n"
	  "Check that every action names recorded traces, every trace decodes and\n"
	  "matches its id, and every blob a trace names exists with the right size\n"
	  "and content (re-hashed; --quick skips the re-hash). Exit 0 when\n"
	  "consistent, 1 when problems were found.\n"
	  "  --repair            drop what is broken (one transaction), then check again\n"
	  "  --quick             do not re-hash blob contents\n" OPT_HELP ENV_HELP },
	{ "gc", cli_gc, CLI_STORE_RW, "remove old traces and unreferenced blobs",
	  "usage: shark gc [--max-size SIZE] [--older-than AGE] [--grace AGE] [--dry-run] [-v]\n"
	  "Collect garbage, safely beside running shells: drop traces not used for\n"
	  "AGE, then the least recently used until the blobs the rest reference fit\n"
	  "in SIZE; then remove blobs no kept trace references, stale temp files\n"
	  "and scratch directories. Anything younger than the grace period is kept.\n"
	  "Without options only unreferenced blobs and stale files are removed.\n"
	  "  --max-size SIZE     e.g. 500M, 10G (powers of 1024)\n"
	  "  --older-than AGE    e.g. 90s, 15m, 12h, 30d, 2w\n"
	  "  --grace AGE         keep anything younger (default 1h)\n"
	  "  --dry-run           list what would go and the bytes freed; change nothing\n"
	  "  -v                  list each trace dropped\n" OPT_HELP ENV_HELP },
	{ "export", cli_export, CLI_STORE_RO | CLI_LIBRARY, "write traces and their blobs to a bundle",
	  "usage: shark export (RUN... | --all) -o FILE\n"
	  "Write the traces of the given runs (ids from `shark log`, or last), or\n"
	  "of every trace, with their blobs and action keys, to FILE: a tar\n"
	  "archive compressed with zstd. Every blob is re-hashed on the way; FILE\n"
	  "appears only when the export succeeded. Importing it elsewhere makes the\n"
	  "same commands hit there (same workspace path, same inputs).\n"
	  "  --all               every trace in the store\n"
	  "  -o, --output FILE   the bundle to write\n" OPT_HELP ENV_HELP },
	{ "import", cli_import, CLI_STORE_RW | CLI_LIBRARY, "add a bundle's traces and blobs to the store",
	  "usage: shark import FILE\n"
	  "Verify and import a bundle made by `shark export`: entry names, blob\n"
	  "hashes, trace ids and encodings, references, completeness. A corrupt,\n"
	  "truncated or malicious bundle is rejected with the reason and nothing is\n"
	  "added to the index (one transaction).\n" OPT_HELP ENV_HELP },
	{ "remote", cli_remote, CLI_STORE_RW | CLI_LIBRARY, "the shared cache server: status, push",
	  "usage: shark remote status\n"
	  "       shark remote push [RUN... | --all]\n"
	  "The cache server $SHARK_REMOTE (docs/remote.md). status: the server (URL\n"
	  "without credentials, mode), whether it answers, the upload queue, hits,\n"
	  "traces uploaded, bytes in and out, the last error; exit 1 when it does not\n"
	  "answer. push: add the traces of the given runs (ids from `shark log`, or\n"
	  "last), or of every trace, to the upload queue, and upload the queue now\n"
	  "(after a background uploader finishes); exit 1 when the server failed.\n"
	  "Environment: SHARK_REMOTE, SHARK_REMOTE_MODE (read), SHARK_REMOTE_TOKEN,\n"
	  "SHARK_REMOTE_TIMEOUT; credentials also from ~/.netrc.\n" OPT_HELP ENV_HELP },
	{ "help", cli_help, 0, "this list, the shell's options and where the manual is",
	  "usage: shark help\nList shark's options and subcommands (as shark --help).\n" OPT_HELP },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *cli_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

bool cli_needs_library(const char *name)
{
	const struct cli_command *cmd = cli_find(name);
	return cmd && (cmd->flags & CLI_LIBRARY);
}

void cli_print_help(FILE *f)
{
	fputs("usage: shark [-f] [-euxfCa] [-o OPTION] -c STRING [NAME [ARG...]]\n"
	      "       shark [-f] [OPTIONS] FILE [ARG...]      run a script\n"
	      "       shark [-f] [OPTIONS] [-s] [ARG...]      read commands from stdin\n"
	      "       shark SUBCOMMAND [ARGS]                 (shark SUBCOMMAND --help for each)\n"
	      "\n"
	      "A POSIX shell that runs every external command in a sandbox and serves\n"
	      "a repeated command with the same inputs from its store.\n"
	      "\n"
	      "options:\n"
	      "  -c STRING        run STRING (NAME is $0, ARGs are $1...)\n"
	      "  -f, --force      recompute and re-record everything (no hits)\n"
	      "  -e -u -x -C -a   errexit, nounset, xtrace, noclobber, allexport\n"
	      "  -o OPTION        set an option by name (pipefail, noglob, ...)\n"
	      "  -s               read commands from stdin\n"
	      "  -h, --help       this help\n"
	      "\n"
	      "subcommands (a script named like one runs as ./NAME):\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "environment: SHARK_STORE (the store; default ${XDG_CACHE_HOME:-$HOME/.cache}/shark),\n"
	      "SHARK_WORKSPACE (default: the git top-level, else the current directory).\n"
	      "The manual: `man shark` (docs/shark.1 in the source tree).\n",
	      f);
}

static int cli_help(struct cli_ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argv;
	if (argc > 1) {
		fputs(cli_find("help")->help, stderr);
		return 2;
	}
	cli_print_help(stdout);
	return 0;
}

static cli_prober_fn *prober;

void cli_set_prober(cli_prober_fn *fn)
{
	prober = fn;
}

cli_prober_fn *cli_prober(void)
{
	return prober;
}

void cli_error(const struct cli_ctx *c, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", c->prog);
	util_put_name(stderr, line); /* it may quote a name or an argument */
	fputc('\n', stderr);
}

int cli_main(int argc, char **argv)
{
	if (argc < 2)
		return -1;
	const struct cli_command *cmd = cli_find(argv[1]);
	if (!cmd)
		return -1;
	char prog[64];
	snprintf(prog, sizeof(prog), "shark %s", cmd->name);
	struct cli_ctx c = { .prog = prog };
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(cmd->help, stdout);
			return 0;
		}
	char *path = NULL;
	int status;
	if (cmd->flags & (CLI_STORE_RO | CLI_STORE_RW)) {
		int r = store_default_path(&path);
		if (r < 0) {
			cli_error(&c, "cannot locate the store: %s (set SHARK_STORE)",
				  store_strerror(r));
			return 1;
		}
		c.store_path = path;
		/* so that every subcommand sees every run; best effort (a
		 * store this user cannot write keeps its journal) */
		(void)store_fold_history(path);
		r = store_open(path, (cmd->flags & CLI_STORE_RW) ? 0 : STORE_RDONLY, &c.st);
		if (r < 0 && !(r == -ENOENT && (cmd->flags & CLI_STORE_RO))) {
			cli_error(&c, "cannot open the store %s: %s", path, store_strerror(r));
			free(path);
			return 1;
		}
	}
	status = cmd->fn(&c, argc - 1, argv + 1);
	if (fflush(stdout) != 0 && status == 0) {
		cli_error(&c, "write error: %s", strerror(errno));
		status = 1;
	}
	store_close(c.st);
	free(path);
	return status;
}

/* ---- arguments ----------------------------------------------------------------- */

int cli_resolve_run(store_txn *txn, const char *arg, uint64_t *ret)
{
	if (strcmp(arg, "last") == 0)
		return store_run_prev(txn, UINT64_MAX, ret);
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || arg[0] == '-' || v == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* ---- formatting ---------------------------------------------------------------- */

const char *cli_format_time(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000LL);
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}


void cli_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	fputc('"', f);
	while (n) {
		unsigned char ch = *p;
		size_t len = 1;
		if (ch == '"' || ch == '\\') {
			fputc('\\', f);
			fputc(ch, f);
		} else if (ch == '\n') {
			fputs("\\n", f);
		} else if (ch == '\t') {
			fputs("\\t", f);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
		} else if (ch < 0x80) {
			fputc(ch, f);
		} else if ((len = util_utf8_len(p, n)) != 0) {
			fwrite(p, 1, len, f);
		} else {
			/* not UTF-8: keep the byte visible as U+00XX */
			fprintf(f, "\\u%04x", ch);
			len = 1;
		}
		p += len;
		n -= len;
	}
	fputc('"', f);
}

void cli_json_hash(FILE *f, const store_hash *h)
{
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(h, hex);
	fprintf(f, "\"%s\"", hex);
}

const char *cli_input_label(const struct store_input *in, char *buf, size_t size)
{
	if (in->kind != STORE_INPUT_PROCESS)
		return cli_input_path(in->path, buf, size);
	if (strcmp(in->path, "nice") == 0)
		return "nice value";
	if (strcmp(in->path, "affinity") == 0)
		return "CPU affinity";
	if (strcmp(in->path, "sched") == 0)
		return "scheduling policy";
	if (strcmp(in->path, "ioprio") == 0)
		return "I/O priority";
	if (strcmp(in->path, "winsize") == 0)
		return "terminal window size";
	if (strncmp(in->path, "rlimit/", 7) == 0) {
		snprintf(buf, size, "rlimit %s", in->path + 7);
		return buf;
	}
	return in->path;
}

const char *cli_input_path(const char *rec, char *buf, size_t size)
{
	static char *ws;
	static bool looked;
	if (!rec || rec[0] == '/')
		return rec;
	if (!looked) {
		char *cwd = getcwd(NULL, 0);
		if (!cwd || memo_workspace_find(cwd, &ws) < 0)
			ws = NULL;
		free(cwd);
		looked = true;
	}
	return ws && memo_path_resolve(ws, rec, buf, size) == 0 ? buf : rec;
}
