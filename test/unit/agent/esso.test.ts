/** The eSSO follower with the real agent (simulated workstation) and a fake desktop driver. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { VaultCredentialStore } from '../../../app/adapters/esso/vault-credential-store.js';
import { composeAgent } from '../../../app/agent/agent.js';
import { EssoFollower, type EssoEvent } from '../../../app/agent/esso.js';
import { loadProfiles } from '../../../app/agent/esso-profiles.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { ProfileSet, type WindowDescription } from '../../../app/core/esso/match.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import type { SecretStore } from '../../../app/core/ports/index.js';
import { FakeEssoDriver } from '../../harness/esso/fake-driver.js';
import { BUNDLED_PROFILES } from '../../harness/esso/workstation.js';
import { NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { createSimWorld, simulatedAdapters } from '../../harness/sim/world.js';

const bundled = loadProfiles([BUNDLED_PROFILES]).profiles;
const laboLogin: WindowDescription = {
  windowId: '101',
  process: 'python3',
  className: 'Labologin',
  title: 'LABO — Connexion',
  fields: [],
  screenText: null,
};

async function setUp(options: { policy?: Policy; profiles?: ProfileSet; vault?: SecretStore } = {}) {
  const policy = options.policy ?? DEFAULT_POLICY;
  const world = createSimWorld();
  const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
  const agent = composeAgent(running.adapters, policy, { catalogue: loadCatalogue(policy.locale) });
  await agent.start();
  const driver = new FakeEssoDriver();
  const credentials = new VaultCredentialStore(options.vault ?? world.secrets);
  const follower = new EssoFollower({
    agent,
    driver,
    profiles: options.profiles ?? bundled,
    credentials,
    audit: world.memoryAudit,
    newId: randomUUID,
    clock: world.clock,
    log: silentLog,
  });
  const events: EssoEvent[] = [];
  follower.subscribe((event) => events.push(event));
  follower.start();
  const settle = async () => {
    await agent.idle();
    await follower.idle();
  };
  const signIn = async () => {
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await settle();
  };
  const esso = () => world.memoryAudit.records.filter((r) => r.action.startsWith('esso-'));
  return { agent, world, driver, credentials, follower, events, settle, signIn, esso };
}

describe('eSSO follower', () => {
  it('types nothing during the tap-out undo window, and fills once the tap-out is undone', async () => {
    const t = await setUp();
    await t.credentials.put(NURSE.personId, 'labo', { username: 'cmartin', password: 'x' });
    await t.signIn();
    t.world.reader.tap(NURSE.badgeUid); // tap-out: « Verrouillage dans 5 s »
    await t.settle();
    expect(t.agent.snapshot().phase).toBe('locking');
    t.driver.show(laboLogin);
    await t.settle();
    expect(t.driver.executed).toEqual([]);
    await t.agent.undo();
    await t.settle();
    expect(t.driver.executed).toEqual([{ windowId: '101', purpose: 'login', username: 'cmartin' }]);
  });

  it('reports a profile that stops recognising its application, in diagnostics and the audit trail', async () => {
    const t = await setUp();
    await t.credentials.put(NURSE.personId, 'labo', { username: 'cmartin', password: 'x' });
    await t.signIn();
    t.driver.show(laboLogin);
    await t.settle();
    // The application was updated: its login window has a new title the profile does not know.
    t.driver.show({ ...laboLogin, windowId: '102', title: 'LABO 2 — Identification' });
    await t.settle();
    expect(t.events).toContainEqual({
      type: 'diagnostic',
      message: expect.stringContaining('profile labo (revision 1) recognises none of its screens'),
    });
    expect(t.esso().find((r) => r.action === 'esso-profile-stale')).toMatchObject({
      outcome: 'failure',
      application: 'labo',
      reason: 'no-screen-matches',
    });
    expect(t.driver.executed).toHaveLength(1);
  });

  it('fills nothing when two profiles match a window equally, and says which', async () => {
    const labo = bundled.byId('labo')!;
    const t = await setUp({ profiles: new ProfileSet([labo, { ...labo, id: 'labo-copy' }]) });
    await t.credentials.put(NURSE.personId, 'labo', { username: 'cmartin', password: 'x' });
    await t.signIn();
    t.driver.show(laboLogin);
    await t.settle();
    expect(t.driver.executed).toEqual([]);
    expect(t.events).toContainEqual({
      type: 'diagnostic',
      message: expect.stringContaining('matches labo/login, labo-copy/login equally: nothing done'),
    });
  });

  it('asks the person when the vault cannot be read, and types nothing', async () => {
    const broken: SecretStore = {
      get: async () => Promise.reject(new Error('Secret Service not running')),
      set: async () => Promise.reject(new Error('Secret Service not running')),
      delete: async () => false,
    };
    const t = await setUp({ vault: broken });
    await t.signIn();
    t.driver.show(laboLogin);
    await t.settle();
    expect(t.driver.executed).toEqual([]);
    expect(t.events).toContainEqual(
      expect.objectContaining({ type: 'credential-request', reason: 'vault-unavailable' }),
    );
  });

  it('asks the person to type it themselves when a fill fails, and retries nothing', async () => {
    const t = await setUp();
    await t.credentials.put(NURSE.personId, 'labo', { username: 'cmartin', password: 'x' });
    await t.signIn();
    t.driver.outcome = { ok: false, reason: 'focus-lost', detail: 'another window took the focus' };
    t.driver.show(laboLogin);
    await t.settle();
    t.driver.show({ ...laboLogin, title: 'LABO — Chargement…' });
    t.driver.show(laboLogin);
    await t.settle();
    expect(t.driver.executed).toHaveLength(1);
    expect(t.events).toContainEqual(
      expect.objectContaining({ type: 'credential-request', reason: 'fill-failed' }),
    );
    expect(t.esso().find((r) => r.action === 'esso-fill')).toMatchObject({
      outcome: 'failure',
      reason: 'fill-failed',
      detail: 'focus-lost',
    });
  });

  it('runs no switch action in os-lock mode (each person has their own OS session)', async () => {
    const t = await setUp({ policy: { ...DEFAULT_POLICY, mode: 'os-lock' } });
    await t.credentials.put(NURSE.personId, 'pharma', { username: 'cmartin', password: 'x' });
    await t.signIn();
    const pharma: WindowDescription = {
      ...laboLogin,
      windowId: '7',
      className: 'PharmaLogin',
      title: 'Pharmacie — Connexion',
    };
    t.driver.show(pharma);
    await t.settle();
    t.driver.show({ ...pharma, title: 'Pharmacie — Dispensation (cmartin)' });
    await t.settle();
    await t.agent.manualLock();
    await t.settle();
    expect(t.driver.closed).toEqual([]);
  });

  it('closes the nurse’s PHARMA window when the workstation locks in shared-kiosk mode', async () => {
    const t = await setUp();
    await t.credentials.put(NURSE.personId, 'pharma', { username: 'cmartin', password: 'x' });
    await t.signIn();
    const pharma: WindowDescription = {
      ...laboLogin,
      windowId: '7',
      className: 'PharmaLogin',
      title: 'Pharmacie — Connexion',
    };
    t.driver.show(pharma);
    await t.settle();
    t.driver.show({ ...pharma, title: 'Pharmacie — Dispensation (cmartin)' });
    await t.settle();
    await t.agent.manualLock();
    await t.settle();
    expect(t.driver.closed).toEqual(['7']);
    expect(t.esso().at(-1)).toMatchObject({
      action: 'esso-switch',
      reason: 'switch-done',
      detail: 'close',
      personId: NURSE.personId,
    });
  });
});
