/*
 * json.h - the project's JSON values (jansson) and the helpers around them.
 *
 * This header is the one place that includes <jansson.h>; other modules
 * include "json.h" and use json_t and jansson's API through it.
 *
 * Ownership (jansson's rule, written once for the whole project):
 *   - a function that returns a "new reference" (json_object(),
 *     json_load_path(), json_pack(), ...) gives the caller one reference,
 *     which the caller must json_decref() or hand on;
 *   - json_object_get(), json_array_get() and friends return a "borrowed"
 *     reference that lives only as long as the container;
 *   - json_object_set_new() and json_array_append_new() steal the value's
 *     reference; the plain _set/_append variants add one of their own.
 */
#ifndef SPOOLBOARD_JSON_H
#define SPOOLBOARD_JSON_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parse the file at path (at most max bytes; 0: no limit). On success a
 * new reference. On failure NULL, with "PATH:LINE:COL: message" in err
 * (jansson's position of the syntax error), nothing printed.
 */
json_t *json_load_path(const char *path, size_t max, char *err, size_t n);

/* Parse a buffer; errors as json_load_path with name in place of PATH. */
/*
 * json_load_path of a regular file name in the directory open as dir
 * (AT_FDCWD: name is a path), read as file_read_regular_at reads (no link
 * followed, no FIFO waited on, at most max bytes); messages call it shown.
 */
json_t *json_load_at(int dir, const char *name, const char *shown,
		     size_t max, char *err, size_t n);

json_t *json_load_buf(const char *name, const char *buf, size_t len,
		      char *err, size_t n);

/*
 * Serialize v (indented, keys in insertion order, trailing newline) and
 * replace path atomically. 0 or -1 after error().
 */
int json_write_atomic(const char *path, const json_t *v);

/*
 * The same bytes through file_update: atomic, not fsync'ed (the caller
 * syncs the filesystem when it needs to), and not rewritten when they are
 * unchanged. 0 or -1 after error().
 */
int json_update(const char *path, const json_t *v);

/* Serialize v on one line plus '\n' and append it to path. 0 or -1. */
int json_append_line(const char *path, const json_t *v);

/* Serialize v (indented) into a new string; the caller frees it. */
char *json_to_string(const json_t *v);

/*
 * Append v to sb as compact JSON for the web: keys in insertion order,
 * reals with 9 significant digits as in the files, and every < written
 * as \u003c, so that no tag can appear raw in it, even when a browser
 * sniffs the file as HTML (without < there is no markup; > and & are
 * left alone, as they are frequent in the charts' markup). Much faster
 * than jansson's dumper for the large strings of the renderer's views
 * (spans of plain bytes are copied whole).
 */
struct strbuf;
void json_dump_web(struct strbuf *sb, const json_t *v);

/*
 * s as a new JSON string fit for XML 1.0 (a feed) and for HTML text:
 * every character XML 1.0 does not allow (C0 controls but tab, newline
 * and CR; U+FFFE, U+FFFF), every other noncharacter and every byte that
 * is not valid UTF-8 (a file name may hold any bytes) becomes U+FFFD.
 */
json_t *json_text(const char *s);

/* A JSON number for x, or null when x is NaN or infinite. New reference. */
json_t *json_num(double x);

/* Borrowed string member, or def when missing or not a string. */
const char *json_str(const json_t *obj, const char *key, const char *def);

/* Number member (integer or real), or def when missing or not a number. */
double json_dbl(const json_t *obj, const char *key, double def);

/*
 * Whole-number member: an integer as it is, a real truncated toward zero
 * when it is finite and within +-2^53 (so exact, and never an undefined
 * conversion), else def: a count read from a file is input like any.
 */
json_int_t json_int(const json_t *obj, const char *key, json_int_t def);

#endif
