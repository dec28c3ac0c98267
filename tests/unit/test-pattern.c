/*
 * test-pattern.c - PCRE2 patterns: matching, UTF-8, compile errors.
 */
#include "lib/pattern.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static int
matches(const char *re, const char *s)
{
	char err[128];
	struct pattern *p = pattern_new(re, err, sizeof(err));
	int m;

	if (!p)
		return -1;
	m = pattern_match(p, s);
	pattern_free(p);
	return m;
}

int
main(void)
{
	char err[128];
	struct pattern *p;
	char small[8];

	ok(matches("^SUN", "SUNACTIVITY") == 1, "anchored prefix matches");
	ok(matches("^SUN", "XSUN") == 0, "anchored prefix does not match "
	   "elsewhere");
	ok(matches("temp", "air_temp_c") == 1, "unanchored search");
	ok(matches("^(x|y)[0-9]+$", "x12") == 1, "alternation and class");
	ok(matches("^(x|y)[0-9]+$", "x12a") == 0, "end anchor");
	ok(matches("(?i)^date$", "DATE") == 1, "inline case-insensitive");
	ok(matches("^.$", "\xc3\xa9") == 1, "UTF mode: '.' is one "
	   "character (e acute)");
	ok(matches("^\\w+$", "caf\xc3\xa9") == 1, "UTF-8 subject");
	ok(matches("^a", "a\xff\xfe") == 1, "invalid UTF-8 subject still "
	   "matches its valid part");
	ok(matches("b", "\xff" "b") == 1, "match after an invalid byte");
	ok(matches("x", "\xff\xfe") == 0, "invalid UTF-8 subject, no match, "
	   "no error");
	ok(matches("", "") == 1, "empty pattern matches empty string");

	p = pattern_new("(abc", err, sizeof(err));
	ok(p == NULL, "unclosed group is refused");
	is_str(err, "at offset 4: missing closing parenthesis",
	       "message has the offset and PCRE2's text");
	p = pattern_new("a[", err, sizeof(err));
	ok(p == NULL && strncmp(err, "at offset 2: ", 13) == 0,
	   "unterminated class: '%s'", err);
	p = pattern_new("*a", err, sizeof(err));
	ok(p == NULL && strncmp(err, "at offset 0: ", 13) == 0,
	   "nothing to repeat: '%s'", err);
	p = pattern_new("\xff", err, sizeof(err));
	ok(p == NULL && strstr(err, "UTF-8") != NULL,
	   "invalid UTF-8 in the pattern: '%s'", err);
	p = pattern_new("(", small, sizeof(small));
	ok(p == NULL && strlen(small) == sizeof(small) - 1,
	   "a small error buffer is filled and terminated");
	p = pattern_new("(", NULL, 0);
	ok(p == NULL, "no error buffer is fine");
	err[0] = 'x';
	p = pattern_new("ok", err, sizeof(err));
	ok(p != NULL && err[0] == '\0', "a good pattern clears err");
	pattern_free(p);
	pattern_free(NULL);

	/* Catastrophic backtracking ends (as no match) under the limit. */
	{
		char s[64];

		memset(s, 'a', sizeof(s) - 2);
		s[sizeof(s) - 2] = 'b';
		s[sizeof(s) - 1] = '\0';
		ok(matches("^(a+)+$", s) == 0, "exponential pattern gives "
		   "up, no hang");
	}

	/* A long subject that overflows the JIT's stack still matches. */
	{
		static char s[6500];

		for (size_t i = 0; i + 1 < sizeof(s) - 5; i++)
			s[i] = i % 2 ? 'x' : 'y';
		strcpy(s + sizeof(s) - 6, "error");
		ok(matches("(?:x|y)+error", s) == 1,
		   "a 6.5 KB line matches a repeated group");
	}
	return tap_done();
}
