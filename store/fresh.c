/* fresh.c - objects this handle wrote itself and hashed from the bytes it
 * wrote (a downloaded blob hashed as it streamed in, store_blob_unstage):
 * store_blob_open_verified trusts that hash while the object's inode is
 * untouched since, instead of reading a file of hundreds of MiB again
 * right after writing it (the stat cache cannot vouch for a file younger
 * than its racy window). The trust is the handle's, in memory, and ends
 * with it; any change to the file (its size, mtime or ctime) ends it too,
 * as the stat cache's does. */
#include <string.h>
#include <sys/stat.h>

#include "store/internal.h"

void store_fresh_note(store *s, int fd, const store_hash *h)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	struct store_fresh *f = &s->fresh[s->n_fresh++ % STORE_FRESH_MAX];
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtim = st.st_mtim;
	f->ctim = st.st_ctim;
	f->hash = *h;
}

bool store_fresh_match(const store *s, const struct stat *st, const store_hash *h)
{
	size_t n = s->n_fresh < STORE_FRESH_MAX ? s->n_fresh : STORE_FRESH_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct store_fresh *f = &s->fresh[i];
		if (f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
		    f->mtim.tv_sec == st->st_mtim.tv_sec && f->mtim.tv_nsec == st->st_mtim.tv_nsec &&
		    f->ctim.tv_sec == st->st_ctim.tv_sec && f->ctim.tv_nsec == st->st_ctim.tv_nsec &&
		    store_hash_equal(&f->hash, h))
			return true;
	}
	return false;
}
