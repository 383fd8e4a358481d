/* fuzz_trace_run.c - fuzz the run-history record decoder.
 *
 * Run records share the trace encoding's rules (trace.c); any input must be
 * rejected with an error or decode into a record that re-encodes to the
 * same bytes. Corpus: tests/fuzz/corpus/trace_run. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_run *r;
	int e = store_run_decode(data, size, &r);
	if (e < 0) {
		if (e != STORE_EBADTRACE && e != STORE_EVERSION && e != STORE_ELIMIT && e != -ENOMEM)
			abort();
		return 0;
	}
	uint8_t *again;
	size_t len;
	if (store_run_encode(r, &again, &len) < 0)
		abort();
	if (len != size || memcmp(again, data, size) != 0)
		abort();
	if (strlen(r->cwd) + strlen(r->command) + strlen(r->reason) > size)
		abort();
	free(again);
	store_run_free(r);
	return 0;
}
