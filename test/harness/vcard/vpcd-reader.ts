/**
 * Taps through the real chain: a virtual badge plugged into vpcd, seen by pcscd, read by the
 * production PC/SC badge source. `tap` returns once the agent's source has seen the badge come
 * and go, as a person's tap would.
 */
import { PcscBadgeSource } from '../../../app/adapters/pcsc/pcsc-badge-source.js';
import type {
  BadgeSource,
  BadgeSourceEvent,
  DiagnosticLog,
  ReaderInfo,
} from '../../../app/core/ports/index.js';
import { EventLog } from '../wait.js';
import { VirtualUidBadge } from './uid-badge.js';
import { VpcdConnection } from './vpcd.js';

export class VpcdReader implements BadgeSource {
  readonly events = new EventLog<BadgeSourceEvent>();
  /** When the last badge reached the agent (performance.now()). */
  lastPresentedAt = 0;
  private readonly source: PcscBadgeSource;

  constructor(log: DiagnosticLog, uidByteOrder: readonly string[] = []) {
    this.source = new PcscBadgeSource({ log, uidByteOrder });
  }

  start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    return this.source.start((event) => {
      if (event.type === 'badge-presented') this.lastPresentedAt = performance.now();
      this.events.push(event);
      listener(event);
    });
  }

  stop(): Promise<void> {
    return this.source.stop();
  }

  readers(): readonly ReaderInfo[] {
    return this.source.readers();
  }

  /** Resolves once the vpcd reader is known to the source. */
  ready(): Promise<unknown> {
    return this.events.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name.startsWith('Virtual PCD'),
      'the vpcd reader',
      10_000,
      0,
    );
  }

  /** A contactless tap: the badge comes to the reader, is read, and goes away. */
  async tap(uidHex: string): Promise<void> {
    const uid = uidHex.toUpperCase();
    const since = this.events.events.length;
    const badge = new VpcdConnection(new VirtualUidBadge(uid));
    await badge.insert();
    await this.events.waitFor(
      (e) => e.type === 'badge-presented' && e.badge.badgeId === uid,
      `the tap of ${uid}`,
      10_000,
      since,
    );
    await badge.remove();
    await this.events.waitFor(
      (e) => e.type === 'badge-removed' && e.badgeId === uid,
      `the removal of ${uid}`,
      10_000,
      since,
    );
  }
}
