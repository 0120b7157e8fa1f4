// SPDX-License-Identifier: GPL-2.0
// Independent pprof reader for tests/e2e/pprof_readers.sh, on the npm
// package pprof-format (Datadog's pure JavaScript decoder).
//
//   node pprof_read.mjs MODULE_DIR FILE.pb.gz [--labels]
//
// Prints the profile as folded stacks ("root;...;leaf COUNT", COUNT the
// first sample value), merged and sorted like `LC_ALL=C sort`, then
// "# total N" and "# sample_types type/unit,...". --labels puts back the
// root pseudo-frames from the labels: "[<process> pid=<pid>]" and
// "[<thread> tid=<tid>]", as tmprof writes them in folded output.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const [moduleDir, file, flag] = process.argv.slice(2);
const require = createRequire(join(moduleDir, 'package.json'));
const { Profile } = require('pprof-format');

const raw = readFileSync(file);
if (raw[0] !== 0x1f || raw[1] !== 0x8b) {
	console.error(`${file}: not gzip`);
	process.exit(1);
}
const prof = Profile.decode(gunzipSync(raw));
const str = (i) => prof.stringTable.strings[Number(i)];
if (str(0) !== '') {
	console.error('string_table[0] is not ""');
	process.exit(1);
}

const fnName = new Map(prof.function.map((f) => [String(f.id), str(f.name)]));
const locName = new Map(prof.location.map((l) => {
	if (l.line.length !== 1) {
		console.error(`location ${l.id}: ${l.line.length} lines`);
		process.exit(1);
	}
	return [String(l.id), fnName.get(String(l.line[0].functionId))];
}));

const stacks = new Map();
let total = 0n;
for (const s of prof.sample) {
	// location_id is leaf first; folded text is root first.
	const frames = s.locationId.map((id) => {
		const n = locName.get(String(id));
		if (n === undefined) {
			console.error(`dangling location ${id}`);
			process.exit(1);
		}
		return n;
	}).reverse();
	if (flag === '--labels') {
		const lab = Object.fromEntries(s.label.map((l) => [str(l.key), str(l.str)]));
		const roots = [];
		if (lab.process !== undefined) roots.push(`[${lab.process} pid=${lab.pid}]`);
		if (lab.thread !== undefined) roots.push(`[${lab.thread} tid=${lab.tid}]`);
		frames.unshift(...roots);
	}
	const key = frames.join(';');
	const v = BigInt(s.value[0]);
	stacks.set(key, (stacks.get(key) ?? 0n) + v);
	total += v;
}

// Byte order, as LC_ALL=C sort compares.
const keys = [...stacks.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const out = keys.map((k) => `${k} ${stacks.get(k)}`);
out.push(`# total ${total}`);
out.push('# sample_types ' + prof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`).join(','));
process.stdout.write(out.join('\n') + '\n');
