/**
 * Carrying out the machine's effects when the audit trail cannot be written: access fails
 * closed, locks go through (issue 11). The access tests failed on the agent before the fix.
 */
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import type { AuditSink } from '../../../app/core/ports/index.js';
import { NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { messages, startAgent, texts } from './start-agent.js';

/** A sink on a full disk, once `failing` is set. */
function flakySink(): AuditSink & { failing: boolean } {
  const sink = {
    failing: false,
    async append(): Promise<void> {
      if (sink.failing) throw new Error('ENOSPC: no space left on device');
    },
  };
  return sink;
}

describe('effects when the audit trail is unavailable', () => {
  it('opens no session when the sign-in cannot be recorded, and says why', async () => {
    const sink = flakySink();
    const { agent, world, events } = await startAgent(DEFAULT_POLICY, () => undefined, { audit: sink });
    sink.failing = true;
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.os.actions.filter((a) => a.startsWith('open') || a.startsWith('unlock'))).toEqual([]);
    expect(messages(events)).toContain('audit-unavailable');
    expect(texts(events).join('\n')).toMatch(/Journal d'audit indisponible/);
    // Nor does a grace re-tap get around it.
    world.reader.tap(NURSE.badgeUid);
    await agent.idle();
    expect(world.os.actions.filter((a) => a.startsWith('resume') || a.startsWith('unlock'))).toEqual([]);
    await agent.stop();
  });

  it('still locks when the trail fails during a session', async () => {
    const sink = flakySink();
    const { agent, world } = await startAgent(DEFAULT_POLICY, () => undefined, { audit: sink });
    world.reader.tap(NURSE.badgeUid);
    await typePin(agent, NURSE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('active');
    sink.failing = true;
    await agent.manualLock();
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.os.actions.at(-1)).toBe('lock');
    await agent.stop();
  });
});
