/*
 * daemon.c - the runner's loop; see daemon.h and docs/runner.md.
 *
 * One thread, one poll(2) over an inotify descriptor (incoming/ and
 * control/) and a signalfd (SIGCHLD, SIGTERM, SIGINT), with a timeout
 * that is the nearest of: the safety rescan, a retry's backoff, a child's
 * time limit. Signals are blocked and read from the signalfd, so no
 * handler runs between a fork and the bookkeeping of its child.
 *
 * Children: fork, then in the child its own process group, SIGKILL when
 * the runner dies (PR_SET_PDEATHSIG: a runner killed with SIGKILL leaves
 * no orphan training; the job is found "running" with a free lock at the
 * next start and queued again), stdout and stderr appended to log.txt,
 * RLIMIT_AS from limits.max_memory_mb, and exec of our own binary, so
 * OpenMP starts fresh in each job and never in the runner.
 */
#include "runner/daemon.h"
#include "job/config.h"
#include "job/heartbeat.h"
#include "job/state.h"
#include "runner/control.h"
#include "lib/cpuload.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "runner/queue.h"
#include "runner/slurm.h"
#include "runner/spool.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIME_GRACE 5.0		/* seconds past max_seconds before SIGTERM */
#define KILL_GRACE 10.0		/* seconds from SIGTERM to SIGKILL */
#define RETRY_BASE 1.0		/* backoff: RETRY_BASE * 2^(attempt-1) s */
#define RETRY_MAX 300.0
#define SLURM_POLL 2.0		/* seconds between looks at Slurm jobs */

enum stop_reason { STOP_NONE, STOP_CANCEL, STOP_SHUTDOWN, STOP_TIME };

struct child {
	pid_t pid;		/* 0: a free slot */
	char id[JOB_ID_MAX + 1];
	double started;		/* monotonic */
	double max_seconds, max_memory_mb;	/* the config's limits */
	int retries;		/* the config's retries */
	int exec;		/* an exec job (a command of the user's) */
	int threads;		/* the threads it was given */
	enum stop_reason stop;
	double term_at;		/* monotonic time of the SIGTERM; 0 none */
	int killed;		/* SIGKILL sent */
	long slurm_id;		/* a job in Slurm (pid 0); 0: a process */
	char sname[JOB_ID_MAX + 32];	/* its Slurm job name */
	struct slurm_info si;	/* what Slurm said last */
	int poll_failed;	/* the last question to Slurm failed */
	int cancel_again;	/* its scancel failed: sent again at each
				   poll while Slurm runs the job */
	int unverified;		/* re-attached before Slurm could say that
				   the job is ours: never cancelled until
				   it has (kid_answer) */
};

struct daemon {
	const struct daemon_opts *o;
	struct spool sp;
	struct queue q;
	struct child *kids;	/* ncap entries; at most slots started */
	int nkids, ncap, slots, threads;
	int lockfd, ifd, sfd;
	int wd_in, wd_ctl;
	int pending;		/* incoming files waiting to be quiet */
	int stopping;
	int scanned;		/* the first scan is done */
	char exe[PATH_MAX];
	char **foreign;		/* jobs running under another process */
	size_t nforeign;
	struct unrecorded {	/* failures not yet written (disk full) */
		char id[JOB_ID_MAX + 1];
		char msg[160];
	} *unrec;
	size_t nunrec;
	struct reported {	/* entries reported once, by path and inode */
		char *path;
		dev_t dev;
		ino_t ino;
	} *reported;
	size_t nreported;
	double next_scan;	/* monotonic */
	pid_t render_pid;	/* the `spoolboard render` child; 0 none */
	double next_render;	/* monotonic: next start allowed */
	double started;		/* time_now() at the start */
	char *data_root;	/* the data root, absolute (for runner.json) */
	double next_beat;	/* monotonic: the next heartbeat due */
	int beat_failed;	/* the last heartbeat could not be written */
	char *jobs_abs;		/* SPOOL/jobs, absolute (for Slurm) */
	double next_poll;	/* monotonic: the next look at Slurm */
	pid_t poll_pid;		/* the squeue in flight (kids_poll); 0 none */
	int poll_fd;		/* its output; -1 once at its end */
	int poll_status;	/* its wait status; -1 until it is reaped */
	int poll_killed;	/* it took too long and was killed */
	double poll_t0;		/* monotonic: its start */
	long *poll_ids;		/* the Slurm jobs it asks about */
	int poll_n;
	struct strbuf poll_out;	/* its stdout and stderr */
	struct scancel {	/* scancels in flight (cancel_send) */
		pid_t pid;
		int fd;		/* its stdout and stderr */
		long sid;	/* the Slurm job it cancels */
		char id[JOB_ID_MAX + 1];	/* that job's */
		double t0;	/* monotonic: its start */
		int killed;	/* it took too long and was killed */
	} *scancels;
	size_t nscancels;
	struct cpuload load;	/* the cores other processes leave free */
};

/* Is this child entry in use: a process, or a job in Slurm? */
static int
kid_busy(const struct child *k)
{
	return k->pid > 0 || k->slurm_id > 0;
}

static int kid_reattach(struct daemon *d, const char *id);
static struct child *kid_of_slurm(struct daemon *d, long sid);
static int state_final(struct daemon *d, const char *id);
static void kid_submit(struct daemon *d, struct child *k, const char *id,
		       const char *threads);

#define RENDER_RESTART 3.0	/* seconds between starts of the watch */

static void
info(const char *fmt, ...)
{
	char ts[32];
	va_list ap;

	time_iso8601(time_now(), ts, sizeof(ts));
	fprintf(stderr, "%s ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Rewrite SPOOL/runner.json (heartbeat.h) now; stopped: the runner's last
 * word. A write that fails is warned about once, until one succeeds.
 */
static void
beat(struct daemon *d, int stopped)
{
	const char **ids = xcalloc((size_t)d->ncap, sizeof(*ids));
	struct heartbeat h = { getpid(), d->started, d->slots, d->threads,
			       ids, 0, d->q.n, d->data_root,
			       stopped ? time_now() : 0, d->o->allow_exec };
	int q = error_set_quiet(d->beat_failed);

	for (int i = 0; i < d->ncap; i++)
		if (kid_busy(&d->kids[i]))
			ids[h.nrunning++] = d->kids[i].id;
	if (heartbeat_write(d->sp.root, &h) < 0)
		d->beat_failed = 1;
	else
		d->beat_failed = 0;
	error_set_quiet(q);
	free(ids);
	d->next_beat = time_mono() + HEARTBEAT_S;
}

static int
take_lock(struct daemon *d)
{
	char *path = path_join(d->sp.root, "runner.lock");
	char buf[32] = "";
	int fd = file_open_regular(path, O_RDWR | O_CREAT);
	ssize_t n;

	if (fd < 0) {
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		error("spool '%s' is served by another runner (process %s, "
		      "holding '%s')", d->sp.root, *buf ? buf : "unknown",
		      path);
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		warning("cannot write the pid into '%s'", path);
	free(path);
	d->lockfd = fd;
	return 0;
}

static void
enqueue(struct daemon *d, const char *id, const json_t *st, double not_before)
{
	struct job_order o;

	job_order_of(st, &o);
	/* new claims come after every job queued so far */
	if (o.seq >= d->sp.seq)
		d->sp.seq = o.seq + 1;
	queue_push(&d->q, id, &o, not_before);
}

/* A job left running by a process that is gone: queue it again. */
static void
requeue_interrupted(struct daemon *d, const char *id, const char *reason)
{
	json_t *st;

	if (spool_state_set(&d->sp, id, JOB_QUEUED, NULL, NULL) < 0)
		return;
	spool_event(&d->sp, id, "requeued", json_pack("{s:s}", "reason",
		    reason));
	st = spool_state_read(&d->sp, id);
	if (st)
		enqueue(d, id, st, 0);
	json_decref(st);
	info("%s: queued again (%s)", id, reason);
}

/*
 * Was the claim of a job completed? Not when its state.json is missing or
 * unreadable before it ever ran (no log.txt): a crash came before the
 * batch of claims was synced.
 */
static int
claim_done(struct daemon *d, const char *id)
{
	char *dir = path_join(d->sp.jobs, id);
	char *log = path_join(dir, JOB_LOG);
	char err[256];
	json_t *st;
	int done = 1;

	if (access(log, F_OK) < 0) {
		st = job_state_read(dir, err, sizeof(err));
		done = st != NULL;
		json_decref(st);
	}
	free(log);
	free(dir);
	return done;
}

static void
recover_one(struct daemon *d, const char *id)
{
	char *sub = spool_job_path(&d->sp, id, JOB_SUBMITTED);
	const char *retry_at;
	int status;
	json_t *st;

	if (access(sub, F_OK) == 0 && !claim_done(d, id) &&
	    spool_claim_finish(&d->sp, id) < 0)
		goto out;
	if (d->o->slurm && kid_reattach(d, id))
		goto out;
	st = spool_state_read(&d->sp, id);
	if (!st)
		goto out;
	status = job_status_of(st);
	retry_at = json_str(st, "retry_at", NULL);
	if (status == JOB_QUEUED) {
		enqueue(d, id, st, retry_at ? time_parse_iso8601(retry_at) : 0);
	} else if (status == JOB_RUNNING) {
		if (spool_job_busy(&d->sp, id, st)) {
			d->foreign = xreallocarray(d->foreign, d->nforeign + 1,
						   sizeof(*d->foreign));
			d->foreign[d->nforeign++] = xstrdup(id);
			info("%s: running in another process; waiting", id);
		} else {
			requeue_interrupted(d, id, "interrupted");
		}
	}
	json_decref(st);
out:
	free(sub);
}

/* Load the jobs of jobs/: queued ones, and running ones nobody runs. */
static int
recover(struct daemon *d)
{
	DIR *dir = opendir(d->sp.jobs);
	struct dirent *de;

	if (!dir)
		return error("cannot open '%s': %s", d->sp.jobs,
			     strerror(errno));
	while ((de = readdir(dir))) {
		struct stat st = { 0 };

		if (!job_id_valid(de->d_name)) {
			if (de->d_name[0] != '.')
				warning("%s/%s: not a job ID, left alone",
					d->sp.jobs, de->d_name);
		} else if (fstatat(dirfd(dir), de->d_name, &st,
				   AT_SYMLINK_NOFOLLOW) < 0 ||
			   !S_ISDIR(st.st_mode)) {
			/* a link planted in jobs/ leads anywhere: never
			   claimed, trained or written through */
			warning("%s/%s: %s, not a job folder; left alone",
				d->sp.jobs, de->d_name, S_ISLNK(st.st_mode) ?
				"a symbolic link" : "not a folder");
		} else {
			recover_one(d, de->d_name);
		}
	}
	closedir(dir);
	return 0;
}

static void
check_foreign(struct daemon *d)
{
	size_t i = 0;

	while (i < d->nforeign) {
		const char *id = d->foreign[i];
		json_t *st = spool_state_read(&d->sp, id);
		int status = job_status_of(st);

		if (status == JOB_RUNNING && spool_job_busy(&d->sp, id, st)) {
			json_decref(st);
			i++;
			continue;
		}
		if (status == JOB_RUNNING)
			requeue_interrupted(d, id, "interrupted");
		else if (status == JOB_QUEUED)
			enqueue(d, id, st, 0);
		json_decref(st);
		free(d->foreign[i]);
		d->foreign[i] = d->foreign[--d->nforeign];
	}
}

/* Was the entry at path (st: its lstat) reported already? */
static int
reported_has(const struct daemon *d, const char *path, const struct stat *st)
{
	for (size_t i = 0; i < d->nreported; i++)
		if (d->reported[i].dev == st->st_dev &&
		    d->reported[i].ino == st->st_ino &&
		    strcmp(d->reported[i].path, path) == 0)
			return 1;
	return 0;
}

/* Remember that the entry at path (st) was reported. */
static void
reported_add(struct daemon *d, const char *path, const struct stat *st)
{
	struct reported *r;

	if (reported_has(d, path, st))
		return;
	d->reported = xreallocarray(d->reported, d->nreported + 1,
				    sizeof(*d->reported));
	r = &d->reported[d->nreported++];
	r->path = xstrdup(path);
	r->dev = st->st_dev;
	r->ino = st->st_ino;
}

/*
 * Forget the reported entries that went away (or whose name now holds
 * another file), so that what comes in their place is reported again.
 */
static void
reported_prune(struct daemon *d)
{
	struct stat st;
	size_t i = 0;

	while (i < d->nreported) {
		struct reported *r = &d->reported[i];

		if (lstat(r->path, &st) == 0 && st.st_dev == r->dev &&
		    st.st_ino == r->ino) {
			i++;
			continue;
		}
		free(r->path);
		*r = d->reported[--d->nreported];
	}
}

/*
 * Claim incoming/NAME. An entry that cannot be claimed nor rejected (a
 * directory that cannot be moved, a config whose claim could not be
 * written on a full disk and was put back, say) is reported once: it is
 * tried again at each rescan (rescan set), quietly while it is the same
 * file, and never on an inotify event, which putting it back raises.
 */
static void
claim(struct daemon *d, const char *name, int rescan)
{
	char *path = path_join(d->sp.incoming, name);
	struct spool_claimed c;
	struct stat st;
	int known, q, rc;

	if (lstat(path, &st) < 0) {
		free(path);
		return;
	}
	known = reported_has(d, path, &st);
	if (known && !rescan) {
		free(path);
		return;
	}
	q = error_set_quiet(known);
	rc = spool_claim(&d->sp, name, time_now(), &c);
	error_set_quiet(q);
	if (rc == CLAIM_ERROR && !known) {
		warning("incoming/%s: cannot be claimed nor rejected; "
			"reported once, tried again quietly", name);
		reported_add(d, path, &st);
	}
	free(path);
	for (size_t i = 0; i < c.n; i++)
		queue_push(&d->q, c.ids[i], &c.orders[i], 0);
	if (rc == CLAIM_QUEUED && c.group && c.n > 1)
		info("%s: a sweep of %zu jobs queued (%s to %s, from "
		     "incoming/%s)", c.group, c.n, c.ids[0], c.ids[c.n - 1],
		     name);
	else if (rc == CLAIM_QUEUED && c.group)
		info("%s: a sweep of %zu job queued (%s, from incoming/%s)",
		     c.group, c.n, c.n ? c.ids[0] : "-", name);
	else if (rc == CLAIM_QUEUED)
		info("%s: queued (from incoming/%s)", c.ids[0], name);
	else if (rc == CLAIM_REJECTED)
		info("incoming/%s: rejected (see rejected/)", name);
	else if (rc == CLAIM_WAIT)
		d->pending++;
	spool_claimed_release(&c);
}

struct entry {
	char *name;
	struct timespec mtime;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Names in dir (sorted oldest first) that do not start with '.'. */
static struct entry *
list_by_mtime(const char *path, size_t *n)
{
	DIR *dir = opendir(path);
	struct entry *e = NULL;
	struct dirent *de;
	size_t cap = 0;
	struct stat st;

	*n = 0;
	if (!dir) {
		error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		memset(&e[*n].mtime, 0, sizeof(e[*n].mtime));
		if (fstatat(dirfd(dir), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
			e[*n].mtime = st.st_mtim;
		e[(*n)++].name = xstrdup(de->d_name);
	}
	closedir(dir);
	if (*n > 1)
		qsort(e, *n, sizeof(*e), entry_cmp);
	return e;
}

static void
scan_incoming(struct daemon *d)
{
	size_t n;
	struct entry *e;

	reported_prune(d);
	e = list_by_mtime(d->sp.incoming, &n);
	d->pending = 0;
	for (size_t i = 0; i < n; i++) {
		if (!d->stopping)
			claim(d, e[i].name, 1);
		free(e[i].name);
	}
	free(e);
}

static struct child *
find_kid(struct daemon *d, const char *id)
{
	for (int i = 0; i < d->ncap; i++)
		if (kid_busy(&d->kids[i]) && strcmp(d->kids[i].id, id) == 0)
			return &d->kids[i];
	return NULL;
}

/*
 * scancel of k's Slurm job, beside the loop as squeue is: a slurmctld
 * that hangs never stalls the runner. Its end is taken by reap
 * (cancel_ended); one that failed is sent again at the next poll
 * (kid_answer). One at a time for a job.
 */
static void
cancel_send(struct daemon *d, struct child *k)
{
	int fd;
	pid_t pid;

	for (size_t i = 0; i < d->nscancels; i++)
		if (d->scancels[i].sid == k->slurm_id)
			return;
	pid = slurm_cancel_start(k->slurm_id, &fd);
	k->cancel_again = pid < 0;
	if (pid < 0)
		return;
	d->scancels = xreallocarray(d->scancels, d->nscancels + 1,
				    sizeof(*d->scancels));
	d->scancels[d->nscancels] = (struct scancel){ pid, fd, k->slurm_id,
						      "", time_mono(), 0 };
	strcpy(d->scancels[d->nscancels++].id, k->id);
}

/* Scancel i ended with wait status: a failure is sent again. 0 or -1. */
static int
cancel_ended(struct daemon *d, size_t i, int status)
{
	struct scancel c = d->scancels[i];
	struct child *k;

	d->scancels[i] = d->scancels[--d->nscancels];
	if (slurm_cancel_end(c.sid, status, c.fd, c.killed) == 0)
		return 0;
	if ((k = kid_of_slurm(d, c.sid)))
		k->cancel_again = 1;
	return -1;
}

/* Was pid (reaped with status) a scancel in flight? Then its end taken. */
static int
cancel_reaped(struct daemon *d, pid_t pid, int status)
{
	for (size_t i = 0; i < d->nscancels; i++)
		if (d->scancels[i].pid == pid) {
			cancel_ended(d, i, status);
			return 1;
		}
	return 0;
}

/* Scancels past SLURM_CMD_TIMEOUT: killed, with what they started. */
static void
cancels_check(struct daemon *d)
{
	for (size_t i = 0; i < d->nscancels; i++) {
		struct scancel *c = &d->scancels[i];

		if (!c->killed && time_mono() - c->t0 > SLURM_CMD_TIMEOUT) {
			kill(-c->pid, SIGKILL);
			c->killed = 1;
		}
	}
}

/*
 * Stop a child: SIGTERM to its process group, or scancel of its Slurm job
 * (Slurm sends the trainer SIGTERM, then SIGKILL after its KillWait).
 */
static void
stop_kid(struct daemon *d, struct child *k, enum stop_reason why)
{
	if (k->stop == STOP_NONE)
		k->stop = why;
	if (k->term_at == 0) {
		if (k->slurm_id > 0 && k->unverified)
			return;	/* cancelled once Slurm says it is ours */
		if (k->slurm_id > 0)
			cancel_send(d, k);
		else
			kill(-k->pid, SIGTERM);
		k->term_at = time_mono();
	}
}

/*
 * Read a request's body (a few bytes, "fresh" or nothing) from fd, a
 * regular file; NULL when it is empty, larger than max or unreadable.
 */
static char *
request_body(int fd, const struct stat *st, size_t max)
{
	char *body;
	size_t n = 0;
	ssize_t r;

	if (st->st_size <= 0 || (size_t)st->st_size >= max)
		return NULL;
	body = xmalloc(max);
	while (n + 1 < max) {
		r = read(fd, body + n, max - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	body[n] = '\0';
	return body;
}

/*
 * Act on control/NAME. Only a regular file is a request, and it is read
 * from one open that neither follows a link nor blocks on a FIFO; anything
 * else (a directory, a FIFO, a link) never acts. What cannot be acted on
 * or removed is reported once and not acted on again while it stays.
 */
static void
handle_request(struct daemon *d, const char *name)
{
	char *path = path_join(d->sp.control, name);
	char id[JOB_ID_MAX + 1];
	char *body = NULL;
	struct stat st, now;
	struct child *k;
	enum control_action a;
	int requeued, fd;

	if (lstat(path, &st) < 0 || reported_has(d, path, &st)) {
		free(path);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && S_ISREG(st.st_mode))
		body = request_body(fd, &st, 4096);
	if (fd < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		if (control_parse(name, NULL, id) != CONTROL_NONE) {
			warning("control/%s: not a regular file; ignored "
				"(reported once)", name);
			reported_add(d, path, &st);
		}
		free(path);
		return;
	}
	close(fd);
	a = control_parse(name, body, id);
	free(body);
	if (a == CONTROL_NONE) {
		free(path);
		return;
	}
	if (a == CONTROL_BAD) {
		warning("control/%s: not a valid job ID; removed", name);
	} else if ((k = find_kid(d, id))) {
		if (a == CONTROL_CANCEL && k->slurm_id > 0) {
			info("%s: cancelling (scancel of Slurm job %ld)", id,
			     k->slurm_id);
			stop_kid(d, k, STOP_CANCEL);
			d->next_poll = 0;
		} else if (a == CONTROL_CANCEL) {
			info("%s: cancelling (SIGTERM to %ld)", id,
			     (long)k->pid);
			stop_kid(d, k, STOP_CANCEL);
		} else if (k->slurm_id > 0 && state_final(d, id)) {
			/* the trainer has ended the job, Slurm's end is not
			   seen yet: the request waits for it (a rescan) */
			d->next_poll = 0;
			free(path);
			return;
		} else {
			error("control/%s: %s is running; cancel it first",
			      name, id);
		}
	} else {
		if (a == CONTROL_CANCEL || a == CONTROL_RM)
			queue_remove(&d->q, id);
		if (control_apply(&d->sp, id, a, &requeued) == 0) {
			info("%s: %s done", id, control_action_name(a));
			if (requeued) {
				json_t *s = spool_state_read(&d->sp, id);

				if (s)
					enqueue(d, id, s, 0);
				json_decref(s);
			}
		}
	}
	/* remove the request read, not a name swapped in meanwhile */
	if (lstat(path, &now) == 0 && now.st_dev == st.st_dev &&
	    now.st_ino == st.st_ino && unlink(path) < 0) {
		warning("control/%s: cannot remove: %s; not acted on again",
			name, strerror(errno));
		reported_add(d, path, &st);
	}
	free(path);
}

static void
scan_control(struct daemon *d)
{
	size_t n;
	struct entry *e = list_by_mtime(d->sp.control, &n);

	for (size_t i = 0; i < n; i++) {
		handle_request(d, e[i].name);
		free(e[i].name);
	}
	free(e);
}

/*
 * In the child, between fork and exec: only async-signal-safe calls.
 * logfd is the job's log.txt, opened by the parent (start_job).
 */
static void
exec_child(struct daemon *d, const char *jobdir, int logfd,
	   const char *threads, double mem_mb, const sigset_t *old,
	   pid_t parent)
{
	/* the runner's permission to run commands, passed down: the
	   trainer refuses an exec job without it (docs/exec.md) */
	const char *argv[] = { d->exe, "train", jobdir, "--data-root",
			       d->sp.data_root, "--threads", threads,
			       "--no-progress", d->o->allow_exec ?
			       "--allow-exec" : NULL, NULL };
	int fd;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(126);
	if (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(126);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	if (mem_mb > 0) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = (rlim_t)(mem_mb * 1048576.0);
		setrlimit(RLIMIT_AS, &rl);
	}
	sigprocmask(SIG_SETMASK, old, NULL);
	execv(d->exe, (char *const *)argv);
	_exit(127);
}

/*
 * Keep the site up to date with one child, `spoolboard render --watch
 * --spool S --www W`, started at most every RENDER_RESTART seconds (so one
 * that keeps dying is not restarted in a tight loop); with final set, run
 * one plain `spoolboard render` instead (at exit, after stop_render). The
 * renderer rewrites only the files whose bytes change.
 */
static void
start_render(struct daemon *d, const sigset_t *old, int final)
{
	const char *argv[16] = { d->exe, "render", "--spool", d->sp.root,
				 "--www", d->sp.www };
	int argc = 6;
	pid_t pid;
	int fd;

	if (d->o->templates) {
		argv[argc++] = "--templates";
		argv[argc++] = d->o->templates;
	}
	if (d->o->log_error) {
		argv[argc++] = "--log-error";
		argv[argc++] = d->o->log_error;
	}
	if (d->o->log_warning) {
		argv[argc++] = "--log-warning";
		argv[argc++] = d->o->log_warning;
	}
	if (!final)
		argv[argc++] = "--watch";

	if (!d->o->render || d->render_pid > 0 ||
	    (!final && time_mono() < d->next_render))
		return;
	d->next_render = time_mono() + RENDER_RESTART;
	pid = fork();
	if (pid < 0) {
		warning("cannot render the site: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		sigprocmask(SIG_SETMASK, old, NULL);
		execv(d->exe, (char *const *)argv);
		_exit(127);
	}
	d->render_pid = pid;
}

/* Wait for the render child, if any (before exiting). */
static void
wait_render(struct daemon *d)
{
	int status;

	if (d->render_pid > 0 && waitpid(d->render_pid, &status, 0) > 0)
		d->render_pid = 0;
}

/* End the watching render child, if any: SIGTERM, then wait for it. */
static void
stop_render(struct daemon *d)
{
	if (d->render_pid > 0)
		kill(d->render_pid, SIGTERM);
	wait_render(d);
}

static int fail_job(struct daemon *d, const char *id, const char *msg,
		    const char *hint, int sig);

/*
 * The job's completed config (config.json), read once, typed, as the
 * trainer will read it. 0, or -1 with the job failed and why recorded.
 */
static int
job_config(struct daemon *d, const char *id, struct config *cfg)
{
	struct strbuf why = STRBUF_INIT;
	char *path = spool_job_path(&d->sp, id, JOB_CONFIG);
	int rc = 0;

	if (config_load(cfg, path, &why) != 0) {
		while (why.len > 0 && why.buf[why.len - 1] == '\n')
			why.buf[--why.len] = '\0';
		fail_job(d, id, sb_str(&why), "the job's config.json was "
			 "changed or damaged after it was accepted; submit "
			 "the config again", 0);
		rc = -1;
	}
	sb_release(&why);
	free(path);
	return rc;
}

/*
 * CPU seconds of the runner and of what it started (cpuload.h): its own
 * jobs are not load that takes cores from a new one; their threads are
 * counted instead (threads_free).
 */
static double
ours_cpu(const struct daemon *d)
{
	struct rusage ru;
	double t = cpuload_self();

	/* the children already waited for, and those still running */
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		t += (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
		     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	for (int i = 0; i < d->ncap; i++)
		if (d->kids[i].pid > 0)
			t += cpuload_process(d->kids[i].pid);
	if (d->render_pid > 0)
		t += cpuload_process(d->render_pid);
	if (d->poll_pid > 0)
		t += cpuload_process(d->poll_pid);
	return t;
}

/* Look again at the load of other processes, once a second at most. */
static void
sample_load(struct daemon *d)
{
	if (time_mono() - d->load.wall >= 1.0)
		cpuload_sample(&d->load, ours_cpu(d));
}

/*
 * The threads a job asking for want gets here: no more than the cores
 * that other processes and the running jobs' threads leave free (*cores),
 * nor than its share of the cores beside the jobs queued to start with
 * it in the slots left (those that may start now: one waiting out the
 * backoff of a retry takes no share); at least one.
 */
static int
threads_free(struct daemon *d, int want, double *cores)
{
	int others = d->slots - d->nkids - 1, share;
	size_t ready = queue_ready(&d->q, time_now());
	double f;

	sample_load(d);
	f = d->load.free >= 0 ? d->load.free : d->load.ncpu;
	for (int i = 0; i < d->ncap; i++)
		if (d->kids[i].pid > 0)
			f -= d->kids[i].threads;
	if (others > (int)ready)
		others = (int)ready;
	share = (int)(f / (1 + (others > 0 ? others : 0)));
	*cores = f < 0 ? 0 : f;
	return cpuload_threads(want < share ? want : share, *cores,
			       d->load.ncpu);
}

static void
start_job(struct daemon *d, const char *id, const sigset_t *old)
{
	char *jobdir = path_join(d->sp.jobs, id);
	char *log = path_join(jobdir, JOB_LOG);
	char threads[16];
	struct child *k = NULL;
	json_t *st = spool_state_read(&d->sp, id);
	pid_t me = getpid(), pid;
	struct config cfg;
	double cores = -1;
	int logfd, want;

	if (job_status_of(st) != JOB_QUEUED)
		goto out;
	for (int i = 0; i < d->ncap && !k; i++)
		if (!kid_busy(&d->kids[i]))
			k = &d->kids[i];
	if (!k)
		goto out;
	if (job_config(d, id, &cfg) < 0)
		goto out;
	if (cfg.exec.argv && !d->o->allow_exec) {
		/* accepted by a runner that allowed it, not by this one */
		config_release(&cfg);
		fail_job(d, id, "exec jobs are off in this runner: it runs a "
			 "command only when started with --allow-exec",
			 "start spoolboard run with --allow-exec, then "
			 "spoolboard retry the job (docs/exec.md)", 0);
		goto out;
	}
	memset(k, 0, sizeof(*k));
	want = cfg.threads > 0 ? cfg.threads : d->threads;
	/* Slurm gives a job the CPUs it asks for, on a node of its choice */
	k->threads = d->o->slurm ? want : threads_free(d, want, &cores);
	snprintf(threads, sizeof(threads), "%d", k->threads);
	k->max_seconds = cfg.limits.max_seconds;
	k->max_memory_mb = cfg.limits.max_memory_mb;
	k->retries = cfg.retries;
	k->exec = cfg.exec.argv != NULL;
	config_release(&cfg);
	/*
	 * log.txt is opened here, not in the child, so that one which is
	 * not a regular file (a link planted to have the job's output
	 * appended elsewhere) fails the job with the reason, and the
	 * runner goes on.
	 */
	logfd = file_open_regular(log, O_WRONLY | O_APPEND | O_CREAT);
	if (logfd < 0) {
		char *why = xstrdup(error_last());

		fail_job(d, id, why, "remove the job's log.txt (it must be "
			 "a plain file) and retry the job", 0);
		free(why);
		goto out;
	}
	if (d->o->slurm) {
		close(logfd);
		kid_submit(d, k, id, threads);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		error("cannot start %s: fork: %s", id, strerror(errno));
		enqueue(d, id, st, time_now() + RETRY_BASE);
		close(logfd);
		goto out;
	}
	if (pid == 0)
		exec_child(d, jobdir, logfd, threads, k->max_memory_mb, old,
			   me);
	close(logfd);
	k->pid = pid;
	strcpy(k->id, id);
	k->started = time_mono();
	d->nkids++;
	if (k->threads < want)
		info("%s: started (process %ld, %d thread%s of the %d asked "
		     "for: %.1f cores free)", id, (long)pid, k->threads,
		     k->threads > 1 ? "s" : "", want, cores);
	else
		info("%s: started (process %ld, %d thread%s)", id, (long)pid,
		     k->threads, k->threads > 1 ? "s" : "");
	beat(d, 0);
out:
	json_decref(st);
	free(jobdir);
	free(log);
}

/* A failed run: queue it again when retries are left. 1 if queued. */
static int
maybe_retry(struct daemon *d, const struct child *k)
{
	const char *id = k->id;
	json_t *st = spool_state_read(&d->sp, id);
	json_int_t attempt = json_integer_value(json_object_get(st,
								"attempt"));
	json_t *err;
	double delay;
	char ts[32];

	if (!st || attempt < 1 || attempt > k->retries || d->stopping) {
		json_decref(st);
		return 0;
	}
	delay = RETRY_BASE * (double)(1L << (attempt > 20 ? 20 : attempt - 1));
	if (delay > RETRY_MAX)
		delay = RETRY_MAX;
	time_iso8601(time_now() + delay, ts, sizeof(ts));
	/* while the retry waits, the state still says why the last failed */
	err = json_incref(json_object_get(st, "error"));
	job_state_finish(st, JOB_QUEUED, NULL, NULL);
	json_object_set_new(st, "error", err ? err : json_null());
	json_object_set_new(st, "attempt", json_integer(attempt + 1));
	json_object_set_new(st, "retry_at", json_string(ts));
	if (spool_state_write(&d->sp, id, st) == 0) {
		spool_event(&d->sp, id, "retry", json_pack("{s:I,s:f}",
			    "attempt", (json_int_t)(attempt + 1), "delay",
			    delay));
		enqueue(d, id, st, time_now() + delay);
		info("%s: failed; retry %lld in %.0fs", id,
		     (long long)attempt, delay);
	}
	json_decref(st);
	return 1;
}

/* The runner ends the job as failed itself: the child could not. */
static int
fail_job(struct daemon *d, const char *id, const char *msg,
	 const char *hint, int sig)
{
	if (spool_state_set(&d->sp, id, JOB_FAILED, msg, hint) < 0)
		return -1;
	spool_event(&d->sp, id, "finished", sig ? json_pack("{s:s,s:i}",
		    "status", job_status_name(JOB_FAILED), "signal", sig) :
		    json_pack("{s:s}", "status", job_status_name(JOB_FAILED)));
	info("%s: failed: %s", id, msg);
	return 0;
}

/* Has the job's state.json a final status? */
static int
state_final(struct daemon *d, const char *id)
{
	json_t *st = spool_state_read(&d->sp, id);
	int final = job_status_finished(job_status_of(st));

	json_decref(st);
	return final;
}

/*
 * The child failed without recording it, as when the disk is full: say
 * why in its state, now or, when that cannot be written either, at each
 * rescan until it can.
 */
static void
record_failure(struct daemon *d, const char *id)
{
	char *dir = path_join(d->sp.jobs, id);
	struct unrecorded *u;
	struct statvfs vfs;
	int full;

	full = statvfs(dir, &vfs) == 0 &&
	       (double)vfs.f_bavail * (double)vfs.f_frsize < 65536;
	free(dir);
	d->unrec = xreallocarray(d->unrec, d->nunrec + 1, sizeof(*d->unrec));
	u = &d->unrec[d->nunrec];
	snprintf(u->id, sizeof(u->id), "%s", id);
	snprintf(u->msg, sizeof(u->msg), "%s", full ?
		 "No space left on device: the job could not write its files" :
		 "spoolboard train exited with status 1 without recording "
		 "why; see log.txt");
	if (fail_job(d, id, u->msg, full ? "free space on the spool's "
		     "filesystem, then retry the job" : NULL, 0) < 0) {
		d->nunrec++;
		warning("%s: cannot record its failure yet; will try again",
			id);
	}
}

static void
retry_unrecorded(struct daemon *d)
{
	size_t i = 0;
	int q;

	while (i < d->nunrec) {
		struct unrecorded *u = &d->unrec[i];

		q = error_set_quiet(1);
		if (fail_job(d, u->id, u->msg, "free space on the spool's "
			     "filesystem, then retry the job", 0) == 0)
			*u = d->unrec[--d->nunrec];
		else
			i++;
		error_set_quiet(q);
	}
}

static void
child_exited(struct daemon *d, struct child *k, int status)
{
	char msg[160];
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int abnormal = sig || (code != 0 && code != 1 && code != 3);

	if (k->stop == STOP_SHUTDOWN && (code == 3 || sig)) {
		requeue_interrupted(d, k->id, "runner stopped");
	} else if (k->stop == STOP_TIME && code != 0) {
		snprintf(msg, sizeof(msg), "time limit: ran longer than %g "
			 "seconds (limits.max_seconds)", k->max_seconds);
		fail_job(d, k->id, msg, "raise limits.max_seconds or train "
			 "for fewer epochs", sig);
	} else if (k->stop == STOP_CANCEL && sig) {
		spool_state_set(&d->sp, k->id, JOB_CANCELLED, NULL, NULL);
		spool_event(&d->sp, k->id, "finished", json_pack("{s:s,s:i}",
			    "status", job_status_name(JOB_CANCELLED),
			    "signal", sig));
	} else if (abnormal && k->max_memory_mb > 0) {
		snprintf(msg, sizeof(msg), "memory limit of %g MB was hit "
			 "(limits.max_memory_mb)", k->max_memory_mb);
		fail_job(d, k->id, msg, "raise limits.max_memory_mb, or use a "
			 "smaller batch_size or model", sig);
		maybe_retry(d, k);
	} else if (sig) {
		snprintf(msg, sizeof(msg), "killed by signal %d (%s)", sig,
			 strsignal(sig));
		fail_job(d, k->id, msg, NULL, sig);
		maybe_retry(d, k);
	} else if (code == 1) {
		if (!state_final(d, k->id))
			record_failure(d, k->id);
		maybe_retry(d, k);
	} else if (abnormal) {
		snprintf(msg, sizeof(msg), "spoolboard train exited with "
			 "status %d", code);
		fail_job(d, k->id, msg, "see the job's log.txt", 0);
	}
	info("%s: process %ld ended (%s %d)", k->id, (long)k->pid,
	     sig ? "signal" : "exit", sig ? sig : code);
	k->pid = 0;
	d->nkids--;
	beat(d, 0);
}

/*
 * The Slurm executor (--executor slurm, docs/slurm.md). A job in Slurm is
 * a child entry with a slurm_id and no pid: started by kid_submit, looked
 * at every SLURM_POLL seconds by kids_poll instead of waitpid, ended by
 * kid_slurm_ended with the same retries as a process. Its record is
 * JOBDIR/slurm.json (docs/formats.md), written durably before and after
 * sbatch, so that a runner started later re-attaches (kid_reattach) and
 * never submits a job twice.
 */

/* Write the child's record into JOBDIR/slurm.json, durably. 0 or -1. */
static int
kid_record(struct daemon *d, const struct child *k, int submitting,
	   int ended)
{
	char *path = spool_job_path(&d->sp, k->id, JOB_SLURM);
	json_t *r = json_pack("{s:s}", "name", k->sname);
	char ts[32];
	int rc;

	if (submitting) {
		json_object_set_new(r, "submitting", json_true());
	} else if (k->slurm_id > 0) {
		json_object_set_new(r, "job_id", json_integer(k->slurm_id));
		json_object_set_new(r, "state", json_string(k->si.state));
		json_object_set_new(r, "reason", json_string(k->si.reason));
		json_object_set_new(r, "node", json_string(k->si.node));
		json_object_set_new(r, "restarts",
				    json_integer(k->si.restarts));
		if (ended) {
			char ex[32];

			snprintf(ex, sizeof(ex), "%d:%d", k->si.exit_code,
				 k->si.exit_signal);
			json_object_set_new(r, "exit_code", json_string(ex));
			json_object_set_new(r, "ended", json_true());
		}
	} else {
		json_object_set_new(r, "ended", json_true());
	}
	time_iso8601(time_now(), ts, sizeof(ts));
	json_object_set_new(r, "updated", json_string(ts));
	rc = json_write_atomic(path, r);
	json_decref(r);
	free(path);
	return rc;
}

/* k->id = id, a job ID (job_id_valid: at most JOB_ID_MAX bytes) */
static void
kid_set_id(struct child *k, const char *id)
{
	size_t n = strlen(id);

	if (n > JOB_ID_MAX)
		n = JOB_ID_MAX;
	memcpy(k->id, id, n);
	k->id[n] = '\0';
}

/* SPOOL/jobs and the binary as absolute paths: a node has another cwd. */
static int
abs_paths(struct daemon *d)
{
	char *exe = realpath(d->exe, NULL);

	if (!exe)
		return error("cannot find '%s': %s", d->exe, strerror(errno));
	snprintf(d->exe, sizeof(d->exe), "%s", exe);
	free(exe);
	d->jobs_abs = realpath(d->sp.jobs, NULL);
	if (!d->jobs_abs)
		return error("cannot resolve '%s': %s", d->sp.jobs,
			     strerror(errno));
	return 0;
}

/* Take the child entry k (free) for job id in Slurm job sid. */
static void
kid_attach(struct daemon *d, struct child *k, const char *id, long sid)
{
	kid_set_id(k, id);
	k->slurm_id = sid;
	k->pid = 0;
	k->started = time_mono();
	d->nkids++;
	d->next_poll = 0;
	beat(d, 0);
}

/*
 * Submit job id (its entry k, limits and retries set) to Slurm: the
 * record says "submitting" before sbatch runs and holds the Slurm job id
 * once it answered. A refused submission fails the job with sbatch's
 * words.
 */
static void
kid_submit(struct daemon *d, struct child *k, const char *id,
	   const char *threads)
{
	char *jobdir = path_join(d->jobs_abs, id);
	struct slurm_spec spec = { d->exe, jobdir, d->data_root, k->sname,
				   atoi(threads), k->max_seconds,
				   k->max_memory_mb, d->o->allow_exec };
	long sid;

	kid_set_id(k, id);
	snprintf(k->sname, sizeof(k->sname), "spoolboard:%s:%llx", id,
		 (unsigned long long)time_now_us());
	if (slurm_write_script(jobdir) < 0 || kid_record(d, k, 1, 0) < 0) {
		char *why = xstrdup(error_last());

		fail_job(d, id, why, "check that the job folder is writable",
			 0);
		free(why);
		goto out;
	}
	sid = slurm_submit(&d->o->sbatch, &spec);
	if (sid < 0) {
		char *why = xstrdup(error_last());

		k->slurm_id = 0;
		kid_record(d, k, 0, 1);
		fail_job(d, id, why, "check --partition, --account and "
			 "--sbatch-arg, the job's limits and the cluster "
			 "(sinfo), then retry the job", 0);
		free(why);
		goto out;
	}
	memset(&k->si, 0, sizeof(k->si));
	k->si.id = sid;
	snprintf(k->si.state, sizeof(k->si.state), "PENDING");
	k->slurm_id = sid;
	if (kid_record(d, k, 0, 0) < 0)
		warning("%s: submitted as Slurm job %ld but its record could "
			"not be written; a restarted runner finds it by name "
			"(%s)", id, sid, k->sname);
	spool_event(&d->sp, id, "submitted", json_pack("{s:I,s:s}",
		    "slurm_job_id", (json_int_t)sid, "name", k->sname));
	kid_attach(d, k, id, sid);
	info("%s: submitted to Slurm (job %ld, %s threads)", id, sid,
	     threads);
out:
	free(jobdir);
}

/*
 * The Slurm job of k ended (si: Slurm's last word; NULL when Slurm forgot
 * the job): the status the trainer wrote stands when it finished the run
 * itself; otherwise Slurm's state decides, in Slurm's words.
 */
static void
kid_slurm_ended(struct daemon *d, struct child *k, const struct slurm_info *si)
{
	struct slurm_info gone = { .id = k->slurm_id };
	json_t *st = spool_state_read(&d->sp, k->id);
	int status = job_status_of(st);
	char words[320];

	json_decref(st);
	if (!si) {
		snprintf(gone.state, sizeof(gone.state), "UNKNOWN");
		snprintf(gone.reason, sizeof(gone.reason), "no longer known "
			 "to Slurm");
		si = &gone;
	}
	k->si = *si;
	slurm_describe(si, words, sizeof(words));
	if (k->stop == STOP_CANCEL) {
		/*
		 * scancel signals every process of the job at once: a command
		 * whose own children it ended may go on to exit 0, and the
		 * trainer may write completed before its SIGTERM comes. When
		 * Slurm says CANCELLED the batch step was still running as the
		 * cancel came, so an exec job's completed does not stand. (A
		 * built-in run writes completed only once its last epoch is
		 * done, and Slurm says COMPLETED when the step ended first.)
		 */
		int undone = status == JOB_COMPLETED && k->exec &&
			     slurm_status_of(si) == JOB_CANCELLED;

		if ((status != JOB_COMPLETED || undone) &&
		    status != JOB_CANCELLED) {
			spool_state_set(&d->sp, k->id, JOB_CANCELLED, undone ?
					"the command exited 0 as scancel "
					"ended it and its children" : NULL,
					NULL);
			spool_event(&d->sp, k->id, "finished",
				    json_pack("{s:s,s:s}", "status",
				    job_status_name(JOB_CANCELLED), "slurm",
				    si->state));
			if (undone)
				info("%s: its command exited 0 as scancel "
				     "ended it: cancelled, not completed",
				     k->id);
		}
	} else if (status == JOB_COMPLETED) {
		/* the trainer's word */
	} else if (status == JOB_FAILED) {
		maybe_retry(d, k);
	} else if (slurm_status_of(si) == JOB_CANCELLED) {
		spool_state_set(&d->sp, k->id, JOB_CANCELLED, words,
				"cancelled in Slurm (scancel), not with "
				"spoolboard cancel");
		spool_event(&d->sp, k->id, "finished", json_pack("{s:s,s:s}",
			    "status", job_status_name(JOB_CANCELLED),
			    "slurm", si->state));
	} else {
		fail_job(d, k->id, words, k->max_memory_mb > 0 &&
			 si->exit_signal == SIGKILL ? "it may have used more "
			 "than limits.max_memory_mb (Slurm's --mem); see "
			 "log.txt" : "see the job's log.txt", 0);
		maybe_retry(d, k);
	}
	kid_record(d, k, 0, 1);
	info("%s: Slurm job %ld ended (%s)", k->id, k->slurm_id, words);
	k->slurm_id = 0;
	d->nkids--;
	beat(d, 0);
}

/*
 * Job k waits in Slurm again after a restart (scontrol requeue, a node
 * failure, preemption; news: the restart is new): the trainer is not
 * running, and resumes from its newest checkpoint when Slurm starts it
 * again. Its state says queued, whatever the old copy wrote as it was
 * stopped (cancelled, on SIGTERM) after the requeue was first seen.
 */
static void
kid_requeued(struct daemon *d, struct child *k, int news)
{
	json_t *st = spool_state_read(&d->sp, k->id);
	int status = job_status_of(st);

	int stale;

	json_decref(st);
	/* what an old copy wrote as it stopped (cancelled, failed; running
	   when it was killed before the requeue was seen) does not stand;
	   a run it completed does */
	stale = status == JOB_CANCELLED || status == JOB_FAILED ||
		(news && status == JOB_RUNNING);
	if (news)
		info("%s: requeued in Slurm (job %ld)", k->id, k->slurm_id);
	if ((stale && spool_state_set(&d->sp, k->id, JOB_QUEUED, NULL,
				      NULL) < 0) || !news)
		return;
	spool_event(&d->sp, k->id, "requeued", json_pack("{s:s,s:I}",
		    "reason", "requeued in Slurm", "slurm_job_id",
		    (json_int_t)k->slurm_id));
}

static void recover_one(struct daemon *d, const char *id);

/*
 * The Slurm job sid that job k's slurm.json names is not to be followed:
 * Slurm does not know it (si NULL), or knows it under another name. Say
 * so, and mark the record ended.
 */
static void
kid_disown(struct daemon *d, struct child *k, long sid,
	   const struct slurm_info *si)
{
	if (si)
		warning("%s: slurm.json names Slurm job %ld, which is '%s', "
			"not '%s'; not re-attached", k->id, sid, si->name,
			k->sname);
	else
		info("%s: Slurm job %ld is no longer known to Slurm", k->id,
		     sid);
	k->slurm_id = sid;
	kid_record(d, k, 0, 1);
	k->slurm_id = 0;
}

/*
 * Job k was re-attached while Slurm did not answer; now it has (si: its
 * word on the job, NULL: it does not know it). The job is ours when Slurm
 * knows it under the name its record gives: then it is watched as any
 * other (and cancelled now if that was asked meanwhile). Else it is let
 * go, its record marked ended, and recovered as a job not in Slurm.
 */
static void
kid_verify(struct daemon *d, struct child *k, const struct slurm_info *si)
{
	char id[JOB_ID_MAX + 1];

	if (si && strcmp(si->name, k->sname) == 0) {
		k->unverified = 0;
		info("%s: Slurm job %ld is this job's (%s)", k->id,
		     k->slurm_id, si->state);
		if (k->stop == STOP_CANCEL || (slurm_phase_of(si->state) !=
		    SLURM_ENDED && state_final(d, k->id)))
			stop_kid(d, k, STOP_CANCEL);
		d->next_poll = 0;
		return;
	}
	kid_disown(d, k, k->slurm_id, si);
	snprintf(id, sizeof(id), "%s", k->id);
	k->unverified = 0;
	d->nkids--;
	beat(d, 0);
	recover_one(d, id);
}

/*
 * What Slurm answered about job k (r: 1 with *si, 0 it no longer knows
 * the job, -1 it could not be asked, why says so): record a change, act
 * on its end.
 */
static void
kid_answer(struct daemon *d, struct child *k, int r,
	   const struct slurm_info *si, const char *why)
{
	enum slurm_phase ph;

	if (r < 0) {
		/* said once; asked again at each poll */
		if (!k->poll_failed)
			warning("%s: cannot ask Slurm about job %ld (%s); "
				"asking again every %gs", k->id, k->slurm_id,
				why && *why ? why : "no answer", SLURM_POLL);
		k->poll_failed = 1;
		return;
	}
	if (k->poll_failed)
		info("%s: Slurm answers again about job %ld", k->id,
		     k->slurm_id);
	k->poll_failed = 0;
	if (k->unverified) {
		kid_verify(d, k, r > 0 ? si : NULL);
		return;
	}
	if (r == 0) {
		struct slurm_info acct;

		/* gone from squeue: how it ended, if Slurm keeps accounts */
		kid_slurm_ended(d, k, slurm_sacct(k->slurm_id, &acct) > 0 &&
				slurm_phase_of(acct.state) == SLURM_ENDED ?
				&acct : NULL);
		return;
	}
	ph = slurm_phase_of(si->state);
	if (ph == SLURM_ENDED) {
		kid_slurm_ended(d, k, si);
		return;
	}
	if (k->cancel_again) {
		/* a cancel is never lost to a busy slurmctld */
		info("%s: scancel of Slurm job %ld again", k->id, k->slurm_id);
		cancel_send(d, k);
	}
	if (ph == SLURM_QUEUED && si->restarts > 0 && k->stop == STOP_NONE)
		kid_requeued(d, k, si->restarts > k->si.restarts);
	if (strcmp(si->state, k->si.state) != 0 ||
	    strcmp(si->reason, k->si.reason) != 0 ||
	    strcmp(si->node, k->si.node) != 0 ||
	    si->restarts != k->si.restarts) {
		k->si = *si;
		kid_record(d, k, 0, 0);
	}
}

/*
 * Every SLURM_POLL seconds, one squeue asks about all the runner's jobs
 * in Slurm. It runs beside the loop, never in it: its output is read as
 * poll(2) says it comes (d->poll_fd), its end reaped with the other
 * children (reap), and its answer taken (kids_poll_check) once both are
 * in. A squeue that takes over SLURM_CMD_TIMEOUT is killed; a slow or
 * absent slurmctld does not hold up the loop at each poll (sbatch and
 * scancel, once per job, still do).
 */
static void
kids_poll(struct daemon *d)
{
	char **argv;
	int n = 0;

	if (d->poll_pid > 0)
		return;	/* asked again once this one has answered */
	d->next_poll = time_mono() + SLURM_POLL;
	d->poll_ids = xreallocarray(d->poll_ids, (size_t)d->ncap,
				    sizeof(*d->poll_ids));
	for (int i = 0; i < d->ncap; i++)
		if (d->kids[i].slurm_id > 0)
			d->poll_ids[n++] = d->kids[i].slurm_id;
	if (n == 0)
		return;
	argv = slurm_squeue_argv(d->poll_ids, n);
	d->poll_pid = slurm_spawn(argv, &d->poll_fd);
	slurm_argv_free(argv);
	if (d->poll_pid < 0) {
		d->poll_pid = 0;
		return;
	}
	d->poll_n = n;
	d->poll_status = -1;
	d->poll_t0 = time_mono();
	sb_reset(&d->poll_out);
}

/* The child entry of Slurm job sid, or NULL. */
static struct child *
kid_of_slurm(struct daemon *d, long sid)
{
	for (int i = 0; i < d->ncap; i++)
		if (d->kids[i].slurm_id == sid)
			return &d->kids[i];
	return NULL;
}

/* The squeue in flight: killed past its time; its answer taken at its end */
static void
kids_poll_check(struct daemon *d)
{
	const char *out = sb_str(&d->poll_out);
	char why[192] = "";
	int st = d->poll_status, status;

	if (d->poll_pid <= 0)
		return;
	if (st == -1 && time_mono() - d->poll_t0 > SLURM_CMD_TIMEOUT &&
	    !d->poll_killed) {
		/* it and what it started; its output is not waited for */
		kill(-d->poll_pid, SIGKILL);
		d->poll_killed = 1;
		if (d->poll_fd >= 0)
			close(d->poll_fd);
		d->poll_fd = -1;
	}
	if (st == -1 || d->poll_fd >= 0)
		return;
	status = WIFEXITED(st) && WEXITSTATUS(st) != 127 ? WEXITSTATUS(st) :
		 -1;
	if (d->poll_killed)
		snprintf(why, sizeof(why), "squeue did not answer within %gs",
			 SLURM_CMD_TIMEOUT);
	else if (status < 0)
		snprintf(why, sizeof(why), "squeue could not be run, or was "
			 "killed");
	else if (status > 0 && (d->poll_n > 1 ||
				!strstr(out, "Invalid job id")))
		snprintf(why, sizeof(why), "%.*s", (int)strcspn(out, "\n"),
			 *out ? out : "squeue failed with no message");
	for (int i = 0; i < d->poll_n; i++) {
		struct child *k = kid_of_slurm(d, d->poll_ids[i]);
		struct slurm_info si;

		if (!k)
			continue;
		if (why[0])
			kid_answer(d, k, -1, NULL, why);
		else
			kid_answer(d, k, slurm_answer(status, out, out,
				   d->poll_ids[i], &si), &si, why);
	}
	d->poll_pid = 0;
	d->poll_killed = 0;
}

/* Read what the squeue in flight wrote (poll(2) said it has some). */
static void
kids_poll_read(struct daemon *d)
{
	if (d->poll_fd >= 0 && !slurm_drain(d->poll_fd, &d->poll_out)) {
		close(d->poll_fd);
		d->poll_fd = -1;
	}
}

/*
 * At exit: the squeue in flight, if any, killed and reaped; the scancels
 * waited for (each at most SLURM_CMD_TIMEOUT), so that a cancel asked is
 * sent, or the log says it was not.
 */
static void
kids_poll_end(struct daemon *d)
{
	while (d->nscancels > 0) {
		struct scancel *c = &d->scancels[0];
		char id[JOB_ID_MAX + 1];
		int status = 0;
		long sid;
		pid_t r;

		if (!c->killed &&
		    time_mono() - c->t0 > SLURM_CMD_TIMEOUT) {
			kill(-c->pid, SIGKILL);
			c->killed = 1;
		}
		r = waitpid(c->pid, &status, c->killed ? 0 : WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR)) {
			usleep(20000);
			continue;
		}
		if (r < 0)
			status = W_EXITCODE(1, 0);	/* not ours to wait */
		snprintf(id, sizeof(id), "%s", c->id);
		sid = c->sid;
		if (cancel_ended(d, 0, status) < 0)
			warning("%s: the cancel of its Slurm job %ld was not "
				"sent: once Slurm answers, cancel the job "
				"again (spoolboard cancel)", id, sid);
	}
	free(d->scancels);
	if (d->poll_pid > 0 && d->poll_status == -1) {
		kill(-d->poll_pid, SIGKILL);
		while (waitpid(d->poll_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (d->poll_fd >= 0)
		close(d->poll_fd);
	sb_release(&d->poll_out);
	free(d->poll_ids);
}

/*
 * The runner stops: its jobs in Slurm run on, and the next runner
 * re-attaches to them (kid_reattach).
 */
static void
kids_leave(struct daemon *d)
{
	for (int i = 0; i < d->ncap; i++) {
		struct child *k = &d->kids[i];

		if (k->slurm_id <= 0)
			continue;
		info("%s: left running in Slurm (job %ld); the next runner "
		     "re-attaches to it", k->id, k->slurm_id);
		k->slurm_id = 0;
		d->nkids--;
	}
}

/* A free child entry, the array grown when every one is taken. */
static struct child *
kid_free_entry(struct daemon *d)
{
	for (int i = 0; i < d->ncap; i++)
		if (!kid_busy(&d->kids[i]))
			return &d->kids[i];
	d->kids = xreallocarray(d->kids, (size_t)d->ncap + 1,
				sizeof(*d->kids));
	memset(&d->kids[d->ncap], 0, sizeof(*d->kids));
	return &d->kids[d->ncap++];
}

/*
 * At start-up: is job id in Slurm from an earlier runner (its slurm.json
 * names a job not yet ended)? Then take it as a child again, and 1. A job
 * still "submitting" is looked for by its name first. 0 when it is not
 * (or no longer) in Slurm: the job is recovered as usual.
 */
static int
kid_reattach(struct daemon *d, const char *id)
{
	char *path = spool_job_path(&d->sp, id, JOB_SLURM);
	char err[256];
	/* a link or a FIFO in its place is no record (and never waited on) */
	json_t *r = access(path, F_OK) == 0 ?
		    json_load_at(AT_FDCWD, path, NULL, 65536, err,
				 sizeof(err)) : NULL;
	struct slurm_info si;
	struct config cfg;
	struct child *k;
	char mine[JOB_ID_MAX + 16];	/* this job's names start so */
	long sid;
	int q, found;

	free(path);
	if (!r || json_is_true(json_object_get(r, "ended")) ||
	    !json_is_string(json_object_get(r, "name"))) {
		json_decref(r);
		return 0;
	}
	sid = (long)json_int(r, "job_id", 0);
	k = kid_free_entry(d);
	memset(k, 0, sizeof(*k));
	kid_set_id(k, id);
	snprintf(k->sname, sizeof(k->sname), "%s", json_str(r, "name", ""));
	k->si.restarts = (int)json_int(r, "restarts", 0);
	json_decref(r);
	/* the record is a file in the spool: only a name this job's
	   submissions have (spoolboard:ID:TOKEN) and a Slurm job id are
	   followed; another job's or another user's job never is */
	snprintf(mine, sizeof(mine), "spoolboard:%s:", id);
	if (strncmp(k->sname, mine, strlen(mine)) != 0 || sid < 0 ||
	    sid > SLURM_ID_MAX) {
		warning("%s: slurm.json names no submission of this job "
			"(name '%s', job_id %ld); not followed", id, k->sname,
			sid);
		snprintf(k->sname, sizeof(k->sname), "%s", mine);
		kid_record(d, k, 0, 1);
		return 0;
	}
	if (sid <= 0) {
		sid = slurm_find_name(k->sname);
		if (sid < 0) {
			warning("%s: cannot ask Slurm whether it was "
				"submitted; left alone", id);
			return 1;
		}
		if (sid == 0) {
			info("%s: never reached Slurm", id);
			kid_record(d, k, 0, 1);
			return 0;
		}
	}
	q = error_set_quiet(1);
	found = slurm_query(sid, &si);
	error_set_quiet(q);
	if (found == 0)
		found = slurm_sacct(sid, &si);
	/* the record is a file in the spool: a Slurm job of another name
	   (another user's, or another job's) is never taken, nor cancelled */
	if (found == 0 || (found > 0 && strcmp(si.name, k->sname) != 0)) {
		kid_disown(d, k, sid, found ? &si : NULL);
		return 0;
	}
	if (found > 0)
		snprintf(k->si.state, sizeof(k->si.state), "%s", si.state);
	k->unverified = found < 0;
	if (job_config(d, id, &cfg) == 0) {
		k->max_seconds = cfg.limits.max_seconds;
		k->max_memory_mb = cfg.limits.max_memory_mb;
		k->retries = cfg.retries;
		k->exec = cfg.exec.argv != NULL;
		config_release(&cfg);
	}
	kid_attach(d, k, id, sid);
	kid_record(d, k, 0, 0);
	info("%s: re-attached to Slurm job %ld (%s)", id, sid,
	     found > 0 ? si.state : "Slurm does not answer yet; it is "
	     "not cancelled until Slurm says it is this job's");
	/* cancelled with no runner up (spoolboard cancel did it alone) */
	if (found > 0 && slurm_phase_of(si.state) != SLURM_ENDED &&
	    state_final(d, id)) {
		info("%s: finished while no runner served it; cancelling its "
		     "Slurm job", id);
		stop_kid(d, k, STOP_CANCEL);
	}
	return 1;
}

static void
reap(struct daemon *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == d->poll_pid && d->poll_status == -1) {
			d->poll_status = status;
			continue;
		}
		if (cancel_reaped(d, pid, status))
			continue;
		if (pid == d->render_pid) {
			d->render_pid = 0;
			if (WIFSIGNALED(status))
				warning("the site's render child failed "
					"(killed by signal %d, %s); "
					"restarting it", WTERMSIG(status),
					strsignal(WTERMSIG(status)));
			else if (WEXITSTATUS(status) != 0)
				warning("the site's render child failed (exit "
					"status %d; its messages are above); "
					"restarting it", WEXITSTATUS(status));
			continue;
		}
		for (int i = 0; i < d->ncap; i++)
			if (d->kids[i].pid == pid)
				child_exited(d, &d->kids[i], status);
	}
}

static void
check_limits(struct daemon *d)
{
	double now = time_mono();

	for (int i = 0; i < d->ncap; i++) {
		struct child *k = &d->kids[i];

		if (k->pid <= 0)
			continue;
		if (k->max_seconds > 0 && k->stop == STOP_NONE &&
		    now - k->started > k->max_seconds + TIME_GRACE) {
			info("%s: over its time limit; stopping it", k->id);
			stop_kid(d, k, STOP_TIME);
		}
		if (k->term_at > 0 && !k->killed &&
		    now - k->term_at > KILL_GRACE) {
			kill(-k->pid, SIGKILL);
			k->killed = 1;
		}
	}
}

static void
shutdown_begin(struct daemon *d, int sig)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	kids_leave(d);
	info("%s: stopping; %d job(s) to checkpoint and queue again",
	     sig == SIGINT ? "SIGINT" : "SIGTERM", d->nkids);
	for (int i = 0; i < d->ncap; i++)
		if (d->kids[i].pid > 0)
			stop_kid(d, &d->kids[i], STOP_SHUTDOWN);
}

static void
read_inotify(struct daemon *d)
{
	char buf[64 * 1024]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;

	while ((n = read(d->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;
		     p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				d->next_scan = 0;
			} else if (ev->len == 0) {
				continue;
			} else if (ev->wd == d->wd_in) {
				if (!d->stopping)
					claim(d, ev->name, 0);
			} else if (ev->wd == d->wd_ctl) {
				handle_request(d, ev->name);
			}
		}
	}
}

static void
read_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(d);
		else
			shutdown_begin(d, (int)si.ssi_signo);
	}
}

static int
watch(struct daemon *d)
{
	uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO;

	d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ifd < 0) {
		warning("inotify: %s; polling every %gs instead",
			strerror(errno), d->o->rescan > 0 ? d->o->rescan : 2);
		return 0;
	}
	d->wd_in = inotify_add_watch(d->ifd, d->sp.incoming, mask);
	d->wd_ctl = inotify_add_watch(d->ifd, d->sp.control, mask);
	if (d->wd_in < 0 || d->wd_ctl < 0) {
		warning("inotify: %s; polling instead", strerror(errno));
		close(d->ifd);
		d->ifd = -1;
	}
	return 0;
}

/* With --once: is there nothing left to do? */
static int
drained(struct daemon *d)
{
	return d->scanned && d->nkids == 0 && d->pending == 0 &&
	       d->nforeign == 0 &&
	       (d->q.n == 0 || d->slots == 0);
}

static int
next_timeout(struct daemon *d)
{
	double now = time_now(), mono = time_mono();
	double wait = d->next_scan - mono, t = queue_next_time(&d->q, now);

	if (t > 0 && t - now < wait)
		wait = t - now;
	if (d->next_beat - mono < wait)
		wait = d->next_beat - mono;
	if (d->nkids > 0 && wait > 0.5)
		wait = 0.5;
	if (wait < 0)
		wait = 0;
	return (int)(wait * 1000) + 1;
}

static void
loop(struct daemon *d, const sigset_t *old)
{
	double rescan = d->o->rescan > 0 ? d->o->rescan : 2.0;
	char id[JOB_ID_MAX + 1];
	struct pollfd pfd[3];
	int npfd;

	for (;;) {
		while (!d->stopping && d->nkids < d->slots &&
		       queue_pop(&d->q, time_now(), id))
			start_job(d, id, old);
		if (d->stopping && d->nkids == 0)
			break;
		if (d->o->once && !d->stopping && drained(d))
			break;
		start_render(d, old, 0);
		pfd[0].fd = d->sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = d->ifd;
		pfd[1].events = POLLIN;
		pfd[2].fd = d->poll_fd;
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		/* the inotify and squeue entries, absent, are skipped (-1) */
		npfd = d->poll_fd >= 0 ? 3 : d->ifd >= 0 ? 2 : 1;
		if (poll(pfd, (nfds_t)npfd, next_timeout(d)) < 0 &&
		    errno != EINTR) {
			error("poll: %s", strerror(errno));
			shutdown_begin(d, SIGTERM);
		}
		if (pfd[2].revents)
			kids_poll_read(d);
		read_signals(d);
		if (d->ifd >= 0)
			read_inotify(d);
		spool_sync(&d->sp);
		check_limits(d);
		sample_load(d);
		kids_poll_check(d);
		cancels_check(d);
		if (d->o->slurm && time_mono() >= d->next_poll)
			kids_poll(d);
		if (time_mono() >= d->next_beat)
			beat(d, 0);
		if (time_mono() >= d->next_scan) {
			scan_incoming(d);
			scan_control(d);
			check_foreign(d);
			retry_unrecorded(d);
			spool_sync(&d->sp);
			d->scanned = 1;
			d->next_scan = time_mono() +
				       (d->pending ? 0.25 : rescan);
		}
	}
}

int
daemon_run(const struct daemon_opts *o)
{
	struct daemon d;
	sigset_t set, old;
	ssize_t n;

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.lockfd = d.ifd = d.sfd = d.poll_fd = -1;
	d.slots = o->slots;
	cpuload_start(&d.load);
	d.threads = o->threads > 0 ? o->threads :
		    d.load.ncpu / (o->slots > 0 ? o->slots : 1);
	if (d.threads < 1)
		d.threads = 1;
	if (o->exe) {
		snprintf(d.exe, sizeof(d.exe), "%s", o->exe);
	} else {
		n = readlink("/proc/self/exe", d.exe, sizeof(d.exe) - 1);
		if (n < 0)
			return error("cannot find our own binary: %s",
				     strerror(errno)), 1;
		d.exe[n] = '\0';
	}
	if (spool_open(&d.sp, o->spool, o->www, o->data_root) < 0)
		return 1;
	d.sp.batch = 1;
	d.sp.allow_exec = o->allow_exec;
	d.data_root = realpath(d.sp.data_root, NULL);
	if (!d.data_root)
		d.data_root = xstrdup(d.sp.data_root);
	if (o->slurm && abs_paths(&d) < 0) {
		free(d.data_root);
		spool_release(&d.sp);
		return 1;
	}
	if (take_lock(&d) < 0) {
		free(d.data_root);
		free(d.jobs_abs);
		spool_release(&d.sp);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	d.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d.ncap = d.slots > 0 ? d.slots : 1;
	d.kids = xcalloc((size_t)d.ncap, sizeof(*d.kids));
	d.started = time_now();
	info("serving spool '%s': %d slot(s), %d thread(s) per job, data "
	     "root '%s'%s", d.sp.root, d.slots, d.threads, d.sp.data_root,
	     o->slurm ? ", jobs run in Slurm" : "");
	spool_group_recover(&d.sp);
	recover(&d);
	beat(&d, 0);
	/* arm the watch first, then scan: nothing slips in between */
	watch(&d);
	loop(&d, &old);
	kids_poll_end(&d);
	/* one last render, so the site shows how every job ended */
	beat(&d, 1);
	stop_render(&d);
	start_render(&d, &old, 1);
	wait_render(&d);
	info("runner stopped");
	for (size_t i = 0; i < d.nforeign; i++)
		free(d.foreign[i]);
	free(d.foreign);
	free(d.unrec);
	for (size_t i = 0; i < d.nreported; i++)
		free(d.reported[i].path);
	free(d.reported);
	free(d.kids);
	free(d.data_root);
	free(d.jobs_abs);
	queue_release(&d.q);
	if (d.ifd >= 0)
		close(d.ifd);
	close(d.sfd);
	close(d.lockfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	spool_release(&d.sp);
	return 0;
}
