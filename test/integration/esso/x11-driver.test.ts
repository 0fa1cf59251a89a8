/**
 * The X11 driver's safety rules on a real desktop: it stops before the next keystroke when
 * another window takes the focus (a secret is never typed elsewhere), survives an application
 * that dies mid-fill, and refuses plans it cannot carry out before typing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X11EssoDriver } from '../../../app/adapters/esso/x11-driver.js';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import type { FillPlan } from '../../../app/core/esso/plan.js';
import { startDesktop, startTkLogin, startWitness, until, type Desktop } from '../../harness/esso/desktop.js';

let desktop: Desktop;
let driver: X11EssoDriver;

beforeAll(async () => {
  desktop = await startDesktop();
  driver = await X11EssoDriver.connect({ display: desktop.display, log: silentLog });
});
afterAll(async () => {
  await driver.stop();
  await desktop.stop();
});

const ACCOUNT = { user: 'cmartin', password: 'Labo-2026!' };

async function laboWindowId(): Promise<string> {
  let id: string | undefined;
  await until(() => {
    void driver
      .windows()
      .then((windows) => (id = windows.find((w) => w.className === 'Labologin')?.windowId));
    return id !== undefined;
  }, 'the LABO window');
  return id!;
}

const slowPlan = (windowId: string): FillPlan => ({
  windowId,
  profileId: 'labo',
  screenId: 'login',
  purpose: 'login',
  needs: ['username', 'password'],
  steps: [
    { kind: 'slot', slot: 'username' },
    { kind: 'key', key: 'Tab' },
    { kind: 'delay', ms: 800 },
    { kind: 'slot', slot: 'password' },
    { kind: 'key', key: 'Return' },
  ],
});

describe('X11 driver', () => {
  it('describes the windows on screen: class, title and process', async () => {
    const labo = await startTkLogin(desktop, { accounts: [ACCOUNT] });
    try {
      await laboWindowId();
      expect((await driver.windows()).find((w) => w.className === 'Labologin')).toMatchObject({
        title: 'LABO — Connexion',
        process: expect.stringMatching(/^python3/),
        fields: [],
      });
    } finally {
      await labo.stop();
    }
  });

  it('stops before the password when another window takes the focus, and types nothing there', async () => {
    const labo = await startTkLogin(desktop, { accounts: [ACCOUNT] });
    const witness = await startWitness(desktop);
    try {
      const windowId = await laboWindowId();
      const fill = driver.execute(slowPlan(windowId), { username: ACCOUNT.user, password: ACCOUNT.password });
      // While the plan waits between the user name and the password, someone clicks elsewhere.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const witnessId = (await desktop.x('xdotool', ['search', '--class', 'Witness'])).trim().split('\n')[0]!;
      await desktop.x('xdotool', ['windowfocus', '--sync', witnessId]);
      expect(await fill).toMatchObject({ ok: false, reason: 'focus-lost' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(witness.reports.filter((r) => 'key' in r)).toEqual([]);
      expect(labo.reports.filter((r) => r.screen === 'login')).toEqual([]);
    } finally {
      await witness.stop();
      await labo.stop();
    }
  });

  it('reports an application that dies in the middle of a fill, without typing elsewhere', async () => {
    const labo = await startTkLogin(desktop, { accounts: [ACCOUNT] });
    const witness = await startWitness(desktop);
    try {
      const windowId = await laboWindowId();
      const fill = driver.execute(slowPlan(windowId), { username: ACCOUNT.user, password: ACCOUNT.password });
      await new Promise((resolve) => setTimeout(resolve, 300));
      labo.process.kill('SIGKILL');
      const outcome = await fill;
      expect(outcome.ok).toBe(false);
      expect(['window-gone', 'focus-lost']).toContain(outcome.ok ? '' : outcome.reason);
      expect(witness.reports.filter((r) => 'key' in r)).toEqual([]);
    } finally {
      await witness.stop();
      await labo.stop();
    }
  });

  it('refuses a plan that sets accessible fields, before typing anything', async () => {
    const labo = await startTkLogin(desktop, { accounts: [ACCOUNT] });
    try {
      const windowId = await laboWindowId();
      const outcome = await driver.execute(
        {
          windowId,
          profileId: 'labo',
          screenId: 'login',
          purpose: 'login',
          needs: ['username'],
          steps: [
            { kind: 'set-field', field: { role: 'text' }, slot: 'username' },
            { kind: 'key', key: 'Return' },
          ],
        },
        { username: ACCOUNT.user },
      );
      expect(outcome).toMatchObject({ ok: false, reason: 'unsupported' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(labo.reports.filter((r) => r.screen === 'login')).toEqual([]);
    } finally {
      await labo.stop();
    }
  });

  it('says why it cannot start without an X display', async () => {
    await expect(X11EssoDriver.connect({ display: ':9999', log: silentLog })).rejects.toThrow(
      /cannot connect to X display :9999/,
    );
  });
});
