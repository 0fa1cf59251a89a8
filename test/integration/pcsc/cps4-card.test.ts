/**
 * A CPS4 (ChipDoc) through the real chain: the virtual CPS4 in pcscd's vpcd reader, `releve
 * card`, and the shipped agent (productionAdapters from policy) signing its holder in against the
 * reference IdP over HTTPS — the PIN checked by the card, the card assertion signed by the card
 * (PSO DECIPHER) and verified by the IdP against the card's certificate and policy's roots.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  shippedWorkstation,
  startConfiguredSite,
  type ConfiguredSite,
} from '../../harness/configured-site.js';
import { cardHolderOf, DOCTOR } from '../../harness/people.js';
import { VPCD_PORT } from '../../harness/pcscd.js';
import { runReleve } from '../../harness/releve-process.js';
import { typePin } from '../../harness/scenarios.js';
import { VirtualCps4Card, VpcdConnection } from '../../harness/vcard/index.js';

let site: ConfiguredSite;
beforeAll(async () => {
  site = await startConfiguredSite({ maxPinFailures: 3 });
});
afterAll(async () => {
  await site.stop();
});

const holder = cardHolderOf(DOCTOR);

describe('CPS4 card through pcscd', () => {
  it.each(['T=1', 'T=0'] as const)(
    '%s: releve card --json reads holder, serial, chain and tries left — without spending a try',
    async (protocol) => {
      const card = await VirtualCps4Card.create({ holder, pki: site.pki, protocol, serial: '16180339' });
      const slot = new VpcdConnection(card);
      await slot.insert();
      try {
        await new Promise((resolve) => setTimeout(resolve, 800)); // pcscd notices the card
        const policyFile = join(site.dir, 'policy.json');
        writeFileSync(policyFile, JSON.stringify({ cardTrustedRootsFile: site.cardRootsFile }));
        const result = await runReleve(['card', '--json'], { RELEVE_POLICY: policyFile });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({
          kind: 'cps4',
          serial: '8025000001161803393',
          nationalId: DOCTOR.nationalId,
          givenName: DOCTOR.givenName,
          surname: DOCTOR.surname,
          profession: DOCTOR.profession,
          pinTriesLeft: 3,
          chainValid: true,
        });
        expect(card.pinTriesLeft).toBe(3);
        expect(card.decipherCount).toBe(0);
      } finally {
        await slot.remove();
      }
    },
  );

  it('signs its holder in through the agent: PIN checked by the card, assertion signed by the card and verified by the IdP', async () => {
    const card = await VirtualCps4Card.create({ holder, pki: site.pki, pin: DOCTOR.pin });
    const ws = await shippedWorkstation(site);
    const { agent, events } = ws;
    const slot = new VpcdConnection(card, { port: VPCD_PORT + 1 });
    try {
      await slot.insert();
      await events.waitFor(
        (e) => e.type === 'state' && e.snapshot.phase === 'awaiting-pin',
        'the PIN prompt',
      );
      expect(agent.snapshot().prompt?.pinTriesLeft).toBe(3);
      const wrong = DOCTOR.pin === '0000' ? '1111' : '0000';
      await typePin(agent, wrong);
      await events.waitFor((e) => e.type === 'feedback' && e.message === 'wrong-pin', 'the wrong PIN');
      expect(card.pinTriesLeft).toBe(2);
      expect(card.decipherCount).toBe(0);
      await typePin(agent, DOCTOR.pin);
      await agent.idle();
      expect(agent.snapshot()).toMatchObject({
        phase: 'active',
        user: { displayName: DOCTOR.displayName, nationalId: DOCTOR.nationalId },
      });
      // The card checked the PIN (its counter is back to 3) and made the signature the IdP accepted.
      expect(card.pinTriesLeft).toBe(3);
      expect(card.decipherCount).toBeGreaterThanOrEqual(1);
      const signIn = ws.audit().find((r) => r.action === 'authentication' && r.outcome === 'success');
      expect(signIn).toMatchObject({
        method: 'card-pin',
        badgeKind: 'cps-card',
        nationalId: DOCTOR.nationalId,
        amr: expect.arrayContaining(['pin']),
      });
      await slot.remove();
      await events.waitFor((e) => e.type === 'state' && e.snapshot.phase === 'locked', 'the lock');
    } finally {
      await slot.remove().catch(() => undefined);
      await ws.stop();
    }
  });
});
