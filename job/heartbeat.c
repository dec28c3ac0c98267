/*
 * heartbeat.c - SPOOL/runner.json, the runner's status file; see
 * heartbeat.h.
 */
#include "job/heartbeat.h"
#include "job/state.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/timeutil.h"

#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
set_time(json_t *o, const char *key, double t)
{
	char ts[32];

	time_iso8601(t, ts, sizeof(ts));
	json_object_set_new(o, key, json_string(ts));
}

int
heartbeat_write(const char *spool, const struct heartbeat *h)
{
	char host[256] = "";
	json_t *o = json_object(), *ids = json_array();
	char *path = path_join(spool, HEARTBEAT_FILE);
	int rc;

	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "unknown");
	json_object_set_new(o, "version", json_string(SPOOLBOARD_VERSION));
	json_object_set_new(o, "pid", json_integer(h->pid));
	json_object_set_new(o, "host", json_text(host));
	set_time(o, "started", h->started);
	set_time(o, "last_seen", time_now());
	json_object_set_new(o, "heartbeat_s", json_integer(HEARTBEAT_S));
	json_object_set_new(o, "slots", json_integer(h->slots));
	json_object_set_new(o, "threads", json_integer(h->threads));
	for (size_t i = 0; i < h->nrunning; i++)
		json_array_append_new(ids, json_string(h->running[i]));
	json_object_set_new(o, "running", ids);
	json_object_set_new(o, "queued", json_integer((json_int_t)h->queued));
	json_object_set_new(o, "data_root", json_text(h->data_root));
	json_object_set_new(o, "allow_exec", json_boolean(h->allow_exec));
	if (h->stopped > 0)
		set_time(o, "stopped", h->stopped);
	rc = json_update(path, o);
	json_decref(o);
	free(path);
	return rc;
}

/* The string member key of in, when it is one of at most max bytes. */
static const char *
short_str(const json_t *in, const char *key, size_t max)
{
	const json_t *v = json_object_get(in, key);

	return json_is_string(v) && json_string_length(v) <= max &&
	       strlen(json_string_value(v)) == json_string_length(v) ?
	       json_string_value(v) : NULL;
}

/* Copy the integer member key of in into out when it lies in [lo, hi]. */
static void
copy_int(json_t *out, const json_t *in, const char *key, json_int_t lo,
	 json_int_t hi)
{
	const json_t *v = json_object_get(in, key);

	if (json_is_integer(v) && json_integer_value(v) >= lo &&
	    json_integer_value(v) <= hi)
		json_object_set_new(out, key,
				    json_integer(json_integer_value(v)));
}

/* Copy the time member key of in into out (as it was written); its time. */
static double
copy_time(json_t *out, const json_t *in, const char *key)
{
	const char *s = short_str(in, key, 40);
	double t = s ? time_parse_iso8601(s) : NAN;

	if (!isfinite(t))
		return NAN;
	json_object_set_new(out, key, json_string(s));
	return t;
}

json_t *
heartbeat_read(const char *spool, double now)
{
	char *path = path_join(spool, HEARTBEAT_FILE), err[256];
	const json_t *ids;
	json_t *in, *out, *run;
	const char *s;
	double seen, stopped;
	int q = error_set_quiet(1);

	in = json_load_at(AT_FDCWD, path, NULL, HEARTBEAT_MAX, err,
			  sizeof(err));
	error_set_quiet(q);
	free(path);
	if (!json_is_object(in)) {
		json_decref(in);
		return NULL;
	}
	out = json_object();
	seen = copy_time(out, in, "last_seen");
	if (!isfinite(seen)) {
		json_decref(in);
		json_decref(out);
		return NULL;
	}
	copy_time(out, in, "started");
	stopped = copy_time(out, in, "stopped");
	if ((s = short_str(in, "version", 32)))
		json_object_set_new(out, "version", json_text(s));
	if ((s = short_str(in, "host", 255)))
		json_object_set_new(out, "host", json_text(s));
	if ((s = short_str(in, "data_root", PATH_MAX)))
		json_object_set_new(out, "data_root", json_text(s));
	copy_int(out, in, "pid", 1, INT_MAX);
	copy_int(out, in, "heartbeat_s", 1, 3600);
	copy_int(out, in, "slots", 0, 1 << 20);
	copy_int(out, in, "threads", 1, 1 << 20);
	copy_int(out, in, "queued", 0, INT_MAX);
	if (json_is_boolean(json_object_get(in, "allow_exec")))
		json_object_set_new(out, "allow_exec", json_boolean(
			json_is_true(json_object_get(in, "allow_exec"))));
	run = json_array();
	ids = json_object_get(in, "running");
	for (size_t i = 0; i < json_array_size(ids) &&
	     json_array_size(run) < HEARTBEAT_RUNNING_MAX; i++) {
		const char *id = json_string_value(json_array_get(ids, i));

		if (id && job_id_valid(id))
			json_array_append_new(run, json_string(id));
	}
	json_object_set_new(out, "running", run);
	json_object_set_new(out, "state", json_string(
		isfinite(stopped) ? "stopped" :
		now - seen > HEARTBEAT_STALE ? "gone" : "up"));
	json_decref(in);
	return out;
}
