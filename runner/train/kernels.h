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
 * The AVX-512 and AVX2 kernels compute every element as the same chain of
 * fused multiply-adds (starting from 0, or from C when beta is 1), so they
 * also give bit-identical results to each other; the portable kernel uses
 * a separate multiply and add.
 *
 * The functions use no heap and may be called from any thread; called
 * inside an OpenMP parallel region they run on the calling thread alone.
 * For speed, give C on a 64-byte boundary with ldc a multiple of 16 (or
 * at least ldc a multiple of 16: the column tiles then line up with C's
 * cache lines, so threads never share a line of C).
 */
#ifndef SPOOLBOARD_KERNELS_H
#define SPOOLBOARD_KERNELS_H

#include "runner/train/nn.h"

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
 * Use the named micro-kernel ("avx512", "avx2", "portable"), or the best
 * one the CPU has when name is NULL. For tests and benchmarks; not to be
 * called while a product runs. Returns 0, or -1 (with error()) when the
 * name is unknown or the CPU (or the NN_DOUBLE build) cannot run it.
 */
int kernels_set_isa(const char *name);

/*
 * The core clock in GHz, measured by timing chains of dependent integer
 * additions (one per cycle; the best of five tries of 0.5 ms, as other
 * work only slows a try down); on other CPUs than x86-64, the "cpu MHz"
 * of /proc/cpuinfo. 0 when it cannot be told.
 */
double kernels_clock_ghz(void);

/*
 * How many vector fused multiply-adds of the kernel's width one core
 * starts per cycle (its FMA units), measured on the first call (a few
 * ms) by timing independent FMA chains against the integer chain above,
 * rounded; 1 for the portable kernel.
 */
int kernels_fma_units(void);

/*
 * Peak GFLOP/s of one core for the kernel in use at the given clock
 * (GHz): FMA units x lanes (16 for avx512, 8 for avx2, 1 for portable)
 * x 2. For reporting only.
 */
double kernels_peak_gflops(double ghz);

#endif
