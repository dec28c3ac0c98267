/*
 * json.c - loading and writing JSON files; see json.h.
 */
#include "lib/json.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"

#include <math.h>
#include <stdint.h>
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
	int q;

	q = error_set_quiet(1);
	buf = file_read(path, &len, max);
	error_set_quiet(q);
	if (!buf) {
		if (err && n)
			snprintf(err, n, "%s", error_last());
		return NULL;
	}
	v = json_load_buf(path, buf, len, err, n);
	free(buf);
	return v;
}

json_t *
json_load_at(int dir, const char *name, const char *shown, size_t max,
	     char *err, size_t n)
{
	size_t len;
	char *buf;
	json_t *v;
	int q;

	q = error_set_quiet(1);
	buf = file_read_regular_at(dir, name, shown, &len, max);
	error_set_quiet(q);
	if (!buf) {
		if (err && n)
			snprintf(err, n, "%s", error_last());
		return NULL;
	}
	v = json_load_buf(shown, buf, len, err, n);
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

/* v serialized with a final newline, written durably or not. */
static int
write_file(const char *path, const json_t *v, int durable)
{
	char *s = json_to_string(v);
	size_t n = strlen(s);
	char *buf = xmalloc(n + 2);
	int rc;

	memcpy(buf, s, n);
	buf[n] = '\n';
	if (durable)
		rc = file_write_atomic(path, buf, n + 1);
	else
		rc = file_update(path, buf, n + 1) < 0 ? -1 : 0;
	free(buf);
	free(s);
	return rc;
}

int
json_write_atomic(const char *path, const json_t *v)
{
	return write_file(path, v, 1);
}

int
json_update(const char *path, const json_t *v)
{
	return write_file(path, v, 0);
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

/* The bytes dump_string escapes: controls, " \\ and <. */
static const unsigned char needs_escape[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
	[0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
	[0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
	[0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, ['<'] = 1,
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The bytes of v equal to c have their high bit set (the rest clear). */
static inline uint64_t
bytes_equal(uint64_t v, unsigned char c)
{
	uint64_t x = v ^ (ONES * c);

	return (x - ONES) & ~x & HIGHS;
}

/* Whether none of the 8 bytes of v needs an escape (needs_escape). */
static inline int
word_plain(uint64_t v)
{
	uint64_t ctl = (v - ONES * 0x20) & ~v & HIGHS;	/* bytes < 0x20 */

	return !(ctl | bytes_equal(v, '"') | bytes_equal(v, '\\') |
		 bytes_equal(v, '<'));
}

/*
 * s (n bytes of valid UTF-8, as jansson keeps them) as a JSON string,
 * written straight into room made first for the worst case (every byte
 * six): one pass, eight plain bytes at a time, no call per byte or run.
 */
static void
dump_string(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o;
	size_t i = 0;

	sb_grow(sb, 6 * n + 2);
	o = sb->buf + sb->len;
	*o++ = '"';
	while (i < n) {
		unsigned char c;
		uint64_t w;

		if (i + 8 <= n) {
			memcpy(&w, s + i, 8);
			if (word_plain(w)) {
				memcpy(o, &w, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		c = (unsigned char)s[i++];
		if (!needs_escape[c]) {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	sb->len = (size_t)(o - sb->buf);
	sb->buf[sb->len] = '\0';
}

void
json_dump_web(struct strbuf *sb, const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	int first = 1;

	if (!v) {
		sb_add(sb, "null", 4);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		sb_addc(sb, '{');
		json_object_foreach((json_t *)v, key, x) {
			if (!first)
				sb_addc(sb, ',');
			first = 0;
			dump_string(sb, key, strlen(key));
			sb_addc(sb, ':');
			json_dump_web(sb, x);
		}
		sb_addc(sb, '}');
		break;
	case JSON_ARRAY:
		sb_addc(sb, '[');
		json_array_foreach(v, i, x) {
			if (i)
				sb_addc(sb, ',');
			json_dump_web(sb, x);
		}
		sb_addc(sb, ']');
		break;
	case JSON_STRING:
		dump_string(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sb_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL: {
		size_t at = sb->len;

		sb_addf(sb, "%.9g", json_real_value(v));
		if (!strpbrk(sb->buf + at, ".e"))
			sb_add(sb, ".0", 2);
		break;
	}
	case JSON_TRUE:
		sb_add(sb, "true", 4);
		break;
	case JSON_FALSE:
		sb_add(sb, "false", 5);
		break;
	default:
		sb_add(sb, "null", 4);
		break;
	}
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

json_int_t
json_int(const json_t *obj, const char *key, json_int_t def)
{
	json_t *v = json_object_get(obj, key);
	double x;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (!json_is_real(v))
		return def;
	x = json_real_value(v);
	if (!(x >= -9007199254740992.0 && x <= 9007199254740992.0))
		return def;	/* NaN, infinite or too large */
	return (json_int_t)x;
}

/*
 * The code point of the UTF-8 sequence at s into *cp; its length in
 * bytes, or 0 when s does not start a valid one (overlong, a surrogate,
 * past U+10FFFF, cut short).
 */
static size_t
json_utf8_next(const unsigned char *s, unsigned *cp)
{
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;
	unsigned c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

json_t *
json_text(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	json_t *v;

	while (*p) {
		unsigned c = 0;
		size_t n = json_utf8_next(p, &c);
		int ok = n && (c >= 0x20 || c == '\t' || c == '\n' ||
			       c == '\r') && !(c >= 0xfdd0 && c <= 0xfdef) &&
			 (c & 0xfffe) != 0xfffe;

		if (ok)
			sb_add(&sb, p, n);
		else
			sb_adds(&sb, "\xef\xbf\xbd");	/* U+FFFD */
		p += n ? n : 1;
	}
	v = json_string(sb_str(&sb));
	sb_release(&sb);
	return v ? v : json_string("");
}
