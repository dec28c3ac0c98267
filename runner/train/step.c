/*
 * step.c - a training step in one parallel region; see step.h.
 *
 * The update goes through the parameter block in pieces of BLOCK
 * elements, so the summed gradient of a piece is still in the L1 cache
 * when the optimizer reads it.
 */
#include <math.h>

#include <omp.h>

#include "runner/train/layers.h"
#include "runner/train/loss.h"
#include "runner/train/mlpsplit.h"
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

int
step_by_blocks(const struct step *s)
{
	if (!model_mlpsplit(s->model) || s->scheme == STEP_CHUNKS)
		return 0;
	return s->scheme == STEP_BLOCKS || omp_get_max_threads() == 2;
}

/*
 * The step by blocks of weight rows (mlpsplit.h): threads 0 and 1 each
 * run one block of every layer (thread 0 both when alone), with a
 * barrier in each layer's forward and in its backward; thread 0 takes
 * the loss. More threads only meet the barriers and share the clipping
 * norm.
 */
static double
step_blocks(struct step *s, const real *x, const real *y, int B, double lr,
	    struct rng *r)
{
	struct model *m = s->model;
	struct mlpsplit *sp = model_mlpsplit(m);
	const real *grads = model_grads(m);
	int O = loss_outputs(s->loss, s->D, s->K), L = mlpsplit_layers(sp);
	size_t np = model_nparams(m), cc = clip_chunk(np);
	long nclip = (long)((np + cc - 1) / cc);
	double part[MODEL_MAX_CHUNKS], sq[CLIP_MAX_CHUNKS], sum = 0;
	double n = loss_count(s->loss, B, s->D);
	int nc = model_forward_begin(m, x, B, 1, r);

	#pragma omp parallel
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		size_t range[MLPSPLIT_MAX_RANGES][2];
		double mine = 0, coef = 1;

		for (int l = 0; l < L; l++) {
			for (int b = t; b < 2; b += nt)
				mlpsplit_forward(sp, l, b);
			#pragma omp barrier
			for (int b = t; b < 2; b += nt)
				mlpsplit_reduce(sp, l, b);
		}
		/* the output layer's columns are all block 0's */
		if (t == 0) {
			const real *out = mlpsplit_output(sp);

			for (int c = 0; c < nc; c++) {
				size_t o;
				int b0, k;

				model_chunk_span(m, c, &b0, &k);
				o = (size_t)b0 * O;
				part[c] = loss_sum(s->loss, out + o, y +
						   (size_t)b0 * s->D, k, s->D,
						   s->K, s->dout + o, 1 / n);
			}
			mlpsplit_grad(sp, L - 1, 0, s->dout);
		}
		for (int l = L - 1; l >= 0; l--) {
			#pragma omp barrier
			for (int b = t; b < 2; b += nt) {
				mlpsplit_backward(sp, l, b);
				if (l > 0)
					mlpsplit_grad(sp, l - 1, b, NULL);
			}
		}
		/* part[] was whole at the first barrier of the backward, and
		   every thread finds the same sum */
		for (int c = 0; c < nc; c++)
			mine += part[c];
		if (isfinite(mine) && s->clip > 0) {
			double norm = 0;

			#pragma omp barrier
			#pragma omp for schedule(static)
			for (long k = 0; k < nclip; k++) {
				size_t i0 = (size_t)k * cc;
				size_t i1 = np - i0 < cc ? np : i0 + cc;

				sq[k] = clip_sumsq(grads, i0, i1);
			}
			for (long k = 0; k < nclip; k++)
				norm += sq[k];
			coef = clip_coef(sqrt(norm), s->clip);
		}
		for (int b = t; isfinite(mine) && b < 2; b += nt) {
			int k = mlpsplit_ranges(sp, b, range);

			for (int i = 0; i < k; i++)
				update(s, 1, coef, lr, range[i][0],
				       range[i][1]);
		}
	}
	for (int c = 0; c < nc; c++)
		sum += part[c];
	if (isfinite(sum))
		s->opt->step++;
	return sum / n;
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
	int nc;

	if (step_by_blocks(s))
		return step_blocks(s, x, y, B, lr, r);
	nc = model_forward_begin(m, x, B, 1, r);
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
