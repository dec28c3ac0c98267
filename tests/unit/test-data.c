/*
 * test-data.c - data_load end to end on files made in a throwaway data
 * root: columns, numbers, missing cells, classes, splits, windows,
 * normalization, paths, compressed inputs, and the exact error texts.
 */
#include "runner/train/data.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tap.h"
#include "testfiles.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *root;
static struct config cfg;
static struct dataset ds;

static void
free_colspec(struct colspec *cs)
{
	for (size_t i = 0; i < cs->nnames; i++)
		free(cs->names[i]);
	free(cs->names);
	free(cs->pattern);
	memset(cs, 0, sizeof(*cs));
}

static void
cfg_free(void)
{
	free(cfg.data.path);
	free_colspec(&cfg.data.features);
	free_colspec(&cfg.data.targets);
	memset(&cfg, 0, sizeof(cfg));
}

/* A config as the parser would fill it, for data.path = path. */
static void
cfg_reset(const char *path)
{
	cfg_free();
	cfg.data.path = xstrdup(path);
	cfg.data.delimiter = ',';
	cfg.data.split_train = 0.7;
	cfg.data.split_val = 0.15;
	cfg.data.split_test = 0.15;
	cfg.data.normalize = NORMALIZE_ZSCORE;
	cfg.data.missing = MISSING_ERROR;
	cfg.data.horizon = 1;
	cfg.loss.type = LOSS_MSE;
	cfg.train.seed = 42;
}

/* Set cs to the n names that follow. */
static void
names(struct colspec *cs, int n, ...)
{
	va_list ap;

	free_colspec(cs);
	cs->names = xcalloc((size_t)n + 1, sizeof(char *));
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		cs->names[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	cs->nnames = (size_t)n;
}

static void
pattern(struct colspec *cs, const char *re)
{
	free_colspec(cs);
	cs->pattern = xstrdup(re);
}

static void
put(const char *name, const char *text)
{
	free(tf_write(root, name, text));
}

static int
load(void)
{
	error_clear();
	return data_load(&ds, &cfg, root);
}

/* Load expecting failure; the message. */
static const char *
load_fails(void)
{
	if (load() == 0) {
		data_release(&ds);
		return "(loaded)";
	}
	return error_last();
}

/* rows of "a,b,y" with a = r + 1, b = 5 (constant), y = 2a + 1. */
static char *
linear_csv(int rows)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "a,b,y\n");
	for (int r = 0; r < rows; r++)
		sb_addf(&sb, "%d,5,%d\n", r + 1, 2 * (r + 1) + 1);
	return sb_detach(&sb, NULL);
}

static void
test_basic(void)
{
	char *csv = linear_csv(10);
	float v[2] = { 0, 1 };
	real x[3 * 2], y[3], last[3] = { 9, 9, 9 };
	size_t ids[3] = { 0, 5, 9 };
	struct strbuf sb = STRBUF_INIT;
	double sd = sqrt(35.0 / 12.0);	/* population std of 1..6 */

	put("data.csv", csv);
	free(csv);
	cfg_reset("data.csv");
	names(&cfg.data.targets, 1, "y");
	ok(load() == 0, "load a plain CSV: %s", error_last());
	ok(ds.nrows == 10 && ds.nrows_read == 10 && ds.ndropped == 0,
	   "10 rows");
	ok(ds.nfeat == 2 && ds.ntarg == 1, "default features: all but the "
	   "target (2)");
	is_str(ds.feat_names[0], "a", "feature 0 is a");
	is_str(ds.feat_names[1], "b", "feature 1 is b");
	is_str(ds.targ_names[0], "y", "target is y");
	ok(ds.lookback == 0 && ds.steps == 1 && ds.horizon == 0,
	   "no window: steps 1");
	/* 10 rows: val round(1.5) = 2, test 2, train the other 6. */
	ok(ds.nsamples[SPLIT_TRAIN] == 6 && ds.nsamples[SPLIT_VAL] == 2 &&
	   ds.nsamples[SPLIT_TEST] == 2, "split 6/2/2 in order");
	ok(ds.samples[SPLIT_TRAIN][0] == 0 && ds.samples[SPLIT_TRAIN][5] == 5 &&
	   ds.samples[SPLIT_VAL][0] == 6 && ds.samples[SPLIT_TEST][1] == 9,
	   "in order: rows 0-5 | 6-7 | 8-9");
	/* Statistics of the train rows 0..5: a = 1..6, y = 3..13. */
	is_near(ds.x_mean[0], 3.5, 1e-12, "mean of a over train rows");
	is_near(ds.x_std[0], sd, 1e-12, "std of a over train rows");
	is_near(ds.x_mean[1], 5, 1e-12, "mean of constant b");
	is_near(ds.x_std[1], 1, 0, "std of a constant column is 1");
	is_near(ds.y_mean[0], 8, 1e-12, "mean of y over train rows");
	is_near(ds.y_std[0], 2 * sd, 1e-12, "std of y over train rows");
	is_near(ds.X[9 * 2 + 0], (10 - 3.5) / sd, 1e-5,
		"X of the last row, normalized with train statistics");
	is_near(ds.X[9 * 2 + 1], 0, 1e-6, "constant column becomes 0");
	is_near(ds.Y[9], (21 - 8) / (2 * sd), 1e-5, "Y normalized");
	is_near(ds.Yraw[9], 21, 0, "Yraw in the original scale");
	v[0] = ds.Y[9];
	v[1] = ds.Y[0];
	data_denormalize_y(&ds, v, 2);
	is_near(v[0], 21, 1e-4, "denormalize back to 21");
	is_near(v[1], 3, 1e-4, "denormalize back to 3");

	data_batch(&ds, ids, 3, x, y, last);
	is_near(x[2], ds.X[5 * 2], 0, "batch x row 1 is row 5");
	is_near(y[2], ds.Y[9], 0, "batch y row 2 is row 9");
	ok(last[0] == 0 && last[1] == 0 && last[2] == 0,
	   "no window: last is 0");
	data_batch(&ds, ids, 3, x, y, NULL);

	data_summary(&ds, &sb);
	ok(strstr(sb_str(&sb), "file: data.csv (") &&
	   strstr(sb_str(&sb), "rows: 10 read, 0 dropped") &&
	   strstr(sb_str(&sb), "features (2): 'a', 'b'\n") &&
	   strstr(sb_str(&sb), "targets (1): 'y'\n") &&
	   strstr(sb_str(&sb), "split: train 6, val 2, test 2 samples "
		  "(in order)"),
	   "summary has file, rows, columns, split");
	sb_release(&sb);
	data_release(&ds);
	data_release(&ds);

	/* normalize none: mean 0, std 1, values as read. */
	cfg.data.normalize = NORMALIZE_NONE;
	ok(load() == 0 && ds.x_mean[0] == 0 && ds.x_std[0] == 1 &&
	   ds.y_std[0] == 1 && ds.X[9 * 2] == 10 && ds.Y[9] == 21,
	   "normalize none keeps the values");
	data_release(&ds);

	/* Explicit features, and a target that is also a feature. */
	cfg.data.normalize = NORMALIZE_ZSCORE;
	names(&cfg.data.features, 2, "y", "a");
	ok(load() == 0 && ds.nfeat == 2 &&
	   strcmp(ds.feat_names[0], "y") == 0, "explicit features in the "
	   "order given");
	data_release(&ds);
}

static void
test_errors_text(void)
{
	struct strbuf sb = STRBUF_INIT;

	/* The bad cell is on line 12 of the file. */
	sb_adds(&sb, "time,temp\n");
	for (int i = 0; i < 10; i++)
		sb_addf(&sb, "%d,%d.5\n", i, i);
	sb_adds(&sb, "10,abc\n11,3\n");
	put("data.csv", sb_str(&sb));
	sb_release(&sb);
	cfg_reset("data.csv");
	names(&cfg.data.targets, 1, "temp");
	names(&cfg.data.features, 1, "time");
	is_str(load_fails(), "data.csv:12: column 'temp': not a number: 'abc'",
	       "non-numeric cell: the message word for word");

	put("data.csv", "time,temp\n1,2\n2,inf\n");
	is_str(load_fails(), "data.csv:3: column 'temp': not a finite number: "
	       "'inf'", "inf is refused");
	put("data.csv", "time,temp\n1,2\n2,1e999\n");
	is_str(load_fails(), "data.csv:3: column 'temp': not a finite number: "
	       "'1e999'", "overflow is refused");
	put("data.csv", "time,temp\n1,2\n2,3 4\n");
	is_str(load_fails(), "data.csv:3: column 'temp': not a number: '3 4'",
	       "trailing text is refused");
	put("data.csv", "time,temp\n1,2\n2,\"  7.25 \"\n3,4\n4,5\n");
	ok(load() == 0 && ds.Yraw[1] == 7.25f, "spaces around a number are "
	   "fine");
	data_release(&ds);
}

static void
test_missing(void)
{
	const char *csv =
		"id,x,y,note\n"
		"1,1.5,10,\n"		/* note unused: empty is fine */
		"2,NA,20,a\n"
		"3,2.5,,b\n"
		"4,3.5,40,c\n"
		"5,n/a,50,d\n"
		"6,4.5,60,e\n"
		"7,null,70,f\n"
		"8,?,80,g\n"
		"9,5.5,90,h\n"
		"10,None,100,i\n"
		"11,6.5,110,j\n"
		"12,NaN,120,k\n";

	put("m.csv", csv);
	cfg_reset("m.csv");
	names(&cfg.data.features, 1, "x");
	names(&cfg.data.targets, 1, "y");
	is_str(load_fails(), "m.csv:3: column 'x': missing value (set "
	       "\"missing\": \"drop\" to drop such rows): 'NA'",
	       "missing value: error names line and column, says how to "
	       "drop");
	cfg.data.missing = MISSING_DROP;
	cfg.data.normalize = NORMALIZE_NONE;
	ok(load() == 0, "missing drop loads: %s", error_last());
	ok(ds.nrows_read == 12 && ds.ndropped == 7 && ds.nrows == 5,
	   "7 of 12 rows dropped (NA, empty, n/a, null, ?, None, NaN)");
	ok(ds.X[0] == 1.5f && ds.X[1] == 3.5f && ds.X[4] == 6.5f &&
	   ds.Yraw[2] == 60, "the kept rows, in order");
	data_release(&ds);

	put("m.csv", "x,y\nNA,1\nNA,2\n");
	is_str(load_fails(), "m.csv: all 2 rows have missing values and were "
	       "dropped", "every row dropped");
}

static void
test_classes(void)
{
	const char *csv =
		"f,label\n"
		"1,dog\n2,10\n3,cat\n4,2\n5,1.0\n6,1\n7,dog\n8,cat\n9,2\n"
		"10,10\n";
	struct strbuf sb = STRBUF_INIT;

	put("c.csv", csv);
	cfg_reset("c.csv");
	names(&cfg.data.targets, 1, "label");
	cfg.loss.type = LOSS_CROSS_ENTROPY;
	ok(load() == 0, "class labels load: %s", error_last());
	ok(ds.nclasses == 5, "5 classes (1 and 1.0 are one)");
	if (ds.nclasses == 5) {
		is_str(ds.class_names[0], "1", "class 0: 1");
		is_str(ds.class_names[1], "2", "class 1: 2");
		is_str(ds.class_names[2], "10", "class 2: 10 (numerically)");
		is_str(ds.class_names[3], "cat", "class 3: cat");
		is_str(ds.class_names[4], "dog", "class 4: dog");
	}
	ok(ds.Y[0] == 4 && ds.Y[1] == 2 && ds.Y[2] == 3 && ds.Y[4] == 0 &&
	   ds.Y[5] == 0 && ds.Yraw[0] == 4, "Y holds class indices");
	ok(ds.y_mean[0] == 0 && ds.y_std[0] == 1, "class targets are not "
	   "normalized");
	ok(ds.nfeat == 1, "features: f only");
	data_summary(&ds, &sb);
	ok(strstr(sb_str(&sb), "classes (5): '1', '2', '10', 'cat', 'dog'")
	   != NULL, "summary lists the classes");
	sb_release(&sb);
	data_release(&ds);

	/* With a window, default features leave out the label column. */
	cfg.data.lookback = 2;
	ok(load() == 0 && ds.nfeat == 1 && strcmp(ds.feat_names[0], "f") == 0,
	   "window: the label column is not a default feature");
	data_release(&ds);
	cfg.data.lookback = 0;

	put("c.csv", "f,label\n1,a\n2,b\n3,\xff\n");
	is_str(load_fails(), "c.csv:4: column 'label': class label is not "
	       "valid UTF-8: '\\xff'", "a label that is not UTF-8");
	ok(ds.X == NULL && ds.class_names == NULL && ds.name == NULL,
	   "a failed load leaves ds empty");
	put("c.csv", "f,label\n1,a\n2,a\n3,a\n");
	is_str(load_fails(), "c.csv: column 'label': only one class ('a'); "
	       "cross_entropy needs at least two", "one class is an error");
	put("c.csv", "f,l1,l2\n1,a,b\n2,b,a\n");
	names(&cfg.data.targets, 2, "l1", "l2");
	is_str(load_fails(), "data.targets: cross_entropy takes one target "
	       "column (the class label), got 2", "two class columns");

	put("b.csv", "f,y1,y2\n1,0,1\n2,1,1\n3,0,0\n4,1.0,0\n");
	cfg_reset("b.csv");
	names(&cfg.data.targets, 2, "y1", "y2");
	cfg.loss.type = LOSS_BCE;
	ok(load() == 0 && ds.nclasses == 0 && ds.Y[1 * 2 + 0] == 1 &&
	   ds.Y[3 * 2 + 0] == 1 && ds.y_std[0] == 1 && ds.y_mean[1] == 0,
	   "bce 0/1 targets, not normalized: %s", error_last());
	data_release(&ds);
	put("b.csv", "f,y1,y2\n1,0,1\n2,1,1\n3,0.5,0\n");
	is_str(load_fails(), "b.csv:4: column 'y1': not 0 or 1 (bce needs 0/1 "
	       "targets): '0.5'", "bce target 0.5 refused");
	put("b.csv", "f,y1,y2\n1,0,1\n2,1,2\n");
	is_str(load_fails(), "b.csv:3: column 'y2': not 0 or 1 (bce needs 0/1 "
	       "targets): '2'", "bce target 2 refused");
	put("b.csv", "f,y1,y2\n1,0,1\n2,yes,1\n");
	is_str(load_fails(), "b.csv:3: column 'y1': not a number: 'yes'",
	       "bce target text refused");
}

/* Is every sample id first..first+n-1 in exactly one split? */
static int
covers(const struct dataset *d, size_t first, size_t n)
{
	unsigned char *seen = xcalloc(n + first + 1, 1);
	int good = 1;

	for (int s = 0; s < NSPLITS; s++)
		for (size_t k = 0; k < d->nsamples[s]; k++) {
			size_t t = d->samples[s][k];

			if (t < first || t >= first + n || seen[t])
				good = 0;
			else
				seen[t] = 1;
			if (k && d->samples[s][k - 1] >= t)
				good = 0;	/* sorted, no repeats */
		}
	for (size_t t = first; t < first + n; t++)
		if (!seen[t])
			good = 0;
	free(seen);
	return good;
}

static void
test_split(void)
{
	char *csv = linear_csv(100);
	size_t *first_train;
	int same = 1;

	put("s.csv", csv);
	free(csv);
	cfg_reset("s.csv");
	names(&cfg.data.targets, 1, "y");
	ok(load() == 0 && ds.nsamples[0] == 70 && ds.nsamples[1] == 15 &&
	   ds.nsamples[2] == 15, "100 rows in order: 70/15/15");
	ok(covers(&ds, 0, 100), "in order: disjoint and covering");
	data_release(&ds);

	cfg.data.shuffle = 1;
	ok(load() == 0 && ds.nsamples[0] == 70 && ds.nsamples[1] == 15 &&
	   ds.nsamples[2] == 15, "shuffled: 70/15/15");
	ok(covers(&ds, 0, 100), "shuffled: disjoint, covering, sorted");
	ok(ds.samples[SPLIT_TEST][14] != 99 || ds.samples[SPLIT_TEST][0] != 85,
	   "shuffled: test is not simply the last rows");
	first_train = xmalloc(70 * sizeof(size_t));
	memcpy(first_train, ds.samples[SPLIT_TRAIN], 70 * sizeof(size_t));
	{
		/* Statistics: over exactly the train rows (a = row + 1). */
		double sum = 0, ss = 0, mean;

		for (int k = 0; k < 70; k++)
			sum += (double)first_train[k] + 1;
		mean = sum / 70;
		for (int k = 0; k < 70; k++) {
			double d = (double)first_train[k] + 1 - mean;

			ss += d * d;
		}
		is_near(ds.x_mean[0], mean, 1e-12, "shuffled: mean of the "
			"train rows");
		is_near(ds.x_std[0], sqrt(ss / 70), 1e-12, "shuffled: std of "
			"the train rows");
	}
	data_release(&ds);
	ok(load() == 0, "load again with the same seed");
	for (int k = 0; k < 70; k++)
		if (ds.samples[SPLIT_TRAIN][k] != first_train[k])
			same = 0;
	ok(same, "same seed, same split");
	data_release(&ds);
	cfg.train.seed = 43;
	same = 1;
	ok(load() == 0, "load with another seed");
	for (int k = 0; k < 70; k++)
		if (ds.samples[SPLIT_TRAIN][k] != first_train[k])
			same = 0;
	ok(!same, "another seed, another split");
	data_release(&ds);
	free(first_train);

	/* Rounding: 7 rows .7/.15/.15: val round(1.05) = 1, test 1. */
	csv = linear_csv(7);
	put("s.csv", csv);
	free(csv);
	cfg.data.shuffle = 0;
	ok(load() == 0 && ds.nsamples[0] == 5 && ds.nsamples[1] == 1 &&
	   ds.nsamples[2] == 1, "7 rows: 5/1/1");
	data_release(&ds);
	/* Fractions that do not sum to 1 are taken relative to their sum. */
	cfg.data.split_train = 2;
	cfg.data.split_val = 1;
	cfg.data.split_test = 1;
	csv = linear_csv(100);
	put("s.csv", csv);
	free(csv);
	ok(load() == 0 && ds.nsamples[0] == 50 && ds.nsamples[1] == 25 &&
	   ds.nsamples[2] == 25, "fractions 2:1:1 give 50/25/25");
	data_release(&ds);
	cfg.data.split_train = 1;
	cfg.data.split_val = 0;
	cfg.data.split_test = 0;
	ok(load() == 0 && ds.nsamples[0] == 100 && ds.nsamples[1] == 0 &&
	   ds.nsamples[2] == 0, "train 1, val 0, test 0: all train");
	data_release(&ds);

	cfg.data.split_train = 0.7;
	cfg.data.split_val = 0.15;
	cfg.data.split_test = 0.15;
	/* 2 rows .2/.4/.4: val round(0.8) = 1, test 1, train 0. */
	csv = linear_csv(2);
	put("s.csv", csv);
	free(csv);
	cfg.data.split_train = 0.2;
	cfg.data.split_val = 0.4;
	cfg.data.split_test = 0.4;
	is_str(load_fails(), "s.csv: too few rows: 2 rows (0 dropped) give no "
	       "train sample (train fraction 0.2); at least 3 rows are needed",
	       "no train sample: how many rows are needed");
}

static void
test_window(void)
{
	char *csv = linear_csv(20);
	real x[2 * 3 * 3], y[2], last[2];
	size_t ids[2] = { 5, 17 };
	int ok_rows = 1;

	put("w.csv", csv);
	free(csv);
	cfg_reset("w.csv");
	names(&cfg.data.targets, 1, "y");
	cfg.data.lookback = 3;
	cfg.data.horizon = 2;
	cfg.data.normalize = NORMALIZE_NONE;
	ok(load() == 0, "windowed load: %s", error_last());
	ok(ds.steps == 3 && ds.lookback == 3 && ds.horizon == 2, "steps 3");
	ok(ds.nfeat == 3 && strcmp(ds.feat_names[2], "y") == 0,
	   "window: default features include the target");
	/* Samples t = 2..17; rows 20: val 3 rows, test 3, train 14. Train
	 * targets t+2 < 14: t = 2..11; val t = 12..14; test t = 15..17. */
	ok(ds.nsamples[0] == 10 && ds.nsamples[1] == 3 && ds.nsamples[2] == 3,
	   "split by target row: 10/3/3");
	ok(ds.samples[0][0] == 2 && ds.samples[0][9] == 11 &&
	   ds.samples[1][0] == 12 && ds.samples[2][2] == 17,
	   "sample ids are the last input row");
	ok(covers(&ds, 2, 16), "window: disjoint and covering");
	data_batch(&ds, ids, 2, x, y, last);
	/* Sample 5: rows 3, 4, 5 (a = 4, 5, 6), target row 7 (y = 17). */
	for (int s = 0; s < 3; s++)
		if (x[s * 3 + 0] != 4 + s || x[s * 3 + 1] != 5 ||
		    x[s * 3 + 2] != 2 * (4 + s) + 1)
			ok_rows = 0;
	ok(ok_rows, "x of sample 5 holds rows 3..5 by value");
	is_near(y[0], 17, 0, "y of sample 5 is row 7's target");
	is_near(last[0], 13, 0, "last of sample 5 is row 5's target");
	is_near(x[9 + 2 * 3 + 0], 18, 0, "sample 17: last input row is 17");
	is_near(y[1], 41, 0, "sample 17: target from row 19 (the last)");
	data_release(&ds);

	/* zscore in order with a window: train rows 0..13. */
	cfg.data.normalize = NORMALIZE_ZSCORE;
	ok(load() == 0, "windowed zscore");
	is_near(ds.x_mean[0], 7.5, 1e-12, "mean of a over rows 0..13");
	is_near(ds.x_std[0], sqrt((14.0 * 14.0 - 1) / 12), 1e-12,
		"std of a over rows 0..13");
	is_near(ds.y_mean[0], 16, 1e-12, "mean of y over rows 0..13");
	is_near(ds.x_mean[2], ds.y_mean[0], 0, "the target as a feature has "
		"the target's statistics");
	data_release(&ds);

	/* Shuffled windows: statistics over rows covered by train samples. */
	cfg.data.shuffle = 1;
	ok(load() == 0, "windowed shuffled");
	{
		unsigned char cov[20] = { 0 };
		double sum = 0;
		int m = 0;

		for (size_t k = 0; k < ds.nsamples[0]; k++) {
			size_t t = ds.samples[0][k];

			cov[t - 2] = cov[t - 1] = cov[t] = cov[t + 2] = 1;
		}
		for (int r = 0; r < 20; r++)
			if (cov[r]) {
				sum += r + 1;
				m++;
			}
		is_near(ds.x_mean[0], sum / m, 1e-12, "mean over the %d rows "
			"covered by train inputs and targets", m);
	}
	ok(ds.nsamples[0] + ds.nsamples[1] + ds.nsamples[2] == 16 &&
	   ds.nsamples[1] == 2 && ds.nsamples[2] == 2,
	   "shuffled windows: 16 samples, val round(2.4) = 2, test 2");
	ok(covers(&ds, 2, 16), "shuffled windows: disjoint and covering");
	data_release(&ds);

	/* Too few rows for the window. */
	csv = linear_csv(5);
	put("w.csv", csv);
	free(csv);
	cfg.data.shuffle = 0;
	cfg.data.lookback = 4;
	cfg.data.horizon = 1;
	is_str(load_fails(), "w.csv: too few rows: 5 rows (0 dropped) give no "
	       "train sample (lookback 4, horizon 1, train fraction 0.7); at "
	       "least 7 rows are needed", "window longer than the train rows");
	/* Shuffled, 4 rows give no sample at all; 5 give one (train). */
	csv = linear_csv(4);
	put("w.csv", csv);
	free(csv);
	cfg.data.shuffle = 1;
	is_str(load_fails(), "w.csv: too few rows: 4 rows (0 dropped) give no "
	       "train sample (lookback 4, horizon 1, train fraction 0.7); at "
	       "least 5 rows are needed", "shuffled: rows needed");
}

static void
test_columns(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char *msg;

	put("p.csv", "date,x1,x2,ax,y\n1,2,3,4,5\n2,3,4,5,6\n3,4,5,6,7\n"
	    "4,5,6,7,8\n");
	cfg_reset("p.csv");
	names(&cfg.data.targets, 1, "y");
	pattern(&cfg.data.features, "^x");
	ok(load() == 0 && ds.nfeat == 2 && strcmp(ds.feat_names[0], "x1") == 0
	   && strcmp(ds.feat_names[1], "x2") == 0, "pattern ^x picks x1, x2");
	data_release(&ds);
	pattern(&cfg.data.targets, "^y$");
	pattern(&cfg.data.features, "x");
	ok(load() == 0 && ds.nfeat == 3 && ds.ntarg == 1,
	   "pattern x picks x1, x2, ax; target by pattern");
	data_release(&ds);
	pattern(&cfg.data.features, ".");
	ok(load() == 0 && ds.nfeat == 4 && strcmp(ds.feat_names[3], "ax") == 0,
	   "a pattern leaves the target out without a window");
	data_release(&ds);
	cfg.data.lookback = 1;
	ok(load() == 0 && ds.nfeat == 5 && strcmp(ds.feat_names[4], "y") == 0,
	   "a pattern keeps the target with a window");
	data_release(&ds);
	cfg.data.lookback = 0;
	pattern(&cfg.data.features, "^y");
	is_str(load_fails(), "data.features: the pattern matches only target "
	       "columns of 'p.csv'", "a pattern matching only the target");
	pattern(&cfg.data.features, "^z");
	is_str(load_fails(), "p.csv: data.features: the pattern '^z' matches "
	       "no column; the header has: 'date', 'x1', 'x2', 'ax', 'y'",
	       "pattern matching nothing lists the header");
	pattern(&cfg.data.features, "(x");
	is_str(load_fails(), "data.features.match: bad pattern '(x': at "
	       "offset 2: missing closing parenthesis",
	       "bad pattern: field, PCRE2 message, offset");
	names(&cfg.data.features, 2, "x1", "temp");
	is_str(load_fails(), "p.csv: data.features: unknown column 'temp'; the "
	       "header has: 'date', 'x1', 'x2', 'ax', 'y'",
	       "unknown column lists the header");
	names(&cfg.data.features, 2, "x1", "x1");
	is_str(load_fails(), "data.features: column 'x1' is listed twice",
	       "a column listed twice");
	names(&cfg.data.targets, 1, "Y");
	names(&cfg.data.features, 1, "x1");
	is_str(load_fails(), "p.csv: data.targets: unknown column 'Y'; the "
	       "header has: 'date', 'x1', 'x2', 'ax', 'y'",
	       "names are case-sensitive");
	cfg.data.delimiter = '"';
	is_str(load_fails(), "data.delimiter: a quote or a line end cannot be "
	       "the delimiter", "a quote as the delimiter");
	cfg.data.delimiter = ',';
	free_colspec(&cfg.data.targets);
	is_str(load_fails(), "data.targets: no target column given; the "
	       "header has 5 columns", "no targets");

	put("one.csv", "y\n1\n2\n3\n");
	cfg_reset("one.csv");
	names(&cfg.data.targets, 1, "y");
	is_str(load_fails(), "data.features: no feature column: every column "
	       "of 'one.csv' is a target", "no feature column left");
	cfg.data.lookback = 1;
	ok(load() == 0 && ds.nfeat == 1, "with a window the target is the "
	   "feature");
	data_release(&ds);

	/* A long header is shortened in the message. */
	for (int c = 0; c < 300; c++)
		sb_addf(&sb, "%scolumn_number_%d", c ? "," : "", c);
	sb_adds(&sb, "\n");
	for (int c = 0; c < 300; c++)
		sb_addf(&sb, "%s%d", c ? "," : "", c);
	sb_adds(&sb, "\n");
	put("wide.csv", sb_str(&sb));
	sb_release(&sb);
	cfg_reset("wide.csv");
	names(&cfg.data.targets, 1, "nope");
	msg = load_fails();
	ok(strncmp(msg, "wide.csv: data.targets: unknown column 'nope'; the "
		   "header has: 'column_number_0', 'column_number_1'", 94) == 0
	   && strstr(msg, " more)") != NULL && strlen(msg) < 600,
	   "long header shortened: %s", msg);

	put("dup.csv", "a,b,a\n1,2,3\n");
	cfg_reset("dup.csv");
	names(&cfg.data.targets, 1, "b");
	is_str(load_fails(), "dup.csv:1: duplicate column name 'a' (columns 1 "
	       "and 3)", "duplicate header names");
}

static void
test_files(void)
{
	static const char nul[] = "a,b\n1,2\n\0\0\x03\x04";
	const char *csv = "x;y\r\n\"1.5\";2\r\n\r\n2.5;4\r\n3.5;6\r\n";
	char *big;

	cfg_reset("e.csv");
	names(&cfg.data.targets, 1, "y");
	put("e.csv", "");
	is_str(load_fails(), "e.csv: no header: the file is empty; a first row "
	       "with the column names is needed", "0-byte file");
	put("e.csv", "x,y\n");
	is_str(load_fails(), "e.csv: no data rows, only a header (line 1)",
	       "header-only file");
	put("e.csv", "1,2\n3,4\n");
	is_str(load_fails(), "e.csv:1: no header: the first row holds only "
	       "numbers ('1', '2'); it must name the columns",
	       "a file with no header");
	put("e.csv", "x,,y\n1,2,3\n");
	is_str(load_fails(), "e.csv:1: header cell 2 is empty; every column "
	       "needs a name", "empty header cell");
	free(tf_writen(root, "e.csv", nul, sizeof(nul) - 1));
	is_str(load_fails(), "e.csv:3:1: a NUL byte: this is a binary file, "
	       "not CSV text", "binary file");
	put("e.csv", "x,y\n1,2\n3,4,5\n");
	is_str(load_fails(), "e.csv:3: expected 2 cells (as in the header), "
	       "found 3", "ragged row");
	put("e.csv", "x,y\n1,2\n\"3,4\n");
	is_str(load_fails(), "e.csv:3: a quoted cell is not closed (the row "
	       "starts on this line)", "unclosed quote");
	big = xmalloc(3 * 1024 * 1024);
	strcpy(big, "x,y\n1,");
	memset(big + 6, '9', 3 * 1024 * 1024 - 8);
	strcpy(big + 3 * 1024 * 1024 - 2, "\n");
	put("e.csv", big);
	free(big);
	is_str(load_fails(), "e.csv:2: a cell longer than 1048576 bytes",
	       "a very long line");

	/* Semicolons, CRLF, BOM, quotes, blank lines. */
	put("semi.csv", csv);
	cfg_reset("semi.csv");
	names(&cfg.data.targets, 1, "y");
	cfg.data.delimiter = ';';
	cfg.data.normalize = NORMALIZE_NONE;
	ok(load() == 0 && ds.nrows == 3 && ds.X[0] == 1.5f && ds.X[2] == 3.5f
	   && ds.Yraw[2] == 6, "';' delimiter with CRLF and a blank line");
	data_release(&ds);
	cfg.data.delimiter = ',';
	is_str(load_fails(), "semi.csv:2:6: bad quoting (error parsing data "
	       "while strict checking enabled): a quote inside an unquoted "
	       "cell, or text after a closing quote",
	       "wrong delimiter: the quotes no longer fit");

	/* The same data compressed three ways. */
	{
		static const char *const filters[] = { "gzip", "zstd", "xz" };
		static const char *const files[] = {
			"semi.csv.gz", "semi.csv.zst", "semi.csv.xz"
		};

		cfg.data.delimiter = ';';
		for (int i = 0; i < 3; i++) {
			char *p = tf_compress(root, files[i], csv, strlen(csv),
					      filters[i]);

			if (!p) {
				ok(1, "# SKIP cannot write %s", filters[i]);
				continue;
			}
			free(p);
			free(cfg.data.path);
			cfg.data.path = xstrdup(files[i]);
			ok(load() == 0 && ds.nrows == 3 && ds.X[1] == 2.5f &&
			   ds.Yraw[2] == 6, "%s input: %s", filters[i],
			   error_last());
			data_release(&ds);
		}
	}
	{
		char *p = tf_compress(root, "bin.gz", nul, sizeof(nul) - 1,
				      "gzip");

		free(p);
		free(cfg.data.path);
		cfg.data.path = xstrdup("bin.gz");
		is_str(load_fails(), "bin.gz:3:1: a NUL byte: this is a binary "
		       "file, not CSV text", "compressed binary file");
	}
}

static void
test_paths(void)
{
	char *sub = path_join(root, "sub"), *p, *outside, *link;

	mkdir_p(sub);
	put("sub/in.csv", "x,y\n1,2\n2,3\n3,4\n4,5\n");
	cfg_reset("sub/in.csv");
	names(&cfg.data.targets, 1, "y");
	ok(load() == 0, "a path in a subdirectory: %s", error_last());
	ok(ds.path && ds.path[0] == '/' && strstr(ds.path, "/sub/in.csv"),
	   "ds.path is the resolved path");
	data_release(&ds);
	free(cfg.data.path);
	cfg.data.path = xstrdup("./sub/../sub/in.csv");
	ok(load() == 0, "'..' that stays inside is fine");
	data_release(&ds);

	free(cfg.data.path);
	cfg.data.path = xstrdup("../in.csv");
	p = xasprintf("data.path: '../in.csv' leads outside the data root "
		      "'%s' (through '..'); give a path that stays below it",
		      root);
	is_str(load_fails(), p, "'..' out of the root is refused");
	free(p);
	free(cfg.data.path);
	cfg.data.path = xstrdup("sub/../../x/in.csv");
	ok(strstr(load_fails(), "leads outside the data root") != NULL,
	   "a deeper '..' out of the root is refused");
	free(cfg.data.path);
	cfg.data.path = xstrdup("/etc/passwd");
	p = xasprintf("data.path: '/etc/passwd' is an absolute path; give a "
		      "path relative to the data root '%s'", root);
	is_str(load_fails(), p, "an absolute path is refused");
	free(p);

	/* A symlink inside the root that points outside it. */
	outside = tf_dir();
	free(tf_write(outside, "secret.csv", "x,y\n1,2\n2,3\n"));
	p = path_join(outside, "secret.csv");
	link = path_join(root, "link.csv");
	ok(symlink(p, link) == 0, "make a symlink out of the root");
	free(cfg.data.path);
	cfg.data.path = xstrdup("link.csv");
	ok(strstr(load_fails(), "data.path: 'link.csv' leads outside the data "
		  "root '") != NULL &&
	   strstr(error_last(), "(through a symbolic link, to '") != NULL,
	   "a symlink leaving the root is refused: %s", error_last());
	free(link);
	link = path_join(root, "linkdir");
	ok(symlink(outside, link) == 0, "a symlinked directory out");
	free(cfg.data.path);
	cfg.data.path = xstrdup("linkdir/secret.csv");
	ok(strstr(load_fails(), "outside the data root") != NULL,
	   "a file under a symlinked directory out of the root is refused");
	free(link);
	link = path_join(root, "inside.csv");
	ok(symlink("sub/in.csv", link) == 0, "a symlink inside the root");
	free(cfg.data.path);
	cfg.data.path = xstrdup("inside.csv");
	ok(load() == 0, "a symlink staying inside is fine");
	data_release(&ds);
	free(link);
	free(p);
	tf_cleanup(outside);

	free(cfg.data.path);
	cfg.data.path = xstrdup("absent.csv");
	p = xasprintf("data.path: cannot open 'absent.csv' in the data root "
		      "'%s': No such file or directory", root);
	is_str(load_fails(), p, "a missing file");
	free(p);
	free(cfg.data.path);
	cfg.data.path = xstrdup("sub");
	is_str(load_fails(), "data.path: 'sub' is not a regular file",
	       "a directory");
	free(cfg.data.path);
	cfg.data.path = xstrdup("");
	p = xasprintf("data.path: no path given; give the path of a file "
		      "relative to the data root '%s'", root);
	is_str(load_fails(), p, "empty path");
	free(p);
	free(sub);
}

int
main(void)
{
	error_set_quiet(1);
	root = tf_dir();
	test_basic();
	test_errors_text();
	test_missing();
	test_classes();
	test_split();
	test_window();
	test_columns();
	test_files();
	test_paths();
	cfg_free();
	tf_cleanup(root);
	return tap_done();
}
