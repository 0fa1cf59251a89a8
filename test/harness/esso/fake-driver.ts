import type { WindowDescription } from '../../../app/core/esso/match.js';
import type { FillPlan } from '../../../app/core/esso/plan.js';
import type { EssoDriver, EssoWindowEvent, FillOutcome, FillSecrets } from '../../../app/core/ports/index.js';

/**
 * An eSSO driver for unit tests: windows appear on command; each plan executed is recorded with
 * the user name it was given (to prove whose credential went where), never the password.
 */
export class FakeEssoDriver implements EssoDriver {
  readonly executed: { windowId: string; purpose: FillPlan['purpose']; username: string | null }[] = [];
  readonly closed: string[] = [];
  readonly hidden: string[] = [];
  private readonly shown = new Map<string, WindowDescription>();
  private readonly listeners = new Set<(event: EssoWindowEvent) => void>();
  /** The outcome the next executions report. */
  outcome: FillOutcome = { ok: true };

  async windows(): Promise<WindowDescription[]> {
    return [...this.shown.values()];
  }

  watch(listener: (event: EssoWindowEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async execute(plan: FillPlan, secrets: FillSecrets): Promise<FillOutcome> {
    this.executed.push({
      windowId: plan.windowId,
      purpose: plan.purpose,
      username: secrets.username ?? null,
    });
    return this.outcome;
  }

  async close(windowId: string): Promise<void> {
    this.closed.push(windowId);
  }

  async hide(windowId: string): Promise<void> {
    this.hidden.push(windowId);
  }

  show(window: WindowDescription): void {
    const kind = this.shown.has(window.windowId) ? 'changed' : 'shown';
    this.shown.set(window.windowId, window);
    for (const listener of this.listeners) listener({ kind, window });
  }
}
