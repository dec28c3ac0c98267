#!/bin/sh
# The site is the renderer's own: it writes and removes only in a folder
# it marked (.spoolboard-site), refuses any other that is not empty (a
# typo like --www SPOOL must not delete the spool's jobs), and never
# writes through a symbolic link planted where a folder of the site goes,
# before a render or while it runs (a folder swapped for a link between a
# check and a write).
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

# a spool with two jobs, each with a log to download
mkdir -p empty/jobs spool/rejected &&
state a completed 3 &&
state b completed 4 &&
echo "line" >spool/jobs/a/log.txt &&
echo "line" >spool/jobs/b/log.txt

test_expect_success '--www naming the spool (a typo) is refused, nothing touched' '
	cp -R spool typo && ls -lR typo >before &&
	test_expect_code 1 spoolboard render --spool empty --www typo \
		--templates "$T" 2>err &&
	cat err &&
	grep -q "refusing to render into .typo.: it is not empty" err &&
	test -f typo/jobs/a/state.json && test -f typo/jobs/b/log.txt &&
	ls -lR typo >after && test_cmp before after
'

test_expect_success 'a folder with files of its own is refused and left alone' '
	mkdir -p home/jobs/keep && echo mine >home/notes.txt &&
	echo x >home/index.html && echo x >home/style.css &&
	test_expect_code 1 spoolboard render --spool spool --www home \
		--templates "$T" 2>err &&
	grep -q "home" err &&
	test "$(ls -A home)" = "$(printf "index.html\njobs\nnotes.txt\nstyle.css")" &&
	test -d home/jobs/keep && ! test -e home/.spoolboard-site
'

test_expect_success 'a new or empty folder is marked as a site and rendered' '
	mkdir emptydir &&
	spoolboard render --spool spool --www emptydir --templates "$T" &&
	grep -q "spoolboard site" emptydir/.spoolboard-site &&
	test -s emptydir/jobs/a/index.html &&
	spoolboard render --spool spool --templates "$T" &&
	grep -q "spoolboard site" spool/www/.spoolboard-site
'

test_expect_success 'a site of the previous version (no marker) is adopted' '
	mkdir -p old/jobs/gone old/jobs/a &&
	echo old >old/index.html && echo old >old/style.css &&
	echo old >old/jobs/gone/index.html &&
	spoolboard render --spool spool --www old --templates "$T" &&
	test -f old/.spoolboard-site && ! test -e old/jobs/gone &&
	test -s old/jobs/a/index.html && test -s old/jobs/b/data.json
'

test_expect_success 'in a marked site, files not its own at the top stay' '
	spoolboard render --spool spool --templates "$T" &&
	echo mine >spool/www/notes.txt &&
	spoolboard render --spool spool --templates "$T" &&
	test -f spool/www/notes.txt
'

test_expect_success 'a link for jobs/ID/files is replaced, nothing written through it' '
	mkdir victim1 &&
	spoolboard render --spool spool --templates "$T" &&
	rm -rf spool/www/jobs/a/files &&
	ln -s "$TRASH/victim1" spool/www/jobs/a/files &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	cat err && grep -q "warning: .*files.* symbolic link" err &&
	test "$(ls -A victim1)" = "" &&
	! test -L spool/www/jobs/a/files && test -f spool/www/jobs/a/files/log.txt
'

test_expect_success 'a link for jobs/ID is replaced, nothing written through it' '
	mkdir victim2 &&
	spoolboard render --spool spool --templates "$T" &&
	rm -rf spool/www/jobs/b &&
	ln -s "$TRASH/victim2" spool/www/jobs/b &&
	touch spool/jobs/b/state.json &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	test "$(ls -A victim2)" = "" &&
	! test -L spool/www/jobs/b && test -s spool/www/jobs/b/index.html
'

test_expect_success 'a link for jobs/ is replaced, the jobs it points to kept' '
	mkdir -p victim3/a victim3/zz && echo keep >victim3/zz/state.json &&
	spoolboard render --spool spool --templates "$T" &&
	rm -rf spool/www/jobs &&
	ln -s "$TRASH/victim3" spool/www/jobs &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	test -f victim3/zz/state.json && test "$(ls -A victim3/a)" = "" &&
	! test -L spool/www/jobs && test -s spool/www/jobs/a/index.html
'

test_expect_success 'a link for files/checkpoints: what it points to is not pruned' '
	mkdir victim4 && echo keep >victim4/ckpt-000001.tar.zst &&
	spoolboard render --spool spool --templates "$T" &&
	rm -rf spool/www/jobs/a/files/checkpoints &&
	ln -s "$TRASH/victim4" spool/www/jobs/a/files/checkpoints &&
	spoolboard render --spool spool --templates "$T" &&
	test -f victim4/ckpt-000001.tar.zst
'

test_expect_success 'a last good render that is a link out of the site is not read' '
	state c completed 5 "job c" &&
	spoolboard render --spool spool --templates "$T" &&
	sed "s/job c/SECRET outside/" spool/www/jobs/c/data.json >secret.json &&
	rm spool/www/jobs/c/data.json &&
	ln -s "$TRASH/secret.json" spool/www/jobs/c/data.json &&
	echo "[" >spool/jobs/c/state.json &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	cat err && grep -q "job c: left out" err &&
	! grep -q SECRET spool/www/index.html spool/www/jobs.json
'

# The race: a folder checked, then swapped for a link before the write. A
# swapper renames www/jobs away, puts a link to victim5 in its place and
# back, as fast as it can, while the renderer renders again and again.
test_expect_success 'a folder swapped for a link during renders: nothing written through it' '
	jobs=$(seq -f "r%02g" 1 40) &&
	for j in $jobs; do
		mkdir -p victim5/$j/files && state $j running 1 || exit 1
	done &&
	spoolboard render --spool spool --templates "$T" &&
	cat >swap.py <<-\EOF &&
	import os, sys, time
	www, victim, stop = sys.argv[1], sys.argv[2], time.time() + 60
	j = os.path.join(www, "jobs")
	while not os.path.exists("stop") and time.time() < stop:
	    for step in (lambda: os.rename(j, j + ".real"),
	                 lambda: os.symlink(victim, j),
	                 lambda: time.sleep(0.0003),
	                 lambda: os.unlink(j),
	                 lambda: os.rename(j + ".real", j),
	                 lambda: time.sleep(0.0003)):
	        try:
	            step()
	        except OSError:
	            pass
	EOF
	{ python3 swap.py spool/www "$TRASH/victim5" & } &&
	swapper=$! &&
	i=0 && while [ $i -lt 20 ]; do
		for j in $jobs; do state $j running $((i % 9 + 1)); done
		spoolboard render --spool spool --templates "$T" 2>/dev/null
		i=$((i + 1))
	done
	touch stop && wait $swapper &&
	find victim5 >found && cat found &&
	test "$(find victim5 -type f | wc -l)" -eq 0 &&
	test "$(find victim5 -type d | wc -l)" -eq 81
'

test_done
