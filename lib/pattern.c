/*
 * pattern.c - user patterns with PCRE2 (8-bit code units, UTF mode); see
 * pattern.h.
 *
 * Patterns are compiled with PCRE2_UTF, PCRE2_UCP (\w, \d, \b and the
 * POSIX classes follow Unicode, so \w matches "é") and
 * PCRE2_MATCH_INVALID_UTF: the pattern itself must be valid UTF-8, while a
 * subject that is not (a CSV header in Latin-1, say) is matched as far as
 * it is valid instead of failing. Each match runs under a match and depth
 * limit, so a pattern that backtracks catastrophically ends as "no match"
 * rather than hanging a job. Patterns are JIT-compiled where PCRE2 can
 * (the renderer matches every log line of every job against two); where
 * it cannot, the interpreter runs them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "lib/pattern.h"
#include "lib/error.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#define PATTERN_MATCH_LIMIT 1000000
#define PATTERN_DEPTH_LIMIT 10000

struct pattern {
	pcre2_code *code;
	pcre2_match_context *mctx;
	char *src;		/* the pattern as given */
};

struct pattern *
pattern_new(const char *re, char *err, size_t n)
{
	struct pattern *p;
	PCRE2_SIZE off = 0;
	int code = 0;

	if (err && n)
		err[0] = '\0';
	p = xcalloc(1, sizeof(*p));
	p->code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
				&code, &off, NULL);
	if (!p->code) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		if (err && n)
			snprintf(err, n, "at offset %zu: %s", (size_t)off,
				 (const char *)msg);
		free(p);
		return NULL;
	}
	/* a failure leaves the interpreter to match: nothing to report */
	(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	p->mctx = pcre2_match_context_create(NULL);
	if (!p->mctx)
		die_oom();
	pcre2_set_match_limit(p->mctx, PATTERN_MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, PATTERN_DEPTH_LIMIT);
	p->src = xstrdup(re);
	return p;
}

const char *
pattern_source(const struct pattern *p)
{
	return p->src;
}

int
pattern_match(const struct pattern *p, const char *s)
{
	pcre2_match_data *md;
	int rc;

	md = pcre2_match_data_create_from_pattern(p->code, NULL);
	if (!md)
		die_oom();
	rc = pcre2_match(p->code, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0,
			 md, p->mctx);
	/* the JIT's 32 KiB stack runs out on long subjects of some patterns:
	   the interpreter has no such limit (only the match limits) */
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(p->code, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
				 0, PCRE2_NO_JIT, md, p->mctx);
	pcre2_match_data_free(md);
	/* rc 0 means a match whose groups did not fit: still a match. */
	return rc >= 0;
}

void
pattern_free(struct pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	pcre2_match_context_free(p->mctx);
	free(p->src);
	free(p);
}
