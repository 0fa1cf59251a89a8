/**
 * PKCS#15 as CPS cards expose it: EF.ODF lists the directory files; the certificate directory
 * (CDF) lists certificates by label with the path of each; the authentication-object directory
 * (AODF) gives the PIN reference. Files are found by following these, never by hard-coded IDs.
 */
import { CardDataError, children, find, readAll, type Tlv } from './tlv.js';

export interface OdfEntries {
  readonly cdf: Uint8Array | null;
  readonly aodf: Uint8Array | null;
}

function pathIn(tlv: Tlv): Uint8Array | null {
  // Path ::= SEQUENCE { path OCTET STRING, ... }: the first OCTET STRING found.
  return find(tlv, 0x04)?.value ?? null;
}

export function parseOdf(bytes: Uint8Array): OdfEntries {
  let cdf: Uint8Array | null = null;
  let aodf: Uint8Array | null = null;
  for (const entry of readAll(bytes)) {
    if (entry.tag === 0xa4) cdf ??= pathIn(entry); // certificates
    if (entry.tag === 0xa8) aodf ??= pathIn(entry); // authentication objects (PINs)
  }
  return { cdf, aodf };
}

export interface CertificateEntry {
  readonly label: string;
  readonly path: Uint8Array;
}

export function parseCdf(bytes: Uint8Array): CertificateEntry[] {
  return readAll(bytes).map((entry) => {
    if (entry.tag !== 0x30)
      throw new CardDataError(`unexpected element ${entry.tag.toString(16)} in the CDF`);
    const [common, , typeAttributes] = children(entry);
    const label = common ? find(common, 0x0c) : null;
    const path = typeAttributes ? pathIn(typeAttributes) : null;
    if (!label || !path) throw new CardDataError('a CDF entry without its label or path');
    return { label: String.fromCharCode(...label.value), path };
  });
}

/** The PIN reference of the first PIN object in the AODF (tag 80 inside PinAttributes). */
export function parsePinReference(bytes: Uint8Array): number {
  for (const entry of readAll(bytes)) {
    const reference = find(entry, 0x80);
    if (reference && reference.value.length === 1) return reference.value[0]!;
  }
  throw new CardDataError('no PIN reference in the AODF');
}
