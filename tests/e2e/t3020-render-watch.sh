#!/bin/sh
# spoolboard render --watch: only what changed is rendered again; jobs come
# and go; a malformed state is skipped; SIGTERM ends it cleanly.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

# stamp FILE...: the inode and mtime of each file (a rewrite changes both).
stamp() {
	for f in "$@"; do
		stat -c '%n %i %y' "$f" || echo "$f missing"
	done
}

page_epoch() {
	grep -q "data-f=\"epoch\">$2<" "spool/www/jobs/$1/index.html"
}

alive() { kill -0 "$WPID"; }

mkdir -p spool/jobs spool/rejected &&
state a running 4 &&
state b running 5 &&
state c completed 3 || exit 1

"$SPOOLBOARD" render --watch --spool spool --templates "$T" \
	2>watch.err &
WPID=$!
trap 'kill "$WPID" 2>/dev/null; trash_remove' EXIT

test_expect_success 'the first render writes every page' '
	wait_for test -s spool/www/index.html &&
	wait_for test -s spool/www/jobs/c/data.json &&
	page_epoch a 4 && page_epoch b 5 && page_epoch c 3 &&
	alive
'

test_expect_success 'a changed state rewrites that job and the shared pages' '
	echo "<!-- not rendered again -->" >>spool/www/jobs/b/index.html &&
	stamp spool/www/jobs/b/index.html spool/www/jobs/b/data.json \
		spool/www/jobs/c/index.html spool/www/jobs/c/data.json \
		spool/www/style.css spool/www/live.js >before.txt &&
	stamp spool/www/jobs/a/index.html spool/www/jobs/a/data.json \
		spool/www/index.html spool/www/jobs.json >before-a.txt &&
	state a running 7 &&
	wait_for page_epoch a 7 &&
	wait_for json_check spool/www/jobs/a/data.json "j[\"epoch\"] == 7" &&
	wait_for grep -q "\"epoch\": *7" spool/www/jobs.json &&
	stamp spool/www/jobs/b/index.html spool/www/jobs/b/data.json \
		spool/www/jobs/c/index.html spool/www/jobs/c/data.json \
		spool/www/style.css spool/www/live.js >after.txt &&
	test_cmp before.txt after.txt &&
	grep -q "not rendered again" spool/www/jobs/b/index.html &&
	stamp spool/www/jobs/a/index.html spool/www/jobs/a/data.json \
		spool/www/index.html spool/www/jobs.json >after-a.txt &&
	! grep -Fxf before-a.txt after-a.txt
'

test_expect_success 'a new job appears' '
	state d queued 6 &&
	wait_for test -s spool/www/jobs/d/data.json &&
	wait_for grep -q "jobs/d/" spool/www/index.html &&
	page_epoch d 6
'

test_expect_success 'a removed job goes from the site' '
	rm -rf spool/jobs/b &&
	wait_for test ! -e spool/www/jobs/b &&
	wait_for sh -c "! grep -q jobs/b/ spool/www/index.html" &&
	test -s spool/www/jobs/a/index.html
'

test_expect_success 'a rejected config shows on the index' '
	echo "{}" >spool/rejected/odd.json &&
	echo "odd.json: no name" >spool/rejected/odd.error &&
	wait_for grep -q "odd.json" spool/www/index.html
'

test_expect_success 'a malformed state is warned about; the old page stays' '
	printf "{\"id\": \"c\", \"status\": " >spool/jobs/c/.bad &&
	mv spool/jobs/c/.bad spool/jobs/c/state.json &&
	wait_for grep -q "job c:" watch.err &&
	page_epoch c 3 &&
	test -s spool/www/jobs/c/data.json &&
	alive &&
	state c completed 8 &&
	wait_for page_epoch c 8
'

kill -TERM "$WPID"
wait "$WPID"
WRC=$?
test_expect_success 'SIGTERM ends the watch with exit 0' '
	test "$WRC" = 0 && ! kill -0 "$WPID"
'

test_expect_success 'render --watch needs a spool' '
	test_expect_code 1 spoolboard render --watch --spool nowhere
'

test_done
