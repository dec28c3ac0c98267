#!/bin/sh
# The words a page says of a job: counts in the singular when there is
# one ("1 feature", "1 row"), the plural otherwise.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

test_expect_success 'one feature and one row are said in the singular' '
	mkdir -p data spool/jobs &&
	cp "$SRCDIR/examples/data/housing.csv" data/ &&
	cat >one.json <<-EOF &&
	{"data": {"path": "data/housing.csv", "features": ["area"],
	          "targets": ["price"]},
	 "model": {"type": "linear"}, "train": {"epochs": 1}}
	EOF
	spoolboard train one.json --out spool/jobs/one >/dev/null 2>&1 &&
	spoolboard render --spool spool --templates "$T" &&
	grep -q "data/housing.csv: 4000 rows, 1 feature<" \
		spool/www/jobs/one/index.html &&
	! grep -q "1 features" spool/www/jobs/one/index.html &&
	json_check spool/www/jobs/one/data.json \
		"j[\"data\"][\"features\"] == 1 and j[\"data\"][\"features_text\"] == \"1 feature\" and j[\"data\"][\"rows_text\"] == \"4000 rows\""
'

test_expect_success 'a run of under a second lasts its stages, not 0.0s' '
	python3 - <<-EOF &&
	import json, os
	p = "spool/jobs/one/state.json"
	st = json.load(open(p))
	st["started"] = st["ended"] = "2026-12-03T10:00:00Z"
	for s, x in zip(st["stages"], (0.2, 0.1, 0.3, 0.05, 0.05)):
	    s["seconds"] = x
	json.dump(st, open(p + ".tmp", "w"))
	os.rename(p + ".tmp", p)
	EOF
	spoolboard render --spool spool --templates "$T" &&
	json_check spool/www/jobs/one/data.json "j[\"duration\"] == \"0.7s\"" &&
	grep -q "data-f=\"duration\"[^>]*>0.7s<" spool/www/jobs/one/index.html
'

test_expect_success 'the feed says why a job failed' '
	state bad failed 2 &&
	python3 - <<-EOF &&
	import json, os
	p = "spool/jobs/bad/state.json"
	st = json.load(open(p))
	st["error"] = {"message": "data.path: cannot open <x.csv> & co",
	               "stage": "load", "hint": None}
	st["ended"] = st["updated"]
	json.dump(st, open(p + ".tmp", "w"))
	os.rename(p + ".tmp", p)
	EOF
	spoolboard render --spool spool --templates "$T" &&
	python3 - <<-EOF
	import xml.etree.ElementTree as ET
	A = "{http://www.w3.org/2005/Atom}"
	f = ET.parse("spool/www/feed.xml").getroot()
	e = [x for x in f.findall(A + "entry")
	     if x.find(A + "id").text == "urn:spoolboard:job:bad"][0]
	s = e.find(A + "summary").text
	assert s == "Failed in stage load: data.path: cannot open <x.csv> & co", s
	EOF
'

test_expect_success 'a running job'"'"'s epochs leave feed.xml as it was' '
	state run running 1 &&
	spoolboard render --spool spool --templates "$T" &&
	cp spool/www/feed.xml feed1 &&
	stat -c %Y spool/www/feed.xml >mtime1 &&
	sleep 1 &&
	sed -i "s/\"epoch\": 1,/\"epoch\": 2,/; s/2026-11-25T10:01:30Z/2030-01-01T00:00:00Z/" \
		spool/jobs/run/state.json &&
	grep -q "2030-01-01T00:00:00Z" spool/jobs/run/state.json &&
	spoolboard render --spool spool --templates "$T" &&
	test_cmp feed1 spool/www/feed.xml &&
	stat -c %Y spool/www/feed.xml >mtime2 && test_cmp mtime1 mtime2
'

test_expect_success 'a cancelled job says at which epoch, and what retry does' '
	state stopped cancelled 7 &&
	state early cancelled 0 &&
	python3 - <<-EOF &&
	import json, os
	p = "spool/jobs/stopped/state.json"
	st = json.load(open(p))
	st["epochs"] = 40
	st["checkpoints"] = [
	    {"file": "ckpt-000005.tar.zst", "epoch": 5, "bytes": 10, "val_loss": 1},
	    {"file": "ckpt-000007.tar.zst", "epoch": 7, "bytes": 10, "val_loss": 1},
	    {"file": "best.tar.zst", "epoch": 9, "bytes": 10, "val_loss": 1}]
	json.dump(st, open(p + ".tmp", "w"))
	os.rename(p + ".tmp", p)
	EOF
	spoolboard render --spool spool --templates "$T" &&
	python3 - >t1 <<-EOF &&
	import html, re
	src = open("spool/www/jobs/stopped/index.html", encoding="utf-8").read()
	src = re.sub(r"<(script|style)\b.*?</\1>", " ", src, flags=re.S)
	print(" ".join(html.unescape(re.sub(r"<[^>]*>", " ", src)).split()))
	EOF
	grep -q "Cancelled at epoch 7 of 40. spoolboard retry -- stopped resumes from its checkpoint of epoch 7." t1 &&
	grep -q "starts it over: no checkpoint was written" spool/www/jobs/early/index.html &&
	! grep -q "Cancelled at epoch" spool/www/jobs/one/index.html
'

test_done
