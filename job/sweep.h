/*
 * sweep.h - one config, many jobs: a config's "sweep" member expanded.
 *
 *	"sweep": {
 *	  "grid":   {"train.lr": [0.001, 0.01], "model.hidden": [[32], [64]]},
 *	  "random": {"train.weight_decay": {"log_uniform": [1e-5, 1e-2]},
 *	             "train.batch_size": {"choice": [16, 32, 64]}},
 *	  "n": 20, "seed": 1,
 *	  "metric": "val_loss", "goal": "min"
 *	}
 *
 * Axes are field paths of the config (the paths errors use). The grid is
 * every combination of its lists, the first axis changing slowest; random
 * search draws n members (for each grid point, when there is a grid too)
 * from a generator seeded by seed (1 when absent), so the same config
 * always expands to the same members. Real numbers drawn are rounded to 4
 * significant digits. Each member is the config without "sweep", with
 * its values set at its axes' paths and its name suffixed with them; each
 * is validated as a config of its own, and one invalid member makes the
 * whole sweep invalid. A sweep has at most SWEEP_MAX members.
 *
 * metric and goal say what the sweep's pages rank members by: "val_loss"
 * (the best validation loss), "train_loss", or "test.KEY" (test.loss or a
 * test metric: test.rmse, test.accuracy, ...); goal "min" or "max"
 * (default: max for accuracy, f1, r2, diracc and coverage, else min).
 */
#ifndef SPOOLBOARD_SWEEP_H
#define SPOOLBOARD_SWEEP_H

#include <stddef.h>

#include "job/config.h"
#include "lib/json.h"
#include "lib/strbuf.h"

#define SWEEP_MAX 1000		/* members of one sweep, at most */

struct sweep {
	size_t n;		/* members */
	struct config *cfgs;	/* n validated member configs */
	json_t *params;		/* n objects: axis path -> the member's value */
	json_t *axes;		/* [{path, kind, values | range}] */
	char *name;		/* the config's name (members add their values) */
	char *metric;
	int maximize;
	long long seed;		/* -1: no random axes */
	long long nrandom;	/* members drawn per grid point; 0: none */
};

/* Is there a "sweep" member in doc (a config document)? 1 or 0. */
int sweep_present(const json_t *doc);

/*
 * Expand the sweep of doc (a config document with extends resolved and a
 * "sweep" member; borrowed) and validate every member, as config_from_json
 * would with file and default_name. Problems are appended to problems as
 * config_from_json appends them; a member's are prefixed with "member K
 * of N (its values)", and a problem many members share is listed once.
 * Returns 0 with sw filled (sweep_release frees it), or the number of
 * problems (sw untouched).
 */
int sweep_expand(struct sweep *sw, const json_t *doc, const char *file,
		 const char *default_name, struct strbuf *problems);

/* "train.lr=0.001 model.hidden=[32]": member i's values, a new string. */
char *sweep_member_text(const struct sweep *sw, size_t i);

/*
 * The expansion as a text table: one line per member, K, then the value
 * of each axis in columns. Appended to out.
 */
void sweep_table(const struct sweep *sw, struct strbuf *out);

/*
 * The group.json of the sweep, as docs/formats.md lists it, with the
 * group's id, its file name, when it was created (ISO 8601) and the
 * member IDs ids[0..n-1]. A new reference.
 */
json_t *sweep_group_json(const struct sweep *sw, const char *id,
			 const char *file, const char *created,
			 const char *const *ids);

void sweep_release(struct sweep *sw);

#endif
