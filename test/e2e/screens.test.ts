/**
 * The clinician's screens in Debian's real Chromium, against the real agent on a simulated
 * workstation (test/harness/ui-bridge). Every test waits on what a person would see (a DOM
 * condition, bounded), never on a fixed delay; every screen is saved to test-artifacts/screens.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../harness/chromium.js';
import { DOCTOR, NURSE, TEST_PEOPLE, type TestPerson } from '../harness/people.js';
import { SimulatedIdp } from '../harness/sim/simulated-idp.js';
import { createSimWorld, type SimWorld } from '../harness/sim/world.js';
import {
  buildUiAssets,
  startUiBridge,
  type UiBridge,
  type UiBridgeOptions,
} from '../harness/ui-bridge/server.js';

const SCREENS = join(process.cwd(), 'test-artifacts', 'screens');
const WAIT = { timeout: 10_000 };

let browser: Browser;
let context: BrowserContext | null = null;
let bridge: UiBridge | null = null;

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  await buildUiAssets();
  browser = await launchChromium();
});

afterEach(async () => {
  await context?.close();
  context = null;
  await bridge?.close();
  bridge = null;
});

afterAll(async () => {
  await browser?.close();
});

/** A fresh agent, world and browser page, showing the lock screen with its event stream open. */
async function open(
  options: UiBridgeOptions = {},
): Promise<{ page: Page; world: SimWorld; bridge: UiBridge }> {
  bridge = await startUiBridge(options);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(bridge.url);
  await page.waitForSelector('html[data-bridge="open"]', WAIT);
  await page.waitForSelector('[data-screen="lock"]', WAIT);
  expect(errors).toEqual([]);
  return { page, world: bridge.world, bridge };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

async function screen(page: Page, name: string): Promise<void> {
  await page.waitForSelector(`#screen[data-screen="${name}"]`, WAIT);
}

async function padPin(page: Page, pin: string): Promise<void> {
  for (const digit of pin) await page.click(`.pin-pad [data-digit="${digit}"]`);
  await page.waitForFunction(
    (n) => document.getElementById('pin-dots')?.dataset.count === String(n),
    pin.length,
    WAIT,
  );
  await page.click('#pin-submit');
}

async function signIn(page: Page, world: SimWorld, person: TestPerson): Promise<void> {
  await world.tap(person.badgeUid);
  await screen(page, 'pin');
  await padPin(page, person.pin);
  await screen(page, 'active');
}

/** e-CPS: opens the pad (unless already open), types the national ID on it, sends it. */
async function chooseEcps(page: Page, nationalId: string, opener: string | null = '#ecps'): Promise<void> {
  if (opener) await page.click(opener);
  await screen(page, 'ecps');
  for (const digit of nationalId) await page.click(`.id-pad [data-digit="${digit}"]`);
  await page.waitForFunction(
    (id) => document.getElementById('national-id')?.textContent === id,
    nationalId,
    WAIT,
  );
  await page.click('#ecps-submit');
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).innerText();

describe('the clinician taps in', () => {
  it('shows the lock screen, then the PIN pad, and opens the session with the on-screen pad', async () => {
    const { page, world } = await open();
    expect(await text(page, 'h1')).toBe('Badgez pour vous connecter');
    expect(await text(page, '.workstation')).toContain('POSTE-URG-07');
    await expect(page.locator('#ecps').isVisible()).resolves.toBe(true);
    await shot(page, '01-lock-screen');

    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    // Digits typed are masked: the dots count them, no digit is ever written on the page.
    for (const digit of '12') await page.click(`.pin-pad [data-digit="${digit}"]`);
    await page.waitForFunction(
      () => document.getElementById('pin-dots')?.dataset.count === '2',
      undefined,
      WAIT,
    );
    expect(await page.locator('#pin-dots').getAttribute('aria-label')).toBe('2 chiffres saisis');
    expect(await text(page, '#pin-dots')).toBe('');
    await shot(page, '02-pin-pad');
    for (const digit of '34') await page.click(`.pin-pad [data-digit="${digit}"]`);
    await page.click('#pin-submit');

    await screen(page, 'active');
    expect(await text(page, '.person')).toBe(NURSE.displayName);
    await page.waitForFunction(
      () => document.getElementById('feedback')?.textContent?.includes('Bienvenue'),
      undefined,
      WAIT,
    );
    expect(await page.locator('#feedback').getAttribute('aria-live')).toBe('polite');
    await shot(page, '03-signed-in');
  });

  it('gives every control of the PIN pad a target of at least 64 px', async () => {
    const { page, world } = await open();
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    const sizes = await page.$$eval('#screen button', (buttons) =>
      buttons.map((b) => ({
        label: b.textContent,
        ...(b.getBoundingClientRect().toJSON() as { width: number; height: number }),
      })),
    );
    expect(sizes.length).toBe(13);
    for (const size of sizes) {
      expect(size.width).toBeGreaterThanOrEqual(64);
      expect(size.height).toBeGreaterThanOrEqual(64);
    }
  });

  it('says how many tries are left after a wrong PIN, then accepts the right one', async () => {
    const { page, world } = await open();
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    await padPin(page, '1243');
    await page.waitForSelector('#tries-left', WAIT);
    expect(await text(page, '#tries-left')).toBe('4 essais restants');
    await page.waitForFunction(
      () => document.getElementById('feedback')?.textContent?.includes('incorrect'),
      undefined,
      WAIT,
    );
    expect(await page.locator('#pin-dots').getAttribute('data-count')).toBe('0');
    await shot(page, '04-wrong-pin');
    await padPin(page, NURSE.pin);
    await screen(page, 'active');
  });

  it('can be used with the keyboard alone: digits, Backspace, Enter, and Escape to cancel', async () => {
    const { page, world } = await open();
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    await page.keyboard.type('129');
    await page.keyboard.press('Backspace');
    await page.waitForFunction(
      () => document.getElementById('pin-dots')?.dataset.count === '2',
      undefined,
      WAIT,
    );
    await page.keyboard.press('Escape');
    await screen(page, 'lock');

    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    await page.keyboard.type(NURSE.pin);
    await page.keyboard.press('Enter');
    await screen(page, 'active');
    // Tab reaches the next action, and it is announced by its name.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Verrouiller');
    await page.keyboard.press('Enter');
    await screen(page, 'lock');
  });
});

describe('tap-over and tap-out', () => {
  it('names the person whose session is put on hold when another taps over', async () => {
    const { page, world } = await open();
    await signIn(page, world, NURSE);
    await world.tap(DOCTOR.badgeUid);
    await screen(page, 'pin');
    const notice = await text(page, '#tap-over-notice');
    expect(notice).toContain(NURSE.displayName);
    expect(notice).toContain('mise en attente');
    await shot(page, '05-tap-over');
    await padPin(page, DOCTOR.pin);
    await screen(page, 'active');
    expect(await text(page, '.person')).toBe(DOCTOR.displayName);
    expect(await text(page, '.suspended')).toContain(NURSE.displayName);
  });

  it('undoes a tap-out with the big « Annuler » target', async () => {
    const { page, world } = await open();
    await signIn(page, world, NURSE);
    await world.tap(NURSE.badgeUid);
    await screen(page, 'locking');
    expect(await text(page, '#undo-countdown')).toMatch(/^Verrouillage dans [1-5] s$/);
    const target = await page.locator('#undo').boundingBox();
    expect(target?.height).toBeGreaterThanOrEqual(100);
    await shot(page, '06-undo-countdown');
    await page.click('#undo');
    await screen(page, 'active');
    expect(await text(page, '.person')).toBe(NURSE.displayName);
  });
});

describe('e-CPS', () => {
  it('takes the RPPS number on a pad, shows the code big with the time left, and signs in on approval', async () => {
    const { page, world } = await open();
    await page.click('#ecps');
    await screen(page, 'ecps');
    expect(await text(page, 'h1')).toBe('Connexion avec e-CPS');
    await shot(page, '07-ecps-national-id');
    await chooseEcps(page, DOCTOR.nationalId!, null);
    await screen(page, 'ecps-waiting');
    const request = await world.idp.nextEcpsRequest();
    // The code on screen is the one the app was sent, and it is said in words.
    expect(await text(page, '#binding-code')).toBe(request.bindingMessage);
    expect(request.bindingMessage).toMatch(/^[0-9]{2}$/);
    expect(request.nationalId).toBe(DOCTOR.nationalId);
    expect(await text(page, '#ecps-instruction')).toBe(
      `Choisissez ${request.bindingMessage} dans l'application e-CPS`,
    );
    expect(await text(page, '#ecps-countdown')).toMatch(/^La demande expire dans [0-2] min [0-5][0-9] s$/);
    const code = await page.locator('#binding-code').boundingBox();
    expect(code?.height).toBeGreaterThanOrEqual(100);
    await shot(page, '08-ecps-code');
    world.idp.approveEcps();
    await screen(page, 'active');
    expect(await text(page, '.person')).toBe(DOCTOR.displayName);
  });

  it('checks the RPPS number before sending it, and works with the keyboard alone', async () => {
    const { page, world } = await open();
    await page.click('#ecps');
    await screen(page, 'ecps');
    await page.keyboard.type('0123');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.getElementById('ecps-note')?.textContent?.includes('12 chiffres'),
      undefined,
      WAIT,
    );
    expect(world.idp.pendingEcps()).toEqual([]);
    for (let i = 0; i < 4; i += 1) await page.keyboard.press('Backspace');
    await page.keyboard.type(NURSE.nationalId!);
    await page.waitForFunction(
      (id) => document.getElementById('national-id')?.textContent === id,
      NURSE.nationalId,
      WAIT,
    );
    await page.keyboard.press('Enter');
    await screen(page, 'ecps-waiting');
    await page.keyboard.press('Escape');
    await screen(page, 'lock');
    expect(world.idp.pendingEcps()).toEqual([]);
  });

  it('cancels while waiting: back to the lock screen, and the app can no longer approve', async () => {
    const { page, world } = await open();
    await chooseEcps(page, DOCTOR.nationalId!);
    await screen(page, 'ecps-waiting');
    await world.idp.nextEcpsRequest();
    await page.click('#ecps-cancel');
    await screen(page, 'lock');
    expect(world.idp.pendingEcps()).toEqual([]);
    expect(world.idp.approveEcps()).toBe(false);
    await page.waitForFunction(
      () => document.getElementById('feedback')?.textContent === 'Annulé',
      undefined,
      WAIT,
    );
    expect(await page.locator('#screen').getAttribute('data-screen')).toBe('lock');
  });

  it('says clearly when the app refused, and nobody is signed in', async () => {
    const { page, world } = await open();
    await chooseEcps(page, DOCTOR.nationalId!);
    await screen(page, 'ecps-waiting');
    await world.idp.nextEcpsRequest();
    world.idp.denyEcps();
    await page.waitForSelector('[data-error="ecpsDenied"]', WAIT);
    expect(await text(page, 'h1')).toBe('Connexion e-CPS refusée');
    expect(await text(page, '.action')).toContain("personne n'est connecté");
    await shot(page, '09-ecps-denied');
    await page.click('#dismiss');
    await screen(page, 'lock');
  });

  it('lets a doctor take over with e-CPS from a nurse’s session, naming whose session is put on hold', async () => {
    const { page, world } = await open();
    await signIn(page, world, NURSE);
    await page.click('#ecps-over');
    await screen(page, 'ecps');
    expect(await text(page, '#ecps-over-notice')).toContain(NURSE.displayName);
    await chooseEcps(page, DOCTOR.nationalId!, null);
    await screen(page, 'ecps-waiting');
    expect(await text(page, '#ecps-over-notice')).toContain(NURSE.displayName);
    await shot(page, '10-ecps-tap-over');
    await world.idp.nextEcpsRequest();
    world.idp.approveEcps();
    await page.waitForFunction(
      (name) => document.querySelector('.person')?.textContent === name,
      DOCTOR.displayName,
      WAIT,
    );
    expect(await text(page, '.suspended')).toContain(NURSE.displayName);
  });

  it('gives the nurse her session back when the doctor’s e-CPS is refused, with no error left behind', async () => {
    const { page, world } = await open();
    await signIn(page, world, NURSE);
    await page.click('#ecps-over');
    await chooseEcps(page, DOCTOR.nationalId!, null);
    await screen(page, 'ecps-waiting');
    await world.idp.nextEcpsRequest();
    world.idp.denyEcps();
    await screen(page, 'active');
    expect(await text(page, '.person')).toBe(NURSE.displayName);
    await page.waitForFunction(
      () => document.getElementById('feedback')?.textContent?.includes('refusée'),
      undefined,
      WAIT,
    );
    await page.click('#lock-now');
    await screen(page, 'lock');
  });

  it('offers no e-CPS button where the IdP cannot do e-CPS', async () => {
    const base = createSimWorld();
    const world: SimWorld = { ...base, idp: new SimulatedIdp().withoutEcps() };
    const { page } = await open({ world });
    await expect(page.locator('#ecps').count()).resolves.toBe(0);
    await signIn(page, world, NURSE);
    await expect(page.locator('#ecps-over').count()).resolves.toBe(0);
  });

  it('still offers e-CPS when the badge reader is missing', async () => {
    const { page, world } = await open();
    world.reader.unplug();
    await page.waitForSelector('[data-error="readerMissing"]', WAIT);
    await chooseEcps(page, NURSE.nationalId!);
    await screen(page, 'ecps-waiting');
    await world.idp.nextEcpsRequest();
    world.idp.approveEcps();
    await screen(page, 'active');
    expect(await text(page, '.person')).toBe(NURSE.displayName);
  });
});

describe('errors and diagnostics', () => {
  it('tells a clinician whose card is blocked what to do', async () => {
    const base = createSimWorld();
    const world: SimWorld = { ...base, idp: new SimulatedIdp(TEST_PEOPLE, 3) };
    const { page } = await open({ world });
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    for (const left of ['2 essais restants', 'Dernier essai avant blocage — 1 essai restant']) {
      await padPin(page, '0000');
      await page.waitForFunction((t) => document.getElementById('tries-left')?.textContent === t, left, WAIT);
    }
    await padPin(page, '0000');
    await page.waitForSelector('[data-error="cardBlocked"]', WAIT);
    expect(await text(page, 'h1')).toBe('Carte bloquée');
    expect(await text(page, '.action')).toContain('code de déblocage');
    expect(await text(page, '.support')).toContain('POSTE-URG-07');
    await shot(page, '11-card-blocked');
    await page.click('#dismiss');
    await screen(page, 'lock');
  });

  it('tells a clinician the identity server is unreachable, and what to do', async () => {
    const { page, world } = await open();
    world.idp.reachable = false;
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    await padPin(page, NURSE.pin);
    await page.waitForSelector('[data-error="idpUnreachable"]', WAIT);
    expect(await text(page, 'h1')).toBe("Serveur d'identité injoignable");
    expect(await text(page, '.action')).toContain('autre poste');
    await shot(page, '12-idp-unreachable');
    // The next tap starts over, and the error goes away by itself.
    world.idp.reachable = true;
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
  });

  it('says the badge reader is missing while it is unplugged', async () => {
    const { page, world } = await open();
    world.reader.unplug();
    await page.waitForSelector('[data-error="readerMissing"]', WAIT);
    expect(await text(page, 'h1')).toBe('Lecteur de badge absent');
    await shot(page, '13-reader-missing');
  });

  it('shows IT the readers, the policy in force (secrets hidden) and the version', async () => {
    const { page } = await open({
      policy: { idpInitialAccessToken: 'iat-SECRET-123', graceRetapMinutes: 120 },
    });
    await page.click('#open-diagnostics');
    await screen(page, 'diagnostics');
    await page.waitForSelector('#policy', WAIT);
    expect(await text(page, '#readers')).toContain('Lecteur simulé 00');
    const policy = await text(page, '#policy');
    expect(policy).toMatch(/graceRetapMinutes\s+120/);
    expect(policy).toMatch(/idpInitialAccessToken\s+\(set\)/);
    expect(await page.content()).not.toContain('iat-SECRET-123');
    expect(await text(page, '#summary')).toContain('0.1.0-test');
    await shot(page, '14-diagnostics');
  });

  it('speaks English when policy says so', async () => {
    const { page, world } = await open({ policy: { locale: 'en' } });
    expect(await text(page, 'h1')).toBe('Tap your badge to sign in');
    await world.tap(NURSE.badgeUid);
    await screen(page, 'pin');
    expect(await text(page, '#pin-cancel')).toBe('Cancel');
  });
});

describe('names from cards and IdPs', () => {
  it('shows a hostile display name inertly: no HTML, no bidi reordering, no control characters, bounded', async () => {
    const hostileName =
      '\u202Egnp.exe<img src=x onerror="window.__pwned=1">\u0007\u0000\u200F' + 'W'.repeat(200) + '\u2066x';
    const mallory: TestPerson = {
      ...NURSE,
      personId: 'mallory',
      displayName: hostileName.slice(0, 256),
      badgeUid: '04DEADBEEF0001',
    };
    const base = createSimWorld();
    const world: SimWorld = { ...base, idp: new SimulatedIdp([...TEST_PEOPLE, mallory]) };
    const { page } = await open({ world });
    await signIn(page, world, mallory);
    // Tap-over by the doctor names her on the PIN screen too.
    await world.tap(DOCTOR.badgeUid);
    await screen(page, 'pin');
    await page.waitForSelector('#tap-over-notice', WAIT);
    const probe = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      images: document.querySelectorAll('img').length,
      names: [...document.querySelectorAll('.name')].map((n) => n.textContent ?? ''),
      overflow: document.documentElement.scrollWidth > window.innerWidth,
    }));
    expect(probe.pwned).toBeNull();
    expect(probe.images).toBe(0);
    expect(probe.overflow).toBe(false);
    const shown = probe.names.find((n) => n.includes('<img'));
    expect(shown).toBeDefined();
    // eslint-disable-next-line no-control-regex -- the point is that none of these reach the screen
    expect(shown).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
    expect(Array.from(shown ?? '').length).toBeLessThanOrEqual(80);
    await shot(page, '15-hostile-name');
  });
});
