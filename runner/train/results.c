/*
 * results.c - the run's results: metrics.csv, the test and save stages;
 * see results.h and docs/formats.md.
 *
 * metrics.csv gets a row at the end of every epoch (epoch.c) and is cut
 * back to the resumed epoch when a run resumes, so it never holds a row
 * twice. The test stage writes predictions.csv on the original scale
 * (class names for cross_entropy); the save stage packs the weights
 * (safetensors), normalization.json and config.json into model.tar.zst.
 */
#include "runner/train/results.h"
#include "lib/arc.h"
#include "runner/train/ckptfile.h"
#include "runner/train/evaluate.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "runner/train/loss.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

json_t *
results_names_json(char **names, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static int
is_regression(const struct run *r)
{
	return !loss_is_classification(&r->cfg.loss);
}

static void
csv_field(struct strbuf *sb, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		sb_adds(sb, s);
		return;
	}
	sb_addc(sb, '"');
	for (; *s; s++) {
		if (*s == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *s);
	}
	sb_addc(sb, '"');
}

static void
csv_num(struct strbuf *sb, double x)
{
	if (isfinite(x))
		sb_addf(sb, "%.9g", x);
}

static const char *
class_name(const struct run *r, float idx)
{
	int k = (int)idx;

	return k >= 0 && k < r->K ? r->ds.class_names[k] : "";
}

/*
 * predictions.csv: the test samples' row, targets and predictions; quant
 * (n, D, Q) the prediction of every level for the quantile loss, or NULL.
 */
static int
write_predictions(struct run *r, const float *pred, const float *quant)
{
	const struct dataset *ds = &r->ds;
	struct strbuf sb = STRBUF_INIT;
	size_t n = ds->nsamples[SPLIT_TEST], D = (size_t)r->D;
	size_t Q = quant ? (size_t)r->cfg.loss.nquantiles : 0;
	char *path = path_join(r->jf.dir, JOB_PREDICTIONS);
	int rc;

	sb_adds(&sb, "row");
	for (size_t d = 0; d < D; d++) {
		sb_addc(&sb, ',');
		csv_field(&sb, ds->targ_names[d]);
		sb_addc(&sb, ',');
		char *p = xasprintf("%s_pred", ds->targ_names[d]);

		csv_field(&sb, p);
		free(p);
		if (ds->lookback && is_regression(r)) {
			p = xasprintf("%s_last", ds->targ_names[d]);
			sb_addc(&sb, ',');
			csv_field(&sb, p);
			free(p);
		}
		for (size_t j = 0; j < Q; j++) {
			p = xasprintf("%s_q%g", ds->targ_names[d],
				      r->cfg.loss.quantiles[j]);
			sb_addc(&sb, ',');
			csv_field(&sb, p);
			free(p);
		}
	}
	sb_addc(&sb, '\n');
	for (size_t i = 0; i < n; i++) {
		size_t id = ds->samples[SPLIT_TEST][i];
		size_t row = evaluate_target_row(ds, id);

		sb_addf(&sb, "%zu", row);
		for (size_t d = 0; d < D; d++) {
			float y = ds->Yraw[row * D + d];

			sb_addc(&sb, ',');
			if (r->cfg.loss.type == LOSS_CROSS_ENTROPY) {
				csv_field(&sb, class_name(r, y));
				sb_addc(&sb, ',');
				csv_field(&sb, class_name(r, pred[i * D + d]));
				continue;
			}
			csv_num(&sb, y);
			sb_addc(&sb, ',');
			csv_num(&sb, pred[i * D + d]);
			if (ds->lookback && is_regression(r)) {
				sb_addc(&sb, ',');
				csv_num(&sb, ds->Yraw[id * D + d]);
			}
			for (size_t j = 0; j < Q; j++) {
				sb_addc(&sb, ',');
				csv_num(&sb, quant[(i * D + d) * Q + j]);
			}
		}
		sb_addc(&sb, '\n');
	}
	rc = file_write_atomic(path, sb.buf, sb.len);
	sb_release(&sb);
	free(path);
	return rc;
}

void
results_metrics_header(struct run *r)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "epoch,step,seconds,lr,train_loss,val_loss");
	if (is_regression(r))
		sb_adds(&sb, ",val_rmse,val_mae,val_r2,val_diracc");
	else
		sb_adds(&sb, ",val_accuracy,val_f1");
	sb_adds(&sb, ",cpu_pct,rss_mb");
	jobfiles_metrics_line(&r->jf, sb.buf, 1);
	sb_release(&sb);
}

void
results_metrics_row(struct run *r, double lr, const struct metrics *m)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *res = json_object_get(r->jf.state, "resources");

	sb_addf(&sb, "%d,%ld,%.3f,", r->epoch, r->step,
		time_mono() - r->train_t0);
	csv_num(&sb, lr);
	sb_addc(&sb, ',');
	csv_num(&sb, r->train_loss);
	sb_addc(&sb, ',');
	csv_num(&sb, r->val_loss);
	if (m->classification) {
		sb_addc(&sb, ',');
		csv_num(&sb, m->accuracy);
		sb_addc(&sb, ',');
		csv_num(&sb, m->f1);
	} else {
		double v[4] = { m->rmse, m->mae, m->r2, m->diracc };

		for (int i = 0; i < 4; i++) {
			sb_addc(&sb, ',');
			csv_num(&sb, v[i]);
		}
	}
	sb_addf(&sb, ",%.1f,%.1f", json_dbl(res, "cpu_pct", 0),
		json_dbl(res, "rss_mb", 0));
	jobfiles_metrics_line(&r->jf, sb.buf, 0);
	sb_release(&sb);
}

/* Keep the rows of epochs <= r->epoch in metrics.csv (atomically). */
void
results_metrics_truncate(struct run *r)
{
	size_t len;
	char *buf = file_read_regular(r->jf.metrics_path, &len, 0);
	struct strbuf sb = STRBUF_INIT;
	char *line, *save = NULL;
	int first = 1;

	if (!buf) {
		error_clear();
		results_metrics_header(r);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), first = 0)
		if (first || atoi(line) <= r->epoch)
			sb_addf(&sb, "%s\n", line);
	if (file_write_atomic(r->jf.metrics_path, sb.buf, sb.len) < 0) {
		jobfiles_log(&r->jf, "warning: %s", error_last());
		error_clear();
	}
	sb_release(&sb);
	free(buf);
}

int
results_stage_test(struct run *r)
{
	struct metrics m, base;
	json_t *test;
	float *pred = NULL, *quant = NULL;
	double loss;
	int rc;

	run_stage_begin(r, STAGE_TEST);
	if (r->cfg.train.patience > 0 && r->best_epoch > 0) {
		memcpy(model_params(r->model), r->best_params,
		       model_nparams(r->model) * sizeof(real));
		jobfiles_log(&r->jf, "restored the weights of epoch %d "
			     "(best val_loss %.6g)", r->best_epoch,
			     r->best_val);
	}
	if (r->ds.nsamples[SPLIT_TEST] == 0) {
		jobfiles_log(&r->jf, "test: no test samples (data.split.test "
			     "is 0); skipped");
		run_stage_end(r, STAGE_TEST, JOB_SKIPPED);
		return 0;
	}
	loss = evaluate_split(r, SPLIT_TEST, &m, &pred, &quant);
	test = json_pack("{s:o,s:I,s:o}", "loss", json_num(loss), "samples",
			 (json_int_t)r->ds.nsamples[SPLIT_TEST], "metrics",
			 evaluate_metrics_json(&m));
	if (m.classification && m.confusion &&
	    m.nclasses > RESULTS_MAX_CONFUSION) {
		/* K x K counts would make state.json megabytes */
		char note[80];

		snprintf(note, sizeof note, "%d classes, more than %d",
			 m.nclasses, RESULTS_MAX_CONFUSION);
		json_object_set_new(test, "confusion", json_null());
		json_object_set_new(test, "confusion_omitted",
				    json_string(note));
	} else if (m.classification && m.confusion) {
		json_t *cm = json_array();

		for (int i = 0; i < m.nclasses; i++) {
			json_t *row = json_array();

			for (int j = 0; j < m.nclasses; j++)
				json_array_append_new(row, json_integer(
					m.confusion[i * m.nclasses + j]));
			json_array_append_new(cm, row);
		}
		json_object_set_new(test, "confusion", cm);
		json_object_set_new(test, "classes", r->K ?
			results_names_json(r->ds.class_names, r->K) :
			json_pack("[s,s]", "0", "1"));
	}
	if (!m.classification && r->ds.lookback) {
		/* The persistence forecast: tomorrow equals today. */
		size_t n = r->ds.nsamples[SPLIT_TEST], D = (size_t)r->D;
		float *last = xcalloc(n * D, sizeof(float));
		float *truth = xcalloc(n * D, sizeof(float));

		for (size_t i = 0; i < n; i++) {
			size_t id = r->ds.samples[SPLIT_TEST][i];

			memcpy(last + i * D, r->ds.Yraw + id * D,
			       D * sizeof(float));
			memcpy(truth + i * D, r->ds.Yraw +
			       evaluate_target_row(&r->ds, id) * D,
			       D * sizeof(float));
		}
		metrics_regression(&base, last, truth, NULL, n, r->D);
		json_object_set_new(test, "baseline", json_pack("{s:s,s:o,s:o}",
			"name", "persistence", "rmse", json_num(base.rmse),
			"mae", json_num(base.mae)));
		jobfiles_log(&r->jf, "test: persistence baseline rmse %.6g",
			     base.rmse);
		metrics_release(&base);
		free(last);
		free(truth);
	}
	json_object_set_new(r->jf.state, "test", test);
	if (m.classification)
		jobfiles_log(&r->jf, "test: loss %.6g  accuracy %.4f  f1 %.4f "
			     "(%zu samples)", loss, m.accuracy, m.f1,
			     r->ds.nsamples[SPLIT_TEST]);
	else
		jobfiles_log(&r->jf, "test: loss %.6g  rmse %.6g  mae %.6g  "
			     "r2 %.4f (%zu samples)", loss, m.rmse, m.mae,
			     m.r2, r->ds.nsamples[SPLIT_TEST]);
	if (m.quantile)
		jobfiles_log(&r->jf, "test: pinball %.6g  coverage %.4f of "
			     "the %g-%g band", m.pinball, m.coverage,
			     r->cfg.loss.quantiles[0], r->cfg.loss.quantiles[
			     r->cfg.loss.nquantiles - 1]);
	metrics_release(&m);
	rc = write_predictions(r, pred, quant);
	free(pred);
	free(quant);
	if (rc < 0)
		return -1;
	run_stage_end(r, STAGE_TEST, JOB_COMPLETED);
	return 0;
}

/* normalization.json: what a user needs to feed the model new data. */
static json_t *
normalization_json(const struct run *r)
{
	const struct dataset *ds = &r->ds;
	json_t *f = json_array(), *t = json_array(), *n;

	for (int i = 0; i < ds->nfeat; i++)
		json_array_append_new(f, json_pack("{s:s,s:f,s:f}", "name",
			ds->feat_names[i], "mean", ds->x_mean[i], "std",
			ds->x_std[i]));
	for (int i = 0; i < ds->ntarg; i++)
		json_array_append_new(t, json_pack("{s:s,s:f,s:f}", "name",
			ds->targ_names[i], "mean", ds->y_mean[i], "std",
			ds->y_std[i]));
	n = json_pack("{s:i,s:s,s:o,s:o}", "format_version", 1, "normalize",
		      r->cfg.data.normalize == NORMALIZE_ZSCORE ? "zscore" :
		      "none", "features", f, "targets", t);
	if (ds->nclasses)
		json_object_set_new(n, "classes", results_names_json(
				    ds->class_names, ds->nclasses));
	if (ds->lookback)
		json_object_set_new(n, "window", json_pack("{s:i,s:i}",
			"lookback", ds->lookback, "horizon", ds->horizon));
	return n;
}

/* The model's tensors in safetensors form; the caller frees the buffer. */
static char *
model_safetensors(struct run *r, size_t *len)
{
	size_t nt = model_ntensors(r->model);
	struct tensor_info *ti = xcalloc(nt + 1, sizeof(*ti));
	json_t *meta;
	char *buf;

	for (size_t i = 0; i < nt; i++)
		ti[i] = *model_tensor(r->model, i);
	meta = json_pack("{s:s,s:s,s:s,s:s}", "format", "spoolboard-model",
			 "format_version", "1", "model",
			 model_type_name(r->cfg.model.type), "config_hash",
			 r->cfg.hash);
	buf = ckptfile_weights(ti, nt, model_params(r->model), meta, len);
	json_decref(meta);
	free(ti);
	return buf;
}

int
results_stage_save(struct run *r)
{
	struct arc_member m[3];
	char *path = path_join(r->jf.dir, JOB_MODEL);
	json_t *norm = normalization_json(r);
	char *cfg = json_to_string(r->cfg.json);
	char *nj = json_to_string(norm);
	int rc;

	run_stage_begin(r, STAGE_SAVE);
	m[0].name = (char *)"model.safetensors";
	m[0].data = model_safetensors(r, &m[0].size);
	m[1].name = (char *)"normalization.json";
	m[1].data = nj;
	m[1].size = strlen(nj);
	m[2].name = (char *)JOB_CONFIG;
	m[2].data = cfg;
	m[2].size = strlen(cfg);
	rc = arc_write(path, m, 3);
	free(m[0].data);
	free(nj);
	free(cfg);
	json_decref(norm);
	if (rc == 0) {
		jobfiles_log(&r->jf, "saved model.tar.zst");
		run_stage_end(r, STAGE_SAVE, JOB_COMPLETED);
	}
	free(path);
	return rc;
}
