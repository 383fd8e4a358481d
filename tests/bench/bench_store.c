/* bench_store.c - the store's benchmark, side by side with xxh128sum and
 * sha256sum.
 *
 *   bench_store [--mib N] [--reps N] [--files N]
 *
 * In a private temp dir under $TMPDIR (removed at the end):
 *  1. a file of N MiB (default 1024), read once so it is page-cached;
 *     `xxh128sum FILE` and `sha256sum FILE` vs store_hash_file (keyed
 *     XXH3-128, the store being open), blob put (streaming writer),
 *     blob import (hash + rename), verified copy to /dev/null, verify -
 *     medians of --reps runs, with the ratio to xxh128sum's speed;
 *  2. stat-cache checks of --files (default 10,000) unchanged files in one
 *     read txn, vs a plain fstatat loop over the same files;
 *  3. index latency: store_record (fsync'ed and STORE_NOSYNC), a lookup
 *     (read txn + action traces + trace get), a read txn alone.
 * Prints one table; exit status 1 on any store error. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

extern char **environ;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, r ? store_strerror(r) : strerror(errno));
	exit(1);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static char *tmpdir;

static void cleanup(void)
{
	if (tmpdir)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Time one run of `tool FILE`, its output thrown away. */
static double run_tool(const char *tool, const char *file)
{
	char *argv[] = { (char *)tool, (char *)file, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0); /* progress */
	double t0 = now_s();
	pid_t pid;
	int r = posix_spawnp(&pid, tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		errno = r;
		die("spawn", 0);
	}
	int status;
	waitpid(pid, &status, 0);
	double t = now_s() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(tool, -EIO);
	return t;
}

static void make_big_file(const char *path, size_t mib)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("create big file", 0);
	size_t chunk = 1 << 20;
	uint64_t *buf = malloc(chunk);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t m = 0; m < mib; m++) {
		for (size_t i = 0; i < chunk / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		if (write(fd, buf, chunk) != (ssize_t)chunk)
			die("write big file", 0);
	}
	free(buf);
	close(fd);
}

static void row(const char *name, double seconds, double bytes, double base_seconds)
{
	if (bytes > 0)
		printf("  %-34s %9.1f ms %8.2f GB/s   %.2fx xxh128sum\n", name, seconds * 1e3,
		       bytes / seconds / 1e9, base_seconds / seconds);
	else
		printf("  %-34s %9.1f ms\n", name, seconds * 1e3);
}

static void row_us(const char *name, double seconds)
{
	printf("  %-34s %9.1f us\n", name, seconds * 1e6);
}

static void bench_blobs(size_t mib, int reps)
{
	char *big, *storedir;
	if (asprintf(&big, "%s/big", tmpdir) < 0 || asprintf(&storedir, "%s/store", tmpdir) < 0)
		die("asprintf", -ENOMEM);
	make_big_file(big, mib);
	double bytes = (double)mib * (1 << 20);
	store_hash h;
	int r;
	if ((r = store_hash_file(AT_FDCWD, big, 0, &h, NULL)) < 0) /* warm the page cache */
		die("hash", r);
	/* before any store is open the hash is plain XXH3-128 */
	double *t = calloc((size_t)reps, sizeof(double));
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		if ((r = store_hash_file(AT_FDCWD, big, 0, &h, NULL)) < 0)
			die("hash", r);
		t[i] = now_s() - t0;
	}
	double tplain = median(t, reps);
	store *s;
	if ((r = store_open(storedir, STORE_NOSYNC, &s)) < 0)
		die("open", r);

	double tx, tsha, th, tput, timp, tcopy, tver;
	for (int i = 0; i < reps; i++)
		t[i] = run_tool("xxh128sum", big);
	tx = median(t, reps);
	for (int i = 0; i < reps; i++)
		t[i] = run_tool("sha256sum", big);
	tsha = median(t, reps);
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		if ((r = store_hash_file(AT_FDCWD, big, 0, &h, NULL)) < 0)
			die("hash", r);
		t[i] = now_s() - t0;
	}
	th = median(t, reps);
	char objpath[4096];
	for (int i = 0; i < reps; i++) {
		int fd = open(big, O_RDONLY | O_CLOEXEC);
		store_blob_writer *w;
		double t0 = now_s();
		if ((r = store_blob_writer_new(s, &w)) < 0 || (r = store_blob_write_from_fd(w, fd)) < 0 ||
		    (r = store_blob_commit(w, &h, NULL)) < 0)
			die("put", r);
		t[i] = now_s() - t0;
		close(fd);
		/* the next put must create the object again */
		store_blob_path(s, &h, objpath, sizeof(objpath));
		if (i + 1 < reps)
			unlink(objpath);
	}
	tput = median(t, reps);
	double tpf_new, tpf_old;
	for (int i = 0; i < reps; i++) {
		unlink(objpath);
		double t0 = now_s();
		if ((r = store_blob_put_file(s, AT_FDCWD, big, &h, NULL)) < 0)
			die("put file", r);
		t[i] = now_s() - t0;
	}
	tpf_new = median(t, reps);
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		if ((r = store_blob_put_file(s, AT_FDCWD, big, &h, NULL)) < 0)
			die("put file", r);
		t[i] = now_s() - t0;
	}
	tpf_old = median(t, reps);
	/* import: move the object back to scratch between runs */
	char *scratchfile;
	if (asprintf(&scratchfile, "%s/imp", store_scratch_path(s)) < 0)
		die("asprintf", -ENOMEM);
	for (int i = 0; i < reps; i++) {
		if (rename(objpath, scratchfile) < 0 || chmod(scratchfile, 0644) < 0)
			die("rename back", 0);
		double t0 = now_s();
		if ((r = store_blob_import(s, AT_FDCWD, scratchfile, &h, NULL)) < 0)
			die("import", r);
		t[i] = now_s() - t0;
	}
	timp = median(t, reps);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		if ((r = store_blob_copy(s, &h, devnull, STORE_VERIFY)) < 0)
			die("verified copy", r);
		t[i] = now_s() - t0;
	}
	tcopy = median(t, reps);
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		if ((r = store_blob_verify(s, &h)) < 0)
			die("verify", r);
		t[i] = now_s() - t0;
	}
	tver = median(t, reps);
	close(devnull);
	store_close(s);

	/* one fsync'ed put: what durability costs (disk bound) */
	unlink(objpath);
	double tsync;
	if ((r = store_open(storedir, 0, &s)) < 0)
		die("open", r);
	{
		int fd = open(big, O_RDONLY | O_CLOEXEC);
		store_blob_writer *w;
		double t0 = now_s();
		if ((r = store_blob_writer_new(s, &w)) < 0 || (r = store_blob_write_from_fd(w, fd)) < 0 ||
		    (r = store_blob_commit(w, &h, NULL)) < 0)
			die("put", r);
		tsync = now_s() - t0;
		close(fd);
	}
	store_close(s);

	printf("Blobs: one %zu MiB page-cached file, median of %d runs\n", mib, reps);
	row("xxh128sum FILE", tx, bytes, tx);
	row("sha256sum FILE", tsha, bytes, tx);
	row("store_hash_file, no store (plain)", tplain, bytes, tx);
	row("store_hash_file (keyed XXH3-128)", th, bytes, tx);
	printf("  store_hash_file is %.2fx xxh128sum's speed and %.1fx sha256sum's\n", tx / th,
	       tsha / th);
	row("blob put (stream writer, nosync)", tput, bytes, tx);
	row("blob put_file, new (nosync)", tpf_new, bytes, tx);
	row("blob put_file, already stored", tpf_old, bytes, tx);
	row("blob import (hash + rename, nosync)", timp, bytes, tx);
	row("verified read (copy to /dev/null)", tcopy, bytes, tx);
	row("store_blob_verify", tver, bytes, tx);
	row("blob put with fdatasync (1 run)", tsync, bytes, tx);
	free(t);
	free(scratchfile);
	unlink(big);
	free(big);
	free(storedir);
}

static void bench_statcache(int nfiles, int reps)
{
	char *dir, *storedir;
	if (asprintf(&dir, "%s/files", tmpdir) < 0 || asprintf(&storedir, "%s/store2", tmpdir) < 0)
		die("asprintf", -ENOMEM);
	mkdir(dir, 0700);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char name[64];
	for (int i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "input-%05d.csv", i);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int n = snprintf(name, sizeof(name), "row %d\n", i);
		if (fd < 0 || write(fd, name, (size_t)n) != n)
			die("create files", 0);
		close(fd);
	}
	usleep((STORE_RACY_NS / 1000) + 20000); /* past the racy window */
	store *s;
	int r = store_open(storedir, STORE_NOSYNC, &s);
	if (r < 0)
		die("open", r);
	store_stat_updates *u;
	store_stat_updates_new(&u);
	double *t = calloc((size_t)reps + 1, sizeof(double)), *tb = calloc((size_t)reps, sizeof(double));
	int cached = 0;
	for (int rep = 0; rep <= reps; rep++) {
		store_txn *txn;
		double t0 = now_s();
		if ((r = store_read_begin(s, &txn)) < 0)
			die("txn", r);
		for (int i = 0; i < nfiles; i++) {
			struct store_path_state ps;
			snprintf(name, sizeof(name), "input-%05d.csv", i);
			if ((r = store_stat_hash(txn, u, dfd, name, 0, &ps)) < 0)
				die("stat hash", r);
			cached += ps.cached;
		}
		store_read_end(txn);
		double el = now_s() - t0;
		if (rep == 0) { /* the cold pass hashes and records */
			if ((r = store_stat_updates_flush(s, u)) < 0)
				die("flush", r);
			cached = 0;
			printf("Stat cache: %d unchanged files, median of %d passes\n", nfiles, reps);
			row("first pass (hash all + record)", el, 0, 0);
			continue;
		}
		t[rep - 1] = el;
	}
	if (cached != nfiles * reps)
		die("stat cache did not answer", -EIO);
	/* the batch form: one stat batch (stats spread over the CPUs) */
	struct store_stat_query *q = calloc((size_t)nfiles, sizeof(*q));
	char (*names)[32] = calloc((size_t)nfiles, 32);
	struct store_path_state *states = calloc((size_t)nfiles, sizeof(*states));
	int *errs = calloc((size_t)nfiles, sizeof(int));
	double *tm = calloc((size_t)reps, sizeof(double));
	for (int i = 0; i < nfiles; i++) {
		snprintf(names[i], 32, "input-%05d.csv", i);
		q[i] = (struct store_stat_query){ .dirfd = dfd, .path = names[i] };
	}
	for (int rep = 0; rep < reps; rep++) {
		store_txn *txn;
		double t0 = now_s();
		if ((r = store_read_begin(s, &txn)) < 0 ||
		    (r = store_stat_hash_many(txn, u, (size_t)nfiles, q, states, errs)) < 0)
			die("stat hash many", r);
		store_read_end(txn);
		tm[rep] = now_s() - t0;
		for (int i = 0; i < nfiles; i++)
			if (errs[i] || !states[i].cached)
				die("batch did not answer from the cache", errs[i] ? errs[i] : -EIO);
	}
	for (int rep = 0; rep < reps; rep++) {
		double t0 = now_s();
		for (int i = 0; i < nfiles; i++) {
			struct stat st;
			snprintf(name, sizeof(name), "input-%05d.csv", i);
			if (fstatat(dfd, name, &st, 0) < 0)
				die("fstatat", 0);
		}
		tb[rep] = now_s() - t0;
	}
	/* a hit's input check: one trace naming the first 2,000 files */
	size_t nin = nfiles < 2000 ? (size_t)nfiles : 2000;
	struct store_input *ins = calloc(nin, sizeof(*ins));
	char **abs_paths = calloc(nin, sizeof(char *));
	for (size_t i = 0; i < nin; i++) {
		if (asprintf(&abs_paths[i], "%s/%s", dir, names[i]) < 0)
			die("asprintf", -ENOMEM);
		ins[i] = (struct store_input){ .path = abs_paths[i], .kind = STORE_INPUT_FILE,
					       .hash = states[i].hash };
	}
	store_hash out, key, tid;
	store_hash_bytes("verify", 6, &key);
	if ((r = store_blob_put(s, "", 0, &out)) < 0)
		die("put", r);
	struct store_trace tr = { .stdout_blob = out, .stderr_blob = out, .n_inputs = nin,
				  .inputs = ins };
	if ((r = store_record(s, &key, &tr, NULL, &tid, NULL)) < 0)
		die("record", r);
	double *tv = calloc((size_t)reps, sizeof(double));
	for (int rep = 0; rep < reps; rep++) {
		double t0 = now_s();
		store_txn *txn;
		store_hash *ids;
		size_t nid;
		struct store_trace *got;
		if ((r = store_read_begin(s, &txn)) < 0 ||
		    (r = store_action_traces(txn, &key, &ids, &nid)) < 0 ||
		    (r = store_trace_get(txn, &ids[0], &got)) < 0)
			die("lookup", r);
		for (size_t i = 0; i < got->n_inputs; i++)
			q[i] = (struct store_stat_query){ .dirfd = AT_FDCWD, .path = got->inputs[i].path };
		if ((r = store_stat_hash_many(txn, u, got->n_inputs, q, states, errs)) < 0)
			die("verify", r);
		for (size_t i = 0; i < got->n_inputs; i++)
			if (errs[i] || !store_hash_equal(&states[i].hash, &got->inputs[i].hash))
				die("input changed", -EIO);
		store_read_end(txn);
		tv[rep] = now_s() - t0;
		store_trace_free(got);
		free(ids);
	}
	double tverify = median(tv, reps);
	free(tv);
	free(ins);
	for (size_t i = 0; i < nin; i++)
		free(abs_paths[i]);
	free(abs_paths);

	double tc = median(t, reps), tstat = median(tb, reps), tmany = median(tm, reps);
	row("cached, one at a time (1 read txn)", tc, 0, 0);
	row("cached, batched (stat_hash_many)", tmany, 0, 0);
	row("plain fstatat loop (baseline)", tstat, 0, 0);
	printf("  %-34s %9.2f us/file one at a time, %.2f us/file batched\n", "per file",
	       tc / nfiles * 1e6, tmany / nfiles * 1e6);
	char label[64];
	snprintf(label, sizeof(label), "verify a trace of %zu inputs", nin);
	row(label, tverify, 0, 0);
	free(q);
	free(names);
	free(states);
	free(errs);
	free(tm);
	store_stat_updates_free(u);
	store_close(s);
	close(dfd);
	free(t);
	free(tb);
	free(dir);
	free(storedir);
}

static void bench_index(int n)
{
	char *storedir;
	double *t = calloc((size_t)n, sizeof(double));
	printf("Index: median latency of %d operations\n", n);
	for (int sync = 1; sync >= 0; sync--) {
		if (asprintf(&storedir, "%s/store-idx%d", tmpdir, sync) < 0)
			die("asprintf", -ENOMEM);
		store *s;
		int r = store_open(storedir, sync ? 0 : STORE_NOSYNC, &s);
		if (r < 0)
			die("open", r);
		store_hash out;
		if ((r = store_blob_put(s, "output\n", 7, &out)) < 0)
			die("put", r);
		struct store_input ins[20];
		char paths[20][32];
		for (int i = 0; i < 20; i++) {
			snprintf(paths[i], sizeof(paths[i]), "/usr/lib/input-%d", i);
			ins[i] = (struct store_input){ .path = paths[i], .kind = STORE_INPUT_FILE };
			store_hash_bytes(paths[i], strlen(paths[i]), &ins[i].hash);
		}
		struct store_trace tr = { .stdout_blob = out, .stdout_size = 7, .stderr_blob = out,
					  .stderr_size = 7, .n_inputs = 20, .inputs = ins };
		store_hash keys[1000];
		int nrec = sync ? (n < 200 ? n : 200) : n;
		for (int i = 0; i < nrec; i++) {
			store_hash_bytes(&i, sizeof(i), &keys[i % 1000]);
			tr.duration_ns = (uint64_t)i;
			double t0 = now_s();
			if ((r = store_record(s, &keys[i % 1000], &tr, NULL, NULL, NULL)) < 0)
				die("record", r);
			t[i] = now_s() - t0;
		}
		row_us(sync ? "store_record (fdatasync)" : "store_record (nosync)", median(t, nrec));
		if (!sync) {
			for (int i = 0; i < n; i++) {
				store_txn *txn;
				store_hash *ids;
				size_t nid;
				struct store_trace *got;
				double t0 = now_s();
				if ((r = store_read_begin(s, &txn)) < 0 ||
				    (r = store_action_traces(txn, &keys[i % 1000], &ids, &nid)) < 0 ||
				    (r = store_trace_get(txn, &ids[0], &got)) < 0)
					die("lookup", r);
				store_read_end(txn);
				t[i] = now_s() - t0;
				store_trace_free(got);
				free(ids);
			}
			row_us("lookup (txn + action + trace get)", median(t, n));
			for (int i = 0; i < n; i++) {
				store_txn *txn;
				double t0 = now_s();
				if ((r = store_read_begin(s, &txn)) < 0)
					die("txn", r);
				store_read_end(txn);
				t[i] = now_s() - t0;
			}
			row_us("read txn begin + end", median(t, n));
		}
		store_close(s);
		free(storedir);
	}
	free(t);
}

int main(int argc, char **argv)
{
	size_t mib = 1024;
	int reps = 5, files = 10000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mib") == 0)
			mib = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0)
			reps = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--files") == 0)
			files = atoi(argv[i + 1]);
	}
	if (reps < 1 || mib < 1 || files < 1)
		return 2;
	const char *base = getenv("TMPDIR");
	if (asprintf(&tmpdir, "%s/bench-store.XXXXXX", base && *base ? base : "/tmp") < 0 ||
	    !mkdtemp(tmpdir))
		die("mkdtemp", 0);
	atexit(cleanup);
	bench_blobs(mib, reps);
	bench_statcache(files, reps * 2 + 1);
	bench_index(2000);
	return 0;
}
