/* pid.c - this process's pid without a system call each time.
 *
 * getpid() is a system call (about a microsecond on this kind of VM) and
 * the engine asks for it many times per command (is the store handle,
 * the prepared sandbox, the uploader this process's own?). The answer is
 * kept until a fork: a pthread_atfork child handler forgets it in every
 * child made by fork(2) through glibc, so a subshell's or a detached
 * helper's first call asks the kernel again. Children made by a raw
 * clone(2) (the sandbox's) never call this. */
#include "shark/util/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static _Atomic pid_t cached_pid; /* 0: not known in this process */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
	atomic_store(&cached_pid, 0);
}

static void register_forget(void)
{
	(void)pthread_atfork(NULL, NULL, forget_pid);
}

pid_t util_getpid(void)
{
	pid_t p = atomic_load(&cached_pid);
	if (p != 0)
		return p;
	/* registered before the first answer is kept, so no fork can come
	 * between keeping it and being able to forget it */
	(void)pthread_once(&atfork_once, register_forget);
	p = getpid();
	atomic_store(&cached_pid, p);
	return p;
}
