/*
 * mirror.c - copy a site to a mirror with rsync, sending what changed.
 *
 * A plain `rsync -a www/ dest/` sends an entry of its file list for
 * every file of the site, changed or not: about 26 bytes each, 3.8 MB
 * for a site of 10,000 jobs, to carry a few KB of new pages after an
 * epoch. So the site keeps, per destination, a record of what it held
 * when it was last copied there: each path with its type, inode, size
 * and mtime. A mirror walks the site (stat calls only, nothing is
 * read), compares, and hands rsync only the paths that differ or are
 * gone (--files-from, --delete-missing-args). The first mirror to a
 * destination, one whose record cannot be taken, and one into a
 * destination that lost its SITE_MARKER (wiped, replaced) are full
 * passes (rsync -a --delete).
 *
 * What could make the mirror differ from the site, and what stops it:
 * - a file changed during a mirror: the walk is done before rsync
 *   starts, and a path changed since just before the walk is recorded
 *   as unknown (zero stat), so the next mirror sends it again;
 * - a failed rsync: before it runs, the record is rewritten with every
 *   path it was handed marked unknown (a full pass removes the record),
 *   so the next mirror sends or deletes them again, whatever happened
 *   to them meanwhile;
 * - a render rewriting a page at the same size within the second: the
 *   paths handed over are sent whatever their mtime (--ignore-times);
 * - ctime is not compared: a hard link made to a file of the site (cp
 *   -al, a backup) changes it, and would have every file sent again;
 *   a render replaces files (a new inode) and a job's files grow;
 * - a file that became a link or FIFO (never copied): a full pass, which
 *   deletes what the site's links and specials stand in place of
 *   (--delete-excluded).
 *
 * rsync runs in the site's folder as opened once (its source is "./"),
 * and every folder of the site must be the user's own and writable by
 * no other user, so no folder can be swapped for a link between the walk
 * and rsync's reading of it. Options given for rsync are taken from a
 * list of those that neither skip files nor follow links.
 *
 * Paths are ordered with '/' before every other byte, so a folder's
 * contents follow it at once: a folder gone is one deletion, not one per
 * file in it.
 */
#include "render/mirror.h"
#include "render/site.h"
#include "render/stamp.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define RECORD_HEAD "spoolboard mirror record 3"
#define RECORD_MAX ((size_t)1 << 30)	/* bytes of a record read */
#define WALK_MAX_FILES 4000000		/* entries of a site walked */
#define WALK_MAX_DEPTH 64
#define PATH_MAX_LEN 4096
#define LISTING_MAX (16 << 20)		/* bytes of a listing of dest */
#define RACY_NS 100000000LL		/* see unknown_racy */

/* One path of the site (or of a record) and what stat said of it. */
struct ent {
	const char *path;	/* below the site, no leading '/' */
	char type;		/* 'd' folder, 'f' regular file, 'x' other
				   (a link, a FIFO: never copied) */
	uint64_t ino, size;
	int64_t mtime;		/* nanoseconds; 0: unknown */
};

struct ents {
	struct ent *v;
	size_t n, cap;
	struct strbuf names;	/* the walk's paths, NUL-separated */
	const char *root;	/* the site's path, for messages */
	int too_deep, too_long;
};

/* Compare paths with '/' below every other byte (see the top). */
static int
cmp_path(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = *a == '/' ? 1 : *a ? (unsigned char)*a + 1 : 0;
		int cb = *b == '/' ? 1 : *b ? (unsigned char)*b + 1 : 0;

		if (ca != cb || !ca)
			return ca - cb;
	}
}

static int
cmp_ent(const void *a, const void *b)
{
	return cmp_path(((const struct ent *)a)->path,
			((const struct ent *)b)->path);
}

static struct ent *
ents_add(struct ents *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	return &l->v[l->n++];
}

static void
ents_release(struct ents *l)
{
	free(l->v);
	sb_release(&l->names);
	memset(l, 0, sizeof(*l));
}

/* Is name, at the top of the site, left out of every mirror? */
static int
left_out(const char *name)
{
	/* the records, and a render's cache (rewritten by each full render,
	   of no use to a reader) */
	return strcmp(name, MIRROR_DIR) == 0 || strcmp(name, SITE_CACHE) == 0;
}

/*
 * May rsync read the folder st describes without it being swapped for
 * a link meanwhile? Only when no other user may write it: ours, not
 * writable by others, writable by its group only when that group is our
 * own.
 */
static int
folder_safe(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & S_IWOTH) &&
	       (!(st->st_mode & S_IWGRP) || st->st_gid == getegid());
}

static int
folder_unsafe(const char *root, const char *path)
{
	return error("'%s/%s' is a folder another user owns or may write: "
		     "it could be swapped for a link while rsync reads it, "
		     "so nothing is mirrored (make it the site's user's, "
		     "writable by that user only)", root, path);
}

/*
 * Add what the folder fd (path prefix, "" or ending in '/') holds to l,
 * its folders' contents too; nothing is followed. Offsets into
 * l->names stand in for the paths until the walk ends (it moves). 0 or
 * -1 after error().
 */
static int
walk(int fd, const char *prefix, int depth, struct ents *l)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return error("cannot read '%s/%s': %s", l->root, prefix,
			     strerror(errno));
	}
	while (rc == 0 && (e = readdir(d))) {
		size_t at = l->names.len;
		struct stat st;
		struct ent *x;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (!*prefix && left_out(e->d_name)))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)	/* else gone meanwhile */
				rc = error("cannot stat '%s/%s%s': %s",
					   l->root, prefix, e->d_name,
					   strerror(errno));
			continue;
		}
		if (strlen(prefix) + strlen(e->d_name) >= PATH_MAX_LEN) {
			l->too_long = 1;	/* nor could rsync name it */
			continue;
		}
		if (l->n == WALK_MAX_FILES) {
			rc = error("'%s' has more than %d files: too many to "
				   "mirror", l->root, WALK_MAX_FILES);
			break;
		}
		sb_adds(&l->names, prefix);
		sb_adds(&l->names, e->d_name);
		sb_addc(&l->names, '\0');
		x = ents_add(l);
		x->path = (const char *)(uintptr_t)at;
		x->type = S_ISDIR(st.st_mode) ? 'd' :
			  S_ISREG(st.st_mode) ? 'f' : 'x';
		x->ino = st.st_ino;
		x->size = x->type == 'f' ? (uint64_t)st.st_size : 0;
		x->mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 +
			   st.st_mtim.tv_nsec;
		if (x->type != 'd')
			continue;
		if (!folder_safe(&st)) {
			char *p = xasprintf("%s%s", prefix, e->d_name);

			rc = folder_unsafe(l->root, p);
			free(p);
		} else if (depth >= WALK_MAX_DEPTH) {
			l->too_deep = 1;
		} else {
			char *sub = xasprintf("%s%s/", prefix, e->d_name);
			int sfd = openat(dirfd(d), e->d_name, O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sfd >= 0) {
				rc = walk(sfd, sub, depth + 1, l);
				close(sfd);
			} else if (errno != ENOENT) {
				rc = error("cannot open '%s/%s': %s", l->root,
					   sub, strerror(errno));
			}
			free(sub);
		}
	}
	closedir(d);
	return rc;
}

/*
 * The site www, open as fd, walked into l: sorted, its paths set, each
 * once (a listing made while a render renames may give a name twice).
 * 0 or -1 after error().
 */
static int
walk_site(const char *www, int fd, struct ents *l)
{
	size_t k = 0;
	int rc;

	l->root = www;
	rc = walk(fd, "", 0, l);
	for (size_t i = 0; i < l->n; i++)
		l->v[i].path = sb_str(&l->names) + (uintptr_t)l->v[i].path;
	qsort(l->v, l->n, sizeof(*l->v), cmp_ent);
	for (size_t i = 0; i < l->n; i++)
		if (!k || strcmp(l->v[k - 1].path, l->v[i].path) != 0)
			l->v[k++] = l->v[i];
	l->n = k;
	if (l->too_deep)
		warning("'%s' has folders more than %d deep: what is below "
			"them is not mirrored", www, WALK_MAX_DEPTH);
	if (l->too_long)
		warning("'%s' has paths of %d bytes or more: not mirrored",
			www, PATH_MAX_LEN);
	return rc;
}

/* Could path be a path of the walk: names, no '.' or '..', no '//'? */
static int
record_path_ok(const char *path)
{
	const char *p = path;

	if (!*p || strlen(p) >= PATH_MAX_LEN)
		return 0;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

/* One record "T INO SIZE MTIME PATH" (hex numbers) into x. */
static int
parse_ent(char *s, struct ent *x)
{
	char *end;

	if (!strchr("dfx", s[0]) || !s[0] || s[1] != ' ')
		return -1;
	x->type = s[0];
	s += 2;
	x->ino = strtoull(s, &end, 16);
	if (end == s || *end != ' ')
		return -1;
	x->size = strtoull(s = end + 1, &end, 16);
	if (end == s || *end != ' ')
		return -1;
	x->mtime = (int64_t)strtoull(s = end + 1, &end, 16);
	if (end == s || *end != ' ' || !record_path_ok(end + 1))
		return -1;
	x->path = end + 1;
	return 0;
}

/*
 * The record buf (len bytes, made by record_make) of the destination
 * key into l, whose paths point into buf. 0, or -1 with why set when it
 * is not one.
 */
static int
record_parse(char *buf, size_t len, const char *key, struct ents *l,
	     const char **why)
{
	char *p = buf, *end = buf + len;
	size_t hl = strlen(RECORD_HEAD) + 1;

	*why = "not a record of this version";
	if (len < hl || memcmp(buf, RECORD_HEAD, hl) != 0 || buf[len - 1])
		return -1;
	p += hl;
	if (p == end || strcmp(p, key) != 0) {
		*why = "the record of another destination";
		return -1;
	}
	p += strlen(p) + 1;
	*why = "a broken entry";
	for (; p < end; p += strlen(p) + 1) {
		struct ent x;

		if (parse_ent(p, &x) < 0)
			return -1;
		if (l->n && cmp_path(l->v[l->n - 1].path, x.path) >= 0)
			return -1;	/* not in order, or twice */
		*ents_add(l) = x;
	}
	return 0;
}

/* The record of the n entries v (sorted) for key, into sb. */
static void
record_make(struct strbuf *sb, const char *key, const struct ent *v,
	    size_t n)
{
	sb_reset(sb);
	sb_add(sb, RECORD_HEAD, strlen(RECORD_HEAD) + 1);
	sb_add(sb, key, strlen(key) + 1);
	for (size_t i = 0; i < n; i++) {
		sb_addf(sb, "%c %" PRIx64 " %" PRIx64 " %" PRIx64 " %s",
			v[i].type, v[i].ino, v[i].size, (uint64_t)v[i].mtime,
			v[i].path);
		sb_addc(sb, '\0');
	}
}

static int
same_ent(const struct ent *a, const struct ent *b)
{
	return a->type == b->type && a->ino == b->ino && a->size == b->size &&
	       a->mtime == b->mtime &&
	       a->mtime;	/* unknown is never the same */
}

/* x with its stat unknown: it differs from anything next time. */
static struct ent
unknown(const struct ent *x)
{
	struct ent u = { .path = x->path, .type = x->type };

	return u;
}

/* Is path below the folder dir (a path, or NULL)? */
static int
below(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	return dir && strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* What the record and the walk differ in (diff). */
struct delta {
	struct strbuf list;	/* the paths for rsync, NUL-separated */
	size_t n, gone;		/* in list; of them gone from the site */
	struct ents pending;	/* the record while rsync runs */
	int full;		/* a path became a link or FIFO */
};

/*
 * Compare old (the record) with now (the site) into d: the paths of now
 * that old lacks or has otherwise, those of old that now lacks (a
 * folder gone, or now a file, is named, not what was in it), and the
 * record to keep while rsync runs: old, less nothing, with every path
 * handed to rsync unknown. Links and FIFOs are never handed over; a
 * path copied before that became one needs a full pass (d->full).
 */
static void
diff(const struct ents *old, const struct ents *now, struct delta *d)
{
	size_t i = 0, j = 0;
	const char *dead = NULL;

	while (i < old->n || j < now->n) {
		const struct ent *o = i < old->n ? &old->v[i] : NULL;
		const struct ent *w = j < now->n ? &now->v[j] : NULL;
		int c = !o ? 1 : !w ? -1 : cmp_path(o->path, w->path);
		const struct ent *x = c < 0 ? o : w;

		i += c <= 0;
		j += c >= 0;
		if (c < 0 && (x->type == 'x' || below(x->path, dead))) {
			*ents_add(&d->pending) = *x;
			continue;	/* never copied, or gone with dead */
		}
		if (c == 0 && o->type == 'd' && w->type != 'd')
			dead = o->path;	/* its contents went too */
		if (c < 0 && x->type == 'd')
			dead = x->path;
		if (c == 0 && same_ent(o, w)) {
			*ents_add(&d->pending) = *x;
			continue;
		}
		if (x->type == 'x') {
			*ents_add(&d->pending) = *x;
			d->full |= c == 0 && o->type != 'x';
			continue;
		}
		*ents_add(&d->pending) = unknown(x);
		sb_add(&d->list, x->path, strlen(x->path) + 1);
		d->n++;
		d->gone += c < 0;
	}
}

/* ---- rsync and its options ------------------------------------------ */

/* An argument list being built: NUL-separated strings, n of them. */
struct args {
	struct strbuf sb;
	int n;
};

static void
arg(struct args *a, const char *s)
{
	sb_add(&a->sb, s, strlen(s) + 1);
	a->n++;
}

static void
args_cat(struct args *a, const struct args *b)
{
	sb_add(&a->sb, sb_str(&b->sb), b->sb.len);
	a->n += b->n;
}

/*
 * Run rsync with the arguments a, in the folder dir (a descriptor);
 * with out >= 0 its standard output and error go there. rsync's exit
 * status, or -1 after error() when it could not be run or was killed.
 */
static int
run_rsync(const struct args *a, int dir, int out)
{
	char **argv = xcalloc((size_t)a->n + 2, sizeof(*argv));
	const char *p = sb_str(&a->sb);
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	argv[0] = (char *)"rsync";
	for (int i = 0; i < a->n; i++, p += strlen(p) + 1)
		argv[i + 1] = (char *)p;
	fflush(stdout);
	rc = posix_spawn_file_actions_init(&fa);
	if (rc == 0)
		rc = posix_spawn_file_actions_addfchdir_np(&fa, dir);
	if (rc == 0 && out >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (rc == 0 && out >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out, 2);
	if (rc == 0)
		rc = posix_spawnp(&pid, "rsync", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	if (rc != 0)
		return error("cannot run rsync: %s", rc == ENOENT ?
			     "it is not installed (Debian: apt-get install "
			     "rsync)" : strerror(rc));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return error("cannot wait for rsync: %s",
				     strerror(errno));
	if (WIFSIGNALED(st))
		return error("rsync was killed by signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

/*
 * The rsync options a mirror takes: none that skips a file, follows a
 * link or copies nothing, or the record would not say what dest holds.
 * value: it takes one (--name=V, or the next argument); reach: it is
 * needed to reach dest, so the listings of dest get it too.
 */
static const struct {
	const char *name;
	char value, reach;
} long_opts[] = {
	{ "compress", 0, 0 }, { "compress-level", 1, 0 },
	{ "compress-choice", 1, 0 }, { "stats", 0, 0 }, { "verbose", 0, 0 },
	{ "quiet", 0, 0 }, { "human-readable", 0, 0 }, { "progress", 0, 0 },
	{ "info", 1, 0 }, { "itemize-changes", 0, 0 }, { "out-format", 1, 0 },
	{ "log-file", 1, 0 }, { "bwlimit", 1, 0 }, { "no-whole-file", 0, 0 },
	{ "whole-file", 0, 0 }, { "checksum", 0, 0 }, { "partial", 0, 0 },
	{ "delay-updates", 0, 0 }, { "chmod", 1, 0 },
	{ "rsh", 1, 1 }, { "rsync-path", 1, 1 }, { "timeout", 1, 1 },
	{ "contimeout", 1, 1 }, { "port", 1, 1 }, { "ipv4", 0, 1 },
	{ "ipv6", 0, 1 }, { "protect-args", 0, 1 }, { "secluded-args", 0, 1 },
	{ "blocking-io", 0, 1 }, { "password-file", 1, 1 },
	{ "sockopts", 1, 1 }, { "address", 1, 1 }, { "no-motd", 0, 1 },
	{ "iconv", 1, 1 },
};
#define SHORT_OPTS "zvqhPiWc"	/* as the long ones above, no value */
#define SHORT_REACH "46s"	/* the same, needed to reach dest */

/*
 * Check the n options opt given for rsync (see long_opts); those that
 * reach dest are added to reach too. 0, or -1 after error().
 */
static int
options_take(char *const *opt, int n, struct args *reach)
{
	for (int i = 0; i < n; i++) {
		const char *o = opt[i], *eq;
		size_t k, len;

		if (o[0] == '-' && o[1] == '-') {
			eq = strchr(o, '=');
			len = eq ? (size_t)(eq - o - 2) : strlen(o + 2);
			for (k = 0; k < sizeof(long_opts) / sizeof(*long_opts);
			     k++)
				if (strlen(long_opts[k].name) == len &&
				    !strncmp(long_opts[k].name, o + 2, len))
					break;
			if (k == sizeof(long_opts) / sizeof(*long_opts) ||
			    (eq && !long_opts[k].value))
				goto refused;
			if (long_opts[k].value && !eq && i + 1 == n)
				return error("mirror: rsync's '%s' needs a "
					     "value", o);
			if (long_opts[k].reach)
				arg(reach, o);
			if (long_opts[k].value && !eq) {
				if (long_opts[k].reach)
					arg(reach, opt[i + 1]);
				i++;
			}
			continue;
		}
		if (o[0] != '-' || !o[1])
			return error("mirror: '%s' is not an rsync option (an "
				     "-e command goes in one argument: -e "
				     "'ssh -p 2222')", o);
		for (const char *p = o + 1; *p; p++) {
			if (*p == 'e') {	/* -eCMD, or -e CMD */
				if (!p[1] && i + 1 == n)
					return error("mirror: rsync's -e needs "
						     "a command");
				arg(reach, "-e");
				arg(reach, p[1] ? p + 1 : opt[++i]);
				break;
			}
			if (strchr(SHORT_REACH, *p)) {
				char s[3] = { '-', *p, '\0' };

				arg(reach, s);
			} else if (!strchr(SHORT_OPTS, *p)) {
				goto refused;
			}
		}
		continue;
refused:
		return error("mirror: rsync's '%s' is not taken: the record "
			     "of what the mirror holds must stay true, so only "
			     "options that neither skip a file, follow a link "
			     "nor copy nothing are (-z, -v, -q, -h, -P, -i, -W, "
			     "-c, -4, -6, -s, -e CMD, --stats, --bwlimit, "
			     "--timeout, --port, --rsync-path, ...; "
			     "docs/dashboard.md)", o);
	}
	return 0;
}

/* ---- the site, its records, the destination -------------------------- */

/* A site, its record of a destination, the lock held while mirroring. */
struct mirror {
	const char *www, *dest;	/* as given */
	char *to;		/* dest as rsync takes it: a folder */
	char *key;		/* dest, the same whatever its spelling */
	int fd;			/* the site */
	int rfd;		/* www/MIRROR_DIR */
	int lock;		/* its NAME.lock, flock'ed */
	char name[17];		/* the record's name: key hashed */
	char *shown;		/* www/MIRROR_DIR/NAME, for messages */
	struct args reach;	/* options that reach dest */
};

/* Is dest a folder here, not host:path or rsync://? (rsync's rule) */
static int
dest_local(const char *dest)
{
	const char *colon = strchr(dest, ':'), *slash = strchr(dest, '/');

	return !colon || (slash && slash < colon);
}

/*
 * The key of a destination: a local folder's absolute path (the folder
 * above it resolved), so dst, ./dst and dst/ share a record and dst from
 * another working folder does not; dest less its trailing '/' else.
 */
static char *
dest_key(const char *dest)
{
	char *d = xstrdup(dest), *copy, *key = NULL, real[PATH_MAX];
	size_t n = strlen(d);

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	if (!dest_local(d))
		return d;
	copy = xstrdup(d);
	if (realpath(dirname(copy), real))
		key = xasprintf("%s/%s", strcmp(real, "/") ? real : "",
				basename(d));
	free(copy);
	if (!key)
		return d;
	free(d);
	return key;
}

/*
 * dest as rsync, run in the site's folder, takes it: a folder here by
 * its absolute path, and every folder ending in '/' (host: is the home
 * folder there, as it is).
 */
static char *
dest_folder(const char *dest)
{
	size_t n = strlen(dest);
	const char *end = dest[n - 1] == '/' || dest[n - 1] == ':' ? "" : "/";
	char cwd[PATH_MAX];

	if (dest_local(dest) && dest[0] != '/' && getcwd(cwd, sizeof(cwd)))
		return xasprintf("%s/%s%s", cwd, dest, end);
	return xasprintf("%s%s", dest, end);
}

/*
 * The listing of path (on dest's side) by rsync --list-only: 0 with
 * *text (the caller frees it), rsync's exit status (> 0) with *text its
 * messages, or -1 after error().
 */
static int
list_dest(struct mirror *m, const char *path, char **text)
{
	struct args a = { 0 };
	char *out = xasprintf("%s.out", m->name);
	int fd, st = -1;
	size_t len;

	*text = NULL;
	/* made anew: nothing planted there (a FIFO) is written into */
	unlinkat(m->rfd, out, 0);
	fd = openat(m->rfd, out, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		error("cannot create '%s.out': %s", m->shown, strerror(errno));
		goto out;
	}
	args_cat(&a, &m->reach);
	arg(&a, "--list-only");
	arg(&a, path);
	st = run_rsync(&a, m->fd, fd);
	if (st >= 0 && lseek(fd, 0, SEEK_SET) == 0)
		*text = file_read_fd(fd, out, &len, LISTING_MAX);
	if (st >= 0 && !*text)
		st = error("cannot read what rsync listed of '%s'", m->dest);
out:
	if (fd >= 0) {
		close(fd);
		unlinkat(m->rfd, out, 0);
	}
	free(out);
	sb_release(&a.sb);
	return st;
}

/*
 * The name of a line of rsync --list-only ("MODE SIZE DATE TIME NAME",
 * the size padded), or NULL when it is not an entry; *mode its first
 * byte.
 */
static const char *
entry_name(const char *line, char *mode)
{
	const char *p = line;

	if (strspn(line, "-bcdlpsrwxStT") != 10 || line[10] != ' ')
		return NULL;
	*mode = line[0];
	for (int f = 0; f < 4; f++) {	/* mode, size, date, time */
		p += strspn(p, " ");
		p += strcspn(p, " ");
		if (!*p)
			return NULL;
	}
	return p + 1;
}

/*
 * May a full pass (which deletes what the site lacks) go into dest? Yes
 * when rsync lists it as empty, as holding SITE_MARKER (a mirror of a
 * site), or says it does not exist (the copy makes it). 0, or -1 after
 * error().
 */
static int
dest_check(struct mirror *m)
{
	char *text, *line, *save, mode;
	int st = list_dest(m, m->to, &text), names = 0, ours = 0, rc = 0;

	if (st > 0 && strstr(text, "No such file or directory")) {
		free(text);
		return 0;
	}
	if (st != 0) {
		if (st > 0)
			rc = error("cannot list '%s' to check it is a mirror "
				   "before a full pass deletes there what the "
				   "site lacks (rsync exited with status %d: "
				   "%.*s): nothing copied", m->dest, st,
				   (int)strcspn(text, "\n"), text);
		free(text);
		return rc < 0 ? rc : -1;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *name = entry_name(line, &mode);

		if (!name || !strcmp(name, "."))
			continue;
		names++;
		ours |= mode == '-' && !strcmp(name, SITE_MARKER);
	}
	if (names && !ours)
		rc = error("refusing to mirror into '%s': it is not empty and "
			   "not a mirror of a site (no " SITE_MARKER "), and a "
			   "full pass deletes there what the site lacks; name "
			   "a new or empty folder", m->dest);
	free(text);
	return rc;
}

/*
 * Does dest still hold SITE_MARKER (is it the copy its record
 * describes, not wiped or replaced)? 1 yes, 0 no, -1 after error().
 */
static int
dest_marked(struct mirror *m)
{
	char *path = xasprintf("%s" SITE_MARKER, m->to), *text, mode;
	int st = list_dest(m, path, &text), yes = 0;
	const char *name;

	free(path);
	if (st == 0) {
		name = entry_name(text, &mode);
		yes = name && mode == '-' &&
		      !strncmp(name, SITE_MARKER, strlen(SITE_MARKER)) &&
		      strchr("\n", name[strlen(SITE_MARKER)]);
	} else if (st > 0 && !strstr(text, "No such file or directory")) {
		st = error("cannot list '%s' (rsync exited with status %d: "
			   "%.*s): nothing copied", m->dest, st,
			   (int)strcspn(text, "\n"), text);
	}
	free(text);
	return st < 0 ? -1 : yes;
}

/*
 * Open the site, make its MIRROR_DIR, lock dest's record. 0 or -1 after
 * error().
 */
static int
mirror_open(struct mirror *m)
{
	char *dir = path_join(m->www, MIRROR_DIR), *lock;
	struct stat st;
	int rc = 0;

	m->key = dest_key(m->dest);
	m->to = dest_folder(m->dest);
	snprintf(m->name, sizeof(m->name), "%016" PRIx64,
		 stamp_hash(STAMP_START, m->key, strlen(m->key)));
	m->shown = xasprintf("%s/%s", dir, m->name);
	m->fd = open(m->www, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->fd < 0) {
		rc = error("cannot open the site '%s': %s", m->www,
			   strerror(errno));
	} else if (fstatat(m->fd, SITE_MARKER, &st, AT_SYMLINK_NOFOLLOW) < 0
		   || !S_ISREG(st.st_mode)) {
		rc = error("'%s' is not a site spoolboard render made (no "
			   SITE_MARKER "): nothing mirrored", m->www);
	} else if (fstat(m->fd, &st) < 0 || !folder_safe(&st)) {
		rc = folder_unsafe(m->www, ".");
	} else if (mkdirat(m->fd, MIRROR_DIR, 0755) < 0 && errno != EEXIST) {
		rc = error("cannot create '%s': %s", dir, strerror(errno));
	} else if ((m->rfd = openat(m->fd, MIRROR_DIR, O_RDONLY |
				    O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC)) < 0) {
		rc = error("cannot open '%s': %s", dir, errno == ELOOP ||
			   errno == ENOTDIR ? "not a folder" :
			   strerror(errno));
	} else if (fstat(m->rfd, &st) < 0 || !folder_safe(&st)) {
		rc = folder_unsafe(m->www, MIRROR_DIR);
	}
	if (rc == 0) {
		lock = xasprintf("%s.lock", m->name);
		m->lock = openat(m->rfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW |
				 O_NONBLOCK | O_CLOEXEC, 0644);
		free(lock);
		if (m->lock < 0)
			rc = error("cannot open '%s.lock': %s", m->shown,
				   strerror(errno));
		else if (flock(m->lock, LOCK_EX | LOCK_NB) < 0)
			rc = error("another mirror to '%s' is running (it "
				   "holds '%s.lock'): try again when it is "
				   "done", m->dest, m->shown);
	}
	free(dir);
	return rc;
}

static void
mirror_close(struct mirror *m)
{
	if (m->lock >= 0)
		close(m->lock);
	if (m->rfd >= 0)
		close(m->rfd);
	if (m->fd >= 0)
		close(m->fd);
	free(m->shown);
	free(m->key);
	free(m->to);
	sb_release(&m->reach.sb);
}

/*
 * dest's record of m into old (its paths in *buf, freed by the caller).
 * 0, or -1 when there is none to take (a full pass is due; a record
 * that is there but cannot be taken is warned about).
 */
static int
record_load(struct mirror *m, struct ents *old, char **buf)
{
	int fd = openat(m->rfd, m->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC), q;
	const char *why = NULL;
	struct stat st;
	size_t len;

	*buf = NULL;
	if (fd < 0) {
		if (errno != ENOENT)
			warning("cannot open '%s': %s: a full pass", m->shown,
				strerror(errno));
		return -1;
	}
	q = error_set_quiet(1);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (!file_is_private(&st))	/* it says what dest holds */
		why = "another user owns it or may write it";
	else if (!(*buf = file_read_fd(fd, m->shown, &len, RECORD_MAX)))
		why = error_last();
	error_set_quiet(q);
	close(fd);
	if (!why && record_parse(*buf, len, m->key, old, &why) == 0)
		return 0;
	warning("'%s' is not taken (%s): a full pass", m->shown, why);
	old->n = 0;
	return -1;
}

/*
 * Write the n entries v as dest's record (sb its buffer); one there
 * that is not taken is replaced, even by the same bytes. 0 or -1.
 */
static int
record_save(struct mirror *m, struct strbuf *sb, const struct ent *v,
	    size_t n)
{
	struct stat st;

	if (fstatat(m->rfd, m->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !file_is_private(&st) && file_remove_at(m->rfd, m->name,
						m->shown) < 0)
		return -1;
	record_make(sb, m->key, v, n);
	return file_update_at(m->rfd, m->name, m->shown, sb_str(sb),
			      sb->len) < 0 ? -1 : 0;
}

/*
 * Write data (n bytes) to the file m->name.suffix in MIRROR_DIR for
 * rsync to read; its path from the site's folder, or NULL after error().
 */
static char *
list_file(struct mirror *m, const char *suffix, const void *data, size_t n)
{
	char *name = xasprintf("%s.%s", m->name, suffix);
	char *shown = xasprintf("%s.%s", m->shown, suffix), *rel = NULL;

	if (file_update_at(m->rfd, name, shown, data, n) >= 0)
		rel = xasprintf(MIRROR_DIR "/%s", name);
	free(name);
	free(shown);
	return rel;
}

/* Add pattern to an rsync filter file: path matched as it is. */
static void
exclude_add(struct strbuf *sb, const char *path)
{
	/* a backslash escapes a wildcard only in a pattern with one */
	int wild = strpbrk(path, "*?[") != NULL;

	sb_addc(sb, '/');
	for (const char *p = path; *p; p++) {
		if (wild && strchr("*?[\\", *p))
			sb_addc(sb, '\\');
		sb_addc(sb, *p);
	}
	sb_addc(sb, '\0');
}

/*
 * The options of a full pass: delete what the site lacks, and what
 * stands where its links and FIFOs (the 'x' entries of now) are.
 */
static int
full_options(struct mirror *m, const struct ents *now, struct args *a)
{
	struct strbuf ex = { 0 };
	char *rel, *opt;

	exclude_add(&ex, MIRROR_DIR);
	exclude_add(&ex, SITE_CACHE);
	for (size_t i = 0; i < now->n; i++)
		if (now->v[i].type == 'x')
			exclude_add(&ex, now->v[i].path);
	rel = list_file(m, "exclude", sb_str(&ex), ex.len);
	sb_release(&ex);
	if (!rel)
		return -1;
	opt = xasprintf("--exclude-from=%s", rel);
	arg(a, "--from0");	/* before: the file is read as it comes */
	arg(a, opt);
	arg(a, "--delete");
	arg(a, "--delete-excluded");
	arg(a, "--force");
	free(opt);
	free(rel);
	return 0;
}

/* The options of a pass of the paths in d->list. */
static int
list_options(struct mirror *m, const struct delta *d, struct args *a)
{
	char *rel = list_file(m, "files", sb_str(&d->list), d->list.len);
	char *opt;

	if (!rel)
		return -1;
	opt = xasprintf("--files-from=%s", rel);
	arg(a, "--from0");
	arg(a, opt);
	arg(a, "--delete-missing-args");
	arg(a, "--force");
	/* each is known to have changed: rsync's quick check (size and
	   mtime, to the second) could miss a page rewritten within the
	   second at the same size */
	arg(a, "--ignore-times");
	free(opt);
	free(rel);
	return 0;
}

/*
 * Make unknown the walk's entries changed since RACY_NS before start
 * (when the walk began). One written in place, at the same size, after
 * its stat but within the same tick of the filesystem's clock (coarse:
 * a few ms) would otherwise look unchanged next time; its mtime is
 * then at least start less a tick.
 */
static void
unknown_racy(struct ents *now, int64_t start)
{
	for (size_t i = 0; i < now->n; i++)
		if (now->v[i].mtime >= start - RACY_NS)
			now->v[i] = unknown(&now->v[i]);
}

int
mirror_run(const char *www, const char *dest, int full, char *const *extra,
	   int nextra)
{
	struct mirror m = { .www = www, .dest = dest, .fd = -1, .rfd = -1,
			    .lock = -1 };
	struct ents now = { 0 }, old = { 0 };
	struct delta d = { 0 };
	struct args a = { 0 };
	struct strbuf rec = { 0 };
	char *buf = NULL;
	int64_t start = (int64_t)time_now_us() * 1000;
	int rc = -1, st, marked;

	if (!*dest || *dest == '-') {
		error("mirror: '%s' is no destination%s", dest, *dest ?
		      " (a name that starts with '-' is taken for an "
		      "option: write ./NAME)" : "");
		return -1;
	}
	if (options_take(extra, nextra, &m.reach) < 0 ||
	    mirror_open(&m) < 0 || walk_site(www, m.fd, &now) < 0)
		goto out;
	if (!full && record_load(&m, &old, &buf) < 0)
		full = 1;
	if (!full) {
		diff(&old, &now, &d);
		if (d.full)
			printf("mirror: a path copied before is now a link or "
			       "FIFO, which is never copied: a full pass\n");
		full = d.full;
	}
	if (!full && d.n) {
		marked = dest_marked(&m);
		if (marked < 0)
			goto out;
		if (!marked)
			printf("mirror: '%s' has no " SITE_MARKER " (wiped or "
			       "replaced?): a full pass\n", dest);
		full = !marked;
	}
	for (int i = 0; i < nextra; i++)
		arg(&a, extra[i]);
	/* what the walk takes: folders and regular files */
	arg(&a, "-a");
	arg(&a, "--no-links");
	arg(&a, "--no-devices");
	arg(&a, "--no-specials");
	if (full) {
		if (dest_check(&m) < 0 || full_options(&m, &now, &a) < 0)
			goto out;
		/* no record while it runs: a failed one is made again */
		if (unlinkat(m.rfd, m.name, 0) < 0 && errno != ENOENT) {
			error("cannot remove '%s': %s", m.shown,
			      strerror(errno));
			goto out;
		}
		printf("mirror: a full pass, %zu paths\n", now.n);
	} else {
		printf("mirror: %zu of %zu paths changed, %zu gone\n",
		       d.n - d.gone, now.n, d.gone);
		if (!d.n) {
			rc = 0;
			goto out;
		}
		if (list_options(&m, &d, &a) < 0 ||
		    record_save(&m, &rec, d.pending.v, d.pending.n) < 0)
			goto out;
	}
	arg(&a, "./");
	arg(&a, m.to);
	st = run_rsync(&a, m.fd, -1);
	/* 24: files vanished while it ran, which the next mirror sees */
	if (st != 0 && st != 24) {
		if (st > 0)
			error("rsync exited with status %d: '%s' may be part "
			      "copied; the next mirror sends these changes "
			      "again", st, dest);
		goto out;
	}
	unknown_racy(&now, start);
	rc = record_save(&m, &rec, now.v, now.n);
out:
	if (m.rfd >= 0) {
		char *f = xasprintf("%s.files", m.name);
		char *e = xasprintf("%s.exclude", m.name);

		unlinkat(m.rfd, f, 0);
		unlinkat(m.rfd, e, 0);
		free(f);
		free(e);
	}
	mirror_close(&m);
	ents_release(&now);
	free(old.v);
	free(d.pending.v);
	sb_release(&d.list);
	free(buf);
	sb_release(&a.sb);
	sb_release(&rec);
	return rc;
}
