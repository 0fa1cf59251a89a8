/**
 * APDUs to and from a card: the command builders (every byte group named), and `transceive`, where
 * the ISO 7816 T=0 conventions (61xx, 6Cxx) are handled once for every profile.
 */
import { toHex } from '../badge.js';
import { CardProtocolError, swHex, type CardProblem } from './errors.js';

export { CardProtocolError, swHex, type CardProblem } from './errors.js';

/** Sends one command APDU and resolves with the raw answer: data then SW1 SW2. */
export type Transmit = (command: Uint8Array) => Promise<Uint8Array>;

/** What common status words mean, for messages a person (or the hospital's IT) can act on. */
const STATUS_MEANING: Readonly<Record<number, string>> = {
  0x6282: 'end of file reached before the length asked for',
  0x6700: 'wrong length',
  0x6882: 'secure messaging not supported',
  0x6982: 'security status not satisfied (PIN not verified)',
  0x6983: 'authentication method blocked',
  0x6984: 'reference data not usable',
  0x6985: 'conditions of use not satisfied',
  0x6986: 'command not allowed (no current file)',
  0x6a80: 'incorrect data',
  0x6a81: 'function not supported',
  0x6a82: 'file or application not found',
  0x6a86: 'incorrect P1 P2',
  0x6a88: 'referenced data not found',
  0x6b00: 'wrong P1 P2 (offset outside the file)',
  0x6d00: 'instruction not supported',
  0x6e00: 'class not supported',
};

export function describeStatus(sw: number): string {
  if (sw >> 4 === 0x63c) return `wrong PIN, ${sw & 0x0f} tries left`;
  return STATUS_MEANING[sw] ?? 'unexpected status';
}

function problemOf(sw: number): CardProblem {
  if (sw === 0x6a82 || sw === 0x6a88) return 'not-found';
  if (sw === 0x6a81 || sw === 0x6d00 || sw === 0x6e00 || sw === 0x6882) return 'unsupported';
  return 'bad-status';
}

/** The card answered `command` with a status word it cannot go on with. */
export class CardStatusError extends CardProtocolError {
  override readonly name = 'CardStatusError';
  constructor(
    readonly command: string,
    readonly sw: number,
  ) {
    super(`${command} refused by the card (status ${swHex(sw)}) — ${describeStatus(sw)}`, problemOf(sw));
  }
}

export interface Response {
  readonly data: Uint8Array;
  /** SW1 SW2 as one number, e.g. 0x9000. */
  readonly sw: number;
}

const INSTRUCTIONS: Readonly<Record<number, string>> = {
  0xa4: 'SELECT',
  0xb0: 'READ BINARY',
  0x20: 'VERIFY',
  0x2c: 'RESET RETRY COUNTER',
  0xc0: 'GET RESPONSE',
  0x22: 'MSE SET',
  0x88: 'INTERNAL AUTHENTICATE',
  0x2a: 'PSO',
  0xca: 'GET DATA',
  0xcb: 'GET DATA',
  0x70: 'MANAGE CHANNEL',
};

/** A command's name for messages, from its INS byte. */
export function commandName(command: Uint8Array): string {
  const ins = command[1];
  if (ins === undefined) return 'an empty command';
  return INSTRUCTIONS[ins] ?? `the command with INS ${toHex(Uint8Array.of(ins))}`;
}

/** Splits a raw answer into data and status word; an answer without a status word is truncated. */
export function parseResponse(raw: Uint8Array, command = 'the command'): Response {
  if (raw.length < 2) {
    throw new CardProtocolError(
      `${command}: the answer has ${raw.length} byte(s), fewer than a status word (truncated)`,
      'truncated',
    );
  }
  return { data: raw.subarray(0, raw.length - 2), sw: raw[raw.length - 2]! * 256 + raw[raw.length - 1]! };
}

/** Largest answer transceive assembles from 61xx chunks: a CPS file or signature is far smaller. */
const MAX_RESPONSE = 65_536;
const MAX_GET_RESPONSE_ROUNDS = 300;

/**
 * The same command with Le replaced (or appended) — for a `6Cxx` answer. Short APDUs only:
 * case 1 `CLA INS P1 P2`, case 2 `… Le`, case 3 `… Lc data`, case 4 `… Lc data Le`.
 */
export function withLe(command: Uint8Array, le: number): Uint8Array {
  if (command.length < 4)
    throw new CardProtocolError(`a command of ${command.length} byte(s) is not an APDU`, 'malformed');
  if (command.length === 4) return Uint8Array.from([...command, le]);
  if (command.length === 5) return Uint8Array.from([...command.subarray(0, 4), le]);
  const lc = command[4]!;
  if (command.length === 5 + lc) return Uint8Array.from([...command, le]);
  if (command.length === 6 + lc) return Uint8Array.from([...command.subarray(0, 5 + lc), le]);
  throw new CardProtocolError(
    `${commandName(command)}: Lc ${lc} does not match its ${command.length - 5} data bytes`,
    'malformed',
  );
}

/**
 * Commands that carry a secret (a PIN or an unblocking code) and spend a try each time the card
 * checks one: VERIFY (20, 21), CHANGE REFERENCE DATA (24), RESET RETRY COUNTER (2C).
 */
const SECRET_BEARING = new Set([0x20, 0x21, 0x24, 0x2c]);

/**
 * Sends a command and returns the whole answer. On T=0, `61xx` says xx more bytes wait: fetched
 * with GET RESPONSE on the same logical channel, repeated while the card has more (bounded);
 * `6Cxx` says "wrong Le, use xx": the command is re-issued once with Le = xx — except a command
 * that carries a PIN, which is sent once and only once (it expects no data, so 6Cxx to it is an
 * error, returned as such; re-sending it would present the PIN twice and could spend two tries).
 * Any other status is returned for the caller to judge.
 */
export async function transceive(
  transmit: Transmit,
  command: Uint8Array,
  name = commandName(command),
): Promise<Response> {
  let response = parseResponse(await transmit(command), name);
  if (response.sw >> 8 === 0x6c && !SECRET_BEARING.has(command[1] ?? -1)) {
    response = parseResponse(await transmit(withLe(command, response.sw & 0xff)), name);
  }
  if (response.sw >> 8 !== 0x61) return { data: Uint8Array.from(response.data), sw: response.sw };
  // Interindustry classes carry the logical channel in their low 2 bits; GET RESPONSE must use it.
  const cla = (command[0]! & 0x80) === 0 ? command[0]! & 0x03 : 0x00;
  const parts: Uint8Array[] = [Uint8Array.from(response.data)];
  let total = response.data.length;
  for (let round = 0; response.sw >> 8 === 0x61; round += 1) {
    if (round >= MAX_GET_RESPONSE_ROUNDS || total > MAX_RESPONSE) {
      throw new CardProtocolError(
        `${name}: the card kept announcing more data (61xx) after ${total} bytes; gave up`,
        'too-long',
      );
    }
    response = parseResponse(await transmit(getResponse(response.sw & 0xff, cla)), `${name} (GET RESPONSE)`);
    parts.push(Uint8Array.from(response.data));
    total += response.data.length;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return { data, sw: response.sw };
}

/** transceive, then insist on 9000. */
export async function expectOk(
  transmit: Transmit,
  command: Uint8Array,
  name = commandName(command),
): Promise<Uint8Array> {
  const response = await transceive(transmit, command, name);
  if (response.sw !== 0x9000) throw new CardStatusError(name, response.sw);
  return response.data;
}

export const hex = (bytes: Uint8Array): string => toHex(bytes);

function shortLc(data: Uint8Array, what: string): number {
  if (data.length === 0 || data.length > 255) {
    throw new CardProtocolError(
      `${what} of ${data.length} bytes does not fit a short APDU (1 to 255)`,
      'malformed',
    );
  }
  return data.length;
}

/** 00 A4 04 0C Lc AID: SELECT (A4) by DF name (P1 04), no answer data (P2 0C), then the AID. */
export const selectAid = (aid: Uint8Array, cla = 0x00): Uint8Array =>
  Uint8Array.from([cla, 0xa4, 0x04, 0x0c, shortLc(aid, 'an AID'), ...aid]);

/**
 * 00 A4 09 0C Lc path: SELECT (A4) by path from the MF (P1 09), no answer data (P2 0C). A CPS
 * refuses a path that does not start with the MF `3F00` (6A82), so one is never sent.
 */
export function selectPath(path: Uint8Array): Uint8Array {
  if (path.length < 2 || path.length % 2 !== 0 || path[0] !== 0x3f || path[1] !== 0x00) {
    throw new CardProtocolError(
      `a path to SELECT starts with 3F00 and has whole file IDs (got ${toHex(path) || 'nothing'})`,
      'malformed',
    );
  }
  return Uint8Array.from([0x00, 0xa4, 0x09, 0x0c, shortLc(path, 'a path'), ...path]);
}

/** A CPS answers at most 231 bytes per READ BINARY. */
export const MAX_READ_BINARY = 231;

/** 00 B0 offHi offLo Le: READ BINARY (B0) of the selected EF from a 15-bit offset, Le bytes. */
export function readBinary(offset: number, length: number): Uint8Array {
  if (!Number.isInteger(offset) || offset < 0 || offset > 0x7fff) {
    throw new CardProtocolError(`READ BINARY offset ${offset} is outside 0..32767`, 'malformed');
  }
  if (!Number.isInteger(length) || length < 1 || length > MAX_READ_BINARY) {
    throw new CardProtocolError(
      `READ BINARY of ${length} bytes (a CPS reads 1 to ${MAX_READ_BINARY})`,
      'malformed',
    );
  }
  return Uint8Array.from([0x00, 0xb0, offset >> 8, offset & 0xff, length]);
}

/**
 * 00 20 00 ref [Lc PIN]: VERIFY (20), P1 00, P2 = the PIN reference. Without data it asks for the
 * tries left and spends none. The caller zeroes the returned buffer once sent: it holds the PIN.
 */
export function verify(reference: number, pin?: Uint8Array): Uint8Array {
  if (!pin) return Uint8Array.from([0x00, 0x20, 0x00, reference & 0xff]);
  const command = new Uint8Array(5 + pin.length);
  command.set([0x00, 0x20, 0x00, reference & 0xff, shortLc(pin, 'a PIN')]);
  command.set(pin, 5);
  return command;
}

/** CLA C0 00 00 Le: GET RESPONSE (C0) on the command's logical channel, Le bytes (00 = 256). */
export const getResponse = (length: number, cla = 0x00): Uint8Array =>
  Uint8Array.from([cla, 0xc0, 0x00, 0x00, length & 0xff]);

/**
 * 00 22 41 A4 06 80 01 alg 84 01 key: MSE SET (22) for computation / internal authentication
 * (P1 41, P2 A4 = the authentication template), then the algorithm reference (tag 80) and the
 * private key reference (tag 84).
 */
export const mseSetAuthentication = (algorithm: number, keyReference: number): Uint8Array =>
  Uint8Array.from([
    0x00,
    0x22,
    0x41,
    0xa4,
    0x06,
    0x80,
    0x01,
    algorithm & 0xff,
    0x84,
    0x01,
    keyReference & 0xff,
  ]);

/** 00 88 00 00 Lc data 00: INTERNAL AUTHENTICATE (88), the card's whole answer expected (Le 00). */
export const internalAuthenticate = (data: Uint8Array): Uint8Array =>
  Uint8Array.from([0x00, 0x88, 0x00, 0x00, shortLc(data, 'INTERNAL AUTHENTICATE data'), ...data, 0x00]);

/**
 * 00 CB 3F FF 0A 4D 08 70 06 BF 81 ref 02 A0 80 00: GET DATA (CB) from the current DF (3F FF);
 * 4D 08 = an extended header list asking, inside the security-environment template 70, for the
 * PIN object BF 81 ref, its header A0 (9A max tries, 9B tries left, 9D usage); Le 00.
 */
export const getPinInfo = (reference: number): Uint8Array =>
  Uint8Array.from([
    0x00,
    0xcb,
    0x3f,
    0xff,
    0x0a,
    0x4d,
    0x08,
    0x70,
    0x06,
    0xbf,
    0x81,
    reference & 0xff,
    0x02,
    0xa0,
    0x80,
    0x00,
  ]);

/** FF CA 00 00 00: the reader's own GET DATA (CLA FF, INS CA), P1 00 = the UID, Le 00 = all of it. */
export const getUid = (): Uint8Array => Uint8Array.from([0xff, 0xca, 0x00, 0x00, 0x00]);
