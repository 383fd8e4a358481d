/* test_store_util.h - helpers shared by the store's unit tests. */
#ifndef SHARK_TEST_STORE_UTIL_H
#define SHARK_TEST_STORE_UTIL_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static inline char *tu_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *p;
	cr_assert(asprintf(&p, "%s/store-test.XXXXXX", t && *t ? t : "/tmp") > 0);
	cr_assert_not_null(mkdtemp(p), "mkdtemp: %s", strerror(errno));
	return p;
}

static inline int tu_rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static inline void tu_rmrf(char *dir)
{
	/* objects are 0444 in 0700 dirs: removable by their owner */
	nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static inline char *tu_join(const char *a, const char *b)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static inline void tu_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* How many entries dir holds, dot files left out. */
static inline size_t tu_count_entries(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A directory next to this test binary: build/X/tests/<name>. */
static inline char *tu_exe_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	cr_assert(n > 0);
	buf[n] = '\0';
	return strdup(dirname(buf));
}

/* Put raw bytes into one of the store's LMDB databases, bypassing the
 * store (to simulate corruption). */
static inline void tu_raw_put(const char *store_dir, const char *db, const void *key, size_t klen,
			      const void *val, size_t vlen)
{
	MDB_env *env;
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	char *idx = tu_join(store_dir, "index");
	cr_assert_eq(mdb_env_open(env, idx, MDB_NOTLS, 0600), 0);
	free(idx);
	MDB_txn *txn;
	MDB_dbi dbi;
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

#endif
