/**
 * Relève against the identity stack a hospital already runs: LemonLDAP::NG 2.16 (Debian's
 * packages, FastCGI behind nginx with TLS) over an OpenLDAP directory (slapd 2.5 with ppolicy)
 * that holds the people, their badges and each badge's PIN as a salted hash. Both are started
 * once for this file from the kit in resources/idp/lemonldap-ng/. The workstation uses a client
 * IT registered in LemonLDAP::NG, with its secret in the vault — what a hospital does, since
 * LemonLDAP::NG has no RFC 7591 registration.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { clientSecretAccount } from '../../../app/adapters/idp/workstation-client.js';
import { idpCheckCommand } from '../../../app/agent/commands/idp-check.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import type { IdpResult, SignedInPerson } from '../../../app/core/ports/index.js';
import { startLdapDirectory, asDirectoryPerson, type LdapDirectory } from '../../harness/directory/slapd.js';
import { startLemonLdap, type LemonLdap } from '../../harness/lemonldap/lemonldap.js';
import { DOCTOR, NURSE } from '../../harness/people.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';

const pinOf = (digits: string): Uint8Array => new TextEncoder().encode(digits);

let directory: LdapDirectory;
let llng: LemonLdap;
let dir: string;

async function workstation(): Promise<OidcIdentityProvider> {
  const vault = new MemorySecretStore();
  await vault.set(clientSecretAccount(llng.clientId), llng.clientSecret);
  return new OidcIdentityProvider({
    issuer: llng.issuer,
    secretStore: vault,
    configuredClient: { clientId: llng.clientId, authMethod: 'client_secret_basic' },
    caPem: llng.caPem,
  });
}

function signedIn(result: IdpResult): SignedInPerson {
  if (!result.ok)
    throw new Error(`expected a sign-in, got ${JSON.stringify(result.failure)}: ${llng.logs()}`);
  return result.value;
}

beforeAll(async () => {
  directory = await startLdapDirectory({ people: [NURSE, DOCTOR].map(asDirectoryPerson), maxPinFailures: 3 });
  llng = await startLemonLdap({ directory });
  dir = await mkdtemp(join(tmpdir(), 'releve-llng-test-'));
}, 90_000);
afterAll(async () => {
  await llng?.stop();
  await directory?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('badge + PIN through LemonLDAP::NG and the directory', () => {
  it('signs the nurse in with her badge and PIN: name, profession and national ID from the directory', async () => {
    const session = signedIn(await (await workstation()).signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
    expect(session.person).toEqual({
      personId: NURSE.personId,
      displayName: NURSE.displayName,
      nationalId: NURSE.nationalId,
      profession: NURSE.profession,
    });
    expect(session.acr).toBe('loa-2');
    expect(session.tokens.refreshToken).not.toBeNull();
  });

  it('refreshes the tokens (LemonLDAP::NG does not rotate the refresh token: the old one is kept)', async () => {
    const provider = await workstation();
    const session = signedIn(await provider.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
    const refreshed = await provider.refresh(session.tokens.refreshToken ?? '');
    if (!refreshed.ok) throw new Error(`refresh failed: ${refreshed.reason}`);
    expect(refreshed.tokens.accessToken).not.toBe(session.tokens.accessToken);
    expect(refreshed.tokens.refreshToken).not.toBeNull();
  });

  it('says wrong PIN for a wrong PIN and for an unknown badge (LemonLDAP::NG answers both invalid_grant)', async () => {
    const provider = await workstation();
    expect(await provider.signInWithBadge(NURSE.badgeUid, pinOf('0000'))).toEqual({
      ok: false,
      failure: { reason: 'wrong-pin', triesLeft: null },
    });
    expect(await provider.signInWithBadge('DEADBEEF01', pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'wrong-pin', triesLeft: null },
    });
    // One right PIN resets the directory's count before the lockout test below.
    signedIn(await provider.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
  });

  it('locks the badge in the directory after 3 wrong PINs, for every workstation', async () => {
    const ward = await workstation();
    const office = await workstation();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await ward.signInWithBadge(DOCTOR.badgeUid, pinOf('9999'))).ok).toBe(false);
    }
    // The right PIN on another workstation: refused, because the directory locked the badge.
    expect((await office.signInWithBadge(DOCTOR.badgeUid, pinOf(DOCTOR.pin))).ok).toBe(false);
    const entry = await directory.search(`ou=badges,${directory.suffix}`, `(uid=badge:${DOCTOR.badgeUid})`, [
      'pwdAccountLockedTime',
    ]);
    expect(entry).toMatch(/pwdAccountLockedTime: \d{14}Z/);
  });
});

describe('releve idp check against LemonLDAP::NG', () => {
  it('is usable for badge + PIN with the client IT registered, and says CPS card and e-CPS are not', async () => {
    const secretFile = join(dir, 'client-secret');
    await writeFile(secretFile, llng.clientSecret);
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, llng.caPem);
    const lines: string[] = [];
    const code = await idpCheckCommand(
      [
        '--issuer',
        llng.issuer,
        '--ca-file',
        caFile,
        '--client-id',
        llng.clientId,
        '--client-secret-file',
        secretFile,
      ],
      { out: (line) => lines.push(line), err: (line) => lines.push(line) },
      { policy: async () => DEFAULT_POLICY, vault: () => new MemorySecretStore() },
    );
    const text = lines.join('\n');
    expect(text).toMatch(/OK +sign-in badge \+ PIN +works with client releve-workstations/);
    expect(text).toMatch(/WARN +sign-in CPS card +will not work: the IdP does not offer/);
    expect(text).toMatch(/WARN +sign-in e-CPS +will not work: the IdP does not offer/);
    // LemonLDAP::NG answers invalid_request to a made-up refresh token: the probe cannot tell.
    expect(text).toMatch(/WARN +sign-in refresh +unknown/);
    expect(text).not.toContain(llng.clientSecret);
    expect(code).toBe(0);
  });
});
