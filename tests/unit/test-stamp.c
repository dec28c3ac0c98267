/*
 * test-stamp.c - the fingerprints the render cache compares (stamp.h):
 * what changes a folder's stamp and what leaves it as it was.
 */
#include "render/stamp.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static void
put(const char *name, const char *text, const char *mode)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, mode);
	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		abort();
}

static uint64_t
tree(void)
{
	return stamp_tree(AT_FDCWD, dir, 2);
}

/* Keep the mtime of every change apart from the last one's. */
static void
tick(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };

	nanosleep(&t, NULL);
}

int
main(void)
{
	static const char *const names[] = { "a.txt", "sub", "none", NULL };
	char path[128], other[128];
	uint64_t h, h2, n;
	int fd;

	snprintf(dir, sizeof(dir), "%s", "/tmp/test-stamp.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	put("a.txt", "one\n", "w");
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	put("sub/c.txt", "ckpt\n", "w");

	h = tree();
	ok(h != 0, "a folder has a stamp");
	ok(tree() == h, "the same folder, the same stamp");
	ok(stamp_tree(AT_FDCWD, "/nonexistent/x", 2) == 0,
	   "a missing folder has none");
	ok(stamp_tree(fd, "sub", 1) == stamp_tree(AT_FDCWD, path, 1),
	   "relative to a folder as by path");

	tick();
	put("a.txt", "two\n", "a");
	ok((h2 = tree()) != h, "a file appended to changes it");
	h = h2;
	tick();
	put("sub/c.txt", "ckpt2\n", "w");
	ok((h2 = tree()) != h, "a file in a folder in it rewritten changes it");
	ok(stamp_tree(AT_FDCWD, dir, 1) != 0, "depth 1 stamps the folder only");
	h = h2;
	tick();
	put("b.tmp", "new\n", "w");
	snprintf(path, sizeof(path), "%s/b.tmp", dir);
	snprintf(other, sizeof(other), "%s/a.txt", dir);
	rename(path, other);
	ok((h2 = tree()) != h, "a file replaced by rename changes it");
	h = h2;

	/* a hard link to a file (the site's downloads) changes its ctime
	   only: the stamp stays */
	snprintf(path, sizeof(path), "%s/sub/c.txt", dir);
	snprintf(other, sizeof(other), "%s.link", dir);
	ok(link(path, other) == 0, "linked");
	ok(tree() == h, "a hard link made elsewhere leaves it");
	unlink(other);
	ok(tree() == h, "and removed");

	n = stamp_names(AT_FDCWD, dir, names);
	ok(n != 0, "stamp_names of known names");
	ok(stamp_names(AT_FDCWD, dir, names) == n, "again the same");
	tick();
	put("none", "x", "w");
	ok(stamp_names(AT_FDCWD, dir, names) != n,
	   "a missing name that appears changes it");
	snprintf(path, sizeof(path), "%s/none", dir);
	unlink(path);
	tick();
	put("sub/d.txt", "d\n", "w");
	ok(stamp_names(AT_FDCWD, dir, names) != n,
	   "a file added to a named folder changes it (its mtime)");
	ok(stamp_names(AT_FDCWD, "/nonexistent/x", names) == 0,
	   "a missing folder has none");

	/* the folder alone: its names, not what is in its files */
	{
		time_t mt = 0;
		uint64_t e = stamp_entry(AT_FDCWD, dir, &mt);

		ok(e != 0 && mt > 0, "stamp_entry of a folder, and its mtime");
		put("a.txt", "more\n", "a");
		ok(stamp_entry(AT_FDCWD, dir, NULL) == e,
		   "a file in it appended to leaves it");
		tick();
		put("new", "x", "w");
		ok(stamp_entry(AT_FDCWD, dir, NULL) != e,
		   "a name added changes it");
		e = stamp_entry(AT_FDCWD, dir, NULL);
		tick();
		snprintf(path, sizeof(path), "%s/new", dir);
		unlink(path);
		ok(stamp_entry(AT_FDCWD, dir, NULL) != e,
		   "a name removed changes it");
		ok(stamp_entry(AT_FDCWD, "/nonexistent/x", NULL) == 0,
		   "a missing entry has none");
	}

	/* entries past the cap, counted across its folders: no stamp */
	for (int i = 0; i < STAMP_MAX_ENTRIES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "sub/f%d", i);
		put(name, "", "w");
	}
	ok(stamp_tree(AT_FDCWD, dir, 1) != 0, "depth 1 does not count them");
	ok(tree() == 0, "more than STAMP_MAX_ENTRIES in all: none");

	close(fd);
	file_remove_tree(dir);
	return tap_done();
}
