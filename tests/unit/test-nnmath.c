/*
 * test-nnmath.c - the float exp, sigmoid and tanh of nnmath.h against
 * libm in double: error in ulp over a dense grid, special values, and the
 * vectorized activation passes of layers.c giving the same bits as the
 * scalar functions.
 */
#include <math.h>
#include <stdlib.h>

#include "runner/train/layers.h"
#include "runner/train/nnmath.h"
#include "tap.h"

/* Error of got in units of the last place of the float nearest want. */
static double
ulps(float got, double want)
{
	float w = (float)want;
	float ulp = nextafterf(fabsf(w), INFINITY) - fabsf(w);

	return fabs((double)got - want) / ulp;
}

static void
test_accuracy(void)
{
	double we = 0, ws = 0, wt = 0;
	float xe = 0, xs = 0, xt = 0;

	for (float x = -87; x < 88; x += 1e-3f) {
		double u = ulps(nn_exp(x), exp((double)x));

		if (u > we) {
			we = u;
			xe = x;
		}
	}
	for (float x = -30; x < 30; x += 1e-4f) {
		double u = ulps(nn_sigmoid(x), 1 / (1 + exp(-(double)x)));

		if (u > ws) {
			ws = u;
			xs = x;
		}
		u = ulps(nn_tanh(x), tanh((double)x));
		if (u > wt) {
			wt = u;
			xt = x;
		}
	}
	for (float x = -1e-3f; x < 1e-3f; x += 1e-7f) {
		double u = ulps(nn_tanh(x), tanh((double)x));

		if (u > wt) {
			wt = u;
			xt = x;
		}
	}
	ok(we <= 2, "exp within 2 ulp (worst %.2f at %g)", we, xe);
	ok(ws <= 3, "sigmoid within 3 ulp (worst %.2f at %g)", ws, xs);
	ok(wt <= 3, "tanh within 3 ulp (worst %.2f at %g)", wt, xt);
}

static void
test_special(void)
{
	ok(isnan(nn_exp(NAN)) && isnan(nn_sigmoid(NAN)) && isnan(nn_tanh(NAN)),
	   "NaN stays NaN");
	ok(nn_sigmoid(INFINITY) == 1 && nn_sigmoid(-INFINITY) >= 0 &&
	   nn_sigmoid(-INFINITY) < 1e-37f, "sigmoid of +-inf");
	ok(nn_tanh(INFINITY) == 1 && nn_tanh(-INFINITY) == -1, "tanh of +-inf");
	ok(nn_tanh(0) == 0 && nn_sigmoid(0) == 0.5f && nn_exp(0) == 1,
	   "values at 0");
	ok(nn_sigmoid(100) == 1 && nn_tanh(-20) == -1, "saturation");
}

static void
test_vector_matches_scalar(void)
{
	enum { N = 1003 };
	real *x = nn_alloc(N), *y = nn_alloc(N), *y2 = nn_alloc(N);
	int same_t = 1, same_s = 1, nan_relu;

	for (int i = 0; i < N; i++)
		x[i] = (real)((i - N / 2) * 0.0173);
	act_forward(ACT_TANH, x, y, N);
	for (int i = 0; i < N; i++)
		same_t &= y[i] == nn_tanh(x[i]);
	act_forward(ACT_SIGMOID, x, y2, N);
	for (int i = 0; i < N; i++)
		same_s &= y2[i] == nn_sigmoid(x[i]);
	ok(same_t, "vectorized tanh gives the scalar bits");
	ok(same_s, "vectorized sigmoid gives the scalar bits");
	x[5] = NAN;
	act_forward(ACT_RELU, x, y, N);
	nan_relu = isnan(y[5]) && y[0] == 0 && y[N - 1] == x[N - 1];
	ok(nan_relu, "relu keeps NaN, zeroes negatives");
	free(x);
	free(y);
	free(y2);
}

int
main(void)
{
	test_accuracy();
	test_special();
	test_vector_matches_scalar();
	return tap_done();
}
