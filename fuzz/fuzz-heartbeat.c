/*
 * fuzz-heartbeat.c - the runner's status file as its readers take it
 * (job/heartbeat.c): SPOOL/runner.json read by heartbeat_read, which the
 * site publishes and submit trusts for a data root. Whatever the bytes,
 * what comes back holds only members of the kinds heartbeat.h promises.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "job/heartbeat.h"
#include "job/state.h"
#include "lib/timeutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = path_join(fz_dir(), HEARTBEAT_FILE);
	const char *state;
	json_t *hb, *run;

	fz_write(path, data, size);
	hb = heartbeat_read(fz_dir(), time_now());
	if (hb) {
		state = json_str(hb, "state", "");
		if (strcmp(state, "up") && strcmp(state, "stopped") &&
		    strcmp(state, "gone"))
			abort();
		if (!json_is_string(json_object_get(hb, "last_seen")))
			abort();
		run = json_object_get(hb, "running");
		if (json_array_size(run) > HEARTBEAT_RUNNING_MAX)
			abort();
		for (size_t i = 0; i < json_array_size(run); i++)
			if (!job_id_valid(json_string_value(
				    json_array_get(run, i))))
				abort();
		json_decref(hb);
	}
	free(path);
	return 0;
}
