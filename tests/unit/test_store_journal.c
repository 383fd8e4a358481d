/* test_store_journal.c - the run history's journal (store/journal.c): hits
 * noted without a synced commit reach the index, in order, once; from
 * several processes; across a folder that died before emptying the
 * journal; with a torn tail. */
#include <sys/wait.h>

#include "test_store_util.h"

static store *open_at(const char *dir)
{
	store *s;
	char *p = tu_join(dir, "store");
	cr_assert_eq(store_open(p, STORE_NOSYNC, &s), 0);
	free(p);
	return s;
}

static void defer(store *s, const char *command)
{
	struct store_run r = { .start_ns = 1, .outcome = STORE_RUN_HIT, .cwd = "/w",
			       .command = command };
	cr_assert_eq(store_run_defer(s, &r), 0);
}

/* The commands of the history, oldest first, joined by ",". */
static char *history(store *s)
{
	store_txn *txn;
	cr_assert_eq(store_read_begin(s, &txn), 0);
	char *out = strdup("");
	uint64_t id = UINT64_MAX;
	while (store_run_prev(txn, id, &id) == 0) {
		struct store_run *r;
		cr_assert_eq(store_run_get(txn, id, &r), 0);
		char *n;
		cr_assert(asprintf(&n, "%s%s%s", r->command, *out ? "," : "", out) > 0);
		free(out);
		out = n;
		store_run_free(r);
	}
	store_read_end(txn);
	return out;
}

static char *journal_path(store *s)
{
	return tu_join(store_path(s), "index/history.journal");
}

static off_t file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_size : -1;
}

Test(journal, lazy_flush_reaches_the_index_at_the_next_write)
{
	char *dir = tu_tmpdir();
	store *s = open_at(dir);
	defer(s, "a");
	defer(s, "b");
	cr_assert_eq(store_flush_lazy(s), 0);
	char *h = history(s);
	cr_assert_str_eq(h, "", "a lazy flush committed");
	free(h);
	char *j = journal_path(s);
	cr_assert_gt(file_size(j), 32);

	defer(s, "c"); /* queued in the handle: after the journal's */
	cr_assert_eq(store_flush(s), 0);
	h = history(s);
	cr_assert_str_eq(h, "a,b,c");
	free(h);
	cr_assert_eq(file_size(j), 0, "the journal was not emptied");
	cr_assert_eq(store_flush(s), 0);
	h = history(s);
	cr_assert_str_eq(h, "a,b,c", "folded twice");
	free(h);
	free(j);
	store_close(s);
	tu_rmrf(dir);
}

Test(journal, appends_from_many_processes_all_arrive)
{
	enum { PROCS = 6, EACH = 20 };
	char *dir = tu_tmpdir();
	store *s = open_at(dir);
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		cr_assert_geq(pids[p], 0);
		if (pids[p] == 0) {
			store *c = open_at(dir);
			int bad = 0;
			for (int i = 0; i < EACH; i++) {
				char cmd[32];
				snprintf(cmd, sizeof(cmd), "p%d-%d", p, i);
				struct store_run r = { .start_ns = 1, .outcome = STORE_RUN_HIT,
						       .command = cmd };
				bad |= store_run_defer(c, &r) != 0;
				/* every other one through a commit, which folds */
				bad |= (i % 2 ? store_flush_lazy(c) : store_flush(c)) != 0;
			}
			store_close(c);
			_exit(bad);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st;
		cr_assert_eq(waitpid(pids[p], &st, 0), pids[p]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	cr_assert_eq(store_flush(s), 0);
	char *h = history(s);
	size_t n = 1;
	for (const char *c = h; *c; c++)
		n += *c == ',';
	cr_assert_eq(n, PROCS * EACH, "history has %zu runs: %s", n, h);
	for (int p = 0; p < PROCS; p++)
		for (int i = 0; i < EACH; i++) {
			char cmd[40];
			snprintf(cmd, sizeof(cmd), "p%d-%d,", p, i);
			char *hh;
			cr_assert(asprintf(&hh, "%s,", h) > 0);
			cr_assert_not_null(strstr(hh, cmd), "lost %s", cmd);
			free(hh);
		}
	free(h);
	store_close(s);
	tu_rmrf(dir);
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(in, 0);
	char buf[65536];
	ssize_t n = read(in, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	close(in);
	tu_write_file(to, buf, (size_t)n);
}

Test(journal, a_folder_that_died_before_emptying_adds_nothing_twice)
{
	char *dir = tu_tmpdir();
	store *s = open_at(dir);
	defer(s, "a");
	defer(s, "b");
	cr_assert_eq(store_flush_lazy(s), 0);
	char *j = journal_path(s);
	char *saved = tu_join(dir, "journal.saved");
	copy_file(j, saved);
	cr_assert_eq(store_flush(s), 0);
	/* as if the folder died after its commit, before emptying it */
	copy_file(saved, j);
	defer(s, "c");
	cr_assert_eq(store_flush(s), 0);
	char *h = history(s);
	cr_assert_str_eq(h, "a,b,c");
	free(h);
	free(saved);
	free(j);
	store_close(s);
	tu_rmrf(dir);
}

Test(journal, a_torn_tail_is_dropped_and_the_rest_kept)
{
	char *dir = tu_tmpdir();
	store *s = open_at(dir);
	defer(s, "a");
	cr_assert_eq(store_flush_lazy(s), 0);
	char *j = journal_path(s);
	int fd = open(j, O_WRONLY | O_APPEND | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "\x40\0\0\0garbage", 11), 11); /* a record cut short */
	close(fd);
	cr_assert_eq(store_flush(s), 0);
	char *h = history(s);
	cr_assert_str_eq(h, "a");
	free(h);
	cr_assert_eq(file_size(j), 0);
	/* and a journal that is not one at all is emptied, not read */
	tu_write_file(j, "not a journal, not at all, nothing to see here", 46);
	defer(s, "b");
	cr_assert_eq(store_flush(s), 0);
	h = history(s);
	cr_assert_str_eq(h, "a,b");
	free(h);
	free(j);
	store_close(s);
	tu_rmrf(dir);
}

Test(journal, readers_fold_it_by_path)
{
	char *dir = tu_tmpdir();
	store *s = open_at(dir);
	defer(s, "a");
	cr_assert_eq(store_flush_lazy(s), 0);
	char *p = strdup(store_path(s));
	store_close(s); /* nothing left queued: the run is in the journal only */
	cr_assert_eq(store_fold_history(p), 0);
	store *r;
	cr_assert_eq(store_open(p, STORE_RDONLY, &r), 0);
	char *h = history(r);
	cr_assert_str_eq(h, "a");
	free(h);
	store_close(r);
	cr_assert_eq(store_fold_history(p), 0, "nothing to fold is not an error");
	free(p);
	tu_rmrf(dir);
}
