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
#include "job/preset.h"
#include "job/state.h"
#include "job/sweep.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <dirent.h>
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
	sp->groups = path_join(root, "groups");
	sp->presets = path_join(root, "presets");
	sp->data_root = xstrdup(data_root);
	sp->seq = 1;
	if (mkdir_p(sp->incoming) < 0 || mkdir_p(sp->rejected) < 0 ||
	    mkdir_p(sp->control) < 0 || mkdir_p(sp->jobs) < 0 ||
	    mkdir_p(sp->www) < 0 || mkdir_p(sp->groups) < 0 ||
	    mkdir_p(sp->presets) < 0) {
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
	free(sp->groups);
	free(sp->presets);
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

/*
 * The first free ID for base (base, base-2, ...), reserved by mkdir of
 * DIR/ID, never one taken in other: jobs/ for a group, groups/ for a job.
 */
static char *
reserve_id(const char *dir, const char *other, const char *base)
{
	char id[JOB_ID_MAX + 1], suffix[24];

	for (unsigned k = 1; k < 1000000; k++) {
		size_t blen = strlen(base), slen = 0;
		char *path, *taken;
		int busy;

		if (k > 1)
			slen = (size_t)snprintf(suffix, sizeof(suffix), "-%u",
						k);
		if (blen + slen > JOB_ID_MAX)
			blen = JOB_ID_MAX - slen;
		memcpy(id, base, blen);
		memcpy(id + blen, suffix, slen);
		id[blen + slen] = '\0';
		taken = path_join(other, id);
		busy = access(taken, F_OK) == 0 || errno != ENOENT;
		free(taken);
		if (busy)
			continue;
		path = path_join(dir, id);
		if (mkdir(path, 0755) == 0) {
			free(path);
			return xstrdup(id);
		}
		if (errno != EEXIST) {
			error("cannot create '%s': %s", path, strerror(errno));
			free(path);
			return NULL;
		}
		free(path);
	}
	error("no free ID for '%s' in '%s'", base, dir);
	return NULL;
}

char *
spool_id_reserve(struct spool *sp, const char *base)
{
	return reserve_id(sp->jobs, sp->groups, base);
}

char *
spool_group_reserve(struct spool *sp, const char *base)
{
	return reserve_id(sp->groups, sp->jobs, base);
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
 * The reason a config was rejected, naming it where it now is: each line
 * that starts with its path in incoming/ (SPOOL/incoming/NAME:, or
 * incoming/NAME:) starts with to (SPOOL/rejected/NAME-K.json) instead,
 * as `spoolboard validate` of the rejected file would say. A new string.
 */
static char *
moved_reason(const struct spool *sp, const char *why, const char *name,
	     const char *to)
{
	char *full = path_join(sp->incoming, name);
	char *shown = xasprintf("incoming/%s", name);
	const char *base = strrchr(to, '/');
	char *to_shown = xasprintf("rejected/%s", base ? base + 1 : to);
	struct strbuf sb = STRBUF_INIT;
	const char *p = why;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
		size_t fl = strlen(full), sl = strlen(shown);

		if (len > fl && strncmp(p, full, fl) == 0 && p[fl] == ':') {
			sb_adds(&sb, to);
			sb_add(&sb, p + fl, len - fl);
		} else if (len > sl && strncmp(p, shown, sl) == 0 &&
			   p[sl] == ':') {
			sb_adds(&sb, to_shown);
			sb_add(&sb, p + sl, len - sl);
		} else {
			sb_add(&sb, p, len);
		}
		p += len;
	}
	free(full);
	free(shown);
	free(to_shown);
	if (!sb.len)
		sb_adds(&sb, "");
	return sb_detach(&sb, NULL);
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
			char *now = moved_reason(sp, why, name, to);

			rc = write_reason(errpath, now);
			free(now);
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

/*
 * May cfg run here? A built-in job's data.path inside the data root; an
 * exec job only in a runner started with --allow-exec, and its workdir
 * inside the data root. 1 yes, 0 no with the reason appended to why.
 */
static int
config_allowed(const struct spool *sp, const struct config *cfg,
	       struct strbuf *why, const char *file)
{
	struct strbuf msg = STRBUF_INIT;
	int ok;

	if (!cfg->exec.argv)
		return data_path_inside(sp, cfg->data.path, why, file);
	if (!sp->allow_exec) {
		sb_addf(why, "%s: command: exec jobs are off in this runner: "
			"it runs a command only when started with spoolboard "
			"run --allow-exec (docs/exec.md); submit the config "
			"again to a runner that allows them\n", file);
		return 0;
	}
	if (strcmp(cfg->exec.workdir, ".") == 0)
		return 1;
	ok = path_inside("data root", sp->data_root, "workdir",
			 cfg->exec.workdir, NULL, &msg) != 0;
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
		       const struct config *cfg, const char *group,
		       struct job_order *order);

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

/* Does the config in buf name presets (so that its claim merges them)? */
static int
had_extends(const char *path, const char *buf, size_t len)
{
	char err[256];
	json_t *raw = json_load_buf(path, buf, len, err, sizeof err);
	int yes = json_object_get(raw, "extends") != NULL;

	json_decref(raw);
	return yes;
}

void
spool_claimed_release(struct spool_claimed *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->ids[i]);
	free(c->ids);
	free(c->orders);
	free(c->group);
	memset(c, 0, sizeof *c);
}

/* Room for n claimed jobs in c. */
static void
claimed_init(struct spool_claimed *c, size_t n)
{
	c->ids = xcalloc(n, sizeof *c->ids);
	c->orders = xcalloc(n, sizeof *c->orders);
}

/*
 * Claim incoming/NAME (path; buf and st what was read and validated as
 * cfg) as one job; merged, when not NULL, is the config with its presets
 * merged, which replaces what was read in submitted.json. A CLAIM_ code;
 * *out filled on CLAIM_QUEUED.
 */
static int
claim_one(struct spool *sp, const char *name, const char *path,
	  const char *buf, size_t len, const struct stat *st,
	  const struct config *cfg, const json_t *merged,
	  struct spool_claimed *out)
{
	char base[JOB_ID_MAX + 1];
	char *id, *dir, *to;
	int rc = CLAIM_QUEUED;

	spool_id_reduce(name, base, JOB_ID_MAX);
	id = spool_id_reserve(sp, base);
	if (!id)
		return CLAIM_ERROR;
	dir = path_join(sp->jobs, id);
	to = path_join(dir, JOB_SUBMITTED);
	if (rename(path, to) < 0) {
		rc = errno == ENOENT ? CLAIM_GONE :
		     error("cannot claim '%s': %s", path, strerror(errno));
		rmdir(dir);
		free(id);
		goto out;
	}
	claimed_init(out, 1);
	out->orders[0].created_us = time_now_us();
	/* presets merged in: the job never needs them again */
	if (claimed_is_read(to, st, buf, len) < 0 ||
	    (merged && json_update(to, merged) < 0) ||
	    write_claim(sp, id, cfg, NULL, &out->orders[0]) < 0) {
		rc = CLAIM_ERROR;
		unclaim(sp, id, to, path);
		free(id);
		spool_claimed_release(out);
		goto out;
	}
	out->ids[0] = id;
	out->n = 1;
out:
	free(dir);
	free(to);
	return rc;
}

/* Remove what a sweep claim made before it was committed. */
static void
unreserve(struct spool *sp, const char *gid, char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *dir;

		if (!ids[i])
			continue;
		dir = path_join(sp->jobs, ids[i]);
		file_remove_tree(dir);
		free(dir);
		free(ids[i]);
		ids[i] = NULL;
	}
	if (gid) {
		char *dir = path_join(sp->groups, gid);

		file_remove_tree(dir);
		free(dir);
	}
}

/* "GID-K", K of n zero-padded to the width of n; a new string. */
static char *
member_id(const char *gid, size_t k, size_t n)
{
	return xasprintf("%s-%0*zu", gid, snprintf(NULL, 0, "%zu", n), k);
}

/*
 * Reserve a group ID for name and the IDs GID-1 ... GID-n of its n
 * members, all free (a group whose member IDs are taken by older jobs is
 * passed over for the next, GID-2 and so on). The group ID (a new
 * string; ids[] filled) or NULL after error() with nothing left.
 */
static char *
reserve_group(struct spool *sp, const char *name, size_t n, char **ids)
{
	char base[JOB_ID_MAX + 1];
	int width = snprintf(NULL, 0, "%zu", n);
	char **skipped = NULL;
	size_t nskipped = 0;
	char *gid = NULL;

	/* room for a "-K" after a collision's "-N" (N < 1000000) */
	spool_id_reduce(name, base, JOB_ID_MAX - 1 - (size_t)width - 7);
	for (int tries = 0; tries < 1000 && !gid; tries++) {
		size_t i;

		gid = spool_group_reserve(sp, base);
		if (!gid)
			break;
		for (i = 0; i < n; i++) {
			char *id = member_id(gid, i + 1, n);
			char *dir = path_join(sp->jobs, id);

			if (mkdir(dir, 0755) < 0) {
				if (errno != EEXIST)
					error("cannot create '%s': %s", dir,
					      strerror(errno));
				free(dir);
				free(id);
				break;
			}
			free(dir);
			ids[i] = id;
		}
		if (i == n)
			break;
		unreserve(sp, NULL, ids, n);
		if (errno != EEXIST) {
			unreserve(sp, gid, ids, 0);
			free(gid);
			gid = NULL;
			break;
		}
		/* keep the group ID taken until a free one is found */
		skipped = xreallocarray(skipped, nskipped + 1,
					sizeof *skipped);
		skipped[nskipped++] = gid;
		gid = NULL;
	}
	for (size_t i = 0; i < nskipped; i++) {
		unreserve(sp, skipped[i], ids, 0);
		free(skipped[i]);
	}
	free(skipped);
	if (!gid && errno == EEXIST)
		error("no free group ID for '%s' whose member IDs are free",
		      base);
	return gid;
}

/*
 * Claim incoming/NAME (path; buf and st what was read) as the sweep sw:
 * see spool.h for the order of the writes, which makes the rename the
 * one moment the whole sweep is claimed. A CLAIM_ code; *out filled on
 * CLAIM_QUEUED.
 */
static int
claim_sweep(struct spool *sp, const char *name, const char *path,
	    const char *buf, size_t len, const struct stat *st,
	    const struct sweep *sw, struct spool_claimed *out)
{
	char **ids = xcalloc(sw->n, sizeof *ids);
	char *gid, *gdir = NULL, *to = NULL, *gpath = NULL;
	json_t *group = NULL;
	int rc = CLAIM_ERROR;
	char created[32];
	long long now;

	gid = reserve_group(sp, name, sw->n, ids);
	if (!gid) {
		free(ids);
		return CLAIM_ERROR;
	}
	gdir = path_join(sp->groups, gid);
	gpath = path_join(gdir, JOB_GROUP);
	now = time_now_us();
	time_iso8601((double)now / 1e6, created, sizeof created);
	group = sweep_group_json(sw, gid, name, created,
				 (const char *const *)ids);
	/* group.json first: it names the members a failed claim undoes */
	if (json_update(gpath, group) < 0)
		goto undo;
	for (size_t i = 0; i < sw->n; i++) {
		char *sub = spool_job_path(sp, ids[i], JOB_SUBMITTED);
		int w = json_update(sub, sw->cfgs[i].json);

		free(sub);
		if (w < 0)
			goto undo;
	}
	/* everything the rename commits to is on disk before it */
	sp->dirty = 1;
	if (spool_sync(sp) < 0)
		goto undo;
	to = path_join(gdir, JOB_SUBMITTED);
	if (rename(path, to) < 0) {
		rc = errno == ENOENT ? CLAIM_GONE :
		     error("cannot claim '%s': %s", path, strerror(errno));
		goto undo;
	}
	fsync_parent(to);
	claimed_is_read(to, st, buf, len);
	/* claimed: a member whose files cannot be written now is completed
	   from its submitted.json when the runner next starts */
	claimed_init(out, sw->n);
	for (size_t i = 0; i < sw->n; i++) {
		out->orders[out->n].created_us = now;
		if (write_claim(sp, ids[i], &sw->cfgs[i], gid,
				&out->orders[out->n]) < 0) {
			error("%s: the claim of this member of %s is completed "
			      "when the runner next starts", ids[i], gid);
			free(ids[i]);
			continue;
		}
		out->ids[out->n++] = ids[i];
	}
	out->group = gid;
	gid = NULL;
	rc = CLAIM_QUEUED;
	goto out;
undo:
	if (rc == CLAIM_ERROR)
		error("cannot claim the sweep '%s' (%zu members): %s; left in "
		      "incoming/, tried again at the next rescan", path,
		      sw->n, error_last());
	unreserve(sp, gid, ids, sw->n);
out:
	free(ids);
	free(gid);
	json_decref(group);
	free(gdir);
	free(gpath);
	free(to);
	return rc;
}

/*
 * May every member run here (config_allowed)? Each distinct data path
 * or workdir is checked once.
 */
static int
members_inside(const struct spool *sp, const struct sweep *sw,
	       struct strbuf *why, const char *file)
{
	json_t *seen = json_object();
	int ok = 1;

	if (!seen)
		die_oom();
	for (size_t i = 0; i < sw->n && ok; i++) {
		const struct config *cfg = &sw->cfgs[i];
		const char *p = cfg->exec.argv ? cfg->exec.workdir :
				cfg->data.path;
		char *key;

		if (!p)
			continue;
		key = xasprintf("%c%s", cfg->exec.argv ? 'x' : 'd', p);
		if (!json_object_get(seen, key)) {
			json_object_set_new(seen, key, json_true());
			ok = config_allowed(sp, cfg, why, file);
		}
		free(key);
	}
	json_decref(seen);
	return ok;
}

int
spool_claim(struct spool *sp, const char *name, double now,
	    struct spool_claimed *out)
{
	struct preset_opts po = { sp->presets, "presets", 1 };
	struct strbuf why = STRBUF_INIT;
	char *path, *shown, *buf = NULL, *stem = NULL;
	json_t *doc = NULL;
	struct stat st;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
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
	} else if (buf) {
		doc = config_doc(path, path, buf, len, &po, &why);
		stem = config_stem(path);
	}
	if (doc && sweep_present(doc)) {
		struct sweep sw;

		if (sweep_expand(&sw, doc, path, stem, &why) == 0) {
			rc = members_inside(sp, &sw, &why, shown) ?
			     claim_sweep(sp, name, path, buf, len, &st, &sw,
					 out) : -2;
			sweep_release(&sw);
			if (rc != -2)
				goto out;
		}
	} else if (doc) {
		struct config cfg;

		if (config_from_json(&cfg, doc, path, stem, &why) == 0) {
			rc = config_allowed(sp, &cfg, &why, shown) ?
			     claim_one(sp, name, path, buf, len, &st, &cfg,
				       had_extends(path, buf, len) ? doc :
				       NULL, out) : -2;
			config_release(&cfg);
			if (rc != -2)
				goto out;
		}
	}
	if (buf && now - (double)st.st_mtime < SPOOL_QUIET_SECONDS &&
	    !parses(path, buf, len)) {
		/* maybe still being written: wait until it is quiet */
		rc = CLAIM_WAIT;
		goto out;
	}
	rc = reject(sp, name, sb_str(&why));
	rc = rc < 0 ? CLAIM_ERROR : rc > 0 ? CLAIM_GONE : CLAIM_REJECTED;
out:
	json_decref(doc);
	sb_release(&why);
	free(buf);
	free(path);
	free(shown);
	free(stem);
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

/*
 * The group a job named GID-K is a member of: GID, when groups/GID's
 * group.json lists it (a new string); else NULL.
 */
static char *
member_of(const struct spool *sp, const char *id)
{
	const char *dash = strrchr(id, '-');
	char *gid, *gdir, err[512];
	json_t *g, *m;
	size_t i;
	int yes = 0;

	if (!dash || dash == id || !dash[1] ||
	    strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return NULL;
	gid = strndup(id, (size_t)(dash - id));
	if (!gid)
		die_oom();
	gdir = path_join(sp->groups, gid);
	g = job_group_read(gdir, err, sizeof err);
	json_array_foreach(json_object_get(g, "members"), i, m)
		yes |= strcmp(json_str(m, "id", ""), id) == 0;
	json_decref(g);
	free(gdir);
	if (!yes) {
		free(gid);
		return NULL;
	}
	return gid;
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
	char *group;
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
	{
		struct preset_opts po = { sp->presets, "presets", 1 };

		root = config_doc(sub, sub, buf, len, &po, &problems);
	}
	free(buf);
	if (!root) {
		error("%s", sb_str(&problems));
		goto out;
	}
	/* the name defaults to the submitted file's stem, as in validate */
	if (config_from_json(&cfg, root, sub, id, &problems) != 0) {
		error("%s", sb_str(&problems));
		json_decref(root);
		goto out;
	}
	json_decref(root);
	group = member_of(sp, id);
	rc = write_claim(sp, id, &cfg, group, &order);
	free(group);
	config_release(&cfg);
out:
	sb_release(&problems);
	free(sub);
	return rc;
}

/*
 * config.json, state.json and the event of a job just claimed, created at
 * order->created_us, a member of the sweep group when that is not NULL;
 * the rest of *order is filled in here.
 */
static int
write_claim(struct spool *sp, const char *id, const struct config *cfg,
	    const char *group, struct job_order *order)
{
	char *cpath = spool_job_path(sp, id, JOB_CONFIG);
	char *dir = path_join(sp->jobs, id);
	json_t *st;
	int rc = -1;

	order->priority = cfg->priority;
	order->seq = sp->seq++;
	st = job_state_new(id, cfg, order);
	if (group)
		json_object_set_new(st, "group", json_string(group));
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

/*
 * May jobs/ID go with the unfinished claim of the group gid? Only a
 * member's name (GID-K), a folder (no link) holding nothing but what the
 * claim writes before its rename: submitted.json and temporaries.
 */
static int
unclaimed_member(const struct spool *sp, const char *gid, const char *id)
{
	size_t n = strlen(gid);
	struct dirent *e;
	int fd, only = 1;
	DIR *d;

	if (strncmp(id, gid, n) != 0 || id[n] != '-' || !id[n + 1] ||
	    strspn(id + n + 1, "0123456789") != strlen(id + n + 1))
		return 0;
	{
		char *dir = path_join(sp->jobs, id);

		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			  O_CLOEXEC);
		free(dir);
	}
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (only && (e = readdir(d)))
		only = strcmp(e->d_name, ".") == 0 ||
		       strcmp(e->d_name, "..") == 0 ||
		       strcmp(e->d_name, JOB_SUBMITTED) == 0 ||
		       strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return only;
}

/*
 * Undo the unfinished sweep claim in groups/GID: the member folders it
 * made (whether group.json, written after them, is there or not), then
 * the group folder; only a group folder this runner's user made.
 */
static void
group_undo(struct spool *sp, const char *gid)
{
	char *gdir = path_join(sp->groups, gid);
	DIR *d = opendir(sp->jobs);
	struct dirent *e;
	struct stat st;

	if (lstat(gdir, &st) < 0 || st.st_uid != geteuid()) {
		warning("%s: not a claim of this runner's user; left alone",
			gdir);
		free(gdir);
		if (d)
			closedir(d);
		return;
	}
	while (d && (e = readdir(d))) {
		char *dir;

		if (!unclaimed_member(sp, gid, e->d_name))
			continue;
		dir = path_join(sp->jobs, e->d_name);
		file_remove_tree(dir);
		free(dir);
	}
	if (d)
		closedir(d);
	warning("%s: a sweep claim that never finished; removed (its config "
		"is claimed again from incoming/)", gdir);
	file_remove_tree(gdir);
	free(gdir);
}

int
spool_group_recover(struct spool *sp)
{
	DIR *d = opendir(sp->groups);
	struct dirent *e;

	if (!d)
		return error("cannot open '%s': %s", sp->groups,
			     strerror(errno));
	while ((e = readdir(d))) {
		struct stat st;

		if (!job_id_valid(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		{
			char *sub = xasprintf("%s/%s", e->d_name,
					      JOB_SUBMITTED);
			int committed = fstatat(dirfd(d), sub, &st,
						AT_SYMLINK_NOFOLLOW) == 0 ||
					errno != ENOENT;

			free(sub);
			if (!committed)
				group_undo(sp, e->d_name);
		}
	}
	closedir(d);
	return 0;
}
