/*
 * fuzz-config.c - a config file's path to a job: the bytes parsed as JSON
 * (json_load_buf) and validated and completed (config_from_json). A valid
 * config's completed form must be valid again, with the same hash.
 */
#include "fuzz.h"
#include "job/config.h"
#include "lib/json.h"
#include "lib/strbuf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg, again;
	struct strbuf p = { 0 };
	char err[256];
	json_t *root;

	fz_dir();
	root = json_load_buf("fuzz.json", (const char *)data, size, err,
			     sizeof(err));
	if (!root)
		return 0;
	if (config_from_json(&cfg, root, "fuzz.json", "fuzz", &p) == 0) {
		sb_reset(&p);
		if (config_from_json(&again, cfg.json, "config.json", NULL,
				     &p) != 0 ||
		    strcmp(again.hash, cfg.hash) != 0) {
			fprintf(stderr, "completed config not stable: %s\n",
				sb_str(&p));
			abort();
		}
		config_release(&again);
		config_release(&cfg);
	}
	sb_release(&p);
	json_decref(root);
	return 0;
}
