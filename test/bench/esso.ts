/**
 * The eSSO measure: a login window is mapped → Relève has filled and submitted it, through the
 * whole chain (the X11 driver's events, profile matching, the follower, the person's credential
 * from the vault, XTEST keystrokes with the focus checked before each one). Its floor, in the
 * same run: the same keystrokes of the same plan (its settle delay included) sent straight
 * through XTEST on a raw X connection into a fresh copy of the same window, with no matching,
 * no vault and no focus checks.
 */
import x11, { type X11Display, type XTest } from 'x11';
import type { Measure } from './stats.js';
import { planFor, type FillPlan } from '../../app/core/esso/plan.js';
import { Keymap, KEYSYMS, keysymOf } from '../../app/adapters/esso/keymap.js';
import { startDesktop, startTkLogin, until, type Desktop } from '../harness/esso/desktop.js';
import { BUNDLED_PROFILES, startEssoWorkstation, type EssoWorkstation } from '../harness/esso/workstation.js';
import { loadProfiles } from '../../app/agent/esso-profiles.js';
import { NURSE } from '../harness/people.js';

const ACCOUNT = { user: 'cmartin', password: 'Labo-2026!' };

const call = <T>(start: (cb: (error: Error | null | undefined, reply: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => start((error, reply) => (error ? reject(error) : resolve(reply))));

/** The floor: one plan typed straight through XTEST, nothing else. */
async function rawType(display: X11Display, xtest: XTest, windowId: number, plan: FillPlan): Promise<number> {
  const X = display.client;
  const started = performance.now();
  const rows = await call<number[][]>((cb) =>
    X.GetKeyboardMapping(display.min_keycode, display.max_keycode - display.min_keycode + 1, cb),
  );
  const keymap = new Keymap(display.min_keycode, rows);
  const root = display.screen[0]!.root;
  const shift = keymap.keycodeOf(KEYSYMS.Shift_L)!;
  const tap = (keysym: number, withShift = false): void => {
    const stroke = keymap.strokeFor(keysym);
    if (stroke.kind !== 'key') throw new Error('the floor types ASCII on the layout only');
    const shifted = withShift || stroke.modifiers.includes('shift');
    if (shifted) xtest.FakeInput(xtest.KeyPress, shift, 0, root, 0, 0);
    xtest.FakeInput(xtest.KeyPress, stroke.keycode, 0, root, 0, 0);
    xtest.FakeInput(xtest.KeyRelease, stroke.keycode, 0, root, 0, 0);
    if (shifted) xtest.FakeInput(xtest.KeyRelease, shift, 0, root, 0, 0);
  };
  X.SetInputFocus(windowId, 2);
  for (const step of plan.steps) {
    if (step.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, step.ms));
    else if (step.kind === 'key') tap(KEYSYMS[step.key]);
    else if (step.kind === 'clear-field') {
      tap(KEYSYMS.End);
      tap(KEYSYMS.Home, true);
      tap(KEYSYMS.BackSpace);
    } else if (step.kind === 'slot' || step.kind === 'text') {
      const text =
        step.kind === 'text' ? step.text : step.slot === 'username' ? ACCOUNT.user : ACCOUNT.password;
      for (const char of text) tap(keysymOf(char));
    }
  }
  await call((cb) => X.GetInputFocus(cb));
  return performance.now() - started;
}

/** Runs the measure `runs` times after one warm-up; says why not when there is no Xvfb here. */
export async function measureEssoLogin(
  runs: number,
): Promise<Omit<Measure, 'check'> | { notMeasured: string }> {
  let desktop: Desktop;
  try {
    desktop = await startDesktop();
  } catch (error) {
    return { notMeasured: `login window mapped → filled (eSSO): no Xvfb here (${String(error)})` };
  }
  let ws: EssoWorkstation | null = null;
  let raw: X11Display | null = null;
  try {
    ws = await startEssoWorkstation(desktop);
    await ws.credentials.put(NURSE.personId, 'labo', { username: ACCOUNT.user, password: ACCOUNT.password });
    await ws.signIn(NURSE);
    raw = await new Promise<X11Display>((resolve, reject) =>
      x11.createClient({ display: desktop.display }, (error, display) =>
        error ? reject(error) : resolve(display),
      ),
    );
    const xtest = await call<XTest>((cb) => raw!.client.require('xtest', cb));
    const profile = loadProfiles([BUNDLED_PROFILES]).profiles.byId('labo')!;
    const samples: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run <= runs; run++) {
      // Measured: mapped (the driver's event) → filled and submitted (the follower's fill event).
      let mappedAt = 0;
      const stopWatching = ws.driver.watch((event) => {
        if (event.kind === 'shown' && event.window.className === 'Labologin') mappedAt = performance.now();
      });
      const fillsBefore = ws.events.filter((e) => e.type === 'fill').length;
      let filledAt = 0;
      const stopFollowing = ws.follower.subscribe((event) => {
        if (event.type === 'fill' && event.ok) filledAt = performance.now();
      });
      const measured = await startTkLogin(desktop, { accounts: [ACCOUNT] });
      await until(
        () => ws!.events.filter((e) => e.type === 'fill').length > fillsBefore,
        `the fill (run ${run}, phase ${ws!.agent.snapshot().phase}, events ${JSON.stringify(ws!.events.slice(-3))})`,
      );
      await measured.report((r) => r.screen === 'login');
      stopWatching();
      stopFollowing();
      await measured.stop();
      // Floor: a fresh copy of the same window, the same plan typed straight through XTEST.
      await ws.agent.manualLock();
      await ws.settle();
      const bare = await startTkLogin(desktop, { accounts: [ACCOUNT] });
      let windowId = '';
      await until(() => {
        void ws!.driver
          .windows()
          .then((all) => (windowId = all.find((w) => w.className === 'Labologin')?.windowId ?? ''));
        return windowId !== '';
      }, 'the floor window');
      const plan = planFor(windowId, profile, profile.screens[0]!)!;
      const floorMs = await rawType(raw, xtest, Number(windowId), plan);
      await bare.report((r) => r.screen === 'login');
      await bare.stop();
      await until(() => {
        void ws!.driver
          .windows()
          .then((all) => (windowId = all.some((w) => w.windowId === windowId) ? windowId : ''));
        return windowId === '';
      }, 'the floor window to go');
      await ws.signIn(NURSE);
      if (run > 0) {
        samples.push(filledAt - mappedAt);
        floor.push(floorMs);
      }
    }
    return {
      id: 'esso-login-filled',
      label: 'login window mapped → filled and submitted (eSSO, Tk via XTEST)',
      target: 'p95 ≤ 300 ms and ≤ 1.5 × floor',
      samples,
      floorSamples: floor,
      floorLabel: `the same plan (its ${profile.settleMs} ms settle delay included) typed straight through XTEST into a fresh copy of the window`,
    };
  } finally {
    raw?.client.terminate();
    await ws?.stop();
    await desktop.stop();
  }
}
