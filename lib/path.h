/*
 * path.h - is a path a user gave inside a root folder?
 *
 * A config names its data file relative to the data root (data.path under
 * --data-root), and neither ".." nor a symbolic link may lead it out. The
 * check is made with these functions alone: the schema looks at the text
 * (path_is_below; it knows no root, so it says "must be a relative path
 * inside the data root"), and the spool when it claims a config and the
 * trainer when it opens the file also resolve links (path_inside, whose
 * messages name the root: the same words in both).
 */
#ifndef SPOOLBOARD_PATH_H
#define SPOOLBOARD_PATH_H

struct strbuf;

/*
 * Does rel, by its text alone, name something below a root folder?
 * Relative, no ".." component that climbs above the start, and naming
 * something below the root rather than the root itself: "a/../b.csv" is
 * fine; NULL, "", "/x", "../x", "a/../../x", ".", "a/.." are refused.
 * Symbolic links are path_inside's to check. 1 yes, 0 no.
 */
int path_is_below(const char *rel);

/*
 * Is root/rel inside root? First by its text (path_is_below), then after
 * resolving symbolic links with realpath(3), so that a link inside root
 * cannot lead out of it. For messages, field names the setting rel comes
 * from ("data.path") and root_name what the user calls root ("data
 * root"). Returns
 *	1   inside; when real is not NULL, *real is the resolved path of
 *	    root/rel (the caller frees it);
 *	0   outside: one line, without '\n', is appended to why, naming
 *	    field, rel, root and what would be accepted, e.g.
 *	    "data.path: '../x.csv' leads outside the data root 'd' (through
 *	    '..'); give a path that stays below it";
 *	-1  inside by its text, but root or root/rel cannot be resolved (a
 *	    missing file): the reason is appended to why, as for 0.
 * *real is NULL unless 1 is returned. Nothing is printed.
 */
int path_inside(const char *root_name, const char *root, const char *field,
		const char *rel, char **real, struct strbuf *why);

/*
 * Open root/rel for reading, once, so that what is opened is inside root
 * whatever is renamed meanwhile: openat2(2) beneath a descriptor of root
 * (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: a symbolic link is followed
 * only while it stays below root). Without openat2 (Linux < 5.6) each
 * component is opened with O_NOFOLLOW, so that no link is followed at
 * all. Opened O_RDONLY | O_NONBLOCK | O_CLOEXEC; the caller checks what
 * it is (fstat) and closes it. Returns the descriptor, or -1 with one
 * line appended to why, in path_inside's words.
 */
int path_open_inside(const char *root_name, const char *root,
		     const char *field, const char *rel, struct strbuf *why);

/*
 * Open rel below the directory open as dirfd one component at a time,
 * never following a symbolic link (O_NOFOLLOW on each: a link anywhere on
 * the way fails with ELOOP or ENOTDIR, a ".." with EXDEV), O_RDONLY | O_NONBLOCK |
 * O_CLOEXEC. For a writer in a folder others may change (the site): what
 * it opens is below dirfd whatever is renamed meanwhile. The descriptor,
 * or -1 with errno set. Also path_open_inside's way where the kernel lacks
 * openat2.
 */
int path_open_nofollow(int dirfd, const char *rel);

#endif
