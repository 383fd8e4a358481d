/* test_sandbox_filter.c - the seccomp programs built into the library (made
 * by mk/filter-gen.c when shark was built) are exactly what sandbox/filter.c
 * compiles now: a stale or mistranscribed built-in program would change
 * the security boundary silently. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/internal.h"

Test(sandbox_filter, builtin_programs_match_the_tables)
{
	int variants = 0;

	for (int v = 0; v < SANDBOX_FILTER_VARIANTS; v++) {
		bool trace = v & 1, tty_in = v & 2, network = v & 4;
		const struct sock_fprog *b = &sandbox_filter_builtin[v];
		struct sock_fprog p;

		if (sandbox_filter_index(trace, tty_in, network) != v) {
			cr_expect_eq(b->len, 0, "variant %d does not exist", v);
			continue;
		}
		cr_assert_eq(sandbox_filter_compile(trace, tty_in, network, &p), 0);
		cr_expect_eq(b->len, p.len, "variant %d: %u instructions built in, %u compiled",
			     v, (unsigned)b->len, (unsigned)p.len);
		cr_expect(b->len == p.len &&
			  memcmp(b->filter, p.filter, p.len * sizeof(p.filter[0])) == 0,
			  "variant %d differs from what filter.c compiles", v);
		free(p.filter);
		variants++;
	}
	cr_expect_eq(variants, 6);
}

Test(sandbox_filter, variants_differ_where_the_flags_do)
{
	/* trace adds the notify rules, network drops the family rules:
	 * an index mix-up would load the wrong boundary. */
	const struct sock_fprog *plain = &sandbox_filter_builtin[sandbox_filter_index(false, false, false)];
	const struct sock_fprog *traced = &sandbox_filter_builtin[sandbox_filter_index(true, false, false)];
	const struct sock_fprog *net = &sandbox_filter_builtin[sandbox_filter_index(false, false, true)];

	cr_expect_gt(traced->len, plain->len);
	cr_expect_lt(net->len, plain->len);
	cr_expect_eq(sandbox_filter_index(false, true, false), sandbox_filter_index(false, false, false));
}
