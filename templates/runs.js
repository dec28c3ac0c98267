/* spoolboard runs.js: the group pages' sorting and hover, and the compare
 * page. A group page is complete without it; the compare page is drawn by
 * it from the jobs in its address (compare.html?ids=a,b,c). Every job's
 * data comes from jobs/ID/compare.js, loaded with a script element
 * (browsers refuse fetch() over file://), which calls spoolboardCompare.
 * Nothing from a job or the address is made into markup or a selector:
 * text goes in with textContent, IDs are checked against the job ID rule. */
(function () {
	"use strict";
	var body = document.body;
	var SVG = "http://www.w3.org/2000/svg";
	var MAX_JOBS = 50;
	var ID_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		Object.keys(attrs || {}).forEach(function (k) {
			e.setAttribute(k, attrs[k]);
		});
		if (text !== undefined && text !== null) e.textContent = text;
		return e;
	}

	function sel(tag, attrs, text) {
		var e = document.createElementNS(SVG, tag);
		Object.keys(attrs || {}).forEach(function (k) {
			e.setAttribute(k, attrs[k]);
		});
		if (text !== undefined && text !== null) e.textContent = text;
		return e;
	}

	/* 4 significant digits, as the pages write numbers */
	function fmt(v) {
		if (typeof v !== "number" || !isFinite(v)) return "-";
		if (v === 0) return "0";
		var a = Math.abs(v);
		if (a >= 1e-4 && a < 1e6) return String(Number(v.toPrecision(4)));
		return v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e");
	}

	/* Each cell of table's body from the fourth column on gets its
	   column's heading as data-label, and the table the class
	   "labelled": on a phone style.css shows each row as a card with
	   the headings beside the values, where it would scroll sideways. */
	function labelled(table) {
		var heads = Array.prototype.map.call(table.tHead.rows[0].cells,
			function (th) { return th.textContent; });
		Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
			Array.prototype.forEach.call(r.cells, function (td, i) {
				if (i >= 3 && heads[i])
					td.setAttribute("data-label", heads[i]);
			});
		});
		table.classList.add("labelled");
	}

	/* ---- the group page ------------------------------------------- */

	function sortable(table) {
		var tbody = table.tBodies[0];
		var ths = Array.prototype.slice.call(table.tHead.rows[0].cells);
		var key = -1, dir = 1;
		function val(row, i) {
			var c = row.cells[i];
			return c ? c.getAttribute("data-v") : null;
		}
		function go(i) {
			var num = ths[i].getAttribute("data-num") === "1";
			dir = key === i ? -dir : 1;
			key = i;
			var rows = Array.prototype.slice.call(tbody.rows);
			rows.sort(function (a, b) {
				var x, y;
				if (num) {
					x = parseFloat(val(a, i));
					y = parseFloat(val(b, i));
					/* no value: last, whichever way */
					if (isNaN(x) && isNaN(y)) return 0;
					if (isNaN(x)) return 1;
					if (isNaN(y)) return -1;
					return (x - y) * dir;
				}
				x = a.cells[i].textContent;
				y = b.cells[i].textContent;
				return x.localeCompare(y) * dir;
			});
			rows.forEach(function (r) { tbody.appendChild(r); });
			ths.forEach(function (th, k) {
				if (k === i) th.setAttribute("aria-sort",
					dir > 0 ? "ascending" : "descending");
				else th.removeAttribute("aria-sort");
			});
		}
		ths.forEach(function (th, i) {
			th.tabIndex = 0;
			th.classList.add("sortable");
			th.addEventListener("click", function () { go(i); });
			th.addEventListener("keydown", function (e) {
				if (e.key === "Enter") go(i);
			});
		});
	}

	/* The marks and the row of one member, by its ID. */
	function byId(id) {
		var out = [];
		document.querySelectorAll("[data-id]").forEach(function (e) {
			if (e.getAttribute("data-id") === id) out.push(e);
		});
		return out;
	}

	function group() {
		var table = document.getElementById("members");
		if (table) {
			sortable(table);
			labelled(table);
		}
		var lit = [];
		function light(id) {
			lit.forEach(function (e) { e.classList.remove("hl"); });
			lit = id ? byId(id) : [];
			lit.forEach(function (e) { e.classList.add("hl"); });
			document.querySelectorAll("svg.plot").forEach(function (s) {
				s.classList.toggle("lit", !!id);
			});
		}
		/* a readout under each plot: the hovered member's values */
		document.querySelectorAll("figure.chart-box").forEach(function (f) {
			var svg = f.querySelector("svg.plot");
			if (!svg) return;
			var out = el("p", { "class": "readout", "aria-live": "polite" });
			f.appendChild(out);
			svg.addEventListener("mouseover", function (e) {
				var t = e.target.closest ? e.target.closest("[data-id]") :
					null;
				if (!t) return;
				var title = t.querySelector("title");
				out.textContent = title ? title.textContent
					.replace(/\n/g, " · ") : "";
				light(t.getAttribute("data-id"));
			});
			svg.addEventListener("mouseleave", function () {
				out.textContent = "";
				light(null);
			});
		});
		if (table) {
			table.addEventListener("mouseover", function (e) {
				var tr = e.target.closest ? e.target.closest("tr[data-id]") :
					null;
				if (tr) light(tr.getAttribute("data-id"));
			});
			table.addEventListener("mouseleave", function () {
				light(null);
			});
		}
		picks();
	}

	/* "Compare selected (n)" on a form with checkboxes */
	function picks() {
		document.querySelectorAll("form.compare-form").forEach(function (f) {
			var btn = f.querySelector("button[type=submit]");
			function count() {
				var n = f.querySelectorAll("input.pick:checked").length;
				btn.textContent = n ? "Compare selected (" + n + ")" :
					"Compare selected";
			}
			f.addEventListener("change", count);
			count();
		});
	}

	/* ---- the compare page ----------------------------------------- */

	/* The IDs in the address: ids=a,b,c (or ids=a&ids=b), checked. */
	function wantedIds() {
		var q = new URLSearchParams(location.search), seen = {}, out = [];
		var bad = [];
		q.getAll("ids").forEach(function (v) {
			v.split(",").forEach(function (id) {
				id = id.trim();
				if (!id || seen[id]) return;
				seen[id] = 1;
				if (ID_RE.test(id)) out.push(id);
				else bad.push(id);
			});
		});
		return { ids: out, bad: bad };
	}

	var loaded = {};
	/* called by each jobs/ID/compare.js */
	/* d's series as [x0, y0, x1, y1, ...]: compare.js gives the y of
	   those with the epochs d.x alone, the others as {xy: [...]} (and
	   one written before d.x as pairs) */
	function pairs(d) {
		var out = {};
		var m = /^(-?\d+)\.\.(-?\d+)$/.exec(typeof d.x === "string" ?
			d.x : "");
		if (m) {
			d.x = [];
			for (var v = Number(m[1]); v <= Number(m[2]); v++)
				d.x.push(v);
		}
		Object.keys(d.series || {}).forEach(function (k) {
			var s = d.series[k];
			if (s && Array.isArray(s.xy)) out[k] = s.xy;
			else if (Array.isArray(s) && Array.isArray(d.x)) {
				out[k] = [];
				s.forEach(function (y, i) {
					if (i < d.x.length) out[k].push(d.x[i], y);
				});
			} else if (Array.isArray(s)) out[k] = s;
		});
		d.series = out;
		return d;
	}

	window.spoolboardCompare = function (d) {
		var s = document.currentScript;
		var id = s ? s.getAttribute("data-id") : d && d.id;
		if (id && d && d.id === id) loaded[id] = pairs(d);
	};

	function load(ids, done) {
		var left = ids.length, failed = [];
		if (!left) { done(failed); return; }
		/* over http, past the browser's cache; a file:// URL keeps
		   its plain name */
		var fresh = /^https?:$/.test(location.protocol) ?
			"?t=" + Date.now() : "";
		ids.forEach(function (id) {
			var s = document.createElement("script");
			s.setAttribute("data-id", id);
			s.src = "jobs/" + encodeURIComponent(id) + "/compare.js" + fresh;
			s.onload = s.onerror = function (e) {
				if (e.type === "error" || !loaded[id]) failed.push(id);
				s.remove();
				if (--left === 0) done(failed);
			};
			document.head.appendChild(s);
		});
	}

	/* Nice ticks between lo and hi: about n of them (whole numbers
	   only, with whole set: epochs). */
	function ticks(lo, hi, n, whole) {
		var span = hi - lo;
		if (!(span > 0) || !isFinite(span)) return [lo];
		var step = Math.pow(10, Math.floor(Math.log10(span / n)));
		var f = span / n / step;
		step *= f > 5 ? 10 : f > 2 ? 5 : f > 1 ? 2 : 1;
		if (whole && step < 1) step = 1;
		var out = [];
		for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9 &&
		     out.length < 50; t += step)
			out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
		return out;
	}

	/* One SVG of the series named name of each job. */
	function chart(name, jobs) {
		var W = 640, H = 260, L = 58, R = 12, T = 28, B = 34;
		var xs = [], ys = [], logy;
		jobs.forEach(function (j) {
			var s = j.d.series[name] || [];
			for (var i = 0; i + 1 < s.length; i += 2) {
				xs.push(s[i]);
				ys.push(s[i + 1]);
			}
		});
		var xlo = Math.min.apply(null, xs), xhi = Math.max.apply(null, xs);
		var ylo = Math.min.apply(null, ys), yhi = Math.max.apply(null, ys);
		logy = ylo > 0 && yhi >= ylo * 10;
		function ty(v) { return logy ? Math.log10(v) : v; }
		var y0 = ty(ylo), y1 = ty(yhi), yt = [], k, m;
		if (!(y1 > y0)) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
		if (xlo > 0 && xlo <= (xhi - xlo) * 0.25) xlo = 0;
		if (!(xhi > xlo)) { xlo -= 1; xhi += 1; }
		if (logy) {
			/* out to 1, 2 or 5 x 10^k, as the group pages' plots */
			var nice = [0, Math.log10(2), Math.log10(5), 1];
			k = Math.floor(y0);
			y0 = k + Math.max.apply(null, nice.filter(function (s) {
				return s <= y0 - k + 1e-9; }));
			k = Math.floor(y1);
			y1 = k + Math.min.apply(null, nice.filter(function (s) {
				return s >= y1 - k - 1e-9; }));
			for (k = Math.floor(y0); k <= Math.ceil(y1); k++)
				for (m = 0; m < (y1 - y0 <= 2 ? 3 : 1); m++)
					if (k + nice[m] >= y0 - 1e-9 && k + nice[m] <= y1 + 1e-9)
						yt.push(k + nice[m]);
		} else {
			var st = ticks(y0, y1, 5);
			var step = st.length > 1 ? st[1] - st[0] : 0;
			if (step > 0) {
				y0 = Math.floor(y0 / step + 1e-9) * step;
				y1 = Math.ceil(y1 / step - 1e-9) * step;
			}
			yt = ticks(y0, y1, 5);
		}
		var labels = yt.map(function (t) { return fmt(logy ? Math.pow(10, t) : t); });
		L = 24 + 6.2 * Math.max.apply(null, labels.map(function (s) {
			return s.length; })) + 6;
		function px(x) { return L + (x - xlo) / (xhi - xlo) * (W - L - R); }
		function py(y) { return H - B - (ty(y) - y0) / (y1 - y0) * (H - B - T); }
		var id = "cmp-" + name.replace(/[^A-Za-z0-9_-]/g, "-");
		var svg = sel("svg", { "class": "plot curves", viewBox: "0 0 " + W + " " + H,
			role: "img", "aria-labelledby": id + "-t", "font-size": "11",
			fill: "currentColor" });
		svg.appendChild(sel("title", { id: id + "-t" }, name));
		svg.appendChild(sel("text", { "class": "chart-title", x: 8, y: 15 }, name));
		var grid = sel("g", { "class": "grid", stroke: "currentColor",
			"stroke-opacity": "0.12" });
		var tick = sel("g", { "class": "tick" });
		yt.forEach(function (t, i) {
			var y = H - B - (t - y0) / (y1 - y0) * (H - B - T);
			grid.appendChild(sel("line", { x1: L, x2: W - R, y1: y, y2: y }));
			tick.appendChild(sel("text", { x: L - 5, y: y + 3.5,
				"text-anchor": "end" }, labels[i]));
		});
		ticks(xlo, xhi, 6, xs.every(function (x) {
			return x === Math.floor(x); })).forEach(function (t) {
			var x = px(t);
			grid.appendChild(sel("line", { x1: x, x2: x, y1: T, y2: H - B }));
			tick.appendChild(sel("text", { x: x, y: H - B + 14,
				"text-anchor": "middle" }, fmt(t)));
		});
		svg.appendChild(grid);
		svg.appendChild(tick);
		svg.appendChild(sel("path", { "class": "axis", fill: "none",
			stroke: "currentColor", "stroke-opacity": "0.45",
			d: "M" + L + " " + T + "V" + (H - B) + "H" + (W - R) }));
		svg.appendChild(sel("text", { "class": "label", x: (L + W - R) / 2,
			y: H - 6, "text-anchor": "middle" }, "epoch"));
		svg.appendChild(sel("text", { "class": "label", "text-anchor": "middle",
			transform: "translate(13 " + (T + H - B) / 2 + ") rotate(-90)" },
			name + (logy ? " (log scale)" : "")));
		var g = sel("g", { fill: "none", stroke: "currentColor",
			"stroke-width": "1.75", "stroke-linejoin": "round" });
		jobs.forEach(function (j) {
			var s = j.d.series[name];
			if (!s || !s.length) return;
			var d = "", gap = true;
			for (var i = 0; i + 1 < s.length; i += 2) {
				if (logy && !(s[i + 1] > 0)) { gap = true; continue; }
				d += (gap ? "M" : "L") + px(s[i]).toFixed(1) + " " +
					py(s[i + 1]).toFixed(1);
				gap = false;
			}
			if (!d) return;
			if (s.length === 2) d += "h0";
			var p = sel("path", { "class": "pl " + j.cls, "data-id": j.id, d: d });
			if (j.dash) p.setAttribute("stroke-dasharray", j.dash);
			p.appendChild(sel("title", null, j.d.name + " (" + j.id + ")"));
			g.appendChild(p);
		});
		svg.appendChild(g);
		return svg;
	}

	/* A config value as text. */
	function show(v) {
		if (v === undefined) return "\u2013";
		return typeof v === "string" ? v : JSON.stringify(v);
	}

	function compare() {
		var status = document.getElementById("cmp-status");
		var w = wantedIds(), ids = w.ids, notes = [];
		if (w.bad.length)
			notes.push(w.bad.length + " name" + (w.bad.length > 1 ? "s" : "") +
				" in the address that cannot be job IDs left out");
		if (ids.length > MAX_JOBS) {
			notes.push("only the first " + MAX_JOBS + " of " + ids.length +
				" jobs are compared");
			ids = ids.slice(0, MAX_JOBS);
		}
		if (!ids.length) {
			if (notes.length) status.textContent = notes.join("; ") + ".";
			return;
		}
		/* one address for one selection: ids=a,b,c */
		try {
			history.replaceState(null, "", location.pathname + "?ids=" +
				ids.join(",") + location.hash);
		} catch (e) { /* a browser that refuses it here: keep the old */ }
		status.textContent = "Loading " + ids.length + " job" +
			(ids.length > 1 ? "s" : "") + "\u2026";
		load(ids, function (failed) {
			var jobs = [];
			ids.forEach(function (id) {
				if (!loaded[id]) return;
				var i = jobs.length;
				jobs.push({ id: id, d: loaded[id], cls: "k" + (i % 10),
					dash: i >= 20 ? "1 3" : i >= 10 ? "6 3" : null });
			});
			if (failed.length)
				notes.push("not found: " + failed.join(", ") +
					" (no jobs/ID/compare.js: removed, or not rendered yet)");
			status.textContent = "Comparing " + jobs.length + " job" +
				(jobs.length === 1 ? "" : "s") + "." +
				(notes.length ? " " + notes.join("; ") + "." : "");
			status.classList.toggle("err", failed.length > 0);
			if (!jobs.length) return;
			summary(jobs);
			charts(jobs);
			configs(jobs);
		});
	}

	function link(href, text) {
		return el("a", { href: href }, text);
	}

	/* The table of the jobs: colour, name, status, results. */
	function summary(jobs) {
		var keys = [], seen = {};
		jobs.forEach(function (j) {
			Object.keys(j.d.test || {}).forEach(function (k) {
				if (!seen[k]) { seen[k] = 1; keys.push(k); }
			});
		});
		var t = el("table", { "class": "jobs", id: "cmp-summary" });
		var hr = el("tr");
		["", "Job", "Status", "Group", "Epoch", "best val_loss", "best epoch"]
			.concat(keys.map(function (k) { return "test." + k; }))
			.forEach(function (h) { hr.appendChild(el("th", { scope: "col" }, h)); });
		t.appendChild(el("thead")).appendChild(hr);
		var tb = t.appendChild(el("tbody"));
		jobs.forEach(function (j) {
			var d = j.d, tr = el("tr", { "data-id": j.id });
			var sw = sel("svg", { width: 22, height: 10, "class": j.cls,
				"aria-hidden": "true" });
			var ln = sel("line", { x1: 1, y1: 5, x2: 21, y2: 5, stroke: "currentColor",
				"stroke-width": "2.5" });
			if (j.dash) ln.setAttribute("stroke-dasharray", j.dash);
			sw.appendChild(ln);
			tr.appendChild(el("td")).appendChild(sw);
			var td = tr.appendChild(el("td"));
			td.appendChild(link("jobs/" + encodeURIComponent(j.id) + "/index.html",
				d.name));
			td.appendChild(el("div", { "class": "muted small mono" }, j.id));
			var b = el("span", { "class": "badge st-" + (/^[a-z]+$/.test(d.status) ?
				d.status : "unknown") }, (d.icon || "") + " " + (d.label || d.status));
			tr.appendChild(el("td")).appendChild(b);
			td = tr.appendChild(el("td"));
			if (d.group && ID_RE.test(d.group.id))
				td.appendChild(link("groups/" + encodeURIComponent(d.group.id) +
					"/index.html", d.group.name));
			tr.appendChild(el("td", { "class": "num" }, d.epoch + "/" + d.epochs));
			tr.appendChild(el("td", { "class": "num" }, fmt(d.best_val_loss)));
			tr.appendChild(el("td", { "class": "num" },
				d.best_epoch ? String(d.best_epoch) : "-"));
			keys.forEach(function (k) {
				tr.appendChild(el("td", { "class": "num" },
					fmt((d.test || {})[k])));
			});
			tb.appendChild(tr);
		});
		labelled(t);
		var box = document.getElementById("cmp-jobs");
		box.textContent = "";
		box.appendChild(t);
		box.hidden = false;
	}

	/* One chart per series any job has: losses first, resources last. */
	function charts(jobs) {
		var names = [], seen = {};
		var first = ["train_loss", "val_loss"], last = ["lr", "cpu_pct", "rss_mb"];
		jobs.forEach(function (j) {
			Object.keys(j.d.series || {}).forEach(function (k) {
				if (!seen[k]) { seen[k] = 1; names.push(k); }
			});
		});
		function rank(n) {
			var a = first.indexOf(n), b = last.indexOf(n);
			return a >= 0 ? a - 10 : b >= 0 ? 10 + b : 0;
		}
		names = names.map(function (n, i) { return [rank(n), i, n]; })
			.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
			.map(function (x) { return x[2]; });
		var box = document.getElementById("cmp-charts");
		box.textContent = "";
		names.forEach(function (n) {
			var f = el("figure", { "class": "chart-box", "data-series": n });
			f.appendChild(chart(n, jobs));
			box.appendChild(f);
		});
		box.hidden = !names.length;
	}

	/* The config fields whose values are not all the same. */
	function configs(jobs) {
		var keys = [], seen = {}, rows = [];
		jobs.forEach(function (j) {
			Object.keys(j.d.config || {}).forEach(function (k) {
				if (!seen[k]) { seen[k] = 1; keys.push(k); }
			});
		});
		keys.forEach(function (k) {
			var vals = jobs.map(function (j) { return show((j.d.config || {})[k]); });
			if (vals.some(function (v) { return v !== vals[0]; }))
				rows.push([k, vals]);
		});
		var sec = document.getElementById("cmp-config");
		var box = document.getElementById("cmp-config-table");
		var note = document.getElementById("cmp-config-note");
		box.textContent = "";
		sec.hidden = false;
		if (jobs.length < 2) {
			note.textContent = "One job: nothing to compare its config with.";
			return;
		}
		note.textContent = (keys.length - rows.length) + " of " + keys.length +
			" fields are the same in every job and not shown.";
		if (!rows.length) return;
		var t = el("table", { "class": "dense", id: "cmp-diff" });
		var hr = el("tr");
		hr.appendChild(el("th", { scope: "col" }, "field"));
		jobs.forEach(function (j) {
			hr.appendChild(el("th", { scope: "col", "class": "mono" }, j.id));
		});
		t.appendChild(el("thead")).appendChild(hr);
		var tb = t.appendChild(el("tbody"));
		rows.forEach(function (r) {
			var tr = el("tr");
			tr.appendChild(el("th", { scope: "row", "class": "mono" }, r[0]));
			r[1].forEach(function (v) {
				tr.appendChild(el("td", { "class": "mono" }, v));
			});
			tb.appendChild(tr);
		});
		box.appendChild(t);
	}

	var page = body.getAttribute("data-page");
	if (page === "group") group();
	else if (page === "compare") compare();
})();
