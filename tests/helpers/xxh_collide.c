/* xxh_collide.c - write two different files with one plain XXH3-128 hash
 * (XXH3's public default secret), for the end-to-end tests of keyed
 * hashing: xxh_collide A B [FILL]. See xxh_collide.h. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <stdio.h>
#include <stdlib.h>

#include "tests/helpers/xxh_collide.h"

static int write_file(const char *path, const uint8_t *data)
{
	FILE *f = fopen(path, "wbe");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, XXH_COLLIDE_LEN, f);
	return fclose(f) == 0 && n == XXH_COLLIDE_LEN ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: xxh_collide A B [FILL]\n");
		return 2;
	}
	static uint8_t a[XXH_COLLIDE_LEN], b[XXH_COLLIDE_LEN];
	xxh_collide(XXH3_kSecret, (uint8_t)(argc > 3 ? atoi(argv[3]) : 0), a, b);
	XXH128_hash_t ha = XXH3_128bits(a, sizeof(a)), hb = XXH3_128bits(b, sizeof(b));
	if (!XXH128_isEqual(ha, hb) || memcmp(a, b, sizeof(a)) == 0) {
		fprintf(stderr, "xxh_collide: no collision\n");
		return 1;
	}
	if (write_file(argv[1], a) < 0 || write_file(argv[2], b) < 0) {
		perror("xxh_collide");
		return 1;
	}
	return 0;
}
