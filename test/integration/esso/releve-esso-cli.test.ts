/** `releve esso check|probe|learn` as IT runs them: the shipped entry point in a real process. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDesktop, startTkLogin, type Desktop, type TestApp } from '../../harness/esso/desktop.js';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function releve(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['app/agent/main.ts', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let desktop: Desktop;
let labo: TestApp;
beforeAll(async () => {
  desktop = await startDesktop();
  labo = await startTkLogin(desktop, { accounts: [{ user: 'cmartin', password: 'x' }] });
});
afterAll(async () => {
  await labo.stop();
  await desktop.stop();
});

describe('releve esso', () => {
  it('check: exit 0 for valid profiles, 1 naming each wrong field', async () => {
    const ok = await releve(['esso', 'check', 'resources/esso/labo.json']);
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('valid profile "labo" (LABO, revision 1, 7 screens)'),
    });
    const dir = mkdtempSync(join(tmpdir(), 'releve-esso-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        schemaVersion: 1,
        id: 'labo',
        label: 'LABO',
        revision: 1,
        application: { title: { regex: '(a+)+\\1' } },
        screens: [],
        onSwitch: { action: 'close' },
      }),
    );
    const result = await releve(['esso', 'check', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('application.title.regex: "\\1" is not supported at position 6');
    expect(result.stderr).toContain('screens: a profile needs a login screen');
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    expect(await releve(['esso', 'check', notJson])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not JSON'),
    });
  });

  it('probe: lists the windows, and which profile and screen each matches and why', async () => {
    const result = await releve(['esso', 'probe', '--json'], { DISPLAY: desktop.display });
    expect(result.code).toBe(0);
    const windows = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(windows).toContainEqual(
      expect.objectContaining({
        class: 'Labologin',
        title: 'LABO — Connexion',
        match: {
          profile: 'labo',
          screen: 'login',
          kind: 'login',
          why: ['class is "LaboLogin"', 'title is "LABO — Connexion"'],
        },
      }),
    );
  });

  it('probe: says clearly when there is no desktop', async () => {
    const result = await releve(['esso', 'probe'], { DISPLAY: '' });
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('no X display') });
  });

  it('learn: a valid draft profile from the window in front', async () => {
    const id = (await desktop.x('xdotool', ['search', '--class', 'Labologin'])).trim().split('\n')[0]!;
    await desktop.x('xdotool', ['windowfocus', '--sync', id]);
    const result = await releve(['esso', 'learn'], { DISPLAY: desktop.display });
    expect(result.code).toBe(0);
    const draft = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(draft).toMatchObject({
      id: 'labologin',
      application: { className: { equals: 'Labologin' } },
      screens: [{ kind: 'login', match: { title: { equals: 'LABO — Connexion' } } }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'releve-esso-'));
    writeFileSync(join(dir, 'draft.json'), result.stdout);
    expect((await releve(['esso', 'check', join(dir, 'draft.json')])).code).toBe(0);
  });
});
