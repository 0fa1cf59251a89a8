/**
 * A CPS3 card through the real chain: the virtual card in pcscd's vpcd reader, the production
 * PC/SC badge source and card session, the real agent (simulated IdP for the token step).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { PcscCardSession } from '../../../app/adapters/pcsc/card-session.js';
import { PcscBadgeSource } from '../../../app/adapters/pcsc/pcsc-badge-source.js';
import { composeAgent, type AgentEvent } from '../../../app/agent/agent.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import { X509Certificate } from 'node:crypto';
import { createCardPki, type CardPki } from '../../harness/pki.js';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { typePin } from '../../harness/scenarios.js';
import { createSimWorld, simulatedAdapters } from '../../harness/sim/world.js';
import { VirtualCps3Card, VpcdConnection } from '../../harness/vcard/index.js';
import { EventLog } from '../../harness/wait.js';

const NURSE = {
  surname: 'Martin',
  givenName: 'Claire',
  nationalId: '899700075122',
  profession: 'Infirmière',
};
let pcscd: RunningPcscd;
let pki: CardPki;
beforeAll(async () => {
  pcscd = await startPcscd();
  pki = await createCardPki();
});
afterAll(async () => {
  await pcscd.stop();
});

describe('CPS3 card through pcscd', () => {
  it('greets the holder by name, lets the card check the PIN, signs in, and locks when the card is pulled', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=0' });
    const world = createSimWorld();
    const trusted = [new X509Certificate(pki.rootPem), new X509Certificate(pki.intermediatePem)];
    const session = new PcscCardSession(trusted);
    world.card = session;
    world.badgeSource = new PcscBadgeSource({ log: silentLog });
    const running = await simulatedAdapters(world, null)(DEFAULT_POLICY, { auditFile: null });
    const agent = composeAgent(running.adapters, DEFAULT_POLICY, { catalogue: loadCatalogue('fr') });
    const events = new EventLog<AgentEvent>();
    agent.subscribe(events.push);
    await agent.start();
    const slot = new VpcdConnection(card);
    try {
      await slot.insert();
      await events.waitFor(
        (e) => e.type === 'state' && e.snapshot.phase === 'awaiting-pin',
        'the PIN prompt',
      );
      expect(
        events.events.some((e) => e.type === 'feedback' && e.text === 'Bonjour Claire Martin — code PIN'),
      ).toBe(true);
      expect(agent.snapshot().prompt?.pinTriesLeft).toBe(3);
      expect((await session.readIdentity('Virtual PCD 00 00')).chainValid).toBe(true);
      await typePin(agent, '9999');
      await events.waitFor((e) => e.type === 'feedback' && e.message === 'wrong-pin', 'the wrong PIN');
      expect(card.pinTriesLeft).toBe(2);
      await typePin(agent, '1234');
      await events.waitFor((e) => e.type === 'state' && e.snapshot.phase === 'active', 'the session');
      expect(agent.snapshot().user?.displayName).toBe('Claire Martin');
      expect(world.idp.calls).toEqual(['card:899700075122']);
      const beforeRemoval = events.events.length;
      await slot.remove();
      await events.waitFor(
        (e) => e.type === 'state' && e.snapshot.phase === 'locked',
        'the lock on card removal',
        10_000,
        beforeRemoval,
      );
      await agent.idle();
      expect(world.os.actions.slice(-2)).toEqual(['suspend claire.martin', 'lock']);
    } finally {
      await slot.remove();
      await agent.stop();
    }
  });
});
