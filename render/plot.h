/*
 * plot.h - the SVG plots that compare runs: many curves overlaid, parallel
 * coordinates of parameters against a metric, and a scatter of one
 * parameter against the metric. chart.h draws one job's charts; these
 * draw one line or point per run.
 *
 *	struct plot_curve c[2] = {
 *		{ "lr 0.001", "sw-01", x0, y0, n0, 0, 1 },
 *		{ "lr 0.01", "sw-02", x1, y1, n1, -1, 0 },
 *	};
 *	struct plot_curves pc = { "curves", "Validation loss", "epoch",
 *				  "val_loss", c, 2, NULL };
 *	plot_curves_svg(&sb, &pc);
 *
 * As in chart.h, colours are never written into the SVG: every mark has
 * stroke or fill "currentColor" inside an element with a class, and the
 * stylesheet sets `color` for each class, in light and dark mode:
 *	.k0 ... .k9	a run's colour among PLOT_COLORS (curves, legend)
 *	.kx		the runs without a colour of their own (grey, behind)
 *	.b0 ... .b4	a run's band of the metric, .b0 the best fifth
 *			(parallel coordinates, scatter); .bn: no value
 *	.best		the best run: drawn last, thicker
 *	.na		a line through a missing value (dashed)
 * and svg.plot, .pcoord, .scatter, .curves, .pl (a run's line), .pt (a
 * run's point), .axis, .grid, .tick, .label, .legend, .note. Each run's
 * line or point carries a <title> (its hover text, shown by the browser
 * without a script) and data-id='ID' for a script to find it. Every
 * string is XML-escaped (chart_escape); attribute values are in single
 * quotes, as chart.h's.
 */
#ifndef SPOOLBOARD_PLOT_H
#define SPOOLBOARD_PLOT_H

#include <stddef.h>

#include "lib/strbuf.h"

#define PLOT_COLORS 10	/* classes k0..k9 */
#define PLOT_BANDS 5	/* classes b0..b4 */

/* How values map to an axis. */
enum plot_scale { PLOT_LINEAR, PLOT_LOG, PLOT_CATEGORY };

/* One run's curve. */
struct plot_curve {
	const char *name;	/* legend and hover text */
	const char *id;		/* data-id, or NULL */
	const double *x, *y;	/* n points; a non-finite value is a gap */
	size_t n;
	int color;		/* 0..PLOT_COLORS-1, or -1: grey, no legend */
	int best;		/* drawn last and thicker */
};

struct plot_curves {
	const char *id;		/* unique on the page ([A-Za-z0-9_-]) */
	const char *title, *xlabel, *ylabel;
	const struct plot_curve *curves;
	size_t n;
	const char *more;	/* the legend's grey item ("190 others"),
				   or NULL */
};

/*
 * Append the curves as one <svg> (class 'plot curves'): the grey ones
 * first, then the coloured ones, the best last; a legend of the coloured
 * ones and `more`. The y axis is logarithmic when every value is > 0 and
 * they span a factor of 10 or more (the y label says so). 0, or -1 after
 * error() when p is NULL or a curve with points has no x or y.
 */
int plot_curves_svg(struct strbuf *sb, const struct plot_curves *p);

/* One axis of parallel coordinates. */
struct plot_axis {
	const char *name;
	enum plot_scale scale;
	const char *const *cats;	/* PLOT_CATEGORY: the label of value
					   0, 1, ... ncats-1, bottom up */
	size_t ncats;
};

struct plot_pcoord {
	const char *id, *title;
	const struct plot_axis *axes;	/* naxes of them, left to right */
	size_t naxes;
	size_t nruns;
	const double *v;	/* v[r * naxes + a]: run r on axis a (a
				   category's index); NaN: missing */
	const char *const *tips;	/* per run: hover text; NULL none */
	const char *const *ids;		/* per run: data-id; NULL none */
	const int *band;	/* per run: 0..PLOT_BANDS-1, -1 no value; NULL:
				   all -1 */
	long best;		/* the best run, or -1 */
};

/*
 * Append parallel coordinates as one <svg> (class 'plot pcoord'): a
 * vertical axis per axes[] (name on top, ticks or category labels), one
 * line per run through its values, coloured by band; a missing value is
 * drawn at an "n/a" mark under its axis and the line dashed (class na),
 * and a note says how many runs have one. 0 or -1 as plot_curves_svg.
 */
int plot_pcoord_svg(struct strbuf *sb, const struct plot_pcoord *p);

struct plot_scatter {
	const char *id, *title, *xlabel, *ylabel;
	enum plot_scale xscale, yscale;	/* PLOT_LINEAR or PLOT_LOG */
	const double *x, *y;		/* n runs */
	size_t n;
	const char *const *tips, *const *ids;	/* as plot_pcoord's */
	const int *band;
	long best;
};

/*
 * Append a scatter as one <svg> (class 'plot scatter'): one point per
 * run with both values (finite, and > 0 on a log scale), the best ringed;
 * a note says how many runs are not shown. 0 or -1 as plot_curves_svg.
 */
int plot_scatter_svg(struct strbuf *sb, const struct plot_scatter *p);

/*
 * The scale that shows the n values v best: PLOT_LOG when log is set or
 * when the finite values are all > 0 and span a factor of 10 or more,
 * else PLOT_LINEAR (and for log set but a value <= 0).
 */
enum plot_scale plot_auto_scale(const double *v, size_t n, int log);

#endif
