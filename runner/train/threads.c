/*
 * threads.c - fit the OpenMP thread count to the free cores and to what
 * pays (threads.h).
 *
 * The first look at the load comes a second after threads_init: the
 * estimate needs two samples of /proc/stat. The probe starts at once.
 */
#include <omp.h>

#include "lib/cpuload.h"
#include "lib/timeutil.h"
#include "runner/train/threads.h"

static void
use(struct threads *t, int n)
{
	if (n != t->cur) {
		t->cur = n;
		t->changes++;
		omp_set_num_threads(n);
	}
}

/* Start a probe: its first window runs with the cap. */
static void
probe_start(struct threads *t)
{
	t->window = 1;
	t->wsteps = 0;
	t->wsecs = 0;
	t->secs[0] = t->secs[1] = 0;
	t->steps[0] = t->steps[1] = 0;
	use(t, t->cap);
}

/* Time one step (of secs seconds) in the probe; move to the next window
   or, after the last, settle on the faster count. */
static void
probe_step(struct threads *t, double secs, double now)
{
	int one = !(t->window & 1);

	t->secs[one] += secs;
	t->steps[one]++;
	t->wsecs += secs;
	if (++t->wsteps < THREADS_PROBE_STEPS ||
	    t->wsecs < THREADS_PROBE_SECONDS)
		return;
	t->wsteps = 0;
	t->wsecs = 0;
	if (++t->window <= THREADS_PROBE_WINDOWS) {
		use(t, t->window & 1 ? t->cap : 1);
		return;
	}
	t->window = 0;
	t->next_probe = now + THREADS_PROBE_EVERY;
	use(t, t->secs[0] / t->steps[0] <
	       (1 - THREADS_GAIN) * t->secs[1] / t->steps[1] ? t->cap : 1);
}

void
threads_init(struct threads *t, int max, int fixed)
{
	t->max = max < 1 ? 1 : max;
	t->fixed = fixed;
	t->changes = 0;
	t->last = time_mono();
	t->window = 0;
	t->step_t0 = 0;
	t->next_probe = 0;
	cpuload_start(&t->load);
	/* never more threads than the cores this process may run on */
	t->cap = fixed ? t->max : cpuload_threads(t->max, -1, t->load.ncpu);
	t->cur = t->cap;
	omp_set_num_threads(t->cur);
}

int
threads_adapt(struct threads *t, int fresh)
{
	double now = time_mono(), secs = now - t->step_t0;
	int timed = !fresh && t->step_t0 > 0;

	t->step_t0 = now;
	if (t->fixed || t->max == 1)
		return t->cur;
	if (now - t->last >= THREADS_INTERVAL) {
		int cap;

		t->last = now;
		cap = cpuload_threads(t->max, cpuload_free(&t->load),
				      t->load.ncpu);
		if (cap != t->cap) {
			t->cap = cap;
			t->window = 0;
			t->next_probe = now;	/* measure again */
			use(t, cap);
		}
	}
	if (t->cap == 1) {
		t->window = 0;
		use(t, 1);
		return t->cur;
	}
	if (t->window && timed)
		probe_step(t, secs, now);
	else if (!t->window && now >= t->next_probe)
		probe_start(t);
	return t->cur;
}
