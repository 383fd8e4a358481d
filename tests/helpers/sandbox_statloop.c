/* sandbox_statloop N PATH [distinct] - stat PATH N times and print the
 * nanoseconds per call on stdout (used by tests/bench/bench_sandbox.c to
 * time one traced system call without the sandbox's start-up). With
 * "distinct", call i stats PATH followed by the number i, so that no path
 * is looked at twice. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	struct stat st;
	char path[4096];
	bool distinct = argc == 4 && strcmp(argv[3], "distinct") == 0;
	long n;

	if (argc != 3 && !distinct)
		return 2;
	n = strtol(argv[1], NULL, 10);
	if (n <= 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		if (distinct) {
			snprintf(path, sizeof(path), "%s%ld", argv[2], i);
			(void)stat(path, &st);
		} else {
			(void)stat(argv[2], &st);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 +
			  (double)(b.tv_nsec - a.tv_nsec)) / (double)n);
	return 0;
}
