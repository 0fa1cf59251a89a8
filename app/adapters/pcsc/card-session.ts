/**
 * CPS cards through PC/SC: identity, PIN check and signature, each as one short transaction on
 * a context of its own (never held across user input: the PIN is typed between two of them).
 * The card profile's APDUs are the core's; this only connects, moves bytes and checks the
 * certificate chain with node:crypto.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  identifyAtr,
  readCpsCard,
  readCpsSerial,
  readPinTriesLeft,
  signDigest,
  verifyPin,
  type CardProfileId,
  type CpsCardData,
  type Transmit,
} from '../../core/cards/index.js';
import { toHex } from '../../core/badge.js';
import type { CardIdentity, CardSession, PinCheck, PinVerifier } from '../../core/ports/index.js';
import { cardPresence, CpsReadCache, type CardPresence } from './cps-read-cache.js';
import { createPcscContext, inTransaction, PcscCardError, type PcscContextLike } from './transaction.js';

const CPS_PROFILES: readonly CardProfileId[] = ['cps3-contact', 'cps3-contactless', 'cps4'];

/**
 * One short transaction with the CPS card in `readerName`: `work` gets a bounded transmit, the
 * card's profile (from its ATR) and its presence (cps-read-cache.ts). Rejects with a
 * PcscCardError (`code` as in CardError).
 */
export async function withCard<T>(
  readerName: string,
  work: (transmit: Transmit, profile: CardProfileId, presence: CardPresence) => Promise<T>,
  timeoutMs = 5000,
  createContext?: () => PcscContextLike,
): Promise<T> {
  return inTransaction(
    readerName,
    async (transmit, atr, presence) => {
      const match = identifyAtr(atr);
      if (!CPS_PROFILES.includes(match.profile))
        throw new PcscCardError(
          'unknown-card',
          `the card in ${readerName} is not a CPS card: ${match.description}`,
          false,
          toHex(atr),
        );
      return work(transmit, match.profile, presence);
    },
    { timeoutMs, ...(createContext ? { createContext } : {}) },
  );
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle (roots and intermediates). */
export function parsePemBundle(pem: string): X509Certificate[] {
  return [...pem.matchAll(PEM_CERTIFICATE)].map((m) => new X509Certificate(m[0]));
}

/** Trusted roots (and intermediates) from a PEM bundle file: policy `cardTrustedRootsFile`. */
export function loadTrustedCertificates(file: string): X509Certificate[] {
  if (!file) return [];
  return parsePemBundle(readFileSync(file, 'utf8'));
}

const validAt = (certificate: X509Certificate, now: Date): boolean =>
  now >= new Date(certificate.validFrom) && now <= new Date(certificate.validTo);

/**
 * Walks up from the card's certificate through the trusted bundle to a self-signed root: each
 * link's signature is verified over its DER with the issuer's key, each certificate must be in
 * its validity period. Anything unparsable is simply not valid.
 */
export function chainIsValid(
  der: Uint8Array,
  trusted: readonly X509Certificate[],
  now = new Date(),
): boolean {
  let current: X509Certificate;
  try {
    current = new X509Certificate(Buffer.from(der));
  } catch {
    return false;
  }
  for (let depth = 0; depth < 6; depth += 1) {
    if (!validAt(current, now)) return false;
    const subject = current;
    const issuer = trusted.find((candidate) => {
      try {
        return subject.checkIssued(candidate) && subject.verify(candidate.publicKey);
      } catch {
        return false;
      }
    });
    if (!issuer) return false;
    if (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey)) return validAt(issuer, now);
    current = issuer;
  }
  return false;
}

export interface PcscCardSessionOptions {
  /** Bound on connecting and on each APDU; a whole call gets four times as long. Default 5 s. */
  readonly timeoutMs?: number;
  /** How a PC/SC context is made; tests may pass a fake. */
  readonly createContext?: () => PcscContextLike;
  /**
   * What this session read from each reader's card during its presence (default: a cache of its
   * own), so that the PIN check and the sign-in after an identity read do not read it again.
   */
  readonly cpsReads?: CpsReadCache;
}

/**
 * The card's data for this presence: what an earlier call read, once its serial says it is the
 * same card, or a full read, remembered.
 */
export async function cpsCardData(
  reads: CpsReadCache,
  readerName: string,
  transmit: Transmit,
  profile: CardProfileId,
  presence: CardPresence,
): Promise<CpsCardData> {
  const known = reads.get(readerName, presence);
  if (known && (await readCpsSerial(transmit, profile)).serial === known.serial) return known;
  const data = await readCpsCard(transmit, profile);
  reads.set(readerName, presence, data);
  return data;
}

export class PcscCardSession implements CardSession, PinVerifier {
  private readonly trusted: readonly X509Certificate[];
  private readonly reads: CpsReadCache;

  /**
   * @param trusted the IGC-Santé roots (and intermediates) policy trusts: PEM text (one or more
   *   certificates each) or parsed certificates.
   */
  constructor(
    trusted: readonly (string | X509Certificate)[] = [],
    private readonly options: PcscCardSessionOptions = {},
  ) {
    this.trusted = trusted.flatMap((t) => (typeof t === 'string' ? parsePemBundle(t) : [t]));
    this.reads = options.cpsReads ?? new CpsReadCache();
  }

  private withCard<T>(
    readerName: string,
    work: (transmit: Transmit, profile: CardProfileId, presence: CardPresence) => Promise<T>,
  ) {
    return withCard(readerName, work, this.options.timeoutMs ?? 5000, this.options.createContext);
  }

  /**
   * Serial, holder, tries left (VERIFY without data: no try spent) and chain status, in one
   * transaction: the card is read in full at its first identity read in a presence (the badge
   * source reads only its serial); a later one in the same presence reads the serial (3 or 4
   * APDUs) to know it is the same card, then only the tries left.
   */
  async readIdentity(readerName: string): Promise<CardIdentity> {
    return this.withCard(readerName, async (transmit, profile, presence) => {
      const data = await cpsCardData(this.reads, readerName, transmit, profile, presence);
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

  /**
   * Exactly one VERIFY, never retried, whatever happens. The PIN's bytes stay the caller's (the
   * core zeroes its own command buffer); they are in no message and no log.
   */
  async verifyPin(readerName: string, pin: Uint8Array): Promise<PinCheck> {
    try {
      return await this.withCard(readerName, async (transmit, profile, presence) => {
        // The PIN's reference and format (padding) come from the card's AODF, read with its
        // identity during this presence; a card verified without that read first (a caller that
        // skipped readIdentity) is read now, which spends nothing.
        const data =
          this.reads.get(readerName, presence) ??
          (await cpsCardData(this.reads, readerName, transmit, profile, presence));
        return verifyPin(transmit, profile, data.pinReference, pin, data.pin);
      });
    } catch (error) {
      if (error instanceof PcscCardError && (error.code === 'card-removed' || error.code === 'timeout'))
        return { ok: false, reason: error.code };
      return { ok: false, reason: 'card-error' };
    }
  }

  /** PKCS#1 v1.5 signature of a SHA-256 digest by the authentication key (after a verified PIN). */
  signDigest(readerName: string, digest: Uint8Array): Promise<Uint8Array> {
    return this.withCard(readerName, (transmit, profile) => signDigest(transmit, profile, digest));
  }

  /**
   * The authentication certificate (DER) read with the identity during this card's presence
   * (asked of the reader, not the card), or read now. A certificate is public; the signature
   * that goes with it is always made by the card in the reader.
   */
  async authenticationCertificate(readerName: string): Promise<Uint8Array> {
    const known = this.reads.get(readerName, this.presence(readerName));
    if (known) return known.authCertificate;
    return this.withCard(
      readerName,
      async (transmit, profile, presence) =>
        (await cpsCardData(this.reads, readerName, transmit, profile, presence)).authCertificate,
    );
  }

  /** Which card presence `readerName` holds now, asked of the PC/SC service (no APDU). */
  private presence(readerName: string): CardPresence {
    try {
      const context = (this.options.createContext ?? createPcscContext)();
      try {
        const reader = context.listReaders().find((r) => r.name === readerName);
        return reader?.atr ? cardPresence(reader.state, toHex(Uint8Array.from(reader.atr))) : null;
      } finally {
        context.close();
      }
    } catch {
      return null;
    }
  }
}
