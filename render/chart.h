/*
 * chart.h - inline SVG line charts for the job pages, and their data as an
 * HTML table.
 *
 *	struct chart_series s[2] = {
 *		{ "train", "s1", epoch, train_loss, n },
 *		{ "val", "s2", epoch, val_loss, n },
 *	};
 *	struct chart c = { "loss", "Loss", "epoch", "loss", 0, 0, 0, s, 2 };
 *	chart_svg(&sb, &c);	(one <svg> element)
 *	chart_table(&sb, &c);	(one <table>, for a <details> under it)
 *
 * Colours are never written into the SVG: the root has fill="currentColor"
 * (text takes the page's colour), each series is drawn inside
 * <g class="CSS_CLASS"> with stroke="currentColor", so the stylesheet only
 * sets `color` on .s1, .s2, ... (and may change it for dark mode). Other
 * classes for the stylesheet: svg.chart (with .lines or .scatter),
 * .chart-title, .grid, .axis, .minor, .tick, .label (.xlabel the x
 * axis's), .legend, .note, .plot (a line chart's inner <svg>), .line
 * (a series' path), .cols (hover columns, transparent), .mark (the
 * marked x: a rule, its label and a ring on each series), .band (a
 * band's area and its legend swatch), .dots and .diag (a scatter plot's
 * dots and its diagonal).
 *
 * A line chart has no viewBox: it is as wide as its box (width 100%),
 * c->height CSS px high, and its text is 12 px (font-size='12') at any
 * width. Its CSS padding (an inline style) leaves the plot area as its
 * viewport: x is written in % of the plot's width, y in px, and the
 * title, legend and tick labels lie in the padding (overflow='visible').
 * The lines are in an inner <svg class='plot'> whose viewBox (0 0 1000
 * plot-height) is stretched to the plot (preserveAspectRatio='none',
 * strokes with vector-effect='non-scaling-stroke'). Hover columns carry
 * a native <title> with every series' value at their x. With hover
 * data, the root has data-f='x0 x1 y0 y1 LOG' (the plot's range, log10
 * on a log scale, LOG 1 or 0) and data-x (the x of the series when they
 * share them), and each series' <g> data-name, data-y (its values, 4
 * digits, "~" before a point after a gap) and data-x when its own:
 * what templates/chart.js draws tooltips and smoothed lines from. A
 * chart with c->data_from has data-from='ID' instead of the values:
 * chart.js takes them from the chart of that id. data-x is "A..B" for
 * the whole numbers A to B.
 *
 * Points with a non-finite x or y are gaps (the line breaks there); on a
 * log scale, values <= 0 are dropped and the chart says how many. Series
 * longer than CHART_MAX_POINTS are downsampled with LTTB before drawing;
 * the table shows the same downsampled points. Every string is
 * XML-escaped. Attribute values are in single quotes: the markup also
 * travels inside JSON strings (data.json), where a double quote costs an
 * escape each time.
 *
 * Two more kinds, for a finished job's results: a line chart with a band
 * (chart_svg_band: a forecast with the range of its quantiles, drawn as
 * <path class='band'> under the lines), and a scatter plot of the points
 * (x, y) of each series with the diagonal y = x (chart_scatter_svg:
 * predictions against the truth; <path class='dots'>, <path
 * class='diag'>). Their text alternative is chart_table_binned: the
 * points summed up in bins of x, a table of a few rows however many
 * points there are.
 */
#ifndef SPOOLBOARD_CHART_H
#define SPOOLBOARD_CHART_H

#include <stddef.h>

#include "lib/strbuf.h"

/* Longer series are downsampled to this many points. */
#define CHART_MAX_POINTS 500
/* A line chart has at most this many hover columns (c->hover 0). */
#define CHART_HOVER_POINTS 50
/* c->hover: no hover columns, but the values for chart.js (data-y) */
#define CHART_HOVER_DATA (-2)
/* A scatter plot draws at most this many dots per series. */
#define CHART_MAX_DOTS 400

struct chart_series {
	const char *name;	/* legend and hover text; NULL is "" */
	const char *css_class;	/* e.g. "s1"; NULL is "s1" */
	const double *x;	/* n values (epoch, seconds, ...) */
	const double *y;	/* n values; NaN or Inf is a gap */
	size_t n;
};

/*
 * A band: the area between lo and hi at each x (a prediction interval),
 * drawn in the colour of its class with a legend entry of its own.
 */
struct chart_band {
	const char *name;	/* legend; NULL is "" */
	const char *css_class;	/* NULL is "s1" */
	const double *x, *lo, *hi;	/* n values; a non-finite one is a gap */
	size_t n;
};

struct chart {
	const char *id;		/* unique on the page, for aria-labelledby;
				   characters other than [A-Za-z0-9_-] become
				   '-'; NULL is "chart" */
	const char *title;
	const char *xlabel;
	const char *ylabel;
	int log_y;		/* 1: logarithmic y axis */
	double width, height;	/* viewBox units; 0 (or invalid) is 640x240 */
	const struct chart_series *series;	/* nseries of them */
	size_t nseries;
	int hover;		/* line charts: at most this many hover
				   columns; 0: CHART_HOVER_POINTS;
				   CHART_HOVER_DATA: none, but the values;
				   -1: neither */
	const char *mark;	/* line charts: the label of a mark at
				   mark_x ("best"); NULL: no mark */
	double mark_x;
	const char *data_from;	/* line charts with hover data: the id of
				   a chart on the same page with the same
				   series (data-y, data-x), which this one
				   does not repeat (data-from='ID'); NULL:
				   its own */
	double x_max;		/* line charts: the x axis reaches at least
				   this far (a live job's last epoch);
				   0: as far as the points */
};

/*
 * Append the chart as one <svg> element to sb (a line chart, laid out
 * as above): role="img", a <title> that aria-labelledby points at; the
 * mark when c->mark is set and mark_x in the range. Empty series, single points, constant values and
 * non-finite values all give a valid SVG ("no data" when nothing can be
 * drawn). Returns 0, or -1 (with error()) when c is NULL or a series with
 * points has a NULL x or y; nothing is appended then.
 */
int chart_svg(struct strbuf *sb, const struct chart *c);

/*
 * chart_svg with the band b (NULL: none) drawn under the series; the y
 * range holds the band too. Longer than CHART_MAX_POINTS, it is
 * downsampled with LTTB on its middle. 0, or -1 as chart_svg (also when
 * b has points but no x, lo or hi).
 */
int chart_svg_band(struct strbuf *sb, const struct chart *c,
		   const struct chart_band *b);

/*
 * Append c as a scatter plot, one <svg> element: a dot at (x, y) for each
 * point of each series whose x and y are finite (at most CHART_MAX_DOTS
 * per series: sorted by x and downsampled with LTTB, which keeps the
 * outliers), on one scale for both axes with a square plot area, and the
 * dashed diagonal y = x; a legend when there are two series or more.
 * c->log_y and c->hover are ignored; width and
 * height 0 are 420 x 400. No data gives a valid SVG saying so. 0, or -1
 * as chart_svg.
 */
int chart_scatter_svg(struct strbuf *sb, const struct chart *c);

/*
 * Append the points of c (and of its band b, or NULL) summed up as an
 * HTML <table>, the text alternative of a chart of many points: the
 * finite points of the first series in x order are cut into at most
 * nbins bins of about as many points each (one bin per distinct x at
 * most), and each row gives a bin's range of x, its number of points
 * of the first series, with xmean the mean of their x, then the mean y
 * of every series (and of the band's lo and hi) over the points whose x
 * falls in the bin. Numbers with 4 significant digits; a mean of no
 * points is an empty cell. 0, or -1 as chart_svg_band.
 */
int chart_table_binned(struct strbuf *sb, const struct chart *c,
		       const struct chart_band *b, size_t nbins, int xmean);

/*
 * Append the series of c as an HTML <table> (caption = title, one row per
 * distinct x, one column per series, empty cells where a series has no
 * point at that x), using the same points the SVG draws. Returns 0, or -1
 * as chart_svg.
 */
int chart_table(struct strbuf *sb, const struct chart *c);

/*
 * Largest-triangle-three-buckets downsampling of the n points (x[i], y[i])
 * (all finite) to m points: writes the indices of the points kept, in
 * increasing order, to idx (room for min(n, m)) and returns their number.
 * The first and last points are always kept; n <= m keeps every point;
 * m == 1 keeps the first point only, m == 0 none.
 */
size_t chart_lttb(const double *x, const double *y, size_t n, size_t m,
		  size_t *idx);

/*
 * Nice ticks for the range [lo, hi] (lo < hi, both finite): the step is
 * 1, 2 or 5 x 10^k, the smallest such that (hi - lo) / step <= target.
 * Writes the multiples of the step inside [lo, hi] to ticks (at most cap)
 * and the step to *step; returns their number.
 */
int chart_ticks(double lo, double hi, int target, double *ticks, int cap,
		double *step);

/*
 * Format v compactly into buf (size n) with sig significant digits: fixed
 * notation for 1e-4 <= |v| < 1e6 ("0.001", "250000"), otherwise "1.5e-7",
 * "2e9"; trailing zeros dropped; "NaN", "Inf", "-Inf".
 */
void chart_format(double v, int sig, char *buf, size_t n);

/*
 * v rounded to sig significant digits: the number chart_format(v, sig)
 * prints, as strtod would read it back (but mostly without printing it).
 * Non-finite values and 0 come back as they are.
 */
double chart_round(double v, int sig);

/*
 * Append s XML-escaped (& < > " ' as entities) to sb, usable in text and
 * in attribute values. Control characters other than tab and newline
 * become spaces and invalid UTF-8 bytes U+FFFD, so the result is always
 * well-formed XML. NULL is "".
 */
void chart_escape(struct strbuf *sb, const char *s);

/*
 * chart_escape for the text of an element (not an attribute value):
 * quotes stay as they are, only & < > become entities.
 */
void chart_escape_text(struct strbuf *sb, const char *s);

#endif
