/**
 * The CPS3 card (IAS-ECC): its serial, its authentication certificate found through PKCS#15,
 * the PIN tries left read without spending one, VERIFY, and the signature that proves the
 * card's presence to the IdP. Each function is a short sequence of APDUs through `transmit`;
 * the adapter wraps it in one exclusive transaction.
 */
import type { PinCheck } from '../ports/pin-verifier.js';
import { CardStatusError, expectOk, readBinary, selectAid, selectPath, transceive } from './apdu.js';
import type { CardProfileId } from './atr.js';
import { parseCdf, parseOdf, parsePinReference } from './pkcs15.js';
import { CardDataError, readTlv } from './tlv.js';
import type { Transmit } from './uid.js';
import { cpsIdentityFromCertificate, type CpsIdentity } from './x509.js';

const IAS_AID_CONTACT = Uint8Array.from([
  0xe8, 0x28, 0xbd, 0x08, 0x0f, 0x80, 0x25, 0x00, 0x00, 0x01, 0xff, 0x00, 0x10,
]);
const IAS_AID_CONTACTLESS = Uint8Array.from([
  0xe8, 0x28, 0xbd, 0x08, 0x0f, 0x80, 0x25, 0x00, 0x00, 0x01, 0xff, 0x00, 0x20,
]);
const MF = [0x3f, 0x00];
const EF_SN_ICC = Uint8Array.from([...MF, 0xd0, 0x03]);
const PKCS15_DF = [...MF, 0x00, 0x01];
const EF_ODF = Uint8Array.from([...PKCS15_DF, 0x50, 0x31]);
const AUTH_CERT_LABEL = "Certificat d'Authentification CPS";
const MAX_READ = 231;

// DigestInfo prefix for SHA-256 (PKCS#1 v1.5): SEQUENCE { AlgorithmIdentifier sha256 NULL, OCTET STRING(32) }.
const SHA256_DIGEST_INFO = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
]);

export interface CpsCardData {
  readonly serial: string;
  readonly authCertificate: Uint8Array;
  readonly identity: CpsIdentity;
  readonly pinReference: number;
}

function ensureCps3(profile: CardProfileId): void {
  if (profile === 'cps4') throw new CardDataError('CPS4 cards (ChipDoc) are not supported yet');
  if (profile !== 'cps3-contact' && profile !== 'cps3-contactless')
    throw new CardDataError(`not a CPS card (${profile})`);
}

async function selectIas(transmit: Transmit, profile: CardProfileId): Promise<void> {
  await expectOk(
    transmit,
    selectAid(profile === 'cps3-contactless' ? IAS_AID_CONTACTLESS : IAS_AID_CONTACT),
    'SELECT IAS application',
  );
}

/** Reads the selected EF: the first chunk tells the DER length when the file holds one element. */
async function readFile(
  transmit: Transmit,
  path: Uint8Array,
  name: string,
  wholeTlv: boolean,
): Promise<Uint8Array> {
  await expectOk(transmit, selectPath(path), `SELECT ${name}`);
  const chunks: number[] = [];
  let expected = Number.POSITIVE_INFINITY;
  while (chunks.length < expected && chunks.length < 16_384) {
    const response = await transceive(transmit, readBinary(chunks.length, MAX_READ), `READ BINARY ${name}`);
    // 6B00 / 6282: offset beyond the end, or end reached early: the file is read.
    if (response.sw === 0x6b00 || (response.sw === 0x6282 && response.data.length === 0)) break;
    if (response.sw !== 0x9000 && response.sw !== 0x6282)
      throw new CardStatusError(`READ BINARY ${name}`, response.sw);
    chunks.push(...response.data);
    if (wholeTlv && expected === Number.POSITIVE_INFINITY && chunks.length >= 4) {
      const header = Uint8Array.from(chunks.slice(0, 6));
      const lengthByte = header[1]!;
      const headerLength = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
      let length = lengthByte < 0x80 ? lengthByte : 0;
      for (let i = 2; i < headerLength; i += 1) length = length * 256 + header[i]!;
      expected = headerLength + length;
    }
    if (response.data.length < MAX_READ || response.sw === 0x6282) break;
  }
  const bytes = Uint8Array.from(chunks);
  return wholeTlv && Number.isFinite(expected) ? bytes.subarray(0, expected) : bytes;
}

export async function readCpsCard(transmit: Transmit, profile: CardProfileId): Promise<CpsCardData> {
  ensureCps3(profile);
  await selectIas(transmit, profile);
  // EF.SN.ICC: 5A 0A, issuer 80 25 00 00 01, the serial, a Luhn digit + F.
  const snFile = await readFile(transmit, EF_SN_ICC, 'EF.SN.ICC', true);
  const { tlv: sn } = readTlv(snFile);
  if (sn.tag !== 0x5a || sn.value.length < 6)
    throw new CardDataError('EF.SN.ICC does not hold a serial (tag 5A)');
  const serial = [...sn.value]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase()
    .replace(/F+$/, '');
  const odf = parseOdf(await readFile(transmit, EF_ODF, 'EF.ODF', false));
  if (!odf.cdf) throw new CardDataError('EF.ODF lists no certificate directory');
  const cdfPath = odf.cdf.length === 2 ? Uint8Array.from([...PKCS15_DF, ...odf.cdf]) : odf.cdf;
  const certificates = parseCdf(await readFile(transmit, cdfPath, 'CDF', false));
  const auth = certificates.find((c) => c.label === AUTH_CERT_LABEL);
  if (!auth)
    throw new CardDataError(
      `no certificate labelled "${AUTH_CERT_LABEL}" (found: ${certificates.map((c) => c.label).join(', ') || 'none'})`,
    );
  const certPath = auth.path.length === 2 ? Uint8Array.from([...PKCS15_DF, ...auth.path]) : auth.path;
  const authCertificate = await readFile(transmit, certPath, 'the authentication certificate', true);
  let pinReference = 0x01;
  if (odf.aodf) {
    const aodfPath = odf.aodf.length === 2 ? Uint8Array.from([...PKCS15_DF, ...odf.aodf]) : odf.aodf;
    pinReference = parsePinReference(await readFile(transmit, aodfPath, 'AODF', false));
  }
  return { serial, authCertificate, identity: cpsIdentityFromCertificate(authCertificate), pinReference };
}

/** 00 20 00 ref (no data): asks for the tries left without spending one. */
export async function readPinTriesLeft(
  transmit: Transmit,
  profile: CardProfileId,
  pinReference: number,
): Promise<number | null> {
  ensureCps3(profile);
  await selectIas(transmit, profile);
  const { sw } = await transceive(
    transmit,
    Uint8Array.from([0x00, 0x20, 0x00, pinReference]),
    'VERIFY (tries left)',
  );
  if (sw >> 4 === 0x63c) return sw & 0x0f; // 63Cx: x tries left
  if (sw === 0x6983) return 0; // authentication method blocked
  if (sw === 0x9000) return null; // already verified: the card does not say
  throw new CardStatusError('VERIFY (tries left)', sw);
}

/** 00 20 00 ref Lc PIN: exactly one VERIFY. The command buffer holding the PIN is zeroed. */
export async function verifyPin(
  transmit: Transmit,
  profile: CardProfileId,
  pinReference: number,
  pin: Uint8Array,
): Promise<PinCheck> {
  ensureCps3(profile);
  await selectIas(transmit, profile);
  const command = new Uint8Array(5 + pin.length);
  command.set([0x00, 0x20, 0x00, pinReference, pin.length]);
  command.set(pin, 5);
  let sw: number;
  try {
    ({ sw } = await transceive(transmit, command, 'VERIFY'));
  } finally {
    command.fill(0);
  }
  if (sw === 0x9000) return { ok: true };
  if (sw >> 4 === 0x63c)
    return (sw & 0x0f) === 0
      ? { ok: false, reason: 'card-blocked' }
      : { ok: false, reason: 'wrong-pin', triesLeft: sw & 0x0f };
  if (sw === 0x6983) return { ok: false, reason: 'card-blocked' };
  return { ok: false, reason: 'card-error' };
}

/** MSE SET then INTERNAL AUTHENTICATE over the SHA-256 DigestInfo: an RS256 signature by the card. */
export async function signDigest(
  transmit: Transmit,
  profile: CardProfileId,
  digest: Uint8Array,
): Promise<Uint8Array> {
  ensureCps3(profile);
  if (digest.length !== 32) throw new CardDataError(`a SHA-256 digest is 32 bytes, not ${digest.length}`);
  await selectIas(transmit, profile);
  // 00 22 41 A4 06: MSE SET for authentication; 80 01 02 = algorithm (RSA PKCS#1 v1.5); 84 01 81 = key reference.
  await expectOk(
    transmit,
    Uint8Array.from([0x00, 0x22, 0x41, 0xa4, 0x06, 0x80, 0x01, 0x02, 0x84, 0x01, 0x81]),
    'MSE SET',
  );
  const data = Uint8Array.from([...SHA256_DIGEST_INFO, ...digest]);
  // 00 88 00 00 Lc data 00: INTERNAL AUTHENTICATE, the whole signature expected.
  return expectOk(
    transmit,
    Uint8Array.from([0x00, 0x88, 0x00, 0x00, data.length, ...data, 0x00]),
    'INTERNAL AUTHENTICATE',
  );
}
