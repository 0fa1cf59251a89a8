/**
 * Badges over PC/SC (pcsc-lite, the Windows smart-card service) through the `smartcard`
 * N-API binding. It only moves bytes: what a card is comes from the core's ATR registry, the
 * UID's canonical form from the core's normalisation.
 *
 * Readers are tracked by name. When the service goes away (pcscd stopped, the smart-card
 * service restarting, resume from sleep) the binding's monitor dies with its context: the
 * source then rebuilds it with a backoff, and once the readers have settled it emits only the
 * differences (a reader gone, a badge removed or presented meanwhile). Start-up never waits on
 * PC/SC: with no service the agent starts and says so.
 */
import { Devices } from 'smartcard';
import type { UidByteOrder } from '../../core/badge.js';
import { identifyAtr } from '../../core/cards/atr.js';
import { byteOrderFor, readUid } from '../../core/cards/uid.js';
import type { BadgePresentation } from '../../core/identity.js';
import type { BadgeSource, BadgeSourceEvent, DiagnosticLog, ReaderInfo } from '../../core/ports/index.js';

/** The part of the binding's `Devices` this source uses (a fake implements it in unit tests). */
export interface DevicesLike {
  on(event: 'reader-attached' | 'reader-detached', listener: (reader: { name: string }) => void): unknown;
  on(
    event: 'card-inserted',
    listener: (event: {
      reader: { name: string };
      card: {
        atr: Uint8Array | Buffer;
        transmit(command: number[] | Uint8Array): Promise<Uint8Array | Buffer>;
      };
    }) => void,
  ): unknown;
  on(event: 'card-removed', listener: (event: { reader: { name: string } }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  start(): void;
  stop(): void;
}

export interface PcscBadgeSourceOptions {
  /** Policy `readerUidByteOrder`: "<reader name prefix>=reversed|as-read". */
  readonly uidByteOrder?: readonly string[];
  readonly log: DiagnosticLog;
  /** How the binding is made; tests pass a fake. */
  readonly createDevices?: () => DevicesLike;
  /** Longest pause between two attempts to reach the PC/SC service. */
  readonly maxBackoffMs?: number;
  /** How long after (re)connecting the readers are left to report before differences are computed. */
  readonly settleMs?: number;
  /** Bound on one card transaction. */
  readonly transactionTimeoutMs?: number;
}

/** Errors after which the binding's context is dead and must be rebuilt. */
const SERVICE_LOST =
  /service not running|communication error|no service|invalid handle|service stopped|no readers available/i;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class PcscBadgeSource implements BadgeSource {
  private listener: ((event: BadgeSourceEvent) => void) | null = null;
  private devices: DevicesLike | null = null;
  /** Readers known to the agent, and the badge each holds. */
  private readonly known = new Map<string, BadgePresentation | null>();
  /** While re-synchronising after a recovery: what the new context has reported so far. */
  private resync: Map<string, BadgePresentation | null> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs = 250;
  private available: boolean | null = null;
  private stopped = true;

  constructor(private readonly options: PcscBadgeSourceOptions) {}

  async start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    this.listener = listener;
    this.stopped = false;
    this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.teardown();
    this.listener = null;
  }

  readers(): readonly ReaderInfo[] {
    return [...this.known].map(([name, badge]) => ({
      name,
      kind: 'pcsc' as const,
      cardPresent: badge !== null,
    }));
  }

  private emit(event: BadgeSourceEvent): void {
    if (!this.stopped) this.listener?.(event);
  }

  private setAvailable(available: boolean, detail: string): void {
    if (this.available === available) return;
    this.available = available;
    this.emit({ type: 'source-status', available, detail });
  }

  private teardown(): void {
    const devices = this.devices;
    this.devices = null;
    try {
      devices?.stop();
    } catch {
      // A dead context may refuse to stop; it is dropped either way.
    }
  }

  /** (Re)creates the binding's monitor; `recovering` compares what it finds with what was known. */
  private connect(recovering: boolean): void {
    if (this.stopped) return;
    this.teardown();
    const devices = (this.options.createDevices ?? (() => new Devices() as unknown as DevicesLike))();
    this.devices = devices;
    this.resync = recovering || this.known.size > 0 ? new Map() : null;
    devices.on('reader-attached', (reader) => this.onReader(devices, reader.name));
    devices.on('reader-detached', (reader) => this.onReaderGone(devices, reader.name));
    devices.on('card-inserted', (event) => void this.onCard(devices, event.reader.name, event.card));
    devices.on('card-removed', (event) => this.onCardGone(devices, event.reader.name));
    devices.on('error', (error) => this.onError(devices, error));
    try {
      devices.start();
    } catch (error) {
      this.onError(devices, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.resync) {
      this.settleTimer = setTimeout(() => this.finishResync(devices), this.options.settleMs ?? 1000);
    }
  }

  private onError(devices: DevicesLike, error: Error): void {
    if (devices !== this.devices) return;
    this.options.log.warn('PC/SC error', { error: error.message });
    if (!SERVICE_LOST.test(error.message)) return;
    this.setAvailable(false, `smart-card service unavailable (${error.message}); retrying`);
    this.teardown();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 2000);
    this.retryTimer = setTimeout(() => this.connect(true), delay);
  }

  private onReader(devices: DevicesLike, name: string): void {
    if (devices !== this.devices) return;
    this.backoffMs = 250;
    this.setAvailable(true, 'smart-card service available');
    if (this.resync) {
      if (!this.resync.has(name)) this.resync.set(name, null);
      return;
    }
    if (this.known.has(name)) return;
    this.known.set(name, null);
    this.emit({ type: 'reader-added', reader: { name, kind: 'pcsc', cardPresent: false } });
  }

  private onReaderGone(devices: DevicesLike, name: string): void {
    if (devices !== this.devices || this.resync) return;
    const badge = this.known.get(name);
    if (badge === undefined) return;
    this.known.delete(name);
    if (badge) this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName: name });
    this.emit({ type: 'reader-lost', readerName: name });
  }

  private async onCard(
    devices: DevicesLike,
    readerName: string,
    card: {
      atr: Uint8Array | Buffer;
      transmit(command: number[] | Uint8Array): Promise<Uint8Array | Buffer>;
    },
  ): Promise<void> {
    const badge = await this.identify(readerName, card);
    if (devices !== this.devices || !badge) return;
    if (this.resync) {
      this.resync.set(readerName, badge);
      return;
    }
    this.present(readerName, badge);
  }

  private present(readerName: string, badge: BadgePresentation): void {
    const previous = this.known.get(readerName);
    if (previous === undefined)
      this.emit({ type: 'reader-added', reader: { name: readerName, kind: 'pcsc', cardPresent: true } });
    if (previous && previous.badgeId !== badge.badgeId) {
      this.emit({ type: 'badge-removed', badgeId: previous.badgeId, readerName });
    }
    this.known.set(readerName, badge);
    this.emit({ type: 'badge-presented', badge });
  }

  private onCardGone(devices: DevicesLike, readerName: string): void {
    if (devices !== this.devices) return;
    if (this.resync) {
      if (this.resync.has(readerName)) this.resync.set(readerName, null);
      return;
    }
    const badge = this.known.get(readerName);
    if (!badge) return;
    this.known.set(readerName, null);
    this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName });
  }

  /** After a recovery: emit what changed while the service was away, and nothing else. */
  private finishResync(devices: DevicesLike): void {
    if (devices !== this.devices || !this.resync) return;
    const found = this.resync;
    this.resync = null;
    for (const [name, badge] of [...this.known]) {
      if (found.has(name)) continue;
      this.known.delete(name);
      if (badge) this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName: name });
      this.emit({ type: 'reader-lost', readerName: name });
    }
    for (const [name, badge] of found) {
      const before = this.known.get(name);
      if (before === undefined) {
        this.known.set(name, null);
        this.emit({ type: 'reader-added', reader: { name, kind: 'pcsc', cardPresent: badge !== null } });
      }
      if (badge && badge.badgeId !== before?.badgeId) this.present(name, badge);
      else if (!badge && before) {
        this.known.set(name, null);
        this.emit({ type: 'badge-removed', badgeId: before.badgeId, readerName: name });
      }
    }
  }

  /** One short transaction: what is this card, and its ID. Never held across user input. */
  private async identify(
    readerName: string,
    card: {
      atr: Uint8Array | Buffer;
      transmit(command: number[] | Uint8Array): Promise<Uint8Array | Buffer>;
    },
  ): Promise<BadgePresentation | null> {
    const atr = Uint8Array.from(card.atr);
    const match = identifyAtr(atr);
    switch (match.profile) {
      case 'contactless-uid': {
        const order: UidByteOrder = byteOrderFor(readerName, this.options.uidByteOrder ?? []);
        try {
          const transmit = async (command: Uint8Array) =>
            Uint8Array.from(
              await withTimeout(card.transmit(command), this.options.transactionTimeoutMs ?? 3000, 'GET UID'),
            );
          const uid = await readUid(transmit, order);
          if (!uid.ok) {
            this.emit({
              type: 'source-status',
              available: true,
              detail: `badge not read on ${readerName}: ${uid.problem}`,
            });
            return null;
          }
          return { badgeId: uid.uid, kind: 'rfid', readerName, contact: false };
        } catch (error) {
          this.emit({
            type: 'source-status',
            available: true,
            detail: `badge not read on ${readerName}: ${error instanceof Error ? error.message : String(error)}`,
          });
          return null;
        }
      }
      case 'cps3-contact':
      case 'cps3-contactless':
      case 'cps4':
        // Reading a CPS card's serial and certificate needs the card profiles (not built yet).
        this.emit({
          type: 'source-status',
          available: true,
          detail: `${match.description} on ${readerName}: CPS cards are not supported yet`,
        });
        return null;
      case 'unknown':
        this.emit({
          type: 'source-status',
          available: true,
          detail: `unknown badge on ${readerName}: ${match.description}`,
        });
        return null;
    }
  }
}
