/** Time, as the core sees it. Tests move a fake clock instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. Never goes backwards within one run. */
  now(): number;
  /** Minutes to add to UTC to get the workstation's local time at `at` (for shift boundaries). */
  utcOffsetMinutes(at: number): number;
  /**
   * Calls `callback` once, as soon as `now()` ≥ `at` (immediately when `at` is past). Returns a
   * function that cancels it; cancelling twice or after it fired does nothing.
   */
  setTimer(at: number, callback: () => void): () => void;
}
