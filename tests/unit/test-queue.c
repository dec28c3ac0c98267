/*
 * test-queue.c - the start order: priority, then created, then arrival;
 * backoff times; removal and positions.
 */
#include "runner/queue.h"
#include "lib/error.h"
#include "tap.h"

/* Push with the claims' arrival numbers in push order. */
static int
push(struct queue *q, const char *id, int prio, double created,
     double not_before)
{
	static long long seq;
	struct job_order o = { prio, (long long)(created * 1e6), ++seq };

	return queue_push(q, id, &o, not_before);
}

static void
pop_is(struct queue *q, double now, const char *want)
{
	char id[JOB_ID_MAX + 1] = "";
	int got = queue_pop(q, now, id);

	if (want)
		is_str(got ? id : "(none)", want, "pop gives %s", want);
	else
		ok(!got, "nothing ready (got '%s')", id);
}

int
main(void)
{
	struct queue q = QUEUE_INIT;
	char big[100];

	push(&q, "a", 0, 10, 0);
	push(&q, "b", 0, 11, 0);
	push(&q, "c", 5, 12, 0);
	push(&q, "d", 0, 10, 0);
	push(&q, "e", -1, 1, 0);
	ok(q.n == 5, "five queued");
	ok(queue_position(&q, "c") == 0, "c is next");
	ok(queue_position(&q, "e") == 4, "e is last");
	ok(queue_position(&q, "zz") == -1, "absent has no place");
	pop_is(&q, 100, "c");	/* highest priority */
	pop_is(&q, 100, "a");	/* oldest */
	pop_is(&q, 100, "d");	/* same created: first pushed */
	pop_is(&q, 100, "b");
	pop_is(&q, 100, "e");	/* lower priority last, however old */
	pop_is(&q, 100, NULL);

	push(&q, "late", 9, 1, 200);
	push(&q, "now", 0, 50, 0);
	ok(queue_next_time(&q, 100) == 200, "next backoff time");
	ok(queue_ready(&q, 100) == 1, "one of two may start now");
	ok(queue_ready(&q, 200) == 2, "both when the backoff is over");
	pop_is(&q, 100, "now");	/* late is waiting despite priority */
	pop_is(&q, 100, NULL);
	ok(queue_next_time(&q, 100) == 200, "still waiting");
	pop_is(&q, 200, "late");
	ok(queue_next_time(&q, 100) == 0, "nothing waits");

	push(&q, "x", 0, 1, 0);
	push(&q, "x", 3, 1, 0);
	ok(q.n == 1, "pushing twice updates");
	ok(queue_has(&q, "x"), "x queued");
	ok(queue_remove(&q, "x") == 1, "removed");
	ok(queue_remove(&q, "x") == 0, "not twice");
	ok(!queue_has(&q, "x"), "x gone");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set_quiet(1);
	ok(push(&q, big, 0, 0, 0) < 0, "too long an id refused");

	for (int i = 0; i < 1000; i++) {
		char id[16];

		snprintf(id, sizeof(id), "j%04d", i);
		push(&q, id, i % 3, 1000 + i / 10, 0);
	}
	{
		char id[JOB_ID_MAX + 1];
		int prev_prio = 9, prev_n = -1, fine = 1, n = 0;

		while (queue_pop(&q, 1e9, id)) {
			int k = atoi(id + 1), p = k % 3;

			if (p > prev_prio || (p == prev_prio && k < prev_n))
				fine = 0;
			prev_prio = p;
			prev_n = k;
			n++;
		}
		ok(fine && n == 1000, "1000 jobs in priority, FIFO order");
	}
	queue_release(&q);
	return tap_done();
}
