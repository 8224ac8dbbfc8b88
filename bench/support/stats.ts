// Summaries of measured values, and their formatting.

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of the finite values. */
export function summary(values: number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { count: sorted.length, p50: rank(50), p99: rank(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** "p50 / p99 / max", rounded. */
export function p50p99max(s: Summary): string {
  return `${s.p50.toFixed(0)} / ${s.p99.toFixed(0)} / ${s.max.toFixed(0)}`;
}

/** Labelled rows, aligned: a summary of the values, or a text as it is. */
export function table(rows: [label: string, values: number[] | string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const n = (v: number) => v.toFixed(0).padStart(6);
  return rows
    .map(([label, values]) => {
      if (typeof values === 'string') return `  ${label.padEnd(width)}  ${values}`;
      const s = summary(values);
      return `  ${label.padEnd(width)}  p50 ${n(s.p50)}  p99 ${n(s.p99)}  max ${n(s.max)}  (n=${s.count})`;
    })
    .join('\n');
}

export function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
}

/** How many of the sorted values are <= t. */
export function countAtMost(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** "12.34 s, 4,052 items/s". */
export function rate(count: number, seconds: number): string {
  return `${seconds.toFixed(2)} s, ${Math.round(count / seconds).toLocaleString('en-US')} items/s`;
}

/** A seeded PRNG (mulberry32) in [0, 1), so a bench makes the same choices every run. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Calls `take` every `everyMs` (one call at a time) until `stop`, which takes a last sample and
 * returns them all. A failing `take` ends the sampling (a failed run closes what it reads).
 */
export function sampleEvery<T>(everyMs: number, take: () => T | Promise<T>): { stop(): Promise<T[]> } {
  const samples: T[] = [];
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      samples.push(await take());
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })().catch(() => undefined);
  return {
    stop: async () => {
      sampling = false;
      await loop;
      samples.push(await take());
      return samples;
    },
  };
}
