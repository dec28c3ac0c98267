/*
 * gru.h - one GRU layer over a whole sequence, forward and backward.
 *
 * PyTorch's formulation, gates r, z, n stacked in one matrix (weights
 * (in, out) as in layers.h, the transpose of PyTorch's):
 *
 *   W_ih (I, 3H), W_hh (H, 3H), b_ih (3H), b_hh (3H); blocks r | z | n
 *   r = sigmoid(x W_ir + b_ir + h W_hr + b_hr)
 *   z = sigmoid(x W_iz + b_iz + h W_hz + b_hz)
 *   n = tanh(x W_in + b_in + r * (h W_hn + b_hn))
 *   h_t = (1 - z) * n + z * h_{t-1},  h_{-1} = 0
 *
 * Layout and cost as for the LSTM (lstm.h): time-major (T, B, .), one
 * GEMM for the input projection of all steps, one (B, H) x (H, 3H) GEMM
 * and one element-wise pass per step, single GEMMs for dW_ih, dW_hh and
 * dx after backward through time. Workspace is sized at gru_init; backward
 * overwrites the saved gates with their gradients, so it runs at most
 * once per forward.
 */
#ifndef SPOOLBOARD_GRU_H
#define SPOOLBOARD_GRU_H

#include <stddef.h>

#include "runner/train/nn.h"
#include "lib/rng.h"

struct gru {
	int I, H, T, max_batch;
	real *W_ih, *W_hh, *b_ih, *b_hh;	/* (I,3H), (H,3H), (3H), (3H) */
	real *dW_ih, *dW_hh, *db_ih, *db_hh;	/* gradients, same shapes */

	/* workspace, owned */
	real *gx;	/* (T, B, 3H): r z n; in backward d(input part) */
	real *gh;	/* (T, B, 3H): h W_hh (+ b_hn in the n block);
			 * in backward d(hidden part) */
	real *h;	/* (T, B, H) output */
	real *dh;	/* (B, H) gradient by h_t flowing back in time */
	real *zero;	/* (B, H) zeros: h_{-1}, missing dy */
	real *whT;	/* (3H, H) W_hh transposed, for backward */

	const real *x;	/* input of the last forward, (T, B, I), borrowed */
	int B;		/* batch of the last forward */
};

/* Parameters of one layer: 3H(I + H) + 6H. */
size_t gru_nparams(int I, int H);

/*
 * Set up a layer for inputs of I features, H units, T steps and batches
 * of up to max_batch. params and grads point at the layer's part of the
 * model's blocks, laid out W_ih, W_hh, b_ih, b_hh. Allocates the
 * workspace (dies on out of memory); release it with gru_release.
 */
void gru_init(struct gru *l, int I, int H, int T, int max_batch,
	      real *params, real *grads);
void gru_release(struct gru *l);

/*
 * W_ih and W_hh uniform in +-1/sqrt(H) (as PyTorch), biases 0. Draws
 * W_ih then W_hh in storage order.
 */
void gru_init_weights(struct gru *l, struct rng *r);

/*
 * Run the sequence x (T, B, I), B <= max_batch; x is borrowed until
 * gru_backward. Returns h (T, B, H), owned by the layer, valid until the
 * next forward.
 */
const real *gru_forward(struct gru *l, const real *x, int B);

/*
 * Backward through time for the last forward. dy (T, B, H) is the
 * gradient by every output h_t, or NULL (zero); dylast (B, H), or NULL,
 * is added to the gradient by the last output. Overwrites dW_ih, dW_hh,
 * db_ih, db_hh; dx (T, B, I) receives the gradient by x unless it is
 * NULL (dx may be dy: dy is read before dx is written).
 */
void gru_backward(struct gru *l, const real *dy, const real *dylast,
		  real *dx);

/* GEMM flops of one sample's forward plus backward (with_dx: dx too). */
double gru_flops(int I, int H, int T, int with_dx);

#endif
