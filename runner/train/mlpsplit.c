/*
 * mlpsplit.c - an mlp's passes by blocks of weight rows; see mlpsplit.h.
 *
 * Layer l has rows r[0] <= r[1] <= r[2] (= in) and columns c[0] <= c[1]
 * <= c[2] (= out): block b holds rows [r[b], r[b+1]) and columns
 * [c[b], c[b+1]). A layer's columns are the next layer's rows; the output
 * layer's are all in block 0. Every buffer is a block's own (B, width)
 * matrix, so the two threads never write one array in interleaved
 * pieces.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/kernels.h"
#include "runner/train/layers.h"
#include "runner/train/mlpsplit.h"

struct mlpsplit_layer {
	const struct dense *d;
	int r[3], c[3];
	real *y[2];		/* (B, columns of b): output */
	real *z[2];		/* (B, columns of b): pre-activation, gelu */
	real *drop[2];		/* (B, columns of b): y after dropout */
	real *dy[2];		/* (B, columns of b): gradient by y, then by
				   the pre-activation (hidden layers) */
	real *part[2][2];	/* [b][b'] (B, columns of b'): b's rows' sum */
	real *gw[2];		/* (rows of b, out): a chunk's dW rows */
	real *gb[2];		/* (columns of b): a chunk's db */
	const real *g[2];	/* gradient by the pre-activation, block b */
};

struct mlpsplit {
	const real *params;	/* the model's parameter block */
	int L;
	struct mlpsplit_layer *l;	/* [L] */

	/* the forward under way (mlpsplit_begin) */
	const real *x;		/* (B, in of layer 0) */
	int B, rows, nchunks;
	const real *const *mask;	/* [L] or NULL: no dropout */
};

static real *
alloc_if(size_t rows, int n)
{
	return n > 0 ? nn_alloc(rows * (size_t)n) : NULL;
}

struct mlpsplit *
mlpsplit_new(const struct dense *layers, int L, const real *params,
	     int max_batch, int dropout)
{
	struct mlpsplit *sp;
	int any = 0;

	for (int l = 0; l < L; l++)
		any |= layers[l].split != 0;
	if (!any)
		return NULL;
	sp = xcalloc(1, sizeof(*sp));
	sp->params = params;
	sp->L = L;
	sp->l = xcalloc((size_t)L, sizeof(*sp->l));
	for (int l = 0; l < L; l++) {
		struct mlpsplit_layer *sl = &sp->l[l];
		const struct dense *d = &layers[l];
		int s = d->split ? d->split : d->in;

		sl->d = d;
		sl->r[0] = 0;
		sl->r[1] = s;
		sl->r[2] = d->in;
		if (l > 0)
			memcpy(sp->l[l - 1].c, sl->r, sizeof(sl->r));
	}
	sp->l[L - 1].c[0] = 0;
	sp->l[L - 1].c[1] = sp->l[L - 1].c[2] = sp->l[L - 1].d->out;
	for (int l = 0; l < L; l++) {
		struct mlpsplit_layer *sl = &sp->l[l];
		const struct dense *d = sl->d;
		size_t maxb = (size_t)max_batch;

		for (int b = 0; b < 2; b++) {
			int nc = sl->c[b + 1] - sl->c[b];
			int nr = sl->r[b + 1] - sl->r[b];

			sl->y[b] = alloc_if(maxb, nc);
			if (d->act == ACT_GELU)
				sl->z[b] = alloc_if(maxb, nc);
			if (dropout && l < L - 1)
				sl->drop[b] = alloc_if(maxb, nc);
			if (l < L - 1)
				sl->dy[b] = alloc_if(maxb, nc);
			for (int b2 = 0; b2 < 2 && nr > 0; b2++)
				sl->part[b][b2] = alloc_if(maxb,
					sl->c[b2 + 1] - sl->c[b2]);
			sl->gw[b] = alloc_if((size_t)nr, d->out);
			sl->gb[b] = alloc_if(1, nc);
		}
	}
	return sp;
}

void
mlpsplit_free(struct mlpsplit *sp)
{
	if (!sp)
		return;
	for (int l = 0; l < sp->L; l++) {
		struct mlpsplit_layer *sl = &sp->l[l];

		for (int b = 0; b < 2; b++) {
			free(sl->y[b]);
			free(sl->z[b]);
			free(sl->drop[b]);
			free(sl->dy[b]);
			free(sl->part[b][0]);
			free(sl->part[b][1]);
			free(sl->gw[b]);
			free(sl->gb[b]);
		}
	}
	free(sp->l);
	free(sp);
}

void
mlpsplit_begin(struct mlpsplit *sp, const real *x, int B, int rows,
	       const real *const *mask)
{
	sp->x = x;
	sp->B = B;
	sp->rows = rows;
	sp->nchunks = (B + rows - 1) / rows;
	sp->mask = mask;
}

int
mlpsplit_layers(const struct mlpsplit *sp)
{
	return sp->L;
}

/* The samples of chunk c: [*b0, *b0 + *n), as model_chunk_span. */
static void
chunk_span(const struct mlpsplit *sp, int c, int *b0, int *n)
{
	*b0 = c * sp->rows;
	*n = sp->B - *b0 < sp->rows ? sp->B - *b0 : sp->rows;
}

/* Layer l's dropout mask (B, out), or NULL. */
static const real *
layer_mask(const struct mlpsplit *sp, int l)
{
	return sp->mask ? sp->mask[l] : NULL;
}

/* Block b's rows of layer l's input, (B, rows of b) *ld apart. */
static const real *
block_input(const struct mlpsplit *sp, int l, int b, int *ld)
{
	const struct mlpsplit_layer *sl = &sp->l[l];

	if (l == 0) {
		*ld = sl->d->in;
		return sp->x + sl->r[b];
	}
	*ld = sl->r[b + 1] - sl->r[b];
	sl = &sp->l[l - 1];
	return layer_mask(sp, l - 1) && sl->drop[b] ? sl->drop[b] : sl->y[b];
}

/* y (B, n) = x * mask's columns [c0, c0 + n) (mask (B, ld)); y may be x. */
static void
mask_cols(const real *x, const real *mask, int ld, int c0, real *y, int B,
	  int n)
{
	for (int i = 0; i < B; i++)
		dropout_apply(x + (size_t)i * n, mask + (size_t)i * ld + c0,
			      y + (size_t)i * n, (size_t)n);
}

void
mlpsplit_forward(struct mlpsplit *sp, int l, int b)
{
	struct mlpsplit_layer *sl = &sp->l[l];
	const struct dense *d = sl->d;
	int B = sp->B, nr = sl->r[b + 1] - sl->r[b], ld;
	const real *x = block_input(sp, l, b, &ld);

	if (nr == 0)
		return;
	for (int b2 = 0; b2 < 2; b2++) {
		int nc = sl->c[b2 + 1] - sl->c[b2];

		if (nc > 0)
			gemm_nn(B, nc, nr, x, ld, d->W + (size_t)sl->r[b] *
				d->out + sl->c[b2], d->out, sl->part[b][b2],
				nc, 0);
	}
}

void
mlpsplit_reduce(struct mlpsplit *sp, int l, int b)
{
	struct mlpsplit_layer *sl = &sp->l[l];
	const struct dense *d = sl->d;
	const real *p0 = sl->part[0][b], *p1 = sl->part[1][b];
	const real *mask = layer_mask(sp, l);
	int B = sp->B, nc = sl->c[b + 1] - sl->c[b];
	size_t n = (size_t)B * nc;
	real *y = sl->y[b];

	if (nc == 0)
		return;
	if (sl->r[1] < sl->r[2]) {
		#pragma omp simd
		for (size_t k = 0; k < n; k++)
			y[k] = p0[k] + p1[k];
	} else {
		memcpy(y, p0, n * sizeof(*y));
	}
	dense_bias_act(d, y, sl->z[b], B, sl->c[b], nc);
	if (mask && sl->drop[b])
		mask_cols(y, mask, d->out, sl->c[b], sl->drop[b], B, nc);
}

const real *
mlpsplit_output(const struct mlpsplit *sp)
{
	return sp->l[sp->L - 1].y[0];
}

/*
 * dst (rows, n) += src (rows, n), rows ld apart in dst and n in src:
 * a later chunk's gradient added to the sum of those before.
 */
static void
add_rows(real *dst, int ld, const real *src, int rows, int n)
{
	for (int i = 0; i < rows; i++) {
		real *restrict a = dst + (size_t)i * ld;
		const real *restrict s = src + (size_t)i * n;

		#pragma omp simd
		for (int j = 0; j < n; j++)
			a[j] += s[j];
	}
}

void
mlpsplit_grad(struct mlpsplit *sp, int l, int b, const real *dout)
{
	struct mlpsplit_layer *sl = &sp->l[l];
	const struct dense *d = sl->d;
	int nc = sl->c[b + 1] - sl->c[b];
	const real *dy = l == sp->L - 1 ? dout : sl->dy[b];

	if (nc == 0)
		return;
	sl->g[b] = d->act == ACT_NONE ? dy : sl->dy[b];
	for (int c = 0; c < sp->nchunks; c++) {
		size_t o;
		int b0, n;

		chunk_span(sp, c, &b0, &n);
		o = (size_t)b0 * nc;
		dense_act_grad(d, sl->y[b] + o, sl->z[b] ? sl->z[b] + o : NULL,
			       dy + o, sl->dy[b] ? sl->dy[b] + o : NULL, n,
			       nc, c ? sl->gb[b] : d->db + sl->c[b]);
		if (c)
			add_rows(d->db + sl->c[b], nc, sl->gb[b], 1, nc);
	}
}

void
mlpsplit_backward(struct mlpsplit *sp, int l, int b)
{
	struct mlpsplit_layer *sl = &sp->l[l];
	const struct dense *d = sl->d;
	int nr = sl->r[b + 1] - sl->r[b], out = d->out, ld, B = sp->B;
	const real *x = block_input(sp, l, b, &ld), *mask;
	const real *W = d->W + (size_t)sl->r[b] * out;
	real *dW = d->dW + (size_t)sl->r[b] * out, *dx;

	if (nr == 0)
		return;
	for (int c = 0; c < sp->nchunks; c++) {
		real *gw = c ? sl->gw[b] : dW;
		int b0, n;

		chunk_span(sp, c, &b0, &n);
		for (int b2 = 0; b2 < 2; b2++) {
			int nc = sl->c[b2 + 1] - sl->c[b2];

			if (nc > 0)
				gemm_tn(nr, nc, n, x + (size_t)b0 * ld, ld,
					sl->g[b2] + (size_t)b0 * nc, nc,
					gw + sl->c[b2], out, 0);
		}
		if (c)
			add_rows(dW, out, gw, nr, out);
	}
	if (l == 0)
		return;
	/* one chain over all columns: block 0's, then on into block 1's */
	dx = sp->l[l - 1].dy[b];
	for (int b2 = 0; b2 < 2; b2++) {
		int nc = sl->c[b2 + 1] - sl->c[b2];

		if (nc > 0)
			gemm_nt(B, nr, nc, sl->g[b2], nc, W + sl->c[b2], out,
				dx, nr, b2 > 0 && sl->c[1] > 0);
	}
	mask = layer_mask(sp, l - 1);
	if (mask)
		mask_cols(dx, mask, d->in, sl->r[b], dx, B, nr);
}

int
mlpsplit_ranges(const struct mlpsplit *sp, int b, size_t r[][2])
{
	const real *params = sp->params;
	int n = 0;

	for (int l = 0; l < sp->L; l++) {
		const struct mlpsplit_layer *sl = &sp->l[l];
		size_t w = (size_t)(sl->d->W - params);
		size_t bias = (size_t)(sl->d->b - params);

		if (sl->r[b] < sl->r[b + 1]) {
			r[n][0] = w + (size_t)sl->r[b] * sl->d->out;
			r[n++][1] = w + (size_t)sl->r[b + 1] * sl->d->out;
		}
		if (sl->c[b] < sl->c[b + 1]) {
			r[n][0] = bias + (size_t)sl->c[b];
			r[n++][1] = bias + (size_t)sl->c[b + 1];
		}
	}
	assert(n <= MLPSPLIT_MAX_RANGES);
	return n;
}
