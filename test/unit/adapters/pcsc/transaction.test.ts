/**
 * One card transaction against a fake PC/SC binding: what becomes of the bytes handed to the
 * binding (a PIN, for VERIFY), and how a card that leaves or answers nonsense is reported.
 */
import { describe, expect, it } from '@jest/globals';
import {
  inTransaction,
  PcscCardError,
  type PcscCardHandle,
  type PcscContextLike,
} from '../../../../app/adapters/pcsc/transaction.js';

const READER = 'Fake Reader 00 00';
const ATR = Buffer.from('3BAC00402A001225006480000310009000', 'hex');

/**
 * A binding with one reader and one card whose answers `answer` gives. Every Buffer the
 * transaction hands to `transmit` is kept by reference, as a binding would hold it.
 */
function fakeBinding(answer: (command: Buffer) => Promise<Buffer | Uint8Array> | Buffer) {
  const handed: Buffer[] = [];
  const seen: string[] = [];
  const card: PcscCardHandle = {
    atr: ATR,
    // Not async: a binding may throw before it returns a promise (the smartcard addon does).
    transmit: (command) => {
      const buffer = command as Buffer;
      handed.push(buffer);
      seen.push(buffer.toString('hex'));
      return Promise.resolve(answer(buffer));
    },
    disconnect: () => undefined,
  };
  const context: PcscContextLike = {
    listReaders: () => [{ name: READER, atr: ATR, state: 0x20 | (1 << 16), connect: async () => card }],
    waitForChange: async () => null,
    cancel: () => undefined,
    close: () => undefined,
  };
  return { createContext: () => context, handed, seen };
}

// 00 20 00 01 04 '4321': VERIFY of the holder's PIN.
const verifyCommand = (): Uint8Array => Uint8Array.of(0x00, 0x20, 0x00, 0x01, 0x04, 0x34, 0x33, 0x32, 0x31);

describe('a PC/SC transaction', () => {
  it('hands the binding a buffer of its own (not a slice of Node’s shared pool), zeroed once sent', async () => {
    const binding = fakeBinding(() => Buffer.from([0x90, 0x00]));
    const answer = await inTransaction(READER, (transmit) => transmit(verifyCommand()), {
      createContext: binding.createContext,
    });
    expect(Buffer.from(answer).toString('hex')).toBe('9000');
    expect(binding.seen).toEqual(['002000010434333231']);
    const [handed] = binding.handed;
    // A pooled Buffer shares an 8 KiB ArrayBuffer with every other small Buffer of the process.
    expect(handed!.buffer.byteLength).toBe(handed!.length);
    expect([...handed!]).toEqual(new Array(9).fill(0));
  });

  it('zeroes what it handed over when the card leaves in the middle of the command', async () => {
    const binding = fakeBinding(() => Promise.reject(new Error('Card was removed')));
    const failure = inTransaction(READER, (transmit) => transmit(verifyCommand()), {
      createContext: binding.createContext,
    });
    await expect(failure).rejects.toMatchObject({ name: 'PcscCardError', code: 'card-removed' });
    expect(binding.seen).toHaveLength(1);
    expect([...binding.handed[0]!]).toEqual(new Array(9).fill(0));
  });

  it('zeroes what it handed over when the binding refuses the call outright', async () => {
    const binding = fakeBinding(() => {
      throw new Error('Card is not connected');
    });
    await expect(
      inTransaction(READER, (transmit) => transmit(verifyCommand()), {
        createContext: binding.createContext,
      }),
    ).rejects.toBeInstanceOf(PcscCardError);
    expect([...binding.handed[0]!]).toEqual(new Array(9).fill(0));
  });

  it('says a card that answers without a status word left in the middle of the command', async () => {
    const binding = fakeBinding(() => Buffer.from([0x90]));
    const error = await inTransaction(READER, (transmit) => transmit(verifyCommand()), {
      createContext: binding.createContext,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PcscCardError);
    expect(error).toMatchObject({ code: 'card-removed' });
    expect((error as Error).message).toBe(
      `the card left ${READER} in the middle of a command (no status word came back)`,
    );
    expect((error as Error).message).not.toMatch(/4321|34333231/);
  });
});
