/*
 * step.h - one training step: forward, loss, backward, gradient clipping
 * and the optimizer's update, in one OpenMP parallel region.
 *
 * The threads share out the batch's chunks (model.h): a chunk's forward,
 * the loss of its samples with their gradient, and its backward run on
 * one thread. After a barrier the threads share out the parameter block:
 * each sums the chunks' gradients over its part, in chunk order, and
 * updates that part. With clipping, the sum is taken over the clipping
 * norm's fixed chunks (optim.h) and a second barrier comes before the
 * update, which needs the whole norm. A step by chunks thus costs one
 * fork and join and one or two barriers, whatever the model.
 *
 * An mlp wide enough for its batch (model_split_at) runs on two threads
 * by blocks of weight rows instead (mlpsplit.h): each thread keeps its
 * block of every layer's weights, gradients and moments, and only the
 * activations cross, at the cost of two barriers a layer.
 *
 * Nothing computed depends on the thread count: a chunk's arithmetic is
 * the same on any thread, the chunks' losses and gradients are summed in
 * chunk order, the norm in its fixed chunks, and each parameter's update
 * reads only its own values. So results are bit-identical for any number
 * of threads.
 */
#ifndef SPOOLBOARD_STEP_H
#define SPOOLBOARD_STEP_H

#include "job/config.h"
#include "runner/train/model.h"
#include "runner/train/nn.h"
#include "runner/train/optim.h"
#include "lib/rng.h"

/*
 * How step_run shares the work out. STEP_AUTO: by blocks of weight rows
 * (mlpsplit.h) for an mlp that has them on exactly two threads, where
 * it crosses less between the cores; else by chunks of the batch as
 * above. Both give the same bits, so tests may force either.
 */
enum step_scheme { STEP_AUTO, STEP_CHUNKS, STEP_BLOCKS };

struct step {
	struct model *model;
	struct optim *opt;
	const struct loss_spec *loss;
	int D;		/* targets per sample */
	int K;		/* classes (cross_entropy) */
	double clip;	/* largest gradient norm; <= 0: no clipping */
	real *dout;	/* (max_batch, outputs): workspace */
	enum step_scheme scheme;	/* STEP_AUTO (0) unless testing */
};

/*
 * One step on the batch x (B, steps, inputs) with targets y (B, D) at
 * learning rate lr; dropout masks are drawn from r. Returns the batch's
 * mean loss (the chunks' sums added in chunk order, over loss_count()).
 * When it is not finite the parameters and the optimizer are left as
 * they were (and model_grads() holds no meaningful gradient).
 */
double step_run(struct step *s, const real *x, const real *y, int B,
		double lr, struct rng *r);

/* Whether step_run would run s by blocks of weight rows (mlpsplit.h). */
int step_by_blocks(const struct step *s);

#endif
