/*
 * optim.c - sgd, adam and adamw over the parameter block; gradient
 * clipping; learning-rate schedules.
 *
 * The optimizers are one element-wise loop over the block; each
 * parameter's update is computed in double from its own values only, so
 * threads may update any ranges of it (step.c) and the result is
 * bit-identical for any thread count. The clipping norm is a reduction,
 * done in fixed chunks. The exact formulas are in optim.h.
 */
#include <math.h>
#include <stdlib.h>

#include "lib/error.h"
#include "runner/train/optim.h"

#if defined(__x86_64__) && !defined(NN_DOUBLE)
#include <immintrin.h>
#define ADAM_X86 1
#endif

#define CHUNK_MIN 4096		/* smallest chunk of the clipping norm */

void
optim_init(struct optim *o, const struct config *cfg, size_t n)
{
	o->type = cfg->train.optimizer;
	o->momentum = cfg->train.momentum;
	o->nesterov = cfg->train.nesterov;
	o->beta1 = cfg->train.beta1;
	o->beta2 = cfg->train.beta2;
	o->eps = cfg->train.eps;
	o->weight_decay = cfg->train.weight_decay;
	o->step = 0;
	o->n = n;
	o->m = xcalloc(n, sizeof(*o->m));
	o->v = NULL;
	if (o->type != OPTIM_SGD)
		o->v = xcalloc(n, sizeof(*o->v));
}

void
optim_release(struct optim *o)
{
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
}

/* Elements [i0, i1) of one SGD step. */
static void
sgd_range(const struct optim *o, real *params, const real *grads, double lr,
	  size_t i0, size_t i1)
{
	double mu = o->momentum, wd = o->weight_decay;
	int nesterov = o->nesterov;
	real *vel = o->m;

	for (size_t i = i0; i < i1; i++) {
		double p = params[i], g = grads[i] + wd * p;

		if (mu != 0) {
			double v = mu * vel[i] + g;

			vel[i] = (real)v;
			g = nesterov ? g + mu * v : v;
		}
		params[i] = (real)(p - lr * g);
	}
}

/* Adam's per-step constants; see adam_step. */
struct adam_k {
	double b1, c1, b2, c2;	/* beta1, 1 - beta1, beta2, 1 - beta2 */
	double step_size, sbc2, eps, wd, decay;
};

/*
 * Elements [i0, i1) of one Adam step, in double, one element at a time
 * in this order of operations: p = param * decay, g = grad + wd * param,
 * m = b1 * m + c1 * g, v = b2 * v + (c2 * g) * g,
 * param = p - (step_size * m) / (sqrt(v) / sbc2 + eps).
 */
static void
adam_scalar(const struct adam_k *k, real *params, const real *grads,
	    real *mom, real *sq, long i0, long i1)
{
	for (long i = i0; i < i1; i++) {
		double p = params[i] * k->decay;
		double g = grads[i] + k->wd * params[i];
		double m = k->b1 * mom[i] + k->c1 * g;
		double v = k->b2 * sq[i] + k->c2 * g * g;

		mom[i] = (real)m;
		sq[i] = (real)v;
		params[i] = (real)(p - k->step_size * m /
				   (sqrt(v) / k->sbc2 + k->eps));
	}
}

#ifdef ADAM_X86
/*
 * adam_scalar 8 elements at a time. Every operation is a correctly
 * rounded IEEE one (no fused multiply-add), in the same order, so each
 * element gets the same bits as in adam_scalar. The compiler does not
 * vectorize that loop itself: libm's sqrt may set errno.
 */
static __attribute__((target("avx512f"))) void
adam_avx512(const struct adam_k *k, real *params, const real *grads,
	    real *mom, real *sq, long i0, long i1)
{
	__m512d b1 = _mm512_set1_pd(k->b1), c1 = _mm512_set1_pd(k->c1);
	__m512d b2 = _mm512_set1_pd(k->b2), c2 = _mm512_set1_pd(k->c2);
	__m512d ss = _mm512_set1_pd(k->step_size);
	__m512d sbc2 = _mm512_set1_pd(k->sbc2), eps = _mm512_set1_pd(k->eps);
	__m512d wd = _mm512_set1_pd(k->wd), decay = _mm512_set1_pd(k->decay);
	long i = i0;

	for (; i + 8 <= i1; i += 8) {
		__m512d w = _mm512_cvtps_pd(_mm256_loadu_ps(params + i));
		__m512d g = _mm512_cvtps_pd(_mm256_loadu_ps(grads + i));
		__m512d m = _mm512_cvtps_pd(_mm256_loadu_ps(mom + i));
		__m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(sq + i));
		__m512d p = _mm512_mul_pd(w, decay);

		g = _mm512_add_pd(g, _mm512_mul_pd(wd, w));
		m = _mm512_add_pd(_mm512_mul_pd(b1, m), _mm512_mul_pd(c1, g));
		v = _mm512_add_pd(_mm512_mul_pd(b2, v),
				  _mm512_mul_pd(_mm512_mul_pd(c2, g), g));
		_mm256_storeu_ps(mom + i, _mm512_cvtpd_ps(m));
		_mm256_storeu_ps(sq + i, _mm512_cvtpd_ps(v));
		w = _mm512_div_pd(_mm512_mul_pd(ss, m),
				  _mm512_add_pd(_mm512_div_pd(
				      _mm512_sqrt_pd(v), sbc2), eps));
		_mm256_storeu_ps(params + i, _mm512_cvtpd_ps(
				 _mm512_sub_pd(p, w)));
	}
	adam_scalar(k, params, grads, mom, sq, i, i1);
}

/* adam_avx512 with 4 elements at a time. */
static __attribute__((target("avx"))) void
adam_avx(const struct adam_k *k, real *params, const real *grads,
	 real *mom, real *sq, long i0, long i1)
{
	__m256d b1 = _mm256_set1_pd(k->b1), c1 = _mm256_set1_pd(k->c1);
	__m256d b2 = _mm256_set1_pd(k->b2), c2 = _mm256_set1_pd(k->c2);
	__m256d ss = _mm256_set1_pd(k->step_size);
	__m256d sbc2 = _mm256_set1_pd(k->sbc2), eps = _mm256_set1_pd(k->eps);
	__m256d wd = _mm256_set1_pd(k->wd), decay = _mm256_set1_pd(k->decay);
	long i = i0;

	for (; i + 4 <= i1; i += 4) {
		__m256d w = _mm256_cvtps_pd(_mm_loadu_ps(params + i));
		__m256d g = _mm256_cvtps_pd(_mm_loadu_ps(grads + i));
		__m256d m = _mm256_cvtps_pd(_mm_loadu_ps(mom + i));
		__m256d v = _mm256_cvtps_pd(_mm_loadu_ps(sq + i));
		__m256d p = _mm256_mul_pd(w, decay);

		g = _mm256_add_pd(g, _mm256_mul_pd(wd, w));
		m = _mm256_add_pd(_mm256_mul_pd(b1, m), _mm256_mul_pd(c1, g));
		v = _mm256_add_pd(_mm256_mul_pd(b2, v),
				  _mm256_mul_pd(_mm256_mul_pd(c2, g), g));
		_mm_storeu_ps(mom + i, _mm256_cvtpd_ps(m));
		_mm_storeu_ps(sq + i, _mm256_cvtpd_ps(v));
		w = _mm256_div_pd(_mm256_mul_pd(ss, m),
				  _mm256_add_pd(_mm256_div_pd(
				      _mm256_sqrt_pd(v), sbc2), eps));
		_mm_storeu_ps(params + i, _mm256_cvtpd_ps(
			      _mm256_sub_pd(p, w)));
	}
	adam_scalar(k, params, grads, mom, sq, i, i1);
}
#endif

static void
adam_range(const struct adam_k *k, real *params, const real *grads,
	   real *mom, real *sq, long i0, long i1)
{
#ifdef ADAM_X86
	if (__builtin_cpu_supports("avx512f"))
		adam_avx512(k, params, grads, mom, sq, i0, i1);
	else if (__builtin_cpu_supports("avx"))
		adam_avx(k, params, grads, mom, sq, i0, i1);
	else
#endif
		adam_scalar(k, params, grads, mom, sq, i0, i1);
}

void
optim_update(const struct optim *o, real *params, const real *grads,
	     double lr, size_t i0, size_t i1)
{
	struct adam_k k;
	double t = (double)(o->step + 1);

	if (o->type == OPTIM_SGD) {
		sgd_range(o, params, grads, lr, i0, i1);
		return;
	}
	k.b1 = o->beta1;
	k.c1 = 1 - o->beta1;
	k.b2 = o->beta2;
	k.c2 = 1 - o->beta2;
	k.step_size = lr / (1 - pow(k.b1, t));
	k.sbc2 = sqrt(1 - pow(k.b2, t));
	k.eps = o->eps;
	k.wd = o->type == OPTIM_ADAM ? o->weight_decay : 0;
	k.decay = o->type == OPTIM_ADAMW ? 1 - lr * o->weight_decay : 1;
	adam_range(&k, params, grads, o->m, o->v, (long)i0, (long)i1);
}

void
optim_step(struct optim *o, real *params, const real *grads, double lr)
{
	optim_update(o, params, grads, lr, 0, o->n);
	o->step++;
}

size_t
clip_chunk(size_t n)
{
	size_t chunk = (n + CLIP_MAX_CHUNKS - 1) / CLIP_MAX_CHUNKS;

	return chunk > CHUNK_MIN ? chunk : CHUNK_MIN;
}

double
clip_sumsq(const real *grads, size_t i0, size_t i1)
{
	double s = 0;

	for (size_t i = i0; i < i1; i++)
		s += (double)grads[i] * grads[i];
	return s;
}

double
clip_coef(double norm, double max_norm)
{
	if (max_norm > 0 && isfinite(norm) && norm > max_norm)
		return max_norm / (norm + 1e-6);
	return 1;
}

void
clip_scale(real *grads, size_t i0, size_t i1, double coef)
{
	if (coef == 1)
		return;
	for (size_t i = i0; i < i1; i++)
		grads[i] = (real)(grads[i] * coef);
}

double
clip_grad_norm(real *grads, size_t n, double max_norm)
{
	size_t chunk = clip_chunk(n);
	double sum = 0, norm;

	/* chunk by chunk, as step.c sums it with threads */
	for (size_t i = 0; i < n; i += chunk)
		sum += clip_sumsq(grads, i, i + chunk < n ? i + chunk : n);
	norm = sqrt(sum);
	clip_scale(grads, 0, n, clip_coef(norm, max_norm));
	return norm;
}

double
schedule_lr(const struct sched_spec *s, double base_lr, double epoch,
	    int epochs)
{
	double t = epoch > 0 ? epoch : 0, u, span, p;
	int w = s->warmup > 0 ? s->warmup : 0;

	if (t < w)
		return base_lr * (1 + (w - 1) * t / w) / w;
	u = t - w;
	switch (s->type) {
	case SCHED_STEP:
		if (s->step_size <= 0)
			return base_lr;
		return base_lr * pow(s->gamma, floor(u / s->step_size));
	case SCHED_COSINE:
		span = epochs - w;
		if (span <= 0)
			return base_lr;
		p = u / span < 1 ? u / span : 1;
		return s->min_lr + (base_lr - s->min_lr) * 0.5
		       * (1 + cos(M_PI * p));
	default:
		return base_lr;
	}
}
