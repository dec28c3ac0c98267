/*
 * site.c - render a whole spool into a static site; see site.h.
 *
 * A render goes in two passes over the job folders, each spread over a
 * few threads (a pool that hands out the next job). The first reads each
 * wanted job's view model (view.c), writes its page and data.json (a
 * queued job's waits: its place in the queue is not known yet) and keeps
 * only a small entry per job: its summary, its row of the index (the row
 * template rendered) and the summary as JSON. The second puts the queued
 * jobs in queue order and writes the pages of those whose place moved.
 * Then the entries, newest first, make the index (rows joined),
 * jobs.json and the Atom feed. In watch mode the entries are kept between
 * renders, so a change costs its own job's page and the joining of the
 * others' rows, not 10,000 views. Pages carry absolute times only (the
 * browser makes them relative), so an unchanged spool renders to the
 * same bytes and nothing is rewritten. JSON written into www has every <
 * as \u003c, so no markup from a job name can appear raw in any file a
 * browser might parse.
 *
 * Groups (sweeps, group.h) are read before the jobs: their group.json
 * files say which job belongs to which group, which each job's page, row
 * and summary show. A job's entry also keeps its record and jobs.csv
 * cells (runs.h), and reading a job writes its compare.js; after the
 * jobs, the page of each group with a member read in this render (or
 * whose group.json changed) is made from its members' entries, and
 * jobs.csv and compare.html are written with the index. In watch mode
 * the groups are kept between renders too (by the group.json's inode,
 * size and time), and a job whose group changed is read again.
 */
#include "render/site.h"
#include "job/heartbeat.h"
#include "job/state.h"
#include "render/chart.h"
#include "render/group.h"
#include "render/runs.h"
#include "render/stamp.h"
#include "lib/csvfile.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/path.h"
#include "lib/pattern.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"
#include "render/tmpl.h"
#include "render/view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERROR_MAX (64 * 1024)

#define LIST_RACY 0.1	/* seconds: see list_jobs */
#define FEED_MAX 100	/* entries of feed.xml: the newest finished jobs */
#define SITE_MARKER_TEXT "spoolboard site: made by spoolboard render; " \
	"a render removes only what it wrote here\n"

/* The largest data.json a render reads back (its last good render). */
#define SITE_JSON_MAX (64 * 1024 * 1024)

/* At most this many threads make pages. */
#define SITE_MAX_THREADS 16

/* The index's newest rows, the jobs of a page, their folder (write_pages) */
#define INDEX_ROWS 100
#define SHARD_SIZE 100
#define INDEX_DIR "index"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The safe entry names of dir, sorted; *n gets their number. */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (!name_is_safe(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

/*
 * The job IDs of the jobs folder (list_dir). With a cache (watch mode)
 * the list is kept in it (".ids") with the folder's identity and mtime,
 * and the folder listed again only when they changed: 10,000 names read
 * and sorted were most of the time to a changed job's page. A listing
 * made within LIST_RACY seconds of the folder's mtime is not trusted (a
 * change in the same tick of the file system's clock leaves the mtime
 * as it was), so it is made again next time.
 */
static char **
list_jobs(const char *jobs, json_t *cache, size_t *n)
{
	json_t *kept = cache ? json_object_get(cache, ".ids") : NULL, *ids;
	struct stat st;
	char **names;
	double now = time_now(), mt;

	if (!cache || stat(jobs, &st) < 0) {
		if (cache)
			json_object_del(cache, ".ids");
		return list_dir(jobs, n);
	}
	mt = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9;
	ids = json_object_get(kept, "ids");
	if (json_int(kept, "dev", -1) == (json_int_t)st.st_dev &&
	    json_int(kept, "ino", -1) == (json_int_t)st.st_ino &&
	    json_int(kept, "sec", -1) == (json_int_t)st.st_mtim.tv_sec &&
	    json_int(kept, "nsec", -1) == (json_int_t)st.st_mtim.tv_nsec &&
	    json_dbl(kept, "at", 0) - mt >= LIST_RACY && json_is_array(ids)) {
		*n = json_array_size(ids);
		names = xcalloc(*n + 1, sizeof(*names));
		for (size_t i = 0; i < *n; i++)
			names[i] = xstrdup(json_string_value(
				json_array_get(ids, i)));
		return names;
	}
	names = list_dir(jobs, n);
	ids = json_array();
	for (size_t i = 0; i < *n; i++)
		json_array_append_new(ids, json_string(names[i]));
	json_object_set_new(cache, ".ids", json_pack("{s:I, s:I, s:I, s:I, "
		"s:f, s:o}", "dev", (json_int_t)st.st_dev,
		"ino", (json_int_t)st.st_ino,
		"sec", (json_int_t)st.st_mtim.tv_sec,
		"nsec", (json_int_t)st.st_mtim.tv_nsec, "at", now, "ids", ids));
	return names;
}

static void
free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Every write and removal in the site goes through the site's folder,
 * opened once per render (site_claim), and the folders below it are
 * opened one component at a time without following a link
 * (path_open_nofollow): a folder of www swapped for a link at any moment,
 * by anyone who may write www, leads nothing out of the site. Paths here
 * are the site's path joined with names below it, as messages show them.
 * Set for a render; its threads only read them.
 */
static int www_fd = -1;
static const char *www_path;

/* path, below the site, less the site's own path. */
static const char *
site_rel(const char *path)
{
	size_t n = strlen(www_path);

	if (strncmp(path, www_path, n) != 0) {	/* a bug of this file */
		fprintf(stderr, "spoolboard: '%s' is not in the site '%s'\n",
			path, www_path);
		abort();
	}
	path += n;
	while (*path == '/')
		path++;
	return path;
}

/*
 * The folder holding path (below the site), opened beneath www_fd;
 * *base gets path's last name. The descriptor, or -1 after error().
 */
static int
site_parent(const char *path, const char **base)
{
	const char *rel = site_rel(path), *slash = strrchr(rel, '/');
	char *dir;
	int fd;

	*base = slash ? slash + 1 : rel;
	if (!slash) {
		fd = openat(www_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			error("cannot open '%s': %s", www_path,
			      strerror(errno));
		return fd;
	}
	dir = xasprintf("%.*s", (int)(slash - rel), rel);
	fd = path_open_nofollow(www_fd, dir);
	if (fd < 0)
		error("cannot write '%s': %s", path, errno == ELOOP ||
		      errno == ENOTDIR || errno == EXDEV ? "a folder on its "
		      "way is a symbolic link or no folder" :
		      strerror(errno));
	free(dir);
	return fd;
}

/* file_update of path, below the site. 0 or -1. */
static int
site_write(const char *path, const void *data, size_t n)
{
	const char *base;
	int fd = site_parent(path, &base), rc;

	if (fd < 0)
		return -1;
	rc = file_update_at(fd, base, path, data, n) < 0 ? -1 : 0;
	close(fd);
	return rc;
}

/*
 * The JSON file at path (below the site), read as site_write writes: no
 * link followed on the way or at the end, no FIFO waited on, at most
 * SITE_JSON_MAX bytes. NULL (err says why) when it cannot be.
 */
static json_t *
site_read_json(const char *path, char *err, size_t n)
{
	const char *base;
	json_t *v = NULL;
	int q = error_set_quiet(1), fd = site_parent(path, &base);

	error_set_quiet(q);
	if (fd < 0) {
		snprintf(err, n, "%s", error_last());
		return NULL;
	}
	v = json_load_at(fd, base, path, SITE_JSON_MAX, err, n);
	close(fd);
	return v;
}

static int
write_sb(const char *path, const struct strbuf *sb)
{
	return site_write(path, sb_str(sb), sb->len);
}

#define SITE_COPY_MAX (256 << 20)	/* bytes of a download copied */

/* Is name in dir the regular file s describes? Else it is removed. */
static int
linked_to(int dir, const char *name, const struct stat *s)
{
	struct stat d;

	if (fstatat(dir, name, &d, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(d.st_mode) && d.st_ino == s->st_ino &&
	    d.st_dev == s->st_dev)
		return 1;
	unlinkat(dir, name, 0);
	return 0;
}

/*
 * Make base in the folder fd (dst below the site, for messages) a hard
 * link to src (a regular file, not a link), replacing an older one
 * atomically; copy it when linking fails (another filesystem). A src
 * swapped for a link meanwhile is not linked (link(2) would link the link
 * itself): the new name is checked.
 */
static int
link_file_at(const char *src, int fd, const char *base, const char *dst)
{
	struct stat s, d;
	char *tmp;
	int rc = 0;

	if (lstat(src, &s) < 0 || !S_ISREG(s.st_mode))
		return 0;
	if (fstatat(fd, base, &d, AT_SYMLINK_NOFOLLOW) == 0) {
		if (d.st_ino == s.st_ino && d.st_dev == s.st_dev)
			return 0;
	} else if (errno == ENOENT && linkat(AT_FDCWD, src, fd, base, 0) == 0) {
		/* a new name appears whole: no temporary needed */
		linked_to(fd, base, &s);
		return 0;
	}
	tmp = xasprintf("%s.tmp", base);
	unlinkat(fd, tmp, 0);
	if (linkat(AT_FDCWD, src, fd, tmp, 0) == 0) {
		if (linked_to(fd, tmp, &s) &&
		    renameat(fd, tmp, fd, base) < 0) {
			rc = error("cannot rename '%s.tmp': %s", dst,
				   strerror(errno));
			unlinkat(fd, tmp, 0);
		}
	} else if ((unsigned long long)s.st_size > SITE_COPY_MAX) {
		/* a copy is read whole at every render: not of any size */
		warning("'%s' is not copied into the site: %lld MiB, more than "
			"%d MiB (it cannot be linked: the site is on another "
			"filesystem than the spool)", dst,
			(long long)(s.st_size >> 20), SITE_COPY_MAX >> 20);
	} else {
		size_t len;
		char *buf = file_read_regular(src, &len, SITE_COPY_MAX);

		rc = buf ? file_update_at(fd, base, dst, buf, len) : -1;
		rc = rc < 0 ? -1 : 0;
		free(buf);
	}
	free(tmp);
	return rc;
}

/*
 * Remove the files in the folder fd (of the site, opened without
 * following a link) that no row of rows names (stale links); the names
 * are removed relative to it, so a link planted for the folder, or for
 * one above it, never leads the removal elsewhere. fd stays open.
 */
/* The folder fd read through a descriptor of its own (fd stays open). */
static DIR *
dup_dir(int fd)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);

	if (!d && dfd >= 0)
		close(dfd);
	return d;
}

/* Does a row of rows have "file" name? */
static int
rows_name(const json_t *rows, const char *name)
{
	const json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		if (strcmp(json_str(r, "file", ""), name) == 0)
			return 1;
	return 0;
}

static void
prune_at(int fd, const json_t *rows)
{
	DIR *d = dup_dir(fd);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (name_is_safe(e->d_name) &&
		    strcmp(e->d_name, JOB_CHECKPOINTS) != 0 &&
		    strcmp(e->d_name, JOB_ARTIFACTS) != 0 &&
		    !rows_name(rows, e->d_name))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
}

/*
 * Remove what no row of rows names ("file": prefix and the name) from
 * the folder fd of files/ (prefix its path below files/, ending in '/'),
 * and from its folders down to depth levels, removing the folders left
 * empty. fd stays open; nothing is followed.
 */
static void
prune_tree_at(int fd, const char *prefix, const json_t *rows, int depth)
{
	DIR *d = dup_dir(fd);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *rel = xasprintf("%s%s", prefix, e->d_name);
		struct stat st;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(rel);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			sub = depth > 1 ? openat(dirfd(d), e->d_name, O_RDONLY |
				O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
			if (sub >= 0) {
				char *pre = xasprintf("%s/", rel);

				prune_tree_at(sub, pre, rows, depth - 1);
				free(pre);
				close(sub);
			}
			/* only when it is left empty */
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		} else if (!rows_name(rows, rel)) {
			unlinkat(dirfd(d), e->d_name, 0);
		}
		free(rel);
	}
	if (d)
		closedir(d);
}

/*
 * Make base in the folder fd (path below the site, for messages) a real
 * folder of the site: a symbolic link (or any other non-folder) found
 * there is removed, with a warning, and a folder made in its place, so
 * that nothing is ever written through a link planted in www. Its
 * descriptor (opened without following a link), or -1 after error().
 */
static int
site_dir_at(int fd, const char *base, const char *path)
{
	struct stat st;
	int dfd;

	if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			goto open;
		warning("'%s' is %s, not a folder: replaced by a folder",
			path, S_ISLNK(st.st_mode) ? "a symbolic link" :
			"not a folder");
		if (file_remove_at(fd, base, path) < 0)
			return -1;
	} else if (errno != ENOENT) {
		return error("cannot stat '%s': %s", path, strerror(errno));
	}
	if (mkdirat(fd, base, 0755) < 0 && errno != EEXIST)
		return error("cannot create '%s': %s", path, strerror(errno));
open:
	dfd = openat(fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0)
		error("'%s' is not a folder", path);
	return dfd;
}

/*
 * Make path (below the site) a real folder of the site (site_dir_at);
 * the folder above path must be one already. 0 or -1.
 */
static int
site_dir(const char *path)
{
	const char *base;
	int fd = site_parent(path, &base), dfd;

	if (fd < 0)
		return -1;
	dfd = site_dir_at(fd, base, path);
	close(fd);
	if (dfd < 0)
		return -1;
	close(dfd);
	return 0;
}

/*
 * Make rel (below files/: names that are name_is_safe, joined by '/') in
 * the folder ffd of files/ (files its path, for messages) a link to src,
 * making the folders on the way (site_dir_at). 0 or -1.
 */
static int
link_below_at(const char *src, int ffd, const char *rel, const char *files)
{
	char *parts = xstrdup(rel), *name = parts, *slash, *path;
	int fd = fcntl(ffd, F_DUPFD_CLOEXEC, 0), rc = 0, sub;

	if (fd < 0)
		rc = error("cannot open '%s': %s", files, strerror(errno));
	while (fd >= 0 && (slash = strchr(name, '/'))) {
		*slash = '\0';
		if (!name_is_safe(name))
			break;		/* never listed (view.c): skipped */
		path = xasprintf("%s/%s", files, parts);
		sub = site_dir_at(fd, name, path);
		free(path);
		close(fd);
		fd = sub;
		rc = fd < 0 ? -1 : 0;
		*slash = '/';
		name = slash + 1;
	}
	if (fd >= 0 && !strchr(name, '/') && name_is_safe(name)) {
		path = path_join(files, rel);
		rc = link_file_at(src, fd, name, path);
		free(path);
	}
	if (fd >= 0)
		close(fd);
	free(parts);
	return rc;
}

/*
 * Link the downloads and checkpoints of view into files/ of the job's
 * folder of the site, open as wfd (wdir its path, for messages). A
 * download below a folder (an exec job's artifacts/) gets its folders.
 */
static int
link_files(const char *jdir, int wfd, const char *wdir, const json_t *view)
{
	const json_t *down = json_object_get(view, "downloads");
	const json_t *cks = json_object_get(view, "checkpoints"), *r;
	char *files = path_join(wdir, "files");
	char *ck = path_join(files, JOB_CHECKPOINTS);
	int ffd = site_dir_at(wfd, "files", files), cfd = -1, rc = 0;
	size_t i;

	if (ffd < 0 || (json_array_size(cks) &&
			(cfd = site_dir_at(ffd, JOB_CHECKPOINTS, ck)) < 0))
		rc = -1;
	json_array_foreach(down, i, r) {
		const char *f = json_str(r, "file", "");
		char *src = path_join(jdir, f);

		if (rc == 0)
			rc = link_below_at(src, ffd, f, files);
		free(src);
	}
	json_array_foreach(cks, i, r) {
		const char *f = json_str(r, "file", "");
		char *src = xasprintf("%s/" JOB_CHECKPOINTS "/%s", jdir, f);
		char *dst = path_join(ck, f);

		if (rc == 0)
			rc = link_file_at(src, cfd, f, dst);
		free(src);
		free(dst);
	}
	if (ffd >= 0) {
		int afd = openat(ffd, JOB_ARTIFACTS, O_RDONLY | O_DIRECTORY |
				 O_NOFOLLOW | O_CLOEXEC);

		prune_at(ffd, down);
		if (afd >= 0) {
			prune_tree_at(afd, JOB_ARTIFACTS "/", down, 8);
			close(afd);
		}
		/* stale checkpoints, also when none is left */
		if (cfd < 0)
			cfd = openat(ffd, JOB_CHECKPOINTS, O_RDONLY |
				     O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			prune_at(cfd, cks);
	}
	if (cfd >= 0)
		close(cfd);
	if (ffd >= 0)
		close(ffd);
	free(files);
	free(ck);
	return rc;
}

static char *
load_template(void *arg, const char *name, size_t *len)
{
	char *path, *buf;
	struct stat st;

	if (!name_is_safe(name))
		return NULL;
	path = xasprintf("%s/%s.mustache", (const char *)arg, name);
	buf = stat(path, &st) == 0 ? file_read(path, len, 0) : NULL;
	free(path);
	return buf;
}

/* Render template name with model into out (reset first). 0 or -1. */
static int
render_to(struct tmpl_set *set, const char *name, const json_t *model,
	  struct strbuf *out)
{
	struct tmpl *t = tmpl_set_get(set, name);

	sb_reset(out);
	if (!t)
		return error("template '%s' not found", name);
	return tmpl_render(t, set, model, out);
}

static int
render_page(struct tmpl_set *set, const char *name, const json_t *model,
	    const char *path)
{
	struct strbuf out = STRBUF_INIT;
	int rc = render_to(set, name, model, &out);

	if (rc == 0)
		rc = write_sb(path, &out);
	sb_release(&out);
	return rc;
}

/*
 * The view of job id (a new reference) or, when its state cannot be read,
 * its last good render (then *fresh is 0); NULL when neither exists. j
 * gets what runs.h reads of the job (runs_load; empty when it could
 * not), which the caller releases.
 */
static json_t *
load_job(const struct site_opts *o, const char *id, int *fresh,
	 struct runs_job *j)
{
	char *jdir = xasprintf("%s/jobs/%s", o->spool, id);
	char *state = path_join(jdir, JOB_STATE);
	char *data = xasprintf("%s/jobs/%s/data.json", o->www, id);
	char err[256];
	json_t *view = NULL;
	struct stat st;

	/*
	 * A folder without state.json and never rendered is a claim the
	 * runner is making (a sweep's members are made before their
	 * state): left out without a word until it has one.
	 */
	*fresh = 0;
	if (lstat(state, &st) < 0 && errno == ENOENT &&
	    lstat(data, &st) < 0 && errno == ENOENT) {
		free(jdir);
		free(state);
		free(data);
		return NULL;
	}
	free(state);
	/* runs.h reads metrics.csv too: parsed once, for both */
	if (runs_load(j, jdir, err, sizeof(err)) == 0)
		view = view_job_with(jdir, id, &o->view, &j->metrics);
	else
		view = view_job(jdir, id, &o->view);
	free(jdir);
	*fresh = view != NULL;
	if (view) {
		free(data);
		return view;
	}
	view = site_read_json(data, err, sizeof(err));
	free(data);
	if (view && !json_object_get(view, "order")) {
		/* rendered by a version without it: its creation time */
		double t = time_parse_iso8601(json_str(json_object_get(view,
			"created"), "iso", ""));

		json_object_set_new(view, "order", json_pack("{s:I, s:i}",
			"created_us", (json_int_t)(t > 0 ? t * 1e6 : 0),
			"seq", 0));
	}
	if (view)
		warning("job %s: showing its last good render", id);
	else
		warning("job %s: left out (no earlier render)", id);
	return view;
}

/*
 * The parts of a record of the render cache (CACHE_FILE) that follow its
 * head, as they are, and the keys of an entry that hold them as strings.
 */
enum { PART_ROW, PART_JSON, PART_CSV, PART_REC, NPARTS };

static const char *const part_key[NPARTS] = { "row", "json", "csv_raw",
					      "rec_raw" };

/* A record of the render cache, in the file's buffer. */
struct crec {
	const char *all, *head;	/* the record, its head */
	size_t all_len, head_len;
	const char *part[NPARTS];
	size_t part_len[NPARTS];
	json_t *v;		/* head parsed, or NULL */
};

/*
 * What every render takes from every entry (to count, sort and split the
 * jobs), made once with the entry and kept in it as the bytes of one
 * string ("key"): one lookup a render, not one for each field of the
 * summary, which at 10,000 jobs was most of the time of a render of one
 * changed job.
 */
struct ekey {
	struct job_order o;	/* its place in the queue and by age */
	long long serial;	/* the entry's ("serial") */
	int status;		/* enum job_status, or -1 */
	char id[JOB_ID_MAX + 1];
	char updated[40];	/* ISO time, or "" */
};

/*
 * What the index takes from an entry at every render, read from it once
 * (slot_key), not once per comparison or per list.
 */
struct okey {
	json_t *e;		/* the entry (make_entry) */
	const struct crec *crec;	/* its record in the render cache,
					   when taken from there */
	struct ekey k;
};

/* Part k of record r (NULL: none), for runs.h. */
static struct runs_text
crec_part(const struct crec *r, int k)
{
	struct runs_text t = { NULL, 0 };

	if (r) {
		t.s = r->part[k];
		t.n = r->part_len[k];
	}
	return t;
}

/*
 * The summary of a job's entry (make_entry), parsed when first asked
 * for: from the render cache's record r when it was taken from there.
 */
static const json_t *
entry_sum(json_t *e, const struct crec *r)
{
	struct runs_text t = crec_part(r, PART_JSON);

	return runs_entry_sum(e, &t);
}

/* Buffers a thread reuses from one job to the next. */
struct bufs {
	struct strbuf page, data;
};

/*
 * Write the page, data.json and files/ of a freshly read job view, and its
 * compare.js (the cjs_len bytes of cjs) when cjs is not NULL. The job's
 * folder of the site is opened once (never through a link) and every
 * file is written or linked relative to it.
 */
static int
write_job(const struct site_opts *o, struct tmpl_set *set,
	  const json_t *view, struct bufs *b, const char *cjs, size_t cjs_len)
{
	const char *id = json_str(view, "id", "");
	char *jdir = xasprintf("%s/jobs/%s", o->spool, id);
	char *wjobs = path_join(o->www, "jobs");
	char *wdir = path_join(wjobs, id);
	char *page = path_join(wdir, "index.html");
	char *data = path_join(wdir, "data.json");
	char *js = path_join(wdir, "compare.js");
	const char *base;
	int rc = -1, pfd = -1, wfd = -1;

	if (site_dir(wjobs) == 0 && (pfd = site_parent(wdir, &base)) >= 0 &&
	    (wfd = site_dir_at(pfd, base, wdir)) >= 0 &&
	    link_files(jdir, wfd, wdir, view) == 0 &&
	    render_to(set, "job", view, &b->page) == 0 &&
	    file_update_at(wfd, "index.html", page, sb_str(&b->page),
			   b->page.len) >= 0) {
		json_t *d = view_data(view);

		sb_reset(&b->data);
		json_dump_web(&b->data, d);
		sb_addc(&b->data, '\n');
		json_decref(d);
		rc = file_update_at(wfd, "data.json", data, sb_str(&b->data),
				    b->data.len) < 0 ? -1 : 0;
	}
	if (rc == 0 && cjs)
		rc = file_update_at(wfd, "compare.js", js, cjs, cjs_len) < 0 ?
		     -1 : 0;
	if (wfd >= 0)
		close(wfd);
	if (pfd >= 0)
		close(pfd);
	free(jdir);
	free(wjobs);
	free(wdir);
	free(page);
	free(data);
	free(js);
	return rc;
}

/*
 * Call fn(arg, i, t) for every i in [0, n) on up to threads threads (the
 * caller's among them, t 0; the others 1, 2, ...), each taking the next
 * i when done with one.
 */
struct pool {
	atomic_size_t next;
	size_t n;
	void (*fn)(void *, size_t, int);
	void *arg;
};

struct worker {
	struct pool *pool;
	int t;
};

static void *
pool_worker(void *arg)
{
	struct worker *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->pool->next, 1)) < w->pool->n)
		w->pool->fn(w->pool->arg, i, w->t);
	return NULL;
}

static void
run_parallel(int threads, size_t n, void (*fn)(void *, size_t, int),
	     void *arg)
{
	struct pool pool = { 0, n, fn, arg };
	struct worker w[SITE_MAX_THREADS];
	pthread_t tid[SITE_MAX_THREADS];
	int nt = 0;

	if (n == 0)
		return;
	if ((size_t)threads > n)
		threads = (int)n;
	for (int t = 0; t < threads; t++)
		w[t] = (struct worker){ &pool, t };
	for (int t = 1; t < threads; t++)
		if (pthread_create(&tid[nt], NULL, pool_worker, &w[t]) == 0)
			nt++;
	pool_worker(&w[0]);
	for (int t = 0; t < nt; t++)
		pthread_join(tid[t], NULL);
}

/*
 * The rejected configs: [{name, error}], by name. Every rejected/NAME.json
 * is listed whatever its name (spaces, quotes, a leading '-', bytes that
 * are not UTF-8: the runner rejects what it is given), the name made
 * printable by view_text and escaped by the template like any text.
 */
static json_t *
rejected_view(const char *spool)
{
	char *dir = path_join(spool, "rejected");
	json_t *rows = json_array();
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		char *path, *err;
		int q;

		path = xasprintf("%s/%.*s.error", dir, (int)(len - 5),
				 names[i]);
		q = error_set_quiet(1);
		err = file_read_regular(path, NULL, ERROR_MAX);
		error_set_quiet(q);
		if (err && !csvfile_utf8_valid(err)) {
			free(err);
			err = NULL;
		}
		json_array_append_new(rows, json_pack("{s:o, s:s}",
			"name", view_text(names[i]),
			"error", err ? err : "(no error file)"));
		free(err);
		free(path);
	}
	free_list(names, n);
	free(dir);
	return rows;
}

/*
 * The model of the Atom feed (templates/feed.mustache) from the n entries
 * (make_entry, newest first): "entries", the newest FEED_MAX finished
 * jobs (id, name, label, updated, best_val_loss), and "updated", the
 * newest update of those. At 10,000 jobs a feed of all of them was
 * megabytes, made again every few seconds; a reader wants the news.
 */
static json_t *
feed_view(const struct okey *keys, size_t n)
{
	const char *newest = "1970-01-01T00:00:00Z";
	json_t *list = json_array();
	size_t k = 0;

	/* the feed changes when an entry does: a running job's epochs
	   change no entry, so they leave the feed's bytes alone */
	for (size_t i = 0; i < n && k < FEED_MAX; i++) {
		const char *u = keys[i].k.updated;

		if (!job_status_finished(keys[i].k.status))
			continue;
		k++;
		if (strcmp(u, newest) > 0)
			newest = u;
	}
	for (size_t i = 0; i < n && json_array_size(list) < k; i++) {
		const json_t *sum, *err;
		const char *u;
		json_t *e;

		if (!job_status_finished(keys[i].k.status))
			continue;
		sum = entry_sum(keys[i].e, keys[i].crec);
		u = json_str(sum, "updated", "");
		err = json_object_get(sum, "error");
		e = json_pack("{s:s, s:o, s:s, s:o, s:o}", "id",
			json_str(sum, "id", ""),
			"name", view_text(json_str(sum, "name", "")),
			"label", json_str(sum, "label", ""),
			"updated", view_text(*u ? u : newest),
			"best_val_loss", view_text(json_str(sum,
						     "best_val_loss", "-")));
		/* a failed job's entry says why */
		if (json_is_object(err))
			json_object_set_new(e, "error", json_pack("{s:o, s:o}",
				"stage", view_text(json_str(err, "stage",
							    "?")),
				"message", view_text(json_str(err, "message",
							      ""))));
		json_array_append_new(list, e);
	}
	return json_pack("{s:o, s:o}", "updated", view_text(newest),
			 "entries", list);
}

static int
copy_asset(const char *templates, const char *www, const char *name)
{
	char *src = path_join(templates, name), *dst = path_join(www, name);
	size_t len;
	char *buf = file_read(src, &len, 0);
	int rc = buf && site_write(dst, buf, len) == 0 ? 0 : -1;

	free(buf);
	free(src);
	free(dst);
	return rc;
}

/* Whether name is one of the n sorted strings of names. */
static int
in_list(char *const *names, size_t n, const char *name)
{
	return n && bsearch(&name, names, n, sizeof(*names), cmp_str);
}

/* The serial of the next entry made (make_entry). */
static atomic_llong entry_serial = 1;


/*
 * What the index and jobs.json take from a job, kept between renders (in
 * the cache of site_render_ids): a JSON object with "sum" (view_summary,
 * with "group"), "row" (its row of the index: the row template rendered
 * with sum), "json" (sum as JSON text), and for a queued job "qpos" and
 * "qlen", the place in the queue its page shows, and "serial", a number
 * no other entry made by this process has (so a shard of the index
 * whose members' serials did not change need not be made again).
 * read_slot adds "rec" and "csv" (runs.h), and jobs.csv "csvrow" and
 * "csvsig". NULL after error() when the row template is missing or
 * broken. An entry from the render cache has no "sum" until it is asked
 * for (entry_sum); what ordering it takes is in "k" (entry_key).
 */

/*
 * What the key of an entry takes from its summary sum: its order, status,
 * ID, update time and group ("k" of the render cache's records: enough
 * to place and count the job without its summary). A new reference.
 */
static json_t *
entry_key(const json_t *sum)
{
	struct job_order o;
	const json_t *g = json_object_get(sum, "group");

	job_order_of(sum, &o);
	return json_pack("{s:i, s:I, s:I, s:s, s:s, s:s, s:O}",
		"p", o.priority, "c", (json_int_t)o.created_us,
		"q", (json_int_t)o.seq, "s", json_str(sum, "status", ""),
		"id", json_str(sum, "id", ""), "u", json_str(sum, "updated", ""),
		"g", g ? g : json_null());
}

/*
 * Give entry e (its "sum" made, or its "k") a new "serial" and its
 * "key".
 */
static void
entry_finish(json_t *e)
{
	const json_t *sum = json_object_get(e, "sum");
	const json_t *c = json_object_get(e, "k");
	struct ekey k;

	memset(&k, 0, sizeof(k));
	k.serial = atomic_fetch_add(&entry_serial, 1);
	json_object_set_new(e, "serial", json_integer(k.serial));
	if (sum || !c) {
		job_order_of(sum, &k.o);
		k.status = job_status_of(sum);
		c = sum;
	} else {
		k.o.priority = (int)json_integer_value(json_object_get(c,
								       "p"));
		k.o.created_us = json_integer_value(json_object_get(c, "c"));
		k.o.seq = json_integer_value(json_object_get(c, "q"));
		k.status = job_status_parse(json_str(c, "s", ""));
	}
	snprintf(k.id, sizeof(k.id), "%s", json_str(c, "id", ""));
	snprintf(k.updated, sizeof(k.updated), "%s", json_str(c, c == sum ?
		 "updated" : "u", ""));
	json_object_set_new(e, "key", json_stringn_nocheck((const char *)&k,
							   sizeof(k)));
}

static json_t *
make_entry(struct tmpl_set *set, const json_t *view, struct bufs *b)
{
	json_t *sum = view_summary(view);
	json_t *e, *g = json_object_get(view, "group");

	json_object_set(sum, "group", g ? g : json_null());
	if (render_to(set, "row", sum, &b->page) < 0) {
		json_decref(sum);
		return NULL;
	}
	sb_reset(&b->data);
	json_dump_web(&b->data, sum);
	/* bytes to be joined again, not values: a row template's bytes need
	   not be UTF-8 for that */
	e = json_pack("{s:o, s:o, s:o}", "sum", sum,
		      "row", json_stringn_nocheck(sb_str(&b->page),
						  b->page.len),
		      "json", json_stringn_nocheck(sb_str(&b->data),
						   b->data.len));
	if (!e)
		die_oom();
	entry_finish(e);
	return e;
}

/* The CPUs this process may run on (its affinity mask), at least 1. */
static int
usable_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}


/* What one job of the spool contributes to a render. */
struct slot {
	const char *id;
	json_t *entry;		/* its entry (make_entry), or NULL: left out */
	json_t *queued;		/* a queued job's fresh view: its page waits
				   for its place in the queue */
	char *cjs;		/* its compare.js, to be written with its page */
	size_t cjs_len;
	int wanted;		/* its page is to be written */
	int done;		/* load_slot has filled it */
	int reused;		/* taken from the render cache (cache_take) */
	const struct crec *crec;	/* ... from this record, while the
					   cache is read (p->disk) */
	uint64_t in[2];		/* its spool folder's stamps before it was
				   read (full renders), or 0: job_stamp's,
				   [1] settled */
	int quiet;		/* ... [1]'s folder unchanged for SETTLE_S */
	char *line;		/* its record of the render cache, when made */
	size_t line_len;
	int read;		/* it was read in this render */
	int fresh;		/* ... from the spool (not its last render) */
	int rc;			/* -1: writing its page failed */
	struct okey key;	/* of its entry, when it has one */
};

/* One render: its settings, a slot per job folder, buffers per thread. */
struct pass {
	const struct site_opts *o;
	struct tmpl_set *set;
	struct slot *slots;	/* nslots, by ID */
	size_t nslots;
	size_t *first;		/* the slots of want, filled first */
	struct slot **queue;	/* the queued jobs, in queue order */
	size_t nqueue;
	char *const *want;	/* sorted; NULL: every job */
	size_t nwant;
	json_t *cache;
	struct disk *disk;	/* the render cache read (full renders) */
	int jobs_fd;		/* SPOOL/jobs/ with a disk, or -1 */
	int threads;
	struct bufs bufs[SITE_MAX_THREADS];
	/* the groups (site_groups): by GID, {sig, group, sum, fresh} */
	json_t *groups;
	json_t *member_of;	/* job ID -> {id, name}: its (first) group */
	json_t *moved;		/* job IDs whose group changed: read again */
	char **gids;		/* the groups' IDs, sorted */
	size_t ngids;
};

static int
is_queued(const json_t *sum)
{
	return job_status_of(sum) == JOB_QUEUED;
}

/* Take the key of slot s's entry (struct ekey), when it has one. */
static void
slot_key(struct slot *s)
{
	const json_t *k = json_object_get(s->entry, "key");

	memset(&s->key, 0, sizeof(s->key));
	s->key.e = s->entry;
	s->key.crec = s->crec;
	if (json_string_length(k) == sizeof(s->key.k))
		memcpy(&s->key.k, json_string_value(k), sizeof(s->key.k));
}

/*
 * What comparing takes from job s beyond its view (runs.h: j, as
 * load_job read it), into its entry e: the record and jobs.csv cells,
 * and its compare.js into the slot for write_job. A job shown from its
 * last render keeps what its cached entry had (its folder cannot be read
 * now).
 */
static void
read_runs(struct pass *p, struct slot *s, json_t *e, const json_t *view,
	  const struct runs_job *j)
{
	const json_t *g = json_object_get(view, "group");
	const json_t *old = p->cache ? json_object_get(p->cache, s->id) : NULL;

	free(s->cjs);
	s->cjs = NULL;
	if (s->fresh && j->state) {
		json_t *rec = runs_record(j), *flat = runs_flatten(j->config);
		struct strbuf js = STRBUF_INIT;

		json_object_set_new(e, "csv", runs_csv_cells(entry_sum(e, NULL),
			json_str(g, "id", NULL), rec, flat));
		runs_compare_js(&js, entry_sum(e, NULL), g, j, rec, flat);
		s->cjs = sb_detach(&js, &s->cjs_len);
		json_object_set_new(e, "rec", rec);
		json_decref(flat);
	} else if (old) {
		/* parsed, or as the render cache left them (runs_entry_part) */
		static const char *const keep[] = { "rec", "csv", "rec_raw",
						    "csv_raw", "kh" };

		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (json_object_get(old, keep[k]))
				json_object_set(e, keep[k],
						json_object_get(old, keep[k]));
	}
}

/*
 * Does the group gid's group.json list job id? 1 or 0.
 */
static int
group_lists(const struct pass *p, const char *gid, const char *id)
{
	const json_t *g = json_object_get(json_object_get(p->groups, gid),
					  "group"), *m;
	size_t k;

	json_array_foreach(json_object_get(g, "members"), k, m)
		if (!strcmp(json_str(m, "id", ""), id))
			return 1;
	return 0;
}

/*
 * The group job id is in, as a new {id, name}, or null. A job the runner
 * made as a sweep's member names its group in its state.json (claimed):
 * that group, when its group.json lists the job, and no other (a
 * group.json anyone made cannot take it). A job without one: the first
 * group whose group.json lists it.
 */
static json_t *
group_of(const struct pass *p, const char *id, const char *claimed)
{
	const json_t *g = json_object_get(p->member_of, id);

	if (claimed) {
		const json_t *c = json_object_get(json_object_get(p->groups,
			claimed), "group");

		if (!group_lists(p, claimed, id))
			return json_null();
		return json_pack("{s:s, s:s}", "id", claimed, "name",
				 json_str(c, "name", claimed));
	}

	/* a copy: threads must not share reference counts */
	return g ? json_pack("{s:s, s:s}", "id", json_str(g, "id", ""),
			     "name", json_str(g, "name", "")) : json_null();
}

/* ---- the render cache ------------------------------------------------ */

/*
 * A full render (no want: spoolboard render, the watch's first) leaves in
 * www/CACHE_FILE each job's entry with two stamps (stamp.h): of its spool
 * folder, taken before it was read, and of its site folder, taken after
 * its page was written. The next full render takes a job whose two
 * folders have the same stamps, and whose group is the same, from there
 * (cache_take): its page, data.json and files/ are as they were made,
 * and the entry is all the index needs of it. A finished job is read
 * once, not at every full render. The first line names what else every
 * page depends on (cache_sig: this program's build, the templates, the
 * log patterns); another one voids the whole file. Then a record per
 * job: "RRRRRRRR JJJJJJJJ CCCCCCCC EEEEEEEE {"id", "in", "out", "e"}\n",
 * the lengths in hex of four parts that follow as they are, then "\n":
 * the index row and summary JSON (bytes the index joins, not parsed
 * again), and the JSON of the entry's "csv" and "rec" (runs.h), parsed
 * only when a render needs them (runs_entry_part: a group page, jobs.csv
 * with other columns). Only the rest ("e": the summary and small fields)
 * is parsed at every full render. A record that does not parse only
 * costs its job a render; the file is the site's own, written like its
 * pages.
 */
#define CACHE_FILE SITE_CACHE
#define CACHE_VERSION 3
#define CACHE_JOB_MAX (64 * 1024)	/* bytes per job, at most */

struct disk {
	char *buf;		/* the file */
	size_t len;
	struct crec *rec;
	size_t n;
	json_t *by_id;		/* ID -> its record's index */
	char head[64];		/* the first line this render writes */
};

/*
 * Part k of entry e: its string (made in this render, or kept from an
 * earlier one), else the bytes of r, the record it was taken from, when
 * not NULL; NULL (*len 0) when neither.
 */
static const char *
entry_part(const json_t *e, const struct crec *r, int k, size_t *len)
{
	const json_t *v = json_object_get(e, part_key[k]);

	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	*len = r ? r->part_len[k] : 0;
	return r ? r->part[k] : NULL;
}

/* The same as a JSON string (a new reference), "" when there is none. */
static json_t *
entry_part_json(const json_t *e, const struct crec *r, int k)
{
	const json_t *v = json_object_get(e, part_key[k]);
	size_t len;
	const char *b;

	if (json_is_string(v))
		return json_incref((json_t *)v);
	b = entry_part(e, r, k, &len);
	return json_stringn_nocheck(b ? b : "", len);
}

/*
 * Before the render cache's buffer goes: copy the parts of the entries
 * taken from it into them, for the entries the watch keeps (p->cache)
 * to use in its next renders. Only in watch mode; a one-off render never
 * copies them.
 */
static void
cache_keep(struct pass *p)
{
	/* a csv or rec part already parsed needs no text */
	static const char *const parsed[NPARTS] = { NULL, NULL, "csv", "rec" };

	for (size_t i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];

		for (int k = 0; p->cache && s->crec && s->entry && k < NPARTS;
		     k++) {
			if (json_object_get(s->entry, part_key[k]) ||
			    (parsed[k] && json_object_get(s->entry,
							  parsed[k])))
				continue;
			json_object_set_new(s->entry, part_key[k],
				json_stringn_nocheck(s->crec->part[k],
						     s->crec->part_len[k]));
		}
		s->crec = NULL;
		s->key.crec = NULL;
	}
}

/*
 * The stamp of SPOOL/jobs/ID, from p->jobs_fd (SPOOL/jobs/, opened once
 * a render); 0 (none) without it. Of the folder and of the files a page
 * is made from, by name (stamp_names: no listing, about a dozen calls
 * where a listing of the folder and checkpoints/ took thirty): a file
 * added, removed or replaced by rename changes its folder's mtime, one
 * appended or rewritten in place its own size or mtime. A checkpoint is
 * written whole and renamed into place (arc.c), so checkpoints/'s mtime
 * tells its changes.
 *
 * Of a settled job (settled), the folder alone: one call (its mtime into
 * *mtime when mtime is not NULL). A job is settled when its status is
 * final and its folder had not changed for SETTLE_S seconds when it was
 * read. Its files are no longer appended to (the runner appends a
 * job's last event and log lines right after its state says it ended);
 * the runner changes it only by replacing its state.json (a retry),
 * which changes the folder's mtime. A file of a settled job edited in
 * place by hand shows at the job's next change (docs/dashboard.md: touch
 * the folder to show it now).
 */
static uint64_t
job_stamp(const struct pass *p, const char *id, int settled, time_t *mtime)
{
	static const char *const names[] = { JOB_STATE, JOB_CONFIG,
		JOB_METRICS, JOB_LOG, JOB_EVENTS, JOB_CHECKPOINTS, JOB_MODEL,
		JOB_PREDICTIONS, JOB_SLURM, JOB_ARTIFACTS, NULL };

	if (p->jobs_fd < 0)
		return 0;
	return settled ? stamp_entry(p->jobs_fd, id, mtime) :
			 stamp_names(p->jobs_fd, id, names);
}

#define SETTLE_S 60

/* Is the job of entry e (make_entry, or the render cache's) finished? */
static int
entry_settled(const json_t *e)
{
	const json_t *k = json_object_get(e, "k");
	const char *st = k ? json_str(k, "s", "") :
			 json_str(json_object_get(e, "sum"), "status", "");

	return job_status_finished(job_status_parse(st));
}

/*
 * The stamp of www/jobs/ID: its folder and the folders of links. A
 * render writes a file there by rename and links anew, so a page,
 * data.json or link added, removed or replaced changes its folder's
 * mtime; a linked file changed in place is the spool's, in the job's
 * stamp.
 */
static uint64_t
page_stamp(const char *id)
{
	static const char *const sub[] = { "", "/files",
		"/files/" JOB_CHECKPOINTS, "/files/" JOB_ARTIFACTS };
	char rel[JOB_ID_MAX + 64];
	uint64_t f[4];

	/* four calls, no folder opened */
	for (int k = 0; k < 4; k++) {
		snprintf(rel, sizeof(rel), "jobs/%s%s", id, sub[k]);
		f[k] = stamp_entry(www_fd, rel, NULL);
	}
	return f[0] ? stamp_hash(STAMP_START, f, sizeof(f)) : 0;
}

/* Does rec's key (16 hex digits) hold the stamp h (not 0)? */
static int
stamp_is(const json_t *rec, const char *key, uint64_t h)
{
	char hex[17];

	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	return h && !strcmp(json_str(rec, key, ""), hex);
}

/*
 * What every page depends on beyond its job: the cache's format, this
 * program (its version, and the binary's identity: a new build may make
 * pages differently), the templates folder's stamp, the log patterns and
 * the spool. 0 when one of them cannot be had: no cache then.
 */
static uint64_t
cache_sig(const struct site_opts *o)
{
	static const int version = CACHE_VERSION;
	const struct pattern *re[2] = { o->view.error_re, o->view.warning_re };
	uint64_t h = stamp_hash(STAMP_START, &version, sizeof(version));
	uint64_t t = stamp_tree(AT_FDCWD, o->templates, 1);
	struct stat st;
	int64_t f[5];

	if (!t || stat("/proc/self/exe", &st) < 0)
		return 0;
	f[0] = (int64_t)st.st_dev;
	f[1] = (int64_t)st.st_ino;
	f[2] = (int64_t)st.st_size;
	f[3] = (int64_t)st.st_mtim.tv_sec;
	f[4] = (int64_t)st.st_mtim.tv_nsec;
	h = stamp_hash(h, f, sizeof(f));
	h = stamp_hash(h, SPOOLBOARD_VERSION, sizeof(SPOOLBOARD_VERSION));
	h = stamp_hash(h, &t, sizeof(t));
	for (int i = 0; i < 2; i++) {
		const char *src = re[i] ? pattern_source(re[i]) : "";

		h = stamp_hash(h, src, strlen(src) + 1);
	}
	return stamp_hash(h, o->spool, strlen(o->spool) + 1);
}

/* The 8 hex digits at p, or -1. */
static long
hex8(const char *p)
{
	long v = 0;

	for (int i = 0; i < 8; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' :
				  c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * Cut the record at q (end: the buffer's end) into r. The byte after it,
 * or NULL when it is cut short or malformed (the rest is not read).
 */
static const char *
cache_cut(const char *q, const char *end, struct crec *r)
{
	const size_t pre = 9 * NPARTS;	/* "XXXXXXXX " each */
	long len[NPARTS], total = 0;
	const char *nl, *at;

	if (end - q < (long)pre)
		return NULL;
	for (int k = 0; k < NPARTS; k++) {
		if ((len[k] = hex8(q + 9 * k)) < 0 || q[9 * k + 8] != ' ')
			return NULL;
		total += len[k];
	}
	if (!(nl = memchr(q + pre, '\n', (size_t)(end - q) - pre)) ||
	    end - nl - 1 < total + 1 || nl[1 + total] != '\n')
		return NULL;
	r->all = q;
	r->head = q + pre;
	r->head_len = (size_t)(nl - r->head);
	at = nl + 1;
	for (int k = 0; k < NPARTS; k++) {
		r->part[k] = at;
		r->part_len[k] = (size_t)len[k];
		at += len[k];
	}
	r->all_len = (size_t)(at + 1 - q);
	r->v = NULL;
	return at + 1;
}

static void
cache_parse(void *arg, size_t i, int t)
{
	struct disk *d = arg;

	(void)t;
	d->rec[i].v = json_loadb(d->rec[i].head, d->rec[i].head_len, 0, NULL);
}

static void
cache_free(struct disk *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		json_decref(d->rec[i].v);
	json_decref(d->by_id);
	free(d->rec);
	if (d->buf)
		munmap(d->buf, d->len);
	free(d);
}

/*
 * Read the render cache into p->disk for a full render of njobs jobs; an
 * empty one (nothing to take) when it is missing, of another signature,
 * unreadable, not a regular file, not this user's, or writable by others:
 * it is written anew at the end either way. No cache at
 * all (NULL) when the signature cannot be had.
 */
static void
cache_load(struct pass *p, size_t njobs)
{
	uint64_t sig = cache_sig(p->o);
	struct disk *d;
	const char *q, *end;
	char *path;
	size_t hl, cap = 0;
	struct stat st;
	int quiet, fd;

	if (!sig)
		return;
	d = xcalloc(1, sizeof(*d));
	d->by_id = json_object();
	snprintf(d->head, sizeof(d->head), "spoolboard render cache %016llx\n",
		 (unsigned long long)sig);
	p->disk = d;
	path = path_join(p->o->www, CACHE_FILE);
	quiet = error_set_quiet(1);
	fd = openat(www_fd, CACHE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	/*
	 * Its rows are markup put in the index as they are: only a file
	 * this user wrote and no one else may write is taken (someone who
	 * may write www/ could put one there; docs/security.md).
	 */
	if (fd >= 0 && fstat(fd, &st) == 0 && file_is_private(&st)) {
		/*
		 * Mapped, not copied: tens of megabytes at 10,000 jobs. It is
		 * replaced by rename, never written in place, so what is
		 * mapped stays as it is.
		 */
		if (st.st_size > 0 &&
		    (size_t)st.st_size <= (njobs + 1) * CACHE_JOB_MAX) {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ,
				       MAP_PRIVATE | MAP_POPULATE, fd, 0);

			if (m != MAP_FAILED) {
				d->buf = m;
				d->len = (size_t)st.st_size;
			}
		}
	} else if (fd >= 0)
		/* made anew at the end, not left to be refused again */
		unlinkat(www_fd, CACHE_FILE, 0);
	if (fd >= 0)
		close(fd);
	error_set_quiet(quiet);
	free(path);
	hl = strlen(d->head);
	if (!d->buf || d->len < hl || memcmp(d->buf, d->head, hl))
		return;
	for (q = d->buf + hl, end = d->buf + d->len; q && q < end;) {
		if (d->n == cap) {
			cap = cap ? 2 * cap : 256;
			d->rec = xreallocarray(d->rec, cap, sizeof(*d->rec));
		}
		q = cache_cut(q, end, &d->rec[d->n]);
		if (q)
			d->n++;
	}
	run_parallel(p->threads, d->n, cache_parse, d);
	for (size_t i = 0; i < d->n; i++) {
		const char *id = json_str(d->rec[i].v, "id", "");

		if (job_id_valid(id) &&
		    json_is_object(json_object_get(d->rec[i].v, "e")))
			json_object_set_new(d->by_id, id, json_integer(i));
	}
}

/* The cache's record of job id, or NULL. */
static struct crec *
cache_rec(const struct disk *d, const char *id)
{
	const json_t *k = d ? json_object_get(d->by_id, id) : NULL;

	return k ? &d->rec[json_integer_value(k)] : NULL;
}

/*
 * Take job s's entry from the render cache when its spool and site
 * folders have the stamps they had when it was made, and its group is
 * the one its entry shows. 1 taken (s->entry set), 0 not.
 */
static int
cache_take(struct pass *p, struct slot *s)
{
	struct crec *r = cache_rec(p->disk, s->id);
	json_t *e = r ? json_object_get(r->v, "e") : NULL, *g;
	const json_t *k = json_object_get(e, "k");
	int same;

	if (!r || !json_is_object(k) ||
	    !(json_object_get(r->v, "in") ?
	      stamp_is(r->v, "in", job_stamp(p, s->id, 0, NULL)) :
	      stamp_is(r->v, "dir", job_stamp(p, s->id, 1, NULL))) ||
	    !stamp_is(r->v, "out", page_stamp(s->id)))
		return 0;
	g = group_of(p, s->id, json_str(e, "claim", NULL));
	same = json_equal(g, json_object_get(k, "g"));
	json_decref(g);
	if (!same)
		return 0;
	/* its parts stay in the file's buffer (entry_part), not copied */
	entry_finish(e);
	s->entry = json_incref(e);
	s->crec = r;
	s->reused = 1;
	return 1;
}

/*
 * Make the render cache's record of slot i (on thread t): of a job read
 * and written in this render, its entry and the stamps. A job taken
 * from the cache keeps its old record (cache_write).
 */
static void
cache_line(void *arg, size_t i, int t)
{
	struct pass *p = arg;
	struct slot *s = &p->slots[i];
	const json_t *row = json_object_get(s->entry, "row");
	const json_t *js = json_object_get(s->entry, "json");
	const json_t *csv = json_object_get(s->entry, "csv");
	const json_t *rec = json_object_get(s->entry, "rec");
	char *part[NPARTS] = { NULL }, *head = NULL;
	size_t len[NPARTS] = { 0 };
	struct strbuf sb = STRBUF_INIT;
	char in_hex[17], out_hex[17];
	uint64_t in, out;
	json_t *e, *r;
	int ok = 1, settled;

	(void)t;
	settled = s->entry && s->quiet && entry_settled(s->entry);
	in = s->in[settled];
	if (!s->fresh || !s->entry || s->rc || !in ||
	    !json_is_string(row) || !json_is_string(js) ||
	    !json_is_object(csv) || !json_is_object(rec) ||
	    !(out = page_stamp(s->id)))
		return;
	snprintf(in_hex, sizeof(in_hex), "%016llx", (unsigned long long)in);
	snprintf(out_hex, sizeof(out_hex), "%016llx", (unsigned long long)out);
	part[PART_ROW] = (char *)json_string_value(row);
	len[PART_ROW] = json_string_length(row);
	part[PART_JSON] = (char *)json_string_value(js);
	len[PART_JSON] = json_string_length(js);
	part[PART_CSV] = json_dumps(csv, JSON_COMPACT);
	part[PART_REC] = json_dumps(rec, JSON_COMPACT);
	/*
	 * the parts follow as bytes; the summary is the "json" part, parsed
	 * when asked for, and "k" what ordering needs of it; key and serial
	 * are made anew
	 */
	e = json_copy(s->entry);
	for (int k = 0; k < NPARTS; k++)
		json_object_del(e, part_key[k]);
	json_object_set_new(e, "k", entry_key(json_object_get(e, "sum")));
	json_object_del(e, "sum");
	json_object_del(e, "csv");
	json_object_del(e, "rec");
	json_object_del(e, "key");
	json_object_del(e, "serial");
	json_object_set(e, "kh", json_object_get(csv, "kh"));
	/* "dir": the folder's stamp alone (job_stamp) */
	r = json_pack("{s:s, s:s, s:s, s:o}", "id", s->id, settled ? "dir" :
		      "in", in_hex, "out", out_hex, "e", e);
	/* NULL where a row's bytes are not UTF-8: not kept */
	head = r ? json_dumps(r, JSON_COMPACT) : NULL;
	json_decref(r);
	ok = head && part[PART_CSV] && part[PART_REC];
	for (int k = PART_CSV; ok && k < NPARTS; k++)
		len[k] = strlen(part[k]);
	for (int k = 0; ok && k < NPARTS; k++)
		ok = len[k] <= 0xffffffffu;
	if (ok) {
		for (int k = 0; k < NPARTS; k++)
			sb_addf(&sb, "%08zx ", len[k]);
		sb_adds(&sb, head);
		sb_addc(&sb, '\n');
		for (int k = 0; k < NPARTS; k++)
			sb_add(&sb, part[k], len[k]);
		sb_addc(&sb, '\n');
		s->line = sb_detach(&sb, &s->line_len);
	}
	free(head);
	free(part[PART_CSV]);
	free(part[PART_REC]);
}

/*
 * Would the render cache of the n slots be the one read: every job
 * taken from it, none read, in the order of its records, and no other
 * record? 1 or 0.
 */
static int
cache_same(const struct pass *p, size_t n)
{
	const struct disk *d = p->disk;
	size_t k = 0;

	if (!d->buf)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct slot *s = &p->slots[i];

		if (s->line)
			return 0;
		/* a job without a record here: none in the file either */
		if (s->reused && !s->read &&
		    (k >= d->n || cache_rec(d, s->id) != &d->rec[k++]))
			return 0;
	}
	return k == d->n && (k ? d->rec[k - 1].all + d->rec[k - 1].all_len :
			     d->buf + strlen(d->head)) == d->buf + d->len;
}

/*
 * Write the render cache of this full render's n slots, unless its bytes
 * are those read (nothing changed). 0 or -1.
 */
static int
cache_write(struct pass *p, size_t n)
{
	struct disk *d = p->disk;
	struct strbuf sb = STRBUF_INIT;
	char *path;
	int rc = 0;

	run_parallel(p->threads, n, cache_line, p);
	if (cache_same(p, n))
		return 0;
	sb_adds(&sb, d->head);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &p->slots[i];
		struct crec *r;

		if (s->line)
			sb_add(&sb, s->line, s->line_len);
		else if (s->reused && !s->read &&
			 (r = cache_rec(d, s->id)))
			sb_add(&sb, r->all, r->all_len);
		free(s->line);
		s->line = NULL;
	}
	if (!d->buf || sb.len != d->len || memcmp(sb_str(&sb), d->buf, sb.len)) {
		path = path_join(p->o->www, CACHE_FILE);
		rc = write_sb(path, &sb);
		free(path);
	}
	sb_release(&sb);
	return rc;
}

/* Read job s from the spool and make its entry; its view, or NULL. */
static json_t *
read_slot(struct pass *p, struct slot *s, int t)
{
	struct runs_job j;
	json_t *view;
	char *claimed = NULL;

	memset(&j, 0, sizeof(j));
	if (p->disk) {
		/* which one its record takes is known once it is read */
		time_t mtime = 0;

		s->in[0] = job_stamp(p, s->id, 0, NULL);
		s->in[1] = job_stamp(p, s->id, 1, &mtime);
		s->quiet = time_now() - (double)mtime > SETTLE_S;
	}
	view = load_job(p->o, s->id, &s->fresh, &j);

	s->read = 1;
	json_decref(s->entry);
	if (view) {
		/* a view from the last render holds {id, name} already */
		const json_t *vg = json_object_get(view, "group");

		claimed = json_is_string(vg) ? xstrdup(json_string_value(vg)) :
			  NULL;
		json_object_set_new(view, "group", group_of(p, s->id,
			claimed ? claimed : json_str(vg, "id", NULL)));
	}
	s->entry = view ? make_entry(p->set, view, &p->bufs[t]) : NULL;
	/* the group its state names, which only that group may list */
	if (s->entry && claimed)
		json_object_set_new(s->entry, "claim", json_string(claimed));
	free(claimed);
	if (view && !s->entry)
		s->rc = -1;
	if (s->entry)
		read_runs(p, s, s->entry, view, &j);
	runs_release(&j);
	return view;
}

/*
 * Fill the slot of job i (on thread t): from the cache when the job is
 * not wanted, else read from the spool, its page written unless it is
 * queued (a queued page is written once its place is known: queue_job).
 */
static void
load_slot(void *arg, size_t i, int t)
{
	struct pass *p = arg;
	struct slot *s = &p->slots[i];
	json_t *c, *view;

	if (s->done)
		return;
	s->done = 1;
	c = p->cache ? json_object_get(p->cache, s->id) : NULL;
	s->wanted = !p->want || in_list(p->want, p->nwant, s->id) ||
		    json_object_get(p->moved, s->id);
	if ((c && !s->wanted) || cache_take(p, s)) {
		if (!s->entry)
			s->entry = json_incref(c);
		slot_key(s);
		return;
	}
	view = read_slot(p, s, t);
	if (!s->entry) {
		/* left out, or its row would not render (s->rc says) */
	} else if (s->fresh && is_queued(view)) {
		s->queued = json_incref(view);
	} else if (s->fresh) {
		s->rc = write_job(p->o, p->set, view, &p->bufs[t], s->cjs,
				  s->cjs_len);
	}
	slot_key(s);
	json_decref(view);
}

/* load_slot of the i-th slot of p->first. */
static void
load_first(void *arg, size_t i, int t)
{
	struct pass *p = arg;

	load_slot(p, p->first[i], t);
}

/* Queue order, as the runner takes jobs (job_order_cmp of s->ord). */
static int
cmp_queue(const void *a, const void *b)
{
	const struct slot *x = *(struct slot *const *)a;
	const struct slot *y = *(struct slot *const *)b;

	return job_order_cmp(&x->key.k.o, x->key.k.id, &y->key.k.o,
			     y->key.k.id);
}

/*
 * Write the page of the i-th queued job (on thread t) when it was read
 * just now or its place in the queue moved since its page was written.
 */
static void
queue_job(void *arg, size_t i, int t)
{
	struct pass *p = arg;
	struct slot *s = p->queue[i];
	json_int_t pos = (json_int_t)i + 1, len = (json_int_t)p->nqueue;
	json_t *view = s->queued;

	if (!view) {
		/* shown from its last render (read, not fresh): as it was */
		if (s->read ||
		    (json_integer_value(json_object_get(s->entry, "qpos")) ==
		     pos && json_integer_value(json_object_get(s->entry,
							       "qlen")) == len))
			return;
		view = read_slot(p, s, t);
		slot_key(s);
		if (!view || !s->fresh || !s->entry ||
		    s->key.k.status != JOB_QUEUED) {
			/* no longer queued: its next change renders it */
			json_decref(view);
			return;
		}
	}
	json_object_set_new(view, "queue_pos", json_integer(pos));
	json_object_set_new(view, "queue_len", json_integer(len));
	s->rc = write_job(p->o, p->set, view, &p->bufs[t], s->cjs, s->cjs_len);
	if (s->rc == 0) {
		json_object_set_new(s->entry, "qpos", json_integer(pos));
		json_object_set_new(s->entry, "qlen", json_integer(len));
	}
	if (view != s->queued)
		json_decref(view);
}

/*
 * Fill the slots of the n jobs of ids (cache first, else the spool; the
 * wanted pages written), then put the queued jobs in queue order and
 * write the pages of those whose place moved; the cache takes every entry
 * made. 0, or -1 when a page could not be written.
 */
static int
render_jobs(struct pass *p, char *const *ids, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		p->slots[i].id = ids[i];
	p->nslots = n;
	/*
	 * The jobs that changed first: in watch mode their pages are
	 * replaced before the other 10,000 slots are filled from the cache.
	 */
	if (p->want) {
		size_t nf = 0;

		p->first = xcalloc(p->nwant + 1, sizeof(*p->first));
		for (size_t k = 0; k < p->nwant; k++) {
			char **hit = n ? bsearch(&p->want[k], ids, n,
						 sizeof(*ids), cmp_str) : NULL;

			if (hit)
				p->first[nf++] = (size_t)(hit - ids);
		}
		run_parallel(p->threads, nf, load_first, p);
		free(p->first);
		p->first = NULL;
	}
	run_parallel(p->threads, n, load_slot, p);
	p->queue = xcalloc(n + 1, sizeof(*p->queue));
	for (size_t i = 0; i < n; i++)
		if (p->slots[i].entry && p->slots[i].key.k.status == JOB_QUEUED)
			p->queue[p->nqueue++] = &p->slots[i];
	qsort(p->queue, p->nqueue, sizeof(*p->queue), cmp_queue);
	run_parallel(p->threads, p->nqueue, queue_job, p);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &p->slots[i];

		if (p->cache && s->entry && (s->fresh || s->reused))
			json_object_set(p->cache, s->id, s->entry);
		else if (p->cache && s->read && !s->fresh)
			json_object_del(p->cache, s->id);	/* read again
								   next time */
		json_decref(s->queued);
		free(s->cjs);
		rc |= s->rc;
	}
	free(p->queue);
	return rc ? -1 : 0;
}

/* What a render writes at the top of www (jobs/ a folder, others files). */
static const char *const site_names[] = {
	SITE_MARKER, "index.html", "jobs.json", "feed.xml", "style.css",
	"live.js", "jobs", "jobs.csv", "compare.html", "runs.js", "chart.js",
	GROUP_DIR, HEARTBEAT_FILE, "runner.js", INDEX_DIR, CACHE_FILE, NULL
};

/* Could a render have made name at the top of www (or its temporary)? */
static int
site_name_ours(const char *name)
{
	for (int i = 0; site_names[i]; i++) {
		size_t n = strlen(site_names[i]);

		if (strncmp(name, site_names[i], n) == 0 &&
		    (name[n] == '\0' || strncmp(name + n, ".tmp.", 5) == 0))
			return 1;
	}
	return 0;
}

/*
 * Make sure www is a site of ours before anything in it is written or
 * removed: created when missing; marked (SITE_MARKER, a regular file) is
 * ours; empty, or a site of a version before the marker (index.html and
 * style.css, nothing but names a render writes), is marked and taken.
 * Anything else (a typo naming the spool, a home folder) is refused and
 * left as it is. Then www/jobs, when there, is made a real folder
 * (site_dir). 0, or -1 after error().
 */
static int
site_claim(const char *www)
{
	char *marker = path_join(www, SITE_MARKER);
	struct stat st;
	int rc = 0;

	www_path = www;
	if (mkdir_p(www) < 0) {
		rc = -1;
	} else if ((www_fd = open(www, O_RDONLY | O_DIRECTORY |
				  O_CLOEXEC)) < 0) {
		rc = error("cannot open '%s': %s", www, strerror(errno));
	} else if (fstatat(www_fd, SITE_MARKER, &st,
			   AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		int dfd = openat(www_fd, ".", O_RDONLY | O_DIRECTORY |
				 O_CLOEXEC);
		DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
		struct dirent *e;
		int n = 0, foreign = 0, index = 0, style = 0;

		if (!d) {
			if (dfd >= 0)
				close(dfd);
			free(marker);
			return error("cannot open '%s': %s", www,
				     strerror(errno));
		}
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			n++;
			foreign |= !site_name_ours(e->d_name);
			index |= !strcmp(e->d_name, "index.html");
			style |= !strcmp(e->d_name, "style.css");
		}
		closedir(d);
		if (n && (foreign || !index || !style))
			rc = error("refusing to render into '%s': it is not "
				   "empty and not a site spoolboard made (no "
				   SITE_MARKER "); name a new or empty "
				   "folder with --www", www);
		else if (site_write(marker, SITE_MARKER_TEXT,
				    strlen(SITE_MARKER_TEXT)) < 0)
			rc = -1;
	}
	free(marker);
	if (rc == 0) {
		/* made when a job needs it; a link there is replaced now,
		   before remove_gone lists it */
		char *jobs = path_join(www, "jobs");

		if (fstatat(www_fd, "jobs", &st, AT_SYMLINK_NOFOLLOW) == 0)
			rc = site_dir(jobs);
		free(jobs);
	}
	return rc;
}

/* The end of a render: the site's folder is closed. */
static void
site_release(void)
{
	if (www_fd >= 0)
		close(www_fd);
	www_fd = -1;
	www_path = NULL;
}

/* Remove the page folders of the wanted jobs that are gone from ids. */
static void
remove_gone(const char *www, char *const *ids, size_t n,
	    char *const *want, size_t nwant)
{
	char *dir = path_join(www, "jobs");
	size_t nw = nwant;
	char **old = want ? NULL : list_dir(dir, &nw);
	int fd = path_open_nofollow(www_fd, "jobs");

	for (size_t i = 0; fd >= 0 && i < nw; i++) {
		const char *id = want ? want[i] : old[i];
		char *path;
		int q;

		if (in_list(ids, n, id) || !job_id_valid(id))
			continue;
		path = path_join(dir, id);
		/* silent, as before: the next render tries again */
		q = error_set_quiet(1);
		file_remove_at(fd, id, path);
		error_set_quiet(q);
		free(path);
	}
	if (fd >= 0)
		close(fd);
	if (old)
		free_list(old, nw);
	free(dir);
}

/* ---- groups ----------------------------------------------------------- */

/* Is groups/GID a folder without group.json (the runner claiming it)? */
static int
group_claiming(const char *dir, const char *gid)
{
	char *p = xasprintf("%s/%s/%s", dir, gid, JOB_GROUP);
	struct stat st;
	int yes = lstat(p, &st) < 0 && errno == ENOENT;

	free(p);
	return yes;
}

/*
 * Read the groups of the spool into p: p->groups (the cache's ".groups"
 * in watch mode, kept between renders) holds, by GID, {sig, group, sum,
 * fresh}: group.json's identity (group_stat), the group as group_read
 * made it (null when it never could be read), what the index shows of it,
 * and whether it was read in this render. A group.json whose identity did
 * not change is not read again; one that cannot be read is warned about
 * once and the group shown as it last was. Then p->member_of maps each
 * member's job ID to its group (the first by GID, when two claim it), and
 * p->moved holds the jobs whose group is not the one their entry shows.
 */
static void
load_groups(struct pass *p)
{
	char *dir = path_join(p->o->spool, GROUP_DIR);
	const json_t *old = p->cache ? json_object_get(p->cache, ".members") :
			    NULL;
	json_t *store = p->cache ? json_object_get(p->cache, ".groups") : NULL;
	const char *key;
	json_t *v, *tmp;

	p->gids = list_dir(dir, &p->ngids);
	if (!store) {
		store = json_object();
		if (p->cache)
			json_object_set(p->cache, ".groups", store);
	} else {
		json_incref(store);
	}
	p->groups = store;
	json_object_foreach_safe(store, tmp, key, v)
		if (!in_list(p->gids, p->ngids, key))
			json_object_del(store, key);
	for (size_t i = 0; i < p->ngids; i++) {
		const char *gid = p->gids[i];
		json_t *c = json_object_get(store, gid), *g;
		char sig[160], err[512];

		group_stat(dir, gid, sig, sizeof(sig));
		if (c && !strcmp(json_str(c, "sig", ""), sig)) {
			json_object_set_new(c, "fresh", json_false());
			continue;
		}
		g = group_read(dir, gid, err, sizeof(err));
		/* a group folder without group.json yet: a claim under way */
		if (!g && !group_claiming(dir, gid))
			warning("skipping group %s: %s", gid, err);
		if (!c) {
			c = json_object();
			json_object_set_new(store, gid, c);
		}
		json_object_set_new(c, "sig", json_string(sig));
		json_object_set_new(c, "fresh", json_boolean(g != NULL));
		if (g || !json_object_get(c, "group"))
			json_object_set_new(c, "group", g ? g : json_null());
	}
	p->member_of = json_object();
	for (size_t i = 0; i < p->ngids; i++) {
		const json_t *g = json_object_get(json_object_get(store,
			p->gids[i]), "group"), *m;
		size_t k;

		json_array_foreach(json_object_get(g, "members"), k, m)
			if (!json_object_get(p->member_of, json_str(m, "id",
								   "")))
				json_object_set_new(p->member_of, json_str(m,
					"id", ""), json_pack("{s:s, s:O}",
					"id", p->gids[i], "name",
					json_object_get(g, "name")));
	}
	p->moved = json_object();
	json_object_foreach(p->member_of, key, v)
		if (!old || !json_equal(v, json_object_get(old, key)))
			json_object_set_new(p->moved, key, json_true());
	json_object_foreach((json_t *)old, key, v)
		if (!json_object_get(p->member_of, key))
			json_object_set_new(p->moved, key, json_true());
	if (p->cache)
		json_object_set(p->cache, ".members", p->member_of);
	free(dir);
}

/* The slot of job id, or NULL. */
static struct slot *
find_slot(const struct pass *p, const char *id)
{
	size_t lo = 0, hi = p->nslots;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->slots[mid].id, id);

		if (c == 0)
			return &p->slots[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The groups whose page a render writes. */
struct gwork {
	struct pass *p;
	const char **gids;
	int *rc;
};

/*
 * Write the page and data.json of the i-th group of w (on thread t): its
 * view made from its members' entries, those of this render. What the
 * index shows of it goes into its cache ("sum").
 */
static void
group_page(void *arg, size_t i, int t)
{
	struct gwork *w = arg;
	struct pass *p = w->p;
	json_t *c = json_object_get(p->groups, w->gids[i]);
	const json_t *g = json_object_get(c, "group");
	const json_t *members = json_object_get(g, "members"), *m;
	size_t nm = json_array_size(members), k;
	const json_t **ents = xcalloc(nm + 1, sizeof(*ents));
	struct bufs *b = &p->bufs[t];
	char *wg = path_join(p->o->www, GROUP_DIR);
	char *wdir = path_join(wg, w->gids[i]);
	char *page = path_join(wdir, "index.html");
	char *data = path_join(wdir, "data.json");
	json_t *view;
	int rc = -1;

	/* a job whose state names another group is not this one's */
	json_array_foreach(members, k, m) {
		struct slot *s = find_slot(p, json_str(m, "id", ""));
		const char *claim = s && s->entry ? json_str(s->entry, "claim",
							     NULL) : NULL;

		ents[k] = s && (!claim || !strcmp(claim, w->gids[i])) ?
			  s->entry : NULL;
	}
	view = group_view(g, ents);
	if (site_dir(wg) == 0 && site_dir(wdir) == 0 &&
	    render_to(p->set, "group", view, &b->page) == 0 &&
	    write_sb(page, &b->page) == 0) {
		sb_reset(&b->data);
		json_dump_web(&b->data, view);
		sb_addc(&b->data, '\n');
		rc = write_sb(data, &b->data);
	}
	json_object_set_new(c, "sum", group_summary(view));
	w->rc[i] = rc;
	json_decref(view);
	free(ents);
	free(wg);
	free(wdir);
	free(page);
	free(data);
}

/* Does group g have a member read, wanted or moved in this render? */
static int
group_touched(const struct pass *p, const json_t *g)
{
	const json_t *m;
	size_t k;

	json_array_foreach(json_object_get(g, "members"), k, m) {
		const char *id = json_str(m, "id", "");
		const struct slot *s = find_slot(p, id);

		if ((s && s->read) || json_object_get(p->moved, id) ||
		    (p->want && in_list(p->want, p->nwant, id)))
			return 1;
	}
	return 0;
}

static int
cmp_group_sum(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(json_str(x, "id", ""), json_str(y, "id", ""));
}

/*
 * Write the page of every group that changed or has a member that did
 * (all of them when every job was read), remove the page folders of
 * groups gone from the spool, and return what the index shows of the
 * groups (by ID) in *list. 0, or -1 when a page could not be written.
 */
static int
write_groups(struct pass *p, json_t **list)
{
	const char **todo = xcalloc(p->ngids + 1, sizeof(*todo));
	int *rcs = xcalloc(p->ngids + 1, sizeof(*rcs)), rc = 0;
	size_t n = 0, nold = 0;
	struct gwork w = { p, todo, rcs };
	char *wg = path_join(p->o->www, GROUP_DIR);
	char **old = list_dir(wg, &nold);
	json_t **sums;

	for (size_t i = 0; i < p->ngids; i++) {
		const json_t *c = json_object_get(p->groups, p->gids[i]);
		const json_t *g = json_object_get(c, "group");

		if (json_is_object(g) && (!p->want ||
		    json_is_true(json_object_get(c, "fresh")) ||
		    !json_object_get(c, "sum") || group_touched(p, g)))
			todo[n++] = p->gids[i];
	}
	/* the members' records parsed here, not by two threads at once */
	for (size_t i = 0; i < n; i++) {
		const json_t *g = json_object_get(json_object_get(p->groups,
			todo[i]), "group"), *m;
		size_t k;

		json_array_foreach(json_object_get(g, "members"), k, m) {
			struct slot *s = find_slot(p, json_str(m, "id", ""));

			if (s && s->entry) {
				struct runs_text rec = crec_part(s->crec,
								 PART_REC);

				entry_sum(s->entry, s->crec);
				runs_entry_part(s->entry, "rec", &rec);
			}
		}
	}
	if (n && !tmpl_set_get(p->set, "group"))
		rc = error("templates in '%s': 'group' is needed "
			   "(group.mustache)", p->o->templates);
	else
		run_parallel(p->threads, n, group_page, &w);
	for (size_t i = 0; i < n; i++)
		rc |= rcs[i];
	/* a group whose folder is gone: its pages go too */
	for (size_t i = 0; i < nold; i++) {
		int fd;

		if (in_list(p->gids, p->ngids, old[i]) ||
		    !job_id_valid(old[i]))
			continue;
		fd = path_open_nofollow(www_fd, GROUP_DIR);
		if (fd >= 0) {
			char *path = path_join(wg, old[i]);
			int q = error_set_quiet(1);

			file_remove_at(fd, old[i], path);
			error_set_quiet(q);
			free(path);
			close(fd);
		}
	}
	sums = xcalloc(p->ngids + 1, sizeof(*sums));
	n = 0;
	for (size_t i = 0; i < p->ngids; i++) {
		json_t *sum = json_object_get(json_object_get(p->groups,
			p->gids[i]), "sum");

		if (sum)
			sums[n++] = sum;
	}
	qsort(sums, n, sizeof(*sums), cmp_group_sum);
	*list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(*list, sums[i]);
	free(sums);
	free_list(old, nold);
	free(wg);
	free(todo);
	free(rcs);
	return rc ? -1 : 0;
}

/* Newest first: the order of creation, reversed. */
static int
cmp_newest(const void *a, const void *b)
{
	const struct okey *x = a, *y = b;

	return job_order_age_cmp(&y->k.o, y->k.id, &x->k.o, x->k.id);
}

/*
 * The runner's status (heartbeat.h) as of now, published as
 * www/runner.json and as www/runner.js, the same object in a call of
 * spoolboardRunner(...) (live.js loads it with a script element, which
 * works over file:// too, and says on every page whether the runner is up
 * from its last_seen and stopped, as heartbeat_read does). "state" is
 * "none" when no runner has served the spool. Returns the index's
 * "runner" line: state, label and a time to show. 0 or -1 after error().
 */
static int
write_runner(const struct site_opts *o, json_t **line)
{
	json_t *hb = heartbeat_read(o->spool, time_now());
	const char *state = hb ? json_str(hb, "state", "up") : "none";
	struct strbuf sb = STRBUF_INIT;
	char *path, label[96];
	int rc;

	if (!hb)
		hb = json_pack("{s:s}", "state", "none");
	if (!strcmp(state, "up")) {
		size_t q = (size_t)json_int(hb, "queued", 0);
		int w = snprintf(label, sizeof(label), "Runner up · %zu "
			"running", json_array_size(json_object_get(hb,
							"running")));

		if (q)
			snprintf(label + w, sizeof(label) - (size_t)w,
				 " · %zu queued", q);
	} else {
		snprintf(label, sizeof(label), "%s", !strcmp(state, "none") ?
			 "No runner has served this spool" :
			 !strcmp(state, "stopped") ? "Runner stopped" :
			 "Runner down · last seen");
	}
	*line = json_pack("{s:s, s:s, s:s}", "state", state, "label", label,
			  "time", !strcmp(state, "stopped") ?
			  json_str(hb, "stopped", "") : !strcmp(state, "gone") ?
			  json_str(hb, "last_seen", "") : "");
	json_dump_web(&sb, hb);
	sb_addc(&sb, '\n');
	path = path_join(o->www, HEARTBEAT_FILE);
	rc = write_sb(path, &sb);
	free(path);
	sb_reset(&sb);
	sb_adds(&sb, "spoolboardRunner(");
	json_dump_web(&sb, hb);
	sb_adds(&sb, ");\n");
	path = path_join(o->www, "runner.js");
	if (rc == 0)
		rc = write_sb(path, &sb);
	free(path);
	sb_release(&sb);
	json_decref(hb);
	return rc;
}

/* ---- the index: its newest rows, every job by page, the shards ------ */

/*
 * index.html shows the newest INDEX_ROWS jobs. Every job is on a page of
 * SHARD_SIZE jobs, www/index/K.html (K from 1, the oldest jobs first, so
 * a job stays on its page as jobs come), and in that page's shard,
 * www/index/K.js: spoolboardShard(K, [summary, ...]), its jobs' entries
 * of jobs.json, newest first. www/index/manifest.js says
 * spoolboardIndex({size, total, shards: [{n, v}]}), v a hash of the
 * shard's bytes: live.js loads it and the shards by script elements
 * (which work over file:// as over http) and, while live, the manifest
 * again, then only the shards whose v changed. A change of one job
 * rewrites its page and shard and the manifest; a shard whose members'
 * entries are the same ones as at the last render (by their serials,
 * kept in the cache's ".shards") is not made again.
 */

/*
 * The list of pages, newest first: [{page, first, last}], where first
 * and last number the jobs from 1, the oldest, for n jobs in nsh pages.
 */
static json_t *
page_list(size_t n, size_t nsh)
{
	json_t *list = json_array();

	for (size_t k = nsh; k-- > 0;) {
		size_t last = (k + 1) * SHARD_SIZE < n ? (k + 1) * SHARD_SIZE :
			      n;

		json_array_append_new(list, json_pack("{s:I, s:I, s:I}",
			"page", (json_int_t)k + 1,
			"first", (json_int_t)(k * SHARD_SIZE + 1),
			"last", (json_int_t)last));
	}
	return list;
}

/*
 * Remove the pages and shards of www/index/ numbered above nsh (jobs
 * gone). Only names a render writes there are removed.
 */
static void
prune_pages(size_t nsh)
{
	int fd = path_open_nofollow(www_fd, INDEX_DIR);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		char *end;
		unsigned long k = strtoul(e->d_name, &end, 10);

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || k <= nsh ||
		    (strcmp(end, ".html") && strcmp(end, ".js")))
			continue;
		unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/*
 * Write page k (from 0) of the n entries (newest first), its shard,
 * and return the shard's version in v (16 hex digits and a NUL). pages
 * is page_list's. 0 or -1.
 */
static int
write_page(struct pass *p, const struct okey *keys, size_t n, size_t k,
	   const json_t *pages, struct strbuf *sb, char *v)
{
	size_t lo = n - ((k + 1) * SHARD_SIZE < n ? (k + 1) * SHARD_SIZE : n);
	size_t hi = n - k * SHARD_SIZE;	/* keys[lo, hi): newest first */
	json_t *rows = json_array(), *model, *mine;
	char *path;
	int rc;

	sb_reset(sb);
	sb_addf(sb, "spoolboardShard(%zu, [\n", k + 1);
	for (size_t i = lo; i < hi; i++) {
		size_t len;
		const char *js = entry_part(keys[i].e, keys[i].crec, PART_JSON,
					    &len);

		if (i > lo)
			sb_adds(sb, ",\n");
		if (js)
			sb_add(sb, js, len);
		else
			sb_adds(sb, "{}");
		json_array_append_new(rows, entry_part_json(keys[i].e,
			keys[i].crec, PART_ROW));
	}
	sb_adds(sb, "\n]);\n");
	snprintf(v, 17, "%016llx", (unsigned long long)stamp_hash(STAMP_START,
		 sb_str(sb), sb->len));
	path = xasprintf("%s/" INDEX_DIR "/%zu.js", p->o->www, k + 1);
	rc = write_sb(path, sb);
	free(path);
	/* this page marked in the list of pages (newest first) */
	mine = json_deep_copy(pages);
	json_object_set_new(json_array_get(mine, json_array_size(mine) - 1 - k),
			    "current", json_true());
	model = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}",
		"page", (json_int_t)k + 1,
		"first", (json_int_t)(k * SHARD_SIZE + 1),
		"last", (json_int_t)(k * SHARD_SIZE + hi - lo),
		"size", (json_int_t)SHARD_SIZE, "rows", rows, "pages", mine);
	path = xasprintf("%s/" INDEX_DIR "/%zu.html", p->o->www, k + 1);
	if (rc == 0)
		rc = render_page(p->set, "jobspage", model, path);
	free(path);
	json_decref(model);
	return rc;
}

/*
 * Write the pages and shards of the n entries (newest first) that
 * changed, and the manifest (see INDEX_ROWS). 0 or -1.
 */
static int
write_pages(struct pass *p, const struct okey *keys, size_t n,
	    const json_t *pages, struct strbuf *sb)
{
	size_t nsh = (n + SHARD_SIZE - 1) / SHARD_SIZE;
	const json_t *old = p->cache ? json_object_get(p->cache, ".shards") :
			    NULL;
	json_t *now = json_array();
	char *dir = path_join(p->o->www, INDEX_DIR), *path;
	struct strbuf man = STRBUF_INIT;
	int rc = site_dir(dir);

	if (rc == 0 && !tmpl_set_get(p->set, "jobspage"))
		rc = error("templates in '%s': 'jobspage' is needed "
			   "(jobspage.mustache)", p->o->templates);
	sb_addf(&man, "spoolboardIndex({\"size\":%d,\"total\":%zu,"
		"\"shards\":[", SHARD_SIZE, n);
	for (size_t k = 0; rc == 0 && k < nsh; k++) {
		size_t lo = n - ((k + 1) * SHARD_SIZE < n ?
				 (k + 1) * SHARD_SIZE : n);
		size_t hi = n - k * SHARD_SIZE;
		uint64_t h = stamp_hash(STAMP_START, &nsh, sizeof(nsh));
		const json_t *was = json_array_get(old, k);
		char sig[17], v[17];

		/* the same entries as last time: the same page and shard */
		for (size_t i = lo; i < hi; i++)
			h = stamp_hash(h, &keys[i].k.serial,
				  sizeof(keys[i].k.serial));
		snprintf(sig, sizeof(sig), "%016llx", (unsigned long long)h);
		if (was && !strcmp(json_str(was, "sig", ""), sig))
			snprintf(v, sizeof(v), "%s", json_str(was, "v", ""));
		else
			rc = write_page(p, keys, n, k, pages, sb, v);
		json_array_append_new(now, json_pack("{s:s, s:s}", "sig", sig,
						     "v", v));
		sb_addf(&man, "%s{\"n\":%zu,\"v\":\"%s\"}", k ? "," : "",
			hi - lo, v);
	}
	sb_adds(&man, "]});\n");
	if (rc == 0) {
		prune_pages(nsh);
		path = path_join(dir, "manifest.js");
		rc = write_sb(path, &man);
		free(path);
	}
	if (p->cache)
		json_object_set_new(p->cache, ".shards", rc == 0 ? now :
				    json_array());
	else
		json_decref(now);
	sb_release(&man);
	free(dir);
	return rc;
}

/*
 * jobs.json, jobs.csv and feed.xml, every job in each, from the n
 * entries (newest first). 0 or -1.
 */
static int
write_lists(struct pass *p, const struct okey *keys, json_t *const *ents,
	    size_t n, struct strbuf *sb)
{
	struct runs_text *csv;
	char *path;
	int rc;

	sb_reset(sb);
	sb_adds(sb, "{\"jobs\":[");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *js = entry_part(ents[i], keys[i].crec, PART_JSON,
					    &len);

		if (i)
			sb_addc(sb, ',');
		if (js)
			sb_add(sb, js, len);
		else
			sb_adds(sb, "{}");
	}
	sb_adds(sb, "]}\n");
	path = path_join(p->o->www, "jobs.json");
	rc = write_sb(path, sb);
	free(path);
	if (rc == 0) {
		sb_reset(sb);
		csv = xcalloc(n + 1, sizeof(*csv));
		for (size_t i = 0; i < n; i++)
			csv[i] = crec_part(keys[i].crec, PART_CSV);
		runs_csv(sb, ents, csv, n);
		free(csv);
		path = path_join(p->o->www, "jobs.csv");
		rc = write_sb(path, sb);
		free(path);
	}
	if (rc == 0) {
		json_t *feed = feed_view(keys, n);

		path = path_join(p->o->www, "feed.xml");
		rc = render_page(p->set, "feed", feed, path);
		free(path);
		json_decref(feed);
	}
	return rc;
}

/*
 * Write index.html (its newest INDEX_ROWS rows), the pages and shards of
 * every job (write_pages), compare.html and, unless o->defer_lists,
 * jobs.json, jobs.csv and feed.xml, from the n entries (newest first),
 * the groups (what the index shows of each, stolen) and the rejected
 * configs. 0 or -1.
 */
static int
write_index(struct pass *p, const struct okey *keys, json_t *const *ents,
	    size_t n, json_t *groups)
{
	const struct site_opts *o = p->o;
	struct strbuf *sb = &p->bufs[0].data;
	json_int_t count[JOB_CANCELLED + 1] = { 0 };
	json_t *counts = json_array(), *rows = json_array(), *rejected;
	json_t *jobs = json_array(), *pages;
	json_t *index, *runner;
	char now_iso[32] = "", *path;
	const char *newest = "";
	size_t nsh = (n + SHARD_SIZE - 1) / SHARD_SIZE;
	double now = 0;
	int rc;

	if (write_runner(o, &runner) < 0) {
		json_decref(counts);
		json_decref(rows);
		json_decref(jobs);
		json_decref(groups);
		return -1;
	}

	json_array_append_new(counts, json_pack("{s:s, s:s, s:I}", "key",
		"total", "label", "Total", "n", (json_int_t)n));
	for (size_t i = 0; i < n; i++) {
		int k = keys[i].k.status;

		if (k >= JOB_QUEUED && k <= JOB_CANCELLED)
			count[k]++;
		/* ISO times of one form: the newest is the greatest */
		if (strcmp(keys[i].k.updated, newest) > 0)
			newest = keys[i].k.updated;
	}
	for (int k = JOB_QUEUED; k <= JOB_CANCELLED; k++) {
		const char *name = job_status_name(k);

		json_array_append_new(counts, json_pack("{s:s, s:s, s:s, s:I}",
			"key", name, "label", view_status_label(name), "icon",
			view_status_icon(name), "n", count[k]));
	}
	for (size_t i = 0; i < n && i < INDEX_ROWS; i++) {
		json_array_append_new(rows, entry_part_json(ents[i],
			keys[i].crec, PART_ROW));
		json_array_append(jobs, (json_t *)entry_sum(ents[i],
							    keys[i].crec));
	}
	now = time_parse_iso8601(newest);
	if (now > 0)
		time_iso8601(now, now_iso, sizeof(now_iso));
	pages = page_list(n, nsh);
	rejected = rejected_view(o->spool);
	index = json_pack("{s:o, s:o, s:o, s:b, s:o, s:b, s:s, s:b, s:o, "
			  "s:o, s:O, s:b, s:I, s:I}", "counts", counts,
			  "rows", rows, "jobs", jobs,
			  "has_jobs", n > 0, "rejected", rejected,
			  "has_rejected", json_array_size(rejected) > 0,
			  "as_of", now_iso, "has_groups",
			  json_array_size(groups) > 0, "groups", groups,
			  "runner", runner, "pages", pages,
			  "has_more", n > INDEX_ROWS,
			  "shown", (json_int_t)(n < INDEX_ROWS ? n :
						INDEX_ROWS),
			  "total", (json_int_t)n);
	path = path_join(o->www, "index.html");
	rc = render_page(p->set, "index", index, path);
	free(path);
	json_decref(index);
	if (rc == 0)
		rc = write_pages(p, keys, n, pages, sb);
	json_decref(pages);
	if (rc == 0 && !o->defer_lists)
		rc = write_lists(p, keys, ents, n, sb);
	if (rc == 0) {
		/* a page of its own making: the selection is in its URL */
		json_t *cmp = json_object();

		path = path_join(o->www, "compare.html");
		rc = render_page(p->set, "compare", cmp, path);
		free(path);
		json_decref(cmp);
	}
	return rc;
}

int
site_render_all(const struct site_opts *o)
{
	return site_render_ids(o, NULL, 0, NULL);
}

int
site_render_ids(const struct site_opts *o, char *const *want, size_t nwant,
		json_t *cache)
{
	char *jobs = path_join(o->spool, "jobs");
	struct pass *p = xcalloc(1, sizeof(*p));
	size_t n, nent = 0;
	char **ids = list_jobs(jobs, cache, &n), **sorted = NULL;
	json_t **ents, *groups = NULL;
	struct okey *keys;
	int rc;

	/* nothing is written, nothing removed, in a folder not ours */
	if (site_claim(o->www) < 0) {
		site_release();
		free(p);
		free_list(ids, n);
		free(jobs);
		return -1;
	}
	rc = 0;

	p->o = o;
	p->set = tmpl_set_new(load_template, (void *)o->templates);
	p->slots = xcalloc(n + 1, sizeof(*p->slots));
	p->cache = cache;
	p->threads = o->threads > 0 ? o->threads : usable_cpus();
	if (p->threads > SITE_MAX_THREADS)
		p->threads = SITE_MAX_THREADS;
	if (p->threads < 1)
		p->threads = 1;
	if (want) {
		sorted = xcalloc(nwant + 1, sizeof(*sorted));
		memcpy(sorted, want, nwant * sizeof(*sorted));
		if (nwant)
			qsort(sorted, nwant, sizeof(*sorted), cmp_str);
		p->want = sorted;
		p->nwant = nwant;
	}
	/* a missing or broken page template is one error, not one per job */
	if (rc == 0 && (!tmpl_set_get(p->set, "job") ||
			!tmpl_set_get(p->set, "row")))
		rc = error("templates in '%s': 'job' and 'row' are needed "
			   "(job.mustache, row.mustache)", o->templates);
	remove_gone(o->www, ids, n, sorted, nwant);
	for (size_t i = 0; cache && sorted && i < nwant; i++)
		if (!in_list(ids, n, sorted[i]))
			json_object_del(cache, sorted[i]);
	load_groups(p);
	p->jobs_fd = -1;
	if (!want)
		cache_load(p, n);
	if (p->disk)
		p->jobs_fd = open(jobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rc == 0)
		rc = render_jobs(p, ids, n);
	if (rc == 0)
		rc = write_groups(p, &groups);
	keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		if (p->slots[i].entry)
			keys[nent++] = p->slots[i].key;
	if (nent)
		qsort(keys, nent, sizeof(*keys), cmp_newest);
	ents = xcalloc(n + 1, sizeof(*ents));
	for (size_t i = 0; i < nent; i++)
		ents[i] = keys[i].e;
	if (rc == 0)
		rc = write_index(p, keys, ents, nent, groups);
	else
		json_decref(groups);
	if (rc == 0)
		rc = copy_asset(o->templates, o->www, "style.css");
	if (rc == 0)
		rc = copy_asset(o->templates, o->www, "live.js");
	if (rc == 0)
		rc = copy_asset(o->templates, o->www, "runs.js");
	if (rc == 0)
		rc = copy_asset(o->templates, o->www, "chart.js");
	/* a cache not written costs the next full render time, no more */
	if (rc == 0 && p->disk)
		cache_write(p, n);
	cache_keep(p);
	cache_free(p->disk);
	if (p->jobs_fd >= 0)
		close(p->jobs_fd);
	for (size_t i = 0; i < n; i++)
		json_decref(p->slots[i].entry);
	for (int t = 0; t < SITE_MAX_THREADS; t++) {
		sb_release(&p->bufs[t].page);
		sb_release(&p->bufs[t].data);
	}
	free(ents);
	free(keys);
	free(sorted);
	free(p->slots);
	json_decref(p->groups);
	json_decref(p->member_of);
	json_decref(p->moved);
	free_list(p->gids, p->ngids);
	tmpl_set_free(p->set);
	free(p);
	free_list(ids, n);
	free(jobs);
	site_release();
	return rc;
}
