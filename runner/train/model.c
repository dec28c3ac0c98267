/*
 * model.c - builds a network from a model_spec and runs it: a stack of
 * LSTM or GRU layers (or none), then a chain of dense layers.
 *
 * model_new lays out the tensor table first (names, shapes, offsets into
 * one parameter block), allocates the parameter and gradient blocks and
 * every buffer the passes need for max_batch samples, and points each
 * layer at its part of the blocks. Forward and backward then allocate
 * nothing. Layers overwrite their own gradients, so backward needs no
 * zeroing pass.
 *
 * Buffers of the dense chain, for layer i: y[i] its output (the last is
 * the model's output), z[i] the pre-activation (gelu only), dy[i] the
 * gradient by y[i], turned in place into the gradient by the
 * pre-activation; with dropout after it (mlp, training), mask[i] and the
 * dropped output drop[i]. An RNN model first copies its (B, T, I) input
 * time-major, runs the layers (dropout between them), and feeds the last
 * step's h (B, H) to the dense chain.
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runner/train/gru.h"
#include "runner/train/layers.h"
#include "runner/train/lstm.h"
#include "runner/train/model.h"

struct model {
	struct model_spec spec;
	size_t nparams;
	real *params;		/* (nparams) */
	real *grads;		/* (nparams) */
	struct tensor_info *tensors;
	size_t ntensors;

	/* recurrent part (lstm, gru): nrnn layers of H units */
	int nrnn, H;
	struct lstm *lstm;
	struct gru *gru;
	real *xt;		/* (T, max_batch, I): the input, time-major */
	real **rmask;		/* [nrnn - 1] (T, max_batch, H), dropout only */
	real **rdrop;		/* [nrnn - 1] (T, max_batch, H), dropout only */
	real *hgrad;		/* (max_batch, H): gradient by the last h */
	real *seqgrad;		/* (T, max_batch, H): gradient by a sequence */

	/* dense chain */
	int ndense;
	struct dense *dense;
	real *xin;		/* (max_batch, T*I): mlp/linear input copy */
	const real **din;	/* [ndense] input of each layer, last forward */
	real **y, **z, **dy, **mask, **drop;	/* [ndense], see above */

	int B;			/* batch of the last forward */
	int dropped;		/* the last forward applied dropout */
	int can_backward;	/* a training forward not yet back-propagated */
};

void
model_spec_from_config(struct model_spec *spec, const struct config *cfg,
		       int inputs, int steps, int outputs, int max_batch)
{
	memset(spec, 0, sizeof(*spec));
	spec->type = cfg->model.type;
	spec->inputs = inputs;
	spec->steps = steps;
	spec->outputs = outputs;
	memcpy(spec->hidden, cfg->model.hidden, sizeof(spec->hidden));
	spec->nhidden = cfg->model.nhidden;
	spec->layers = cfg->model.layers;
	memcpy(spec->head, cfg->model.head, sizeof(spec->head));
	spec->nhead = cfg->model.nhead;
	spec->activation = cfg->model.activation;
	spec->dropout = cfg->model.dropout;
	spec->max_batch = max_batch;
}

static const char *
act_label(enum activation a)
{
	switch (a) {
	case ACT_RELU:
		return "relu";
	case ACT_TANH:
		return "tanh";
	case ACT_GELU:
		return "gelu";
	case ACT_SIGMOID:
		return "sigmoid";
	default:
		return "none";
	}
}

static int
is_rnn(const struct model_spec *s)
{
	return s->type == MODEL_LSTM || s->type == MODEL_GRU;
}

static int
check_sizes(const int *v, int n, const char *what)
{
	if (n < 0 || n > CONFIG_MAX_LAYERS)
		return error("invalid model: %d %s layers, at most %d allowed",
			     n, what, CONFIG_MAX_LAYERS);
	for (int i = 0; i < n; i++)
		if (v[i] < 1)
			return error("invalid model: %s[%d] must be >= 1, "
				     "got %d", what, i, v[i]);
	return 0;
}

static int
check_spec(const struct model_spec *s)
{
	long cap = INT_MAX / 8;

	if (s->type != MODEL_LINEAR && s->type != MODEL_MLP && !is_rnn(s))
		return error("invalid model: unknown type %d", (int)s->type);
	if (s->inputs < 1 || s->steps < 1 || s->outputs < 1 ||
	    s->max_batch < 1)
		return error("invalid model: inputs, steps, outputs and batch "
			     "must be >= 1, got %d, %d, %d, %d", s->inputs,
			     s->steps, s->outputs, s->max_batch);
	if ((long)s->inputs * s->steps > cap ||
	    (long)s->steps * s->max_batch > cap)
		return error("invalid model: input of %d steps x %d features "
			     "in batches of %d is too large", s->steps,
			     s->inputs, s->max_batch);
	if (s->activation < ACT_RELU || s->activation > ACT_NONE)
		return error("invalid model: unknown activation %d",
			     (int)s->activation);
	if (!(s->dropout >= 0 && s->dropout < 1))
		return error("invalid model: dropout must be in [0, 1), got %g",
			     s->dropout);
	if (s->type == MODEL_MLP)
		return check_sizes(s->hidden, s->nhidden, "hidden");
	if (is_rnn(s)) {
		if (s->nhidden < 1 || s->hidden[0] < 1)
			return error("invalid model: %s needs a hidden size "
				     ">= 1", s->type == MODEL_LSTM ? "lstm" :
				     "gru");
		if (s->layers < 1 || s->layers > 1024)
			return error("invalid model: layers must be in "
				     "[1, 1024], got %d", s->layers);
		return check_sizes(s->head, s->nhead, "head");
	}
	return 0;
}

static void
add_tensor(struct model *m, char *name, int d0, int d1)
{
	struct tensor_info *t = &m->tensors[m->ntensors++];

	t->name = name;
	t->ndim = d1 ? 2 : 1;
	t->shape[0] = d0;
	t->shape[1] = d1;
	t->offset = m->nparams;
	t->count = (size_t)d0 * (d1 ? (size_t)d1 : 1);
	m->nparams += t->count;
}

/* Layer sizes and activations of the dense chain; returns its length. */
static int
dense_shapes(const struct model_spec *s, int *in, int *out,
	     enum activation *act)
{
	int n = 0, width = is_rnn(s) ? s->hidden[0] : s->inputs * s->steps;
	const int *sizes = s->type == MODEL_MLP ? s->hidden : s->head;
	int nsizes = s->type == MODEL_MLP ? s->nhidden :
		     is_rnn(s) ? s->nhead : 0;

	for (int i = 0; i < nsizes; i++, n++) {
		in[n] = width;
		out[n] = sizes[i];
		act[n] = s->activation;
		width = sizes[i];
	}
	in[n] = width;
	out[n] = s->outputs;
	act[n] = ACT_NONE;
	return n + 1;
}

struct model *
model_new(const struct model_spec *spec)
{
	int in[CONFIG_MAX_LAYERS + 1], out[CONFIG_MAX_LAYERS + 1];
	enum activation act[CONFIG_MAX_LAYERS + 1];
	struct model *m;
	const char *rname;
	size_t first, maxb, seq;
	int I, T;

	if (check_spec(spec) < 0)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->spec = *spec;
	I = spec->inputs;
	T = spec->steps;
	maxb = (size_t)spec->max_batch;
	m->ndense = dense_shapes(spec, in, out, act);
	m->nrnn = is_rnn(spec) ? spec->layers : 0;
	m->H = is_rnn(spec) ? spec->hidden[0] : 0;
	m->tensors = xcalloc(4 * (size_t)m->nrnn + 2 * (size_t)m->ndense,
			     sizeof(*m->tensors));

	/* the tensor table fixes the layout of the parameter block */
	rname = spec->type == MODEL_LSTM ? "lstm" : "gru";
	for (int l = 0; l < m->nrnn; l++) {
		int lin = l ? m->H : I, G = spec->type == MODEL_LSTM ? 4 : 3;

		add_tensor(m, xasprintf("%s.%d.weight_ih", rname, l), lin,
			   G * m->H);
		add_tensor(m, xasprintf("%s.%d.weight_hh", rname, l), m->H,
			   G * m->H);
		if (spec->type == MODEL_LSTM) {
			add_tensor(m, xasprintf("lstm.%d.bias", l), G * m->H,
				   0);
		} else {
			add_tensor(m, xasprintf("gru.%d.bias_ih", l),
				   G * m->H, 0);
			add_tensor(m, xasprintf("gru.%d.bias_hh", l),
				   G * m->H, 0);
		}
	}
	first = m->ntensors;
	for (int i = 0; i < m->ndense; i++) {
		char *w, *b;

		if (i == m->ndense - 1) {
			w = xstrdup("out.weight");
			b = xstrdup("out.bias");
		} else {
			const char *p = spec->type == MODEL_MLP ? "mlp" :
					"head";

			w = xasprintf("%s.%d.weight", p, i);
			b = xasprintf("%s.%d.bias", p, i);
		}
		add_tensor(m, w, in[i], out[i]);
		add_tensor(m, b, out[i], 0);
	}
	m->params = nn_alloc(m->nparams);
	m->grads = nn_alloc(m->nparams);

	/* recurrent layers */
	seq = (size_t)T * maxb * m->H;
	if (spec->type == MODEL_LSTM)
		m->lstm = xcalloc((size_t)m->nrnn, sizeof(*m->lstm));
	if (spec->type == MODEL_GRU)
		m->gru = xcalloc((size_t)m->nrnn, sizeof(*m->gru));
	for (int l = 0; l < m->nrnn; l++) {
		size_t o = m->tensors[(spec->type == MODEL_LSTM ? 3 : 4) *
				      (size_t)l].offset;
		int lin = l ? m->H : I;

		if (m->lstm)
			lstm_init(&m->lstm[l], lin, m->H, T, spec->max_batch,
				  m->params + o, m->grads + o);
		else
			gru_init(&m->gru[l], lin, m->H, T, spec->max_batch,
				 m->params + o, m->grads + o);
	}
	if (m->nrnn) {
		m->xt = nn_alloc((size_t)T * maxb * I);
		m->hgrad = nn_alloc(maxb * m->H);
		if (m->nrnn > 1)
			m->seqgrad = nn_alloc(seq);
		m->rmask = xcalloc((size_t)m->nrnn, sizeof(*m->rmask));
		m->rdrop = xcalloc((size_t)m->nrnn, sizeof(*m->rdrop));
		for (int l = 0; spec->dropout > 0 && l < m->nrnn - 1; l++) {
			m->rmask[l] = nn_alloc(seq);
			m->rdrop[l] = nn_alloc(seq);
		}
	} else {
		m->xin = nn_alloc(maxb * (size_t)I * T);
	}

	/* dense chain */
	m->dense = xcalloc((size_t)m->ndense, sizeof(*m->dense));
	m->din = xcalloc((size_t)m->ndense, sizeof(*m->din));
	m->y = xcalloc((size_t)m->ndense, sizeof(*m->y));
	m->z = xcalloc((size_t)m->ndense, sizeof(*m->z));
	m->dy = xcalloc((size_t)m->ndense, sizeof(*m->dy));
	m->mask = xcalloc((size_t)m->ndense, sizeof(*m->mask));
	m->drop = xcalloc((size_t)m->ndense, sizeof(*m->drop));
	for (int i = 0; i < m->ndense; i++) {
		size_t o = m->tensors[first + 2 * (size_t)i].offset;
		size_t n = maxb * (size_t)out[i];

		dense_init(&m->dense[i], in[i], out[i], act[i], m->params + o,
			   m->grads + o);
		m->y[i] = nn_alloc(n);
		if (act[i] == ACT_GELU)
			m->z[i] = nn_alloc(n);
		if (i == m->ndense - 1)
			continue;
		m->dy[i] = nn_alloc(n);
		if (spec->type == MODEL_MLP && spec->dropout > 0) {
			m->mask[i] = nn_alloc(n);
			m->drop[i] = nn_alloc(n);
		}
	}
	return m;
}

void
model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ntensors; i++)
		free((char *)m->tensors[i].name);
	free(m->tensors);
	for (int l = 0; l < m->nrnn; l++) {
		if (m->lstm)
			lstm_release(&m->lstm[l]);
		else
			gru_release(&m->gru[l]);
		free(m->rmask[l]);
		free(m->rdrop[l]);
	}
	free(m->lstm);
	free(m->gru);
	free(m->rmask);
	free(m->rdrop);
	free(m->xt);
	free(m->hgrad);
	free(m->seqgrad);
	free(m->xin);
	for (int i = 0; i < m->ndense; i++) {
		free(m->y[i]);
		free(m->z[i]);
		free(m->dy[i]);
		free(m->mask[i]);
		free(m->drop[i]);
	}
	free(m->dense);
	free(m->din);
	free(m->y);
	free(m->z);
	free(m->dy);
	free(m->mask);
	free(m->drop);
	free(m->params);
	free(m->grads);
	free(m);
}

void
model_init_weights(struct model *m, struct rng *r)
{
	for (int l = 0; l < m->nrnn; l++) {
		if (m->lstm)
			lstm_init_weights(&m->lstm[l], r);
		else
			gru_init_weights(&m->gru[l], r);
	}
	for (int i = 0; i < m->ndense; i++)
		dense_init_weights(&m->dense[i], r);
}

size_t
model_nparams(const struct model *m)
{
	return m->nparams;
}

real *
model_params(struct model *m)
{
	return m->params;
}

real *
model_grads(struct model *m)
{
	return m->grads;
}

size_t
model_ntensors(const struct model *m)
{
	return m->ntensors;
}

const struct tensor_info *
model_tensor(const struct model *m, size_t i)
{
	return i < m->ntensors ? &m->tensors[i] : NULL;
}

/* x (B, T, I) -> xt (T, B, I) */
static void
to_time_major(const real *x, real *xt, int B, int T, int I)
{
	for (int b = 0; b < B; b++)
		for (int t = 0; t < T; t++)
			memcpy(xt + ((size_t)t * B + b) * I,
			       x + ((size_t)b * T + t) * I,
			       (size_t)I * sizeof(*xt));
}

/* Run the recurrent layers; returns the last step's h, (B, H). */
static const real *
rnn_forward(struct model *m, const real *x, int B, struct rng *r)
{
	int T = m->spec.steps;
	size_t n = (size_t)T * B * m->H;
	const real *in = m->xt, *h = NULL;

	to_time_major(x, m->xt, B, T, m->spec.inputs);
	for (int l = 0; l < m->nrnn; l++) {
		if (m->lstm)
			h = lstm_forward(&m->lstm[l], in, B);
		else
			h = gru_forward(&m->gru[l], in, B);
		in = h;
		if (m->dropped && l < m->nrnn - 1) {
			dropout_mask(m->rmask[l], n, m->spec.dropout, r);
			dropout_apply(h, m->rmask[l], m->rdrop[l], n);
			in = m->rdrop[l];
		}
	}
	return h + (size_t)(T - 1) * B * m->H;
}

const real *
model_forward(struct model *m, const real *x, int B, int training,
	      struct rng *r)
{
	const real *in;

	assert(B >= 1 && B <= m->spec.max_batch);
	m->B = B;
	m->dropped = training && m->spec.dropout > 0;
	assert(!m->dropped || r);
	if (m->nrnn) {
		in = rnn_forward(m, x, B, r);
	} else {
		memcpy(m->xin, x, (size_t)B * m->spec.inputs * m->spec.steps *
		       sizeof(*x));
		in = m->xin;
	}
	for (int i = 0; i < m->ndense; i++) {
		size_t n = (size_t)B * m->dense[i].out;

		m->din[i] = in;
		dense_forward(&m->dense[i], in, B, m->y[i], m->z[i]);
		in = m->y[i];
		if (m->dropped && m->drop[i]) {
			dropout_mask(m->mask[i], n, m->spec.dropout, r);
			dropout_apply(m->y[i], m->mask[i], m->drop[i], n);
			in = m->drop[i];
		}
	}
	m->can_backward = training;
	return m->y[m->ndense - 1];
}

void
model_backward(struct model *m, const real *dout)
{
	const real *g = dout, *dylast;
	int B = m->B;

	assert(m->can_backward);
	m->can_backward = 0;
	for (int i = m->ndense - 1; i >= 0; i--) {
		real *dx = i ? m->dy[i - 1] : m->nrnn ? m->hgrad : NULL;

		dense_backward(&m->dense[i], m->din[i], m->y[i], m->z[i], g,
			       m->dy[i], B, dx);
		if (i && m->dropped && m->drop[i - 1])
			dropout_apply(dx, m->mask[i - 1], dx,
				      (size_t)B * m->dense[i - 1].out);
		g = dx;
	}
	g = NULL;
	dylast = m->hgrad;
	for (int l = m->nrnn - 1; l >= 0; l--) {
		real *dx = l ? m->seqgrad : NULL;

		if (m->lstm)
			lstm_backward(&m->lstm[l], g, dylast, dx);
		else
			gru_backward(&m->gru[l], g, dylast, dx);
		if (l && m->dropped)
			dropout_apply(dx, m->rmask[l - 1], dx,
				      (size_t)m->spec.steps * B * m->H);
		g = dx;
		dylast = NULL;
	}
}

double
model_flops_per_sample(const struct model *m)
{
	double f = 0;
	int T = m->spec.steps;

	for (int l = 0; l < m->nrnn; l++) {
		int lin = l ? m->H : m->spec.inputs;

		if (m->lstm)
			f += lstm_flops(lin, m->H, T, l > 0);
		else
			f += gru_flops(lin, m->H, T, l > 0);
	}
	for (int i = 0; i < m->ndense; i++)
		f += dense_flops(m->dense[i].in, m->dense[i].out,
				 i > 0 || m->nrnn > 0);
	return f;
}

static void
summary_line(struct strbuf *out, const char *name, const char *shapes,
	     const char *extra, size_t nparams)
{
	sb_addf(out, "%-10s %-30s %10zu params%s%s\n", name, shapes, nparams,
		*extra ? "  " : "", extra);
}

void
model_summary(const struct model *m, struct strbuf *out)
{
	const struct model_spec *s = &m->spec;
	char shapes[96], extra[64], name[32];

	for (int l = 0; l < m->nrnn; l++) {
		int lin = l ? m->H : s->inputs;
		int drop = s->dropout > 0 && l < m->nrnn - 1;

		snprintf(name, sizeof(name), "%s.%d",
			 m->lstm ? "lstm" : "gru", l);
		snprintf(shapes, sizeof(shapes), "(B, %d, %d) -> (B, %d, %d)",
			 s->steps, lin, s->steps, m->H);
		if (drop)
			snprintf(extra, sizeof(extra), "dropout %g",
				 s->dropout);
		else
			snprintf(extra, sizeof(extra), "%s",
				 l == m->nrnn - 1 ? "last step" : "");
		summary_line(out, name, shapes, extra, m->lstm ?
			     lstm_nparams(lin, m->H) : gru_nparams(lin, m->H));
	}
	for (int i = 0; i < m->ndense; i++) {
		const struct dense *d = &m->dense[i];
		int last = i == m->ndense - 1;

		if (last)
			snprintf(name, sizeof(name), "out");
		else
			snprintf(name, sizeof(name), "%s.%d",
				 s->type == MODEL_MLP ? "mlp" : "head", i);
		if (i == 0 && !m->nrnn && s->steps > 1)
			snprintf(shapes, sizeof(shapes),
				 "(B, %d, %d) -> (B, %d)", s->steps,
				 s->inputs, d->out);
		else
			snprintf(shapes, sizeof(shapes), "(B, %d) -> (B, %d)",
				 d->in, d->out);
		extra[0] = 0;
		if (!last && m->drop[i])
			snprintf(extra, sizeof(extra), "%s, dropout %g",
				 act_label(d->act), s->dropout);
		else if (!last)
			snprintf(extra, sizeof(extra), "%s",
				 act_label(d->act));
		summary_line(out, name, shapes, extra,
			     dense_nparams(d->in, d->out));
	}
	sb_addf(out, "%zu parameters\n", m->nparams);
}
