/* test_sandbox_result.c - the result record: round trip, and corrupt
 * records refused. */
#include "sandbox/internal.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const struct sandbox_access sample[] = {
	{ "/etc/passwd", SANDBOX_ACCESS_READ },
	{ "/usr/bin/cat", SANDBOX_ACCESS_EXEC | SANDBOX_ACCESS_STAT },
	{ "/ws/out", SANDBOX_ACCESS_WRITE | SANDBOX_ACCESS_ABSENT | SANDBOX_ACCESS_OUTPUT },
};

static void encode_sample(void **data, size_t *size)
{
	struct sandbox_result r = { .exit_code = 130, .term_signal = 2,
				    .flags = SANDBOX_RESULT_FIFO, .wall_ns = 7,
				    .attrs = SANDBOX_ATTR_RLIMIT(7) | SANDBOX_ATTR_AFFINITY |
					     SANDBOX_ATTR_SCHED | SANDBOX_ATTR_IOPRIO,
				    .n_accesses = 3, .accesses = sample };

	cr_assert_eq(sandbox_result_encode(&r, data, size), 0);
}

Test(sandbox_result, round_trip)
{
	struct sandbox_result *r;
	void *data;
	size_t size;

	encode_sample(&data, &size);
	cr_assert_eq(sandbox_result_decode(data, size, &r), 0);
	cr_expect_eq(r->exit_code, 130);
	cr_expect_eq(r->term_signal, 2);
	cr_expect_eq(r->flags, SANDBOX_RESULT_FIFO);
	cr_expect_eq(r->wall_ns, 7);
	cr_expect_eq(r->attrs, SANDBOX_ATTR_RLIMIT(7) | SANDBOX_ATTR_AFFINITY | SANDBOX_ATTR_SCHED |
				       SANDBOX_ATTR_IOPRIO);
	cr_assert_eq(r->n_accesses, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_expect_str_eq(r->accesses[i].path, sample[i].path);
		cr_expect_eq(r->accesses[i].kinds, sample[i].kinds);
	}
	sandbox_result_free(r);
	free(data);
}

Test(sandbox_result, every_truncation_is_refused)
{
	struct sandbox_result *r = NULL;
	void *data;
	size_t size;

	encode_sample(&data, &size);
	for (size_t n = 0; n < size; n++)
		cr_expect_eq(sandbox_result_decode(data, n, &r),
			     SANDBOX_E_RESULT, "length %zu", n);
	cr_expect_null(r);
	free(data);
}

Test(sandbox_result, corrupt_fields_are_refused)
{
	struct sandbox_result *r = NULL;
	unsigned char *d;
	void *data;
	size_t size;

	encode_sample(&data, &size);
	d = data;
	d[0] = 'X'; /* magic */
	cr_expect_eq(sandbox_result_decode(d, size, &r), SANDBOX_E_RESULT);
	d[0] = 'S';
	d[8] = 0xff; /* exit code 255 + 0xffffff00 */
	d[9] = 0xff;
	cr_expect_eq(sandbox_result_decode(d, size, &r), SANDBOX_E_RESULT);
	d[8] = 130;
	d[9] = 0;
	cr_assert_eq(sandbox_result_decode(d, size, &r), 0);
	sandbox_result_free(r);
	r = NULL;
	d[24 + 2] |= 0x20; /* attrs: bit 21, no attribute's */
	cr_expect_eq(sandbox_result_decode(d, size, &r), SANDBOX_E_RESULT);
	free(data);

	/* paths out of order (duplicates) */
	{
		struct sandbox_access dup[] = { { "/b", 1 }, { "/a", 1 } };
		struct sandbox_result in = { .n_accesses = 2, .accesses = dup };

		cr_assert_eq(sandbox_result_encode(&in, &data, &size), 0);
		cr_expect_eq(sandbox_result_decode(data, size, &r),
			     SANDBOX_E_RESULT);
		free(data);
	}
	/* a kind bit past SANDBOX_ACCESS_OUTPUT */
	{
		struct sandbox_access odd[] = { { "/a", SANDBOX_ACCESS_OUTPUT << 1 } };
		struct sandbox_result in = { .n_accesses = 1, .accesses = odd };

		cr_assert_eq(sandbox_result_encode(&in, &data, &size), 0);
		cr_expect_eq(sandbox_result_decode(data, size, &r),
			     SANDBOX_E_RESULT);
		free(data);
	}
	/* a relative path */
	{
		struct sandbox_access rel[] = { { "a", 1 } };
		struct sandbox_result in = { .n_accesses = 1, .accesses = rel };

		cr_assert_eq(sandbox_result_encode(&in, &data, &size), 0);
		cr_expect_eq(sandbox_result_decode(data, size, &r),
			     SANDBOX_E_RESULT);
		free(data);
	}
	cr_expect_null(r);
}
