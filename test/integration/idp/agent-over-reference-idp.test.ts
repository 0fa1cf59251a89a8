/**
 * The shipped agent's own wiring (productionAdapters: the IdP and the OS vault from policy, the
 * PC/SC card session with the policy's roots) against the reference IdP over real HTTPS, with
 * badges and a CPS card through a real pcscd. What a nurse, a doctor and the security officer
 * see when the workstation is configured by policy alone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { clientRecordAccount } from '../../../app/adapters/idp/workstation-client.js';
import { KeyringSecretStore } from '../../../app/adapters/vault/keyring-secret-store.js';
import { tokenAccount } from '../../../app/adapters/vault/token-vault.js';
import type { AgentEvent } from '../../../app/agent/agent.js';
import type { Policy } from '../../../app/core/policy.js';
import {
  shippedWorkstation,
  startConfiguredSite,
  type ConfiguredSite,
} from '../../harness/configured-site.js';
import { cardHolderOf, DOCTOR, NURSE } from '../../harness/people.js';
import { VPCD_PORT } from '../../harness/pcscd.js';
import { typePin } from '../../harness/scenarios.js';
import { VirtualCps3Card, VpcdConnection } from '../../harness/vcard/index.js';
import type { EventLog } from '../../harness/wait.js';

let site: ConfiguredSite;
beforeAll(async () => {
  site = await startConfiguredSite({ maxPinFailures: 3 });
});
afterAll(async () => {
  await site.stop();
});

const workstation = (policy?: Policy) => shippedWorkstation(site, policy);

const feedback = (events: EventLog<AgentEvent>, since = 0): string[] =>
  events.events.slice(since).flatMap((e) => (e.type === 'feedback' ? [e.text] : []));

describe('the shipped agent configured by policy, against the reference IdP', () => {
  it('signs a nurse in with badge + PIN: registered workstation, tokens in the keyring, traced with her RPPS', async () => {
    const ws = await workstation();
    try {
      await ws.reader.tap(NURSE.badgeUid);
      await typePin(ws.agent, '0000');
      await ws.agent.idle();
      expect(feedback(ws.events)).toContain('Code PIN incorrect — 2 essai(s) restant(s)');
      expect(ws.agent.snapshot().phase).toBe('awaiting-pin');
      await typePin(ws.agent, NURSE.pin);
      await ws.agent.idle();
      expect(ws.agent.snapshot()).toMatchObject({
        phase: 'active',
        user: { displayName: NURSE.displayName, nationalId: NURSE.nationalId },
      });

      const vault = new KeyringSecretStore();
      const registration = JSON.parse((await vault.get(clientRecordAccount(site.idp.issuer))) ?? '{}') as {
        clientId?: string;
      };
      expect(registration.clientId).toEqual(expect.any(String));
      const tokens = JSON.parse((await vault.get(tokenAccount(NURSE.personId))) ?? '{}') as {
        accessToken?: string;
        refreshToken?: string;
      };
      expect(tokens.refreshToken).toEqual(expect.any(String));
      // Neither the screens nor the audit trail carry a token or the PIN.
      const published = JSON.stringify(ws.events.events) + readFileSync(ws.auditFile, 'utf8');
      expect(published).not.toContain(tokens.accessToken);
      expect(published).not.toContain(tokens.refreshToken);

      const signIns = ws.audit().filter((r) => r.action === 'authentication');
      expect(signIns.map((r) => `${String(r.outcome)}:${String(r.reason)}`)).toEqual([
        'failure:wrong-pin',
        'success:tap-in',
      ]);
      // The proof of a second factor, as the IdP put it in the id_token.
      expect(signIns[1]).toMatchObject({
        nationalId: NURSE.nationalId,
        method: 'badge-pin',
        amr: ['pin', 'badge'],
        acr: 'eidas1',
      });
    } finally {
      await ws.stop();
    }
  });

  it('says "too many attempts" with when to retry once the IdP locks the badge, and lets no one in', async () => {
    const ws = await workstation();
    try {
      await ws.reader.tap(DOCTOR.badgeUid);
      await typePin(ws.agent, '9999');
      await typePin(ws.agent, '9998');
      await typePin(ws.agent, '9997');
      await ws.agent.idle();
      expect(ws.agent.snapshot().phase).toBe('locked');
      // The third wrong PIN locks the badge at the IdP; the right PIN is refused until the lockout ends.
      await ws.reader.tap(DOCTOR.badgeUid);
      await typePin(ws.agent, DOCTOR.pin);
      await ws.agent.idle();
      expect(ws.agent.snapshot().phase).toBe('locked');
      expect(feedback(ws.events).some((text) => /^Trop d'essais — réessayez dans \d+ min$/.test(text))).toBe(
        true,
      );
    } finally {
      await ws.stop();
    }
  });

  it('signs a doctor in with his CPS card: PIN checked by the card, assertion signed by it, chain from policy', async () => {
    const card = await VirtualCps3Card.create({
      holder: cardHolderOf(DOCTOR),
      pki: site.pki,
      pin: DOCTOR.pin,
    });
    const ws = await workstation();
    const slot = new VpcdConnection(card, { port: VPCD_PORT + 1 });
    try {
      await slot.insert();
      await ws.events.waitFor((e) => e.type === 'state' && e.snapshot.phase === 'awaiting-pin', 'the prompt');
      await typePin(ws.agent, DOCTOR.pin);
      await ws.agent.idle();
      expect(ws.agent.snapshot()).toMatchObject({
        phase: 'active',
        user: { displayName: DOCTOR.displayName, nationalId: DOCTOR.nationalId },
      });
      expect(card.pinTriesLeft).toBe(3);
      const signIn = ws.audit().find((r) => r.action === 'authentication');
      expect(signIn).toMatchObject({
        outcome: 'success',
        method: 'card-pin',
        badgeKind: 'cps-card',
        amr: expect.arrayContaining(['pin']),
      });
      await slot.remove();
      await ws.events.waitFor((e) => e.type === 'state' && e.snapshot.phase === 'locked', 'the lock');
    } finally {
      await slot.remove().catch(() => undefined);
      await ws.stop();
    }
  });

  it('fails safe and says so when the IdP is slow beyond the policy bound, or down', async () => {
    const ws = await workstation({ ...site.policy, authenticationTimeoutSeconds: 2 });
    try {
      site.idp.setTokenDelay(5000);
      await ws.reader.tap(NURSE.badgeUid);
      await typePin(ws.agent, NURSE.pin);
      await ws.events.waitFor(
        (e) => e.type === 'state' && e.snapshot.phase === 'locked',
        'the lock after the timeout',
        15_000,
        ws.events.events.length,
      );
      expect(feedback(ws.events)).toContain('Délai dépassé — badgez à nouveau');
    } finally {
      site.idp.setTokenDelay(0);
      await ws.stop();
    }
    const down = await workstation({ ...site.policy, idpIssuer: 'https://127.0.0.1:9' });
    try {
      await down.reader.tap(NURSE.badgeUid);
      await typePin(down.agent, NURSE.pin);
      await down.agent.idle();
      expect(down.agent.snapshot().phase).toBe('locked');
      expect(feedback(down.events)).toContain(
        "Serveur d'identité injoignable — réessayez ou contactez le support",
      );
    } finally {
      await down.stop();
    }
  });
});
