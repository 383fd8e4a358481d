/* twin.h - the static shark and its dynamic twin.
 *
 * The installed shark is linked -static-pie (no loader at any start:
 * docs/performance.md, "A static shark and its dynamic twin"). A static
 * program cannot safely load shared libraries that bring their own libc,
 * so the features that need one (line editing: readline; the shared
 * cache: libcurl; export and import: libarchive) and user lookups beyond
 * /etc/passwd (NSS modules) are served by the twin, the same sources
 * linked dynamically, at ../libexec/shark/shark from the shark binary.
 * twin_static.c is linked into the static shark, twin_dyn.c into the twin
 * and into a dynamic shark (SANITIZE=1, or no static archives). */
#ifndef SHARK_TWIN_H
#define SHARK_TWIN_H

#include <stdbool.h>

/* The twin's path relative to the directory of the shark binary. Its name
 * is shark too, so that the process keeps its name (ps, pgrep -x shark)
 * across the exec; util/self.c knows the twin by that path. */
#define TWIN_REL "../libexec/shark/shark"

/* First thing in main: in the twin, serve a lookup the static shark asked
 * for (never returns then); in the static shark, exec the twin with the
 * same argv and environment when the command line already says a library
 * is needed (needs_library: a subcommand using one, cli_needs_library;
 * or SHARK_REMOTE set). Elsewhere nothing. */
void twin_main_start(int argc, char **argv, bool needs_library);

/* Once the shell knows it is interactive, before it reads or runs
 * anything: the static shark execs the twin (argv as main got it). When
 * the twin cannot be run, both return and the feature reports the twin's
 * absence where it would report a missing library. */
void twin_need(void);

#endif
