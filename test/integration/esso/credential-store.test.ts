/**
 * Each person's application credentials in the real OS vault (gnome-keyring through the
 * Secret Service), run through test/harness/with-keyring.sh: one person never reads another's,
 * a person lists and deletes their own, and nothing is kept outside the vault.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { VaultCredentialStore } from '../../../app/adapters/esso/vault-credential-store.js';
import { KeyringSecretStore } from '../../../app/adapters/vault/keyring-secret-store.js';
import { DOCTOR, NURSE } from '../../harness/people.js';

const service = `Releve-esso-test-${randomUUID()}`;

describe('VaultCredentialStore on gnome-keyring', () => {
  beforeAll(() => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS)
      throw new Error(
        'No D-Bus session bus: run through test/harness/with-keyring.sh (a missing vault is not a pass)',
      );
  });
  const vault = new KeyringSecretStore({ service });
  const store = new VaultCredentialStore(vault);

  it('keeps each person’s logins apart, lists and deletes them', async () => {
    await store.put(NURSE.personId, 'labo', { username: 'cmartin', password: 'Labo-2026!' });
    await store.put(NURSE.personId, 'pharma', { username: 'cmartin', password: 'Pharma+2026' });
    await store.put(DOCTOR.personId, 'labo', { username: 'pdurand', password: 'Chu#Durand9' });
    expect(await store.get(NURSE.personId, 'labo')).toEqual({ username: 'cmartin', password: 'Labo-2026!' });
    expect(await store.get(DOCTOR.personId, 'labo')).toEqual({
      username: 'pdurand',
      password: 'Chu#Durand9',
    });
    expect(await store.get(DOCTOR.personId, 'pharma')).toBeNull();
    expect(await store.list(NURSE.personId)).toEqual(['labo', 'pharma']);
    expect(await store.delete(NURSE.personId, 'labo')).toBe(true);
    expect(await store.get(NURSE.personId, 'labo')).toBeNull();
    expect(await store.list(NURSE.personId)).toEqual(['pharma']);
    expect(await store.list(DOCTOR.personId)).toEqual(['labo']);
    await store.delete(NURSE.personId, 'pharma');
    await store.delete(DOCTOR.personId, 'labo');
    expect(await store.list(NURSE.personId)).toEqual([]);
  });

  it('does not lose an application when two are saved at once', async () => {
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) =>
        store.put(NURSE.personId, `app-${id}`, { username: 'u', password: 'p' }),
      ),
    );
    expect(await store.list(NURSE.personId)).toEqual(['app-a', 'app-b', 'app-c', 'app-d']);
    for (const id of ['a', 'b', 'c', 'd']) await store.delete(NURSE.personId, `app-${id}`);
  });

  it('refuses an application name that is not a profile ID', async () => {
    await expect(store.get(NURSE.personId, '../tokens')).rejects.toThrow('an application ID is a profile ID');
  });
});
