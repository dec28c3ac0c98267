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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * What one match may cost: a pattern from a config is matched against
 * every line a command prints (runner/train/exec.c), so a pattern that
 * backtracks without end must fail fast, not hold the supervisor.
 */
#define PATTERN_MATCH_LIMIT 100000
#define PATTERN_DEPTH_LIMIT 10000
#define PATTERN_HEAP_KIB 16384

struct pattern {
	pcre2_code *code;
	pcre2_match_context *mctx;
	char *src;		/* the pattern as given */
	char **names;		/* named groups, each once, by number */
	int *groups;		/* the first group number of each name */
	size_t nnames;
};

/*
 * The name table of p into p->names: PCRE2 sorts it by name, and a
 * name may stand for several groups (with (?J) or (?|...)); ours is by
 * the first group of each name.
 */
static void
pattern_read_names(struct pattern *p)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;

	pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
	if (count == 0 || !table)
		return;
	p->names = xcalloc(count, sizeof(*p->names));
	p->groups = xcalloc(count, sizeof(*p->groups));
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR e = table + (size_t)i * size;
		int g = (e[0] << 8) | e[1];
		const char *name = (const char *)(e + 2);
		size_t k, at;

		for (k = 0; k < p->nnames; k++)
			if (strcmp(p->names[k], name) == 0)
				break;
		if (k < p->nnames) {
			if (g < p->groups[k])
				p->groups[k] = g;
			continue;
		}
		/* insert by group number */
		for (at = p->nnames; at > 0 && p->groups[at - 1] > g; at--) {
			p->names[at] = p->names[at - 1];
			p->groups[at] = p->groups[at - 1];
		}
		p->names[at] = xstrdup(name);
		p->groups[at] = g;
		p->nnames++;
	}
	/* a name moved to an earlier group may be out of order now */
	for (size_t i = 1; i < p->nnames; i++)
		for (size_t j = i; j > 0 && p->groups[j - 1] > p->groups[j];
		     j--) {
			char *n = p->names[j];
			int gg = p->groups[j];

			p->names[j] = p->names[j - 1];
			p->groups[j] = p->groups[j - 1];
			p->names[j - 1] = n;
			p->groups[j - 1] = gg;
		}
}

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
	pcre2_set_heap_limit(p->mctx, PATTERN_HEAP_KIB);
	p->src = xstrdup(re);
	pattern_read_names(p);
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

size_t
pattern_group_count(const struct pattern *p)
{
	return p->nnames;
}

const char *
pattern_group_name(const struct pattern *p, size_t i)
{
	return i < p->nnames ? p->names[i] : NULL;
}

int
pattern_match_named(const struct pattern *p, const char *s, size_t len,
		    char **vals)
{
	size_t at = 0;

	return pattern_match_at(p, s, len, &at, vals);
}

int
pattern_match_at(const struct pattern *p, const char *s, size_t len,
		 size_t *at, char **vals)
{
	pcre2_match_data *md;
	PCRE2_SIZE *ov;
	int rc;

	for (size_t i = 0; i < p->nnames; i++)
		vals[i] = NULL;
	if (*at > len)
		return 0;
	md = pcre2_match_data_create_from_pattern(p->code, NULL);
	if (!md)
		die_oom();
	rc = pcre2_match(p->code, (PCRE2_SPTR)s, len, *at, 0, md, p->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(p->code, (PCRE2_SPTR)s, len, *at, PCRE2_NO_JIT,
				 md, p->mctx);
	if (rc < 0) {
		pcre2_match_data_free(md);
		return 0;
	}
	/* the next search starts at the match's end, one on if it is empty
	   (a \K in a lookahead can put its start past its end) */
	ov = pcre2_get_ovector_pointer(md);
	*at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	/* by name: of groups sharing one ((?J), (?|...)), the first set */
	for (size_t i = 0; i < p->nnames; i++) {
		PCRE2_SPTR name = (PCRE2_SPTR)p->names[i];
		PCRE2_SIZE n, size;

		if (pcre2_substring_length_byname(md, name, &n) != 0)
			continue;
		size = n + 1;
		vals[i] = xmalloc(size);
		if (pcre2_substring_copy_byname(md, name,
						(PCRE2_UCHAR *)vals[i],
						&size) != 0) {
			free(vals[i]);
			vals[i] = NULL;
		}
	}
	pcre2_match_data_free(md);
	return 1;
}

void
pattern_free(struct pattern *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->groups);
	pcre2_code_free(p->code);
	pcre2_match_context_free(p->mctx);
	free(p->src);
	free(p);
}
