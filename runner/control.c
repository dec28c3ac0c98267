/*
 * control.c - control files: parse, write, act; see control.h.
 *
 * control_apply() is shared by the runner (for jobs it is not running)
 * and by the commands when no runner holds the spool, so a request means
 * the same whoever carries it out.
 */
#include "runner/control.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *suffix;
	enum control_action action;
} suffixes[] = {
	{ ".cancel", CONTROL_CANCEL },
	{ ".retry-fresh", CONTROL_RETRY_FRESH },
	{ ".retry", CONTROL_RETRY },
	{ ".rm", CONTROL_RM },
};

enum control_action
control_parse(const char *name, const char *content, char *id)
{
	size_t n = strlen(name);

	id[0] = '\0';
	if (name[0] == '.' || name[0] == '~')
		return CONTROL_NONE;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i].suffix);
		enum control_action a = suffixes[i].action;

		if (n <= k || strcmp(name + n - k, suffixes[i].suffix) != 0)
			continue;
		if (n - k > JOB_ID_MAX)
			return CONTROL_BAD;
		memcpy(id, name, n - k);
		id[n - k] = '\0';
		if (!job_id_valid(id)) {
			id[0] = '\0';
			return CONTROL_BAD;
		}
		if (a == CONTROL_RETRY && content &&
		    strncmp(content + strspn(content, " \t\r\n"), "fresh",
			    5) == 0)
			a = CONTROL_RETRY_FRESH;
		return a;
	}
	/* other names (temporaries such as ID.cancel.tmp.XXXXXXXX) are not ours */
	return CONTROL_NONE;
}

const char *
control_action_name(enum control_action a)
{
	switch (a) {
	case CONTROL_CANCEL:
		return "cancel";
	case CONTROL_RETRY:
	case CONTROL_RETRY_FRESH:
		return "retry";
	case CONTROL_RM:
		return "rm";
	default:
		return "?";
	}
}

int
control_write(const struct spool *sp, const char *id, enum control_action a)
{
	char *name = xasprintf("%s.%s", id, control_action_name(a));
	char *path = path_join(sp->control, name);
	const char *body = a == CONTROL_RETRY_FRESH ? "fresh\n" : "";
	int rc = file_write_atomic(path, body, strlen(body));

	free(name);
	free(path);
	return rc;
}

static int
requeue(const struct spool *sp, const char *id, json_t *st, int fresh)
{
	json_int_t attempt = json_integer_value(json_object_get(st,
							        "attempt"));
	char *dir;
	int rc;

	if (fresh) {
		dir = spool_job_path(sp, id, JOB_CHECKPOINTS);
		if (access(dir, F_OK) == 0 && file_remove_tree(dir) < 0) {
			free(dir);
			return -1;
		}
		free(dir);
	}
	job_state_finish(st, JOB_QUEUED, NULL, NULL);
	json_object_set_new(st, "attempt", json_integer(attempt + 1));
	json_object_set_new(st, "retry_at", json_null());
	rc = spool_state_write(sp, id, st);
	if (rc == 0)
		rc = spool_event(sp, id, "queued", json_pack("{s:s,s:b}",
				 "by", "retry", "fresh", fresh));
	return rc;
}

int
control_apply(const struct spool *sp, const char *id, enum control_action a,
	      int *requeued)
{
	json_t *st;
	int status;
	char *dir;
	int rc = -1;

	*requeued = 0;
	dir = path_join(sp->jobs, id);
	if (!job_id_valid(id) || access(dir, F_OK) < 0) {
		free(dir);
		return error("%s: no such job", id);
	}
	st = spool_state_read(sp, id);
	if (!st) {
		free(dir);
		return -1;
	}
	status = job_status_of(st);
	switch (a) {
	case CONTROL_CANCEL:
		if (status == JOB_QUEUED ||
		    (status == JOB_RUNNING && !spool_job_busy(sp, id, st))) {
			rc = spool_state_set(sp, id, JOB_CANCELLED, NULL,
					     NULL);
			if (rc == 0)
				rc = spool_event(sp, id, "finished",
					json_pack("{s:s,s:s}", "status",
						  job_status_name(
						  JOB_CANCELLED), "by",
						  "cancel"));
		} else if (status == JOB_RUNNING) {
			rc = error("%s: running in another process", id);
		} else {
			rc = error("%s: already %s", id,
				   job_status_name(status));
		}
		break;
	case CONTROL_RETRY:
	case CONTROL_RETRY_FRESH:
		if (!job_status_finished(status)) {
			rc = error("%s: is %s; only a finished job can be "
				   "retried", id, job_status_name(status));
			break;
		}
		rc = requeue(sp, id, st, a == CONTROL_RETRY_FRESH);
		*requeued = rc == 0;
		break;
	case CONTROL_RM:
		if (!job_status_finished(status)) {
			rc = error("%s: is %s; cancel it first, only a "
				   "finished job can be removed", id,
				   job_status_name(status));
			break;
		}
		rc = file_remove_tree(dir);
		break;
	default:
		rc = error("%s: unknown request", id);
		break;
	}
	json_decref(st);
	free(dir);
	return rc;
}
