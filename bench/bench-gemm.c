/*
 * bench-gemm.c - GFLOP/s of the matrix products against the machine's
 * peak, for square sizes and the shapes training runs (batch 64).
 *
 *	make build/bench/bench-gemm
 *	build/bench/bench-gemm [-q] [-i ISA] [WORD]
 *
 * The peak is FMA units x lanes x 2 flops x clock per core: the clock is
 * measured (a chain of dependent integer additions, one per cycle) on one
 * core alone and on every core at once, the FMA units by timing
 * independent FMA chains against that chain. Each figure is the best of
 * several timed rounds, as other work on the machine only slows a round
 * down. -q: fewer rounds; -i: use the avx2 or portable kernel instead of
 * the best one; WORD: only the products whose line has WORD (e.g. "nt",
 * "128x128x128", "lstm"). Benchmarks print figures and never fail on them.
 * A training shape under 40% of the peak has its likely reason beside it.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/kernels.h"
#include "lib/rng.h"
#include "lib/timeutil.h"

enum { NN, NT, TN };

static const char *const op_name[] = { "nn", "nt", "tn" };

struct shape {
	int op, M, N, K;
	const char *what;
};

static const struct shape squares[] = {
	{ NN, 64, 64, 64, "" }, { NT, 64, 64, 64, "" }, { TN, 64, 64, 64, "" },
	{ NN, 128, 128, 128, "" }, { NT, 128, 128, 128, "" },
	{ TN, 128, 128, 128, "" },
	{ NN, 256, 256, 256, "" }, { NT, 256, 256, 256, "" },
	{ TN, 256, 256, 256, "" },
};

static const struct shape training[] = {
	{ NN, 64, 128, 32, "mlp 32->128 forward" },
	{ NT, 64, 32, 128, "mlp 32->128 dX" },
	{ TN, 32, 128, 64, "mlp 32->128 dW" },
	{ NN, 64, 128, 128, "mlp 128->128 forward" },
	{ NT, 64, 128, 128, "mlp 128->128 dX" },
	{ TN, 128, 128, 64, "mlp 128->128 dW" },
	{ NN, 64, 1, 128, "mlp 128->1 forward" },
	{ NT, 64, 128, 1, "mlp 128->1 dX" },
	{ TN, 128, 1, 64, "mlp 128->1 dW" },
	{ NN, 64, 256, 64, "lstm H=64 step" },
	{ NT, 64, 64, 256, "lstm H=64 step dH" },
	{ TN, 64, 256, 64, "lstm H=64 step dWh" },
	{ NN, 64, 192, 64, "gru H=64 step" },
	{ NT, 64, 64, 192, "gru H=64 step dH" },
	{ TN, 64, 192, 64, "gru H=64 step dWh" },
	{ NN, 2048, 256, 8, "lstm input proj, T=32 I=8" },
	{ NT, 2048, 8, 256, "lstm input proj dX" },
	{ TN, 8, 256, 2048, "lstm input proj dWx" },
	/* mlp-100-256-256-3, batch 32 */
	{ NN, 32, 256, 100, "mlp 100->256 forward" },
	{ TN, 100, 256, 32, "mlp 100->256 dW" },
	{ NN, 32, 256, 256, "mlp 256->256 forward" },
	{ NT, 32, 256, 256, "mlp 256->256 dX" },
	{ TN, 256, 256, 32, "mlp 256->256 dW" },
	{ NN, 32, 3, 256, "mlp 256->3 forward" },
	{ NT, 32, 256, 3, "mlp 256->3 dX" },
	{ TN, 256, 3, 32, "mlp 256->3 dW" },
	/* lstm-8-256-t32, batch 64 */
	{ NN, 64, 1024, 256, "lstm H=256 step" },
	{ NN, 64, 256, 1024, "lstm H=256 step dH" },
	{ TN, 256, 1024, 1984, "lstm H=256 dWh, all steps" },
	{ NN, 2048, 1024, 8, "lstm H=256 input proj" },
	{ TN, 8, 1024, 2048, "lstm H=256 input proj dWx" },
};

/* As in kernels.c: products below this many flops use one thread. */
#define PAR_FLOPS 600000.0

static int quick;
static const char *only;

static void
run(int op, int M, int N, int K, const real *A, const real *B, real *C)
{
	switch (op) {
	case NN:
		gemm_nn(M, N, K, A, K, B, N, C, N, 0);
		break;
	case NT:
		gemm_nt(M, N, K, A, K, B, K, C, N, 0);
		break;
	default:
		gemm_tn(M, N, K, A, M, B, N, C, N, 0);
		break;
	}
}

/* n reals on a 64-byte line, as the trainer allocates its tensors. */
static real *
alloc_line(size_t n)
{
	size_t bytes = (n * sizeof(real) + 63) / 64 * 64;
	real *p = aligned_alloc(64, bytes ? bytes : 64);

	if (!p)
		die_oom();
	return p;
}

/* Best GFLOP/s over rounds of about 20 ms each. */
static double
measure(const struct shape *s, int threads, double *us)
{
	size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N;
	real *A = alloc_line(na), *B = alloc_line(nb);
	real *C = alloc_line((size_t)s->M * s->N);
	double flops = 2.0 * s->M * s->N * s->K, best = 0;
	struct rng rng;
	long reps = 1;

	rng_seed(&rng, 1);
	for (size_t i = 0; i < na; i++)
		A[i] = (real)(rng_uniform(&rng) - 0.5);
	for (size_t i = 0; i < nb; i++)
		B[i] = (real)(rng_uniform(&rng) - 0.5);
	omp_set_num_threads(threads);
	/* warm up, and find how many calls take about 20 ms */
	for (;;) {
		double t = time_mono();

		for (long r = 0; r < reps; r++)
			run(s->op, s->M, s->N, s->K, A, B, C);
		t = time_mono() - t;
		if (t > 0.02 || reps > 1L << 24)
			break;
		reps *= 2;
	}
	for (int round = 0; round < (quick ? 3 : 10); round++) {
		double t = time_mono();

		for (long r = 0; r < reps; r++)
			run(s->op, s->M, s->N, s->K, A, B, C);
		t = time_mono() - t;
		if (flops * reps / t > best) {
			best = flops * reps / t;
			*us = t / reps * 1e6;
		}
	}
	free(A);
	free(B);
	free(C);
	return best / 1e9;
}

/*
 * Why a product reaches under 40% of the peak, from its shape: the rules
 * that the figures of this benchmark bore out (docs/performance.md).
 */
static const char *
reason(const struct shape *s, int threads, double us, double us1)
{
	double flops = 2.0 * s->M * s->N * s->K;

	if (s->N <= 4)
		return "N<=4: a dot product per row of C, memory-bound";
	if (s->K <= 8)
		return "K<=8: each tile of C is loaded and stored for a few "
		       "FMAs, memory-bound";
	if (threads > 1 && flops < PAR_FLOPS)
		return "too small to split: runs on one thread of the two";
	if (threads > 1 && us1 > 0 && us > us1)
		return "slower than 1 thread: waking and waiting for the "
		       "other thread (busy box?) cost more than it saves";
	if (s->M <= 32 || s->K <= 32)
		return "M or K <= 32: packing and call overhead per FMA";
	if (threads > 1)
		return "few tiles per thread: the fork, join and imbalance "
		       "show";
	return "small product: packing B and loading C per K block";
}

/* us1: the time of the same product on 1 thread (0 unknown), or NULL */
static void
report(const struct shape *s, int threads, double peak, double *us1)
{
	char dims[64], line[128];
	double us = 0, g;

	snprintf(dims, sizeof dims, "%dx%dx%d", s->M, s->N, s->K);
	snprintf(line, sizeof line, "%s %s %s", op_name[s->op], dims, s->what);
	if (only && !strstr(line, only))
		return;
	g = measure(s, threads, &us);
	printf("gemm %s %-13s %d thread%s %7.1f GFLOP/s %4.0f%% of peak "
	       "(%.1f) %8.2f us%s%s", op_name[s->op], dims, threads,
	       threads > 1 ? "s" : " ", g, 100 * g / peak, peak, us,
	       *s->what ? "  " : "", s->what);
	if (100 * g / peak < 40)
		printf("  [<40%%: %s]", reason(s, threads, us,
					      us1 ? *us1 : 0));
	if (us1 && threads == 1)
		*us1 = us;
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	int cores = omp_get_num_procs(), units;
	const char *isa = NULL;
	double ghz1, ghz_all = 0, peak1, peak_all;
	static double us1[sizeof training / sizeof *training];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0)
			quick = 1;
		else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc)
			isa = argv[++i];
		else
			only = argv[i];
	}
	if (isa && kernels_set_isa(isa) < 0)
		return 1;
	if (cores > 2)
		cores = 2;
	ghz1 = kernels_clock_ghz();
	omp_set_num_threads(cores);
	#pragma omp parallel reduction(+:ghz_all)
	ghz_all = kernels_clock_ghz();
	ghz_all /= cores;
	units = kernels_fma_units();
	peak1 = kernels_peak_gflops(ghz1);
	peak_all = cores * kernels_peak_gflops(ghz_all);
	printf("kernel isa: %s\n", kernels_isa());
	printf("clock: %.2f GHz measured on 1 core, %.2f GHz on %d cores "
	       "at once\n", ghz1, ghz_all, cores);
	printf("fma units per core: %d (measured), %d lanes x 2 flops\n",
	       units, (int)(kernels_peak_gflops(1) / units / 2 + 0.5));
	printf("peak: %.1f GFLOP/s on 1 core, %.1f on %d cores\n", peak1,
	       peak_all, cores);
	printf("\n");
	for (int threads = 1; threads <= cores; threads++) {
		double peak = threads == 1 ? peak1 : peak_all;

		for (size_t i = 0; i < sizeof squares / sizeof *squares; i++)
			report(&squares[i], threads, peak, NULL);
		if (!only)
			printf("\n");
	}
	for (int threads = 1; threads <= cores; threads++) {
		double peak = threads == 1 ? peak1 : peak_all;

		for (size_t i = 0; i < sizeof training / sizeof *training; i++)
			report(&training[i], threads, peak, &us1[i]);
		if (!only)
			printf("\n");
	}
	return 0;
}
