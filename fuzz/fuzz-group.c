/*
 * fuzz-group.c - what the renderer makes of a group (render/group.c):
 * group.json as group_read reads it from SPOOL/groups/g/, then the view
 * of its page (its ranking, axes, curves, parallel coordinates and
 * scatter) with the records of its first members. The input is
 * group.json, then after a line "@@" the record (runs.h) of the first
 * member, then the second's, then the third's; a part left out is a
 * member without a job.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "lib/json.h"
#include "render/group.h"

#define NPARTS 4

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[NPARTS];
	size_t len[NPARTS];
	char *groups = path_join(fz_dir(), "groups");
	char *g = path_join(groups, "g"), *path = path_join(g, GROUP_JSON);
	json_t *grp, *ents[NPARTS - 1] = { NULL }, *v;
	const json_t **list;
	size_t nm;
	char err[256];

	fz_split(data, size, part, len, NPARTS);
	if ((mkdir(groups, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(g, 0700) < 0 && errno != EEXIST)) {
		perror(g);
		abort();
	}
	if (part[0])
		fz_write(path, part[0], len[0]);
	else
		unlink(path);
	grp = group_read(groups, "g", err, sizeof(err));
	nm = json_array_size(json_object_get(grp, "members"));
	list = calloc(nm + 1, sizeof(*list));
	for (size_t i = 1; i < NPARTS; i++) {
		json_t *rec = part[i] ? json_load_buf("rec", (const char *)
			part[i], len[i], NULL, 0) : NULL;

		if (rec)
			ents[i - 1] = json_pack("{s:{s:s, s:s}, s:o}", "sum",
				"name", "m", "status", "completed", "rec",
				rec);
		if (i - 1 < nm)
			list[i - 1] = ents[i - 1];
	}
	if (grp) {
		v = group_view(grp, list);
		json_decref(group_summary(v));
		json_decref(v);
	}
	for (size_t i = 0; i < NPARTS - 1; i++)
		json_decref(ents[i]);
	free(list);
	json_decref(grp);
	free(path);
	free(g);
	free(groups);
	return 0;
}
