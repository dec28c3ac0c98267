/*
 * test-chart.c - SVG charts: LTTB, nice ticks, number formats, escaping,
 * well-formed output (xmllint when installed), log scales with zeros,
 * degenerate series and the size of a long series.
 */
#include "render/chart.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tap.h"
#include "lib/timeutil.h"

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
	char path[] = "/tmp/test-chart-XXXXXX";
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

static void
test_lttb(void)
{
	enum { N = 1000 };
	double x[N], y[N];
	size_t idx[N], i, m;
	int sorted = 1, found = 0;

	for (i = 0; i < N; i++) {
		x[i] = (double)i;
		y[i] = sin((double)i / 50);
	}
	y[380] = 40;
	y[615] = -35;
	m = chart_lttb(x, y, N, 100, idx);
	ok(m == 100, "lttb returns the requested count (%zu)", m);
	ok(idx[0] == 0 && idx[m - 1] == N - 1, "lttb keeps first and last");
	for (i = 1; i < m; i++) {
		sorted &= idx[i] > idx[i - 1];
		found |= idx[i] == 380;
	}
	ok(sorted, "lttb indices increase");
	ok(found, "lttb keeps the spike up at 380");
	found = 0;
	for (i = 0; i < m; i++)
		found |= idx[i] == 615;
	ok(found, "lttb keeps the spike down at 615");

	m = chart_lttb(x, y, 10, 500, idx);
	sorted = m == 10;
	for (i = 0; i < m; i++)
		sorted &= idx[i] == i;
	ok(sorted, "lttb is the identity for a short series");
	m = chart_lttb(x, y, 10, 10, idx);
	ok(m == 10 && idx[9] == 9, "lttb with n == m keeps all");
	m = chart_lttb(x, y, 10, 3, idx);
	ok(m == 3 && idx[0] == 0 && idx[2] == 9, "lttb to 3 points");
	m = chart_lttb(x, y, 10, 2, idx);
	ok(m == 2 && idx[0] == 0 && idx[1] == 9, "lttb to 2 points");
	ok(chart_lttb(x, y, 10, 1, idx) == 1 && idx[0] == 0,
	   "lttb to 1 point keeps the first");
	ok(chart_lttb(x, y, 10, 0, idx) == 0, "lttb to 0 points");
	ok(chart_lttb(x, y, 0, 5, idx) == 0, "lttb of nothing");

	/* a flat line with one spike in a bucket of 3: the spike wins */
	for (i = 0; i < 11; i++)
		y[i] = 0;
	y[5] = 1;
	m = chart_lttb(x, y, 11, 5, idx);
	found = 0;
	for (i = 0; i < m; i++)
		found |= idx[i] == 5;
	ok(m == 5 && found, "lttb picks the spike of a small series");
}

/* The ticks for [lo, hi] are exactly want[0..n-1] with the given step. */
static void
check_ticks(double lo, double hi, int target, double want_step,
	    const double *want, int n)
{
	double t[64], step;
	int got = chart_ticks(lo, hi, target, t, 64, &step), i, same;

	same = got == n && fabs(step - want_step) <= want_step * 1e-12;
	for (i = 0; same && i < n; i++)
		same = fabs(t[i] - want[i]) <= want_step * 1e-9;
	ok(same, "ticks of [%g, %g] / %d: %d of step %g", lo, hi, target, n,
	   want_step);
	if (!same) {
		diag("got %d ticks, step %.17g:", got, step);
		for (i = 0; i < got; i++)
			diag("  %.17g", t[i]);
	}
}

static void
test_ticks(void)
{
	static const double a[] = { 0, 0.2, 0.4, 0.6, 0.8, 1 };
	static const double b[] = { 0, 20, 40, 60, 80, 100 };
	static const double c[] = { 20, 40, 60, 80 };
	static const double d[] = { -1, -0.5, 0, 0.5, 1, 1.5, 2 };
	static const double e[] = { 0.0012, 0.0014, 0.0016, 0.0018 };
	static const double f[] = { 1000, 2000, 3000 };
	static const double g[] = { 1e9, 2e9, 3e9, 4e9 };
	static const double h[] = { 0, 0.1, 0.2, 0.3 };
	double t[4], step;

	check_ticks(0, 1, 5, 0.2, a, 6);
	check_ticks(0, 100, 5, 20, b, 6);
	check_ticks(3.7, 97, 5, 20, c, 4);
	check_ticks(-1.2, 2.3, 8, 0.5, d, 7);
	check_ticks(0.00111, 0.00189, 4, 0.0002, e, 4);
	check_ticks(1, 3617, 4, 1000, f, 3);
	check_ticks(1e9, 4.2e9, 4, 1e9, g, 4);
	check_ticks(0, 0.3, 3, 0.1, h, 4);
	ok(chart_ticks(1, 1, 5, t, 4, &step) == 0, "no ticks for lo == hi");
	ok(chart_ticks(0, 1e-321, 5, t, 4, &step) <= 4,
	   "a denormal range ends (step %g)", step);
	ok(chart_ticks(-1.7e308, 1.7e308, 5, t, 4, &step) == 0,
	   "an overflowing range has no ticks");
	ok(chart_ticks(0, 1000, 1000, t, 4, &step) <= 4 && step >= 250,
	   "ticks respect the cap (step %g)", step);
}

static void
check_format(double v, int sig, const char *want)
{
	char buf[48];

	chart_format(v, sig, buf, sizeof(buf));
	is_str(buf, want, "format %.17g with %d digits", v, sig);
}

static void
test_format(void)
{
	check_format(0.1 + 0.2, 4, "0.3");
	check_format(0.30000000000000004, 17, "0.30000000000000004");
	check_format(0.001, 3, "0.001");
	check_format(1e-5, 1, "1e-5");
	check_format(1.5e-7, 3, "1.5e-7");
	check_format(2e9, 2, "2e9");
	check_format(250000, 2, "250000");
	check_format(-0.0, 3, "0");
	check_format(-2.5, 3, "-2.5");
	check_format(12, 6, "12");
	check_format(0.023456789, 4, "0.02346");
	check_format(999999.6, 6, "1e6");
	check_format(NAN, 3, "NaN");
	check_format(-INFINITY, 3, "-Inf");
	check_format(0.15, 1, "0.1");	/* 0.1499999...: printf's digit */
	check_format(2.675, 3, "2.67");
	check_format(9.9996, 4, "10");
}

/*
 * chart_format as printf gives it, for fixed notation: "%.*e" for the
 * exponent after rounding, then "%.*f", trailing zeros dropped. "" when
 * the value needs the exponent form.
 */
static void
format_ref(double v, int sig, char *buf, size_t n)
{
	char tmp[64], *e, *dot, *q;
	int ex;

	snprintf(tmp, sizeof(tmp), "%.*e", sig - 1, v);
	e = strchr(tmp, 'e');
	ex = atoi(e + 1);
	buf[0] = '\0';
	if (ex < -4 || ex >= 6)
		return;
	snprintf(tmp, sizeof(tmp), "%.*f", sig - 1 - ex > 0 ? sig - 1 - ex :
		 0, v);
	dot = strchr(tmp, '.');
	if (dot) {
		q = tmp + strlen(tmp);
		while (q > dot + 1 && q[-1] == '0')
			q--;
		*(q == dot + 1 ? dot : q) = '\0';
	}
	snprintf(buf, n, "%s", strcmp(tmp, "-0") ? tmp : "0");
}

/* The printf-free path gives printf's digits for many values. */
static void
test_format_fast(void)
{
	unsigned long x = 12345;
	long bad = 0, n = 0, badr = 0;
	char got[64], want[64];

	for (long i = 0; i < 300000; i++) {
		double v, r;
		int sig;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		r = (double)(x >> 11) / 9007199254740992.0;
		sig = 1 + (int)((x >> 3) % 9);
		switch (i % 4) {
		case 0: v = r * pow(10, (int)((x >> 7) % 12) - 5); break;
		case 1: v = floor(r * 100000) / pow(10, (int)(x % 7)); break;
		case 2: v = 1.0 / (1 + floor(r * 1000)) + 0.1; break;
		default: v = -floor(r * 1000000) * 0.001; break;
		}
		format_ref(v, sig, want, sizeof(want));
		if (!want[0])
			continue;
		chart_format(v, sig, got, sizeof(got));
		n++;
		if (strcmp(got, want) && bad++ < 5)
			diag("%.17g with %d digits: %s, printf %s", v, sig,
			     got, want);
		if (chart_round(v, sig) != strtod(want, NULL) && badr++ < 5)
			diag("chart_round(%.17g, %d): %.17g, not %s", v, sig,
			     chart_round(v, sig), want);
	}
	ok(bad == 0 && n > 100000, "%ld of %ld values as printf gives them",
	   n - bad, n);
	ok(badr == 0, "chart_round gives the printed value, as strtod reads "
	   "it (%ld not)", badr);
}

static void
test_escape(void)
{
	struct strbuf sb = STRBUF_INIT;

	chart_escape(&sb, "<a href=\"x\">&'</a>");
	is_str(sb_str(&sb), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;",
	       "escape & < > \" '");
	sb_reset(&sb);
	chart_escape(&sb, "caf\xc3\xa9 \x01x \xff\xc3");
	is_str(sb_str(&sb), "caf\xc3\xa9  x \xef\xbf\xbd\xef\xbf\xbd",
	       "escape keeps UTF-8, replaces control bytes and bad UTF-8");
	sb_reset(&sb);
	chart_escape(&sb, NULL);
	is_str(sb_str(&sb), "", "escape NULL");
	sb_release(&sb);
}

static void
test_hostile(void)
{
	static const double x[] = { 1, 2, 3 }, y[] = { 0.5, 0.25, 0.125 };
	struct chart_series s = {
		"<script>alert(1)</script> & \"quotes\" 'x'",
		"s1\"><script>", x, y, 3
	};
	struct chart c = {
		"loss\"><script>", "<script>alert(1)</script> & \"quotes\"",
		"<b>epoch</b>", "a'b", 0, 0, 0, &s, 1, 0, NULL, 0, NULL, 0
	};
	struct strbuf sb = STRBUF_INIT;

	ok(chart_svg(&sb, &c) == 0, "hostile chart renders");
	ok(strstr(sb.buf, "<svg") == sb.buf && sb.buf[sb.len - 1] == '>',
	   "one svg element");
	ok(!strstr(sb.buf, "<script"), "no raw <script in the svg");
	ok(!strstr(sb.buf, "<b>"), "no raw <b> in the svg");
	ok(!!strstr(sb.buf, "<title id='loss---script--t'>&lt;script&gt;"
		  "alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</title>"),
	   "escaped title with the sanitised id");
	ok(strstr(sb.buf, "aria-labelledby='loss---script--t'") != NULL,
	   "aria-labelledby names the title");
	ok(strstr(sb.buf, "role='img'") && !strstr(sb.buf, "-t' width=") &&
	   strstr(sb.buf, "font-size='12'") &&
	   !strstr(sb.buf, "<svg xmlns='http://www.w3.org/2000/svg' class='"
		   "chart lines' role='img' aria-labelledby='loss---script--t'"
		   " viewBox"), "role, the width style.css's, text in px: no "
	   "viewBox on the chart");
	ok(well_formed(sb.buf), "hostile chart is well-formed XML");
	sb_reset(&sb);
	ok(chart_table(&sb, &c) == 0, "hostile table renders");
	ok(!strstr(sb.buf, "<script") && !strstr(sb.buf, "<b>"),
	   "no raw markup in the table");
	ok(well_formed(sb.buf), "table is well-formed");
	ok(count(sb.buf, "<tr>") == 4, "table: header and 3 rows");
	sb_release(&sb);
}

/* A typical loss chart: train and val, with a gap in val. */
static void
test_small(void)
{
	double x[20], tr[20], va[20];
	struct chart_series s[2] = {
		{ "train", "s1", x, tr, 20 },
		{ "val", "s2", x, va, 20 },
	};
	struct chart c = { "loss", "Loss", "epoch", "loss", 0, 0, 0, s, 2, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 20; i++) {
		x[i] = i + 1;
		tr[i] = 2.0 / (i + 1);
		va[i] = 2.2 / (i + 1);
	}
	va[7] = NAN;
	ok(chart_svg(&sb, &c) == 0, "small chart renders");
	ok(well_formed(sb.buf), "small chart is well-formed XML");
	ok(count(sb.buf, "<path class='line' vector-effect="
		 "'non-scaling-stroke' d='M") == 2 &&
	   strstr(sb.buf, "overflow='visible' fill='none' stroke="
		  "'currentColor' stroke-width='2' stroke-linejoin='round'"),
	   "one path per series, the stroke set once on the plot");
	ok(count(sb.buf, "vector-effect='non-scaling-stroke'") == 3 &&
	   count(sb.buf, "<path class='grid' stroke-width='1' "
		 "vector-effect='non-scaling-stroke' d='M0 ") == 1 &&
	   strstr(sb.buf, "<svg class='plot' height='") &&
	   strstr(sb.buf, "preserveAspectRatio='none'"),
	   "the lines stretch to the plot, their stroke does not");
	ok(count(sb.buf, "<g class='s2' data-name='val' data-y='") == 1 &&
	   strstr(strstr(sb.buf, "<g class='s2'"), "M") != NULL,
	   "series drawn in its class, with its values");
	ok(strstr(sb.buf, " data-x='1..20'") &&
	   strstr(sb.buf, " data-x='1 2 3 4 5 6 7 9 10 11 12 13 14 15 16 17 "
		  "18 19 20'") && count(sb.buf, "data-x=") == 2,
	   "series of different x (a gap in val) carry their own");
	ok(strstr(sb.buf, "data-y='2.2 1.1 .7333 .55 .44 .3667 .3143 "
		  "~.2444 ") != NULL,
	   "data-y: 4 digits (no 0 before the point), ~ after the gap");
	ok(strstr(sb.buf, " data-f='1 20 0 3 0'") != NULL,
	   "data-f: the plot's range");
	{
		const char *d = strstr(sb.buf, "<g class='s2' data-");
		const char *end = strstr(d, "'/>");
		int moves = 0;

		for (d = strstr(d, "d='"); d < end; d++)
			moves += *d == 'M';
		ok(moves == 2, "a NaN starts a new subpath (%d)", moves);
	}
	ok(strstr(sb.buf, "<title>epoch 1\ntrain: 2\nval: 2.2</title>") &&
	   strstr(sb.buf, "<title>epoch 8\ntrain: 0.25</title>"),
	   "hover column title: x, then each series that has a value");
	ok(count(sb.buf, "<rect x='") == 20, "a hover column an x (%zu)",
	   count(sb.buf, "<rect x='"));
	ok(strstr(sb.buf, "<rect x='0%' width='") &&
	   strstr(sb.buf, "%'><title>epoch 20"),
	   "the columns span the plot, the last x in");
	ok(!strstr(sb.buf, "class='mark'"), "no mark unless asked");
	ok(strstr(sb.buf, ">epoch</text>") && strstr(sb.buf, ">loss</text>"),
	   "axis labels");
	ok(strstr(sb.buf, ">train</text>") && strstr(sb.buf, ">val</text>"),
	   "legend");
	ok(!strstr(sb.buf, "0000000"), "no long float noise");
	ok(!strstr(sb.buf, "fill='#") && !strstr(sb.buf, "stroke='#"),
	   "no hard-coded colours");
	sb_reset(&sb);
	c.mark = "best <epoch> 20";
	c.mark_x = 20;
	ok(chart_svg(&sb, &c) == 0 && well_formed(sb.buf), "marked chart");
	ok(strstr(sb.buf, "<g class='mark'><line x1='100%' x2='100%' y2='") &&
	   strstr(sb.buf, "' y1='-14'/>") &&
	   strstr(sb.buf, "text-anchor='end' y='-4'>best &lt;epoch&gt; 20<"),
	   "the mark: a rule at the last x, its label escaped, to its left");
	ok(strstr(sb.buf, "<circle class='s1' cx='100%'") &&
	   strstr(sb.buf, "<circle class='s2' cx='100%'"),
	   "a ring on each series at the mark");
	sb_reset(&sb);
	c.mark_x = 8;
	ok(chart_svg(&sb, &c) == 0 && count(sb.buf, "<circle") == 1,
	   "no ring where a series has no point (val's gap at 8)");
	sb_reset(&sb);
	c.mark_x = 99;
	ok(chart_svg(&sb, &c) == 0 && !strstr(sb.buf, "class='mark'"),
	   "a mark out of the range is left out");
	c.mark = NULL;
	sb_reset(&sb);
	c.hover = -1;
	ok(chart_svg(&sb, &c) == 0 && !strstr(sb.buf, "data-") &&
	   !strstr(sb.buf, "<title>epoch"),
	   "hover < 0: no hover columns, no data");
	c.hover = 0;
	sb_reset(&sb);
	c.log_y = 1;
	ok(chart_svg(&sb, &c) == 0 && well_formed(sb.buf), "log chart");
	ok(strstr(sb.buf, ">0.1</text>") && strstr(sb.buf, ">1</text>") &&
	   strstr(sb.buf, ">10</text>"), "log ticks at powers of ten");
	ok(strstr(sb.buf, "minor") != NULL, "log minor ticks");
	sb_reset(&sb);
	ok(chart_table(&sb, &c) == 0 && well_formed(sb.buf), "table");
	ok(count(sb.buf, "<tr>") == 21, "table: header and 20 rows");
	ok(count(sb.buf, "<td></td>") == 1, "table: empty cell at the gap");
	sb_release(&sb);
}

/* c renders as well-formed SVG holding expect, and as a table. */
static void
render_ok(const struct chart *c, const char *what, const char *expect)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = chart_svg(&sb, c);

	ok(rc == 0 && well_formed(sb.buf), "%s: well-formed svg", what);
	if (expect && !ok(strstr(sb_str(&sb), expect) != NULL,
			  "%s: has '%s'", what, expect))
		diag("%s", sb_str(&sb));
	ok(!strstr(sb_str(&sb), "nan") && !strstr(sb_str(&sb), "inf"),
	   "%s: no nan or inf in the svg", what);
	sb_reset(&sb);
	rc = chart_table(&sb, c);
	ok(rc == 0 && well_formed(sb.buf), "%s: well-formed table", what);
	sb_release(&sb);
}

static void
test_edges(void)
{
	double x[4] = { 1, 2, 3, 4 }, y[4] = { 0, 1e-3, 0, 10 };
	double big[4] = { -1.7e308, 1e308, 1.7e308, 0 };
	double tiny[4] = { 1e-310, 2e-310, 3e-310, 4e-310 };
	double same[4] = { 0.25, 0.25, 0.25, 0.25 };
	double bad[4] = { NAN, INFINITY, -INFINITY, NAN };
	double neg[4] = { -1, -2, 0, -3 };
	double xs[4] = { 1e12, 1e12, 1e12, 1e12 };
	struct chart_series s = { "v", "s1", x, y, 4 };
	struct chart c = { "e", "Edge", "x", "y", 1, 0, 0, &s, 1, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	int q;

	render_ok(&c, "log scale with zeros", "2 values &lt;= 0 not shown");
	s.y = neg;
	render_ok(&c, "log scale, no positive value",
		  "no values &gt; 0 to show on a log scale");
	c.log_y = 0;
	render_ok(&c, "negative values", "-3");
	s.y = same;
	render_ok(&c, "all values equal", "0.25");
	s.y = big;
	render_ok(&c, "huge magnitudes", "e308");
	s.y = tiny;
	render_ok(&c, "tiny magnitudes", "e-310");
	s.y = bad;
	render_ok(&c, "only NaN and Inf", ">no data<");
	s.n = 0;
	render_ok(&c, "empty series", ">no data<");
	s.n = 1;
	s.y = same;
	render_ok(&c, "a single point", "h0");
	s.n = 4;
	s.x = xs;
	render_ok(&c, "all x equal", "1e12");
	s.x = x;
	s.y = same;
	sb_reset(&sb);
	chart_svg(&sb, &c);
	ok(strstr(sb.buf, ">1</text>") && strstr(sb.buf, ">4</text>") &&
	   !strstr(sb.buf, ">1.5</text>") && !strstr(sb.buf, ">0.5</text>"),
	   "epochs 1..4: whole ticks only");
	sb_reset(&sb);
	s.x = bad;
	render_ok(&c, "x all NaN", ">no data<");
	c.nseries = 0;
	render_ok(&c, "no series", ">no data<");
	c.width = -5;
	c.height = NAN;
	render_ok(&c, "bad size", "style='height:240px;");
	c.title = NULL;
	c.xlabel = NULL;
	c.ylabel = NULL;
	c.id = NULL;
	render_ok(&c, "no strings", "aria-labelledby='chart-t'");

	q = error_set_quiet(1);
	ok(chart_svg(&sb, NULL) == -1 && sb.len == 0, "NULL chart fails");
	s.x = NULL;
	c.nseries = 1;
	ok(chart_svg(&sb, &c) == -1 && sb.len == 0, "NULL x fails");
	ok(chart_table(&sb, &c) == -1 && sb.len == 0, "NULL x fails (table)");
	error_set_quiet(q);
	sb_release(&sb);
}

/* Log labels: written out within 0.001..1000, else 1eN throughout. */
static void
test_log_labels(void)
{
	double x[3] = { 1, 2, 3 }, y[3] = { 2e-6, 3e-4, 8e-4 };
	double y2[3] = { 0.002, 0.5, 40 };
	struct chart_series s = { "lr", "s1", x, y, 3 };
	struct chart c = { "lr", "LR", "epoch", "lr", 1, 0, 0, &s, 1, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;

	chart_svg(&sb, &c);
	ok(strstr(sb.buf, ">1e-6</text>") && strstr(sb.buf, ">1e-3</text>") &&
	   !strstr(sb.buf, ">0.001</text>"), "log labels 1e-6 .. 1e-3");
	ok(strstr(sb.buf, "<title>epoch 1\nlr: 2e-6</title>") &&
	   strstr(sb.buf, "data-y='2e-6 .0003 .0008'") &&
	   strstr(sb.buf, " data-f='1 3 -6 -3 1'"),
	   "log hover value is the value, not its log; data-f in log10");
	sb_reset(&sb);
	s.y = y2;
	chart_svg(&sb, &c);
	ok(strstr(sb.buf, ">0.001</text>") && strstr(sb.buf, ">100</text>") &&
	   !strstr(sb.buf, ">1e"), "log labels 0.001 .. 100");
	sb_release(&sb);
}

/* Series with different x: one row per x, empty cells elsewhere. */
static void
test_table_merge(void)
{
	double xa[3] = { 1, 2, 3 }, ya[3] = { 10, 20, 30 };
	double xb[2] = { 2, 4 }, yb[2] = { 0.5, 0.25 };
	struct chart_series s[2] = {
		{ "a", "s1", xa, ya, 3 }, { "b & c", "s2", xb, yb, 2 },
	};
	struct chart c = { "m", "T", NULL, "", 0, 0, 0, s, 2, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;

	chart_table(&sb, &c);
	is_str(sb.buf, "<table class='chart-data'><caption>T</caption>"
	       "<thead><tr><th scope='col'>x</th><th scope='col'>a</th>"
	       "<th scope='col'>b &amp; c</th></tr></thead><tbody>"
	       "<tr><th scope='row'>1</th><td>10</td><td></td></tr>"
	       "<tr><th scope='row'>2</th><td>20</td><td>0.5</td></tr>"
	       "<tr><th scope='row'>3</th><td>30</td><td></td></tr>"
	       "<tr><th scope='row'>4</th><td></td><td>0.25</td></tr>"
	       "</tbody></table>", "table merges x across series");
	sb_release(&sb);
}

/* Many series wrap the legend into rows and push the plot down. */
static void
test_legend_wrap(void)
{
	static const double x[2] = { 1, 2 }, y[2] = { 1, 2 };
	struct chart_series s[8];
	struct chart c = { "w", "Wrap", "x", "y", 0, 300, 200, s, 8, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 8; i++) {
		s[i].name = "a metric name";
		s[i].css_class = "s1";
		s[i].x = x;
		s[i].y = y;
		s[i].n = 2;
	}
	chart_svg(&sb, &c);
	ok(well_formed(sb.buf), "8 series in 300 px: well-formed");
	ok(strstr(sb.buf, "padding:95px ") &&
	   strstr(sb.buf, "y='-16'>a metric name</text>"),
	   "legend wraps to a fourth row");
	ok(!strstr(sb.buf, "x='2"), "no legend item past the width");
	sb_release(&sb);
}

static void
test_long(void)
{
	enum { N = 100000 };
	double *x = xmalloc(N * sizeof(double));
	double *y = xmalloc(N * sizeof(double));
	struct chart_series s = { "cpu %", "s3", x, y, N };
	struct chart c = { "cpu", "CPU", "seconds", "%", 0, 0, 0, &s, 1, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < N; i++) {
		x[i] = (double)i * 0.5;
		y[i] = 50 + 40 * sin((double)i / 900) + (double)(i % 7);
	}
	y[N / 3] = 400;
	ok(chart_svg(&sb, &c) == 0, "100000 points render");
	ok(sb.len < 60000, "100000 points: %zu bytes < 60000", sb.len);
	ok(strstr(sb.buf, "<title>seconds 49999.5\ncpu %: ") != NULL,
	   "hover columns reach the last point");
	ok(count(sb.buf, "L") < CHART_MAX_POINTS + 20,
	   "downsampled to %d points", CHART_MAX_POINTS);
	ok(count(sb.buf, "<rect") <= CHART_HOVER_POINTS + 1,
	   "at most %d hover columns", CHART_HOVER_POINTS + 1);
	ok(strstr(sb.buf, ">400</text>") != NULL,
	   "the spike to 400 is kept (the axis reaches it)");
	ok(well_formed(sb.buf), "100000 points: well-formed");
	sb_reset(&sb);
	ok(chart_table(&sb, &c) == 0 &&
	   count(sb.buf, "<tr>") == CHART_MAX_POINTS + 1,
	   "table of the downsampled points");
	/* a NaN every other point: only dots, but bounded */
	for (i = 0; i < N; i += 2)
		y[i] = NAN;
	sb_reset(&sb);
	ok(chart_svg(&sb, &c) == 0 && sb.len < 60000,
	   "alternating gaps: %zu bytes", sb.len);
	sb_release(&sb);
	free(x);
	free(y);
}

/* The number of subpaths (M commands) of the first d='...' after at. */
static int
subpaths(const char *s, const char *at)
{
	const char *d = strstr(s, at), *end;
	int n = 0;

	if (!d || !(d = strstr(d, "d='")) || !(end = strchr(d + 3, '\'')))
		return -1;
	for (; d < end; d++)
		n += *d == 'M';
	return n;
}

/*
 * A line chart's compact markup: its path as steps from the point before
 * (rounded once, so they add up to the rounded points), its <desc>, the
 * epochs as A..B, and a chart that takes its values from another.
 */
static void
test_compact(void)
{
	double x[5] = { 1, 2, 3, 4, 5 }, y[5] = { 1, 2, 3, 4, 5 };
	double want[5] = { 154, 115.5, 77, 38.5, 0 }, px = 0, py = 0;
	struct chart_series s = { "a", "s1", x, y, 5 };
	struct chart c = { "t", "T", "x", "y", 0, 0, 0, &s, 1, 0, NULL, 0,
			   NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	const char *d;
	char *end;
	int i, good = 1;

	ok(chart_svg(&sb, &c) == 0 && well_formed(sb.buf), "compact chart");
	d = strstr(sb.buf, "<path class='line' vector-effect="
		   "'non-scaling-stroke' d='M");
	ok(d && strstr(d, "l250"), "the path: M, then l and its steps");
	d = d ? strstr(d, "d='M") + 4 : "";
	for (i = 0; i < 5 && *d && *d != '\''; i++) {
		if (*d == 'l')
			d++;
		px += strtod(d, &end);
		d = end;
		py += strtod(d, &end);
		d = end;
		good &= fabs(px - 250 * i) < 1e-9 && fabs(py - want[i]) < 0.051;
	}
	ok(good && i == 5 && *d == '\'', "the steps add up to the points");
	ok(strstr(sb.buf, " aria-describedby='t-d'") &&
	   strstr(sb.buf, "<desc id='t-d'>a: 1 at x 1 to 5 at x 5, lowest 1, "
		  "highest 5.</desc>"),
	   "a <desc> says where each series starts, ends, its range");
	ok(strstr(sb.buf, " data-x='1..5'") != NULL, "data-x as a range");
	sb_reset(&sb);
	c.x_max = 10;
	ok(chart_svg(&sb, &c) == 0 && strstr(sb.buf, " data-f='1 10 ") &&
	   strstr(sb.buf, "d='M0 154l111-38.5 111-38.5 111-38.5 111-38.5'"),
	   "x_max: the axis reaches it (a live job's last epoch)");
	c.x_max = 0;
	sb_reset(&sb);
	c.data_from = "lo ss";
	ok(chart_svg(&sb, &c) == 0 && well_formed(sb.buf) &&
	   strstr(sb.buf, " data-from='lo-ss'") &&
	   strstr(sb.buf, "<g class='s1' data-name='a'>") &&
	   !strstr(sb.buf, "data-y=") && !strstr(sb.buf, "data-x="),
	   "data_from: the values are the other chart's");
	sb_release(&sb);
}

/* A forecast: truth and prediction, with the band of its quantiles. */
static void
test_band(void)
{
	enum { N = 40 };
	double x[N], t[N], p[N], lo[N], hi[N];
	struct chart_series s[2] = {
		{ "truth", "s1", x, t, N }, { "prediction", "s2", x, p, N },
	};
	struct chart_band b = { "0.1-0.9 <band>", "s2", x, lo, hi, N };
	struct chart c = { "fc", "Forecast", "row", "value", 0, 0, 0, s, 2,
			   -1, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT, plain = STRBUF_INIT;
	size_t i;

	for (i = 0; i < N; i++) {
		x[i] = 1000 + (double)i;
		t[i] = sin((double)i / 3);
		p[i] = t[i] + 0.1;
		lo[i] = p[i] - 0.5;
		hi[i] = p[i] + 0.5;
	}
	hi[5] = 9;		/* the band reaches past every series */
	lo[20] = NAN;		/* a gap in the band, not in the lines */
	ok(chart_svg_band(&sb, &c, &b) == 0 && well_formed(sb.buf),
	   "a band chart renders, well-formed");
	ok(count(sb.buf, "<path class='band'") == 1, "one band path");
	ok(subpaths(sb.buf, "<path class='band'") == 2,
	   "a gap splits the band in two areas");
	ok(count(sb.buf, "Z") == 2, "each area closed");
	ok(strstr(sb.buf, "<path class='band'") <
	   strstr(sb.buf, "<g class='s1'><path"),
	   "the band is under the lines");
	ok(strstr(sb.buf, ">0.1-0.9 &lt;band&gt;</text>") != NULL &&
	   strstr(sb.buf, "<rect class='band'") != NULL,
	   "the band has its legend entry, escaped");
	ok(strstr(sb.buf, ">9</text>") || strstr(sb.buf, ">10</text>"),
	   "the y axis reaches the band's top");
	ok(subpaths(sb.buf, "<g class='s2'><path class='line' ") == 1,
	   "the prediction's line has no gap");
	sb_reset(&sb);
	ok(chart_svg(&plain, &c) == 0 && chart_svg_band(&sb, &c, NULL) == 0 &&
	   strcmp(plain.buf, sb.buf) == 0 && !strstr(sb.buf, "band"),
	   "no band: chart_svg's bytes");
	sb_reset(&sb);
	b.lo = NULL;
	ok(chart_svg_band(&sb, &c, &b) == -1 && sb.len == 0,
	   "a band without lo values is an error, nothing written");
	error_clear();
	b.lo = lo;
	for (i = 0; i < N; i++)
		lo[i] = hi[i] = NAN;
	ok(chart_svg_band(&sb, &c, &b) == 0 && well_formed(sb.buf) &&
	   !strstr(sb.buf, "<path class='band'"),
	   "a band of no finite values draws nothing");
	/* only a band: still a chart */
	c.nseries = 0;
	for (i = 0; i < N; i++) {
		lo[i] = -1;
		hi[i] = 1e308;	/* huge: clamped, no inf in the svg */
	}
	sb_reset(&sb);
	ok(chart_svg_band(&sb, &c, &b) == 0 && well_formed(sb.buf) &&
	   !strstr(sb.buf, "inf") && !strstr(sb.buf, "nan"),
	   "a band alone of huge values renders");
	sb_release(&sb);
	sb_release(&plain);
}

/* Predicted against true: dots, the diagonal, one scale. */
static void
test_scatter(void)
{
	enum { N = 3000 };
	double *x = xmalloc(N * sizeof(double));
	double *y = xmalloc(N * sizeof(double));
	struct chart_series s = { "<b>price</b>", "s1\"'", x, y, N };
	struct chart c = { "sc<", "Predicted <against> true", "true",
			   "predicted", 0, 0, 0, &s, 1, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	const char *d;
	size_t i;
	int dots;

	for (i = 0; i < N; i++) {
		x[i] = 100 + (double)(i * 7919 % N) / 10;
		y[i] = x[i] + 5 * sin((double)i);
	}
	y[17] = 5000;		/* an outlier: kept */
	x[18] = NAN;		/* not drawn */
	y[19] = INFINITY;
	x[20] = 1e308;
	ok(chart_scatter_svg(&sb, &c) == 0 && well_formed(sb.buf),
	   "a scatter of %d points renders, well-formed", N);
	dots = count(sb.buf, "h0");
	ok(dots > 100 && dots <= CHART_MAX_DOTS,
	   "%d dots, at most %d", dots, CHART_MAX_DOTS);
	ok(sb.len < 12000, "%zu bytes", sb.len);
	ok(strstr(sb.buf, "<path class='diag'") != NULL &&
	   strstr(sb.buf, ">dashed: y = x</text>") != NULL, "the diagonal");
	ok(!strstr(sb.buf, "class='legend'"), "one series: no legend");
	ok(strstr(sb.buf, ">5000</text>") != NULL,
	   "the outlier is kept: the axes reach it");
	ok(!strstr(sb.buf, "nan") && !strstr(sb.buf, "inf") &&
	   !strstr(sb.buf, "e+") && !strstr(sb.buf, "1e308"),
	   "no NaN, infinity nor huge value drawn");
	ok(!strstr(sb.buf, "<b>") && !strstr(sb.buf, "<against>") &&
	   strstr(sb.buf, "Predicted &lt;against&gt; true") &&
	   strstr(sb.buf, "class='s1&quot;&#39;'"),
	   "title and class escaped");
	sb_reset(&sb);
	{
		struct chart_series two[2] = { s, s };
		struct chart c2 = c;

		c2.series = two;
		c2.nseries = 2;
		ok(chart_scatter_svg(&sb, &c2) == 0 && well_formed(sb.buf) &&
		   strstr(sb.buf, "class='legend'") &&
		   strstr(sb.buf, ">&lt;b&gt;price&lt;/b&gt;</text>") &&
		   !strstr(sb.buf, "<b>"),
		   "two series: a legend, its names escaped");
	}
	ok(strstr(sb.buf, "aria-labelledby='sc--t'") != NULL, "labelled");
	/* the plot area is square: the diagonal goes corner to corner */
	d = strstr(sb.buf, "<path class='diag'");
	if (d && (d = strstr(d, "d='M"))) {
		double x0, y0, x1, y1;

		if (sscanf(d, "d='M%lf %lfL%lf %lf", &x0, &y0, &x1, &y1) == 4)
			is_near(x1 - x0, y0 - y1, 0.15,
				"the diagonal is at 45 degrees");
		else
			ok(0, "the diagonal's path reads");
	}
	sb_reset(&sb);
	for (i = 0; i < N; i++)
		x[i] = NAN;
	ok(chart_scatter_svg(&sb, &c) == 0 && well_formed(sb.buf) &&
	   strstr(sb.buf, ">no data</text>"), "nothing finite: no data");
	sb_reset(&sb);
	s.n = 1;
	x[0] = y[0] = 3;
	ok(chart_scatter_svg(&sb, &c) == 0 && well_formed(sb.buf) &&
	   count(sb.buf, "h0") == 1, "a single point");
	sb_reset(&sb);
	s.x = NULL;
	ok(chart_scatter_svg(&sb, &c) == -1 && sb.len == 0,
	   "a series without x is an error");
	error_clear();
	sb_release(&sb);
	free(x);
	free(y);
}

/* The text alternative of a chart of many points: bins of x. */
static void
test_binned(void)
{
	enum { N = 100 };
	double x[N], y[N], lo[N], hi[N];
	struct chart_series s = { "pred<", "s1", x, y, N };
	struct chart_band b = { "band&", "s2", x, lo, hi, N };
	struct chart c = { "t", "Title <x>", "true", "predicted", 0, 0, 0,
			   &s, 1, 0, NULL, 0, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < N; i++) {
		x[i] = (double)(N - 1 - i);	/* not in order */
		y[i] = 2 * x[i];
		lo[i] = x[i] - 1;
		hi[i] = x[i] + 1;
	}
	ok(chart_table_binned(&sb, &c, &b, 10, 1) == 0 && well_formed(sb.buf),
	   "a binned table, well-formed");
	ok(count(sb.buf, "<tr>") == 11, "a header and 10 bins");
	ok(strstr(sb.buf, "<caption>Title &lt;x&gt;</caption>") &&
	   strstr(sb.buf, "<th scope='col'>mean pred&lt;</th>") &&
	   strstr(sb.buf, "<th scope='col'>mean band&amp; (high)</th>"),
	   "caption and headers escaped");
	ok(strstr(sb.buf, "<tr><th scope='row'>0 \xe2\x80\x93 9</th>"
		  "<td>10</td><td>4.5</td><td>9</td><td>3.5</td><td>5.5</td>"
		  "</tr>") != NULL,
	   "a bin: its range, points, mean x, mean y, mean band");
	ok(strstr(sb.buf, "<th scope='row'>90 \xe2\x80\x93 99</th>") != NULL,
	   "the last bin ends at the last x");
	sb_reset(&sb);
	/* every x the same: one bin; more bins than points; NaN left out */
	for (i = 0; i < N; i++)
		x[i] = 7;
	y[3] = NAN;
	ok(chart_table_binned(&sb, &c, NULL, 10, 0) == 0 &&
	   count(sb.buf, "<tr>") == 2 &&
	   strstr(sb.buf, "<th scope='row'>7</th><td>99</td>"),
	   "one x: one bin of the 99 finite points");
	sb_reset(&sb);
	s.n = 3;
	x[0] = 1; x[1] = 2; x[2] = 3; y[0] = y[1] = y[2] = 1;
	ok(chart_table_binned(&sb, &c, NULL, 10, 0) == 0 &&
	   count(sb.buf, "<tr>") == 4, "3 points, 10 bins: 3 rows");
	sb_reset(&sb);
	s.n = 0;
	ok(chart_table_binned(&sb, &c, &b, 10, 0) == 0 && well_formed(sb.buf) &&
	   strstr(sb.buf, ">no data</td>"), "no points: says so");
	sb_reset(&sb);
	/* huge and tiny values: formatted, never inf */
	s.n = 2;
	x[0] = -1e308; x[1] = 1e308; y[0] = 1e308; y[1] = 1e308;
	ok(chart_table_binned(&sb, &c, NULL, 2, 1) == 0 &&
	   !strstr(sb.buf, "NaN") && !strstr(sb.buf, "Inf") &&
	   strstr(sb.buf, "<td>1e308</td>") && well_formed(sb.buf),
	   "huge values: means without overflow");
	sb_release(&sb);
}

/* The charts of a typical job: 100 epochs, 4 charts, 1 hour of CPU. */
static void
diag_timing(void)
{
	enum { E = 100, S = 3600 };
	static double ep[E], tr[E], va[E], lr[E], acc[E], sec[S], cpu[S];
	struct chart_series loss[2] = {
		{ "train", "s1", ep, tr, E }, { "val", "s2", ep, va, E },
	};
	struct chart_series one[3] = {
		{ "lr", "s3", ep, lr, E }, { "accuracy", "s4", ep, acc, E },
		{ "cpu %", "s5", sec, cpu, S },
	};
	struct chart c[5] = {
		{ "loss", "Loss", "epoch", "loss", 0, 0, 0, loss, 2, 0, NULL, 0, NULL, 0 },
		{ "loss-log", "Loss (log)", "epoch", "loss", 1, 0, 0, loss, 2, 0, NULL, 0, NULL, 0 },
		{ "lr", "Learning rate", "epoch", "lr", 1, 0, 0, &one[0], 1, 0, NULL, 0, NULL, 0 },
		{ "acc", "Accuracy", "epoch", "", 0, 0, 0, &one[1], 1, 0, NULL, 0, NULL, 0 },
		{ "cpu", "CPU", "seconds", "%", 0, 0, 0, &one[2], 1, 0, NULL, 0, NULL, 0 },
	};
	struct strbuf sb = STRBUF_INIT;
	double t0;
	int i, r;

	for (i = 0; i < E; i++) {
		ep[i] = i + 1;
		tr[i] = 1.0 / (i + 1);
		va[i] = 1.1 / (i + 1) + 0.01;
		lr[i] = 1e-3 * pow(0.97, i);
		acc[i] = 1 - 0.5 / (i + 1);
	}
	for (i = 0; i < S; i++) {
		sec[i] = i;
		cpu[i] = 180 + 20 * sin(i / 60.0);
	}
	t0 = time_mono();
	for (r = 0; r < 20; r++) {
		sb_reset(&sb);
		for (i = 0; i < 5; i++) {
			chart_svg(&sb, &c[i]);
			chart_table(&sb, &c[i]);
		}
	}
	diag("a typical job's 5 charts and tables: %.3f ms, %zu bytes",
	     (time_mono() - t0) / 20 * 1e3, sb.len);
	sb_release(&sb);
}

int
main(void)
{
	test_lttb();
	test_ticks();
	test_format();
	test_format_fast();
	test_escape();
	test_hostile();
	test_small();
	test_edges();
	test_log_labels();
	test_table_merge();
	test_legend_wrap();
	test_long();
	test_band();
	test_compact();
	test_scatter();
	test_binned();
	diag_timing();
	return tap_done();
}
