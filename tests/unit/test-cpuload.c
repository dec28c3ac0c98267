/*
 * test-cpuload.c - cores free: another process's load counts against
 * them, our own does not; a process's CPU time; threads given to a job.
 */
#include "lib/cpuload.h"
#include "lib/timeutil.h"
#include "tap.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Use secs seconds of CPU time (however long that takes on a busy box). */
static void
spin(double secs)
{
	volatile unsigned long n = 0;
	double end = cpuload_self() + secs;

	while (cpuload_self() < end)
		n++;
}

/* A child that spins until killed. */
static pid_t
hog(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (volatile unsigned long n = 0;; n++)
			;
	}
	return pid;
}

static void
threads_given(void)
{
	ok(cpuload_threads(4, 1.6, 8) == 2, "1.6 cores free: 2 threads");
	ok(cpuload_threads(4, 1.4, 8) == 1, "1.4 cores free: 1 thread");
	ok(cpuload_threads(4, 0, 8) == 1, "no core free: still 1 thread");
	ok(cpuload_threads(2, 7.9, 8) == 2, "never more than asked");
	ok(cpuload_threads(16, -1, 8) == 8, "unknown: the cores allowed");
	ok(cpuload_threads(0, 4, 8) == 1, "asking for none: 1");
}

static void
process_time(void)
{
	double t0 = cpuload_self(), p0 = cpuload_process(getpid());

	spin(0.3);
	ok(cpuload_self() - t0 >= 0.3, "our CPU time grows as we spin");
	is_near(cpuload_process(getpid()) - p0, cpuload_self() - t0, 0.05,
		"/proc/PID/stat says the same, to its ticks");
	ok(cpuload_process(-1) == 0, "no such process: 0");
}

/*
 * A hog counted as another process's keeps its core from being free;
 * counted as ours (the runner counts its jobs), it takes none.
 */
static void
hog_counts(void)
{
	struct cpuload theirs, mine;
	pid_t pid;
	double f1, f2, h0, h1, t0, t1;

	cpuload_start(&theirs);
	ok(theirs.free < 0 && theirs.ncpu >= 1,
	   "unknown until a second sample (%d cores allowed)", theirs.ncpu);
	if (theirs.ncpu < 2) {
		ok(1, "# SKIP one core allowed: no room for a hog beside us");
		ok(1, "# SKIP");
		return;
	}
	pid = hog();
	if (!ok(pid > 0, "hog started"))
		return;
	memset(&mine, 0, sizeof(mine));
	mine.free = -1;
	/* both sampled at (nearly) the same moments */
	h0 = cpuload_process(pid);
	t0 = time_mono();
	cpuload_sample(&mine, cpuload_self() + h0);
	cpuload_start(&theirs);
	usleep(600000);
	h1 = cpuload_process(pid);
	t1 = time_mono();
	f2 = cpuload_sample(&mine, cpuload_self() + h1);
	f1 = cpuload_free(&theirs);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ok(f1 >= 0 && f1 <= theirs.ncpu - 0.5,
	   "another process's hog leaves at most %d - 0.5 cores free (%.2f)",
	   theirs.ncpu, f1);
	/* however little of a core the hog got on a busy box */
	is_near(f2 - f1, (h1 - h0) / (t1 - t0), 0.15,
		"the same hog counted as ours frees the core time it used");
	ok(cpuload_free(&theirs) == f1,
	   "a sample sooner than %.2f s gives the last estimate",
	   CPULOAD_MIN_INTERVAL);
}

int
main(void)
{
	threads_given();
	process_time();
	hog_counts();
	return tap_done();
}
