/*
 * error.h - reporting errors, and allocation that cannot fail.
 *
 * Every failure is reported once, where it is detected, with error():
 * "spoolboard: what failed: why" on stderr. The most recent message is also
 * kept so that the trainer can copy it into state.json. Functions return
 * 0/-1 or pointer/NULL; only main() exits, except on out-of-memory, which
 * is reported and aborts the process (a job cannot go on without memory and
 * the runner sees the child die).
 */
#ifndef SPOOLBOARD_ERROR_H
#define SPOOLBOARD_ERROR_H

#include <stddef.h>
#include <stdnoreturn.h>

/* Print "spoolboard: MESSAGE" to stderr and remember MESSAGE. Returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "spoolboard: warning: MESSAGE" to stderr. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The message of the most recent error(), or "" when there was none. */
const char *error_last(void);

/* The last message and the quiet flag are kept per thread. */

/* Forget the last message (error_last() returns "" afterwards). */
void error_clear(void);

/*
 * When quiet, error() only records the message and prints nothing.
 * Returns the previous setting, so that quiet sections nest: a caller
 * saves it and puts it back rather than switching quiet off,
 *
 *	int q = error_set_quiet(1);
 *	...
 *	error_set_quiet(q);
 */
int error_set_quiet(int on);

/*
 * Out of memory: call the hook when one is set (with the size of the
 * request that failed, 0 when unknown), then print "spoolboard: out of
 * memory allocating N bytes" and abort. The hook may end the process
 * itself (the trainer records a failed state and exits); it is called
 * once, a second out-of-memory inside it goes straight to the abort.
 */
noreturn void die_oom(void);
noreturn void die_oom_bytes(size_t n);
void error_set_oom_hook(void (*hook)(size_t n));

/* Allocation wrappers: never return NULL (die_oom instead). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Like xrealloc for an array of n items of size bytes, checking overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* A new string formatted like printf; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
