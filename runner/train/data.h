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
 * Split sizes. Of n items (rows in order, samples when shuffled), val gets
 * round(n * val / sum) and test round(n * test / sum) (halves rounded up),
 * where sum is the sum of the three fractions; train gets the rest, so
 * every item lands in exactly one split. Shuffling uses rng_seed(train.seed ^ DATA_SEED_SALT)
 * and rng_shuffle over the sample ids, which are then cut train | val |
 * test and each split sorted by id (so a split's samples are in file
 * order). A train split with no sample is an error giving the rows needed.
 *
 * Columns. A colspec is a list of header names or a PCRE2 pattern (all
 * matching columns, in header order). Features left to the default are
 * every column that is not a target; with a window, every column (past
 * targets are inputs too) except a cross_entropy target (labels are not
 * numbers). Features given by a pattern leave out the targets the same
 * way; features listed by name are taken as listed. Duplicate header
 * names are an error.
 *
 * Cells. Numbers are read with strtod (surrounding spaces allowed); a cell
 * that is empty or one of NA, N/A, NaN, null, None (any case) or ? is
 * missing: an error (naming the line and column) unless data.missing is
 * "drop", which drops the row and counts it. Infinite values are errors.
 * With a window, dropped rows are simply removed (the rows around them
 * become neighbours).
 *
 * Classes. A cross_entropy target (one column) holds labels, numbers or
 * strings; the classes are the distinct labels sorted with numbers first
 * (by value, so "1" and "1.0" are one class) and then strings (strcmp). Y
 * holds the class index. bce targets must be 0 or 1. Neither is
 * normalized (y_mean 0, y_std 1).
 *
 * Normalization. The z-score statistics (mean, population std; a constant
 * column gets std 1) come from the train rows: the rows covered by the
 * train samples' inputs and targets (without a window, the train rows
 * themselves; in order with a window, every row before the first val
 * target). They apply to the features and, for regression losses, the
 * targets. With normalize "none", mean 0 and std 1.
 *
 * The file. A header row is required: an empty file, or a first row of
 * numbers only, is refused, as is a file with a header and no rows. See
 * lib/csvfile.h for the CSV dialect and its errors.
 *
 * Errors name the file (data.path as configured) and the line in it:
 * "data.csv:12: column 'temp': not a number: 'abc'", and list the header
 * when a column is unknown.
 */
#ifndef SPOOLBOARD_DATA_H
#define SPOOLBOARD_DATA_H

#include <stddef.h>

#include "job/config.h"
#include "runner/train/nn.h"

enum split { SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST, NSPLITS };

#define DATA_MAX_BYTES ((size_t)1 << 28)	/* data files, decompressed */
/* Classes of a cross_entropy target: the output layer, the confusion
 * matrix and the class list in state.json grow with them. */
#define DATA_MAX_CLASSES 1000
#define DATA_SEED_SALT 0x64617461u	/* "data": the shuffle's seed */

struct dataset {
	char *path;		/* the resolved file read */
	char *name;		/* data.path as configured (for messages) */
	size_t nrows;		/* rows kept (after dropping missing) */
	size_t nrows_read;	/* data rows in the file */
	size_t ndropped;	/* rows dropped for missing cells */

	int nfeat, ntarg;
	char **feat_names;	/* (nfeat) */
	char **targ_names;	/* (ntarg) */
	int ntext;		/* columns left out of the default features */
	char **text_names;	/* (ntext): they hold text (a date, a name) */
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

	int shuffled;		/* split of shuffled samples, else in order */
	int zscore;		/* normalize "zscore", else "none" */

	size_t *samples[NSPLITS];	/* sample ids (row t) per split */
	size_t nsamples[NSPLITS];

	/* normalization (mean 0, std 1 when normalize is none) */
	double *x_mean, *x_std;	/* (nfeat) */
	double *y_mean, *y_std;	/* (ntarg) */
};

/*
 * Load the data for cfg. data_root is the directory data.path is relative
 * to (NULL: the current directory); an absolute data.path, or one that
 * resolves outside it (through ".." or a symlink), is refused.
 * cfg->train.seed drives the shuffle. 0, or -1 after error() with a
 * message that names the file and place (ds is then empty). Release a
 * loaded ds with data_release (also fine on a zeroed one).
 */
int data_load(struct dataset *ds, const struct config *cfg,
	      const char *data_root);

void data_release(struct dataset *ds);

/*
 * Assemble a batch of B samples, ids[0..B), into x (B, steps, nfeat) and
 * y (B, ntarg); last (B, ntarg) gets the last observed normalized target
 * of windowed samples, 0 without a window (may be NULL).
 */
void data_batch(const struct dataset *ds, const size_t *ids, int B, real *x,
		real *y, real *last);

/* Map normalized target values back to the original scale, in place:
 * v is (n, ntarg). No-op for classification. */
void data_denormalize_y(const struct dataset *ds, float *v, size_t n);

/*
 * Append a summary, a few lines each ending in '\n': file, rows read and
 * dropped, features and targets (long lists shortened), classes, window,
 * split sizes, normalization.
 */
void data_summary(const struct dataset *ds, struct strbuf *out);

#endif
