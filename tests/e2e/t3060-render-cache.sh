#!/bin/sh
# The render cache (www/.spoolboard-cache): a full render takes a job
# whose spool folder and site folder are as they were at the last full
# render from the cache, without reading it again, and reads every job
# whose folders changed in any way, whose group changed, or whose place
# in the queue moved; a new build, other templates or other log
# patterns void the whole cache; a cache that is broken, cut short, a
# link, a FIFO, another user's or writable by others costs only time.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-groups.sh"

cp -r "$SRCDIR/templates" tpl
T=$PWD/tpl
render() { spoolboard render --spool spool --templates "$T" "$@"; }

# mark JOB: write a marker into the job's page in place, keeping its size,
# inode and mtime (what a render from the cache leaves as it is, and a
# render that reads the job replaces)
mark() {
	python3 - "spool/www/jobs/$1/index.html" <<-'PY'
	import os, sys
	p = sys.argv[1]
	st = os.stat(p)
	with open(p, "r+b") as f:
	    t = f.read()
	    i = t.index(b"<title>")
	    f.seek(i)
	    f.write(b"<title>MARKED!")
	os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
	PY
}
marked() { grep -q "MARKED!" "spool/www/jobs/$1/index.html"; }

test_expect_success 'setup: three finished jobs, two queued, one running' '
	mkdir -p data && cp "$SRCDIR/examples/data/housing.csv" data/ &&
	small_config >small.json &&
	for j in a b c; do
		spoolboard train small.json --out spool/jobs/$j --threads 1 \
			>/dev/null 2>&1 || return 1
	done &&
	state q1 queued 0 "first in line" &&
	state q2 queued 0 "second in line" &&
	sed "s/10:00:00Z/09:59:00Z/" spool/jobs/q1/state.json >s.tmp &&
	mv s.tmp spool/jobs/q1/state.json &&
	state r running 3 &&
	render &&
	head -1 spool/www/.spoolboard-cache | grep -q "^spoolboard render cache [0-9a-f]\{16\}$" &&
	test $(grep -c "^\([0-9a-f]\{8\} \)\{4\}{\"id\":" spool/www/.spoolboard-cache) = 6 &&
	grep -q "Place in the queue: <strong>1</strong> of 2" spool/www/jobs/q1/index.html &&
	grep -q "Place in the queue: <strong>2</strong> of 2" spool/www/jobs/q2/index.html
'

test_expect_success 'an unchanged job is taken from the cache, not read' '
	for j in a b q2 r; do mark $j || return 1; done &&
	cp spool/www/.spoolboard-cache cache1 &&
	render &&
	marked a && marked b && marked q2 && marked r &&
	test_cmp cache1 spool/www/.spoolboard-cache
'

# a job that ended less than a minute ago: the runner may still append
# its last event and log lines
test_expect_success 'a file of the job changed in place: read again' '
	grep -q "{\"id\":\"a\",\"in\":" spool/www/.spoolboard-cache &&
	echo "one more line" >>spool/jobs/a/log.txt &&
	render &&
	! marked a && marked b &&
	grep -q "one more line" spool/www/jobs/a/index.html
'

test_expect_success 'a job ended and quiet for a minute: its folder alone tells' '
	touch -d "2 minutes ago" spool/jobs/c && render &&
	grep -q "{\"id\":\"c\",\"dir\":" spool/www/.spoolboard-cache &&
	mark c && render && marked c &&
	echo "added by hand" >>spool/jobs/c/log.txt && render && marked c &&
	touch spool/jobs/c && render && ! marked c &&
	grep -q "added by hand" spool/www/jobs/c/index.html &&
	touch -d "2 minutes ago" spool/jobs/c && render && mark c &&
	sed "s/\"status\": \"completed\"/\"status\": \"queued\"/" \
		spool/jobs/c/state.json >s.tmp &&
	cp spool/jobs/c/state.json c-state && mv s.tmp spool/jobs/c/state.json &&
	render && ! marked c &&
	grep -q "Queued" spool/www/jobs/c/index.html &&
	cp c-state spool/jobs/c/state.json && render
'

test_expect_success 'a checkpoint added or removed: read again' '
	mark a && rm spool/jobs/a/checkpoints/ckpt-000001.tar.zst &&
	render &&
	! marked a && marked b &&
	! test -e spool/www/jobs/a/files/checkpoints/ckpt-000001.tar.zst
'

test_expect_success 'its page, data.json or a download gone from the site: made again' '
	rm spool/www/jobs/b/index.html && render &&
	test -s spool/www/jobs/b/index.html && mark b &&
	rm spool/www/jobs/b/data.json && render &&
	test -s spool/www/jobs/b/data.json && ! marked b && mark b &&
	rm spool/www/jobs/b/files/log.txt && render &&
	test -f spool/www/jobs/b/files/log.txt && ! marked b && mark b &&
	ck=$(ls spool/jobs/b/checkpoints | head -1) && test -n "$ck" &&
	rm spool/www/jobs/b/files/checkpoints/$ck && render &&
	test -f spool/www/jobs/b/files/checkpoints/$ck && ! marked b
'

test_expect_success 'a queued job whose place moved: its page follows' '
	mark b && mark q2 &&
	rm -r spool/jobs/q1 && render &&
	! test -e spool/www/jobs/q1 &&
	grep -q "Place in the queue: <strong>1</strong> of 1" spool/www/jobs/q2/index.html &&
	marked b
'

test_expect_success 'a group that takes the job, or is renamed: its page follows' '
	mark a && mark b &&
	put_group g1 <<-JSON &&
	{"id": "g1", "name": "first name", "file": "g1.json",
	 "created": "2026-12-03T21:00:00Z", "metric": "val_loss", "goal": "min",
	 "axes": [], "seed": 1, "n": 1, "members": [{"id": "a", "params": {}}]}
	JSON
	render &&
	grep -q "groups/g1/index.html\">first name<" spool/www/jobs/a/index.html &&
	marked b && mark a &&
	sed "s/first name/second name/" spool/groups/g1/group.json >g.tmp &&
	mv g.tmp spool/groups/g1/group.json &&
	render &&
	grep -q "groups/g1/index.html\">second name<" spool/www/jobs/a/index.html &&
	marked b
'

test_expect_success 'from the cache, group pages and jobs.csv are as from the jobs' '
	put_group g2 <<-JSON &&
	{"id": "g2", "name": "two", "file": "g2.json",
	 "created": "2026-12-03T21:00:00Z", "metric": "val_loss", "goal": "min",
	 "axes": [], "seed": 1, "n": 2,
	 "members": [{"id": "b", "params": {}}, {"id": "c", "params": {}}]}
	JSON
	render && render && mark b &&
	sed "s/\"goal\": \"min\"/\"goal\": \"max\"/" spool/groups/g2/group.json >g.tmp &&
	mv g.tmp spool/groups/g2/group.json && render && marked b &&
	grep -q "1.1" spool/www/groups/g2/index.html &&
	cp spool/www/groups/g2/index.html g2.cached &&
	cp spool/www/jobs.csv csv.cached &&
	sed "s/\"epochs\": 3, /\"epochs\": 2, \"weight_decay\": 0.001, /" small.json >wd.json &&
	spoolboard train wd.json --out spool/jobs/d --threads 1 >/dev/null 2>&1 &&
	render && marked b &&
	cp spool/www/jobs.csv csv2.cached &&
	head -1 csv2.cached | grep -q "train.weight_decay" &&
	rm spool/www/.spoolboard-cache && render && ! marked b &&
	test_cmp g2.cached spool/www/groups/g2/index.html &&
	test_cmp csv2.cached spool/www/jobs.csv
'

test_expect_success 'a site made from the cache is the one made without it' '
	rm spool/www/.spoolboard-cache && render && render &&
	render --www fresh &&
	diff -r -x .spoolboard-cache spool/www fresh
'

test_expect_success 'other templates or log patterns: every job read again' '
	mark a && mark b && render && marked a && marked b &&
	echo "<!-- changed -->" >>tpl/job.mustache && render &&
	! marked a && ! marked b && grep -q "<!-- changed -->" spool/www/jobs/b/index.html &&
	mark a && render && marked a &&
	render --log-error "nothing matches this" && ! marked a &&
	mark a && render --log-error "nothing matches this" && marked a &&
	render && ! marked a
'

test_expect_success 'another build of spoolboard: every job read again' '
	mark b && cp "$SPOOLBOARD" ./sb-copy && render && marked b &&
	./sb-copy render --spool spool --templates "$T" && ! marked b
'

test_expect_success 'a broken, cut or hostile cache costs time only' '
	render && cp -r spool/www good &&
	for how in garbage cut badrec badjson header; do
		mark a &&
		case $how in
		garbage) head -c 5000 /dev/urandom >spool/www/.spoolboard-cache ;;
		cut) head -c 3000 good/.spoolboard-cache >spool/www/.spoolboard-cache ;;
		badrec) { head -1 good/.spoolboard-cache; echo "ffffffff 00000000 {}"; } >spool/www/.spoolboard-cache ;;
		badjson) sed "2s/{\"id\"/{\"id\"[[/" good/.spoolboard-cache >spool/www/.spoolboard-cache ;;
		header) sed "1s/cache ./cache x/" good/.spoolboard-cache >spool/www/.spoolboard-cache ;;
		esac &&
		render 2>err || return 1
		{ ! marked a &&
		test_cmp good/index.html spool/www/index.html &&
		test_cmp good/jobs.json spool/www/jobs.json &&
		test_cmp good/jobs/a/index.html spool/www/jobs/a/index.html &&
		cp spool/www/.spoolboard-cache again && render &&
		test_cmp again spool/www/.spoolboard-cache &&
		! test -s err; } || { echo "case $how"; return 1; }
	done &&
	render && mark a && chmod g+w spool/www/.spoolboard-cache &&
	render && ! marked a &&
	test "$(stat -c %a spool/www/.spoolboard-cache)" = 644 &&
	mark a && render && marked a &&
	if [ "$(id -u)" = 0 ]; then
		mark a && chown nobody spool/www/.spoolboard-cache && render &&
		! marked a &&
		test "$(stat -c %U spool/www/.spoolboard-cache)" = root &&
		mark a && render && marked a || return 1
	fi &&
	mark a && ln -sf /etc/passwd spool/www/.spoolboard-cache.new &&
	mv spool/www/.spoolboard-cache.new spool/www/.spoolboard-cache &&
	render && ! test -L spool/www/.spoolboard-cache && ! marked a &&
	head -1 spool/www/.spoolboard-cache | grep -q "^spoolboard render cache" &&
	mark a && rm spool/www/.spoolboard-cache &&
	mkfifo spool/www/.spoolboard-cache &&
	timeout 20 "$SPOOLBOARD" render --spool spool --templates "$T" &&
	! test -p spool/www/.spoolboard-cache && ! marked a &&
	head -1 spool/www/.spoolboard-cache | grep -q "^spoolboard render cache"
'

test_done
