/*
 * field.c - the checkers that read one config field; see field.h.
 *
 * Every checker takes the member from the input object, validates it
 * (type, range, allowed values), appends its effective value to the
 * completed copy and returns it; problems are appended to struct check as
 * one line each, with the field's path and the value shown cut to
 * SHOW_CHARS characters. Unknown members are found when an object is
 * entered (check_keys), with a suggestion from field_suggest.
 */
#include "job/field.h"
#include "lib/error.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_CHARS 40		/* values in messages are cut after this */

/* ---- small helpers ------------------------------------------------- */

json_t *
field_jnew(json_t *v)
{
	if (!v)
		die_oom();
	return v;
}

void
field_put(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, field_jnew(v)) < 0)
		die_oom();
}

void
field_append(json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, field_jnew(v)) < 0)
		die_oom();
}

static void __attribute__((format(printf, 2, 0)))
sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	char small[256];
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n <= 0)
		return;
	if ((size_t)n < sizeof small) {
		sb_add(sb, small, (size_t)n);
		return;
	}
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

/* Number of UTF-8 characters in s (jansson strings are valid UTF-8). */
size_t
field_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Byte offset of the end of the first max characters of s. */
size_t
field_utf8_prefix(const char *s, size_t max)
{
	size_t i = 0, n = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
			break;
		i++;
	}
	return i;
}

int
field_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 1;
	return 0;
}

/* x rounded to the 9 significant digits config.json is written with. */
static double
round9(double x)
{
	char buf[40];

	snprintf(buf, sizeof buf, "%.9g", x);
	return strtod(buf, NULL);
}

/*
 * v as it would be written in JSON, on one line, cut after SHOW_CHARS
 * characters with "..." (inside the quotes for a string).
 */
static void
show(const json_t *v, char *buf, size_t n)
{
	const size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(15);
	const char *s = json_string_value(v);
	int cut = 0;
	char *d;

	if (s && field_utf8_chars(s) > SHOW_CHARS) {
		json_t *t = field_jnew(json_stringn(s,
				field_utf8_prefix(s, SHOW_CHARS)));

		d = json_dumps(t, flags);
		json_decref(t);
		if (!d)
			die_oom();
		d[strlen(d) - 1] = '\0';	/* the closing quote */
		snprintf(buf, n, "%s...\"", d);
		free(d);
		return;
	}
	d = json_dumps(v, flags);
	if (!d)
		die_oom();
	if (field_utf8_chars(d) > SHOW_CHARS) {
		d[field_utf8_prefix(d, SHOW_CHARS)] = '\0';
		cut = 1;
	}
	snprintf(buf, n, "%s%s", d, cut ? "..." : "");
	free(d);
}

const char *
field_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* ---- reporting ----------------------------------------------------- */

/* Append "FILE: PATH: message" (PATH left out when NULL or ""). */
void __attribute__((format(printf, 3, 4)))
field_problem(struct check *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	sb_addf(c->problems, "%s: ", c->file);
	if (path && *path)
		sb_addf(c->problems, "%s: ", path);
	va_start(ap, fmt);
	sb_vaddf(c->problems, fmt, ap);
	va_end(ap);
	sb_addc(c->problems, '\n');
	c->n++;
}

/* Append "FILE: PATH: message, got VALUE". */
void __attribute__((format(printf, 4, 5)))
field_bad(struct check *c, const char *path, const json_t *got, const char *fmt,
	  ...)
{
	char shown[SHOW_CHARS * 4 + 16];
	va_list ap;

	sb_addf(c->problems, "%s: %s: ", c->file, path);
	va_start(ap, fmt);
	sb_vaddf(c->problems, fmt, ap);
	va_end(ap);
	show(got, shown, sizeof shown);
	sb_addf(c->problems, ", got %s\n", shown);
	c->n++;
}

/* "a, b, c" from a NULL-terminated list. */
static void
join_names(char *buf, size_t n, const char *const *names)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
					i ? ", " : "", names[i]);
}

/* printf into a path buffer; a path too long for it is cut. */
void __attribute__((format(printf, 3, 4)))
field_path_printf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* ---- reading fields ------------------------------------------------ */

static int
is_simple_key(const char *k)
{
	size_t n = 0;

	for (; k[n]; n++)
		if (!isalnum((unsigned char)k[n]) && k[n] != '_' &&
		    k[n] != '-')
			return 0;
	return n > 0 && n <= SHOW_CHARS;
}

/* path of member key of o: "train.lr", or "lr" at the top. */
static void
field_path(const struct obj *o, const char *key, char *buf, size_t n)
{
	if (o->path[0])
		field_path_printf(buf, n, "%s.%s", o->path, key);
	else
		field_path_printf(buf, n, "%s", key);
}

static void
check_keys(struct obj *o, const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o->in, key, v) {
		char kp[PATHLEN + SHOW_CHARS * 4 + 16], list[256];
		const char *guess;
		size_t i;

		for (i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (known[i])
			continue;
		if (is_simple_key(key)) {
			field_path(o, key, kp, sizeof kp);
		} else {
			char shown[SHOW_CHARS * 4 + 16];
			json_t *k = field_jnew(json_string(key));

			show(k, shown, sizeof shown);
			json_decref(k);
			field_path(o, shown, kp, sizeof kp);
		}
		guess = field_suggest(key, known);
		if (guess) {
			field_problem(o->c, kp,
				      "unknown field, did you mean \"%s\"?",
				      guess);
		} else {
			join_names(list, sizeof list, known);
			field_problem(o->c, kp,
				      "unknown field; known fields: %s",
				      list);
		}
	}
}

/* Make o the object in (or absent when NULL) at path, completed in out. */
void
field_obj_init(struct obj *o, struct check *c, const char *path,
	       const json_t *in, json_t *out, const char *const *known)
{
	o->c = c;
	o->in = in;
	o->out = out;
	field_path_printf(o->path, sizeof o->path, "%s", path);
	if (in)
		check_keys(o, known);
}

/*
 * Enter the member key of p as the object o, completed as a new member of
 * p->out. 1 when it is an object, 0 when absent, -1 when it is something
 * else (reported; o is then read as absent).
 */
int
field_obj_enter(struct obj *p, const char *key, const char *const *known,
		struct obj *o)
{
	const json_t *v = json_object_get(p->in, key);
	char path[PATHLEN];
	json_t *out = field_jnew(json_object());

	field_put(p->out, key, out);
	field_path(p, key, path, sizeof path);
	if (v && !json_is_object(v)) {
		field_bad(p->c, path, v, "must be an object");
		field_obj_init(o, p->c, path, NULL, out, known);
		return -1;
	}
	field_obj_init(o, p->c, path, v, out, known);
	return v ? 1 : 0;
}

/* The member key of o (borrowed, NULL when absent); its path into buf. */
const json_t *
field_member(const struct obj *o, const char *key, char *buf, size_t n)
{
	field_path(o, key, buf, n);
	return json_object_get(o->in, key);
}

/*
 * Is the field key meant for the chosen type? ok says so; when it is not
 * and the field is there, "only for WHICH" is reported. 1 when it applies.
 */
int
field_applies(struct obj *o, const char *key, int ok, const char *which)
{
	char path[PATHLEN];

	if (ok)
		return 1;
	if (field_member(o, key, path, sizeof path))
		field_problem(o->c, path, "only for %s", which);
	return 0;
}

int
field_check_int(struct check *c, const char *path, const json_t *v,
		long long lo, long long hi, long long *x)
{
	double d;

	if (json_is_integer(v)) {
		*x = json_integer_value(v);
	} else if (json_is_real(v)) {
		/* 1e3 or 10.0 are integers too; 1e300 is out of any range */
		d = json_real_value(v);
		if (d != floor(d)) {
			field_bad(c, path, v, "must be an integer");
			return -1;
		}
		if (fabs(d) < 9007199254740992.0)
			*x = (long long)d;
		else
			*x = d > 0 ? LLONG_MAX : LLONG_MIN;
	} else {
		field_bad(c, path, v, "must be an integer");
		return -1;
	}
	if (*x < lo || *x > hi) {
		if (hi == LLONG_MAX)
			field_bad(c, path, v, "must be >= %lld", lo);
		else
			field_bad(c, path, v, "must be between %lld and %lld",
				  lo, hi);
		return -1;
	}
	return 0;
}

static int
in_range(double x, const struct range *r)
{
	if (r->lo_open ? !(x > r->lo) : !(x >= r->lo))
		return 0;
	if (isinf(r->hi))
		return 1;
	return r->hi_open ? x < r->hi : x <= r->hi;
}

int
field_check_num(struct check *c, const char *path, const json_t *v,
		const struct range *r, double *x)
{
	const char *lo = r->lo_open ? ">" : ">=";
	const char *hi = r->hi_open ? "<" : "<=";

	if (!json_is_number(v)) {
		field_bad(c, path, v, "must be a number");
		return -1;
	}
	*x = round9(json_number_value(v));
	if (in_range(*x, r))
		return 0;
	/* a half-open range names the bound that was crossed */
	if (!isinf(r->hi) && !r->lo_open && !r->hi_open)
		field_bad(c, path, v, "must be between %.10g and %.10g", r->lo,
			  r->hi);
	else if (*x <= r->lo)
		field_bad(c, path, v, "must be %s %g", lo, r->lo);
	else
		field_bad(c, path, v, "must be %s %g", hi, r->hi);
	return -1;
}

int
field_check_enum(struct check *c, const char *path, const json_t *v,
		 const char *const *names, int *x)
{
	const char *s = json_string_value(v);
	char list[256];

	for (int i = 0; s && names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*x = i;
			return 0;
		}
	}
	join_names(list, sizeof list, names);
	field_bad(c, path, v, "must be one of %s", list);
	return -1;
}

long long
field_opt_int(struct obj *o, const char *key, long long def, long long lo,
	      long long hi)
{
	char path[PATHLEN];
	const json_t *v = field_member(o, key, path, sizeof path);
	long long x = def;

	if (v && field_check_int(o->c, path, v, lo, hi, &x) < 0)
		x = def;
	field_put(o->out, key, json_integer(x));
	return x;
}

double
field_opt_num(struct obj *o, const char *key, double def, const struct range *r)
{
	char path[PATHLEN];
	const json_t *v = field_member(o, key, path, sizeof path);
	double x = def;

	if (v && field_check_num(o->c, path, v, r, &x) < 0)
		x = def;
	field_put(o->out, key, json_real(x));
	return x;
}

int
field_opt_bool(struct obj *o, const char *key, int def)
{
	char path[PATHLEN];
	const json_t *v = field_member(o, key, path, sizeof path);
	int x = def;

	if (json_is_boolean(v))
		x = json_is_true(v);
	else if (v)
		field_bad(o->c, path, v, "must be true or false");
	field_put(o->out, key, json_boolean(x));
	return x;
}

/* An enum field; -1 when it is invalid (reported; def goes out). */
int
field_opt_enum(struct obj *o, const char *key, const char *const *names,
	       int def)
{
	char path[PATHLEN];
	const json_t *v = field_member(o, key, path, sizeof path);
	int x = def;

	if (v && field_check_enum(o->c, path, v, names, &x) < 0) {
		field_put(o->out, key, json_string(names[def]));
		return -1;
	}
	field_put(o->out, key, json_string(names[x]));
	return x;
}

/* A list of 0..max integers in lo..hi, into a[]; 0 or -1 (reported). */
int
field_check_int_list(struct check *c, const char *path, const json_t *v,
		     size_t min, size_t max, long long lo, long long hi, int *a,
		     int *n, json_t *out)
{
	size_t len = json_array_size(v);
	int fails = 0;

	if (!json_is_array(v)) {
		field_bad(c, path, v, "must be a list of integers");
		return -1;
	}
	if (len < min || len > max) {
		if (min)
			field_problem(c, path,
				      "must list %zu to %zu sizes, got %zu",
				      min, max, len);
		else
			field_problem(c, path,
				      "must list at most %zu sizes, got %zu",
				      max, len);
		return -1;
	}
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		char ep[PATHLEN];
		long long x;

		field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (field_check_int(c, ep, json_array_get(v, i), lo, hi,
				    &x) < 0) {
			fails++;
			continue;
		}
		a[(*n)++] = (int)x;
		field_append(out, json_integer(x));
	}
	return fails ? -1 : 0;
}

/* ---- edit distance and suggestions --------------------------------- */

size_t
field_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *rows, *prev2, *prev, *cur, d;

	/* three rows of the optimal-string-alignment table */
	rows = xcalloc(3 * (lb + 1), sizeof *rows);
	prev2 = rows;
	prev = rows + lb + 1;
	cur = prev + lb + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		int ca = tolower((unsigned char)a[i - 1]);
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]) &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
	free(rows);
	return d;
}

const char *
field_suggest(const char *key, const char *const *known)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;

	if (strlen(key) > 64)
		return NULL;
	for (size_t i = 0; known[i]; i++) {
		size_t d = field_edit_distance(key, known[i]);

		if (2 * d < strlen(known[i]) && d < bestd) {
			best = known[i];
			bestd = d;
		}
	}
	return best;
}
