/**
 * From a validated id_token's claims to the core's Person, amr and acr. Claim names differ
 * between IdPs (a Keycloak brokering Pro Santé Connect puts the national ID in
 * `preferred_username` or `SubjectNameID`), so the national ID and profession claims are options.
 */
import { personSchema, type Person } from '../../core/identity.js';

export interface ClaimNames {
  /** Claims tried in order for the national ID. Default: national_id, then preferred_username. */
  readonly nationalId: readonly string[];
  /** Default: profession. */
  readonly profession: string;
}

export const DEFAULT_CLAIM_NAMES: ClaimNames = {
  nationalId: ['national_id', 'preferred_username'],
  profession: 'profession',
};

export interface IdentityFromClaims {
  readonly person: Person;
  readonly amr: readonly string[];
  readonly acr: string | null;
}

/** `8`+RPPS (11 digits) or `0`+ADELI (9 digits): anything else is not a national ID. */
const NATIONAL_ID = /^(8[0-9]{11}|0[0-9A-Za-z]{9,10})$/;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/** The longest name or profession the screens and the audit trail keep (see personSchema). */
export const MAX_CLAIM_TEXT = 256;

/**
 * A display text cut to what the core keeps, on a character boundary. An IdP that sends a
 * 10,000-character name still signs the person in; an identifier is never cut (see `sub`).
 */
function bounded(value: string | null): string | null {
  if (value === null) return null;
  const characters = Array.from(value);
  return characters.length <= MAX_CLAIM_TEXT ? value : `${characters.slice(0, MAX_CLAIM_TEXT - 1).join('')}…`;
}

export function identityFromClaims(
  claims: Readonly<Record<string, unknown>>,
  names: ClaimNames = DEFAULT_CLAIM_NAMES,
): IdentityFromClaims | null {
  const sub = text(claims.sub);
  if (!sub) return null;
  const given = text(claims.given_name);
  const family = text(claims.family_name);
  const displayName = bounded(text(claims.name) ?? ([given, family].filter(Boolean).join(' ') || sub));
  const nationalId =
    names.nationalId
      .map((name) => text(claims[name]))
      .find((value) => value !== null && NATIONAL_ID.test(value)) ?? null;
  const parsed = personSchema.safeParse({
    personId: sub,
    displayName,
    nationalId,
    profession: bounded(text(claims[names.profession])),
  });
  if (!parsed.success) return null;
  const amr = Array.isArray(claims.amr)
    ? claims.amr.filter((value): value is string => typeof value === 'string')
    : [];
  return { person: parsed.data, amr, acr: text(claims.acr) };
}
