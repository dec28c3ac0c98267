/*
 * json.c - loading and writing JSON files; see json.h.
 */
#include "json.h"
#include "error.h"
#include "fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Serialization flags used for every file the project writes. */
#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))

static void
format_error(char *err, size_t n, const char *name, const json_error_t *je)
{
	if (!err || !n)
		return;
	if (je->line > 0)
		snprintf(err, n, "%s:%d:%d: %s", name, je->line, je->column,
			 je->text);
	else
		snprintf(err, n, "%s: %s", name, je->text);
}

json_t *
json_load_buf(const char *name, const char *buf, size_t len, char *err,
	      size_t n)
{
	json_error_t je;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v)
		format_error(err, n, name, &je);
	return v;
}

json_t *
json_load_path(const char *path, size_t max, char *err, size_t n)
{
	size_t len;
	char *buf;
	json_t *v;

	error_set_quiet(1);
	buf = file_read(path, &len, max);
	error_set_quiet(0);
	if (!buf) {
		if (err && n)
			snprintf(err, n, "%s", error_last());
		return NULL;
	}
	v = json_load_buf(path, buf, len, err, n);
	free(buf);
	return v;
}

char *
json_to_string(const json_t *v)
{
	char *s = json_dumps(v, DUMP_FLAGS | JSON_ENCODE_ANY);

	if (!s)
		die_oom();
	return s;
}

int
json_write_atomic(const char *path, const json_t *v)
{
	char *s = json_to_string(v);
	size_t n = strlen(s);
	char *buf = xmalloc(n + 2);
	int rc;

	memcpy(buf, s, n);
	buf[n] = '\n';
	rc = file_write_atomic(path, buf, n + 1);
	free(buf);
	free(s);
	return rc;
}

int
json_append_line(const char *path, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
				JSON_REAL_PRECISION(9) | JSON_ENCODE_ANY);
	size_t n;
	int rc;

	if (!s)
		die_oom();
	n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n] = '\n';
	rc = file_append(path, s, n + 1);
	free(s);
	return rc;
}

json_t *
json_num(double x)
{
	json_t *v = isfinite(x) ? json_real(x) : json_null();

	if (!v)
		die_oom();
	return v;
}

const char *
json_str(const json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : def;
}

double
json_dbl(const json_t *obj, const char *key, double def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : def;
}
