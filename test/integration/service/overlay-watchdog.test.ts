/**
 * Killing the overlay is noticed. The service hosts the agent over the simulated workstation
 * and listens on a real socket with the real peer check; the tray is a real child process
 * connected to it. When that process is killed, the shared-kiosk session locks at once, stays
 * locked while no overlay covers the screen, and the tray is started again as it ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { composeAgent, type Agent } from '../../../app/agent/agent.js';
import { loadCatalogue, resourcesDir } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import { peerOf } from '../../../app/service/peer-credentials.js';
import { startService, type RunningService } from '../../../app/service/service.js';
import type { TrayLaunch } from '../../../app/service/tray-supervisor.js';
import { NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../../harness/sim/world.js';

const NODE = realpathSync('node_modules/.bin/node');
const CLIENT = realpathSync('test/harness/service-client.mjs');
const PROJECT = join(resourcesDir(), '..');

/** Polls until the condition holds (a real process is involved: its timing is the OS's). */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function kioskService(launchTray?: (launch: TrayLaunch) => void): Promise<{
  agent: Agent;
  world: SimWorld;
  service: RunningService;
  socket: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-watchdog-'));
  const socket = join(dir, 'service.sock');
  const world = createSimWorld();
  const running = await simulatedAdapters(world, null)(DEFAULT_POLICY, { auditFile: null });
  const agent = composeAgent(running.adapters, DEFAULT_POLICY, { catalogue: loadCatalogue('fr') });
  const service = await startService({
    agent,
    version: 'test',
    socketPath: socket,
    peerOf: (s) => peerOf(s, PROJECT),
    log: silentLog,
    ...(launchTray ? { launchTray } : {}),
  });
  await agent.start();
  cleanup.push(async () => {
    await service.stop();
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { agent, world, service, socket };
}

/** The tray: a real process connected to the service, saying hello as the tray. */
function startTray(socket: string): ChildProcess {
  const child = spawn(NODE, [CLIENT, socket, '--stay', JSON.stringify({ t: 'hello', role: 'tray' })], {
    stdio: 'ignore',
  });
  cleanup.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

const trayPids = (service: RunningService): number[] =>
  service.server
    .connected()
    .filter((client) => client.role === 'tray')
    .map((client) => client.peer.pid);

async function signInNurse(agent: Agent, world: SimWorld): Promise<void> {
  world.reader.tap(NURSE.badgeUid);
  await typePin(agent, NURSE.pin);
  await agent.idle();
}

describe('the overlay killed', () => {
  it('locks the shared session at once and relaunches the tray as it ran', async () => {
    const { agent, world, service, socket } = await kioskService();
    const tray = startTray(socket);
    await waitFor(() => trayPids(service).includes(tray.pid!), 5_000);
    await signInNurse(agent, world);
    expect(agent.snapshot().phase).toBe('active');

    tray.kill('SIGKILL');
    await waitFor(() => agent.snapshot().phase === 'locked', 5_000);
    expect(world.os.actions.at(-1)).toBe('lock');
    // The same program, as the same user, connects again: a new process.
    await waitFor(() => trayPids(service).some((pid) => pid !== tray.pid), 10_000);
    const relaunched = trayPids(service).find((pid) => pid !== tray.pid)!;
    cleanup.push(async () => {
      try {
        process.kill(relaunched, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    expect(service.server.connected().find((c) => c.peer.pid === relaunched)?.peer.uid).toBe(
      process.getuid?.(),
    );
  }, 30_000);

  it('keeps the workstation locked while no overlay covers it', async () => {
    const relaunches: TrayLaunch[] = [];
    const { agent, world, service, socket } = await kioskService((launch) => relaunches.push(launch));
    const tray = startTray(socket);
    await waitFor(() => trayPids(service).length === 1, 5_000);
    tray.kill('SIGKILL');
    await waitFor(() => relaunches.length === 1, 5_000);
    expect(relaunches[0]).toMatchObject({
      program: NODE,
      args: [CLIENT, socket, '--stay', expect.any(String)],
    });

    // Nobody can see a session open on a screen with no overlay: a sign-in is locked again.
    await signInNurse(agent, world);
    await waitFor(() => agent.snapshot().phase === 'locked', 5_000);
    const trail = world.memoryAudit.records.map((r) => `${r.action}:${r.reason}`);
    expect(trail).toContain('session-opened:tap-in');
    expect(trail.slice(trail.lastIndexOf('session-opened:tap-in'))).toContain('session-locked:manual-lock');
  }, 30_000);
});
