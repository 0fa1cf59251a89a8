/** The agent composed with a simulated workstation: what a person and the security officer would notice. */
import { describe, expect, it } from '@jest/globals';
import {
  composeAgent,
  randomBindingCode,
  type Agent,
  type AgentAdapters,
  type AgentEvent,
} from '../../../app/agent/agent.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import type { AuditRecord } from '../../../app/core/audit.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import { DOCTOR, NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { FakeCpsCard } from '../../harness/sim/fake-card.js';
import { SimulatedIdp } from '../../harness/sim/simulated-idp.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../../harness/sim/world.js';
import { startAgent, texts } from './start-agent.js';

describe('agent', () => {
  it('signs a nurse in with badge + PIN and keeps her tokens only in the vault', async () => {
    const { agent, world, events } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('active');
    expect(agent.snapshot().user?.displayName).toBe(NURSE.displayName);
    expect(texts(events)).toEqual([
      'Badge détecté — lecture…',
      'Code PIN',
      'Vérification…',
      'Bienvenue Claire Martin',
    ]);
    expect(world.os.actions).toEqual(['lock', `open ${NURSE.personId}`, `unlock ${NURSE.personId}`]);
    const stored = JSON.parse(world.secrets.entries.get(`tokens:${NURSE.personId}`) ?? '{}') as {
      accessToken?: string;
    };
    expect(stored.accessToken).toEqual(expect.any(String));
    // Nothing the UI or the CLI sees carries a token.
    const published = JSON.stringify(events);
    expect(published).not.toContain(stored.accessToken);
    await agent.stop();
  });

  it('zeroes the PIN bytes once they have been checked, right or wrong', async () => {
    const { agent, world } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    const wrong = new TextEncoder().encode('9999');
    await agent.submitPin(agent.snapshot().prompt!.attemptId, wrong);
    await agent.idle();
    expect([...wrong]).toEqual([0, 0, 0, 0]);
    const right = new TextEncoder().encode(NURSE.pin);
    await agent.submitPin(agent.snapshot().prompt!.attemptId, right);
    await agent.idle();
    expect([...right]).toEqual([0, 0, 0, 0]);
    expect(agent.snapshot().phase).toBe('active');
    await agent.stop();
  });

  it('refuses a malformed PIN at the pad without spending an IdP try, and zeroes it', async () => {
    const { agent, world } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    const attemptId = agent.snapshot().prompt!.attemptId;
    const letters = new TextEncoder().encode('12a4');
    expect(await agent.submitPin(attemptId, letters)).toEqual({ accepted: false, problem: 'not-digits' });
    expect([...letters]).toEqual([0, 0, 0, 0]);
    expect(await agent.submitPin(attemptId, new TextEncoder().encode('12'))).toEqual({
      accepted: false,
      problem: 'too-short',
    });
    expect(await agent.submitPin(attemptId + 1, new TextEncoder().encode('1234'))).toEqual({
      accepted: false,
      problem: 'no-prompt',
    });
    expect(world.idp.calls).toEqual([]);
    expect(agent.snapshot().phase).toBe('awaiting-pin');
    await agent.stop();
  });

  it('writes the audit record of a sign-in before the session is opened and unlocked', async () => {
    let log: string[] = [];
    const { agent, world } = await startAgent(
      DEFAULT_POLICY,
      (w) => {
        log = w.os.actions; // one ordered log for OS actions and audit writes
      },
      { audit: { append: async (record) => void log.push(`audit ${record.action} ${record.outcome}`) } },
    );
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    await agent.stop();
    expect(log.indexOf('audit authentication success')).toBeGreaterThan(-1);
    expect(log.indexOf('audit session-opened success')).toBeLessThan(log.indexOf(`open ${NURSE.personId}`));
    expect(log.indexOf('audit authentication success')).toBeLessThan(log.indexOf(`unlock ${NURSE.personId}`));
  });

  it('closes the undo window on time even when the wall clock is set back', async () => {
    const { agent, world } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locking');
    // NTP (or anyone with the date command) steps the wall clock back an hour.
    world.clock.stepWall(-3_600_000);
    world.clock.advance((DEFAULT_POLICY.tapOutUndoSeconds + 1) * 1000);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    await agent.undo();
    expect(agent.snapshot().phase).toBe('locked');
    await agent.stop();
  });

  it('keeps reader and IdP health in its snapshot, for the tray and the screens', async () => {
    const { agent, world, events } = await startAgent();
    expect(agent.snapshot().health).toEqual({ readers: 'ok', idp: 'unknown' });
    world.idp.reachable = false;
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().health.idp).toBe('unreachable');
    // The change reached subscribers as a state event, not only as a feedback message.
    const states = events.flatMap((e) => (e.type === 'state' ? [e.snapshot.health.idp] : []));
    expect(states).toContain('unreachable');
    world.idp.reachable = true;
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().health).toEqual({ readers: 'ok', idp: 'ok' });
    world.reader.unplug();
    await agent.idle();
    expect(agent.snapshot().health.readers).toBe('lost');
    await agent.stop();
  });

  it('audits each policy problem it fell back on, at start', async () => {
    const records: AuditRecord[] = [];
    const { agent } = await startAgent(DEFAULT_POLICY, () => undefined, {
      audit: { append: async (r) => void records.push(r) },
      problems: [
        {
          field: 'graceRetapMinutes',
          message: 'graceRetapMinutes: must be an integer from 0 to 720 (minutes); got 9999',
        },
      ],
    });
    await agent.stop();
    expect(records.map((r) => r.action)).toEqual(['agent-started', 'policy-fallback', 'agent-stopped']);
    expect(records[1]?.reason).toBe('policy-invalid');
    expect(records[1]?.detail).toMatch(/graceRetapMinutes/);
    expect(
      records.every((r) => r.workstation === 'POSTE-SIM-01' && typeof r.id === 'string' && r.id.length > 0),
    ).toBe(true);
  });

  it('reports a malformed event from outside and changes nothing', async () => {
    const { agent, events } = await startAgent();
    await agent.dispatch({ type: 'auth-result', attemptId: 1, outcome: { reason: 'ok' } });
    expect(agent.snapshot().phase).toBe('locked');
    expect(events.some((e) => e.type === 'rejected' && /malformed event/.test(e.reason))).toBe(true);
    await agent.stop();
  });

  it('locks by itself when the tap-out undo window runs out', async () => {
    const { agent, world } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locking');
    world.clock.advance(4_000);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locking');
    world.clock.advance(1_000);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.os.actions.slice(-2)).toEqual([`suspend ${NURSE.personId}`, 'lock']);
    await agent.stop();
  });

  it('ends every grace re-tap at the shift boundary', async () => {
    const { agent, world } = await startAgent({ ...DEFAULT_POLICY, shiftBoundaries: ['08:00'] });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.manualLock(); // ends her grace; sign in again so that only the shift can end it
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    await agent.dispatch({ type: 'inactivity-timeout' });
    world.clock.advance(2 * 3600_000); // 07:10 → 09:10 local: crosses 08:00
    await agent.idle();
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('awaiting-pin');
    await agent.stop();
  });

  it('asks for the PIN again, keeping the session, when the IdP refuses to renew a grace re-tap', async () => {
    const { agent, world, events } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.dispatch({ type: 'inactivity-timeout' });
    world.clock.advance(10 * 60_000); // her access token has expired
    world.idp.endAllGrants();
    world.reader.tap(NURSE.badgeUid); // grace re-tap: in at once, then the renewal is refused
    await agent.idle();
    expect(world.idp.calls).toContain('refresh');
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events)).toContain(
      'Claire Martin, veuillez vous identifier à nouveau : badge puis code PIN',
    );
    expect(world.os.actions.some((a) => a.startsWith(`close ${NURSE.personId}`))).toBe(false);
    expect(world.secrets.entries.has(`tokens:${NURSE.personId}`)).toBe(false);
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('awaiting-pin');
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('active');
    await agent.stop();
  });

  it('renews a grace re-tap’s tokens, the rotated ones replacing the old in the vault', async () => {
    const { agent, world } = await startAgent();
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    const before = world.secrets.entries.get(`tokens:${NURSE.personId}`);
    await agent.dispatch({ type: 'inactivity-timeout' });
    world.clock.advance(10 * 60_000);
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('active');
    const after = world.secrets.entries.get(`tokens:${NURSE.personId}`);
    expect(after).toEqual(expect.any(String));
    expect(after).not.toEqual(before);
    await agent.stop();
  });

  it('revokes and forgets the tokens of a session it closes', async () => {
    const { agent, world } = await startAgent({ ...DEFAULT_POLICY, tapOverPreviousSession: 'close' });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    const nurseTokens = JSON.parse(world.secrets.entries.get(`tokens:${NURSE.personId}`) ?? '{}') as {
      refreshToken: string;
    };
    world.reader.tap(DOCTOR.badgeUid);
    await typePin(agent, DOCTOR.pin);
    await agent.idle();
    expect(world.os.actions).toContain(`close ${NURSE.personId} (tap-over)`);
    expect(world.secrets.entries.has(`tokens:${NURSE.personId}`)).toBe(false);
    expect(await world.idp.refresh(nurseTokens.refreshToken)).toEqual({
      ok: false,
      reason: 'reauthenticate',
    });
    await agent.stop();
  });

  it('answers the doctor in English when policy says en, and names whom a tap-over suspends', async () => {
    const { agent, world, events } = await startAgent({ ...DEFAULT_POLICY, locale: 'en' });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    world.reader.tap(DOCTOR.badgeUid);
    await agent.idle();
    expect(agent.snapshot().prompt?.over?.displayName).toBe(NURSE.displayName);
    await typePin(agent, DOCTOR.pin);
    await agent.idle();
    expect(texts(events)).toContain('Welcome Dr Paul Durand');
    expect(agent.snapshot().suspended.map((p) => p.displayName)).toEqual([NURSE.displayName]);
    expect(world.os.violations).toEqual([]);
    await agent.stop();
  });

  it('refuses at once, with a message, a sign-in whose person the workstation cannot show', async () => {
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, (w) => {
      // An IdP adapter that let a 300-character name through (ours cuts names to 256).
      Object.assign(w, { idp: new SimulatedIdp([{ ...NURSE, displayName: 'x'.repeat(300) }]) });
    });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(events.some((e) => e.type === 'rejected')).toBe(false);
    expect(texts(events).at(-1)).toMatch(/^Erreur du serveur d'identité/);
    await agent.stop();
  });

  it('revokes and forgets the tokens of a sign-in that came back after the person was gone', async () => {
    const { agent, world } = await startAgent();
    world.idp.latencyMs = 100;
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.manualLock(); // she walked away while the IdP was answering
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.idp.calls).toContain(`badge:${NURSE.badgeUid}`);
    expect(world.secrets.entries.has(`tokens:${NURSE.personId}`)).toBe(false);
    expect(world.idp.liveGrants()).toBe(0);
    await agent.stop();
  });

  it('fails safe, locked, when the IdP cannot be reached', async () => {
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, (w) => {
      w.idp.reachable = false;
    });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events)).toContain("Serveur d'identité injoignable — réessayez ou contactez le support");
    expect(world.os.actions).toEqual(['lock']);
    await agent.stop();
  });
});

describe('agent with a CPS card', () => {
  const insertCard = (world: SimWorld) => world.reader.insert('80250000012345', 'cps-card', true);

  it('greets the card holder by name, lets the card check the PIN, and signs in with the card', async () => {
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, (w) => {
      w.card = new FakeCpsCard(NURSE);
    });
    insertCard(world);
    await agent.idle();
    expect(texts(events)).toContain('Bonjour Claire Martin — code PIN');
    expect(agent.snapshot().prompt).toMatchObject({
      pinTriesLeft: 3,
      person: { nationalId: '899700075122' },
    });
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('active');
    expect(world.idp.calls).toEqual([`card:${NURSE.nationalId}`]);
    await agent.stop();
  });

  it('shows the tries left after a wrong PIN, never retries by itself, and stops at a blocked card', async () => {
    const card = new FakeCpsCard(NURSE);
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, (w) => {
      w.card = card;
    });
    insertCard(world);
    await typePin(agent, '0000');
    await agent.idle();
    expect(card.verifications).toHaveLength(1);
    expect(agent.snapshot().prompt?.pinTriesLeft).toBe(2);
    await typePin(agent, '0000');
    await agent.idle();
    expect(texts(events)).toContain('Attention : dernier essai avant blocage — code PIN');
    await typePin(agent, '0000');
    await agent.idle();
    expect(card.verifications).toHaveLength(3);
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events).at(-1)).toBe(
      'Carte bloquée — utilisez votre code de déblocage ou contactez le support',
    );
    expect(world.idp.calls).toEqual([]);
    // A blocked card presented again is not prompted at all.
    world.reader.remove('80250000012345');
    insertCard(world);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(card.verifications).toHaveLength(3);
    await agent.stop();
  });

  it('locks when the signed-in person pulls the card out', async () => {
    const { agent, world } = await startAgent(DEFAULT_POLICY, (w) => {
      w.card = new FakeCpsCard(NURSE);
    });
    insertCard(world);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    world.reader.remove('80250000012345');
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.os.actions.at(-1)).toBe('lock');
    await agent.stop();
  });

  it('fails safe when the card cannot be read', async () => {
    const card = new FakeCpsCard(NURSE);
    card.inserted = false;
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, (w) => {
      w.card = card;
    });
    insertCard(world);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events)).toContain('Badge illisible — retirez-le et présentez-le à nouveau');
    await agent.stop();
  });
});

describe('agent with e-CPS', () => {
  async function ecpsAgent(
    adapt: (adapters: AgentAdapters, world: SimWorld) => AgentAdapters = (a) => a,
    policy: Policy = DEFAULT_POLICY,
  ): Promise<{ agent: Agent; world: SimWorld; events: AgentEvent[] }> {
    const world = createSimWorld();
    const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
    const agent = composeAgent(adapt(running.adapters, world), policy, {
      catalogue: loadCatalogue(policy.locale),
    });
    const events: AgentEvent[] = [];
    agent.subscribe((event) => events.push(event));
    await agent.start();
    return { agent, world, events };
  }
  const ecpsAudits = (world: SimWorld): string[] =>
    world.memoryAudit.records
      .filter((r) => r.method === 'ecps' || r.badgeKind === 'ecps')
      .map(
        (r) =>
          `${r.action}:${r.outcome}:${r.reason}${r.amr ? ` amr=${r.amr.join(',')}` : ''}:${r.nationalId ?? '-'}`,
      );

  it('shows the code, and signs the doctor in once he approves in the app', async () => {
    const { agent, world, events } = await ecpsAgent((a) => ({ ...a, ecpsBindingCode: () => '07' }));
    const asked = await agent.requestEcps(DOCTOR.nationalId!);
    expect(asked).toEqual({ accepted: true, attemptId: expect.any(Number), bindingMessage: '07' });
    expect(agent.snapshot()).toMatchObject({ phase: 'ecps-waiting', ecps: { bindingMessage: '07' } });
    expect(texts(events)).toContain("Choisissez 07 dans l'application e-CPS");
    const request = await world.idp.nextEcpsRequest();
    expect(request).toEqual({ nationalId: DOCTOR.nationalId, bindingMessage: '07' });

    expect(world.idp.approveEcps()).toBe(true);
    await agent.idle();
    expect(agent.snapshot()).toMatchObject({
      phase: 'active',
      user: { displayName: DOCTOR.displayName, nationalId: DOCTOR.nationalId },
    });
    expect(texts(events).at(-1)).toBe('Bienvenue Dr Paul Durand');
    expect(world.os.actions).toContain(`open ${DOCTOR.personId}`);
    expect(world.secrets.entries.has(`tokens:${DOCTOR.personId}`)).toBe(true);
    expect(ecpsAudits(world)).toEqual([
      `authentication:info:ecps-requested:${DOCTOR.nationalId}`,
      `authentication:success:ecps-tap-in amr=swk,pin,mfa:${DOCTOR.nationalId}`,
      `session-opened:success:tap-in:${DOCTOR.nationalId}`,
    ]);
    await agent.stop();
  });

  it('draws the code from a random source: two digits, not always the same', async () => {
    const codes = new Set(Array.from({ length: 200 }, () => randomBindingCode()));
    for (const code of codes) expect(code).toMatch(/^[0-9]{2}$/);
    expect(codes.size).toBeGreaterThan(20);
  });

  it('says the app refused, stays locked, and audits the refusal', async () => {
    const { agent, world, events } = await ecpsAgent();
    await agent.requestEcps(DOCTOR.nationalId!);
    await world.idp.nextEcpsRequest();
    world.idp.denyEcps();
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events).at(-1)).toBe("Connexion e-CPS refusée dans l'application — aucune session ouverte");
    expect(ecpsAudits(world).at(-1)).toBe(`authentication:failure:ecps-denied:${DOCTOR.nationalId}`);
    expect(world.os.actions).toEqual(['lock']);
    await agent.stop();
  });

  it('says the request expired when the IdP says so', async () => {
    const { agent, world, events } = await ecpsAgent();
    await agent.requestEcps(NURSE.nationalId!);
    await world.idp.nextEcpsRequest();
    world.idp.expireEcps();
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events).at(-1)).toBe('Demande e-CPS expirée sans réponse — recommencez');
    await agent.stop();
  });

  it('cancels: the request is withdrawn at the IdP, and the app can no longer approve it', async () => {
    const { agent, world, events } = await ecpsAgent();
    const asked = await agent.requestEcps(DOCTOR.nationalId!);
    if (!asked.accepted) throw new Error('refused');
    await world.idp.nextEcpsRequest();
    await agent.cancelEcps(asked.attemptId);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(texts(events).at(-1)).toBe('Annulé');
    expect(world.idp.pendingEcps()).toEqual([]);
    expect(world.idp.approveEcps()).toBe(false);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(ecpsAudits(world).at(-1)).toBe(`authentication:cancelled:ecps-cancelled:${DOCTOR.nationalId}`);
    await agent.stop();
  });

  it('gives up, withdraws the request and says so when it expires on the workstation first', async () => {
    const { agent, world, events } = await ecpsAgent();
    await agent.requestEcps(DOCTOR.nationalId!);
    await world.idp.nextEcpsRequest();
    world.clock.advance(121_000);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.idp.pendingEcps()).toEqual([]);
    expect(texts(events).at(-1)).toBe('Demande e-CPS expirée sans réponse — recommencez');
    await agent.stop();
  });

  it('never has two requests in flight, and refuses a malformed national ID', async () => {
    const { agent, world } = await ecpsAgent();
    expect(await agent.requestEcps('12345')).toEqual({ accepted: false, problem: 'invalid-national-id' });
    expect(await agent.requestEcps('012345678')).toEqual({ accepted: false, problem: 'invalid-national-id' });
    await agent.requestEcps(DOCTOR.nationalId!);
    expect(await agent.requestEcps(NURSE.nationalId!)).toEqual({ accepted: false, problem: 'busy' });
    await world.idp.nextEcpsRequest();
    expect(world.idp.pendingEcps()).toHaveLength(1);
    await agent.stop();
    // Stopping the agent withdraws what it was waiting for.
    expect(world.idp.pendingEcps()).toEqual([]);
  });

  it('lets a doctor take over the nurse’s session with e-CPS; the nurse’s is suspended', async () => {
    const { agent, world } = await ecpsAgent();
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    await agent.requestEcps(DOCTOR.nationalId!);
    expect(agent.snapshot()).toMatchObject({
      phase: 'ecps-waiting',
      prompt: { over: { displayName: NURSE.displayName } },
    });
    await world.idp.nextEcpsRequest();
    world.idp.approveEcps();
    await agent.idle();
    expect(agent.snapshot()).toMatchObject({
      phase: 'active',
      user: { displayName: DOCTOR.displayName },
      suspended: [{ displayName: NURSE.displayName }],
    });
    await agent.stop();
  });

  it('says e-CPS is not available when the IdP offers none', async () => {
    const { agent } = await ecpsAgent((a, world) => ({
      ...a,
      idp: {
        signInWithBadge: (badgeId, pin) => world.idp.signInWithBadge(badgeId, pin),
        signInWithCard: (card) => world.idp.signInWithCard(card),
        refresh: (token) => world.idp.refresh(token),
        revoke: (tokens) => world.idp.revoke(tokens),
      },
    }));
    expect(await agent.requestEcps(DOCTOR.nationalId!)).toEqual({
      accepted: false,
      problem: 'not-available',
    });
    expect(agent.snapshot().phase).toBe('locked');
    await agent.stop();
  });
});
