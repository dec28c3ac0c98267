/*
 * test-sweep.c - presets (extends) and sweeps: the cases in
 * tests/data/sweep, then what a table cannot show (reproducible draws,
 * the group document, the runner's confined reading of presets).
 *
 * Each tests/data/sweep/NAME.json is read from inside that directory
 * with presets/ as the presets folder, its extends merged, and then
 * expanded when it holds a sweep. With NAME.err beside it, the problems
 * must equal that file. Otherwise NAME.out must equal what was made: for
 * a sweep, its summary line, its table (sweep_table) and each member's
 * name; for one job, its completed config. A case without either file
 * fails and leaves what it made in NAME.out.new, to be read and renamed.
 *
 * Run from the repository root, or give the data directory as argv[1].
 */
#include "job/config.h"
#include "job/preset.h"
#include "job/sweep.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
slurp(const char *path)
{
	int q = error_set_quiet(1);
	char *s = file_read(path, NULL, 0);

	error_set_quiet(q);
	return s;
}

/*
 * Read, resolve and expand path as `validate` does: what it makes into
 * out, its problems into p. 0 when valid.
 */
static int
load(const char *path, const struct preset_opts *o, struct strbuf *out,
     struct strbuf *p)
{
	size_t len;
	char *buf = config_read(path, 0, &len, NULL, p);
	char *stem = config_stem(path);
	json_t *doc;
	int n = 1;

	if (!buf)
		goto out;
	doc = config_doc(path, path, buf, len, o, p);
	if (!doc)
		goto out;
	if (sweep_present(doc)) {
		struct sweep sw;

		n = sweep_expand(&sw, doc, path, stem, p);
		if (n == 0) {
			sb_addf(out, "%zu members, by %s (%s)\n", sw.n,
				sw.metric, sw.maximize ? "max" : "min");
			sweep_table(&sw, out);
			for (size_t i = 0; i < sw.n; i++)
				sb_addf(out, "%s\n", sw.cfgs[i].name);
			sweep_release(&sw);
		}
	} else {
		struct config cfg;

		n = config_from_json(&cfg, doc, path, stem, p);
		if (n == 0) {
			char *s = json_to_string(cfg.json);

			sb_addf(out, "%s\n", s);
			free(s);
			config_release(&cfg);
		}
	}
	json_decref(doc);
out:
	free(buf);
	free(stem);
	return n;
}

static const struct preset_opts test_opts = { "presets", "presets", 0 };

static void
run_case(const char *name)
{
	char *stem = xstrdup(name), *want_err, *want_out;
	struct strbuf p = STRBUF_INIT, out = STRBUF_INIT;
	char *err_path, *out_path;
	int n;

	stem[strlen(stem) - 5] = '\0';
	err_path = xasprintf("%s.err", stem);
	out_path = xasprintf("%s.out", stem);
	want_err = slurp(err_path);
	want_out = slurp(out_path);
	n = load(name, &test_opts, &out, &p);
	if (want_err) {
		is_str(sb_str(&p), want_err, "%s: the problems reported", name);
		ok(n > 0, "%s: invalid", name);
	} else if (want_out) {
		if (!ok(n == 0, "%s: valid", name))
			diag("%s", sb_str(&p));
		is_str(sb_str(&out), want_out, "%s: what it makes", name);
	} else {
		char *path = xasprintf("%s.out.new", stem);

		file_write_atomic(path, n ? sb_str(&p) : sb_str(&out),
				  n ? p.len : out.len);
		ok(0, "%s: no .out or .err; wrote %s", name, path);
		free(path);
	}
	free(want_err);
	free(want_out);
	free(err_path);
	free(out_path);
	free(stem);
	sb_release(&p);
	sb_release(&out);
}

static int
is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static void
test_cases(void)
{
	struct dirent **list;
	int n = scandir(".", &list, is_case, alphasort);

	ok(n >= 20, "found %d cases", n);
	for (int i = 0; i < n; i++) {
		run_case(list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

/* Expand text (a config) into sw; 0 when valid. */
static int
expand_text(struct sweep *sw, const char *text, struct strbuf *p)
{
	char err[256];
	json_t *doc = json_load_buf("t.json", text, strlen(text), err,
				    sizeof err);
	int n;

	if (!doc)
		return 1;
	n = sweep_expand(sw, doc, "t.json", "t", p);
	json_decref(doc);
	return n;
}

#define BASE "\"data\": {\"path\": \"d.csv\", \"targets\": [\"y\"]}"

/* The words of member i's command, joined by '|'. */
static char *
member_words(const struct sweep *sw, size_t i)
{
	const json_t *w;
	struct strbuf sb = STRBUF_INIT;
	size_t k;

	json_array_foreach(json_object_get(sw->cfgs[i].json, "command"), k,
			   w)
		sb_addf(&sb, "%s%s", k ? "|" : "", json_string_value(w));
	return sb_detach(&sb, NULL);
}

/* Axes over an exec job's command: by a word's index, by {NAME}. */
static void
test_command_axes(void)
{
	struct strbuf p = STRBUF_INIT;
	struct sweep sw;
	char *w;

	ok(expand_text(&sw, "{\"command\": [\"fit\", \"--lr\", \"1\"], "
		       "\"sweep\": {\"grid\": {\"command.2\": [0.1, "
		       "\"3e-2\", true]}}}", &p) == 0 && sw.n == 3,
	       "a sweep over command.2");
	if (sw.n == 3) {
		w = member_words(&sw, 0);
		is_str(w, "fit|--lr|0.1", "a number: its shortest text");
		free(w);
		w = member_words(&sw, 1);
		is_str(w, "fit|--lr|3e-2", "a string: as it is");
		free(w);
		w = member_words(&sw, 2);
		is_str(w, "fit|--lr|true", "anything else: its JSON");
		free(w);
		sweep_release(&sw);
	}
	ok(expand_text(&sw, "{\"command\": [\"fit\", \"--lr={lr}\", "
		       "\"{w}x{w}\", \"{other}\"], \"sweep\": {\"grid\": "
		       "{\"lr\": [0.001], \"w\": [8]}}}", &p) == 0 &&
	       sw.n == 1, "a sweep over {lr} and {w}");
	if (sw.n == 1) {
		w = member_words(&sw, 0);
		is_str(w, "fit|--lr=0.001|8x8|{other}",
		       "every {NAME} of an axis replaced, others left");
		free(w);
		sweep_release(&sw);
	}
	ok(expand_text(&sw, "{\"command\": [\"{a}{b}\"], \"sweep\": "
		       "{\"grid\": {\"a\": [\"{b}{b}\"], \"b\": [\"x\"]}}}",
		       &p) == 0 && sw.n == 1, "a value that holds a {NAME}");
	if (sw.n == 1) {
		w = member_words(&sw, 0);
		is_str(w, "{b}{b}x", "is put in as it is, not filled again");
		free(w);
		sweep_release(&sw);
	}
	sb_reset(&p);
	ok(expand_text(&sw, "{\"command\": [\"fit\"], \"sweep\": "
		       "{\"grid\": {\"lr\": [0.1]}}}", &p) != 0 &&
	       strstr(sb_str(&p), "lr"),
	       "a name no word holds: a field, unknown: %s", sb_str(&p));
	sb_release(&p);
}

static void
test_reproducible(void)
{
	static const char *const text[] = {
		"{" BASE ", \"sweep\": {\"random\": {\"train.lr\": "
		"{\"log_uniform\": [1e-5, 1]}}, \"n\": 50, \"seed\": 3}}",
		"{" BASE ", \"sweep\": {\"random\": {\"train.lr\": "
		"{\"log_uniform\": [1e-5, 1]}}, \"n\": 50, \"seed\": 4}}",
	};
	struct strbuf p = STRBUF_INIT;
	struct sweep a, b, c;
	double lo = 1, hi = 0;

	ok(expand_text(&a, text[0], &p) == 0 &&
	   expand_text(&b, text[0], &p) == 0 &&
	   expand_text(&c, text[1], &p) == 0, "three expansions");
	ok(json_equal(a.params, b.params), "the same seed draws the same");
	ok(!json_equal(a.params, c.params), "another seed draws otherwise");
	for (size_t i = 0; i < a.n; i++) {
		double x = json_real_value(json_object_get(
			json_array_get(a.params, i), "train.lr"));

		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		is_near(a.cfgs[i].train.lr, x, 0, "member %zu's config has "
		       "its drawn train.lr", i + 1);
	}
	ok(lo >= 1e-5 && hi <= 1 && lo < 1e-3 && hi > 1e-2,
	   "log_uniform spreads over the decades: %g to %g", lo, hi);
	sweep_release(&a);
	sweep_release(&b);
	sweep_release(&c);
	sb_release(&p);
}

static void
test_group(void)
{
	const char *text = "{\"name\": \"g\", " BASE ", \"sweep\": {\"grid\": "
		"{\"train.lr\": [0.1, 0.2]}, \"random\": {\"train.epochs\": "
		"{\"int_uniform\": [1, 3]}}, \"n\": 2, \"seed\": 9}}";
	const char *const ids[] = { "g-1", "g-2", "g-3", "g-4" };
	struct strbuf p = STRBUF_INIT;
	struct sweep sw;
	json_t *g;

	if (!ok(expand_text(&sw, text, &p) == 0, "a grid with random axes"))
		diag("%s", sb_str(&p));
	g = sweep_group_json(&sw, "g", "g.json", "2026-12-03T00:00:00Z", ids);
	is_str(json_str(g, "goal", ""), "min", "val_loss is minimised");
	ok(json_integer_value(json_object_get(g, "seed")) == 9 &&
	   json_integer_value(json_object_get(g, "n")) == 2, "seed and n");
	ok(json_array_size(json_object_get(g, "axes")) == 2,
	   "two axes listed");
	is_str(json_str(json_array_get(json_object_get(g, "axes"), 1),
			"kind", ""), "int_uniform", "the random axis's kind");
	ok(json_array_size(json_object_get(g, "members")) == 4 &&
	   strcmp(json_str(json_array_get(json_object_get(g, "members"), 3),
			   "id", ""), "g-4") == 0, "four members by ID");
	ok(json_real_value(json_object_get(json_object_get(json_array_get(
		json_object_get(g, "members"), 2), "params"), "train.lr")) ==
	   0.2, "member 3 is on the second grid point");
	json_decref(g);
	sweep_release(&sw);
	sb_release(&p);
}

/* A sweep whose members or values would take too much is refused. */
static void
test_budget(void)
{
	struct strbuf text = STRBUF_INIT, p = STRBUF_INIT;
	struct sweep sw;
	int rc;

	sb_addf(&text, "{" BASE ", \"sweep\": {\"random\": {\"tags\": "
		"{\"choice\": [[\"");
	for (int i = 0; i < 60000; i++)
		sb_addc(&text, 'x');
	sb_addf(&text, "\"]]}}, \"n\": 100}}");
	rc = expand_text(&sw, text.buf, &p);
	if (!ok(rc > 0 && strstr(sb_str(&p), "t.json: sweep: the values of "
				   "its axes take "), "values over the cap"))
		diag("%s", sb_str(&p));
	sb_reset(&text);
	sb_reset(&p);
	sb_addf(&text, "{\"data\": {\"path\": \"d.csv\", \"targets\": "
		"[\"y\"], \"features\": [");
	for (int i = 0; i < 300; i++)
		sb_addf(&text, "%s\"%060d\"", i ? "," : "", i);
	sb_addf(&text, "]}, \"sweep\": {\"grid\": {\"train.seed\": [");
	for (int i = 0; i < 1000; i++)
		sb_addf(&text, "%s%d", i ? "," : "", i);
	sb_addf(&text, "]}}}");
	rc = expand_text(&sw, text.buf, &p);
	if (!ok(rc > 0 && strstr(sb_str(&p), "t.json: sweep: its 1000 "
				   "members would take "), "members over the cap"))
		diag("%s", sb_str(&p));
	sb_release(&text);
	sb_release(&p);
}

/*
 * The runner's way: a preset only below the config's folder or the
 * presets folder, never through a link.
 */
static void
test_confined(void)
{
	char tmpl[] = "/tmp/test-sweep-XXXXXX";
	char *dir = mkdtemp(tmpl), *in, *pre, *cfg, *outside;
	struct preset_opts o = { NULL, "presets", 1 };
	int rc;
	struct strbuf p = STRBUF_INIT, out = STRBUF_INIT;
	const char *body = "{\"data\": {\"path\": \"d.csv\", \"targets\": "
			   "[\"y\"]}, \"model\": {\"type\": \"linear\"}}";

	if (!ok(dir != NULL, "a temporary folder"))
		return;
	in = path_join(dir, "incoming");
	pre = path_join(dir, "presets");
	outside = path_join(dir, "outside.json");
	o.presets = pre;
	mkdir(in, 0755);
	mkdir(pre, 0755);
	file_write_atomic(outside, body, strlen(body));
	cfg = path_join(pre, "lin.json");
	file_write_atomic(cfg, body, strlen(body));
	free(cfg);
	cfg = path_join(in, "j.json");

#define TRY(text) (sb_reset(&p), sb_reset(&out), \
	file_write_atomic(cfg, text, strlen(text)), load(cfg, &o, &out, &p))
	ok(TRY("{\"extends\": \"lin.json\"}") == 0, "a preset in presets/");
	ok(TRY("{\"extends\": \"presets/lin.json\"}") == 0,
	   "presets/NAME means the same");
	ok(TRY("{\"extends\": \"../outside.json\"}") > 0 &&
	   strstr(sb_str(&p), "without '..'"), "'..' is refused");
	ok(TRY("{\"extends\": \"/etc/passwd\"}") > 0 &&
	   strstr(sb_str(&p), "relative path"), "an absolute path is refused");
	{
		char *ln = path_join(pre, "ln.json");

		ok(symlink(outside, ln) == 0, "a link planted in presets/");
		rc = TRY("{\"extends\": \"ln.json\"}");
		if (!ok(rc > 0 && strstr(sb_str(&p), "symbolic link"),
			"a link to a preset is not followed"))
			diag("%s", sb_str(&p));
		unlink(ln);
		ok(symlink(dir, ln) == 0 &&
		   TRY("{\"extends\": \"ln.json/outside.json\"}") > 0,
		   "nor a linked folder");
		unlink(ln);
		free(ln);
	}
	{
		/* a file dropped in incoming/ never stands in for a preset */
		char *sub = path_join(in, "presets"), *fake;
		const char *evil = "{\"data\": {\"path\": \"d.csv\", "
				   "\"targets\": [\"y\"]}, \"priority\": "
				   "-1000}";

		mkdir(sub, 0755);
		fake = path_join(sub, "lin.json");
		file_write_atomic(fake, evil, strlen(evil));
		ok(TRY("{\"extends\": \"presets/lin.json\"}") == 0 &&
		   !strstr(sb_str(&out), "-1000"), "a preset beside the "
		   "config in incoming/ is never read");
		unlink(fake);
		rmdir(sub);
		free(fake);
		free(sub);
	}
	{
		/* presets of more than 1 MiB in all */
		struct strbuf big = STRBUF_INIT;
		char *a = path_join(pre, "a.json");
		char *b = path_join(pre, "b.json");

		sb_addf(&big, "{\"extends\": \"b.json\", \"tags\": [\"");
		for (int i = 0; i < 600000; i++)
			sb_addc(&big, 'x');
		sb_addf(&big, "\"]}");
		file_write_atomic(a, big.buf, big.len);
		memcpy(big.buf + 13, "lin", 3);
		file_write_atomic(b, big.buf, big.len);
		rc = TRY("{\"extends\": \"a.json\"}");
		if (!ok(rc > 0 && strstr(sb_str(&p), "its presets hold more "
					  "than 1 MiB in all"),
			"a chain's presets are capped in all"))
			diag("%s", sb_str(&p));
		unlink(a);
		unlink(b);
		free(a);
		free(b);
		sb_release(&big);
	}
	{
		char *fifo = path_join(pre, "fifo.json");

		ok(mkfifo(fifo, 0644) == 0 &&
		   TRY("{\"extends\": \"fifo.json\"}") > 0 &&
		   strstr(sb_str(&p), "not a regular file"),
		   "a FIFO is refused without waiting");
		unlink(fifo);
		free(fifo);
	}
#undef TRY
	unlink(cfg);
	unlink(outside);
	{
		char *lin = path_join(pre, "lin.json");

		unlink(lin);
		free(lin);
	}
	rmdir(in);
	rmdir(pre);
	rmdir(dir);
	free(in);
	free(pre);
	free(cfg);
	free(outside);
	sb_release(&p);
	sb_release(&out);
}

int
main(int argc, char **argv)
{
	char *cwd = getcwd(NULL, 0);
	const char *dir = argc > 1 ? argv[1] : "tests/data/sweep";

	if (ok(cwd && chdir(dir) == 0, "enter %s", dir)) {
		test_cases();
		test_command_axes();
		ok(chdir(cwd) == 0, "back to the start directory");
	}
	free(cwd);
	test_reproducible();
	test_group();
	test_confined();
	test_budget();
	return tap_done();
}
