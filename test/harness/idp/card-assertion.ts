/**
 * The reference IdP's check of an RFC 7523 JWT bearer assertion signed by a CPS card: the card
 * certificate travels in the `x5c` header, chains to a trusted card root, and its CN (the
 * national ID) must be the assertion's subject.
 */
import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose';

export interface CardTrust {
  /** PEM of the trusted roots (IGC-Santé in production; the harness's card PKI in tests). */
  readonly rootPems: readonly string[];
  /** Intermediates the IdP knows, for cards that send only their own certificate. */
  readonly intermediatePems: readonly string[];
}

export interface AssertionExpectations {
  /** The client that presents the assertion: RFC 7523 wants it as `iss`. */
  readonly clientId: string;
  /** The issuer and the token endpoint: either is accepted as `aud`. */
  readonly audiences: readonly string[];
  /** Remembers `jti`s to refuse a replayed assertion. */
  readonly seenJti: Set<string>;
  readonly now: Date;
}

export type AssertionCheck =
  { readonly ok: true; readonly nationalId: string } | { readonly ok: false; readonly reason: string };

const MAX_CHAIN = 4;
const NATIONAL_ID = /^[0-9][0-9A-Za-z/]{1,40}$/;

/** The CN of a card certificate's multi-valued RDN (`SN=… + CN=<national ID> + GN=…`). */
export function nationalIdOf(certificate: X509Certificate): string | null {
  const values = certificate.subject
    .split('\n')
    .flatMap((rdn) => rdn.split(' + '))
    .filter((attribute) => attribute.startsWith('CN='))
    .map((attribute) => attribute.slice(3));
  const [value, ...others] = values;
  return value !== undefined && others.length === 0 && NATIONAL_ID.test(value) ? value : null;
}

function isCurrent(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}

/** Walks from the leaf to a trusted root; every link must be signed, current, and a CA above the leaf. */
function chainsToTrustedRoot(
  leaf: X509Certificate,
  presented: readonly X509Certificate[],
  trust: CardTrust,
  now: Date,
): string | null {
  const roots = trust.rootPems.map((pem) => new X509Certificate(pem));
  const candidates = [
    ...presented,
    ...trust.intermediatePems.map((pem) => new X509Certificate(pem)),
    ...roots,
  ];
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth += 1) {
    if (!isCurrent(current, now))
      return `certificate "${current.subject.split('\n').join(', ')}" is not valid now`;
    const issuer = candidates.find(
      (candidate) => candidate.ca && current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    if (!issuer) return 'the card certificate does not chain to a trusted card root';
    if (roots.some((root) => root.raw.equals(issuer.raw))) {
      return isCurrent(issuer, now) ? null : 'the trusted card root is not valid now';
    }
    current = issuer;
  }
  return 'the card certificate chain is too long';
}

export async function checkCardAssertion(
  assertion: string,
  trust: CardTrust,
  expected: AssertionExpectations,
): Promise<AssertionCheck> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return { ok: false, reason: 'the assertion is not a JWS' };
  }
  if (header.alg !== 'RS256') return { ok: false, reason: 'the assertion must be signed with RS256' };
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > MAX_CHAIN) {
    return { ok: false, reason: 'the assertion must carry the card certificate in x5c' };
  }
  let chain: X509Certificate[];
  try {
    chain = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  } catch {
    return { ok: false, reason: 'the x5c certificates cannot be parsed' };
  }
  const [leaf, ...presented] = chain;
  if (!leaf) return { ok: false, reason: 'the assertion must carry the card certificate in x5c' };
  const chainProblem = chainsToTrustedRoot(leaf, presented, trust, expected.now);
  if (chainProblem) return { ok: false, reason: chainProblem };
  const nationalId = nationalIdOf(leaf);
  if (!nationalId) return { ok: false, reason: 'the card certificate has no national ID in its CN' };

  try {
    const { payload } = await jwtVerify(assertion, leaf.publicKey, {
      algorithms: ['RS256'],
      audience: [...expected.audiences],
      issuer: expected.clientId,
      subject: nationalId,
      requiredClaims: ['exp', 'iat', 'jti'],
      maxTokenAge: '5 minutes',
      clockTolerance: 30,
      currentDate: expected.now,
    });
    const jti = String(payload.jti);
    if (expected.seenJti.has(jti)) return { ok: false, reason: 'the assertion was already used' };
    expected.seenJti.add(jti);
    return { ok: true, nationalId };
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: 'the assertion signature does not match the card certificate' };
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed || error instanceof joseErrors.JWTExpired) {
      return {
        ok: false,
        reason: `the assertion's "${error.claim}" claim is not acceptable (${error.reason})`,
      };
    }
    return { ok: false, reason: 'the assertion cannot be verified' };
  }
}
