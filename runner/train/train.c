/*
 * train.c - the training run: setup, stages, their order. See train.h.
 *
 * train_run loads the config, takes the job's lock, opens the job files
 * and runs the stages: load and prepare here, train in epoch.c, test and
 * save in results.c, resuming from a checkpoint (ckptdir.c) before
 * training.
 * The run keeps everything it reports in one struct run (run.h), whose
 * bookkeeping is in run.c. Errors inside a stage are recorded by error()
 * (quiet during the run) and turned into a failed state with the message,
 * the stage and a hint.
 */
#include "runner/train/train.h"
#include "runner/train/ckptdir.h"
#include "job/config.h"
#include "runner/train/data.h"
#include "runner/train/epoch.h"
#include "runner/train/exec.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "runner/train/loss.h"
#include "runner/train/model.h"
#include "runner/train/optim.h"
#include "runner/train/results.h"
#include "lib/rng.h"
#include "runner/train/run.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

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
#include <unistd.h>

/* The run an out-of-memory ends (see on_oom); NULL outside train_run. */
static struct run *oom_run;

/*
 * Out of memory during the run: the job ends failed with the figure, as
 * any other error does, rather than aborting with its state still
 * running. Writing the state needs a little memory; the request that
 * failed was (nearly always) a big buffer, so the small ones still work.
 */
static void
on_oom(size_t n)
{
	struct run *r = oom_run;
	double mb;
	char what[160], msg[256];

	oom_run = NULL;
	if (!r)
		return;
	mb = r->cfg.limits.max_memory_mb;
	if (n == SIZE_MAX)
		snprintf(what, sizeof what, "out of memory allocating more "
			 "than %zu bytes (in the %s stage)", n,
			 job_stage_name(r->stage));
	else
		snprintf(what, sizeof what, "out of memory allocating %zu "
			 "bytes (%.1f MiB, in the %s stage)", n,
			 n / 1048576.0, job_stage_name(r->stage));
	/* worded as the runner words a limit that killed the job */
	if (mb > 0)
		snprintf(msg, sizeof msg, "memory limit of %g MB was hit "
			 "(limits.max_memory_mb): %s", mb, what);
	else
		snprintf(msg, sizeof msg, "%s", what);
	run_fail(r, msg, mb > 0 ? "raise limits.max_memory_mb, or use a "
		 "smaller batch_size or model" : "use a smaller model or "
		 "train.batch_size, or run the job where it has more memory");
	_exit(TRAIN_FAILED);
}

static int
load_config(struct run *r)
{
	const struct train_opts *o = r->opts;
	struct strbuf problems = STRBUF_INIT;
	char *path = o->config ? xstrdup(o->config) :
		     path_join(o->jobdir, JOB_CONFIG);
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
	       path_join(o->jobdir, JOB_CONFIG);
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

	run_stage_begin(r, STAGE_LOAD);
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
			    results_names_json(ds->feat_names, ds->nfeat));
	json_object_set_new(data, "targets",
			    results_names_json(ds->targ_names, ds->ntarg));
	if (ds->nclasses)
		json_object_set_new(data, "classes", results_names_json(
				    ds->class_names, ds->nclasses));
	json_object_set_new(data, "split", json_pack("{s:I,s:I,s:I}",
		"train", (json_int_t)ds->nsamples[SPLIT_TRAIN],
		"val", (json_int_t)ds->nsamples[SPLIT_VAL],
		"test", (json_int_t)ds->nsamples[SPLIT_TEST]));
	if (ds->lookback)
		json_object_set_new(data, "window", json_pack("{s:i,s:i}",
			"lookback", ds->lookback, "horizon", ds->horizon));
	run_stage_end(r, STAGE_LOAD, JOB_COMPLETED);
	return 0;
}

/* The batch size a run uses: the config's, at most the train samples. */
static int
batch_of(const struct config *cfg, const struct dataset *ds)
{
	size_t ntrain = ds->nsamples[SPLIT_TRAIN];

	return (size_t)cfg->train.batch_size > ntrain ? (int)ntrain :
	       cfg->train.batch_size;
}

int
train_check_data(const struct config *cfg, const char *data_root)
{
	struct dataset ds;
	char *big;
	int rc;

	if (cfg->exec.argv)
		return exec_check_workdir(cfg, data_root ? data_root : ".");
	memset(&ds, 0, sizeof ds);
	if (data_load(&ds, cfg, data_root) < 0)
		return -1;
	big = config_model_too_big(cfg, ds.nfeat, loss_outputs(&cfg->loss,
		ds.ntarg, ds.nclasses), batch_of(cfg, &ds));
	rc = big ? error("%s", big) : 0;
	free(big);
	data_release(&ds);
	return rc;
}

static int
stage_prepare(struct run *r)
{
	struct model_spec spec;
	struct strbuf sb = STRBUF_INIT;
	size_t ntrain = r->ds.nsamples[SPLIT_TRAIN];
	json_t *model;
	char *big;

	run_stage_begin(r, STAGE_PREPARE);
	r->D = r->ds.ntarg;
	r->K = r->ds.nclasses;
	r->O = loss_outputs(&r->cfg.loss, r->D, r->K);
	r->B = batch_of(&r->cfg, &r->ds);
	big = config_model_too_big(&r->cfg, r->ds.nfeat, r->O, r->B);
	if (big) {
		error("%s", big);
		free(big);
		return -1;
	}
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
	run_stage_end(r, STAGE_PREPARE, JOB_COMPLETED);
	return 0;
}

/* The pid written into the lock file fd by its holder; 0 unknown. */
static long
lock_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * Take JOBDIR/.lock (flock, exclusive) for the life of the process and
 * write our pid into it. The runner takes a job whose state says running
 * but whose lock nobody holds for an interrupted one. When another process
 * holds it: wait up to opts->wait_lock seconds for it to let go (a copy
 * of the job that Slurm requeued meets the old one, still running on a
 * node Slurm gave up on), checking every second and stopping at a signal;
 * then an error naming that pid, nothing touched.
 */
static int
job_lock(struct run *r, const char *dir)
{
	char *path, buf[32];
	double t0 = time_mono();
	int fd, waiting = 0;
	ssize_t n;

	if (mkdir_p(dir) < 0)
		return -1;
	path = path_join(dir, JOB_LOCK);
	fd = file_open_regular(path, O_RDWR | O_CREAT);
	if (fd < 0) {
		free(path);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		if (busy && !run_stop_signal &&
		    time_mono() - t0 < r->opts->wait_lock) {
			if (!waiting++)
				warning("job %s is being trained by pid %ld "
					"(an earlier copy of it); waiting up "
					"to %d s for it to stop", dir,
					lock_holder(fd), r->opts->wait_lock);
			sleep(1);
			continue;
		}
		if (busy && run_stop_signal)
			error("job %s: stopped by signal %d while waiting for "
			      "pid %ld to let go of it", dir,
			      (int)run_stop_signal, lock_holder(fd));
		else if (busy)
			error("job %s is already being trained (pid %ld)%s",
			      dir, lock_holder(fd), waiting ? "; gave up "
			      "waiting for it" : "");
		else
			error("cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		free(path);
		return -1;
	}
	if (waiting)
		warning("job %s: the earlier copy stopped after %.0f s; going "
			"on", dir, time_mono() - t0);
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

	if (stage_load(r) < 0 || run_stop_signal)
		goto stopped;
	if (stage_prepare(r) < 0 || run_stop_signal)
		goto stopped;
	ckpt_resume(r);
	rc = epoch_stage_train(r);
	if (rc)
		return rc;
	if (results_stage_test(r) < 0 || run_stop_signal)
		goto stopped;
	if (results_stage_save(r) < 0)
		goto stopped;
	jobfiles_log(&r->jf, "completed in %.1fs", time_mono() - r->t0);
	return run_complete(r);
stopped:
	if (run_stop_signal && !*error_last())
		return ckpt_cancel(r);
	return run_fail(r, error_last(), run_stage_hint(r->stage));
}

/*
 * limits.max_memory_mb as this process's address-space limit, wherever it
 * runs (the local runner sets the same before exec; under Slurm it keeps
 * the trainer inside --mem, so that it fails with the figure rather than
 * being killed): an allocation past it fails into on_oom().
 */
static void
memory_limit(double mb)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)(mb * 1048576.0);

#ifdef __SANITIZE_ADDRESS__
	/* AddressSanitizer maps terabytes of shadow: no limit can hold it */
	mb = 0;
#endif
	if (mb <= 0 || getrlimit(RLIMIT_AS, &rl) < 0 ||
	    (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= want))
		return;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_AS, &rl) < 0)
		warning("cannot limit memory to %g MB: %s", mb,
			strerror(errno));
}

/*
 * An exec job (exec.h), in place of the stages: refused, in its state,
 * unless the run was given --allow-exec.
 */
static int
exec_job(struct run *r, int threads)
{
	char *root;
	json_int_t attempt;
	int rc;

	r->cpu_t0 = run_cpu_seconds();
	r->cpu_wall0 = time_mono();
	run_state_init(r, threads);
	attempt = json_int(r->jf.state, "attempt", 1);
	if (!r->opts->allow_exec)
		return run_fail(r, "exec jobs are off: this run may not run "
				"a command", "run spoolboard train with "
				"--allow-exec, or the runner with spoolboard "
				"run --allow-exec, which passes it on "
				"(docs/exec.md)");
	jobfiles_event(&r->jf, "started", json_pack("{s:i,s:i,s:I}", "pid",
		       getpid(), "threads", threads, "attempt", attempt));
	jobfiles_log(&r->jf, "== attempt %lld started (pid %ld)",
		     (long long)attempt, (long)getpid());
	root = data_root(r->opts);
	error_clear();
	rc = exec_run(r, root, threads);
	free(root);
	return rc;
}

int
train_run(const struct train_opts *opts)
{
	struct run r;
	json_int_t attempt;
	int threads, rc, q;

	memset(&r, 0, sizeof(r));
	r.lock_fd = -1;
	r.opts = opts;
	r.t0 = time_mono();
	r.train_loss = r.val_loss = NAN;
	run_install_signals();
	if (load_config(&r) < 0)
		return TRAIN_FAILED;
	memory_limit(r.cfg.limits.max_memory_mb);
	if (job_lock(&r, opts->jobdir) < 0) {
		config_release(&r.cfg);
		/* cancelled while it waited for the lock */
		return run_stop_signal == SIGTERM || run_stop_signal == SIGINT ?
		       TRAIN_CANCELLED : TRAIN_FAILED;
	}
	if (jobfiles_open(&r.jf, opts->jobdir, opts->progress) < 0) {
		config_release(&r.cfg);
		close(r.lock_fd);
		return TRAIN_FAILED;
	}
	r.ckpt_dir = path_join(opts->jobdir, JOB_CHECKPOINTS);
	if (opts->config) {
		char *p = path_join(opts->jobdir, JOB_CONFIG);

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
	if (r.cfg.exec.argv) {
		rc = exec_job(&r, threads);
		run_release(&r);
		close(r.lock_fd);
		return rc;
	}
	threads_init(&r.threads, threads, opts->fixed_threads);
	r.cpu_t0 = run_cpu_seconds();
	r.cpu_wall0 = time_mono();
	run_state_init(&r, threads);
	if (opts->fresh)
		ckpt_remove_all(&r);
	ckpt_list_init(&r);
	attempt = json_int(r.jf.state, "attempt", 1);
	jobfiles_event(&r.jf, "started", json_pack("{s:i,s:i,s:I}", "pid",
		       getpid(), "threads", threads, "attempt", attempt));
	/* the one line a reader of log.txt finds each run's start by
	   (docs/formats.md); the renderer marks it on the job page */
	jobfiles_log(&r.jf, "== attempt %lld started (pid %ld)",
		     (long long)attempt, (long)getpid());
	jobfiles_log(&r.jf, "job %s (%s): %s model, %d epochs, %d threads",
		     json_string_value(json_object_get(r.jf.state, "id")),
		     r.cfg.name, model_type_name(r.cfg.model.type),
		     r.cfg.train.epochs, threads);
	if (opts->fixed_threads)
		jobfiles_log(&r.jf, "threads: exactly %d (--fixed-threads)",
			     threads);
	else
		jobfiles_log(&r.jf, "threads fitted to the free cores and to "
			     "the speed, at most %d", threads);
	error_clear();
	q = error_set_quiet(1);
	oom_run = &r;
	error_set_oom_hook(on_oom);
	rc = run_stages(&r);
	error_set_oom_hook(NULL);
	oom_run = NULL;
	error_set_quiet(q);
	run_release(&r);
	close(r.lock_fd);
	return rc;
}
