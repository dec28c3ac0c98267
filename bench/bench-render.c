/*
 * bench-render.c - how fast the dashboard renders a large spool, and how
 * soon watch mode rewrites a job's page after its state.json changes.
 *
 *	make build/bench/bench-render
 *	build/bench/bench-render [N]
 *	build/bench/bench-render N --generate DIR   (only make DIR/spool)
 *	TMPDIR=/dev/shm build/bench/bench-render    (spool and site in RAM)
 *
 * Generates N jobs (default 10,000) in a temporary spool, each with the
 * files a 100-epoch run leaves (state.json, config.json, metrics.csv,
 * log.txt, events.jsonl, checkpoints, model, predictions); times the
 * first render into an empty site, a full render of the unchanged spool
 * (what spoolboard render and the runner's start do: every job taken
 * from the render cache) and one with that cache removed (every job
 * read, its files compared); when hugo is installed, builds a Hugo site of one simple page
 * per job (name, status and a few figures in front matter and markdown,
 * a minimal layout) in the same run and prints its time beside the full
 * render's. Then runs the watch loop (watch_run) in a child process and,
 * SAMPLES times, replaces one job's state.json (temp file, rename) and
 * polls until that job's page is replaced, and until the index's
 * manifest is, printing the median and p99 of those latencies (they
 * include the 2 ms settling time of watch mode). Then one more epoch of
 * one job: the bytes the watch wrote for it (the index side: index.html,
 * index/, jobs.json, jobs.csv, feed.xml; the job side: jobs/ID/), and,
 * when rsync is installed, what an rsync of the site to a copy made
 * before (cp -al: the copy keeps the old files) moves, with delta
 * transfer as over ssh (--no-whole-file): its --stats figures, once after
 * the epoch and once after the deferred jobs.json, jobs.csv and feed.xml
 * are written too; and beside it what `spoolboard mirror` to another
 * copy (made by its own full pass) moves, with the same options. Last
 * the sizes of index.html and a job page.
 * Benchmarks print figures and never fail on them.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/fileio.h"
#include "render/site.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"
#include "render/watch.h"

#define SAMPLES 20
#define EPOCHS 100

static const char *const statuses[] = { "completed", "running", "failed",
	"cancelled", "queued" };

/* Write n bytes of data to path (no fsync: a bench spool). */
static void
put(const char *path, const void *data, size_t n)
{
	if (file_update(path, data, n) < 0)
		exit(1);
}

/* state.json of job i at epoch, as the trainer writes it (~2.5 KB). */
static void
write_state(const char *spool, int i, int epoch)
{
	struct strbuf sb = STRBUF_INIT;
	const char *st = statuses[i % 5];
	char path[512];

	sb_addf(&sb, "{\"id\": \"job%06d\", \"name\": \"bench job %d\", "
		"\"tags\": [\"bench\", \"mlp\"], \"status\": \"%s\", "
		"\"stage\": \"train\", \"stages\": [", i, i, st);
	for (int k = 0; k < 5; k++)
		sb_addf(&sb, "%s{\"name\": \"%s\", \"status\": \"%s\", "
			"\"started\": \"2026-11-25T10:00:00Z\", \"ended\": "
			"\"2026-11-25T10:00:01Z\", \"seconds\": %.6f}",
			k ? ", " : "", (const char *[]){ "load", "prepare",
			"train", "test", "save" }[k], k < 2 ? "completed" :
			k == 2 ? "running" : "pending", 0.0123 * (k + 1));
	sb_addf(&sb, "], \"progress\": %.2f, \"epoch\": %d, \"epochs\": %d, "
		"\"step\": %d, \"train_loss\": %.9g, \"val_loss\": %.9g, "
		"\"best\": {\"epoch\": %d, \"val_loss\": %.9g}, "
		"\"metrics\": {\"rmse\": 0.31, \"mae\": 0.25, \"r2\": 0.87}, "
		"\"model\": {\"type\": \"mlp\", \"params\": 4801}, "
		"\"data\": {\"path\": \"data/housing.csv\", \"rows\": 4000, "
		"\"features\": [\"area\", \"rooms\", \"age\"], "
		"\"targets\": [\"price\"]}, "
		"\"created\": \"2026-11-25T10:%02d:%02dZ\", \"started\": "
		"\"2026-11-25T10:%02d:%02dZ\", \"updated\": "
		"\"2026-11-25T11:%02d:%02dZ\", \"ended\": null, "
		"\"eta_seconds\": 42, \"attempt\": 1, \"pid\": 1234, "
		"\"host\": \"bench\", \"threads\": 2, \"resources\": "
		"{\"cpu_pct\": 97.5, \"rss_mb\": 41.2}, \"checkpoints\": [",
		epoch / (double)EPOCHS, epoch, EPOCHS, epoch * 50,
		1.0 / epoch + 0.1, 1.1 / epoch + 0.12, epoch, 1.1 / epoch + 0.12,
		(i / 60) % 60, i % 60, (i / 60) % 60, i % 60,
		(i / 60) % 60, i % 60);
	for (int k = 0; k < 4; k++)
		sb_addf(&sb, "%s{\"file\": \"%s\", \"epoch\": %d, \"bytes\": "
			"64, \"val_loss\": 0.2}", k ? ", " : "",
			(const char *[]){ "ckpt-000030.tar.zst",
			"ckpt-000040.tar.zst", "ckpt-000050.tar.zst",
			"best.tar.zst" }[k], 30 + 10 * (k % 3));
	sb_adds(&sb, "], \"error\": null}\n");
	snprintf(path, sizeof(path), "%s/jobs/job%06d/state.json", spool, i);
	if (file_write_atomic(path, sb.buf, sb.len) < 0)
		exit(1);
	sb_release(&sb);
}

/*
 * A spool of njobs jobs, each with what the trainer leaves: state.json,
 * config.json, metrics.csv (EPOCHS rows), log.txt (~130 lines),
 * events.jsonl, four checkpoints, model.tar.zst and predictions.csv.
 */
static void
make_spool(const char *spool, int njobs)
{
	static const char *const files[] = { "checkpoints/ckpt-000030.tar.zst",
		"checkpoints/ckpt-000040.tar.zst",
		"checkpoints/ckpt-000050.tar.zst", "checkpoints/best.tar.zst",
		"model.tar.zst", "predictions.csv" };
	struct strbuf m = STRBUF_INIT, log = STRBUF_INIT, ev = STRBUF_INIT;
	struct strbuf cfg = STRBUF_INIT;
	char dir[512], path[600];

	sb_adds(&m, "epoch,step,seconds,lr,train_loss,val_loss,cpu_pct,"
		"rss_mb,val_rmse,val_mae,val_r2\n");
	for (int e = 1; e <= EPOCHS; e++)
		sb_addf(&m, "%d,%d,%.3f,0.001,%.9g,%.9g,%.1f,%.1f,%.9g,%.9g,"
			"%.9g\n", e, e * 50, e * 0.37, 1.0 / e + 0.1,
			1.1 / e + 0.12, 95.0 + e % 5, 40.0 + e * 0.1,
			0.9 / e + 0.2, 0.7 / e + 0.15, 1 - 0.3 / e);
	for (int k = 0; k < 14; k++)
		sb_addf(&log, "2026-11-25T10:00:00Z data: line %d of the "
			"set-up: features (6): 'area', 'rooms', 'age'\n", k);
	for (int e = 1; e <= EPOCHS; e++) {
		sb_addf(&log, "2026-11-25T10:00:%02dZ epoch %d/%d  train_loss "
			"%.6f  val_loss %.6f  val_rmse %.4f  lr 0.001  0.04s%s\n",
			e % 60, e, EPOCHS, 1.0 / e + 0.1, 1.1 / e + 0.12,
			0.9 / e + 0.2, e % 7 ? "" : "  *");
		if (e % 10 == 0)
			sb_addf(&log, "2026-11-25T10:00:%02dZ checkpoint "
				"ckpt-%06d.tar.zst (epoch %d)\n", e % 60, e, e);
		if (e == 33)
			sb_adds(&log, "2026-11-25T10:00:33Z warning: val_loss "
				"went up 3 epochs in a row\n");
	}
	sb_adds(&ev, "{\"time\":\"2026-11-25T10:00:00Z\",\"event\":\"queued\","
		"\"priority\":0}\n{\"time\":\"2026-11-25T10:00:00Z\",\"event\":"
		"\"started\",\"pid\":1234,\"threads\":2}\n");
	for (int k = 0; k < 10; k++)
		sb_addf(&ev, "{\"time\":\"2026-11-25T10:00:%02dZ\",\"event\":"
			"\"checkpoint\",\"file\":\"ckpt-%06d.tar.zst\","
			"\"epoch\":%d}\n", k, 10 * k + 10, 10 * k + 10);
	sb_adds(&cfg, "{\n  \"name\": \"bench job\",\n  \"tags\": [\"bench\"],"
		"\n  \"priority\": 0,\n  \"threads\": 2,\n  \"data\": {\"path\": "
		"\"data/housing.csv\", \"targets\": [\"price\"], \"split\": "
		"{\"train\": 0.7, \"val\": 0.15, \"test\": 0.15}},\n  \"model\": "
		"{\"type\": \"mlp\", \"hidden\": [64, 64]},\n  \"loss\": \"mse\","
		"\n  \"train\": {\"epochs\": 100, \"batch_size\": 64, "
		"\"optimizer\": \"adam\", \"lr\": 0.001},\n  \"checkpoint\": "
		"{\"every\": 10, \"keep\": 3}\n}\n");
	for (int i = 0; i < njobs; i++) {
		snprintf(dir, sizeof(dir), "%s/jobs/job%06d/checkpoints", spool,
			 i);
		if (mkdir_p(dir) < 0)
			exit(1);
		dir[strlen(dir) - strlen("/checkpoints")] = '\0';
		snprintf(path, sizeof(path), "%s/metrics.csv", dir);
		put(path, m.buf, m.len);
		snprintf(path, sizeof(path), "%s/log.txt", dir);
		put(path, log.buf, log.len);
		snprintf(path, sizeof(path), "%s/events.jsonl", dir);
		put(path, ev.buf, ev.len);
		snprintf(path, sizeof(path), "%s/config.json", dir);
		put(path, cfg.buf, cfg.len);
		for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
			put(path, cfg.buf, 64);
		}
		write_state(spool, i, 50 + i % 50);
	}
	sb_release(&m);
	sb_release(&log);
	sb_release(&ev);
	sb_release(&cfg);
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

/* The inode of path, or 0. */
static ino_t
file_ino(const char *path)
{
	struct stat st;

	/* with the mtime: a file replaced may get the inode number its
	   last version freed */
	return stat(path, &st) == 0 ? st.st_ino * 1000003u ^
	       (ino_t)st.st_mtim.tv_sec * 1000000000u ^
	       (ino_t)st.st_mtim.tv_nsec : 0;
}

/* Is a program on PATH? */
static int
have(const char *prog)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/*
 * A Hugo site in dir of one page per job of the spool as make_spool makes
 * it (its name, status, epochs, losses and tags in front matter, a short
 * markdown body), with a minimal layout of a page and a list; then hugo
 * builds it. Seconds, or -1 when hugo fails.
 */
static double
hugo_site(const char *dir, int njobs)
{
	struct strbuf sb = STRBUF_INIT;
	char path[600], cmd[1400];
	double t0;

	snprintf(path, sizeof(path), "%s/content/jobs", dir);
	if (mkdir_p(path) < 0)
		exit(1);
	snprintf(path, sizeof(path), "%s/layouts/_default", dir);
	if (mkdir_p(path) < 0)
		exit(1);
	snprintf(path, sizeof(path), "%s/hugo.toml", dir);
	sb_adds(&sb, "baseURL = \"/\"\ntitle = \"bench\"\n"
		"disableKinds = [\"taxonomy\", \"term\", \"RSS\", "
		"\"sitemap\"]\n");
	put(path, sb.buf, sb.len);
	sb_reset(&sb);
	sb_adds(&sb, "<!DOCTYPE html><html><head><title>{{ .Title }}</title>"
		"</head><body><h1>{{ .Title }}</h1><p>{{ .Params.status }} · "
		"epoch {{ .Params.epoch }}/{{ .Params.epochs }} · best "
		"{{ .Params.best }}</p><p>{{ range .Params.tags }}<span>{{ . }}"
		"</span> {{ end }}</p>{{ .Content }}</body></html>\n");
	snprintf(path, sizeof(path), "%s/layouts/_default/single.html", dir);
	put(path, sb.buf, sb.len);
	sb_reset(&sb);
	sb_adds(&sb, "<!DOCTYPE html><html><head><title>{{ .Title }}</title>"
		"</head><body><h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li>"
		"<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> "
		"{{ .Params.status }}</li>{{ end }}</ul></body></html>\n");
	snprintf(path, sizeof(path), "%s/layouts/_default/list.html", dir);
	put(path, sb.buf, sb.len);
	for (int i = 0; i < njobs; i++) {
		int epoch = 50 + i % 50;

		sb_reset(&sb);
		sb_addf(&sb, "---\ntitle: \"bench job %d\"\nstatus: %s\n"
			"epoch: %d\nepochs: %d\nbest: %.4g\ntrain_loss: %.6g\n"
			"tags: [bench, mlp]\n---\n\n## Results\n\n"
			"| metric | value |\n|---|---|\n| val_loss | %.6g |\n"
			"| rmse | 0.31 |\n| mae | 0.25 |\n| r2 | 0.87 |\n\n"
			"Model: mlp, 4801 parameters, on data/housing.csv "
			"(4000 rows).\n", i, statuses[i % 5], epoch, EPOCHS,
			1.1 / epoch + 0.12, 1.0 / epoch + 0.1,
			1.1 / epoch + 0.12);
		snprintf(path, sizeof(path), "%s/content/jobs/job%06d.md",
			 dir, i);
		put(path, sb.buf, sb.len);
	}
	sb_release(&sb);
	snprintf(cmd, sizeof(cmd), "hugo --quiet -s '%s' -d '%s/public' "
		 ">/dev/null", dir, dir);
	t0 = time_mono();
	if (system(cmd) != 0)
		return -1;
	return time_mono() - t0;
}

/* What one epoch's render wrote: files, bytes, on each side. */
static time_t written_since;
static long long written[2][2];	/* [index side, job side][files, bytes] */
static size_t www_len;

static int
count_written(const char *path, const struct stat *st, int flag,
	      struct FTW *f)
{
	const char *rel = path + www_len;

	(void)f;
	if (flag != FTW_F || st->st_mtime < written_since)
		return 0;
	int job = strncmp(rel, "/jobs/", 6) == 0 ||
		  strncmp(rel, "/groups/", 8) == 0;
	written[job][0]++;
	written[job][1] += st->st_size;
	return 0;
}

/* Print what the render wrote since t (whole seconds: mtime). */
static void
print_written(const char *www, time_t t)
{
	memset(written, 0, sizeof(written));
	written_since = t;
	www_len = strlen(www);
	nftw(www, count_written, 32, FTW_PHYS);
	printf("  written: index side %lld files, %lld bytes; job side "
	       "%lld files, %lld bytes\n", written[0][0], written[0][1],
	       written[1][0], written[1][1]);
}

/*
 * Run cmd, an rsync with --stats, and print what it moved (bytes sent,
 * the file list's share, literal and matched data) under the title what.
 */
static void
rsync_stats(const char *cmd, const char *what)
{
	char line[300];
	double t0 = time_mono();
	FILE *f = popen(cmd, "r");

	if (!f)
		return;
	printf("  %s:\n", what);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Number of regular files transferred", 35) ||
		    !strncmp(line, "Total bytes sent", 16) ||
		    !strncmp(line, "File list size", 14) ||
		    !strncmp(line, "Literal data", 12) ||
		    !strncmp(line, "Matched data", 12) ||
		    !strncmp(line, "Number of files:", 16) ||
		    !strncmp(line, "mirror:", 7))
			printf("    %s", line);
	pclose(f);
	printf("    %.2f s in all\n", time_mono() - t0);
}

/* The spoolboard binary beside this one's folder (build/spoolboard). */
static const char *
self_binary(void)
{
	static char path[4096];
	char exe[4000];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "%s/../spoolboard", dirname(exe));
	return path;
}

int
main(int argc, char **argv)
{
	int njobs = argc > 1 ? atoi(argv[1]) : 10000;
	const char *tmpdir = getenv("TMPDIR");
	char tmp[256], spool[300], www[300];
	char cmd[1000], page[400];
	struct site_opts o = { .templates = "templates" };
	double t0, full, again, nocache, lat[SAMPLES], ilat[SAMPLES];
	char mirror[300], manifest[400], plain[800], ours[1400], first[1400];
	int rsync = have("rsync");
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
	snprintf(tmp, sizeof(tmp), "%s/bench-render.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
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
	/* the pages there, but every job read again (no render cache) */
	snprintf(cmd, sizeof(cmd), "%s/.spoolboard-cache", www);
	unlink(cmd);
	t0 = time_mono();
	site_render_all(&o);
	nocache = time_mono() - t0;
	printf("first render:     %8.2f s  %8.0f pages/s (an empty site)\n",
	       full, njobs / full);
	printf("full render:      %8.2f s  %8.0f pages/s (the site of the "
	       "last render: unchanged jobs from its cache)\n", again,
	       njobs / again);
	printf("uncached render:  %8.2f s  %8.0f pages/s (the same, its "
	       "cache removed: every job read)\n", nocache,
	       njobs / nocache);
	fflush(stdout);
	if (have("hugo")) {
		char hugo[300];
		double h;

		snprintf(hugo, sizeof(hugo), "%s/hugo", tmp);
		h = hugo_site(hugo, njobs);
		if (h > 0)
			printf("hugo, same jobs:  %8.2f s  %8.0f pages/s "
			       "(spoolboard's full render %.2fx as fast, "
			       "its first %.2fx, uncached %.2fx)\n", h,
			       njobs / h, h / again, h / full, h / nocache);
		else
			printf("hugo failed\n");
	} else {
		printf("hugo is not installed: no reference "
		       "(scripts/deps.sh --bench)\n");
	}
	fflush(stdout);

	/* the child renders everything once first: wait for the render
	   cache, the last file it writes */
	snprintf(page, sizeof(page), "%s/.spoolboard-cache", www);
	unlink(page);
	pid = fork();
	if (pid == 0)
		_exit(watch_run(&o) < 0 ? 1 : 0);
	while (file_size(page) < 0 && waitpid(pid, NULL, WNOHANG) == 0)
		usleep(10000);
	snprintf(manifest, sizeof(manifest), "%s/index/manifest.js", www);
	for (int s = 0; s < SAMPLES; s++) {
		int i = (s * 7919) % njobs, page_done = 0;
		ino_t man = file_ino(manifest), before;
		double start;

		snprintf(page, sizeof(page), "%s/jobs/job%06d/index.html",
			 www, i);
		if (!(before = file_ino(page)))
			break;
		start = time_mono();
		write_state(spool, i, 1 + s);
		for (;;) {
			if (!page_done && file_ino(page) != before) {
				lat[ok] = time_mono() - start;
				page_done = 1;
			}
			if (page_done && file_ino(manifest) != man)
				break;
			if (time_mono() - start > 60)
				break;
			usleep(500);
		}
		if (!page_done)
			lat[ok] = time_mono() - start;
		ilat[ok++] = time_mono() - start;
		/* let the watch go idle again before the next sample */
		usleep(300000);
	}
	/*
	 * more epochs of one job: what each writes, what a plain rsync
	 * moves (to mirror, a copy of the site) and what spoolboard mirror
	 * does (to mirror2, its full pass made now)
	 */
	snprintf(mirror, sizeof(mirror), "%s/mirror", tmp);
	snprintf(plain, sizeof(plain), "rsync -a --no-whole-file --stats "
		 "'%s/' '%s/' 2>&1", www, mirror);
	snprintf(ours, sizeof(ours), "'%s' mirror --www '%s' '%s/mirror2' -- "
		 "--no-whole-file --stats 2>&1", self_binary(), www, tmp);
	snprintf(cmd, sizeof(cmd), "cp -al '%s' '%s'", www, mirror);
	sleep(6);	/* a quiet watch: the deferred lists written */
	snprintf(first, sizeof(first), "'%s' mirror --www '%s' '%s/mirror2' "
		 ">/dev/null 2>&1", self_binary(), www, tmp);
	if (system(cmd) == 0 && (!rsync || system(first) == 0)) {
		static const char *const what[] = {
			"an epoch after 6 s of quiet (the lists due)",
			"the next epoch, as soon as it can (the lists deferred)",
			"the deferred lists, 6 s later" };
		char lists[400];

		snprintf(lists, sizeof(lists), "%s/jobs.json", www);
		for (int k = 0; k < 3; k++) {
			int i = 4242 % njobs;
			ino_t man = file_ino(manifest), jl = file_ino(lists);
			time_t t = time(NULL);
			double start;

			/* a new second: mtimes say what this one wrote */
			while (time(NULL) == t)
				usleep(10000);
			t = time(NULL);
			start = time_mono();
			if (k < 2)
				write_state(spool, i, 77 + k);
			else
				sleep(6);
			while (k < 2 && file_ino(manifest) == man &&
			       time_mono() - start < 60)
				usleep(1000);
			usleep(300000);
			printf("%s: jobs.json %s\n", what[k],
			       file_ino(lists) == jl ? "not written" :
			       "written");
			print_written(www, t);
			if (rsync) {
				rsync_stats(plain, "rsync -a after it");
				rsync_stats(ours, "spoolboard mirror after it");
			}
		}
		if (!rsync)
			printf("rsync is not installed: no transfer figures\n");
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (ok) {
		qsort(lat, (size_t)ok, sizeof(*lat), cmp_double);
		printf("watch latency:    median %.0f ms, p99 %.0f ms "
		       "(%d samples): state.json to the job's page\n",
		       lat[ok / 2] * 1000,
		       lat[(ok * 99 + 99) / 100 - 1] * 1000, ok);
		qsort(ilat, (size_t)ok, sizeof(*ilat), cmp_double);
		printf("                  median %.0f ms, p99 %.0f ms: "
		       "to the index's manifest\n", ilat[ok / 2] * 1000,
		       ilat[(ok * 99 + 99) / 100 - 1] * 1000);
	}
	snprintf(page, sizeof(page), "%s/index.html", www);
	printf("index.html:       %ld bytes\n", file_size(page));
	snprintf(page, sizeof(page), "%s/index/manifest.js", www);
	printf("index manifest:   %ld bytes\n", file_size(page));
	snprintf(page, sizeof(page), "%s/index/1.js", www);
	printf("index shard:      %ld bytes", file_size(page));
	snprintf(page, sizeof(page), "%s/index/1.html", www);
	printf(" (its page %ld bytes)\n", file_size(page));
	snprintf(page, sizeof(page), "%s/jobs/job%06d/index.html", www, 0);
	printf("job page:         %ld bytes\n", file_size(page));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
