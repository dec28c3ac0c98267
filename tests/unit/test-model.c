/*
 * test-model.c - the model in the float build: parameter counts against
 * PyTorch's, the tensor table, flops, the summary, invalid specs,
 * bit-identical results for 1, 2 and 3 threads, and a few hundred plain
 * SGD steps that must lower an MSE loss (mlp, lstm, gru).
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/layers.h"
#include "runner/train/model.h"
#include "lib/rng.h"
#include "lib/strbuf.h"
#include "tap.h"

static struct model_spec
spec_new(enum model_type type, int I, int T, int O, int max_batch)
{
	struct model_spec s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.inputs = I;
	s.steps = T;
	s.outputs = O;
	s.layers = 1;
	s.activation = ACT_RELU;
	s.max_batch = max_batch;
	return s;
}

static size_t
count_of(const struct model_spec *s)
{
	struct model *m = model_new(s);
	size_t n = m ? model_nparams(m) : 0;

	model_free(m);
	return n;
}

static void
test_counts(void)
{
	struct model_spec s;

	/* nn.Linear(32,128), (128,128), (128,1) */
	s = spec_new(MODEL_MLP, 32, 1, 1, 64);
	s.hidden[0] = s.hidden[1] = 128;
	s.nhidden = 2;
	ok(count_of(&s) == 4224 + 16512 + 129, "mlp 32-128-128-1 count");

	/* a window of 4 steps x 3 features is 12 inputs */
	s = spec_new(MODEL_LINEAR, 3, 4, 2, 8);
	ok(count_of(&s) == 12 * 2 + 2, "linear over a window count");

	/* nn.LSTM(8, 64): 18944, less one bias vector (256) */
	s = spec_new(MODEL_LSTM, 8, 32, 1, 64);
	s.hidden[0] = 64;
	s.nhidden = 1;
	ok(count_of(&s) == 18944 - 256 + 65, "lstm 8-64 count");

	/* nn.GRU(8, 64): 14208, both biases as in PyTorch */
	s.type = MODEL_GRU;
	ok(count_of(&s) == 14208 + 65, "gru 8-64 count");

	/* nn.LSTM(5, 32, num_layers=2): 4992 + 8448, less 2 x 128 */
	s = spec_new(MODEL_LSTM, 5, 6, 3, 16);
	s.hidden[0] = 32;
	s.nhidden = 1;
	s.layers = 2;
	s.head[0] = 16;
	s.nhead = 1;
	ok(count_of(&s) == 4992 + 8448 - 256 + 528 + 51,
	   "lstm 2 layers with head count");
}

static void
test_table(void)
{
	static const char *const want[] = {
		"gru.0.weight_ih", "gru.0.weight_hh", "gru.0.bias_ih",
		"gru.0.bias_hh", "gru.1.weight_ih", "gru.1.weight_hh",
		"gru.1.bias_ih", "gru.1.bias_hh", "head.0.weight",
		"head.0.bias", "head.1.weight", "head.1.bias", "out.weight",
		"out.bias"
	};
	struct model_spec s = spec_new(MODEL_GRU, 5, 6, 3, 16);
	struct model *m;
	size_t off = 0, n;
	int contiguous = 1;
	const struct tensor_info *t;

	s.hidden[0] = 12;
	s.nhidden = 1;
	s.layers = 2;
	s.head[0] = 7;
	s.head[1] = 4;
	s.nhead = 2;
	m = model_new(&s);
	n = model_ntensors(m);
	ok(n == sizeof(want) / sizeof(*want), "gru model has %zu tensors", n);
	for (size_t i = 0; i < n && i < sizeof(want) / sizeof(*want); i++) {
		t = model_tensor(m, i);
		is_str(t->name, want[i], "tensor %zu name", i);
		contiguous &= t->offset == off;
		off += t->count;
	}
	ok(contiguous, "tensor offsets are contiguous");
	ok(off == model_nparams(m), "tensors cover the parameter block");
	ok(model_tensor(m, n) == NULL, "no tensor past the end");
	t = model_tensor(m, 0);
	ok(t->ndim == 2 && t->shape[0] == 5 && t->shape[1] == 36,
	   "gru.0.weight_ih is (in, 3H)");
	t = model_tensor(m, 3);
	ok(t->ndim == 1 && t->shape[0] == 36, "gru.0.bias_hh is (3H)");
	t = model_tensor(m, 8);
	ok(t->ndim == 2 && t->shape[0] == 12 && t->shape[1] == 7,
	   "head.0.weight is (H, 7)");
	model_free(m);

	s.type = MODEL_LSTM;
	m = model_new(&s);
	is_str(model_tensor(m, 2)->name, "lstm.0.bias", "lstm bias name");
	ok(model_tensor(m, 2)->count == 48, "lstm bias is (4H)");
	model_free(m);

	s = spec_new(MODEL_MLP, 4, 1, 1, 2);
	s.hidden[0] = 3;
	s.nhidden = 1;
	m = model_new(&s);
	is_str(model_tensor(m, 0)->name, "mlp.0.weight", "mlp weight name");
	is_str(model_tensor(m, 3)->name, "out.bias", "mlp out bias name");
	model_free(m);
}

static void
test_init(void)
{
	struct model_spec s = spec_new(MODEL_LSTM, 3, 4, 1, 2);
	struct model *m, *m2;
	struct rng r, r2;
	const real *bias;
	int forget = 1, rest = 1, wbound = 1;
	const struct tensor_info *t;

	s.hidden[0] = 8;
	s.nhidden = 1;
	m = model_new(&s);
	m2 = model_new(&s);
	rng_seed(&r, 5);
	rng_seed(&r2, 5);
	model_init_weights(m, &r);
	model_init_weights(m2, &r2);
	ok(memcmp(model_params(m), model_params(m2),
		  model_nparams(m) * sizeof(real)) == 0,
	   "same seed, same weights");
	bias = model_params(m) + model_tensor(m, 2)->offset;
	for (int j = 0; j < 32; j++) {
		if (j >= 8 && j < 16)
			forget &= bias[j] == 1;
		else
			rest &= bias[j] == 0;
	}
	ok(forget, "lstm forget gate bias is 1");
	ok(rest, "other lstm biases are 0");
	t = model_tensor(m, 1);
	for (size_t k = 0; k < t->count; k++) {
		real w = model_params(m)[t->offset + k];

		wbound &= fabs(w) <= 1 / sqrt(8.0) && w != 0;
	}
	ok(wbound, "lstm weights within 1/sqrt(H)");
	model_free(m);
	model_free(m2);
}

static void
diag_lines(const char *s)
{
	const char *nl;

	while (*s) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s);
		diag("%.*s", (int)(nl - s), s);
		s = *nl ? nl + 1 : nl;
	}
}

static void
test_flops_summary(void)
{
	struct model_spec s = spec_new(MODEL_MLP, 32, 1, 1, 64);
	struct strbuf sb = STRBUF_INIT;
	struct model *m;
	double fwd = 2.0 * (32 * 128 + 128 * 128 + 128 * 1);

	s.hidden[0] = s.hidden[1] = 128;
	s.nhidden = 2;
	m = model_new(&s);
	/* forward, dW of every layer, dx of all but the first */
	is_near(model_flops_per_sample(m),
		fwd + fwd + 2.0 * (128 * 128 + 128), 0,
		"mlp flops per sample");
	model_summary(m, &sb);
	diag_lines(sb_str(&sb));
	ok(strstr(sb_str(&sb), "20865 parameters\n") != NULL,
	   "summary ends with the parameter count");
	ok(strstr(sb_str(&sb), "mlp.0") && strstr(sb_str(&sb), "(B, 32)") &&
	   strstr(sb_str(&sb), "out "), "summary names layers and shapes");
	model_free(m);
	sb_release(&sb);

	s = spec_new(MODEL_LSTM, 8, 32, 1, 64);
	s.hidden[0] = 64;
	s.nhidden = 1;
	s.layers = 2;
	s.dropout = 0.1;
	m = model_new(&s);
	model_summary(m, &sb);
	diag_lines(sb_str(&sb));
	ok(strstr(sb_str(&sb), "(B, 32, 8) -> (B, 32, 64)") != NULL,
	   "lstm summary shapes");
	ok(strstr(sb_str(&sb), "dropout 0.1") != NULL, "summary dropout");
	ok(model_flops_per_sample(m) > 0, "lstm flops");
	model_free(m);
	sb_release(&sb);
}

static void
test_invalid(void)
{
	struct model_spec s = spec_new(MODEL_MLP, 3, 1, 1, 4);
	int q;

	q = error_set_quiet(1);
	s.inputs = 0;
	ok(model_new(&s) == NULL, "0 inputs refused");
	s.inputs = 3;
	s.nhidden = 1;
	s.hidden[0] = 0;
	ok(model_new(&s) == NULL, "hidden size 0 refused");
	s.hidden[0] = 4;
	s.dropout = 1;
	ok(model_new(&s) == NULL, "dropout 1 refused");
	s = spec_new(MODEL_LSTM, 3, 5, 1, 4);
	ok(model_new(&s) == NULL, "lstm without hidden size refused");
	s.hidden[0] = 4;
	s.nhidden = 1;
	s.layers = 0;
	ok(model_new(&s) == NULL, "lstm with 0 layers refused");
	s.max_batch = 0;
	s.layers = 1;
	ok(model_new(&s) == NULL, "batch 0 refused");
	error_set_quiet(q);
}

/* Forward + backward with n threads; returns out then grads, malloc'd. */
static real *
run_threads(const struct model_spec *s, int threads, int B)
{
	struct model *m = model_new(s);
	size_t in = (size_t)B * s->steps * s->inputs;
	size_t no = (size_t)B * s->outputs, np = model_nparams(m);
	real *x = malloc(in * sizeof(*x)), *dout = malloc(no * sizeof(*x));
	real *res = malloc((no + np) * sizeof(*res));
	struct rng r;
	const real *out;

	rng_seed(&r, 11);
	model_init_weights(m, &r);
	for (size_t i = 0; i < in; i++)
		x[i] = (real)(2 * rng_uniform(&r) - 1);
	for (size_t i = 0; i < no; i++)
		dout[i] = (real)(2 * rng_uniform(&r) - 1);
	omp_set_num_threads(threads);
	out = model_forward(m, x, B, 1, &r);
	memcpy(res, out, no * sizeof(*res));
	model_backward(m, dout);
	memcpy(res + no, model_grads(m), np * sizeof(*res));
	free(x);
	free(dout);
	model_free(m);
	return res;
}

static void
test_threads(const char *label, const struct model_spec *s, int B)
{
	struct model *m = model_new(s);
	size_t n = model_nparams(m) + (size_t)B * s->outputs;
	real *one = run_threads(s, 1, B);
	int nonzero = 0;

	model_free(m);
	for (size_t i = 0; i < n; i++)
		nonzero |= one[i] != 0;
	ok(nonzero, "%s: gradients are not all zero", label);
	for (int t = 2; t <= 3; t++) {
		real *other = run_threads(s, t, B);

		ok(memcmp(one, other, n * sizeof(real)) == 0,
		   "%s: %d threads give the same bits as 1", label, t);
		free(other);
	}
	free(one);
	omp_set_num_threads(1);
}

static void
test_determinism(void)
{
	struct model_spec s = spec_new(MODEL_MLP, 48, 1, 3, 256);

	s.hidden[0] = 200;
	s.hidden[1] = 96;
	s.nhidden = 2;
	s.dropout = 0.1;
	test_threads("mlp relu", &s, 256);
	s.activation = ACT_TANH;
	test_threads("mlp tanh", &s, 250);

	s = spec_new(MODEL_LSTM, 8, 6, 2, 64);
	s.hidden[0] = 80;
	s.nhidden = 1;
	s.layers = 2;
	s.dropout = 0.2;
	s.head[0] = 24;
	s.nhead = 1;
	s.activation = ACT_SIGMOID;
	test_threads("lstm", &s, 64);
	s.type = MODEL_GRU;
	s.activation = ACT_GELU;
	test_threads("gru", &s, 61);
}

/* Mean squared error of out against y, and its gradient. */
static double
mse(const real *out, const real *y, int n, real *dout)
{
	double s = 0;

	for (int i = 0; i < n; i++) {
		double d = out[i] - y[i];

		s += d * d;
		dout[i] = (real)(2 * d / n);
	}
	return s / n;
}

/* Full-batch plain SGD; returns the loss before and after. */
static void
sgd(struct model *m, const real *x, const real *y, int B, int steps,
    double lr, double *before, double *after)
{
	real *p = model_params(m), *g = model_grads(m);
	real *dout = malloc((size_t)B * sizeof(*dout));
	size_t np = model_nparams(m);
	const real *out;

	for (int s = 0; s <= steps; s++) {
		double loss;

		out = model_forward(m, x, B, 1, NULL);
		loss = mse(out, y, B, dout);
		if (s == 0)
			*before = loss;
		*after = loss;
		if (s == steps)
			break;
		model_backward(m, dout);
		for (size_t i = 0; i < np; i++)
			p[i] -= (real)(lr * g[i]);
	}
	free(dout);
}

static void
test_training(void)
{
	enum { B = 64, T = 8 };
	real x[B * T], y[B];
	struct model_spec s;
	struct model *m;
	struct rng r;
	double before, after;

	rng_seed(&r, 3);
	/* mlp: y = sin(2 x0) * x1 */
	for (int b = 0; b < B; b++) {
		x[2 * b] = (real)(2 * rng_uniform(&r) - 1);
		x[2 * b + 1] = (real)(2 * rng_uniform(&r) - 1);
		y[b] = (real)(sin(2 * x[2 * b]) * x[2 * b + 1]);
	}
	s = spec_new(MODEL_MLP, 2, 1, 1, B);
	s.hidden[0] = s.hidden[1] = 32;
	s.nhidden = 2;
	s.activation = ACT_TANH;
	m = model_new(&s);
	model_init_weights(m, &r);
	sgd(m, x, y, B, 400, 0.1, &before, &after);
	diag("mlp mse %g -> %g", before, after);
	ok(after < 0.25 * before, "mlp: 400 sgd steps cut the loss by 4");
	model_free(m);

	/* sequence: y = (x_5 + x_6 + x_7) / 2 - x_4 / 4 */
	for (int b = 0; b < B; b++) {
		for (int t = 0; t < T; t++)
			x[b * T + t] = (real)(2 * rng_uniform(&r) - 1);
		y[b] = (real)((x[b * T + 5] + x[b * T + 6] + x[b * T + 7]) /
			      2 - x[b * T + 4] / 4);
	}
	for (int type = MODEL_LSTM; type <= MODEL_GRU; type++) {
		const char *name = type == MODEL_LSTM ? "lstm" : "gru";

		s = spec_new((enum model_type)type, 1, T, 1, B);
		s.hidden[0] = 16;
		s.nhidden = 1;
		m = model_new(&s);
		model_init_weights(m, &r);
		sgd(m, x, y, B, 300, 0.3, &before, &after);
		diag("%s mse %g -> %g", name, before, after);
		ok(after < 0.25 * before,
		   "%s: 300 sgd steps cut the loss by 4", name);
		model_free(m);
	}
}

static void
test_eval(void)
{
	struct model_spec s = spec_new(MODEL_GRU, 3, 4, 2, 8);
	struct model *m;
	struct rng r;
	real x[8 * 12], a[16];
	const real *out;
	double diff = 0;

	s.hidden[0] = 5;
	s.nhidden = 1;
	s.layers = 2;
	s.dropout = 0.5;
	m = model_new(&s);
	rng_seed(&r, 1);
	model_init_weights(m, &r);
	for (int i = 0; i < 96; i++)
		x[i] = (real)rng_normal(&r);
	out = model_forward(m, x, 8, 0, NULL);
	memcpy(a, out, sizeof(a));
	out = model_forward(m, x, 8, 0, NULL);
	ok(memcmp(a, out, sizeof(a)) == 0, "eval forward is repeatable");
	out = model_forward(m, x, 8, 1, &r);
	ok(memcmp(a, out, sizeof(a)) != 0, "training forward drops units");
	/* a smaller batch gives the same rows */
	out = model_forward(m, x, 3, 0, NULL);
	for (int i = 0; i < 6; i++)
		diff = fmax(diff, fabs(a[i] - out[i]));
	ok(diff < 1e-5, "batch of 3 matches the first rows of a batch of 8");
	model_free(m);
}

int
main(void)
{
	test_counts();
	test_table();
	test_init();
	test_flops_summary();
	test_invalid();
	test_determinism();
	test_training();
	test_eval();
	return tap_done();
}
