/*
 * sweep.c - expand a config's "sweep" into member configs; see sweep.h.
 *
 * The sweep member is read like any section (field.c's checkers, paths
 * such as "sweep.grid.train.lr" in messages), then every member is built
 * as a document (the config less "sweep", its values set at its axes'
 * paths) and validated by config_from_json, so a member is exactly the
 * config a user would have written by hand. Random draws come from
 * lib/rng (the trainer's generator), whose sequence depends on the seed
 * alone, so an expansion is the same on every machine and in every
 * version that keeps this file's order of draws: members in order, and
 * for each, the random axes in the order the config lists them.
 */
#include "job/sweep.h"
#include "job/field.h"
#include "job/schema.h"
#include "lib/error.h"
#include "lib/rng.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AXIS_SEGMENTS 8		/* a.b.c: at most this many names */
#define SWEEP_AXES 32		/* axes of one sweep, at most */
#define NAME_MAX_CHARS 200	/* as config.c's */
#define VALUE_SHOWN 24		/* characters of a value in the table */
#define MEMBER_TEXT_SHOWN 80	/* characters of a member's values shown */
#define SWEEP_BAD_SHOWN 20	/* invalid members checked before stopping */
#define SWEEP_BYTES (16 * 1024 * 1024)	/* all members' configs, compact */
#define SWEEP_VALUES_BYTES (4 * 1024 * 1024)	/* all values, compact */
#define SWEEP_WORD_BYTES (128 * 1024)	/* a word of a member's command */
#define SWEEP_ARGV_BYTES (1024 * 1024)	/* ... all its words */

enum axis_kind { AX_GRID, AX_CHOICE, AX_UNIFORM, AX_LOG_UNIFORM,
		 AX_INT_UNIFORM };

static const char *const kind_names[] = { "grid", "choice", "uniform",
	"log_uniform", "int_uniform", NULL };

struct axis {
	char path[PATHLEN];	/* "train.lr" */
	enum axis_kind kind;
	const json_t *values;	/* grid, choice: borrowed from the doc */
	double lo, hi;
};

struct spec {
	struct axis *axes;
	size_t naxes, ngrid;	/* grid axes first */
	long long n;		/* random members per grid point, 0: none */
	long long seed;
	const char *metric;
	int maximize;
};

int
sweep_present(const json_t *doc)
{
	return json_is_object(doc) && json_object_get(doc, "sweep") != NULL;
}

/* ---- reading the sweep member -------------------------------------- */

/* Is p a field path: names of [A-Za-z0-9_] joined by '.'? */
static int
path_ok(const char *p)
{
	int seg = 0, len = 0;

	if (!*p || strlen(p) >= PATHLEN - 40)
		return 0;
	for (; *p; p++) {
		if (*p == '.') {
			if (len == 0)
				return 0;
			len = 0;
			continue;
		}
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
		if (len++ == 0)
			seg++;
	}
	return len > 0 && seg <= AXIS_SEGMENTS;
}

/*
 * Can the doc take a value at the axis path? Every object on the way
 * must be an object or absent. 1, or 0 with the problem reported.
 */
static int
path_settable(struct check *c, const char *where, const char *path,
	      const json_t *doc)
{
	char buf[PATHLEN];
	const char *p = path;

	if (strncmp(path, "sweep", 5) == 0 && (!path[5] || path[5] == '.')) {
		field_problem(c, where, "a sweep cannot vary itself");
		return 0;
	}
	if (strncmp(path, "extends", 7) == 0 &&
	    (!path[7] || path[7] == '.')) {
		field_problem(c, where, "a sweep cannot vary extends: presets "
			      "are merged before the sweep is expanded");
		return 0;
	}
	for (const char *dot; (dot = strchr(p, '.')); p = dot + 1) {
		snprintf(buf, sizeof buf, "%.*s", (int)(dot - p), p);
		doc = json_object_get(doc, buf);
		if (doc && !json_is_object(doc)) {
			field_problem(c, where, "'%.*s' is %s in the config, "
				      "not an object with fields",
				      (int)(dot - path), path,
				      field_type_name(doc));
			return 0;
		}
	}
	return 1;
}

/*
 * An exec job's axis over its command (docs/exec.md): "command.N", the
 * word at index N, or a name NAME that some word holds as "{NAME}". The
 * index of the word for "command.N", -2 for a placeholder, -1 when key
 * is neither (*bad set when it is "command.N" with no such word).
 */
static long
command_axis(const json_t *doc, const char *key, int *bad)
{
	const json_t *cmd = json_object_get(doc, "command"), *w;
	char *end, *ph;
	size_t i;
	long n;
	int found = 0;

	*bad = 0;
	if (!json_is_array(cmd))
		return -1;
	if (strncmp(key, "command.", 8) == 0) {
		n = strtol(key + 8, &end, 10);
		*bad = !(key[8] >= '0' && key[8] <= '9') || *end || n < 0 ||
		       (size_t)n >= json_array_size(cmd);
		return *bad ? -1 : n;
	}
	if (strchr(key, '.'))
		return -1;
	ph = xasprintf("{%s}", key);
	json_array_foreach(cmd, i, w)
		found |= json_is_string(w) && strstr(json_string_value(w), ph);
	free(ph);
	return found ? -2 : -1;
}

/*
 * A value as a command's word: a string as it is, a real number in the
 * fewest digits that read back as it (0.1, not 0.10000000000000001),
 * anything else as its JSON.
 */
static char *
word_text(const json_t *v)
{
	char *s;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_real(v))
		for (int prec = 1; prec <= 17; prec++) {
			char buf[64];

			snprintf(buf, sizeof buf, "%.*g", prec,
				 json_real_value(v));
			if (strtod(buf, NULL) == json_real_value(v) ||
			    prec == 17)
				return xstrdup(buf);
		}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		die_oom();
	return s;
}

/*
 * Set the axis key of the member m to v when it is "command.N": the word
 * replaced. 1 done, 0 not such an axis.
 */
static int
set_command_word(json_t *m, const char *key, const json_t *v)
{
	json_t *cmd = json_object_get(m, "command");
	int bad;
	long k = command_axis(m, key, &bad);
	char *text;

	if (k < 0)
		return 0;
	text = word_text(v);
	json_array_set_new(cmd, (size_t)k, field_jnew(json_string(text)));
	free(text);
	return 1;
}

/*
 * The words of the placeholder axes of the member with params, for the
 * names in phs (the sweep's axes that a word of its config holds as
 * {NAME}): NAME -> its value as a word (word_text). A new object.
 */
static json_t *
placeholder_words(const json_t *phs, const json_t *params)
{
	json_t *words = field_jnew(json_object()), *x;
	const char *key;

	json_object_foreach((json_t *)phs, key, x) {
		const json_t *v = json_object_get(params, key);
		char *text;

		if (!v)
			continue;
		text = word_text(v);
		field_put(words, key, json_string(text));
		free(text);
	}
	return words;
}

/*
 * Fill each "{NAME}" of the member m's words with its word in words
 * (placeholder_words), in one pass over each word: text put in is never
 * read again, so a value holding "{OTHER}" stays as it is. Bytes counted before they are made:
 * -1 (m left as it was) when a word would pass SWEEP_WORD_BYTES, -2
 * when the words would pass SWEEP_ARGV_BYTES, with *need that size; 0
 * done.
 */
static int
fill_placeholders(json_t *m, const json_t *words, size_t *need)
{
	json_t *cmd = json_object_get(m, "command"), *out, *w;
	size_t i, total = 0;

	if (!json_is_array(cmd) || json_object_size(words) == 0)
		return 0;
	out = field_jnew(json_array());
	for (int make = 0; make < 2; make++) {
		json_array_foreach(cmd, i, w) {
			const char *s = json_string_value(w), *end;
			struct strbuf sb = STRBUF_INIT;
			size_t len = 0;

			for (; s && *s; s++) {
				const char *val = NULL;
				char key[PATHLEN];

				end = *s == '{' ? strchr(s + 1, '}') : NULL;
				if (end && (size_t)(end - s - 1) < sizeof key) {
					memcpy(key, s + 1, (size_t)(end - s - 1));
					key[end - s - 1] = '\0';
					val = json_string_value(json_object_get(
						words, key));
				}
				if (val) {
					len += strlen(val);
					if (make)
						sb_adds(&sb, val);
					s = end;
				} else {
					len++;
					if (make)
						sb_addc(&sb, *s);
				}
				if (len > SWEEP_WORD_BYTES)
					break;
			}
			if (make)
				field_append(out, json_string(sb_str(&sb)));
			sb_release(&sb);
			total += len;
			if (!make && (len > SWEEP_WORD_BYTES ||
				      total > SWEEP_ARGV_BYTES)) {
				*need = len > SWEEP_WORD_BYTES ? len : total;
				json_decref(out);
				return len > SWEEP_WORD_BYTES ? -1 : -2;
			}
		}
	}
	field_put(m, "command", out);
	return 0;
}

static int
read_axis_path(struct check *c, const char *where, const char *key,
	       const json_t *doc)
{
	int bad;

	if (command_axis(doc, key, &bad) != -1)
		return 1;
	if (bad) {
		field_problem(c, where, "'%s' names no word of command: give "
			      "command.N with N from 0 to %zu, or a name "
			      "that a word holds as {NAME}", key,
			      json_array_size(json_object_get(doc,
							      "command")) - 1);
		return 0;
	}
	if (!path_ok(key)) {
		field_problem(c, where, "'%s' is not a field path: give "
			      "names of letters, digits and '_' joined by "
			      "'.', as in \"train.lr\"", key);
		return 0;
	}
	return path_settable(c, where, key, doc);
}

static void
read_grid(struct check *c, const json_t *grid, const json_t *doc,
	  struct spec *s)
{
	const char *key;
	json_t *v;

	if (!json_is_object(grid) || json_object_size(grid) == 0) {
		field_bad(c, "sweep.grid", grid, "must be an object of field "
			  "paths to lists of values, as {\"train.lr\": "
			  "[0.001, 0.01]}");
		return;
	}
	json_object_foreach((json_t *)grid, key, v) {
		char where[PATHLEN];
		struct axis *a;

		field_path_printf(where, sizeof where, "sweep.grid.%s", key);
		if (!read_axis_path(c, where, key, doc))
			continue;
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > SWEEP_MAX) {
			field_bad(c, where, v, "must be a list of 1 to %d "
				  "values", SWEEP_MAX);
			continue;
		}
		a = &s->axes[s->naxes++];
		snprintf(a->path, sizeof a->path, "%s", key);
		a->kind = AX_GRID;
		a->values = v;
	}
	s->ngrid = s->naxes;
}

/* A [lo, hi] pair of numbers (integers for int_uniform) into a. */
static int
read_range(struct check *c, const char *where, const json_t *v,
	   struct axis *a)
{
	const json_t *x = json_array_get(v, 0), *y = json_array_get(v, 1);
	int ints = a->kind == AX_INT_UNIFORM;

	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_number(x) || !json_is_number(y) ||
	    (ints && (!json_is_integer(x) || !json_is_integer(y)))) {
		field_bad(c, where, v, "must be [low, high]: two %s",
			  ints ? "integers" : "numbers");
		return 0;
	}
	a->lo = json_number_value(x);
	a->hi = json_number_value(y);
	if (!(a->lo <= a->hi) || !isfinite(a->lo) || !isfinite(a->hi) ||
	    fabs(a->lo) > 1e15 || fabs(a->hi) > 1e15) {
		field_bad(c, where, v, "must be [low, high] with low <= high");
		return 0;
	}
	if (a->kind == AX_LOG_UNIFORM && a->lo <= 0) {
		field_bad(c, where, v, "must be > 0 at both ends: a log "
			  "scale has no zero");
		return 0;
	}
	return 1;
}

static void
read_random(struct check *c, const json_t *random, const json_t *doc,
	    struct spec *s)
{
	const char *key;
	json_t *v;

	if (!json_is_object(random) || json_object_size(random) == 0) {
		field_bad(c, "sweep.random", random, "must be an object of "
			  "field paths to distributions, as {\"train.lr\": "
			  "{\"log_uniform\": [1e-4, 1e-2]}}");
		return;
	}
	json_object_foreach((json_t *)random, key, v) {
		char where[PATHLEN], wk[PATHLEN];
		const char *kname;
		json_t *arg;
		struct axis *a;
		int k = -1;

		field_path_printf(where, sizeof where, "sweep.random.%s", key);
		if (!read_axis_path(c, where, key, doc))
			continue;
		for (size_t i = 0; i < s->ngrid; i++)
			if (strcmp(s->axes[i].path, key) == 0) {
				field_problem(c, where, "already an axis of "
					      "sweep.grid; vary it in one "
					      "of them");
				key = NULL;
				break;
			}
		if (!key)
			continue;
		if (!json_is_object(v) || json_object_size(v) != 1) {
			field_bad(c, where, v, "must be one distribution: "
				  "{\"uniform\": [lo, hi]}, {\"log_uniform\": "
				  "[lo, hi]}, {\"int_uniform\": [lo, hi]} or "
				  "{\"choice\": [values]}");
			continue;
		}
		kname = json_object_iter_key(json_object_iter(v));
		arg = json_object_iter_value(json_object_iter(v));
		field_path_printf(wk, sizeof wk, "%s.%s", where, kname);
		for (int i = 1; kind_names[i]; i++)
			if (strcmp(kname, kind_names[i]) == 0)
				k = i;
		if (k < 0) {
			const char *sug = field_suggest(kname, kind_names + 1);

			if (sug)
				field_problem(c, wk, "unknown distribution, "
					      "did you mean \"%s\"?", sug);
			else
				field_problem(c, wk, "unknown distribution: "
					      "give uniform, log_uniform, "
					      "int_uniform or choice");
			continue;
		}
		a = &s->axes[s->naxes];
		memset(a, 0, sizeof *a);
		snprintf(a->path, sizeof a->path, "%s", key);
		a->kind = (enum axis_kind)k;
		if (a->kind == AX_CHOICE) {
			if (!json_is_array(arg) || json_array_size(arg) == 0 ||
			    json_array_size(arg) > SWEEP_MAX) {
				field_bad(c, wk, arg, "must be a list of 1 "
					  "to %d values", SWEEP_MAX);
				continue;
			}
			a->values = arg;
		} else if (!read_range(c, wk, arg, a)) {
			continue;
		}
		s->naxes++;
	}
}

/* An axis inside another (train and train.lr) would set one twice. */
static void
check_overlap(struct check *c, const struct spec *s)
{
	for (size_t i = 0; i < s->naxes; i++)
		for (size_t k = 0; k < s->naxes; k++) {
			size_t n = strlen(s->axes[i].path);

			if (i != k && strncmp(s->axes[k].path,
					      s->axes[i].path, n) == 0 &&
			    s->axes[k].path[n] == '.')
				field_problem(c, "sweep", "the axes '%s' and "
					      "'%s' overlap (one is inside "
					      "the other); vary one of them",
					      s->axes[i].path,
					      s->axes[k].path);
		}
}

static const char *const sweep_fields[] = { "grid", "random", "n", "seed",
	"metric", "goal", NULL };

/* Does metric rank higher-is-better? */
static int
metric_maximize(const char *m)
{
	static const char *const up[] = { "accuracy", "f1", "r2", "diracc",
		"coverage", NULL };
	const char *key = strncmp(m, "test.", 5) == 0 ? m + 5 : m;

	for (int i = 0; up[i]; i++)
		if (strcmp(key, up[i]) == 0)
			return 1;
	return 0;
}

static void
read_metric(struct obj *o, struct spec *s)
{
	char path[PATHLEN];
	const json_t *v = field_member(o, "metric", path, sizeof path);
	const char *m = v ? json_string_value(v) : "val_loss";
	static const char *const goals[] = { "min", "max", NULL };
	int ok = m != NULL;

	if (m && strcmp(m, "val_loss") != 0 && strcmp(m, "train_loss") != 0) {
		size_t n = strlen(m);

		ok = strncmp(m, "test.", 5) == 0 && n > 5 && n <= 40;
		for (size_t i = 5; ok && i < n; i++)
			ok = m[i] == '_' || (m[i] >= 'a' && m[i] <= 'z') ||
			     (m[i] >= '0' && m[i] <= '9');
	}
	if (!ok) {
		field_bad(o->c, path, v, "must be \"val_loss\", "
			  "\"train_loss\" or \"test.KEY\" (a test metric, "
			  "as \"test.rmse\" or \"test.accuracy\")");
		m = "val_loss";
	}
	s->metric = m;
	field_put(o->out, "metric", json_string(m));
	s->maximize = field_opt_enum(o, "goal", goals, metric_maximize(m));
	if (s->maximize < 0)
		s->maximize = metric_maximize(m);
}

/*
 * Read doc's sweep member into s (axes has room for every axis). The
 * number of members, or 0 when there were problems (reported).
 */
static size_t
read_spec(struct check *c, const json_t *doc, struct spec *s)
{
	const json_t *sw = json_object_get(doc, "sweep");
	const json_t *grid, *random;
	json_t *out = field_jnew(json_object());
	struct obj o;
	double total = 1;
	int before = c->n;

	if (!json_is_object(sw)) {
		field_bad(c, "sweep", sw, "must be an object with grid, "
			  "random or both");
		json_decref(out);
		return 0;
	}
	field_obj_init(&o, c, "sweep", sw, out, sweep_fields);
	grid = json_object_get(sw, "grid");
	random = json_object_get(sw, "random");
	if (!grid && !random)
		field_problem(c, "sweep", "must have grid, random or both");
	if (grid)
		read_grid(c, grid, doc, s);
	if (random) {
		read_random(c, random, doc, s);
		s->n = field_opt_int(&o, "n", 0, 1, SWEEP_MAX);
		if (!json_object_get(sw, "n"))
			field_problem(c, "sweep.n", "missing: say how many "
				      "members random search draws (1 to "
				      "%d)", SWEEP_MAX);
		s->seed = field_opt_int(&o, "seed", 1, 0, 1LL << 53);
	} else {
		if (json_object_get(sw, "n"))
			field_problem(c, "sweep.n", "only for random search "
				      "(sweep.random)");
		if (json_object_get(sw, "seed"))
			field_problem(c, "sweep.seed", "only for random "
				      "search (sweep.random)");
		s->seed = -1;
	}
	read_metric(&o, s);
	json_decref(out);
	if (s->naxes > SWEEP_AXES)
		field_problem(c, "sweep", "has %zu axes, more than the %d a "
			      "sweep may vary", s->naxes, SWEEP_AXES);
	check_overlap(c, s);
	if (c->n != before)
		return 0;
	for (size_t i = 0; i < s->ngrid && total <= SWEEP_MAX; i++)
		total *= (double)json_array_size(s->axes[i].values);
	if (s->n > 0)
		total *= (double)s->n;
	if (total > SWEEP_MAX) {
		double exact = 1;

		for (size_t i = 0; i < s->ngrid; i++)
			exact *= (double)json_array_size(s->axes[i].values);
		exact *= s->n > 0 ? (double)s->n : 1;
		field_problem(c, "sweep", "makes %.0f jobs, more than the %d "
			      "a sweep may have; use fewer values or a "
			      "smaller n", exact, SWEEP_MAX);
		return 0;
	}
	return (size_t)total;
}

/* ---- expanding ----------------------------------------------------- */

/* x to 4 significant digits, kept within [lo, hi]. */
static double
round4(double x, double lo, double hi)
{
	char buf[32];
	double r;

	snprintf(buf, sizeof buf, "%.4g", x);
	r = strtod(buf, NULL);
	return r < lo ? lo : r > hi ? hi : r;
}

static json_t *
draw_value(const struct axis *a, struct rng *rng)
{
	double u = rng_uniform(rng);

	switch (a->kind) {
	case AX_CHOICE: {
		size_t k = (size_t)(u * (double)json_array_size(a->values));

		return json_deep_copy(json_array_get(a->values, k));
	}
	case AX_UNIFORM:
		return json_real(round4(a->lo + u * (a->hi - a->lo), a->lo,
					a->hi));
	case AX_LOG_UNIFORM:
		return json_real(round4(exp(log(a->lo) + u * (log(a->hi) -
						log(a->lo))), a->lo, a->hi));
	case AX_INT_UNIFORM:
		return json_integer((json_int_t)(a->lo + floor(u * (a->hi -
							a->lo + 1))));
	case AX_GRID:
		break;
	}
	return json_null();
}

/* Set doc's field at path (a.b.c) to v (stolen), making objects. */
static void
set_path(json_t *doc, const char *path, json_t *v)
{
	char seg[PATHLEN];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		json_t *next;

		snprintf(seg, sizeof seg, "%.*s", (int)(dot - path), path);
		next = json_object_get(doc, seg);
		if (!json_is_object(next)) {
			next = field_jnew(json_object());
			field_put(doc, seg, next);
		}
		doc = next;
		path = dot + 1;
	}
	field_put(doc, path, field_jnew(v));
}

/* A value as compact JSON (strings with their quotes), a new string. */
static char *
value_text(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
			     JSON_REAL_PRECISION(6));

	if (!s)
		die_oom();
	return s;
}

char *
sweep_member_text(const struct sweep *sw, size_t i)
{
	struct strbuf sb = STRBUF_INIT;
	const char *key;
	json_t *v;

	json_object_foreach(json_array_get(sw->params, i), key, v) {
		char *t = value_text(v);

		sb_addf(&sb, "%s%s=%s", sb.len ? " " : "", key, t);
		free(t);
	}
	return sb_detach(&sb, NULL);
}

/* "NAME [lr=0.001, hidden=[32]]", cut to the longest name allowed. */
static json_t *
member_name(const char *base, const json_t *params)
{
	struct strbuf sb = STRBUF_INIT;
	const char *key;
	json_t *v, *s;
	int first = 1;

	sb_addf(&sb, "%s [", base);
	json_object_foreach((json_t *)params, key, v) {
		const char *last = strrchr(key, '.');
		char *t = value_text(v);

		/* command.3 says more than 3 */
		if (strncmp(key, "command.", 8) == 0)
			last = NULL;
		sb_addf(&sb, "%s%s=%s", first ? "" : ", ",
			last ? last + 1 : key, t);
		free(t);
		first = 0;
	}
	sb_addc(&sb, ']');
	{
		char *str = sb_detach(&sb, NULL);

		str[field_utf8_prefix(str, NAME_MAX_CHARS)] = '\0';
		s = json_string(str);
		free(str);
	}
	return s ? s : json_string(base);
}

/* The params of member i: grid point i / n, draw i % n. */
static json_t *
member_params(const struct spec *s, size_t i, size_t per, struct rng *rng)
{
	json_t *p = field_jnew(json_object());
	size_t g = i / per;
	size_t idx[SWEEP_AXES];

	/* the last grid axis changes fastest */
	for (size_t k = s->ngrid; k-- > 0;) {
		size_t len = json_array_size(s->axes[k].values);

		idx[k] = g % len;
		g /= len;
	}
	for (size_t k = 0; k < s->ngrid; k++)
		field_put(p, s->axes[k].path, field_jnew(json_deep_copy(
			json_array_get(s->axes[k].values, idx[k]))));
	for (size_t k = s->ngrid; k < s->naxes; k++)
		field_put(p, s->axes[k].path,
			  field_jnew(draw_value(&s->axes[k], rng)));
	return p;
}

static json_t *
axes_json(const struct spec *s)
{
	json_t *axes = field_jnew(json_array());

	for (size_t k = 0; k < s->naxes; k++) {
		const struct axis *a = &s->axes[k];
		json_t *o = json_pack("{s:s,s:s}", "path", a->path, "kind",
				      kind_names[a->kind]);

		if (!o)
			die_oom();
		if (a->values)
			field_put(o, "values", json_deep_copy(a->values));
		else if (a->kind == AX_INT_UNIFORM)
			field_put(o, "range", json_pack("[I,I]",
				(json_int_t)a->lo, (json_int_t)a->hi));
		else
			field_put(o, "range", json_pack("[f,f]", a->lo, a->hi));
		field_append(axes, o);
	}
	return axes;
}

/*
 * Validate member i (doc) into *cfg; its problems, each listed once
 * across members, go to problems. 0 or the number of its problems.
 */
static int
check_member(const json_t *doc, const char *file, const char *default_name,
	     size_t i, size_t n, const char *text, json_t *seen,
	     struct strbuf *problems, struct config *cfg)
{
	struct strbuf mine = STRBUF_INIT;
	size_t flen = strlen(file);
	int bad = config_from_json(cfg, doc, file, default_name, &mine);
	const char *p = sb_str(&mine);

	while (bad && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		const char *msg = line;

		if (!line)
			die_oom();
		if (strncmp(line, file, flen) == 0 && line[flen] == ':' &&
		    line[flen + 1] == ' ')
			msg = line + flen + 2;
		if (!json_object_get(seen, msg)) {
			json_object_set_new(seen, msg, json_true());
			sb_addf(problems, "%s: member %zu of %zu (%s): %s\n",
				file, i + 1, n, text, msg);
		}
		free(line);
		p += len + (nl ? 1 : 0);
	}
	sb_release(&mine);
	return bad;
}

/* The bytes of v as compact JSON. */
static size_t
json_bytes(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n;

	if (!s)
		die_oom();
	n = strlen(s);
	free(s);
	return n;
}

/*
 * Would the members fit what a sweep may take: SWEEP_BYTES of configs in
 * all (each member is held, validated and written), SWEEP_VALUES_BYTES of
 * values (group.json lists them)? 1, or 0 reported.
 */
static int
within_budget(struct check *c, const json_t *body, const json_t *params,
	      const struct spec *s)
{
	double each = (double)json_bytes(body), all = 0, values = 0;
	size_t i;
	json_t *p;

	json_array_foreach(params, i, p) {
		double b = (double)json_bytes(p);

		all += each + b;
		values += b;
	}
	for (size_t k = 0; k < s->naxes; k++)
		if (s->axes[k].values)
			values += (double)json_bytes(s->axes[k].values);
	if (all > SWEEP_BYTES) {
		field_problem(c, "sweep", "its %zu members would take %.1f MiB "
			      "as configs, more than the %d MiB a sweep may; "
			      "use fewer members or a smaller config",
			      json_array_size(params), all / 1048576,
			      SWEEP_BYTES / 1048576);
		return 0;
	}
	if (values > SWEEP_VALUES_BYTES) {
		field_problem(c, "sweep", "the values of its axes take %.1f "
			      "MiB, "
			      "more than the %d MiB a sweep may; use fewer "
			      "or shorter values", values / 1048576,
			      SWEEP_VALUES_BYTES / 1048576);
		return 0;
	}
	return 1;
}

/*
 * The config's name, which members add their values to: checked as a
 * config's name is (a member's own name would hide a bad one). 1 with
 * *base a new string, or 0 reported.
 */
static int
read_base_name(struct check *c, const json_t *doc, const char *default_name,
	       char **base)
{
	const json_t *v = json_object_get(doc, "name");
	const char *s = json_string_value(v);
	size_t n = s ? field_utf8_chars(s) : 0;

	if (v && (!s || n < 1 || n > NAME_MAX_CHARS || field_has_control(s))) {
		field_bad(c, "name", v, "must be a string of 1 to %d "
			  "characters without control characters",
			  NAME_MAX_CHARS);
		return 0;
	}
	*base = xstrdup(s ? s : default_name);
	return 1;
}

int
sweep_expand(struct sweep *sw, const json_t *doc, const char *file,
	     const char *default_name, struct strbuf *problems)
{
	struct check c = { file, problems, 0 };
	const json_t *sv = json_object_get(doc, "sweep");
	size_t cap = json_object_size(json_object_get(sv, "grid")) +
		     json_object_size(json_object_get(sv, "random")) + 1;
	struct spec s = { .axes = xcalloc(cap, sizeof(struct axis)) };
	char *base;
	struct sweep t;
	json_t *seen, *body, *phs;
	size_t n, per, bad = 0;
	struct rng rng;

	memset(&t, 0, sizeof t);
	n = read_spec(&c, doc, &s);
	if (n == 0) {
		free(s.axes);
		return c.n ? c.n : 1;
	}
	per = s.n > 0 ? (size_t)s.n : 1;
	rng_seed(&rng, (uint64_t)(s.seed > 0 ? s.seed : 0));
	if (!read_base_name(&c, doc, default_name, &base)) {
		free(s.axes);
		return c.n;
	}
	t.params = field_jnew(json_array());
	body = field_jnew(json_deep_copy(doc));
	json_object_del(body, "sweep");
	for (size_t i = 0; i < n; i++)
		field_append(t.params, member_params(&s, i, per, &rng));
	if (!within_budget(&c, body, t.params, &s)) {
		json_decref(body);
		json_decref(t.params);
		free(s.axes);
		free(base);
		return c.n;
	}
	t.cfgs = xcalloc(n, sizeof *t.cfgs);
	seen = field_jnew(json_object());
	/* the axes a word holds as {NAME}: found once, not per member */
	phs = field_jnew(json_object());
	for (size_t k = 0; k < s.naxes; k++) {
		int bad_axis;

		if (command_axis(body, s.axes[k].path, &bad_axis) == -2)
			field_put(phs, s.axes[k].path, json_true());
	}
	for (size_t i = 0; i < n && bad < SWEEP_BAD_SHOWN; i++) {
		json_t *p = json_array_get(t.params, i);
		json_t *m = field_jnew(json_deep_copy(body));
		char *text;
		const char *key;
		json_t *v;
		int has_name = 0;

		json_t *words = placeholder_words(phs, p);
		size_t need = 0;
		int filled;

		json_object_foreach(p, key, v) {
			/* {NAME} axes all at once, below */
			if (json_object_get(phs, key))
				continue;
			if (!set_command_word(m, key, v))
				set_path(m, key, json_deep_copy(v));
			has_name |= strcmp(key, "name") == 0;
		}
		filled = fill_placeholders(m, words, &need);
		json_decref(words);
		if (filled < 0) {
			field_problem(&c, "sweep", "member %zu of %zu: %s "
				      "would be %zu bytes, more than %d KiB: "
				      "use shorter values", i + 1, n,
				      filled == -1 ? "a word of its command" :
				      "its command", need, (filled == -1 ?
				      SWEEP_WORD_BYTES : SWEEP_ARGV_BYTES) /
				      1024);
			t.n = i + 1;
			bad++;
			json_decref(m);
			continue;
		}
		if (!has_name)
			field_put(m, "name", field_jnew(member_name(base, p)));
		t.n = i + 1;
		text = sweep_member_text(&t, i);
		text[field_utf8_prefix(text, MEMBER_TEXT_SHOWN)] = '\0';
		if (check_member(m, file, default_name, i, n, text, seen,
				 problems, &t.cfgs[i]) != 0)
			bad++;
		free(text);
		json_decref(m);
	}
	json_decref(seen);
	json_decref(phs);
	json_decref(body);
	if (bad == SWEEP_BAD_SHOWN && t.n < n)
		field_problem(&c, "sweep", "%zu of the first %zu members are "
			      "invalid, of %zu; the rest were not checked "
			      "(each problem is listed once, with the first "
			      "member that has it)", bad, t.n, n);
	else if (bad > 1)
		field_problem(&c, "sweep", "%zu of %zu members are invalid "
			      "(each problem is listed once, with the first "
			      "member that has it)", bad, n);
	else if (bad)
		c.n++;
	t.n = n;
	if (bad) {
		for (size_t i = 0; i < n; i++)
			if (t.cfgs[i].json)
				config_release(&t.cfgs[i]);
		free(t.cfgs);
		json_decref(t.params);
		free(s.axes);
		free(base);
		return c.n;
	}
	t.axes = axes_json(&s);
	t.name = xstrdup(base);
	free(base);
	t.metric = xstrdup(s.metric);
	t.maximize = s.maximize;
	t.seed = s.seed;
	t.nrandom = s.n;
	free(s.axes);
	*sw = t;
	return 0;
}

/* A table's line ends without blanks. */
static void
trim_blanks(struct strbuf *sb)
{
	while (sb->len && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
}

void
sweep_table(const struct sweep *sw, struct strbuf *out)
{
	size_t naxes = json_array_size(sw->axes);
	size_t *w = xcalloc(naxes + 1, sizeof *w);
	char num[32];

	w[0] = (size_t)snprintf(num, sizeof num, "%zu", sw->n);
	for (size_t k = 0; k < naxes; k++)
		w[k + 1] = strlen(json_str(json_array_get(sw->axes, k),
					   "path", ""));
	for (size_t i = 0; i < sw->n; i++)
		for (size_t k = 0; k < naxes; k++) {
			const char *path = json_str(json_array_get(sw->axes,
							k), "path", "");
			char *t = value_text(json_object_get(
				json_array_get(sw->params, i), path));
			size_t len = field_utf8_chars(t);

			if (len > VALUE_SHOWN)
				len = VALUE_SHOWN;
			if (len > w[k + 1])
				w[k + 1] = len;
			free(t);
		}
	sb_addf(out, "%*s", (int)w[0], "#");
	for (size_t k = 0; k < naxes; k++)
		sb_addf(out, "  %-*s", (int)w[k + 1],
			json_str(json_array_get(sw->axes, k), "path", ""));
	trim_blanks(out);
	sb_addc(out, '\n');
	for (size_t i = 0; i < sw->n; i++) {
		sb_addf(out, "%*zu", (int)w[0], i + 1);
		for (size_t k = 0; k < naxes; k++) {
			const char *path = json_str(json_array_get(sw->axes,
							k), "path", "");
			char *t = value_text(json_object_get(
				json_array_get(sw->params, i), path));
			size_t cut = field_utf8_prefix(t, VALUE_SHOWN);
			size_t chars;

			if (t[cut])
				memcpy(t + field_utf8_prefix(t,
					VALUE_SHOWN - 3), "...", 4);
			chars = field_utf8_chars(t);
			sb_addf(out, "  %s%*s", t,
				(int)(w[k + 1] > chars ? w[k + 1] - chars : 0),
				"");
			free(t);
		}
		trim_blanks(out);
		sb_addc(out, '\n');
	}
	free(w);
}

json_t *
sweep_group_json(const struct sweep *sw, const char *id, const char *file,
		 const char *created, const char *const *ids)
{
	json_t *g = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "id", id,
			      "name", sw->name, "file", file, "created",
			      created, "metric", sw->metric, "goal",
			      sw->maximize ? "max" : "min", "axes", sw->axes);
	json_t *members = field_jnew(json_array());

	if (!g)
		die_oom();
	if (sw->seed >= 0) {
		field_put(g, "seed", json_integer(sw->seed));
		field_put(g, "n", json_integer(sw->nrandom));
	}
	for (size_t i = 0; i < sw->n; i++)
		field_append(members, json_pack("{s:s,s:O}", "id", ids[i],
			"params", json_array_get(sw->params, i)));
	field_put(g, "members", members);
	return g;
}

void
sweep_release(struct sweep *sw)
{
	for (size_t i = 0; i < sw->n; i++)
		config_release(&sw->cfgs[i]);
	free(sw->cfgs);
	json_decref(sw->params);
	json_decref(sw->axes);
	free(sw->name);
	free(sw->metric);
	memset(sw, 0, sizeof *sw);
}
