/*
 * test-ckptfile.c - checkpoint file round trips of every field, and the
 * checks on reading: a flipped byte in a tensor member, a truncated
 * archive, another config's hash, another format version, changed
 * normalization statistics, a tensor of the wrong size. A failed read
 * must leave the caller's arrays and fields as they were.
 */
#include "lib/arc.h"
#include "runner/train/ckptfile.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "tap.h"
#include "testfiles.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NP 16

static char *dir;
static const char hash[] = "0123456789abcdef";
static struct tensor_info layout[2] = {
	{ "a.weight", 2, { 3, 4 }, 0, 12 },
	{ "a.bias", 1, { 4 }, 12, 4 },
};
static const double xm[2] = { 0.1, -3.25 }, xs[2] = { 1.5, 1e-7 };
static const double ym[1] = { 1234.5678 }, ys[1] = { 0.3 };

/* The identity part and zeroed arrays of the given storage. */
static void
ck_base(struct checkpoint *ck, real *p, real *b, real *m, real *v)
{
	memset(ck, 0, sizeof(*ck));
	ck->config_hash = hash;
	ck->tensors = layout;
	ck->ntensors = 2;
	ck->nparams = NP;
	ck->optimizer = "adam";
	ck->nfeat = 2;
	ck->ntarg = 1;
	ck->x_mean = xm;
	ck->x_std = xs;
	ck->y_mean = ym;
	ck->y_std = ys;
	ck->params = p;
	ck->best = b;
	ck->m = m;
	ck->v = v;
}

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Replace member name of the archive src by data, written to dst. */
static void
rewrite_member(const char *src, const char *dst, const char *name,
	       const void *data, size_t size)
{
	struct arc_member *m;
	size_t n;

	if (arc_read(src, &m, &n, 0) < 0) {
		diag("cannot read %s", src);
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0) {
			free(m[i].data);
			m[i].data = xmalloc(size + 1);
			memcpy(m[i].data, data, size);
			m[i].size = size;
		}
	arc_write(dst, m, n);
	arc_members_free(m, n);
}

static int
has(const char *s, const char *sub)
{
	if (strstr(s, sub))
		return 1;
	diag("message: %s", s);
	return 0;
}

int
main(void)
{
	real p[NP], b[NP], m[NP], v[NP];
	real p2[NP], b2[NP], m2[NP], v2[NP];
	struct checkpoint w, r;
	struct arc_member *am;
	size_t n, bytes = 0, len;
	char *path, *bad, *buf;
	int rc;

	error_set_quiet(1);
	dir = tf_dir();
	path = path_join(dir, "ckpt-000007.tar.zst");
	bad = path_join(dir, "bad.tar.zst");

	/* FNV-1a 64 reference values */
	ok(ckptfile_fnv1a("", 0) == 0xcbf29ce484222325ULL, "fnv1a of \"\"");
	ok(ckptfile_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL, "fnv1a of \"a\"");

	for (int i = 0; i < NP; i++) {
		p[i] = (real)(i * 0.37 - 2.1);
		b[i] = (real)(i * -0.11 + 0.5);
		m[i] = (real)(i * 1e-3);
		v[i] = (real)(i * i * 1e-6);
	}
	ck_base(&w, p, b, m, v);
	w.epoch = 7;
	w.cursor = 13;
	w.step = 713;
	w.opt_step = 712;
	w.loss_sum = 0.1 + 0.2;
	rng_seed(&w.rng_epoch, 42);
	rng_seed(&w.rng, 43);
	rng_next(&w.rng);
	w.best_val = 1.0 / 3.0;
	w.best_epoch = 5;
	w.bad_epochs = 2;
	w.stopped_early = 1;
	w.val_loss = NAN;
	w.train_loss = INFINITY;
	w.lr = 3e-4 * 0.987654321;
	w.schedule_pos = 7 + 13.0 / 20;
	ok(ckptfile_write(path, &w, &bytes) == 0, "write");
	ok(bytes > 100, "archive size reported (%zu bytes)", bytes);

	memset(p2, 0, sizeof(p2));
	memset(b2, 0, sizeof(b2));
	memset(m2, 0, sizeof(m2));
	memset(v2, 0, sizeof(v2));
	ck_base(&r, p2, b2, m2, v2);
	rc = ckptfile_read(path, &r);
	ok(rc == 0, "read back");
	if (rc)
		diag("%s", error_last());
	ok(memcmp(p, p2, sizeof(p)) == 0, "weights round trip");
	ok(memcmp(b, b2, sizeof(b)) == 0, "best weights round trip");
	ok(memcmp(m, m2, sizeof(m)) == 0, "m round trip");
	ok(memcmp(v, v2, sizeof(v)) == 0, "v round trip");
	ok(r.epoch == 7 && r.cursor == 13 && r.step == 713 &&
	   r.opt_step == 712, "epoch, cursor, step, optimizer step");
	ok(same_bits(r.loss_sum, w.loss_sum), "partial loss sum exact");
	ok(memcmp(&r.rng_epoch, &w.rng_epoch, sizeof(r.rng)) == 0 &&
	   memcmp(&r.rng, &w.rng, sizeof(r.rng)) == 0, "both rng states");
	ok(same_bits(r.best_val, w.best_val) && r.best_epoch == 5 &&
	   r.bad_epochs == 2 && r.stopped_early == 1, "early stopping");
	ok(isnan(r.val_loss) && isinf(r.train_loss) && r.train_loss > 0,
	   "NaN and Inf losses");
	ok(same_bits(r.lr, w.lr) && same_bits(r.schedule_pos,
	   w.schedule_pos), "lr and schedule position exact");
	ok(r.params == p2 && r.v == v2 && r.config_hash == hash,
	   "the caller's arrays and identity are kept");

	/* every failure below must leave r's arrays and fields alone */
	memset(p2, 0, sizeof(p2));
	r.epoch = -5;

	/* a flipped byte in the last tensor value of best.safetensors */
	arc_read(path, &am, &n, 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(am[i].name, "best.safetensors") == 0) {
			((unsigned char *)am[i].data)[am[i].size - 1] ^= 0x10;
			arc_write(bad, am, n);
		}
	arc_members_free(am, n);
	ok(ckptfile_read(bad, &r) == -1, "a flipped byte is refused");
	ok(has(error_last(), "checksum mismatch in best.safetensors") &&
	   has(error_last(), bad), "... naming the file and the member");
	ok(r.epoch == -5 && p2[3] == 0, "... and nothing is changed");

	/* truncated archive */
	buf = file_read(path, &len, 0);
	file_write_atomic(bad, buf, len / 2);
	free(buf);
	ok(ckptfile_read(bad, &r) == -1, "a truncated archive is refused");
	ok(has(error_last(), bad), "... naming the file");
	file_write_atomic(bad, "", 0);
	ok(ckptfile_read(bad, &r) == -1, "an empty file is refused");
	ok(ckptfile_read("/nonexistent/ckpt-000001.tar.zst", &r) == -1,
	   "a missing file is an error");

	/* another config */
	r.config_hash = "fedcba9876543210";
	ok(ckptfile_read(path, &r) == -2, "another config's hash: -2");
	ok(has(error_last(), "written for config 0123456789abcdef"),
	   "... saying whose");
	r.config_hash = hash;

	/* another format version, and a missing field */
	{
		struct arc_member *sm;
		size_t sn;
		const struct arc_member *st;
		json_t *j;
		char err[256], *s;

		arc_read(path, &sm, &sn, 0);
		st = arc_find(sm, sn, "state.json");
		j = json_load_buf("state.json", st->data, st->size, err,
				  sizeof(err));
		json_object_set_new(j, "format_version", json_integer(2));
		s = json_to_string(j);
		rewrite_member(path, bad, "state.json", s, strlen(s));
		free(s);
		ok(ckptfile_read(bad, &r) == -1, "format_version 2 refused");
		ok(has(error_last(), "format_version"), "... saying so");

		json_object_set_new(j, "format_version", json_integer(1));
		json_object_del(j, "rng_epoch");
		s = json_to_string(j);
		rewrite_member(path, bad, "state.json", s, strlen(s));
		free(s);
		ok(ckptfile_read(bad, &r) == -1, "a missing rng refused");
		ok(has(error_last(), "missing or invalid field"),
		   "... saying so");

		json_object_set_new(j, "format", json_string("other"));
		s = json_to_string(j);
		rewrite_member(path, bad, "state.json", s, strlen(s));
		free(s);
		ok(ckptfile_read(bad, &r) == -1, "another format refused");
		json_decref(j);
		arc_members_free(sm, sn);
	}
	ok(r.epoch == -5 && p2[3] == 0, "failed reads changed nothing");

	/* changed normalization statistics */
	{
		const double ym2[1] = { 1234.5679 };

		r.y_mean = ym2;
		ok(ckptfile_read(path, &r) == -1, "other statistics refused");
		ok(has(error_last(), "normalization statistics differ"),
		   "... saying so");
		r.y_mean = ym;
	}

	/* a layout where a tensor is larger than the one saved */
	{
		struct tensor_info big[2];
		real p3[NP + 1], b3[NP + 1], m3[NP + 1], v3[NP + 1];

		memcpy(big, layout, sizeof(big));
		big[1].count = 5;
		big[1].shape[0] = 5;
		ck_base(&r, p3, b3, m3, v3);
		r.tensors = big;
		r.nparams = NP + 1;
		ok(ckptfile_read(path, &r) == -1, "a wrong-size tensor "
		   "refused");
		ok(has(error_last(), "a.bias"), "... naming it");
		ck_base(&r, p2, b2, m2, v2);
		r.optimizer = "sgd";
		r.v = NULL;
		ok(ckptfile_read(path, &r) == -1,
		   "another optimizer refused");
	}

	/* a checkpoint's numbers are checked against the run */
	ck_base(&w, p, b, m, v);
	w.epoch = 7;
	w.cursor = 13;
	w.step = 713;
	w.opt_step = 712;
	w.best_val = INFINITY;
	w.best_epoch = 5;
	w.bad_epochs = 2;
	w.lr = 1e-3;
	w.schedule_pos = 7.13;
	ok(ckptfile_write(path, &w, NULL) == 0, "write for the counters");
	ck_base(&r, p2, b2, m2, v2);
	r.epochs = 10;
	r.batches = 100;
	ok(ckptfile_read(path, &r) == 0 && r.epoch == 7,
	   "counters within 10 epochs of 100 batches read back");
	ck_base(&r, p2, b2, m2, v2);
	r.epochs = 6;
	ok(ckptfile_read(path, &r) == -1 &&
	   has(error_last(), "state.json: epoch 7 is not within 0..6"),
	   "epoch 7 of 6 refused, naming the field");
	r.epochs = 10;
	r.batches = 13;
	ok(ckptfile_read(path, &r) == -1 &&
	   has(error_last(), "state.json: cursor 13 is not within 0..12"),
	   "cursor 13 of 13 batches refused");
	r.batches = 20;
	ok(ckptfile_read(path, &r) == -1 &&
	   has(error_last(), "state.json: step 713 is more than"),
	   "713 steps in 7 epochs of 20 batches refused");
	{
		struct arc_member *sm;
		size_t sn;
		const struct arc_member *st;
		json_t *j;
		char err[256], *s;
		size_t big = ckptfile_max_bytes(&r) + 1;
		char *zeros = xcalloc(big, 1);

		arc_read(path, &sm, &sn, 0);
		st = arc_find(sm, sn, "state.json");
		j = json_load_buf("state.json", st->data, st->size, err,
				  sizeof(err));
		json_object_set_new(j, "epoch", json_integer(1000000000));
		s = json_to_string(j);
		rewrite_member(path, bad, "state.json", s, strlen(s));
		free(s);
		r.batches = 0;
		ok(ckptfile_read(bad, &r) == -1 &&
		   has(error_last(), "epoch 1000000000 is not within 0..10"),
		   "epoch 1000000000 of 10 refused");
		json_object_set_new(j, "epoch", json_integer(7));
		json_object_set_new(j, "schedule", json_pack("{s:s,s:s}",
				    "position", "nan", "lr", "0x1p-10"));
		s = json_to_string(j);
		rewrite_member(path, bad, "state.json", s, strlen(s));
		free(s);
		ok(ckptfile_read(bad, &r) == -1 &&
		   has(error_last(), "schedule.position"),
		   "a NaN schedule position refused");
		json_decref(j);
		arc_members_free(sm, sn);

		ok(ckptfile_max_bytes(&r) < 16 << 20,
		   "the cap for %d parameters is small (%zu bytes)", NP,
		   ckptfile_max_bytes(&r));
		rewrite_member(path, bad, "model.safetensors", zeros, big);
		ok(ckptfile_read(bad, &r) == -1 &&
		   has(error_last(), "once decompressed"),
		   "a member past the cap refused before it is all read");
		free(zeros);
	}

	/* sgd: no v */
	ck_base(&w, p, b, m, NULL);
	w.optimizer = "sgd";
	ok(ckptfile_write(path, &w, NULL) == 0, "write without v");
	ck_base(&r, p2, b2, m2, NULL);
	r.optimizer = "sgd";
	ok(ckptfile_read(path, &r) == 0 &&
	   memcmp(m, m2, sizeof(m)) == 0, "read without v");

	free(path);
	free(bad);
	tf_cleanup(dir);
	return tap_done();
}
