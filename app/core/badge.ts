/**
 * Badge identifiers. The same badge must give the same ID on every reader, so UIDs have one
 * canonical form: upper-case hex, in the badge's own byte order (a per-reader rule says whether
 * that reader reports it reversed).
 */
export const UID_LENGTHS = [4, 7, 10] as const;

export type UidByteOrder = 'as-read' | 'reversed';

export type UidResult =
  { readonly ok: true; readonly uid: string } | { readonly ok: false; readonly problem: string };

const HEX = '0123456789ABCDEF';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte >> 4]! + HEX[byte & 0x0f]!;
  return out;
}

/** Canonical UID from the bytes a reader returned. */
export function normalizeUid(bytes: Uint8Array, order: UidByteOrder): UidResult {
  if (!(UID_LENGTHS as readonly number[]).includes(bytes.length)) {
    return { ok: false, problem: `a badge UID is 4, 7 or 10 bytes; this one is ${bytes.length}` };
  }
  const ordered = order === 'reversed' ? Uint8Array.from(bytes).reverse() : bytes;
  return { ok: true, uid: toHex(ordered) };
}
