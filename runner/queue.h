/*
 * queue.h - the runner's queue of jobs waiting to run, in the order of
 * job/state.h's job_order_cmp: priority (higher first), then first in,
 * first out.
 *
 * Each entry may carry a time before which it must not start (the backoff
 * of a retry). The queue is a plain array: it holds at most the jobs of
 * one spool and is searched linearly, which costs microseconds for
 * thousands of jobs and keeps the order easy to read.
 */
#ifndef SPOOLBOARD_QUEUE_H
#define SPOOLBOARD_QUEUE_H

#include <stddef.h>

#include "job/state.h"

struct queue_entry {
	char id[JOB_ID_MAX + 1];
	struct job_order order;
	double not_before;	/* seconds since the epoch; 0: at once */
};

struct queue {
	struct queue_entry *e;
	size_t n, cap;
};

#define QUEUE_INIT { NULL, 0, 0 }

/*
 * Add a job (an ID already in the queue is updated, not added twice).
 * An id longer than JOB_ID_MAX is refused: -1 after error(), else 0.
 */
int queue_push(struct queue *q, const char *id, const struct job_order *order,
	       double not_before);

/*
 * Take the first job in queue order that may start at now. Copies its
 * ID into id (at
 * least JOB_ID_MAX + 1 bytes) and returns 1, or 0 when none is ready.
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

/* How many entries may start at now (none waiting out a backoff). */
size_t queue_ready(const struct queue *q, double now);

/* Place of id in the start order (0 is next), or -1 when absent. */
long queue_position(const struct queue *q, const char *id);

void queue_release(struct queue *q);

#endif
