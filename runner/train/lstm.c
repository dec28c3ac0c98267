/*
 * lstm.c - LSTM layer: one GEMM for the input projection of all steps,
 * one GEMM plus one element-wise pass per step, and backward through time
 * that stacks the gate gradients of every step so the weight and input
 * gradients are single GEMMs after the loop. See lstm.h.
 *
 * A layer runs on the calling thread: the model gives each thread whole
 * chunks of samples (model.h), so the time loop needs no barrier. Bias
 * gradients are summed over steps (descending), then samples (ascending).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runner/train/kernels.h"
#include "runner/train/layers.h"
#include "runner/train/lstm.h"
#include "runner/train/nnmath.h"

size_t
lstm_nparams(int I, int H)
{
	return 4 * (size_t)H * ((size_t)I + H) + 4 * (size_t)H;
}

void
lstm_init(struct lstm *l, int I, int H, int T, int max_batch, real *params,
	  real *grads)
{
	size_t seq = (size_t)T * max_batch * H;

	memset(l, 0, sizeof(*l));
	l->I = I;
	l->H = H;
	l->T = T;
	l->max_batch = max_batch;
	l->W_ih = params;
	l->W_hh = l->W_ih + (size_t)I * 4 * H;
	l->bias = l->W_hh + (size_t)H * 4 * H;
	l->dW_ih = grads;
	l->dW_hh = l->dW_ih + (size_t)I * 4 * H;
	l->dbias = l->dW_hh + (size_t)H * 4 * H;
	l->gates = nn_alloc(4 * seq);
	l->c = nn_alloc(seq);
	l->tc = nn_alloc(seq);
	l->h = nn_alloc(seq);
	l->dh = nn_alloc((size_t)max_batch * H);
	l->dc = nn_alloc((size_t)max_batch * H);
	l->zero = nn_alloc((size_t)max_batch * H);
	l->whT = nn_alloc((size_t)4 * H * H);
}

void
lstm_release(struct lstm *l)
{
	free(l->gates);
	free(l->c);
	free(l->tc);
	free(l->h);
	free(l->dh);
	free(l->dc);
	free(l->zero);
	free(l->whT);
	memset(l, 0, sizeof(*l));
}

void
lstm_init_weights(struct lstm *l, struct rng *r)
{
	size_t nih = (size_t)l->I * 4 * l->H, nhh = (size_t)l->H * 4 * l->H;
	double bound = 1 / sqrt((double)l->H);

	nn_fill_uniform(l->W_ih, nih, bound, r);
	nn_fill_uniform(l->W_hh, nhh, bound, r);
	for (int j = 0; j < 4 * l->H; j++)
		l->bias[j] = j >= l->H && j < 2 * l->H ? 1 : 0;
}

/*
 * One step forward of B samples. g (B, 4H) holds the
 * pre-activations without bias and receives the activated gates; cp is
 * c_{t-1} (B, H); c, tc, h (B, H) receive c_t, tanh(c_t), h_t.
 */
static NN_CLONES void
cell_forward(int B, int H, real *restrict g,
	     const real *restrict bias, const real *restrict cp,
	     real *restrict c, real *restrict tc, real *restrict h)
{
	const real *bi = bias, *bf = bias + H, *bg = bias + 2 * H;
	const real *bo = bias + 3 * H;

	for (int b = 0; b < B; b++) {
		real *gi = g + (size_t)b * 4 * H, *gf = gi + H, *gg = gf + H;
		real *go = gg + H;
		size_t o = (size_t)b * H;

		#pragma omp simd
		for (int j = 0; j < H; j++) {
			real i = nn_sigmoid(gi[j] + bi[j]);
			real f = nn_sigmoid(gf[j] + bf[j]);
			real gv = nn_tanh(gg[j] + bg[j]);
			real ov = nn_sigmoid(go[j] + bo[j]);
			real cv = f * cp[o + j] + i * gv;
			real t = nn_tanh(cv);

			gi[j] = i;
			gf[j] = f;
			gg[j] = gv;
			go[j] = ov;
			c[o + j] = cv;
			tc[o + j] = t;
			h[o + j] = ov * t;
		}
	}
}

/*
 * One step backward of B samples. g (B, 4H) holds the activated
 * gates and receives the gradients by their pre-activations; cp, tc are
 * c_{t-1} and tanh(c_t); the gradient by h_t is dy + dh; dc holds the
 * gradient by c_t from step t+1 and receives the one by c_{t-1}. The gate
 * gradients are added to db (4H).
 */
static NN_CLONES void
cell_backward(int B, int H, real *restrict g,
	      const real *restrict cp, const real *restrict tc,
	      const real *restrict dy, const real *restrict dh,
	      real *restrict dc, real *restrict db)
{
	real *dbi = db, *dbf = db + H, *dbg = db + 2 * H, *dbo = db + 3 * H;

	for (int b = 0; b < B; b++) {
		real *gi = g + (size_t)b * 4 * H, *gf = gi + H, *gg = gf + H;
		real *go = gg + H;
		size_t o = (size_t)b * H;

		#pragma omp simd
		for (int j = 0; j < H; j++) {
			real i = gi[j], f = gf[j], gv = gg[j], ov = go[j];
			real t = tc[o + j];
			real d = dy[o + j] + dh[o + j];
			real dcv = dc[o + j] + d * ov * (1 - t * t);
			real ai = dcv * gv * (i * (1 - i));
			real af = dcv * cp[o + j] * (f * (1 - f));
			real ag = dcv * i * (1 - gv * gv);
			real ao = d * t * (ov * (1 - ov));

			dc[o + j] = dcv * f;
			gi[j] = ai;
			gf[j] = af;
			gg[j] = ag;
			go[j] = ao;
			dbi[j] += ai;
			dbf[j] += af;
			dbg[j] += ag;
			dbo[j] += ao;
		}
	}
}

const real *
lstm_forward(struct lstm *l, const real *x, int B)
{
	int H = l->H, T = l->T;
	size_t bh = (size_t)B * H, bg = 4 * bh;

	l->x = x;
	l->B = B;
	gemm_nn(T * B, 4 * H, l->I, x, l->I, l->W_ih, 4 * H, l->gates, 4 * H,
		0);
	for (int t = 0; t < T; t++) {
		real *g = l->gates + t * bg;
		const real *cp = t ? l->c + (t - 1) * bh : l->zero;

		if (t)
			gemm_nn(B, 4 * H, H, l->h + (t - 1) * bh, H, l->W_hh,
				4 * H, g, 4 * H, 1);
		cell_forward(B, H, g, l->bias, cp, l->c + t * bh,
			     l->tc + t * bh, l->h + t * bh);
	}
	return l->h;
}

void
lstm_backward(struct lstm *l, const real *dy, const real *dylast, real *dx)
{
	int H = l->H, T = l->T, B = l->B, I = l->I;
	size_t bh = (size_t)B * H, bg = 4 * bh;

	if (dylast)
		memcpy(l->dh, dylast, bh * sizeof(*l->dh));
	else
		memset(l->dh, 0, bh * sizeof(*l->dh));
	memset(l->dc, 0, bh * sizeof(*l->dc));
	memset(l->dbias, 0, 4 * (size_t)H * sizeof(*l->dbias));
	/* W_hh^T read in place would need packing at every step */
	nn_transpose(l->W_hh, l->whT, H, 4 * H, 0, H);
	for (int t = T - 1; t >= 0; t--) {
		real *g = l->gates + t * bg;
		const real *cp = t ? l->c + (t - 1) * bh : l->zero;
		const real *dyt = dy ? dy + t * bh : l->zero;

		cell_backward(B, H, g, cp, l->tc + t * bh, dyt, l->dh, l->dc,
			      l->dbias);
		if (t)
			gemm_nn(B, H, 4 * H, g, 4 * H, l->whT, H, l->dh, H, 0);
	}
	gemm_tn(I, 4 * H, T * B, l->x, I, l->gates, 4 * H, l->dW_ih, 4 * H,
		0);
	if (T > 1)
		gemm_tn(H, 4 * H, (T - 1) * B, l->h, H, l->gates + bg, 4 * H,
			l->dW_hh, 4 * H, 0);
	else
		memset(l->dW_hh, 0, (size_t)H * 4 * H * sizeof(*l->dW_hh));
	if (dx)
		gemm_nt(T * B, I, 4 * H, l->gates, 4 * H, l->W_ih, 4 * H, dx,
			I, 0);
}

double
lstm_flops(int I, int H, int T, int with_dx)
{
	double ih = 2.0 * T * I * 4 * H, hh = 2.0 * (T - 1) * H * 4 * H;

	/* forward: ih + hh; backward: dW_ih, dW_hh, dh per step, dx */
	return ih + hh + ih + 2 * hh + (with_dx ? ih : 0);
}
