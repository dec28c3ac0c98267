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

/*
 * Make OpenMP threads sleep while they wait instead of spinning: unless
 * OMP_WAIT_POLICY or GOMP_SPINCOUNT is set already, set OMP_WAIT_POLICY
 * to passive and exec this program again with the same arguments
 * (libgomp reads its environment when it is loaded, before main). On a
 * busy box a spinning thread burns the core that the thread it waits for
 * needs; bench-train measured 2 threads beside other load at 4% of 1
 * thread's speed with the default spinning, 100% with passive waiting.
 * Call it first thing, before any other work. Returns (doing nothing)
 * when the policy is set already or the exec failed.
 */
void threads_wait_policy(void);

/* Use max (>= 1) threads from now on and take a first load sample. */
void threads_init(struct threads *t, int max);

/*
 * At most once every THREADS_INTERVAL s, set the count to the cores free
 * since the last look, between 1 and t->max. Not to be called inside a
 * parallel region. Returns the count in use.
 */
int threads_adapt(struct threads *t);

#endif
