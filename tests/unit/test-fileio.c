/*
 * test-fileio.c - file_remove_tree: removes a tree, never follows a
 * symbolic link out of it, and says what it could not remove.
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/error.h"
#include "lib/fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int
exists(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	int rc = lstat(p, &st) == 0;

	free(p);
	return rc;
}

static void
make_dir(const char *dir, const char *name)
{
	char *p = path_join(dir, name);

	mkdir_p(p);
	free(p);
}

static void
make_link(const char *target, const char *dir, const char *name)
{
	char *p = path_join(dir, name);

	if (symlink(target, p) < 0)
		diag("cannot make link '%s': %s", p, strerror(errno));
	free(p);
}

/* A tree with links out of it (to a folder, to a file, dangling). */
static void
test_links(void)
{
	char *outside = tf_dir(), *root = tf_dir(), *keep, *tree, *fifo;

	free(tf_write(outside, "keep.txt", "keep\n"));
	make_dir(outside, "sub");
	free(tf_write(outside, "sub/deep.txt", "deep\n"));
	keep = path_join(outside, "keep.txt");

	tree = path_join(root, "tree");
	make_dir(tree, "a/b");
	make_dir(tree, "a/empty");
	free(tf_write(tree, "top.txt", "top\n"));
	free(tf_write(tree, "a/b/c.txt", "c\n"));
	make_link(outside, tree, "dirlink");
	make_link(keep, tree, "a/filelink");
	make_link("/nonexistent/spoolboard", tree, "a/b/dangling");
	fifo = path_join(tree, "a/fifo");
	ok(mkfifo(fifo, 0644) == 0, "a fifo in the tree");
	free(fifo);

	ok(file_remove_tree(tree) == 0, "a tree is removed: %s",
	   error_last());
	ok(!exists(root, "tree"), "nothing of it is left");
	ok(exists(outside, "keep.txt") && exists(outside, "sub/deep.txt"),
	   "what its links point to survives");

	/* path itself a link to a folder: the link goes, the folder stays */
	make_link(outside, root, "link");
	ok(file_remove_tree(tree) == 0, "a missing path is not an error");
	free(tree);
	tree = path_join(root, "link");
	ok(file_remove_tree(tree) == 0 && !exists(root, "link"),
	   "a link given as the path is unlinked");
	ok(exists(outside, "keep.txt") && exists(outside, "sub/deep.txt"),
	   "and its target is not entered");
	free(tree);

	tree = path_join(root, "plain.txt");
	free(tf_write(root, "plain.txt", "x\n"));
	ok(file_remove_tree(tree) == 0 && !exists(root, "plain.txt"),
	   "a plain file is removed");
	free(tree);
	free(keep);
	tf_cleanup(root);
	tf_cleanup(outside);
}

/* A folder that cannot be emptied: reported, the rest still removed. */
static void
test_failure(void)
{
	char *root, *tree, *ro, *want;

	if (geteuid() == 0) {
		ok(1, "# SKIP permissions do not stop root");
		return;
	}
	root = tf_dir();
	tree = path_join(root, "tree");
	make_dir(tree, "ro");
	make_dir(tree, "other");
	free(tf_write(tree, "ro/stuck.txt", "x\n"));
	free(tf_write(tree, "other/gone.txt", "x\n"));
	ro = path_join(tree, "ro");
	chmod(ro, 0555);
	error_clear();
	ok(file_remove_tree(tree) == -1, "a file that stays fails");
	want = xasprintf("cannot remove '%s/stuck.txt': Permission denied",
			 ro);
	is_str(error_last(), want, "the message names the file");
	ok(!exists(tree, "other"), "the rest is removed all the same");
	ok(exists(tree, "ro/stuck.txt"), "only what could not be stays");
	chmod(ro, 0755);
	free(want);
	free(ro);
	free(tree);
	tf_cleanup(root);
}

int
main(void)
{
	error_set_quiet(1);
	test_links();
	test_failure();
	return tap_done();
}
