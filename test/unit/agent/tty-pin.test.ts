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
  const type = (text: string) => input.emit('data', Buffer.from(text, 'latin1'));
  return {
    input: input as unknown as NodeJS.ReadStream,
    output: output as unknown as NodeJS.WriteStream,
    type,
    screen: () => screen,
    raw: () => input.isRaw,
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
});
