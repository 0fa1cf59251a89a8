/**
 * A virtual CPS4 card (NXP ChipDoc), answering APDUs as ANS's public CryptoLib CPS driver expects
 * a CPS4 to (ansforge/dops-cryptolib, card-cps4.c, dir.c, pkcs15.c, pkcs15-sec.c). Never packaged.
 *
 * What follows the public driver:
 * - the real ATRs (T=1 `3B 9B 18 80 01 …`, T=0-only `3B DC 18 FF …`);
 * - the ChipDoc application `80 25 00 00 01 FF 01 00` on logical channel 1 (CLA 01), and the
 *   driver's channel recovery: when channel 1 does not answer (6881), SELECT of the issuer
 *   security domain `A0 00 00 01 51 00 00` on channel 1, of CPS2ter on channel 0, then ChipDoc;
 * - EF.SN.ICC `3F00/D003` (tag 5A, issuer 80 25 00 00 01, BCD digits);
 * - EF.DIR `3F00/2F00` listing the PKCS#15 application under the AID
 *   `E8 28 BD 08 0F 80 25 00 00 01 FF 00 10` with its path, then a PKCS#15 structure in that DF
 *   (EF.ODF 5031, a CDF with the three CPS certificate labels, a PrKDF with the authentication
 *   key under reference 20, an AODF with the PIN and its unblocking code);
 * - SELECT by FID (P1 00) and by path from the current DF (P1 09), P2 0C or 04;
 * - MSE SET `41 B8 { 83 01 20 }` then PSO DECIPHER `2A 80 86` by command chaining (CLA 11 then
 *   01) over a 256-byte block, answered with the raw RSA-2048 private-key operation on it;
 * - VERIFY on channel 1: `63Cx` tries left without data, `6983` when blocked; 3 tries; a PUK.
 *
 * What no public source gives, chosen here and configurable: the PKCS#15 DF's file ID (0001 by
 * default, as on a CPS3), the file IDs inside it, the PIN reference (01), whether EF.DIR is
 * transparent or record-structured (transparent by default), what the card answers on a closed
 * channel (6881, "logical channel not supported"). The production code depends on none of them:
 * it follows EF.DIR and the PKCS#15 directories.
 *
 * T=0 as on the CPS3 card: READ BINARY past the end answers `6Cxx`; a command with answer data
 * answers `61xx` and waits for GET RESPONSE on the same channel. T=1 returns data at once.
 */
import { constants, privateDecrypt, type KeyObject } from 'node:crypto';
import { issueCardCertificate, type CardHolder, type CardPki } from '../pki.js';
import { PinCounters, ResponseBuffer, splitApdu, SW } from './card-os.js';
import { bytesOf, hexOf, integer, tlv, utf8 } from './cps3-card.js';
import type { VirtualCard } from './vpcd.js';

const ATR_T1 = [
  0x3b, 0x9b, 0x18, 0x80, 0x01, 0x00, 0x12, 0x25, 0x00, 0x64, 0x80, 0x04, 0x01, 0x00, 0x00, 0x90, 0x44,
];
const ATR_T0 = [
  0x3b, 0xdc, 0x18, 0xff, 0x00, 0x00, 0x12, 0x25, 0x00, 0x64, 0x80, 0x00, 0x04, 0x01, 0x00, 0x90, 0x00,
];
const CHIPDOC_AID = '8025000001FF0100';
const ISD_AID = 'A0000001510000';
const CPS2TER_AID = '8025000001FF0002';
const PKCS15_AID = 'E828BD080F8025000001FF0010';

const PIN_REFERENCE = 0x01;
const PUK_REFERENCE = 0x02;
/** The authentication key (CPS4_AUTH_PRIV_KEY_ID in the driver), signature and technical keys. */
const KEY_AUTH = 0x20;
const KEY_SIGN = 0x21;
const KEY_TECH = 0x22;
const MAX_READ = 231;
const MODULUS_BYTES = 256;

export interface VirtualCps4Options {
  readonly holder: CardHolder;
  readonly pki: CardPki;
  /** The card number's 8 decimal digits (EF.SN.ICC after the issuer prefix). */
  readonly serial?: string;
  /** 4 digits. */
  readonly pin?: string;
  /** 8 digits. */
  readonly puk?: string;
  readonly protocol?: 'T=0' | 'T=1';
  /** The PKCS#15 DF's FID under the MF, as EF.DIR gives it (4 hex digits; default 0001). */
  readonly pkcs15Df?: string;
  /** EF.DIR as records (READ RECORD) rather than a transparent file. */
  readonly dirAsRecords?: boolean;
  /** Whether logical channel 1 answers right after reset; false exercises the driver's recovery. */
  readonly channelOpenAtReset?: boolean;
}

type Node = { readonly kind: 'df' } | { readonly kind: 'ef'; readonly data: number[] };

export class VirtualCps4Card implements VirtualCard {
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
  /** Blocks the private key was applied to (PSO DECIPHER), for tests to count signatures. */
  decipherCount = 0;
  private readonly counters: PinCounters;
  private readonly responses: ResponseBuffer;
  private channelOpen: boolean;
  private chipDocSelected = false;
  private currentDf = '3F00';
  private selectedEf: string | null = null;
  private securityEnvironmentKey: number | null = null;
  private chain: number[] | null = null;
  /** Files and DFs by absolute path (hex, no separators). */
  private readonly nodes = new Map<string, Node>();
  private readonly dirRecords: number[][];
  private readonly dirAsRecords: boolean;

  private constructor(
    private readonly options: VirtualCps4Options,
    certificate: Uint8Array,
    private readonly key: KeyObject,
    otherCertificates: readonly Uint8Array[],
  ) {
    this.protocol = options.protocol ?? 'T=1';
    this.atr = Uint8Array.from(this.protocol === 'T=0' ? ATR_T0 : ATR_T1);
    this.counters = new PinCounters(utf8(options.pin ?? '1234'), utf8(options.puk ?? '12345678'));
    this.responses = new ResponseBuffer(this.protocol);
    this.channelOpen = options.channelOpenAtReset ?? true;
    this.dirAsRecords = options.dirAsRecords ?? false;
    this.certificate = certificate;
    const serial = (options.serial ?? '87654321').padStart(8, '0').slice(-8);
    if (!/^\d{8}$/.test(serial)) throw new Error(`a CPS card number is 8 digits, not "${serial}"`);
    const df = (options.pkcs15Df ?? '0001').toUpperCase();
    if (!/^[0-9A-F]{4}$/.test(df) || df === '3F00' || df === 'D003' || df === '2F00')
      throw new Error(`the PKCS#15 DF is one free file ID, not "${df}"`);
    const app = `3F00${df}`;
    const ef = (path: string, data: number[]) => this.nodes.set(path, { kind: 'ef', data });
    this.nodes.set('3F00', { kind: 'df' });
    this.nodes.set(app, { kind: 'df' });
    // EF.SN.ICC: 5A 0A = issuer 80 25 00 00 01, the card number in BCD, a check digit + F (a fixed 3).
    ef('3F00D003', tlv(0x5a, [0x80, 0x25, 0x00, 0x00, 0x01], bytesOf(serial), [0x3f]));
    // EF.DIR: the PKCS#15 application template 61 { 4F AID, 50 label, 51 path from the MF }.
    this.dirRecords = [
      tlv(0x61, tlv(0x4f, bytesOf(CHIPDOC_AID)), tlv(0x50, utf8('ChipDoc'))),
      tlv(0x61, tlv(0x4f, bytesOf(PKCS15_AID)), tlv(0x50, utf8('CPS')), tlv(0x51, bytesOf(app))),
    ];
    ef('3F002F00', [...this.dirRecords.flat(), 0x00, 0x00]);
    // EF.ODF: PrKDF (A0) at 5035, CDF (A4) at 5033, AODF (A8) at 5034, relative to the DF.
    ef(`${app}5031`, [
      ...tlv(0xa0, tlv(0x30, tlv(0x04, [0x50, 0x35]))),
      ...tlv(0xa4, tlv(0x30, tlv(0x04, [0x50, 0x33]))),
      ...tlv(0xa8, tlv(0x30, tlv(0x04, [0x50, 0x34]))),
    ]);
    const labels = [
      "Certificat d'Authentification CPS",
      'Certificat de Signature CPS',
      'Certificat Technique CPS',
    ];
    const certFiles = ['C101', 'C102', 'C103'];
    // CDF: label, iD, then [1] { X509CertificateAttributes { Path } }: the technical certificate
    // first, so that the label, not the order, is what finds the authentication certificate.
    const order = [2, 0, 1];
    ef(
      `${app}5033`,
      order.flatMap((i) =>
        tlv(
          0x30,
          tlv(0x30, tlv(0x0c, utf8(labels[i]!))),
          tlv(0x30, tlv(0x04, [0x11 + i])),
          tlv(0xa1, tlv(0x30, tlv(0x30, tlv(0x04, bytesOf(certFiles[i]!))))),
        ),
      ),
    );
    // PrKDF: label, CommonKeyAttributes (iD shared with the certificate, usage, keyReference).
    ef(
      `${app}5035`,
      ['CPS_PRIV_AUT', 'CPS_PRIV_SIG', 'CPS_PRIV_TECH_AUT'].flatMap((label, i) =>
        tlv(
          0x30,
          tlv(0x30, tlv(0x0c, utf8(label))),
          tlv(
            0x30,
            tlv(0x04, [0x11 + i]),
            tlv(0x03, [0x06, 0x40]),
            integer([KEY_AUTH, KEY_SIGN, KEY_TECH][i]!),
          ),
          tlv(0xa1, tlv(0x30, tlv(0x30, tlv(0x04, bytesOf(app))), tlv(0x02, [0x08, 0x00]))),
        ),
      ),
    );
    const pinObject = (label: string, flags: number[], length: number, reference: number): number[] =>
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
            integer(length),
            integer(length),
            integer(length),
            tlv(0x80, [reference]),
          ),
        ),
      );
    ef(`${app}5034`, [
      ...pinObject('Code porteur', [0x03, 0x48], this.counters.pinLength, PIN_REFERENCE),
      ...pinObject('Code de déblocage', [0x01, 0x4a], this.counters.pukLength, PUK_REFERENCE),
    ]);
    const certificates = [certificate, ...otherCertificates];
    certFiles.forEach((file, i) => ef(`${app}${file}`, [...(certificates[i] ?? certificate)]));
  }

  static async create(options: VirtualCps4Options): Promise<VirtualCps4Card> {
    const auth = await issueCardCertificate(options.pki, options.holder);
    const signing = await issueCardCertificate(options.pki, options.holder);
    const technical = await issueCardCertificate(options.pki, options.holder);
    return new VirtualCps4Card(options, auth.der, auth.privateKey, [signing.der, technical.der]);
  }

  /** Whether the PIN is verified now (until reset or power-off). */
  get verified(): boolean {
    return this.counters.verified;
  }

  /** Power off, power on or warm reset: the verified state, selections and channels are lost. */
  reset(): void {
    this.counters.verified = false;
    this.channelOpen = this.options.channelOpenAtReset ?? true;
    this.chipDocSelected = false;
    this.currentDf = '3F00';
    this.selectedEf = null;
    this.securityEnvironmentKey = null;
    this.chain = null;
    this.responses.clear();
  }

  process(apdu: Uint8Array): Uint8Array {
    this.apduCount += 1;
    const isChainPart = apdu[1] === 0x2a && ((apdu[0] ?? 0) & 0x10) !== 0;
    const answer = this.answer([...apdu]);
    this.responses.afterCommand(apdu[1], answer);
    // A chain is broken by any command that does not continue it.
    if (!isChainPart && apdu[1] !== 0x2a) this.chain = null;
    return Uint8Array.from(answer);
  }

  private answer(apdu: number[]): number[] {
    const [cla, ins, p1, p2] = apdu;
    if (cla === undefined || ins === undefined || p1 === undefined || p2 === undefined)
      return [...SW.wrongLength];
    if ((cla & 0x80) !== 0) return [...SW.claNotSupported];
    if ((cla & 0x0c) !== 0) return [...SW.secureMessagingNotSupported];
    if ((cla & 0x10) !== 0 && ins !== 0x2a) return [...SW.chainingNotSupported];
    const channel = cla & 0x03;
    if (channel > 1) return [...SW.logicalChannelNotSupported];
    const parts = splitApdu(apdu);
    if (!parts) return [...SW.wrongLength];
    const { body, le } = parts;
    if (ins === 0xa4 && p1 === 0x04) return this.selectAid(channel, p2, body);
    // Channel 0 holds the other applications (CPS2ter...): nothing of them is modelled.
    if (channel === 0)
      return ins === 0xc0 ? this.responses.getResponse(p1, p2, le) : [...SW.conditionsNotSatisfied];
    if (!this.channelOpen) return [...SW.logicalChannelNotSupported];
    if (!this.chipDocSelected) return [...SW.conditionsNotSatisfied];
    switch (ins) {
      case 0xa4:
        return this.selectFile(p1, p2, body);
      case 0xb0:
        return this.readBinary(p1, p2, apdu.length === 5 ? le : 0);
      case 0xb2:
        return this.readRecord(p1, p2, apdu.length === 5 ? le : 0);
      case 0xc0:
        return this.responses.getResponse(p1, p2, le);
      case 0x20:
        return this.verify(p1, p2, body);
      case 0x2c:
        return this.resetRetryCounter(p1, p2, body);
      case 0x22:
        return this.manageSecurityEnvironment(p1, p2, body);
      case 0x2a:
        return this.performSecurityOperation((cla & 0x10) !== 0, p1, p2, body);
      default:
        return [...SW.insNotSupported];
    }
  }

  /** SELECT by AID: ChipDoc on channel 1, the issuer domain (opens channel 1), CPS2ter on channel 0. */
  private selectAid(channel: number, p2: number, body: number[]): number[] {
    if (p2 !== 0x0c && p2 !== 0x04) return [...SW.wrongP1P2];
    const aid = hexOf(body);
    const fcp = (): number[] =>
      p2 === 0x04 ? this.responses.outgoing(tlv(0x6f, tlv(0x84, body))) : [...SW.ok];
    if (channel === 0) return aid === CPS2TER_AID ? fcp() : [...SW.fileNotFound];
    if (aid === ISD_AID) {
      this.channelOpen = true;
      this.chipDocSelected = false;
      return fcp();
    }
    if (!this.channelOpen) return [...SW.logicalChannelNotSupported];
    if (aid !== CHIPDOC_AID) return [...SW.fileNotFound];
    this.chipDocSelected = true;
    this.currentDf = '3F00';
    this.selectedEf = null;
    return fcp();
  }

  /** P1 00: by FID (3F00, a child of the current DF, or of the MF); P1 09: by path from the current DF. */
  private selectFile(p1: number, p2: number, body: number[]): number[] {
    if (p2 !== 0x0c && p2 !== 0x04) return [...SW.wrongP1P2];
    if (body.length === 0 || body.length % 2 !== 0) return [...SW.wrongLength];
    const fids = hexOf(body);
    let target: string | null = null;
    if (p1 === 0x00) {
      if (body.length !== 2) return [...SW.wrongLength];
      if (fids === '3F00') target = '3F00';
      else if (this.nodes.has(this.currentDf + fids)) target = this.currentDf + fids;
      else if (this.nodes.has(`3F00${fids}`)) target = `3F00${fids}`;
    } else if (p1 === 0x09) {
      if (fids.startsWith('3F00')) return [...SW.fileNotFound];
      if (this.nodes.has(this.currentDf + fids)) target = this.currentDf + fids;
    } else {
      return [...SW.wrongP1P2];
    }
    const node = target === null ? undefined : this.nodes.get(target);
    if (target === null || !node) return [...SW.fileNotFound];
    if (node.kind === 'df') {
      this.currentDf = target;
      this.selectedEf = null;
      return p2 === 0x04 ? this.responses.outgoing(tlv(0x62, tlv(0x82, [0x38]))) : [...SW.ok];
    }
    this.currentDf = target.slice(0, -4);
    this.selectedEf = target;
    const size = node.data.length;
    const structure = target === '3F002F00' && this.dirAsRecords ? 0x02 : 0x01;
    return p2 === 0x04
      ? this.responses.outgoing(tlv(0x62, tlv(0x80, [size >> 8, size & 0xff]), tlv(0x82, [structure])))
      : [...SW.ok];
  }

  private readBinary(p1: number, p2: number, le: number): number[] {
    if (le === 0) return [...SW.wrongLength];
    if ((p1 & 0x80) !== 0) return [...SW.functionNotSupported];
    if (this.selectedEf === null) return [...SW.noCurrentEf];
    if (this.selectedEf === '3F002F00' && this.dirAsRecords) return [...SW.incompatibleWithFileStructure];
    const node = this.nodes.get(this.selectedEf);
    if (!node || node.kind !== 'ef') return [...SW.noCurrentEf];
    const offset = (p1 << 8) | p2;
    if (le > MAX_READ) return [...SW.wrongLength];
    if (offset >= node.data.length) return [...SW.offsetBeyondEnd];
    const chunk = node.data.slice(offset, offset + le);
    if (chunk.length < le)
      return this.protocol === 'T=0' ? [0x6c, chunk.length] : [...chunk, ...SW.endOfFile];
    return [...chunk, ...SW.ok];
  }

  /** READ RECORD nn (P2 04): only EF.DIR, and only when it is made of records. */
  private readRecord(p1: number, p2: number, le: number): number[] {
    if (p2 !== 0x04) return [...SW.wrongP1P2];
    if (this.selectedEf === null) return [...SW.noCurrentEf];
    if (this.selectedEf !== '3F002F00' || !this.dirAsRecords) return [...SW.incompatibleWithFileStructure];
    const record = this.dirRecords[p1 - 1];
    if (p1 === 0 || !record) return [...SW.recordNotFound];
    if (le === 0) return [...SW.wrongLength];
    if (le !== 256 && le !== record.length) return [0x6c, record.length];
    return this.protocol === 'T=0' && le === 256 ? [0x6c, record.length] : [...record, ...SW.ok];
  }

  private verify(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x00) return [...SW.wrongP1P2];
    if (p2 !== PIN_REFERENCE) return [...SW.referenceNotFound];
    return this.counters.verify(body);
  }

  /** 01 2C 00 ref PUK+new PIN, or 01 2C 01 ref PUK: unblocks the PIN. */
  private resetRetryCounter(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x00 && p1 !== 0x01) return [...SW.wrongP1P2];
    if (p2 !== PIN_REFERENCE) return [...SW.referenceNotFound];
    return this.counters.resetRetryCounter(p1, body);
  }

  /** 01 22 41 B8 03 83 01 key: the key PSO DECIPHER will use (the confidentiality template). */
  private manageSecurityEnvironment(p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x41 || p2 !== 0xb8) return [...SW.wrongP1P2];
    if (body.length !== 3 || body[0] !== 0x83 || body[1] !== 0x01) return [...SW.incorrectData];
    const key = body[2]!;
    // Only the authentication key deciphers here; the others are not modelled.
    if (key !== KEY_AUTH) return [...SW.referenceNotFound];
    this.securityEnvironmentKey = key;
    return [...SW.ok];
  }

  /** PSO DECIPHER (80 86), possibly chained (CLA bit 10): the raw private-key operation. */
  private performSecurityOperation(more: boolean, p1: number, p2: number, body: number[]): number[] {
    if (p1 !== 0x80 || p2 !== 0x86) return [...SW.wrongP1P2];
    if (body.length === 0) return [...SW.wrongLength];
    const data = [...(this.chain ?? []), ...body];
    if (data.length > MODULUS_BYTES) {
      this.chain = null;
      return [...SW.wrongLength];
    }
    if (more) {
      this.chain = data;
      return [...SW.ok];
    }
    this.chain = null;
    if (this.securityEnvironmentKey !== KEY_AUTH) return [...SW.conditionsNotSatisfied];
    if (!this.counters.verified) return [...SW.securityNotSatisfied];
    if (data.length !== MODULUS_BYTES) return [...SW.wrongLength];
    let plain: Buffer;
    try {
      plain = privateDecrypt({ key: this.key, padding: constants.RSA_NO_PADDING }, Buffer.from(data));
    } catch {
      // A block not below the modulus.
      return [...SW.incorrectData];
    }
    this.decipherCount += 1;
    return this.responses.outgoing([...plain]);
  }
}
