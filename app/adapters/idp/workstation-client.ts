/**
 * The workstation as one confidential OIDC client, in one of two ways:
 * - self-registered (RFC 7591): at first start it makes its keys and registers with the initial
 *   access token IT put in policy, asking only for the grants and options the IdP's discovery
 *   document advertises (an IdP without CIBA or the JWT bearer grant still gets a client for
 *   badge + PIN); the client ID, keys (and a secret, when the IdP gives one) stay in the OS vault;
 * - registered by IT in the IdP's console (policy `idpClientId` + `idpClientAuthMethod`): with
 *   `private_key_jwt`, the key `releve idp register` made and kept in the vault; with a client
 *   secret, the one `releve idp set-secret` put in the vault. Neither is ever in policy.
 *
 * Keys are ES256: the client key (`private_key_jwt`) and the DPoP key (access tokens are bound to
 * it when the IdP offers DPoP).
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import * as oidc from 'openid-client';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import type { SecretStore } from '../../core/ports/secret-store.js';

export const PASSWORD_GRANT = 'password';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/** Every grant Relève can use; a workstation asks for those its IdP advertises. */
export const CLIENT_GRANT_TYPES = [
  'authorization_code',
  PASSWORD_GRANT,
  JWT_BEARER_GRANT,
  'refresh_token',
  CIBA_GRANT,
] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

export type ClientAuthMethod = 'private_key_jwt' | 'client_secret_basic' | 'client_secret_post';

/** A client IT registered at the IdP (policy `idpClientId`, `idpClientAuthMethod`). */
export interface ConfiguredClient {
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
}

/**
 * Badge enrollment's redirect (RFC 8252 §7.3): a loopback URI registered without a port; the IdP
 * accepts it with whatever ephemeral port the agent's listener got.
 */
export const ENROLLMENT_REDIRECT_PATH = '/releve/enrollment';
export const ENROLLMENT_REDIRECT_URI = `http://127.0.0.1${ENROLLMENT_REDIRECT_PATH}`;

const jwkSchema = z.looseObject({
  kty: z.string(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  d: z.string(),
});

const recordSchema = z.object({
  version: z.literal(1),
  issuer: z.string(),
  clientId: z.string().min(1),
  clientKey: jwkSchema,
  clientKeyId: z.string().min(1),
  dpopKey: jwkSchema,
  idTokenAlg: z.string().min(1),
  /** Absent in records written before IdPs without private_key_jwt were supported. */
  authMethod: z.enum(['private_key_jwt', 'client_secret_basic', 'client_secret_post']).optional(),
  /** Given by an IdP that registers clients with a secret instead of a key. */
  clientSecret: z.string().min(1).optional(),
});
type ClientRecord = z.infer<typeof recordSchema>;

/** The key `releve idp register` made for an IT-registered client. */
const clientKeySchema = z.object({ version: z.literal(1), key: jwkSchema, kid: z.string().min(1) });

export interface WorkstationClient {
  readonly config: oidc.Configuration;
  readonly clientId: string;
  /** Present when the IdP advertises DPoP; send it with every token request. */
  readonly dpop: oidc.DPoPHandle | undefined;
}

export interface WorkstationClientOptions {
  readonly issuer: string;
  readonly store: SecretStore;
  /** From policy; needed only until the workstation is registered. */
  readonly initialAccessToken: string | null;
  /** From policy: a client IT registered. When given, the workstation never registers itself. */
  readonly configuredClient?: ConfiguredClient | null;
  readonly fetch: oidc.CustomFetch;
  readonly timeoutSeconds: number;
  /** Shown to IT in the IdP's client list, e.g. the workstation's host name. */
  readonly clientName: string;
}

/** The workstation is not registered and policy gives no initial access token to register with. */
export class NotRegisteredError extends Error {
  constructor(issuer: string) {
    super(
      `This workstation is not registered with the IdP ${issuer}, and policy gives no initial access ` +
        'token to register it with.',
    );
    this.name = 'NotRegisteredError';
  }
}

/** The client IT registered has no credential in this workstation's vault. */
export class MissingClientCredentialError extends Error {
  constructor(client: ConfiguredClient) {
    super(
      client.authMethod === 'private_key_jwt'
        ? `The OS vault holds no key for client ${client.clientId}: run \`releve idp register --client-id ${client.clientId}\` and give its public key to the IdP.`
        : `The OS vault holds no secret for client ${client.clientId}: run \`releve idp set-secret --client-id ${client.clientId} --secret-file FILE\`.`,
    );
    this.name = 'MissingClientCredentialError';
  }
}

/** The vault account holding one issuer's client record (self-registration). */
export const clientRecordAccount = (issuer: string): string => `idp-client:${issuer}`;
/** The vault account holding the private key of a client IT registered with private_key_jwt. */
export const clientKeyAccount = (clientId: string): string => `idp-client-key:${clientId}`;
/** The vault account holding the secret of a client IT registered with a client secret. */
export const clientSecretAccount = (clientId: string): string => `idp-client-secret:${clientId}`;
/** The vault account holding the DPoP key of a client IT registered. */
export const clientDpopAccount = (clientId: string): string => `idp-client-dpop:${clientId}`;

async function privateKeyOf(jwk: JWK): Promise<oidc.CryptoKey> {
  return (await importJWK(jwk, 'ES256', { extractable: false })) as oidc.CryptoKey;
}

async function keyPairOf(jwk: JWK): Promise<oidc.CryptoKeyPair> {
  const { d: _private, ...publicJwk } = jwk;
  return {
    privateKey: await privateKeyOf(jwk),
    publicKey: (await importJWK({ ...publicJwk, ext: true }, 'ES256', {
      extractable: true,
    })) as oidc.CryptoKey,
  };
}

async function newKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** What an IdP's discovery document says it can do, in the terms Relève needs. */
export interface IdpOffer {
  /** The grants Relève uses that the IdP offers (CIBA only with a poll-mode backchannel endpoint). */
  readonly grants: readonly ClientGrantType[];
  readonly authMethods: readonly string[];
  readonly dpop: boolean;
}

export function offerOf(metadata: Readonly<Record<string, unknown>>): IdpOffer {
  // RFC 8414 §2: without grant_types_supported the default is authorization_code + implicit;
  // without token_endpoint_auth_methods_supported it is client_secret_basic.
  const advertised =
    metadata.grant_types_supported === undefined
      ? ['authorization_code', 'implicit']
      : strings(metadata.grant_types_supported);
  const pollMode =
    metadata.backchannel_token_delivery_modes_supported === undefined ||
    strings(metadata.backchannel_token_delivery_modes_supported).includes('poll');
  const grants = CLIENT_GRANT_TYPES.filter(
    (grant) =>
      advertised.includes(grant) &&
      (grant !== CIBA_GRANT ||
        (typeof metadata.backchannel_authentication_endpoint === 'string' && pollMode)),
  );
  const authMethods =
    metadata.token_endpoint_auth_methods_supported === undefined
      ? ['client_secret_basic']
      : strings(metadata.token_endpoint_auth_methods_supported);
  return { grants, authMethods, dpop: strings(metadata.dpop_signing_alg_values_supported).includes('ES256') };
}

/** The strongest client authentication both sides know, or null when there is none. */
export function strongestAuthMethod(offer: IdpOffer): ClientAuthMethod | null {
  for (const method of ['private_key_jwt', 'client_secret_basic', 'client_secret_post'] as const) {
    if (offer.authMethods.includes(method)) return method;
  }
  return null;
}

/**
 * The RFC 7591 registration request, built from what the IdP advertises: a grant it does not
 * offer is not asked for (asking would make a strict IdP refuse the whole registration).
 */
export function registrationMetadata(
  offer: IdpOffer,
  clientName: string,
  publicJwk: JWK,
  clientKeyId: string,
): Partial<oidc.ClientMetadata> {
  const method = strongestAuthMethod(offer);
  const metadata: Partial<oidc.ClientMetadata> = {
    client_name: clientName,
    application_type: 'native',
    grant_types: [...offer.grants],
    token_endpoint_auth_method: method ?? 'private_key_jwt',
  };
  if (offer.grants.includes('authorization_code')) {
    // The authorization code flow only for badge enrollment, through the system browser.
    metadata.response_types = ['code'];
    metadata.redirect_uris = [ENROLLMENT_REDIRECT_URI];
  } else {
    metadata.response_types = [];
  }
  if (method === 'private_key_jwt') {
    metadata.token_endpoint_auth_signing_alg = 'ES256';
    metadata.jwks = { keys: [{ ...publicJwk, kid: clientKeyId, alg: 'ES256', use: 'sig' }] };
  }
  if (offer.grants.includes(CIBA_GRANT)) metadata.backchannel_token_delivery_mode = 'poll';
  return metadata;
}

function finish(
  config: oidc.Configuration,
  clientId: string,
  dpopKeys: oidc.CryptoKeyPair,
): WorkstationClient {
  // id_tokens from every grant are checked against the IdP's JWKS, not only iss/aud/exp.
  oidc.enableNonRepudiationChecks(config);
  const dpop = offerOf(config.serverMetadata()).dpop ? oidc.getDPoPHandle(config, dpopKeys) : undefined;
  return { config, clientId, dpop };
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for the Basic credentials. */
const formEncoded = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

/**
 * `client_secret_basic` with the form encoding of RFC 6749 appendix B, which leaves `-`, `.`,
 * `_` and `*` as they are. openid-client also escapes those; LemonLDAP::NG 2.16 does not decode
 * the Basic credentials, so a client ID such as `releve-workstations` arrived as
 * `releve%2Dworkstations` and was unknown to it.
 */
function clientSecretBasic(secret: string): oidc.ClientAuth {
  return (_server, client, _body, headers) => {
    const credentials = `${formEncoded(client.client_id)}:${formEncoded(secret)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`);
  };
}

function clientAuthentication(
  method: ClientAuthMethod,
  credential: { readonly key?: oidc.CryptoKey; readonly kid?: string; readonly secret?: string },
): oidc.ClientAuth {
  switch (method) {
    case 'private_key_jwt':
      if (!credential.key) throw new Error('private_key_jwt needs a key');
      return oidc.PrivateKeyJwt({ key: credential.key, kid: credential.kid });
    case 'client_secret_basic':
      return clientSecretBasic(credential.secret ?? '');
    case 'client_secret_post':
      return oidc.ClientSecretPost(credential.secret ?? '');
  }
}

/** The IdP's discovery document, read without a client. */
export async function discoverOffer(
  options: Pick<WorkstationClientOptions, 'issuer' | 'fetch' | 'timeoutSeconds'>,
): Promise<{ offer: IdpOffer; metadata: Readonly<Record<string, unknown>> }> {
  const config = await oidc.discovery(new URL(options.issuer), 'releve-discovery', undefined, undefined, {
    [oidc.customFetch]: options.fetch,
    timeout: options.timeoutSeconds,
  });
  const metadata = config.serverMetadata() as Readonly<Record<string, unknown>>;
  return { offer: offerOf(metadata), metadata };
}

async function register(options: WorkstationClientOptions): Promise<WorkstationClient> {
  if (!options.initialAccessToken) throw new NotRegisteredError(options.issuer);
  const { offer } = await discoverOffer(options);
  const method = strongestAuthMethod(offer);
  if (method === null) {
    throw new Error(
      `The IdP ${options.issuer} offers no client authentication Relève knows (private_key_jwt, client_secret_basic, client_secret_post).`,
    );
  }
  const clientKey = await newKey();
  const dpopKey = await newKey();
  const clientKeyId = `releve-${Date.now().toString(36)}`;
  const clientPrivateKey = await privateKeyOf(clientKey.privateJwk);
  const config = await oidc.dynamicClientRegistration(
    new URL(options.issuer),
    registrationMetadata(offer, options.clientName, clientKey.publicJwk, clientKeyId),
    // Replaced below for secret-based clients, once the IdP has given the secret.
    method === 'private_key_jwt'
      ? oidc.PrivateKeyJwt({ key: clientPrivateKey, kid: clientKeyId })
      : undefined,
    {
      [oidc.customFetch]: options.fetch,
      timeout: options.timeoutSeconds,
      initialAccessToken: options.initialAccessToken,
    },
  );
  const metadata = config.clientMetadata();
  const clientSecret = typeof metadata.client_secret === 'string' ? metadata.client_secret : undefined;
  if (method !== 'private_key_jwt' && !clientSecret) {
    throw new Error(
      `The IdP ${options.issuer} registered the workstation with ${method} but gave no secret.`,
    );
  }
  const record: ClientRecord = {
    version: 1,
    issuer: options.issuer,
    clientId: metadata.client_id,
    clientKey: jwkSchema.parse(clientKey.privateJwk),
    clientKeyId,
    dpopKey: jwkSchema.parse(dpopKey.privateJwk),
    idTokenAlg:
      typeof metadata.id_token_signed_response_alg === 'string'
        ? metadata.id_token_signed_response_alg
        : 'RS256',
    authMethod: method,
    ...(clientSecret ? { clientSecret } : {}),
  };
  // Stored before first use: a registration the vault cannot keep is not used (the next start
  // registers again rather than running with keys that exist nowhere).
  await options.store.set(clientRecordAccount(options.issuer), JSON.stringify(record));
  return openRecord(options, record);
}

async function openRecord(
  options: WorkstationClientOptions,
  record: ClientRecord,
): Promise<WorkstationClient> {
  const method = record.authMethod ?? 'private_key_jwt';
  const config = await oidc.discovery(
    new URL(options.issuer),
    record.clientId,
    { token_endpoint_auth_method: method, id_token_signed_response_alg: record.idTokenAlg },
    clientAuthentication(method, {
      key: await privateKeyOf(record.clientKey),
      kid: record.clientKeyId,
      secret: record.clientSecret,
    }),
    { [oidc.customFetch]: options.fetch, timeout: options.timeoutSeconds },
  );
  return finish(config, record.clientId, await keyPairOf(record.dpopKey));
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

async function loadRecord(store: SecretStore, issuer: string): Promise<ClientRecord | null> {
  const parsed = recordSchema.safeParse(parseJson(await store.get(clientRecordAccount(issuer))));
  return parsed.success && parsed.data.issuer === issuer ? parsed.data : null;
}

/** The private key `releve idp register` made for `clientId`, or null. */
async function loadClientKey(
  store: SecretStore,
  clientId: string,
): Promise<z.infer<typeof clientKeySchema> | null> {
  const parsed = clientKeySchema.safeParse(parseJson(await store.get(clientKeyAccount(clientId))));
  return parsed.success ? parsed.data : null;
}

/** The public half of a client key, as the IdP's console wants it. */
export interface PublicClientKey {
  readonly jwk: JWK;
  readonly pem: string;
  /** Whether this call made the key (false: the vault already had one, which is kept). */
  readonly created: boolean;
}

/**
 * `releve idp register`: the key pair of the client IT registers (or registered) with
 * `private_key_jwt`, made once and kept in the vault; only its public half leaves.
 */
export async function ensureClientKey(store: SecretStore, clientId: string): Promise<PublicClientKey> {
  let stored = await loadClientKey(store, clientId);
  let created = false;
  if (!stored) {
    const key = await newKey();
    stored = {
      version: 1,
      key: jwkSchema.parse(key.privateJwk),
      kid: `releve-${Date.now().toString(36)}`,
    };
    await store.set(clientKeyAccount(clientId), JSON.stringify(stored));
    created = true;
  }
  const { d: _private, ...publicJwk } = stored.key;
  const jwk: JWK = { ...publicJwk, kid: stored.kid, alg: 'ES256', use: 'sig' };
  const pem = createPublicKey({ key: { ...publicJwk } as JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { jwk, pem, created };
}

/** The DPoP key of an IT-registered client: made once, kept in the vault (stored tokens stay usable). */
async function dpopKeyFor(store: SecretStore, clientId: string): Promise<JWK> {
  const parsed = jwkSchema.safeParse(parseJson(await store.get(clientDpopAccount(clientId))));
  if (parsed.success) return parsed.data;
  const key = jwkSchema.parse((await newKey()).privateJwk);
  await store.set(clientDpopAccount(clientId), JSON.stringify(key));
  return key;
}

async function openConfiguredClient(
  options: WorkstationClientOptions,
  client: ConfiguredClient,
): Promise<WorkstationClient> {
  let auth: oidc.ClientAuth;
  if (client.authMethod === 'private_key_jwt') {
    const stored = await loadClientKey(options.store, client.clientId);
    if (!stored) throw new MissingClientCredentialError(client);
    auth = clientAuthentication('private_key_jwt', { key: await privateKeyOf(stored.key), kid: stored.kid });
  } else {
    const secret = await options.store.get(clientSecretAccount(client.clientId));
    if (!secret) throw new MissingClientCredentialError(client);
    auth = clientAuthentication(client.authMethod, { secret });
  }
  const config = await oidc.discovery(
    new URL(options.issuer),
    client.clientId,
    { token_endpoint_auth_method: client.authMethod },
    auth,
    { [oidc.customFetch]: options.fetch, timeout: options.timeoutSeconds },
  );
  return finish(config, client.clientId, await keyPairOf(await dpopKeyFor(options.store, client.clientId)));
}

/**
 * This workstation's client ID at `issuer`, from the vault, without registering: null when it
 * has no usable registration (none, or one the agent would not use and would replace).
 */
export async function registeredClientId(store: SecretStore, issuer: string): Promise<string | null> {
  return (await loadRecord(store, issuer))?.clientId ?? null;
}

/**
 * The workstation's client: the one IT registered when policy names it, otherwise the
 * self-registered one (registering first if the vault has no record).
 */
export async function loadOrRegisterClient(options: WorkstationClientOptions): Promise<WorkstationClient> {
  if (options.configuredClient) return openConfiguredClient(options, options.configuredClient);
  const record = await loadRecord(options.store, options.issuer);
  if (!record) return register(options);
  return openRecord(options, record);
}

/**
 * Forgets a self-registration (the IdP no longer knows the client): the next call registers
 * again. A client IT registered is never forgotten: only IT can fix it.
 */
export async function forgetClient(store: SecretStore, issuer: string): Promise<void> {
  await store.delete(clientRecordAccount(issuer));
}
