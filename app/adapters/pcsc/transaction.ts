/**
 * One short card transaction over PC/SC, shared by the badge source, the card session and the
 * `releve` commands: find the reader by name, connect, run the card profile's APDUs, disconnect.
 *
 * - Each transaction has a PC/SC context of its own. pcsc-lite serialises the calls of one
 *   context, so a card that stops answering would otherwise hold every later call (and the
 *   binding's synchronous ones block Node's main thread). A transaction that times out is
 *   abandoned: its context is released only once the stuck call returns.
 * - The binding has no SCardBeginTransaction. The card is opened exclusively when it can be, so
 *   no other application's APDUs interleave with ours; when another application keeps the card
 *   open for longer (a PKCS#11 module does), it is opened shared rather than not at all.
 * - Errors become a PcscCardError whose `code` is the port's CardError code and whose message
 *   is a sentence a person can act on.
 */
import * as pcsc from 'smartcard';
import { toHex } from '../../core/badge.js';
import { CardDataError, CardProtocolError } from '../../core/cards/index.js';
import type { CardError } from '../../core/ports/index.js';
import { cardPresence, type CardPresence } from './cps-read-cache.js';
import { withTimeout } from './timeout.js';

/** Sends one command APDU; resolves with data + SW1 SW2. */
export type Transmit = (command: Uint8Array) => Promise<Uint8Array>;

export interface PcscCardHandle {
  readonly atr: Buffer | null;
  transmit(command: Buffer | number[]): Promise<Buffer | Uint8Array>;
  disconnect(disposition?: number): void;
}
export interface PcscReaderHandle {
  readonly name: string;
  readonly atr: Buffer | null;
  /** The reader's state when listed (pcsc-lite: its card event counter in the upper 16 bits). */
  readonly state?: number;
  connect(share?: number, protocol?: number): Promise<PcscCardHandle>;
}
export interface PcscReaderState {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | Uint8Array | null;
}
/** The part of the binding's low-level Context the adapters use; tests may pass a fake. */
export interface PcscContextLike {
  listReaders(): PcscReaderHandle[];
  waitForChange(
    states: { name: string; state: number }[],
    timeout: number,
  ): Promise<PcscReaderState[] | null>;
  cancel(): void;
  close(): void;
}

export const createPcscContext = (): PcscContextLike => new pcsc.Context() as unknown as PcscContextLike;

/** A card or reader problem, with the port's CardError code. */
export class PcscCardError extends Error {
  override readonly name = 'PcscCardError';
  constructor(
    readonly code: CardError['code'],
    message: string,
    /** Worth trying again (the card was moving, slow, or the service blinked), or a card answer that will not change. */
    readonly transient: boolean = code !== 'unknown-card',
    readonly atr?: string,
  ) {
    super(message);
  }

  /** The port's CardError value. */
  toCardError(): CardError {
    switch (this.code) {
      case 'unknown-card':
        return { code: 'unknown-card', atr: this.atr ?? '' };
      case 'card-error':
        return { code: 'card-error', detail: this.message };
      default:
        return { code: this.code };
    }
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** PC/SC failures that mean the card (or its reader) is no longer there. */
const CARD_GONE =
  /Card was removed|No smart card present|Card is unpowered|Reader unavailable|Unknown reader|is gone/i;
/** PC/SC failures that mean the service itself went away. */
const SERVICE_GONE = /service not running|service stopped|Invalid handle|Communication error/i;

/** True when the error says the PC/SC service is down (pcscd stopped, the Windows service restarting). */
export function isServiceGone(error: unknown): boolean {
  return SERVICE_GONE.test(message(error));
}

/** Puts any failure of a transaction in the port's terms. */
export function toPcscCardError(error: unknown, readerName: string): PcscCardError {
  if (error instanceof PcscCardError) return error;
  const text = message(error);
  // The card profile's own errors: the card answered, and will answer the same again.
  if (error instanceof CardProtocolError || error instanceof CardDataError)
    return new PcscCardError('card-error', `the card in ${readerName}: ${text}`, false);
  if (CARD_GONE.test(text))
    return new PcscCardError('card-removed', `the card was removed from ${readerName} (${text})`);
  if (/timed out/i.test(text))
    return new PcscCardError('timeout', `the card in ${readerName} did not answer in time: ${text}`);
  if (SERVICE_GONE.test(text))
    return new PcscCardError('card-error', `the smart-card service is unavailable (${text})`);
  return new PcscCardError('card-error', `the card in ${readerName} could not be read: ${text}`);
}

export interface TransactionOptions {
  /** Bound on connecting and on each APDU; the whole transaction gets four times as long. */
  readonly timeoutMs?: number;
  readonly createContext?: () => PcscContextLike;
  /** How long another application's own transaction is waited for before sharing the card. */
  readonly exclusiveWaitMs?: number;
}

const PROTOCOLS = (): number => pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1;

async function connect(
  reader: PcscReaderHandle,
  timeoutMs: number,
  exclusiveWaitMs: number,
): Promise<PcscCardHandle> {
  const deadline = Date.now() + exclusiveWaitMs;
  for (;;) {
    try {
      return await withTimeout(
        reader.connect(pcsc.SCARD_SHARE_EXCLUSIVE, PROTOCOLS()),
        timeoutMs,
        'connecting to the card',
      );
    } catch (error) {
      if (!/Sharing violation/i.test(message(error))) throw error;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return withTimeout(
    reader.connect(pcsc.SCARD_SHARE_SHARED, PROTOCOLS()),
    timeoutMs,
    'connecting to the card',
  );
}

/**
 * One short transaction with the card in `readerName`: `work` gets a bounded transmit, the
 * card's ATR and its presence (which card insertion this is, see cps-read-cache.ts; taken before
 * connecting, so a card swapped meanwhile only makes it stale, never wrong). Never held across
 * user input: callers open one per step.
 */
export async function inTransaction<T>(
  readerName: string,
  work: (transmit: Transmit, atr: Uint8Array, presence: CardPresence) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let context: PcscContextLike;
  try {
    context = (options.createContext ?? createPcscContext)();
  } catch (error) {
    throw new PcscCardError('card-error', `the smart-card service is unavailable (${message(error)})`);
  }
  /** The card once connected, even when the connection came after the timeout. */
  let card: PcscCardHandle | null = null;
  /** The call in flight, if any: cleanup waits for it rather than block on a busy context. */
  let inFlight: Promise<unknown> = Promise.resolve();
  try {
    const reader = context.listReaders().find((r) => r.name === readerName);
    if (!reader) throw new PcscCardError('card-removed', `the reader "${readerName}" is not connected`);
    const presence = cardPresence(reader.state, reader.atr ? toHex(Uint8Array.from(reader.atr)) : '');
    const connecting = connect(reader, timeoutMs, options.exclusiveWaitMs ?? 300);
    inFlight = connecting.then(
      (late) => (card = late),
      () => undefined,
    );
    const connected = await connecting;
    const atr = Uint8Array.from(connected.atr ?? reader.atr ?? []);
    const transmit: Transmit = async (command) => {
      // The binding takes a Buffer. Buffer.from would copy the command (a PIN, for VERIFY) into
      // Node's shared pool, where it would stay after the call; this one has memory of its own,
      // zeroed once the binding is done with it (it copies the bytes when called, but a binding
      // that read them later would still find them there).
      const outgoing = Buffer.allocUnsafeSlow(command.length);
      outgoing.set(command);
      const wipe = (): void => void outgoing.fill(0);
      let sending: Promise<Buffer | Uint8Array>;
      try {
        sending = connected.transmit(outgoing);
      } catch (error) {
        wipe();
        throw error;
      }
      void sending.then(wipe, wipe);
      inFlight = sending.catch(() => undefined);
      const answer = Uint8Array.from(await withTimeout(sending, timeoutMs, `the card in ${readerName}`));
      // Every card answer ends with a status word. Fewer bytes come from the reader when the
      // card left in the middle of the command (vpcd, and contactless readers, answer so).
      if (answer.length < 2)
        throw new PcscCardError(
          'card-removed',
          `the card left ${readerName} in the middle of a command (no status word came back)`,
        );
      return answer;
    };
    return await withTimeout(
      work(transmit, atr, presence),
      timeoutMs * 4,
      `the transaction with the card in ${readerName}`,
    );
  } catch (error) {
    throw toPcscCardError(error, readerName);
  } finally {
    void inFlight.then(() => {
      try {
        card?.disconnect(pcsc.SCARD_LEAVE_CARD);
      } catch {
        // already gone
      }
      try {
        context.close();
      } catch {
        // a dead context may refuse to close
      }
    });
  }
}
