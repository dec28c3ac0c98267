#!/usr/bin/env python3
# tests/e2e/browser_compare.py - the group and compare pages in headless
# Chromium (browser.py's Chrome: the DevTools protocol over a pipe), over
# http (WWW served on 127.0.0.1) and over file://, for t3210.
#
#	browser_compare.py CHROMIUM WWW GID IDS ARTIFACTS RESULTS
#
# IDS: the jobs to compare, "a,b,c". For each of "http" and "file" it
# loads compare.html?ids=IDS, waits (bounded) for the page to draw, and
# records what it drew: the status line, the charts (their series and
# lines), the jobs of the summary table, the config fields that differ,
# the address after the page made it canonical, and the console errors.
# Then compare.html?ids=a&ids=b (what the index's form sends), the group
# page GID (its plots, the table sorted by a click, the readout of a
# hovered line) and the index with two jobs ticked and the form sent.
# Screenshots of the group and compare pages at desktop and phone width,
# light and dark, go to ARTIFACTS as NAME-{desktop,phone}-{light,dark}.png.
# Exit status 0 when the session ran to its end, 1 when it broke off
# (RESULTS then holds "error").
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import attach, browse, console_errors  # noqa: E402


def wait_for(c, expr, seconds=10):
	"""Evaluate EXPR until it is truthy, for at most SECONDS."""
	t0 = time.monotonic()
	while time.monotonic() - t0 < seconds:
		v = c.js(expr)
		if v:
			return v
		c.pump(0.1)
	return c.js(expr)


DRAWN = ("(function () { var s = document.getElementById('cmp-status');"
	 " return s && /^Comparing|^Loading|not found/.test(s.textContent) &&"
	 " !/^Loading/.test(s.textContent); })()")

COMPARE = """(function () {
  function txt(e) { return e ? e.textContent : null; }
  return {
    status: txt(document.getElementById('cmp-status')),
    search: location.search,
    charts: Array.from(document.querySelectorAll('#cmp-charts figure'))
      .map(function (f) { return { series: f.getAttribute('data-series'),
        lines: Array.from(f.querySelectorAll('path.pl')).map(function (p) {
          return p.getAttribute('data-id'); }),
        points: Array.from(f.querySelectorAll('path.pl')).map(function (p) {
          return (p.getAttribute('d').match(/[ML]/g) || []).length; }) }; }),
    jobs: Array.from(document.querySelectorAll('#cmp-summary tbody tr'))
      .map(function (r) { return r.getAttribute('data-id'); }),
    diff: Array.from(document.querySelectorAll('#cmp-diff tbody tr'))
      .map(function (r) { return Array.from(r.cells).map(txt); }),
    diff_note: txt(document.getElementById('cmp-config-note')),
    overflow: document.documentElement.scrollWidth > window.innerWidth
  };
})()"""

GROUP = """(function () {
  return {
    plots: Array.from(document.querySelectorAll('svg.plot')).map(function (s) {
      return { cls: s.getAttribute('class'),
               marks: s.querySelectorAll('[data-id]').length,
               width: s.getBoundingClientRect().width }; }),
    rows: Array.from(document.querySelectorAll('#members tbody tr'))
      .map(function (r) { return r.getAttribute('data-id'); }),
    best: Array.from(document.querySelectorAll('#members tr.best'))
      .map(function (r) { return r.getAttribute('data-id'); }),
    overflow: document.documentElement.scrollWidth > window.innerWidth
  };
})()"""

# sort by the metric column, twice (descending), via the header's click
SORT = """(function () {
  var th = document.querySelector('#members th.metric');
  th.click(); th.click();
  return { sort: th.getAttribute('aria-sort'),
    rows: Array.from(document.querySelectorAll('#members tbody tr'))
      .map(function (r) { return r.getAttribute('data-id'); }) };
})()"""

HOVER = """(function () {
  var p = document.querySelector('svg.pcoord path.pl.best') ||
          document.querySelector('svg.pcoord path.pl');
  if (!p) return null;
  p.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
  var r = p.closest('figure').querySelector('.readout');
  var row = document.querySelector('#members tr.hl');
  return { id: p.getAttribute('data-id'), readout: r ? r.textContent : null,
           row: row ? row.getAttribute('data-id') : null };
})()"""

PICK = """(function (ids) {
  document.querySelectorAll('#jobs input.pick').forEach(function (i) {
    i.checked = ids.indexOf(i.value) >= 0; });
  document.querySelector('form.compare-form').submit();
  return true;
})(%s)"""


def session(c, bases, gid, ids, artifacts, res):
	attach(c)
	pick = ids.split(",")[:2]
	for name, base in bases:
		r = res[name] = {}
		c.events = []
		c.goto(base + "/compare.html?ids=" + ids)
		wait_for(c, DRAWN)
		r["compare"] = c.js(COMPARE)
		# the form's way: ids=a&ids=b, made canonical by the page
		c.goto(base + "/compare.html?" + urllib.parse.urlencode(
			[("ids", i) for i in pick]))
		wait_for(c, DRAWN)
		r["form"] = c.js(COMPARE)
		# a made-up selection: no job, a name that is no ID (its
		# failed load is the browser's error, kept apart)
		errors = console_errors(c.events, [])
		c.events = []
		c.goto(base + "/compare.html?ids=nope,..%2Fx,%3Cb%3E")
		wait_for(c, DRAWN)
		r["bogus"] = c.js(COMPARE)
		c.pump(0.2)
		r["bogus_errors"] = console_errors(c.events, [])
		c.events = []
		c.goto(base + "/groups/%s/index.html" % gid)
		r["group"] = c.js(GROUP)
		r["hover"] = c.js(HOVER)
		r["sorted"] = c.js(SORT)
		# the index: tick two jobs, send the form
		c.goto(base + "/index.html")
		c.events = [e for e in c.events
			    if e["method"] != "Page.loadEventFired"]
		c.js(PICK % json.dumps(pick))
		c.wait_event("Page.loadEventFired")
		wait_for(c, DRAWN)
		r["picked"] = c.js(COMPARE)
		c.pump(0.2)
		r["errors"] = errors + console_errors(c.events, [])
	# how it looks, over http
	base = bases[0][1]
	res["overflow"] = {}
	for dark in (False, True):
		c.call("Emulation.setEmulatedMedia", features=[
			{"name": "prefers-color-scheme",
			 "value": "dark" if dark else "light"}])
		for phone in (False, True):
			c.call("Emulation.setDeviceMetricsOverride",
			       width=390 if phone else 1280,
			       height=844 if phone else 800,
			       deviceScaleFactor=1, mobile=phone)
			for page, url in (("group", "/groups/%s/index.html" %
					   gid),
					  ("compare", "/compare.html?ids=" +
					   ids)):
				key = "%s-%s-%s" % (page, "phone" if phone
						    else "desktop",
						    "dark" if dark else "light")
				c.goto(base + url)
				if page == "compare":
					wait_for(c, DRAWN)
				c.pump(0.2)
				res["overflow"][key] = c.js(
					"document.documentElement.scrollWidth"
					" > window.innerWidth")
				c.shot(os.path.join(artifacts, key + ".png"))
	c.call("Emulation.clearDeviceMetricsOverride")


def main():
	exe, www, gid, ids, artifacts, results = sys.argv[1:7]
	return browse(exe, www, artifacts, results,
		      lambda c, bases, res: session(c, bases, gid, ids,
						    artifacts, res))


if __name__ == "__main__":
	sys.exit(main())
