#!/usr/bin/env node
// Where a server spent its CPU: self time of a .cpuprofile (from `npm run bench -- --profile DIR`)
// grouped by package / source area and by function. Usage: node bench/profile-summary.mjs FILE [top]
import { readFileSync } from 'node:fs';

const [file, topArg = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map(); // node id -> µs
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native / builtin)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/dist\/(.+?)\.js$/.exec(url);
  if (own) return `service: ${own[1]}`;
  return url.replace(/^file:\/\//, '');
}

const areas = new Map();
const functions = new Map();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id);
  const name = callFrame.functionName || '(anonymous)';
  const where = area(callFrame.url, name);
  areas.set(where, (areas.get(where) ?? 0) + us);
  const key = `${name}  ${where}:${callFrame.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const top = Number(topArg);
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nself time by package / area');
for (const [k, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
console.log('\nself time by function');
for (const [k, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${k}`);
