// SPDX-License-Identifier: GPL-2.0
// Headless Chromium check of tmprof's interactive HTML flame graph.
// Usage: node html_view.mjs PAGE.html PAGE.folded SCREENSHOT.png [BIG.html]
// With CAT_HTML (a recorded page with category labels), CAT_JSON (the JSON
// report of the same seconds) and CAT_SHOT in the environment, also checks
// the colour-by-category view.
// Prints TAP lines "ok - ..." / "not ok - ..."; exit 1 if any failed.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(join(process.env.PLAYWRIGHT_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const [page1, folded, shot, big] = process.argv.slice(2);
let failed = 0;
const ok = (cond, what) => {
	console.log(`${cond ? 'ok' : 'not ok'} - html_view: ${what}`);
	if (!cond) failed++;
};

// Truth from the folded input: share of samples whose stack has a matching frame.
function share(re, filter = () => true) {
	let hit = 0, all = 0;
	for (const line of readFileSync(folded, 'utf8').split('\n')) {
		const m = /^(.*)\s+(\d+)$/.exec(line);
		if (!m) continue;
		const frames = m[1].split(';'), n = +m[2];
		if (!filter(frames)) continue;
		all += n;
		if (frames.some((f) => re.test(f))) hit += n;
	}
	return { hit, all, share: hit / all };
}

// The page's own data block: nodes (name, value, depth) and each sample's
// end node and labels, as the writer emitted them.
function pageData(file) {
	const html = readFileSync(file, 'utf8');
	const open = '<script type="application/json" id="fg-data">';
	const a = html.indexOf(open) + open.length;
	return JSON.parse(html.substring(a, html.indexOf('</script>', a)));
}

const DEFAULT_CATEGORIES = ['user', 'framework', 'serialization', 'state', 'network', 'checkpoint', 'gc', 'jit'];

async function checkCategories(browser) {
	const D = pageData(process.env.CAT_HTML);
	const report = JSON.parse(readFileSync(process.env.CAT_JSON, 'utf8'));
	const kc = D.labelKeys.indexOf('category');
	ok(kc >= 0 && D.samples && D.samples.length > 0, `category page carries labelled samples (${D.samples ? D.samples.length / 3 : 0})`);
	// Truth from the page's data: value per category, and per node the
	// serialization value (summed up from where each sample ends).
	const N = D.nodes.length / 3, parent = new Int32Array(N), serVal = new Float64Array(N), st = [];
	for (let i = 0; i < N; i++) {
		const d = D.nodes[3 * i + 2];
		while (st.length && D.nodes[3 * st[st.length - 1] + 2] >= d) st.pop();
		parent[i] = st.length ? st[st.length - 1] : -1;
		st.push(i);
	}
	const byCat = {};
	let all = 0;
	for (let i = 0; i < D.samples.length; i += 3) {
		const c = D.labelSets[D.samples[i + 1]][kc], v = D.samples[i + 2];
		all += v;
		byCat[c] = (byCat[c] || 0) + v;
		if (c === 'serialization') serVal[D.samples[i]] += v;
	}
	for (let i = N - 1; i > 0; i--) serVal[parent[i]] += serVal[i];
	// The report's categories: those with CPU in some thread.
	const repCat = {};
	let repCpu = 0;
	for (const t of report.threads) {
		repCpu += (t.ms_per_s && t.ms_per_s.cpu) || 0;
		for (const [c, v] of Object.entries(t.cpu_by_category || {})) repCat[c] = (repCat[c] || 0) + v;
	}
	const repPresent = Object.keys(repCat).filter((c) => repCat[c] > 0 && DEFAULT_CATEGORIES.includes(c)).sort();

	const page = await browser.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	await page.goto(pathToFileURL(process.env.CAT_HTML).href);
	await page.waitForFunction(() => window.tmprofFlame !== undefined, null, { timeout: 30000 });
	ok(errors.length === 0, `category page: no script errors (${errors.join('; ') || 'none'})`);
	const st0 = await page.evaluate(() => window.tmprofFlame.state());
	ok(st0.colorBy === 'category' && await page.isVisible('#fg-legend') && await page.isVisible('#fg-color'),
		`opens coloured by category, legend and colour toggle visible (colorBy=${st0.colorBy})`);
	const legend = await page.evaluate(() => [...document.querySelectorAll('#fg-legend .fg-cat')].map((e) => ({
		name: e.dataset.category, text: e.textContent, color: getComputedStyle(e.querySelector('.fg-swatch')).backgroundColor })));
	const names = legend.map((l) => l.name).filter((n) => n !== 'mixed');
	const missing = repPresent.filter((c) => !names.includes(c));
	ok(missing.length === 0 && repPresent.length >= 4,
		`legend (${legend.map((l) => l.text).join(', ')}) lists every category of the report (${repPresent.join(' ')})`);
	ok(names.every((n) => byCat[n] > 0) && Object.keys(byCat).every((c) => c === 'null' || names.includes(c)),
		`legend lists exactly the page's categories (${Object.keys(byCat).join(' ')})`);

	// Pixels: each category's widest frame is painted in its legend colour.
	const swatch = Object.fromEntries(legend.map((l) => [l.name, l.color.replace(/\s/g, '')]));
	const painted = await page.evaluate(() => {
		const f = window.tmprofFlame, c = document.getElementById('fg-canvas'), dpr = window.devicePixelRatio || 1;
		const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);
		const best = {};
		for (const [n, x, y, w] of f.drawnFrames()) {
			const cat = f.nodeCategory(n);
			if (!cat || w < 3 || (best[cat] && best[cat].w >= w)) continue;
			const o = 4 * (Math.floor((y + 2) * dpr) * c.width + Math.floor((x + 1) * dpr));
			best[cat] = { w, name: f.name(n), rgb: `rgb(${img.data[o]},${img.data[o + 1]},${img.data[o + 2]})` };
		}
		return best;
	});
	const wrong = [], seen = [];
	for (const [cat, b] of Object.entries(painted)) {
		seen.push(cat);
		if (b.rgb !== swatch[cat]) wrong.push(`${cat}: ${b.name} ${b.rgb} vs legend ${swatch[cat]}`);
	}
	const needed = ['user', 'serialization', 'state', 'network'].filter((c) => !seen.includes(c));
	ok(wrong.length === 0 && needed.length === 0,
		`frames painted in their category's legend colour (${seen.join(' ')}${wrong.length ? '; wrong: ' + wrong.join('; ') : ''}${needed.length ? '; no frame of ' + needed.join(' ') : ''})`);

	// Filter by serialization: exactly its samples on screen.
	await page.selectOption('#fg-category', 'serialization');
	const f = await page.evaluate(() => {
		const t = window.tmprofFlame, c = document.getElementById('fg-canvas'), dpr = window.devicePixelRatio || 1;
		const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);
		const frames = t.drawnFrames().filter(([n]) => n === 0 || t.value(n) > 0);
		const colors = {}, cats = {};
		for (const [n, x, y, w] of frames) {
			cats[t.nodeCategory(n)] = (cats[t.nodeCategory(n)] || 0) + 1;
			if (w < 3) continue;
			const o = 4 * (Math.floor((y + 2) * dpr) * c.width + Math.floor((x + 1) * dpr));
			const k = `rgb(${img.data[o]},${img.data[o + 1]},${img.data[o + 2]})`;
			colors[k] = (colors[k] || 0) + 1;
		}
		return { st: t.state(), nodes: frames.map(([n]) => n), colors, cats };
	});
	const W = f.st.width, want = [];
	for (let i = 0; i < N; i++) if (serVal[i] * W / byCat.serialization >= 0.5) want.push(i);
	const got = new Set(f.nodes), extra = f.nodes.filter((n) => !(serVal[n] > 0));
	ok(f.st.total === byCat.serialization, `serialization filter: ${f.st.total} samples in view = ${byCat.serialization} serialization samples in the page's data`);
	ok(extra.length === 0 && want.every((n) => got.has(n)) && f.nodes.length === want.length,
		`serialization filter: ${f.nodes.length} frames on screen, ${want.length} expected from the data (${extra.length} of other stacks)`);
	ok(Object.keys(f.cats).length === 1 && f.cats.serialization > 0 && Object.keys(f.colors).length === 1 && f.colors[swatch.serialization] > 0,
		`serialization filter: every frame is serialization (${JSON.stringify(f.cats)}) in its colour (${JSON.stringify(f.colors)})`);
	const pageShare = 100 * byCat.serialization / all, repShare = 100 * (repCat.serialization || 0) / repCpu;
	ok(Math.abs(pageShare - repShare) <= 5,
		`serialization share on the page ${pageShare.toFixed(1)}% vs the JSON report ${repShare.toFixed(1)}% (limit 5 pp)`);
	await page.screenshot({ path: process.env.CAT_SHOT, fullPage: false });
	// The legend filters too: clicking serialization again shows all.
	await page.click('#fg-legend .fg-cat[data-category="serialization"]');
	const back = await page.evaluate(() => window.tmprofFlame.state());
	ok(back.category === '' && back.total === all, `legend click clears the filter (total ${back.total} of ${all})`);

	// The operator filter: each operator of a chain (labels "operator" and
	// "operator_chain" of the page's data) shows exactly its samples.
	const ko = D.labelKeys.indexOf('operator'), kch = D.labelKeys.indexOf('operator_chain'), byOp = {};
	for (let i = 0; i < D.samples.length; i += 3) {
		const set = D.labelSets[D.samples[i + 1]];
		if (ko >= 0 && set[ko] !== null) {
			const k = JSON.stringify([set[kch], set[ko]]);
			byOp[k] = (byOp[k] || 0) + D.samples[i + 2];
		}
	}
	const opts = await page.evaluate(() => [...document.querySelectorAll('#fg-operator option')].map((o) => o.value).filter((v) => v));
	const opBad = [];
	for (const v of opts) {
		await page.selectOption('#fg-operator', v);
		const t = (await page.evaluate(() => window.tmprofFlame.state())).total;
		if (t !== byOp[v]) opBad.push(`${v}: ${t} vs ${byOp[v]}`);
	}
	await page.selectOption('#fg-operator', '');
	const opBack = (await page.evaluate(() => window.tmprofFlame.state())).total;
	ok(opts.length > 0 && opts.length === Object.keys(byOp).length && opBad.length === 0 && opBack === all,
		`operator filter: ${opts.length} operators (${Object.keys(byOp).join(' ')}), each shows exactly its samples${opBad.length ? '; wrong: ' + opBad.join('; ') : ''}; all again: ${opBack} of ${all}`);
	await page.close();
}

const profileDir = mkdtempSync(join(tmpdir(), 'tmprof-chromium-'));
// A fresh profile directory: Playwright passes it as --user-data-dir.
const browser = await chromium.launchPersistentContext(profileDir, {
	executablePath: '/usr/bin/chromium',
	headless: true,
	viewport: { width: 1280, height: 800 },
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
	const page = await browser.newPage();
	const errors = [], remote = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('request', (r) => { if (!/^(file|data|about):/.test(r.url())) remote.push(r.url()); });
	await page.goto(pathToFileURL(page1).href);
	await page.waitForFunction(() => window.tmprofFlame !== undefined, null, { timeout: 15000 });
	ok(errors.length === 0, `no script errors (${errors.join('; ') || 'none'})`);

	// Rendered: many non-blank canvas pixels.
	const painted = await page.evaluate(() => {
		const c = document.getElementById('fg-canvas');
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
		return { n, total: d.length / 4 };
	});
	ok(painted.n > painted.total * 0.05, `canvas painted (${painted.n} of ${painted.total} pixels)`);

	// Click a frame: it then fills the width.
	const target = 'MyMapper.map_[j]';
	const idx = await page.evaluate((n) => window.tmprofFlame.find(n), target);
	const rect = await page.evaluate((i) => window.tmprofFlame.frameRect(i), idx);
	const box = await page.locator('#fg-canvas').boundingBox();
	ok(idx > 0 && rect && rect.w < box.width - 1, `${target} drawn narrower than the view before zoom`);
	await page.mouse.click(box.x + rect.x + rect.w / 2, box.y + rect.y + rect.h / 2);
	const z = await page.evaluate((i) => ({ st: window.tmprofFlame.state(), r: window.tmprofFlame.frameRect(i) }), idx);
	ok(z.st.zoom === idx && z.st.zoomName === target, `click zooms to ${target} (zoom=${z.st.zoomName})`);
	ok(z.r && Math.abs(z.r.x) < 0.5 && Math.abs(z.r.w - z.st.width) < 0.5,
		`zoomed frame fills the width (x=${z.r && z.r.x}, w=${z.r && z.r.w.toFixed(1)} of ${z.st.width})`);

	// Tooltip on hover.
	const r2 = await page.evaluate((i) => window.tmprofFlame.frameRect(i), idx);
	await page.mouse.move(box.x + r2.x + 20, box.y + r2.y + 5);
	const tip = await page.locator('#fg-tip').textContent();
	ok(/MyMapper\.map_\[j\]/.test(tip) && /samples/.test(tip) && /%/.test(tip), `tooltip shows name, samples, share (${tip.replace(/\n/g, ' | ')})`);

	// Reset, then a regex search reports the share of the whole profile.
	await page.click('#fg-reset');
	ok((await page.evaluate(() => window.tmprofFlame.state().zoom)) === 0, 'reset zoom');
	const term = 'hashCode|do_syscall';
	await page.fill('#fg-search', term);
	await page.press('#fg-search', 'Enter');
	const shown = await page.locator('#fg-matched').textContent();
	const truth = share(new RegExp(term));
	const m = /Matched: ([\d.]+)%/.exec(shown);
	ok(m && Math.abs(+m[1] - 100 * truth.share) < 0.006,
		`search /${term}/ shows ${shown.trim()}, expected ${(100 * truth.share).toFixed(2)}%`);
	const magenta = await page.evaluate((i) => {
		const c = document.getElementById('fg-canvas'), r = window.tmprofFlame.frameRect(i), dpr = window.devicePixelRatio || 1;
		const d = c.getContext('2d').getImageData(Math.floor((r.x + 1) * dpr), Math.floor((r.y + 1) * dpr), 1, 1).data;
		return [d[0], d[1], d[2]];
	}, await page.evaluate(() => window.tmprofFlame.find('String.hashCode_[i]')));
	ok(magenta[0] === 230 && magenta[1] === 0 && magenta[2] === 230, `matched frame highlighted (rgb ${magenta})`);

	// Operator filter: only that operator's threads remain.
	const opt = await page.evaluate(() => [...document.querySelectorAll('#fg-thread option')].map((o) => o.value));
	ok(opt.includes('op:Source: A -> Map'), `operator filter offers 'Source: A -> Map' (${opt.length} options)`);
	await page.selectOption('#fg-thread', 'op:Source: A -> Map');
	const tot = await page.evaluate(() => window.tmprofFlame.state().total);
	const opTruth = share(/x^/, (f) => f.some((x) => /^\[Source: A -> Map \(\d+\/\d+\)#\d+ tid=\d+\]$/.test(x)));
	ok(tot === opTruth.all, `operator filter total ${tot} = ${opTruth.all}`);
	const shown2 = await page.locator('#fg-matched').textContent();
	const truth2 = share(new RegExp(term), (f) => f.some((x) => /^\[Source: A -> Map /.test(x)));
	const m2 = /Matched: ([\d.]+)%/.exec(shown2);
	ok(m2 && Math.abs(+m2[1] - 100 * truth2.share) < 0.006, `search share within the filter ${shown2.trim()}, expected ${(100 * truth2.share).toFixed(2)}%`);
	await page.selectOption('#fg-thread', '');

	// Icicle toggle flips the root to the top.
	const before = await page.evaluate(() => window.tmprofFlame.frameRect(0).y);
	await page.click('#fg-icicle');
	const after = await page.evaluate(() => window.tmprofFlame.frameRect(0).y);
	ok(before > 0 && after === 0, `icicle toggle moves the root from y=${before} to y=${after}`);
	await page.click('#fg-icicle');

	await page.screenshot({ path: shot, fullPage: false });
	ok(remote.length === 0, `no network requests (${remote.join(' ') || 'none'})`);
	await page.close();

	if (big) {
		const p2 = await browser.newPage();
		const errs = [];
		p2.on('pageerror', (e) => errs.push(String(e)));
		const t0 = Date.now();
		await p2.goto(pathToFileURL(big).href);
		await p2.waitForFunction(() => window.tmprofFlame !== undefined, null, { timeout: 60000 });
		const load = Date.now() - t0;
		const st = await p2.evaluate(() => window.tmprofFlame.state());
		const n = await p2.evaluate(() => window.tmprofFlame.nodeCount);
		ok(errs.length === 0 && st.drawn > 0 && load < 15000, `large page (${n} frames) drawn in ${load} ms, ${st.drawn} frames on screen`);
		const t1 = Date.now();
		await p2.evaluate(() => { const f = window.tmprofFlame; f.zoomTo(1); f.search('Class1[0-9]'); f.zoomTo(0); f.search(''); });
		const inter = Date.now() - t1;
		ok(inter < 3000, `large page: zoom + search + reset in ${inter} ms`);
		await p2.close();
	}
	if (process.env.CAT_HTML) await checkCategories(browser);
} catch (e) {
	ok(false, `browser run failed: ${e && e.stack ? e.stack.split('\n')[0] : e}`);
} finally {
	await browser.close();
	rmSync(profileDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
