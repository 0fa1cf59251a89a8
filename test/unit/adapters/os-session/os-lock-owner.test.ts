/**
 * os-lock: a tap unlocks an OS session only for the person who owns it. The agent runs with the
 * logind adapter over a scripted logind (this machine has no systemd): a seat with the nurse's
 * session in the foreground, and the commands the adapter runs recorded.
 */
import { describe, expect, it } from '@jest/globals';
import { composeAgent, type Agent, type AgentEvent } from '../../../../app/agent/agent.js';
import { loadCatalogue } from '../../../../app/agent/resources.js';
import { LogindOsSession } from '../../../../app/adapters/os-session/linux-logind.js';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import { DEFAULT_POLICY, type Policy } from '../../../../app/core/policy.js';
import { AIDE, DOCTOR, NURSE } from '../../../harness/people.js';
import { typePin } from '../../../harness/scenarios.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../../../harness/sim/world.js';
import { FakeLogind } from './fake-logind.js';
import { osAccountFor } from '../../../../app/adapters/os-session/os-account.js';
import { osSessionFor, UnsupportedModeError } from '../../../../app/agent/production.js';
import { runCli } from '../../../../app/agent/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OS_LOCK: Policy = { ...DEFAULT_POLICY, mode: 'os-lock', breakGlassEnabled: true };

async function startOsLockAgent(
  logind: FakeLogind,
  policy: Policy = OS_LOCK,
): Promise<{ agent: Agent; world: SimWorld; events: AgentEvent[] }> {
  const world = createSimWorld();
  const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
  const osSession = new LogindOsSession({
    run: logind.run,
    seat: 'seat0',
    accountOf: (user) => osAccountFor(policy.osAccountTemplate, user),
    log: silentLog,
  });
  const agent = composeAgent({ ...running.adapters, osSession }, policy, {
    catalogue: loadCatalogue(policy.locale),
  });
  const events: AgentEvent[] = [];
  agent.subscribe((event) => events.push(event));
  await agent.start();
  return { agent, world, events };
}

async function signIn(agent: Agent, world: SimWorld, person: typeof NURSE): Promise<void> {
  world.reader.tap(person.badgeUid);
  await typePin(agent, person.pin);
  await agent.idle();
}

const audits = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'audit' ? [e.record] : []));

describe('os-lock: only its owner unlocks an OS session', () => {
  it("never unlocks the nurse's locked session for the doctor's own badge and PIN", async () => {
    const logind = new FakeLogind([{ id: 'c2', user: NURSE.personId, seat: 'seat0' }], 'c2');
    const { agent, world } = await startOsLockAgent(logind);
    await signIn(agent, world, NURSE);
    expect(logind.unlocked).toEqual(['c2']);
    await agent.manualLock();
    await agent.idle();
    expect(logind.locked.has('c2')).toBe(true);

    logind.commands.length = 0;
    await signIn(agent, world, DOCTOR);
    expect(logind.commands).not.toContain('loginctl unlock-session c2');
    expect(logind.locked.has('c2')).toBe(true);
    await agent.stop();
  });

  it('shows the greeter to someone with no session here, audits it, says why and locks again', async () => {
    const logind = new FakeLogind([{ id: 'c2', user: NURSE.personId, seat: 'seat0' }], 'c2');
    const { agent, world, events } = await startOsLockAgent(logind);
    await signIn(agent, world, NURSE);
    await agent.manualLock();
    await agent.idle();
    await signIn(agent, world, DOCTOR);
    expect(logind.greeterShown).toBe(1);
    expect(logind.unlocked).toEqual(['c2']);
    expect(agent.snapshot().phase).toBe('locked');
    const refused = audits(events).find((r) => r.reason.startsWith('os-session-not-owner'));
    expect(refused).toMatchObject({
      action: 'session-opened',
      outcome: 'failure',
      personId: DOCTOR.personId,
    });
    expect(refused).toMatchObject({
      reason: 'os-session-not-owner',
      detail: 'greeter: the session in front is not theirs and they have none here',
    });
    const said = events.flatMap((e) => (e.type === 'feedback' ? [e.text] : []));
    expect(said.at(-1)).toBe('Cette session appartient à une autre personne — ouvrez la vôtre');
    await agent.stop();
  });

  it("brings the doctor's own session on this seat to the front instead, and unlocks that one", async () => {
    const logind = new FakeLogind(
      [
        { id: 'c2', user: NURSE.personId, seat: 'seat0' },
        { id: 'c5', user: DOCTOR.personId, seat: 'seat0' },
        { id: 'c9', user: DOCTOR.personId, seat: '', remote: true },
      ],
      'c2',
    );
    const { agent, world, events } = await startOsLockAgent(logind);
    await agent.idle();
    await signIn(agent, world, DOCTOR);
    expect(logind.commands).toContain('loginctl activate-session c5');
    expect(logind.unlocked).toEqual(['c5']);
    expect(logind.active).toBe('c5');
    expect(logind.locked.has('c2')).toBe(true);
    expect(agent.snapshot()).toMatchObject({ phase: 'active', user: { displayName: DOCTOR.displayName } });
    expect(audits(events)).toContainEqual(
      expect.objectContaining({ reason: 'os-session-own', detail: 'their own session brought to the front' }),
    );
    await agent.stop();
  });

  it('holds a grace re-tap to the same check', async () => {
    const logind = new FakeLogind(
      [
        { id: 'c2', user: NURSE.personId, seat: 'seat0' },
        { id: 'c5', user: DOCTOR.personId, seat: 'seat0' },
      ],
      'c5',
    );
    const { agent, world } = await startOsLockAgent(logind);
    await signIn(agent, world, DOCTOR);
    expect(logind.unlocked).toEqual(['c5']);
    // Locked by inactivity: his grace re-tap stays open.
    await agent.dispatch({ type: 'inactivity-timeout' });
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    // The nurse's session comes to the front (she switched at the greeter); the doctor re-taps
    // within his grace period: no PIN, and still not her session.
    logind.active = 'c2';
    world.reader.tap(DOCTOR.badgeUid);
    await agent.idle();
    expect(agent.snapshot()).toMatchObject({ phase: 'active', user: { displayName: DOCTOR.displayName } });
    expect(logind.commands).not.toContain('loginctl unlock-session c2');
    expect(logind.active).toBe('c5');
    expect(logind.unlocked).toEqual(['c5', 'c5']);
    await agent.stop();
  });

  it('holds break-glass and e-CPS to the same check', async () => {
    const logind = new FakeLogind([{ id: 'c2', user: NURSE.personId, seat: 'seat0' }], 'c2');
    const { agent, world } = await startOsLockAgent(logind);
    // Break-glass: the requester gives a reason, then signs in with their own badge and PIN.
    await agent.dispatch({ type: 'break-glass-requested', justification: 'arrêt cardiaque salle 3' });
    await signIn(agent, world, DOCTOR);
    expect(logind.unlocked).toEqual([]);
    expect(agent.snapshot().phase).toBe('locked');

    const asked = await agent.requestEcps(DOCTOR.nationalId!);
    expect(asked.accepted).toBe(true);
    await world.idp.nextEcpsRequest();
    world.idp.approveEcps();
    await agent.idle();
    expect(logind.unlocked).toEqual([]);
    expect(logind.greeterShown).toBe(2);
    expect(agent.snapshot().phase).toBe('locked');
    await agent.stop();
  });

  it('unlocks nothing when policy cannot name an OS account for the person', async () => {
    const logind = new FakeLogind([{ id: 'c2', user: 'p', seat: 'seat0' }], 'c2');
    const world = createSimWorld();
    const running = await simulatedAdapters(world, null)(OS_LOCK, { auditFile: null });
    const osSession = new LogindOsSession({
      run: logind.run,
      accountOf: (user) => osAccountFor('{nationalId}', user),
      log: silentLog,
    });
    const agent = composeAgent({ ...running.adapters, osSession }, OS_LOCK, {
      catalogue: loadCatalogue('fr'),
    });
    await agent.start();
    // The aide's account has no national ID: the template names no account.
    await signIn(agent, world, AIDE);
    expect(logind.unlocked).toEqual([]);
    expect(logind.greeterShown).toBe(0);
    expect(agent.snapshot().phase).toBe('locked');
    await agent.stop();
  });
});

describe('OS accounts from the policy template', () => {
  const person = { personId: 'claire.martin', nationalId: '810001234567' };
  it('names the account from the subject or the national ID', () => {
    expect(osAccountFor('{personId}', person)).toBe('claire.martin');
    expect(osAccountFor('p{nationalId}', person)).toBe('p810001234567');
    expect(osAccountFor('{personId}@chu.example', person)).toBe('claire.martin@chu.example');
  });
  it('names none for a missing value, an option-like or a path-like name', () => {
    expect(osAccountFor('{nationalId}', { personId: 'x', nationalId: null })).toBeNull();
    expect(osAccountFor('{personId}', { personId: '-h', nationalId: null })).toBeNull();
    expect(osAccountFor('{personId}', { personId: '../root', nationalId: null })).toBeNull();
    expect(osAccountFor('{personId}', { personId: 'a b', nationalId: null })).toBeNull();
  });
});

describe('os-lock where no lock works', () => {
  it('refuses to start os-lock on Windows instead of running without a lock', () => {
    expect(() => osSessionFor(OS_LOCK, 'win32', silentLog)).toThrow(UnsupportedModeError);
    expect(() => osSessionFor(OS_LOCK, 'win32', silentLog)).toThrow(/os-lock mode is not available on win32/);
    expect(osSessionFor(OS_LOCK, 'linux', silentLog)).toBeInstanceOf(LogindOsSession);
    expect(osSessionFor(DEFAULT_POLICY, 'win32', silentLog)).not.toBeInstanceOf(LogindOsSession);
  });

  it('makes `releve agent` say so and exit 1, before any agent starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'releve-oslock-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ mode: 'os-lock' }));
    const err: string[] = [];
    const world = createSimWorld();
    const code = await runCli(
      ['agent', '--headless', '--policy', file],
      { out: () => undefined, err: (l) => err.push(l) },
      {
        version: 'test',
        // As productionAdapters composes a Windows workstation: the OS session for the mode first.
        adapterFactory: async (policy, options) => {
          osSessionFor(policy, 'win32', silentLog);
          return simulatedAdapters(world, null)(policy, options);
        },
        untilSignal: async () => undefined,
      },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('releve: refusing to start: os-lock mode is not available on win32');
    expect(world.memoryAudit.records).toEqual([]);
  });
});
