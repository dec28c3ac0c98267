/*
 * group.h - groups of jobs (sweeps): SPOOL/groups/GID/group.json read as
 * the untrusted input it is, and the view model of a group's page.
 *
 * A sweep's runner writes group.json once, before its members' jobs: the
 * axes it varied, the metric it optimises and the members with the value
 * of each axis (docs/formats.md). The renderer joins that with what each
 * member's job folder says (runs.h's record) into the group page: progress
 * and ETA, the best member, a table of the members, their validation
 * curves overlaid, parallel coordinates and a scatter (plot.h).
 */
#ifndef SPOOLBOARD_GROUP_H
#define SPOOLBOARD_GROUP_H

#include <stddef.h>

#include "job/state.h"
#include "lib/json.h"

#define GROUP_DIR "groups"		/* in the spool */
#define GROUP_JSON JOB_GROUP		/* in SPOOL/groups/GID/ */
#define GROUP_MAX JOB_GROUP_MAX		/* a larger group.json: refused */
#define GROUP_MAX_MEMBERS 10000		/* more: left out, with a note */
#define GROUP_MAX_AXES 64		/* more: left out, with a note */
#define GROUP_COMPARE 10		/* members in the compare link */
#define GROUP_COLORS 10			/* curves with a colour of their own */
#define GROUP_CURVE_BUDGET 6000		/* points of all curves, about */

/*
 * Read SPOOL/groups/GID/group.json, groups being the path of
 * SPOOL/groups: the folder GID opened without following a link, the
 * file a regular one (no link, no FIFO) of at most GROUP_MAX bytes
 * holding a JSON object. Returns it checked and completed, a new
 * reference:
 *	{id (GID, whatever the file says), name, file, created (ISO or
 *	 null), metric, goal ("min" or "max"), axes: [{path, kind, values,
 *	 range}], seed, n, members: [{id, params}], notes: [text]}
 * where what is missing or of the wrong type takes its default (name:
 * GID; metric: val_loss; goal: min, or max for a metric named like
 * accuracy, f1, r2, diracc), a member whose ID is not a valid job ID
 * (job_id_valid) or repeats one is left out, an axis without a path is
 * left out, each param path no axis names becomes an axis, and notes
 * says what was left out or replaced. NULL with why in err when the
 * file cannot be read or is not a JSON object.
 */
json_t *group_read(const char *groups, const char *gid, char *err,
		   size_t n);

/*
 * What identifies the group.json of GID as it is now (device, inode,
 * size, modification time, without following a link) into sig; 0, or -1
 * when there is none.
 */
int group_stat(const char *groups, const char *gid, char *sig, size_t n);

/*
 * The view model of group g's page (a new reference). ents[i] is what
 * the site keeps of member i of g's members (its summary "sum" and its
 * record "rec", parsed: runs_entry_sum, runs_entry_part), or NULL when
 * the member has no job. See
 * docs/dashboard.md for its keys.
 */
json_t *group_view(const json_t *g, const json_t *const *ents);

/*
 * What the index shows of a group, from its view: {id, name, n, done,
 * metric, best (text or "-"), best_id}. A new reference.
 */
json_t *group_summary(const json_t *view);

#endif
