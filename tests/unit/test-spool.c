/*
 * test-spool.c - job IDs (reduction, validity, collisions), which names in
 * incoming/ count, claiming and rejecting.
 */
#include "runner/spool.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "tap.h"
#include "testfiles.h"

#include <sys/stat.h>

static void
reduce(const char *name, const char *want)
{
	char id[JOB_ID_MAX + 1];

	spool_id_reduce(name, id, JOB_ID_MAX);
	is_str(id, want, "reduce '%s'", name);
	ok(job_id_valid(id), "reduced '%s' is valid", name);
}

static void
test_ids(void)
{
	char long_name[200], want[JOB_ID_MAX + 1];

	reduce("housing-mlp.json", "housing-mlp");
	reduce("a b/c$.json", "a_b_c_");
	reduce("x.y.json", "x.y");
	reduce("..json", "_");
	reduce(".json", "_json");
	reduce("", "job");
	reduce("..hidden.json", "_.hidden");
	reduce("h\xc3\xa9.json", "h__");
	reduce("-rf.json", "_rf");
	reduce("--fresh.json", "_-fresh");
	reduce("a-.json", "a-");
	memset(long_name, 'a', 150);
	strcpy(long_name + 150, ".json");
	memset(want, 'a', JOB_ID_MAX);
	want[JOB_ID_MAX] = '\0';
	reduce(long_name, want);

	ok(job_id_valid("a-b_c.9"), "valid id");
	ok(!job_id_valid(""), "empty id refused");
	ok(!job_id_valid("."), "'.' refused");
	ok(!job_id_valid(".."), "'..' refused");
	ok(!job_id_valid("a/b"), "slash refused");
	ok(!job_id_valid("-rf"), "leading '-' refused (an option)");
	ok(!job_id_valid("-"), "'-' refused");
	ok(!job_id_valid(".hidden"), "leading '.' refused");
	ok(job_id_valid("a-") && job_id_valid("a.b"), "'-', '.' later fine");
	ok(job_id_valid(want), "64 bytes accepted");
	memset(long_name, 'b', JOB_ID_MAX + 1);
	long_name[JOB_ID_MAX + 1] = '\0';
	ok(!job_id_valid(long_name), "65 bytes refused");
}

static void
test_names(void)
{
	ok(spool_name_counts("job.json"), "job.json counts");
	ok(!spool_name_counts(".job.json.XXXX"), "rsync temporary ignored");
	ok(!spool_name_counts(".job.json"), "hidden ignored");
	ok(!spool_name_counts("~job.json"), "~ ignored");
	ok(!spool_name_counts("job.json.tmp.12"), "tmp ignored");
	ok(!spool_name_counts("job.txt"), "non-json ignored");
	ok(!spool_name_counts(".json"), "bare .json ignored");
}

static void
test_collisions(void)
{
	struct spool sp;
	char *dir = tf_dir(), *a, *b, *c, *d, *e;
	char base[JOB_ID_MAX + 1];

	ok(spool_open(&sp, dir, NULL, dir) == 0, "spool created");
	a = spool_id_reserve(&sp, "job");
	b = spool_id_reserve(&sp, "job");
	c = spool_id_reserve(&sp, "job");
	is_str(a, "job", "first keeps its name");
	is_str(b, "job-2", "second gets -2");
	is_str(c, "job-3", "third gets -3");
	memset(base, 'z', JOB_ID_MAX);
	base[JOB_ID_MAX] = '\0';
	d = spool_id_reserve(&sp, base);
	e = spool_id_reserve(&sp, base);
	ok(d && strlen(d) == JOB_ID_MAX, "64-byte id kept");
	ok(e && strlen(e) == JOB_ID_MAX && strcmp(e + 62, "-2") == 0,
	   "suffix fits in 64 bytes: %s", e ? e : "(null)");
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
	spool_release(&sp);
	tf_cleanup(dir);
}

/* spool_claim of one job: its ID into *id (NULL unless queued). */
static int
claim1(struct spool *sp, const char *name, double now, char **id)
{
	struct spool_claimed c;
	int rc = spool_claim(sp, name, now, &c);

	*id = c.n == 1 ? xstrdup(c.ids[0]) : NULL;
	spool_claimed_release(&c);
	return rc;
}

static void
test_claim(void)
{
	struct spool sp;
	char *dir = tf_dir(), *id = NULL, *p;
	json_t *st;

	spool_open(&sp, dir, NULL, dir);
	free(tf_write(dir, "data.csv", "x,y\n1,2\n"));
	free(tf_write(sp.incoming, "j.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}, \"priority\": 3}"));
	ok(claim1(&sp, "j.json", time(NULL), &id) == CLAIM_QUEUED,
	   "valid config claimed");
	is_str(id, "j", "its id");
	st = spool_state_read(&sp, "j");
	is_str(json_str(st, "status", ""), "queued", "state queued");
	ok(json_integer_value(json_object_get(st, "priority")) == 3,
	   "priority in state");
	ok(json_integer_value(json_object_get(st, "attempt")) == 1,
	   "attempt 1");
	json_decref(st);
	p = spool_job_path(&sp, "j", "submitted.json");
	ok(access(p, F_OK) == 0, "original kept as submitted.json");
	free(p);
	free(id);

	/* a crash before the claim was synced: the runner completes it, and
	   the job keeps the place its claim gave it */
	{
		struct job_order before, after;
		char *sp_state = spool_job_path(&sp, "j", JOB_STATE);
		char *sp_config = spool_job_path(&sp, "j", JOB_CONFIG);

		st = spool_state_read(&sp, "j");
		job_order_of(st, &before);
		json_decref(st);
		unlink(sp_state);
		unlink(sp_config);
		usleep(20000);
		ok(spool_claim_finish(&sp, "j") == 0, "a half claim finished");
		st = spool_state_read(&sp, "j");
		job_order_of(st, &after);
		ok(st && after.created_us <= before.created_us &&
		   before.created_us - after.created_us < 10000 &&
		   after.priority == 3, "it keeps its claim time and priority "
		   "(%lld us earlier)", before.created_us - after.created_us);
		ok(access(sp_config, F_OK) == 0, "config.json written again");
		json_decref(st);
		free(sp_state);
		free(sp_config);
	}

	free(tf_write(sp.incoming, "j.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}}"));
	ok(claim1(&sp, "j.json", time(NULL), &id) == CLAIM_QUEUED &&
	   strcmp(id, "j-2") == 0, "same name again becomes j-2");
	free(id);

	free(tf_write(sp.incoming, "half.json", "{\"data\": {"));
	ok(claim1(&sp, "half.json", time(NULL), &id) == CLAIM_WAIT,
	   "a fresh unparsable file waits");
	ok(claim1(&sp, "half.json", time(NULL) + 60, &id) ==
	   CLAIM_REJECTED, "and is rejected once quiet");
	p = path_join(sp.rejected, "half.error");
	ok(access(p, F_OK) == 0, "with half.error");
	free(p);

	free(tf_write(sp.incoming, "up.json",
		      "{\"data\": {\"path\": \"../x.csv\", \"targets\": "
		      "[\"y\"]}}"));
	ok(claim1(&sp, "up.json", time(NULL), &id) == CLAIM_REJECTED,
	   "data path outside the root rejected");
	p = path_join(sp.incoming, "ln.json");
	ok(symlink("/etc/passwd", p) == 0, "symlink made");
	ok(claim1(&sp, "ln.json", time(NULL), &id) == CLAIM_REJECTED,
	   "symlink rejected");
	free(p);
	ok(claim1(&sp, "gone.json", time(NULL), &id) == CLAIM_GONE,
	   "missing file is gone");
	ok(claim1(&sp, ".x.json", time(NULL), &id) == CLAIM_GONE,
	   "hidden name ignored");
	spool_release(&sp);
	tf_cleanup(dir);
}

/* Does SPOOL's DIR/ID/NAME exist? */
static int
has(const char *dir, const char *id, const char *name)
{
	char *p = name ? xasprintf("%s/%s/%s", dir, id, name) :
		  xasprintf("%s/%s", dir, id);
	int yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

static void
test_sweep_claim(void)
{
	struct spool sp;
	struct spool_claimed c;
	char *dir = tf_dir(), *id = NULL;
	json_t *g, *st;
	char err[256];

	spool_open(&sp, dir, NULL, dir);
	free(tf_write(dir, "data.csv", "x,y\n1,2\n"));
	free(tf_write(sp.presets, "base.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}, \"priority\": 2}"));
	free(tf_write(sp.incoming, "lr.json",
		      "{\"extends\": \"base.json\", \"sweep\": {\"grid\": "
		      "{\"train.lr\": [0.1, 0.01, 0.001], \"train.epochs\": "
		      "[1, 2]}}}"));
	ok(spool_claim(&sp, "lr.json", time(NULL), &c) == CLAIM_QUEUED,
	   "a sweep built on a preset is claimed");
	ok(c.n == 6 && c.group && strcmp(c.group, "lr") == 0,
	   "as the group lr of 6 members");
	is_str(c.n ? c.ids[0] : NULL, "lr-1", "members are lr-1 ...");
	is_str(c.n == 6 ? c.ids[5] : NULL, "lr-6", "... to lr-6");
	ok(c.n == 6 && c.orders[5].priority == 2 &&
	   c.orders[5].seq > c.orders[0].seq, "in order, with the preset's "
	   "priority");
	spool_claimed_release(&c);
	{
		char *gdir = path_join(sp.groups, "lr");

		g = job_group_read(gdir, err, sizeof err);
		free(gdir);
	}
	ok(g && json_array_size(json_object_get(g, "members")) == 6,
	   "group.json lists the members");
	is_str(json_str(json_array_get(json_object_get(g, "members"), 5),
			"id", ""), "lr-6", "by ID");
	json_decref(g);
	ok(has(sp.groups, "lr", JOB_SUBMITTED), "the sweep's config is the "
	   "group's submitted.json");
	ok(!has(sp.incoming, "lr.json", NULL), "and left incoming/");
	st = spool_state_read(&sp, "lr-4");
	is_str(json_str(st, "status", ""), "queued", "a member is queued");
	is_str(json_str(st, "name", ""), "lr [lr=0.01, epochs=2]",
	       "named by its values");
	json_decref(st);

	/* a job named like the group gets another ID, and the other way */
	free(tf_write(sp.incoming, "lr.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}}"));
	ok(claim1(&sp, "lr.json", time(NULL), &id) == CLAIM_QUEUED &&
	   strcmp(id, "lr-2-2") != 0 && !has(sp.groups, id, NULL),
	   "a job never takes a group's ID (got %s)", id ? id : "-");
	free(id);

	/* one invalid member: the whole sweep is rejected, nothing made */
	free(tf_write(sp.incoming, "bad.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}, \"sweep\": {\"grid\": {\"train.lr\": "
		      "[0.1, -1]}}}"));
	ok(spool_claim(&sp, "bad.json", time(NULL), &c) == CLAIM_REJECTED &&
	   c.n == 0, "a sweep with an invalid member is rejected");
	ok(!has(sp.groups, "bad", NULL) && !has(sp.jobs, "bad-1", NULL),
	   "and makes no group nor job");
	{
		char *e = path_join(sp.rejected, "bad.error");
		char *text = file_read(e, NULL, 0);

		ok(text && strstr(text, "member 2 of 2 (train.lr=-1): "
				  "train.lr: must be > 0"),
		   "the reason names the member and its field");
		free(text);
		free(e);
	}
	/* a member's data outside the data root */
	free(tf_write(sp.incoming, "out.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}, \"sweep\": {\"grid\": {\"data.path\": "
		      "[\"data.csv\", \"../x.csv\"]}}}"));
	ok(spool_claim(&sp, "out.json", time(NULL), &c) == CLAIM_REJECTED &&
	   !has(sp.groups, "out", NULL), "a member reading outside the data "
	   "root rejects the sweep");

	/* a claim that stopped before its rename is undone at start-up */
	free(tf_write(sp.incoming, "half.json",
		      "{\"data\": {\"path\": \"data.csv\", \"targets\": "
		      "[\"y\"]}, \"sweep\": {\"grid\": {\"train.lr\": "
		      "[0.1, 0.2]}}}"));
	ok(spool_claim(&sp, "half.json", time(NULL), &c) == CLAIM_QUEUED,
	   "a sweep claimed");
	spool_claimed_release(&c);
	{
		char *sub = xasprintf("%s/half/%s", sp.groups, JOB_SUBMITTED);
		char *back = path_join(sp.incoming, "half.json");
		char *f1 = spool_job_path(&sp, "half-1", JOB_STATE);
		char *f2 = spool_job_path(&sp, "half-1", JOB_CONFIG);
		char *f3 = spool_job_path(&sp, "half-1", JOB_EVENTS);
		char *orphan = path_join(sp.jobs, "half-3");

		/* as a runner that died before the rename leaves it: members
		   with submitted.json alone, one reserved before group.json */
		ok(rename(sub, back) == 0 && unlink(f1) == 0 &&
		   unlink(f2) == 0 && unlink(f3) == 0 &&
		   mkdir(orphan, 0755) == 0,
		   "made as if the runner died before the rename");
		free(sub);
		free(back);
		free(f1);
		free(f2);
		free(f3);
		free(orphan);
	}
	ok(spool_group_recover(&sp) == 0 && !has(sp.groups, "half", NULL) &&
	   !has(sp.jobs, "half-1", NULL) && !has(sp.jobs, "half-3", NULL),
	   "the unfinished claim is removed, with its members");
	ok(has(sp.jobs, "half-2", NULL), "but not a folder with more in it "
	   "than a claim writes before its rename");
	st = spool_state_read(&sp, "lr-2");
	is_str(json_str(st, "group", ""), "lr", "a member's state names its "
	       "group");
	json_decref(st);
	ok(has(sp.groups, "lr", NULL), "a finished claim is left alone");
	spool_release(&sp);
	tf_cleanup(dir);
}

/* rejected/NAME.error holds want */
static int
error_says(const struct spool *sp, const char *name, const char *want)
{
	char *e = path_join(sp->rejected, name);
	char *text = file_read(e, NULL, 0);
	int yes = text && strstr(text, want);

	free(text);
	free(e);
	return yes;
}

/* Exec jobs: claimed only with allow_exec, their workdir in the root. */
static void
test_exec_claim(void)
{
	struct spool sp;
	char *dir = tf_dir(), *id = NULL, *p;

	spool_open(&sp, dir, NULL, dir);
	p = path_join(dir, "proj");
	mkdir(p, 0755);
	free(p);
	free(tf_write(sp.incoming, "x.json", "{\"command\": [\"true\"], "
		      "\"workdir\": \"proj\"}"));
	ok(claim1(&sp, "x.json", time(NULL), &id) == CLAIM_REJECTED &&
	   !id, "an exec config is rejected without allow_exec");
	ok(!has(sp.jobs, "x", NULL), "and makes no job");
	ok(error_says(&sp, "x.error", "rejected/x.json: command: exec jobs "
		      "are off in this runner: it runs a command only when "
		      "started with spoolboard run --allow-exec"),
	   "its error names --allow-exec");
	free(tf_write(sp.incoming, "s.json", "{\"command\": [\"true\"], "
		      "\"sweep\": {\"grid\": {\"env.A\": [\"1\", \"2\"]}}}"));
	ok(claim1(&sp, "s.json", time(NULL), &id) == CLAIM_REJECTED &&
	   !has(sp.groups, "s", NULL) && error_says(&sp, "s.error",
	   "--allow-exec"), "so is a sweep of exec configs");

	sp.allow_exec = 1;
	free(tf_write(sp.incoming, "y.json", "{\"command\": [\"true\"], "
		      "\"workdir\": \"proj\"}"));
	ok(claim1(&sp, "y.json", time(NULL), &id) == CLAIM_QUEUED &&
	   id && strcmp(id, "y") == 0, "claimed with allow_exec");
	free(id);
	id = NULL;
	p = path_join(dir, "proj/out");
	ok(symlink("/", p) == 0, "a link out of the data root");
	free(p);
	free(tf_write(sp.incoming, "z.json", "{\"command\": [\"true\"], "
		      "\"workdir\": \"proj/out\"}"));
	ok(claim1(&sp, "z.json", time(NULL), &id) == CLAIM_REJECTED &&
	   error_says(&sp, "z.error", "workdir: 'proj/out' leads outside "
		      "the data root"), "a workdir through it is rejected");
	spool_release(&sp);
	tf_cleanup(dir);
}

int
main(void)
{
	error_set_quiet(1);
	test_ids();
	test_names();
	test_collisions();
	test_claim();
	test_sweep_claim();
	test_exec_claim();
	return tap_done();
}
