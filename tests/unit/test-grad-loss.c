/*
 * test-grad-loss.c - every loss's gradient against central finite
 * differences, in double (real = double in this build).
 *
 * For each loss and several batch shapes, random outputs and targets are
 * drawn (kept away from the kinks of mae, huber and quantile), dout is
 * compared element by element with (L(x+h) - L(x-h)) / 2h. Extreme
 * logits for bce and cross_entropy and extreme raw scales check that the
 * value and the gradient stay finite and still match.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "runner/train/loss.h"
#include "tap.h"

static uint64_t seed = 0x9e3779b97f4a7c15ULL;

/* Uniform in [0, 1) (xorshift64*). */
static double
urand(void)
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	/* the top 53 bits, over 2^53 */
	return (double)((seed * 0x2545f4914f6cdd1dULL) >> 11) * 0x1p-53;
}

static double
uniform(double lo, double hi)
{
	return lo + (hi - lo) * urand();
}

/*
 * Compare dout with central differences at every output. h scales with
 * the size of the output so huge logits are still moved visibly.
 */
static void
check_grad(const struct loss_spec *ls, real *out, const real *y, int B,
	   int D, int K, const char *what)
{
	int O = loss_outputs(ls, D, K);
	size_t n = (size_t)B * O;
	real *dout = malloc(n * sizeof(*dout));
	double L, worst = 0;
	size_t at = 0;
	int finite = 1;

	L = loss_compute(ls, out, y, B, D, K, dout);
	for (size_t i = 0; i < n; i++) {
		double save = out[i], h = 1e-5 * fmax(1, fabs(save));
		double lp, lm, num, err;

		if (!isfinite(dout[i]))
			finite = 0;
		out[i] = save + h;
		lp = loss_compute(ls, out, y, B, D, K, NULL);
		out[i] = save - h;
		lm = loss_compute(ls, out, y, B, D, K, NULL);
		out[i] = save;
		num = (lp - lm) / (2 * h);
		err = fabs(num - dout[i]) / (1e-6 * fabs(num) + 1e-9);
		if (err > worst) {
			worst = err;
			at = i;
		}
	}
	ok(isfinite(L) && finite, "%s: loss and gradient finite", what);
	ok(worst <= 1, "%s: gradient matches finite differences", what);
	if (worst > 1)
		diag("worst at %zu: dout %.12g (error %.3g of tolerance)",
		     at, dout[at], worst);
	free(dout);
}

/*
 * Random outputs and targets for a regression loss. Residuals are kept
 * at least 1e-3 from the kinks (0 and, for huber, +-delta).
 */
static void
fill_regression(const struct loss_spec *ls, real *out, real *y, int B,
		int D)
{
	int O = loss_outputs(ls, D, 0), W = O / D;

	for (int b = 0; b < B; b++) {
		for (int d = 0; d < D; d++) {
			real *o = out + (size_t)b * O + d * W;
			real t = uniform(-2, 2);

			y[(size_t)b * D + d] = t;
			for (int j = 0; j < W; j++) {
				double r;

				do {
					o[j] = uniform(-3, 3);
					r = fabs(o[j] - t);
				} while (r < 1e-3
					 || fabs(r - ls->delta) < 1e-3);
			}
			if (ls->type == LOSS_GAUSSIAN_NLL)
				o[1] = uniform(-2, 2);
			if (ls->type == LOSS_STUDENT_T) {
				o[1] = uniform(-2, 2);
				/* some rows with a large nu: the series path */
				o[2] = b % 3 == 2 ? uniform(150, 400)
						  : uniform(-3, 5);
			}
		}
	}
}

static void
test_regression(enum loss_type type, const char *name)
{
	static const int shapes[][2] = { {1, 1}, {3, 2}, {7, 3}, {64, 1},
					 {300, 2} };
	struct loss_spec ls = { .type = type, .delta = 0.8, .nquantiles = 3,
				.quantiles = { 0.1, 0.5, 0.9 } };

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		int B = shapes[s][0], D = shapes[s][1];
		int O = loss_outputs(&ls, D, 0);
		real *out = malloc((size_t)B * O * sizeof(*out));
		real *y = malloc((size_t)B * D * sizeof(*y));
		char what[64];

		fill_regression(&ls, out, y, B, D);
		snprintf(what, sizeof(what), "%s B=%d D=%d", name, B, D);
		check_grad(&ls, out, y, B, D, 0, what);
		free(out);
		free(y);
	}
}

/* Logits drawn in [-scale, scale]; labels 0/1 or soft. */
static void
test_bce(void)
{
	static const double scales[] = { 4, 50, 1e3, 1e6 };
	static const int shapes[][2] = { {1, 1}, {5, 3}, {40, 2} };
	struct loss_spec ls = { .type = LOSS_BCE };

	for (size_t k = 0; k < sizeof(scales) / sizeof(scales[0]); k++) {
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]);
		     s++) {
			int B = shapes[s][0], D = shapes[s][1];
			real *out = malloc((size_t)B * D * sizeof(*out));
			real *y = malloc((size_t)B * D * sizeof(*y));
			char what[64];

			for (int i = 0; i < B * D; i++) {
				out[i] = uniform(-scales[k], scales[k]);
				y[i] = i % 3 == 2 ? urand() : i % 2;
			}
			snprintf(what, sizeof(what), "bce logits %g B=%d D=%d",
				 scales[k], B, D);
			check_grad(&ls, out, y, B, D, 0, what);
			free(out);
			free(y);
		}
	}
}

static void
test_cross_entropy(void)
{
	static const double scales[] = { 3, 100, 1e4, 1e7 };
	static const int shapes[][2] = { {1, 2}, {6, 5}, {50, 3} };
	struct loss_spec ls = { .type = LOSS_CROSS_ENTROPY };

	for (size_t k = 0; k < sizeof(scales) / sizeof(scales[0]); k++) {
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]);
		     s++) {
			int B = shapes[s][0], K = shapes[s][1];
			real *out = malloc((size_t)B * K * sizeof(*out));
			real *y = malloc((size_t)B * sizeof(*y));
			char what[64];

			for (int i = 0; i < B * K; i++)
				out[i] = uniform(-scales[k], scales[k]);
			for (int b = 0; b < B; b++)
				y[b] = b % K;
			snprintf(what, sizeof(what),
				 "cross_entropy logits %g B=%d K=%d",
				 scales[k], B, K);
			check_grad(&ls, out, y, B, 1, K, what);
			free(out);
			free(y);
		}
	}
}

/* Very small and very large raw variances and scales. */
static void
test_extreme_scales(void)
{
	struct loss_spec gs = { .type = LOSS_GAUSSIAN_NLL };
	struct loss_spec ts = { .type = LOSS_STUDENT_T };
	real gout[] = { 0.3, -30, 0.1, 40, -0.2, 1e4 };
	real tout[] = { 0.3, -30, -30, 0.1, 40, 1e4, -0.2, 1e4, 700 };
	real gy[] = { 0.3 + 1e-9, 1.5, -1 };
	/* z of 1e6 rather than 1e-3: a step h in mu then stays small */
	real ty[] = { 1.3, 1.5, -1 };

	check_grad(&gs, gout, gy, 3, 1, 0, "gaussian_nll extreme variances");
	check_grad(&ts, tout, ty, 3, 1, 0, "student_t extreme scales and nu");
}

int
main(void)
{
	/* linked against the float objects, nothing below would mean much */
	if (!ok(sizeof(real) == sizeof(double), "built with real = double"))
		return tap_done();
	test_regression(LOSS_MSE, "mse");
	test_regression(LOSS_MAE, "mae");
	test_regression(LOSS_HUBER, "huber");
	test_regression(LOSS_GAUSSIAN_NLL, "gaussian_nll");
	test_regression(LOSS_STUDENT_T, "student_t");
	test_regression(LOSS_QUANTILE, "quantile");
	test_bce();
	test_cross_entropy();
	test_extreme_scales();
	return tap_done();
}
