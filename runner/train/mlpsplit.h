/*
 * mlpsplit.h - an mlp's forward and backward cut between two threads by
 * blocks of each dense layer's weight rows (model parallelism).
 *
 * Why: in the data-parallel step (step.h) every thread reads all the
 * weights and writes a gradient of them all, so the parameters, their
 * gradients and the summed gradient cross between the cores' caches at
 * every step. Where the two cores are far apart (a virtual machine
 * whose vCPUs sit on different dies, ~500 ns a cache line's round trip)
 * that traffic costs more than the second core gives to a small mlp.
 * Here each of two threads keeps its block of every layer's weights,
 * their gradient and their optimizer moments to itself from step to
 * step; only activations and their gradients (batch x width) cross.
 *
 * How: a dense layer with a split (layers.h, model_split_at) has two
 * blocks of rows of W, [0, split) and [split, in): block b holds those
 * rows of W and dW, and the bias entries and output columns of the next
 * layer's block b of rows (the output layer's block 0 holds all its
 * columns). A layer without a split has all in block 0. Everything a
 * block owns is one contiguous range of the parameter block: on these
 * machines two cores writing interleaved pieces of one array, even on
 * separate cache lines, slow each other down several times (the
 * prefetchers pull the neighbour's lines).
 *
 *   forward of layer l, block b: its rows' sum x[:, rows] W[rows, :]
 *     for each block's columns, into a buffer per (b, columns' block);
 *   barrier; reduce: block b adds the two blocks' sums for its columns,
 *     then bias, activation, dropout: its columns of the layer's output;
 *   backward: block b's columns of the gradient by the pre-activation
 *     and the bias gradient; barrier; then dW for its rows (reading both
 *     blocks' columns of that gradient) and the gradient by its rows of
 *     the layer's input, which are its columns of the layer below.
 *
 * The bits are those of the data-parallel step: a layer's sum over its
 * input is split where dense_forward splits it; dW and db are summed
 * chunk by chunk (model_chunk_rows) in chunk order as model_sum_grads
 * adds chunk gradients; the gradient by the input continues one chain of
 * fused multiply-adds from block 0's columns into block 1's (kernels.h:
 * beta 1 continues the chain), the same chain as one product over all.
 */
#ifndef SPOOLBOARD_MLPSPLIT_H
#define SPOOLBOARD_MLPSPLIT_H

#include <stddef.h>

#include "job/config.h"
#include "runner/train/layers.h"
#include "runner/train/nn.h"

struct mlpsplit;

/*
 * Buffers to run the L dense layers (an mlp's chain, in order) by blocks
 * for batches of up to max_batch, with dropout after the hidden layers
 * when dropout is set; params is the parameter block the layers point
 * into. NULL when no layer has a split. The layers must outlive it (the
 * model makes it: model_mlpsplit). Free with mlpsplit_free.
 */
struct mlpsplit *mlpsplit_new(const struct dense *layers, int L,
			      const real *params, int max_batch, int dropout);
void mlpsplit_free(struct mlpsplit *sp);

/*
 * The forward under way (model_forward_begin calls it): x (B, in of
 * layer 0), chunks of rows samples, mask the dropout masks (B, out) after
 * each layer (NULL entries where none) or NULL without dropout; all
 * borrowed until the backward is done.
 */
void mlpsplit_begin(struct mlpsplit *sp, const real *x, int B, int rows,
		    const real *const *mask);
int mlpsplit_layers(const struct mlpsplit *sp);

/*
 * After mlpsplit_begin, for each layer l in order:
 * mlpsplit_forward(sp, l, b) for both blocks, then (after both are done)
 * mlpsplit_reduce(sp, l, b) for both; a block's reduce must run on the
 * thread that then runs the same block's forward of layer l + 1 (or
 * come before a barrier). mlpsplit_output is then the output (B, outputs).
 */
void mlpsplit_forward(struct mlpsplit *sp, int l, int b);
void mlpsplit_reduce(struct mlpsplit *sp, int l, int b);
const real *mlpsplit_output(const struct mlpsplit *sp);

/*
 * Backward, once dout (B, outputs) holds the gradient by the output:
 * mlpsplit_grad(sp, L - 1, 0, dout); then for each layer l from the last
 * down, once mlpsplit_grad of both blocks of layer l are done,
 * mlpsplit_backward(sp, l, b) for both blocks, each followed on its thread
 * by mlpsplit_grad(sp, l - 1, b, NULL) when l > 0. The gradients land in
 * the layers' dW and db (the model's gradient block).
 */
void mlpsplit_grad(struct mlpsplit *sp, int l, int b, const real *dout);
void mlpsplit_backward(struct mlpsplit *sp, int l, int b);

/*
 * The ranges of the parameter block that block b owns, [i0, i1) pairs:
 * fills r and returns their number (at most MLPSPLIT_MAX_RANGES).
 */
#define MLPSPLIT_MAX_RANGES (2 * (CONFIG_MAX_LAYERS + 1))
int mlpsplit_ranges(const struct mlpsplit *sp, int b, size_t r[][2]);

#endif
