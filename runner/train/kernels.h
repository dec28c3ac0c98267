/*
 * kernels.h - dense matrix products, the trainer's hot loops.
 *
 * All matrices are row-major with a leading dimension (the distance in
 * elements between rows). beta is 0 (C is overwritten) or 1 (C is added
 * to). OpenMP threads split C into tiles; every element of C is summed
 * over k in increasing order by one thread, with the same operations
 * whatever the number of threads, so results are bit-identical for any
 * thread count on a given machine.
 *
 * The float build picks an AVX-512, AVX2+FMA or portable micro-kernel at
 * run time (cpuid); the NN_DOUBLE build (tests only) uses the portable one.
 */
#ifndef SPOOLBOARD_KERNELS_H
#define SPOOLBOARD_KERNELS_H

#include "nn.h"

/* C (M, N) = beta*C + A (M, K) * B (K, N) */
void gemm_nn(int M, int N, int K, const real *A, int lda, const real *B,
	     int ldb, real *C, int ldc, int beta);

/* C (M, N) = beta*C + A (M, K) * B^T, B is (N, K) */
void gemm_nt(int M, int N, int K, const real *A, int lda, const real *B,
	     int ldb, real *C, int ldc, int beta);

/* C (M, N) = beta*C + A^T * B, A is (K, M), B is (K, N) */
void gemm_tn(int M, int N, int K, const real *A, int lda, const real *B,
	     int ldb, real *C, int ldc, int beta);

/* The micro-kernel in use: "avx512", "avx2" or "portable". */
const char *kernels_isa(void);

/*
 * Peak single-precision GFLOP/s of one core for the kernel in use at the
 * given clock (GHz): FMA units x lanes x 2. For reporting only.
 */
double kernels_peak_gflops(double ghz);

#endif
