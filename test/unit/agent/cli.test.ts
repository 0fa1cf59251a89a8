/**
 * `releve agent --headless` living with its policy: a change is watched, applied only on a
 * locked workstation with no session kept, and audited; in strict mode an invalid change is
 * refused and audited. The real CLI code over a simulated workstation.
 */
import { describe, expect, it } from '@jest/globals';
import type { Agent } from '../../../app/agent/agent.js';
import { runCli, type CliIo } from '../../../app/agent/cli.js';
import { NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { StaticPolicySource } from '../../harness/sim/static-policy-source.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../../harness/sim/world.js';

interface Run {
  readonly out: string[];
  readonly err: string[];
  readonly world: SimWorld;
  readonly source: StaticPolicySource;
  readonly code: Promise<number>;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Runs the agent over `initial`; `drive` gets the first agent and ends the run when it returns. */
function runAgent(initial: unknown, args: string[], drive: (agent: Agent, run: Run) => Promise<void>): Run {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const world = createSimWorld();
  const source = new StaticPolicySource(initial);
  const run: Run = { out, err, world, source, code: Promise.resolve(0) };
  const code = runCli(['agent', '--headless', '--json', ...args], io, {
    version: 'test',
    adapterFactory: simulatedAdapters(world, (agent) => drive(agent, run)),
    untilSignal: () => new Promise(() => undefined),
    policySource: source,
  });
  return { ...run, code };
}

const audits = (run: Run): string[] =>
  run.out
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          record?: { action: string; outcome: string; reason: string; detail?: string };
        },
    )
    .filter((line) => line.type === 'audit')
    .map(
      (line) =>
        `${line.record!.action}/${line.record!.outcome}/${line.record!.reason}${line.record!.detail ? `: ${line.record!.detail}` : ''}`,
    );

describe('releve agent and a changing policy', () => {
  it('applies a change at once on a locked workstation, audited, each invalid setting on its default', async () => {
    const run = runAgent({}, [], async (_agent, self) => {
      self.source.change({ locale: 'en', graceRetapMinutes: 9999 });
      await until(
        'the change to apply',
        () => audits(self).filter((a) => a.startsWith('agent-started')).length === 2,
      );
    });
    expect(await run.code).toBe(0);
    expect(audits(run)).toEqual([
      'agent-started/info/start: mode shared-kiosk',
      'agent-stopped/info/stop',
      'policy-changed/info/policy-changed: locale',
      'agent-started/info/start: mode shared-kiosk',
      expect.stringMatching(/^policy-fallback\/info\/policy-invalid: graceRetapMinutes: must be an integer/),
      'agent-stopped/info/stop',
    ]);
    expect(run.world.memoryAudit.records.map((r) => r.action)).toContain('policy-changed');
  });

  it('never changes policy under a signed-in person: it waits until the workstation is locked with no session kept', async () => {
    const run = runAgent({ maxSuspendedSessions: 0 }, [], async (agent, self) => {
      await self.world.tap(NURSE.badgeUid);
      await typePin(agent, NURSE.pin);
      await until('the nurse signed in', () => agent.snapshot().phase === 'active');
      self.source.change({ maxSuspendedSessions: 0, tapOutUndoSeconds: 0 });
      await until('the change to be seen', () => self.err.some((l) => l.includes('policy changed')));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(audits(self)).not.toContainEqual(expect.stringMatching(/^policy-changed/));
      expect(agent.snapshot().user?.displayName).toBe(NURSE.displayName);
      await agent.manualLock();
      await until('the change to apply', () => audits(self).some((a) => a.startsWith('policy-changed')));
    });
    expect(await run.code).toBe(0);
    expect(run.err.join('\n')).toContain(
      'policy changed (tapOutUndoSeconds); it applies once the workstation is locked with no suspended session',
    );
    const trail = audits(run);
    expect(trail.indexOf('policy-changed/info/policy-changed: tapOutUndoSeconds')).toBeGreaterThan(
      trail.findIndex((a) => a.startsWith('session-closed')),
    );
  });

  it('in strict mode, refuses an invalid change, keeps the policy in force and audits the refusal', async () => {
    const run = runAgent({ locale: 'en' }, ['--strict-policy'], async (_agent, self) => {
      self.source.change({ locale: 'en', inactivityLockMinutes: -3 });
      await until('the refusal', () => audits(self).some((a) => a.startsWith('policy-changed')));
    });
    expect(await run.code).toBe(0);
    expect(audits(run)).toEqual([
      'agent-started/info/start: mode shared-kiosk',
      expect.stringMatching(
        /^policy-changed\/failure\/policy-change-refused: inactivityLockMinutes: must be/,
      ),
      'agent-stopped/info/stop',
    ]);
    expect(run.err[0]).toContain('the changed policy (static) is refused; the policy in force stays');
  });
});

describe('releve policy check', () => {
  it('shows every setting in force but never the value of a secret one', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'releve-check-')), 'policy.json');
    writeFileSync(path, JSON.stringify({ idpInitialAccessToken: 'iat-7Hq2-secret', locale: 'en' }));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['policy', 'check', path],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      {
        version: 'test',
        adapterFactory: simulatedAdapters(createSimWorld(), null),
        untilSignal: async () => undefined,
      },
    );
    expect(code).toBe(0);
    expect(out).toContain('  locale = "en"');
    expect(out).toContain('  idpInitialAccessToken = (set: secret, not shown)');
    expect(out.join('\n') + err.join('\n')).not.toContain('7Hq2');
  });
});
