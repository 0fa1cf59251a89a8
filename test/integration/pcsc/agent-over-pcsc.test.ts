/**
 * The nurse's morning through the real PC/SC chain: virtual badges on the vpcd reader, a real
 * pcscd, the production badge source, the real agent (simulated IdP until the reference IdP
 * lands). The same scenario as the demo and the CLI test, so all three tell one story.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { composeAgent } from '../../../app/agent/agent.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { NURSE_MORNING, playScenario } from '../../harness/scenarios.js';
import { createSimWorld, simulatedAdapters } from '../../harness/sim/world.js';
import { VpcdReader } from '../../harness/vcard/index.js';

let pcscd: RunningPcscd;
beforeAll(async () => {
  pcscd = await startPcscd();
});
afterAll(async () => {
  await pcscd.stop();
});

describe('the agent over a real pcscd', () => {
  it('plays the nurse’s morning with badges tapped on the vpcd reader', async () => {
    const world = createSimWorld();
    const reader = new VpcdReader(silentLog);
    world.badgeSource = reader;
    world.tap = (uid) => reader.tap(uid);
    const running = await simulatedAdapters(world, null)(DEFAULT_POLICY, { auditFile: null });
    const agent = composeAgent(running.adapters, DEFAULT_POLICY, { catalogue: loadCatalogue('fr') });
    const phases: string[] = [];
    agent.subscribe((event) => {
      if (event.type === 'state')
        phases.push(
          `${event.snapshot.phase}${event.snapshot.user ? `:${event.snapshot.user.displayName}` : ''}`,
        );
    });
    await agent.start();
    await reader.ready();
    await playScenario(agent, world, NURSE_MORNING);
    await agent.stop();
    expect(phases.filter((p) => p.startsWith('active') || p === 'locked' || p.startsWith('locking'))).toEqual(
      [
        'locked',
        'active:Claire Martin',
        'active:Dr Paul Durand',
        'active:Claire Martin',
        'locking:Claire Martin',
        'active:Claire Martin',
        'locked',
      ],
    );
    expect(
      world.memoryAudit.records
        .filter((r) => r.action === 'authentication')
        .map((r) => `${r.outcome}:${r.reason}`),
    ).toEqual(['failure:wrong-pin', 'success:tap-in', 'success:tap-over', 'success:grace-tap-over']);
    expect(world.os.violations).toEqual([]);
  });
});
