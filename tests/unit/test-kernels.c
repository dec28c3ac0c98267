/*
 * test-kernels.c - the matrix products against a double-precision
 * reference for every micro-kernel this CPU can run, edge shapes and
 * leading dimensions, and bit-identical results whatever the number of
 * threads, the tile an element falls in, or the vector kernel.
 *
 * The padding of every matrix (columns past K, N or M up to the leading
 * dimension) holds NaN, and so does C when beta is 0: a kernel that reads
 * past the matrix or reads C when it should not makes the result NaN.
 */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/kernels.h"
#include "lib/rng.h"
#include "tap.h"

enum { NN, NT, TN };

static const char *const op_name[] = { "nn", "nt", "tn" };

static const char *const isa_names[] = { "portable", "avx2", "avx512" };

struct prod {
	int op, M, N, K, lda, ldb, ldc, beta;
	real *A, *B, *C, *C0;	/* C0: C before the product */
	size_t na, nb, nc;	/* elements allocated */
};

static struct rng rng;

static void
prod_run(const struct prod *p, real *C)
{
	void (*f)(int, int, int, const real *, int, const real *, int,
		  real *, int, int) =
		p->op == NN ? gemm_nn : p->op == NT ? gemm_nt : gemm_tn;

	f(p->M, p->N, p->K, p->A, p->lda, p->B, p->ldb, C, p->ldc, p->beta);
}

/* Rows and columns of the stored A, B of a product. */
static void
stored_dims(const struct prod *p, int *ar, int *ac, int *br, int *bc)
{
	*ar = p->op == TN ? p->K : p->M;
	*ac = p->op == TN ? p->M : p->K;
	*br = p->op == NT ? p->N : p->K;
	*bc = p->op == NT ? p->K : p->N;
}

/* Fill a (rows, cols) matrix with uniform values, NaN in the padding. */
static void
fill(real *x, int rows, int cols, int ld)
{
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < ld; j++)
			x[(size_t)i * ld + j] = j < cols ?
				(real)(2 * rng_uniform(&rng) - 1) : (real)NAN;
}

static size_t
elems(int rows, int ld)
{
	return rows > 0 ? (size_t)rows * ld : 1;
}

/* pad: extra elements per row of each matrix. */
static void
prod_init(struct prod *p, int op, int M, int N, int K, int pad, int beta)
{
	int ar, ac, br, bc;

	memset(p, 0, sizeof *p);
	p->op = op;
	p->M = M;
	p->N = N;
	p->K = K;
	p->beta = beta;
	stored_dims(p, &ar, &ac, &br, &bc);
	p->lda = (ac > 0 ? ac : 1) + pad;
	p->ldb = (bc > 0 ? bc : 1) + pad;
	p->ldc = (N > 0 ? N : 1) + pad;
	p->na = elems(ar, p->lda);
	p->nb = elems(br, p->ldb);
	p->nc = elems(M, p->ldc);
	p->A = xmalloc(p->na * sizeof *p->A);
	p->B = xmalloc(p->nb * sizeof *p->B);
	p->C = xmalloc(p->nc * sizeof *p->C);
	p->C0 = xmalloc(p->nc * sizeof *p->C0);
	fill(p->A, ar, ac, p->lda);
	fill(p->B, br, bc, p->ldb);
	fill(p->C0, M, N, p->ldc);
	if (!beta)
		for (size_t i = 0; i < p->nc; i++)
			p->C0[i] = NAN;
	memcpy(p->C, p->C0, p->nc * sizeof *p->C);
}

static void
prod_release(struct prod *p)
{
	free(p->A);
	free(p->B);
	free(p->C);
	free(p->C0);
}

static double
a_at(const struct prod *p, int i, int k)
{
	return p->op == TN ? p->A[(size_t)k * p->lda + i] :
	       p->A[(size_t)i * p->lda + k];
}

static double
b_at(const struct prod *p, int k, int j)
{
	return p->op == NT ? p->B[(size_t)j * p->ldb + k] :
	       p->B[(size_t)k * p->ldb + j];
}

/*
 * Run the product and compare with the reference in double: each element
 * within (K + 2) eps times the sum of the magnitudes of its terms; the
 * padding of C unchanged. Returns the number of wrong elements.
 */
static int
prod_check(struct prod *p, double *maxrel)
{
	double eps = sizeof(real) == sizeof(float) ? FLT_EPSILON : DBL_EPSILON;
	int bad = 0;

	*maxrel = 0;
	prod_run(p, p->C);
	for (int i = 0; i < p->M; i++) {
		for (int j = 0; j < p->ldc; j++) {
			size_t at = (size_t)i * p->ldc + j;
			double s = 0, mag = 0, got = p->C[at], err;

			if (j >= p->N) {
				/* padding: still the NaN put there */
				bad += !isnan(got);
				continue;
			}
			if (p->beta) {
				s = p->C0[at];
				mag = fabs(s);
			}
			for (int k = 0; k < p->K; k++) {
				double t = a_at(p, i, k) * b_at(p, k, j);

				s += t;
				mag += fabs(t);
			}
			err = fabs(got - s);
			if (!(err <= (p->K + 2) * eps * mag)) {
				if (bad < 3)
					diag("C[%d][%d] = %.9g, want %.9g",
					     i, j, got, s);
				bad++;
			}
			if (mag > 0 && err / mag > *maxrel)
				*maxrel = err / mag;
		}
	}
	return bad;
}

static const int shapes[][3] = {
	{ 1, 1, 1 }, { 7, 13, 5 }, { 64, 256, 64 }, { 65, 129, 33 },
	{ 3, 40, 17 }, { 16, 16, 16 }, { 17, 15, 9 }, { 64, 1, 128 },
	{ 128, 1, 64 }, { 1, 128, 64 }, { 8, 33, 300 }, { 100, 70, 513 },
	{ 33, 16, 31 }, { 2048, 256, 8 }, { 64, 192, 64 }, { 9, 47, 1 },
	{ 128, 128, 128 }, { 31, 100, 257 }, { 70, 3, 33 }, { 5, 4, 17 },
	{ 129, 2, 40 }, { 200, 1, 300 },
};

enum { NSHAPES = sizeof shapes / sizeof shapes[0] };

static void
test_against_reference(const char *isa)
{
	for (int op = NN; op <= TN; op++) {
		for (int s = 0; s < NSHAPES; s++) {
			/* tight, padded, padded with beta 1 */
			static const int pads[3] = { 0, 3, 7 };

			for (int v = 0; v < 3; v++) {
				struct prod p;
				double rel;
				int bad;

				prod_init(&p, op, shapes[s][0], shapes[s][1],
					  shapes[s][2], pads[v], v == 2);
				bad = prod_check(&p, &rel);
				ok(bad == 0, "%s %s %dx%dx%d lda %d ldb %d "
				   "ldc %d beta %d (max rel err %.2g)", isa,
				   op_name[op], p.M, p.N, p.K, p.lda, p.ldb,
				   p.ldc, p.beta, rel);
				prod_release(&p);
			}
		}
	}
}

static int
same_bits(const real *x, const real *y, size_t n)
{
	return memcmp(x, y, n * sizeof *x) == 0;
}

static void
test_k_zero(void)
{
	for (int op = NN; op <= TN; op++) {
		for (int beta = 0; beta <= 1; beta++) {
			struct prod p;
			int good = 1;

			prod_init(&p, op, 5, 9, 0, 2, beta);
			prod_run(&p, p.C);
			for (int i = 0; i < p.M; i++)
				for (int j = 0; j < p.ldc; j++) {
					size_t at = (size_t)i * p.ldc + j;
					real want = beta || j >= p.N ?
						    p.C0[at] : 0;

					if (!same_bits(&p.C[at], &want, 1))
						good = 0;
				}
			ok(good, "%s K=0 beta %d: C %s", op_name[op], beta,
			   beta ? "unchanged" : "zeroed, padding unchanged");
			prod_release(&p);
		}
		for (int e = 0; e < 2; e++) {
			struct prod p;

			prod_init(&p, op, e ? 4 : 0, e ? 0 : 4, 3, 1, 0);
			prod_run(&p, p.C);
			ok(same_bits(p.C, p.C0, p.nc), "%s M=%d N=%d: C "
			   "untouched", op_name[op], p.M, p.N);
			prod_release(&p);
		}
	}
}

static const int par_shapes[][3] = {
	{ 64, 256, 64 }, { 128, 128, 128 }, { 65, 129, 300 },
	{ 2048, 256, 8 }, { 8, 256, 2048 }, { 64, 192, 64 },
	{ 64, 128, 128 }, { 200, 13, 150 }, { 256, 256, 256 },
};

enum { NPAR = sizeof par_shapes / sizeof par_shapes[0] };

/* The same bits for 1, 2, 3 and 5 threads, beta 0 and 1. */
static void
test_threads(const char *isa)
{
	static const int threads[] = { 2, 3, 5 };

	for (int op = NN; op <= TN; op++) {
		for (int s = 0; s < NPAR; s++) {
			for (int beta = 0; beta <= 1; beta++) {
				struct prod p;
				real *one;
				int good = 1;

				prod_init(&p, op, par_shapes[s][0],
					  par_shapes[s][1], par_shapes[s][2],
					  1, beta);
				one = xmalloc(p.nc * sizeof *one);
				memcpy(one, p.C0, p.nc * sizeof *one);
				omp_set_num_threads(1);
				prod_run(&p, one);
				for (int t = 0; t < 3; t++) {
					memcpy(p.C, p.C0, p.nc * sizeof *p.C);
					omp_set_num_threads(threads[t]);
					prod_run(&p, p.C);
					if (!same_bits(p.C, one, p.nc)) {
						diag("%d threads differ",
						     threads[t]);
						good = 0;
					}
				}
				omp_set_num_threads(2);
				ok(good, "%s %s %dx%dx%d beta %d: same bits "
				   "with 1, 2, 3, 5 threads", isa, op_name[op],
				   p.M, p.N, p.K, beta);
				free(one);
				prod_release(&p);
			}
		}
	}
}

/*
 * A block of C computed alone (other tiles, other kernel for a narrow
 * block, no threads) has the same bits as in the whole product.
 */
static void
test_tiles(const char *isa)
{
	static const int blocks[][4] = {	/* i0, m, j0, n */
		{ 5, 7, 17, 24 }, { 0, 65, 3, 10 }, { 33, 1, 0, 129 },
		{ 1, 64, 1, 128 }, { 0, 65, 7, 1 }, { 2, 50, 100, 3 },
		{ 60, 5, 0, 4 }, { 0, 65, 127, 2 },
	};

	for (int op = NN; op <= TN; op++) {
		for (int beta = 0; beta <= 1; beta++) {
			struct prod p;
			int good = 1;

			prod_init(&p, op, 65, 129, 300, 2, beta);
			prod_run(&p, p.C);
			for (int b = 0; b < 8; b++) {
				int i0 = blocks[b][0], m = blocks[b][1];
				int j0 = blocks[b][2], n = blocks[b][3];
				const real *A = p.op == TN ? p.A + i0 :
						p.A + (size_t)i0 * p.lda;
				const real *B = p.op == NT ?
						p.B + (size_t)j0 * p.ldb :
						p.B + j0;
				real *C = xmalloc(p.nc * sizeof *C);
				size_t at = (size_t)i0 * p.ldc + j0;
				void (*f)(int, int, int, const real *, int,
					  const real *, int, real *, int, int) =
					op == NN ? gemm_nn : op == NT ?
					gemm_nt : gemm_tn;

				memcpy(C, p.C0, p.nc * sizeof *C);
				f(m, n, p.K, A, p.lda, B, p.ldb, C + at, p.ldc,
				  beta);
				for (int i = i0; i < i0 + m; i++) {
					at = (size_t)i * p.ldc + j0;
					if (!same_bits(C + at, p.C + at, n))
						good = 0;
				}
				free(C);
			}
			ok(good, "%s %s beta %d: blocks of C computed alone "
			   "have the same bits", isa, op_name[op], beta);
			prod_release(&p);
		}
	}
}

/*
 * C at every offset from a 64-byte line, ldc a multiple of 16 (so the
 * column grid shifts to line up with C): the same bits as C on a line
 * with one thread, nothing written outside C, the padding untouched.
 */
/* What C starts with, the same at any offset o of C in the buffer. */
#define FILLER(i, o) ((real)(((i) + 16 - (o)) % 7) - 3)

static void
test_alignment(const char *isa)
{
	enum { M = 70, N = 100, K = 100, LDC = 112, GUARD = 16 };
	static const int offs[] = { 0, 1, 4, 5, 8, 12, 15 };
	size_t n = (size_t)M * LDC + 2 * GUARD + 16;

	for (int op = NN; op <= TN; op++) {
		for (int beta = 0; beta <= 1; beta++) {
			struct prod p;
			real *want = aligned_alloc(64, n * sizeof *want);
			real *buf = aligned_alloc(64, n * sizeof *buf);
			int good = 1;

			prod_init(&p, op, M, N, K, 0, beta);
			p.ldc = LDC;
			for (size_t i = 0; i < n; i++)
				want[i] = FILLER(i, 0);
			omp_set_num_threads(1);
			prod_run(&p, want + GUARD);
			for (int o = 0; o < 7; o++) {
				for (size_t i = 0; i < n; i++)
					buf[i] = FILLER(i, offs[o]);
				omp_set_num_threads(2);
				prod_run(&p, buf + GUARD + offs[o]);
				for (int i = 0; i < M; i++) {
					size_t at = GUARD + (size_t)i * LDC;

					if (!same_bits(buf + at + offs[o],
						       want + at, N))
						good = 0;
				}
				/* no write past the elements of C */
				for (size_t i = 0; i < n; i++) {
					size_t r = (i - GUARD - offs[o]) / LDC;
					size_t c = (i - GUARD - offs[o]) % LDC;
					int in = i >= (size_t)(GUARD + offs[o])
						 && r < M && c < N;

					if (!in && buf[i] != FILLER(i, offs[o]))
						good = 0;
				}
			}
			omp_set_num_threads(2);
			ok(good, "%s %s beta %d: C at offsets 0..15 from a "
			   "line: same bits, nothing else written", isa,
			   op_name[op], beta);
			free(want);
			free(buf);
			prod_release(&p);
		}
	}
}

/* The two vector kernels give the same bits (both chain FMAs). */
static void
test_avx2_equals_avx512(void)
{
	static const int sh[][3] = {
		{ 65, 129, 33 }, { 7, 13, 5 }, { 100, 70, 513 },
		{ 64, 1, 128 }, { 64, 256, 64 },
	};

	for (int op = NN; op <= TN; op++) {
		for (int s = 0; s < 5; s++) {
			struct prod p;
			real *c2 = NULL;
			int good;

			prod_init(&p, op, sh[s][0], sh[s][1], sh[s][2], 1,
				  s & 1);
			c2 = xmalloc(p.nc * sizeof *c2);
			memcpy(c2, p.C0, p.nc * sizeof *c2);
			kernels_set_isa("avx2");
			prod_run(&p, c2);
			kernels_set_isa("avx512");
			prod_run(&p, p.C);
			good = same_bits(p.C, c2, p.nc);
			ok(good, "%s %dx%dx%d beta %d: avx2 and avx512 give "
			   "the same bits", op_name[op], p.M, p.N, p.K, p.beta);
			free(c2);
			prod_release(&p);
		}
	}
}

int
main(void)
{
	int have[3];

	rng_seed(&rng, 20240611);
	error_set_quiet(1);
	ok(kernels_set_isa("sse9") == -1, "unknown isa refused");
	kernels_set_isa(NULL);
	diag("best kernel: %s", kernels_isa());
	for (int i = 0; i < 3; i++) {
		have[i] = kernels_set_isa(isa_names[i]) == 0;
		if (have[i])
			is_str(kernels_isa(), isa_names[i], "isa %s selected",
			       isa_names[i]);
		else
			diag("no %s kernel on this cpu", isa_names[i]);
	}
	omp_set_num_threads(2);
	for (int i = 0; i < 3; i++) {
		if (!have[i])
			continue;
		kernels_set_isa(isa_names[i]);
		test_against_reference(isa_names[i]);
		test_threads(isa_names[i]);
		test_tiles(isa_names[i]);
		test_alignment(isa_names[i]);
	}
	kernels_set_isa(NULL);
	test_k_zero();
	if (have[1] && have[2])
		test_avx2_equals_avx512();
	else
		ok(1, "# SKIP avx2 and avx512 not both available");
	kernels_set_isa(NULL);
	return tap_done();
}
