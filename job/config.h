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

#include "lib/json.h"
#include "lib/strbuf.h"

#define CONFIG_MAX_BYTES (1024 * 1024)	/* larger config files are refused */
#define CONFIG_MAX_LAYERS 16		/* mlp hidden / head list length */
#define CONFIG_MAX_QUANTILES 16

enum model_type { MODEL_LINEAR, MODEL_MLP, MODEL_LSTM, MODEL_GRU };
enum activation { ACT_RELU, ACT_TANH, ACT_GELU, ACT_SIGMOID, ACT_NONE };
enum loss_type {
	LOSS_MSE, LOSS_MAE, LOSS_HUBER, LOSS_GAUSSIAN_NLL, LOSS_STUDENT_T,
	LOSS_QUANTILE, LOSS_CROSS_ENTROPY, LOSS_BCE
};
enum optim_type { OPTIM_SGD, OPTIM_ADAM, OPTIM_ADAMW };
enum sched_type { SCHED_CONSTANT, SCHED_STEP, SCHED_COSINE };
enum missing_policy { MISSING_ERROR, MISSING_DROP };
enum normalize_type { NORMALIZE_ZSCORE, NORMALIZE_NONE };

/* A set of columns: a list of names, or a PCRE2 pattern over the header. */
struct colspec {
	char *pattern;		/* NULL when names are given */
	char **names;
	size_t nnames;
};

struct loss_spec {
	enum loss_type type;
	double delta;				/* huber */
	double quantiles[CONFIG_MAX_QUANTILES];	/* quantile, ascending */
	int nquantiles;
};

struct sched_spec {
	enum sched_type type;
	int warmup;		/* epochs of linear warm-up from lr/warmup */
	int step_size;		/* step: multiply by gamma every step_size epochs */
	double gamma;
	double min_lr;		/* cosine: the floor it decays to */
};

struct config {
	char *name;
	char **tags;
	size_t ntags;
	int priority;
	int threads;		/* 0: the runner's --threads, else all cores */
	int retries;

	struct {
		char *path;	/* relative to the data root */
		struct colspec features;	/* nnames 0 and no pattern: default */
		struct colspec targets;
		char delimiter;
		double split_train, split_val, split_test;
		int shuffle;
		enum normalize_type normalize;
		enum missing_policy missing;
		int lookback;	/* 0: no window (rows are samples) */
		int horizon;
	} data;

	struct {
		enum model_type type;
		int hidden[CONFIG_MAX_LAYERS];	/* mlp: sizes; rnn: hidden[0] */
		int nhidden;
		int layers;			/* rnn layers */
		int head[CONFIG_MAX_LAYERS];	/* dense layers after an rnn */
		int nhead;
		enum activation activation;
		double dropout;
	} model;

	struct loss_spec loss;

	struct {
		int epochs;
		int batch_size;
		enum optim_type optimizer;
		double lr;
		double momentum;	/* sgd */
		int nesterov;		/* sgd */
		double beta1, beta2, eps;	/* adam, adamw */
		double weight_decay;
		struct sched_spec schedule;
		double clip_grad;	/* 0: no clipping */
		int patience;		/* 0: no early stopping */
		double min_delta;
		uint64_t seed;
	} train;

	struct {
		int every;	/* epochs between checkpoints; 0: only on stop */
		int keep;
	} checkpoint;

	struct {
		double max_seconds;	/* 0: no limit */
		double max_memory_mb;	/* 0: no limit */
	} limits;

	json_t *json;		/* the completed config (owned) */
	char *hash;		/* 16 hex digits: FNV-1a 64 of the canonical json */
};

/*
 * Parse and validate the config file at path. Each problem is appended to
 * problems as one line "PATH: ..." (or "PATH:LINE:COL: ..."), ending in
 * '\n'. Returns 0 when the config is valid (cfg filled; release it with
 * config_release), or the number of problems found (cfg untouched).
 * default_name is used when the config has no "name" (the file's stem).
 */
int config_load(struct config *cfg, const char *path, struct strbuf *problems);

/* Same, from a JSON value already parsed (borrowed). */
int config_from_json(struct config *cfg, const json_t *root, const char *path,
		     const char *default_name, struct strbuf *problems);

void config_release(struct config *cfg);

/* Names for the enums, as they are spelled in config files. */
const char *model_type_name(enum model_type t);
const char *activation_name(enum activation a);
const char *loss_type_name(enum loss_type t);
const char *optim_type_name(enum optim_type t);

/*
 * The edit distance between a and b (optimal string alignment: insert,
 * delete, substitute, swap two neighbours; ASCII letters compared without
 * case).
 */
size_t config_edit_distance(const char *a, const char *b);

/*
 * The name in the NULL-terminated list known nearest to key, when it is
 * close enough to be what was meant (distance below half its length);
 * NULL otherwise. Borrowed from known.
 */
const char *config_suggest(const char *key, const char *const *known);

#endif
