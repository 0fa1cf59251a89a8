/**
 * Just enough of X.509 (DER) for a CPS card: the subject's attributes (with multi-valued RDNs),
 * the validity, and the pieces a chain check needs. Identity on a CPS card comes from the
 * authentication certificate's subject: `SN=<surname+id> + CN=<national ID> + GN=<given name>,
 * title=<profession>, C=FR`.
 */
import { toHex } from '../badge.js';
import { CardDataError, children, readTlv, type Tlv } from './tlv.js';

const OID = {
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  givenName: '2.5.4.42',
  title: '2.5.4.12',
  country: '2.5.4.6',
} as const;

export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

/** A distinguished name as its RDNs, in order; a multi-valued RDN keeps its attributes together. */
export type DistinguishedName = readonly (readonly NameAttribute[])[];

export interface CertificateInfo {
  /** The serial number as upper-case hex, as it appears in the DER (sign byte included). */
  readonly serialNumber: string;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  /** Validity, epoch milliseconds. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** The DER SubjectPublicKeyInfo, whole (node:crypto's createPublicKey takes it as `spki`). */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The DER TBSCertificate, whole: the bytes the issuer signed. */
  readonly tbsCertificate: Uint8Array;
  /** The OID of the issuer's signature algorithm (1.2.840.113549.1.1.11 = sha256WithRSAEncryption). */
  readonly signatureAlgorithm: string;
  /** The signature value (the BIT STRING's bytes, without its unused-bits byte). */
  readonly signature: Uint8Array;
}

/** Arcs above this lose precision in a JavaScript number; no certificate needs them. */
const MAX_ARC = 2 ** 48;

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new CardDataError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  let pending = false;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    pending = (byte & 0x80) !== 0;
    if (value > MAX_ARC) throw new CardDataError('an object identifier arc too large to be real');
    if (!pending) {
      arcs.push(value);
      value = 0;
    }
  }
  if (pending) throw new CardDataError('an object identifier ends in the middle of an arc', 'truncated');
  // The first subidentifier packs two arcs: 40 × first + second, the first being 0, 1 or 2.
  const first = arcs[0]!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Bytes to a string one char code per byte, without spreading a large array into arguments. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** UTF-8 to text without a runtime's TextDecoder (the core has none); bad sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i]!;
    const extra =
      byte < 0x80 ? 0 : byte >= 0xf0 && byte < 0xf8 ? 3 : byte >= 0xe0 ? 2 : byte >= 0xc0 ? 1 : -1;
    if (extra < 0) {
      text += '\ufffd';
      i += 1;
      continue;
    }
    let code = extra === 0 ? byte : byte & (0x3f >> extra);
    let valid = true;
    for (let k = 1; k <= extra; k += 1) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) valid = false;
      else code = code * 64 + (next & 0x3f);
    }
    if (code > 0x10ffff) valid = false;
    text += valid ? String.fromCodePoint(code) : '\ufffd';
    i += valid ? extra + 1 : 1;
  }
  return text;
}

function decodeString(tlv: Tlv): string {
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return decodeUtf8(tlv.value);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // T61String (treated as Latin-1)
      return latin1(tlv.value);
    case 0x1e: {
      // BMPString: UTF-16 big-endian
      let text = '';
      for (let i = 0; i + 1 < tlv.value.length; i += 2)
        text += String.fromCharCode(tlv.value[i]! * 256 + tlv.value[i + 1]!);
      return text;
    }
    default:
      throw new CardDataError(`unexpected string type ${tlv.tag.toString(16)} in a name`);
  }
}

function decodeName(tlv: Tlv): NameAttribute[][] {
  if (tlv.tag !== 0x30) throw new CardDataError('a name is not a SEQUENCE');
  return children(tlv).map((rdn) => {
    if (rdn.tag !== 0x31) throw new CardDataError('an RDN is not a SET');
    return children(rdn).map((attribute) => {
      const [oid, value] = children(attribute);
      if (!oid || oid.tag !== 0x06 || !value) throw new CardDataError('malformed attribute in a name');
      return { oid: decodeOid(oid.value), value: decodeString(value) };
    });
  });
}

function decodeTime(tlv: Tlv): number {
  const text = latin1(tlv.value);
  const match =
    tlv.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tlv.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!match) throw new CardDataError(`unreadable certificate time "${text}"`);
  let year = Number(match[1]);
  if (tlv.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(
    year,
    Number(match[2]) - 1,
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
  );
}

/** Reads the parts of a DER certificate that a card profile and a chain check need. */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const { tlv: certificate, next } = readTlv(der);
  if (certificate.tag !== 0x30) throw new CardDataError('not a DER certificate (no outer SEQUENCE)');
  if (next !== der.length)
    throw new CardDataError(`${der.length - next} stray byte(s) after the certificate`);
  const [tbs, algorithm, signature] = children(certificate);
  if (!tbs || tbs.tag !== 0x30) throw new CardDataError('certificate without its TBSCertificate');
  if (!algorithm || algorithm.tag !== 0x30)
    throw new CardDataError('certificate without its signature algorithm');
  if (!signature || signature.tag !== 0x03 || signature.value.length < 2) {
    throw new CardDataError('certificate without its signature');
  }
  const algorithmOid = children(algorithm)[0];
  if (!algorithmOid || algorithmOid.tag !== 0x06)
    throw new CardDataError('signature algorithm without its OID');
  const fields = children(tbs);
  // An explicit version [0] comes first in v3 certificates.
  const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  const [serial, , issuer, validity, subject, spki] = rest;
  if (!serial || serial.tag !== 0x02 || serial.value.length === 0) {
    throw new CardDataError('certificate without its serial number');
  }
  if (!issuer || !validity || !subject || !spki || validity.tag !== 0x30 || spki.tag !== 0x30) {
    throw new CardDataError('certificate with missing fields (issuer, validity, subject or public key)');
  }
  const [notBefore, notAfter] = children(validity);
  if (!notBefore || !notAfter) throw new CardDataError('certificate without validity');
  return {
    serialNumber: toHex(serial.value),
    subject: decodeName(subject),
    issuer: decodeName(issuer),
    notBefore: decodeTime(notBefore),
    notAfter: decodeTime(notAfter),
    subjectPublicKeyInfo: Uint8Array.from(spki.raw),
    tbsCertificate: Uint8Array.from(tbs.raw),
    signatureAlgorithm: decodeOid(algorithmOid.value),
    // BIT STRING: the first byte counts unused bits (0 for a signature).
    signature: Uint8Array.from(signature.value.subarray(1)),
  };
}

export interface CpsIdentity {
  readonly nationalId: string;
  readonly surname: string;
  readonly givenName: string;
  readonly profession: string | null;
  readonly displayName: string;
}

const capitalise = (text: string): string =>
  text
    .toLowerCase()
    .replace(
      /(^|[\s'-])(\p{L})/gu,
      (_whole, before: string, letter: string) => before + letter.toUpperCase(),
    );

/** Identity from a CPS authentication certificate's subject; an error names what is missing. */
export function cpsIdentityFromCertificate(der: Uint8Array): CpsIdentity {
  const { subject } = parseCertificate(der);
  const all = subject.flat();
  const get = (oid: string): string | null => all.find((a) => a.oid === oid)?.value ?? null;
  const nationalId = get(OID.commonName);
  if (!nationalId || !/^[0-9][0-9A-Za-z/]{1,40}$/.test(nationalId)) {
    throw new CardDataError(`the certificate's CN is not a national ID (${nationalId ?? 'none'})`);
  }
  // SN holds the surname followed by an identifier suffix (digits): keep the name.
  const surname = (get(OID.surname) ?? '').replace(/\d+$/, '');
  const givenName = get(OID.givenName) ?? '';
  if (!surname) throw new CardDataError('the certificate has no surname');
  return {
    nationalId,
    surname: capitalise(surname),
    givenName: capitalise(givenName),
    profession: get(OID.title),
    displayName: `${capitalise(givenName)} ${capitalise(surname)}`.trim(),
  };
}
