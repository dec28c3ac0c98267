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
 * Data parallelism: a batch is cut into chunks of `rows` samples (from
 * max_batch only, see model.h), and each chunk runs forward and backward
 * on one thread with its own copy of the layers: they share the
 * parameters, and each chunk has its own gradient block (chunk 0's is the
 * model's) and its own recurrent workspace. The chunks' gradients are then
 * summed element by element in chunk order. Nothing a chunk computes
 * depends on which thread runs it or on how many there are, so results
 * are the same for any thread count. Dropout masks are drawn for the
 * whole batch before the chunks run, in the order a single pass would.
 * An mlp's dense layers from MODEL_SPLIT_MIN inputs sum their forward in
 * two blocks of inputs (layers.h), so that mlpsplit.c can also run them
 * by blocks of weight rows on two threads, to the same bits.
 *
 * Buffers of the dense chain, for layer i, (B, out) for the whole batch
 * (a chunk works on its rows): y[i] its output (the last is the model's
 * output), z[i] the pre-activation (gelu only), dy[i] the gradient by
 * y[i], turned in place into the gradient by the pre-activation; with
 * dropout after it (mlp, training), mask[i] and the dropped output
 * drop[i]. An RNN chunk first copies its (rows, T, I) input time-major,
 * runs the layers (dropout between them), and feeds the last step's h
 * (rows, H) to the dense chain.
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
#include "runner/train/mlpsplit.h"

/*
 * One chunk's view of the network: layers that point at the shared
 * parameters and at this chunk's gradient block, and its workspace.
 */
struct chunk {
	real *grads;		/* (nparams); chunk 0's is the model's */
	struct lstm *lstm;	/* [nrnn], or NULL */
	struct gru *gru;	/* [nrnn], or NULL */
	struct dense *dense;	/* [ndense] */
	const real **din;	/* [ndense] input of each layer, last forward */
	real *xt;		/* (T, rows, I): the input, time-major */
	real **rdrop;		/* [nrnn - 1] (T, rows, H), dropout only */
	real *hgrad;		/* (rows, H): gradient by the last h */
	real *seqgrad;		/* (T, rows, H): gradient by a sequence */
	real *work;		/* (rows, widest out): split sums, or NULL */
	int can_backward;	/* a training forward not yet back-propagated */
};

struct model {
	struct model_spec spec;
	size_t nparams;
	real *params;		/* (nparams) */
	real *grads;		/* (nparams) */
	struct tensor_info *tensors;
	size_t ntensors;

	int rows;		/* samples in a chunk (the last may be short) */
	int maxchunks;		/* chunks of max_batch */
	struct chunk *chunks;	/* [maxchunks] */

	int nrnn, H;		/* recurrent layers of H units (lstm, gru) */
	real **rmask;		/* [nrnn - 1] (T, max_batch, H), dropout only */

	int ndense;		/* dense chain */
	real *xin;		/* (max_batch, T*I): mlp/linear input copy */
	real **y, **z, **dy, **mask, **drop;	/* [ndense], see above */

	struct mlpsplit *split;	/* by blocks of rows (mlpsplit.h), or NULL */

	const real *x;		/* input of the forward under way, borrowed */
	int B;			/* batch of the last forward */
	int nchunks;		/* its chunks */
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

int
model_chunk_rows(int max_batch)
{
	int rows = (max_batch + MODEL_MAX_CHUNKS - 1) / MODEL_MAX_CHUNKS;

	if (rows < MODEL_CHUNK_ROWS)
		rows = MODEL_CHUNK_ROWS;
	if (max_batch < 2 * rows)
		rows = (max_batch + 1) / 2;
	return rows > MODEL_MIN_ROWS ? rows : MODEL_MIN_ROWS;
}

/* Whether running spec by blocks pays (model.h). */
static int
split_pays(const struct model_spec *spec)
{
	double weights = 0, outs = 0;
	int width = spec->inputs * spec->steps;

	for (int i = 0; i <= spec->nhidden; i++) {
		int out = i < spec->nhidden ? spec->hidden[i] : spec->outputs;

		weights += (double)width * out;
		outs += out;
		width = out;
	}
	return weights >= MODEL_SPLIT_RATIO * (double)spec->max_batch * outs;
}

int
model_split_at(const struct model_spec *spec, int in)
{
	if (spec->type != MODEL_MLP || in < MODEL_SPLIT_MIN ||
	    spec->split == MODEL_SPLIT_NEVER)
		return 0;
	if (spec->split != MODEL_SPLIT_ALWAYS && !split_pays(spec))
		return 0;
	return (in / 2 + 8) / 16 * 16;
}

static int
widest(const int *v, int n)
{
	int w = 0;

	for (int i = 0; i < n; i++)
		w = v[i] > w ? v[i] : w;
	return w;
}

/*
 * Set up chunk ch with gradient block grads: its layers (the dense ones
 * from first in the tensor table, sizes in, out, act) and its workspace
 * for m->rows samples.
 */
static void
chunk_init(const struct model *m, struct chunk *ch, real *grads,
	   size_t first, const int *in, const int *out,
	   const enum activation *act)
{
	const struct model_spec *spec = &m->spec;
	int T = spec->steps, I = spec->inputs;
	size_t seq = (size_t)T * m->rows * m->H;

	ch->grads = grads;
	if (spec->type == MODEL_LSTM)
		ch->lstm = xcalloc((size_t)m->nrnn, sizeof(*ch->lstm));
	if (spec->type == MODEL_GRU)
		ch->gru = xcalloc((size_t)m->nrnn, sizeof(*ch->gru));
	for (int l = 0; l < m->nrnn; l++) {
		size_t o = m->tensors[(ch->lstm ? 3 : 4) * (size_t)l].offset;
		int lin = l ? m->H : I;

		if (ch->lstm)
			lstm_init(&ch->lstm[l], lin, m->H, T, m->rows,
				  m->params + o, grads + o);
		else
			gru_init(&ch->gru[l], lin, m->H, T, m->rows,
				 m->params + o, grads + o);
	}
	if (m->nrnn) {
		ch->xt = nn_alloc((size_t)T * m->rows * I);
		ch->hgrad = nn_alloc((size_t)m->rows * m->H);
		if (m->nrnn > 1)
			ch->seqgrad = nn_alloc(seq);
		ch->rdrop = xcalloc((size_t)m->nrnn, sizeof(*ch->rdrop));
		for (int l = 0; spec->dropout > 0 && l < m->nrnn - 1; l++)
			ch->rdrop[l] = nn_alloc(seq);
	}
	ch->dense = xcalloc((size_t)m->ndense, sizeof(*ch->dense));
	ch->din = xcalloc((size_t)m->ndense, sizeof(*ch->din));
	for (int i = 0; i < m->ndense; i++) {
		size_t o = m->tensors[first + 2 * (size_t)i].offset;

		dense_init(&ch->dense[i], in[i], out[i], act[i],
			   m->params + o, grads + o);
		ch->dense[i].split = model_split_at(spec, in[i]);
		if (ch->dense[i].split && !ch->work)
			ch->work = nn_alloc((size_t)m->rows * widest(out,
					    m->ndense));
	}
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

	m->rows = model_chunk_rows(spec->max_batch);
	m->maxchunks = (spec->max_batch + m->rows - 1) / m->rows;
	m->chunks = xcalloc((size_t)m->maxchunks, sizeof(*m->chunks));
	for (int c = 0; c < m->maxchunks; c++)
		chunk_init(m, &m->chunks[c], c ? nn_alloc(m->nparams) :
			   m->grads, first, in, out, act);

	/* buffers of the whole batch */
	seq = (size_t)T * maxb * m->H;
	if (m->nrnn) {
		m->rmask = xcalloc((size_t)m->nrnn, sizeof(*m->rmask));
		for (int l = 0; spec->dropout > 0 && l < m->nrnn - 1; l++)
			m->rmask[l] = nn_alloc(seq);
	} else {
		m->xin = nn_alloc(maxb * (size_t)I * T);
	}
	m->y = xcalloc((size_t)m->ndense, sizeof(*m->y));
	m->z = xcalloc((size_t)m->ndense, sizeof(*m->z));
	m->dy = xcalloc((size_t)m->ndense, sizeof(*m->dy));
	m->mask = xcalloc((size_t)m->ndense, sizeof(*m->mask));
	m->drop = xcalloc((size_t)m->ndense, sizeof(*m->drop));
	for (int i = 0; i < m->ndense; i++) {
		size_t n = maxb * (size_t)out[i];

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
	if (spec->type == MODEL_MLP)
		m->split = mlpsplit_new(m->chunks[0].dense, m->ndense,
					m->params, spec->max_batch,
					spec->dropout > 0);
	return m;
}

static void
chunk_release(const struct model *m, struct chunk *ch)
{
	for (int l = 0; l < m->nrnn; l++) {
		if (ch->lstm)
			lstm_release(&ch->lstm[l]);
		else
			gru_release(&ch->gru[l]);
		free(ch->rdrop[l]);
	}
	free(ch->lstm);
	free(ch->gru);
	free(ch->rdrop);
	free(ch->xt);
	free(ch->hgrad);
	free(ch->seqgrad);
	free(ch->work);
	free(ch->dense);
	free(ch->din);
	if (ch->grads != m->grads)
		free(ch->grads);
}

void
model_free(struct model *m)
{
	if (!m)
		return;
	mlpsplit_free(m->split);
	for (size_t i = 0; i < m->ntensors; i++)
		free((char *)m->tensors[i].name);
	free(m->tensors);
	for (int c = 0; c < m->maxchunks; c++)
		chunk_release(m, &m->chunks[c]);
	free(m->chunks);
	for (int l = 0; l < m->nrnn; l++)
		free(m->rmask[l]);
	free(m->rmask);
	free(m->xin);
	for (int i = 0; i < m->ndense; i++) {
		free(m->y[i]);
		free(m->z[i]);
		free(m->dy[i]);
		free(m->mask[i]);
		free(m->drop[i]);
	}
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
	const struct chunk *ch = &m->chunks[0];

	for (int l = 0; l < m->nrnn; l++) {
		if (ch->lstm)
			lstm_init_weights(&ch->lstm[l], r);
		else
			gru_init_weights(&ch->gru[l], r);
	}
	for (int i = 0; i < m->ndense; i++)
		dense_init_weights(&ch->dense[i], r);
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

/*
 * y = x * mask for the n samples of a chunk from sample b0: x and y are
 * the chunk's (T, n, H), mask is the batch's (T, B, H). y may be x.
 */
static void
seq_dropout(const struct model *m, const real *x, const real *mask, real *y,
	    int b0, int n)
{
	size_t nh = (size_t)n * m->H;

	for (int t = 0; t < m->spec.steps; t++)
		dropout_apply(x + t * nh, mask + ((size_t)t * m->B + b0) *
			      m->H, y + t * nh, nh);
}

/* Run chunk ch's recurrent layers; returns the last step's h, (n, H). */
static const real *
rnn_forward(struct model *m, struct chunk *ch, int b0, int n)
{
	int T = m->spec.steps, I = m->spec.inputs;
	const real *in = ch->xt, *h = NULL;

	to_time_major(m->x + (size_t)b0 * T * I, ch->xt, n, T, I);
	for (int l = 0; l < m->nrnn; l++) {
		if (ch->lstm)
			h = lstm_forward(&ch->lstm[l], in, n);
		else
			h = gru_forward(&ch->gru[l], in, n);
		in = h;
		if (m->dropped && l < m->nrnn - 1) {
			seq_dropout(m, h, m->rmask[l], ch->rdrop[l], b0, n);
			in = ch->rdrop[l];
		}
	}
	return h + (size_t)(T - 1) * n * m->H;
}

void
model_chunk_span(const struct model *m, int c, int *b0, int *n)
{
	*b0 = c * m->rows;
	*n = m->B - *b0 < m->rows ? m->B - *b0 : m->rows;
}

int
model_forward_begin(struct model *m, const real *x, int B, int training,
		    struct rng *r)
{
	double p = m->spec.dropout;

	assert(B >= 1 && B <= m->spec.max_batch);
	m->x = x;
	m->B = B;
	m->nchunks = (B + m->rows - 1) / m->rows;
	m->dropped = training && p > 0;
	m->can_backward = training;
	assert(!m->dropped || r);
	if (m->split && training)
		mlpsplit_begin(m->split, x, B, m->rows, m->dropped ?
			       (const real *const *)m->mask : NULL);
	for (int l = 0; m->dropped && l < m->nrnn - 1; l++)
		dropout_mask(m->rmask[l], (size_t)m->spec.steps * B * m->H, p,
			     r);
	for (int i = 0; m->dropped && i < m->ndense; i++)
		if (m->drop[i])
			dropout_mask(m->mask[i], (size_t)B *
				     m->chunks[0].dense[i].out, p, r);
	return m->nchunks;
}

void
model_forward_chunk(struct model *m, int c)
{
	struct chunk *ch = &m->chunks[c];
	size_t w = (size_t)m->spec.steps * m->spec.inputs;
	const real *in;
	int b0, n;

	assert(c >= 0 && c < m->nchunks);
	model_chunk_span(m, c, &b0, &n);
	if (m->nrnn) {
		in = rnn_forward(m, ch, b0, n);
	} else {
		memcpy(m->xin + b0 * w, m->x + b0 * w, n * w * sizeof(*in));
		in = m->xin + b0 * w;
	}
	for (int i = 0; i < m->ndense; i++) {
		size_t o = (size_t)b0 * ch->dense[i].out;
		size_t k = (size_t)n * ch->dense[i].out;

		ch->din[i] = in;
		dense_forward(&ch->dense[i], in, n, m->y[i] + o,
			      m->z[i] ? m->z[i] + o : NULL, ch->work);
		in = m->y[i] + o;
		if (m->dropped && m->drop[i]) {
			dropout_apply(m->y[i] + o, m->mask[i] + o,
				      m->drop[i] + o, k);
			in = m->drop[i] + o;
		}
	}
	ch->can_backward = m->can_backward;
}

const real *
model_output(const struct model *m)
{
	return m->y[m->ndense - 1];
}

const real *
model_forward(struct model *m, const real *x, int B, int training,
	      struct rng *r)
{
	int nc = model_forward_begin(m, x, B, training, r);

	#pragma omp parallel for schedule(dynamic, 1) if (nc > 1)
	for (int c = 0; c < nc; c++)
		model_forward_chunk(m, c);
	return model_output(m);
}

void
model_backward_chunk(struct model *m, int c, const real *dout)
{
	struct chunk *ch = &m->chunks[c];
	const real *g, *dylast;
	int b0, n;

	assert(c >= 0 && c < m->nchunks && ch->can_backward);
	ch->can_backward = 0;
	model_chunk_span(m, c, &b0, &n);
	g = dout + (size_t)b0 * ch->dense[m->ndense - 1].out;
	for (int i = m->ndense - 1; i >= 0; i--) {
		const struct dense *d = &ch->dense[i];
		size_t o = (size_t)b0 * d->out;
		real *dx = NULL;

		if (i)
			dx = m->dy[i - 1] + (size_t)b0 * d->in;
		else if (m->nrnn)
			dx = ch->hgrad;
		dense_backward(d, ch->din[i], m->y[i] + o,
			       m->z[i] ? m->z[i] + o : NULL, g,
			       m->dy[i] ? m->dy[i] + o : NULL, n, dx);
		if (i && m->dropped && m->drop[i - 1])
			dropout_apply(dx, m->mask[i - 1] + (size_t)b0 * d->in,
				      dx, (size_t)n * d->in);
		g = dx;
	}
	g = NULL;
	dylast = ch->hgrad;
	for (int l = m->nrnn - 1; l >= 0; l--) {
		real *dx = l ? ch->seqgrad : NULL;

		if (ch->lstm)
			lstm_backward(&ch->lstm[l], g, dylast, dx);
		else
			gru_backward(&ch->gru[l], g, dylast, dx);
		if (l && m->dropped)
			seq_dropout(m, dx, m->rmask[l - 1], dx, b0, n);
		g = dx;
		dylast = NULL;
	}
}

void
model_sum_grads(struct model *m, size_t i0, size_t i1)
{
	real *restrict g = m->grads;

	for (int c = 1; c < m->nchunks; c++) {
		const real *restrict gc = m->chunks[c].grads;

		#pragma omp simd
		for (size_t i = i0; i < i1; i++)
			g[i] += gc[i];
	}
}

void
model_backward(struct model *m, const real *dout)
{
	int nc = m->nchunks;

	assert(m->can_backward);
	m->can_backward = 0;
	#pragma omp parallel if (nc > 1)
	{
		size_t lo, hi;

		#pragma omp for schedule(dynamic, 1)
		for (int c = 0; c < nc; c++)
			model_backward_chunk(m, c, dout);
		nn_split(m->nparams, &lo, &hi);
		model_sum_grads(m, lo, hi);
	}
}

struct mlpsplit *
model_mlpsplit(const struct model *m)
{
	return m->split;
}

double
model_flops_per_sample(const struct model *m)
{
	double f = 0;
	int T = m->spec.steps;

	for (int l = 0; l < m->nrnn; l++) {
		int lin = l ? m->H : m->spec.inputs;

		if (m->spec.type == MODEL_LSTM)
			f += lstm_flops(lin, m->H, T, l > 0);
		else
			f += gru_flops(lin, m->H, T, l > 0);
	}
	for (int i = 0; i < m->ndense; i++)
		f += dense_flops(m->chunks[0].dense[i].in,
				 m->chunks[0].dense[i].out,
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
			 s->type == MODEL_LSTM ? "lstm" : "gru", l);
		snprintf(shapes, sizeof(shapes), "(B, %d, %d) -> (B, %d, %d)",
			 s->steps, lin, s->steps, m->H);
		if (drop)
			snprintf(extra, sizeof(extra), "dropout %g",
				 s->dropout);
		else
			snprintf(extra, sizeof(extra), "%s",
				 l == m->nrnn - 1 ? "last step" : "");
		summary_line(out, name, shapes, extra, s->type == MODEL_LSTM ?
			     lstm_nparams(lin, m->H) : gru_nparams(lin, m->H));
	}
	for (int i = 0; i < m->ndense; i++) {
		const struct dense *d = &m->chunks[0].dense[i];
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
