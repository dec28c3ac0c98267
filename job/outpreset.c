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
#define LAST "(?![^\\r]*+\\r)"

/* Keras fit(verbose=2): "Epoch 3/20", then "... - loss: 0.2461 - ...". */
static const struct outpreset_item keras[] = {
	{ "^Epoch (?<epoch>\\d+)/(?<epochs>\\d+)", NULL },
	{ "(?<![\\w])loss: (?<train_loss>" NUM ")", NULL },
	{ "(?<![\\w])val_loss: (?<val_loss>" NUM ")", NULL },
	{ "(?<![\\w])accuracy: (?<train_accuracy>" NUM ")", NULL },
	{ "(?<![\\w])val_accuracy: (?<val_accuracy>" NUM ")", NULL },
	{ "(?<![\\w])mae: (?<train_mae>" NUM ")", NULL },
	{ "(?<![\\w])val_mae: (?<val_mae>" NUM ")", NULL },
};

/* Lightning's bar: "Epoch 3: 100%|...| ..., train_loss=0.123, ...]". */
static const struct outpreset_item lightning[] = {
	{ "(?:^|\\r)Epoch (?<epoch>\\d+):" LAST, NULL },
	{ "(?<![\\w])train_loss=(?<train_loss>" NUM ")" LAST, NULL },
	{ "(?<![\\w])val_loss=(?<val_loss>" NUM ")" LAST, NULL },
	{ "(?<![\\w])train_acc=(?<train_acc>" NUM ")" LAST, NULL },
	{ "(?<![\\w])val_acc=(?<val_acc>" NUM ")" LAST, NULL },
};

/* Hugging Face Trainer: "{'loss': 0.1234, 'learning_rate': 5e-05, ...}". */
static const struct outpreset_item hf[] = {
	{ "['\"]epoch['\"]: (?<epoch>" NUM ")", NULL },
	{ "['\"]loss['\"]: (?<train_loss>" NUM ")", NULL },
	{ "['\"]eval_loss['\"]: (?<val_loss>" NUM ")", NULL },
	{ "['\"]learning_rate['\"]: (?<lr>" NUM ")", NULL },
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
};

const char *const outpreset_names[] = { "keras", "lightning", "hf", NULL };

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
