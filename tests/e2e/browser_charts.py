#!/usr/bin/env python3
# tests/e2e/browser_charts.py - a job page's charts in headless Chromium
# (browser.py's Chrome: the DevTools protocol over a pipe), served on
# 127.0.0.1, for t3170.
#
#	browser_charts.py CHROMIUM WWW JOB WAITING_JOB ARTIFACTS RESULTS
#
# Records in RESULTS (JSON), for the test to check: the size of the
# charts' text at desktop (1280 px) and phone (390 px) width, whether the
# page is wider than the screen, the order of the chart groups, the best
# epoch's mark, the tooltip shown by a mouse moved over the loss chart's
# plot, the lines drawn with smoothing on and off (and after a reload,
# and after live.js's replacement of the charts), WAITING_JOB's text
# where its charts go, and the console errors. Screenshots go to
# ARTIFACTS: job-{desktop,phone}-{light,dark}.png and job-hover.png.
# Exit status 0 when the session ran to its end, 1 when it broke off
# (RESULTS then holds "error").
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import attach, browse, console_errors  # noqa: E402

# The computed font size and the drawn height (null when rotated) of
# every text of every chart: [px, height], smallest first.
TEXT_SIZES = """(function () {
	return Array.from(document.querySelectorAll('svg.chart text'))
		.filter(function (t) { return t.textContent.trim(); })
		.map(function (t) { return [parseFloat(getComputedStyle(t)
			.fontSize), t.hasAttribute('transform') ? null :
			t.getBoundingClientRect().height]; })
		.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
})()"""

# The loss chart's plot area on screen (its svg's content box).
PLOT = """(function () {
	var s = document.querySelector('#chart-loss svg.chart');
	var r = s.getBoundingClientRect(), cs = getComputedStyle(s);
	var pl = parseFloat(cs.paddingLeft), pt = parseFloat(cs.paddingTop);
	return {left: r.left + pl, top: r.top + pt,
		width: r.width - pl - parseFloat(cs.paddingRight),
		height: r.height - pt - parseFloat(cs.paddingBottom),
		f: (s.getAttribute('data-f') || '').split(' ').map(Number)};
})()"""

TIP = """(function () {
	var t = document.querySelector('#chart-loss .chart-tip');
	if (!t || t.hidden) return null;
	return {text: t.textContent,
		rows: Array.from(t.querySelectorAll('.tip-row')).map(
			function (r) { return [r.querySelector('.tip-name')
				.textContent.trim(), r.querySelector('.tip-v')
				.textContent]; }),
		rule: !!document.querySelector('#chart-loss .hover .rule')};
})()"""

LINES = """(function () {
	var s = document.querySelector('#chart-loss svg.chart');
	return {raw: Array.from(s.querySelectorAll('path.line')).map(
			function (p) { return [p.getAttribute('class'),
				p.getAttribute('d')]; }),
		smooth: Array.from(s.querySelectorAll('path.smooth')).map(
			function (p) { return p.getAttribute('d'); })};
})()"""


def hover(c, epoch):
	"""Move the mouse over the loss chart's plot at EPOCH; the tooltip."""
	p = c.js(PLOT)
	x0, x1 = p["f"][0], p["f"][1]
	x = p["left"] + (epoch - x0) / (x1 - x0) * p["width"]
	y = p["top"] + p["height"] / 2
	c.js("document.getElementById('chart-loss').scrollIntoView()")
	p = c.js(PLOT)
	y = p["top"] + p["height"] / 2
	c.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
	c.pump(0.1)
	return c.js(TIP)


def shot_view(c, path):
	"""A screenshot of the viewport alone: a whole-page one lays the
	page out again, and the mouse's hover goes."""
	r = c.call("Page.captureScreenshot", format="png")
	with open(path, "wb") as f:
		f.write(base64.b64decode(r["data"]))


def set_smoothing(c, w):
	c.js("(function () { var r = document.getElementById('smooth');"
	     " r.value = %s; r.dispatchEvent(new Event('input',"
	     " {bubbles: true})); })()" % json.dumps(str(w)))


def view(c, phone, dark):
	c.call("Emulation.setEmulatedMedia", features=[
		{"name": "prefers-color-scheme",
		 "value": "dark" if dark else "light"}])
	c.call("Emulation.setDeviceMetricsOverride",
	       width=390 if phone else 1280, height=844 if phone else 800,
	       deviceScaleFactor=1, mobile=phone)


def session(c, base, job, waiting, artifacts, res):
	attach(c)
	page = "%s/jobs/%s/index.html" % (base, job)
	res["sizes"], res["overflow"] = {}, {}
	for dark in (False, True):
		for phone in (False, True):
			key = "%s-%s" % ("phone" if phone else "desktop",
					 "dark" if dark else "light")
			view(c, phone, dark)
			c.goto(page)
			c.pump(0.2)
			res["sizes"][key] = c.js(TEXT_SIZES)
			res["overflow"][key] = c.js(
				"[document.documentElement.scrollWidth,"
				" window.innerWidth]")
			c.shot(os.path.join(artifacts, "job-%s.png" % key))

	view(c, False, False)
	c.goto(page)
	c.js("localStorage.clear()")
	c.goto(page)
	res["groups"] = c.js("""(function () {
		var t = document.getElementById('charts-train');
		var s = document.getElementById('charts-system');
		return {train: Array.from(t.querySelectorAll('figure'))
				.map(function (f) { return f.id; }),
			system: Array.from(s.querySelectorAll('figure'))
				.map(function (f) { return f.id; }),
			heading: s.querySelector('h2').textContent,
			system_after: !!(t.compareDocumentPosition(s) &
				Node.DOCUMENT_POSITION_FOLLOWING),
			system_shown: !s.hidden,
			heights: [t.querySelector('svg.chart')
				.getBoundingClientRect().height,
				s.querySelector('svg.chart')
				.getBoundingClientRect().height]};
	})()""")
	res["marks"] = c.js("""Array.from(document.querySelectorAll(
		'svg.chart .mark')).map(function (m) {
		var s = m.closest('svg.chart');
		var f = s.getAttribute('data-f').split(' ').map(Number);
		var x = parseFloat(m.querySelector('line').getAttribute('x1'));
		return [m.closest('figure').id, m.querySelector('text')
			.textContent, f[0] + x / 100 * (f[1] - f[0]),
			m.querySelectorAll('circle').length];
	})""")
	res["control_shown"] = c.js(
		"!document.getElementById('smooth-ctl').hidden")
	res["smooth_default"] = c.js("document.getElementById('smooth').value")

	res["tip"] = hover(c, 50)
	shot_view(c, os.path.join(artifacts, "job-hover.png"))
	res["tip_last"] = hover(c, 99.8)	# the nearest epoch: 100
	c.call("Input.dispatchMouseEvent", type="mouseMoved", x=5, y=5)
	c.pump(0.1)
	res["tip_gone"] = c.js(TIP) is None

	res["lines_off"] = c.js(LINES)
	set_smoothing(c, 0.6)
	res["lines_on"] = c.js(LINES)
	res["tip_smoothed"] = hover(c, 50)
	shot_view(c, os.path.join(artifacts, "job-smoothed.png"))
	c.goto(page)
	res["smooth_after_reload"] = [
		c.js("document.getElementById('smooth').value"),
		len(c.js(LINES)["smooth"])]
	# what live.js does on each poll: the page fetched again, the charts'
	# svgs replaced from it
	c.js("fetch('index.html').then(function (r) { return r.text(); })"
	     ".then(function (t) { spoolboardCharts.update(new DOMParser()"
	     ".parseFromString(t, 'text/html')); })")
	res["lines_replaced"] = c.js(LINES)
	res["tip_replaced"] = hover(c, 30)
	set_smoothing(c, 0)
	res["lines_back_off"] = c.js(LINES)
	c.js("localStorage.clear()")

	c.goto("%s/jobs/%s/index.html" % (base, waiting))
	res["waiting"] = c.js("(function () { var w = document.getElementById("
			      "'chart-wait'); return w ? w.textContent : null;"
			      " })()")
	c.pump(0.3)
	res["errors"] = console_errors(c.events, [])
	c.call("Emulation.clearDeviceMetricsOverride")


def main():
	exe, www, job, waiting, artifacts, results = sys.argv[1:7]
	return browse(exe, www, artifacts, results,
		      lambda c, bases, res: session(c, bases[0][1], job,
						    waiting, artifacts, res))


if __name__ == "__main__":
	sys.exit(main())
