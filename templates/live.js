/* spoolboard live.js: live updates on job pages, sorting and filtering on
 * the index. Every page is complete without it. */
(function () {
	"use strict";
	var body = document.body;

	function esc(s) {
		return String(s).replace(/[&<>"']/g, function (c) {
			return { "&": "&amp;", "<": "&lt;", ">": "&gt;",
				'"': "&quot;", "'": "&#39;" }[c];
		});
	}

	function relTimes() {
		var now = Date.now();
		document.querySelectorAll("time[datetime]").forEach(function (t) {
			var d = (now - Date.parse(t.getAttribute("datetime"))) / 1000;
			var r;
			if (isNaN(d)) return;
			if (d < 60) r = "just now";
			else if (d < 3600) r = Math.floor(d / 60) + " min ago";
			else if (d < 86400) r = Math.floor(d / 3600) + " h ago";
			else r = Math.floor(d / 86400) + " d ago";
			t.textContent = r;
		});
	}

	/* Called with the runner's state ("up", "stopped", "gone", "none")
	   and its status object each time runner.js is loaded. */
	var runnerListeners = [];

	function runnerState(r) {
		var seen, hb;
		if (!r || r.state === "none") return "none";
		if (r.stopped) return "stopped";
		seen = Date.parse(r.last_seen);
		hb = r.heartbeat_s > 0 ? r.heartbeat_s : 10;
		/* as heartbeat.h's HEARTBEAT_STALE */
		if (isNaN(seen) || (Date.now() - seen) / 1000 > 3 * hb + 5)
			return "gone";
		return "up";
	}

	/* The runner's heartbeat on every page: runner.js, written by each
	   render from SPOOL/runner.json, is loaded by a script element every
	   10 s (which works over file:// as over http), and the line in the
	   header says whether the runner is up from its last_seen. */
	function runner() {
		var line = document.getElementById("runner-line");
		var script = null;
		if (!line) return;
		window.spoolboardRunner = function (r) {
			var st = runnerState(r), n, label, t = "";
			if (st === "up") {
				n = (r.running || []).length;
				label = "Runner up · " + n + " running";
				if (r.queued > 0) label += " · " + r.queued + " queued";
			} else if (st === "stopped") {
				label = "Runner stopped"; t = r.stopped;
			} else if (st === "gone") {
				label = "Runner down · last seen"; t = r.last_seen;
			} else {
				label = "No runner has served this spool";
			}
			line.className = "runner-line st-" + st;
			line.innerHTML = '<span class="dot" aria-hidden="true">' +
				'</span> <span class="runner-text">' + esc(label) +
				(t ? ' <time datetime="' + esc(t) + '">' + esc(t) +
				 "</time>" : "") + "</span>";
			if (r && r.host)
				line.title = "spoolboard " + (r.version || "") +
					" on " + r.host + ", process " + r.pid +
					", data root " + r.data_root;
			line.hidden = false;
			relTimes();
			runnerListeners.forEach(function (f) { f(st, r); });
		};
		function load() {
			if (script) script.remove();
			script = document.createElement("script");
			script.src = (line.getAttribute("data-root") || "") +
				"runner.js?t=" + Date.now();
			document.head.appendChild(script);
		}
		load();
		setInterval(load, 10000);
	}

	function job() {
		var bar = document.getElementById("livebar");
		var note = document.getElementById("livenote");
		var btn = document.getElementById("livetoggle");
		var paused = false, timer = null, finished = false, down = false;
		relTimes();
		if (body.getAttribute("data-live") !== "true" || !bar) return;
		bar.hidden = false;
		if (location.protocol === "file:") {
			btn.hidden = true;
			/* the site's folder: this page is in jobs/ID/ under it */
			var dir = decodeURIComponent(location.pathname
				.replace(/\/jobs\/[^\/]*\/[^\/]*$/, ""));
			note.textContent = "Live updates need http: serve the " +
				"folder, e.g. python3 -m http.server -d '" + dir +
				"', and open http://localhost:8000/";
			return;
		}
		function apply(d) {
			document.querySelectorAll("[data-f]").forEach(function (e) {
				var k = e.getAttribute("data-f");
				if (d[k] !== undefined && d[k] !== null)
					e.textContent = d[k];
			});
			var b = document.getElementById("best");
			if (b) b.hidden = !d.best_epoch;
			var eta = document.getElementById("eta");
			if (eta) eta.hidden = !d.eta;
			var at = document.getElementById("attempt");
			if (at) at.hidden = !d.attempt;
			(d.cards || []).forEach(function (c) {
				document.querySelectorAll("[data-card]").forEach(
					function (e) {
					if (e.getAttribute("data-card") !== c.name)
						return;
					e.querySelector(".card-value").textContent =
						c.latest;
					e.querySelector(".card-best").textContent =
						c.best;
				});
			});
			var p = document.getElementById("pbar");
			if (p) {
				p.style.width = d.progress_pct + "%";
				p.parentNode.setAttribute("aria-valuenow",
							  d.progress_pct);
			}
			var st = document.getElementById("status");
			if (st) {
				st.className = "badge st-" + d.status;
				st.querySelector(".icon").textContent = d.icon;
			}
			var ol = document.getElementById("stages");
			if (ol && d.stages) ol.innerHTML = d.stages.map(function (s) {
				return '<li class="stage st-' + esc(s.status) +
					'"><span class="icon" aria-hidden="true">' +
					esc(s.icon) + '</span> <span class="stage-name">' +
					esc(s.name) + '</span> <span class="stage-status">' +
					esc(s.label) + '</span> <span class="stage-dur muted">' +
					esc(s.duration) + "</span></li>";
			}).join("");
			var log = document.getElementById("log");
			if (log && typeof d.log_html === "string") {
				var end = log.scrollTop + log.clientHeight >=
					log.scrollHeight - 4;
				/* markup made and escaped by the renderer */
				log.innerHTML = d.log_html;
				if (end) log.scrollTop = log.scrollHeight;
			}
			/* chart.js's, where the page has it: it keeps its
			   tooltips and smoothing on the new charts */
			if (window.spoolboardCharts)
				window.spoolboardCharts.update(d.charts);
			else (d.charts || []).forEach(function (c) {
				var f = document.getElementById("chart-" + c.id);
				if (f && f.firstElementChild &&
				    f.firstElementChild.tagName.toLowerCase() === "svg")
					f.firstElementChild.outerHTML = c.svg;
			});
			if (!d.live) {
				stop();
				finished = true;
				note.textContent = "Finished: " + d.label;
				btn.hidden = true;
			}
		}
		function poll() {
			if (down) return;
			fetch("data.json", { cache: "no-store" }).then(function (r) {
				if (!r.ok) throw new Error(r.status);
				return r.json();
			}).then(function (d) {
				if (down) return;
				note.textContent = "Live · updated " +
					new Date().toLocaleTimeString();
				apply(d);
			}).catch(function () {
				note.textContent = "Live · could not load data.json";
			});
		}
		function stop() { clearInterval(timer); timer = null; }
		function start() { stop(); timer = setInterval(poll, 3000); poll(); }
		btn.addEventListener("click", function () {
			paused = !paused;
			btn.textContent = paused ? "Live" : "Pause";
			note.textContent = paused ? "Paused" : "Live";
			if (paused) stop(); else start();
		});
		/* a page whose runner is gone stops saying Live */
		runnerListeners.push(function (st) {
			var now = st === "stopped" || st === "gone";
			if (now === down || finished) return;
			down = now;
			if (down) {
				stop();
				btn.hidden = true;
				note.textContent = "Not live: the runner " +
					(st === "gone" ? "is down" : "has stopped") +
					"; this is the job as it left it";
			} else {
				btn.hidden = false;
				if (!paused) start();
			}
		});
		start();
	}

	function index() {
		var table = document.getElementById("jobs");
		var controls = document.getElementById("controls");
		var q = document.getElementById("q");
		var fs = document.getElementById("fstatus");
		var ft = document.getElementById("ftag");
		var sortKey = "", sortDir = 1;
		/* the sortable columns by key: the only keys taken from the
		   hash, which is never made into a selector or markup */
		var sortTh = {};
		relTimes();
		if (!table || !controls) return;
		controls.hidden = false;
		table.querySelectorAll("th[data-sort]").forEach(function (th) {
			sortTh[th.getAttribute("data-sort")] = th;
		});
		var tbody = table.tBodies[0];
		var rows = Array.prototype.slice.call(tbody.rows);
		var tags = {};
		rows.forEach(function (r) {
			(r.getAttribute("data-tags") || "").split(" ")
				.forEach(function (t) { if (t) tags[t] = 1; });
		});
		Object.keys(tags).sort().forEach(function (t) {
			var o = document.createElement("option");
			o.value = t; o.textContent = t; ft.appendChild(o);
		});
		function readHash() {
			var h = new URLSearchParams(location.hash.slice(1));
			q.value = h.get("q") || "";
			fs.value = h.get("status") || "";
			ft.value = h.get("tag") || "";
			sortKey = h.get("sort") || "";
			if (!Object.prototype.hasOwnProperty.call(sortTh, sortKey))
				sortKey = "";
			sortDir = h.get("dir") === "desc" ? -1 : 1;
		}
		function writeHash() {
			var h = new URLSearchParams();
			if (q.value) h.set("q", q.value);
			if (fs.value) h.set("status", fs.value);
			if (ft.value) h.set("tag", ft.value);
			if (sortKey) {
				h.set("sort", sortKey);
				h.set("dir", sortDir < 0 ? "desc" : "asc");
			}
			history.replaceState(null, "", "#" + h.toString());
		}
		function update() {
			var text = q.value.toLowerCase();
			rows.forEach(function (r) {
				var tg = " " + r.getAttribute("data-tags") + " ";
				r.hidden = (fs.value && r.getAttribute("data-status") !==
					fs.value) || (ft.value &&
					tg.indexOf(" " + ft.value + " ") < 0) ||
					(text && r.textContent.toLowerCase()
					.indexOf(text) < 0);
			});
			table.querySelectorAll("th[data-sort]").forEach(function (th) {
				th.removeAttribute("aria-sort");
				if (th.getAttribute("data-sort") === sortKey)
					th.setAttribute("aria-sort", sortDir > 0 ?
						"ascending" : "descending");
			});
			if (sortKey) {
				var th = sortTh[sortKey];
				var num = th && th.getAttribute("data-type") === "num";
				var sorted = rows.slice().sort(function (a, b) {
					var x = a.getAttribute("data-" + sortKey) || "";
					var y = b.getAttribute("data-" + sortKey) || "";
					if (num) {
						x = parseFloat(x); y = parseFloat(y);
						if (isNaN(x)) x = Infinity;
						if (isNaN(y)) y = Infinity;
						return (x - y) * sortDir || 0;
					}
					return x.localeCompare(y) * sortDir;
				});
				sorted.forEach(function (r) { tbody.appendChild(r); });
			}
			writeHash();
		}
		table.querySelectorAll("th[data-sort]").forEach(function (th) {
			th.tabIndex = 0;
			function go() {
				var k = th.getAttribute("data-sort");
				sortDir = k === sortKey ? -sortDir : 1;
				sortKey = k;
				update();
			}
			th.addEventListener("click", go);
			th.addEventListener("keydown", function (e) {
				if (e.key === "Enter") go();
			});
		});
		[q, fs, ft].forEach(function (e) {
			e.addEventListener("input", update);
		});
		readHash();
		update();
	}

	if (body.getAttribute("data-page") === "job") job();
	else if (body.getAttribute("data-page") === "index") index();
	runner();
})();
