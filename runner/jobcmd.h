/*
 * jobcmd.h - the commands users run against a spool: submit, ls, cancel,
 * retry, rm, export. Each returns the exit status of the command: 0 ok,
 * 1 a runtime error or bad input (reported with error()).
 *
 * cancel, retry and rm leave a request in control/ (control.h); when no
 * runner holds the spool they carry it out themselves at once, so they
 * work whether a runner is up or not.
 */
#ifndef SPOOLBOARD_JOBCMD_H
#define SPOOLBOARD_JOBCMD_H

#include "runner/control.h"

/*
 * Validate each config as `spoolboard validate` does and copy the valid
 * ones atomically into SPOOL/incoming/ under a name not in use there;
 * print each new path. A config that extends presets is copied with them
 * merged in (so the runner never looks for them). With sweeps set, each
 * file must hold a sweep (`spoolboard sweep`).
 */
int jobcmd_submit(const char *spool, char *const *files, int n, int sweeps);

/*
 * Validate each config: its presets merged (looked for beside it, then in
 * SPOOL/presets), every member checked when it is a sweep, and with
 * data_root (not NULL) its data opened below it and checked as the
 * trainer will (runner/train/train.h: train_check_data). Prints
 * "FILE: ok", or for a sweep the table of its members; the problems on
 * stderr (the data's in the trainer's words, after "FILE: "). With sweeps set, a file
 * without a sweep is an error (`spoolboard sweep --dry-run`).
 */
int jobcmd_validate(const char *spool, char *const *files, int n,
		    int sweeps, const char *data_root);

/* Print a table of the jobs (oldest first), or with json a JSON array. */
int jobcmd_ls(const char *spool, int json);

/*
 * Request action a for each job in ids[0..n): checks that the ID is valid,
 * that the job exists and that the request applies to its status.
 */
int jobcmd_control(const char *spool, char *const *ids, int n,
		   enum control_action a);

/* Write one tar.zst of the job to out (NULL: ID.tar.zst). */
int jobcmd_export(const char *spool, const char *id, const char *out);

/*
 * Format a progress bar "[#####.....]  50%" of width cells into buf
 * (frac clamped to 0..1).
 */
void jobcmd_bar(double frac, int width, char *buf, size_t n);

#endif
