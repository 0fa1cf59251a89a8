import type { EssoDriver, FillStep, LoginWindow } from '../../../app/core/ports/index.js';

/** An eSSO driver for unit tests: login windows appear on command; fills and logouts are recorded. */
export class FakeEssoDriver implements EssoDriver {
  readonly fills: { windowId: string; fields: string[]; submit: boolean }[] = [];
  readonly logouts: string[] = [];
  private listener: ((window: LoginWindow) => void) | null = null;

  watchLoginScreens(listener: (window: LoginWindow) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }

  async fill(windowId: string, steps: readonly FillStep[], submit: boolean): Promise<void> {
    // Field names only: the values are credentials and are not kept, even by a fake.
    this.fills.push({ windowId, fields: steps.map((s) => s.field), submit });
  }

  async logoutApplications(personId: string): Promise<void> {
    this.logouts.push(personId);
  }

  show(window: LoginWindow): void {
    this.listener?.(window);
  }
}
