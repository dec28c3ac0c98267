/*
 * test-control.c - control file names and contents.
 */
#include "runner/control.h"
#include "tap.h"

static void
parse_is(const char *name, const char *body, enum control_action want,
	 const char *want_id)
{
	char id[JOB_ID_MAX + 1];
	enum control_action a = control_parse(name, body, id);

	ok(a == want, "'%s' parses to %d (got %d)", name, want, a);
	is_str(id, want_id, "'%s' names '%s'", name, want_id);
}

int
main(void)
{
	char name[128];

	parse_is("job.cancel", NULL, CONTROL_CANCEL, "job");
	parse_is("job-2.retry", NULL, CONTROL_RETRY, "job-2");
	parse_is("job-2.retry", "", CONTROL_RETRY, "job-2");
	parse_is("job-2.retry", "fresh\n", CONTROL_RETRY_FRESH, "job-2");
	parse_is("job-2.retry", "  fresh", CONTROL_RETRY_FRESH, "job-2");
	parse_is("job-2.retry", "resume\n", CONTROL_RETRY, "job-2");
	parse_is("a.b.retry-fresh", NULL, CONTROL_RETRY_FRESH, "a.b");
	parse_is("x.rm", NULL, CONTROL_RM, "x");
	parse_is(".cancel", NULL, CONTROL_NONE, "");
	parse_is(".job.cancel", NULL, CONTROL_NONE, "");
	parse_is("~job.cancel", NULL, CONTROL_NONE, "");
	parse_is("job.cancel.tmp.123", NULL, CONTROL_NONE, "");
	parse_is("job.stop", NULL, CONTROL_NONE, "");
	parse_is("..cancel", NULL, CONTROL_NONE, "");
	parse_is("h\xc3\xa9.cancel", NULL, CONTROL_BAD, "");
	parse_is("a b.cancel", NULL, CONTROL_BAD, "");
	memset(name, 'a', 65);
	strcpy(name + 65, ".cancel");
	parse_is(name, NULL, CONTROL_BAD, "");
	name[1] = '\0';
	is_str(control_action_name(CONTROL_CANCEL), "cancel", "cancel name");
	is_str(control_action_name(CONTROL_RETRY_FRESH), "retry",
	       "fresh retry is a retry file");
	is_str(control_action_name(CONTROL_RM), "rm", "rm name");
	return tap_done();
}
