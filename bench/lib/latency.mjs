// HDR histograms of latencies recorded in microseconds, summarized in milliseconds.
import hdr from 'hdr-histogram-js';

export const PERCENTILES = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];

export function newHistogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

const ms = (us) => Math.round(us) / 1000;

/** p50/p90/p99/p99.9/max/mean in ms, the percentile curve, and the whole histogram (compressed). */
export function summarize(histogram) {
  if (histogram.totalCount === 0) return { count: 0 };
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
    percentiles: Object.fromEntries(PERCENTILES.map((p) => [p, ms(histogram.getValueAtPercentile(p))])),
    hdrBase64: hdr.encodeIntoCompressedBase64(histogram),
  };
}
