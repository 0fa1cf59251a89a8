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
import { startReferenceIdp, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import { startRogueIdp, type RogueIdp } from '../../harness/idp/rogue-idp.js';

let idp: ReferenceIdp;
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
  [idp, rogue] = await Promise.all([startReferenceIdp(), startRogueIdp()]);
  dir = await mkdtemp(join(tmpdir(), 'releve-idp-check-'));
  // One file per server: each check trusts only the CA of the IdP it talks to.
  caFile = join(dir, 'idp-ca.pem');
  rogueCaFile = join(dir, 'rogue-ca.pem');
  await Promise.all([writeFile(caFile, idp.caPem), writeFile(rogueCaFile, rogue.caPem)]);
});
afterAll(async () => {
  await Promise.all([idp.stop(), rogue.stop()]);
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
