/*
 * watch.c - keep the static dashboard up to date with inotify; see watch.h.
 *
 * One inotify descriptor watches the spool folder (for jobs/, rejected/
 * and groups/ appearing), SPOOL/jobs/ (job folders created, moved or
 * removed), every job folder and its checkpoints/ (files written or moved
 * in), SPOOL/rejected/, SPOOL/groups/ and each group's folder. Each watch
 * descriptor is kept with what it watches and, for a job, its ID. An
 * event marks its job dirty (one in rejected/ or groups/, or the runner's
 * runner.json rewritten, only asks for a render: the index and the
 * runner's status are always rewritten, and a render looks at every
 * group.json's identity, reading only those that changed); the first
 * event of a batch arms a deadline, and at the deadline the dirty jobs
 * and the shared pages are rendered with site_render_ids. The
 * deadline is SETTLE (2 ms: a trainer writes state.json, metrics.csv and
 * the log one after the other) after the first change, but never less
 * than COALESCE (200 ms) after the start of the previous render: a quiet
 * spool's change shows at once, a busy spool's changes are rendered
 * together at most five times a second. The summaries and index rows of
 * the other jobs, and the list of job folders, are kept in memory between
 * renders, so a change reads only the changed jobs from the spool, and
 * their pages are written before anything else (site.c). SIGTERM and SIGINT come through a
 * signalfd, so the loop ends between renders, never inside one.
 */
#include "render/watch.h"
#include "job/heartbeat.h"
#include "job/state.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "render/group.h"
#include "render/site.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define SETTLE 0.002	/* seconds from the first change to the render */
#define COALESCE 0.2	/* ... but at least this from the previous one */
#define LISTS_EVERY 5.0	/* jobs.json, jobs.csv, feed.xml: at most this
			   often (seconds) */

#define ID_MAX 64

enum wkind { W_SPOOL, W_JOBS, W_JOB, W_CHECKPOINTS, W_REJECTED, W_GROUPS,
	     W_GROUP };

struct wentry {
	int wd;
	enum wkind kind;
	char id[ID_MAX + 1];	/* W_JOB, W_CHECKPOINTS: the job */
};

struct watcher {
	const struct site_opts *o;
	int fd;
	struct wentry *w;
	size_t nw, cap;
	char **dirty;		/* job IDs to render again */
	size_t ndirty;
	json_t *cache;		/* job summaries by ID (site_render_ids) */
	int all;		/* render everything */
	struct site_opts lazy;	/* o, but jobs.json, jobs.csv and feed.xml
				   deferred (defer_lists) */
	double lists_at;	/* when they were last written (monotonic) */
	int lists_stale;	/* a render since then deferred them */
};

static struct wentry *
find_wd(struct watcher *wt, int wd)
{
	for (size_t i = 0; i < wt->nw; i++)
		if (wt->w[i].wd == wd)
			return &wt->w[i];
	return NULL;
}

/* Watch path as kind (id for a job); a missing folder is not an error. */
static void
add_watch(struct watcher *wt, const char *path, uint32_t mask,
	  enum wkind kind, const char *id)
{
	int wd = inotify_add_watch(wt->fd, path, mask | IN_ONLYDIR);
	struct wentry *e;

	if (wd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			warning("cannot watch '%s': %s", path,
				strerror(errno));
		return;
	}
	e = find_wd(wt, wd);
	if (!e) {
		if (wt->nw == wt->cap) {
			wt->cap = wt->cap ? 2 * wt->cap : 64;
			wt->w = xreallocarray(wt->w, wt->cap, sizeof(*wt->w));
		}
		e = &wt->w[wt->nw++];
	}
	e->wd = wd;
	e->kind = kind;
	snprintf(e->id, sizeof(e->id), "%s", id ? id : "");
}

#define JOB_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE \
		  | IN_CREATE)

/* Watch the folder of job id and its checkpoints/. */
static void
watch_job(struct watcher *wt, const char *id)
{
	char *dir = xasprintf("%s/jobs/%s", wt->o->spool, id);
	char *ck = path_join(dir, JOB_CHECKPOINTS);

	add_watch(wt, dir, JOB_MASK, W_JOB, id);
	add_watch(wt, ck, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
		  IN_DELETE, W_CHECKPOINTS, id);
	free(ck);
	free(dir);
}

#define GROUP_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

/* Watch groups/ and the folder of every group there is. */
static void
watch_groups(struct watcher *wt)
{
	char *groups = path_join(wt->o->spool, GROUP_DIR);
	DIR *d;
	struct dirent *e;

	add_watch(wt, groups, IN_CREATE | IN_DELETE | IN_MOVED_FROM |
		  IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF, W_GROUPS, NULL);
	d = opendir(groups);
	while (d && (e = readdir(d)))
		if (name_is_safe(e->d_name)) {
			char *g = path_join(groups, e->d_name);

			add_watch(wt, g, GROUP_MASK, W_GROUP, NULL);
			free(g);
		}
	if (d)
		closedir(d);
	free(groups);
}

/* Watch the spool, jobs/, rejected/, groups/ and every job folder. */
static void
watch_all(struct watcher *wt)
{
	char *jobs = path_join(wt->o->spool, "jobs");
	char *rej = path_join(wt->o->spool, "rejected");
	DIR *d;
	struct dirent *e;

	add_watch(wt, wt->o->spool, IN_CREATE | IN_MOVED_TO, W_SPOOL, NULL);
	watch_groups(wt);
	add_watch(wt, jobs, IN_CREATE | IN_DELETE | IN_MOVED_FROM |
		  IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF, W_JOBS, NULL);
	add_watch(wt, rej, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
		  IN_DELETE, W_REJECTED, NULL);
	d = opendir(jobs);
	while (d && (e = readdir(d)))
		if (name_is_safe(e->d_name) && strlen(e->d_name) <= ID_MAX)
			watch_job(wt, e->d_name);
	if (d)
		closedir(d);
	free(rej);
	free(jobs);
}

static void
mark(struct watcher *wt, const char *id)
{
	if (!name_is_safe(id) || strlen(id) > ID_MAX)
		return;
	for (size_t i = 0; i < wt->ndirty; i++)
		if (strcmp(wt->dirty[i], id) == 0)
			return;
	wt->dirty = xreallocarray(wt->dirty, wt->ndirty + 1,
				  sizeof(*wt->dirty));
	wt->dirty[wt->ndirty++] = xstrdup(id);
}

/* Note what one event changes; 1 when it changes anything. */
static int
handle(struct watcher *wt, const struct inotify_event *ev)
{
	const char *name = ev->len ? ev->name : "";
	struct wentry *e;

	if (ev->mask & IN_Q_OVERFLOW) {
		warning("watch: inotify queue overflowed, rendering all");
		wt->all = 1;
		watch_all(wt);
		return 1;
	}
	e = find_wd(wt, ev->wd);
	if (!e)
		return 0;
	if (ev->mask & IN_IGNORED) {
		*e = wt->w[--wt->nw];
		return 0;
	}
	switch (e->kind) {
	case W_SPOOL:
		if (!strcmp(name, GROUP_DIR)) {
			watch_groups(wt);
			return 1;
		}
		/* the runner's heartbeat: the shared pages only */
		if (!strcmp(name, HEARTBEAT_FILE))
			return 1;
		if (strcmp(name, "jobs") && strcmp(name, "rejected"))
			return 0;
		watch_all(wt);
		wt->all = 1;
		return 1;
	case W_JOBS:
		if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
			wt->all = 1;
			return 1;
		}
		if ((ev->mask & IN_ISDIR) &&
		    (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
		    name_is_safe(name) && strlen(name) <= ID_MAX)
			watch_job(wt, name);
		mark(wt, name);
		return 1;
	case W_JOB:
		if ((ev->mask & IN_ISDIR) &&
		    (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
		    strcmp(name, JOB_CHECKPOINTS) == 0) {
			char *ck = xasprintf("%s/jobs/%s/checkpoints",
					     wt->o->spool, e->id);

			add_watch(wt, ck, IN_CLOSE_WRITE | IN_MOVED_TO |
				  IN_MOVED_FROM | IN_DELETE, W_CHECKPOINTS,
				  e->id);
			free(ck);
		}
		mark(wt, e->id);
		return 1;
	case W_CHECKPOINTS:
		mark(wt, e->id);
		return 1;
	case W_REJECTED:
		return 1;	/* the index only: every render writes it */
	case W_GROUPS:
		if ((ev->mask & IN_ISDIR) &&
		    (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
		    name_is_safe(name)) {
			char *g = xasprintf("%s/" GROUP_DIR "/%s",
					    wt->o->spool, name);

			add_watch(wt, g, GROUP_MASK, W_GROUP, NULL);
			free(g);
		}
		return 1;
	case W_GROUP:
		return 1;	/* its group.json: the render reads it again */
	}
	return 0;
}

/* Read the pending events; 1 when any changed anything. */
static int
read_events(struct watcher *wt)
{
	char buf[64 * 1024]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;

	for (;;) {
		ssize_t n = read(wt->fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			changed |= handle(wt, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

/*
 * Render what changed since the last render, then forget it. jobs.json,
 * jobs.csv and feed.xml (every job in each: megabytes at 10,000 jobs)
 * are written when LISTS_EVERY has passed since they last were, and
 * else left for a later render (watch_run arms it).
 */
static void
render_dirty(struct watcher *wt)
{
	char *none[1] = { NULL };
	double now = time_mono();
	int rc, lists = wt->all || now >= wt->lists_at + LISTS_EVERY;

	if (wt->all)
		json_object_clear(wt->cache);
	/* no job changed (rejected/, groups/): no job to read, not all */
	rc = site_render_ids(lists ? wt->o : &wt->lazy, wt->all ? NULL :
			     wt->dirty ? wt->dirty : none, wt->ndirty,
			     wt->cache);
	if (lists) {
		wt->lists_at = now;
		wt->lists_stale = 0;
	} else {
		wt->lists_stale = 1;
	}
	if (rc < 0)
		warning("watch: rendering the site failed; going on");
	for (size_t i = 0; i < wt->ndirty; i++)
		free(wt->dirty[i]);
	free(wt->dirty);
	wt->dirty = NULL;
	wt->ndirty = 0;
	wt->all = 0;
}

int
watch_run(const struct site_opts *o)
{
	struct watcher wt = { .o = o, .lazy = *o };
	sigset_t set, old;
	struct pollfd pfd[2];
	double deadline = 0, last = 0;	/* monotonic seconds */
	int sfd, rc = 0;

	wt.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (wt.fd < 0)
		return error("inotify: %s", strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		rc = error("signalfd: %s", strerror(errno));
		goto out;
	}
	/* arm the watches first, then render: nothing slips in between */
	watch_all(&wt);
	wt.cache = json_object();
	wt.lazy.defer_lists = 1;
	if (site_render_ids(o, NULL, 0, wt.cache) < 0) {
		rc = -1;
		goto out;
	}
	wt.lists_at = time_mono();
	for (;;) {
		int timeout = -1;
		double wake = deadline, due = wt.lists_at + LISTS_EVERY;

		/* lists deferred: a render, of no job, writes them when due */
		if (wt.lists_stale && (wake == 0 || due < wake))
			wake = due;
		if (wake > 0) {
			double left = wake - time_mono();

			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		pfd[0].fd = wt.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			rc = error("poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			/* taken now, so it is not delivered when unblocked */
			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				break;
		}
		if ((pfd[0].revents & POLLIN) && read_events(&wt) &&
		    deadline == 0)
			deadline = fmax(time_mono() + SETTLE,
					last + COALESCE);
		if ((deadline > 0 && time_mono() >= deadline) ||
		    (wt.lists_stale && time_mono() >= due)) {
			deadline = 0;
			last = time_mono();
			render_dirty(&wt);
		}
	}
out:
	for (size_t i = 0; i < wt.ndirty; i++)
		free(wt.dirty[i]);
	free(wt.dirty);
	free(wt.w);
	json_decref(wt.cache);
	if (sfd >= 0)
		close(sfd);
	close(wt.fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
