/*
 * jobfiles.c - log, events, metrics and state of a job; see jobfiles.h.
 */
#include "runner/train/jobfiles.h"
#include "job/state.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Is stderr the same file as path (as when the runner redirects it)? */
static int
stderr_is(const char *path)
{
	struct stat a, b;

	if (fstat(STDERR_FILENO, &a) < 0 || stat(path, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
jobfiles_open(struct jobfiles *jf, const char *dir, int progress)
{
	char err[512], *state;

	memset(jf, 0, sizeof(*jf));
	if (mkdir_p(dir) < 0)
		return -1;
	jf->dir = xstrdup(dir);
	jf->log_path = path_join(dir, JOB_LOG);
	jf->metrics_path = path_join(dir, JOB_METRICS);
	state = path_join(dir, JOB_STATE);
	jf->echo = !stderr_is(jf->log_path);
	jf->bar = progress < 0 ? isatty(STDERR_FILENO) : progress;
	if (access(state, F_OK) == 0) {
		jf->old_state = job_state_read(dir, err, sizeof(err));
		if (!jf->old_state)
			warning("ignoring damaged state: %s", err);
	}
	free(state);
	jf->state = json_object();
	return 0;
}

void
jobfiles_close(struct jobfiles *jf)
{
	jobfiles_progress_done(jf);
	free(jf->dir);
	free(jf->log_path);
	free(jf->metrics_path);
	json_decref(jf->state);
	json_decref(jf->old_state);
	memset(jf, 0, sizeof(*jf));
}

void
jobfiles_log(struct jobfiles *jf, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	char ts[32];
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		die_oom();
	va_end(ap);
	time_iso8601(time_now(), ts, sizeof(ts));
	sb_addf(&line, "%s %s\n", ts, msg);
	file_append(jf->log_path, line.buf, line.len);
	if (jf->echo) {
		if (jf->bar_shown)
			fputs("\r\033[K", stderr);
		jf->bar_shown = 0;
		fputs(msg, stderr);
		fputc('\n', stderr);
	}
	free(msg);
	sb_release(&line);
}

int
jobfiles_event(struct jobfiles *jf, const char *event, json_t *fields)
{
	return job_event(jf->dir, event, fields);
}

int
jobfiles_state_write(struct jobfiles *jf)
{
	return job_state_write(jf->dir, jf->state, 1);
}

int
jobfiles_metrics_line(struct jobfiles *jf, const char *line, int header)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	sb_addf(&sb, "%s\n", line);
	if (header)
		rc = file_write_atomic(jf->metrics_path, sb.buf, sb.len);
	else
		rc = file_append(jf->metrics_path, sb.buf, sb.len);
	sb_release(&sb);
	return rc;
}

static void
fmt_num(char *buf, size_t n, double x)
{
	if (isfinite(x))
		snprintf(buf, n, "%.4g", x);
	else
		snprintf(buf, n, "-");
}

void
jobfiles_progress(struct jobfiles *jf, double frac, int epoch, int epochs,
		  double loss, double val, double eta, int force)
{
	char l[32], v[32], e[32], bar[31];
	double now = time_mono();
	int fill;

	if (!jf->bar || (!force && now - jf->bar_last < 0.1))
		return;
	jf->bar_last = now;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	fill = (int)(frac * 30);
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fmt_num(l, sizeof(l), loss);
	fmt_num(v, sizeof(v), val);
	if (eta >= 0)
		time_duration(eta, e, sizeof(e));
	else
		snprintf(e, sizeof(e), "-");
	fprintf(stderr, "\r\033[K[%s] %3d%%  epoch %d/%d  loss %s  val %s  "
		"ETA %s", bar, (int)(frac * 100), epoch, epochs, l, v, e);
	fflush(stderr);
	jf->bar_shown = 1;
}

void
jobfiles_progress_done(struct jobfiles *jf)
{
	if (jf->bar_shown)
		fputs("\r\033[K", stderr);
	jf->bar_shown = 0;
}
