/*
 * group.c - groups of jobs (sweeps); see group.h.
 *
 * group.json is read like state.json (a regular file beneath a folder
 * opened without following a link, capped) and then checked member by
 * member: anything of the wrong type takes its default or is left out,
 * with a note the page shows, so that no group.json can stop a render or
 * lead a path or a link out of the site (a member ID is a job ID or
 * nothing).
 *
 * The page is made from the group and one entry per member, the record
 * the site keeps of each job between renders (runs.h): a change of one
 * member renders its group's page again without reading the other
 * members' folders. An axis "varies" when its members hold two different
 * values; only those are shown as columns and plotted. Members are ranked
 * by the group's metric (min or max is best): the ranks make five bands
 * that colour the parallel coordinates and the scatter, the best ten get
 * a colour of their own among the curves, the others are grey.
 */
#include "render/group.h"
#include "job/state.h"
#include "render/chart.h"
#include "render/plot.h"
#include "render/runs.h"
#include "render/view.h"
#include "lib/csvfile.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GROUP_PATH_MAX 256	/* bytes in an axis path */
#define GROUP_TEXT_MAX 1024	/* bytes in a name or a file name */

/* ---- reading group.json ---------------------------------------------- */

/* Is s text of 1 to max bytes without a control character? */
static int
grp_text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static const char *const grp_kinds[] = { "grid", "choice", "uniform",
	"log_uniform", "int_uniform" };

static int
grp_kind_ok(const char *k)
{
	for (size_t i = 0; k && i < sizeof(grp_kinds) / sizeof(grp_kinds[0]);
	     i++)
		if (!strcmp(k, grp_kinds[i]))
			return 1;
	return 0;
}

/* Is a higher value of metric the better one (accuracy, f1, r2...)? */
static int
grp_higher_better(const char *metric)
{
	return strstr(metric, "acc") || strstr(metric, "f1") ||
	       strstr(metric, "r2") || strstr(metric, "diracc");
}

static void
grp_note(json_t *notes, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
grp_note(json_t *notes, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_oom();
	json_array_append_new(notes, view_text(s));
	free(s);
}

/* An axis of the file, checked: a new object, or NULL when unusable. */
static json_t *
grp_axis(const json_t *a)
{
	const char *path = json_str(a, "path", NULL);
	const char *kind = json_str(a, "kind", NULL);
	const json_t *values = json_object_get(a, "values");
	const json_t *range = json_object_get(a, "range");
	json_t *o;

	if (!grp_text_ok(path, GROUP_PATH_MAX))
		return NULL;
	o = json_pack("{s:o, s:s}", "path", view_text(path), "kind",
		      grp_kind_ok(kind) ? kind : "unknown");
	if (json_is_array(values))
		json_object_set(o, "values", (json_t *)values);
	if (json_array_size(range) == 2 &&
	    isfinite(json_number_value(json_array_get(range, 0))) &&
	    isfinite(json_number_value(json_array_get(range, 1))) &&
	    json_is_number(json_array_get(range, 0)) &&
	    json_is_number(json_array_get(range, 1)))
		json_object_set(o, "range", (json_t *)range);
	return o;
}

/* The file's object made safe to render; see group_read. */
static json_t *
grp_normalize(const json_t *raw, const char *gid)
{
	json_t *g = json_object(), *axes = json_array(), *members = json_array();
	json_t *notes = json_array(), *seen = json_object(), *paths = json_object();
	const char *name = json_str(raw, "name", NULL);
	const char *file = json_str(raw, "file", NULL);
	const char *created = json_str(raw, "created", NULL);
	const char *metric = json_str(raw, "metric", NULL);
	const char *goal = json_str(raw, "goal", NULL);
	const json_t *x;
	size_t i, bad_ids = 0, dup_ids = 0, bad_axes = 0, more = 0;
	char first_bad[80] = "";

	json_object_set_new(g, "id", json_string(gid));
	json_object_set_new(g, "name", grp_text_ok(name, GROUP_TEXT_MAX) ?
			    view_text(name) : json_string(gid));
	if (grp_text_ok(file, GROUP_TEXT_MAX))
		json_object_set_new(g, "file", view_text(file));
	json_object_set_new(g, "created", created &&
			    time_parse_iso8601(created) >= 0 ?
			    json_string(created) : json_null());
	if (!runs_metric_valid(metric)) {
		if (metric || json_object_get(raw, "metric"))
			grp_note(notes, "the metric is not one spoolboard "
				 "knows (val_loss, train_loss, test.KEY): "
				 "val_loss is used");
		metric = "val_loss";
	}
	json_object_set_new(g, "metric", json_string(metric));
	if (!goal || (strcmp(goal, "min") && strcmp(goal, "max"))) {
		if (json_object_get(raw, "goal"))
			grp_note(notes, "the goal is neither min nor max: "
				 "%s is used", grp_higher_better(metric) ?
				 "max" : "min");
		goal = grp_higher_better(metric) ? "max" : "min";
	}
	json_object_set_new(g, "goal", json_string(goal));
	json_array_foreach(json_object_get(raw, "axes"), i, x) {
		json_t *a = json_array_size(axes) < GROUP_MAX_AXES ?
			    grp_axis(x) : NULL;

		if (!a || json_object_get(paths, json_str(a, "path", ""))) {
			bad_axes++;
			json_decref(a);
			continue;
		}
		json_object_set_new(paths, json_str(a, "path", ""),
				    json_true());
		json_array_append_new(axes, a);
	}
	json_array_foreach(json_object_get(raw, "members"), i, x) {
		const char *id = json_is_string(x) ? json_string_value(x) :
				 json_str(x, "id", NULL);
		const json_t *params = json_object_get(x, "params");
		const char *key;
		json_t *p, *v;

		if (!id || !job_id_valid(id)) {
			if (!bad_ids++ && id) {
				struct strbuf sb = STRBUF_INIT;

				csvfile_show(&sb, id, 40);
				snprintf(first_bad, sizeof(first_bad),
					 " (such as '%s')", sb_str(&sb));
				sb_release(&sb);
			}
			continue;
		}
		if (json_object_get(seen, id)) {
			dup_ids++;
			continue;
		}
		if (json_array_size(members) >= GROUP_MAX_MEMBERS) {
			more++;
			continue;
		}
		json_object_set_new(seen, id, json_true());
		p = json_object();
		json_object_foreach((json_t *)params, key, v) {
			if (!grp_text_ok(key, GROUP_PATH_MAX))
				continue;
			json_object_set(p, key, v);
			if (!json_object_get(paths, key) &&
			    json_array_size(axes) < GROUP_MAX_AXES) {
				json_object_set_new(paths, key, json_true());
				json_array_append_new(axes, json_pack(
					"{s:o, s:s}", "path", view_text(key),
					"kind", "unknown"));
			}
		}
		json_array_append_new(members, json_pack("{s:s, s:o}", "id",
							 id, "params", p));
	}
	if (bad_axes)
		grp_note(notes, "%zu ax%s without a path (or repeated) left "
			 "out", bad_axes, bad_axes == 1 ? "is" : "es");
	if (bad_ids)
		grp_note(notes, "%zu member%s whose ID is not a job ID left "
			 "out%s", bad_ids, bad_ids == 1 ? "" : "s", first_bad);
	if (dup_ids)
		grp_note(notes, "%zu member%s listed twice: once shown",
			 dup_ids, dup_ids == 1 ? "" : "s");
	if (more)
		grp_note(notes, "%zu member%s past the first %d left out",
			 more, more == 1 ? "" : "s", GROUP_MAX_MEMBERS);
	json_object_set_new(g, "axes", axes);
	if (json_is_integer(json_object_get(raw, "seed")))
		json_object_set(g, "seed", json_object_get(raw, "seed"));
	if (json_int(raw, "n", -1) >= 0)
		json_object_set_new(g, "n", json_integer(json_int(raw, "n",
								   0)));
	json_object_set_new(g, "members", members);
	json_object_set_new(g, "notes", notes);
	json_decref(seen);
	json_decref(paths);
	return g;
}

json_t *
group_read(const char *groups, const char *gid, char *err, size_t n)
{
	char *dir = path_join(groups, gid), *path;
	json_t *raw, *g = NULL;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, n, "cannot open the group folder '%s': %s", dir,
			 errno == ELOOP || errno == ENOTDIR ? "a symbolic "
			 "link or not a folder" : strerror(errno));
		free(dir);
		return NULL;
	}
	path = path_join(dir, GROUP_JSON);
	raw = json_load_at(fd, GROUP_JSON, path, GROUP_MAX, err, n);
	close(fd);
	if (raw && !json_is_object(raw))
		snprintf(err, n, "%s: not a JSON object", path);
	else if (raw)
		g = grp_normalize(raw, gid);
	json_decref(raw);
	free(path);
	free(dir);
	return g;
}

int
group_stat(const char *groups, const char *gid, char *sig, size_t n)
{
	char *path = xasprintf("%s/%s/" GROUP_JSON, groups, gid);
	struct stat st;
	int rc = lstat(path, &st);

	free(path);
	if (rc < 0) {
		snprintf(sig, n, "-");
		return -1;
	}
	snprintf(sig, n, "%llu:%llu:%lld:%lld.%09ld:%o",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (unsigned)st.st_mode);
	return 0;
}

/* ---- the page -------------------------------------------------------- */

/* A member as the page sees it. */
struct grp_member {
	const char *id;
	const json_t *params;	/* path -> value */
	const json_t *sum;	/* its summary, NULL: no job */
	const json_t *rec;	/* its record, NULL: none */
	double metric;		/* NaN: none */
	int band;		/* 0..PLOT_BANDS-1, -1: no metric */
	size_t rank;		/* in the table's order */
	char *tip;		/* hover text */
	char *label;		/* legend: its varying values, or its name */
};

/* An axis as the page sees it. */
struct grp_axis {
	const char *path, *kind;
	int varying, numeric;
	enum plot_scale scale;
	char **cats;		/* categories: compact JSON of each value */
	char **labels;		/* ... and how they show */
	size_t ncats;
	double *v;		/* per member: value, category, NaN missing */
	size_t missing;
};

/* v shown as text: a string as it is, numbers to 6 digits, else JSON. */
static void
grp_value_text(struct strbuf *sb, const json_t *v)
{
	char buf[32], *s;

	if (json_is_string(v)) {
		sb_adds(sb, json_string_value(v));
	} else if (json_is_integer(v)) {
		sb_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		chart_format(json_real_value(v), 6, buf, sizeof(buf));
		sb_adds(sb, buf);
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
			       JSON_SORT_KEYS);
		sb_adds(sb, s ? s : "");
		free(s);
	}
}

/* A metric's value as the page shows it: 4 digits, or "-". */
static void
grp_metric_text(double v, char *buf, size_t n)
{
	if (isfinite(v))
		chart_format(v, 4, buf, n);
	else
		snprintf(buf, n, "-");
}

/*
 * Order of the table: the best first (arg points at 1 when the highest
 * value is the best), members without a value last, in the group's order.
 */
static int
grp_rank_cmp(const void *a, const void *b, void *arg)
{
	const struct grp_member *x = *(struct grp_member *const *)a;
	const struct grp_member *y = *(struct grp_member *const *)b;
	int fx = isfinite(x->metric), fy = isfinite(y->metric);
	int max = *(const int *)arg;

	if (fx != fy)
		return fx ? -1 : 1;
	if (fx && x->metric != y->metric)
		return (x->metric < y->metric) == !max ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Look at every member's value of axis a: varying, numeric, categories. */
static void
grp_axis_scan(struct grp_axis *ax, const json_t *decl,
	      struct grp_member *m, size_t nm)
{
	const json_t *first = NULL, *v;
	json_t *cats = json_object();
	double *num = xcalloc(nm + 1, sizeof(double));
	size_t i;

	ax->path = json_str(decl, "path", "");
	ax->kind = json_str(decl, "kind", "unknown");
	ax->numeric = 1;
	ax->v = xcalloc(nm + 1, sizeof(double));
	for (i = 0; i < nm; i++) {
		v = json_object_get(m[i].params, ax->path);
		if (!v || json_is_null(v)) {
			ax->missing++;
			continue;
		}
		if (!first)
			first = v;
		else if (!json_equal((json_t *)first, (json_t *)v))
			ax->varying = 1;
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			ax->numeric = 0;
	}
	/* categories: the declared values' order first, then as met */
	for (int pass = 0; pass < 2 && !ax->numeric; pass++) {
		const json_t *list = pass ? NULL : json_object_get(decl,
								   "values");

		for (i = 0; i < (pass ? nm : json_array_size(list)); i++) {
			char *key;

			v = pass ? json_object_get(m[i].params, ax->path) :
			    json_array_get(list, i);
			if (!v || json_is_null(v))
				continue;
			key = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
					 JSON_SORT_KEYS);
			if (key && !json_object_get(cats, key)) {
				struct strbuf sb = STRBUF_INIT;
				json_t *t;

				json_object_set_new(cats, key, json_integer(
					(json_int_t)ax->ncats));
				ax->cats = xreallocarray(ax->cats,
					ax->ncats + 1, sizeof(char *));
				ax->labels = xreallocarray(ax->labels,
					ax->ncats + 1, sizeof(char *));
				grp_value_text(&sb, v);
				t = view_text(sb_str(&sb));
				ax->labels[ax->ncats] = xstrdup(
					json_string_value(t));
				json_decref(t);
				ax->cats[ax->ncats++] = key;
				sb_release(&sb);
			} else {
				free(key);
			}
		}
	}
	for (i = 0; i < nm; i++) {
		v = json_object_get(m[i].params, ax->path);
		if (!v || json_is_null(v)) {
			ax->v[i] = NAN;
		} else if (ax->numeric) {
			ax->v[i] = json_number_value(v);
		} else {
			char *key = json_dumps(v, JSON_COMPACT |
					       JSON_ENCODE_ANY | JSON_SORT_KEYS);

			ax->v[i] = key && json_object_get(cats, key) ?
				(double)json_integer_value(json_object_get(
					cats, key)) : NAN;
			free(key);
		}
		num[i] = ax->v[i];
	}
	ax->scale = !ax->numeric ? PLOT_CATEGORY :
		    plot_auto_scale(num, nm, !strcmp(ax->kind,
						     "log_uniform"));
	free(num);
	json_decref(cats);
}

static void
grp_axis_release(struct grp_axis *ax)
{
	for (size_t i = 0; i < ax->ncats; i++) {
		free(ax->cats[i]);
		free(ax->labels[i]);
	}
	free(ax->cats);
	free(ax->labels);
	free(ax->v);
}

/* A member's value of an axis, as text ("–" when it has none). */
static void
grp_param_text(struct strbuf *sb, const struct grp_member *m,
	       const char *path)
{
	const json_t *v = json_object_get(m->params, path);

	if (!v || json_is_null(v))
		sb_adds(sb, "\xe2\x80\x93");
	else
		grp_value_text(sb, v);
}

/* The name a member shows: its job's, else its ID. */
static const char *
grp_name(const struct grp_member *m)
{
	return json_str(m->sum, "name", m->id);
}

static const char *
grp_status(const struct grp_member *m)
{
	return m->sum ? json_str(m->sum, "status", "queued") : "missing";
}

/* The test metrics any member has, in first-seen order. */
static json_t *
grp_test_keys(struct grp_member *const *order, size_t nm, const char *metric)
{
	json_t *keys = json_array(), *seen = json_object();
	const char *key;
	json_t *v;

	for (size_t i = 0; i < nm; i++)
		json_object_foreach(json_object_get(order[i]->rec, "test"),
				    key, v) {
			char *name = xasprintf("test.%s", key);

			if (!json_object_get(seen, key) &&
			    strcmp(name, metric) != 0) {
				json_object_set_new(seen, key, json_true());
				json_array_append_new(keys, json_string(key));
			}
			free(name);
		}
	json_decref(seen);
	return keys;
}

/* A table cell: its text, and the value it sorts by. */
static json_t *
grp_cell(const char *text, double sort, const char *cls)
{
	json_t *c = json_pack("{s:o}", "text", view_text(text));

	if (isfinite(sort)) {
		char buf[40];

		/* more digits than the text, fewer than a double has */
		snprintf(buf, sizeof(buf), "%.9g", sort);
		json_object_set_new(c, "sort", json_string(buf));
	}
	if (cls)
		json_object_set_new(c, "cls", json_string(cls));
	return c;
}

/* The counts by status, those not 0, as the index's cards have them. */
static json_t *
grp_counts(struct grp_member *m, size_t nm, size_t *done, size_t *running,
	   size_t *queued)
{
	static const char *const keys[] = { "completed", "running", "queued",
		"failed", "cancelled", "missing" };
	json_t *out = json_array();

	*done = *running = *queued = 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t c = 0;

		for (size_t i = 0; i < nm; i++)
			c += !strcmp(grp_status(&m[i]), keys[k]);
		if (!c)
			continue;
		if (k == 0 || k == 3 || k == 4)
			*done += c;
		if (k == 1)
			*running = c;
		if (k == 2)
			*queued = c;
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I}",
			"key", keys[k], "label", k == 5 ? "Not in jobs/" :
			view_status_label(keys[k]), "icon", k == 5 ? "?" :
			view_status_icon(keys[k]), "n", (json_int_t)c));
	}
	return out;
}

/*
 * The time left, in seconds, or -1: the running members' own estimates,
 * and the queued ones at the mean duration of the completed (or of the
 * running, when none completed yet), shared among as many at once as
 * are running now.
 */
static double
grp_eta(struct grp_member *m, size_t nm, double *mean)
{
	double sum_eta = 0, max_eta = 0, dsum = 0, rsum = 0;
	size_t nrun = 0, nq = 0, nd = 0, nr = 0;

	for (size_t i = 0; i < nm; i++) {
		const char *s = grp_status(&m[i]);
		double eta = json_dbl(m[i].rec, "eta_s", -1);
		double dur = json_dbl(m[i].rec, "dur_s", -1);

		if (!strcmp(s, "running") && eta >= 0) {
			nrun++;
			sum_eta += eta;
			max_eta = fmax(max_eta, eta);
			if (dur >= 0) {
				rsum += dur + eta;
				nr++;
			}
		} else if (!strcmp(s, "queued")) {
			nq++;
		} else if (!strcmp(s, "completed") && dur >= 0) {
			dsum += dur;
			nd++;
		}
	}
	*mean = nd ? dsum / (double)nd : nr ? rsum / (double)nr : -1;
	if (!nrun || (nq && *mean < 0))
		return -1;
	return fmax(max_eta, (sum_eta + (double)nq * fmax(*mean, 0)) /
		    (double)nrun);
}

/* The curves of the members that have one, "x y x y" parsed. */
static json_t *
grp_curves_chart(struct grp_member *const *order, size_t nm,
		 const char *title)
{
	struct plot_curve *c = xcalloc(nm + 1, sizeof(*c));
	double **xs = xcalloc(nm + 1, sizeof(double *));
	double **ys = xcalloc(nm + 1, sizeof(double *));
	size_t nc = 0, ncol = 0, per, ngrey = 0;
	struct strbuf svg = STRBUF_INIT;
	const char *name = "train_loss";
	char more[64];
	json_t *out = NULL;

	/* validation curves, unless no member has one: then training */
	for (size_t i = 0; i < nm; i++)
		if (!strcmp(json_str(order[i]->rec, "curve_name", ""),
			    "val_loss"))
			name = "val_loss";
	for (size_t i = 0; i < nm; i++)
		nc += json_str(order[i]->rec, "curve", NULL) &&
		      !strcmp(json_str(order[i]->rec, "curve_name", ""), name);
	per = nc ? GROUP_CURVE_BUDGET / nc : 0;
	per = per < 12 ? 12 : per > RUNS_CURVE_POINTS ? RUNS_CURVE_POINTS :
	      per;
	nc = 0;
	for (size_t i = 0; i < nm; i++) {
		const char *s = json_str(order[i]->rec, "curve", NULL);
		double *x, *y;
		size_t n = 0, cap = 16, *idx, k;
		char *end;

		if (!s || strcmp(json_str(order[i]->rec, "curve_name", ""),
				 name))
			continue;
		x = xcalloc(cap, sizeof(double));
		y = xcalloc(cap, sizeof(double));
		for (;;) {
			double a = strtod(s, &end), b;

			if (end == s)
				break;
			s = end;
			b = strtod(s, &end);
			if (end == s)
				break;
			s = end;
			if (n == cap) {
				cap *= 2;
				x = xreallocarray(x, cap, sizeof(double));
				y = xreallocarray(y, cap, sizeof(double));
			}
			x[n] = a;
			y[n++] = b;
		}
		idx = xcalloc(n + 1, sizeof(*idx));
		k = chart_lttb(x, y, n, per, idx);
		for (size_t j = 0; j < k; j++) {
			x[j] = x[idx[j]];
			y[j] = y[idx[j]];
		}
		free(idx);
		xs[nc] = x;
		ys[nc] = y;
		c[nc] = (struct plot_curve){ order[i]->label, order[i]->id,
			x, y, k, -1, i == 0 && isfinite(order[i]->metric) };
		/* the best few (the table's order) get a colour each */
		if (ncol < GROUP_COLORS)
			c[nc].color = (int)ncol++;
		else
			ngrey++;
		nc++;
	}
	snprintf(more, sizeof(more), "%zu other%s", ngrey, ngrey == 1 ? "" :
		 "s");
	if (nc) {
		struct plot_curves pc = { "curves", title, "epoch", name, c,
			nc, ngrey ? more : NULL };

		if (plot_curves_svg(&svg, &pc) == 0)
			out = json_pack("{s:s, s:s, s:o}", "id", "curves",
				"title", title, "svg", json_stringn_nocheck(
					sb_str(&svg), svg.len));
		if (out && nc < nm)
			json_object_set_new(out, "caption", json_sprintf(
				"%zu of %zu members have a %s curve yet", nc,
				nm, name));
		else if (out && ngrey)
			json_object_set_new(out, "caption", json_sprintf(
				"The best %zu in colour (the legend's order is "
				"the table's), the other %zu in grey; hover a "
				"line for its member", ncol, ngrey));
	}
	for (size_t i = 0; i < nc; i++) {
		free(xs[i]);
		free(ys[i]);
	}
	free(xs);
	free(ys);
	free(c);
	sb_release(&svg);
	return out;
}

/* Parallel coordinates of the varying axes and the metric. */
static json_t *
grp_pcoord_chart(struct grp_member *m, size_t nm, struct grp_axis *ax,
		 size_t nax, const char *metric, long best)
{
	struct plot_axis *pa = xcalloc(nax + 2, sizeof(*pa));
	size_t na = 0, nmiss = 0;
	double *v, *mv = xcalloc(nm + 1, sizeof(double));
	const char **tips = xcalloc(nm + 1, sizeof(char *));
	const char **ids = xcalloc(nm + 1, sizeof(char *));
	int *band = xcalloc(nm + 1, sizeof(int));
	struct strbuf svg = STRBUF_INIT;
	json_t *out = NULL;

	for (size_t a = 0; a < nax; a++)
		if (ax[a].varying)
			pa[na++] = (struct plot_axis){ ax[a].path, ax[a].scale,
				(const char *const *)ax[a].labels,
				ax[a].ncats };
	for (size_t i = 0; i < nm; i++) {
		mv[i] = m[i].metric;
		nmiss += !isfinite(mv[i]);
	}
	pa[na++] = (struct plot_axis){ metric, plot_auto_scale(mv, nm, 0),
				       NULL, 0 };
	v = xcalloc(nm * na + 1, sizeof(double));
	for (size_t i = 0; i < nm; i++) {
		size_t k = 0;

		for (size_t a = 0; a < nax; a++)
			if (ax[a].varying)
				v[i * na + k++] = ax[a].v[i];
		v[i * na + k] = m[i].metric;
		tips[i] = m[i].tip;
		ids[i] = m[i].id;
		band[i] = m[i].band;
	}
	{
		struct plot_pcoord p = { "pcoord", "Parameters and the metric",
			pa, na, nm, v, tips, ids, band, best };

		if (plot_pcoord_svg(&svg, &p) == 0)
			out = json_pack("{s:s, s:s, s:o}", "id", "pcoord",
				"title", "Parameters and the metric", "svg",
				json_stringn_nocheck(sb_str(&svg), svg.len));
	}
	if (out)
		json_object_set_new(out, "caption", nmiss ? json_sprintf(
			"One line per member, coloured by %s (blue the best "
			"fifth, orange the worst); %zu without %s end at n/a, "
			"dashed. Hover a line for its member and values.",
			metric, nmiss, metric) : json_sprintf(
			"One line per member, coloured by %s (blue the best "
			"fifth, orange the worst). Hover a line for its "
			"member and values.", metric));
	free(pa);
	free(v);
	free(mv);
	free(tips);
	free(ids);
	free(band);
	sb_release(&svg);
	return out;
}

/* The scatter of the one numeric axis that varies against the metric. */
static json_t *
grp_scatter_chart(struct grp_member *m, size_t nm, const struct grp_axis *ax,
		  const char *metric, long best)
{
	double *y = xcalloc(nm + 1, sizeof(double));
	const char **tips = xcalloc(nm + 1, sizeof(char *));
	const char **ids = xcalloc(nm + 1, sizeof(char *));
	int *band = xcalloc(nm + 1, sizeof(int));
	struct strbuf svg = STRBUF_INIT;
	char *title = xasprintf("%s against %s", metric, ax->path);
	size_t shown = 0;
	json_t *out = NULL;

	for (size_t i = 0; i < nm; i++) {
		y[i] = m[i].metric;
		tips[i] = m[i].tip;
		ids[i] = m[i].id;
		band[i] = m[i].band;
		shown += isfinite(y[i]) && isfinite(ax->v[i]);
	}
	{
		struct plot_scatter p = { "scatter", title, ax->path, metric,
			ax->scale, plot_auto_scale(y, nm, 0), ax->v, y, nm,
			tips, ids, band, best };

		if (plot_scatter_svg(&svg, &p) == 0)
			out = json_pack("{s:s, s:s, s:o}", "id", "scatter",
				"title", title, "svg", json_stringn_nocheck(
					sb_str(&svg), svg.len));
	}
	if (out && shown < nm)
		json_object_set_new(out, "caption", json_sprintf(
			"%zu of %zu members shown: the others have no %s or "
			"no %s yet", shown, nm, metric, ax->path));
	free(title);
	free(y);
	free(tips);
	free(ids);
	free(band);
	sb_release(&svg);
	return out;
}

/* The card of the best member. */
static json_t *
grp_best_card(const struct grp_member *b, const struct grp_axis *ax,
	      size_t nax, const char *metric)
{
	json_t *params = json_array(), *test = json_array(), *o, *v;
	const char *key;
	char buf[32];

	for (size_t a = 0; a < nax; a++) {
		struct strbuf sb = STRBUF_INIT;

		if (!ax[a].varying)
			continue;
		grp_param_text(&sb, b, ax[a].path);
		json_array_append_new(params, json_pack("{s:s, s:o}", "path",
			ax[a].path, "value", view_text(sb_str(&sb))));
		sb_release(&sb);
	}
	json_object_foreach(json_object_get(b->rec, "test"), key, v) {
		char *name = xasprintf("test.%s", key);

		/* the metric the group ranks by has its own card */
		if (strcmp(name, metric) != 0) {
			grp_metric_text(json_number_value(v), buf,
					sizeof(buf));
			json_array_append_new(test, json_pack("{s:s, s:s}",
				"name", name, "value", buf));
		}
		free(name);
	}
	grp_metric_text(b->metric, buf, sizeof(buf));
	o = json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
		"id", b->id, "name", view_text(grp_name(b)), "href",
		json_sprintf("../../jobs/%s/index.html", b->id), "metric",
		metric, "value", buf, "status", grp_status(b), "label",
		view_status_label(grp_status(b)), "icon",
		view_status_icon(grp_status(b)), "params", params, "test",
		test);
	if (json_int(b->rec, "best_epoch", 0) >= 1)
		json_object_set_new(o, "best_epoch", json_integer(json_int(
			b->rec, "best_epoch", 0)));
	grp_metric_text(json_dbl(b->rec, "best_val_loss", NAN), buf,
			sizeof(buf));
	if (strcmp(metric, "val_loss"))
		json_object_set_new(o, "best_val_loss", json_string(buf));
	json_object_set_new(o, "has_params", json_boolean(
		json_array_size(params)));
	json_object_set_new(o, "has_test", json_boolean(json_array_size(test)));
	return o;
}

/* The hover text of a member: name, ID, varying values, the metric. */
static char *
grp_tip(const struct grp_member *m, const struct grp_axis *ax, size_t nax,
	const char *metric)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[32];
	json_t *t;
	char *out;

	sb_addf(&sb, "%s (%s)", grp_name(m), m->id);
	for (size_t a = 0; a < nax; a++) {
		if (!ax[a].varying)
			continue;
		sb_addf(&sb, "\n%s: ", ax[a].path);
		grp_param_text(&sb, m, ax[a].path);
	}
	grp_metric_text(m->metric, buf, sizeof(buf));
	sb_addf(&sb, "\n%s: %s", metric, buf);
	t = view_text(sb_str(&sb));
	out = xstrdup(json_string_value(t));
	json_decref(t);
	sb_release(&sb);
	return out;
}

/*
 * The legend of a member: the values of the varying axes by their last
 * name ("lr=0.01 hidden=[16,16]"), which tell members apart where their
 * names (the sweep's name and the same values) would be cut; its name
 * when nothing varies.
 */
static char *
grp_label(const struct grp_member *m, const struct grp_axis *ax, size_t nax)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *t;
	char *out;

	for (size_t a = 0; a < nax; a++) {
		const char *last = strrchr(ax[a].path, '.');

		if (!ax[a].varying)
			continue;
		sb_addf(&sb, "%s%s=", sb.len ? " " : "",
			last ? last + 1 : ax[a].path);
		grp_param_text(&sb, m, ax[a].path);
	}
	if (!sb.len)
		sb_adds(&sb, grp_name(m));
	t = view_text(sb_str(&sb));
	out = xstrdup(json_string_value(t));
	json_decref(t);
	sb_release(&sb);
	return out;
}

json_t *
group_view(const json_t *g, const json_t *const *ents)
{
	const json_t *members = json_object_get(g, "members");
	const json_t *axes = json_object_get(g, "axes");
	const char *metric = json_str(g, "metric", "val_loss");
	int max = !strcmp(json_str(g, "goal", "min"), "max");
	size_t nm = json_array_size(members), nax = json_array_size(axes);
	size_t nvalued = 0, nvary = 0, nnum = 0, done, running, queued, nojob;
	struct grp_member *m = xcalloc(nm + 1, sizeof(*m));
	struct grp_member **order = xcalloc(nm + 1, sizeof(*order));
	struct grp_axis *ax = xcalloc(nax + 1, sizeof(*ax));
	json_t *v = json_object(), *cols = json_array(), *rows = json_array();
	json_t *charts = json_array(), *notes = json_array(), *fixed =
		json_array(), *tkeys, *chart, *x;
	double eta, mean, progress = 0;
	long best = -1;
	size_t i;
	char buf[64];
	struct strbuf sb = STRBUF_INIT;

	for (i = 0; i < nm; i++) {
		const json_t *mem = json_array_get(members, i);

		m[i].id = json_str(mem, "id", "");
		m[i].params = json_object_get(mem, "params");
		m[i].sum = ents && ents[i] ? json_object_get(ents[i], "sum") :
			   NULL;
		m[i].rec = ents && ents[i] ? json_object_get(ents[i], "rec") :
			   NULL;
		m[i].metric = runs_metric(m[i].rec, metric);
		m[i].band = -1;
		m[i].rank = i;
		order[i] = &m[i];
		nvalued += isfinite(m[i].metric);
	}
	if (nm)
		qsort_r(order, nm, sizeof(*order), grp_rank_cmp, &max);
	for (i = 0; i < nm; i++) {
		order[i]->rank = i;
		if (isfinite(order[i]->metric))
			order[i]->band = (int)(i * PLOT_BANDS / nvalued);
	}
	if (nvalued)
		best = (long)(order[0] - m);
	for (size_t a = 0; a < nax; a++) {
		grp_axis_scan(&ax[a], json_array_get(axes, a), m, nm);
		nvary += ax[a].varying;
		nnum += ax[a].varying && ax[a].numeric;
		if (!ax[a].varying && nm > ax[a].missing) {
			sb_reset(&sb);
			for (i = 0; i < nm; i++)
				if (json_object_get(m[i].params, ax[a].path)) {
					grp_param_text(&sb, &m[i], ax[a].path);
					break;
				}
			json_array_append_new(fixed, json_pack("{s:s, s:o}",
				"path", ax[a].path, "value",
				view_text(sb_str(&sb))));
		}
	}
	for (i = 0; i < nm; i++) {
		m[i].tip = grp_tip(&m[i], ax, nax, metric);
		m[i].label = grp_label(&m[i], ax, nax);
	}

	/* head and progress */
	json_object_set(v, "id", json_object_get(g, "id"));
	json_object_set(v, "name", json_object_get(g, "name"));
	if (json_object_get(g, "file"))
		json_object_set(v, "file", json_object_get(g, "file"));
	json_object_set_new(v, "created", json_is_string(json_object_get(g,
		"created")) ? json_pack("{s:O}", "iso", json_object_get(g,
		"created")) : json_null());
	json_object_set_new(v, "metric", json_string(metric));
	json_object_set_new(v, "goal", json_string(max ? "max" : "min"));
	json_object_set_new(v, "goal_word", json_string(max ? "highest" :
							"lowest"));
	if (json_object_get(g, "seed"))
		json_object_set(v, "seed", json_object_get(g, "seed"));
	json_object_set_new(v, "n", json_integer((json_int_t)nm));
	json_object_set_new(v, "counts", grp_counts(m, nm, &done, &running,
						    &queued));
	json_object_set_new(v, "done", json_integer((json_int_t)done));
	for (i = 0; i < nm; i++) {
		const char *s = grp_status(&m[i]);
		double e = json_dbl(m[i].rec, "epoch", 0);
		double es = json_dbl(m[i].rec, "epochs", 0);

		if (!strcmp(s, "completed") || !strcmp(s, "failed") ||
		    !strcmp(s, "cancelled"))
			progress += 1;
		else if (!strcmp(s, "running") && es > 0 && e >= 0)
			progress += fmin(e / es, 1);
	}
	json_object_set_new(v, "progress_pct", json_integer(nm ?
		(json_int_t)(progress * 100 / (double)nm + 0.5) : 0));
	eta = grp_eta(m, nm, &mean);
	if (eta >= 0) {
		time_duration(eta, buf, sizeof(buf));
		json_object_set_new(v, "eta", json_string(buf));
	}
	if (mean >= 0) {
		time_duration(mean, buf, sizeof(buf));
		json_object_set_new(v, "mean_duration", json_string(buf));
	}
	json_object_set_new(v, "best", best >= 0 ? grp_best_card(&m[best], ax,
		nax, metric) : json_null());

	/* the table: member, status, varying axes, metrics, duration */
	json_array_append_new(cols, json_pack("{s:s, s:s}", "label", "Member",
					       "key", "name"));
	json_array_append_new(cols, json_pack("{s:s, s:s}", "label", "Status",
					       "key", "status"));
	for (size_t a = 0; a < nax; a++)
		if (ax[a].varying)
			json_array_append_new(cols, json_pack("{s:s, s:s, s:b}",
				"label", ax[a].path, "key", "param",
				"num", ax[a].numeric));
	json_array_append_new(cols, json_pack("{s:s, s:s, s:b, s:s}", "label",
		metric, "key", "metric", "num", 1, "cls", "metric"));
	if (strcmp(metric, "val_loss"))
		json_array_append_new(cols, json_pack("{s:s, s:s, s:b}",
			"label", "best val_loss", "key", "best", "num", 1));
	json_array_append_new(cols, json_pack("{s:s, s:s, s:b}", "label",
		"best epoch", "key", "best_epoch", "num", 1));
	tkeys = grp_test_keys(order, nm, metric);
	json_array_foreach(tkeys, i, x)
		json_array_append_new(cols, json_pack("{s:o, s:s, s:b}",
			"label", json_sprintf("test.%s", json_string_value(x)),
			"key", "test", "num", 1));
	json_array_append_new(cols, json_pack("{s:s, s:s, s:b}", "label",
		"Duration", "key", "duration", "num", 1));
	for (size_t r = 0; r < nm; r++) {
		const struct grp_member *o = order[r];
		const char *s = grp_status(o);
		json_t *cells = json_array(), *row;
		double d;

		for (size_t a = 0; a < nax; a++) {
			if (!ax[a].varying)
				continue;
			sb_reset(&sb);
			grp_param_text(&sb, o, ax[a].path);
			json_array_append_new(cells, grp_cell(sb_str(&sb),
				ax[a].numeric ? ax[a].v[o - m] : NAN, NULL));
		}
		grp_metric_text(o->metric, buf, sizeof(buf));
		json_array_append_new(cells, grp_cell(buf, o->metric,
						      "metric"));
		if (strcmp(metric, "val_loss")) {
			d = json_dbl(o->rec, "best_val_loss", NAN);
			grp_metric_text(d, buf, sizeof(buf));
			json_array_append_new(cells, grp_cell(buf, d, NULL));
		}
		d = json_int(o->rec, "best_epoch", 0) >= 1 ?
		    (double)json_int(o->rec, "best_epoch", 0) : NAN;
		if (isfinite(d))
			snprintf(buf, sizeof(buf), "%.0f", d);
		else
			snprintf(buf, sizeof(buf), "-");
		json_array_append_new(cells, grp_cell(buf, d, NULL));
		json_array_foreach(tkeys, i, x) {
			d = json_dbl(json_object_get(o->rec, "test"),
				     json_string_value(x), NAN);
			grp_metric_text(d, buf, sizeof(buf));
			json_array_append_new(cells, grp_cell(buf, d, NULL));
		}
		d = json_dbl(o->sum, "duration_s", NAN);
		json_array_append_new(cells, grp_cell(json_str(o->sum,
			"duration", "-") ? json_str(o->sum, "duration", "-") :
			"-", d, NULL));
		row = json_pack("{s:s, s:o, s:s, s:s, s:s, s:b, s:o, s:I}",
			"id", o->id, "name", view_text(grp_name(o)), "status",
			s, "label", !strcmp(s, "missing") ? "Not in jobs/" :
			view_status_label(s), "icon", !strcmp(s, "missing") ?
			"?" : view_status_icon(s), "best", (long)(o - m) ==
			best, "cells", cells, "rank", (json_int_t)r + 1);
		if (o->sum)
			json_object_set_new(row, "href", json_sprintf(
				"../../jobs/%s/index.html", o->id));
		json_array_append_new(rows, row);
	}
	json_decref(tkeys);
	json_object_set_new(v, "columns", cols);
	json_object_set_new(v, "rows", rows);
	json_object_set_new(v, "has_rows", json_boolean(nm > 0));
	json_object_set_new(v, "fixed", fixed);
	json_object_set_new(v, "has_fixed", json_boolean(
		json_array_size(fixed)));

	/* the plots */
	chart = grp_curves_chart(order, nm, "Validation curves");
	if (chart)
		json_array_append_new(charts, chart);
	if (nvary && nm > 1) {
		chart = grp_pcoord_chart(m, nm, ax, nax, metric, best);
		if (chart)
			json_array_append_new(charts, chart);
	}
	if (nnum == 1 && nm > 1)
		for (size_t a = 0; a < nax; a++)
			if (ax[a].varying && ax[a].numeric) {
				chart = grp_scatter_chart(m, nm, &ax[a],
							  metric, best);
				if (chart)
					json_array_append_new(charts, chart);
			}
	json_object_set_new(v, "charts", charts);
	json_object_set_new(v, "has_charts", json_boolean(
		json_array_size(charts)));

	/* what the reader should know */
	json_array_foreach(json_object_get(g, "notes"), i, x)
		json_array_append(notes, x);
	for (i = 0, nojob = 0; i < nm; i++)
		nojob += !m[i].sum;
	if (nojob)
		grp_note(notes, "%zu member%s not in jobs/ (not claimed yet, "
			 "or removed)", nojob, nojob == 1 ? "" : "s");
	if (nm && nvalued < nm)
		grp_note(notes, "%zu member%s no %s yet: ranked last, and "
			 "shown as n/a (or not at all) in the plots",
			 nm - nvalued, nm - nvalued == 1 ? " has" : "s have",
			 metric);
	if (nm > 1 && !nvary)
		grp_note(notes, "no parameter varies between the members");
	json_object_set_new(v, "notes", notes);
	json_object_set_new(v, "has_notes", json_boolean(json_array_size(
		notes)));

	/* a comparison of the best few */
	sb_reset(&sb);
	for (i = 0; i < nm && i < GROUP_COMPARE; i++) {
		if (!order[i]->sum)
			continue;
		sb_adds(&sb, sb.len ? "," : "../../compare.html?ids=");
		sb_adds(&sb, order[i]->id);	/* a job ID: URL-safe */
	}
	if (sb.len) {
		json_object_set_new(v, "compare_href", json_string(sb_str(&sb)));
		json_object_set_new(v, "compare_label", nm <= GROUP_COMPARE ?
			json_string("all members") : json_sprintf(
				"the best %d", GROUP_COMPARE));
	}
	for (i = 0; i < nm; i++) {
		free(m[i].tip);
		free(m[i].label);
	}
	for (size_t a = 0; a < nax; a++)
		grp_axis_release(&ax[a]);
	free(ax);
	free(m);
	free(order);
	sb_release(&sb);
	return v;
}

json_t *
group_summary(const json_t *view)
{
	const json_t *best = json_object_get(view, "best");

	return json_pack("{s:O, s:O, s:O, s:O, s:O, s:s, s:s?}",
		"id", json_object_get(view, "id"),
		"name", json_object_get(view, "name"),
		"n", json_object_get(view, "n"),
		"done", json_object_get(view, "done"),
		"metric", json_object_get(view, "metric"),
		"best", json_str(best, "value", "-"),
		"best_id", json_str(best, "id", NULL));
}
