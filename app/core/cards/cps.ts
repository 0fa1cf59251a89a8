/**
 * The CPS3 card (IAS-ECC): its serial, its authentication certificate found through PKCS#15,
 * the PIN tries left read without spending one, VERIFY, and the signature that proves the
 * card's presence to the IdP. Each function is a short sequence of APDUs through `transmit`;
 * the adapter wraps it in one exclusive transaction.
 */
import type { PinCheck } from '../ports/pin-verifier.js';
import {
  CardProtocolError,
  CardStatusError,
  expectOk,
  internalAuthenticate,
  MAX_READ_BINARY,
  mseSetAuthentication,
  readBinary,
  selectAid,
  selectPath,
  transceive,
  verify,
  type Transmit,
} from './apdu.js';
import type { CardProfileId } from './profiles.js';
import { holderPin, parseCdf, parseOdf, parsePrkdf, type FilePath, type PinInfo } from './pkcs15.js';
import { CardDataError, readTlv } from './tlv.js';
import { cpsIdentityFromCertificate, type CpsIdentity } from './x509.js';

const IAS_AID_CONTACT = Uint8Array.from([
  0xe8, 0x28, 0xbd, 0x08, 0x0f, 0x80, 0x25, 0x00, 0x00, 0x01, 0xff, 0x00, 0x10,
]);
const IAS_AID_CONTACTLESS = Uint8Array.from([
  0xe8, 0x28, 0xbd, 0x08, 0x0f, 0x80, 0x25, 0x00, 0x00, 0x01, 0xff, 0x00, 0x20,
]);
/** CPS4: the ChipDoc application, used on logical channel 1 (ANS's CryptoLib CPS driver). */
const CHIPDOC_AID = Uint8Array.from([0x80, 0x25, 0x00, 0x00, 0x01, 0xff, 0x01, 0x00]);
/** The GlobalPlatform issuer domain and the CPS2ter application, selected to recover channel 1. */
const GP_ISD_AID = Uint8Array.from([0xa0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]);
const CPS2TER_AID = Uint8Array.from([0x80, 0x25, 0x00, 0x00, 0x01, 0xff, 0x00, 0x02]);
const CHANNEL_1 = 0x01;
const MF = [0x3f, 0x00];
const EF_SN_ICC = Uint8Array.from([...MF, 0xd0, 0x03]);
const PKCS15_DF = [...MF, 0x00, 0x01];
const EF_ODF = Uint8Array.from([...PKCS15_DF, 0x50, 0x31]);
const AUTH_CERT_LABEL = "Certificat d'Authentification CPS";
/** EF.SN.ICC's issuer prefix: 80 25 00 00 01 (the ANS). */
const SN_ISSUER_BYTES = 5;
/** No CPS file comes near this; a card announcing more is refused rather than read for ever. */
const MAX_FILE = 16_384;
/** Used when the PrKDF gives no key reference: the first private key of IAS-ECC's numbering. */
const DEFAULT_AUTH_KEY_REFERENCE = 0x81;
/** The algorithm reference for RSA PKCS#1 v1.5 over a DigestInfo the host supplies (IAS-ECC). */
const ALGORITHM_RSA_PKCS1_DIGEST_INFO = 0x02;

// DigestInfo prefix for SHA-256 (PKCS#1 v1.5): SEQUENCE { AlgorithmIdentifier sha256 NULL, OCTET STRING(32) }.
const SHA256_DIGEST_INFO = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
]);

export interface CpsCardData {
  /** EF.SN.ICC as digits: the issuer prefix 8025000001, the card number, its check digit. */
  readonly serial: string;
  /** The digits after the issuer prefix (card number and check digit). */
  readonly cardNumber: string;
  /** DER. */
  readonly authCertificate: Uint8Array;
  readonly identity: CpsIdentity;
  readonly pinReference: number;
  /** The PIN's format from the AODF (null when the card has no AODF). */
  readonly pin: PinInfo | null;
  /** The authentication key's reference from the PrKDF (null: the card does not say). */
  readonly authKeyReference: number | null;
}

const CPS4_UNSUPPORTED =
  'CPS4 cards (ChipDoc) are not supported yet: where their certificates lie is not public, and ' +
  'they prove possession by deciphering (PSO DECIPHER), not by INTERNAL AUTHENTICATE; only ' +
  'their serial and PIN tries left can be read';

/**
 * CPS4 (ChipDoc): what the public ANS driver shows, and nothing more. Its APDUs go on logical
 * channel 1 (CLA 01); files are selected by FID (P1 00).
 */
async function selectChipDoc(transmit: Transmit): Promise<void> {
  const first = await transceive(transmit, selectAid(CHIPDOC_AID, CHANNEL_1), 'SELECT ChipDoc application');
  if (first.sw === 0x9000) return;
  // The ANS driver's recovery: the issuer domain on channel 1, CPS2ter on channel 0, ChipDoc again.
  await expectOk(transmit, selectAid(GP_ISD_AID, CHANNEL_1), 'SELECT issuer security domain');
  await expectOk(transmit, selectAid(CPS2TER_AID), 'SELECT CPS2ter application');
  await expectOk(transmit, selectAid(CHIPDOC_AID, CHANNEL_1), 'SELECT ChipDoc application');
}

/**
 * A CPS4's serial (EF.SN.ICC, as on a CPS3): enough to recognise the card as a badge. Its
 * certificates cannot be located from public sources, so its holder's identity cannot be read.
 */
export async function readCps4Serial(transmit: Transmit): Promise<{ serial: string; cardNumber: string }> {
  await selectChipDoc(transmit);
  // 01 A4 00 0C 02 D0 03: SELECT (A4) on channel 1, by FID (P1 00), no answer (P2 0C), EF.SN.ICC.
  await expectOk(
    transmit,
    Uint8Array.from([CHANNEL_1, 0xa4, 0x00, 0x0c, 0x02, 0xd0, 0x03]),
    'SELECT EF.SN.ICC',
  );
  // 01 B0 00 00 E7: READ BINARY on channel 1 from offset 0, up to 231 bytes (6Cxx gives the size).
  const response = await transceive(
    transmit,
    Uint8Array.from([CHANNEL_1, 0xb0, 0x00, 0x00, MAX_READ_BINARY]),
    'READ BINARY EF.SN.ICC',
  );
  if (response.sw !== 0x9000 && response.sw !== 0x6282)
    throw new CardStatusError('READ BINARY EF.SN.ICC', response.sw);
  return serialFrom(response.data);
}

function ensureCps3(profile: CardProfileId): void {
  if (profile === 'cps4') throw new CardProtocolError(CPS4_UNSUPPORTED, 'unsupported');
  if (profile !== 'cps3-contact' && profile !== 'cps3-contactless') {
    throw new CardProtocolError(`not a CPS card (${profile})`, 'unsupported');
  }
}

async function selectIas(transmit: Transmit, profile: CardProfileId): Promise<void> {
  await expectOk(
    transmit,
    selectAid(profile === 'cps3-contactless' ? IAS_AID_CONTACTLESS : IAS_AID_CONTACT),
    'SELECT IAS application',
  );
}

/** PKCS#15 paths not starting at the MF are relative to the PKCS#15 application DF (3F00/0001). */
function fromMf(path: Uint8Array): Uint8Array {
  return path[0] === 0x3f && path[1] === 0x00 ? path : Uint8Array.from([...PKCS15_DF, ...path]);
}

/**
 * Reads an EF in READ BINARY chunks of at most 231 bytes. With `wholeTlv`, the file holds one
 * DER element whose header gives its length (a certificate): reading stops there. Otherwise it
 * stops at the end of the file (6282, 6B00, or a short chunk).
 */
async function readFile(
  transmit: Transmit,
  file: FilePath,
  name: string,
  wholeTlv: boolean,
): Promise<Uint8Array> {
  await expectOk(transmit, selectPath(fromMf(file.path)), `SELECT ${name}`);
  const start = file.index ?? 0;
  let expected = file.length ?? Number.POSITIVE_INFINITY;
  const out = new Uint8Array(MAX_FILE);
  let size = 0;
  while (size < expected) {
    if (size >= MAX_FILE) throw new CardDataError(`${name} is larger than ${MAX_FILE} bytes`, 'too-long');
    const want = Math.min(MAX_READ_BINARY, Number.isFinite(expected) ? expected - size : MAX_READ_BINARY);
    const response = await transceive(transmit, readBinary(start + size, want), `READ BINARY ${name}`);
    // 6B00 (offset beyond the end) or 6282 with nothing: the whole file has been read.
    if (response.sw === 0x6b00 || (response.sw === 0x6282 && response.data.length === 0)) break;
    if (response.sw !== 0x9000 && response.sw !== 0x6282)
      throw new CardStatusError(`READ BINARY ${name}`, response.sw);
    const chunk = response.data.subarray(0, Math.min(response.data.length, MAX_FILE - size));
    out.set(chunk, size);
    size += chunk.length;
    if (wholeTlv && !Number.isFinite(expected) && size >= 2)
      expected = derLength(out.subarray(0, size), name) ?? expected;
    if (response.data.length < want || response.sw === 0x6282) break;
  }
  if (Number.isFinite(expected) && size < expected) {
    throw new CardDataError(`${name} ends after ${size} of its ${expected} bytes`, 'truncated');
  }
  return Uint8Array.from(out.subarray(0, Number.isFinite(expected) ? expected : size));
}

/** The whole length (header included) of the DER element starting `bytes`, once its header is in. */
function derLength(bytes: Uint8Array, name: string): number | null {
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 3) throw new CardDataError(`${name} does not start with a DER length`);
  if (bytes.length < 2 + count) return null;
  let length = 0;
  for (let i = 0; i < count; i += 1) length = length * 256 + bytes[2 + i]!;
  if (2 + count + length > MAX_FILE) throw new CardDataError(`${name} announces ${length} bytes`, 'too-long');
  return 2 + count + length;
}

const BCD = /^[0-9]+F?$/;

function serialFrom(snFile: Uint8Array): { serial: string; cardNumber: string } {
  const { tlv: sn } = readTlv(snFile);
  if (sn.tag !== 0x5a || sn.value.length <= SN_ISSUER_BYTES) {
    throw new CardDataError('EF.SN.ICC does not hold a serial (tag 5A after the issuer prefix)');
  }
  const digits = [...sn.value]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  if (!BCD.test(digits)) throw new CardDataError(`EF.SN.ICC holds non-decimal digits (${digits})`);
  const serial = digits.replace(/F$/, '');
  return { serial, cardNumber: serial.slice(SN_ISSUER_BYTES * 2) };
}

const path = (bytes: Uint8Array): FilePath => ({ path: bytes, index: null, length: null });

/**
 * The serial alone (EF.SN.ICC in the IAS application): 3 APDUs, to tell whether the card in a
 * reader is the one read before. Spends no PIN try.
 */
export async function readCpsSerial(
  transmit: Transmit,
  profile: CardProfileId,
): Promise<{ serial: string; cardNumber: string }> {
  ensureCps3(profile);
  await selectIas(transmit, profile);
  return serialFrom(await readFile(transmit, path(EF_SN_ICC), 'EF.SN.ICC', true));
}

/**
 * Everything the agent needs from a CPS3 at a tap: serial, authentication certificate and the
 * identity in it, the PIN's reference and format, the authentication key's reference. Followed
 * through PKCS#15 from EF.ODF; spends no PIN try.
 */
export async function readCpsCard(transmit: Transmit, profile: CardProfileId): Promise<CpsCardData> {
  ensureCps3(profile);
  await selectIas(transmit, profile);
  // EF.SN.ICC: 5A 0A, issuer 80 25 00 00 01, the card number in BCD, a Luhn digit + F.
  const { serial, cardNumber } = serialFrom(await readFile(transmit, path(EF_SN_ICC), 'EF.SN.ICC', true));
  const odf = parseOdf(await readFile(transmit, path(EF_ODF), 'EF.ODF', false));
  if (!odf.cdf) throw new CardDataError('EF.ODF lists no certificate directory', 'not-found');
  const certificates = parseCdf(await readFile(transmit, path(odf.cdf), 'CDF', false));
  const auth = certificates.find((c) => c.label === AUTH_CERT_LABEL);
  if (!auth) {
    throw new CardDataError(
      `no certificate labelled "${AUTH_CERT_LABEL}" (found: ${certificates.map((c) => `"${c.label}"`).join(', ') || 'none'})`,
      'not-found',
    );
  }
  const authCertificate = await readFile(transmit, auth, 'the authentication certificate', true);
  let authKeyReference: number | null = null;
  if (odf.prkdf && auth.id) {
    const keys = parsePrkdf(await readFile(transmit, path(odf.prkdf), 'PrKDF', false));
    const authId = auth.id;
    const key = keys.find((k) => k.id.length === authId.length && k.id.every((b, i) => b === authId[i]));
    authKeyReference = key?.keyReference ?? null;
  }
  const pin = odf.aodf ? holderPin(await readFile(transmit, path(odf.aodf), 'AODF', false)) : null;
  return {
    serial,
    cardNumber,
    authCertificate,
    identity: cpsIdentityFromCertificate(authCertificate),
    // REFERENCE.md: most likely 01 when the card does not say.
    pinReference: pin?.reference ?? 0x01,
    pin,
    authKeyReference,
  };
}

/**
 * 00 20 00 ref (no data): the tries left, without spending one (63Cx → x, 6983 → 0). `null` when
 * the PIN is already verified (9000: the card does not say). On a CPS4 the same command goes on
 * channel 1 (CLA 01).
 */
export async function readPinTriesLeft(
  transmit: Transmit,
  profile: CardProfileId,
  pinReference: number,
): Promise<number | null> {
  const command = verify(pinReference);
  if (profile === 'cps4') {
    await selectChipDoc(transmit);
    command[0] = CHANNEL_1;
  } else {
    ensureCps3(profile);
    await selectIas(transmit, profile);
  }
  const { sw } = await transceive(transmit, command, 'VERIFY (tries left)');
  if (sw >> 4 === 0x63c) return sw & 0x0f; // 63Cx: x tries left
  if (sw === 0x6983) return 0; // authentication method blocked
  if (sw === 0x9000) return null; // already verified: the card does not say
  throw new CardStatusError('VERIFY (tries left)', sw);
}

/**
 * 00 20 00 ref Lc PIN: exactly one VERIFY; never retried. The PIN is padded as the AODF asks when
 * `format` is given. Every buffer holding the PIN here is zeroed once sent; the caller zeroes its own.
 */
export async function verifyPin(
  transmit: Transmit,
  profile: CardProfileId,
  pinReference: number,
  pin: Uint8Array,
  format: PinInfo | null = null,
): Promise<PinCheck> {
  ensureCps3(profile);
  // An empty VERIFY would only ask for the tries left: never send one as if it were a PIN.
  if (pin.length === 0) throw new CardProtocolError('an empty PIN cannot be verified', 'malformed');
  const padded =
    format?.needsPadding && format.padChar !== null && format.storedLength > pin.length
      ? new Uint8Array(format.storedLength).fill(format.padChar)
      : new Uint8Array(pin.length);
  padded.set(pin);
  let command: Uint8Array | null = null;
  let sw: number;
  try {
    await selectIas(transmit, profile);
    command = verify(pinReference, padded);
    ({ sw } = await transceive(transmit, command, 'VERIFY'));
  } finally {
    padded.fill(0);
    command?.fill(0);
  }
  if (sw === 0x9000) return { ok: true };
  if (sw >> 4 === 0x63c) {
    return (sw & 0x0f) === 0
      ? { ok: false, reason: 'card-blocked' }
      : { ok: false, reason: 'wrong-pin', triesLeft: sw & 0x0f };
  }
  if (sw === 0x6983) return { ok: false, reason: 'card-blocked' };
  return { ok: false, reason: 'card-error' };
}

/**
 * The card's RS256 signature over a SHA-256 digest (CPS3): MSE SET naming the authentication key,
 * then INTERNAL AUTHENTICATE over the DigestInfo; the answer is a PKCS#1 v1.5 signature. Needs a
 * verified PIN (6982 otherwise). CPS4 cards decipher instead: refused as unsupported.
 */
export async function signDigest(
  transmit: Transmit,
  profile: CardProfileId,
  digest: Uint8Array,
  keyReference: number = DEFAULT_AUTH_KEY_REFERENCE,
): Promise<Uint8Array> {
  ensureCps3(profile);
  if (digest.length !== 32) throw new CardDataError(`a SHA-256 digest is 32 bytes, not ${digest.length}`);
  await selectIas(transmit, profile);
  await expectOk(transmit, mseSetAuthentication(ALGORITHM_RSA_PKCS1_DIGEST_INFO, keyReference), 'MSE SET');
  const data = Uint8Array.from([...SHA256_DIGEST_INFO, ...digest]);
  return expectOk(transmit, internalAuthenticate(data), 'INTERNAL AUTHENTICATE');
}
