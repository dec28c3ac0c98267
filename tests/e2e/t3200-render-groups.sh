#!/bin/sh
# spoolboard render: groups (sweeps) and comparison. A group of trained
# jobs written by hand (lib-groups.sh) renders a group page (progress,
# ETA, the best member, the members ranked, the plots) whose facts match
# the jobs' own files; every job gets compare.js; jobs.csv holds a row
# per job with its config and results, formulas guarded; compare.html is
# there; pages link member and group both ways; a hostile group.json
# never stops a render nor reaches a page raw; all valid HTML (tidy).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-groups.sh"

T=$SRCDIR/templates

test_expect_success 'a spool with a group renders' '
	make_sweep &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	cat err &&
	test -s spool/www/groups/lr-sweep/index.html &&
	test -s spool/www/groups/lr-sweep/data.json &&
	test -s spool/www/compare.html &&
	test -s spool/www/jobs.csv &&
	test -s spool/www/runs.js &&
	for i in 01 02 03 04 05 06 07; do
		test -s spool/www/jobs/lr-sweep-$i/compare.js || exit 1
	done
'

cat >check.py <<'PY'
# check.py WWW SPOOL: the group page, compare.js and jobs.csv say what the
# jobs' own files say.
import csv, io, json, os, re, sys
sys.path.insert(0, os.path.join(os.environ["SRCDIR"], "tests/e2e"))
from pagecheck import page
www, spool = sys.argv[1], sys.argv[2]
jobs = sorted(os.listdir(os.path.join(spool, "jobs")))
state = {j: json.load(open(os.path.join(spool, "jobs", j, "state.json")))
         for j in jobs}
config = {j: json.load(open(os.path.join(spool, "jobs", j, "config.json")))
          for j in jobs if os.path.exists(os.path.join(spool, "jobs", j,
                                                       "config.json"))}
best = {j: (s.get("best") or {}).get("val_loss") for j, s in state.items()}
ranked = sorted([j for j in jobs if best[j] is not None], key=lambda j: best[j])

# the group page and its model
d = json.load(open(os.path.join(www, "groups/lr-sweep/data.json")))
src, text = page(os.path.join(www, "groups/lr-sweep/index.html"))
assert d["n"] == 8 and d["done"] == 6, (d["n"], d["done"])
assert "6 of 8 done" in text, text[:300]
assert d["best"]["id"] == ranked[0], (d["best"]["id"], ranked)
assert re.search(r"Best so far:\s+" + re.escape(state[ranked[0]]["name"]),
                 text), text[:600]
assert [r["id"] for r in d["rows"]][:6] == ranked, ([r["id"] for r in d["rows"]], ranked)
assert [r["id"] for r in d["rows"] if r["best"]] == [ranked[0]]
assert re.search(r'<tr data-id="%s" class="best">' % ranked[0], src)
assert "\u2605 best" in text
assert d["rows"][7]["status"] == "missing" and "href" not in d["rows"][7]
assert "LR <sweep> & co" in text and "LR &lt;sweep&gt; &amp; co" in src
labels = [c["label"] for c in d["columns"]]
assert "train.lr" in labels and "model.hidden" in labels, labels
assert "train.batch_size" not in labels, "an axis that does not vary"
assert d["fixed"] == [{"path": "train.batch_size", "value": "64"}], d["fixed"]
assert d.get("eta"), "a running member: an ETA"
assert any("not in jobs/" in n for n in d["notes"]), d["notes"]
assert any("no val_loss yet" in n for n in d["notes"]), d["notes"]
charts = {c["id"]: c for c in d["charts"]}
assert set(charts) == {"curves", "pcoord", "scatter"}, set(charts)
pc = charts["pcoord"]["svg"]
assert len(re.findall(r"<path class='pl ", pc)) == 8, "a line per member"
assert len(re.findall(r"<path class='pl [^']*\bna\b", pc)) == 2, \
    "two dashed: no val_loss (07), no job (08)"
assert ("data-id='%s'" % ranked[0]) in pc
assert len(re.findall(r"<path class='pl ", charts["curves"]["svg"])) == 6, \
    "a val_loss curve per member that has one"
assert len(re.findall(r"<circle class='pt ", charts["scatter"]["svg"])) == 6
# the members with a job, in the table's order (08 has none)
assert d["compare_href"] == "../../compare.html?ids=" + ",".join(
    ranked + ["lr-sweep-07"]), d["compare_href"]
for r in d["rows"]:
    if "href" in r:
        assert ('href="%s"' % r["href"]) in src
        assert os.path.exists(os.path.join(www, "groups/lr-sweep", r["href"]))

# each job: a link to its group, compare.js as its files say
for j in jobs:
    jsrc, _ = page(os.path.join(www, "jobs", j, "index.html"))
    assert 'href="../../groups/lr-sweep/index.html"' in jsrc, j
    js = open(os.path.join(www, "jobs", j, "compare.js")).read()
    assert js.startswith("spoolboardCompare(") and js.endswith(");\n")
    assert "<" not in js
    o = json.loads(js[len("spoolboardCompare("):-3])
    assert o["id"] == j and o["name"] == state[j]["name"], o["id"]
    assert o["group"] == {"id": "lr-sweep", "name": "LR <sweep> & co"}
    if j in config:
        assert o["config"]["train.lr"] == config[j]["train"]["lr"]
        assert o["config"]["model.hidden"] == config[j]["model"]["hidden"]
        rows = open(os.path.join(spool, "jobs", j, "metrics.csv")).read().split()
        # the epochs once (as A..B when 1, 2, ... N), each series' values
        assert o["x"] == "1..%d" % (len(rows) - 1), (j, o["x"])
        assert len(o["series"]["val_loss"]) == len(rows) - 1, j
        assert abs(o["best_val_loss"] - best[j]) < 1e-3 * best[j]
        assert o["test"]["rmse"] == state[j]["test"]["metrics"]["rmse"]

# the index: the group listed, each member's row linking it
isrc, itext = page(os.path.join(www, "index.html"))
assert 'href="groups/lr-sweep/index.html"' in isrc
assert "6 of 8 done" in itext
assert isrc.count('class="group-link" href="groups/lr-sweep/index.html"') == 7
assert isrc.count('name="ids" value="lr-sweep-') == 7, "a checkbox per job"
assert 'href="jobs.csv"' in isrc and 'action="compare.html"' in isrc
for s in json.load(open(os.path.join(www, "jobs.json")))["jobs"]:
    assert s["group"] == {"id": "lr-sweep", "name": "LR <sweep> & co"}, s

# jobs.csv
raw = open(os.path.join(www, "jobs.csv"), newline="").read()
assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
rows = list(csv.DictReader(io.StringIO(raw)))
head = raw.split("\r\n")[0].split(",")
assert head[:11] == ["id", "name", "group", "status", "epoch", "epochs",
                     "best_val_loss", "best_epoch", "train_loss", "val_loss",
                     "duration_s"], head[:11]
assert sorted(r["id"] for r in rows) == jobs
assert [r["id"] for r in rows] == [s["id"] for s in json.load(open(
    os.path.join(www, "jobs.json")))["jobs"]], "the index's order"
for r in rows:
    j = r["id"]
    assert r["group"] == "lr-sweep" and r["status"] == state[j]["status"]
    if best[j] is not None:
        assert float(r["best_val_loss"]) == best[j], (r["best_val_loss"], best[j])
        assert int(r["best_epoch"]) == state[j]["best"]["epoch"]
        assert float(r["test.rmse"]) == state[j]["test"]["metrics"]["rmse"]
    if j in config:
        assert float(r["train.lr"]) == config[j]["train"]["lr"]
        assert json.loads(r["model.hidden"]) == config[j]["model"]["hidden"]
        assert r["data.path"] == "data/housing.csv"
    else:
        assert r["train.lr"] == "" and r["best_val_loss"] == ""
odd = [r for r in rows if r["id"] == "lr-sweep-07"][0]
assert odd["name"] == "'=cmd|' /C calc'!A0", odd["name"]
assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values()
               if v), "a formula unguarded"

# compare.html: a page of its own, the script that draws it
csrc, ctext = page(os.path.join(www, "compare.html"))
assert '<script src="runs.js"></script>' in csrc and "<noscript>" in csrc
assert 'data-page="compare"' in csrc
PY

test_expect_success 'the group page, compare.js and jobs.csv say what the jobs say' '
	python3 check.py spool/www spool
'

if command -v tidy >/dev/null 2>&1; then
	test_expect_success 'the group, compare and index pages are valid HTML (tidy)' '
		python3 "$SRCDIR/tests/e2e/tidycheck.py" \
			spool/www/groups/lr-sweep/index.html \
			spool/www/compare.html spool/www/index.html \
			spool/www/jobs/lr-sweep-01/index.html
	'
else
	test_skip 'the group, compare and index pages are valid HTML (tidy)' \
		'tidy is not installed (scripts/deps.sh installs it)'
fi

test_expect_success 'rendering twice rewrites nothing' '
	find spool/www -type f -exec stat -c "%n %Y.%y" {} + | sort >before &&
	sleep 1 &&
	spoolboard render --spool spool --templates "$T" &&
	find spool/www -type f -exec stat -c "%n %Y.%y" {} + | sort >after &&
	test_cmp before after
'

test_expect_success 'a group gone: its pages go, its members lose the link' '
	cp -r spool gone &&
	rm -r gone/groups/lr-sweep &&
	spoolboard render --spool gone --templates "$T" &&
	! test -e gone/www/groups/lr-sweep &&
	! grep -q "groups/lr-sweep" gone/www/jobs/lr-sweep-01/index.html &&
	! grep -q "group-link" gone/www/index.html &&
	json_check gone/www/jobs.json \
		"all(s[\"group\"] is None for s in j[\"jobs\"])"
'

X="<script>alert(1)</script>"
test_expect_success 'a hostile group.json never stops a render nor reaches a page raw' '
	mkdir -p h/jobs h/groups &&
	cp -r spool/jobs/lr-sweep-01 spool/jobs/lr-sweep-02 h/jobs/ &&
	mkdir -p h/groups/evil h/groups/fifo h/groups/linked h/groups/huge \
		h/groups/garbage &&
	cat >h/groups/evil/group.json <<-JSON &&
	{"name": "$X", "file": "$X", "metric": "$X", "goal": "$X",
	 "axes": [{"path": "$X", "kind": "$X", "values": ["$X", 1]},
	  {"path": "train.lr"}, 7],
	 "members": [{"id": "../../etc", "params": {}}, {"id": "$X"},
	  {"id": "lr-sweep-01", "params": {"$X": "$X", "train.lr": "a\"b"}},
	  {"id": "lr-sweep-02", "params": {"$X": [1, "$X"], "train.lr": 2}},
	  {"id": "lr-sweep-01"}, {"id": "nowhere"}]}
	JSON
	mkfifo h/groups/fifo/group.json &&
	echo "{\"members\": [{\"id\": \"lr-sweep-01\"}]}" >outside.json &&
	ln -s "$PWD/outside.json" h/groups/linked/group.json &&
	ln -s "$PWD/h/groups/evil" h/groups/dirlink &&
	truncate -s 17M h/groups/huge/group.json &&
	printf "{\"members\": [" >h/groups/garbage/group.json &&
	mkdir -p h/groups/.hidden h/groups/-rf &&
	cp h/groups/evil/group.json h/groups/.hidden/ &&
	cp h/groups/evil/group.json h/groups/-rf/ &&
	timeout 20 "$SPOOLBOARD" render --spool h --templates "$T" 2>err;
	rc=$?; cat err; test $rc -eq 0 &&
	grep -q "skipping group fifo" err &&
	grep -q "skipping group linked" err &&
	grep -q "skipping group dirlink: .*symbolic link" err &&
	grep -q "skipping group huge" err &&
	grep -q "skipping group garbage: .*group.json:1" err &&
	test "$(ls h/www/groups)" = evil &&
	python3 -c "
import json, os, re, sys
sys.path.insert(0, os.path.join(os.environ[\"SRCDIR\"], \"tests/e2e\"))
from pagecheck import page
src, text = page(\"h/www/groups/evil/index.html\")
d = json.load(open(\"h/www/groups/evil/data.json\"))
assert [r[\"id\"] for r in d[\"rows\"]] == [\"lr-sweep-01\", \"lr-sweep-02\", \"nowhere\"] or \
    sorted(r[\"id\"] for r in d[\"rows\"]) == [\"lr-sweep-01\", \"lr-sweep-02\", \"nowhere\"], d[\"rows\"]
assert d[\"metric\"] == \"val_loss\" and d[\"goal\"] == \"min\"
assert any(\"not a job ID\" in n for n in d[\"notes\"]), d[\"notes\"]
assert any(\"listed twice\" in n for n in d[\"notes\"]), d[\"notes\"]
assert \"<script>alert\" not in src and \"&lt;script&gt;alert(1)\" in src
for f in os.listdir(\"h/www/groups/evil\"):
    s = open(os.path.join(\"h/www/groups/evil\", f)).read()
    assert \"<script>alert\" not in s, f
assert len(re.findall(r\"<script\", src)) == 2
" &&
	! test -e h/www/etc && ! test -e h/etc &&
	grep -q "href=\"../../jobs/lr-sweep-01/index.html\"" \
		h/www/groups/evil/index.html &&
	{ ! command -v tidy >/dev/null 2>&1 ||
	  python3 "$SRCDIR/tests/e2e/tidycheck.py" h/www/groups/evil/index.html; }
'

test_expect_success 'a job in two groups links the first; both pages list it' '
	mkdir -p two/jobs && cp -r spool/jobs/lr-sweep-01 two/jobs/ &&
	mkdir -p two/groups/a two/groups/b &&
	echo "{\"name\": \"A\", \"members\": [{\"id\": \"lr-sweep-01\"}]}" \
		>two/groups/b/group.json &&
	echo "{\"name\": \"B\", \"members\": [{\"id\": \"lr-sweep-01\"}]}" \
		>two/groups/a/group.json &&
	spoolboard render --spool two --templates "$T" &&
	grep -q "groups/a/index.html" two/www/jobs/lr-sweep-01/index.html &&
	! grep -q "groups/b/index.html" two/www/jobs/lr-sweep-01/index.html &&
	grep -q "jobs/lr-sweep-01/index.html" two/www/groups/a/index.html &&
	grep -q "jobs/lr-sweep-01/index.html" two/www/groups/b/index.html
'

test_expect_success 'sizes: a group page of 6 members, compare.js of a job' '
	wc -c <spool/www/groups/lr-sweep/index.html >size &&
	echo "group page of 8 members: $(cat size) bytes" &&
	test "$(cat size)" -lt 60000 &&
	echo "compare.js of a 3-epoch job: $(wc -c <spool/www/jobs/lr-sweep-01/compare.js) bytes"
'

test_done
