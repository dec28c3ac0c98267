/*
 * test-state.c - the job folder module: statuses and stages, the one
 * state.json builder against docs/formats.md, what outlives a run, how a
 * status is recorded, the queue order, the hardened reader and the event
 * appender.
 */
#include "job/state.h"
#include "job/config.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"
#include "tap.h"
#include "testfiles.h"

#include <sys/stat.h>

static void
test_names(void)
{
	int all = 1;

	for (int s = 0; s < JOB_NSTATUS; s++)
		all &= job_status_parse(job_status_name(s)) == s;
	ok(all, "every status name parses back to its status");
	ok(job_status_parse("Queued") == -1 && job_status_parse(NULL) == -1,
	   "an unknown or missing name is -1");
	is_str(job_status_name(-1), "unknown", "an unknown status has a name");
	ok(job_status_finished(JOB_COMPLETED) &&
	   job_status_finished(JOB_FAILED) &&
	   job_status_finished(JOB_CANCELLED) &&
	   !job_status_finished(JOB_QUEUED) &&
	   !job_status_finished(JOB_RUNNING) && !job_status_finished(-1),
	   "finished: completed, failed, cancelled only");
	ok(job_status_live(JOB_QUEUED) && job_status_live(JOB_RUNNING) &&
	   !job_status_live(JOB_FAILED) && !job_status_live(-1),
	   "live: queued and running only");
	ok(job_ckpt_epoch("ckpt-000042.tar.zst") == 42, "name epoch");
	ok(job_ckpt_epoch("ckpt-42.tar.zst") == -1 &&
	   job_ckpt_epoch("best.tar.zst") == -1 &&
	   job_ckpt_epoch("ckpt-000042.tar.zst.tmp") == -1 &&
	   job_ckpt_epoch("ckpt-") == -1, "other names are no epoch");
	is_str(job_stage_name(STAGE_LOAD), "load", "first stage");
	is_str(job_stage_name(STAGE_SAVE), "save", "last stage");
	ok(job_id_valid("a-1.b_2") && !job_id_valid("..") &&
	   !job_id_valid("a/b") && !job_id_valid(""),
	   "job IDs: [A-Za-z0-9._-]{1,64}, not . or ..");
	ok(!job_id_valid("-rf") && !job_id_valid("--fresh") &&
	   !job_id_valid(".x") && job_id_valid("x-") && job_id_valid("x.y"),
	   "job IDs start with neither '-' (an option) nor '.' (hidden)");
}

/* The config of a small job, loaded as the runner loads one. */
static void
load_config(struct config *cfg, const char *dir)
{
	struct strbuf why = STRBUF_INIT;
	char *p = tf_write(dir, "c.json", "{\"name\": \"n\", \"tags\": [\"t\"],"
		" \"priority\": 3, \"data\": {\"path\": \"d.csv\", \"targets\":"
		" [\"y\"]}, \"model\": {\"type\": \"mlp\"}}");

	if (config_load(cfg, p, &why) != 0) {
		printf("# %s", sb_str(&why));
		exit(1);
	}
	sb_release(&why);
	free(p);
}

/* The keys of docs/formats.md's state.json table, in their order. */
static json_t *
documented_keys(void)
{
	char *doc = file_read("docs/formats.md", NULL, 0), *p, *end;
	json_t *keys = json_array();

	if (!doc)
		return keys;
	p = strstr(doc, "## state.json");
	end = p ? strstr(p + 1, "\n## ") : NULL;
	while (p && (p = strstr(p, "\n| `")) && (!end || p < end)) {
		char *q = strchr(p + 4, '`');

		if (!q)
			break;
		json_array_append_new(keys, json_stringn(p + 4,
			(size_t)(q - p - 4)));
		p = q;
	}
	free(doc);
	return keys;
}

static void
test_builder(const char *dir)
{
	struct job_order o = { 3, 1764770000123456LL, 7 }, back;
	json_t *st, *doc = documented_keys(), *v;
	struct config cfg;
	const char *k;
	size_t last = 0, i;
	int documented = 1, in_order = 1;

	load_config(&cfg, dir);
	st = job_state_new("j1", &cfg, &o);
	ok(json_array_size(doc) > 30, "docs/formats.md lists the keys (%zu)",
	   json_array_size(doc));
	json_object_foreach(st, k, v) {
		size_t at = json_array_size(doc);

		json_array_foreach(doc, i, v)
			if (strcmp(json_string_value(v), k) == 0)
				at = i;
		if (at == json_array_size(doc)) {
			printf("# '%s' is not documented\n", k);
			documented = 0;
		} else if (at < last) {
			printf("# '%s' is out of the docs' order\n", k);
			in_order = 0;
		} else {
			last = at;
		}
	}
	ok(documented, "every key built is documented");
	ok(in_order, "keys are built in the order of the docs");
	is_str(json_str(st, "status", ""), "queued", "a new state is queued");
	is_str(json_str(st, "created", ""), "2025-12-03T13:53:20Z",
	       "created from the order's time");
	ok(json_is_null(json_object_get(st, "retry_at")), "retry_at null");
	ok(json_array_size(json_object_get(st, "stages")) == NSTAGES,
	   "five stages");
	is_str(json_str(job_state_stage(st, STAGE_TEST), "name", ""), "test",
	   "job_state_stage finds a stage");
	is_str(json_str(job_state_stage(st, STAGE_TEST), "status", ""),
	       "pending", "stages start pending");
	job_order_of(st, &back);
	ok(back.priority == 3 && back.created_us == o.created_us &&
	   back.seq == 7, "the order reads back exactly");
	json_decref(st);
	json_decref(doc);
	config_release(&cfg);
}

static void
test_carry_and_finish(const char *dir)
{
	struct job_order o1 = { 0, 1700000000000001LL, 4 };
	struct job_order o2 = { 0, 1800000000000000LL, 0 };
	struct config cfg;
	json_t *old, *st;

	load_config(&cfg, dir);
	/* what the runner leaves after a failed attempt it retries */
	old = job_state_new("j", &cfg, &o1);
	json_object_set_new(old, "attempt", json_integer(2));
	json_object_set_new(old, "retry_at",
			    json_string("2026-12-03T14:00:00Z"));
	/* the trainer's new state at its start carries them */
	st = job_state_new("j", &cfg, &o2);
	job_state_carry(st, old);
	is_str(json_str(st, "retry_at", ""), "2026-12-03T14:00:00Z",
	       "retry_at survives a start");
	ok(json_integer_value(json_object_get(st, "attempt")) == 2,
	   "the attempt survives a start");
	ok(json_equal(json_object_get(st, "created"),
		      json_object_get(old, "created")) &&
	   json_equal(json_object_get(st, "order"),
		      json_object_get(old, "order")),
	   "created and the queue order survive a start");

	/* an old state without "order": from created, to the second */
	json_object_del(old, "order");
	json_decref(st);
	st = job_state_new("j", &cfg, &o2);
	job_state_carry(st, old);
	ok(json_integer_value(json_object_get(json_object_get(st, "order"),
		"created_us")) == 1700000000000000LL,
	   "an order derived from an old state's created");

	/* running in the train stage, then failed */
	json_object_set_new(st, "status", json_string("running"));
	json_object_set_new(st, "stage", json_string("train"));
	json_object_set_new(st, "pid", json_integer(42));
	json_object_set_new(job_state_stage(st, STAGE_TRAIN), "status",
			    json_string("running"));
	job_state_finish(st, JOB_FAILED, "boom", "");
	is_str(json_str(st, "status", ""), "failed", "finish: status");
	ok(json_is_null(json_object_get(st, "pid")) &&
	   json_is_string(json_object_get(st, "ended")) &&
	   json_is_null(json_object_get(st, "retry_at")),
	   "finish: pid cleared, ended set, retry_at cleared");
	is_str(json_str(json_object_get(st, "error"), "stage", ""), "train",
	       "the error names the stage");
	ok(json_is_null(json_object_get(json_object_get(st, "error"), "hint")),
	   "an empty hint is null");
	is_str(json_str(job_state_stage(st, STAGE_TRAIN), "status", ""),
	       "failed", "the running stage fails with it");

	/* queued again (a retry) after load had run and train failed */
	json_object_set_new(job_state_stage(st, STAGE_LOAD), "status",
			    json_string("completed"));
	json_object_set_new(job_state_stage(st, STAGE_LOAD), "seconds",
			    json_real(1.5));
	job_state_set_time(job_state_stage(st, STAGE_LOAD), "started", 1e9);
	job_state_set_time(st, "started", 1e9);
	job_state_finish(st, JOB_QUEUED, NULL, NULL);
	ok(json_is_null(json_object_get(st, "error")) &&
	   json_is_null(json_object_get(st, "ended")),
	   "queued again: error and ended cleared");
	ok(json_is_null(json_object_get(st, "started")) &&
	   json_is_null(json_object_get(st, "stage")),
	   "queued again: no start nor stage of a run yet");
	{
		int pending = 0;

		for (int i = 0; i < NSTAGES; i++) {
			json_t *g = job_state_stage(st, (enum stage)i);

			pending += strcmp(json_str(g, "status", ""),
					  "pending") == 0 &&
				   json_is_null(json_object_get(g, "seconds")) &&
				   json_is_null(json_object_get(g, "started")) &&
				   json_is_null(json_object_get(g, "ended"));
		}
		ok(pending == NSTAGES, "queued again: every stage pending, "
		   "the failed and the completed ones too, without times "
		   "(%d of %d)", pending, NSTAGES);
	}
	json_decref(st);
	json_decref(old);
	config_release(&cfg);
}

static void
test_order(void)
{
	struct job_order hi = { 1, 300, 9 }, a = { 0, 100, 2 };
	struct job_order b = { 0, 100, 3 }, c = { 0, 99, 8 };

	ok(job_order_cmp(&hi, "z", &c, "a") < 0, "priority first");
	ok(job_order_cmp(&c, "z", &a, "a") < 0, "then the older");
	ok(job_order_cmp(&a, "z", &b, "a") < 0,
	   "then the earlier claim, within the same microsecond");
	ok(job_order_cmp(&a, "a", &a, "b") < 0 &&
	   job_order_cmp(&a, "b", &a, "b") == 0, "then the ID");
	ok(job_order_age_cmp(&hi, "z", &c, "a") > 0,
	   "the age order ignores priority");
}

static void
test_files(const char *dir)
{
	char err[512], *job = path_join(dir, "job"), *path, *evs, *evpath;
	struct job_order o = { 0, 1764770000000000LL, 1 };
	struct config cfg;
	json_t *st, *back;
	int quiet;

	mkdir(job, 0755);
	load_config(&cfg, dir);
	st = job_state_new("job", &cfg, &o);
	ok(job_state_write(job, st, 1) == 0, "state written durably");
	ok(job_state_write(job, st, 0) == 0, "and without fsync");
	back = job_state_read(job, err, sizeof(err));
	ok(back && json_is_string(json_object_get(back, "updated")) &&
	   json_equal(json_object_get(back, "order"),
		      json_object_get(st, "order")),
	   "read back, updated stamped");
	json_decref(back);

	path = path_join(job, JOB_STATE);
	unlink(path);
	symlink("../c.json", path);
	quiet = error_set_quiet(1);
	back = job_state_read(job, err, sizeof(err));
	ok(!back && strstr(err, "symbolic link"),
	   "a state.json that is a link is refused: %s", err);
	unlink(path);
	mkfifo(path, 0644);
	back = job_state_read(job, err, sizeof(err));
	ok(!back && strstr(err, "not a regular file"),
	   "a FIFO is refused without blocking: %s", err);
	unlink(path);
	free(tf_write(job, JOB_STATE, "[1, 2]"));
	back = job_state_read(job, err, sizeof(err));
	ok(!back && strstr(err, "not a JSON object"), "an array is refused");
	error_set_quiet(quiet);

	ok(job_event(job, "queued", json_pack("{s:i}", "priority", 3)) == 0 &&
	   job_event(job, "retry", NULL) == 0, "two events appended");
	evpath = path_join(job, JOB_EVENTS);
	evs = file_read(evpath, NULL, 0);
	free(evpath);
	ok(evs && strstr(evs, "\"event\":\"queued\",\"priority\":3}\n") &&
	   strstr(evs, "\"event\":\"retry\"}\n"), "one line each");
	free(evs);
	json_decref(st);
	config_release(&cfg);
	free(path);
	free(job);
}

int
main(void)
{
	char *dir = tf_dir();

	test_names();
	test_builder(dir);
	test_carry_and_finish(dir);
	test_order();
	test_files(dir);
	tf_cleanup(dir);
	return tap_done();
}
