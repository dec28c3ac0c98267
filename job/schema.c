/*
 * schema.c - the config's sections, field by field, in the order of the
 * reference (docs/config.md); see schema.h.
 *
 * The tables below name the values each enum field accepts and the
 * fields each object may have; the readers go through a section with the
 * checkers of field.h, skipping the checks of a field that depends on an
 * invalid one (config.c's note). The names of the enums, as config files
 * spell them, are given out from the same tables.
 */
#include "job/schema.h"
#include "lib/pattern.h"
#include "job/outpreset.h"
#include "lib/error.h"
#include "lib/path.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DATA_PATH_MAX 4096
#define BIG 1000000		/* upper bound of epoch-like counts */

static const struct range r_pos = { 0, HUGE_VAL, 1, 1 };
static const struct range r_nonneg = { 0, HUGE_VAL, 0, 1 };
static const struct range r_unit = { 0, 1, 0, 0 };
static const struct range r_unit_hi_open = { 0, 1, 0, 1 };
static const struct range r_unit_lo_open = { 0, 1, 1, 0 };
static const struct range r_unit_open = { 0, 1, 1, 1 };
static const struct range r_lr = { 0, 10, 1, 0 };
static const struct range r_seconds = { 0, CONFIG_MAX_SECONDS, 0, 0 };
static const struct range r_memory_mb = { 0, CONFIG_MAX_MEMORY_MB, 0, 0 };

static const char *const model_names[] = { "linear", "mlp", "lstm", "gru",
					   NULL };
static const char *const act_names[] = { "relu", "tanh", "gelu", "sigmoid",
					 NULL };
static const char *const loss_names[] = { "mse", "mae", "huber",
	"gaussian_nll", "student_t", "quantile", "cross_entropy", "bce", NULL };
static const char *const optim_names[] = { "sgd", "adam", "adamw", NULL };
static const char *const sched_names[] = { "constant", "step", "cosine",
					   NULL };
static const char *const normalize_names[] = { "zscore", "none", NULL };
static const char *const missing_names[] = { "error", "drop", NULL };

/* The known fields of every object, in the order of the reference. */
static const char *const data_fields[] = { "path", "features", "targets",
	"delimiter", "split", "normalize", "missing", "window", NULL };
static const char *const split_fields[] = { "train", "val", "test",
	"shuffle", NULL };
static const char *const window_fields[] = { "lookback", "horizon", NULL };
static const char *const match_fields[] = { "match", NULL };
static const char *const model_fields[] = { "type", "hidden", "layers",
	"head", "activation", "dropout", NULL };
static const char *const loss_fields[] = { "type", "delta", "quantiles",
	NULL };
static const char *const train_fields[] = { "epochs", "batch_size",
	"optimizer", "lr", "momentum", "nesterov", "betas", "eps",
	"weight_decay", "schedule", "clip_grad", "early_stopping", "seed",
	NULL };
static const char *const sched_fields[] = { "type", "warmup", "step_size",
	"gamma", "min_lr", NULL };
static const char *const stop_fields[] = { "patience", "min_delta", NULL };
static const char *const checkpoint_fields[] = { "every", "keep", NULL };
static const char *const limits_fields[] = { "max_seconds", "max_memory_mb",
	NULL };
static const char *const metric_fields[] = { "pattern", "pairs", "stage",
	NULL };

const char *const schema_stage_names[] = { "load", "prepare", "train",
	"test", "save", NULL };

/* ---- columns ------------------------------------------------------- */

/* A list of column names into cs; its completed copy returned. */
static json_t *
read_names(struct check *c, const char *path, const json_t *v,
	   struct colspec *cs)
{
	size_t len = json_array_size(v);
	json_t *out = field_jnew(json_array());
	json_t *seen = field_jnew(json_object());

	if (len == 0)
		field_problem(c, path, "must list at least one column");
	cs->names = xcalloc(len ? len : 1, sizeof *cs->names);
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		const char *s = json_string_value(e);
		char ep[PATHLEN];

		field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (!s) {
			field_bad(c, ep, e, "must be a column name (a string)");
		} else if (!*s) {
			field_problem(c, ep, "must not be empty");
		} else if (json_object_get(seen, s)) {
			field_bad(c, ep, e, "must not repeat a column");
		} else {
			field_put(seen, s, json_true());
			cs->names[cs->nnames++] = xstrdup(s);
			field_append(out, json_string(s));
		}
	}
	json_decref(seen);
	return out;
}

/* Does re compile? If not, report PCRE2's reason at path. */
static int
pattern_ok(struct check *c, const char *path, const char *re)
{
	struct pattern *p;
	char err[256];

	p = pattern_new(re, err, sizeof(err));
	if (!p) {
		field_problem(c, path, "not a valid PCRE2 pattern: %s", err);
		return 0;
	}
	pattern_free(p);
	return 1;
}

/* {"match": PATTERN} into cs; its completed copy returned. */
static json_t *
read_match(struct check *c, const char *path, const json_t *v,
	   struct colspec *cs)
{
	struct obj o;
	const json_t *m;
	char mp[PATHLEN];

	field_obj_init(&o, c, path, v, field_jnew(json_object()), match_fields);
	m = field_member(&o, "match", mp, sizeof mp);
	if (!m)
		field_problem(c, mp, "required");
	else if (!json_is_string(m))
		field_bad(c, mp, m, "must be a string (a PCRE2 pattern)");
	else if (!json_string_value(m)[0])
		field_problem(c, mp, "must not be empty");
	else if (!pattern_ok(c, mp, json_string_value(m)))
		;
	else
		cs->pattern = xstrdup(json_string_value(m));
	field_put(o.out, "match", json_string(cs->pattern ? cs->pattern : ""));
	return o.out;
}


/* ---- sections ------------------------------------------------------ */

/* model.type as given, for the sections read before the model; -1 bad. */
int
schema_peek_model_type(const json_t *root)
{
	const json_t *m = json_object_get(root, "model");
	const char *s;

	if (!json_is_object(m) || !json_object_get(m, "type"))
		return MODEL_MLP;
	s = json_string_value(json_object_get(m, "type"));
	for (int i = 0; s && model_names[i]; i++)
		if (strcmp(s, model_names[i]) == 0)
			return i;
	return -1;
}

static void
read_path(struct obj *d, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(d, "path", path, sizeof path);
	const char *s = json_string_value(v);

	if (!v)
		field_problem(d->c, path, "required");
	else if (!s)
		field_bad(d->c, path, v, "must be a string");
	else if (strlen(s) > DATA_PATH_MAX)
		field_problem(d->c, path,
			      "must be at most %d bytes long, got %zu",
			      DATA_PATH_MAX, strlen(s));
	else if (!path_is_below(s))
		field_bad(d->c, path, v,
			  "must be a relative path inside the data root");
	else
		t->data.path = xstrdup(s);
	field_put(d->out, "path",
		  json_string(t->data.path ? t->data.path : ""));
}

/* data.features and data.targets. */
static void
read_columns(struct obj *d, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(d, "features", path, sizeof path);
	struct colspec *cs = &t->data.features;

	if (!v || json_is_null(v))
		field_put(d->out, "features", json_null());
	else if (json_is_array(v))
		field_put(d->out, "features", read_names(d->c, path, v, cs));
	else if (json_is_object(v))
		field_put(d->out, "features", read_match(d->c, path, v, cs));
	else
		field_bad(d->c, path, v, "must be a list of column names, "
			  "{\"match\": PATTERN} or null");

	cs = &t->data.targets;
	v = field_member(d, "targets", path, sizeof path);
	if (!v) {
		field_problem(d->c, path, "required");
	} else if (json_is_string(v) && !json_string_value(v)[0]) {
		field_problem(d->c, path, "must not be empty");
	} else if (json_is_string(v)) {
		json_t *list = field_jnew(json_array());

		field_append(list, json_copy((json_t *)v));
		field_put(d->out, "targets", read_names(d->c, path, list, cs));
		json_decref(list);
	} else if (json_is_array(v)) {
		field_put(d->out, "targets", read_names(d->c, path, v, cs));
	} else if (json_is_object(v)) {
		field_put(d->out, "targets", read_match(d->c, path, v, cs));
	} else {
		field_bad(d->c, path, v,
			  "must be a column name, a list of column "
			  "names or {\"match\": PATTERN}");
	}
}

static void
read_delimiter(struct obj *d, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(d, "delimiter", path, sizeof path);
	const char *s = json_string_value(v);

	t->data.delimiter = ',';
	if (s && strlen(s) == 1 && (unsigned char)s[0] < 0x80 &&
	    !strchr("\"\r\n", s[0]))
		t->data.delimiter = s[0];
	else if (v)
		field_bad(d->c, path, v,
			  "must be one ASCII character other than "
			  "a quote or a line break");
	field_put(d->out, "delimiter", json_stringn(&t->data.delimiter, 1));
}

/* Returns 1 when the split was valid (for checks made later). */
static int
read_split(struct obj *d, struct config *t)
{
	struct obj o;
	int before;
	double sum;

	field_obj_enter(d, "split", split_fields, &o);
	before = d->c->n;
	t->data.split_train = field_opt_num(&o, "train", 0.7, &r_unit_lo_open);
	t->data.split_val = field_opt_num(&o, "val", 0.15, &r_unit);
	t->data.split_test = field_opt_num(&o, "test", 0.15, &r_unit);
	t->data.shuffle = field_opt_bool(&o, "shuffle", 0);
	if (d->c->n != before)
		return 0;
	sum = t->data.split_train + t->data.split_val + t->data.split_test;
	if (fabs(sum - 1) > 1e-6) {
		field_problem(d->c, o.path, "train + val + test must sum to 1, "
			      "got %.9g", sum);
		return 0;
	}
	return 1;
}

static void
read_window(struct obj *d, struct config *t, int mtype)
{
	char path[PATHLEN];
	const json_t *v = field_member(d, "window", path, sizeof path);
	int rnn = mtype == MODEL_LSTM || mtype == MODEL_GRU;
	struct obj o;

	t->data.lookback = 0;
	t->data.horizon = 1;
	if (!v && !rnn) {
		field_put(d->out, "window", json_null());
		return;
	}
	if (v && !json_is_object(v)) {
		if (rnn)
			field_bad(d->c, path, v,
				  "must be an object for lstm and gru");
		else if (!json_is_null(v))
			field_bad(d->c, path, v, "must be an object or null");
		field_put(d->out, "window", json_null());
		return;
	}
	field_obj_init(&o, d->c, path, v, field_jnew(json_object()),
		       window_fields);
	field_put(d->out, "window", o.out);
	if (v && !json_object_get(v, "lookback"))
		field_problem(d->c, "data.window.lookback", "required");
	t->data.lookback = (int)field_opt_int(&o, "lookback", 16, 1, 100000);
	t->data.horizon = (int)field_opt_int(&o, "horizon", 1, 1, 100000);
}

int
schema_read_data(struct obj *top, struct config *t, int mtype, int *split_ok)
{
	struct obj d;
	int rc;

	*split_ok = 0;
	rc = field_obj_enter(top, "data", data_fields, &d);
	if (rc == 0)
		field_problem(top->c, d.path, "required");
	if (rc <= 0)
		return -1;
	read_path(&d, t);
	read_columns(&d, t);
	read_delimiter(&d, t);
	*split_ok = read_split(&d, t);
	t->data.normalize = field_opt_enum(&d, "normalize", normalize_names,
					   NORMALIZE_ZSCORE);
	t->data.missing = field_opt_enum(&d, "missing", missing_names,
					 MISSING_ERROR);
	read_window(&d, t, mtype);
	return 0;
}

/* mlp: a list of sizes (n alone is [n]); lstm, gru: one size. */
static void
read_hidden(struct obj *m, struct config *t, int type)
{
	char path[PATHLEN];
	const json_t *v = field_member(m, "hidden", path, sizeof path);
	int rnn = type == MODEL_LSTM || type == MODEL_GRU;
	json_t *out = field_jnew(json_array());
	long long x;

	if (!v) {
		t->model.nhidden = rnn ? 1 : 2;
		t->model.hidden[0] = t->model.hidden[1] = 64;
	} else if (json_is_array(v) && !rnn) {
		if (field_check_int_list(m->c, path, v, 1, CONFIG_MAX_LAYERS,
					 1, 65536, t->model.hidden,
					 &t->model.nhidden, out) < 0)
			t->model.nhidden = 0;
		json_array_clear(out);
	} else if (json_is_number(v) || rnn) {
		if (field_check_int(m->c, path, v, 1, 65536, &x) == 0)
			t->model.hidden[t->model.nhidden++] = (int)x;
	} else {
		field_bad(m->c, path, v,
			  "must be an integer or a list of integers");
	}
	if (rnn) {
		json_decref(out);
		field_put(m->out, "hidden", json_integer(t->model.hidden[0]));
		return;
	}
	for (int i = 0; i < t->model.nhidden; i++)
		field_append(out, json_integer(t->model.hidden[i]));
	field_put(m->out, "hidden", out);
}

void
schema_read_model(struct obj *top, struct config *t)
{
	struct obj m;
	char path[PATHLEN];
	const json_t *v;
	int type, rnn, known;

	if (field_obj_enter(top, "model", model_fields, &m) < 0)
		return;
	type = field_opt_enum(&m, "type", model_names, MODEL_MLP);
	t->model.type = type < 0 ? MODEL_MLP : (enum model_type)type;
	known = type >= 0;
	rnn = type == MODEL_LSTM || type == MODEL_GRU;
	t->model.activation = ACT_NONE;
	if (field_applies(&m, "hidden", !known || type != MODEL_LINEAR,
			  "mlp, lstm and gru"))
		read_hidden(&m, t, type);
	if (field_applies(&m, "layers", !known || rnn, "lstm and gru"))
		t->model.layers = (int)field_opt_int(&m, "layers", 1, 1,
						     CONFIG_MAX_LAYERS);
	if (field_applies(&m, "head", !known || rnn, "lstm and gru")) {
		json_t *out = field_jnew(json_array());

		v = field_member(&m, "head", path, sizeof path);
		if (v && field_check_int_list(m.c, path, v, 0,
					      CONFIG_MAX_LAYERS, 1, 65536,
					      t->model.head, &t->model.nhead,
					      out) < 0)
			t->model.nhead = 0;
		field_put(m.out, "head", out);
	}
	if (field_applies(&m, "activation", !known || type != MODEL_LINEAR,
			  "mlp, lstm and gru")) {
		int a = field_opt_enum(&m, "activation", act_names, ACT_RELU);

		t->model.activation = a < 0 ? ACT_RELU : (enum activation)a;
	}
	if (field_applies(&m, "dropout", !known || type != MODEL_LINEAR,
			  "mlp, lstm and gru"))
		t->model.dropout = field_opt_num(&m, "dropout", 0,
						 &r_unit_hi_open);
}

static void
read_quantiles(struct obj *l, struct config *t)
{
	static const double def[] = { 0.1, 0.5, 0.9 };
	char path[PATHLEN];
	const json_t *v = field_member(l, "quantiles", path, sizeof path);
	double q[CONFIG_MAX_QUANTILES];
	size_t len = json_array_size(v);
	json_t *out = field_jnew(json_array());
	int fails = 0;

	field_put(l->out, "quantiles", out);
	t->loss.nquantiles = 3;
	memcpy(t->loss.quantiles, def, sizeof def);
	if (v && !json_is_array(v)) {
		field_bad(l->c, path, v, "must be a list of numbers");
	} else if (v && (len < 1 || len > CONFIG_MAX_QUANTILES)) {
		field_problem(l->c, path,
			      "must list 1 to %d quantiles, got %zu",
			      CONFIG_MAX_QUANTILES, len);
	} else if (v) {
		for (size_t i = 0; i < len; i++) {
			char ep[PATHLEN];

			field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
			if (field_check_num(l->c, ep, json_array_get(v, i),
					    &r_unit_open, &q[i]) < 0)
				fails++;
		}
		/* the order is only checked once every value is valid */
		for (size_t i = 1; !fails && i < len; i++) {
			if (!(q[i] > q[i - 1])) {
				field_bad(l->c, path, v,
					  "must be strictly ascending");
				fails++;
			}
		}
		if (!fails) {
			memcpy(t->loss.quantiles, q, len * sizeof *q);
			t->loss.nquantiles = (int)len;
		}
	}
	for (int i = 0; i < t->loss.nquantiles; i++)
		field_append(out, json_real(t->loss.quantiles[i]));
}

/*
 * The member key of parent that is a name from names or an object with
 * that name as its "type" and the other fields (a loss, a schedule): o is
 * set up on it (its completed form put into parent's), and its type
 * returned: def when the member is missing, or, with *known set to 0,
 * when it is bad (after a problem that names what is accepted).
 */
static int
read_typed(struct obj *parent, const char *key, const char *what,
	   const char *const *names, const char *const *fields, int def,
	   struct obj *o, int *known)
{
	char path[PATHLEN], tpath[PATHLEN + 8];
	const json_t *v = field_member(parent, key, path, sizeof path);
	int type = def;

	*known = 1;
	field_obj_init(o, parent->c, path, json_is_object(v) ? v : NULL,
		       field_jnew(json_object()), fields);
	field_put(parent->out, key, o->out);
	if (json_is_string(v)) {
		if (field_check_enum(parent->c, path, v, names, &type) < 0)
			*known = 0;
		field_put(o->out, "type", json_string(names[type]));
	} else if (json_is_object(v)) {
		field_path_printf(tpath, sizeof tpath, "%s.type", path);
		if (!json_object_get(v, "type"))
			field_problem(parent->c, tpath, "required");
		type = field_opt_enum(o, "type", names, def);
		*known = type >= 0;
		if (!*known)
			type = def;
	} else if (v) {
		field_bad(parent->c, path, v, "must be a %s name or an object",
			  what);
		*known = 0;
	} else {
		field_put(o->out, "type", json_string(names[type]));
	}
	return type;
}

void
schema_read_loss(struct obj *top, struct config *t)
{
	struct obj l;
	int known, type = read_typed(top, "loss", "loss", loss_names,
				     loss_fields, LOSS_MSE, &l, &known);

	t->loss.type = (enum loss_type)type;
	t->loss.delta = 1.0;
	if (field_applies(&l, "delta", !known || type == LOSS_HUBER, "huber") &&
	    (type == LOSS_HUBER || json_object_get(l.in, "delta")))
		t->loss.delta = field_opt_num(&l, "delta", 1.0, &r_pos);
	if (field_applies(&l, "quantiles", !known || type == LOSS_QUANTILE,
			  "quantile") &&
	    (type == LOSS_QUANTILE || json_object_get(l.in, "quantiles")))
		read_quantiles(&l, t);
}

static void
read_betas(struct obj *tr, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(tr, "betas", path, sizeof path);
	json_t *out = field_jnew(json_array());
	double b[2] = { 0.9, 0.999 };

	field_put(tr->out, "betas", out);
	if (v && (!json_is_array(v) || json_array_size(v) != 2)) {
		field_bad(tr->c, path, v, "must be a list of 2 numbers");
	} else if (v) {
		for (size_t i = 0; i < 2; i++) {
			char ep[PATHLEN];
			double x;

			field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
			if (field_check_num(tr->c, ep, json_array_get(v, i),
					    &r_unit_hi_open, &x) == 0)
				b[i] = x;
		}
	}
	t->train.beta1 = b[0];
	t->train.beta2 = b[1];
	field_append(out, json_real(b[0]));
	field_append(out, json_real(b[1]));
}

static void
read_schedule(struct obj *tr, struct config *t)
{
	struct sched_spec *s = &t->train.schedule;
	struct obj o;
	int known, type = read_typed(tr, "schedule", "schedule", sched_names,
				     sched_fields, SCHED_CONSTANT, &o, &known);

	s->type = (enum sched_type)type;
	s->warmup = (int)field_opt_int(&o, "warmup", 0, 0, BIG);
	s->step_size = 10;
	s->gamma = 0.1;
	s->min_lr = 0;
	if (field_applies(&o, "step_size", !known || type == SCHED_STEP,
			  "step") &&
	    (type == SCHED_STEP || json_object_get(o.in, "step_size")))
		s->step_size = (int)field_opt_int(&o, "step_size", 10, 1, BIG);
	if (field_applies(&o, "gamma", !known || type == SCHED_STEP, "step") &&
	    (type == SCHED_STEP || json_object_get(o.in, "gamma")))
		s->gamma = field_opt_num(&o, "gamma", 0.1, &r_unit_lo_open);
	if (field_applies(&o, "min_lr", !known || type == SCHED_COSINE,
			  "cosine") &&
	    (type == SCHED_COSINE || json_object_get(o.in, "min_lr")))
		s->min_lr = field_opt_num(&o, "min_lr", 0, &r_nonneg);
}

static void
read_early_stopping(struct obj *tr, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(tr, "early_stopping", path, sizeof path);
	struct obj o;

	field_obj_init(&o, tr->c, path, json_is_object(v) ? v : NULL,
		       field_jnew(json_object()), stop_fields);
	field_put(tr->out, "early_stopping", o.out);
	if (json_is_false(v)) {
		field_put(o.out, "patience", json_integer(0));
		field_put(o.out, "min_delta", json_real(0));
		return;
	}
	if (v && !json_is_object(v))
		field_bad(tr->c, path, v, "must be an object or false");
	t->train.patience = (int)field_opt_int(&o, "patience", 10, 0, BIG);
	t->train.min_delta = field_opt_num(&o, "min_delta", 0, &r_nonneg);
}

void
schema_read_train(struct obj *top, struct config *t)
{
	struct obj tr;
	int opt, known, sgd;

	field_obj_enter(top, "train", train_fields, &tr);
	t->train.epochs = (int)field_opt_int(&tr, "epochs", 50, 1, BIG);
	t->train.batch_size = (int)field_opt_int(&tr, "batch_size", 64, 1,
						 65536);
	opt = field_opt_enum(&tr, "optimizer", optim_names, OPTIM_ADAM);
	known = opt >= 0;
	sgd = opt == OPTIM_SGD;
	t->train.optimizer = known ? (enum optim_type)opt : OPTIM_ADAM;
	t->train.lr = field_opt_num(&tr, "lr", 0.001, &r_lr);
	t->train.momentum = 0.9;
	t->train.beta1 = 0.9;
	t->train.beta2 = 0.999;
	t->train.eps = 1e-8;
	if (field_applies(&tr, "momentum", !known || sgd, "sgd"))
		t->train.momentum = field_opt_num(&tr, "momentum", 0.9,
						  &r_unit_hi_open);
	if (field_applies(&tr, "nesterov", !known || sgd, "sgd"))
		t->train.nesterov = field_opt_bool(&tr, "nesterov", 0);
	if (field_applies(&tr, "betas", !known || !sgd, "adam and adamw"))
		read_betas(&tr, t);
	if (field_applies(&tr, "eps", !known || !sgd, "adam and adamw"))
		t->train.eps = field_opt_num(&tr, "eps", 1e-8, &r_pos);
	t->train.weight_decay = field_opt_num(&tr, "weight_decay", 0,
					      &r_nonneg);
	read_schedule(&tr, t);
	t->train.clip_grad = field_opt_num(&tr, "clip_grad", 0, &r_nonneg);
	read_early_stopping(&tr, t);
	t->train.seed = (uint64_t)field_opt_int(&tr, "seed", 42, 0,
						9007199254740992LL);
}

void
schema_read_checkpoint(struct obj *top, struct config *t)
{
	struct obj o;

	field_obj_enter(top, "checkpoint", checkpoint_fields, &o);
	t->checkpoint.every = (int)field_opt_int(&o, "every", 10, 0, BIG);
	t->checkpoint.keep = (int)field_opt_int(&o, "keep", 3, 1, 1000);
}

void
schema_read_limits(struct obj *top, struct config *t)
{
	struct obj o;

	field_obj_enter(top, "limits", limits_fields, &o);
	t->limits.max_seconds = field_opt_num(&o, "max_seconds", 0,
					      &r_seconds);
	t->limits.max_memory_mb = field_opt_num(&o, "max_memory_mb", 0,
						&r_memory_mb);
}


/* ---- exec jobs ----------------------------------------------------- */

/* A JSON string without NUL bytes (jansson lets "\u0000" through). */
static const char *
plain_string(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strlen(s) == json_string_length(v) ? s : NULL;
}

static void
read_command(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(top, "command", path, sizeof path);
	size_t len = json_array_size(v);
	json_t *out = field_jnew(json_array());

	field_put(top->out, "command", out);
	if (!json_is_array(v) || len == 0) {
		field_bad(top->c, path, v, "must be a list of strings, the "
			  "program and its arguments, e.g. [\"python3\", "
			  "\"train.py\"]");
		return;
	}
	if (len > CONFIG_MAX_ARGS) {
		field_problem(top->c, path, "must have at most %d words, got "
			      "%zu", CONFIG_MAX_ARGS, len);
		return;
	}
	t->exec.argv = xcalloc(len + 1, sizeof *t->exec.argv);
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(v, i);
		const char *s = plain_string(e);
		char ep[PATHLEN];

		field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		if (!s) {
			field_bad(top->c, ep, e, "must be a string");
			continue;
		}
		if (i == 0 && !s[0]) {
			field_problem(top->c, ep, "must name a program, got "
				      "\"\"");
			continue;
		}
		t->exec.argv[t->exec.argc++] = xstrdup(s);
		field_append(out, json_string(s));
	}
}

static void
read_workdir(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(top, "workdir", path, sizeof path);
	const char *s = v ? plain_string(v) : ".";

	if (!s)
		field_bad(top->c, path, v, "must be a string");
	else if (strlen(s) > DATA_PATH_MAX)
		field_problem(top->c, path,
			      "must be at most %d bytes long, got %zu",
			      DATA_PATH_MAX, strlen(s));
	else if (strcmp(s, ".") != 0 && !path_is_below(s))
		field_bad(top->c, path, v, "must be \".\" (the data root) or "
			  "a relative path inside the data root");
	else
		t->exec.workdir = xstrdup(s);
	field_put(top->out, "workdir",
		  json_string(t->exec.workdir ? t->exec.workdir : "."));
}

/* An environment variable's name: [A-Za-z_][A-Za-z0-9_]*. */
static int
env_name_ok(const char *s)
{
	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static void
read_env(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(top, "env", path, sizeof path);
	json_t *out = field_jnew(json_object());
	const char *key;
	json_t *val;

	field_put(top->out, "env", out);
	if (!v)
		return;
	if (!json_is_object(v)) {
		field_bad(top->c, path, v, "must be an object of strings, "
			  "e.g. {\"CUDA_VISIBLE_DEVICES\": \"\"}");
		return;
	}
	if (json_object_size(v) > CONFIG_MAX_ENV) {
		field_problem(top->c, path, "must have at most %d entries, "
			      "got %zu", CONFIG_MAX_ENV, json_object_size(v));
		return;
	}
	t->exec.env = xcalloc(json_object_size(v) + 1, sizeof *t->exec.env);
	json_object_foreach((json_t *)v, key, val) {
		const char *s = plain_string(val);
		char ep[PATHLEN];

		field_path_printf(ep, sizeof ep, "%s.%s", path, key);
		if (!env_name_ok(key))
			field_problem(top->c, ep, "not a variable name: use "
				      "letters, digits and '_', not starting "
				      "with a digit");
		else if (strncmp(key, "SPOOLBOARD_", 11) == 0)
			field_problem(top->c, ep, "SPOOLBOARD_ variables are "
				      "set by the runner; use another name");
		else if (!s)
			field_bad(top->c, ep, val, "must be a string");
		else {
			t->exec.env[t->exec.nenv++] = xasprintf("%s=%s", key,
								s);
			field_put(out, key, json_string(s));
		}
	}
}

/*
 * Add the pattern re (compiled as p, freed here) with its stage, a pairs
 * pattern or not, to t; its named groups count toward CONFIG_MAX_GROUPS (a problem reported at
 * path). 0 or -1.
 */
static int
add_exec_metric(struct check *c, const char *path, struct pattern *p,
		int stage, int pairs, struct config *t, size_t *ngroups)
{
	struct exec_metric *e;

	if ((*ngroups += pattern_group_count(p)) > CONFIG_MAX_GROUPS) {
		field_problem(c, path, "brings the named groups of all "
			      "patterns to %zu; at most %d (each is a column "
			      "of metrics.csv)", *ngroups, CONFIG_MAX_GROUPS);
		pattern_free(p);
		return -1;
	}
	e = &t->exec.metrics[t->exec.nmetrics++];
	e->pattern = xstrdup(pattern_source(p));
	e->stage = stage;
	e->pairs = pairs;
	pattern_free(p);
	return 0;
}

/* The index of name in the NULL-terminated names; -1 when absent. */
static int
name_index(const char *const *names, const char *name)
{
	for (int i = 0; name && names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* One of metrics[] that is {"preset": NAME}: the preset's patterns. */
static void
read_exec_preset(struct check *c, const char *path, const json_t *v,
		 struct config *t, json_t *list, size_t *ngroups)
{
	static const char *const fields[] = { "preset", NULL };
	struct obj o;
	const json_t *m;
	char mp[PATHLEN], names[128];
	const struct outpreset_item *it;
	size_t n = 0;

	if (json_object_get(v, "pattern")) {
		field_problem(c, path, "has both \"preset\" and \"pattern\": "
			      "a preset stands for its own patterns; give one "
			      "item for each");
		return;
	}
	field_obj_init(&o, c, path, v, NULL, fields);
	m = field_member(&o, "preset", mp, sizeof mp);
	it = plain_string(m) ? outpreset_find(json_string_value(m), &n) : NULL;
	if (!it) {
		const char *guess = plain_string(m) ?
			field_suggest(json_string_value(m), outpreset_names) :
			NULL;

		names[0] = '\0';
		for (size_t i = 0; outpreset_names[i]; i++)
			snprintf(names + strlen(names),
				 sizeof names - strlen(names), "%s%s",
				 i ? ", " : "", outpreset_names[i]);
		if (!plain_string(m))
			field_bad(c, mp, m, "must be a preset's name: %s",
				  names);
		else if (guess)
			field_bad(c, mp, m, "unknown preset, did you mean "
				  "\"%s\"? (known: %s)", guess, names);
		else
			field_bad(c, mp, m, "unknown preset; known presets: "
				  "%s", names);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char err[256];
		struct pattern *p = pattern_new(it[i].pattern, err, sizeof err);
		json_t *out = field_jnew(json_object());
		int stage = name_index(schema_stage_names, it[i].stage);

		field_put(out, it[i].pairs ? "pairs" : "pattern",
			  json_string(it[i].pattern));
		if (stage >= 0)
			field_put(out, "stage", json_string(it[i].stage));
		field_append(list, out);
		if (!p) {	/* a bug in outpreset.c: the tests see it */
			field_problem(c, mp, "the preset's pattern %zu is not "
				      "valid: %s", i, err);
			return;
		}
		if (add_exec_metric(c, mp, p, stage, it[i].pairs, t,
				    ngroups) < 0)
			return;
	}
}

/*
 * Has p, a "pairs" pattern, the named groups key and value alone? 0 or
 * -1 with the problem reported at path.
 */
static int
check_pairs(struct check *c, const char *path, const struct pattern *p)
{
	size_t n = pattern_group_count(p);

	if (n == 2 &&
	    ((strcmp(pattern_group_name(p, 0), "key") == 0 &&
	      strcmp(pattern_group_name(p, 1), "value") == 0) ||
	     (strcmp(pattern_group_name(p, 0), "value") == 0 &&
	      strcmp(pattern_group_name(p, 1), "key") == 0)))
		return 0;
	field_problem(c, path, "must have two named groups, (?<key>...) "
		      "and (?<value>...), and no others, e.g. "
		      "\"(?<key>\\\\w+)=(?<value>\\\\S+)\"");
	return -1;
}

/* One of metrics[]: {pattern, stage}, {pairs, stage}, or {preset}. */
static void
read_exec_metric(struct check *c, const char *path, const json_t *v,
	    struct config *t, json_t *list, size_t *ngroups)
{
	struct obj o;
	const json_t *m;
	char mp[PATHLEN];
	struct pattern *p = NULL;
	char err[256];
	int stage = -1, pairs;
	const char *field;

	if (json_is_object(v) && json_object_get(v, "preset")) {
		read_exec_preset(c, path, v, t, list, ngroups);
		return;
	}
	field_obj_init(&o, c, path, v, field_jnew(json_object()),
		       metric_fields);
	field_append(list, o.out);
	if (!json_is_object(v)) {
		field_bad(c, path, v, "must be an object {\"pattern\": "
			  "PCRE2, \"stage\": NAME}, {\"pairs\": PCRE2} or "
			  "{\"preset\": NAME}");
		return;
	}
	pairs = json_object_get(v, "pairs") != NULL;
	if (pairs && json_object_get(v, "pattern")) {
		field_problem(c, path, "has both \"pattern\" and \"pairs\": "
			      "give one item for each");
		return;
	}
	field = pairs ? "pairs" : "pattern";
	m = field_member(&o, field, mp, sizeof mp);
	if (!m)
		field_problem(c, mp, "required (or a \"pairs\" or a "
			      "\"preset\")");
	else if (!plain_string(m))
		field_bad(c, mp, m, "must be a string (a PCRE2 pattern)");
	else if (!json_string_value(m)[0])
		field_problem(c, mp, "must not be empty");
	else if (!(p = pattern_new(json_string_value(m), err, sizeof err)))
		field_problem(c, mp, "not a valid PCRE2 pattern: %s", err);
	field_put(o.out, field, json_string(plain_string(m) ?
					    json_string_value(m) : ""));
	if (json_object_get(v, "stage")) {
		stage = field_opt_enum(&o, "stage", schema_stage_names, 2);
		if (stage < 0)
			goto out;
	}
	if (p && pairs && check_pairs(c, mp, p) < 0)
		goto out;
	if (p && stage < 0 && pattern_group_count(p) == 0) {
		field_problem(c, mp, "has no named group (?<name>...) and no "
			      "stage: it would do nothing; name what it "
			      "captures, e.g. \"loss (?<train_loss>\\\\S+)\"");
		goto out;
	}
	if (p) {
		add_exec_metric(c, mp, p, stage, pairs, t, ngroups);
		p = NULL;
	}
out:
	pattern_free(p);
}

/*
 * The patterns metrics (an array) stands for: an item each, a preset's
 * items for each known {"preset": NAME}.
 */
static size_t
count_exec_metrics(const json_t *v)
{
	size_t total = 0;

	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		const json_t *name = json_object_get(e, "preset");
		size_t n = 0;

		if (json_is_object(e) && json_is_string(name) &&
		    outpreset_find(json_string_value(name), &n))
			total += n;
		else
			total++;
	}
	return total;
}

static void
read_metrics(struct obj *top, struct config *t)
{
	char path[PATHLEN];
	const json_t *v = field_member(top, "metrics", path, sizeof path);
	size_t len = json_array_size(v), total;
	json_t *out = field_jnew(json_array());

	field_put(top->out, "metrics", out);
	if (!v)
		return;
	if (!json_is_array(v)) {
		field_bad(top->c, path, v, "must be a list of {\"pattern\": "
			  "PCRE2} or {\"preset\": NAME} objects");
		return;
	}
	total = count_exec_metrics(v);
	if (total > CONFIG_MAX_METRICS) {
		field_problem(top->c, path, "must have at most %d patterns "
			      "(a preset's counted one by one), got %zu",
			      CONFIG_MAX_METRICS, total);
		return;
	}
	t->exec.metrics = xcalloc(total ? total : 1, sizeof *t->exec.metrics);
	for (size_t i = 0, ngroups = 0; i < len; i++) {
		char ep[PATHLEN];

		field_path_printf(ep, sizeof ep, "%s[%zu]", path, i);
		read_exec_metric(top->c, ep, json_array_get(v, i), t, out,
				 &ngroups);
	}
}

void
schema_read_exec(struct obj *top, struct config *t)
{
	read_command(top, t);
	read_workdir(top, t);
	read_env(top, t);
	read_metrics(top, t);
}

void
schema_exec_release(struct config *t)
{
	for (size_t i = 0; i < t->exec.argc; i++)
		free(t->exec.argv[i]);
	free(t->exec.argv);
	free(t->exec.workdir);
	for (size_t i = 0; i < t->exec.nenv; i++)
		free(t->exec.env[i]);
	free(t->exec.env);
	for (size_t i = 0; i < t->exec.nmetrics; i++)
		free(t->exec.metrics[i].pattern);
	free(t->exec.metrics);
}

/* ---- names --------------------------------------------------------- */

static const char *
name_of(const char *const *names, size_t n, int i)
{
	return i >= 0 && (size_t)i < n && names[i] ? names[i] : "?";
}

const char *
model_type_name(enum model_type t)
{
	return name_of(model_names, 4, (int)t);
}

const char *
activation_name(enum activation a)
{
	return a == ACT_NONE ? "none" : name_of(act_names, 4, (int)a);
}

const char *
loss_type_name(enum loss_type t)
{
	return name_of(loss_names, 8, (int)t);
}

const char *
optim_type_name(enum optim_type t)
{
	return name_of(optim_names, 3, (int)t);
}
