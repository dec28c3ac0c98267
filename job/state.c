/*
 * state.c - the job folder: statuses, stages, state.json, events and the
 * queue order; see state.h and docs/formats.md.
 */
#include "job/state.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const status_names[JOB_NSTATUS] = {
	"queued", "running", "completed", "failed", "cancelled", "pending",
	"skipped"
};

/* spelled once, in schema.c (an exec job's metrics may name a stage) */
#define stage_names schema_stage_names

int
job_id_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
job_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n < 1 || n > JOB_ID_MAX)
		return 0;
	/* hidden names are no jobs; "-rf" would be an option when pasted */
	if (id[0] == '.' || id[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!job_id_char((unsigned char)id[i]))
			return 0;
	return 1;
}

const char *
job_status_name(enum job_status s)
{
	return (unsigned)s < JOB_NSTATUS ? status_names[s] : "unknown";
}

int
job_status_parse(const char *name)
{
	for (int s = 0; name && s < JOB_NSTATUS; s++)
		if (strcmp(status_names[s], name) == 0)
			return s;
	return -1;
}

int
job_status_of(const json_t *st)
{
	return job_status_parse(json_str(st, "status", NULL));
}

int
job_status_finished(int s)
{
	return s == JOB_COMPLETED || s == JOB_FAILED || s == JOB_CANCELLED;
}

int
job_status_live(int s)
{
	return s == JOB_QUEUED || s == JOB_RUNNING;
}

int
job_ckpt_epoch(const char *name)
{
	int e = 0;

	/* JOB_CKPT_FORMAT: "ckpt-", six digits, ".tar.zst" */
	if (strlen(name) != 19 || strncmp(name, "ckpt-", 5) != 0 ||
	    strcmp(name + 11, ".tar.zst") != 0)
		return -1;
	for (int i = 5; i < 11; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		e = e * 10 + (name[i] - '0');
	}
	return e;
}

const char *
job_stage_name(enum stage s)
{
	return (unsigned)s < NSTAGES ? stage_names[s] : "unknown";
}

/* ---- the queue order ------------------------------------------------ */

void
job_order_of(const json_t *st, struct job_order *o)
{
	const json_t *ord = json_object_get(st, "order");
	double created;

	o->priority = (int)json_integer_value(json_object_get(st,
							      "priority"));
	o->created_us = json_integer_value(json_object_get(ord, "created_us"));
	o->seq = json_integer_value(json_object_get(ord, "seq"));
	if (!json_is_integer(json_object_get(ord, "created_us"))) {
		created = time_parse_iso8601(json_str(st, "created", ""));
		o->created_us = created < 0 ? 0 : (long long)created * 1000000;
	}
}

int
job_order_cmp(const struct job_order *a, const char *ida,
	      const struct job_order *b, const char *idb)
{
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return job_order_age_cmp(a, ida, b, idb);
}

int
job_order_age_cmp(const struct job_order *a, const char *ida,
		  const struct job_order *b, const char *idb)
{
	if (a->created_us != b->created_us)
		return a->created_us < b->created_us ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return strcmp(ida, idb);
}

/* ---- state.json ------------------------------------------------------ */

void
job_state_set_time(json_t *obj, const char *key, double t)
{
	char ts[32];

	time_iso8601(t, ts, sizeof(ts));
	json_object_set_new(obj, key, json_string(ts));
}

json_t *
job_state_new(const char *id, const struct config *cfg,
	      const struct job_order *o)
{
	json_t *st = json_object(), *tags = json_array();
	json_t *stages = json_array();
	char host[256] = "";

	for (size_t i = 0; i < cfg->ntags; i++)
		json_array_append_new(tags, json_string(cfg->tags[i]));
	for (int s = 0; s < NSTAGES; s++)
		json_array_append_new(stages, json_pack("{s:s,s:s,s:n,s:n,s:n}",
			"name", stage_names[s], "status",
			status_names[JOB_PENDING], "started", "ended",
			"seconds"));
	gethostname(host, sizeof(host) - 1);
	json_object_set_new(st, "id", json_string(id));
	json_object_set_new(st, "name", json_string(cfg->name));
	json_object_set_new(st, "tags", tags);
	json_object_set_new(st, "group", json_null());
	json_object_set_new(st, "status", json_string(
		status_names[JOB_QUEUED]));
	json_object_set_new(st, "stage", json_null());
	json_object_set_new(st, "stages", stages);
	json_object_set_new(st, "progress", json_real(0));
	json_object_set_new(st, "epoch", json_integer(0));
	json_object_set_new(st, "epochs", json_integer(cfg->train.epochs));
	json_object_set_new(st, "step", json_integer(0));
	json_object_set_new(st, "train_loss", json_null());
	json_object_set_new(st, "val_loss", json_null());
	json_object_set_new(st, "best", json_null());
	json_object_set_new(st, "metrics", json_object());
	job_state_set_time(st, "created", (double)o->created_us / 1e6);
	json_object_set_new(st, "started", json_null());
	json_object_set_new(st, "updated", json_null());
	json_object_set_new(st, "ended", json_null());
	json_object_set_new(st, "eta_seconds", json_null());
	json_object_set_new(st, "attempt", json_integer(1));
	json_object_set_new(st, "resumed_from", json_null());
	json_object_set_new(st, "pid", json_null());
	json_object_set_new(st, "host", json_string(host));
	json_object_set_new(st, "threads", json_integer(cfg->threads));
	json_object_set_new(st, "resources", json_null());
	json_object_set_new(st, "checkpoints", json_array());
	json_object_set_new(st, "error", json_null());
	if (cfg->exec.argv) {
		/* an exec job: the command stands for the model, its
		   workdir for the data */
		json_object_set_new(st, "model", json_pack("{s:s,s:s}", "type",
			"exec", "loss", ""));
		json_object_set_new(st, "data", json_pack("{s:s}", "path",
			cfg->exec.workdir ? cfg->exec.workdir : "."));
	} else {
		json_object_set_new(st, "model", json_pack("{s:s}", "type",
			model_type_name(cfg->model.type)));
		json_object_set_new(st, "data", json_pack("{s:s}", "path",
			cfg->data.path));
	}
	json_object_set_new(st, "test", json_null());
	json_object_set_new(st, "priority", json_integer(cfg->priority));
	json_object_set_new(st, "retry_at", json_null());
	json_object_set_new(st, "order", json_pack("{s:I,s:I}", "created_us",
		(json_int_t)o->created_us, "seq", (json_int_t)o->seq));
	return st;
}

void
job_state_carry(json_t *st, const json_t *old)
{
	const json_t *created = json_object_get(old, "created");
	const json_t *attempt = json_object_get(old, "attempt");
	const json_t *retry_at = json_object_get(old, "retry_at");
	const json_t *group = json_object_get(old, "group");
	struct job_order o;

	if (json_is_string(created) || json_object_get(old, "order")) {
		job_order_of(old, &o);
		if (json_is_string(created))
			json_object_set(st, "created", (json_t *)created);
		json_object_set_new(st, "order", json_pack("{s:I,s:I}",
			"created_us", (json_int_t)o.created_us, "seq",
			(json_int_t)o.seq));
	}
	if (json_is_integer(attempt) && json_integer_value(attempt) >= 1)
		json_object_set(st, "attempt", (json_t *)attempt);
	if (json_is_string(retry_at))
		json_object_set(st, "retry_at", (json_t *)retry_at);
	if (json_is_string(group) && job_id_valid(json_string_value(group)))
		json_object_set(st, "group", (json_t *)group);
}

json_t *
job_state_stage(json_t *st, enum stage s)
{
	return json_array_get(json_object_get(st, "stages"), (size_t)s);
}

void
job_state_start(json_t *st, double t, long pid)
{
	json_object_set_new(st, "status", json_string(
		status_names[JOB_RUNNING]));
	json_object_set_new(st, "stage", json_string(stage_names[0]));
	job_state_set_time(st, "started", t);
	json_object_set_new(st, "pid", json_integer(pid));
}

/* A run of st is yet to begin: every stage pending, without times. */
static void
stages_pending(json_t *st)
{
	for (int i = 0; i < NSTAGES; i++) {
		json_t *s = job_state_stage(st, (enum stage)i);

		if (!json_is_object(s))
			continue;
		json_object_set_new(s, "status", json_string(
			status_names[JOB_PENDING]));
		json_object_set_new(s, "started", json_null());
		json_object_set_new(s, "ended", json_null());
		json_object_set_new(s, "seconds", json_null());
	}
}

void
job_state_finish(json_t *st, enum job_status status, const char *message,
		 const char *hint)
{
	int stage = -1;
	json_t *s;

	for (int i = 0; i < NSTAGES; i++)
		if (strcmp(json_str(st, "stage", ""), stage_names[i]) == 0)
			stage = i;
	json_object_set_new(st, "status", json_string(status_names[status]));
	json_object_set_new(st, "pid", json_null());
	json_object_set_new(st, "eta_seconds", json_null());
	if (status == JOB_QUEUED) {
		/*
		 * The stages and times are those of the run to come, which
		 * has not begun: a job queued again (a retry, a runner
		 * stopped) must not show Queued beside the stage that
		 * failed, nor the last run's start and duration.
		 */
		json_object_set_new(st, "stage", json_null());
		json_object_set_new(st, "started", json_null());
		json_object_set_new(st, "ended", json_null());
		json_object_set_new(st, "error", json_null());
		stages_pending(st);
		return;
	}
	job_state_set_time(st, "ended", time_now());
	json_object_set_new(st, "retry_at", json_null());
	if (message)
		json_object_set_new(st, "error", json_pack("{s:s,s:o,s:s?}",
			"message", message, "stage", stage >= 0 ?
			json_string(stage_names[stage]) : json_null(), "hint",
			hint && *hint ? hint : NULL));
	s = stage >= 0 ? job_state_stage(st, (enum stage)stage) : NULL;
	if (s && job_status_of(s) == JOB_RUNNING)
		json_object_set_new(s, "status", json_string(
			status_names[status]));
}

/*
 * The JSON object name in the folder dir (what names the folder in
 * messages), the folder opened without following a link: one planted in
 * jobs/ or groups/ could lead a reader, and the runner acting on what it
 * read, anywhere.
 */
static json_t *
read_object_in(const char *dir, const char *name, const char *what,
	       size_t max, char *err, size_t n)
{
	char *path = path_join(dir, name);
	json_t *v = NULL;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, n, "cannot open the %s '%s': %s", what, dir,
			 errno == ELOOP || errno == ENOTDIR ? "a symbolic "
			 "link or not a folder" : strerror(errno));
	} else {
		v = json_load_at(fd, name, path, max, err, n);
		close(fd);
	}
	if (v && !json_is_object(v)) {
		snprintf(err, n, "%s: not a JSON object", path);
		json_decref(v);
		v = NULL;
	}
	free(path);
	return v;
}

json_t *
job_state_read(const char *jobdir, char *err, size_t n)
{
	return read_object_in(jobdir, JOB_STATE, "job folder", JOB_STATE_MAX,
			      err, n);
}

json_t *
job_group_read(const char *groupdir, char *err, size_t n)
{
	json_t *g = read_object_in(groupdir, JOB_GROUP, "group folder",
				   JOB_GROUP_MAX, err, n);

	if (g && !json_is_array(json_object_get(g, "members"))) {
		snprintf(err, n, "%s/%s: no list of members", groupdir,
			 JOB_GROUP);
		json_decref(g);
		g = NULL;
	}
	return g;
}

int
job_state_write(const char *jobdir, json_t *st, int durable)
{
	char *path = path_join(jobdir, JOB_STATE);
	int rc;

	job_state_set_time(st, "updated", time_now());
	rc = durable ? json_write_atomic(path, st) : json_update(path, st);
	free(path);
	return rc;
}

int
job_event(const char *jobdir, const char *event, json_t *fields)
{
	char *path = path_join(jobdir, JOB_EVENTS);
	json_t *ev = json_object();
	const char *k;
	json_t *v;
	int rc;

	job_state_set_time(ev, "time", time_now());
	json_object_set_new(ev, "event", json_string(event));
	if (fields)
		json_object_foreach(fields, k, v)
			json_object_set(ev, k, v);
	json_decref(fields);
	rc = json_append_line(path, ev);
	json_decref(ev);
	free(path);
	return rc;
}
