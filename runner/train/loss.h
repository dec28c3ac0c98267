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
 *
 * The exact formulas, per element, with o the output, y the target,
 * r = o - y the residual and softplus(x) = max(x, 0) + log1p(exp(-|x|))
 * (whose derivative is sigmoid(x)):
 *
 *   mse            r^2
 *   mae            |r|
 *   huber          r^2 / 2 if |r| <= delta, else delta * (|r| - delta / 2)
 *                  (delta <= 0 is taken as 1)
 *   gaussian_nll   out = (mu, a); var = softplus(a) + LOSS_VAR_FLOOR;
 *                  0.5 * (log(2 pi var) + (y - mu)^2 / var)
 *                  (the full negative log-likelihood, constant included)
 *   student_t      out = (mu, a, b); s = softplus(a) + LOSS_SCALE_FLOOR,
 *                  nu = softplus(b) + LOSS_NU_FLOOR, z = (y - mu) / s;
 *                  lgamma(nu/2) - lgamma((nu+1)/2) + 0.5 * log(nu pi)
 *                  + log(s) + (nu+1)/2 * log1p(z^2 / nu)
 *   quantile       out = (q_1 .. q_Q) for the levels tau_1 .. tau_Q of the
 *                  spec; with u = y - q_j the pinball loss
 *                  max(tau_j * u, (tau_j - 1) * u)
 *   cross_entropy  logits z_0 .. z_{K-1}, class c = y rounded;
 *                  log(sum_k exp(z_k - m)) + m - z_c, m = max_k z_k
 *   bce            logit x, label y in [0, 1];
 *                  max(x, 0) - x * y + log1p(exp(-|x|))
 *
 * The loss is the mean of these terms: over B*D elements (mse, mae,
 * huber, gaussian_nll, student_t, bce), over B*D*Q (quantile, so it is
 * the pinball loss averaged over the quantiles), over B (cross_entropy).
 * dout is exactly the derivative of that mean, the 1/N factor and the
 * softplus chain rule included. Where the loss has a kink (mae at r = 0,
 * quantile at u = 0) the subgradient 0 is used; huber at |r| = delta uses
 * the quadratic branch (the two agree there).
 */
#ifndef SPOOLBOARD_LOSS_H
#define SPOOLBOARD_LOSS_H

#include "job/config.h"
#include "runner/train/nn.h"

#define LOSS_VAR_FLOOR 1e-6	/* gaussian_nll: smallest variance */
#define LOSS_SCALE_FLOOR 1e-6	/* student_t: smallest scale */
#define LOSS_NU_FLOOR 2.0	/* student_t: nu > 2, so the variance exists */

/* Output width for D targets (nclasses used by cross_entropy only). */
int loss_outputs(const struct loss_spec *ls, int ntargets, int nclasses);

/*
 * Mean loss over the batch. out is (B, O) with O = loss_outputs(); y is
 * (B, D) (cross_entropy: D = 1, the class index as a real). When dout is
 * not NULL it receives d(mean loss)/d(out), (B, O).
 *
 * Returns NaN when there is nothing to average (B or D is 0) and when a
 * cross_entropy class index is outside [0, nclasses) (that sample's
 * gradient is then 0). Large logits do not overflow: the value stays
 * finite for any finite out. Runs on the calling thread; samples are
 * summed in chunks whose size depends on B only, then the chunks in order.
 */
double loss_compute(const struct loss_spec *ls, const real *out,
		    const real *y, int B, int D, int nclasses, real *dout);

/*
 * The number of terms the mean of B samples divides by (see above): B*D,
 * B*D*Q for quantile, B for cross_entropy.
 */
double loss_count(const struct loss_spec *ls, int B, int D);

/*
 * The summed loss of B samples, summed in order, and when dout is not
 * NULL the gradient of scale times that sum by out, (B, O). For a mean
 * over a larger batch, of which these are some rows, scale is 1 /
 * loss_count() of the whole batch. No NaN for B or D of 0 (the sum is 0).
 */
double loss_sum(const struct loss_spec *ls, const real *out, const real *y,
		int B, int D, int nclasses, real *dout, double scale);

/*
 * Point prediction per target: pred is (B, D). Mean for gaussian_nll,
 * location for student_t, the median quantile (or the middle one) for
 * quantile, the probability for bce, the argmax class for cross_entropy.
 *
 * In detail: mse, mae, huber: the output itself. quantile: the level
 * closest to 0.5 (on a tie, the lower one). bce: sigmoid(x), computed
 * without overflow. cross_entropy: pred is (B, 1), the index of the
 * largest logit as a real (on a tie, the lowest index).
 */
void loss_predict(const struct loss_spec *ls, const real *out, int B, int D,
		  int nclasses, real *pred);

/* Is this a classification loss (cross_entropy, bce)? */
int loss_is_classification(const struct loss_spec *ls);

#endif
