/*
 * evaluate.c - the model on a split; see evaluate.h.
 *
 * The split goes through the model in batches of the run's batch size in
 * inference mode (model_forward runs a batch's chunks on the threads, as
 * training does), giving the mean loss over the samples; the point
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

/*
 * Metrics as a JSON object: rmse, mae, r2, diracc (and pinball, coverage
 * for the quantile loss) or accuracy, f1.
 */
json_t *
evaluate_metrics_json(const struct metrics *m)
{
	json_t *o;

	if (m->classification)
		return json_pack("{s:o,s:o}", "accuracy", json_num(m->accuracy),
				 "f1", json_num(m->f1));
	o = json_pack("{s:o,s:o,s:o,s:o}", "rmse", json_num(m->rmse),
		      "mae", json_num(m->mae), "r2", json_num(m->r2),
		      "diracc", json_num(m->diracc));
	if (m->quantile) {
		json_object_set_new(o, "pinball", json_num(m->pinball));
		json_object_set_new(o, "coverage", json_num(m->coverage));
	}
	return o;
}

/* Evaluate the model on a split; see evaluate.h. */
double
evaluate_split(struct run *r, enum split s, struct metrics *m, float **preds,
	       float **quants)
{
	const struct dataset *ds = &r->ds;
	size_t n = ds->nsamples[s], D = (size_t)r->D;
	int quantile = r->cfg.loss.type == LOSS_QUANTILE;
	size_t Q = quantile ? (size_t)r->cfg.loss.nquantiles : 0;
	float *pred = xcalloc(n * D + 1, sizeof(float));
	/* (n, D, Q): every level's prediction, for the band and coverage */
	float *qv = quantile ? xcalloc(n * D * Q + 1, sizeof(float)) : NULL;
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
		/* out is (nb, D * Q), level j of target d at d * Q + j: the
		   layout qv keeps */
		for (size_t k = 0; qv && k < (size_t)nb * D * Q; k++)
			qv[i * D * Q + k] = (float)out[k];
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
	if (qv) {
		/* each level back on the original scale, as pred */
		for (size_t i = 0; i < n; i++)
			for (size_t d = 0; d < D; d++)
				for (size_t j = 0; j < Q; j++) {
					float *v = &qv[(i * D + d) * Q + j];

					*v = (float)(*v * ds->y_std[d] +
						     ds->y_mean[d]);
				}
		metrics_quantile(m, qv, truth, n, r->D, r->cfg.loss.quantiles,
				 r->cfg.loss.nquantiles);
	}
	free(truth);
	free(last);
	free(pb);
	if (preds)
		*preds = pred;
	else
		free(pred);
	if (quants)
		*quants = qv;
	else
		free(qv);
	return n ? sum / (double)n : NAN;
}
