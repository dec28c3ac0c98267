/*
 * bench-spool.c - how fast the runner claims configs.
 *
 *	make build/bench/bench-spool
 *	build/bench/bench-spool [DROPS [BURST]]     (default 200 and 10000)
 *
 * A runner (daemon_run, --slots 0: it claims and queues, starts nothing)
 * serves a spool in a fresh directory under $TMPDIR in a child process.
 * Latency: DROPS configs are renamed one at a time into incoming/, each
 * timed from the rename to the appearance of its jobs/ID/state.json
 * (written last, atomically, by the claim); median and p99. Throughput:
 * BURST configs are renamed into incoming/ as fast as the shell of a loop
 * allows, timed until every one has its state.json; then each is checked
 * to be claimed exactly once (no ID-2, nothing rejected, incoming/ empty).
 * Sweeps: a config with a 1,000-member grid is expanded and validated
 * in-process (sweep_expand alone), then renamed into incoming/ and timed
 * until its last member's state.json, beside the burst's rate of single
 * configs.
 * Figures depend on the filesystem: every claim fsyncs three files and
 * their directory. Benchmarks print figures and never fail on them.
 */
#include "runner/daemon.h"
#include "job/sweep.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char config[] =
	"{\"data\": {\"path\": \"d.csv\", \"targets\": [\"y\"]}, "
	"\"model\": {\"type\": \"linear\"}}\n";

static void
nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* Wait until path exists; seconds waited, or -1 after timeout. */
static double
wait_for(const char *path, double timeout, long ns)
{
	double t0 = time_mono();

	while (access(path, F_OK) < 0) {
		if (time_mono() - t0 > timeout)
			return -1;
		nap(ns);
	}
	return time_mono() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Write n configs into stage/ as PREFIXNNNNN.json. */
static void
stage(const char *dir, const char *prefix, int n)
{
	for (int i = 0; i < n; i++) {
		char *p = xasprintf("%s/stage/%s%05d.json", dir, prefix, i);
		FILE *fp = fopen(p, "w");

		if (!fp || fputs(config, fp) < 0 || fclose(fp) != 0) {
			perror(p);
			exit(1);
		}
		free(p);
	}
}

/* Rename stage/PREFIXNNNNN.json (PREFIX.json when i < 0) into incoming/. */
static void
drop(const char *dir, const char *prefix, int i)
{
	char *from = i < 0 ? xasprintf("%s/stage/%s.json", dir, prefix) :
		     xasprintf("%s/stage/%s%05d.json", dir, prefix, i);
	char *to = i < 0 ? xasprintf("%s/spool/incoming/%s.json", dir, prefix) :
		   xasprintf("%s/spool/incoming/%s%05d.json", dir, prefix, i);

	if (rename(from, to) < 0) {
		perror(to);
		exit(1);
	}
	free(from);
	free(to);
}

#define SWEEP_MEMBERS 1000

/* Expand, then claim, a sweep of SWEEP_MEMBERS; rate: single claims/s. */
static void
bench_sweep(const char *dir, const char *spool, double rate)
{
	struct strbuf text = STRBUF_INIT, p = STRBUF_INIT;
	char err[256], *path, *last;
	struct sweep sw;
	json_t *doc;
	double t0, t;
	FILE *fp;

	sb_addf(&text, "{\"data\": {\"path\": \"d.csv\", \"targets\": "
		"[\"y\"]}, \"model\": {\"type\": \"linear\"}, \"sweep\": "
		"{\"grid\": {\"train.seed\": [");
	for (int i = 0; i < SWEEP_MEMBERS; i++)
		sb_addf(&text, "%s%d", i ? ", " : "", i + 1);
	sb_addf(&text, "]}}}\n");
	doc = json_load_buf("sweep.json", text.buf, text.len, err, sizeof err);
	t0 = time_mono();
	if (!doc || sweep_expand(&sw, doc, "sweep.json", "sweep", &p) != 0) {
		fprintf(stderr, "bench-spool: the sweep is invalid: %s%s\n",
			err, sb_str(&p));
		exit(1);
	}
	t = time_mono() - t0;
	printf("sweep expansion, %d members validated in-process: %.1f ms, "
	       "%.0f members per second\n", SWEEP_MEMBERS, t * 1e3,
	       SWEEP_MEMBERS / t);
	sweep_release(&sw);
	json_decref(doc);

	path = xasprintf("%s/stage/sweep.json", dir);
	fp = fopen(path, "w");
	if (!fp || fwrite(text.buf, 1, text.len, fp) != text.len ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	last = xasprintf("%s/jobs/sweep-%d/state.json", spool, SWEEP_MEMBERS);
	t0 = time_mono();
	drop(dir, "sweep", -1);
	t = wait_for(last, 120, 200000);
	printf("sweep claim, %d members, rename into incoming/ to the last "
	       "member queued: %.2f s, %.0f members per second (single "
	       "configs in a burst: %.0f per second, %.1fx)\n", SWEEP_MEMBERS,
	       t, SWEEP_MEMBERS / t, rate, SWEEP_MEMBERS / t / rate);
	free(path);
	free(last);
	sb_release(&text);
	sb_release(&p);
}

int
main(int argc, char **argv)
{
	int drops = argc > 1 ? atoi(argv[1]) : 200;
	int burst = argc > 2 ? atoi(argv[2]) : 10000;
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/bench-spool.XXXXXX", tmp && *tmp ? tmp :
			      "/tmp");
	char *spool, *p;
	double *lat, t0, t, secs;
	struct statfs fs;
	size_t claimed, twice = 0;
	pid_t pid;
	int status;

	if (drops < 1 || burst < 1 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench-spool [DROPS [BURST]]\n");
		return 2;
	}
	spool = path_join(dir, "spool");
	p = path_join(dir, "stage");
	mkdir_p(p);
	free(p);
	pid = fork();
	if (pid == 0) {
		struct daemon_opts o = { .spool = spool, .data_root = dir,
					 .slots = 0, .threads = 1 };

		if (!freopen("/dev/null", "w", stderr))
			_exit(1);
		_exit(daemon_run(&o));
	}
	/* the first claim says the runner has armed its watch */
	stage(dir, "w", 1);
	p = xasprintf("%s/spool/incoming", dir);
	while (access(p, F_OK) < 0)
		nap(100000);
	free(p);
	drop(dir, "w", 0);
	p = xasprintf("%s/jobs/w00000/state.json", spool);
	if (wait_for(p, 10, 20000) < 0) {
		fprintf(stderr, "bench-spool: the runner did not start\n");
		kill(pid, SIGKILL);
		return 1;
	}
	free(p);
	statfs(dir, &fs);
	printf("spool in %s (filesystem type 0x%lx)\n", dir,
	       (unsigned long)fs.f_type);

	lat = xcalloc((size_t)drops, sizeof(*lat));
	stage(dir, "l", drops);
	for (int i = 0; i < drops; i++) {
		char *st = xasprintf("%s/jobs/l%05d/state.json", spool, i);

		t0 = time_mono();
		drop(dir, "l", i);
		t = wait_for(st, 10, 20000);
		lat[i] = t < 0 ? 10 : time_mono() - t0;
		free(st);
	}
	qsort(lat, (size_t)drops, sizeof(*lat), cmp_double);
	printf("claim latency, rename into incoming/ to state.json queued, "
	       "%d drops: median %.2f ms, p99 %.2f ms, max %.2f ms\n", drops,
	       lat[drops / 2] * 1e3, lat[(int)(drops * 0.99)] * 1e3,
	       lat[drops - 1] * 1e3);

	stage(dir, "b", burst);
	p = xasprintf("%s/jobs/b%05d/state.json", spool, burst - 1);
	t0 = time_mono();
	for (int i = 0; i < burst; i++)
		drop(dir, "b", i);
	/* wait for every state.json, the last dropped first */
	for (int i = burst - 1; i >= 0; i--) {
		char *st = xasprintf("%s/jobs/b%05d/state.json", spool, i);

		if (wait_for(st, 120, 500000) < 0)
			fprintf(stderr, "bench-spool: b%05d not claimed\n", i);
		free(st);
	}
	secs = time_mono() - t0;
	free(p);
	p = xasprintf("%s/spool/jobs", dir);
	claimed = count_entries(p);
	free(p);
	for (int i = 0; i < burst; i++) {
		char *two = xasprintf("%s/jobs/b%05d-2", spool, i);

		twice += access(two, F_OK) == 0;
		free(two);
	}
	p = xasprintf("%s/spool/incoming", dir);
	printf("claim throughput, %d configs at once: %.2f s, %.0f per "
	       "second; %zu jobs for %d drops, %zu claimed twice, %zu left "
	       "in incoming/\n", burst, secs, burst / secs, claimed,
	       burst + drops + 1, twice, count_entries(p));
	free(p);

	bench_sweep(dir, spool, burst / secs);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	file_remove_tree(dir);
	free(lat);
	free(spool);
	free(dir);
	return 0;
}
