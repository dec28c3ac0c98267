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
