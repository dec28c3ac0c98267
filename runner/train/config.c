/*
 * config.c - a job's config: parse, validate, fill defaults; see config.h
 * and docs/config.md (the reference users read).
 *
 * The document is walked once, section by section, in the order the
 * reference lists the fields. Each field goes through a small checker
 * (opt_int, opt_num, opt_enum, ...) that validates it, stores its effective
 * value in struct config and appends it to the completed document, so
 * config.json always lists the fields in that one order whatever the order
 * of the input. A checker that finds a problem appends one line to the
 * problems and carries on with the default, so a single pass reports every
 * problem. A field that depends on another (data.window on model.type,
 * train.momentum on train.optimizer) reads that one first; when that one is
 * itself invalid, the dependent checks that would only add noise are
 * skipped.
 *
 * Real numbers are kept to 9 significant digits, the precision config.json
 * is written with, so a job resumed from its config.json sees exactly the
 * numbers its first run saw.
 */
#include "config.h"
#include "pattern.h"
#include "error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATHLEN 96		/* longest field path we build, plus room */
#define SHOW_CHARS 40		/* values in messages are cut after this */
#define NAME_MAX_CHARS 200
#define TAG_MAX_CHARS 64
#define DATA_PATH_MAX 4096
#define BIG 1000000		/* upper bound of epoch-like counts */

/* Serialization of the canonical form the hash is taken over. */
#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9))

/* Where problems go. */
struct check {
	const char *file;
	struct strbuf *problems;
	int n;
};

/* An object of the input being read and its completed copy. */
struct obj {
	struct check *c;
	const json_t *in;	/* borrowed; NULL: absent, all defaults */
	json_t *out;		/* borrowed from its parent (or the root) */
	char path[PATHLEN];	/* "train", "data.split"; "" at the top */
};

/* An interval for a real field; an infinite hi means no upper bound. */
struct range {
	double lo, hi;
	int lo_open, hi_open;
};

static const struct range r_pos = { 0, HUGE_VAL, 1, 1 };
static const struct range r_nonneg = { 0, HUGE_VAL, 0, 1 };
static const struct range r_unit = { 0, 1, 0, 0 };
static const struct range r_unit_hi_open = { 0, 1, 0, 1 };
static const struct range r_unit_lo_open = { 0, 1, 1, 0 };
static const struct range r_unit_open = { 0, 1, 1, 1 };
static const struct range r_lr = { 0, 10, 1, 0 };

static const char *const model_names[] = { "linear", "mlp", "lstm", "gru",
					   NULL };
static const char *const act_names[] = { "relu", "tanh", "gelu", "sigmoid",
					 NULL };
static const char *const loss_names[] = { "mse", "mae", "huber",
	"gaussian_nll", "student_t", "quantile", "cross_entropy", "bce", NULL };
static const char *const optim_names[] = { "sgd", "adam", "adamw", NULL };
static const char *const sched_names[] = { "constant", "step", "cosine",
					   NULL };
static const char *const normalize_names[] = { "zscore", "none", NULL };
static const char *const missing_names[] = { "error", "drop", NULL };

/* The known fields of every object, in the order of the reference. */
static const char *const top_fields[] = { "name", "tags", "priority",
	"threads", "retries", "data", "model", "loss", "train", "checkpoint",
	"limits", NULL };
static const char *const data_fields[] = { "path", "features", "targets",
	"delimiter", "split", "normalize", "missing", "window", NULL };
static const char *const split_fields[] = { "train", "val", "test",
	"shuffle", NULL };
static const char *const window_fields[] = { "lookback", "horizon", NULL };
static const char *const match_fields[] = { "match", NULL };
static const char *const model_fields[] = { "type", "hidden", "layers",
	"head", "activation", "dropout", NULL };
static const char *const loss_fields[] = { "type", "delta", "quantiles",
	NULL };
static const char *const train_fields[] = { "epochs", "batch_size",
	"optimizer", "lr", "momentum", "nesterov", "betas", "eps",
	"weight_decay", "schedule", "clip_grad", "early_stopping", "seed",
	NULL };
static const char *const sched_fields[] = { "type", "warmup", "step_size",
	"gamma", "min_lr", NULL };
static const char *const stop_fields[] = { "patience", "min_delta", NULL };
static const char *const checkpoint_fields[] = { "every", "keep", NULL };
static const char *const limits_fields[] = { "max_seconds", "max_memory_mb",
	NULL };

/* ---- small helpers ------------------------------------------------- */

static json_t *
jnew(json_t *v)
{
	if (!v)
		die_oom();
	return v;
}

static void
put(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, jnew(v)) < 0)
		die_oom();
}

static void
append(json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, jnew(v)) < 0)
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
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Byte offset of the end of the first max characters of s. */
static size_t
utf8_prefix(const char *s, size_t max)
{
	size_t i = 0, n = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
			break;
		i++;
	}
	return i;
}

static int
has_control(const char *s)
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

	if (s && utf8_chars(s) > SHOW_CHARS) {
		json_t *t = jnew(json_stringn(s, utf8_prefix(s, SHOW_CHARS)));

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
	if (utf8_chars(d) > SHOW_CHARS) {
		d[utf8_prefix(d, SHOW_CHARS)] = '\0';
		cut = 1;
	}
	snprintf(buf, n, "%s%s", d, cut ? "..." : "");
	free(d);
}

static const char *
type_name(const json_t *v)
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
static void __attribute__((format(printf, 3, 4)))
problem(struct check *c, const char *path, const char *fmt, ...)
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
static void __attribute__((format(printf, 4, 5)))
bad(struct check *c, const char *path, const json_t *got, const char *fmt,
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
static void __attribute__((format(printf, 3, 4)))
path_printf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* ---- edit distance and suggestions --------------------------------- */

size_t
config_edit_distance(const char *a, const char *b)
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
config_suggest(const char *key, const char *const *known)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;

	if (strlen(key) > 64)
		return NULL;
	for (size_t i = 0; known[i]; i++) {
		size_t d = config_edit_distance(key, known[i]);

		if (2 * d < strlen(known[i]) && d < bestd) {
			best = known[i];
			bestd = d;
		}
	}
	return best;
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
		path_printf(buf, n, "%s.%s", o->path, key);
	else
		path_printf(buf, n, "%s", key);
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
			json_t *k = jnew(json_string(key));

			show(k, shown, sizeof shown);
			json_decref(k);
			field_path(o, shown, kp, sizeof kp);
		}
		guess = config_suggest(key, known);
		if (guess) {
			problem(o->c, kp, "unknown field, did you mean \"%s\"?",
				guess);
		} else {
			join_names(list, sizeof list, known);
			problem(o->c, kp, "unknown field; known fields: %s",
				list);
		}
	}
}

/* Make o the object in (or absent when NULL) at path, completed in out. */
static void
obj_init(struct obj *o, struct check *c, const char *path, const json_t *in,
	 json_t *out, const char *const *known)
{
	o->c = c;
	o->in = in;
	o->out = out;
	path_printf(o->path, sizeof o->path, "%s", path);
	if (in)
		check_keys(o, known);
}

/*
 * Enter the member key of p as the object o, completed as a new member of
 * p->out. 1 when it is an object, 0 when absent, -1 when it is something
 * else (reported; o is then read as absent).
 */
static int
obj_enter(struct obj *p, const char *key, const char *const *known,
	  struct obj *o)
{
	const json_t *v = json_object_get(p->in, key);
	char path[PATHLEN];
	json_t *out = jnew(json_object());

	put(p->out, key, out);
	field_path(p, key, path, sizeof path);
	if (v && !json_is_object(v)) {
		bad(p->c, path, v, "must be an object");
		obj_init(o, p->c, path, NULL, out, known);
		return -1;
	}
	obj_init(o, p->c, path, v, out, known);
	return v ? 1 : 0;
}

/* The member key of o (borrowed, NULL when absent); its path into buf. */
static const json_t *
member(const struct obj *o, const char *key, char *buf, size_t n)
{
	field_path(o, key, buf, n);
	return json_object_get(o->in, key);
}

/*
 * Is the field key meant for the chosen type? ok says so; when it is not
 * and the field is there, "only for WHICH" is reported. 1 when it applies.
 */
static int
applies(struct obj *o, const char *key, int ok, const char *which)
{
	char path[PATHLEN];

	if (ok)
		return 1;
	if (member(o, key, path, sizeof path))
		problem(o->c, path, "only for %s", which);
	return 0;
}

static int
check_int(struct check *c, const char *path, const json_t *v, long long lo,
	  long long hi, long long *x)
{
	double d;

	if (json_is_integer(v)) {
		*x = json_integer_value(v);
	} else if (json_is_real(v)) {
		/* 1e3 or 10.0 are integers too; 1e300 is out of any range */
		d = json_real_value(v);
		if (d != floor(d)) {
			bad(c, path, v, "must be an integer");
			return -1;
		}
		if (fabs(d) < 9007199254740992.0)
			*x = (long long)d;
		else
			*x = d > 0 ? LLONG_MAX : LLONG_MIN;
	} else {
		bad(c, path, v, "must be an integer");
		return -1;
	}
	if (*x < lo || *x > hi) {
		if (hi == LLONG_MAX)
			bad(c, path, v, "must be >= %lld", lo);
		else
			bad(c, path, v, "must be between %lld and %lld", lo,
			    hi);
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

static int
check_num(struct check *c, const char *path, const json_t *v,
	  const struct range *r, double *x)
{
	const char *lo = r->lo_open ? ">" : ">=";
	const char *hi = r->hi_open ? "<" : "<=";

	if (!json_is_number(v)) {
		bad(c, path, v, "must be a number");
		return -1;
	}
	*x = round9(json_number_value(v));
	if (in_range(*x, r))
		return 0;
	/* a half-open range names the bound that was crossed */
	if (!isinf(r->hi) && !r->lo_open && !r->hi_open)
		bad(c, path, v, "must be between %g and %g", r->lo, r->hi);
	else if (*x <= r->lo)
		bad(c, path, v, "must be %s %g", lo, r->lo);
	else
		bad(c, path, v, "must be %s %g", hi, r->hi);
	return -1;
}

static int
check_enum(struct check *c, const char *path, const json_t *v,
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
	bad(c, path, v, "must be one of %s", list);
	return -1;
}

static long long
opt_int(struct obj *o, const char *key, long long def, long long lo,
	long long hi)
{
	char path[PATHLEN];
	const json_t *v = member(o, key, path, sizeof path);
	long long x = def;

	if (v && check_int(o->c, path, v, lo, hi, &x) < 0)
		x = def;
	put(o->out, key, json_integer(x));
	return x;
}

static double
opt_num(struct obj *o, const char *key, double def, const struct range *r)
{
	char path[PATHLEN];
	const json_t *v = member(o, key, path, sizeof path);
	double x = def;

	if (v && check_num(o->c, path, v, r, &x) < 0)
		x = def;
	put(o->out, key, json_real(x));
	return x;
}

static int
opt_bool(struct obj *o, const char *key, int def)
{
	char path[PATHLEN];
	const json_t *v = member(o, key, path, sizeof path);
	int x = def;

	if (json_is_boolean(v))
		x = json_is_true(v);
	else if (v)
		bad(o->c, path, v, "must be true or false");
	put(o->out, key, json_boolean(x));
	return x;
}

/* An enum field; -1 when it is invalid (reported; def goes out). */
static int
opt_enum(struct obj *o, const char *key, const char *const *names, int def)
{
	char path[PATHLEN];
	const json_t *v = member(o, key, path, sizeof path);
	int x = def;

	if (v && check_enum(o->c, path, v, names, &x) < 0) {
		put(o->out, key, json_string(names[def]));
		return -1;
	}
	put(o->out, key, json_string(names[x]));
	return x;
}

/* A list of 0..max integers in lo..hi, into a[]; 0 or -1 (reported). */
static int
check_int_list(struct check *c, const char *path, const json_t *v,
	       size_t min, size_t max, long long lo, long long hi, int *a,
	       int *n, json_t *out)
{
	size_t len = json_array_size(v);
	int fails = 0;

	if (!json_is_array(v)) {
		bad(c, path, v, "must be a list of integers");
		return -1;
	}
	if (len < min || len > max) {
		if (min)
			problem(c, path, "must list %zu to %zu sizes, got %zu",
				min, max, len);
		else
			problem(c, path, "must list at most %zu sizes, got %zu",
				max, len);
		return -1;
	}
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		char ep[PATHLEN];
		long long x;

		path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (check_int(c, ep, json_array_get(v, i), lo, hi, &x) < 0) {
			fails++;
			continue;
		}
		a[(*n)++] = (int)x;
		append(out, json_integer(x));
	}
	return fails ? -1 : 0;
}

/* ---- columns ------------------------------------------------------- */

/* A list of column names into cs; its completed copy returned. */
static json_t *
read_names(struct check *c, const char *path, const json_t *v,
	   struct colspec *cs)
{
	size_t len = json_array_size(v);
	json_t *out = jnew(json_array());
	json_t *seen = jnew(json_object());

	if (len == 0)
		problem(c, path, "must list at least one column");
	cs->names = xcalloc(len ? len : 1, sizeof *cs->names);
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		const char *s = json_string_value(e);
		char ep[PATHLEN];

		path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (!s) {
			bad(c, ep, e, "must be a column name (a string)");
		} else if (!*s) {
			problem(c, ep, "must not be empty");
		} else if (json_object_get(seen, s)) {
			bad(c, ep, e, "must not repeat a column");
		} else {
			put(seen, s, json_true());
			cs->names[cs->nnames++] = xstrdup(s);
			append(out, json_string(s));
		}
	}
	json_decref(seen);
	return out;
}

/* Does re compile? If not, report PCRE2's reason at path. */
static int
pattern_ok(struct check *c, const char *path, const char *re)
{
	struct pattern *p;
	char err[256];

	p = pattern_new(re, err, sizeof(err));
	if (!p) {
		problem(c, path, "not a valid PCRE2 pattern: %s", err);
		return 0;
	}
	pattern_free(p);
	return 1;
}

/* {"match": PATTERN} into cs; its completed copy returned. */
static json_t *
read_match(struct check *c, const char *path, const json_t *v,
	   struct colspec *cs)
{
	struct obj o;
	const json_t *m;
	char mp[PATHLEN];

	obj_init(&o, c, path, v, jnew(json_object()), match_fields);
	m = member(&o, "match", mp, sizeof mp);
	if (!m)
		problem(c, mp, "required");
	else if (!json_is_string(m))
		bad(c, mp, m, "must be a string (a PCRE2 pattern)");
	else if (!json_string_value(m)[0])
		problem(c, mp, "must not be empty");
	else if (!pattern_ok(c, mp, json_string_value(m)))
		;
	else
		cs->pattern = xstrdup(json_string_value(m));
	put(o.out, "match", json_string(cs->pattern ? cs->pattern : ""));
	return o.out;
}

/* ---- sections ------------------------------------------------------ */

static char *
clean_name(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *t = xmalloc(n + 1);
	json_t *check;

	/* keep valid UTF-8 without control characters, '_' for the rest */
	for (size_t i = 0; i < n;) {
		unsigned char b = (unsigned char)s[i];
		size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 :
			     (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
		size_t j;

		for (j = 1; len && j < len; j++)
			if (i + j >= n || ((unsigned char)s[i + j] & 0xC0) !=
					  0x80)
				len = 0;
		if (len == 0 || (len == 1 && (b < 0x20 || b == 0x7F))) {
			t[k++] = '_';
			i++;
			continue;
		}
		memcpy(t + k, s + i, len);
		k += len;
		i += len;
	}
	t[k] = '\0';
	t[utf8_prefix(t, NAME_MAX_CHARS)] = '\0';
	/* an invalid sequence (overlong form, ...) jansson would refuse */
	check = json_string(t);
	if (!check || !t[0]) {
		json_decref(check);
		free(t);
		return xstrdup("job");
	}
	json_decref(check);
	return t;
}

static void
read_name(struct obj *top, struct config *t, const char *default_name)
{
	char path[PATHLEN];
	const json_t *v = member(top, "name", path, sizeof path);
	const char *s = json_string_value(v);
	size_t n;

	if (v && !s) {
		bad(top->c, path, v, "must be a string");
	} else if (s) {
		n = utf8_chars(s);
		if (n < 1 || n > NAME_MAX_CHARS)
			problem(top->c, path, "must be 1 to %d characters long"
				", got %zu characters", NAME_MAX_CHARS, n);
		else if (has_control(s))
			bad(top->c, path, v,
			    "must not contain control characters");
		else
			t->name = xstrdup(s);
	}
	if (!t->name)
		t->name = clean_name(default_name ? default_name : "job");
	put(top->out, "name", json_string(t->name));
}

static void
read_tags(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(top, "tags", path, sizeof path);
	json_t *out = jnew(json_array());
	size_t len = json_array_size(v);

	put(top->out, "tags", out);
	if (v && !json_is_array(v)) {
		bad(top->c, path, v, "must be a list of strings");
		return;
	}
	t->tags = xcalloc(len ? len : 1, sizeof *t->tags);
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		const char *s = json_string_value(e);
		char ep[PATHLEN];
		size_t n;

		path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (!s) {
			bad(top->c, ep, e, "must be a string");
			continue;
		}
		n = utf8_chars(s);
		if (n < 1 || n > TAG_MAX_CHARS) {
			problem(top->c, ep, "must be 1 to %d characters long"
				", got %zu characters", TAG_MAX_CHARS, n);
		} else if (has_control(s)) {
			bad(top->c, ep, e,
			    "must not contain control characters");
		} else {
			t->tags[t->ntags++] = xstrdup(s);
			append(out, json_string(s));
		}
	}
}

/* model.type as given, for the sections read before the model; -1 bad. */
static int
peek_model_type(const json_t *root)
{
	const json_t *m = json_object_get(root, "model");
	const char *s;

	if (!json_is_object(m) || !json_object_get(m, "type"))
		return MODEL_MLP;
	s = json_string_value(json_object_get(m, "type"));
	for (int i = 0; s && model_names[i]; i++)
		if (strcmp(s, model_names[i]) == 0)
			return i;
	return -1;
}

static void
read_path(struct obj *d, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(d, "path", path, sizeof path);
	const char *s = json_string_value(v);

	if (!v)
		problem(d->c, path, "required");
	else if (!s)
		bad(d->c, path, v, "must be a string");
	else if (strlen(s) > DATA_PATH_MAX)
		problem(d->c, path, "must be at most %d bytes long, got %zu",
			DATA_PATH_MAX, strlen(s));
	else if (!config_path_is_safe(s))
		bad(d->c, path, v,
		    "must be a relative path inside the data root");
	else
		t->data.path = xstrdup(s);
	put(d->out, "path", json_string(t->data.path ? t->data.path : ""));
}

/* data.features and data.targets. */
static void
read_columns(struct obj *d, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(d, "features", path, sizeof path);
	struct colspec *cs = &t->data.features;

	if (!v || json_is_null(v))
		put(d->out, "features", json_null());
	else if (json_is_array(v))
		put(d->out, "features", read_names(d->c, path, v, cs));
	else if (json_is_object(v))
		put(d->out, "features", read_match(d->c, path, v, cs));
	else
		bad(d->c, path, v, "must be a list of column names, "
		    "{\"match\": PATTERN} or null");

	cs = &t->data.targets;
	v = member(d, "targets", path, sizeof path);
	if (!v) {
		problem(d->c, path, "required");
	} else if (json_is_string(v) && !json_string_value(v)[0]) {
		problem(d->c, path, "must not be empty");
	} else if (json_is_string(v)) {
		json_t *list = jnew(json_array());

		append(list, json_copy((json_t *)v));
		put(d->out, "targets", read_names(d->c, path, list, cs));
		json_decref(list);
	} else if (json_is_array(v)) {
		put(d->out, "targets", read_names(d->c, path, v, cs));
	} else if (json_is_object(v)) {
		put(d->out, "targets", read_match(d->c, path, v, cs));
	} else {
		bad(d->c, path, v, "must be a column name, a list of column "
		    "names or {\"match\": PATTERN}");
	}
}

static void
read_delimiter(struct obj *d, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(d, "delimiter", path, sizeof path);
	const char *s = json_string_value(v);

	t->data.delimiter = ',';
	if (s && strlen(s) == 1 && (unsigned char)s[0] < 0x80 &&
	    !strchr("\"\r\n", s[0]))
		t->data.delimiter = s[0];
	else if (v)
		bad(d->c, path, v, "must be one ASCII character other than "
		    "a quote or a line break");
	put(d->out, "delimiter", json_stringn(&t->data.delimiter, 1));
}

/* Returns 1 when the split was valid (for checks made later). */
static int
read_split(struct obj *d, struct config *t)
{
	struct obj o;
	int before;
	double sum;

	obj_enter(d, "split", split_fields, &o);
	before = d->c->n;
	t->data.split_train = opt_num(&o, "train", 0.7, &r_unit_lo_open);
	t->data.split_val = opt_num(&o, "val", 0.15, &r_unit);
	t->data.split_test = opt_num(&o, "test", 0.15, &r_unit);
	t->data.shuffle = opt_bool(&o, "shuffle", 0);
	if (d->c->n != before)
		return 0;
	sum = t->data.split_train + t->data.split_val + t->data.split_test;
	if (fabs(sum - 1) > 1e-6) {
		problem(d->c, o.path, "train + val + test must sum to 1, "
			"got %.9g", sum);
		return 0;
	}
	return 1;
}

static void
read_window(struct obj *d, struct config *t, int mtype)
{
	char path[PATHLEN];
	const json_t *v = member(d, "window", path, sizeof path);
	int rnn = mtype == MODEL_LSTM || mtype == MODEL_GRU;
	struct obj o;

	t->data.lookback = 0;
	t->data.horizon = 1;
	if (!v && !rnn) {
		put(d->out, "window", json_null());
		return;
	}
	if (v && !json_is_object(v)) {
		if (rnn)
			bad(d->c, path, v,
			    "must be an object for lstm and gru");
		else if (!json_is_null(v))
			bad(d->c, path, v, "must be an object or null");
		put(d->out, "window", json_null());
		return;
	}
	obj_init(&o, d->c, path, v, jnew(json_object()), window_fields);
	put(d->out, "window", o.out);
	if (v && !json_object_get(v, "lookback"))
		problem(d->c, "data.window.lookback", "required");
	t->data.lookback = (int)opt_int(&o, "lookback", 16, 1, 100000);
	t->data.horizon = (int)opt_int(&o, "horizon", 1, 1, 100000);
}

static int
read_data(struct obj *top, struct config *t, int mtype, int *split_ok)
{
	struct obj d;
	int rc;

	*split_ok = 0;
	rc = obj_enter(top, "data", data_fields, &d);
	if (rc == 0)
		problem(top->c, d.path, "required");
	if (rc <= 0)
		return -1;
	read_path(&d, t);
	read_columns(&d, t);
	read_delimiter(&d, t);
	*split_ok = read_split(&d, t);
	t->data.normalize = opt_enum(&d, "normalize", normalize_names,
				     NORMALIZE_ZSCORE);
	t->data.missing = opt_enum(&d, "missing", missing_names,
				   MISSING_ERROR);
	read_window(&d, t, mtype);
	return 0;
}

/* mlp: a list of sizes (n alone is [n]); lstm, gru: one size. */
static void
read_hidden(struct obj *m, struct config *t, int type)
{
	char path[PATHLEN];
	const json_t *v = member(m, "hidden", path, sizeof path);
	int rnn = type == MODEL_LSTM || type == MODEL_GRU;
	json_t *out = jnew(json_array());
	long long x;

	if (!v) {
		t->model.nhidden = rnn ? 1 : 2;
		t->model.hidden[0] = t->model.hidden[1] = 64;
	} else if (json_is_array(v) && !rnn) {
		if (check_int_list(m->c, path, v, 1, CONFIG_MAX_LAYERS, 1,
				   65536, t->model.hidden, &t->model.nhidden,
				   out) < 0)
			t->model.nhidden = 0;
		json_array_clear(out);
	} else if (json_is_number(v) || rnn) {
		if (check_int(m->c, path, v, 1, 65536, &x) == 0)
			t->model.hidden[t->model.nhidden++] = (int)x;
	} else {
		bad(m->c, path, v, "must be an integer or a list of integers");
	}
	if (rnn) {
		json_decref(out);
		put(m->out, "hidden", json_integer(t->model.hidden[0]));
		return;
	}
	for (int i = 0; i < t->model.nhidden; i++)
		append(out, json_integer(t->model.hidden[i]));
	put(m->out, "hidden", out);
}

static void
read_model(struct obj *top, struct config *t)
{
	struct obj m;
	char path[PATHLEN];
	const json_t *v;
	int type, rnn, known;

	if (obj_enter(top, "model", model_fields, &m) < 0)
		return;
	type = opt_enum(&m, "type", model_names, MODEL_MLP);
	t->model.type = type < 0 ? MODEL_MLP : (enum model_type)type;
	known = type >= 0;
	rnn = type == MODEL_LSTM || type == MODEL_GRU;
	t->model.activation = ACT_NONE;
	if (applies(&m, "hidden", !known || type != MODEL_LINEAR,
		    "mlp, lstm and gru"))
		read_hidden(&m, t, type);
	if (applies(&m, "layers", !known || rnn, "lstm and gru"))
		t->model.layers = (int)opt_int(&m, "layers", 1, 1,
					       CONFIG_MAX_LAYERS);
	if (applies(&m, "head", !known || rnn, "lstm and gru")) {
		json_t *out = jnew(json_array());

		v = member(&m, "head", path, sizeof path);
		if (v && check_int_list(m.c, path, v, 0, CONFIG_MAX_LAYERS, 1,
					65536, t->model.head, &t->model.nhead,
					out) < 0)
			t->model.nhead = 0;
		put(m.out, "head", out);
	}
	if (applies(&m, "activation", !known || type != MODEL_LINEAR,
		    "mlp, lstm and gru")) {
		int a = opt_enum(&m, "activation", act_names, ACT_RELU);

		t->model.activation = a < 0 ? ACT_RELU : (enum activation)a;
	}
	if (applies(&m, "dropout", !known || type != MODEL_LINEAR,
		    "mlp, lstm and gru"))
		t->model.dropout = opt_num(&m, "dropout", 0, &r_unit_hi_open);
}

static void
read_quantiles(struct obj *l, struct config *t)
{
	static const double def[] = { 0.1, 0.5, 0.9 };
	char path[PATHLEN];
	const json_t *v = member(l, "quantiles", path, sizeof path);
	double q[CONFIG_MAX_QUANTILES];
	size_t len = json_array_size(v);
	json_t *out = jnew(json_array());
	int fails = 0;

	put(l->out, "quantiles", out);
	t->loss.nquantiles = 3;
	memcpy(t->loss.quantiles, def, sizeof def);
	if (v && !json_is_array(v)) {
		bad(l->c, path, v, "must be a list of numbers");
	} else if (v && (len < 1 || len > CONFIG_MAX_QUANTILES)) {
		problem(l->c, path, "must list 1 to %d quantiles, got %zu",
			CONFIG_MAX_QUANTILES, len);
	} else if (v) {
		for (size_t i = 0; i < len; i++) {
			char ep[PATHLEN];

			path_printf(ep, sizeof ep, "%s[%zu]", path, i);
			if (check_num(l->c, ep, json_array_get(v, i),
				      &r_unit_open, &q[i]) < 0)
				fails++;
		}
		/* the order is only checked once every value is valid */
		for (size_t i = 1; !fails && i < len; i++) {
			if (!(q[i] > q[i - 1])) {
				bad(l->c, path, v,
				    "must be strictly ascending");
				fails++;
			}
		}
		if (!fails) {
			memcpy(t->loss.quantiles, q, len * sizeof *q);
			t->loss.nquantiles = (int)len;
		}
	}
	for (int i = 0; i < t->loss.nquantiles; i++)
		append(out, json_real(t->loss.quantiles[i]));
}

static void
read_loss(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(top, "loss", path, sizeof path);
	struct obj l;
	int type = LOSS_MSE, known = 1;

	obj_init(&l, top->c, path, json_is_object(v) ? v : NULL,
		 jnew(json_object()), loss_fields);
	put(top->out, "loss", l.out);
	if (json_is_string(v)) {
		if (check_enum(top->c, path, v, loss_names, &type) < 0)
			known = 0;
		put(l.out, "type", json_string(loss_names[type]));
	} else if (json_is_object(v)) {
		if (!json_object_get(v, "type"))
			problem(top->c, "loss.type", "required");
		type = opt_enum(&l, "type", loss_names, LOSS_MSE);
		known = type >= 0;
		if (!known)
			type = LOSS_MSE;
	} else if (v) {
		bad(top->c, path, v, "must be a loss name or an object");
		known = 0;
	} else {
		put(l.out, "type", json_string(loss_names[type]));
	}
	t->loss.type = (enum loss_type)type;
	t->loss.delta = 1.0;
	if (applies(&l, "delta", !known || type == LOSS_HUBER, "huber") &&
	    (type == LOSS_HUBER || json_object_get(l.in, "delta")))
		t->loss.delta = opt_num(&l, "delta", 1.0, &r_pos);
	if (applies(&l, "quantiles", !known || type == LOSS_QUANTILE,
		    "quantile") &&
	    (type == LOSS_QUANTILE || json_object_get(l.in, "quantiles")))
		read_quantiles(&l, t);
}

static void
read_betas(struct obj *tr, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(tr, "betas", path, sizeof path);
	json_t *out = jnew(json_array());
	double b[2] = { 0.9, 0.999 };

	put(tr->out, "betas", out);
	if (v && (!json_is_array(v) || json_array_size(v) != 2)) {
		bad(tr->c, path, v, "must be a list of 2 numbers");
	} else if (v) {
		for (size_t i = 0; i < 2; i++) {
			char ep[PATHLEN];
			double x;

			path_printf(ep, sizeof ep, "%s[%zu]", path, i);
			if (check_num(tr->c, ep, json_array_get(v, i),
				      &r_unit_hi_open, &x) == 0)
				b[i] = x;
		}
	}
	t->train.beta1 = b[0];
	t->train.beta2 = b[1];
	append(out, json_real(b[0]));
	append(out, json_real(b[1]));
}

static void
read_schedule(struct obj *tr, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(tr, "schedule", path, sizeof path);
	struct sched_spec *s = &t->train.schedule;
	struct obj o;
	int type = SCHED_CONSTANT, known = 1;

	obj_init(&o, tr->c, path, json_is_object(v) ? v : NULL,
		 jnew(json_object()), sched_fields);
	put(tr->out, "schedule", o.out);
	if (json_is_string(v)) {
		if (check_enum(tr->c, path, v, sched_names, &type) < 0)
			known = 0;
		put(o.out, "type", json_string(sched_names[type]));
	} else if (json_is_object(v)) {
		if (!json_object_get(v, "type"))
			problem(tr->c, "train.schedule.type", "required");
		type = opt_enum(&o, "type", sched_names, SCHED_CONSTANT);
		known = type >= 0;
		if (!known)
			type = SCHED_CONSTANT;
	} else if (v) {
		bad(tr->c, path, v, "must be a schedule name or an object");
		known = 0;
	} else {
		put(o.out, "type", json_string(sched_names[type]));
	}
	s->type = (enum sched_type)type;
	s->warmup = (int)opt_int(&o, "warmup", 0, 0, BIG);
	s->step_size = 10;
	s->gamma = 0.1;
	s->min_lr = 0;
	if (applies(&o, "step_size", !known || type == SCHED_STEP, "step") &&
	    (type == SCHED_STEP || json_object_get(o.in, "step_size")))
		s->step_size = (int)opt_int(&o, "step_size", 10, 1, BIG);
	if (applies(&o, "gamma", !known || type == SCHED_STEP, "step") &&
	    (type == SCHED_STEP || json_object_get(o.in, "gamma")))
		s->gamma = opt_num(&o, "gamma", 0.1, &r_unit_lo_open);
	if (applies(&o, "min_lr", !known || type == SCHED_COSINE, "cosine") &&
	    (type == SCHED_COSINE || json_object_get(o.in, "min_lr")))
		s->min_lr = opt_num(&o, "min_lr", 0, &r_nonneg);
}

static void
read_early_stopping(struct obj *tr, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = member(tr, "early_stopping", path, sizeof path);
	struct obj o;

	obj_init(&o, tr->c, path, json_is_object(v) ? v : NULL,
		 jnew(json_object()), stop_fields);
	put(tr->out, "early_stopping", o.out);
	if (json_is_false(v)) {
		put(o.out, "patience", json_integer(0));
		put(o.out, "min_delta", json_real(0));
		return;
	}
	if (v && !json_is_object(v))
		bad(tr->c, path, v, "must be an object or false");
	t->train.patience = (int)opt_int(&o, "patience", 10, 0, BIG);
	t->train.min_delta = opt_num(&o, "min_delta", 0, &r_nonneg);
}

static void
read_train(struct obj *top, struct config *t)
{
	struct obj tr;
	int opt, known, sgd;

	obj_enter(top, "train", train_fields, &tr);
	t->train.epochs = (int)opt_int(&tr, "epochs", 50, 1, BIG);
	t->train.batch_size = (int)opt_int(&tr, "batch_size", 64, 1, 65536);
	opt = opt_enum(&tr, "optimizer", optim_names, OPTIM_ADAM);
	known = opt >= 0;
	sgd = opt == OPTIM_SGD;
	t->train.optimizer = known ? (enum optim_type)opt : OPTIM_ADAM;
	t->train.lr = opt_num(&tr, "lr", 0.001, &r_lr);
	t->train.momentum = 0.9;
	t->train.beta1 = 0.9;
	t->train.beta2 = 0.999;
	t->train.eps = 1e-8;
	if (applies(&tr, "momentum", !known || sgd, "sgd"))
		t->train.momentum = opt_num(&tr, "momentum", 0.9,
					    &r_unit_hi_open);
	if (applies(&tr, "nesterov", !known || sgd, "sgd"))
		t->train.nesterov = opt_bool(&tr, "nesterov", 0);
	if (applies(&tr, "betas", !known || !sgd, "adam and adamw"))
		read_betas(&tr, t);
	if (applies(&tr, "eps", !known || !sgd, "adam and adamw"))
		t->train.eps = opt_num(&tr, "eps", 1e-8, &r_pos);
	t->train.weight_decay = opt_num(&tr, "weight_decay", 0, &r_nonneg);
	read_schedule(&tr, t);
	t->train.clip_grad = opt_num(&tr, "clip_grad", 0, &r_nonneg);
	read_early_stopping(&tr, t);
	t->train.seed = (uint64_t)opt_int(&tr, "seed", 42, 0,
					  9007199254740992LL);
}

static void
read_checkpoint(struct obj *top, struct config *t)
{
	struct obj o;

	obj_enter(top, "checkpoint", checkpoint_fields, &o);
	t->checkpoint.every = (int)opt_int(&o, "every", 10, 0, BIG);
	t->checkpoint.keep = (int)opt_int(&o, "keep", 3, 1, 1000);
}

static void
read_limits(struct obj *top, struct config *t)
{
	struct obj o;

	obj_enter(top, "limits", limits_fields, &o);
	t->limits.max_seconds = opt_num(&o, "max_seconds", 0, &r_nonneg);
	t->limits.max_memory_mb = opt_num(&o, "max_memory_mb", 0, &r_nonneg);
}

/* Checks that tie fields of different sections together. */
static void
check_across(struct check *c, const json_t *root, struct config *t,
	     int data_ok, int split_ok)
{
	const json_t *targets;

	if (split_ok && t->train.patience > 0 && t->data.split_val == 0)
		problem(c, "data.split.val",
			"must be > 0 when train.early_stopping is on");
	targets = json_object_get(json_object_get(root, "data"), "targets");
	if (data_ok && t->loss.type == LOSS_CROSS_ENTROPY &&
	    json_is_array(targets) && json_array_size(targets) != 1)
		bad(c, "data.targets", targets,
		    "must be one column when loss is cross_entropy");
}

/*
 * The hash of what decides the trained weights: the data, model, loss
 * and train sections. Name, tags, priority, threads, retries, checkpoint
 * and limits can change without making a checkpoint another job's.
 */
static char *
hash_json(const json_t *v)
{
	static const char *const keys[] = { "data", "model", "loss", "train" };
	json_t *part = json_object();
	uint64_t h = 0xcbf29ce484222325ULL;
	char *s;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set(part, keys[i], json_object_get(v, keys[i]));
	s = json_dumps(part, CANON_FLAGS);
	json_decref(part);
	if (!s)
		die_oom();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	free(s);
	return xasprintf("%016" PRIx64, h);
}

int
config_from_json(struct config *cfg, const json_t *root, const char *path,
		 const char *default_name, struct strbuf *problems)
{
	struct check c = { path, problems, 0 };
	struct config t;
	struct obj top;
	int split_ok, data_ok;

	if (!json_is_object(root)) {
		problem(&c, NULL, "the config must be a JSON object, got %s",
			type_name(root));
		return c.n;
	}
	memset(&t, 0, sizeof t);
	obj_init(&top, &c, "", root, jnew(json_object()), top_fields);
	read_name(&top, &t, default_name);
	read_tags(&top, &t);
	t.priority = (int)opt_int(&top, "priority", 0, -1000, 1000);
	t.threads = (int)opt_int(&top, "threads", 0, 0, 1024);
	t.retries = (int)opt_int(&top, "retries", 0, 0, 100);
	data_ok = read_data(&top, &t, peek_model_type(root), &split_ok) == 0;
	read_model(&top, &t);
	read_loss(&top, &t);
	read_train(&top, &t);
	read_checkpoint(&top, &t);
	read_limits(&top, &t);
	check_across(&c, root, &t, data_ok, split_ok);
	t.json = top.out;
	if (c.n) {
		config_release(&t);
		return c.n;
	}
	t.hash = hash_json(t.json);
	*cfg = t;
	return 0;
}

/* ---- files --------------------------------------------------------- */

/*
 * Read at most max bytes of path into a new buffer. NULL with the problem
 * reported when it cannot be read or is larger.
 */
static char *
read_config_file(struct check *c, const char *path, size_t max, size_t *len)
{
	size_t n = 0;
	char *buf = xmalloc(max + 2);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		problem(c, NULL, "cannot open: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			problem(c, NULL, "cannot read: %s", strerror(errno));
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			problem(c, NULL, "too large: a config may have at most "
				"%zu bytes", max);
			goto err;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
err:
	close(fd);
	free(buf);
	return NULL;
}

/* The file name of path without its directory and last extension. */
static char *
file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return xstrdup(base);
	return strndup(base, (size_t)(dot - base));
}

int
config_load(struct config *cfg, const char *path, struct strbuf *problems)
{
	struct check c = { path, problems, 0 };
	char err[512];
	size_t len, i;
	char *buf, *stem;
	json_t *root;
	int n;

	buf = read_config_file(&c, path, CONFIG_MAX_BYTES, &len);
	if (!buf)
		return c.n;
	for (i = 0; i < len && strchr(" \t\r\n", buf[i]); i++)
		;
	if (i == len) {
		problem(&c, NULL, "empty file, expected a JSON object");
		free(buf);
		return c.n;
	}
	root = json_load_buf(path, buf, len, err, sizeof err);
	free(buf);
	if (!root) {
		sb_addf(problems, "%s\n", err);
		return 1;
	}
	stem = file_stem(path);
	if (!stem)
		die_oom();
	n = config_from_json(cfg, root, path, stem, problems);
	free(stem);
	json_decref(root);
	return n;
}

void
config_release(struct config *cfg)
{
	free(cfg->name);
	for (size_t i = 0; i < cfg->ntags; i++)
		free(cfg->tags[i]);
	free(cfg->tags);
	free(cfg->data.path);
	for (int k = 0; k < 2; k++) {
		struct colspec *cs = k ? &cfg->data.targets :
				     &cfg->data.features;

		free(cs->pattern);
		for (size_t i = 0; i < cs->nnames; i++)
			free(cs->names[i]);
		free(cs->names);
	}
	json_decref(cfg->json);
	free(cfg->hash);
	memset(cfg, 0, sizeof *cfg);
}

/* ---- names and paths ----------------------------------------------- */

static const char *
name_of(const char *const *names, size_t n, int i)
{
	return i >= 0 && (size_t)i < n && names[i] ? names[i] : "?";
}

const char *
model_type_name(enum model_type t)
{
	return name_of(model_names, 4, (int)t);
}

const char *
activation_name(enum activation a)
{
	return a == ACT_NONE ? "none" : name_of(act_names, 4, (int)a);
}

const char *
loss_type_name(enum loss_type t)
{
	return name_of(loss_names, 8, (int)t);
}

const char *
optim_type_name(enum optim_type t)
{
	return name_of(optim_names, 3, (int)t);
}

int
config_path_is_safe(const char *path)
{
	int depth = 0;
	const char *p = path;

	if (!path || !*path || *path == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return depth > 0;
}
