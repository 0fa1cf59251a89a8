/**
 * What a client can really do at the IdP, found without anyone's credentials: one token request
 * per grant with a made-up username, assertion or refresh token. The IdP authenticates the client
 * first, then checks that the grant is allowed for it, and only then looks at the made-up value:
 * `invalid_client` says the client's own credentials are refused; `unauthorized_client` or
 * `unsupported_grant_type` says the grant is not for this client; `invalid_grant` (the made-up
 * value is wrong) says the grant is open to it. Nothing is sent that belongs to a person.
 */
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { classifyError } from './idp-errors.js';
import {
  CIBA_GRANT,
  JWT_BEARER_GRANT,
  PASSWORD_GRANT,
  type WorkstationClient,
} from './workstation-client.js';

export type ProbedGrant =
  typeof PASSWORD_GRANT | typeof JWT_BEARER_GRANT | 'refresh_token' | typeof CIBA_GRANT;

export type GrantVerdict =
  | { readonly verdict: 'open' }
  | { readonly verdict: 'refused'; readonly code: string }
  | { readonly verdict: 'unknown'; readonly detail: string };

export type ProbeResult =
  | { readonly clientAccepted: false; readonly detail: string }
  | { readonly clientAccepted: true; readonly grants: ReadonlyMap<ProbedGrant, GrantVerdict> };

/** Answers that mean the IdP got as far as looking at the made-up value. */
const REACHED_THE_GRANT = new Set([
  'invalid_grant',
  'access_denied',
  'unknown_user_id',
  'expired_login_hint_token',
]);
/** Answers that mean it did not: the grant is not for this client. */
const GRANT_NOT_FOR_CLIENT = new Set(['unauthorized_client', 'unsupported_grant_type']);

const madeUp = (what: string): string => `releve-idp-check-${what}-${randomBytes(8).toString('hex')}`;

async function attempt(request: () => Promise<unknown>): Promise<GrantVerdict | 'client-refused'> {
  try {
    await request();
    return { verdict: 'open' };
  } catch (error) {
    const cls = classifyError(error, Date.now());
    if (cls.kind !== 'oauth') {
      return {
        verdict: 'unknown',
        detail: cls.kind === 'timeout' ? 'no answer in time' : `${cls.kind}: ${cls.detail}`,
      };
    }
    if (cls.error === 'invalid_client') return 'client-refused';
    if (GRANT_NOT_FOR_CLIENT.has(cls.error)) return { verdict: 'refused', code: cls.error };
    if (REACHED_THE_GRANT.has(cls.error)) return { verdict: 'open' };
    // The request is complete and well formed, yet IdPs differ: oidc-provider answers this for
    // a grant the client may not use, LemonLDAP::NG for a refresh token it does not know.
    if (cls.error === 'invalid_request') {
      return {
        verdict: 'unknown',
        detail: 'the IdP answered invalid_request, which does not say whether the client may use it',
      };
    }
    // A code outside the standards: the IdP's word is not echoed (it may be anything).
    return { verdict: 'unknown', detail: `non-standard answer (HTTP ${cls.status})` };
  }
}

/** Probes each grant the IdP offers, with the client as the agent would use it. */
export async function probeClient(
  client: WorkstationClient,
  offered: readonly ProbedGrant[],
): Promise<ProbeResult> {
  const requests: Record<ProbedGrant, () => Promise<unknown>> = {
    [PASSWORD_GRANT]: () =>
      oidc.genericGrantRequest(client.config, PASSWORD_GRANT, {
        username: madeUp('user'),
        password: madeUp('password'),
        scope: 'openid',
      }),
    [JWT_BEARER_GRANT]: () =>
      oidc.genericGrantRequest(client.config, JWT_BEARER_GRANT, {
        assertion: madeUp('assertion'),
        scope: 'openid',
      }),
    refresh_token: () => oidc.refreshTokenGrant(client.config, madeUp('refresh')),
    [CIBA_GRANT]: () =>
      oidc.initiateBackchannelAuthentication(client.config, { scope: 'openid', login_hint: madeUp('hint') }),
  };
  const grants = new Map<ProbedGrant, GrantVerdict>();
  for (const grant of offered) {
    const verdict = await attempt(requests[grant]);
    if (verdict === 'client-refused') {
      return {
        clientAccepted: false,
        detail: `the IdP refused the client's own credentials (invalid_client) on the ${grant} request`,
      };
    }
    grants.set(grant, verdict);
  }
  return { clientAccepted: true, grants };
}
