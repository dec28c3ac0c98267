/*
 * gru.c - GRU layer, organised like lstm.c: one GEMM for the input
 * projection of all steps, one GEMM plus one element-wise pass per step,
 * and after backward through time single GEMMs for dW_ih, dW_hh and dx
 * over the stacked gate gradients. See gru.h.
 *
 * The hidden projection is kept apart from the input one (r multiplies
 * h W_hn + b_hn only), so a step stores both: gx (activated r, z, n) and
 * gh (h W_hh, with b_hn added in the n block). Backward turns them into
 * the gradients by the input part and by the hidden part of each gate.
 *
 * As in lstm.c, a layer runs on the calling thread: the model gives each
 * thread whole chunks of samples (model.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runner/train/gru.h"
#include "runner/train/kernels.h"
#include "runner/train/layers.h"
#include "runner/train/nnmath.h"

size_t
gru_nparams(int I, int H)
{
	return 3 * (size_t)H * ((size_t)I + H) + 6 * (size_t)H;
}

void
gru_init(struct gru *l, int I, int H, int T, int max_batch, real *params,
	 real *grads)
{
	size_t seq = (size_t)T * max_batch * H;

	memset(l, 0, sizeof(*l));
	l->I = I;
	l->H = H;
	l->T = T;
	l->max_batch = max_batch;
	l->W_ih = params;
	l->W_hh = l->W_ih + (size_t)I * 3 * H;
	l->b_ih = l->W_hh + (size_t)H * 3 * H;
	l->b_hh = l->b_ih + 3 * (size_t)H;
	l->dW_ih = grads;
	l->dW_hh = l->dW_ih + (size_t)I * 3 * H;
	l->db_ih = l->dW_hh + (size_t)H * 3 * H;
	l->db_hh = l->db_ih + 3 * (size_t)H;
	l->gx = nn_alloc(3 * seq);
	l->gh = nn_alloc(3 * seq);
	l->h = nn_alloc(seq);
	l->dh = nn_alloc((size_t)max_batch * H);
	l->zero = nn_alloc((size_t)max_batch * H);
	l->whT = nn_alloc((size_t)3 * H * H);
}

void
gru_release(struct gru *l)
{
	free(l->gx);
	free(l->gh);
	free(l->h);
	free(l->dh);
	free(l->zero);
	free(l->whT);
	memset(l, 0, sizeof(*l));
}

void
gru_init_weights(struct gru *l, struct rng *r)
{
	size_t nih = (size_t)l->I * 3 * l->H, nhh = (size_t)l->H * 3 * l->H;
	double bound = 1 / sqrt((double)l->H);

	nn_fill_uniform(l->W_ih, nih, bound, r);
	nn_fill_uniform(l->W_hh, nhh, bound, r);
	memset(l->b_ih, 0, 3 * (size_t)l->H * sizeof(*l->b_ih));
	memset(l->b_hh, 0, 3 * (size_t)l->H * sizeof(*l->b_hh));
}

/*
 * One step forward of B samples. gx (B, 3H) holds
 * x W_ih and receives r, z, n; gh (B, 3H) holds h_{t-1} W_hh and its n
 * block receives h_{t-1} W_hn + b_hn; hp is h_{t-1}, h receives h_t.
 */
static NN_CLONES void
gru_cell_forward(int B, int H, real *restrict gx,
		 real *restrict gh, const real *restrict bi,
		 const real *restrict bh, const real *restrict hp,
		 real *restrict h)
{
	for (int b = 0; b < B; b++) {
		real *xr = gx + (size_t)b * 3 * H, *xz = xr + H, *xn = xz + H;
		real *hr = gh + (size_t)b * 3 * H, *hz = hr + H, *hn = hz + H;
		size_t o = (size_t)b * H;

		#pragma omp simd
		for (int j = 0; j < H; j++) {
			real r = nn_sigmoid(xr[j] + bi[j] + hr[j] + bh[j]);
			real z = nn_sigmoid(xz[j] + bi[H + j] + hz[j] +
					    bh[H + j]);
			real hnv = hn[j] + bh[2 * H + j];
			real n = nn_tanh(xn[j] + bi[2 * H + j] + r * hnv);

			xr[j] = r;
			xz[j] = z;
			xn[j] = n;
			hn[j] = hnv;
			h[o + j] = (1 - z) * n + z * hp[o + j];
		}
	}
}

/*
 * One step backward of B samples. gx holds r, z, n and receives the
 * gradients by the input parts of the gates' pre-activations; gh's n
 * block holds h W_hn + b_hn and gh receives the gradients by the hidden
 * parts. The gradient by h_t is dy + dh; dh receives the direct part of
 * the gradient by h_{t-1} (z * dh_t; the caller adds gh W_hh^T). Adds
 * to db_ih and db_hh (3H each).
 */
static NN_CLONES void
gru_cell_backward(int B, int H, real *restrict gx,
		  real *restrict gh, const real *restrict hp,
		  const real *restrict dy, real *restrict dh,
		  real *restrict dbi, real *restrict dbh)
{
	for (int b = 0; b < B; b++) {
		real *xr = gx + (size_t)b * 3 * H, *xz = xr + H, *xn = xz + H;
		real *hr = gh + (size_t)b * 3 * H, *hz = hr + H, *hn = hz + H;
		size_t o = (size_t)b * H;

		#pragma omp simd
		for (int j = 0; j < H; j++) {
			real r = xr[j], z = xz[j], n = xn[j], hnv = hn[j];
			real d = dy[o + j] + dh[o + j];
			real an = d * (1 - z) * (1 - n * n);
			real az = d * (hp[o + j] - n) * (z * (1 - z));
			real ar = an * hnv * (r * (1 - r));
			real ahn = an * r;

			dh[o + j] = d * z;
			xr[j] = ar;
			xz[j] = az;
			xn[j] = an;
			hr[j] = ar;
			hz[j] = az;
			hn[j] = ahn;
			dbi[j] += ar;
			dbi[H + j] += az;
			dbi[2 * H + j] += an;
			dbh[j] += ar;
			dbh[H + j] += az;
			dbh[2 * H + j] += ahn;
		}
	}
}

const real *
gru_forward(struct gru *l, const real *x, int B)
{
	int H = l->H, T = l->T;
	size_t bh = (size_t)B * H, b3 = 3 * bh;

	l->x = x;
	l->B = B;
	gemm_nn(T * B, 3 * H, l->I, x, l->I, l->W_ih, 3 * H, l->gx, 3 * H,
		0);
	memset(l->gh, 0, b3 * sizeof(*l->gh));	/* h_{-1} W_hh = 0 */
	for (int t = 0; t < T; t++) {
		real *gx = l->gx + t * b3, *gh = l->gh + t * b3;
		const real *hp = t ? l->h + (t - 1) * bh : l->zero;

		if (t)
			gemm_nn(B, 3 * H, H, hp, H, l->W_hh, 3 * H, gh, 3 * H,
				0);
		gru_cell_forward(B, H, gx, gh, l->b_ih, l->b_hh, hp,
				 l->h + t * bh);
	}
	return l->h;
}

void
gru_backward(struct gru *l, const real *dy, const real *dylast, real *dx)
{
	int H = l->H, T = l->T, B = l->B, I = l->I;
	size_t bh = (size_t)B * H, b3 = 3 * bh;

	if (dylast)
		memcpy(l->dh, dylast, bh * sizeof(*l->dh));
	else
		memset(l->dh, 0, bh * sizeof(*l->dh));
	memset(l->db_ih, 0, 3 * (size_t)H * sizeof(*l->db_ih));
	memset(l->db_hh, 0, 3 * (size_t)H * sizeof(*l->db_hh));
	/* W_hh^T read in place would need packing at every step */
	nn_transpose(l->W_hh, l->whT, H, 3 * H, 0, H);
	for (int t = T - 1; t >= 0; t--) {
		real *gx = l->gx + t * b3, *gh = l->gh + t * b3;
		const real *hp = t ? l->h + (t - 1) * bh : l->zero;
		const real *dyt = dy ? dy + t * bh : l->zero;

		gru_cell_backward(B, H, gx, gh, hp, dyt, l->dh, l->db_ih,
				  l->db_hh);
		if (t)
			gemm_nn(B, H, 3 * H, gh, 3 * H, l->whT, H, l->dh, H, 1);
	}
	gemm_tn(I, 3 * H, T * B, l->x, I, l->gx, 3 * H, l->dW_ih, 3 * H, 0);
	if (T > 1)
		gemm_tn(H, 3 * H, (T - 1) * B, l->h, H, l->gh + b3, 3 * H,
			l->dW_hh, 3 * H, 0);
	else
		memset(l->dW_hh, 0, (size_t)H * 3 * H * sizeof(*l->dW_hh));
	if (dx)
		gemm_nt(T * B, I, 3 * H, l->gx, 3 * H, l->W_ih, 3 * H, dx, I,
			0);
}

double
gru_flops(int I, int H, int T, int with_dx)
{
	double ih = 2.0 * T * I * 3 * H, hh = 2.0 * (T - 1) * H * 3 * H;

	return ih + hh + ih + 2 * hh + (with_dx ? ih : 0);
}
