/*
 * results.h - what a run leaves for its user: metrics.csv (a row an
 * epoch), the test stage (test metrics in state.json, predictions.csv)
 * and the save stage (model.tar.zst). docs/formats.md has the formats.
 */
#ifndef SPOOLBOARD_RESULTS_H
#define SPOOLBOARD_RESULTS_H


#include "lib/json.h"
#include "runner/train/metrics.h"
#include "runner/train/run.h"

/* test.confusion is written up to this many classes (100 x 100 counts,
 * at most about 60 KB); above it, null with test.confusion_omitted. */
#define RESULTS_MAX_CONFUSION 100

/* The n names as a new JSON array of strings. */
json_t *results_names_json(char **names, int n);

/* metrics.csv: write the header line (a new file). */
void results_metrics_header(struct run *r);

/* metrics.csv: append the row of the epoch just ended, m its val metrics. */
void results_metrics_row(struct run *r, double lr, const struct metrics *m);

/*
 * metrics.csv on resume: keep the rows of epochs <= r->epoch (the file
 * replaced atomically); a missing file gets its header.
 */
void results_metrics_truncate(struct run *r);

/*
 * The test stage, with the best weights when early stopping is on: test
 * metrics into the state, predictions.csv. 0, or -1 after error().
 */
int results_stage_test(struct run *r);

/*
 * The save stage: model.tar.zst with model.safetensors,
 * normalization.json and config.json. 0, or -1 after error().
 */
int results_stage_save(struct run *r);

#endif
