/*
 * cpuload.h - how many of the cores this process may run on are free.
 *
 * A sample reads the busy and idle time of each allowed core from
 * /proc/stat (the cores of sched_getaffinity) and the CPU time of the
 * processes the caller counts as its own. Between two samples, the cores
 * free are the allowed cores minus the time the other processes kept them
 * busy, per second of wall time: a CPU hog on one of two cores leaves
 * one free, whatever the caller itself was doing meanwhile.
 *
 * Other processes' load is what matters for a job's thread count: more
 * threads than free cores make each OpenMP barrier wait for a thread
 * that is not running.
 */
#ifndef SPOOLBOARD_CPULOAD_H
#define SPOOLBOARD_CPULOAD_H

#include <sys/types.h>

struct cpuload {
	int ncpu;		/* cores this process may run on */
	double wall;		/* CLOCK_MONOTONIC of the last sample; 0 none */
	double busy;		/* busy seconds of those cores, all processes */
	double ours;		/* CPU seconds of the caller's own processes */
	double free;		/* the last estimate; < 0 unknown */
};

/* The shortest interval between two samples that gives an estimate. */
#define CPULOAD_MIN_INTERVAL 0.25

/*
 * Take a first sample, with this process as the caller's own. The
 * estimate is unknown (free < 0) until the next one.
 */
void cpuload_start(struct cpuload *c);

/*
 * The cores free since the last sample (this process being the caller's
 * own), and take a new sample. Less than CPULOAD_MIN_INTERVAL after the
 * last sample, the last estimate, unchanged; < 0 when unknown.
 */
double cpuload_free(struct cpuload *c);

/*
 * The same with ours: the CPU seconds, cumulative, of all the processes
 * the caller counts as its own (this one, its children, ...).
 */
double cpuload_sample(struct cpuload *c, double ours);

/* CPU seconds used so far by this process (all its threads). */
double cpuload_self(void);

/*
 * CPU seconds used so far by process pid (all its threads), from
 * /proc/PID/stat; 0 when it cannot be read (the process is gone).
 */
double cpuload_process(pid_t pid);

/* Threads to give a job that asks for want: at most the cores free
   (rounded to the nearest; free < 0 unknown: ncpu), at least 1. */
int cpuload_threads(int want, double free, int ncpu);

#endif
