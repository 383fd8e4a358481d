/* fuzz_trace.c - fuzz the trace decoder (store_trace_decode).
 *
 * Any input must either be rejected with an error or decode into a trace
 * that re-encodes to exactly the same bytes (one encoding per trace, which
 * trace ids rely on). The decoder must never read outside the input (ASan)
 * or crash. Corpus: tests/fuzz/corpus/trace (valid encodings and garbage). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_trace *t;
	int r = store_trace_decode(data, size, &t);
	if (r < 0) {
		if (r != STORE_EBADTRACE && r != STORE_EVERSION && r != STORE_ELIMIT && r != -ENOMEM)
			abort();
		return 0;
	}
	uint8_t *again;
	size_t len;
	if (store_trace_encode(t, &again, &len) < 0)
		abort();
	if (len != size || memcmp(again, data, size) != 0)
		abort();
	/* touch every decoded string so ASan checks they are in the block */
	size_t total = 0;
	for (size_t i = 0; i < t->n_inputs; i++)
		total += strlen(t->inputs[i].path) + (t->inputs[i].target ? strlen(t->inputs[i].target) : 0);
	for (size_t i = 0; i < t->n_effects; i++)
		total += strlen(t->effects[i].path) + (t->effects[i].target ? strlen(t->effects[i].target) : 0);
	if (total > size)
		abort();
	free(again);
	store_trace_free(t);
	return 0;
}
