/**
 * eSSO on a real X desktop: real login applications (Tk, Java Swing, GTK zenity, a terminal
 * login in xterm) under one Xvfb, the real X11 driver, the real agent signing people in.
 * What is checked is what the application itself received.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DOCTOR, NURSE } from '../../harness/people.js';
import {
  startDesktop,
  startSwingLogin,
  startTkLogin,
  startXtermLogin,
  startZenity,
  until,
  type Desktop,
  type TestApp,
} from '../../harness/esso/desktop.js';
import { startEssoWorkstation, type EssoWorkstation } from '../../harness/esso/workstation.js';

const NURSE_LABO = { user: 'cmartin', password: 'Labo-2026!' };
const DOCTOR_LABO = { user: 'pdurand', password: 'Chu#Durand9' };

let desktop: Desktop;
const running: { apps: TestApp[]; workstation: EssoWorkstation | null } = { apps: [], workstation: null };

beforeAll(async () => {
  desktop = await startDesktop();
});
afterAll(async () => {
  await desktop.stop();
});
afterEach(async () => {
  await running.workstation?.stop();
  running.workstation = null;
  await Promise.all(running.apps.splice(0).map((app) => app.stop()));
  await desktop.x('setxkbmap', ['us']);
});

async function workstation(): Promise<EssoWorkstation> {
  running.workstation = await startEssoWorkstation(desktop);
  return running.workstation;
}
async function app(started: Promise<TestApp>): Promise<TestApp> {
  const launched = await started;
  running.apps.push(launched);
  return launched;
}
const logins = (labo: TestApp) => labo.reports.filter((r) => r.screen === 'login');

describe('LABO, a Tk login window (typed through XTEST)', () => {
  it('is filled for the nurse signed in, with her own stored login', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    await ws.credentials.put(DOCTOR.personId, 'labo', {
      username: DOCTOR_LABO.user,
      password: DOCTOR_LABO.password,
    });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO] }));
    expect(await labo.report((r) => r.screen === 'login')).toMatchObject({
      user: 'cmartin',
      password: 'Labo-2026!',
    });
    await until(() => ws.essoAudit().some((r) => r.reason === 'accepted'), 'the fill to be confirmed');
    expect(
      ws.essoAudit().map((r) => [r.action, r.outcome, r.reason, r.application, r.screen, r.personId]),
    ).toEqual([
      ['esso-fill', 'info', 'filled', 'labo', 'login', NURSE.personId],
      ['esso-fill', 'success', 'accepted', 'labo', 'results', NURSE.personId],
    ]);
    // The audit trail never holds the password.
    expect(JSON.stringify(ws.world.memoryAudit.records)).not.toContain('Labo-2026!');
  });

  it('gets nothing typed while the workstation is locked, and is filled once the nurse signs in', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO] }));
    await until(() => ws.driver['shown'].size > 0, 'the window to be seen');
    await ws.settle();
    expect(ws.agent.snapshot().phase).toBe('locked');
    expect(ws.events.filter((e) => e.type === 'fill')).toEqual([]);
    await ws.signIn(NURSE);
    expect(await labo.report((r) => r.screen === 'login')).toMatchObject({ user: 'cmartin' });
  });

  it('at a tap-over, logs the nurse out of LABO and fills it for the doctor with his login', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    await ws.credentials.put(DOCTOR.personId, 'labo', {
      username: DOCTOR_LABO.user,
      password: DOCTOR_LABO.password,
    });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO, DOCTOR_LABO] }));
    await until(() => ws.essoAudit().some((r) => r.reason === 'accepted'), 'the nurse to be logged in');
    await ws.signIn(DOCTOR);
    await labo.report((r) => r.screen === 'login' && r.user === 'pdurand');
    expect(labo.reports.map((r) => [r.screen, r.user ?? ''])).toEqual([
      ['started', ''],
      ['login', 'cmartin'],
      ['logout', ''],
      ['login', 'pdurand'],
    ]);
    expect(logins(labo)[1]).toMatchObject({ password: DOCTOR_LABO.password });
    expect(ws.essoAudit().find((r) => r.action === 'esso-switch')).toMatchObject({
      outcome: 'success',
      reason: 'switch-done',
      detail: 'logout',
      personId: NURSE.personId,
      application: 'labo',
    });
  });

  it("never types the nurse's login for the doctor who took over: he is asked for his own", async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO, DOCTOR_LABO] }));
    await until(() => ws.essoAudit().some((r) => r.reason === 'accepted'), 'the nurse to be logged in');
    await ws.signIn(DOCTOR);
    await labo.report((r) => r.screen === 'logout');
    await until(() => ws.events.some((e) => e.type === 'credential-request'), 'the doctor to be asked');
    expect(ws.events.find((e) => e.type === 'credential-request')).toMatchObject({
      label: 'LABO',
      reason: 'first-time',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await ws.settle();
    expect(logins(labo).map((r) => r.user)).toEqual(['cmartin']);
  });

  it('recognises a rejected stored password, asks the person, and never retries', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: 'ancien-mot-de-passe',
    });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO] }));
    await until(() => ws.events.some((e) => e.type === 'credential-request'), 'the person to be asked');
    expect(ws.events.find((e) => e.type === 'credential-request')).toMatchObject({
      label: 'LABO',
      reason: 'rejected',
    });
    expect(ws.essoAudit().at(-1)).toMatchObject({
      action: 'esso-fill',
      outcome: 'failure',
      reason: 'rejected-by-application',
    });
    // The application shows its login again (the title changes back): still nothing typed.
    await desktop.x('xdotool', [
      'search',
      '--class',
      'Labologin',
      'set_window',
      '--name',
      'LABO — Connexion',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await ws.settle();
    expect(logins(labo)).toHaveLength(1);
  });

  it('captures a first login with consent: asked for LABO, filled, stored once the application accepts it', async () => {
    const ws = await workstation();
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO] }));
    await until(() => ws.events.some((e) => e.type === 'credential-request'), 'the consent request');
    const request = ws.events.find((e) => e.type === 'credential-request')!;
    expect(request).toMatchObject({ label: 'LABO', reason: 'first-time' });
    if (request.type !== 'credential-request') throw new Error('unreachable');
    // First the person mistypes: the application refuses, nothing is stored, she is asked again.
    await ws.follower.provideCredential(request.requestId, { username: 'cmartin', password: 'faute' });
    await until(
      () => ws.events.filter((e) => e.type === 'credential-request').length === 2,
      'a second request',
    );
    expect(await ws.credentials.get(NURSE.personId, 'labo')).toBeNull();
    const again = ws.events.filter((e) => e.type === 'credential-request')[1]!;
    if (again.type !== 'credential-request') throw new Error('unreachable');
    expect(again.reason).toBe('rejected');
    await ws.follower.provideCredential(again.requestId, {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    await until(
      () => ws.essoAudit().some((r) => r.action === 'esso-capture' && r.reason === 'stored'),
      'the capture',
    );
    expect(await ws.credentials.get(NURSE.personId, 'labo')).toEqual({
      username: 'cmartin',
      password: 'Labo-2026!',
    });
    expect(logins(labo).map((r) => r.password)).toEqual(['faute', 'Labo-2026!']);
    expect(await ws.follower.storedFor()).toEqual([{ profileId: 'labo', label: 'LABO' }]);
    expect(await ws.follower.forget('labo')).toBe(true);
    expect(await ws.follower.storedFor()).toEqual([]);
  });

  it('is filled when its fields show two seconds after the window', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO], fieldsAfter: 2 }));
    expect(await labo.report((r) => r.screen === 'login')).toMatchObject({
      user: 'cmartin',
      password: 'Labo-2026!',
    });
  });

  it('types French characters right under an AZERTY layout (dead-key and absent characters included)', async () => {
    await desktop.x('setxkbmap', ['fr']);
    const french = { user: 'cécile.lefèvre', password: 'Pâté-çà€ß~@ù' };
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', { username: french.user, password: french.password });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [french] }));
    expect(await labo.report((r) => r.screen === 'login')).toMatchObject(french);
  });

  it('changes an expired password to one generated to its rules, stored only once accepted', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'labo', {
      username: NURSE_LABO.user,
      password: NURSE_LABO.password,
    });
    await ws.signIn(NURSE);
    const labo = await app(startTkLogin(desktop, { accounts: [NURSE_LABO], expired: true }));
    const change = await labo.report((r) => r.screen === 'change');
    await until(
      () => ws.essoAudit().some((r) => r.action === 'esso-password-change' && r.reason === 'stored'),
      'the change',
    );
    expect(change.old).toBe(NURSE_LABO.password);
    expect(change.new).toBe(change.again);
    expect(change.new).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z0-9]{16}$/);
    expect((await ws.credentials.get(NURSE.personId, 'labo'))?.password).toBe(change.new);
    expect(JSON.stringify(ws.world.memoryAudit.records)).not.toContain(change.new!);
  });
});

describe('other toolkits', () => {
  it('fills PHARMA, a Java Swing window', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'pharma', { username: 'cmartin', password: 'Pharma+2026' });
    await ws.signIn(NURSE);
    const pharma = await app(startSwingLogin(desktop, { user: 'cmartin', password: 'Pharma+2026' }));
    expect(await pharma.report((r) => r.screen === 'login')).toMatchObject({
      user: 'cmartin',
      password: 'Pharma+2026',
    });
    await until(() => ws.essoAudit().some((r) => r.reason === 'accepted'), 'the success screen');
  });

  it('fills the GTK dialog of zenity --password --username', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'gtk-password', {
      username: 'cmartin',
      password: 'Gtk/Secret1',
    });
    await ws.signIn(NURSE);
    const zenity = await app(startZenity(desktop, 'Connexion au serveur'));
    expect(await zenity.report((r) => r.screen === 'login')).toMatchObject({
      user: 'cmartin',
      password: 'Gtk/Secret1',
    });
  });

  it('fills ADMISSIONS, a terminal login in xterm, and logs the nurse out at a tap-over', async () => {
    const ws = await workstation();
    await ws.credentials.put(NURSE.personId, 'admissions', { username: 'cmartin', password: 'Adm1ssions' });
    await ws.signIn(NURSE);
    const admissions = await app(startXtermLogin(desktop, { user: 'cmartin', password: 'Adm1ssions' }));
    expect(await admissions.report((r) => r.screen === 'login')).toMatchObject({
      user: 'cmartin',
      password: 'Adm1ssions',
    });
    await until(() => ws.essoAudit().some((r) => r.reason === 'accepted'), 'the menu screen');
    await ws.signIn(DOCTOR);
    await admissions.report((r) => r.screen === 'logout');
  });
});
