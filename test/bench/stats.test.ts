import { describe, it, expect } from '@jest/globals';
import { distribution, percentile, summarise } from './stats.js';
import type { Distribution, Measure } from './stats.js';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('percentile', () => {
  it('uses nearest rank on 1..100', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 100)).toBe(100);
  });

  it('clamps the rank to the first sample for p0', () => {
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('rounds the rank up on small samples', () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 95)).toBe(40);
  });

  it('returns the only sample for a single sample', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 95)).toBe(7);
  });

  it('returns NaN for no samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('distribution', () => {
  it('sorts unsorted input before taking percentiles', () => {
    const d = distribution([5, 1, 4, 2, 3]);
    expect(d).toEqual({ count: 5, p50: 3, p95: 5, max: 5, mean: 3 });
  });

  it('handles 1..100 shuffled', () => {
    const shuffled = [...oneToHundred].reverse();
    const d = distribution(shuffled);
    expect(d.count).toBe(100);
    expect(d.p50).toBe(50);
    expect(d.p95).toBe(95);
    expect(d.max).toBe(100);
    expect(d.mean).toBe(50.5);
  });

  it('does not mutate its input', () => {
    const samples = [3, 1, 2];
    distribution(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('is NaN everywhere but count for no samples', () => {
    const d = distribution([]);
    expect(d.count).toBe(0);
    expect(d.p50).toBeNaN();
    expect(d.p95).toBeNaN();
    expect(d.max).toBeNaN();
    expect(d.mean).toBeNaN();
  });
});

function measure(overrides: Partial<Measure>): Measure {
  return {
    id: 'pin-to-active-badge',
    label: 'Pin to active badge',
    target: 'p95 ≤ 1.2 × floor',
    samples: [4, 2, 8, 6],
    floorSamples: null,
    check: () => true,
    ...overrides,
  };
}

describe('summarise', () => {
  it('reports ratios of measured to floor for p50 and p95', () => {
    const result = summarise(
      measure({
        samples: [4, 2, 8, 6],
        floorSamples: [2, 1, 4, 3],
        check: (m: Distribution, f: Distribution | null) => f !== null && m.p95 <= 1.2 * f.p95,
      }),
    );
    expect(result.id).toBe('pin-to-active-badge');
    expect(result.label).toBe('Pin to active badge');
    expect(result.target).toBe('p95 ≤ 1.2 × floor');
    expect(result.unit).toBe('ms');
    expect(result.measured).toEqual({ count: 4, p50: 4, p95: 8, max: 8, mean: 5 });
    expect(result.floor).toEqual({ count: 4, p50: 2, p95: 4, max: 4, mean: 2.5 });
    expect(result.ratio).toEqual({ p50: 2, p95: 2 });
    expect(result.meetsTarget).toBe(false);
    expect(result.samples).toEqual([4, 2, 8, 6]);
  });

  it('has no floor and a null ratio without floorSamples', () => {
    const result = summarise(measure({ floorSamples: null, check: (m) => m.p95 <= 100 }));
    expect(result.floor).toBeNull();
    expect(result.ratio).toBeNull();
    expect(result.meetsTarget).toBe(true);
  });

  it('passes the distributions to check and reports its verdict', () => {
    const seen: Array<[Distribution, Distribution | null]> = [];
    const result = summarise(
      measure({
        samples: [10, 30, 20],
        floorSamples: [10, 10, 10],
        check: (m, f) => {
          seen.push([m, f]);
          return true;
        },
      }),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toEqual(result.measured);
    expect(seen[0]![1]).toEqual(result.floor);
    expect(result.ratio).toEqual({ p50: 2, p95: 3 });
    expect(result.meetsTarget).toBe(true);
  });

  it('reports a failing check as not meeting the target', () => {
    const result = summarise(measure({ check: () => false }));
    expect(result.meetsTarget).toBe(false);
  });
});
