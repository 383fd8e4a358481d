/* test_memo.c - the memo engine: action keys, workspace detection, stdin
 * identity, and whole pipelines recorded then served from the store. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shark/memo/memo_int.h"

static char tmpl[4096];

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpl, sizeof(tmpl), "%s/test-memo.XXXXXX", t && *t ? t : "/tmp");
	cr_assert_not_null(mkdtemp(tmpl));
	return tmpl;
}

static char *const argv_a[] = { "sort", "-n", "data", NULL };
static char *const argv_b[] = { "sort", "-r", "data", NULL };
static char *const env_1[] = { "LANG=C", "PATH=/usr/bin:/bin", NULL };
static char *const env_1_reordered[] = { "PATH=/usr/bin:/bin", "LANG=C", NULL };
static char *const env_1_volatile[] = { "LANG=C", "SHLVL=7", "PATH=/usr/bin:/bin",
					"OLDPWD=/elsewhere", NULL };
static char *const env_2[] = { "LANG=fr_FR.UTF-8", "PATH=/usr/bin:/bin", NULL };

static store_hash key_of(char *const *argv, char *const *envp, const char *cwd, int in_kind,
			 unsigned ttys, unsigned grants)
{
	struct memo_keyspec k = {
		.workspace = "/ws",
		.cwd = cwd,
		.argv = argv,
		.envp = envp,
		.in = { .kind = in_kind },
		.ttys = ttys,
		.grants = grants,
	};
	store_hash h;
	cr_assert_eq(memo_action_key(&k, &h), 0);
	return h;
}

/* store/ and sandbox/ never include each other: the store's marker name
 * is written in both (store.h, sandbox.h), and must be the same. */
Test(memo_key, the_store_marker_is_one_name)
{
	cr_assert_str_eq(STORE_MARKER_FILE, SANDBOX_STORE_MARKER);
}

Test(memo_key, same_inputs_same_key)
{
	store_hash a = key_of(argv_a, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	store_hash b = key_of(argv_a, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	cr_assert(store_hash_equal(&a, &b));
}

Test(memo_key, every_field_counts)
{
	store_hash base = key_of(argv_a, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	store_hash k;
	k = key_of(argv_b, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	cr_assert_not(store_hash_equal(&base, &k), "argv");
	k = key_of(argv_a, env_2, "/ws", MEMO_STDIN_NONE, 0, 0);
	cr_assert_not(store_hash_equal(&base, &k), "environment");
	k = key_of(argv_a, env_1, "/ws/sub", MEMO_STDIN_NONE, 0, 0);
	cr_assert_not(store_hash_equal(&base, &k), "cwd");
	k = key_of(argv_a, env_1, "/ws", MEMO_STDIN_TTY, 0, 0);
	cr_assert_not(store_hash_equal(&base, &k), "stdin");
	k = key_of(argv_a, env_1, "/ws", MEMO_STDIN_NONE, 2, 0);
	cr_assert_not(store_hash_equal(&base, &k), "terminal flags");
	k = key_of(argv_a, env_1, "/ws", MEMO_STDIN_NONE, 0, MEMO_NETWORK);
	cr_assert_not(store_hash_equal(&base, &k), "grants");
	struct memo_keyspec um = { .workspace = "/ws", .cwd = "/ws", .argv = argv_a, .envp = env_1,
				   .in = { .kind = MEMO_STDIN_NONE }, .umask = 077 };
	cr_assert_eq(memo_action_key(&um, &k), 0);
	cr_assert_not(store_hash_equal(&base, &k), "umask: the modes of the files it creates");
	k = key_of(argv_a, env_1, "/ws", MEMO_STDIN_UPSTREAM_CUT, 0, 0);
	store_hash up = key_of(argv_a, env_1, "/ws", MEMO_STDIN_UPSTREAM, 0, 0);
	cr_assert_not(store_hash_equal(&up, &k), "a cut stream is not a whole one");
	struct memo_keyspec ks = { .workspace = "/ws", .cwd = "/ws", .argv = argv_a,
				   .envp = env_1, .in = { .kind = MEMO_STDIN_NONE } };
	store_hash sep, merged;
	cr_assert_eq(memo_action_key(&ks, &sep), 0);
	ks.merged = true;
	cr_assert_eq(memo_action_key(&ks, &merged), 0);
	cr_assert_not(store_hash_equal(&sep, &merged), "one stream or two");
}

Test(memo_key, environment_order_and_volatile_variables_do_not_count)
{
	store_hash base = key_of(argv_a, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	store_hash k = key_of(argv_a, env_1_reordered, "/ws", MEMO_STDIN_NONE, 0, 0);
	cr_assert(store_hash_equal(&base, &k));
	k = key_of(argv_a, env_1_volatile, "/ws", MEMO_STDIN_NONE, 0, 0);
	cr_assert(store_hash_equal(&base, &k));
	cr_assert(memo_env_is_volatile("SHLVL=2"));
	cr_assert(memo_env_is_volatile("_=/usr/bin/env"));
	cr_assert_not(memo_env_is_volatile("SHLVLX=2"));
	cr_assert_not(memo_env_is_volatile("HOME=/root"));
}

/* Relocation: a copy of the workspace at another path has the same keys
 * (cwd, argv and environment name the root as a token), and nothing else
 * collapses: a path outside, a sibling whose name extends the root's, or
 * a literal "\\w" keeps its own key. */
static store_hash key_in(const char *ws, const char *cwd, char *const *argv, char *const *envp)
{
	struct memo_keyspec k = { .workspace = ws, .cwd = cwd, .argv = argv, .envp = envp,
				  .in = { .kind = MEMO_STDIN_NONE } };
	store_hash h;
	cr_assert_eq(memo_action_key(&k, &h), 0);
	return h;
}

Test(memo_key, relocated_workspace_same_key)
{
	char *const a1[] = { "cat", "/h/proj/n", NULL }, *const a2[] = { "cat", "/h/p2/n", NULL };
	char *const e1[] = { "PWD=/h/proj/sub", "P=/bin:/h/proj/bin", NULL };
	char *const e2[] = { "PWD=/h/p2/sub", "P=/bin:/h/p2/bin", NULL };
	store_hash x = key_in("/h/proj", "/h/proj/sub", a1, e1);
	store_hash y = key_in("/h/p2", "/h/p2/sub", a2, e2);
	cr_assert(store_hash_equal(&x, &y), "the same command in a copy elsewhere");
	y = key_in("/h/p2", "/h/p2", a2, e2);
	cr_assert_not(store_hash_equal(&x, &y), "another directory of the copy");
	y = key_in("/h/p2", "/h/p2/sub", a1, e2);
	cr_assert_not(store_hash_equal(&x, &y), "a path into the first workspace from the copy");
	char *const s1[] = { "cat", "/h/proj2/n", NULL }, *const s2[] = { "cat", "/h/p22/n", NULL };
	x = key_in("/h/proj", "/h/proj", s1, e1);
	y = key_in("/h/p2", "/h/p2", s2, e1);
	cr_assert_not(store_hash_equal(&x, &y), "a sibling is not the workspace");
	char *const g1[] = { "cat", "/x/h/proj/n", NULL }, *const g2[] = { "cat", "/x/h/p2/n", NULL };
	x = key_in("/h/proj", "/h/proj", g1, e1);
	y = key_in("/h/p2", "/h/p2", g2, e1);
	cr_assert_not(store_hash_equal(&x, &y), "the root glued behind another path");
	char *const l1[] = { "echo", "\\w/n", NULL };
	x = key_in("/h/proj", "/h/proj", l1, e1);
	y = key_in("/h/proj", "/h/proj", a1, e1);
	cr_assert_not(store_hash_equal(&x, &y), "a literal token is not the root");
	char *const c1[] = { "cat", "n", NULL };
	x = key_in("/h/proj", "/elsewhere", c1, env_1);
	y = key_in("/h/p2", "/elsewhere", c1, env_1);
	cr_assert(store_hash_equal(&x, &y), "a cwd outside stays absolute");
	y = key_in("/h/p2", "/elsewhere2", c1, env_1);
	cr_assert_not(store_hash_equal(&x, &y));
}

Test(memo_key, recorded_paths_relative_to_the_root)
{
	cr_assert_str_eq(memo_rel_of("/h/proj", "/h/proj/a/b"), "a/b");
	cr_assert_str_eq(memo_rel_of("/h/proj", "/h/proj"), ".");
	cr_assert_str_eq(memo_rel_of("/h/proj", "/h/proj2/a"), "/h/proj2/a");
	cr_assert_str_eq(memo_rel_of("/h/proj", "/usr/lib/x"), "/usr/lib/x");
	cr_assert_str_eq(memo_rel_of("/", "/usr/lib/x"), "/usr/lib/x", "no relocation under /");
	char buf[64];
	cr_assert_eq(memo_path_resolve("/w2", "a/b", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/w2/a/b");
	cr_assert_eq(memo_path_resolve("/w2", ".", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/w2");
	cr_assert_eq(memo_path_resolve("/w2", "/usr/x", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/usr/x");
	cr_assert_eq(memo_path_resolve("/w2", "a/b", buf, 4), -ENAMETOOLONG);
}

Test(memo_key, argument_boundaries_are_unambiguous)
{
	char *const ab_c[] = { "echo", "ab", "c", NULL };
	char *const a_bc[] = { "echo", "a", "bc", NULL };
	store_hash x = key_of(ab_c, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	store_hash y = key_of(a_bc, env_1, "/ws", MEMO_STDIN_NONE, 0, 0);
	cr_assert_not(store_hash_equal(&x, &y));
}

/* The key info the engine records reads back field by field: the CLI
 * (`shark why`, `shark lineage`) uses memo_key_info_parse and never
 * parses the text itself. */
Test(memo_key, key_info_reads_back)
{
	char *const argv[] = { "grep", "-e", "a b", NULL };
	struct memo_keyspec k = {
		.workspace = "/ws",
		.cwd = "/ws/sub",
		.argv = argv,
		.envp = env_1_volatile,
		.in = { .kind = MEMO_STDIN_FILE, .offset = 7 },
		.ttys = 4,
		.grants = MEMO_NETWORK,
	};
	store_hash key;
	cr_assert_eq(memo_action_key(&k, &key), 0);
	char *text;
	size_t len;
	cr_assert_eq(memo_key_info(&k, &key, &text, &len), 0);
	struct memo_key_info *ki;
	cr_assert_eq(memo_key_info_parse_at(text, len, "/ws", &ki), 0);
	char hex[STORE_HASH_HEX_LEN + 1];
	store_hash_to_hex(&key, hex);
	cr_assert_str_eq(ki->key, hex);
	cr_assert_str_eq(ki->cwd, "/ws/sub");
	cr_assert_not_null(ki->format);
	cr_assert_eq(ki->argc, 3);
	cr_assert_str_eq(ki->argv[2], "a b");
	cr_assert_null(ki->argv[3]);
	cr_assert_eq(ki->n_env, 2, "the volatile variables are left out");
	cr_assert_str_eq(ki->env[0], "LANG=C");
	cr_assert_eq(ki->stdin_kind, MEMO_STDIN_FILE);
	cr_assert(strncmp(ki->stdin_desc, "3:", 2) == 0 && strstr(ki->stdin_desc, ":7"));
	cr_assert_eq(ki->ttys, 4);
	cr_assert_eq(ki->grants, MEMO_NETWORK);
	/* fields: every line but the key's (format, cwd, 3 args, 2 env,
	 * stdin, ttys, grants, merged, umask, sigign, stack) */
	cr_assert_eq(ki->n_fields, 14);
	cr_assert_str_eq(ki->fields[10], "merged=0");
	cr_assert_str_eq(ki->fields[11], "umask=0000");
	cr_assert_str_eq(ki->fields[12], "sigign=0");
	cr_assert_str_eq(ki->fields[13], "stack=0:0");
	/* the stack limit, soft or hard, is keyed */
	struct memo_keyspec ks = k;
	store_hash key2;
	ks.stack_cur = 8u << 20;
	cr_assert_eq(memo_action_key(&ks, &key2), 0);
	cr_assert_not(store_hash_equal(&key, &key2), "the soft stack limit is keyed");
	ks.stack_cur = 0;
	ks.stack_max = 1;
	cr_assert_eq(memo_action_key(&ks, &key2), 0);
	cr_assert_not(store_hash_equal(&key, &key2), "the hard stack limit is keyed");
	cr_assert_str_eq(ki->fields[1], "cwd=/ws/sub");
	cr_assert(strstr(text, "cwd=\\w/sub\n"), "recorded with the root as a token: %s", text);
	cr_assert_null(ki->bound);
	memo_key_info_free(ki);
	/* read in a copy of the workspace elsewhere: re-rooted there */
	cr_assert_eq(memo_key_info_parse_at(text, len, "/home/u/ws2", &ki), 0);
	cr_assert_str_eq(ki->cwd, "/home/u/ws2/sub");
	memo_key_info_free(ki);
	free(text);
	k.bound = "/ws";
	cr_assert_eq(memo_key_info(&k, &key, &text, &len), 0);
	cr_assert_eq(memo_key_info_parse_at(text, len, "/elsewhere", &ki), 0);
	cr_assert_str_eq(ki->bound, "/ws", "a location-bound run names its root as it was");
	memo_key_info_free(ki);
	free(text);

	cr_assert_eq(memo_key_info_parse(NULL, 0, &ki), 0);
	cr_assert_null(ki->key);
	cr_assert_eq(ki->argc, 0);
	cr_assert_null(ki->argv[0]);
	cr_assert_eq(ki->n_fields, 0);
	memo_key_info_free(ki);
}

/* A trace found under a key is served only if it was recorded under that
 * key: an index that lists it under another (damage, a hostile bundle)
 * gives a miss, never another command's output. */
Test(memo_lookup, trace_listed_under_another_key_is_a_miss)
{
	const char *d = tmpdir();
	char st[4200];
	snprintf(st, sizeof(st), "%s/store", d);
	struct memo_options o = { .workspace = d, .store_path = st };
	struct memo *m;
	cr_assert_eq(memo_new(&o, d, &m), 0);
	store *s = memo_store(m);
	cr_assert_not_null(s);

	struct memo_keyspec ka = { .workspace = d, .cwd = d, .argv = argv_a, .envp = env_1 };
	struct memo_keyspec kb = { .workspace = d, .cwd = d, .argv = argv_b, .envp = env_1 };
	store_hash a, b, id;
	cr_assert_eq(memo_action_key(&ka, &a), 0);
	cr_assert_eq(memo_action_key(&kb, &b), 0);
	char *info;
	size_t info_len;
	cr_assert_eq(memo_key_info(&ka, &a, &info, &info_len), 0);
	struct store_trace t = { .exit_status = 0, .key_info = info, .key_info_len = info_len };
	cr_assert_eq(store_blob_put(s, "out\n", 4, &t.stdout_blob), 0);
	t.stdout_size = 4;
	cr_assert_eq(store_blob_put(s, "", 0, &t.stderr_blob), 0);
	cr_assert_eq(store_record(s, &b, &t, NULL, &id, NULL), 0);

	struct store_trace *got = NULL;
	cr_assert_eq(memo_lookup(m, &b, &got, &id), 0, "served a trace recorded for another key");
	cr_assert_null(got);
	cr_assert_eq(store_record(s, &a, &t, NULL, &id, NULL), 0);
	cr_assert_eq(memo_lookup(m, &a, &got, &id), 1);
	store_trace_free(got);
	free(info);
	memo_free(m);
}

Test(memo_workspace, git_top_level_else_cwd_else_override)
{
	unsetenv("SHARK_WORKSPACE");
	const char *d = tmpdir();
	char sub[4200], git[4200], deep[4200];
	snprintf(sub, sizeof(sub), "%s/repo", d);
	snprintf(git, sizeof(git), "%s/repo/.git", d);
	snprintf(deep, sizeof(deep), "%s/repo/a/b", d);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(mkdir(git, 0700), 0);
	char mid[4200];
	snprintf(mid, sizeof(mid), "%s/repo/a", d);
	cr_assert_eq(mkdir(mid, 0700), 0);
	cr_assert_eq(mkdir(deep, 0700), 0);
	char *ws;
	cr_assert_eq(memo_workspace_find(deep, &ws), 0);
	char *want = realpath(sub, NULL);
	cr_assert_str_eq(ws, want);
	free(ws);
	cr_assert_eq(memo_workspace_find(d, &ws), 0);
	char *dreal = realpath(d, NULL);
	cr_assert_str_eq(ws, dreal, "no git repository: the directory itself");
	free(ws);
	setenv("SHARK_WORKSPACE", mid, 1);
	cr_assert_eq(memo_workspace_find(deep, &ws), 0);
	char *midreal = realpath(mid, NULL);
	cr_assert_str_eq(ws, midreal);
	unsetenv("SHARK_WORKSPACE");
	free(ws);
	free(want);
	free(dreal);
	free(midreal);
}

static struct memo *new_memo(const char *ws)
{
	struct memo_options o = { .workspace = ws };
	struct memo *m;
	cr_assert_eq(memo_new(&o, ws, &m), 0);
	return m;
}

Test(memo_stdin, null_file_finished_pipe_and_stream)
{
	const char *d = tmpdir();
	struct memo *m = new_memo(d);
	struct memo_stdin id;
	int fd;

	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert_eq(memo_stdin_identity(m, null, &id, &fd), 0);
	cr_assert_eq(id.kind, MEMO_STDIN_NONE);
	cr_assert_eq(fd, -1);
	close(null);

	char path[4200];
	snprintf(path, sizeof(path), "%s/in", d);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_eq(write(f, "hello\n", 6), 6);
	lseek(f, 0, SEEK_SET);
	cr_assert_eq(memo_stdin_identity(m, f, &id, &fd), 0);
	cr_assert_eq(id.kind, MEMO_STDIN_FILE);
	store_hash want;
	store_hash_bytes("hello\n", 6, &want);
	cr_assert(store_hash_equal(&id.hash, &want));
	close(f);

	/* A pipe whose writer is gone: spooled, same content, same hash. */
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], "hello\n", 6), 6);
	close(p[1]);
	cr_assert_eq(memo_stdin_identity(m, p[0], &id, &fd), 0);
	cr_assert_eq(id.kind, MEMO_STDIN_SPOOLED);
	cr_assert(store_hash_equal(&id.hash, &want));
	char buf[16] = { 0 };
	cr_assert_eq(read(fd, buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "hello\n");
	close(fd);
	close(p[0]);

	/* A pipe still being written: a stream, nothing consumed. */
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(memo_stdin_identity(m, p[0], &id, &fd), 0);
	cr_assert_eq(id.kind, MEMO_STDIN_STREAM);
	cr_assert_eq(fd, -1);
	cr_assert_eq(read(p[0], buf, 1), 1);
	close(p[0]);
	close(p[1]);
	memo_free(m);
}

/* A whole pipeline through the engine: cold it runs and records, warm it is
 * replayed byte for byte without running, and a changed input re-runs. */
static char *run_pipeline(struct memo *m, const char *ws, int *ret_status)
{
	char *const s1[] = { "cat", "data", NULL };
	char *const s2[] = { "sort", "-r", NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", "LANG=C", NULL };
	struct memo_stage st[2] = {
		{ .argv = s1, .envp = envp, .fd_in = -1, .fd_out = -1, .fd_err = 2 },
		{ .argv = s2, .envp = envp, .fd_in = -1, .fd_out = -1, .fd_err = 2 },
	};
	char out[4200];
	snprintf(out, sizeof(out), "%s.out", ws);
	int ofd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int status[2];
	cr_assert_eq(memo_run_pipeline(m, ws, st, 2, null, ofd, status), 0);
	close(null);
	*ret_status = status[1];
	char *buf = calloc(1, 4096);
	lseek(ofd, 0, SEEK_SET);
	cr_assert_geq(read(ofd, buf, 4095), 0);
	close(ofd);
	return buf;
}

Test(memo_pipeline, record_then_replay_then_rerun_on_change)
{
	/* (alarm, not .timeout: Criterion's timeout leaks under LeakSanitizer) */
	alarm(60);
	const char *d = tmpdir();
	char ws[4200], st[4200], data[4300];
	snprintf(ws, sizeof(ws), "%s/ws", d);
	snprintf(st, sizeof(st), "%s/store", d);
	snprintf(data, sizeof(data), "%s/data", ws);
	cr_assert_eq(mkdir(ws, 0700), 0);
	FILE *f = fopen(data, "w");
	fputs("a\nc\nb\n", f);
	fclose(f);
	struct memo_options o = { .workspace = ws, .store_path = st };
	struct memo *m;
	cr_assert_eq(memo_new(&o, ws, &m), 0);

	int status;
	char *cold = run_pipeline(m, ws, &status);
	cr_assert_str_eq(cold, "c\nb\na\n");
	cr_assert_eq(status, 0);

	store *s = memo_store(m);
	cr_assert_not_null(s);
	struct store_stats stats;
	cr_assert_eq(store_stats(s, &stats), 0);
	cr_assert_eq(stats.traces, 2, "both stages recorded");

	char *warm = run_pipeline(m, ws, &status);
	cr_assert_str_eq(warm, cold);
	struct store_stats after;
	cr_assert_eq(store_stats(s, &after), 0);
	cr_assert_eq(after.traces, 2, "nothing new recorded on a hit");

	f = fopen(data, "w");
	fputs("x\ny\n", f);
	fclose(f);
	char *changed = run_pipeline(m, ws, &status);
	cr_assert_str_eq(changed, "y\nx\n");
	free(cold);
	free(warm);
	free(changed);
	memo_free(m);
}

/* The location-bound scan as a stream (reloc.c, memo_bound_scan): fed in
 * chunks of any size, its answer is the one for the whole text at once,
 * checked against a plain search here: the root anywhere, its last
 * component where no letter, digit, '_' or '-' touches it. */
static bool word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool plain_has(const char *ws, const char *t, size_t n)
{
	const char *base = strrchr(ws, '/') + 1;
	size_t wl = strlen(ws), bl = strlen(base);
	for (size_t i = 0; i < n; i++) {
		if (i + wl <= n && memcmp(t + i, ws, wl) == 0)
			return true;
		if (i + bl <= n && memcmp(t + i, base, bl) == 0 && (i == 0 || !word_byte(t[i - 1])) &&
		    (i + bl == n || !word_byte(t[i + bl])))
			return true;
	}
	return false;
}

Test(memo_reloc, bound_scan_fed_in_pieces_answers_as_for_the_whole)
{
	static const char *const roots[] = { "/w/ab", "/w/abc", "/ab/ab" };
	static const char alphabet[] = "abcw/ -x_";
	unsigned seed = 12345;
	char t[200];
	for (int round = 0; round < 3000; round++) {
		const char *ws = roots[round % 3];
		size_t n = (size_t)(rand_r(&seed) % 60);
		for (size_t i = 0; i < n; i++)
			t[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		if (n > 10 && rand_r(&seed) % 2) { /* plant the root or its last component */
			const char *p = rand_r(&seed) % 2 ? ws : strrchr(ws, '/') + 1;
			size_t at = (size_t)(rand_r(&seed) % (n - strlen(p)));
			memcpy(t + at, p, strlen(p));
		}
		struct memo_bound_scan s;
		memo_bound_scan_init(&s, ws, false);
		cr_assert(s.on);
		for (size_t off = 0; off < n;) {
			size_t k = 1 + (size_t)(rand_r(&seed) % 9);
			if (k > n - off)
				k = n - off;
			memo_bound_scan_feed(&s, t + off, k);
			off += k;
		}
		int got = memo_bound_scan_end(&s, n);
		memo_bound_scan_free(&s);
		cr_assert_eq(got, plain_has(ws, t, n) ? 1 : 0, "root %s, text [%.*s]", ws, (int)n, t);
	}
	/* fed other bytes than the blob's size: unknown */
	struct memo_bound_scan s;
	memo_bound_scan_init(&s, "/w/ab", false);
	memo_bound_scan_feed(&s, "xyz", 3);
	cr_assert_eq(memo_bound_scan_end(&s, 4), -1);
	memo_bound_scan_free(&s);
}

/* Process attributes (procattr.c): each SANDBOX_ATTR_* bit has a name but
 * the stack's (keyed); a PROCESS input holds while this process's value is
 * the same and fails once it changed; a value read earlier (a plan's)
 * hashes as it was then; an unknown name never holds; only
 * /proc/{self,thread-self,PID}[/task/TID]/limits observes the limits,
 * stat the nice value, RSS limit and policy, status the CPU set. */
Test(memo_procattr, names_values_and_proc_files)
{
	char name[32];
	cr_assert_eq(memo_process_attr_name(SANDBOX_ATTR_RLIMIT(RLIMIT_NOFILE), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "rlimit/nofile");
	cr_assert_eq(memo_process_attr_name(SANDBOX_ATTR_NICE, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "nice");
	cr_assert_eq(memo_process_attr_name(SANDBOX_ATTR_AFFINITY, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "affinity");
	cr_assert_eq(memo_process_attr_name(SANDBOX_ATTR_SCHED, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "sched");
	cr_assert_eq(memo_process_attr_name(SANDBOX_ATTR_IOPRIO, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "ioprio");
	cr_assert_eq(memo_process_attr_name(SANDBOX_ATTR_RLIMIT(RLIMIT_STACK), name, sizeof(name)),
		     -ENOENT);

	struct rlimit old;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	struct store_input in = { .path = "rlimit/nofile", .kind = STORE_INPUT_PROCESS };
	cr_assert_eq(memo_process_attr_hash(in.path, NULL, &in.hash), 0);
	cr_assert(memo_process_attr_matches(&in));
	struct memo_procattrs then;
	memo_procattrs_now(&then);
	store_hash h;
	const char *names[] = { "rlimit/nofile", "nice", "affinity", "sched", "ioprio" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct store_input cur = { .path = names[i], .kind = STORE_INPUT_PROCESS };
		cr_assert_eq(memo_process_attr_hash(names[i], &then, &cur.hash), 0, "%s", names[i]);
		cr_assert(memo_process_attr_matches(&cur), "%s: read now as then", names[i]);
	}
	struct rlimit lower = { old.rlim_cur > 64 ? 64 : old.rlim_cur - 1, old.rlim_max };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lower), 0);
	cr_assert_not(memo_process_attr_matches(&in), "a lower soft limit is another value");
	cr_assert_eq(memo_process_attr_hash(in.path, &then, &h), 0);
	cr_assert(store_hash_equal(&h, &in.hash), "the value read before the change");
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	cr_assert(memo_process_attr_matches(&in));
	struct store_input unknown = { .path = "rlimit/stack", .kind = STORE_INPUT_PROCESS };
	cr_assert_eq(memo_process_attr_hash(unknown.path, NULL, &unknown.hash), -ENOENT);
	cr_assert_not(memo_process_attr_matches(&unknown));
	struct store_input file = in;
	file.kind = STORE_INPUT_FILE;
	cr_assert_not(memo_process_attr_matches(&file), "only a PROCESS input is one");

	unsigned all = memo_proc_file_attrs("/proc/self/limits");
	cr_assert(all & SANDBOX_ATTR_RLIMIT(RLIMIT_NOFILE));
	cr_assert_not(all & SANDBOX_ATTR_RLIMIT(RLIMIT_STACK));
	cr_assert_not(all & (SANDBOX_ATTR_NICE | SANDBOX_ATTR_AFFINITY));
	cr_assert_eq(memo_proc_file_attrs("/proc/thread-self/limits"), all);
	cr_assert_eq(memo_proc_file_attrs("/proc/12/limits"), all);
	cr_assert_eq(memo_proc_file_attrs("/proc/12/task/13/limits"), all);
	cr_assert_eq(memo_proc_file_attrs("/proc/self/limits2"), 0);
	cr_assert_eq(memo_proc_file_attrs("/proc/x/limits"), 0);
	cr_assert_eq(memo_proc_file_attrs("/ws/proc/self/limits"), 0);
	cr_assert_eq(memo_proc_file_attrs("/proc/self/status"),
		     SANDBOX_ATTR_AFFINITY | SANDBOX_ATTR_RLIMIT(RLIMIT_SIGPENDING));
	cr_assert_eq(memo_proc_file_attrs("/proc/12/task/13/stat"),
		     SANDBOX_ATTR_NICE | SANDBOX_ATTR_RLIMIT(RLIMIT_RSS) | SANDBOX_ATTR_SCHED);
	cr_assert_eq(memo_proc_file_attrs("/proc/self/statm"), 0);
	cr_assert_eq(memo_proc_file_attrs("/proc/stat"), 0);
}
