/*
 * resultview.c - the results section of a completed job; see
 * resultview.h.
 *
 * Cards and words come from state.json's "test"; a classifier's
 * confusion matrix too (test.confusion, test.classes), as a table the
 * template draws, each cell shaded by its share of the row. The charts
 * need the points: predictions.csv, read through the job folder opened
 * without following a link, as a regular file of at most
 * RESULTVIEW_PREDICTIONS_MAX bytes, and parsed strictly (csvfile.h). A
 * forecast (a NAME_last column: windowed data) is a line chart of truth
 * and prediction against the row, downsampled to what LTTB keeps of
 * either line, with the band between the lowest and the highest quantile
 * (NAME_qTAU columns) for the quantile loss, at the points kept of the
 * prediction; any other regression is a
 * scatter of predicted against true. Each chart's text alternative is a
 * binned table of all the points (chart_table_binned). Every number from
 * the files is input: a figure that is not a finite number is left out,
 * and a share outside [0, 1] is shown as the number it is.
 */
#include "render/resultview.h"
#include "job/state.h"
#include "lib/csvfile.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "render/chart.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Unknown metrics of test.metrics shown as cards, at most. */
#define MAX_OTHER_METRICS 8

/* The test metrics a card is made for, in the order shown. */
static const struct {
	const char *key, *label;
	int share;		/* a share of the samples: shown in % */
} metric_cards[] = {
	{ "accuracy", "Accuracy", 1 },
	{ "f1", "F1 (macro)", 0 },
	{ "rmse", "RMSE", 0 },
	{ "mae", "MAE", 0 },
	{ "r2", "R\xc2\xb2", 0 },
	{ "diracc", "Directional accuracy", 1 },
	{ "pinball", "Pinball loss", 0 },
	{ "coverage", "Coverage", 1 },
};

/* The number v is, when it is a finite JSON number; NaN otherwise. */
static double
finite_of(const json_t *v)
{
	double x = json_is_number(v) ? json_number_value(v) : NAN;

	return isfinite(x) ? x : NAN;
}

/* v as a card shows it: a share in % (when within [0, 1]), else 4
 * significant digits. */
static void
card_number(double v, int share, char *buf, size_t n)
{
	if (share && v >= 0 && v <= 1)
		snprintf(buf, n, "%.1f%%", v * 100);
	else
		chart_format(v, 4, buf, n);
}

/* Append the card {label, value, sub} (sub NULL: none) to cards. */
static void
card_add(json_t *cards, const char *label, const char *value,
	 const char *sub)
{
	json_t *c = json_pack("{s:o, s:s}", "label", json_text(label),
			      "value", value);

	if (sub && *sub)
		json_object_set_new(c, "sub", json_text(sub));
	json_array_append_new(cards, c);
}

/*
 * The quantile levels of the config's loss: the lowest into *lo and the
 * highest into *hi; 0 when it names no two levels within (0, 1).
 */
static int
quantile_levels(const json_t *cfg, double *lo, double *hi)
{
	const json_t *q = json_object_get(json_object_get(cfg, "loss"),
					  "quantiles");
	size_t n = json_array_size(q);
	double a, b;

	if (n < 2)
		return 0;
	a = finite_of(json_array_get(q, 0));
	b = finite_of(json_array_get(q, n - 1));
	if (!(a > 0 && a < 1 && b > a && b < 1))
		return 0;
	*lo = a;
	*hi = b;
	return 1;
}

/* The metric cards: the test loss, then each metric of test.metrics. */
static json_t *
result_cards(const json_t *state, const json_t *test, const json_t *cfg)
{
	const json_t *m = json_object_get(test, "metrics");
	const json_t *base = json_object_get(test, "baseline");
	json_t *cards = json_array(), *v;
	const char *key, *loss;
	char buf[64], sub[96];
	double x, lo, hi;
	size_t i, other = 0;

	loss = json_str(json_object_get(state, "model"), "loss", NULL);
	x = finite_of(json_object_get(test, "loss"));
	if (isfinite(x)) {
		chart_format(x, 4, buf, sizeof(buf));
		snprintf(sub, sizeof(sub), "%.40s", loss ? loss : "");
		card_add(cards, "Test loss", buf, sub);
	}
	for (i = 0; i < sizeof(metric_cards) / sizeof(metric_cards[0]); i++) {
		x = finite_of(json_object_get(m, metric_cards[i].key));
		if (!isfinite(x))
			continue;
		card_number(x, metric_cards[i].share, buf, sizeof(buf));
		sub[0] = '\0';
		if (!strcmp(metric_cards[i].key, "coverage") &&
		    quantile_levels(cfg, &lo, &hi))
			snprintf(sub, sizeof(sub), "in the %g\xe2\x80\x93%g band "
				 "(%g%% expected)", lo, hi,
				 round((hi - lo) * 1000) / 10);
		card_add(cards, metric_cards[i].label, buf, sub);
	}
	/* metrics of a later trainer: shown as they are named */
	json_object_foreach((json_t *)m, key, v) {
		for (i = 0; i < sizeof(metric_cards) / sizeof(metric_cards[0]);
		     i++)
			if (!strcmp(key, metric_cards[i].key))
				break;
		if (i < sizeof(metric_cards) / sizeof(metric_cards[0]) ||
		    !isfinite(finite_of(v)) || other++ >= MAX_OTHER_METRICS)
			continue;
		chart_format(finite_of(v), 4, buf, sizeof(buf));
		snprintf(sub, sizeof(sub), "%.64s", key);
		card_add(cards, sub, buf, NULL);
	}
	x = finite_of(json_object_get(base, "rmse"));
	if (isfinite(x)) {
		chart_format(x, 4, buf, sizeof(buf));
		card_add(cards, "Persistence RMSE", buf,
			 "the last value as the forecast");
	}
	return cards;
}

/*
 * "RMSE 54% below persistence (0.105 against 0.23)" for the metric key
 * of the test against the baseline's, or NULL when either is not a
 * finite number or the baseline's is not above 0.
 */
static json_t *
baseline_words(const json_t *test, const char *key, const char *label)
{
	const json_t *base = json_object_get(test, "baseline");
	double m = finite_of(json_object_get(json_object_get(test, "metrics"),
					     key));
	double b = finite_of(json_object_get(base, key));
	const char *name = json_str(base, "name", "the baseline");
	char pct[48], ms[48], bs[48], text[256];
	double d;

	if (!isfinite(m) || !(b > 0))
		return NULL;
	d = (m - b) / b * 100;
	chart_format(m, 4, ms, sizeof(ms));
	chart_format(b, 4, bs, sizeof(bs));
	if (fabs(d) < 0.5) {
		snprintf(text, sizeof(text), "%s the same as %.64s (%s "
			 "against %s)", label, name, ms, bs);
	} else if (!isfinite(d)) {
		/* beyond what a double holds: a baseline of next to 0 */
		snprintf(text, sizeof(text), "%s far above %.64s (%s against "
			 "%s)", label, name, ms, bs);
	} else {
		chart_format(round(fabs(d)), 6, pct, sizeof(pct));
		snprintf(text, sizeof(text), "%s %s%% %s %.64s (%s against "
			 "%s)", label, pct, d < 0 ? "below" : "above", name,
			 ms, bs);
	}
	return json_text(text);
}

/* A count as the table shows it: a whole number, or 4 digits. */
static void
count_text(double n, char *buf, size_t len)
{
	if (n < 1e15 && n == floor(n))
		snprintf(buf, len, "%.0f", n);
	else
		chart_format(n, 4, buf, len);
}

/*
 * The confusion matrix {caption, classes, rows} of test, or NULL with a
 * note in notes when there is none to show.
 */
static json_t *
confusion_view(const json_t *test, json_t *notes)
{
	const json_t *cm = json_object_get(test, "confusion");
	const json_t *cl = json_object_get(test, "classes");
	size_t k = json_array_size(cl), i, j;
	json_t *classes, *rows, *out;
	double total = 0;
	char buf[160];

	if (json_is_null(cm) || !cm) {
		const char *why = json_str(test, "confusion_omitted", NULL);

		if (why) {
			snprintf(buf, sizeof(buf), "No confusion matrix: "
				 "%.100s.", why);
			json_array_append_new(notes, json_text(buf));
		}
		return NULL;
	}
	/* k rows of k counts, every one a finite number >= 0 */
	if (k == 0 || json_array_size(cm) != k)
		goto bad;
	for (i = 0; i < k; i++) {
		const json_t *row = json_array_get(cm, i);

		if (json_array_size(row) != k)
			goto bad;
		for (j = 0; j < k; j++) {
			double n = finite_of(json_array_get(row, j));

			if (!(n >= 0))
				goto bad;
			total += n;
		}
	}
	if (k > RESULTVIEW_MAX_CLASSES) {
		snprintf(buf, sizeof(buf), "The confusion matrix of %zu "
			 "classes is too large to show here (more than %d); "
			 "it is in state.json.", k, RESULTVIEW_MAX_CLASSES);
		json_array_append_new(notes, json_text(buf));
		return NULL;
	}
	classes = json_array();
	rows = json_array();
	for (i = 0; i < k; i++) {
		const json_t *row = json_array_get(cm, i);
		const json_t *c = json_array_get(cl, i);
		json_t *cells = json_array();
		json_t *nm = json_is_string(c) ?
			     json_text(json_string_value(c)) :
			     json_string("?");
		double sum = 0;

		for (j = 0; j < k; j++)
			sum += finite_of(json_array_get(row, j));
		for (j = 0; j < k; j++) {
			double n = finite_of(json_array_get(row, j));
			/* shade by the share of the true class: 0 none, 1..5 */
			int q = n > 0 ? 1 + (int)(4 * n / sum + 0.5) : 0;

			count_text(n, buf, sizeof(buf));
			json_array_append_new(cells, json_pack(
				"{s:s, s:i, s:b}", "n", buf, "q",
				q > 5 ? 5 : q, "diag", i == j));
		}
		json_array_append(classes, nm);
		json_array_append_new(rows, json_pack("{s:o, s:o}", "name", nm,
						      "cells", cells));
	}
	count_text(total, buf, sizeof(buf));
	out = json_pack("{s:o, s:o, s:o}", "caption", json_sprintf(
		"Confusion matrix of the %s test samples", buf), "classes",
		classes, "rows", rows);
	return out;
bad:
	json_array_append_new(notes, json_string("No confusion matrix: "
		"test.confusion in state.json is not a matrix of counts, one "
		"row and one column per class of test.classes."));
	return NULL;
}

/* Column col of t as numbers (empty or bad cells NaN); caller frees. */
static double *
numbers(const struct csvfile *t, long col)
{
	double *v = xcalloc(t->nrows ? t->nrows : 1, sizeof(*v));

	for (size_t r = 0; col >= 0 && r < t->nrows; r++)
		v[r] = csvfile_number(csvfile_cell(t, r, (size_t)col));
	if (col < 0)
		for (size_t r = 0; r < t->nrows; r++)
			v[r] = (double)r;
	return v;
}

/*
 * Read the job's predictions.csv into t: beneath the folder dir opened
 * without following a link, a regular file (no FIFO waited on) of at
 * most RESULTVIEW_PREDICTIONS_MAX bytes. 0, or -1 with why in notes.
 */
static int
predictions_load(const char *dir, struct csvfile *t, json_t *notes)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int q = error_set_quiet(1), rc = -1;
	char *buf = NULL, *why;
	size_t len = 0;

	error_clear();
	if (fd < 0)
		error("cannot open the job folder: not a folder");
	else
		buf = file_read_regular_at(fd, JOB_PREDICTIONS,
					   JOB_PREDICTIONS, &len,
					   RESULTVIEW_PREDICTIONS_MAX);
	if (buf)
		rc = csvfile_parse(t, buf, len, ',', JOB_PREDICTIONS, 0);
	if (rc < 0) {
		why = xasprintf("No chart of the predictions: %s.",
				error_last());
		json_array_append_new(notes, json_text(why));
		free(why);
	}
	error_set_quiet(q);
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Append the chart {id, title, wide, svg, table} to charts; wide: it
 * takes the whole width of the section.
 */
static void
chart_add(json_t *charts, const char *id, const char *title, int wide,
	  const struct strbuf *svg, const struct strbuf *table)
{
	/* chart.h's markup is valid UTF-8 */
	json_array_append_new(charts, json_pack("{s:s, s:o, s:b, s:o, s:o}",
		"id", id, "title", json_text(title), "wide", wide, "svg",
		json_stringn_nocheck(svg->buf ? svg->buf : "", svg->len),
		"table", json_stringn_nocheck(table->buf ? table->buf : "",
					      table->len)));
}

/* Predicted against true, and its binned table. */
static void
scatter_chart(json_t *charts, const char *name, const double *truth,
	      const double *pred, size_t n)
{
	struct chart_series s = { "test samples", "s1", truth, pred, n };
	char *title = xasprintf("Predicted against true: %s", name);
	struct chart c = { "result-scatter", title, "true", "predicted", 0, 0,
			   0, &s, 1, -1, NULL, 0, NULL, 0 };
	struct strbuf svg = STRBUF_INIT, table = STRBUF_INIT;

	if (chart_scatter_svg(&svg, &c) == 0 &&
	    chart_table_binned(&table, &c, NULL, RESULTVIEW_BINS, 1) == 0)
		chart_add(charts, c.id, title, 0, &svg, &table);
	sb_release(&svg);
	sb_release(&table);
	free(title);
}

/* A row of a forecast and its x, to sort the rows by x. */
struct xrow {
	double x;
	size_t row;
};

static int
xrow_cmp(const void *a, const void *b)
{
	const struct xrow *p = a, *q = b;

	/* NaN last; equal x in the file's order */
	if (isnan(p->x) != isnan(q->x))
		return isnan(p->x) ? 1 : -1;
	if (!isnan(p->x) && p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return (p->row > q->row) - (p->row < q->row);
}

/*
 * The indices (into n rows sorted by x) of the points drawn: every point
 * when few, else those LTTB keeps of either line a and b (over the points
 * where x and both lines are finite), in order, into *out; those it keeps
 * of b alone into *bout (the band follows the prediction b, and is half
 * the bytes so). Returns the number of *out, *nb that of *bout; both are
 * the caller's.
 */
static size_t
forecast_points(const double *x, const double *a, const double *b, size_t n,
		size_t **out, size_t **bout, size_t *nb)
{
	size_t *keep = xcalloc(n ? n : 1, sizeof(size_t));
	size_t *bkeep = xcalloc(n ? n : 1, sizeof(size_t));
	size_t *fin, *idx, k, i, m = 0, f = 0;
	unsigned char *mark;
	double *fx, *fy;

	*nb = 0;
	if (n <= 2 * RESULTVIEW_FORECAST_POINTS) {
		for (i = 0; i < n; i++)
			keep[i] = bkeep[i] = i;
		*out = keep;
		*bout = bkeep;
		*nb = n;
		return n;
	}
	fin = xcalloc(n, sizeof(size_t));
	fx = xcalloc(n, sizeof(double));
	fy = xcalloc(n, sizeof(double));
	mark = xcalloc(n, 1);
	idx = xcalloc(RESULTVIEW_FORECAST_POINTS, sizeof(size_t));
	for (i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(a[i]) && isfinite(b[i]))
			fin[f++] = i;
	for (int line = 0; line < 2; line++) {
		for (i = 0; i < f; i++) {
			fx[i] = x[fin[i]];
			fy[i] = line ? b[fin[i]] : a[fin[i]];
		}
		k = chart_lttb(fx, fy, f, RESULTVIEW_FORECAST_POINTS, idx);
		for (i = 0; i < k; i++)
			mark[fin[idx[i]]] |= 1 << line;
	}
	for (i = 0; i < n; i++) {
		if (mark[i])
			keep[m++] = i;
		if (mark[i] & 2)
			bkeep[(*nb)++] = i;
	}
	free(fin);
	free(fx);
	free(fy);
	free(mark);
	free(idx);
	*out = keep;
	*bout = bkeep;
	return m;
}

/*
 * Truth and prediction against the row, with the band between the
 * columns lo and hi when both are >= 0 (levels qlo, qhi), and the binned
 * table of all the points.
 */
static void
forecast_chart(json_t *charts, const char *name, const struct csvfile *t,
	       long rowc, long truec, long predc, long loc, long hic,
	       double qlo, double qhi)
{
	double *x = numbers(t, rowc), *y = numbers(t, truec);
	double *p = numbers(t, predc);
	double *lo = loc >= 0 ? numbers(t, loc) : NULL;
	double *hi = hic >= 0 ? numbers(t, hic) : NULL;
	size_t n = t->nrows, m, mb, i, *keep, *bkeep;
	struct xrow *order;
	double *v[5] = { x, y, p, lo, hi }, *d[5] = { NULL }, *bx;
	char band_name[64];
	char *title = xasprintf("Forecast on the test set: %s", name);
	struct strbuf svg = STRBUF_INIT, table = STRBUF_INIT;

	/* by row, in case the split shuffled the samples */
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = (struct xrow){ x[i], i };
	qsort(order, n, sizeof(*order), xrow_cmp);
	for (int k = 0; k < 5; k++) {
		double *sorted;

		if (!v[k])
			continue;
		sorted = xcalloc(n ? n : 1, sizeof(double));
		for (i = 0; i < n; i++)
			sorted[i] = v[k][order[i].row];
		free(v[k]);
		v[k] = sorted;
	}
	m = forecast_points(v[0], v[1], v[2], n, &keep, &bkeep, &mb);
	/* the lines at keep; the band (x, lo, hi) at bkeep */
	for (int k = 0; k < 5; k++) {
		const size_t *at = k < 3 ? keep : bkeep;
		size_t na = k < 3 ? m : mb;

		if (!v[k])
			continue;
		d[k] = xcalloc(na ? na : 1, sizeof(double));
		for (i = 0; i < na; i++)
			d[k][i] = v[k][at[i]];
	}
	bx = xcalloc(mb ? mb : 1, sizeof(double));
	for (i = 0; i < mb; i++)
		bx[i] = v[0][bkeep[i]];
	snprintf(band_name, sizeof(band_name), "%g\xe2\x80\x93%g quantiles",
		 qlo, qhi);
	{
		struct chart_series all[2] = {
			{ "truth", "s1", v[0], v[1], n },
			{ "prediction", "s2", v[0], v[2], n },
		};
		struct chart_series drawn[2] = {
			{ "truth", "s1", d[0], d[1], m },
			{ "prediction", "s2", d[0], d[2], m },
		};
		struct chart_band ball = { band_name, "s2", v[0], v[3], v[4],
					   n };
		struct chart_band bdrawn = { band_name, "s2", bx, d[3], d[4],
					     mb };
		/* wide and low, as a time series reads best */
		struct chart c = { "result-forecast", title, "row", name, 0,
				   RESULTVIEW_FORECAST_W, RESULTVIEW_FORECAST_H,
				   drawn, 2, RESULTVIEW_HOVER, NULL, 0, NULL, 0 };
		struct chart call = c;

		call.series = all;
		if (chart_svg_band(&svg, &c, v[3] ? &bdrawn : NULL) == 0 &&
		    chart_table_binned(&table, &call, v[3] ? &ball : NULL,
				       RESULTVIEW_BINS, 0) == 0)
			chart_add(charts, c.id, title, 1, &svg, &table);
	}
	for (int k = 0; k < 5; k++) {
		free(v[k]);
		free(d[k]);
	}
	free(order);
	free(keep);
	free(bkeep);
	free(bx);
	free(title);
	sb_release(&svg);
	sb_release(&table);
}

/*
 * The quantile column of target name with the lowest level (want_hi 0)
 * or the highest: NAME_qTAU, TAU a number within (0, 1). Its index, or
 * -1; its level into *level.
 */
static long
quantile_column(const struct csvfile *t, const char *name, int want_hi,
		double *level)
{
	size_t len = strlen(name);
	long best = -1;

	for (size_t col = 0; col < t->ncols; col++) {
		const char *h = csvfile_header(t, col);
		char *end;
		double tau;

		if (strncmp(h, name, len) || strncmp(h + len, "_q", 2))
			continue;
		tau = strtod(h + len + 2, &end);
		if (end == h + len + 2 || *end || !(tau > 0 && tau < 1))
			continue;
		if (best < 0 || (want_hi ? tau > *level : tau < *level)) {
			best = (long)col;
			*level = tau;
		}
	}
	return best;
}

/* The chart of the first target's predictions, from predictions.csv. */
static void
prediction_charts(json_t *r, const json_t *state, const char *dir)
{
	const json_t *targets = json_object_get(json_object_get(state, "data"),
						"targets");
	json_t *charts = json_array(), *notes = json_object_get(r, "notes");
	struct csvfile t = { 0 };
	char *col = NULL, text[200];
	const char *name;
	long truec, predc, lastc, loc, hic;
	double qlo = 0, qhi = 0;

	if (predictions_load(dir, &t, notes) < 0)
		goto out;
	/* the first target: state.json names it, else the header does */
	name = json_is_string(json_array_get(targets, 0)) ?
	       json_string_value(json_array_get(targets, 0)) :
	       t.ncols > 1 ? csvfile_header(&t, 1) : "";
	truec = csvfile_find(&t, name);
	col = xasprintf("%s_pred", name);
	predc = csvfile_find(&t, col);
	free(col);
	if (truec < 0 || predc < 0) {
		snprintf(text, sizeof(text), "No chart of the predictions: "
			 "predictions.csv has no columns '%.40s' and "
			 "'%.40s_pred'.", name, name);
		json_array_append_new(notes, json_text(text));
		goto out;
	}
	if (json_array_size(targets) > 1) {
		snprintf(text, sizeof(text), "The chart shows the first of the "
			 "%zu targets, %.60s.", json_array_size(targets), name);
		json_array_append_new(notes, json_text(text));
	}
	col = xasprintf("%s_last", name);
	lastc = csvfile_find(&t, col);
	free(col);
	loc = quantile_column(&t, name, 0, &qlo);
	hic = quantile_column(&t, name, 1, &qhi);
	if (loc == hic)
		loc = hic = -1;
	if (lastc >= 0) {
		forecast_chart(charts, name, &t, csvfile_find(&t, "row"),
			       truec, predc, loc, hic, qlo, qhi);
	} else {
		double *y = numbers(&t, truec), *p = numbers(&t, predc);

		scatter_chart(charts, name, y, p, t.nrows);
		free(y);
		free(p);
	}
out:
	csvfile_release(&t);
	json_object_set_new(r, "charts", charts);
}

json_t *
resultview_make(const json_t *state, const char *dir, const json_t *cfg)
{
	const json_t *test = json_object_get(state, "test");
	const json_t *m = json_object_get(test, "metrics");
	json_t *r, *words, *w, *notes, *cm;
	int classifier;

	if (job_status_of(state) != JOB_COMPLETED || !json_is_object(test))
		return NULL;
	words = json_array();
	notes = json_array();
	classifier = json_object_get(test, "confusion") ||
		     json_object_get(test, "classes") ||
		     json_object_get(m, "accuracy");
	r = json_object();
	if (json_int(test, "samples", -1) >= 0)
		json_object_set_new(r, "samples", json_integer(json_int(test,
			"samples", 0)));
	json_object_set_new(r, "cards", result_cards(state, test, cfg));
	w = baseline_words(test, "rmse", "RMSE");
	if (w)
		json_array_append_new(words, w);
	w = baseline_words(test, "mae", "MAE");
	if (w)
		json_array_append_new(words, w);
	if (json_array_size(words))
		json_object_set(r, "baseline", words);
	json_object_set(r, "notes", notes);
	if (classifier) {
		cm = confusion_view(test, notes);
		if (cm)
			json_object_set_new(r, "confusion", cm);
		json_object_set_new(r, "charts", json_array());
	} else {
		prediction_charts(r, state, dir);
	}
	/* set either way: the page's own has_charts is no answer here */
	json_object_set_new(r, "has_charts", json_boolean(json_array_size(
		json_object_get(r, "charts"))));
	if (!json_array_size(notes))
		json_object_del(r, "notes");
	json_decref(words);
	json_decref(notes);
	return r;
}
