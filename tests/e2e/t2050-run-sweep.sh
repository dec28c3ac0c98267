#!/bin/sh
# Sweeps and presets from the command line to finished jobs: sweep
# --dry-run, validate, submit, the runner's claim into a group of member
# jobs, cancel/retry/rm of a group, and a rejected sweep.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
mkdir -p spool/presets
config spool/presets/lin.json "\"priority\": 1"

cat >grid.json <<'EOF'
{"extends": "lin.json", "name": "lr grid",
 "sweep": {"grid": {"train.lr": [0.1, 0.01, 0.001],
                    "train.batch_size": [16, 64]}}}
EOF

test_expect_success 'sweep --dry-run prints the members without submitting' '
	spoolboard sweep --spool spool --dry-run grid.json >out &&
	head -1 out | grep -q "^grid.json: ok: a sweep of 6 jobs, ranked by val_loss (lowest first)$" &&
	sed -n 2p out | grep -q "^#  train.lr  train.batch_size$" &&
	sed -n 3p out | grep -q "^1  0.1       16$" &&
	sed -n 8p out | grep -q "^6  0.001     64$" &&
	test $(wc -l <out) -eq 8 &&
	test -z "$(ls spool/incoming 2>/dev/null)"
'

test_expect_success 'validate of a sweep prints the same table' '
	spoolboard validate --spool spool grid.json >out2 && test_cmp out out2
'

test_expect_success 'a preset missing is an error naming it, beside and in presets/' '
	sed "s/lin.json/nope.json/" grid.json >missing.json &&
	test_expect_code 1 spoolboard validate --spool spool missing.json 2>err &&
	grep -q "^missing.json: extends: cannot find the preset .nope.json. (looked for .nope.json., .spool/presets/nope.json.)" err
'

test_expect_success 'an invalid member fails validate, naming it and its field' '
	cat >bad.json <<-EOF &&
	{"extends": "lin.json", "sweep": {"grid": {"train.lr": [0.1, -2]}}}
	EOF
	test_expect_code 1 spoolboard sweep --spool spool --dry-run bad.json 2>err &&
	grep -q "^bad.json: member 2 of 2 (train.lr=-2): train.lr: must be > 0, got -2$" err
'

test_expect_success 'sweep refuses a config without a sweep' '
	config one.json &&
	test_expect_code 1 spoolboard sweep --spool spool one.json 2>err &&
	grep -q "no sweep in it" err
'

test_expect_success 'a random search is the same at every expansion' '
	cat >rnd.json <<-EOF &&
	{"extends": "lin.json", "sweep": {"random": {"train.lr": {"log_uniform": [1e-4, 1e-1]}}, "n": 4, "seed": 5}}
	EOF
	spoolboard sweep --spool spool --dry-run rnd.json >r1 &&
	spoolboard sweep --spool spool --dry-run rnd.json >r2 &&
	test_cmp r1 r2 && test $(wc -l <r1) -eq 6 &&
	sed "s/\"seed\": 5/\"seed\": 6/" rnd.json >rnd6.json &&
	spoolboard sweep --spool spool --dry-run rnd6.json >r3 &&
	! cmp -s r1 r3
'

test_expect_success 'submit copies the sweep with its preset merged in' '
	spoolboard sweep --spool spool grid.json >out &&
	echo "spool/incoming/grid.json: a sweep of 6 jobs" >want &&
	test_cmp want out &&
	json_check spool/incoming/grid.json "\"extends\" not in j and j[\"priority\"] == 1 and j[\"data\"][\"path\"] == \"data/lin.csv\""
'

test_expect_success 'the runner claims the sweep as a group and runs every member' '
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	grep -q "grid: a sweep of 6 jobs queued (grid-1 to grid-6" log &&
	json_check spool/groups/grid/group.json "j[\"id\"] == \"grid\" and j[\"name\"] == \"lr grid\" and [m[\"id\"] for m in j[\"members\"]] == [\"grid-%d\" % i for i in range(1, 7)] and j[\"members\"][5][\"params\"] == {\"train.lr\": 0.001, \"train.batch_size\": 64}" &&
	test -f spool/groups/grid/submitted.json &&
	for i in 1 2 3 4 5 6; do status_is grid-$i completed || return 1; done &&
	json_check spool/jobs/grid-4/config.json "j[\"train\"][\"lr\"] == 0.01 and j[\"train\"][\"batch_size\"] == 64 and j[\"name\"] == \"lr grid [lr=0.01, batch_size=64]\" and j[\"priority\"] == 1"
'

test_expect_success 'members run in the order of the sweep' '
	python3 - <<-EOF
	import json
	s = [json.load(open("spool/jobs/grid-%d/state.json" % i))["started"] for i in range(1, 7)]
	assert s == sorted(s), s
	EOF
'

test_expect_success 'retry of the group queues every finished member' '
	spoolboard retry --spool spool grid >out &&
	grep -q "^grid: retry for 6 of 6 members$" out &&
	for i in 1 2 3 4 5 6; do status_is grid-$i queued || return 1; done
'

test_expect_success 'cancel of the group cancels what has not finished' '
	spoolboard cancel --spool spool grid-1 >/dev/null &&
	spoolboard cancel --spool spool grid >out &&
	grep -q "^grid: cancel for 5 of 6 members (1 had finished)$" out &&
	status_is grid-6 cancelled
'

test_expect_success 'rm of the group removes its members, then the group' '
	spoolboard rm --spool spool grid >out &&
	grep -q "^grid: rm for 6 of 6 members$" out &&
	grep -q "^grid: group removed$" out &&
	test ! -e spool/jobs/grid-1 && test ! -e spool/groups/grid
'

test_expect_success 'rm of a group with a runner up waits for its members' '
	spoolboard sweep --spool spool grid.json >/dev/null &&
	start_runner --once &&
	wait_until "grep -q \"runner stopped\" runner.log" 60 &&
	start_runner --slots 0 &&
	spoolboard rm --spool spool grid >out &&
	grep -q "^grid: group removed$" out && test ! -e spool/jobs/grid-6 &&
	stop_runner
'

test_expect_success 'a sweep with an invalid member is rejected whole' '
	cp bad.json spool/incoming/bad.json &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	test -f spool/rejected/bad.json &&
	grep -q "member 2 of 2 (train.lr=-2): train.lr: must be > 0" spool/rejected/bad.error &&
	test ! -e spool/groups/bad && test ! -e spool/jobs/bad-1
'

test_expect_success 'a sweep over the cap is rejected with its count' '
	python3 -c "import json; json.dump({\"data\": {\"path\": \"data/lin.csv\", \"targets\": [\"y\"]}, \"sweep\": {\"grid\": {\"train.seed\": list(range(40)), \"train.epochs\": list(range(1, 27))}}}, open(\"spool/incoming/huge.json\", \"w\"))" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	grep -q "sweep: makes 1040 jobs, more than the 1000 a sweep may have" spool/rejected/huge.error &&
	test -z "$(ls spool/groups)"
'

test_expect_success 'a group.json listing jobs of others acts on none of them' '
	config other.json && cp other.json spool/incoming/other.json &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is other completed &&
	mkdir spool/groups/evil && : >spool/groups/evil/submitted.json &&
	echo "{\"members\": [{\"id\": \"other\"}]}" >spool/groups/evil/group.json &&
	spoolboard rm --spool spool evil >out &&
	grep -q "^evil: rm for 0 of 1 members$" out &&
	test -d spool/jobs/other && test ! -e spool/groups/evil
'

test_expect_success 'a group whose member IDs are taken moves to a free ID' '
	config taken.json && mkdir -p spool/jobs/mine-1 &&
	cp spool/jobs/other/* spool/jobs/mine-1/ &&
	cat >mine.json <<-EOF &&
	{"extends": "lin.json", "sweep": {"grid": {"train.lr": [0.1, 0.01]}}}
	EOF
	spoolboard sweep --spool spool mine.json >/dev/null &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	grep -q "mine-2: a sweep of 2 jobs queued (mine-2-1 to mine-2-2" log &&
	json_check spool/jobs/mine-2-2/state.json "j[\"group\"] == \"mine-2\""
'

test_expect_success 'a long file name still gives members GID-K' '
	n=$(python3 -c "print(\"L\" * 70)") &&
	cp mine.json "spool/incoming/$n.json" &&
	cp mine.json "spool/incoming/$n-x.json" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	for g in $(ls spool/groups | grep "^LLL"); do
		test -d "spool/jobs/$g-1" && test -d "spool/jobs/$g-2" || return 1
	done &&
	test $(ls spool/groups | grep -c "^LLL") -eq 2
'

test_expect_success 'the runner reads presets only from the spool, never through a link' '
	ln -s "$PWD/spool/presets/lin.json" spool/presets/ln.json &&
	echo "{\"extends\": \"ln.json\"}" >spool/incoming/viaLink.json &&
	echo "{\"extends\": \"presets/lin.json\", \"name\": \"pre\"}" >spool/incoming/pre.json &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	grep -q "symbolic link" spool/rejected/viaLink.error &&
	status_is pre completed
'

test_done
