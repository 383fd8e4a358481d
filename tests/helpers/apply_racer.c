/* apply_racer DIR TARGET SECONDS - the attacker of the effect-application
 * race (issue 17, item 3), used by tests/e2e/sandbox_apply_attacks.sh.
 *
 * Watches DIR with inotify and, every time an entry whose name starts with
 * ".shark-apply." appears there (the temporary name under which shark makes
 * a file, FIFO or symlink before renaming it into place), swaps it for a
 * symlink to TARGET (made under another name and renamed over it), as
 * fast as it can. A shark that sets a mode by name on its temporary entry
 * would then change TARGET's mode. Stops after SECONDS or on SIGTERM and
 * prints the number of swaps it made on stdout (the test checks that the
 * race really happened). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned long swaps = 0;
	struct sigaction sa;
	time_t end;
	int in, dfd;

	if (argc != 4)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	end = time(NULL) + atoi(argv[3]);
	dfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (dfd < 0 || in < 0 || inotify_add_watch(in, argv[1], IN_CREATE) < 0) {
		perror("apply_racer");
		return 1;
	}
	/* Tell the test we are watching. */
	printf("ready\n");
	fflush(stdout);
	while (!stop && time(NULL) < end) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(in, buf, sizeof(buf));
		for (ssize_t off = 0; n > 0 && off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			off += (ssize_t)sizeof(*ev) + ev->len;
			if (ev->len == 0 || strncmp(ev->name, ".shark-apply.", 13) != 0)
				continue;
			(void)unlinkat(dfd, ".racer", 0);
			if (symlinkat(argv[2], dfd, ".racer") == 0 &&
			    renameat(dfd, ".racer", dfd, ev->name) == 0)
				swaps++;
		}
	}
	(void)unlinkat(dfd, ".racer", 0);
	printf("%lu\n", swaps);
	return 0;
}
