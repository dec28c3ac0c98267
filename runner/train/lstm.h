/*
 * lstm.h - one LSTM layer over a whole sequence, forward and backward.
 *
 * Gates i, f, g, o are stacked in one matrix (weights (in, out) as in
 * layers.h, the transpose of PyTorch's, with one bias where PyTorch has
 * b_ih + b_hh):
 *
 *   W_ih (I, 4H), W_hh (H, 4H), bias (4H); column blocks i | f | g | o
 *   a_t = x_t W_ih + h_{t-1} W_hh + bias
 *   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
 *   c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t),  h_{-1} = c_{-1} = 0
 *
 * Sequences are time-major inside the layer, (T, B, .): the rows of one
 * step are contiguous, so the input projection of all steps is one GEMM
 * ((T*B, I) x (I, 4H)) before the time loop, each step adds one
 * (B, H) x (H, 4H) GEMM and one element-wise pass, and after backward
 * through time dW_ih, dW_hh and dx are each one GEMM over all steps. The
 * model transposes its (B, T, I) input once.
 *
 * The layer keeps what backward needs (activated gates, c, tanh c, h) in
 * workspace sized for max_batch at lstm_init; forward and backward
 * allocate nothing. Backward overwrites the saved gates with their
 * gradients, so it runs at most once per forward.
 */
#ifndef SPOOLBOARD_LSTM_H
#define SPOOLBOARD_LSTM_H

#include <stddef.h>

#include "runner/train/nn.h"
#include "lib/rng.h"

struct lstm {
	int I, H, T, max_batch;
	real *W_ih, *W_hh, *bias;	/* (I, 4H), (H, 4H), (4H) */
	real *dW_ih, *dW_hh, *dbias;	/* gradients, same shapes */

	/* workspace, owned */
	real *gates;	/* (T, B, 4H): i f g o; in backward their gradients */
	real *c;	/* (T, B, H) cell state */
	real *tc;	/* (T, B, H) tanh(c) */
	real *h;	/* (T, B, H) output */
	real *dh;	/* (B, H) gradient by h_t flowing back in time */
	real *dc;	/* (B, H) gradient by c_t flowing back in time */
	real *zero;	/* (B, H) zeros: h_{-1}, c_{-1}, missing dy */
	real *whT;	/* (4H, H) W_hh transposed, for backward */

	const real *x;	/* input of the last forward, (T, B, I), borrowed */
	int B;		/* batch of the last forward */
};

/* Parameters of one layer: 4H(I + H) + 4H. */
size_t lstm_nparams(int I, int H);

/*
 * Set up a layer for inputs of I features, H units, T steps and batches
 * of up to max_batch. params and grads point at the layer's part of the
 * model's blocks, laid out W_ih, W_hh, bias. Allocates the workspace
 * (dies on out of memory); release it with lstm_release.
 */
void lstm_init(struct lstm *l, int I, int H, int T, int max_batch,
	       real *params, real *grads);
void lstm_release(struct lstm *l);

/*
 * W_ih and W_hh uniform in +-1/sqrt(H) (as PyTorch), bias 0 except the
 * forget gate's, 1. Draws W_ih then W_hh in storage order.
 */
void lstm_init_weights(struct lstm *l, struct rng *r);

/*
 * Run the sequence x (T, B, I), B <= max_batch; x is borrowed until
 * lstm_backward. Returns h (T, B, H), owned by the layer, valid until the
 * next forward (the last step, (B, H), is its final B*H values).
 */
const real *lstm_forward(struct lstm *l, const real *x, int B);

/*
 * Backward through time for the last forward. dy (T, B, H) is the
 * gradient by every output h_t, or NULL (zero); dylast (B, H), or NULL,
 * is added to the gradient by the last output. Overwrites dW_ih, dW_hh,
 * dbias; dx (T, B, I) receives the gradient by x unless it is NULL (dx
 * may be dy: dy is read before dx is written).
 */
void lstm_backward(struct lstm *l, const real *dy, const real *dylast,
		   real *dx);

/* GEMM flops of one sample's forward plus backward (with_dx: dx too). */
double lstm_flops(int I, int H, int T, int with_dx);

#endif
