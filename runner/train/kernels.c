/*
 * kernels.c - matrix products (portable reference version).
 *
 * Each element of C is summed over k in increasing order by one thread;
 * threads split the rows of C. See kernels.h.
 */
#include "kernels.h"

void
gemm_nn(int M, int N, int K, const real *A, int lda, const real *B, int ldb,
	real *C, int ldc, int beta)
{
	#pragma omp parallel for schedule(static) if ((long)M * N * K > 32768)
	for (int i = 0; i < M; i++) {
		real *c = C + (long)i * ldc;

		if (!beta)
			for (int j = 0; j < N; j++)
				c[j] = 0;
		for (int k = 0; k < K; k++) {
			real a = A[(long)i * lda + k];
			const real *b = B + (long)k * ldb;

			for (int j = 0; j < N; j++)
				c[j] += a * b[j];
		}
	}
}

void
gemm_nt(int M, int N, int K, const real *A, int lda, const real *B, int ldb,
	real *C, int ldc, int beta)
{
	#pragma omp parallel for schedule(static) if ((long)M * N * K > 32768)
	for (int i = 0; i < M; i++) {
		for (int j = 0; j < N; j++) {
			real s = beta ? C[(long)i * ldc + j] : 0;

			for (int k = 0; k < K; k++)
				s += A[(long)i * lda + k] * B[(long)j * ldb + k];
			C[(long)i * ldc + j] = s;
		}
	}
}

void
gemm_tn(int M, int N, int K, const real *A, int lda, const real *B, int ldb,
	real *C, int ldc, int beta)
{
	#pragma omp parallel for schedule(static) if ((long)M * N * K > 32768)
	for (int i = 0; i < M; i++) {
		real *c = C + (long)i * ldc;

		if (!beta)
			for (int j = 0; j < N; j++)
				c[j] = 0;
		for (int k = 0; k < K; k++) {
			real a = A[(long)k * lda + i];
			const real *b = B + (long)k * ldb;

			for (int j = 0; j < N; j++)
				c[j] += a * b[j];
		}
	}
}

const char *
kernels_isa(void)
{
	return "portable";
}

double
kernels_peak_gflops(double ghz)
{
	return ghz * 2 * 4;
}
