/*
 * layers.h - the dense layer, activations and inverted dropout.
 *
 * A layer does not own its parameters: it points into the model's
 * parameter block and gradient block (model.h). Forward functions write
 * into buffers the caller passes. Backward functions overwrite the
 * gradients of the layer's own parameters (each parameter has exactly one
 * writer, so nothing needs zeroing first) and write the gradient by the
 * input unless that pointer is NULL (the first layer of a model skips it).
 *
 * Weights are stored (in, out), the transpose of PyTorch's nn.Linear, so
 * y = x W + b is gemm_nn, dx = dz W^T is gemm_nt and dW = x^T dz is
 * gemm_tn. The bias and the activation are applied in one pass over the
 * GEMM's output; their backward (activation derivative and bias sums) is
 * one pass too. Each bias gradient is summed over the batch in increasing
 * row order. Everything runs on the calling thread (the model splits a
 * batch between threads by rows, model.h).
 *
 * Activations: relu (NaN passes through), tanh, sigmoid, gelu (the exact
 * erf form, as PyTorch's default), none.
 */
#ifndef SPOOLBOARD_LAYERS_H
#define SPOOLBOARD_LAYERS_H

#include <stddef.h>

#include "job/config.h"
#include "runner/train/nn.h"
#include "lib/rng.h"

struct dense {
	int in, out;
	enum activation act;
	int split;	/* 0, or where the forward's sum over in is cut */
	real *W;	/* (in, out), in the parameter block */
	real *b;	/* (out) */
	real *dW;	/* (in, out), in the gradient block */
	real *db;	/* (out) */
};

/*
 * A zeroed array of n reals aligned to 64 bytes; free() it. Dies on out
 * of memory, like xmalloc.
 */
real *nn_alloc(size_t n);

/*
 * Inside a parallel region: this thread's share [*lo, *hi) of [0, n), in
 * pieces of whole 64-byte lines (16 floats) so that no two threads write
 * one line of an array from nn_alloc; some may be empty.
 */
void nn_split(size_t n, size_t *lo, size_t *hi);

/* Fill w (n) with draws uniform in [-bound, bound), in order, from r. */
void nn_fill_uniform(real *w, size_t n, double bound, struct rng *r);

/*
 * Rows [r0, r1) of a (m, n) transposed into columns [r0, r1) of at
 * (n, m): at[k][i] = a[i][k]. Threads may fill disjoint row ranges.
 */
void nn_transpose(const real *a, real *at, int m, int n, int r0, int r1);

/* y (n) = act(x (n)); y may be x. */
void act_forward(enum activation a, const real *x, real *y, size_t n);

/*
 * dx (n) = dy (n) * act'(x), given the pre-activation x (n) and
 * y = act(x) (n); dx may be dy. Only gelu reads x; the others use y.
 */
void act_backward(enum activation a, const real *x, const real *y,
		  const real *dy, real *dx, size_t n);

/*
 * Point d at its parameters and gradients (W then b in each block), with
 * split 0. The caller may then set split, 0 < split < in: the forward
 * then sums x W over inputs [0, split) and over [split, in) apart and
 * adds the two sums, so that two threads can each hold one block of W's
 * rows (mlpsplit.h) and give the same bits as one.
 */
void dense_init(struct dense *d, int in, int out, enum activation act,
		real *params, real *grads);

/* Number of parameters of an in -> out dense layer: in*out + out. */
size_t dense_nparams(int in, int out);

/*
 * Weights uniform in +-sqrt(6/in) (He) before relu and gelu, else
 * +-sqrt(6/(in+out)) (Xavier); biases 0. Draws in storage order.
 */
void dense_init_weights(struct dense *d, struct rng *r);

/*
 * y (B, out) = act(x (B, in) W + b). z (B, out) receives the
 * pre-activation x W + b when act is gelu (its backward needs it) and is
 * not touched otherwise (may be NULL). work (B, out) is workspace when
 * d->split is set, else unused (may be NULL).
 */
void dense_forward(const struct dense *d, const real *x, int B, real *y,
		   real *z, real *work);

/*
 * The element-wise passes of dense_forward and dense_backward on a block
 * of n columns of the layer from column c0, for a caller that runs the
 * products itself (mlpsplit.h). y, z, dy, dz are (B, n).
 * dense_bias_act: y = act(y + b[c0:c0+n]), z keeping y + b for gelu
 * (unless NULL).
 * dense_act_grad: dz = dy * act'(.) (dz may be dy; unused for none) and
 * db (n) = the sums over rows in order of dz (of dy for none). It reads z
 * for gelu only.
 */
void dense_bias_act(const struct dense *d, real *y, real *z, int B, int c0,
		    int n);
void dense_act_grad(const struct dense *d, const real *y, const real *z,
		    const real *dy, real *dz, int B, int n, real *db);

/*
 * Backward of dense_forward. x, y, z are those of the forward; dy (B, out)
 * is the gradient by y. dz (B, out) is workspace for the gradient by the
 * pre-activation: it may be dy (then dy is overwritten), and it is unused
 * (may be NULL) when act is none. Overwrites dW and db; dx (B, in)
 * receives the gradient by x unless it is NULL.
 */
void dense_backward(const struct dense *d, const real *x, const real *y,
		    const real *z, const real *dy, real *dz, int B, real *dx);

/* GEMM flops of one sample's forward plus backward (with_dx: dx too). */
double dense_flops(int in, int out, int with_dx);

/*
 * Draw an inverted-dropout mask (n): each element is 0 with probability
 * p (to within 2^-32), else 1/(1-p). Element i compares 32 random bits
 * against p: the low half of the (i/2)-th rng_next() for even i, the high
 * half for odd i; ceil(n/2) draws in all, in order. 0 <= p < 1.
 */
void dropout_mask(real *mask, size_t n, double p, struct rng *r);

/*
 * y (n) = x (n) * mask (n); y may be x. This is both the forward of
 * dropout and its backward (dx = dy * mask).
 */
void dropout_apply(const real *x, const real *mask, real *y, size_t n);

#endif
