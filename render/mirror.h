/*
 * mirror.h - copy a rendered site to a mirror with rsync, sending only
 * what changed since the last copy there.
 */
#ifndef SPOOLBOARD_MIRROR_H
#define SPOOLBOARD_MIRROR_H

/* Where a site keeps its record of each mirror (below the site). */
#define MIRROR_DIR ".spoolboard-mirror"

/*
 * Copy the site www (a folder spoolboard render made) to dest, any
 * destination rsync takes (a folder, host:path, rsync://...), with
 * rsync -a. The first copy to dest, and every one when full is 1, is a
 * full pass (rsync --delete); a later one hands rsync only the paths
 * that changed or went away since the last copy that succeeded
 * (www/MIRROR_DIR keeps a record per destination). A full pass into a
 * folder that is neither empty nor a mirror of a site is refused. The
 * nextra strings of extra are added to rsync's options (-z, --stats,
 * -e CMD); one that makes rsync copy nothing (a dry run) is refused.
 * Prints what it sent. 0, or -1 after error() (dest and the record left
 * as they were when rsync failed).
 */
int mirror_run(const char *www, const char *dest, int full,
	       char *const *extra, int nextra);

#endif
