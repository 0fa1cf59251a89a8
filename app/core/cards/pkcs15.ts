/**
 * PKCS#15 as CPS cards expose it: EF.ODF lists the directory files; the certificate directory
 * (CDF) lists certificates by label with the path of each; the private-key directory (PrKDF)
 * gives each key's on-card reference; the authentication-object directory (AODF) gives the PIN's
 * reference and format. Files are found by following these, never by hard-coded IDs: the CPS file
 * IDs are not public (REFERENCE.md).
 *
 * Every directory entry is a PKCS15Object: SEQUENCE { commonObjectAttributes, classAttributes,
 * subClassAttributes [0] OPTIONAL, typeAttributes [1] }.
 */
import { decodeUtf8 } from './x509.js';
import { CardDataError, child, children, readAll, type Tlv } from './tlv.js';

/** A PKCS#15 Path: the file, and where the object lies in it when it shares the file. */
export interface FilePath {
  readonly path: Uint8Array;
  /** Offset of the object in the file, when given. */
  readonly index: number | null;
  /** Length of the object, when given. */
  readonly length: number | null;
}

export interface OdfEntries {
  /** A0: private keys. */
  readonly prkdf: Uint8Array | null;
  /** A1: public keys. */
  readonly pukdf: Uint8Array | null;
  /** A4: certificates. */
  readonly cdf: Uint8Array | null;
  /** A8: authentication objects (PINs). */
  readonly aodf: Uint8Array | null;
}

/** A small non-negative INTEGER (lengths, references, offsets); anything larger is refused. */
function smallInteger(tlv: Tlv, what: string): number {
  if (tlv.value.length === 0 || tlv.value.length > 4)
    throw new CardDataError(`${what} is not a small integer`);
  let value = 0;
  for (const byte of tlv.value) value = value * 256 + byte;
  return value;
}

/** Path ::= SEQUENCE { path OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL }. */
function readPath(tlv: Tlv, where: string): FilePath {
  if (tlv.tag !== 0x30) throw new CardDataError(`${where}: a Path is not a SEQUENCE`);
  const parts = children(tlv);
  const path = parts[0];
  if (!path || path.tag !== 0x04 || path.value.length === 0 || path.value.length % 2 !== 0) {
    throw new CardDataError(`${where}: a Path without whole file IDs`);
  }
  const index = parts.find((p) => p.tag === 0x02);
  const length = parts.find((p) => p.tag === 0x80);
  return {
    path: Uint8Array.from(path.value),
    index: index ? smallInteger(index, `${where}: the Path index`) : null,
    length: length ? smallInteger(length, `${where}: the Path length`) : null,
  };
}

/** The Path of an ODF entry: [tag] { Path }, or [tag] { [0] { Path } } (indirect, tagged). */
function odfPath(entry: Tlv): Uint8Array {
  if (!entry.constructed)
    throw new CardDataError(`EF.ODF: entry ${entry.tag.toString(16)} is not constructed`);
  const inner = children(entry)[0];
  if (!inner) throw new CardDataError(`EF.ODF: entry ${entry.tag.toString(16)} is empty`);
  const pathTlv = inner.tag === 0x30 ? inner : inner.constructed ? children(inner)[0] : undefined;
  if (!pathTlv) throw new CardDataError(`EF.ODF: entry ${entry.tag.toString(16)} holds no Path`);
  return readPath(pathTlv, 'EF.ODF').path;
}

export function parseOdf(bytes: Uint8Array): OdfEntries {
  let prkdf: Uint8Array | null = null;
  let pukdf: Uint8Array | null = null;
  let cdf: Uint8Array | null = null;
  let aodf: Uint8Array | null = null;
  for (const entry of readAll(bytes)) {
    // Other directories (trusted certificates A5, data objects A7, ...) are not needed here.
    if (entry.tag === 0xa0) prkdf ??= odfPath(entry);
    if (entry.tag === 0xa1) pukdf ??= odfPath(entry);
    if (entry.tag === 0xa4) cdf ??= odfPath(entry);
    if (entry.tag === 0xa8) aodf ??= odfPath(entry);
  }
  return { prkdf, pukdf, cdf, aodf };
}

interface Pkcs15Object {
  readonly label: string | null;
  /** The classAttributes (CommonCertificateAttributes, CommonKeyAttributes, ...). */
  readonly classAttributes: Tlv;
  /** The typeAttributes' content, i.e. the SEQUENCE inside [1]. */
  readonly typeAttributes: Tlv;
}

function readObject(entry: Tlv, directory: string, index: number): Pkcs15Object {
  const where = `${directory} entry ${index + 1}`;
  if (entry.tag !== 0x30) throw new CardDataError(`${where}: unexpected element ${entry.tag.toString(16)}`);
  const [common, classAttributes] = children(entry);
  const typeTagged = child(entry, 0xa1);
  if (!common || common.tag !== 0x30 || !classAttributes || classAttributes.tag !== 0x30) {
    throw new CardDataError(`${where}: without its common and class attributes`);
  }
  const typeAttributes = typeTagged ? children(typeTagged)[0] : undefined;
  if (!typeAttributes) throw new CardDataError(`${where}: without its type attributes [1]`);
  // CommonObjectAttributes ::= SEQUENCE { label UTF8String OPTIONAL, flags, authId, ... }
  const label = child(common, 0x0c);
  return { label: label ? decodeUtf8(label.value) : null, classAttributes, typeAttributes };
}

export interface CertificateEntry {
  readonly label: string;
  /** The certificate's iD (CommonCertificateAttributes), which its private key shares. */
  readonly id: Uint8Array | null;
  readonly path: Uint8Array;
  /** Where the certificate lies in its file when the Path says so. */
  readonly index: number | null;
  readonly length: number | null;
}

/** The CDF: X.509 certificates (other certificate types are skipped). */
export function parseCdf(bytes: Uint8Array): CertificateEntry[] {
  return readAll(bytes).flatMap((entry, i) => {
    // CertificateType ::= CHOICE { x509Certificate (a SEQUENCE), [0] attribute, [1] SPKI, ... }
    if (entry.tag !== 0x30) return [];
    const object = readObject(entry, 'CDF', i);
    if (object.label === null) throw new CardDataError(`CDF entry ${i + 1}: a certificate without a label`);
    const id = child(object.classAttributes, 0x04);
    // X509CertificateAttributes ::= SEQUENCE { value ObjectValue (here: a Path), subject, ... }
    const value = children(object.typeAttributes)[0];
    if (!value) throw new CardDataError(`CDF entry ${i + 1}: a certificate without its value`);
    const where = readPath(value, `CDF entry ${i + 1}`);
    return [{ label: object.label, id: id ? Uint8Array.from(id.value) : null, ...where }];
  });
}

export interface PrivateKeyEntry {
  readonly label: string | null;
  readonly id: Uint8Array;
  /** The reference MSE SET names the key by (tag 84), when the card gives one. */
  readonly keyReference: number | null;
}

/** The PrKDF: private keys with the iD linking each to its certificate, and its on-card reference. */
export function parsePrkdf(bytes: Uint8Array): PrivateKeyEntry[] {
  return readAll(bytes).flatMap((entry, i) => {
    // PrivateKeyType ::= CHOICE { privateRSAKey (a SEQUENCE), [0] EC, ... }
    if (entry.tag !== 0x30) return [];
    const object = readObject(entry, 'PrKDF', i);
    // CommonKeyAttributes ::= SEQUENCE { iD OCTET STRING, usage BIT STRING, native, accessFlags,
    //   keyReference INTEGER OPTIONAL, ... }
    const parts = children(object.classAttributes);
    const id = parts.find((p) => p.tag === 0x04);
    if (!id) throw new CardDataError(`PrKDF entry ${i + 1}: a key without its iD`);
    const reference = parts.find((p) => p.tag === 0x02);
    return [
      {
        label: object.label,
        id: Uint8Array.from(id.value),
        keyReference: reference ? smallInteger(reference, `PrKDF entry ${i + 1}: the key reference`) : null,
      },
    ];
  });
}

/** How the card wants a PIN presented (PinAttributes), and its reference. */
export interface PinInfo {
  readonly label: string | null;
  readonly reference: number;
  /** PinType: 0 bcd, 1 ascii-numeric, 2 utf8, 3 half-nibble-bcd, 4 iso9564-1. */
  readonly type: number;
  readonly minLength: number;
  readonly storedLength: number;
  readonly maxLength: number | null;
  /** Pad to storedLength with padChar before VERIFY. */
  readonly needsPadding: boolean;
  readonly padChar: number | null;
}

// PinFlags is a BIT STRING: bit n is the (n mod 8)-th most significant bit of byte n / 8 (after
// the unused-bits byte). Bit 5 needs-padding, bit 6 unblockingPin, bit 7 soPin.
function flag(flags: Tlv | undefined, bit: number): boolean {
  const byte = flags?.value[1 + (bit >> 3)];
  return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
}

/** The AODF's PIN objects, in order. */
export function parseAodf(
  bytes: Uint8Array,
): (PinInfo & { readonly unblocking: boolean; readonly so: boolean })[] {
  return readAll(bytes).flatMap((entry, i) => {
    // AuthenticationType ::= CHOICE { pin (a SEQUENCE), [0] biometric, ... }
    if (entry.tag !== 0x30) return [];
    const object = readObject(entry, 'AODF', i);
    const where = `AODF entry ${i + 1}`;
    // PinAttributes ::= SEQUENCE { pinFlags BIT STRING, pinType ENUMERATED, minLength INTEGER,
    //   storedLength INTEGER, maxLength INTEGER OPTIONAL, pinReference [0] DEFAULT 0,
    //   padChar OCTET STRING OPTIONAL, ... }
    const parts = children(object.typeAttributes);
    const flags = parts.find((p) => p.tag === 0x03);
    const type = parts.find((p) => p.tag === 0x0a);
    const integers = parts.filter((p) => p.tag === 0x02);
    const reference = parts.find((p) => p.tag === 0x80);
    const padChar = parts.find((p) => p.tag === 0x04);
    if (!flags || !type || integers.length < 2) {
      throw new CardDataError(`${where}: PIN attributes without flags, type or lengths`);
    }
    return [
      {
        label: object.label,
        reference: reference ? smallInteger(reference, `${where}: the PIN reference`) : 0,
        type: smallInteger(type, `${where}: the PIN type`),
        minLength: smallInteger(integers[0]!, `${where}: the minimum length`),
        storedLength: smallInteger(integers[1]!, `${where}: the stored length`),
        maxLength: integers[2] ? smallInteger(integers[2], `${where}: the maximum length`) : null,
        needsPadding: flag(flags, 5),
        padChar: padChar?.value.length === 1 ? padChar.value[0]! : null,
        unblocking: flag(flags, 6),
        so: flag(flags, 7),
      },
    ];
  });
}

/** The holder's PIN: the first PIN object that is neither an unblocking code nor an SO PIN. */
export function holderPin(bytes: Uint8Array): PinInfo {
  const pin = parseAodf(bytes).find((p) => !p.unblocking && !p.so);
  if (!pin) throw new CardDataError('no PIN for the card holder in the AODF', 'not-found');
  return pin;
}

/** The PIN reference of the holder's PIN. */
export function parsePinReference(bytes: Uint8Array): number {
  return holderPin(bytes).reference;
}

/** One application template of EF.DIR (ISO 7816-4 § 8.2.1.1). */
export interface DirApplication {
  /** 4F: the application identifier. */
  readonly aid: Uint8Array;
  /** 50: its label, when given. */
  readonly label: string | null;
  /** 51: the path of its DF, when given (otherwise it is selected by its AID). */
  readonly path: Uint8Array | null;
}

/**
 * EF.DIR (3F00/2F00): the applications a card lists, each in an application template
 * 61 { 4F AID, 50 label, 51 path, 73 discretionary data }. The file may be transparent (templates
 * one after another, padded) or record-structured (one template per record, given here joined).
 * Other elements between templates are skipped; a template without an AID is malformed.
 */
export function parseEfDir(bytes: Uint8Array): DirApplication[] {
  return readAll(bytes).flatMap((entry, i) => {
    if (entry.tag !== 0x61) return [];
    const where = `EF.DIR template ${i + 1}`;
    if (!entry.constructed) throw new CardDataError(`${where}: an application template is not constructed`);
    const aid = child(entry, 0x4f);
    if (!aid || aid.value.length === 0 || aid.value.length > 16) {
      throw new CardDataError(`${where}: without an application identifier (4F, 1 to 16 bytes)`);
    }
    const label = child(entry, 0x50);
    const path = child(entry, 0x51);
    if (path && (path.value.length === 0 || path.value.length % 2 !== 0)) {
      throw new CardDataError(`${where}: a path (51) without whole file IDs`);
    }
    return [
      {
        aid: Uint8Array.from(aid.value),
        label: label ? decodeUtf8(label.value) : null,
        path: path ? Uint8Array.from(path.value) : null,
      },
    ];
  });
}
