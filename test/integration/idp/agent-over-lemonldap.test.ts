/**
 * The shipped agent (productionAdapters: the IdP client and the OS vault from policy) against
 * LemonLDAP::NG 2.16 over OpenLDAP, with badges tapped on a real pcscd: what a nurse and the
 * security officer see on a workstation configured for the hospital's own IdP with a client IT
 * registered (secret in the keyring, never in policy). The lockout is the directory's: it holds
 * across two workstations.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientSecretAccount } from '../../../app/adapters/idp/workstation-client.js';
import { KeyringSecretStore } from '../../../app/adapters/vault/keyring-secret-store.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import { shippedWorkstation } from '../../harness/configured-site.js';
import { startLdapDirectory, asDirectoryPerson, type LdapDirectory } from '../../harness/directory/slapd.js';
import { startLemonLdap, type LemonLdap } from '../../harness/lemonldap/lemonldap.js';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { DOCTOR, NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';

let pcscd: RunningPcscd;
let directory: LdapDirectory;
let llng: LemonLdap;
let site: { dir: string; policy: Policy };

beforeAll(async () => {
  [pcscd, directory] = await Promise.all([
    startPcscd(),
    startLdapDirectory({ people: [NURSE, DOCTOR].map(asDirectoryPerson), maxPinFailures: 3 }),
  ]);
  llng = await startLemonLdap({ directory });
  const dir = mkdtempSync(join(tmpdir(), 'releve-llng-site-'));
  writeFileSync(join(dir, 'idp-ca.pem'), llng.caPem);
  // What IT does once per workstation: the console's secret into the OS vault.
  await new KeyringSecretStore().set(clientSecretAccount(llng.clientId), llng.clientSecret);
  site = {
    dir,
    policy: {
      ...DEFAULT_POLICY,
      idpIssuer: llng.issuer,
      idpCaFile: join(dir, 'idp-ca.pem'),
      idpClientId: llng.clientId,
      idpClientAuthMethod: 'client_secret_basic',
    },
  };
}, 90_000);
afterAll(async () => {
  await llng?.stop();
  await Promise.all([directory?.stop(), pcscd?.stop()]);
});

describe('the shipped agent against LemonLDAP::NG over the directory', () => {
  it('signs the nurse in with badge + PIN; the audit record carries her national ID', async () => {
    const ws = await shippedWorkstation(site);
    try {
      await ws.reader.tap(NURSE.badgeUid);
      await typePin(ws.agent, NURSE.pin);
      await ws.agent.idle();
      expect(ws.agent.snapshot()).toMatchObject({
        phase: 'active',
        user: { displayName: NURSE.displayName, nationalId: NURSE.nationalId },
      });
      const signIn = ws
        .audit()
        .find((record) => record.action === 'authentication' && record.outcome === 'success');
      expect(signIn).toMatchObject({ nationalId: NURSE.nationalId, method: 'badge-pin' });
      expect(JSON.stringify(ws.audit())).not.toContain(llng.clientSecret);
    } finally {
      await ws.stop();
    }
  });

  it('keeps an unknown badge out', async () => {
    const ws = await shippedWorkstation(site);
    try {
      await ws.reader.tap('DEADBEEF');
      await typePin(ws.agent, '1234');
      await ws.agent.idle();
      expect(ws.agent.snapshot().phase).not.toBe('active');
    } finally {
      await ws.stop();
    }
  });

  it('the directory locks a badge after 3 wrong PINs on one workstation, and the right PIN fails on another', async () => {
    const ward = await shippedWorkstation(site);
    try {
      await ward.reader.tap(DOCTOR.badgeUid);
      await typePin(ward.agent, '9999');
      await typePin(ward.agent, '9998');
      await typePin(ward.agent, '9997');
      await ward.agent.idle();
      expect(ward.agent.snapshot().phase).not.toBe('active');
    } finally {
      await ward.stop();
    }
    const office = await shippedWorkstation(site);
    try {
      await office.reader.tap(DOCTOR.badgeUid);
      await typePin(office.agent, DOCTOR.pin);
      await office.agent.idle();
      expect(office.agent.snapshot().phase).not.toBe('active');
      const entry = await directory.search(
        `ou=badges,${directory.suffix}`,
        `(uid=badge:${DOCTOR.badgeUid})`,
        ['pwdAccountLockedTime'],
      );
      expect(entry).toMatch(/pwdAccountLockedTime: \d{14}Z/);
    } finally {
      await office.stop();
    }
  });
});
