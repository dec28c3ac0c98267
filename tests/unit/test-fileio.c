/*
 * test-fileio.c - file_remove_tree: removes a tree, never follows a
 * symbolic link out of it, and says what it could not remove. The
 * temporaries (file_write_temp and the writers on it): random names, a
 * link planted at a guessed name never written through, a collision
 * retried; file_open_regular and file_append refuse links and FIFOs.
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/error.h"
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
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

/* A file's bytes as a string ("" when it cannot be read; caller frees). */
static char *
slurp(const char *path)
{
	char *s = file_read(path, NULL, 0);

	return s ? s : xstrdup("");
}

/*
 * The random source for guessed names: the first fill_same calls give
 * zeros (the name PATH.tmp.AAAAAAAA, as an attacker who guessed it would
 * plant), later ones ones (PATH.tmp.BBBBBBBB); fill_calls counts calls.
 */
static int fill_same, fill_calls;

static int
fill_guessed(void *buf, size_t n)
{
	memset(buf, fill_calls++ < fill_same ? 0 : 1, n);
	return 0;
}

/* Is name PATH.tmp. and 8 letters or digits? */
static int
temp_name_ok(const char *name, const char *path)
{
	size_t n = strlen(path);

	return strncmp(name, path, n) == 0 &&
	       strncmp(name + n, ".tmp.", 5) == 0 && strlen(name + n) == 13 &&
	       strspn(name + n + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "abcdefghijklmnopqrstuvwxyz0123456789") == 8;
}

static void
test_temp_names(void)
{
	char *dir = tf_dir(), *path = path_join(dir, "f.json"), *a, *b, *s;
	struct stat st;

	umask(022);
	a = file_write_temp(path, "one", 3, 1);
	b = file_write_temp(path, "two", 3, 0);
	ok(a && b && strcmp(a, b) != 0, "two temporaries have different "
	   "names: %s, %s", a ? a : "(null)", b ? b : "(null)");
	ok(a && b && temp_name_ok(a, path) && temp_name_ok(b, path),
	   "named PATH.tmp. and 8 random letters and digits");
	s = a ? slurp(a) : xstrdup("");
	ok(strcmp(s, "one") == 0, "the temporary holds the data");
	free(s);
	ok(a && lstat(a, &st) == 0 && S_ISREG(st.st_mode) &&
	   (st.st_mode & 07777) == 0644, "a regular file, mode 0644");
	free(a);
	free(b);
	free(path);
	tf_cleanup(dir);
}

/* A link planted at the name the next temporary would take. */
static void
test_temp_planted(void)
{
	char *outside = tf_dir(), *dir = tf_dir(), *keep, *path, *guess, *s;
	struct stat st;
	int quiet;

	keep = tf_write(outside, "keep.txt", "keep\n");
	path = path_join(dir, "state.json");
	guess = xasprintf("%s.tmp.AAAAAAAA", path);
	if (symlink(keep, guess) < 0)
		diag("cannot make link '%s': %s", guess, strerror(errno));

	file_temp_random(fill_guessed);
	fill_same = 1;
	fill_calls = 0;
	ok(file_write_atomic(path, "new\n", 4) == 0, "file_write_atomic "
	   "with a link at its first name: %s", error_last());
	ok(fill_calls == 2, "the collision was retried with a new name "
	   "(%d tries)", fill_calls);
	s = slurp(keep);
	ok(strcmp(s, "keep\n") == 0, "the link's target is unchanged");
	free(s);
	s = slurp(path);
	ok(strcmp(s, "new\n") == 0, "the file has the new bytes");
	free(s);
	ok(lstat(guess, &st) == 0 && S_ISLNK(st.st_mode),
	   "the planted link is left alone");

	fill_calls = 0;
	ok(file_update(path, "newer\n", 6) == 0 && fill_calls == 2,
	   "file_update retries past the link too: %s", error_last());
	s = slurp(keep);
	ok(strcmp(s, "keep\n") == 0, "and its target is unchanged");
	free(s);

	/* every name taken: an error naming it, nothing written */
	fill_same = 1000;
	fill_calls = 0;
	quiet = error_set_quiet(1);
	error_clear();
	ok(file_write_atomic(path, "x", 1) == -1 && strstr(error_last(),
	   ".tmp.AAAAAAAA': File exists"), "when every name is taken, "
	   "an error: %s", error_last());
	error_set_quiet(quiet);
	s = slurp(path);
	ok(strcmp(s, "newer\n") == 0 && fill_calls < 1000,
	   "nothing is written, and the tries are bounded (%d)", fill_calls);
	free(s);
	s = slurp(keep);
	ok(strcmp(s, "keep\n") == 0, "the link's target is unchanged");
	free(s);
	file_temp_random(NULL);

	/* a link at the target itself is replaced, not followed */
	unlink(path);
	if (symlink(keep, path) < 0)
		diag("cannot make link '%s': %s", path, strerror(errno));
	ok(file_update(path, "keep\n", 5) == 0 && lstat(path, &st) == 0 &&
	   S_ISREG(st.st_mode), "file_update replaces a link at the target "
	   "even when its target holds the same bytes");
	free(keep);
	free(guess);
	free(path);
	tf_cleanup(dir);
	tf_cleanup(outside);
}

/* Appends and locks: a link, a FIFO or a folder is refused by name. */
static void
test_open_regular(void)
{
	char *outside = tf_dir(), *dir = tf_dir(), *keep, *p, *s, *want;
	int fd, quiet = error_set_quiet(1);

	keep = tf_write(outside, "keep.txt", "keep\n");
	p = path_join(dir, "log.txt");
	if (symlink(keep, p) < 0)
		diag("cannot make link '%s': %s", p, strerror(errno));
	error_clear();
	want = xasprintf("cannot open '%s': a symbolic link, not a file", p);
	ok(file_append(p, "x\n", 2) == -1 && strcmp(error_last(), want) == 0,
	   "an append to a link is refused: %s", error_last());
	free(want);
	s = slurp(keep);
	ok(strcmp(s, "keep\n") == 0, "and its target is unchanged");
	free(s);
	free(p);

	p = path_join(dir, "runner.lock");
	want = path_join(outside, "created");
	if (symlink(want, p) < 0)
		diag("cannot make link '%s': %s", p, strerror(errno));
	fd = file_open_regular(p, O_RDWR | O_CREAT);
	ok(fd == -1 && access(want, F_OK) < 0, "a dangling link is not "
	   "followed to create its target");
	free(want);
	free(p);

	p = path_join(dir, "fifo");
	if (mkfifo(p, 0644) < 0)
		diag("mkfifo: %s", strerror(errno));
	error_clear();
	ok(file_append(p, "x\n", 2) == -1 && strstr(error_last(),
	   "not a regular file"), "a FIFO is refused, not waited on: %s",
	   error_last());
	fd = file_open_regular(p, O_RDWR | O_CREAT);
	ok(fd == -1, "a FIFO opened for a lock is refused too");
	free(p);

	ok(file_append(dir, "x\n", 2) == -1, "a folder is refused: %s",
	   error_last());

	p = path_join(dir, "plain.txt");
	ok(file_append(p, "a\n", 2) == 0 && file_append(p, "b\n", 2) == 0,
	   "a regular file is created and appended to");
	s = slurp(p);
	ok(strcmp(s, "a\nb\n") == 0, "with both lines");
	free(s);
	fd = file_open_regular(p, O_RDWR | O_CREAT);
	ok(fd >= 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	   (fcntl(fd, F_GETFD) & FD_CLOEXEC), "its fd is blocking and "
	   "close-on-exec");
	if (fd >= 0)
		close(fd);
	free(p);
	free(keep);
	error_set_quiet(quiet);
	tf_cleanup(dir);
	tf_cleanup(outside);
}

/*
 * file_update_at writes in the folder it is given, replaces a link found
 * at the name (never writes through it), and leaves equal bytes alone.
 */
static void
test_update_at(void)
{
	char *outside = tf_dir(), *dir = tf_dir(), *keep, *p, *s;
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	struct stat st;

	keep = tf_write(outside, "keep.txt", "keep\n");
	make_link(keep, dir, "page.html");
	ok(file_update_at(fd, "page.html", "www/page.html", "new\n", 4) == 0,
	   "a file is written beside a link at its name");
	s = slurp(keep);
	ok(strcmp(s, "keep\n") == 0, "the link's target is unchanged");
	free(s);
	p = path_join(dir, "page.html");
	s = slurp(p);
	ok(lstat(p, &st) == 0 && S_ISREG(st.st_mode) && strcmp(s, "new\n") == 0,
	   "the link is replaced by the file");
	free(s);
	ok(file_update_at(fd, "page.html", "www/page.html", "new\n", 4) == 1,
	   "the same bytes again: left alone");
	ok(file_update_at(fd, "no/such/x", "www/no/such/x", "a", 1) < 0 &&
	   strstr(error_last(), "www/no/such/x"),
	   "a message names the file as shown: %s", error_last());
	free(p);
	free(keep);
	close(fd);
	tf_cleanup(dir);
	tf_cleanup(outside);
}

int
main(void)
{
	error_set_quiet(1);
	test_links();
	test_failure();
	test_temp_names();
	test_temp_planted();
	test_open_regular();
	test_update_at();
	return tap_done();
}
