/*
 * ckptfile.c - write and read checkpoint files. See ckptfile.h.
 *
 * Writing builds the three safetensors members, checksums them, puts the
 * checksums into state.json and hands the four members to arc_write,
 * which replaces the file atomically. Reading unpacks the archive whole,
 * checks everything into temporary buffers and only then copies into the
 * caller's arrays, so a damaged checkpoint leaves the run untouched and
 * the caller can try an older one.
 */
#include "runner/train/ckptfile.h"
#include "lib/arc.h"
#include "lib/error.h"
#include "lib/json.h"
#include "runner/train/safetensors.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { M_MODEL, M_OPTIM, M_BEST, M_STATE, NMEMBERS };

static const char *const member_names[NMEMBERS] = {
	"model.safetensors", "optimizer.safetensors", "best.safetensors",
	"state.json"
};

uint64_t
ckptfile_fnv1a(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Put path (and a member name) before the last error's message: -1. */
static int
rewrap(const char *path, const char *member)
{
	char why[1024];

	snprintf(why, sizeof(why), "%s", error_last());
	if (member)
		return error("%s: %s: %s", path, member, why);
	return error("%s: %s", path, why);
}

static json_t *
hex_u64(uint64_t x)
{
	char buf[17];

	snprintf(buf, sizeof(buf), "%016" PRIx64, x);
	return json_string(buf);
}

/* A double as a hexadecimal string that strtod reads back exactly. */
static json_t *
hex_dbl(double x)
{
	char buf[64];

	if (isnan(x))
		return json_string("nan");
	if (isinf(x))
		return json_string(x > 0 ? "inf" : "-inf");
	snprintf(buf, sizeof(buf), "%a", x);
	return json_string(buf);
}

static json_t *
hex_dbls(const double *x, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, hex_dbl(x[i]));
	return a;
}

static json_t *
rng_json(const struct rng *r)
{
	json_t *a = json_array();

	for (int i = 0; i < 4; i++)
		json_array_append_new(a, hex_u64(r->s[i]));
	return a;
}

char *
ckptfile_weights(const struct tensor_info *ti, size_t n, const real *p,
		 const json_t *meta, size_t *len)
{
	struct st_tensor *t = xcalloc(n + 1, sizeof(*t));
	char *buf;

	for (size_t i = 0; i < n; i++) {
		t[i].name = ti[i].name;
		t[i].data = p + ti[i].offset;
		t[i].ndim = ti[i].ndim;
		memcpy(t[i].shape, ti[i].shape, sizeof(t[i].shape));
	}
	buf = safetensors_write(t, n, meta, len);
	free(t);
	return buf;
}

/* Tensors of the model's layout over the block p, for safetensors. */
static char *
weights_buf(const struct checkpoint *ck, const real *p, size_t *len)
{
	json_t *meta = json_pack("{s:s,s:s,s:s}", "format",
				 CHECKPOINT_FORMAT, "format_version", "1",
				 "config_hash", ck->config_hash);
	char *buf = ckptfile_weights(ck->tensors, ck->ntensors, p, meta, len);

	json_decref(meta);
	return buf;
}

static char *
optim_buf(const struct checkpoint *ck, size_t *len)
{
	struct st_tensor t[2];
	char step[32];
	json_t *meta;
	char *buf;
	size_t n = 0;

	memset(t, 0, sizeof(t));
	snprintf(step, sizeof(step), "%ld", ck->opt_step);
	meta = json_pack("{s:s,s:s}", "optimizer", ck->optimizer, "step",
			 step);
	t[n].name = "m";
	t[n].data = ck->m;
	t[n].ndim = 1;
	t[n++].shape[0] = (int)ck->nparams;
	if (ck->v) {
		t[n].name = "v";
		t[n].data = ck->v;
		t[n].ndim = 1;
		t[n++].shape[0] = (int)ck->nparams;
	}
	buf = safetensors_write(t, n, meta, len);
	json_decref(meta);
	return buf;
}

static json_t *
state_json(const struct checkpoint *ck, const struct arc_member *m)
{
	json_t *sum = json_pack("{s:s}", "algorithm", "fnv1a-64");

	for (int i = 0; i < M_STATE; i++)
		json_object_set_new(sum, member_names[i], hex_u64(
			ckptfile_fnv1a(m[i].data, m[i].size)));
	return json_pack("{s:s,s:i,s:s,s:i,s:I,s:I,s:o,s:o,s:o,"
			 "s:{s:o,s:i,s:i,s:b},s:o,s:o,s:{s:o,s:o},"
			 "s:{s:s,s:I},s:{s:o,s:o,s:o,s:o},s:o}",
		"format", CHECKPOINT_FORMAT,
		"format_version", CHECKPOINT_VERSION,
		"config_hash", ck->config_hash,
		"epoch", ck->epoch,
		"cursor", (json_int_t)ck->cursor,
		"step", (json_int_t)ck->step,
		"loss_sum", hex_dbl(ck->loss_sum),
		"rng_epoch", rng_json(&ck->rng_epoch),
		"rng", rng_json(&ck->rng),
		"early_stopping",
			"best_val", hex_dbl(ck->best_val),
			"best_epoch", ck->best_epoch,
			"bad_epochs", ck->bad_epochs,
			"stopped_early", ck->stopped_early,
		"val_loss", hex_dbl(ck->val_loss),
		"train_loss", hex_dbl(ck->train_loss),
		"schedule",
			"position", hex_dbl(ck->schedule_pos),
			"lr", hex_dbl(ck->lr),
		"optimizer",
			"type", ck->optimizer,
			"step", (json_int_t)ck->opt_step,
		"normalization",
			"x_mean", hex_dbls(ck->x_mean, ck->nfeat),
			"x_std", hex_dbls(ck->x_std, ck->nfeat),
			"y_mean", hex_dbls(ck->y_mean, ck->ntarg),
			"y_std", hex_dbls(ck->y_std, ck->ntarg),
		"checksum", sum);
}

int
ckptfile_write(const char *path, const struct checkpoint *ck,
	       size_t *bytes)
{
	struct arc_member m[NMEMBERS];
	json_t *state;
	int rc;

	for (int i = 0; i < NMEMBERS; i++)
		m[i].name = (char *)member_names[i];
	m[M_MODEL].data = weights_buf(ck, ck->params, &m[M_MODEL].size);
	m[M_OPTIM].data = optim_buf(ck, &m[M_OPTIM].size);
	m[M_BEST].data = weights_buf(ck, ck->best, &m[M_BEST].size);
	state = state_json(ck, m);
	m[M_STATE].data = json_to_string(state);
	m[M_STATE].size = strlen(m[M_STATE].data);
	json_decref(state);
	rc = arc_write(path, m, NMEMBERS);
	for (int i = 0; i < NMEMBERS; i++)
		free(m[i].data);
	if (rc == 0 && bytes) {
		struct stat sb;

		*bytes = stat(path, &sb) == 0 ? (size_t)sb.st_size : 0;
	}
	return rc;
}

/* Parsing state.json: each getter sets *bad on a missing or bad value. */
static double
get_dbl(json_t *o, const char *key, int *bad)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end;
	double x;

	if (!s) {
		*bad = 1;
		return 0;
	}
	x = strtod(s, &end);
	if (end == s || *end)
		*bad = 1;
	return x;
}

static long
get_int(json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		*bad = 1;
		return 0;
	}
	return (long)json_integer_value(v);
}

static int
get_u64(json_t *v, uint64_t *x)
{
	const char *s = json_string_value(v);
	char *end;

	if (!s || strlen(s) != 16)
		return -1;
	*x = strtoull(s, &end, 16);
	return *end ? -1 : 0;
}

static void
get_rng(json_t *o, const char *key, struct rng *r, int *bad)
{
	json_t *a = json_object_get(o, key);

	if (!json_is_array(a) || json_array_size(a) != 4) {
		*bad = 1;
		return;
	}
	for (int i = 0; i < 4; i++)
		if (get_u64(json_array_get(a, i), &r->s[i]) < 0)
			*bad = 1;
}

/* 1 when the stored list equals x[0..n) bit for bit. */
static int
same_dbls(json_t *a, const double *x, int n)
{
	if (!json_is_array(a) || json_array_size(a) != (size_t)n)
		return 0;
	for (int i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		char *end;
		double y;

		if (!s)
			return 0;
		y = strtod(s, &end);
		if (*end || memcmp(&y, &x[i], sizeof(y)) != 0)
			return 0;
	}
	return 1;
}

/* Copy every tensor of the model layout out of a weights member. */
static int
read_weights(const char *path, const struct arc_member *m,
	     const struct checkpoint *ck, real *dst)
{
	struct safetensors st;
	int rc = 0;

	if (safetensors_parse(&st, m->data, m->size, m->name) < 0)
		return rewrap(path, NULL);
	for (size_t i = 0; i < ck->ntensors && rc == 0; i++)
		if (safetensors_copy(&st, ck->tensors[i].name,
				     dst + ck->tensors[i].offset,
				     ck->tensors[i].count) < 0)
			rc = rewrap(path, m->name);
	safetensors_release(&st);
	return rc;
}

static int
read_optim(const char *path, const struct arc_member *m,
	   const struct checkpoint *ck, real *mm, real *vv)
{
	struct safetensors st;
	const char *type;
	int rc = 0;

	if (safetensors_parse(&st, m->data, m->size, m->name) < 0)
		return rewrap(path, NULL);
	type = safetensors_meta(&st, "optimizer");
	if (!type || strcmp(type, ck->optimizer) != 0)
		rc = error("%s: optimizer %s, this run uses %s", path,
			   type ? type : "(none)", ck->optimizer);
	else if (safetensors_copy(&st, "m", mm, ck->nparams) < 0 ||
		 (vv && safetensors_copy(&st, "v", vv, ck->nparams) < 0))
		rc = rewrap(path, m->name);
	safetensors_release(&st);
	return rc;
}

/*
 * Check state.json's identity and checksums; 0, or after error() -2 for
 * another config, -1 otherwise.
 */
static int
check_state(const char *path, json_t *s, const struct arc_member *m,
	    const struct checkpoint *ck)
{
	json_t *sum = json_object_get(s, "checksum");
	const char *fmt = json_str(s, "format", NULL);
	const char *hash = json_str(s, "config_hash", NULL);
	json_t *ver = json_object_get(s, "format_version");

	if (!fmt || strcmp(fmt, CHECKPOINT_FORMAT) != 0)
		return error("%s: not a spoolboard checkpoint (format %s)",
			     path, fmt ? fmt : "missing");
	if (!json_is_integer(ver) ||
	    json_integer_value(ver) != CHECKPOINT_VERSION)
		return error("%s: format_version %s, this spoolboard reads %d",
			     path, json_is_integer(ver) ? "is not 1" :
			     "missing", CHECKPOINT_VERSION);
	if (!hash || strcmp(hash, ck->config_hash) != 0) {
		error("%s: written for config %s, this is %s", path,
		      hash ? hash : "(none)", ck->config_hash);
		return -2;
	}
	for (int i = 0; i < M_STATE; i++) {
		uint64_t want;

		if (get_u64(json_object_get(sum, member_names[i]), &want) < 0)
			return error("%s: no checksum for %s", path,
				     member_names[i]);
		if (ckptfile_fnv1a(m[i].data, m[i].size) != want)
			return error("%s: checksum mismatch in %s", path,
				     member_names[i]);
	}
	return 0;
}

/*
 * Are the counters read into ck consistent with the run ck describes
 * (ck->epochs, ck->batches: 0 leaves that bound unchecked)? A checkpoint
 * is input like any other: an epoch past the config's would "complete"
 * the job unrun. 0, or -1 after error() naming the field.
 */
static int
check_counters(const char *path, const struct checkpoint *ck)
{
	long nb = ck->batches;

	if (nb > 0 && (ck->cursor >= nb ||
		       (ck->epochs > 0 && ck->epoch == ck->epochs &&
			ck->cursor != 0)))
		return error("%s: state.json: cursor %ld is not within "
			     "0..%ld (the batches of an epoch)", path,
			     ck->cursor, ck->epoch == ck->epochs ? 0 : nb - 1);
	if (nb > 0 && ck->epoch <= (LONG_MAX - ck->cursor) / nb) {
		long most = (long)ck->epoch * nb + ck->cursor;

		if (ck->step > most)
			return error("%s: state.json: step %ld is more than "
				     "epoch and cursor allow (%ld)", path,
				     ck->step, most);
		if (ck->opt_step > most)
			return error("%s: state.json: optimizer.step %ld is "
				     "more than epoch and cursor allow (%ld)",
				     path, ck->opt_step, most);
	}
	if (!isfinite(ck->loss_sum))
		return error("%s: state.json: loss_sum is not finite", path);
	if (!(ck->best_val == INFINITY || isfinite(ck->best_val)))
		return error("%s: state.json: early_stopping.best_val is "
			     "neither finite nor inf", path);
	if (!isfinite(ck->lr) || ck->lr < 0)
		return error("%s: state.json: schedule.lr is not a finite "
			     "number >= 0", path);
	if (!isfinite(ck->schedule_pos) || ck->schedule_pos < 0 ||
	    (ck->epochs > 0 && ck->schedule_pos > ck->epochs))
		return error("%s: state.json: schedule.position is not "
			     "within 0..%d", path, ck->epochs);
	return 0;
}

/* Fill ck's counters from state.json; 0 or -1 after error(). */
static int
read_counters(const char *path, json_t *s, struct checkpoint *ck)
{
	json_t *es = json_object_get(s, "early_stopping");
	json_t *sc = json_object_get(s, "schedule");
	json_t *op = json_object_get(s, "optimizer");
	json_t *norm = json_object_get(s, "normalization");
	json_t *stop = json_object_get(es, "stopped_early");
	long epoch, best_epoch, bad_epochs;
	int bad = 0;

	epoch = get_int(s, "epoch", &bad);
	best_epoch = get_int(es, "best_epoch", &bad);
	bad_epochs = get_int(es, "bad_epochs", &bad);
	if (!bad && (epoch < 0 || epoch > INT_MAX ||
		     (ck->epochs > 0 && epoch > ck->epochs)))
		return error("%s: state.json: epoch %ld is not within 0..%d "
			     "(the config's epochs)", path, epoch,
			     ck->epochs > 0 ? ck->epochs : INT_MAX);
	if (!bad && (best_epoch < 0 || best_epoch > epoch))
		return error("%s: state.json: early_stopping.best_epoch %ld "
			     "is not within 0..%ld (the epoch)", path,
			     best_epoch, epoch);
	if (!bad && (bad_epochs < 0 || bad_epochs > epoch))
		return error("%s: state.json: early_stopping.bad_epochs %ld "
			     "is not within 0..%ld (the epoch)", path,
			     bad_epochs, epoch);
	ck->epoch = (int)epoch;
	ck->best_epoch = (int)best_epoch;
	ck->bad_epochs = (int)bad_epochs;
	ck->cursor = get_int(s, "cursor", &bad);
	ck->step = get_int(s, "step", &bad);
	ck->loss_sum = get_dbl(s, "loss_sum", &bad);
	get_rng(s, "rng_epoch", &ck->rng_epoch, &bad);
	get_rng(s, "rng", &ck->rng, &bad);
	ck->best_val = get_dbl(es, "best_val", &bad);
	if (!json_is_boolean(stop))
		bad = 1;
	ck->stopped_early = json_is_true(stop);
	ck->val_loss = get_dbl(s, "val_loss", &bad);
	ck->train_loss = get_dbl(s, "train_loss", &bad);
	ck->schedule_pos = get_dbl(sc, "position", &bad);
	ck->lr = get_dbl(sc, "lr", &bad);
	ck->opt_step = get_int(op, "step", &bad);
	if (bad || ck->cursor < 0 || ck->step < 0 || ck->opt_step < 0)
		return error("%s: state.json has a missing or invalid field",
			     path);
	if (check_counters(path, ck) < 0)
		return -1;
	if (!same_dbls(json_object_get(norm, "x_mean"), ck->x_mean,
		       ck->nfeat) ||
	    !same_dbls(json_object_get(norm, "x_std"), ck->x_std, ck->nfeat) ||
	    !same_dbls(json_object_get(norm, "y_mean"), ck->y_mean,
		       ck->ntarg) ||
	    !same_dbls(json_object_get(norm, "y_std"), ck->y_std, ck->ntarg))
		return error("%s: normalization statistics differ from the "
			     "data's (was the data file changed?)", path);
	return 0;
}

int
ckptfile_read(const char *path, struct checkpoint *ck)
{
	struct arc_member *all = NULL;
	const struct arc_member *m[NMEMBERS];
	struct arc_member mm[NMEMBERS];
	struct checkpoint tmp = *ck;
	size_t nall = 0, n = ck->nparams;
	real *params = xcalloc(n + 1, sizeof(real));
	real *best = xcalloc(n + 1, sizeof(real));
	real *om = xcalloc(n + 1, sizeof(real));
	real *ov = ck->v ? xcalloc(n + 1, sizeof(real)) : NULL;
	json_t *state = NULL;
	char err[256];
	int rc = -1;

	if (arc_read(path, &all, &nall, ckptfile_max_bytes(ck)) < 0) {
		rewrap(path, NULL);
		goto out;
	}
	for (int i = 0; i < NMEMBERS; i++) {
		m[i] = arc_find(all, nall, member_names[i]);
		if (!m[i]) {
			error("%s: member %s is missing", path,
			      member_names[i]);
			goto out;
		}
		mm[i] = *m[i];
	}
	state = json_load_buf(member_names[M_STATE], m[M_STATE]->data,
			      m[M_STATE]->size, err, sizeof(err));
	if (!json_is_object(state)) {
		error("%s: state.json: %s", path, state ? "not an object" :
		      err);
		goto out;
	}
	rc = check_state(path, state, mm, ck);
	if (rc < 0)
		goto out;
	rc = -1;
	if (read_counters(path, state, &tmp) < 0 ||
	    read_weights(path, m[M_MODEL], ck, params) < 0 ||
	    read_weights(path, m[M_BEST], ck, best) < 0 ||
	    read_optim(path, m[M_OPTIM], ck, om, ov) < 0)
		goto out;
	/* every check passed: now the caller's run changes */
	tmp.params = ck->params;
	tmp.best = ck->best;
	tmp.m = ck->m;
	tmp.v = ck->v;
	*ck = tmp;
	memcpy(ck->params, params, n * sizeof(real));
	memcpy(ck->best, best, n * sizeof(real));
	memcpy(ck->m, om, n * sizeof(real));
	if (ck->v)
		memcpy(ck->v, ov, n * sizeof(real));
	rc = 0;
out:
	json_decref(state);
	arc_members_free(all, nall);
	free(params);
	free(best);
	free(om);
	free(ov);
	return rc;
}

size_t
ckptfile_max_bytes(const struct checkpoint *ck)
{
	size_t n = ck->nparams, slack = (size_t)1 << 20;
	size_t per_tensor = 1024, per_stat = 256;
	size_t stats = (size_t)(ck->nfeat > 0 ? ck->nfeat : 0) +
		       (size_t)(ck->ntarg > 0 ? ck->ntarg : 0);

	/* four weight arrays (params, best, m, v) of n reals */
	if (n > (SIZE_MAX / 2 - 8 * slack) / (4 * sizeof(real)))
		return SIZE_MAX / 2;
	return 4 * n * sizeof(real) + 3 * ck->ntensors * per_tensor +
	       2 * stats * per_stat + 8 * slack;
}
