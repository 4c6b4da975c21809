import { expect } from 'vitest';

/** The service's /metrics text (Prometheus' text format). */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** A series' value in a scrape (`name{labels}` as printed), or NaN when it is not there (yet). */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  // The value is the last field: a label's value may hold spaces.
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
}

/** A counter's value now, 0 before its first count. */
export async function counterValue(baseUrl: string, series: string): Promise<number> {
  const value = metricValue(await scrapeMetrics(baseUrl), series);
  return Number.isNaN(value) ? 0 : value;
}
