/*
 * threads.c - fit the OpenMP thread count to the free cores (threads.h).
 *
 * The first look comes a second after threads_init: the estimate needs
 * two samples of /proc/stat, and a job that starts with every core it was
 * given only loses time when the load stays.
 */
#include <omp.h>

#include "lib/cpuload.h"
#include "lib/timeutil.h"
#include "runner/train/threads.h"

void
threads_init(struct threads *t, int max)
{
	t->max = max < 1 ? 1 : max;
	t->changes = 0;
	t->last = time_mono();
	cpuload_start(&t->load);
	/* never more threads than the cores this process may run on */
	t->cur = cpuload_threads(t->max, -1, t->load.ncpu);
	omp_set_num_threads(t->cur);
}

int
threads_adapt(struct threads *t)
{
	double now = time_mono(), free;
	int n;

	if (t->max == 1 || now - t->last < THREADS_INTERVAL)
		return t->cur;
	t->last = now;
	free = cpuload_free(&t->load);
	n = cpuload_threads(t->max, free, t->load.ncpu);
	if (n != t->cur) {
		t->cur = n;
		t->changes++;
		omp_set_num_threads(n);
	}
	return t->cur;
}
