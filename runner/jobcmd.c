/*
 * jobcmd.c - submit, ls, cancel, retry, rm, export; see jobcmd.h.
 */
#include "runner/jobcmd.h"
#include "lib/arc.h"
#include "job/artifacts.h"
#include "job/config.h"
#include "job/heartbeat.h"
#include "job/preset.h"
#include "job/state.h"
#include "job/sweep.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "runner/spool.h"
#include "runner/train/train.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>


/* Open an existing spool (nothing is created). 0 or -1 after error(). */
static int
open_existing(struct spool *sp, const char *root)
{
	char *jobs = path_join(root, "jobs");
	struct stat st;
	int ok = stat(jobs, &st) == 0 && S_ISDIR(st.st_mode);

	free(jobs);
	if (!ok)
		return error("'%s' is not a spool (no jobs/ directory); "
			     "start `spoolboard run --spool %s` first or use "
			     "--spool", root, root);
	return spool_open(sp, root, NULL, "/");
}

/*
 * Copy data into incoming/ under base or base-2.json, ... atomically:
 * through a hidden temporary (incoming/.submit.tmp.XXXXXXXX, random, made
 * by file_write_temp), which the runner ignores for its leading '.'.
 */
static char *
submit_one(struct spool *sp, const char *base, const char *data, size_t len)
{
	char *hidden = path_join(sp->incoming, ".submit");
	char *tmp = file_write_temp(hidden, data, len, 1);
	size_t blen = strlen(base) - 5;
	char *name = NULL, *path;

	free(hidden);
	if (!tmp)
		return NULL;
	for (unsigned k = 1; k < 100000; k++) {
		name = k == 1 ? xstrdup(base) :
		       xasprintf("%.*s-%u.json", (int)blen, base, k);
		path = path_join(sp->incoming, name);
		/* rename without replacing: IN_MOVED_TO tells the runner */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
			      RENAME_NOREPLACE) == 0) {
			free(path);
			break;
		}
		if (errno != EEXIST) {
			error("cannot move '%s' to '%s': %s", tmp, path,
			      strerror(errno));
			unlink(tmp);
			free(path);
			free(name);
			name = NULL;
			break;
		}
		free(path);
		free(name);
		name = NULL;
	}
	if (name)
		fsync_parent(tmp);
	free(tmp);
	return name;
}

/* A config file read as submit reads it. */
struct loaded {
	char *data;		/* its bytes */
	size_t len;
	json_t *doc;		/* extends merged */
	int extended;		/* it had an extends */
	struct sweep sw;	/* sw.n > 0: a sweep */
	struct config cfg;	/* not a sweep: the config */
};

static void
loaded_release(struct loaded *l)
{
	free(l->data);
	json_decref(l->doc);
	if (l->sw.n)
		sweep_release(&l->sw);
	if (l->cfg.json)
		config_release(&l->cfg);
	memset(l, 0, sizeof *l);
}

/*
 * Read file, merge its presets (looked for beside it, then in
 * SPOOL/presets when the spool has that folder) and validate it: every
 * member when it is a sweep. 0, or 1 with the problems on stderr.
 */
static int
load_file(const char *spool, const char *file, struct loaded *l)
{
	struct strbuf problems = STRBUF_INIT;
	char *presets = path_join(spool, "presets");
	struct preset_opts po = { NULL, NULL, 0 };
	struct stat st;
	char *stem = config_stem(file);
	int n = 1;

	memset(l, 0, sizeof *l);
	if (stat(presets, &st) == 0 && S_ISDIR(st.st_mode)) {
		po.presets = presets;
		po.presets_shown = presets;
	}
	l->data = config_read(file, 0, &l->len, NULL, &problems);
	if (l->data)
		l->doc = config_doc(file, file, l->data, l->len, &po,
				    &problems);
	if (l->doc) {
		char err[256];
		json_t *raw = json_load_buf(file, l->data, l->len, err,
					    sizeof err);

		l->extended = json_object_get(raw, "extends") != NULL;
		json_decref(raw);
		if (sweep_present(l->doc)) {
			n = sweep_expand(&l->sw, l->doc, file, stem,
					 &problems);
		} else {
			n = config_from_json(&l->cfg, l->doc, file, stem,
					     &problems);
		}
	}
	if (n) {
		fflush(stdout);
		fputs(sb_str(&problems), stderr);
		loaded_release(l);
	}
	sb_release(&problems);
	free(presets);
	free(stem);
	return n ? 1 : 0;
}

/*
 * Check the data of l's config (of each distinct data setup among a
 * sweep's members: data, model, loss and batch size) below data_root, as
 * the trainer will, in its words. 0, or 1 with the problems on stderr.
 */
static int
check_data(const char *file, const struct loaded *l, const char *data_root)
{
	size_t n = l->sw.n ? l->sw.n : 1;
	json_t *seen = json_object();
	int bad = 0;

	if (!seen)
		die_oom();
	for (size_t i = 0; i < n; i++) {
		const struct config *cfg = l->sw.n ? &l->sw.cfgs[i] : &l->cfg;
		/* an exec job has no data: its workdir is checked */
		json_t *k = cfg->exec.argv ? json_pack("{s:s}", "workdir",
			cfg->exec.workdir) : json_pack("{s:O,s:O,s:O,s:i}",
			"data", json_object_get(cfg->json, "data"), "model",
			json_object_get(cfg->json, "model"), "loss",
			json_object_get(cfg->json, "loss"), "batch",
			cfg->train.batch_size);
		char *key = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
		int q, rc;

		json_decref(k);
		if (!key)
			die_oom();
		if (json_object_get(seen, key)) {
			free(key);
			continue;
		}
		json_object_set_new(seen, key, json_true());
		free(key);
		q = error_set_quiet(1);
		error_clear();
		rc = train_check_data(cfg, data_root);
		error_set_quiet(q);
		if (rc == 0)
			continue;
		bad = 1;
		fflush(stdout);
		if (l->sw.n) {
			char *text = sweep_member_text(&l->sw, i);

			fprintf(stderr, "%s: member %zu of %zu (%.80s): %s\n",
				file, i + 1, n, text, error_last());
			free(text);
		} else {
			fprintf(stderr, "%s: %s\n", file, error_last());
		}
	}
	json_decref(seen);
	return bad;
}

int
jobcmd_validate(const char *spool, char *const *files, int n, int sweeps,
		const char *data_root)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		struct loaded l;
		struct strbuf table = STRBUF_INIT;

		if (load_file(spool, files[i], &l) != 0) {
			status = 1;
			continue;
		}
		if (data_root && !(sweeps && !l.sw.n) &&
		    check_data(files[i], &l, data_root) != 0) {
			status = 1;
		} else if (l.sw.n) {
			sweep_table(&l.sw, &table);
			printf("%s: ok: a sweep of %zu job%s, ranked by %s "
			       "(%s)\n%s", files[i], l.sw.n,
			       l.sw.n == 1 ? "" : "s", l.sw.metric,
			       l.sw.maximize ? "highest first" :
			       "lowest first", sb_str(&table));
		} else if (sweeps) {
			error("%s: no sweep in it (a \"sweep\" member); it is "
			      "one job: spoolboard submit %s", files[i],
			      files[i]);
			status = 1;
		} else {
			/* valid, but a runner may still refuse to run it */
			printf("%s: ok%s\n", files[i], l.cfg.exec.argv ?
			       ": an exec job, run only by a runner started "
			       "with --allow-exec" : "");
		}
		sb_release(&table);
		loaded_release(&l);
	}
	return status;
}

/*
 * Does a runner serve the spool: is runner.lock flock'ed? Asked with a
 * shared lock on a read-only descriptor (ls changes nothing, and may not
 * be allowed to write the spool). 1 yes, 0 no, -1 unknown (the file
 * cannot be opened: a link, no permission).
 */
static int
runner_serving(const struct spool *sp)
{
	char *path = path_join(sp->root, "runner.lock");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int up;

	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	up = flock(fd, LOCK_SH | LOCK_NB) < 0 ?
	     (errno == EWOULDBLOCK ? 1 : -1) : 0;
	close(fd);
	return up;
}

/*
 * The data root of the runner serving sp (runner.json), a new string, or
 * NULL when no runner serves it (or it did not say), after a word on
 * stderr: the configs then wait in incoming/ unchecked. *no_exec is 1
 * when a runner serves it and does not run exec jobs (it has no
 * --allow-exec, or is too old to say), else 0.
 */
static char *
served_data_root(const struct spool *sp, int *no_exec)
{
	int up = runner_serving(sp);
	json_t *hb = heartbeat_read(sp->root, time_now());
	const char *root = json_str(hb, "data_root", NULL);
	char *r = NULL;

	*no_exec = 0;
	if (up == 0 || (up < 0 && strcmp(json_str(hb, "state", ""), "up"))) {
		fprintf(stderr, "spoolboard: no runner serves '%s': the "
			"config waits in incoming/ until one starts "
			"(spoolboard run --spool %s)\n", sp->root, sp->root);
	} else {
		*no_exec = !json_is_true(json_object_get(hb, "allow_exec"));
		if (root && root[0] == '/')
			r = xstrdup(root);
	}
	json_decref(hb);
	return r;
}

/* Is l an exec job, or a sweep with one? */
static int
has_exec(const struct loaded *l)
{
	for (size_t i = 0; i < l->sw.n; i++)
		if (l->sw.cfgs[i].exec.argv)
			return 1;
	return !l->sw.n && l->cfg.exec.argv;
}

int
jobcmd_submit(const char *root, char *const *files, int n, int sweeps)
{
	struct spool sp;
	char *data_root;
	int status = 0, no_exec;

	if (spool_open(&sp, root, NULL, "/") < 0)
		return 1;
	data_root = served_data_root(&sp, &no_exec);
	for (int i = 0; i < n; i++) {
		char *copy, *base, *data, *name = NULL;
		struct loaded l;
		size_t len;

		if (load_file(root, files[i], &l) != 0) {
			status = 1;
			continue;
		}
		if (sweeps && !l.sw.n) {
			error("%s: no sweep in it (a \"sweep\" member); it is "
			      "one job: spoolboard submit %s", files[i],
			      files[i]);
			loaded_release(&l);
			status = 1;
			continue;
		}
		/* a runner that would reject it: nothing is copied */
		if (no_exec && has_exec(&l)) {
			fprintf(stderr, "%s: not submitted: the runner serving "
				"'%s' does not run exec jobs (it was started "
				"without --allow-exec, docs/exec.md)\n",
				files[i], root);
			loaded_release(&l);
			status = 1;
			continue;
		}
		/* the data as the runner will see it, before anything is
		   copied: a job that can only fail is not queued */
		if (data_root && check_data(files[i], &l, data_root) != 0) {
			fprintf(stderr, "%s: not submitted: the runner serving "
				"'%s' reads data below '%s' (its --data-root); "
				"put the data there, or restart the runner "
				"with --data-root DIR (make run DATA_ROOT=DIR)"
				"\n", files[i], root, data_root);
			loaded_release(&l);
			status = 1;
			continue;
		}
		/* presets are merged here, where they were found: the
		   runner gets one self-contained config */
		if (l.extended) {
			data = json_to_string(l.doc);
			len = strlen(data);
		} else {
			data = l.data;
			len = l.len;
			l.data = NULL;
		}
		copy = xstrdup(files[i]);
		base = basename(copy);
		if (spool_name_counts(base)) {
			name = submit_one(&sp, base, data, len);
		} else {
			/* a name the runner would ignore: make one it takes */
			char *b = xasprintf("%s.json", base[0] == '.' ||
				base[0] == '~' ? "job" : base);

			name = submit_one(&sp, b, data, len);
			free(b);
		}
		if (name && l.sw.n)
			printf("%s/%s: a sweep of %zu job%s\n", sp.incoming,
			       name, l.sw.n, l.sw.n == 1 ? "" : "s");
		else if (name)
			printf("%s/%s\n", sp.incoming, name);
		else
			status = 1;
		free(name);
		free(copy);
		free(data);
		loaded_release(&l);
	}
	free(data_root);
	spool_release(&sp);
	return status;
}

void
jobcmd_bar(double frac, int width, char *buf, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	int full;

	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	full = (int)(frac * width + 0.5);
	sb_addc(&sb, '[');
	for (int i = 0; i < width; i++)
		sb_addc(&sb, i < full ? '#' : '.');
	sb_addf(&sb, "] %3d%%", (int)(frac * 100 + 0.5));
	snprintf(buf, n, "%s", sb_str(&sb));
	sb_release(&sb);
}

/* Oldest first, in the queue order's tie-breakers (job_order_age_cmp). */
static int
state_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	struct job_order ox, oy;

	job_order_of(x, &ox);
	job_order_of(y, &oy);
	return job_order_age_cmp(&ox, json_str(x, "id", ""), &oy,
				 json_str(y, "id", ""));
}

/* Every job's state.json, oldest first; damaged ones skipped. */
static json_t **
load_states(struct spool *sp, size_t *n)
{
	DIR *dir = opendir(sp->jobs);
	struct dirent *de;
	json_t **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!dir) {
		error("cannot open '%s': %s", sp->jobs, strerror(errno));
		return NULL;
	}
	while ((de = readdir(dir))) {
		char *dir, err[256];
		json_t *st;

		if (!job_id_valid(de->d_name)) {
			if (de->d_name[0] != '.')
				warning("%s/%s: not a job ID, left out",
					sp->jobs, de->d_name);
			continue;
		}
		if (de->d_type == DT_LNK) {
			warning("%s/%s: a symbolic link, not a job folder; "
				"left out", sp->jobs, de->d_name);
			continue;
		}
		dir = path_join(sp->jobs, de->d_name);
		st = job_state_read(dir, err, sizeof(err));
		free(dir);
		if (!st)
			continue;
		/* the directory name is the ID, whatever the file says */
		json_object_set_new(st, "id", json_string(de->d_name));
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = st;
	}
	closedir(dir);
	if (*n)
		qsort(v, *n, sizeof(*v), state_cmp);
	return v;
}

/* Oldest first, then by name. */
static int
waiting_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double tx = json_dbl(x, "mtime", 0), ty = json_dbl(y, "mtime", 0);

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(json_str(x, "file", ""), json_str(y, "file", ""));
}

/*
 * The configs waiting in incoming/ (names spool_name_counts, regular
 * files: never a link followed), appended to *v as {id: null, file:
 * "incoming/NAME", status: "waiting", created}, oldest first. A runner
 * claims them within a scan; they stay when it is down or the disk is
 * full.
 */
static void
load_waiting(struct spool *sp, json_t ***v, size_t *n)
{
	DIR *dir = opendir(sp->incoming);
	struct dirent *de;
	size_t first = *n, cap = *n;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct stat st;
		char when[64], *file;
		json_t *w;

		if (!spool_name_counts(de->d_name) ||
		    fstatat(dirfd(dir), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		time_iso8601((double)st.st_mtim.tv_sec +
			     st.st_mtim.tv_nsec / 1e9, when, sizeof(when));
		file = xasprintf("incoming/%s", de->d_name);
		w = json_pack("{s:n, s:s, s:s, s:s, s:f}", "id", "file", file,
			      "status", "waiting", "created", when, "mtime",
			      (double)st.st_mtim.tv_sec +
			      st.st_mtim.tv_nsec / 1e9);
		free(file);
		if (!w)
			die_oom();
		if (*n >= cap) {
			cap = cap ? cap * 2 : 16;
			*v = xreallocarray(*v, cap, sizeof(**v));
		}
		(*v)[(*n)++] = w;
	}
	closedir(dir);
	if (*n > first)
		qsort(*v + first, *n - first, sizeof(**v), waiting_cmp);
	for (size_t i = first; i < *n; i++)
		json_object_del((*v)[i], "mtime");
}

/* What ls prints in its ID column: the ID, or the waiting config. */
static const char *
ls_name(json_t *st)
{
	const char *id = json_str(st, "id", NULL);

	return id ? id : json_str(st, "file", "?");
}

int
jobcmd_ls(const char *root, int as_json)
{
	struct spool sp;
	size_t n, w = 2, nwait = 0;
	int up;
	json_t **v, *arr;
	double now = time_now();

	if (open_existing(&sp, root) < 0)
		return 1;
	v = load_states(&sp, &n);
	load_waiting(&sp, &v, &n);
	up = runner_serving(&sp);
	spool_release(&sp);
	for (size_t i = 0; i < n; i++)
		nwait += json_str(v[i], "id", NULL) == NULL;
	/* on stderr, so that the table stays a table for scripts */
	if (!as_json && up == 0 && nwait)
		fprintf(stderr, "spoolboard: no runner serves '%s': %zu "
			"config%s wait%s in incoming/; start one: spoolboard "
			"run --spool %s\n", root, nwait, nwait == 1 ? "" : "s",
			nwait == 1 ? "s" : "", root);
	else if (!as_json && up == 0)
		fprintf(stderr, "spoolboard: no runner serves '%s'; start "
			"one: spoolboard run --spool %s\n", root, root);
	if (as_json) {
		char *s;

		arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, v[i]);
		s = json_to_string(arr);
		fputs(s, stdout);
		free(s);
		json_decref(arr);
		free(v);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strlen(ls_name(v[i])) > w)
			w = strlen(ls_name(v[i]));
	printf("%-*s  %-9s  %-17s  %-9s  %-13s  %s\n", (int)w, "ID", "STATUS",
	       "PROGRESS", "EPOCH", "BEST_VAL_LOSS", "AGE");
	for (size_t i = 0; i < n; i++) {
		/* the best, as the dashboard shows it, not the last epoch's */
		json_t *st = v[i], *vl = json_object_get(json_object_get(st,
			"best"), "val_loss");
		int waiting = json_str(st, "id", NULL) == NULL;
		char bar[64], ep[32], loss[32], age[32];
		double created = time_parse_iso8601(json_str(st, "created",
							     ""));

		if (waiting)
			snprintf(bar, sizeof(bar), "-");
		else
			jobcmd_bar(json_dbl(st, "progress", 0), 10, bar,
				   sizeof(bar));
		if (waiting)
			snprintf(ep, sizeof(ep), "-");
		else
			snprintf(ep, sizeof(ep), "%lld/%lld",
				 (long long)json_int(st, "epoch", 0),
				 (long long)json_int(st, "epochs", 0));
		if (json_is_number(vl))
			snprintf(loss, sizeof(loss), "%.4g",
				 json_number_value(vl));
		else
			snprintf(loss, sizeof(loss), "-");
		if (created >= 0)
			time_duration(now - created, age, sizeof(age));
		else
			snprintf(age, sizeof(age), "-");
		printf("%-*s  %-9s  %-17s  %-9s  %-13s  %s\n", (int)w,
		       ls_name(st), json_str(st, "status", "?"), bar, ep, loss,
		       age);
		json_decref(st);
	}
	free(v);
	return 0;
}

/* Does a request apply to a job in this status? NULL yes, else why not. */
static const char *
refusal(enum control_action a, int status)
{
	int finished = job_status_finished(status);

	if (a == CONTROL_CANCEL && finished)
		return "it has already finished";
	if ((a == CONTROL_RETRY || a == CONTROL_RETRY_FRESH) && !finished)
		return "only a finished job can be retried";
	if (a == CONTROL_RM && !finished)
		return "only a finished job can be removed; cancel it first";
	return NULL;
}

/*
 * Is a runner serving the spool? If not, *fd holds its lock for us. A
 * runner.lock that is not a regular file (a link) is never opened: no
 * runner can serve the spool then (it refuses the same file).
 */
static int
runner_up(struct spool *sp, int *fd)
{
	char *path = path_join(sp->root, "runner.lock");

	*fd = file_open_regular(path, O_RDWR | O_CREAT);
	free(path);
	if (*fd < 0)
		return 0;
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	close(*fd);
	*fd = -1;
	return 1;
}

static int
control_one(struct spool *sp, const char *id, enum control_action a)
{
	static const char *const done[] = {
		[CONTROL_CANCEL] = "cancelled",
		[CONTROL_RETRY] = "queued again",
		[CONTROL_RETRY_FRESH] = "queued again, from the start",
		[CONTROL_RM] = "removed",
	};
	const char *why;
	json_t *st;
	int status;
	char *dir, *cpath;
	int fd, requeued, rc = 0;

	if (!job_id_valid(id))
		return error("'%s': not a job ID (letters, digits, '.', '_' "
			     "and '-', at most %d, not starting with '.' or "
			     "'-')", id, JOB_ID_MAX);
	dir = path_join(sp->jobs, id);
	if (access(dir, F_OK) < 0) {
		free(dir);
		return error("%s: no such job in '%s'", id, sp->jobs);
	}
	free(dir);
	st = spool_state_read(sp, id);
	if (!st)
		return -1;
	status = job_status_of(st);
	why = refusal(a, status);
	if (why) {
		error("%s: cannot %s: %s (it is %s)", id,
		      control_action_name(a), why, job_status_name(status));
		json_decref(st);
		return -1;
	}
	json_decref(st);
	if (control_write(sp, id, a) < 0)
		return -1;
	if (runner_up(sp, &fd)) {
		printf("%s: %s requested\n", id, control_action_name(a));
		return 0;
	}
	/* no runner: carry the request out now, holding its lock */
	cpath = xasprintf("%s/%s.%s", sp->control, id,
			  control_action_name(a));
	if (control_apply(sp, id, a, &requeued) == 0)
		printf("%s: %s\n", id, done[a]);
	else
		rc = -1;
	unlink(cpath);
	free(cpath);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Is id a group's (and no job's)? */
static int
is_group(const struct spool *sp, const char *id)
{
	char *job = path_join(sp->jobs, id), *group = path_join(sp->groups,
								 id);
	int yes = job_id_valid(id) && access(job, F_OK) < 0 &&
		  errno == ENOENT && access(group, F_OK) == 0;

	free(job);
	free(group);
	return yes;
}

/*
 * The state of job id when it is a member of the group gid (its
 * state.json says so: a group.json alone could list anyone's job), a
 * new reference; else NULL, quietly.
 */
static json_t *
member_state(const struct spool *sp, const char *id, const char *gid)
{
	char *dir = path_join(sp->jobs, id);
	char err[512];
	json_t *st = job_id_valid(id) ? job_state_read(dir, err, sizeof err) :
		     NULL;

	free(dir);
	if (st && strcmp(json_str(st, "group", ""), gid) != 0) {
		json_decref(st);
		st = NULL;
	}
	return st;
}

/* How many members of the group gid (in gdir) are still there? */
static size_t
members_left(const struct spool *sp, const char *gid, const char *gdir)
{
	char err[512];
	json_t *g = job_group_read(gdir, err, sizeof err), *m;
	size_t i, n = 0;

	json_array_foreach(json_object_get(g, "members"), i, m) {
		json_t *st = member_state(sp, json_str(m, "id", ""), gid);

		n += st != NULL;
		json_decref(st);
	}
	json_decref(g);
	return n;
}

/*
 * Request a for every member of the group gid to which it applies (a
 * finished member is not cancelled, a running one neither retried nor
 * removed); rm then removes the group itself once no member is left.
 * 0 or -1.
 */
static int
control_group(struct spool *sp, const char *gid, enum control_action a)
{
	char *gdir = path_join(sp->groups, gid);
	size_t total = 0, acted = 0, skipped = 0, left = 0, i;
	char err[512];
	json_t *g, *m;
	int rc = 0;

	g = job_group_read(gdir, err, sizeof err);
	if (!g) {
		free(gdir);
		return error("%s: %s", gid, err);
	}
	json_array_foreach(json_object_get(g, "members"), i, m) {
		const char *id = json_str(m, "id", "");
		json_t *st;

		total++;
		st = member_state(sp, id, gid);
		if (!st) {
			/* removed, or no member of this group */
		} else if (refusal(a, job_status_of(st))) {
			skipped++;
			left++;
		} else if (control_one(sp, id, a) < 0) {
			rc = -1;
			left++;
		} else {
			acted++;
			left += a != CONTROL_RM;
		}
		json_decref(st);
	}
	json_decref(g);
	printf("%s: %s for %zu of %zu members", gid,
	       control_action_name(a), acted, total);
	if (skipped)
		printf(" (%zu %s)", skipped, a == CONTROL_CANCEL ?
		       "had finished" : "had not finished");
	printf("\n");
	/* with a runner up, rm is only requested: the runner removes the
	   members in a moment, then the group can go */
	if (a == CONTROL_RM && left == 0 && rc == 0) {
		for (int k = 0; k < 100 && members_left(sp, gid, gdir); k++)
			usleep(50000);
		if (members_left(sp, gid, gdir))
			rc = error("%s: members are still there; the group "
				   "stays (run rm %s again once they are "
				   "gone)", gid, gid);
		else if (file_remove_tree(gdir) == 0)
			printf("%s: group removed\n", gid);
		else
			rc = -1;
	}
	free(gdir);
	return rc;
}

int
jobcmd_control(const char *root, char *const *ids, int n,
	       enum control_action a)
{
	struct spool sp;
	int status = 0;

	if (open_existing(&sp, root) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		int rc = is_group(&sp, ids[i]) ?
			 control_group(&sp, ids[i], a) :
			 control_one(&sp, ids[i], a);

		if (rc < 0)
			status = 1;
	}
	spool_release(&sp);
	return status;
}

/*
 * Read the export member name from the directory open on dir into *m
 * (named shown in the archive). A member that is not there is left out
 * silently; one that is a link, a FIFO, a device or a directory, or
 * larger than JOB_EXPORT_MAX, is left out with a warning: the spool is a
 * trust boundary and export packs only the job's own regular files.
 * Returns 1 read, 0 left out, -1 after error() (it could not be read).
 */
static int
export_member(int dir, const char *name, const char *shown,
	      struct arc_member *m)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return error("cannot stat '%s': %s", shown, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		warning("export: left out '%s': %s", shown,
			S_ISLNK(st.st_mode) ? "a symbolic link, not a file" :
			"not a regular file");
		return 0;
	}
	if ((uintmax_t)st.st_size > JOB_EXPORT_MAX) {
		warning("export: left out '%s': larger than %zu bytes",
			shown, JOB_EXPORT_MAX);
		return 0;
	}
	m->data = file_read_regular_at(dir, name, NULL, &m->size,
				       JOB_EXPORT_MAX);
	if (!m->data)
		return error("cannot export '%s'", shown);
	m->name = xstrdup(shown);
	return 1;
}

/*
 * Open the directory name in dir without following a link (O_NOFOLLOW,
 * O_DIRECTORY). The descriptor, or -1 with errno set.
 */
static int
open_dir_at(int dir, const char *name)
{
	return openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
}

/*
 * The name of the newest ckpt-EEEEEE.tar.zst in the directory open as dir
 * (a new string), or NULL when there is none.
 */
static char *
newest_ckpt(int dir)
{
	int fd = dup(dir), best = -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		int k = job_ckpt_epoch(e->d_name);

		if (k > best)
			best = k;
	}
	closedir(d);
	return best < 0 ? NULL : xasprintf(JOB_CKPT_FORMAT, best);
}

/* Where export_artifact puts the members, and how many it has. */
struct export_to {
	struct arc_member *m;
	size_t *n;
	const char *id;
};

/* An artifacts_fn: the file into the export's members. */
static int
export_artifact(void *ctx, int dir, const char *name, const char *rel,
		const struct stat *st)
{
	struct export_to *to = ctx;
	char *shown = xasprintf("%s/%s", to->id, rel);
	int got = export_member(dir, name, shown, &to->m[*to->n]);

	(void)st;
	free(shown);
	if (got > 0)
		++*to->n;
	return got < 0 ? -1 : 0;
}

/*
 * An exec job's artifacts/ (docs/exec.md), the files its page lists,
 * appended to m (*n of them so far); the rest left out with a warning.
 * 0, or -1 after error().
 */
static int
export_artifacts(int job, const char *id, struct arc_member *m, size_t *n)
{
	struct export_to to = { m, n, id };
	int rc = artifacts_walk(job, export_artifact, &to);

	if (rc > 0)
		warning("export: left out files of '%s/%s': at most %d files, "
			"%d folders down, are packed (those the page lists)",
			id, JOB_ARTIFACTS, JOB_ARTIFACTS_MAX,
			JOB_ARTIFACTS_DEPTH - 1);
	return rc < 0 ? -1 : 0;
}

int
jobcmd_export(const char *root, const char *id, const char *out)
{
	static const char *const files[] = {
		JOB_CONFIG, JOB_SUBMITTED, JOB_STATE, JOB_EVENTS,
		JOB_METRICS, JOB_LOG, JOB_MODEL, JOB_PREDICTIONS,
	};
	struct arc_member m[sizeof(files) / sizeof(files[0]) + 2 +
			    JOB_ARTIFACTS_MAX];
	struct spool sp;
	size_t n = 0;
	char *def = NULL, *shown;
	int rc = 1, jobs = -1, job = -1, ckpt = -1, got;

	if (open_existing(&sp, root) < 0)
		return 1;
	if (!job_id_valid(id)) {
		error("'%s': not a job ID (letters, digits, '.', '_' and "
		      "'-', at most %d, not starting with '.' or '-')", id,
		      JOB_ID_MAX);
		goto out;
	}
	/* SPOOL/jobs is the spool's layout: found as every command finds it */
	jobs = open(sp.jobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jobs < 0) {
		error("cannot open '%s': %s", sp.jobs, strerror(errno));
		goto out;
	}
	/* jobs/ID itself may be a link planted by someone else */
	job = open_dir_at(jobs, id);
	if (job < 0) {
		if (errno == ENOENT)
			error("%s: no such job in '%s'", id, sp.jobs);
		else
			error("%s: cannot open the job folder in '%s': %s", id,
			      sp.jobs, errno == ELOOP || errno == ENOTDIR ?
			      "not a directory (a link or a file)" :
			      strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		shown = xasprintf("%s/%s", id, files[i]);
		got = export_member(job, files[i], shown, &m[n]);
		free(shown);
		if (got < 0)
			goto free;
		n += (size_t)got;
	}
	ckpt = open_dir_at(job, JOB_CHECKPOINTS);
	if (ckpt < 0 && errno != ENOENT) {
		if (errno != ELOOP && errno != ENOTDIR) {
			error("cannot open '%s/%s': %s", id, JOB_CHECKPOINTS,
			      strerror(errno));
			goto free;
		}
		warning("export: left out %s/%s: not a directory (a link or "
			"a file)", id, JOB_CHECKPOINTS);
	}
	/* the newest checkpoint (it holds the best weights too), and a
	   best.tar.zst an older version wrote */
	if (ckpt >= 0) {
		char *newest = newest_ckpt(ckpt);
		const char *names[2] = { newest, JOB_CKPT_BEST };

		for (size_t i = 0; i < 2; i++) {
			if (!names[i])
				continue;
			shown = xasprintf("%s/%s/%s", id, JOB_CHECKPOINTS,
					  names[i]);
			got = export_member(ckpt, names[i], shown, &m[n]);
			free(shown);
			if (got < 0) {
				free(newest);
				goto free;
			}
			n += (size_t)got;
		}
		free(newest);
	}
	if (export_artifacts(job, id, m, &n) < 0)
		goto free;
	if (!out) {
		def = xasprintf("%s.tar.zst", id);
		out = def;
	}
	if (arc_write(out, m, n) == 0) {
		printf("%s\n", out);
		rc = 0;
	}
free:
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].data);
	}
out:
	if (ckpt >= 0)
		close(ckpt);
	if (job >= 0)
		close(job);
	if (jobs >= 0)
		close(jobs);
	free(def);
	spool_release(&sp);
	return rc;
}
