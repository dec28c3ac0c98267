/*
 * bench-train.c - training throughput (samples/s) of the workloads.
 *
 * Each workload trains with Adam on random data for a few epochs (after
 * one warm-up epoch) and prints samples per second:
 *
 *   mlp-32-128-128-1   batch 64, 50,000 rows, MSE
 *   mlp-64-64-1        batch 32, 50,000 rows, MSE
 *   mlp-100-256-256-3  batch 32, 20,000 rows, cross-entropy over 3 classes
 *   lstm-8-64-t32      batch 64, 10,000 windows of 32 steps, MSE
 *   lstm-8-256-t32     batch 64, 2,048 windows of 32 steps, MSE
 *   gru-8-64-t32       batch 64, 10,000 windows of 32 steps, MSE
 *
 * usage: bench-train [THREADS] [WORKLOAD]   (default 2 threads, all)
 * bench/torch_train.py runs the same workloads in PyTorch.
 */
#include "job/config.h"
#include "runner/train/loss.h"
#include "runner/train/model.h"
#include "runner/train/optim.h"
#include "lib/rng.h"
#include "lib/timeutil.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct workload {
	const char *name;
	enum model_type type;
	int inputs, steps, hidden[2], nhidden, batch, rows;
	int classes;		/* 0: one regression target (MSE) */
};

static const struct workload workloads[] = {
	{ "mlp-32-128-128-1", MODEL_MLP, 32, 1, { 128, 128 }, 2, 64, 50000, 0 },
	{ "mlp-64-64-1", MODEL_MLP, 64, 1, { 64 }, 1, 32, 50000, 0 },
	{ "mlp-100-256-256-3", MODEL_MLP, 100, 1, { 256, 256 }, 2, 32, 20000,
	  3 },
	{ "lstm-8-64-t32", MODEL_LSTM, 8, 32, { 64 }, 1, 64, 10000, 0 },
	{ "lstm-8-256-t32", MODEL_LSTM, 8, 32, { 256 }, 1, 64, 2048, 0 },
	{ "gru-8-64-t32", MODEL_GRU, 8, 32, { 64 }, 1, 64, 10000, 0 },
};

static double
run(const struct workload *w, int epochs)
{
	struct config cfg;
	struct model_spec spec;
	struct model *m;
	struct optim opt;
	struct rng rng;
	size_t in = (size_t)w->inputs * w->steps;
	real *x = malloc(sizeof(real) * in * w->rows);
	real *y = malloc(sizeof(real) * w->rows);
	real *xb = malloc(sizeof(real) * in * w->batch);
	real *yb = malloc(sizeof(real) * w->batch);
	int outputs = w->classes ? w->classes : 1;
	real *dout = malloc(sizeof(real) * w->batch * outputs);
	size_t *order = malloc(sizeof(size_t) * w->rows);
	double t0 = 0, secs;

	memset(&cfg, 0, sizeof(cfg));
	cfg.model.type = w->type;
	memcpy(cfg.model.hidden, w->hidden, sizeof(w->hidden));
	cfg.model.nhidden = w->nhidden;
	cfg.model.layers = 1;
	cfg.model.activation = ACT_RELU;
	cfg.loss.type = w->classes ? LOSS_CROSS_ENTROPY : LOSS_MSE;
	cfg.train.optimizer = OPTIM_ADAM;
	cfg.train.lr = 1e-3;
	cfg.train.beta1 = 0.9;
	cfg.train.beta2 = 0.999;
	cfg.train.eps = 1e-8;
	model_spec_from_config(&spec, &cfg, w->inputs, w->steps, outputs,
			       w->batch);
	m = model_new(&spec);
	if (!m)
		exit(1);
	rng_seed(&rng, 1);
	model_init_weights(m, &rng);
	optim_init(&opt, &cfg, model_nparams(m));
	for (size_t i = 0; i < in * w->rows; i++)
		x[i] = (real)rng_normal(&rng);
	for (int i = 0; i < w->rows; i++) {
		y[i] = w->classes ? (real)(rng_next(&rng) % w->classes) :
		       (real)rng_normal(&rng);
		order[i] = (size_t)i;
	}
	/* Epoch 0 warms up caches and threads and is not timed. */
	for (int e = 0; e <= epochs; e++) {
		if (e == 1)
			t0 = time_mono();
		rng_shuffle(&rng, order, (size_t)w->rows);
		for (int b = 0; b + w->batch <= w->rows; b += w->batch) {
			for (int i = 0; i < w->batch; i++) {
				memcpy(xb + i * in, x + order[b + i] * in,
				       in * sizeof(real));
				yb[i] = y[order[b + i]];
			}
			const real *out = model_forward(m, xb, w->batch, 1,
							&rng);

			loss_compute(&cfg.loss, out, yb, w->batch, 1, w->classes,
				     dout);
			model_backward(m, dout);
			optim_step(&opt, model_params(m), model_grads(m),
				   1e-3);
		}
	}
	secs = time_mono() - t0;
	optim_release(&opt);
	model_free(m);
	free(x);
	free(y);
	free(xb);
	free(yb);
	free(dout);
	free(order);
	return (double)(w->rows / w->batch * w->batch) * epochs / secs;
}

int
main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	const char *only = argc > 2 ? argv[2] : NULL;

	omp_set_num_threads(threads);
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload *w = &workloads[i];

		if (only && strcmp(only, w->name) != 0)
			continue;
		printf("train %-18s batch %-3d %d threads  %10.0f samples/s\n",
		       w->name, w->batch, threads,
		       run(w, w->type == MODEL_MLP ? 3 : 2));
		fflush(stdout);
	}
	return 0;
}
