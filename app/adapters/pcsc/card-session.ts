/**
 * CPS cards through PC/SC: identity, PIN check and signature, each as one short transaction on
 * a context of its own (never held across user input: the PIN is typed between two of them).
 * The card profile's APDUs are the core's; this only connects and moves bytes.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as pcsc from 'smartcard';
import { identifyAtr, type CardProfileId } from '../../core/cards/atr.js';
import { readCpsCard, readPinTriesLeft, signDigest, verifyPin } from '../../core/cards/cps.js';
import type { Transmit } from '../../core/cards/uid.js';
import type { CardIdentity, CardSession, PinCheck, PinVerifier } from '../../core/ports/index.js';
import { withTimeout } from './timeout.js';

interface ConnectedCard {
  transmit(command: Buffer | number[]): Promise<Buffer | Uint8Array>;
  disconnect(disposition?: number): void;
  readonly atr: Buffer | null;
}
interface ReaderLike {
  readonly name: string;
  readonly atr: Buffer | null;
  connect(share?: number, protocol?: number): Promise<ConnectedCard>;
}

/** One short transaction with the card in `readerName`. */
export async function withCard<T>(
  readerName: string,
  work: (transmit: Transmit, profile: CardProfileId) => Promise<T>,
  timeoutMs = 5000,
): Promise<T> {
  const context = new pcsc.Context();
  let card: ConnectedCard | null = null;
  try {
    const reader = (context.listReaders() as unknown as ReaderLike[]).find((r) => r.name === readerName);
    if (!reader) throw new Error(`reader "${readerName}" is gone`);
    card = await withTimeout(
      reader.connect(pcsc.SCARD_SHARE_SHARED, pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1),
      timeoutMs,
      'connecting to the card',
    );
    const atr = Uint8Array.from(card.atr ?? reader.atr ?? []);
    const connected = card;
    const transmit: Transmit = async (command) =>
      Uint8Array.from(await withTimeout(connected.transmit(Buffer.from(command)), timeoutMs, 'the card'));
    return await withTimeout(work(transmit, identifyAtr(atr).profile), timeoutMs * 4, 'the card transaction');
  } finally {
    try {
      card?.disconnect(pcsc.SCARD_LEAVE_CARD);
    } catch {
      // already gone
    }
    try {
      context.close();
    } catch {
      // already gone
    }
  }
}

/** Trusted roots (and intermediates) from a PEM bundle: policy `cardTrustedRootsFile`. */
export function loadTrustedCertificates(file: string): X509Certificate[] {
  if (!file) return [];
  const pem = readFileSync(file, 'utf8');
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]),
  );
}

/** Walks up from the card's certificate through the bundle to a self-signed root. */
export function chainIsValid(
  der: Uint8Array,
  trusted: readonly X509Certificate[],
  now = new Date(),
): boolean {
  let current = new X509Certificate(Buffer.from(der));
  for (let depth = 0; depth < 5; depth += 1) {
    if (now < new Date(current.validFrom) || now > new Date(current.validTo)) return false;
    const issuer = trusted.find(
      (candidate) => current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    if (!issuer) return false;
    if (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey)) return true;
    current = issuer;
  }
  return false;
}

export class PcscCardSession implements CardSession, PinVerifier {
  /** What was read from each reader's card: its PIN reference and certificate. */
  private readonly cache = new Map<
    string,
    { serial: string; pinReference: number; certificate: Uint8Array }
  >();

  constructor(private readonly trusted: readonly X509Certificate[] = []) {}

  async readIdentity(readerName: string): Promise<CardIdentity> {
    return withCard(readerName, async (transmit, profile) => {
      const data = await readCpsCard(transmit, profile);
      this.cache.set(readerName, {
        serial: data.serial,
        pinReference: data.pinReference,
        certificate: data.authCertificate,
      });
      const pinTriesLeft = await readPinTriesLeft(transmit, profile, data.pinReference);
      return {
        person: {
          personId: `cps:${data.identity.nationalId}`,
          displayName: data.identity.displayName,
          nationalId: data.identity.nationalId,
          profession: data.identity.profession,
        },
        serial: data.serial,
        pinTriesLeft,
        chainValid: chainIsValid(data.authCertificate, this.trusted),
      };
    });
  }

  async verifyPin(readerName: string, pin: Uint8Array): Promise<PinCheck> {
    try {
      return await withCard(readerName, (transmit, profile) =>
        verifyPin(transmit, profile, this.cache.get(readerName)?.pinReference ?? 0x01, pin),
      );
    } catch (error) {
      return /gone|removed|no smart card/i.test(String(error))
        ? { ok: false, reason: 'card-removed' }
        : { ok: false, reason: 'card-error' };
    }
  }

  signDigest(readerName: string, digest: Uint8Array): Promise<Uint8Array> {
    return withCard(readerName, (transmit, profile) => signDigest(transmit, profile, digest));
  }

  async authenticationCertificate(readerName: string): Promise<Uint8Array> {
    const cached = this.cache.get(readerName);
    if (cached) return cached.certificate;
    return withCard(
      readerName,
      async (transmit, profile) => (await readCpsCard(transmit, profile)).authCertificate,
    );
  }
}
