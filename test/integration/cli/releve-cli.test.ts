/**
 * The `releve` command line as IT runs it: real processes, real files, exit codes. The agent
 * runs on a simulated workstation through test/harness/releve-sim.ts, which calls the very same
 * runCli as the shipped entry point (app/agent/main.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function run(entry: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(TSX, [entry, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const releve = (...args: string[]) => run('app/agent/main.ts', args);
const releveSim = (...args: string[]) => run('test/harness/releve-sim.ts', args);

const dir = mkdtempSync(join(tmpdir(), 'releve-cli-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('releve CLI', () => {
  it('prints its version and its help', () => {
    expect(releve('--version')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^releve \d+\.\d+\.\d+\n$/),
    });
    const help = releve('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('agent --headless');
    expect(help.stdout).toContain('policy check FILE');
    for (const command of ['readers', 'card', 'enroll --badge UID', 'idp check', 'bench']) {
      expect(help.stdout).toContain(`  ${command}`);
    }
  });

  it('sends the benchmark to the source checkout instead of pretending to run it', () => {
    const result = releve('bench');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('npm run bench');
  });

  it.each([[['frobnicate']], [['agent', '--headless', '--colour']], [['policy']], [[]], [['agent']]])(
    'prints usage and exits 2 on %j',
    (args) => {
      const result = releve(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage: releve');
    },
  );

  it('accepts a valid policy file and shows the settings in force', () => {
    const result = releve(
      'policy',
      'check',
      file('ok.json', JSON.stringify({ mode: 'os-lock', graceRetapMinutes: 60 })),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid policy');
    expect(result.stdout).toContain('mode = "os-lock"');
    expect(result.stdout).toContain('tapOutUndoSeconds = 5');
  });

  it('rejects a broken policy file with one message per field, exit 1', () => {
    const result = releve(
      'policy',
      'check',
      file(
        'bad.json',
        JSON.stringify({
          mode: 'kiosk',
          graceRetapMinutes: 9999,
          tapOutUndoSeconds: 'five',
          wallpaper: 'blue',
        }),
      ),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mode: must be one of "shared-kiosk", "os-lock"; got "kiosk"');
    expect(result.stderr).toContain(
      'graceRetapMinutes: must be an integer from 0 to 720 (minutes); got 9999',
    );
    expect(result.stderr).toContain(
      'tapOutUndoSeconds: must be an integer from 0 to 30 (seconds); got "five"',
    );
    expect(result.stderr).toContain('wallpaper: unknown setting');
  });

  it('says so when the policy is not JSON, or missing', () => {
    const notJson = releve('policy', 'check', file('garbage.json', '{ mode: '));
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('the policy is not valid JSON');
    expect(releve('policy', 'check', join(dir, 'absent.json'))).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot be read (ENOENT)'),
    });
  });

  it('refuses to start the agent on an invalid policy when told to be strict', () => {
    const result = releve(
      'agent',
      '--headless',
      '--strict-policy',
      '--policy',
      file('bad2.json', '{"inactivityLockMinutes": -3}'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to start on an invalid policy');
    expect(result.stderr).toContain('inactivityLockMinutes: must be an integer from 0 to 240');
  });

  it('reads the workstation policy file when no --policy is given (RELEVE_POLICY, else /etc/releve/policy.json)', () => {
    const result = spawnSync(TSX, ['app/agent/main.ts', 'agent', '--headless', '--strict-policy'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, RELEVE_POLICY: file('workstation.json', '{"mode":"kiosk"}') },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('mode: must be one of "shared-kiosk", "os-lock"; got "kiosk"');
  });

  it('plays a simulated scenario headless, printing states and audit records as JSON lines', () => {
    const audit = join(dir, 'audit.jsonl');
    const result = releveSim(
      'agent',
      '--headless',
      '--json',
      '--audit',
      audit,
      '--scenario',
      'nurse-morning',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const states = lines
      .filter((l) => l.type === 'state')
      .map((l) => `${l.phase as string}${l.user ? `:${l.user as string}` : ''}`);
    expect(states).toEqual([
      'locked',
      'identifying',
      'awaiting-pin',
      'authenticating',
      'awaiting-pin', // wrong PIN
      'authenticating',
      'active:Claire Martin',
      'switching',
      'awaiting-pin',
      'authenticating',
      'active:Dr Paul Durand',
      'active:Claire Martin', // grace re-tap over the doctor
      'locking:Claire Martin',
      'active:Claire Martin', // undo
      'locked', // inactivity
    ]);
    const records = lines
      .filter((l) => l.type === 'audit')
      .map((l) => l.record as Record<string, string | null>);
    expect(records.map((r) => `${r.action}/${r.outcome}/${r.reason}/${r.displayName ?? '-'}`)).toEqual([
      'agent-started/info/start/-',
      'authentication/failure/wrong-pin/-',
      'authentication/success/tap-in/Claire Martin',
      'session-opened/success/tap-in/Claire Martin',
      'authentication/success/tap-over/Dr Paul Durand',
      'session-suspended/info/tap-over/Claire Martin',
      'session-opened/success/tap-over/Dr Paul Durand',
      'authentication/success/grace-tap-over/Claire Martin',
      'session-suspended/info/tap-over/Dr Paul Durand',
      'session-resumed/success/grace-tap-over/Claire Martin',
      'tap-out-undone/info/undo/Claire Martin',
      'session-suspended/info/inactivity/Claire Martin',
      'session-locked/info/inactivity/Claire Martin',
      'agent-stopped/info/stop/-',
    ]);
    expect(records.find((r) => r.reason === 'tap-in')).toMatchObject({
      nationalId: '899700075122',
      workstation: 'POSTE-SIM-01',
      badgeKind: 'rfid',
      method: 'badge-pin',
    });
    // The same records, durable, in the audit file; no PIN anywhere.
    const onDisk = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    expect(onDisk.map((r) => r.id)).toEqual(records.map((r) => r.id));
    const everything = result.stdout + readFileSync(audit, 'utf8');
    expect(everything).not.toMatch(/"(1234|4321|1243)"|:(1234|4321|1243)\b/);
    expect(everything).not.toMatch(/"(pin|password)"\s*:/i);
  });

  it('starts with each invalid setting on its default, the problems audited (DESIGN.md: fallback)', () => {
    const audit = join(dir, 'fallback.jsonl');
    const result = releveSim(
      'agent',
      '--headless',
      '--json',
      '--audit',
      audit,
      '--policy',
      file('bad3.json', '{"graceRetapMinutes": 9999, "locale": "en"}'),
      '--scenario',
      'nurse-morning',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('each setting at fault takes its default');
    expect(result.stderr).toContain('graceRetapMinutes: must be an integer from 0 to 720');
    const records = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; reason: string; detail?: string });
    expect(records[1]).toMatchObject({
      action: 'policy-fallback',
      reason: 'policy-invalid',
      detail: expect.stringContaining('graceRetapMinutes'),
    });
    // The valid setting (locale en) was kept.
    expect(result.stdout).toContain('Welcome Claire Martin');
  });

  it('ships as a compiled command: bin/releve.js runs the built agent', () => {
    execFileSync(join('node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json']);
    const result = spawnSync(
      join('node_modules', '.bin', 'node'),
      ['bin/releve.js', 'policy', 'check', file('shipped.json', '{"locale":"en"}')],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('locale = "en"');
  });
});
