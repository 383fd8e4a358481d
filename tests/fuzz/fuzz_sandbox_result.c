/* fuzz_sandbox_result.c - the decoder of the result record pid 1 writes must
 * refuse or accept any bytes without crashing, leaking or over-reading,
 * and what it accepts must re-encode to the same bytes. */
#include "sandbox/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sandbox_result *r;
	void *again;
	size_t n;

	if (sandbox_result_decode(data, size, &r) != 0)
		return 0;
	if (sandbox_result_encode(r, &again, &n) == 0) {
		if (n != size || memcmp(again, data, n) != 0)
			abort();
		free(again);
	}
	sandbox_result_free(r);
	return 0;
}
