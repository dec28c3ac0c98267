/*
 * test-queue.c - the start order: priority, then created, then arrival;
 * backoff times; removal and positions.
 */
#include "runner/queue.h"
#include "lib/error.h"
#include "tap.h"

static void
pop_is(struct queue *q, double now, const char *want)
{
	char id[SPOOL_ID_MAX + 1] = "";
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

	queue_push(&q, "a", 0, 10, 0);
	queue_push(&q, "b", 0, 11, 0);
	queue_push(&q, "c", 5, 12, 0);
	queue_push(&q, "d", 0, 10, 0);
	queue_push(&q, "e", -1, 1, 0);
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

	queue_push(&q, "late", 9, 1, 200);
	queue_push(&q, "now", 0, 50, 0);
	ok(queue_next_time(&q, 100) == 200, "next backoff time");
	pop_is(&q, 100, "now");	/* late is waiting despite priority */
	pop_is(&q, 100, NULL);
	ok(queue_next_time(&q, 100) == 200, "still waiting");
	pop_is(&q, 200, "late");
	ok(queue_next_time(&q, 100) == 0, "nothing waits");

	queue_push(&q, "x", 0, 1, 0);
	queue_push(&q, "x", 3, 1, 0);
	ok(q.n == 1, "pushing twice updates");
	ok(queue_has(&q, "x"), "x queued");
	ok(queue_remove(&q, "x") == 1, "removed");
	ok(queue_remove(&q, "x") == 0, "not twice");
	ok(!queue_has(&q, "x"), "x gone");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set_quiet(1);
	ok(queue_push(&q, big, 0, 0, 0) < 0, "too long an id refused");

	for (int i = 0; i < 1000; i++) {
		char id[16];

		snprintf(id, sizeof(id), "j%04d", i);
		queue_push(&q, id, i % 3, 1000 + i / 10, 0);
	}
	{
		char id[SPOOL_ID_MAX + 1];
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
