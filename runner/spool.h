/*
 * spool.h - the spool directory: its layout, job IDs, claiming and
 * rejecting configs, and the runner's edits of a job's state.json.
 *
 *	SPOOL/incoming/NAME.json   configs users drop
 *	SPOOL/rejected/NAME.json   refused ones, with NAME.error beside them
 *	SPOOL/control/ID.ACTION    requests (see control.h)
 *	SPOOL/jobs/ID/             one directory per accepted job
 *	SPOOL/groups/GID/          one per sweep: group.json, submitted.json
 *	SPOOL/presets/             configs others extend (job/preset.h)
 *	SPOOL/www/                 the rendered site
 *	SPOOL/runner.lock          flock'ed by the one runner serving the spool
 *
 * A claim is the rename(2) of incoming/NAME.json to jobs/ID/submitted.json
 * after the config was validated in place; config.json (the completed
 * config), state.json (status queued) and a "queued" event follow. A job
 * directory holding submitted.json but no state.json was claimed by a
 * runner that died half-way: spool_claim_finish() completes it.
 *
 * A config with a sweep (job/sweep.h) is claimed as a group: the group ID
 * and every member's ID are reserved (mkdir), groups/GID/group.json and
 * each jobs/MEMBER/submitted.json (the member's completed config) are
 * written and synced, and then the rename of incoming/NAME.json to
 * groups/GID/submitted.json claims the whole sweep at once; the members'
 * config.json, state.json and events follow. A group folder without
 * submitted.json is a claim that never happened: spool_group_recover()
 * removes it and its members, and the config, still in incoming/, is
 * claimed again.
 */
#ifndef SPOOLBOARD_SPOOL_H
#define SPOOLBOARD_SPOOL_H

#include <stddef.h>

#include "job/state.h"
#include "lib/json.h"

#define SPOOL_QUIET_SECONDS 2.0		/* an unparsable file may still grow */

struct spool {
	char *root;
	char *incoming, *rejected, *control, *jobs, *www;
	char *groups, *presets;
	char *data_root;	/* data.path is checked against it */
	int allow_exec;		/* exec jobs (docs/exec.md) are claimed;
				   0: rejected, saying how to allow them */
	int batch;		/* claims skip fsync; spool_sync() after */
	int dirty;		/* claims written since the last spool_sync */
	long long seq;		/* the next claim's arrival number */
};

/*
 * Fill sp with the paths of the spool at root (www NULL: root/www) and
 * create every directory of the layout that is missing. data_root NULL:
 * the working directory. 0 or -1 after error().
 */
int spool_open(struct spool *sp, const char *root, const char *www,
	       const char *data_root);
void spool_release(struct spool *sp);

/*
 * Does a name in incoming/ count? Names starting with '.' or '~' (rsync
 * and editor temporaries) and names not ending in ".json" do not. 1 or 0.
 */
int spool_name_counts(const char *name);

/*
 * Reduce a file name to an ID: the name less ".json", each byte outside
 * [A-Za-z0-9._-] replaced by '_', a leading '.' or '-' replaced by '_'
 * (so that the ID is no hidden name and no command option), at most
 * max bytes (max <= JOB_ID_MAX), "job" when nothing is left. out holds
 * at least max + 1 bytes.
 */
void spool_id_reduce(const char *name, char *out, size_t max);

/*
 * The ID for base that does not collide: base itself, else base-2,
 * base-3, ... (base shortened so that the suffix fits), reserved by
 * creating jobs/ID. Returns the new ID (the caller frees it) or NULL after
 * error().
 */
char *spool_id_reserve(struct spool *sp, const char *base);

/* Outcomes of spool_claim. */
enum {
	CLAIM_ERROR = -1,	/* error() said why; the file stays (or is
				   put back) in incoming/ */
	CLAIM_GONE = 0,		/* the name is no longer there, or ignored */
	CLAIM_QUEUED = 1,	/* claimed: *id is the new job */
	CLAIM_WAIT = 2,		/* unparsable but recent: try again later */
	CLAIM_REJECTED = 3	/* moved to rejected/ with NAME.error, or
				   the first free NAME-K.json, NAME-K.error */
};

/* What one claim queued: one job, or the members of a sweep. */
struct spool_claimed {
	char **ids;			/* n new job IDs */
	struct job_order *orders;	/* their places in the queue */
	size_t n;
	char *group;			/* the sweep's group ID, or NULL */
};

void spool_claimed_release(struct spool_claimed *c);

/*
 * Validate incoming/NAME (its "extends" merged, presets read confined:
 * job/preset.h) and claim or reject it. On CLAIM_QUEUED, *out holds the
 * new job's ID and place in the queue, or a sweep's group ID and its
 * members' (release it with spool_claimed_release); otherwise out->n is
 * 0. sp->seq numbers the claims. A file that is not whole JSON and was
 * modified less than SPOOL_QUIET_SECONDS before now (seconds since the
 * epoch) gives CLAIM_WAIT: it may still be arriving. A claim whose files
 * cannot be written (a full disk) is undone: the config goes back to
 * incoming/NAME, what was made in jobs/ and groups/ is removed, and
 * CLAIM_ERROR is returned. A rejection never replaces nor removes an
 * earlier rejection's files.
 */
int spool_claim(struct spool *sp, const char *name, double now,
		struct spool_claimed *out);

/*
 * Reserve a group ID for base as spool_id_reserve reserves job IDs (by
 * mkdir of groups/ID), never one that is a job's ID. The ID (the caller
 * frees it) or NULL after error().
 */
char *spool_group_reserve(struct spool *sp, const char *base);

/*
 * Remove every group folder of an unfinished sweep claim (no
 * submitted.json): its members that never got a state.json, then the
 * folder. Run by the runner before it loads the jobs. 0 or -1.
 */
int spool_group_recover(struct spool *sp);

/*
 * Write config.json, state.json (queued) and the "queued" event of a job
 * whose submitted.json is in place, created when submitted.json was
 * claimed (its ctime), so it keeps its place in the queue. 0, or -1
 * after error(); the job folder is then left as it is.
 */
int spool_claim_finish(struct spool *sp, const char *id);

/*
 * With sp->batch set, a claim writes config.json and state.json atomically
 * (temporary file, rename) but without fsync, and the caller makes a
 * whole batch of claims durable at once with spool_sync() (syncfs(2)):
 * one journal commit for a burst of configs instead of several per
 * config. A crash before the sync may leave a claimed job whose
 * state.json is empty or missing; the runner completes such a claim
 * again from submitted.json at its next start. 0 or -1 after error().
 */
int spool_sync(struct spool *sp);

/* jobs/ID/NAME; the caller frees it. */
char *spool_job_path(const struct spool *sp, const char *id,
		     const char *name);

/*
 * job/state.h's reader, writer and event appender for jobs/ID: the state
 * as a new reference or NULL after error(); the writer durable; 0 or -1.
 */
json_t *spool_state_read(const struct spool *sp, const char *id);
int spool_state_write(const struct spool *sp, const char *id, json_t *st);
int spool_event(const struct spool *sp, const char *id, const char *event,
		json_t *fields);

/* Record status in jobs/ID/state.json (job_state_finish). 0 or -1. */
int spool_state_set(const struct spool *sp, const char *id,
		    enum job_status status, const char *message,
		    const char *hint);

/*
 * Is someone running the job: its jobs/ID/.lock flock'ed by a process,
 * or (no .lock file) the pid in its state.json alive? 1 or 0.
 */
int spool_job_busy(const struct spool *sp, const char *id, const json_t *st);

#endif
