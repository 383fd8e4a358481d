/* test_store_index.c - trace encoding, the LMDB index (record, lookups, run
 * history, map growth), the stat cache and the consistency check. */
#include <sys/time.h>
#include <time.h>

#include "test_store_util.h"
#include "store/internal.h" /* store_trace_blobs */

static store_hash hash_of(const char *s)
{
	store_hash h;
	store_hash_bytes(s, strlen(s), &h);
	return h;
}

static store *open_tmp_opts(char **ret_dir, const struct store_options *o)
{
	char *dir = tu_tmpdir();
	store *s;
	int r = store_open_opts(dir, o, &s);
	cr_assert_eq(r, 0, "open: %s", store_strerror(r));
	*ret_dir = dir;
	return s;
}

static store *open_tmp(char **ret_dir)
{
	struct store_options o = { .flags = STORE_NOSYNC };
	return open_tmp_opts(ret_dir, &o);
}

/* ---- a sample trace ------------------------------------------------------------ */

static const struct store_input sample_inputs[] = {
	{ .path = "/usr/bin/sort", .kind = STORE_INPUT_FILE, .hash = { { 1, 2, 3 } } },
	{ .path = "/work/data", .kind = STORE_INPUT_DIR, .hash = { { 9, 9 } } },
	{ .path = "/usr/lib/libx.so", .kind = STORE_INPUT_SYMLINK, .target = "libx.so.1" },
	{ .path = "/etc/sort.conf", .kind = STORE_INPUT_ABSENT },
};

static const struct store_effect sample_effects[] = {
	{ .path = "out/result.csv", .kind = STORE_EFFECT_FILE, .mode = 0644, .blob = { { 4 } },
	  .size = 1234 },
	{ .path = "old.tmp", .kind = STORE_EFFECT_DELETE },
	{ .path = "out", .kind = STORE_EFFECT_DIR, .mode = 0755 },
	{ .path = "latest", .kind = STORE_EFFECT_SYMLINK, .target = "out/result.csv" },
};

static struct store_trace sample_trace(void)
{
	struct store_trace t = {
		.stdout_blob = { { 0xaa } }, .stdout_size = 1ull << 40,
		.stderr_blob = { { 0xbb } }, .stderr_size = 0,
		.exit_status = -129, .start_ns = 1700000000123456789LL, .duration_ns = 42,
		.n_inputs = 4, .inputs = sample_inputs, .n_effects = 4, .effects = sample_effects,
		.key_info = "argv\0sort\0-n", .key_info_len = 12,
	};
	return t;
}

static void assert_same_trace(const struct store_trace *a, const struct store_trace *b)
{
	cr_assert(store_hash_equal(&a->stdout_blob, &b->stdout_blob));
	cr_assert_eq(a->stdout_size, b->stdout_size);
	cr_assert(store_hash_equal(&a->stderr_blob, &b->stderr_blob));
	cr_assert_eq(a->stderr_size, b->stderr_size);
	cr_assert_eq(a->exit_status, b->exit_status);
	cr_assert_eq(a->start_ns, b->start_ns);
	cr_assert_eq(a->duration_ns, b->duration_ns);
	cr_assert_eq(a->n_inputs, b->n_inputs);
	for (size_t i = 0; i < a->n_inputs; i++) {
		cr_assert_str_eq(a->inputs[i].path, b->inputs[i].path);
		cr_assert_eq(a->inputs[i].kind, b->inputs[i].kind);
		cr_assert(store_hash_equal(&a->inputs[i].hash, &b->inputs[i].hash));
		if (a->inputs[i].target)
			cr_assert_str_eq(a->inputs[i].target, b->inputs[i].target);
		else
			cr_assert_null(b->inputs[i].target);
	}
	cr_assert_eq(a->n_effects, b->n_effects);
	for (size_t i = 0; i < a->n_effects; i++) {
		cr_assert_str_eq(a->effects[i].path, b->effects[i].path);
		cr_assert_eq(a->effects[i].kind, b->effects[i].kind);
		cr_assert_eq(a->effects[i].mode, b->effects[i].mode);
		cr_assert(store_hash_equal(&a->effects[i].blob, &b->effects[i].blob));
		cr_assert_eq(a->effects[i].size, b->effects[i].size);
		if (a->effects[i].target)
			cr_assert_str_eq(a->effects[i].target, b->effects[i].target);
		else
			cr_assert_null(b->effects[i].target);
		if (a->effects[i].kind == STORE_EFFECT_TOUCH)
			cr_assert_eq(a->effects[i].mtime_ns, b->effects[i].mtime_ns);
	}
	cr_assert_eq(a->key_info_len, b->key_info_len);
	if (a->key_info_len)
		cr_assert_eq(memcmp(a->key_info, b->key_info, a->key_info_len), 0);
}

/* ---- encoding ------------------------------------------------------------------ */

Test(trace, round_trip)
{
	struct store_trace t = sample_trace(), *d;
	uint8_t *buf, *buf2;
	size_t len, len2;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0);
	cr_assert_eq(store_trace_decode(buf, len, &d), 0);
	assert_same_trace(&t, d);
	cr_assert_eq(store_trace_encode(d, &buf2, &len2), 0);
	cr_assert_eq(len, len2);
	cr_assert_eq(memcmp(buf, buf2, len), 0, "one encoding per trace");
	store_hash id, want;
	cr_assert_eq(store_trace_id(&t, &id), 0);
	store_hash_bytes(buf, len, &want);
	cr_assert(store_hash_equal(&id, &want));
	store_trace_free(d);
	store_trace_free(NULL);
	free(buf);
	free(buf2);

	struct store_trace empty = { 0 };
	cr_assert_eq(store_trace_encode(&empty, &buf, &len), 0);
	cr_assert_eq(store_trace_decode(buf, len, &d), 0);
	assert_same_trace(&empty, d);
	cr_assert_null(d->inputs);
	cr_assert_null(d->effects);
	cr_assert_null(d->key_info);
	store_trace_free(d);
	free(buf);
}

/* OUTPUT, META and DENIED inputs (issue 12): META carries a hash, the
 * others nothing; one encoding each; a kind past the last is refused. */
Test(trace, round_trip_output_meta_denied)
{
	static const struct store_input ins[] = {
		{ .path = "/w/out.csv", .kind = STORE_INPUT_OUTPUT },
		{ .path = "/w/data/a.csv", .kind = STORE_INPUT_META, .hash = { { 7, 7, 7 } } },
		{ .path = "/opt/locked/cat", .kind = STORE_INPUT_DENIED },
	};
	struct store_trace t = { .n_inputs = 3, .inputs = ins }, *d;
	uint8_t *buf, *buf2;
	size_t len, len2;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0);
	cr_assert_eq(store_trace_decode(buf, len, &d), 0);
	cr_assert_eq(d->n_inputs, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(d->inputs[i].kind, ins[i].kind);
		cr_assert_str_eq(d->inputs[i].path, ins[i].path);
		cr_assert(store_hash_equal(&d->inputs[i].hash, &ins[i].hash));
	}
	cr_assert_eq(store_trace_encode(d, &buf2, &len2), 0);
	cr_assert_eq(len, len2);
	cr_assert_eq(memcmp(buf, buf2, len), 0, "one encoding per trace");
	store_trace_free(d);
	free(buf);
	free(buf2);
	struct store_input bad = { .path = "/a", .kind = STORE_INPUT_PROCESS + 1 };
	struct store_trace tb = { .n_inputs = 1, .inputs = &bad };
	cr_assert_eq(store_trace_encode(&tb, &buf, &len), -EINVAL);
}

Test(trace, encode_rejects_bad_input)
{
	uint8_t *buf = NULL;
	size_t len;
	struct store_input in = { .path = "/a", .kind = 9 };
	struct store_trace t = { .n_inputs = 1, .inputs = &in };
	cr_assert_eq(store_trace_encode(&t, &buf, &len), -EINVAL);
	in.kind = STORE_INPUT_FILE;
	in.path = NULL;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), -EINVAL);
	in.path = "";
	cr_assert_eq(store_trace_encode(&t, &buf, &len), -EINVAL);
	char *longp = malloc(STORE_MAX_PATH + 2);
	memset(longp, 'a', STORE_MAX_PATH + 1);
	longp[STORE_MAX_PATH + 1] = '\0';
	in.path = longp;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), STORE_ELIMIT);
	longp[STORE_MAX_PATH] = '\0';
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0, "exactly the limit is fine");
	free(buf);
	in.path = "/l";
	in.kind = STORE_INPUT_SYMLINK; /* no target */
	cr_assert_eq(store_trace_encode(&t, &buf, &len), -EINVAL);
	struct store_effect e = { .path = "f", .kind = STORE_EFFECT_FILE, .mode = 010000 };
	struct store_trace t2 = { .n_effects = 1, .effects = &e };
	cr_assert_eq(store_trace_encode(&t2, &buf, &len), -EINVAL);
	e.kind = 0;
	e.mode = 0644;
	cr_assert_eq(store_trace_encode(&t2, &buf, &len), -EINVAL);
	struct store_trace t3 = { .key_info_len = STORE_MAX_KEY_INFO + 1, .key_info = "x" };
	cr_assert_eq(store_trace_encode(&t3, &buf, &len), STORE_ELIMIT);
	struct store_trace t4 = { .n_inputs = 3, .inputs = NULL };
	cr_assert_eq(store_trace_encode(&t4, &buf, &len), -EINVAL);
	free(longp);
}

static bool decodes(const uint8_t *buf, size_t len, int *ret_err)
{
	struct store_trace *d;
	int r = store_trace_decode(buf, len, &d);
	*ret_err = r;
	if (r == 0) {
		/* whatever decodes must re-encode to the very same bytes */
		uint8_t *again;
		size_t alen;
		cr_assert_eq(store_trace_encode(d, &again, &alen), 0);
		cr_assert_eq(alen, len);
		cr_assert_eq(memcmp(again, buf, len), 0);
		free(again);
		store_trace_free(d);
	}
	return r == 0;
}

/* A trace whose stdout was recorded by hash only (issue 15): version 2
 * with a flags varint, one encoding; a trace without flags is version 1 as
 * before; no flags in version 2, or unknown ones, are refused; and its
 * stdout is not among the blobs the store looks after. */
static int count_blob(void *arg, const store_hash *h, uint64_t size)
{
	(void)h;
	(void)size;
	(*(int *)arg)++;
	return 0;
}

Test(trace, hash_only_flag)
{
	struct store_trace t = sample_trace(), *d;
	uint8_t *buf, *plain;
	size_t len, plen;
	cr_assert_eq(store_trace_encode(&t, &plain, &plen), 0);
	cr_assert_eq(plain[4], 1, "no flags: version 1, ids unchanged");
	t.flags = STORE_TRACE_STDOUT_HASH_ONLY;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0);
	cr_assert_eq(buf[4], 2);
	cr_assert_eq(buf[5], STORE_TRACE_STDOUT_HASH_ONLY);
	cr_assert_eq(len, plen + 1);
	cr_assert_eq(memcmp(buf + 6, plain + 5, plen - 5), 0);
	cr_assert_eq(store_trace_decode(buf, len, &d), 0);
	assert_same_trace(&t, d);
	cr_assert_eq(d->flags, STORE_TRACE_STDOUT_HASH_ONLY);
	int n = 0;
	cr_assert_eq(store_trace_blobs(d, count_blob, &n), 0);
	cr_assert_eq(n, 1 + 1, "stderr and the one file effect, not stdout");
	store_trace_free(d);
	n = 0;
	t.flags = 0;
	cr_assert_eq(store_trace_blobs(&t, count_blob, &n), 0);
	cr_assert_eq(n, 3);
	int err;
	/* every single-bit flip of the flagged form: an error or a canonical trace */
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			(void)decodes(buf, len, &err);
			buf[i] ^= (uint8_t)(1 << bit);
		}
	buf[5] = 0; /* version 2 without flags: not the one encoding */
	cr_assert_not(decodes(buf, len, &err));
	cr_assert_eq(err, STORE_EBADTRACE);
	buf[5] = 2; /* a flag this version does not know */
	cr_assert_not(decodes(buf, len, &err));
	cr_assert_eq(err, STORE_EVERSION);
	t.flags = 2;
	uint8_t *none = NULL;
	cr_assert_eq(store_trace_encode(&t, &none, &len), -EINVAL);
	free(buf);
	free(plain);
}

/* PROCESS inputs (a process attribute: its name, the hash of its value):
 * a round trip gives the same trace and the same bytes; every truncation,
 * a missing hash and an unknown kind are refused. */
Test(trace, round_trip_process_input)
{
	static const struct store_input ins[] = {
		{ .path = "/usr/bin/sort", .kind = STORE_INPUT_FILE, .hash = { { 1, 2 } } },
		{ .path = "rlimit/nofile", .kind = STORE_INPUT_PROCESS, .hash = { { 5, 6, 7 } } },
		{ .path = "affinity", .kind = STORE_INPUT_PROCESS, .hash = { { 8 } } },
	};
	struct store_trace t = { .n_inputs = 3, .inputs = ins }, *d;
	uint8_t *buf, *buf2;
	size_t len, len2;
	int err;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0);
	cr_assert_eq(store_trace_decode(buf, len, &d), 0);
	cr_assert_eq(d->n_inputs, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(d->inputs[i].kind, ins[i].kind);
		cr_assert_str_eq(d->inputs[i].path, ins[i].path);
		cr_assert(store_hash_equal(&d->inputs[i].hash, &ins[i].hash));
		cr_assert_null(d->inputs[i].target);
	}
	cr_assert_eq(store_trace_encode(d, &buf2, &len2), 0);
	cr_assert_eq(len, len2);
	cr_assert_eq(memcmp(buf, buf2, len), 0, "one encoding per trace");
	store_trace_free(d);
	free(buf2);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		cr_assert_not(decodes(copy, n, &err), "prefix %zu decoded", n);
		free(copy);
	}
	/* the last input's kind byte: 1 + strlen("affinity") + 16 bytes of
	 * hash before the effects' count and the key info's length */
	size_t kind_at = len - 2 - 16 - strlen("affinity") - 1 - 1;
	cr_assert_eq(buf[kind_at], STORE_INPUT_PROCESS);
	buf[kind_at] = STORE_INPUT_PROCESS + 1;
	cr_assert_not(decodes(buf, len, &err));
	cr_assert_eq(err, STORE_EBADTRACE);
	/* as ABSENT (no hash): the 16 hash bytes are left over, read as the
	 * rest of the trace; whatever they decode to, never a PROCESS input
	 * without its hash */
	buf[kind_at] = STORE_INPUT_ABSENT;
	if (decodes(buf, len, &err))
		cr_assert_fail("a hash-less reading of a PROCESS input decoded");
	free(buf);
	/* a PROCESS input needs a name, like a path */
	struct store_input noname = { .path = "", .kind = STORE_INPUT_PROCESS };
	struct store_trace tn = { .n_inputs = 1, .inputs = &noname };
	cr_assert_eq(store_trace_encode(&tn, &buf, &len), -EINVAL);
}

Test(trace, decode_rejects_malformed)
{
	struct store_trace t = sample_trace();
	uint8_t *buf;
	size_t len;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0);
	int err;
	/* every truncation */
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
		memcpy(copy, buf, n);
		cr_assert_not(decodes(copy, n, &err), "prefix %zu decoded", n);
		cr_assert(err == STORE_EBADTRACE || err == STORE_ELIMIT, "prefix %zu: %d", n, err);
		free(copy);
	}
	/* trailing garbage */
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	cr_assert_not(decodes(longer, len + 1, &err));
	cr_assert_eq(err, STORE_EBADTRACE);
	free(longer);
	/* every single-bit flip: an error, or a canonical other trace */
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			(void)decodes(buf, len, &err);
			cr_assert(err == 0 || err == STORE_EBADTRACE || err == STORE_ELIMIT ||
				  err == STORE_EVERSION);
			buf[i] ^= (uint8_t)(1 << bit);
		}
	/* an unknown version (2 is version 1 with flags: trace, hash_only_flag) */
	buf[4] = 3;
	cr_assert_not(decodes(buf, len, &err));
	cr_assert_eq(err, STORE_EVERSION);
	free(buf);

	/* hand-made: a count far beyond the bytes, a non-minimal varint */
	uint8_t head[4 + 1 + 16 + 1 + 16 + 1 + 1 + 1 + 1] = { 'S', 'K', 'T', 'R', 1 };
	size_t hl = sizeof(head);
	uint8_t *big = calloc(1, hl + 10);
	memcpy(big, head, hl);
	memcpy(big + hl, "\xff\xff\xff\x7f", 4); /* n_inputs = 2^28-1 */
	cr_assert_not(decodes(big, hl + 4, &err));
	cr_assert(err == STORE_ELIMIT || err == STORE_EBADTRACE);
	memcpy(big + hl, "\x80\x00\x00\x00", 4); /* 0 as two bytes, then effects, key */
	cr_assert_not(decodes(big, hl + 4, &err));
	cr_assert_eq(err, STORE_EBADTRACE);
	memcpy(big + hl, "\x00\x00\x00", 3); /* the valid minimal form */
	cr_assert(decodes(big, hl + 3, &err), "err %d", err);
	big[hl + 3] = 0xff; /* 11-byte varint */
	memset(big + hl, 0xff, 10);
	cr_assert_not(decodes(big, hl + 10, &err));
	free(big);
	cr_assert_not(decodes((const uint8_t *)"", 0, &err));
	cr_assert_not(decodes((const uint8_t *)"SKTX\x01", 5, &err));
	cr_assert_eq(err, STORE_EBADTRACE);
}

/* TOUCH effects: the time of the apply (STORE_MTIME_NOW), a time before
 * 1970 and an explicit one survive a round trip with one encoding; the
 * kind after TOUCH is refused (tests/fuzz/corpus/trace has both:
 * valid-touch, bad-kind-past-touch). */
Test(trace, touch_effect)
{
	const struct store_effect effs[] = {
		{ .path = "b", .kind = STORE_EFFECT_TOUCH, .mtime_ns = STORE_MTIME_NOW },
		{ .path = "/tmp/x", .kind = STORE_EFFECT_TOUCH, .mtime_ns = 1557014400123456789LL },
		{ .path = "old", .kind = STORE_EFFECT_TOUCH, .mtime_ns = -1 },
		{ .path = "max", .kind = STORE_EFFECT_TOUCH, .mtime_ns = INT64_MAX },
	};
	struct store_trace t = { .n_effects = 4, .effects = effs }, *d;
	uint8_t *buf, *buf2;
	size_t len, len2;
	int err;
	cr_assert_eq(store_trace_encode(&t, &buf, &len), 0);
	cr_assert_eq(store_trace_decode(buf, len, &d), 0);
	assert_same_trace(&t, d);
	cr_assert_eq(store_trace_encode(d, &buf2, &len2), 0);
	cr_assert(len == len2 && memcmp(buf, buf2, len) == 0, "one encoding per trace");
	store_trace_free(d);
	free(buf2);
	/* the kind byte of the first effect follows "b"'s length and byte */
	uint8_t *k = memmem(buf, len, "\x05\x01" "b", 3);
	cr_assert_not_null(k);
	k[0] = STORE_EFFECT_TOUCH + 1;
	cr_assert_not(decodes(buf, len, &err));
	cr_assert_eq(err, STORE_EBADTRACE);
	free(buf);
	struct store_effect e = { .path = "b", .kind = STORE_EFFECT_TOUCH + 1 };
	struct store_trace t2 = { .n_effects = 1, .effects = &e };
	cr_assert_eq(store_trace_encode(&t2, &buf, &len), -EINVAL);
}

Test(trace, fuzz_corpus_replays)
{
	char *exe = tu_exe_dir();
	char *corpus;
	cr_assert(asprintf(&corpus, "%s/../../../tests/fuzz/corpus/trace", exe) > 0);
	DIR *d = opendir(corpus);
	cr_assert_not_null(d, "no corpus at %s", corpus);
	struct dirent *de;
	int files = 0, valid = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = tu_join(corpus, de->d_name);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		cr_assert(fd >= 0);
		static uint8_t buf[1 << 20];
		ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		cr_assert(n >= 0);
		int err;
		uint8_t *exact = malloc(n ? (size_t)n : 1);
		memcpy(exact, buf, (size_t)n);
		valid += decodes(exact, (size_t)n, &err);
		free(exact);
		files++;
		free(p);
	}
	closedir(d);
	cr_assert_geq(files, 10, "corpus too small: %d", files);
	cr_assert_geq(valid, 3, "corpus should hold valid encodings");
	cr_assert_lt(valid, files, "corpus should hold invalid encodings");
	free(corpus);
	free(exe);
}

/* ---- index ----------------------------------------------------------------------- */

/* Commit blobs for the sample trace's references and point it at them. */
static struct store_trace stored_trace(store *s, const char *tag, struct store_effect *effs)
{
	struct store_trace t = sample_trace();
	char out[64];
	int n = snprintf(out, sizeof(out), "stdout of %s", tag);
	cr_assert_eq(store_blob_put(s, out, (size_t)n, &t.stdout_blob), 0);
	t.stdout_size = (uint64_t)n;
	cr_assert_eq(store_blob_put(s, "", 0, &t.stderr_blob), 0);
	memcpy(effs, sample_effects, sizeof(sample_effects));
	n = snprintf(out, sizeof(out), "effect of %s", tag);
	cr_assert_eq(store_blob_put(s, out, (size_t)n, &effs[0].blob), 0);
	effs[0].size = (uint64_t)n;
	t.effects = effs;
	return t;
}

Test(index, record_and_look_up)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "one", effs);
	store_hash key = hash_of("action one"), id, id2;
	cr_assert_eq(store_record(s, &key, &t, NULL, &id, NULL), 0);
	store_hash want;
	store_trace_id(&t, &want);
	cr_assert(store_hash_equal(&id, &want));

	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	store_hash *ids;
	size_t n;
	cr_assert_eq(store_action_traces(txn, &key, &ids, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert(store_hash_equal(&ids[0], &id));
	free(ids);
	struct store_trace *got;
	cr_assert_eq(store_trace_get(txn, &id, &got), 0);
	assert_same_trace(&t, got);
	store_trace_free(got);
	uint64_t size;
	int64_t last;
	cr_assert_eq(store_blob_info(txn, &t.stdout_blob, &size, &last), 0);
	cr_assert_eq(size, t.stdout_size);
	cr_assert_lt(llabs(last - (int64_t)time(NULL) * 1000000000LL), 10000000000LL);
	cr_assert_eq(store_blob_info(txn, &effs[0].blob, &size, NULL), 0);
	cr_assert_eq(size, effs[0].size);
	store_hash other = hash_of("no such action");
	cr_assert_eq(store_action_traces(txn, &other, &ids, &n), -ENOENT);
	cr_assert_eq(store_trace_get(txn, &other, &got), -ENOENT);
	cr_assert_eq(store_blob_info(txn, &other, &size, NULL), -ENOENT);
	/* one txn at a time; no writes while it is open */
	store_txn *txn2;
	cr_assert_eq(store_read_begin(s, &txn2), -EBUSY);
	cr_assert_eq(store_record(s, &key, &t, NULL, NULL, NULL), -EBUSY);
	store_read_end(txn);
	store_read_end(NULL);

	/* a second trace goes first; recording the first again moves it up */
	struct store_effect effs2[4];
	struct store_trace t2 = stored_trace(s, "two", effs2);
	cr_assert_eq(store_record(s, &key, &t2, NULL, &id2, NULL), 0);
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_action_traces(txn, &key, &ids, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert(store_hash_equal(&ids[0], &id2));
	cr_assert(store_hash_equal(&ids[1], &id));
	free(ids);
	store_read_end(txn);
	cr_assert_eq(store_record(s, &key, &t, NULL, NULL, NULL), 0);
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_action_traces(txn, &key, &ids, &n), 0);
	cr_assert_eq(n, 2, "no duplicate ids");
	cr_assert(store_hash_equal(&ids[0], &id));
	free(ids);
	store_read_end(txn);
	store_close(s);
	tu_rmrf(dir);
}

Test(index, action_list_is_capped)
{
	char *dir;
	store *s = open_tmp(&dir);
	store_hash key = hash_of("busy action"), last;
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "x", effs);
	for (int i = 0; i < STORE_MAX_TRACES_PER_ACTION + 5; i++) {
		t.duration_ns = (uint64_t)i;
		cr_assert_eq(store_record(s, &key, &t, NULL, &last, NULL), 0);
	}
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	store_hash *ids;
	size_t n;
	cr_assert_eq(store_action_traces(txn, &key, &ids, &n), 0);
	cr_assert_eq(n, STORE_MAX_TRACES_PER_ACTION);
	cr_assert(store_hash_equal(&ids[0], &last));
	struct store_trace *got;
	cr_assert_eq(store_trace_get(txn, &ids[n - 1], &got), 0);
	cr_assert_eq(got->duration_ns, 5, "oldest kept is #5");
	store_trace_free(got);
	free(ids);
	store_read_end(txn);
	store_close(s);
	tu_rmrf(dir);
}

Test(index, blobs_first)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "x", effs);
	effs[0].blob = hash_of("never stored");
	store_hash key = hash_of("k");
	cr_assert_eq(store_record(s, &key, &t, NULL, NULL, NULL), -ENOENT);
	effs[0] = sample_effects[1];
	t.stdout_size++; /* size does not match the object */
	cr_assert_eq(store_record(s, &key, &t, NULL, NULL, NULL), STORE_ECORRUPT);
	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_eq(st.actions + st.traces + st.blobs + st.runs, 0, "index changed");
	store_close(s);
	tu_rmrf(dir);
}

Test(index, run_history)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "r", effs);
	store_hash key = hash_of("run action"), tid;
	struct store_run miss = { .start_ns = 100, .duration_ns = 5000, .outcome = STORE_RUN_MISS,
				  .exit_status = 0, .action_key = key, .cwd = "/work",
				  .command = "sort -n data.csv" };
	uint64_t rid1, rid2, rid3;
	cr_assert_eq(store_record(s, &key, &t, &miss, &tid, &rid1), 0);
	struct store_run hit = miss;
	hit.outcome = STORE_RUN_HIT;
	hit.duration_ns = 10;
	hit.saved_ns = 4990;
	hit.trace_id = tid;
	cr_assert_eq(store_run_add(s, &hit, &rid2), 0);
	struct store_run nr = { .outcome = STORE_RUN_NOT_RECORDED, .exit_status = 1,
				.reason = "exit status 1", .command = "false" };
	cr_assert_eq(store_run_add(s, &nr, &rid3), 0);
	cr_assert_eq(rid2, rid1 + 1);
	cr_assert_eq(rid3, rid2 + 1);
	struct store_run bad = { .outcome = 0 };
	cr_assert_eq(store_run_add(s, &bad, NULL), -EINVAL);
	cr_assert_eq(store_run_add(s, NULL, NULL), -EINVAL);

	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	uint64_t id, seen[3];
	int k = 0;
	for (uint64_t before = UINT64_MAX; store_run_prev(txn, before, &id) == 0; before = id)
		seen[k++] = id;
	cr_assert_eq(k, 3);
	cr_assert_eq(seen[0], rid3);
	cr_assert_eq(seen[2], rid1);
	cr_assert_eq(store_run_prev(txn, rid1, &id), -ENOENT);
	struct store_run *r;
	cr_assert_eq(store_run_get(txn, rid1, &r), 0);
	cr_assert_eq(r->outcome, STORE_RUN_MISS);
	cr_assert(store_hash_equal(&r->trace_id, &tid), "record sets the run's trace id");
	cr_assert_str_eq(r->command, "sort -n data.csv");
	cr_assert_str_eq(r->cwd, "/work");
	cr_assert_eq(r->start_ns, 100);
	store_run_free(r);
	cr_assert_eq(store_run_get(txn, rid3, &r), 0);
	cr_assert_str_eq(r->reason, "exit status 1");
	cr_assert_eq(r->exit_status, 1);
	cr_assert_str_eq(r->cwd, "");
	store_run_free(r);
	cr_assert_eq(store_run_get(txn, rid2, &r), 0);
	cr_assert_eq(r->saved_ns, 4990);
	store_run_free(r);
	store_run_free(NULL);
	cr_assert_eq(store_run_get(txn, 999, &r), -ENOENT);
	store_read_end(txn);
	store_close(s);
	tu_rmrf(dir);
}

Test(index, hit_refreshes_old_blob_use)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "old", effs);
	store_hash key = hash_of("a"), tid;
	cr_assert_eq(store_record(s, &key, &t, NULL, &tid, NULL), 0);
	store_close(s);
	/* age the stdout blob's last use by two hours */
	uint8_t val[16];
	uint64_t sz = t.stdout_size, old = (uint64_t)(time(NULL) - 7200) * 1000000000ull;
	for (int i = 0; i < 8; i++) {
		val[i] = (uint8_t)(sz >> (8 * i));
		val[8 + i] = (uint8_t)(old >> (8 * i));
	}
	tu_raw_put(dir, "blobs", t.stdout_blob.bytes, 16, val, 16);
	struct store_options o = { .flags = STORE_NOSYNC };
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	struct store_run hit = { .outcome = STORE_RUN_HIT, .trace_id = tid };
	cr_assert_eq(store_run_add(s, &hit, NULL), 0);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	int64_t last;
	cr_assert_eq(store_blob_info(txn, &t.stdout_blob, NULL, &last), 0);
	cr_assert_gt(last, (int64_t)old + 3600LL * 1000000000LL);
	store_read_end(txn);
	store_close(s);
	tu_rmrf(dir);
}

Test(index, corrupt_trace_record)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "c", effs);
	store_hash key = hash_of("c"), tid;
	cr_assert_eq(store_record(s, &key, &t, NULL, &tid, NULL), 0);
	store_close(s);
	tu_raw_put(dir, "traces", tid.bytes, 16, "garbage", 7);
	struct store_options o = { .flags = STORE_NOSYNC };
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	struct store_trace *got;
	cr_assert_eq(store_trace_get(txn, &tid, &got), STORE_ECORRUPT);
	store_read_end(txn);
	struct store_fsck_report rep;
	cr_assert_eq(store_fsck(s, 0, NULL, NULL, &rep), 0);
	cr_assert_eq(rep.problems, 1);
	store_close(s);
	tu_rmrf(dir);
}

Test(index, map_grows_from_tiny)
{
	char *dir;
	struct store_options o = { .flags = STORE_NOSYNC, .initial_map_size = 64 << 10 };
	store *s = open_tmp_opts(&dir, &o);
	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_leq(st.map_size, 1 << 20);
	uint64_t start_map = st.map_size;
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "grow", effs);
	char *info = malloc(8192);
	memset(info, 'k', 8192);
	t.key_info = info;
	t.key_info_len = 8192;
	store_hash ids[400];
	for (int i = 0; i < 400; i++) {
		t.duration_ns = (uint64_t)i;
		store_hash key;
		store_hash_bytes(&i, sizeof(i), &key);
		int r = store_record(s, &key, &t, NULL, &ids[i], NULL);
		cr_assert_eq(r, 0, "record %d: %s", i, store_strerror(r));
	}
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_gt(st.map_size, start_map, "map did not grow");
	cr_assert_geq(st.map_size, 400 * 8192);
	cr_assert_eq(st.traces, 400);
	store_close(s);
	/* everything is there after reopening */
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	for (int i = 0; i < 400; i++) {
		struct store_trace *got;
		cr_assert_eq(store_trace_get(txn, &ids[i], &got), 0);
		cr_assert_eq(got->duration_ns, (uint64_t)i);
		store_trace_free(got);
	}
	store_read_end(txn);
	struct store_fsck_report rep;
	cr_assert_eq(store_fsck(s, STORE_FSCK_HASH, NULL, NULL, &rep), 0);
	cr_assert_eq(rep.problems, 0);
	free(info);
	store_close(s);
	tu_rmrf(dir);
}

/* ---- stat cache ------------------------------------------------------------------- */

static void make_old(const char *path)
{
	/* ctime cannot be set, so wait until it is older than the racy window */
	(void)path;
	usleep((STORE_RACY_NS / 1000) + 20000);
}

Test(statcache, hashes_then_answers_from_cache)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *f = tu_join(dir, "input.txt");
	tu_write_file(f, "some input", 10);
	make_old(f);
	store_stat_updates *u;
	cr_assert_eq(store_stat_updates_new(&u), 0);
	store_txn *txn;
	struct store_path_state ps;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_stat_hash(txn, u, AT_FDCWD, f, 0, &ps), 0);
	store_read_end(txn);
	store_hash want = hash_of("some input");
	cr_assert_eq(ps.kind, STORE_INPUT_FILE);
	cr_assert(store_hash_equal(&ps.hash, &want));
	cr_assert_not(ps.cached);
	cr_assert_eq(ps.st.st_size, 10);
	cr_assert_eq(store_stat_updates_count(u), 1);
	cr_assert_eq(store_stat_updates_flush(s, u), 0);
	cr_assert_eq(store_stat_updates_count(u), 0);

	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_stat_hash(txn, u, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(ps.cached);
	cr_assert(store_hash_equal(&ps.hash, &want));
	cr_assert_eq(store_stat_updates_count(u), 0);
	/* relative to a dirfd */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(store_stat_hash(txn, u, dfd, "input.txt", 0, &ps), 0);
	cr_assert(ps.cached);
	close(dfd);
	store_read_end(txn);

	/* same size, content changed: ctime moves, so it is rehashed */
	tu_write_file(f, "SOME INPUT", 10);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	want = hash_of("SOME INPUT");
	cr_assert_not(ps.cached);
	cr_assert(store_hash_equal(&ps.hash, &want));
	store_stat_updates_free(u);
	store_stat_updates_free(NULL);
	free(f);
	store_close(s);
	tu_rmrf(dir);
}

Test(statcache, racy_entry_is_rehashed)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *f = tu_join(dir, "racy.txt");
	store_stat_updates *u;
	store_stat_updates_new(&u);
	store_txn *txn;
	struct store_path_state ps;

	/* a file written just now is hashed but not remembered... (its mtime
	 * is pushed 10 s ahead so that a slow, loaded machine taking more
	 * than STORE_RACY_NS to get to the lookup cannot make it old) */
	tu_write_file(f, "version 1", 9);
	struct timespec ahead[2] = { { 0, UTIME_OMIT }, { time(NULL) + 10, 0 } };
	cr_assert_eq(utimensat(AT_FDCWD, f, ahead, 0), 0);
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_stat_hash(txn, u, AT_FDCWD, f, 0, &ps), 0);
	store_read_end(txn);
	cr_assert_not(ps.cached);
	cr_assert_eq(store_stat_updates_count(u), 0, "racy entry recorded");
	/* ...so a same-size rewrite in the same tick is still seen */
	struct stat st1 = ps.st;
	tu_write_file(f, "version 2", 9);
	struct timespec ts[2] = { st1.st_atim, st1.st_mtim }; /* forge the old mtime */
	cr_assert_eq(utimensat(AT_FDCWD, f, ts, 0), 0);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	store_hash v2 = hash_of("version 2");
	cr_assert(store_hash_equal(&ps.hash, &v2));

	/* The rule itself, on forged entries with a wrong hash: an entry
	 * recorded within STORE_RACY_NS of the file's mtime is not trusted;
	 * one recorded well after it is. */
	make_old(f);
	struct stat st;
	cr_assert_eq(stat(f, &st), 0);
	uint8_t key[16], val[56] = { 0 };
	for (int i = 0; i < 8; i++) {
		key[i] = (uint8_t)((uint64_t)st.st_dev >> (8 * i));
		key[8 + i] = (uint8_t)((uint64_t)st.st_ino >> (8 * i));
	}
	int64_t mt = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	int64_t ct = st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	int64_t newest = mt > ct ? mt : ct;
	uint64_t fields[3] = { (uint64_t)st.st_size, (uint64_t)mt, (uint64_t)ct };
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < 8; i++)
			val[8 * k + i] = (uint8_t)(fields[k] >> (8 * i));
	for (int i = 0; i < 4; i++)
		val[24 + i] = (uint8_t)((uint32_t)st.st_mode >> (8 * i));
	val[28] = STORE_INPUT_FILE;
	store_hash wrong = hash_of("wrong");
	memcpy(val + 40, wrong.bytes, 16);
	store_close(s);

	uint64_t rec = (uint64_t)(newest + STORE_RACY_NS / 2); /* racy */
	for (int i = 0; i < 8; i++)
		val[32 + i] = (uint8_t)(rec >> (8 * i));
	tu_raw_put(dir, "statcache", key, 16, val, 56);
	struct store_options o = { .flags = STORE_NOSYNC | STORE_RDONLY };
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert_not(ps.cached);
	cr_assert(store_hash_equal(&ps.hash, &v2), "racy entry trusted");
	store_close(s);

	rec = (uint64_t)(newest + 2 * STORE_RACY_NS); /* safely after */
	for (int i = 0; i < 8; i++)
		val[32 + i] = (uint8_t)(rec >> (8 * i));
	tu_raw_put(dir, "statcache", key, 16, val, 56);
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, f, 0, &ps), 0);
	cr_assert(ps.cached);
	cr_assert(store_hash_equal(&ps.hash, &wrong), "a safe entry is used as is");
	store_close(s);
	store_stat_updates_free(u);
	free(f);
	tu_rmrf(dir);
}

Test(statcache, kinds_and_errors)
{
	char *dir;
	store *s = open_tmp(&dir);
	char *sub = tu_join(dir, "sub"), *f = tu_join(dir, "sub/f"), *l = tu_join(dir, "l"),
	     *fifo = tu_join(dir, "fifo"), *missing = tu_join(dir, "missing");
	mkdir(sub, 0700);
	tu_write_file(f, "x", 1);
	cr_assert_eq(symlink("sub/f", l), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	make_old(f);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, sub, 0, &ps), 0);
	cr_assert_eq(ps.kind, STORE_INPUT_DIR);
	store_hash lh;
	store_dir_listing_hash(AT_FDCWD, sub, &lh);
	cr_assert(store_hash_equal(&ps.hash, &lh));
	cr_assert_eq(store_path_hash(s, AT_FDCWD, sub, 0, &ps), 0);
	cr_assert(ps.cached, "directories are cached too");

	cr_assert_eq(store_path_hash(s, AT_FDCWD, l, 0, &ps), 0);
	cr_assert_eq(ps.kind, STORE_INPUT_FILE);
	store_hash x = hash_of("x");
	cr_assert(store_hash_equal(&ps.hash, &x));
	cr_assert_eq(store_path_hash(s, AT_FDCWD, l, AT_SYMLINK_NOFOLLOW, &ps), 0);
	cr_assert_eq(ps.kind, STORE_INPUT_SYMLINK);
	store_hash target = hash_of("sub/f");
	cr_assert(store_hash_equal(&ps.hash, &target));

	cr_assert_eq(store_path_hash(s, AT_FDCWD, fifo, 0, &ps), -ENODEV);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, missing, 0, &ps), -ENOENT);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, "/dev/null", 0, &ps), -ENODEV);
	char *notdir = tu_join(f, "x");
	cr_assert_eq(store_path_hash(s, AT_FDCWD, notdir, 0, &ps), -ENOTDIR);
	free(notdir);

	/* adding an entry changes the directory's answer */
	char *g = tu_join(sub, "g");
	tu_write_file(g, "", 0);
	cr_assert_eq(store_path_hash(s, AT_FDCWD, sub, 0, &ps), 0);
	cr_assert_not(store_hash_equal(&ps.hash, &lh));
	free(g);
	free(sub);
	free(f);
	free(l);
	free(fifo);
	free(missing);
	store_close(s);
	tu_rmrf(dir);
}

Test(statcache, batch_of_many_files)
{
	char *dir;
	store *s = open_tmp(&dir);
	enum { N = 300 };
	char name[4096];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "%s/f%d", dir, i);
		tu_write_file(name, name, strlen(name));
	}
	make_old(dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	store_stat_updates *u;
	store_stat_updates_new(&u);
	for (int round = 0; round < 2; round++) {
		store_txn *txn;
		cr_assert_eq(store_read_begin(s, &txn), 0);
		for (int i = 0; i < N; i++) {
			struct store_path_state ps;
			snprintf(name, sizeof(name), "f%d", i);
			cr_assert_eq(store_stat_hash(txn, u, dfd, name, 0, &ps), 0);
			cr_assert_eq(ps.cached, round == 1);
		}
		store_read_end(txn);
		cr_assert_eq(store_stat_updates_count(u), round == 0 ? N : 0);
		cr_assert_eq(store_stat_updates_flush(s, u), 0);
	}
	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_eq(st.statcache_entries, N);
	close(dfd);
	store_stat_updates_free(u);
	store_close(s);
	tu_rmrf(dir);
}

/* ---- fsck and stats ---------------------------------------------------------------- */

struct seen {
	int n[8];
};

static void on_problem(void *arg, enum store_fsck_problem what, const store_hash *key)
{
	(void)key;
	struct seen *s = arg;
	s->n[what]++;
}

Test(fsck, finds_each_problem)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "f", effs);
	store_hash key = hash_of("f"), tid;
	struct store_run run = { .outcome = STORE_RUN_MISS };
	cr_assert_eq(store_record(s, &key, &t, &run, &tid, NULL), 0);
	struct store_path_state ps;
	cr_assert_eq(store_path_hash(s, AT_FDCWD, "/", 0, &ps), 0);
	struct store_fsck_report rep;
	struct seen seen = { 0 };
	cr_assert_eq(store_fsck(s, STORE_FSCK_HASH, on_problem, &seen, &rep), 0);
	cr_assert_eq(rep.problems, 0);
	cr_assert_eq(rep.actions, 1);
	cr_assert_eq(rep.traces, 1);
	cr_assert_eq(rep.runs, 1);
	cr_assert_eq(rep.blobs_checked, 3);

	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	cr_assert_eq(st.actions, 1);
	cr_assert_eq(st.traces, 1);
	cr_assert_eq(st.blobs, 3);
	cr_assert_eq(st.runs, 1);
	cr_assert_eq(st.blob_bytes, t.stdout_size + effs[0].size);
	cr_assert_gt(st.index_bytes, 0);

	/* a flipped byte in the effect blob: only the hashing check sees it */
	char path[4096];
	store_blob_path(s, &effs[0].blob, path, sizeof(path));
	chmod(path, 0644);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	char c;
	cr_assert_eq(pread(fd, &c, 1, 0), 1);
	c ^= 1;
	cr_assert_eq(pwrite(fd, &c, 1, 0), 1);
	close(fd);
	cr_assert_eq(store_fsck(s, 0, NULL, NULL, &rep), 0);
	cr_assert_eq(rep.problems, 0);
	cr_assert_eq(store_fsck(s, STORE_FSCK_HASH, on_problem, &seen, &rep), 0);
	cr_assert_eq(rep.problems, 1);
	cr_assert_eq(seen.n[STORE_FSCK_BAD_BLOB], 1);
	/* a missing blob */
	unlink(path);
	cr_assert_eq(store_fsck(s, 0, on_problem, &seen, &rep), 0);
	cr_assert_eq(rep.problems, 1);
	cr_assert_eq(seen.n[STORE_FSCK_MISSING_BLOB], 1);
	store_close(s);
	/* a dangling action and a malformed blob record */
	store_hash ghost = hash_of("ghost"), other = hash_of("other");
	tu_raw_put(dir, "actions", other.bytes, 16, ghost.bytes, 16);
	tu_raw_put(dir, "blobs", ghost.bytes, 16, "short", 5);
	struct store_options o = { .flags = STORE_RDONLY };
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(store_fsck(s, 0, on_problem, &seen, &rep), 0);
	cr_assert_eq(rep.problems, 3);
	cr_assert_eq(seen.n[STORE_FSCK_DANGLING_TRACE], 1);
	cr_assert_eq(seen.n[STORE_FSCK_BAD_RECORD], 1);
	cr_assert_eq(seen.n[STORE_FSCK_MISSING_BLOB], 1);
	store_close(s);
	tu_rmrf(dir);
}

/* ---- batched stat-cache lookups ------------------------------------------------------ */

#include <seccomp.h>
#include <sys/wait.h>

/* n paths in dir: files, a dir, a symlink, a FIFO, absent names, and
 * names under a parent that is absent, a file or a symlink to a
 * directory; compare every batch answer with store_stat_hash's. Absolute
 * paths (the form a trace's inputs have) when absolute, else relative to
 * a dirfd. Returns the number cached. */
static int batch_matches_single(store *s, const char *dir, int n, bool absolute, int *ret_hashable)
{
	int hashable = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(dfd >= 0);
	struct store_stat_query *q = calloc((size_t)n, sizeof(*q));
	char (*names)[512] = calloc((size_t)n, 512);
	for (int i = 0; i < n; i++) {
		char name[64];
		switch (i % 10) {
		case 6: snprintf(name, sizeof(name), "%s/x%d", i % 30 == 6 ? "nope" : i % 30 == 16 ? "f0" : "via", i); break;
		case 7: snprintf(name, sizeof(name), "absent-%d", i); break;
		case 8: snprintf(name, sizeof(name), "sub"); break;
		case 9: snprintf(name, sizeof(name), i % 20 == 9 ? "link" : "fifo"); break;
		default: snprintf(name, sizeof(name), "f%d", i);
		}
		if (absolute)
			snprintf(names[i], 512, "%s/%s", dir, name);
		else
			snprintf(names[i], 512, "%s", name);
		q[i] = (struct store_stat_query){ .dirfd = absolute ? AT_FDCWD : dfd, .path = names[i],
						  .at_flags = (i % 20 == 9) ? AT_SYMLINK_NOFOLLOW : 0 };
	}
	struct store_path_state *st = calloc((size_t)n, sizeof(*st));
	int *errs = calloc((size_t)n, sizeof(int));
	store_stat_updates *u;
	store_stat_updates_new(&u);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_stat_hash_many(txn, u, (size_t)n, q, st, errs), 0);
	int cached = 0;
	for (int i = 0; i < n; i++) {
		struct store_path_state one;
		int r = store_stat_hash(txn, NULL, q[i].dirfd, names[i], q[i].at_flags, &one);
		cr_assert_eq(errs[i], r, "%s: batch %d single %d", names[i], errs[i], r);
		if (r)
			continue;
		cr_assert_eq(st[i].kind, one.kind);
		cr_assert(store_hash_equal(&st[i].hash, &one.hash), "%s", names[i]);
		cr_assert_eq(st[i].st.st_ino, one.st.st_ino);
		cr_assert_eq(st[i].st.st_dev, one.st.st_dev);
		cr_assert_eq(st[i].st.st_size, one.st.st_size);
		cr_assert_eq(st[i].st.st_mode, one.st.st_mode);
		cr_assert_eq(st[i].st.st_mtim.tv_nsec, one.st.st_mtim.tv_nsec);
		cr_assert_eq(st[i].st.st_ctim.tv_nsec, one.st.st_ctim.tv_nsec);
		cached += st[i].cached;
		hashable += one.kind == STORE_INPUT_FILE || one.kind == STORE_INPUT_DIR;
	}
	*ret_hashable = hashable;
	store_read_end(txn);
	cr_assert_eq(store_stat_updates_flush(s, u), 0);
	store_stat_updates_free(u);
	free(q);
	free(names);
	free(st);
	free(errs);
	close(dfd);
	return cached;
}

static void make_batch_dir(const char *dir, int n)
{
	for (int i = 0; i < n; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		tu_write_file(p, p, strlen(p));
	}
	char *sub = tu_join(dir, "sub"), *l = tu_join(dir, "link"), *fifo = tu_join(dir, "fifo");
	char *via = tu_join(dir, "via");
	mkdir(sub, 0700);
	cr_assert_eq(symlink("f0", l), 0);
	cr_assert_eq(symlink("sub", via), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	for (int i = 0; i < n; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/sub/x%d", dir, i);
		if (i % 10 == 6 && i % 30 == 26)
			tu_write_file(p, p, strlen(p)); /* reached through "via" */
	}
	free(sub);
	free(l);
	free(via);
	free(fifo);
	make_old(dir);
}

/* A store in a temp dir, with make_batch_dir's n paths in its "files". */
static store *batch_store(int n, char **ret_dir, char **ret_files)
{
	store *s = open_tmp(ret_dir);
	*ret_files = tu_join(*ret_dir, "files");
	mkdir(*ret_files, 0700);
	make_batch_dir(*ret_files, n);
	return s;
}

/* A first batch hashes (nothing is cached yet), a second answers every
 * file and directory from the cache. */
static void batch_cold_then_cached(store *s, const char *files, int n, bool absolute,
				   int hashable_expected)
{
	int hashable;
	cr_assert_eq(batch_matches_single(s, files, n, absolute, &hashable), 0, "cold pass");
	cr_assert_eq(hashable, hashable_expected);
	int cached = batch_matches_single(s, files, n, absolute, &hashable);
	cr_assert_eq(cached, hashable, "cached %d of %d", cached, hashable);
}

Test(statcache, batch_answers_like_single_lookups)
{
	char *dir, *files;
	store *s = batch_store(700, &dir, &files);
	/* per 30: 18 files, 3 directories, 1 file through "via" */
	batch_cold_then_cached(s, files, 700, false, 23 * 22 + 7);
	int hashable;
	cr_assert_eq(batch_matches_single(s, files, 5, false, &hashable), 5, "small batch");
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	cr_assert_eq(store_stat_hash_many(txn, NULL, 0, NULL, NULL, NULL), 0);
	struct store_stat_query bad = { .dirfd = AT_FDCWD, .path = NULL };
	struct store_path_state st;
	int err;
	cr_assert_eq(store_stat_hash_many(txn, NULL, 1, &bad, &st, &err), -EINVAL);
	store_read_end(txn);
	free(files);
	store_close(s);
	tu_rmrf(dir);
}

/* Absolute paths, as a trace has them: statted relative to their opened
 * parents, over worker threads from 256 paths on (on a machine with more
 * than one CPU). */
Test(statcache, batch_of_absolute_paths)
{
	char *dir, *files;
	store *s = batch_store(3000, &dir, &files);
	batch_cold_then_cached(s, files, 3000, true, 100 * 22);
	free(files);
	store_close(s);
	tu_rmrf(dir);
}

/* Answers asked for out of order, a batch ended early, and one batch per
 * handle at a time. */
Test(statcache, batch_order_and_early_end)
{
	char *dir, *files;
	store *s = batch_store(2000, &dir, &files);
	char (*names)[512] = calloc(2000, 512);
	struct store_stat_query *q = calloc(2000, sizeof(*q));
	for (int i = 0; i < 2000; i++) {
		snprintf(names[i], 512, "%s/f%d", files, i);
		q[i] = (struct store_stat_query){ .dirfd = AT_FDCWD, .path = names[i] };
	}
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	store_stat_batch *b, *b2;
	cr_assert_eq(store_stat_batch_begin(txn, NULL, 2000, q, &b), 0);
	cr_assert_eq(store_stat_batch_begin(txn, NULL, 2000, q, &b2), -EBUSY);
	for (int i = 1999; i >= 0; i -= 7) {
		struct stat st, one;
		cr_assert_eq(store_stat_batch_stat(b, (size_t)i, &st), 0);
		cr_assert_eq(stat(names[i], &one), 0);
		cr_assert_eq(st.st_ino, one.st_ino, "%s", names[i]);
		cr_assert_eq(st.st_size, one.st_size);
	}
	struct stat st;
	cr_assert_eq(store_stat_batch_stat(b, 2000, &st), -EINVAL);
	store_stat_batch_end(b);
	/* ended after one answer: the rest is abandoned, the next begins */
	cr_assert_eq(store_stat_batch_begin(txn, NULL, 2000, q, &b), 0);
	struct store_path_state ps;
	cr_assert_eq(store_stat_batch_answer(b, 0, &ps), 0);
	cr_assert_eq(ps.kind, STORE_INPUT_FILE);
	store_stat_batch_end(b);
	cr_assert_eq(store_stat_batch_begin(txn, NULL, 0, NULL, &b), 0);
	store_stat_batch_end(b);
	store_stat_batch_end(NULL);
	store_read_end(txn);
	free(q);
	free(names);
	free(files);
	store_close(s);
	tu_rmrf(dir);
}

Test(trace, decode_null)
{
	struct store_trace *t = (struct store_trace *)0x1;
	cr_assert_eq(store_trace_decode(NULL, 0, &t), STORE_EBADTRACE);
	cr_assert_eq(store_trace_decode(NULL, 5, &t), -EINVAL);
	cr_assert_eq(t, (struct store_trace *)0x1);
}

#include "store/internal.h"

Test(statcache, sized_hash_reads_what_is_there)
{
	char *dir = tu_tmpdir();
	char *f = tu_join(dir, "f");
	size_t sizes[] = { 0, 100, 16383, 16384, 20000 };
	uint8_t *buf = malloc(20000);
	for (size_t i = 0; i < 20000; i++)
		buf[i] = (uint8_t)(i * 3);
	for (size_t k = 0; k < 5; k++) {
		tu_write_file(f, buf, sizes[k]);
		store_hash want;
		store_hash_bytes(buf, sizes[k], &want);
		uint64_t guesses[] = { 0, 50, 100, 16383, 99999 };
		for (size_t g = 0; g < 5; g++) {
			int fd = open(f, O_RDONLY | O_CLOEXEC);
			store_hash got;
			cr_assert_eq(store_hash_fd_sized(fd, guesses[g], &got), 0);
			close(fd);
			cr_assert(store_hash_equal(&got, &want), "size %zu guess %llu", sizes[k],
				  (unsigned long long)guesses[g]);
		}
	}
	free(buf);
	free(f);
	tu_rmrf(dir);
}

static uint64_t count_runs(store *s)
{
	struct store_stats st;
	cr_assert_eq(store_stats(s, &st), 0);
	return st.runs;
}

Test(index, deferred_runs)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_run a = { .outcome = STORE_RUN_HIT, .command = "first" };
	struct store_run b = { .outcome = STORE_RUN_NOT_RECORDED, .command = "second",
			       .reason = "tty" };
	cr_assert_eq(store_run_defer(s, &a), 0);
	cr_assert_eq(store_run_defer(s, &b), 0);
	struct store_run bad = { .outcome = 7 };
	cr_assert_eq(store_run_defer(s, &bad), -EINVAL);
	cr_assert_eq(count_runs(s), 0, "deferred runs written too early");

	/* they ride along with the next write, before its own run */
	struct store_effect effs[4];
	struct store_trace t = stored_trace(s, "d", effs);
	store_hash key = hash_of("d");
	struct store_run c = { .outcome = STORE_RUN_MISS, .command = "third" };
	uint64_t cid;
	cr_assert_eq(store_record(s, &key, &t, &c, NULL, &cid), 0);
	cr_assert_eq(count_runs(s), 3);
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	const char *want[] = { "third", "second", "first" };
	uint64_t id = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(store_run_prev(txn, id, &id), 0);
		struct store_run *r;
		cr_assert_eq(store_run_get(txn, id, &r), 0);
		cr_assert_str_eq(r->command, want[i]);
		store_run_free(r);
		if (i == 0)
			cr_assert_eq(id, cid);
	}
	store_read_end(txn);

	/* store_flush and store_close write the queue too */
	cr_assert_eq(store_flush(s), 0, "nothing queued is fine");
	cr_assert_eq(store_run_defer(s, &a), 0);
	cr_assert_eq(store_flush(s), 0);
	cr_assert_eq(count_runs(s), 4);
	cr_assert_eq(store_run_defer(s, &b), 0);
	store_close(s);
	struct store_options o = { .flags = STORE_RDONLY };
	cr_assert_eq(store_open_opts(dir, &o, &s), 0);
	cr_assert_eq(count_runs(s), 5, "store_close dropped a deferred run");
	cr_assert_eq(store_run_defer(s, &a), -EROFS);
	store_close(s);
	tu_rmrf(dir);
}

Test(index, deferred_runs_stay_in_the_parent)
{
	char *dir;
	store *s = open_tmp(&dir);
	struct store_run a = { .outcome = STORE_RUN_MISS, .command = "parent's" };
	cr_assert_eq(store_run_defer(s, &a), 0);
	pid_t pid = fork();
	if (pid == 0) {
		int ok = store_run_defer(s, &a) == STORE_EFORK && store_flush(s) == STORE_EFORK;
		store_close(s); /* must not write the parent's queue */
		_exit(ok ? 0 : 1);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(count_runs(s), 0);
	cr_assert_eq(store_flush(s), 0);
	cr_assert_eq(count_runs(s), 1);
	store_close(s);
	tu_rmrf(dir);
}

Test(statcache, racy_window_follows_timestamp_granularity)
{
	struct stat st = { 0 };
	int64_t t = 1700000000LL * 1000000000LL;
	st.st_mtim.tv_sec = st.st_ctim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = st.st_ctim.tv_nsec = 123; /* a nanosecond filesystem */
	cr_assert(store_stat_is_racy(&st, t + STORE_RACY_NS - 1));
	cr_assert(store_stat_is_racy(&st, t));
	cr_assert_not(store_stat_is_racy(&st, t + STORE_RACY_NS + 200));
	st.st_ctim.tv_sec += 1; /* a later ctime (chmod, rename) counts too */
	cr_assert(store_stat_is_racy(&st, t + STORE_RACY_NS + 200));
	/* whole seconds: coarse timestamps, a 2.1 s window */
	st.st_mtim.tv_nsec = st.st_ctim.tv_nsec = 0;
	st.st_ctim.tv_sec = st.st_mtim.tv_sec;
	cr_assert(store_stat_is_racy(&st, t + 1500000000LL));
	cr_assert_not(store_stat_is_racy(&st, t + STORE_RACY_COARSE_NS + 1));
}
