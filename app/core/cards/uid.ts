/** Reading a contactless badge's UID through the reader: PC/SC part 3 GET DATA. */
import { normalizeUid, type UidByteOrder, type UidResult } from '../badge.js';
import { CardProtocolError, getUid, swHex, transceive, type Response, type Transmit } from './apdu.js';

export type { Transmit } from './apdu.js';

// FF CA 00 00 00: CLA FF (reader pseudo-APDU), INS CA GET DATA, P1 00 = UID, P2 00, Le 00 = all.
export const GET_UID = getUid();

/**
 * The badge's UID in canonical form (4, 7 or 10 bytes). What a reader gets wrong is a result with
 * a problem, not an exception: a bad tap must not crash the badge source. A failing transmit (the
 * badge left the field) still rejects, so the caller sees the reader's own error.
 */
export async function readUid(transmit: Transmit, order: UidByteOrder): Promise<UidResult> {
  let response: Response;
  try {
    // Through transceive: some readers answer 6Cxx (give Le = xx) or 61xx before the UID.
    response = await transceive(transmit, getUid(), 'GET UID');
  } catch (error) {
    if (!(error instanceof CardProtocolError)) throw error;
    return {
      ok: false,
      problem:
        error.code === 'truncated' ? 'the reader answered GET UID with fewer than 2 bytes' : error.message,
    };
  }
  if (response.sw !== 0x9000)
    return { ok: false, problem: `the reader refused GET UID (status ${swHex(response.sw)})` };
  return normalizeUid(response.data, order);
}

/**
 * The byte order rule for a reader: the first policy entry "<reader name prefix>=reversed|as-read"
 * whose prefix starts its name; as-read when none does. An entry without a prefix or an order
 * (policy refuses them) matches no reader rather than every one.
 */
export function byteOrderFor(readerName: string, rules: readonly string[]): UidByteOrder {
  for (const rule of rules) {
    const at = rule.lastIndexOf('=');
    if (at <= 0) continue;
    const order = rule.slice(at + 1);
    if (order !== 'reversed' && order !== 'as-read') continue;
    if (readerName.startsWith(rule.slice(0, at))) return order;
  }
  return 'as-read';
}
