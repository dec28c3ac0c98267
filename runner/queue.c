/*
 * queue.c - the jobs waiting to run, in job_order_cmp's order; see queue.h.
 */
#include "runner/queue.h"
#include "lib/error.h"

#include <stdlib.h>
#include <string.h>

static long
find_index(const struct queue *q, const char *id)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->e[i].id, id) == 0)
			return (long)i;
	return -1;
}

int
queue_push(struct queue *q, const char *id, const struct job_order *order,
	   double not_before)
{
	struct queue_entry *e;
	long i = find_index(q, id);

	if (strlen(id) > JOB_ID_MAX)
		return error("job ID too long: '%.80s'", id);
	if (i >= 0) {
		e = &q->e[i];
	} else {
		if (q->n == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 64;
			q->e = xreallocarray(q->e, q->cap, sizeof(*q->e));
		}
		e = &q->e[q->n++];
		strcpy(e->id, id);
	}
	e->order = *order;
	e->not_before = not_before;
	return 0;
}

/* Does a start before b? */
static int
before(const struct queue_entry *a, const struct queue_entry *b)
{
	return job_order_cmp(&a->order, a->id, &b->order, b->id) < 0;
}

int
queue_pop(struct queue *q, double now, char *id)
{
	long best = -1;

	for (size_t i = 0; i < q->n; i++) {
		if (q->e[i].not_before > now)
			continue;
		if (best < 0 || before(&q->e[i], &q->e[best]))
			best = (long)i;
	}
	if (best < 0)
		return 0;
	strcpy(id, q->e[best].id);
	q->e[best] = q->e[--q->n];
	return 1;
}

int
queue_remove(struct queue *q, const char *id)
{
	long i = find_index(q, id);

	if (i < 0)
		return 0;
	q->e[i] = q->e[--q->n];
	return 1;
}

int
queue_has(const struct queue *q, const char *id)
{
	return find_index(q, id) >= 0;
}

double
queue_next_time(const struct queue *q, double now)
{
	double t = 0;

	for (size_t i = 0; i < q->n; i++)
		if (q->e[i].not_before > now &&
		    (t == 0 || q->e[i].not_before < t))
			t = q->e[i].not_before;
	return t;
}

size_t
queue_ready(const struct queue *q, double now)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n; i++)
		n += q->e[i].not_before <= now;
	return n;
}

long
queue_position(const struct queue *q, const char *id)
{
	long i = find_index(q, id), pos = 0;

	if (i < 0)
		return -1;
	for (size_t j = 0; j < q->n; j++)
		if ((long)j != i && before(&q->e[j], &q->e[i]))
			pos++;
	return pos;
}

void
queue_release(struct queue *q)
{
	free(q->e);
	memset(q, 0, sizeof(*q));
}
