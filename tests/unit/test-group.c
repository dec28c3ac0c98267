/*
 * test-group.c - groups (sweeps): group.json read as hostile input (a
 * link, a FIFO, a linked folder, a huge file, garbage, wrong types,
 * member IDs like ../x, repeats, too many members), its identity for
 * watch mode, and the view model of a group's page (progress, ETA, the
 * best member, the ranking, the axes that vary, the plots, the notes).
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "render/group.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char group_ok[] =
	"{\"id\": \"not-this\", \"name\": \"LR sweep\", \"file\": \"lr.json\","
	" \"created\": \"2026-12-03T21:00:00Z\", \"metric\": \"val_loss\", "
	"\"goal\": \"min\", \"axes\": [{\"path\": \"train.lr\", \"kind\": "
	"\"grid\", \"values\": [0.001, 0.01]}, {\"path\": "
	"\"train.batch_size\", \"kind\": \"choice\", \"values\": [16, 32]}, "
	"{\"path\": \"train.weight_decay\", \"kind\": \"log_uniform\", "
	"\"range\": [1e-5, 1e-2]}], \"seed\": 1, \"n\": 4, \"members\": ["
	"{\"id\": \"m1\", \"params\": {\"train.lr\": 0.001, "
	"\"train.batch_size\": 16}},"
	"{\"id\": \"m2\", \"params\": {\"train.lr\": 0.01, "
	"\"train.batch_size\": 16}},"
	"{\"id\": \"m3\", \"params\": {\"train.lr\": 0.003, "
	"\"train.batch_size\": 16}},"
	"{\"id\": \"m4\", \"params\": {\"train.lr\": 0.03, "
	"\"train.batch_size\": 16}}]}";

/* dir/groups/gid/group.json holding text; the groups folder's path. */
static char *
put_group(const char *dir, const char *gid, const char *text)
{
	char *groups = path_join(dir, "groups"), *g = path_join(groups, gid);

	mkdir(groups, 0755);
	mkdir(g, 0755);
	if (text)
		free(tf_write(g, "group.json", text));
	free(g);
	return groups;
}

static int
has_note(const json_t *g, const char *needle)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(g, "notes"), i, n)
		if (strstr(json_string_value(n), needle))
			return 1;
	return 0;
}

static void
test_read(const char *dir)
{
	char *groups = put_group(dir, "lr-sweep", group_ok), err[512];
	json_t *g = group_read(groups, "lr-sweep", err, sizeof(err));
	char sig1[160], sig2[160];

	ok(g != NULL, "a group.json reads");
	is_str(json_str(g, "id", ""), "lr-sweep",
	       "its ID is its folder's name, whatever the file says");
	is_str(json_str(g, "name", ""), "LR sweep", "name");
	is_str(json_str(g, "metric", ""), "val_loss", "metric");
	is_str(json_str(g, "goal", ""), "min", "goal");
	ok(json_array_size(json_object_get(g, "axes")) == 3 &&
	   json_array_size(json_object_get(g, "members")) == 4,
	   "3 axes, 4 members");
	ok(json_array_size(json_object_get(g, "notes")) == 0, "no notes");
	json_decref(g);
	ok(group_stat(groups, "lr-sweep", sig1, sizeof(sig1)) == 0,
	   "its identity");
	free(put_group(dir, "lr-sweep", group_ok));
	ok(group_stat(groups, "lr-sweep", sig2, sizeof(sig2)) == 0 &&
	   strcmp(sig1, sig2) != 0, "a rewritten group.json is another");
	ok(group_stat(groups, "none", sig2, sizeof(sig2)) < 0,
	   "no group.json: none");
	free(groups);
}

static void
test_hostile(const char *dir)
{
	char *groups, *p, *q, err[512];
	json_t *g;
	struct strbuf sb = STRBUF_INIT;
	int fd;

	/* group.json a link to a file elsewhere */
	groups = put_group(dir, "lnk", NULL);
	p = tf_write(dir, "elsewhere.json", group_ok);
	q = xasprintf("%s/lnk/group.json", groups);
	ok(symlink(p, q) == 0, "a group.json link planted");
	g = group_read(groups, "lnk", err, sizeof(err));
	ok(!g, "a linked group.json is refused (%s)", err);
	unlink(q);
	ok(mkfifo(q, 0644) == 0, "a group.json FIFO planted");
	g = group_read(groups, "lnk", err, sizeof(err));
	ok(!g, "a FIFO is refused at once (%s)", err);
	unlink(q);
	/* the group's folder a link */
	free(q);
	q = xasprintf("%s/dirlink", groups);
	free(put_group(dir, "real", group_ok));
	ok(symlink("real", q) == 0, "a group folder link planted");
	g = group_read(groups, "dirlink", err, sizeof(err));
	ok(!g && strstr(err, "symbolic link"), "a linked folder is refused "
	   "(%s)", err);
	free(q);
	/* huge, garbage, not an object */
	free(put_group(dir, "huge", "{}"));
	q = xasprintf("%s/huge/group.json", groups);
	fd = open(q, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && ftruncate(fd, GROUP_MAX + 1) == 0, "a group.json of "
	   "16 MiB and a byte");
	close(fd);
	g = group_read(groups, "huge", err, sizeof(err));
	ok(!g, "refused: %s", err);
	free(q);
	free(put_group(dir, "bad", "{\"members\": [1, 2"));
	g = group_read(groups, "bad", err, sizeof(err));
	ok(!g && strstr(err, "group.json:"), "malformed: refused with "
	   "line:col (%s)", err);
	free(put_group(dir, "arr", "[{\"id\": \"m1\"}]"));
	g = group_read(groups, "arr", err, sizeof(err));
	ok(!g && strstr(err, "not a JSON object"), "an array is refused");

	/* wrong types everywhere: defaults, and notes saying so */
	free(put_group(dir, "odd", "{\"name\": 5, \"file\": [1], \"created\": "
		"\"yesterday\", \"metric\": \"loss; rm -rf /\", \"goal\": "
		"\"best\", \"axes\": [{\"kind\": \"grid\"}, 7, {\"path\": "
		"\"a\\u0001b\"}, {\"path\": \"train.lr\", \"kind\": \"weird\", "
		"\"values\": 3, \"range\": [1, \"x\"]}, {\"path\": "
		"\"train.lr\"}], \"seed\": \"s\", \"n\": -4, \"members\": ["
		"{\"id\": \"../../etc\"}, {\"id\": \".hidden\"}, {\"id\": "
		"\"-rf\"}, {\"id\": \"a/b\"}, {\"id\": 12}, 13, {\"id\": \"ok\","
		" \"params\": [1]}, {\"id\": \"ok\"}, \"plain\", {\"id\": \"p\","
		" \"params\": {\"model.hidden\": [8], \"x\\u0002y\": 1}}]}"));
	g = group_read(groups, "odd", err, sizeof(err));
	ok(g != NULL, "a group.json of wrong types reads");
	is_str(json_str(g, "name", ""), "odd", "a name not text: the ID");
	ok(!json_object_get(g, "file") && json_is_null(json_object_get(g,
	   "created")), "file and created left out");
	is_str(json_str(g, "metric", ""), "val_loss", "an unknown metric: "
	       "val_loss");
	ok(has_note(g, "metric is not one"), "... with a note");
	is_str(json_str(g, "goal", ""), "min", "goal: min");
	ok(has_note(g, "neither min nor max"), "... with a note");
	ok(json_array_size(json_object_get(g, "axes")) == 2,
	   "axes: train.lr once, and model.hidden from a member's params");
	is_str(json_str(json_array_get(json_object_get(g, "axes"), 0), "kind",
			""), "unknown", "an unknown kind");
	ok(!json_object_get(json_array_get(json_object_get(g, "axes"), 0),
			    "values") &&
	   !json_object_get(json_array_get(json_object_get(g, "axes"), 0),
			    "range"), "values and range of the wrong type "
	   "left out");
	ok(has_note(g, "4 axes without a path (or repeated)"),
	   "the axes left out are counted");
	ok(json_array_size(json_object_get(g, "members")) == 3,
	   "members: ok, plain and p");
	ok(has_note(g, "6 members whose ID is not a job ID") &&
	   has_note(g, "'../../etc'"), "the bad IDs counted, one named");
	ok(has_note(g, "listed twice"), "the repeat noted");
	ok(!json_object_get(g, "seed") && !json_object_get(g, "n"),
	   "seed and n of the wrong type left out");
	ok(json_object_size(json_object_get(json_array_get(json_object_get(g,
	   "members"), 2), "params")) == 1, "a param path with a control "
	   "character left out");
	{
		/* a view of it: nothing breaks */
		json_t *v = group_view(g, NULL);

		ok(v && json_integer_value(json_object_get(v, "n")) == 3 &&
		   json_is_null(json_object_get(v, "best")),
		   "its view: 3 members, none in jobs/, no best");
		json_decref(v);
	}
	json_decref(g);

	/* more members than the cap */
	sb_adds(&sb, "{\"members\": [");
	for (int i = 0; i < GROUP_MAX_MEMBERS + 5; i++)
		sb_addf(&sb, "%s{\"id\": \"m%d\"}", i ? "," : "", i);
	sb_adds(&sb, "]}");
	free(put_group(dir, "many", sb_str(&sb)));
	g = group_read(groups, "many", err, sizeof(err));
	ok(g && json_array_size(json_object_get(g, "members")) ==
	   GROUP_MAX_MEMBERS && has_note(g, "5 members past the first"),
	   "at most %d members, the rest counted", GROUP_MAX_MEMBERS);
	json_decref(g);
	sb_release(&sb);
	free(p);
	free(groups);
}

/* The entry the site keeps of a job: {sum, rec}. */
static json_t *
ent(const char *name, const char *status, const char *rec)
{
	char err[128];
	json_t *r = json_load_buf("rec", rec, strlen(rec), err, sizeof(err));

	return json_pack("{s:{s:s, s:s, s:s, s:i}, s:o}", "sum", "name", name,
			 "status", status, "duration", "1m 00s", "duration_s",
			 60, "rec", r ? r : json_object());
}

static const json_t *
cell(const json_t *row, size_t i)
{
	return json_array_get(json_object_get(row, "cells"), i);
}

static void
test_view(const char *dir)
{
	char *groups = put_group(dir, "v", group_ok), err[512];
	json_t *g = group_read(groups, "v", err, sizeof(err)), *v, *rows;
	json_t *e[4];
	const json_t *ents[4], *c;
	size_t i;
	int has_pc = 0, has_sc = 0, has_cv = 0;

	e[0] = ent("first", "completed", "{\"status\": \"completed\", "
		   "\"epoch\": 10, \"epochs\": 10, \"dur_s\": 100, "
		   "\"best_val_loss\": 0.2, \"best_epoch\": 9, \"test\": "
		   "{\"loss\": 0.25, \"rmse\": 5}, \"curve\": \"1 1 2 0.5 3 0.2\","
		   " \"curve_name\": \"val_loss\"}");
	e[1] = ent("<b>second</b>", "completed", "{\"status\": \"completed\","
		   " \"epoch\": 10, \"epochs\": 10, \"dur_s\": 200, "
		   "\"best_val_loss\": 0.1, \"best_epoch\": 10, \"test\": "
		   "{\"loss\": 0.15, \"rmse\": 4}, \"curve\": \"1 0.9 2 0.1\", "
		   "\"curve_name\": \"val_loss\"}");
	e[2] = ent("third", "running", "{\"status\": \"running\", \"epoch\": "
		   "5, \"epochs\": 10, \"eta_s\": 90, \"dur_s\": 60}");
	for (i = 0; i < 3; i++)
		ents[i] = e[i];
	ents[3] = NULL;		/* m4: not in jobs/ */
	v = group_view(g, ents);
	ok(json_integer_value(json_object_get(v, "n")) == 4 &&
	   json_integer_value(json_object_get(v, "done")) == 2,
	   "2 of 4 done");
	ok(json_integer_value(json_object_get(v, "progress_pct")) == 63,
	   "progress: 2 done and half of one, of 4 (63%%)");
	is_str(json_str(v, "eta", ""), "1m 30s",
	       "ETA: the running member's own");
	is_str(json_str(v, "mean_duration", ""), "2m 30s",
	       "a member takes the mean of the completed");
	is_str(json_str(json_object_get(v, "best"), "id", ""), "m2",
	       "the best: the lowest val_loss");
	is_str(json_str(json_object_get(v, "best"), "value", ""), "0.1",
	       "its value");
	rows = json_object_get(v, "rows");
	ok(json_array_size(rows) == 4, "a row per member");
	is_str(json_str(json_array_get(rows, 0), "id", ""), "m2", "row 1: m2");
	is_str(json_str(json_array_get(rows, 1), "id", ""), "m1", "row 2: m1");
	ok(json_is_true(json_object_get(json_array_get(rows, 0), "best")) &&
	   json_is_false(json_object_get(json_array_get(rows, 1), "best")),
	   "the best row marked");
	is_str(json_str(json_array_get(rows, 3), "status", ""), "missing",
	       "a member without a job: missing");
	ok(!json_object_get(json_array_get(rows, 3), "href"),
	   "... and no link");
	is_str(json_str(json_array_get(rows, 0), "href", ""),
	       "../../jobs/m2/index.html", "a link to the member's page");
	ok(json_array_size(json_object_get(v, "columns")) == 8,
	   "columns: member, status, train.lr (the only axis that varies), "
	   "val_loss, best epoch, test.loss, test.rmse, duration (%zu)",
	   json_array_size(json_object_get(v, "columns")));
	c = cell(json_array_get(rows, 0), 0);
	is_str(json_str(c, "text", ""), "0.01", "m2's train.lr");
	is_str(json_str(c, "sort", ""), "0.01", "sorted by its number");
	c = cell(json_array_get(rows, 2), 1);
	is_str(json_str(c, "text", ""), "-", "no metric: -");
	ok(!json_object_get(c, "sort"), "... and nothing to sort by");
	ok(json_array_size(json_object_get(v, "fixed")) == 1 &&
	   !strcmp(json_str(json_array_get(json_object_get(v, "fixed"), 0),
			    "path", ""), "train.batch_size"),
	   "the axis that does not vary is said once");
	json_array_foreach(json_object_get(v, "charts"), i, c) {
		const char *id = json_str(c, "id", "");

		has_cv |= !strcmp(id, "curves") && strstr(json_str(c, "svg",
			""), "data-id='m2'");
		has_pc |= !strcmp(id, "pcoord");
		has_sc |= !strcmp(id, "scatter") && strstr(json_str(c, "svg",
			""), "2 runs without a value");
	}
	ok(has_cv && has_pc && has_sc, "curves, parallel coordinates, and a "
	   "scatter (one numeric axis varies) that says what it leaves out");
	ok(has_note(v, "1 member not in jobs/") &&
	   has_note(v, "2 members have no val_loss"),
	   "notes: the member not in jobs/, those without a metric");
	is_str(json_str(v, "compare_href", ""),
	       "../../compare.html?ids=m2,m1,m3",
	       "compare: the members with a job, best first");
	{
		json_t *s = group_summary(v);

		ok(!strcmp(json_str(s, "best", ""), "0.1") &&
		   !strcmp(json_str(s, "best_id", ""), "m2") &&
		   json_integer_value(json_object_get(s, "done")) == 2,
		   "the summary for the index");
		json_decref(s);
	}
	json_decref(v);
	json_decref(g);

	/* goal max on a test metric: the highest first */
	free(put_group(dir, "mx", "{\"metric\": \"test.rmse\", \"goal\": "
		"\"max\", \"axes\": [{\"path\": \"a\"}], \"members\": ["
		"{\"id\": \"m1\", \"params\": {\"a\": \"x\"}}, {\"id\": \"m2\", "
		"\"params\": {\"a\": [1, 2]}}, {\"id\": \"m3\"}]}"));
	g = group_read(groups, "mx", err, sizeof(err));
	v = group_view(g, ents);
	rows = json_object_get(v, "rows");
	is_str(json_str(json_array_get(rows, 0), "id", ""), "m1",
	       "goal max: rmse 5 before 4");
	is_str(json_str(cell(json_array_get(rows, 1), 0), "text", ""), "[1,2]",
	       "a category axis: its value as JSON text");
	is_str(json_str(cell(json_array_get(rows, 2), 0), "text", ""),
	       "\xe2\x80\x93", "a member without the param: a dash");
	has_sc = 0;
	json_array_foreach(json_object_get(v, "charts"), i, c)
		has_sc |= !strcmp(json_str(c, "id", ""), "scatter");
	ok(!has_sc, "no numeric axis varies: no scatter");
	json_decref(v);
	json_decref(g);
	for (i = 0; i < 3; i++)
		json_decref(e[i]);
	free(groups);
}

int
main(void)
{
	char *dir = tf_dir();

	error_set_quiet(1);
	test_read(dir);
	test_hostile(dir);
	test_view(dir);
	tf_cleanup(dir);
	return tap_done();
}
