/*
 * path.c - is a path a user gave inside a root folder; see path.h.
 *
 * The text is looked at first, component by component, keeping the depth
 * below the root: a ".." that takes it under zero climbs out. Then
 * realpath(3) resolves root and root/rel, and the one must be a prefix of
 * the other, ending at a '/'. path_open_inside does not check then open:
 * it opens once, beneath the root's descriptor (openat2 with
 * RESOLVE_BENEATH), so that no name swapped between a check and the open
 * can lead it out.
 */
#include "lib/path.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"

#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

/* What the text of a path says about where it leads. */
enum shape {
	SHAPE_BELOW,		/* something below the root */
	SHAPE_EMPTY,		/* NULL or "" */
	SHAPE_ABSOLUTE,		/* starts with '/' */
	SHAPE_ROOT,		/* the root itself: ".", "a/.." */
	SHAPE_CLIMBS		/* a ".." out of the root */
};

static enum shape
shape_of(const char *rel)
{
	const char *p = rel;
	int depth = 0;

	if (!rel || !*rel)
		return SHAPE_EMPTY;
	if (*rel == '/')
		return SHAPE_ABSOLUTE;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return SHAPE_CLIMBS;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return depth > 0 ? SHAPE_BELOW : SHAPE_ROOT;
}

int
path_is_below(const char *rel)
{
	return shape_of(rel) == SHAPE_BELOW;
}

/* The message for a path whose text leads elsewhere than below root. */
static void
say_shape(struct strbuf *why, enum shape s, const char *root_name,
	  const char *root, const char *field, const char *rel)
{
	switch (s) {
	case SHAPE_EMPTY:
		sb_addf(why, "%s: no path given; give the path of a file "
			"relative to the %s '%s'", field, root_name, root);
		break;
	case SHAPE_ABSOLUTE:
		sb_addf(why, "%s: '%s' is an absolute path; give a path "
			"relative to the %s '%s'", field, rel, root_name,
			root);
		break;
	case SHAPE_ROOT:
		sb_addf(why, "%s: '%s' names the %s '%s' itself; give the "
			"path of a file below it", field, rel, root_name,
			root);
		break;
	case SHAPE_CLIMBS:
		sb_addf(why, "%s: '%s' leads outside the %s '%s' (through "
			"'..'); give a path that stays below it", field, rel,
			root_name, root);
		break;
	case SHAPE_BELOW:
		break;
	}
}

int
path_inside(const char *root_name, const char *root, const char *field,
	    const char *rel, char **real, struct strbuf *why)
{
	enum shape s = shape_of(rel);
	char *rroot, *joined, *rfile;
	size_t n;
	int rc, e;

	if (real)
		*real = NULL;
	if (s != SHAPE_BELOW) {
		say_shape(why, s, root_name, root, field, rel);
		return 0;
	}
	rroot = realpath(root, NULL);
	if (!rroot) {
		sb_addf(why, "cannot use the %s '%s': %s", root_name, root,
			strerror(errno));
		return -1;
	}
	joined = path_join(root, rel);
	rfile = realpath(joined, NULL);
	e = errno;
	free(joined);
	n = strlen(rroot);
	if (!rfile) {
		sb_addf(why, "%s: cannot open '%s' in the %s '%s': %s", field,
			rel, root_name, root, strerror(e));
		rc = -1;
	} else if (strcmp(rroot, "/") == 0 ||
		   (strncmp(rfile, rroot, n) == 0 && rfile[n] == '/')) {
		rc = 1;
	} else if (strcmp(rfile, rroot) == 0) {
		sb_addf(why, "%s: '%s' names the %s '%s' itself (through a "
			"symbolic link); give the path of a file below it",
			field, rel, root_name, root);
		rc = 0;
	} else {
		sb_addf(why, "%s: '%s' leads outside the %s '%s' (through a "
			"symbolic link, to '%s'); give a path that stays "
			"below it", field, rel, root_name, root, rfile);
		rc = 0;
	}
	if (rc == 1 && real)
		*real = rfile;
	else
		free(rfile);
	free(rroot);
	return rc;
}

int
path_open_nofollow(int dirfd, const char *rel)
{
	char *copy = xstrdup(rel), *p = copy, *next;
	int fd = dup(dirfd), nfd;

	while (fd >= 0 && p) {
		while (*p == '/')
			p++;
		next = strchr(p, '/');
		if (next) {
			*next++ = '\0';
			while (*next == '/')
				next++;
			if (!*next)
				next = NULL;
		}
		if (strcmp(p, "..") == 0) {	/* never above dirfd */
			close(fd);
			fd = -1;
			errno = EXDEV;
			break;
		}
		if (next) {
			nfd = openat(fd, p, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
		} else {
			nfd = openat(fd, p, O_RDONLY | O_NOFOLLOW |
				     O_NONBLOCK | O_CLOEXEC);
		}
		close(fd);
		fd = nfd;
		p = next;
	}
	free(copy);
	return fd;
}

int
path_open_inside(const char *root_name, const char *root, const char *field,
		 const char *rel, struct strbuf *why)
{
	enum shape s = shape_of(rel);
	int dirfd, fd, e;

	if (s != SHAPE_BELOW) {
		say_shape(why, s, root_name, root, field, rel);
		return -1;
	}
	dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		sb_addf(why, "cannot use the %s '%s': %s", root_name, root,
			strerror(errno));
		return -1;
	}
#ifdef SYS_openat2
	{
		struct open_how how;

		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd < 0 && (errno == ENOSYS || errno == EPERM))
			fd = path_open_nofollow(dirfd, rel);
	}
#else
	fd = path_open_nofollow(dirfd, rel);
#endif
	e = errno;
	close(dirfd);
	if (fd >= 0)
		return fd;
	if (e == EXDEV || e == ELOOP || e == ENOTDIR) {
		/* the one set of messages: say where it leads, as the check */
		if (path_inside(root_name, root, field, rel, NULL, why) != 1)
			return -1;
		sb_addf(why, "%s: '%s' leads outside the %s '%s' (through a "
			"symbolic link); give a path that stays below it",
			field, rel, root_name, root);
		return -1;
	}
	sb_addf(why, "%s: cannot open '%s' in the %s '%s': %s", field, rel,
		root_name, root, strerror(e));
	return -1;
}
