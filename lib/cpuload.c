/*
 * cpuload.c - cores free for this process; see cpuload.h.
 */
#include "lib/cpuload.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/timeutil.h"

/*
 * Busy seconds so far of the cores in set, all processes: user, nice,
 * system, irq, softirq and steal ticks of their cpuN lines (guest time is
 * inside user). -1 when /proc/stat cannot be read.
 */
static double
busy_seconds(const cpu_set_t *set)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[512];
	double ticks = 0, hz = (double)sysconf(_SC_CLK_TCK);
	int seen = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[8] = { 0 };
		int cpu;

		/* "cpu " is the sum; the lines after it are cpu0, cpu1, ... */
		if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' ||
		    line[3] > '9')
			continue;
		if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu "
			   "%llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4],
			   &v[5], &v[6], &v[7]) < 8 || cpu < 0 ||
		    cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, set))
			continue;
		/* user nice system idle iowait irq softirq steal */
		ticks += (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
		seen = 1;
	}
	fclose(f);
	return seen && hz > 0 ? ticks / hz : -1;
}

static int
allowed(cpu_set_t *set)
{
	CPU_ZERO(set);
	if (sched_getaffinity(0, sizeof(*set), set) == 0 && CPU_COUNT(set))
		return CPU_COUNT(set);
	/* unknown: every online core */
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, set);
	return CPU_COUNT(set) ? CPU_COUNT(set) : 1;
}

double
cpuload_self(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double
cpuload_process(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name, in parentheses, may hold spaces and ')': skip past the
	   last ')'; then state is field 3, utime 14 and stime 15 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double
cpuload_sample(struct cpuload *c, double ours)
{
	cpu_set_t set;
	double now = time_mono(), busy, dt = now - c->wall;

	if (c->wall > 0 && dt < CPULOAD_MIN_INTERVAL)
		return c->free;
	c->ncpu = allowed(&set);
	busy = busy_seconds(&set);
	if (busy < 0) {
		c->free = -1;
	} else if (c->wall > 0 && c->busy >= 0) {
		/* the others' busy time: everything less our own, which
		   (ticks against nanoseconds) can come out a little above */
		double others = (busy - c->busy) - (ours - c->ours);

		others = others < 0 ? 0 : others / dt;
		c->free = c->ncpu - others;
		if (c->free < 0)
			c->free = 0;
	}
	c->wall = now;
	c->busy = busy;
	c->ours = ours;
	return c->free;
}

void
cpuload_start(struct cpuload *c)
{
	memset(c, 0, sizeof(*c));
	c->free = -1;
	cpuload_sample(c, cpuload_self());
}

double
cpuload_free(struct cpuload *c)
{
	return cpuload_sample(c, cpuload_self());
}

int
cpuload_threads(int want, double free, int ncpu)
{
	int n = free < 0 ? ncpu : (int)floor(free + 0.5);

	if (want > n)
		want = n;
	return want < 1 ? 1 : want;
}
