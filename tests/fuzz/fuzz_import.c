/* fuzz_import.c - fuzz bundle import (store_import) with hostile input.
 *
 * Each input is imported into one store kept for the whole run (under
 * $TMPDIR, STORE_NOSYNC, removed at exit), created with the fixed hash key
 * of tests/fuzz/make_import_corpus.sh (bytes 0, 1, ..., 31), so that the
 * seeds made under that key get past the key check. Invariants: import
 * never crashes or reads out of bounds (ASan); a rejected import changes no
 * index count and leaves no file in objects/ or tmp/ (nothing
 * half-imported); after an accepted one the store is still consistent
 * (store_fsck finds no problem, blobs re-hashed). Corpus:
 * tests/fuzz/corpus/import (valid bundles, truncations, traversal and
 * symlink entries, a tampered blob, a blob bomb with a bad entry after it,
 * an action flood, a planted trace, format-1 bundles, garbage). */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static store *st;
static char dir[4096];
static uint64_t files;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void cleanup(void)
{
	store_close(st);
	st = NULL;
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/fuzz-import.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		abort();
	char p[4200], k[4200];
	snprintf(k, sizeof(k), "%s/key", dir);
	FILE *f = fopen(k, "we");
	for (int i = 0; f && i < STORE_KEY_SIZE; i++)
		fputc(i, f);
	if (!f || fclose(f) != 0)
		abort();
	snprintf(p, sizeof(p), "%s/store", dir);
	struct store_options o = { .flags = STORE_NOSYNC, .key_file = k };
	if (store_open_opts(p, &o, &st) < 0)
		abort();
	atexit(cleanup);
}

static int count_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)p;
	(void)sb;
	(void)f;
	if (flag == FTW_F)
		files++;
	return 0;
}

/* Files under the store's objects/ and tmp/. */
static uint64_t store_files(void)
{
	char p[4200];
	files = 0;
	snprintf(p, sizeof(p), "%s/store/objects", dir);
	nftw(p, count_one, 16, FTW_PHYS);
	snprintf(p, sizeof(p), "%s/store/tmp", dir);
	nftw(p, count_one, 16, FTW_PHYS);
	return files;
}

static void counts(uint64_t out[3])
{
	struct store_stats s;
	if (store_stats(st, &s) < 0)
		abort();
	out[0] = s.traces;
	out[1] = s.actions;
	out[2] = s.blobs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!st)
		setup();
	int fd = memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	uint64_t before[3], after[3];
	counts(before);
	uint64_t files_before = store_files();
	struct store_bundle_report rep;
	int r = store_import(st, fd, &rep);
	close(fd);
	counts(after);
	if (r < 0) {
		if (memcmp(before, after, sizeof(before)) != 0)
			abort(); /* a rejected bundle changed the index */
		if (store_files() != files_before)
			abort(); /* or left a blob behind */
		return 0;
	}
	struct store_fsck_report fr;
	if (store_fsck(st, STORE_FSCK_HASH, NULL, NULL, &fr) < 0 || fr.problems)
		abort();
	return 0;
}
