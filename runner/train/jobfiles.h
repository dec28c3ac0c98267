/*
 * jobfiles.h - the files a training run writes into its job directory.
 *
 *   log.txt        timestamped lines (also echoed on stderr when stderr is
 *                  not log.txt itself, as it is under the runner)
 *   events.jsonl   one JSON object per line, appended
 *   metrics.csv    a header, then one row per epoch
 *   state.json     the current snapshot, replaced atomically
 *
 * The snapshot is kept in memory as a JSON object (jf->state) that the
 * training loop edits; jobfiles_state_write() stamps "updated" and writes
 * it. The files' names, the state's keys and the event appender are
 * job/state.h's; see docs/formats.md for every field.
 */
#ifndef SPOOLBOARD_JOBFILES_H
#define SPOOLBOARD_JOBFILES_H

#include "lib/json.h"

struct jobfiles {
	char *dir;
	char *log_path, *metrics_path;
	int echo;		/* print log lines on stderr too */
	int bar;		/* a progress bar is drawn on stderr */
	int bar_shown;		/* the bar is on screen now */
	double bar_last;	/* when it was last drawn (monotonic) */
	json_t *state;		/* owned */
	json_t *old_state;	/* state.json found at open, or NULL (owned) */
};

/*
 * Create dir if needed and prepare the paths. An existing state.json is
 * loaded into jf->old_state (a damaged one is ignored with a warning);
 * jf->state starts as an empty object.
 * progress: 1 draw a bar on stderr, 0 never, -1 when stderr is a TTY.
 * 0 or -1 after error().
 */
int jobfiles_open(struct jobfiles *jf, const char *dir, int progress);
void jobfiles_close(struct jobfiles *jf);

/* Append "TIMESTAMP message" to log.txt (and stderr, see above). */
void jobfiles_log(struct jobfiles *jf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* job_event() for the job's directory: fields is stolen. 0 or -1. */
int jobfiles_event(struct jobfiles *jf, const char *event, json_t *fields);

/* job_state_write() of jf->state, durably. 0 or -1. */
int jobfiles_state_write(struct jobfiles *jf);

/*
 * Add a line to metrics.csv: the header (replacing the file atomically)
 * when header is 1, else a row (appended). 0 or -1.
 */
int jobfiles_metrics_line(struct jobfiles *jf, const char *line, int header);

/*
 * Draw the progress bar (when enabled) at most every 100 ms unless force:
 * "[#####.....]  42%  epoch 12/50  loss 0.1234  val 0.2345  ETA 1m 02s".
 */
void jobfiles_progress(struct jobfiles *jf, double frac, int epoch,
		       int epochs, double loss, double val, double eta,
		       int force);

/* Remove the bar from the screen (before exit). */
void jobfiles_progress_done(struct jobfiles *jf);

#endif
