/*
 * config.h - a job's configuration: parsed, validated, defaults filled in.
 *
 * The config is JSON (docs/config.md is the reference). config_load() reads
 * it with jansson, checks every field (type, range, allowed values), fills
 * in the defaults and keeps the completed document in cfg->json, which is
 * what the job directory's config.json holds. Every problem found is
 * reported, not just the first, so a user can fix a config in one go:
 *
 *	FILE:LINE:COL: message                 (JSON syntax)
 *	FILE: train.lr: must be > 0, got -1    (a field)
 *	FILE: train.epoch: unknown field, did you mean "epochs"?
 *
 * Nothing here reads the data file; columns are checked when it is loaded.
 */
#ifndef SPOOLBOARD_CONFIG_H
#define SPOOLBOARD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "job/schema.h"
#include "lib/json.h"
#include "lib/strbuf.h"

struct preset_opts;

/*
 * Parse and validate the config file at path. Each problem is appended to
 * problems as one line "PATH: ..." (or "PATH:LINE:COL: ..."), ending in
 * '\n'. Returns 0 when the config is valid (cfg filled; release it with
 * config_release), or the number of problems found (cfg untouched).
 * default_name is used when the config has no "name" (the file's stem).
 */
int config_load(struct config *cfg, const char *path, struct strbuf *problems);

/*
 * The reading half of config_load, for callers that must check the file
 * they read (the runner's claim): path is opened with O_NONBLOCK (a FIFO
 * never blocks) and, when nofollow is set, O_NOFOLLOW (a symbolic link as
 * the last component is refused: the spool is a trust boundary); the
 * opened file must be a regular file of at most CONFIG_MAX_BYTES. Returns
 * its bytes in a new NUL-terminated buffer (the caller frees it), their
 * number in *len and the opened file's status in *st (when st is not
 * NULL). On failure returns NULL with one problem appended to problems,
 * and errno set to the open's error when the open failed (ENOENT: there
 * is no such file), else to 0.
 */
char *config_read(const char *path, int nofollow, size_t *len, struct stat *st,
		  struct strbuf *problems);

/*
 * The validating half of config_load: buf holds len bytes read from path
 * (which names the file in messages and gives the default name). Returns
 * as config_load.
 */
int config_parse(struct config *cfg, const char *path, const char *buf,
		 size_t len, struct strbuf *problems);

/*
 * The first half of config_parse: buf (len bytes read from path, named
 * shown in messages) parsed, with its "extends" chain merged in
 * (preset.h; o NULL: no presets folder, not confined). A new reference,
 * or NULL with the problems appended. The document may hold a sweep
 * (sweep.h), which config_from_json refuses.
 */
json_t *config_doc(const char *path, const char *shown, const char *buf,
		   size_t len, const struct preset_opts *o,
		   struct strbuf *problems);

/* A config's default name: path's file name less its extension (new). */
char *config_stem(const char *path);

/* Same, from a JSON value already parsed (borrowed). */
int config_from_json(struct config *cfg, const json_t *root, const char *path,
		     const char *default_name, struct strbuf *problems);

/*
 * The memory a model and its batches need: limits.max_memory_mb when it
 * is set, else CONFIG_MODEL_CAP_MB. Validation checks the estimate with
 * the sizes the config names (features and targets it lists, else 1 and
 * 1; 2 classes); the trainer checks it again with the data's.
 */
#define CONFIG_MODEL_CAP_MB 8192.0

/*
 * About how many bytes training cfg's model needs with inputs features per
 * step, outputs outputs and batches of batch samples: parameters x (4 +
 * chunks) (weights, two optimizer moments, the best copy, and gradients
 * for each chunk of a batch, runner/train/model.h) plus the activations
 * and batch buffers, all as 4-byte floats. Returns a double,
 * so no size overflows; *params gets the parameter count when not NULL.
 */
double config_model_bytes(const struct config *cfg, double inputs,
			  double outputs, double batch, double *params);

/* The cap config_model_bytes is held to, in bytes (see above). */
double config_memory_cap(const struct config *cfg);

/*
 * When the estimate is over the cap: a new message (the caller frees it)
 * naming the estimate, the parameters and what is allowed; else NULL.
 */
char *config_model_too_big(const struct config *cfg, double inputs,
			   double outputs, double batch);

void config_release(struct config *cfg);

#endif
