/*
 * test-config.c - the job config: the cases in tests/data/config, then
 * suggestions, the hash and the struct a valid config fills in (the
 * check of data.path is lib/path's, in test-path.c).
 *
 * Each tests/data/config/NAME.json is loaded from inside that directory
 * (so messages start with "NAME.json"). With a NAME.err beside it, the
 * problems must equal that file line for line and the count returned must
 * be its number of lines; without one, the config must be valid, its
 * completed JSON must equal NAME.out when there is one, and loading the
 * completed JSON again must give the same document and hash (config.json
 * is read back on resume).
 *
 * Run from the repository root, or give the data directory as argv[1].
 */
#include "job/config.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static char *
slurp(const char *path)
{
	char *s;
	int q;

	q = error_set_quiet(1);
	s = file_read(path, NULL, 0);
	error_set_quiet(q);
	return s;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The completed JSON of cfg loaded again must be itself. */
static void
check_round_trip(const char *name, const struct config *cfg)
{
	struct strbuf p = STRBUF_INIT;
	struct config again;
	int n;

	n = config_from_json(&again, cfg->json, "config.json", NULL, &p);
	if (!ok(n == 0, "%s: its completed config is valid", name)) {
		diag("%s", sb_str(&p));
	} else {
		ok(json_equal(again.json, cfg->json),
		   "%s: loading the completed config changes nothing", name);
		is_str(again.hash, cfg->hash, "%s: same hash after a reload",
		       name);
		config_release(&again);
	}
	sb_release(&p);
}

static void
run_case(const char *name)
{
	char *stem = xstrdup(name), *err_path, *out_path, *want_err;
	struct strbuf p = STRBUF_INIT;
	struct config cfg;
	int n;

	stem[strlen(stem) - 5] = '\0';	/* ".json" */
	err_path = xasprintf("%s.err", stem);
	out_path = xasprintf("%s.out", stem);
	want_err = slurp(err_path);
	n = config_load(&cfg, name, &p);
	if (want_err) {
		is_str(sb_str(&p), want_err, "%s: the problems reported", name);
		ok(n == count_lines(want_err), "%s: %d problems counted",
		   name, count_lines(want_err));
	} else if (ok(n == 0, "%s: valid", name)) {
		char *want_out = slurp(out_path);
		char *got = json_to_string(cfg.json);

		ok(strlen(cfg.hash) == 16 &&
		   strspn(cfg.hash, "0123456789abcdef") == 16,
		   "%s: hash is 16 lowercase hex digits", name);
		if (want_out) {
			size_t len = strlen(got);

			got = xrealloc(got, len + 2);
			got[len] = '\n';
			got[len + 1] = '\0';
			is_str(got, want_out, "%s: the completed config",
			       name);
		}
		check_round_trip(name, &cfg);
		free(want_out);
		free(got);
		config_release(&cfg);
	} else {
		diag("%s", sb_str(&p));
	}
	free(want_err);
	free(err_path);
	free(out_path);
	free(stem);
	sb_release(&p);
}

static int
is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static void
test_cases(const char *dir)
{
	struct dirent **list;
	char *cwd = getcwd(NULL, 0);
	int n;

	if (!ok(cwd && chdir(dir) == 0, "enter %s", dir))
		return;
	n = scandir(".", &list, is_case, alphasort);
	ok(n >= 40, "found %d cases", n);
	for (int i = 0; i < n; i++) {
		run_case(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	ok(chdir(cwd) == 0, "back to the start directory");
	free(cwd);
}

/* Load a config given as text; the problems into p. */
static int
load_text(struct config *cfg, const char *text, struct strbuf *p)
{
	char err[256];
	json_t *root = json_load_buf("t.json", text, strlen(text), err,
				     sizeof err);
	int n;

	if (!root) {
		sb_addf(p, "%s\n", err);
		return 1;
	}
	n = config_from_json(cfg, root, "t.json", "t", p);
	json_decref(root);
	return n;
}

static void
test_suggest(void)
{
	static const char *const train[] = { "epochs", "batch_size",
		"optimizer", "lr", "momentum", "retries", NULL };
	static const struct {
		const char *key, *want;
	} cases[] = {
		{ "epoch", "epochs" },
		{ "ephocs", "epochs" },		/* neighbours swapped */
		{ "EPOCHS", "epochs" },		/* case only */
		{ "batchsize", "batch_size" },
		{ "batch-size", "batch_size" },
		{ "optimiser", "optimizer" },
		{ "optim", "optimizer" },
		{ "retry", "retries" },
		{ "LR", "lr" },
		{ "learning_rate", NULL },
		{ "x", NULL },
		{ "speed", NULL },
		{ "", NULL },
	};

	ok(field_edit_distance("kitten", "sitting") == 3,
	   "distance kitten/sitting is 3");
	ok(field_edit_distance("", "abc") == 3, "distance from empty");
	ok(field_edit_distance("abc", "") == 3, "distance to empty");
	ok(field_edit_distance("ca", "ac") == 1, "a swap costs 1");
	ok(field_edit_distance("Epochs", "epochs") == 0,
	   "letters compare without case");
	ok(field_edit_distance("epochs", "epochs") == 0, "same is 0");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = field_suggest(cases[i].key, train);

		if (cases[i].want)
			is_str(got, cases[i].want, "suggest for '%s'",
			       cases[i].key);
		else
			ok(got == NULL, "no suggestion for '%s' (got %s)",
			   cases[i].key, got ? got : "none");
	}
}

static void
test_hash(void)
{
	static const char *a = "{\"name\": \"h\", \"data\": {\"path\": "
		"\"d.csv\", \"targets\": [\"y\"], \"split\": {\"train\": 0.8, "
		"\"val\": 0.1, \"test\": 0.1}}, \"train\": {\"lr\": 0.01, "
		"\"epochs\": 5}, \"model\": {\"type\": \"mlp\", "
		"\"hidden\": 32}}";
	/* the same config: keys in another order, other spellings */
	static const char *b = "{\"model\": {\"hidden\": [32]}, \"train\": "
		"{\"epochs\": 5.0, \"lr\": 1e-2}, \"data\": {\"split\": "
		"{\"test\": 0.1, \"val\": 0.1, \"train\": 0.8}, \"targets\": "
		"\"y\", \"path\": \"d.csv\"}, \"name\": \"h\", \"loss\": "
		"{\"type\": \"mse\"}}";
	/* one value differs */
	static const char *c = "{\"name\": \"h\", \"data\": {\"path\": "
		"\"d.csv\", \"targets\": [\"y\"], \"split\": {\"train\": 0.8, "
		"\"val\": 0.1, \"test\": 0.1}}, \"train\": {\"lr\": 0.01, "
		"\"epochs\": 6}, \"model\": {\"type\": \"mlp\", "
		"\"hidden\": 32}}";
	struct strbuf p = STRBUF_INIT;
	struct config ca, cb, cc;
	char *sa, *sb;

	if (!ok(load_text(&ca, a, &p) == 0 && load_text(&cb, b, &p) == 0 &&
		load_text(&cc, c, &p) == 0, "hash configs are valid")) {
		diag("%s", sb_str(&p));
		sb_release(&p);
		return;
	}
	is_str(ca.hash, cb.hash, "keys in another order: same hash");
	sa = json_to_string(ca.json);
	sb = json_to_string(cb.json);
	is_str(sa, sb, "keys in another order: same completed config");
	ok(strcmp(ca.hash, cc.hash) != 0, "another epochs: another hash");
	{
		/* what does not decide the weights does not change the hash */
		struct config cd;
		static const char *d = "{\"name\": \"other\", \"tags\": "
			"[\"t\"], \"priority\": 5, \"threads\": 1, "
			"\"retries\": 2, \"checkpoint\": {\"every\": 1}, "
			"\"limits\": {\"max_seconds\": 60}, \"data\": "
			"{\"path\": \"d.csv\", \"targets\": [\"y\"], "
			"\"split\": {\"train\": 0.8, \"val\": 0.1, "
			"\"test\": 0.1}}, \"train\": {\"lr\": 0.01, "
			"\"epochs\": 5}, \"model\": {\"type\": \"mlp\", "
			"\"hidden\": 32}}";

		if (ok(load_text(&cd, d, &p) == 0, "hash config d is valid")) {
			is_str(cd.hash, ca.hash, "name, tags, priority, threads, "
			       "retries, checkpoint, limits: same hash");
			config_release(&cd);
		}
	}
	/* FNV-1a 64 of the canonical form, computed here independently */
	{
		json_t *part = json_pack("{s:O,s:O,s:O,s:O}", "data",
			json_object_get(ca.json, "data"), "model",
			json_object_get(ca.json, "model"), "loss",
			json_object_get(ca.json, "loss"), "train",
			json_object_get(ca.json, "train"));
		char *canon = json_dumps(part, JSON_COMPACT |
					 JSON_SORT_KEYS |
					 JSON_REAL_PRECISION(9));

		json_decref(part);
		uint64_t h = 0xcbf29ce484222325ULL;
		char want[17];

		for (const char *q = canon; *q; q++) {
			h ^= (unsigned char)*q;
			h *= 0x100000001b3ULL;
		}
		snprintf(want, sizeof want, "%016llx", (unsigned long long)h);
		is_str(ca.hash, want, "hash is FNV-1a 64 of the canonical "
		       "form");
		free(canon);
	}
	free(sa);
	free(sb);
	config_release(&ca);
	config_release(&cb);
	config_release(&cc);
	sb_release(&p);
}

/* The values a full config puts in the struct. */
static void
test_struct(void)
{
	static const char *text = "{\"tags\": [\"a\", \"b\"], \"priority\": -3,"
		" \"threads\": 4, \"retries\": 2, \"data\": {\"path\": "
		"\"d/s.csv\", \"features\": {\"match\": \"^x\"}, \"targets\": "
		"[\"y1\", \"y2\"], \"delimiter\": \";\", \"split\": "
		"{\"train\": 0.6, \"val\": 0.2, \"test\": 0.2, "
		"\"shuffle\": true}, "
		"\"normalize\": \"none\", \"missing\": \"drop\"}, \"model\": "
		"{\"type\": \"gru\", \"hidden\": 48, \"layers\": 2, \"head\": "
		"[16, 8], \"activation\": \"tanh\", \"dropout\": 0.25}, "
		"\"loss\": {\"type\": \"quantile\", \"quantiles\": "
		"[0.05, 0.95]}, \"train\": {\"optimizer\": \"sgd\", "
		"\"momentum\": 0.5, "
		"\"nesterov\": true, \"schedule\": {\"type\": \"step\", "
		"\"step_size\": 3, \"gamma\": 0.5, \"warmup\": 2}, "
		"\"early_stopping\": false, \"seed\": 9007199254740992}, "
		"\"limits\": {\"max_seconds\": 60, \"max_memory_mb\": 512}}";
	struct strbuf p = STRBUF_INIT;
	struct config cfg;

	if (!ok(load_text(&cfg, text, &p) == 0, "struct config is valid")) {
		diag("%s", sb_str(&p));
		sb_release(&p);
		return;
	}
	is_str(cfg.name, "t", "name defaults to the given stem");
	ok(cfg.ntags == 2 && strcmp(cfg.tags[1], "b") == 0, "tags");
	ok(cfg.priority == -3 && cfg.threads == 4 && cfg.retries == 2,
	   "priority, threads, retries");
	is_str(cfg.data.path, "d/s.csv", "data.path");
	is_str(cfg.data.features.pattern, "^x", "features pattern");
	ok(cfg.data.features.nnames == 0, "no feature names");
	ok(cfg.data.targets.nnames == 2 && !cfg.data.targets.pattern &&
	   strcmp(cfg.data.targets.names[1], "y2") == 0, "target names");
	ok(cfg.data.delimiter == ';', "delimiter");
	is_near(cfg.data.split_val, 0.2, 0, "split val");
	ok(cfg.data.shuffle == 1, "shuffle");
	ok(cfg.data.normalize == NORMALIZE_NONE &&
	   cfg.data.missing == MISSING_DROP, "normalize, missing");
	ok(cfg.data.lookback == 16 && cfg.data.horizon == 1,
	   "gru gets the default window");
	ok(cfg.model.type == MODEL_GRU && cfg.model.nhidden == 1 &&
	   cfg.model.hidden[0] == 48 && cfg.model.layers == 2,
	   "gru hidden and layers");
	ok(cfg.model.nhead == 2 && cfg.model.head[0] == 16 &&
	   cfg.model.head[1] == 8, "head");
	ok(cfg.model.activation == ACT_TANH, "activation");
	is_near(cfg.model.dropout, 0.25, 0, "dropout");
	ok(cfg.loss.type == LOSS_QUANTILE && cfg.loss.nquantiles == 2,
	   "quantile loss");
	is_near(cfg.loss.quantiles[1], 0.95, 0, "second quantile");
	ok(cfg.train.optimizer == OPTIM_SGD && cfg.train.nesterov == 1,
	   "sgd with nesterov");
	is_near(cfg.train.momentum, 0.5, 0, "momentum");
	ok(cfg.train.schedule.type == SCHED_STEP &&
	   cfg.train.schedule.step_size == 3 && cfg.train.schedule.warmup == 2,
	   "step schedule");
	is_near(cfg.train.schedule.gamma, 0.5, 0, "gamma");
	ok(cfg.train.patience == 0, "early stopping off");
	ok(cfg.train.seed == 9007199254740992ULL, "seed up to 2^53");
	ok(cfg.train.epochs == 50 && cfg.train.batch_size == 64,
	   "epochs, batch_size defaults");
	is_near(cfg.train.lr, 0.001, 0, "lr default");
	ok(cfg.checkpoint.every == 10 && cfg.checkpoint.keep == 3,
	   "checkpoint defaults");
	is_near(cfg.limits.max_seconds, 60, 0, "max_seconds");
	is_near(cfg.limits.max_memory_mb, 512, 0, "max_memory_mb");
	is_str(model_type_name(cfg.model.type), "gru", "model_type_name");
	is_str(activation_name(ACT_NONE), "none", "activation_name none");
	is_str(loss_type_name(LOSS_CROSS_ENTROPY), "cross_entropy",
	       "loss_type_name");
	is_str(optim_type_name(OPTIM_ADAMW), "adamw", "optim_type_name");
	config_release(&cfg);
	ok(cfg.json == NULL && cfg.name == NULL, "release clears the struct");
	sb_release(&p);
}

/* Write a minimal valid config to dir/name and load it; its name. */
static char *
name_from_file(const char *dir, const char *name)
{
	static const char text[] = "{\"data\": {\"path\": \"x.csv\", "
		"\"targets\": \"y\"}}";
	struct strbuf p = STRBUF_INIT;
	char *path = xasprintf("%s/%s", dir, name), *got = NULL;
	struct config cfg;

	if (file_write_atomic(path, text, sizeof text - 1) == 0 &&
	    config_load(&cfg, path, &p) == 0) {
		got = xstrdup(cfg.name);
		config_release(&cfg);
	}
	unlink(path);
	free(path);
	sb_release(&p);
	return got;
}

/* The default name is the file's stem, made safe. */
static void
test_default_name(void)
{
	char dir[] = "/tmp/test-config-name.XXXXXX";
	char longname[240], *want, *got;

	if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	got = name_from_file(dir, "sales.json");
	is_str(got, "sales", "stem of sales.json");
	free(got);
	got = name_from_file(dir, "a.b.json");
	is_str(got, "a.b", "only the last extension goes");
	free(got);
	got = name_from_file(dir, "noext");
	is_str(got, "noext", "no extension");
	free(got);
	got = name_from_file(dir, ".hidden");
	is_str(got, ".hidden", "a leading dot is not an extension");
	free(got);
	got = name_from_file(dir, "tab\there\xff.json");
	is_str(got, "tab_here_", "control and invalid bytes replaced");
	free(got);
	memset(longname, 'n', 230);
	strcpy(longname + 230, ".json");
	got = name_from_file(dir, longname);
	want = xasprintf("%.200s", longname);
	is_str(got, want, "a long stem is cut to 200 characters");
	free(want);
	free(got);
	rmdir(dir);
}

/* A failing load leaves cfg alone; files that cannot be read. */
static void
test_files(void)
{
	struct strbuf p = STRBUF_INIT;
	struct config cfg, before;
	char dir[] = "/tmp/test-config.XXXXXX";
	char *big, *want;
	FILE *fp;

	memset(&cfg, 0x5a, sizeof cfg);
	memcpy(&before, &cfg, sizeof cfg);
	ok(load_text(&cfg, "{\"data\": 3}", &p) == 1 &&
	   memcmp(&cfg, &before, sizeof cfg) == 0,
	   "a failed load leaves the struct untouched");
	sb_reset(&p);

	ok(config_load(&cfg, "/nonexistent/x.json", &p) == 1, "missing file");
	is_str(sb_str(&p), "/nonexistent/x.json: cannot open: "
	       "No such file or directory\n", "missing file message");
	sb_reset(&p);

	if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	big = xasprintf("%s/big.json", dir);
	fp = fopen(big, "w");
	/* valid JSON, one byte over the limit */
	fputc('{', fp);
	for (int i = 0; i < CONFIG_MAX_BYTES - 2; i++)
		fputc(' ', fp);
	fputs("}\n", fp);
	fclose(fp);
	ok(config_load(&cfg, big, &p) == 1, "a file over the limit");
	want = xasprintf("%s: too large: a config may have at most %d bytes\n",
			 big, CONFIG_MAX_BYTES);
	is_str(sb_str(&p), want, "too large message");
	sb_reset(&p);
	free(want);
	unlink(big);

	ok(config_load(&cfg, dir, &p) == 1, "a directory");
	want = xasprintf("%s: cannot read: Is a directory\n", dir);
	is_str(sb_str(&p), want, "directory message");
	sb_reset(&p);
	free(want);
	rmdir(dir);
	free(big);
	sb_release(&p);
}

/* A config with the given model and limits sections; the problems in p. */
static int
load_sized(struct config *cfg, const char *model, const char *limits,
	   struct strbuf *p)
{
	char *text = xasprintf("{\"data\": {\"path\": \"d.csv\", \"targets\": "
			       "[\"y\"]}, \"model\": %s, \"limits\": %s}",
			       model, limits);
	int n = load_text(cfg, text, p);

	free(text);
	return n;
}

static void
test_resources(void)
{
	struct strbuf p = STRBUF_INIT;
	struct config cfg;
	double params, bytes;
	char *msg;
	int n;

	n = load_sized(&cfg, "{\"type\": \"mlp\", \"hidden\": [60000, 60000, "
		       "60000]}", "{}", &p);
	ok(n == 1, "huge hidden sizes: one problem (got %d)", n);
	ok(strstr(sb_str(&p), "t.json: model.hidden: the model needs about") !=
	   NULL, "names model.hidden and the estimate: %s", sb_str(&p));
	ok(strstr(sb_str(&p), "more than the 8192 MiB allowed") != NULL,
	   "says what is allowed");
	sb_reset(&p);

	n = load_sized(&cfg, "{\"type\": \"mlp\", \"hidden\": [60000, 60000, "
		       "60000]}", "{\"max_memory_mb\": 1e308, \"max_seconds\": "
		       "1e308}", &p);
	ok(n == 3, "huge limits do not let it in: 3 problems (got %d)", n);
	ok(strstr(sb_str(&p), "limits.max_memory_mb") != NULL &&
	   strstr(sb_str(&p), "limits.max_seconds") != NULL,
	   "both limits named: %s", sb_str(&p));
	sb_reset(&p);

	n = load_sized(&cfg, "{\"type\": \"mlp\", \"hidden\": [64, 64]}",
		       "{\"max_memory_mb\": 1048576, \"max_seconds\": "
		       "31536000}", &p);
	ok(n == 0, "1 TiB and a year are accepted: %s", sb_str(&p));
	if (n == 0) {
		bytes = config_model_bytes(&cfg, 10, 1, 64, &params);
		is_near(params, 11 * 64 + 65 * 64 + 65, 0,
			"mlp parameters as the model counts them");
		ok(bytes >= params * 5 * 4, "bytes cover weights, grads, "
		   "moments and the best copy");
		ok(bytes >= params * 6 * 4, "and the gradients of both "
		   "chunks of 64 samples");
		ok(config_model_bytes(&cfg, 10, 1, 512, NULL) >=
		   params * 20 * 4, "and of the 16 chunks of 512 samples");
		ok(config_memory_cap(&cfg) == 1048576.0 * 1048576.0,
		   "the cap is limits.max_memory_mb");
		msg = config_model_too_big(&cfg, 1e6, 1, 64);
		ok(msg == NULL, "a million features fit in 1 TiB");
		free(msg);
		config_release(&cfg);
	}
	sb_reset(&p);

	n = load_sized(&cfg, "{\"type\": \"lstm\", \"hidden\": 32, \"layers\": "
		       "2}", "{\"max_memory_mb\": 10}", &p);
	ok(n == 0, "a small lstm passes: %s", sb_str(&p));
	if (n == 0) {
		config_model_bytes(&cfg, 3, 1, 64, &params);
		is_near(params, (3 + 32 + 1) * 128 + (32 + 32 + 1) * 128 + 33,
			0, "lstm parameters as the model counts them");
		msg = config_model_too_big(&cfg, 100000, 1, 64);
		ok(msg && strstr(msg, "100000 inputs") &&
		   strstr(msg, "10 MiB allowed (limits.max_memory_mb)"),
		   "too big for its data: %s", msg ? msg : "(null)");
		free(msg);
		config_release(&cfg);
	}
	sb_release(&p);
}

/* A completed config over the cap a config.json is read back with. */
static void
test_completed_size(void)
{
	struct strbuf text = STRBUF_INIT, p = STRBUF_INIT;
	struct config cfg;

	sb_addf(&text, "{\"data\": {\"path\": \"d.csv\", \"targets\": "
		"[\"y\"], \"features\": [");
	for (int i = 0; i < 60000; i++)
		sb_addf(&text, "%s\"c%07d\"", i ? "," : "", i);
	sb_addf(&text, "]}}");
	ok(text.len < CONFIG_MAX_BYTES, "a config of %zu bytes", text.len);
	ok(load_text(&cfg, text.buf, &p) == 1 &&
	   strstr(sb_str(&p), "t.json: the completed config would be "),
	   "whose completed form is over the cap is refused");
	sb_release(&text);
	sb_release(&p);
}

int
main(int argc, char **argv)
{
	test_cases(argc > 1 ? argv[1] : "tests/data/config");
	test_suggest();
	test_hash();
	test_struct();
	test_default_name();
	test_files();
	test_resources();
	test_completed_size();
	return tap_done();
}
