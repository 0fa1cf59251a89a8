import type { Clock } from '../../../app/core/ports/index.js';

/**
 * A clock that moves only when told to: timeouts are tested by advancing it, never by sleeping.
 * `advance` moves both clocks; `stepWall` moves only the wall clock, as NTP or an administrator
 * setting the date would.
 */
export class FakeClock implements Clock {
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 1;
  private wallOffset = 0;

  constructor(
    private current = Date.UTC(2026, 10, 23, 6, 0, 0),
    private readonly offsetMinutes = 60,
  ) {}

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  utcOffsetMinutes(): number {
    return this.offsetMinutes;
  }

  setTimer(at: number, callback: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at, callback, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Sets the wall clock forward (positive) or back (negative); deadlines do not follow. */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  /** Moves time forward, firing due timers in order (each at its own time). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = target;
  }
}
