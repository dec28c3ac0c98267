/*
 * epoch.c - the train stage; see epoch.h.
 *
 * An epoch shuffles the train samples, takes a step for each batch
 * (step.h: forward, loss, backward, clipping, the optimizer at the
 * scheduled lr),
 * then evaluates on the validation split (end_epoch): the best weights
 * so far are kept for the test stage, and early stopping counts the
 * epochs without improvement. The run is stopped between batches on a
 * signal or at the time limit.
 */
#include "runner/train/epoch.h"
#include "runner/train/ckptdir.h"
#include "runner/train/evaluate.h"
#include "runner/train/optim.h"
#include "runner/train/results.h"
#include "runner/train/step.h"
#include "lib/rng.h"
#include "lib/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After an epoch: record losses, metrics, progress; track the best. */
static void
end_epoch(struct run *r, double lr, double epoch_secs)
{
	struct metrics m;
	json_t *st = r->jf.state;
	const struct config *c = &r->cfg;
	double eta, val;
	int improved;

	val = evaluate_split(r, SPLIT_VAL, &m, NULL, NULL);
	r->val_loss = val;
	r->epoch++;
	/* Without a validation split the train loss decides what is best. */
	if (!isfinite(val))
		val = r->train_loss;
	improved = val < r->best_val - c->train.min_delta;
	if (improved) {
		r->best_val = val;
		r->best_epoch = r->epoch;
		r->bad_epochs = 0;
		memcpy(r->best_params, model_params(r->model),
		       model_nparams(r->model) * sizeof(real));
	} else {
		r->bad_epochs++;
	}
	if (c->train.patience > 0 && r->ds.nsamples[SPLIT_VAL] &&
	    r->bad_epochs >= c->train.patience)
		r->stopped_early = 1;

	run_update_resources(r);
	eta = (time_mono() - r->train_t0) / (r->epoch - r->epoch0) *
	      (c->train.epochs - r->epoch);
	json_object_set_new(st, "epoch", json_integer(r->epoch));
	json_object_set_new(st, "step", json_integer(r->step));
	json_object_set_new(st, "progress",
			    json_real((double)r->epoch / c->train.epochs));
	json_object_set_new(st, "train_loss", json_num(r->train_loss));
	json_object_set_new(st, "val_loss", json_num(r->val_loss));
	json_object_set_new(st, "lr", json_num(lr));
	json_object_set_new(st, "best", json_pack("{s:i,s:o}", "epoch",
		r->best_epoch, "val_loss", json_num(r->best_val)));
	json_object_set_new(st, "metrics", evaluate_metrics_json(&m));
	json_object_set_new(st, "eta_seconds", json_num(eta));
	results_metrics_row(r, lr, &m);
	jobfiles_state_write(&r->jf);
	if (m.classification)
		jobfiles_log(&r->jf, "epoch %d/%d  train_loss %.6g  val_loss "
			     "%.6g  val_accuracy %.4f  lr %.3g  %.2fs%s",
			     r->epoch, c->train.epochs, r->train_loss,
			     r->val_loss, m.accuracy, lr, epoch_secs,
			     improved ? "  *" : "");
	else
		jobfiles_log(&r->jf, "epoch %d/%d  train_loss %.6g  val_loss "
			     "%.6g  val_rmse %.6g  lr %.3g  %.2fs%s",
			     r->epoch, c->train.epochs, r->train_loss,
			     r->val_loss, m.rmse, lr, epoch_secs,
			     improved ? "  *" : "");
	jobfiles_progress(&r->jf, (double)r->epoch / c->train.epochs,
			  r->epoch, c->train.epochs, r->train_loss,
			  r->val_loss, eta, 1);
	metrics_release(&m);
}

/*
 * Returns 0 when training ended normally, else the code of run_fail() or ckpt_cancel().
 *
 * Everything an epoch depends on is in struct run and in the checkpoint:
 * the rng before the shuffle (rng_epoch), the batch cursor, the partial
 * loss sum and the last lr, so a run resumed mid-epoch replays the same
 * shuffle and carries on with the same draws.
 */
int
epoch_stage_train(struct run *r)
{
	const struct config *c = &r->cfg;
	size_t n = r->ds.nsamples[SPLIT_TRAIN];
	size_t nbatches = (n + (size_t)r->B - 1) / (size_t)r->B;
	struct step st = { r->model, &r->opt, &c->loss, r->D, r->K,
			   c->train.clip_grad, r->dout, STEP_AUTO };

	run_stage_begin(r, STAGE_TRAIN);
	if (r->resumed)
		results_metrics_truncate(r);
	else
		results_metrics_header(r);
	r->train_t0 = time_mono();
	r->epoch0 = r->epoch;
	while (r->epoch < c->train.epochs && !r->stopped_early) {
		double t_epoch = time_mono();
		size_t b0 = (size_t)r->cursor;

		memcpy(r->order, r->ds.samples[SPLIT_TRAIN],
		       n * sizeof(size_t));
		if (r->cursor > 0) {
			/* resumed mid-epoch: the same order, then go on */
			struct rng now = r->rng;

			r->rng = r->rng_epoch;
			rng_shuffle(&r->rng, r->order, n);
			r->rng = now;
		} else {
			r->rng_epoch = r->rng;
			r->loss_sum = 0;
			r->lr = c->train.lr;
			rng_shuffle(&r->rng, r->order, n);
		}
		for (size_t b = b0; b < nbatches; b++) {
			size_t i = b * (size_t)r->B;
			int nb = (int)(n - i < (size_t)r->B ? n - i :
				       (size_t)r->B);
			double loss, lr;

			threads_adapt(&r->threads, b == b0);
			data_batch(&r->ds, r->order + i, nb, r->xb, r->yb,
				   NULL);
			lr = schedule_lr(&c->train.schedule, c->train.lr,
					 r->epoch + (double)b / nbatches,
					 c->train.epochs);
			loss = step_run(&st, r->xb, r->yb, nb, lr, &r->rng);
			if (!isfinite(loss)) {
				char msg[256], hint[256];

				snprintf(msg, sizeof(msg), "train loss became "
					 "%s at epoch %d, batch %zu",
					 isnan(loss) ? "NaN" : "Inf",
					 r->epoch + 1, b + 1);
				snprintf(hint, sizeof(hint), "lower train.lr "
					 "(now %g)%s", c->train.lr,
					 c->train.clip_grad > 0 ? "" :
					 " or set train.clip_grad, e.g. 1.0");
				return run_fail(r, msg, hint);
			}
			r->lr = lr;
			r->step++;
			r->loss_sum += loss * nb;
			r->cursor = (long)b + 1;
			if (run_stop_signal)
				return ckpt_cancel(r);
			if (c->limits.max_seconds > 0 && time_mono() - r->t0 >
			    c->limits.max_seconds) {
				char msg[128];

				snprintf(msg, sizeof(msg), "time limit of %g s "
					 "reached at epoch %d",
					 c->limits.max_seconds, r->epoch + 1);
				ckpt_save(r);
				return run_fail(r, msg, "raise "
						"limits.max_seconds or train "
						"for fewer epochs");
			}
			jobfiles_progress(&r->jf, (r->epoch + (double)(b + 1) /
				nbatches) / c->train.epochs, r->epoch + 1,
				c->train.epochs, loss, r->val_loss, -1, 0);
		}
		r->train_loss = r->loss_sum / (double)n;
		r->cursor = 0;
		r->loss_sum = 0;
		end_epoch(r, r->lr, time_mono() - t_epoch);
		if (c->checkpoint.every > 0 &&
		    r->epoch % c->checkpoint.every == 0)
			ckpt_save(r);
	}
	if (r->stopped_early)
		jobfiles_log(&r->jf, "early stopping at epoch %d: val_loss has "
			     "not improved for %d epochs; best epoch %d "
			     "(val_loss %.6g)", r->epoch, c->train.patience,
			     r->best_epoch, r->best_val);
	run_stage_end(r, STAGE_TRAIN, JOB_COMPLETED);
	return 0;
}
