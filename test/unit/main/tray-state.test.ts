import { describe, expect, it } from '@jest/globals';
import type { Snapshot } from '../../../app/ipc/contract.js';
import { trayIconBitmap } from '../../../app/main/tray.js';
import { trayStateOf } from '../../../app/main/tray-state.js';
import { overlayVisible } from '../../../app/main/windows.js';

const base: Snapshot = {
  phase: 'locked',
  user: null,
  prompt: null,
  undoRemainingMs: null,
  ecps: null,
  suspended: [],
  readers: [{ name: 'Lecteur 00', kind: 'pcsc', cardPresent: false }],
  health: { readers: 'ok', idp: 'unknown' },
};

describe('the tray icon state', () => {
  it('says locked, signed in or offline from the phase', () => {
    expect(trayStateOf(base)).toBe('locked');
    expect(trayStateOf({ ...base, phase: 'active' })).toBe('signed-in');
    expect(trayStateOf({ ...base, phase: 'offline-active' })).toBe('offline');
  });

  it("puts a missing reader first, then an unreachable IdP, as the agent's health says", () => {
    const active = { ...base, phase: 'active' as const };
    expect(trayStateOf({ ...active, health: { readers: 'ok', idp: 'unreachable' } })).toBe('idp-unreachable');
    expect(trayStateOf({ ...active, health: { readers: 'lost', idp: 'unreachable' } })).toBe(
      'reader-missing',
    );
    expect(trayStateOf({ ...active, health: { readers: 'none', idp: 'ok' } })).toBe('reader-missing');
    expect(trayStateOf({ ...base, readers: [] })).toBe('reader-missing');
    expect(trayStateOf({ ...active, health: { readers: 'ok', idp: 'ok' } })).toBe('signed-in');
  });

  it('draws a different icon for each state', () => {
    const icons = (['locked', 'signed-in', 'reader-missing', 'idp-unreachable', 'offline'] as const).map(
      (s) => trayIconBitmap(s).toString('base64'),
    );
    expect(new Set(icons).size).toBe(5);
  });
});

describe('the overlay', () => {
  it('covers the screen whenever nobody works, in shared-kiosk mode', () => {
    expect(overlayVisible('shared-kiosk', 'locked')).toBe(true);
    expect(overlayVisible('shared-kiosk', 'awaiting-pin')).toBe(true);
    expect(overlayVisible('shared-kiosk', 'locking')).toBe(true);
    expect(overlayVisible('shared-kiosk', 'active')).toBe(false);
  });

  it('leaves the lock to the OS in os-lock mode, showing only prompts', () => {
    expect(overlayVisible('os-lock', 'locked')).toBe(false);
    expect(overlayVisible('os-lock', 'awaiting-pin')).toBe(true);
    // The e-CPS code must be on screen while the app is asked, in either mode.
    expect(overlayVisible('os-lock', 'ecps-waiting')).toBe(true);
    expect(overlayVisible('shared-kiosk', 'ecps-waiting')).toBe(true);
    expect(overlayVisible('os-lock', 'active')).toBe(false);
  });
});
