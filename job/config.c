/*
 * config.c - a job's config: parse, validate, fill defaults; see config.h
 * and docs/config.md (the reference users read).
 *
 * The document is walked once, section by section, in the order the
 * reference lists the fields. Each field goes through a small checker
 * (field_opt_int, field_opt_num, ...) that validates it, stores its effective
 * value in struct config and appends it to the completed document, so
 * config.json always lists the fields in that one order whatever the order
 * of the input. A checker that finds a problem appends one line to the
 * problems and carries on with the default, so a single pass reports every
 * problem. A field that depends on another (data.window on model.type,
 * train.momentum on train.optimizer) reads that one first; when that one is
 * itself invalid, the dependent checks that would only add noise are
 * skipped.
 *
 * The checkers are in field.c, the sections and their tables in schema.c;
 * this file has the walk's top level, the checks across sections, the
 * hash and reading the file (the did-you-mean suggestions are field.c's).
 *
 * Real numbers are kept to 9 significant digits, the precision config.json
 * is written with, so a job resumed from its config.json sees exactly the
 * numbers its first run saw.
 */
#include "job/config.h"
#include "job/field.h"
#include "job/preset.h"
#include "job/schema.h"
#include "lib/error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_CHARS 200
#define TAG_MAX_CHARS 64
#define TAGS_MAX 64

/* Serialization of the canonical form the hash is taken over. */
#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9))

/* The known fields at the top, in the order of the reference. */
static const char *const top_fields[] = { "name", "tags", "priority",
	"threads", "retries", "command", "workdir", "env", "metrics", "data",
	"model", "loss", "train", "checkpoint", "limits", "sweep", "extends",
	NULL };

/* The sections a built-in job has and an exec job has not. */
static const char *const builtin_fields[] = { "data", "model", "loss",
	"train", "checkpoint", NULL };

/* The fields only an exec job has. */
static const char *const exec_fields[] = { "workdir", "env", "metrics",
	NULL };

/* ---- the top level ------------------------------------------------- */

static char *
clean_name(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *t = xmalloc(n + 1);
	json_t *check;

	/* keep valid UTF-8 without control characters, '_' for the rest */
	for (size_t i = 0; i < n;) {
		unsigned char b = (unsigned char)s[i];
		size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 :
			     (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
		size_t j;

		for (j = 1; len && j < len; j++)
			if (i + j >= n || ((unsigned char)s[i + j] & 0xC0) !=
					  0x80)
				len = 0;
		if (len == 0 || (len == 1 && (b < 0x20 || b == 0x7F))) {
			t[k++] = '_';
			i++;
			continue;
		}
		memcpy(t + k, s + i, len);
		k += len;
		i += len;
	}
	t[k] = '\0';
	t[field_utf8_prefix(t, NAME_MAX_CHARS)] = '\0';
	/* an invalid sequence (overlong form, ...) jansson would refuse */
	check = json_string(t);
	if (!check || !t[0]) {
		json_decref(check);
		free(t);
		return xstrdup("job");
	}
	json_decref(check);
	return t;
}

static void
read_name(struct obj *top, struct config *t, const char *default_name)
{
	char path[PATHLEN];
	const json_t *v = field_member(top, "name", path, sizeof path);
	const char *s = json_string_value(v);
	size_t n;

	if (v && !s) {
		field_bad(top->c, path, v, "must be a string");
	} else if (s) {
		n = field_utf8_chars(s);
		if (n < 1 || n > NAME_MAX_CHARS)
			field_problem(top->c, path, "must be 1 to %d "
				      "characters long, got %zu characters",
				      NAME_MAX_CHARS, n);
		else if (field_has_control(s))
			field_bad(top->c, path, v,
				  "must not contain control characters");
		else
			t->name = xstrdup(s);
	}
	if (!t->name)
		t->name = clean_name(default_name ? default_name : "job");
	field_put(top->out, "name", json_string(t->name));
}

static void
read_tags(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(top, "tags", path, sizeof path);
	json_t *out = field_jnew(json_array());
	size_t len = json_array_size(v);

	field_put(top->out, "tags", out);
	if (v && !json_is_array(v)) {
		field_bad(top->c, path, v, "must be a list of strings");
		return;
	}
	if (len > TAGS_MAX) {
		field_problem(top->c, path, "must be at most %d tags, got %zu",
			      TAGS_MAX, len);
		return;
	}
	t->tags = xcalloc(len ? len : 1, sizeof *t->tags);
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		const char *s = json_string_value(e);
		char ep[PATHLEN];
		size_t n;

		field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (!s) {
			field_bad(top->c, ep, e, "must be a string");
			continue;
		}
		n = field_utf8_chars(s);
		if (n < 1 || n > TAG_MAX_CHARS) {
			field_problem(top->c, ep, "must be 1 to %d "
				      "characters long, got %zu characters",
				      TAG_MAX_CHARS, n);
		} else if (field_has_control(s)) {
			field_bad(top->c, ep, e,
				  "must not contain control characters");
		} else {
			t->tags[t->ntags++] = xstrdup(s);
			field_append(out, json_string(s));
		}
	}
}
/* ---- the size of the model ---------------------------------------- */

/*
 * The chunks the trainer cuts a batch of B into, each with a gradient
 * block: model_chunk_rows' rule (runner/train/model.h, which job/ does
 * not include).
 */
static double
batch_chunks(double B)
{
	double rows = fmax(32, ceil(B / 16));

	if (B < 2 * rows)
		rows = fmax(16, ceil(B / 2));
	return ceil(B / rows);
}

double
config_model_bytes(const struct config *cfg, double inputs, double outputs,
		   double batch, double *params)
{
	int rnn = cfg->model.type == MODEL_LSTM ||
		  cfg->model.type == MODEL_GRU;
	double T = cfg->data.lookback > 0 ? cfg->data.lookback : 1;
	double B = batch, p = 0, acts = B * T * inputs * 2, width;
	const int *sizes = cfg->model.type == MODEL_MLP ? cfg->model.hidden :
			   cfg->model.head;
	int nsizes = cfg->model.type == MODEL_MLP ? cfg->model.nhidden :
		     rnn ? cfg->model.nhead : 0;

	if (rnn) {
		double H = cfg->model.nhidden ? cfg->model.hidden[0] : 1;
		double G = cfg->model.type == MODEL_LSTM ? 4 : 3;
		double nbias = cfg->model.type == MODEL_LSTM ? 1 : 2;

		for (int l = 0; l < cfg->model.layers; l++)
			p += ((l ? H : inputs) + H + nbias) * G * H;
		/* saved gates and states, gradients between layers */
		acts += cfg->model.layers * T * B * H * (G + 4);
		width = H;
	} else {
		width = inputs * T;
	}
	for (int i = 0; i < nsizes; i++) {
		p += (width + 1) * sizes[i];
		acts += 5 * B * sizes[i];
		width = sizes[i];
	}
	p += (width + 1) * outputs;
	acts += 3 * B * outputs;
	if (params)
		*params = p;
	return ((4 + batch_chunks(B)) * p + acts) * 4;
}

double
config_memory_cap(const struct config *cfg)
{
	double mb = cfg->limits.max_memory_mb > 0 ?
		    cfg->limits.max_memory_mb : CONFIG_MODEL_CAP_MB;

	return mb * 1048576.0;
}

char *
config_model_too_big(const struct config *cfg, double inputs,
		     double outputs, double batch)
{
	double params, need = config_model_bytes(cfg, inputs, outputs, batch,
						 &params);
	double cap = config_memory_cap(cfg);

	if (need <= cap)
		return NULL;
	return xasprintf("the model needs about %.0f MiB (%.0f parameters, "
			 "%.0f inputs, %.0f outputs, batches of %.0f), more "
			 "than the %.0f MiB allowed (%s); use smaller hidden, "
			 "head or layers sizes or a smaller train.batch_size",
			 need / 1048576.0, params, inputs, outputs, batch,
			 cap / 1048576.0, cfg->limits.max_memory_mb > 0 ?
			 "limits.max_memory_mb" :
			 "the cap without limits.max_memory_mb");
}

/*
 * The model with the sizes the config knows: the features and targets it
 * lists (else one of each), two classes for cross_entropy. The trainer
 * checks again once the data is read.
 */
static void
check_model_size(struct check *c, const struct config *t)
{
	double in = t->data.features.nnames ? (double)t->data.features.nnames :
		    1;
	double out = t->loss.type == LOSS_CROSS_ENTROPY ? 2 :
		     t->data.targets.nnames ? (double)t->data.targets.nnames : 1;
	char *msg = config_model_too_big(t, in, out, t->train.batch_size);

	if (msg)
		field_problem(c, t->model.type == MODEL_LINEAR ? "model" :
			      "model.hidden", "%s", msg);
	free(msg);
}

/* Checks that tie fields of different sections together. */
static void
check_across(struct check *c, const json_t *root, struct config *t,
	     int data_ok, int split_ok)
{
	const json_t *targets;

	if (split_ok && t->train.patience > 0 && t->data.split_val == 0)
		field_problem(c, "data.split.val",
			      "must be > 0 when train.early_stopping is on");
	targets = json_object_get(json_object_get(root, "data"), "targets");
	if (data_ok && t->loss.type == LOSS_CROSS_ENTROPY &&
	    json_is_array(targets) && json_array_size(targets) != 1)
		field_bad(c, "data.targets", targets,
			  "must be one column when loss is cross_entropy");
	check_model_size(c, t);
}

/*
 * The hash of what decides the trained weights: the data, model, loss
 * and train sections (an exec job: its command, workdir, env and
 * metrics). Name, tags, priority, threads, retries, checkpoint and limits
 * can change without making a checkpoint another job's.
 */
static char *
hash_json(const json_t *v)
{
	static const char *const keys[] = { "data", "model", "loss", "train",
		"command", "workdir", "env", "metrics" };
	json_t *part = json_object();
	uint64_t h = 0xcbf29ce484222325ULL;
	char *s;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(v, keys[i]))
			json_object_set(part, keys[i],
					json_object_get(v, keys[i]));
	s = json_dumps(part, CANON_FLAGS);
	json_decref(part);
	if (!s)
		die_oom();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	free(s);
	return xasprintf("%016" PRIx64, h);
}

/*
 * The completed config is written as config.json and read back from it
 * (on resume, by the trainer), so it must fit the same cap as any
 * config: a few long lists (column names) could make it larger.
 */
static void
check_size(struct check *c, const json_t *completed)
{
	char *s = json_to_string(completed);
	size_t n = strlen(s);

	if (n > CONFIG_MAX_BYTES)
		field_problem(c, NULL, "the completed config would be %zu "
			      "bytes, more than the %d a config may have; "
			      "use fewer or shorter names (columns, tags)", n,
			      CONFIG_MAX_BYTES);
	free(s);
}

/*
 * An exec job: its command, workdir, env and metrics, and limits; the
 * sections of a built-in job are refused (each once), their defaults
 * kept in t for the code that reads them anyway (state.json's epochs).
 */
static void
read_exec(struct obj *top, const json_t *root, struct config *t)
{
	struct strbuf quiet = STRBUF_INIT;
	struct check none = { "", &quiet, 0 };
	struct obj dflt;

	for (size_t i = 0; builtin_fields[i]; i++)
		if (json_object_get(root, builtin_fields[i]))
			field_problem(top->c, builtin_fields[i], "an exec job "
				      "(with \"command\") has no %s: the "
				      "command trains; remove one of the two",
				      builtin_fields[i]);
	schema_read_exec(top, t);
	schema_read_limits(top, t);
	/* the built-in sections' defaults, read from nothing, kept out of
	   the completed config */
	field_obj_init(&dflt, &none, "", NULL, field_jnew(json_object()),
		       top_fields);
	schema_read_model(&dflt, t);
	schema_read_loss(&dflt, t);
	schema_read_train(&dflt, t);
	schema_read_checkpoint(&dflt, t);
	t->train.epochs = 0;
	json_decref(dflt.out);
	sb_release(&quiet);
}

int
config_from_json(struct config *cfg, const json_t *root, const char *path,
		 const char *default_name, struct strbuf *problems)
{
	struct check c = { path, problems, 0 };
	struct config t;
	struct obj top;
	int split_ok, data_ok;

	if (!json_is_object(root)) {
		field_problem(&c, NULL,
			      "the config must be a JSON object, got %s",
			      field_type_name(root));
		return c.n;
	}
	memset(&t, 0, sizeof t);
	field_obj_init(&top, &c, "", root, field_jnew(json_object()),
		       top_fields);
	/* both are read before a config is one job's (preset.h, sweep.h) */
	if (json_object_get(root, "sweep"))
		field_problem(&c, "sweep", "a sweep makes many jobs, not one: "
			      "submit it (spoolboard submit), or list its jobs "
			      "with spoolboard sweep --dry-run");
	if (json_object_get(root, "extends"))
		field_problem(&c, "extends", "presets are merged before a "
			      "config is read; this reader takes a config "
			      "without extends");
	read_name(&top, &t, default_name);
	read_tags(&top, &t);
	t.priority = (int)field_opt_int(&top, "priority", 0, -1000, 1000);
	t.threads = (int)field_opt_int(&top, "threads", 0, 0, 1024);
	t.retries = (int)field_opt_int(&top, "retries", 0, 0, 100);
	if (json_object_get(root, "command")) {
		read_exec(&top, root, &t);
		t.json = top.out;
		goto done;
	}
	for (size_t i = 0; exec_fields[i]; i++)
		field_applies(&top, exec_fields[i], 0, "exec jobs (with "
			      "\"command\")");
	data_ok = schema_read_data(&top, &t, schema_peek_model_type(root),
				   &split_ok) == 0;
	schema_read_model(&top, &t);
	schema_read_loss(&top, &t);
	schema_read_train(&top, &t);
	schema_read_checkpoint(&top, &t);
	schema_read_limits(&top, &t);
	check_across(&c, root, &t, data_ok, split_ok);
	t.json = top.out;
done:
	check_size(&c, t.json);
	if (c.n) {
		config_release(&t);
		return c.n;
	}
	t.hash = hash_json(t.json);
	*cfg = t;
	return 0;
}

/* ---- files --------------------------------------------------------- */

/*
 * Read at most max bytes of path into a new buffer. NULL with the problem
 * reported when it cannot be read or is larger; errno is then the open's
 * when the open failed (ENOENT: no such file), else 0.
 */
static char *
read_config_file(struct check *c, const char *path, size_t max, size_t *len,
		 int nofollow, struct stat *st)
{
	size_t n = 0;
	char *buf;
	/* O_NONBLOCK: a FIFO put in a config's place must not hang us */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
		      (nofollow ? O_NOFOLLOW : 0));
	int saved;

	if (fd < 0) {
		saved = errno;
		if (saved == ELOOP && nofollow)
			field_problem(c, NULL, "is a symbolic link; copy the "
				      "config itself");
		else
			field_problem(c, NULL, "cannot open: %s",
				      strerror(saved));
		errno = saved;
		return NULL;
	}
	/* the file opened is checked, not the name: it may have changed */
	if (fstat(fd, st) < 0) {
		field_problem(c, NULL, "cannot stat: %s", strerror(errno));
		goto err;
	}
	if (S_ISDIR(st->st_mode)) {
		field_problem(c, NULL, "cannot read: %s", strerror(EISDIR));
		goto err;
	}
	if (!S_ISREG(st->st_mode)) {
		field_problem(c, NULL, "not a regular file (a FIFO or a "
			      "device); give a JSON file");
		goto err;
	}
	if (st->st_size > (off_t)max) {
		field_problem(c, NULL, "too large: a config may have at "
			      "most %zu bytes", max);
		goto err;
	}
	buf = xmalloc(max + 2);
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			field_problem(c, NULL, "cannot read: %s",
				      strerror(errno));
			free(buf);
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			field_problem(c, NULL,
				      "too large: a config may have at most "
				      "%zu bytes", max);
			free(buf);
			goto err;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
err:
	close(fd);
	errno = 0;
	return NULL;
}

char *
config_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	char *s;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	s = !dot || dot == base ? strdup(base) :
	    strndup(base, (size_t)(dot - base));
	if (!s)
		die_oom();
	return s;
}

char *
config_read(const char *path, int nofollow, size_t *len, struct stat *st,
	    struct strbuf *problems)
{
	struct check c = { path, problems, 0 };
	struct stat unused;

	return read_config_file(&c, path, CONFIG_MAX_BYTES, len, nofollow,
				st ? st : &unused);
}

json_t *
config_doc(const char *path, const char *shown, const char *buf, size_t len,
	   const struct preset_opts *o, struct strbuf *problems)
{
	struct check c = { shown, problems, 0 };
	char err[512];
	json_t *root, *doc;
	size_t i;

	for (i = 0; i < len && strchr(" \t\r\n", buf[i]); i++)
		;
	if (i == len) {
		field_problem(&c, NULL, "empty file, expected a JSON object");
		return NULL;
	}
	root = json_load_buf(shown, buf, len, err, sizeof err);
	if (!root) {
		sb_addf(problems, "%s\n", err);
		return NULL;
	}
	doc = preset_resolve(root, path, shown, o, problems);
	json_decref(root);
	return doc;
}

int
config_parse(struct config *cfg, const char *path, const char *buf,
	     size_t len, struct strbuf *problems)
{
	json_t *doc = config_doc(path, path, buf, len, NULL, problems);
	char *stem;
	int n;

	if (!doc)
		return 1;
	stem = config_stem(path);
	n = config_from_json(cfg, doc, path, stem, problems);
	free(stem);
	json_decref(doc);
	return n;
}

int
config_load(struct config *cfg, const char *path, struct strbuf *problems)
{
	size_t len;
	char *buf = config_read(path, 0, &len, NULL, problems);
	int n;

	if (!buf)
		return 1;
	n = config_parse(cfg, path, buf, len, problems);
	free(buf);
	return n;
}

void
config_release(struct config *cfg)
{
	free(cfg->name);
	for (size_t i = 0; i < cfg->ntags; i++)
		free(cfg->tags[i]);
	free(cfg->tags);
	free(cfg->data.path);
	schema_exec_release(cfg);
	for (int k = 0; k < 2; k++) {
		struct colspec *cs = k ? &cfg->data.targets :
				     &cfg->data.features;

		free(cs->pattern);
		for (size_t i = 0; i < cs->nnames; i++)
			free(cs->names[i]);
		free(cs->names);
	}
	json_decref(cfg->json);
	free(cfg->hash);
	memset(cfg, 0, sizeof *cfg);
}
