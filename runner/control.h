/*
 * control.h - requests left in SPOOL/control/ for the runner.
 *
 *	control/ID.cancel        cancel the job (queued: at once; running:
 *	                         SIGTERM, it checkpoints and ends cancelled)
 *	control/ID.retry         queue a finished job again, resuming from its
 *	                         newest checkpoint; "fresh" in the file (or
 *	                         the name ID.retry-fresh) starts over
 *	control/ID.rm            remove a finished job's directory
 *
 * `touch spool/control/ID.cancel` works as well as `spoolboard cancel ID`.
 * The runner removes each file once it has acted on it; a request whose
 * ID is not valid is removed with a warning. Other names are left alone
 * (temporary files such as ID.cancel.tmp.XXXXXXXX among them, the random
 * names of file_write_temp).
 */
#ifndef SPOOLBOARD_CONTROL_H
#define SPOOLBOARD_CONTROL_H

#include <stddef.h>

#include "runner/spool.h"

enum control_action {
	CONTROL_NONE,		/* not a control file (ignored, kept) */
	CONTROL_BAD,		/* a request with an invalid ID */
	CONTROL_CANCEL,
	CONTROL_RETRY,
	CONTROL_RETRY_FRESH,
	CONTROL_RM
};

/*
 * Parse a control file's name and contents (NULL: empty). Copies the ID
 * into id (JOB_ID_MAX + 1 bytes). Names starting with '.' or '~' are
 * CONTROL_NONE (temporaries); a name without a known action or with an
 * invalid ID is CONTROL_BAD.
 */
enum control_action control_parse(const char *name, const char *content,
				  char *id);

/* The file name suffix of an action: "cancel", "retry", "rm". */
const char *control_action_name(enum control_action a);

/*
 * Write control/ID.ACTION atomically (content "fresh" for
 * CONTROL_RETRY_FRESH). 0 or -1 after error().
 */
int control_write(const struct spool *sp, const char *id,
		  enum control_action a);

/*
 * Act on a request for a job that no process is running: cancel a
 * queued job (state cancelled, event "finished"), queue a finished job
 * again (state queued, attempt + 1, event "queued"; fresh: its
 * checkpoints removed), remove a finished job. A request that does not
 * apply (cancel of a finished job, rm of a queued one, an unknown ID) is
 * reported with error() and -1. Returns 0 when done. *requeued is set to 1
 * when the job became queued (for the caller's queue).
 */
int control_apply(const struct spool *sp, const char *id,
		  enum control_action a, int *requeued);

#endif
