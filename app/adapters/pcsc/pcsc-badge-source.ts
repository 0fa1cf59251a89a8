/**
 * Badges over PC/SC (pcsc-lite, the Windows smart-card service) through the `smartcard`
 * N-API binding's low-level API. It only moves bytes: what a card is comes from the core's ATR
 * registry, a UID's canonical form from the core's normalisation.
 *
 * One PC/SC context blocks in SCardGetStatusChange watching the readers (and the PnP
 * pseudo-reader for readers coming and going); each card read is a short transaction on a
 * context of its own (transaction.ts). pcsc-lite serialises the calls of one context, so a read
 * on the watching context would wait for the watch to time out.
 *
 * Readers are tracked by name. A tap is never lost between two watches: pcsc-lite counts card
 * events per reader in the upper 16 bits of the reader state, so a badge taken away and another
 * put down while a read was going on is still seen as a new insertion.
 *
 * When the service goes away (pcscd stopped, the smart-card service restarting) the watching
 * context dies: the source says so, re-creates it with a backoff, and compares what it finds with
 * what it knew, emitting only the differences. Sleep is noticed without help from the OS: a cheap
 * timer (unref'd, every 5 s) compares the wall clock with its last tick, and a jump far beyond
 * the interval means the machine slept (timers stop while it sleeps, the wall clock does not).
 * The source then re-synchronises the same way: a badge taken away while asleep is reported
 * removed, one put down is presented, one left in place is not reported again. `resync()` also
 * lets an OS session adapter ask for it on a resume event. Start-up never waits on PC/SC.
 */
import * as pcsc from 'smartcard';
import { toHex } from '../../core/badge.js';
import { byteOrderFor, identifyAtr, readCpsSerial, readUid, type AtrMatch } from '../../core/cards/index.js';
import type { BadgePresentation } from '../../core/identity.js';
import type { BadgeSource, BadgeSourceEvent, DiagnosticLog, ReaderInfo } from '../../core/ports/index.js';
import {
  createPcscContext,
  inTransaction,
  PcscCardError,
  type PcscContextLike,
  type PcscReaderState,
} from './transaction.js';

export interface PcscBadgeSourceOptions {
  /**
   * Policy `readerUidByteOrder`: "<reader name prefix>=reversed|as-read", first match wins,
   * default as-read (the core's rule, `byteOrderFor`).
   */
  readonly uidByteOrder?: readonly string[];
  readonly log: DiagnosticLog;
  /** How a PC/SC context is made; tests may pass a fake. */
  readonly createContext?: () => PcscContextLike;
  /** Longest pause between two attempts to reach the PC/SC service. */
  readonly maxBackoffMs?: number;
  /** Bound on connecting and on each APDU of one card read. */
  readonly transactionTimeoutMs?: number;
  /** The resume detector's clock and timer; tests inject them. Default: Date.now, setInterval. */
  readonly resume?: ResumeDetectorOptions;
}

/** How the source notices the machine slept: a periodic tick and a wall clock. */
export interface ResumeDetectorOptions {
  /** The wall clock (ms); default Date.now. */
  readonly now?: () => number;
  /**
   * Calls `tick` every `ms` until the returned function is called; default an unref'd
   * setInterval (it must never keep the process alive).
   */
  readonly every?: (ms: number, tick: () => void) => () => void;
  /** How often the clock is looked at; default 5 s. */
  readonly intervalMs?: number;
  /** How much later than due a tick must come to mean a sleep; default 10 s. */
  readonly gapMs?: number;
}

const unrefInterval = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

const PNP = '\\\\?PnP?\\Notification';
/** How long one SCardGetStatusChange waits; also how soon a vanished reader is noticed. */
const WATCH_TIMEOUT_MS = 1000;
const RESUME_CHECK_MS = 5000;
/** PCSCLITE_MAX_READERS_CONTEXTS: the most reader states one SCardGetStatusChange takes. */
const MAX_WATCHED = 16;
/** A resume-check tick this much later than due means the machine slept (or the process was frozen). */
const RESUME_GAP_MS = 10_000;
/** pcsc-lite's per-reader card event counter lives in the upper 16 bits of the state. */
const eventCount = (state: number): number => (state >>> 16) & 0xffff;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Thrown inside the watch to start again with fresh contexts and re-synchronise. */
class Resync extends Error {}

export class PcscBadgeSource implements BadgeSource {
  private listener: ((event: BadgeSourceEvent) => void) | null = null;
  /** Readers known to the agent, and the badge each holds (null: empty or unreadable). */
  private readonly known = new Map<string, BadgePresentation | null>();
  private watchContext: PcscContextLike | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private available: boolean | null = null;
  private resyncWanted = false;
  private stopResumeCheck: (() => void) | null = null;

  constructor(private readonly options: PcscBadgeSourceOptions) {}

  async start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    if (this.running) return;
    this.listener = listener;
    this.running = true;
    this.startResumeCheck();
    this.loop = this.watch();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopResumeCheck?.();
    this.stopResumeCheck = null;
    this.cancelWatch();
    await this.loop;
    this.loop = null;
    this.closeContext();
    this.listener = null;
  }

  readers(): readonly ReaderInfo[] {
    return [...this.known].map(([name, badge]) => ({
      name,
      kind: 'pcsc' as const,
      cardPresent: badge !== null,
    }));
  }

  /**
   * Re-establishes the PC/SC context and re-synchronises (after the OS reports a resume):
   * badges that changed meanwhile are reported, nothing else.
   */
  resync(): void {
    this.resyncWanted = true;
    this.cancelWatch();
  }

  /**
   * Looks at the wall clock every few seconds. Timers do not run while the machine sleeps and
   * the wall clock does, so a tick that comes far later than due follows a sleep (or a frozen
   * process): re-synchronise. A wall clock set back is only a new reference.
   */
  private startResumeCheck(): void {
    const resume = this.options.resume ?? {};
    const now = resume.now ?? Date.now;
    const intervalMs = resume.intervalMs ?? RESUME_CHECK_MS;
    const gapMs = resume.gapMs ?? RESUME_GAP_MS;
    let last = now();
    this.stopResumeCheck = (resume.every ?? unrefInterval)(intervalMs, () => {
      const at = now();
      const elapsed = at - last;
      last = at;
      if (!this.running || elapsed <= intervalMs + gapMs) return;
      this.options.log.info('the machine slept (or the process was frozen): re-synchronising the readers', {
        asleepS: Math.round(elapsed / 1000),
      });
      this.resync();
    });
  }

  private cancelWatch(): void {
    try {
      this.watchContext?.cancel();
    } catch {
      // already gone
    }
  }

  private emit(event: BadgeSourceEvent): void {
    if (this.running) this.listener?.(event);
  }

  private setAvailable(available: boolean, detail: string): void {
    if (this.available === available) return;
    this.available = available;
    this.emit({ type: 'source-status', available, detail });
  }

  private closeContext(): void {
    try {
      this.watchContext?.close();
    } catch {
      // a dead context may refuse to close
    }
    this.watchContext = null;
  }

  private async watch(): Promise<void> {
    let backoff = 250;
    while (this.running) {
      try {
        this.watchContext = (this.options.createContext ?? createPcscContext)();
        await this.follow(this.watchContext);
      } catch (error) {
        if (!this.running) break;
        this.closeContext();
        if (error instanceof Resync) continue;
        // Said once per outage, not at every retry; each outage starts again with a short pause
        // (the service restarted is usually back at once), whatever earlier ones took.
        if (this.available !== false) {
          this.options.log.warn('PC/SC unavailable', { error: message(error) });
          backoff = 250;
        }
        this.setAvailable(false, `smart-card service unavailable (${message(error)}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 2000);
      }
    }
  }

  /** Forgets a reader that is gone, saying so (its badge first). */
  private loseReader(name: string): void {
    const badge = this.known.get(name);
    this.known.delete(name);
    if (badge) this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName: name });
    this.emit({ type: 'reader-lost', readerName: name });
  }

  /** Follows one context until it fails (service lost), a resync is due, or the source stops. */
  private async follow(context: PcscContextLike): Promise<void> {
    // What the watch last reported per reader; 0 (UNAWARE) makes the first call report the present.
    const states = new Map<string, number>();
    while (this.running) {
      if (this.resyncWanted) {
        this.resyncWanted = false;
        throw new Resync();
      }
      const names = context.listReaders().map((reader) => reader.name);
      this.setAvailable(true, 'smart-card service available');
      for (const name of [...this.known.keys()]) if (!names.includes(name)) this.loseReader(name);
      for (const name of [...states.keys()]) if (name !== PNP && !names.includes(name)) states.delete(name);
      for (const name of names) {
        if (this.known.has(name)) continue;
        this.known.set(name, null);
        this.emit({ type: 'reader-added', reader: { name, kind: 'pcsc', cardPresent: false } });
      }
      // pcsc-lite watches at most 16 readers in one call, the PnP pseudo-reader included; with
      // 16 readers the watch does without it (a new reader is then found at the next listing).
      const watched = [
        ...names.slice(0, MAX_WATCHED).map((name) => ({ name, state: states.get(name) ?? 0 })),
        ...(names.length < MAX_WATCHED ? [{ name: PNP, state: states.get(PNP) ?? 0 }] : []),
      ];
      const changes = await context.waitForChange(watched, WATCH_TIMEOUT_MS);
      if (changes === null) {
        if (this.resyncWanted) continue; // cancelled by resync(): the loop head throws
        return; // cancelled: the source is stopping
      }
      for (const change of changes) {
        // Hand the event state back as the next current state, without the CHANGED bit.
        const previous = states.get(change.name) ?? 0;
        states.set(change.name, change.state & ~pcsc.SCARD_STATE_CHANGED);
        if (change.name === PNP) continue;
        await this.onReaderState(change, previous);
      }
    }
  }

  private async onReaderState(change: PcscReaderState, previous: number): Promise<void> {
    const present = (change.state & pcsc.SCARD_STATE_PRESENT) !== 0;
    const wasPresent = (previous & pcsc.SCARD_STATE_PRESENT) !== 0;
    if (!present) {
      if (wasPresent || previous === 0) this.onEmpty(change.name);
      return;
    }
    if (previous === 0) {
      // First look at this reader on this context (start, or after a recovery).
      await this.onPresent(change.name, change.atr, false);
    } else if (!wasPresent) {
      await this.onPresent(change.name, change.atr, true);
    } else if (eventCount(change.state) !== eventCount(previous)) {
      // Present before and now, but cards came and went in between: a new tap.
      await this.onPresent(change.name, change.atr, true);
    }
  }

  /**
   * A card is on `readerName`. `newInsertion` is false when the source only (re)discovers it:
   * the same badge found again after a recovery is not a new tap.
   */
  private async onPresent(
    readerName: string,
    atr: Buffer | Uint8Array | null,
    newInsertion: boolean,
  ): Promise<void> {
    const badge = atr ? await this.identify(readerName, Uint8Array.from(atr)) : null;
    if (!this.known.has(readerName)) return; // the reader went away during the read
    const previous = this.known.get(readerName) ?? null;
    if (badge && previous?.badgeId === badge.badgeId && !newInsertion) return;
    if (previous) this.emit({ type: 'badge-removed', badgeId: previous.badgeId, readerName });
    this.known.set(readerName, badge);
    if (badge) this.emit({ type: 'badge-presented', badge });
  }

  private onEmpty(readerName: string): void {
    const badge = this.known.get(readerName);
    if (!badge) return;
    this.known.set(readerName, null);
    this.emit({ type: 'badge-removed', badgeId: badge.badgeId, readerName });
  }

  /** One short transaction: the card's badge ID. A failed read says why and presents nothing. */
  private async identify(readerName: string, atr: Uint8Array): Promise<BadgePresentation | null> {
    const match = identifyAtr(atr);
    if (match.badgeKind === null || match.profile === 'unknown') {
      this.diagnose(readerName, `unknown badge on ${readerName} (ATR ${toHex(atr)}): ${match.description}`);
      return null;
    }
    // A card can be reported present a moment before it answers (still being powered, or only
    // half in the field): a read that fails is tried again, briefly. Reading an ID spends nothing.
    let lastProblem = '';
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const badgeId = await this.readBadgeId(readerName, match);
        return { badgeId, kind: match.badgeKind, readerName, contact: match.contact };
      } catch (error) {
        lastProblem = message(error);
        const retry = error instanceof PcscCardError && error.transient;
        if (!retry || !this.running) break;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        if (!this.stillPresent(readerName)) break;
      }
    }
    this.diagnose(readerName, `badge not read on ${readerName} (${match.description}): ${lastProblem}`);
    return null;
  }

  private readBadgeId(readerName: string, match: AtrMatch): Promise<string> {
    return inTransaction(
      readerName,
      async (transmit) => {
        if (match.badgeKind === 'rfid') {
          const uid = await readUid(transmit, byteOrderFor(readerName, this.options.uidByteOrder ?? []));
          if (!uid.ok) throw new PcscCardError('unknown-card', uid.problem, false);
          return uid.uid;
        }
        // A CPS card's badge ID is its serial (EF.SN.ICC, 3 or 4 APDUs). Who holds the card, and
        // whether its certificate can be trusted, is the card session's read, not the reader's.
        return (await readCpsSerial(transmit, match.profile)).serial;
      },
      {
        timeoutMs: this.options.transactionTimeoutMs ?? 3000,
        ...(this.options.createContext ? { createContext: this.options.createContext } : {}),
      },
    );
  }

  /** Whether a card is still in `readerName`, asked on a short-lived context. */
  private stillPresent(readerName: string): boolean {
    try {
      const context = (this.options.createContext ?? createPcscContext)();
      try {
        return context.listReaders().some((r) => r.name === readerName && r.atr !== null && r.atr.length > 0);
      } finally {
        context.close();
      }
    } catch {
      return false;
    }
  }

  /** A badge that gives no ID: said to the agent (and to the IT team's log), never a crash. */
  private diagnose(readerName: string, detail: string): void {
    this.options.log.info('badge not read', { reader: readerName, detail });
    this.emit({ type: 'source-status', available: true, detail });
  }
}
