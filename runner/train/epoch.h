/*
 * epoch.h - the train stage: epochs of mini-batch steps, validation after
 * each (evaluate.h), early stopping.
 */
#ifndef SPOOLBOARD_EPOCH_H
#define SPOOLBOARD_EPOCH_H

#include "runner/train/run.h"

/*
 * The train stage, from r->epoch (and r->cursor when resumed mid-epoch)
 * to train.epochs or early stopping, with checkpoints as configured.
 * Returns 0 when training ended normally, else the exit status of the
 * run, already finished (failed or cancelled).
 */
int epoch_stage_train(struct run *r);

#endif
