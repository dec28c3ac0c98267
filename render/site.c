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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERROR_MAX (64 * 1024)

/* At most this many threads make pages. */
#define SITE_MAX_THREADS 16

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
load_job(const struct site_opts *o, const char *id, int *fresh)
{
	char *jdir = xasprintf("%s/jobs/%s", o->spool, id);
	json_t *view = view_job(jdir, id, 0, &o->view);
	char err[256], *data;

	free(jdir);
	*fresh = view != NULL;
	if (view)
		return view;
	data = xasprintf("%s/jobs/%s/data.json", o->www, id);
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
write_job(const struct site_opts *o, struct tmpl_set *set,
	  const json_t *view)
{
	const char *id = json_str(view, "id", "");
	char *jdir = xasprintf("%s/jobs/%s", o->spool, id);
	char *wdir = xasprintf("%s/jobs/%s", o->www, id);
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

/*
 * Call fn(arg, i) for every i in [0, n) on up to threads threads (the
 * caller's among them), each taking the next i when done with one.
 */
struct pool {
	atomic_size_t next;
	size_t n;
	void (*fn)(void *, size_t);
	void *arg;
};

static void *
pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->arg, i);
	return NULL;
}

static void
run_parallel(int threads, size_t n, void (*fn)(void *, size_t), void *arg)
{
	struct pool pool = { 0, n, fn, arg };
	pthread_t tid[SITE_MAX_THREADS];
	int nt = 0;

	if (threads <= 0)
		threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads > SITE_MAX_THREADS)
		threads = SITE_MAX_THREADS;
	if ((size_t)threads > n)
		threads = (int)n;
	for (int t = 1; t < threads; t++)
		if (pthread_create(&tid[nt], NULL, pool_worker, &pool) == 0)
			nt++;
	pool_worker(&pool);
	for (int t = 0; t < nt; t++)
		pthread_join(tid[t], NULL);
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

/* What one job of the spool contributes to a render. */
struct slot {
	const char *id;
	json_t *sum;		/* its summary, or NULL: left out */
	json_t *queued;		/* a queued job's fresh view: its page waits
				   for its place in the queue */
	int fresh;		/* sum was made from the spool just now */
	int rc;			/* -1: writing its page failed */
};

/* One render: its settings and a slot per job folder. */
struct pass {
	const struct site_opts *o;
	struct tmpl_set *set;
	struct slot *slots;
	char *const *want;	/* sorted; NULL: every job */
	size_t nwant;
	json_t *cache;
};

static int
is_queued(const json_t *v)
{
	return strcmp(json_str(v, "status", ""), "queued") == 0;
}

/*
 * Fill the slot of job i (on any thread): its summary from the cache
 * when it is neither wanted nor queued, else from its view, read now and
 * written out unless queued (a queued page is written once its place in
 * the queue is known: write_queued).
 */
static void
load_slot(void *arg, size_t i)
{
	struct pass *p = arg;
	struct slot *s = &p->slots[i];
	int wanted = !p->want || in_list(p->want, p->nwant, s->id);
	json_t *c = p->cache && !wanted ?
		    json_object_get(p->cache, s->id) : NULL;
	json_t *view;

	if (c && !is_queued(c)) {
		s->sum = json_incref(c);
		return;
	}
	view = load_job(p->o, s->id, &s->fresh);
	if (!view)
		return;
	s->sum = view_summary(view, 0);
	if (s->fresh && is_queued(view))
		s->queued = json_incref(view);
	else if (s->fresh && wanted)
		s->rc = write_job(p->o, p->set, view);
	json_decref(view);
}

static int
cmp_queued(const void *a, const void *b)
{
	const json_t *x = ((const struct slot *)a)->queued;
	const json_t *y = ((const struct slot *)b)->queued;
	const char *cx = json_str(json_object_get(x, "created"), "iso", "");
	const char *cy = json_str(json_object_get(y, "created"), "iso", "");
	int c = strcmp(cx, cy);

	return c ? c : strcmp(json_str(x, "id", ""), json_str(y, "id", ""));
}

/* Write the page of the i-th queued job (slots sorted by cmp_queued). */
static void
write_queued(void *arg, size_t i)
{
	struct pass *p = arg;

	p->slots[i].rc = write_job(p->o, p->set, p->slots[i].queued);
}

/*
 * Load every job of ids into slots (and the cache), then number the
 * queued ones 1, 2, ... oldest first ("queue_pos", "queue_len") and write
 * their pages. 0, or -1 when a page could not be written.
 */
static int
render_jobs(struct pass *p, char *const *ids, size_t n)
{
	struct slot *q = xcalloc(n + 1, sizeof(*q));
	size_t nq = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		p->slots[i].id = ids[i];
	run_parallel(p->o->threads, n, load_slot, p);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &p->slots[i];

		if (p->cache && s->sum && s->fresh)
			json_object_set(p->cache, s->id, s->sum);
		if (s->queued)
			q[nq++] = *s;
		rc |= s->rc;
	}
	qsort(q, nq, sizeof(*q), cmp_queued);
	for (size_t i = 0; i < nq; i++) {
		json_object_set_new(q[i].queued, "queue_pos",
				    json_integer((json_int_t)i + 1));
		json_object_set_new(q[i].queued, "queue_len",
				    json_integer((json_int_t)nq));
	}
	p->slots = q;
	run_parallel(p->o->threads, nq, write_queued, p);
	for (size_t i = 0; i < nq; i++) {
		rc |= q[i].rc;
		json_decref(q[i].queued);
	}
	free(q);
	return rc ? -1 : 0;
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
	static const char *const counted[] = { "queued", "running",
		"completed", "failed", "cancelled" };
	char *jobs = path_join(o->spool, "jobs"), *path;
	struct tmpl_set *set = tmpl_set_new(load_template,
					    (void *)o->templates);
	json_t **sums, *index, *counts, *list, *rejected;
	struct strbuf sb = STRBUF_INIT;
	size_t n, nsum = 0;
	char **ids = list_dir(jobs, &n), now_iso[32] = "";
	struct slot *slots = xcalloc(n + 1, sizeof(*slots));
	struct pass pass = { o, set, slots, NULL, nwant, cache };
	double now = 0;
	char **sorted = NULL;
	int rc = mkdir_p(o->www);

	if (want) {
		sorted = xcalloc(nwant + 1, sizeof(*sorted));
		memcpy(sorted, want, nwant * sizeof(*sorted));
		if (nwant)
			qsort(sorted, nwant, sizeof(*sorted), cmp_str);
		pass.want = sorted;
	}
	remove_gone(o->www, ids, n, sorted, nwant);
	for (size_t i = 0; cache && sorted && i < nwant; i++)
		if (!in_list(ids, n, sorted[i]))
			json_object_del(cache, sorted[i]);
	if (rc == 0)
		rc = render_jobs(&pass, ids, n);
	free(sorted);
	sums = xcalloc(n + 1, sizeof(*sums));
	for (size_t i = 0; i < n; i++) {
		double t;

		if (!slots[i].sum)
			continue;
		sums[nsum++] = slots[i].sum;
		t = time_parse_iso8601(json_str(slots[i].sum, "updated", ""));
		if (t > now)
			now = t;
	}
	free(slots);
	if (now > 0)
		time_iso8601(now, now_iso, sizeof(now_iso));
	for (size_t i = 0; i < nsum; i++)
		view_summary_relative(sums[i], now);
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
	rejected = rejected_view(o->spool);
	index = json_pack("{s:o, s:o, s:b, s:o, s:b, s:s}", "counts", counts,
			  "jobs", list, "has_jobs", nsum > 0, "rejected",
			  rejected, "has_rejected",
			  json_array_size(rejected) > 0, "as_of", now_iso);
	if (rc == 0) {
		path = path_join(o->www, "index.html");
		rc = render_page(set, "index", index, path);
		free(path);
	}
	if (rc == 0) {
		json_t *j = json_pack("{s:O}", "jobs", list);

		json_dump_web(&sb, j);
		sb_addc(&sb, '\n');
		json_decref(j);
		path = path_join(o->www, "jobs.json");
		rc = write_sb(path, &sb);
		free(path);
	}
	if (rc == 0) {
		sb_reset(&sb);
		feed_xml(&sb, sums, nsum);
		path = path_join(o->www, "feed.xml");
		rc = write_sb(path, &sb);
		free(path);
	}
	if (rc == 0)
		rc = copy_asset(o->templates, o->www, "style.css");
	if (rc == 0)
		rc = copy_asset(o->templates, o->www, "live.js");
	for (size_t i = 0; i < nsum; i++)
		json_decref(sums[i]);
	free(sums);
	json_decref(index);
	sb_release(&sb);
	free_list(ids, n);
	free(jobs);
	tmpl_set_free(set);
	return rc;
}
