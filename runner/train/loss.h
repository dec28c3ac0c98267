/*
 * loss.h - training losses on a batch, and point predictions.
 *
 * The output width per target follows the loss: mse, mae, huber, bce: 1;
 * gaussian_nll: 2 (mean, raw variance); student_t: 3 (location, raw scale,
 * raw degrees of freedom); quantile: one per quantile; cross_entropy: one
 * logit per class (a single target holding the class index). Raw values
 * pass through softplus (plus a floor) to become positive, so the network
 * output is unconstrained. Output layout per sample: for target d,
 * out[d*width + j] (cross_entropy: out[k] for class k).
 *
 * Everything is computed in numerically stable form (log-sum-exp, log1p,
 * lgamma, a variance floor), accumulated in double.
 */
#ifndef SPOOLBOARD_LOSS_H
#define SPOOLBOARD_LOSS_H

#include "config.h"
#include "nn.h"

/* Output width for D targets (nclasses used by cross_entropy only). */
int loss_outputs(const struct loss_spec *ls, int ntargets, int nclasses);

/*
 * Mean loss over the batch. out is (B, O) with O = loss_outputs(); y is
 * (B, D) (cross_entropy: D = 1, the class index as a real). When dout is
 * not NULL it receives d(mean loss)/d(out), (B, O).
 */
double loss_compute(const struct loss_spec *ls, const real *out,
		    const real *y, int B, int D, int nclasses, real *dout);

/*
 * Point prediction per target: pred is (B, D). Mean for gaussian_nll,
 * location for student_t, the median quantile (or the middle one) for
 * quantile, the probability for bce, the argmax class for cross_entropy.
 */
void loss_predict(const struct loss_spec *ls, const real *out, int B, int D,
		  int nclasses, real *pred);

/* Is this a classification loss (cross_entropy, bce)? */
int loss_is_classification(const struct loss_spec *ls);

#endif
