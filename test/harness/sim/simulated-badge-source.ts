import type { BadgePresentation, BadgeKind } from '../../../app/core/identity.js';
import type { BadgeSource, BadgeSourceEvent, ReaderInfo } from '../../../app/core/ports/index.js';

/**
 * A badge reader driven by a script: the demo's and the unit tests' stand-in until a real
 * reader (PC/SC through vpcd, or HID) is there. Never packaged. It keeps the BadgeSource contract
 * as the real sources do (test/harness/badge-source-contract.ts runs the same suite on all three):
 * an unplugged reader first removes the badges on it, then is lost; a reader plugged back is
 * added again; nothing is reported after `stop`.
 */
export class SimulatedBadgeSource implements BadgeSource {
  private listener: ((event: BadgeSourceEvent) => void) | null = null;
  private present = new Map<string, BadgePresentation>();
  private plugged = true;

  constructor(readonly readerName = 'Simulated Reader 00') {}

  async start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    this.listener = listener;
    const [reader] = this.readers();
    if (reader) listener({ type: 'reader-added', reader });
  }

  async stop(): Promise<void> {
    this.listener = null;
  }

  readers(): readonly ReaderInfo[] {
    if (!this.plugged) return [];
    return [{ name: this.readerName, kind: 'simulated', cardPresent: this.present.size > 0 }];
  }

  /** A contactless tap: presented, then taken away. */
  tap(badgeId: string, kind: BadgeKind = 'rfid'): void {
    this.insert(badgeId, kind, false);
    this.remove(badgeId);
  }

  /** A badge put on the reader (a contact card by default); an unplugged reader sees nothing. */
  insert(badgeId: string, kind: BadgeKind = 'cps-card', contact = true): void {
    if (!this.plugged) return;
    const badge: BadgePresentation = { badgeId, kind, readerName: this.readerName, contact };
    this.present.set(badgeId, badge);
    this.listener?.({ type: 'badge-presented', badge });
  }

  remove(badgeId: string): void {
    if (!this.present.delete(badgeId)) return;
    this.listener?.({ type: 'badge-removed', badgeId, readerName: this.readerName });
  }

  /** The reader is unplugged: the badges on it go first (as with PC/SC), then the reader. */
  unplug(): void {
    if (!this.plugged) return;
    for (const badgeId of [...this.present.keys()]) this.remove(badgeId);
    this.plugged = false;
    this.listener?.({ type: 'reader-lost', readerName: this.readerName });
  }

  /** The reader is plugged back in. */
  plug(): void {
    if (this.plugged) return;
    this.plugged = true;
    const [reader] = this.readers();
    if (reader) this.listener?.({ type: 'reader-added', reader });
  }
}
