/*
 * run.c - a run's bookkeeping; see run.h.
 *
 * Each stage is begun and ended through run_stage_begin/run_stage_end,
 * which update state.json and events.jsonl, so the job directory always
 * tells where the run is. A run ends through run_finish, directly or by
 * run_fail (the message, the stage and a hint in the state) or run_cancel.
 */
#include "runner/train/run.h"
#include "runner/train/ckptdir.h"
#include "lib/error.h"
#include "lib/timeutil.h"

#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *const stage_names[NSTAGES] = {
	"load", "prepare", "train", "test", "save"
};

volatile sig_atomic_t run_stop_signal;

static void
on_signal(int sig)
{
	run_stop_signal = sig;
}

void
run_install_signals(void)
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
double
run_cpu_seconds(void)
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

void
run_update_resources(struct run *r)
{
	double now = time_mono(), cpu = run_cpu_seconds();
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

void
run_stage_begin(struct run *r, enum stage s)
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

void
run_stage_end(struct run *r, enum stage s, const char *status)
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
int
run_finish(struct run *r, const char *status, int code)
{
	json_t *st = r->jf.state;

	json_object_set_new(st, "status", json_string(status));
	jobfiles_set_time(st, "ended", time_now());
	json_object_set_new(st, "eta_seconds", json_null());
	json_object_set_new(st, "pid", json_null());
	if (code == TRAIN_COMPLETED)
		json_object_set_new(st, "progress", json_real(1.0));
	run_update_resources(r);
	jobfiles_state_write(&r->jf);
	jobfiles_event(&r->jf, "finished", json_pack("{s:s,s:i}", "status",
		       status, "exit", code));
	jobfiles_progress_done(&r->jf);
	return code;
}

/* Fail the current stage with message and hint. */
int
run_fail(struct run *r, const char *message, const char *hint)
{
	jobfiles_log(&r->jf, "error: %s", message);
	if (hint && *hint)
		jobfiles_log(&r->jf, "hint: %s", hint);
	run_stage_end(r, r->stage, "failed");
	json_object_set_new(r->jf.state, "error", json_pack("{s:s,s:s,s:s?}",
		"message", message, "stage", stage_names[r->stage], "hint",
		hint && *hint ? hint : NULL));
	return run_finish(r, "failed", TRAIN_FAILED);
}

/* Stop on SIGTERM/SIGINT, with a checkpoint once training has begun. */
int
run_cancel(struct run *r)
{
	if (r->have_opt && r->stage >= STAGE_TRAIN)
		ckpt_save(r);
	jobfiles_log(&r->jf, "cancelled by %s at epoch %d",
		     run_stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
		     r->epoch);
	run_stage_end(r, r->stage, "cancelled");
	return run_finish(r, "cancelled", TRAIN_CANCELLED);
}

const char *
run_stage_hint(enum stage s)
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
void
run_state_init(struct run *r, int threads)
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

void
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
