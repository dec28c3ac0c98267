/*
 * runs.h - what comparing jobs takes from each job folder, beyond its
 * page's view (view.h): a small record of its numbers for the group pages
 * (kept in memory between renders), its compare.js for the compare page,
 * its config flattened to dotted paths, and its row of jobs.csv.
 *
 *	struct runs_job j;
 *	if (runs_load(&j, "spool/jobs/a", err, sizeof(err)) == 0) {
 *		json_t *rec = runs_record(&j);
 *		json_t *flat = runs_flatten(j.config);
 *		runs_compare_js(&sb, sum, group, &j, flat);
 *		...
 *	}
 *	runs_release(&j);
 *
 * Everything read is input from a folder others may write: state.json,
 * config.json and metrics.csv are read beneath the job folder opened
 * without following a link (no link, no FIFO, capped), and every number
 * or name taken from them is checked before use.
 */
#ifndef SPOOLBOARD_RUNS_H
#define SPOOLBOARD_RUNS_H

#include <stddef.h>

#include "lib/csvfile.h"
#include "lib/json.h"
#include "lib/strbuf.h"

#define RUNS_CURVE_POINTS 100	/* a record's validation curve, at most */
#define RUNS_SERIES_POINTS 200	/* each series of compare.js, at most */
#define RUNS_FLAT_MAX 4096	/* leaves of a flattened config, at most */
#define RUNS_FLAT_DEPTH 16	/* deeper objects are one leaf */

/* What runs_load reads of a job folder. */
struct runs_job {
	json_t *state;		/* state.json: an object */
	json_t *config;		/* config.json, or NULL (missing, bad) */
	struct csvfile metrics;	/* metrics.csv; ncols 0 when missing */
};

/*
 * Read state.json (it must be a JSON object), config.json and
 * metrics.csv (a half-written last row left out) of the job folder dir.
 * 0, or -1 with why in err when state.json cannot be read (j is then
 * empty). Release j with runs_release either way.
 */
int runs_load(struct runs_job *j, const char *dir, char *err, size_t n);

void runs_release(struct runs_job *j);

/*
 * The record of a job that a group page needs, as a new object (keys
 * absent when unknown or not finite): status, epoch, epochs, eta_s
 * (eta_seconds while it runs), dur_s (started to ended, or to updated),
 * best_epoch, best_val_loss, train_loss, val_loss, test {loss, and each
 * test metric}, and curve: the val_loss column of metrics.csv (train_loss
 * without one) as text "x y x y ...", at most RUNS_CURVE_POINTS points
 * (LTTB), values to 4 significant digits, with curve_name its column.
 */
json_t *runs_record(const struct runs_job *j);

/*
 * The value of metric in a record: "val_loss" (best_val_loss),
 * "train_loss", "test.loss" or "test.KEY"; NaN when it has none.
 */
double runs_metric(const json_t *rec, const char *metric);

/*
 * Is metric one runs_metric knows: val_loss, train_loss, or test.KEY
 * with KEY of [A-Za-z0-9_], 1 to 64 of them? 1 or 0.
 */
int runs_metric_valid(const char *metric);

/*
 * The leaves of config (an object; anything else: none) by dotted path
 * ("train.lr"), as a new object of path -> value in the config's order.
 * Arrays are leaves (whole), as are empty objects and objects nested
 * deeper than RUNS_FLAT_DEPTH; keys with control characters are left
 * out; at most RUNS_FLAT_MAX leaves.
 */
json_t *runs_flatten(const json_t *config);

/*
 * Append the job's compare.js to sb: one call
 *	spoolboardCompare({...});
 * of an object with the summary's id, name, status, label, icon; group
 * ({id, name} or null); epoch, epochs, best_val_loss, best_epoch, test
 * (as the record has them, null when unknown); config (flat: path ->
 * value); series: each column of metrics.csv but epoch, step and seconds,
 * against the epoch, at most RUNS_SERIES_POINTS points (LTTB), 4
 * significant digits: x, the epochs of the first series ("A..B" when
 * they are the whole numbers A to B), and each series
 * as [y0, y1, ...] when it has those epochs, else as {"xy": [x0, y0, x1,
 * y1, ...]}. JSON for the web (every < as \u003c).
 */
void runs_compare_js(struct strbuf *sb, const json_t *sum,
		     const json_t *group, const struct runs_job *j,
		     const json_t *rec, const json_t *flat);

/*
 * The cells of a job's row of jobs.csv, made once when the job is read,
 * as a new object: "fix" (the fixed columns: id, name, group, status,
 * epoch, epochs, best_val_loss, best_epoch, train_loss, val_loss,
 * duration_s, as CSV text), "var" (each test metric and config leaf:
 * column and cell) and "kh" (a hash of the var columns). sum is the
 * job's summary (view_summary), group its group ID or NULL, rec its
 * record (or NULL), flat its flattened config (or NULL).
 */
json_t *runs_csv_cells(const json_t *sum, const char *group,
		       const json_t *rec, const json_t *flat);

/* The JSON text of a part of an entry, kept outside it (or s NULL). */
struct runs_text {
	const char *s;
	size_t n;
};

/*
 * Append jobs.csv to sb: a header, then one row per entry (in order) of
 * the n objects ents, each holding "csv" (runs_csv_cells, or its text:
 * runs_entry_part, with csv[i] when csv is not NULL; an entry without
 * it gets its fixed cells from "sum";
 * one with "kh", the csv's "kh", has its csv parsed only when its
 * "csvrow" cannot be used). Columns: the fixed ones,
 * then test.loss and every test metric any job has, then every config
 * path any job has (sorted; the config's name is the name column), a
 * job without a value leaving its cell empty. RFC 4180: CRLF line ends,
 * cells quoted when needed, text cells that start with = + - @ (or a tab
 * or CR) prefixed with ' (csvfile_add_cell). Each entry's row is kept in
 * it ("csvrow", for the columns "csvsig") and made again only when the
 * columns change, so a render of 10,000 unchanged jobs joins rows.
 */
void runs_csv(struct strbuf *sb, json_t *const *ents,
	      const struct runs_text *csv, size_t n);

/*
 * The part key ("csv", "rec") of entry e, parsed from its text the first
 * time it is asked for (KEY_raw, else raw when not NULL: where the render
 * cache left it unparsed, as most renders never look at it); NULL when
 * there is none, or the text does not parse. Not for two threads on one
 * entry at once.
 */
json_t *runs_entry_part(json_t *e, const char *key,
			const struct runs_text *raw);

/*
 * The summary of entry e ("sum"), parsed from its JSON text ("json",
 * which stays, else raw when not NULL) the first time it is asked for,
 * where the render cache left it unparsed; NULL when there is none. Not
 * for two threads on one entry at once.
 */
json_t *runs_entry_sum(json_t *e, const struct runs_text *raw);

#endif
