/*
 * queue.h - the runner's queue of jobs waiting to run: priority (higher
 * first), then first in, first out.
 *
 * Each entry may carry a time before which it must not start (the backoff
 * of a retry). The queue is a plain array: it holds at most the jobs of
 * one spool and is searched linearly, which costs microseconds for
 * thousands of jobs and keeps the order easy to read.
 */
#ifndef SPOOLBOARD_QUEUE_H
#define SPOOLBOARD_QUEUE_H

#include <stddef.h>

#include "runner/spool.h"

struct queue_entry {
	char id[SPOOL_ID_MAX + 1];
	int priority;
	double created;		/* seconds since the epoch: FIFO order */
	unsigned long seq;	/* order of arrival, for equal created */
	double not_before;	/* seconds since the epoch; 0: at once */
};

struct queue {
	struct queue_entry *e;
	size_t n, cap;
	unsigned long seq;
};

#define QUEUE_INIT { NULL, 0, 0, 0 }

/*
 * Add a job (an ID already in the queue is updated, not added twice).
 * An id longer than SPOOL_ID_MAX is refused: -1 after error(), else 0.
 */
int queue_push(struct queue *q, const char *id, int priority, double created,
	       double not_before);

/*
 * Take the first job that may start at now: the highest priority, then
 * the oldest created, then the first pushed. Copies its ID into id (at
 * least SPOOL_ID_MAX + 1 bytes) and returns 1, or 0 when none is ready.
 */
int queue_pop(struct queue *q, double now, char *id);

/* Remove id; 1 when it was there, 0 otherwise. */
int queue_remove(struct queue *q, const char *id);

/* Is id queued? 1 or 0. */
int queue_has(const struct queue *q, const char *id);

/*
 * The earliest not_before after now among the waiting entries, or 0 when
 * none waits (every entry is ready, or the queue is empty).
 */
double queue_next_time(const struct queue *q, double now);

/* Place of id in the start order (0 is next), or -1 when absent. */
long queue_position(const struct queue *q, const char *id);

void queue_release(struct queue *q);

#endif
