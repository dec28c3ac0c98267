/*
 * train.h - one training run from a config to a finished job directory.
 *
 * train_run() goes through the stages load (read the data), prepare
 * (build and initialise the model), train (epochs of mini-batch steps,
 * validation, early stopping), test (metrics and predictions on the test
 * split with the best weights) and save (model.tar.zst), writing every
 * file of the job directory as it goes (docs/formats.md): config.json,
 * state.json at every stage change and epoch, events.jsonl, metrics.csv,
 * log.txt, predictions.csv and model.tar.zst.
 *
 * SIGTERM and SIGINT stop the run at the next batch: the state becomes
 * cancelled and the files stay consistent.
 *
 * Checkpoints (ckptdir.h) are written into JOBDIR/checkpoints every
 * checkpoint.every epochs and when the run is stopped (signal, time
 * limit); a run resumes from the newest sound checkpoint of the same
 * config unless opts->fresh, and gives the same bytes as a run that was
 * never stopped. The run holds an exclusive flock on JOBDIR/.lock for its
 * whole life; when another process holds it, train_run fails at once
 * without touching the job's files.
 *
 * The options and the exit statuses are in opts.h.
 */
#ifndef SPOOLBOARD_TRAIN_H
#define SPOOLBOARD_TRAIN_H

#include "job/config.h"
#include "runner/train/opts.h"

/* Run the job; returns one of the exit statuses in opts.h. */
int train_run(const struct train_opts *opts);

/*
 * Check what can be checked of cfg's data without training, as the run's
 * load and prepare stages do, in their words: data.path below data_root
 * (NULL: the working directory) and readable, the columns and targets
 * there, enough rows for the split and the window, and the model's size
 * with the data's shapes; for an exec job, its workdir: a folder below
 * data_root. 0, or -1 after error().
 */
int train_check_data(const struct config *cfg, const char *data_root);

#endif
