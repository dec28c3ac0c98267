/*
 * daemon.h - `spoolboard run`: the runner that serves one spool.
 *
 * It holds SPOOL/runner.lock, loads the jobs left queued (and queues again
 * those left running by a runner that died), arms inotify on incoming/ and
 * control/ and then scans both, claims or rejects each config, and starts
 * queued jobs, priority first, as children `spoolboard train JOBDIR`, at
 * most `slots` at once. See docs/runner.md for the whole behaviour.
 */
#ifndef SPOOLBOARD_DAEMON_H
#define SPOOLBOARD_DAEMON_H

#include "runner/slurm.h"

struct daemon_opts {
	const char *spool;	/* the spool directory */
	const char *www;	/* NULL: SPOOL/www */
	const char *data_root;	/* NULL: the working directory */
	const char *exe;	/* the binary children run; NULL: our own */
	int slots;		/* jobs at once; 0 claims but starts none */
	int threads;		/* per job when its config says 0; 0: cores /
				   slots */
	int once;		/* drain the queue, wait, exit */
	int render;		/* 1: keep the site up to date (a render
				   child every second while busy) */
	double rescan;		/* seconds between safety rescans; 0: 2 */
	const char *templates;	/* passed on to `render`; NULL: its default */
	const char *log_error;	/* render --log-error; NULL: its default */
	const char *log_warning; /* render --log-warning; NULL: default */
	int slurm;		/* 1: jobs run in Slurm (docs/slurm.md) */
	int allow_exec;		/* 1: exec jobs run (docs/exec.md); 0: an
				   exec config is rejected, and a queued
				   exec job fails at its start */
	struct slurm_opts sbatch; /* with slurm: the cluster options */
};

/*
 * Serve the spool until SIGTERM or SIGINT (or, with once, until nothing
 * is left to do). Returns 0, or 1 after error() when the spool cannot be
 * served (another runner holds it, a directory cannot be made).
 */
int daemon_run(const struct daemon_opts *opts);

#endif
