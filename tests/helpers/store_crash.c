/* store_crash.c - leave a store as a power loss can leave it after objects
 * were named without a sync (tests of docs/store.md "Durability").
 *
 *   store_crash STORE OBJECT garbage    same-size garbage in OBJECT, and
 *                                        the stat-cache entry that vouched
 *                                        for it kept (rewritten to match
 *                                        the file's stat now, as a crash
 *                                        that kept its inode leaves it)
 *   store_crash STORE OBJECT truncate   OBJECT cut to half its size
 *
 * OBJECT is a path STORE/objects/ab/<30 hex>. Both also make
 * STORE/index/unsynced name a boot that is gone (the reboot). Exit status
 * 0, or 1 with a message. No shark process may hold STORE open. */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "store_crash: %s: %s\n", what, why);
	return 1;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static int garble(const char *obj)
{
	struct stat st;
	if (stat(obj, &st) < 0 || chmod(obj, 0644) < 0)
		return fail(obj, strerror(errno));
	int fd = open(obj, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(obj, strerror(errno));
	char buf[4096];
	memset(buf, '#', sizeof(buf));
	for (off_t off = 0; off < st.st_size;) {
		size_t n = st.st_size - off < (off_t)sizeof(buf) ? (size_t)(st.st_size - off)
								 : sizeof(buf);
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return fail(obj, strerror(errno));
		off += (off_t)n;
	}
	close(fd);
	return chmod(obj, 0444) < 0 ? fail(obj, strerror(errno)) : 0;
}

/* The entry a crash that kept OBJECT's inode leaves: its stat now, naming
 * h, recorded after its timestamps, in the store's current epoch. */
static int forge_entry(const char *store_dir, const char *obj, const store_hash *h)
{
	struct stat st;
	if (stat(obj, &st) < 0)
		return fail(obj, strerror(errno));
	char index[4096];
	snprintf(index, sizeof(index), "%s/index", store_dir);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, stat_db;
	int rc = mdb_env_create(&env);
	if (rc == 0) {
		mdb_env_set_maxdbs(env, 8);
		rc = mdb_env_open(env, index, 0, 0600);
	}
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "meta", 0, &meta);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "statcache", 0, &stat_db);
	if (rc)
		return fail(index, mdb_strerror(rc));
	uint32_t epoch = 0;
	MDB_val ek = { 9, (void *)"statepoch" }, ev;
	if (mdb_get(txn, meta, &ek, &ev) == 0 && ev.mv_size == 4) {
		const uint8_t *p = ev.mv_data;
		epoch = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	}
	uint8_t key[16], val[56] = { 0 };
	put_le(key, (uint64_t)st.st_dev, 8);
	put_le(key + 8, (uint64_t)st.st_ino, 8);
	int64_t newest = ns(&st.st_mtim) > ns(&st.st_ctim) ? ns(&st.st_mtim) : ns(&st.st_ctim);
	put_le(val, (uint64_t)st.st_size, 8);
	put_le(val + 8, (uint64_t)ns(&st.st_mtim), 8);
	put_le(val + 16, (uint64_t)ns(&st.st_ctim), 8);
	put_le(val + 24, st.st_mode, 4);
	val[28] = STORE_INPUT_FILE;
	put_le(val + 29, epoch, 3);
	put_le(val + 32, (uint64_t)(newest + 10 * 1000000000LL), 8);
	memcpy(val + 40, h->bytes, STORE_HASH_SIZE);
	MDB_val k = { sizeof(key), key }, v = { sizeof(val), val };
	rc = mdb_put(txn, stat_db, &k, &v, 0);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	mdb_env_close(env);
	return rc ? fail(index, mdb_strerror(rc)) : 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[3], "garbage") != 0 && strcmp(argv[3], "truncate") != 0)) {
		fprintf(stderr, "usage: store_crash STORE OBJECT garbage|truncate\n");
		return 2;
	}
	const char *store_dir = argv[1], *obj = argv[2];
	/* objects/ab/<30 hex> -> the object's name */
	size_t len = strlen(obj);
	if (len < 33 || obj[len - 31] != '/')
		return fail(obj, "not an object path");
	char hex[STORE_HASH_HEX_LEN + 1];
	memcpy(hex, obj + len - 33, 2);
	memcpy(hex + 2, obj + len - 30, 30);
	hex[STORE_HASH_HEX_LEN] = '\0';
	store_hash h;
	if (store_hash_from_hex(hex, STORE_HASH_HEX_LEN, &h) < 0)
		return fail(obj, "not an object name");
	if (strcmp(argv[3], "truncate") == 0) {
		struct stat st;
		if (stat(obj, &st) < 0 || chmod(obj, 0644) < 0 || truncate(obj, st.st_size / 2) < 0 ||
		    chmod(obj, 0444) < 0)
			return fail(obj, strerror(errno));
	} else if (garble(obj) || forge_entry(store_dir, obj, &h)) {
		return 1;
	}
	char mark[4096];
	snprintf(mark, sizeof(mark), "%s/index/unsynced", store_dir);
	int fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	static const char gone[] = "00000000-1111-2222-3333-444444444444\n";
	if (fd < 0 || write(fd, gone, sizeof(gone) - 1) != (ssize_t)sizeof(gone) - 1)
		return fail(mark, strerror(errno));
	close(fd);
	return 0;
}
