/* test_store_remote.c - the shared cache's local parts (store/remote.c):
 * the action-entry encoding (round trip, every truncation and bit flip of
 * a valid entry, the bounds), the upload queue (order, marking done,
 * emptied when done, a torn tail), the counters, the "down" mark, and the
 * URL rules (http/https only, credentials never shown). The protocol
 * itself runs against a real nginx in tests/e2e/remote.sh. */
#include <limits.h>

#include "store/internal.h"
#include "store/remote.h"
#include "test_store_util.h"

static store *open_store(const char *path)
{
	store *s;
	int r = store_open(path, STORE_NOSYNC, &s);
	cr_assert_eq(r, 0, "open %s: %s", path, store_strerror(r));
	return s;
}

static uint8_t *encode_trace(const char *path, size_t *ret_len)
{
	struct store_input in = { .path = path, .kind = STORE_INPUT_ABSENT };
	struct store_trace t = { .stdout_size = 3, .exit_status = 1, .n_inputs = 1, .inputs = &in,
				 .key_info = "k", .key_info_len = 1 };
	store_hash_bytes(path, strlen(path), &t.stdout_blob);
	uint8_t *b;
	cr_assert_eq(store_trace_encode(&t, &b, ret_len), 0);
	return b;
}

/* An entry of three traces. */
static uint8_t *sample_entry(size_t *ret_len)
{
	uint8_t *enc[3];
	size_t len[3];
	enc[0] = encode_trace("/a", &len[0]);
	enc[1] = encode_trace("/bb", &len[1]);
	enc[2] = encode_trace("/ccc", &len[2]);
	uint8_t *e;
	cr_assert_eq(store_remote_entry_encode((const uint8_t *const *)enc, len, 3, &e, ret_len), 0);
	for (int i = 0; i < 3; i++)
		free(enc[i]);
	return e;
}

Test(remote_entry, round_trip)
{
	size_t len;
	uint8_t *e = sample_entry(&len);
	struct store_trace **t;
	size_t n;
	cr_assert_eq(store_remote_entry_decode(e, len, &t, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(t[0]->inputs[0].path, "/a");
	cr_assert_str_eq(t[1]->inputs[0].path, "/bb");
	cr_assert_str_eq(t[2]->inputs[0].path, "/ccc");
	cr_assert_eq(t[2]->exit_status, 1);
	store_remote_traces_free(t, n);
	free(e);
}

Test(remote_entry, every_truncation_is_rejected)
{
	size_t len;
	uint8_t *e = sample_entry(&len);
	for (size_t cut = 0; cut < len; cut++) {
		struct store_trace **t = NULL;
		size_t n = 0;
		int r = store_remote_entry_decode(e, cut, &t, &n);
		cr_assert(r < 0, "a prefix of %zu of %zu bytes decoded", cut, len);
	}
	free(e);
}

Test(remote_entry, bit_flips_are_rejected_or_decode_whole)
{
	size_t len;
	uint8_t *e = sample_entry(&len);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			e[i] ^= (uint8_t)(1u << bit);
			struct store_trace **t = NULL;
			size_t n = 0;
			if (store_remote_entry_decode(e, len, &t, &n) == 0) {
				cr_assert(n >= 1 && n <= STORE_REMOTE_MAX_TRACES);
				store_remote_traces_free(t, n);
			}
			e[i] ^= (uint8_t)(1u << bit);
		}
	free(e);
}

Test(remote_entry, bounds)
{
	size_t l;
	uint8_t *one = encode_trace("/x", &l);
	const uint8_t *encs[STORE_REMOTE_MAX_TRACES + 1];
	size_t lens[STORE_REMOTE_MAX_TRACES + 1];
	for (int i = 0; i <= STORE_REMOTE_MAX_TRACES; i++) {
		encs[i] = one;
		lens[i] = l;
	}
	uint8_t *e;
	size_t len;
	cr_assert_eq(store_remote_entry_encode(encs, lens, 0, &e, &len), -EINVAL);
	cr_assert_eq(store_remote_entry_encode(encs, lens, STORE_REMOTE_MAX_TRACES + 1, &e, &len),
		     -EINVAL);
	lens[0] = 0;
	cr_assert_eq(store_remote_entry_encode(encs, lens, 1, &e, &len), -EINVAL);
	lens[0] = STORE_REMOTE_MAX_ENTRY;
	cr_assert_eq(store_remote_entry_encode(encs, lens, 1, &e, &len), STORE_ELIMIT);
	lens[0] = l;
	cr_assert_eq(store_remote_entry_encode(encs, lens, STORE_REMOTE_MAX_TRACES, &e, &len), 0);
	struct store_trace **t;
	size_t n;
	cr_assert_eq(store_remote_entry_decode(e, len, &t, &n), 0);
	cr_assert_eq(n, STORE_REMOTE_MAX_TRACES);
	store_remote_traces_free(t, n);
	/* a count over the maximum is refused before anything is read */
	e[sizeof("shark-ac 1\n") - 1] = STORE_REMOTE_MAX_TRACES + 1;
	cr_assert_eq(store_remote_entry_decode(e, len, &t, &n), STORE_REMOTE_EBADENTRY);
	free(e);
	free(one);
}

static struct store_remote_item item(const char *k, const char *t)
{
	struct store_remote_item it = { 0 };
	store_hash_bytes(k, strlen(k), &it.action_key);
	store_hash_bytes(t, strlen(t), &it.trace_id);
	return it;
}

Test(remote_queue, order_done_and_emptied)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir);
	struct store_remote_item *v;
	size_t n;
	cr_assert_eq(store_remote_queue_pending(s, &v, &n), 0);
	cr_assert_eq(n, 0, "a missing queue is empty");
	struct store_remote_item in[3] = { item("k1", "t1"), item("k2", "t2"), item("k3", "t3") };
	cr_assert_eq(store_remote_queue_add(s, in, 2), 0);
	cr_assert_eq(store_remote_queue_add(s, in + 2, 1), 0);
	cr_assert_eq(store_remote_queue_pending(s, &v, &n), 0);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert(store_hash_equal(&v[i].action_key, &in[i].action_key));
		cr_assert(store_hash_equal(&v[i].trace_id, &in[i].trace_id));
		cr_assert_eq(v[i].slot, i);
	}
	cr_assert_eq(store_remote_queue_done(s, &v[1]), 0);
	struct store_remote_item *w;
	size_t m;
	cr_assert_eq(store_remote_queue_pending(s, &w, &m), 0);
	cr_assert_eq(m, 2);
	cr_assert(store_hash_equal(&w[0].trace_id, &in[0].trace_id));
	cr_assert(store_hash_equal(&w[1].trace_id, &in[2].trace_id));
	free(w);
	/* an item that is not the one in its slot any more changes nothing */
	struct store_remote_item stale = v[0];
	stale.trace_id = in[2].trace_id;
	cr_assert_eq(store_remote_queue_done(s, &stale), 0);
	cr_assert_eq(store_remote_queue_pending(s, &w, &m), 0);
	cr_assert_eq(m, 2);
	free(w);
	cr_assert_eq(store_remote_queue_done(s, &v[0]), 0);
	cr_assert_eq(store_remote_queue_done(s, &v[2]), 0);
	free(v);
	cr_assert_eq(store_remote_queue_pending(s, &v, &n), 0);
	cr_assert_eq(n, 0);
	char *q = tu_join(dir, "remote/queue");
	struct stat st;
	cr_assert_eq(stat(q, &st), 0);
	cr_assert_eq(st.st_size, 0, "a queue with nothing pending is emptied");
	free(q);
	store_close(s);
	tu_rmrf(dir);
}

Test(remote_queue, torn_tail_is_dropped)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir);
	struct store_remote_item a = item("k1", "t1"), b = item("k2", "t2");
	cr_assert_eq(store_remote_queue_add(s, &a, 1), 0);
	/* a crash in the middle of an append leaves part of a record */
	char *q = tu_join(dir, "remote/queue");
	int fd = open(q, O_WRONLY | O_APPEND | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "shq1P\0\0", 7), 7);
	close(fd);
	struct store_remote_item *v;
	size_t n;
	cr_assert_eq(store_remote_queue_pending(s, &v, &n), 0);
	cr_assert_eq(n, 1);
	free(v);
	cr_assert_eq(store_remote_queue_add(s, &b, 1), 0);
	cr_assert_eq(store_remote_queue_pending(s, &v, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert(store_hash_equal(&v[1].trace_id, &b.trace_id));
	free(v);
	free(q);
	store_close(s);
	tu_rmrf(dir);
}

Test(remote_state, counters_error_and_down_mark)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir);
	struct store_remote_stats st;
	cr_assert_eq(store_remote_stats_get(s, &st), 0);
	cr_assert_eq(st.hits, 0);
	cr_assert_eq(store_remote_stats_add(s, 1, 100, 0, 0, NULL), 0);
	cr_assert_eq(store_remote_stats_add(s, 2, 5, 7, 3, "GET x: HTTP 500"), 0);
	cr_assert_eq(store_remote_stats_get(s, &st), 0);
	cr_assert_eq(st.hits, 3);
	cr_assert_eq(st.bytes_in, 105);
	cr_assert_eq(st.bytes_out, 7);
	cr_assert_eq(st.uploads, 3);
	cr_assert_str_eq(st.last_error, "GET x: HTTP 500");
	cr_assert(st.last_error_ns > 0);
	cr_assert_eq(store_remote_stats_add(s, 0, 0, 0, 0, ""), 0);
	cr_assert_eq(store_remote_stats_get(s, &st), 0);
	cr_assert_str_eq(st.last_error, "", "a success clears the last error");
	cr_assert(st.last_ok_ns > 0);

	cr_assert(!store_remote_is_down(s));
	cr_assert_eq(store_remote_mark_down(s, 60), 1, "the first to mark warns");
	cr_assert_eq(store_remote_mark_down(s, 60), 0, "the others do not");
	cr_assert(store_remote_is_down(s));
	store_close(s);
	tu_rmrf(dir);
}

Test(remote_client, urls)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir);
	store_remote *r = NULL;
	struct store_remote_options o = { .url = "ftp://host/x" };
	cr_assert_eq(store_remote_new(s, &o, &r), STORE_REMOTE_EURL);
	o.url = "file:///etc/passwd";
	cr_assert_eq(store_remote_new(s, &o, &r), STORE_REMOTE_EURL);
	o.url = "http://host/a b";
	cr_assert_eq(store_remote_new(s, &o, &r), STORE_REMOTE_EURL);
	o.url = "https://user:hunter2@cache.example:8443/team/";
	int e = store_remote_new(s, &o, &r);
	cr_assert_eq(e, 0, "%s", store_remote_strerror(e));
	cr_assert_str_eq(store_remote_url(r), "https://cache.example:8443/team",
			 "credentials and trailing slashes are not shown");
	store_remote_free(r);
	store_close(s);
	tu_rmrf(dir);
}

/* Bytes this process has read through read(2) and friends so far. */
static unsigned long long read_chars(void)
{
	FILE *f = fopen("/proc/self/io", "re");
	cr_assert_not_null(f);
	char line[128];
	unsigned long long v = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* A staged download (hashed as it was written) enters objects/ and is
 * trusted by store_blob_open_verified without reading it again, while the
 * file is untouched; once its bytes change, the trust is gone and the
 * content is checked (and refused). */
Test(remote_fresh, streamed_hash_trusted_until_the_file_changes)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir);
	enum { SIZE = 4 << 20 };
	uint8_t *data = malloc(SIZE);
	cr_assert_not_null(data);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	store_blob_writer *w;
	cr_assert_eq(store_blob_writer_new(s, &w), 0);
	cr_assert_eq(store_blob_write(w, data, SIZE), 0);
	char name[STORE_STAGE_NAME_LEN];
	store_hash h;
	uint64_t size;
	cr_assert_eq(store_blob_stage(w, name, &h, &size), 0);
	cr_assert_eq(store_blob_unstage(s, name, &h, size, false), 0);

	unsigned long long before = read_chars();
	int fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, SIZE, &fd), 0);
	cr_assert_lt(read_chars() - before, SIZE / 2, "the fresh object was hashed again");
	close(fd);

	/* the same size, one byte changed (its ctime moves) */
	char path[PATH_MAX];
	cr_assert_eq(store_blob_path(s, &h, path, sizeof(path)), 0);
	cr_assert_eq(chmod(path, 0644), 0);
	int wfd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(wfd, 0);
	uint8_t x = (uint8_t)(data[SIZE / 2] ^ 0x40);
	cr_assert_eq(pwrite(wfd, &x, 1, SIZE / 2), 1);
	close(wfd);
	fd = -1;
	cr_assert_eq(store_blob_open_verified(s, &h, SIZE, &fd), STORE_ECORRUPT,
		     "a changed object must be checked, not trusted");
	free(data);
	store_close(s);
	tu_rmrf(dir);
}

/* A foreground push that waits for the uploader lock is seen by the
 * background uploader, and only while it waits. */
Test(remote_queue, push_waiting)
{
	char *dir = tu_tmpdir();
	store *s = open_store(dir);
	cr_assert(!store_remote_push_waiting(s));
	int fd = store_remote_push_wait_begin(s);
	cr_assert_geq(fd, 0);
	cr_assert(store_remote_push_waiting(s));
	close(fd);
	cr_assert(!store_remote_push_waiting(s));
	store_close(s);
	tu_rmrf(dir);
}
