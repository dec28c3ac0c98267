/*
 * metrics.h - evaluation metrics on the original scale of the targets.
 *
 * Regression: rmse, mae, r2 (1 - SSE/SST, over all targets pooled per
 * target then averaged), directional accuracy (the share of samples where
 * the prediction moves from the last observed value in the same direction
 * as the truth; needs the last observed value, so windowed data only).
 * Classification: accuracy, macro F1 and the confusion matrix (rows are
 * the true class, columns the predicted one). Accumulated in double.
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

/* pred, y: (n) class indices in [0, K). Allocates m->confusion. */
void metrics_classification(struct metrics *m, const int *pred, const int *y,
			    size_t n, int K);

/*
 * Binary classification from bce probabilities: each of the D targets is
 * thresholded at 0.5 and counted as a two-class problem; accuracy and F1
 * are averaged over targets and the confusion matrix summed (2 x 2).
 */
void metrics_binary(struct metrics *m, const float *prob, const float *y,
		    size_t n, int D);

void metrics_release(struct metrics *m);

#endif
