/**
 * e-CPS end to end: the real agent composed with the real OIDC adapter, against the reference IdP
 * over HTTPS on loopback (CIBA in poll mode). The reference IdP's approve()/deny() stand in for
 * the person's e-CPS app. What the person at the workstation and the security officer see when
 * the app approves, refuses, or when the person cancels on the workstation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { composeAgent, type Agent, type AgentEvent } from '../../../app/agent/agent.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import { startReferenceIdp, type CibaRequest, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import { DOCTOR, NURSE } from '../../harness/people.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../../harness/sim/world.js';
import { EventLog } from '../../harness/wait.js';

let idp: ReferenceIdp;
const policy: Policy = { ...DEFAULT_POLICY, workstationName: 'POSTE-URG-07' };

beforeAll(async () => {
  idp = await startReferenceIdp();
});
afterAll(async () => {
  await idp.stop();
});

interface Workstation {
  readonly agent: Agent;
  readonly world: SimWorld;
  readonly events: EventLog<AgentEvent>;
  stop(): Promise<void>;
}

/** A simulated workstation whose IdP is the real OIDC adapter, pointed at the reference IdP. */
async function workstation(): Promise<Workstation> {
  const world = createSimWorld();
  const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
  const secrets = new MemorySecretStore();
  const oidc = new OidcIdentityProvider({
    issuer: idp.issuer,
    secretStore: secrets,
    initialAccessToken: idp.initialAccessToken,
    caPem: idp.caPem,
    timeoutMs: 10_000,
  });
  const agent = composeAgent({ ...running.adapters, idp: oidc, secrets }, policy, {
    catalogue: loadCatalogue(policy.locale),
  });
  const events = new EventLog<AgentEvent>();
  agent.subscribe(events.push);
  await agent.start();
  return {
    agent,
    world,
    events,
    async stop() {
      await agent.stop();
      await running.close();
    },
  };
}

const nextCibaRequest = async (): Promise<CibaRequest> =>
  ((await once(idp.events, 'ciba-request')) as [CibaRequest])[0];

const phaseIs = (phase: string) => (e: AgentEvent) => e.type === 'state' && e.snapshot.phase === phase;

const feedback = (events: EventLog<AgentEvent>): string[] =>
  events.events.flatMap((e) => (e.type === 'feedback' ? [e.text] : []));

const ecpsAudit = (world: SimWorld): string[] =>
  world.memoryAudit.records
    .filter((r) => r.method === 'ecps')
    .map(
      (r) =>
        `${r.action}:${r.outcome}:${r.reason}${r.amr ? ` amr=${r.amr.join(',')}` : ''}:${r.nationalId ?? '-'}`,
    );

describe('e-CPS through the agent, against the reference IdP over HTTPS', () => {
  it('approved in the app: the nurse is signed in with her national ID, the code on screen is the one the app got', async () => {
    const ws = await workstation();
    try {
      const asked = nextCibaRequest();
      const submitted = await ws.agent.requestEcps(NURSE.nationalId!);
      if (!submitted.accepted) throw new Error(`e-CPS refused: ${submitted.problem}`);
      const request = await asked;
      expect(request).toMatchObject({
        nationalId: NURSE.nationalId,
        personId: NURSE.personId,
        bindingMessage: submitted.bindingMessage,
      });
      expect(ws.agent.snapshot()).toMatchObject({
        phase: 'ecps-waiting',
        ecps: { bindingMessage: submitted.bindingMessage },
      });
      expect(feedback(ws.events)).toContain(
        `Choisissez ${submitted.bindingMessage} dans l'application e-CPS`,
      );

      await idp.approve(request.authReqId);
      await ws.events.waitFor(phaseIs('active'), 'the session', 15_000, 0);
      await ws.agent.idle();
      expect(ws.agent.snapshot()).toMatchObject({
        phase: 'active',
        user: { displayName: NURSE.displayName, nationalId: NURSE.nationalId },
      });
      expect(ws.world.os.actions).toContain(`open ${NURSE.personId}`);
      // The audit trail says e-CPS, with the national ID and the amr the IdP put in the id_token.
      expect(ecpsAudit(ws.world)).toEqual([
        `authentication:info:ecps-requested:${NURSE.nationalId}`,
        `authentication:success:ecps-tap-in amr=swk,pin,mfa:${NURSE.nationalId}`,
        `session-opened:success:tap-in:${NURSE.nationalId}`,
      ]);
    } finally {
      await ws.stop();
    }
  });

  it('refused in the app: locked, with the message, and the refusal audited', async () => {
    const ws = await workstation();
    try {
      const asked = nextCibaRequest();
      await ws.agent.requestEcps(DOCTOR.nationalId!);
      await idp.deny((await asked).authReqId);
      await ws.events.waitFor(phaseIs('locked'), 'the lock after the refusal', 15_000, 0);
      await ws.agent.idle();
      expect(ws.agent.snapshot()).toMatchObject({ phase: 'locked', user: null });
      expect(feedback(ws.events).at(-1)).toBe(
        "Connexion e-CPS refusée dans l'application — aucune session ouverte",
      );
      expect(ecpsAudit(ws.world).at(-1)).toBe(`authentication:failure:ecps-denied:${DOCTOR.nationalId}`);
      expect(ws.world.os.actions).toEqual(['lock']);
    } finally {
      await ws.stop();
    }
  });

  it('an RPPS number the IdP does not know: locked, nobody signed in, the failure audited with that number', async () => {
    const ws = await workstation();
    try {
      const since = ws.events.events.length;
      await ws.agent.requestEcps('810009999999');
      // idle(): the e-CPS request the agent started has been answered and its result applied.
      await ws.agent.idle();
      expect(ws.events.events.slice(since).some(phaseIs('ecps-waiting'))).toBe(true);
      expect(ws.agent.snapshot()).toMatchObject({ phase: 'locked', user: null });
      expect(idp.pendingCiba().filter((r) => r.nationalId === '810009999999')).toEqual([]);
      expect(ecpsAudit(ws.world).at(-1)).toBe('authentication:failure:unknown-national-id:810009999999');
      expect(feedback(ws.events).at(-1)).toBe(
        'Aucun compte relié à ce numéro RPPS — vérifiez-le ou contactez le support',
      );
      expect(ws.world.os.actions).toEqual(['lock']);
    } finally {
      await ws.stop();
    }
  });

  it('cancelled on the workstation: locked, and approving that request afterwards signs no one in', async () => {
    const ws = await workstation();
    try {
      const asked = nextCibaRequest();
      const submitted = await ws.agent.requestEcps(DOCTOR.nationalId!);
      if (!submitted.accepted) throw new Error(`e-CPS refused: ${submitted.problem}`);
      const request = await asked;
      await ws.agent.cancelEcps(submitted.attemptId);
      await ws.agent.idle();
      expect(ws.agent.snapshot().phase).toBe('locked');
      expect(feedback(ws.events).at(-1)).toBe('Annulé');
      expect(ecpsAudit(ws.world).at(-1)).toBe(`authentication:cancelled:ecps-cancelled:${DOCTOR.nationalId}`);

      // The person approves in the app anyway (too late): the workstation no longer polls for
      // that request, and its attempt is over, so nobody is signed in by it.
      await idp.approve(request.authReqId);
      // A new request, approved, signs in: the late approval of the old one changed nothing.
      const again = nextCibaRequest();
      const second = await ws.agent.requestEcps(DOCTOR.nationalId!);
      if (!second.accepted) throw new Error(`e-CPS refused: ${second.problem}`);
      const secondRequest = await again;
      expect(secondRequest.authReqId).not.toBe(request.authReqId);
      expect(ws.world.os.actions).toEqual(['lock']);
      expect(ws.world.memoryAudit.records.filter((r) => r.action === 'session-opened')).toEqual([]);
      await idp.approve(secondRequest.authReqId);
      await ws.events.waitFor(phaseIs('active'), 'the session of the second request', 15_000, 0);
      await ws.agent.idle();
      expect(ws.agent.snapshot().user).toMatchObject({ displayName: DOCTOR.displayName });
      expect(ws.world.memoryAudit.records.filter((r) => r.action === 'session-opened')).toHaveLength(1);
    } finally {
      await ws.stop();
    }
  });
});
