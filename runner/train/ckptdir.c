/*
 * ckptdir.c - the run's checkpoints; see ckptdir.h.
 *
 * Checkpoints (docs/formats.md, "Checkpoints"). A checkpoint is written
 * every checkpoint.every epochs at the epoch boundary, and when the run
 * stops early: SIGTERM/SIGINT (mid-epoch, with the batch cursor) or the
 * time limit. ckpt-EEEEEE.tar.zst is named by the epochs completed, so a
 * mid-epoch checkpoint replaces the boundary one of the same epoch: it is
 * further on. The newest checkpoint.keep of them are kept. Each one
 * holds the best weights so far (best.safetensors) beside the current
 * ones, so no second copy is made for the best epoch (a best.tar.zst an
 * older version wrote is listed, and removed by --fresh). A checkpoint
 * that cannot be written (a full disk) is a warning in the log: the run goes on, since
 * its own outputs do not depend on it, and only a resume would start
 * further back.
 *
 * A checkpoint holds everything an epoch depends on (the weights, the
 * optimizer's moments, the rng before the shuffle, the batch cursor, the
 * partial loss), so a resumed run gives the same bytes as one never
 * stopped.
 */
#include "runner/train/ckptdir.h"
#include "runner/train/ckptfile.h"
#include "lib/error.h"
#include "lib/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	ck->epochs = r->cfg.train.epochs;
	if (r->B > 0)
		ck->batches = (long)((r->ds.nsamples[SPLIT_TRAIN] +
				      (size_t)r->B - 1) / (size_t)r->B);
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
		int k = job_ckpt_epoch(e->d_name);

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
	return xasprintf(JOB_CKPT_FORMAT, epoch);
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
	best = ckpt_record(r, JOB_CKPT_BEST);
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

/* Write a checkpoint of the run as it is now; 0 or -1 (logged). */
int
ckpt_save(struct run *r)
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
	    ckptfile_write(path, &ck, &bytes) < 0)
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

int
ckpt_cancel(struct run *r)
{
	if (r->have_opt && r->stage >= STAGE_TRAIN)
		ckpt_save(r);
	return run_cancel(r);
}

/* --fresh: remove every checkpoint of the job. */
void
ckpt_remove_all(struct run *r)
{
	size_t n;
	int *ep = ckpt_epochs(r, &n);
	char *best = path_join(r->ckpt_dir, JOB_CKPT_BEST);

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
void
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

/*
 * Resume from the newest sound checkpoint of this config, if any: the
 * damaged ones and those of another config are skipped with a warning.
 * Nothing fails: without a usable checkpoint the run starts afresh.
 */
void
ckpt_resume(struct run *r)
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
		rc = ckptfile_read(path, &ck);
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
