/*
 * kernels.c - matrix products C = beta*C + op(A) op(B) (see kernels.h).
 *
 * How: C is cut into tasks of at most TASK_M rows by TASK_N columns, a
 * grid that depends on the shape, the micro-kernel and where C lies, never
 * on the number of threads; OpenMP threads share the tasks (a static
 * split, one barrier) when the product has at least PAR_FLOPS flops. A
 * task walks k in blocks of KC. For each block it takes panels of NR
 * columns of op(B), copied into a thread-local buffer (transposed, 16 x 16
 * at a time, for gemm_nt), which stays in L1 while it meets the rows of A,
 * MR at a time, in the micro-kernel: an MR x NR tile of C held in vector
 * registers, per k one broadcast of A per row, NR/lanes loads of B and
 * MR*NR/lanes fused multiply-adds. A is read in place; in a tile cut short
 * by M, the missing rows repeat the last row of A and are not stored; a
 * tile cut short by N masks its columns, so its B is read in place too.
 * Products at most SKINNY_N columns wide (a regression head) would waste
 * most lanes of a tile: with AVX-512 their lanes run down C's rows.
 *
 * Why results do not depend on threads, tiles or the vector kernel: every
 * element of C is the chain acc = fma(a_ik, b_kj, acc) over k = 0, 1, ...,
 * K-1, starting from 0 (beta 0) or from C (beta 1). A K block stores acc
 * into C and the next block starts from it, which is the same chain.
 * Padding lanes feed only elements that are never stored. The portable
 * kernel computes the same chain with a rounded multiply and add.
 *
 * Small products matter most (batch 64): no allocation per call (the
 * buffers are static and thread-local), a parallel region only above
 * PAR_FLOPS, full tiles with plain loads (a masked load costs an FMA
 * slot), column panels lined up with C's cache lines so that two threads
 * never write one line, and a thread reuses the last panel it packed when
 * its next task (tasks run down M first) needs it again.
 */
#include "runner/train/kernels.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "lib/error.h"

#if defined(__x86_64__) && !defined(NN_DOUBLE)
#define KERNELS_X86 1
#include <immintrin.h>
#endif

enum {
	KC = 256,	/* k block: a 32-wide panel of B is 32 KiB (L1) */
	NR_MAX = 32,	/* the widest panel of any kernel */
	TASK_M = 256,	/* rows of C in a task, at most */
	TASK_N = 256,	/* columns of C in a task, at most */
	TASKS_MIN = 4	/* halve tasks (N first) until there are this many */
};

/* Products at most this wide take the isa's skinny path, if it has one. */
#define SKINNY_N 4

/* Products of fewer flops than this run on the calling thread alone. */
#define PAR_FLOPS 600000.0

/*
 * A micro-kernel: C (mr, nr) = [C +] A (mr, kc) * B (kc, nr), where
 * mr <= MR and nr <= NR of the kernel. Element (r, k) of A is
 * a[r*ars + k*aks]; element (k, j) of B is b[k*bks + j]. A packed B has
 * zeros in columns nr..NR-1; one read in place is only given to kernels
 * that mask them. load_c: the chains start from C, else from 0.
 */
typedef void ukernel_fn(int kc, const real *a, long ars, long aks, int mr,
			const real *b, long bks, int nr, real *c, long ldc,
			int load_c);

/*
 * Copy nr columns of op(B) (kc, nr) into the panel bp (kc, nrp), with
 * zeros in columns nr..nrp-1. bp is 64-byte aligned, nrp a multiple of
 * the vector width.
 */
typedef void pack_fn(int kc, int nr, const real *b, long ldb, real *bp,
		     int nrp);

struct gemm;

struct ukernel {
	int mr, nr;
	ukernel_fn *run;	/* a full MR x NR tile */
	ukernel_fn *run_edge;	/* a tile cut short by M or N */
};

struct isa {
	const char *name;
	int id;			/* index into units_cache */
	int lanes;		/* floats in a vector */
	int b_in_place;		/* kernels mask B, so it needs no copy */
	struct ukernel wide;	/* the main kernel */
	struct ukernel narrow;	/* for N <= narrow.nr */
	pack_fn *pack_rows;	/* element (k, j) is b[k*ldb + j] */
	pack_fn *pack_cols;	/* element (k, j) is b[j*ldb + k] */
	/* the whole product when N <= SKINNY_N, or NULL */
	void (*skinny)(const struct gemm *g);
};

/* One product, as the tasks see it. */
struct gemm {
	const struct isa *isa;
	const struct ukernel *uk;
	int ta, tb;		/* A is stored (K, M); B is stored (N, K) */
	int M, N, K;
	const real *A, *B;
	real *C;
	long lda, ldb, ldc;
	int beta;
	unsigned long call;	/* this product's number, from 1 */
	int off;		/* column 0 of C is column off of the panels */
	int pn;			/* panels of NR columns */
	int tm, tpn;		/* rows, panels of C in a task */
	int ntm, ntask;		/* tasks down M, tasks in all */
};

/*
 * The panel of op(B) this thread packed last, and where it came from:
 * which product (call numbers are never reused, so a panel never outlives
 * its product), k block and column. Consecutive tasks of a thread that
 * split C along M need the same panels; they pack them once.
 */
static _Thread_local struct {
	_Alignas(64) real b[KC * NR_MAX];
	unsigned long call;
	int p0, j;
} panel;

static atomic_ulong calls;

static inline int
imin(int a, int b)
{
	return a < b ? a : b;
}

/* Portable kernel and packing, for any real. */

enum { PMR = 4, PNR = 8 };

static void
kernel_portable(int kc, const real *a, long ars, long aks, int mr,
		const real *b, long bks, int nr, real *c, long ldc, int load_c)
{
	real acc[PMR][PNR];
	const real *ap[PMR];
	long off = 0;

	for (int r = 0; r < PMR; r++) {
		ap[r] = a + (r < mr ? r : mr - 1) * ars;
		for (int j = 0; j < PNR; j++)
			acc[r][j] = load_c && r < mr && j < nr ?
				    c[r * ldc + j] : 0;
	}
	for (int k = 0; k < kc; k++, off += aks, b += bks) {
		for (int r = 0; r < PMR; r++) {
			real x = ap[r][off];

			for (int j = 0; j < PNR; j++)
				acc[r][j] += x * b[j];
		}
	}
	for (int r = 0; r < mr; r++)
		for (int j = 0; j < nr; j++)
			c[r * ldc + j] = acc[r][j];
}

static void
pack_rows(int kc, int nr, const real *b, long ldb, real *bp, int nrp)
{
	for (int k = 0; k < kc; k++, b += ldb, bp += nrp) {
		memcpy(bp, b, nr * sizeof *bp);
		for (int j = nr; j < nrp; j++)
			bp[j] = 0;
	}
}

static void
pack_cols(int kc, int nr, const real *b, long ldb, real *bp, int nrp)
{
	for (int j = 0; j < nr; j++)
		for (int k = 0; k < kc; k++)
			bp[(long)k * nrp + j] = b[j * ldb + k];
	for (int k = 0; k < kc; k++)
		for (int j = nr; j < nrp; j++)
			bp[(long)k * nrp + j] = 0;
}

static const struct isa isa_portable = {
	"portable", 0, 1, 0,
	{ PMR, PNR, kernel_portable, kernel_portable },
	{ PMR, PNR, kernel_portable, kernel_portable },
	pack_rows, pack_cols, NULL
};

#ifdef KERNELS_X86

#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE inline __attribute__((always_inline))

/* The first n of 16 lanes (n may be <= 0 or > 16). */
static inline __mmask16
mask16(int n)
{
	return n >= 16 ? 0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

/*
 * The AVX-512 kernel with MR rows and NV vectors of 16 columns. In an
 * EDGE tile, columns past nr are masked off in every load and store of B
 * and C, so B may be read in place; a full tile uses plain loads, as a
 * masked load takes a slot on the FMA ports.
 */
static INLINE AVX512 void
k512(const int MR, const int NV, const int EDGE, int kc, const float *a,
     long ars, long aks, int mr, const float *b, long bks, int nr,
     float *c, long ldc, int load_c)
{
	__m512 acc[16][2], bv[2];
	__mmask16 mk[2];
	const float *ap[16];
	long off = 0;

	if (!EDGE)
		mr = MR;
	for (int v = 0; v < NV; v++)
		mk[v] = EDGE ? mask16(nr - 16 * v) : 0xffff;
#pragma GCC unroll 16
	for (int r = 0; r < MR; r++) {
		ap[r] = a + (r < mr ? r : mr - 1) * ars;
		for (int v = 0; v < NV; v++)
			acc[r][v] = load_c && r < mr ?
				    _mm512_maskz_loadu_ps(mk[v],
					c + r * ldc + 16 * v) :
				    _mm512_setzero_ps();
	}
#pragma GCC unroll 2
	for (int k = 0; k < kc; k++, off += aks, b += bks) {
		for (int v = 0; v < NV; v++)
			bv[v] = _mm512_maskz_loadu_ps(mk[v], b + 16 * v);
#pragma GCC unroll 16
		for (int r = 0; r < MR; r++) {
			__m512 x = _mm512_set1_ps(ap[r][off]);

			for (int v = 0; v < NV; v++)
				acc[r][v] = _mm512_fmadd_ps(x, bv[v],
							    acc[r][v]);
		}
	}
#pragma GCC unroll 16
	for (int r = 0; r < MR; r++)
		if (r < mr)
			for (int v = 0; v < NV; v++)
				_mm512_mask_storeu_ps(c + r * ldc + 16 * v,
						      mk[v], acc[r][v]);
}

static AVX512 void
kernel_avx512_8x32(int kc, const real *a, long ars, long aks, int mr,
		   const real *b, long bks, int nr, real *c, long ldc,
		   int load_c)
{
	k512(8, 2, 0, kc, a, ars, aks, mr, b, bks, nr, c, ldc, load_c);
}

static AVX512 void
kernel_avx512_8x32_edge(int kc, const real *a, long ars, long aks, int mr,
			const real *b, long bks, int nr, real *c, long ldc,
			int load_c)
{
	k512(8, 2, 1, kc, a, ars, aks, mr, b, bks, nr, c, ldc, load_c);
}

static AVX512 void
kernel_avx512_16x16(int kc, const real *a, long ars, long aks, int mr,
		    const real *b, long bks, int nr, real *c, long ldc,
		    int load_c)
{
	k512(16, 1, 0, kc, a, ars, aks, mr, b, bks, nr, c, ldc, load_c);
}

static AVX512 void
kernel_avx512_16x16_edge(int kc, const real *a, long ars, long aks, int mr,
			 const real *b, long bks, int nr, real *c, long ldc,
			 int load_c)
{
	k512(16, 1, 1, kc, a, ars, aks, mr, b, bks, nr, c, ldc, load_c);
}

/* Transpose the 16 x 16 block held in r[0..15], one row per vector. */
static INLINE AVX512 void
transpose16(__m512 r[16])
{
	__m512 t[16], u[16];

#pragma GCC unroll 8
	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
	}
	/* u[g+q], lane L: column 4L+q of rows g..g+3 */
#pragma GCC unroll 4
	for (int g = 0; g < 16; g += 4) {
		__m512d t0 = _mm512_castps_pd(t[g]);
		__m512d t1 = _mm512_castps_pd(t[g + 1]);
		__m512d t2 = _mm512_castps_pd(t[g + 2]);
		__m512d t3 = _mm512_castps_pd(t[g + 3]);

		u[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
		u[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
		u[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
		u[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
	}
#pragma GCC unroll 4
	for (int q = 0; q < 4; q++) {
		__m512 v0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x44);
		__m512 v1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x44);
		__m512 w0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xee);
		__m512 w1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xee);

		r[q] = _mm512_shuffle_f32x4(v0, v1, 0x88);
		r[4 + q] = _mm512_shuffle_f32x4(v0, v1, 0xdd);
		r[8 + q] = _mm512_shuffle_f32x4(w0, w1, 0x88);
		r[12 + q] = _mm512_shuffle_f32x4(w0, w1, 0xdd);
	}
}

static AVX512 void
pack_cols_avx512(int kc, int nr, const real *b, long ldb, real *bp, int nrp)
{
	for (int k0 = 0; k0 < kc; k0 += 16) {
		int kb = imin(16, kc - k0);
		__mmask16 km = mask16(kb);

		for (int c0 = 0; c0 < nrp; c0 += 16) {
			__m512 r[16];

			if (kb == 16 && c0 + 16 <= nr) {
#pragma GCC unroll 16
				for (int i = 0; i < 16; i++)
					r[i] = _mm512_loadu_ps(b + (c0 + i) *
							       ldb + k0);
			} else {
#pragma GCC unroll 16
				for (int i = 0; i < 16; i++)
					r[i] = c0 + i < nr ?
					       _mm512_maskz_loadu_ps(km,
						   b + (c0 + i) * ldb + k0) :
					       _mm512_setzero_ps();
			}
			transpose16(r);
#pragma GCC unroll 16
			for (int t = 0; t < 16; t++)
				if (t < kb)
					_mm512_store_ps(bp + (long)(k0 + t) *
							nrp + c0, r[t]);
		}
	}
}

static AVX512 void
pack_rows_avx512(int kc, int nr, const real *b, long ldb, real *bp, int nrp)
{
	if (nr != nrp) {
		pack_rows(kc, nr, b, ldb, bp, nrp);
		return;
	}
	for (int k = 0; k < kc; k++, b += ldb, bp += nrp)
		for (int c = 0; c < nrp; c += 16)
			_mm512_store_ps(bp + c, _mm512_loadu_ps(b + c));
}

/* Rows 0..n-1 of a column of C (stride ldc) as a vector, zeros after. */
static INLINE AVX512 __m512
column_load(const float *c, long ldc, int n)
{
	_Alignas(64) float t[16];

	for (int r = 0; r < 16; r++)
		t[r] = r < n ? c[r * ldc] : 0;
	return _mm512_load_ps(t);
}

static INLINE AVX512 void
column_store(float *c, long ldc, int n, __m512 x)
{
	_Alignas(64) float t[16];

	_mm512_store_ps(t, x);
	for (int r = 0; r < n; r++)
		c[r * ldc] = t[r];
}

/*
 * A product with NC <= 4 columns: a tile of C would waste most of its
 * lanes, so here the lanes run down the rows of C instead. 64 rows at a
 * time, as four vectors of 16 (four independent chains per column hide
 * the FMA latency); per k, a vector of op(A) for each 16 rows (for A^T
 * a load, else 16 x 16 transposes of A) meets each element of B. Every
 * element of C is the same chain of FMAs as in a tile.
 */
static INLINE AVX512 void
skinny512(const int NC, const struct gemm *g)
{
	const float *A = g->A, *B = g->B;
	long lda = g->lda, ldb = g->ldb, ldc = g->ldc;

	for (int i0 = 0; i0 < g->M; i0 += 64) {
		__m512 acc[4][4], a[4][16];
		int n[4];

#pragma GCC unroll 4
		for (int v = 0; v < 4; v++) {
			float *c = g->C + (i0 + 16 * v) * ldc;

			n[v] = g->M - i0 - 16 * v;
			n[v] = n[v] < 0 ? 0 : n[v] > 16 ? 16 : n[v];
#pragma GCC unroll 4
			for (int j = 0; j < NC; j++)
				acc[v][j] = g->beta && n[v] ?
					    column_load(c + j, ldc, n[v]) :
					    _mm512_setzero_ps();
		}
		for (int k0 = 0; k0 < g->K; k0 += 16) {
			int kb = imin(16, g->K - k0);

			for (int v = 0; v < 4; v++) {
				long i = i0 + 16 * v;
				__mmask16 km = mask16(kb), mm = mask16(n[v]);

				if (g->ta) {
					for (int t = 0; t < kb; t++)
						a[v][t] = _mm512_maskz_loadu_ps(
						    mm, A + (k0 + t) * lda + i);
					continue;
				}
#pragma GCC unroll 16
				for (int r = 0; r < 16; r++)
					a[v][r] = _mm512_maskz_loadu_ps(
					    r < n[v] ? km : 0,
					    A + (i + r) * lda + k0);
				transpose16(a[v]);
			}
			for (int t = 0; t < kb; t++) {
				long k = k0 + t;

#pragma GCC unroll 4
				for (int j = 0; j < NC; j++) {
					float bkj = g->tb ? B[j * ldb + k] :
						    B[k * ldb + j];
					__m512 b = _mm512_set1_ps(bkj);

#pragma GCC unroll 4
					for (int v = 0; v < 4; v++)
						acc[v][j] = _mm512_fmadd_ps(
						    a[v][t], b, acc[v][j]);
				}
			}
		}
#pragma GCC unroll 4
		for (int v = 0; v < 4; v++)
#pragma GCC unroll 4
			for (int j = 0; j < NC; j++)
				if (n[v])
					column_store(g->C + (i0 + 16 * v) *
						     ldc + j, ldc, n[v],
						     acc[v][j]);
	}
}

static AVX512 void
skinny_avx512(const struct gemm *g)
{
	switch (g->N) {
	case 1:
		skinny512(1, g);
		break;
	case 2:
		skinny512(2, g);
		break;
	case 3:
		skinny512(3, g);
		break;
	default:
		skinny512(4, g);
		break;
	}
}

/*
 * The AVX2 kernel with MR rows and NV vectors of 8 columns. B is always
 * packed (zero padded); a tile cut short by M or N goes through a copy.
 */
static INLINE AVX2 void
k256(const int MR, const int NV, int kc, const float *a, long ars,
     long aks, int mr, const float *b, long bks, int nr, float *c,
     long ldc, int load_c)
{
	_Alignas(32) float tile[12 * 16];
	__m256 acc[12][2], bv[2];
	const float *ap[12];
	float *cc = c;
	long ldcc = ldc, off = 0;

	if (mr < MR || nr < 8 * NV) {
		cc = tile;
		ldcc = 8 * NV;
		for (int r = 0; r < MR; r++)
			for (int j = 0; j < 8 * NV; j++)
				tile[r * ldcc + j] = load_c && r < mr &&
						     j < nr ?
						     c[r * ldc + j] : 0;
	}
#pragma GCC unroll 12
	for (int r = 0; r < MR; r++) {
		ap[r] = a + (r < mr ? r : mr - 1) * ars;
		for (int v = 0; v < NV; v++)
			acc[r][v] = load_c ?
				    _mm256_loadu_ps(cc + r * ldcc + 8 * v) :
				    _mm256_setzero_ps();
	}
#pragma GCC unroll 2
	for (int k = 0; k < kc; k++, off += aks, b += bks) {
		for (int v = 0; v < NV; v++)
			bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 12
		for (int r = 0; r < MR; r++) {
			__m256 x = _mm256_broadcast_ss(ap[r] + off);

			for (int v = 0; v < NV; v++)
				acc[r][v] = _mm256_fmadd_ps(x, bv[v],
							    acc[r][v]);
		}
	}
#pragma GCC unroll 12
	for (int r = 0; r < MR; r++)
		for (int v = 0; v < NV; v++)
			_mm256_storeu_ps(cc + r * ldcc + 8 * v, acc[r][v]);
	if (cc == tile)
		for (int r = 0; r < mr; r++)
			for (int j = 0; j < nr; j++)
				c[r * ldc + j] = tile[r * ldcc + j];
}

static AVX2 void
kernel_avx2_6x16(int kc, const real *a, long ars, long aks, int mr,
		 const real *b, long bks, int nr, real *c, long ldc,
		 int load_c)
{
	k256(6, 2, kc, a, ars, aks, mr, b, bks, nr, c, ldc, load_c);
}

static AVX2 void
kernel_avx2_12x8(int kc, const real *a, long ars, long aks, int mr,
		 const real *b, long bks, int nr, real *c, long ldc,
		 int load_c)
{
	k256(12, 1, kc, a, ars, aks, mr, b, bks, nr, c, ldc, load_c);
}

/* Transpose the 8 x 8 block held in r[0..7], one row per vector. */
static INLINE AVX2 void
transpose8(__m256 r[8])
{
	__m256 t[8], s[8];

#pragma GCC unroll 4
	for (int i = 0; i < 8; i += 2) {
		t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
		t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
	}
	/* s[g+q], lane L: column 4L+q of rows g..g+3 */
#pragma GCC unroll 2
	for (int g = 0; g < 8; g += 4) {
		s[g] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44);
		s[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xee);
		s[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
		s[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xee);
	}
#pragma GCC unroll 4
	for (int q = 0; q < 4; q++) {
		r[q] = _mm256_permute2f128_ps(s[q], s[4 + q], 0x20);
		r[4 + q] = _mm256_permute2f128_ps(s[q], s[4 + q], 0x31);
	}
}

static AVX2 void
pack_cols_avx2(int kc, int nr, const real *b, long ldb, real *bp, int nrp)
{
	const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

	for (int k0 = 0; k0 < kc; k0 += 8) {
		int kb = imin(8, kc - k0);
		__m256i km = _mm256_cmpgt_epi32(_mm256_set1_epi32(kb), idx);

		for (int c0 = 0; c0 < nrp; c0 += 8) {
			__m256 r[8];

#pragma GCC unroll 8
			for (int i = 0; i < 8; i++)
				r[i] = c0 + i >= nr ? _mm256_setzero_ps() :
				       kb == 8 ?
				       _mm256_loadu_ps(b + (c0 + i) * ldb +
						       k0) :
				       _mm256_maskload_ps(
					   b + (c0 + i) * ldb + k0, km);
			transpose8(r);
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++)
				if (t < kb)
					_mm256_store_ps(bp + (long)(k0 + t) *
							nrp + c0, r[t]);
		}
	}
}

static const struct isa isa_avx512 = {
	"avx512", 2, 16, 1,
	{ 8, 32, kernel_avx512_8x32, kernel_avx512_8x32_edge },
	{ 16, 16, kernel_avx512_16x16, kernel_avx512_16x16_edge },
	pack_rows_avx512, pack_cols_avx512, skinny_avx512
};

static const struct isa isa_avx2 = {
	"avx2", 1, 8, 0,
	{ 6, 16, kernel_avx2_6x16, kernel_avx2_6x16 },
	{ 12, 8, kernel_avx2_12x8, kernel_avx2_12x8 },
	pack_rows, pack_cols_avx2, NULL
};

#endif /* KERNELS_X86 */

static const struct isa *isa_cur;

static const struct isa *
isa_best(void)
{
#ifdef KERNELS_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return &isa_avx512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return &isa_avx2;
#endif
	return &isa_portable;
}

/* Choose once, before main(), so threads never race on the choice. */
static void __attribute__((constructor))
kernels_init(void)
{
	if (!isa_cur)
		isa_cur = isa_best();
}

static const struct isa *
isa_get(void)
{
	if (!isa_cur)
		kernels_init();
	return isa_cur;
}

/*
 * The task grid: a function of the shape, the kernel and where C lies,
 * never of the number of threads. Panels of NR columns start at column
 * -off, so that when every row of C has the same alignment, panels start
 * on a 64-byte line of C: no two threads then write the same line (false
 * sharing costs more than the whole product on small shapes), and the
 * stores are aligned. The first panel is then narrower.
 */
static void
gemm_grid(struct gemm *g)
{
	int mr = g->uk->mr, nr = g->uk->nr;
	int pm = (g->M + mr - 1) / mr;
	int tpm = imin(pm, TASK_M > mr ? TASK_M / mr : 1), tpn;
	size_t line = 64 / sizeof(real);
	size_t mis = (uintptr_t)g->C / sizeof(real) % line;

	g->off = 0;
	if (g->N > nr && g->ldc % line == 0 && (uintptr_t)g->C %
	    sizeof(real) == 0 && mis)
		g->off = (int)(mis % nr);
	g->pn = (g->off + g->N + nr - 1) / nr;
	tpn = imin(g->pn, TASK_N / nr);
	for (;;) {
		int n = (pm + tpm - 1) / tpm * ((g->pn + tpn - 1) / tpn);

		if (n >= TASKS_MIN)
			break;
		if (tpn > 1)
			tpn = (tpn + 1) / 2;
		else if (tpm > 1)
			tpm = (tpm + 1) / 2;
		else
			break;
	}
	g->tm = tpm * mr;
	g->tpn = tpn;
	g->ntm = (pm + tpm - 1) / tpm;
	g->ntask = g->ntm * ((g->pn + tpn - 1) / tpn);
}

/* The packed panel (kc, NR) of op(B) at row p0, column j. */
static const real *
gemm_panel(const struct gemm *g, int p0, int kc, int j, int nr)
{
	if (panel.call != g->call || panel.p0 != p0 || panel.j != j) {
		if (g->tb)
			g->isa->pack_cols(kc, nr, g->B + j * g->ldb + p0,
					  g->ldb, panel.b, g->uk->nr);
		else
			g->isa->pack_rows(kc, nr, g->B + p0 * g->ldb + j,
					  g->ldb, panel.b, g->uk->nr);
		panel.call = g->call;
		panel.p0 = p0;
		panel.j = j;
	}
	return panel.b;
}

static void
gemm_task(const struct gemm *g, int t)
{
	const struct ukernel *uk = g->uk;
	/* down M first: a thread's next task often needs the same panels */
	int i0 = t % g->ntm * g->tm, p1 = t / g->ntm * g->tpn;
	int m = imin(g->tm, g->M - i0), p2 = imin(p1 + g->tpn, g->pn);

	for (int p0 = 0; p0 < g->K; p0 += KC) {
		int kc = imin(KC, g->K - p0);
		int load_c = g->beta || p0 > 0;

		for (int p = p1; p < p2; p++) {
			int j = p * uk->nr - g->off, nr = uk->nr;
			const real *b;
			long bks = uk->nr;

			if (j < 0) {
				nr += j;
				j = 0;
			}
			nr = imin(nr, g->N - j);
			if (!g->tb && nr < uk->nr && g->isa->b_in_place) {
				/* an edge: the kernel masks B */
				b = g->B + p0 * g->ldb + j;
				bks = g->ldb;
			} else {
				b = gemm_panel(g, p0, kc, j, nr);
			}
			for (int ir = 0; ir < m; ir += uk->mr) {
				long i = i0 + ir;
				int mr = imin(uk->mr, m - ir);
				const real *a;
				long ars = g->lda, aks = 1;

				if (g->ta) {
					a = g->A + p0 * g->lda + i;
					ars = 1;
					aks = g->lda;
				} else {
					a = g->A + i * g->lda + p0;
				}
				(mr == uk->mr && nr == uk->nr ? uk->run :
				 uk->run_edge)(kc, a, ars, aks, mr, b, bks, nr,
					       g->C + i * g->ldc + j, g->ldc,
					       load_c);
			}
		}
	}
}

static void
gemm_run(int ta, int tb, int M, int N, int K, const real *A, int lda,
	 const real *B, int ldb, real *C, int ldc, int beta)
{
	struct gemm g;
	int par = 0;

	if (M <= 0 || N <= 0)
		return;
	if (K <= 0) {
		if (!beta)
			for (int i = 0; i < M; i++)
				memset(C + (long)i * ldc, 0, N * sizeof *C);
		return;
	}
	g.isa = isa_get();
	g.uk = N <= g.isa->narrow.nr ? &g.isa->narrow : &g.isa->wide;
	g.ta = ta;
	g.tb = tb;
	g.M = M;
	g.N = N;
	g.K = K;
	g.A = A;
	g.B = B;
	g.C = C;
	g.lda = lda;
	g.ldb = ldb;
	g.ldc = ldc;
	g.beta = beta;
	if (N <= SKINNY_N && g.isa->skinny) {
		g.isa->skinny(&g);
		return;
	}
	g.call = atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed) + 1;
	gemm_grid(&g);
#ifdef _OPENMP
	par = g.ntask > 1 && 2.0 * M * N * K >= PAR_FLOPS &&
	      !omp_in_parallel() && omp_get_max_threads() > 1;
#endif
	if (par) {
		/*
		 * Each thread works from its own copy of g: the caller's
		 * stack lines that hold g are written by the caller (frames
		 * below it) while other threads would read them.
		 */
		#pragma omp parallel
		{
			struct gemm mine = g;

			/* nowait: the end of the region is the one barrier */
			#pragma omp for schedule(static) nowait
			for (int t = 0; t < mine.ntask; t++)
				gemm_task(&mine, t);
		}
	} else {
		for (int t = 0; t < g.ntask; t++)
			gemm_task(&g, t);
	}
}

void
gemm_nn(int M, int N, int K, const real *A, int lda, const real *B, int ldb,
	real *C, int ldc, int beta)
{
	gemm_run(0, 0, M, N, K, A, lda, B, ldb, C, ldc, beta);
}

void
gemm_nt(int M, int N, int K, const real *A, int lda, const real *B, int ldb,
	real *C, int ldc, int beta)
{
	gemm_run(0, 1, M, N, K, A, lda, B, ldb, C, ldc, beta);
}

void
gemm_tn(int M, int N, int K, const real *A, int lda, const real *B, int ldb,
	real *C, int ldc, int beta)
{
	gemm_run(1, 0, M, N, K, A, lda, B, ldb, C, ldc, beta);
}

const char *
kernels_isa(void)
{
	return isa_get()->name;
}

int
kernels_set_isa(const char *name)
{
	const struct isa *best = isa_best();

	if (!name) {
		isa_cur = best;
		return 0;
	}
	if (strcmp(name, "portable") == 0) {
		isa_cur = &isa_portable;
		return 0;
	}
#ifdef KERNELS_X86
	if (strcmp(name, "avx512") == 0 && best == &isa_avx512) {
		isa_cur = &isa_avx512;
		return 0;
	}
	if (strcmp(name, "avx2") == 0 && best != &isa_portable) {
		isa_cur = &isa_avx2;
		return 0;
	}
#endif
	if (strcmp(name, "avx512") == 0 || strcmp(name, "avx2") == 0)
		return error("cannot use the %s kernels: not supported by "
			     "this cpu or build", name);
	return error("unknown kernel isa '%s': use avx512, avx2 or portable",
		     name);
}

static double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#ifdef __x86_64__
/* Dependent integer additions per second: the clock (one per cycle). */
static double
add_rate(long n)
{
	long x = 0, one = 1;
	double t = mono_seconds();

	for (long i = 0; i < n; i++)
		__asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
				 "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
				 "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
				 "add %1, %0" : "+r" (x) : "r" (one));
	t = mono_seconds() - t;
	return t > 0 ? 10.0 * n / t : 0;
}
#endif

double
kernels_clock_ghz(void)
{
#ifdef __x86_64__
	double best = 0;

	add_rate(100000);
	for (int i = 0; i < 5; i++) {
		double r = add_rate(200000);

		if (r > best)
			best = r;
	}
	return best / 1e9;
#else
	FILE *fp = fopen("/proc/cpuinfo", "r");
	char line[256];
	double mhz = 0;

	if (!fp)
		return 0;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(fp);
	return mhz / 1000;
#endif
}

#ifdef KERNELS_X86
/*
 * Vector FMAs per second: a loop of 14 independent chains (zmm or ymm
 * 0..13 += 14 * 15, all zero, so no slow denormal path), in assembly so
 * the compiler cannot reorder the chains.
 */
#define FMA_CHAINS(r) \
	"vxorps %%xmm0, %%xmm0, %%xmm0\n\t" \
	"vxorps %%xmm1, %%xmm1, %%xmm1\n\t" \
	"vxorps %%xmm2, %%xmm2, %%xmm2\n\t" \
	"vxorps %%xmm3, %%xmm3, %%xmm3\n\t" \
	"vxorps %%xmm4, %%xmm4, %%xmm4\n\t" \
	"vxorps %%xmm5, %%xmm5, %%xmm5\n\t" \
	"vxorps %%xmm6, %%xmm6, %%xmm6\n\t" \
	"vxorps %%xmm7, %%xmm7, %%xmm7\n\t" \
	"vxorps %%xmm8, %%xmm8, %%xmm8\n\t" \
	"vxorps %%xmm9, %%xmm9, %%xmm9\n\t" \
	"vxorps %%xmm10, %%xmm10, %%xmm10\n\t" \
	"vxorps %%xmm11, %%xmm11, %%xmm11\n\t" \
	"vxorps %%xmm12, %%xmm12, %%xmm12\n\t" \
	"vxorps %%xmm13, %%xmm13, %%xmm13\n\t" \
	"vxorps %%xmm14, %%xmm14, %%xmm14\n\t" \
	"vxorps %%xmm15, %%xmm15, %%xmm15\n\t" \
	"1:\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "0\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "1\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "2\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "3\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "4\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "5\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "6\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "7\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "8\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "9\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "10\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "11\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "12\n\t" \
	"vfmadd231ps %%" r "14, %%" r "15, %%" r "13\n\t" \
	"dec %0\n\t" \
	"jnz 1b\n\t" \
	"vzeroupper"
#define FMA_CLOBBERS \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", \
	"xmm15", "cc"

static AVX512 double
fma_rate_avx512(long n)
{
	double t = mono_seconds();

	long i = n;

	__asm__ volatile(FMA_CHAINS("zmm") : "+r" (i) : : FMA_CLOBBERS);
	t = mono_seconds() - t;
	return t > 0 ? 14.0 * n / t : 0;
}

static AVX2 double
fma_rate_avx2(long n)
{
	double t = mono_seconds();
	long i = n;

	__asm__ volatile(FMA_CHAINS("ymm") : "+r" (i) : : FMA_CLOBBERS);
	t = mono_seconds() - t;
	return t > 0 ? 14.0 * n / t : 0;
}
#endif

int
kernels_fma_units(void)
{
	static int units_cache[3];
	const struct isa *isa = isa_get();

	if (units_cache[isa->id])
		return units_cache[isa->id];
	units_cache[isa->id] = 1;
#ifdef KERNELS_X86
	if (isa != &isa_portable) {
		double adds = 0, fmas = 0;

		/* the best of a few tries: other work only slows one down */
		for (int i = 0; i < 5; i++) {
			double x = add_rate(100000);
			double f = isa == &isa_avx512 ?
				   fma_rate_avx512(100000) :
				   fma_rate_avx2(100000);

			adds = x > adds ? x : adds;
			fmas = f > fmas ? f : fmas;
		}
		if (adds > 0 && fmas / adds >= 1.5)
			units_cache[isa->id] = (int)(fmas / adds + 0.5);
	}
#endif
	return units_cache[isa->id];
}

double
kernels_peak_gflops(double ghz)
{
	return ghz * kernels_fma_units() * isa_get()->lanes * 2;
}
