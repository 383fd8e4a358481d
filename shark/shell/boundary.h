/* boundary.h - where the shell itself may write (boundary.c).
 *
 * Commands run in the sandbox, where the host is read-only and the
 * workspace an overlay; the shell's own redirections obey the same rule:
 * a write (>, >>, >|, <>) may create or change only a path inside the
 * workspace, /tmp or $TMPDIR (the temporary area commands and the shell
 * share), or a path granted with SHARK_WRITABLE=DIR:DIR... (which the
 * commands' sandboxes get as writable binds too). Terminals, /dev/null,
 * /dev/zero, /dev/full, /dev/std*, /dev/fd/N, /proc/self/fd/N and FIFOs
 * keep working. docs/language.md, "Where the shell writes". */
#ifndef SHARK_SHELL_BOUNDARY_H
#define SHARK_SHELL_BOUNDARY_H

#include <stdbool.h>
#include <sys/types.h>

struct boundary;

/* boundary_new - the boundary of a shell whose workspace is workspace
 * (realpath'ed; NULL or "/": none, only /tmp and the grants are writable).
 * Reads $TMPDIR and $SHARK_WRITABLE from the process environment (the one
 * the user started shark with: a script assigning them changes nothing).
 * Grants that are not absolute existing directories or files are left out
 * and named in *ret_bad (malloc'ed, ':'-separated; NULL if none).
 * Errors: -ENOMEM. Free with boundary_free. */
int boundary_new(const char *workspace, struct boundary **ret, char **ret_bad);

/* boundary_free - NULL-safe. */
void boundary_free(struct boundary *b);

/* boundary_grants - the SHARK_WRITABLE paths, realpath'ed, NULL-terminated;
 * owned by b. */
char *const *boundary_grants(const struct boundary *b);

/* boundary_workspace - the workspace root, or NULL. */
const char *boundary_workspace(const struct boundary *b);

enum { BOUNDARY_REFUSED = -2 };

/* boundary_open - open(name, flags, mode) for a redirection. A read-only
 * open is passed through. A write is allowed to the fd aliases, terminals,
 * null/zero/full and FIFOs (opened without O_CREAT and O_TRUNC, and checked
 * after opening), and otherwise resolved with openat2 RESOLVE_BENEATH from
 * the writable root that holds its directory, so no symlink leads out.
 * Returns the fd; -1 with errno when the open failed; BOUNDARY_REFUSED when
 * the path lies outside every writable root, with its real directory (or
 * the path) copied into refused_dir (size bytes; "" for an fd alias whose
 * descriptor is not open for writing: reopening it would write the file
 * whatever the descriptor's mode). b NULL: no rule. */
int boundary_open(const struct boundary *b, const char *name, int flags, mode_t mode,
		  char *refused_dir, size_t size);

#endif
