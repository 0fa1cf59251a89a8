/**
 * `releve idp check` against the reference IdP and a lacking one, over real HTTPS: what IT
 * reads before pointing workstations at an IdP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { idpCheck, idpCheckCommand } from '../../../app/agent/commands/idp-check.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import { NURSE } from '../../harness/people.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';
import { startReferenceIdp, THIRD_PARTY_OFFER, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import { startRogueIdp, type RogueIdp } from '../../harness/idp/rogue-idp.js';

let idp: ReferenceIdp;
let thirdParty: ReferenceIdp;
let thirdPartyCaFile: string;
let rogue: RogueIdp;
let dir: string;
let caFile: string;
let rogueCaFile: string;

async function run(
  options: Omit<Parameters<typeof idpCheck>[0], 'caFile'> & { caFile?: string },
): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await idpCheck({ caFile, ...options }, (line) => lines.push(line));
  return { code, lines };
}

beforeAll(async () => {
  [idp, rogue, thirdParty] = await Promise.all([
    startReferenceIdp(),
    startRogueIdp(),
    startReferenceIdp({ offer: THIRD_PARTY_OFFER }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'releve-idp-check-'));
  // One file per server: each check trusts only the CA of the IdP it talks to.
  caFile = join(dir, 'idp-ca.pem');
  rogueCaFile = join(dir, 'rogue-ca.pem');
  thirdPartyCaFile = join(dir, 'third-party-ca.pem');
  await Promise.all([
    writeFile(caFile, idp.caPem),
    writeFile(rogueCaFile, rogue.caPem),
    writeFile(thirdPartyCaFile, thirdParty.caPem),
  ]);
});
afterAll(async () => {
  await Promise.all([idp.stop(), rogue.stop(), thirdParty.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('releve idp check', () => {
  it('finds the reference IdP usable, with every grant Relève uses', async () => {
    const { code, lines } = await run({ issuer: idp.issuer });
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/OK +discovery/);
    expect(text).toMatch(/OK +jwks +1 signing key\(s\): ES256/);
    expect(text).toMatch(/OK +registration/);
    expect(text).toMatch(/OK +clock +the IdP's clock is [01] s/);
    expect(text).toMatch(/OK +grant urn:ietf:params:oauth:grant-type:jwt-bearer/);
    expect(text).toMatch(/OK +grant password/);
    expect(text).toMatch(/OK +grant urn:openid:params:grant-type:ciba/);
    expect(text).toMatch(/OK +grant authorization_code/);
    expect(lines.at(-1)).toBe(`Relève can work with ${idp.issuer}.`);
  });

  it('answers one JSON object with --json', async () => {
    const { code, lines } = await run({ issuer: idp.issuer, json: true });
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] ?? '') as {
      usable: boolean;
      checks: { check: string; status: string }[];
    };
    expect(report.usable).toBe(true);
    expect(report.checks.find((item) => item.check === 'dpop')?.status).toBe('ok');
  });

  it('fails when the clocks disagree by minutes', async () => {
    const { code, lines } = await run({ issuer: idp.issuer, now: () => Date.now() - 5 * 60_000 });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/FAIL +clock +the IdP's clock is (29\d|30\d) s ahead/);
  });

  it('says what is missing from an IdP without CIBA or DPoP, which is still usable', async () => {
    const { code, lines } = await run({ issuer: rogue.issuer, caFile: rogueCaFile });
    const text = lines.join('\n');
    expect(code).toBe(0);
    expect(text).toMatch(/WARN +dpop/);
    expect(text).toMatch(/WARN +grant urn:openid:params:grant-type:ciba +not offered/);
  });

  it('fails clearly without the CA that signed the IdP certificate, or when nothing listens', async () => {
    const untrusted = await run({ issuer: idp.issuer, caFile: undefined });
    expect(untrusted.code).toBe(1);
    expect(untrusted.lines.join('\n')).toMatch(/FAIL +discovery .*(certificate|CERT)/i);
    const nothing = await run({ issuer: 'https://127.0.0.1:1' });
    expect(nothing.code).toBe(1);
    expect(nothing.lines.join('\n')).toMatch(/FAIL +discovery .*ECONNREFUSED/);
    expect((await run({ issuer: 'http://127.0.0.1:1' })).lines[0]).toMatch(
      /FAIL +issuer +the issuer must be an https/,
    );
  });

  it('says whether this workstation is registered, will register, or cannot', async () => {
    const vault = new MemorySecretStore();
    const check = async (initialAccessToken: string) => {
      const lines: string[] = [];
      const errors: string[] = [];
      const policy = {
        ...DEFAULT_POLICY,
        idpIssuer: idp.issuer,
        idpCaFile: caFile,
        idpInitialAccessToken: initialAccessToken,
      };
      const code = await idpCheckCommand(
        [],
        { out: (line) => lines.push(line), err: (line) => errors.push(line) },
        { policy: async () => policy, vault: () => vault },
      );
      return { code, text: lines.join('\n'), errors };
    };
    const cannot = await check('');
    expect(cannot.code).toBe(1);
    expect(cannot.text).toMatch(
      /FAIL +workstation +not registered, and policy gives no initial access token/,
    );
    const will = await check(idp.initialAccessToken);
    expect(will.code).toBe(0);
    expect(will.text).toMatch(/OK +workstation +not registered yet: registers at its first sign-in/);
    // The first sign-in registers it, in the same vault.
    const signIn = await new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: vault,
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    }).signInWithBadge(NURSE.badgeUid, new TextEncoder().encode(NURSE.pin));
    expect(signIn.ok).toBe(true);
    const registered = await check('');
    expect(registered.code).toBe(0);
    expect(registered.text).toMatch(/OK +workstation +registered with this IdP as client \S+/);
    expect(registered.errors).toEqual([]);
  });
});

describe('releve idp check with the client the workstation would use', () => {
  const SECRET = 'console-made-secret-0123456789abcdefghij';

  async function command(
    args: string[],
    policyChanges: Partial<typeof DEFAULT_POLICY> = {},
    vault = new MemorySecretStore(),
  ): Promise<{ code: number; text: string; errors: string[] }> {
    const lines: string[] = [];
    const errors: string[] = [];
    const policy = {
      ...DEFAULT_POLICY,
      idpIssuer: thirdParty.issuer,
      idpCaFile: thirdPartyCaFile,
      ...policyChanges,
    };
    const code = await idpCheckCommand(
      args,
      { out: (line) => lines.push(line), err: (line) => errors.push(line) },
      { policy: async () => policy, vault: () => vault },
    );
    return { code, text: lines.join('\n'), errors };
  }

  beforeAll(async () => {
    await thirdParty.registerClient({
      client_id: 'ward-secret',
      client_secret: SECRET,
      grant_types: ['password', 'refresh_token'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    // A client IT registered for the browser only: no badge + PIN with it.
    await thirdParty.registerClient({
      client_id: 'browser-only',
      client_secret: SECRET,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });

  it('says badge + PIN works with a secret client, and that CPS card and e-CPS cannot', async () => {
    const secretFile = join(dir, 'ward-secret.txt');
    await writeFile(secretFile, `${SECRET}\n`);
    const { code, text, errors } = await command([
      '--client-id',
      'ward-secret',
      '--client-secret-file',
      secretFile,
    ]);
    expect(errors).toEqual([]);
    expect(text).toMatch(/OK +client +the IdP accepts client ward-secret/);
    expect(text).toMatch(/OK +sign-in badge \+ PIN +works with client ward-secret/);
    expect(text).toMatch(
      /WARN +sign-in CPS card +will not work: the IdP does not offer urn:ietf:params:oauth:grant-type:jwt-bearer/,
    );
    expect(text).toMatch(/WARN +sign-in e-CPS +will not work/);
    expect(text).toMatch(/OK +sign-in refresh/);
    expect(text).not.toContain(SECRET);
    expect(code).toBe(0);
  });

  it('fails on a wrong secret, and never prints it', async () => {
    const secretFile = join(dir, 'wrong-secret.txt');
    await writeFile(secretFile, 'not-the-console-secret-at-all');
    const { code, text } = await command(['--client-id', 'ward-secret', '--client-secret-file', secretFile]);
    expect(code).toBe(1);
    expect(text).toMatch(/FAIL +client +the IdP refused the client's own credentials \(invalid_client\)/);
    expect(text).not.toContain('not-the-console-secret-at-all');
  });

  it('says when the client may not use the password grant', async () => {
    const vault = new MemorySecretStore();
    await vault.set('idp-client-secret:browser-only', SECRET);
    const { code, text } = await command(
      [],
      { idpClientId: 'browser-only', idpClientAuthMethod: 'client_secret_basic' },
      vault,
    );
    expect(text).toMatch(
      /WARN +sign-in badge \+ PIN +(will not work: the IdP does not allow password for client browser-only|unknown: the IdP answered invalid_request)/,
    );
    expect(text).toMatch(/FAIL +sign-in +neither badge \+ PIN nor CPS card/);
    expect(code).toBe(1);
  });

  it('shows the registration it would send, asking only for what the IdP offers, and sends it with --register', async () => {
    const vault = new MemorySecretStore();
    const shown = await command([], { idpInitialAccessToken: thirdParty.initialAccessToken }, vault);
    expect(shown.code).toBe(0);
    const request = /it will send to \S+: (\{.*\}) \(--register/.exec(shown.text)?.[1];
    const sent = JSON.parse(request ?? '{}') as { grant_types?: string[] };
    expect(sent.grant_types).toEqual(['authorization_code', 'password', 'refresh_token']);
    expect(shown.text).not.toContain('backchannel_token_delivery_mode');
    expect(await vault.get(`idp-client:${thirdParty.issuer}`)).toBeNull();

    const registered = await command(
      ['--register'],
      { idpInitialAccessToken: thirdParty.initialAccessToken },
      vault,
    );
    expect(registered.text).toMatch(/OK +workstation +registered now as client \S+ \(kept in the OS vault\)/);
    expect(registered.text).toMatch(/OK +sign-in badge \+ PIN +works with client/);
    expect(registered.code).toBe(0);
    expect(await vault.get(`idp-client:${thirdParty.issuer}`)).not.toBeNull();
  });
});
