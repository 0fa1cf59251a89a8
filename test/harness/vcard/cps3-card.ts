/**
 * A virtual CPS3 card (IAS-ECC), answering APDUs as the real card does as far as public sources
 * tell (REFERENCE.md): the real ATRs, the IAS application with a PKCS#15 structure (EF.ODF, a
 * CDF with the three certificate labels, a PrKDF, an AODF with the PIN and its unblocking code),
 * EF.SN.ICC, a PIN with a 3-try counter and a PUK, MSE SET + INTERNAL AUTHENTICATE with a real
 * RSA-2048 key, and T=0 or T=1 transport behaviour. Never packaged.
 *
 * T=0 as the real card shows it: a case-2 command (READ BINARY) whose Le is larger than what is
 * left answers `6Cxx` (ask again with Le = xx); a case-4 command (INTERNAL AUTHENTICATE, GET DATA,
 * SELECT with FCP) answers `61xx` and waits for GET RESPONSE. T=1 returns the data at once, with
 * `6282` when a READ BINARY reaches the end of the file early.
 */
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { issueCardCertificate, type CardHolder, type CardPki } from '../pki.js';
import { PinCounters, ResponseBuffer, splitApdu, SW } from './card-os.js';
import type { VirtualCard } from './vpcd.js';

const ATR_CONTACT = [
  0x3b, 0xac, 0x00, 0x40, 0x2a, 0x00, 0x12, 0x25, 0x00, 0x64, 0x80, 0x00, 0x03, 0x10, 0x00, 0x90, 0x00,
];
const ATR_CONTACTLESS = [
  0x3b, 0x8f, 0x80, 0x01, 0x00, 0x31, 0xb8, 0x64, 0x04, 0xb0, 0xec, 0xc1, 0x73, 0x94, 0x01, 0x80, 0x82, 0x90,
  0x00, 0x0e,
];
const AID_CONTACT = 'E828BD080F8025000001FF0010';
const AID_CONTACTLESS = 'E828BD080F8025000001FF0020';

/** The PIN's reference, its unblocking code's, and the authentication key's (IAS-ECC numbering). */
const PIN_REFERENCE = 0x01;
const PUK_REFERENCE = 0x02;
const KEY_AUTH = 0x81;
const KEY_SIGN = 0x82;
const KEY_TECH = 0x83;
const ALGORITHM_RSA_PKCS1 = 0x02;
const MAX_READ = 231;
/** INTERNAL AUTHENTICATE data is at most 40 % of the key size (2048 bits → 102 bytes). */
const MAX_AUTH_DATA = 102;

export const hexOf = (bytes: Iterable<number>): string =>
  Buffer.from([...bytes])
    .toString('hex')
    .toUpperCase();
export const bytesOf = (hex: string): number[] => [...Buffer.from(hex, 'hex')];

/** DER TLV builder for the card's files (lengths up to 65535). */
export function tlv(tag: number, ...values: (number[] | Uint8Array)[]): number[] {
  const value = values.flatMap((v) => [...v]);
  const length =
    value.length < 0x80
      ? [value.length]
      : value.length < 0x100
        ? [0x81, value.length]
        : [0x82, value.length >> 8, value.length & 0xff];
  const tagBytes: number[] = [];
  for (let rest = tag; rest > 0 || tagBytes.length === 0; rest = Math.floor(rest / 256))
    tagBytes.unshift(rest & 0xff);
  return [...tagBytes, ...length, ...value];
}
export const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];
/** A small non-negative DER INTEGER (a leading 00 keeps 80..FF positive). */
export const integer = (value: number): number[] => tlv(0x02, value >= 0x80 ? [0x00, value] : [value]);

export interface VirtualCps3Options {
  readonly holder: CardHolder;
  readonly pki: CardPki;
  /** The card number's 8 decimal digits (EF.SN.ICC after the issuer prefix). */
  readonly serial?: string;
  /** The same, under its first name. */
  readonly serialDigits?: string;
  /** 4 digits. */
  readonly pin?: string;
  /** 8 digits. */
  readonly puk?: string;
  readonly protocol?: 'T=0' | 'T=1';
  /** Presented on a contactless reader: the contactless ATR and IAS application. */
  readonly contactless?: boolean;
  /**
   * The card keeps the PIN padded to `storedLength` bytes with `padChar` (its AODF says so: the
   * needs-padding flag, the stored length, the pad character), and VERIFY must carry it padded.
   */
  readonly pinPadding?: { readonly storedLength: number; readonly padChar: number };
}

export class VirtualCps3Card implements VirtualCard {
  readonly atr: Uint8Array;
  readonly protocol: 'T=0' | 'T=1';
  /** The authentication certificate (DER). */
  readonly certificate: Uint8Array;
  /** Counters a test may read (and set, to start from a blocked card). */
  get pinTriesLeft(): number {
    return this.counters.pinTriesLeft;
  }
  set pinTriesLeft(tries: number) {
    this.counters.pinTriesLeft = tries;
  }
  get pukTriesLeft(): number {
    return this.counters.pukTriesLeft;
  }
  set pukTriesLeft(tries: number) {
    this.counters.pukTriesLeft = tries;
  }
  /** Commands answered since creation (GET RESPONSE included). */
  apduCount = 0;
  private readonly counters: PinCounters;
  private readonly responses: ResponseBuffer;
  private selected: string | null = null;
  private applicationSelected = false;
  private securityEnvironmentKey: number | null = null;
  private readonly files = new Map<string, number[]>();
  private readonly aid: string;
  private readonly contactless: boolean;

  private constructor(
    options: VirtualCps3Options,
    certificate: Uint8Array,
    private readonly key: KeyObject,
    otherCertificates: readonly Uint8Array[],
  ) {
    this.protocol = options.protocol ?? 'T=0';
    this.contactless = options.contactless ?? false;
    this.atr = Uint8Array.from(this.contactless ? ATR_CONTACTLESS : ATR_CONTACT);
    this.aid = this.contactless ? AID_CONTACTLESS : AID_CONTACT;
    const pin = utf8(options.pin ?? '1234');
    const padding = options.pinPadding;
    this.counters = new PinCounters(
      padding
        ? [...pin, ...new Array<number>(Math.max(0, padding.storedLength - pin.length)).fill(padding.padChar)]
        : pin,
      utf8(options.puk ?? '12345678'),
    );
    this.responses = new ResponseBuffer(this.protocol);
    this.certificate = certificate;
    const serial = (options.serial ?? options.serialDigits ?? '12345678').padStart(8, '0').slice(-8);
    if (!/^\d{8}$/.test(serial)) throw new Error(`a CPS card number is 8 digits, not "${serial}"`);
    // EF.SN.ICC: 5A 0A = issuer 80 25 00 00 01, the card number in BCD, then a check digit + F.
    // The check digit is a fixed 7: which digits the real Luhn digit covers is not public.
    this.files.set('3F00D003', tlv(0x5a, [0x80, 0x25, 0x00, 0x00, 0x01], bytesOf(serial), [0x7f]));
    // EF.ODF: A0 = the PrKDF at 5035, A4 = the CDF at 5033, A8 = the AODF at 5034 (paths relative
    // to the PKCS#15 DF 3F00/0001, as PKCS#15 allows).
    this.files.set('3F0000015031', [
      ...tlv(0xa0, tlv(0x30, tlv(0x04, [0x50, 0x35]))),
      ...tlv(0xa4, tlv(0x30, tlv(0x04, [0x50, 0x33]))),
      ...tlv(0xa8, tlv(0x30, tlv(0x04, [0x50, 0x34]))),
    ]);
    const labels = [
      "Certificat d'Authentification CPS",
      'Certificat de Signature CPS',
      'Certificat Technique CPS',
    ];
    const certFiles = ['C001', 'C002', 'C003'];
    // CDF: per certificate, CommonObjectAttributes (label), CommonCertificateAttributes (iD), then
    // [1] X509CertificateAttributes holding the file's Path.
    this.files.set(
      '3F0000015033',
      labels.flatMap((label, i) =>
        tlv(
          0x30,
          tlv(0x30, tlv(0x0c, utf8(label))),
          tlv(0x30, tlv(0x04, [i + 1])),
          tlv(0xa1, tlv(0x30, tlv(0x30, tlv(0x04, bytesOf(certFiles[i]!))))),
        ),
      ),
    );
    // PrKDF: per key, its label, CommonKeyAttributes (iD shared with its certificate, usage
    // flags, keyReference), then [1] the RSA key's attributes (its modulus length).
    this.files.set(
      '3F0000015035',
      ['CPS_PRIV_AUT', 'CPS_PRIV_SIG', 'CPS_PRIV_TECH_AUT'].flatMap((label, i) =>
        tlv(
          0x30,
          tlv(0x30, tlv(0x0c, utf8(label))),
          tlv(0x30, tlv(0x04, [i + 1]), tlv(0x03, [0x06, 0x40]), integer([KEY_AUTH, KEY_SIGN, KEY_TECH][i]!)),
          tlv(0xa1, tlv(0x30, tlv(0x30, tlv(0x04, [0x3f, 0x00, 0x00, 0x01])), tlv(0x02, [0x08, 0x00]))),
        ),
      ),
    );
    // AODF: the holder's PIN, then its unblocking code. PinAttributes: flags (BIT STRING: local,
    // initialized; the PUK adds unblockingPin; a padded PIN adds needsPadding), type
    // ascii-numeric (0A 01 01), min, stored and max lengths, the reference [0], the pad character.
    const pinObject = (
      label: string,
      flags: number[],
      lengths: { min: number; stored: number },
      reference: number,
      padChar?: number,
    ): number[] =>
      tlv(
        0x30,
        tlv(0x30, tlv(0x0c, utf8(label))),
        tlv(0x30, tlv(0x04, [reference])),
        tlv(
          0xa1,
          tlv(
            0x30,
            tlv(0x03, flags),
            tlv(0x0a, [0x01]),
            integer(lengths.min),
            integer(lengths.stored),
            integer(lengths.stored),
            tlv(0x80, [reference]),
            ...(padChar === undefined ? [] : [tlv(0x04, [padChar])]),
          ),
        ),
      );
    const pukLength = this.counters.pukLength;
    this.files.set('3F0000015034', [
      ...(padding
        ? // 48 | 04: needsPadding (bit 5) on top of local and initialized.
          pinObject(
            'Code porteur',
            [0x02, 0x4c],
            { min: pin.length, stored: padding.storedLength },
            PIN_REFERENCE,
            padding.padChar,
          )
        : pinObject('Code porteur', [0x03, 0x48], { min: pin.length, stored: pin.length }, PIN_REFERENCE)),
      ...pinObject('Code de déblocage', [0x01, 0x4a], { min: pukLength, stored: pukLength }, PUK_REFERENCE),
    ]);
    const certificates = [certificate, ...otherCertificates];
    certFiles.forEach((file, i) => this.files.set(`3F000001${file}`, [...(certificates[i] ?? certificate)]));
    // 3F00/0001/7001: readable in contact mode only (REFERENCE.md); what it holds is not public.
    this.files.set('3F0000017001', tlv(0x04, [0x00]));
  }

  static async create(options: VirtualCps3Options): Promise<VirtualCps3Card> {
    const auth = await issueCardCertificate(options.pki, options.holder);
    const signing = await issueCardCertificate(options.pki, options.holder);
    return new VirtualCps3Card(options, auth.der, auth.privateKey, [signing.der, auth.der]);
  }

  /** Whether the PIN is verified now (until reset or power-off). */
  get verified(): boolean {
    return this.counters.verified;
  }

  /** Power off, power on or warm reset: the verified state and selections are lost. */
  reset(): void {
    this.counters.verified = false;
    this.selected = null;
    this.applicationSelected = false;
    this.securityEnvironmentKey = null;
    this.responses.clear();
  }

  process(apdu: Uint8Array): Uint8Array {
    this.apduCount += 1;
    const answer = this.answer([...apdu]);
    this.responses.afterCommand(apdu[1], answer);
    return Uint8Array.from(answer);
  }

  private answer(apdu: number[]): number[] {
    const [cla, ins, p1, p2] = apdu;
    if (cla === undefined || ins === undefined || p1 === undefined || p2 === undefined)
      return [...SW.wrongLength];
    if ((cla & 0x0c) !== 0 && cla !== 0xff) return [...SW.secureMessagingNotSupported];
    if ((cla & 0x03) !== 0 && cla !== 0xff) return [...SW.logicalChannelNotSupported];
    if (cla !== 0x00) return [...SW.claNotSupported];
    const parts = splitApdu(apdu);
    if (!parts) return [...SW.wrongLength];
    const { body, le } = parts;
    switch (ins) {
      case 0xa4:
        return this.select(p1, p2, body);
      case 0xb0:
        return this.readBinary(p1, p2, apdu.length === 5 ? le : 0);
      case 0xc0:
        return this.responses.getResponse(p1, p2, le);
      case 0x20:
        return this.verify(p1, p2, body);
      case 0x2c:
        return this.resetRetryCounter(p1, p2, body);
      case 0x22:
        return this.manageSecurityEnvironment(p1, p2, body);
      case 0x88:
        return this.internalAuthenticate(p1, p2, body);
      case 0xcb:
        return this.getData(p1, p2, body);
      default:
        return [...SW.insNotSupported];
    }
  }

  private select(p1: number, p2: number, body: number[]): number[] {
    if (p1 === 0x04) {
      // By AID: P2 0C (no answer) or 04 (FCP); 00 is refused by a CPS.
      if (p2 !== 0x0c && p2 !== 0x04) return [...SW.wrongP1P2];
      if (hexOf(body) !== this.aid) return [...SW.fileNotFound];
      this.applicationSelected = true;
      this.selected = null;
      // FCP: 62 { 84 = the DF name }.
      return p2 === 0x04 ? this.responses.outgoing(tlv(0x62, tlv(0x84, bytesOf(this.aid)))) : [...SW.ok];
    }
    if (p1 === 0x09) {
      if (p2 !== 0x0c && p2 !== 0x04) return [...SW.wrongP1P2];
      const path = hexOf(body);
      if (path === '3F00' || path === '3F000001') {
        this.selected = null;
        return [...SW.ok];
      }
      if (!path.startsWith('3F00') || !this.files.has(path)) return [...SW.fileNotFound];
      this.selected = path;
      const file = this.files.get(path)!;
      // FCP: 62 { 80 = the file size, 82 01 01 = a transparent EF }.
      return p2 === 0x04
        ? this.responses.outgoing(
            tlv(0x62, tlv(0x80, [file.length >> 8, file.length & 0xff]), tlv(0x82, [0x01])),
          )
        : [...SW.ok];
    }
    // By FID (P1 02) needs P2 04 on a CPS; not needed by anything here.
    return p1 === 0x02 && p2 === 0x04 ? [...SW.fileNotFound] : [...SW.wrongP1P2];
  }

  private readBinary(p1: number, p2: number, le: number): number[] {
    if (le === 0) return [...SW.wrongLength];
    if ((p1 & 0x80) !== 0) return [...SW.functionNotSupported]; // short EF identifiers
    if (this.selected === null) return [...SW.noCurrentEf];
    if (this.contactless && this.selected === '3F0000017001') return [...SW.securityNotSatisfied];
    const file = this.files.get(this.selected)!;
    const offset = (p1 << 8) | p2;
    if (le > MAX_READ) return [...SW.wrongLength];
    if (offset >= file.length) return [...SW.offsetBeyondEnd];
    const chunk = file.slice(offset, offset + le);
    if (chunk.length < le) {
      // T=0 cannot send fewer bytes than P3 announced: it tells the right Le instead.
      return this.protocol === 'T=0' ? [0x6c, chunk.length] : [...chunk, ...SW.endOfFile];
    }
    return [...chunk, ...SW.ok];
  }

  private verify(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x00) return [...SW.wrongP1P2];
    if (p2 !== PIN_REFERENCE) return [...SW.referenceNotFound];
    if (!this.applicationSelected) return [...SW.conditionsNotSatisfied];
    return this.counters.verify(body);
  }

  /** 00 2C 00 ref PUK+new PIN, or 00 2C 01 ref PUK: unblocks the PIN (a new one, or the same). */
  private resetRetryCounter(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x00 && p1 !== 0x01) return [...SW.wrongP1P2];
    if (p2 !== PIN_REFERENCE) return [...SW.referenceNotFound];
    return this.counters.resetRetryCounter(p1, body);
  }

  /** 00 22 41 A4 { 80 01 alg, 84 01 key }: the key and algorithm for INTERNAL AUTHENTICATE. */
  private manageSecurityEnvironment(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x41 || p2 !== 0xa4) return [...SW.wrongP1P2];
    const algorithm = body[0] === 0x80 && body[1] === 0x01 ? body[2] : undefined;
    const key = body[3] === 0x84 && body[4] === 0x01 ? body[5] : undefined;
    if (body.length !== 6 || algorithm !== ALGORITHM_RSA_PKCS1 || key === undefined)
      return [...SW.incorrectData];
    if (key !== KEY_AUTH && key !== KEY_SIGN && key !== KEY_TECH) return [...SW.referenceNotFound];
    this.securityEnvironmentKey = key;
    return [...SW.ok];
  }

  private internalAuthenticate(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0 || p2 !== 0) return [...SW.wrongP1P2];
    if (body.length === 0 || body.length > MAX_AUTH_DATA) return [...SW.wrongLength];
    // Only the authentication key answers INTERNAL AUTHENTICATE here: the signature key signs by
    // PSO, and the technical key's private half is not modelled.
    if (this.securityEnvironmentKey !== KEY_AUTH) return [...SW.conditionsNotSatisfied];
    if (!this.counters.verified) return [...SW.securityNotSatisfied];
    const signature = privateEncrypt(
      { key: this.key, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(body),
    );
    return this.responses.outgoing([...signature]);
  }

  /** GET DATA on the PIN object: 70 { BF 81 ref { A0 { 9A max, 9B tries left } } }. */
  private getData(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x3f || p2 !== 0xff) return [...SW.wrongP1P2];
    if (hexOf(body) !== `4D087006BF81${hexOf([PIN_REFERENCE])}02A080`) return [...SW.referenceNotFound];
    return this.responses.outgoing(
      tlv(0x70, tlv(0xbf8100 | PIN_REFERENCE, tlv(0xa0, tlv(0x9a, [3]), tlv(0x9b, [this.pinTriesLeft])))),
    );
  }
}
