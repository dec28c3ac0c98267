/*
 * epoch.h - the train stage: epochs of mini-batch steps, validation after
 * each, early stopping; and evaluating the model on a split, which the
 * test stage (results.c) does too.
 */
#ifndef SPOOLBOARD_EPOCH_H
#define SPOOLBOARD_EPOCH_H

#include <stddef.h>

#include "runner/train/data.h"
#include "lib/json.h"
#include "runner/train/metrics.h"
#include "runner/train/run.h"

/* The sample's row of targets: its own row, or horizon after a window. */
size_t epoch_target_row(const struct dataset *ds, size_t id);

/* Metrics m as a new JSON object (rmse, mae, ... or accuracy, f1). */
json_t *epoch_metrics_json(const struct metrics *m);

/*
 * Evaluate the model on split s: the mean loss, metrics on the original
 * scale into m (metrics_release it), and when preds is not NULL the point
 * predictions (n, D) on the original scale (the caller frees them). NaN
 * loss for an empty split.
 */
double epoch_evaluate(struct run *r, enum split s, struct metrics *m,
		      float **preds);

/*
 * The train stage, from r->epoch (and r->cursor when resumed mid-epoch)
 * to train.epochs or early stopping, with checkpoints as configured.
 * Returns 0 when training ended normally, else the exit status of the
 * run, already finished (failed or cancelled).
 */
int epoch_stage_train(struct run *r);

#endif
