/* hash.c - keyed XXH3-128 hashing: bytes, streams, files and directory
 * listings.
 *
 * Every hash is XXH3-128 with a secret derived from the open store's key
 * (store_hash_key_install, called by store_open): XXH3's default secret is
 * public, so with it anyone can construct two inputs with one hash, and a
 * content-addressed store would then mix them up. The secret is the
 * process's, not a handle's: every store open in a process at one time must
 * share one key (store_open refuses another). Before any store is opened,
 * hashes are plain XXH3-128 (what `xxh128sum` prints).
 *
 * libxxhash is linked statically (its static archive is plain SSE2); on a
 * CPU with AVX2 the hashing itself runs through hash_avx2.c, the same code
 * compiled for AVX2 (twice as fast on large inputs). Files are read in chunks that fit in L2, so the copy from the
 * page cache and the hash both run from cache. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_generateSecret, XXH3_SECRET_DEFAULT_SIZE */
#include <xxhash.h>

#include "store/hash_avx2.h"

#include "store/internal.h"

/* 256 KiB: large enough that syscalls are cheap per byte, small enough that
 * the buffer stays in L2 between read() and the hash. */
#define HASH_CHUNK (256u << 10)
/* Files up to this size are hashed from a stack buffer in one shot. */
#define HASH_SMALL (16u << 10)

struct store_hasher {
	XXH3_state_t *state;
};

/* The installed key: the XXH3 secret made from it, its fingerprint, and how
 * many open store handles use it. XXH3 states keep a pointer to the secret,
 * so the buffer is static and only rewritten when no handle uses it. */
static uint8_t hash_secret[XXH3_SECRET_DEFAULT_SIZE];
static uint8_t hash_key[STORE_KEY_SIZE];
static bool hash_keyed;
static unsigned hash_key_users;
static pthread_mutex_t hash_key_lock = PTHREAD_MUTEX_INITIALIZER;

int store_hash_key_install(const uint8_t key[STORE_KEY_SIZE])
{
	int r = 0;
	pthread_mutex_lock(&hash_key_lock);
	if (hash_keyed && memcmp(hash_key, key, STORE_KEY_SIZE) == 0) {
		hash_key_users++;
	} else if (hash_key_users) {
		r = STORE_EKEY; /* another store with another key is open */
	} else if (XXH3_generateSecret(hash_secret, sizeof(hash_secret), key, STORE_KEY_SIZE) !=
		   XXH_OK) {
		r = -EINVAL;
	} else {
		memcpy(hash_key, key, STORE_KEY_SIZE);
		hash_keyed = true;
		hash_key_users = 1;
	}
	pthread_mutex_unlock(&hash_key_lock);
	return r;
}

void store_hash_key_release(void)
{
	/* The key stays installed (hashes made after a close still match the
	 * store's), but another may now replace it. */
	pthread_mutex_lock(&hash_key_lock);
	if (hash_key_users)
		hash_key_users--;
	pthread_mutex_unlock(&hash_key_lock);
}

static void hash_from_xxh(XXH128_hash_t x, store_hash *ret)
{
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, x);
	memcpy(ret->bytes, c.digest, STORE_HASH_SIZE);
}

static void hash_from_halves(const uint64_t h[2], store_hash *ret)
{
	XXH128_hash_t x = { .low64 = h[0], .high64 = h[1] };
	hash_from_xxh(x, ret);
}

void store_hash_bytes(const void *data, size_t len, store_hash *ret)
{
	if (hash_avx2_usable()) {
		uint64_t h[2];
		hash_avx2_oneshot(data, len, hash_keyed ? hash_secret : NULL, sizeof(hash_secret),
				  h);
		hash_from_halves(h, ret);
	} else if (hash_keyed)
		hash_from_xxh(XXH3_128bits_withSecret(data, len, hash_secret, sizeof(hash_secret)),
			      ret);
	else
		hash_from_xxh(XXH3_128bits(data, len), ret);
}

static void hasher_reset(XXH3_state_t *state)
{
	if (hash_keyed)
		XXH3_128bits_reset_withSecret(state, hash_secret, sizeof(hash_secret));
	else
		XXH3_128bits_reset(state);
}

bool store_hash_equal(const store_hash *a, const store_hash *b)
{
	return memcmp(a->bytes, b->bytes, STORE_HASH_SIZE) == 0;
}

bool store_hash_is_zero(const store_hash *h)
{
	static const store_hash zero;
	return store_hash_equal(h, &zero);
}

void store_hash_to_hex(const store_hash *h, char out[STORE_HASH_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < STORE_HASH_SIZE; i++) {
		out[2 * i] = digits[h->bytes[i] >> 4];
		out[2 * i + 1] = digits[h->bytes[i] & 15];
	}
	out[STORE_HASH_HEX_LEN] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int store_hash_from_hex(const char *hex, size_t len, store_hash *ret)
{
	store_hash h;
	if (!hex || len != STORE_HASH_HEX_LEN)
		return -EINVAL;
	for (size_t i = 0; i < STORE_HASH_SIZE; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		h.bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	*ret = h;
	return 0;
}

int store_hasher_new(store_hasher **ret)
{
	store_hasher *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->state = XXH3_createState();
	if (!h->state) {
		free(h);
		return -ENOMEM;
	}
	hasher_reset(h->state);
	*ret = h;
	return 0;
}

void store_hasher_update(store_hasher *h, const void *data, size_t len)
{
	if (!len)
		return;
	if (hash_avx2_usable())
		hash_avx2_update(h->state, data, len);
	else
		XXH3_128bits_update(h->state, data, len);
}

void store_hasher_final(const store_hasher *h, store_hash *ret)
{
	if (hash_avx2_usable()) {
		uint64_t x[2];
		hash_avx2_digest(h->state, x);
		hash_from_halves(x, ret);
	} else {
		hash_from_xxh(XXH3_128bits_digest(h->state), ret);
	}
}

void store_hasher_reset(store_hasher *h)
{
	hasher_reset(h->state);
}

void store_hasher_free(store_hasher *h)
{
	if (!h)
		return;
	XXH3_freeState(h->state);
	free(h);
}

/* Read until buf is full or EOF; returns bytes read or -errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t size)
{
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int store_hash_fd(int fd, store_hash *ret, uint64_t *ret_size)
{
	uint8_t small[HASH_SMALL];
	ssize_t n = read_full(fd, small, sizeof(small));
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(small)) {
		store_hash_bytes(small, (size_t)n, ret);
		if (ret_size)
			*ret_size = (uint64_t)n;
		return 0;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	store_hasher *h;
	int r = store_hasher_new(&h);
	if (r < 0)
		return r;
	uint8_t *buf = malloc(HASH_CHUNK);
	if (!buf) {
		store_hasher_free(h);
		return -ENOMEM;
	}
	uint64_t total = (uint64_t)n;
	store_hasher_update(h, small, (size_t)n);
	for (;;) {
		n = read_full(fd, buf, HASH_CHUNK);
		if (n < 0) {
			r = (int)n;
			break;
		}
		store_hasher_update(h, buf, (size_t)n);
		total += (uint64_t)n;
		if ((size_t)n < HASH_CHUNK)
			break;
	}
	if (r == 0) {
		store_hasher_final(h, ret);
		if (ret_size)
			*ret_size = total;
	}
	free(buf);
	store_hasher_free(h);
	return r;
}

int store_hash_fd_sized(int fd, uint64_t expected_size, store_hash *ret)
{
	if (expected_size >= HASH_SMALL)
		return store_hash_fd(fd, ret, NULL);
	/* One read when it returns exactly the expected size: the caller
	 * re-stats afterwards, so a file that grew meanwhile is noticed. */
	uint8_t small[HASH_SMALL];
	ssize_t n;
	do
		n = read(fd, small, sizeof(small));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((uint64_t)n == expected_size) {
		store_hash_bytes(small, (size_t)n, ret);
		return 0;
	}
	/* not the expected size (it changed, or a short read): read to EOF */
	store_hasher *h;
	int r = store_hasher_new(&h);
	if (r < 0)
		return r;
	store_hasher_update(h, small, (size_t)n);
	uint8_t *buf = malloc(HASH_CHUNK);
	if (!buf) {
		store_hasher_free(h);
		return -ENOMEM;
	}
	while ((n = read_full(fd, buf, HASH_CHUNK)) > 0)
		store_hasher_update(h, buf, (size_t)n);
	free(buf);
	if (n == 0)
		store_hasher_final(h, ret);
	store_hasher_free(h);
	return n < 0 ? (int)n : 0;
}

int store_hash_file(int dirfd, const char *path, int at_flags, store_hash *ret,
		    uint64_t *ret_size)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (at_flags & AT_SYMLINK_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	int fd = openat(dirfd, path, oflags);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENODEV;
	}
	int r = store_hash_fd(fd, ret, ret_size);
	close(fd);
	return r;
}

struct dir_entry {
	char *name;
	size_t len;
	char type;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static char entry_type(int dfd, const struct dirent *de)
{
	unsigned char t = de->d_type;
	if (t == DT_UNKNOWN) {
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 'o';
		if (S_ISREG(st.st_mode))
			return 'f';
		if (S_ISDIR(st.st_mode))
			return 'd';
		if (S_ISLNK(st.st_mode))
			return 'l';
		return 'o';
	}
	return t == DT_REG ? 'f' : t == DT_DIR ? 'd' : t == DT_LNK ? 'l' : 'o';
}

int store_dir_listing_hash(int dirfd, const char *path, store_hash *ret)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct dir_entry *ents = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
			continue;
		if (n == STORE_MAX_DIR_ENTRIES) {
			r = STORE_ELIMIT;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct dir_entry *ne = reallocarray(ents, ncap, sizeof(*ents));
			if (!ne) {
				r = -ENOMEM;
				break;
			}
			ents = ne;
			cap = ncap;
		}
		size_t len = strlen(nm);
		ents[n].name = malloc(len + 1);
		if (!ents[n].name) {
			r = -ENOMEM;
			break;
		}
		memcpy(ents[n].name, nm, len + 1);
		ents[n].len = len;
		ents[n].type = entry_type(fd, de);
		n++;
		errno = 0;
	}
	if (r == 0 && errno)
		r = -errno;
	if (r == 0) {
		if (n > 1)
			qsort(ents, n, sizeof(*ents), entry_cmp);
		store_hasher *h;
		r = store_hasher_new(&h);
		if (r == 0) {
			for (size_t i = 0; i < n; i++) {
				char tail[2] = { '\0', ents[i].type };
				store_hasher_update(h, ents[i].name, ents[i].len);
				store_hasher_update(h, tail, 2);
			}
			store_hasher_final(h, ret);
			store_hasher_free(h);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
	closedir(d);
	return r;
}
