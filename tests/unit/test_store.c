/* test_store.c - hashing, opening a store, and blobs. */
#include <signal.h>
#include <sys/wait.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "test_store_util.h"
#include "tests/helpers/xxh_collide.h"

static store_hash hash_of(const char *s)
{
	store_hash h;
	store_hash_bytes(s, strlen(s), &h);
	return h;
}

static void hex_of(const store_hash *h, char *out)
{
	store_hash_to_hex(h, out);
}

/* ---- hashing ---------------------------------------------------------------- */

Test(hash, matches_xxh128sum)
{
	char hex[33];
	store_hash h = hash_of("");
	hex_of(&h, hex);
	cr_assert_str_eq(hex, "99aa06d3014798d86001c324468d497f");
	h = hash_of("abc");
	hex_of(&h, hex);
	cr_assert_str_eq(hex, "06b05ab6733a618578af5f94892f3950");
}

/* The AVX2 compilation (store/hash_avx2.c, used on CPUs that have it) and
 * the library's SSE2 code give the same hashes: one-shot and streamed, at
 * every length around XXH3's block and stripe sizes, in odd-sized pieces. */
Test(hash, vector_code_matches_reference)
{
	enum { MAX = 9000 };
	static uint8_t buf[MAX];
	for (size_t i = 0; i < MAX; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 7));
	for (size_t len = 0; len < MAX; len += len < 300 ? 1 : 97) {
		XXH128_canonical_t c;
		XXH128_canonicalFromHash(&c, XXH3_128bits(buf, len));
		store_hash h;
		store_hash_bytes(buf, len, &h);
		cr_assert(memcmp(h.bytes, c.digest, STORE_HASH_SIZE) == 0, "one-shot, %zu bytes", len);
		store_hasher *sh;
		cr_assert_eq(store_hasher_new(&sh), 0);
		for (size_t off = 0, piece = 1; off < len; off += piece, piece = piece * 3 % 1031 + 1)
			store_hasher_update(sh, buf + off, piece < len - off ? piece : len - off);
		store_hasher_final(sh, &h);
		store_hasher_free(sh);
		cr_assert(memcmp(h.bytes, c.digest, STORE_HASH_SIZE) == 0, "streamed, %zu bytes", len);
	}
}

Test(hash, hex_round_trip_and_errors)
{
	store_hash h = hash_of("round trip"), back;
	char hex[33];
	store_hash_to_hex(&h, hex);
	cr_assert_eq(store_hash_from_hex(hex, 32, &back), 0);
	cr_assert(store_hash_equal(&h, &back));
	char upper[33];
	for (int i = 0; i < 33; i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	cr_assert_eq(store_hash_from_hex(upper, 32, &back), 0);
	cr_assert(store_hash_equal(&h, &back));
	store_hash untouched = { { 7 } };
	cr_assert_eq(store_hash_from_hex(hex, 31, &untouched), -EINVAL);
	hex[5] = 'g';
	cr_assert_eq(store_hash_from_hex(hex, 32, &untouched), -EINVAL);
	cr_assert_eq(untouched.bytes[0], 7, "ret written on error");
	cr_assert_eq(store_hash_from_hex(NULL, 32, &untouched), -EINVAL);
}

Test(hash, equal_and_zero)
{
	store_hash z = { { 0 } }, a = hash_of("a"), b = hash_of("b");
	cr_assert(store_hash_is_zero(&z));
	cr_assert_not(store_hash_is_zero(&a));
	cr_assert(store_hash_equal(&a, &a));
	cr_assert_not(store_hash_equal(&a, &b));
}

Test(hash, streaming_equals_one_shot)
{
	size_t n = 1 << 20;
	uint8_t *buf = malloc(n);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	store_hash one, streamed, again;
	store_hash_bytes(buf, n, &one);
	store_hasher *h;
	cr_assert_eq(store_hasher_new(&h), 0);
	size_t steps[] = { 1, 7, 64, 239, 4096, 100000 };
	size_t off = 0;
	for (int i = 0; off < n; i++) {
		size_t k = steps[i % 6] < n - off ? steps[i % 6] : n - off;
		store_hasher_update(h, buf + off, k);
		off += k;
	}
	store_hasher_final(h, &streamed);
	cr_assert(store_hash_equal(&one, &streamed));
	store_hasher_final(h, &again); /* final does not end the stream */
	cr_assert(store_hash_equal(&one, &again));
	store_hasher_reset(h);
	store_hasher_update(h, "abc", 3);
	store_hasher_final(h, &again);
	store_hash abc = hash_of("abc");
	cr_assert(store_hash_equal(&again, &abc));
	store_hasher_free(h);
	store_hasher_free(NULL);
	free(buf);
}

Test(hash, fd_file_pipe_and_sizes)
{
	char *dir = tu_tmpdir();
	char *f = tu_join(dir, "f");
	size_t sizes[] = { 0, 1, 16383, 16384, 16385, 262144 + 16384, 3u << 20 };
	uint8_t *buf = malloc(3u << 20);
	for (size_t i = 0; i < 3u << 20; i++)
		buf[i] = (uint8_t)(i ^ (i >> 9));
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		tu_write_file(f, buf, sizes[k]);
		store_hash want, got;
		uint64_t size = 12345;
		store_hash_bytes(buf, sizes[k], &want);
		int fd = open(f, O_RDONLY | O_CLOEXEC);
		cr_assert_eq(store_hash_fd(fd, &got, &size), 0);
		close(fd);
		cr_assert(store_hash_equal(&want, &got), "size %zu", sizes[k]);
		cr_assert_eq(size, sizes[k]);
		cr_assert_eq(store_hash_file(AT_FDCWD, f, 0, &got, NULL), 0);
		cr_assert(store_hash_equal(&want, &got));
	}
	/* from the current offset */
	tu_write_file(f, "xxabc", 5);
	int fd = open(f, O_RDONLY | O_CLOEXEC);
	cr_assert_eq(lseek(fd, 2, SEEK_SET), 2);
	store_hash got, abc = hash_of("abc");
	cr_assert_eq(store_hash_fd(fd, &got, NULL), 0);
	cr_assert(store_hash_equal(&got, &abc));
	close(fd);
	/* a pipe */
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 20; i++)
			if (write(p[1], buf, 100000) != 100000)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	store_hasher *h;
	store_hasher_new(&h);
	for (int i = 0; i < 20; i++)
		store_hasher_update(h, buf, 100000);
	store_hash want;
	store_hasher_final(h, &want);
	store_hasher_free(h);
	uint64_t size;
	cr_assert_eq(store_hash_fd(p[0], &got, &size), 0);
	cr_assert_eq(size, 2000000);
	cr_assert(store_hash_equal(&want, &got));
	close(p[0]);
	waitpid(pid, NULL, 0);
	/* errors */
	cr_assert_eq(store_hash_fd(-1, &got, NULL), -EBADF);
	cr_assert_eq(store_hash_file(AT_FDCWD, dir, 0, &got, NULL), -EISDIR);
	char *l = tu_join(dir, "link");
	cr_assert_eq(symlink(f, l), 0);
	cr_assert_eq(store_hash_file(AT_FDCWD, l, AT_SYMLINK_NOFOLLOW, &got, NULL), -ELOOP);
	cr_assert_eq(store_hash_file(AT_FDCWD, l, 0, &got, NULL), 0);
	cr_assert(store_hash_equal(&got, &abc) == false);
	char *missing = tu_join(dir, "missing");
	cr_assert_eq(store_hash_file(AT_FDCWD, missing, 0, &got, NULL), -ENOENT);
	free(missing);
	free(l);
	free(buf);
	free(f);
	tu_rmrf(dir);
}

static store_hash listing(const char *dir)
{
	store_hash h;
	int r = store_dir_listing_hash(AT_FDCWD, dir, &h);
	cr_assert_eq(r, 0, "listing %s: %s", dir, store_strerror(r));
	return h;
}

Test(hash, dir_listing)
{
	char *dir = tu_tmpdir();
	char *a = tu_join(dir, "a"), *b = tu_join(dir, "b");
	mkdir(a, 0700);
	mkdir(b, 0700);
	const char *names[] = { "x", "yy", "a.b", "z" };
	for (int i = 0; i < 4; i++) { /* created in opposite orders */
		char *p = tu_join(a, names[i]), *q = tu_join(b, names[3 - i]);
		tu_write_file(p, "1", 1);
		tu_write_file(q, "22", 2);
		free(p);
		free(q);
	}
	store_hash ha = listing(a), hb = listing(b);
	cr_assert(store_hash_equal(&ha, &hb), "order or content should not matter");
	char *p = tu_join(a, "x");
	tu_write_file(p, "changed", 7);
	store_hash h2 = listing(a);
	cr_assert(store_hash_equal(&ha, &h2));
	unlink(p);
	mkdir(p, 0700); /* same name, other type */
	h2 = listing(a);
	cr_assert_not(store_hash_equal(&ha, &h2));
	rmdir(p);
	store_hash h3 = listing(a);
	cr_assert_not(store_hash_equal(&h2, &h3));
	cr_assert_not(store_hash_equal(&ha, &h3));
	tu_write_file(p, "", 0);
	h3 = listing(a);
	cr_assert(store_hash_equal(&ha, &h3));
	/* empty dir vs empty data */
	char *e = tu_join(dir, "e");
	mkdir(e, 0700);
	store_hash he = listing(e), empty;
	store_hash_bytes("", 0, &empty);
	cr_assert(store_hash_equal(&he, &empty));
	cr_assert_eq(store_dir_listing_hash(AT_FDCWD, p, &he), -ENOTDIR);
	free(e);
	free(p);
	free(a);
	free(b);
	tu_rmrf(dir);
}

/* ---- opening -------------------------------------------------------------------- */

Test(open, default_path)
{
	char *p;
	setenv("SHARK_STORE", "/x/store", 1);
	cr_assert_eq(store_default_path(&p), 0);
	cr_assert_str_eq(p, "/x/store");
	free(p);
	setenv("SHARK_STORE", "", 1);
	setenv("XDG_CACHE_HOME", "/cache", 1);
	setenv("HOME", "/home/u", 1);
	cr_assert_eq(store_default_path(&p), 0);
	cr_assert_str_eq(p, "/cache/shark");
	free(p);
	setenv("XDG_CACHE_HOME", "relative", 1);
	cr_assert_eq(store_default_path(&p), 0);
	cr_assert_str_eq(p, "/home/u/.cache/shark");
	free(p);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	unsetenv("SHARK_STORE");
	p = (char *)0x1;
	cr_assert_eq(store_default_path(&p), -ENOENT);
	cr_assert_eq(p, (char *)0x1);
}

/* The store's marker (STORE_MARKER_FILE): made at the store's creation,
 * made again at the next open of a store without one (made before it
 * existed), never by a read-only open, and taken as sound by fsck and left
 * by gc. */
Test(open, marks_its_root)
{
	char *dir = tu_tmpdir();
	char *path = tu_join(dir, "store");
	char *mark = tu_join(path, STORE_MARKER_FILE);
	store *s;
	struct stat st;
	cr_assert_eq(store_open(path, 0, &s), 0);
	cr_assert_eq(lstat(mark, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0444);
	cr_assert_eq(st.st_size, 0);
	store_hash h;
	cr_assert_eq(store_blob_put(s, "hello", 5, &h), 0);
	store_close(s);
	cr_assert_eq(unlink(mark), 0);
	cr_assert_eq(store_open(path, STORE_RDONLY, &s), 0);
	store_close(s);
	cr_assert_eq(lstat(mark, &st), -1, "a read-only open makes nothing");
	cr_assert_eq(store_open(path, 0, &s), 0);
	cr_assert_eq(lstat(mark, &st), 0, "an old store gets its marker at open");
	struct store_fsck_report rep;
	cr_assert_eq(store_fsck(s, STORE_FSCK_HASH, NULL, NULL, &rep), 0);
	cr_assert_eq(rep.problems, 0);
	struct store_gc_options o = { 0 };
	struct store_gc_report gr;
	cr_assert_eq(store_gc(s, &o, &gr), 0);
	store_close(s);
	cr_assert_eq(lstat(mark, &st), 0, "gc left the marker");
	free(mark);
	free(path);
	tu_rmrf(dir);
}

Test(open, creates_0700_with_parents_and_reopens)
{
	char *dir = tu_tmpdir();
	char *path = tu_join(dir, "a/b/store");
	store *s;
	cr_assert_eq(store_open(path, 0, &s), 0);
	struct stat st;
	char *a = tu_join(dir, "a");
	cr_assert_eq(stat(a, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	const char *subs[] = { "objects", "tmp", "scratch", "index" };
	for (int i = 0; i < 4; i++) {
		char *q = tu_join(path, subs[i]);
		cr_assert_eq(stat(q, &st), 0, "%s", subs[i]);
		cr_assert(S_ISDIR(st.st_mode));
		free(q);
	}
	cr_assert_eq(store_path(s)[0], '/');
	char *scratch = tu_join(store_path(s), "scratch");
	cr_assert_str_eq(store_scratch_path(s), scratch);
	free(scratch);
	store_hash h;
	cr_assert_eq(store_blob_put(s, "hello", 5, &h), 0);
	store_close(s);
	store_close(NULL);
	/* default location through $SHARK_STORE */
	setenv("SHARK_STORE", path, 1);
	cr_assert_eq(store_open(NULL, 0, &s), 0);
	cr_assert_eq(store_blob_exists(s, &h, NULL), 0);
	store_close(s);
	free(a);
	free(path);
	tu_rmrf(dir);
}

Test(open, read_only)
{
	char *dir = tu_tmpdir();
	char *path = tu_join(dir, "store");
	store *s = NULL;
	cr_assert_eq(store_open(path, STORE_RDONLY, &s), -ENOENT);
	cr_assert_null(s);
	cr_assert_eq(store_open(path, 0, &s), 0);
	store_hash h;
	cr_assert_eq(store_blob_put(s, "data", 4, &h), 0);
	store_close(s);
	cr_assert_eq(store_open(path, STORE_RDONLY, &s), 0);
	store_blob_writer *w;
	cr_assert_eq(store_blob_writer_new(s, &w), -EROFS);
	cr_assert_eq(store_blob_put(s, "x", 1, NULL), -EROFS);
	struct store_run run = { .outcome = STORE_RUN_MISS };
	cr_assert_eq(store_run_add(s, &run, NULL), -EROFS);
	cr_assert_eq(store_blob_verify(s, &h), 0);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, path, 0, &ps), 0); /* still answers */
	cr_assert_eq(ps.kind, STORE_INPUT_DIR);
	store_close(s);
	free(path);
	tu_rmrf(dir);
}

Test(open, unwritable_location)
{
	if (geteuid() == 0)
		cr_skip_test("root can write anywhere");
	char *dir = tu_tmpdir();
	chmod(dir, 0500);
	char *path = tu_join(dir, "store");
	store *s;
	cr_assert_eq(store_open(path, 0, &s), -EACCES);
	chmod(dir, 0700);
	free(path);
	tu_rmrf(dir);
}

Test(open, version_mismatch_and_corrupt_index)
{
	char *dir = tu_tmpdir();
	char *path = tu_join(dir, "store");
	store *s;
	cr_assert_eq(store_open(path, 0, &s), 0);
	store_close(s);
	/* a store of format 1 (unkeyed hashes: no key file) and one from
	 * the future */
	uint8_t v1[4] = { 1, 0, 0, 0 }, v3[4] = { 3, 0, 0, 0 };
	tu_raw_put(path, "meta", "format", 6, v1, 4);
	char *kf = tu_join(path, STORE_KEY_FILE);
	cr_assert_eq(unlink(kf), 0);
	free(kf);
	cr_assert_eq(store_open(path, 0, &s), STORE_EVERSION);
	cr_assert_eq(store_open(path, STORE_RDONLY, &s), STORE_EVERSION);
	cr_assert(strstr(store_strerror(STORE_EVERSION), "move it away"));
	tu_raw_put(path, "meta", "format", 6, v3, 4);
	cr_assert_eq(store_open(path, 0, &s), STORE_EVERSION);

	char *path2 = tu_join(dir, "store2");
	cr_assert_eq(store_open(path2, 0, &s), 0);
	store_close(s);
	char *data = tu_join(path2, "index/data.mdb");
	int fd = open(data, O_WRONLY | O_CLOEXEC);
	uint8_t junk[8192];
	memset(junk, 0x5a, sizeof(junk));
	cr_assert_eq(pwrite(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	close(fd);
	int r = store_open(path2, 0, &s);
	cr_assert_eq(r, STORE_ECORRUPT, "got %d %s", r, store_strerror(r));
	free(data);
	free(path2);
	free(path);
	tu_rmrf(dir);
}

Test(open, strerror)
{
	int codes[] = { 0, STORE_ECORRUPT, STORE_EVERSION, STORE_EFORK, STORE_EBADTRACE,
			STORE_ELIMIT, STORE_EKEY, STORE_ECOLLISION, -ENOSPC, -EROFS, -EACCES, -31999, 5 };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *m = store_strerror(codes[i]);
		cr_assert_not_null(m);
		cr_assert(strlen(m) > 0);
	}
	cr_assert_str_neq(store_strerror(STORE_ECORRUPT), store_strerror(STORE_EVERSION));
	cr_assert_str_eq(store_strerror(-ENOSPC), strerror(ENOSPC));
}

Test(open, forked_child_gets_efork)
{
	char *dir = tu_tmpdir();
	store *s;
	cr_assert_eq(store_open(dir, 0, &s), 0);
	store_txn *txn;
	pid_t pid = fork();
	if (pid == 0) {
		int ok = store_read_begin(s, &txn) == STORE_EFORK &&
			 store_blob_put(s, "x", 1, NULL) == STORE_EFORK &&
			 store_run_add(s, &(struct store_run){ .outcome = 1 }, NULL) == STORE_EFORK;
		store_close(s);
		_exit(ok ? 0 : 1);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the parent's handle still works */
	cr_assert_eq(store_read_begin(s, &txn), 0);
	store_read_end(txn);
	cr_assert_eq(store_run_add(s, &(struct store_run){ .outcome = 1 }, NULL), 0);
	store_close(s);
	tu_rmrf(dir);
}

/* ---- blobs -------------------------------------------------------------------- */

static store *open_tmp(char **ret_dir)
{
	char *dir = tu_tmpdir();
	store *s;
	int r = store_open(dir, 0, &s);
	cr_assert_eq(r, 0, "open: %s", store_strerror(r));
	*ret_dir = dir;
	return s;
}

Test(blob, put_exists_open_read_path)
{
	char *dir;
	store *s = open_tmp(&dir);
	store_hash h, want = hash_of("hello blob");
	cr_assert_eq(store_blob_put(s, "hello blob", 10, &h), 0);
	cr_assert(store_hash_equal(&h, &want));
	uint64_t size;
	cr_assert_eq(store_blob_exists(s, &h, &size), 0);
	cr_assert_eq(size, 10);
	char path[4096], hex[33];
	cr_assert_eq(store_blob_path(s, &h, path, sizeof(path)), 0);
	store_hash_to_hex(&h, hex);
	char want_path[4096];
	snprintf(want_path, sizeof(want_path), "%s/objects/%.2s/%s", store_path(s), hex, hex + 2);
	cr_assert_str_eq(path, want_path);
	cr_assert_eq(store_blob_path(s, &h, path, 10), -ENAMETOOLONG);
	struct stat st;
	cr_assert_eq(stat(want_path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0444);

	int fd;
	cr_assert_eq(store_blob_open(s, &h, &fd, &size), 0);
	cr_assert_eq(size, 10);
	char buf[32];
	cr_assert_eq(read(fd, buf, sizeof(buf)), 10);
	cr_assert_eq(memcmp(buf, "hello blob", 10), 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	void *data;
	size_t len;
	cr_assert_eq(store_blob_read(s, &h, 100, &data, &len), 0);
	cr_assert_eq(len, 10);
	cr_assert_str_eq(data, "hello blob");
	free(data);
	cr_assert_eq(store_blob_read(s, &h, 9, &data, &len), STORE_ELIMIT);
	cr_assert_eq(store_blob_verify(s, &h), 0);

	store_hash none = hash_of("not stored");
	cr_assert_eq(store_blob_exists(s, &none, NULL), -ENOENT);
	cr_assert_eq(store_blob_open(s, &none, &fd, NULL), -ENOENT);
	cr_assert_eq(store_blob_verify(s, &none), -ENOENT);
	cr_assert_eq(store_blob_read(s, &none, 100, &data, &len), -ENOENT);
	cr_assert_eq(store_blob_copy(s, &none, 1, 0), -ENOENT);

	/* empty blob */
	store_hash e;
	cr_assert_eq(store_blob_put(s, "", 0, &e), 0);
	cr_assert_eq(store_blob_read(s, &e, 0, &data, &len), 0);
	cr_assert_eq(len, 0);
	free(data);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, existing_object_never_rewritten)
{
	char *dir;
	store *s = open_tmp(&dir);
	store_hash h;
	cr_assert_eq(store_blob_put(s, "same", 4, &h), 0);
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	struct stat a, b;
	cr_assert_eq(stat(path, &a), 0);
	usleep(20000);
	store_hash h2;
	cr_assert_eq(store_blob_put(s, "same", 4, &h2), 0);
	cr_assert(store_hash_equal(&h, &h2));
	cr_assert_eq(stat(path, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	char *tmp = tu_join(dir, "tmp");
	cr_assert_eq(tu_count_entries(tmp), 0, "temp file left behind");
	free(tmp);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, streaming_writer_and_from_fd)
{
	char *dir;
	store *s = open_tmp(&dir);
	store_blob_writer *w;
	cr_assert_eq(store_blob_writer_new(s, &w), 0);
	cr_assert_eq(store_blob_write(w, "part one, ", 10), 0);
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], "part two", 8), 8);
	close(p[1]);
	cr_assert_eq(store_blob_write_from_fd(w, p[0]), 0);
	close(p[0]);
	store_hash h, want = hash_of("part one, part two");
	uint64_t size;
	cr_assert_eq(store_blob_commit(w, &h, &size), 0);
	cr_assert(store_hash_equal(&h, &want));
	cr_assert_eq(size, 18);

	/* an abandoned writer leaves nothing */
	cr_assert_eq(store_blob_writer_new(s, &w), 0);
	cr_assert_eq(store_blob_write(w, "abandoned", 9), 0);
	char *tmp = tu_join(dir, "tmp");
	cr_assert_eq(tu_count_entries(tmp), 1);
	store_blob_writer_free(w);
	cr_assert_eq(tu_count_entries(tmp), 0);
	store_blob_writer_free(NULL);
	store_hash ab = hash_of("abandoned");
	cr_assert_eq(store_blob_exists(s, &ab, NULL), -ENOENT);

	/* a read error poisons the writer */
	cr_assert_eq(store_blob_writer_new(s, &w), 0);
	cr_assert_eq(store_blob_write_from_fd(w, -1), -EBADF);
	cr_assert_eq(store_blob_commit(w, &h, NULL), -EBADF, "commit after error");
	cr_assert_eq(tu_count_entries(tmp), 0);
	free(tmp);
	store_close(s);
	tu_rmrf(dir);
}

/* A lazy writer makes its temporary file at the first byte only: an
 * empty blob whose object exists costs no file at all, and one whose
 * object is missing is still created; a written one is like any other. */
Test(blob, lazy_writer_makes_no_file_for_an_empty_blob)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *tmp = tu_join(dir, "tmp");
	store_hash h, empty = hash_of("");
	uint64_t size = 99;
	char path[4096];
	store_blob_path(s, &empty, path, sizeof(path));

	/* the empty object missing: made by the commit all the same */
	store_blob_writer *w;
	cr_assert_eq(store_blob_writer_new_lazy(s, &w), 0);
	cr_assert_eq(tu_count_entries(tmp), 0, "a temp file before any byte");
	cr_assert_eq(store_blob_write(w, "", 0), 0);
	cr_assert_eq(tu_count_entries(tmp), 0, "a temp file for no bytes");
	cr_assert_eq(store_blob_commit(w, &h, &size), 0);
	cr_assert(store_hash_equal(&h, &empty));
	cr_assert_eq(size, 0);
	struct stat a, b;
	cr_assert_eq(stat(path, &a), 0, "the empty object was not made");
	cr_assert_eq(a.st_size, 0);

	/* the empty object there: found, never rewritten, no file made */
	cr_assert_eq(store_blob_writer_new_lazy(s, &w), 0);
	cr_assert_eq(store_blob_commit(w, &h, &size), 0);
	cr_assert(store_hash_equal(&h, &empty));
	cr_assert_eq(stat(path, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(tu_count_entries(tmp), 0);

	/* a damaged "empty" object (not empty any more) is replaced */
	cr_assert_eq(chmod(path, 0644), 0);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("junk", f);
	fclose(f);
	cr_assert_eq(store_blob_writer_new_lazy(s, &w), 0);
	cr_assert_eq(store_blob_commit(w, &h, &size), 0);
	cr_assert_eq(stat(path, &b), 0);
	cr_assert_eq(b.st_size, 0, "a damaged empty object kept");

	/* written: a temp file from the first byte, committed as usual */
	cr_assert_eq(store_blob_writer_new_lazy(s, &w), 0);
	cr_assert_eq(store_blob_write(w, "lazy bytes", 10), 0);
	cr_assert_eq(tu_count_entries(tmp), 1);
	store_hash want = hash_of("lazy bytes");
	cr_assert_eq(store_blob_commit(w, &h, &size), 0);
	cr_assert(store_hash_equal(&h, &want));
	cr_assert_eq(size, 10);
	cr_assert_eq(store_blob_exists(s, &want, NULL), 0);
	cr_assert_eq(tu_count_entries(tmp), 0);

	/* abandoned before any byte: nothing to remove, nothing left */
	cr_assert_eq(store_blob_writer_new_lazy(s, &w), 0);
	store_blob_writer_free(w);
	cr_assert_eq(tu_count_entries(tmp), 0);
	free(tmp);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, import_by_rename)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *src = tu_join(store_scratch_path(s), "out.txt");
	tu_write_file(src, "imported content", 16);
	struct stat before;
	cr_assert_eq(stat(src, &before), 0);
	store_hash h, want = hash_of("imported content");
	uint64_t size;
	cr_assert_eq(store_blob_import(s, AT_FDCWD, src, &h, &size), 0);
	cr_assert(store_hash_equal(&h, &want));
	cr_assert_eq(size, 16);
	struct stat after;
	cr_assert_eq(stat(src, &after), -1, "source still there");
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(after.st_ino, before.st_ino, "not a rename");
	cr_assert_eq(after.st_mode & 0777, 0444);

	/* the object exists already: the source is just removed */
	tu_write_file(src, "imported content", 16);
	cr_assert_eq(store_blob_import(s, AT_FDCWD, src, &h, NULL), 0);
	cr_assert_eq(stat(src, &before), -1);
	struct stat again;
	cr_assert_eq(stat(path, &again), 0);
	cr_assert_eq(again.st_ino, after.st_ino);

	/* several links: copied, so the object cannot change under us */
	tu_write_file(src, "linked", 6);
	char *other = tu_join(store_scratch_path(s), "other");
	cr_assert_eq(link(src, other), 0);
	cr_assert_eq(store_blob_import(s, AT_FDCWD, src, &h, NULL), 0);
	store_blob_path(s, &h, path, sizeof(path));
	struct stat ost, objst;
	cr_assert_eq(stat(other, &ost), 0);
	cr_assert_eq(stat(path, &objst), 0);
	cr_assert_neq(ost.st_ino, objst.st_ino);
	cr_assert_eq(store_blob_verify(s, &h), 0);

	/* relative to a dirfd */
	int dfd = open(store_scratch_path(s), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tu_write_file(src, "via dirfd", 9);
	cr_assert_eq(store_blob_import(s, dfd, "out.txt", &h, NULL), 0);
	want = hash_of("via dirfd");
	cr_assert(store_hash_equal(&h, &want));

	/* refusals leave the source alone */
	char *l = tu_join(store_scratch_path(s), "link");
	cr_assert_eq(symlink(other, l), 0);
	cr_assert_eq(store_blob_import(s, AT_FDCWD, l, &h, NULL), -ELOOP);
	cr_assert_eq(lstat(l, &ost), 0);
	cr_assert_eq(store_blob_import(s, dfd, ".", &h, NULL), -EINVAL);
	cr_assert_eq(store_blob_import(s, dfd, "missing", &h, NULL), -ENOENT);
	close(dfd);
	free(l);
	free(other);
	free(src);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, import_from_other_filesystem_copies)
{
	/* /dev/shm is tmpfs, the store is wherever TMPDIR is; skip if same */
	char *dir;
	store *s = open_tmp(&dir);
	char src[] = "/dev/shm/store-test-XXXXXX";
	int fd = mkstemp(src);
	if (fd < 0)
		cr_skip_test("no /dev/shm");
	struct stat a, b;
	fstat(fd, &a);
	stat(store_path(s), &b);
	if (a.st_dev == b.st_dev) {
		close(fd);
		unlink(src);
		cr_skip_test("same filesystem");
	}
	cr_assert_eq(write(fd, "cross", 5), 5);
	close(fd);
	store_hash h, want = hash_of("cross");
	cr_assert_eq(store_blob_import(s, AT_FDCWD, src, &h, NULL), 0);
	cr_assert(store_hash_equal(&h, &want));
	cr_assert_eq(stat(src, &a), -1);
	cr_assert_eq(store_blob_verify(s, &h), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, flipped_byte_is_caught)
{
	char *dir;
	store *s = open_tmp(&dir);
	size_t n = 300000;
	uint8_t *buf = malloc(n);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 31);
	store_hash h;
	cr_assert_eq(store_blob_put(s, buf, n, &h), 0);
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	chmod(path, 0644);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t c;
	cr_assert_eq(pread(fd, &c, 1, 123456), 1);
	c ^= 0x10;
	cr_assert_eq(pwrite(fd, &c, 1, 123456), 1);
	close(fd);

	cr_assert_eq(store_blob_verify(s, &h), STORE_ECORRUPT);
	void *data;
	size_t len;
	cr_assert_eq(store_blob_read(s, &h, n, &data, &len), STORE_ECORRUPT);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	cr_assert_eq(store_blob_copy(s, &h, out, STORE_VERIFY), STORE_ECORRUPT);
	cr_assert_eq(store_blob_copy(s, &h, out, 0), 0, "unverified copy does not check");
	close(out);
	free(buf);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, copy_to_file_and_pipe)
{
	char *dir;
	store *s = open_tmp(&dir);
	size_t n = 200000;
	uint8_t *buf = malloc(n);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	store_hash h;
	cr_assert_eq(store_blob_put(s, buf, n, &h), 0);
	for (unsigned flags = 0; flags <= STORE_VERIFY; flags++) {
		char *f = tu_join(dir, "copy");
		int fd = open(f, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		cr_assert_eq(store_blob_copy(s, &h, fd, flags), 0);
		store_hash got;
		lseek(fd, 0, SEEK_SET);
		cr_assert_eq(store_hash_fd(fd, &got, NULL), 0);
		cr_assert(store_hash_equal(&got, &h), "flags %u", flags);
		close(fd);
		/* O_APPEND defeats copy_file_range: the fallback must work */
		fd = open(f, O_WRONLY | O_APPEND | O_TRUNC | O_CLOEXEC);
		cr_assert_eq(store_blob_copy(s, &h, fd, flags), 0);
		close(fd);
		cr_assert_eq(store_hash_file(AT_FDCWD, f, 0, &got, NULL), 0);
		cr_assert(store_hash_equal(&got, &h));
		free(f);

	}
	/* a forked child must not use the parent's handle */
	pid_t cpid = fork();
	if (cpid == 0)
		_exit(store_blob_copy(s, &h, 1, 0) == STORE_EFORK ? 0 : 1);
	int cstatus;
	waitpid(cpid, &cstatus, 0);
	cr_assert(WIFEXITED(cstatus) && WEXITSTATUS(cstatus) == 0);
	/* to a pipe from this process, with a reader child */
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		store_hash got;
		uint64_t size;
		int ok = store_hash_fd(p[0], &got, &size) == 0 && size == n &&
			 store_hash_equal(&got, &h);
		_exit(ok ? 0 : 1);
	}
	close(p[0]);
	cr_assert_eq(store_blob_copy(s, &h, p[1], 0), 0);
	close(p[1]);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(buf);
	store_close(s);
	tu_rmrf(dir);
}

/* ---- disk full ----------------------------------------------------------------- */

#include <sched.h>
#include <sys/mount.h>

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* In a child with its own user and mount namespace, a 1 MiB tmpfs: every
 * write path must come back with -ENOSPC and leave the store usable. */
static int disk_full_child(const char *dir)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return 77;
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_str("/proc/self/setgroups", "deny") < 0 ||
	    write_str("/proc/self/uid_map", map) < 0)
		return 77;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_str("/proc/self/gid_map", map) < 0)
		return 77;
	if (mount("none", dir, "tmpfs", 0, "size=1m") < 0)
		return 77;
	store *s;
	struct store_options o = { .initial_map_size = 64 << 10 };
	if (store_open_opts(dir, &o, &s) < 0)
		return 10;
	size_t n = 2 << 20;
	char *big = calloc(1, n);
	if (store_blob_put(s, big, n, NULL) != -ENOSPC)
		return 11;
	/* the failed writer left nothing behind, so small blobs still fit */
	store_hash h;
	if (store_blob_put(s, "small", 5, &h) != 0)
		return 12;
	struct store_trace t = { .stdout_blob = h, .stdout_size = 5, .stderr_blob = h,
				 .stderr_size = 5, .key_info = big, .key_info_len = 512 << 10 };
	int r = 0;
	for (int i = 0; i < 8 && r == 0; i++) {
		store_hash key;
		store_hash_bytes(&i, sizeof(i), &key);
		t.duration_ns = (uint64_t)i;
		r = store_record(s, &key, &t, NULL, NULL, NULL);
	}
	if (r != -ENOSPC) {
		fprintf(stderr, "record: %d %s\n", r, store_strerror(r));
		return 13;
	}
	struct store_fsck_report rep;
	if (store_fsck(s, STORE_FSCK_HASH, NULL, NULL, &rep) != 0 || rep.problems != 0)
		return 14;
	free(big);
	store_close(s);
	return 0;
}

Test(errors, disk_full_is_enospc)
{
	char *dir = tu_tmpdir();
	pid_t pid = fork();
	if (pid == 0)
		_exit(disk_full_child(dir));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		tu_rmrf(dir);
		cr_skip_test("no user namespaces: cannot mount a small tmpfs");
	}
	cr_assert_eq(WEXITSTATUS(status), 0, "step %d failed", WEXITSTATUS(status));
	tu_rmrf(dir);
}

Test(blob, put_file_copies_and_dedupes)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *src = tu_join(dir, "source");
	size_t n = 500000;
	uint8_t *buf = malloc(n);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	tu_write_file(src, buf, n);
	store_hash want, h;
	store_hash_bytes(buf, n, &want);
	uint64_t size;
	cr_assert_eq(store_blob_put_file(s, AT_FDCWD, src, &h, &size), 0);
	cr_assert(store_hash_equal(&h, &want));
	cr_assert_eq(size, n);
	struct stat st, obj;
	cr_assert_eq(stat(src, &st), 0, "source must stay");
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	cr_assert_eq(stat(path, &obj), 0);
	cr_assert_neq(st.st_ino, obj.st_ino);
	cr_assert_eq(obj.st_mode & 0777, 0444);
	cr_assert_eq(store_blob_verify(s, &h), 0);
	/* again: the object is left alone */
	cr_assert_eq(store_blob_put_file(s, AT_FDCWD, src, &h, NULL), 0);
	struct stat obj2;
	cr_assert_eq(stat(path, &obj2), 0);
	cr_assert_eq(obj2.st_ino, obj.st_ino);
	char *tmp = tu_join(dir, "tmp");
	cr_assert_eq(tu_count_entries(tmp), 0);
	cr_assert_eq(store_blob_put_file(s, AT_FDCWD, dir, &h, NULL), -EINVAL);
	cr_assert_eq(store_blob_put_file(s, AT_FDCWD, "/nonexistent/x", &h, NULL), -ENOENT);
	free(tmp);
	free(buf);
	free(src);
	store_close(s);
	tu_rmrf(dir);
}

Test(blob, damaged_objects_are_healed)
{
	char *dir;
	store *s = open_tmp(&dir);
	const char *text = "content that will be damaged";
	store_hash h;
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	/* truncated (as after a power loss without fsync): the next put of
	 * the same content replaces it */
	chmod(path, 0644);
	cr_assert_eq(truncate(path, 0), 0);
	cr_assert_eq(store_blob_verify(s, &h), STORE_ECORRUPT);
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	cr_assert_eq(store_blob_verify(s, &h), 0);
	/* same size, flipped byte: a put compares the bytes, sees that the
	 * object no longer hashes to its name, and replaces it */
	chmod(path, 0644);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert_eq(pwrite(fd, "C", 1, 0), 1);
	close(fd);
	cr_assert_eq(store_blob_verify(s, &h), STORE_ECORRUPT);
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	cr_assert_eq(store_blob_verify(s, &h), 0);
	/* and drop_if_corrupt removes a damaged one */
	chmod(path, 0644);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert_eq(pwrite(fd, "C", 1, 0), 1);
	close(fd);
	cr_assert_eq(store_blob_verify(s, &h), STORE_ECORRUPT);
	cr_assert_eq(store_blob_drop_if_corrupt(s, &h), 1);
	cr_assert_eq(store_blob_exists(s, &h, NULL), -ENOENT);
	cr_assert_eq(store_blob_drop_if_corrupt(s, &h), -ENOENT);
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	cr_assert_eq(store_blob_drop_if_corrupt(s, &h), 0);
	cr_assert_eq(store_blob_verify(s, &h), 0);
	store_close(s);
	tu_rmrf(dir);
}

Test(open, relative_path_becomes_absolute)
{
	char *dir = tu_tmpdir();
	cr_assert_eq(chdir(dir), 0);
	store *s;
	cr_assert_eq(store_open("rel/store", 0, &s), 0);
	char *want = tu_join(dir, "rel/store");
	char *real = realpath(want, NULL);
	cr_assert_str_eq(store_path(s), real);
	cr_assert_eq(store_open("", 0, &s), -EINVAL);
	store_close(s);
	free(real);
	free(want);
	tu_rmrf(dir);
}

Test(blob, copy_to_closed_pipe_is_epipe_not_sigpipe)
{
	signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill this test */
	char *dir;
	store *s = open_tmp(&dir);
	size_t n = 1 << 20;
	uint8_t *buf = calloc(1, n);
	store_hash h;
	cr_assert_eq(store_blob_put(s, buf, n, &h), 0);
	for (unsigned flags = 0; flags <= STORE_VERIFY; flags++) {
		int p[2];
		cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
		close(p[0]); /* like `| head` having exited */
		cr_assert_eq(store_blob_copy(s, &h, p[1], flags), -EPIPE);
		close(p[1]);
		sigset_t pending;
		sigpending(&pending);
		cr_assert_not(sigismember(&pending, SIGPIPE), "SIGPIPE left pending");
	}
	free(buf);
	store_close(s);
	tu_rmrf(dir);
}

/* ---- the hash key ----------------------------------------------------------- */

static void write_key(const char *path, uint8_t fill)
{
	uint8_t key[STORE_KEY_SIZE];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(fill + i);
	tu_write_file(path, key, sizeof(key));
}

static store *open_with_key(const char *path, const char *key_file)
{
	struct store_options o = { .flags = STORE_NOSYNC, .key_file = key_file };
	store *s;
	int r = store_open_opts(path, &o, &s);
	cr_assert_eq(r, 0, "open %s: %s", path, store_strerror(r));
	return s;
}

Test(key, new_store_gets_a_private_random_key)
{
	char *dir = tu_tmpdir();
	char *p1 = tu_join(dir, "s1"), *p2 = tu_join(dir, "s2");
	store *s = open_with_key(p1, NULL);
	char *kf = tu_join(p1, STORE_KEY_FILE);
	struct stat st;
	cr_assert_eq(stat(kf, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_size, STORE_KEY_SIZE);
	/* keyed: no longer what xxh128sum prints */
	store_hash h1, h2, fp1, fp2;
	char hex[33];
	store_hash_bytes("abc", 3, &h1);
	store_hash_to_hex(&h1, hex);
	cr_assert_str_neq(hex, "06b05ab6733a618578af5f94892f3950");
	store_key_fingerprint(s, &fp1);
	store_close(s);
	/* another store, another key: other hashes */
	s = open_with_key(p2, NULL);
	store_hash_bytes("abc", 3, &h2);
	store_key_fingerprint(s, &fp2);
	cr_assert_not(store_hash_equal(&h1, &h2));
	cr_assert_not(store_hash_equal(&fp1, &fp2));
	/* two stores with different keys at once in one process: refused */
	store *t;
	cr_assert_eq(store_open(p1, 0, &t), STORE_EKEY);
	store_close(s);
	cr_assert_eq(store_open(p1, 0, &t), 0);
	store_close(t);
	free(kf);
	free(p1);
	free(p2);
	tu_rmrf(dir);
}

Test(key, shared_key_file_gives_equal_hashes_and_mismatch_is_refused)
{
	char *dir = tu_tmpdir();
	char *p1 = tu_join(dir, "s1"), *p2 = tu_join(dir, "s2"), *p3 = tu_join(dir, "s3");
	char *k1 = tu_join(dir, "k1"), *k2 = tu_join(dir, "k2"), *bad = tu_join(dir, "short");
	write_key(k1, 1);
	write_key(k2, 2);
	tu_write_file(bad, "short", 5);
	store *s = open_with_key(p1, k1);
	store_hash h1, h2, fp1, fp2;
	store_hash_bytes("abc", 3, &h1);
	store_key_fingerprint(s, &fp1);
	store_close(s);
	s = open_with_key(p2, k1);
	store_hash_bytes("abc", 3, &h2);
	store_key_fingerprint(s, &fp2);
	store_close(s);
	cr_assert(store_hash_equal(&h1, &h2));
	cr_assert(store_hash_equal(&fp1, &fp2));
	/* the same store opened asking for another key, or a bad key file */
	struct store_options o = { .key_file = k2 };
	cr_assert_eq(store_open_opts(p1, &o, &s), STORE_EKEY);
	o.key_file = bad;
	cr_assert_eq(store_open_opts(p3, &o, &s), STORE_EKEY);
	/* $SHARK_HASH_KEY_FILE does the same */
	setenv("SHARK_HASH_KEY_FILE", k2, 1);
	cr_assert_eq(store_open(p1, 0, &s), STORE_EKEY);
	setenv("SHARK_HASH_KEY_FILE", k1, 1);
	cr_assert_eq(store_open(p1, 0, &s), 0);
	store_close(s);
	unsetenv("SHARK_HASH_KEY_FILE");
	/* a key file removed or replaced: the index no longer matches it */
	char *kf = tu_join(p1, STORE_KEY_FILE);
	cr_assert_eq(unlink(kf), 0);
	cr_assert_eq(store_open(p1, 0, &s), STORE_EKEY);
	cr_assert_eq(store_open(p1, STORE_RDONLY, &s), STORE_EKEY);
	write_key(kf, 9);
	cr_assert_eq(store_open(p1, 0, &s), STORE_EKEY);
	cr_assert(strstr(store_strerror(STORE_EKEY), "SHARK_HASH_KEY_FILE"));
	free(kf);
	free(p1);
	free(p2);
	free(p3);
	free(k1);
	free(k2);
	free(bad);
	tu_rmrf(dir);
}

/* The constructed collision of xxh_collide.h is real for XXH3's public
 * secret and, for the same inputs, gone under a store's key. */
Test(key, public_secret_collision_does_not_collide_keyed)
{
	static uint8_t a[XXH_COLLIDE_LEN], b[XXH_COLLIDE_LEN];
	xxh_collide(XXH3_kSecret, 0, a, b);
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	cr_assert(XXH128_isEqual(XXH3_128bits(a, sizeof(a)), XXH3_128bits(b, sizeof(b))));
	char *dir;
	store *s = open_tmp(&dir);
	store_hash ha, hb;
	store_hash_bytes(a, sizeof(a), &ha);
	store_hash_bytes(b, sizeof(b), &hb);
	cr_assert_not(store_hash_equal(&ha, &hb));
	store_close(s);
	tu_rmrf(dir);
}

/* Whoever knows the key can still collide; the store then keeps the first
 * content and refuses the second instead of naming it with the first's
 * bytes (the old size-only dedup returned success and kept a's bytes for
 * b's content). */
Test(key, dedup_compares_bytes_and_refuses_a_collision)
{
	char *dir = tu_tmpdir();
	char *p = tu_join(dir, "s"), *kf = tu_join(dir, "k");
	write_key(kf, 5);
	uint8_t key[STORE_KEY_SIZE], secret[XXH3_SECRET_DEFAULT_SIZE];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(5 + i);
	cr_assert_eq(XXH3_generateSecret(secret, sizeof(secret), key, sizeof(key)), XXH_OK);
	static uint8_t a[XXH_COLLIDE_LEN], b[XXH_COLLIDE_LEN];
	xxh_collide(secret, 3, a, b);
	store *s = open_with_key(p, kf);
	store_hash ha, hb;
	store_hash_bytes(a, sizeof(a), &ha);
	store_hash_bytes(b, sizeof(b), &hb);
	cr_assert(store_hash_equal(&ha, &hb), "the test's collision must hold under the store's key");
	cr_assert_eq(store_blob_put(s, a, sizeof(a), &ha), 0);
	store_hash got = { { 0 } };
	cr_assert_eq(store_blob_put(s, b, sizeof(b), &got), STORE_ECOLLISION);
	cr_assert(store_hash_is_zero(&got), "ret written on error");
	/* the same through put_file and import */
	char *f = tu_join(dir, "bfile");
	tu_write_file(f, b, sizeof(b));
	cr_assert_eq(store_blob_put_file(s, AT_FDCWD, f, &got, NULL), STORE_ECOLLISION);
	cr_assert_eq(store_blob_import(s, AT_FDCWD, f, &got, NULL), STORE_ECOLLISION);
	cr_assert_eq(access(f, F_OK), 0, "a refused import leaves its source");
	/* the object still holds a's bytes */
	void *data;
	size_t len;
	cr_assert_eq(store_blob_read(s, &ha, 1 << 20, &data, &len), 0);
	cr_assert_eq(len, sizeof(a));
	cr_assert_eq(memcmp(data, a, len), 0);
	free(data);
	/* nothing left in tmp/ */
	char *tmp = tu_join(p, "tmp");
	cr_assert_eq(tu_count_entries(tmp), 0);
	store_close(s);
	free(tmp);
	free(f);
	free(kf);
	free(p);
	tu_rmrf(dir);
}

/* ---- verified opens (replay) ------------------------------------------------ */

static void rewrite_same_size(const char *path, const void *data, size_t len)
{
	/* what a command holding the object's name or descriptor could do */
	cr_assert_eq(chmod(path, 0644), 0);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, data, len, 0), (ssize_t)len);
	close(fd);
	cr_assert_eq(chmod(path, 0444), 0);
}

Test(blob, open_verified_refuses_and_removes_a_rewritten_object)
{
	char *dir;
	store *s = open_tmp(&dir);
	const char *text = "the victim's output\n", *evil = "ATTACKER'S OUTPUT!!\n";
	cr_assert_eq(strlen(text), strlen(evil));
	store_hash h;
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	int fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), 0);
	char buf[64] = { 0 };
	cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t)strlen(text));
	cr_assert_str_eq(buf, text);
	close(fd);
	/* remembered (written at close), then the object is rewritten */
	store_close(s);
	cr_assert_eq(store_open(dir, 0, &s), 0);
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), 0);
	close(fd);
	char path[4096];
	store_blob_path(s, &h, path, sizeof(path));
	rewrite_same_size(path, evil, strlen(evil));
	fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), STORE_ECORRUPT);
	cr_assert_eq(fd, -1);
	cr_assert_eq(access(path, F_OK), -1, "the bad object is removed");
	/* a wrong size is refused too; a fresh put of the content heals */
	cr_assert_eq(store_blob_put(s, text, strlen(text), &h), 0);
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text) + 1, &fd), STORE_ECORRUPT);
	cr_assert_eq(store_blob_open_verified(s, &h, strlen(text), &fd), 0);
	close(fd);
	store_hash none;
	store_hash_bytes("absent", 6, &none);
	cr_assert_eq(store_blob_open_verified(s, &none, 6, &fd), -ENOENT);
	store_close(s);
	tu_rmrf(dir);
}

/* A sparse file copied into the store keeps its holes (issue 17, item 12):
 * 256 MiB of hole around a few bytes of data costs blocks for the data
 * only, and hashes like the dense bytes. */
Test(blob, from_fd_keeps_holes)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *f = tu_join(dir, "sparse");
	const off_t size = (off_t)256 << 20;
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, size), 0); /* ends in a hole */
	cr_assert_eq(pwrite(fd, "mid", 3, size / 2), 3);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	store_blob_writer *w;
	cr_assert_eq(store_blob_writer_new(s, &w), 0);
	cr_assert_eq(store_blob_write_from_fd(w, fd), 0);
	store_hash h, dense;
	uint64_t n;
	cr_assert_eq(store_blob_commit(w, &h, &n), 0);
	cr_assert_eq(n, (uint64_t)size);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(store_hash_fd(fd, &dense, NULL), 0);
	cr_expect(store_hash_equal(&h, &dense), "the hash is the dense bytes' hash");
	close(fd);
	char p[4096];
	struct stat st;
	cr_assert_eq(store_blob_path(s, &h, p, sizeof(p)), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_size, size);
	cr_expect_lt((long long)st.st_blocks * 512, 1 << 20, "hole written: %lld bytes on disk",
		     (long long)st.st_blocks * 512);
	free(f);
	store_close(s);
	tu_rmrf(dir);
}
