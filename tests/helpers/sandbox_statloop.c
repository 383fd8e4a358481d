/* sandbox_statloop N PATH - stat PATH N times and print the nanoseconds
 * per call on stdout (used by tests/bench/bench_sandbox.c to time one traced
 * system call without the sandbox's start-up). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	struct stat st;
	long n;

	if (argc != 3)
		return 2;
	n = strtol(argv[1], NULL, 10);
	if (n <= 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		(void)stat(argv[2], &st);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 +
			  (double)(b.tv_nsec - a.tv_nsec)) / (double)n);
	return 0;
}
