/*
 * test-step.c - a training step in one parallel region (step.h): the same
 * parameters, to the bit, as forward, loss, backward, clipping and the
 * optimizer called one after the other; the same bits for 1, 2 and 3
 * threads; nothing updated when the loss is not finite.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "runner/train/loss.h"
#include "runner/train/model.h"
#include "runner/train/optim.h"
#include "runner/train/step.h"
#include "lib/rng.h"
#include "tap.h"

#define MAXB 70		/* chunks of 32 rows: 3, and 2 for 45 samples */
#define STEPS 3

struct setup {
	const char *label;
	enum model_type type;
	int T, hidden, layers;
	double dropout, clip;
	enum optim_type optimizer;
	enum loss_type loss;
	int hidden2;		/* the mlp's second layer; 0: 7 */
	int gelu;		/* gelu rather than tanh */
	enum model_split split;
};

struct result {
	real *params;
	double loss[STEPS];
	long step;
};

/* The model part of a config for su. */
static void
model_config(struct config *cfg, const struct setup *su)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->model.type = su->type;
	cfg->model.hidden[0] = su->hidden;
	cfg->model.hidden[1] = su->hidden2 ? su->hidden2 : 7;
	cfg->model.nhidden = su->type == MODEL_MLP ? 2 : 1;
	cfg->model.layers = su->layers;
}

/*
 * STEPS steps of batches of MAXB, then 45, then MAXB samples with the
 * given thread count; fused: step_run (in the given scheme), else the
 * functions one by one.
 */
static void
train(const struct setup *su, int threads, int fused,
      enum step_scheme scheme, const real *nan_y, struct result *res)
{
	static const int sizes[STEPS] = { MAXB, 45, MAXB };
	struct config cfg;
	struct model_spec spec;
	struct model *m;
	struct optim opt;
	struct rng r;
	int I = 5, O, K = su->loss == LOSS_CROSS_ENTROPY ? 3 : 0;
	size_t nx = (size_t)MAXB * su->T * I, np;
	real *x = malloc(nx * sizeof(real)), y[MAXB], *dout;
	struct step st;

	model_config(&cfg, su);
	cfg.model.activation = su->gelu ? ACT_GELU : ACT_TANH;
	cfg.model.dropout = su->dropout;
	cfg.loss.type = su->loss;
	cfg.train.optimizer = su->optimizer;
	cfg.train.momentum = 0.9;
	cfg.train.beta1 = 0.9;
	cfg.train.beta2 = 0.999;
	cfg.train.eps = 1e-8;
	cfg.train.weight_decay = 0.01;
	O = loss_outputs(&cfg.loss, 1, K);
	model_spec_from_config(&spec, &cfg, I, su->T, O, MAXB);
	spec.split = su->split;
	m = model_new(&spec);
	np = model_nparams(m);
	optim_init(&opt, &cfg, np);
	dout = calloc((size_t)MAXB * O, sizeof(real));
	st = (struct step){ m, &opt, &cfg.loss, 1, K, su->clip, dout,
			    scheme };
	rng_seed(&r, 5);
	model_init_weights(m, &r);
	omp_set_num_threads(threads);
	for (int s = 0; s < STEPS; s++) {
		int B = sizes[s];

		for (size_t i = 0; i < nx; i++)
			x[i] = (real)(2 * rng_uniform(&r) - 1);
		for (int i = 0; i < MAXB; i++)
			y[i] = K ? (real)(rng_next(&r) % 3) :
			       (real)rng_normal(&r);
		if (nan_y)
			memcpy(y, nan_y, sizeof(y));
		if (fused) {
			res->loss[s] = step_run(&st, x, y, B, 0.05, &r);
			continue;
		}
		res->loss[s] = loss_compute(&cfg.loss, model_forward(m, x, B,
					    1, &r), y, B, 1, K, dout);
		model_backward(m, dout);
		clip_grad_norm(model_grads(m), np, su->clip);
		optim_step(&opt, model_params(m), model_grads(m), 0.05);
	}
	res->params = malloc(np * sizeof(real));
	memcpy(res->params, model_params(m), np * sizeof(real));
	res->step = opt.step;
	omp_set_num_threads(1);
	optim_release(&opt);
	model_free(m);
	free(x);
	free(dout);
}

static size_t
nparams(const struct setup *su)
{
	struct model_spec spec;
	struct config cfg;
	struct model *m;
	size_t n;

	model_config(&cfg, su);
	model_spec_from_config(&spec, &cfg, 5, su->T,
			       su->loss == LOSS_CROSS_ENTROPY ? 3 : 1, MAXB);
	spec.split = su->split;
	m = model_new(&spec);
	n = model_nparams(m);
	model_free(m);
	return n;
}

static void
test_setup(const struct setup *su)
{
	size_t np = nparams(su);
	struct result one, apart;
	double worst = 0;

	train(su, 1, 1, STEP_AUTO, NULL, &one);
	train(su, 2, 0, STEP_AUTO, NULL, &apart);
	ok(memcmp(one.params, apart.params, np * sizeof(real)) == 0,
	   "%s: the same parameters as the functions one by one", su->label);
	for (int s = 0; s < STEPS; s++)
		worst = fmax(worst, fabs(one.loss[s] - apart.loss[s]) /
			     fabs(apart.loss[s]));
	ok(worst < 1e-12, "%s: the same loss within 1e-12 (%g)", su->label,
	   worst);
	ok(one.step == STEPS, "%s: %d steps counted", su->label, STEPS);
	free(apart.params);
	for (int t = 2; t <= 3; t++) {
		struct result other;

		train(su, t, 1, STEP_AUTO, NULL, &other);
		ok(memcmp(one.params, other.params, np * sizeof(real)) == 0 &&
		   memcmp(one.loss, other.loss, sizeof(one.loss)) == 0,
		   "%s: %d threads give the same bits as 1", su->label, t);
		free(other.params);
	}
	for (int t = 1; su->type == MODEL_MLP && t <= 3; t++) {
		static const enum step_scheme schemes[] = { STEP_CHUNKS,
							    STEP_BLOCKS };

		for (int k = 0; k < 2; k++) {
			struct result other;

			train(su, t, 1, schemes[k], NULL, &other);
			ok(memcmp(one.params, other.params,
				  np * sizeof(real)) == 0 &&
			   memcmp(one.loss, other.loss,
				  sizeof(one.loss)) == 0,
			   "%s: by %s on %d threads, the same bits", su->label,
			   k ? "blocks" : "chunks", t);
			free(other.params);
		}
	}
	free(one.params);
}

/* A NaN target: no update, no step counted, the loss says NaN. */
static void
test_nan(void)
{
	struct setup su = { "mlp", MODEL_MLP, 1, 9, 1, 0, 0, OPTIM_ADAM,
			    LOSS_MSE, 0, 0, 0 };
	struct result a;
	real y[MAXB] = { 0 };
	size_t np = nparams(&su), finite = 0;

	y[40] = NAN;
	train(&su, 2, 1, STEP_AUTO, y, &a);
	ok(isnan(a.loss[0]) && isnan(a.loss[2]), "NaN target: NaN loss");
	ok(a.step == 0, "NaN target: no step counted");
	for (size_t i = 0; i < np; i++)
		finite += isfinite(a.params[i]) != 0;
	ok(finite == np, "NaN target: the parameters stay finite");
	free(a.params);
}

/* The split pays for wide layers at the batch, not for narrow ones. */
static void
test_split_rule(void)
{
	struct config cfg;
	struct model_spec spec;
	struct model *m;

	memset(&cfg, 0, sizeof(cfg));
	cfg.model.type = MODEL_MLP;
	cfg.model.hidden[0] = cfg.model.hidden[1] = 256;
	cfg.model.nhidden = 2;
	model_spec_from_config(&spec, &cfg, 100, 1, 3, 32);
	m = model_new(&spec);
	ok(model_mlpsplit(m) != NULL, "mlp 100-256-256-3 at batch 32: split");
	model_free(m);
	cfg.model.hidden[0] = cfg.model.hidden[1] = 128;
	model_spec_from_config(&spec, &cfg, 32, 1, 1, 64);
	m = model_new(&spec);
	ok(model_mlpsplit(m) == NULL,
	   "mlp 32-128-128-1 at batch 64: not split");
	model_free(m);
	spec.split = MODEL_SPLIT_ALWAYS;
	m = model_new(&spec);
	ok(model_mlpsplit(m) != NULL, "... unless forced");
	model_free(m);
}

int
main(void)
{
	static const struct setup setups[] = {
		{ "mlp dropout clip adam", MODEL_MLP, 1, 40, 1, 0.2, 0.5,
		  OPTIM_ADAM, LOSS_MSE, 0, 0, 0 },
		{ "mlp cross_entropy sgd", MODEL_MLP, 3, 24, 1, 0, 0,
		  OPTIM_SGD, LOSS_CROSS_ENTROPY, 0, 0, 0 },
		/* every layer split in two blocks (mlpsplit.h): forced,
		   and wide enough that it pays */
		{ "mlp split dropout clip gelu adam", MODEL_MLP, 8, 48, 1,
		  0.2, 0.5, OPTIM_ADAM, LOSS_MSE, 40, 1, MODEL_SPLIT_ALWAYS },
		{ "mlp split cross_entropy adamw", MODEL_MLP, 7, 64, 1, 0, 0,
		  OPTIM_ADAMW, LOSS_CROSS_ENTROPY, 33, 0, MODEL_SPLIT_ALWAYS },
		{ "mlp wide", MODEL_MLP, 40, 400, 1, 0.1, 0, OPTIM_ADAM,
		  LOSS_MSE, 400, 0, MODEL_SPLIT_AUTO },
		{ "lstm 2 layers dropout clip sgd", MODEL_LSTM, 6, 12, 2, 0.3,
		  0.1, OPTIM_SGD, LOSS_MSE, 0, 0, 0 },
		{ "gru adamw", MODEL_GRU, 5, 10, 1, 0, 0, OPTIM_ADAMW,
		  LOSS_HUBER, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(setups) / sizeof(setups[0]); i++)
		test_setup(&setups[i]);
	test_nan();
	test_split_rule();
	return tap_done();
}
