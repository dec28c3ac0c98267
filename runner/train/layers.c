/*
 * layers.c - dense layer, activations, inverted dropout.
 *
 * The GEMMs come from kernels.c; what is here are the element-wise passes
 * around them: bias + activation after the forward GEMM, activation
 * derivative + bias sums before the backward GEMMs. Everything runs on
 * the calling thread: the model splits a batch between threads by rows
 * (model.h). Every bias sum runs over the rows in order. See layers.h
 * and nnmath.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "lib/error.h"
#include "runner/train/kernels.h"
#include "runner/train/layers.h"
#include "runner/train/nnmath.h"

#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794

static inline real
gelu_value(real z)
{
#ifdef NN_DOUBLE
	return 0.5 * z * (1 + erf(z * SQRT1_2));
#else
	return 0.5f * z * (1 + erff(z * (float)SQRT1_2));
#endif
}

/* d/dz of z * Phi(z) = Phi(z) + z * phi(z) */
static inline real
gelu_grad(real z)
{
#ifdef NN_DOUBLE
	return 0.5 * (1 + erf(z * SQRT1_2)) +
	       z * exp(-0.5 * z * z) * INV_SQRT_2PI;
#else
	return 0.5f * (1 + erff(z * (float)SQRT1_2)) +
	       z * nn_exp(-0.5f * z * z) * (float)INV_SQRT_2PI;
#endif
}

real *
nn_alloc(size_t n)
{
	size_t bytes;
	real *p;

	if (n > (SIZE_MAX - 64) / sizeof(real))
		die_oom_bytes(SIZE_MAX);
	bytes = (n * sizeof(real) + 63) / 64 * 64;
	if (!bytes)
		bytes = 64;
	p = aligned_alloc(64, bytes);
	if (!p)
		die_oom_bytes(bytes);
	memset(p, 0, bytes);
	return p;
}

void
nn_split(size_t n, size_t *lo, size_t *hi)
{
	size_t nt = (size_t)omp_get_num_threads();
	size_t t = (size_t)omp_get_thread_num();
	size_t piece = ((n + nt - 1) / nt + 15) / 16 * 16;

	*lo = t * piece < n ? t * piece : n;
	*hi = *lo + piece < n ? *lo + piece : n;
}

void
nn_fill_uniform(real *w, size_t n, double bound, struct rng *r)
{
	for (size_t k = 0; k < n; k++)
		w[k] = (real)((2 * rng_uniform(r) - 1) * bound);
}

void
nn_transpose(const real *a, real *at, int m, int n, int r0, int r1)
{
	for (int k = 0; k < n; k++)
		for (int i = r0; i < r1; i++)
			at[(size_t)k * m + i] = a[(size_t)i * n + k];
}

/*
 * y = act(y + bias) on the (B, n) matrix y; z (B, n)
 * keeps y + bias for gelu unless it is NULL. bias may be NULL (no bias).
 */
static NN_CLONES void
bias_act(real *restrict y, real *restrict z, const real *restrict bias,
	 int B, int n, enum activation a)
{
	for (int i = 0; i < B; i++) {
		real *restrict yr = y + (size_t)i * n;

		if (bias) {
			#pragma omp simd
			for (int j = 0; j < n; j++)
				yr[j] += bias[j];
		}
		switch (a) {
		case ACT_RELU:
			#pragma omp simd
			for (int j = 0; j < n; j++)
				yr[j] = nn_sel(yr[j] < 0, 0, yr[j]);
			break;
		case ACT_TANH:
			#pragma omp simd
			for (int j = 0; j < n; j++)
				yr[j] = nn_tanh(yr[j]);
			break;
		case ACT_SIGMOID:
			#pragma omp simd
			for (int j = 0; j < n; j++)
				yr[j] = nn_sigmoid(yr[j]);
			break;
		case ACT_GELU:
			if (z)
				memcpy(z + (size_t)i * n, yr,
				       (size_t)n * sizeof(*z));
			for (int j = 0; j < n; j++)
				yr[j] = gelu_value(yr[j]);
			break;
		case ACT_NONE:
			break;
		}
	}
}

/*
 * dz = dy * act'(.) on (B, n) matrices, and when db
 * is not NULL db[j] = sum over rows of dz[., j], rows in order. For none
 * dz is not used (the gradient is dy itself). dz may be dy. z is the
 * pre-activation, read for gelu only.
 */
static NN_CLONES void
act_grad(const real *dy, real *dz, const real *restrict y,
	 const real *restrict z, real *restrict db, int B, int n,
	 enum activation a)
{
	if (db)
		for (int j = 0; j < n; j++)
			db[j] = 0;
	for (int i = 0; i < B; i++) {
		size_t o = (size_t)i * n;
		const real *dyr = dy + o;
		const real *restrict yr;
		real *dzr;

		if (a == ACT_NONE) {
			if (db) {
				#pragma omp simd
				for (int j = 0; j < n; j++)
					db[j] += dyr[j];
			}
			continue;
		}
		yr = y + o;
		dzr = dz + o;
		switch (a) {
		case ACT_RELU:
			#pragma omp simd
			for (int j = 0; j < n; j++)
				dzr[j] = nn_sel(yr[j] > 0, dyr[j], 0);
			break;
		case ACT_TANH:
			#pragma omp simd
			for (int j = 0; j < n; j++)
				dzr[j] = dyr[j] * (1 - yr[j] * yr[j]);
			break;
		case ACT_SIGMOID:
			#pragma omp simd
			for (int j = 0; j < n; j++)
				dzr[j] = dyr[j] * (yr[j] * (1 - yr[j]));
			break;
		case ACT_GELU:
			for (int j = 0; j < n; j++)
				dzr[j] = dyr[j] * gelu_grad(z[o + j]);
			break;
		case ACT_NONE:
			break;
		}
		if (db) {
			#pragma omp simd
			for (int j = 0; j < n; j++)
				db[j] += dzr[j];
		}
	}
}

void
act_forward(enum activation a, const real *x, real *y, size_t n)
{
	if (y != x)
		memmove(y, x, n * sizeof(*y));
	/* one row of n elements */
	bias_act(y, NULL, NULL, 1, (int)n, a);
}

void
act_backward(enum activation a, const real *x, const real *y, const real *dy,
	     real *dx, size_t n)
{
	if (a == ACT_NONE) {
		if (dx != dy)
			memmove(dx, dy, n * sizeof(*dx));
		return;
	}
	act_grad(dy, dx, y, x, NULL, 1, (int)n, a);
}

void
dense_init(struct dense *d, int in, int out, enum activation act,
	   real *params, real *grads)
{
	d->in = in;
	d->out = out;
	d->act = act;
	d->split = 0;
	d->W = params;
	d->b = params + (size_t)in * out;
	d->dW = grads;
	d->db = grads + (size_t)in * out;
}

size_t
dense_nparams(int in, int out)
{
	return (size_t)in * out + (size_t)out;
}

void
dense_init_weights(struct dense *d, struct rng *r)
{
	size_t n = (size_t)d->in * d->out;
	double bound;

	if (d->act == ACT_RELU || d->act == ACT_GELU)
		bound = sqrt(6.0 / d->in);
	else
		bound = sqrt(6.0 / (d->in + d->out));
	nn_fill_uniform(d->W, n, bound, r);
	memset(d->b, 0, (size_t)d->out * sizeof(*d->b));
}

void
dense_forward(const struct dense *d, const real *x, int B, real *y, real *z,
	      real *work)
{
	int n = d->out, s = d->split;
	size_t ny = (size_t)B * n;

	if (!s) {
		gemm_nn(B, n, d->in, x, d->in, d->W, n, y, n, 0);
	} else {
		/* the two blocks' sums, added: as a thread of each would */
		gemm_nn(B, n, s, x, d->in, d->W, n, y, n, 0);
		gemm_nn(B, n, d->in - s, x + s, d->in, d->W + (size_t)s * n,
			n, work, n, 0);
		#pragma omp simd
		for (size_t k = 0; k < ny; k++)
			y[k] += work[k];
	}
	bias_act(y, z, d->b, B, n, d->act);
}

void
dense_bias_act(const struct dense *d, real *y, real *z, int B, int c0, int n)
{
	bias_act(y, z, d->b + c0, B, n, d->act);
}

void
dense_act_grad(const struct dense *d, const real *y, const real *z,
	       const real *dy, real *dz, int B, int n, real *db)
{
	act_grad(dy, d->act == ACT_NONE ? NULL : dz, y, z, db, B, n, d->act);
}

void
dense_backward(const struct dense *d, const real *x, const real *y,
	       const real *z, const real *dy, real *dz, int B, real *dx)
{
	int n = d->out;
	const real *g = d->act == ACT_NONE ? dy : dz;

	act_grad(dy, d->act == ACT_NONE ? NULL : dz, y, z, d->db, B, n,
		 d->act);
	gemm_tn(d->in, n, B, x, d->in, g, n, d->dW, n, 0);
	if (dx)
		gemm_nt(B, d->in, n, g, n, d->W, n, dx, d->in, 0);
}

double
dense_flops(int in, int out, int with_dx)
{
	return 2.0 * in * out * (with_dx ? 3 : 2);
}

void
dropout_mask(real *mask, size_t n, double p, struct rng *r)
{
	/* P(drop) = thr / 2^32, within 2^-32 below p */
	uint32_t thr = (uint32_t)ldexp(p, 32);
	real keep = (real)(1 / (1 - p));
	uint32_t bits[256];

	for (size_t i = 0; i < n; i += 256) {
		size_t m = n - i < 256 ? n - i : 256;

		/* draws first, then a branch-free pass over them */
		for (size_t j = 0; j < m; j += 2) {
			uint64_t v = rng_next(r);

			bits[j] = (uint32_t)v;
			bits[j + 1] = (uint32_t)(v >> 32);
		}
		#pragma omp simd
		for (size_t j = 0; j < m; j++)
			mask[i + j] = nn_sel(bits[j] < thr, 0, keep);
	}
}

void
dropout_apply(const real *x, const real *mask, real *y, size_t n)
{
	#pragma omp simd
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] * mask[i];
}
