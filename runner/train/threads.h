/*
 * threads.h - the trainer's OpenMP thread count, fitted to the cores that
 * other processes leave free.
 *
 * A job is given a number of threads (its maximum). More threads than
 * free cores make every barrier wait for a thread that is not running, so
 * a 2-thread job beside a CPU hog can be many times slower than on one
 * thread. threads_adapt, called as often as the caller likes (it looks at
 * the load at most once a second), lowers the count to the cores free
 * (lib/cpuload.h), never below 1, and raises it back, never above the
 * maximum, when they free up. The kernels give the same bits for any
 * thread count (kernels.h), so the results do not change.
 */
#ifndef SPOOLBOARD_THREADS_H
#define SPOOLBOARD_THREADS_H

#include "lib/cpuload.h"

/* Seconds between two looks at the load. */
#define THREADS_INTERVAL 1.0

struct threads {
	int max;		/* the count the job was given */
	int cur;		/* the count in use */
	int changes;		/* how many times cur changed */
	double last;		/* time_mono() of the last look */
	struct cpuload load;
};

/* Use max (>= 1) threads from now on and take a first load sample. */
void threads_init(struct threads *t, int max);

/*
 * At most once every THREADS_INTERVAL s, set the count to the cores free
 * since the last look, between 1 and t->max. Not to be called inside a
 * parallel region. Returns the count in use.
 */
int threads_adapt(struct threads *t);

#endif
