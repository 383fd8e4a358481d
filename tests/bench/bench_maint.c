/* bench_maint.c - store maintenance benchmark: gc over a store of N traces
 * and 2N blobs (issue target: 50,000 traces and 100,000 blobs in 5 s).
 *
 *   bench_maint [--traces N] [--reps R]
 *
 * Builds the store in a private directory under $TMPDIR (removed at the
 * end; STORE_NOSYNC), each trace with its own stdout blob and one file
 * effect blob (plus the shared empty stderr). Then prints, side by side:
 *   - `find objects -type f` over the same objects (the floor: one look at
 *     every object), median of R;
 *   - gc that keeps everything (full decision + index txn + sweep), median
 *     of R, and its ratio to the find walk;
 *   - gc evicting the least recently used half (--max-size), once;
 *   - fsck of the result (quick: no re-hash);
 *   - export of what is left vs `tar --zstd -c` of its objects/, and a
 *     verified import into an empty store vs `tar --zstd -x`, medians of R.
 * The "plain" column is the plain tool on the same data. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_maint: %s: %s\n", what, store_strerror(r));
	exit(1);
}

int main(int argc, char **argv)
{
	long n = 50000;
	int reps = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--traces") == 0 && i + 1 < argc)
			n = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_maint [--traces N] [--reps R]\n");
			return 2;
		}
	}
	if (n < 1 || reps < 1 || reps > 50)
		return 2;
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/bench-maint.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/store", dir);
	store *s;
	int r = store_open(path, STORE_NOSYNC, &s);
	if (r < 0)
		die("open", r);

	double t0 = now_s(), t_put = 0, t_rec = 0;
	store_hash empty;
	if ((r = store_blob_put(s, "", 0, &empty)) < 0)
		die("put", r);
	for (long i = 0; i < n; i++) {
		char out[64], eff[64], key[32];
		int lo = snprintf(out, sizeof(out), "stdout of run %ld\n", i);
		int le = snprintf(eff, sizeof(eff), "file written by run %ld\n", i);
		snprintf(key, sizeof(key), "key %ld", i);
		struct store_input in = { .path = "/etc/hostname", .kind = STORE_INPUT_FILE };
		store_hash_bytes("host", 4, &in.hash);
		struct store_effect e = { .path = "out.txt", .kind = STORE_EFFECT_FILE, .mode = 0644,
					  .size = (uint64_t)le };
		struct store_trace t = { .stdout_size = (uint64_t)lo, .stderr_blob = empty,
					 .start_ns = i, .duration_ns = 1000000, .n_inputs = 1,
					 .inputs = &in, .n_effects = 1, .effects = &e };
		double p0 = now_s();
		if ((r = store_blob_put(s, out, (size_t)lo, &t.stdout_blob)) < 0 ||
		    (r = store_blob_put(s, eff, (size_t)le, &e.blob)) < 0)
			die("put", r);
		t_put += now_s() - p0;
		store_hash k;
		store_hash_bytes(key, strlen(key), &k);
		p0 = now_s();
		if ((r = store_record(s, &k, &t, NULL, NULL, NULL)) < 0)
			die("record", r);
		t_rec += now_s() - p0;
	}
	double fill = now_s() - t0;
	struct store_stats st;
	if ((r = store_stats(s, &st)) < 0)
		die("stats", r);
	printf("store: %llu traces, %llu blobs (filled in %.1f s: blobs %.1f s, records %.1f s)\n",
	       (unsigned long long)st.traces, (unsigned long long)st.blobs, fill, t_put, t_rec);

	double *tf = calloc((size_t)reps, sizeof(double)), *tg = calloc((size_t)reps, sizeof(double));
	char cmd[16384];
	snprintf(cmd, sizeof(cmd), "find '%s/objects' -type f | wc -l >/dev/null", path);
	struct store_gc_report rep;
	for (int k = 0; k < reps; k++) {
		double a = now_s();
		if (system(cmd) != 0)
			fprintf(stderr, "bench_maint: find failed\n");
		tf[k] = now_s() - a;
		struct store_gc_options o = { .grace_ns = 0 };
		a = now_s();
		if ((r = store_gc(s, &o, &rep)) < 0)
			die("gc", r);
		tg[k] = now_s() - a;
		if (rep.traces_dropped || rep.objects_removed)
			fprintf(stderr, "bench_maint: a keep-all gc removed something\n");
	}
	double mf = median(tf, reps), mg = median(tg, reps);
	printf("%-44s %9s %9s %7s\n", "operation", "median s", "plain s", "ratio");
	printf("%-44s %9.3f %9.3f %6.2fx\n", "gc, keep all (snapshot + object sweep)", mg, mf,
	       mg / mf);

	struct store_gc_options half = { .grace_ns = 0, .max_bytes = 0 };
	uint64_t referenced = st.blob_bytes;
	half.max_bytes = referenced / 2;
	double a = now_s();
	if ((r = store_gc(s, &half, &rep)) < 0)
		die("gc", r);
	double te = now_s() - a;
	printf("%-44s %9.3f %9s %7s   (%llu traces, %llu objects removed)\n",
	       "gc --max-size half (evict LRU half)", te, "-", "-",
	       (unsigned long long)rep.traces_dropped, (unsigned long long)rep.objects_removed);
	struct store_fsck_report fr;
	a = now_s();
	if ((r = store_fsck(s, 0, NULL, NULL, &fr)) < 0)
		die("fsck", r);
	printf("%-44s %9.3f %9s %7s   (%llu problems)\n", "fsck --quick of the result", now_s() - a, "-",
	       "-", (unsigned long long)fr.problems);

	/* export / import of what is left, against tar --zstd of the same
	 * objects (tar compresses the files only: no index, no verification) */
	char bundle[4300], out2[4300];
	snprintf(bundle, sizeof(bundle), "%s/bundle.tzst", dir);
	snprintf(out2, sizeof(out2), "%s/store2", dir);
	double te_exp[50], te_tar[50], te_imp[50], te_untar[50];
	struct store_bundle_report br = { 0 };
	for (int k = 0; k < reps; k++) {
		int fd = open(bundle, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		a = now_s();
		if (fd < 0 || (r = store_export(s, NULL, 0, fd, &br)) < 0)
			die("export", fd < 0 ? -errno : r);
		close(fd);
		te_exp[k] = now_s() - a;
		snprintf(cmd, sizeof(cmd), "tar --zstd -cf '%s/plain.tzst' -C '%s' objects", dir, path);
		a = now_s();
		if (system(cmd) != 0)
			fprintf(stderr, "bench_maint: tar failed\n");
		te_tar[k] = now_s() - a;
		/* a bundle means something only to a store with the same key */
		store *s2;
		char key[4300];
		snprintf(key, sizeof(key), "%s/%s", path, STORE_KEY_FILE);
		struct store_options o2 = { .flags = STORE_NOSYNC, .key_file = key };
		if ((r = store_open_opts(out2, &o2, &s2)) < 0)
			die("open", r);
		fd = open(bundle, O_RDONLY | O_CLOEXEC);
		struct store_bundle_report ir;
		a = now_s();
		if (fd < 0 || (r = store_import(s2, fd, &ir)) < 0)
			die("import", fd < 0 ? -errno : r);
		te_imp[k] = now_s() - a;
		close(fd);
		store_close(s2);
		nftw(out2, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s/untar' && tar --zstd -xf '%s/plain.tzst' -C '%s/untar'",
			 dir, dir, dir);
		a = now_s();
		if (system(cmd) != 0)
			fprintf(stderr, "bench_maint: untar failed\n");
		te_untar[k] = now_s() - a;
		snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s/untar' && rm -rf '%s/untar'", dir, dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_maint: rm failed\n");
	}
	double me = median(te_exp, reps), mt = median(te_tar, reps);
	double mi = median(te_imp, reps), mu = median(te_untar, reps);
	printf("%-44s %9.3f %9.3f %6.2fx   (%llu traces, %llu blobs)\n",
	       "export --all vs tar --zstd -c objects/", me, mt, me / mt,
	       (unsigned long long)br.traces, (unsigned long long)br.blobs);
	printf("%-44s %9.3f %9.3f %6.2fx\n", "import (verified) vs tar --zstd -x", mi, mu, mi / mu);
	printf("target: gc of 50,000 traces / 100,000 blobs <= 5 s: %s\n",
	       n >= 50000 ? (mg <= 5.0 && te <= 5.0 ? "met" : "NOT met") : "(smaller run)");
	free(tf);
	free(tg);
	store_close(s);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return fr.problems ? 1 : 0;
}
