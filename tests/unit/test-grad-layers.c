/*
 * test-grad-layers.c - analytic gradients of the layers and models
 * against central finite differences, in double (built with -DNN_DOUBLE).
 *
 * Every check uses the loss L = sum(out * w) for fixed random w, so the
 * gradient by out is w. For each parameter tensor (and the input where a
 * layer exposes it) the worst relative error |a - n| / max(|a| + |n|,
 * 1e-4) over all elements (a sample of them for the large layers) must
 * be below 1e-6. A gradient off by 1e-4 relative is shown to fail the
 * same check.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/gru.h"
#include "runner/train/layers.h"
#include "runner/train/lstm.h"
#include "runner/train/model.h"
#include "lib/rng.h"
#include "tap.h"

#define TOL 1e-6

/*
 * Central difference step: small enough for the truncation error, large
 * enough for rounding; the large layers' loss sums many more terms, so
 * they use a larger step.
 */
static double eps = 1e-5;

static struct rng R;

static void
fill(real *a, size_t n, double scale)
{
	for (size_t i = 0; i < n; i++)
		a[i] = (2 * rng_uniform(&R) - 1) * scale;
}

static double
dot(const real *a, const real *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* A differentiable setup: loss() runs forward; grad() forward+backward. */
struct problem {
	double (*loss)(void *ctx);
	void (*grad)(void *ctx);
	void *ctx;
};

/* Check every element, or every `stride`-th one for large tensors. */
static size_t stride = 1;

/*
 * Worst relative error between the analytic gradient ga (n) of the
 * values p (n) and central differences of the loss.
 */
static double
fd_check(const struct problem *pb, real *p, const real *ga, size_t n)
{
	double worst = 0;

	for (size_t i = 0; i < n; i += stride) {
		real save = p[i];
		double lp, lm, num, err;

		p[i] = save + eps;
		lp = pb->loss(pb->ctx);
		p[i] = save - eps;
		lm = pb->loss(pb->ctx);
		p[i] = save;
		num = (lp - lm) / (2 * eps);
		err = fabs(num - ga[i]) / fmax(fabs(num) + fabs(ga[i]), 1e-4);
		if (err > worst)
			worst = err;
	}
	return worst;
}

/* Compute the analytic gradient g (n) with grad(), then check p (n). */
static double
check(const struct problem *pb, real *p, const real *g, size_t n)
{
	real *ga = malloc(n * sizeof(*ga));
	double worst;

	pb->grad(pb->ctx);
	memcpy(ga, g, n * sizeof(*ga));
	worst = fd_check(pb, p, ga, n);
	free(ga);
	return worst;
}

static void
report(double worst, const char *what)
{
	ok(worst < TOL, "%s: worst relative error %.2g", what, worst);
}

/* ---- activations ---- */

struct act_ctx {
	enum activation a;
	int n;
	real *x, *y, *w, *dx;
};

static double
act_loss(void *p)
{
	struct act_ctx *c = p;

	act_forward(c->a, c->x, c->y, (size_t)c->n);
	return dot(c->y, c->w, (size_t)c->n);
}

static void
act_grad(void *p)
{
	struct act_ctx *c = p;

	act_forward(c->a, c->x, c->y, (size_t)c->n);
	act_backward(c->a, c->x, c->y, c->w, c->dx, (size_t)c->n);
}

static const char *const act_names[] = {
	"relu", "tanh", "gelu", "sigmoid", "none"
};

static void
test_activations(void)
{
	for (int a = ACT_RELU; a <= ACT_NONE; a++) {
		struct act_ctx c = { (enum activation)a, 40, NULL, NULL, NULL,
				     NULL };
		struct problem pb = { act_loss, act_grad, &c };
		char what[64];

		c.x = nn_alloc(40);
		c.y = nn_alloc(40);
		c.w = nn_alloc(40);
		c.dx = nn_alloc(40);
		fill(c.x, 40, 3);
		fill(c.w, 40, 1);
		snprintf(what, sizeof(what), "act %s: dx", act_names[a]);
		report(check(&pb, c.x, c.dx, 40), what);
		free(c.x);
		free(c.y);
		free(c.w);
		free(c.dx);
	}
}

/* ---- dense ---- */

struct dense_ctx {
	struct dense d;
	int B;
	real *x, *y, *z, *w, *dz, *dx, *work;
};

static double
dense_loss(void *p)
{
	struct dense_ctx *c = p;

	dense_forward(&c->d, c->x, c->B, c->y, c->z, c->work);
	return dot(c->y, c->w, (size_t)c->B * c->d.out);
}

static void
dense_grad(void *p)
{
	struct dense_ctx *c = p;

	dense_forward(&c->d, c->x, c->B, c->y, c->z, c->work);
	dense_backward(&c->d, c->x, c->y, c->z, c->w, c->dz, c->B, c->dx);
}

/* With a split the forward gives the unsplit one's values, to rounding. */
static void
test_dense_split(void)
{
	int in = 7, out = 5, B = 4;
	size_t np = dense_nparams(in, out), ny = (size_t)B * out;
	real *params = nn_alloc(np), *grads = nn_alloc(np);
	real *x = nn_alloc((size_t)B * in), *y0 = nn_alloc(ny);
	real *y1 = nn_alloc(ny), *work = nn_alloc(ny);
	struct dense d;
	double worst = 0;

	dense_init(&d, in, out, ACT_TANH, params, grads);
	fill(params, np, 0.6);
	fill(x, (size_t)B * in, 1.5);
	dense_forward(&d, x, B, y0, NULL, NULL);
	d.split = 3;
	dense_forward(&d, x, B, y1, NULL, work);
	for (size_t k = 0; k < ny; k++)
		worst = fmax(worst, fabs(y1[k] - y0[k]));
	ok(worst < 1e-14, "dense split 3 of 7: the forward within 1e-14 (%g)",
	   worst);
	free(params);
	free(grads);
	free(x);
	free(y0);
	free(y1);
	free(work);
}

static void
test_dense(int split)
{
	int in = 7, out = 5, B = 4;

	for (int a = ACT_RELU; a <= ACT_NONE; a++) {
		struct dense_ctx c;
		struct problem pb = { dense_loss, dense_grad, &c };
		size_t np = dense_nparams(in, out);
		real *params = nn_alloc(np), *grads = nn_alloc(np);
		char what[64];

		memset(&c, 0, sizeof(c));
		c.B = B;
		dense_init(&c.d, in, out, (enum activation)a, params, grads);
		c.d.split = split;
		c.work = split ? nn_alloc((size_t)B * out) : NULL;
		fill(params, np, 0.6);
		c.x = nn_alloc((size_t)B * in);
		c.dx = nn_alloc((size_t)B * in);
		c.y = nn_alloc((size_t)B * out);
		c.z = nn_alloc((size_t)B * out);
		c.w = nn_alloc((size_t)B * out);
		c.dz = nn_alloc((size_t)B * out);
		fill(c.x, (size_t)B * in, 1.5);
		fill(c.w, (size_t)B * out, 1);
		snprintf(what, sizeof(what), "dense %s%s: W", act_names[a],
			 split ? " split" : "");
		report(check(&pb, c.d.W, c.d.dW, (size_t)in * out), what);
		snprintf(what, sizeof(what), "dense %s%s: b", act_names[a],
			 split ? " split" : "");
		report(check(&pb, c.d.b, c.d.db, (size_t)out), what);
		snprintf(what, sizeof(what), "dense %s%s: x", act_names[a],
			 split ? " split" : "");
		report(check(&pb, c.x, c.dx, (size_t)B * in), what);

		if (a == ACT_TANH && !split) {
			/* the checker catches a gradient off by 1e-4 */
			real *ga = malloc((size_t)in * out * sizeof(*ga));

			dense_grad(&c);
			memcpy(ga, c.d.dW, (size_t)in * out * sizeof(*ga));
			ga[3] *= 1 + 1e-4;
			ok(fd_check(&pb, c.d.W, ga, (size_t)in * out) > TOL,
			   "a wrong gradient fails the check");
			free(ga);
		}
		free(c.x);
		free(c.dx);
		free(c.y);
		free(c.z);
		free(c.w);
		free(c.dz);
		free(c.work);
		free(params);
		free(grads);
	}
}

/* ---- dropout with a fixed mask ---- */

struct drop_ctx {
	size_t n;
	real *x, *mask, *y, *w, *dx;
};

static double
drop_loss(void *p)
{
	struct drop_ctx *c = p;

	dropout_apply(c->x, c->mask, c->y, c->n);
	return dot(c->y, c->w, c->n);
}

static void
drop_grad(void *p)
{
	struct drop_ctx *c = p;

	dropout_apply(c->w, c->mask, c->dx, c->n);
}

static void
test_dropout(void)
{
	struct drop_ctx c;
	struct problem pb = { drop_loss, drop_grad, &c };
	size_t zeros = 0, bad = 0, big = 100000;
	real *m = nn_alloc(big);

	c.n = 50;
	c.x = nn_alloc(c.n);
	c.mask = nn_alloc(c.n);
	c.y = nn_alloc(c.n);
	c.w = nn_alloc(c.n);
	c.dx = nn_alloc(c.n);
	fill(c.x, c.n, 1);
	fill(c.w, c.n, 1);
	dropout_mask(c.mask, c.n, 0.3, &R);
	report(check(&pb, c.x, c.dx, c.n), "dropout: x");

	dropout_mask(m, big, 0.3, &R);
	for (size_t i = 0; i < big; i++) {
		if (m[i] == 0)
			zeros++;
		else if (fabs(m[i] - 1 / 0.7) > 1e-12)
			bad++;
	}
	ok(bad == 0, "dropout mask values are 0 or 1/(1-p)");
	is_near((double)zeros / big, 0.3, 0.01, "dropout drops a fraction p");

	{
		/* an odd length takes ceil(n/2) draws */
		struct rng a = R, b = R;
		real odd[777];

		dropout_mask(odd, 777, 0.5, &a);
		for (int i = 0; i < 389; i++)
			rng_next(&b);
		ok(memcmp(&a, &b, sizeof(a)) == 0,
		   "dropout mask of 777 draws 389 numbers");
		bad = 0;
		for (int i = 0; i < 777; i++)
			bad += odd[i] != 0 && odd[i] != 2;
		ok(bad == 0, "odd-length mask values");
	}
	free(m);
	free(c.x);
	free(c.mask);
	free(c.y);
	free(c.w);
	free(c.dx);
}

/* ---- LSTM and GRU, one or two layers ---- */

struct rnn_ctx {
	int gru, nl, T, B, I, H;
	struct lstm lstm[2];
	struct gru g[2];
	real *params, *grads;
	real *x, *dx, *wseq, *wlast, *dmid;
};

static const real *
rnn_fwd(struct rnn_ctx *c)
{
	const real *in = c->x;

	for (int l = 0; l < c->nl; l++)
		in = c->gru ? gru_forward(&c->g[l], in, c->B) :
			      lstm_forward(&c->lstm[l], in, c->B);
	return in;
}

static double
rnn_loss(void *p)
{
	struct rnn_ctx *c = p;
	const real *h = rnn_fwd(c);
	size_t bh = (size_t)c->B * c->H;

	return dot(h, c->wseq, (size_t)c->T * bh) +
	       dot(h + (size_t)(c->T - 1) * bh, c->wlast, bh);
}

static void
rnn_grad(void *p)
{
	struct rnn_ctx *c = p;

	rnn_fwd(c);
	for (int l = c->nl - 1; l >= 0; l--) {
		const real *dy = l == c->nl - 1 ? c->wseq : c->dmid;
		const real *dylast = l == c->nl - 1 ? c->wlast : NULL;
		real *dx = l ? c->dmid : c->dx;

		if (c->gru)
			gru_backward(&c->g[l], dy, dylast, dx);
		else
			lstm_backward(&c->lstm[l], dy, dylast, dx);
	}
}

static void
test_rnn(int gru, int nl, int T, int B, int I, int H)
{
	struct rnn_ctx c;
	struct problem pb = { rnn_loss, rnn_grad, &c };
	const char *kind = gru ? "gru" : "lstm";
	size_t np = 0, off[2];
	char what[64];

	memset(&c, 0, sizeof(c));
	c.gru = gru;
	c.nl = nl;
	c.T = T;
	c.B = B;
	c.I = I;
	c.H = H;
	for (int l = 0; l < nl; l++) {
		int in = l ? c.H : c.I;

		off[l] = np;
		np += gru ? gru_nparams(in, c.H) : lstm_nparams(in, c.H);
	}
	c.params = nn_alloc(np);
	c.grads = nn_alloc(np);
	fill(c.params, np, sqrt(1.0 / H));	/* 0.5 for H = 4 */
	for (int l = 0; l < nl; l++) {
		int in = l ? c.H : c.I;

		if (gru)
			gru_init(&c.g[l], in, c.H, c.T, c.B,
				 c.params + off[l], c.grads + off[l]);
		else
			lstm_init(&c.lstm[l], in, c.H, c.T, c.B,
				  c.params + off[l], c.grads + off[l]);
	}
	c.x = nn_alloc((size_t)c.T * c.B * c.I);
	c.dx = nn_alloc((size_t)c.T * c.B * c.I);
	c.dmid = nn_alloc((size_t)c.T * c.B * c.H);
	c.wseq = nn_alloc((size_t)c.T * c.B * c.H);
	c.wlast = nn_alloc((size_t)c.B * c.H);
	fill(c.x, (size_t)c.T * c.B * c.I, 1);
	fill(c.wseq, (size_t)c.T * c.B * c.H, 1);
	fill(c.wlast, (size_t)c.B * c.H, 1);

	for (int l = 0; l < nl; l++) {
		int in = l ? c.H : c.I;
		size_t nih = (size_t)in * (gru ? 3 : 4) * c.H;
		size_t nhh = (size_t)c.H * (gru ? 3 : 4) * c.H;
		size_t nb = (size_t)(gru ? 3 : 4) * c.H;
		real *p = c.params + off[l], *g = c.grads + off[l];

		snprintf(what, sizeof(what), "%s %d layers H %d: %d.weight_ih",
			 kind, nl, c.H, l);
		report(check(&pb, p, g, nih), what);
		snprintf(what, sizeof(what), "%s %d layers H %d: %d.weight_hh",
			 kind, nl, c.H, l);
		report(check(&pb, p + nih, g + nih, nhh), what);
		snprintf(what, sizeof(what), "%s %d layers H %d: %d.bias%s",
			 kind, nl, c.H, l, gru ? "_ih" : "");
		report(check(&pb, p + nih + nhh, g + nih + nhh, nb), what);
		if (gru) {
			snprintf(what, sizeof(what),
				 "%s %d layers H %d: %d.bias_hh", kind, nl,
				 c.H, l);
			report(check(&pb, p + nih + nhh + nb,
				     g + nih + nhh + nb, nb), what);
		}
	}
	snprintf(what, sizeof(what), "%s %d layers H %d: x", kind, nl, c.H);
	report(check(&pb, c.x, c.dx, (size_t)c.T * c.B * c.I), what);

	for (int l = 0; l < nl; l++) {
		if (gru)
			gru_release(&c.g[l]);
		else
			lstm_release(&c.lstm[l]);
	}
	free(c.params);
	free(c.grads);
	free(c.x);
	free(c.dx);
	free(c.dmid);
	free(c.wseq);
	free(c.wlast);
}

/* A single step: h_{-1} = 0 only, dW_hh must come out 0. */
static void
test_rnn_one_step(void)
{
	for (int gru = 0; gru <= 1; gru++) {
		size_t np = gru ? gru_nparams(2, 3) : lstm_nparams(2, 3);
		real *p = nn_alloc(np), *g = nn_alloc(np);
		real x[4] = { 0.5, -1, 2, 0.25 }, w[6] = { 1, 2, 3, 4, 5, 6 };
		size_t nih = (size_t)2 * (gru ? 9 : 12), nhh = gru ? 27 : 36;
		struct lstm l;
		struct gru r;
		int zero = 1;

		fill(p, np, 0.5);
		for (size_t i = 0; i < np; i++)
			g[i] = 99;
		if (gru) {
			gru_init(&r, 2, 3, 1, 2, p, g);
			gru_forward(&r, x, 2);
			gru_backward(&r, NULL, w, NULL);
			gru_release(&r);
		} else {
			lstm_init(&l, 2, 3, 1, 2, p, g);
			lstm_forward(&l, x, 2);
			lstm_backward(&l, NULL, w, NULL);
			lstm_release(&l);
		}
		for (size_t i = nih; i < nih + nhh; i++)
			zero &= g[i] == 0;
		ok(zero, "%s with one step: weight_hh gradient is 0",
		   gru ? "gru" : "lstm");
		free(p);
		free(g);
	}
}

/* ---- whole models ---- */

struct model_ctx {
	struct model *m;
	struct rng r0;		/* dropout masks: the same every pass */
	int B, O;
	real *x, *w;
};

static double
model_loss(void *p)
{
	struct model_ctx *c = p;
	struct rng r = c->r0;
	const real *out = model_forward(c->m, c->x, c->B, 1, &r);

	return dot(out, c->w, (size_t)c->B * c->O);
}

static void
model_grad(void *p)
{
	struct model_ctx *c = p;
	struct rng r = c->r0;

	model_forward(c->m, c->x, c->B, 1, &r);
	model_backward(c->m, c->w);
}

static void
test_model(const char *label, enum model_type type, int I, int T, int O,
	   const int *hidden, int nhidden, int layers, const int *head,
	   int nhead, enum activation act, double dropout)
{
	struct model_spec s;
	struct model_ctx c;
	struct problem pb = { model_loss, model_grad, &c };
	struct rng init;
	char what[96];

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.inputs = I;
	s.steps = T;
	s.outputs = O;
	memcpy(s.hidden, hidden, (size_t)nhidden * sizeof(*hidden));
	s.nhidden = nhidden;
	s.layers = layers;
	if (nhead)
		memcpy(s.head, head, (size_t)nhead * sizeof(*head));
	s.nhead = nhead;
	s.activation = act;
	s.dropout = dropout;
	s.max_batch = 4;

	memset(&c, 0, sizeof(c));
	c.m = model_new(&s);
	if (!ok(c.m != NULL, "%s: model_new", label))
		return;
	rng_seed(&init, 7);
	model_init_weights(c.m, &init);
	/* nonzero biases so that their effect is tested too */
	fill(model_params(c.m), model_nparams(c.m), 0.5);
	rng_seed(&c.r0, 99);
	c.B = 3;
	c.O = O;
	c.x = nn_alloc((size_t)c.B * T * I);
	c.w = nn_alloc((size_t)c.B * O);
	fill(c.x, (size_t)c.B * T * I, 1);
	fill(c.w, (size_t)c.B * O, 1);
	for (size_t i = 0; i < model_ntensors(c.m); i++) {
		const struct tensor_info *t = model_tensor(c.m, i);

		snprintf(what, sizeof(what), "%s: %s", label, t->name);
		report(check(&pb, model_params(c.m) + t->offset,
			     model_grads(c.m) + t->offset, t->count), what);
	}
	free(c.x);
	free(c.w);
	model_free(c.m);
}

int
main(void)
{
	static const int h2[] = { 5, 4 }, h1[] = { 4 }, head[] = { 3 };

	/* the tolerances need double: say so rather than fail everywhere */
	if (!ok(sizeof(real) == sizeof(double),
		"built with real = double (-DNN_DOUBLE)"))
		return tap_done();
	rng_seed(&R, 12345);
	test_activations();
	test_dense(0);
	test_dense(3);
	test_dense_split();
	test_dropout();
	test_rnn(0, 1, 5, 3, 3, 4);
	test_rnn(0, 2, 5, 3, 3, 4);
	test_rnn(1, 1, 5, 3, 3, 4);
	test_rnn(1, 2, 5, 3, 3, 4);
	test_rnn_one_step();

	/*
	 * Large enough for the time loop to split the units between three
	 * threads (the last with a partial vector); a sample of elements.
	 */
	omp_set_num_threads(3);
	stride = 97;
	eps = 1e-4;
	test_rnn(0, 2, 2, 17, 5, 72);
	test_rnn(1, 2, 2, 17, 5, 72);
	stride = 1;
	eps = 1e-5;
	omp_set_num_threads(1);

	test_model("linear", MODEL_LINEAR, 4, 1, 2, h1, 0, 0, NULL, 0,
		   ACT_RELU, 0);
	test_model("linear window", MODEL_LINEAR, 3, 3, 1, h1, 0, 0, NULL, 0,
		   ACT_RELU, 0);
	test_model("mlp tanh dropout", MODEL_MLP, 3, 2, 2, h2, 2, 0, NULL, 0,
		   ACT_TANH, 0.25);
	test_model("mlp gelu", MODEL_MLP, 4, 1, 1, h2, 2, 0, NULL, 0,
		   ACT_GELU, 0);
	test_model("mlp sigmoid", MODEL_MLP, 4, 1, 1, h1, 1, 0, NULL, 0,
		   ACT_SIGMOID, 0);
	test_model("lstm head", MODEL_LSTM, 3, 5, 2, h1, 1, 2, head, 1,
		   ACT_TANH, 0.2);
	test_model("lstm", MODEL_LSTM, 2, 4, 1, h1, 1, 1, NULL, 0, ACT_RELU,
		   0);
	test_model("gru head", MODEL_GRU, 3, 5, 2, h1, 1, 2, head, 1,
		   ACT_GELU, 0.2);
	test_model("gru", MODEL_GRU, 2, 4, 1, h1, 1, 1, NULL, 0, ACT_RELU,
		   0);

	error_set_quiet(1);
	return tap_done();
}
