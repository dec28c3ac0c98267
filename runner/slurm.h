/*
 * slurm.h - the runner's Slurm side: what `spoolboard run --executor
 * slurm` asks of Slurm, through its commands (sbatch, squeue,
 * scancel), each run from an argv (never a shell string) with a time
 * limit, and what Slurm's answers mean for a job. See docs/slurm.md.
 *
 * A job is submitted as `sbatch [options] JOBDIR/slurm.sh EXE train JOBDIR
 * --data-root R --threads N --no-progress`: slurm.sh is the fixed two-line
 * script `exec "$@"`, so every path reaches the node as an argument,
 * unquoted and unexpanded, and the trainer is the batch step's process
 * itself (Slurm's signals reach it directly). The job's record in the job
 * folder is slurm.json (docs/formats.md), written by the daemon.
 */
#ifndef SPOOLBOARD_SLURM_H
#define SPOOLBOARD_SLURM_H

#include <stddef.h>

#include "job/state.h"
#include "lib/strbuf.h"

#define SLURM_SCRIPT "slurm.sh"		/* in the job folder */
#define SLURM_CMD_TIMEOUT 30.0	/* seconds a Slurm command may take */
#define SLURM_SIGNAL_MARGIN 90		/* seconds before the time limit
					   that the trainer gets SIGUSR1 */
#define SLURM_SIGNAL_EARLY 60		/* how much earlier Slurm may send it */
#define SLURM_ID_MAX 0x7fffffffL	/* the largest Slurm job id taken */
#define SLURM_LOCK_WAIT 600		/* seconds a requeued copy waits for
					   the old one to let go of the job */

/* The cluster options of `spoolboard run --executor slurm`. */
struct slurm_opts {
	const char *partition;		/* NULL: the cluster's default */
	const char *account;		/* NULL: the user's default */
	const char *const *extra;	/* --sbatch-arg values, in order */
	int nextra;
};

/* One submission: what the job runs and what it asks for. */
struct slurm_spec {
	const char *exe;		/* the spoolboard binary, absolute */
	const char *jobdir;		/* the job folder, absolute */
	const char *data_root;		/* absolute */
	const char *name;		/* the Slurm job name */
	int threads;			/* --cpus-per-task */
	double max_seconds;		/* limits.max_seconds; 0 none */
	double max_memory_mb;		/* limits.max_memory_mb; 0 none */
	int allow_exec;			/* pass --allow-exec to train */
};

/* What Slurm says of one job (a line of squeue, slurm_parse_line). */
struct slurm_info {
	long id;
	char state[32];		/* JobState: PENDING, RUNNING, ... */
	char reason[64];		/* Reason: None, Resources, ... */
	char node[128];		/* NodeList; "" none */
	char name[JOB_ID_MAX + 32];	/* JobName (truncated) */
	int exit_code, exit_signal;	/* from its wait status */
	int restarts;			/* RestartCnt */
};

/* Where a job is, from its JobState. */
enum slurm_phase {
	SLURM_QUEUED,		/* PENDING, REQUEUED, CONFIGURING, ... */
	SLURM_RUNNING,		/* RUNNING, COMPLETING, SUSPENDED, ... */
	SLURM_ENDED			/* COMPLETED, FAILED, TIMEOUT, ... */
};

/*
 * The sbatch argv for spec (NULL-terminated; script is the path of the
 * job's slurm.sh). The caller frees it with slurm_argv_free().
 */
char **slurm_sbatch_argv(const struct slurm_opts *o,
			 const struct slurm_spec *spec, const char *script);
void slurm_argv_free(char **argv);

/*
 * Run argv[0] (looked up in PATH) with argv, stdin /dev/null, its stdout
 * and stderr captured into out and err (either may be NULL: discarded),
 * all signals unblocked in the child; killed (SIGKILL) after timeout
 * seconds. Returns its exit status (0..255), or -1 after error() when it
 * could not be run, was killed by a signal or timed out.
 */
int slurm_command(char *const argv[], double timeout, struct strbuf *out,
		  struct strbuf *err);

/*
 * Start argv[0] as slurm_command() does, without waiting for it: its stdout
 * and stderr both go into one pipe whose read end (non-blocking,
 * close-on-exec) is *fd. Its pid (the caller reaps it), or -1 after
 * error().
 */
pid_t slurm_spawn(char *const argv[], int *fd);

/* Read what fd has into sb (NULL: discard). 1: more to come, 0: its end. */
int slurm_drain(int fd, struct strbuf *sb);

/*
 * The squeue argv that asks about jobs ids[0..n-1], every state, one line
 * each: "ID|STATE|REASON|NODES|WAITSTATUS|RESTARTS|NAME". Jobs Slurm no
 * longer knows are left out (or, for one id alone, squeue fails with
 * "Invalid job id"). Free it with slurm_argv_free().
 */
char **slurm_squeue_argv(const long *ids, int n);

/* Parse one line of that answer into *info. 0, or -1 when it is none. */
int slurm_parse_line(const char *line, struct slurm_info *info);

/*
 * What an answer to slurm_squeue_argv() says of job id, from squeue's exit
 * status (-1: it did not run to its end), its stdout and its stderr (the
 * same text when they were read together): 1 with *info filled, 0 when
 * Slurm does not know the id (finished long ago, or never), -1 after
 * error().
 */
int slurm_answer(int status, const char *out, const char *err, long id,
		 struct slurm_info *info);

/* The phase of a JobState word (an unknown word is SLURM_RUNNING). */
enum slurm_phase slurm_phase_of(const char *state);

/*
 * The job's status for an ended Slurm job: COMPLETED with exit 0 is
 * JOB_COMPLETED, CANCELLED is JOB_CANCELLED, anything else JOB_FAILED.
 */
enum job_status slurm_status_of(const struct slurm_info *info);

/*
 * Slurm's words for how a job stands, into buf: "Slurm: TIMEOUT
 * (TimeLimit, signal 15) on node n1, Slurm job 12".
 */
void slurm_describe(const struct slurm_info *info, char *buf, size_t n);

/* Write JOBDIR/slurm.sh (exec "$@"), durably. 0 or -1 after error(). */
int slurm_write_script(const char *jobdir);

/*
 * Submit spec with sbatch. The Slurm job id (> 0), or -1 after error()
 * with sbatch's own message.
 */
long slurm_submit(const struct slurm_opts *o, const struct slurm_spec *spec);

/* Ask squeue about job id and wait for its answer: as slurm_answer(). */
int slurm_query(long id, struct slurm_info *info);

/*
 * How job id ended, from Slurm's accounting (sacct), where the cluster
 * keeps one: for a job squeue no longer lists (ended more than MinJobAge
 * ago). 1 with *info (no reason, no restarts), 0 when sacct does not know
 * it or cannot answer (no accounting: nothing is said).
 */
int slurm_sacct(long id, struct slurm_info *info);

/* Parse one line of `sacct -n -X -P --format=JobID,State,NodeList,
   ExitCode,JobName`. 0, or -1 when it is none. */
int slurm_parse_sacct(const char *line, struct slurm_info *info);

/*
 * The id of the job named name (squeue, every state; the newest when
 * several), 0 when there is none, -1 after error().
 */
long slurm_find_name(const char *name);

/*
 * scancel id, beside the caller: slurm_cancel_start starts it and returns
 * its pid (its output readable at *fd, non-blocking), or -1 after
 * error(). Once it was reaped with wait status status (killed: the caller
 * killed it past SLURM_CMD_TIMEOUT), slurm_cancel_end reads its output,
 * closes fd and returns 0 when it succeeded, else -1 after error() with
 * scancel's words.
 */
pid_t slurm_cancel_start(long id, int *fd);
int slurm_cancel_end(long id, int status, int fd, int killed);

#endif
