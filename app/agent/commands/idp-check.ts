/**
 * `releve idp check --issuer URL [--ca-file PEM] [--client-id ID [--client-secret-file FILE]]
 * [--register] [--json]`: can this workstation work with that IdP? Reads discovery and JWKS over
 * HTTPS, the clock skew (the IdP's Date header against ours: tokens and assertions carry times),
 * which of the grants Relève uses the IdP offers, and then the client the workstation would use —
 * one IT registered (policy `idpClientId`, or `--client-id`), or its own registration — and, when
 * there is one, which sign-ins really work with it: one token request per grant with made-up
 * values (client-probe.ts), never a person's credentials. Without a registration it prints the
 * exact RFC 7591 request the workstation would send, and sends it only with `--register`.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { createHttpsFetch, type HttpsFetch } from '../../adapters/idp/https-fetch.js';
import { classifyError } from '../../adapters/idp/idp-errors.js';
import { probeClient, type ProbedGrant } from '../../adapters/idp/client-probe.js';
import {
  CIBA_GRANT,
  clientSecretAccount,
  JWT_BEARER_GRANT,
  loadOrRegisterClient,
  MissingClientCredentialError,
  NotRegisteredError,
  offerOf,
  PASSWORD_GRANT,
  registeredClientId,
  registrationMetadata,
  type ConfiguredClient,
} from '../../adapters/idp/workstation-client.js';
import type { Policy } from '../../core/policy.js';
import type { SecretStore } from '../../core/ports/secret-store.js';
import type { CliIo } from '../cli.js';

export interface IdpCheckOptions {
  readonly issuer: string;
  readonly json?: boolean;
  /** PEM file of a CA to trust besides the system's (an internal hospital CA). */
  readonly caFile?: string;
  /** Per request. Default 10 s. */
  readonly timeoutMs?: number;
  /** Tests may replace the network. */
  readonly fetch?: HttpsFetch;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
  /**
   * This workstation's registration with the issuer, from the OS vault: its client ID, null when
   * it has not registered yet. Absent: not checked.
   */
  readonly registration?: (issuer: string) => Promise<string | null>;
  /** Whether policy gives an initial access token (needed until the workstation is registered). */
  readonly hasInitialAccessToken?: boolean;
  /**
   * The client to check for real: IT's (`configured`), or else the workstation's registration in
   * `store`. Absent: only the IdP is checked.
   */
  readonly client?: ClientToCheck;
}

export interface ClientToCheck {
  /** The OS vault (or, for a one-off `--client-secret-file`, a view of it holding that secret). */
  readonly store: SecretStore;
  readonly configured: ConfiguredClient | null;
  readonly initialAccessToken: string | null;
  /** Register now (RFC 7591) when not registered, instead of showing what would be sent. */
  readonly register: boolean;
  readonly clientName: string;
}

/** The sign-ins Relève offers, by the grant each needs, in the words IT will read. */
const SIGN_INS: readonly { readonly grant: ProbedGrant; readonly name: string }[] = [
  { grant: PASSWORD_GRANT, name: 'badge + PIN' },
  { grant: JWT_BEARER_GRANT, name: 'CPS card' },
  { grant: CIBA_GRANT, name: 'e-CPS' },
  { grant: 'refresh_token', name: 'refresh' },
];

const CLIENT_AUTH_METHODS = new Set(['private_key_jwt', 'client_secret_basic', 'client_secret_post']);

type Status = 'ok' | 'warn' | 'fail';

export interface IdpCheckItem {
  readonly check: string;
  readonly status: Status;
  readonly detail: string;
}

/** What each grant is for, in the words IT will read. */
const GRANTS: readonly { readonly grant: string; readonly use: string; readonly required: boolean }[] = [
  {
    grant: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    use: 'CPS card sign-in (JWT bearer, RFC 7523)',
    required: false,
  },
  { grant: 'password', use: 'badge + PIN sign-in', required: false },
  { grant: 'refresh_token', use: 'keeping sessions without asking again', required: true },
  { grant: 'urn:openid:params:grant-type:ciba', use: 'e-CPS sign-in (CIBA)', required: false },
  { grant: 'authorization_code', use: 'badge enrollment in the browser', required: false },
];

const MAX_SKEW_SECONDS = 60;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

async function getJson(
  fetch: HttpsFetch,
  url: string,
  timeoutMs: number,
): Promise<{ body: unknown; date: string | null }> {
  const response = await fetch(url, {
    method: 'GET',
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
  const text = await response.text();
  try {
    return { body: JSON.parse(text) as unknown, date: response.headers.get('date') };
  } catch {
    throw new Error(`${url} did not answer JSON`);
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer in time';
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}

type Add = (check: string, status: Status, detail: string) => void;

async function checkRegistration(
  registration: (issuer: string) => Promise<string | null>,
  hasInitialAccessToken: boolean,
  issuer: string,
  add: Add,
): Promise<void> {
  try {
    const clientId = await registration(issuer);
    if (clientId) add('workstation', 'ok', `registered with this IdP as client ${clientId}`);
    else if (hasInitialAccessToken)
      add(
        'workstation',
        'ok',
        'not registered yet: registers at its first sign-in (policy gives an initial access token)',
      );
    else
      add(
        'workstation',
        'fail',
        'not registered, and policy gives no initial access token (idpInitialAccessToken) to register with',
      );
  } catch (error) {
    add('workstation', 'fail', `the OS vault cannot be read: ${describeError(error)}`);
  }
}

/** A placeholder where the request carries the key the workstation makes at registration. */
const NEW_KEY = { kty: 'EC', crv: 'P-256', x: '<new ES256 key>', y: '<new ES256 key>' };

/**
 * The client the workstation would use, for real: IT's, or its own registration (made now with
 * `--register`); then one probe per grant says which sign-ins work with it.
 */
async function checkClient(
  client: ClientToCheck,
  issuer: string,
  fetch: HttpsFetch,
  timeoutMs: number,
  metadata: Record<string, unknown>,
  add: Add,
): Promise<void> {
  const offer = offerOf(metadata);
  let registeredNow = false;
  if (client.configured) {
    const { clientId, authMethod } = client.configured;
    add('registration', 'ok', `not needed: IT registered client ${clientId} (${authMethod})`);
    if (!offer.authMethods.includes(authMethod)) {
      add(
        'client',
        'fail',
        `the IdP does not offer ${authMethod} (${offer.authMethods.join(', ') || 'none listed'})`,
      );
      return;
    }
  } else {
    let clientId: string | null;
    try {
      clientId = await registeredClientId(client.store, issuer);
    } catch (error) {
      add('workstation', 'fail', `the OS vault cannot be read: ${describeError(error)}`);
      return;
    }
    if (clientId) {
      add('workstation', 'ok', `registered with this IdP as client ${clientId}`);
    } else if (typeof metadata.registration_endpoint !== 'string') {
      add(
        'registration',
        'fail',
        'no registration_endpoint: workstations cannot register themselves (RFC 7591); IT registers a client at the IdP and sets idpClientId',
      );
      return;
    } else if (!client.initialAccessToken) {
      add(
        'workstation',
        'fail',
        'not registered, and policy gives no initial access token (idpInitialAccessToken) to register with',
      );
      return;
    } else if (!client.register) {
      const request = registrationMetadata(offer, client.clientName, NEW_KEY, '<new key id>');
      add(
        'workstation',
        'ok',
        `not registered yet: registers at its first sign-in (policy gives an initial access token); ` +
          `it will send to ${metadata.registration_endpoint}: ${JSON.stringify(request)} (--register sends it now)`,
      );
      return;
    } else {
      registeredNow = true;
    }
  }
  let workstation: Awaited<ReturnType<typeof loadOrRegisterClient>>;
  try {
    workstation = await loadOrRegisterClient({
      issuer,
      store: client.store,
      initialAccessToken: client.initialAccessToken,
      configuredClient: client.configured,
      fetch: (url, init) => fetch(url, init),
      timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
      clientName: client.clientName,
    });
  } catch (error) {
    add(registeredNow ? 'workstation' : 'client', 'fail', describeClientError(error));
    return;
  }
  if (registeredNow) {
    add('workstation', 'ok', `registered now as client ${workstation.clientId} (kept in the OS vault)`);
  }
  const result = await probeClient(
    workstation,
    SIGN_INS.map(({ grant }) => grant).filter((grant) => offer.grants.includes(grant)),
  );
  if (!result.clientAccepted) {
    add('client', 'fail', `${result.detail}: a wrong or expired secret, or a key the IdP does not hold`);
    return;
  }
  add('client', 'ok', `the IdP accepts client ${workstation.clientId}`);
  for (const { grant, name } of SIGN_INS) {
    const verdict = result.grants.get(grant);
    const needed = grant === 'refresh_token';
    if (!verdict) {
      add(`sign-in ${name}`, needed ? 'fail' : 'warn', `will not work: the IdP does not offer ${grant}`);
    } else if (verdict.verdict === 'open') {
      add(`sign-in ${name}`, 'ok', `works with client ${workstation.clientId}`);
    } else if (verdict.verdict === 'refused') {
      add(
        `sign-in ${name}`,
        needed ? 'fail' : 'warn',
        `will not work: the IdP does not allow ${grant} for client ${workstation.clientId} (${verdict.code})`,
      );
    } else {
      add(`sign-in ${name}`, 'warn', `unknown: ${verdict.detail}`);
    }
  }
  const works = (grant: ProbedGrant): boolean => result.grants.get(grant)?.verdict === 'open';
  if (!works(PASSWORD_GRANT) && !works(JWT_BEARER_GRANT)) {
    add(
      'sign-in',
      'fail',
      `neither badge + PIN nor CPS card sign-in works with client ${workstation.clientId}`,
    );
  }
}

/** Why the client could not be opened, without any secret (the errors carry none). */
function describeClientError(error: unknown): string {
  if (error instanceof MissingClientCredentialError || error instanceof NotRegisteredError)
    return error.message;
  const cls = classifyError(error, Date.now());
  switch (cls.kind) {
    case 'oauth':
      return `the IdP refused (${cls.error}, HTTP ${cls.status})`;
    case 'timeout':
      return 'no answer in time';
    default:
      return `${cls.kind}: ${cls.detail}`;
  }
}

/** Runs the checks and prints them; exit code 0 when Relève can work with this IdP, 1 otherwise. */
export async function idpCheck(options: IdpCheckOptions, out: (line: string) => void): Promise<number> {
  const items: IdpCheckItem[] = [];
  const add = (check: string, status: Status, detail: string): void => {
    items.push({ check, status, detail });
  };
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const issuer = options.issuer.replace(/\/+$/, '');

  await (async () => {
    let issuerUrl: URL;
    try {
      issuerUrl = new URL(issuer);
    } catch {
      add('issuer', 'fail', `"${options.issuer}" is not a URL`);
      return;
    }
    if (issuerUrl.protocol !== 'https:') {
      add('issuer', 'fail', 'the issuer must be an https:// URL');
      return;
    }
    let fetch: HttpsFetch;
    try {
      fetch =
        options.fetch ??
        createHttpsFetch({ caPem: options.caFile ? await readFile(options.caFile, 'utf8') : undefined });
    } catch (error) {
      add('ca-file', 'fail', `cannot read ${options.caFile ?? ''}: ${describeError(error)}`);
      return;
    }

    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    let metadata: Record<string, unknown>;
    try {
      const sentAt = now();
      const { body, date } = await getJson(fetch, discoveryUrl, timeoutMs);
      const receivedAt = now();
      if (!isRecord(body)) throw new Error('the discovery document is not a JSON object');
      metadata = body;
      if (metadata.issuer !== issuer) {
        add('discovery', 'fail', `the document names issuer "${String(metadata.issuer)}", not "${issuer}"`);
        return;
      }
      add('discovery', 'ok', `${discoveryUrl} (${receivedAt - sentAt} ms)`);
      const idpTime = date ? Date.parse(date) : Number.NaN;
      if (Number.isNaN(idpTime)) {
        add('clock', 'warn', 'the IdP sent no Date header: clock skew unknown');
      } else {
        // The Date header has a resolution of one second: compare with the middle of the exchange.
        const skewSeconds = Math.round((idpTime - (sentAt + receivedAt) / 2) / 1000);
        add(
          'clock',
          Math.abs(skewSeconds) > MAX_SKEW_SECONDS ? 'fail' : 'ok',
          `the IdP's clock is ${Math.abs(skewSeconds)} s ${skewSeconds >= 0 ? 'ahead of' : 'behind'} this workstation's` +
            (Math.abs(skewSeconds) > MAX_SKEW_SECONDS
              ? ` (more than ${MAX_SKEW_SECONDS} s: tokens will be refused)`
              : ''),
        );
      }
    } catch (error) {
      add('discovery', 'fail', `${discoveryUrl}: ${describeError(error)}`);
      return;
    }

    const jwksUri = typeof metadata.jwks_uri === 'string' ? metadata.jwks_uri : null;
    if (!jwksUri) {
      add('jwks', 'fail', 'the discovery document has no jwks_uri: id_tokens cannot be checked');
    } else {
      try {
        const { body } = await getJson(fetch, jwksUri, timeoutMs);
        const keys = isRecord(body) && Array.isArray(body.keys) ? body.keys.filter(isRecord) : [];
        const signing = keys.filter((key) => key.use === undefined || key.use === 'sig');
        add(
          'jwks',
          signing.length > 0 ? 'ok' : 'fail',
          signing.length > 0
            ? `${signing.length} signing key(s): ${signing.map((key) => String(key.alg ?? key.kty)).join(', ')}`
            : 'no signing key: id_tokens cannot be checked',
        );
      } catch (error) {
        add('jwks', 'fail', describeError(error));
      }
    }

    const offer = offerOf(metadata);
    if (options.client) {
      await checkClient(options.client, issuer, fetch, timeoutMs, metadata, add);
    } else {
      add(
        'registration',
        typeof metadata.registration_endpoint === 'string' ? 'ok' : 'fail',
        typeof metadata.registration_endpoint === 'string'
          ? `${metadata.registration_endpoint} (workstations register themselves with the initial access token from policy)`
          : 'no registration_endpoint: workstations cannot register (RFC 7591)',
      );
      if (options.registration) {
        await checkRegistration(options.registration, options.hasInitialAccessToken === true, issuer, add);
      }
    }
    const knownMethods = offer.authMethods.filter((method) => CLIENT_AUTH_METHODS.has(method));
    add(
      'client-auth',
      knownMethods.length > 0 ? 'ok' : 'fail',
      knownMethods.length > 0
        ? `${knownMethods.join(', ')} offered`
        : `no client authentication Relève knows (${offer.authMethods.join(', ') || 'none listed'})`,
    );
    const dpopAlgs = strings(metadata.dpop_signing_alg_values_supported);
    add(
      'dpop',
      dpopAlgs.includes('ES256') ? 'ok' : 'warn',
      dpopAlgs.includes('ES256')
        ? 'DPoP offered (ES256): tokens are sender-constrained'
        : 'no DPoP with ES256: tokens will be plain bearer tokens',
    );

    // Without grant_types_supported, RFC 8414 says the default is authorization_code + implicit.
    const grants =
      metadata.grant_types_supported === undefined
        ? ['authorization_code', 'implicit']
        : strings(metadata.grant_types_supported);
    for (const { grant, use, required } of GRANTS) {
      let offered = grants.includes(grant);
      let detail = offered ? `offered: ${use}` : `not offered: no ${use}`;
      if (
        offered &&
        grant.endsWith(':ciba') &&
        typeof metadata.backchannel_authentication_endpoint !== 'string'
      ) {
        offered = false;
        detail = `listed, but there is no backchannel_authentication_endpoint: no ${use}`;
      }
      add(`grant ${grant}`, offered ? 'ok' : required ? 'fail' : 'warn', detail);
    }
    const signIn =
      grants.includes('password') || grants.includes('urn:ietf:params:oauth:grant-type:jwt-bearer');
    if (!signIn) add('sign-in', 'fail', 'neither badge + PIN nor CPS card sign-in is possible with this IdP');
  })();

  const usable = items.every((item) => item.status !== 'fail');
  if (options.json) {
    out(JSON.stringify({ issuer, usable, checks: items }));
  } else {
    const width = Math.max(...items.map((item) => item.check.length));
    for (const item of items)
      out(`${item.status.toUpperCase().padEnd(4)}  ${item.check.padEnd(width)}  ${item.detail}`);
    out(
      usable
        ? `Relève can work with ${issuer}.`
        : `Relève cannot work with ${issuer} as it is: see FAIL above.`,
    );
  }
  return usable ? 0 : 1;
}

export interface IdpCommandOptions {
  /** The policy in force (its IdP settings are the defaults of --issuer and --ca-file). */
  readonly policy: () => Promise<Policy>;
  /** The OS vault, for the workstation's registration state. */
  readonly vault: () => SecretStore;
}

/** A view of the vault that also holds the secret of a one-off `--client-secret-file` check. */
function withSecret(vault: SecretStore, clientId: string, secret: string): SecretStore {
  const account = clientSecretAccount(clientId);
  return {
    get: (name) => (name === account ? Promise.resolve(secret) : vault.get(name)),
    // The check keeps nothing of the one-off secret; a registration it makes goes to the vault.
    set: (name, value) => (name === account ? Promise.resolve() : vault.set(name, value)),
    delete: (name) => (name === account ? Promise.resolve(false) : vault.delete(name)),
  };
}

/**
 * `releve idp check [--issuer URL] [--ca-file PEM] [--client-id ID [--client-secret-file FILE]]
 * [--register] [--json]`, defaults from policy.
 */
export async function idpCheckCommand(
  args: readonly string[],
  io: CliIo,
  options: IdpCommandOptions,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      issuer: { type: 'string' },
      'ca-file': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-file': { type: 'string' },
      register: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) {
    io.err(`releve idp check: unexpected argument ${positionals[0]}`);
    return 2;
  }
  const policy = await options.policy();
  const issuer = values.issuer ?? policy.idpIssuer;
  if (!issuer) {
    io.err('releve idp check: no issuer: pass --issuer URL, or set idpIssuer in policy');
    return 2;
  }
  const clientId = values['client-id'] ?? (policy.idpClientId || null);
  const secretFile = values['client-secret-file'];
  if (secretFile !== undefined && clientId === null) {
    io.err('releve idp check: --client-secret-file needs --client-id ID (or idpClientId in policy)');
    return 2;
  }
  let vault = options.vault();
  let configured: ConfiguredClient | null = null;
  if (clientId !== null) {
    let authMethod = policy.idpClientAuthMethod;
    if (secretFile !== undefined) {
      let secret: string;
      try {
        secret = (await readFile(secretFile, 'utf8')).replace(/\r?\n$/, '');
      } catch (error) {
        io.err(`releve idp check: cannot read ${secretFile} (${describeError(error)})`);
        return 1;
      }
      vault = withSecret(vault, clientId, secret);
      // A secret file means a secret client, whatever policy says for the workstation's own.
      if (authMethod === 'private_key_jwt') authMethod = 'client_secret_basic';
    }
    configured = { clientId, authMethod };
  }
  const caFile = values['ca-file'] ?? (policy.idpCaFile || undefined);
  return idpCheck(
    {
      issuer,
      caFile,
      json: values.json,
      timeoutMs: policy.authenticationTimeoutSeconds * 1000,
      client: {
        store: vault,
        configured,
        initialAccessToken: policy.idpInitialAccessToken || null,
        register: values.register,
        clientName: `Relève ${hostname()}`,
      },
    },
    (line) => io.out(line),
  );
}
