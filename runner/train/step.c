/*
 * step.c - a training step in one parallel region; see step.h.
 *
 * The update goes through the parameter block in pieces of BLOCK
 * elements, so the summed gradient of a piece is still in the L1 cache
 * when the optimizer reads it.
 */
#include <math.h>

#include "runner/train/layers.h"
#include "runner/train/loss.h"
#include "runner/train/step.h"

#define BLOCK 4096

/* Sum (unless summed), clip and update elements [lo, hi). */
static void
update(struct step *s, int summed, double coef, double lr, size_t lo,
       size_t hi)
{
	real *params = model_params(s->model), *grads = model_grads(s->model);

	for (size_t i = lo; i < hi; i += BLOCK) {
		size_t e = hi - i < BLOCK ? hi : i + BLOCK;

		if (!summed)
			model_sum_grads(s->model, i, e);
		clip_scale(grads, i, e, coef);
		optim_update(s->opt, params, grads, lr, i, e);
	}
}

double
step_run(struct step *s, const real *x, const real *y, int B, double lr,
	 struct rng *r)
{
	struct model *m = s->model;
	const real *out = model_output(m);
	const real *grads = model_grads(m);
	int O = loss_outputs(s->loss, s->D, s->K);
	size_t np = model_nparams(m), cc = clip_chunk(np);
	long nclip = (long)((np + cc - 1) / cc);
	double part[MODEL_MAX_CHUNKS], sq[CLIP_MAX_CHUNKS], sum = 0;
	double n = loss_count(s->loss, B, s->D);
	int nc = model_forward_begin(m, x, B, 1, r);

	#pragma omp parallel
	{
		double mine = 0, coef = 1;
		size_t lo, hi;

		#pragma omp for schedule(dynamic, 1)
		for (int c = 0; c < nc; c++) {
			int b0, k;

			model_chunk_span(m, c, &b0, &k);
			model_forward_chunk(m, c);
			part[c] = loss_sum(s->loss, out + (size_t)b0 * O,
					   y + (size_t)b0 * s->D, k, s->D,
					   s->K, s->dout + (size_t)b0 * O,
					   1 / n);
			model_backward_chunk(m, c, s->dout);
		}
		/* every thread finds the same sum, so all take one branch */
		for (int c = 0; c < nc; c++)
			mine += part[c];
		if (isfinite(mine) && s->clip > 0) {
			double norm = 0;

			#pragma omp for schedule(static)
			for (long k = 0; k < nclip; k++) {
				size_t i0 = (size_t)k * cc;
				size_t i1 = np - i0 < cc ? np : i0 + cc;

				model_sum_grads(m, i0, i1);
				sq[k] = clip_sumsq(grads, i0, i1);
			}
			for (long k = 0; k < nclip; k++)
				norm += sq[k];
			coef = clip_coef(sqrt(norm), s->clip);
		}
		if (isfinite(mine)) {
			nn_split(np, &lo, &hi);
			update(s, s->clip > 0, coef, lr, lo, hi);
		}
	}
	for (int c = 0; c < nc; c++)
		sum += part[c];
	if (isfinite(sum))
		s->opt->step++;
	return sum / n;
}
