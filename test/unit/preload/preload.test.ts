/**
 * What each window's page can call: the preload exposes to `window.releve` only the requests
 * its window's role allows (main gives the role as a renderer switch), so a secondary display's
 * cover and the diagnostics page have no sign-in function at all.
 */
import { describe, expect, it, jest } from '@jest/globals';

async function exposedFor(argv: readonly string[]): Promise<string[]> {
  jest.resetModules();
  const exposed: Record<string, unknown> = {};
  jest.unstable_mockModule('electron', () => ({
    contextBridge: {
      exposeInMainWorld: (key: string, api: Record<string, unknown>) => {
        exposed[key] = api;
      },
    },
    ipcRenderer: { invoke: async () => ({ ok: true, value: {} }), on: () => undefined },
  }));
  const saved = process.argv;
  process.argv = ['electron', ...argv];
  try {
    await import('../../../app/preload/preload.js');
  } finally {
    process.argv = saved;
  }
  return Object.keys(exposed.releve as Record<string, unknown>).sort();
}

describe('window.releve by window role', () => {
  it('gives the lock screen the sign-in calls', async () => {
    expect(await exposedFor(['--releve-window-role=lock'])).toEqual(
      [
        'cancelEcps',
        'cancelPin',
        'chooseEcps',
        'getDiagnostics',
        'getSnapshot',
        'lockNow',
        'on',
        'screenClosed',
        'submitPin',
        'undo',
      ].sort(),
    );
  });

  it.each([['cover'], ['diagnostics']])('gives the %s window reads only', async (role) => {
    expect(await exposedFor([`--releve-window-role=${role}`])).toEqual([
      'getDiagnostics',
      'getSnapshot',
      'on',
    ]);
  });

  it('treats a window with no role, or an unknown one, as a cover', async () => {
    expect(await exposedFor([])).toEqual(['getDiagnostics', 'getSnapshot', 'on']);
    expect(await exposedFor(['--releve-window-role=admin'])).toEqual(['getDiagnostics', 'getSnapshot', 'on']);
  });
});
