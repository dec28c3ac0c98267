/*
 * bench-group.c - how fast the dashboard renders a sweep's group page, and
 * how soon after one member changes (as watch mode renders it: that job
 * read again, the other members' records taken from the cache).
 *
 *	make build/bench/bench-group
 *	build/bench/bench-group [N]	(N members, default 1,000)
 *
 * Generates a spool of N jobs, each with a state.json, config.json and
 * a 30-epoch metrics.csv, and groups/sweep/group.json listing them with
 * three axes (a log-uniform lr, a choice of batch size, a grid of hidden
 * layers); times a full render, then SAMPLES renders of one changed
 * member (site_render_ids with a warm cache), and prints the median, the
 * sizes of the group page, its data.json and a job's compare.js.
 * Benchmarks print figures and never fail on them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"
#include "render/site.h"

#define SAMPLES 11
#define EPOCHS 30

static void
put(const char *path, const void *data, size_t n)
{
	if (file_update(path, data, n) < 0)
		exit(1);
}

/* state.json of member i, its best val_loss shifted by shift. */
static void
write_state(const char *spool, int i, double best, double shift)
{
	char path[512], *s;

	s = xasprintf("{\"id\": \"m%04d\", \"name\": \"member %d\", "
		"\"status\": \"%s\", \"stage\": \"train\", \"progress\": 1, "
		"\"epoch\": %d, \"epochs\": %d, \"train_loss\": %.6f, "
		"\"val_loss\": %.6f, \"best\": {\"epoch\": %d, \"val_loss\": "
		"%.9g}, \"created\": \"2026-12-03T21:00:00Z\", \"started\": "
		"\"2026-12-03T21:00:00Z\", \"updated\": \"2026-12-03T21:10:00Z\","
		" \"ended\": \"2026-12-03T21:10:00Z\", \"eta_seconds\": null, "
		"\"checkpoints\": [], \"error\": null, \"test\": {\"loss\": "
		"%.6f, \"metrics\": {\"rmse\": %.4f, \"mae\": %.4f, \"r2\": "
		"%.4f}}}", i, i, i % 10 == 3 ? "running" : "completed", EPOCHS,
		EPOCHS, best * 0.9, best, EPOCHS, best + shift, best * 1.1,
		best * 60, best * 40, 1 - best);
	snprintf(path, sizeof(path), "%s/jobs/m%04d/state.json", spool, i);
	put(path, s, strlen(s));
	free(s);
}

static void
make_spool(const char *spool, int n)
{
	struct strbuf g = STRBUF_INIT, m = STRBUF_INIT;
	char dir[512], path[600];
	unsigned seed = 1;

	sb_adds(&g, "{\"id\": \"sweep\", \"name\": \"bench sweep\", "
		"\"metric\": \"val_loss\", \"goal\": \"min\", \"axes\": ["
		"{\"path\": \"train.lr\", \"kind\": \"log_uniform\", "
		"\"range\": [1e-4, 1e-2]}, {\"path\": \"train.batch_size\", "
		"\"kind\": \"choice\", \"values\": [16, 32, 64]}, {\"path\": "
		"\"model.hidden\", \"kind\": \"grid\", \"values\": [[32], "
		"[64, 64], [128]]}], \"members\": [");
	for (int i = 0; i < n; i++) {
		double lr = pow(10, -4 + 2 * (double)(rand_r(&seed) % 1000) /
				1000);
		int bs = 16 << (i % 3);
		const char *h = i % 3 == 0 ? "[32]" : i % 3 == 1 ? "[64, 64]" :
				"[128]";
		double q = fabs(log10(lr) + 2.8) + bs / 200.0;
		char *cfg;

		snprintf(dir, sizeof(dir), "%s/jobs/m%04d", spool, i);
		if (mkdir_p(dir) < 0)
			exit(1);
		sb_reset(&m);
		sb_adds(&m, "epoch,step,seconds,lr,train_loss,val_loss,"
			"val_rmse,cpu_pct,rss_mb\n");
		for (int e = 1; e <= EPOCHS; e++)
			sb_addf(&m, "%d,%d,%.2f,%.6g,%.6f,%.6f,%.4f,95,40\n",
				e, e * 10, e * 0.3, lr, 0.9 / e + q / 3,
				1.0 / e + q / 3, 60.0 / e + q);
		snprintf(path, sizeof(path), "%s/metrics.csv", dir);
		put(path, m.buf, m.len);
		cfg = xasprintf("{\"name\": \"member %d\", \"model\": {\"type\":"
				" \"mlp\", \"hidden\": %s}, \"train\": {\"lr\": "
				"%.6g, \"batch_size\": %d, \"epochs\": %d}}", i,
				h, lr, bs, EPOCHS);
		snprintf(path, sizeof(path), "%s/config.json", dir);
		put(path, cfg, strlen(cfg));
		free(cfg);
		write_state(spool, i, 1.0 / EPOCHS + q / 3, 0);
		sb_addf(&g, "%s{\"id\": \"m%04d\", \"params\": {\"train.lr\": "
			"%.6g, \"train.batch_size\": %d, \"model.hidden\": %s}}",
			i ? "," : "", i, lr, bs, h);
	}
	sb_adds(&g, "]}");
	snprintf(dir, sizeof(dir), "%s/groups/sweep", spool);
	if (mkdir_p(dir) < 0)
		exit(1);
	snprintf(path, sizeof(path), "%s/group.json", dir);
	put(path, g.buf, g.len);
	sb_release(&g);
	sb_release(&m);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	const char *tmpdir = getenv("TMPDIR");
	char tmp[256], spool[300], www[300], path[400], cmd[400], id[16];
	struct site_opts o = { .templates = "templates" };
	double t0, full, lat[SAMPLES];
	char *want[1] = { id };
	json_t *cache = json_object();

	if (n < 1)
		return 1;
	snprintf(tmp, sizeof(tmp), "%s/bench-group.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmp))
		return 1;
	snprintf(spool, sizeof(spool), "%s/spool", tmp);
	snprintf(www, sizeof(www), "%s/www", tmp);
	o.spool = spool;
	o.www = www;
	printf("generating a sweep of %d members, %d epochs each\n", n,
	       EPOCHS);
	fflush(stdout);
	make_spool(spool, n);
	t0 = time_mono();
	if (site_render_ids(&o, NULL, 0, cache) < 0)
		return 1;
	full = time_mono() - t0;
	printf("full render:          %8.2f s\n", full);
	for (int s = 0; s < SAMPLES; s++) {
		int i = (s * 7919) % n;

		snprintf(id, sizeof(id), "m%04d", i);
		write_state(spool, i, 0.5, -0.01 * (s + 1));
		t0 = time_mono();
		if (site_render_ids(&o, want, 1, cache) < 0)
			return 1;
		lat[s] = time_mono() - t0;
	}
	qsort(lat, SAMPLES, sizeof(*lat), cmp_double);
	printf("one member changed:   median %.0f ms, max %.0f ms (the job, "
	       "its group page, the index; %d samples)\n",
	       lat[SAMPLES / 2] * 1000, lat[SAMPLES - 1] * 1000, SAMPLES);
	snprintf(path, sizeof(path), "%s/groups/sweep/index.html", www);
	printf("group page:           %ld bytes\n", file_size(path));
	snprintf(path, sizeof(path), "%s/groups/sweep/data.json", www);
	printf("group data.json:      %ld bytes\n", file_size(path));
	snprintf(path, sizeof(path), "%s/jobs/m0000/compare.js", www);
	printf("compare.js of a job:  %ld bytes (%d epochs)\n",
	       file_size(path), EPOCHS);
	snprintf(path, sizeof(path), "%s/jobs.csv", www);
	printf("jobs.csv:             %ld bytes\n", file_size(path));
	json_decref(cache);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
