import type { Clock } from '../../core/ports/index.js';

/** Wall-clock time with timers that survive long waits (setTimeout caps at ~24.8 days). */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  utcOffsetMinutes(at: number): number {
    return -new Date(at).getTimezoneOffset();
  }

  setTimer(at: number, callback: () => void): () => void {
    const MAX_DELAY = 2 ** 31 - 1;
    let handle: ReturnType<typeof setTimeout> | null = null;
    let cancelled = false;
    const arm = (): void => {
      const delay = at - Date.now();
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
