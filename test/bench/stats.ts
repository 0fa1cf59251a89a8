/** Distributions of measured durations, and their ratio to the floor measured in the same run. */
export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile: the value below which `p` % of the samples fall. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export interface Measure {
  /** Stable identifier, e.g. "pin-to-active-badge". */
  readonly id: string;
  readonly label: string;
  /** The design's target, for the report ("p95 ≤ 100 ms", "p95 ≤ 1.2 × floor"). */
  readonly target: string;
  readonly samples: readonly number[];
  /** The unavoidable work done directly, same run; null when the measure has no floor. */
  readonly floorSamples: readonly number[] | null;
  /** What the floor is, in words ("GET UID sent straight through PC/SC"). */
  readonly floorLabel?: string;
  /** APDUs per step (median over the runs), for the agent and for its floor, when the step has any. */
  readonly apdus?: ApduCounts;
  /** Passes the target? Computed from the distributions. */
  readonly check: (measured: Distribution, floor: Distribution | null) => boolean;
}

export interface ApduCounts {
  readonly measured: number | null;
  readonly floor: number | null;
}

/** measured / floor, or NaN when the floor is not a positive number. */
export function ratioTo(measured: number, floor: number): number {
  return Number.isFinite(measured) && Number.isFinite(floor) && floor > 0 ? measured / floor : Number.NaN;
}

/** The median of counts (APDUs per step), null when there are none. */
export function medianCount(counts: readonly (number | null)[]): number | null {
  const known = counts.filter((c): c is number => c !== null).sort((a, b) => a - b);
  return known.length ? percentile(known, 50) : null;
}

export interface MeasureResult {
  readonly id: string;
  readonly label: string;
  readonly target: string;
  readonly unit: 'ms';
  readonly measured: Distribution;
  readonly floor: Distribution | null;
  /** measured p50 / floor p50 and p95 / p95: what is compared across machines. */
  readonly ratio: { readonly p50: number; readonly p95: number } | null;
  readonly floorLabel: string | null;
  readonly apdus: ApduCounts | null;
  readonly meetsTarget: boolean;
  readonly samples: readonly number[];
  readonly floorSamples: readonly number[] | null;
}

export function summarise(measure: Measure): MeasureResult {
  const measured = distribution(measure.samples);
  const floor = measure.floorSamples ? distribution(measure.floorSamples) : null;
  return {
    id: measure.id,
    label: measure.label,
    target: measure.target,
    unit: 'ms',
    measured,
    floor,
    ratio: floor ? { p50: ratioTo(measured.p50, floor.p50), p95: ratioTo(measured.p95, floor.p95) } : null,
    floorLabel: measure.floorLabel ?? null,
    apdus: measure.apdus ?? null,
    meetsTarget: measure.check(measured, floor),
    samples: measure.samples,
    floorSamples: measure.floorSamples,
  };
}
