/*
 * test-view.c - the job view model: statuses, relative times, sizes, the
 * log tail and its classes, metric cards and charts, malformed states.
 */
#include "tap.h"
#include "testfiles.h"
#include "lib/pattern.h"
#include "lib/strbuf.h"
#include "render/view.h"

#include <string.h>
#include <sys/stat.h>

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
	ok(strncmp(html, "line 102\n", 9) == 0,
	   "the tail starts at line 102, a plain line unmarked");
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
		ok(strstr(json_str(json_array_get(ch, 0), "table", ""),
			  "<table") != NULL, "the loss chart has its table");
		ok(json_object_get(json_array_get(ch, 1), "table") == NULL,
		   "the log-scale loss chart repeats no table");
		ok(!strstr(json_str(json_array_get(ch, 1), "svg", ""),
			   "<circle"), "nor hover points");
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
	       "&quot;q&quot; \xef\xbf\xbd\n",
	       "no patterns: nothing marked; markup escaped, bad UTF-8 shown "
	       "as U+FFFD");
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
	pattern_free((struct pattern *)vo.error_re);
	pattern_free((struct pattern *)vo.warning_re);
	return tap_done();
}
