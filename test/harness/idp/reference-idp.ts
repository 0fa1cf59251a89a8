/**
 * The reference IdP: a real OIDC provider (oidc-provider 9) over HTTPS on loopback, standing in
 * for the hospital's Keycloak / LemonLDAP::NG / AD FS in tests and the demo. Never packaged.
 *
 * What it offers, as a hospital IdP would:
 * - discovery, JWKS (ES256 id_tokens), userinfo, revocation;
 * - dynamic client registration (RFC 7591) guarded by an initial access token, clients
 *   authenticating with `private_key_jwt`; DPoP-bound access tokens when the client sends proofs;
 * - badge + PIN: `grant_type=password`, `username=badge:<UID>`, `password=<PIN>`, with a lockout
 *   after `maxPinFailures` consecutive wrong PINs (answered `429 invalid_grant` + `Retry-After`);
 * - CPS card: the RFC 7523 JWT bearer grant, assertion RS256-signed by the card, its certificate
 *   in `x5c`, chained to the card PKI's root; the certificate's CN (national ID) names the person;
 * - e-CPS: OpenID CIBA in poll mode (`login_hint` = national ID, `binding_message`), approved or
 *   denied by the test through `approve()` / `deny()`, standing in for the e-CPS app;
 * - refresh tokens, rotated on every use (a used one is refused);
 * - the enrollment API: `POST /badges` with the person's access token, `{ badgeId, pin }`;
 * - the authorization code flow (PKCE) for badge enrollment, with its own login page: a person
 *   logs in with their person ID and directory password (or cancels: `access_denied`); native
 *   clients may register loopback redirect URIs, any port matching (RFC 8252).
 *
 * Claims (id_token and userinfo, scope `profile`): `name`, `given_name`, `family_name`,
 * `profession` (the profession's label, as on the card's `title`), `national_id` and
 * `preferred_username` (the national ID; both absent for a person without one).
 * `amr` / `acr` by method (RFC 8176 values where one exists):
 *   card  → amr ["sc","hwk","pin","mfa"], acr "eidas3" (certificate on a card, PIN checked by it)
 *   e-CPS → amr ["swk","pin","mfa"],      acr "eidas2"
 *   badge → amr ["pin","badge"],          acr "eidas1" (a badge UID is not a cryptographic factor)
 *   login page (enrollment) → amr ["pwd"], acr "eidas1"
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { calculateJwkThumbprint, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider, { errors, type Account, type InteractionDetails, type OidcContext } from 'oidc-provider';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';
import { issueTokens } from 'oidc-provider/lib/helpers/grant_common.js';
import { createCardPki, createTlsMaterial, type CardPki, type TlsMaterial } from '../pki.js';
import { checkCardAssertion } from './card-assertion.js';
import { createMemoryAdapter } from './memory-adapter.js';
import { Directory, DEFAULT_DIRECTORY_PEOPLE, type DirectoryPerson } from './directory.js';

export const PASSWORD_GRANT = 'password';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

export const METHOD_CLAIMS = {
  card: { amr: ['sc', 'hwk', 'pin', 'mfa'], acr: 'eidas3' },
  ecps: { amr: ['swk', 'pin', 'mfa'], acr: 'eidas2' },
  badge: { amr: ['pin', 'badge'], acr: 'eidas1' },
  password: { amr: ['pwd'], acr: 'eidas1' },
} as const;

const DEFAULT_SCOPE = 'openid profile offline_access';
const SUPPORTED_SCOPES = new Set(['openid', 'profile', 'offline_access']);

export interface ReferenceIdpOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Trust this card PKI (e.g. the one a virtual card was made from); a new one otherwise. */
  readonly cardPki?: CardPki;
  /** Reuse TLS material (e.g. across restarts in one test); a new CA + server cert otherwise. */
  readonly tls?: TlsMaterial;
  readonly people?: readonly DirectoryPerson[];
  /** Required to register a client (RFC 7591). Random by default; read it from the handle. */
  readonly initialAccessToken?: string;
  readonly maxPinFailures?: number;
  readonly lockoutSeconds?: number;
  readonly accessTokenTtlSeconds?: number;
  readonly refreshTokenTtlSeconds?: number;
  /** The polling interval CIBA clients are told to use. Default 1 s (keeps tests quick). */
  readonly cibaPollIntervalSeconds?: number;
  /** Epoch ms for the lockout and the card assertion checks; tests move it instead of sleeping. */
  readonly now?: () => number;
  /**
   * What it offers; default everything. `thirdParty()` below is configured like a common
   * third-party IdP: registration, password grant and refresh, no CIBA, no JWT bearer, no DPoP.
   */
  readonly offer?: IdpOfferOptions;
}

export interface IdpOfferOptions {
  readonly jwtBearer?: boolean;
  readonly ciba?: boolean;
  readonly dpop?: boolean;
  /** Default `['private_key_jwt']`. */
  readonly clientAuthMethods?: readonly ('private_key_jwt' | 'client_secret_basic' | 'client_secret_post')[];
}

/** A standard oidc-provider configured like a third party: no CIBA, no JWT bearer grant, no DPoP. */
export const THIRD_PARTY_OFFER: IdpOfferOptions = {
  jwtBearer: false,
  ciba: false,
  dpop: false,
  clientAuthMethods: ['private_key_jwt', 'client_secret_basic', 'client_secret_post'],
};

export interface CibaRequest {
  readonly authReqId: string;
  readonly personId: string;
  readonly nationalId: string;
  readonly bindingMessage: string | null;
  readonly clientId: string;
}

export interface ReferenceIdp {
  /** `https://127.0.0.1:<port>` */
  readonly issuer: string;
  readonly port: number;
  /** PEM of the CA that issued the IdP's TLS certificate: what a client must trust. */
  readonly caPem: string;
  readonly tls: TlsMaterial;
  readonly cardPki: CardPki;
  readonly directory: Directory;
  readonly initialAccessToken: string;
  /** Unexpected errors inside the provider (bugs), for tests to assert none happened. */
  readonly serverErrors: readonly Error[];
  /**
   * 'token-request' (grant type) when a token request arrives, before it is answered;
   * 'ciba-request' (CibaRequest) when an e-CPS approval is asked for.
   */
  readonly events: EventEmitter;
  /** CIBA requests waiting for the e-CPS app's answer. */
  pendingCiba(): readonly CibaRequest[];
  /** The e-CPS app approves (the person picked the right number and entered their password). */
  approve(authReqId: string): Promise<void>;
  deny(authReqId: string): Promise<void>;
  /** IT registers a client in the IdP's console (client_id, auth method, jwks or client_secret...). */
  registerClient(metadata: Record<string, unknown>): Promise<void>;
  /** Holds every token response this long (a slow IdP); 0 to stop. */
  setTokenDelay(ms: number): void;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

/** What the login page posts. */
interface LoginForm {
  readonly action: 'login' | 'cancel';
  readonly login: string;
  readonly password: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The IdP's login page (French first, then English), as a hospital IdP would show it. */
function loginPage(uid: string, problem: string | null, login: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion — Sign in</title></head>
<body>
<h1>Connexion à l'hôpital <span lang="en">— Hospital sign-in</span></h1>
<p>Enregistrement d'un badge : identifiez-vous avec votre mot de passe de l'annuaire.
<span lang="en">Badge enrollment: sign in with your directory password.</span></p>
${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="login">Identifiant <span lang="en">/ Username</span></label>
<input id="login" name="login" autocomplete="username" value="${escapeHtml(login)}">
<label for="password">Mot de passe <span lang="en">/ Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" name="action" value="login">Se connecter / Sign in</button>
<button type="submit" name="action" value="cancel" formnovalidate>Annuler / Cancel</button>
</form>
</body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'",
  });
  res.end(html);
}

async function readLoginForm(req: IncomingMessage): Promise<LoginForm> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > 4096) throw new Error('body too large');
    chunks.push(buffer);
  }
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  return {
    action: form.get('action') === 'cancel' ? 'cancel' : 'login',
    login: form.get('login') ?? '',
    password: form.get('password') ?? '',
  };
}

interface EnrollmentBody {
  readonly badgeId?: unknown;
  readonly pin?: unknown;
}

function accountFor(person: DirectoryPerson): Account {
  return {
    accountId: person.personId,
    claims: () => ({
      sub: person.personId,
      name: person.displayName,
      given_name: person.givenName,
      family_name: person.surname,
      profession: person.profession,
      ...(person.nationalId !== null
        ? { national_id: person.nationalId, preferred_username: person.nationalId }
        : {}),
    }),
  };
}

function requestedScope(ctx: OidcContext): { scope: string; scopes: Set<string> } {
  const scope = ctx.oidc.params.scope ?? DEFAULT_SCOPE;
  const scopes = new Set(scope.split(' ').filter(Boolean));
  for (const value of scopes) {
    if (!SUPPORTED_SCOPES.has(value)) throw new errors.InvalidRequest(`scope "${value}" is not offered`);
  }
  return { scope: [...scopes].join(' '), scopes };
}

async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export async function startReferenceIdp(options: ReferenceIdpOptions = {}): Promise<ReferenceIdp> {
  const now = options.now ?? Date.now;
  const offer = options.offer ?? {};
  // Key generation dominates start-up: make the RSA material in parallel, sign with EC.
  const [tls, cardPki, signingKeys] = await Promise.all([
    options.tls ? Promise.resolve(options.tls) : createTlsMaterial(['localhost']),
    options.cardPki ? Promise.resolve(options.cardPki) : createCardPki(),
    generateKeyPair('ES256', { extractable: true }),
  ]);
  const directory = new Directory(options.people ?? DEFAULT_DIRECTORY_PEOPLE, {
    maxPinFailures: options.maxPinFailures,
    lockoutSeconds: options.lockoutSeconds,
    now,
  });
  const initialAccessToken = options.initialAccessToken ?? randomBytes(24).toString('base64url');
  const signingJwk = {
    ...(await exportJWK(signingKeys.privateKey)),
    alg: 'ES256',
    use: 'sig',
    kid: randomUUID(),
  };
  const events = new EventEmitter();
  const serverErrors: Error[] = [];
  const pending = new Map<string, CibaRequest>();
  const seenAssertionIds = new Set<string>();

  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the reference IdP did not get a TCP port');
  const issuer = `https://127.0.0.1:${address.port}`;

  const provider = new Provider(issuer, {
    jwks: { keys: [signingJwk] },
    clientDefaults: {
      grant_types: [PASSWORD_GRANT],
      response_types: [],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'private_key_jwt',
    },
    clientAuthMethods: [...(offer.clientAuthMethods ?? ['private_key_jwt'])],
    scopes: [...SUPPORTED_SCOPES],
    adapter: createMemoryAdapter(),
    claims: {
      // acr/amr with the openid scope: every id_token says how the person authenticated.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'given_name', 'family_name', 'profession', 'national_id', 'preferred_username'],
    },
    // Profile claims in the id_token too: the agent reads the person from it without a userinfo call.
    conformIdTokenClaims: false,
    acrValues: [METHOD_CLAIMS.badge.acr, METHOD_CLAIMS.ecps.acr, METHOD_CLAIMS.card.acr],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx: unknown, sub: string) => {
      const person = directory.find(sub);
      return person ? accountFor(person) : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      dPoP: { enabled: offer.dpop ?? true },
      ciba: {
        enabled: offer.ciba ?? true,
        deliveryModes: ['poll'],
        processLoginHint: (_ctx: unknown, loginHint: string) =>
          directory.findByNationalId(loginHint)?.personId,
        validateBindingMessage: (_ctx: unknown, bindingMessage: string | undefined) => {
          if (bindingMessage !== undefined && !/^[0-9A-Za-z .-]{1,20}$/.test(bindingMessage)) {
            throw new errors.CustomOIDCProviderError(
              'invalid_binding_message',
              'binding_message is too long or not plain text',
            );
          }
        },
        validateRequestContext: () => undefined,
        verifyUserCode: () => undefined,
        triggerAuthenticationDevice: (
          _ctx: unknown,
          request: { jti: string; params: Record<string, unknown> },
          account: Account,
          client: { clientId: string },
        ) => {
          const person = directory.find(account.accountId);
          const cibaRequest: CibaRequest = {
            authReqId: request.jti,
            personId: account.accountId,
            nationalId: person?.nationalId ?? '',
            bindingMessage:
              typeof request.params.binding_message === 'string' ? request.params.binding_message : null,
            clientId: client.clientId,
          };
          pending.set(request.jti, cibaRequest);
          events.emit('ciba-request', cibaRequest);
        },
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: (
      _ctx: unknown,
      client: { grantTypeAllowed(type: string): boolean },
      source: { scopes: Set<string> },
    ) => client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access'),
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 300,
      IdToken: options.accessTokenTtlSeconds ?? 300,
      RefreshToken: options.refreshTokenTtlSeconds ?? 8 * 3600,
      Grant: options.refreshTokenTtlSeconds ?? 8 * 3600,
      BackchannelAuthenticationRequest: 120,
      Session: 3600,
      Interaction: 600,
    },
  });
  const backchannelPath =
    (offer.ciba ?? true) ? new URL(provider.urlFor('backchannel_authentication')).pathname : null;
  provider.use(async (ctx, next) => {
    await next();
    // oidc-provider leaves `interval` out, and clients then wait 5 s between polls.
    if (
      ctx.path === backchannelPath &&
      ctx.status === 200 &&
      typeof ctx.body === 'object' &&
      ctx.body !== null
    ) {
      ctx.body = { ...ctx.body, interval: options.cibaPollIntervalSeconds ?? 1 };
    }
  });
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    serverErrors.push(error instanceof Error ? error : new Error(String(error)));
  });

  const helpers = Object.fromEntries(
    Object.entries(grantHelpers).map(([name, helper]) => [
      name,
      (...args: unknown[]) => helper(provider, ...args),
    ]),
  );

  /** Issues tokens for an authenticated person exactly as the built-in grants do. */
  async function issueFor(
    ctx: OidcContext,
    person: DirectoryPerson,
    method: keyof typeof METHOD_CLAIMS,
    gty: string,
  ): Promise<void> {
    const dPoP = await helpers.validateDpop?.(ctx);
    helpers.checkDpopRequired?.(ctx, dPoP);
    const cert = helpers.checkMtlsCert?.(ctx);
    const { scope, scopes } = requestedScope(ctx);
    const grant = new provider.Grant({ accountId: person.personId, clientId: ctx.oidc.client.clientId });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const source = {
      accountId: person.personId,
      grantId,
      scope,
      scopes,
      acr: METHOD_CLAIMS[method].acr,
      amr: [...METHOD_CLAIMS[method].amr],
      authTime: Math.floor(now() / 1000),
      claims: {},
      expiresWithSession: false,
    };
    await issueTokens(provider, helpers, ctx, source, grant, { gty, entityLabel: method, cert, dPoP });
  }

  provider.registerGrantType(
    PASSWORD_GRANT,
    async (ctx) => {
      const { username, password } = ctx.oidc.params;
      if (!username || password === undefined)
        throw new errors.InvalidRequest('username and password are required');
      const badgeUid = /^badge:([0-9A-Fa-f]{8,20})$/.exec(username)?.[1];
      if (!badgeUid) throw new errors.CustomOIDCProviderError('invalid_grant', 'unknown badge');
      const attempt = directory.checkBadgePin(badgeUid, password);
      switch (attempt.outcome) {
        case 'accepted':
          return issueFor(ctx, attempt.person, 'badge', PASSWORD_GRANT);
        case 'unknown-badge':
          throw new errors.CustomOIDCProviderError('invalid_grant', 'unknown badge');
        case 'wrong-pin':
          throw new errors.CustomOIDCProviderError(
            'invalid_grant',
            `wrong PIN; ${attempt.triesLeft} tries left`,
          );
        case 'locked': {
          ctx.set('Retry-After', String(attempt.retryAfterSeconds));
          const locked = new errors.CustomOIDCProviderError(
            'invalid_grant',
            `too many wrong PINs: this badge is locked; retry after ${attempt.retryAfterSeconds} seconds`,
          );
          locked.status = 429;
          locked.statusCode = 429;
          throw locked;
        }
      }
    },
    ['username', 'password', 'scope'],
  );

  if (offer.jwtBearer ?? true)
    provider.registerGrantType(
      JWT_BEARER_GRANT,
      async (ctx) => {
        const assertion = ctx.oidc.params.assertion;
        if (!assertion) throw new errors.InvalidRequest('assertion is required');
        const check = await checkCardAssertion(
          assertion,
          { rootPems: [cardPki.rootPem], intermediatePems: [cardPki.intermediatePem] },
          {
            clientId: ctx.oidc.client.clientId,
            audiences: [issuer, provider.urlFor('token')],
            seenJti: seenAssertionIds,
            now: new Date(now()),
          },
        );
        if (!check.ok) throw new errors.CustomOIDCProviderError('invalid_grant', check.reason);
        const person = directory.findByNationalId(check.nationalId);
        if (!person) {
          throw new errors.CustomOIDCProviderError(
            'invalid_grant',
            `no account is linked to national ID ${check.nationalId}`,
          );
        }
        return issueFor(ctx, person, 'card', JWT_BEARER_GRANT);
      },
      ['assertion', 'scope'],
    );

  /** `POST /badges`: the person's access token (Bearer, or DPoP with its proof), `{ badgeId, pin }`. */
  async function enroll(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorization = req.headers.authorization ?? '';
    const match = /^(Bearer|DPoP) ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization);
    const scheme = match?.[1]?.toLowerCase();
    const tokenValue = match?.[2];
    const challenge = { 'www-authenticate': 'Bearer realm="releve-enrollment"' };
    if (!scheme || !tokenValue)
      return sendJson(
        res,
        401,
        { error: 'invalid_token', error_description: 'an access token is required' },
        challenge,
      );
    const token = await provider.AccessToken.find(tokenValue);
    if (!token || token.isExpired)
      return sendJson(
        res,
        401,
        { error: 'invalid_token', error_description: 'the access token is not valid' },
        challenge,
      );
    if (token.jkt) {
      const proof = req.headers.dpop;
      if (scheme !== 'dpop' || typeof proof !== 'string') {
        return sendJson(
          res,
          401,
          { error: 'invalid_token', error_description: 'this access token needs a DPoP proof' },
          challenge,
        );
      }
      try {
        const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
          typ: 'dpop+jwt',
          maxTokenAge: '60s',
          clockTolerance: 5,
        });
        const thumbprint = protectedHeader.jwk ? await calculateJwkThumbprint(protectedHeader.jwk) : '';
        const ath = createHash('sha256').update(tokenValue).digest('base64url');
        if (
          payload.htm !== 'POST' ||
          payload.htu !== `${issuer}/badges` ||
          payload.ath !== ath ||
          thumbprint !== token.jkt
        ) {
          throw new Error('proof mismatch');
        }
      } catch {
        return sendJson(res, 401, {
          error: 'invalid_dpop_proof',
          error_description: 'the DPoP proof is not valid for this request',
        });
      }
    }
    let body: EnrollmentBody;
    try {
      body = (await readJsonBody(req, 4096)) as EnrollmentBody;
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'the body must be JSON' });
    }
    const badgeId = typeof body.badgeId === 'string' ? body.badgeId.toUpperCase() : '';
    const pin = typeof body.pin === 'string' ? body.pin : '';
    if (!/^[0-9A-F]{8,20}$/.test(badgeId)) {
      return sendJson(res, 400, {
        error: 'invalid_request',
        error_description: 'badgeId must be 8 to 20 hexadecimal digits',
      });
    }
    if (!/^[0-9]{4,8}$/.test(pin)) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'pin must be 4 to 8 digits' });
    }
    const outcome = directory.enrollBadge(token.accountId, badgeId, pin);
    switch (outcome.outcome) {
      case 'enrolled':
        return sendJson(res, 201, { personId: outcome.person.personId, badgeId });
      case 'badge-taken':
        return sendJson(res, 409, {
          error: 'badge_taken',
          error_description: 'this badge belongs to someone else',
        });
      case 'unknown-person':
        return sendJson(res, 403, { error: 'invalid_token', error_description: 'the token names no person' });
    }
  }

  /** Grants the client what it asked for: the workstation is the hospital's own (no consent screen). */
  async function grantRequested(accountId: string, clientId: string, scope: string): Promise<string> {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(scope);
    return grant.save();
  }

  /**
   * The login page of the authorization code flow: `GET /interaction/<uid>` shows it (or, when the
   * person is already logged in and only the grant is missing, grants it at once);
   * `POST /interaction/<uid>/login` checks the directory password or cancels.
   */
  async function interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
    const uid = match?.[1];
    if (!uid) return sendHtml(res, 404, '<!doctype html><p>Page inconnue / Unknown page</p>');
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return sendHtml(
        res,
        400,
        '<!doctype html><p>Cette connexion a expiré ; recommencez. / This sign-in has expired; start again.</p>',
      );
    }
    if (details.uid !== uid)
      return sendHtml(res, 400, '<!doctype html><p>Session invalide / Invalid session</p>');
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
    const scope = typeof details.params.scope === 'string' ? details.params.scope : 'openid';
    if (req.method === 'GET' && !match[2]) {
      if (details.prompt.name === 'login') return sendHtml(res, 200, loginPage(uid, null, ''));
      const accountId = details.session?.accountId;
      if (!accountId) return sendHtml(res, 400, '<!doctype html><p>Session invalide / Invalid session</p>');
      const grantId = await grantRequested(accountId, clientId, scope);
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    }
    if (req.method !== 'POST' || !match[2])
      return sendHtml(res, 405, '<!doctype html><p>Method not allowed</p>');
    const form = await readLoginForm(req);
    if (form.action === 'cancel') {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the person cancelled the sign-in' },
        { mergeWithLastSubmission: false },
      );
    }
    const person = directory.checkPassword(form.login, form.password);
    if (!person) {
      return sendHtml(
        res,
        200,
        loginPage(uid, 'Identifiant ou mot de passe incorrect. / Wrong username or password.', form.login),
      );
    }
    const grantId = await grantRequested(person.personId, clientId, scope);
    return provider.interactionFinished(
      req,
      res,
      {
        login: {
          accountId: person.personId,
          acr: METHOD_CLAIMS.password.acr,
          amr: [...METHOD_CLAIMS.password.amr],
          remember: false,
        },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  let tokenDelayMs = 0;
  const delays = new Set<NodeJS.Timeout>();
  const oidcHandler = provider.callback();
  const tokenPath = new URL(provider.urlFor('token')).pathname;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/badges' && req.method === 'POST') {
      enroll(req, res).catch((error: unknown) => {
        serverErrors.push(error instanceof Error ? error : new Error(String(error)));
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      });
      return;
    }
    if (path?.startsWith('/interaction/')) {
      interaction(req, res, path).catch((error: unknown) => {
        serverErrors.push(error instanceof Error ? error : new Error(String(error)));
        if (!res.headersSent) sendHtml(res, 500, '<!doctype html><p>Erreur / Error</p>');
      });
      return;
    }
    if (path === tokenPath && req.method === 'POST') {
      events.emit('token-request', req.headers['content-type'] ?? '');
      if (tokenDelayMs > 0) {
        const timer = setTimeout(() => {
          delays.delete(timer);
          oidcHandler(req, res);
        }, tokenDelayMs);
        delays.add(timer);
        return;
      }
    }
    oidcHandler(req, res);
  });

  async function settleCiba(authReqId: string, result: 'approve' | 'deny'): Promise<void> {
    const request = await provider.BackchannelAuthenticationRequest.find(authReqId, {
      ignoreExpiration: true,
    });
    if (!request) throw new Error(`no e-CPS request ${authReqId} is waiting`);
    pending.delete(authReqId);
    if (result === 'deny') {
      await provider.backchannelResult(
        request,
        new errors.AccessDenied('the person refused in the e-CPS app'),
      );
      return;
    }
    const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
    grant.addOIDCScope(request.scope);
    await grant.save();
    await provider.backchannelResult(request, grant, {
      acr: METHOD_CLAIMS.ecps.acr,
      amr: [...METHOD_CLAIMS.ecps.amr],
      authTime: Math.floor(now() / 1000),
    });
  }

  return {
    issuer,
    port: address.port,
    caPem: tls.caPem,
    tls,
    cardPki,
    directory,
    initialAccessToken,
    serverErrors,
    events,
    pendingCiba: () => [...pending.values()],
    approve: (authReqId) => settleCiba(authReqId, 'approve'),
    deny: (authReqId) => settleCiba(authReqId, 'deny'),
    registerClient: async (metadata) => {
      const clientId = metadata.client_id;
      if (typeof clientId !== 'string') throw new Error('registerClient: client_id is required');
      // What the IdP's console does: the client is in its store; the provider validates its
      // metadata when it loads it, as for a registered one.
      await provider.Client.adapter.upsert(clientId, metadata);
    },
    setTokenDelay: (ms) => {
      tokenDelayMs = Math.max(0, ms);
    },
    stop: async () => {
      for (const timer of delays) clearTimeout(timer);
      delays.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
