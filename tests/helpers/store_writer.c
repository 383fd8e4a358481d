/* store_writer.c - a store client for the concurrency and crash tests.
 *
 *   store_writer STORE WRITER_ID COUNT [nosync] [map=BYTES]
 *
 * Records COUNT traces (COUNT 0: forever, until killed). Record i of writer
 * w has:
 *   - stdout: "shared stdout <i % 8>" (the same blobs for every writer),
 *   - stderr: "writer <w> record <i>" padded to 1..64 KiB (unique),
 *   - one file effect whose blob is written with the streaming writer and
 *     one imported by rename from the store's scratch area,
 *   - action key hash("unique <w> <i>") and, every 4th record, the shared
 *     key hash("shared <i % 4>") too,
 *   - a run history record, and every 10th record a stat-cache flush.
 * It prints "done <COUNT>" when finished. Exit status 0 on success, 1 with a
 * message on any store error. Used by tests/unit/test_store_concurrency.c,
 * which re-derives the same names to check that nothing was lost. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static int fail(const char *what, int r)
{
	fprintf(stderr, "store_writer: %s: %s\n", what, store_strerror(r));
	return 1;
}

static void unique_key(long writer, long i, store_hash *ret)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "unique %ld %ld", writer, i);
	store_hash_bytes(buf, (size_t)n, ret);
}

static void shared_key(long j, store_hash *ret)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "shared %ld", j);
	store_hash_bytes(buf, (size_t)n, ret);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: store_writer STORE ID COUNT [nosync] [map=BYTES]\n");
		return 2;
	}
	const char *path = argv[1];
	long id = strtol(argv[2], NULL, 10);
	long count = strtol(argv[3], NULL, 10);
	struct store_options o = { 0 };
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "nosync") == 0)
			o.flags |= STORE_NOSYNC;
		else if (strncmp(argv[i], "map=", 4) == 0)
			o.initial_map_size = strtoul(argv[i] + 4, NULL, 10);
	}
	store *s;
	int r = store_open_opts(path, &o, &s);
	if (r < 0)
		return fail("open", r);
	static char big[64 << 10];
	for (long i = 0; count == 0 || i < count; i++) {
		char out[64];
		int outn = snprintf(out, sizeof(out), "shared stdout %ld\n", i % 8);
		store_hash out_h, err_h, eff_h, imp_h;
		if ((r = store_blob_put(s, out, (size_t)outn, &out_h)) < 0)
			return fail("put stdout", r);

		size_t errn = 1024 + (size_t)((id * 7919 + i * 104729) % (63 << 10));
		int hn = snprintf(big, sizeof(big), "writer %ld record %ld\n", id, i);
		memset(big + hn, 'a' + (int)(i % 26), errn - (size_t)hn);
		store_blob_writer *w;
		if ((r = store_blob_writer_new(s, &w)) < 0)
			return fail("writer", r);
		for (size_t off = 0; off < errn; off += 4096) {
			size_t n = errn - off < 4096 ? errn - off : 4096;
			if ((r = store_blob_write(w, big + off, n)) < 0) {
				store_blob_writer_free(w);
				return fail("write", r);
			}
		}
		if ((r = store_blob_commit(w, &err_h, NULL)) < 0)
			return fail("commit", r);

		char eff[64];
		int effn = snprintf(eff, sizeof(eff), "effect %ld %ld\n", id, i);
		if ((r = store_blob_put(s, eff, (size_t)effn, &eff_h)) < 0)
			return fail("put effect", r);

		char scratch[4096];
		snprintf(scratch, sizeof(scratch), "%s/w%ld.%ld", store_scratch_path(s), id, i);
		int fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return fail("scratch", -errno);
		char imp[64];
		int impn = snprintf(imp, sizeof(imp), "imported %ld %ld\n", id, i);
		if (write(fd, imp, (size_t)impn) != impn)
			return fail("scratch write", -EIO);
		close(fd);
		if ((r = store_blob_import(s, AT_FDCWD, scratch, &imp_h, NULL)) < 0)
			return fail("import", r);

		char p1[64], p2[64];
		snprintf(p1, sizeof(p1), "out/%ld/%ld", id, i);
		snprintf(p2, sizeof(p2), "imp/%ld/%ld", id, i);
		struct store_effect effs[2] = {
			{ .path = p1, .kind = STORE_EFFECT_FILE, .mode = 0644, .blob = eff_h,
			  .size = (uint64_t)effn },
			{ .path = p2, .kind = STORE_EFFECT_FILE, .mode = 0600, .blob = imp_h,
			  .size = (uint64_t)impn },
		};
		struct store_input ins[1] = {
			{ .path = "/etc/passwd", .kind = STORE_INPUT_ABSENT },
		};
		struct store_trace t = {
			.stdout_blob = out_h, .stdout_size = (uint64_t)outn,
			.stderr_blob = err_h, .stderr_size = errn,
			.exit_status = (int32_t)(i % 3), .start_ns = i, .duration_ns = (uint64_t)id,
			.n_inputs = 1, .inputs = ins, .n_effects = 2, .effects = effs,
		};
		store_hash key;
		unique_key(id, i, &key);
		struct store_run run = { .outcome = STORE_RUN_MISS, .command = "store_writer",
					 .action_key = key };
		if ((r = store_record(s, &key, &t, &run, NULL, NULL)) < 0)
			return fail("record", r);
		if (i % 4 == 0) {
			shared_key(i % 4, &key);
			if ((r = store_record(s, &key, &t, NULL, NULL, NULL)) < 0)
				return fail("record shared", r);
		}
		if (i % 10 == 0) {
			struct store_path_state ps;
			r = store_path_hash(s, AT_FDCWD, argv[0], 0, &ps);
			if (r < 0)
				return fail("stat hash", r);
		}
	}
	store_close(s);
	printf("done %ld\n", count);
	return 0;
}
