/**
 * A virtual CPS3 card (IAS-ECC), answering APDUs as the real card does as far as public sources
 * tell (REFERENCE.md): the real ATRs, the IAS application with a PKCS#15 structure (EF.ODF, a
 * CDF with the three certificate labels, an AODF with the PIN reference), EF.SN.ICC, a PIN with
 * a 3-try counter and a PUK, INTERNAL AUTHENTICATE with a real RSA-2048 key, and T=0 (61xx +
 * GET RESPONSE) or T=1 behaviour. Never packaged.
 */
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { issueCardCertificate, type CardHolder, type CardPki } from '../pki.js';
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

const SW = {
  ok: [0x90, 0x00],
  wrongLength: [0x67, 0x00],
  securityNotSatisfied: [0x69, 0x82],
  blocked: [0x69, 0x83],
  fileNotFound: [0x6a, 0x82],
  wrongP1P2: [0x6a, 0x86],
  offsetBeyondEnd: [0x6b, 0x00],
  insNotSupported: [0x6d, 0x00],
  claNotSupported: [0x6e, 0x00],
} as const;

const hexOf = (bytes: Iterable<number>): string =>
  Buffer.from([...bytes])
    .toString('hex')
    .toUpperCase();

/** DER-ish TLV builder for the card's files (lengths up to 65535). */
function tlv(tag: number, ...values: (number[] | Uint8Array)[]): number[] {
  const value = values.flatMap((v) => [...v]);
  const length =
    value.length < 0x80
      ? [value.length]
      : value.length < 0x100
        ? [0x81, value.length]
        : [0x82, value.length >> 8, value.length & 0xff];
  return [tag, ...length, ...value];
}
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

export interface VirtualCps3Options {
  readonly holder: CardHolder;
  readonly pki: CardPki;
  /** 8 decimal digits of the card number. */
  readonly serialDigits?: string;
  readonly pin?: string;
  readonly puk?: string;
  readonly protocol?: 'T=0' | 'T=1';
  readonly contactless?: boolean;
}

export class VirtualCps3Card implements VirtualCard {
  readonly atr: Uint8Array;
  readonly protocol: 'T=0' | 'T=1';
  readonly certificate: Uint8Array;
  pinTriesLeft = 3;
  apduCount = 0;
  private pin: string;
  private readonly puk: string;
  private verified = false;
  private selected: string | null = null;
  private applicationSelected = false;
  private pending: number[] = [];
  private readonly files = new Map<string, number[]>();
  private readonly aid: string;

  private constructor(
    options: VirtualCps3Options,
    certificate: Uint8Array,
    private readonly key: KeyObject,
    otherCertificates: Uint8Array[],
  ) {
    this.protocol = options.protocol ?? 'T=0';
    this.atr = Uint8Array.from(options.contactless ? ATR_CONTACTLESS : ATR_CONTACT);
    this.aid = options.contactless ? AID_CONTACTLESS : AID_CONTACT;
    this.pin = options.pin ?? '1234';
    this.puk = options.puk ?? '12345678';
    this.certificate = certificate;
    const serial = (options.serialDigits ?? '12345678').padStart(8, '0').slice(-8);
    // EF.SN.ICC: 5A 0A = issuer 80 25 00 00 01, the card number in BCD, a check digit + F.
    const bcd = [...Buffer.from(serial, 'hex')];
    this.files.set('3F00D003', tlv(0x5a, [0x80, 0x25, 0x00, 0x00, 0x01], bcd, [0x7f]));
    // EF.ODF: A4 = the CDF at 5033, A8 = the AODF at 5034 (paths relative to 3F00/0001).
    this.files.set('3F0000015031', [
      ...tlv(0xa4, tlv(0x30, tlv(0x04, [0x50, 0x33]))),
      ...tlv(0xa8, tlv(0x30, tlv(0x04, [0x50, 0x34]))),
    ]);
    const labels = [
      "Certificat d'Authentification CPS",
      'Certificat de Signature CPS',
      'Certificat Technique CPS',
    ];
    const certFiles = ['C001', 'C002', 'C003'];
    // CDF: per certificate, CommonObjectAttributes (label), CommonCertificateAttributes (id),
    // then [1] X509CertificateAttributes holding the file's Path.
    this.files.set(
      '3F0000015033',
      labels.flatMap((label, i) =>
        tlv(
          0x30,
          tlv(0x30, tlv(0x0c, utf8(label))),
          tlv(0x30, tlv(0x04, [i + 1])),
          tlv(0xa1, tlv(0x30, tlv(0x30, tlv(0x04, [...Buffer.from(certFiles[i]!, 'hex')])))),
        ),
      ),
    );
    // AODF: one PIN object whose PinAttributes carry the reference 01 (tag 80).
    this.files.set(
      '3F0000015034',
      tlv(
        0x30,
        tlv(0x30, tlv(0x0c, utf8('Code porteur'))),
        tlv(0x30, tlv(0x04, [0x01])),
        tlv(0xa1, tlv(0x30, tlv(0x03, [0x02, 0x0c]), tlv(0x80, [0x01]))),
      ),
    );
    const certificates = [certificate, ...otherCertificates];
    certFiles.forEach((file, i) => this.files.set(`3F000001${file}`, [...(certificates[i] ?? certificate)]));
  }

  static async create(options: VirtualCps3Options): Promise<VirtualCps3Card> {
    const auth = await issueCardCertificate(options.pki, options.holder);
    const signing = await issueCardCertificate(options.pki, options.holder);
    return new VirtualCps3Card(options, auth.der, auth.privateKey, [signing.der, auth.der]);
  }

  reset(): void {
    this.verified = false;
    this.selected = null;
    this.applicationSelected = false;
    this.pending = [];
  }

  process(apdu: Uint8Array): Uint8Array {
    this.apduCount += 1;
    return Uint8Array.from(this.answer([...apdu]));
  }

  /** Data with a 9000, or on T=0 a 61xx announcing it for GET RESPONSE. */
  private data(bytes: number[], sw: readonly number[] = SW.ok): number[] {
    if (this.protocol === 'T=0' && bytes.length > 0 && sw === SW.ok) {
      this.pending = bytes;
      return [0x61, bytes.length & 0xff];
    }
    return [...bytes, ...sw];
  }

  private answer(apdu: number[]): number[] {
    const [cla, ins, p1, p2] = apdu;
    if (cla === undefined || ins === undefined || p1 === undefined || p2 === undefined)
      return [...SW.wrongLength];
    if (cla !== 0x00) return [...SW.claNotSupported];
    const lc = apdu.length > 5 ? apdu[4]! : 0;
    const body = apdu.slice(5, 5 + lc);
    switch (ins) {
      case 0xa4: {
        if (p1 === 0x04) {
          if (p2 === 0x00) return [...SW.wrongP1P2];
          if (hexOf(body) !== this.aid) return [...SW.fileNotFound];
          this.applicationSelected = true;
          this.selected = null;
          return [...SW.ok];
        }
        if (p1 === 0x09) {
          const path = hexOf(body);
          if (!path.startsWith('3F00') || !this.files.has(path)) return [...SW.fileNotFound];
          this.selected = path;
          return [...SW.ok];
        }
        return [...SW.wrongP1P2];
      }
      case 0xb0: {
        const file = this.selected ? this.files.get(this.selected) : undefined;
        if (!file) return [...SW.fileNotFound];
        const offset = ((p1 & 0x7f) << 8) | p2;
        const le = apdu[4] === 0 ? 256 : (apdu[4] ?? 256);
        if (le > 231) return [...SW.wrongLength];
        if (offset > file.length) return [...SW.offsetBeyondEnd];
        const chunk = file.slice(offset, offset + le);
        if (chunk.length < le) return [...chunk, 0x62, 0x82];
        return this.data(chunk);
      }
      case 0xc0: {
        const out = this.pending;
        this.pending = [];
        return [...out, ...SW.ok];
      }
      case 0x20: {
        if (!this.applicationSelected) return [...SW.securityNotSatisfied];
        if (this.pinTriesLeft === 0) return [...SW.blocked];
        if (lc === 0) return this.verified ? [...SW.ok] : [0x63, 0xc0 | this.pinTriesLeft];
        if (Buffer.from(body).toString('latin1') === this.pin) {
          this.pinTriesLeft = 3;
          this.verified = true;
          return [...SW.ok];
        }
        this.pinTriesLeft -= 1;
        this.verified = false;
        return [0x63, 0xc0 | this.pinTriesLeft];
      }
      case 0x2c: {
        // RESET RETRY COUNTER: PUK (8 digits) then the new PIN.
        const text = Buffer.from(body).toString('latin1');
        if (text.slice(0, this.puk.length) !== this.puk) return [0x63, 0xc0];
        this.pin = text.slice(this.puk.length) || this.pin;
        this.pinTriesLeft = 3;
        return [...SW.ok];
      }
      case 0x22:
        return [...SW.ok];
      case 0x88: {
        if (!this.verified) return [...SW.securityNotSatisfied];
        if (body.length > 102) return [...SW.wrongLength]; // at most 40 % of the 2048-bit key
        const signature = privateEncrypt(
          { key: this.key, padding: constants.RSA_PKCS1_PADDING },
          Buffer.from(body),
        );
        return this.data([...signature]);
      }
      default:
        return [...SW.insNotSupported];
    }
  }
}
