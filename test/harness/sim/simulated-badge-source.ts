import type { BadgePresentation, BadgeKind } from '../../../app/core/identity.js';
import type { BadgeSource, BadgeSourceEvent, ReaderInfo } from '../../../app/core/ports/index.js';

/**
 * A badge reader driven by a script: the demo's and the unit tests' stand-in until a real
 * reader (PC/SC through vpcd, or HID) is there. Never packaged.
 */
export class SimulatedBadgeSource implements BadgeSource {
  private listener: ((event: BadgeSourceEvent) => void) | null = null;
  private present = new Map<string, BadgePresentation>();

  constructor(readonly readerName = 'Simulated Reader 00') {}

  async start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    this.listener = listener;
    listener({ type: 'reader-added', reader: this.readers()[0]! });
  }

  async stop(): Promise<void> {
    this.listener = null;
  }

  readers(): readonly ReaderInfo[] {
    return [{ name: this.readerName, kind: 'simulated', cardPresent: this.present.size > 0 }];
  }

  /** A contactless tap: presented, then taken away. */
  tap(badgeId: string, kind: BadgeKind = 'rfid'): void {
    this.insert(badgeId, kind, false);
    this.remove(badgeId);
  }

  insert(badgeId: string, kind: BadgeKind = 'cps-card', contact = true): void {
    const badge: BadgePresentation = { badgeId, kind, readerName: this.readerName, contact };
    this.present.set(badgeId, badge);
    this.listener?.({ type: 'badge-presented', badge });
  }

  remove(badgeId: string): void {
    if (!this.present.delete(badgeId)) return;
    this.listener?.({ type: 'badge-removed', badgeId, readerName: this.readerName });
  }

  unplug(): void {
    this.present.clear();
    this.listener?.({ type: 'reader-lost', readerName: this.readerName });
  }
}
