/**
 * The Electron main process with `electron` replaced at the module boundary: every window is
 * locked down, IPC answers only our own main frame with payloads the contract allows, a crashed
 * renderer brings the lock back, and nothing foreign is loaded or granted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { LogFields } from '../../../app/core/ports/index.js';
import { DOCTOR, NURSE } from '../../harness/people.js';
import { createSimWorld, simulatedAdapters } from '../../harness/sim/world.js';
import * as fake from './electron-fake.js';

jest.unstable_mockModule('electron', () => fake.electronModule());

const { prepareShell, startShell } = await import('../../../app/main/shell.js');
const { loadCatalogue } = await import('../../../app/agent/resources.js');
const { composeAgent } = await import('../../../app/agent/agent.js');
const { startService } = await import('../../../app/service/service.js');
const { DEFAULT_POLICY } = await import('../../../app/core/policy.js');
type Shell = Awaited<ReturnType<typeof startShell>>;
type Agent = ReturnType<typeof composeAgent>;
type RunningService = Awaited<ReturnType<typeof startService>>;

const logged: { level: string; message: string; fields: string }[] = [];
const record =
  (level: string) =>
  (message: string, fields?: LogFields): void => {
    logged.push({ level, message, fields: JSON.stringify(fields ?? {}) });
  };
const log = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };

const world = createSimWorld();
const rendererDir = mkdtempSync(join(tmpdir(), 'releve-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Relève</title>');
let shell: Shell;
let agent: Agent;
let service: RunningService;

// The shell is a client of the service: a real one, on a real Unix socket, hosting the agent
// over the simulated workstation (the peer check is the service's own test's business).
beforeAll(async () => {
  const running = await simulatedAdapters(world, null)(DEFAULT_POLICY, { auditFile: null });
  agent = composeAgent(running.adapters, DEFAULT_POLICY, { catalogue: loadCatalogue('fr') });
  service = await startService({
    agent,
    version: '1.2.3',
    socketPath: join(rendererDir, 'service.sock'),
    peerOf: () => ({ pid: process.pid, uid: 0, gid: 0 }),
    launchOf: () => null,
    log,
  });
  await agent.start();
  expect(prepareShell(log)).toBe(true);
  shell = await startShell({
    servicePath: join(rendererDir, 'service.sock'),
    version: '1.2.3',
    rendererDir,
    preloadPath: '/opt/releve/preload.cjs',
    log,
  });
});

afterAll(async () => {
  await shell.stop();
  await service.stop();
  await agent.stop();
});

/** Lets the service's frames reach the shell (they cross a real socket). */
const settle = async (): Promise<void> => {
  await agent.idle();
  await new Promise((resolve) => setTimeout(resolve, 30));
};

const windows = (): fake.FakeBrowserWindow[] => fake.FakeBrowserWindow.created.filter((w) => !w.destroyed);
/** The live overlay of the primary display (the one with the lock screen and PIN pad). */
const primary = (): fake.FakeBrowserWindow =>
  windows().find((w) => w.options.fullscreen === true && !w.webContents.mainFrame.url.includes('#'))!;

function invoke(
  name: string,
  payload: unknown,
  from: { contents?: fake.FakeWebContents; frame?: fake.FakeFrame | null } = {},
) {
  const contents = from.contents ?? primary().webContents;
  const frame = from.frame === undefined ? contents.mainFrame : from.frame;
  const handler = fake.ipcHandlers.get(`releve:request:${name}`);
  if (!handler) throw new Error(`no IPC handler for ${name}`);
  return handler({ sender: contents, senderFrame: frame }, payload) as Promise<{
    ok: boolean;
    code?: string;
    value?: unknown;
  }>;
}

async function signInNurse(): Promise<void> {
  await world.tap(NURSE.badgeUid);
  await agent.idle();
  const prompt = agent.snapshot().prompt;
  expect(prompt).not.toBeNull();
  const result = await invoke('submitPin', { attemptId: prompt!.attemptId, pin: NURSE.pin });
  expect(result).toEqual({ ok: true, value: { accepted: true } });
  await settle();
  expect(agent.snapshot().phase).toBe('active');
}

describe('windows', () => {
  it('covers every display with a hidden-at-start, always-on-top overlay loading the app page', () => {
    expect(fake.app.sandboxed).toBe(true);
    const overlays = windows();
    expect(overlays).toHaveLength(2);
    for (const window of overlays) {
      expect(window.options.show).toBe(false);
      expect(window.options.fullscreen).toBe(true);
      expect(window.alwaysOnTopLevel).toBe('screen-saver');
      expect(window.webContents.mainFrame.url.startsWith('app://releve/index.html')).toBe(true);
    }
    expect(overlays[1]!.webContents.mainFrame.url).toBe('app://releve/index.html#cover');
  });

  it('creates every window, the diagnostics one included, with the secure webPreferences', () => {
    shell.windows.openDiagnostics();
    const all = fake.FakeBrowserWindow.created;
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const window of all) {
      expect(window.options.webPreferences).toEqual(
        expect.objectContaining({
          preload: '/opt/releve/preload.cjs',
          sandbox: true,
          contextIsolation: true,
          nodeIntegration: false,
          nodeIntegrationInWorker: false,
          nodeIntegrationInSubFrames: false,
          webSecurity: true,
          allowRunningInsecureContent: false,
          webviewTag: false,
          devTools: false,
        }),
      );
    }
  });

  it('shows the overlay while locked and hides it while someone works', async () => {
    expect(primary().visible).toBe(true);
    await signInNurse();
    expect(
      windows()
        .filter((w) => w.options.fullscreen === true)
        .every((w) => !w.visible),
    ).toBe(true);
    await invoke('lockNow', {});
    await settle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(primary().visible).toBe(true);
  });
});

describe('validated IPC', () => {
  it('answers the app page in its own main frame', async () => {
    const result = await invoke('getSnapshot', {});
    expect(result.ok).toBe(true);
    expect(result.value).toEqual(expect.objectContaining({ phase: 'locked' }));
  });

  it('refuses a sub-frame, a foreign origin, a gone frame and a window that is not ours', async () => {
    const contents = primary().webContents;
    const subFrame: fake.FakeFrame = { url: 'app://releve/index.html', parent: contents.mainFrame };
    const stranger = new fake.FakeWebContents();
    stranger.mainFrame.url = 'app://releve/index.html';
    const before = logged.filter((l) => l.message === 'IPC request refused').length;
    for (const from of [{ frame: subFrame }, { contents: stranger }, { frame: null }]) {
      await expect(invoke('lockNow', {}, from)).resolves.toEqual({ ok: false, code: 'forbidden' });
    }
    contents.mainFrame.url = 'https://evil.example/index.html';
    await expect(invoke('getSnapshot', {})).resolves.toEqual({ ok: false, code: 'forbidden' });
    contents.mainFrame.url = 'file:///opt/releve/renderer/index.html';
    await expect(invoke('getSnapshot', {})).resolves.toEqual({ ok: false, code: 'forbidden' });
    contents.mainFrame.url = 'app://releve/index.html';
    expect(logged.filter((l) => l.message === 'IPC request refused').length).toBe(before + 5);
  });

  const argsOf = (window: fake.FakeBrowserWindow): unknown =>
    (window.options.webPreferences as { additionalArguments?: string[] } | undefined)?.additionalArguments;

  it('gives the secondary cover and the diagnostics window reads only, never a sign-in call', async () => {
    shell.windows.openDiagnostics();
    const cover = windows().find((w) => w.webContents.mainFrame.url.endsWith('#cover'))!;
    const diagnostics = windows().find((w) => w.webContents.mainFrame.url.endsWith('#diagnostics'))!;
    expect(argsOf(cover)).toEqual(['--releve-window-role=cover']);
    expect(argsOf(diagnostics)).toEqual(['--releve-window-role=diagnostics']);
    expect(argsOf(primary())).toEqual(['--releve-window-role=lock']);
    await world.tap(NURSE.badgeUid);
    await settle();
    const attemptId = agent.snapshot().prompt!.attemptId;
    for (const window of [cover, diagnostics]) {
      const from = { contents: window.webContents };
      for (const [name, payload] of [
        ['submitPin', { attemptId, pin: NURSE.pin }],
        ['cancelPin', { attemptId }],
        ['chooseEcps', { nationalId: DOCTOR.nationalId }],
        ['undo', {}],
        ['lockNow', {}],
        ['screenClosed', {}],
      ] as const) {
        await expect(invoke(name, payload, from)).resolves.toEqual({ ok: false, code: 'forbidden' });
      }
      await expect(invoke('getSnapshot', {}, from)).resolves.toMatchObject({ ok: true });
    }
    expect(agent.snapshot().phase).toBe('awaiting-pin');
    await invoke('cancelPin', { attemptId });
    await settle();
  });

  it('drops malformed payloads and never logs the PIN they carry', async () => {
    await world.tap(NURSE.badgeUid);
    await agent.idle();
    const attemptId = agent.snapshot().prompt!.attemptId;
    for (const payload of [
      { attemptId, pin: '98' },
      { attemptId, pin: '9876', remember: true },
      { attemptId: String(attemptId), pin: '9876' },
      { attemptId, pin: '98x6' },
      '9876',
      null,
    ]) {
      await expect(invoke('submitPin', payload)).resolves.toEqual({ ok: false, code: 'invalid-request' });
    }
    expect(agent.snapshot().phase).toBe('awaiting-pin');
    expect(JSON.stringify(logged)).not.toContain('9876');
    expect(JSON.stringify(logged)).not.toMatch(/"98"/);
    await invoke('cancelPin', { attemptId });
    await agent.idle();
  });

  it('asks e-CPS for a valid RPPS only, shows the 2-digit code, cancels; an unknown prompt is no-prompt', async () => {
    await expect(invoke('chooseEcps', {})).resolves.toEqual({ ok: false, code: 'invalid-request' });
    await expect(invoke('chooseEcps', { nationalId: '12345' })).resolves.toEqual({
      ok: false,
      code: 'invalid-request',
    });
    const chosen = (await invoke('chooseEcps', { nationalId: DOCTOR.nationalId })) as {
      ok: true;
      value: { attemptId: number; bindingMessage: string };
    };
    expect(chosen.ok).toBe(true);
    expect(chosen.value.bindingMessage).toMatch(/^[0-9]{2}$/);
    expect(agent.snapshot()).toMatchObject({
      phase: 'ecps-waiting',
      ecps: { bindingMessage: chosen.value.bindingMessage },
    });
    await expect(invoke('chooseEcps', { nationalId: NURSE.nationalId })).resolves.toEqual({
      ok: false,
      code: 'ecps-busy',
    });
    await expect(invoke('cancelEcps', { attemptId: chosen.value.attemptId })).resolves.toEqual({
      ok: true,
      value: {},
    });
    await agent.idle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(world.idp.pendingEcps()).toEqual([]);
    await expect(invoke('submitPin', { attemptId: 9999, pin: '1234' })).resolves.toEqual({
      ok: false,
      code: 'no-prompt',
    });
  });

  it('sends contract events to the windows, and never an audit record', async () => {
    const contents = primary().webContents;
    contents.sent.length = 0;
    await signInNurse();
    const channels = new Set(contents.sent.map((s) => s.channel));
    expect(channels).toEqual(new Set(['releve:event:state', 'releve:event:feedback']));
    const state = contents.sent.filter((s) => s.channel === 'releve:event:state').at(-1);
    expect(state?.payload).toEqual(expect.objectContaining({ phase: 'active' }));
    expect(JSON.stringify(contents.sent)).not.toMatch(/token/i);
  });

  it('names the signed-in person in the tray menu', () => {
    const tray = fake.trays[0]!;
    expect(tray.menu?.template[0]?.label).toBe(`Connecté : ${NURSE.displayName}`);
    expect(tray.tooltip).toBe('Relève — session ouverte');
  });

  it('opens the e-CPS pad over the nurse’s session from the tray, and hides it again when closed', async () => {
    expect(agent.snapshot().phase).toBe('active');
    expect(primary().visible).toBe(false);
    const item = fake.trays[0]!.menu?.template.find((i) => i.label === 'Autre personne : connexion e-CPS…');
    expect(item?.enabled).toBe(true);
    const contents = primary().webContents;
    contents.sent.length = 0;
    (item!.click as () => void)();
    expect(primary().visible).toBe(true);
    expect(contents.sent).toContainEqual({ channel: 'releve:event:navigate', payload: { screen: 'ecps' } });
    await expect(invoke('screenClosed', {})).resolves.toEqual({ ok: true, value: {} });
    expect(primary().visible).toBe(false);
    expect(agent.snapshot().phase).toBe('active');
  });

  it('tells the screens whether e-CPS is offered', async () => {
    const diagnostics = (await invoke('getDiagnostics', {})) as { ok: true; value: { ecpsOffered: boolean } };
    expect(diagnostics.value.ecpsOffered).toBe(true);
  });
});

describe('a renderer crash', () => {
  it('locks the workstation and brings the lock screen back in new windows', async () => {
    expect(agent.snapshot().phase).toBe('active');
    const crashed = primary();
    const createdBefore = fake.FakeBrowserWindow.created.length;
    crashed.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    await settle();
    await settle();
    expect(agent.snapshot().phase).toBe('locked');
    expect(crashed.destroyed).toBe(true);
    expect(fake.FakeBrowserWindow.created.length).toBe(createdBefore + 2);
    expect(primary().visible).toBe(true);
  });
});

describe('the security checklist', () => {
  it('denies every permission and every device', () => {
    const granted: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'hid', 'clipboard-read']) {
      fake.sessionHandlers.permissionRequest?.(null, permission, (g) => granted.push(g));
    }
    expect(granted).toEqual([false, false, false, false, false]);
    expect(fake.sessionHandlers.permissionCheck?.()).toBe(false);
    expect(fake.sessionHandlers.devicePermission?.()).toBe(false);
  });

  it('loads no remote content: only app:// requests go through', () => {
    const verdicts: Record<string, boolean> = {};
    for (const url of [
      'app://releve/renderer.js',
      'https://cdn.example/x.js',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
    ]) {
      fake.sessionHandlers.beforeRequest?.({ url }, ({ cancel }) => {
        verdicts[url] = cancel;
      });
    }
    expect(verdicts).toEqual({
      'app://releve/renderer.js': false,
      'https://cdn.example/x.js': true,
      'http://127.0.0.1:8080/': true,
      'file:///etc/passwd': true,
    });
  });

  it('denies navigation, redirects, <webview> and new windows in every webContents', () => {
    const contents = new fake.FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const prevented = jest.fn();
      contents.emit(event, { preventDefault: prevented }, 'https://evil.example/');
      expect(prevented).toHaveBeenCalled();
    }
    expect(contents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('serves the app pages with a strict CSP, and nothing outside the renderer folder', async () => {
    expect(fake.protocolState.privileged).toEqual([
      expect.objectContaining({
        scheme: 'app',
        privileges: expect.objectContaining({ standard: true, secure: true }),
      }),
    ]);
    const handler = fake.protocolState.handler!;
    const page = await handler({ url: 'app://releve/index.html' });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('unsafe');
    for (const url of [
      'app://releve/../../etc/passwd',
      'app://releve/%2e%2e/%2e%2e/etc/passwd',
      'app://releve/..%2f..%2fetc%2fpasswd',
      'app://other/index.html',
      'app://releve/index.sh',
    ]) {
      expect((await handler({ url })).status).toBe(404);
    }
  });
});
