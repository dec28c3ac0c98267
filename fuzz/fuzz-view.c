/*
 * fuzz-view.c - what the renderer reads from a job folder (view_job in
 * render/view.c). The input is state.json, then after a line "@@"
 * metrics.csv, then log.txt, config.json, events.jsonl and
 * predictions.csv (the results of a completed job); a part left out is a
 * file that is missing.
 * The view of the folder, and its summary, are built.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "job/state.h"
#include "lib/json.h"
#include "render/view.h"

static const char *const files[] = { JOB_STATE, JOB_METRICS, JOB_LOG,
				     JOB_CONFIG, JOB_EVENTS, JOB_PREDICTIONS };
#define NFILES (sizeof(files) / sizeof(files[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[NFILES];
	size_t len[NFILES];
	char *job = path_join(fz_dir(), "j");
	json_t *v;

	fz_split(data, size, part, len, NFILES);
	/* the folder is kept from one input to the next: mkdir and a
	 * recursive delete would cost more than the view */
	if (mkdir(job, 0700) < 0 && errno != EEXIST) {
		perror(job);
		abort();
	}
	for (size_t i = 0; i < NFILES; i++) {
		char *path = path_join(job, files[i]);

		if (part[i])
			fz_write(path, part[i], len[i]);
		else
			unlink(path);
		free(path);
	}
	v = view_job(job, "j", NULL);
	if (v) {
		json_t *s = view_summary(v);

		json_decref(s);
		json_decref(v);
	}
	free(job);
	return 0;
}
