/* spoolboard chart.js: the job page's line charts, which render/chart.c
 * draws with every value in the SVG (data-x, data-y; data-f the plot's
 * range). It adds a tooltip with every series' value at the epoch under
 * the pointer and a rule there, and smoothing of the training charts
 * (the debiased exponential moving average TensorBoard uses, the raw
 * line kept faint), its weight remembered in localStorage. Events are
 * delegated from the document, so a chart replaced by live.js keeps
 * working; live.js hands each poll's page to spoolboardCharts.update.
 * The page is complete without it. */
(function () {
	"use strict";
	var KEY = "spoolboard.smoothing";
	var weight = 0, current = null;

	function words(s) {
		return (s || "").split(" ").filter(function (t) { return t; });
	}

	/* data-x: the values, or "A..B" for the whole numbers A to B */
	function xs(s) {
		var m = /^\s*(-?\d+)\.\.(-?\d+)\s*$/.exec(s || ""), out = [];
		if (!m) return words(s).map(Number);
		for (var v = Number(m[1]); v <= Number(m[2]); v++) out.push(v);
		return out;
	}

	/* The series of svg: {name, cls, g, x, y, gap} with y as numbers;
	   a chart with data-from='ID' has the values of the chart whose
	   title is ID-t, and its own lines (g) */
	function series(svg) {
		var from = svg.getAttribute("data-from");
		if (from && /^[A-Za-z0-9_-]+$/.test(from)) {
			var src = document.querySelector(
				"svg.chart[aria-labelledby='" + from + "-t']");
			var ss = src && src !== svg ? series(src) : [];
			var gs2 = svg.querySelectorAll("svg.plot g[data-name]");
			return ss.slice(0, gs2.length).map(function (s, i) {
				s.g = gs2[i];
				s.cls = gs2[i].getAttribute("class");
				return s;
			});
		}
		var sx = xs(svg.getAttribute("data-x"));
		var gs = svg.querySelectorAll("svg.plot g[data-y]");
		return Array.prototype.map.call(gs, function (g) {
			var own = g.getAttribute("data-x");
			var s = { name: g.getAttribute("data-name"),
				cls: g.getAttribute("class"), g: g,
				x: own ? xs(own) : sx, y: [], gap: [] };
			words(g.getAttribute("data-y")).forEach(function (t) {
				s.gap.push(t.charAt(0) === "~");
				s.y.push(Number(t.replace("~", "")));
			});
			return s;
		});
	}

	function frame(svg) {
		var f = words(svg.getAttribute("data-f")).map(Number);
		var plot = svg.querySelector("svg.plot");
		return { x0: f[0], x1: f[1], y0: f[2], y1: f[3], log: f[4] === 1,
			h: plot ? plot.viewBox.baseVal.height : 0 };
	}

	/* y in the plot's units (px from its top) */
	function plotY(f, v) {
		var t = f.log ? Math.log(v) / Math.LN10 : v;
		return f.h - (t - f.y0) / (f.y1 - f.y0) * f.h;
	}

	/* TensorBoard's smoothing: the moving average debiased by
	 * 1 - w^n, n the finite values so far. */
	function smooth(y, w) {
		var last = 0, n = 0;
		return y.map(function (v) {
			if (!isFinite(v)) return v;
			last = last * w + (1 - w) * v;
			n++;
			return last / (1 - Math.pow(w, n));
		});
	}

	function pathOf(f, s, y) {
		var d = "";
		for (var i = 0; i < y.length; i++) {
			var Y = plotY(f, y[i]);
			if (!isFinite(Y)) continue;
			var X = (s.x[i] - f.x0) / (f.x1 - f.x0) * 1000;
			d += (d === "" || s.gap[i] ? "M" : "L") + X.toFixed(1) +
				" " + Y.toFixed(1);
		}
		return d;
	}

	function smoothed(svg) {
		return weight > 0 && !!svg.closest("#charts-train");
	}

	/* Draw svg's lines smoothed (the raw one faint), or as they are. */
	function draw(svg) {
		var f = frame(svg);
		series(svg).forEach(function (s) {
			var raw = s.g.querySelector("path.line");
			var sm = s.g.querySelector("path.smooth");
			if (!raw) return;
			if (!smoothed(svg)) {
				if (sm) sm.parentNode.removeChild(sm);
				raw.setAttribute("class", "line");
				return;
			}
			if (!sm) {
				sm = raw.cloneNode(false);
				sm.setAttribute("class", "smooth");
				s.g.appendChild(sm);
			}
			sm.setAttribute("d", pathOf(f, s, smooth(s.y, weight)));
			raw.setAttribute("class", "line raw");
		});
	}

	/* A chart new on the page: its tooltips are ours now. */
	function init(svg) {
		if (!svg) return;
		/* the markup as the renderer made it: update() compares */
		svg.spoolboardMarkup = svg.outerHTML;
		if (!svg.hasAttribute("data-f")) return;
		svg.querySelectorAll(".cols title").forEach(function (t) {
			t.parentNode.removeChild(t);
		});
		draw(svg);
	}

	function fmt(v) {
		return isFinite(v) ? String(Number(v.toPrecision(4))) : "–";
	}

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined) e.textContent = text;
		return e;
	}

	function hide() {
		if (!current) return;
		var fig = current.closest("figure");
		var t = fig && fig.querySelector(".chart-tip");
		if (t) t.hidden = true;
		var h = current.querySelector("g.hover");
		if (h) h.parentNode.removeChild(h);
		current = null;
	}

	/* The tooltip and rule of svg at the pointer (clientX, clientY). */
	function show(svg, cx, cy) {
		var r = svg.getBoundingClientRect(), cs = getComputedStyle(svg);
		var L = r.left + parseFloat(cs.paddingLeft);
		var T = r.top + parseFloat(cs.paddingTop);
		var W = r.width - parseFloat(cs.paddingLeft) -
			parseFloat(cs.paddingRight);
		var H = r.height - parseFloat(cs.paddingTop) -
			parseFloat(cs.paddingBottom);
		if (cx < L || cx > L + W || cy < T || cy > T + H || W <= 0) {
			if (current === svg) hide();
			return;
		}
		if (current !== svg) hide();
		current = svg;
		var f = frame(svg), ss = series(svg);
		var want = f.x0 + (cx - L) / W * (f.x1 - f.x0);
		var best = NaN;
		ss.forEach(function (s) {
			s.x.forEach(function (x) {
				if (isNaN(best) || Math.abs(x - want) <
				    Math.abs(best - want))
					best = x;
			});
		});
		if (isNaN(best)) return;
		var pct = (best - f.x0) / (f.x1 - f.x0) * 100;
		var NS = "http://www.w3.org/2000/svg";
		var g = svg.querySelector("g.hover");
		if (!g) {
			g = document.createElementNS(NS, "g");
			g.setAttribute("class", "hover");
			g.setAttribute("pointer-events", "none");
			svg.appendChild(g);
		}
		while (g.firstChild) g.removeChild(g.firstChild);
		var rule = document.createElementNS(NS, "line");
		rule.setAttribute("class", "rule");
		rule.setAttribute("x1", pct + "%");
		rule.setAttribute("x2", pct + "%");
		rule.setAttribute("y2", f.h);
		g.appendChild(rule);

		var fig = svg.closest("figure");
		var tip = fig.querySelector(".chart-tip");
		if (!tip) {
			tip = el("div", "chart-tip");
			fig.appendChild(tip);
		}
		while (tip.firstChild) tip.removeChild(tip.firstChild);
		var lab = svg.querySelector("text.xlabel");
		tip.appendChild(el("div", "tip-x", (lab ? lab.textContent + " " :
			"") + fmt(best)));
		var sm = smoothed(svg);
		ss.forEach(function (s) {
			var i = s.x.indexOf(best);
			var row = el("div", "tip-row " + s.cls);
			row.appendChild(el("span", "sw"));
			row.appendChild(el("span", "tip-name", s.name + " "));
			var v = i >= 0 ? s.y[i] : NaN;
			row.appendChild(el("b", "tip-v", fmt(v)));
			if (sm && i >= 0)
				row.appendChild(el("span", "tip-sm", " smoothed " +
					fmt(smooth(s.y.slice(0, i + 1), weight)[i])));
			tip.appendChild(row);
			if (i < 0 || !isFinite(plotY(f, v))) return;
			var dot = document.createElementNS(NS, "circle");
			dot.setAttribute("class", s.cls);
			dot.setAttribute("cx", pct + "%");
			dot.setAttribute("cy", plotY(f, v).toFixed(1));
			dot.setAttribute("r", "3.5");
			g.appendChild(dot);
		});
		tip.hidden = false;
		var fr = fig.getBoundingClientRect();
		var x = cx - fr.left + 14;
		if (x + tip.offsetWidth > fr.width)
			x = Math.max(0, cx - fr.left - 14 - tip.offsetWidth);
		tip.style.left = x + "px";
		tip.style.top = (T - fr.top) + "px";
	}

	function onMove(e) {
		var t = e.target;
		var svg = t && t.closest ? t.closest("svg.chart.lines") : null;
		if (!svg || !svg.hasAttribute("data-f")) {
			hide();
			return;
		}
		show(svg, e.clientX, e.clientY);
	}

	function setWeight(w, keep) {
		weight = Math.min(Math.max(Number(w) || 0, 0), 0.99);
		var out = document.getElementById("smooth-v");
		if (out) out.textContent = weight.toFixed(2);
		if (keep) {
			try { localStorage.setItem(KEY, String(weight)); }
			catch (err) { /* private mode, file:// in some browsers */ }
		}
		document.querySelectorAll("svg.chart.lines[data-f]")
			.forEach(draw);
	}

	/* The charts of d, the page as live.js fetched it again: each
	   one's <svg> replaced, a figure the page lacks added where d has
	   it (after its figure there, or first), and the system charts and
	   the "waiting" note shown or hidden as in d. */
	function update(d) {
		d.querySelectorAll("#charts figure.chart-box").forEach(function (n) {
			var fig = document.getElementById(n.id);
			var svg = n.querySelector("svg.chart");
			if (!svg) return;
			if (fig) {
				var old = fig.querySelector("svg.chart");
				if (old === current) hide();
				if (old && (old.spoolboardMarkup ||
					    old.outerHTML) === svg.outerHTML)
					return;
				if (old) old.outerHTML = svg.outerHTML;
			} else {
				var prev = n.previousElementSibling;
				var at = prev && document.getElementById(prev.id);
				var box = n.parentNode && n.parentNode.id ?
					document.getElementById(n.parentNode.id) :
					document.querySelector("#charts-system .charts");
				fig = document.importNode(n, true);
				if (at) at.insertAdjacentElement("afterend", fig);
				else if (box) box.insertBefore(fig, box.firstChild);
				else return;
			}
			init(fig.querySelector("svg.chart"));
		});
		["charts-system", "chart-wait"].forEach(function (id) {
			var o = document.getElementById(id);
			var n = d.getElementById(id);
			if (o) o.hidden = n ? n.hidden : true;
		});
	}

	window.spoolboardCharts = { update: update };
	var range = document.getElementById("smooth");
	if (range) {
		var saved = null;
		try { saved = localStorage.getItem(KEY); } catch (err) { }
		if (saved !== null) range.value = saved;
		document.getElementById("smooth-ctl").hidden = false;
		range.addEventListener("input", function () {
			setWeight(range.value, true);
		});
		setWeight(range.value, false);
	}
	document.querySelectorAll("svg.chart").forEach(init);
	document.addEventListener("mousemove", onMove);
	document.addEventListener("mouseleave", hide);
})();
