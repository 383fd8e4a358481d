/* hash_avx2.c - XXH3-128 compiled for AVX2, for store/hash.c.
 *
 * libxxhash is linked statically (one shared library less for the dynamic
 * loader at every shark start, docs/performance.md), and its static archive
 * is built for the baseline x86-64 (SSE2) without the runtime dispatcher the
 * shared library has. So this file compiles xxhash's header-only code once
 * more, for AVX2 (about twice SSE2's speed on large inputs here), and
 * hash.c picks it at run time when the CPU has AVX2. Everything from the
 * header is static to this file (XXH_INLINE_ALL), so nothing clashes with
 * the library's symbols. */
#include "store/hash_avx2.h"

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2")
#define XXH_VECTOR XXH_AVX2
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>

static void split(XXH128_hash_t h, uint64_t ret[2])
{
	ret[0] = h.low64;
	ret[1] = h.high64;
}

void hash_avx2_oneshot(const void *data, size_t len, const void *secret, size_t secret_len,
		       uint64_t ret[2])
{
	if (secret)
		split(XXH3_128bits_withSecret(data, len, secret, secret_len), ret);
	else
		split(XXH3_128bits(data, len), ret);
}

void hash_avx2_update(void *state, const void *data, size_t len)
{
	(void)XXH3_128bits_update(state, data, len);
}

void hash_avx2_digest(const void *state, uint64_t ret[2])
{
	split(XXH3_128bits_digest(state), ret);
}

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC pop_options
#endif

#if defined(__x86_64__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#define HAVE_GLIBC_X86_FEATURES 1
#include <sys/platform/x86.h>
#endif
#endif

bool hash_avx2_usable(void)
{
#ifdef HAVE_GLIBC_X86_FEATURES
	/* glibc's own record of the CPU (made by the dynamic loader at
	 * start; "active" means the OS saves the AVX registers too): no CPUID
	 * here, and no libgcc constructor probing the CPU at every start
	 * (__builtin_cpu_supports links one in; CPUID traps to the
	 * hypervisor on a VM). */
	static int usable = -1;
	if (usable < 0)
		usable = CPU_FEATURE_ACTIVE(AVX2) ? 1 : 0;
	return usable == 1;
#else
	return false;
#endif
}
