/*
 * runs.c - what comparing jobs takes from each job folder; see runs.h.
 *
 * A job is read once per change (runs_load), and what is made of it is
 * kept by the site between renders: the record (numbers and one short
 * curve, for the group pages), compare.js (written beside the job's page)
 * and the cells of its jobs.csv row. jobs.csv has a column for every
 * config path any job has, so a row's cells are kept as "column, cell"
 * pairs sorted by column, and rows are joined again only when the set of
 * columns changes: the pairs of every job walk along the sorted union.
 */
#include "render/runs.h"
#include "job/state.h"
#include "render/chart.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNS_CONFIG_MAX (16 * 1024 * 1024)
#define RUNS_METRICS_MAX (64 * 1024 * 1024)

/* Separators inside "var" (runs_csv_cells): never in a column or cell
   kept there (a name with control characters is left out). */
#define RUNS_US '\x1f'	/* between a column and its cell */
#define RUNS_RS '\x1e'	/* after each cell */
/* The first byte of a var column: its section, so metrics sort first. */
#define RUNS_SEC_TEST '1'
#define RUNS_SEC_CONFIG '2'

int
runs_load(struct runs_job *j, const char *dir, char *err, size_t n)
{
	char *path;
	char *buf;
	size_t len;
	int fd, q;

	memset(j, 0, sizeof(*j));
	/* the folder itself no link, as job_state_read has it */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, n, "cannot open the job folder '%s': %s", dir,
			 errno == ELOOP || errno == ENOTDIR ? "a symbolic "
			 "link or not a folder" : strerror(errno));
		return -1;
	}
	path = path_join(dir, JOB_STATE);
	j->state = json_load_at(fd, JOB_STATE, path, JOB_STATE_MAX, err, n);
	free(path);
	if (j->state && !json_is_object(j->state)) {
		snprintf(err, n, "%s/%s: not a JSON object", dir, JOB_STATE);
		json_decref(j->state);
		j->state = NULL;
	}
	if (!j->state) {
		close(fd);
		return -1;
	}
	path = path_join(dir, JOB_CONFIG);
	j->config = json_load_at(fd, JOB_CONFIG, path, RUNS_CONFIG_MAX, NULL,
				 0);
	free(path);
	path = path_join(dir, JOB_METRICS);
	q = error_set_quiet(1);
	buf = file_read_regular_at(fd, JOB_METRICS, path, &len,
				   RUNS_METRICS_MAX);
	if (buf && csvfile_parse(&j->metrics, buf, len, ',', path,
				 CSVFILE_PARTIAL_TAIL) < 0)
		memset(&j->metrics, 0, sizeof(j->metrics));
	error_set_quiet(q);
	free(buf);
	free(path);
	close(fd);
	return 0;
}

void
runs_release(struct runs_job *j)
{
	json_decref(j->state);
	json_decref(j->config);
	csvfile_release(&j->metrics);
	memset(j, 0, sizeof(*j));
}

/* Set key of o to the number v when v is finite. */
static void
runs_set_num(json_t *o, const char *key, double v)
{
	if (isfinite(v))
		json_object_set_new(o, key, json_real(v));
}

/* A member of o as a finite number, else NaN. */
static double
runs_num(const json_t *o, const char *key)
{
	double v = json_dbl(o, key, NAN);

	return isfinite(v) ? v : NAN;
}

/* Is s a metric's key: [A-Za-z0-9_]{1,64}? */
static int
runs_key_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

int
runs_metric_valid(const char *metric)
{
	if (!metric)
		return 0;
	if (!strcmp(metric, "val_loss") || !strcmp(metric, "train_loss"))
		return 1;
	return strncmp(metric, "test.", 5) == 0 && runs_key_ok(metric + 5);
}

double
runs_metric(const json_t *rec, const char *metric)
{
	if (!metric)
		return NAN;
	if (!strcmp(metric, "val_loss"))
		return runs_num(rec, "best_val_loss");
	if (!strcmp(metric, "train_loss"))
		return runs_num(rec, "train_loss");
	if (strncmp(metric, "test.", 5) == 0)
		return runs_num(json_object_get(rec, "test"), metric + 5);
	return NAN;
}

/*
 * The finite points of column col against column ex of m, downsampled
 * (LTTB) to at most max and rounded to 4 significant digits: into *x and
 * *y (the caller frees both); their number.
 */
static size_t
runs_series(const struct csvfile *m, long ex, long col, size_t max,
	    double **x, double **y)
{
	size_t n = 0, k, *idx;
	double *px = xcalloc(m->nrows + 1, sizeof(double));
	double *py = xcalloc(m->nrows + 1, sizeof(double));

	for (size_t r = 0; r < m->nrows; r++) {
		double a = csvfile_number(csvfile_cell(m, r, (size_t)ex));
		double b = csvfile_number(csvfile_cell(m, r, (size_t)col));

		if (isfinite(a) && isfinite(b) && fabs(a) < 1e15 &&
		    fabs(b) < 1e300) {
			px[n] = a;
			py[n++] = b;
		}
	}
	idx = xcalloc(n + 1, sizeof(*idx));
	k = chart_lttb(px, py, n, max, idx);
	for (size_t i = 0; i < k; i++) {
		px[i] = px[idx[i]];
		py[i] = chart_round(py[idx[i]], 4);
	}
	free(idx);
	*x = px;
	*y = py;
	return k;
}

/* runs_series of the column named name (none: 0, *x and *y NULL). */
static size_t
runs_column(const struct csvfile *m, long ex, const char *name, double **x,
	    double **y)
{
	long col = csvfile_find(m, name);

	*x = *y = NULL;
	return col < 0 ? 0 : runs_series(m, ex, col, RUNS_CURVE_POINTS, x, y);
}

json_t *
runs_record(const struct runs_job *j)
{
	const json_t *st = j->state, *best = json_object_get(st, "best");
	const json_t *test = json_object_get(st, "test"), *tm, *v;
	json_t *r = json_object(), *t = json_object();
	const char *key;
	double s, e, eta;
	long ex;

	json_object_set_new(r, "status", json_string(job_status_name(
		job_status_of(st) >= 0 ? job_status_of(st) : JOB_QUEUED)));
	json_object_set_new(r, "epoch", json_integer(json_int(st, "epoch",
							       0)));
	json_object_set_new(r, "epochs", json_integer(json_int(st, "epochs",
								0)));
	eta = runs_num(st, "eta_seconds");
	if (job_status_of(st) == JOB_RUNNING && eta >= 0 && eta < 1e10)
		runs_set_num(r, "eta_s", eta);
	s = time_parse_iso8601(json_str(st, "started", ""));
	e = time_parse_iso8601(json_str(st, "ended", ""));
	if (e < 0)
		e = time_parse_iso8601(json_str(st, "updated", ""));
	if (s >= 0 && e >= s)
		runs_set_num(r, "dur_s", e - s);
	if (json_int(best, "epoch", 0) >= 1)
		json_object_set_new(r, "best_epoch", json_integer(
			json_int(best, "epoch", 0)));
	runs_set_num(r, "best_val_loss", runs_num(best, "val_loss"));
	runs_set_num(r, "train_loss", runs_num(st, "train_loss"));
	runs_set_num(r, "val_loss", runs_num(st, "val_loss"));
	runs_set_num(t, "loss", runs_num(test, "loss"));
	tm = json_object_get(test, "metrics");
	json_object_foreach((json_t *)tm, key, v)
		if (runs_key_ok(key) && strcmp(key, "loss") != 0)
			runs_set_num(t, key, runs_num(tm, key));
	json_object_set_new(r, "test", t);
	ex = csvfile_find(&j->metrics, "epoch");
	if (ex >= 0) {
		const char *name = "val_loss";
		double *x, *y;
		size_t n = runs_column(&j->metrics, ex, name, &x, &y);

		if (!n) {
			free(x);
			free(y);
			name = "train_loss";
			n = runs_column(&j->metrics, ex, name, &x, &y);
		}
		if (n) {
			struct strbuf sb = STRBUF_INIT;
			char buf[32];

			for (size_t i = 0; i < n; i++) {
				chart_format(x[i], 9, buf, sizeof(buf));
				sb_adds(&sb, i ? " " : "");
				sb_adds(&sb, buf);
				chart_format(y[i], 4, buf, sizeof(buf));
				sb_addc(&sb, ' ');
				sb_adds(&sb, buf);
			}
			json_object_set_new(r, "curve", json_string(
				sb_str(&sb)));
			json_object_set_new(r, "curve_name",
					    json_string(name));
			sb_release(&sb);
		}
		free(x);
		free(y);
	}
	return r;
}

/* Does s hold a control character (or is it empty)? */
static int
runs_bad_key(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static void
runs_walk(json_t *out, struct strbuf *path, const json_t *v, int depth)
{
	const char *key;
	json_t *x;

	if (json_object_size(out) >= RUNS_FLAT_MAX)
		return;
	if (!json_is_object(v) || json_object_size(v) == 0 ||
	    depth >= RUNS_FLAT_DEPTH) {
		if (path->len)
			json_object_set(out, sb_str(path), (json_t *)v);
		return;
	}
	json_object_foreach((json_t *)v, key, x) {
		size_t at = path->len;

		if (runs_bad_key(key))
			continue;
		if (at)
			sb_addc(path, '.');
		sb_adds(path, key);
		runs_walk(out, path, x, depth + 1);
		path->len = at;
		if (path->buf)
			path->buf[at] = '\0';
	}
}

json_t *
runs_flatten(const json_t *config)
{
	json_t *out = json_object();
	struct strbuf path = STRBUF_INIT;

	if (json_is_object(config))
		runs_walk(out, &path, config, 0);
	sb_release(&path);
	return out;
}

void
runs_compare_js(struct strbuf *sb, const json_t *sum, const json_t *group,
		const struct runs_job *j, const json_t *rec,
		const json_t *flat)
{
	static const char *const skip[] = { "epoch", "step", "seconds" };
	static const char *const keys[] = { "id", "name", "status", "label",
		"icon" };
	json_t *o = json_object(), *name;
	const struct csvfile *m = &j->metrics;
	long ex = csvfile_find(m, "epoch");
	char buf[32];
	double bv, *sx = NULL;
	size_t nx = 0, q;
	int run;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(sum, keys[i]);

		json_object_set(o, keys[i], v ? v : json_null());
	}
	json_object_set(o, "group", group ? (json_t *)group : json_null());
	json_object_set(o, "epoch", json_object_get(rec, "epoch"));
	json_object_set(o, "epochs", json_object_get(rec, "epochs"));
	bv = runs_num(rec, "best_val_loss");
	json_object_set_new(o, "best_val_loss", isfinite(bv) ?
			    json_real(chart_round(bv, 4)) : json_null());
	json_object_set(o, "best_epoch", json_object_get(rec, "best_epoch") ?
			json_object_get(rec, "best_epoch") : json_null());
	json_object_set(o, "test", json_object_get(rec, "test") ?
			json_object_get(rec, "test") : json_null());
	json_object_set(o, "config", flat ? (json_t *)flat : json_null());
	sb_adds(sb, "spoolboardCompare(");
	json_dump_web(sb, o);
	json_decref(o);
	sb->len--;	/* the closing brace: the series go in first */
	/* the x of the first series once ("x"), the others as their y
	   alone when they have the same x (as they do below
	   RUNS_SERIES_POINTS rows), else as {"xy": [x0, y0, ...]} */
	sb_adds(sb, ",\"series\":{");
	for (size_t c = 0, first = 1; ex >= 0 && c < m->ncols; c++) {
		const char *col = csvfile_header(m, c);
		double *x, *y;
		size_t n, k;
		int own;

		for (k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
			if (!strcmp(col, skip[k]))
				break;
		if (k < sizeof(skip) / sizeof(skip[0]))
			continue;
		n = runs_series(m, ex, (long)c, RUNS_SERIES_POINTS, &x, &y);
		if (n && !sx) {
			sx = xreallocarray(NULL, n, sizeof(double));
			memcpy(sx, x, n * sizeof(double));
			nx = n;
		}
		if (n) {
			own = n != nx || memcmp(x, sx, n * sizeof(double));
			sb_adds(sb, first ? "" : ",");
			first = 0;
			name = json_string(col);
			json_dump_web(sb, name ? name : json_null());
			json_decref(name);
			sb_adds(sb, own ? ":{\"xy\":[" : ":[");
			for (size_t i = 0; i < n; i++) {
				sb_adds(sb, i ? "," : "");
				if (own) {
					chart_format(x[i], 9, buf, sizeof(buf));
					sb_adds(sb, buf);
					sb_addc(sb, ',');
				}
				chart_format(y[i], 4, buf, sizeof(buf));
				sb_adds(sb, buf);
			}
			sb_adds(sb, own ? "]}" : "]");
		}
		free(x);
		free(y);
	}
	/* the epochs 1, 2, ... N (as they mostly are) as "1..N" */
	for (q = 1, run = nx >= 3 && sx[0] == floor(sx[0]) &&
	     fabs(sx[0]) < 1e9; run && q < nx; q++)
		run = sx[q] == sx[0] + (double)q;
	if (run) {
		chart_format(sx[0], 10, buf, sizeof(buf));
		sb_adds(sb, "},\"x\":\"");
		sb_adds(sb, buf);
		chart_format(sx[nx - 1], 10, buf, sizeof(buf));
		sb_adds(sb, "..");
		sb_adds(sb, buf);
		sb_adds(sb, "\"});\n");
		free(sx);
		return;
	}
	sb_adds(sb, "},\"x\":[");
	for (size_t i = 0; i < nx; i++) {
		chart_format(sx[i], 9, buf, sizeof(buf));
		sb_adds(sb, i ? "," : "");
		sb_adds(sb, buf);
	}
	free(sx);
	sb_adds(sb, "]});\n");
}

/* ---- jobs.csv -------------------------------------------------------- */

/* v as the shortest decimal that reads back the same, into buf. */
static void
runs_shortest(double v, char *buf, size_t n)
{
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Append a number cell ("" when not finite). */
static void
runs_add_num(struct strbuf *sb, double v)
{
	char buf[40];

	if (!isfinite(v))
		return;
	runs_shortest(v, buf, sizeof(buf));
	sb_adds(sb, buf);
}

/*
 * Append v as compact JSON, reals in their shortest form ([0.9,0.999],
 * not jansson's [0.90000000000000002,0.999]).
 */
static void
runs_json_text(struct strbuf *sb, const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	char *s;

	switch (json_typeof(v)) {
	case JSON_ARRAY:
		sb_addc(sb, '[');
		json_array_foreach(v, i, x) {
			sb_adds(sb, i ? "," : "");
			runs_json_text(sb, x);
		}
		sb_addc(sb, ']');
		break;
	case JSON_OBJECT:
		i = 0;
		sb_addc(sb, '{');
		json_object_foreach((json_t *)v, key, x) {
			json_t *k = json_string(key);

			sb_adds(sb, i++ ? "," : "");
			runs_json_text(sb, k);
			json_decref(k);
			sb_addc(sb, ':');
			runs_json_text(sb, x);
		}
		sb_addc(sb, '}');
		break;
	case JSON_REAL:
		runs_add_num(sb, json_real_value(v));
		if (!isfinite(json_real_value(v)))
			sb_adds(sb, "null");
		break;
	default:
		s = json_dumps(v, JSON_ENCODE_ANY);
		sb_adds(sb, s ? s : "null");
		free(s);
		break;
	}
}

/* Append the cell of a config value: text as it is (guarded), numbers,
   true/false, JSON text for arrays and objects, "" for null. */
static void
runs_add_value(struct strbuf *sb, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		csvfile_add_cell(sb, json_string_value(v), 1);
		break;
	case JSON_INTEGER:
		sb_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		runs_add_num(sb, json_real_value(v));
		break;
	case JSON_TRUE:
		sb_adds(sb, "true");
		break;
	case JSON_FALSE:
		sb_adds(sb, "false");
		break;
	case JSON_ARRAY:
	case JSON_OBJECT: {
		struct strbuf t = STRBUF_INIT;

		runs_json_text(&t, v);
		csvfile_add_cell(sb, sb_str(&t), 1);
		sb_release(&t);
		break;
	}
	default:
		break;
	}
}

/* The fixed columns, in order. */
static const char *const runs_fixed[] = { "id", "name", "group", "status",
	"epoch", "epochs", "best_val_loss", "best_epoch", "train_loss",
	"val_loss", "duration_s" };

/* One var pair: column and cell. */
struct runs_pair {
	char *col, *cell;
};

static int
runs_pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct runs_pair *)a)->col,
		      ((const struct runs_pair *)b)->col);
}

/* FNV-1a 64 of n bytes, continuing from h. */
static uint64_t
runs_fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define RUNS_FNV0 0xcbf29ce484222325ULL

json_t *
runs_csv_cells(const json_t *sum, const char *group, const json_t *rec,
	       const json_t *flat)
{
	struct strbuf fix = STRBUF_INIT, var = STRBUF_INIT, cell = STRBUF_INIT;
	struct runs_pair *pairs = NULL;
	size_t np = 0;
	const json_t *test = json_object_get(rec, "test"), *v;
	const char *key;
	uint64_t h = RUNS_FNV0;
	json_t *out;
	double best;

	csvfile_add_cell(&fix, json_str(sum, "id", ""), 1);
	sb_addc(&fix, ',');
	csvfile_add_cell(&fix, json_str(sum, "name", ""), 1);
	sb_addc(&fix, ',');
	csvfile_add_cell(&fix, group ? group : "", 1);
	sb_addc(&fix, ',');
	csvfile_add_cell(&fix, json_str(sum, "status", ""), 1);
	sb_addf(&fix, ",%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",",
		json_int(sum, "epoch", 0), json_int(sum, "epochs", 0));
	best = rec ? runs_num(rec, "best_val_loss") :
	       csvfile_number(json_str(sum, "best_val_loss", ""));
	runs_add_num(&fix, best);
	sb_addc(&fix, ',');
	if (json_int(rec, "best_epoch", 0) >= 1)
		sb_addf(&fix, "%" JSON_INTEGER_FORMAT,
			json_int(rec, "best_epoch", 0));
	sb_addc(&fix, ',');
	runs_add_num(&fix, runs_num(rec, "train_loss"));
	sb_addc(&fix, ',');
	runs_add_num(&fix, runs_num(rec, "val_loss"));
	sb_addc(&fix, ',');
	if (json_dbl(sum, "duration_s", -1) >= 0)
		sb_addf(&fix, "%" JSON_INTEGER_FORMAT,
			json_int(sum, "duration_s", 0));
	/* the var pairs: test metrics, then config leaves */
	json_object_foreach((json_t *)test, key, v) {
		if (!runs_key_ok(key))
			continue;
		sb_reset(&cell);
		runs_add_num(&cell, json_number_value(v));
		pairs = xreallocarray(pairs, np + 1, sizeof(*pairs));
		pairs[np].col = xasprintf("%ctest.%s", RUNS_SEC_TEST, key);
		pairs[np++].cell = xstrdup(sb_str(&cell));
	}
	json_object_foreach((json_t *)flat, key, v) {
		/* the name is a column already; keys with control
		   characters never reach here (runs_flatten) */
		if (!strcmp(key, "name") || runs_bad_key(key))
			continue;
		sb_reset(&cell);
		runs_add_value(&cell, v);
		pairs = xreallocarray(pairs, np + 1, sizeof(*pairs));
		pairs[np].col = xasprintf("%c%s", RUNS_SEC_CONFIG, key);
		pairs[np++].cell = xstrdup(sb_str(&cell));
	}
	if (np)
		qsort(pairs, np, sizeof(*pairs), runs_pair_cmp);
	for (size_t i = 0; i < np; i++) {
		/* a cell is CSV text: its own control characters are
		   quoted, but never these two (left out of a key; a cell
		   holding one is replaced by a space) */
		for (char *c = pairs[i].cell; *c; c++)
			if (*c == RUNS_US || *c == RUNS_RS)
				*c = ' ';
		sb_adds(&var, pairs[i].col);
		sb_addc(&var, RUNS_US);
		sb_adds(&var, pairs[i].cell);
		sb_addc(&var, RUNS_RS);
		h = runs_fnv(h, pairs[i].col, strlen(pairs[i].col) + 1);
		free(pairs[i].col);
		free(pairs[i].cell);
	}
	free(pairs);
	out = json_pack("{s:s, s:s%, s:I}", "fix", sb_str(&fix), "var",
			sb_str(&var), var.len, "kh", (json_int_t)(h >> 11));
	if (!out)
		die_oom();
	sb_release(&fix);
	sb_release(&var);
	sb_release(&cell);
	return out;
}

static int
runs_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An entry's hash of columns, and its place: for finding the distinct. */
struct runs_kh {
	json_int_t kh;
	size_t i;
};

static int
runs_kh_cmp(const void *a, const void *b)
{
	const struct runs_kh *x = a, *y = b;

	return x->kh < y->kh ? -1 : x->kh > y->kh;
}

/* Append the columns of the var text s to *cols (grown as needed). */
static void
runs_var_cols(const char *s, char ***cols, size_t *n)
{
	while (*s) {
		const char *us = strchr(s, RUNS_US);
		const char *rs = us ? strchr(us, RUNS_RS) : NULL;

		if (!rs)
			break;
		*cols = xreallocarray(*cols, *n + 1, sizeof(**cols));
		(*cols)[(*n)++] = xasprintf("%.*s", (int)(us - s), s);
		s = rs + 1;
	}
}

/* Append a row: the fixed cells, then var's cell of each column. */
static void
runs_row(struct strbuf *sb, const json_t *cells, char *const *cols,
	 size_t ncols)
{
	const char *s = json_str(cells, "var", "");

	sb_adds(sb, json_str(cells, "fix", ""));
	for (size_t c = 0; c < ncols; c++) {
		size_t len = strlen(cols[c]);

		sb_addc(sb, ',');
		/* both sorted: walk var along the columns */
		while (*s) {
			const char *us = strchr(s, RUNS_US);
			const char *rs = us ? strchr(us, RUNS_RS) : NULL;
			int cmp;

			if (!rs) {
				s = "";
				break;
			}
			cmp = strncmp(s, cols[c], len);
			if (cmp == 0 && (size_t)(us - s) != len)
				cmp = 1;	/* a longer name sorts after */
			if (cmp > 0)
				break;
			if (cmp == 0)
				sb_add(sb, us + 1, (size_t)(rs - us - 1));
			s = rs + 1;
			if (cmp == 0)
				break;
		}
	}
	sb_adds(sb, "\r\n");
}

/*
 * The part key of entry e, else parsed from its text (the string at
 * textkey, else raw) and kept at key; the string at textkey is removed
 * when drop. NULL when there is no text, or it does not parse.
 */
static json_t *
entry_parse(json_t *e, const char *key, const char *textkey, int drop,
	    const struct runs_text *raw)
{
	json_t *v = json_object_get(e, key);
	const json_t *text;

	if (v)
		return v;
	text = json_object_get(e, textkey);
	if (json_is_string(text))
		v = json_loadb(json_string_value(text),
			       json_string_length(text), 0, NULL);
	else if (raw && raw->s)
		v = json_loadb(raw->s, raw->n, 0, NULL);
	else
		return NULL;
	if (drop)
		json_object_del(e, textkey);
	if (v)
		json_object_set_new(e, key, v);
	return v;
}

json_t *
runs_entry_part(json_t *e, const char *key, const struct runs_text *raw)
{
	char rk[32];

	snprintf(rk, sizeof(rk), "%s_raw", key);
	return entry_parse(e, key, rk, 1, raw);
}

json_t *
runs_entry_sum(json_t *e, const struct runs_text *raw)
{
	return entry_parse(e, "sum", "json", 0, raw);
}

/*
 * The csv cells of entry i of ents (runs_csv), found or parsed once into
 * cells[i]; an entry without them (shown from its last render) gets its
 * fixed cells made from its summary, kept in made[i].
 */
static const json_t *
csv_cells(json_t *const *ents, const struct runs_text *csv, size_t i,
	  const json_t **cells, json_t **made)
{
	if (cells[i])
		return cells[i];
	cells[i] = runs_entry_part(ents[i], "csv", csv ? &csv[i] : NULL);
	if (!cells[i]) {
		const json_t *s = runs_entry_sum(ents[i], NULL);

		made[i] = runs_csv_cells(s, json_str(json_object_get(s,
			"group"), "id", NULL), NULL, NULL);
		cells[i] = made[i];
	}
	return cells[i];
}

void
runs_csv(struct strbuf *sb, json_t *const *ents, const struct runs_text *csv,
	 size_t n)
{
	struct runs_kh *kh = xcalloc(n + 1, sizeof(*kh));
	char **cols = NULL;
	size_t ncols = 0, k = 0;
	json_t **made = xcalloc(n + 1, sizeof(*made));
	const json_t **cells = xcalloc(n + 1, sizeof(*cells));
	uint64_t sig = RUNS_FNV0;
	json_int_t jsig;

	for (size_t i = 0; i < n; i++) {
		const json_t *k = json_object_get(ents[i], "kh");

		kh[i].kh = json_is_integer(k) ? json_integer_value(k) :
			   json_integer_value(json_object_get(
				csv_cells(ents, csv, i, cells, made), "kh"));
		kh[i].i = i;
	}
	/* the union of the columns: those of one job of each kind */
	if (n)
		qsort(kh, n, sizeof(*kh), runs_kh_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || kh[i].kh != kh[i - 1].kh)
			runs_var_cols(json_str(csv_cells(ents, csv, kh[i].i,
							 cells, made), "var", ""),
				      &cols, &ncols);
	if (ncols)
		qsort(cols, ncols, sizeof(*cols), runs_str_cmp);
	for (size_t i = 0; i < ncols; i++) {
		if (k && !strcmp(cols[k - 1], cols[i])) {
			free(cols[i]);
			continue;
		}
		cols[k++] = cols[i];
		sig = runs_fnv(sig, cols[i], strlen(cols[i]) + 1);
	}
	ncols = k;
	jsig = (json_int_t)(sig >> 11);
	for (size_t i = 0; i < sizeof(runs_fixed) / sizeof(runs_fixed[0]);
	     i++) {
		sb_adds(sb, i ? "," : "");
		sb_adds(sb, runs_fixed[i]);
	}
	for (size_t c = 0; c < ncols; c++) {
		sb_addc(sb, ',');
		csvfile_add_cell(sb, cols[c] + 1, 1);	/* less its section */
	}
	sb_adds(sb, "\r\n");
	for (size_t i = 0; i < n; i++) {
		const json_t *row = json_object_get(ents[i], "csvrow");
		struct strbuf one = STRBUF_INIT;

		if (!made[i] && json_is_string(row) &&
		    json_integer_value(json_object_get(ents[i], "csvsig")) ==
		    jsig) {
			sb_add(sb, json_string_value(row),
			       json_string_length(row));
			continue;
		}
		runs_row(&one, csv_cells(ents, csv, i, cells, made), cols,
			 ncols);
		sb_add(sb, one.buf, one.len);
		if (!made[i]) {
			json_object_set_new(ents[i], "csvrow",
				json_stringn_nocheck(one.buf, one.len));
			json_object_set_new(ents[i], "csvsig",
					    json_integer(jsig));
		}
		sb_release(&one);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(made[i]);
	for (size_t c = 0; c < ncols; c++)
		free(cols[c]);
	free(cols);
	free(made);
	free(cells);
	free(kh);
}
