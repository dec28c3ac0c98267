#!/bin/sh
# The index in headless Chromium: it follows jobs.json without a reload
# (a job added, one removed, a status changed: counts and rows, the
# filter, sort and ticked boxes kept; each row made from jobs.json the
# same as the renderer's), the count cards filter (by click and by the
# keyboard), the empty states (no jobs yet; no match, with "Clear
# filters"), a running job's duration counts up each second on the index
# and its page, and at 390 px no page kind scrolls sideways and the index
# shows cards. A spool of 230 jobs, over http and file://: once the
# shards are loaded the search finds a job that is not among the newest
# 100, each column sorts every job (both ways, and from the hash), each
# status filter and count covers every job; without a script every job
# is reachable by links through the pages; the "Sort by" chips at 390 px
# show where they sort (the index with a script) and only there.
# Screenshots in $BUILD/test-artifacts/t3110-browser-index/.
# Skipped when no chromium is installed (scripts/deps.sh installs it).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-groups.sh"

T=$SRCDIR/templates
ART=$BUILD/test-artifacts/$TEST_NAME

find_chromium

# ago SECONDS: the ISO time that many seconds ago
ago() {
	date -u -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%SZ
}

# tstate JOB STATUS EPOCH SECONDS_AGO [NAME]: state's job, started that
# many seconds ago and last updated a minute after it started
tstate() {
	state "$1" "$2" "$3" "${5:-}" &&
	sed -e "s/\"created\": \"[^\"]*\"/\"created\": \"$(ago $(($4 + 5)))\"/" \
	    -e "s/\"started\": \"[^\"]*\"/\"started\": \"$(ago $4)\"/" \
	    -e "s/\"updated\": \"[^\"]*\"/\"updated\": \"$(ago $(($4 - 60)))\"/" \
		"spool/jobs/$1/state.json" >s.tmp &&
	mv s.tmp "spool/jobs/$1/state.json"
}

test_expect_success 'three spools render: a few jobs, a sweep, none' '
	mkdir live sweep empty &&
	(cd live && mkdir -p spool/rejected &&
	 tstate run running 4 130 &&
	 state wait queued 0 &&
	 state done completed 9 "a <b> & '\''x'\''" &&
	 state bad failed 1 &&
	 state stop cancelled 2 &&
	 put_group g1 <<-\JSON &&
	{"id": "g1", "name": "group <one>", "metric": "val_loss", "goal": "min",
	 "axes": [], "n": 1, "members": [{"id": "done", "params": {}}]}
	JSON
	 spoolboard render --spool spool --templates "$T") &&
	(cd sweep && make_sweep &&
	 state bad failed 1 \
		"a_job_name_with_no_space_in_it_that_is_longer_than_a_phone" &&
	 sed "s/\"error\": null/\"error\": {\"message\": \"loss is NaN at epoch 1\", \"stage\": \"train\", \"hint\": \"lower train.lr or set train.clip_grad\"}/" \
		spool/jobs/bad/state.json >s.tmp &&
	 mv s.tmp spool/jobs/bad/state.json &&
	 spoolboard render --spool spool --templates "$T") &&
	(cd empty && mkdir -p spool/jobs spool/rejected &&
	 spoolboard render --spool spool --templates "$T") &&
	grep -q "No jobs yet" empty/spool/www/index.html &&
	grep -q "spoolboard submit" empty/spool/www/index.html
'

# mkmany.py N: N jobs m000.. in ./spool, created a minute apart (m000 the
# oldest), the statuses, names, progress, best val_loss (none for every
# fourth), tags, starts and durations mixed so that no column sorts as
# the creation order does; m007, far from the newest 100, is the only
# "needle"
cat >mkmany.py <<'PY'
import json, os, sys
n = int(sys.argv[1])
for i in range(n):
    d = "spool/jobs/m%03d" % i
    os.makedirs(d, exist_ok=True)
    def at(s):
        s += i * 60
        return "2026-11-%02dT%02d:%02d:%02dZ" % (1 + s // 86400,
            s // 3600 % 24, s // 60 % 60, s % 60)
    st = ("failed" if i % 23 == 0 else "queued" if i % 7 == 0 else
          "cancelled" if i % 11 == 0 else "running" if i % 5 == 0 else
          "completed")
    ep = i * 37 % 11
    best = None if i % 4 == 0 else {"epoch": 1,
                                     "val_loss": 0.01 + i * 53 % 230 / 100}
    s = {"id": "m%03d" % i,
         "name": "needle in the pages" if i == 7 else "run %03d" % (i * 97 % n),
         "tags": ["t%d" % (i % 3)] + (["rare"] if i % 50 == 3 else []),
         "status": st, "stage": "train", "progress": ep / 10,
         "epoch": ep, "epochs": 10, "train_loss": 0.5, "val_loss": 0.6,
         "best": best, "metrics": {}, "stages": [],
         "created": at(0), "started": None if st == "queued" else at(30),
         "updated": at(30 + i * 13 % 300),
         "ended": None if st in ("queued", "running") else
             at(30 + i * 13 % 300),
         "checkpoints": [], "error": None}
    with open(d + "/.s.tmp", "w") as f:
        json.dump(s, f)
    os.rename(d + "/.s.tmp", d + "/state.json")
PY

test_expect_success 'a fourth spool renders: 230 jobs, three pages' '
	mkdir many &&
	(cd many && python3 ../mkmany.py 230 &&
	 spoolboard render --spool spool --templates "$T") &&
	test $(grep -c "<tr data-status" many/spool/www/index.html) = 100 &&
	! grep -q "needle" many/spool/www/index.html &&
	test -f many/spool/www/index/3.html
'

chromium_or_skip

# change.sh: two jobs come (one tagged "other", which the filter hides),
# a cancelled one is removed, the queued one starts; the site renders.
cat >change.sh <<EOF
cd "$TRASH/live" &&
. "$SRCDIR/tests/e2e/lib-render.sh" &&
state new1 running 3 "new <one>" &&
state new2 queued 0 &&
sed 's/"hand"/"other"/' spool/jobs/new2/state.json >s.tmp &&
mv s.tmp spool/jobs/new2/state.json &&
rm -r spool/jobs/stop &&
sed 's/"status": "queued"/"status": "running"/' spool/jobs/wait/state.json \
	>s.tmp &&
mv s.tmp spool/jobs/wait/state.json &&
"$SPOOLBOARD" render --spool spool --templates "$T"
EOF
# add.sh: the first job comes to the empty spool
cat >add.sh <<EOF
cd "$TRASH/empty" &&
. "$SRCDIR/tests/e2e/lib-render.sh" &&
state first queued 0 &&
"$SPOOLBOARD" render --spool spool --templates "$T"
EOF

rm -rf "$ART"
test_expect_success 'a browser session runs against the served sites' '
	timeout 240 python3 "$SRCDIR/tests/e2e/browser_index.py" \
		"$CHROMIUM" "$TRASH" "sh $TRASH/change.sh" \
		"sh $TRASH/add.sh" "$ART" res.json; rc=$?
	cp res.json "$ART/"; cat res.json; test $rc -eq 0
'
R=$TRASH/res.json

test_expect_success 'the count cards are buttons, "Total" pressed' '
	json_check "$R" "(j[\"cards_are_buttons\"] == [\"BUTTON:true\"] +
		[\"BUTTON:false\"] * 5)"
'

test_expect_success 'each row made from jobs.json is the renderer'"'"'s' '
	json_check "$R" "j[\"first_poll\"] is True" &&
	json_check "$R" "j[\"rows_vs_renderer\"] == {\"n\": 5,
		\"differ\": {}}" &&
	json_check "$R" "j[\"rows_vs_renderer_after\"] == {\"n\": 6,
		\"differ\": {}}"
'

test_expect_success 'the index follows jobs.json without a reload' '
	json_check "$R" "j[\"rows_before\"] == [\"done\", \"bad\", \"run\",
		\"stop\", \"wait\"]" &&
	json_check "$R" "j[\"change\"][\"rc\"] == 0" &&
	json_check "$R" "j[\"followed\"] is True" &&
	json_check "$R" "j[\"marker_after\"] == 42" &&
	json_check "$R" "dict(j[\"all_after\"]) == {\"new1\": \"running\",
		\"new2\": \"queued\", \"run\": \"running\",
		\"wait\": \"running\", \"done\": \"completed\",
		\"bad\": \"failed\"}" &&
	json_check "$R" "j[\"counts_before\"] == {\"total\": \"5\",
		\"queued\": \"1\", \"running\": \"1\", \"completed\": \"1\",
		\"failed\": \"1\", \"cancelled\": \"1\"}" &&
	json_check "$R" "j[\"counts_after\"] == {\"total\": \"6\",
		\"queued\": \"1\", \"running\": \"3\", \"completed\": \"1\",
		\"failed\": \"1\", \"cancelled\": \"0\"}"
'

test_expect_success 'the filter, the sort and the ticked box stay' '
	json_check "$R" "j[\"rows_after\"] == [\"done\", \"bad\", \"run\",
		\"wait\", \"new1\"]" &&
	json_check "$R" "j[\"hash_after\"] == \"#tag=hand&sort=name&dir=asc\"" &&
	json_check "$R" "j[\"tag_after\"] == \"hand\"" &&
	json_check "$R" "j[\"ticked_after\"] == [\"done\"]"
'

test_expect_success 'a count card filters by its status, again clears' '
	json_check "$R" "j[\"cleared_hash\"] == \"#sort=name&dir=asc\"" &&
	json_check "$R" "j[\"card_failed\"] == {\"rows\": [\"bad\"],
		\"hash\": \"#status=failed&sort=name&dir=asc\", \"select\": \"failed\",
		\"pressed\": \"true\"}" &&
	json_check "$R" "j[\"card_again\"] == {\"rows\": 6, \"hash\": \"#sort=name&dir=asc\"}" &&
	json_check "$R" "(j[\"card_key\"][\"hash\"] == \"#status=running&sort=name&dir=asc\" and
		sorted(j[\"card_key\"][\"rows\"]) == [\"new1\", \"run\",
		\"wait\"])" &&
	json_check "$R" "j[\"card_total\"] == {\"rows\": 6, \"hash\": \"#sort=name&dir=asc\",
		\"pressed\": \"true\"}"
'

test_expect_success 'no match says so, and "Clear filters" clears' '
	json_check "$R" "j[\"nomatch\"][\"rows\"] == []" &&
	json_check "$R" "j[\"nomatch\"][\"shown\"] is True" &&
	json_check "$R" "\"Clear filters\" in j[\"nomatch\"][\"text\"]" &&
	json_check "$R" "j[\"after_clear\"] == {\"rows\": 6, \"hash\": \"#sort=name&dir=asc\",
		\"shown\": False}"
'

test_expect_success 'an empty index says how to submit, then follows' '
	json_check "$R" "j[\"empty\"][\"nojobs\"] is True" &&
	json_check "$R" "j[\"empty\"][\"table\"] is False" &&
	json_check "$R" "(\"spoolboard submit\" in j[\"empty\"][\"text\"] and
		\"incoming/\" in j[\"empty\"][\"text\"])" &&
	json_check "$R" "j[\"add\"][\"rc\"] == 0 and j[\"empty_followed\"]" &&
	json_check "$R" "j[\"empty_after\"][\"nojobs\"] is False" &&
	json_check "$R" "j[\"empty_after\"][\"rows\"] == [\"first\"]" &&
	json_check "$R" "j[\"empty_after\"][\"counts\"][\"total\"] == \"1\""
'

# ticks.py RESULTS KEY: the samples of KEY count up by about a second a
# second (none goes back, a poll among them), from the start (the
# renderer counted 60 s, to the last update; the job started 130 s
# before the fixture was made)
cat >ticks.py <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))[sys.argv[2]]
s = j["samples"]
assert len(s) >= 12, s
assert all(b >= a for a, b in zip(s, s[1:])), ("went back", s)
assert 3 <= s[-1] - s[0] <= 6, ("not a second a second", s)
assert s[0] >= 125, ("not from the start", s)
assert abs(s[-1] - j["since_start"]) <= 2, ("not from the start", j)
PY
test_expect_success 'a running job'"'"'s duration counts up each second' '
	python3 ticks.py "$R" index_ticks &&
	python3 ticks.py "$R" job_ticks
'

test_expect_success 'over file:// the index says live needs http' '
	json_check "$R" "j[\"file_note\"].startswith(\"Live updates need http\")"
'

test_expect_success 'no page kind scrolls sideways, at 390 px either' '
	json_check "$R" "len(j[\"overflow\"]) == 36" &&
	json_check "$R" "[k for k, v in j[\"overflow\"].items() if v] == []"
'

test_expect_success 'on a phone the index is cards, the counts a strip' '
	for v in light dark; do
		P="j[\"phone_index\"][\"index-phone-$v\"]" &&
		json_check "$R" "set($P[\"display\"]) == {\"flex\"}" &&
		json_check "$R" "$P[\"fit\"] is True" &&
		json_check "$R" "max($P[\"name_lines\"]) <= 2" &&
		json_check "$R" "$P[\"strip_height\"] < 80" || exit 1
	done
'

test_expect_success 'the console has no errors' '
	json_check "$R" "j[\"errors\"] == []" &&
	json_check "$R" "j[\"looks_errors\"] == []" &&
	json_check "$R" "j[\"many_errors\"] == []"
'

# many.py RESULTS JOBS_JSON LABEL: the index of many/ (over LABEL, http
# or file) against jobs.json: every sort (the rows each column gives, both
# ways, as jobs.json orders them: numbers as numbers, jobs without a value
# last whichever way, ties newest first), every filter and count, the
# search and the bookmarked view
cat >many.py <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["many"][sys.argv[3]]
jobs = json.load(open(sys.argv[2]))["jobs"]
ids = [j["id"] for j in jobs]
def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None
key = {"name": lambda j: j["name"], "status": lambda j: j["status"],
       "progress": lambda j: num(j["progress_pct"]),
       "epoch": lambda j: num(j["epoch"]),
       "best": lambda j: num(j["best_val_loss"]),
       "tags": lambda j: "".join(t + " " for t in j["tags"]),
       "started": lambda j: (j["started"] or {}).get("iso") or None,
       "duration": lambda j: num(j.get("duration_s"))}
def order(k, desc, among=jobs):
    has = [j for j in among if key[k](j) is not None]
    none = [j for j in among if key[k](j) is None]
    return [j["id"] for j in sorted(has, key=key[k], reverse=desc) + none]
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s: got %s, want %s" % (what, str(got)[:300],
                                            str(exp)[:300]))
want("loaded", res["loaded"], True)
want("pagenote", res["pagenote"].startswith(
     "Search, filters and sorting cover all %d jobs" % len(jobs)), True)
want("search", res["search"]["rows"], ["m007"])
want("search hash", res["search"]["hash"], "#q=needle")
want("search href", res["search"]["href"].endswith("/jobs/m007/index.html"),
     True)
want("columns", sorted(res["keys"]), sorted(key))
for k in res["keys"]:
    for d in ("asc", "desc"):
        got = res["sort"][k][d]
        exp = order(k, d == "desc")
        want("sort %s %s: rows" % (k, d), len(got), len(jobs))
        want("sort %s %s: first, last" % (k, d), (got[:1], got[-1:]),
             (exp[:1], exp[-1:]))
        want("sort %s %s: order" % (k, d), got, exp)
        want("sort %s %s: aria" % (k, d), res["sort"][k][d + "_aria"],
             "ascending" if d == "asc" else "descending")
        want("sort %s %s: hash" % (k, d), res["sort"][k][d + "_hash"],
             "#sort=%s&dir=%s" % (k, d))
for st, n in res["filter"].items():
    want("filter " + st, n, sum(j["status"] == st for j in jobs))
want("card failed", res["card_failed"],
     sum(j["status"] == "failed" for j in jobs))
counts = {"total": str(len(jobs))}
for j in jobs:
    counts[j["status"]] = str(int(counts.get(j["status"], "0")) + 1)
want("counts", {k: v for k, v in res["counts"].items() if v != "0"}, counts)
want("from hash", res["from_hash"], order("best", True,
     [j for j in jobs if j["status"] == "completed"]))
want("no script: pages", res["nojs"]["pages"],
     ["index.html"] + ["index/%d.html" % k for k in (1, 2, 3)])
want("no script: jobs", res["nojs"]["jobs"], sorted(ids))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
J=$TRASH/many/spool/www/jobs.json

test_expect_success 'over http, the index searches, sorts, filters all jobs' '
	python3 many.py "$R" "$J" http
'

test_expect_success 'over file:// too' '
	python3 many.py "$R" "$J" file
'

test_expect_success 'the sort chips show where they sort, and sort there' '
	for v in light dark; do
		P="j[\"many\"][\"chips\"][\"phone-$v\"]" &&
		json_check "$R" "$P[\"index\"] == {\"shown\": True,
			\"before\": \"\\\"Sort by\\\"\", \"sortable\": 8}" &&
		json_check "$R" "$P[\"page\"][\"shown\"] is False" &&
		json_check "$R" "$P[\"page_overflow\"] is False" || exit 1
	done &&
	python3 - "$R" "$J" <<-\PY &&
	import json, sys
	got = json.load(open(sys.argv[1]))["many"]["chips"]["phone-light"]
	jobs = json.load(open(sys.argv[2]))["jobs"]
	has = [j for j in jobs if j["best_val_loss"] != "-"]
	exp = [j["id"] for j in sorted(has, key=lambda j:
	       float(j["best_val_loss"]))]
	assert got["index_sorted"][:3] == exp[:3], (got["index_sorted"][:3],
						     exp[:3])
	PY
	for l in http file; do
		P="j[\"many\"][\"$l\"]" &&
		json_check "$R" "$P[\"nojs_chips\"][\"shown\"] is False" &&
		json_check "$R" "$P[\"nojs_page_chips\"][\"shown\"] is False" ||
			exit 1
	done
'

test_expect_success 'screenshots are kept' '
	for f in index-desktop-light index-desktop-dark index-phone-light \
		 index-phone-dark empty-desktop-light index-empty \
		 index-nomatch many-index-phone-light many-index-phone-dark \
		 many-page-phone-light many-page-phone-dark \
		 many-page-desktop-light many-page-desktop-dark; do
		png_ok "$ART/$f.png" || exit 1
	done
'

test_done
