/*
 * test-view.c - the job view model: statuses, relative times, sizes, the
 * log tail and its classes, metric cards and charts, malformed states.
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/pattern.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"
#include "render/resultview.h"
#include "render/view.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the default log patterns, as `spoolboard render` compiles them */
static struct view_opts vo;

/* The number of times needle occurs in s. */
static int
count(const char *s, const char *needle)
{
	int n = 0;

	for (s = strstr(s, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

static const char state_ok[] =
	"{\"id\": \"j\", \"name\": \"demo\", \"tags\": [\"a\", 3, \"b\"],"
	" \"status\": \"running\", \"progress\": 0.254, \"epoch\": 2,"
	" \"epochs\": 8, \"eta_seconds\": 125, \"val_loss\": null,"
	" \"train_loss\": 0.5, \"best\": {\"epoch\": 2, \"val_loss\": 0.25},"
	" \"stages\": [{\"name\": \"load\", \"status\": \"completed\","
	" \"seconds\": 1.5}, {\"name\": \"train\", \"status\": \"running\"}],"
	" \"created\": \"2026-11-25T10:00:00Z\","
	" \"started\": \"2026-11-25T10:00:00Z\","
	" \"updated\": \"2026-11-25T10:02:00Z\", \"ended\": null,"
	" \"checkpoints\": [{\"file\": \"ckpt-000002.tar.zst\", \"epoch\": 2,"
	" \"val_loss\": 0.25}, {\"file\": \"../x\", \"epoch\": 1}],"
	" \"error\": null}";

/* Write n bytes of text (0: all of it) to dir/name. */
static void
put(const char *dir, const char *name, const char *text, size_t n)
{
	free(tf_writen(dir, name, text, n ? n : strlen(text)));
}

static void
test_words(void)
{
	char buf[32];

	is_str(view_status_label("failed"), "Failed", "label of failed");
	is_str(view_status_icon("completed"), "\xe2\x9c\x93", "icon check");
	is_str(view_status_label("bogus"), "Unknown", "unknown status");
	view_size(512, buf, sizeof(buf));
	is_str(buf, "512 B", "bytes");
	view_size(1536, buf, sizeof(buf));
	is_str(buf, "1.5 KB", "kilobytes");
}

static void
test_job(void)
{
	char *dir = tf_dir();
	struct strbuf log = STRBUF_INIT;
	json_t *v, *s;
	const char *html;
	char *ck;
	int q;

	put(dir, "state.json", state_ok, strlen(state_ok));
	for (int i = 1; i <= 600; i++)
		sb_addf(&log, "line %d%s\n", i, i == 590 ? " Error: boom" :
			i == 595 ? " WARNING x" : i == 596 ? " loss nan" : "");
	sb_adds(&log, "partial");
	put(dir, "log.txt", log.buf, log.len);
	put(dir, "metrics.csv", "epoch,train_loss,val_loss,val_r2,val_mae,"
	    "val_diracc\n1,0.8,0.5,0.1,9,\n2,0.5,0.25,0.3,7,\n"
	    "3,0.4,0.3,0.2,8,\n4,0.3", 0);
	put(dir, "events.jsonl", "{\"time\": \"T1\", \"event\": \"started\","
	    " \"pid\": 7}\nnot json\n{\"time\": \"T2\", \"event\": \"stage\","
	    " \"stage\": \"load\", \"seconds\": 0.25}\n{\"time\": \"T3\"", 0);
	ck = path_join(dir, "checkpoints");
	mkdir(ck, 0755);
	free(ck);
	put(dir, "checkpoints/ckpt-000002.tar.zst", "abc", 3);
	v = view_job(dir, "j", &vo);
	ok(v != NULL, "a good state gives a view");
	if (!v)
		goto out;
	is_str(json_str(v, "label", ""), "Running", "status label");
	ok(json_is_true(json_object_get(v, "live")), "running is live");
	ok(json_integer_value(json_object_get(v, "progress_pct")) == 25,
	   "progress rounds to 25%%");
	is_str(json_str(v, "eta", ""), "2m 05s", "eta text");
	ok(json_array_size(json_object_get(v, "tags")) == 2,
	   "only string tags kept");
	is_str(json_str(v, "val_loss", ""), "-", "null val_loss is -");
	is_str(json_str(v, "best_val_loss", ""), "0.25", "best val_loss");
	ok(json_object_size(json_object_get(v, "created")) == 1 &&
	   strcmp(json_str(json_object_get(v, "created"), "iso", ""),
		  "2026-11-25T10:00:00Z") == 0,
	   "times are absolute: {iso} only");
	is_str(json_str(json_array_get(json_object_get(v, "stages"), 0),
			"duration", ""), "1.5s", "stage duration");
	html = json_str(v, "log_html", "");
	ok(count(html, "\n") == VIEW_LOG_LINES, "log keeps %d lines",
	   VIEW_LOG_LINES);
	ok(strncmp(html, "line 502\n", 9) == 0,
	   "the tail starts at line 502, a plain line unmarked");
	ok(json_integer_value(json_object_get(v, "log_cut")) == VIEW_LOG_LINES,
	   "log_cut: the page says it shows part, and links the whole log");
	ok(strlen(html) > 8 && strcmp(html + strlen(html) - 8, "partial\n") == 0,
	   "an unterminated last line is kept");
	ok(strstr(html, "\n<span class='ln error'>line 590 Error: boom"
		  "</span>\n") != NULL, "Error line marked error");
	ok(strstr(html, "\n<span class='ln warning'>line 595 WARNING x"
		  "</span>\n") != NULL, "WARNING line marked warning");
	ok(strstr(html, "\n<span class='ln error'>line 596 loss nan"
		  "</span>\n") != NULL, "nan line marked error");
	ok(count(html, "<span") == 3, "only those three are marked");
	ok(json_array_size(json_object_get(v, "events")) == 2,
	   "events: bad and unfinished lines skipped");
	is_str(json_str(json_array_get(json_object_get(v, "events"), 1),
			"text", ""), "stage load, seconds 0.25", "event text");
	ok(json_array_size(json_object_get(v, "checkpoints")) == 1,
	   "only the safe existing checkpoint is listed");
	ok(json_array_size(json_object_get(v, "cards")) == 2,
	   "cards for the metric columns only");
	s = json_array_get(json_object_get(v, "cards"), 0);
	is_str(json_str(s, "name", ""), "val_r2", "r2 card");
	is_str(json_str(s, "latest", ""), "0.2", "latest of 3 full rows");
	is_str(json_str(s, "best", ""), "0.3", "best r2 is the highest");
	s = json_array_get(json_object_get(v, "cards"), 1);
	is_str(json_str(s, "best", ""), "7", "best val_mae is the lowest");
	ok(json_array_size(json_object_get(v, "charts")) == 4,
	   "charts: val_r2, val_mae, loss, loss (log); none for no values");
	{
		static const char *const order[] = { "loss", "loss-log",
			"m3", "m4" };
		json_t *ch = json_object_get(v, "charts");

		for (size_t i = 0; i < 4; i++)
			is_str(json_str(json_array_get(ch, i), "id", ""),
			       order[i], "chart %zu is %s", i, order[i]);
		for (size_t i = 0; i < 4; i++)
			ok(!json_object_get(json_array_get(ch, i), "table") &&
			   !strcmp(json_str(json_array_get(ch, i), "csv", ""),
				   "files/metrics.csv") &&
			   !strstr(json_str(json_array_get(ch, i), "svg", ""),
				   "<desc id='") == (i == 1),
			   "chart %zu: no table, the link to metrics.csv, a "
			   "<desc> (not the log-scale loss chart)", i);
		ok(strstr(json_str(json_array_get(ch, 0), "svg", ""),
			  "data-y=") != NULL, "the loss chart has hover data");
		ok(strstr(json_str(json_array_get(ch, 1), "svg", ""),
			  " data-from='loss'") != NULL &&
		   !strstr(json_str(json_array_get(ch, 1), "svg", ""),
			   "data-y="),
		   "the log-scale one takes the loss chart's (data-from)");
		ok(json_is_false(json_object_get(v, "has_system")) &&
		   !json_object_get(json_array_get(ch, 0), "system"),
		   "no system chart without lr, cpu_pct or rss_mb");
	}
	is_str(json_str(v, "cancel_cmd", ""), "spoolboard cancel -- j",
	       "a running job can be cancelled");
	ok(json_object_get(v, "retry_cmd") == NULL, "but not retried");
	ok(json_integer_value(json_object_get(v, "best_epoch")) == 2,
	   "best epoch known");
	s = view_summary(v);
	is_str(json_str(json_object_get(s, "started"), "iso", ""),
	       "2026-11-25T10:00:00Z", "summary start, absolute");
	json_decref(s);
	json_decref(v);
	/* failed in load: no model built, no best yet */
	put(dir, "state.json", "{\"status\": \"failed\", \"model\": {},"
	    " \"best\": null, \"data\": {\"path\": \"d.csv\"}}", 0);
	put(dir, "config.json", "{\"model\": {\"type\": \"gru\"},"
	    " \"loss\": {\"type\": \"huber\"}}", 0);
	v = view_job(dir, "j", &vo);
	s = json_object_get(v, "model");
	is_str(json_str(s, "type", ""), "gru", "model type from the config");
	is_str(json_str(s, "loss", ""), "huber", "loss from the config");
	ok(json_object_get(s, "params") == NULL, "no parameter count yet");
	ok(json_object_get(v, "best_epoch") == NULL, "no best epoch yet");
	ok(json_object_get(json_object_get(v, "data"), "rows") == NULL,
	   "no row count before loading");
	ok(json_object_get(v, "cancel_cmd") == NULL,
	   "a failed job cannot be cancelled");
	is_str(json_str(json_object_get(v, "retry_cmd"), "fresh", ""),
	       "spoolboard retry --fresh -- j", "but retried from scratch");
	json_decref(v);
	put(dir, "state.json", "{\"status\": \"running\", \"epo", 0);
	q = error_set_quiet(1);
	v = view_job(dir, "j", &vo);
	ok(v == NULL, "a half-written state gives no view");
	put(dir, "state.json", "[1]", 0);
	ok(view_job(dir, "j", &vo) == NULL, "a state without status, none");
	error_set_quiet(q);
out:
	sb_release(&log);
	tf_cleanup(dir);
}

/* Patterns of the user's own replace the default ones. */
static void
test_patterns(void)
{
	char *dir = tf_dir(), err[128];
	struct view_opts mine = { pattern_new("^ERR\\[", err, sizeof(err)),
				  NULL };
	json_t *v;

	put(dir, "state.json", state_ok, strlen(state_ok));
	put(dir, "log.txt", "ERR[3] disk\nan error here\nWARNING x\n", 0);
	v = view_job(dir, "j", &mine);
	is_str(json_str(v, "log_html", ""), "<span class='ln error'>"
	       "ERR[3] disk</span>\nan error here\nWARNING x\n",
	       "a user's error pattern marks its line; no other pattern");
	json_decref(v);
	put(dir, "log.txt", "x <b>&amp; \"q\" \xff\n", 0);
	v = view_job(dir, "j", NULL);
	is_str(json_str(v, "log_html", ""), "x &lt;b&gt;&amp;amp; "
	       "\"q\" \xef\xbf\xbd\n",
	       "no patterns: nothing marked; markup escaped as text (quotes "
	       "as they are), bad UTF-8 shown as U+FFFD");
	json_decref(v);
	pattern_free((struct pattern *)mine.error_re);
	tf_cleanup(dir);
}

/* Numbers of any size in state.json: shown within sense, never converted
 * out of range (run under UBSan by make check). */
static void
test_huge_numbers(void)
{
	static const char st[] = "{\"status\": \"running\", \"progress\": 1e300,"
		" \"epoch\": 5.5e20, \"epochs\": -1e300, \"eta_seconds\": 1e300,"
		" \"best\": {\"epoch\": 5.5e20, \"val_loss\": 1e308},"
		" \"data\": {\"rows\": 1e19}, \"model\": {\"type\": \"mlp\","
		" \"params\": 1e30}}";
	char *dir = tf_dir();
	json_t *v;

	put(dir, "state.json", st, 0);
	v = view_job(dir, "j", NULL);
	ok(v != NULL, "a state of huge numbers is viewed");
	ok(json_integer_value(json_object_get(v, "progress_pct")) == 100,
	   "progress clamped to 100%%");
	ok(json_integer_value(json_object_get(v, "epoch")) == 0 &&
	   json_integer_value(json_object_get(v, "epochs")) == 0,
	   "epochs out of range read as 0");
	is_str(json_str(v, "eta", ""), "100000d 00h", "an ETA of 1e300 s is "
	       "capped at 100,000 days");
	ok(!json_object_get(v, "best_epoch"), "no best epoch out of range");
	json_decref(v);
	tf_cleanup(dir);
}

/* The results member of the view of dir, a new reference, or NULL. */
static json_t *
results_of(const char *dir, json_t **view)
{
	json_t *v = view_job(dir, "j", NULL), *r;

	r = json_incref(json_object_get(v, "results"));
	if (view)
		*view = v;
	else
		json_decref(v);
	return r;
}

/* The value of the card labelled label in r, or "". */
static const char *
card(const json_t *r, const char *label)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cards"), i, c)
		if (!strcmp(json_str(c, "label", ""), label))
			return json_str(c, "value", "");
	return "";
}

/* The notes of r on one line. */
static const char *
notes(const json_t *r)
{
	static char buf[4096];
	json_t *n;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(r, "notes"), i, n) {
		strncat(buf, json_string_value(n), sizeof(buf) - strlen(buf) - 2);
		strcat(buf, "|");
	}
	return buf;
}

static const char state_reg[] =
	"{\"status\": \"completed\", \"data\": {\"targets\": [\"price\"]},"
	" \"model\": {\"type\": \"mlp\", \"loss\": \"mse\"},"
	" \"test\": {\"loss\": 0.0153, \"samples\": 4, \"metrics\": {\"rmse\":"
	" 13.18, \"mae\": 10.1, \"r2\": 0.9851, \"diracc\": null}}}";

/* A regression: cards, and predicted against true from predictions.csv. */
static void
test_results_regression(void)
{
	char *dir = tf_dir();
	json_t *r, *ch;
	const char *svg;

	put(dir, "state.json", state_reg, 0);
	put(dir, "predictions.csv", "row,price,price_pred\n3,100,110\n"
	    "7,200,190\n9,,5\n12,300,1e308\n", 0);
	r = results_of(dir, NULL);
	ok(r != NULL, "a completed job with test results has a results "
	   "section");
	ok(json_integer_value(json_object_get(r, "samples")) == 4,
	   "the number of test samples");
	is_str(card(r, "Test loss"), "0.0153", "test loss card");
	is_str(card(r, "RMSE"), "13.18", "RMSE card");
	is_str(card(r, "R\xc2\xb2"), "0.9851", "R2 card");
	is_str(card(r, "Directional accuracy"), "",
	       "no card for a metric that is null");
	ok(json_object_get(r, "baseline") == NULL,
	   "no baseline without a window");
	ch = json_array_get(json_object_get(r, "charts"), 0);
	is_str(json_str(ch, "id", ""), "result-scatter",
	       "a regression gets predicted against true");
	svg = json_str(ch, "svg", "");
	ok(strstr(svg, "class='diag'") && strstr(svg, "class='dots'") &&
	   count(svg, "h0") == 2,
	   "the scatter: its diagonal, the 2 points of finite values");
	ok(!strstr(svg, "nan") && !strstr(svg, "inf"), "no NaN nor infinity");
	ok(strstr(json_str(ch, "table", ""), "<table") &&
	   strstr(json_str(ch, "table", ""), "<caption>Predicted against "
		  "true: price</caption>"), "its binned table");
	ok(json_is_true(json_object_get(r, "has_charts")), "has_charts");
	ok(json_object_get(r, "notes") == NULL, "nothing to note");
	json_decref(r);
	tf_cleanup(dir);
}

/* A quantile forecast: the baseline in words, the band. */
static void
test_results_forecast(void)
{
	static const char st[] =
		"{\"status\": \"completed\", \"data\": {\"targets\": [\"v\"],"
		" \"window\": {\"lookback\": 4, \"horizon\": 1}},"
		" \"model\": {\"loss\": \"quantile\"}, \"test\": {\"loss\": 0.1,"
		" \"samples\": 600, \"metrics\": {\"rmse\": 0.2, \"mae\": 0.336,"
		" \"r2\": 0.9, \"diracc\": 0.8777, \"pinball\": 0.05,"
		" \"coverage\": 0.818}, \"baseline\": {\"name\": \"persistence\","
		" \"rmse\": 0.4, \"mae\": 0.3}}}";
	struct strbuf csv = STRBUF_INIT;
	char *dir = tf_dir();
	json_t *r, *ch;
	const char *svg;

	put(dir, "state.json", st, 0);
	put(dir, "config.json", "{\"loss\": {\"type\": \"quantile\","
	    " \"quantiles\": [0.1, 0.5, 0.9]}}", 0);
	/* the rows shuffled: the chart orders them */
	sb_adds(&csv, "row,v,v_pred,v_last,v_q0.1,v_q0.5,v_q0.9\n");
	for (int i = 0; i < 600; i++) {
		int row = 1000 + (i * 7 % 600);
		double y = sin(row / 4.0);

		sb_addf(&csv, "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", row, y,
			y + 0.1, y - 0.2, y - 0.3, y + 0.1, y + 0.5);
	}
	put(dir, "predictions.csv", csv.buf, csv.len);
	r = results_of(dir, NULL);
	is_str(card(r, "Directional accuracy"), "87.8%", "a share in %%");
	is_str(card(r, "Coverage"), "81.8%", "coverage card");
	is_str(card(r, "Pinball loss"), "0.05", "pinball card");
	is_str(card(r, "Persistence RMSE"), "0.4", "the baseline's card");
	{
		json_t *c;
		size_t i;
		const char *sub = "";

		json_array_foreach(json_object_get(r, "cards"), i, c)
			if (!strcmp(json_str(c, "label", ""), "Coverage"))
				sub = json_str(c, "sub", "");
		is_str(sub, "in the 0.1\xe2\x80\x93" "0.9 band (80% expected)",
		       "the coverage card names the band");
	}
	is_str(json_string_value(json_array_get(json_object_get(r,
		"baseline"), 0)), "RMSE 50% below persistence (0.2 against "
	       "0.4)", "the improvement over persistence in words");
	is_str(json_string_value(json_array_get(json_object_get(r,
		"baseline"), 1)), "MAE 12% above persistence (0.336 against "
	       "0.3)", "a model worse than persistence says so");
	ch = json_array_get(json_object_get(r, "charts"), 0);
	is_str(json_str(ch, "id", ""), "result-forecast",
	       "windowed data gets a forecast chart");
	ok(json_is_true(json_object_get(ch, "wide")), "a wide one");
	svg = json_str(ch, "svg", "");
	ok(strstr(svg, "<path class='band'") &&
	   strstr(svg, ">0.1\xe2\x80\x93" "0.9 quantiles</text>"),
	   "with the band of the lowest and highest quantile");
	ok(strstr(svg, ">truth</text>") && strstr(svg, ">prediction</text>"),
	   "truth and prediction");
	ok(count(svg, "L") <= 3 * 2 * RESULTVIEW_FORECAST_POINTS,
	   "600 rows downsampled (%d segments)", count(svg, "L"));
	ok(strlen(svg) < 16000, "the forecast svg: %zu bytes", strlen(svg));
	ok(strstr(svg, ">1000</text>") || strstr(svg, ">1100</text>"),
	   "x is the row");
	ok(count(json_str(ch, "table", ""), "<tr>") == RESULTVIEW_BINS + 1,
	   "a binned table of %d rows", RESULTVIEW_BINS);
	ok(strstr(json_str(ch, "table", ""), "<th scope='row'>1000 "
		  "\xe2\x80\x93 1059</th><td>60</td>") != NULL,
	   "its first bin: rows 1000-1059, in row order");
	json_decref(r);
	sb_release(&csv);
	tf_cleanup(dir);
}

/* A classifier: the confusion matrix, class names as they are. */
static void
test_results_confusion(void)
{
	static const char st[] =
		"{\"status\": \"completed\", \"test\": {\"loss\": 0.1,"
		" \"samples\": 10, \"metrics\": {\"accuracy\": 0.7, \"f1\": 0.65},"
		" \"confusion\": [[3, 1, 0], [0, 4, 0], [2, 0, 0]],"
		" \"classes\": [\"<b>a&\\\"</b>\", \"x\\u0001y\", 7]}}";
	char *dir = tf_dir();
	json_t *r, *cm, *row;

	put(dir, "state.json", st, 0);
	r = results_of(dir, NULL);
	is_str(card(r, "Accuracy"), "70.0%", "accuracy card");
	is_str(card(r, "F1 (macro)"), "0.65", "F1 card");
	cm = json_object_get(r, "confusion");
	ok(json_array_size(json_object_get(cm, "rows")) == 3,
	   "a row per class");
	is_str(json_string_value(json_array_get(json_object_get(cm,
		"classes"), 0)), "<b>a&\"</b>",
	       "class names kept for the template to escape");
	is_str(json_string_value(json_array_get(json_object_get(cm,
		"classes"), 1)), "x\xef\xbf\xbdy",
	       "a control character in a class name becomes U+FFFD");
	is_str(json_string_value(json_array_get(json_object_get(cm,
		"classes"), 2)), "?", "a class that is no string: ?");
	row = json_array_get(json_object_get(cm, "rows"), 0);
	is_str(json_str(row, "name", ""), "<b>a&\"</b>", "row header");
	is_str(json_str(json_array_get(json_object_get(row, "cells"), 0), "n",
			""), "3", "the count");
	ok(json_integer_value(json_object_get(json_array_get(
		json_object_get(row, "cells"), 0), "q")) == 4 &&
	   json_integer_value(json_object_get(json_array_get(
		json_object_get(row, "cells"), 1), "q")) == 2 &&
	   json_integer_value(json_object_get(json_array_get(
		json_object_get(row, "cells"), 2), "q")) == 0,
	   "shaded by the share of the row: 3/4 -> 4, 1/4 -> 2, 0 -> 0");
	ok(json_is_true(json_object_get(json_array_get(json_object_get(row,
		"cells"), 0), "diag")), "the diagonal marked");
	ok(strstr(json_str(cm, "caption", ""), "10 test samples") != NULL,
	   "the caption counts the samples");
	ok(json_array_size(json_object_get(r, "charts")) == 0 &&
	   json_is_false(json_object_get(r, "has_charts")),
	   "no chart of a classifier (and has_charts false, not the page's)");
	json_decref(r);

	/* malformed: a negative count, a ragged row; too many classes */
	put(dir, "state.json", "{\"status\": \"completed\", \"test\":"
	    " {\"metrics\": {\"accuracy\": 1}, \"confusion\": [[1, -1],"
	    " [0, 1]], \"classes\": [\"a\", \"b\"]}}", 0);
	r = results_of(dir, NULL);
	ok(!json_object_get(r, "confusion") &&
	   strstr(notes(r), "not a matrix of counts"),
	   "a negative count: no matrix, a note");
	json_decref(r);
	put(dir, "state.json", "{\"status\": \"completed\", \"test\":"
	    " {\"metrics\": {\"accuracy\": 1}, \"confusion\": [[1, 2],"
	    " [0]], \"classes\": [\"a\", \"b\"]}}", 0);
	r = results_of(dir, NULL);
	ok(!json_object_get(r, "confusion") &&
	   strstr(notes(r), "not a matrix of counts"), "a ragged row too");
	json_decref(r);
	{
		struct strbuf sb = STRBUF_INIT;
		int k = RESULTVIEW_MAX_CLASSES + 1;

		sb_adds(&sb, "{\"status\": \"completed\", \"test\": "
			"{\"metrics\": {}, \"confusion\": [");
		for (int i = 0; i < k; i++) {
			sb_adds(&sb, i ? ", [" : "[");
			for (int j = 0; j < k; j++)
				sb_adds(&sb, j ? ", 1" : "1e300");
			sb_adds(&sb, "]");
		}
		sb_adds(&sb, "], \"classes\": [");
		for (int i = 0; i < k; i++)
			sb_addf(&sb, "%s\"c%d\"", i ? ", " : "", i);
		sb_adds(&sb, "]}}");
		put(dir, "state.json", sb.buf, sb.len);
		r = results_of(dir, NULL);
		ok(!json_object_get(r, "confusion") &&
		   strstr(notes(r), "too large to show"),
		   "%d classes: too many to show, a note", k);
		json_decref(r);
		sb_release(&sb);
	}
	put(dir, "state.json", "{\"status\": \"completed\", \"test\":"
	    " {\"metrics\": {\"accuracy\": 1}, \"confusion\": null,"
	    " \"confusion_omitted\": \"500 classes, more than 100\"}}", 0);
	r = results_of(dir, NULL);
	ok(strstr(notes(r), "500 classes, more than 100") != NULL,
	   "the trainer's reason for no matrix");
	json_decref(r);
	tf_cleanup(dir);
}

/*
 * predictions.csv is in a folder others may write: a link, a FIFO, an
 * enormous or a malformed file, or none, and the page still renders.
 */
static void
test_results_hostile(void)
{
	char *dir = tf_dir(), *out = tf_dir(), *p, *secret;
	json_t *r, *v;
	double t0;
	int fd;

	put(dir, "state.json", state_reg, 0);
	/* none */
	r = results_of(dir, &v);
	ok(v && r && strstr(notes(r), "No chart of the predictions: cannot "
			    "open 'predictions.csv'"),
	   "no predictions.csv: the cards and a note");
	is_str(card(r, "RMSE"), "13.18", "the cards all the same");
	json_decref(r);
	json_decref(v);
	/* a link to a file elsewhere */
	secret = tf_write(out, "secret.csv", "row,price,price_pred\n"
			  "1,4242,4243\n");
	p = path_join(dir, "predictions.csv");
	ok(symlink(secret, p) == 0, "a link planted at predictions.csv");
	r = results_of(dir, &v);
	ok(r && strstr(notes(r), "a symbolic link") &&
	   json_array_size(json_object_get(r, "charts")) == 0,
	   "a link is not followed: a note, no chart");
	{
		char *all = json_dumps(v, 0);

		ok(all && !strstr(all, "4242"), "nothing of its target shown");
		free(all);
	}
	json_decref(r);
	json_decref(v);
	unlink(p);
	/* a FIFO: not waited on */
	ok(mkfifo(p, 0644) == 0, "a FIFO at predictions.csv");
	t0 = time_mono();
	r = results_of(dir, NULL);
	ok(time_mono() - t0 < 5 && r && strstr(notes(r),
	   "not a regular file"), "a FIFO is not waited on: a note");
	json_decref(r);
	unlink(p);
	/* enormous: a sparse file past the cap */
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && ftruncate(fd, (off_t)RESULTVIEW_PREDICTIONS_MAX +
				4096) == 0, "a sparse predictions.csv "
	   "past the cap");
	if (fd >= 0)
		close(fd);
	r = results_of(dir, NULL);
	ok(r && strstr(notes(r), "is larger than"),
	   "an enormous file is not read: a note");
	json_decref(r);
	/* malformed */
	put(dir, "predictions.csv", "row,price,price_pred\n1,2\n", 0);
	r = results_of(dir, NULL);
	ok(r && strstr(notes(r), "predictions.csv:2:") &&
	   json_array_size(json_object_get(r, "charts")) == 0,
	   "a ragged CSV: its line in a note, no chart");
	json_decref(r);
	/* other columns than state.json's target */
	put(dir, "predictions.csv", "row,<b>,<b>_pred\n1,2,3\n", 0);
	r = results_of(dir, NULL);
	ok(r && strstr(notes(r), "has no columns 'price' and 'price_pred'"),
	   "no column of the target: a note");
	json_decref(r);
	/* hostile numbers in the state and the file */
	put(dir, "state.json", "{\"status\": \"completed\", \"data\":"
	    " {\"targets\": [\"<i>y\"], \"window\": {}}, \"test\": {\"loss\":"
	    " \"x\", \"samples\": 1e300, \"metrics\": {\"rmse\": 1e308,"
	    " \"mae\": -5, \"coverage\": 7, \"diracc\": [1], \"my<b>\": 2},"
	    " \"baseline\": {\"name\": \"<script>\", \"rmse\": 1e-300,"
	    " \"mae\": 0}}}", 0);
	put(dir, "predictions.csv", "row,<i>y,<i>y_pred,<i>y_last,<i>y_q0.2,"
	    "<i>y_qx,<i>y_q0.8\n1,nan,inf,1,1e308,2,-1e308\n2,1,2,3,0,9,4\n"
	    "3,1e300,-1e300,0,0,0,0\n", 0);
	r = results_of(dir, &v);
	ok(r != NULL, "a state of nonsense numbers still has results");
	ok(json_object_get(r, "samples") == NULL, "samples out of range: "
	   "left out");
	is_str(card(r, "Test loss"), "", "a loss that is no number: no card");
	is_str(card(r, "RMSE"), "1e308", "a huge RMSE shown as it is");
	is_str(card(r, "Coverage"), "7", "a share past 1 shown as a number");
	is_str(card(r, "Directional accuracy"), "", "an array: no card");
	is_str(card(r, "my<b>"), "2", "an unknown metric by its name");
	is_str(json_string_value(json_array_get(json_object_get(r,
		"baseline"), 0)), "RMSE far above <script> (1e308 against "
	       "1e-300)", "a ratio past a double's range in words, the name "
	       "kept for the template to escape");
	ok(json_array_size(json_object_get(r, "baseline")) == 1,
	   "no words against a baseline of 0");
	{
		const char *svg = json_str(json_array_get(json_object_get(r,
			"charts"), 0), "svg", "");
		const char *tab = json_str(json_array_get(json_object_get(r,
			"charts"), 0), "table", "");

		ok(strstr(svg, "<svg") && !strstr(svg, "nan") &&
		   !strstr(svg, "inf") && !strstr(svg, "<i>") &&
		   strstr(svg, "&lt;i&gt;y"),
		   "the forecast of huge and NaN values draws, escaped");
		ok(strstr(svg, "class='band'") != NULL,
		   "the band of levels 0.2 and 0.8 (q x is no level)");
		ok(!strstr(tab, "<i>") && !strstr(tab, "NaN"),
		   "its table escaped, without NaN");
	}
	json_decref(r);
	json_decref(v);
	free(p);
	free(secret);
	tf_cleanup(out);
	tf_cleanup(dir);
}

/* No results unless completed with a test; none read then. */
static void
test_results_none(void)
{
	char *dir = tf_dir();
	json_t *r;

	put(dir, "state.json", "{\"status\": \"running\", \"test\":"
	    " {\"metrics\": {\"rmse\": 1}}}", 0);
	r = results_of(dir, NULL);
	ok(r == NULL, "a running job has no results section");
	put(dir, "state.json", "{\"status\": \"completed\", \"test\": null}",
	    0);
	r = results_of(dir, NULL);
	ok(r == NULL, "nor a completed job without a test (split.test 0)");
	tf_cleanup(dir);
}

/* Retries: the attempt, the stages of the current one, the log marks. */
static void
test_attempts(void)
{
	static const char queued[] =
		"{\"status\": \"queued\", \"attempt\": 2,"
		" \"retry_at\": \"2026-11-25T10:05:00Z\","
		" \"error\": {\"message\": \"killed by signal 9\","
		" \"stage\": \"train\", \"hint\": null},"
		" \"stages\": [{\"name\": \"load\", \"status\": \"completed\","
		" \"seconds\": 1.5}, {\"name\": \"train\", \"status\":"
		" \"failed\", \"seconds\": 3}]}";
	char *dir = tf_dir();
	json_t *v, *st, *prev;
	const char *html;
	size_t i;
	int pending = 0;

	put(dir, "state.json", queued, 0);
	put(dir, "log.txt", "2026-11-25T10:00:00Z == attempt 1 started (pid 7)\n"
	    "2026-11-25T10:00:01Z epoch 1/3\n"
	    "== attempt 9 started (no time: not the trainer's)\n"
	    "2026-11-25T10:00:02Z x == attempt 9 started\n"
	    "2026-11-25T10:00:03Z == attempt two started\n"
	    "2026-11-25T10:00:09Z == attempt 2 started (pid 8)\n", 0);
	v = view_job(dir, "j", &vo);
	ok(json_integer_value(json_object_get(v, "attempt")) == 2,
	   "the attempt number");
	json_array_foreach(json_object_get(v, "stages"), i, st)
		pending += !strcmp(json_str(st, "status", ""), "pending") &&
			   !strcmp(json_str(st, "duration", "x"), "");
	ok(pending == 2, "queued: every stage pending, without a duration, "
	   "whatever an old state says");
	prev = json_object_get(json_object_get(v, "error"), "previous");
	ok(json_integer_value(json_object_get(prev, "attempt")) == 1 &&
	   json_integer_value(json_object_get(prev, "next")) == 2 &&
	   !strcmp(json_str(json_object_get(prev, "retry_at"), "iso", ""),
		   "2026-11-25T10:05:00Z"),
	   "the error is the previous attempt's, the next one waits");
	html = json_str(v, "log_html", "");
	ok(count(html, "<span class='ln attempt'>") == 2,
	   "two attempt lines marked");
	ok(strstr(html, "<span class='ln attempt'>2026-11-25T10:00:09Z == "
		  "attempt 2 started (pid 8)</span>\n") != NULL,
	   "the line of attempt 2 marked");
	ok(strstr(html, "\n== attempt 9 started (no time") &&
	   strstr(html, "\n2026-11-25T10:00:02Z x == attempt 9") &&
	   strstr(html, "\n2026-11-25T10:00:03Z == attempt two"),
	   "lines of another form are not");
	json_decref(v);

	/* running again: no previous error, stages as they are */
	put(dir, "state.json", "{\"status\": \"running\", \"attempt\": 2,"
	    " \"stages\": [{\"name\": \"load\", \"status\": \"completed\","
	    " \"seconds\": 1.5}]}", 0);
	v = view_job(dir, "j", &vo);
	is_str(json_str(json_array_get(json_object_get(v, "stages"), 0),
			"status", ""), "completed",
	       "a running attempt's stages as they are");
	ok(json_object_get(v, "error") == NULL, "no error while it runs");
	json_decref(v);
	put(dir, "state.json", "{\"status\": \"failed\", \"attempt\": 1,"
	    " \"error\": {\"message\": \"m\"}}", 0);
	v = view_job(dir, "j", &vo);
	ok(json_object_get(v, "attempt") == NULL &&
	   json_object_get(json_object_get(v, "error"), "previous") == NULL,
	   "attempt 1: no attempt shown; a failure of its own");
	json_decref(v);
	put(dir, "state.json", "{\"status\": \"queued\", \"attempt\": 1e300}",
	    0);
	v = view_job(dir, "j", &vo);
	ok(v && json_object_get(v, "attempt") == NULL,
	   "an attempt out of range is not shown");
	json_decref(v);
	tf_cleanup(dir);
}

int
main(void)
{
	char err[128];

	vo.error_re = pattern_new(VIEW_ERROR_RE, err, sizeof(err));
	vo.warning_re = pattern_new(VIEW_WARNING_RE, err, sizeof(err));
	test_words();
	test_job();
	test_patterns();
	test_huge_numbers();
	test_results_regression();
	test_results_forecast();
	test_results_confusion();
	test_results_hostile();
	test_results_none();
	test_attempts();
	pattern_free((struct pattern *)vo.error_re);
	pattern_free((struct pattern *)vo.warning_re);
	return tap_done();
}
