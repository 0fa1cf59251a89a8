/** `releve readers` as IT runs it on a workstation: a real pcscd, a badge on the vpcd reader. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { VirtualUidBadge, VpcdConnection } from '../../harness/vcard/index.js';
import { EventLog } from '../../harness/wait.js';
import { runReleve } from '../../harness/releve-process.js';

const releve = (...args: string[]) =>
  spawnSync(join('node_modules', '.bin', 'tsx'), ['app/agent/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });

let pcscd: RunningPcscd;
const badge = new VpcdConnection(new VirtualUidBadge('04A1B2C3D4E5F6'));
beforeAll(async () => {
  pcscd = await startPcscd();
});
afterAll(async () => {
  await badge.remove();
  await pcscd.stop();
});

describe('releve readers', () => {
  it('lists the readers by name', () => {
    const result = releve('readers', '--json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { readers: { name: string; badge: unknown }[] };
    expect(report.readers.map((r) => r.name)).toContain('Virtual PCD 00 00');
    expect(releve('readers').stdout).toMatch(/Virtual PCD 00 00 {2}\(pcsc\) {2}empty/);
  });

  it('lists a badge that is already on a reader', async () => {
    await badge.insert();
    try {
      // Asynchronously: this process must keep answering for the virtual badge meanwhile.
      const result = await runReleve(['readers', '--json']);
      const report = JSON.parse(result.stdout) as { readers: { name: string; badge: unknown }[] };
      expect(report.readers.find((r) => r.name === 'Virtual PCD 00 00')?.badge).toEqual({
        badgeId: '04A1B2C3D4E5F6',
        kind: 'rfid',
        contact: false,
      });
    } finally {
      await badge.remove();
      await new Promise((resolve) => setTimeout(resolve, 800)); // let pcscd see the reader empty again
    }
  });

  it('--watch shows each badge tapped, with its canonical ID', async () => {
    const watcher = spawn(join('node_modules', '.bin', 'tsx'), [
      'app/agent/main.ts',
      'readers',
      '--watch',
      '--json',
    ]);
    const lines = new EventLog<Record<string, unknown>>();
    let buffer = '';
    watcher.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const complete = buffer.split('\n');
      buffer = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    try {
      await lines.waitFor(
        (l) => l.event === 'reader' && l.reader === 'Virtual PCD 00 00',
        'the reader',
        20_000,
      );
      await badge.insert();
      expect(await lines.waitFor((l) => l.event === 'badge', 'the tap')).toEqual({
        event: 'badge',
        reader: 'Virtual PCD 00 00',
        badgeId: '04A1B2C3D4E5F6',
        kind: 'rfid',
        contact: false,
      });
      await badge.remove();
      await lines.waitFor((l) => l.event === 'removed', 'the removal');
    } finally {
      watcher.kill('SIGTERM');
    }
  });

  it('says there is no reader, exit 1, when the smart-card service is down', async () => {
    if (!pcscd.ours) throw new Error('this test stops pcscd: stop the pcscd started outside the tests first');
    await badge.remove();
    await pcscd.stop();
    const result = releve('readers');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('no reader: smart-card service unavailable');
    pcscd = await startPcscd();
  });
});
