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
	ncpu = t.load.ncpu;
	ok(t.cur == (ncpu < 64 ? ncpu : 64) && omp_get_max_threads() == t.cur,
	   "starts with the count given, at most the cores allowed (%d)",
	   t.cur);
	ok(threads_adapt(&t) == t.cur, "no look at the load within a second");
	t.last -= 2 * THREADS_INTERVAL;
	usleep(300000);		/* past CPULOAD_MIN_INTERVAL */
	{
		int before = t.cur;

		threads_adapt(&t);
		ok(t.cur >= 1 && t.cur <= ncpu,
		   "a look caps it at the cores free (%d of %d)", t.cur, ncpu);
		ok(omp_get_max_threads() == t.cur,
		   "OpenMP uses the fitted count");
		ok(t.changes == (t.cur != before), "a change is counted");
	}

	threads_init(&t, 1);
	t.last -= 2 * THREADS_INTERVAL;
	ok(threads_adapt(&t) == 1 && omp_get_max_threads() == 1,
	   "one thread stays one");
	threads_init(&t, 0);
	ok(t.cur == 1, "a count below 1 is 1");
	return tap_done();
}
