/* bench_provenance.c - `shark lineage` and `shark why` on a large history
 * (issue 18: bounded on a store with 100,000 runs, no quadratic walk).
 *
 *   bench_provenance [--runs N] [--reps R]
 *
 * Builds, in a private directory under $TMPDIR (removed at the end;
 * STORE_NOSYNC), a store of N traces, each with its run in the history: N/50
 * chains of 50 `cp` runs, link j reading the file link j-1 wrote. Then times
 * (median of R) the real binary ($BUILD/bin/shark) on it: `lineage` of the
 * end of the first chain (50 runs deep: every trace is read once, the
 * history attached once), `lineage --script`, `why last`, and `why -c` of
 * a command that would miss (the history scanned for its argv), beside
 * `shark stats` (one pass over the index) as the floor. */
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

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_provenance: %s: %s\n", what, store_strerror(r));
	exit(1);
}

#define LINKS 50

/* The median wall time of R runs of cmd (its output discarded). */
static double time_cmd(const char *cmd, int reps)
{
	double v[64];
	for (int k = 0; k < reps; k++) {
		double a = now_s();
		if (system(cmd) != 0)
			fprintf(stderr, "bench_provenance: failed: %s\n", cmd);
		v[k] = now_s() - a;
	}
	qsort(v, (size_t)reps, sizeof(*v), cmp_double);
	return v[reps / 2];
}

int main(int argc, char **argv)
{
	long n = 100000;
	int reps = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			n = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_provenance [--runs N] [--reps R]\n");
			return 2;
		}
	}
	const char *build = getenv("BUILD");
	if (n < LINKS || reps < 1 || reps > 50 || !build)
		return 2;
	const char *tmp = getenv("TMPDIR");
	char dir[2048];
	snprintf(dir, sizeof(dir), "%s/bench-prov.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char path[4200], ws[4200];
	snprintf(path, sizeof(path), "%s/store", dir);
	snprintf(ws, sizeof(ws), "%s/ws", dir);
	if (mkdir(ws, 0755) < 0) {
		perror("mkdir");
		return 1;
	}
	store *s;
	int r = store_open(path, STORE_NOSYNC, &s);
	if (r < 0)
		die("open", r);
	store_hash empty;
	if ((r = store_blob_put(s, "", 0, &empty)) < 0)
		die("put", r);
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		long chain = i / LINKS, link = i % LINKS;
		char content[64], prev[64], name[64], prev_name[4400], info[9000], key_s[32];
		int lc = snprintf(content, sizeof(content), "c%ld %ld\n", chain, link);
		int lp = snprintf(prev, sizeof(prev), "c%ld %ld\n", chain, link - 1);
		snprintf(name, sizeof(name), "c%ld_%ld.txt", chain, link);
		snprintf(prev_name, sizeof(prev_name), "%s/c%ld_%ld.txt", ws, chain, link - 1);
		snprintf(key_s, sizeof(key_s), "key %ld", i);
		store_hash k;
		store_hash_bytes(key_s, strlen(key_s), &k);
		char khex[STORE_HASH_HEX_LEN + 1];
		store_hash_to_hex(&k, khex);
		int li = snprintf(info, sizeof(info),
				  "key=%s\nformat=bench\ncwd=%s\narg=cp\narg=c%ld_%ld.txt\narg=%s\n"
				  "stdin=1:00000000000000000000000000000000:0\nttys=0\ngrants=0\n",
				  khex, ws, chain, link - 1, name);
		struct store_input in = { .path = prev_name, .kind = STORE_INPUT_FILE };
		store_hash_bytes(prev, (size_t)lp, &in.hash);
		struct store_effect e = { .path = name, .kind = STORE_EFFECT_FILE, .mode = 0644,
					  .size = (uint64_t)lc };
		struct store_trace t = { .stdout_blob = empty, .stderr_blob = empty,
					 .start_ns = i, .duration_ns = 1000000, .n_inputs = 1,
					 .inputs = &in, .n_effects = 1, .effects = &e,
					 .key_info = info, .key_info_len = (size_t)li };
		if ((r = store_blob_put(s, content, (size_t)lc, &e.blob)) < 0)
			die("put", r);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "cp c%ld_%ld.txt %s", chain, link - 1, name);
		struct store_run run = { .start_ns = i, .duration_ns = 1000000,
					 .outcome = STORE_RUN_MISS, .action_key = k, .cwd = ws,
					 .command = cmd };
		if ((r = store_record(s, &k, &t, &run, NULL, NULL)) < 0)
			die("record", r);
		if (chain == 0 && link == LINKS - 1) {
			char f[4300];
			snprintf(f, sizeof(f), "%s/%s", ws, name);
			FILE *fp = fopen(f, "w");
			if (!fp || fputs(content, fp) < 0 || fclose(fp) != 0) {
				perror(f);
				return 1;
			}
		}
	}
	store_close(s);
	printf("store: %ld traces and runs in %ld chains of %d (filled in %.1f s)\n", n,
	       n / LINKS, LINKS, now_s() - t0);
	char env[13000], cmd[14000];
	snprintf(env, sizeof(env), "cd '%s' && SHARK_STORE='%s' SHARK_WORKSPACE='%s' '%s/bin/shark'",
		 ws, path, ws, build);
	struct {
		const char *what, *args;
	} cases[] = {
		{ "stats (floor: one pass)", "stats >/dev/null" },
		{ "lineage c0_49.txt (50 deep)", "lineage c0_49.txt >/dev/null" },
		{ "lineage --script", "lineage --script c0_49.txt >/dev/null" },
		{ "why last", "why last >/dev/null" },
		{ "why -c (would miss)", "why -c 'cp c0_0.txt x.txt' >/dev/null 2>&1 </dev/null; true" },
	};
	printf("%-32s %10s\n", "command", "median s");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s", env, cases[i].args);
		printf("%-32s %10.3f\n", cases[i].what, time_cmd(cmd, reps));
	}
	if (getenv("PROV_BENCH_KEEP"))
		printf("kept: %s\n", dir); /* for profiling */
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
