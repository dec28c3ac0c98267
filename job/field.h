/*
 * field.h - reading one field of a config: the checkers config.c and
 * schema.c are built from (see config.c for how the walk goes).
 *
 * A checker validates one member of an input object, stores nothing
 * itself but returns the effective value, and appends that value to the
 * completed copy (struct obj's out), so config.json lists the fields in
 * the order they are read. A problem becomes one line in the problems
 * (field_problem, field_bad); the checker then goes on with the default.
 *
 * Ownership: the json_t values passed to field_put and field_append are
 * stolen (jansson's _new rule, lib/json.h); out-of-memory ends the process
 * (die_oom), so nothing here returns NULL for it. Everything read from
 * struct obj's in is borrowed.
 */
#ifndef SPOOLBOARD_FIELD_H
#define SPOOLBOARD_FIELD_H

#include <stddef.h>

#include "lib/json.h"
#include "lib/strbuf.h"

#define PATHLEN 96		/* longest field path we build, plus room */

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

/* v itself; out of memory (v NULL) ends the process. */
json_t *field_jnew(json_t *v);

/* Set obj[key] to v, or append v to arr; v is stolen (never NULL). */
void field_put(json_t *obj, const char *key, json_t *v);
void field_append(json_t *arr, json_t *v);

/* Number of UTF-8 characters in s (jansson strings are valid UTF-8). */
size_t field_utf8_chars(const char *s);

/* Byte offset of the end of the first max characters of s. */
size_t field_utf8_prefix(const char *s, size_t max);

/* 1 when s holds a control character (below 0x20, or 0x7F), else 0. */
int field_has_control(const char *s);

/* "an object", "a number", ... for messages; a static string. */
const char *field_type_name(const json_t *v);

/* Append "FILE: PATH: message" (PATH left out when NULL or ""). */
void field_problem(struct check *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append "FILE: PATH: message, got VALUE" (VALUE cut when long). */
void field_bad(struct check *c, const char *path, const json_t *got,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* printf into a path buffer of n bytes; a path too long for it is cut. */
void field_path_printf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Make o the object in (or absent when NULL) at path, completed in out
 * (borrowed); members of in not listed in the NULL-terminated known are
 * reported, with a did-you-mean when one is close (field_suggest).
 */
void field_obj_init(struct obj *o, struct check *c, const char *path,
		    const json_t *in, json_t *out, const char *const *known);

/*
 * Enter the member key of p as the object o, completed as a new member of
 * p->out. 1 when it is an object, 0 when absent, -1 when it is something
 * else (reported; o is then read as absent).
 */
int field_obj_enter(struct obj *p, const char *key, const char *const *known,
		    struct obj *o);

/* The member key of o (borrowed, NULL when absent); its path into buf. */
const json_t *field_member(const struct obj *o, const char *key, char *buf,
			   size_t n);

/*
 * Is the field key meant for the chosen type? ok says so; when it is not
 * and the field is there, "only for WHICH" is reported. 1 when it applies.
 */
int field_applies(struct obj *o, const char *key, int ok, const char *which);

/*
 * Check v at path: an integer in lo..hi (10.0 and 1e3 count), a number
 * in r (rounded to the 9 significant digits config.json keeps), or one of
 * the NULL-terminated names (its index). 0 with *x set, or -1 (reported,
 * *x unspecified).
 */
int field_check_int(struct check *c, const char *path, const json_t *v,
		    long long lo, long long hi, long long *x);
int field_check_num(struct check *c, const char *path, const json_t *v,
		    const struct range *r, double *x);
int field_check_enum(struct check *c, const char *path, const json_t *v,
		     const char *const *names, int *x);

/*
 * The optional member key of o, checked as above; def when it is absent
 * or invalid (reported). The effective value goes into o->out.
 */
long long field_opt_int(struct obj *o, const char *key, long long def,
			long long lo, long long hi);
double field_opt_num(struct obj *o, const char *key, double def,
		     const struct range *r);
int field_opt_bool(struct obj *o, const char *key, int def);

/* An enum field; -1 when it is invalid (reported; def goes out). */
int field_opt_enum(struct obj *o, const char *key, const char *const *names,
		   int def);

/*
 * A list of min..max integers in lo..hi at path, into a[] (*n of them)
 * and appended to out (borrowed); 0 or -1 (reported).
 */
int field_check_int_list(struct check *c, const char *path, const json_t *v,
			 size_t min, size_t max, long long lo, long long hi,
			 int *a, int *n, json_t *out);

/*
 * The edit distance between a and b (optimal string alignment: insert,
 * delete, substitute, swap two neighbours; ASCII letters compared without
 * case).
 */
size_t field_edit_distance(const char *a, const char *b);

/*
 * The name in the NULL-terminated list known nearest to key, when it is
 * close enough to be what was meant (distance below half its length);
 * NULL otherwise. Borrowed from known.
 */
const char *field_suggest(const char *key, const char *const *known);

#endif
