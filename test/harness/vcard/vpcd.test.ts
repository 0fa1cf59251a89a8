/**
 * The virtual card's side of the vpcd protocol, against a local TCP server playing vpcd (no
 * pcscd): 2-byte big-endian length then payload, 1-byte control messages, APDUs answered by the
 * card; TCP may split or merge messages at any byte.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { VpcdConnection, type VirtualCard } from './index.js';

/** A card that echoes each APDU back with 9000, and counts resets. */
class EchoCard implements VirtualCard {
  readonly atr = Uint8Array.from([0x3b, 0x02, 0x14, 0x50]);
  resets = 0;
  process(apdu: Uint8Array): Uint8Array {
    return Uint8Array.from([...apdu, 0x90, 0x00]);
  }
  reset(): void {
    this.resets += 1;
  }
}

/** The vpcd end: accepts one card connection and reads length-prefixed answers from it. */
class FakeVpcd {
  readonly server: Server;
  socket: Socket | null = null;
  private buffer = Buffer.alloc(0);
  private waiters: ((frame: Buffer) => void)[] = [];
  private frames: Buffer[] = [];
  private connected: (() => void)[] = [];
  closed = false;

  constructor() {
    this.server = createServer((socket) => {
      this.socket = socket;
      socket.on('data', (chunk) => this.receive(chunk));
      socket.on('close', () => {
        this.closed = true;
      });
      for (const resolve of this.connected.splice(0)) resolve();
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  }

  accepted(): Promise<void> {
    return this.socket ? Promise.resolve() : new Promise((resolve) => this.connected.push(resolve));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2 && this.buffer.length >= 2 + this.buffer.readUInt16BE(0)) {
      const frame = this.buffer.subarray(2, 2 + this.buffer.readUInt16BE(0));
      this.buffer = this.buffer.subarray(2 + frame.length);
      const waiter = this.waiters.shift();
      if (waiter) waiter(Buffer.from(frame));
      else this.frames.push(Buffer.from(frame));
    }
  }

  next(): Promise<Buffer> {
    const frame = this.frames.shift();
    return frame ? Promise.resolve(frame) : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes raw bytes, optionally one byte per write with a pause (split TCP segments). */
  async write(bytes: number[], oneByteAtATime = false): Promise<void> {
    if (!oneByteAtATime) {
      this.socket!.write(Buffer.from(bytes));
      return;
    }
    for (const byte of bytes) {
      this.socket!.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const frame = (...payload: number[]) => [payload.length >> 8, payload.length & 0xff, ...payload];
const GET_ATR = frame(0x04);
const POWER_OFF = frame(0x00);
const RESET = frame(0x02);

let vpcd: FakeVpcd;
let port: number;
let connection: VpcdConnection | null = null;

beforeEach(async () => {
  vpcd = new FakeVpcd();
  port = await vpcd.listen();
});

afterEach(async () => {
  await connection?.remove();
  connection = null;
  await vpcd.close();
});

async function insert(
  card: VirtualCard,
  options: { delayMs?: number; mute?: boolean } = {},
): Promise<VpcdConnection> {
  connection = new VpcdConnection(card, { port, ...options });
  await connection.insert();
  await vpcd.accepted();
  return connection;
}

describe('VpcdConnection framing', () => {
  it('answers GET ATR with the ATR, and an APDU with the card answer', async () => {
    await insert(new EchoCard());
    await vpcd.write(GET_ATR);
    expect([...(await vpcd.next())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    await vpcd.write(frame(0x00, 0xa4, 0x04, 0x0c));
    expect([...(await vpcd.next())]).toEqual([0x00, 0xa4, 0x04, 0x0c, 0x90, 0x00]);
  });

  it('reassembles a length and a payload that arrive byte by byte', async () => {
    await insert(new EchoCard());
    await vpcd.write(frame(0xff, 0xca, 0x00, 0x00, 0x00), true);
    expect([...(await vpcd.next())]).toEqual([0xff, 0xca, 0x00, 0x00, 0x00, 0x90, 0x00]);
  });

  it('splits several messages that arrive in one segment, in order', async () => {
    const card = new EchoCard();
    await insert(card);
    await vpcd.write([
      ...RESET,
      ...frame(0x00, 0x01, 0x02, 0x03),
      ...GET_ATR,
      ...frame(0x00, 0x04, 0x05, 0x06),
    ]);
    expect([...(await vpcd.next())]).toEqual([0x00, 0x01, 0x02, 0x03, 0x90, 0x00]);
    expect([...(await vpcd.next())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    expect([...(await vpcd.next())]).toEqual([0x00, 0x04, 0x05, 0x06, 0x90, 0x00]);
    expect(card.resets).toBe(1);
  });

  it('a long APDU (length above 255) is framed on two length bytes', async () => {
    await insert(new EchoCard());
    const data = Array.from({ length: 300 }, (_, i) => i & 0xff);
    await vpcd.write(frame(...data));
    const answer = await vpcd.next();
    expect(answer).toHaveLength(302);
    expect([...answer.subarray(0, 300)]).toEqual(data);
  });

  it('power off, power on and reset reach the card and are not answered', async () => {
    const card = new EchoCard();
    await insert(card);
    await vpcd.write([...POWER_OFF, ...frame(0x01), ...RESET, ...GET_ATR]);
    // The first answer is the ATR: the control messages before it produced none.
    expect([...(await vpcd.next())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    expect(card.resets).toBe(3);
  });

  it('a delayed card still answers, after the others in order', async () => {
    await insert(new EchoCard(), { delayMs: 30 });
    await vpcd.write(frame(0x00, 0xb0, 0x00, 0x00, 0x01));
    expect([...(await vpcd.next())]).toEqual([0x00, 0xb0, 0x00, 0x00, 0x01, 0x90, 0x00]);
  });

  it('a mute card counts the APDU and never answers it, but still gives its ATR', async () => {
    const link = await insert(new EchoCard(), { mute: true });
    await vpcd.write([...frame(0x00, 0xb0, 0x00, 0x00, 0x01), ...GET_ATR]);
    expect([...(await vpcd.next())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    expect(link.apduCount).toBe(1);
  });

  it('pullOnNextApdu closes the connection on the next APDU, without answering it', async () => {
    const link = await insert(new EchoCard());
    link.pullOnNextApdu();
    await vpcd.write(GET_ATR); // control messages do not trigger the pull
    expect([...(await vpcd.next())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    await vpcd.write([...frame(0x00, 0xa4, 0x00, 0x00), ...frame(0x00, 0xa4, 0x00, 0x01)]);
    await new Promise<void>((resolve) => vpcd.socket!.once('close', () => resolve()));
    expect(link.inserted).toBe(false);
    expect(link.apduCount).toBe(0);
  });

  it('remove() disconnects and a later insert() connects again; swap() puts another card in', async () => {
    const link = await insert(new EchoCard());
    await link.remove();
    expect(link.inserted).toBe(false);
    const other = new EchoCard();
    const before = vpcd.socket;
    vpcd.socket = null;
    await link.swap(other); // out: just replaced
    expect(link.inserted).toBe(false);
    await link.insert();
    await vpcd.accepted();
    expect(vpcd.socket).not.toBe(before);
    await vpcd.write(GET_ATR);
    expect([...(await vpcd.next())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
  });
});
