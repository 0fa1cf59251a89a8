/**
 * The OIDC adapter against a hostile or broken IdP over real HTTPS: forged or misdirected
 * id_tokens, garbage, oversized answers, unknown token types and an IdP that never answers must
 * all end as a clear failure — never a sign-in, never a throw, never a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import type { IdpResult } from '../../../app/core/ports/index.js';
import { startRogueIdp, tokenResponse, type RogueIdp } from '../../harness/idp/rogue-idp.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';

let rogue: RogueIdp;
const pin = (): Uint8Array => new TextEncoder().encode('1234');

function provider(timeoutMs = 5000): OidcIdentityProvider {
  return new OidcIdentityProvider({
    issuer: rogue.issuer,
    secretStore: new MemorySecretStore(),
    initialAccessToken: 'any',
    caPem: rogue.caPem,
    timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
}

const idpError: IdpResult = { ok: false, failure: { reason: 'idp-error' } };

beforeAll(async () => {
  rogue = await startRogueIdp();
});
afterAll(async () => {
  await rogue.stop();
});

describe('a well-behaved answer from the same server', () => {
  it('signs in: the other cases fail because of what is wrong in them, not because of the setup', async () => {
    rogue.setTokenAnswer(async (ctx) => tokenResponse(await ctx.sign(ctx.claims())));
    const result = await provider().signInWithBadge('04A1B2C3D4E5F6', pin());
    expect(result.ok).toBe(true);
  });
});

describe('id_tokens that must be rejected', () => {
  const cases: [string, Parameters<RogueIdp['setTokenAnswer']>[0]][] = [
    [
      'for another audience',
      async (ctx) => tokenResponse(await ctx.sign(ctx.claims({ aud: 'another-client' }))),
    ],
    [
      'from another issuer',
      async (ctx) => tokenResponse(await ctx.sign(ctx.claims({ iss: 'https://evil.example' }))),
    ],
    [
      'signed by a key the IdP does not publish',
      async (ctx) => tokenResponse(await ctx.signWithForeignKey(ctx.claims())),
    ],
    ['with alg "none"', async (ctx) => tokenResponse(ctx.unsigned(ctx.claims()))],
    [
      'expired',
      async (ctx) =>
        tokenResponse(
          await ctx.sign(
            ctx.claims({
              exp: Math.floor(Date.now() / 1000) - 3600,
              iat: Math.floor(Date.now() / 1000) - 7200,
            }),
          ),
        ),
    ],
    ['missing', async () => tokenResponse(undefined)],
    ['naming no subject', async (ctx) => tokenResponse(await ctx.sign(ctx.claims({ sub: undefined })))],
  ];
  it.each(cases)('an id_token %s is no sign-in', async (_name, answer) => {
    rogue.setTokenAnswer(answer);
    expect(await provider().signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual(idpError);
  });
});

describe('broken answers', () => {
  it('garbage instead of JSON', async () => {
    rogue.setTokenAnswer(() => ({
      body: '{"access_token": "abc", ',
      headers: { 'content-type': 'application/json' },
    }));
    expect(await provider().signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual(idpError);
  });

  it('an HTML error page', async () => {
    rogue.setTokenAnswer(() => ({ status: 502, body: '<html><body>Bad gateway</body></html>' }));
    const result = await provider().signInWithBadge('04A1B2C3D4E5F6', pin());
    expect(result.ok).toBe(false);
  });

  it('an oversized answer', async () => {
    rogue.setTokenAnswer(async (ctx) =>
      tokenResponse(await ctx.sign(ctx.claims()), { padding: 'x'.repeat(200_000) }),
    );
    expect(await provider().signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual(idpError);
  });

  it('an unexpected token type', async () => {
    rogue.setTokenAnswer(async (ctx) => tokenResponse(await ctx.sign(ctx.claims()), { token_type: 'MAC' }));
    expect(await provider().signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual(idpError);
  });

  it('an access token that is not a string', async () => {
    rogue.setTokenAnswer(async (ctx) =>
      tokenResponse(await ctx.sign(ctx.claims()), { access_token: { forged: true } }),
    );
    expect(await provider().signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual(idpError);
  });

  it('no answer at all: a timeout, in bounded time', async () => {
    rogue.setTokenAnswer(() => ({ body: {}, hang: true }));
    expect(await provider(1000).signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual({
      ok: false,
      failure: { reason: 'timeout' },
    });
  });

  it('a lockout answered as 429 with a Retry-After date', async () => {
    const retryAt = new Date(Date.now() + 90_000).toUTCString();
    rogue.setTokenAnswer(() => ({
      status: 429,
      body: { error: 'invalid_grant', error_description: 'locked' },
      headers: { 'retry-after': retryAt },
    }));
    const result = await provider().signInWithBadge('04A1B2C3D4E5F6', pin());
    if (result.ok || result.failure.reason !== 'too-many-attempts')
      throw new Error(`expected a lockout, got ${JSON.stringify(result)}`);
    expect(result.failure.retryAfterSeconds).toBeGreaterThanOrEqual(85);
    expect(result.failure.retryAfterSeconds).toBeLessThanOrEqual(91);
  });

  it('never echoes the PIN in a failure, even when the IdP echoes it back', async () => {
    rogue.setTokenAnswer(() => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'password 1234 is wrong' },
    }));
    const result = await provider().signInWithBadge('04A1B2C3D4E5F6', pin());
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('1234');
  });

  it('keeps a PIN the IdP echoes in its error code out of the log: unknown codes become a fixed word', async () => {
    const lines: string[] = [];
    const log = {
      debug: (message: string, fields?: object) => lines.push(message + JSON.stringify(fields ?? {})),
      info: (message: string, fields?: object) => lines.push(message + JSON.stringify(fields ?? {})),
      warn: (message: string, fields?: object) => lines.push(message + JSON.stringify(fields ?? {})),
      error: (message: string, fields?: object) => lines.push(message + JSON.stringify(fields ?? {})),
    };
    rogue.setTokenAnswer(() => ({ status: 400, body: { error: 'PIN 4827 refused for badge' } }));
    const echoing = new OidcIdentityProvider({
      issuer: rogue.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: 'any',
      caPem: rogue.caPem,
      log,
    });
    const result = await echoing.signInWithBadge('04A1B2C3D4E5F6', new TextEncoder().encode('4827'));
    expect(result).toEqual(idpError);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('4827');
    expect(lines.join('\n')).toContain('non_standard_error');
  });

  it('clamps an IdP that says more tries are left than a PIN prompt can show', async () => {
    rogue.setTokenAnswer(() => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'wrong PIN; 20 tries left' },
    }));
    expect(await provider().signInWithBadge('04A1B2C3D4E5F6', pin())).toEqual({
      ok: false,
      failure: { reason: 'wrong-pin', triesLeft: 15 },
    });
  });
});
