/**
 * The CPS cards: their serial, the authentication certificate found through PKCS#15, the PIN
 * tries left read without spending one, VERIFY, and the signature that proves the card's presence
 * to the IdP. Each function is a short sequence of APDUs through `transmit`; the adapter wraps it
 * in one exclusive transaction.
 *
 * CPS3 (IAS-ECC): the IAS application, PKCS#15 in its DF 3F00/0001, MSE SET + INTERNAL
 * AUTHENTICATE. CPS4 (NXP ChipDoc), as ANS's public CryptoLib CPS driver drives it
 * (ansforge/dops-cryptolib, _sources/_old/Sources_PKCS11_Cryptolib_CPS_v5.2/pkcs11/opensc/src/
 * libopensc: card-cps4.c, pkcs15.c, dir.c, pkcs15-sec.c):
 * - every APDU on logical channel 1 (CLA 01), after SELECT of the ChipDoc application there;
 * - the PKCS#15 application is found the generic way: EF.DIR (3F00/2F00) lists it under the same
 *   AID as the CPS3's IAS application (E8 28 BD 08 0F 80 25 00 00 01 FF 00 10), with its path;
 *   then EF.ODF (5031) in it, the CDF, PrKDF and AODF it points to. No file ID of a certificate
 *   is known or needed: the card's own directories say where everything is;
 * - files are selected as that driver does: the MF dropped from the path, a lone FID by P1 00,
 *   a deeper file by its last FID relative to the current DF (P1 09), and on 6A82 the first DF
 *   then the rest;
 * - the authentication key cannot INTERNAL AUTHENTICATE: the host pads the SHA-256 DigestInfo
 *   itself (PKCS#1 v1.5 type 1, to the 256 bytes of the RSA-2048 modulus) and the card applies
 *   the raw private-key operation to it by PSO DECIPHER after MSE SET 41 B8 { 83 01 20 }: the
 *   result is the RS256 signature. 256 bytes do not fit a short APDU: command chaining.
 * What the driver does not show, and is therefore read from the card, never assumed: where the
 * PKCS#15 DF lies (EF.DIR's path), the file IDs in it, the PIN reference and format (AODF). Not
 * tested against a real CPS4 (no public transcript of one exists): a record-structured EF.DIR is
 * recognised by ISO's 6981 to READ BINARY, and an EF.DIR entry without a path is refused.
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
import {
  holderPin,
  parseCdf,
  parseEfDir,
  parseOdf,
  parsePrkdf,
  type FilePath,
  type PinInfo,
} from './pkcs15.js';
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
const AUTH_CERT_LABEL = "Certificat d'Authentification CPS";
/** EF.DIR, where a CPS4 lists its PKCS#15 application (the driver's sc_enum_apps, dir.c). */
const EF_DIR = Uint8Array.from([...MF, 0x2f, 0x00]);
/**
 * The PKCS#15 application's AID on a CPS4: the CPS3's contact IAS AID, which the driver's
 * cps4_get_aid_pkcs15 returns for the EF.DIR look-up.
 */
const CPS4_PKCS15_AID = IAS_AID_CONTACT;
/**
 * The CPS4 authentication key's reference: card-cps4.c's MSE SET always names key 20
 * (CPS4_AUTH_PRIV_KEY_ID in internal.h), whatever the PrKDF says; pkcs15-sec.c recognises the
 * authentication key by that reference.
 */
const CPS4_AUTH_KEY_REFERENCE = 0x20;
/** The driver declares RSA-2048 only for a CPS4 (cps4_init): the padded block is 256 bytes. */
const CPS4_MODULUS_BYTES = 256;
/** Records of a record-structured EF.DIR read at most: a card lists a handful of applications. */
const MAX_DIR_RECORDS = 32;
/** EF.SN.ICC's issuer prefix: 80 25 00 00 01 (the ANS). */
const SN_ISSUER_BYTES = 5;
/** A CPS serial is 10 bytes (20 digits); anything past 16 is no CPS serial. */
const MAX_SERIAL_BYTES = 16;
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

/**
 * CPS4 (ChipDoc): SELECT of the ChipDoc application on logical channel 1, before anything else
 * on that channel (the driver's cps4_match_card and its recovery, _do_reselect_cps4_aid).
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
 * A CPS4's serial (EF.SN.ICC, as on a CPS3): enough to recognise the card as a badge, and to
 * tell whether the card in a reader is the one read before. Spends no PIN try.
 */
export async function readCps4Serial(transmit: Transmit): Promise<{ serial: string; cardNumber: string }> {
  await selectChipDoc(transmit);
  return serialFrom(await readCps4SerialFile(transmit));
}

/** EF.SN.ICC on a CPS4, ChipDoc being selected on channel 1. */
async function readCps4SerialFile(transmit: Transmit): Promise<Uint8Array> {
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
  return response.data;
}

/** SELECT of one FID on channel 1: 01 A4 P1 0C 02 FID (P1 00 by FID, 09 by path from the current DF). */
const cps4SelectCommand = (p1: 0x00 | 0x09, fids: Uint8Array): Uint8Array =>
  Uint8Array.from([CHANNEL_1, 0xa4, p1, 0x0c, fids.length, ...fids]);

/**
 * Selects a file by its absolute path on a CPS4 as ANS's driver does (cps4_select_file): the MF
 * is dropped; a lone FID is selected by FID (P1 00); a deeper file by its last FID relative to
 * the current DF (P1 09), and when that is not found (6A82: the current DF is another one), the
 * first DF by FID, then the rest of the path from it (P1 09).
 */
async function selectCps4Path(transmit: Transmit, path: Uint8Array, name: string): Promise<void> {
  if (path.length < 4 || path.length % 2 !== 0 || path[0] !== 0x3f || path[1] !== 0x00) {
    throw new CardDataError(`the path of ${name} does not start at the MF 3F00 with whole file IDs`);
  }
  const rest = path.subarray(2);
  if (rest.length === 2) {
    await expectOk(transmit, cps4SelectCommand(0x00, rest), `SELECT ${name}`);
    return;
  }
  const last = await transceive(transmit, cps4SelectCommand(0x09, rest.subarray(-2)), `SELECT ${name}`);
  if (last.sw === 0x9000) return;
  if (last.sw !== 0x6a82) throw new CardStatusError(`SELECT ${name}`, last.sw);
  await expectOk(transmit, cps4SelectCommand(0x00, rest.subarray(0, 2)), `SELECT the DF of ${name}`);
  await expectOk(transmit, cps4SelectCommand(0x09, rest.subarray(2)), `SELECT ${name}`);
}

/** How files are reached: the CPS3's IAS application on channel 0, or ChipDoc on channel 1. */
interface FileAccess {
  readonly cla: number;
  select(transmit: Transmit, path: Uint8Array, name: string): Promise<void>;
}

const CPS3_FILES: FileAccess = {
  cla: 0x00,
  select: async (transmit, path, name) => {
    await expectOk(transmit, selectPath(path), `SELECT ${name}`);
  },
};
const CPS4_FILES: FileAccess = { cla: CHANNEL_1, select: selectCps4Path };

function ensureCps(profile: CardProfileId): void {
  if (profile !== 'cps3-contact' && profile !== 'cps3-contactless' && profile !== 'cps4') {
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

/**
 * PKCS#15 paths not starting at the MF are relative to the PKCS#15 application's DF (3F00/0001
 * on a CPS3; on a CPS4, the path EF.DIR gives), as sc_pkcs15_make_absolute_path makes them.
 */
function fromMf(path: Uint8Array, applicationDf: Uint8Array = Uint8Array.from(PKCS15_DF)): Uint8Array {
  return path[0] === 0x3f && path[1] === 0x00 ? path : Uint8Array.from([...applicationDf, ...path]);
}

/**
 * Reads an EF in READ BINARY chunks of at most 231 bytes. With `wholeTlv`, the file holds one
 * DER element whose header gives its length (a certificate): reading stops there. Otherwise it
 * stops at the end of the file (6282, 6B00, or a short chunk). `file.path` must be absolute
 * (from the MF); `access` says on which channel and how it is selected.
 */
async function readFile(
  transmit: Transmit,
  file: FilePath,
  name: string,
  wholeTlv: boolean,
  access: FileAccess = CPS3_FILES,
): Promise<Uint8Array> {
  await access.select(transmit, file.path, name);
  const start = file.index ?? 0;
  let expected = file.length ?? Number.POSITIVE_INFINITY;
  const out = new Uint8Array(MAX_FILE);
  let size = 0;
  while (size < expected) {
    if (size >= MAX_FILE) throw new CardDataError(`${name} is larger than ${MAX_FILE} bytes`, 'too-long');
    const want = Math.min(MAX_READ_BINARY, Number.isFinite(expected) ? expected - size : MAX_READ_BINARY);
    // CLA B0 offHi offLo Le: READ BINARY on the profile's channel (CLA 00, or 01 on a CPS4).
    const command = readBinary(start + size, want);
    command[0] = access.cla;
    const response = await transceive(transmit, command, `READ BINARY ${name}`);
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
  // The serial is the card's badge ID, which the agent takes up to 64 characters.
  if (sn.value.length > MAX_SERIAL_BYTES) {
    throw new CardDataError(
      `EF.SN.ICC holds a serial of ${sn.value.length} bytes; a CPS serial is 10 (at most ${MAX_SERIAL_BYTES} taken)`,
      'too-long',
    );
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
 * The serial alone (EF.SN.ICC): 3 APDUs on a CPS3 (in the IAS application), 3 or 4 on a CPS4
 * (after ChipDoc on channel 1), to tell whether the card in a reader is the one read before.
 * Spends no PIN try.
 */
export async function readCpsSerial(
  transmit: Transmit,
  profile: CardProfileId,
): Promise<{ serial: string; cardNumber: string }> {
  ensureCps(profile);
  if (profile === 'cps4') return readCps4Serial(transmit);
  await selectIas(transmit, profile);
  return serialFrom(await readFile(transmit, path(EF_SN_ICC), 'EF.SN.ICC', true));
}

/** Where a card's PKCS#15 structure lies, and how its files are reached. */
interface Pkcs15Location {
  readonly access: FileAccess;
  /** The PKCS#15 application's DF, from the MF. */
  readonly applicationDf: Uint8Array;
}

/**
 * Everything the agent needs from a CPS card at a tap: serial, authentication certificate and
 * the identity in it, the PIN's reference and format, the authentication key's reference.
 * Followed through PKCS#15 from EF.ODF (on a CPS4, found through EF.DIR first); spends no PIN try.
 */
export async function readCpsCard(transmit: Transmit, profile: CardProfileId): Promise<CpsCardData> {
  ensureCps(profile);
  if (profile === 'cps4') {
    await selectChipDoc(transmit);
    const sn = serialFrom(await readCps4SerialFile(transmit));
    const applicationDf = await findCps4Pkcs15Application(transmit);
    return readPkcs15(transmit, sn, { access: CPS4_FILES, applicationDf });
  }
  await selectIas(transmit, profile);
  // EF.SN.ICC: 5A 0A, issuer 80 25 00 00 01, the card number in BCD, a Luhn digit + F.
  const sn = serialFrom(await readFile(transmit, path(EF_SN_ICC), 'EF.SN.ICC', true));
  return readPkcs15(transmit, sn, { access: CPS3_FILES, applicationDf: Uint8Array.from(PKCS15_DF) });
}

/**
 * EF.DIR on a CPS4 (channel 1), then the DF of the application listed under the PKCS#15 AID.
 * EF.DIR may be transparent or made of records (the driver reads either, dir.c): READ BINARY
 * first; a record file refuses it (6981, command incompatible with the file structure) and is
 * read record by record instead.
 */
async function findCps4Pkcs15Application(transmit: Transmit): Promise<Uint8Array> {
  let dir: Uint8Array;
  try {
    dir = await readFile(transmit, path(EF_DIR), 'EF.DIR', false, CPS4_FILES);
  } catch (error) {
    if (!(error instanceof CardStatusError) || error.sw !== 0x6981) throw error;
    dir = await readRecords(transmit, 'EF.DIR');
  }
  const applications = parseEfDir(dir);
  const pkcs15 = applications.find(
    (app) => app.aid.length === CPS4_PKCS15_AID.length && app.aid.every((b, i) => b === CPS4_PKCS15_AID[i]),
  );
  if (!pkcs15) {
    throw new CardDataError(
      `EF.DIR lists no PKCS#15 application E828BD080F8025000001FF0010 (found: ${
        applications.map((app) => hexOf(app.aid)).join(', ') || 'none'
      })`,
      'not-found',
    );
  }
  if (!pkcs15.path) {
    // The driver would then select the application by its AID; no public source shows a CPS4
    // doing so, so this is refused rather than guessed at.
    throw new CardProtocolError(
      'EF.DIR lists the PKCS#15 application without a path (51): selecting it by name is not supported',
      'unsupported',
    );
  }
  return fromMf(pkcs15.path, Uint8Array.from(MF));
}

const hexOf = (bytes: Uint8Array): string =>
  [...bytes]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();

/** The records of the selected record EF (channel 1), joined: 6A83 after the last one. */
async function readRecords(transmit: Transmit, name: string): Promise<Uint8Array> {
  await selectCps4Path(transmit, EF_DIR, name);
  const records: number[] = [];
  for (let record = 1; record <= MAX_DIR_RECORDS; record += 1) {
    // 01 B2 nn 04 00: READ RECORD (B2) on channel 1, record number nn (P2 04: P1 is a record
    // number, in the current EF), Le 00 = the whole record.
    const response = await transceive(
      transmit,
      Uint8Array.from([CHANNEL_1, 0xb2, record, 0x04, 0x00]),
      `READ RECORD ${name}`,
    );
    if (response.sw === 0x6a83) return Uint8Array.from(records);
    if (response.sw !== 0x9000) throw new CardStatusError(`READ RECORD ${name}`, response.sw);
    records.push(...response.data);
  }
  throw new CardDataError(`${name} has more than ${MAX_DIR_RECORDS} records`, 'too-long');
}

/** EF.ODF, the CDF, the authentication certificate, the PrKDF and the AODF of one PKCS#15 DF. */
async function readPkcs15(
  transmit: Transmit,
  { serial, cardNumber }: { serial: string; cardNumber: string },
  { access, applicationDf }: Pkcs15Location,
): Promise<CpsCardData> {
  const at = (relative: Uint8Array): FilePath => path(fromMf(relative, applicationDf));
  const odf = parseOdf(await readFile(transmit, at(Uint8Array.from([0x50, 0x31])), 'EF.ODF', false, access));
  if (!odf.cdf) throw new CardDataError('EF.ODF lists no certificate directory', 'not-found');
  const certificates = parseCdf(await readFile(transmit, at(odf.cdf), 'CDF', false, access));
  const auth = certificates.find((c) => c.label === AUTH_CERT_LABEL);
  if (!auth) {
    throw new CardDataError(
      `no certificate labelled "${AUTH_CERT_LABEL}" (found: ${certificates.map((c) => `"${c.label}"`).join(', ') || 'none'})`,
      'not-found',
    );
  }
  const authCertificate = await readFile(
    transmit,
    { ...auth, path: fromMf(auth.path, applicationDf) },
    'the authentication certificate',
    true,
    access,
  );
  let authKeyReference: number | null = null;
  if (odf.prkdf && auth.id) {
    const keys = parsePrkdf(await readFile(transmit, at(odf.prkdf), 'PrKDF', false, access));
    const authId = auth.id;
    const key = keys.find((k) => k.id.length === authId.length && k.id.every((b, i) => b === authId[i]));
    authKeyReference = key?.keyReference ?? null;
  }
  const pin = odf.aodf ? holderPin(await readFile(transmit, at(odf.aodf), 'AODF', false, access)) : null;
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
 * channel 1 (CLA 01), as the driver's cps4_get_pin_counter sends it.
 */
export async function readPinTriesLeft(
  transmit: Transmit,
  profile: CardProfileId,
  pinReference: number,
): Promise<number | null> {
  ensureCps(profile);
  const command = verify(pinReference);
  if (profile === 'cps4') {
    await selectChipDoc(transmit);
    command[0] = CHANNEL_1;
  } else {
    await selectIas(transmit, profile);
  }
  const { sw } = await transceive(transmit, command, 'VERIFY (tries left)');
  if (sw >> 4 === 0x63c) return sw & 0x0f; // 63Cx: x tries left
  if (sw === 0x6983) return 0; // authentication method blocked
  if (sw === 0x9000) return null; // already verified: the card does not say
  throw new CardStatusError('VERIFY (tries left)', sw);
}

/**
 * CLA 20 00 ref Lc PIN: exactly one VERIFY; never retried (CLA 00, or 01 on a CPS4 after
 * ChipDoc, as the driver's cps4_pin_cmd). The PIN is padded as the AODF asks when `format` is
 * given. Every buffer holding the PIN here is zeroed once sent; the caller zeroes its own.
 */
export async function verifyPin(
  transmit: Transmit,
  profile: CardProfileId,
  pinReference: number,
  pin: Uint8Array,
  format: PinInfo | null = null,
): Promise<PinCheck> {
  ensureCps(profile);
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
    if (profile === 'cps4') await selectChipDoc(transmit);
    else await selectIas(transmit, profile);
    command = verify(pinReference, padded);
    if (profile === 'cps4') command[0] = CHANNEL_1;
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
 * The card's RS256 signature over a SHA-256 digest by the authentication key; needs a verified
 * PIN (6982 otherwise).
 * - CPS3: MSE SET naming the key, then INTERNAL AUTHENTICATE over the DigestInfo; the answer is
 *   a PKCS#1 v1.5 signature.
 * - CPS4: the DigestInfo padded by the host (PKCS#1 v1.5 type 1, 256 bytes), then the card's raw
 *   private-key operation on it by PSO DECIPHER (see signCps4).
 * `keyReference` defaults to the profile's authentication key (CPS3 81, CPS4 20).
 */
export async function signDigest(
  transmit: Transmit,
  profile: CardProfileId,
  digest: Uint8Array,
  keyReference?: number,
): Promise<Uint8Array> {
  ensureCps(profile);
  if (digest.length !== 32) throw new CardDataError(`a SHA-256 digest is 32 bytes, not ${digest.length}`);
  const digestInfo = Uint8Array.from([...SHA256_DIGEST_INFO, ...digest]);
  if (profile === 'cps4') return signCps4(transmit, digestInfo, keyReference ?? CPS4_AUTH_KEY_REFERENCE);
  await selectIas(transmit, profile);
  await expectOk(
    transmit,
    mseSetAuthentication(ALGORITHM_RSA_PKCS1_DIGEST_INFO, keyReference ?? DEFAULT_AUTH_KEY_REFERENCE),
    'MSE SET',
  );
  return expectOk(transmit, internalAuthenticate(digestInfo), 'INTERNAL AUTHENTICATE');
}

/**
 * EMSA-PKCS1-v1_5 (RFC 8017 § 9.2) for a modulus of `length` bytes:
 * 00 01 FF…FF 00 || DigestInfo, at least 8 FF bytes. Raised to the private exponent, this block
 * is the PKCS#1 v1.5 signature.
 */
export function pkcs1Type1Block(digestInfo: Uint8Array, length: number): Uint8Array {
  if (digestInfo.length + 11 > length) {
    throw new CardDataError(
      `a DigestInfo of ${digestInfo.length} bytes does not fit a ${length}-byte PKCS#1 block`,
      'malformed',
    );
  }
  const block = new Uint8Array(length).fill(0xff);
  block[0] = 0x00;
  block[1] = 0x01;
  block[length - digestInfo.length - 1] = 0x00;
  block.set(digestInfo, length - digestInfo.length);
  return block;
}

/**
 * CPS4 signature, as ANS's driver makes it with the authentication key (pkcs15-sec.c forces the
 * PKCS#1 padding on the host for key 20; card-cps4.c's internal_authenticate is a PSO DECIPHER
 * that keeps the card's answer unstripped):
 * 1. SELECT ChipDoc on channel 1;
 * 2. 01 22 41 B8 03 83 01 key: MSE SET (22) for computation/decipherment (P1 41), the
 *    confidentiality template (P2 B8), private key reference (tag 83, 1 byte);
 * 3. PSO DECIPHER (2A 80 86: answer the plain value, the data is the cryptogram) over the 256-byte
 *    padded block, with no padding-indicator byte before it (the driver sends the block alone):
 *    by command chaining, 11 2A 80 86 FF <bytes 0..254> (CLA bit 10 = more follows), then
 *    01 2A 80 86 01 <byte 255> 00 (Le 00: the whole answer). The answer, 256 bytes, is the
 *    signature.
 */
async function signCps4(
  transmit: Transmit,
  digestInfo: Uint8Array,
  keyReference: number,
): Promise<Uint8Array> {
  await selectChipDoc(transmit);
  await expectOk(
    transmit,
    Uint8Array.from([CHANNEL_1, 0x22, 0x41, 0xb8, 0x03, 0x83, 0x01, keyReference & 0xff]),
    'MSE SET',
  );
  const block = pkcs1Type1Block(digestInfo, CPS4_MODULUS_BYTES);
  const first = block.subarray(0, 255);
  const last = block.subarray(255);
  const chained = Uint8Array.from([CHANNEL_1 | 0x10, 0x2a, 0x80, 0x86, first.length, ...first]);
  const final = Uint8Array.from([CHANNEL_1, 0x2a, 0x80, 0x86, last.length, ...last, 0x00]);
  try {
    await expectOk(transmit, chained, 'PSO DECIPHER (chained)');
    const signature = await expectOk(transmit, final, 'PSO DECIPHER');
    if (signature.length !== CPS4_MODULUS_BYTES) {
      throw new CardDataError(
        `PSO DECIPHER answered ${signature.length} bytes, not the ${CPS4_MODULUS_BYTES} of a signature`,
      );
    }
    return signature;
  } finally {
    block.fill(0);
    chained.fill(0);
    final.fill(0);
  }
}
