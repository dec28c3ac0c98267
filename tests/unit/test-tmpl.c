/*
 * test-tmpl.c - the Mustache engine beyond the spec: syntax errors with
 * their exact FILE:LINE:COL messages, HTML escaping, values, the partial
 * loader and its cache, reuse of one parsed template, limits (deep
 * nesting, self-including partials, long templates), and a throughput
 * figure (printed, never asserted).
 */
#include "render/tmpl.h"
#include "lib/error.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Templates by name for the loader, and how often it was asked. */
static const char *const *files;
static int loads;

static char *
load_files(void *arg, const char *name, size_t *len)
{
	size_t i;

	(void)arg;
	loads++;
	for (i = 0; files && files[i]; i += 2) {
		if (strcmp(files[i], name) == 0) {
			*len = strlen(files[i + 1]);
			return xstrdup(files[i + 1]);
		}
	}
	return NULL;
}

/* Render src against the JSON text data; the output, or "(error)". */
static char *
render(const char *src, const char *data)
{
	struct tmpl_set *set = tmpl_set_new(load_files, NULL);
	struct strbuf out = STRBUF_INIT;
	struct tmpl *t = tmpl_new("t", src, strlen(src));
	json_t *v = json_loads(data, JSON_DECODE_ANY, NULL);
	char *res;

	if (!v) {
		res = xstrdup("(bad json in test)");
	} else if (!t || tmpl_render(t, set, v, &out) < 0) {
		res = xstrdup("(error)");
	} else {
		res = xstrdup(sb_str(&out));
	}
	sb_release(&out);
	json_decref(v);
	tmpl_free(t);
	tmpl_set_free(set);
	return res;
}

static void
is_render(const char *src, const char *data, const char *want,
	  const char *what)
{
	char *got = render(src, data);

	is_str(got, want, "%s", what);
	free(got);
}

/* Parsing src as "page.mustache" fails with exactly msg. */
static void
is_syntax_error(const char *src, const char *msg)
{
	struct tmpl *t;

	error_clear();
	t = tmpl_new("page.mustache", src, strlen(src));
	ok(t == NULL, "syntax error: %s", msg);
	is_str(error_last(), msg, "  message");
	tmpl_free(t);
}

static void
test_errors(void)
{
	is_syntax_error("abc {{name", "page.mustache:1:5: unclosed tag: no "
			"'}}' after it");
	is_syntax_error("x\n  {{#jobs}}\n{{name}}\n",
			"page.mustache:2:3: unclosed section 'jobs'");
	is_syntax_error("a\nb {{/jobs}}",
			"page.mustache:2:3: closing tag 'jobs' without an "
			"opening tag");
	is_syntax_error("{{#a}}\n  {{^b}}\n  {{/a}}\n{{/b}}",
			"page.mustache:3:3: closing tag 'a' does not match "
			"section 'b' opened at 2:3");
	is_syntax_error("{{<layout}}{{$title}}x{{/layout}}",
			"page.mustache:1:23: closing tag 'layout' does not "
			"match block 'title' opened at 1:12");
	is_syntax_error("{{<layout}}\n", "page.mustache:1:1: unclosed parent "
			"'layout'");
	is_syntax_error("ok\n{{=<% =}}", "page.mustache:2:1: bad "
			"set-delimiter tag: want two delimiters without '=' "
			"or spaces, as in {{=<% %>=}}");
	is_syntax_error("{{=a=b c=}}", "page.mustache:1:1: bad set-delimiter "
			"tag: want two delimiters without '=' or spaces, as "
			"in {{=<% %>=}}");
	is_syntax_error("{{= [ ] =}}\n[#a]\n[b", "page.mustache:3:1: "
			"unclosed tag: no ']' after it");
	is_syntax_error("{{=[ ]=}}\n\n  [#a]x", "page.mustache:3:3: "
			"unclosed section 'a'");
	is_syntax_error("{{=<% %>=}}<%#a\n%>\n<%/ a %>\n<%/a%>",
			"page.mustache:4:1: closing tag 'a' without an "
			"opening tag");
	is_syntax_error("x {{ }} y", "page.mustache:1:3: empty tag: want a "
			"name");
	is_syntax_error("{{{name}}", "page.mustache:1:1: unclosed tag: no "
			"'}}' after it");
	is_syntax_error("{{! never closed", "page.mustache:1:1: unclosed "
			"tag: no '}}' after it");
}

static void
test_escaping(void)
{
	struct strbuf sb = STRBUF_INIT;

	tmpl_escape_html(&sb, "<a href=\"x\">'&'</a>", 19);
	is_str(sb_str(&sb), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
	       "&lt;/a&gt;", "tmpl_escape_html escapes & < > \" '");
	sb_reset(&sb);
	tmpl_escape_html(&sb, "plain text", 10);
	is_str(sb_str(&sb), "plain text", "plain text unchanged");
	sb_reset(&sb);
	tmpl_escape_html(&sb, "a<b\0c", 5);
	ok(sb.len == 8 && memcmp(sb.buf, "a&lt;b\0c", 8) == 0,
	   "escaping keeps bytes after a NUL");
	sb_release(&sb);
	is_render("<h1>{{name}}</h1>", "{\"name\": "
		  "\"<script>alert(1)</script>\"}",
		  "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>",
		  "{{name}} escapes markup");
	is_render("<p title=\"{{t}}\">", "{\"t\": \"x\\\" onload='y'\"}",
		  "<p title=\"x&quot; onload=&#39;y&#39;\">",
		  "{{name}} is safe in an attribute");
	is_render("{{{h}}}|{{&h}}", "{\"h\": \"<b>\"}", "<b>|<b>",
		  "triple and & do not escape");
}

static void
test_values(void)
{
	is_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}}",
		  "{\"a\": 3, \"b\": 1.5, \"c\": 0.1, \"d\": -2, "
		  "\"e\": 3.0, \"f\": 1e300, \"g\": -9223372036854775808}",
		  "3 1.5 0.1 -2 3 1e+300 -9223372036854775808",
		  "numbers in their shortest form");
	is_render("[{{t}}][{{f}}][{{n}}][{{o}}][{{l}}][{{missing}}]",
		  "{\"t\": true, \"f\": false, \"n\": null, \"o\": {\"a\": 1},"
		  " \"l\": [1]}", "[true][false][][][][]",
		  "booleans as words; null, objects, arrays, missing empty");
	is_render("{{#s}}yes{{/s}}{{^s}}no{{/s}} {{#z}}zero{{/z}}",
		  "{\"s\": \"\", \"z\": 0}", "no zero",
		  "\"\" is falsy, 0 is truthy");
	is_render("{{#jobs}}{{name}}:{{status}} {{/jobs}}",
		  "{\"status\": \"?\", \"jobs\": [{\"name\": \"a\", \"status\":"
		  " \"ok\"}, {\"name\": \"b\"}]}", "a:ok b:? ",
		  "a list, with outer names visible");
	is_render("{{job.model.type}}/{{#job.model}}{{layers}}{{/job.model}}",
		  "{\"job\": {\"model\": {\"type\": \"lstm\", \"layers\": 2}}}",
		  "lstm/2", "dotted names");
	is_render("{{a}}", "[1, 2]", "", "a non-object root");
	is_render("{{=<%\n%>=}}<%x%>{{x}}", "{\"x\": 1}", "1{{x}}",
		  "a newline separates new delimiters");
	is_render("{{a}} {{b}} {{c}}", "{\"a\": 0.30000000000000004, "
		  "\"b\": 1e-7, \"c\": 2.5e-300}",
		  "0.30000000000000004 1e-07 2.5e-300",
		  "reals that need 17 digits, small reals");
	is_render("{{#.}}{{.}},{{/.}}", "[1, 2]", "1,2,", "a list root");
}

static void
test_partials(void)
{
	static const char *const f[] = {
		"row", "<tr><td>{{name}}</td></tr>\n",
		"layout", "<html>\n<title>{{$title}}spoolboard{{/title}}"
			"</title>\n<body>\n  {{$body}}\n  {{/body}}\n</body>\n",
		"broken", "{{#a}}",
		NULL
	};
	struct tmpl_set *set;
	struct strbuf out = STRBUF_INIT;
	struct tmpl *t;
	json_t *v;
	int r;

	files = f;
	loads = 0;
	is_render("<table>\n  {{#jobs}}\n  {{>row}}\n  {{/jobs}}\n</table>\n",
		  "{\"jobs\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}",
		  "<table>\n  <tr><td>a</td></tr>\n"
		  "  <tr><td>&lt;b&gt;</td></tr>\n</table>\n",
		  "a standalone partial in a loop, indented");
	ok(loads == 1, "the partial was loaded once for two uses (%d)",
	   loads);
	is_render("{{<layout}}{{$title}}job {{id}}{{/title}}\n"
		  "{{$body}}\n<p>{{id}}</p>\n<p>x</p>\n{{/body}}\n"
		  "{{/layout}}\n",
		  "{\"id\": 7}",
		  "<html>\n<title>job 7</title>\n<body>\n  <p>7</p>\n"
		  "  <p>x</p>\n</body>\n", "a page extends a layout");
	is_render("[{{>nothing}}]", "{}", "[]", "a missing partial is empty");

	set = tmpl_set_new(load_files, NULL);
	t = tmpl_new("t", "a{{>broken}}b", 13);
	v = json_object();
	error_clear();
	r = tmpl_render(t, set, v, &out);
	ok(r == -1, "a partial that does not parse fails the render");
	is_str(error_last(), "broken:1:1: unclosed section 'a'",
	       "  with its own name and position");
	error_clear();
	ok(tmpl_render(t, set, v, &out) == -1 &&
	   strcmp(error_last(), "template 'broken' does not parse") == 0,
	   "and fails again from the cache");
	ok(tmpl_set_get(set, "row") != NULL &&
	   tmpl_set_get(set, "row") == tmpl_set_get(set, "row"),
	   "tmpl_set_get caches the parsed template");
	ok(tmpl_set_get(set, "nothing") == NULL, "tmpl_set_get: missing");
	ok(strcmp(tmpl_name(tmpl_set_get(set, "row")), "row") == 0,
	   "tmpl_name");
	ok(tmpl_render(t, NULL, v, &out) == 0, "no set: partials are empty");
	tmpl_free(t);
	tmpl_set_free(set);

	set = tmpl_set_new(NULL, NULL);
	ok(tmpl_set_add(set, "row", "<{{x}}>", 7) != NULL &&
	   tmpl_set_add(set, "row", "[{{x}}]", 7) != NULL,
	   "tmpl_set_add, twice under one name");
	ok(tmpl_set_add(set, "bad", "{{x", 3) == NULL &&
	   strcmp(error_last(), "bad:1:1: unclosed tag: no '}}' after it") == 0,
	   "tmpl_set_add of a broken template");
	t = tmpl_new("t", "{{>row}}{{>bad}}", 16);
	sb_reset(&out);
	json_object_set_new(v, "x", json_integer(5));
	ok(tmpl_render(t, set, v, &out) == 0, "rendering from added templates");
	is_str(sb_str(&out), "[5]", "  uses the latest, no loader needed");
	json_decref(v);
	tmpl_free(t);
	tmpl_set_free(set);
	sb_release(&out);
	files = NULL;
}

static void
test_limits(void)
{
	static const char *const f[] = {
		"self", "x{{>self}}",
		NULL
	};
	struct strbuf src = STRBUF_INIT, want = STRBUF_INIT;
	char *got;
	int i;

	/* 200 nested sections render; 300 are refused */
	for (i = 0; i < 200; i++)
		sb_adds(&src, "{{#a}}");
	sb_adds(&src, "{{v}}");
	for (i = 0; i < 200; i++)
		sb_adds(&src, "{{/a}}");
	is_render(src.buf, "{\"a\": true, \"v\": \"deep\"}", "deep",
		  "200 nested sections");
	sb_reset(&src);
	for (i = 0; i < 300; i++)
		sb_adds(&src, "{{#a}}");
	error_clear();
	is_render(src.buf, "{}", "(error)", "300 nested sections refused");
	is_str(error_last(), "t:1:1537: sections nested too deeply (more "
	       "than 256)", "  with a message");

	files = f;
	error_clear();
	is_render("{{>self}}", "{}", "(error)", "a partial including itself");
	ok(strstr(error_last(), "nested too deeply") != NULL,
	   "  is stopped: %s", error_last());
	files = NULL;

	/* a long template: 20,000 lines of text and tags */
	sb_reset(&src);
	for (i = 0; i < 20000; i++) {
		sb_addf(&src, "line %d {{v}} {{#l}}{{.}}{{/l}}\n", i);
		sb_addf(&want, "line %d &lt;&gt; 123\n", i);
	}
	got = render(src.buf, "{\"v\": \"<>\", \"l\": [1, 2, 3]}");
	ok(strcmp(got, want.buf) == 0, "a 20,000-line template (%zu bytes)",
	   src.len);
	free(got);
	/* one line of 100,000 tags (a minified page) */
	sb_reset(&src);
	sb_reset(&want);
	for (i = 0; i < 100000; i++) {
		sb_adds(&src, "<i>{{v}}</i>");
		sb_adds(&want, "<i>&lt;&gt;</i>");
	}
	got = render(src.buf, "{\"v\": \"<>\"}");
	ok(strcmp(got, want.buf) == 0, "one line of 100,000 tags");
	free(got);
	/* 100,000 lines without a tag (a stylesheet) */
	sb_reset(&src);
	for (i = 0; i < 100000; i++)
		sb_adds(&src, "body { margin: 0 } /* {no tags} */\n");
	got = render(src.buf, "{}");
	ok(strcmp(got, src.buf) == 0, "100,000 lines without tags (%zu bytes)",
	   src.len);
	free(got);
	sb_release(&src);
	sb_release(&want);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One parsed page rendered many times: same output each time; a figure. */
static void
test_reuse(void)
{
	static const char *const f[] = {
		"layout", "<!doctype html>\n<html>\n<head><title>{{$title}}"
			"{{/title}}</title></head>\n<body>\n  {{$body}}"
			"{{/body}}\n</body>\n</html>\n",
		"row", "<tr class=\"{{status}}\"><td><a href=\"jobs/{{id}}/\">"
			"{{name}}</a></td><td>{{epoch}}/{{epochs}}</td><td>"
			"{{best}}</td><td>{{#tags}}<span>{{.}}</span>{{/tags}}"
			"</td></tr>\n",
		NULL
	};
	const char *page = "{{<layout}}{{$title}}{{count}} jobs{{/title}}\n"
		"{{$body}}\n<h1>Jobs</h1>\n<table>\n{{#jobs}}\n{{>row}}\n"
		"{{/jobs}}\n{{^jobs}}<p>none</p>{{/jobs}}\n</table>\n"
		"{{/body}}\n{{/layout}}\n";
	struct tmpl_set *set;
	struct strbuf first = STRBUF_INIT, out = STRBUF_INIT;
	struct tmpl *t;
	json_t *v, *jobs;
	int i, same = 1, n = 2000;
	double t0, dt;

	files = f;
	jobs = json_array();
	for (i = 0; i < 50; i++)
		json_array_append_new(jobs, json_pack("{s:s, s:i, s:s, s:i, "
			"s:i, s:f, s:[s,s]}", "id", "20261125-1200", "n", i,
			"name", "lstm <sine>", "epoch", i, "epochs", 50,
			"best", 0.0123 * i, "tags", "lstm", "demo"));
	v = json_pack("{s:i, s:o}", "count", 50, "jobs", jobs);
	set = tmpl_set_new(load_files, NULL);
	t = tmpl_new("index", page, strlen(page));
	ok(t && tmpl_render(t, set, v, &first) == 0 &&
	   strstr(first.buf, "<title>50 jobs</title>") &&
	   strstr(first.buf, "\n  <tr class") &&
	   strstr(first.buf, "lstm &lt;sine&gt;"), "a page renders");
	t0 = now();
	for (i = 0; i < n; i++) {
		sb_reset(&out);
		if (tmpl_render(t, set, v, &out) < 0 ||
		    out.len != first.len ||
		    memcmp(out.buf, first.buf, out.len) != 0)
			same = 0;
	}
	dt = now() - t0;
	ok(same, "%d renders of one parsed template are identical", n);
	diag("%.0f renders/s of a %zu-byte page (50 rows, layout, partial)",
	     n / (dt > 0 ? dt : 1e-9), first.len);
	sb_release(&first);
	sb_release(&out);
	tmpl_free(t);
	tmpl_set_free(set);
	json_decref(v);
	files = NULL;
}

int
main(void)
{
	error_set_quiet(1);
	test_errors();
	test_escaping();
	test_values();
	test_partials();
	test_limits();
	test_reuse();
	return tap_done();
}
