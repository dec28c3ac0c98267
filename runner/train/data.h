/*
 * data.h - a job's data: CSV in, normalized samples out, split three ways.
 *
 * data_load() reads data.path (below the data root; .gz, .zst and .xz are
 * decompressed through lib/arc), picks the feature and target columns
 * (names, or a PCRE2 pattern over the header), converts cells to numbers
 * (or, for a cross_entropy target, to class indices), drops or refuses
 * rows with missing cells, builds samples and splits them, and z-scores
 * features (and regression targets) with statistics of the train split.
 *
 * Samples. Without a window, sample r is row r: x = X[r], y = Y[r]. With a
 * window (lookback L, horizon H), sample t (L-1 <= t < nrows-H) is
 * x = X[t-L+1 .. t] (L rows), y = Y[t+H], and last = Y[t], the last
 * observed target (for directional accuracy and the persistence baseline).
 * A sample belongs to the split that its target row falls in; in order
 * the rows are split train | val | test by the fractions, shuffled it is
 * the samples that are shuffled (with the seed) before cutting.
 *
 * Errors name the file and the place: "data.csv: row 12, column 'temp':
 * not a number: 'abc'" and list the header when a column is unknown.
 */
#ifndef SPOOLBOARD_DATA_H
#define SPOOLBOARD_DATA_H

#include <stddef.h>

#include "config.h"
#include "nn.h"

enum split { SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST, NSPLITS };

struct dataset {
	char *path;		/* the resolved file read */
	size_t nrows;		/* rows kept (after dropping missing) */
	size_t nrows_read;	/* data rows in the file */
	size_t ndropped;	/* rows dropped for missing cells */

	int nfeat, ntarg;
	char **feat_names;	/* (nfeat) */
	char **targ_names;	/* (ntarg) */
	real *X;		/* (nrows, nfeat), normalized */
	real *Y;		/* (nrows, ntarg), normalized for regression;
				   the class index for cross_entropy */
	float *Yraw;		/* (nrows, ntarg) original scale (class index
				   for cross_entropy) */

	int nclasses;		/* cross_entropy: classes, else 0 */
	char **class_names;	/* (nclasses): labels, sorted (numbers
				   numerically, then strings) */

	int lookback;		/* 0 without a window */
	int horizon;
	int steps;		/* T per sample: lookback, or 1 */

	size_t *samples[NSPLITS];	/* sample ids (row t) per split */
	size_t nsamples[NSPLITS];

	/* normalization (mean 0, std 1 when normalize is none) */
	double *x_mean, *x_std;	/* (nfeat) */
	double *y_mean, *y_std;	/* (ntarg) */
};

/*
 * Load the data for cfg. data_root is the directory data.path is relative
 * to; a path that resolves outside it (through ".." or a symlink) is
 * refused. seed drives the shuffle. 0, or -1 after error() with a message
 * that names the file and place.
 */
int data_load(struct dataset *ds, const struct config *cfg,
	      const char *data_root);

void data_release(struct dataset *ds);

/*
 * Assemble a batch of B samples, ids[0..B), into x (B, steps, nfeat) and
 * y (B, ntarg); last (B, ntarg) gets the last observed normalized target
 * of windowed samples (may be NULL).
 */
void data_batch(const struct dataset *ds, const size_t *ids, int B, real *x,
		real *y, real *last);

/* Map normalized target values back to the original scale, in place:
 * v is (n, ntarg). No-op for classification. */
void data_denormalize_y(const struct dataset *ds, float *v, size_t n);

/* Append a summary: file, rows, dropped, columns, split sizes. */
void data_summary(const struct dataset *ds, struct strbuf *out);

#endif
