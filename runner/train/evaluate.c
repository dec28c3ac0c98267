/*
 * evaluate.c - the model on a split; see evaluate.h.
 *
 * The split goes through the model in batches of the run's batch size in
 * inference mode, giving the mean loss over the samples; the point
 * predictions (loss_predict) are compared with the raw targets: as class
 * indices for cross_entropy, as they are for bce, back on the original
 * scale for regression, where windowed data also gives the last observed
 * value that directional accuracy needs.
 */
#include "runner/train/evaluate.h"
#include "lib/error.h"
#include "runner/train/loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The sample's row of targets: its own row, or horizon after a window. */
size_t
evaluate_target_row(const struct dataset *ds, size_t id)
{
	return ds->lookback ? id + (size_t)ds->horizon : id;
}

/* Metrics as a JSON object: rmse, mae, r2, diracc or accuracy, f1. */
json_t *
evaluate_metrics_json(const struct metrics *m)
{
	if (m->classification)
		return json_pack("{s:o,s:o}", "accuracy", json_num(m->accuracy),
				 "f1", json_num(m->f1));
	return json_pack("{s:o,s:o,s:o,s:o}", "rmse", json_num(m->rmse),
			 "mae", json_num(m->mae), "r2", json_num(m->r2),
			 "diracc", json_num(m->diracc));
}

/*
 * Evaluate the model on a split: the mean loss, metrics on the original
 * scale, and when preds is not NULL the point predictions (n, D) on the
 * original scale (the caller frees them). NaN loss for an empty split.
 */
double
evaluate_split(struct run *r, enum split s, struct metrics *m, float **preds)
{
	const struct dataset *ds = &r->ds;
	size_t n = ds->nsamples[s], D = (size_t)r->D;
	float *pred = xcalloc(n * D + 1, sizeof(float));
	float *truth = xcalloc(n * D + 1, sizeof(float));
	float *last = ds->lookback ? xcalloc(n * D + 1, sizeof(float)) : NULL;
	real *pb = xcalloc((size_t)r->B * D, sizeof(real));
	double sum = 0;

	for (size_t i = 0; i < n; i += (size_t)r->B) {
		int nb = (int)(n - i < (size_t)r->B ? n - i : (size_t)r->B);
		const real *out;

		data_batch(ds, ds->samples[s] + i, nb, r->xb, r->yb, NULL);
		out = model_forward(r->model, r->xb, nb, 0, NULL);
		sum += loss_compute(&r->cfg.loss, out, r->yb, nb, r->D, r->K,
				    NULL) * nb;
		loss_predict(&r->cfg.loss, out, nb, r->D, r->K, pb);
		for (size_t k = 0; k < (size_t)nb * D; k++)
			pred[i * D + k] = (float)pb[k];
	}
	for (size_t i = 0; i < n; i++) {
		size_t id = ds->samples[s][i];

		memcpy(truth + i * D, ds->Yraw +
		       evaluate_target_row(ds, id) * D, D * sizeof(float));
		if (last)
			memcpy(last + i * D, ds->Yraw + id * D,
			       D * sizeof(float));
	}
	memset(m, 0, sizeof(*m));
	if (r->cfg.loss.type == LOSS_CROSS_ENTROPY) {
		int *pi = xcalloc(n + 1, sizeof(int));
		int *ti = xcalloc(n + 1, sizeof(int));

		for (size_t i = 0; i < n; i++) {
			pi[i] = (int)pred[i];
			ti[i] = (int)truth[i];
		}
		metrics_classification(m, pi, ti, n, r->K);
		free(pi);
		free(ti);
	} else if (r->cfg.loss.type == LOSS_BCE) {
		metrics_binary(m, pred, truth, n, r->D);
	} else {
		data_denormalize_y(ds, pred, n);
		metrics_regression(m, pred, truth, last, n, r->D);
	}
	free(truth);
	free(last);
	free(pb);
	if (preds)
		*preds = pred;
	else
		free(pred);
	return n ? sum / (double)n : NAN;
}
