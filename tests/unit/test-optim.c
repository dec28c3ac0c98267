/*
 * test-optim.c - optimizer steps, gradient clipping and learning-rate
 * schedules against values worked out by hand, and the same results for
 * 1 and 2 OpenMP threads.
 *
 * The optimizer cases take three steps from p = (1, -2, 0.5) at lr 0.1
 * with the gradients below; the expected parameters follow the formulas
 * in optim.h (sgd by hand in the comments, adam with a few lines of
 * double arithmetic).
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "runner/train/optim.h"
#include "tap.h"

#define TOL 2e-6	/* parameters are float */

static const real P0[3] = { 1, -2, 0.5 };
static const real G[3][3] = {
	{ 0.1, -0.2, 0.3 },
	{ 0.4, 0.0, -0.1 },
	{ -0.3, 0.2, 0.2 },
};

static void
config_for(struct config *cfg, enum optim_type type, double momentum,
	   int nesterov, double wd)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->train.optimizer = type;
	cfg->train.momentum = momentum;
	cfg->train.nesterov = nesterov;
	cfg->train.beta1 = 0.9;
	cfg->train.beta2 = 0.999;
	cfg->train.eps = 1e-8;
	cfg->train.weight_decay = wd;
}

/* Three steps; want[s] is p after step s+1. */
static void
check_steps(const char *name, enum optim_type type, double momentum,
	    int nesterov, double wd, const double want[3][3])
{
	struct config cfg;
	struct optim o;
	real p[3];

	config_for(&cfg, type, momentum, nesterov, wd);
	optim_init(&o, &cfg, 3);
	memcpy(p, P0, sizeof(p));
	for (int s = 0; s < 3; s++) {
		optim_step(&o, p, G[s], 0.1);
		for (int i = 0; i < 3; i++)
			is_near(p[i], want[s][i], TOL, "%s: step %d, p[%d]",
				name, s + 1, i);
	}
	ok(o.step == 3, "%s: step count", name);
	optim_release(&o);
}

static void
test_sgd(void)
{
	/* p -= 0.1 g */
	static const double plain[3][3] = {
		{ 0.99, -1.98, 0.47 },
		{ 0.95, -1.98, 0.48 },
		{ 0.98, -2.00, 0.46 },
	};
	/*
	 * v1 = g1, v2 = 0.9 v1 + g2 = (0.49, -0.18, 0.17),
	 * v3 = 0.9 v2 + g3 = (0.141, 0.038, 0.353); p -= 0.1 v
	 */
	static const double mom[3][3] = {
		{ 0.99, -1.98, 0.47 },
		{ 0.941, -1.962, 0.453 },
		{ 0.9269, -1.9658, 0.4177 },
	};
	/* the same v; p -= 0.1 (g + 0.9 v): step 1 moves by 0.19 g1 */
	static const double nest[3][3] = {
		{ 0.981, -1.962, 0.443 },
		{ 0.8969, -1.9458, 0.4377 },
		{ 0.91421, -1.96922, 0.38593 },
	};
	/* momentum 0.9, weight decay 0.01 added to g: g1' = g1 + 0.01 p0 */
	static const double wd[3][3] = {
		{ 0.989, -1.978, 0.4695 },
		{ 0.938111, -1.956222, 0.4515805 },
		{ 0.921372789, -1.95466558, 0.41500137 },
	};
	struct config cfg;
	struct optim o;

	check_steps("sgd", OPTIM_SGD, 0, 0, 0, plain);
	check_steps("sgd momentum", OPTIM_SGD, 0.9, 0, 0, mom);
	check_steps("sgd nesterov", OPTIM_SGD, 0.9, 1, 0, nest);
	check_steps("sgd momentum, weight decay", OPTIM_SGD, 0.9, 0, 0.01,
		    wd);

	config_for(&cfg, OPTIM_SGD, 0.9, 0, 0);
	optim_init(&o, &cfg, 3);
	ok(o.m && !o.v, "sgd: velocity only");
	{
		real p[3];

		memcpy(p, P0, sizeof(p));
		for (int s = 0; s < 3; s++)
			optim_step(&o, p, G[s], 0.1);
		is_near(o.m[0], 0.141, 1e-7, "sgd: velocity kept");
		is_near(o.m[2], 0.353, 1e-7, "sgd: velocity kept");
	}
	optim_release(&o);
	ok(!o.m && !o.v, "release clears the moments");
}

static void
test_adam(void)
{
	/* step 1 of adam moves each parameter by lr * g / (|g| + eps) */
	static const double adam[3][3] = {
		{ 0.90000001, -1.9, 0.400000003 },
		{ 0.811562364, -1.83299418, 0.359978148 },
		{ 0.793891534, -1.84158096, 0.299669502 },
	};
	/* weight decay 0.1 added to the gradient (L2) */
	static const double l2[3][3] = {
		{ 0.900000005, -1.9, 0.400000003 },
		{ 0.805788911, -1.80754, 0.346537847 },
		{ 0.762999018, -1.73891193, 0.276827052 },
	};
	/* decoupled: p *= 1 - 0.1 * 0.1 first, then the plain adam step */
	static const double w[3][3] = {
		{ 0.89000001, -1.88, 0.395000003 },
		{ 0.792662364, -1.79419418, 0.351028148 },
		{ 0.76706491, -1.78483901, 0.28720922 },
	};
	struct config cfg;
	struct optim o;
	real p[3];

	check_steps("adam", OPTIM_ADAM, 0, 0, 0, adam);
	check_steps("adam, weight decay", OPTIM_ADAM, 0, 0, 0.1, l2);
	check_steps("adamw", OPTIM_ADAMW, 0, 0, 0.1, w);

	/* moments after three steps */
	config_for(&cfg, OPTIM_ADAMW, 0, 0, 0.1);
	optim_init(&o, &cfg, 3);
	memcpy(p, P0, sizeof(p));
	for (int s = 0; s < 3; s++)
		optim_step(&o, p, G[s], 0.1);
	is_near(o.m[0], 0.0141, 1e-8, "adamw: first moment");
	is_near(o.m[2], 0.0353, 1e-8, "adamw: first moment");
	is_near(o.v[0], 0.00025982001, 5e-11, "adamw: second moment");
	is_near(o.v[1], 7.992004e-05, 5e-11, "adamw: second moment");
	optim_release(&o);
}

static void
test_clip(void)
{
	real g[3] = { 3, 4, 0 };
	double norm;

	norm = clip_grad_norm(g, 3, 10);
	ok(norm == 5 && g[0] == 3 && g[1] == 4, "clip: under the limit");
	norm = clip_grad_norm(g, 3, 0);
	ok(norm == 5 && g[0] == 3 && g[1] == 4, "clip: max_norm 0");
	norm = clip_grad_norm(g, 3, 1);
	is_near(norm, 5, 0, "clip: returns the norm before");
	is_near(g[0], 3 / 5.000001, 1e-7, "clip: scaled to max_norm");
	is_near(g[1], 4 / 5.000001, 1e-7, "clip: scaled to max_norm");
	ok(g[2] == 0, "clip: zero stays zero");
	is_near(clip_grad_norm(g, 3, 0), 1, 1e-6, "clip: new norm 1");

	g[0] = 3;
	g[1] = NAN;
	norm = clip_grad_norm(g, 3, 1);
	ok(isnan(norm) && g[0] == 3 && isnan(g[1]),
	   "clip: NaN norm reported, grads left alone");
	ok(clip_grad_norm(g, 0, 1) == 0, "clip: no parameters");
}

/* 1 and 2 threads on a block long enough for the parallel loops. */
static void
test_threads(void)
{
	size_t n = 1000003;
	real *g1 = malloc(n * sizeof(*g1)), *g2 = malloc(n * sizeof(*g2));
	real *p1 = malloc(n * sizeof(*p1)), *p2 = malloc(n * sizeof(*p2));
	double n1, n2, serial = 0;
	struct config cfg;
	struct optim o1, o2;

	for (size_t i = 0; i < n; i++) {
		g1[i] = g2[i] = (real)sin(0.001 * i) * 0.01f;
		p1[i] = p2[i] = (real)cos(0.003 * i);
		serial += (double)g1[i] * g1[i];
	}
	omp_set_num_threads(1);
	n1 = clip_grad_norm(g1, n, 1);
	omp_set_num_threads(2);
	n2 = clip_grad_norm(g2, n, 1);
	ok(memcmp(&n1, &n2, sizeof(n1)) == 0
	   && memcmp(g1, g2, n * sizeof(*g1)) == 0,
	   "clip: identical with 1 and 2 threads");
	is_near(n1, sqrt(serial), 1e-12 * n1, "clip: the plain norm");

	config_for(&cfg, OPTIM_ADAMW, 0, 0, 0.01);
	optim_init(&o1, &cfg, n);
	optim_init(&o2, &cfg, n);
	for (int s = 0; s < 2; s++) {
		omp_set_num_threads(1);
		optim_step(&o1, p1, g1, 0.01);
		omp_set_num_threads(2);
		optim_step(&o2, p2, g2, 0.01);
	}
	ok(memcmp(p1, p2, n * sizeof(*p1)) == 0
	   && memcmp(o1.v, o2.v, n * sizeof(*o1.v)) == 0,
	   "adamw: identical with 1 and 2 threads");
	optim_release(&o1);
	optim_release(&o2);
	free(g1);
	free(g2);
	free(p1);
	free(p2);
}

/*
 * The vectorized Adam gives the bits of the formula in optim.h computed
 * one element at a time in double, on a length that leaves a tail.
 */
static void
test_adam_bits(void)
{
	enum { N = 1003 };
	static real p[N], g[N], want[N], m[N], v[N];
	struct config cfg;
	struct optim o;

	for (int type = 0; type < 2; type++) {
		config_for(&cfg, type ? OPTIM_ADAMW : OPTIM_ADAM, 0, 0, 0.05);
		optim_init(&o, &cfg, N);
		for (int i = 0; i < N; i++) {
			g[i] = (real)sin(0.37 * i) * 0.1f;
			p[i] = want[i] = (real)cos(0.11 * i);
			m[i] = v[i] = 0;
		}
		omp_set_num_threads(2);
		for (int s = 0; s < 3; s++) {
			double lr = 0.01 * (s + 1), t = s + 1;
			double b1 = cfg.train.beta1, b2 = cfg.train.beta2;
			double ss = lr / (1 - pow(b1, t));
			double sbc2 = sqrt(1 - pow(b2, t));
			double wd = type ? 0 : 0.05;
			double decay = type ? 1 - lr * 0.05 : 1;

			optim_step(&o, p, g, lr);
			for (int i = 0; i < N; i++) {
				double q = want[i] * decay;
				double gi = g[i] + wd * want[i];
				double mi = b1 * m[i] + (1 - b1) * gi;
				double vi = b2 * v[i] + (1 - b2) * gi * gi;

				m[i] = (real)mi;
				v[i] = (real)vi;
				want[i] = (real)(q - ss * mi /
						 (sqrt(vi) / sbc2 +
						  cfg.train.eps));
			}
		}
		ok(memcmp(p, want, sizeof(p)) == 0 &&
		   memcmp(o.m, m, sizeof(m)) == 0 &&
		   memcmp(o.v, v, sizeof(v)) == 0,
		   "%s: vector and scalar steps give the same bits",
		   type ? "adamw" : "adam");
		optim_release(&o);
	}
}

static void
test_schedule(void)
{
	struct sched_spec s = { .type = SCHED_CONSTANT };

	is_near(schedule_lr(&s, 0.5, 0, 10), 0.5, 0, "constant");
	is_near(schedule_lr(&s, 0.5, 7.5, 10), 0.5, 0, "constant later");

	/* warm-up 5: from 1/5 at t = 0, a line to 1 at t = 5 */
	s.warmup = 5;
	is_near(schedule_lr(&s, 1, 0, 10), 0.2, 1e-15, "warm-up start");
	is_near(schedule_lr(&s, 1, 1, 10), 0.36, 1e-15, "warm-up epoch 1");
	is_near(schedule_lr(&s, 1, 2.5, 10), 0.6, 1e-15, "warm-up 2.5");
	is_near(schedule_lr(&s, 1, 5, 10), 1, 0, "warm-up done");
	is_near(schedule_lr(&s, 1, -1, 10), 0.2, 1e-15, "negative epoch");
	s.warmup = 1;
	is_near(schedule_lr(&s, 1, 0, 10), 1, 0, "warm-up 1: no effect");

	/* step 3, gamma 0.5, counted from the end of the warm-up */
	s.type = SCHED_STEP;
	s.warmup = 0;
	s.step_size = 3;
	s.gamma = 0.5;
	is_near(schedule_lr(&s, 1, 2.9, 10), 1, 0, "step: before");
	is_near(schedule_lr(&s, 1, 3, 10), 0.5, 0, "step: first drop");
	is_near(schedule_lr(&s, 1, 6.5, 10), 0.25, 0, "step: second drop");
	s.warmup = 2;
	is_near(schedule_lr(&s, 1, 4.9, 10), 1, 0, "step after warm-up");
	is_near(schedule_lr(&s, 1, 5, 10), 0.5, 0, "step after warm-up");
	s.step_size = 0;
	is_near(schedule_lr(&s, 1, 9, 10), 1, 0, "step_size 0: constant");

	/* cosine from 1 at t = 0 to 0.1 at the end of epoch 10 (t = 10) */
	s.type = SCHED_COSINE;
	s.warmup = 0;
	s.min_lr = 0.1;
	is_near(schedule_lr(&s, 1, 0, 10), 1, 1e-15, "cosine start");
	is_near(schedule_lr(&s, 1, 2.5, 10),
		0.1 + 0.45 * (1 + sqrt(0.5)), 1e-15, "cosine quarter");
	is_near(schedule_lr(&s, 1, 5, 10), 0.55, 1e-15, "cosine half");
	ok(schedule_lr(&s, 1, 9.99, 10) > 0.1, "cosine: the last step still learns");
	is_near(schedule_lr(&s, 1, 10, 10), 0.1, 1e-15, "cosine end");
	is_near(schedule_lr(&s, 1, 10.5, 10), 0.1, 1e-15, "cosine after");
	/* warm-up 2, epochs 11: the cosine runs over t = 2..11 */
	s.warmup = 2;
	is_near(schedule_lr(&s, 1, 1, 11), 0.75, 1e-15, "cosine warm-up");
	is_near(schedule_lr(&s, 1, 2, 11), 1, 1e-15, "cosine peak");
	is_near(schedule_lr(&s, 1, 6.5, 11), 0.55, 1e-15, "cosine middle");
	is_near(schedule_lr(&s, 1, 11, 11), 0.1, 1e-15, "cosine end");
	/* one epoch: the cosine runs within it */
	s.warmup = 0;
	is_near(schedule_lr(&s, 1, 0, 1), 1, 0, "cosine, epochs 1");
	is_near(schedule_lr(&s, 1, 0.5, 1), 0.55, 1e-15, "cosine, epochs 1, 0.5");
	/* warm-up as long as training: no room to decay */
	s.warmup = 3;
	is_near(schedule_lr(&s, 1, 3, 3), 1, 0, "cosine, warm-up = epochs");
}

int
main(void)
{
	test_sgd();
	test_adam();
	test_clip();
	test_threads();
	test_adam_bits();
	test_schedule();
	return tap_done();
}
