/*
 * view.c - the view model of one job; see view.h.
 *
 * state.json is the source of truth: a job whose state cannot be parsed
 * gets no view. The rest is read when present and left out otherwise:
 * metrics.csv (read with CSVFILE_PARTIAL_TAIL, as the trainer may be
 * appending) becomes the charts and the metric cards, the last
 * VIEW_LOG_LINES lines of log.txt the log panel (each line classed by the
 * PCRE2 patterns of view.h), checkpoints/ the checkpoint table.
 */
#include "render/view.h"
#include "job/artifacts.h"
#include "job/field.h"
#include "job/state.h"
#include "render/chart.h"
#include "render/resultview.h"
#include "lib/csvfile.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/pattern.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON_MAX (16 * 1024 * 1024)	/* config.json, events.jsonl */
#define LOG_TAIL_BYTES (256 * 1024)
#define METRICS_MAX (64 * 1024 * 1024)

/* Label and icon of each status, in enum job_status order. */
static const char *const statuses[JOB_NSTATUS][2] = {
	[JOB_QUEUED] = { "Queued", "\xe2\x97\x8b" },		/* ○ */
	[JOB_RUNNING] = { "Running", "\xe2\x96\xb6" },		/* ▶ */
	[JOB_COMPLETED] = { "Completed", "\xe2\x9c\x93" },	/* ✓ */
	[JOB_FAILED] = { "Failed", "\xe2\x9c\x97" },		/* ✗ */
	[JOB_CANCELLED] = { "Cancelled", "\xe2\x8a\x98" },	/* ⊘ */
	[JOB_PENDING] = { "Pending", "\xc2\xb7" },		/* · */
	[JOB_SKIPPED] = { "Skipped", "\xe2\x80\x93" },		/* – */
};

const char *
view_status_label(const char *status)
{
	int s = job_status_parse(status);

	return s >= 0 ? statuses[s][0] : "Unknown";
}

const char *
view_status_icon(const char *status)
{
	int s = job_status_parse(status);

	return s >= 0 ? statuses[s][1] : "?";
}

void
view_size(double bytes, char *buf, size_t n)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%.0f B", bytes);
	else
		snprintf(buf, n, "%.1f %s", bytes, units[u]);
}

/* "0.00123" with 4 significant digits, or "-" for null/non-finite. */
static json_t *
num_text(const json_t *v)
{
	char buf[32];

	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return json_string("-");
	chart_format(json_number_value(v), 4, buf, sizeof(buf));
	return json_string(buf);
}

/*
 * {iso} for the time member key of state, or null. Pages carry absolute
 * times only, so their bytes do not change with the clock; live.js shows
 * them as "5 min ago" in the browser.
 */
static json_t *
time_view(const json_t *state, const char *key)
{
	const char *iso = json_str(state, key, NULL);

	if (!iso || time_parse_iso8601(iso) < 0)
		return json_null();
	return json_pack("{s:s}", "iso", iso);
}

/*
 * Seconds from started to ended (or to updated while running), never
 * less than the stages' own seconds add up to (the times are to the
 * second, the stages' to the millisecond: a run of 0.3 s is 0.3 s, not
 * 0); -1 when not started.
 */
static double
duration_seconds(const json_t *state)
{
	double s = time_parse_iso8601(json_str(state, "started", ""));
	double e = time_parse_iso8601(json_str(state, "ended", ""));
	double stages = 0;
	const json_t *st;
	size_t i;

	if (e < 0)
		e = time_parse_iso8601(json_str(state, "updated", ""));
	if (s < 0 || e < s)
		return -1;
	json_array_foreach(json_object_get(state, "stages"), i, st) {
		double x = json_dbl(st, "seconds", 0);

		if (x > 0 && x < 1e9)
			stages += x;
	}
	return e - s > stages ? e - s : stages;
}

/* The job's duration text: started to ended (or to updated). */
static json_t *
duration_text(const json_t *state)
{
	double d = duration_seconds(state);
	char buf[32];

	if (d < 0)
		return json_null();
	time_duration(d, buf, sizeof(buf));
	return json_string(buf);
}

/*
 * The stages of the current attempt. A queued job's next run has not
 * begun, so its stages are all pending whatever the state says (a state
 * written before the runner cleared them on a retry still holds the
 * failed stage of the last attempt).
 */
static json_t *
stages_view(const json_t *state)
{
	json_t *rows = json_array(), *st;
	int queued = job_status_of(state) == JOB_QUEUED;
	size_t i;

	json_array_foreach(json_object_get(state, "stages"), i, st) {
		const char *s = queued ? job_status_name(JOB_PENDING) :
				json_str(st, "status",
					 job_status_name(JOB_PENDING));
		double secs = queued ? -1 : json_dbl(st, "seconds", -1);
		char buf[32] = "";
		json_t *row;

		if (secs >= 0)
			time_duration(secs, buf, sizeof(buf));
		row = json_pack("{s:s, s:s, s:s, s:s, s:s}",
				"name", json_str(st, "name", "?"),
				"status", s, "label", view_status_label(s),
				"icon", view_status_icon(s), "duration", buf);
		json_array_append_new(rows, row);
	}
	return rows;
}

json_t *
view_text(const char *s)
{
	return json_text(s);
}

/* Copy a string array member (tags) keeping only strings. */
static json_t *
strings(const json_t *arr)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			json_array_append(out, v);
	return out;
}

/* Column col of m as doubles (empty or bad cells: NaN); caller frees. */
static double *
column(const struct csvfile *m, long col)
{
	double *v = xcalloc(m->nrows ? m->nrows : 1, sizeof(*v));

	for (size_t r = 0; r < m->nrows; r++)
		v[r] = csvfile_number(csvfile_cell(m, r, (size_t)col));
	return v;
}

/*
 * The cells of a column that hold something, with their x: a metric that
 * is printed every few rows (an exec job's val_loss each second epoch)
 * draws as one line, not as points between gaps. An empty cell is a row
 * the metric was not written in; a cell that is there but not a number
 * ("nan") stays a gap.
 */
struct present {
	const double *x;	/* n: the rows' x, or all of them */
	double *y;		/* n values (owned) */
	size_t n;
	double *own_x;		/* x when it is this column's own */
};

static struct present
present_cells(const struct csvfile *m, const double *x, long col)
{
	struct present p = { x, column(m, col), 0, NULL };

	for (size_t r = 0; r < m->nrows; r++) {
		const char *cell = csvfile_cell(m, r, (size_t)col);

		if (!cell || !cell[0])
			continue;
		if (p.n < r && !p.own_x) {
			p.own_x = xcalloc(m->nrows, sizeof(*p.own_x));
			memcpy(p.own_x, x, p.n * sizeof(*x));
			p.x = p.own_x;
		}
		if (p.own_x)
			p.own_x[p.n] = x[r];
		p.y[p.n++] = p.y[r];
	}
	return p;
}

static void
present_release(struct present *p)
{
	free(p->y);
	free(p->own_x);
}

/* How a chart of the job page is drawn: see add_chart. */
struct chart_opts {
	int log_y;
	int hover;		/* hover columns: VIEW_HOVER_POINTS, or
				   CHART_HOVER_DATA */
	int with_csv;		/* a link to its data: files/metrics.csv */
	int system;		/* lr, CPU, memory: smaller, in a group of
				   their own after the training charts */
	double best;		/* the epoch marked "best", or NaN */
	const char *data_from;	/* chart.h's: the chart with its values */
	double x_max;		/* chart.h's: the epochs of a live job */
};

/*
 * One chart into charts: its SVG with at most VIEW_HOVER_POINTS hover
 * columns and the best epoch marked, and when asked "csv", the link to
 * its data (metrics.csv, which the site links into files/: the text
 * alternative of the chart, beside the SVG's <desc>). The values are
 * rounded to 4 significant digits first, which is what the cards and
 * the hover titles show.
 */
static void
add_chart(json_t *charts, const char *id, const char *title,
	  const char *ylabel, const struct chart_series *s, size_t ns,
	  const struct chart_opts *o)
{
	struct chart_series r[4];
	struct chart c = { id, title, "epoch", ylabel, o->log_y, 0,
			   o->system ? VIEW_SYSTEM_H : 0, r, ns,
			   o->hover, NULL, 0, NULL, 0 };
	struct strbuf svg = STRBUF_INIT;
	char mark[48];
	double *y[4] = { NULL };
	json_t *j;

	if (ns > 4)
		ns = c.nseries = 4;
	for (size_t i = 0; i < ns; i++) {
		y[i] = xcalloc(s[i].n ? s[i].n : 1, sizeof(double));
		for (size_t k = 0; k < s[i].n; k++)
			y[i][k] = chart_round(s[i].y[k], 4);
		r[i] = s[i];
		r[i].y = y[i];
	}
	c.data_from = o->data_from;
	c.x_max = o->x_max;
	if (isfinite(o->best)) {
		snprintf(mark, sizeof(mark), "best epoch %.0f", o->best);
		c.mark = mark;
		c.mark_x = o->best;
	}
	if (chart_svg(&svg, &c) == 0) {
		/* chart.h's markup is valid UTF-8: jansson need not check */
		j = json_pack("{s:s, s:s, s:o}", "id", id, "title", title,
			      "svg", json_stringn_nocheck(sb_str(&svg),
							  svg.len));
		if (o->with_csv)
			json_object_set_new(j, "csv", json_string(
				"files/" JOB_METRICS));
		if (o->system)
			json_object_set_new(j, "system", json_true());
		json_array_append_new(charts, j);
	}
	for (size_t i = 0; i < ns; i++)
		free(y[i]);
	sb_release(&svg);
}

/* Is one of charts a system chart? */
static int
has_system(const json_t *charts)
{
	for (size_t i = 0; i < json_array_size(charts); i++)
		if (json_is_true(json_object_get(json_array_get(charts, i),
						 "system")))
			return 1;
	return 0;
}

/*
 * Charts and metric cards from metrics.csv into v: from pre, the file
 * parsed already (ncols 0: none), or read from dir when pre is NULL.
 */
static void
metrics_view(json_t *v, const char *dir, const struct csvfile *pre)
{
	static const char *const known[] = { "epoch", "step", "seconds",
		"lr", "train_loss", "val_loss", "cpu_pct", "rss_mb" };
	char *path = path_join(dir, JOB_METRICS), *buf;
	json_t *charts = json_array(), *cards = json_array();
	json_t *be = json_object_get(v, "best_epoch");
	/* a live job's charts span all its epochs: an epoch more adds to
	   the end of each line, and the rest of the page stays as it was
	   (rsync moves little) */
	double xmax = json_is_true(json_object_get(v, "live")) &&
		      json_is_integer(json_object_get(v, "epochs")) ?
		      (double)json_integer_value(json_object_get(v,
						 "epochs")) : 0;
	struct chart_opts lin = { 0, VIEW_HOVER_POINTS, 1, 0, NAN, NULL, xmax };
	struct chart_opts lg = { 1, CHART_HOVER_DATA, 1, 0, NAN, "loss",
		xmax };
	struct csvfile m = { 0 };
	const struct csvfile *mp = pre ? pre : &m;
	double *x = NULL;
	size_t len;
	long ex;
	int rc, q;

	json_object_set_new(v, "charts", charts);
	json_object_set_new(v, "cards", cards);
	if (pre) {
		free(path);
		rc = pre->ncols ? 0 : -1;
	} else {
		q = error_set_quiet(1);
		buf = file_read_regular(path, &len, METRICS_MAX);
		rc = buf ? csvfile_parse(&m, buf, len, ',', path,
					 CSVFILE_PARTIAL_TAIL) : -1;
		error_set_quiet(q);
		free(buf);
		free(path);
	}
	if (rc < 0)
		return;
	ex = csvfile_find(mp, "epoch");
	if (ex < 0 || mp->nrows == 0)
		goto out;
	x = column(mp, ex);
	/* loss (linear, then log) first: the log chart has the same values,
	   so neither hover points nor values of its own (data_from) */
	{
		long tl = csvfile_find(mp, "train_loss");
		long vl = csvfile_find(mp, "val_loss");
		struct present t = { 0 }, w = { 0 };
		struct chart_series s[2];
		size_t ns = 0;

		if (tl >= 0) {
			t = present_cells(mp, x, tl);
			s[ns++] = (struct chart_series){ "train", "s1", t.x,
							 t.y, t.n };
		}
		if (vl >= 0) {
			w = present_cells(mp, x, vl);
			s[ns++] = (struct chart_series){ "val", "s2", w.x, w.y,
							 w.n };
		}
		if (json_is_integer(be))
			lin.best = lg.best = (double)json_integer_value(be);
		if (ns) {
			add_chart(charts, "loss", "Loss", "loss", s, ns, &lin);
			add_chart(charts, "loss-log", "Loss (log scale)",
				  "loss", s, ns, &lg);
		}
		present_release(&t);
		present_release(&w);
	}
	/* then each validation metric, with its card */
	for (size_t col = 0; col < mp->ncols; col++) {
		const char *name = csvfile_header(mp, col);
		struct present y;
		double best = NAN, last = NAN, best_x = NAN;
		int lower = !strstr(name, "r2") && !strstr(name, "acc") &&
			    !strstr(name, "f1");
		size_t k;
		char lb[32], bb[32];

		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(known[k], name) == 0)
				break;
		/* train_loss and val_loss have cards of their own */
		if (k < sizeof(known) / sizeof(known[0]))
			continue;
		y = present_cells(mp, x, (long)col);
		for (size_t r = 0; r < y.n; r++) {
			double v = y.y[r];

			if (!isfinite(v))
				continue;
			last = v;
			if (isnan(best) || (lower ? v < best : v > best)) {
				best = v;
				best_x = y.x[r];
			}
		}
		/* a column with no values (val_diracc without a window) */
		if (isfinite(last)) {
			struct chart_series s = { name, "s1", y.x, y.y, y.n };
			char *id = xasprintf("m%zu", col);
			/* a validation metric marks its own best epoch */
			struct chart_opts mo = { 0, VIEW_HOVER_POINTS, 1, 0,
				strncmp(name, "val_", 4) == 0 ? best_x : NAN, NULL,
				xmax };

			chart_format(last, 4, lb, sizeof(lb));
			chart_format(best, 4, bb, sizeof(bb));
			json_array_append_new(cards, json_pack(
				"{s:s, s:s, s:s}", "name", name,
				"latest", lb, "best", bb));
			add_chart(charts, id, name, name, &s, 1, &mo);
			free(id);
		}
		present_release(&y);
	}
	/* then learning rate, CPU and memory */
	{
		struct chart_opts so = { 0, VIEW_HOVER_POINTS, 1, 1, NAN, NULL,
			xmax };
		static const char *const extra[][3] = {
			{ "lr", "Learning rate", "lr" },
			{ "cpu_pct", "CPU", "%" },
			{ "rss_mb", "Memory", "MB" },
		};
		for (size_t i = 0; i < 3; i++) {
			long c = csvfile_find(mp, extra[i][0]);
			struct chart_series s;
			struct present y;

			if (c < 0)
				continue;
			y = present_cells(mp, x, c);
			s = (struct chart_series){ extra[i][1], "s1", y.x, y.y,
						   y.n };
			add_chart(charts, extra[i][0], extra[i][1],
				  extra[i][2], &s, 1, &so);
			present_release(&y);
		}
	}
out:
	free(x);
	csvfile_release(&m);
}

/*
 * Is line the one each run of the trainer starts log.txt with, "TIME ==
 * attempt N started ..." (TIME as 2026-11-25T18:52:09Z; docs/formats.md)?
 */
static int
attempt_line(const char *line)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ == attempt ";
	const char *p = line;
	size_t i, digits = 0;

	for (i = 0; form[i]; i++, p++)
		if (form[i] == 'd' ? !(*p >= '0' && *p <= '9') : *p != form[i])
			return 0;
	while (*p >= '0' && *p <= '9' && digits < 10) {
		p++;
		digits++;
	}
	return digits > 0 && strncmp(p, " started", 8) == 0;
}

/*
 * The last VIEW_LOG_LINES lines of log.txt as the markup of the log panel
 * (*cut set when the log has more: the page links the whole log.txt)
 * (one string: 500 lines as JSON objects cost more than the rest of a
 * page): each line escaped as text (chart_escape_text: & < > only,
 * invalid UTF-8 shows as U+FFFD)
 * and ended by a newline, a line that matches o's error or warning
 * pattern inside <span class='ln error'> or <span class='ln warning'>
 * (single quotes, as in the charts: no escape in data.json), and the
 * line that starts an attempt inside <span class='ln attempt'>.
 */
static json_t *
log_view(const char *dir, const struct view_opts *o, int *cut)
{
	char *path = path_join(dir, JOB_LOG);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		      O_CLOEXEC);
	FILE *fp = NULL;
	struct stat st;
	struct strbuf html = STRBUF_INIT;
	json_t *out;
	const struct pattern *pe, *pw;
	char *buf, *p, *start;
	long size, from;
	size_t n, nl = 0;

	free(path);
	*cut = 0;
	/* only a regular file: not a link to one outside the spool */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		fp = fdopen(fd, "rb");
	if (!fp) {
		if (fd >= 0)
			close(fd);
		return json_string("");
	}
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	if (size < 0)
		size = 0;
	from = size > LOG_TAIL_BYTES ? size - LOG_TAIL_BYTES : 0;
	fseek(fp, from, SEEK_SET);
	/* what it held then: a running job's log may grow meanwhile */
	buf = xmalloc((size_t)(size - from) + 1);
	n = fread(buf, 1, (size_t)(size - from), fp);
	fclose(fp);
	buf[n] = '\0';
	start = buf;
	if (from > 0 && (p = memchr(buf, '\n', n)))
		start = p + 1;	/* the first line may be cut */
	/* Walk back VIEW_LOG_LINES line ends from the end. */
	for (p = buf + n; p > start; p--)
		if (p[-1] == '\n' && p != buf + n && ++nl == VIEW_LOG_LINES)
			break;
	*cut = from > 0 || p > start;
	start = p;
	pe = o ? o->error_re : NULL;
	pw = o ? o->warning_re : NULL;
	while (*start) {
		char *end = strchr(start, '\n');
		const char *cls = NULL;

		if (end)
			*end = '\0';
		if (attempt_line(start))
			cls = "attempt";
		else if (pe && pattern_match(pe, start))
			cls = "error";
		else if (pw && pattern_match(pw, start))
			cls = "warning";
		if (cls) {
			sb_adds(&html, "<span class='ln ");
			sb_adds(&html, cls);
			sb_adds(&html, "'>");
		}
		chart_escape_text(&html, start);
		sb_adds(&html, cls ? "</span>\n" : "\n");
		if (!end)
			break;
		start = end + 1;
	}
	free(buf);
	out = json_stringn_nocheck(sb_str(&html), html.len);
	sb_release(&html);
	return out;
}

/* An event's other members as "key value, key value"; caller frees. */
static char *
event_text(const json_t *e)
{
	struct strbuf sb = STRBUF_INIT;
	const char *key;
	json_t *x;

	json_object_foreach((json_t *)e, key, x) {
		char num[32], *s;

		if (!strcmp(key, "time") || !strcmp(key, "event"))
			continue;
		sb_addf(&sb, "%s%s ", sb.len ? ", " : "", key);
		if (json_is_string(x)) {
			sb_adds(&sb, json_string_value(x));
		} else if (json_is_number(x)) {
			chart_format(json_number_value(x), 4, num,
				     sizeof(num));
			sb_adds(&sb, num);
		} else {
			s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
			sb_adds(&sb, s ? s : "");
			free(s);
		}
	}
	return sb.len ? sb_detach(&sb, NULL) : xstrdup("");
}

/* The last VIEW_EVENTS events of events.jsonl as {time, event, text}. */
static json_t *
events_view(const char *dir)
{
	char *path = path_join(dir, JOB_EVENTS), *buf, *line, *end;
	json_t *all = json_array(), *out;
	size_t n, first;
	int q;

	q = error_set_quiet(1);
	buf = file_read_regular(path, &n, JSON_MAX);
	error_set_quiet(q);
	free(path);
	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		char err[64], *text;
		json_t *e;

		end = strchr(line, '\n');
		if (!end)
			break;	/* a line still being appended */
		e = json_load_buf(JOB_EVENTS, line, (size_t)(end - line),
				  err, sizeof(err));
		if (!json_is_object(e)) {
			json_decref(e);
			continue;
		}
		text = event_text(e);
		json_array_append_new(all, json_pack("{s:s, s:s, s:s}",
			"time", json_str(e, "time", ""),
			"event", json_str(e, "event", "?"), "text", text));
		free(text);
		json_decref(e);
	}
	free(buf);
	n = json_array_size(all);
	first = n > VIEW_EVENTS ? n - VIEW_EVENTS : 0;
	out = json_array();
	for (size_t i = first; i < n; i++)
		json_array_append(out, json_array_get(all, i));
	json_decref(all);
	return out;
}

/*
 * Checkpoints listed in state.json whose files exist: regular files in a
 * checkpoints/ that is a folder, not a link to one elsewhere (the site
 * links exactly these rows' files).
 */
static json_t *
checkpoints_view(const json_t *state, const char *dir)
{
	json_t *rows = json_array(), *c;
	char *ck = path_join(dir, JOB_CHECKPOINTS);
	struct stat dst;
	size_t i;
	int real = lstat(ck, &dst) == 0 && S_ISDIR(dst.st_mode);

	free(ck);
	if (!real)
		return rows;
	json_array_foreach(json_object_get(state, "checkpoints"), i, c) {
		const char *file = json_str(c, "file", "");
		char *path, sz[32];
		struct stat st;
		json_t *vl;

		if (!name_is_safe(file))
			continue;
		path = xasprintf("%s/" JOB_CHECKPOINTS "/%s", dir, file);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			char *href = xasprintf("files/" JOB_CHECKPOINTS "/%s", file);

			view_size((double)st.st_size, sz, sizeof(sz));
			vl = json_object_get(c, "val_loss");
			json_array_append_new(rows, json_pack(
				"{s:s, s:I, s:s, s:o, s:s}", "file", file,
				"epoch", json_int(c, "epoch", 0),
				"size", sz, "val_loss", num_text(vl),
				"href", href));
			free(href);
		}
		free(path);
	}
	return rows;
}

/* A row of the downloads: file (below the job's folder), its size. */
static json_t *
download_row(const char *file, off_t size)
{
	char *href = xasprintf("files/%s", file), sz[32];
	json_t *r;

	view_size((double)size, sz, sizeof(sz));
	r = json_pack("{s:s, s:s, s:s}", "file", file, "size", sz, "href",
		      href);
	free(href);
	return r;
}

/* An artifacts_fn: a download row of the file into ctx, a JSON array. */
static int
artifact_row(void *ctx, int dir, const char *name, const char *rel,
	     const struct stat *st)
{
	(void)dir;
	(void)name;
	json_array_append_new(ctx, download_row(rel, st->st_size));
	return 0;
}

/*
 * The download files that exist (regular files, not links): the job's
 * own, then what an exec job left in its artifacts/ (docs/exec.md).
 */
static json_t *
downloads_view(const char *dir)
{
	static const char *const files[] = { JOB_METRICS, JOB_LOG,
		JOB_MODEL, JOB_PREDICTIONS };
	json_t *rows = json_array();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct stat st;

		if (fd >= 0 && fstatat(fd, files[i], &st,
				       AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			json_array_append_new(rows, download_row(files[i],
								 st.st_size));
	}
	if (fd >= 0) {
		artifacts_walk(fd, artifact_row, rows);
		close(fd);
	}
	return rows;
}

/*
 * The JSON file name of the job folder dir, or NULL with why in err: a
 * regular file only, never a link (file_read_regular).
 */
static json_t *
load_json(const char *dir, const char *name, char *err, size_t n)
{
	char *path = path_join(dir, name);
	json_t *v = json_load_at(AT_FDCWD, path, path, JSON_MAX, err, n);

	free(path);
	return v;
}

/* config.json parsed as plain JSON, or NULL when missing or invalid. */
static json_t *
config_json(const char *dir)
{
	char err[256];

	return load_json(dir, JOB_CONFIG, err, sizeof(err));
}

/*
 * Where a live job stands in Slurm, from its slurm.json (the runner's
 * Slurm executor, docs/slurm.md): {text, job_id, state, reason, node}, or
 * NULL when it has none or its Slurm job has ended.
 */
static json_t *
slurm_view(const char *dir)
{
	char err[256];
	json_t *r = load_json(dir, JOB_SLURM, err, sizeof(err));
	const char *state, *reason, *node;
	json_int_t id;
	json_t *v = NULL;

	if (!json_is_object(r) || json_is_true(json_object_get(r, "ended")))
		goto out;
	id = json_int(r, "job_id", 0);
	state = json_str(r, "state", "");
	reason = json_str(r, "reason", "");
	node = json_str(r, "node", "");
	if (id <= 0) {
		v = json_pack("{s:s}", "text", "Being submitted to Slurm");
		goto out;
	}
	if (!strcmp(state, "PENDING") || !strcmp(state, "REQUEUED") || !*node)
		v = json_sprintf("Queued in Slurm: %s, Slurm job %lld",
				 *reason && strcmp(reason, "None") ? reason :
				 "waiting", (long long)id);
	else
		v = json_sprintf("Running on node %s, Slurm job %lld", node,
				 (long long)id);
	v = json_pack("{s:o, s:I, s:s, s:s, s:s}", "text", v, "job_id", id,
		      "state", state, "reason", reason, "node", node);
out:
	json_decref(r);
	return v;
}

/* cfg pretty-printed, or null. */
static json_t *
config_view(const json_t *cfg)
{
	char *s;
	json_t *out;

	if (!cfg)
		return json_null();
	s = json_to_string(cfg);
	out = json_string(s);
	free(s);
	return out ? out : json_null();
}

/*
 * {type, params, loss} with only what is known: params once the model is
 * built, the loss from state.json or else from the config (whose default
 * is mse), the type from state.json or the config; null when neither
 * names the type.
 */
/*
 * The epoch as the index shows it: "7/40", "7" when the total is not
 * known (an exec job's command that does not print it), "–" when neither
 * is. live.js makes the same from jobs.json.
 */
static json_t *
epoch_cell(long long epoch, long long epochs)
{
	if (epochs > 0)
		return json_sprintf("%lld/%lld", epoch, epochs);
	if (epoch > 0)
		return json_sprintf("%lld", epoch);
	return json_string("–");
}

#define COMMAND_SHOWN 300	/* characters of an exec job's command shown */

/*
 * An exec job's command as a shell would read it (words with blanks or
 * quotes in single quotes; at most COMMAND_SHOWN characters, then "…") and
 * its workdir: {"text", "workdir"}.
 */
static json_t *
command_view(const json_t *cfg)
{
	const json_t *w;
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(cfg, "command"), i, w) {
		const char *s = json_is_string(w) ? json_string_value(w) : "";

		if (i)
			sb_addc(&sb, ' ');
		if (*s && !s[strcspn(s, " \t\n'\"\\$`|&;<>(){}*?#~")]) {
			sb_adds(&sb, s);
			continue;
		}
		sb_addc(&sb, '\'');
		for (; *s; s++)
			if (*s == '\'')
				sb_adds(&sb, "'\\''");
			else
				sb_addc(&sb, *s);
		sb_addc(&sb, '\'');
	}
	if (sb.len && field_utf8_chars(sb.buf) > COMMAND_SHOWN) {
		sb.len = field_utf8_prefix(sb.buf, COMMAND_SHOWN);
		sb.buf[sb.len] = '\0';
		sb_adds(&sb, "…");
	}
	o = json_pack("{s:s%, s:s}", "text", sb_str(&sb), sb.len,
		      "workdir", json_str(cfg, "workdir", "."));
	sb_release(&sb);
	return o;
}

static json_t *
model_view(const json_t *model, const json_t *cfg)
{
	const char *type = json_str(model, "type", NULL);
	const char *loss = json_str(model, "loss", NULL);
	json_t *o;

	if (!type)
		type = json_str(json_object_get(cfg, "model"), "type", NULL);
	if (!type)	/* neither file says: nothing to show */
		return json_null();
	if (!loss && json_is_object(cfg)) {
		const json_t *l = json_object_get(cfg, "loss");

		loss = json_is_string(l) ? json_string_value(l) :
			json_str(l, "type", "mse");
	}
	o = json_pack("{s:s}", "type", type);
	if (json_dbl(model, "params", 0) > 0)
		json_object_set_new(o, "params", json_integer(
			json_int(model, "params", 0)));
	if (loss)
		json_object_set_new(o, "loss", json_string(loss));
	return o;
}

/*
 * What a cancelled job's page says of it: the epoch it stopped at, and
 * what `retry` would do: resume from its newest checkpoint (its epoch),
 * or start over when none was written.
 */
static json_t *
cancelled_view(const json_t *state, const char *id)
{
	long long resume = -1;
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(state, "checkpoints"), i, c) {
		long long e = (long long)json_int(c, "epoch", -1);

		if (job_ckpt_epoch(json_str(c, "file", "")) >= 0 && e > resume)
			resume = e;
	}
	return json_pack("{s:I, s:I, s:o, s:o}",
		"epoch", (json_int_t)json_int(state, "epoch", 0),
		"epochs", (json_int_t)json_int(state, "epochs", 0),
		"resume_epoch", resume >= 0 ? json_integer(resume) :
				json_null(),
		"retry_cmd", json_sprintf("spoolboard retry -- %s", id));
}

json_t *
view_job(const char *dir, const char *id, const struct view_opts *o)
{
	return view_job_with(dir, id, o, NULL);
}

json_t *
view_job_with(const char *dir, const char *id, const struct view_opts *o,
	      const struct csvfile *metrics)
{
	char err[256], buf[64];
	json_t *state, *v, *e, *best, *data, *cfg, *results;
	struct job_order order;
	json_int_t attempt;
	const char *status;
	double progress, eta;
	struct stat st;
	int live, cut;

	/* a job folder that is a link could lead anywhere */
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		warning("skipping job %s: not a folder (a symbolic link?)",
			id);
		return NULL;
	}
	state = job_state_read(dir, err, sizeof(err));
	if (!state) {
		warning("skipping job %s: %s", id, err);
		return NULL;
	}
	if (!json_is_string(json_object_get(state, "status"))) {
		warning("skipping job %s: state.json has no status", id);
		json_decref(state);
		return NULL;
	}
	status = json_str(state, "status", "");
	live = job_status_live(job_status_parse(status));
	job_order_of(state, &order);
	progress = json_dbl(state, "progress", 0);
	if (!(progress >= 0))
		progress = 0;
	if (progress > 1)
		progress = 1;
	v = json_object();
	json_object_set_new(v, "id", json_string(id));
	json_object_set_new(v, "name", view_text(json_str(state, "name", id)));
	json_object_set_new(v, "tags", strings(json_object_get(state,
								"tags")));
	json_object_set_new(v, "status", json_string(status));
	json_object_set_new(v, "label", json_string(view_status_label(status)));
	json_object_set_new(v, "icon", json_string(view_status_icon(status)));
	json_object_set_new(v, "live", json_boolean(live));
	/* the group the job's own state names (site.c checks it against
	   the group.json files, which anyone able to write groups/ makes) */
	if (job_id_valid(json_str(state, "group", "")))
		json_object_set_new(v, "group", json_string(json_str(state,
			"group", "")));
	json_object_set_new(v, "priority", json_integer(order.priority));
	json_object_set_new(v, "order", json_pack("{s:I, s:I}", "created_us",
		(json_int_t)order.created_us, "seq", (json_int_t)order.seq));
	json_object_set_new(v, "progress_pct",
			    json_integer((json_int_t)(progress * 100 + 0.5)));
	json_object_set_new(v, "epoch", json_integer(
		json_int(state, "epoch", 0)));
	json_object_set_new(v, "epochs", json_integer(
		json_int(state, "epochs", 0)));
	/* an exec job's command may print no total, or no epochs at all */
	json_object_set_new(v, "epoch_cell", epoch_cell(json_int(state,
		"epoch", 0), json_int(state, "epochs", 0)));
	json_object_set_new(v, "epochs_known", json_boolean(
		json_int(state, "epochs", 0) > 0));
	json_object_set_new(v, "no_epoch", json_boolean(
		json_int(state, "epochs", 0) <= 0 &&
		json_int(state, "epoch", 0) <= 0));
	eta = json_dbl(state, "eta_seconds", -1);
	if (eta >= 0 && job_status_parse(status) == JOB_RUNNING) {
		time_duration(eta, buf, sizeof(buf));
		json_object_set_new(v, "eta", json_string(buf));
	}
	json_object_set_new(v, "stage", json_string(json_str(state, "stage",
							       "")));
	json_object_set_new(v, "stages", stages_view(state));
	json_object_set_new(v, "train_loss",
			    num_text(json_object_get(state, "train_loss")));
	json_object_set_new(v, "val_loss",
			    num_text(json_object_get(state, "val_loss")));
	json_object_set_new(v, "best_val_loss", num_text(json_object_get(
		json_object_get(state, "best"), "val_loss")));
	best = json_object_get(state, "best");
	if (json_int(best, "epoch", 0) >= 1)
		json_object_set_new(v, "best_epoch", json_integer(
			json_int(best, "epoch", 0)));
	cfg = config_json(dir);
	json_object_set_new(v, "model", model_view(json_object_get(state,
		"model"), cfg));
	data = json_object_get(state, "data");
	json_object_set_new(v, "data", json_pack("{s:s}",
		"path", json_str(data, "path", "")));
	if (json_is_number(json_object_get(data, "rows"))) {
		long long rows = (long long)json_int(data, "rows", 0);

		json_object_set_new(json_object_get(v, "data"), "rows",
			json_integer(rows));
		json_object_set_new(json_object_get(v, "data"), "rows_text",
			json_sprintf("%lld row%s", rows, rows == 1 ? "" : "s"));
	}
	if (json_is_array(json_object_get(data, "features"))) {
		size_t nf = json_array_size(json_object_get(data, "features"));

		json_object_set_new(json_object_get(v, "data"), "features",
			json_integer((json_int_t)nf));
		json_object_set_new(json_object_get(v, "data"), "features_text",
			json_sprintf("%zu feature%s", nf, nf == 1 ? "" : "s"));
	}
	if (json_is_array(json_object_get(cfg, "command"))) {
		/* an exec job: its command and workdir, not a model and data */
		json_object_set_new(v, "model", json_null());
		json_object_set_new(v, "data", json_null());
		json_object_set_new(v, "command", command_view(cfg));
	}
	json_object_set_new(v, "created", time_view(state, "created"));
	json_object_set_new(v, "started", time_view(state, "started"));
	json_object_set_new(v, "ended", time_view(state, "ended"));
	json_object_set_new(v, "updated", json_string(json_str(state,
							"updated", "")));
	json_object_set_new(v, "duration", duration_text(state));
	if (duration_seconds(state) >= 0)
		json_object_set_new(v, "duration_s", json_integer(
			(json_int_t)duration_seconds(state)));
	attempt = json_int(state, "attempt", 1);
	if (attempt > 1 && attempt <= VIEW_ATTEMPT_MAX)
		json_object_set_new(v, "attempt", json_integer(attempt));
	e = json_object_get(state, "error");
	if (json_is_object(e)) {
		json_object_set_new(v, "error", json_pack("{s:s, s:s, s:o}",
			"message", json_str(e, "message", "unknown error"),
			"stage", json_str(e, "stage", "?"),
			"hint", json_is_string(json_object_get(e, "hint")) ?
				json_string(json_str(e, "hint", "")) :
				json_null()));
		/* queued again with the reason the last attempt failed */
		if (live && attempt > 1 && attempt <= VIEW_ATTEMPT_MAX)
			json_object_set_new(json_object_get(v, "error"),
				"previous", json_pack("{s:I, s:I, s:o}",
				"attempt", attempt - 1, "next", attempt,
				"retry_at", time_view(state, "retry_at")));
	}
	if (!strcmp(status, "cancelled"))
		json_object_set_new(v, "cancelled", cancelled_view(state, id));
	if (live && (e = slurm_view(dir)))
		json_object_set_new(v, "slurm", e);
	/* cancel while queued or running, retry once finished */
	if (live)
		json_object_set_new(v, "cancel_cmd", json_sprintf(
			"spoolboard cancel -- %s", id));
	else
		json_object_set_new(v, "retry_cmd", json_pack("{s:o, s:o}",
			"plain", json_sprintf("spoolboard retry -- %s", id),
			"fresh", json_sprintf("spoolboard retry --fresh -- %s",
					      id)));
	results = resultview_make(state, dir, cfg);
	if (results)
		json_object_set_new(v, "results", results);
	metrics_view(v, dir, metrics);
	json_object_set_new(v, "log_html", log_view(dir, o, &cut));
	/* the log panel links the whole log when it shows part of it */
	if (cut)
		json_object_set_new(v, "log_cut", json_integer(
			VIEW_LOG_LINES));
	json_object_set_new(v, "events", events_view(dir));
	json_object_set_new(v, "checkpoints", checkpoints_view(state, dir));
	json_object_set_new(v, "downloads", downloads_view(dir));
	json_object_set_new(v, "config", config_view(cfg));
	json_decref(cfg);
	json_object_set_new(v, "has_events", json_boolean(json_array_size(
		json_object_get(v, "events"))));
	json_object_set_new(v, "has_charts", json_boolean(json_array_size(
		json_object_get(v, "charts"))));
	json_object_set_new(v, "has_system", json_boolean(has_system(
		json_object_get(v, "charts"))));
	json_object_set_new(v, "has_checkpoints", json_boolean(
		json_array_size(json_object_get(v, "checkpoints"))));
	json_object_set_new(v, "has_downloads", json_boolean(json_array_size(
		json_object_get(v, "downloads"))));
	json_decref(state);
	return v;
}

json_t *
view_data(const json_t *view)
{
	json_t *d = json_copy((json_t *)view);
	const json_t *r = json_object_get(view, "results");

	json_object_del(d, "log_html");
	json_object_del(d, "charts");
	/* the template's flags: a program sees the lists themselves */
	json_object_del(d, "has_events");
	json_object_del(d, "has_checkpoints");
	json_object_del(d, "has_downloads");
	if (json_is_object(r)) {
		json_t *nr = json_copy((json_t *)r), *charts = json_array();
		const json_t *c;
		size_t i;

		json_array_foreach(json_object_get(r, "charts"), i, c) {
			json_t *nc = json_copy((json_t *)c);

			json_object_del(nc, "svg");
			json_object_del(nc, "table");
			json_array_append_new(charts, nc);
		}
		json_object_set_new(nr, "charts", charts);
		json_object_set_new(d, "results", nr);
	}
	return d;
}

json_t *
view_summary(const json_t *view)
{
	static const char *const keys[] = { "id", "name", "tags", "status",
		"label", "icon", "priority", "order", "progress_pct", "epoch",
		"epochs", "epoch_cell",
		"best_val_loss", "duration", "duration_s", "updated", "created",
		"started", "ended", "error" };
	json_t *s = json_object();

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *x = json_object_get(view, keys[i]);

		json_object_set(s, keys[i], x ? x : json_null());
	}
	return s;
}

