/*
 * test-loss.c - loss values and gradients on hand-computed examples,
 * numerical stability at extreme outputs, point predictions, and the
 * same result for 1 and 2 OpenMP threads (float build).
 *
 * The expected numbers were worked out by hand or, for the lgamma and
 * log terms, with 40-digit arithmetic, from the formulas in loss.h.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "runner/train/loss.h"
#include "tap.h"

#define TOL_L 1e-12	/* loss: inputs exact in float, summed in double */
#define TOL_G 1e-7	/* gradient: stored as float */

static void
check_grads(const real *got, const double *want, int n, const char *what)
{
	double worst = 0;
	int at = 0;

	for (int i = 0; i < n; i++) {
		double e = fabs(got[i] - want[i]);

		if (!(e <= worst)) {
			worst = e;
			at = i;
		}
	}
	if (!is_near(worst, 0, TOL_G, "%s: dout", what))
		diag("at %d: got %.9g, want %.9g", at, got[at], want[at]);
}

static void
test_outputs(void)
{
	struct loss_spec ls = { .nquantiles = 3 };
	static const int want[] = { 4, 4, 4, 8, 12, 12, 5, 4 };

	for (int t = LOSS_MSE; t <= LOSS_BCE; t++) {
		ls.type = (enum loss_type)t;
		ok(loss_outputs(&ls, 4, 5) == want[t],
		   "loss_outputs type %d", t);
		ok(loss_is_classification(&ls)
		   == (t == LOSS_CROSS_ENTROPY || t == LOSS_BCE),
		   "loss_is_classification type %d", t);
	}
}

/* out = (1, 2, 3, 4), y = (1.5, 2, 2, 5): r = (-0.5, 0, 1, -1), B = 2. */
static void
test_mse_mae_huber(void)
{
	real out[] = { 1, 2, 3, 4 }, y[] = { 1.5, 2, 2, 5 }, g[4];
	struct loss_spec ls = { .type = LOSS_MSE };
	double L;

	/* (0.25 + 0 + 1 + 1) / 4 */
	L = loss_compute(&ls, out, y, 2, 2, 0, g);
	is_near(L, 0.5625, TOL_L, "mse value");
	check_grads(g, (double[]){ -0.25, 0, 0.5, -0.5 }, 4, "mse");

	/* (0.5 + 0 + 1 + 1) / 4; subgradient 0 at r = 0 */
	ls.type = LOSS_MAE;
	L = loss_compute(&ls, out, y, 2, 2, 0, g);
	is_near(L, 0.625, TOL_L, "mae value");
	check_grads(g, (double[]){ -0.25, 0, 0.25, -0.25 }, 4, "mae");

	/* delta 0.75: 0.125, 0, 0.75 * (1 - 0.375) twice */
	ls.type = LOSS_HUBER;
	ls.delta = 0.75;
	L = loss_compute(&ls, out, y, 2, 2, 0, g);
	is_near(L, (0.125 + 0.46875 * 2) / 4, TOL_L, "huber value");
	check_grads(g, (double[]){ -0.125, 0, 0.1875, -0.1875 }, 4,
		    "huber");

	/* delta 1: |r| = delta is on the quadratic branch */
	ls.delta = 1;
	L = loss_compute(&ls, out, y, 2, 2, 0, g);
	is_near(L, (0.125 + 0.5 * 2) / 4, TOL_L, "huber at |r| = delta");
	check_grads(g, (double[]){ -0.125, 0, 0.25, -0.25 }, 4,
		    "huber at |r| = delta");

	/* the same batch twice: the mean does not change */
	{
		real o2[] = { 1, 2, 3, 4, 1, 2, 3, 4 };
		real y2[] = { 1.5, 2, 2, 5, 1.5, 2, 2, 5 };

		ls.type = LOSS_MSE;
		is_near(loss_compute(&ls, o2, y2, 4, 2, 0, NULL), 0.5625,
			TOL_L, "mse is a mean over the batch");
	}
}

static void
test_gaussian(void)
{
	/* rows (mu, raw var): (0.5, 0), (-1, 2); y = 1, 0 */
	real out[] = { 0.5, 0, -1, 2 }, y[] = { 1, 0 }, g[4];
	struct loss_spec ls = { .type = LOSS_GAUSSIAN_NLL };

	is_near(loss_compute(&ls, out, y, 2, 1, 0, g), 1.2236891230522911,
		TOL_L, "gaussian_nll value");
	check_grads(g, (double[]){ -0.36067323988074629, 0.11529402695733597,
				   -0.23508071844617761,
				   0.054853765189413811 }, 4, "gaussian_nll");
}

static void
test_student(void)
{
	struct loss_spec ls = { .type = LOSS_STUDENT_T };
	static const struct {
		real out[3], y;
		double want;
	} cases[] = {
		{ { 0, 0, 0 }, 1, 1.7006974918108637 },
		{ { 0.5, 1, -1 }, -1.5, 2.4471300179401477 },
		/* nu around 200, both sides of the switch to the series */
		{ { 0, 0, 190 }, 1, 1.594201386535227 },
		{ { 0, 0, 300 }, 1, 1.59380074102039 },
		{ { 0.25, -0.5, 197.5 }, 0.75, 0.7312172124202857 },
		{ { 0.25, -0.5, 198.5 }, 0.75, 0.73120481122245661 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_near(loss_compute(&ls, cases[i].out, &cases[i].y, 1, 1, 0,
				     NULL), cases[i].want, TOL_L,
			"student_t value, case %zu", i);
}

static void
test_quantile(void)
{
	/* u = y - q: +1 for the first sample, -2 for the second */
	real out[] = { 0, 0, 0, 0, 0, 0 }, y[] = { 1, -2 }, g[6];
	struct loss_spec ls = { .type = LOSS_QUANTILE, .nquantiles = 3,
				.quantiles = { 0.1, 0.5, 0.9 } };

	/* (0.1 + 0.5 + 0.9 + 1.8 + 1.0 + 0.2) / 6 */
	is_near(loss_compute(&ls, out, y, 2, 1, 0, g), 0.75, TOL_L,
		"quantile value");
	check_grads(g, (double[]){ -0.1 / 6, -0.5 / 6, -0.9 / 6, 0.9 / 6,
				   0.5 / 6, 0.1 / 6 }, 6, "quantile");
	/* u = 0: subgradient 0 */
	y[0] = 0;
	loss_compute(&ls, out, y, 2, 1, 0, g);
	ok(g[0] == 0 && g[1] == 0 && g[2] == 0, "quantile: 0 at u = 0");
}

static void
test_cross_entropy(void)
{
	real out[] = { 1, 2, 3, 0, 0, 0 }, y[] = { 2, 0 }, g[6];
	struct loss_spec ls = { .type = LOSS_CROSS_ENTROPY };
	double L;

	/* log(e + e^2 + e^3) - 3 and log(3), averaged over B = 2 */
	L = loss_compute(&ls, out, y, 2, 1, 3, g);
	is_near(L, 0.753109126556245, TOL_L, "cross_entropy value");
	check_grads(g, (double[]){ 0.045015286585190229, 0.12236423552739883,
				   -0.16737952211258906,
				   -1.0 / 3, 1.0 / 6, 1.0 / 6 }, 6,
		    "cross_entropy");

	y[1] = 3;
	L = loss_compute(&ls, out, y, 2, 1, 3, g);
	ok(isnan(L) && g[3] == 0 && g[4] == 0 && g[5] == 0,
	   "cross_entropy: class out of range gives NaN and no gradient");
	y[1] = -1;
	ok(isnan(loss_compute(&ls, out, y, 2, 1, 3, NULL)),
	   "cross_entropy: negative class gives NaN");
}

static void
test_bce(void)
{
	real out[] = { 0, 2, -3, 1 }, y[] = { 1, 0, 1, 0.25 }, g[4];
	struct loss_spec ls = { .type = LOSS_BCE };

	/* log 2, 2 + log1p(e^-2), 3 + log1p(e^-3), 0.75 + log1p(e^-1) */
	is_near(loss_compute(&ls, out, y, 2, 2, 0, g), 1.7329810576737207,
		TOL_L, "bce value");
	check_grads(g, (double[]){ -0.125, 0.22019926949447061,
				   -0.2381435317056083,
				   0.12026464465750122 }, 4, "bce");
}

static int
all_finite(const real *v, int n)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

static void
test_stability(void)
{
	struct loss_spec ls = { .type = LOSS_BCE };
	real out[6], y[6], g[9];
	double L;

	out[0] = 1e30f, out[1] = -1e30f, out[2] = 1e4f, out[3] = -1e4f;
	y[0] = 0, y[1] = 1, y[2] = 1, y[3] = 0;
	L = loss_compute(&ls, out, y, 4, 1, 0, g);
	is_near(L, 2.0 * 1e30f / 4, 1e-12 * L, "bce: huge logits, value");
	ok(all_finite(g, 4), "bce: huge logits, finite gradient");
	ok(g[0] == 0.25f && g[1] == -0.25f && g[2] == 0 && g[3] == 0,
	   "bce: huge logits, saturated gradient");
	out[0] = 1e4f;
	y[0] = 0;
	is_near(loss_compute(&ls, out, y, 1, 1, 0, NULL), 1e4, 1e-9,
		"bce: logit 1e4, label 0: loss 1e4");

	ls.type = LOSS_CROSS_ENTROPY;
	out[0] = 1e30f, out[1] = -1e30f, out[2] = 0;
	out[3] = 3e38f, out[4] = 3e38f, out[5] = -3e38f;
	y[0] = 1, y[1] = 2;
	L = loss_compute(&ls, out, y, 2, 1, 3, g);
	ok(isfinite(L) && all_finite(g, 6), "cross_entropy: huge logits");
	is_near(L, (2.0 * 1e30f + 2.0 * 3e38f) / 2, 1e-12 * L,
		"cross_entropy: huge logits, value");

	ls.type = LOSS_GAUSSIAN_NLL;
	out[0] = 0, out[1] = -1e30f, out[2] = 0, out[3] = 1e30f;
	y[0] = 1, y[1] = 1;
	L = loss_compute(&ls, out, y, 2, 1, 0, g);
	ok(isfinite(L) && all_finite(g, 4),
	   "gaussian_nll: variance at the floor and huge");

	ls.type = LOSS_STUDENT_T;
	{
		real o[] = { 0, -1e30f, -1e30f, 0, 1e30f, 1e30f,
			     0, -100, 3e38f };
		real t[] = { 1e30f, 1, -5 };

		L = loss_compute(&ls, o, t, 3, 1, 0, g);
		ok(isfinite(L) && all_finite(g, 9),
		   "student_t: scale and nu at the floor and huge");
	}

	ls.type = LOSS_MSE;
	ok(isnan(loss_compute(&ls, out, y, 0, 1, 0, g)),
	   "empty batch gives NaN");
}

static void
test_predict(void)
{
	struct loss_spec ls = { .type = LOSS_QUANTILE, .nquantiles = 3,
				.quantiles = { 0.1, 0.5, 0.9 } };
	real out[] = { 1, 2, 3, 4, 5, 6 }, pred[6];

	loss_predict(&ls, out, 1, 2, 0, pred);
	ok(pred[0] == 2 && pred[1] == 5, "quantile: the 0.5 output");
	ls.quantiles[0] = 0.1, ls.quantiles[1] = 0.4, ls.quantiles[2] = 0.8;
	loss_predict(&ls, out, 1, 2, 0, pred);
	ok(pred[0] == 2 && pred[1] == 5, "quantile: the closest to 0.5");
	ls.nquantiles = 2;
	ls.quantiles[0] = 0.25, ls.quantiles[1] = 0.75;
	loss_predict(&ls, out, 1, 3, 0, pred);
	ok(pred[0] == 1 && pred[1] == 3 && pred[2] == 5,
	   "quantile: the lower on a tie");

	ls.type = LOSS_GAUSSIAN_NLL;
	loss_predict(&ls, out, 1, 3, 0, pred);
	ok(pred[0] == 1 && pred[1] == 3 && pred[2] == 5, "gaussian: mean");
	ls.type = LOSS_STUDENT_T;
	loss_predict(&ls, out, 2, 1, 0, pred);
	ok(pred[0] == 1 && pred[1] == 4, "student_t: location");
	ls.type = LOSS_MSE;
	loss_predict(&ls, out, 3, 2, 0, pred);
	ok(memcmp(pred, out, sizeof(out)) == 0, "mse: the output");

	ls.type = LOSS_BCE;
	{
		real x[] = { 0, 2, -3, 1e30f, -1e30f };

		loss_predict(&ls, x, 5, 1, 0, pred);
		ok(pred[0] == 0.5f && fabsf(pred[1] - 0.88079707797788244f)
		   < 1e-7 && fabsf(pred[2] - 0.047425873177566781f) < 1e-8
		   && pred[3] == 1 && pred[4] == 0, "bce: probabilities");
	}

	ls.type = LOSS_CROSS_ENTROPY;
	{
		real x[] = { 0, 3, 1, 5, 5, -1, 2, 2, 2 };

		loss_predict(&ls, x, 3, 1, 3, pred);
		ok(pred[0] == 1 && pred[1] == 0 && pred[2] == 0,
		   "cross_entropy: argmax, lowest on a tie");
	}
}

/* Large enough for the parallel path; 1 and 2 threads must agree. */
static void
test_threads(void)
{
	static const enum loss_type types[] = { LOSS_MSE, LOSS_STUDENT_T,
						LOSS_CROSS_ENTROPY };
	int B = 4096, D = 4, K = 7;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct loss_spec ls = { .type = types[t] };
		int Dl = types[t] == LOSS_CROSS_ENTROPY ? 1 : D;
		int O = loss_outputs(&ls, Dl, K);
		size_t n = (size_t)B * O;
		real *out = malloc(n * sizeof(*out));
		real *y = malloc((size_t)B * Dl * sizeof(*y));
		real *g1 = malloc(n * sizeof(*g1));
		real *g2 = malloc(n * sizeof(*g2));
		double L1, L2, serial = 0;

		for (size_t i = 0; i < n; i++)
			out[i] = (real)sin(0.37 * i) * 2;
		for (int i = 0; i < B * Dl; i++)
			y[i] = Dl == 1 ? i % K : (real)cos(0.11 * i);
		omp_set_num_threads(1);
		L1 = loss_compute(&ls, out, y, B, Dl, K, g1);
		omp_set_num_threads(2);
		L2 = loss_compute(&ls, out, y, B, Dl, K, g2);
		ok(memcmp(&L1, &L2, sizeof(L1)) == 0
		   && memcmp(g1, g2, n * sizeof(*g1)) == 0,
		   "type %d: identical with 1 and 2 threads", types[t]);
		/* and the chunked sum is the plain mean, up to rounding */
		for (int b = 0; b < B; b++)
			serial += loss_compute(&ls, out + (size_t)b * O,
					       y + (size_t)b * Dl, 1, Dl, K,
					       NULL);
		is_near(L1, serial / B, 1e-12 * fabs(L1),
			"type %d: the mean of the per-sample losses", types[t]);
		free(out);
		free(y);
		free(g1);
		free(g2);
	}
}

int
main(void)
{
	test_outputs();
	test_mse_mae_huber();
	test_gaussian();
	test_student();
	test_quantile();
	test_cross_entropy();
	test_bce();
	test_stability();
	test_predict();
	test_threads();
	return tap_done();
}
