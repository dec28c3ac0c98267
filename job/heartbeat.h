/*
 * heartbeat.h - SPOOL/runner.json, the runner's status file.
 *
 * The runner serving a spool keeps one small JSON object there (see
 * docs/formats.md): its version, pid, host, when it started and when it
 * was last seen (rewritten every HEARTBEAT_S seconds and whenever a job
 * starts or ends), its slots and threads, the IDs of the jobs it runs,
 * how many wait in its queue, its data root, whether it runs exec jobs
 * and, once it has stopped, when. Readers (the site, `submit`, `ls`) take it through
 * heartbeat_read, which keeps only well-formed members, so that a file
 * planted in the spool can make a page say nothing but what a runner
 * could say.
 *
 * Whether a runner is up is decided by its last_seen: a runner not seen
 * for HEARTBEAT_STALE seconds is gone (killed, or its machine down), one
 * with "stopped" has stopped.
 */
#ifndef SPOOLBOARD_HEARTBEAT_H
#define SPOOLBOARD_HEARTBEAT_H

#include "lib/json.h"

#define HEARTBEAT_FILE "runner.json"
#define HEARTBEAT_MAX (256 * 1024)	/* a larger runner.json: refused */
#define HEARTBEAT_S 10			/* seconds between rewrites */
#define HEARTBEAT_STALE (3 * HEARTBEAT_S + 5)	/* not seen for this long: gone */
#define HEARTBEAT_RUNNING_MAX 1024	/* running IDs kept */

/* What the runner says of itself. */
struct heartbeat {
	long pid;
	double started;		/* time_now() at its start */
	int slots, threads;
	const char *const *running;	/* IDs of the jobs it runs */
	size_t nrunning;
	size_t queued;		/* jobs waiting in its queue */
	const char *data_root;	/* absolute */
	double stopped;		/* 0: serving */
	int allow_exec;		/* it runs exec jobs (--allow-exec) */
};

/*
 * Write SPOOL/runner.json for h, last_seen now (atomic, not synced: a
 * lost heartbeat is only stale). 0, or -1 after error().
 */
int heartbeat_write(const char *spool, const struct heartbeat *h);

/*
 * SPOOL/runner.json as the readers see it (a new reference): the members
 * of a well-formed heartbeat only, and "state": "up", "stopped" or "gone"
 * as of now. NULL when there is none (no runner has served the spool), or
 * it is not a regular file, not JSON, too big or lacks last_seen; quiet
 * (a reader goes on without it).
 */
json_t *heartbeat_read(const char *spool, double now);

#endif
