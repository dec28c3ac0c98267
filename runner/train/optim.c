/*
 * optim.c - sgd, adam and adamw over the parameter block; gradient
 * clipping; learning-rate schedules.
 *
 * The optimizers are one element-wise loop over the block, split between
 * OpenMP threads when it is long; each parameter's update is computed in
 * double from its own values only, so the result is bit-identical for any
 * thread count. The clipping norm is a reduction, done in fixed chunks.
 * The exact formulas are in optim.h.
 */
#include <math.h>
#include <stdlib.h>

#include "lib/error.h"
#include "runner/train/optim.h"

#define PAR_PARAMS 32768	/* parameters below which one thread is used */
#define CHUNK_MIN 4096		/* smallest chunk of the clipping norm */
#define MAX_CHUNKS 256		/* chunks are made larger beyond this */

void
optim_init(struct optim *o, const struct config *cfg, size_t n)
{
	o->type = cfg->train.optimizer;
	o->momentum = cfg->train.momentum;
	o->nesterov = cfg->train.nesterov;
	o->beta1 = cfg->train.beta1;
	o->beta2 = cfg->train.beta2;
	o->eps = cfg->train.eps;
	o->weight_decay = cfg->train.weight_decay;
	o->step = 0;
	o->n = n;
	o->m = xcalloc(n, sizeof(*o->m));
	o->v = NULL;
	if (o->type != OPTIM_SGD)
		o->v = xcalloc(n, sizeof(*o->v));
}

void
optim_release(struct optim *o)
{
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
}

static void
sgd_step(struct optim *o, real *params, const real *grads, double lr)
{
	double mu = o->momentum, wd = o->weight_decay;
	int nesterov = o->nesterov;
	long n = (long)o->n;
	real *vel = o->m;

	#pragma omp parallel for schedule(static) if (n >= PAR_PARAMS)
	for (long i = 0; i < n; i++) {
		double p = params[i], g = grads[i] + wd * p;

		if (mu != 0) {
			double v = mu * vel[i] + g;

			vel[i] = (real)v;
			g = nesterov ? g + mu * v : v;
		}
		params[i] = (real)(p - lr * g);
	}
}

static void
adam_step(struct optim *o, real *params, const real *grads, double lr)
{
	double b1 = o->beta1, b2 = o->beta2, eps = o->eps;
	double t = (double)(o->step + 1);
	double step_size = lr / (1 - pow(b1, t));
	double sbc2 = sqrt(1 - pow(b2, t));
	double wd = o->type == OPTIM_ADAM ? o->weight_decay : 0;
	double decay = o->type == OPTIM_ADAMW ? 1 - lr * o->weight_decay : 1;
	long n = (long)o->n;
	real *mom = o->m, *sq = o->v;

	#pragma omp parallel for schedule(static) if (n >= PAR_PARAMS)
	for (long i = 0; i < n; i++) {
		double p = params[i] * decay, g = grads[i] + wd * params[i];
		double m = b1 * mom[i] + (1 - b1) * g;
		double v = b2 * sq[i] + (1 - b2) * g * g;

		mom[i] = (real)m;
		sq[i] = (real)v;
		params[i] = (real)(p - step_size * m / (sqrt(v) / sbc2 + eps));
	}
}

void
optim_step(struct optim *o, real *params, const real *grads, double lr)
{
	if (o->type == OPTIM_SGD)
		sgd_step(o, params, grads, lr);
	else
		adam_step(o, params, grads, lr);
	o->step++;
}

double
clip_grad_norm(real *grads, size_t n, double max_norm)
{
	double partial[MAX_CHUNKS], sum = 0, norm;
	size_t chunk = (n + MAX_CHUNKS - 1) / MAX_CHUNKS;
	long nchunks;

	/* the chunking depends on n only, never on the thread count */
	if (chunk < CHUNK_MIN)
		chunk = CHUNK_MIN;
	nchunks = (long)((n + chunk - 1) / chunk);

	#pragma omp parallel for schedule(static) \
		if (n >= PAR_PARAMS && nchunks > 1)
	for (long c = 0; c < nchunks; c++) {
		size_t i0 = (size_t)c * chunk;
		size_t i1 = i0 + chunk < n ? i0 + chunk : n;
		double s = 0;

		for (size_t i = i0; i < i1; i++)
			s += (double)grads[i] * grads[i];
		partial[c] = s;
	}
	for (long c = 0; c < nchunks; c++)
		sum += partial[c];
	norm = sqrt(sum);
	if (max_norm > 0 && isfinite(norm) && norm > max_norm) {
		double coef = max_norm / (norm + 1e-6);
		long ln = (long)n;

		#pragma omp parallel for schedule(static) if (ln >= PAR_PARAMS)
		for (long i = 0; i < ln; i++)
			grads[i] = (real)(grads[i] * coef);
	}
	return norm;
}

double
schedule_lr(const struct sched_spec *s, double base_lr, double epoch,
	    int epochs)
{
	double t = epoch > 0 ? epoch : 0, u, span, p;
	int w = s->warmup > 0 ? s->warmup : 0;

	if (t < w)
		return base_lr * (1 + (w - 1) * t / w) / w;
	u = t - w;
	switch (s->type) {
	case SCHED_STEP:
		if (s->step_size <= 0)
			return base_lr;
		return base_lr * pow(s->gamma, floor(u / s->step_size));
	case SCHED_COSINE:
		span = epochs - w;
		if (span <= 0)
			return base_lr;
		p = u / span < 1 ? u / span : 1;
		return s->min_lr + (base_lr - s->min_lr) * 0.5
		       * (1 + cos(M_PI * p));
	default:
		return base_lr;
	}
}
