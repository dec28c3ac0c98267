/*
 * bench-render.c - how fast the dashboard renders a large spool, and how
 * soon watch mode rewrites a job's page after its state.json changes.
 *
 *	make build/bench/bench-render
 *	build/bench/bench-render [N]
 *	build/bench/bench-render N --generate DIR   (only make DIR/spool)
 *
 * Generates N jobs (default 10,000) in a temporary spool, each with a
 * state.json and 100 epochs of metrics.csv; times one full render (pages
 * per second) and a second one of the unchanged spool; then runs the watch
 * loop (watch_run) in a child process and, SAMPLES times, replaces one
 * job's state.json (temp file, rename) and polls until that job's page is
 * replaced, printing the median and p99 of those latencies (they include
 * the 10 ms settling time of watch mode); and the sizes of index.html and a job
 * page. Benchmarks print figures and never fail on them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "site.h"
#include "strbuf.h"
#include "timeutil.h"
#include "watch.h"

#define SAMPLES 20
#define EPOCHS 100

static const char *const statuses[] = { "completed", "running", "failed",
	"cancelled", "queued" };

static void
write_state(const char *spool, int i, int epoch)
{
	char path[512], buf[2048];
	const char *st = statuses[i % 5];
	int n;

	n = snprintf(buf, sizeof(buf),
		"{\"id\": \"job%06d\", \"name\": \"bench job %d\", "
		"\"tags\": [\"bench\"], \"status\": \"%s\", \"stage\": "
		"\"train\", \"progress\": %.2f, \"epoch\": %d, \"epochs\": "
		"%d, \"train_loss\": 0.5, \"val_loss\": 0.6, \"best\": null, "
		"\"metrics\": {}, \"stages\": [{\"name\": \"load\", "
		"\"status\": \"completed\", \"seconds\": 0.1}, {\"name\": "
		"\"train\", \"status\": \"running\", \"seconds\": null}], "
		"\"created\": \"2026-11-25T10:%02d:%02dZ\", \"started\": "
		"\"2026-11-25T10:%02d:%02dZ\", \"updated\": "
		"\"2026-11-25T11:%02d:%02dZ\", \"ended\": null, "
		"\"eta_seconds\": 42, \"checkpoints\": [], \"error\": null}\n",
		i, i, st, epoch / (double)EPOCHS, epoch, EPOCHS,
		(i / 60) % 60, i % 60, (i / 60) % 60, i % 60,
		(i / 60) % 60, i % 60);
	snprintf(path, sizeof(path), "%s/jobs/job%06d/state.json", spool, i);
	if (file_write_atomic(path, buf, (size_t)n) < 0)
		exit(1);
}

static void
make_spool(const char *spool, int njobs)
{
	struct strbuf m = STRBUF_INIT;
	char dir[512], path[600];

	sb_adds(&m, "epoch,step,seconds,lr,train_loss,val_loss,cpu_pct,"
		"rss_mb,val_rmse\n");
	for (int e = 1; e <= EPOCHS; e++)
		sb_addf(&m, "%d,%d,%.3f,0.001,%.5f,%.5f,%.1f,%.1f,%.5f\n", e,
			e * 50, e * 0.37, 1.0 / e + 0.1, 1.1 / e + 0.12,
			95.0 + e % 5, 40.0 + e * 0.1, 0.9 / e + 0.2);
	for (int i = 0; i < njobs; i++) {
		snprintf(dir, sizeof(dir), "%s/jobs/job%06d", spool, i);
		if (mkdir_p(dir) < 0)
			exit(1);
		snprintf(path, sizeof(path), "%s/metrics.csv", dir);
		if (file_write_atomic(path, m.buf, m.len) < 0)
			exit(1);
		write_state(spool, i, 50 + i % 50);
	}
	sb_release(&m);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int
main(int argc, char **argv)
{
	int njobs = argc > 1 ? atoi(argv[1]) : 10000;
	char tmp[] = "/tmp/bench-render.XXXXXX", spool[64], www[64];
	char cmd[128], page[160];
	struct site_opts o = { .templates = "templates" };
	double t0, full, again, lat[SAMPLES];
	pid_t pid;
	int ok = 0;

	if (njobs < 1)
		return 1;
	if (argc == 4 && strcmp(argv[2], "--generate") == 0) {
		/* a spool to profile with: perf record spoolboard render */
		snprintf(spool, sizeof(spool), "%s/spool", argv[3]);
		make_spool(spool, njobs);
		return 0;
	}
	if (!mkdtemp(tmp))
		return 1;
	snprintf(spool, sizeof(spool), "%s/spool", tmp);
	snprintf(www, sizeof(www), "%s/www", tmp);
	o.spool = spool;
	o.www = www;
	printf("generating %d jobs with %d epochs of metrics each\n", njobs,
	       EPOCHS);
	fflush(stdout);
	make_spool(spool, njobs);
	t0 = time_mono();
	if (site_render_all(&o) < 0)
		return 1;
	full = time_mono() - t0;
	t0 = time_mono();
	site_render_all(&o);
	again = time_mono() - t0;
	printf("full render:      %8.2f s  %8.0f pages/s\n", full,
	       njobs / full);
	printf("unchanged render: %8.2f s  %8.0f pages/s\n", again,
	       njobs / again);
	fflush(stdout);

	/* the child renders everything once first: wait for its index */
	snprintf(page, sizeof(page), "%s/index.html", www);
	unlink(page);
	pid = fork();
	if (pid == 0)
		_exit(watch_run(&o) < 0 ? 1 : 0);
	while (file_size(page) < 0 && waitpid(pid, NULL, WNOHANG) == 0)
		usleep(10000);
	for (int s = 0; s < SAMPLES; s++) {
		int i = (s * 7919) % njobs;
		struct stat before, now;
		double start;

		snprintf(page, sizeof(page), "%s/jobs/job%06d/index.html",
			 www, i);
		if (stat(page, &before) < 0)
			break;
		start = time_mono();
		write_state(spool, i, 1 + s);
		for (;;) {
			if (stat(page, &now) == 0 && now.st_ino != before.st_ino)
				break;
			if (time_mono() - start > 60)
				break;
			usleep(1000);
		}
		lat[ok++] = time_mono() - start;
		/* let the watch go idle again before the next sample */
		usleep(300000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (ok) {
		qsort(lat, (size_t)ok, sizeof(*lat), cmp_double);
		printf("watch latency:    median %.0f ms, p99 %.0f ms "
		       "(%d samples)\n",
		       lat[ok / 2] * 1000,
		       lat[(ok * 99 + 99) / 100 - 1] * 1000, ok);
	}
	snprintf(page, sizeof(page), "%s/index.html", www);
	printf("index.html:       %ld bytes\n", file_size(page));
	snprintf(page, sizeof(page), "%s/jobs/job%06d/index.html", www, 0);
	printf("job page:         %ld bytes\n", file_size(page));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
