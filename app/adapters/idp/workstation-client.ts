/**
 * The workstation as one confidential OIDC client: at first start it makes its keys, registers
 * itself with RFC 7591 using the initial access token IT put in policy, and keeps the client ID
 * and private keys in the OS vault (SecretStore) — never in a file. Later starts only discover.
 *
 * Two keys, both ES256: the client key (`private_key_jwt` at the token endpoint) and the DPoP
 * key (access tokens are bound to it when the IdP offers DPoP).
 */
import * as oidc from 'openid-client';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import type { SecretStore } from '../../core/ports/secret-store.js';

export const CLIENT_GRANT_TYPES = [
  'authorization_code',
  'password',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'refresh_token',
  'urn:openid:params:grant-type:ciba',
] as const;

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
});
type ClientRecord = z.infer<typeof recordSchema>;

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

/** The vault account holding one issuer's client record. */
export const clientRecordAccount = (issuer: string): string => `idp-client:${issuer}`;

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

function finish(
  config: oidc.Configuration,
  record: ClientRecord,
  dpopKeys: oidc.CryptoKeyPair,
): WorkstationClient {
  // id_tokens from every grant are checked against the IdP's JWKS, not only iss/aud/exp.
  oidc.enableNonRepudiationChecks(config);
  const dpopAlgs = config.serverMetadata().dpop_signing_alg_values_supported;
  const dpop =
    Array.isArray(dpopAlgs) && dpopAlgs.includes('ES256') ? oidc.getDPoPHandle(config, dpopKeys) : undefined;
  return { config, clientId: record.clientId, dpop };
}

async function register(options: WorkstationClientOptions): Promise<WorkstationClient> {
  if (!options.initialAccessToken) throw new NotRegisteredError(options.issuer);
  const clientKey = await newKey();
  const dpopKey = await newKey();
  const clientKeyId = `releve-${Date.now().toString(36)}`;
  const clientPrivateKey = await privateKeyOf(clientKey.privateJwk);
  const config = await oidc.dynamicClientRegistration(
    new URL(options.issuer),
    {
      client_name: options.clientName,
      application_type: 'native',
      grant_types: [...CLIENT_GRANT_TYPES],
      // The authorization code flow only for badge enrollment, through the system browser.
      response_types: ['code'],
      redirect_uris: [ENROLLMENT_REDIRECT_URI],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...clientKey.publicJwk, kid: clientKeyId, alg: 'ES256', use: 'sig' }] },
      backchannel_token_delivery_mode: 'poll',
    },
    oidc.PrivateKeyJwt({ key: clientPrivateKey, kid: clientKeyId }),
    {
      [oidc.customFetch]: options.fetch,
      timeout: options.timeoutSeconds,
      initialAccessToken: options.initialAccessToken,
    },
  );
  const metadata = config.clientMetadata();
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
  };
  // Stored before first use: a registration the vault cannot keep is not used (the next start
  // registers again rather than running with keys that exist nowhere).
  await options.store.set(clientRecordAccount(options.issuer), JSON.stringify(record));
  return finish(config, record, await keyPairOf(record.dpopKey));
}

async function loadRecord(store: SecretStore, issuer: string): Promise<ClientRecord | null> {
  const stored = await store.get(clientRecordAccount(issuer));
  if (stored === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    return null;
  }
  const parsed = recordSchema.safeParse(json);
  return parsed.success && parsed.data.issuer === issuer ? parsed.data : null;
}

/**
 * This workstation's client ID at `issuer`, from the vault, without registering: null when it
 * has no usable registration (none, or one the agent would not use and would replace).
 */
export async function registeredClientId(store: SecretStore, issuer: string): Promise<string | null> {
  return (await loadRecord(store, issuer))?.clientId ?? null;
}

/** The registered client, registering the workstation first if the vault has no record. */
export async function loadOrRegisterClient(options: WorkstationClientOptions): Promise<WorkstationClient> {
  const record = await loadRecord(options.store, options.issuer);
  if (!record) return register(options);
  const config = await oidc.discovery(
    new URL(options.issuer),
    record.clientId,
    { token_endpoint_auth_method: 'private_key_jwt', id_token_signed_response_alg: record.idTokenAlg },
    oidc.PrivateKeyJwt({ key: await privateKeyOf(record.clientKey), kid: record.clientKeyId }),
    { [oidc.customFetch]: options.fetch, timeout: options.timeoutSeconds },
  );
  return finish(config, record, await keyPairOf(record.dpopKey));
}

/** Forgets the registration (the IdP no longer knows the client): the next call registers again. */
export async function forgetClient(store: SecretStore, issuer: string): Promise<void> {
  await store.delete(clientRecordAccount(issuer));
}
