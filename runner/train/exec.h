/*
 * exec.h - an exec job (docs/exec.md): `spoolboard train` as the
 * supervisor of a command instead of the trainer.
 *
 * The command runs in its own process group, in the config's workdir
 * below the data root, with stdin from /dev/null and stdout and stderr
 * into a pipe the supervisor reads line by line: each line goes to
 * log.txt (capped), is matched against the config's metrics patterns
 * (named groups become metrics.csv columns and state.json's epoch,
 * progress, losses and metrics; a pattern's stage becomes the current
 * stage), and the last lines that look like an error become the state's
 * error message when the command fails. Its exit status decides
 * completed or failed.
 *
 * SIGTERM or SIGINT to the supervisor (a cancel, the runner stopping) is
 * passed on to the command's group, then SIGKILL after EXEC_GRACE
 * seconds; so is limits.max_seconds. The supervisor is a child
 * subreaper: what the command started and left behind is reparented to
 * it and ended (SIGTERM, then SIGKILL) when the command exits, so no
 * orphan keeps running or holds the pipe. When the runner that started
 * the supervisor dies, the supervisor does the same and leaves the job
 * running, for the next runner to queue again. limits.max_memory_mb is
 * the address-space limit of each process of the command (RLIMIT_AS).
 */
#ifndef SPOOLBOARD_EXEC_H
#define SPOOLBOARD_EXEC_H

#include "runner/train/run.h"

#define EXEC_GRACE 3.0		/* seconds from SIGTERM to SIGKILL */
#define EXEC_LINE_MAX 65536	/* longer output lines are cut */
#define EXEC_LOG_MAX (16L << 20)	/* bytes of output kept in log.txt
					   in one run ... */
#define EXEC_LOG_TOTAL (64L << 20)	/* ... and at most so much log.txt
					   in all (retries append) */
#define EXEC_STAGE_CHANGES 1000	/* stage changes a run may make */
#define EXEC_TAIL_LINES 64	/* last lines kept past the cap, for the
				   log's end and the error message */
#define EXEC_METRICS_ROWS 100000	/* rows of metrics.csv at most */
#define EXEC_WIDEN_MAX (4L << 20)	/* metrics.csv gains a column (a
					   new pair's name) only up to this
					   size: it is rewritten for it */
#define EXEC_WIDEN_TOTAL (64L << 20)	/* ... and while all those
					   rewrites made less than this */
#define EXEC_KEY_MAX 64		/* bytes of a pair's name */
#define EXEC_LINE_PAIRS 256	/* pairs read from one line */
#define EXEC_RESUME_SCAN 4096	/* entries of checkpoints/ read for the
				   newest (SPOOLBOARD_RESUME_FROM) */

/*
 * Run r's exec job: r has its config, lock, job files and initial state
 * (run_state_init); data_root is the folder workdir is below and threads
 * the number given to the command's thread variables. Returns the exit
 * status (opts.h) after the final state is written, as run_complete,
 * run_fail and run_cancel do.
 */
int exec_run(struct run *r, const char *data_root, int threads);

/*
 * Is cfg's workdir a folder below root, without a link leading out of
 * it? 0, or -1 after error() in the words of path.h.
 */
int exec_check_workdir(const struct config *cfg, const char *root);

#endif
