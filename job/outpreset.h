/*
 * outpreset.h - built-in metrics patterns for common training outputs.
 *
 * An exec job's metrics item {"preset": "keras"} stands for the preset's
 * patterns: the config's validation (job/schema.c) puts them in its place,
 * so config.json shows the real patterns and the supervisor knows nothing
 * of presets. Each preset is a small table of {pattern, stage}, with fixed
 * group names (train_loss, val_loss, epoch, ...; see docs/exec.md), or
 * for kv, a pairs pattern whose names come from the output.
 */
#ifndef SPOOLBOARD_OUTPRESET_H
#define SPOOLBOARD_OUTPRESET_H

#include <stddef.h>

/*
 * One pattern of a preset; stage is a stage's name, or NULL for none;
 * pairs: a "pairs" pattern (groups key and value, a column per key).
 */
struct outpreset_item {
	const char *pattern;
	const char *stage;
	int pairs;
};

/* The presets' names, NULL-terminated, for messages and suggestions. */
extern const char *const outpreset_names[];

/*
 * The items of the preset called name (static, never freed) with their
 * count in *n; NULL when there is no such preset (*n is then 0).
 */
const struct outpreset_item *outpreset_find(const char *name, size_t *n);

#endif
