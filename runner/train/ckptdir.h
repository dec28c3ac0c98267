/*
 * ckptdir.h - the run's checkpoints in JOBDIR/checkpoints: when they are
 * written, which are kept, best.tar.zst, the state's "checkpoints" list
 * and resuming from one. ckptfile.h is the file format they use.
 *
 * The functions still carry the prefix of the module's old name, ckpt.c.
 */
#ifndef SPOOLBOARD_CKPTDIR_H
#define SPOOLBOARD_CKPTDIR_H

#include "runner/train/run.h"

/*
 * Write a checkpoint of the run as it is now (and best.tar.zst when this
 * epoch is the best), prune old ones, publish the list in state.json.
 * 0 or -1; a failure is a warning in the log, not an error.
 */
int ckpt_save(struct run *r);

/*
 * Stop on SIGTERM/SIGINT: a checkpoint once training has begun, then
 * run_cancel(). Returns TRAIN_CANCELLED.
 */
int ckpt_cancel(struct run *r);

/* --fresh: remove every checkpoint of the job. */
void ckpt_remove_all(struct run *r);

/*
 * Start r->ckpts (owned by r) from the records a previous run left in
 * state.json of files still there, and publish it.
 */
void ckpt_list_init(struct run *r);

/*
 * Resume from the newest sound checkpoint of this config, if any: the
 * damaged ones and those of another config are skipped with a warning.
 * Nothing fails: without a usable checkpoint the run starts afresh.
 */
void ckpt_resume(struct run *r);

#endif
