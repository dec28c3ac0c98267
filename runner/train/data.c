/*
 * data.c - a job's data: CSV in, normalized split samples out; see data.h.
 *
 * data_load() runs in steps, each able to fail with a message that names
 * the file and the place: resolve data.path under the data root (lib/path:
 * first by its components, then with realpath, so neither ".." nor a
 * symlink leaves the root), read and decompress the file (lib/arc), parse it
 * (lib/csvfile), pick the columns, drop or refuse rows with missing
 * cells, convert the cells to double (or class indices), build the
 * samples and split them, take the statistics over the train rows and
 * store the normalized values as real. Values stay double until the last
 * step so the statistics are not computed from rounded floats.
 */
#include "runner/train/data.h"
#include "lib/csvfile.h"
#include "lib/arc.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/pattern.h"
#include "lib/rng.h"
#include "lib/strbuf.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIST_MAX 400		/* bytes of a header listed in a message */
#define SHOW_MAX 64		/* bytes of a cell or name in a message */

/* Temporaries of data_load, freed together. */
struct load {
	struct csvfile t;
	size_t *fcol, *tcol;	/* (nfeat), (ntarg) columns in the file */
	size_t *kept;		/* (nrows) file row of each kept row */
	double *xd, *yd;	/* (nrows, nfeat), (nrows, ntarg) */
};

/*
 * Open rel under root once, inside it (path_open_inside: no check then
 * open by name, which a swapped link could turn outside), and check that
 * the file opened is regular. Returns the descriptor, *shown its real
 * path for messages (the caller frees it), or -1 after error().
 */
static int
open_data(const char *root, const char *rel, char **shown)
{
	struct strbuf why = STRBUF_INIT;
	char proc[64], real[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	*shown = NULL;
	fd = path_open_inside("data root", root, "data.path", rel, &why);
	if (fd < 0) {
		error("%s", sb_str(&why));
		sb_release(&why);
		return -1;
	}
	sb_release(&why);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error("data.path: '%s' is not a regular file", rel);
		close(fd);
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, real, sizeof(real) - 1);
	if (n > 0) {
		real[n] = '\0';
		*shown = xstrdup(real);
	} else {
		*shown = path_join(root, rel);
	}
	return fd;
}

/* s without surrounding white space: *b, *n. */
static void
trim(const char *s, const char **b, size_t *n)
{
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	*b = s;
	*n = len;
}

static int
is_missing(const char *s)
{
	static const char *const tokens[] = {
		"na", "n/a", "nan", "null", "none", "?"
	};
	const char *b;
	size_t n;

	trim(s, &b, &n);
	if (n == 0)
		return 1;
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (strlen(tokens[i]) == n && strncasecmp(b, tokens[i], n) == 0)
			return 1;
	return 0;
}

/* Parse a cell: 0 ok, -1 not a number, -2 not finite. */
static int
to_number(const char *s, double *v)
{
	const char *b;
	char *end;
	size_t n;

	trim(s, &b, &n);
	if (n == 0)
		return -1;
	*v = strtod(b, &end);
	if (end == b || (size_t)(end - b) != n)
		return -1;
	if (!isfinite(*v))
		return -2;
	return 0;
}

/* "FILE:LINE: column 'NAME': WHAT: 'CELL'" for data row r, column c. */
static int
cell_error(const struct csvfile *t, size_t r, size_t c, const char *what)
{
	struct strbuf col = STRBUF_INIT, val = STRBUF_INIT;

	csvfile_show(&col, csvfile_header(t, c), SHOW_MAX);
	csvfile_show(&val, csvfile_cell(t, r, c), SHOW_MAX);
	error("%s:%zu: column '%s': %s: '%s'", t->name, csvfile_line(t, r),
	      sb_str(&col), what, sb_str(&val));
	sb_release(&col);
	sb_release(&val);
	return -1;
}

static int
number_error(const struct csvfile *t, size_t r, size_t c, int why)
{
	return cell_error(t, r, c, why == -2 ? "not a finite number" :
			  "not a number");
}

/* Is the first row numbers only, i.e. data rather than a header? */
static int
header_is_data(const struct csvfile *t)
{
	double v;

	for (size_t c = 0; c < t->ncols; c++)
		if (to_number(csvfile_header(t, c), &v) != 0)
			return 0;
	return 1;
}

static int
is_default(const struct colspec *cs)
{
	return !cs->pattern && cs->nnames == 0;
}

/*
 * The columns of cs (field: "data.features" or "data.targets") as indices
 * into the header: a new array *out of *n. 0 or -1 after error().
 */
static int
pick_columns(const struct csvfile *t, const struct colspec *cs,
	     const char *field, size_t **out, size_t *n)
{
	struct strbuf sb = STRBUF_INIT, hdr = STRBUF_INIT;
	size_t *idx = xreallocarray(NULL, t->ncols + cs->nnames + 1,
				    sizeof(*idx));
	size_t k = 0;

	if (cs->pattern) {
		char err[256];
		struct pattern *p = pattern_new(cs->pattern, err, sizeof(err));

		csvfile_show(&sb, cs->pattern, SHOW_MAX);
		if (!p) {
			error("%s.match: bad pattern '%s': %s", field,
			      sb_str(&sb), err);
			goto err;
		}
		for (size_t c = 0; c < t->ncols; c++)
			if (pattern_match(p, csvfile_header(t, c)))
				idx[k++] = c;
		pattern_free(p);
		if (k == 0) {
			csvfile_show_header(&hdr, t, LIST_MAX);
			error("%s: %s: the pattern '%s' matches no column; the "
			      "header has: %s", t->name, field, sb_str(&sb),
			      sb_str(&hdr));
			goto err;
		}
	} else {
		for (size_t i = 0; i < cs->nnames; i++) {
			long c = csvfile_find(t, cs->names[i]);

			sb_reset(&sb);
			csvfile_show(&sb, cs->names[i], SHOW_MAX);
			if (c < 0) {
				csvfile_show_header(&hdr, t, LIST_MAX);
				error("%s: %s: unknown column '%s'; the header "
				      "has: %s", t->name, field, sb_str(&sb),
				      sb_str(&hdr));
				goto err;
			}
			for (size_t j = 0; j < k; j++)
				if (idx[j] == (size_t)c) {
					error("%s: column '%s' is listed "
					      "twice", field, sb_str(&sb));
					goto err;
				}
			idx[k++] = (size_t)c;
		}
	}
	sb_release(&sb);
	sb_release(&hdr);
	*out = idx;
	*n = k;
	return 0;
err:
	sb_release(&sb);
	sb_release(&hdr);
	free(idx);
	return -1;
}

/*
 * Does column c hold text: is its first cell that is not missing no
 * number? A column of numbers with one bad cell further down is not text
 * (that cell is an error where it is).
 */
static int
text_column(const struct csvfile *t, size_t c)
{
	double v;

	for (size_t r = 0; r < t->nrows; r++) {
		const char *cell = csvfile_cell(t, r, c);

		if (!is_missing(cell))
			return to_number(cell, &v) == -1;
	}
	return 0;
}

static char **
copy_names(const struct csvfile *t, const size_t *cols, size_t n)
{
	char **names = xreallocarray(NULL, n ? n : 1, sizeof(*names));

	for (size_t i = 0; i < n; i++)
		names[i] = xstrdup(csvfile_header(t, cols[i]));
	return names;
}

/* Choose targets and features; fills ds->ntarg, nfeat and the names. */
static int
choose_columns(struct dataset *ds, struct load *ld, const struct config *cfg)
{
	const struct csvfile *t = &ld->t;
	int ce = cfg->loss.type == LOSS_CROSS_ENTROPY;
	size_t nt, nf = 0;

	if (is_default(&cfg->data.targets))
		return error("data.targets: no target column given; the "
			     "header has %zu columns", t->ncols);
	if (pick_columns(t, &cfg->data.targets, "data.targets", &ld->tcol,
			 &nt) < 0)
		return -1;
	if (ce && nt != 1)
		return error("data.targets: cross_entropy takes one target "
			     "column (the class label), got %zu", nt);
	if (is_default(&cfg->data.features)) {
		size_t *text = xreallocarray(NULL, t->ncols ? t->ncols : 1,
					     sizeof(size_t));
		size_t ntext = 0;

		/* every column of numbers: a date or a name is left out,
		   and the data summary says which */
		ld->fcol = xreallocarray(NULL, t->ncols, sizeof(size_t));
		for (size_t c = 0; c < t->ncols; c++) {
			if (text_column(t, c))
				text[ntext++] = c;
			else
				ld->fcol[nf++] = c;
		}
		ds->text_names = copy_names(t, text, ntext);
		ds->ntext = (int)ntext;
		free(text);
	} else if (pick_columns(t, &cfg->data.features, "data.features",
				&ld->fcol, &nf) < 0) {
		return -1;
	}
	/*
	 * The default and a pattern leave the targets out: a target among
	 * the inputs of its own row is a leak. Past targets are inputs of a
	 * window, except class labels, which are not numbers. Names listed
	 * one by one are taken as given.
	 */
	if (!cfg->data.features.nnames) {
		size_t k = 0;

		for (size_t i = 0; i < nf; i++) {
			int target = 0;

			for (size_t j = 0; j < nt; j++)
				if (ld->tcol[j] == ld->fcol[i])
					target = 1;
			if (!target || (cfg->data.lookback > 0 && !ce))
				ld->fcol[k++] = ld->fcol[i];
		}
		if (k == 0 && cfg->data.features.pattern)
			return error("data.features: the pattern matches only "
				     "target columns of '%s'", t->name);
		if (k == 0 && ds->ntext)
			return error("data.features: no column of numbers in "
				     "'%s' but the targets (%d of text left "
				     "out, e.g. '%s'); name the features",
				     t->name, ds->ntext, ds->text_names[0]);
		if (k == 0)
			return error("data.features: no feature column: every "
				     "column of '%s' is a target", t->name);
		nf = k;
	}
	if (nf > INT_MAX || nt > INT_MAX)
		return error("%s: too many columns", t->name);
	ds->nfeat = (int)nf;
	ds->ntarg = (int)nt;
	ds->feat_names = copy_names(t, ld->fcol, nf);
	ds->targ_names = copy_names(t, ld->tcol, nt);
	return 0;
}

/* Keep the rows with no missing cell in a used column (or refuse). */
static int
keep_rows(struct dataset *ds, struct load *ld, const struct config *cfg)
{
	const struct csvfile *t = &ld->t;
	unsigned char *used = xcalloc(t->ncols ? t->ncols : 1, 1);

	for (int j = 0; j < ds->nfeat; j++)
		used[ld->fcol[j]] = 1;
	for (int j = 0; j < ds->ntarg; j++)
		used[ld->tcol[j]] = 1;
	ld->kept = xreallocarray(NULL, t->nrows ? t->nrows : 1,
				 sizeof(size_t));
	for (size_t r = 0; r < t->nrows; r++) {
		int missing = 0;

		for (size_t c = 0; c < t->ncols && !missing; c++) {
			if (!used[c] || !is_missing(csvfile_cell(t, r, c)))
				continue;
			if (cfg->data.missing != MISSING_DROP) {
				free(used);
				return cell_error(t, r, c, "missing value (set "
						  "\"missing\": \"drop\" to "
						  "drop such rows)");
			}
			missing = 1;
		}
		if (missing)
			ds->ndropped++;
		else
			ld->kept[ds->nrows++] = r;
	}
	free(used);
	if (ds->nrows == 0)
		return error("%s: all %zu rows have missing values and were "
			     "dropped", t->name, t->nrows);
	return 0;
}

struct label {
	const char *s;
	double v;
	int num;
	size_t i;		/* kept row */
};

static int
label_cmp(const void *pa, const void *pb)
{
	const struct label *a = pa, *b = pb;

	if (a->num != b->num)
		return a->num ? -1 : 1;
	if (a->num && a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return strcmp(a->s, b->s);
}

static int
same_class(const struct label *a, const struct label *b)
{
	if (a->num != b->num)
		return 0;
	return a->num ? a->v == b->v : strcmp(a->s, b->s) == 0;
}

/* Class labels of the cross_entropy target into class indices in yd. */
static int
make_classes(struct dataset *ds, struct load *ld)
{
	const struct csvfile *t = &ld->t;
	size_t c = ld->tcol[0], n = ds->nrows, k = 0;
	struct label *lab = xreallocarray(NULL, n, sizeof(*lab));

	for (size_t i = 0; i < n; i++) {
		lab[i].s = csvfile_cell(t, ld->kept[i], c);
		lab[i].num = to_number(lab[i].s, &lab[i].v) == 0;
		lab[i].i = i;
	}
	qsort(lab, n, sizeof(*lab), label_cmp);
	ds->class_names = xreallocarray(NULL, n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !same_class(&lab[i - 1], &lab[i])) {
			if (!csvfile_utf8_valid(lab[i].s)) {
				size_t r = ld->kept[lab[i].i];

				free(lab);
				return cell_error(t, r, c, "class label is not "
						  "valid UTF-8");
			}
			ds->class_names[k++] = xstrdup(lab[i].s);
			ds->nclasses = (int)k;
		}
		ld->yd[lab[i].i] = (double)(k - 1);
	}
	free(lab);
	if (k > DATA_MAX_CLASSES) {
		struct strbuf col = STRBUF_INIT;

		csvfile_show(&col, csvfile_header(t, c), SHOW_MAX);
		error("%s: column '%s': %zu classes, cross_entropy takes at "
		      "most %d; use fewer distinct labels or a regression loss",
		      t->name, sb_str(&col), k, DATA_MAX_CLASSES);
		sb_release(&col);
		return -1;
	}
	if (k < 2) {
		struct strbuf col = STRBUF_INIT, val = STRBUF_INIT;

		csvfile_show(&col, csvfile_header(t, c), SHOW_MAX);
		csvfile_show(&val, ds->class_names[0], SHOW_MAX);
		error("%s: column '%s': only one class ('%s'); cross_entropy "
		      "needs at least two", t->name, sb_str(&col),
		      sb_str(&val));
		sb_release(&col);
		sb_release(&val);
		return -1;
	}
	return 0;
}

/* Cells to numbers: xd, yd (class indices for cross_entropy). */
static int
convert(struct dataset *ds, struct load *ld, const struct config *cfg)
{
	const struct csvfile *t = &ld->t;
	size_t F = (size_t)ds->nfeat, D = (size_t)ds->ntarg;
	int bce = cfg->loss.type == LOSS_BCE;
	int rc;

	ld->xd = xreallocarray(NULL, ds->nrows * F, sizeof(double));
	ld->yd = xreallocarray(NULL, ds->nrows * D, sizeof(double));
	for (size_t i = 0; i < ds->nrows; i++) {
		size_t r = ld->kept[i];

		for (size_t j = 0; j < F; j++) {
			rc = to_number(csvfile_cell(t, r, ld->fcol[j]),
				       &ld->xd[i * F + j]);
			if (rc < 0)
				return number_error(t, r, ld->fcol[j], rc);
		}
	}
	if (cfg->loss.type == LOSS_CROSS_ENTROPY)
		return make_classes(ds, ld);
	for (size_t i = 0; i < ds->nrows; i++) {
		size_t r = ld->kept[i];

		for (size_t j = 0; j < D; j++) {
			double *v = &ld->yd[i * D + j];

			rc = to_number(csvfile_cell(t, r, ld->tcol[j]), v);
			if (rc < 0)
				return number_error(t, r, ld->tcol[j], rc);
			if (bce && *v != 0.0 && *v != 1.0)
				return cell_error(t, r, ld->tcol[j],
						  "not 0 or 1 (bce needs "
						  "0/1 targets)");
		}
	}
	return 0;
}

/* Of n items, how many go to each split (see data.h). */
static void
split_counts(size_t n, const struct config *cfg, size_t c[NSPLITS])
{
	double ftr = fmax(cfg->data.split_train, 0.0);
	double fv = fmax(cfg->data.split_val, 0.0);
	double fte = fmax(cfg->data.split_test, 0.0);
	double sum = ftr + fv + fte;

	c[SPLIT_VAL] = c[SPLIT_TEST] = 0;
	if (sum > 0) {
		c[SPLIT_VAL] = (size_t)llround((double)n * fv / sum);
		c[SPLIT_TEST] = (size_t)llround((double)n * fte / sum);
	}
	if (c[SPLIT_VAL] > n)
		c[SPLIT_VAL] = n;
	if (c[SPLIT_TEST] > n - c[SPLIT_VAL])
		c[SPLIT_TEST] = n - c[SPLIT_VAL];
	c[SPLIT_TRAIN] = n - c[SPLIT_VAL] - c[SPLIT_TEST];
}

/* Samples of nrows rows: ids first .. first + count - 1. */
static size_t
sample_count(size_t nrows, size_t first, size_t H)
{
	return nrows > first + H ? nrows - first - H : 0;
}

/* Train samples that nrows rows would give. */
static size_t
train_count(size_t nrows, const struct config *cfg, size_t first, size_t H)
{
	size_t c[NSPLITS];

	if (cfg->data.shuffle) {
		split_counts(sample_count(nrows, first, H), cfg, c);
		return c[SPLIT_TRAIN];
	}
	split_counts(nrows, cfg, c);
	return c[SPLIT_TRAIN] > first + H ? c[SPLIT_TRAIN] - first - H : 0;
}

static int
size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return a < b ? -1 : a > b;
}

static int
make_splits(struct dataset *ds, const struct config *cfg)
{
	size_t L = (size_t)ds->lookback, H = (size_t)ds->horizon;
	size_t first = L ? L - 1 : 0;
	size_t ns = sample_count(ds->nrows, first, H);
	size_t c[NSPLITS];

	for (int s = 0; s < NSPLITS; s++)
		ds->samples[s] = xreallocarray(NULL, ns ? ns : 1,
					       sizeof(size_t));
	if (cfg->data.shuffle) {
		size_t *ids = xreallocarray(NULL, ns ? ns : 1, sizeof(size_t));
		struct rng rng;
		size_t at = 0;

		for (size_t k = 0; k < ns; k++)
			ids[k] = first + k;
		rng_seed(&rng, cfg->train.seed ^ DATA_SEED_SALT);
		rng_shuffle(&rng, ids, ns);
		split_counts(ns, cfg, c);
		for (int s = 0; s < NSPLITS; s++) {
			memcpy(ds->samples[s], ids + at,
			       c[s] * sizeof(size_t));
			ds->nsamples[s] = c[s];
			qsort(ds->samples[s], c[s], sizeof(size_t), size_cmp);
			at += c[s];
		}
		free(ids);
	} else {
		size_t b1, b2;

		split_counts(ds->nrows, cfg, c);
		b1 = c[SPLIT_TRAIN];
		b2 = b1 + c[SPLIT_VAL];
		for (size_t k = 0; k < ns; k++) {
			size_t t = first + k, tr = t + H;
			int s = tr < b1 ? SPLIT_TRAIN : tr < b2 ? SPLIT_VAL :
				SPLIT_TEST;

			ds->samples[s][ds->nsamples[s]++] = t;
		}
	}
	if (ds->nsamples[SPLIT_TRAIN] == 0) {
		size_t need = ds->nrows + 1;
		size_t limit = (first + H + 2) * 1000 + 1000;
		struct strbuf sb = STRBUF_INIT;

		while (need < limit && !train_count(need, cfg, first, H))
			need++;
		if (L)
			sb_addf(&sb, "lookback %zu, horizon %zu, ", L, H);
		sb_addf(&sb, "train fraction %g", cfg->data.split_train);
		if (need < limit)
			error("%s: too few rows: %zu rows (%zu dropped) give "
			      "no train sample (%s); at least %zu rows are "
			      "needed",
			      ds->name, ds->nrows, ds->ndropped, sb_str(&sb),
			      need);
		else
			error("%s: no train sample (%s): raise the train "
			      "fraction", ds->name, sb_str(&sb));
		sb_release(&sb);
		return -1;
	}
	return 0;
}

/*
 * Mean and population std of the columns of v (nrows, ncol) over the rows
 * with mask[r] set. A constant column (all its values equal) gets std 1;
 * testing equality rather than std == 0 also catches the tiny std that
 * rounding in the mean gives such a column.
 */
static void
column_stats(const double *v, size_t nrows, size_t ncol,
	     const unsigned char *mask, double *mean, double *std)
{
	for (size_t j = 0; j < ncol; j++) {
		double sum = 0, ss = 0, lo = INFINITY, hi = -INFINITY;
		size_t m = 0;

		for (size_t r = 0; r < nrows; r++)
			if (mask[r]) {
				double x = v[r * ncol + j];

				sum += x;
				lo = fmin(lo, x);
				hi = fmax(hi, x);
				m++;
			}
		mean[j] = m ? sum / (double)m : 0;
		for (size_t r = 0; r < nrows; r++)
			if (mask[r]) {
				double d = v[r * ncol + j] - mean[j];

				ss += d * d;
			}
		std[j] = m ? sqrt(ss / (double)m) : 0;
		if (m == 0 || lo == hi || !(std[j] > 0))
			std[j] = 1;
	}
}

/* The train rows: covered by a train sample's inputs or target. */
static unsigned char *
train_rows(const struct dataset *ds)
{
	unsigned char *mask = xcalloc(ds->nrows, 1);
	long *d = xcalloc(ds->nrows + 1, sizeof(long));
	size_t L = (size_t)ds->lookback, H = (size_t)ds->horizon;
	long run = 0;

	for (size_t k = 0; k < ds->nsamples[SPLIT_TRAIN]; k++) {
		size_t t = ds->samples[SPLIT_TRAIN][k];

		if (!L) {
			mask[t] = 1;
			continue;
		}
		d[t + 1 - L]++;
		d[t + 1]--;
		mask[t + H] = 1;
	}
	for (size_t r = 0; r < ds->nrows; r++) {
		run += d[r];
		if (run > 0)
			mask[r] = 1;
	}
	free(d);
	return mask;
}

static void
normalize(struct dataset *ds, struct load *ld, const struct config *cfg)
{
	size_t F = (size_t)ds->nfeat, D = (size_t)ds->ntarg, n = ds->nrows;
	int regression = cfg->loss.type != LOSS_CROSS_ENTROPY &&
		cfg->loss.type != LOSS_BCE;

	ds->x_mean = xcalloc(F, sizeof(double));
	ds->x_std = xcalloc(F, sizeof(double));
	ds->y_mean = xcalloc(D, sizeof(double));
	ds->y_std = xcalloc(D, sizeof(double));
	for (size_t j = 0; j < F; j++)
		ds->x_std[j] = 1;
	for (size_t j = 0; j < D; j++)
		ds->y_std[j] = 1;
	if (ds->zscore) {
		unsigned char *mask = train_rows(ds);

		column_stats(ld->xd, n, F, mask, ds->x_mean, ds->x_std);
		if (regression)
			column_stats(ld->yd, n, D, mask, ds->y_mean,
				     ds->y_std);
		free(mask);
	}
	ds->X = xreallocarray(NULL, n * F, sizeof(real));
	ds->Y = xreallocarray(NULL, n * D, sizeof(real));
	ds->Yraw = xreallocarray(NULL, n * D, sizeof(float));
	for (size_t r = 0; r < n; r++) {
		for (size_t j = 0; j < F; j++)
			ds->X[r * F + j] = (real)((ld->xd[r * F + j] -
						   ds->x_mean[j]) /
						  ds->x_std[j]);
		for (size_t j = 0; j < D; j++) {
			double y = ld->yd[r * D + j];

			ds->Yraw[r * D + j] = (float)y;
			ds->Y[r * D + j] = (real)((y - ds->y_mean[j]) /
						  ds->y_std[j]);
		}
	}
}

static void
load_release(struct load *ld)
{
	csvfile_release(&ld->t);
	free(ld->fcol);
	free(ld->tcol);
	free(ld->kept);
	free(ld->xd);
	free(ld->yd);
}

int
data_load(struct dataset *ds, const struct config *cfg,
	  const char *data_root)
{
	struct load ld;
	char delim = cfg->data.delimiter ? cfg->data.delimiter : ',';
	size_t len;
	char *buf;
	int rc, fd;

	memset(ds, 0, sizeof(*ds));
	memset(&ld, 0, sizeof(ld));
	ds->name = xstrdup(cfg->data.path ? cfg->data.path : "");
	if (delim == '"' || delim == '\n' || delim == '\r') {
		error("data.delimiter: a quote or a line end cannot be the "
		      "delimiter");
		goto err;
	}
	if (cfg->data.lookback < 0 || cfg->data.horizon < 0) {
		error("data.window: lookback and horizon must be >= 0");
		goto err;
	}
	ds->lookback = cfg->data.lookback;
	ds->horizon = ds->lookback ? cfg->data.horizon : 0;
	ds->steps = ds->lookback ? ds->lookback : 1;
	ds->shuffled = cfg->data.shuffle != 0;
	ds->zscore = cfg->data.normalize == NORMALIZE_ZSCORE;
	fd = open_data(data_root ? data_root : ".", cfg->data.path,
		       &ds->path);
	if (fd < 0)
		goto err;
	/* read what was opened, by its descriptor; messages name the file */
	buf = file_read_fd(fd, ds->path, &len, DATA_MAX_BYTES);
	close(fd);
	if (buf)
		buf = arc_decompress(ds->path, buf, len, &len,
				     DATA_MAX_BYTES);
	if (!buf)
		goto err;
	rc = csvfile_parse(&ld.t, buf, len, delim, ds->name, 0);
	free(buf);
	if (rc < 0)
		goto err;
	if (header_is_data(&ld.t)) {
		struct strbuf sb = STRBUF_INIT;

		csvfile_show_header(&sb, &ld.t, 100);
		error("%s:%zu: no header: the first row holds only numbers "
		      "(%s); it must name the columns", ds->name,
		      ld.t.header_line, sb_str(&sb));
		sb_release(&sb);
		goto err;
	}
	if (ld.t.nrows == 0) {
		error("%s: no data rows, only a header (line %zu)", ds->name,
		      ld.t.header_line);
		goto err;
	}
	ds->nrows_read = ld.t.nrows;
	if (choose_columns(ds, &ld, cfg) < 0 || keep_rows(ds, &ld, cfg) < 0 ||
	    convert(ds, &ld, cfg) < 0 || make_splits(ds, cfg) < 0)
		goto err;
	normalize(ds, &ld, cfg);
	load_release(&ld);
	return 0;
err:
	load_release(&ld);
	data_release(ds);
	return -1;
}

static void
free_names(char **names, int n)
{
	if (!names)
		return;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void
data_release(struct dataset *ds)
{
	free(ds->path);
	free(ds->name);
	free_names(ds->feat_names, ds->nfeat);
	free_names(ds->text_names, ds->ntext);
	free_names(ds->targ_names, ds->ntarg);
	free_names(ds->class_names, ds->nclasses);
	free(ds->X);
	free(ds->Y);
	free(ds->Yraw);
	for (int s = 0; s < NSPLITS; s++)
		free(ds->samples[s]);
	free(ds->x_mean);
	free(ds->x_std);
	free(ds->y_mean);
	free(ds->y_std);
	memset(ds, 0, sizeof(*ds));
}

void
data_batch(const struct dataset *ds, const size_t *ids, int B, real *x,
	   real *y, real *last)
{
	size_t F = (size_t)ds->nfeat, D = (size_t)ds->ntarg;
	size_t T = (size_t)ds->steps, L = (size_t)ds->lookback;

	for (int b = 0; b < B; b++) {
		size_t t = ids[b];
		size_t first = L ? t + 1 - L : t;
		size_t tr = t + (size_t)ds->horizon;

		/* The window's rows are consecutive: one copy. */
		memcpy(x + (size_t)b * T * F, ds->X + first * F,
		       T * F * sizeof(real));
		memcpy(y + (size_t)b * D, ds->Y + tr * D, D * sizeof(real));
		if (!last)
			continue;
		if (L)
			memcpy(last + (size_t)b * D, ds->Y + t * D,
			       D * sizeof(real));
		else
			for (size_t j = 0; j < D; j++)
				last[(size_t)b * D + j] = 0;
	}
}

void
data_denormalize_y(const struct dataset *ds, float *v, size_t n)
{
	size_t D = (size_t)ds->ntarg;

	if (ds->nclasses)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < D; j++)
			v[i * D + j] = (float)(v[i * D + j] * ds->y_std[j] +
					       ds->y_mean[j]);
}

void
data_summary(const struct dataset *ds, struct strbuf *out)
{
	sb_addf(out, "file: %s (%s)\n", ds->name, ds->path);
	sb_addf(out, "rows: %zu read, %zu dropped for missing values, %zu "
		"used\n", ds->nrows_read, ds->ndropped, ds->nrows);
	sb_addf(out, "features (%d): ", ds->nfeat);
	csvfile_show_list(out, (const char *const *)ds->feat_names,
			  (size_t)ds->nfeat, 200);
	if (ds->ntext) {
		sb_addf(out, "\nleft out, not numbers (name data.features "
			"to choose): ");
		csvfile_show_list(out, (const char *const *)ds->text_names,
				  (size_t)ds->ntext, 200);
	}
	sb_addf(out, "\ntargets (%d): ", ds->ntarg);
	csvfile_show_list(out, (const char *const *)ds->targ_names,
			  (size_t)ds->ntarg, 200);
	sb_addc(out, '\n');
	if (ds->nclasses) {
		sb_addf(out, "classes (%d): ", ds->nclasses);
		csvfile_show_list(out, (const char *const *)ds->class_names,
				  (size_t)ds->nclasses, 200);
		sb_addc(out, '\n');
	}
	if (ds->lookback)
		sb_addf(out, "window: lookback %d, horizon %d\n", ds->lookback,
			ds->horizon);
	else
		sb_adds(out, "window: none (each row is a sample)\n");
	sb_addf(out, "split: train %zu, val %zu, test %zu samples (%s)\n",
		ds->nsamples[SPLIT_TRAIN], ds->nsamples[SPLIT_VAL],
		ds->nsamples[SPLIT_TEST], ds->shuffled ? "shuffled" :
		"in order");
	sb_addf(out, "normalize: %s\n", ds->zscore ?
		"zscore (statistics of the train rows)" : "none");
}
