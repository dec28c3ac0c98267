/*
 * spool.c - spool layout, job IDs, claim and reject; see spool.h.
 *
 * Claiming validates the file where it lies (the messages then name
 * incoming/NAME, as `spoolboard validate incoming/NAME` would), reserves an
 * ID by mkdir(2) of its job directory, and takes the file by rename(2):
 * whoever renames first owns it. Paths are built only from directory
 * entries and IDs, never from strings inside a config.
 */
#include "runner/spool.h"
#include "job/config.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const stage_names[] = {
	"load", "prepare", "train", "test", "save"
};

int
spool_open(struct spool *sp, const char *root, const char *www,
	   const char *data_root)
{
	char cwd[PATH_MAX];

	memset(sp, 0, sizeof(*sp));
	if (!data_root) {
		if (!getcwd(cwd, sizeof(cwd)))
			return error("cannot get the working directory: %s",
				     strerror(errno));
		data_root = cwd;
	}
	sp->root = xstrdup(root);
	sp->incoming = path_join(root, "incoming");
	sp->rejected = path_join(root, "rejected");
	sp->control = path_join(root, "control");
	sp->jobs = path_join(root, "jobs");
	sp->www = www ? xstrdup(www) : path_join(root, "www");
	sp->data_root = xstrdup(data_root);
	if (mkdir_p(sp->incoming) < 0 || mkdir_p(sp->rejected) < 0 ||
	    mkdir_p(sp->control) < 0 || mkdir_p(sp->jobs) < 0 ||
	    mkdir_p(sp->www) < 0) {
		spool_release(sp);
		return -1;
	}
	return 0;
}

void
spool_release(struct spool *sp)
{
	free(sp->root);
	free(sp->incoming);
	free(sp->rejected);
	free(sp->control);
	free(sp->jobs);
	free(sp->www);
	free(sp->data_root);
	memset(sp, 0, sizeof(*sp));
}

int
spool_name_counts(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.' || name[0] == '~')
		return 0;
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int
id_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

void
spool_id_reduce(const char *name, char *out, size_t max)
{
	size_t n = strlen(name), i;

	if (max > SPOOL_ID_MAX)
		max = SPOOL_ID_MAX;
	if (n > 5 && strcmp(name + n - 5, ".json") == 0)
		n -= 5;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = id_char((unsigned char)name[i]) ? name[i] : '_';
	out[n] = '\0';
	if (out[0] == '.')
		out[0] = '_';
	if (n == 0)
		snprintf(out, max + 1, "job");
}

int
spool_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n < 1 || n > SPOOL_ID_MAX)
		return 0;
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!id_char((unsigned char)id[i]))
			return 0;
	return 1;
}

char *
spool_id_reserve(struct spool *sp, const char *base)
{
	char id[SPOOL_ID_MAX + 1], suffix[24];

	for (unsigned k = 1; k < 1000000; k++) {
		size_t blen = strlen(base), slen = 0;
		char *dir;

		if (k > 1)
			slen = (size_t)snprintf(suffix, sizeof(suffix), "-%u",
						k);
		if (blen + slen > SPOOL_ID_MAX)
			blen = SPOOL_ID_MAX - slen;
		memcpy(id, base, blen);
		memcpy(id + blen, suffix, slen);
		id[blen + slen] = '\0';
		dir = path_join(sp->jobs, id);
		if (mkdir(dir, 0755) == 0) {
			free(dir);
			return xstrdup(id);
		}
		if (errno != EEXIST) {
			error("cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return NULL;
		}
		free(dir);
	}
	error("no free job ID for '%s'", base);
	return NULL;
}

/* Move incoming/NAME to rejected/NAME and write rejected/STEM.error. */
static int
reject(struct spool *sp, const char *name, const char *why)
{
	char *from = path_join(sp->incoming, name);
	char *to = path_join(sp->rejected, name);
	size_t n = strlen(name);
	char *stem = xasprintf("%.*s.error", (int)(n > 5 ? n - 5 : n), name);
	char *errpath = path_join(sp->rejected, stem);
	int rc = 0;

	/* the reason first, so that a reader who sees the file sees why */
	if (file_write_atomic(errpath, why, strlen(why)) < 0)
		rc = -1;
	else if (rename(from, to) < 0)
		rc = errno == ENOENT ? 1 :
		     error("cannot move '%s' to '%s': %s", from, to,
			   strerror(errno));
	if (rc != 0)
		unlink(errpath);
	free(from);
	free(to);
	free(stem);
	free(errpath);
	return rc;
}

/*
 * Is data.path inside the data root, also after following symlinks? A
 * file that cannot be resolved (missing) passes: the trainer says so.
 */
static int
data_path_inside(const struct spool *sp, const char *rel,
		 struct strbuf *why, const char *file)
{
	struct strbuf msg = STRBUF_INIT;
	int ok = path_inside("data root", sp->data_root, "data.path", rel,
			     NULL, &msg) != 0;

	if (!ok)
		sb_addf(why, "%s: %s\n", file, sb_str(&msg));
	sb_release(&msg);
	return ok;
}

/* Is the file whole JSON (whatever its fields say)? */
static int
parses(const char *path)
{
	char err[256];
	json_t *v = json_load_path(path, CONFIG_MAX_BYTES, err, sizeof(err));

	json_decref(v);
	return v != NULL;
}

static int finish(struct spool *sp, const char *id,
		  const struct config *cfg);

int
spool_claim(struct spool *sp, const char *name, double now, char **id,
	    int *priority)
{
	struct strbuf why = STRBUF_INIT;
	char base[SPOOL_ID_MAX + 1];
	char *path, *shown, *dir = NULL, *to = NULL;
	struct config cfg;
	struct stat st;
	int rc;

	*id = NULL;
	if (!spool_name_counts(name))
		return CLAIM_GONE;
	path = path_join(sp->incoming, name);
	shown = xasprintf("incoming/%s", name);
	if (lstat(path, &st) < 0) {
		rc = errno == ENOENT ? CLAIM_GONE :
		     error("cannot stat '%s': %s", path, strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		sb_addf(&why, "%s: is a symbolic link; copy the config "
			"itself into incoming/\n", shown);
	} else if (!S_ISREG(st.st_mode)) {
		sb_addf(&why, "%s: not a regular file\n", shown);
	} else if (st.st_size > CONFIG_MAX_BYTES) {
		sb_addf(&why, "%s: too large (%lld bytes), a config is at "
			"most %d bytes\n", shown, (long long)st.st_size,
			CONFIG_MAX_BYTES);
	} else if (config_load(&cfg, path, &why) == 0) {
		if (!data_path_inside(sp, cfg.data.path, &why, shown)) {
			config_release(&cfg);
		} else {
			spool_id_reduce(name, base, SPOOL_ID_MAX);
			*id = spool_id_reserve(sp, base);
			if (!*id) {
				config_release(&cfg);
				rc = CLAIM_ERROR;
				goto out;
			}
			dir = path_join(sp->jobs, *id);
			to = path_join(dir, "submitted.json");
			if (rename(path, to) < 0) {
				rc = errno == ENOENT ? CLAIM_GONE :
				     error("cannot claim '%s': %s", path,
					   strerror(errno));
				rmdir(dir);
				free(*id);
				*id = NULL;
				config_release(&cfg);
				goto out;
			}
			if (priority)
				*priority = cfg.priority;
			rc = finish(sp, *id, &cfg) < 0 ? CLAIM_ERROR :
			     CLAIM_QUEUED;
			config_release(&cfg);
			goto out;
		}
	} else if (now - (double)st.st_mtime < SPOOL_QUIET_SECONDS &&
		   !parses(path)) {
		/* maybe still being written: wait until it is quiet */
		rc = CLAIM_WAIT;
		goto out;
	}
	rc = reject(sp, name, sb_str(&why));
	rc = rc < 0 ? CLAIM_ERROR : rc > 0 ? CLAIM_GONE : CLAIM_REJECTED;
out:
	sb_release(&why);
	free(path);
	free(shown);
	free(dir);
	free(to);
	return rc;
}

/* The state.json of a job just queued. */
static json_t *
state_new(const char *id, const struct config *cfg)
{
	json_t *st, *tags = json_array(), *stages = json_array();
	char host[256] = "";

	for (size_t i = 0; i < cfg->ntags; i++)
		json_array_append_new(tags, json_string(cfg->tags[i]));
	for (size_t s = 0; s < 5; s++)
		json_array_append_new(stages, json_pack("{s:s,s:s,s:n,s:n,s:n}",
			"name", stage_names[s], "status", "pending",
			"started", "ended", "seconds"));
	gethostname(host, sizeof(host) - 1);
	st = json_object();
	json_object_set_new(st, "id", json_string(id));
	json_object_set_new(st, "name", json_string(cfg->name));
	json_object_set_new(st, "tags", tags);
	json_object_set_new(st, "status", json_string("queued"));
	json_object_set_new(st, "stage", json_null());
	json_object_set_new(st, "stages", stages);
	json_object_set_new(st, "progress", json_real(0));
	json_object_set_new(st, "epoch", json_integer(0));
	json_object_set_new(st, "epochs", json_integer(cfg->train.epochs));
	json_object_set_new(st, "step", json_integer(0));
	json_object_set_new(st, "train_loss", json_null());
	json_object_set_new(st, "val_loss", json_null());
	json_object_set_new(st, "best", json_null());
	json_object_set_new(st, "metrics", json_object());
	json_object_set_new(st, "created", json_null());
	json_object_set_new(st, "started", json_null());
	json_object_set_new(st, "updated", json_null());
	json_object_set_new(st, "ended", json_null());
	json_object_set_new(st, "eta_seconds", json_null());
	json_object_set_new(st, "attempt", json_integer(1));
	json_object_set_new(st, "resumed_from", json_null());
	json_object_set_new(st, "pid", json_null());
	json_object_set_new(st, "host", json_string(host));
	json_object_set_new(st, "threads", json_integer(cfg->threads));
	json_object_set_new(st, "resources", json_null());
	json_object_set_new(st, "checkpoints", json_array());
	json_object_set_new(st, "error", json_null());
	json_object_set_new(st, "model", json_pack("{s:s}", "type",
		model_type_name(cfg->model.type)));
	json_object_set_new(st, "data", json_pack("{s:s}", "path",
		cfg->data.path));
	json_object_set_new(st, "test", json_null());
	json_object_set_new(st, "priority", json_integer(cfg->priority));
	json_object_set_new(st, "retry_at", json_null());
	return st;
}

/* Like json_write_atomic, without the fsyncs when the spool batches. */
static int
write_json(struct spool *sp, const char *path, const json_t *v)
{
	char *s, *tmp;
	size_t n, off = 0;
	ssize_t w;
	int fd, rc = 0;

	if (!sp->batch)
		return json_write_atomic(path, v);
	s = json_to_string(v);
	n = strlen(s);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = error("cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	while (rc == 0 && off < n + 1) {
		w = off < n ? write(fd, s + off, n - off) : write(fd, "\n", 1);
		if (w < 0 && errno != EINTR)
			rc = error("cannot write '%s': %s", tmp,
				   strerror(errno));
		else if (w > 0)
			off += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = error("cannot write '%s': %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = error("cannot write '%s': %s", path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	sp->dirty = 1;
out:
	free(tmp);
	free(s);
	return rc;
}

int
spool_sync(struct spool *sp)
{
	int fd, rc = 0;

	if (!sp->dirty)
		return 0;
	fd = open(sp->jobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		rc = error("cannot sync '%s': %s", sp->jobs, strerror(errno));
	if (fd >= 0)
		close(fd);
	sp->dirty = 0;
	return rc;
}

static void
set_time(json_t *obj, const char *key, double t)
{
	char ts[32];

	time_iso8601(t, ts, sizeof(ts));
	json_object_set_new(obj, key, json_string(ts));
}

int
spool_claim_finish(struct spool *sp, const char *id)
{
	struct strbuf problems = STRBUF_INIT;
	char *sub = spool_job_path(sp, id, "submitted.json");
	struct config cfg;
	json_t *root;
	char err[512];
	int rc = -1;

	root = json_load_path(sub, CONFIG_MAX_BYTES, err, sizeof(err));
	if (!root) {
		error("%s", err);
		goto out;
	}
	/* the name defaults to the submitted file's stem, as in validate */
	if (config_from_json(&cfg, root, sub, id, &problems) != 0) {
		error("%s", sb_str(&problems));
		json_decref(root);
		goto out;
	}
	json_decref(root);
	rc = finish(sp, id, &cfg);
	config_release(&cfg);
out:
	sb_release(&problems);
	free(sub);
	return rc;
}

/* config.json, state.json and the event of a job just claimed. */
static int
finish(struct spool *sp, const char *id, const struct config *cfg)
{
	char *cpath = spool_job_path(sp, id, "config.json");
	char *spath = spool_job_path(sp, id, "state.json");
	json_t *st = state_new(id, cfg);
	int rc = -1;

	set_time(st, "created", time_now());
	set_time(st, "updated", time_now());
	if (write_json(sp, cpath, cfg->json) == 0 &&
	    write_json(sp, spath, st) == 0 &&
	    spool_event(sp, id, "queued", json_pack("{s:i}", "priority",
		cfg->priority)) == 0)
		rc = 0;
	json_decref(st);
	free(cpath);
	free(spath);
	return rc;
}

char *
spool_job_path(const struct spool *sp, const char *id, const char *name)
{
	return xasprintf("%s/%s/%s", sp->jobs, id, name);
}

json_t *
spool_state_read(const struct spool *sp, const char *id)
{
	char *path = spool_job_path(sp, id, "state.json");
	char err[512];
	json_t *st = json_load_path(path, 0, err, sizeof(err));

	if (!json_is_object(st)) {
		if (st)
			error("%s: not a JSON object", path);
		else
			error("%s", err);
		json_decref(st);
		st = NULL;
	}
	free(path);
	return st;
}

int
spool_state_write(const struct spool *sp, const char *id, json_t *st)
{
	char *path = spool_job_path(sp, id, "state.json");
	int rc;

	set_time(st, "updated", time_now());
	rc = json_write_atomic(path, st);
	free(path);
	return rc;
}

int
spool_event(const struct spool *sp, const char *id, const char *event,
	    json_t *fields)
{
	char *path = spool_job_path(sp, id, "events.jsonl");
	json_t *ev = json_object();
	const char *k;
	json_t *v;
	int rc;

	set_time(ev, "time", time_now());
	json_object_set_new(ev, "event", json_string(event));
	if (fields)
		json_object_foreach(fields, k, v)
			json_object_set(ev, k, v);
	json_decref(fields);
	rc = json_append_line(path, ev);
	json_decref(ev);
	free(path);
	return rc;
}

int
spool_state_set(const struct spool *sp, const char *id, const char *status,
		const char *message, const char *hint)
{
	json_t *st = spool_state_read(sp, id), *stages, *s;
	const char *stage;
	size_t i;
	int rc;

	if (!st)
		return -1;
	json_object_set_new(st, "status", json_string(status));
	json_object_set_new(st, "pid", json_null());
	json_object_set_new(st, "eta_seconds", json_null());
	if (strcmp(status, "queued") == 0) {
		json_object_set_new(st, "ended", json_null());
		json_object_set_new(st, "error", json_null());
	} else {
		set_time(st, "ended", time_now());
		json_object_set_new(st, "retry_at", json_null());
		if (message)
			json_object_set_new(st, "error", json_pack(
				"{s:s,s:o,s:o}", "message", message, "stage",
				json_incref(json_object_get(st, "stage")),
				"hint", hint ? json_string(hint) :
				json_null()));
	}
	stage = json_str(st, "stage", NULL);
	stages = json_object_get(st, "stages");
	json_array_foreach(stages, i, s)
		if (stage && strcmp(json_str(s, "name", ""), stage) == 0 &&
		    strcmp(json_str(s, "status", ""), "running") == 0)
			json_object_set_new(s, "status", json_string(
				strcmp(status, "queued") == 0 ? "pending" :
				status));
	rc = spool_state_write(sp, id, st);
	json_decref(st);
	return rc;
}

int
spool_job_busy(const struct spool *sp, const char *id, const json_t *st)
{
	char *path = spool_job_path(sp, id, ".lock");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	json_int_t pid;
	int busy;

	free(path);
	if (fd >= 0) {
		busy = flock(fd, LOCK_EX | LOCK_NB) < 0 &&
		       errno == EWOULDBLOCK;
		close(fd);
		return busy;
	}
	/* no lock file: a trainer without one; is its pid alive? */
	pid = json_integer_value(json_object_get(st, "pid"));
	if (pid <= 0 || pid > INT_MAX || pid == getpid())
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}
