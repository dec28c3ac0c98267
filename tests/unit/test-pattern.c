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

	/* Named groups: the names in the order written, each once. */
	{
		const char *re = "epoch (?<epoch>\\d+)/(?<epochs>\\d+)"
				 "(?: loss (?<train_loss>\\S+))?"
				 "(?: acc (?<acc>\\S+))?";
		const char line[] = "epoch 3/10 loss 0.25 tail";
		char *vals[4] = { (char *)1, (char *)1, (char *)1, (char *)1 };

		p = pattern_new(re, err, sizeof(err));
		ok(p && pattern_group_count(p) == 4, "four named groups");
		is_str(pattern_group_name(p, 0), "epoch", "first by number");
		is_str(pattern_group_name(p, 1), "epochs", "then epochs");
		is_str(pattern_group_name(p, 2), "train_loss",
		       "then train_loss (PCRE2's table is sorted by name: "
		       "acc first)");
		is_str(pattern_group_name(p, 3), "acc", "then acc");
		ok(pattern_group_name(p, 4) == NULL, "none past the end");
		ok(pattern_match_named(p, line, sizeof(line) - 1, vals) == 1,
		   "a line matches");
		is_str(vals[0], "3", "epoch's text");
		is_str(vals[1], "10", "epochs's text");
		is_str(vals[2], "0.25", "train_loss's text");
		ok(vals[3] == NULL, "a group that took no part is NULL");
		for (int i = 0; i < 4; i++)
			free(vals[i]);
		ok(pattern_match_named(p, "epoch 3/x", 9, vals) == 0 &&
		   vals[0] == NULL, "no match: 0, every value NULL");
		ok(pattern_match_named(p, "epoch 7/8 and more", 9, vals) == 1 &&
		   vals[1] && strcmp(vals[1], "8") == 0,
		   "only len bytes are the subject");
		for (int i = 0; i < 4; i++)
			free(vals[i]);
		pattern_free(p);

		p = pattern_new("(?J)(?:a(?<v>\\d)|b(?<v>\\d))", err,
				sizeof(err));
		ok(p && pattern_group_count(p) == 1, "a duplicate name once");
		ok(pattern_match_named(p, "b7", 2, vals) == 1 && vals[0] &&
		   strcmp(vals[0], "7") == 0, "its value from the group that "
		   "took part");
		free(vals[0]);
		pattern_free(p);
		p = pattern_new("(?<key>\\w+)=(?<value>\\d*)", err,
				sizeof(err));
		{
			static const char kv[] = "a=1 bb=22 c= d";
			size_t at = 0;

			ok(pattern_match_at(p, kv, sizeof(kv) - 1, &at, vals) &&
			   strcmp(vals[0], "a") == 0 && strcmp(vals[1], "1") == 0
			   && at == 3, "match_at: the first pair, at its end");
			free(vals[0]);
			free(vals[1]);
			ok(pattern_match_at(p, kv, sizeof(kv) - 1, &at, vals) &&
			   strcmp(vals[0], "bb") == 0 && at == 9,
			   "match_at: the next from there");
			free(vals[0]);
			free(vals[1]);
			ok(pattern_match_at(p, kv, sizeof(kv) - 1, &at, vals) &&
			   strcmp(vals[1], "") == 0 && at == 12,
			   "match_at: an empty value");
			free(vals[0]);
			free(vals[1]);
			ok(pattern_match_at(p, kv, sizeof(kv) - 1, &at, vals) == 0
			   && !vals[0] && !vals[1], "match_at: no more");
			at = sizeof(kv);
			ok(pattern_match_at(p, kv, sizeof(kv) - 1, &at, vals) == 0,
			   "match_at: from past the end, none");
		}
		pattern_free(p);
		p = pattern_new("x*", err, sizeof(err));
		{
			size_t at = 0, n = 0;

			while (n < 10 && pattern_match_at(p, "ab", 2, &at, NULL))
				n++;
			ok(n == 3 && at == 3, "match_at: empty matches move on "
			   "one byte (%zu matches)", n);
		}
		pattern_free(p);
		p = pattern_new("no groups", err, sizeof(err));
		ok(p && pattern_group_count(p) == 0, "no named group: 0");
		ok(pattern_match_named(p, "no groups", 9, NULL) == 1,
		   "matched with no values to give");
		pattern_free(p);
	}
	return tap_done();
}
