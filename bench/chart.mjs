#!/usr/bin/env node
// Draws bench results as one SVG: delivered msg/s per configuration (service vs relay) and the
// send-to-receive latency by percentile (median over runs at each percentile; log scales).
// Usage: node bench/chart.mjs --out bench/charts/latency.svg results/a.json results/b.json …
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: 'bench/charts/latency.svg' }, title: { type: 'string' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error('usage: node bench/chart.mjs [--out FILE] [--title TEXT] RESULT.json …');
  process.exit(2);
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const results = positionals.map((file, i) => {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (data.kind !== 'throughput') throw new Error(`${file}: not a throughput result`);
  const { storage, median, parameters } = data;
  const label = storage.databaseUrl
    ? storage.redisUrl
      ? 'PostgreSQL + Redis'
      : 'PostgreSQL'
    : 'embedded PGlite';
  return { label, median, parameters, color: COLORS[i % COLORS.length] };
});

const W = 1000;
const H = 440;
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const parts = [];
const text = (x, y, s, attrs = '') => parts.push(`<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`);
const line = (x1, y1, x2, y2, attrs) =>
  parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" ${attrs}/>`);

// Left panel: throughput bars.
const bar = { x: 70, y: 60, w: 300, h: 300 };
const maxTp = Math.max(
  ...results.flatMap((r) => [r.median.service?.throughput ?? 0, r.median.relay?.throughput ?? 0]),
);
const tpTop = niceCeil(maxTp);
text(bar.x, 40, 'delivered msg/s (median)', 'font-weight="bold"');
for (let i = 0; i <= 4; i++) {
  const v = (tpTop * i) / 4;
  const y = bar.y + bar.h - (bar.h * i) / 4;
  line(bar.x, y, bar.x + bar.w, y, 'stroke="#ddd"');
  text(bar.x - 8, y + 4, Math.round(v), 'text-anchor="end" font-size="11"');
}
const group = bar.w / results.length;
results.forEach((r, i) => {
  const gx = bar.x + i * group;
  const bw = group * 0.32;
  [
    ['service', r.median.service?.throughput, 1],
    ['relay', r.median.relay?.throughput, 0.35],
  ].forEach(([name, v, opacity], j) => {
    if (typeof v !== 'number') return;
    const h = (bar.h * v) / tpTop;
    const x = gx + group * 0.15 + j * (bw + 4);
    parts.push(
      `<rect x="${x}" y="${bar.y + bar.h - h}" width="${bw}" height="${h}" fill="${r.color}" fill-opacity="${opacity}"><title>${esc(`${r.label} ${name}: ${v.toFixed(0)} msg/s`)}</title></rect>`,
    );
    text(x + bw / 2, bar.y + bar.h - h - 4, Math.round(v), 'text-anchor="middle" font-size="10"');
    text(x + bw / 2, bar.y + bar.h + 14, name, 'text-anchor="middle" font-size="10"');
  });
  text(gx + group / 2, bar.y + bar.h + 30, r.label, `text-anchor="middle" font-size="11" fill="${r.color}"`);
});
line(bar.x, bar.y + bar.h, bar.x + bar.w, bar.y + bar.h, 'stroke="#333"');

// Right panel: latency by percentile, log x (1/(1-p)) and log y.
const plot = { x: 470, y: 60, w: 490, h: 300 };
const PCTS = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];
const xOf = (p) =>
  plot.x + (plot.w * Math.log10(100 / (100 - p)) - plot.w * Math.log10(2)) / (4 - Math.log10(2));
const all = results.flatMap((r) =>
  ['service', 'relay'].flatMap((t) => Object.values(r.median[t]?.latency?.percentiles ?? {})),
);
const yMin = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...all))));
const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all)));
const yOf = (ms) => plot.y + plot.h - (plot.h * Math.log10(ms / yMin)) / Math.log10(yMax / yMin);
text(plot.x, 40, 'send-to-receive latency, ms (median over runs at each percentile)', 'font-weight="bold"');
for (let decade = yMin; decade <= yMax; decade *= 10) {
  for (const m of [1, 2, 5]) {
    const v = decade * m;
    if (v > yMax) break;
    const y = yOf(v);
    line(plot.x, y, plot.x + plot.w, y, `stroke="${m === 1 ? '#ccc' : '#eee'}"`);
    text(plot.x - 8, y + 4, v >= 1 ? v : v.toPrecision(1), 'text-anchor="end" font-size="11"');
  }
}
for (const p of [50, 90, 99, 99.9, 99.99]) {
  const x = xOf(p);
  line(x, plot.y, x, plot.y + plot.h, 'stroke="#ddd"');
  text(x, plot.y + plot.h + 16, `p${p}`, 'text-anchor="middle" font-size="11"');
}
line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, 'stroke="#333"');
line(plot.x, plot.y, plot.x, plot.y + plot.h, 'stroke="#333"');
results.forEach((r) => {
  for (const [target, dash] of [
    ['service', ''],
    ['relay', 'stroke-dasharray="6 4"'],
  ]) {
    const curve = r.median[target]?.latency?.percentiles;
    if (!curve) continue;
    const points = PCTS.filter((p) => typeof curve[p] === 'number').map(
      (p) => `${xOf(p).toFixed(1)},${yOf(Math.max(yMin, curve[p])).toFixed(1)}`,
    );
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${r.color}" stroke-width="2" ${dash}><title>${esc(`${r.label} ${target}`)}</title></polyline>`,
    );
  }
});
// Legend.
let ly = plot.y + plot.h + 40;
text(plot.x, ly, 'solid: service (durable)   dashed: bare Socket.IO relay', 'font-size="11"');
ly += 16;
results.forEach((r, i) => {
  const lx = plot.x + i * 165;
  line(lx, ly - 4, lx + 24, ly - 4, `stroke="${r.color}" stroke-width="2"`);
  text(lx + 30, ly, r.label, 'font-size="11"');
});

const p = results[0].parameters;
const title =
  values.title ??
  `P=${p.pairs} pairs, W=${p.inflight} in flight, ${p.duration} s measured, ${p.size} B, ${p.transport}, median of ${p.runs} run(s)`;
text(W / 2, 18, title, 'text-anchor="middle" font-size="13"');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<title>${esc(`Chat bench: delivered msg/s and send-to-receive latency by percentile, service vs relay. ${title}`)}</title>
<rect width="100%" height="100%" fill="white"/>
${parts.join('\n')}
</svg>
`;
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, svg);
console.log(`wrote ${values.out}`);

function niceCeil(v) {
  if (v <= 0) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}
