import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { readPinFromTty } from '../../../app/agent/tty-pin.js';

function terminal() {
  const input = Object.assign(new EventEmitter(), {
    isRaw: false,
    setRawMode(raw: boolean) {
      input.isRaw = raw;
      return input;
    },
    resume: () => input,
    pause: () => input,
  });
  let screen = '';
  const output = { write: (text: string) => ((screen += text), true) };
  /** Every chunk the terminal delivered, kept by reference (as Node's stream would drop it). */
  const chunks: Buffer[] = [];
  const type = (text: string) => {
    const chunk = Buffer.from(text, 'latin1');
    chunks.push(chunk);
    input.emit('data', chunk);
  };
  return {
    input: input as unknown as NodeJS.ReadStream,
    output: output as unknown as NodeJS.WriteStream,
    type,
    screen: () => screen,
    raw: () => input.isRaw,
    /** Whether a digit typed is still readable in a chunk the terminal delivered. */
    digitsLeft: () => chunks.some((chunk) => chunk.some((byte) => byte >= 0x30 && byte <= 0x39)),
  };
}

describe('PIN entry on a terminal', () => {
  it('masks the digits, honours backspace, ignores other keys and restores the terminal', async () => {
    const t = terminal();
    const pin = readPinFromTty(t.input, t.output, 'Code PIN');
    expect(t.raw()).toBe(true);
    t.type('12a9\x7f34\r');
    expect(Buffer.from((await pin) ?? []).toString()).toBe('1234');
    expect(t.screen()).toBe('Code PIN •••\b \b••\n');
    expect(t.screen()).not.toMatch(/\d/);
    expect(t.raw()).toBe(false);
  });

  it('cancels on Escape or Ctrl-C', async () => {
    const t = terminal();
    const pin = readPinFromTty(t.input, t.output, 'PIN');
    t.type('12\x1b');
    expect(await pin).toBeNull();
  });

  it('wipes the terminal chunk that ends the entry, with Enter or with a cancel', async () => {
    const entered = terminal();
    const pin = readPinFromTty(entered.input, entered.output, 'PIN');
    entered.type('12');
    entered.type('34\r');
    expect(Buffer.from((await pin) ?? []).toString()).toBe('1234');
    expect(entered.digitsLeft()).toBe(false);

    const cancelled = terminal();
    const none = readPinFromTty(cancelled.input, cancelled.output, 'PIN');
    cancelled.type('98\x1b');
    expect(await none).toBeNull();
    expect(cancelled.digitsLeft()).toBe(false);
  });
});
