/**
 * APDU conversations as text fixtures: `=> 00A4040C0DE828…` for a command, `<= …9000` for its
 * answer, `#` for comments. A recording transmit writes them from a live (virtual) card; a
 * replaying transmit plays them back and names the first divergence by line.
 */
import { commandName, type Transmit } from '../../../app/core/cards/apdu.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();

/** A comment line for a command: what it asks, in words a reader of the fixture wants. */
export function describeCommand(command: Uint8Array): string {
  const [cla = 0, ins, p1 = 0, p2 = 0] = command;
  const data = command.length > 5 ? command.subarray(5, 5 + command[4]!) : new Uint8Array(0);
  const channel = cla !== 0xff && (cla & 0x03) !== 0 ? ` (channel ${cla & 0x03})` : '';
  const name = commandName(command);
  if (ins === 0xa4 && p1 === 0x04) return `SELECT application ${hex(data)}${channel}`;
  if (ins === 0xa4 && p1 === 0x09)
    return `SELECT path ${(hex(data).match(/..../g) ?? []).join('/')}${hex(data).startsWith('3F00') ? '' : ' from the current DF'}${channel}`;
  if (ins === 0x2a && p1 === 0x80 && p2 === 0x86)
    return `PSO DECIPHER${cla & 0x10 ? ' (chained: more follows)' : ''}${channel}`;
  if (ins === 0xa4) return `SELECT file ${hex(data)}${channel}`;
  if (ins === 0xb0) return `READ BINARY at ${((p1 & 0x7f) << 8) | p2}, ${command[4] || 256} bytes${channel}`;
  if (ins === 0x20)
    return `VERIFY reference ${p2}: ${data.length === 0 ? 'tries left, no try spent' : 'a PIN'}${channel}`;
  if (ins === 0xc0) return `GET RESPONSE, ${command[4] || 256} bytes${channel}`;
  return `${name}${channel}`;
}

export class TranscriptMismatch extends Error {
  override readonly name = 'TranscriptMismatch';
}

/**
 * Wraps a transmit so that every exchange is appended to `lines`, each command after a comment
 * naming it. A VERIFY is recorded with its digits: fixtures only ever hold the virtual card's
 * test PINs.
 */
export function recording(transmit: Transmit, lines: string[]): Transmit {
  return async (command) => {
    const answer = await transmit(command);
    lines.push(`# ${describeCommand(command)}`, `=> ${hex(command)}`, `<= ${hex(answer)}`);
    return answer;
  };
}

/** Plays a transcript back: each command must be the next one expected. */
export function replaying(text: string): Transmit & { readonly remaining: () => number } {
  const steps = text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line && !line.startsWith('#'));
  let at = 0;
  const transmit = async (command: Uint8Array): Promise<Uint8Array> => {
    const expected = steps[at];
    const answer = steps[at + 1];
    if (!expected || !answer) throw new TranscriptMismatch(`transcript ended, but got => ${hex(command)}`);
    if (!expected.line.startsWith('=> ') || !answer.line.startsWith('<= ')) {
      throw new TranscriptMismatch(
        `transcript line ${expected.number}: expected a "=>" line then a "<=" line`,
      );
    }
    const wanted = expected.line.slice(3).replace(/\s+/g, '');
    if (wanted !== hex(command)) {
      throw new TranscriptMismatch(
        `transcript line ${expected.number}: expected => ${wanted}, got => ${hex(command)}`,
      );
    }
    at += 2;
    return Uint8Array.from(Buffer.from(answer.line.slice(3).replace(/\s+/g, ''), 'hex'));
  };
  return Object.assign(transmit, { remaining: () => (steps.length - at) / 2 });
}
