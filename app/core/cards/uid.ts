/** Reading a contactless badge's UID through the reader: PC/SC part 3 GET DATA. */
import { normalizeUid, toHex, type UidByteOrder, type UidResult } from '../badge.js';

export type Transmit = (command: Uint8Array) => Promise<Uint8Array>;

// FF CA 00 00 00: CLA FF (reader pseudo-APDU), INS CA GET DATA, P1 00 = UID, P2 00, Le 00 = all.
export const GET_UID = Uint8Array.from([0xff, 0xca, 0x00, 0x00, 0x00]);

export async function readUid(transmit: Transmit, order: UidByteOrder): Promise<UidResult> {
  const response = await transmit(GET_UID);
  if (response.length < 2)
    return { ok: false, problem: `the reader answered GET UID with ${response.length} byte(s)` };
  const sw = toHex(response.subarray(response.length - 2));
  if (sw !== '9000') return { ok: false, problem: `the reader refused GET UID (status ${sw})` };
  return normalizeUid(response.subarray(0, response.length - 2), order);
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
