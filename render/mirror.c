/*
 * mirror.c - copy a site to a mirror with rsync, sending what changed.
 *
 * A plain `rsync -a www/ dest/` sends an entry of its file list for
 * every file of the site, changed or not: about 26 bytes each, 3.8 MB
 * for a site of 10,000 jobs, to carry a few KB of new pages after an
 * epoch. So the site keeps, per destination, a record of what it held
 * when it was last copied there: each path with its type, inode, size,
 * mtime and ctime. A mirror walks the site (stat calls only, nothing is
 * read), compares, and hands rsync only the paths that differ or are
 * gone (--files-from, --delete-missing-args). The first mirror to a
 * destination, or one whose record cannot be taken, is a full pass
 * (rsync -a --delete).
 *
 * The walk is done before rsync starts and the record is written only
 * after rsync succeeded, so a file changed during a mirror differs from
 * the record next time and is sent again, and a failed rsync leaves the
 * record as it was: its changes are sent by the next mirror. A render
 * replaces a file by renaming a new one over it (a new inode) and a
 * job's files linked into the site grow (size, mtime), so no change
 * looks like none.
 *
 * Paths are ordered with '/' before every other byte, so a folder's
 * contents follow it at once: a folder gone is one deletion, not one per
 * file in it.
 */
#include "render/mirror.h"
#include "render/site.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#define RECORD_HEAD "spoolboard mirror record 1"
#define RECORD_MAX ((size_t)1 << 30)	/* bytes of a record read */
#define WALK_MAX_FILES 4000000		/* entries of a site walked */
#define WALK_MAX_DEPTH 64
#define PATH_MAX_LEN 4096

/* One path of the site (or of a record) and what stat said of it. */
struct ent {
	const char *path;	/* below the site, no leading '/' */
	char type;		/* 'd' folder, 'f' regular file */
	uint64_t ino, size;
	int64_t mtime, ctime;	/* nanoseconds */
};

struct ents {
	struct ent *v;
	size_t n, cap;
	struct strbuf names;	/* the walk's paths, NUL-separated */
	const char *root;	/* the site's path, for messages */
	int too_deep;
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

/* Is name, at the top of the site, left out of every mirror? */
static int
left_out(const char *name)
{
	/* the record itself, and a render's cache (rewritten by every full
	   render, of no use to a reader) */
	return strcmp(name, MIRROR_DIR) == 0 || strcmp(name, SITE_CACHE) == 0;
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
	int dfd = dup(fd);
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
		struct stat st;
		struct ent *x;
		size_t at = l->names.len;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (!*prefix && left_out(e->d_name)))
			continue;
		/* links and specials are never copied (mirror_run) */
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			continue;
		if (l->n == WALK_MAX_FILES) {
			rc = error("more than %d files in the site: too many "
				   "to mirror", WALK_MAX_FILES);
			break;
		}
		if (strlen(prefix) + strlen(e->d_name) >= PATH_MAX_LEN)
			continue;	/* rsync could not name it either */
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 1024;
			l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		}
		sb_adds(&l->names, prefix);
		sb_adds(&l->names, e->d_name);
		sb_addc(&l->names, '\0');
		x = &l->v[l->n++];
		x->path = (const char *)(uintptr_t)at;
		x->type = S_ISDIR(st.st_mode) ? 'd' : 'f';
		x->ino = st.st_ino;
		x->size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
		x->mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 +
			   st.st_mtim.tv_nsec;
		x->ctime = (int64_t)st.st_ctim.tv_sec * 1000000000 +
			   st.st_ctim.tv_nsec;
		if (S_ISDIR(st.st_mode)) {
			char *sub = xasprintf("%s%s/", prefix, e->d_name);
			int sfd = depth < WALK_MAX_DEPTH ?
				  openat(dirfd(d), e->d_name, O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC) : -1;

			l->too_deep |= depth >= WALK_MAX_DEPTH;
			if (sfd >= 0) {
				rc = walk(sfd, sub, depth + 1, l);
				close(sfd);
			}
			free(sub);
		}
	}
	closedir(d);
	return rc;
}

/*
 * The site www, open as fd, walked: l sorted, its paths set. 0 or -1
 * after error().
 */
static int
walk_site(const char *www, int fd, struct ents *l)
{
	int rc;

	l->root = www;
	rc = walk(fd, "", 0, l);

	for (size_t i = 0; i < l->n; i++)
		l->v[i].path = sb_str(&l->names) + (uintptr_t)l->v[i].path;
	qsort(l->v, l->n, sizeof(*l->v), cmp_ent);
	if (l->too_deep)
		warning("the site has folders more than %d deep: what is "
			"below them is sent by a full pass only",
			WALK_MAX_DEPTH);
	return rc;
}

static void
ents_release(struct ents *l)
{
	free(l->v);
	sb_release(&l->names);
	memset(l, 0, sizeof(*l));
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

/* One record "T INO SIZE MTIME CTIME PATH" (hex numbers) into x. */
static int
parse_ent(char *s, struct ent *x)
{
	char *end;

	if ((s[0] != 'd' && s[0] != 'f') || s[1] != ' ')
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
	if (end == s || *end != ' ')
		return -1;
	x->ctime = (int64_t)strtoull(s = end + 1, &end, 16);
	if (end == s || *end != ' ' || !record_path_ok(end + 1))
		return -1;
	x->path = end + 1;
	return 0;
}

/*
 * The record buf (len bytes, made by record_make) of dest into l, whose
 * paths point into buf. 0, or -1 with why set when it is not one.
 */
static int
record_parse(char *buf, size_t len, const char *dest, struct ents *l,
	     const char **why)
{
	char *p = buf, *end = buf + len;
	size_t hl = strlen(RECORD_HEAD) + 1;

	*why = "not a record of this version";
	if (len < hl || memcmp(buf, RECORD_HEAD, hl) != 0 || buf[len - 1])
		return -1;
	p += hl;
	if (strcmp(p, dest) != 0) {
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
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 1024;
			l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		}
		l->v[l->n++] = x;
	}
	return 0;
}

/* The record of the n entries v (sorted) for dest, into sb. */
static void
record_make(struct strbuf *sb, const char *dest, const struct ent *v,
	    size_t n)
{
	sb_add(sb, RECORD_HEAD, strlen(RECORD_HEAD) + 1);
	sb_add(sb, dest, strlen(dest) + 1);
	for (size_t i = 0; i < n; i++) {
		sb_addf(sb, "%c %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64
			" %s", v[i].type, v[i].ino, v[i].size,
			(uint64_t)v[i].mtime, (uint64_t)v[i].ctime, v[i].path);
		sb_addc(sb, '\0');
	}
}

static int
same_ent(const struct ent *a, const struct ent *b)
{
	return a->type == b->type && a->ino == b->ino && a->size == b->size &&
	       a->mtime == b->mtime && a->ctime == b->ctime;
}

/* Is path below the folder dir (a path, or NULL)? */
static int
below(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	return dir && strncmp(path, dir, n) == 0 && path[n] == '/';
}

/*
 * What rsync is handed: the paths of now (the site) that old (the
 * record) lacks or has otherwise, and those of old that now lacks
 * (*gone of them), NUL-separated, into list. A folder gone (or now a
 * file) is named, not what was in it.
 */
static size_t
diff(const struct ents *old, const struct ents *now, struct strbuf *list,
     size_t *gone)
{
	size_t i = 0, j = 0, n = 0;
	const char *dead = NULL;

	*gone = 0;
	while (i < old->n || j < now->n) {
		const struct ent *o = i < old->n ? &old->v[i] : NULL;
		const struct ent *w = j < now->n ? &now->v[j] : NULL;
		int c = !o ? 1 : !w ? -1 : cmp_path(o->path, w->path);

		if (c < 0) {		/* gone from the site */
			i++;
			if (below(o->path, dead))
				continue;
			if (o->type == 'd')
				dead = o->path;
			sb_add(list, o->path, strlen(o->path) + 1);
			(*gone)++;
			n++;
			continue;
		}
		j++;
		if (c == 0) {
			i++;
			if (o->type == 'd' && w->type != 'd')
				dead = o->path;	/* its contents went too */
			if (same_ent(o, w))
				continue;
		}
		sb_add(list, w->path, strlen(w->path) + 1);
		n++;
	}
	return n;
}

/* FNV-1a of s, naming the record of a destination. */
static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/*
 * Run rsync with args (argv without "rsync" and the NULL: built in sb
 * as NUL-separated strings, n of them); with out >= 0 its standard
 * output and error go there (a file descriptor). rsync's exit status, or
 * -1 after error() when it could not be run.
 */
static int
run_rsync(const struct strbuf *sb, int n, int out)
{
	char **argv = xcalloc((size_t)n + 2, sizeof(*argv));
	const char *p = sb_str(sb);
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	argv[0] = (char *)"rsync";
	for (int i = 0; i < n; i++, p += strlen(p) + 1)
		argv[i + 1] = (char *)p;
	fflush(stdout);
	posix_spawn_file_actions_init(&fa);
	if (out >= 0) {
		posix_spawn_file_actions_adddup2(&fa, out, 1);
		posix_spawn_file_actions_adddup2(&fa, out, 2);
	}
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

/* Add s, one argument, to args (*n counts them). */
static void
arg(struct strbuf *args, int *n, const char *s)
{
	sb_add(args, s, strlen(s) + 1);
	(*n)++;
}

static void
args_extra(struct strbuf *args, int *n, char *const *extra, int nextra)
{
	for (int i = 0; i < nextra; i++)
		arg(args, n, extra[i]);
}

/*
 * May a full pass (which deletes what the site lacks) go into dest? Yes
 * when rsync lists it as empty, as holding SITE_MARKER (a mirror of a
 * site), or cannot list it (it is made by the copy, or that fails). 0,
 * or -1 after error().
 */
static int
dest_check(const char *dest, char *const *extra, int nextra)
{
	char tmp[] = "/tmp/spoolboard-mirror.XXXXXX";
	struct strbuf args = { 0 };
	int n = 0, fd = mkstemp(tmp), st, names = 0, ours = 0, rc = 0;
	char *text = NULL, *line, *save;
	size_t len;

	if (fd < 0)
		return error("cannot create '%s': %s", tmp, strerror(errno));
	unlink(tmp);
	args_extra(&args, &n, extra, nextra);
	arg(&args, &n, "--list-only");
	arg(&args, &n, dest);
	st = run_rsync(&args, n, fd);
	sb_release(&args);
	if (st == 0 && lseek(fd, 0, SEEK_SET) == 0)
		text = file_read_fd(fd, tmp, &len, 16 << 20);
	close(fd);
	if (st < 0)
		return -1;
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *name = strrchr(line, ' ');

		/* an entry starts with its mode, as drwxr-xr-x */
		if (strspn(line, "-bcdlpsrwxStT") < 10 || line[10] != ' ' ||
		    !name || !strcmp(name, " ."))
			continue;
		names++;
		ours |= !strcmp(name + 1, SITE_MARKER);
	}
	if (names && !ours)
		rc = error("refusing to mirror into '%s': it is not empty and "
			   "not a mirror of a site (no " SITE_MARKER "), and a "
			   "full pass deletes there what the site lacks; name "
			   "a new or empty folder", dest);
	free(text);
	return rc;
}

/* Is a an rsync option that makes it copy nothing? */
static int
copies_nothing(const char *a)
{
	if (!strcmp(a, "--dry-run") || !strcmp(a, "--list-only") ||
	    !strncmp(a, "--only-write-batch", 18))
		return 1;
	/* a cluster of short options with n in it, as -avn */
	if (a[0] != '-' || a[1] == '-')
		return 0;
	for (const char *p = a + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return 0;
	return strchr(a + 1, 'n') != NULL;
}

/* A site, its record of dest, and the lock held while mirroring. */
struct mirror {
	const char *www, *dest;
	int fd;			/* the site */
	int rfd;		/* www/MIRROR_DIR */
	int lock;		/* its NAME.lock, flock'ed */
	char name[17];		/* the record's name: dest hashed */
	char *shown;		/* www/MIRROR_DIR/NAME, for messages */
};

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

	snprintf(m->name, sizeof(m->name), "%016" PRIx64, hash_str(m->dest));
	m->shown = xasprintf("%s/%s", dir, m->name);
	m->fd = open(m->www, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->fd < 0) {
		rc = error("cannot open the site '%s': %s", m->www,
			   strerror(errno));
	} else if (fstatat(m->fd, SITE_MARKER, &st, AT_SYMLINK_NOFOLLOW) < 0
		   || !S_ISREG(st.st_mode)) {
		rc = error("'%s' is not a site spoolboard render made (no "
			   SITE_MARKER "): nothing mirrored", m->www);
	} else if (mkdirat(m->fd, MIRROR_DIR, 0755) < 0 && errno != EEXIST) {
		rc = error("cannot create '%s': %s", dir, strerror(errno));
	} else if ((m->rfd = openat(m->fd, MIRROR_DIR, O_RDONLY |
				    O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC)) < 0) {
		rc = error("cannot open '%s': %s", dir, errno == ELOOP ||
			   errno == ENOTDIR ? "not a folder" :
			   strerror(errno));
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
}

/* A record says what a mirror holds: taken only from this user, unshared. */
static int
record_ours(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
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
			O_CLOEXEC);
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
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (!record_ours(&st))
		why = "another user owns it or may write it";
	else if (!(*buf = file_read_fd(fd, m->shown, &len, RECORD_MAX)))
		why = error_last();
	close(fd);
	if (!why && record_parse(*buf, len, m->dest, old, &why) == 0)
		return 0;
	warning("'%s' is not taken (%s): a full pass", m->shown, why);
	old->n = 0;
	return -1;
}

int
mirror_run(const char *www, const char *dest, int full, char *const *extra,
	   int nextra)
{
	struct mirror m = { .www = www, .dest = dest, .fd = -1, .rfd = -1,
			    .lock = -1 };
	struct ents now = { 0 }, old = { 0 };
	struct strbuf args = { 0 }, list = { 0 }, rec = { 0 };
	char *src = xasprintf("%s/", www), *dst = NULL, *buf = NULL;
	char tmp[] = "/tmp/spoolboard-mirror.XXXXXX";
	size_t nlist = 0, gone = 0;
	int rc = -1, st, n = 0, lfd = -1;

	for (int i = 0; i < nextra; i++)
		if (copies_nothing(extra[i])) {
			error("mirror: rsync's '%s' copies nothing, and the "
			      "record would say it did: not taken", extra[i]);
			goto out;
		}
	/* rsync copies into dest what is in www (both as folders) */
	dst = xasprintf("%s%s", dest, dest[0] && dest[strlen(dest) - 1] ==
			'/' ? "" : "/");
	if (mirror_open(&m) < 0 || walk_site(www, m.fd, &now) < 0)
		goto out;
	if (!full && record_load(&m, &old, &buf) < 0)
		full = 1;
	args_extra(&args, &n, extra, nextra);
	/* what the walk takes: folders and regular files */
	arg(&args, &n, "-a");
	arg(&args, &n, "--no-links");
	arg(&args, &n, "--no-devices");
	arg(&args, &n, "--no-specials");
	if (full) {
		if (dest_check(dst, extra, nextra) < 0)
			goto out;
		printf("mirror: a full pass, %zu paths\n", now.n);
		arg(&args, &n, "--delete");
		arg(&args, &n, "--force");
		arg(&args, &n, "--exclude=/" MIRROR_DIR);
		arg(&args, &n, "--exclude=/" SITE_CACHE);
	} else {
		nlist = diff(&old, &now, &list, &gone);
		printf("mirror: %zu of %zu paths changed, %zu gone\n",
		       nlist - gone, now.n, gone);
		if (nlist) {
			char *from;

			lfd = mkstemp(tmp);
			if (lfd < 0 || write(lfd, sb_str(&list), list.len) !=
			    (ssize_t)list.len) {
				error("cannot write '%s': %s", tmp,
				      strerror(errno));
				goto out;
			}
			from = xasprintf("--files-from=%s", tmp);
			arg(&args, &n, from);
			free(from);
			arg(&args, &n, "--from0");
			/* each is known to have changed: rsync's quick check
			   (size and mtime, to the second) could miss a page
			   rewritten within the second at the same size */
			arg(&args, &n, "--ignore-times");
			arg(&args, &n, "--delete-missing-args");
			arg(&args, &n, "--force");
		}
	}
	arg(&args, &n, src);
	arg(&args, &n, dst);
	st = full || nlist ? run_rsync(&args, n, -1) : 0;
	/* 24: files vanished while it ran, which the next mirror sees */
	if (st != 0 && st != 24) {
		if (st > 0)
			error("rsync exited with status %d: '%s' may be part "
			      "copied; the next mirror sends these changes "
			      "again", st, dest);
		goto out;
	}
	if (full || nlist) {
		struct stat rs;

		/* one that is not taken is replaced, even by the same bytes */
		if (fstatat(m.rfd, m.name, &rs, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !record_ours(&rs))
			unlinkat(m.rfd, m.name, 0);
		record_make(&rec, dest, now.v, now.n);
		if (file_update_at(m.rfd, m.name, m.shown, sb_str(&rec),
				   rec.len) < 0)
			goto out;
	}
	rc = 0;
out:
	if (lfd >= 0) {
		close(lfd);
		unlink(tmp);
	}
	mirror_close(&m);
	ents_release(&now);
	free(old.v);
	free(buf);
	sb_release(&args);
	sb_release(&list);
	sb_release(&rec);
	free(src);
	free(dst);
	return rc;
}
