/*
 * resultview.h - the results section of a completed job's page: its test
 * metrics as cards, the persistence baseline in words, the confusion
 * matrix of a classifier, predicted against true for a regression, truth
 * and prediction over the test set for a forecast (with the band of its
 * quantiles). A part of the job's view model (view.h).
 *
 * The figures come from state.json's "test" (docs/formats.md), the points
 * of the charts from the job's predictions.csv, which is read like every
 * file of the spool: beneath the job folder, never through a link, never
 * waiting on a FIFO, at most RESULTVIEW_PREDICTIONS_MAX bytes. Whatever
 * is missing or malformed is left out with a note, and the rest shown.
 */
#ifndef SPOOLBOARD_RESULTVIEW_H
#define SPOOLBOARD_RESULTVIEW_H

#include "lib/json.h"

/* A larger predictions.csv is not read (its charts are left out). */
#define RESULTVIEW_PREDICTIONS_MAX (32 * 1024 * 1024)

/* The confusion matrix is shown up to this many classes. */
#define RESULTVIEW_MAX_CLASSES 30

/*
 * A forecast chart draws at most twice this many points per line: those
 * LTTB keeps of the truth and those it keeps of the prediction, so that a
 * page stays small whatever the test set.
 */
#define RESULTVIEW_FORECAST_POINTS 80

/*
 * A forecast chart takes the section's width (at least 600 px: on a
 * phone it scrolls); its legend is laid out for that, and it is 280 px
 * high.
 */
#define RESULTVIEW_FORECAST_W 600
#define RESULTVIEW_FORECAST_H 280

/*
 * Hover columns of a forecast chart: none, as the binned table has the
 * values and a page stays smaller (-1 as chart.h has it).
 */
#define RESULTVIEW_HOVER (-1)

/* Rows of the binned tables that stand for the charts. */
#define RESULTVIEW_BINS 10

/*
 * The results section of the job whose state is state (a job folder's
 * state.json) in the folder dir, cfg its config.json (NULL when none):
 * a new object
 *
 *	{samples, cards: [{label, value, sub}], baseline: [text],
 *	 confusion: {caption, classes: [name], rows: [{name, cells:
 *	 [{n, q, diag}]}]}, charts: [{id, title, wide, svg, table}],
 *	 has_charts, notes: [text]}
 *
 * (members with nothing to say left out: samples, sub, baseline,
 * confusion, notes; charts and has_charts are always there, so that a
 * template's {{#charts}} inside {{#results}} never finds the page's own
 * charts), or NULL when the job is not completed or has no test
 * results. Strings from the job (class names, column names) are as they
 * are (for the template to escape), but for what XML 1.0 forbids
 * (json_text); the chart markup is escaped already.
 */
json_t *resultview_make(const json_t *state, const char *dir,
			const json_t *cfg);

#endif
