import type { Clock } from '../../core/ports/index.js';

/**
 * The machine's clocks: `Date.now()` for the wall, `performance.now()` (monotonic, not stepped
 * by NTP or an administrator) for deadlines. The monotonic clock starts at the wall time of
 * construction, so its values read as dates in logs, but it never follows a step of the wall.
 * Timers survive long waits (setTimeout caps at ~24.8 days).
 */
export class SystemClock implements Clock {
  private readonly origin = Date.now() - performance.now();

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return this.origin + performance.now();
  }

  utcOffsetMinutes(at: number): number {
    return -new Date(at).getTimezoneOffset();
  }

  setTimer(at: number, callback: () => void): () => void {
    const MAX_DELAY = 2 ** 31 - 1;
    let handle: ReturnType<typeof setTimeout> | null = null;
    let cancelled = false;
    const arm = (): void => {
      const delay = at - this.monotonic();
      if (delay <= 0) {
        handle = null;
        if (!cancelled) callback();
        return;
      }
      handle = setTimeout(arm, Math.min(delay, MAX_DELAY));
      // A pending lock timer must not keep a finished CLI alive.
      handle.unref?.();
    };
    arm();
    return () => {
      cancelled = true;
      if (handle) clearTimeout(handle);
    };
  }
}
