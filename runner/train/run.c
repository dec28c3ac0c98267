/*
 * run.c - a run's bookkeeping; see run.h.
 *
 * Each stage is begun and ended through run_stage_begin/run_stage_end,
 * which update state.json and events.jsonl, so the job directory always
 * tells where the run is. A run ends through run_complete, or by
 * run_fail (the message, the stage and a hint in the state) or run_cancel.
 */
#include "runner/train/run.h"
#include "job/state.h"
#include "lib/error.h"
#include "lib/timeutil.h"

#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

volatile sig_atomic_t run_stop_signal;

/* SIGTERM and SIGINT (cancel) win over SIGUSR1 (a time limit near) */
static void
on_signal(int sig)
{
	if (run_stop_signal != SIGTERM && run_stop_signal != SIGINT)
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
	sigaction(SIGUSR1, &sa, NULL);
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
	json_t *res;

	if (r->own_resources)
		return;
	res = json_object();
	json_object_set_new(res, "cpu_pct", json_num(wall > 0 ?
		100.0 * (cpu - r->cpu_t0) / wall : 0));
	json_object_set_new(res, "rss_mb", json_num(rss_mb()));
	json_object_set_new(r->jf.state, "resources", res);
	r->cpu_t0 = cpu;
	r->cpu_wall0 = now;
}

void
run_stage_begin(struct run *r, enum stage s)
{
	json_t *st = job_state_stage(r->jf.state, s);
	const char *running = job_status_name(JOB_RUNNING);

	r->stage = s;
	r->stage_t0 = time_mono();
	json_object_set_new(st, "status", json_string(running));
	job_state_set_time(st, "started", time_now());
	json_object_set_new(r->jf.state, "stage",
			    json_string(job_stage_name(s)));
	jobfiles_event(&r->jf, "stage", json_pack("{s:s,s:s}", "stage",
		       job_stage_name(s), "status", running));
	jobfiles_state_write(&r->jf);
}

void
run_stage_end(struct run *r, enum stage s, enum job_status status)
{
	json_t *st = job_state_stage(r->jf.state, s);
	double secs = time_mono() - r->stage_t0;

	json_object_set_new(st, "status", json_string(job_status_name(status)));
	job_state_set_time(st, "ended", time_now());
	json_object_set_new(st, "seconds", json_num(secs));
	jobfiles_event(&r->jf, "stage", json_pack("{s:s,s:s,s:o}", "stage",
		       job_stage_name(s), "status", job_status_name(status),
		       "seconds", json_num(secs)));
}

/* End the run: the final state, recorded as the runner would. */
static int
end_run(struct run *r, enum job_status status, const char *message,
	const char *hint, int code)
{
	json_t *st = r->jf.state;

	job_state_finish(st, status, message, hint);
	if (status == JOB_COMPLETED)
		json_object_set_new(st, "progress", json_real(1.0));
	run_update_resources(r);
	jobfiles_state_write(&r->jf);
	jobfiles_event(&r->jf, "finished", json_pack("{s:s,s:i}", "status",
		       job_status_name(status), "exit", code));
	jobfiles_progress_done(&r->jf);
	return code;
}

int
run_complete(struct run *r)
{
	return end_run(r, JOB_COMPLETED, NULL, NULL, TRAIN_COMPLETED);
}

/* Fail the current stage with message and hint. */
int
run_fail(struct run *r, const char *message, const char *hint)
{
	jobfiles_log(&r->jf, "error: %s", message);
	if (hint && *hint)
		jobfiles_log(&r->jf, "hint: %s", hint);
	run_stage_end(r, r->stage, JOB_FAILED);
	return end_run(r, JOB_FAILED, message, hint, TRAIN_FAILED);
}

/* End the run stopped by run_stop_signal (see run.h). */
int
run_cancel(struct run *r)
{
	if (run_stop_signal == SIGUSR1) {
		char msg[192];

		snprintf(msg, sizeof(msg), "stopped before a time limit "
			 "(SIGUSR1: Slurm's time limit is near) at epoch %d; "
			 "checkpointed, a retry resumes from there", r->epoch);
		return run_fail(r, msg, "raise limits.max_seconds (Slurm's "
				"--time follows it) or the partition's time "
				"limit, or set retries to go on by itself");
	}
	jobfiles_log(&r->jf, "cancelled by %s at epoch %d",
		     run_stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
		     r->epoch);
	run_stage_end(r, r->stage, JOB_CANCELLED);
	return end_run(r, JOB_CANCELLED, NULL, NULL, TRAIN_CANCELLED);
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
	long long now = time_now_us();
	struct job_order order = { r->cfg.priority, now, 0 };
	char *id = job_id(r->jf.dir);
	json_t *st = job_state_new(id, &r->cfg, &order);

	job_state_carry(st, r->jf.old_state);
	job_state_start(st, (double)now / 1e6, (long)getpid());
	json_object_set_new(st, "threads", json_integer(threads));
	json_object_set_new(st, "resources", json_pack("{s:f,s:f}", "cpu_pct",
		0.0, "rss_mb", rss_mb()));
	json_decref(r->jf.state);
	r->jf.state = st;
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
