/**
 * Badges over PC/SC (pcsc-lite, the Windows smart-card service) through the `smartcard`
 * N-API binding's low-level API. It only moves bytes: what a card is comes from the core's ATR
 * registry, the UID's canonical form from the core's normalisation.
 *
 * Two PC/SC contexts: one blocks in SCardGetStatusChange watching the readers (and the PnP
 * pseudo-reader for readers coming and going), the other does the short card transactions.
 * pcsc-lite serialises the calls of one context, so a transaction on the watching context
 * would wait for the watch to time out (the binding's high-level `Devices` does exactly that
 * and stalls when a card is already present at start).
 *
 * Readers are tracked by name. When the service goes away (pcscd stopped, the smart-card
 * service restarting, resume from sleep) the contexts die: the source says so, re-creates them
 * with a backoff, and compares what it finds with what it knew, emitting only the differences.
 * Start-up never waits on PC/SC.
 */
import * as pcsc from 'smartcard';
import type { UidByteOrder } from '../../core/badge.js';
import { identifyAtr } from '../../core/cards/atr.js';
import { readCpsCard } from '../../core/cards/cps.js';
import { byteOrderFor, readUid } from '../../core/cards/uid.js';
import type { BadgePresentation } from '../../core/identity.js';
import type { BadgeSource, BadgeSourceEvent, DiagnosticLog, ReaderInfo } from '../../core/ports/index.js';
import { withCard } from './card-session.js';
import { withTimeout } from './timeout.js';

interface ReaderStateLike {
  name: string;
  state: number;
  atr: Buffer | Uint8Array | null;
}
interface CardLike {
  transmit(command: Buffer | number[]): Promise<Buffer | Uint8Array>;
  disconnect(disposition?: number): void;
}
/** The part of the binding's Context this source uses. */
export interface ContextLike {
  listReaders(): { name: string; connect(share?: number, protocol?: number): Promise<CardLike> }[];
  waitForChange(
    states: { name: string; state: number }[],
    timeout: number,
  ): Promise<ReaderStateLike[] | null>;
  cancel(): void;
  close(): void;
}

export interface PcscBadgeSourceOptions {
  /** Policy `readerUidByteOrder`: "<reader name prefix>=reversed|as-read". */
  readonly uidByteOrder?: readonly string[];
  readonly log: DiagnosticLog;
  /** How a PC/SC context is made; tests may pass a fake. */
  readonly createContext?: () => ContextLike;
  /** Longest pause between two attempts to reach the PC/SC service. */
  readonly maxBackoffMs?: number;
  /** Bound on one card transaction. */
  readonly transactionTimeoutMs?: number;
}

const PNP = '\\\\?PnP?\\Notification';
const WATCH_TIMEOUT_MS = 1000;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class PcscBadgeSource implements BadgeSource {
  private listener: ((event: BadgeSourceEvent) => void) | null = null;
  /** Readers known to the agent, and the badge each holds (null: empty or unreadable). */
  private readonly known = new Map<string, BadgePresentation | null>();
  private watchContext: ContextLike | null = null;
  private ioContext: ContextLike | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private available: boolean | null = null;

  constructor(private readonly options: PcscBadgeSourceOptions) {}

  async start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    this.listener = listener;
    this.running = true;
    this.loop = this.watch();
  }

  async stop(): Promise<void> {
    this.running = false;
    try {
      this.watchContext?.cancel();
    } catch {
      // already gone
    }
    await this.loop;
    this.closeContexts();
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
    if (this.running) this.listener?.(event);
  }

  private setAvailable(available: boolean, detail: string): void {
    if (this.available === available) return;
    this.available = available;
    this.emit({ type: 'source-status', available, detail });
  }

  private createContext(): ContextLike {
    return this.options.createContext
      ? this.options.createContext()
      : (new pcsc.Context() as unknown as ContextLike);
  }

  private closeContexts(): void {
    for (const context of [this.watchContext, this.ioContext]) {
      try {
        context?.close();
      } catch {
        // a dead context may refuse to close
      }
    }
    this.watchContext = null;
    this.ioContext = null;
  }

  private async watch(): Promise<void> {
    let backoff = 250;
    while (this.running) {
      try {
        this.watchContext = this.createContext();
        this.ioContext = this.createContext();
        await this.follow(this.watchContext, this.ioContext);
        backoff = 250;
      } catch (error) {
        if (!this.running) break;
        // Said once per outage, not at every retry.
        if (this.available !== false) this.options.log.warn('PC/SC unavailable', { error: message(error) });
        this.setAvailable(false, `smart-card service unavailable (${message(error)}); retrying`);
        this.closeContexts();
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 2000);
      }
    }
  }

  /** Follows one pair of contexts until it fails (service lost) or the source stops. */
  private async follow(watchContext: ContextLike, ioContext: ContextLike): Promise<void> {
    // What the watch last reported per reader; 0 (UNAWARE) makes the first call report the present.
    const states = new Map<string, number>();
    let first = true;
    while (this.running) {
      const names = watchContext.listReaders().map((reader) => reader.name);
      this.setAvailable(true, 'smart-card service available');
      if (first) {
        // After (re)connecting: readers that vanished meanwhile are lost.
        for (const [name, badge] of [...this.known]) {
          if (names.includes(name)) continue;
          this.known.delete(name);
          if (badge) this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName: name });
          this.emit({ type: 'reader-lost', readerName: name });
        }
        first = false;
      }
      for (const name of names) {
        if (!this.known.has(name)) {
          this.known.set(name, null);
          this.emit({ type: 'reader-added', reader: { name, kind: 'pcsc', cardPresent: false } });
        }
      }
      for (const name of [...this.known.keys()]) {
        if (names.includes(name)) continue;
        const badge = this.known.get(name);
        this.known.delete(name);
        states.delete(name);
        if (badge) this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName: name });
        this.emit({ type: 'reader-lost', readerName: name });
      }
      const watched = [
        ...names.map((name) => ({ name, state: states.get(name) ?? 0 })),
        { name: PNP, state: states.get(PNP) ?? 0 },
      ];
      const changes = await watchContext.waitForChange(watched, WATCH_TIMEOUT_MS);
      if (changes === null) return; // cancelled: the source is stopping
      for (const change of changes) {
        // Hand the event state back as the next current state, without the CHANGED bit.
        const previous = states.get(change.name) ?? 0;
        states.set(change.name, change.state & ~pcsc.SCARD_STATE_CHANGED);
        if (change.name === PNP) continue;
        const present = (change.state & pcsc.SCARD_STATE_PRESENT) !== 0;
        const wasPresent = (previous & pcsc.SCARD_STATE_PRESENT) !== 0;
        if (present && (!wasPresent || previous === 0))
          await this.onPresent(ioContext, change.name, change.atr);
        else if (!present && (wasPresent || previous === 0)) this.onEmpty(change.name);
      }
    }
  }

  private async onPresent(
    ioContext: ContextLike,
    readerName: string,
    atr: Buffer | Uint8Array | null,
  ): Promise<void> {
    const badge = atr ? await this.identify(ioContext, readerName, Uint8Array.from(atr)) : null;
    const previous = this.known.get(readerName) ?? null;
    if (badge && previous?.badgeId === badge.badgeId) return; // still there after a recovery
    if (previous && previous.badgeId !== badge?.badgeId) {
      this.emit({ type: 'badge-removed', badgeId: previous.badgeId, readerName });
    }
    this.known.set(readerName, badge);
    if (badge) this.emit({ type: 'badge-presented', badge });
  }

  private onEmpty(readerName: string): void {
    const badge = this.known.get(readerName);
    if (!badge) return;
    this.known.set(readerName, null);
    this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName });
  }

  /** One short transaction reading a UID badge's ID. */
  private async readUidOnce(
    ioContext: ContextLike,
    readerName: string,
    order: UidByteOrder,
  ): Promise<{ ok: true; uid: string } | { ok: false; problem: string; retry: boolean }> {
    const limit = this.options.transactionTimeoutMs ?? 3000;
    let card: CardLike | null = null;
    try {
      const reader = ioContext.listReaders().find((r) => r.name === readerName);
      if (!reader) return { ok: false, problem: 'the reader is gone', retry: false };
      card = await withTimeout(
        reader.connect(pcsc.SCARD_SHARE_SHARED, pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1),
        limit,
        'connecting to the badge',
      );
      const connected = card;
      const uid = await readUid(
        async (command) =>
          Uint8Array.from(await withTimeout(connected.transmit(Buffer.from(command)), limit, 'GET UID')),
        order,
      );
      return uid.ok ? uid : { ok: false, problem: uid.problem, retry: false };
    } catch (error) {
      return { ok: false, problem: message(error), retry: true };
    } finally {
      try {
        card?.disconnect(pcsc.SCARD_LEAVE_CARD);
      } catch {
        // already gone
      }
    }
  }

  /** One short transaction: what is this card, and its ID. Never held across user input. */
  private async identify(
    ioContext: ContextLike,
    readerName: string,
    atr: Uint8Array,
  ): Promise<BadgePresentation | null> {
    const match = identifyAtr(atr);
    switch (match.profile) {
      case 'contactless-uid': {
        const order: UidByteOrder = byteOrderFor(readerName, this.options.uidByteOrder ?? []);
        // A card can be reported present a moment before it answers (still being powered, or
        // only half in the field): a read that fails is tried again, briefly. Reading a UID
        // spends nothing on the card.
        let lastProblem = '';
        for (let attempt = 1; attempt <= 3; attempt += 1) {
          const result = await this.readUidOnce(ioContext, readerName, order);
          if (result.ok) return { badgeId: result.uid, kind: 'rfid', readerName, contact: false };
          lastProblem = result.problem;
          if (!result.retry) break;
          await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
        }
        this.emit({
          type: 'source-status',
          available: true,
          detail: `badge not read on ${readerName}: ${lastProblem}`,
        });
        return null;
      }
      case 'cps3-contact':
      case 'cps3-contactless':
      case 'cps4':
        try {
          // The badge ID of a CPS card is its serial (EF.SN.ICC), read in one short transaction.
          const data = await withCard(
            readerName,
            (transmit, profile) => readCpsCard(transmit, profile),
            this.options.transactionTimeoutMs ?? 3000,
          );
          return { badgeId: data.serial, kind: 'cps-card', readerName, contact: match.contact };
        } catch (error) {
          this.emit({
            type: 'source-status',
            available: true,
            detail: `${match.description} on ${readerName} not read: ${message(error)}`,
          });
          return null;
        }
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
