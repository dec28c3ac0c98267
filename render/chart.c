/*
 * chart.c - inline SVG line charts; see chart.h.
 *
 * A chart is drawn in three steps. Each series is first reduced to the
 * points that can be drawn (finite, and positive on a log scale), each
 * remembering whether a gap preceded it, then downsampled with LTTB when it
 * is long. The axes come next: the data range is widened to whole nice
 * steps on y (powers of ten on a log scale), then the grid, tick labels,
 * axis labels and legend are written, at fixed sizes around a plot area
 * whose x is in percent (chart.h). Last, each series becomes one <path>
 * in the stretched plot <svg>, whose subpaths break at the gaps, and a
 * few transparent columns across the plot carry a native <title>
 * tooltip. Coordinates are written with one decimal by hand
 * (no printf in the per-point loop) to keep pages small and rendering fast.
 *
 * A band (chart_svg_band) is reduced and drawn the same way, as filled
 * areas under the lines. A scatter plot is drawn in a viewBox (it is
 * square and small, so its text scales little), with the same ticks,
 * one scale for both axes and a square plot area; its dots
 * are one path of zero-length round-capped segments, each moved to from
 * the last in whole units ("m3-12h0"), about 8 bytes a dot. chart_table_binned sums many points up in a few rows.
 *
 * The XML escaper here is a stand-in until the renderer's HTML escaper
 * (render/tmpl.c) can serve both.
 */
#include "render/chart.h"
#include "lib/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_W 320.0		/* the narrowest a line chart is laid out for */
#define DEFAULT_H 240.0
#define SCATTER_W 340.0
#define SCATTER_H 330.0
#define PLOT_W 1000.0		/* the plot's viewBox width */
#define MAX_TICKS 64
#define CHAR_W 6.8		/* rough width of a character at 12 px */
#define BIG 1e300		/* values are clamped to +-BIG for the range */

/* A series reduced to its drawable points. */
struct prep {
	double *x, *y;		/* n points; y is log10(value) on a log scale */
	unsigned char *gap;	/* gap[i]: a gap lies before point i */
	size_t n;
	size_t dropped;		/* values <= 0 left out of a log scale */
};

/* The plot area and the data range it shows. */
struct frame {
	double px0, px1, py0, py1;	/* plot area in viewBox units */
	double x0, x1, y0, y1;		/* data range (log10 on a log scale) */
};

/* chart_escape, and chart_escape_text when quotes is 0. */
static void
escape(struct strbuf *sb, const char *s, int quotes)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run;

	if (!s)
		return;
	while (*p) {
		size_t len = 0;
		unsigned c = *p;

		run = p;
		while (*p >= 0x20 && *p < 0x80 && *p != '&' && *p != '<' &&
		       *p != '>' && (!quotes || (*p != '"' && *p != '\'')))
			p++;
		if (p > run)
			sb_add(sb, run, p - run);
		c = *p;
		if (!c)
			break;
		switch (c) {
		case '&': sb_adds(sb, "&amp;"); p++; continue;
		case '<': sb_adds(sb, "&lt;"); p++; continue;
		case '>': sb_adds(sb, "&gt;"); p++; continue;
		case '"': sb_adds(sb, "&quot;"); p++; continue;
		case '\'': sb_adds(sb, "&#39;"); p++; continue;
		}
		if (c < 0x20) {
			sb_addc(sb, c == '\t' || c == '\n' ? (char)c : ' ');
			p++;
			continue;
		}
		/* a UTF-8 sequence: copy it when valid, else U+FFFD */
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		if (len) {
			size_t i;
			unsigned cp = c & (0x7f >> len);

			for (i = 1; i < len; i++) {
				if ((p[i] & 0xc0) != 0x80)
					break;
				cp = cp << 6 | (p[i] & 0x3f);
			}
			if (i == len && !(len == 3 && cp < 0x800) &&
			    !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
			    !(cp >= 0xd800 && cp <= 0xdfff) &&
			    cp != 0xfffe && cp != 0xffff) {
				sb_add(sb, p, len);
				p += len;
				continue;
			}
		}
		sb_adds(sb, "\xef\xbf\xbd");
		p++;
	}
}

void
chart_escape(struct strbuf *sb, const char *s)
{
	escape(sb, s, 1);
}

void
chart_escape_text(struct strbuf *sb, const char *s)
{
	escape(sb, s, 0);
}

/* Drop trailing zeros after a decimal point in s (up to end). */
static void
trim_zeros(char *s, char *end)
{
	char *dot = memchr(s, '.', end - s);
	char *q = end;

	if (!dot)
		return;
	while (q > dot + 1 && q[-1] == '0')
		q--;
	if (q == dot + 1)
		q = dot;
	memmove(q, end, strlen(end) + 1);
}

static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
	1e9, 1e10, 1e11, 1e12, 1e13, 1e14 };

/*
 * The sig significant digits of a (1e-4 <= a < 1e6, sig <= 9) as the
 * integer *m, with a ~ *m / 10^*k (0 <= *k <= 14), and the decimal
 * exponent *ex of the rounded value; 1, or 0 when a sits too near a tie
 * for the result to be sure (or is out of range). a is scaled by one
 * multiplication, which rounds by far less than 1e-4 of a unit at this
 * size, so away from a tie the digits are those of exact decimal
 * rounding, as printf and strtod have them.
 */
static int
scale_digits(double a, int sig, long long *m, int *k, int *ex)
{
	static const double up[] = { 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3,
		1e4, 1e5 };
	double s, f;

	if (sig < 1 || sig > 9 || !(a >= 1e-4 && a < 1e6))
		return 0;
	/* the decimal exponent, roughly (fixed below): cheaper than log10 */
	*ex = -4;
	while (*ex < 5 && a >= up[*ex + 4])
		(*ex)++;
	for (int tries = 0; ; tries++) {
		*k = sig - 1 - *ex;	/* 10^k scales a to sig digits */
		if (*k < 0 || *k > 14 || tries > 2)
			return 0;
		s = a * p10[*k];
		f = s - floor(s);
		if (fabs(f - 0.5) < 1e-4)
			return 0;
		*m = llround(s);
		if (*m >= (long long)p10[sig])
			(*ex)++;
		else if (*m < (long long)p10[sig - 1])
			(*ex)--;
		else
			return 1;
	}
}

double
chart_round(double v, int sig)
{
	long long m;
	int k, ex;
	char buf[48];
	double r;

	if (!isfinite(v) || v == 0)
		return v;
	if (scale_digits(fabs(v), sig, &m, &k, &ex)) {
		/* m and 10^k are exact: one correctly rounded division */
		r = (double)m / p10[k];
		return v < 0 ? -r : r;
	}
	chart_format(v, sig, buf, sizeof(buf));
	return strtod(buf, NULL);
}

/*
 * chart_format without printf for the common case (sig <= 9, fixed
 * notation), from scale_digits; 0 when printf must decide.
 */
static int
format_fast(double v, int sig, char *buf, size_t n)
{
	char digits[24], out[48], *o = out;
	long long m;
	int ex, k, nd, i, point, last;

	if (!scale_digits(fabs(v), sig, &m, &k, &ex))
		return 0;
	if (ex < -4 || ex >= 6)
		return 0;
	nd = 0;
	do {
		digits[nd++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	/* digits (reversed) hold the value times 10^k: k of them decimals */
	while (nd <= k)
		digits[nd++] = '0';
	if (v < 0)
		*o++ = '-';
	point = k;
	for (i = nd - 1; i >= point; i--)
		*o++ = digits[i];
	/* decimals without their trailing zeros */
	last = 0;
	while (last < point && digits[last] == '0')
		last++;
	if (last < point) {
		*o++ = '.';
		for (i = point - 1; i >= last; i--)
			*o++ = digits[i];
	}
	*o = '\0';
	if ((size_t)(o - out) >= n)
		return 0;
	memcpy(buf, out, (size_t)(o - out) + 1);
	return 1;
}

void
chart_format(double v, int sig, char *buf, size_t n)
{
	double a = fabs(v);
	char tmp[64];
	char *e;
	int ex;

	if (n == 0)
		return;
	if (isnan(v)) {
		snprintf(buf, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, n, v < 0 ? "-Inf" : "Inf");
		return;
	}
	if (sig < 1)
		sig = 1;
	if (sig > 17)
		sig = 17;
	if (a == 0) {
		snprintf(buf, n, "0");
		return;
	}
	if (format_fast(v, sig, buf, n))
		return;
	/* the exponent after rounding to sig digits */
	snprintf(tmp, sizeof(tmp), "%.*e", sig - 1, v);
	e = strchr(tmp, 'e');
	ex = e ? atoi(e + 1) : 0;
	if (ex >= -4 && ex < 6) {
		int dec = sig - 1 - ex;

		snprintf(tmp, sizeof(tmp), "%.*f", dec > 0 ? dec : 0, v);
		trim_zeros(tmp, tmp + strlen(tmp));
	} else {
		trim_zeros(tmp, e);
		e = strchr(tmp, 'e');
		snprintf(e, sizeof(tmp) - (size_t)(e - tmp), "e%d", ex);
	}
	if (strcmp(tmp, "-0") == 0)
		snprintf(tmp, sizeof(tmp), "0");
	snprintf(buf, n, "%s", tmp);
}

/* The smallest 1, 2 or 5 x 10^k that is >= r (r > 0). */
static double
nice_ceil(double r)
{
	double p = pow(10, floor(log10(r)));
	double f = r / p;

	if (f <= 1 + 1e-9)
		return p;
	if (f <= 2 + 1e-9)
		return 2 * p;
	if (f <= 5 + 1e-9)
		return 5 * p;
	return 10 * p;
}

/* The next nice step above step. */
static double
nice_next(double step)
{
	return nice_ceil(step * 1.5);
}

int
chart_ticks(double lo, double hi, int target, double *ticks, int cap,
	    double *step)
{
	double s, k0, k1, k;
	int n = 0;

	if (target < 1)
		target = 1;
	if (!(hi > lo) || !isfinite(hi - lo)) {
		*step = 0;
		return 0;
	}
	s = nice_ceil((hi - lo) / target);
	for (;;) {
		/* a range too tiny for a double step, or the step overflowed */
		if (!(s > 0) || !isfinite(s)) {
			*step = 0;
			return 0;
		}
		k0 = ceil(lo / s - 1e-9);
		k1 = floor(hi / s + 1e-9);
		if (!(k1 - k0 + 1 > cap))
			break;
		s = nice_next(s);
	}
	*step = s;
	for (k = k0; k <= k1 && n < cap; k++) {
		double v = k * s;

		/* k * s can be 0.30000000000000004: round to the step */
		if (fabs(v) < s * 1e-9)
			v = 0;
		ticks[n++] = v;
	}
	return n;
}

size_t
chart_lttb(const double *x, const double *y, size_t n, size_t m,
	   size_t *idx)
{
	size_t i, j, a = 0, out = 0;

	if (m >= n) {
		for (i = 0; i < n; i++)
			idx[i] = i;
		return n;
	}
	if (m == 0)
		return 0;
	idx[out++] = 0;
	if (m == 1)
		return out;
	/*
	 * n - 2 inner points in m - 2 buckets; bucket b spans
	 * [1 + b (n-2) / (m-2), 1 + (b+1) (n-2) / (m-2)), never empty as n > m.
	 */
	for (i = 0; i + 2 < m; i++) {
		size_t s0 = 1 + i * (n - 2) / (m - 2);
		size_t s1 = 1 + (i + 1) * (n - 2) / (m - 2);
		size_t t0 = s1, t1;
		double ax = x[a], ay = y[a], cx = 0, cy = 0, best = -1;
		size_t pick = s0;

		t1 = i + 3 < m ? 1 + (i + 2) * (n - 2) / (m - 2) : n;
		if (i + 3 >= m)
			t0 = n - 1;
		for (j = t0; j < t1; j++) {
			cx += x[j];
			cy += y[j];
		}
		cx /= (double)(t1 - t0);
		cy /= (double)(t1 - t0);
		for (j = s0; j < s1; j++) {
			double area = fabs((ax - cx) * (y[j] - ay) -
					   (ax - x[j]) * (cy - ay));

			if (area > best) {
				best = area;
				pick = j;
			}
		}
		idx[out++] = pick;
		a = pick;
	}
	idx[out++] = n - 1;
	return out;
}

static void
prep_release(struct prep *p)
{
	free(p->x);
	free(p->y);
	free(p->gap);
}

/* Reduce s to its drawable points, downsampled; see struct prep. */
static void
prep_series(struct prep *p, const struct chart_series *s, int log_y)
{
	size_t i, n = 0;
	int gap = 0;

	memset(p, 0, sizeof(*p));
	if (!s->n)
		return;
	p->x = xreallocarray(NULL, s->n, sizeof(double));
	p->y = xreallocarray(NULL, s->n, sizeof(double));
	p->gap = xmalloc(s->n);
	for (i = 0; i < s->n; i++) {
		double x = s->x[i], y = s->y[i];

		if (!isfinite(x) || !isfinite(y) || (log_y && y <= 0)) {
			if (log_y && isfinite(x) && isfinite(y))
				p->dropped++;
			gap = n > 0;
			continue;
		}
		p->x[n] = x;
		p->y[n] = log_y ? log10(y) : y;
		p->gap[n++] = gap;
		gap = 0;
	}
	p->n = n;
	if (n > CHART_MAX_POINTS) {
		size_t idx[CHART_MAX_POINTS];
		size_t m = chart_lttb(p->x, p->y, n, CHART_MAX_POINTS, idx);
		size_t prev = 0, k;

		for (i = 0; i < m; i++) {
			unsigned char g = p->gap[idx[i]];

			/* a gap anywhere since the last kept point */
			for (k = prev + 1; i > 0 && k < idx[i]; k++)
				g |= p->gap[k];
			p->x[i] = p->x[idx[i]];
			p->y[i] = p->y[idx[i]];
			p->gap[i] = g;
			prev = idx[i];
		}
		p->n = m;
	}
}

static int
check_chart(const struct chart *c)
{
	size_t i;

	if (!c)
		return error("cannot draw chart: no chart");
	if (c->nseries && !c->series)
		return error("cannot draw chart '%s': no series array",
			     c->title ? c->title : "");
	for (i = 0; i < c->nseries; i++)
		if (c->series[i].n && (!c->series[i].x || !c->series[i].y))
			return error("cannot draw chart '%s': series %zu has "
				     "no x or y values",
				     c->title ? c->title : "", i);
	return 0;
}

static int
check_band(const struct chart *c, const struct chart_band *b)
{
	if (b && b->n && (!b->x || !b->lo || !b->hi))
		return error("cannot draw chart '%s': its band has no x, lo "
			     "or hi values", c->title ? c->title : "");
	return 0;
}

static struct prep *
prep_all(const struct chart *c)
{
	struct prep *p = xcalloc(c->nseries ? c->nseries : 1, sizeof(*p));
	size_t i;

	for (i = 0; i < c->nseries; i++)
		prep_series(&p[i], &c->series[i], c->log_y);
	return p;
}

static void
prep_free(struct prep *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		prep_release(&p[i]);
	free(p);
}

/* Append v with one decimal, without printf. */
static void
add_num1(struct strbuf *sb, double v)
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
	*--q = (char)('0' + t % 10);
	t /= 10;
	*--q = '.';
	do {
		*--q = (char)('0' + t % 10);
		t /= 10;
	} while (t);
	if (neg)
		*--q = '-';
	/* drop ".0" */
	if (buf[sizeof(buf) - 1] == '0')
		sb_add(sb, q, buf + sizeof(buf) - 2 - q);
	else
		sb_add(sb, q, buf + sizeof(buf) - q);
}

/* Append the sanitised id of c. */
static void
add_id(struct strbuf *sb, const char *id)
{
	const char *p;

	if (!id || !*id)
		id = "chart";
	if (!isalpha((unsigned char)*id) || (*id & 0x80))
		sb_addc(sb, 'c');
	for (p = id; *p; p++) {
		char ch = *p;
		int okc = isalnum((unsigned char)ch) || ch == '_' || ch == '-';

		sb_addc(sb, okc && !(ch & 0x80) ? ch : '-');
	}
}

/* Widen [*lo, *hi] when it is empty or too narrow to tick. */
static void
widen(double *lo, double *hi, int log_y)
{
	double mid = (*lo + *hi) / 2, span = *hi - *lo;

	if (span > fabs(mid) * 1e-12 && span > 1e-290)
		return;
	if (log_y) {
		*lo = floor(mid) - 1;
		*hi = ceil(mid) + 1;
	} else if (fabs(mid) < 1e-290) {
		*lo = -1;
		*hi = 1;
	} else {
		*lo = mid - fabs(mid) * 0.1;
		*hi = mid + fabs(mid) * 0.1;
	}
}

static double
map_x(const struct frame *f, double x)
{
	return f->px0 + (x - f->x0) / (f->x1 - f->x0) * (f->px1 - f->px0);
}

static double
map_y(const struct frame *f, double y)
{
	return f->py1 - (y - f->y0) / (f->y1 - f->y0) * (f->py1 - f->py0);
}

/* Significant digits to print multiples of step up to |v| = amax. */
static int
tick_sig(double amax, double step)
{
	int sig;

	if (amax <= 0 || step <= 0)
		return 1;
	sig = (int)floor(log10(amax)) - (int)floor(log10(step) + 1e-9) + 1;
	return sig < 1 ? 1 : sig > 15 ? 15 : sig;
}

static void
svg_text(struct strbuf *sb, const char *cls, double x, double y,
	 const char *anchor, const char *text)
{
	sb_adds(sb, "<text class='");
	sb_adds(sb, cls);
	sb_adds(sb, "' x='");
	add_num1(sb, x);
	sb_adds(sb, "' y='");
	add_num1(sb, y);
	sb_adds(sb, "'");
	if (anchor) {
		sb_adds(sb, " text-anchor='");
		sb_adds(sb, anchor);
		sb_addc(sb, '\'');
	}
	sb_adds(sb, ">");
	chart_escape(sb, text);
	sb_adds(sb, "</text>");
}

static void
add_line(struct strbuf *sb, double x1, double y1, double x2, double y2)
{
	sb_adds(sb, "<line x1='");
	add_num1(sb, x1);
	sb_adds(sb, "' y1='");
	add_num1(sb, y1);
	sb_adds(sb, "' x2='");
	add_num1(sb, x2);
	sb_adds(sb, "' y2='");
	add_num1(sb, y2);
	sb_adds(sb, "'/>");
}

/*
 * The x axis: grid lines and labels at nice ticks inside [x0, x1]; whole
 * steps when every x is a whole number (epochs).
 */
/*
 * About target nice ticks inside [x0, x1] into t, their labels into lab;
 * whole steps when int_x (epochs). How many.
 */
static int
x_ticks(const struct frame *f, int target, int int_x, double *t,
	char (*lab)[48])
{
	double step, amax = 0;
	int i, n;

	if (int_x && f->x1 - f->x0 < target)
		target = (int)ceil(f->x1 - f->x0);
	n = chart_ticks(f->x0, f->x1, target, t, MAX_TICKS, &step);
	for (i = 0; i < n; i++)
		amax = fmax(amax, fabs(t[i]));
	for (i = 0; i < n; i++)
		chart_format(t[i], tick_sig(amax, step), lab[i], sizeof(lab[i]));
	return n;
}

static void
draw_x_axis(struct strbuf *sb, const struct frame *f, int target,
	    int int_x)
{
	double t[MAX_TICKS];
	char lab[MAX_TICKS][48];
	int i, n = x_ticks(f, target, int_x, t, lab);

	sb_adds(sb, "<g class='grid' stroke='currentColor' "
		"stroke-opacity='0.12'>");
	for (i = 0; i < n; i++) {
		double px = map_x(f, t[i]);

		add_line(sb, px, f->py0, px, f->py1);
	}
	sb_adds(sb, "</g><g class='tick' text-anchor='middle'>");
	for (i = 0; i < n; i++)
		svg_text(sb, "tick", map_x(f, t[i]), f->py1 + 14, NULL,
			 lab[i]);
	sb_adds(sb, "</g>");
}

/* The y ticks and their labels, made before the layout needs their width. */
struct yticks {
	double t[MAX_TICKS];	/* log10 of the value on a log scale */
	char lab[MAX_TICKS][32];
	int n;
	int minor;		/* minor grid lines at 2..9 x 10^k */
	size_t width;		/* characters of the longest label */
};

/* Ticks for [f->y0, f->y1], which lie on ticks already. */
static void
yticks_make(struct yticks *yt, const struct frame *f, int log_y, int target)
{
	double step = 1, amax = 0;
	int i, expo = 0;

	yt->minor = 0;
	yt->width = 1;
	if (log_y) {
		int dec = (int)(f->y1 - f->y0);

		/* decade labels are short: a few more of them fit */
		if (target < 7)
			target = 7;
		step = dec > target ? ceil((double)dec / target) : 1;
		yt->n = 0;
		for (double k = f->y0; k <= f->y1 + 1e-9 && yt->n < MAX_TICKS;
		     k += step)
			yt->t[yt->n++] = k;
		yt->minor = step == 1 && dec <= 6;
		/* 0.001 to 1000 read best written out, unless the axis
		   goes further: then 1e-5, 1e-4, ... throughout */
		for (i = 0; i < yt->n; i++)
			expo |= fabs(yt->t[i]) > 3.5;
	} else {
		yt->n = chart_ticks(f->y0, f->y1, target, yt->t, MAX_TICKS,
				    &step);
		for (i = 0; i < yt->n; i++)
			amax = fmax(amax, fabs(yt->t[i]));
	}
	for (i = 0; i < yt->n; i++) {
		char *lab = yt->lab[i];
		size_t len;

		if (log_y) {
			int e = (int)lround(yt->t[i]);

			if (expo && e != 0)
				snprintf(lab, sizeof(yt->lab[i]), "1e%d", e);
			else
				chart_format(pow(10, e), 1, lab,
					     sizeof(yt->lab[i]));
		} else {
			chart_format(yt->t[i], tick_sig(amax, step), lab,
				     sizeof(yt->lab[i]));
		}
		len = strlen(lab);
		if (len > yt->width)
			yt->width = len;
	}
}

/* The y axis: grid lines (and minor ones) and the tick labels. */
static void
draw_y_axis(struct strbuf *sb, const struct frame *f, const struct yticks *yt)
{
	int i, m;

	sb_adds(sb, "<g class='grid' stroke='currentColor' "
		"stroke-opacity='0.12'>");
	for (i = 0; i < yt->n; i++) {
		double py = map_y(f, yt->t[i]);

		add_line(sb, f->px0, py, f->px1, py);
	}
	sb_adds(sb, "</g>");
	if (yt->minor) {
		sb_adds(sb, "<g class='grid minor' stroke='currentColor' "
			"stroke-opacity='0.06'>");
		for (i = 0; i + 1 < yt->n; i++) {
			for (m = 2; m <= 9; m++) {
				double py = map_y(f, yt->t[i] + log10(m));

				add_line(sb, f->px0, py, f->px1, py);
			}
		}
		sb_adds(sb, "</g>");
	}
	sb_adds(sb, "<g class='tick' text-anchor='end'>");
	for (i = 0; i < yt->n; i++)
		svg_text(sb, "tick", f->px0 - 5, map_y(f, yt->t[i]) + 3.5,
			 NULL, yt->lab[i]);
	sb_adds(sb, "</g>");
}

/* Append frac (0..1 of the plot area's width) as a percentage. */
static void
add_pct(struct strbuf *sb, double frac)
{
	add_num1(sb, fmin(fmax(frac, -1), 2) * 100);
	sb_addc(sb, '%');
}

/* The x of the point i of p as a share of the plot area's width. */
static double
frac_x(const struct frame *f, double x)
{
	return (x - f->x0) / (f->x1 - f->x0);
}

/*
 * Append t tenths as a number of a path's data: "12.3", "-.5", "40",
 * with a space before it only where it would run into the number
 * before (a minus sign separates by itself).
 */
static void
add_tenths(struct strbuf *sb, long long t)
{
	char buf[32], *q = buf + sizeof(buf);
	unsigned long long a = t < 0 ? -(unsigned long long)t :
				       (unsigned long long)t;
	char last = sb->len ? sb->buf[sb->len - 1] : 'M';

	if (a % 10) {
		*--q = (char)('0' + a % 10);
		*--q = '.';
	}
	a /= 10;
	if (a || q == buf + sizeof(buf))
		do {
			*--q = (char)('0' + a % 10);
			a /= 10;
		} while (a);
	if (t < 0)
		*--q = '-';
	else if ((last >= '0' && last <= '9') || last == '.')
		*--q = ' ';
	sb_add(sb, q, buf + sizeof(buf) - q);
}

/*
 * The attribute data-x=' ' of the n values of x: "A..B" when they are
 * the whole numbers A, A+1, ... B (epochs: three or more), else each
 * with 6 significant digits.
 */
static void
add_xs(struct strbuf *sb, const double *x, size_t n)
{
	char buf[48];
	size_t i;
	int run = n >= 3 && x[0] == floor(x[0]) && fabs(x[0]) < 1e6;

	for (i = 1; run && i < n; i++)
		run = x[i] == x[0] + (double)i;
	sb_adds(sb, " data-x='");
	if (run) {
		chart_format(x[0], 7, buf, sizeof(buf));
		sb_adds(sb, buf);
		sb_adds(sb, "..");
		chart_format(x[n - 1], 7, buf, sizeof(buf));
		sb_adds(sb, buf);
	}
	for (i = 0; !run && i < n; i++) {
		if (i)
			sb_addc(sb, ' ');
		chart_format(x[i], 6, buf, sizeof(buf));
		sb_adds(sb, buf);
	}
	sb_addc(sb, '\'');
}

/*
 * One series of a line chart, inside the plot's own <svg>: a <g> of its
 * class carrying its name and values (data-name, data-y: what the hover
 * and the smoothing of chart.js read; data-x too when the series does
 * not share the chart's), and its path with a stroke that keeps its
 * width however the plot is stretched.
 */
static void
draw_series(struct strbuf *sb, const struct frame *f,
	    const struct chart_series *s, const struct prep *p, int log_y,
	    int data, int own_x)
{
	size_t i;
	char buf[48];
	long long px = 0, py = 0;

	sb_adds(sb, "<g class='");
	chart_escape(sb, s->css_class ? s->css_class : "s1");
	sb_addc(sb, '\'');
	if (data == 2 && p->n) {
		sb_adds(sb, " data-name='");
		chart_escape(sb, s->name);
		sb_addc(sb, '\'');
	} else if (data && p->n) {
		sb_adds(sb, " data-name='");
		chart_escape(sb, s->name);
		sb_adds(sb, "' data-y='");
		/* "~" marks a gap before the point: the line breaks there */
		for (i = 0; i < p->n; i++) {
			if (i)
				sb_addc(sb, ' ');
			if (p->gap[i])
				sb_addc(sb, '~');
			chart_format(log_y ? pow(10, p->y[i]) : p->y[i], 4,
				     buf, sizeof(buf));
			/* "0.25" as ".25", "-0.25" as "-.25" */
			if (buf[0] == '0' && buf[1] == '.')
				sb_adds(sb, buf + 1);
			else if (buf[0] == '-' && buf[1] == '0' &&
				 buf[2] == '.') {
				sb_addc(sb, '-');
				sb_adds(sb, buf + 2);
			} else {
				sb_adds(sb, buf);
			}
		}
		sb_addc(sb, '\'');
		if (own_x)
			add_xs(sb, p->x, p->n);
	}
	sb_addc(sb, '>');
	if (p->n == 0) {
		sb_adds(sb, "</g>");
		return;
	}
	/* the stroke is the plot's <svg>'s (inherited), but for this */
	sb_adds(sb, "<path class='line' vector-effect='non-scaling-stroke' "
		"d='");
	for (i = 0; i < p->n; i++) {
		int start = i == 0 || p->gap[i];
		int alone = start && (i + 1 == p->n || p->gap[i + 1]);
		/* x in whole thousandths of the plot's width (a pixel or
		   less), y in tenths of a px: both in tenths here, and each
		   point after the first of a line as the step from the one
		   before, which adds up to the rounded point exactly */
		long long X = llround(fmin(fmax(map_x(f, p->x[i]), -1e9),
					   1e9)) * 10;
		long long Y = llround(fmin(fmax(map_y(f, p->y[i]), -1e9),
					   1e9) * 10);

		if (start) {
			sb_addc(sb, 'M');
			add_tenths(sb, X);
			add_tenths(sb, Y);
		} else {
			if (i == 1 || p->gap[i - 1])
				sb_addc(sb, 'l');
			add_tenths(sb, X - px);
			add_tenths(sb, Y - py);
		}
		px = X;
		py = Y;
		/* a point between two gaps shows as a dot */
		if (alone)
			sb_adds(sb, "h0");
	}
	sb_adds(sb, "'/></g>");
}

/* The index of the point of p at x, or p->n when it has none. */
static size_t
point_at(const struct prep *p, double x)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->x[i] == x)
			return i;
	return p->n;
}

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The hover columns of a line chart: at most hover x values of the
 * series (evenly picked from all their distinct ones, the last always
 * in), each with a transparent column from half way to the one before
 * to half way to the one after, whose <title> gives every series' value
 * there: the native tooltip of a page read without JavaScript.
 */
static void
draw_columns(struct strbuf *sb, const struct chart *c, const struct frame *f,
	     const struct prep *p, int hover)
{
	double *ux, *pick;
	size_t i, j, n = 0, m = 0, every;
	char buf[48];

	for (i = 0; i < c->nseries; i++)
		n += p[i].n;
	if (n == 0 || hover <= 0)
		return;
	ux = xreallocarray(NULL, n, sizeof(double));
	n = 0;
	for (i = 0; i < c->nseries; i++)
		for (j = 0; j < p[i].n; j++)
			ux[n++] = p[i].x[j];
	qsort(ux, n, sizeof(double), double_cmp);
	for (i = j = 0; i < n; i++)
		if (j == 0 || ux[i] != ux[j - 1])
			ux[j++] = ux[i];
	n = j;
	every = (n + (size_t)hover - 1) / (size_t)hover;
	pick = xreallocarray(NULL, n, sizeof(double));
	for (i = 0; i < n; i++)
		if (i % every == 0 || i + 1 == n)
			pick[m++] = ux[i];
	sb_adds(sb, "<g class='cols' fill-opacity='0'>");
	for (i = 0; i < m; i++) {
		double a = i ? (frac_x(f, pick[i - 1]) +
				frac_x(f, pick[i])) / 2 : 0;
		double z = i + 1 < m ? (frac_x(f, pick[i]) +
					frac_x(f, pick[i + 1])) / 2 : 1;

		sb_adds(sb, "<rect x='");
		add_pct(sb, a);
		sb_adds(sb, "' width='");
		add_pct(sb, fmax(z - a, 0));
		sb_adds(sb, "'><title>");
		chart_escape(sb, c->xlabel && *c->xlabel ? c->xlabel : "x");
		chart_format(pick[i], 6, buf, sizeof(buf));
		sb_addc(sb, ' ');
		sb_adds(sb, buf);
		for (j = 0; j < c->nseries; j++) {
			size_t k = point_at(&p[j], pick[i]);

			if (k == p[j].n)
				continue;
			sb_adds(sb, "\n");
			chart_escape(sb, c->series[j].name);
			chart_format(c->log_y ? pow(10, p[j].y[k]) : p[j].y[k],
				     4, buf, sizeof(buf));
			sb_adds(sb, ": ");
			sb_adds(sb, buf);
		}
		sb_adds(sb, "</title></rect>");
	}
	sb_adds(sb, "</g>");
	free(ux);
	free(pick);
}

/*
 * The mark of c at c->mark_x: a dashed vertical rule with its label at
 * the top of the plot area, and a ring on each series' point there.
 */
static void
draw_mark(struct strbuf *sb, const struct chart *c, const struct frame *f,
	  const struct prep *p)
{
	double fx = frac_x(f, c->mark_x);
	size_t i;

	if (!c->mark || !isfinite(c->mark_x) || fx < -1e-9 || fx > 1 + 1e-9)
		return;
	sb_adds(sb, "<g class='mark'><line x1='");
	add_pct(sb, fx);
	sb_adds(sb, "' x2='");
	add_pct(sb, fx);
	sb_adds(sb, "' y2='");
	add_num1(sb, f->py1);
	sb_adds(sb, "' y1='-14'/><text x='");
	add_pct(sb, fx);
	/* the label on the side with room for it */
	sb_adds(sb, fx > 0.75 ? "' dx='-4' text-anchor='end" : "' dx='4");
	/* above the plot area, in the room lines_top left for it */
	sb_adds(sb, "' y='-4'>");
	chart_escape(sb, c->mark);
	sb_adds(sb, "</text>");
	for (i = 0; i < c->nseries; i++) {
		size_t k = point_at(&p[i], c->mark_x);

		if (k == p[i].n)
			continue;
		sb_adds(sb, "<circle class='");
		chart_escape(sb, c->series[i].css_class ?
			     c->series[i].css_class : "s1");
		sb_adds(sb, "' cx='");
		add_pct(sb, fx);
		sb_adds(sb, "' cy='");
		add_num1(sb, map_y(f, p[i].y[k]));
		sb_adds(sb, "' r='4.5'/>");
	}
	sb_adds(sb, "</g>");
}

/*
 * The legend under the title, wrapped into rows that fit the width w
 * from x0; the first row's baseline is at y. Draws it when sb is not
 * NULL; returns the number of rows either way.
 */
static int
legend(struct strbuf *sb, const struct chart *c, const struct chart_band *b,
       double x0, double w, double y)
{
	double x = x0 + 8;
	int rows = 1;
	size_t i;

	if (sb)
		sb_adds(sb, "<g class='legend'>");
	/* the series, then the band (i == nseries) */
	for (i = 0; i < c->nseries + (b != NULL); i++) {
		int band = i == c->nseries;
		const char *name = band ? b->name : c->series[i].name;
		const char *cls = band ? b->css_class : c->series[i].css_class;
		size_t len = name ? strlen(name) : 0;
		double item = 18 + CHAR_W * (double)len;

		if (x > x0 + 8 && x + item > x0 + w - 8) {
			x = x0 + 8;
			y += 15;
			rows++;
		}
		if (sb) {
			sb_adds(sb, "<g class='");
			chart_escape(sb, cls ? cls : "s1");
			if (band) {
				sb_adds(sb, "'><rect class='band' "
					"fill='currentColor' "
					"fill-opacity='0.25' x='");
				add_num1(sb, x);
				sb_adds(sb, "' y='");
				add_num1(sb, y - 8);
				sb_adds(sb, "' width='14' height='9'/></g>");
			} else {
				sb_adds(sb, "'>");
				add_line(sb, x, y - 3.5, x + 14, y - 3.5);
				sb_adds(sb, "</g>");
			}
			svg_text(sb, "label", x + 18, y, NULL, name);
		}
		x += item + 14;
	}
	if (sb)
		sb_adds(sb, "</g>");
	return rows;
}

/* A band reduced to its drawable points (finite x, lo and hi). */
struct bandprep {
	double *x, *lo, *hi;	/* log10 of the values on a log scale */
	unsigned char *gap;	/* gap[i]: a gap lies before point i */
	size_t n;
};

static void
bandprep_release(struct bandprep *p)
{
	free(p->x);
	free(p->lo);
	free(p->hi);
	free(p->gap);
}

/*
 * Reduce b to its drawable points: a point whose x, lo or hi is not
 * finite (or, on a log scale, whose lo or hi is <= 0) is a gap; more
 * than CHART_MAX_POINTS are downsampled with LTTB on the middle of the
 * band.
 */
static void
bandprep(struct bandprep *p, const struct chart_band *b, int log_y)
{
	size_t i, n = 0;
	int gap = 0;

	memset(p, 0, sizeof(*p));
	if (!b || !b->n)
		return;
	p->x = xreallocarray(NULL, b->n, sizeof(double));
	p->lo = xreallocarray(NULL, b->n, sizeof(double));
	p->hi = xreallocarray(NULL, b->n, sizeof(double));
	p->gap = xmalloc(b->n);
	for (i = 0; i < b->n; i++) {
		double x = b->x[i], lo = b->lo[i], hi = b->hi[i];

		if (!isfinite(x) || !isfinite(lo) || !isfinite(hi) ||
		    (log_y && (lo <= 0 || hi <= 0))) {
			gap = n > 0;
			continue;
		}
		p->x[n] = x;
		p->lo[n] = log_y ? log10(lo) : lo;
		p->hi[n] = log_y ? log10(hi) : hi;
		p->gap[n++] = gap;
		gap = 0;
	}
	p->n = n;
	if (n > CHART_MAX_POINTS) {
		size_t idx[CHART_MAX_POINTS], m, prev = 0, k;
		double *mid = xreallocarray(NULL, n, sizeof(double));

		for (i = 0; i < n; i++)
			mid[i] = p->lo[i] / 2 + p->hi[i] / 2;
		m = chart_lttb(p->x, mid, n, CHART_MAX_POINTS, idx);
		free(mid);
		for (i = 0; i < m; i++) {
			unsigned char g = p->gap[idx[i]];

			for (k = prev + 1; i > 0 && k < idx[i]; k++)
				g |= p->gap[k];
			p->x[i] = p->x[idx[i]];
			p->lo[i] = p->lo[idx[i]];
			p->hi[i] = p->hi[idx[i]];
			p->gap[i] = g;
			prev = idx[i];
		}
		p->n = m;
	}
}

/*
 * The band as filled areas, one subpath per run of two or more points
 * without a gap: along hi, then back along lo.
 */
static void
draw_band(struct strbuf *sb, const struct frame *f, const struct chart_band *b,
	  const struct bandprep *p)
{
	size_t i = 0, j, k;

	sb_adds(sb, "<g class='");
	chart_escape(sb, b->css_class ? b->css_class : "s1");
	sb_adds(sb, "'><path class='band' fill='currentColor' "
		"fill-opacity='0.25' stroke='none' d='");
	while (i < p->n) {
		for (j = i + 1; j < p->n && !p->gap[j]; j++)
			;
		if (j - i >= 2) {
			for (k = i; k < j; k++) {
				sb_addc(sb, k == i ? 'M' : 'L');
				add_num1(sb, map_x(f, p->x[k]));
				sb_addc(sb, ' ');
				add_num1(sb, map_y(f, p->hi[k]));
			}
			for (k = j; k-- > i;) {
				sb_addc(sb, 'L');
				add_num1(sb, map_x(f, p->x[k]));
				sb_addc(sb, ' ');
				add_num1(sb, map_y(f, p->lo[k]));
			}
			sb_addc(sb, 'Z');
		}
		i = j;
	}
	sb_adds(sb, "'/></g>");
}

/*
 * The <svg> element's start of a scatter plot (drawn in a viewBox, at
 * 12 units a letter): its title (aria-labelledby), the title text and
 * the legend; the plot area into f (px0 a first guess, the y
 * tick labels decide it). w, h: the viewBox.
 */
static void
svg_head(struct strbuf *sb, const struct chart *c, const struct chart_band *b,
	 double w, double h, struct frame *f, int with_legend)
{
	int items = with_legend && (c->nseries || b);

	sb_adds(sb, "<svg xmlns='http://www.w3.org/2000/svg' class='chart "
		"scatter' role='img' aria-labelledby='");
	add_id(sb, c->id);
	sb_adds(sb, "-t' viewBox='0 0 ");
	add_num1(sb, w);
	sb_addc(sb, ' ');
	add_num1(sb, h);
	sb_adds(sb, "' font-size='12' fill='currentColor'><title id='");
	add_id(sb, c->id);
	sb_adds(sb, "-t'>");
	chart_escape(sb, c->title);
	sb_adds(sb, "</title>");
	svg_text(sb, "chart-title", 8, 15, NULL, c->title);

	f->px0 = 58;
	f->px1 = w - 14;
	f->py0 = items ? 35 + 15 * legend(NULL, c, b, 0, w, 34) : 28;
	f->py1 = h - 34;
	if (f->px1 < f->px0 + 10)
		f->px1 = f->px0 + 10;
	if (f->py1 < f->py0 + 10)
		f->py1 = f->py0 + 10;
	if (items)
		legend(sb, c, b, 0, w, 34);
}

/* The empty plot area with a note in it, and the end of the <svg>. */
static void
svg_nodata(struct strbuf *sb, const struct frame *f, const char *note)
{
	sb_adds(sb, "<rect class='axis' fill='none' stroke='currentColor' "
		"stroke-opacity='0.3' x='");
	add_num1(sb, f->px0);
	sb_adds(sb, "' y='");
	add_num1(sb, f->py0);
	sb_adds(sb, "' width='");
	add_num1(sb, f->px1 - f->px0);
	sb_adds(sb, "' height='");
	add_num1(sb, f->py1 - f->py0);
	sb_adds(sb, "'/>");
	svg_text(sb, "note", (f->px0 + f->px1) / 2, (f->py0 + f->py1) / 2,
		 "middle", note);
	sb_adds(sb, "</svg>");
}

/* The axis lines and the axis labels of the plot area f in a w x h box. */
static void
svg_axes(struct strbuf *sb, const struct chart *c, const struct frame *f,
	 double h)
{
	sb_adds(sb, "<path class='axis' fill='none' "
		"stroke='currentColor' stroke-opacity='0.45' d='M");
	add_num1(sb, f->px0);
	sb_addc(sb, ' ');
	add_num1(sb, f->py0);
	sb_addc(sb, 'V');
	add_num1(sb, f->py1);
	sb_addc(sb, 'H');
	add_num1(sb, f->px1);
	sb_adds(sb, "'/>");
	if (c->xlabel && *c->xlabel)
		svg_text(sb, "label", (f->px0 + f->px1) / 2, h - 6, "middle",
			 c->xlabel);
	if (c->ylabel && *c->ylabel) {
		sb_adds(sb, "<text class='label' text-anchor='middle' "
			"transform='translate(13 ");
		add_num1(sb, (f->py0 + f->py1) / 2);
		sb_adds(sb, ") rotate(-90)'>");
		chart_escape(sb, c->ylabel);
		sb_adds(sb, "</text>");
	}
}

/* Room beside the plot area of a line chart, in CSS px. */
#define LINES_RIGHT 16.0
#define LINES_BOTTOM 36.0

/*
 * The x axis of a line chart: labels at nice ticks inside [x0, x1], at
 * percentages of the plot area's width, and their grid lines appended
 * to grid (path data in the plot's viewBox); whole steps when every x is
 * a whole number (epochs). A handful of ticks, as few as fit the
 * narrowest plot (a phone's).
 */
static void
lines_x_axis(struct strbuf *sb, const struct frame *f, int int_x,
	     struct strbuf *grid)
{
	double t[MAX_TICKS];
	char lab[MAX_TICKS][48];
	int i, n = x_ticks(f, 5, int_x, t, lab);

	for (i = 0; i < n; i++) {
		sb_addc(grid, 'M');
		add_num1(grid, frac_x(f, t[i]) * PLOT_W);
		sb_adds(grid, " 0V");
		add_num1(grid, f->py1);
	}
	sb_adds(sb, "<g class='tick' text-anchor='middle'>");
	for (i = 0; i < n; i++) {
		sb_adds(sb, "<text x='");
		add_pct(sb, frac_x(f, t[i]));
		sb_adds(sb, "' y='");
		add_num1(sb, f->py1 + 16);
		sb_adds(sb, "'>");
		sb_adds(sb, lab[i]);
		sb_adds(sb, "</text>");
	}
	sb_adds(sb, "</g>");
}

/*
 * The y axis of a line chart: labels to the left, and the grid lines
 * across appended to grid (the minor ones to minor) as path data.
 */
static void
lines_y_axis(struct strbuf *sb, const struct frame *f, const struct yticks *yt,
	     struct strbuf *grid, struct strbuf *minor)
{
	int i, m;

	for (i = 0; i < yt->n; i++) {
		sb_adds(grid, "M0 ");
		add_num1(grid, map_y(f, yt->t[i]));
		sb_adds(grid, "H1000");
	}
	for (i = 0; yt->minor && i + 1 < yt->n; i++) {
		for (m = 2; m <= 9; m++) {
			sb_adds(minor, "M0 ");
			add_num1(minor, map_y(f, yt->t[i] + log10(m)));
			sb_adds(minor, "H1000");
		}
	}
	sb_adds(sb, "<g class='tick' text-anchor='end'>");
	for (i = 0; i < yt->n; i++) {
		sb_adds(sb, "<text x='-6' y='");
		add_num1(sb, map_y(f, yt->t[i]) + 4);
		sb_adds(sb, "'>");
		chart_escape(sb, yt->lab[i]);
		sb_adds(sb, "</text>");
	}
	sb_adds(sb, "</g>");
}

/*
 * The start of a line chart's <svg>, its title and legend. The element
 * is as wide as its box and h CSS px high, with no viewBox: its padding
 * (top, LINES_RIGHT, LINES_BOTTOM, left) leaves the plot area as its
 * viewport, so that (0, 0) is the plot area's top left corner, x is
 * written in % of its width and y in px. Everything else is drawn in
 * the padding (overflow='visible'), at fixed sizes.
 */
static void
lines_head(struct strbuf *sb, const struct chart *c, double h, double top,
	   double left)
{
	sb_adds(sb, "<svg xmlns='http://www.w3.org/2000/svg' class='chart "
		"lines' role='img' aria-labelledby='");
	add_id(sb, c->id);
	/* its width and overflow='visible' are style.css's (svg.chart) */
	sb_adds(sb, "-t' font-size='12' fill='currentColor' style='height:");
	add_num1(sb, h);
	sb_adds(sb, "px;padding:");
	add_num1(sb, top);
	sb_adds(sb, "px ");
	add_num1(sb, LINES_RIGHT);
	sb_adds(sb, "px ");
	add_num1(sb, LINES_BOTTOM);
	sb_adds(sb, "px ");
	add_num1(sb, left);
	sb_adds(sb, "px'");
}

/*
 * The <desc> of a line chart with the n series of p (drawn from c's):
 * for each, its first and last point and its lowest and highest value,
 * "train: 1.1 at epoch 1 to 0.11 at epoch 100, lowest 0.11, highest
 * 1.1.", what a screen reader says beside the title (the data itself is
 * a link beside the chart).
 */
static void
lines_desc(struct strbuf *sb, const struct chart *c, const struct prep *p)
{
	const char *xl = c->xlabel && *c->xlabel ? c->xlabel : "x";
	char buf[48];

	sb_adds(sb, "<desc id='");
	add_id(sb, c->id);
	sb_adds(sb, "-d'>");
	for (size_t i = 0; i < c->nseries; i++) {
		double lo = INFINITY, hi = -INFINITY, at[4];

		if (!p[i].n)
			continue;
		at[0] = p[i].y[0];
		at[1] = p[i].x[0];
		at[2] = p[i].y[p[i].n - 1];
		at[3] = p[i].x[p[i].n - 1];
		for (size_t k = 0; k < p[i].n; k++) {
			lo = fmin(lo, p[i].y[k]);
			hi = fmax(hi, p[i].y[k]);
		}
		chart_escape(sb, c->series[i].name);
		for (int k = 0; k < 6; k++) {
			static const char *const words[] = { ": ", " at ",
				" to ", " at ", ", lowest ", ", highest " };
			double v = k < 4 ? at[k] : k == 4 ? lo : hi;

			sb_adds(sb, words[k]);
			if (k == 1 || k == 3) {
				chart_escape(sb, xl);
				sb_addc(sb, ' ');
			}
			chart_format(c->log_y && k != 1 && k != 3 ?
				     pow(10, v) : v, k == 1 || k == 3 ? 6 : 4,
				     buf, sizeof(buf));
			sb_adds(sb, buf);
		}
		sb_adds(sb, i + 1 < c->nseries ? ". " : ".");
	}
	sb_adds(sb, "</desc>");
}

/*
 * The rest of the head: the <title>, the <desc> when p is not NULL (and
 * the series have points), the title text and the legend.
 */
static void
lines_title(struct strbuf *sb, const struct chart *c,
	    const struct chart_band *b, double w, double top, double left,
	    const struct prep *p)
{
	if (p) {
		sb_adds(sb, " aria-describedby='");
		add_id(sb, c->id);
		sb_adds(sb, "-d'");
	}
	sb_adds(sb, "><title id='");
	add_id(sb, c->id);
	sb_adds(sb, "-t'>");
	chart_escape(sb, c->title);
	sb_adds(sb, "</title>");
	if (p)
		lines_desc(sb, c, p);
	svg_text(sb, "chart-title", 8 - left, 16 - top, NULL, c->title);
	if (c->nseries || b)
		legend(sb, c, b, -left, w, 34 - top);
}

/*
 * The axis lines and labels of a line chart whose plot area is ph px
 * high and has left px to its left.
 */
static void
lines_axes(struct strbuf *sb, const struct chart *c, double ph, double left)
{
	sb_adds(sb, "<g class='axis'><line y2='");
	add_num1(sb, ph);
	sb_adds(sb, "'/><line x2='100%' y1='");
	add_num1(sb, ph);
	sb_adds(sb, "' y2='");
	add_num1(sb, ph);
	sb_adds(sb, "'/></g>");
	if (c->xlabel && *c->xlabel) {
		sb_adds(sb, "<text class='label xlabel' x='50%' y='");
		add_num1(sb, ph + 31);
		sb_adds(sb, "' text-anchor='middle'>");
		chart_escape(sb, c->xlabel);
		sb_adds(sb, "</text>");
	}
	if (c->ylabel && *c->ylabel) {
		sb_adds(sb, "<text class='label' text-anchor='middle' "
			"transform='translate(");
		add_num1(sb, 14 - left);
		sb_addc(sb, ' ');
		add_num1(sb, ph / 2);
		sb_adds(sb, ") rotate(-90)'>");
		chart_escape(sb, c->ylabel);
		sb_adds(sb, "</text>");
	}
}

/* Do the series with points all have the same x? */
static int
same_x(const struct prep *p, size_t n)
{
	const struct prep *first = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!p[i].n)
			continue;
		if (!first) {
			first = &p[i];
			continue;
		}
		if (p[i].n != first->n || memcmp(p[i].x, first->x,
						 p[i].n * sizeof(double)))
			return 0;
	}
	return 1;
}

int
chart_svg(struct strbuf *sb, const struct chart *c)
{
	return chart_svg_band(sb, c, NULL);
}

int
chart_svg_band(struct strbuf *sb, const struct chart *c,
	       const struct chart_band *b)
{
	double w, h, xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY;
	double yhi = -INFINITY, step, top, ph, left;
	size_t i, j, dropped = 0, total = 0;
	int int_x = 1, data, shared;
	struct prep *p;
	struct bandprep bp;
	struct frame f;
	struct yticks yt;
	struct strbuf grid = STRBUF_INIT, minor = STRBUF_INIT;
	char note[96], buf[48];

	if (check_chart(c) < 0 || check_band(c, b) < 0)
		return -1;
	w = c->width > 0 && c->width < 1e6 ? c->width : DEFAULT_W;
	h = c->height > 0 && c->height < 1e6 ? c->height : DEFAULT_H;
	p = prep_all(c);
	bandprep(&bp, b, c->log_y);
	for (i = 0; i < c->nseries; i++) {
		dropped += p[i].dropped;
		total += p[i].n;
		for (j = 0; j < p[i].n; j++) {
			int_x &= p[i].x[j] == floor(p[i].x[j]) &&
				 fabs(p[i].x[j]) < 1e15;
			xlo = fmin(xlo, fmax(p[i].x[j], -BIG));
			xhi = fmax(xhi, fmin(p[i].x[j], BIG));
			ylo = fmin(ylo, fmax(p[i].y[j], -BIG));
			yhi = fmax(yhi, fmin(p[i].y[j], BIG));
		}
	}
	for (j = 0; j < bp.n; j++) {
		int_x &= bp.x[j] == floor(bp.x[j]) && fabs(bp.x[j]) < 1e15;
		xlo = fmin(xlo, fmax(bp.x[j], -BIG));
		xhi = fmax(xhi, fmin(bp.x[j], BIG));
		ylo = fmin(ylo, fmax(fmin(bp.lo[j], bp.hi[j]), -BIG));
		yhi = fmax(yhi, fmin(fmax(bp.lo[j], bp.hi[j]), BIG));
	}
	total += bp.n;

	top = c->nseries || b ? 35 + 15 * legend(NULL, c, b, 0, w, 34) : 28;
	if (c->mark)
		top += 12;
	ph = h - top - LINES_BOTTOM;
	if (ph < 40) {
		ph = 40;
		h = top + ph + LINES_BOTTOM;
	}
	f.px0 = 0;
	f.px1 = PLOT_W;
	f.py0 = 0;
	f.py1 = ph;
	if (total == 0) {
		snprintf(note, sizeof(note), "%s",
			 dropped ? "no values > 0 to show on a log scale"
			 : "no data");
		lines_head(sb, c, h, top, 40);
		lines_title(sb, c, b, w, top, 40, NULL);
		sb_adds(sb, "<rect class='axis' fill='none' "
			"stroke='currentColor' stroke-opacity='0.3' "
			"width='100%' height='");
		add_num1(sb, ph);
		sb_adds(sb, "'/>");
		sb_adds(sb, "<text class='note' x='50%' y='");
		add_num1(sb, ph / 2 + 4);
		sb_adds(sb, "' text-anchor='middle'>");
		chart_escape(sb, note);
		sb_adds(sb, "</text></svg>");
		prep_free(p, c->nseries);
		bandprep_release(&bp);
		return 0;
	}

	if (c->x_max > 0 && c->x_max < BIG && c->x_max > xhi)
		xhi = c->x_max;
	/* epochs 1..N and seconds read better from 0 */
	if (xlo > 0 && xlo <= (xhi - xlo) * 0.05)
		xlo = 0;
	widen(&xlo, &xhi, 0);
	widen(&ylo, &yhi, c->log_y);
	f.x0 = xlo;
	f.x1 = xhi;
	if (c->log_y) {
		f.y0 = floor(ylo);
		f.y1 = ceil(yhi);
		if (f.y1 <= f.y0)
			f.y1 = f.y0 + 1;
	} else {
		/* widen y to whole steps, as the ticks would */
		double t[MAX_TICKS];
		int target = (int)(ph / 40) + 1;

		chart_ticks(ylo, yhi, target, t, MAX_TICKS, &step);
		f.y0 = fmax(floor(ylo / step) * step, -BIG);
		f.y1 = fmin(ceil(yhi / step) * step, BIG);
		if (!(f.y1 > f.y0)) {
			f.y0 = ylo;
			f.y1 = yhi;
		}
	}
	yticks_make(&yt, &f, c->log_y, (int)(ph / 40) + 1);
	/* room for the y label and the widest tick label */
	left = 22 + CHAR_W * (double)yt.width + 8;

	/*
	 * With hover data, the range of the plot (data-f: x0 x1 y0 y1 in
	 * the plot's units, and 1 on a log scale) and the x of the series
	 * when they share them, for chart.js.
	 */
	data = c->hover >= 0 || c->hover == CHART_HOVER_DATA;
	shared = same_x(p, c->nseries);
	lines_head(sb, c, h, top, left);
	if (data) {
		sb_adds(sb, " data-f='");
		chart_format(f.x0, 10, buf, sizeof(buf));
		sb_adds(sb, buf);
		chart_format(f.x1, 10, buf, sizeof(buf));
		sb_addc(sb, ' ');
		sb_adds(sb, buf);
		chart_format(f.y0, 10, buf, sizeof(buf));
		sb_addc(sb, ' ');
		sb_adds(sb, buf);
		chart_format(f.y1, 10, buf, sizeof(buf));
		sb_addc(sb, ' ');
		sb_adds(sb, buf);
		sb_adds(sb, c->log_y ? " 1'" : " 0'");
		if (c->data_from) {
			sb_adds(sb, " data-from='");
			add_id(sb, c->data_from);
			sb_addc(sb, '\'');
		}
		for (i = 0; shared && !c->data_from && i < c->nseries; i++) {
			if (!p[i].n)
				continue;
			add_xs(sb, p[i].x, p[i].n);
			break;
		}
	}
	/* a chart of another's values says what it shows in its title */
	lines_title(sb, c, b, w, top, left, c->data_from ? NULL : p);
	lines_y_axis(sb, &f, &yt, &grid, &minor);
	lines_x_axis(sb, &f, int_x, &grid);
	lines_axes(sb, c, ph, left);
	/* the lines, stretched to the plot area's width */
	sb_adds(sb, "<svg class='plot' height='");
	add_num1(sb, ph);
	sb_adds(sb, "' viewBox='0 0 1000 ");
	add_num1(sb, ph);
	sb_adds(sb, "' preserveAspectRatio='none' overflow='visible' "
		"fill='none' stroke='currentColor' stroke-width='2' "
		"stroke-linejoin='round' stroke-linecap='round'>");
	/* the grid, hairlines under the rest (style.css colours them) */
	if (minor.len) {
		sb_adds(sb, "<path class='grid minor' stroke-width='1' "
			"vector-effect='non-scaling-stroke' d='");
		sb_add(sb, minor.buf, minor.len);
		sb_adds(sb, "'/>");
	}
	if (grid.len) {
		sb_adds(sb, "<path class='grid' stroke-width='1' "
			"vector-effect='non-scaling-stroke' d='");
		sb_add(sb, grid.buf, grid.len);
		sb_adds(sb, "'/>");
	}
	sb_release(&grid);
	sb_release(&minor);
	if (bp.n)
		draw_band(sb, &f, b, &bp);
	for (i = 0; i < c->nseries; i++)
		draw_series(sb, &f, &c->series[i], &p[i], c->log_y,
			    data && c->data_from ? 2 : data, !shared);
	sb_adds(sb, "</svg>");
	draw_mark(sb, c, &f, p);
	if (dropped) {
		snprintf(note, sizeof(note), "%zu value%s <= 0 not shown on "
			 "a log scale", dropped, dropped == 1 ? "" : "s");
		sb_adds(sb, "<text class='note' x='100%' y='");
		add_num1(sb, 16 - top);
		sb_adds(sb, "' text-anchor='end'>");
		chart_escape(sb, note);
		sb_adds(sb, "</text>");
	}
	draw_columns(sb, c, &f, p, c->hover ? c->hover : CHART_HOVER_POINTS);
	sb_adds(sb, "</svg>");
	prep_free(p, c->nseries);
	bandprep_release(&bp);
	return 0;
}

/* One dot of a scatter plot. */
struct dot {
	double x, y;
};

static int
dot_cmp(const void *a, const void *b)
{
	const struct dot *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return (p->y > q->y) - (p->y < q->y);
}

/*
 * The dots of s that can be drawn (x and y finite, within +-BIG), in x
 * order, at most CHART_MAX_DOTS of them (LTTB over that order keeps the
 * points far from their neighbours: the outliers). Returns their number;
 * *out is the caller's to free.
 */
static size_t
scatter_dots(const struct chart_series *s, struct dot **out)
{
	struct dot *d = xreallocarray(NULL, s->n ? s->n : 1, sizeof(*d));
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (isfinite(s->x[i]) && isfinite(s->y[i]) &&
		    fabs(s->x[i]) <= BIG && fabs(s->y[i]) <= BIG)
			d[n++] = (struct dot){ s->x[i], s->y[i] };
	qsort(d, n, sizeof(*d), dot_cmp);
	if (n > CHART_MAX_DOTS) {
		double *x = xreallocarray(NULL, n, sizeof(double));
		double *y = xreallocarray(NULL, n, sizeof(double));
		size_t idx[CHART_MAX_DOTS], m;

		for (i = 0; i < n; i++) {
			x[i] = d[i].x;
			y[i] = d[i].y;
		}
		m = chart_lttb(x, y, n, CHART_MAX_DOTS, idx);
		for (i = 0; i < m; i++)
			d[i] = d[idx[i]];
		n = m;
		free(x);
		free(y);
	}
	*out = d;
	return n;
}

int
chart_scatter_svg(struct strbuf *sb, const struct chart *c)
{
	double w, h, lo = INFINITY, hi = -INFINITY, step, side;
	double t[MAX_TICKS];
	struct dot **dots;
	size_t *nd, i, j, total = 0;
	struct frame f;
	struct yticks yt;

	if (check_chart(c) < 0)
		return -1;
	w = c->width > 0 && c->width < 1e6 ? c->width : SCATTER_W;
	h = c->height > 0 && c->height < 1e6 ? c->height : SCATTER_H;
	dots = xcalloc(c->nseries ? c->nseries : 1, sizeof(*dots));
	nd = xcalloc(c->nseries ? c->nseries : 1, sizeof(*nd));
	for (i = 0; i < c->nseries; i++) {
		nd[i] = scatter_dots(&c->series[i], &dots[i]);
		total += nd[i];
		for (j = 0; j < nd[i]; j++) {
			lo = fmin(lo, fmin(dots[i][j].x, dots[i][j].y));
			hi = fmax(hi, fmax(dots[i][j].x, dots[i][j].y));
		}
	}
	/* one series needs no legend: the title says what the dots are */
	svg_head(sb, c, NULL, w, h, &f, c->nseries > 1);
	if (total == 0) {
		svg_nodata(sb, &f, "no data");
		goto out;
	}
	/* one scale for both axes, widened to whole steps */
	widen(&lo, &hi, 0);
	chart_ticks(lo, hi, (int)((f.py1 - f.py0) / 40) + 1, t, MAX_TICKS,
		    &step);
	f.x0 = f.y0 = fmax(floor(lo / step) * step, -BIG);
	f.x1 = f.y1 = fmin(ceil(hi / step) * step, BIG);
	if (!(f.y1 > f.y0)) {
		f.x0 = f.y0 = lo;
		f.x1 = f.y1 = hi;
	}
	yticks_make(&yt, &f, 0, (int)((f.py1 - f.py0) / 40) + 1);
	f.px0 = 24 + CHAR_W * (double)yt.width + 6;
	/* a square plot area, so that the diagonal is at 45 degrees */
	side = fmin(f.px1 - f.px0, f.py1 - f.py0);
	if (side < 10)
		side = 10;
	f.px1 = f.px0 + side;
	f.py0 = f.py1 - side;
	draw_y_axis(sb, &f, &yt);
	draw_x_axis(sb, &f, (int)(side / 90) + 1, 0);
	svg_axes(sb, c, &f, h);
	/* y = x: where every dot would be if the predictions were exact */
	sb_adds(sb, "<path class='diag' fill='none' stroke='currentColor' "
		"stroke-opacity='0.6' stroke-dasharray='4 3' d='M");
	add_num1(sb, f.px0);
	sb_addc(sb, ' ');
	add_num1(sb, f.py1);
	sb_addc(sb, 'L');
	add_num1(sb, f.px1);
	sb_addc(sb, ' ');
	add_num1(sb, f.py0);
	sb_adds(sb, "'/>");
	/* below the diagonal's end, where few dots are */
	svg_text(sb, "note", f.px1 - 4, f.py1 - 6, "end", "dashed: y = x");
	for (i = 0; i < c->nseries; i++) {
		long long lx = 0, ly = 0;

		sb_adds(sb, "<g class='");
		chart_escape(sb, c->series[i].css_class ?
			     c->series[i].css_class : "s1");
		sb_adds(sb, "'><path class='dots' fill='none' "
			"stroke='currentColor' stroke-opacity='0.6' "
			"stroke-width='5' stroke-linecap='round' d='");
		/*
		 * Whole units, each dot moved to from the last ("m3-12h0"):
		 * a dot is 5 units wide, so rounding shows nowhere, and a
		 * dot costs about 8 bytes.
		 */
		for (j = 0; j < nd[i]; j++) {
			long long px = llround(map_x(&f, dots[i][j].x));
			long long py = llround(map_y(&f, dots[i][j].y));

			/* a dot drawn where the last one is adds nothing */
			if (j > 0 && px == lx && py == ly)
				continue;
			sb_addf(sb, j ? "m%lld" : "M%lld", j ? px - lx : px);
			sb_addf(sb, py - (j ? ly : 0) < 0 ? "%lld" : " %lld",
				py - (j ? ly : 0));
			sb_adds(sb, "h0");
			lx = px;
			ly = py;
		}
		sb_adds(sb, "'/></g>");
	}
	sb_adds(sb, "</svg>");
out:
	for (i = 0; i < c->nseries; i++)
		free(dots[i]);
	free(dots);
	free(nd);
	return 0;
}

/* One point of the table: x, y, and the column of its series. */
struct cell {
	double x, y;
	size_t col;
};

static int
cell_cmp(const void *a, const void *b)
{
	const struct cell *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->col < q->col ? -1 : p->col > q->col;
}

int
chart_table(struct strbuf *sb, const struct chart *c)
{
	struct prep *p;
	struct cell *cells;
	size_t i, j, n = 0, col;
	char buf[48];

	if (check_chart(c) < 0)
		return -1;
	p = prep_all(c);
	for (i = 0; i < c->nseries; i++)
		n += p[i].n;
	cells = xreallocarray(NULL, n ? n : 1, sizeof(*cells));
	n = 0;
	for (i = 0; i < c->nseries; i++)
		for (j = 0; j < p[i].n; j++) {
			cells[n].x = p[i].x[j];
			cells[n].y = c->log_y ? pow(10, p[i].y[j]) : p[i].y[j];
			cells[n++].col = i;
		}
	qsort(cells, n, sizeof(*cells), cell_cmp);

	sb_adds(sb, "<table class='chart-data'><caption>");
	chart_escape(sb, c->title);
	sb_adds(sb, "</caption><thead><tr><th scope='col'>");
	chart_escape(sb, c->xlabel && *c->xlabel ? c->xlabel : "x");
	sb_adds(sb, "</th>");
	for (i = 0; i < c->nseries; i++) {
		sb_adds(sb, "<th scope='col'>");
		chart_escape(sb, c->series[i].name);
		sb_adds(sb, "</th>");
	}
	sb_adds(sb, "</tr></thead><tbody>");
	for (i = 0; i < n; i = j) {
		chart_format(cells[i].x, 6, buf, sizeof(buf));
		sb_adds(sb, "<tr><th scope='row'>");
		sb_adds(sb, buf);
		sb_adds(sb, "</th>");
		col = 0;
		for (j = i; j < n && cells[j].x == cells[i].x; j++) {
			/* a repeated x in one series: its first value */
			if (cells[j].col < col)
				continue;
			for (; col < cells[j].col; col++)
				sb_adds(sb, "<td></td>");
			chart_format(cells[j].y, 6, buf, sizeof(buf));
			sb_adds(sb, "<td>");
			sb_adds(sb, buf);
			sb_adds(sb, "</td>");
			col++;
		}
		for (; col < c->nseries; col++)
			sb_adds(sb, "<td></td>");
		sb_adds(sb, "</tr>");
	}
	sb_adds(sb, "</tbody></table>");
	free(cells);
	prep_free(p, c->nseries);
	return 0;
}

/* The finite (x, y) points of s, sorted by x; *out is the caller's. */
static size_t
finite_sorted(const double *x, const double *y, size_t n, struct dot **out)
{
	struct dot *d = xreallocarray(NULL, n ? n : 1, sizeof(*d));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i]))
			d[m++] = (struct dot){ x[i], y[i] };
	qsort(d, m, sizeof(*d), dot_cmp);
	*out = d;
	return m;
}

/* The bin of x: how many of the nedge edges are <= x. */
static size_t
bin_of(const double *edge, size_t nedge, double x)
{
	size_t lo = 0, hi = nedge;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (edge[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Sum the y of the n points d into sum[bin] and cnt[bin] (long double:
 * two values near DBL_MAX add up without overflow).
 */
static void
bin_sums(const struct dot *d, size_t n, const double *edge, size_t nedge,
	 long double *sum, size_t *cnt)
{
	for (size_t i = 0; i < n; i++) {
		size_t b = bin_of(edge, nedge, d[i].x);

		sum[b] += d[i].y;
		cnt[b]++;
	}
}

/* A <td> with the mean sum / n at 4 significant digits, empty when n 0. */
static void
mean_cell(struct strbuf *sb, long double sum, size_t n)
{
	char buf[48];

	sb_adds(sb, "<td>");
	if (n) {
		chart_format((double)(sum / (long double)n), 4, buf,
			     sizeof(buf));
		sb_adds(sb, buf);
	}
	sb_adds(sb, "</td>");
}

int
chart_table_binned(struct strbuf *sb, const struct chart *c,
		   const struct chart_band *b, size_t nbins, int xmean)
{
	struct dot *first = NULL, *d;
	double *edge, *xmin, *xmax;
	long double *sum, *xsum;
	size_t n, nb, ne = 0, ncol, i, k, *cnt;
	const char *xl = c && c->xlabel && *c->xlabel ? c->xlabel : "x";
	char buf[48];

	if (check_chart(c) < 0 || check_band(c, b) < 0)
		return -1;
	n = c->nseries ? finite_sorted(c->series[0].x, c->series[0].y,
				       c->series[0].n, &first) : 0;
	nb = nbins < n ? nbins : n;
	/*
	 * Bin k starts at the x of the point k n / nb of series 0 in x
	 * order, so that the bins hold about as many points each; equal
	 * edges (many points at one x) are one edge. Every series, and
	 * the band, is summed over the same bins.
	 */
	edge = xcalloc(nb ? nb : 1, sizeof(double));
	for (k = 1; k < nb; k++) {
		double e = first[k * n / nb].x;

		if (e > first[0].x && (ne == 0 || e > edge[ne - 1]))
			edge[ne++] = e;
	}
	nb = n ? ne + 1 : 0;
	ncol = c->nseries + (b ? 2 : 0);
	sum = xcalloc((nb ? nb : 1) * (ncol ? ncol : 1), sizeof(*sum));
	cnt = xcalloc((nb ? nb : 1) * (ncol ? ncol : 1), sizeof(size_t));
	xmin = xcalloc(nb ? nb : 1, sizeof(double));
	xmax = xcalloc(nb ? nb : 1, sizeof(double));
	xsum = xcalloc(nb ? nb : 1, sizeof(*xsum));
	for (i = 0; i < n; i++) {
		k = bin_of(edge, ne, first[i].x);
		if (i == 0 || k != bin_of(edge, ne, first[i - 1].x))
			xmin[k] = first[i].x;
		xmax[k] = first[i].x;
		xsum[k] += first[i].x;
	}
	for (i = 0; nb && i < ncol; i++) {
		int band = i >= c->nseries;
		const double *x = band ? b->x : c->series[i].x;
		const double *y = !band ? c->series[i].y :
				  i == c->nseries ? b->lo : b->hi;
		size_t m = finite_sorted(x, y, band ? b->n : c->series[i].n,
					 &d);
		long double *s = xcalloc(nb, sizeof(*s));
		size_t *ct = xcalloc(nb, sizeof(size_t));

		bin_sums(d, m, edge, ne, s, ct);
		for (k = 0; k < nb; k++) {
			sum[k * ncol + i] = s[k];
			cnt[k * ncol + i] = ct[k];
		}
		free(s);
		free(ct);
		free(d);
	}

	sb_adds(sb, "<table class='chart-data'><caption>");
	chart_escape(sb, c->title);
	sb_adds(sb, "</caption><thead><tr><th scope='col'>");
	chart_escape(sb, xl);
	sb_adds(sb, "</th><th scope='col'>points</th>");
	if (xmean) {
		sb_adds(sb, "<th scope='col'>mean ");
		chart_escape(sb, xl);
		sb_adds(sb, "</th>");
	}
	for (i = 0; i < ncol; i++) {
		sb_adds(sb, "<th scope='col'>mean ");
		if (i < c->nseries) {
			chart_escape(sb, c->series[i].name);
		} else {
			chart_escape(sb, b->name);
			sb_adds(sb, i == c->nseries ? " (low)" : " (high)");
		}
		sb_adds(sb, "</th>");
	}
	sb_adds(sb, "</tr></thead><tbody>");
	if (nb == 0)
		sb_addf(sb, "<tr><td colspan='%zu'>no data</td></tr>",
			ncol + 2 + (xmean != 0));
	for (k = 0; k < nb; k++) {
		chart_format(xmin[k], 4, buf, sizeof(buf));
		sb_adds(sb, "<tr><th scope='row'>");
		sb_adds(sb, buf);
		if (xmax[k] != xmin[k]) {
			chart_format(xmax[k], 4, buf, sizeof(buf));
			sb_adds(sb, " \xe2\x80\x93 ");	/* an en dash */
			sb_adds(sb, buf);
		}
		sb_addf(sb, "</th><td>%zu</td>", cnt[k * ncol]);
		if (xmean)
			mean_cell(sb, xsum[k], cnt[k * ncol]);
		for (i = 0; i < ncol; i++)
			mean_cell(sb, sum[k * ncol + i], cnt[k * ncol + i]);
		sb_adds(sb, "</tr>");
	}
	sb_adds(sb, "</tbody></table>");
	free(first);
	free(edge);
	free(sum);
	free(cnt);
	free(xmin);
	free(xmax);
	free(xsum);
	return 0;
}
