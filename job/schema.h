/*
 * schema.h - the sections of a config (docs/config.md): struct config and
 * its enums, which fields each section has, their types, ranges and
 * defaults, and how each section is read.
 *
 * config_from_json (config.c) reads the top-level fields itself and hands
 * each section to one reader here. A reader enters its section of top's
 * input, stores the effective values in t and builds the completed
 * section as a new member of top->out; problems go to top->c and the
 * reader carries on with defaults. Strings and lists it stores in t are
 * t's (config_release frees them).
 */
#ifndef SPOOLBOARD_SCHEMA_H
#define SPOOLBOARD_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "job/field.h"
#include "lib/json.h"

#define CONFIG_MAX_BYTES (1024 * 1024)	/* larger config files are refused */
#define CONFIG_MAX_LAYERS 16		/* mlp hidden / head list length */
#define CONFIG_MAX_MEMORY_MB 1048576.0	/* limits.max_memory_mb: 1 TiB */
#define CONFIG_MAX_SECONDS 31536000.0	/* limits.max_seconds: 365 days */
#define CONFIG_MAX_QUANTILES 16
#define CONFIG_MAX_ARGS 1024		/* an exec job's command words */
#define CONFIG_MAX_ENV 256		/* an exec job's env entries */
#define CONFIG_MAX_METRICS 64		/* an exec job's metrics patterns */
#define CONFIG_MAX_GROUPS 256		/* ... their named groups in all */

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

/*
 * An exec job's pattern over its output lines: its named groups become
 * metrics (columns of metrics.csv), its stage (when >= 0, an enum stage
 * of job/state.h, named as schema_stage_names) becomes the current one.
 */
struct exec_metric {
	char *pattern;
	int stage;		/* -1: none */
	int pairs;		/* groups key and value, matched again and
				   again along a line: a column per key */
};

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

	/*
	 * An exec job (docs/exec.md): a command instead of data, model,
	 * loss, train and checkpoint, which then keep their defaults and
	 * are left out of the completed config.
	 */
	struct {
		char **argv;	/* NULL-terminated; NULL: a built-in job */
		size_t argc;
		char *workdir;	/* below the data root; "." by default */
		char **env;	/* "NAME=value", nenv of them */
		size_t nenv;
		struct exec_metric *metrics;
		size_t nmetrics;
	} exec;

	json_t *json;		/* the completed config (owned) */
	char *hash;		/* 16 hex digits: FNV-1a 64 of the canonical json */
};

/*
 * The names of the stages of a run (enum stage in job/state.h, in its
 * order), NULL-terminated: spelled here once, as a config may name one.
 */
extern const char *const schema_stage_names[];

/* Names for the enums, as they are spelled in config files. */
const char *model_type_name(enum model_type t);
const char *activation_name(enum activation a);
const char *loss_type_name(enum loss_type t);
const char *optim_type_name(enum optim_type t);


/* model.type as given, for the sections read before the model; -1 bad. */
int schema_peek_model_type(const json_t *root);

/*
 * The data section; mtype is schema_peek_model_type's answer (data.window
 * depends on it). 0, or -1 when the section is missing or not an object
 * (reported). *split_ok is 1 when data.split was valid, for the checks
 * made across sections later.
 */
int schema_read_data(struct obj *top, struct config *t, int mtype,
		     int *split_ok);

/* The model, loss, train, checkpoint and limits sections. */
void schema_read_model(struct obj *top, struct config *t);
void schema_read_loss(struct obj *top, struct config *t);
void schema_read_train(struct obj *top, struct config *t);
void schema_read_checkpoint(struct obj *top, struct config *t);
void schema_read_limits(struct obj *top, struct config *t);

/*
 * An exec job's fields at the top: command (required), workdir, env and
 * metrics, into t->exec and top->out.
 */
void schema_read_exec(struct obj *top, struct config *t);

/* Free what schema_read_exec stored in t. */
void schema_exec_release(struct config *t);

#endif
