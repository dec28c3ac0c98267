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
 */
#ifndef SPOOLBOARD_OPTIM_H
#define SPOOLBOARD_OPTIM_H

#include <stddef.h>

#include "config.h"
#include "nn.h"

struct optim {
	enum optim_type type;
	double momentum, beta1, beta2, eps, weight_decay;
	int nesterov;
	long step;	/* steps taken (adam bias correction uses step+1) */
	size_t n;	/* parameters */
	real *m;	/* sgd velocity / adam first moment, (n) */
	real *v;	/* adam second moment, (n); NULL for sgd */
};

/* Set up for n parameters from cfg->train; moments zeroed. */
void optim_init(struct optim *o, const struct config *cfg, size_t n);
void optim_release(struct optim *o);

/* One update of params (n) with grads (n) at learning rate lr. */
void optim_step(struct optim *o, real *params, const real *grads, double lr);

/*
 * Scale grads so their global L2 norm is at most max_norm (max_norm <= 0:
 * no change). Returns the norm before clipping.
 */
double clip_grad_norm(real *grads, size_t n, double max_norm);

/*
 * The learning rate at a point of training: epoch (0-based) plus the
 * fraction done of it, out of epochs. Linear warm-up over the first
 * `warmup` epochs, then constant, step (times gamma every step_size
 * epochs) or cosine from base_lr down to min_lr at the last epoch.
 */
double schedule_lr(const struct sched_spec *s, double base_lr, double epoch,
		   int epochs);

#endif
