/* test_sandbox_filter.c - the seccomp programs built into the library (made
 * by mk/filter-gen.c when shark was built) are exactly what sandbox/filter.c
 * compiles now: a stale or mistranscribed built-in program would change
 * the security boundary silently. They are binary trees of the system call
 * numbers, and decide exactly as the same rules compiled as a list. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/internal.h"

Test(sandbox_filter, builtin_programs_match_the_tables)
{
	int variants = 0;

	for (int v = 0; v < SANDBOX_FILTER_VARIANTS; v++) {
		bool trace = v & 1, network = v & 4;
		int tty_in = sandbox_filter_variant_tty(v);
		const struct sock_fprog *b = &sandbox_filter_builtin[v];
		struct sock_fprog p;

		if (sandbox_filter_index(trace, tty_in, network) != v) {
			cr_expect_eq(b->len, 0, "variant %d does not exist", v);
			continue;
		}
		cr_assert_eq(sandbox_filter_compile(trace, tty_in, network, &p), 0);
		cr_expect_eq(b->len, p.len, "variant %d: %u instructions built in, %u compiled",
			     v, (unsigned)b->len, (unsigned)p.len);
		cr_expect(b->len == p.len &&
			  memcmp(b->filter, p.filter, p.len * sizeof(p.filter[0])) == 0,
			  "variant %d differs from what filter.c compiles", v);
		free(p.filter);
		variants++;
	}
	cr_expect_eq(variants, 8);
}

Test(sandbox_filter, variants_differ_where_the_flags_do)
{
	/* trace adds the notify rules, network drops the family rules:
	 * an index mix-up would load the wrong boundary. */
	const struct sock_fprog *plain = &sandbox_filter_builtin[sandbox_filter_index(false, false, false)];
	const struct sock_fprog *traced = &sandbox_filter_builtin[sandbox_filter_index(true, false, false)];
	const struct sock_fprog *net = &sandbox_filter_builtin[sandbox_filter_index(false, false, true)];

	cr_expect_gt(traced->len, plain->len);
	cr_expect_lt(net->len, plain->len);
	cr_expect_eq(sandbox_filter_index(false, true, false), sandbox_filter_index(false, false, false));
}

/* A classic BPF interpreter for what libseccomp emits (loads from struct
 * seccomp_data, its scratch memory, ALU with a constant, jumps, returns):
 * the action the program returns for d, or 0xdead when it uses anything
 * else (which fails the test below). *args_read is set when it loaded an
 * argument. */
static uint32_t bpf_run(const struct sock_fprog *p, const struct seccomp_data *d,
			bool *args_read)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->filter[pc];
		uint32_t k = f->k;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k % 4 || k + 4 > sizeof(*d))
				return 0xdead;
			memcpy(&a, (const char *)d + k, 4);
			if (k >= offsetof(struct seccomp_data, args))
				*args_read = true;
			break;
		case BPF_LD | BPF_MEM:
			a = mem[k % BPF_MEMWORDS];
			break;
		case BPF_LDX | BPF_MEM:
			x = mem[k % BPF_MEMWORDS];
			break;
		case BPF_ST:
			mem[k % BPF_MEMWORDS] = a;
			break;
		case BPF_STX:
			mem[k % BPF_MEMWORDS] = x;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= k;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= k;
			break;
		case BPF_JMP | BPF_JA:
			pc += k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & k) ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return k;
		case BPF_RET | BPF_A:
			return a;
		default:
			return 0xdead;
		}
	}
	return 0xdead; /* fell off the end */
}

/* The constants the comparisons of an argument use (those made after a
 * load from the arguments) in p, with their neighbours, appended to
 * consts (room for max); the new count. */
static unsigned arg_constants(const struct sock_fprog *p, uint32_t *consts, unsigned n,
			      unsigned max)
{
	bool arg_loaded = false;

	for (unsigned i = 0; i < p->len && n + 3 <= max; i++) {
		const struct sock_filter *f = &p->filter[i];

		if (f->code == (BPF_LD | BPF_W | BPF_ABS))
			arg_loaded = f->k >= offsetof(struct seccomp_data, args);
		if (!arg_loaded || (BPF_CLASS(f->code) != BPF_JMP && BPF_CLASS(f->code) != BPF_ALU))
			continue;
		consts[n++] = f->k;
		consts[n++] = f->k + 1;
		consts[n++] = f->k - 1;
	}
	return n;
}

struct comparison {
	const struct sock_fprog *tree, *list;
	int variant;
	unsigned checked, differ;
};

/* Run both programs on d; count, and log the first difference. */
static void compare(struct comparison *c, const struct seccomp_data *d, bool *args_read)
{
	uint32_t t = bpf_run(c->tree, d, args_read), l = bpf_run(c->list, d, args_read);

	c->checked++;
	if (t == l && t != 0xdead)
		return;
	if (!c->differ++)
		cr_log_error("variant %d: nr %d arch %#x args %#llx %#llx %#llx %#llx %#llx %#llx:"
			     " tree %#x, list %#x", c->variant, d->nr, d->arch,
			     (unsigned long long)d->args[0], (unsigned long long)d->args[1],
			     (unsigned long long)d->args[2], (unsigned long long)d->args[3],
			     (unsigned long long)d->args[4], (unsigned long long)d->args[5], t, l);
}

/* The built-in programs are binary trees of the system call numbers
 * (libseccomp's optimization 2: a faster load and lookup, sandbox/filter.c);
 * they must decide exactly as the same rules compiled as a plain list do:
 * for every system call number (native, x32 and out of range), for the
 * other architectures, and for each argument (either half) set to each
 * constant either program compares an argument with (and its
 * neighbours), zero and all ones. */
Test(sandbox_filter, the_tree_programs_decide_as_the_lists)
{
	static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64,
					   0 };
	static uint32_t consts[4096];

	for (int v = 0; v < SANDBOX_FILTER_VARIANTS; v++) {
		bool trace = v & 1, network = v & 4;
		int tty_in = sandbox_filter_variant_tty(v);
		struct sock_fprog list;
		struct comparison c = { &sandbox_filter_builtin[v], &list, v, 0, 0 };
		unsigned n = 0;

		if (sandbox_filter_index(trace, tty_in, network) != v)
			continue;
		cr_assert_eq(sandbox_filter_compile_list(trace, tty_in, network, &list), 0);
		/* a guard against a tree that blows up: the largest, tty_in without
		 * the network, is about 400 (BPF_MAXINSNS is 4096) */
		cr_expect_lt(c.tree->len, 450);
		n = arg_constants(c.tree, consts, n, 4094);
		n = arg_constants(&list, consts, n, 4094);
		consts[n++] = 0;
		consts[n++] = 0xffffffffu;
		for (size_t ai = 0; ai < sizeof(arches) / sizeof(arches[0]); ai++) {
			for (int64_t nr = -2; nr < 1100; nr++) {
				for (int x32 = 0; x32 < 2; x32++) {
					struct seccomp_data d = { .nr = (int)(nr | (x32 ? 0x40000000 : 0)),
								  .arch = arches[ai] };
					bool args_read = false;

					compare(&c, &d, &args_read);
					/* Where neither program loaded an
					 * argument, none can change its path:
					 * they are varied only where one did. */
					for (unsigned i = 0; args_read && i < 6 * 2 * n; i++) {
						struct seccomp_data e = d;

						((uint32_t *)&e.args[i / (2 * n)])[i / n % 2] = consts[i % n];
						compare(&c, &e, &args_read);
					}
				}
			}
		}
		cr_expect_eq(c.differ, 0, "variant %d: %u of %u decisions differ", v, c.differ,
			     c.checked);
		free(list.filter);
	}
}

static struct seccomp_data syscall_data(int nr, uint64_t a0, uint64_t a1, uint64_t a4)
{
	struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };

	d.args[0] = a0;
	d.args[1] = a1;
	d.args[4] = a4;
	return d;
}

/* With a terminal on stdin, the other ways to read fd 0 reach the tracer
 * in both tty_in variants (a copy, a transfer out of it, Linux AIO); the
 * fd-0-only variant (no pidfd_getfd handover) watches no /dev/tty range
 * and lets sendmsg through (the listener goes with SCM_RIGHTS). */
Test(sandbox_filter, fd0_copies_are_notified_with_a_terminal_on_stdin)
{
	const struct sock_fprog *plain = &sandbox_filter_builtin[sandbox_filter_index(true, 0, false)];
	const int ttys[] = { SANDBOX_TTY_IN, SANDBOX_TTY_IN_FD0 };
	bool args;
	struct seccomp_data d;

	for (size_t i = 0; i < 2; i++) {
		const struct sock_fprog *tty = &sandbox_filter_builtin[sandbox_filter_index(true, ttys[i], false)];
		const uint32_t notify = SECCOMP_RET_USER_NOTIF;

		cr_assert_gt(tty->len, 0);
		d = syscall_data(__NR_dup, 0, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "dup(0)");
		cr_expect_eq(bpf_run(plain, &d, &args), SECCOMP_RET_ALLOW, "dup(0) untraced");
		d = syscall_data(__NR_dup, 3, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_ALLOW, "dup(3)");
		d = syscall_data(__NR_dup2, 0, 5, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "dup2(0, 5)");
		d = syscall_data(__NR_fcntl, 0, F_DUPFD_CLOEXEC, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "fcntl(0, F_DUPFD_CLOEXEC)");
		d = syscall_data(__NR_fcntl, 0, F_GETFL, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_ALLOW, "fcntl(0, F_GETFL)");
		d = syscall_data(__NR_sendfile, 1, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "sendfile(1, 0)");
		d = syscall_data(__NR_sendfile, 0, 3, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_ALLOW, "sendfile(0, 3)");
		d = syscall_data(__NR_splice, 0, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "splice(0)");
		d = syscall_data(__NR_io_submit, 0, 1, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "io_submit");
		cr_expect_eq(bpf_run(plain, &d, &args), SECCOMP_RET_ALLOW, "io_submit untraced");
		d = syscall_data(__NR_read, 0, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), notify, "read(0)");
		d = syscall_data(__NR_read, SANDBOX_TTY_FD_BASE, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args),
			     ttys[i] == SANDBOX_TTY_IN ? notify : SECCOMP_RET_ALLOW, "read(1008)");
		d = syscall_data(__NR_sendmsg, 3, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args),
			     ttys[i] == SANDBOX_TTY_IN ? notify : SECCOMP_RET_ALLOW, "sendmsg");
	}
}

/* With a terminal on stdin, the tracer puts the /dev/tty it opens for a
 * command at SANDBOX_TTY_FD_BASE..+15 (trace.c): a use of any of those fds
 * must reach it, other fds must not pay for it, and TIOCSTI stays refused
 * on them (notify must not win over the deny rule). */
Test(sandbox_filter, tty_fd_range_is_notified_only_with_a_terminal_on_stdin)
{
	const struct sock_fprog *tty = &sandbox_filter_builtin[sandbox_filter_index(true, true, false)];
	const struct sock_fprog *plain = &sandbox_filter_builtin[sandbox_filter_index(true, false, false)];
	const uint32_t lo = SANDBOX_TTY_FD_BASE, hi = SANDBOX_TTY_FD_BASE + SANDBOX_TTY_FD_COUNT - 1;
	bool args;
	struct seccomp_data d;

	for (uint32_t fd = lo - 1; fd <= hi + 1; fd++) {
		uint32_t want = fd >= lo && fd <= hi ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW;

		d = syscall_data(__NR_read, fd, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), want, "read(%u)", fd);
		cr_expect_eq(bpf_run(plain, &d, &args), SECCOMP_RET_ALLOW, "read(%u) untraced", fd);
		d = syscall_data(__NR_write, fd, 0, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), want, "write(%u)", fd);
		d = syscall_data(__NR_ioctl, fd, 0x5401 /* TCGETS */, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), want, "ioctl(%u)", fd);
		d = syscall_data(__NR_dup2, fd, 5, 0);
		cr_expect_eq(bpf_run(tty, &d, &args), want, "dup2(%u, 5)", fd);
		d = syscall_data(__NR_mmap, 0, 4096, fd);
		cr_expect_eq(bpf_run(tty, &d, &args), want, "mmap(fd %u)", fd);
	}
	d = syscall_data(__NR_read, 0, 0, 0);
	cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_USER_NOTIF, "read(0)");
	/* an int fd of -1 sign-extended, as mmap(MAP_ANONYMOUS) passes it */
	d = syscall_data(__NR_mmap, 0, 4096, UINT64_MAX);
	cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_ALLOW, "anonymous mmap");
	/* the kernel reads an fd as an unsigned int: junk above is ignored */
	d = syscall_data(__NR_read, ((uint64_t)1 << 32) | lo, 0, 0);
	cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_USER_NOTIF, "read(junk:%u)", lo);
	d = syscall_data(__NR_ioctl, lo, 0x5412 /* TIOCSTI */, 0);
	cr_expect_eq(bpf_run(tty, &d, &args) & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO,
		     "TIOCSTI on the range stays refused");
	d = syscall_data(__NR_sendmsg, 3, 0, 0);
	cr_expect_eq(bpf_run(tty, &d, &args), SECCOMP_RET_USER_NOTIF, "sendmsg");
	cr_expect_eq(bpf_run(plain, &d, &args), SECCOMP_RET_ALLOW, "sendmsg untraced");
}
