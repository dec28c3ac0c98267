#!/bin/sh
# spoolboard render --watch and groups: a change in one member renders its
# group's page again from what is kept of the others (their folders are
# not read again); a group that appears gets its page and its members the
# link, one removed takes its page along; a groups/ folder made after the
# watch began is watched too; a change in groups/ alone reads no job.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-groups.sh"

T=$SRCDIR/templates

# best_is ID: the group page's best member is ID
best_is() {
	json_check spool/www/groups/lr-sweep/data.json \
		"j[\"best\"] and j[\"best\"][\"id\"] == \"$1\""
}

make_sweep || exit 1
# lr-sweep-02's state.json becomes a hard link to a file outside the job
# folder: changed there, it changes with no event in the folder, so a
# render that read the job again would find it broken and say so
mv spool/jobs/lr-sweep-02/state.json outside-02.json &&
ln outside-02.json spool/jobs/lr-sweep-02/state.json || exit 1

"$SPOOLBOARD" render --watch --spool spool --templates "$T" 2>watch.err &
WPID=$!
trap 'kill "$WPID" 2>/dev/null; trash_remove' EXIT

test_expect_success 'the first render writes the group page' '
	wait_for test -s spool/www/groups/lr-sweep/data.json &&
	wait_for grep -q "groups/lr-sweep/index.html" \
		spool/www/jobs/lr-sweep-01/index.html &&
	! best_is lr-sweep-07
'

test_expect_success 'a member that changes renders its group page, the others are not read' '
	printf "{ broken" >outside-02.json &&
	stat -c "%i %y" spool/www/jobs/lr-sweep-01/index.html \
		spool/www/jobs/lr-sweep-02/index.html >before &&
	json_get spool/www/groups/lr-sweep/data.json \
		"[r[\"cells\"] for r in j[\"rows\"] if r[\"id\"] == \"lr-sweep-02\"]" \
		>row02.before &&
	sed "s/\"status\": \"running\"/\"status\": \"completed\"/
	     s/\"best\": null/\"best\": {\"epoch\": 1, \"val_loss\": 0.0001}/" \
		spool/jobs/lr-sweep-07/state.json >s.tmp &&
	mv s.tmp spool/jobs/lr-sweep-07/state.json &&
	wait_for best_is lr-sweep-07 &&
	json_check spool/www/groups/lr-sweep/data.json "j[\"done\"] == 7" &&
	json_get spool/www/groups/lr-sweep/data.json \
		"[r[\"cells\"] for r in j[\"rows\"] if r[\"id\"] == \"lr-sweep-02\"]" \
		>row02.after &&
	test_cmp row02.before row02.after &&
	stat -c "%i %y" spool/www/jobs/lr-sweep-01/index.html \
		spool/www/jobs/lr-sweep-02/index.html >after &&
	test_cmp before after &&
	! grep "lr-sweep-02" watch.err
'

test_expect_success 'a new group gets its page; a member it takes first links it' '
	put_group a-first <<-JSON &&
	{"name": "First", "members": [{"id": "lr-sweep-03",
	 "params": {"x": 1}}, {"id": "lr-sweep-05", "params": {"x": 2}}]}
	JSON
	wait_for test -s spool/www/groups/a-first/index.html &&
	wait_for grep -q "groups/a-first/index.html" \
		spool/www/jobs/lr-sweep-03/index.html &&
	! grep -q "groups/lr-sweep/index.html" \
		spool/www/jobs/lr-sweep-03/index.html &&
	wait_for grep -q "href=\"groups/a-first/index.html\"" \
		spool/www/index.html &&
	# jobs.json: at most 5 s after the index (watch mode defers it)
	wait_for json_check spool/www/jobs.json "([s[\"group\"][\"id\"]
		for s in j[\"jobs\"] if s[\"id\"] == \"lr-sweep-03\"] ==
		[\"a-first\"])" &&
	! grep "lr-sweep-02" watch.err
'

test_expect_success 'a group removed takes its page along; its members link back' '
	rm -r spool/groups/a-first &&
	wait_for test ! -e spool/www/groups/a-first &&
	wait_for grep -q "groups/lr-sweep/index.html" \
		spool/www/jobs/lr-sweep-03/index.html &&
	wait_for sh -c "! grep -q groups/a-first spool/www/index.html" &&
	! grep "lr-sweep-02" watch.err &&
	kill -0 "$WPID"
'

test_expect_success 'groups/ made after the watch began is watched' '
	mkdir -p two/jobs &&
	cp -r spool/jobs/lr-sweep-01 two/jobs/ &&
	"$SPOOLBOARD" render --watch --spool two --templates "$T" \
		2>two.err &
	W2=$! &&
	trap "kill $W2 2>/dev/null" EXIT &&
	wait_for test -s two/www/jobs/lr-sweep-01/index.html &&
	mkdir -p two/groups/later &&
	echo "{\"name\": \"Later\", \"members\": [{\"id\": \"lr-sweep-01\"}]}" \
		>two/groups/later/.g.tmp &&
	mv two/groups/later/.g.tmp two/groups/later/group.json &&
	wait_for test -s two/www/groups/later/index.html &&
	wait_for grep -q "groups/later/index.html" \
		two/www/jobs/lr-sweep-01/index.html &&
	kill -TERM "$W2" && wait "$W2"
'

kill -TERM "$WPID"
wait "$WPID"
WRC=$?
test_expect_success 'SIGTERM ends the watch with exit 0' '
	test "$WRC" = 0 && ! kill -0 "$WPID"
'

test_done
