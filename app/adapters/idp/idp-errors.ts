/**
 * What went wrong in a call to the IdP, in the port's terms. Every error openid-client, the
 * network, TLS or the IdP can produce lands in exactly one class; an unknown one is `idp-error`,
 * never a partial success.
 */
import type { IdpFailure } from '../../core/ports/identity-provider.js';
import { ResponseTooLargeError } from './https-fetch.js';

export type ErrorClass =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unreachable'; readonly detail: string }
  | { readonly kind: 'tls'; readonly detail: string }
  | {
      readonly kind: 'oauth';
      /** The OAuth `error` code, e.g. invalid_grant. */
      readonly error: string;
      readonly status: number;
      readonly description: string | null;
      readonly retryAfterSeconds: number | null;
    }
  | { readonly kind: 'protocol'; readonly detail: string };

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

/**
 * The error codes of OAuth 2.0 (RFC 6749, 6750, 7591, 8628, 8693, 9449) and OpenID CIBA. An IdP
 * answering anything else — which may be its own words, or the request echoed back with the PIN
 * in it — gets the fixed code below: what the IdP wrote never reaches a log, a screen or a result.
 */
const KNOWN_OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'insufficient_scope',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'authorization_pending',
  'slow_down',
  'expired_token',
  'unknown_user_id',
  'expired_login_hint_token',
  'invalid_binding_message',
  'invalid_user_code',
  'transaction_failed',
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'invalid_software_statement',
  'unapproved_software_statement',
  'login_required',
  'consent_required',
  'interaction_required',
  'invalid_target',
]);
export const NON_STANDARD_ERROR = 'non_standard_error';

const knownCode = (code: string): string => (KNOWN_OAUTH_ERRORS.has(code) ? code : NON_STANDARD_ERROR);

/** The most tries-left the screens show (the session's schema); an IdP saying more is clamped. */
export const MAX_TRIES_LEFT = 15;

function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function classifyError(error: unknown, now: number): ErrorClass {
  for (const cause of causes(error)) {
    const name = field(cause, 'name');
    if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
    if (cause instanceof ResponseTooLargeError) return { kind: 'protocol', detail: cause.message };
    // openid-client's ResponseBodyError: the IdP answered with an OAuth error body.
    const oauthError = field(cause, 'error');
    const status = field(cause, 'status');
    if (typeof oauthError === 'string' && typeof status === 'number' && name === 'ResponseBodyError') {
      const response = field(cause, 'response');
      const headers = response instanceof Response ? response.headers : null;
      const description = field(cause, 'error_description');
      return {
        kind: 'oauth',
        error: knownCode(oauthError),
        status,
        description: typeof description === 'string' ? description.slice(0, 300) : null,
        retryAfterSeconds: parseRetryAfter(headers?.get('retry-after') ?? null, now),
      };
    }
    // A 401 with a WWW-Authenticate challenge (RFC 6750 §3, RFC 6749 §5.2): the client's own
    // credentials were refused; the code is in the challenge's parameters.
    if (name === 'WWWAuthenticateChallengeError' && typeof status === 'number') {
      const challenges = Array.isArray(field(cause, 'cause')) ? (field(cause, 'cause') as unknown[]) : [];
      const code = challenges
        .map((challenge) => field(field(challenge, 'parameters'), 'error'))
        .find((value): value is string => typeof value === 'string');
      const response = field(cause, 'response');
      const headers = response instanceof Response ? response.headers : null;
      return {
        kind: 'oauth',
        error: code !== undefined ? knownCode(code) : status === 401 ? 'invalid_client' : NON_STANDARD_ERROR,
        status,
        description: null,
        retryAfterSeconds: parseRetryAfter(headers?.get('retry-after') ?? null, now),
      };
    }
    const code = field(cause, 'code');
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return { kind: 'unreachable', detail: code };
      if (TLS_CODES.test(code)) return { kind: 'tls', detail: code };
    }
    if (cause instanceof Error && /closed the connection|socket hang up/i.test(cause.message)) {
      return { kind: 'unreachable', detail: cause.message };
    }
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
  return { kind: 'protocol', detail: message.slice(0, 300) };
}

const UNKNOWN_ACCOUNT = /unknown (badge|user|account)|user not found|account not found|no such (badge|user)/i;
const TRIES_LEFT = /(\d+) (?:tries|attempts?|essais?) (?:left|remaining|restants?)/i;

/**
 * A failure of a sign-in in the port's terms. `invalid_grant` means a wrong PIN for a badge (the
 * IdP checks it), but for a card (whose PIN the card itself checked) it means the IdP does not
 * accept that card — untrusted chain, or no account linked to its national ID: `unknown-badge`.
 */
export function toSignInFailure(cls: ErrorClass, method: 'badge' | 'card' | 'ecps' = 'badge'): IdpFailure {
  switch (cls.kind) {
    case 'timeout':
      return { reason: 'timeout' };
    case 'unreachable':
      return { reason: 'idp-unreachable' };
    case 'tls':
    case 'protocol':
      return { reason: 'idp-error' };
    case 'oauth':
      // Lockout and rate limiting: 429, or any answer that says when to come back.
      if (cls.status === 429 || (cls.retryAfterSeconds !== null && cls.error !== 'temporarily_unavailable')) {
        return { reason: 'too-many-attempts', retryAfterSeconds: cls.retryAfterSeconds };
      }
      if (cls.error === 'temporarily_unavailable' || cls.status >= 500) return { reason: 'idp-unreachable' };
      if (cls.error === 'invalid_grant' && method === 'card') return { reason: 'unknown-badge' };
      // CIBA (OpenID CIBA Core §13): the login_hint names nobody the IdP knows.
      if (cls.error === 'unknown_user_id' && method === 'ecps') return { reason: 'unknown-badge' };
      if (cls.error === 'invalid_grant' && method === 'badge') {
        if (cls.description && UNKNOWN_ACCOUNT.test(cls.description)) return { reason: 'unknown-badge' };
        const tries = cls.description ? TRIES_LEFT.exec(cls.description)?.[1] : undefined;
        return {
          reason: 'wrong-pin',
          triesLeft: tries === undefined ? null : Math.min(Number(tries), MAX_TRIES_LEFT),
        };
      }
      return { reason: 'idp-error' };
  }
}

/** A failed refresh: `invalid_grant` means the person must sign in again. */
export function toRefreshFailure(cls: ErrorClass): 'reauthenticate' | 'idp-unreachable' | 'idp-error' {
  switch (cls.kind) {
    case 'timeout':
    case 'unreachable':
      return 'idp-unreachable';
    case 'tls':
    case 'protocol':
      return 'idp-error';
    case 'oauth':
      if (cls.error === 'invalid_grant') return 'reauthenticate';
      if (cls.error === 'temporarily_unavailable' || cls.status >= 500 || cls.status === 429)
        return 'idp-unreachable';
      return 'idp-error';
  }
}

/** For diagnostics: the class without anything the IdP wrote back (it could echo input). */
export function describeForLog(cls: ErrorClass): Record<string, unknown> {
  switch (cls.kind) {
    case 'oauth':
      return {
        kind: cls.kind,
        error: cls.error,
        status: cls.status,
        retryAfterSeconds: cls.retryAfterSeconds,
      };
    case 'timeout':
      return { kind: cls.kind };
    default:
      return { kind: cls.kind, detail: cls.detail };
  }
}
