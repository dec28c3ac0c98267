/*
 * test-path.c - lib/path: the text check of a path below a root
 * (path_is_below) and the full one that resolves links (path_inside),
 * with the exact messages a user sees.
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *root;

static void
test_text(void)
{
	static const struct {
		const char *path;
		int below;
	} cases[] = {
		{ "data/x.csv", 1 }, { "x.csv", 1 }, { "./x.csv", 1 },
		{ "a/../x.csv", 1 }, { "a//b/./c.csv", 1 },
		{ "a/b/../../c.csv", 1 }, { "..x/y.csv", 1 },
		{ "x..csv", 1 }, { "", 0 }, { "/etc/passwd", 0 },
		{ "../x.csv", 0 }, { "a/../../x.csv", 0 }, { "..", 0 },
		{ ".", 0 }, { "a/..", 0 }, { "./", 0 }, { "a/b/../../..", 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ok(path_is_below(cases[i].path) == cases[i].below,
		   "path '%s' is %s", cases[i].path,
		   cases[i].below ? "below" : "refused");
	ok(!path_is_below(NULL), "NULL path refused");
}

/*
 * path_inside(root, rel) returns want and says msg (printf-style, the
 * root filled in for each %s): checked, and the message, and *real.
 */
static void
check(const char *rel, int want, const char *msg, const char *name)
{
	static char unset[] = "unset";
	struct strbuf why = STRBUF_INIT;
	char *real = unset, *expect = NULL;
	int rc = path_inside("data root", root, "data.path", rel, &real, &why);

	ok(rc == want, "%s: returns %d (got %d: %s)", name, want, rc,
	   sb_str(&why));
	if (msg) {
		expect = xasprintf(msg, root, root);
		is_str(sb_str(&why), expect, "%s: the message", name);
	} else {
		is_str(sb_str(&why), "", "%s: no message", name);
	}
	ok(want == 1 ? real && real[0] == '/' : real == NULL,
	   "%s: the real path %s", name, want == 1 ? "given" : "NULL");
	if (want == 1)
		free(real);
	free(expect);
	sb_release(&why);
}

static void
test_inside(void)
{
	char *outside = tf_dir(), *p, *real, *rroot = realpath(root, NULL);
	struct strbuf why = STRBUF_INIT;

	p = path_join(root, "sub");
	mkdir_p(p);
	free(p);
	free(tf_write(root, "sub/in.csv", "x\n"));
	free(tf_write(outside, "secret.csv", "x\n"));

	check("sub/in.csv", 1, NULL, "a file below the root");
	check("./sub/../sub/in.csv", 1, NULL, "'..' that stays inside");
	check("", 0, "data.path: no path given; give the path of a file "
	      "relative to the data root '%s'", "empty");
	check(NULL, 0, "data.path: no path given; give the path of a file "
	      "relative to the data root '%s'", "NULL");
	check("/etc/passwd", 0, "data.path: '/etc/passwd' is an absolute "
	      "path; give a path relative to the data root '%s'", "absolute");
	check("../in.csv", 0, "data.path: '../in.csv' leads outside the data "
	      "root '%s' (through '..'); give a path that stays below it",
	      "'..' out of the root");
	check("sub/../..", 0, "data.path: 'sub/../..' leads outside the data "
	      "root '%s' (through '..'); give a path that stays below it",
	      "'..' out, a folder");
	check("sub/..", 0, "data.path: 'sub/..' names the data root '%s' "
	      "itself; give the path of a file below it", "the root itself");
	check("absent.csv", -1, "data.path: cannot open 'absent.csv' in the "
	      "data root '%s': No such file or directory", "a missing file");

	/* links out of the root, to a file and through a folder */
	p = path_join(outside, "secret.csv");
	real = realpath(p, NULL);
	free(p);
	p = path_join(root, "link.csv");
	ok(symlink(real, p) == 0, "a link out of the root");
	free(p);
	ok(path_inside("data root", root, "data.path", "link.csv", NULL,
		       &why) == 0, "a link out is refused");
	p = xasprintf("data.path: 'link.csv' leads outside the data root "
		      "'%s' (through a symbolic link, to '%s'); give a path "
		      "that stays below it", root, real);
	is_str(sb_str(&why), p, "the message names where it leads");
	free(p);
	sb_reset(&why);
	p = path_join(root, "linkdir");
	ok(symlink(outside, p) == 0, "a link to a folder out of the root");
	free(p);
	ok(path_inside("data root", root, "data.path", "linkdir/secret.csv",
		       NULL, &why) == 0 &&
	   strstr(sb_str(&why), "through a symbolic link") != NULL,
	   "a file under a linked folder out is refused");
	sb_reset(&why);
	p = path_join(root, "self");
	ok(symlink(".", p) == 0, "a link to the root itself");
	free(p);
	check("self", 0, "data.path: 'self' names the data root '%s' itself "
	      "(through a symbolic link); give the path of a file below it",
	      "a link to the root");
	p = path_join(root, "inside.csv");
	ok(symlink("sub/in.csv", p) == 0, "a link inside the root");
	free(p);
	ok(path_inside("data root", root, "data.path", "inside.csv", &p,
		       &why) == 1 && p && strstr(p, "/sub/in.csv") &&
	   strncmp(p, rroot, strlen(rroot)) == 0,
	   "a link that stays inside is fine, *real resolved");
	free(p);

	/* the root itself missing */
	p = path_join(root, "none");
	sb_reset(&why);
	ok(path_inside("data root", p, "data.path", "x.csv", NULL, &why) ==
	   -1, "a missing root cannot be resolved");
	free(real);
	real = xasprintf("cannot use the data root '%s': No such file or "
			 "directory", p);
	is_str(sb_str(&why), real, "the message names the root");
	free(real);
	free(p);

	/* "/" as the root: everything is inside */
	sb_reset(&why);
	ok(path_inside("data root", "/", "data.path", rroot + 1, NULL, &why)
	   == 1, "with the root '/', any existing path is inside");
	sb_release(&why);
	free(rroot);
	tf_cleanup(outside);
}

/*
 * path_open_inside opens once, beneath the root: what the check passes is
 * what is opened, and a link out is refused in path_inside's words.
 */
static void
test_open(void)
{
	struct strbuf why = STRBUF_INIT;
	char *outside = tf_dir(), *p, buf[8];
	int fd;

	p = path_join(root, "open");
	mkdir_p(p);
	free(p);
	free(tf_write(root, "open/in.csv", "in\n"));
	free(tf_write(outside, "secret.csv", "secret\n"));
	p = path_join(root, "open/out.csv");
	ok(symlink(outside, p) == 0, "a link to a folder out of the root");
	free(p);
	p = path_join(root, "open/link.csv");
	ok(symlink("in.csv", p) == 0, "a link that stays inside");
	free(p);

	fd = path_open_inside("data root", root, "data.path", "open/in.csv",
			      &why);
	ok(fd >= 0 && read(fd, buf, 3) == 3 && memcmp(buf, "in\n", 3) == 0,
	   "a file below the root is opened");
	if (fd >= 0)
		close(fd);
	fd = path_open_inside("data root", root, "data.path",
			      "open/link.csv", &why);
	ok(fd >= 0 && read(fd, buf, 3) == 3 && memcmp(buf, "in\n", 3) == 0,
	   "a link that stays inside is followed");
	if (fd >= 0)
		close(fd);
	is_str(sb_str(&why), "", "nothing said when opened");
	fd = path_open_inside("data root", root, "data.path",
			      "open/out.csv/secret.csv", &why);
	ok(fd < 0 && strstr(sb_str(&why), "'open/out.csv/secret.csv' leads "
			    "outside the data root") &&
	   strstr(sb_str(&why), "through a symbolic link"),
	   "a link out of the root is refused, in path_inside's words");
	sb_reset(&why);
	fd = path_open_inside("data root", root, "data.path", "../x.csv",
			      &why);
	ok(fd < 0 && strstr(sb_str(&why), "(through '..')"),
	   "'..' out of the root is refused by its text");
	sb_reset(&why);
	fd = path_open_inside("data root", root, "data.path", "open/no.csv",
			      &why);
	p = xasprintf("data.path: cannot open 'open/no.csv' in the data root "
		      "'%s': No such file or directory", root);
	ok(fd < 0, "a missing file is not opened");
	is_str(sb_str(&why), p, "and the message says so");
	free(p);
	sb_release(&why);
	tf_cleanup(outside);
}

/*
 * path_open_nofollow: below a descriptor, no link anywhere on the way,
 * even one that stays inside, and never "..".
 */
static void
test_nofollow(void)
{
	char *p = path_join(root, "nf/a/b"), *q;
	int dir, fd;

	mkdir_p(p);
	free(p);
	p = path_join(root, "nf/link");
	ok(symlink("a", p) == 0, "a link to a folder beside it");
	free(p);
	q = path_join(root, "nf");
	dir = open(q, O_RDONLY | O_DIRECTORY);
	free(q);
	fd = path_open_nofollow(dir, "a/b");
	ok(fd >= 0, "folders below are opened");
	if (fd >= 0)
		close(fd);
	errno = 0;
	fd = path_open_nofollow(dir, "link/b");
	ok(fd < 0 && (errno == ELOOP || errno == ENOTDIR),
	   "a link on the way is not followed (%s)", strerror(errno));
	errno = 0;
	fd = path_open_nofollow(dir, "link");
	ok(fd < 0 && errno == ELOOP, "nor a link at the end (%s)",
	   strerror(errno));
	errno = 0;
	fd = path_open_nofollow(dir, "a/../../nf");
	ok(fd < 0 && errno == EXDEV, "'..' is refused (%s)",
	   strerror(errno));
	close(dir);
}

int
main(void)
{
	error_set_quiet(1);
	root = tf_dir();
	test_text();
	test_inside();
	test_open();
	test_nofollow();
	tf_cleanup(root);
	return tap_done();
}
