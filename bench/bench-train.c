/*
 * bench-train.c - training throughput (samples/s) of the workloads.
 *
 * Each workload trains with Adam on random data for a few epochs, and
 * for at least 2 s (short epochs repeat), after one warm-up epoch, and
 * prints samples per second:
 *
 *   mlp-32-128-128-1   batch 64, 50,000 rows, MSE
 *   mlp-64-64-1        batch 32, 50,000 rows, MSE
 *   mlp-100-256-256-3  batch 32, 20,000 rows, cross-entropy over 3 classes
 *   lstm-8-64-t32      batch 64, 10,000 windows of 32 steps, MSE
 *   lstm-8-256-t32     batch 64, 2,048 windows of 32 steps, MSE
 *   gru-8-64-t32       batch 64, 10,000 windows of 32 steps, MSE
 *
 * usage: bench-train [--hog | --fitted] [--chunks | --blocks] [THREADS]
 * [WORKLOAD] (default 2 threads, all). bench/torch_train.py runs the
 * same workloads in PyTorch.
 *
 * --chunks, --blocks: run every step by chunks of the batch, or (an mlp,
 * its layers split whether or not that pays) by blocks of weight rows
 * (step.h), rather than as the trainer picks.
 *
 * --fitted: at most THREADS threads, fitted to the free cores and to what
 * pays as the trainer does (runner/train/threads.h).
 * --hog: a busy box. A child process spins on one core (like
 * `while :; do :; done`) while each workload runs on 1 thread, on THREADS
 * threads fixed, and on THREADS threads fitted.
 * With either, warm-up lasts at least 1.5 s, so the fitted count has
 * looked at the load and measured what pays before the timing.
 *
 * First it prints what two threads cost each other on this machine now:
 * the round trip of a cache line between them and an OpenMP fork and
 * join. A data-parallel step moves the parameters between the cores'
 * caches at every step, so on a virtual machine whose two vCPUs are far
 * apart (a round trip of ~500 ns rather than ~130 ns) the small MLPs
 * gain little or nothing from a second thread, while the RNNs, with far
 * more work a parameter, still do. (An mlp wide for its batch, here
 * mlp-100-256-256-3, runs by blocks of weight rows instead, which moves
 * only activations: runner/train/mlpsplit.h.) The host may move the
 * vCPUs between runs: compare ratios taken beside the same figures.
 */
#include "job/config.h"
#include "runner/train/model.h"
#include "runner/train/optim.h"
#include "runner/train/step.h"
#include "runner/train/threads.h"
#include "lib/rng.h"
#include "lib/timeutil.h"

#include <omp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

#define TIMED_SECONDS 2.0	/* timed at least: short epochs repeat */
#define WARM_SECONDS 1.5	/* warm-up beside a hog or fitted: the
				   load's first look (1 s) and the first
				   probe (runner/train/threads.h) */

static int hog;
static enum step_scheme scheme;	/* --chunks, --blocks: forced */
static struct threads fit;	/* the last fitted run's */

/*
 * Samples per second of w over epochs timed epochs. threads > 0: that
 * many threads; < 0: at most -threads, fitted to the free cores.
 */
static double
run(const struct workload *w, int epochs, int threads)
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
	double t0 = 0, start = time_mono(), secs;
	struct step st;

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
	if (scheme == STEP_BLOCKS)
		spec.split = MODEL_SPLIT_ALWAYS;
	m = model_new(&spec);
	if (!m)
		exit(1);
	rng_seed(&rng, 1);
	model_init_weights(m, &rng);
	optim_init(&opt, &cfg, model_nparams(m));
	st = (struct step){ m, &opt, &cfg.loss, 1, w->classes, 0, dout,
			    scheme };
	for (size_t i = 0; i < in * w->rows; i++)
		x[i] = (real)rng_normal(&rng);
	for (int i = 0; i < w->rows; i++) {
		y[i] = w->classes ? (real)(rng_next(&rng) % w->classes) :
		       (real)rng_normal(&rng);
		order[i] = (size_t)i;
	}
	if (threads > 0)
		omp_set_num_threads(threads);
	else
		threads_init(&fit, -threads, 0);
	/* Epoch 0 warms up caches and threads and is not timed; with a hog
	   or a fitted count it lasts WARM_SECONDS. Epochs are timed until
	   there were at least `epochs` and TIMED_SECONDS. */
	for (int e = 0;; e++) {
		if (e == 1 && (hog || threads < 0) &&
		    time_mono() - start < WARM_SECONDS)
			e = 0;
		if (e == 1)
			t0 = time_mono();
		if (e > epochs && time_mono() - t0 >= TIMED_SECONDS) {
			epochs = e - 1;
			break;
		}
		rng_shuffle(&rng, order, (size_t)w->rows);
		for (int b = 0; b + w->batch <= w->rows; b += w->batch) {
			if (threads < 0)
				threads_adapt(&fit, b == 0);
			for (int i = 0; i < w->batch; i++) {
				memcpy(xb + i * in, x + order[b + i] * in,
				       in * sizeof(real));
				yb[i] = y[order[b + i]];
			}
			step_run(&st, xb, yb, w->batch, 1e-3, &rng);
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

/*
 * What two threads cost each other: the round trip of a cache line
 * (each waits for the other's store) and a fork and join of an empty
 * OpenMP region, best of three rounds.
 */
static void
print_machine(void)
{
	static _Alignas(64) atomic_int turn;
	enum { TRIPS = 100000, FORKS = 20000 };
	double trip = 1e9, fork = 1e9;
	int two = 1;

	for (int round = 0; round < 3; round++) {
		double t0 = time_mono(), t;

		atomic_store(&turn, 0);
		#pragma omp parallel num_threads(2)
		{
			int me = omp_get_thread_num();

			if (omp_get_num_threads() < 2)
				two = 0;	/* one thread: no partner */
			for (int i = 0; i < TRIPS && two; i++) {
				int mine = 2 * i + me;

				while (atomic_load_explicit(&turn,
				       memory_order_acquire) != mine)
					;
				atomic_store_explicit(&turn, mine + 1,
						      memory_order_release);
			}
		}
		t = (time_mono() - t0) / TRIPS;
		trip = t < trip ? t : trip;
		t0 = time_mono();
		for (int i = 0; i < FORKS; i++) {
			#pragma omp parallel num_threads(2)
			__asm__ volatile("");
		}
		t = (time_mono() - t0) / FORKS;
		fork = t < fork ? t : fork;
	}
	if (!two) {
		printf("# machine now: OpenMP gives one thread only\n");
		return;
	}
	printf("# machine now: a cache line's round trip between two threads "
	       "%.0f ns, an OpenMP fork and join of two %.2f us\n",
	       trip * 1e9, fork * 1e6);
	fflush(stdout);
}

/* A child that spins on a core until killed; its pid. */
static pid_t
hog_start(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	}
	if (pid < 0) {
		perror("bench-train: fork");
		exit(1);
	}
	return pid;
}

static void
report(const struct workload *w, int threads, const char *how)
{
	int epochs = w->type == MODEL_MLP ? 3 : 2;
	double rate = run(w, epochs, threads);

	printf("train %-18s batch %-3d %d threads  %10.0f samples/s%s",
	       w->name, w->batch, threads < 0 ? -threads : threads, rate, how);
	if (threads < 0)
		printf(" (%d changes, ended on %d)", fit.changes, fit.cur);
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	int threads, a = 1, fitted = 0;
	const char *only;
	pid_t pid = 0;

	for (; argc > a && argv[a][0] == '-'; a++)
		if (strcmp(argv[a], "--hog") == 0)
			hog = 1;
		else if (strcmp(argv[a], "--fitted") == 0)
			fitted = 1;
		else if (strcmp(argv[a], "--chunks") == 0)
			scheme = STEP_CHUNKS;
		else if (strcmp(argv[a], "--blocks") == 0)
			scheme = STEP_BLOCKS;
		else
			break;
	threads = argc > a ? atoi(argv[a]) : 2;
	only = argc > a + 1 ? argv[a + 1] : NULL;
	if (threads < 1) {
		fprintf(stderr, "usage: bench-train [--hog | --fitted] "
			"[--chunks | --blocks] [THREADS] [WORKLOAD]\n");
		return 2;
	}
	print_machine();
	if (hog)
		pid = hog_start();
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload *w = &workloads[i];

		if (only && strcmp(only, w->name) != 0)
			continue;
		if (!hog) {
			report(w, fitted ? -threads : threads,
			       fitted ? "  fitted" : "");
			continue;
		}
		report(w, 1, "  beside a hog");
		report(w, threads, "  beside a hog, fixed");
		report(w, -threads, "  beside a hog, fitted to free cores");
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return 0;
}
