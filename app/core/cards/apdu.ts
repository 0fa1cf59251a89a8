/** APDUs to and from a card, with the ISO 7816 T=0 conventions handled once, here. */
import { toHex } from '../badge.js';
import type { Transmit } from './uid.js';

export class CardStatusError extends Error {
  override readonly name = 'CardStatusError';
  constructor(
    readonly command: string,
    readonly sw: number,
  ) {
    super(`${command} refused by the card (status ${sw.toString(16).toUpperCase().padStart(4, '0')})`);
  }
}

export interface Response {
  readonly data: Uint8Array;
  /** SW1 SW2 as one number, e.g. 0x9000. */
  readonly sw: number;
}

function split(raw: Uint8Array, command: string): Response {
  if (raw.length < 2) throw new CardStatusError(command, 0);
  return { data: raw.subarray(0, raw.length - 2), sw: raw[raw.length - 2]! * 256 + raw[raw.length - 1]! };
}

/**
 * Sends a command and returns the whole answer: on T=0 a `61xx` asks us to fetch xx more bytes
 * (GET RESPONSE, repeated while the card has more, bounded), and a `6Cxx` says "wrong Le, use
 * xx" (re-issued once).
 */
export async function transceive(transmit: Transmit, command: Uint8Array, name: string): Promise<Response> {
  let response = split(await transmit(command), name);
  if (response.sw >> 8 === 0x6c) {
    const again = Uint8Array.from(command);
    again[again.length - 1] = response.sw & 0xff;
    response = split(await transmit(again), name);
  }
  let data = Uint8Array.from(response.data);
  for (let round = 0; response.sw >> 8 === 0x61; round += 1) {
    if (round >= 64) throw new CardStatusError(`${name} (GET RESPONSE loop)`, response.sw);
    // 00 C0 00 00 xx: GET RESPONSE, xx bytes announced by the 61xx.
    response = split(
      await transmit(Uint8Array.from([0x00, 0xc0, 0x00, 0x00, response.sw & 0xff])),
      `${name} (GET RESPONSE)`,
    );
    data = Uint8Array.from([...data, ...response.data]);
  }
  return { data, sw: response.sw };
}

/** transceive, then insist on 9000. */
export async function expectOk(transmit: Transmit, command: Uint8Array, name: string): Promise<Uint8Array> {
  const response = await transceive(transmit, command, name);
  if (response.sw !== 0x9000) throw new CardStatusError(name, response.sw);
  return response.data;
}

export const hex = (bytes: Uint8Array): string => toHex(bytes);

/** 00 A4 04 0C Lc AID: SELECT by AID (DF name), no answer expected (P2 0C). */
export const selectAid = (aid: Uint8Array): Uint8Array =>
  Uint8Array.from([0x00, 0xa4, 0x04, 0x0c, aid.length, ...aid]);

/** 00 A4 09 0C Lc path: SELECT by path from the MF (the path starts with 3F00), no answer. */
export const selectPath = (path: Uint8Array): Uint8Array =>
  Uint8Array.from([0x00, 0xa4, 0x09, 0x0c, path.length, ...path]);

/** 00 B0 offHi offLo Le: READ BINARY of the selected EF, at most 231 bytes at a time on a CPS. */
export const readBinary = (offset: number, length: number): Uint8Array =>
  Uint8Array.from([0x00, 0xb0, (offset >> 8) & 0x7f, offset & 0xff, length]);
