/*
 * outpreset.c - built-in metrics patterns for common training outputs.
 *
 * One table per preset, one pattern per metric so that each is optional
 * (a run without validation prints no val_loss). A number is written
 * NUM below: digits with a point and an exponent, as the libraries print
 * them (0.2461, 5e-05, 1.0).
 *
 * Lightning's progress bar is tqdm's, which redraws with carriage returns
 * and no newline when writing into a pipe: a "line" is then many redraws.
 * Its patterns take what follows the last '\r' ((?![^\r]*+\r): no '\r'
 * after the match), the bar as last drawn; the possessive scan keeps a
 * long line linear.
 *
 * A preset's epoch pattern comes first: the supervisor matches patterns
 * in order, and a new epoch must end the pending row before the values
 * of its line go into the next (a Trainer dict holds both).
 */
#include "job/outpreset.h"

#include <string.h>

#define NUM "[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?"
/* NUM without backtracking, for a pattern tried all along a line */
#define PNUM "[-+]?+(?:\\d++\\.?+\\d*+|\\.\\d++)(?:[eE][-+]?+\\d++)?+"
#define LAST "(?![^\\r]*+\\r)"

/* Keras fit(verbose=2): "Epoch 3/20", then "... - loss: 0.2461 - ...". */
static const struct outpreset_item keras[] = {
	{ "^Epoch (?<epoch>\\d+)/(?<epochs>\\d+)", NULL, 0 },
	{ "(?<![\\w])loss: (?<train_loss>" NUM ")", NULL, 0 },
	{ "(?<![\\w])val_loss: (?<val_loss>" NUM ")", NULL, 0 },
	{ "(?<![\\w])accuracy: (?<train_accuracy>" NUM ")", NULL, 0 },
	{ "(?<![\\w])val_accuracy: (?<val_accuracy>" NUM ")", NULL, 0 },
	{ "(?<![\\w])mae: (?<train_mae>" NUM ")", NULL, 0 },
	{ "(?<![\\w])val_mae: (?<val_mae>" NUM ")", NULL, 0 },
};

/* Lightning's bar: "Epoch 3: 100%|...| ..., train_loss=0.123, ...]". */
static const struct outpreset_item lightning[] = {
	{ "(?:^|\\r)Epoch (?<epoch>\\d+):" LAST, NULL, 0 },
	{ "(?<![\\w])train_loss=(?<train_loss>" NUM ")" LAST, NULL, 0 },
	{ "(?<![\\w])val_loss=(?<val_loss>" NUM ")" LAST, NULL, 0 },
	{ "(?<![\\w])train_acc=(?<train_acc>" NUM ")" LAST, NULL, 0 },
	{ "(?<![\\w])val_acc=(?<val_acc>" NUM ")" LAST, NULL, 0 },
};

/* Hugging Face Trainer: "{'loss': 0.1234, 'learning_rate': 5e-05, ...}". */
static const struct outpreset_item hf[] = {
	{ "['\"]epoch['\"]: (?<epoch>" NUM ")", NULL, 0 },
	{ "['\"]loss['\"]: (?<train_loss>" NUM ")", NULL, 0 },
	{ "['\"]eval_loss['\"]: (?<val_loss>" NUM ")", NULL, 0 },
	{ "['\"]learning_rate['\"]: (?<lr>" NUM ")", NULL, 0 },
};

/*
 * Plain "name=value" pairs, as many as a line has: "epoch=3 loss=0.41
 * val_loss=0.52 lr=1e-3", "step 100: loss = 0.5, acc = 0.91". A name is
 * not read inside a longer word or option ("--lr=0.1"), nor a value
 * followed by more of a word ("3x3").
 */
static const struct outpreset_item kv[] = {
	{ "(?<![A-Za-z0-9_./-])(?<key>[A-Za-z_][A-Za-z0-9_./-]*+)\\s*+=\\s*+"
	  "(?<value>" PNUM ")(?![A-Za-z0-9_.])", NULL, 1 },
};

static const struct {
	const char *name;
	const struct outpreset_item *items;
	size_t n;
} presets[] = {
	{ "keras", keras, sizeof keras / sizeof keras[0] },
	{ "lightning", lightning,
	  sizeof lightning / sizeof lightning[0] },
	{ "hf", hf, sizeof hf / sizeof hf[0] },
	{ "kv", kv, sizeof kv / sizeof kv[0] },
};

const char *const outpreset_names[] = { "keras", "lightning", "hf", "kv",
	NULL };

/* The items of the preset called name and their count; NULL: none. */
const struct outpreset_item *
outpreset_find(const char *name, size_t *n)
{
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
		if (strcmp(presets[i].name, name) == 0) {
			*n = presets[i].n;
			return presets[i].items;
		}
	}
	*n = 0;
	return NULL;
}
