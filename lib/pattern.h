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

/* The pattern p was made from, as given to pattern_new. */
const char *pattern_source(const struct pattern *p);

void pattern_free(struct pattern *p);

#endif
