/*
 * test-threads.c - the trainer's thread count: capped at the cores
 * allowed, exactly the count given when fixed, and settled by measuring
 * on the count whose steps are faster.
 */
#include "runner/train/threads.h"
#include "lib/timeutil.h"
#include "tap.h"

#include <omp.h>
#include <unistd.h>

/*
 * Run steps until the probe has settled (or 2000 steps), each step
 * sleeping multi microseconds with more than one thread, one otherwise.
 */
static void
settle(struct threads *t, int multi, int one)
{
	for (int i = 0; i < 2000; i++) {
		threads_adapt(t, i == 0);
		if (i > 0 && !t->window)
			break;
		usleep(omp_get_max_threads() > 1 ? multi : one);
	}
}

int
main(void)
{
	struct threads t;
	int ncpu;

	threads_init(&t, 64, 0);
	ncpu = t.load.ncpu;
	ok(t.cur == (ncpu < 64 ? ncpu : 64) && omp_get_max_threads() == t.cur,
	   "starts with the count given, at most the cores allowed (%d)",
	   t.cur);

	threads_init(&t, 3, 1);
	t.last -= 2 * THREADS_INTERVAL;
	ok(threads_adapt(&t, 0) == 3 && omp_get_max_threads() == 3 &&
	   threads_adapt(&t, 0) == 3, "fixed: exactly the count given");

	threads_init(&t, 1, 0);
	t.last -= 2 * THREADS_INTERVAL;
	ok(threads_adapt(&t, 1) == 1 && omp_get_max_threads() == 1,
	   "one thread stays one");
	threads_init(&t, 0, 0);
	ok(t.cur == 1, "a count below 1 is 1");

	if (ncpu < 2) {
		ok(1, "# SKIP one core allowed: nothing to measure");
		ok(1, "# SKIP one core allowed");
		ok(1, "# SKIP one core allowed");
		return tap_done();
	}
	/* no look at the load here: the probe alone decides */
	threads_init(&t, 2, 0);
	t.last = time_mono() + 1e9;
	settle(&t, 3000, 1000);
	ok(!t.window && t.cur == 1 && omp_get_max_threads() == 1,
	   "2 threads slower than 1: settles on 1 (%.2f ms against %.2f)",
	   1e3 * t.secs[0] / t.steps[0], 1e3 * t.secs[1] / t.steps[1]);
	threads_init(&t, 2, 0);
	t.last = time_mono() + 1e9;
	settle(&t, 1000, 3000);
	ok(!t.window && t.cur == 2 && omp_get_max_threads() == 2,
	   "2 threads faster: settles on 2 (%.2f ms against %.2f)",
	   1e3 * t.secs[0] / t.steps[0], 1e3 * t.secs[1] / t.steps[1]);
	ok(t.steps[0] >= THREADS_PROBE_STEPS && t.steps[1] >= THREADS_PROBE_STEPS
	   && t.next_probe > time_mono() + THREADS_PROBE_EVERY - 5,
	   "each count timed over its windows; the next probe later");
	return tap_done();
}
