/**
 * BER-TLV, as used by X.509 (DER), PKCS#15 files and card answers. Bounded and strict: a
 * truncated or garbled structure is a CardDataError that says where, never a crash or a hang.
 */
import { CardProtocolError, type CardProblem } from './errors.js';

/** Card data that does not hold together (a CardProtocolError, `malformed` unless told). */
export class CardDataError extends CardProtocolError {
  override readonly name = 'CardDataError';
  constructor(message: string, code: CardProblem = 'malformed') {
    super(message, code);
  }
}

/** Nesting deeper than any card structure: refused rather than followed (no stack overflow). */
const MAX_DEPTH = 16;

export interface Tlv {
  /** The tag as an unsigned number of its bytes (e.g. 0x30, 0x5A, 0x9F7F). */
  readonly tag: number;
  readonly constructed: boolean;
  /** The value bytes. */
  readonly value: Uint8Array;
  /** The whole element, header included. */
  readonly raw: Uint8Array;
}

/** Reads the element at `offset`; returns it and the offset after it. */
export function readTlv(bytes: Uint8Array, offset = 0): { tlv: Tlv; next: number } {
  let at = offset;
  const need = (count: number, what: string): void => {
    if (at + count > bytes.length)
      throw new CardDataError(`truncated ${what} at byte ${at} (${bytes.length} bytes in all)`, 'truncated');
  };
  need(1, 'tag');
  const first = bytes[at]!;
  let tag = first;
  at += 1;
  if ((first & 0x1f) === 0x1f) {
    // Multi-byte tag: continuation bytes have their top bit set; at most 3 more bytes.
    for (let count = 0; ; count += 1) {
      if (count >= 3) throw new CardDataError(`tag longer than 4 bytes at byte ${offset}`);
      need(1, 'tag');
      const byte = bytes[at]!;
      tag = tag * 256 + byte;
      at += 1;
      if ((byte & 0x80) === 0) break;
    }
  }
  need(1, 'length');
  let length = bytes[at]!;
  at += 1;
  if (length === 0x80) throw new CardDataError(`indefinite length at byte ${offset} (not allowed here)`);
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 3) throw new CardDataError(`length of ${count} bytes at byte ${offset} (at most 3)`);
    need(count, 'length');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + bytes[at + i]!;
    at += count;
  }
  need(length, `value of tag ${tag.toString(16)}`);
  const value = bytes.subarray(at, at + length);
  return {
    tlv: { tag, constructed: (first & 0x20) !== 0, value, raw: bytes.subarray(offset, at + length) },
    next: at + length,
  };
}

/** All the elements in `bytes`, one after another (trailing 00/FF padding is allowed and ignored). */
export function readAll(bytes: Uint8Array): Tlv[] {
  // Files are often padded after their last element with 00 or FF: where that run starts is
  // found once, so a file of padding costs one pass, not one pass per byte.
  const last = bytes[bytes.length - 1];
  let padding = bytes.length;
  if (last === 0x00 || last === 0xff) while (padding > 0 && bytes[padding - 1] === last) padding -= 1;
  // An element may itself end with bytes equal to the padding (a path ending in 00): it is read
  // whole, from the full buffer; only what follows the last element inside the run is padding.
  const out: Tlv[] = [];
  let at = 0;
  while (at < padding) {
    const { tlv, next } = readTlv(bytes, at);
    out.push(tlv);
    at = next;
  }
  return out;
}

/** The children of a constructed element. */
export function children(tlv: Tlv): Tlv[] {
  if (!tlv.constructed) throw new CardDataError(`tag ${tlv.tag.toString(16)} is not constructed`);
  return readAll(tlv.value);
}

/** The first direct child with `tag`, or null. */
export function child(tlv: Tlv, tag: number): Tlv | null {
  return children(tlv).find((c) => c.tag === tag) ?? null;
}

/** Depth-first: the first element with `tag` inside `tlv` (itself included). */
export function find(tlv: Tlv, tag: number, depth = 0): Tlv | null {
  if (tlv.tag === tag) return tlv;
  if (!tlv.constructed || depth > MAX_DEPTH) return null;
  for (const child of children(tlv)) {
    const found = find(child, tag, depth + 1);
    if (found) return found;
  }
  return null;
}
