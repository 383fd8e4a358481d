/* fuzz_remote_entry.c - fuzz the shared cache's action-entry decoder
 * (store_remote_entry_decode), which reads what a cache server sends.
 *
 * Any input must either be rejected with an error or decode into traces
 * that encode back, entry and all, to exactly the same bytes. The decoder
 * must never read outside the input (ASan) or crash. Corpus:
 * tests/fuzz/corpus/remote_entry (valid entries and broken ones). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_trace **t;
	size_t n;
	int r = store_remote_entry_decode(data, size, &t, &n);
	if (r < 0) {
		if (r != STORE_REMOTE_EBADENTRY && r != STORE_EBADTRACE && r != STORE_EVERSION &&
		    r != STORE_ELIMIT && r != -ENOMEM)
			abort();
		return 0;
	}
	if (n == 0 || n > STORE_REMOTE_MAX_TRACES)
		abort();
	uint8_t *enc[STORE_REMOTE_MAX_TRACES];
	size_t len[STORE_REMOTE_MAX_TRACES];
	for (size_t i = 0; i < n; i++)
		if (store_trace_encode(t[i], &enc[i], &len[i]) < 0)
			abort();
	uint8_t *again;
	size_t again_len;
	if (store_remote_entry_encode((const uint8_t *const *)enc, len, n, &again, &again_len) < 0)
		abort();
	if (again_len != size || memcmp(again, data, size) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
		free(enc[i]);
	free(again);
	store_remote_traces_free(t, n);
	return 0;
}
