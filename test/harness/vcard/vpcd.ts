/**
 * A virtual card's connection to the vpcd reader driver (Debian vsmartcard-vpcd) behind a
 * real pcscd. Connecting is inserting the card; closing is pulling it out. Every message is a
 * 2-byte big-endian length then the payload; 1-byte payloads are control codes, anything else
 * is an APDU answered with data + SW.
 */
import { Socket } from 'node:net';

export interface VirtualCard {
  /** The Answer To Reset the reader reports. */
  readonly atr: Uint8Array;
  /** Answers one APDU (data + SW1 SW2). */
  process(apdu: Uint8Array): Uint8Array;
  /** Power off, power on or reset: volatile state (a verified PIN) is lost. */
  reset(): void;
}

const CONTROL_POWER_OFF = 0x00;
const CONTROL_POWER_ON = 0x01;
const CONTROL_RESET = 0x02;
const CONTROL_GET_ATR = 0x04;

export interface VpcdOptions {
  readonly host?: string;
  readonly port?: number;
  /** Wait this long before each answer (a slow card). */
  readonly delayMs?: number;
  /** Never answer an APDU (a card that hangs); control messages are still answered. */
  readonly mute?: boolean;
}

export class VpcdConnection {
  private socket: Socket | null = null;
  private pending = Buffer.alloc(0);
  /** Which APDU finds the card gone (once): set by pullOnNextApdu / pullOnApdu. */
  private pullWhen: ((apdu: Uint8Array) => boolean) | null = null;
  apduCount = 0;

  constructor(
    private card: VirtualCard,
    private readonly options: VpcdOptions = {},
  ) {}

  get inserted(): boolean {
    return this.socket !== null;
  }

  /** Puts the card in the reader: resolves once connected to vpcd. */
  insert(): Promise<void> {
    if (this.socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.connect(this.options.port ?? 35963, this.options.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        socket.on('error', () => this.dropIfCurrent(socket));
        this.socket = socket;
        resolve();
      });
      // Events of a socket already pulled must not touch the card's next insertion.
      socket.on('data', (chunk) => {
        if (this.socket === socket) this.receive(chunk);
      });
      socket.on('close', () => this.dropIfCurrent(socket));
    });
  }

  /** Takes the card out of the reader. */
  async remove(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  /** The next APDU finds the card gone: the card is pulled in the middle of a transaction. */
  pullOnNextApdu(): void {
    this.pullWhen = () => true;
  }

  /**
   * The first APDU for which `match` is true finds the card gone (it is never answered): the
   * card pulled out at that very command, e.g. VERIFY. `match` sees every APDU until then.
   */
  pullOnApdu(match: (apdu: Uint8Array) => boolean): void {
    this.pullWhen = match;
  }

  /**
   * Another card in the same slot: takes the current one out if it is in, and puts `card` in.
   * (A card that is out is just replaced, to be inserted later.)
   */
  async swap(card: VirtualCard): Promise<void> {
    const wasInserted = this.inserted;
    await this.remove();
    this.card = card;
    if (wasInserted) await this.insert();
  }

  private dropIfCurrent(socket: Socket): void {
    if (this.socket === socket) this.drop();
  }

  private drop(): void {
    this.socket = null;
    this.pending = Buffer.alloc(0);
  }

  private receive(chunk: Buffer): void {
    // TCP may split or merge messages: reassemble by the length prefix.
    this.pending = Buffer.concat([this.pending, chunk]);
    // Once pulled, nothing more is answered, even what arrived in the same chunk.
    while (this.pending.length >= 2 && this.socket) {
      const length = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + length) return;
      const payload = this.pending.subarray(2, 2 + length);
      this.pending = this.pending.subarray(2 + length);
      this.handle(Uint8Array.from(payload));
    }
  }

  private handle(payload: Uint8Array): void {
    if (payload.length === 1) {
      switch (payload[0]) {
        case CONTROL_POWER_OFF:
        case CONTROL_POWER_ON:
        case CONTROL_RESET:
          this.card.reset();
          return;
        case CONTROL_GET_ATR:
          this.send(this.card.atr);
          return;
        default:
          return;
      }
    }
    if (this.pullWhen?.(payload)) {
      this.pullWhen = null;
      const socket = this.socket;
      this.drop();
      socket?.destroy();
      return;
    }
    this.apduCount += 1;
    if (this.options.mute) return;
    const answer = this.card.process(payload);
    if (this.options.delayMs) setTimeout(() => this.send(answer), this.options.delayMs);
    else this.send(answer);
  }

  private send(data: Uint8Array): void {
    const frame = Buffer.alloc(2 + data.length);
    frame.writeUInt16BE(data.length, 0);
    frame.set(data, 2);
    if (this.socket && !this.socket.destroyed) this.socket.write(frame);
  }
}
