/*
 * fuzz-names.c - names from the spool's folders: control files
 * (control_parse, name and contents), incoming configs (spool_name_counts,
 * spool_id_reduce) and job IDs (job_id_valid). The input is a name, then
 * after a line "@@" a control file's contents. A reduced name must be a
 * valid ID, and a parsed control file's ID too.
 */
#include "fuzz.h"
#include "job/state.h"
#include "runner/control.h"
#include "runner/spool.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[2];
	size_t len[2];
	char *name, *content = NULL;
	char id[JOB_ID_MAX + 1], out[JOB_ID_MAX + 1];
	enum control_action a;
	size_t max;

	fz_split(data, size, part, len, 2);
	name = strndup((const char *)part[0], len[0]);
	if (part[1])
		content = strndup((const char *)part[1], len[1]);
	if (!name || (part[1] && !content))
		die_oom();
	(void)spool_name_counts(name);
	(void)job_id_valid(name);
	max = 1 + (len[0] % JOB_ID_MAX);
	spool_id_reduce(name, out, max);
	if (!job_id_valid(out) || strlen(out) > max) {
		fprintf(stderr, "spool_id_reduce gave an invalid ID '%s'\n",
			out);
		abort();
	}
	a = control_parse(name, content, id);
	if (a != CONTROL_NONE && a != CONTROL_BAD && !job_id_valid(id)) {
		fprintf(stderr, "control_parse gave an invalid ID '%s'\n", id);
		abort();
	}
	free(name);
	free(content);
	return 0;
}
