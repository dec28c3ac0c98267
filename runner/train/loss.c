/*
 * loss.c - training losses, their gradients and point predictions.
 *
 * Each sample's row of outputs is handled by one function per loss that
 * returns the row's summed loss and writes the row of dout, already
 * scaled by 1/N, so loss and gradient come from the same numbers. Every
 * term is computed in double. loss_compute sums rows in chunks whose size
 * depends on B only, and then the chunk sums in order (training sums its
 * own chunks the same way, step.c). The formulas are in loss.h.
 */
#include <math.h>
#include <stddef.h>

#include "runner/train/loss.h"

#define CHUNK_ROWS 32		/* smallest chunk of samples summed alone */
#define MAX_CHUNKS 64		/* chunks are made larger beyond this */

static const double LOG_2PI = 1.8378770664093454836;
static const double LOG_PI = 1.1447298858494001741;

/* log(1 + exp(x)) without overflow; its derivative is sigmoid(x). */
static double
softplus(double x)
{
	return fmax(x, 0) + log1p(exp(-fabs(x)));
}

static double
sigmoid(double x)
{
	double e;

	if (x >= 0)
		return 1 / (1 + exp(-x));
	e = exp(x);
	return e / (1 + e);
}

/*
 * The digamma function for x > 0: the recurrence psi(x) = psi(x+1) - 1/x
 * up to x >= 10, then the asymptotic series (error below 1e-13).
 */
static double
digamma(double x)
{
	double r = 0, f;

	while (x < 10) {
		r -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return r + log(x) - 0.5 / x
	       - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252
	       - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/*
 * lgamma(x) - lgamma(x + 1/2) + log(x)/2 for x > 0. For large x the two
 * lgamma values are huge and nearly equal, so the asymptotic series is
 * used there instead (error below 1e-16 from x = 100). lgamma_r keeps
 * the threads off the shared signgam.
 */
static double
lgamma_half_gap(double x)
{
	double f;
	int sign;

	if (x < 100)
		return lgamma_r(x, &sign) - lgamma_r(x + 0.5, &sign)
		       + 0.5 * log(x);
	f = 1 / (x * x);
	return (1.0 / 8 - f * (1.0 / 192 - f * (1.0 / 640))) / x;
}

static double
row_mse(const real *o, const real *y, int D, real *g, double scale)
{
	double sum = 0;

	for (int d = 0; d < D; d++) {
		double r = (double)o[d] - y[d];

		sum += r * r;
		if (g)
			g[d] = (real)(2 * r * scale);
	}
	return sum;
}

static double
row_mae(const real *o, const real *y, int D, real *g, double scale)
{
	double sum = 0;

	for (int d = 0; d < D; d++) {
		double r = (double)o[d] - y[d];

		sum += fabs(r);
		if (g)
			g[d] = (real)(((r > 0) - (r < 0)) * scale);
	}
	return sum;
}

static double
row_huber(const real *o, const real *y, int D, double delta, real *g,
	  double scale)
{
	double sum = 0;

	for (int d = 0; d < D; d++) {
		double r = (double)o[d] - y[d], dr;

		if (fabs(r) <= delta) {
			sum += 0.5 * r * r;
			dr = r;
		} else {
			sum += delta * (fabs(r) - 0.5 * delta);
			dr = r > 0 ? delta : -delta;
		}
		if (g)
			g[d] = (real)(dr * scale);
	}
	return sum;
}

/* o is (D, 2): mean, raw variance. */
static double
row_gaussian(const real *o, const real *y, int D, real *g, double scale)
{
	double sum = 0;

	for (int d = 0; d < D; d++) {
		double mu = o[2 * d], a = o[2 * d + 1];
		double var = softplus(a) + LOSS_VAR_FLOOR;
		double r = y[d] - mu;

		sum += 0.5 * (LOG_2PI + log(var) + r * r / var);
		if (g) {
			double dvar = 0.5 * (1 - r * r / var) / var;

			g[2 * d] = (real)(-r / var * scale);
			g[2 * d + 1] = (real)(dvar * sigmoid(a) * scale);
		}
	}
	return sum;
}

/* o is (D, 3): location, raw scale, raw degrees of freedom. */
static double
row_student(const real *o, const real *y, int D, real *g, double scale)
{
	double sum = 0;

	for (int d = 0; d < D; d++) {
		double mu = o[3 * d], a = o[3 * d + 1], b = o[3 * d + 2];
		double s = softplus(a) + LOSS_SCALE_FLOOR;
		double nu = softplus(b) + LOSS_NU_FLOOR;
		double z = (y[d] - mu) / s, z2 = z * z;
		double t = log1p(z2 / nu);

		/* lgamma(nu/2) - lgamma((nu+1)/2) + log(nu pi)/2 */
		sum += lgamma_half_gap(0.5 * nu) + 0.5 * (M_LN2 + LOG_PI)
		       + log(s) + 0.5 * (nu + 1) * t;
		if (g) {
			double w = (nu + 1) / (nu + z2);
			double dmu = -w * z / s;
			double ds = (1 - w * z2) / s;
			double dnu = 0.5 * (digamma(0.5 * nu)
					    - digamma(0.5 * (nu + 1)))
				     + 0.5 / nu + 0.5 * t - 0.5 * w * z2 / nu;

			g[3 * d] = (real)(dmu * scale);
			g[3 * d + 1] = (real)(ds * sigmoid(a) * scale);
			g[3 * d + 2] = (real)(dnu * sigmoid(b) * scale);
		}
	}
	return sum;
}

/* o is (D, Q): one output per quantile level. */
static double
row_quantile(const struct loss_spec *ls, const real *o, const real *y, int D,
	     real *g, double scale)
{
	int Q = ls->nquantiles;
	double sum = 0;

	for (int d = 0; d < D; d++) {
		for (int j = 0; j < Q; j++) {
			double tau = ls->quantiles[j];
			double u = y[d] - (double)o[d * Q + j], dq;

			if (u > 0) {
				sum += tau * u;
				dq = -tau;
			} else if (u < 0) {
				sum += (tau - 1) * u;
				dq = 1 - tau;
			} else {
				dq = 0;
			}
			if (g)
				g[d * Q + j] = (real)(dq * scale);
		}
	}
	return sum;
}

/* o is (K) logits; y[0] the class index. */
static double
row_cross_entropy(const real *o, const real *y, int K, real *g, double scale)
{
	double m = -INFINITY, se = 0, yc = y[0];
	int c;

	if (!(yc > -0.5 && yc < K - 0.5)) {
		if (g)
			for (int k = 0; k < K; k++)
				g[k] = 0;
		return NAN;
	}
	c = (int)floor(yc + 0.5);
	for (int k = 0; k < K; k++)
		m = fmax(m, o[k]);
	for (int k = 0; k < K; k++)
		se += exp(o[k] - m);
	if (g)
		for (int k = 0; k < K; k++)
			g[k] = (real)((exp(o[k] - m) / se - (k == c)) * scale);
	/* (m - z_c) first: with huge logits m + log(se) would lose z_c */
	return (m - o[c]) + log(se);
}

static double
row_bce(const real *o, const real *y, int D, real *g, double scale)
{
	double sum = 0;

	for (int d = 0; d < D; d++) {
		double x = o[d];

		sum += fmax(x, 0) - x * y[d] + log1p(exp(-fabs(x)));
		if (g)
			g[d] = (real)((sigmoid(x) - y[d]) * scale);
	}
	return sum;
}

int
loss_outputs(const struct loss_spec *ls, int ntargets, int nclasses)
{
	switch (ls->type) {
	case LOSS_GAUSSIAN_NLL:
		return 2 * ntargets;
	case LOSS_STUDENT_T:
		return 3 * ntargets;
	case LOSS_QUANTILE:
		return ls->nquantiles * ntargets;
	case LOSS_CROSS_ENTROPY:
		return nclasses;
	default:
		return ntargets;
	}
}

/* The summed loss of sample rows [b0, b1), writing their dout rows. */
static double
loss_rows(const struct loss_spec *ls, const real *out, const real *y,
	  int b0, int b1, int D, int O, int nclasses, real *dout,
	  double scale)
{
	double delta = ls->delta > 0 ? ls->delta : 1;
	double sum = 0;

	for (int b = b0; b < b1; b++) {
		const real *o = out + (size_t)b * O, *t = y + (size_t)b * D;
		real *g = dout ? dout + (size_t)b * O : NULL;

		switch (ls->type) {
		case LOSS_MSE:
			sum += row_mse(o, t, D, g, scale);
			break;
		case LOSS_MAE:
			sum += row_mae(o, t, D, g, scale);
			break;
		case LOSS_HUBER:
			sum += row_huber(o, t, D, delta, g, scale);
			break;
		case LOSS_GAUSSIAN_NLL:
			sum += row_gaussian(o, t, D, g, scale);
			break;
		case LOSS_STUDENT_T:
			sum += row_student(o, t, D, g, scale);
			break;
		case LOSS_QUANTILE:
			sum += row_quantile(ls, o, t, D, g, scale);
			break;
		case LOSS_CROSS_ENTROPY:
			sum += row_cross_entropy(o, t, nclasses, g, scale);
			break;
		case LOSS_BCE:
			sum += row_bce(o, t, D, g, scale);
			break;
		}
	}
	return sum;
}

double
loss_count(const struct loss_spec *ls, int B, int D)
{
	/* quantile: B*D*Q terms; gaussian_nll, student_t: one per target */
	if (ls->type == LOSS_CROSS_ENTROPY)
		return B;
	if (ls->type == LOSS_QUANTILE)
		return (double)B * D * ls->nquantiles;
	return (double)B * D;
}

double
loss_sum(const struct loss_spec *ls, const real *out, const real *y, int B,
	 int D, int nclasses, real *dout, double scale)
{
	int O = loss_outputs(ls, D, nclasses);

	return loss_rows(ls, out, y, 0, B, D, O, nclasses, dout, scale);
}

double
loss_compute(const struct loss_spec *ls, const real *out, const real *y,
	     int B, int D, int nclasses, real *dout)
{
	int O = loss_outputs(ls, D, nclasses);
	double n, sum = 0;
	int rows;

	if (B <= 0 || D <= 0 || O <= 0)
		return NAN;
	n = loss_count(ls, B, D);
	/* the chunking depends on B only */
	rows = (B + MAX_CHUNKS - 1) / MAX_CHUNKS;
	if (rows < CHUNK_ROWS)
		rows = CHUNK_ROWS;
	for (int b0 = 0; b0 < B; b0 += rows) {
		int b1 = b0 + rows < B ? b0 + rows : B;

		sum += loss_rows(ls, out, y, b0, b1, D, O, nclasses, dout,
				 1 / n);
	}
	return sum / n;
}

/* The index of the quantile level closest to 0.5, the lower on a tie. */
static int
median_quantile(const struct loss_spec *ls)
{
	int best = 0;

	for (int j = 1; j < ls->nquantiles; j++)
		if (fabs(ls->quantiles[j] - 0.5)
		    < fabs(ls->quantiles[best] - 0.5))
			best = j;
	return best;
}

void
loss_predict(const struct loss_spec *ls, const real *out, int B, int D,
	     int nclasses, real *pred)
{
	int O = loss_outputs(ls, D, nclasses);
	int W = ls->type == LOSS_CROSS_ENTROPY ? 0 : O / (D > 0 ? D : 1);
	int jq = ls->type == LOSS_QUANTILE ? median_quantile(ls) : 0;

	for (int b = 0; b < B; b++) {
		const real *o = out + (size_t)b * O;

		if (ls->type == LOSS_CROSS_ENTROPY) {
			int best = 0;

			for (int k = 1; k < nclasses; k++)
				if (o[k] > o[best])
					best = k;
			pred[b] = (real)best;
			continue;
		}
		for (int d = 0; d < D; d++) {
			if (ls->type == LOSS_BCE)
				pred[(size_t)b * D + d] = (real)sigmoid(o[d]);
			else
				pred[(size_t)b * D + d] = o[d * W + jq];
		}
	}
}

int
loss_is_classification(const struct loss_spec *ls)
{
	return ls->type == LOSS_CROSS_ENTROPY || ls->type == LOSS_BCE;
}
