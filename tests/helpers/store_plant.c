/* store_plant.c - record a hand-made trace, as an attacker who shares a
 * store's hash key could put one in a bundle (tests of shark import).
 *
 *   store_plant STORE ACTION_KEY_HEX STDOUT_TEXT [EFFECT_PATH EFFECT_TEXT]
 *
 * The trace has no inputs at all (so it matches any filesystem), exit
 * status 0, STDOUT_TEXT as its stdout and, optionally, one file effect
 * writing EFFECT_TEXT to EFFECT_PATH (relative to the workspace). Its key
 * information (what shark checks the action key against) is copied from a
 * genuine trace of that action in STORE: the attacker runs the command in
 * their own store first. The store
 * is opened as usual: with SHARK_HASH_KEY_FILE set it is created with that
 * key. Exit status 0, or 1 with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static int fail(const char *what, int r)
{
	fprintf(stderr, "store_plant: %s: %s\n", what, store_strerror(r));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: store_plant STORE ACTION_KEY_HEX STDOUT [PATH TEXT]\n");
		return 2;
	}
	store *s;
	int r = store_open(argv[1], STORE_NOSYNC, &s);
	if (r < 0)
		return fail("open", r);
	store_hash key, out;
	if ((r = store_hash_from_hex(argv[2], strlen(argv[2]), &key)) < 0)
		return fail("action key", r);
	if ((r = store_blob_put(s, argv[3], strlen(argv[3]), &out)) < 0)
		return fail("stdout blob", r);
	struct store_effect fx = { 0 };
	struct store_trace t = { .stdout_blob = out, .stdout_size = strlen(argv[3]) };
	if ((r = store_blob_put(s, "", 0, &t.stderr_blob)) < 0)
		return fail("stderr blob", r);
	if (argc == 6) {
		fx.kind = STORE_EFFECT_FILE;
		fx.path = argv[4];
		fx.mode = 0755;
		fx.size = strlen(argv[5]);
		if ((r = store_blob_put(s, argv[5], strlen(argv[5]), &fx.blob)) < 0)
			return fail("effect blob", r);
		t.n_effects = 1;
		t.effects = &fx;
	}
	/* the genuine trace's key information */
	store_txn *txn;
	store_hash *ids = NULL;
	size_t n = 0;
	struct store_trace *genuine = NULL;
	if ((r = store_read_begin(s, &txn)) < 0)
		return fail("read", r);
	if ((r = store_action_traces(txn, &key, &ids, &n)) < 0 || n == 0 ||
	    (r = store_trace_get(txn, &ids[0], &genuine)) < 0) {
		store_read_end(txn);
		return fail("no genuine trace of that action", r ? r : -2);
	}
	store_read_end(txn);
	t.key_info = genuine->key_info;
	t.key_info_len = genuine->key_info_len;
	struct store_run run = { .outcome = STORE_RUN_MISS, .action_key = key, .command = "planted" };
	if ((r = store_record(s, &key, &t, &run, NULL, NULL)) < 0)
		return fail("record", r);
	store_trace_free(genuine);
	free(ids);
	store_close(s);
	return 0;
}
