/*
 * evaluate.h - the model on a split of the data: its mean loss, metrics
 * on the original scale and point predictions. The train stage (epoch.c)
 * evaluates on the validation split after each epoch, the test stage
 * (results.c) on the test split.
 */
#ifndef SPOOLBOARD_EVALUATE_H
#define SPOOLBOARD_EVALUATE_H

#include <stddef.h>

#include "runner/train/data.h"
#include "lib/json.h"
#include "runner/train/metrics.h"
#include "runner/train/run.h"

/* The sample's row of targets: its own row, or horizon after a window. */
size_t evaluate_target_row(const struct dataset *ds, size_t id);

/* Metrics m as a new JSON object (rmse, mae, ... or accuracy, f1). */
json_t *evaluate_metrics_json(const struct metrics *m);

/*
 * Evaluate the model on split s: the mean loss, metrics on the original
 * scale into m (metrics_release it), and when preds is not NULL the point
 * predictions (n, D) on the original scale (the caller frees them). For
 * the quantile loss, m has the quantile figures too (metrics_quantile)
 * and, when quants is not NULL, *quants gets the prediction of every
 * level, (n, D, Q) on the original scale (the caller frees it; NULL for
 * other losses). NaN loss for an empty split.
 */
double evaluate_split(struct run *r, enum split s, struct metrics *m,
		      float **preds, float **quants);

#endif
