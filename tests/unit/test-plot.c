/*
 * test-plot.c - the plots that compare runs: curves overlaid (colours,
 * grey rest, best last, gaps, log scale), parallel coordinates (numeric,
 * log and category axes, missing values at n/a), the scatter (values
 * dropped and said so), escaping, well-formed output (xmllint when
 * installed), degenerate input and the size of a plot of 1,000 runs.
 */
#include "render/plot.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XMLLINT "/usr/bin/xmllint"

/* 1 when the text between '<' and '>' nests properly, by hand. */
static int
tags_balanced(const char *s)
{
	char stack[64][32];
	int depth = 0;
	const char *p = s;

	while ((p = strchr(p, '<'))) {
		const char *q = strchr(p, '>');
		size_t len;

		if (!q)
			return 0;
		if (p[1] == '/') {
			len = strcspn(p + 2, " >");
			if (depth == 0 || len >= 32 ||
			    strncmp(stack[depth - 1], p + 2, len) ||
			    stack[depth - 1][len])
				return 0;
			depth--;
		} else if (q[-1] != '/') {
			len = strcspn(p + 1, " >");
			if (depth == 64 || len >= 32)
				return 0;
			memcpy(stack[depth], p + 1, len);
			stack[depth++][len] = '\0';
		}
		p = q + 1;
	}
	return depth == 0;
}

/* 1 when s is well-formed XML: xmllint when present, else the tags. */
static int
well_formed(const char *s)
{
	char path[] = "/tmp/test-plot-XXXXXX";
	char cmd[128];
	FILE *fp;
	int fd, rc;

	if (access(XMLLINT, X_OK) != 0)
		return tags_balanced(s);
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	fp = fdopen(fd, "w");
	fputs(s, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), XMLLINT " --noout %s", path);
	rc = system(cmd);
	unlink(path);
	return rc == 0 && tags_balanced(s);
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* The text of the last run's mark (from its last "<path class='pl"). */
static const char *
last_mark(const char *s, const char *what)
{
	const char *last = NULL;

	while ((s = strstr(s, what)))
		last = s++;
	return last;
}

static void
test_auto_scale(void)
{
	double a[] = { 0.001, 0.003, 0.01 }, b[] = { 16, 32, 64 };
	double c[] = { -1, 1, 100 }, d[] = { NAN, 1e-4, INFINITY, 0.02 };

	ok(plot_auto_scale(a, 3, 0) == PLOT_LOG,
	   "a grid of 0.001 to 0.01 is shown on a log scale");
	ok(plot_auto_scale(b, 3, 0) == PLOT_LINEAR,
	   "16 to 64 is shown on a linear one");
	ok(plot_auto_scale(b, 3, 1) == PLOT_LOG, "unless asked for a log one");
	ok(plot_auto_scale(c, 3, 1) == PLOT_LINEAR,
	   "a value <= 0 rules a log scale out");
	ok(plot_auto_scale(d, 4, 0) == PLOT_LOG,
	   "non-finite values are passed over");
	ok(plot_auto_scale(d, 1, 0) == PLOT_LINEAR && plot_auto_scale(NULL,
	   0, 0) == PLOT_LINEAR, "no value: linear");
}

static void
test_curves(void)
{
	double x[] = { 1, 2, 3, 4, 5 }, y1[] = { 2, 1, 0.5, 0.3, 0.2 };
	double y2[] = { 2.5, NAN, 0.8, 0.6, 0.5 }, y3[] = { 3, 2, 1.5, 1.2, 1 };
	struct plot_curve c[3] = {
		{ "a <b>&amp; \"q\"", "sw-01", x, y1, 5, 0, 1 },
		{ "gap", "sw-02", x, y2, 5, 1, 0 },
		{ "grey one", "sw-03", x, y3, 5, -1, 0 },
	};
	struct plot_curves p = { "curves", "Validation <loss>", "epoch",
				 "val_loss", c, 3, "1 other" };
	struct strbuf sb = STRBUF_INIT;
	const char *last;

	ok(plot_curves_svg(&sb, &p) == 0, "curves drawn");
	ok(well_formed(sb_str(&sb)), "curves: well-formed XML");
	ok(count(sb_str(&sb), "<path class='pl") == 3, "a line per run");
	ok(strstr(sb_str(&sb), "class='pl kx'") &&
	   strstr(sb_str(&sb), "class='pl k1'") &&
	   strstr(sb_str(&sb), "class='pl k0 best'"),
	   "classes: grey, a colour, the best");
	last = last_mark(sb_str(&sb), "<path class='pl");
	ok(last && strncmp(last, "<path class='pl k0 best'", 24) == 0,
	   "the best is drawn last");
	ok(strstr(sb_str(&sb), "class='pl kx'") <
	   strstr(sb_str(&sb), "class='pl k1'"), "the grey ones first");
	ok(strstr(sb_str(&sb), "data-id='sw-02'") != NULL, "data-id");
	ok(!strstr(sb_str(&sb), "<b>") && strstr(sb_str(&sb),
	   "a &lt;b&gt;&amp;amp; &quot;q&quot;"), "names escaped");
	ok(strstr(sb_str(&sb), "Validation &lt;loss&gt;") != NULL,
	   "the title escaped");
	ok(strstr(sb_str(&sb), "(log scale)") != NULL,
	   "values from 0.2 to 3: a log scale");
	ok(strstr(sb_str(&sb), ">1 other<") != NULL,
	   "the legend names the grey ones");
	ok(count(sb_str(&sb), "<g class='k") == 3 &&
	   count(sb_str(&sb), "<g class='kx'") == 1,
	   "the legend: the coloured runs, then the grey ones together");
	{
		/* the gap: two subpaths in the second run's line */
		const char *s = strstr(sb_str(&sb), "data-id='sw-02'");
		const char *d = s ? strstr(s, " d='") : NULL;
		const char *e = d ? strchr(d + 4, '\'') : NULL;
		size_t m = 0;

		for (const char *q = d; q && q < e; q++)
			m += *q == 'M';
		ok(m == 2, "a NaN breaks the line (%zu subpaths)", m);
	}
	sb_reset(&sb);
	y1[0] = 0.5;
	y3[0] = 0.9;
	y3[1] = 0.9;
	y3[2] = 0.9;
	y3[3] = 0.9;
	y3[4] = 0.9;
	y2[0] = 0.8;
	ok(plot_curves_svg(&sb, &p) == 0 && !strstr(sb_str(&sb),
	   "(log scale)"), "values within a factor of 10: linear");
	sb_reset(&sb);
	p.n = 0;
	ok(plot_curves_svg(&sb, &p) == 0 && strstr(sb_str(&sb), "no data") &&
	   well_formed(sb_str(&sb)), "no curve: no data, well-formed");
	sb_reset(&sb);
	p.n = 3;
	c[1].y = NULL;
	ok(plot_curves_svg(&sb, &p) < 0 && sb.len == 0,
	   "a curve without y values is refused, nothing written");
	ok(plot_curves_svg(&sb, NULL) < 0, "no plot is refused");
	c[1].y = y2;
	for (size_t i = 0; i < 5; i++)
		y2[i] = NAN;
	sb_reset(&sb);
	ok(plot_curves_svg(&sb, &p) == 0 &&
	   count(sb_str(&sb), "<path class='pl") == 2,
	   "a curve of NaN only draws nothing");
	sb_release(&sb);
}

static void
test_pcoord(void)
{
	static const char *const cats[] = { "[32]", "[64,64]",
		"<script>" };
	struct plot_axis ax[3] = {
		{ "train.lr", PLOT_LOG, NULL, 0 },
		{ "model.hidden.with.a.very.long.path.name.that.goes.on",
		  PLOT_CATEGORY, cats, 3 },
		{ "val_loss", PLOT_LINEAR, NULL, 0 },
	};
	double v[] = {
		0.001, 0, 0.5,
		0.01, 1, 0.2,
		0.003, 2, NAN,
		NAN, 1, 0.3,
	};
	const char *tips[] = { "one: lr 0.001", "two <b>", "three", "four" };
	const char *ids[] = { "m1", "m2", "m3", "m4" };
	int band[] = { 4, 0, -1, 2 };
	struct plot_pcoord p = { "pcoord", "Parameters", ax, 3, 4, v, tips,
				 ids, band, 1 };
	struct strbuf sb = STRBUF_INIT;
	const char *last;

	ok(plot_pcoord_svg(&sb, &p) == 0, "parallel coordinates drawn");
	ok(well_formed(sb_str(&sb)), "pcoord: well-formed XML");
	ok(count(sb_str(&sb), "<path class='pl") == 4, "a line per run");
	last = last_mark(sb_str(&sb), "<path class='pl");
	ok(last && strncmp(last, "<path class='pl b0 best' data-id='m2'",
			   37) == 0, "the best is last, in band 0");
	ok(strstr(sb_str(&sb), "class='pl bn na' data-id='m3'") != NULL,
	   "no metric: band bn, dashed");
	ok(strstr(sb_str(&sb), "class='pl b2 na' data-id='m4'") != NULL,
	   "a missing parameter: dashed");
	ok(count(sb_str(&sb), ">n/a</text>") == 2,
	   "n/a under the axes with a value missing");
	ok(strstr(sb_str(&sb), "2 runs with a value missing") != NULL,
	   "the note says how many");
	ok(strstr(sb_str(&sb), "&lt;script&gt;") && !strstr(sb_str(&sb),
	   "<script>") && strstr(sb_str(&sb), "two &lt;b&gt;"),
	   "category labels and tips escaped");
	ok(strstr(sb_str(&sb), "[64,64]") != NULL, "category labels shown");
	ok(strstr(sb_str(&sb), "\xe2\x80\xa6") && strstr(sb_str(&sb),
	   "<title>model.hidden.with.a.very.long.path.name.that.goes.on"
	   "</title>"), "a long axis name is cut, whole in its title");
	ok(strstr(sb_str(&sb), ">0.001<") && strstr(sb_str(&sb), ">0.01<"),
	   "log ticks at 0.001 and 0.01");
	{
		/* the order: no band, then 4 (worst) .. 0, best last */
		const char *a = strstr(sb_str(&sb), "data-id='m3'");
		const char *b = strstr(sb_str(&sb), "data-id='m1'");
		const char *c = strstr(sb_str(&sb), "data-id='m4'");

		ok(a && b && c && a < b && b < c,
		   "drawn worst first: none, b4, b2, best");
	}
	sb_reset(&sb);
	p.nruns = 0;
	ok(plot_pcoord_svg(&sb, &p) == 0 && strstr(sb_str(&sb), "no data") &&
	   well_formed(sb_str(&sb)), "no runs: no data");
	sb_reset(&sb);
	p.nruns = 4;
	ax[1].cats = NULL;
	ok(plot_pcoord_svg(&sb, &p) < 0 && sb.len == 0,
	   "a category axis without labels is refused");
	ax[1].cats = cats;
	p.naxes = 1;
	p.axes = &ax[2];
	{
		double w[] = { 0.5, 0.2, NAN, 0.3 };

		p.v = w;
		sb_reset(&sb);
		ok(plot_pcoord_svg(&sb, &p) == 0 && well_formed(sb_str(&sb)),
		   "one axis: still drawn");
	}
	ok(plot_pcoord_svg(&sb, NULL) < 0, "no plot is refused");
	sb_release(&sb);
}

static void
test_scatter(void)
{
	double x[] = { 0.001, 0.003, 0.01, -1, 0.02 };
	double y[] = { 0.5, 0.2, NAN, 0.3, 0.25 };
	const char *tips[] = { "a", "b", "c", "d", "e & f" };
	const char *ids[] = { "s1", "s2", "s3", "s4", "s5" };
	int band[] = { 4, 0, -1, 2, 1 };
	struct plot_scatter p = { "scatter", "val_loss against train.lr",
		"train.lr", "val_loss", PLOT_LOG, PLOT_LINEAR, x, y, 5, tips,
		ids, band, 1 };
	struct strbuf sb = STRBUF_INIT;

	ok(plot_scatter_svg(&sb, &p) == 0, "scatter drawn");
	ok(well_formed(sb_str(&sb)), "scatter: well-formed XML");
	ok(count(sb_str(&sb), "<circle class='pt") == 3,
	   "points with both values (>0 on the log x)");
	ok(strstr(sb_str(&sb), "2 runs without a value not shown") != NULL,
	   "the others are counted");
	ok(count(sb_str(&sb), "class='ring'") == 1 &&
	   strstr(sb_str(&sb), "class='pt b0 best' data-id='s2'"),
	   "the best ringed");
	ok(strstr(sb_str(&sb), "e &amp; f") != NULL, "tips escaped");
	sb_reset(&sb);
	p.x = NULL;
	ok(plot_scatter_svg(&sb, &p) < 0 && sb.len == 0,
	   "no x values refused");
	p.x = x;
	p.n = 0;
	sb_reset(&sb);
	ok(plot_scatter_svg(&sb, &p) == 0 && strstr(sb_str(&sb), "no data"),
	   "no runs: no data");
	sb_release(&sb);
}

/* A sweep of 1,000 runs: every plot stays well-formed and bounded. */
static void
test_big(void)
{
	enum { N = 1000, A = 5 };
	double *v = calloc(N * A, sizeof(double)), *x = calloc(N * 12,
							       sizeof(double));
	double *y = calloc(N * 12, sizeof(double));
	int *band = calloc(N, sizeof(int));
	struct plot_curve *c = calloc(N, sizeof(*c));
	static const char *const cats[] = { "16", "32", "64" };
	struct plot_axis ax[A] = {
		{ "train.lr", PLOT_LOG, NULL, 0 },
		{ "train.batch_size", PLOT_CATEGORY, cats, 3 },
		{ "model.dropout", PLOT_LINEAR, NULL, 0 },
		{ "train.weight_decay", PLOT_LOG, NULL, 0 },
		{ "val_loss", PLOT_LINEAR, NULL, 0 },
	};
	struct plot_pcoord p = { "pc", "Big", ax, A, N, v, NULL, NULL, band,
				 7 };
	struct plot_curves pc = { "cv", "Curves", "epoch", "val_loss", c, N,
				  "990 others" };
	struct strbuf sb = STRBUF_INIT;

	for (size_t r = 0; r < N; r++) {
		v[r * A] = pow(10, -4 + 3.0 * (double)r / N);
		v[r * A + 1] = (double)(r % 3);
		v[r * A + 2] = (double)(r % 7) / 10;
		v[r * A + 3] = pow(10, -5 + 3.0 * (double)((r * 7) % N) / N);
		v[r * A + 4] = 0.1 + (double)((r * 13) % N) / N;
		band[r] = (int)(r % 5);
		for (size_t k = 0; k < 12; k++) {
			x[r * 12 + k] = (double)k + 1;
			y[r * 12 + k] = 1.0 / (double)(k + 1) + v[r * A + 4];
		}
		c[r] = (struct plot_curve){ "run", "id", x + r * 12,
			y + r * 12, 12, r < 10 ? (int)r : -1, r == 0 };
	}
	ok(plot_pcoord_svg(&sb, &p) == 0 && well_formed(sb_str(&sb)),
	   "1,000 runs on 5 axes: well-formed");
	diag("pcoord of 1,000 runs: %zu bytes", sb.len);
	ok(sb.len < 200 * 1024, "under 200 KB (%zu bytes)", sb.len);
	sb_reset(&sb);
	ok(plot_curves_svg(&sb, &pc) == 0 && well_formed(sb_str(&sb)),
	   "1,000 curves of 12 points: well-formed");
	diag("curves of 1,000 runs: %zu bytes", sb.len);
	ok(sb.len < 400 * 1024, "under 400 KB (%zu bytes)", sb.len);
	sb_release(&sb);
	free(v);
	free(x);
	free(y);
	free(band);
	free(c);
}

int
main(void)
{
	error_set_quiet(1);
	test_auto_scale();
	test_curves();
	test_pcoord();
	test_scatter();
	test_big();
	return tap_done();
}
