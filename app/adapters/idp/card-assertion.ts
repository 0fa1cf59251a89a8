/**
 * The RFC 7523 JWT bearer assertion for a CPS card sign-in. The JWS signing input is hashed here
 * and the card signs the digest (INTERNAL AUTHENTICATE over a SHA-256 DigestInfo, i.e. RS256);
 * the card's authentication certificate travels in `x5c` so the IdP can check its chain and read
 * the national ID from it.
 */
import { createHash, randomUUID, verify, X509Certificate } from 'node:crypto';

export interface CardAssertionInput {
  /** The workstation's client ID: the assertion's issuer (RFC 7523 §3). */
  readonly clientId: string;
  /** The IdP's issuer identifier: the assertion's audience. */
  readonly audience: string;
  readonly nationalId: string;
  /** DER of the card's authentication certificate. */
  readonly certificate: Uint8Array;
  /** Signs a SHA-256 digest with the card's authentication key (PKCS#1 v1.5). */
  readonly sign: (digest: Uint8Array) => Promise<Uint8Array>;
  /** Epoch ms. */
  readonly now: number;
  /** How long the assertion may be used; the IdP also caps it. Default 60 s. */
  readonly lifetimeSeconds?: number;
}

/** The card's answer did not verify with its own certificate: nothing is sent to the IdP. */
export class CardSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardSignatureError';
  }
}

const base64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

export async function buildCardAssertion(input: CardAssertionInput): Promise<string> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(input.certificate);
  } catch {
    throw new CardSignatureError('The card certificate cannot be read as X.509');
  }
  const issuedAt = Math.floor(input.now / 1000);
  const header = { alg: 'RS256', typ: 'JWT', x5c: [Buffer.from(input.certificate).toString('base64')] };
  const payload = {
    iss: input.clientId,
    sub: input.nationalId,
    aud: input.audience,
    iat: issuedAt,
    nbf: issuedAt - 5,
    exp: issuedAt + (input.lifetimeSeconds ?? 60),
    jti: randomUUID(),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const digest = new Uint8Array(createHash('sha256').update(signingInput, 'ascii').digest());
  const signature = await input.sign(digest);
  // A card that signs with another key (wrong key reference, another card swapped in) is caught
  // here with a clear message, rather than as an opaque invalid_grant from the IdP.
  if (!verify('sha256', Buffer.from(signingInput, 'ascii'), certificate.publicKey, signature)) {
    throw new CardSignatureError("The card's signature does not match its authentication certificate");
  }
  return `${signingInput}.${base64url(signature)}`;
}

/**
 * DigestInfo for SHA-256 (PKCS#1 v1.5, RFC 8017 §9.2): what INTERNAL AUTHENTICATE (or an
 * RSA private-key operation with PKCS#1 padding) signs to produce an RS256 signature.
 */
export function sha256DigestInfo(digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new RangeError('A SHA-256 digest is 32 bytes');
  const prefix = Buffer.from(
    [
      '30 31', // SEQUENCE, 49 bytes: DigestInfo
      '30 0d', // SEQUENCE, 13 bytes: AlgorithmIdentifier
      '06 09 60 86 48 01 65 03 04 02 01', // OID 2.16.840.1.101.3.4.2.1 (sha256)
      '05 00', // NULL parameters
      '04 20', // OCTET STRING, 32 bytes: the digest follows
    ]
      .join('')
      .replaceAll(' ', ''),
    'hex',
  );
  return new Uint8Array(Buffer.concat([prefix, digest]));
}
