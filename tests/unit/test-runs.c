/*
 * test-runs.c - what comparing takes from a job folder: the record of a
 * group member (its numbers, its curve downsampled), hostile job files
 * (links, FIFOs, wrong types), the config flattened to dotted paths,
 * compare.js (parsed back), and jobs.csv (columns united, RFC 4180
 * quoting, formula injection guarded, rows kept between renders).
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/csvfile.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "render/runs.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
put(const char *dir, const char *name, const char *text)
{
	free(tf_write(dir, name, text));
}

/* A job folder dir/name with state.json, config.json, metrics.csv. */
static char *
make_job(const char *dir, const char *name, const char *state,
	 const char *config, size_t rows, int with_val)
{
	char *jd = path_join(dir, name);
	struct strbuf m = STRBUF_INIT;

	mkdir(jd, 0755);
	if (state)
		put(jd, "state.json", state);
	if (config)
		put(jd, "config.json", config);
	sb_adds(&m, with_val ? "epoch,step,seconds,lr,train_loss,val_loss,"
		"val_rmse\n" : "epoch,step,seconds,lr,train_loss\n");
	for (size_t e = 1; e <= rows; e++) {
		sb_addf(&m, "%zu,%zu,%.2f,0.001,%.6f", e, e * 10,
			(double)e / 10, 1.0 / (double)e);
		if (with_val)
			sb_addf(&m, ",%.6f,%s", 2.0 / (double)e + 0.01,
				e % 50 == 7 ? "" : "3.5");
		sb_addc(&m, '\n');
	}
	sb_adds(&m, "999,1");	/* a row still being written */
	put(jd, "metrics.csv", sb_str(&m));
	sb_release(&m);
	return jd;
}

static const char state_done[] =
	"{\"id\": \"a\", \"name\": \"<script>x</script>\", \"status\": "
	"\"completed\", \"epoch\": 250, \"epochs\": 250, \"train_loss\": 0.004,"
	" \"val_loss\": 0.0181, \"best\": {\"epoch\": 240, \"val_loss\": "
	"0.018}, \"started\": \"2026-11-25T10:00:00Z\", \"ended\": "
	"\"2026-11-25T10:01:05Z\", \"updated\": \"2026-11-25T10:01:05Z\","
	" \"eta_seconds\": 40, \"test\": {\"loss\": 0.02, \"samples\": 9, "
	"\"metrics\": {\"rmse\": 3.25, \"r2\": 0.9, \"bad key\": 1, \"mae\": "
	"\"x\", \"../p\": 2}}}";

static const char config_a[] =
	"{\"name\": \"=HYPERLINK(\\\"http://x\\\")\", \"tags\": [\"a\", "
	"\"b,c\"], \"data\": {\"path\": \"d.csv\", \"split\": {\"train\": "
	"0.7}}, \"model\": {\"type\": \"mlp\", \"hidden\": [64, 64], \"x\": "
	"{}}, \"train\": {\"lr\": 0.001, \"betas\": [0.9, 0.999], \"note\": "
	"\"+1 more\", \"neg\": -0.5, \"at\": \"@SUM(A1)\"}, \"bad\\u0001key\": "
	"1}";

static void
test_record(const char *dir)
{
	char *jd = make_job(dir, "a", state_done, config_a, 250, 1), err[256];
	struct runs_job j;
	json_t *r;
	const char *curve;
	size_t n = 0;

	ok(runs_load(&j, jd, err, sizeof(err)) == 0, "a job folder loads");
	ok(j.config && j.metrics.nrows == 250,
	   "config and metrics (the half row left out)");
	r = runs_record(&j);
	is_str(json_str(r, "status", ""), "completed", "record: status");
	ok(json_integer_value(json_object_get(r, "epoch")) == 250 &&
	   json_integer_value(json_object_get(r, "epochs")) == 250,
	   "record: epochs");
	ok(!json_object_get(r, "eta_s"), "no ETA once finished");
	is_near(json_dbl(r, "dur_s", -1), 65, 1e-9, "record: duration");
	ok(json_integer_value(json_object_get(r, "best_epoch")) == 240,
	   "record: best epoch");
	is_near(runs_metric(r, "val_loss"), 0.018, 1e-12,
		"metric val_loss: the best");
	is_near(runs_metric(r, "train_loss"), 0.004, 1e-12,
		"metric train_loss");
	is_near(runs_metric(r, "test.loss"), 0.02, 1e-12, "metric test.loss");
	is_near(runs_metric(r, "test.rmse"), 3.25, 1e-12, "metric test.rmse");
	ok(isnan(runs_metric(r, "test.mae")) && isnan(runs_metric(r,
	   "test.bad key")) && isnan(runs_metric(r, "nope")) &&
	   isnan(runs_metric(NULL, "val_loss")),
	   "no value: a string, a bad key, an unknown metric, no record");
	ok(json_object_size(json_object_get(r, "test")) == 3,
	   "test: loss, rmse, r2 (not the string, not the odd keys)");
	curve = json_str(r, "curve", "");
	for (const char *p = curve; *p; p++)
		n += *p == ' ';
	ok((n + 1) / 2 == RUNS_CURVE_POINTS,
	   "the curve downsampled to %d points (%zu)", RUNS_CURVE_POINTS,
	   (n + 1) / 2);
	ok(strncmp(curve, "1 2.01 ", 7) == 0, "the curve starts at epoch 1 "
	   "(%.12s)", curve);
	is_str(json_str(r, "curve_name", ""), "val_loss", "the curve's name");
	json_decref(r);
	runs_release(&j);
	free(jd);

	/* running, without a val_loss column: ETA, and the train curve */
	jd = make_job(dir, "b", "{\"status\": \"running\", \"epoch\": 3, "
		      "\"eta_seconds\": 42.5, \"best\": null, \"test\": "
		      "\"nope\", \"started\": \"2026-11-25T10:00:00Z\", "
		      "\"updated\": \"2026-11-25T10:00:09Z\"}", NULL, 3, 0);
	ok(runs_load(&j, jd, err, sizeof(err)) == 0 && !j.config,
	   "no config.json: loads without");
	r = runs_record(&j);
	is_near(json_dbl(r, "eta_s", -1), 42.5, 1e-9, "running: its ETA");
	is_near(json_dbl(r, "dur_s", -1), 9, 1e-9, "running: to updated");
	is_str(json_str(r, "curve_name", ""), "train_loss",
	       "no val_loss: the train_loss curve");
	is_str(json_str(r, "curve", ""), "1 1 2 0.5 3 0.3333",
	       "3 points, 4 digits");
	ok(!json_object_get(r, "best_epoch") && isnan(runs_metric(r,
	   "val_loss")), "no best yet");
	json_decref(r);
	runs_release(&j);
	free(jd);
}

static void
test_hostile(const char *dir)
{
	char *jd, *p, *q, err[256];
	struct runs_job j;
	int fd;

	/* state.json a link to a file outside */
	jd = path_join(dir, "lnk");
	mkdir(jd, 0755);
	p = tf_write(dir, "outside.json", "{\"status\": \"completed\"}");
	q = path_join(jd, "state.json");
	ok(symlink(p, q) == 0, "a state.json link planted");
	ok(runs_load(&j, jd, err, sizeof(err)) < 0 && !j.state,
	   "a linked state.json is refused (%s)", err);
	runs_release(&j);
	unlink(q);
	/* a FIFO: refused at once, never waited on */
	ok(mkfifo(q, 0644) == 0, "a state.json FIFO planted");
	ok(runs_load(&j, jd, err, sizeof(err)) < 0, "a FIFO is refused (%s)",
	   err);
	runs_release(&j);
	unlink(q);
	/* the job folder itself a link */
	free(q);
	q = path_join(dir, "dirlink");
	ok(symlink(jd, q) == 0 && runs_load(&j, q, err, sizeof(err)) < 0 &&
	   strstr(err, "symbolic link"), "a linked job folder is refused");
	runs_release(&j);
	/* not an object; larger than the cap */
	put(jd, "state.json", "[1, 2]");
	ok(runs_load(&j, jd, err, sizeof(err)) < 0 && strstr(err,
	   "not a JSON object"), "a state.json array is refused");
	runs_release(&j);
	free(q);
	q = path_join(jd, "state.json");
	fd = open(q, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && ftruncate(fd, 17 * 1024 * 1024) == 0,
	   "a state.json of 17 MiB");
	close(fd);
	ok(runs_load(&j, jd, err, sizeof(err)) < 0, "refused: %s", err);
	runs_release(&j);
	/* wrong types everywhere: a record still, with nothing wrong in it */
	put(jd, "state.json", "{\"status\": 7, \"epoch\": \"x\", \"best\": "
	    "[1], \"eta_seconds\": \"soon\", \"test\": {\"metrics\": [1]}, "
	    "\"started\": 5, \"train_loss\": \"NaN\"}");
	free(p);
	p = path_join(jd, "config.json");
	ok(symlink("/etc/passwd", p) == 0, "a config.json link planted");
	ok(runs_load(&j, jd, err, sizeof(err)) == 0 && !j.config,
	   "a state of wrong types loads, the linked config does not");
	{
		json_t *r = runs_record(&j);
		struct strbuf sb = STRBUF_INIT;
		char *dump;

		ok(r && !json_object_get(r, "dur_s") &&
		   !json_object_get(r, "eta_s") &&
		   !json_object_get(r, "train_loss") &&
		   !json_object_get(r, "curve"), "its record holds nothing odd");
		dump = json_dumps(r, JSON_COMPACT);
		diag("%s", dump);
		free(dump);
		runs_compare_js(&sb, NULL, NULL, &j, r, NULL);
		ok(strncmp(sb_str(&sb), "spoolboardCompare({", 19) == 0,
		   "compare.js of it still made");
		sb_release(&sb);
		json_decref(r);
	}
	runs_release(&j);
	free(p);
	free(q);
	free(jd);
}

static void
test_flatten(void)
{
	char err[128];
	json_t *c = json_load_buf("c", config_a, strlen(config_a), err,
				  sizeof(err));
	json_t *f = runs_flatten(c), *deep, *big;
	const char *key;
	json_t *v;
	size_t i = 0;
	static const char *const order[] = { "name", "tags", "data.path",
		"data.split.train", "model.type", "model.hidden", "model.x",
		"train.lr", "train.betas", "train.note", "train.neg",
		"train.at" };

	ok(json_object_size(f) == sizeof(order) / sizeof(order[0]),
	   "every leaf (%zu), the key with a control character left out",
	   json_object_size(f));
	json_object_foreach(f, key, v) {
		if (i < sizeof(order) / sizeof(order[0]) && strcmp(key,
								   order[i]))
			diag("leaf %zu: '%s', want '%s'", i, key, order[i]);
		i++;
	}
	ok(json_is_array(json_object_get(f, "model.hidden")) &&
	   json_is_object(json_object_get(f, "model.x")),
	   "arrays and empty objects are leaves");
	ok(json_real_value(json_object_get(f, "train.lr")) == 0.001,
	   "values as they are");
	json_decref(f);
	json_decref(c);
	f = runs_flatten(NULL);
	ok(json_object_size(f) == 0, "no config: no leaves");
	json_decref(f);
	c = json_pack("[i]", 1);
	f = runs_flatten(c);
	ok(json_object_size(f) == 0, "an array: no leaves");
	json_decref(f);
	json_decref(c);
	/* 40 levels deep: one leaf at the depth cap */
	deep = json_integer(1);
	for (int d = 0; d < 40; d++)
		deep = json_pack("{s:o}", "k", deep);
	f = runs_flatten(deep);
	ok(json_object_size(f) == 1, "nested 40 deep: one leaf");
	json_object_foreach(f, key, v)
		ok(strlen(key) == 2 * RUNS_FLAT_DEPTH - 1 &&
		   json_is_object(v), "cut at depth %d", RUNS_FLAT_DEPTH);
	json_decref(f);
	json_decref(deep);
	big = json_object();
	for (int k = 0; k < 10000; k++) {
		char name[16];

		snprintf(name, sizeof(name), "k%d", k);
		json_object_set_new(big, name, json_integer(k));
	}
	f = runs_flatten(big);
	ok(json_object_size(f) == RUNS_FLAT_MAX, "at most %d leaves",
	   RUNS_FLAT_MAX);
	json_decref(f);
	json_decref(big);
	ok(runs_metric_valid("val_loss") && runs_metric_valid("train_loss") &&
	   runs_metric_valid("test.rmse") && runs_metric_valid("test.loss"),
	   "valid metrics");
	ok(!runs_metric_valid(NULL) && !runs_metric_valid("rmse") &&
	   !runs_metric_valid("test.") && !runs_metric_valid("test.a b") &&
	   !runs_metric_valid("test.../x"), "invalid metrics");
}

static void
test_compare_js(const char *dir)
{
	char *jd = make_job(dir, "c", state_done, config_a, 250, 1), err[256];
	struct runs_job j;
	struct strbuf sb = STRBUF_INIT;
	json_t *rec, *flat, *sum, *grp, *o;
	const char *s;
	size_t len;

	ok(runs_load(&j, jd, err, sizeof(err)) == 0, "job c loads");
	rec = runs_record(&j);
	flat = runs_flatten(j.config);
	sum = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "c", "name",
			"<script>x</script>", "status", "completed", "label",
			"Completed", "icon", "\xe2\x9c\x93");
	grp = json_pack("{s:s, s:s}", "id", "g", "name", "G</script>");
	runs_compare_js(&sb, sum, grp, &j, rec, flat);
	s = sb_str(&sb);
	len = sb.len;
	ok(strncmp(s, "spoolboardCompare(", 18) == 0 && len > 21 &&
	   strcmp(s + len - 3, ");\n") == 0, "one call of spoolboardCompare");
	ok(!strchr(s, '<'), "no < in it (\\u003c)");
	o = json_load_buf("compare.js", s + 18, len - 21, err, sizeof(err));
	ok(o != NULL, "its argument is JSON (%s)", o ? "ok" : err);
	is_str(json_str(o, "name", ""), "<script>x</script>", "the name");
	is_str(json_str(json_object_get(o, "group"), "id", ""), "g",
	       "the group");
	ok(json_integer_value(json_object_get(o, "best_epoch")) == 240,
	   "the best epoch");
	ok(json_real_value(json_object_get(json_object_get(o, "config"),
	   "train.lr")) == 0.001, "the config, flat");
	{
		json_t *ser = json_object_get(o, "series");
		json_t *vl = json_object_get(ser, "val_loss");
		json_t *rm = json_object_get(ser, "val_rmse");

		ok(!json_object_get(ser, "epoch") &&
		   !json_object_get(ser, "step") &&
		   !json_object_get(ser, "seconds") &&
		   json_object_get(ser, "lr") && json_object_get(ser,
		   "train_loss"), "series: all but epoch, step, seconds");
		json_t *x = json_object_get(o, "x");
		json_t *lr = json_object_get(ser, "lr");
		json_t *vxy = json_object_get(vl, "xy");

		ok(json_array_size(x) == RUNS_SERIES_POINTS &&
		   json_is_array(lr) &&
		   json_array_size(lr) == RUNS_SERIES_POINTS,
		   "x: the first series' epochs; it has its values alone");
		ok(json_array_size(vxy) == 2 * RUNS_SERIES_POINTS,
		   "val_loss downsampled to %d points", RUNS_SERIES_POINTS);
		ok(json_integer_value(json_array_get(vxy, 0)) == 1 &&
		   json_number_value(json_array_get(vxy, 1)) == 2.01,
		   "of other epochs (LTTB's own): pairs of epoch and value");
		ok(json_array_size(json_object_get(rm, "xy")) ==
		   2 * RUNS_SERIES_POINTS,
		   "a column with gaps: its points only");
	}
	diag("compare.js of a 250-epoch job: %zu bytes", len);
	ok(len < 20000, "under 20 KB (%zu)", len);
	json_decref(o);
	json_decref(rec);
	json_decref(flat);
	json_decref(sum);
	json_decref(grp);
	sb_release(&sb);
	runs_release(&j);
	free(jd);
}

/* An entry as the site keeps it: sum and csv cells. */
static json_t *
entry(const char *id, const char *name, const char *group,
      const char *config, double best)
{
	char err[128];
	json_t *cfg = config ? json_load_buf("c", config, strlen(config), err,
					     sizeof(err)) : NULL;
	json_t *flat = runs_flatten(cfg);
	json_t *sum = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "id", id,
				"name", name, "status", "completed", "epoch",
				3, "epochs", 3, "duration_s", 65);
	json_t *rec = json_pack("{s:f, s:i, s:f, s:{s:f, s:f}}",
				"best_val_loss", best, "best_epoch", 2,
				"train_loss", -0.5, "test", "loss", 0.25,
				"acc", 0.75);
	json_t *e = json_pack("{s:o, s:o}", "csv", runs_csv_cells(sum, group,
			      rec, flat), "sum", sum);

	json_decref(flat);
	json_decref(cfg);
	json_decref(rec);
	return e;
}

static void
test_csv(void)
{
	json_t *e[3];
	struct strbuf sb = STRBUF_INIT;
	struct csvfile t;
	long c;

	e[0] = entry("j1", "=cmd|' /C calc'!A0", "g1", config_a, 0.125);
	e[1] = entry("j2", "plain, \"quoted\"", NULL,
		     "{\"train\": {\"lr\": 0.01, \"extra\": true}, \"name\": "
		     "\"x\"}", 1e-7);
	runs_csv(&sb, e, NULL, 2);
	ok(csvfile_parse(&t, sb.buf, sb.len, ',', "jobs.csv", 0) == 0,
	   "jobs.csv parses (RFC 4180)");
	ok(t.nrows == 2, "a row per job");
	ok(strstr(sb_str(&sb), "\r\n") && !strstr(sb_str(&sb), "0\n"),
	   "CRLF line ends");
	is_str(csvfile_header(&t, 0), "id", "the first column: id");
	ok(csvfile_find(&t, "train.lr") >= 0 && csvfile_find(&t,
	   "train.extra") >= 0 && csvfile_find(&t, "data.path") >= 0,
	   "every config path any job has");
	ok(csvfile_find(&t, "test.loss") >= 0 && csvfile_find(&t,
	   "test.acc") >= 0 && csvfile_find(&t, "test.loss") <
	   csvfile_find(&t, "data.path"), "test metrics, before the config");
	ok(csvfile_find(&t, "name") == 1 && csvfile_find(&t,
	   "bad\x01key") < 0, "one name column; no key with a control "
	   "character");
	is_str(csvfile_cell(&t, 0, 1), "'=cmd|' /C calc'!A0",
	       "a name that starts with = is guarded");
	is_str(csvfile_cell(&t, 1, 1), "plain, \"quoted\"",
	       "a name with a comma and quotes reads back");
	is_str(csvfile_cell(&t, 0, 2), "g1", "the group");
	is_str(csvfile_cell(&t, 1, 2), "", "no group: empty");
	c = csvfile_find(&t, "train.note");
	is_str(csvfile_cell(&t, 0, (size_t)c), "'+1 more",
	       "a config string that starts with + is guarded");
	c = csvfile_find(&t, "train.at");
	is_str(csvfile_cell(&t, 0, (size_t)c), "'@SUM(A1)", "... with @");
	c = csvfile_find(&t, "train.neg");
	is_str(csvfile_cell(&t, 0, (size_t)c), "-0.5",
	       "a negative number is not");
	c = csvfile_find(&t, "train_loss");
	is_str(csvfile_cell(&t, 0, (size_t)c), "-0.5", "nor a metric");
	c = csvfile_find(&t, "best_val_loss");
	is_str(csvfile_cell(&t, 1, (size_t)c), "1e-07",
	       "numbers in their shortest form");
	c = csvfile_find(&t, "train.betas");
	is_str(csvfile_cell(&t, 0, (size_t)c), "[0.9,0.999]",
	       "arrays as JSON text");
	is_str(csvfile_cell(&t, 1, (size_t)c), "", "a path a job lacks: empty");
	c = csvfile_find(&t, "tags");
	is_str(csvfile_cell(&t, 0, (size_t)c), "[\"a\",\"b,c\"]",
	       "tags: JSON text, quoted");
	c = csvfile_find(&t, "train.extra");
	is_str(csvfile_cell(&t, 1, (size_t)c), "true", "booleans");
	c = csvfile_find(&t, "duration_s");
	is_str(csvfile_cell(&t, 0, (size_t)c), "65", "the duration");
	csvfile_release(&t);

	/* the rows are kept: the same columns join them as they were */
	json_object_set_new(e[1], "csvrow", json_string("KEPT\r\n"));
	sb_reset(&sb);
	runs_csv(&sb, e, NULL, 2);
	ok(strstr(sb_str(&sb), "\r\nKEPT\r\n") != NULL,
	   "unchanged columns: a row kept is joined as it is");
	/* a new column: every row made again */
	e[2] = entry("j3", "new", NULL, "{\"other\": 1}", 0.5);
	sb_reset(&sb);
	runs_csv(&sb, e, NULL, 3);
	ok(!strstr(sb_str(&sb), "KEPT") && strstr(sb_str(&sb), ",other"),
	   "a new column makes the rows again");
	ok(csvfile_parse(&t, sb.buf, sb.len, ',', "jobs.csv", 0) == 0 &&
	   t.nrows == 3, "and it parses, a row per job");
	csvfile_release(&t);
	/* cells kept as text outside the entry (the render cache's record) */
	{
		char *text = json_dumps(json_object_get(e[2], "csv"),
					JSON_COMPACT);
		struct runs_text raw[3] = { { NULL, 0 }, { NULL, 0 },
					    { text, strlen(text) } };

		json_object_del(e[2], "csv");
		json_object_del(e[2], "csvrow");
		sb_reset(&sb);
		runs_csv(&sb, e, raw, 3);
		c = -1;
		ok(csvfile_parse(&t, sb.buf, sb.len, ',', "jobs.csv", 0) == 0 &&
		   t.nrows == 3 && (c = csvfile_find(&t, "other")) >= 0 &&
		   !strcmp(csvfile_cell(&t, 2, (size_t)c), "1"),
		   "cells given as text: parsed, the row made from them");
		ok(json_is_object(json_object_get(e[2], "csv")),
		   "and kept in the entry, parsed");
		csvfile_release(&t);
		free(text);
	}
	{
		json_t *x = json_object();
		const char *q = "{\"id\": \"q\"}";
		struct runs_text raw = { q, strlen(q) };
		const json_t *sum = runs_entry_sum(x, &raw);

		is_str(json_str(sum, "id", ""), "q",
		       "a summary from text outside the entry");
		ok(runs_entry_sum(x, NULL) == sum, "parsed once");
		json_object_set_new(x, "json", json_string("{\"id\": \"r\"}"));
		json_object_del(x, "sum");
		is_str(json_str(runs_entry_sum(x, &raw), "id", ""), "r",
		       "the entry's own text first");
		json_decref(x);
		x = json_object();
		ok(runs_entry_sum(x, NULL) == NULL, "no summary, no text: NULL");
		json_decref(x);
	}
	/* an entry without cells (a job shown from its last render) */
	json_object_del(e[2], "csv");
	sb_reset(&sb);
	runs_csv(&sb, e, NULL, 3);
	ok(csvfile_parse(&t, sb.buf, sb.len, ',', "jobs.csv", 0) == 0 &&
	   t.nrows == 3 && !strcmp(csvfile_cell(&t, 2, 0), "j3"),
	   "a job without cells: its summary's");
	csvfile_release(&t);
	sb_reset(&sb);
	runs_csv(&sb, NULL, NULL, 0);
	ok(strncmp(sb_str(&sb), "id,name,group,status,", 21) == 0 &&
	   strstr(sb_str(&sb), "\r\n") == sb_str(&sb) + sb.len - 2,
	   "no job: the header alone");
	for (int i = 0; i < 3; i++)
		json_decref(e[i]);
	sb_release(&sb);
}

int
main(void)
{
	char *dir = tf_dir();

	error_set_quiet(1);
	test_record(dir);
	test_hostile(dir);
	test_flatten();
	test_compare_js(dir);
	test_csv();
	tf_cleanup(dir);
	return tap_done();
}
