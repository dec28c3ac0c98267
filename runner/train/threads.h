/*
 * threads.h - the trainer's OpenMP thread count: no more than the cores
 * other processes leave free, and more than one only where it pays.
 *
 * A job is given a number of threads (its maximum). Two things can make
 * more threads slower than one:
 *
 * - more threads than free cores: every barrier waits for a thread that
 *   is not running, so a 2-thread job beside a CPU hog can be many times
 *   slower than on one thread. Once a second threads_adapt caps the count
 *   at the cores free (lib/cpuload.h), and raises it back when they free
 *   up.
 * - a model too small for its work to pay for splitting it: a step's
 *   parallel region (step.h) costs a fork, a join, a barrier and the
 *   moving of the parameters and gradients between the cores' caches.
 *   threads_adapt measures instead of guessing: it times
 *   windows of steps with the capped count and with one thread, turn
 *   about, keeps the faster (one thread unless the other is faster by
 *   THREADS_GAIN), and measures again every THREADS_PROBE_EVERY seconds
 *   or when the cap changes.
 *
 * A step gives the same bits for any thread count (step.h), so the
 * results never depend on what was chosen.
 */
#ifndef SPOOLBOARD_THREADS_H
#define SPOOLBOARD_THREADS_H

#include "lib/cpuload.h"

#define THREADS_INTERVAL 1.0	/* seconds between two looks at the load */
#define THREADS_PROBE_STEPS 8	/* steps in a window, at least ... */
#define THREADS_PROBE_SECONDS 0.05	/* ... and seconds */
#define THREADS_PROBE_WINDOWS 4	/* capped, one, capped, one */
#define THREADS_PROBE_EVERY 30.0	/* seconds between two probes */
#define THREADS_GAIN 0.03	/* more threads must save 3% of a step */

struct threads {
	int max;		/* the count the job was given */
	int cap;		/* max, at most the cores free */
	int cur;		/* the count in use */
	int fixed;		/* use max, always: no fitting */
	int changes;		/* how many times cur changed */
	double last;		/* time_mono() of the last look at the load */
	struct cpuload load;
	int window;		/* the probe's window, 1..; 0 none */
	int wsteps;		/* steps timed in this window */
	double wsecs;		/* and their seconds */
	double secs[2];		/* seconds and steps timed with the cap [0] */
	long steps[2];		/* and with one thread [1] */
	double step_t0;		/* time_mono() at the last step's start */
	double next_probe;	/* time_mono() of the next probe */
};

/*
 * Use at most max (>= 1) threads from now on, never more than the cores
 * this process may run on; fixed: exactly max (benchmarks, tests of the
 * parallel paths).
 */
void threads_init(struct threads *t, int max, int fixed);

/*
 * Call before each training step; fresh: the time since the last call was
 * not a step (the first of an epoch, after an evaluation). Caps the count
 * at the free cores (once a second) and runs the probe. Not to be called
 * inside a parallel region. Returns the count in use.
 */
int threads_adapt(struct threads *t, int fresh);

#endif
