/**
 * How the IdP adapter reads what an IdP says: id_token claims into a Person (with or without a
 * national ID), and errors into the port's failures (wrong PIN, lockout, unknown badge).
 */
import { describe, expect, it } from '@jest/globals';
import { identityFromClaims } from '../../../../app/adapters/idp/person-claims.js';
import {
  classifyError,
  parseRetryAfter,
  toRefreshFailure,
  toSignInFailure,
  type ErrorClass,
} from '../../../../app/adapters/idp/idp-errors.js';
import { ResponseTooLargeError } from '../../../../app/adapters/idp/https-fetch.js';

const oauth = (
  error: string,
  status = 400,
  description: string | null = null,
  retryAfterSeconds: number | null = null,
): ErrorClass => ({
  kind: 'oauth',
  error,
  status,
  description,
  retryAfterSeconds,
});

describe('identityFromClaims', () => {
  it('makes a Person from the standard and Relève claims', () => {
    expect(
      identityFromClaims({
        sub: 'paul.durand',
        name: 'Dr Paul Durand',
        profession: 'Médecin',
        national_id: '810001234567',
        amr: ['sc', 'pin', 7],
        acr: 'eidas3',
      }),
    ).toEqual({
      person: {
        personId: 'paul.durand',
        displayName: 'Dr Paul Durand',
        nationalId: '810001234567',
        profession: 'Médecin',
      },
      amr: ['sc', 'pin'],
      acr: 'eidas3',
    });
  });

  it('reads the national ID from preferred_username (Pro Santé Connect style) but not a login name', () => {
    expect(identityFromClaims({ sub: 'x', preferred_username: '899700075122' })?.person.nationalId).toBe(
      '899700075122',
    );
    expect(
      identityFromClaims({ sub: 'x', preferred_username: 'sophie.petit' })?.person.nationalId,
    ).toBeNull();
  });

  it('builds a display name from given and family names, or falls back to the subject', () => {
    expect(
      identityFromClaims({ sub: 's', given_name: 'Sophie', family_name: 'Petit' })?.person.displayName,
    ).toBe('Sophie Petit');
    expect(identityFromClaims({ sub: 'sophie.petit' })?.person.displayName).toBe('sophie.petit');
  });

  it('refuses claims without a subject, or with an oversized one', () => {
    expect(identityFromClaims({ name: 'Nobody' })).toBeNull();
    expect(identityFromClaims({ sub: 's'.repeat(1000), name: 'Nobody' })).toBeNull();
  });

  it('still signs in a person whose name or profession is oversized, cut on a character boundary', () => {
    const identity = identityFromClaims({
      sub: 'x',
      name: 'é'.repeat(300),
      profession: '👩‍⚕️'.repeat(200),
    });
    expect(Array.from(identity?.person.displayName ?? '')).toHaveLength(256);
    expect(identity?.person.displayName.endsWith('é…')).toBe(true);
    expect(Array.from(identity?.person.profession ?? '')).toHaveLength(256);
    expect(identity?.person.profession).not.toMatch(/[\uD800-\uDBFF]…$/);
  });
});

describe('errors into failures', () => {
  it('invalid_grant for a badge is a wrong PIN, with the tries left when the IdP says so', () => {
    expect(toSignInFailure(oauth('invalid_grant', 400, 'wrong PIN; 3 tries left'))).toEqual({
      reason: 'wrong-pin',
      triesLeft: 3,
    });
    expect(toSignInFailure(oauth('invalid_grant', 400, 'Invalid user credentials'))).toEqual({
      reason: 'wrong-pin',
      triesLeft: null,
    });
    expect(toSignInFailure(oauth('invalid_grant', 400, 'unknown badge'))).toEqual({
      reason: 'unknown-badge',
    });
  });

  it('invalid_grant for a card means the IdP does not accept that card', () => {
    expect(toSignInFailure(oauth('invalid_grant'), 'card')).toEqual({ reason: 'unknown-badge' });
  });

  it('unknown_user_id for e-CPS means no account is linked to that national ID', () => {
    expect(toSignInFailure(oauth('unknown_user_id'), 'ecps')).toEqual({ reason: 'unknown-badge' });
    expect(toSignInFailure(oauth('unknown_user_id'), 'badge')).toEqual({ reason: 'idp-error' });
  });

  it('429 or a Retry-After is a lockout', () => {
    expect(toSignInFailure(oauth('invalid_grant', 429, null, 300))).toEqual({
      reason: 'too-many-attempts',
      retryAfterSeconds: 300,
    });
    expect(toSignInFailure(oauth('slow_down', 400, null, 10))).toEqual({
      reason: 'too-many-attempts',
      retryAfterSeconds: 10,
    });
    expect(toSignInFailure(oauth('invalid_grant', 429))).toEqual({
      reason: 'too-many-attempts',
      retryAfterSeconds: null,
    });
  });

  it('a server error or temporarily_unavailable is unreachable; anything unexpected is idp-error', () => {
    expect(toSignInFailure(oauth('server_error', 500))).toEqual({ reason: 'idp-unreachable' });
    expect(toSignInFailure(oauth('temporarily_unavailable', 503, null, 30))).toEqual({
      reason: 'idp-unreachable',
    });
    expect(toSignInFailure(oauth('invalid_client', 401))).toEqual({ reason: 'idp-error' });
    expect(toSignInFailure({ kind: 'tls', detail: 'CERT_HAS_EXPIRED' })).toEqual({ reason: 'idp-error' });
  });

  it('a refused refresh means signing in again; an absent IdP does not', () => {
    expect(toRefreshFailure(oauth('invalid_grant'))).toBe('reauthenticate');
    expect(toRefreshFailure({ kind: 'unreachable', detail: 'ECONNREFUSED' })).toBe('idp-unreachable');
    expect(toRefreshFailure({ kind: 'timeout' })).toBe('idp-unreachable');
    expect(toRefreshFailure(oauth('invalid_client', 401))).toBe('idp-error');
  });

  it('classifies network, TLS, size and timeout errors through their causes', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyError(new Error('wrapped', { cause: refused }), 0)).toEqual({
      kind: 'unreachable',
      detail: 'ECONNREFUSED',
    });
    const tls = Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(classifyError(tls, 0).kind).toBe('tls');
    expect(classifyError(new ResponseTooLargeError(10), 0).kind).toBe('protocol');
    expect(classifyError(new DOMException('late', 'TimeoutError'), 0)).toEqual({ kind: 'timeout' });
    expect(classifyError('a string', 0).kind).toBe('protocol');
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });
});
