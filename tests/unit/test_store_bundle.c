/* test_store_bundle.c - export and import between stores (store/archive.c):
 * a shared key, imported traces ranked after local ones with their origin,
 * caps that reject with nothing left behind, a bundle of another key. */
#include <sys/mman.h>

#include "test_store_util.h"

static void write_key(const char *path, uint8_t fill)
{
	uint8_t key[STORE_KEY_SIZE];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(fill + i);
	tu_write_file(path, key, sizeof(key));
}

static store *open_keyed(const char *path, const char *key_file)
{
	struct store_options o = { .flags = STORE_NOSYNC, .key_file = key_file };
	store *s;
	int r = store_open_opts(path, &o, &s);
	cr_assert_eq(r, 0, "open %s: %s", path, store_strerror(r));
	return s;
}

/* Record a trace under key with this stdout and no inputs. */
static store_hash record(store *s, const store_hash *key, const char *out)
{
	struct store_trace t = { .stdout_size = strlen(out), .exit_status = 0 };
	cr_assert_eq(store_blob_put(s, out, strlen(out), &t.stdout_blob), 0);
	cr_assert_eq(store_blob_put(s, "", 0, &t.stderr_blob), 0);
	store_hash id;
	cr_assert_eq(store_record(s, key, &t, NULL, &id, NULL), 0);
	return id;
}

static int export_to_memfd(store *s)
{
	int fd = memfd_create("bundle", MFD_CLOEXEC);
	cr_assert(fd >= 0);
	struct store_bundle_report rep;
	int r = store_export(s, NULL, 0, fd, &rep);
	cr_assert_eq(r, 0, "export: %s %s", store_strerror(r), rep.detail);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

Test(bundle, imported_traces_rank_after_local_ones_and_keep_their_origin)
{
	char *dir = tu_tmpdir();
	char *pa = tu_join(dir, "a"), *pb = tu_join(dir, "b"), *kf = tu_join(dir, "k");
	write_key(kf, 1);
	store *a = open_keyed(pa, kf), *b = open_keyed(pb, kf);
	store_hash key;
	store_hash_bytes("the action", 10, &key);
	store_hash imp = record(a, &key, "planted\n");
	store_hash local = record(b, &key, "local\n");
	int fd = export_to_memfd(a);
	struct store_import_options io = { .origin = "team.tzst" };
	struct store_bundle_report rep;
	int r = store_import_opts(b, fd, &io, &rep);
	cr_assert_eq(r, 0, "import: %s %s", store_strerror(r), rep.detail);
	close(fd);
	store_txn *txn;
	cr_assert_eq(store_read_begin(b, &txn), 0);
	store_hash *ids;
	size_t n;
	cr_assert_eq(store_action_traces(txn, &key, &ids, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert(store_hash_equal(&ids[0], &local), "the local trace comes first");
	cr_assert(store_hash_equal(&ids[1], &imp));
	free(ids);
	struct store_origin o;
	cr_assert_eq(store_trace_origin(txn, &local, &o), -ENOENT);
	cr_assert_eq(store_trace_origin(txn, &imp, &o), 0);
	cr_assert_str_eq(o.text, "team.tzst");
	cr_assert(o.imported_ns > 0);
	store_read_end(txn);
	/* a newer local record still goes first */
	store_hash local2 = record(b, &key, "local again\n");
	cr_assert_eq(store_read_begin(b, &txn), 0);
	cr_assert_eq(store_action_traces(txn, &key, &ids, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert(store_hash_equal(&ids[0], &local2));
	cr_assert(store_hash_equal(&ids[2], &imp));
	free(ids);
	store_read_end(txn);
	store_close(a);
	store_close(b);
	free(pa);
	free(pb);
	free(kf);
	tu_rmrf(dir);
}

Test(bundle, caps_reject_and_leave_nothing_behind)
{
	char *dir = tu_tmpdir();
	char *pa = tu_join(dir, "a"), *pb = tu_join(dir, "b"), *kf = tu_join(dir, "k");
	write_key(kf, 2);
	store *a = open_keyed(pa, kf), *b = open_keyed(pb, kf);
	store_hash key;
	store_hash_bytes("big", 3, &key);
	static char big[1 << 20];
	memset(big, 'z', sizeof(big) - 1);
	record(a, &key, big);
	char *objs = tu_join(pb, "objects"), *tmp = tu_join(pb, "tmp");
	size_t before = tu_count_entries(objs);
	struct store_bundle_report rep;
	struct store_import_options io = { .max_bytes = 1000 };
	int fd = export_to_memfd(a);
	cr_assert_eq(store_import_opts(b, fd, &io, &rep), STORE_ELIMIT);
	cr_assert(strstr(rep.detail, "size cap"), "%s", rep.detail);
	close(fd);
	io = (struct store_import_options){ .max_memory = 16384 };
	fd = export_to_memfd(a);
	cr_assert_eq(store_import_opts(b, fd, &io, &rep), STORE_ELIMIT);
	cr_assert(strstr(rep.detail, "memory cap"), "%s", rep.detail);
	close(fd);
	cr_assert_eq(tu_count_entries(objs), before, "no object directory was added");
	cr_assert_eq(tu_count_entries(tmp), 0, "no temp file was left");
	struct store_stats st;
	cr_assert_eq(store_stats(b, &st), 0);
	cr_assert_eq(st.traces + st.actions + st.blobs, 0);
	/* within the caps it imports */
	fd = export_to_memfd(a);
	cr_assert_eq(store_import(b, fd, &rep), 0, "%s", rep.detail);
	close(fd);
	store_close(a);
	store_close(b);
	free(objs);
	free(tmp);
	free(pa);
	free(pb);
	free(kf);
	tu_rmrf(dir);
}

Test(bundle, another_key_is_refused_with_the_fix_named)
{
	char *dir = tu_tmpdir();
	char *pa = tu_join(dir, "a"), *pb = tu_join(dir, "b");
	store *a = open_keyed(pa, NULL);
	store_hash key;
	store_hash_bytes("x", 1, &key);
	record(a, &key, "x\n");
	int fd = export_to_memfd(a);
	store_close(a);
	store *b = open_keyed(pb, NULL); /* its own random key */
	struct store_bundle_report rep;
	cr_assert_eq(store_import(b, fd, &rep), STORE_EKEY);
	cr_assert(strstr(rep.detail, "SHARK_HASH_KEY_FILE"), "%s", rep.detail);
	close(fd);
	struct store_stats st;
	cr_assert_eq(store_stats(b, &st), 0);
	cr_assert_eq(st.traces + st.actions, 0);
	store_close(b);
	free(pa);
	free(pb);
	tu_rmrf(dir);
}
