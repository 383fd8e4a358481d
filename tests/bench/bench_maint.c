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
 *   - fsck of the result (quick: no re-hash). */
#include <errno.h>
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
	char cmd[4400];
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
	printf("%-44s %9s %9s %7s\n", "operation", "median s", "find s", "ratio");
	printf("%-44s %9.3f %9.3f %6.2fx\n", "gc, keep all (scan + index txn + sweep)", mg, mf,
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
	printf("target: gc of 50,000 traces / 100,000 blobs <= 5 s: %s\n",
	       n >= 50000 ? (mg <= 5.0 && te <= 5.0 ? "met" : "NOT met") : "(smaller run)");
	free(tf);
	free(tg);
	store_close(s);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return fr.problems ? 1 : 0;
}
