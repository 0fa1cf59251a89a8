/**
 * Time, as the core sees it: two clocks. Tests move a fake clock instead of sleeping.
 * - `now()` is the wall clock: audit timestamps, shift boundaries, token expiry. It can be
 *   stepped (NTP, an administrator, a dead CMOS battery), backwards too.
 * - `monotonic()` is for deadlines (undo window, PIN prompt, grace, break-glass, cooldowns): it
 *   never goes backwards and no one can step it, so a clock set back cannot hold a window open.
 */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. May jump either way. */
  now(): number;
  /** Milliseconds on a clock that only moves forward, at the rate of real time. */
  monotonic(): number;
  /** Minutes to add to UTC to get the workstation's local time at `at` (for shift boundaries). */
  utcOffsetMinutes(at: number): number;
  /**
   * Calls `callback` once, as soon as `monotonic()` ≥ `at` (immediately when `at` is past).
   * Returns a function that cancels it; cancelling twice or after it fired does nothing.
   */
  setTimer(at: number, callback: () => void): () => void;
}
