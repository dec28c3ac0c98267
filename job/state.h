/*
 * state.h - the job folder, the one contract between runner, trainer and
 * renderer: its file names, job IDs, statuses and stages, state.json,
 * events.jsonl and the queue order. docs/formats.md is the reference users
 * read; every reader and writer of a job folder goes through here, so no
 * other file spells a status, a stage or a job file's name.
 *
 *	JOBDIR/submitted.json   the config as it was claimed from incoming/
 *	JOBDIR/config.json      the completed config; never changed afterwards
 *	JOBDIR/state.json       the current snapshot, replaced atomically
 *	JOBDIR/events.jsonl     one event per line, appended
 *	JOBDIR/metrics.csv      a header, then one row per epoch
 *	JOBDIR/log.txt          the job's log
 *	JOBDIR/checkpoints/     ckpt-EEEEEE.tar.zst, best.tar.zst
 *	JOBDIR/model.tar.zst    the final model; predictions.csv beside it
 *	JOBDIR/.lock            flock'ed by the trainer while it runs
 *
 * A state.json is built in one place (job_state_new, its keys in the
 * order of docs/formats.md) and its status changed in two (a run starts:
 * job_state_start; it ends or is queued again: job_state_finish), whether
 * the runner or the trainer records it.
 */
#ifndef SPOOLBOARD_JOB_STATE_H
#define SPOOLBOARD_JOB_STATE_H

#include <stddef.h>

#include "job/config.h"
#include "lib/json.h"

#define JOB_SUBMITTED "submitted.json"
#define JOB_CONFIG "config.json"
#define JOB_STATE "state.json"
#define JOB_EVENTS "events.jsonl"
#define JOB_METRICS "metrics.csv"
#define JOB_LOG "log.txt"
#define JOB_CHECKPOINTS "checkpoints"
#define JOB_CKPT_FORMAT "ckpt-%06d.tar.zst"	/* in checkpoints/: epoch */
#define JOB_CKPT_BEST "best.tar.zst"		/* in checkpoints/ */
#define JOB_MODEL "model.tar.zst"
#define JOB_PREDICTIONS "predictions.csv"
#define JOB_ARTIFACTS "artifacts"	/* an exec job's files (docs/exec.md) */
#define JOB_LOCK ".lock"
#define JOB_SLURM "slurm.json"		/* the Slurm executor's record */

/*
 * A sweep's group folder (SPOOL/groups/GID, docs/formats.md):
 *	GROUPDIR/group.json     its axes and members, written once
 *	GROUPDIR/submitted.json the sweep's config as it was claimed
 * A group ID is never also a job ID.
 */
#define JOB_GROUP "group.json"
#define JOB_GROUP_MAX (16 * 1024 * 1024)	/* a larger group.json: refused */

#define JOB_ID_MAX 64			/* bytes in a job ID */
#define JOB_STATE_MAX (16 * 1024 * 1024)	/* a larger state.json: refused */
/*
 * The largest job file `spoolboard export` packs (model, checkpoint, log):
 * 2 GiB, the size of a checkpoint of a model of about 170 million float
 * parameters with its Adam moments. A larger one is left out.
 */
#define JOB_EXPORT_MAX ((size_t)2 << 30)

/* May c appear in a job ID: [A-Za-z0-9._-]? */
int job_id_char(int c);

/*
 * The epoch of a checkpoint's file name (JOB_CKPT_FORMAT, exactly six
 * digits), or -1 for any other name.
 */
int job_ckpt_epoch(const char *name);

/*
 * Is id an acceptable job ID: [A-Za-z0-9._-]{1,64}, not starting with '.'
 * (hidden, "." and "..") nor '-' (an option when pasted into a command)?
 * So that an ID is safe as one path component and as a command argument.
 */
int job_id_valid(const char *id);

/*
 * Statuses. A job is queued, running, or finished (completed, failed,
 * cancelled). A stage of a run has a job status too, or pending (not
 * begun) or skipped (the test stage without test samples).
 */
enum job_status {
	JOB_QUEUED, JOB_RUNNING, JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED,
	JOB_PENDING, JOB_SKIPPED, JOB_NSTATUS
};

/* The status's name as state.json spells it ("queued", ...). */
const char *job_status_name(enum job_status s);

/* The status a name spells, or -1 when it is none. */
int job_status_parse(const char *name);

/* The "status" of a state.json object; -1 when missing or unknown. */
int job_status_of(const json_t *st);

/* Completed, failed or cancelled: nothing will run it again by itself. */
int job_status_finished(int s);

/* Queued or running: the job's page updates itself, it can be cancelled. */
int job_status_live(int s);

/* The stages of a run, in order. */
enum stage { STAGE_LOAD, STAGE_PREPARE, STAGE_TRAIN, STAGE_TEST, STAGE_SAVE,
	     NSTAGES };

/* The stage's name ("load", ...). */
const char *job_stage_name(enum stage s);

/*
 * The queue order: priority (higher first), then creation time at full
 * precision (older first), then the claim's arrival number in the spool,
 * then the ID. It is stored in state.json ("priority", and "order":
 * {created_us, seq}), so the runner's queue, its recovery after a restart,
 * `ls` and the renderer's place in the queue all agree.
 */
struct job_order {
	int priority;
	long long created_us;	/* microseconds since the epoch */
	long long seq;		/* the claim's arrival number, from 1; 0: none */
};

/* The order a state.json records (an old one without "order": from
 * "created" at one-second precision and seq 0). */
void job_order_of(const json_t *st, struct job_order *o);

/* <0 when a (with ID ida) starts before b (idb), >0 after, 0 same. */
int job_order_cmp(const struct job_order *a, const char *ida,
		  const struct job_order *b, const char *idb);

/* The same without the priority: the order of creation (ls, the index). */
int job_order_age_cmp(const struct job_order *a, const char *ida,
		      const struct job_order *b, const char *idb);

/*
 * A new state.json object (a new reference) for a job just queued: every
 * key of docs/formats.md known before a run (the trainer adds lr, and
 * fills the others in), in its order, status queued, the five stages
 * pending, created from o->created_us.
 */
json_t *job_state_new(const char *id, const struct config *cfg,
		      const struct job_order *o);

/*
 * Carry what outlives a run from the state old (may be NULL) into st, a
 * state just built by job_state_new: created and the queue order, the
 * attempt, retry_at, the group.
 */
void job_state_carry(json_t *st, const json_t *old);

/*
 * Record in st that a run started at t (seconds since the epoch) in
 * process pid: status running, the first stage current, started.
 */
void job_state_start(json_t *st, double t, long pid);

/*
 * Record status in st: "queued" (a run yet to begin) clears pid, stage,
 * started, ended, eta and error and makes every stage pending again,
 * without times, so that the stages shown are always the current run's;
 * a finished status sets ended, clears pid, eta and retry_at and, when
 * message is not NULL, sets error {message, stage, hint} (hint NULL or
 * "": null), and a stage still running gets the same status.
 */
void job_state_finish(json_t *st, enum job_status status, const char *message,
		      const char *hint);

/* The object of stage s in st's "stages" (borrowed), or NULL. */
json_t *job_state_stage(json_t *st, enum stage s);

/* Set obj[key] to t (seconds since the epoch) in ISO 8601. */
void job_state_set_time(json_t *obj, const char *key, double t);

/*
 * Read JOBDIR/state.json: a regular file (never a link, a FIFO or a
 * device), at most JOB_STATE_MAX bytes, a JSON object. A new reference,
 * or NULL with why in err (a message that names the file).
 */
json_t *job_state_read(const char *jobdir, char *err, size_t n);

/*
 * Read GROUPDIR/group.json as job_state_read reads state.json (at most
 * JOB_GROUP_MAX bytes), which must hold a "members" list. A new
 * reference, or NULL with why in err.
 */
json_t *job_group_read(const char *groupdir, char *err, size_t n);

/*
 * Stamp "updated" and replace JOBDIR/state.json atomically; durable: with
 * the fsyncs of json_write_atomic, else without (the caller syncs the
 * filesystem later). 0 or -1 after error().
 */
int job_state_write(const char *jobdir, json_t *st, int durable);

/*
 * Append {"time", "event", ...fields} to JOBDIR/events.jsonl; fields (an
 * object or NULL) is stolen. 0 or -1 after error().
 */
int job_event(const char *jobdir, const char *event, json_t *fields);

#endif
