/* main.c - shark's command line: `shark -c STRING [NAME ARGS...]`,
 * `shark FILE [ARGS...]`, a script on stdin, or an interactive shell. */
#include "shark/cli/cli.h"
#include "shark/shell/bashvars.h"
#include "shark/shell/builtins.h"
#include "shark/shell/external.h"
#include "shark/shell/input.h"
#include "shark/shell/interactive.h"
#include "shark/shell/options.h"
#include "shark/shell/probe.h"
#include "shark/shell/shell.h"
#include "shark/shell/trap.h"
#include "shark/twin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void usage(void)
{
	fputs("usage: shark [--bash] [-euxfCa] [-o option] [-c STRING [NAME [ARG...]] | FILE [ARG...] | -s [ARG...]]\n",
	      stderr);
}

/* `shark why -c`: the CLI expands a line through the shell's prober. */
static int probe_line(const char *name, const char *text, size_t len, char **envp,
		      const struct cli_probe_ops *o)
{
	struct shell_probe_ops so = { .pipeline = o->pipeline, .note = o->note, .ctx = o->ctx };
	return shell_probe(name, text, len, envp, &so);
}

/* Does the script open on fd start with a #! line naming bash
 * (`#!/bin/bash`, `#!/usr/bin/env bash`, with or without options)? */
static bool shebang_names_bash(int fd)
{
	char line[256];
	ssize_t n = pread(fd, line, sizeof line - 1, 0);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return false;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	char *p = line + 2;
	for (int word = 0; word < 3; word++) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t");
		if (len == 0)
			return false;
		const char *base = p;
		for (size_t i = 0; i < len; i++)
			if (p[i] == '/')
				base = p + i + 1;
		size_t blen = len - (size_t)(base - p);
		if (blen == 4 && memcmp(base, "bash", 4) == 0)
			return true;
		/* only env (and its options) may come before bash */
		bool is_env = blen == 3 && memcmp(base, "env", 3) == 0;
		if (!is_env && !(word > 0 && p[0] == '-'))
			return false;
		p += len;
	}
	return false;
}

/* `shark [-f] -c SCRIPT ...` whose first command surely runs sandboxed:
 * its sandbox's pid 1 is cloned now, before the shell's own set-up
 * (external_prepare_early), which then runs beside pid 1's start. Any
 * other option or form: not guessed at. */
static void prepare_early(int argc, char **argv)
{
	bool force = false;
	int k = 1;
	for (; k < argc && (strcmp(argv[k], "-f") == 0 || strcmp(argv[k], "--force") == 0); k++)
		force = true;
	if (k + 1 < argc && strcmp(argv[k], "-c") == 0)
		external_prepare_early(argv[k + 1], force);
}

int main(int argc, char **argv)
{
	/* the static shark may hand everything to its dynamic twin (twin.h) */
	twin_main_start(argc, argv, argc > 1 && cli_needs_library(argv[1]));
	cli_set_prober(probe_line);
	/* `shark SUBCOMMAND ...` (cli.c): subcommand names win over scripts. */
	int cli_status = cli_main(argc, argv);
	if (cli_status >= 0)
		return cli_status;
	/* the shell's own limits settle before any pid 1 is cloned from it
	 * and before the environment is imported (memo.h) */
	memo_ulimit_init();
	prepare_early(argc, argv);
	struct shell sh;
	/* $0 (and the name in error messages) is "shark", not the binary's
	 * full path; a script's name or `-c CMD NAME` replaces it below. */
	const char *slash = argv[0] ? strrchr(argv[0], '/') : NULL;
	if (shell_init(&sh, slash && slash[1] ? slash + 1 : argv[0], environ) < 0) {
		fputs("shark: out of memory\n", stderr);
		return 2;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_print_help(stdout);
		shell_free(&sh);
		return 0;
	}
	/* `shark -f` and `--force` (each a word of its own, before the
	 * script) recompute and re-record everything; the noglob option is
	 * `-o noglob` at invocation (docs/language.md). */
	bool force = false;
	for (int k = 1; k < argc && argv[k][0] == '-'; k++) {
		if (strcmp(argv[k], "-c") == 0 || strcmp(argv[k], "--") == 0)
			break;
		bool bash = strcmp(argv[k], "--bash") == 0;
		if (bash || strcmp(argv[k], "-f") == 0 || strcmp(argv[k], "--force") == 0) {
			if (bash)
				sh.bash = true;
			else
				force = true;
			memmove(&argv[k], &argv[k + 1], (size_t)(argc - k) * sizeof(*argv));
			argc--;
			k--;
		}
	}
	bool opt_c = false, opt_s = false;
	int i = options_parse(&sh, argc, argv, true, &opt_c, &opt_s);
	if (i < 0) {
		usage();
		shell_free(&sh);
		return 2;
	}
	if (opt_c) {
		if (i >= argc) {
			fputs("shark: -c requires an argument\n", stderr);
			shell_free(&sh);
			return 2;
		}
		const char *cmd = argv[i++];
		if (i < argc) {
			free(sh.arg0);
			sh.arg0 = strdup(argv[i++]);
		}
		set_positional(&sh, argc - i, argv + i);
		source_push_string(&sh, "-c", cmd, strlen(cmd), 1);
		sh.interactive = sh.opt.interactive;
	} else if (!opt_s && i < argc) {
		const char *file = argv[i++];
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "shark: cannot open %s: %s\n", file, strerror(errno));
			shell_free(&sh);
			return errno == ENOENT ? 127 : 126;
		}
		int hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);
		if (hi >= 0) {
			close(fd);
			fd = hi;
		}
		if (shebang_names_bash(fd))
			sh.bash = true;
		free(sh.arg0);
		sh.arg0 = strdup(file);
		set_positional(&sh, argc - i, argv + i);
		source_push_fd(&sh, sh.arg0, fd, false);
	} else {
		set_positional(&sh, argc - i, argv + i);
		sh.opt.stdin_cmds = true;	/* $- shows s, as in dash */
		sh.interactive = sh.opt.interactive || (isatty(0) && isatty(2));
		source_push_fd(&sh, "stdin", 0, sh.interactive);
	}
	sh.opt.interactive = sh.interactive;
	/* line editing is readline's: the static shark execs its twin now,
	 * before anything was read or run */
	if (sh.interactive)
		twin_need();
	if (sh.bash) {
		bashvars_init(&sh);
		bashvars_import_functions(&sh, environ);
		if (sh.src->fd >= 0)
			bashvars_scan_fd(&sh, sh.src->fd);
		else
			bashvars_scan_text(&sh, sh.src->buf, sh.src->len);
	}
	int mr = external_init(&sh, force, sh.interactive);
	if (mr < 0)
		fprintf(stderr, "shark: cannot set up the memo engine: %s\n", strerror(-mr));
	/* An interactive shell finds its workspace now (its errors show at
	 * the start); a script's shell when it first needs it. */
	if (sh.interactive)
		external_ensure(&sh);
	signals_init(&sh);
	if (sh.interactive)
		interactive_init(&sh);
	int status = shell_run_source(&sh);
	shell_exit(&sh, status);
}
