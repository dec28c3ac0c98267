/*
 * test-grad-kernels.c - the matrix products of the NN_DOUBLE build (real
 * is double), which the gradient checks are built on: the portable kernel
 * only, within (K + 2) double epsilons (relative to the sum of the terms'
 * magnitudes) of a long-double reference, the same bits for any number
 * of threads.
 *
 * Named test-grad-* so the Makefile links it against the double objects.
 */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/kernels.h"
#include "lib/rng.h"
#include "tap.h"

enum { NN, NT, TN };

static const char *const op_name[] = { "nn", "nt", "tn" };

typedef void gemm_fn(int, int, int, const real *, int, const real *, int,
		     real *, int, int);

static gemm_fn *const ops[] = { gemm_nn, gemm_nt, gemm_tn };

static struct rng rng;

static real *
random_matrix(size_t n)
{
	real *x = xmalloc((n ? n : 1) * sizeof *x);

	for (size_t i = 0; i < n; i++)
		x[i] = 2 * rng_uniform(&rng) - 1;
	return x;
}

/* C = beta*C + op(A) op(B) with tight leading dimensions, checked. */
static void
check(int op, int M, int N, int K, int beta)
{
	int lda = op == TN ? M : K, ldb = op == NT ? K : N;
	real *A = random_matrix((size_t)M * K);
	real *B = random_matrix((size_t)K * N);
	real *C = random_matrix((size_t)M * N);
	real *C0 = xmalloc(((size_t)M * N + 1) * sizeof *C0);
	int bad = 0;

	memcpy(C0, C, (size_t)M * N * sizeof *C);
	ops[op](M, N, K, A, lda, B, ldb, C, N, beta);
	for (int i = 0; i < M; i++) {
		for (int j = 0; j < N; j++) {
			long double s = beta ? C0[(size_t)i * N + j] : 0;
			long double mag = fabsl(s);

			for (int k = 0; k < K; k++) {
				long double a = op == TN ?
						A[(size_t)k * lda + i] :
						A[(size_t)i * lda + k];
				long double b = op == NT ?
						B[(size_t)j * ldb + k] :
						B[(size_t)k * ldb + j];

				s += a * b;
				mag += fabsl(a * b);
			}
			if (!(fabsl(C[(size_t)i * N + j] - s) <=
			      (K + 2) * DBL_EPSILON * mag))
				bad++;
		}
	}
	ok(bad == 0, "double %s %dx%dx%d beta %d: %d wrong", op_name[op], M,
	   N, K, beta, bad);
	free(A);
	free(B);
	free(C);
	free(C0);
}

static void
check_threads(int op, int M, int N, int K)
{
	int lda = op == TN ? M : K, ldb = op == NT ? K : N;
	real *A = random_matrix((size_t)M * K);
	real *B = random_matrix((size_t)K * N);
	real *C1 = xcalloc((size_t)M * N, sizeof *C1);
	real *C = xcalloc((size_t)M * N, sizeof *C);
	int same = 1;

	omp_set_num_threads(1);
	ops[op](M, N, K, A, lda, B, ldb, C1, N, 0);
	for (int t = 2; t <= 5; t += 3) {
		omp_set_num_threads(t);
		ops[op](M, N, K, A, lda, B, ldb, C, N, 0);
		same &= memcmp(C, C1, (size_t)M * N * sizeof *C) == 0;
	}
	omp_set_num_threads(2);
	ok(same, "double %s %dx%dx%d: same bits with 1, 2 and 5 threads",
	   op_name[op], M, N, K);
	free(A);
	free(B);
	free(C1);
	free(C);
}

int
main(void)
{
	static const int shapes[][3] = {
		{ 1, 1, 1 }, { 7, 13, 5 }, { 65, 129, 33 }, { 64, 1, 128 },
		{ 5, 9, 300 }, { 3, 4, 0 },
	};

	rng_seed(&rng, 7);
	error_set_quiet(1);
	is_str(kernels_isa(), "portable", "the double build uses the "
	       "portable kernel");
	ok(kernels_set_isa("avx512") == -1 && kernels_set_isa("avx2") == -1,
	   "the double build refuses the vector kernels");
	for (int op = NN; op <= TN; op++) {
		for (int s = 0; s < 6; s++)
			for (int beta = 0; beta <= 1; beta++)
				check(op, shapes[s][0], shapes[s][1],
				      shapes[s][2], beta);
		check_threads(op, 130, 70, 90);
	}
	return tap_done();
}
