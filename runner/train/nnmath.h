/*
 * nnmath.h - element-wise math shared by the layers (private to layers.c,
 * lstm.c, gru.c): exp, sigmoid and tanh written so that GCC vectorizes
 * loops calling them, and the helpers those loops use.
 *
 * libm's expf/tanhf are function calls that stop vectorization (GCC only
 * uses vector math under -ffast-math, which we do not use). In the float
 * build we therefore use our own:
 *
 *   exp(x):  x = k ln2 + r with |r| <= ln2/2 (k rounded to nearest with
 *            the 1.5*2^23 trick, ln2 split in two so k*ln2_hi is exact),
 *            e^r by its Taylor polynomial to degree 7 (truncation < 1e-8),
 *            2^k built in the exponent bits. x is clamped to [-87, 88]
 *            so 2^k stays a normal number; NaN stays NaN.
 *   sigmoid: 1 / (1 + exp(-x)).
 *   tanh:    sign(x) * -m / (2 + m) with m = expm1(-2|x|), |x| clamped
 *            to 10; expm1(y) = 2^k (e^r - 1) + (2^k - 1) with e^r - 1
 *            from the same Taylor polynomial without its constant term,
 *            so there is no cancellation near 0 and one path for all x.
 *
 * Each is within a few ulp of the correctly rounded value (tests/unit/
 * test-nnmath.c measures it). Only IEEE +, -, *, / and bit operations are
 * used and the build does not contract into FMA (-std=c11 implies
 * -ffp-contract=off), so a vector lane and the scalar tail give the same
 * bits.
 *
 * The double build (-DNN_DOUBLE, gradient checks) uses libm instead, so
 * finite differences see smooth, exact functions.
 */
#ifndef SPOOLBOARD_NNMATH_H
#define SPOOLBOARD_NNMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runner/train/nn.h"

/*
 * Hot element-wise loops are compiled for AVX-512, AVX2 and plain x86-64
 * and picked at load time (ifunc), so one binary uses the machine's widest
 * vectors. Not in the double build: it only serves the tests.
 */
#if !defined(NN_DOUBLE) && defined(__x86_64__) && defined(__GNUC__) && \
	!defined(__clang__)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_CLONES
#endif

/*
 * c ? a : b without a branch. GCC does not if-convert a floating-point
 * ternary under the default -ftrapping-math (the comparison may trap), so
 * a loop holding one would not vectorize; a bit mask blend does. Written
 * so that a NaN operand is kept (callers test "x < c", false for NaN).
 */
#ifdef NN_DOUBLE

static inline real
nn_sel(int c, real a, real b)
{
	return c ? a : b;
}

static inline real
nn_exp(real x)
{
	return exp(x);
}

static inline real
nn_sigmoid(real x)
{
	return 1 / (1 + exp(-x));
}

static inline real
nn_tanh(real x)
{
	return tanh(x);
}

#else

static inline float
nn_sel(int c, float a, float b)
{
	uint32_t ua, ub, m = -(uint32_t)c, r;
	float f;

	memcpy(&ua, &a, sizeof(ua));
	memcpy(&ub, &b, sizeof(ub));
	r = (ua & m) | (ub & ~m);
	memcpy(&f, &r, sizeof(f));
	return f;
}

static inline float
nn_exp(float x)
{
	/* ln2_hi has 15 significant bits, so k * ln2_hi is exact */
	const float log2e = 1.44269504088896341f;
	const float ln2_hi = 0.693145751953125f;
	const float ln2_lo = 1.42860682030941723e-6f;	/* ln2 - ln2_hi */
	const float round = 12582912.0f;		/* 1.5 * 2^23 */
	float k, r, p, s;
	int32_t n;
	uint32_t bits;

	x = nn_sel(x < -87.0f, -87.0f, x);
	x = nn_sel(x > 88.0f, 88.0f, x);
	k = (x * log2e + round) - round;
	r = (x - k * ln2_hi) - k * ln2_lo;
	p = 1.0f / 5040;
	p = p * r + 1.0f / 720;
	p = p * r + 1.0f / 120;
	p = p * r + 1.0f / 24;
	p = p * r + 1.0f / 6;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	n = (int32_t)k;
	bits = (uint32_t)(n + 127) << 23;
	memcpy(&s, &bits, sizeof(s));
	return p * s;
}

static inline float
nn_sigmoid(float x)
{
	return 1.0f / (1.0f + nn_exp(-x));
}

static inline float
nn_tanh(float x)
{
	const float log2e = 1.44269504088896341f;
	const float ln2_hi = 0.693145751953125f;
	const float ln2_lo = 1.42860682030941723e-6f;
	const float round = 12582912.0f;
	float a = nn_sel(x < 0, -x, x);
	float y, k, r, q, s, em, t;
	int32_t n;
	uint32_t bits;

	a = nn_sel(a > 10.0f, 10.0f, a);	/* tanh 10 rounds to 1 */
	y = -2 * a;
	k = (y * log2e + round) - round;
	r = (y - k * ln2_hi) - k * ln2_lo;
	q = 1.0f / 5040;
	q = q * r + 1.0f / 720;
	q = q * r + 1.0f / 120;
	q = q * r + 1.0f / 24;
	q = q * r + 1.0f / 6;
	q = q * r + 0.5f;
	q = r + r * r * q;			/* e^r - 1 */
	n = (int32_t)k;
	bits = (uint32_t)(n + 127) << 23;
	memcpy(&s, &bits, sizeof(s));
	em = s * q + (s - 1);			/* e^y - 1, 2^k - 1 exact */
	t = -em / (2 + em);
	return nn_sel(x < 0, -t, t);
}

#endif

#endif
