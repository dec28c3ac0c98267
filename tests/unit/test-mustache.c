/*
 * test-mustache.c - run every test of the official Mustache spec.
 *
 * The spec lives outside the repository: $MUSTACHE_SPEC, else
 * ../shared/mustache-spec or ../../shared/mustache-spec from the working
 * directory. Each *.json file there holds tests (name, data, template,
 * partials, expected); each becomes one TAP line "FILE: NAME". Without the
 * spec the program prints one skipped test.
 */
#include "render/tmpl.h"
#include "lib/error.h"
#include "tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The loader over a spec test's "partials" object. */
static char *
load_partial(void *arg, const char *name, size_t *len)
{
	const json_t *s = json_object_get(arg, name);
	char *copy;

	if (!json_is_string(s))
		return NULL;
	*len = json_string_length(s);
	copy = malloc(*len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, json_string_value(s), *len + 1);
	return copy;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_case(const char *file, const json_t *test)
{
	const char *name = json_str(test, "name", "?");
	const char *src = json_str(test, "template", "");
	const char *want = json_str(test, "expected", "");
	json_t *partials = json_object_get(test, "partials");
	struct tmpl_set *set = tmpl_set_new(load_partial, partials);
	struct strbuf out = STRBUF_INIT;
	struct tmpl *t;
	char *label = xasprintf("%s: %s", file, name);
	int r = -1;

	t = tmpl_new(label, src, strlen(src));
	if (t)
		r = tmpl_render(t, set, json_object_get(test, "data"), &out);
	if (r == 0 && strcmp(sb_str(&out), want) == 0) {
		ok(1, "%s", label);
	} else {
		ok(0, "%s", label);
		diag("template: '%s'", src);
		diag("expected: '%s'", want);
		diag("got:      '%s'%s", sb_str(&out),
		     r < 0 ? " (render failed)" : "");
	}
	sb_release(&out);
	tmpl_free(t);
	tmpl_set_free(set);
	free(label);
}

static void
run_file(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	char *stem = xstrdup(file);
	char err[512];
	json_t *spec, *tests;
	size_t i;

	stem[strlen(stem) - 5] = '\0';	/* drop ".json" */
	spec = json_load_path(path, 0, err, sizeof(err));
	free(path);
	if (!spec) {
		ok(0, "%s: parse", file);
		diag("%s", err);
		free(stem);
		return;
	}
	tests = json_object_get(spec, "tests");
	ok(json_is_array(tests) && json_array_size(tests) > 0,
	   "%s: has tests", stem);
	for (i = 0; i < json_array_size(tests); i++)
		run_case(stem, json_array_get(tests, i));
	json_decref(spec);
	free(stem);
}

int
main(void)
{
	const char *dir = getenv("MUSTACHE_SPEC");
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, len;
	DIR *d;

	if (!dir || !*dir) {
		if (is_dir("../shared/mustache-spec"))
			dir = "../shared/mustache-spec";
		else if (is_dir("../../shared/mustache-spec"))
			dir = "../../shared/mustache-spec";
		else
			dir = NULL;
	}
	d = dir ? opendir(dir) : NULL;
	if (!d) {
		printf("ok 1 - mustache spec # SKIP not found "
		       "(set MUSTACHE_SPEC)\n1..1\n");
		return 0;
	}
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names)
			return 1;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	ok(n > 0, "spec files in %s", dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		run_file(dir, names[i]);
		free(names[i]);
	}
	free(names);
	return tap_done();
}
