/**
 * Enrollment of an unknown badge ("The central IdP" in DESIGN.md): the person proves who they are
 * once with their directory password, at the IdP's own login page in the system browser
 * (authorization code + PKCE, a loopback redirect per RFC 8252), then the enrollment API
 * (`POST /badges` with their access token, DPoP-bound when the IdP offers DPoP) binds the badge
 * and sets its PIN.
 *
 * The workstation is the same confidential client as for sign-ins (workstation-client.ts,
 * `private_key_jwt`). The authorization request asks for a fresh login (`prompt=login`): on a
 * shared workstation the browser may still hold the previous person's IdP session, and the badge
 * must go to whoever is in front of the screen now.
 *
 * Every step is bounded and cancellable; every outcome is a result, never a throw. The PIN is
 * checked before any network call, goes into the request body as bytes (never a string), and is
 * zeroed when `enrollBadge` returns, whatever happened. No PIN, code or token reaches a log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import * as oidc from 'openid-client';
import type { Person } from '../../core/identity.js';
import type { DiagnosticLog } from '../../core/ports/diagnostic-log.js';
import type { SecretStore } from '../../core/ports/secret-store.js';
import { createHttpsFetch } from './https-fetch.js';
import { classifyError, describeForLog, type ErrorClass } from './idp-errors.js';
import { DEFAULT_CLAIM_NAMES, identityFromClaims, type ClaimNames } from './person-claims.js';
import {
  ENROLLMENT_REDIRECT_PATH,
  loadOrRegisterClient,
  MissingClientCredentialError,
  type ConfiguredClient,
  NotRegisteredError,
  type WorkstationClient,
} from './workstation-client.js';
import { silentLog } from '../log/winston-log.js';

export type EnrollmentFailureReason =
  /** The badge ID is not 8 to 20 hexadecimal digits (nothing was sent). */
  | 'invalid-badge'
  /** The PIN is not `pinMinLength`..`pinMaxLength` digits (nothing was sent). */
  | 'invalid-pin'
  /** `signal` was aborted. */
  | 'cancelled'
  /** Nobody finished the login in the browser in time, or the IdP did not answer in time. */
  | 'timeout'
  /** The person cancelled or was refused at the IdP's login page. */
  | 'denied'
  /** An answer reached the loopback redirect that is not the one this enrollment waits for. */
  | 'state-mismatch'
  /** The badge is already bound to another person. */
  | 'badge-taken'
  /** The IdP's PIN policy refused the PIN. */
  | 'pin-refused'
  /** The system browser could not be started. */
  | 'browser-failed'
  | 'idp-unreachable'
  /** Anything else: TLS, a protocol error, an invalid id_token, an unexpected answer. */
  | 'idp-error';

export interface EnrollmentFailure {
  readonly reason: EnrollmentFailureReason;
  /** For IT: what went wrong, in words that never contain the PIN, a code or a token. */
  readonly detail?: string;
}

export type EnrollmentResult =
  | { readonly ok: true; readonly person: Person; readonly badgeId: string }
  | { readonly ok: false; readonly failure: EnrollmentFailure };

export interface EnrollBadgeOptions {
  /** The IdP's issuer identifier (policy `idpIssuer`). */
  readonly issuer: string;
  /** Where the workstation's client keys live (the OS vault). */
  readonly secretStore: SecretStore;
  /** From policy; needed only if the workstation is not registered yet. */
  readonly initialAccessToken?: string | null;
  /** From policy: the client IT registered at the IdP; absent or null: self-registration. */
  readonly configuredClient?: ConfiguredClient | null;
  /** Extra CAs (PEM) trusted for the IdP's TLS (policy `idpCaFile`). */
  readonly caPem?: string | readonly string[];
  /** The badge to bind, as readers report it (hex; spaces and colons are ignored). */
  readonly badgeId: string;
  /** ASCII digits; zeroed before `enrollBadge` returns. */
  readonly pin: Uint8Array;
  /** Opens the authorization URL in the system browser (see `systemBrowser`). */
  readonly openBrowser: (url: string) => void | Promise<void>;
  readonly signal?: AbortSignal;
  /** How long the person has to log in at the IdP in the browser. Default 5 min. */
  readonly timeoutMs?: number;
  /** Bound on each call to the IdP. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Defaults 4 and 8: the PIN shape accepted before anything is sent. */
  readonly pinMinLength?: number;
  readonly pinMaxLength?: number;
  /** The enrollment API. Default `<issuer>/badges`. */
  readonly enrollmentUrl?: string;
  /** Default `openid profile`. */
  readonly scope?: string;
  readonly claimNames?: ClaimNames;
  readonly clientName?: string;
  readonly maxResponseBytes?: number;
  readonly log?: DiagnosticLog;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
}

const BADGE_ID = /^[0-9A-F]{8,20}$/;

/** The canonical badge ID (upper-case hex), or null when it is not one. */
export function canonicalBadgeId(badgeId: string): string | null {
  const canonical = badgeId.replace(/[\s:]/g, '').toUpperCase();
  return BADGE_ID.test(canonical) ? canonical : null;
}

function pinIsValid(pin: Uint8Array, min: number, max: number): boolean {
  if (pin.length < min || pin.length > max) return false;
  for (const byte of pin) if (byte < 0x30 || byte > 0x39) return false;
  return true;
}

const fail = (reason: EnrollmentFailureReason, detail?: string): EnrollmentResult => ({
  ok: false,
  failure: detail === undefined ? { reason } : { reason, detail },
});

/** What the browser shows on the loopback redirect: French first, then English. */
function browserPage(kind: 'received' | 'denied' | 'mismatch'): { status: number; html: string } {
  const text = {
    received: {
      status: 200,
      fr: ['Connexion reçue', 'Vous pouvez fermer cette fenêtre et revenir à Relève.'],
      en: ['Sign-in received', 'You can close this window and return to Relève.'],
    },
    denied: {
      status: 200,
      fr: ['Enregistrement du badge annulé', 'Vous pouvez fermer cette fenêtre.'],
      en: ['Badge enrollment cancelled', 'You can close this window.'],
    },
    mismatch: {
      status: 400,
      fr: [
        'Réponse refusée',
        "Cette réponse ne correspond pas à l'enregistrement en cours. Vous pouvez fermer cette fenêtre.",
      ],
      en: [
        'Answer refused',
        'This answer does not belong to the enrollment in progress. You can close this window.',
      ],
    },
  }[kind];
  const html = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Relève — ${text.fr[0]}</title></head>
<body>
<h1>${text.fr[0]}</h1>
<p>${text.fr[1]}</p>
<div lang="en"><h2>${text.en[0]}</h2><p>${text.en[1]}</p></div>
</body></html>`;
  return { status: text.status, html };
}

type Callback =
  | { readonly kind: 'code'; readonly url: URL }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'mismatch' };

/**
 * The loopback listener: 127.0.0.1 only, an ephemeral port, one path. The first answer to that
 * path settles it; anything else gets a 404 and is ignored.
 */
async function startLoopback(expectedState: string): Promise<{
  readonly redirectUri: string;
  readonly callback: Promise<Callback>;
  readonly close: () => Promise<void>;
}> {
  let settle: (callback: Callback) => void = () => undefined;
  const callback = new Promise<Callback>((resolve) => {
    settle = resolve;
  });
  let settled = false;
  /** `http://127.0.0.1:<port>`, once listening: the code exchange needs the exact redirect URI. */
  let origin = 'http://127.0.0.1';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const answer = (page: { status: number; html: string }): void => {
      res.writeHead(page.status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'none'",
        connection: 'close',
      });
      res.end(page.html);
    };
    if (req.method !== 'GET' || url.pathname !== ENROLLMENT_REDIRECT_PATH || settled) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Not found');
      return;
    }
    settled = true;
    const params = url.searchParams;
    if (params.get('state') !== expectedState) {
      answer(browserPage('mismatch'));
      settle({ kind: 'mismatch' });
      return;
    }
    const error = params.get('error');
    if (error !== null) {
      answer(browserPage('denied'));
      settle({ kind: 'error', error: error.slice(0, 64) });
      return;
    }
    answer(browserPage('received'));
    settle({ kind: 'code', url });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    redirectUri: `http://127.0.0.1:${port}${ENROLLMENT_REDIRECT_PATH}`,
    callback,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

class StepTimeout extends Error {
  constructor(what: string) {
    super(`${what} took too long`);
    this.name = 'StepTimeout';
  }
}

/** The JSON body `{ badgeId, pin }` as bytes, the PIN copied in without becoming a string. */
function enrollmentBody(badgeId: string, pin: Uint8Array): Uint8Array {
  const encoder = new TextEncoder();
  const head = encoder.encode(`{"badgeId":${JSON.stringify(badgeId)},"pin":"`);
  const tail = encoder.encode('"}');
  const body = new Uint8Array(head.length + pin.length + tail.length);
  body.set(head, 0);
  body.set(pin, head.length);
  body.set(tail, head.length + pin.length);
  return body;
}

function failureOf(cls: ErrorClass): EnrollmentResult {
  switch (cls.kind) {
    case 'timeout':
      return fail('timeout', 'the IdP did not answer in time');
    case 'unreachable':
      return fail('idp-unreachable', cls.detail);
    case 'tls':
      return fail('idp-error', `TLS: ${cls.detail}`);
    case 'protocol':
      return fail('idp-error', cls.detail);
    case 'oauth':
      if (cls.error === 'temporarily_unavailable' || cls.status >= 500)
        return fail('idp-unreachable', `HTTP ${cls.status}`);
      return fail('idp-error', `the IdP answered ${cls.error} (HTTP ${cls.status})`);
  }
}

async function answerOf(response: Response): Promise<{ error: string; description: string }> {
  try {
    const body = (await response.json()) as { error?: unknown; error_description?: unknown };
    return {
      error: typeof body.error === 'string' ? body.error.slice(0, 64) : '',
      description: typeof body.error_description === 'string' ? body.error_description.slice(0, 200) : '',
    };
  } catch {
    return { error: '', description: '' };
  }
}

/** The enrollment API's answer in the result's terms. */
async function enrollmentOutcome(response: Response): Promise<EnrollmentFailure | null> {
  if (response.status === 200 || response.status === 201) return null;
  const { error, description } = await answerOf(response);
  if (response.status === 409 || error === 'badge_taken')
    return { reason: 'badge-taken', detail: 'the badge is bound to another person' };
  // The contract: `invalid_pin`; an IdP saying invalid_request about the PIN means the same.
  if (
    (response.status === 400 || response.status === 422) &&
    (error === 'invalid_pin' || (error === 'invalid_request' && /\bpin\b/i.test(description)))
  ) {
    return { reason: 'pin-refused', detail: "the IdP's PIN policy refused this PIN" };
  }
  if (response.status >= 500 || response.status === 429)
    return { reason: 'idp-unreachable', detail: `the enrollment API answered HTTP ${response.status}` };
  return {
    reason: 'idp-error',
    detail: `the enrollment API answered HTTP ${response.status}${error ? ` ${error}` : ''}`,
  };
}

/**
 * Enrolls a badge: the person logs in at the IdP in the system browser, then the badge is bound
 * to them with the given PIN. Resolves with the person, or why it did not happen.
 */
export async function enrollBadge(options: EnrollBadgeOptions): Promise<EnrollmentResult> {
  const log = options.log ?? silentLog;
  try {
    const badgeId = canonicalBadgeId(options.badgeId);
    if (!badgeId) return fail('invalid-badge', 'a badge ID is 8 to 20 hexadecimal digits');
    const min = options.pinMinLength ?? 4;
    const max = options.pinMaxLength ?? 8;
    if (!pinIsValid(options.pin, min, max)) return fail('invalid-pin', `a PIN is ${min} to ${max} digits`);
    if (options.signal?.aborted) return fail('cancelled');
    const result = await enrollOnline(options, badgeId, log);
    log.info('Badge enrollment finished', {
      outcome: result.ok ? 'enrolled' : result.failure.reason,
    });
    return result;
  } finally {
    options.pin.fill(0);
  }
}

async function enrollOnline(
  options: EnrollBadgeOptions,
  badgeId: string,
  log: DiagnosticLog,
): Promise<EnrollmentResult> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const httpsFetch = createHttpsFetch({ caPem: options.caPem, maxResponseBytes: options.maxResponseBytes });
  const outer = options.signal;
  /** The step in progress: its requests are aborted with it. */
  let stepSignal: AbortSignal | undefined;
  const fetch: oidc.CustomFetch = (url, init) => {
    const signals = [init.signal, stepSignal].filter((s): s is AbortSignal => s !== undefined);
    return httpsFetch(url, { ...init, signal: signals.length > 0 ? AbortSignal.any(signals) : undefined });
  };

  /** Runs one step bounded by `ms` and `signal`; a cancel or a timeout rejects at once. */
  const step = async <T>(what: string, ms: number, work: () => Promise<T>): Promise<T> => {
    if (outer?.aborted) throw new Cancelled();
    const controller = new AbortController();
    const signals = outer ? [controller.signal, outer] : [controller.signal];
    stepSignal = AbortSignal.any(signals);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException(`${what} took too long`, 'TimeoutError'));
        reject(new StepTimeout(what));
      }, ms);
      onAbort = () => {
        controller.abort(new DOMException('cancelled', 'AbortError'));
        reject(new Cancelled());
      };
      outer?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work(), stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort) outer?.removeEventListener('abort', onAbort);
      stopped.catch(() => undefined);
    }
  };

  const classify = (error: unknown, what: string): EnrollmentResult => {
    if (error instanceof Cancelled || outer?.aborted) return fail('cancelled');
    if (error instanceof StepTimeout) return fail('timeout', `${what}: no answer in time`);
    if (error instanceof NotRegisteredError || error instanceof MissingClientCredentialError)
      return fail('idp-error', error.message);
    const cls = classifyError(error, now());
    log.warn(`Badge enrollment: ${what} failed`, describeForLog(cls));
    return failureOf(cls);
  };

  // 1. The workstation client (registering it first if need be).
  let client: WorkstationClient;
  try {
    client = await step('reaching the IdP', requestTimeoutMs, () =>
      loadOrRegisterClient({
        issuer: options.issuer,
        store: options.secretStore,
        initialAccessToken: options.initialAccessToken ?? null,
        configuredClient: options.configuredClient ?? null,
        fetch,
        timeoutSeconds: Math.max(1, Math.ceil(requestTimeoutMs / 1000)),
        clientName: options.clientName ?? `Relève ${hostname()}`,
      }),
    );
  } catch (error) {
    return classify(error, 'reaching the IdP');
  }

  // 2. The loopback listener and the authorization request.
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  let loopback: Awaited<ReturnType<typeof startLoopback>>;
  try {
    loopback = await startLoopback(state);
  } catch (error) {
    return fail('idp-error', `no loopback port for the browser's answer: ${String(error)}`.slice(0, 200));
  }
  try {
    const authorizationUrl = oidc.buildAuthorizationUrl(client.config, {
      redirect_uri: loopback.redirectUri,
      response_type: 'code',
      scope: options.scope ?? 'openid profile',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      // A fresh login: the browser may still hold the previous person's IdP session.
      prompt: 'login',
    });

    // 3. The person logs in, in the system browser. The opener runs alongside the wait: an
    //    opener that never returns does not hold the enrollment; one that fails ends it.
    class BrowserFailed extends Error {}
    const opening = (async () => {
      try {
        await options.openBrowser(authorizationUrl.href);
      } catch (error) {
        throw new BrowserFailed(error instanceof Error ? error.message : String(error));
      }
      return new Promise<never>(() => undefined);
    })();
    log.info('Badge enrollment: waiting for the login in the browser');
    let callback: Callback;
    try {
      callback = await step('the login in the browser', options.timeoutMs ?? 5 * 60_000, () =>
        Promise.race([loopback.callback, opening]),
      );
    } catch (error) {
      if (error instanceof BrowserFailed) {
        log.warn('Badge enrollment: the system browser could not be started', { error: error.message });
        return fail('browser-failed', error.message.slice(0, 200));
      }
      return classify(error, 'the login in the browser');
    } finally {
      opening.catch(() => undefined);
    }
    if (callback.kind === 'mismatch') {
      log.warn('Badge enrollment: an answer with the wrong state reached the loopback; refused');
      return fail('state-mismatch', 'the answer that reached the workstation was not for this enrollment');
    }
    if (callback.kind === 'error') {
      return callback.error === 'access_denied' || callback.error === 'login_required'
        ? fail('denied', 'the login was cancelled or refused at the IdP')
        : fail('idp-error', `the IdP answered ${callback.error}`);
    }

    // 4. The code for tokens; the id_token checked (signature, iss, aud, exp, nonce).
    let person: Person;
    let tokens: oidc.TokenEndpointResponse;
    try {
      const response = await step('exchanging the code', requestTimeoutMs, () =>
        oidc.authorizationCodeGrant(
          client.config,
          callback.url,
          { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
          undefined,
          { DPoP: client.dpop },
        ),
      );
      const claims = response.claims();
      const identity = claims ? identityFromClaims(claims, options.claimNames ?? DEFAULT_CLAIM_NAMES) : null;
      if (!identity) return fail('idp-error', 'the id_token names no person');
      person = identity.person;
      tokens = response;
    } catch (error) {
      return classify(error, 'exchanging the code');
    }

    // 5. The enrollment API binds the badge and sets its PIN.
    const body = enrollmentBody(badgeId, options.pin);
    try {
      const enrollmentUrl = new URL(options.enrollmentUrl ?? `${options.issuer.replace(/\/+$/, '')}/badges`);
      const response = await step('binding the badge', requestTimeoutMs, () =>
        oidc.fetchProtectedResource(
          client.config,
          tokens.access_token,
          enrollmentUrl,
          'POST',
          body,
          new Headers({ 'content-type': 'application/json', accept: 'application/json' }),
          { DPoP: client.dpop },
        ),
      );
      const failure = await enrollmentOutcome(response);
      if (failure) return { ok: false, failure };
    } catch (error) {
      return classify(error, 'binding the badge');
    } finally {
      body.fill(0);
      // The enrollment's tokens have served their purpose: revoked, best effort, bounded.
      await step('revoking the enrollment tokens', requestTimeoutMs, async () => {
        if (tokens.refresh_token)
          await oidc.tokenRevocation(client.config, tokens.refresh_token, {
            token_type_hint: 'refresh_token',
          });
        await oidc.tokenRevocation(client.config, tokens.access_token, { token_type_hint: 'access_token' });
      }).catch(() => undefined);
    }
    return { ok: true, person, badgeId };
  } finally {
    await loopback.close();
  }
}
