#!/bin/sh
# A job page's charts in headless Chromium (browser_charts.py): their text
# is the same fixed size at desktop (1280 px) and phone (390 px) width;
# a mouse over a plot shows every series' value at the nearest epoch and
# a rule there; the best epoch is marked; smoothing redraws the lines,
# is remembered, survives live.js's replacement of the charts and can be
# turned off; the system charts are a group of their own after the
# training charts; no chart makes the page wider than the phone; a job
# with no epoch yet says it waits for epoch 1. Screenshots are kept in
# $BUILD/test-artifacts/t3170-browser-charts/ (desktop and phone, light
# and dark, the tooltip shown, smoothing on). Skipped without chromium.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates
ART=$BUILD/test-artifacts/$TEST_NAME

find_chromium

# 100 epochs; val_loss is lowest at epoch 63 (state.json's best too)
test_expect_success 'a job of 100 epochs and a queued job render' '
	state long running 9 "long job" &&
	sed "s/\"best\": null/\"best\": {\"epoch\": 63, \"val_loss\": 0.15}/" \
		spool/jobs/long/state.json >s.tmp &&
	mv s.tmp spool/jobs/long/state.json &&
	awk "BEGIN {
		print \"epoch,step,seconds,lr,train_loss,val_loss,val_r2,cpu_pct,rss_mb\"
		for (e = 1; e <= 100; e++) {
			t = 0.2 + 0.8 * exp(-e / 15) + 0.02 * ((e * 7) % 5 - 2) / 2
			v = e == 63 ? 0.15 : 0.2 + 0.7 * exp(-e / 18) + \
				0.0004 * (e > 63 ? e - 63 : 0)
			printf \"%d,%d,%.2f,%.6g,%.4f,%.4f,%.4f,%.1f,%.1f\n\", \
				e, e * 50, e * 1.7, 0.001 / e, t, v, 1 - v, \
				150 + (e * 13) % 40, 40 + e * 0.05
		}
	}" >spool/jobs/long/metrics.csv &&
	state wait queued 0 "waiting job" &&
	spoolboard render --spool spool --templates "$T" &&
	test -s spool/www/chart.js &&
	grep -q "chart.js" spool/www/jobs/long/index.html
'

chromium_or_skip

rm -rf "$ART"
test_expect_success 'a browser session runs against the served site' '
	timeout 90 python3 "$SRCDIR/tests/e2e/browser_charts.py" "$CHROMIUM" \
		"$TRASH/spool/www" long wait "$ART" res.json; rc=$?
	cat res.json; echo; test $rc -eq 0
'
R=$TRASH/res.json

test_expect_success 'chart text is one fixed size at every width' '
	for k in desktop-light phone-light desktop-dark phone-dark; do
		json_check "$R" "min(s[0] for s in j[\"sizes\"][\"$k\"]) >= 11" &&
		json_check "$R" "(min(s[1] for s in j[\"sizes\"][\"$k\"]
			if s[1]) >= 11)" || exit 1
	done &&
	json_check "$R" "(j[\"sizes\"][\"desktop-light\"] ==
		j[\"sizes\"][\"phone-light\"])"
'

test_expect_success 'no chart makes the page wider than the screen' '
	for k in desktop-light phone-light desktop-dark phone-dark; do
		json_check "$R" "(j[\"overflow\"][\"$k\"][0] <=
			j[\"overflow\"][\"$k\"][1])" || exit 1
	done
'

test_expect_success 'hovering shows every series at that epoch' '
	want=$(awk -F, "\$1 == 50 { printf \"%.4g %.4g\", \$5, \$6 }" \
		spool/jobs/long/metrics.csv) &&
	json_check "$R" "([r[0] for r in j[\"tip\"][\"rows\"]] ==
		[\"train\", \"val\"])" &&
	json_check "$R" "([r[1] for r in j[\"tip\"][\"rows\"]] ==
		\"$want\".split())" &&
	json_check "$R" "j[\"tip\"][\"text\"].startswith(\"epoch 50\")" &&
	json_check "$R" "j[\"tip\"][\"rule\"] is True" &&
	json_check "$R" "j[\"tip_last\"][\"text\"].startswith(\"epoch 100\")" &&
	json_check "$R" "j[\"tip_gone\"] is True"
'

test_expect_success 'the best epoch is marked on the loss and val charts' '
	json_check "$R" "[m[0] for m in j[\"marks\"]] == [\"chart-loss\",
		\"chart-loss-log\", \"chart-m6\"]" &&
	json_check "$R" "all(m[1] == \"best epoch 63\" and abs(m[2] - 63) < 0.2
		for m in j[\"marks\"])" &&
	json_check "$R" "[m[3] for m in j[\"marks\"]] == [2, 2, 1]"
'

test_expect_success 'smoothing redraws the lines and can be turned off' '
	json_check "$R" "j[\"control_shown\"] and j[\"smooth_default\"] == \"0\"" &&
	json_check "$R" "(j[\"lines_off\"][\"smooth\"] == [] and
		all(c == \"line\" for c, d in j[\"lines_off\"][\"raw\"]))" &&
	json_check "$R" "(len(j[\"lines_on\"][\"smooth\"]) == 2 and
		all(c == \"line raw\" for c, d in j[\"lines_on\"][\"raw\"]) and
		j[\"lines_on\"][\"raw\"] == [[\"line raw\", d] for c, d in
		j[\"lines_off\"][\"raw\"]] and
		all(s != d for s, (c, d) in zip(j[\"lines_on\"][\"smooth\"],
		j[\"lines_on\"][\"raw\"])))" &&
	json_check "$R" "\"smoothed\" in j[\"tip_smoothed\"][\"text\"]" &&
	json_check "$R" "j[\"smooth_after_reload\"] == [\"0.6\", 2]" &&
	json_check "$R" "(j[\"lines_replaced\"][\"smooth\"] ==
		j[\"lines_on\"][\"smooth\"])" &&
	json_check "$R" "j[\"tip_replaced\"][\"text\"].startswith(\"epoch 30\")" &&
	json_check "$R" "j[\"lines_back_off\"] == j[\"lines_off\"]"
'

test_expect_success 'system charts are a group of their own, after' '
	json_check "$R" "(j[\"groups\"][\"train\"] == [\"chart-loss\",
		\"chart-loss-log\", \"chart-m6\"])" &&
	json_check "$R" "(j[\"groups\"][\"system\"] == [\"chart-lr\",
		\"chart-cpu_pct\", \"chart-rss_mb\"])" &&
	json_check "$R" "j[\"groups\"][\"heading\"] == \"System\"" &&
	json_check "$R" "j[\"groups\"][\"system_after\"] is True" &&
	json_check "$R" "j[\"groups\"][\"heights\"][1] < j[\"groups\"][\"heights\"][0]"
'

test_expect_success 'a job with no epoch yet waits for epoch 1' '
	json_check "$R" "\"waiting for epoch 1\" in (j[\"waiting\"] or \"\")"
'

test_expect_success 'no console errors; screenshots are kept' '
	json_check "$R" "j[\"errors\"] == []" &&
	for f in job-desktop-light job-phone-light job-desktop-dark \
		job-phone-dark job-hover job-smoothed; do
		png_ok "$ART/$f.png" || exit 1
	done
'

test_done
