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
 * it. See docs/formats.md for every field.
 */
#ifndef SPOOLBOARD_JOBFILES_H
#define SPOOLBOARD_JOBFILES_H

#include "lib/json.h"

struct jobfiles {
	char *dir;
	char *log_path, *events_path, *metrics_path, *state_path;
	int echo;		/* print log lines on stderr too */
	int bar;		/* a progress bar is drawn on stderr */
	int bar_shown;		/* the bar is on screen now */
	double bar_last;	/* when it was last drawn (monotonic) */
	json_t *state;		/* owned */
	json_t *old_state;	/* state.json found at open, or NULL (owned) */
};

/*
 * Create dir if needed and prepare the paths. An existing state.json is
 * loaded into jf->old_state (a damaged one is ignored with a warning).
 * progress: 1 draw a bar on stderr, 0 never, -1 when stderr is a TTY.
 * 0 or -1 after error().
 */
int jobfiles_open(struct jobfiles *jf, const char *dir, int progress);
void jobfiles_close(struct jobfiles *jf);

/* Append "TIMESTAMP message" to log.txt (and stderr, see above). */
void jobfiles_log(struct jobfiles *jf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append {"time": ..., "event": event, ...fields} to events.jsonl; fields
 * (an object or NULL) is stolen. 0 or -1.
 */
int jobfiles_event(struct jobfiles *jf, const char *event, json_t *fields);

/* Stamp state.updated and replace state.json. 0 or -1. */
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

/* Set key in jf->state to the ISO 8601 form of t (seconds since epoch). */
void jobfiles_set_time(json_t *obj, const char *key, double t);

#endif
