/*
 * ckptfile.h - the checkpoint file format: one archive with everything a
 * run needs to go on exactly where it stopped, written and read back.
 * When checkpoints are written and which are kept is ckptdir.h's business.
 *
 * A checkpoint is one tar.zst archive (written atomically by arc_write)
 * of four members:
 *
 *   model.safetensors      the weights, named as in model.tar.zst
 *   optimizer.safetensors  the moments "m" (n) and, for adam/adamw, "v"
 *                          (n); metadata "optimizer" and "step"
 *   best.safetensors       the weights of the best epoch so far
 *   state.json             format, version, config hash, counters, RNG
 *                          states, early stopping, schedule position,
 *                          normalization statistics and the checksums
 *
 * Doubles that must come back bit for bit (losses, the lr, normalization
 * statistics) are stored as C99 hexadecimal strings ("%a": "0x1.8p-3",
 * "inf", "nan"); RNG words as 16 hex digits. The checksum of each
 * safetensors member is FNV-1a 64 of its bytes (offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3), as 16 hex digits, because
 * libarchive's zstd frames carry no checksum of their own.
 *
 * The full layout is in docs/formats.md, "Checkpoints".
 */
#ifndef SPOOLBOARD_CKPTFILE_H
#define SPOOLBOARD_CKPTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "runner/train/model.h"
#include "runner/train/nn.h"
#include "lib/rng.h"

#define CHECKPOINT_FORMAT "spoolboard-checkpoint"
#define CHECKPOINT_VERSION 1

/*
 * The caller fills the first group (what the run is) before both write
 * and read; the arrays are borrowed. ckptfile_write() saves the second
 * group and the arrays; ckptfile_read() checks the checkpoint against
 * the first group and fills the second and the arrays.
 */
struct checkpoint {
	/* what the run is */
	const char *config_hash;		/* 16 hex digits */
	const struct tensor_info *tensors;	/* (ntensors), see model.h */
	size_t ntensors;
	size_t nparams;
	const char *optimizer;		/* optimizer type name */
	int nfeat, ntarg;
	const double *x_mean, *x_std;	/* (nfeat) */
	const double *y_mean, *y_std;	/* (ntarg) */
	int epochs;		/* the config's epochs; 0: not checked */
	long batches;		/* batches per epoch; 0: not checked */

	/* the arrays, (nparams) each; v is NULL when there is no v */
	real *params;		/* the weights now */
	real *best;		/* the weights of the best epoch */
	real *m, *v;		/* optimizer moments */

	/* where the run is */
	int epoch;		/* epochs completed */
	long cursor;		/* batches done in epoch+1; 0: boundary */
	long step;		/* optimizer steps taken by the run */
	long opt_step;		/* the optimizer's own step count */
	double loss_sum;	/* sum of loss*batch over the cursor batches */
	struct rng rng_epoch;	/* the rng before this epoch's shuffle */
	struct rng rng;		/* the rng now */
	double best_val;	/* INFINITY before any epoch */
	int best_epoch, bad_epochs, stopped_early;
	double val_loss, train_loss;	/* of the last completed epoch */
	double lr;		/* the last learning rate used */
	double schedule_pos;	/* epoch + cursor / batches per epoch */
};

/*
 * The n tensors of a model's table over the parameter block p, with
 * metadata (borrowed, may be NULL), as a new safetensors buffer of *len
 * bytes; the caller frees it. Used for checkpoints and model.tar.zst.
 */
char *ckptfile_weights(const struct tensor_info *ti, size_t n,
		       const real *p, const json_t *meta, size_t *len);

/* FNV-1a 64 of n bytes. */
uint64_t ckptfile_fnv1a(const void *data, size_t n);

/*
 * Write ck to path (replaced atomically; the directory must exist).
 * On success, when bytes is not NULL, *bytes is the archive's size.
 * 0, or -1 after error() (the old file, if any, is untouched).
 */
int ckptfile_write(const char *path, const struct checkpoint *ck,
		   size_t *bytes);

/*
 * Read the checkpoint at path into ck. It is checked, in order: it
 * unpacks, has the four members, state.json has the right format and
 * format_version, the config hash equals ck->config_hash, each
 * safetensors member's checksum matches, every tensor is there with its
 * expected size, the optimizer is ck->optimizer, and the normalization
 * statistics equal ck's. The archive is read under a cap derived from
 * ck (ckptfile_max_bytes): a bigger one is damaged and never fully
 * decompressed. Every number read is checked too: epoch within
 * 0..ck->epochs, cursor below ck->batches (0 at the last epoch), step
 * and the early-stopping epochs no further than epoch and cursor allow,
 * losses, lr and schedule position finite (best_val may be +inf); a
 * field out of range is "PATH: state.json: FIELD ...". Nothing in ck changes unless every check
 * passes. 0, or after error() "PATH: REASON" (e.g. "PATH: checksum
 * mismatch in model.safetensors"): -2 when the checkpoint is of another
 * config (its hash differs: "PATH: written for config a1b2..., this is
 * c3d4..."), -1 for any other failure.
 */
int ckptfile_read(const char *path, struct checkpoint *ck);

/*
 * The most bytes a checkpoint for ck may unpack to: its three safetensors
 * members (nparams reals each, at most two tensors in optimizer) with
 * their headers, and state.json, each with room to spare.
 */
size_t ckptfile_max_bytes(const struct checkpoint *ck);


#endif
