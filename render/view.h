/*
 * view.h - the view model of one job: everything its page shows, as JSON.
 *
 * view_job reads a job directory (state.json, config.json, metrics.csv,
 * the tail of log.txt and of events.jsonl, checkpoints/, and for a
 * completed job its test results and predictions.csv: resultview.h) and
 * builds one json_t that the job template renders; the same object less
 * the page's markup (view_data) is written beside the page as data.json,
 * the job's JSON API. Strings from the
 * job (names, tags, CSV headers, log lines, errors) are kept as they are
 * and escaped by the template; the chart SVGs and tables are made by
 * chart.h, which escapes them itself.
 */
#ifndef SPOOLBOARD_VIEW_H
#define SPOOLBOARD_VIEW_H

#include "lib/json.h"

/*
 * Lines of log.txt a job page shows (the last ones; a link to files/log.txt
 * gives the whole log): a screenful and more of its log panel, while
 * a finished 100-epoch job's page stays well under 60 KB.
 */
#define VIEW_LOG_LINES 100

/* Events of events.jsonl a job page shows (the last ones). */
#define VIEW_EVENTS 50

/*
 * A chart has at most VIEW_HOVER_POINTS hover columns (a native tooltip
 * each, for a page read without JavaScript; chart.js shows every epoch
 * from the values the chart carries); the log-scale loss chart has no
 * columns, as it repeats the linear one. A chart's data is one link to
 * files/metrics.csv, not a table: a finished 100-epoch job's page stays
 * well under 60 KB.
 */
#define VIEW_HOVER_POINTS 8

/* The height in CSS px of the system charts (lr, CPU, memory). */
#define VIEW_SYSTEM_H 170

/* A larger attempt number in state.json is not shown. */
#define VIEW_ATTEMPT_MAX 1000000000

/* The default log patterns (render --log-error, --log-warning). */
#define VIEW_ERROR_RE "(?i)\\berror\\b|traceback|\\bnan\\b"
#define VIEW_WARNING_RE "(?i)\\bwarn"

struct pattern;
struct csvfile;

/* How the job views are made. */
struct view_opts {
	/* log lines matching these are marked error, else warning; NULL:
	 * none. Shared by threads (pattern_match is safe for that). */
	const struct pattern *error_re;
	const struct pattern *warning_re;
};

/*
 * The view model of the job in directory dir, whose name is id, its log
 * lines marked by o's patterns (o NULL: none). Times are absolute
 * ({iso}), so the view's bytes stay equal from one render to the next
 * (the browser shows them relative). NULL after warning() when
 * state.json is missing, half written or malformed, or dir is not a
 * folder; the caller decides what to show then. A new reference.
 */
json_t *view_job(const char *dir, const char *id,
		 const struct view_opts *o);

/*
 * view_job with the job's metrics.csv parsed already (metrics: ncols 0
 * when it has none), so that a caller that reads it for more than the
 * view (runs.h) does not read and parse it twice; NULL reads it.
 */
json_t *view_job_with(const char *dir, const char *id,
		      const struct view_opts *o,
		      const struct csvfile *metrics);

/*
 * The job's data.json from its view (a new object): the view without
 * the page's markup (no "log_html", no "charts", and "results" without
 * its charts' "svg" and "table") and the template's flags has_events,
 * has_checkpoints and has_downloads. The page has them; its live updates
 * read the page itself. Every field view_summary and the site read back
 * from a last good render is kept. A new reference.
 */
json_t *view_data(const json_t *view);

/*
 * The summary of a job view (for the index and jobs.json): id, name,
 * tags, status, label, icon, priority, progress, epoch, epochs, best
 * val_loss, duration (text and seconds), updated, created, started,
 * ended, error. A new reference.
 */
json_t *view_summary(const json_t *view);

/* json_text(s) (lib/json.h): a string fit for XML 1.0 and HTML text. */
json_t *view_text(const char *s);

/* The label and icon of a job or stage status ("running" -> "Running"). */
const char *view_status_label(const char *status);
const char *view_status_icon(const char *status);

/* A byte count as "1.8 KB", "3.4 MB". */
void view_size(double bytes, char *buf, size_t n);

#endif
