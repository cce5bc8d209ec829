(function () {
'use strict';
var D = JSON.parse(document.getElementById('report-data').textContent);
var NS = 'http://www.w3.org/2000/svg';
/* Okabe-Ito: told apart with any colour vision; every lane also carries its name. */
var REASON_COLORS = ['#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#f0e442', '#000000', '#0072b2',
	'#d55e00'];
/* Light to dark (viridis stops): counts read as lightness too, so the scale survives grey-scale print. */
var RAMP = [[253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84]];
var LABEL_W = 240, LANE_H = 22, AXIS_H = 22;

function el(name, attrs, parent) {
	var e = document.createElementNS(NS, name);
	for (var k in attrs) e.setAttribute(k, attrs[k]);
	if (parent) parent.appendChild(e);
	return e;
}
function text(parent, x, y, s, attrs) {
	var t = el('text', attrs || {}, parent);
	t.setAttribute('x', x);
	t.setAttribute('y', y);
	t.textContent = s;
	return t;
}
function fmtDur(us) {
	if (us < 0) return 'unknown';
	if (us >= 1e6) return (us / 1e6).toPrecision(3) + ' s';
	if (us >= 1e3) return (us / 1e3).toPrecision(3) + ' ms';
	if (us >= 1) return us.toPrecision(3).replace(/\.0+$/, '') + ' \u00b5s';
	return Math.round(us * 1000) + ' ns';
}
function fmtNs(ns) { return fmtDur(ns / 1000); }
function fmtAt(us, step) {
	var digits = step >= 1e6 ? 0 : step >= 1e5 ? 1 : step >= 1e4 ? 2 : step >= 1e3 ? 3 : step >= 100 ? 4 : 6;
	return (us / 1e6).toFixed(digits) + ' s';
}
function wall(us) {
	if (D.wall_ms === null) return '';
	return ' (' + new Date(D.wall_ms + us / 1000).toISOString().substr(11, 12) + ' UTC)';
}
function pct(a, b) { return b > 0 ? Math.round(100 * a / b) + '%' : 'n/a'; }

/* ---- decoding the flat arrays: [delta start, duration, ...] per event ---- */

function decode(flat, width, fields, deltas) {
	var n = flat.length / width, out = { n: n, maxDur: 0 };
	fields.forEach(function (f) { out[f] = new Float64Array(n); });
	var acc = deltas.map(function () { return 0; });
	for (var i = 0; i < n; i++) {
		for (var f = 0; f < width; f++) {
			var v = flat[i * width + f], d = deltas.indexOf(f);
			if (d >= 0) v = acc[d] += v;
			out[fields[f]][i] = v;
		}
		if (out.dur[i] > out.maxDur) out.maxDur = out.dur[i];
	}
	return out;
}
var P = decode(D.pauses, 5, ['t', 'dur', 'reason', 'thr', 'cycle'], [0, 4]);
var C = decode(D.cycles, 4, ['t', 'dur', 'cycle', 'complete'], [0, 2]);
/* A cycle's pauses: those of its number. */
var cyclePauses = {};
for (var pi = 0; pi < P.n; pi++) {
	if (P.cycle[pi] <= 0) continue;
	var cp = cyclePauses[P.cycle[pi]] = cyclePauses[P.cycle[pi]] || { n: 0, sum: 0 };
	cp.n++;
	cp.sum += Math.max(P.dur[pi], 0);
}
var T = decode(D.throttles, 2, ['t', 'dur'], [0]);

/* The whole window: tracing start to end, widened to any event outside it (a cycle begun earlier). */
var full = [D.span[0], D.span[1]];
[P, C, T].forEach(function (s) {
	for (var i = 0; i < s.n; i++) {
		full[0] = Math.min(full[0], s.t[i]);
		full[1] = Math.max(full[1], s.t[i] + Math.max(s.dur[i], 0));
	}
});
if (full[1] - full[0] < 10) full[1] = full[0] + 10;
var view = [full[0], full[1]];

/* ---- tooltip ---- */

var tip = document.getElementById('tip');
function showTip(evt, lines) {
	tip.textContent = lines.join('\n');
	tip.hidden = false;
	var x = evt.clientX + 14, y = evt.clientY + 14, w = tip.offsetWidth, h = tip.offsetHeight;
	if (x + w > window.innerWidth - 4) x = Math.max(4, evt.clientX - w - 10);
	if (y + h > window.innerHeight - 4) y = Math.max(4, evt.clientY - h - 10);
	tip.style.left = x + 'px';
	tip.style.top = y + 'px';
}
function hideTip() { tip.hidden = true; }
function hover(svg, describe) {
	svg.addEventListener('mousemove', function (evt) {
		var lines = describe(evt.target);
		if (lines) showTip(evt, lines); else hideTip();
	});
	svg.addEventListener('mouseleave', hideTip);
}

/* ---- level of detail: events closer than a pixel become one mark that counts them ---- */

function lowerBound(arr, n, v) {
	var lo = 0, hi = n;
	while (lo < hi) { var m = (lo + hi) >> 1; if (arr[m] < v) lo = m + 1; else hi = m; }
	return lo;
}
function marks(s, v0, v1, px) {
	var out = [], cur = null;
	for (var i = lowerBound(s.t, s.n, v0 - s.maxDur); i < s.n && s.t[i] <= v1; i++) {
		var d = Math.max(s.dur[i], 0), e = s.t[i] + d;
		if (e < v0) continue;
		var x0 = (Math.max(s.t[i], v0) - v0) * px, x1 = Math.max((Math.min(e, v1) - v0) * px, x0 + 1);
		var thr = s.thr ? s.thr[i] : 0;
		if (cur && x0 < cur.x1 + 0.5) {
			cur.x1 = Math.max(cur.x1, x1);
			cur.n++;
			cur.last = i;
			cur.sum += d;
			cur.thr += thr;
			if (d > Math.max(s.dur[cur.longest], 0)) cur.longest = i;
		} else {
			cur = { x0: x0, x1: x1, n: 1, first: i, last: i, longest: i, sum: d, thr: thr };
			out.push(cur);
		}
	}
	return out;
}

/* ---- timeline ---- */

function niceStep(span, px) {
	var raw = span / Math.max(1, px / 90), p = Math.pow(10, Math.floor(Math.log10(raw)));
	return [1, 2, 5, 10].map(function (m) { return m * p; }).filter(function (s) { return s >= raw; })[0];
}
function axis(svg, x0, y, w, h, v0, v1) {
	var g = el('g', { 'class': 'axis' }, svg), px = w / (v1 - v0), step = niceStep(v1 - v0, w);
	for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
		var x = x0 + (t - v0) * px;
		el('line', { x1: x, x2: x, y1: y, y2: y + h, 'class': 'grid' }, g);
		text(g, x + 3, y + 12, fmtAt(t, step));
	}
}

var lanes = [];
lanes.push({ id: 'throttle', label: 'throttled (CFS)', s: T, cls: 'throttle', noun: 'throttled interval' });
lanes.push({ id: 'cycle', label: 'GC cycles', s: C, cls: 'cycle', noun: 'GC cycle' });
D.reasons.forEach(function (reason, r) {
	var idx = [];
	for (var i = 0; i < P.n; i++) if (P.reason[i] === r) idx.push(i);
	var s = { n: idx.length, maxDur: 0, t: new Float64Array(idx.length), dur: new Float64Array(idx.length),
		thr: new Float64Array(idx.length), cycle: new Float64Array(idx.length) };
	idx.forEach(function (i, k) {
		s.t[k] = P.t[i]; s.dur[k] = P.dur[i]; s.thr[k] = P.thr[i]; s.cycle[k] = P.cycle[i];
		s.maxDur = Math.max(s.maxDur, P.dur[i]);
	});
	lanes.push({ id: 'stw-' + r, label: 'pause: ' + reason, reason: reason, s: s, cls: 'pause', noun: 'pause',
		color: REASON_COLORS[r % REASON_COLORS.length] });
});
var periodLane = D.cgroup.some(function (v) { return v >= 0; });

function describeMark(lane, m) {
	var s = lane.s, i = m.first, lines;
	if (m.n > 1) {
		lines = [m.n + ' ' + lane.noun + 's (' + lane.label + ')',
			'from ' + fmtAt(s.t[m.first], 1) + ' to ' + fmtAt(s.t[m.last] + Math.max(s.dur[m.last], 0), 1),
			'longest ' + fmtDur(s.dur[m.longest]) + ', total ' + fmtDur(m.sum)];
		if (s.thr) lines.push('throttled ' + fmtDur(m.thr) + ' (' + pct(m.thr, m.sum) + ')');
		lines.push('zoom in to see each');
		return lines;
	}
	lines = [lane.noun + (lane.reason ? ': ' + lane.reason : lane.id === 'cycle' ? ' ' + s.cycle[i] : ''),
		'at ' + fmtAt(s.t[i], 1) + wall(s.t[i]), 'lasted ' + fmtDur(s.dur[i])];
	if (lane.reason && s.cycle[i] > 0) lines.push('GC cycle ' + s.cycle[i]);
	if (s.thr) lines.push('throttled for ' + fmtDur(s.thr[i]) + ' (' + pct(s.thr[i], s.dur[i]) + ')');
	if (lane.id === 'cycle') {
		var cp = cyclePauses[s.cycle[i]] || { n: 0, sum: 0 };
		lines.push(cp.n + ' pauses, ' + fmtDur(cp.sum) + ' stopped');
		if (!s.complete[i]) lines.push('began before tracing: its first pause is not in the trace');
	}
	return lines;
}

function drawLane(svg, lane, y, x0, w, px) {
	el('rect', { x: x0, y: y, width: w, height: LANE_H - 4, 'class': 'lane-bg' }, svg);
	text(svg, 4, y + 13, lane.label + ' (' + lane.s.n + ')');
	var g = el('g', { 'data-lane': lane.id }, svg), hatch = null, ms = marks(lane.s, view[0], view[1], px);
	lane.marks = ms;
	ms.forEach(function (m, k) {
		var r = el('rect', { x: (x0 + m.x0).toFixed(1), y: y, width: (m.x1 - m.x0).toFixed(1),
			height: LANE_H - 4, 'class': 'mark ' + lane.cls, 'data-n': m.n, 'data-i': k }, g);
		if (lane.color) r.setAttribute('fill', lane.color);
		if (lane.s.thr && m.thr >= 0.5 * m.sum && m.sum > 0) {
			hatch = hatch || el('g', { 'class': 'hatched', 'pointer-events': 'none' }, svg);
			el('rect', { x: (x0 + m.x0).toFixed(1), y: y, width: (m.x1 - m.x0).toFixed(1), height: LANE_H - 4,
				fill: 'url(#hatch)' }, hatch);
		}
	});
}

function drawPeriods(svg, y, x0, w, px) {
	el('rect', { x: x0, y: y, width: w, height: LANE_H - 4, 'class': 'lane-bg' }, svg);
	text(svg, 4, y + 13, 'CFS periods throttled');
	var g = el('g', { 'data-lane': 'periods' }, svg);
	for (var c = 0; c < D.cgroup.length / 3; c++) {
		var n = D.cgroup[3 * c], thr = D.cgroup[3 * c + 1], t0 = D.cols[2 * c], t1 = D.cols[2 * c + 1];
		if (n <= 0 || t1 < view[0] || t0 > view[1]) continue;
		var a = x0 + (Math.max(t0, view[0]) - view[0]) * px, b = x0 + (Math.min(t1, view[1]) - view[0]) * px;
		var r = el('rect', { x: a.toFixed(1), y: y, width: Math.max(b - a - 1, 1).toFixed(1),
			height: LANE_H - 4, 'class': 'period', 'fill-opacity': (0.1 + 0.9 * thr / n).toFixed(2),
			'data-c': c }, g);
		if (b - a > 40) text(g, a + 3, y + 13, thr + '/' + n, { 'pointer-events': 'none' });
		r.setAttribute('data-n', thr);
	}
}

function describePeriod(c) {
	return ['interval ' + fmtAt(D.cols[2 * c], 1) + ' \u2013 ' + fmtAt(D.cols[2 * c + 1], 1),
		D.cgroup[3 * c + 1] + ' of ' + D.cgroup[3 * c] + ' CFS periods throttled',
		'throttled time (cpu.stat, summed over CPUs): ' + fmtDur(D.cgroup[3 * c + 2])];
}

function quotaCaption() {
	var f = D.fig, cap = document.getElementById('timeline-caption');
	if (f.gomaxprocs === undefined) { cap.textContent = ''; return; }
	var s = 'GOMAXPROCS ' + f.gomaxprocs + ' vs CPU quota ';
	if (f.quota_cpus === undefined) s += 'none';
	else {
		s += f.quota_cpus.toFixed(2) + ' CPUs (' + fmtDur(f.quota_us) + ' per ' + fmtDur(f.period_us) +
			' period)';
		var running = Math.min(f.gomaxprocs, f.ncpu || f.gomaxprocs);
		if (f.gomaxprocs > Math.ceil(f.quota_cpus))
			s += ': with ' + running + ' threads running, each period\'s quota lasts ' +
				fmtDur(f.quota_us / running) + ', then the process waits for the next period';
	}
	cap.textContent = s + '.';
}

/* ---- memory: the runtime's heap against its goal, GOMEMLIMIT and the cgroup's limit, per interval ---- */

var MEMORY_FIELDS = 8;	/* report_data.c: heap, goal, GOMEMLIMIT, cgroup usage, cgroup limit, RSS, cycles, forced */
var MEMORY_SERIES = [
	{ k: 0, name: 'live heap', cls: 'm-heap' }, { k: 1, name: 'heap goal (GOGC)', cls: 'm-goal' },
	{ k: 3, name: 'cgroup usage', cls: 'm-usage' }, { k: 4, name: 'cgroup limit', cls: 'm-limit' },
	{ k: 2, name: 'GOMEMLIMIT', cls: 'm-gomemlimit' }];
var MEM_H = 96;
var memCols = D.mem.length / MEMORY_FIELDS;
function memAt(c, k) { return D.mem[c * MEMORY_FIELDS + k]; }
var memLane = false, cyclesLane = false;
for (var mc = 0; mc < memCols; mc++) {
	MEMORY_SERIES.forEach(function (s) { if (memAt(mc, s.k) >= 0) memLane = true; });
	if (memAt(mc, 6) >= 0) cyclesLane = true;
}
function fmtBytes(b) {
	if (b < 0) return 'n/a';
	if (b >= 1073741824) return (b / 1073741824).toFixed(2) + ' GiB';
	return (b / 1048576).toFixed(1) + ' MiB';
}
function fmtGogc(g) { return g === null ? 'unknown' : g < 0 ? 'off' : String(g); }

/* The columns in view with a reading: [column, x of its end]. */
function memColumnsInView(x0, px) {
	var out = [];
	for (var c = 0; c < memCols; c++) {
		var t = D.cols[2 * c + 1];
		if (t >= view[0] && t <= view[1]) out.push([c, x0 + (t - view[0]) * px]);
	}
	return out;
}
function drawMemory(svg, y, x0, w, px) {
	var cols = memColumnsInView(x0, px), top = 0;
	el('rect', { x: x0, y: y, width: w, height: MEM_H - 4, 'class': 'lane-bg' }, svg);
	text(svg, 4, y + 13, 'memory (bytes)');
	cols.forEach(function (cx) {
		MEMORY_SERIES.forEach(function (s) { top = Math.max(top, memAt(cx[0], s.k)); });
	});
	var g = el('g', { 'data-lane': 'memory', 'data-top': top }, svg), yOf = function (v) {
		return (y + MEM_H - 6 - (MEM_H - 12) * v / (top || 1)).toFixed(1);
	};
	text(svg, 4, y + 28, 'top ' + fmtBytes(top), { 'class': 'small-label' });
	MEMORY_SERIES.forEach(function (s, i) {
		var pts = cols.filter(function (cx) { return memAt(cx[0], s.k) >= 0; });
		text(svg, 4, y + 43 + 10 * i, '\u2014 ' + s.name, { 'class': 'legend ' + s.cls });
		if (!pts.length) return;
		var line = el('polyline', { 'class': 'mline ' + s.cls, 'data-series': s.name, 'data-n': pts.length,
			points: pts.map(function (cx) { return cx[1].toFixed(1) + ',' + yOf(memAt(cx[0], s.k)); }).join(' ') }, g);
		if (pts.length === 1) line.setAttribute('stroke-width', 4);
	});
	cols.forEach(function (cx) {
		var c = cx[0], a = x0 + (Math.max(D.cols[2 * c], view[0]) - view[0]) * px;
		el('rect', { x: a.toFixed(1), y: y, width: Math.max(cx[1] - a, 1).toFixed(1), height: MEM_H - 4,
			'class': 'mhit', 'data-c': c }, g);
	});
}
function describeMemory(c) {
	var lines = ['interval ' + fmtAt(D.cols[2 * c], 1) + ' \u2013 ' + fmtAt(D.cols[2 * c + 1], 1) + ', at its end:'];
	MEMORY_SERIES.concat([{ k: 5, name: 'RSS' }]).forEach(function (s) {
		var v = memAt(c, s.k);
		lines.push(s.name + ': ' + (v >= 0 ? fmtBytes(v) : s.k === 2 ? 'unset' : 'n/a'));
	});
	return lines;
}
function drawCyclesStarted(svg, y, x0, w, px) {
	el('rect', { x: x0, y: y, width: w, height: LANE_H - 4, 'class': 'lane-bg' }, svg);
	text(svg, 4, y + 13, 'GC cycles begun: automatic/forced');
	var g = el('g', { 'data-lane': 'cycles-begun' }, svg), most = 1;
	for (var c = 0; c < memCols; c++) most = Math.max(most, memAt(c, 6) + memAt(c, 7));
	for (c = 0; c < memCols; c++) {
		var auto = memAt(c, 6), forced = memAt(c, 7), t0 = D.cols[2 * c], t1 = D.cols[2 * c + 1];
		if (auto < 0 || auto + forced === 0 || t1 < view[0] || t0 > view[1]) continue;
		var a = x0 + (Math.max(t0, view[0]) - view[0]) * px, b = x0 + (Math.min(t1, view[1]) - view[0]) * px;
		var r = el('rect', { x: a.toFixed(1), y: y, width: Math.max(b - a - 1, 1).toFixed(1), height: LANE_H - 4,
			'class': forced > 0 ? 'begun forced' : 'begun', 'fill-opacity': (0.15 + 0.85 * (auto + forced) / most)
			.toFixed(2), 'data-c': c, 'data-auto': auto, 'data-forced': forced }, g);
		if (b - a > 40) text(g, a + 3, y + 13, auto + '/' + forced, { 'pointer-events': 'none' });
		r.setAttribute('data-n', auto + forced);
	}
}
function describeCyclesBegun(c) {
	return ['interval ' + fmtAt(D.cols[2 * c], 1) + ' \u2013 ' + fmtAt(D.cols[2 * c + 1], 1),
		memAt(c, 6) + ' automatic GC cycles (the heap reached its goal, GOGC\'s or GOMEMLIMIT\'s)',
		memAt(c, 7) + ' forced (runtime.GC, debug.FreeOSMemory)'];
}

/* An OOM kill: a line across every lane where the traced process died. */
var OOM_FIELDS = 8;	/* report_data.c: time, the six memory figures, GOGC */
function drawOoms(svg, y0, y1, x0, px) {
	var g = el('g', { 'data-lane': 'oom' }, svg);
	for (var i = 0; i < D.ooms.length / OOM_FIELDS; i++) {
		var t = D.ooms[i * OOM_FIELDS];
		if (t < view[0] || t > view[1]) continue;
		var x = (x0 + (t - view[0]) * px).toFixed(1);
		el('line', { x1: x, x2: x, y1: y0, y2: y1, 'class': 'oom' }, g);
		el('rect', { x: x - 4, y: y0, width: 8, height: y1 - y0, 'class': 'oom-hit', 'data-i': i }, g);
		var nearEnd = x > x0 + (view[1] - view[0]) * px - 70;	/* the label left of the line at the right edge */
		text(g, nearEnd ? x - 3 : +x + 3, y0 + 12, 'OOM kill', { 'class': 'oom-label', 'pointer-events': 'none',
			'text-anchor': nearEnd ? 'end' : 'start' });
	}
}
function describeOom(i) {
	var f = D.ooms.slice(i * OOM_FIELDS, (i + 1) * OOM_FIELDS);
	return ['killed by the OOM killer at ' + fmtAt(f[0], 1) + wall(f[0]),
		'heap ' + fmtBytes(f[1]) + ' of a ' + (f[5] >= 0 ? fmtBytes(f[5]) : 'no') + ' cgroup limit',
		'heap goal ' + fmtBytes(f[2]) + ', GOMEMLIMIT ' + (f[3] >= 0 ? fmtBytes(f[3]) : 'unset') +
			', GOGC ' + fmtGogc(f[7])];
}

function defs(svg) {
	var d = el('defs', {}, svg), p = el('pattern', { id: 'hatch', width: 6, height: 6,
		patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, d);
	el('line', { x1: 0, y1: 0, x2: 0, y2: 6, 'class': 'hatch-line' }, p);
}

var timelinePlot = document.getElementById('timeline-plot');
function renderTimeline() {
	var width = Math.max(timelinePlot.clientWidth, 400), w = width - LABEL_W - 8;
	var px = w / (view[1] - view[0]), nl = lanes.length + (periodLane ? 1 : 0) + (cyclesLane ? 1 : 0);
	var height = AXIS_H + nl * LANE_H + (memLane ? MEM_H : 0) + 6;
	var svg = el('svg', { width: width, height: height, role: 'img',
		'aria-label': 'Timeline: ' + P.n + ' stop-the-world pauses, ' + C.n + ' GC cycles, ' + T.n +
			' throttled intervals' });
	defs(svg);
	axis(svg, LABEL_W, 0, w, height, view[0], view[1]);
	var y = AXIS_H;
	lanes.forEach(function (lane) { drawLane(svg, lane, y, LABEL_W, w, px); y += LANE_H; });
	if (periodLane) { drawPeriods(svg, y, LABEL_W, w, px); y += LANE_H; }
	if (cyclesLane) { drawCyclesStarted(svg, y, LABEL_W, w, px); y += LANE_H; }
	if (memLane) { drawMemory(svg, y, LABEL_W, w, px); y += MEM_H; }
	drawOoms(svg, AXIS_H, y - 4, LABEL_W, px);
	hover(svg, function (t) {
		var g = t.parentNode, id = g && g.getAttribute && g.getAttribute('data-lane');
		if (id === 'periods') return describePeriod(+t.getAttribute('data-c'));
		if (id === 'memory' && t.hasAttribute('data-c')) return describeMemory(+t.getAttribute('data-c'));
		if (id === 'cycles-begun') return describeCyclesBegun(+t.getAttribute('data-c'));
		if (id === 'oom' && t.hasAttribute('data-i')) return describeOom(+t.getAttribute('data-i'));
		var lane = lanes.filter(function (l) { return l.id === id; })[0];
		return lane ? describeMark(lane, lane.marks[+t.getAttribute('data-i')]) : null;
	});
	bindZoom(svg, w);
	timelinePlot.replaceChildren(svg);
	var span = view[1] - view[0];
	document.getElementById('view-range').textContent = 'showing ' + fmtAt(view[0], span) + ' \u2013 ' +
		fmtAt(view[1], span) + ' of ' + fmtAt(full[1] - full[0], 1e4);
}

/* ---- zoom and pan, shared by the timeline and the heatmaps ---- */

function setView(a, b) {
	var span = Math.max(b - a, 10), whole = full[1] - full[0];
	if (span >= whole) { a = full[0]; b = full[1]; }
	else {
		a = Math.min(Math.max(a, full[0]), full[1] - span);
		b = a + span;
	}
	view = [a, b];
	scheduleRender();
}
function zoom(factor, at) {
	var c = at === undefined ? (view[0] + view[1]) / 2 : at;
	setView(c - (c - view[0]) * factor, c + (view[1] - c) * factor);
}
function pan(frac) { var d = (view[1] - view[0]) * frac; setView(view[0] + d, view[1] + d); }
function bindZoom(svg, w) {
	svg.addEventListener('wheel', function (evt) {
		evt.preventDefault();
		var at = view[0] + (evt.offsetX - LABEL_W) / w * (view[1] - view[0]);
		zoom(evt.deltaY > 0 ? 1.25 : 0.8, Math.min(Math.max(at, view[0]), view[1]));
	}, { passive: false });
	svg.addEventListener('mousedown', function (evt) {
		var startX = evt.clientX, v = view.slice();
		svg.classList.add('dragging');
		function move(e) {
			var dt = (startX - e.clientX) / w * (v[1] - v[0]);
			setView(v[0] + dt, v[1] + dt);
		}
		function up() {
			window.removeEventListener('mousemove', move);
			window.removeEventListener('mouseup', up);
			svg.classList.remove('dragging');
		}
		window.addEventListener('mousemove', move);
		window.addEventListener('mouseup', up);
	});
}
var pending = false;
function scheduleRender() {
	if (pending) return;
	pending = true;
	window.requestAnimationFrame(function () { pending = false; renderTimed(); });
}

/* ---- heatmaps ---- */

function rampColor(f) {
	var x = Math.min(Math.max(f, 0), 1) * (RAMP.length - 1), i = Math.min(Math.floor(x), RAMP.length - 2);
	var u = x - i;
	var c = RAMP[i].map(function (v, k) { return Math.round(v + (RAMP[i + 1][k] - v) * u); });
	return 'rgb(' + c.join(',') + ')';
}
function rowLabel(row) {
	return row[1] < 0 ? '\u2265 ' + fmtNs(row[0]) : fmtNs(row[0]) + ' \u2013 ' + fmtNs(row[1]);
}

/* Columns narrower than 2 px are summed into groups, so that every drawn cell can be seen and hovered. */
function columnGroups(x0, px) {
	var groups = [], cur = null, ncol = D.cols.length / 2;
	for (var c = 0; c < ncol; c++) {
		var t0 = D.cols[2 * c], t1 = D.cols[2 * c + 1];
		if (t1 < view[0] || t0 > view[1]) continue;
		var a = x0 + (Math.max(t0, view[0]) - view[0]) * px, b = x0 + (Math.min(t1, view[1]) - view[0]) * px;
		if (cur && cur.b - cur.a < 2) { cur.b = b; cur.last = c; }
		else { cur = { a: a, b: b, first: c, last: c }; groups.push(cur); }
	}
	return groups;
}

function renderHeatmap(hm) {
	var box = document.getElementById('heatmap-' + hm.id);
	var width = Math.max(box.clientWidth, 400), w = width - LABEL_W - 8, px = w / (view[1] - view[0]);
	var nrows = hm.rows.length, ch = Math.max(12, Math.min(16, Math.floor(300 / nrows))), top = 22;
	var height = top + nrows * ch + 46, byCol = {}, totals = {};
	for (var k = 0; k < hm.cells.length; k += 3) {
		(byCol[hm.cells[k]] = byCol[hm.cells[k]] || []).push(hm.cells[k + 1], hm.cells[k + 2]);
		totals[hm.cells[k]] = (totals[hm.cells[k]] || 0) + hm.cells[k + 2];
	}
	var groups = columnGroups(LABEL_W, px), max = 0;
	groups.forEach(function (g) {
		g.counts = new Float64Array(nrows);
		g.total = 0;
		for (var c = g.first; c <= g.last; c++) {
			var cells = byCol[c] || [];
			for (var j = 0; j < cells.length; j += 2) g.counts[cells[j]] += cells[j + 1];
			g.total += totals[c] || 0;
		}
		for (var r = 0; r < nrows; r++) max = Math.max(max, g.counts[r]);
	});
	var svg = el('svg', { width: width, height: height, role: 'img', 'aria-label': hm.title + ' heatmap' });
	text(svg, 0, 14, hm.title + ' \u2014 ' + hm.what + ' per interval and latency range',
		{ 'font-weight': 600 });
	for (var r = 0; r < nrows; r++)
		text(svg, LABEL_W - 6, top + (nrows - r) * ch - 2, rowLabel(hm.rows[r]), { 'text-anchor': 'end' });
	el('rect', { x: LABEL_W, y: top, width: w, height: nrows * ch, 'class': 'lane-bg' }, svg);
	var g = el('g', { 'data-heatmap': hm.id }, svg), lmax = Math.log(1 + max);
	groups.forEach(function (grp, gi) {
		for (var r = 0; r < nrows; r++) {
			var n = grp.counts[r];
			if (!n) continue;
			el('rect', { x: grp.a.toFixed(1), y: top + (nrows - 1 - r) * ch,
				width: Math.max(grp.b - grp.a - 0.5, 1).toFixed(1), height: ch - 0.5,
				fill: rampColor(Math.log(1 + n) / lmax), 'class': 'cell', 'data-count': n, 'data-g': gi,
				'data-r': r }, g);
		}
	});
	axis(svg, LABEL_W, top + nrows * ch, w, 14, view[0], view[1]);
	legend(svg, top + nrows * ch + 22, max, hm.what);
	hover(svg, function (t) {
		if (!t.classList.contains('cell')) return null;
		var grp = groups[+t.getAttribute('data-g')], r = +t.getAttribute('data-r');
		var n = +t.getAttribute('data-count'), many = grp.last > grp.first;
		return [fmtAt(D.cols[2 * grp.first], 1) + ' \u2013 ' + fmtAt(D.cols[2 * grp.last + 1], 1) +
			(many ? ' (' + (grp.last - grp.first + 1) + ' intervals)' : ''),
			rowLabel(hm.rows[r]) + ': ' + n + ' ' + hm.what,
			pct(n, grp.total) + ' of the ' + grp.total + ' in ' + (many ? 'these intervals' : 'the interval'),
			'click to zoom the timeline here'];
	});
	svg.addEventListener('click', function (evt) {
		var a = evt.target.getAttribute && evt.target.getAttribute('data-g');
		if (a === null || a === undefined) return;
		var grp = groups[+a];
		setView(D.cols[2 * grp.first], D.cols[2 * grp.last + 1]);
	});
	box.replaceChildren(svg);
}

/* Five points of the (logarithmic) colour scale and the counts they stand for. */
function legend(svg, y, max, what) {
	var x = LABEL_W, steps = 5;
	text(svg, x - 6, y + 11, what + ' per cell (log scale):', { 'text-anchor': 'end' });
	for (var i = 0; i < steps; i++) {
		var f = i / (steps - 1), n = Math.max(1, Math.round(Math.exp(Math.log(1 + max) * f) - 1));
		el('rect', { x: x + i * 80, y: y, width: 22, height: 14, fill: rampColor(f) }, svg);
		text(svg, x + i * 80 + 26, y + 11, String(n));
	}
}

/* ---- flamegraph ---- */

var F = null;
function decodeFlame() {
	var f = D.flame, n = f.nodes.length / 3;
	F = { n: n, depth: new Int32Array(n), name: new Int32Array(n), value: new Float64Array(n),
		x: new Float64Array(n), parent: new Int32Array(n), maxDepth: 0, zoom: 0, names: f.names,
		total: f.total };
	var last = [], next = [];
	for (var i = 0; i < n; i++) {
		var d = f.nodes[3 * i];
		F.depth[i] = d;
		F.name[i] = f.nodes[3 * i + 1];
		F.value[i] = f.nodes[3 * i + 2];
		F.parent[i] = d ? last[d - 1] : -1;
		F.x[i] = d ? next[d - 1] : 0;
		if (d) next[d - 1] += F.value[i];
		last[d] = i;
		next[d] = F.x[i];
		F.maxDepth = Math.max(F.maxDepth, d);
	}
}
function frameKind(name) {
	if (name === 'all') return 'all samples';
	if (/_\[k\]$/.test(name)) return 'kernel';
	if (/^runtime[./]/.test(name)) return 'Go runtime';
	if (/^\[unknown\]/.test(name)) return 'unknown';
	return 'code';
}
function frameColor(name) {
	var h = 0;
	for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
	var v = (h % 1000) / 1000, kind = frameKind(name);
	if (kind === 'kernel') return 'hsl(320,' + (35 + 20 * v) + '%,' + (72 + 10 * v) + '%)';
	if (kind === 'Go runtime') return 'hsl(200,' + (55 + 20 * v) + '%,' + (68 + 12 * v) + '%)';
	if (kind === 'all samples') return '#d8d8d8';
	if (kind === 'unknown') return 'hsl(0,0%,' + (75 + 10 * v) + '%)';
	return 'hsl(' + (28 + 22 * v) + ',' + (80 + 15 * v) + '%,' + (60 + 12 * v) + '%)';
}
var flameSearch = null;
function renderFlame() {
	var box = document.getElementById('flame-plot');
	if (!box || !F) return;
	var width = Math.max(box.clientWidth, 400), FH = 17, z = F.zoom, z0 = F.x[z], zv = F.value[z];
	var zd = F.depth[z];
	var px = (width - 2) / zv, height = (F.maxDepth + 1) * FH + 4, matched = 0, matchEnd = -1;
	var svg = el('svg', { width: width, height: height, role: 'img', 'aria-label': 'CPU flamegraph' });
	var g = el('g', {}, svg), ancestors = {};
	for (var a = z; a >= 0; a = F.parent[a]) ancestors[a] = true;
	for (var i = 0; i < F.n; i++) {
		var inside = F.depth[i] > zd && F.x[i] >= z0 && F.x[i] < z0 + zv;
		if (!inside && !ancestors[i]) continue;
		var name = F.names[F.name[i]], x = ancestors[i] ? 0 : (F.x[i] - z0) * px;
		var w = ancestors[i] ? zv * px : F.value[i] * px;
		var fr = el('g', { 'class': 'frame', 'data-i': i, 'data-value': F.value[i] }, g);
		var hit = flameSearch && flameSearch.test(name);
		if (hit) {
			fr.classList.add('match');
			if (F.x[i] >= matchEnd) { matched += F.value[i]; matchEnd = F.x[i] + F.value[i]; }
		}
		el('rect', { x: (1 + x).toFixed(1), y: height - (F.depth[i] + 1) * FH,
			width: Math.max(w, 0.5).toFixed(1), height: FH - 1, fill: frameColor(name),
			'class': 'frame-box' }, fr);
		var chars = Math.floor((w - 6) / 6.6);
		if (chars >= 3)
			text(fr, x + 4, height - F.depth[i] * FH - 5,
				name.length > chars ? name.substr(0, chars - 1) + '\u2026' : name);
	}
	hover(svg, function (t) {
		var f = t.closest && t.closest('.frame');
		if (!f) return null;
		var i = +f.getAttribute('data-i'), p = F.parent[i], name = F.names[F.name[i]];
		return [name, F.value[i] + ' samples, ' + pct(F.value[i], F.total) + ' of all' +
			(p >= 0 ? ', ' + pct(F.value[i], F.value[p]) + ' of its caller' : ''), frameKind(name),
			'click to zoom'];
	});
	svg.addEventListener('click', function (evt) {
		var f = evt.target.closest && evt.target.closest('.frame');
		if (!f) return;
		F.zoom = +f.getAttribute('data-i');
		renderFlame();
	});
	box.replaceChildren(svg);
	document.getElementById('flame-match').textContent = flameSearch ? 'matched ' + pct(matched, F.total) +
		' of the samples' : '';
}
function bindFlame() {
	if (!D.flame) return;
	decodeFlame();
	document.getElementById('flame-reset').addEventListener('click', function () {
		F.zoom = 0;
		renderFlame();
	});
	document.getElementById('flame-search').addEventListener('input', function (evt) {
		try { flameSearch = evt.target.value ? new RegExp(evt.target.value) : null; } catch (e) { return; }
		renderFlame();
	});
}

/* ---- wiring ---- */

function renderTimed() {
	renderTimeline();
	D.heatmaps.forEach(renderHeatmap);
}
function bindControls() {
	document.getElementById('zoom-in').addEventListener('click', function () { zoom(0.5); });
	document.getElementById('zoom-out').addEventListener('click', function () { zoom(2); });
	document.getElementById('pan-left').addEventListener('click', function () { pan(-0.25); });
	document.getElementById('pan-right').addEventListener('click', function () { pan(0.25); });
	document.getElementById('zoom-reset').addEventListener('click', function () {
		setView(full[0], full[1]);
	});
	timelinePlot.tabIndex = 0;
	timelinePlot.setAttribute('aria-label', 'timeline; keys: + and - zoom, arrows pan, 0: the whole trace');
	timelinePlot.addEventListener('keydown', function (evt) {
		var keys = { '+': function () { zoom(0.5); }, '=': function () { zoom(0.5); },
			'-': function () { zoom(2); }, 'ArrowLeft': function () { pan(-0.25); },
			'ArrowRight': function () { pan(0.25); }, '0': function () { setView(full[0], full[1]); } };
		if (keys[evt.key]) { keys[evt.key](); evt.preventDefault(); }
	});
	var resized = null;
	window.addEventListener('resize', function () {
		clearTimeout(resized);
		resized = setTimeout(function () { renderTimed(); renderFlame(); }, 150);
	});
}

quotaCaption();
bindControls();
bindFlame();
renderTimed();
renderFlame();
document.documentElement.setAttribute('data-rendered', 'yes');
/* For tests and the curious: the view, settable from the console (microseconds from the start). */
window.gotraceReport = {
	view: function () { return view.slice(); },
	full: full.slice(),
	setView: function (a, b) { setView(a, b); renderTimed(); }
};
})();
