/*
 * metrics.h - evaluation metrics on the original scale of the targets.
 *
 * Regression: rmse, mae, r2 (1 - SSE/SST, over all targets pooled per
 * target then averaged), directional accuracy (the share of samples where
 * the prediction moves from the last observed value in the same direction
 * as the truth; needs the last observed value, so windowed data only).
 * Classification: accuracy, macro F1 and the confusion matrix (rows are
 * the true class, columns the predicted one). Accumulated in double.
 *
 * Exact definitions, over the n*D (prediction, truth) pairs:
 *   rmse    sqrt(sum (pred - y)^2 / (n*D)), all targets pooled
 *   mae     sum |pred - y| / (n*D), all targets pooled
 *   r2      per target d: 1 - SSE_d / SST_d, SSE_d = sum_i (pred - y)^2,
 *           SST_d = sum_i (y - mean_d)^2; then the plain mean over the
 *           targets with SST_d > 0. NaN when no target varies (or n = 0).
 *   diracc  the share of pairs with sign(pred - last) = sign(y - last),
 *           where sign is -1, 0 or +1 (so no move predicted for no move
 *           is a hit); NaN without last.
 *   pinball (quantile loss) the mean over the n*D*Q (level, prediction,
 *           truth) triples of max(tau u, (tau - 1) u), u = y - q: the
 *           quantile loss on the original scale
 *   coverage  (quantile loss, Q >= 2) the share of the n*D pairs with
 *           q_lo <= y <= q_hi, q_lo and q_hi the predictions of the
 *           lowest and the highest level: how often the truth falls in
 *           the band, to compare with tau_hi - tau_lo (crossed quantiles,
 *           q_lo > q_hi, cover nothing); NaN with one level.
 *   accuracy  correct / n
 *   f1      macro F1: the mean over classes k of 2 TP / (2 TP + FP + FN),
 *           counting only the classes that occur in the truth or in the
 *           predictions (a class absent from both has no F1 and is left
 *           out); NaN when n = 0.
 * Every function fills in every field: those of the other kind of problem
 * are NaN (nclasses 0, confusion NULL for regression). m need not be
 * initialised beforehand; release it with metrics_release().
 */
#ifndef SPOOLBOARD_METRICS_H
#define SPOOLBOARD_METRICS_H

#include <stddef.h>

struct metrics {
	int classification;
	/* regression (NaN where undefined) */
	double rmse, mae, r2, diracc;
	/* quantile regression (metrics_quantile), NaN otherwise */
	int quantile;
	double pinball, coverage;
	/* classification */
	double accuracy, f1;
	int nclasses;
	long *confusion;	/* (nclasses, nclasses), owned; NULL if none */
};

/*
 * pred, y: (n, D) on the original scale. last: (n, D) last observed values
 * for directional accuracy, or NULL (diracc is then NaN).
 */
void metrics_regression(struct metrics *m, const float *pred, const float *y,
			const float *last, size_t n, int D);

/*
 * Add the quantile figures to m (filled by metrics_regression before):
 * q is (n, D, Q), the predictions of the Q levels taus (ascending) on
 * the original scale, y is (n, D). Sets m->quantile, m->pinball and
 * m->coverage (NaN when Q < 2).
 */
void metrics_quantile(struct metrics *m, const float *q, const float *y,
		      size_t n, int D, const double *taus, int Q);

/*
 * pred, y: (n) class indices in [0, K). Allocates m->confusion. A pair
 * with either index outside [0, K) is skipped (it is not counted in n).
 */
void metrics_classification(struct metrics *m, const int *pred, const int *y,
			    size_t n, int K);

/*
 * Binary classification from bce probabilities: each of the D targets is
 * thresholded at 0.5 and counted as a two-class problem; accuracy and F1
 * are averaged over targets and the confusion matrix summed (2 x 2).
 * The predicted class is 1 when prob > 0.5 (0.5 itself is class 0), the
 * true class 1 when y > 0.5. The F1 of a target is the macro F1 of its two
 * classes, as metrics_classification() computes it.
 */
void metrics_binary(struct metrics *m, const float *prob, const float *y,
		    size_t n, int D);

/* Free the confusion matrix (confusion becomes NULL). */
void metrics_release(struct metrics *m);

#endif
