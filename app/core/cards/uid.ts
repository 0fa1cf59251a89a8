/** Reading a contactless badge's UID through the reader: PC/SC part 3 GET DATA. */
import { normalizeUid, toHex, type UidByteOrder, type UidResult } from '../badge.js';
import { CardStatusError, transceive, type Response } from './apdu.js';

export type Transmit = (command: Uint8Array) => Promise<Uint8Array>;

// FF CA 00 00 00: CLA FF (reader pseudo-APDU), INS CA GET DATA, P1 00 = UID, P2 00, Le 00 = all.
export const GET_UID = Uint8Array.from([0xff, 0xca, 0x00, 0x00, 0x00]);

export async function readUid(transmit: Transmit, order: UidByteOrder): Promise<UidResult> {
  let response: Response;
  try {
    // Through transceive: some readers answer 6Cxx (give Le = xx) or 61xx before the UID.
    response = await transceive(transmit, GET_UID, 'GET UID');
  } catch (error) {
    // An answer shorter than a status word is reported as such; anything else propagates.
    if (error instanceof CardStatusError && error.sw === 0) {
      return { ok: false, problem: 'the reader answered GET UID with fewer than 2 bytes' };
    }
    throw error;
  }
  if (response.sw !== 0x9000) {
    const sw = toHex(Uint8Array.from([response.sw >> 8, response.sw & 0xff]));
    return { ok: false, problem: `the reader refused GET UID (status ${sw})` };
  }
  return normalizeUid(response.data, order);
}

/** The byte order rule for a reader: the first policy entry whose prefix starts its name. */
export function byteOrderFor(readerName: string, rules: readonly string[]): UidByteOrder {
  for (const rule of rules) {
    const at = rule.lastIndexOf('=');
    const prefix = rule.slice(0, at);
    const order = rule.slice(at + 1);
    if (readerName.startsWith(prefix) && (order === 'reversed' || order === 'as-read')) return order;
  }
  return 'as-read';
}
