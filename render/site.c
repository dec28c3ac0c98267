/*
 * site.c - render a whole spool into a static site; see site.h.
 *
 * Every job's view model (view.c) is read first, so that queued jobs can
 * be given their place in the queue; then each renders its page and is
 * written beside it as data.json, and the summaries of all views make the
 * index, jobs.json and the Atom feed. Relative times ("5 min ago")
 * appear on the index only, computed against the newest time in the spool
 * (not the clock), so rendering an unchanged spool twice gives the same
 * bytes and rewrites nothing (live.js redoes them against the clock).
 * JSON written into www has < > & as \u escapes, so no markup from a job
 * name can appear raw in any file a browser might parse.
 */
#include "site.h"
#include "chart.h"
#include "csvfile.h"
#include "error.h"
#include "fileio.h"
#include "json.h"
#include "strbuf.h"
#include "timeutil.h"
#include "tmpl.h"
#include "view.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERROR_MAX (64 * 1024)

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

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (!name_is_safe(e->d_name))
			continue;
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void
free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
write_sb(const char *path, const struct strbuf *sb)
{
	return file_update(path, sb_str(sb), sb->len) < 0 ? -1 : 0;
}

/*
 * Make dst a hard link to src (a regular file, not a link), replacing an
 * older dst atomically; copy it when linking fails (another filesystem).
 */
static int
link_file(const char *src, const char *dst)
{
	struct stat s, d;
	char *tmp;
	int rc = 0;

	if (lstat(src, &s) < 0 || !S_ISREG(s.st_mode))
		return 0;
	if (lstat(dst, &d) == 0 && d.st_ino == s.st_ino &&
	    d.st_dev == s.st_dev)
		return 0;
	tmp = xasprintf("%s.tmp", dst);
	unlink(tmp);
	if (link(src, tmp) == 0) {
		if (rename(tmp, dst) < 0) {
			rc = error("cannot rename '%s': %s", tmp,
				   strerror(errno));
			unlink(tmp);
		}
	} else {
		size_t len;
		char *buf = file_read(src, &len, 0);

		rc = buf ? file_update(dst, buf, len) : -1;
		rc = rc < 0 ? -1 : 0;
		free(buf);
	}
	free(tmp);
	return rc;
}

/* Remove the files in dir that no row of rows names (stale links). */
static void
prune(const char *dir, const json_t *rows)
{
	size_t n, i;
	char **names = list_dir(dir, &n);

	for (size_t k = 0; k < n; k++) {
		const json_t *r;
		int keep = strcmp(names[k], "checkpoints") == 0;

		json_array_foreach(rows, i, r)
			if (strcmp(json_str(r, "file", ""), names[k]) == 0)
				keep = 1;
		if (!keep) {
			char *path = path_join(dir, names[k]);

			unlink(path);
			free(path);
		}
	}
	free_list(names, n);
}

/* Link the downloads and checkpoints of view into wdir/files/. */
static int
link_files(const char *jdir, const char *wdir, const json_t *view)
{
	char *files = path_join(wdir, "files");
	char *ck = path_join(files, "checkpoints");
	const json_t *r;
	size_t i;
	int rc = 0;

	if (mkdir_p(files) < 0 ||
	    (json_array_size(json_object_get(view, "checkpoints")) &&
	     mkdir_p(ck) < 0))
		rc = -1;
	json_array_foreach(json_object_get(view, "downloads"), i, r) {
		char *s = path_join(jdir, json_str(r, "file", ""));
		char *d = path_join(files, json_str(r, "file", ""));

		if (rc == 0)
			rc = link_file(s, d);
		free(s);
		free(d);
	}
	json_array_foreach(json_object_get(view, "checkpoints"), i, r) {
		char *s = xasprintf("%s/checkpoints/%s", jdir,
				    json_str(r, "file", ""));
		char *d = path_join(ck, json_str(r, "file", ""));

		if (rc == 0)
			rc = link_file(s, d);
		free(s);
		free(d);
	}
	prune(files, json_object_get(view, "downloads"));
	prune(ck, json_object_get(view, "checkpoints"));
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

static int
render_page(struct tmpl_set *set, const char *name, const json_t *model,
	    const char *path)
{
	struct tmpl *t = tmpl_set_get(set, name);
	struct strbuf out = STRBUF_INIT;
	int rc;

	if (!t)
		return error("template '%s' not found", name);
	rc = tmpl_render(t, set, model, &out);
	if (rc == 0)
		rc = write_sb(path, &out);
	sb_release(&out);
	return rc;
}

/*
 * The view of job id (a new reference) or, when its state cannot be read,
 * its last good render (then *fresh is 0); NULL when neither exists.
 */
static json_t *
load_job(const char *spool, const char *www, const char *id, int *fresh)
{
	char *jdir = xasprintf("%s/jobs/%s", spool, id);
	json_t *view = view_job(jdir, id, 0);
	char err[256], *data;

	free(jdir);
	*fresh = view != NULL;
	if (view)
		return view;
	data = xasprintf("%s/jobs/%s/data.json", www, id);
	view = json_load_path(data, 0, err, sizeof(err));
	free(data);
	if (view)
		warning("job %s: showing its last good render", id);
	else
		warning("job %s: left out (no earlier render)", id);
	return view;
}

/* Write the page, data.json and files/ of a freshly read job view. */
static int
write_job(struct tmpl_set *set, const char *spool, const char *www,
	  const json_t *view)
{
	const char *id = json_str(view, "id", "");
	char *jdir = xasprintf("%s/jobs/%s", spool, id);
	char *wdir = xasprintf("%s/jobs/%s", www, id);
	char *page = path_join(wdir, "index.html");
	char *data = path_join(wdir, "data.json");
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (mkdir_p(wdir) == 0 && link_files(jdir, wdir, view) == 0 &&
	    render_page(set, "job", view, page) == 0) {
		json_dump_web(&sb, view);
		sb_addc(&sb, '\n');
		rc = write_sb(data, &sb);
	}
	sb_release(&sb);
	free(jdir);
	free(wdir);
	free(page);
	free(data);
	return rc;
}

static int
cmp_created(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *cx = json_str(json_object_get(x, "created"), "iso", "");
	const char *cy = json_str(json_object_get(y, "created"), "iso", "");
	int c = strcmp(cx, cy);

	return c ? c : strcmp(json_str(x, "id", ""), json_str(y, "id", ""));
}


/* Number the queued views 1, 2, ... oldest first ("queue_pos"). */
static void
number_queue(json_t *views)
{
	size_t n = json_array_size(views), nq = 0;
	json_t **q = xcalloc(n + 1, sizeof(*q));

	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(views, i);

		if (strcmp(json_str(v, "status", ""), "queued") == 0)
			q[nq++] = v;
	}
	if (nq)
		qsort(q, nq, sizeof(*q), cmp_created);
	for (size_t i = 0; i < nq; i++) {
		json_object_set_new(q[i], "queue_pos",
				    json_integer((json_int_t)i + 1));
		json_object_set_new(q[i], "queue_len",
				    json_integer((json_int_t)nq));
	}
	free(q);
}

static int
cmp_summary(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *cx = json_str(json_object_get(x, "created"), "iso", "");
	const char *cy = json_str(json_object_get(y, "created"), "iso", "");
	int c = strcmp(cy, cx);

	return c ? c : strcmp(json_str(y, "id", ""), json_str(x, "id", ""));
}

/* The rejected configs: [{name, error}]. */
static json_t *
rejected_view(const char *spool)
{
	char *dir = path_join(spool, "rejected");
	json_t *rows = json_array();
	size_t n;
	char **names = list_dir(dir, &n);

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		char *path, *err;

		if (len < 6 || strcmp(names[i] + len - 5, ".json"))
			continue;
		path = xasprintf("%s/%.*s.error", dir, (int)(len - 5),
				 names[i]);
		error_set_quiet(1);
		err = file_read(path, NULL, ERROR_MAX);
		error_set_quiet(0);
		if (err && !csvfile_utf8_valid(err)) {
			free(err);
			err = NULL;
		}
		json_array_append_new(rows, json_pack("{s:s, s:s}",
			"name", names[i],
			"error", err ? err : "(no error file)"));
		free(err);
		free(path);
	}
	free_list(names, n);
	free(dir);
	return rows;
}

/* The Atom feed of finished jobs. */
static void
feed_xml(struct strbuf *sb, json_t *const *sums, size_t n)
{
	const char *newest = "1970-01-01T00:00:00Z";

	for (size_t i = 0; i < n; i++) {
		const char *u = json_str(sums[i], "updated", "");

		if (strcmp(u, newest) > 0)
			newest = u;
	}
	sb_adds(sb, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
		"<title>spoolboard jobs</title>\n"
		"<id>urn:spoolboard:feed</id>\n<updated>");
	chart_escape(sb, newest);
	sb_adds(sb, "</updated>\n<author><name>spoolboard</name></author>\n");
	for (size_t i = 0; i < n; i++) {
		const char *st = json_str(sums[i], "status", "");
		const char *u = json_str(sums[i], "updated", "");

		if (strcmp(st, "completed") && strcmp(st, "failed") &&
		    strcmp(st, "cancelled"))
			continue;
		sb_adds(sb, "<entry>\n<title>");
		chart_escape(sb, json_str(sums[i], "name", ""));
		sb_adds(sb, " \xe2\x80\x94 ");
		chart_escape(sb, json_str(sums[i], "label", ""));
		sb_adds(sb, "</title>\n<id>urn:spoolboard:job:");
		chart_escape(sb, json_str(sums[i], "id", ""));
		sb_adds(sb, "</id>\n<link href=\"jobs/");
		chart_escape(sb, json_str(sums[i], "id", ""));
		sb_adds(sb, "/\"/>\n<updated>");
		chart_escape(sb, *u ? u : newest);
		sb_adds(sb, "</updated>\n<summary>");
		chart_escape(sb, json_str(sums[i], "label", ""));
		sb_adds(sb, ", best val_loss ");
		chart_escape(sb, json_str(sums[i], "best_val_loss", "-"));
		sb_adds(sb, "</summary>\n</entry>\n");
	}
	sb_adds(sb, "</feed>\n");
}

static int
copy_asset(const char *templates, const char *www, const char *name)
{
	char *src = path_join(templates, name), *dst = path_join(www, name);
	size_t len;
	char *buf = file_read(src, &len, 0);
	int rc = buf && file_update(dst, buf, len) >= 0 ? 0 : -1;

	free(buf);
	free(src);
	free(dst);
	return rc;
}

/* Remove path and, when it is a folder, everything under it. */
static void
remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char *sub;

			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			sub = path_join(path, e->d_name);
			remove_tree(sub);
			free(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Whether name is one of the n sorted strings of names. */
static int
in_list(char *const *names, size_t n, const char *name)
{
	return n && bsearch(&name, names, n, sizeof(*names), cmp_str);
}

/*
 * Remove the page folders in www/jobs of jobs gone from the spool: those
 * of want (all of www/jobs when want is NULL) that ids does not hold.
 */
static void
remove_gone(const char *www, char *const *ids, size_t n,
	    char *const *want, size_t nwant)
{
	char *dir = path_join(www, "jobs");
	size_t nw;
	char **old = list_dir(dir, &nw);

	for (size_t i = 0; i < nw; i++) {
		char *path;

		if ((want && !in_list(want, nwant, old[i])) ||
		    in_list(ids, n, old[i]))
			continue;
		path = path_join(dir, old[i]);
		remove_tree(path);
		free(path);
	}
	free_list(old, nw);
	free(dir);
}

/*
 * Whether the page of view is to be written: every page when want is
 * NULL, else those of the jobs want names and of every queued job (their
 * places in the queue move when another job starts).
 */
static int
wanted(const json_t *view, char *const *want, size_t nwant)
{
	return !want || in_list(want, nwant, json_str(view, "id", "")) ||
	       strcmp(json_str(view, "status", ""), "queued") == 0;
}

int
site_render_all(const char *spool, const char *www, const char *templates)
{
	return site_render_ids(spool, www, templates, NULL, 0, NULL);
}

/*
 * The view of job id: from cache when it holds one and id is not wanted,
 * else read (load_job), and then kept in cache when freshly read.
 */
static json_t *
cached_job(const char *spool, const char *www, const char *id,
	   char *const *want, size_t nwant, json_t *cache, int *fresh)
{
	json_t *view = cache && want && !in_list(want, nwant, id) ?
		       json_object_get(cache, id) : NULL;

	if (view) {
		*fresh = 1;
		return json_incref(view);
	}
	view = load_job(spool, www, id, fresh);
	if (cache && view && *fresh)
		json_object_set(cache, id, view);
	return view;
}

int
site_render_ids(const char *spool, const char *www, const char *templates,
		char *const *want, size_t nwant, json_t *cache)
{
	static const char *const counted[] = { "queued", "running",
		"completed", "failed", "cancelled" };
	char *jobs = path_join(spool, "jobs"), *path;
	struct tmpl_set *set = tmpl_set_new(load_template, (void *)templates);
	json_t **sums = NULL, *index, *counts, *list, *views, *rejected;
	struct strbuf sb = STRBUF_INIT;
	size_t n, nsum = 0;
	char **ids = list_dir(jobs, &n), now_iso[32] = "", *fresh;
	double now = 0;
	char **sorted = NULL;
	int rc = mkdir_p(www);

	if (want) {
		sorted = xcalloc(nwant + 1, sizeof(*sorted));
		memcpy(sorted, want, nwant * sizeof(*sorted));
		if (nwant)
			qsort(sorted, nwant, sizeof(*sorted), cmp_str);
	}
	remove_gone(www, ids, n, sorted, nwant);
	for (size_t i = 0; cache && sorted && i < nwant; i++)
		if (!in_list(ids, n, sorted[i]))
			json_object_del(cache, sorted[i]);
	views = json_array();
	fresh = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		int f;
		json_t *view = cached_job(spool, www, ids[i], sorted, nwant,
					  cache, &f);

		if (view) {
			fresh[json_array_size(views)] = (char)f;
			json_array_append_new(views, view);
		}
	}
	number_queue(views);
	for (size_t i = 0; i < json_array_size(views) && rc == 0; i++)
		if (fresh[i] && wanted(json_array_get(views, i), sorted,
				       nwant))
			rc = write_job(set, spool, www,
				       json_array_get(views, i));
	free(fresh);
	free(sorted);
	for (size_t i = 0; i < json_array_size(views); i++) {
		double t = time_parse_iso8601(json_str(json_array_get(views,
						i), "updated", ""));

		if (t > now)
			now = t;
	}
	if (now > 0)
		time_iso8601(now, now_iso, sizeof(now_iso));
	sums = xcalloc(json_array_size(views) + 1, sizeof(*sums));
	for (size_t i = 0; i < json_array_size(views); i++)
		sums[nsum++] = view_summary(json_array_get(views, i), now);
	if (nsum)
		qsort(sums, nsum, sizeof(*sums), cmp_summary);
	list = json_array();
	counts = json_array();
	json_array_append_new(counts, json_pack("{s:s, s:s, s:I}", "key",
		"total", "label", "Total", "n", (json_int_t)nsum));
	for (size_t k = 0; k < 5; k++) {
		json_int_t c = 0;

		for (size_t i = 0; i < nsum; i++)
			c += strcmp(json_str(sums[i], "status", ""),
				    counted[k]) == 0;
		json_array_append_new(counts, json_pack("{s:s, s:s, s:s, s:I}",
			"key", counted[k], "label",
			view_status_label(counted[k]), "icon",
			view_status_icon(counted[k]), "n", c));
	}
	for (size_t i = 0; i < nsum; i++)
		json_array_append(list, sums[i]);
	rejected = rejected_view(spool);
	index = json_pack("{s:o, s:o, s:b, s:o, s:b, s:s}", "counts", counts,
			  "jobs", list, "has_jobs", nsum > 0, "rejected",
			  rejected, "has_rejected",
			  json_array_size(rejected) > 0, "as_of", now_iso);
	if (rc == 0) {
		path = path_join(www, "index.html");
		rc = render_page(set, "index", index, path);
		free(path);
	}
	if (rc == 0) {
		json_t *j = json_pack("{s:O}", "jobs", list);

		json_dump_web(&sb, j);
		sb_addc(&sb, '\n');
		json_decref(j);
		path = path_join(www, "jobs.json");
		rc = write_sb(path, &sb);
		free(path);
	}
	if (rc == 0) {
		sb_reset(&sb);
		feed_xml(&sb, sums, nsum);
		path = path_join(www, "feed.xml");
		rc = write_sb(path, &sb);
		free(path);
	}
	if (rc == 0)
		rc = copy_asset(templates, www, "style.css");
	if (rc == 0)
		rc = copy_asset(templates, www, "live.js");
	for (size_t i = 0; i < nsum; i++)
		json_decref(sums[i]);
	free(sums);
	json_decref(index);
	json_decref(views);
	sb_release(&sb);
	free_list(ids, n);
	free(jobs);
	tmpl_set_free(set);
	return rc;
}
