/* xxh_collide.h - two different inputs with one XXH3-128 hash, for tests.
 *
 * Why keyed hashing matters, made concrete. XXH3 (inputs over 240 bytes)
 * adds each 8-byte input word w to a neighbouring accumulator lane and
 * adds lo32(w ^ k) * hi32(w ^ k) to its own, k being the secret word for
 * that stripe and lane. Whoever knows the secret picks w with
 * lo32(w ^ k) = 0: the product vanishes and the word only adds itself.
 * Two inputs whose such words in one lane have the same sum over the
 * stripes of a block then leave identical accumulators: swap the high
 * halves of lane 0 between stripes 0 and 1 and the hash stays the same.
 * With XXH3's public default secret anyone can do this; with a secret
 * derived from a key nobody else has, nobody can. */
#ifndef SHARK_TEST_XXH_COLLIDE_H
#define SHARK_TEST_XXH_COLLIDE_H

#include <stdint.h>
#include <string.h>

#define XXH_COLLIDE_LEN 4096

static inline uint64_t xxh_collide_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void xxh_collide_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Fill a and b (XXH_COLLIDE_LEN bytes each) with two different inputs that
 * have the same XXH3-128 (and XXH3-64) hash under secret (at least 136
 * bytes, as XXH3 requires). The bytes not involved are filled from fill
 * so that tests can make several distinct pairs. */
static inline void xxh_collide(const uint8_t *secret, uint8_t fill, uint8_t *a, uint8_t *b)
{
	for (size_t i = 0; i < XXH_COLLIDE_LEN; i++)
		a[i] = (uint8_t)(fill + i * 7);
	/* stripe s (64 bytes of input) uses the secret from offset 8 * s */
	uint64_t k0 = xxh_collide_le64(secret + 0), k1 = xxh_collide_le64(secret + 8);
	uint64_t h0 = 0x11111111, h1 = 0x22222222;
	memcpy(b, a, XXH_COLLIDE_LEN);
	xxh_collide_put64(a + 0, h0 << 32 | (k0 & 0xffffffffu));
	xxh_collide_put64(a + 64, h1 << 32 | (k1 & 0xffffffffu));
	xxh_collide_put64(b + 0, h1 << 32 | (k0 & 0xffffffffu));
	xxh_collide_put64(b + 64, h0 << 32 | (k1 & 0xffffffffu));
}

#endif
