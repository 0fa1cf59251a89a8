/**
 * `releve idp check --issuer URL [--ca-file PEM] [--json]`: can this workstation work with that
 * IdP? Reads discovery and JWKS over HTTPS, checks the registration endpoint, the clock skew
 * (the IdP's Date header against ours: tokens and assertions carry times), and lists which of
 * the grants Relève uses the IdP offers. Sends no credentials and registers nothing.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createHttpsFetch, type HttpsFetch } from '../../adapters/idp/https-fetch.js';
import { registeredClientId } from '../../adapters/idp/workstation-client.js';
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
}

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

    add(
      'registration',
      typeof metadata.registration_endpoint === 'string' ? 'ok' : 'fail',
      typeof metadata.registration_endpoint === 'string'
        ? `${metadata.registration_endpoint} (workstations register themselves with the initial access token from policy)`
        : 'no registration_endpoint: workstations cannot register (RFC 7591)',
    );

    if (options.registration) {
      try {
        const clientId = await options.registration(issuer);
        if (clientId) add('workstation', 'ok', `registered with this IdP as client ${clientId}`);
        else if (options.hasInitialAccessToken)
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

    const authMethods = strings(metadata.token_endpoint_auth_methods_supported);
    add(
      'client-auth',
      authMethods.includes('private_key_jwt') ? 'ok' : 'fail',
      authMethods.includes('private_key_jwt')
        ? 'private_key_jwt offered'
        : `private_key_jwt not offered (${authMethods.join(', ') || 'none listed'})`,
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

/** `releve idp check [--issuer URL] [--ca-file PEM] [--json]`, defaults from policy. */
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
  const caFile = values['ca-file'] ?? (policy.idpCaFile || undefined);
  const vault = options.vault();
  return idpCheck(
    {
      issuer,
      caFile,
      json: values.json,
      timeoutMs: policy.authenticationTimeoutSeconds * 1000,
      registration: (checked) => registeredClientId(vault, checked),
      hasInitialAccessToken: policy.idpInitialAccessToken !== '',
    },
    io.out,
  );
}
