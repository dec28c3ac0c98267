/*
 * train.c - the training run: stages, epochs, outputs. See train.h.
 *
 * The run keeps everything it reports in one struct run. Each stage is
 * begun and ended through stage_begin/stage_end, which update state.json
 * and events.jsonl, so the job directory always tells where the run is.
 * Errors inside a stage are recorded by error() (quiet during the run)
 * and turned into a failed state with the message, the stage and a hint.
 */
#include "train.h"
#include "arc.h"
#include "checkpoint.h"
#include "config.h"
#include "data.h"
#include "error.h"
#include "fileio.h"
#include "jobfiles.h"
#include "loss.h"
#include "metrics.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "safetensors.h"
#include "strbuf.h"
#include "timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum stage { STAGE_LOAD, STAGE_PREPARE, STAGE_TRAIN, STAGE_TEST, STAGE_SAVE,
	     NSTAGES };

static const char *const stage_names[NSTAGES] = {
	"load", "prepare", "train", "test", "save"
};

static volatile sig_atomic_t stop_signal;

struct run {
	const struct train_opts *opts;
	struct config cfg;
	struct dataset ds;
	struct model *model;
	struct optim opt;
	struct rng rng;
	struct jobfiles jf;
	int have_cfg, have_ds, have_opt;

	int D, K, O, B;		/* targets, classes, outputs, batch */
	size_t in_size;		/* steps * features per sample */
	real *xb, *yb, *dout;	/* batch buffers */
	size_t *order;		/* train samples in this epoch's order */
	real *best_params;	/* weights at the best validation loss */

	int epoch;		/* epochs completed */
	long step;
	long cursor;		/* batches done in epoch+1; 0: boundary */
	double loss_sum;	/* sum of loss*batch over those batches */
	double lr;		/* the last learning rate used */
	struct rng rng_epoch;	/* the rng before this epoch's shuffle */
	int epoch0;		/* epochs completed when this run began */
	int resumed;		/* state restored from a checkpoint */
	char *ckpt_dir;		/* JOBDIR/checkpoints */
	json_t *ckpts;		/* state.json "checkpoints" (owned) */
	int lock_fd;		/* JOBDIR/.lock, held while the run lives */
	double train_loss, val_loss;
	int best_epoch;
	double best_val;
	int bad_epochs;
	int stopped_early;

	enum stage stage;
	double stage_t0;
	double t0;		/* monotonic start of the run */
	double train_t0;	/* monotonic start of the train stage */
	double cpu_t0, cpu_wall0;	/* for cpu_pct */
};

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* CPU seconds used by this process so far. */
static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* Resident memory now, in MiB (0 when /proc is not there). */
static double
rss_mb(void)
{
	long pages = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (!fp)
		return 0;
	if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(fp);
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static void
update_resources(struct run *r)
{
	double now = time_mono(), cpu = cpu_seconds();
	double wall = now - r->cpu_wall0;
	json_t *res = json_object();

	json_object_set_new(res, "cpu_pct", json_num(wall > 0 ?
		100.0 * (cpu - r->cpu_t0) / wall : 0));
	json_object_set_new(res, "rss_mb", json_num(rss_mb()));
	json_object_set_new(r->jf.state, "resources", res);
	r->cpu_t0 = cpu;
	r->cpu_wall0 = now;
}

static json_t *
stage_obj(struct run *r, enum stage s)
{
	return json_array_get(json_object_get(r->jf.state, "stages"), s);
}

static void
stage_begin(struct run *r, enum stage s)
{
	json_t *st = stage_obj(r, s);

	r->stage = s;
	r->stage_t0 = time_mono();
	json_object_set_new(st, "status", json_string("running"));
	jobfiles_set_time(st, "started", time_now());
	json_object_set_new(r->jf.state, "stage", json_string(stage_names[s]));
	jobfiles_event(&r->jf, "stage", json_pack("{s:s,s:s}", "stage",
		       stage_names[s], "status", "running"));
	jobfiles_state_write(&r->jf);
}

static void
stage_end(struct run *r, enum stage s, const char *status)
{
	json_t *st = stage_obj(r, s);
	double secs = time_mono() - r->stage_t0;

	json_object_set_new(st, "status", json_string(status));
	jobfiles_set_time(st, "ended", time_now());
	json_object_set_new(st, "seconds", json_num(secs));
	jobfiles_event(&r->jf, "stage", json_pack("{s:s,s:s,s:o}", "stage",
		       stage_names[s], "status", status, "seconds",
		       json_num(secs)));
}

/* End the run with status (completed, failed, cancelled). */
static int
finish(struct run *r, const char *status, int code)
{
	json_t *st = r->jf.state;

	json_object_set_new(st, "status", json_string(status));
	jobfiles_set_time(st, "ended", time_now());
	json_object_set_new(st, "eta_seconds", json_null());
	json_object_set_new(st, "pid", json_null());
	if (code == TRAIN_COMPLETED)
		json_object_set_new(st, "progress", json_real(1.0));
	update_resources(r);
	jobfiles_state_write(&r->jf);
	jobfiles_event(&r->jf, "finished", json_pack("{s:s,s:i}", "status",
		       status, "exit", code));
	jobfiles_progress_done(&r->jf);
	return code;
}

/* Fail the current stage with message and hint. */
static int
fail(struct run *r, const char *message, const char *hint)
{
	jobfiles_log(&r->jf, "error: %s", message);
	if (hint && *hint)
		jobfiles_log(&r->jf, "hint: %s", hint);
	stage_end(r, r->stage, "failed");
	json_object_set_new(r->jf.state, "error", json_pack("{s:s,s:s,s:s?}",
		"message", message, "stage", stage_names[r->stage], "hint",
		hint && *hint ? hint : NULL));
	return finish(r, "failed", TRAIN_FAILED);
}

static int save_checkpoint(struct run *r);

/* Stop on SIGTERM/SIGINT, with a checkpoint once training has begun. */
static int
cancel(struct run *r)
{
	if (r->have_opt && r->stage >= STAGE_TRAIN)
		save_checkpoint(r);
	jobfiles_log(&r->jf, "cancelled by %s at epoch %d",
		     stop_signal == SIGINT ? "SIGINT" : "SIGTERM", r->epoch);
	stage_end(r, r->stage, "cancelled");
	return finish(r, "cancelled", TRAIN_CANCELLED);
}

static const char *
stage_hint(enum stage s)
{
	switch (s) {
	case STAGE_LOAD:
		return "check data.path, the column names and the CSV file "
		       "named in the message";
	case STAGE_SAVE:
		return "check that the job directory is writable and the "
		       "disk has free space";
	default:
		return "";
	}
}

static char *
job_id(const char *dir)
{
	char *copy = xstrdup(dir);
	size_t n = strlen(copy);
	char *id;

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	id = xstrdup(basename(copy));
	free(copy);
	return id;
}

/* The initial state.json: everything known before the data is read. */
static void
state_init(struct run *r, int threads)
{
	json_t *st = r->jf.state, *old = r->jf.old_state;
	json_t *stages = json_array(), *tags = json_array();
	char host[256] = "";
	char *id = job_id(r->jf.dir);
	double now = time_now();
	json_int_t attempt = 1;

	for (size_t i = 0; i < r->cfg.ntags; i++)
		json_array_append_new(tags, json_string(r->cfg.tags[i]));
	for (int s = 0; s < NSTAGES; s++)
		json_array_append_new(stages, json_pack("{s:s,s:s,s:n,s:n,s:n}",
			"name", stage_names[s], "status", "pending",
			"started", "ended", "seconds"));
	gethostname(host, sizeof(host) - 1);
	if (json_is_integer(json_object_get(old, "attempt")))
		attempt = json_integer_value(json_object_get(old, "attempt"));

	json_object_set_new(st, "id", json_string(id));
	json_object_set_new(st, "name", json_string(r->cfg.name));
	json_object_set_new(st, "tags", tags);
	json_object_set_new(st, "status", json_string("running"));
	json_object_set_new(st, "stage", json_string("load"));
	json_object_set_new(st, "stages", stages);
	json_object_set_new(st, "progress", json_real(0));
	json_object_set_new(st, "epoch", json_integer(0));
	json_object_set_new(st, "epochs", json_integer(r->cfg.train.epochs));
	json_object_set_new(st, "step", json_integer(0));
	json_object_set_new(st, "train_loss", json_null());
	json_object_set_new(st, "val_loss", json_null());
	json_object_set_new(st, "best", json_null());
	json_object_set_new(st, "metrics", json_object());
	if (json_is_string(json_object_get(old, "created")))
		json_object_set(st, "created", json_object_get(old, "created"));
	else
		jobfiles_set_time(st, "created", now);
	jobfiles_set_time(st, "started", now);
	jobfiles_set_time(st, "updated", now);
	json_object_set_new(st, "ended", json_null());
	json_object_set_new(st, "eta_seconds", json_null());
	json_object_set_new(st, "attempt", json_integer(attempt));
	json_object_set_new(st, "priority", json_integer(r->cfg.priority));
	json_object_set_new(st, "resumed_from", json_null());
	json_object_set_new(st, "pid", json_integer(getpid()));
	json_object_set_new(st, "host", json_string(host));
	json_object_set_new(st, "threads", json_integer(threads));
	json_object_set_new(st, "resources", json_pack("{s:f,s:f}", "cpu_pct",
		0.0, "rss_mb", rss_mb()));
	json_object_set_new(st, "checkpoints", json_array());
	json_object_set_new(st, "error", json_null());
	json_object_set_new(st, "model", json_pack("{s:s}", "type",
		model_type_name(r->cfg.model.type)));
	json_object_set_new(st, "data", json_pack("{s:s}", "path",
		r->cfg.data.path));
	json_object_set_new(st, "test", json_null());
	free(id);
}

static json_t *
names_json(char **names, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* The sample's row of targets: its own row, or horizon after a window. */
static size_t
target_row(const struct dataset *ds, size_t id)
{
	return ds->lookback ? id + (size_t)ds->horizon : id;
}

static int
is_regression(const struct run *r)
{
	return !loss_is_classification(&r->cfg.loss);
}

/* Metrics as a JSON object, names prefixed ("val_", "test_" or ""). */
static json_t *
metrics_json(const struct metrics *m)
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
static double
evaluate(struct run *r, enum split s, struct metrics *m, float **preds)
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

		memcpy(truth + i * D, ds->Yraw + target_row(ds, id) * D,
		       D * sizeof(float));
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

/* predictions.csv: the test samples' row, targets and predictions. */
static int
write_predictions(struct run *r, const float *pred)
{
	const struct dataset *ds = &r->ds;
	struct strbuf sb = STRBUF_INIT;
	size_t n = ds->nsamples[SPLIT_TEST], D = (size_t)r->D;
	char *path = path_join(r->jf.dir, "predictions.csv");
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
	}
	sb_addc(&sb, '\n');
	for (size_t i = 0; i < n; i++) {
		size_t id = ds->samples[SPLIT_TEST][i];
		size_t row = target_row(ds, id);

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
		}
		sb_addc(&sb, '\n');
	}
	rc = file_write_atomic(path, sb.buf, sb.len);
	sb_release(&sb);
	free(path);
	return rc;
}

static int
load_config(struct run *r)
{
	const struct train_opts *o = r->opts;
	struct strbuf problems = STRBUF_INIT;
	char *path = o->config ? xstrdup(o->config) :
		     path_join(o->jobdir, "config.json");
	int n;

	n = config_load(&r->cfg, path, &problems);
	if (n) {
		fputs(sb_str(&problems), stderr);
		error("'%s' has %d problem%s", path, n, n == 1 ? "" : "s");
	}
	sb_release(&problems);
	free(path);
	if (n)
		return -1;
	r->have_cfg = 1;
	return 0;
}

static char *
data_root(const struct train_opts *o)
{
	char *copy, *root;

	if (o->data_root)
		return xstrdup(o->data_root);
	copy = o->config ? xstrdup(o->config) :
	       path_join(o->jobdir, "config.json");
	root = xstrdup(dirname(copy));
	free(copy);
	return root;
}

static int
stage_load(struct run *r)
{
	struct strbuf sb = STRBUF_INIT;
	char *root = data_root(r->opts);
	const struct dataset *ds = &r->ds;
	json_t *data;
	int rc;

	stage_begin(r, STAGE_LOAD);
	rc = data_load(&r->ds, &r->cfg, root);
	free(root);
	if (rc < 0)
		return -1;
	r->have_ds = 1;
	data_summary(&r->ds, &sb);
	for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n"))
		jobfiles_log(&r->jf, "data: %s", line);
	sb_release(&sb);
	data = json_object_get(r->jf.state, "data");
	json_object_set_new(data, "rows", json_integer((json_int_t)ds->nrows));
	json_object_set_new(data, "dropped",
			    json_integer((json_int_t)ds->ndropped));
	json_object_set_new(data, "features",
			    names_json(ds->feat_names, ds->nfeat));
	json_object_set_new(data, "targets",
			    names_json(ds->targ_names, ds->ntarg));
	if (ds->nclasses)
		json_object_set_new(data, "classes",
				    names_json(ds->class_names, ds->nclasses));
	json_object_set_new(data, "split", json_pack("{s:I,s:I,s:I}",
		"train", (json_int_t)ds->nsamples[SPLIT_TRAIN],
		"val", (json_int_t)ds->nsamples[SPLIT_VAL],
		"test", (json_int_t)ds->nsamples[SPLIT_TEST]));
	if (ds->lookback)
		json_object_set_new(data, "window", json_pack("{s:i,s:i}",
			"lookback", ds->lookback, "horizon", ds->horizon));
	stage_end(r, STAGE_LOAD, "completed");
	return 0;
}

static int
stage_prepare(struct run *r)
{
	struct model_spec spec;
	struct strbuf sb = STRBUF_INIT;
	size_t ntrain = r->ds.nsamples[SPLIT_TRAIN];
	json_t *model;

	stage_begin(r, STAGE_PREPARE);
	r->D = r->ds.ntarg;
	r->K = r->ds.nclasses;
	r->O = loss_outputs(&r->cfg.loss, r->D, r->K);
	r->B = r->cfg.train.batch_size;
	if ((size_t)r->B > ntrain)
		r->B = (int)ntrain;
	model_spec_from_config(&spec, &r->cfg, r->ds.nfeat, r->ds.steps, r->O,
			       r->B);
	r->model = model_new(&spec);
	if (!r->model)
		return -1;
	rng_seed(&r->rng, r->cfg.train.seed);
	model_init_weights(r->model, &r->rng);
	optim_init(&r->opt, &r->cfg, model_nparams(r->model));
	r->have_opt = 1;
	r->in_size = (size_t)r->ds.steps * (size_t)r->ds.nfeat;
	r->xb = xcalloc((size_t)r->B * r->in_size, sizeof(real));
	r->yb = xcalloc((size_t)r->B * (size_t)r->D, sizeof(real));
	r->dout = xcalloc((size_t)r->B * (size_t)r->O, sizeof(real));
	r->order = xcalloc(ntrain, sizeof(size_t));
	r->best_params = xcalloc(model_nparams(r->model), sizeof(real));
	memcpy(r->best_params, model_params(r->model),
	       model_nparams(r->model) * sizeof(real));
	r->best_val = INFINITY;
	r->best_epoch = 0;

	model_summary(r->model, &sb);
	for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n"))
		jobfiles_log(&r->jf, "model: %s", line);
	sb_release(&sb);
	model = json_object_get(r->jf.state, "model");
	json_object_set_new(model, "params",
			    json_integer((json_int_t)model_nparams(r->model)));
	json_object_set_new(model, "outputs", json_integer(r->O));
	json_object_set_new(model, "loss",
			    json_string(loss_type_name(r->cfg.loss.type)));
	json_object_set_new(model, "optimizer",
			    json_string(optim_type_name(r->cfg.train.optimizer)));
	stage_end(r, STAGE_PREPARE, "completed");
	return 0;
}

static void
metrics_header(struct run *r)
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

static void
metrics_row(struct run *r, double lr, const struct metrics *m)
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

/* After an epoch: record losses, metrics, progress; track the best. */
static void
end_epoch(struct run *r, double lr, double epoch_secs)
{
	struct metrics m;
	json_t *st = r->jf.state;
	const struct config *c = &r->cfg;
	double eta, val;
	int improved;

	val = evaluate(r, SPLIT_VAL, &m, NULL);
	r->val_loss = val;
	r->epoch++;
	/* Without a validation split the train loss decides what is best. */
	if (!isfinite(val))
		val = r->train_loss;
	improved = val < r->best_val - c->train.min_delta;
	if (improved) {
		r->best_val = val;
		r->best_epoch = r->epoch;
		r->bad_epochs = 0;
		memcpy(r->best_params, model_params(r->model),
		       model_nparams(r->model) * sizeof(real));
	} else {
		r->bad_epochs++;
	}
	if (c->train.patience > 0 && r->ds.nsamples[SPLIT_VAL] &&
	    r->bad_epochs >= c->train.patience)
		r->stopped_early = 1;

	update_resources(r);
	eta = (time_mono() - r->train_t0) / (r->epoch - r->epoch0) *
	      (c->train.epochs - r->epoch);
	json_object_set_new(st, "epoch", json_integer(r->epoch));
	json_object_set_new(st, "step", json_integer(r->step));
	json_object_set_new(st, "progress",
			    json_real((double)r->epoch / c->train.epochs));
	json_object_set_new(st, "train_loss", json_num(r->train_loss));
	json_object_set_new(st, "val_loss", json_num(r->val_loss));
	json_object_set_new(st, "lr", json_num(lr));
	json_object_set_new(st, "best", json_pack("{s:i,s:o}", "epoch",
		r->best_epoch, "val_loss", json_num(r->best_val)));
	json_object_set_new(st, "metrics", metrics_json(&m));
	json_object_set_new(st, "eta_seconds", json_num(eta));
	metrics_row(r, lr, &m);
	jobfiles_state_write(&r->jf);
	if (m.classification)
		jobfiles_log(&r->jf, "epoch %d/%d  train_loss %.6g  val_loss "
			     "%.6g  val_accuracy %.4f  lr %.3g  %.2fs%s",
			     r->epoch, c->train.epochs, r->train_loss,
			     r->val_loss, m.accuracy, lr, epoch_secs,
			     improved ? "  *" : "");
	else
		jobfiles_log(&r->jf, "epoch %d/%d  train_loss %.6g  val_loss "
			     "%.6g  val_rmse %.6g  lr %.3g  %.2fs%s",
			     r->epoch, c->train.epochs, r->train_loss,
			     r->val_loss, m.rmse, lr, epoch_secs,
			     improved ? "  *" : "");
	jobfiles_progress(&r->jf, (double)r->epoch / c->train.epochs,
			  r->epoch, c->train.epochs, r->train_loss,
			  r->val_loss, eta, 1);
	metrics_release(&m);
}

/*
 * Checkpoints (docs/formats.md, "Checkpoints"). A checkpoint is written
 * every checkpoint.every epochs at the epoch boundary, and when the run
 * stops early: SIGTERM/SIGINT (mid-epoch, with the batch cursor) or the
 * time limit. ckpt-EEEEEE.tar.zst is named by the epochs completed, so a
 * mid-epoch checkpoint replaces the boundary one of the same epoch: it is
 * further on. The newest checkpoint.keep of them are kept. best.tar.zst
 * is a copy of the newest boundary checkpoint whose epoch is the best so
 * far (it improved the validation loss). A checkpoint that cannot be
 * written (a full disk) is a warning in the log: the run goes on, since
 * its own outputs do not depend on it, and only a resume would start
 * further back.
 */

/* Fill ck with what the run is (the part read and write both need). */
static void
ckpt_identity(struct run *r, struct checkpoint *ck, struct tensor_info *ti)
{
	size_t nt = model_ntensors(r->model);

	memset(ck, 0, sizeof(*ck));
	for (size_t i = 0; i < nt; i++)
		ti[i] = *model_tensor(r->model, i);
	ck->config_hash = r->cfg.hash;
	ck->tensors = ti;
	ck->ntensors = nt;
	ck->nparams = model_nparams(r->model);
	ck->optimizer = optim_type_name(r->cfg.train.optimizer);
	ck->nfeat = r->ds.nfeat;
	ck->ntarg = r->ds.ntarg;
	ck->x_mean = r->ds.x_mean;
	ck->x_std = r->ds.x_std;
	ck->y_mean = r->ds.y_mean;
	ck->y_std = r->ds.y_std;
	ck->params = model_params(r->model);
	ck->best = r->best_params;
	ck->m = r->opt.m;
	ck->v = r->opt.v;
}

static struct tensor_info *
ckpt_tensors(struct run *r)
{
	return xcalloc(model_ntensors(r->model) + 1,
		       sizeof(struct tensor_info));
}

/* The record of file in r->ckpts, or NULL. */
static json_t *
ckpt_record(struct run *r, const char *file)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->ckpts, i, v)
		if (strcmp(json_str(v, "file", ""), file) == 0)
			return v;
	return NULL;
}

static void
ckpt_record_set(struct run *r, const char *file, int epoch, size_t bytes)
{
	json_t *rec = json_pack("{s:s,s:i,s:I,s:o}", "file", file, "epoch",
				epoch, "bytes", (json_int_t)bytes, "val_loss",
				json_num(r->val_loss));
	size_t i;
	json_t *v;

	json_array_foreach(r->ckpts, i, v)
		if (strcmp(json_str(v, "file", ""), file) == 0) {
			json_array_set_new(r->ckpts, i, rec);
			return;
		}
	json_array_append_new(r->ckpts, rec);
}

static int
cmp_int_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x < y) - (x > y);
}

/* The epochs of the ckpt-*.tar.zst files, newest first; *n of them. */
static int *
ckpt_epochs(struct run *r, size_t *n)
{
	DIR *d = opendir(r->ckpt_dir);
	struct dirent *e;
	int *ep = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		int k = checkpoint_name_epoch(e->d_name);

		if (k < 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			ep = xreallocarray(ep, cap, sizeof(int));
		}
		ep[(*n)++] = k;
	}
	closedir(d);
	if (*n)
		qsort(ep, *n, sizeof(int), cmp_int_desc);
	return ep;
}

static char *
ckpt_name(int epoch)
{
	return xasprintf("ckpt-%06d.tar.zst", epoch);
}

/* Publish r->ckpts in the state, in the order files sort. */
static void
ckpt_publish(struct run *r)
{
	json_t *sorted = json_array();
	size_t n, i;
	int *ep = ckpt_epochs(r, &n);
	json_t *best;

	for (i = n; i-- > 0;) {
		char *name = ckpt_name(ep[i]);
		json_t *rec = ckpt_record(r, name);

		if (rec) {
			json_array_append(sorted, rec);
		} else {
			/* a file no state.json told us about */
			char *path = path_join(r->ckpt_dir, name);
			struct stat sb;

			json_array_append_new(sorted, json_pack(
				"{s:s,s:i,s:I,s:n}", "file", name, "epoch",
				ep[i], "bytes", stat(path, &sb) == 0 ?
				(json_int_t)sb.st_size : 0, "val_loss"));
			free(path);
		}
		free(name);
	}
	best = ckpt_record(r, "best.tar.zst");
	if (best)
		json_array_append(sorted, best);
	free(ep);
	json_decref(r->ckpts);
	r->ckpts = sorted;
	json_object_set(r->jf.state, "checkpoints", r->ckpts);
}

/*
 * Delete all but the newest checkpoint.keep ckpt-*.tar.zst files of this
 * run's epochs. Files of later epochs than the run's are stale (damaged,
 * or of another config: this run went on from an earlier point and would
 * overwrite them) and go too, so they never crowd out the new ones.
 */
static void
ckpt_prune(struct run *r)
{
	size_t n, kept = 0;
	int *ep = ckpt_epochs(r, &n);

	for (size_t i = 0; i < n; i++) {
		char *name, *path;

		if (ep[i] <= r->epoch &&
		    kept++ < (size_t)r->cfg.checkpoint.keep)
			continue;
		name = ckpt_name(ep[i]);
		path = path_join(r->ckpt_dir, name);

		if (unlink(path) < 0 && errno != ENOENT)
			jobfiles_log(&r->jf, "warning: cannot remove '%s': %s",
				     path, strerror(errno));
		free(path);
		free(name);
	}
	free(ep);
}

/* Copy the checkpoint at path to best.tar.zst; 0 or -1 after error(). */
static int
ckpt_copy_best(struct run *r, const char *path, size_t *bytes)
{
	char *best = path_join(r->ckpt_dir, "best.tar.zst");
	char *buf = file_read(path, bytes, 0);
	int rc = -1;

	if (buf)
		rc = file_write_atomic(best, buf, *bytes);
	free(buf);
	free(best);
	return rc;
}

/* Write a checkpoint of the run as it is now; 0 or -1 (logged). */
static int
save_checkpoint(struct run *r)
{
	struct checkpoint ck;
	struct tensor_info *ti = ckpt_tensors(r);
	char *name = ckpt_name(r->epoch);
	char *path = path_join(r->ckpt_dir, name);
	size_t bytes = 0, nb = (r->ds.nsamples[SPLIT_TRAIN] +
				(size_t)r->B - 1) / (size_t)r->B;
	int rc = -1;

	ckpt_identity(r, &ck, ti);
	ck.epoch = r->epoch;
	ck.cursor = r->cursor;
	ck.step = r->step;
	ck.opt_step = r->opt.step;
	ck.loss_sum = r->loss_sum;
	ck.rng_epoch = r->cursor ? r->rng_epoch : r->rng;
	ck.rng = r->rng;
	ck.best_val = r->best_val;
	ck.best_epoch = r->best_epoch;
	ck.bad_epochs = r->bad_epochs;
	ck.stopped_early = r->stopped_early;
	ck.val_loss = r->val_loss;
	ck.train_loss = r->train_loss;
	ck.lr = r->lr;
	ck.schedule_pos = r->epoch + (double)r->cursor / (double)nb;
	if (mkdir_p(r->ckpt_dir) < 0 ||
	    checkpoint_write(path, &ck, &bytes) < 0)
		goto out;
	ckpt_record_set(r, name, r->epoch, bytes);
	jobfiles_event(&r->jf, "checkpoint", json_pack("{s:s,s:i,s:I}",
		       "file", name, "epoch", r->epoch, "cursor",
		       (json_int_t)r->cursor));
	if (r->cursor)
		jobfiles_log(&r->jf, "checkpoint %s (epoch %d, batch %ld)",
			     name, r->epoch, r->cursor);
	else
		jobfiles_log(&r->jf, "checkpoint %s (epoch %d)", name,
			     r->epoch);
	ckpt_prune(r);
	rc = 0;
	if (r->cursor == 0 && r->epoch > 0 && r->best_epoch == r->epoch) {
		if (ckpt_copy_best(r, path, &bytes) < 0) {
			jobfiles_log(&r->jf, "warning: best.tar.zst not "
				     "written: %s", error_last());
			error_clear();
		} else {
			ckpt_record_set(r, "best.tar.zst", r->epoch, bytes);
		}
	}
out:
	if (rc < 0) {
		jobfiles_log(&r->jf, "warning: checkpoint not written: %s",
			     error_last());
		error_clear();
	}
	ckpt_publish(r);
	jobfiles_state_write(&r->jf);
	free(path);
	free(name);
	free(ti);
	return rc;
}

/* --fresh: remove every checkpoint of the job. */
static void
ckpt_remove_all(struct run *r)
{
	size_t n;
	int *ep = ckpt_epochs(r, &n);
	char *best = path_join(r->ckpt_dir, "best.tar.zst");

	for (size_t i = 0; i < n; i++) {
		char *name = ckpt_name(ep[i]);
		char *path = path_join(r->ckpt_dir, name);

		unlink(path);
		free(path);
		free(name);
	}
	unlink(best);
	free(best);
	free(ep);
	jobfiles_log(&r->jf, "--fresh: removed %zu checkpoint%s", n,
		     n == 1 ? "" : "s");
}

/* The checkpoints a previous run left: its records of files still here. */
static void
ckpt_list_init(struct run *r)
{
	json_t *old = json_object_get(r->jf.old_state, "checkpoints");
	size_t i;
	json_t *v;

	r->ckpts = json_array();
	json_array_foreach(old, i, v) {
		const char *file = json_str(v, "file", NULL);
		char *path;

		if (!file || strchr(file, '/'))
			continue;
		path = path_join(r->ckpt_dir, file);
		if (access(path, F_OK) == 0)
			json_array_append(r->ckpts, v);
		free(path);
	}
	ckpt_publish(r);
}

/* Keep the rows of epochs <= r->epoch in metrics.csv (atomically). */
static void
metrics_truncate(struct run *r)
{
	size_t len;
	char *buf = file_read(r->jf.metrics_path, &len, 0);
	struct strbuf sb = STRBUF_INIT;
	char *line, *save = NULL;
	int first = 1;

	if (!buf) {
		error_clear();
		metrics_header(r);
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

/*
 * Resume from the newest sound checkpoint of this config, if any: the
 * damaged ones and those of another config are skipped with a warning.
 * Nothing fails: without a usable checkpoint the run starts afresh.
 */
static void
resume(struct run *r)
{
	struct checkpoint ck;
	struct tensor_info *ti = ckpt_tensors(r);
	size_t n;
	int *ep = ckpt_epochs(r, &n);

	for (size_t i = 0; i < n && !r->resumed; i++) {
		char *name = ckpt_name(ep[i]);
		char *path = path_join(r->ckpt_dir, name);
		const char *why;
		int rc;

		ckpt_identity(r, &ck, ti);
		rc = checkpoint_read(path, &ck);
		why = error_last();
		if (strncmp(why, path, strlen(path)) == 0 &&
		    strncmp(why + strlen(path), ": ", 2) == 0)
			why += strlen(path) + 2;
		if (rc == -2)
			jobfiles_log(&r->jf, "warning: ignoring checkpoint %s "
				     "of another config: %s", name, why);
		else if (rc < 0)
			jobfiles_log(&r->jf, "warning: skipping damaged "
				     "checkpoint %s: %s", name, why);
		error_clear();
		if (rc == 0) {
			r->resumed = 1;
			r->epoch = ck.epoch;
			r->cursor = ck.cursor;
			r->step = ck.step;
			r->opt.step = ck.opt_step;
			r->loss_sum = ck.loss_sum;
			r->rng_epoch = ck.rng_epoch;
			r->rng = ck.rng;
			r->best_val = ck.best_val;
			r->best_epoch = ck.best_epoch;
			r->bad_epochs = ck.bad_epochs;
			r->stopped_early = ck.stopped_early;
			r->val_loss = ck.val_loss;
			r->train_loss = ck.train_loss;
			r->lr = ck.lr;
			jobfiles_log(&r->jf, "resumed from %s: epoch %d, "
				     "batch %ld, step %ld", name, r->epoch,
				     r->cursor, r->step);
			jobfiles_event(&r->jf, "resumed", json_pack(
				"{s:s,s:i,s:I}", "checkpoint", name, "epoch",
				r->epoch, "cursor", (json_int_t)r->cursor));
			json_object_set_new(r->jf.state, "resumed_from",
					    json_string(name));
			json_object_set_new(r->jf.state, "epoch",
					    json_integer(r->epoch));
			json_object_set_new(r->jf.state, "step",
					    json_integer(r->step));
			json_object_set_new(r->jf.state, "train_loss",
					    json_num(r->train_loss));
			json_object_set_new(r->jf.state, "val_loss",
					    json_num(r->val_loss));
			if (r->best_epoch > 0)
				json_object_set_new(r->jf.state, "best",
					json_pack("{s:i,s:o}", "epoch",
						  r->best_epoch, "val_loss",
						  json_num(r->best_val)));
			json_object_set_new(r->jf.state, "progress", json_real(
				(double)r->epoch / r->cfg.train.epochs));
			jobfiles_state_write(&r->jf);
		}
		free(path);
		free(name);
	}
	free(ep);
	free(ti);
}

/*
 * Returns 0 when training ended normally, else a finish() code.
 *
 * Everything an epoch depends on is in struct run and in the checkpoint:
 * the rng before the shuffle (rng_epoch), the batch cursor, the partial
 * loss sum and the last lr, so a run resumed mid-epoch replays the same
 * shuffle and carries on with the same draws.
 */
static int
stage_train(struct run *r)
{
	const struct config *c = &r->cfg;
	size_t n = r->ds.nsamples[SPLIT_TRAIN];
	size_t nbatches = (n + (size_t)r->B - 1) / (size_t)r->B;
	size_t np = model_nparams(r->model);
	real *params = model_params(r->model), *grads = model_grads(r->model);

	stage_begin(r, STAGE_TRAIN);
	if (r->resumed)
		metrics_truncate(r);
	else
		metrics_header(r);
	r->train_t0 = time_mono();
	r->epoch0 = r->epoch;
	while (r->epoch < c->train.epochs && !r->stopped_early) {
		double t_epoch = time_mono();
		size_t b0 = (size_t)r->cursor;

		memcpy(r->order, r->ds.samples[SPLIT_TRAIN],
		       n * sizeof(size_t));
		if (r->cursor > 0) {
			/* resumed mid-epoch: the same order, then go on */
			struct rng now = r->rng;

			r->rng = r->rng_epoch;
			rng_shuffle(&r->rng, r->order, n);
			r->rng = now;
		} else {
			r->rng_epoch = r->rng;
			r->loss_sum = 0;
			r->lr = c->train.lr;
			rng_shuffle(&r->rng, r->order, n);
		}
		for (size_t b = b0; b < nbatches; b++) {
			size_t i = b * (size_t)r->B;
			int nb = (int)(n - i < (size_t)r->B ? n - i :
				       (size_t)r->B);
			const real *out;
			double loss;

			data_batch(&r->ds, r->order + i, nb, r->xb, r->yb,
				   NULL);
			out = model_forward(r->model, r->xb, nb, 1, &r->rng);
			loss = loss_compute(&c->loss, out, r->yb, nb, r->D,
					    r->K, r->dout);
			if (!isfinite(loss)) {
				char msg[256], hint[256];

				snprintf(msg, sizeof(msg), "train loss became "
					 "%s at epoch %d, batch %zu",
					 isnan(loss) ? "NaN" : "Inf",
					 r->epoch + 1, b + 1);
				snprintf(hint, sizeof(hint), "lower train.lr "
					 "(now %g)%s", c->train.lr,
					 c->train.clip_grad > 0 ? "" :
					 " or set train.clip_grad, e.g. 1.0");
				return fail(r, msg, hint);
			}
			model_backward(r->model, r->dout);
			clip_grad_norm(grads, np, c->train.clip_grad);
			r->lr = schedule_lr(&c->train.schedule, c->train.lr,
					    r->epoch + (double)b / nbatches,
					    c->train.epochs);
			optim_step(&r->opt, params, grads, r->lr);
			r->step++;
			r->loss_sum += loss * nb;
			r->cursor = (long)b + 1;
			if (stop_signal)
				return cancel(r);
			if (c->limits.max_seconds > 0 && time_mono() - r->t0 >
			    c->limits.max_seconds) {
				char msg[128];

				snprintf(msg, sizeof(msg), "time limit of %g s "
					 "reached at epoch %d",
					 c->limits.max_seconds, r->epoch + 1);
				save_checkpoint(r);
				return fail(r, msg, "raise limits.max_seconds "
					    "or train for fewer epochs");
			}
			jobfiles_progress(&r->jf, (r->epoch + (double)(b + 1) /
				nbatches) / c->train.epochs, r->epoch + 1,
				c->train.epochs, loss, r->val_loss, -1, 0);
		}
		r->train_loss = r->loss_sum / (double)n;
		r->cursor = 0;
		r->loss_sum = 0;
		end_epoch(r, r->lr, time_mono() - t_epoch);
		if (c->checkpoint.every > 0 &&
		    r->epoch % c->checkpoint.every == 0)
			save_checkpoint(r);
	}
	if (r->stopped_early)
		jobfiles_log(&r->jf, "early stopping at epoch %d: val_loss has "
			     "not improved for %d epochs; best epoch %d "
			     "(val_loss %.6g)", r->epoch, c->train.patience,
			     r->best_epoch, r->best_val);
	stage_end(r, STAGE_TRAIN, "completed");
	return 0;
}

static int
stage_test(struct run *r)
{
	struct metrics m, base;
	json_t *test;
	float *pred = NULL;
	double loss;

	stage_begin(r, STAGE_TEST);
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
		stage_end(r, STAGE_TEST, "skipped");
		return 0;
	}
	loss = evaluate(r, SPLIT_TEST, &m, &pred);
	test = json_pack("{s:o,s:I,s:o}", "loss", json_num(loss), "samples",
			 (json_int_t)r->ds.nsamples[SPLIT_TEST], "metrics",
			 metrics_json(&m));
	if (m.classification && m.confusion) {
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
			names_json(r->ds.class_names, r->K) :
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
			       target_row(&r->ds, id) * D, D * sizeof(float));
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
	metrics_release(&m);
	if (write_predictions(r, pred) < 0) {
		free(pred);
		return -1;
	}
	free(pred);
	stage_end(r, STAGE_TEST, "completed");
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
		json_object_set_new(n, "classes",
				    names_json(ds->class_names, ds->nclasses));
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
	buf = checkpoint_weights(ti, nt, model_params(r->model), meta, len);
	json_decref(meta);
	free(ti);
	return buf;
}

static int
stage_save(struct run *r)
{
	struct arc_member m[3];
	char *path = path_join(r->jf.dir, "model.tar.zst");
	json_t *norm = normalization_json(r);
	char *cfg = json_to_string(r->cfg.json);
	char *nj = json_to_string(norm);
	int rc;

	stage_begin(r, STAGE_SAVE);
	m[0].name = (char *)"model.safetensors";
	m[0].data = model_safetensors(r, &m[0].size);
	m[1].name = (char *)"normalization.json";
	m[1].data = nj;
	m[1].size = strlen(nj);
	m[2].name = (char *)"config.json";
	m[2].data = cfg;
	m[2].size = strlen(cfg);
	rc = arc_write(path, m, 3);
	free(m[0].data);
	free(nj);
	free(cfg);
	json_decref(norm);
	if (rc == 0) {
		jobfiles_log(&r->jf, "saved model.tar.zst");
		stage_end(r, STAGE_SAVE, "completed");
	}
	free(path);
	return rc;
}

static void
run_release(struct run *r)
{
	model_free(r->model);
	if (r->have_opt)
		optim_release(&r->opt);
	if (r->have_ds)
		data_release(&r->ds);
	if (r->have_cfg)
		config_release(&r->cfg);
	free(r->xb);
	free(r->yb);
	free(r->dout);
	free(r->order);
	free(r->best_params);
	free(r->ckpt_dir);
	json_decref(r->ckpts);
	jobfiles_close(&r->jf);
}

/*
 * Take JOBDIR/.lock (flock, exclusive, not waiting) for the life of the
 * process and write our pid into it. The runner takes a job whose state
 * says running but whose lock nobody holds for an interrupted one. When
 * another process holds it: an error naming that pid, nothing touched.
 */
static int
job_lock(struct run *r, const char *dir)
{
	char *path, buf[32];
	ssize_t n;
	int fd;

	if (mkdir_p(dir) < 0)
		return -1;
	path = path_join(dir, ".lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		error("cannot open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		n = busy ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
		buf[n > 0 ? n : 0] = '\0';
		if (busy)
			error("job %s is already being trained (pid %ld)", dir,
			      strtol(buf, NULL, 10));
		else
			error("cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		warning("cannot write the pid into '%s': %s", path,
			strerror(errno));
	free(path);
	r->lock_fd = fd;
	return 0;
}

static int
run_stages(struct run *r)
{
	int rc;

	if (stage_load(r) < 0 || stop_signal)
		goto stopped;
	if (stage_prepare(r) < 0 || stop_signal)
		goto stopped;
	resume(r);
	rc = stage_train(r);
	if (rc)
		return rc;
	if (stage_test(r) < 0 || stop_signal)
		goto stopped;
	if (stage_save(r) < 0)
		goto stopped;
	jobfiles_log(&r->jf, "completed in %.1fs", time_mono() - r->t0);
	return finish(r, "completed", TRAIN_COMPLETED);
stopped:
	if (stop_signal && !*error_last())
		return cancel(r);
	return fail(r, error_last(), stage_hint(r->stage));
}

int
train_run(const struct train_opts *opts)
{
	struct run r;
	int threads, rc;

	memset(&r, 0, sizeof(r));
	r.lock_fd = -1;
	r.opts = opts;
	r.t0 = time_mono();
	r.train_loss = r.val_loss = NAN;
	install_signals();
	if (load_config(&r) < 0)
		return TRAIN_FAILED;
	if (job_lock(&r, opts->jobdir) < 0) {
		config_release(&r.cfg);
		return TRAIN_FAILED;
	}
	if (jobfiles_open(&r.jf, opts->jobdir, opts->progress) < 0) {
		config_release(&r.cfg);
		close(r.lock_fd);
		return TRAIN_FAILED;
	}
	r.ckpt_dir = path_join(opts->jobdir, "checkpoints");
	if (opts->config) {
		char *p = path_join(opts->jobdir, "config.json");

		rc = json_write_atomic(p, r.cfg.json);
		free(p);
		if (rc < 0) {
			run_release(&r);
			close(r.lock_fd);
			return TRAIN_FAILED;
		}
	}
	threads = opts->threads > 0 ? opts->threads : r.cfg.threads > 0 ?
		  r.cfg.threads : omp_get_num_procs();
	omp_set_num_threads(threads);
	r.cpu_t0 = cpu_seconds();
	r.cpu_wall0 = time_mono();
	state_init(&r, threads);
	if (opts->fresh)
		ckpt_remove_all(&r);
	ckpt_list_init(&r);
	jobfiles_event(&r.jf, "started", json_pack("{s:i,s:i}", "pid",
		       getpid(), "threads", threads));
	jobfiles_log(&r.jf, "job %s (%s): %s model, %d epochs, %d threads",
		     json_string_value(json_object_get(r.jf.state, "id")),
		     r.cfg.name, model_type_name(r.cfg.model.type),
		     r.cfg.train.epochs, threads);
	error_clear();
	error_set_quiet(1);
	rc = run_stages(&r);
	error_set_quiet(0);
	run_release(&r);
	close(r.lock_fd);
	return rc;
}
