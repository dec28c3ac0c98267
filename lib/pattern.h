/*
 * pattern.h - regular expressions a user writes (PCRE2, UTF-8).
 *
 * The only module that includes <pcre2.h>. Patterns come from configs and
 * settings, so a compile error is reported with the offset and PCRE2's
 * message, for the caller to place (file, field).
 */
#ifndef SPOOLBOARD_PATTERN_H
#define SPOOLBOARD_PATTERN_H

#include <stddef.h>

struct pattern;

/*
 * Compile re. NULL on a bad pattern, with "at offset N: message" in err
 * (nothing printed). The caller frees the pattern with pattern_free.
 */
struct pattern *pattern_new(const char *re, char *err, size_t n);

/*
 * Does s contain a match? 1 yes, 0 no. A match that fails (the match
 * limit reached by a pattern that backtracks too much) counts as no.
 */
int pattern_match(const struct pattern *p, const char *s);

/*
 * The named groups of p ((?<name>...)), each name once, in the order of
 * their first group's number (the order they are written in): their
 * number, and the i-th name (borrowed from p; NULL past the end).
 */
size_t pattern_group_count(const struct pattern *p);
const char *pattern_group_name(const struct pattern *p, size_t i);

/*
 * Match s (len bytes; it need not end in NUL) and, on a match, give the
 * text of each named group: vals[i] (i as in pattern_group_name) becomes
 * a new NUL-terminated string (the caller frees it), or NULL when that
 * group took no part (of groups that share a name, the first that took
 * part). vals has pattern_group_count(p) entries, all set
 * to NULL first. 1 on a match, 0 otherwise (as pattern_match).
 */
int pattern_match_named(const struct pattern *p, const char *s, size_t len,
			char **vals);

/*
 * As pattern_match_named, searching s from byte *at on; on a match, *at
 * becomes where the next search should start (the match's end, or one
 * past it for an empty match), so that a loop finds every match of a
 * line in turn. 0 when there is no match from *at (or *at > len).
 */
int pattern_match_at(const struct pattern *p, const char *s, size_t len,
		     size_t *at, char **vals);

/* The pattern p was made from, as given to pattern_new. */
const char *pattern_source(const struct pattern *p);

void pattern_free(struct pattern *p);

#endif
