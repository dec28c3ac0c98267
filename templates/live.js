/* spoolboard live.js: live updates on job pages and the index (polling
 * a job's own page, and the index's manifest and shards), sorting and
 * filtering on the index over every job, a running job's duration
 * counted up. Every page is complete without it. */
(function () {
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

	/* time_duration() of lib/timeutil.c: "4.2s", "3m 05s", "2h 07m",
	   "1d 03h" */
	function durationText(sec) {
		var s;
		function two(n) { return (n < 10 ? "0" : "") + n; }
		if (!(sec >= 0) || !isFinite(sec)) sec = 0;
		if (sec < 10) return sec.toFixed(1) + "s";
		s = Math.round(sec);
		if (s < 3600) return Math.floor(s / 60) + "m " + two(s % 60) + "s";
		if (s < 86400)
			return Math.floor(s / 3600) + "h " +
				two(Math.floor(s % 3600 / 60)) + "m";
		return Math.floor(s / 86400) + "d " +
			two(Math.floor(s % 86400 / 3600)) + "h";
	}

	/* Count a running job's duration up in element e, whose
	   data-started is the start (ISO) and data-duration the seconds the
	   renderer counted: from the start to now by the browser's clock,
	   never less than the renderer's figure. A function of the start and
	   the clock, so a poll that brings an older figure sets nothing back. */
	function tickDuration(e, cell) {
		var t = Date.parse(e.getAttribute("data-started") || "");
		var base = parseFloat(e.getAttribute("data-duration"));
		var s = (Date.now() - t) / 1000;
		if (isNaN(t)) return;
		if (!(s >= base) && !isNaN(base)) s = base;
		cell.textContent = durationText(s);
	}

	/* The Live/Pause bar of the index and of a live job's page: poll()
	   every 3 s and tick() every second while live. Over file://, where
	   fetch() is refused, the note says how to serve dir (the site's
	   folder), nothing runs and the result is null; else the bar's
	   start(), stop() and paused(). */
	function liveBar(dir, poll, tick) {
		var bar = document.getElementById("livebar");
		var note = document.getElementById("livenote");
		var btn = document.getElementById("livetoggle");
		var paused = false, timer = null, ticker = null;
		bar.hidden = false;
		if (location.protocol === "file:") {
			btn.hidden = true;
			note.textContent = "Live updates need http: serve the " +
				"folder, e.g. python3 -m http.server -d '" +
				decodeURIComponent(dir) +
				"', and open http://localhost:8000/";
			return null;
		}
		function stop() {
			clearInterval(timer);
			clearInterval(ticker);
			timer = ticker = null;
		}
		function start() {
			stop();
			timer = setInterval(poll, 3000);
			ticker = setInterval(tick, 1000);
			poll();
			tick();
		}
		btn.addEventListener("click", function () {
			paused = !paused;
			btn.textContent = paused ? "Live" : "Pause";
			note.textContent = paused ? "Paused" : "Live";
			if (paused) stop(); else start();
		});
		start();
		return { start: start, stop: stop,
			 paused: function () { return paused; } };
	}

	/* A live job's page: every 3 s it fetches its own index.html (the
	   renderer rewrites it at each change: there is no other live
	   file) and puts the parts of it that change into this page, which
	   keeps its scroll, its open panels, the smoothing and the charts'
	   tooltips. */
	function job() {
		var bar = document.getElementById("livebar");
		var note = document.getElementById("livenote");
		var btn = document.getElementById("livetoggle");
		var live = null, finished = false, down = false;
		var dur = document.querySelector("[data-f=duration]");
		var badge = document.getElementById("status");
		var running = !!badge && / st-running$/.test(badge.className);
		var shown = dur ? dur.textContent : "";
		relTimes();
		if (body.getAttribute("data-live") !== "true" || !bar) return;
		function tick() {
			if (running && dur && !down) tickDuration(dur, dur);
		}
		/* the element of id in d, and its twin here */
		function pair(d, id) {
			var e = document.getElementById(id);
			var n = d.getElementById(id);
			return e && n ? { old: e, now: n } : null;
		}
		function apply(d) {
			var nb = d.body;
			/* the fields (a chart's data-f is its range, not one) */
			d.querySelectorAll("[data-f]:not(svg)").forEach(function (n) {
				var k = n.getAttribute("data-f");
				var e = document.querySelector(
					':not(svg)[data-f="' + CSS.escape(k) + '"]');
				if (e) e.textContent = n.textContent;
			});
			var nd = d.querySelector("[data-f=duration]");
			if (dur && nd) {
				shown = nd.textContent;
				["data-started", "data-duration"].forEach(function (a) {
					dur.setAttribute(a, nd.getAttribute(a) || "");
				});
			}
			["best", "eta", "attempt"].forEach(function (id) {
				var p = pair(d, id);
				if (p) p.old.hidden = p.now.hidden;
			});
			/* what is redrawn whole: the renderer made and escaped it */
			["status", "queue", "progress", "stages", "cards"].forEach(function (id) {
				var p = pair(d, id);
				if (p && p.old.innerHTML !== p.now.innerHTML)
					p.old.innerHTML = p.now.innerHTML;
			});
			var nbadge = d.getElementById("status");
			if (badge && nbadge) badge.className = nbadge.className;
			running = !!badge && / st-running$/.test(badge.className);
			tick();
			var lp = pair(d, "log");
			if (lp && lp.old.innerHTML !== lp.now.innerHTML) {
				var log = lp.old;
				var end = log.scrollTop + log.clientHeight >=
					log.scrollHeight - 4;
				log.innerHTML = lp.now.innerHTML;
				if (end) log.scrollTop = log.scrollHeight;
			}
			/* chart.js's, where the page has it: it keeps its
			   tooltips and smoothing on the new charts */
			if (window.spoolboardCharts)
				window.spoolboardCharts.update(d);
			else d.querySelectorAll("figure.chart-box").forEach(
				function (f) {
				var o = document.getElementById(f.id);
				var os = o && o.querySelector("svg");
				var ns = f.querySelector("svg");
				if (os && ns) os.outerHTML = ns.outerHTML;
			});
			if (nb.getAttribute("data-live") !== "true") {
				if (live) live.stop();
				finished = true;
				var lab = document.querySelector("[data-f=label]");
				note.textContent = "Finished: " +
					(lab ? lab.textContent : "");
				btn.hidden = true;
			}
		}
		function poll() {
			if (down) return;
			fetch("index.html", { cache: "no-store" }).then(function (r) {
				if (!r.ok) throw new Error(r.status);
				return r.text();
			}).then(function (t) {
				if (down || finished) return;
				var d = new DOMParser().parseFromString(t, "text/html");
				note.textContent = "Live · updated " +
					new Date().toLocaleTimeString();
				apply(d);
			}).catch(function () {
				note.textContent = "Live · could not load the page";
			});
		}
		/* the site's folder: this page is in jobs/ID/ under it */
		live = liveBar(location.pathname.replace(
			/\/jobs\/[^\/]*\/[^\/]*$/, ""), poll, tick);
		if (!live) return;
		/* a page whose runner is gone stops saying Live */
		runnerListeners.push(function (st) {
			var now = st === "stopped" || st === "gone";
			if (now === down || finished) return;
			down = now;
			if (down) {
				live.stop();
				/* the duration as the renderer counted it */
				if (running && dur) dur.textContent = shown;
				btn.hidden = true;
				note.textContent = "Not live: the runner " +
					(st === "gone" ? "is down" : "has stopped") +
					"; this is the job as it left it";
			} else {
				btn.hidden = false;
				if (!live.paused()) live.start();
			}
		});
	}

	/* Mustache's {{x}}: nothing for null or absent, else x escaped */
	function txt(x) {
		return x === null || x === undefined ? "" : esc(x);
	}

	/* A job's row of the index from its summary in jobs.json: the markup
	   of templates/row.mustache, so that a row made here and one the
	   renderer made are the same (t3300 compares them). */
	function rowHtml(j) {
		var tags = j.tags || [], g = j.group, st = j.started;
		var tagList = tags.map(function (t) {
			return txt(t) + " ";
		}).join("");
		return '<tr data-status="' + txt(j.status) +
			'" data-tags="' + tagList +
			'" data-name="' + txt(j.name) +
			'" data-progress="' + txt(j.progress_pct) +
			'" data-epoch="' + txt(j.epoch) +
			'" data-best="' + txt(j.best_val_loss) +
			'" data-started="' + txt(st && st.iso) +
			'" data-duration="' + txt(j.duration_s) + '">\n' +
			'<td><input type="checkbox" class="pick" name="ids" value="' +
			txt(j.id) + '" aria-label="Compare ' + txt(j.name) +
			'"> <a href="jobs/' + txt(j.id) + '/index.html">' +
			txt(j.name) + '</a><div class="muted small mono">' +
			txt(j.id) + (g ? ' · <a class="group-link" href="groups/' +
			txt(g.id) + '/index.html">' + txt(g.name) + "</a>" : "") +
			"</div></td>\n" +
			'<td><span class="badge st-' + txt(j.status) +
			'"><span class="icon" aria-hidden="true">' + txt(j.icon) +
			"</span> " + txt(j.label) + "</span></td>\n" +
			'<td><div class="bar" role="progressbar" ' +
			'aria-valuemin="0" aria-valuemax="100" aria-valuenow="' +
			txt(j.progress_pct) + '"><span style="width:' +
			txt(j.progress_pct) + '%"></span></div><span class="small">' +
			txt(j.progress_pct) + "%</span></td>\n" +
			'<td class="num">' + txt(j.epoch_cell) + "</td>\n" +
			'<td class="num">' + txt(j.best_val_loss) + "</td>\n" +
			"<td>" + tags.map(function (t) {
				return '<span class="tag">' + txt(t) + "</span> ";
			}).join("") + "</td>\n" +
			"<td>" + (st ? '<time datetime="' + txt(st.iso) +
			'" title="' + txt(st.iso) + '">' + txt(st.iso) +
			"</time>" : '<span class="muted">–</span>') + "</td>\n" +
			'<td class="num">' + txt(j.duration) + "</td>\n</tr>\n";
	}

	/* The job ID of a row of the index: its checkbox's value */
	function rowId(r) {
		var c = r.querySelector(".pick");
		return c ? c.value : "";
	}

	/*
	 * The index: with a script, a search box, status and tag filters,
	 * sorting by any column (all kept in location.hash), the count cards
	 * as status filters, over every job: index.html has the newest rows
	 * only, and the rows of all jobs are made from the shards of the
	 * index (index/K.js, each calling spoolboardShard(K, [summary, ...])
	 * with its jobs' entries of jobs.json), which index/manifest.js
	 * names with a version each (spoolboardIndex({shards: [{n, v}]})).
	 * Both are loaded by script elements, which work over file:// too.
	 * Over http the table is live: the manifest is loaded again every
	 * few seconds and only the shards whose version changed, then the
	 * counts, changed rows, new and removed jobs follow without a
	 * reload. The shards are the source of the rows once read: every
	 * row is made again from them then, and after that the rows of jobs
	 * whose summary changed.
	 */
	function index() {
		var table = document.getElementById("jobs");
		var controls = document.getElementById("controls");
		var form = document.getElementById("jobs-form");
		var nojobs = document.getElementById("nojobs");
		var nomatch = document.getElementById("nomatch");
		var q = document.getElementById("q");
		var fs = document.getElementById("fstatus");
		var ft = document.getElementById("ftag");
		var sortKey = "", sortDir = 1;
		/* the sortable columns by key: the only keys taken from the
		   hash, which is never made into a selector or markup */
		var sortTh = {};
		/* what each row was made from: job ID to its summary as JSON
		   text (absent: the renderer's row, not checked yet) */
		var made = {};
		var cards = [];
		var down = false, downNote = "", live = null;
		/* the shards read, by K - 1: {v, jobs}; those asked for, by K:
		   their version; since when (ms) */
		var shards = [], want = {}, pending = 0, asked = 0;
		var fresh = true;
		relTimes();
		if (!table || !controls) return;
		table.querySelectorAll("th[data-sort]").forEach(function (th) {
			sortTh[th.getAttribute("data-sort")] = th;
		});
		var tbody = table.tBodies[0];
		var rows = Array.prototype.slice.call(tbody.rows);

		function fillTags() {
			var tags = {}, keep = ft.value;
			rows.forEach(function (r) {
				(r.getAttribute("data-tags") || "").split(" ")
					.forEach(function (t) { if (t) tags[t] = 1; });
			});
			if (keep) tags[keep] = 1;
			while (ft.options.length > 1) ft.remove(1);
			Object.keys(tags).sort().forEach(function (t) {
				var o = document.createElement("option");
				o.value = t; o.textContent = t; ft.appendChild(o);
			});
			ft.value = keep;
		}
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
			var text = q.value.toLowerCase(), shown = 0;
			rows.forEach(function (r) {
				var tg = " " + r.getAttribute("data-tags") + " ";
				r.hidden = !!((fs.value && r.getAttribute(
					"data-status") !== fs.value) || (ft.value &&
					tg.indexOf(" " + ft.value + " ") < 0) ||
					(text && r.textContent.toLowerCase()
					.indexOf(text) < 0));
				shown += !r.hidden;
			});
			form.hidden = controls.hidden = rows.length === 0;
			nojobs.hidden = rows.length > 0;
			nomatch.hidden = shown > 0 || rows.length === 0;
			cards.forEach(function (b) {
				var k = b.getAttribute("data-key");
				b.setAttribute("aria-pressed", String(k === "total" ?
					!fs.value : fs.value === k));
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
				/* each row's value once: null for none (no best
				   val_loss, not started), which goes last whichever
				   way, as on a group's page; ties keep the rows'
				   order, newest first */
				var keyed = rows.map(function (r) {
					var v = r.getAttribute("data-" + sortKey) || "";
					if (num) v = parseFloat(v);
					return { r: r, v: v === "" ||
						 (num && isNaN(v)) ? null : v };
				});
				keyed.sort(function (a, b) {
					if (a.v === null || b.v === null)
						return (a.v === null) - (b.v === null);
					return (num ? a.v - b.v :
						a.v.localeCompare(b.v)) * sortDir;
				});
				keyed.forEach(function (k) { tbody.appendChild(k.r); });
			}
			writeHash();
		}
		/* jobs: jobs.json's list, newest first. Rows of jobs gone are
		   removed, rows of new or changed jobs made (a ticked box and
		   the focus kept), the counts set; filters and sort stay. */
		function apply(jobs) {
			var old = {}, keep = {}, fresh = [], html = [];
			var counts = { total: 0 };
			var tpl = document.createElement("template");
			var focus = document.activeElement, refocus = null;
			rows.forEach(function (r) { old[rowId(r)] = r; });
			jobs.forEach(function (j) {
				var s = JSON.stringify(j);
				keep[j.id] = 1;
				counts.total++;
				counts[j.status] = (counts[j.status] || 0) + 1;
				if (old[j.id] && made[j.id] === s) return;
				made[j.id] = s;
				fresh.push(j.id);
				html.push(rowHtml(j));
			});
			tpl.innerHTML = html.join("");
			Array.prototype.slice.call(tpl.content.children)
				.forEach(function (tr, i) {
				var was = old[fresh[i]];
				if (was) {
					var a = was.querySelector(".pick");
					var b = tr.querySelector(".pick");
					b.checked = a.checked;
					if (focus && was.contains(focus)) refocus = b;
					was.parentNode.removeChild(was);
				}
				old[fresh[i]] = tr;
			});
			Object.keys(old).forEach(function (id) {
				if (keep[id]) return;
				if (old[id].parentNode)
					old[id].parentNode.removeChild(old[id]);
				delete made[id];
			});
			rows = jobs.map(function (j) { return old[j.id]; });
			rows.forEach(function (r) { tbody.appendChild(r); });
			if (refocus) refocus.focus();
			document.querySelectorAll("[data-count]").forEach(function (e) {
				e.textContent = counts[e.getAttribute("data-count")] || 0;
			});
			fillTags();
			relTimes();
			tick();
			update();
		}
		/* a runner gone: durations as the renderer counted them, from
		   the next poll on */
		runnerListeners.push(function (st) {
			var now = st === "stopped" || st === "gone";
			if (now && !down) { made = {}; fresh = true; }
			down = now;
			downNote = now ? "Not live: the runner " + (st === "gone" ?
				"is down" : "has stopped") + "; jobs move " +
				"again when it is back" : "";
			if (now) document.getElementById("livenote").textContent =
				downNote;
		});
		function tick() {
			if (down) return;
			tbody.querySelectorAll('tr[data-status="running"]')
				.forEach(function (r) {
				if (r.cells.length > 7) tickDuration(r, r.cells[7]);
			});
		}
		function script(src, failed) {
			var e = document.createElement("script");
			e.src = src;
			e.onload = function () { e.remove(); };
			e.onerror = function () { e.remove(); if (failed) failed(); };
			document.head.appendChild(e);
		}
		function note(text) {
			var n = document.getElementById("livenote");
			if (live) n.textContent = down ? downNote : text;
		}
		/* every job, newest first: the shards from the newest */
		function loaded() {
			var all = [], pn = document.getElementById("pagenote");
			if (pending) return;
			for (var k = shards.length; k-- > 0;)
				if (shards[k]) all = all.concat(shards[k].jobs);
			if (fresh) apply(all);
			fresh = false;
			if (pn) pn.firstChild.textContent = "Search, filters and " +
				"sorting cover all " + all.length + " jobs. ";
			note("Live · updated " + new Date().toLocaleTimeString());
		}
		window.spoolboardIndex = function (m) {
			var list = (m && m.shards) || [];
			if (shards.length !== list.length) fresh = true;
			shards.length = list.length;
			list.forEach(function (sh, i) {
				var k = i + 1;
				if (shards[i] && shards[i].v === sh.v) return;
				want[k] = sh.v;
				pending++;
				script("index/" + k + ".js?v=" + encodeURIComponent(sh.v),
				       function () {
					/* asked for again at the next poll */
					if (!(k in want)) return;
					delete want[k];
					shards[i] = null;
					pending--;
					note("Live · could not load index/" + k + ".js");
				});
			});
			loaded();
		};
		window.spoolboardShard = function (k, jobs) {
			if (!(k in want)) return;
			shards[k - 1] = { v: want[k], jobs: jobs || [] };
			delete want[k];
			pending--;
			fresh = true;
			loaded();
		};
		function poll() {
			/* the last poll's shards still coming: wait for them,
			   for a while */
			if (pending && Date.now() - asked < 15000) return;
			want = {};
			pending = 0;
			asked = Date.now();
			script("index/manifest.js?t=" + asked, function () {
				note("Live · could not load index/manifest.js");
			});
		}

		/* the count cards become buttons that filter by their status */
		document.querySelectorAll(".counts .count").forEach(function (d) {
			var b = document.createElement("button");
			var v = d.querySelector("[data-count]");
			var k = v ? v.getAttribute("data-count") : "total";
			b.type = "button";
			b.className = d.className;
			b.setAttribute("data-key", k);
			b.title = k === "total" ? "Show every job" :
				"Show only " + k + " jobs";
			while (d.firstChild) b.appendChild(d.firstChild);
			d.parentNode.replaceChild(b, d);
			b.addEventListener("click", function () {
				fs.value = k === "total" || fs.value === k ? "" : k;
				update();
			});
			cards.push(b);
		});
		/* the headings sort now: style.css shows them as chips on a
		   phone only then */
		table.classList.add("sortable");
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
		document.getElementById("clearfilters").addEventListener("click",
			function () {
			q.value = fs.value = ft.value = "";
			update();
		});
		fillTags();
		readHash();
		update();
		live = liveBar(location.pathname.replace(/\/[^\/]*$/, ""), poll,
			       tick);
		/* over file://: every job once, for the search and sort */
		if (!live) poll();
	}

	if (body.getAttribute("data-page") === "job") job();
	else if (body.getAttribute("data-page") === "index") index();
	else relTimes();
	runner();
})();
