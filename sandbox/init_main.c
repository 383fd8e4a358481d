/* init_main.c - shark-init, the sandbox's pid 1 as a program of its own,
 * and the zygote that clones later pid 1s of the same shell.
 *
 * As pid 1: the caller (run.c, spawn_init) clones a child that shares its
 * memory into the new namespaces, writes its uid/gid maps, and the child
 * execs this program with an empty environment, every signal blocked, the
 * channel of a prepared pid 1 at fd SANDBOX_INIT_CHAN_FD and argv[1]
 * SANDBOX_INIT_NET when the network is granted. It makes the namespaces
 * the clone did not (all but user and pid) and from then on it is a
 * prepared pid 1 (setup.c, sandbox_init_prepared): it gets its plan on
 * the channel, builds the sandbox, runs and traces the command.
 *
 * As a zygote (argv[1] SANDBOX_ZYGOTE_ARG; run.c, zygote_start): exec'd
 * once by a process that prepares sandboxes for a series of runs (a
 * script), it waits on its socket (fd SANDBOX_INIT_CHAN_FD) for requests,
 * each with a pid 1's channel, and clones that pid 1 with CLONE_PARENT
 * (the caller's child, not ours) into new user and pid namespaces, writes
 * its uid/gid maps, lets it go and answers with its pid. The clone goes
 * on exactly as an exec'd pid 1 does from main (pid1_main), without the
 * exec and libc's start.
 *
 * Linked statically (-static-pie) from the sandbox objects it needs, so
 * that its start costs no dynamic loading and no lazy binding; no copy of
 * the caller's address space is ever made or torn down. Not part of
 * libsandbox.a (the Makefile leaves this file out of it). */
#include "sandbox/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* pid 1's path, the same for an exec'd shark-init and a zygote's clone. */
static __attribute__((noreturn)) void pid1_main(int chan, bool network)
{
	/* An exec through an fd names the process after the fd ("3"); a
	 * zygote's clone has the zygote's name. */
	(void)prctl(PR_SET_NAME, SANDBOX_INIT_NAME, 0, 0, 0);
	sandbox_init_exec(chan, network);
}

/* One request: its message and the channel that came with it (*ret_chan),
 * or false (EOF: the caller closed its end, or exec'd; or garbage). */
static bool zygote_recv(int sock, struct sandbox_zygote_req *req, int *ret_chan)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = req, .iov_len = sizeof(*req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct ucred cred = { .pid = 0 };
	bool have_cred = false;
	ssize_t n;

	*ret_chan = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			have_cred = true;
		} else if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)) &&
			   *ret_chan < 0) {
			memcpy(ret_chan, CMSG_DATA(c), sizeof(int));
		}
	}
	/* Only the caller that spawned it may ask (the kernel vouches for
	 * the sender's pid): a command handed the caller's end of the
	 * socket must not get pid 1s of its own choosing. */
	if (*ret_chan < 0 || !have_cred || cred.pid != getppid() || n != (ssize_t)sizeof(*req) ||
	    (mh.msg_flags & MSG_CTRUNC) || req->magic != SANDBOX_ZYGOTE_MAGIC ||
	    req->abi != sandbox_abi()) {
		if (*ret_chan >= 0)
			close(*ret_chan);
		return false;
	}
	return true;
}

/* The clone, in new user and pid namespaces, the caller's child: dies
 * with the caller's thread that made the zygote (PDEATHSIG refers to the
 * parent, the caller's), waits for the zygote's byte (its maps written;
 * EOF: the zygote died, or gave up on it), then is pid 1. */
static __attribute__((noreturn)) void zygote_child(int sock, int sync[2], int chan,
						   const struct sandbox_zygote_req *req)
{
	char b;

	/* the caller's umask of the moment, as an exec'd pid 1 inherits it
	 * (the tree built ahead is made under it) */
	if (req->umask != UINT32_MAX)
		umask((mode_t)(req->umask & 07777));

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	close(sock);
	close(sync[1]);
	if (read(sync[0], &b, 1) != 1)
		_exit(1);
	close(sync[0]);
	pid1_main(chan, req->network != 0);
}

static __attribute__((noreturn)) void zygote_main(int sock)
{
	struct ucred peer;
	socklen_t len = sizeof(peer);
	sigset_t all;

	/* Every signal blocked, for good (posix_spawn started it so): it
	 * sits in the caller's process group, where ^C, ^Z and a hangup at
	 * a prompt must neither end nor stop it; SIGKILL still does. Its
	 * dispositions are the defaults, which its clones keep (pid 1 then
	 * sets its own mask, sandbox_init_exec). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	(void)prctl(PR_SET_NAME, SANDBOX_ZYGOTE_NAME, 0, 0, 0);
	/* It dies with the caller's thread that spawned it (its main
	 * thread, run.c), and the pid 1s it clones, the caller's children,
	 * die with that thread too; a caller already gone (its socket's
	 * creator is not our parent any more) ends it now. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.pid != getppid() ||
	    setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0)
		_exit(0);
	/* Nothing of the caller's but the socket (0-2 are /dev/null), and
	 * not its working directory, which it would keep busy for the
	 * caller's whole life (pid 1 uses none: the command changes to the
	 * plan's itself). */
	close_range(SANDBOX_INIT_CHAN_FD + 1, ~0u, 0);
	if (chdir("/") < 0)
		_exit(0);
	for (;;) {
		struct sandbox_zygote_req req;
		struct sandbox_zygote_reply rep = { 0, 0 };
		int chan, sync[2] = { -1, -1 };
		pid_t pid = -1;

		if (!zygote_recv(sock, &req, &chan))
			_exit(0);
		(void)sched_setaffinity(0, sizeof(req.cpus), &req.cpus);
		if (pipe2(sync, O_CLOEXEC) < 0) {
			rep.sys_errno = errno;
		} else {
			pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | CLONE_NEWUSER | CLONE_NEWPID,
					     NULL, NULL, NULL, NULL);
			if (pid == 0)
				zygote_child(sock, sync, chan, &req);
			if (pid < 0)
				rep.sys_errno = errno;
		}
		close(chan);
		if (pid > 0) {
			int r = sandbox_write_id_maps(pid);

			rep.pid = pid;
			if (r < 0) {
				rep.sys_errno = -r;
				kill(pid, SIGKILL); /* the caller reaps it */
			} else if (write(sync[1], "x", 1) != 1) {
				rep.sys_errno = errno;
				kill(pid, SIGKILL);
			}
		}
		for (int i = 0; i < 2; i++)
			if (sync[i] >= 0)
				close(sync[i]);
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
			_exit(0);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], SANDBOX_ZYGOTE_ARG) == 0)
		zygote_main(SANDBOX_INIT_CHAN_FD);
	pid1_main(SANDBOX_INIT_CHAN_FD, argc > 1 && strcmp(argv[1], SANDBOX_INIT_NET) == 0);
}
