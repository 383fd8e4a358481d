/* replay_main.c - a driver that replays fuzz corpora without libFuzzer.
 *
 * Every fuzz target defines LLVMFuzzerTestOneInput. Linked with this file it
 * becomes a plain program that feeds each file named on the command line (or
 * each file in a named directory) to the target once, so the corpus is a
 * regression test in `make test` and the targets always build with gcc.
 * `make fuzz` links the same targets with clang's libFuzzer instead. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { REPLAY_MAX_INPUT = 16 << 20 };

static int replay_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > REPLAY_MAX_INPUT) {
		close(fd);
		return -EINVAL;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(AT_FDCWD, argv[i]) < 0) {
				fprintf(stderr, "replay: cannot read %s\n", argv[i]);
				return 1;
			}
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (replay_file(dirfd(d), de->d_name) < 0) {
				fprintf(stderr, "replay: cannot read %s/%s\n", argv[i], de->d_name);
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", count);
	return 0;
}
