#!/bin/sh
# t2040-run-queue-order: one queue order (job/state.h's job_order_cmp) for
# the runner, its recovery after a restart, `ls` and the renderer's place
# in the queue, also for jobs claimed in the same second.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
mkdir -p spool/incoming
# claimed in the order f, e, d, c, b, a (oldest mtime first), all in one
# second: the IDs sort the other way round; x has a higher priority
now=$(date +%s)
i=0
for id in f e d c b a x; do
	extra=
	[ "$id" = x ] && extra='"priority": 1'
	config "spool/incoming/$id.json" "$extra"
	touch -d "@$((now - 100 + i))" "spool/incoming/$id.json"
	i=$((i + 1))
done
want="x f e d c b a"

test_expect_success 'a runner with no slots claims and queues them' '
	spoolboard run --spool spool --slots 0 --once --no-render \
		--data-root . 2>claim.log &&
	for id in $want; do status_is $id queued || return 1; done
'

test_expect_success 'the state records the order at full precision' '
	for id in $want; do
		json_check spool/jobs/$id/state.json \
			"j[\"order\"][\"created_us\"] > 0" || return 1
	done &&
	# what the claims wrote: f was claimed before a
	a_seq=$(json_get spool/jobs/a/state.json "j[\"order\"][\"seq\"]") &&
	json_check spool/jobs/f/state.json "j[\"order\"][\"seq\"] < $a_seq"
'

test_expect_success 'ls lists them in the order they were claimed' '
	spoolboard ls --spool spool >ls.out &&
	awk "NR > 1 { printf \"%s \", \$1 } END { print \"\" }" ls.out >got &&
	echo "f e d c b a x " >expect &&
	test_cmp expect got
'

test_expect_success 'the renderer shows each queued job its place' '
	spoolboard render --spool spool 2>render.log &&
	for id in $want; do
		printf "%s %s\n" "$(json_get spool/www/jobs/$id/data.json \
			"j[\"queue_pos\"]")" $id || return 1
	done | sort -n |
		awk "{ printf \"%s \", \$2 } END { print \"\" }" >got &&
	echo "$want " >expect &&
	test_cmp expect got
'

test_expect_success 'a restarted runner starts them in that order' '
	spoolboard run --spool spool --slots 1 --once --no-render \
		--data-root . 2>run.log &&
	sed -n "s/^[^ ]* \([a-z]\): started .*/\1/p" run.log |
		awk "{ printf \"%s \", \$1 } END { print \"\" }" >got &&
	echo "$want " >expect &&
	test_cmp expect got &&
	for id in $want; do status_is $id completed || return 1; done
'

test_done
