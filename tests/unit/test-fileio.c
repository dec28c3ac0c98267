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
#include <sys/wait.h>
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

/*
 * A folder that cannot be emptied: reported, the rest still removed.
 * Returns the number of checks that failed (each said on stderr), so that
 * it can run in a child that gave up root, whose permissions do not stop.
 */
static int
failure_case(void)
{
	char *root, *tree, *ro, *want;
	int bad = 0;

	root = tf_dir();
	tree = path_join(root, "tree");
	make_dir(tree, "ro");
	make_dir(tree, "other");
	free(tf_write(tree, "ro/stuck.txt", "x\n"));
	free(tf_write(tree, "other/gone.txt", "x\n"));
	ro = path_join(tree, "ro");
	chmod(ro, 0555);
	error_clear();
	want = xasprintf("cannot remove '%s/stuck.txt': Permission denied",
			 ro);
	if (file_remove_tree(tree) != -1 && ++bad)
		fprintf(stderr, "# a file that stays did not fail\n");
	if (strcmp(error_last(), want) != 0 && ++bad)
		fprintf(stderr, "# got '%s', want '%s'\n", error_last(), want);
	if (exists(tree, "other") && ++bad)
		fprintf(stderr, "# the rest was not removed\n");
	if (!exists(tree, "ro/stuck.txt") && ++bad)
		fprintf(stderr, "# what could not be removed is gone\n");
	chmod(ro, 0755);
	free(want);
	free(ro);
	free(tree);
	tf_cleanup(root);
	return bad;
}

static void
test_failure(void)
{
	int status = 0, quiet;
	pid_t pid;

	if (geteuid() != 0) {
		quiet = error_set_quiet(1);
		ok(failure_case() == 0, "a file that cannot be removed is "
		   "reported by name, the rest removed");
		error_set_quiet(quiet);
		return;
	}
	/* as root, in a child that is nobody (65534) */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		error_set_quiet(1);
		setenv("TMPDIR", "/tmp", 1);	/* one nobody may write to */
		if (setgid(65534) < 0 || setuid(65534) < 0) {
			perror("setuid");
			_exit(2);
		}
		_exit(failure_case() ? 1 : 0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "a file that cannot be removed is "
	   "reported by name, the rest removed (as nobody: status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int
main(void)
{
	error_set_quiet(1);
	test_links();
	test_failure();
	return tap_done();
}
