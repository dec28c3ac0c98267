/*
 * artifacts.h - the files an exec job left in its artifacts/ folder, as
 * its page lists them and `spoolboard export` packs them (docs/exec.md).
 *
 * The folder is the command's to write, so it is walked as any spool
 * input is: no link followed (the folder itself included), only regular
 * files with name_is_safe names, at most JOB_ARTIFACTS_DEPTH levels,
 * JOB_ARTIFACTS_MAX files and JOB_ARTIFACTS_SCAN entries read in all.
 */
#ifndef SPOOLBOARD_ARTIFACTS_H
#define SPOOLBOARD_ARTIFACTS_H

#include <sys/stat.h>

#define JOB_ARTIFACTS_MAX 256	/* files listed or packed, at most */
#define JOB_ARTIFACTS_SCAN 4096	/* folder entries read, at most */
#define JOB_ARTIFACTS_DEPTH 4	/* artifacts/a/b/c/file, no deeper */

/*
 * Called for each file, in name order, folders where they sort: dir is
 * the folder it is in (open), name its name there, rel its path below
 * the job's folder ("artifacts/a/f.txt"), st its lstat. A negative
 * return stops the walk.
 */
typedef int artifacts_fn(void *ctx, int dir, const char *name,
			 const char *rel, const struct stat *st);

/*
 * Walk the artifacts/ folder of the job folder open as job, calling fn
 * for each file. 1 when files were left out (past a cap), 0 when none
 * were (or there is no artifacts/ folder), -1 when fn stopped it.
 */
int artifacts_walk(int job, artifacts_fn *fn, void *ctx);

#endif
