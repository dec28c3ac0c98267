#!/bin/sh
# The group and compare pages in headless Chromium, over http and over
# file:// (where a page may not fetch(): compare.html loads each job's
# compare.js with a script element): the selection is taken from the
# address and made canonical (ids=a,b,c), curves are drawn for each job,
# the config fields that differ are listed, the index's form opens a
# comparison, the group page sorts and highlights, no console errors.
# Screenshots in $BUILD/test-artifacts/t3210-browser-compare/ (group and
# compare pages at desktop and phone width, light and dark). Skipped
# when no chromium is installed (scripts/deps.sh installs it).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-groups.sh"

T=$SRCDIR/templates
ART=$BUILD/test-artifacts/$TEST_NAME

find_chromium

test_expect_success 'a spool with a group renders' '
	make_sweep &&
	spoolboard render --spool spool --templates "$T" &&
	test -s spool/www/groups/lr-sweep/index.html
'

chromium_or_skip

rm -rf "$ART"
IDS=lr-sweep-01,lr-sweep-04,lr-sweep-06
test_expect_success 'a browser session runs over http and file://' '
	timeout 100 python3 "$SRCDIR/tests/e2e/browser_compare.py" \
		"$CHROMIUM" "$TRASH/spool/www" lr-sweep "$IDS" "$ART" \
		res.json; rc=$?
	cat res.json; test $rc -eq 0
'
R=$TRASH/res.json

# check.py RESULTS VIA PART: what the browser saw of PART over VIA
cat >check.py <<'PY'
import json, re, sys
res, via, part = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.load(open(res))[via]
ids = sys.argv[4].split(",")
if part == "compare":
    c = j["compare"]
    assert c["status"] == "Comparing 3 jobs.", c["status"]
    assert c["search"] == "?ids=" + ",".join(ids), c["search"]
    assert c["jobs"] == ids, c["jobs"]
    series = [x["series"] for x in c["charts"]]
    assert series[:2] == ["train_loss", "val_loss"], series
    assert "lr" in series and "val_rmse" in series, series
    for x in c["charts"]:
        assert x["lines"] == ids and x["points"] == [3, 3, 3], x
elif part == "diff":
    c = j["compare"]
    assert [r[0] for r in c["diff"]] == ["name", "model.hidden",
                                         "train.lr"], c["diff"]
    assert c["diff"][2][1:] == ["0.001", "0.003", "0.01"], c["diff"]
    assert re.match(r"\d+ of \d+ fields are the same", c["diff_note"])
elif part == "form":
    f = j["form"]
    assert f["search"] == "?ids=lr-sweep-01,lr-sweep-04", f["search"]
    assert f["jobs"] == ["lr-sweep-01", "lr-sweep-04"], f["jobs"]
elif part == "bogus":
    b = j["bogus"]
    assert "not found: nope" in b["status"], b["status"]
    assert "2 names in the address that cannot be job IDs" in b["status"]
    assert b["charts"] == [] and b["jobs"] == []
    assert all("nope/compare.js" in e for e in j["bogus_errors"]), \
        j["bogus_errors"]
elif part == "picked":
    p = j["picked"]
    assert sorted(p["jobs"]) == ["lr-sweep-01", "lr-sweep-04"], p
    assert re.fullmatch(r"\?ids=lr-sweep-0[14],lr-sweep-0[14]", p["search"])
elif part == "group":
    g, h, s = j["group"], j["hover"], j["sorted"]
    assert [p["cls"] for p in g["plots"]] == ["plot curves", "plot pcoord",
                                              "plot scatter"], g["plots"]
    assert [p["marks"] for p in g["plots"]] == [6, 8, 6], g["plots"]
    assert len(g["rows"]) == 8 and g["best"] == g["rows"][:1], g
    assert h["id"] == h["row"] == g["best"][0], h
    assert h["id"] in h["readout"] and "val_loss: " in h["readout"], h
    assert s["sort"] == "descending", s
    # the two without val_loss stay last; the others reversed
    assert s["rows"][:6] == g["rows"][:6][::-1], (s["rows"], g["rows"])
elif part == "errors":
    assert j["errors"] == [], j["errors"]
else:
    sys.exit("no such part: " + part)
PY

for via in http file; do
test_expect_success "$via: the compare page draws the jobs in its address" "
	python3 check.py '$R' $via compare $IDS
"
test_expect_success "$via: only the config fields that differ" "
	python3 check.py '$R' $via diff $IDS
"
test_expect_success "$via: the index form's ids=a&ids=b is made ids=a,b" "
	python3 check.py '$R' $via form $IDS
"
test_expect_success "$via: a made-up address says what it left out" "
	python3 check.py '$R' $via bogus $IDS
"
test_expect_success "$via: ticked on the index, opened by the form" "
	python3 check.py '$R' $via picked $IDS
"
test_expect_success "$via: the group page plots, sorts and highlights" "
	python3 check.py '$R' $via group $IDS
"
test_expect_success "$via: no console errors" "
	python3 check.py '$R' $via errors $IDS
"
done

test_expect_success 'no page is wider than the screen; screenshots kept' '
	json_check "$R" "not any(j[\"overflow\"].values())" &&
	for p in group compare; do
		for w in desktop phone; do
			for m in light dark; do
				f="$ART/$p-$w-$m.png"
				png_ok "$f" || exit 1
			done
		done
	done
'

test_done
