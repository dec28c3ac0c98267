/*
 * plot.c - the SVG plots that compare runs; see plot.h.
 *
 * The three plots share one idea of an axis (struct pl_scale): a linear
 * one widened to whole nice steps, a logarithmic one to whole decades, or
 * categories spread evenly. Coordinates are written with one decimal by
 * hand, as in chart.c, since a plot of 200 runs holds tens of thousands
 * of them. Labels that come from a config (a parameter's path, a
 * category's value) are cut to the room they have, with an ellipsis and
 * the whole text in a <title>.
 */
#include "render/plot.h"
#include "render/chart.h"
#include "lib/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_CHAR_W 6.2	/* rough width of a character at 11 units */
#define PL_BIG 1e300
#define PL_MAX_TICKS 64

/* An axis: what it maps, and the range it shows. */
struct pl_scale {
	enum plot_scale kind;
	double lo, hi;	/* log10 of the value on a log scale; the index of
			   a category */
	int whole;	/* every value a whole number (epochs): whole ticks */
};

/* Append v with one decimal ("12.5", "3"), without printf. */
static void
pl_num(struct strbuf *sb, double v)
{
	char buf[32], *q = buf + sizeof(buf);
	long long t;
	int neg;

	if (!(fabs(v) < 1e15))
		v = v < 0 ? -1e15 : 1e15;
	t = llround(v * 10);
	neg = t < 0;
	if (neg)
		t = -t;
	if (t % 10) {
		*--q = (char)('0' + t % 10);
		*--q = '.';
	}
	t /= 10;
	do {
		*--q = (char)('0' + t % 10);
		t /= 10;
	} while (t);
	if (neg)
		*--q = '-';
	sb_add(sb, q, (size_t)(buf + sizeof(buf) - q));
}

/* Append id with every character but [A-Za-z0-9_-] as '-'. */
static void
pl_id(struct strbuf *sb, const char *id)
{
	if (!id || !*id)
		id = "plot";
	if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
		sb_addc(sb, 'p');
	for (const char *p = id; *p; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-';

		sb_addc(sb, ok ? c : '-');
	}
}

/*
 * The bytes of the first max characters of s (UTF-8), or strlen(s) when
 * s has no more than max.
 */
static size_t
pl_cut(const char *s, size_t max)
{
	size_t chars = 0, i = 0;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars++ == max)
			return i;
	}
	return i;
}

/*
 * A <text> of class cls at (x, y) holding s, cut to max characters (an
 * ellipsis, and all of s in a <title>, when cut).
 */
static void
pl_text(struct strbuf *sb, const char *cls, double x, double y,
	const char *anchor, const char *s, size_t max)
{
	size_t n = pl_cut(s ? s : "", max ? max - 1 : 0);
	int cut = s && s[n] && max;

	sb_adds(sb, "<text class='");
	sb_adds(sb, cls);
	sb_adds(sb, "' x='");
	pl_num(sb, x);
	sb_adds(sb, "' y='");
	pl_num(sb, y);
	sb_addc(sb, '\'');
	if (anchor) {
		sb_adds(sb, " text-anchor='");
		sb_adds(sb, anchor);
		sb_addc(sb, '\'');
	}
	sb_addc(sb, '>');
	if (cut) {
		char *head = xasprintf("%.*s", (int)n, s);

		sb_adds(sb, "<title>");
		chart_escape(sb, s);
		sb_adds(sb, "</title>");
		chart_escape(sb, head);
		sb_adds(sb, "\xe2\x80\xa6");	/* … */
		free(head);
	} else {
		chart_escape(sb, s);
	}
	sb_adds(sb, "</text>");
}

static void
pl_line(struct strbuf *sb, double x1, double y1, double x2, double y2)
{
	sb_adds(sb, "<line x1='");
	pl_num(sb, x1);
	sb_adds(sb, "' y1='");
	pl_num(sb, y1);
	sb_adds(sb, "' x2='");
	pl_num(sb, x2);
	sb_adds(sb, "' y2='");
	pl_num(sb, y2);
	sb_adds(sb, "'/>");
}

/* The opening of a plot's <svg>, its <title> and its visible title. */
static void
pl_open(struct strbuf *sb, const char *cls, const char *id,
	const char *title, double w, double h)
{
	sb_adds(sb, "<svg xmlns='http://www.w3.org/2000/svg' class='plot ");
	sb_adds(sb, cls);
	sb_adds(sb, "' role='img' aria-labelledby='");
	pl_id(sb, id);
	sb_adds(sb, "-t' viewBox='0 0 ");
	pl_num(sb, w);
	sb_addc(sb, ' ');
	pl_num(sb, h);
	sb_adds(sb, "' font-size='11' fill='currentColor'><title id='");
	pl_id(sb, id);
	sb_adds(sb, "-t'>");
	chart_escape(sb, title);
	sb_adds(sb, "</title>");
	pl_text(sb, "chart-title", 8, 15, NULL, title, 0);
}

/* v in the units of an axis of kind k: log10 on a log scale; NaN. */
static double
pl_tr(enum plot_scale k, double v)
{
	if (!isfinite(v))
		return NAN;
	if (k == PLOT_LOG)
		return v > 0 ? log10(v) : NAN;
	return fmax(fmin(v, PL_BIG), -PL_BIG);
}

enum plot_scale
plot_auto_scale(const double *v, size_t n, int log)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		if (v[i] <= 0)
			return PLOT_LINEAR;
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	if (lo > hi)
		return PLOT_LINEAR;
	/* a grid of 0.001 and 0.01 spans 10, give or take a rounding */
	return log || hi >= lo * 9.999 ? PLOT_LOG : PLOT_LINEAR;
}

/*
 * The log10 of the nearest 1, 2 or 5 x 10^k below (dir -1) or above (dir
 * 1) 10^t.
 */
static double
pl_log_nice(double t, int dir)
{
	static const double steps[] = { 0, 0.30102999566398120,
		0.69897000433601886, 1 };	/* log10 of 1, 2, 5, 10 */
	double k = floor(t), f = t - k;

	if (dir < 0) {
		for (int i = 2; i >= 0; i--)
			if (steps[i] <= f + 1e-9)
				return k + steps[i];
		return k;
	}
	for (int i = 0; i < 4; i++)
		if (steps[i] >= f - 1e-9)
			return k + steps[i];
	return k + 1;
}

/*
 * Fit s to the n values v[0], v[stride], ...: 1, 2 or 5 x 10^k on a log
 * scale, whole nice steps (about target of them) on a linear one; for
 * categories, 0 to ncats - 1. No value: 0 to 1.
 */
static void
pl_fit(struct pl_scale *s, enum plot_scale kind, const double *v, size_t n,
       size_t stride, size_t ncats, int target)
{
	double lo = INFINITY, hi = -INFINITY, t[PL_MAX_TICKS], step;

	s->kind = kind;
	s->whole = 0;
	if (kind == PLOT_CATEGORY) {
		s->lo = ncats > 1 ? 0 : -1;
		s->hi = ncats > 1 ? (double)(ncats - 1) : 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double x = pl_tr(kind, v[i * stride]);

		if (isfinite(x)) {
			lo = fmin(lo, x);
			hi = fmax(hi, x);
		}
	}
	if (lo > hi) {
		s->lo = 0;
		s->hi = 1;
		return;
	}
	if (kind == PLOT_LOG) {
		/* out to the nearest 1, 2 or 5 x 10^k: a loss from 0.015 to
		   1.07 shows on 0.01..2, not 0.01..10 */
		s->lo = pl_log_nice(lo, -1);
		s->hi = pl_log_nice(hi, 1);
		if (s->hi <= s->lo) {
			s->lo = floor(lo);
			s->hi = s->lo + 1;
		}
		return;
	}
	if (!(hi - lo > fabs(lo + hi) * 1e-12 && hi - lo > 1e-290)) {
		double mid = (lo + hi) / 2;

		lo = fabs(mid) < 1e-290 ? -1 : mid - fabs(mid) * 0.1;
		hi = fabs(mid) < 1e-290 ? 1 : mid + fabs(mid) * 0.1;
	}
	chart_ticks(lo, hi, target, t, PL_MAX_TICKS, &step);
	s->lo = lo;
	s->hi = hi;
	if (step > 0) {
		double a = floor(lo / step) * step, b = ceil(hi / step) * step;

		if (isfinite(a) && isfinite(b) && b > a) {
			s->lo = a;
			s->hi = b;
		}
	}
}

/* Where v falls on s: 0 at the low end, 1 at the high; NaN: nowhere. */
static double
pl_pos(const struct pl_scale *s, double v)
{
	double t = s->kind == PLOT_CATEGORY ? v : pl_tr(s->kind, v);

	if (!isfinite(t))
		return NAN;
	t = (t - s->lo) / (s->hi - s->lo);
	return fmax(0, fmin(1, t));
}

/*
 * The ticks of s, about target of them: their places (in s's units) to
 * at, their labels to lab; their number. Categories are labelled with
 * cats.
 */
static int
pl_ticks(const struct pl_scale *s, int target, const char *const *cats,
	 size_t ncats, double *at, char (*lab)[32], int cap)
{
	int n = 0;

	if (s->kind == PLOT_CATEGORY) {
		/* the labels are the caller's (cats), cut to their room */
		for (size_t k = 0; k < ncats && n < cap; k++) {
			at[n] = (double)k;
			snprintf(lab[n++], 32, "%s", cats ? "" : "?");
		}
	} else if (s->kind == PLOT_LOG) {
		/* 1, 2 and 5 x 10^k over two decades or less, else every
		   decade (or every few) */
		double dec = s->hi - s->lo;
		double step = dec > target ? ceil(dec / target) : 1;
		static const int mult[] = { 1, 2, 5 };

		for (double k = floor(s->lo); k <= ceil(s->hi) && n < cap;
		     k += step)
			for (int i = 0; i < (dec <= 2 ? 3 : 1) && n < cap;
			     i++) {
				double t = k + log10(mult[i]);

				if (t < s->lo - 1e-9 || t > s->hi + 1e-9)
					continue;
				at[n] = t;
				chart_format(mult[i] * pow(10, k), 1, lab[n++],
					     32);
			}
	} else {
		double t[PL_MAX_TICKS], step, amax = 0;
		int m, sig;

		if (s->whole && s->hi - s->lo < target)
			target = (int)fmax(ceil(s->hi - s->lo), 1);
		m = chart_ticks(s->lo, s->hi, target, t, PL_MAX_TICKS, &step);

		for (int i = 0; i < m; i++)
			amax = fmax(amax, fabs(t[i]));
		sig = amax > 0 && step > 0 ? (int)floor(log10(amax)) -
			(int)floor(log10(step) + 1e-9) + 1 : 1;
		sig = sig < 1 ? 1 : sig > 15 ? 15 : sig;
		for (int i = 0; i < m && n < cap; i++) {
			at[n] = t[i];
			chart_format(t[i], sig, lab[n++], 32);
		}
	}
	return n;
}

/* The longest of the n labels, in characters (at least 1). */
static size_t
pl_widest(char (*lab)[32], int n)
{
	size_t w = 1;

	for (int i = 0; i < n; i++)
		if (strlen(lab[i]) > w)
			w = strlen(lab[i]);
	return w;
}

/* A plot area: its corners, and the scales of its two axes. */
struct pl_frame {
	double px0, px1, py0, py1;
	struct pl_scale x, y;
};

static double
pl_fx(const struct pl_frame *f, double v)
{
	return f->px0 + pl_pos(&f->x, v) * (f->px1 - f->px0);
}

static double
pl_fy(const struct pl_frame *f, double v)
{
	return f->py1 - pl_pos(&f->y, v) * (f->py1 - f->py0);
}

/*
 * The x and y axes of a frame whose scales are set: grid lines, tick
 * labels, the axis line and the labels. f->px0 is moved right to make
 * room for the widest y label first.
 */
static void
pl_axes(struct strbuf *sb, struct pl_frame *f, double h, const char *xlabel,
	const char *ylabel)
{
	double yat[PL_MAX_TICKS], xat[PL_MAX_TICKS];
	char ylab[PL_MAX_TICKS][32], xlab[PL_MAX_TICKS][32];
	int ny = pl_ticks(&f->y, (int)((f->py1 - f->py0) / 40) + 1, NULL, 0,
			  yat, ylab, PL_MAX_TICKS), nx;

	f->px0 = 24 + PL_CHAR_W * (double)pl_widest(ylab, ny) + 6;
	if (f->px1 < f->px0 + 10)
		f->px1 = f->px0 + 10;
	nx = pl_ticks(&f->x, (int)((f->px1 - f->px0) / 90) + 1, NULL, 0,
		      xat, xlab, PL_MAX_TICKS);
	sb_adds(sb, "<g class='grid' stroke='currentColor' "
		"stroke-opacity='0.12'>");
	for (int i = 0; i < ny; i++) {
		double y = f->py1 - (yat[i] - f->y.lo) / (f->y.hi - f->y.lo) *
			   (f->py1 - f->py0);

		pl_line(sb, f->px0, y, f->px1, y);
	}
	for (int i = 0; i < nx; i++) {
		double x = f->px0 + (xat[i] - f->x.lo) / (f->x.hi - f->x.lo) *
			   (f->px1 - f->px0);

		pl_line(sb, x, f->py0, x, f->py1);
	}
	sb_adds(sb, "</g><g class='tick'>");
	for (int i = 0; i < ny; i++)
		pl_text(sb, "tick", f->px0 - 5, f->py1 - (yat[i] - f->y.lo) /
			(f->y.hi - f->y.lo) * (f->py1 - f->py0) + 3.5, "end",
			ylab[i], 0);
	for (int i = 0; i < nx; i++)
		pl_text(sb, "tick", f->px0 + (xat[i] - f->x.lo) /
			(f->x.hi - f->x.lo) * (f->px1 - f->px0), f->py1 + 14,
			"middle", xlab[i], 0);
	sb_adds(sb, "</g><path class='axis' fill='none' stroke='currentColor' "
		"stroke-opacity='0.45' d='M");
	pl_num(sb, f->px0);
	sb_addc(sb, ' ');
	pl_num(sb, f->py0);
	sb_addc(sb, 'V');
	pl_num(sb, f->py1);
	sb_addc(sb, 'H');
	pl_num(sb, f->px1);
	sb_adds(sb, "'/>");
	if (xlabel && *xlabel)
		pl_text(sb, "label", (f->px0 + f->px1) / 2, h - 6, "middle",
			xlabel, 80);
	if (ylabel && *ylabel) {
		sb_adds(sb, "<text class='label' text-anchor='middle' "
			"transform='translate(13 ");
		pl_num(sb, (f->py0 + f->py1) / 2);
		sb_adds(sb, ") rotate(-90)'>");
		chart_escape(sb, ylabel);
		if (f->y.kind == PLOT_LOG)
			sb_adds(sb, " (log scale)");
		sb_adds(sb, "</text>");
	}
}

/* The attributes every run's mark shares: class, data-id. */
static void
pl_mark(struct strbuf *sb, const char *tag, const char *cls,
	const char *id)
{
	sb_addc(sb, '<');
	sb_adds(sb, tag);
	sb_adds(sb, " class='");
	sb_adds(sb, cls);
	sb_addc(sb, '\'');
	if (id) {
		sb_adds(sb, " data-id='");
		chart_escape(sb, id);
		sb_addc(sb, '\'');
	}
}

static void
pl_title(struct strbuf *sb, const char *tip)
{
	if (!tip)
		return;
	sb_adds(sb, "<title>");
	chart_escape(sb, tip);
	sb_adds(sb, "</title>");
}

/* ---- curves ---------------------------------------------------------- */

/* The legend's rows at width w from y; drawn when sb is not NULL. */
static int
pl_legend(struct strbuf *sb, const struct plot_curves *p, double w,
	  double y)
{
	double x = 8;
	int rows = 1;

	if (sb)
		sb_adds(sb, "<g class='legend'>");
	for (size_t i = 0; i <= p->n; i++) {
		const char *name;
		char cls[16];
		double item;

		if (i == p->n) {
			if (!p->more)
				break;
			name = p->more;
			snprintf(cls, sizeof(cls), "kx");
		} else if (p->curves[i].color < 0) {
			continue;
		} else {
			name = p->curves[i].name ? p->curves[i].name : "";
			snprintf(cls, sizeof(cls), "k%d",
				 p->curves[i].color % PLOT_COLORS);
		}
		item = 18 + PL_CHAR_W * (double)fmin(pl_cut(name, 28) + 1, 28);
		if (x > 8 && x + item > w - 8) {
			x = 8;
			y += 15;
			rows++;
		}
		if (sb) {
			sb_adds(sb, "<g class='");
			sb_adds(sb, cls);
			sb_adds(sb, "' stroke='currentColor' "
				"stroke-width='2.5'>");
			pl_line(sb, x, y - 3.5, x + 14, y - 3.5);
			sb_adds(sb, "</g>");
			pl_text(sb, "label", x + 18, y, NULL, name, 28);
		}
		x += item + 14;
	}
	if (sb)
		sb_adds(sb, "</g>");
	return rows;
}

/* Check that every run with points has them. 0 or -1 after error(). */
static int
pl_check_curves(const struct plot_curves *p)
{
	if (!p)
		return error("cannot draw plot: no plot");
	if (p->n && !p->curves)
		return error("cannot draw plot '%s': no curves",
			     p->title ? p->title : "");
	for (size_t i = 0; i < p->n; i++)
		if (p->curves[i].n && (!p->curves[i].x || !p->curves[i].y))
			return error("cannot draw plot '%s': curve %zu has "
				     "no x or y values",
				     p->title ? p->title : "", i);
	return 0;
}

/* One curve's path; nothing when it has no point to draw. */
static void
pl_curve(struct strbuf *sb, const struct pl_frame *f,
	 const struct plot_curve *c)
{
	struct strbuf d = STRBUF_INIT;
	int gap = 1;
	char cls[32];

	for (size_t i = 0; i < c->n; i++) {
		double x = pl_fx(f, c->x[i]), y = pl_fy(f, c->y[i]);
		int alone;

		if (!isfinite(x) || !isfinite(y)) {
			gap = 1;
			continue;
		}
		alone = gap && (i + 1 == c->n ||
				!isfinite(pl_fy(f, c->y[i + 1])) ||
				!isfinite(pl_fx(f, c->x[i + 1])));
		sb_addc(&d, gap ? 'M' : 'L');
		pl_num(&d, x);
		sb_addc(&d, ' ');
		pl_num(&d, y);
		if (alone)
			sb_adds(&d, "h0");
		gap = 0;
	}
	if (d.len) {
		if (c->color < 0)
			snprintf(cls, sizeof(cls), "pl kx%s", c->best ?
				 " best" : "");
		else
			snprintf(cls, sizeof(cls), "pl k%d%s",
				 c->color % PLOT_COLORS, c->best ? " best" :
				 "");
		pl_mark(sb, "path", cls, c->id);
		sb_adds(sb, " fill='none' stroke='currentColor' "
			"stroke-linejoin='round' stroke-linecap='round' d='");
		sb_add(sb, d.buf, d.len);
		sb_adds(sb, "'>");
		pl_title(sb, c->name);
		sb_adds(sb, "</path>");
	}
	sb_release(&d);
}

int
plot_curves_svg(struct strbuf *sb, const struct plot_curves *p)
{
	const double w = 760, h = 320;
	struct pl_frame f;
	double *xs, *ys;
	size_t total = 0, k = 0;

	if (pl_check_curves(p) < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		total += p->curves[i].n;
	xs = xcalloc(total + 1, sizeof(double));
	ys = xcalloc(total + 1, sizeof(double));
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->curves[i].n; j++) {
			int ok = isfinite(p->curves[i].x[j]) &&
				 isfinite(p->curves[i].y[j]);

			xs[k] = ok ? p->curves[i].x[j] : NAN;
			ys[k++] = ok ? p->curves[i].y[j] : NAN;
		}
	pl_open(sb, "curves", p->id, p->title, w, h);
	f.px0 = 58;
	f.px1 = w - 14;
	f.py0 = 35 + 15 * pl_legend(NULL, p, w, 34);
	f.py1 = h - 34;
	pl_legend(sb, p, w, 34);
	pl_fit(&f.y, plot_auto_scale(ys, total, 0), ys, total, 1, 0,
	       (int)((f.py1 - f.py0) / 40) + 1);
	pl_fit(&f.x, PLOT_LINEAR, xs, total, 1, 0, 8);
	f.x.whole = 1;
	for (size_t i = 0; i < total; i++)
		if (isfinite(xs[i]) && xs[i] != floor(xs[i]))
			f.x.whole = 0;
	/* epochs 1..N read better from 0 */
	if (f.x.lo > 0 && f.x.lo <= (f.x.hi - f.x.lo) * 0.25)
		f.x.lo = 0;
	free(xs);
	free(ys);
	pl_axes(sb, &f, h, p->xlabel, p->ylabel);
	sb_adds(sb, "<g stroke-width='1.5'>");
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < p->n; i++) {
			const struct plot_curve *c = &p->curves[i];
			int which = c->best ? 2 : c->color < 0 ? 0 : 1;

			if (which == pass)
				pl_curve(sb, &f, c);
		}
	sb_adds(sb, "</g>");
	if (total == 0)
		pl_text(sb, "note", (f.px0 + f.px1) / 2, (f.py0 + f.py1) / 2,
			"middle", "no data", 0);
	sb_adds(sb, "</svg>");
	return 0;
}

/* ---- parallel coordinates -------------------------------------------- */

/* The classes of run r's mark. */
static void
pl_run_class(char *buf, size_t n, const char *base, const int *band,
	     size_t r, long best, int na)
{
	int b = band ? band[r] : -1;

	if (b >= 0)
		snprintf(buf, n, "%s b%d%s%s", base, b % PLOT_BANDS,
			 na ? " na" : "", (long)r == best ? " best" : "");
	else
		snprintf(buf, n, "%s bn%s%s", base, na ? " na" : "",
			 (long)r == best ? " best" : "");
}

/* Runs in drawing order: no band first, the worst band, ..., best last. */
static size_t *
pl_order(size_t n, const int *band, long best)
{
	size_t *o = xcalloc(n + 1, sizeof(*o)), k = 0;

	for (int b = -1; b < PLOT_BANDS; b++)
		for (size_t r = 0; r < n; r++) {
			int rb = band && band[r] >= 0 ? band[r] % PLOT_BANDS :
				 -1;
			int want = b < 0 ? -1 : PLOT_BANDS - 1 - b;

			if (rb == want && (long)r != best)
				o[k++] = r;
		}
	if (best >= 0 && (size_t)best < n)
		o[k++] = (size_t)best;
	return o;
}

int
plot_pcoord_svg(struct strbuf *sb, const struct plot_pcoord *p)
{
	double w, h = 360, px0 = 56, px1, py0 = 48, py1, nay, gap;
	struct pl_scale *sc;
	size_t *order, nmissing = 0;
	int *na_axis;
	char cls[48];

	if (!p)
		return error("cannot draw plot: no plot");
	if ((p->naxes && !p->axes) || (p->nruns && p->naxes && !p->v))
		return error("cannot draw plot '%s': no axes or values",
			     p->title ? p->title : "");
	for (size_t a = 0; a < p->naxes; a++)
		if (p->axes[a].scale == PLOT_CATEGORY && p->axes[a].ncats &&
		    !p->axes[a].cats)
			return error("cannot draw plot '%s': axis %zu has no "
				     "category labels", p->title ?
				     p->title : "", a);
	w = fmin(fmax(140.0 * (double)p->naxes, 760), 1200);
	px1 = w - 76;
	py1 = h - 50;
	nay = py1 + 22;
	gap = p->naxes > 1 ? (px1 - px0) / (double)(p->naxes - 1) : 0;
	pl_open(sb, "pcoord", p->id, p->title, w, h);
	sc = xcalloc(p->naxes + 1, sizeof(*sc));
	na_axis = xcalloc(p->naxes + 1, sizeof(*na_axis));
	for (size_t a = 0; a < p->naxes; a++) {
		pl_fit(&sc[a], p->axes[a].scale, p->v + a, p->nruns, p->naxes,
		       p->axes[a].ncats, 5);
		for (size_t r = 0; r < p->nruns; r++)
			na_axis[a] |= !isfinite(pl_pos(&sc[a],
						       p->v[r * p->naxes + a]));
	}
	/* the axes */
	sb_adds(sb, "<g class='axis' stroke='currentColor' "
		"stroke-opacity='0.45'>");
	for (size_t a = 0; a < p->naxes; a++) {
		double x = p->naxes > 1 ? px0 + gap * (double)a :
			   (px0 + px1) / 2;

		pl_line(sb, x, py0, x, py1);
		if (na_axis[a])
			pl_line(sb, x - 4, nay, x + 4, nay);
	}
	sb_adds(sb, "</g>");
	/* the runs */
	order = pl_order(p->nruns, p->band, p->best);
	sb_adds(sb, "<g fill='none' stroke='currentColor' stroke-width='1.5' "
		"stroke-linejoin='round'>");
	for (size_t k = 0; k < p->nruns && p->naxes; k++) {
		size_t r = order[k];
		int na = 0;

		for (size_t a = 0; a < p->naxes; a++)
			na |= !isfinite(pl_pos(&sc[a], p->v[r * p->naxes +
							      a]));
		nmissing += na;
		pl_run_class(cls, sizeof(cls), "pl", p->band, r, p->best, na);
		pl_mark(sb, "path", cls, p->ids ? p->ids[r] : NULL);
		sb_adds(sb, " d='");
		for (size_t a = 0; a < p->naxes; a++) {
			double t = pl_pos(&sc[a], p->v[r * p->naxes + a]);
			double x = p->naxes > 1 ? px0 + gap * (double)a :
				   (px0 + px1) / 2;

			sb_addc(sb, a ? 'L' : 'M');
			pl_num(sb, x);
			sb_addc(sb, ' ');
			pl_num(sb, isfinite(t) ? py1 - t * (py1 - py0) : nay);
		}
		if (p->naxes == 1)
			sb_adds(sb, "h0");
		sb_adds(sb, "'>");
		pl_title(sb, p->tips ? p->tips[r] : NULL);
		sb_adds(sb, "</path>");
	}
	sb_adds(sb, "</g>");
	free(order);
	/* the names, ticks and n/a marks, over the lines */
	for (size_t a = 0; a < p->naxes; a++) {
		double x = p->naxes > 1 ? px0 + gap * (double)a :
			   (px0 + px1) / 2;
		double at[PL_MAX_TICKS];
		char lab[PL_MAX_TICKS][32];
		size_t room = (size_t)fmax((gap > 0 ? gap : 200) / PL_CHAR_W,
					   6);
		int nt = pl_ticks(&sc[a], 5, p->axes[a].cats,
				  p->axes[a].ncats, at, lab, PL_MAX_TICKS);
		const char *anchor = a == 0 ? "start" : a + 1 == p->naxes &&
				     p->naxes > 1 ? "end" : "middle";

		pl_text(sb, "label axis-name", a == 0 ? x - 8 : a + 1 ==
			p->naxes && p->naxes > 1 ? x + 8 : x, 34, anchor,
			p->axes[a].name, room);
		sb_adds(sb, "<g class='tick' font-size='10'>");
		/* a category's label may be long: cut to the gap */
		for (int i = 0; i < nt; i++) {
			double y = py1 - (at[i] - sc[a].lo) /
				   (sc[a].hi - sc[a].lo) * (py1 - py0);

			if (p->axes[a].scale == PLOT_CATEGORY)
				pl_text(sb, "tick", x + 5, y + 3.5, NULL,
					p->axes[a].cats[(size_t)at[i]],
					(size_t)fmax(room * 0.6, 6));
			else
				pl_text(sb, "tick", x + 5, y + 3.5, NULL,
					lab[i], 0);
		}
		if (na_axis[a])
			pl_text(sb, "tick", x + 6, nay + 3.5, NULL, "n/a", 0);
		sb_adds(sb, "</g>");
	}
	if (nmissing) {
		char note[96];

		snprintf(note, sizeof(note), "dashed: %zu run%s with a value "
			 "missing (at n/a)", nmissing, nmissing == 1 ? "" :
			 "s");
		pl_text(sb, "note", 8, h - 8, NULL, note, 0);
	}
	if (!p->nruns || !p->naxes)
		pl_text(sb, "note", w / 2, (py0 + py1) / 2, "middle",
			"no data", 0);
	sb_adds(sb, "</svg>");
	free(sc);
	free(na_axis);
	return 0;
}

/* ---- scatter --------------------------------------------------------- */

int
plot_scatter_svg(struct strbuf *sb, const struct plot_scatter *p)
{
	const double w = 760, h = 300;
	struct pl_frame f;
	size_t *order, shown = 0;
	char cls[48];

	if (!p)
		return error("cannot draw plot: no plot");
	if (p->n && (!p->x || !p->y))
		return error("cannot draw plot '%s': no x or y values",
			     p->title ? p->title : "");
	pl_open(sb, "scatter", p->id, p->title, w, h);
	f.px0 = 58;
	f.px1 = w - 14;
	f.py0 = 28;
	f.py1 = h - 34;
	{
		/* the range of the points shown: both values, > 0 on a log
		   scale */
		double *xs = xcalloc(p->n + 1, sizeof(double));
		double *ys = xcalloc(p->n + 1, sizeof(double));
		enum plot_scale kx = p->xscale == PLOT_LOG ? PLOT_LOG :
				     PLOT_LINEAR;
		enum plot_scale ky = p->yscale == PLOT_LOG ? PLOT_LOG :
				     PLOT_LINEAR;

		for (size_t i = 0; i < p->n; i++) {
			int both = isfinite(pl_tr(kx, p->x[i])) &&
				   isfinite(pl_tr(ky, p->y[i]));

			xs[i] = both ? p->x[i] : NAN;
			ys[i] = both ? p->y[i] : NAN;
		}
		pl_fit(&f.x, kx, xs, p->n, 1, 0, 6);
		pl_fit(&f.y, ky, ys, p->n, 1, 0,
		       (int)((f.py1 - f.py0) / 40) + 1);
		free(xs);
		free(ys);
	}
	pl_axes(sb, &f, h, p->xlabel, p->ylabel);
	if (f.x.kind == PLOT_LOG && p->xlabel)
		pl_text(sb, "note", f.px1, h - 6, "end", "log scale", 0);
	order = pl_order(p->n, p->band, p->best);
	sb_adds(sb, "<g stroke='currentColor' fill='currentColor' "
		"fill-opacity='0.55'>");
	for (size_t k = 0; k < p->n; k++) {
		size_t r = order[k];
		double x = pl_fx(&f, p->x[r]), y = pl_fy(&f, p->y[r]);

		if (!isfinite(x) || !isfinite(y))
			continue;
		shown++;
		if ((long)r == p->best) {
			sb_adds(sb, "<circle class='ring' fill='none' cx='");
			pl_num(sb, x);
			sb_adds(sb, "' cy='");
			pl_num(sb, y);
			sb_adds(sb, "' r='9'/>");
		}
		pl_run_class(cls, sizeof(cls), "pt", p->band, r, p->best, 0);
		pl_mark(sb, "circle", cls, p->ids ? p->ids[r] : NULL);
		sb_adds(sb, " cx='");
		pl_num(sb, x);
		sb_adds(sb, "' cy='");
		pl_num(sb, y);
		sb_adds(sb, (long)r == p->best ? "' r='5.5'>" : "' r='4'>");
		pl_title(sb, p->tips ? p->tips[r] : NULL);
		sb_adds(sb, "</circle>");
	}
	sb_adds(sb, "</g>");
	free(order);
	if (shown < p->n) {
		char note[96];

		snprintf(note, sizeof(note), "%zu run%s without a value not "
			 "shown", p->n - shown, p->n - shown == 1 ? "" : "s");
		pl_text(sb, "note", f.px1, 15, "end", note, 0);
	}
	if (!shown)
		pl_text(sb, "note", (f.px0 + f.px1) / 2, (f.py0 + f.py1) / 2,
			"middle", "no data", 0);
	sb_adds(sb, "</svg>");
	return 0;
}
