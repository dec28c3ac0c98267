/*
 * threads.c - fit the OpenMP thread count to the free cores (threads.h).
 *
 * The first look comes a second after threads_init: the estimate needs
 * two samples of /proc/stat, and a job that starts with every core it was
 * given only loses time when the load stays.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "lib/cpuload.h"
#include "lib/timeutil.h"
#include "runner/train/threads.h"

void
threads_wait_policy(void)
{
	char buf[8192], *argv[256];
	ssize_t n = 0, r;
	int fd, argc = 0;

	if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT"))
		return;
	/* set even when the exec fails: a child started later inherits it */
	if (setenv("OMP_WAIT_POLICY", "passive", 1) < 0)
		return;
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	if (n <= 0 || n >= (ssize_t)sizeof(buf) - 1)
		return;		/* unknown or too long: keep spinning */
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
		if (argc == (int)(sizeof(argv) / sizeof(*argv)) - 1)
			return;
		argv[argc++] = p;
	}
	argv[argc] = NULL;
	execv("/proc/self/exe", argv);
}

void
threads_init(struct threads *t, int max)
{
	t->max = max < 1 ? 1 : max;
	t->cur = t->max;
	t->changes = 0;
	t->last = time_mono();
	cpuload_start(&t->load);
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
