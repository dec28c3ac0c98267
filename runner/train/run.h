/*
 * run.h - one training run's record (struct run) and its bookkeeping:
 * state.json, events.jsonl and log.txt through the stages, and how the
 * run ends (completed, failed, cancelled).
 *
 * struct run is shared by the trainer's modules: train.c (setup, the load
 * and prepare stages, the order of the stages), epoch.c (the train stage),
 * results.c (the test and save stages, metrics.csv, predictions.csv),
 * evaluate.c (the model run on a split) and ckptdir.c (checkpoints and
 * resuming). Everything a run owns is freed by run_release.
 */
#ifndef SPOOLBOARD_RUN_H
#define SPOOLBOARD_RUN_H

#include <signal.h>
#include <stddef.h>

#include "job/config.h"
#include "job/state.h"
#include "runner/train/data.h"
#include "runner/train/jobfiles.h"
#include "lib/json.h"
#include "runner/train/model.h"
#include "runner/train/optim.h"
#include "lib/rng.h"
#include "runner/train/opts.h"
#include "runner/train/threads.h"

struct run {
	const struct train_opts *opts;
	struct config cfg;
	struct dataset ds;
	struct model *model;
	struct optim opt;
	struct rng rng;
	struct jobfiles jf;
	int have_cfg, have_ds, have_opt;

	int D, K, O, B;		/* targets, classes, outputs, batch */
	size_t in_size;		/* steps * features per sample */
	real *xb, *yb, *dout;	/* batch buffers */
	size_t *order;		/* train samples in this epoch's order */
	real *best_params;	/* weights at the best validation loss */

	int epoch;		/* epochs completed */
	long step;
	long cursor;		/* batches done in epoch+1; 0: boundary */
	double loss_sum;	/* sum of loss*batch over those batches */
	double lr;		/* the last learning rate used */
	struct rng rng_epoch;	/* the rng before this epoch's shuffle */
	int epoch0;		/* epochs completed when this run began */
	int resumed;		/* state restored from a checkpoint */
	char *ckpt_dir;		/* JOBDIR/checkpoints */
	json_t *ckpts;		/* state.json "checkpoints" (owned) */
	int lock_fd;		/* JOBDIR/.lock, held while the run lives */
	double train_loss, val_loss;
	int best_epoch;
	double best_val;
	int bad_epochs;
	int stopped_early;

	enum stage stage;
	double stage_t0;
	double t0;		/* monotonic start of the run */
	double train_t0;	/* monotonic start of the train stage */
	double cpu_t0, cpu_wall0;	/* for cpu_pct */
	int own_resources;	/* the state's resources are an exec job's
				   command's (exec.c), not this process's */
	struct threads threads;	/* OpenMP threads, fitted to the free cores */
};

/*
 * The signal that asked the run to stop; 0: none yet. SIGTERM and SIGINT
 * cancel it; SIGUSR1 says a time limit is near (Slurm's sbatch --signal):
 * the run checkpoints and fails, saying so, and a retry resumes.
 */
extern volatile sig_atomic_t run_stop_signal;

/* Catch SIGTERM, SIGINT and SIGUSR1 into run_stop_signal. */
void run_install_signals(void);

/* CPU seconds used by this process so far. */
double run_cpu_seconds(void);

/* Put cpu_pct (since the last call) and rss_mb into the state. */
void run_update_resources(struct run *r);

/*
 * Begin stage s: it becomes the current stage, "running" in state.json
 * (written) and in a "stage" event.
 */
void run_stage_begin(struct run *r, enum stage s);

/* End stage s with status and its duration (state written later). */
void run_stage_end(struct run *r, enum stage s, enum job_status status);

/*
 * End the run completed: the final state.json and the "finished" event.
 * Returns TRAIN_COMPLETED, the exit status.
 */
int run_complete(struct run *r);

/*
 * Fail the current stage with message and hint (NULL or "": none), in
 * the log and the state's error. Returns TRAIN_FAILED.
 */
int run_fail(struct run *r, const char *message, const char *hint);

/*
 * End the run stopped by run_stop_signal: cancelled (SIGTERM/SIGINT,
 * TRAIN_CANCELLED), or failed before a time limit (SIGUSR1, TRAIN_FAILED);
 * the stage and the state say so. ckpt_cancel() checkpoints first.
 */
int run_cancel(struct run *r);

/* The hint for a failure in stage s (a static string, maybe ""). */
const char *run_stage_hint(enum stage s);

/*
 * The initial state.json, replacing r->jf.state: job_state_new's, with
 * what outlives a run carried from the old state (job_state_carry), the
 * status running in the load stage; threads is the number the run uses.
 */
void run_state_init(struct run *r, int threads);

/* Free what r holds and close its job files; the lock fd stays open. */
void run_release(struct run *r);

#endif
