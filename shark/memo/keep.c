/* keep.c - which pipeline intermediates are worth storing (docs/memo.md,
 * "Intermediate outputs").
 *
 * A stage whose stdout only feeds the next stage of the same pipeline
 * needs that output stored only for one purpose: a later run whose next
 * stage misses reads it back instead of running the stage again. Storing
 * costs writing it and reading it back; not storing costs running the
 * stage again, about its CPU time (its wall time in a pipeline is mostly
 * its consumer's pace). So an output is kept when it is small, or when the
 * stage spent more time per byte than the store needs to write a byte and
 * read it back; otherwise only its hash and size are recorded, which is
 * all a lookup of the next stage needs. The decision is only ever about
 * cost: a stage kept by hash only is regenerated when its output is needed
 * (pipeline.c), and what a stage reads is keyed as it really was (run.c). */
#include <string.h>

#include "shark/memo/memo_int.h"

enum memo_keep memo_keep_policy(char *const *envp)
{
	const char *v = memo_env_get(envp, "SHARK_KEEP_INTERMEDIATES");
	if (v && strcmp(v, "all") == 0)
		return MEMO_KEEP_ALL;
	if (v && strcmp(v, "none") == 0)
		return MEMO_KEEP_NONE;
	return MEMO_KEEP_AUTO; /* unset, "auto", or anything else */
}

/* The store's cost per byte kept: writing it with its sync (about 2.6
 * ns/B on the development VM's disk) and reading it back (0.2 ns/B from
 * the page cache), rounded up. */
static uint64_t keep_cost_ns(uint64_t size)
{
	return size > UINT64_MAX / MEMO_KEEP_NS_PER_BYTE ? UINT64_MAX
							  : size * MEMO_KEEP_NS_PER_BYTE;
}

bool memo_keep_stop_early(enum memo_keep k, uint64_t size, uint64_t elapsed_ns)
{
	if (k == MEMO_KEEP_ALL)
		return false;
	if (k == MEMO_KEEP_NONE)
		return size > 0;
	/* faster than the store so far: its CPU time, at most its wall time,
	 * is below the bound unless it slows down a lot later */
	return size > MEMO_KEEP_SMALL && elapsed_ns < keep_cost_ns(size);
}

bool memo_keep_output(enum memo_keep k, uint64_t size, uint64_t wall_ns, uint64_t cpu_ns)
{
	if (k == MEMO_KEEP_ALL || size == 0)
		return true;
	if (k == MEMO_KEEP_NONE)
		return false;
	uint64_t cost = cpu_ns < wall_ns ? cpu_ns : wall_ns;
	return size <= MEMO_KEEP_SMALL || cost >= keep_cost_ns(size);
}
