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
#include "job/state.h"
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
	sp->seq = 1;
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

void
spool_id_reduce(const char *name, char *out, size_t max)
{
	size_t n = strlen(name), i;

	if (max > JOB_ID_MAX)
		max = JOB_ID_MAX;
	if (n > 5 && strcmp(name + n - 5, ".json") == 0)
		n -= 5;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = job_id_char((unsigned char)name[i]) ? name[i] : '_';
	out[n] = '\0';
	if (out[0] == '.' || out[0] == '-')
		out[0] = '_';
	if (n == 0)
		snprintf(out, max + 1, "job");
}

char *
spool_id_reserve(struct spool *sp, const char *base)
{
	char id[JOB_ID_MAX + 1], suffix[24];

	for (unsigned k = 1; k < 1000000; k++) {
		size_t blen = strlen(base), slen = 0;
		char *dir;

		if (k > 1)
			slen = (size_t)snprintf(suffix, sizeof(suffix), "-%u",
						k);
		if (blen + slen > JOB_ID_MAX)
			blen = JOB_ID_MAX - slen;
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

/*
 * Write rejected/STEM.error (errpath) with why, only where no file of that
 * name is: link(2) of a full temporary never replaces one. 0, 1 when the
 * name is taken, -1 after error().
 */
static int
write_reason(const char *errpath, const char *why)
{
	char *tmp = file_write_temp(errpath, why, strlen(why), 1);
	int rc = 0;

	if (!tmp)
		return -1;
	if (link(tmp, errpath) < 0)
		rc = errno == EEXIST ? 1 :
		     error("cannot write '%s': %s", errpath, strerror(errno));
	unlink(tmp);
	free(tmp);
	if (rc == 0)
		fsync_parent(errpath);
	return rc;
}

/*
 * Move incoming/NAME to rejected/, under NAME or the first free
 * NAME-K.json whose STEM.error is free too (K = 2, 3, ...: as job IDs
 * do), then write its STEM.error. An earlier rejection's files are never
 * replaced nor removed: the move never replaces (RENAME_NOREPLACE) and
 * the .error is written only to a free name, after the move succeeded.
 * 0, 1 when incoming/NAME is gone, -1 after error() (nothing moved).
 */
static int
reject(struct spool *sp, const char *name, const char *why)
{
	char *from = path_join(sp->incoming, name);
	size_t n = strlen(name), stemlen = n > 5 ? n - 5 : n;
	int rc = -1;

	for (unsigned k = 1; k < 1000000 && rc < 0; k++) {
		char *to, *errpath, *stem;

		if (k == 1) {
			to = path_join(sp->rejected, name);
			stem = xasprintf("%.*s.error", (int)stemlen, name);
		} else {
			char *alt = xasprintf("%.*s-%u%s", (int)stemlen, name,
					      k, name + stemlen);

			to = path_join(sp->rejected, alt);
			stem = xasprintf("%.*s-%u.error", (int)stemlen, name,
					 k);
			free(alt);
		}
		errpath = path_join(sp->rejected, stem);
		free(stem);
		if (access(errpath, F_OK) == 0 || errno != ENOENT) {
			/* taken (or unknown): try the next name */
		} else if (renameat2(AT_FDCWD, from, AT_FDCWD, to,
				     RENAME_NOREPLACE) == 0) {
			rc = write_reason(errpath, why);
			if (rc > 0)
				warning("'%s' was taken meanwhile; '%s' is "
					"rejected without its reason", errpath,
					to);
			rc = rc < 0 ? -1 : 0;
			free(to);
			free(errpath);
			if (rc < 0)
				goto out;
			break;
		} else if (errno != EEXIST) {
			rc = errno == ENOENT ? 1 :
			     error("cannot move '%s' to '%s': %s", from, to,
				   strerror(errno));
			free(to);
			free(errpath);
			if (rc != 0)
				goto out;
			break;
		}
		free(to);
		free(errpath);
	}
	if (rc < 0)
		error("no free name in '%s' for '%s'", sp->rejected, name);
out:
	free(from);
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

/* Is buf whole JSON (whatever its fields say)? */
static int
parses(const char *path, const char *buf, size_t len)
{
	char err[256];
	json_t *v = json_load_buf(path, buf, len, err, sizeof(err));

	json_decref(v);
	return v != NULL;
}

/*
 * After the rename: is jobs/ID/submitted.json the very file that was
 * validated (st)? When the name was swapped between the read and the
 * rename, what was moved is removed (a link is never followed) and the
 * validated bytes are written in its place, so the job never holds or
 * shows anything but the config it was claimed for.
 */
static int
claimed_is_read(const char *to, const struct stat *st, const char *buf,
		size_t len)
{
	struct stat now;

	if (lstat(to, &now) == 0 && now.st_dev == st->st_dev &&
	    now.st_ino == st->st_ino)
		return 0;
	warning("'%s': the name was replaced while it was claimed; keeping "
		"the config that was read", to);
	if (file_remove_tree(to) < 0)
		return -1;
	return file_write_atomic(to, buf, len);
}

static int write_claim(struct spool *sp, const char *id,
		       const struct config *cfg, struct job_order *order);

/*
 * A claim that could not be written (a full disk, say): put the config
 * back at incoming/NAME (path) and remove jobs/ID, so that the job is
 * never lost nor half there; the runner tries it again at its next
 * rescan. Should incoming/NAME be taken by now, or the move back fail,
 * the claim stays in jobs/ID holding submitted.json, which the runner
 * completes when it starts (spool_claim_finish).
 */
static void
unclaim(struct spool *sp, const char *id, const char *to, const char *path)
{
	char *dir = path_join(sp->jobs, id);
	int saved = errno;

	if (renameat2(AT_FDCWD, to, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		error("cannot put '%s' back to '%s': %s; the claim of '%s' "
		      "is completed when the runner starts", to, path,
		      strerror(errno), id);
	} else {
		error("cannot claim '%s': %s; left in incoming/, tried "
		      "again at the next rescan", path, strerror(saved));
		file_remove_tree(dir);
	}
	free(dir);
}

int
spool_claim(struct spool *sp, const char *name, double now, char **id,
	    struct job_order *order)
{
	struct strbuf why = STRBUF_INIT;
	char base[JOB_ID_MAX + 1];
	char *path, *shown, *buf = NULL, *dir = NULL, *to = NULL;
	struct job_order unused;
	struct config cfg;
	struct stat st;
	size_t len;
	int rc;

	*id = NULL;
	if (!order)
		order = &unused;
	if (!spool_name_counts(name))
		return CLAIM_GONE;
	path = path_join(sp->incoming, name);
	shown = xasprintf("incoming/%s", name);
	/*
	 * One open, without following a link and without blocking on a
	 * FIFO; what is checked, validated and kept is what that open
	 * read, whatever the name points to by now.
	 */
	buf = config_read(path, 1, &len, &st, &why);
	if (!buf && errno == ENOENT) {
		rc = CLAIM_GONE;
		goto out;
	}
	if (!buf && errno == ELOOP) {
		sb_reset(&why);
		sb_addf(&why, "%s: is a symbolic link; copy the config "
			"itself into incoming/\n", shown);
	} else if (!buf) {
		/* not a regular file, too large, unreadable: said in why */
	} else if (config_parse(&cfg, path, buf, len, &why) == 0) {
		if (!data_path_inside(sp, cfg.data.path, &why, shown)) {
			config_release(&cfg);
		} else {
			spool_id_reduce(name, base, JOB_ID_MAX);
			*id = spool_id_reserve(sp, base);
			if (!*id) {
				config_release(&cfg);
				rc = CLAIM_ERROR;
				goto out;
			}
			dir = path_join(sp->jobs, *id);
			to = path_join(dir, JOB_SUBMITTED);
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
			order->created_us = time_now_us();
			rc = CLAIM_QUEUED;
			if (claimed_is_read(to, &st, buf, len) < 0 ||
			    write_claim(sp, *id, &cfg, order) < 0) {
				rc = CLAIM_ERROR;
				unclaim(sp, *id, to, path);
				free(*id);
				*id = NULL;
			}
			config_release(&cfg);
			goto out;
		}
	} else if (now - (double)st.st_mtime < SPOOL_QUIET_SECONDS &&
		   !parses(path, buf, len)) {
		/* maybe still being written: wait until it is quiet */
		rc = CLAIM_WAIT;
		goto out;
	}
	rc = reject(sp, name, sb_str(&why));
	rc = rc < 0 ? CLAIM_ERROR : rc > 0 ? CLAIM_GONE : CLAIM_REJECTED;
out:
	sb_release(&why);
	free(buf);
	free(path);
	free(shown);
	free(dir);
	free(to);
	return rc;
}

/* Like json_write_atomic, without the fsyncs when the spool batches. */
static int
write_claim_file(struct spool *sp, const char *path, const json_t *v)
{
	if (!sp->batch)
		return json_write_atomic(path, v);
	sp->dirty = 1;
	return json_update(path, v);
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

int
spool_claim_finish(struct spool *sp, const char *id)
{
	struct strbuf problems = STRBUF_INIT;
	char *sub = spool_job_path(sp, id, JOB_SUBMITTED), *buf;
	struct job_order order;
	struct config cfg;
	struct stat st;
	json_t *root;
	char err[512];
	size_t len;
	int rc = -1;

	/* the claim's rename set its ctime: the job keeps its place */
	buf = file_read_regular(sub, &len, CONFIG_MAX_BYTES);
	if (!buf || lstat(sub, &st) < 0) {
		free(buf);
		goto out;
	}
	order.created_us = (long long)st.st_ctim.tv_sec * 1000000 +
			   st.st_ctim.tv_nsec / 1000;
	root = json_load_buf(sub, buf, len, err, sizeof(err));
	free(buf);
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
	rc = write_claim(sp, id, &cfg, &order);
	config_release(&cfg);
out:
	sb_release(&problems);
	free(sub);
	return rc;
}

/*
 * config.json, state.json and the event of a job just claimed, created at
 * order->created_us; the rest of *order is filled in here.
 */
static int
write_claim(struct spool *sp, const char *id, const struct config *cfg,
	    struct job_order *order)
{
	char *cpath = spool_job_path(sp, id, JOB_CONFIG);
	char *dir = path_join(sp->jobs, id);
	json_t *st;
	int rc = -1;

	order->priority = cfg->priority;
	order->seq = sp->seq++;
	st = job_state_new(id, cfg, order);
	if (write_claim_file(sp, cpath, cfg->json) == 0 &&
	    job_state_write(dir, st, !sp->batch) == 0 &&
	    job_event(dir, "queued", json_pack("{s:i}", "priority",
		cfg->priority)) == 0)
		rc = 0;
	if (sp->batch)
		sp->dirty = 1;
	json_decref(st);
	free(cpath);
	free(dir);
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
	char *dir = path_join(sp->jobs, id);
	char err[512];
	json_t *st = job_state_read(dir, err, sizeof(err));

	if (!st)
		error("%s", err);
	free(dir);
	return st;
}

int
spool_state_write(const struct spool *sp, const char *id, json_t *st)
{
	char *dir = path_join(sp->jobs, id);
	int rc = job_state_write(dir, st, 1);

	free(dir);
	return rc;
}

int
spool_event(const struct spool *sp, const char *id, const char *event,
	    json_t *fields)
{
	char *dir = path_join(sp->jobs, id);
	int rc = job_event(dir, event, fields);

	free(dir);
	return rc;
}

int
spool_state_set(const struct spool *sp, const char *id,
		enum job_status status, const char *message, const char *hint)
{
	json_t *st = spool_state_read(sp, id);
	int rc;

	if (!st)
		return -1;
	job_state_finish(st, status, message, hint);
	rc = spool_state_write(sp, id, st);
	json_decref(st);
	return rc;
}

int
spool_job_busy(const struct spool *sp, const char *id, const json_t *st)
{
	char *path = spool_job_path(sp, id, JOB_LOCK);
	/* never a link followed nor a FIFO waited on: the lock is the
	   trainer's regular file, anything else is no lock */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat fst;
	json_int_t pid;
	int busy;

	free(path);
	if (fd >= 0 && (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))) {
		close(fd);
		fd = -1;
	}
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
