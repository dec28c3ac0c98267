/*
 * fuzz-config.c - a config file's path to a job: the bytes parsed as JSON
 * (json_load_buf) and validated and completed (config_from_json), or,
 * holding a sweep, expanded (sweep_expand). A valid config's completed
 * form, and every valid member's, must be valid again, with the same hash.
 */
#include "fuzz.h"
#include "job/config.h"
#include "job/sweep.h"
#include "lib/json.h"
#include "lib/strbuf.h"

/* cfg's completed config read again must be itself. */
static void
check_stable(const struct config *cfg, struct strbuf *p)
{
	struct config again;

	sb_reset(p);
	if (config_from_json(&again, cfg->json, "config.json", NULL, p) != 0 ||
	    strcmp(again.hash, cfg->hash) != 0) {
		fprintf(stderr, "completed config not stable: %s\n",
			sb_str(p));
		abort();
	}
	config_release(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct strbuf p = { 0 };
	char err[256];
	json_t *root;

	fz_dir();
	root = json_load_buf("fuzz.json", (const char *)data, size, err,
			     sizeof(err));
	if (!root)
		return 0;
	if (sweep_present(root)) {
		struct sweep sw;

		if (sweep_expand(&sw, root, "fuzz.json", "fuzz", &p) == 0) {
			if (sw.n < 1 || sw.n > SWEEP_MAX)
				abort();
			for (size_t i = 0; i < sw.n; i++)
				check_stable(&sw.cfgs[i], &p);
			sweep_release(&sw);
		}
	} else if (config_from_json(&cfg, root, "fuzz.json", "fuzz", &p) ==
		   0) {
		check_stable(&cfg, &p);
		config_release(&cfg);
	}
	sb_release(&p);
	json_decref(root);
	return 0;
}
