/**
 * The agent's sign-ins against IdPs and cards that lie, forget or never lock out: holes a
 * security review proved (issue 11). Each test failed on the agent before its fix.
 */
import { describe, expect, it } from '@jest/globals';
import type { CardIdentity } from '../../../app/core/ports/index.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import { DOCTOR, NURSE, personOnly } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { FakeCpsCard } from '../../harness/sim/fake-card.js';
import { SimulatedIdp } from '../../harness/sim/simulated-idp.js';
import type { SimWorld } from '../../harness/sim/world.js';
import { messages, startAgent } from './start-agent.js';

const insertCard = (world: SimWorld): void => world.reader.insert('80250000012345', 'cps-card', true);

describe('sign-in: what the IdP says is checked', () => {
  it('brings the prompt back at once when the IdP claims more PIN tries than any counter has', async () => {
    const { agent, world } = await startAgent(DEFAULT_POLICY, (w) => {
      w.idp.signInWithBadge = async () => ({ ok: false, failure: { reason: 'wrong-pin', triesLeft: 20 } });
    });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, '9999');
    await agent.idle();
    // Not stuck on « Vérification… » until the authentication timeout.
    expect(agent.snapshot().phase).toBe('awaiting-pin');
    expect(agent.snapshot().prompt?.pinTriesLeft).toBe(15);
    await agent.stop();
  });

  it('revokes the grant a new sign-in replaces, so that one person holds one live grant', async () => {
    const { agent, world } = await startAgent({ ...DEFAULT_POLICY, graceRetapMinutes: 0 });
    const signIn = async (uid: string, pin: string): Promise<void> => {
      world.reader.tap(uid);
      await typePin(agent, pin);
      await agent.idle();
    };
    await signIn(NURSE.badgeUid, NURSE.pin);
    await signIn(DOCTOR.badgeUid, DOCTOR.pin);
    // The nurse comes back over the doctor: her suspended session resumes with new tokens.
    await signIn(NURSE.badgeUid, NURSE.pin);
    expect(agent.snapshot().user?.displayName).toBe(NURSE.displayName);
    expect(world.idp.liveGrants()).toBe(2);
    await agent.stop();
  });

  it("refuses a card sign-in when the IdP names someone other than the card's holder", async () => {
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, (w) => {
      w.card = new FakeCpsCard(NURSE);
      const honest = w.idp.signInWithCard.bind(w.idp);
      w.idp.signInWithCard = async (card) => {
        const result = await honest(card);
        return result.ok ? { ok: true, value: { ...result.value, person: personOnly(DOCTOR) } } : result;
      };
    });
    insertCard(world);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.os.actions.filter((a) => a.startsWith('open'))).toEqual([]);
    expect(messages(events)).toContain('idp-error');
    await agent.stop();
  });

  it('refuses a card whose certificate chain is not trusted, unless policy allows it for tests', async () => {
    const untrusted = (w: SimWorld): void => {
      const card = new FakeCpsCard(NURSE);
      const read = card.readIdentity.bind(card);
      card.readIdentity = async (): Promise<CardIdentity> => ({ ...(await read()), chainValid: false });
      w.card = card;
    };
    const refused = await startAgent(DEFAULT_POLICY, untrusted);
    insertCard(refused.world);
    await refused.agent.idle();
    expect(refused.agent.snapshot().phase).toBe('locked');
    expect(refused.agent.snapshot().prompt).toBeNull();
    expect(messages(refused.events)).toContain('badge-unreadable');
    await refused.agent.stop();

    const bench = await startAgent({ ...DEFAULT_POLICY, cardAllowUntrustedChain: true }, untrusted);
    insertCard(bench.world);
    await bench.agent.idle();
    expect(bench.agent.snapshot().phase).toBe('awaiting-pin');
    await bench.agent.stop();
  });
});

describe('sign-in: the workstation caps what an IdP does not', () => {
  it('stops sending PINs to an IdP without lockout after five wrong ones', async () => {
    const { agent, world } = await startAgent(DEFAULT_POLICY, (w) => {
      Object.assign(w, { idp: new SimulatedIdp(undefined, 1_000_000, () => w.clock.now()) });
    });
    world.reader.tap(NURSE.badgeUid);
    for (let i = 0; i < 12; i += 1) {
      await agent.idle();
      if (!agent.snapshot().prompt) world.reader.tap(NURSE.badgeUid);
      await agent.idle();
      if (agent.snapshot().phase === 'awaiting-pin') await typePin(agent, '9999');
    }
    await agent.idle();
    expect(world.idp.calls).toHaveLength(5);
    await agent.stop();
  });

  it('says when e-CPS requests for one person come too often', async () => {
    const { agent } = await startAgent();
    for (let i = 0; i < 3; i += 1) {
      const asked = await agent.requestEcps(DOCTOR.nationalId!);
      expect(asked.accepted).toBe(true);
      if (asked.accepted) await agent.cancelEcps(asked.attemptId);
    }
    expect(await agent.requestEcps(DOCTOR.nationalId!)).toEqual({ accepted: false, problem: 'rate-limited' });
    await agent.stop();
  });
});
