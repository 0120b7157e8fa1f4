// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/html.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/flame_tree.h"
#include "flamegraph/profile.h"
#include "flamegraph/text_escape.h"

static const char html_style[] =
	"body { margin: 0; font: 13px Verdana, sans-serif; background: #fafafa; color: #222; }\n"
	"header { padding: 8px 10px; background: linear-gradient(#eeeeee, #eeeeb0); position: sticky; top: 0; z-index: 1; }\n"
	"h1 { font-size: 17px; margin: 0 0 4px; text-align: center; font-weight: normal; }\n"
	".sub { text-align: center; color: #888; margin-bottom: 4px; }\n"
	".bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }\n"
	"#fg-search { width: 220px; }\n"
	"#fg-matched { margin-left: auto; font-weight: bold; }\n"
	"#fg-matched.error { color: #b00; }\n"
	"#fg-wrap { margin: 0; }\n"
	"#fg-canvas { display: block; cursor: pointer; }\n"
	"#fg-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 4px; }\n"
	".fg-cat { cursor: pointer; white-space: nowrap; }\n"
	".fg-cat.sel { font-weight: bold; text-decoration: underline; }\n"
	".fg-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border: 1px solid #888; }\n"
	"#fg-status { padding: 4px 10px; color: #555; }\n"
	"#fg-tip { position: fixed; display: none; pointer-events: none; white-space: pre; background: #fff;\n"
	"  border: 1px solid #999; padding: 4px 6px; box-shadow: 2px 2px 4px rgba(0,0,0,.2); max-width: 90vw; overflow: hidden; }\n";

static const char html_controls[] =
	"<div class=\"bar\"><button id=\"fg-reset\" title=\"Reset zoom (Esc)\">Reset zoom</button>"
	"<button id=\"fg-icicle\" title=\"Flip between flame and icicle\">Flip</button>"
	"<span id=\"fg-filter\"><select id=\"fg-thread\" title=\"Show one operator or thread\">"
	"<option value=\"\">All threads</option></select> <select id=\"fg-state\" title=\"Show one thread state\">"
	"<option value=\"\">All states</option></select> <select id=\"fg-operator\" title=\"Show one operator of a chain\">"
	"<option value=\"\">All operators</option></select> <select id=\"fg-category\" title=\"Show one CPU category\">"
	"<option value=\"\">All categories</option></select> <select id=\"fg-color\" title=\"What the colours mean\">"
	"<option value=\"kind\">Colour: frame kind</option><option value=\"category\">Colour: category</option></select></span>"
	"<input id=\"fg-search\" placeholder=\"regular expression (Ctrl-F)\" spellcheck=\"false\">"
	"<button id=\"fg-go\">Search</button><button id=\"fg-clear\">Clear</button>"
	"<span id=\"fg-matched\"></span></div>\n<div id=\"fg-legend\" style=\"display: none\"></div>\n";

/* Reads the JSON data block, draws on the canvas; see html.h. */
static const char html_script[] =
	"'use strict';\n"
	"(function () {\n"
	"	var D = JSON.parse(document.getElementById('fg-data').textContent);\n"
	"	var FH = 17, names = D.names, kinds = D.kinds, raw = D.nodes, N = raw.length / 3;\n"
	"	var nameOf = new Uint32Array(N), val = new Float64Array(N), depth = new Uint32Array(N);\n"
	"	var size = new Uint32Array(N), parent = new Int32Array(N), eff = new Float64Array(N);\n"
	"	var before = D.before || null, maxDepth = 0, i, t;\n"
	"	for (i = 0; i < N; i++) {\n"
	"		nameOf[i] = raw[3 * i]; val[i] = raw[3 * i + 1]; depth[i] = raw[3 * i + 2];\n"
	"		if (depth[i] > maxDepth) maxDepth = depth[i];\n"
	"	}\n"
	"	raw = D.nodes = null;\n"
	"	/* Preorder: a subtree ends at the next node that is not deeper. */\n"
	"	var st = [];\n"
	"	for (i = 0; i < N; i++) {\n"
	"		while (st.length && depth[st[st.length - 1]] >= depth[i]) { t = st.pop(); size[t] = i - t; }\n"
	"		parent[i] = st.length ? st[st.length - 1] : -1;\n"
	"		st.push(i);\n"
	"	}\n"
	"	while (st.length) { t = st.pop(); size[t] = N - t; }\n"
	"	eff.set(val);\n"
	"\n"
	"	/* Labels of each sample (thread, tid, pid, operator chain, state,\n"
	"	 * category), as the writer emits them: filters and category colours\n"
	"	 * read these, never the pseudo-frame text. */\n"
	"	var keys = D.labelKeys || [], sets = D.labelSets || [], sraw = D.samples || [], S = sraw.length / 3;\n"
	"	var sNode = new Uint32Array(S), sSet = new Uint32Array(S), sVal = new Float64Array(S);\n"
	"	for (i = 0; i < S; i++) { sNode[i] = sraw[3 * i]; sSet[i] = sraw[3 * i + 1]; sVal[i] = sraw[3 * i + 2]; }\n"
	"	sraw = D.samples = null;\n"
	"	function key(k) { return keys.indexOf(k); }\n"
	"	var K_PROC = key('process'), K_PID = key('pid'), K_THREAD = key('thread'), K_TID = key('tid');\n"
	"	var K_CHAIN = key('operator_chain'), K_STATE = key('state'), K_CAT = key('category');\n"
	"	/* An operator is its name within its chain: two chains may both have a Map. */\n"
	"	var K_OP = key('operator'), opKeys = {};\n"
	"	function lab(s, k) { return k < 0 ? null : sets[s][k]; }\n"
	"	var NS = sets.length, setThread = new Array(NS), threads = {}, ops = {}, states = {}, pids = {};\n"
	"	var catNames = [], catIdx = {}, setCat = new Int16Array(NS), catVal = [];\n"
	"	/* The default categories first, in agent/rules/categories.rules' order. */\n"
	"	var CAT_ORDER = ['user', 'framework', 'serialization', 'state', 'network', 'checkpoint', 'gc', 'jit'];\n"
	"	var CAT_RGB = { user: [232, 96, 72], framework: [150, 150, 210], serialization: [240, 180, 30],\n"
	"		state: [60, 140, 220], network: [60, 175, 80], checkpoint: [170, 95, 200], gc: [140, 105, 70], jit: [50, 190, 190] };\n"
	"	var MIXED_RGB = [214, 214, 214];\n"
	"	for (i = 0; i < NS; i++) {\n"
	"		var tn = lab(i, K_THREAD), c = lab(i, K_CAT);\n"
	"		setThread[i] = null;\n"
	"		if (tn !== null) {\n"
	"			var tk = lab(i, K_PID) + '/' + lab(i, K_TID) + '/' + tn;\n"
	"			setThread[i] = tk;\n"
	"			if (!threads[tk]) threads[tk] = { name: tn, tid: lab(i, K_TID), proc: lab(i, K_PROC), pid: lab(i, K_PID), value: 0 };\n"
	"			if (lab(i, K_PID) !== null) pids[lab(i, K_PID)] = true;\n"
	"		}\n"
	"		if (lab(i, K_CHAIN) !== null) ops[lab(i, K_CHAIN)] = true;\n"
	"		if (lab(i, K_STATE) !== null) states[lab(i, K_STATE)] = true;\n"
	"		if (lab(i, K_OP) !== null) opKeys[JSON.stringify([lab(i, K_CHAIN), lab(i, K_OP)])] = true;\n"
	"		if (c !== null && !(c in catIdx)) { catIdx[c] = catNames.length; catNames.push(c); }\n"
	"		setCat[i] = c === null ? -1 : catIdx[c];\n"
	"	}\n"
	"	catNames.sort(function (a, b) {\n"
	"		var x = CAT_ORDER.indexOf(a), y = CAT_ORDER.indexOf(b);\n"
	"		return (x < 0 ? 99 : x) - (y < 0 ? 99 : y) || (a < b ? -1 : a > b ? 1 : 0);\n"
	"	});\n"
	"	catNames.forEach(function (c, k) { catIdx[c] = k; catVal.push(0); });\n"
	"	for (i = 0; i < NS; i++) { var cn = lab(i, K_CAT); setCat[i] = cn === null ? -1 : catIdx[cn]; }\n"
	"	for (i = 0; i < S; i++) {\n"
	"		if (setThread[sSet[i]] !== null) threads[setThread[sSet[i]]].value += sVal[i];\n"
	"		if (setCat[sSet[i]] >= 0) catVal[setCat[sSet[i]]] += sVal[i];\n"
	"	}\n"
	"	var multiProc = Object.keys(pids).length > 1;\n"
	"\n"
	"	var canvas = document.getElementById('fg-canvas'), ctx = canvas.getContext('2d');\n"
	"	var tip = document.getElementById('fg-tip'), status = document.getElementById('fg-status');\n"
	"	var matchedEl = document.getElementById('fg-matched'), searchEl = document.getElementById('fg-search');\n"
	"	var threadSel = document.getElementById('fg-thread'), stateSel = document.getElementById('fg-state');\n"
	"	var catSel = document.getElementById('fg-category'), colorSel = document.getElementById('fg-color');\n"
	"	var opSel = document.getElementById('fg-operator');\n"
	"	var legendEl = document.getElementById('fg-legend');\n"
	"	var view = { zoom: 0, inverted: !!D.inverted, re: null, match: null, matched: null, width: 0, rows: 0 };\n"
	"	var drawn = { n: 0, node: new Int32Array(1024), x: new Float64Array(1024), w: new Float64Array(1024), y: new Float64Array(1024) };\n"
	"	var colorCache = new Array(names.length), charW = 7;\n"
	"\n"
	"	function nameHash(s) {\n"
	"		var h = 2166136261;\n"
	"		for (var k = 0; k < s.length && s[k] !== '('; k++) { h ^= s.charCodeAt(k) & 255; h = Math.imul(h, 16777619) >>> 0; }\n"
	"		return (h % 1000) / 1000;\n"
	"	}\n"
	"	function rgb(r, g, b) { return 'rgb(' + (r | 0) + ',' + (g | 0) + ',' + (b | 0) + ')'; }\n"
	"	/* kinds: the frame kinds of flamegraph/profile.h (native 0, kernel 1,\n"
	"	 * jit 2, inlined 3, interpreted 4), as palette.c colours them. */\n"
	"	function paletteColor(s, kind) {\n"
	"		var v = nameHash(s), n = s.length;\n"
	"		if (D.palette === 'hot') return rgb(205 + 50 * v, 230 * v, 55 * v);\n"
	"		if (D.palette === 'mem') return rgb(0, 190 + 50 * v, 210 * v);\n"
	"		if (D.palette === 'io') return rgb(80 + 60 * v, 80 + 60 * v, 190 + 55 * v);\n"
	"		if (kind === 2) return rgb(50 + 60 * v, 200 + 55 * v, 50 + 60 * v);\n"
	"		if (kind === 3) return rgb(80 + 60 * v, 200 + 55 * v, 200 + 55 * v);\n"
	"		if (kind === 1) return rgb(230 + 25 * v, 140 + 40 * v, 30 + 30 * v);\n"
	"		if (kind === 4) return rgb(150 + 40 * v, 120 + 40 * v, 220 + 35 * v);\n"
	"		if (kind === 0 && n >= 2 && s[0] === '[' && s[n - 1] === ']') return rgb(170 + 30 * v, 170 + 30 * v, 180 + 30 * v);\n"
	"		if (s.indexOf('::') >= 0) return rgb(200 + 55 * v, 200 + 55 * v, 50 + 30 * v);\n"
	"		return rgb(200 + 55 * v, 50 + 60 * v, 50 + 60 * v);\n"
	"	}\n"
	"	var maxDelta = 0;\n"
	"	if (before) for (i = 1; i < N; i++) maxDelta = Math.max(maxDelta, Math.abs(val[i] - before[i]));\n"
	"	function diffColor(n) {\n"
	"		var d = val[n] - before[n], f = 220 * (1 - Math.min(1, maxDelta > 0 ? Math.abs(d) / maxDelta : 0));\n"
	"		return d > 0 ? rgb(255, f, f) : d < 0 ? rgb(f, f, 255) : rgb(235, 235, 235);\n"
	"	}\n"
	"	var catColors = null;\n"
	"	function colorOf(n) {\n"
	"		var k = nameOf[n], c;\n"
	"		if (view.match && view.match[k]) return 'rgb(230,0,230)';\n"
	"		if (before) return diffColor(n);\n"
	"		if (colorSel.value === 'category' && (c = nodeCat[n]) !== NONE && c !== UNSET) {\n"
	"			if (!catColors) catColors = catNames.map(function (x) { var r = catRgb(x); return rgb(r[0], r[1], r[2]); });\n"
	"			return c === MIXED ? rgb(MIXED_RGB[0], MIXED_RGB[1], MIXED_RGB[2]) : catColors[c];\n"
	"		}\n"
	"		return colorCache[k] || (colorCache[k] = paletteColor(names[k], kinds[k]));\n"
	"	}\n"
	"\n"
	"	/* Thread / operator / state / category filter: only the samples whose\n"
	"	 * labels pass count, summed up from the node each ends at. */\n"
	"	function threadLabel(t) {\n"
	"		var s = t.name + ' tid=' + t.tid;\n"
	"		return multiProc && t.pid !== null ? s + ' in ' + (t.proc || 'pid') + ' pid=' + t.pid : s;\n"
	"	}\n"
	"	function setupFilter() {\n"
	"		var tk = Object.keys(threads), sn = Object.keys(states).sort(), on = Object.keys(ops).sort(), grp;\n"
	"		if (!tk.length) threadSel.style.display = 'none';\n"
	"		grp = document.createElement('optgroup'); grp.label = 'Operators (all subtasks)';\n"
	"		on.forEach(function (c) { grp.appendChild(new Option(c, 'op:' + c)); });\n"
	"		if (on.length) threadSel.appendChild(grp);\n"
	"		grp = document.createElement('optgroup'); grp.label = 'Threads';\n"
	"		tk.sort(function (a, b) { return threads[b].value - threads[a].value || (a < b ? -1 : 1); }).forEach(function (k) {\n"
	"			grp.appendChild(new Option(threadLabel(threads[k]) + ' ' + pct(threads[k].value / val[0]), 'th:' + k));\n"
	"		});\n"
	"		if (tk.length) threadSel.appendChild(grp);\n"
	"		var ok2 = Object.keys(opKeys).sort();\n"
	"		if (!ok2.length) opSel.style.display = 'none';\n"
	"		ok2.forEach(function (k) {\n"
	"			var co = JSON.parse(k);\n"
	"			opSel.appendChild(new Option(co[0] !== null && co[0] !== co[1] ? co[1] + '  (' + co[0] + ')' : co[1], k));\n"
	"		});\n"
	"		if (!sn.length) stateSel.style.display = 'none';\n"
	"		sn.forEach(function (s) { stateSel.appendChild(new Option(s, s)); });\n"
	"		if (!catNames.length) { catSel.style.display = 'none'; colorSel.style.display = 'none'; }\n"
	"		catNames.forEach(function (c) { catSel.appendChild(new Option(c, c)); });\n"
	"		if (catNames.length && D.palette === 'java') colorSel.value = 'category';\n"
	"		if (!tk.length && !sn.length && !catNames.length && !ok2.length) document.getElementById('fg-filter').style.display = 'none';\n"
	"	}\n"
	"	function setIncluded(s, ts, ss, cs, os) {\n"
	"		if (os && JSON.stringify([lab(s, K_CHAIN), lab(s, K_OP)]) !== os) return false;\n"
	"		if (ts && ts.substring(0, 3) === 'th:' && setThread[s] !== ts.substring(3)) return false;\n"
	"		if (ts && ts.substring(0, 3) === 'op:' && lab(s, K_CHAIN) !== ts.substring(3)) return false;\n"
	"		if (ss && lab(s, K_STATE) !== ss) return false;\n"
	"		if (cs && lab(s, K_CAT) !== cs) return false;\n"
	"		return true;\n"
	"	}\n"
	"	/* Each node's category among the samples in view: one index, MIXED, or\n"
	"	 * NONE when its samples carry no category. */\n"
	"	var MIXED = -2, NONE = -1, UNSET = -3, nodeCat = new Int16Array(N);\n"
	"	function mergeCat(a, b) { return a === UNSET ? b : b === UNSET || a === b ? a : MIXED; }\n"
	"	function applyFilter() {\n"
	"		var ts = threadSel.value, ss = stateSel.value, cs = catSel.value, os = opSel.value, n, k, ok = new Uint8Array(NS);\n"
	"		for (k = 0; k < NS; k++) ok[k] = setIncluded(k, ts, ss, cs, os) ? 1 : 0;\n"
	"		var any = ts || ss || cs || os;\n"
	"		nodeCat.fill(UNSET);\n"
	"		if (any) eff.fill(0); else eff.set(val);\n"
	"		for (k = 0; k < S; k++) {\n"
	"			if (!ok[sSet[k]]) continue;\n"
	"			n = sNode[k];\n"
	"			if (any) eff[n] += sVal[k];\n"
	"			nodeCat[n] = mergeCat(nodeCat[n], setCat[sSet[k]]);\n"
	"		}\n"
	"		/* Children follow their parent in preorder: deepest first up. */\n"
	"		for (n = N - 1; n > 0; n--) {\n"
	"			if (any) eff[parent[n]] += eff[n];\n"
	"			nodeCat[parent[n]] = mergeCat(nodeCat[parent[n]], nodeCat[n]);\n"
	"		}\n"
	"		showLegend();\n"
	"	}\n"
	"	function catRgb(c) {\n"
	"		var r = CAT_RGB[c];\n"
	"		if (r) return r;\n"
	"		var v = nameHash(c);\n"
	"		return [90 + 140 * v, 200 - 120 * v, 120 + 100 * v].map(function (x) { return x | 0; });\n"
	"	}\n"
	"	function showLegend() {\n"
	"		var on = colorSel.value === 'category' && catNames.length && !before;\n"
	"		legendEl.style.display = on ? '' : 'none';\n"
	"		if (!on) return;\n"
	"		var tot = 0;\n"
	"		catVal.forEach(function (v) { tot += v; });\n"
	"		legendEl.textContent = '';\n"
	"		catNames.concat(['mixed']).forEach(function (c, k) {\n"
	"			var item = document.createElement('span'), sw = document.createElement('span'), r = k < catNames.length ? catRgb(c) : MIXED_RGB;\n"
	"			item.className = 'fg-cat' + (catSel.value === c ? ' sel' : ''); item.dataset.category = c;\n"
	"			sw.className = 'fg-swatch'; sw.style.background = rgb(r[0], r[1], r[2]);\n"
	"			item.appendChild(sw);\n"
	"			item.appendChild(document.createTextNode(k < catNames.length ? c + ' ' + pct(tot ? catVal[k] / tot : 0) : 'mixed'));\n"
	"			if (k < catNames.length) {\n"
	"				item.title = 'Show only ' + c + ' (click again for all)';\n"
	"				item.addEventListener('click', function () { catSel.value = catSel.value === c ? '' : c; applyFilter(); zoomTo(0); });\n"
	"			} else item.title = 'frames whose stacks are of several categories';\n"
	"			legendEl.appendChild(item);\n"
	"		});\n"
	"	}\n"
	"\n"
	"	function pct(f) { return (100 * f).toFixed(2) + '%'; }\n"
	"	function fmt(v) { return Math.round(v).toLocaleString('en-US'); }\n"
	"	function rowY(d) { return view.inverted ? d * FH : (view.rows - 1 - d) * FH; }\n"
	"	function drawnPush(n, x, w, y) {\n"
	"		if (drawn.n === drawn.node.length) {\n"
	"			var m = drawn.n * 2, a = new Int32Array(m), b = new Float64Array(m), c = new Float64Array(m), e = new Float64Array(m);\n"
	"			a.set(drawn.node); b.set(drawn.x); c.set(drawn.w); e.set(drawn.y);\n"
	"			drawn.node = a; drawn.x = b; drawn.w = c; drawn.y = e;\n"
	"		}\n"
	"		drawn.node[drawn.n] = n; drawn.x[drawn.n] = x; drawn.w[drawn.n] = w; drawn.y[drawn.n] = y; drawn.n++;\n"
	"	}\n"
	"	function drawFrame(n, x, w, faded) {\n"
	"		var y = rowY(depth[n]);\n"
	"		if (y < 0 || y >= canvas.height) return;\n"
	"		ctx.globalAlpha = faded ? 0.55 : 1;\n"
	"		ctx.fillStyle = colorOf(n);\n"
	"		ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), FH - 1);\n"
	"		drawnPush(n, x, w, y);\n"
	"		var room = Math.floor((w - 6) / charW);\n"
	"		if (room >= 3) {\n"
	"			var s = names[nameOf[n]];\n"
	"			if (s.length > room) s = s.substring(0, room - 2) + '..';\n"
	"			ctx.fillStyle = '#000';\n"
	"			ctx.fillText(s, x + 3, y + FH - 5);\n"
	"		}\n"
	"	}\n"
	"	function draw() {\n"
	"		var W = canvas.parentNode.clientWidth, dpr = window.devicePixelRatio || 1;\n"
	"		var rows = Math.min(maxDepth + 1, Math.floor(32000 / dpr / FH));\n"
	"		view.width = W; view.rows = rows;\n"
	"		canvas.style.width = W + 'px'; canvas.style.height = rows * FH + 'px';\n"
	"		canvas.width = Math.round(W * dpr); canvas.height = Math.round(rows * FH * dpr);\n"
	"		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);\n"
	"		ctx.font = '12px Verdana, sans-serif';\n"
	"		charW = ctx.measureText('abcdefghijklmnopqrstuvwxyzABCDEF').width / 32;\n"
	"		ctx.clearRect(0, 0, W, rows * FH);\n"
	"		drawn.n = 0;\n"
	"		var z = view.zoom;\n"
	"		for (var a = parent[z]; a >= 0; a = parent[a]) drawFrame(a, 0, W, true);\n"
	"		if (eff[z] <= 0) { status.textContent = 'No samples in this view (check the filter).'; return; }\n"
	"		var scale = W / eff[z], sn = [z], sx = [0];\n"
	"		while (sn.length) {\n"
	"			var n = sn.pop(), x = sx.pop(), w = eff[n] * scale;\n"
	"			drawFrame(n, x, w, false);\n"
	"			var cx = x, kids = [], kx = [];\n"
	"			for (var c = n + 1; c < n + size[n]; c += size[c]) {\n"
	"				var cw = eff[c] * scale;\n"
	"				if (cw >= 0.5) { kids.push(c); kx.push(cx); }\n"
	"				cx += cw;\n"
	"			}\n"
	"			for (var k = kids.length - 1; k >= 0; k--) { sn.push(kids[k]); sx.push(kx[k]); }\n"
	"		}\n"
	"		ctx.globalAlpha = 1;\n"
	"		status.textContent = fmt(eff[0]) + ' ' + D.countname + ' in view' + (z ? ', zoomed to ' + names[nameOf[z]] : '') + '. ' + fmt(N - 1) + ' frames.';\n"
	"	}\n"
	"	function frameAt(px, py) {\n"
	"		for (var k = 0; k < drawn.n; k++)\n"
	"			if (py >= drawn.y[k] && py < drawn.y[k] + FH && px >= drawn.x[k] && px < drawn.x[k] + drawn.w[k]) return drawn.node[k];\n"
	"		return -1;\n"
	"	}\n"
	"	function frameRect(n) {\n"
	"		for (var k = 0; k < drawn.n; k++)\n"
	"			if (drawn.node[k] === n) return { x: drawn.x[k], y: drawn.y[k], w: drawn.w[k], h: FH - 1 };\n"
	"		return null;\n"
	"	}\n"
	"\n"
	"	/* Share of the view whose stacks hold a matching frame: a match's\n"
	"	 * descendants are not counted again. */\n"
	"	function computeMatched() {\n"
	"		var z = view.zoom, sum = 0, n;\n"
	"		if (!view.match || eff[z] <= 0) return null;\n"
	"		for (n = z; n >= 0; n = parent[n]) if (view.match[nameOf[n]]) return 1;\n"
	"		for (n = z + 1; n < z + size[z];) {\n"
	"			if (view.match[nameOf[n]]) { sum += eff[n]; n += size[n]; } else n++;\n"
	"		}\n"
	"		return sum / eff[z];\n"
	"	}\n"
	"	function showMatched() {\n"
	"		view.matched = computeMatched();\n"
	"		matchedEl.className = '';\n"
	"		matchedEl.textContent = view.matched === null ? '' : 'Matched: ' + pct(view.matched) + (view.zoom ? ' of view' : '');\n"
	"	}\n"
	"	function search(term) {\n"
	"		view.re = null; view.match = null;\n"
	"		if (term) {\n"
	"			try { view.re = new RegExp(term); } catch (e) {\n"
	"				matchedEl.className = 'error'; matchedEl.textContent = 'invalid regex: ' + e.message; draw(); return;\n"
	"			}\n"
	"			view.match = new Uint8Array(names.length);\n"
	"			for (var k = 0; k < names.length; k++) view.match[k] = view.re.test(names[k]) ? 1 : 0;\n"
	"		}\n"
	"		draw(); showMatched();\n"
	"	}\n"
	"	function zoomTo(n) { view.zoom = n > 0 ? n : 0; draw(); showMatched(); }\n"
	"\n"
	"	canvas.addEventListener('click', function (e) {\n"
	"		var r = canvas.getBoundingClientRect(), n = frameAt(e.clientX - r.left, e.clientY - r.top);\n"
	"		if (n >= 0) zoomTo(n);\n"
	"	});\n"
	"	canvas.addEventListener('mousemove', function (e) {\n"
	"		var r = canvas.getBoundingClientRect(), n = frameAt(e.clientX - r.left, e.clientY - r.top);\n"
	"		if (n < 0) { tip.style.display = 'none'; return; }\n"
	"		var s = names[nameOf[n]] + '\\n' + fmt(eff[n]) + ' ' + D.countname + ', ' + pct(eff[n] / eff[0]) + ' of all';\n"
	"		if (view.zoom) s += ', ' + pct(eff[n] / eff[view.zoom]) + ' of view';\n"
	"		if (before) s += '\\nbefore ' + fmt(before[n]) + ', change ' + (val[n] - before[n] >= 0 ? '+' : '') + fmt(val[n] - before[n]);\n"
	"		tip.textContent = s; tip.style.display = 'block';\n"
	"		tip.style.left = Math.min(e.clientX + 12, window.innerWidth - tip.offsetWidth - 4) + 'px';\n"
	"		tip.style.top = (e.clientY + 14) + 'px';\n"
	"	});\n"
	"	canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });\n"
	"	document.getElementById('fg-reset').addEventListener('click', function () { zoomTo(0); });\n"
	"	document.getElementById('fg-icicle').addEventListener('click', function () { view.inverted = !view.inverted; draw(); });\n"
	"	document.getElementById('fg-go').addEventListener('click', function () { search(searchEl.value); });\n"
	"	document.getElementById('fg-clear').addEventListener('click', function () { searchEl.value = ''; search(''); });\n"
	"	searchEl.addEventListener('keydown', function (e) { if (e.key === 'Enter') search(searchEl.value); });\n"
	"	threadSel.addEventListener('change', function () { applyFilter(); zoomTo(0); });\n"
	"	stateSel.addEventListener('change', function () { applyFilter(); zoomTo(0); });\n"
	"	catSel.addEventListener('change', function () { applyFilter(); zoomTo(0); });\n"
	"	opSel.addEventListener('change', function () { applyFilter(); zoomTo(0); });\n"
	"	colorSel.addEventListener('change', function () { showLegend(); draw(); });\n"
	"	window.addEventListener('keydown', function (e) {\n"
	"		if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); searchEl.focus(); searchEl.select(); }\n"
	"		else if (e.key === 'Escape') { searchEl.value = ''; search(''); zoomTo(0); }\n"
	"	});\n"
	"	var resizeTimer = 0;\n"
	"	window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(draw, 100); });\n"
	"\n"
	"	setupFilter();\n"
	"	applyFilter();\n"
	"	draw();\n"
	"	/* For tests and the console. */\n"
	"	window.tmprofFlame = {\n"
	"		nodeCount: N,\n"
	"		find: function (name) { for (var k = 0; k < N; k++) if (names[nameOf[k]] === name && eff[k] > 0) return k; return -1; },\n"
	"		frameRect: frameRect,\n"
	"		zoomTo: zoomTo,\n"
	"		search: search,\n"
	"		categories: function () {\n"
	"			return catNames.map(function (c, k) { var r = catRgb(c); return { name: c, rgb: r, value: catVal[k] }; });\n"
	"		},\n"
	"		nodeCategory: function (n) { var c = nodeCat[n]; return c === MIXED ? 'mixed' : c >= 0 ? catNames[c] : null; },\n"
	"		/* Nodes on screen: [node, x, y, w] each. */\n"
	"		drawnFrames: function () {\n"
	"			var r = [];\n"
	"			for (var k = 0; k < drawn.n; k++) r.push([drawn.node[k], drawn.x[k], drawn.y[k], drawn.w[k]]);\n"
	"			return r;\n"
	"		},\n"
	"		name: function (n) { return names[nameOf[n]]; },\n"
	"		value: function (n) { return eff[n]; },\n"
	"		parent: function (n) { return parent[n]; },\n"
	"		state: function () {\n"
	"			return { zoom: view.zoom, zoomName: names[nameOf[view.zoom]], matched: view.matched, width: view.width,\n"
	"				 inverted: view.inverted, total: eff[0], drawn: drawn.n, colorBy: colorSel.value,\n"
	"				 category: catSel.value, thread: threadSel.value, threadState: stateSel.value,\n"
	"				 operator: opSel.value };\n"
	"		}\n"
	"	};\n"
	"})();\n"
	;

static const char *palette_name(enum flamegraph_palette p)
{
	switch (p) {
	case PALETTE_HOT: return "hot";
	case PALETTE_MEM: return "mem";
	case PALETTE_IO: return "io";
	case PALETTE_JAVA: break;
	}
	return "java";
}

static const char *html_title(const struct flamegraph_options *o, bool diff)
{
	if (o->title)
		return o->title;
	if (diff)
		return "Differential Flame Graph";
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

/* fprintf per number would dominate the time for a million nodes. */
static char *u64_format(char *end, uint64_t v)
{
	*--end = '\0';
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* The node array is most of the page: numbers go through a local buffer
 * rather than one stdio call each. */
struct num_buf {
	FILE *out;
	char buf[1 << 16];
	size_t len;
};

static void num_buf_flush(struct num_buf *nb)
{
	fwrite(nb->buf, 1, nb->len, nb->out);
	nb->len = 0;
}

static void num_buf_put(struct num_buf *nb, char sep, uint64_t v)
{
	char tmp[24];
	const char *s = u64_format(tmp + sizeof(tmp), v);
	size_t n = (size_t)(tmp + sizeof(tmp) - 1 - s);

	if (nb->len + n + 1 > sizeof(nb->buf))
		num_buf_flush(nb);
	if (sep)
		nb->buf[nb->len++] = sep;
	memcpy(nb->buf + nb->len, s, n);
	nb->len += n;
}

static int write_nodes(const struct flame_tree *t, FILE *out)
{
	struct num_buf *nb = malloc(sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	nb->out = out;
	nb->len = 0;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct flame_node *n = &t->nodes[i];

		num_buf_put(nb, i ? ',' : 0, n->name);
		num_buf_put(nb, ',', n->value);
		num_buf_put(nb, ',', n->depth);
	}
	num_buf_flush(nb);
	free(nb);
	return 0;
}

/* The labels the page filters and colours by, in "labelSets" order. */
static const char *const html_label_keys[] = {
	PROFILE_LABEL_PROCESS, PROFILE_LABEL_PID,	    PROFILE_LABEL_THREAD, PROFILE_LABEL_TID,
	PROFILE_LABEL_OPERATOR_CHAIN, PROFILE_LABEL_SUBTASK, PROFILE_LABEL_STATE, PROFILE_LABEL_CATEGORY,
	/* The operator a task thread's CPU sample was placed in (the agent's
	 * operator_build.h names the label; this module cannot include it). */
	"operator",
};

/* One label set as an array of values (null when absent). */
static void write_label_set(const struct profile *p, uint32_t id, FILE *out)
{
	fputc('[', out);
	for (size_t k = 0; k < sizeof(html_label_keys) / sizeof(html_label_keys[0]); k++) {
		const char *v = profile_label_value(p, id, html_label_keys[k]);

		if (k)
			fputc(',', out);
		if (v)
			json_write_string(out, v);
		else
			fputs("null", out);
	}
	fputc(']', out);
}

/* The samples' labels, so the page's thread, operator, state and category
 * filters read the structure rather than the pseudo-frame text:
 * "labelKeys", "labelSets" (the sets the samples use, renumbered densely)
 * and "samples": [node, set, value, ...]. Nothing when no sample has a
 * label (a plain folded input). */
static int write_labels(const struct flame_tree *t, FILE *out)
{
	uint32_t max = 0, nsets = 0, *dense;
	struct num_buf *nb;

	for (size_t i = 0; i < t->nsamples; i++)
		if (t->samples[i].labels > max)
			max = t->samples[i].labels;
	if (!max || !t->after)
		return 0;
	dense = malloc(((size_t)max + 1) * sizeof(*dense));
	nb = malloc(sizeof(*nb));
	if (!dense || !nb) {
		free(dense);
		free(nb);
		return -ENOMEM;
	}
	memset(dense, 0xff, ((size_t)max + 1) * sizeof(*dense));
	fputs(",\n\"labelKeys\":[", out);
	for (size_t k = 0; k < sizeof(html_label_keys) / sizeof(html_label_keys[0]); k++)
		fprintf(out, "%s\"%s\"", k ? "," : "", html_label_keys[k]);
	fputs("],\n\"labelSets\":[", out);
	for (size_t i = 0; i < t->nsamples; i++) {
		uint32_t id = t->samples[i].labels;

		if (dense[id] != UINT32_MAX)
			continue;
		if (nsets)
			fputc(',', out);
		write_label_set(t->after, id, out);
		dense[id] = nsets++;
	}
	fputs("],\n\"samples\":[", out);
	nb->out = out;
	nb->len = 0;
	for (size_t i = 0; i < t->nsamples; i++) {
		num_buf_put(nb, i ? ',' : 0, t->samples[i].node);
		num_buf_put(nb, ',', dense[t->samples[i].labels]);
		num_buf_put(nb, ',', t->samples[i].value);
	}
	num_buf_flush(nb);
	fputc(']', out);
	free(nb);
	free(dense);
	return 0;
}

static int write_data(const struct flame_tree *t, FILE *out, const struct flamegraph_options *o)
{
	int err;

	fputs("{\"title\":", out);
	json_write_string(out, html_title(o, t->has_before));
	fputs(",\"subtitle\":", out);
	json_write_string(out, o->subtitle ? o->subtitle : "");
	fputs(",\"countname\":", out);
	json_write_string(out, o->countname ? o->countname : "samples");
	fprintf(out, ",\"palette\":\"%s\",\"inverted\":%s,\n\"names\":[", palette_name(o->palette),
		o->inverted ? "true" : "false");
	for (size_t i = 0; i < t->nnames; i++) {
		if (i)
			fputc(',', out);
		json_write_string(out, t->names[i]);
	}
	fputs("],\n\"kinds\":[", out);
	for (size_t i = 0; i < t->nnames; i++)
		fprintf(out, "%s%u", i ? "," : "", (unsigned int)t->kinds[i]);
	fputs("],\n\"nodes\":[", out);
	err = write_nodes(t, out);
	fputc(']', out);
	if (!err)
		err = write_labels(t, out);
	if (t->has_before) {
		fputs(",\n\"before\":[", out);
		for (size_t i = 0; i < t->nnodes; i++)
			fprintf(out, "%s%.10g", i ? "," : "", t->nodes[i].before);
		fputc(']', out);
	}
	fputs("}", out);
	return err;
}

int html_write_tree(const struct flame_tree *t, FILE *out, const struct flamegraph_options *opts)
{
	struct flamegraph_options defaults;
	const char *title;

	if (!opts) {
		flamegraph_options_init(&defaults);
		opts = &defaults;
	}
	if (!t->nnodes || !t->nodes[0].value)
		return -ENODATA;
	title = html_title(opts, t->has_before);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"tmprof\">\n<title>", out);
	xml_write_escaped(out, title, SIZE_MAX);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header><h1>", html_style);
	xml_write_escaped(out, title, SIZE_MAX);
	fputs("</h1>", out);
	if (opts->subtitle) {
		fputs("<div class=\"sub\">", out);
		xml_write_escaped(out, opts->subtitle, SIZE_MAX);
		fputs("</div>", out);
	}
	fprintf(out, "\n%s</header>\n<div id=\"fg-wrap\"><canvas id=\"fg-canvas\"></canvas></div>\n"
		     "<div id=\"fg-status\"></div><div id=\"fg-tip\"></div>\n"
		     "<script type=\"application/json\" id=\"fg-data\">",
		html_controls);
	/* '<' never appears raw in the JSON (json_write_string), so the data
	 * cannot close its <script> element. */
	if (write_data(t, out, opts))
		return -ENOMEM;
	fprintf(out, "</script>\n<script>\n%s</script>\n</body>\n</html>\n", html_script);
	if (fflush(out) || ferror(out))
		return -(errno ? errno : EIO);
	return 0;
}

int html_write(const struct profile *p, FILE *out, const struct flamegraph_options *o)
{
	struct flame_tree t;
	int err;

	err = flame_tree_build(&t, p, NULL, o ? o->reverse : false, false);
	if (err)
		return err;
	err = html_write_tree(&t, out, o);
	flame_tree_free(&t);
	return err;
}
