/*
 * preset.h - "extends": a config built on another config file.
 *
 * A config may say "extends": "presets/lstm-small.json"; that file (a
 * preset, itself a config that may extend another) is read and the config
 * is deep-merged over it: objects merge member by member, any other value
 * (a number, a string, a list) replaces the preset's. The chain is at
 * most PRESET_DEPTH files long, and a file met twice is a cycle; both are
 * errors that name the chain. Whatever reads a config calls
 * preset_resolve first, so `train`, `validate`, `submit` and the runner's
 * claim all see the same merged document.
 *
 * A preset is looked for relative to the folder of the file that names
 * it, then in the spool's presets/ folder (where a name starting with
 * "presets/" means the same file without that prefix). The runner reads
 * presets confined: only below SPOOL/presets (never beside a config in
 * incoming/, where anyone may drop a file for another's config to
 * extend), no symbolic link anywhere on the way, no "..", regular files
 * only, no FIFO waited on, at most CONFIG_MAX_BYTES in all. A user's own
 * command (validate, submit, train) reads their files as any program
 * would.
 */
#ifndef SPOOLBOARD_PRESET_H
#define SPOOLBOARD_PRESET_H

#include "lib/json.h"
#include "lib/strbuf.h"

#define PRESET_DEPTH 16		/* presets on one chain, at most */
#define PRESET_DEPTH_TEXT "16"

/* Where presets are looked for, and how. */
struct preset_opts {
	const char *presets;	/* SPOOL/presets, or NULL: none */
	const char *presets_shown;	/* its name in messages ("presets") */
	int confined;		/* the runner's way (see above) */
};

/*
 * The document root of the config file path (its name in messages is
 * shown; its folder is where relative names start; confined: path is
 * "incoming/NAME" below o->presets' parent... see preset.c) with its
 * "extends" chain merged in and every "extends" member removed: a new
 * reference. root itself is borrowed and left as it is. NULL when a
 * preset is missing, unreadable, not JSON, not an object, or the chain
 * is a cycle or too long: one line per problem appended to problems,
 * "SHOWN: extends: ...". o NULL: no presets folder, not confined.
 */
json_t *preset_resolve(const json_t *root, const char *path,
		       const char *shown, const struct preset_opts *o,
		       struct strbuf *problems);

/*
 * Merge over into base (borrowed; changed in place): objects member by
 * member, recursively; any other value of over replaces base's (a deep
 * copy).
 */
void preset_merge(json_t *base, const json_t *over);

#endif
