/*
 * schema.h - the sections of a config (docs/config.md): which fields each
 * has, their types, ranges and defaults, and how each section is read.
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

#include "job/config.h"
#include "job/field.h"

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

#endif
