/* hash_avx2.h - XXH3-128 compiled for AVX2 (hash_avx2.c), internal to
 * store/hash.c, which calls these only when the CPU has AVX2
 * (hash_avx2_usable). The results are XXH3-128's, bit for bit, whatever the
 * vector unit: a store written on one machine reads the same on another. */
#ifndef STORE_HASH_AVX2_H
#define STORE_HASH_AVX2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does this CPU (and OS) run AVX2 code? Asked once, then cached. */
bool hash_avx2_usable(void);
/* XXH3_128bits_withSecret / XXH3_128bits (secret NULL) on AVX2: the hash's
 * low 64 bits in ret[0], its high 64 bits in ret[1]. */
void hash_avx2_oneshot(const void *data, size_t len, const void *secret, size_t secret_len,
		       uint64_t ret[2]);
/* XXH3_128bits_update and XXH3_128bits_digest on AVX2. state is the
 * library's XXH3_state_t (its layout is xxhash.h's, the same in both
 * compilations; it is passed untyped because the inlined copy's type has
 * another name), reset by the library's reset functions. */
void hash_avx2_update(void *state, const void *data, size_t len);
void hash_avx2_digest(const void *state, uint64_t ret[2]);

#endif
