/*
 * optim.h - optimizers, learning-rate schedules, gradient clipping.
 *
 * The optimizer works on the model's single parameter block: one loop.
 * Its state (moments, step count) is one more block so a checkpoint saves
 * it whole. Weight decay is added to the gradient for sgd and adam (L2)
 * and applied to the weights directly for adamw (decoupled).
 *
 *   sgd:   v = mu*v + g;  p -= lr * (nesterov ? g + mu*v : v)
 *   adam:  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;
 *          p -= lr * mhat / (sqrt(vhat) + eps), mhat = m/(1-b1^t) ...
 *   adamw: p -= lr*wd*p, then the adam step without wd in g
 *
 * In full, for each parameter p with gradient g (PyTorch's semantics):
 *   sgd:   g += wd*p; with momentum mu != 0: v = mu*v + g (v starts at 0,
 *          so the first step has v = g) and the update is g + mu*v with
 *          nesterov, else v; with mu = 0 the update is g (no velocity).
 *          p -= lr * update.
 *   adam:  t = step + 1; g += wd*p; m = b1*m + (1-b1)*g;
 *          v = b2*v + (1-b2)*g^2;
 *          p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *          (the same as lr * mhat / (sqrt(vhat) + eps)).
 *   adamw: p -= lr*wd*p first, then the adam update with g unchanged.
 * Each parameter is updated on its own, in double, and stored back as
 * real; step counts the calls to optim_step(). The update of a parameter
 * does not depend on the others, so it is the same for any thread count.
 */
#ifndef SPOOLBOARD_OPTIM_H
#define SPOOLBOARD_OPTIM_H

#include <stddef.h>

#include "job/config.h"
#include "runner/train/nn.h"

struct optim {
	enum optim_type type;
	double momentum, beta1, beta2, eps, weight_decay;
	int nesterov;
	long step;	/* steps taken (adam bias correction uses step+1) */
	size_t n;	/* parameters */
	real *m;	/* sgd velocity / adam first moment, (n) */
	real *v;	/* adam second moment, (n); NULL for sgd */
};

/*
 * Set up for n parameters from cfg->train (optimizer, momentum, nesterov,
 * beta1, beta2, eps, weight_decay); moments zeroed, step 0. m is always
 * allocated, v only for adam and adamw. Cannot fail (out of memory
 * aborts). optim_release() frees the moments.
 */
void optim_init(struct optim *o, const struct config *cfg, size_t n);
void optim_release(struct optim *o);

/* One update of params (n) with grads (n) at learning rate lr. */
void optim_step(struct optim *o, real *params, const real *grads, double lr);

/*
 * Elements [i0, i1) of the update the next optim_step would make, without
 * counting the step: threads may each update a part of the block, then
 * one of them counts the step (o->step++) once all are done.
 */
void optim_update(const struct optim *o, real *params, const real *grads,
		  double lr, size_t i0, size_t i1);

/*
 * Scale grads so their global L2 norm is at most max_norm (max_norm <= 0:
 * no change). Returns the norm before clipping.
 *
 * The norm is sqrt(sum g^2) in double, summed in chunks whose size depends
 * on n only and then chunk by chunk in order, so it is the same for any
 * thread count. When norm > max_norm every gradient is multiplied by
 * max_norm / (norm + 1e-6) (as PyTorch does). A NaN or infinite norm
 * leaves grads as they are; the caller sees it in the return value.
 */
double clip_grad_norm(real *grads, size_t n, double max_norm);

/*
 * clip_grad_norm in pieces, for threads: the sum of squares is taken over
 * chunks of clip_chunk(n) elements (at most CLIP_MAX_CHUNKS of them; the
 * last may be shorter), clip_sumsq over one chunk; the chunk sums are
 * added in order and norm = sqrt(sum). clip_coef gives the factor for
 * that norm (1: no clipping) and clip_scale applies it to [i0, i1).
 */
#define CLIP_MAX_CHUNKS 256
size_t clip_chunk(size_t n);
double clip_sumsq(const real *grads, size_t i0, size_t i1);
double clip_coef(double norm, double max_norm);
void clip_scale(real *grads, size_t i0, size_t i1, double coef);

/*
 * The learning rate at a point of training: epoch (0-based) plus the
 * fraction done of it, out of epochs. Linear warm-up over the first
 * `warmup` epochs, then constant, step (times gamma every step_size
 * epochs) or cosine from base_lr down to min_lr at the end of training.
 *
 * Exactly, with t = max(epoch, 0) (fractional: 2.5 is half-way through
 * the third epoch), w = warmup, E = epochs:
 *   t < w:     base_lr * (1 + (w - 1) * t / w) / w, a line from base_lr/w
 *              at t = 0 to base_lr at t = w (w <= 0: no warm-up);
 *   then, with u = t - max(w, 0), the epochs since the warm-up:
 *   constant:  base_lr;
 *   step:      base_lr * gamma^floor(u / step_size) (step_size <= 0:
 *              base_lr), so the rate drops at whole epochs;
 *   cosine:    min_lr + (base_lr - min_lr) * (1 + cos(pi * p)) / 2 with
 *              p = min(u / (E - w), 1): base_lr when the warm-up ends,
 *              min_lr at the end of the last epoch (t = E), so the last
 *              step still learns. When E - w <= 0 (the warm-up takes all
 *              of training) the rate stays base_lr.
 * Called once per epoch with a whole epoch, or per step with a fraction.
 */
double schedule_lr(const struct sched_spec *s, double base_lr, double epoch,
		   int epochs);

#endif
