/*
 * opts.h - what `spoolboard train` asks of a run (struct train_opts) and
 * how a run ends (its exit statuses). train.h runs a job with them; run.h
 * keeps them in struct run, so it needs them without train_run.
 */
#ifndef SPOOLBOARD_OPTS_H
#define SPOOLBOARD_OPTS_H

/* Exit statuses of `spoolboard train`. */
enum {
	TRAIN_COMPLETED = 0,
	TRAIN_FAILED = 1,
	TRAIN_USAGE = 2,
	TRAIN_CANCELLED = 3
};

struct train_opts {
	const char *config;	/* a config file, or NULL: jobdir/config.json */
	const char *jobdir;	/* the job directory (created if missing) */
	const char *data_root;	/* NULL: the config file's directory */
	int threads;		/* 0: the config's, else all cores */
	int fixed_threads;	/* use exactly that many: no fitting */
	int progress;		/* 1 bar, 0 none, -1 when stderr is a TTY */
	int fresh;		/* remove old checkpoints, do not resume */
	int allow_exec;		/* an exec job may run its command
				   (docs/exec.md); 0: it fails, saying how */
	int wait_lock;		/* seconds to wait for another process's
				   hold on the job to end; 0: fail at once */
};

#endif
