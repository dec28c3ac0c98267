/*
 * test-threads.c - the trainer's thread count fitted to the free cores:
 * never above the count given nor the cores there are, never below 1,
 * and the count OpenMP uses is the one reported.
 */
#include <omp.h>
#include <unistd.h>

#include "runner/train/threads.h"
#include "tap.h"

int
main(void)
{
	struct threads t;
	int ncpu;

	threads_init(&t, 64);
	ok(t.cur == 64 && omp_get_max_threads() == 64,
	   "starts with the count given");
	ok(threads_adapt(&t) == 64, "no look at the load within a second");
	t.last -= 2 * THREADS_INTERVAL;
	usleep(300000);		/* past CPULOAD_MIN_INTERVAL */
	threads_adapt(&t);
	ncpu = t.load.ncpu;
	ok(ncpu >= 1 && t.cur >= 1 && t.cur <= ncpu && t.cur <= 64,
	   "a look caps it at the cores free (%d of %d)", t.cur, ncpu);
	ok(omp_get_max_threads() == t.cur, "OpenMP uses the fitted count");
	ok(t.changes == (t.cur != 64), "a change is counted");

	threads_init(&t, 1);
	t.last -= 2 * THREADS_INTERVAL;
	ok(threads_adapt(&t) == 1 && omp_get_max_threads() == 1,
	   "one thread stays one");
	threads_init(&t, 0);
	ok(t.cur == 1, "a count below 1 is 1");
	return tap_done();
}
