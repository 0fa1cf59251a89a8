/**
 * IdentityProvider on the hospital's OIDC IdP, through openid-client 6. Follows "The central IdP"
 * in DESIGN.md:
 * - badge + PIN: `grant_type=password`, `username` from a template (default `badge:{uid}`);
 * - CPS card: the RFC 7523 JWT bearer grant, assertion signed on the card, certificate in `x5c`;
 * - e-CPS: OpenID CIBA in poll mode (`signInWithEcps`, beyond the port);
 * - refresh, revocation.
 * The workstation authenticates with `private_key_jwt`; access tokens are DPoP-bound when the IdP
 * offers DPoP; id_tokens are checked (signature against the IdP's JWKS, iss, aud, exp).
 *
 * Every call is bounded by `timeoutMs` and resolves with a result: HTTP errors, TLS failures,
 * garbage or oversized answers and unexpected token types all become failures, never a throw and
 * never a partial sign-in. The PIN becomes text only inside the request body, at the last moment;
 * it is never logged or put in a failure.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import * as oidc from 'openid-client';
import type {
  IdentityProvider,
  IdpResult,
  RefreshResult,
  TokenSet,
} from '../../core/ports/identity-provider.js';
import type { SecretStore } from '../../core/ports/secret-store.js';
import type { DiagnosticLog } from '../../core/ports/diagnostic-log.js';
import { buildCardAssertion, CardSignatureError } from './card-assertion.js';
import { createHttpsFetch, type HttpsFetch } from './https-fetch.js';
import {
  classifyError,
  describeForLog,
  toRefreshFailure,
  toSignInFailure,
  type ErrorClass,
} from './idp-errors.js';
import { DEFAULT_CLAIM_NAMES, identityFromClaims, type ClaimNames } from './person-claims.js';
import {
  forgetClient,
  CIBA_GRANT,
  loadOrRegisterClient,
  MissingClientCredentialError,
  offerOf,
  NotRegisteredError,
  type ConfiguredClient,
  type WorkstationClient,
} from './workstation-client.js';
import { silentLog } from '../log/winston-log.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface OidcIdentityProviderOptions {
  /** The IdP's issuer identifier, e.g. https://idp.chu.example/realms/soins. */
  readonly issuer: string;
  /** Where the workstation's client keys live (the OS vault). */
  readonly secretStore: SecretStore;
  /** From policy; needed only for the first registration. */
  readonly initialAccessToken?: string | null;
  /** From policy: the client IT registered at the IdP; absent or null: self-registration. */
  readonly configuredClient?: ConfiguredClient | null;
  /** Extra CAs (PEM) to trust for the IdP's TLS certificate, besides the system's. */
  readonly caPem?: string | readonly string[];
  /** Bound on every call, as a whole. Default 10 s. */
  readonly timeoutMs?: number;
  /** How a badge UID becomes the `username` of the password grant. Default `badge:{uid}`. */
  readonly badgeUsernameTemplate?: string;
  /** Default `openid profile offline_access`. */
  readonly scope?: string;
  readonly claimNames?: ClaimNames;
  /** Answers above this size are refused. Default 256 KiB. */
  readonly maxResponseBytes?: number;
  readonly clientName?: string;
  readonly log?: DiagnosticLog;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
}

/** The outcome of an e-CPS sign-in: the port's results, plus what only e-CPS can answer. */
export type EcpsResult =
  | IdpResult
  | {
      readonly ok: false;
      readonly failure: { readonly reason: 'ecps-denied' | 'ecps-expired' | 'cancelled' };
    };

type Attempt<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorClass };

/** The PIN as the request body needs it, decoded at the last moment. */
function pinText(pin: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(pin);
}

export class OidcIdentityProvider implements IdentityProvider {
  private readonly timeoutMs: number;
  private readonly scope: string;
  private readonly usernameTemplate: string;
  private readonly claimNames: ClaimNames;
  private readonly log: DiagnosticLog;
  private readonly now: () => number;
  private readonly httpsFetch: HttpsFetch;
  /** The per-call deadline, seen by every request the call makes. */
  private readonly deadline = new AsyncLocalStorage<AbortSignal>();
  private client: Promise<WorkstationClient> | null = null;

  constructor(private readonly options: OidcIdentityProviderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.scope = options.scope ?? 'openid profile offline_access';
    this.usernameTemplate = options.badgeUsernameTemplate ?? 'badge:{uid}';
    this.claimNames = options.claimNames ?? DEFAULT_CLAIM_NAMES;
    this.log = options.log ?? silentLog;
    this.now = options.now ?? Date.now;
    this.httpsFetch = createHttpsFetch({ caPem: options.caPem, maxResponseBytes: options.maxResponseBytes });
  }

  /** Fetch for openid-client: its own per-request signal and this call's deadline, both. */
  private readonly fetch: oidc.CustomFetch = (url, init) => {
    const callDeadline = this.deadline.getStore();
    const signals = [init.signal, callDeadline].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    return this.httpsFetch(url, {
      ...init,
      signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
    });
  };

  /** What the IdP's discovery document said about CIBA, once the client is loaded. */
  private ecpsOffer: boolean | null = null;

  offersEcps(): boolean {
    if (this.ecpsOffer === null && !this.client) {
      // Finding out is loading the client, which every sign-in does anyway.
      this.workstation().catch(() => undefined);
    }
    return this.ecpsOffer === true;
  }

  /** Registers or loads the workstation client once; a failure is forgotten so the next call retries. */
  private workstation(): Promise<WorkstationClient> {
    if (!this.client) {
      const loading = loadOrRegisterClient({
        issuer: this.options.issuer,
        store: this.options.secretStore,
        initialAccessToken: this.options.initialAccessToken ?? null,
        configuredClient: this.options.configuredClient ?? null,
        fetch: this.fetch,
        timeoutSeconds: Math.max(1, Math.ceil(this.timeoutMs / 1000)),
        clientName: this.options.clientName ?? `Relève ${hostname()}`,
      });
      this.client = loading;
      loading.then(
        (client) => {
          this.ecpsOffer = offerOf(client.config.serverMetadata()).grants.includes(CIBA_GRANT);
        },
        () => undefined,
      );
      loading.catch(() => {
        if (this.client === loading) this.client = null;
      });
    }
    return this.client;
  }

  /**
   * Runs one call under the deadline; resolves with its value or its classified error. When the
   * deadline passes, the call's requests are aborted and the result is a timeout at once.
   */
  private async bounded<T>(
    what: string,
    call: (client: WorkstationClient, signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
    outer?: AbortSignal,
  ): Promise<Attempt<T>> {
    const controller = new AbortController();
    const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<Attempt<T>>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException(`${what} took longer than ${timeoutMs} ms`, 'TimeoutError'));
        resolve({ ok: false, error: { kind: 'timeout' } });
      }, timeoutMs);
    });
    const work = this.deadline.run(signal, async (): Promise<Attempt<T>> => {
      try {
        const client = await this.workstation();
        return { ok: true, value: await call(client, signal) };
      } catch (error) {
        if (error instanceof NotRegisteredError || error instanceof MissingClientCredentialError) {
          return { ok: false, error: { kind: 'protocol', detail: error.message } };
        }
        const cls = classifyError(error, this.now());
        if (cls.kind === 'oauth' && cls.error === 'invalid_client' && !this.options.configuredClient) {
          // The IdP no longer knows this workstation (deleted, or its keys rotated there):
          // register again on the next call instead of failing forever.
          this.client = null;
          await forgetClient(this.options.secretStore, this.options.issuer).catch(() => undefined);
        }
        return { ok: false, error: cls };
      }
    });
    try {
      const result = await Promise.race([work, expired]);
      if (!result.ok) this.log.warn(`IdP ${what} failed`, describeForLog(result.error));
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  private tokensFrom(response: oidc.TokenEndpointResponse, previousRefreshToken: string | null): TokenSet {
    const expiresIn =
      typeof response.expires_in === 'number' && response.expires_in > 0 ? response.expires_in : 300;
    return {
      accessToken: response.access_token,
      // An IdP that does not rotate returns no new refresh token: the old one stays valid.
      refreshToken: response.refresh_token ?? previousRefreshToken,
      idToken: response.id_token ?? null,
      expiresAt: this.now() + expiresIn * 1000,
    };
  }

  /** A token response becomes a sign-in only with a valid id_token naming a person. */
  private signedIn(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): IdpResult {
    const claims = response.claims();
    const identity = claims ? identityFromClaims(claims, this.claimNames) : null;
    if (!identity) {
      this.log.warn('IdP token response has no usable id_token', { hasIdToken: claims !== undefined });
      return { ok: false, failure: { reason: 'idp-error' } };
    }
    return { ok: true, value: { ...identity, tokens: this.tokensFrom(response, null) } };
  }

  private toResult(
    attempt: Attempt<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>,
    method: 'badge' | 'card',
  ): IdpResult {
    return attempt.ok
      ? this.signedIn(attempt.value)
      : { ok: false, failure: toSignInFailure(attempt.error, method) };
  }

  async signInWithBadge(badgeId: string, pin: Uint8Array): Promise<IdpResult> {
    const username = this.usernameTemplate.replaceAll('{uid}', badgeId);
    const attempt = await this.bounded('badge sign-in', (client) =>
      oidc.genericGrantRequest(
        client.config,
        'password',
        { username, password: pinText(pin), scope: this.scope },
        { DPoP: client.dpop },
      ),
    );
    return this.toResult(attempt, 'badge');
  }

  async signInWithCard(card: {
    readonly nationalId: string;
    readonly certificate: Uint8Array;
    readonly sign: (digest: Uint8Array) => Promise<Uint8Array>;
  }): Promise<IdpResult> {
    let cardProblem: string | null = null;
    const attempt = await this.bounded('card sign-in', async (client) => {
      let assertion: string;
      try {
        assertion = await buildCardAssertion({
          clientId: client.clientId,
          audience: client.config.serverMetadata().issuer,
          nationalId: card.nationalId,
          certificate: card.certificate,
          sign: card.sign,
          now: this.now(),
        });
      } catch (error) {
        cardProblem =
          error instanceof CardSignatureError ? error.message : 'the card could not sign the assertion';
        throw error;
      }
      return oidc.genericGrantRequest(
        client.config,
        JWT_BEARER_GRANT,
        { assertion, scope: this.scope },
        { DPoP: client.dpop },
      );
    });
    if (cardProblem !== null) {
      this.log.warn('Card sign-in: no assertion was sent', { problem: cardProblem });
      return { ok: false, failure: { reason: 'idp-error' } };
    }
    return this.toResult(attempt, 'card');
  }

  async refresh(refreshToken: string): Promise<RefreshResult> {
    const attempt = await this.bounded('refresh', (client) =>
      oidc.refreshTokenGrant(client.config, refreshToken, {}, { DPoP: client.dpop }),
    );
    if (!attempt.ok) return { ok: false, reason: toRefreshFailure(attempt.error) };
    return { ok: true, tokens: this.tokensFrom(attempt.value, refreshToken) };
  }

  /** Revokes the refresh token (which ends the grant) and the access token; best effort, bounded. */
  async revoke(tokens: TokenSet): Promise<void> {
    await this.bounded('revocation', async (client) => {
      if (typeof client.config.serverMetadata().revocation_endpoint !== 'string') {
        // LemonLDAP::NG 2.16 has none: the tokens leave the vault (TokenVault) and expire there.
        this.log.info('The IdP has no revocation endpoint: tokens are forgotten here and expire at the IdP');
        return;
      }
      if (tokens.refreshToken) {
        await oidc.tokenRevocation(client.config, tokens.refreshToken, { token_type_hint: 'refresh_token' });
      }
      await oidc.tokenRevocation(client.config, tokens.accessToken, { token_type_hint: 'access_token' });
    });
  }

  /**
   * e-CPS: asks the IdP (CIBA, poll mode) to push an approval to the person's e-CPS app and waits
   * for it. `bindingMessage` is the short code shown on screen that the person picks in the app.
   * Bounded by the IdP's own expiry for the request (and `signal`, to cancel), not by `timeoutMs`.
   */
  async signInWithEcps(
    nationalId: string,
    bindingMessage: string,
    signal?: AbortSignal,
  ): Promise<EcpsResult> {
    let initiated = false;
    const attempt = await this.bounded(
      'e-CPS sign-in',
      async (client, callSignal) => {
        const request = await oidc.initiateBackchannelAuthentication(client.config, {
          scope: this.scope,
          login_hint: nationalId,
          binding_message: bindingMessage,
        });
        initiated = true;
        // Polling ends when the IdP says the request expired, or shortly after it should have.
        const pollSignal = AbortSignal.any([
          callSignal,
          AbortSignal.timeout(request.expires_in * 1000 + this.timeoutMs),
        ]);
        return oidc.pollBackchannelAuthenticationGrant(
          client.config,
          request,
          {},
          { DPoP: client.dpop, signal: pollSignal },
        );
      },
      // The IdP's expiry (at most 10 min) plus one request's worth of time.
      10 * 60_000 + this.timeoutMs,
      signal,
    );
    if (signal?.aborted) return { ok: false, failure: { reason: 'cancelled' } };
    if (!attempt.ok) {
      const cls = attempt.error;
      if (cls.kind === 'oauth' && cls.error === 'access_denied')
        return { ok: false, failure: { reason: 'ecps-denied' } };
      if ((cls.kind === 'oauth' && cls.error === 'expired_token') || (cls.kind === 'timeout' && initiated)) {
        return { ok: false, failure: { reason: 'ecps-expired' } };
      }
      return { ok: false, failure: toSignInFailure(cls, 'ecps') };
    }
    return this.signedIn(attempt.value);
  }
}
