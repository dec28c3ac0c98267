/*
 * model.h - a network built from the config: linear, mlp, lstm or gru.
 *
 *   linear: x -> dense(outputs)
 *   mlp:    x -> [dense(h) -> activation -> dropout]* -> dense(outputs)
 *   lstm/gru: x (B, T, I) -> rnn layers (dropout between them) -> h at the
 *           last step (B, H) -> [dense(h) -> activation]* (head) -> dense(outputs)
 *
 * Flat models read an input of `inputs` values per sample; with steps > 1
 * (a window) an mlp/linear model reads the window flattened (T*I values).
 *
 * All parameters live in one contiguous block (model_params), and so do
 * their gradients (model_grads), in the order of model_tensor(): the
 * optimizer is one loop over the block and a checkpoint a few writes.
 *
 * Tensors, in block order (L: rnn layer, K: mlp/head layer, I: inputs per
 * step or T*I for a flat model, H: hidden size, O: outputs):
 *
 *   lstm.L.weight_ih (I, 4H)  lstm.L.weight_hh (H, 4H)  lstm.L.bias (4H)
 *   gru.L.weight_ih (I, 3H)   gru.L.weight_hh (H, 3H)
 *   gru.L.bias_ih (3H)        gru.L.bias_hh (3H)
 *   mlp.K.weight / head.K.weight (in, out)   mlp.K.bias / head.K.bias (out)
 *   out.weight (in, O)        out.bias (O)
 *
 * Weights are stored (in, out): the transpose of PyTorch's (out, in).
 * Gate blocks follow PyTorch's order (lstm i f g o, gru r z n). The LSTM
 * has one bias where PyTorch has two (bias_ih + bias_hh), so it has 4H
 * fewer parameters per layer than nn.LSTM.
 */
#ifndef SPOOLBOARD_MODEL_H
#define SPOOLBOARD_MODEL_H

#include <stddef.h>

#include "job/config.h"
#include "runner/train/nn.h"
#include "lib/rng.h"
#include "lib/strbuf.h"

/* Whether an mlp's layers get a split (model_split_at). */
enum model_split { MODEL_SPLIT_AUTO, MODEL_SPLIT_NEVER, MODEL_SPLIT_ALWAYS };

struct model_spec {
	enum model_type type;
	int inputs;		/* I: features per step */
	int steps;		/* T: steps per sample (1 without a window) */
	int outputs;		/* width of the output layer (see loss.h) */
	int hidden[CONFIG_MAX_LAYERS];	/* mlp sizes; rnn: hidden[0] */
	int nhidden;
	int layers;		/* rnn layers */
	int head[CONFIG_MAX_LAYERS];
	int nhead;
	enum activation activation;
	double dropout;
	int max_batch;		/* largest B passed to forward */
	enum model_split split;	/* MODEL_SPLIT_AUTO unless testing */
};

/*
 * Data parallelism: a batch is cut into chunks of model_chunk_rows()
 * samples (the last may be shorter), each run forward and backward on one
 * thread, and the chunks' parameter gradients are summed in chunk order.
 * The chunk size depends on max_batch only, never on the thread count,
 * so results are bit-identical for any number of threads.
 *
 * Rows per chunk: MODEL_CHUNK_ROWS; more when that would make more than
 * MODEL_MAX_CHUNKS chunks (each holds a gradient block as large as the
 * model's); fewer, down to MODEL_MIN_ROWS, when it would leave fewer than
 * two. A chunk's products then have 16 to 32 rows or more: fewer would
 * spend more of a step packing weights (every chunk reads all of them)
 * and summing chunk gradients; more would leave threads idle.
 */
#define MODEL_CHUNK_ROWS 32
#define MODEL_MIN_ROWS 16
#define MODEL_MAX_CHUNKS 16

/* One named tensor inside the parameter block. */
struct mlpsplit;

struct tensor_info {
	const char *name;	/* e.g. "lstm.0.weight_ih", "head.1.bias" */
	int ndim;
	int shape[4];
	size_t offset;		/* in elements from model_params() */
	size_t count;
};

/* Fill a spec from the config and the data's shape. */
void model_spec_from_config(struct model_spec *spec, const struct config *cfg,
			    int inputs, int steps, int outputs, int max_batch);

/*
 * Build a model with workspace for max_batch; NULL after error() when the
 * spec is invalid (sizes < 1, dropout outside [0, 1), ...). The weights
 * are zero until model_init_weights. Free with model_free.
 */
struct model *model_new(const struct model_spec *spec);
void model_free(struct model *m);

/*
 * Initialise the weights drawing from r in tensor order, each tensor in
 * storage order: dense weights uniform +-sqrt(6/in) (He) before relu and
 * gelu, else +-sqrt(6/(in+out)) (Xavier; the output layer too); LSTM/GRU
 * weights uniform +-1/sqrt(H) as in PyTorch; biases 0 except the LSTM
 * forget gate's, 1.
 */
void model_init_weights(struct model *m, struct rng *r);

size_t model_nparams(const struct model *m);
real *model_params(struct model *m);
real *model_grads(struct model *m);
size_t model_ntensors(const struct model *m);
/* Tensor i (owned by the model), or NULL when i >= model_ntensors(). */
const struct tensor_info *model_tensor(const struct model *m, size_t i);

/*
 * Forward pass of 1 <= B <= max_batch samples. x is (B, steps, inputs);
 * it is copied, so it need not outlive the call. When training with
 * dropout, masks are drawn from r (sequentially); otherwise r may be NULL
 * (a training forward without dropout draws nothing). Returns the output
 * (B, outputs), owned by the model and valid until the next forward.
 * Allocates nothing. The chunks run on the OpenMP threads.
 */
const real *model_forward(struct model *m, const real *x, int B,
			  int training, struct rng *r);

/*
 * Backward pass for the last forward (which must have been training):
 * dout is (B, outputs), the gradient of the loss by the output. Overwrites
 * model_grads() with the gradient of the loss by every parameter. It uses
 * up what the forward saved (recurrent layers overwrite their saved gates
 * with gradients), so it runs at most once per forward (asserted).
 * Results are bit-identical for any number of OpenMP threads.
 */
void model_backward(struct model *m, const real *dout);

/* Samples in a chunk for batches of up to max_batch (see above). */
int model_chunk_rows(int max_batch);

/*
 * model_forward and model_backward in pieces, for a caller that runs the
 * chunks inside its own parallel region (step.h): model_forward_begin
 * (on one thread) takes the batch as model_forward does, draws the
 * dropout masks and returns the number of chunks. Then for each chunk c,
 * on any thread, model_forward_chunk runs its forward; its output rows
 * are those of model_output() given by model_chunk_span. Once
 * dout's rows of chunk c are written, model_backward_chunk runs its
 * backward (once) into the chunk's gradient block; dout is the whole
 * (B, outputs). When every chunk is done, model_sum_grads sums the
 * chunks' gradients into model_grads(), elements [i0, i1): threads may
 * share the elements out.
 */
int model_forward_begin(struct model *m, const real *x, int B, int training,
			struct rng *r);
void model_forward_chunk(struct model *m, int c);
const real *model_output(const struct model *m);
/* The samples of chunk c of the batch under way: [*b0, *b0 + *n). */
void model_chunk_span(const struct model *m, int c, int *b0, int *n);
void model_backward_chunk(struct model *m, int c, const real *dout);
void model_sum_grads(struct model *m, size_t i0, size_t i1);

/*
 * Where the forward of a dense layer of `in` inputs is cut in two (its
 * split, layers.h), or 0. Only an mlp's layers are cut, at the multiple
 * of 16 nearest the middle of in when in >= MODEL_SPLIT_MIN (the blocks'
 * columns of the layer below then start on a vector), and only
 * when running it by blocks (mlpsplit.h) would move less between two
 * cores than by chunks: with spec->split MODEL_SPLIT_AUTO, when its
 * weights number at least MODEL_SPLIT_RATIO times max_batch times the
 * widths of its layers' outputs summed. (By blocks, each layer's outputs
 * and their gradients cross, about 2 * max_batch * out values; by chunks
 * the weights, their gradients and the summed gradient, about 3 * in *
 * out; the barriers of each layer tip the balance further. Measured on
 * a far-apart pair of vCPUs: the mlp 100-256-256-3 at batch 32, ratio
 * 5.6, gains by blocks; 32-128-128-1 at 64, ratio 1.3, and 64-64-1 at
 * 32, ratio 2, lose.) MODEL_SPLIT_ALWAYS and _NEVER force it either way.
 * It depends on the spec alone, never on threads, so the results do not
 * depend on who runs the two blocks.
 */
#define MODEL_SPLIT_MIN 32
#define MODEL_SPLIT_RATIO 4
int model_split_at(const struct model_spec *spec, int in);

/*
 * The model's mlpsplit.h buffers, made by model_new (owned by the model),
 * or NULL when it has no layer with a split. A training forward begun
 * with model_forward_begin may be run with them instead of by chunks.
 */
struct mlpsplit *model_mlpsplit(const struct model *m);

/*
 * Floating-point operations of one forward+backward sample (for GFLOP/s):
 * the matrix products only, as done (the first layer computes no input
 * gradient).
 */
double model_flops_per_sample(const struct model *m);

/* Append a human summary: one line per layer with shapes, then the total
 * parameter count. */
void model_summary(const struct model *m, struct strbuf *out);

#endif
