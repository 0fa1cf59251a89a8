/**
 * Badge enrollment end to end over real HTTPS against the reference IdP: the authorization code
 * flow with PKCE through a real browser (Debian's Chromium, standing in for the system browser)
 * logging in at the IdP's own login page, the loopback redirect (RFC 8252), then the enrollment
 * API. Every wait is on what a person would see (a page's text) or on the enrollment's result.
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../harness/chromium.js';
import {
  enrollBadge,
  type EnrollBadgeOptions,
  type EnrollmentResult,
} from '../../../app/adapters/idp/enrollment.js';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { enrollCommand, type EnrollCommandOptions } from '../../../app/agent/commands/enroll.js';
import { DIRECTORY_PASSWORDS } from '../../harness/idp/directory.js';
import { startReferenceIdp, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import { AIDE, DOCTOR, NURSE } from '../../harness/people.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';
import { StaticPolicySource } from '../../harness/sim/static-policy-source.js';

const WAIT = { timeout: 15_000 };
const pinOf = (digits: string): Uint8Array => new TextEncoder().encode(digits);

let idp: ReferenceIdp;
let browser: Browser;
let context: BrowserContext | null = null;
let dir: string;
let caFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'releve-enroll-'));
  [idp, browser] = await Promise.all([startReferenceIdp(), launchChromium()]);
  caFile = join(dir, 'idp-ca.pem');
  await writeFile(caFile, idp.caPem);
});

afterEach(async () => {
  await context?.close();
  context = null;
});

afterAll(async () => {
  await browser?.close();
  await idp?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A fresh browser profile standing in for the system browser: `open` is the opener handed to
 * `enrollBadge`, `page` resolves with the tab it opened, showing the IdP's login page.
 */
async function systemBrowserStandIn(
  /** The same browser profile again (the same cookies: the IdP session of the previous login). */
  reuse?: BrowserContext,
): Promise<{
  open: (url: string) => Promise<void>;
  page: Promise<Page>;
  urls: string[];
  context: BrowserContext;
}> {
  // The harness CA is not in this Chromium's trust store; the workstation's own HTTPS client
  // (the agent's side of the flow) still checks the IdP's certificate against it.
  context = reuse ?? (await browser.newContext({ locale: 'fr-FR', ignoreHTTPSErrors: true }));
  const browserContext = context;
  const urls: string[] = [];
  let opened: (page: Page) => void = () => undefined;
  const page = new Promise<Page>((resolve) => {
    opened = resolve;
  });
  return {
    urls,
    page,
    context: browserContext,
    open: async (url) => {
      urls.push(url);
      const tab = await browserContext.newPage();
      await tab.goto(url);
      opened(tab);
    },
  };
}

async function logIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel(/Identifiant/).fill(login);
  await page.getByLabel(/Mot de passe/).fill(password);
  await page.getByRole('button', { name: /Se connecter/ }).click();
}

function options(
  overrides: Partial<EnrollBadgeOptions> & Pick<EnrollBadgeOptions, 'openBrowser' | 'badgeId' | 'pin'>,
): EnrollBadgeOptions {
  return {
    issuer: idp.issuer,
    secretStore: new MemorySecretStore(),
    initialAccessToken: idp.initialAccessToken,
    caPem: idp.caPem,
    timeoutMs: 30_000,
    ...overrides,
  };
}

const reasonOf = (result: EnrollmentResult): string => (result.ok ? 'enrolled' : result.failure.reason);

/** What the loopback listener answers to a request the test makes itself (a forged redirect). */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('enrolling an unknown badge through the system browser', () => {
  it('binds the badge to the person who logs in at the IdP, and the badge then signs them in with the new PIN', async () => {
    const store = new MemorySecretStore();
    const stand = await systemBrowserStandIn();
    const pin = pinOf('5678');
    const enrolling = enrollBadge(
      options({ secretStore: store, badgeId: '04:de:c0:de:00:01', pin, openBrowser: stand.open }),
    );
    const page = await stand.page;

    // The authorization request: PKCE S256, a fresh login, the loopback redirect on 127.0.0.1.
    const authorization = new URL(stand.urls[0] ?? '');
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('prompt')).toBe('login');
    expect(authorization.searchParams.get('redirect_uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:[0-9]+\/releve\/enrollment$/,
    );

    // A wrong password is refused at the IdP's page; the person tries again.
    await logIn(page, NURSE.personId, 'not-her-password');
    await page.getByText('Identifiant ou mot de passe incorrect').waitFor(WAIT);
    await logIn(page, NURSE.personId, DIRECTORY_PASSWORDS[NURSE.personId] ?? '');

    // The browser lands on the workstation's loopback page, French first.
    await page.getByRole('heading', { name: 'Connexion reçue' }).waitFor(WAIT);
    expect(await page.locator('body').innerText()).toContain('Vous pouvez fermer cette fenêtre');
    expect(await page.locator('body').innerText()).toContain('You can close this window');

    const result = await enrolling;
    expect(result).toEqual({
      ok: true,
      badgeId: '04DEC0DE0001',
      person: {
        personId: NURSE.personId,
        displayName: NURSE.displayName,
        nationalId: NURSE.nationalId,
        profession: NURSE.profession,
      },
    });
    expect([...pin].every((byte) => byte === 0)).toBe(true);

    const provider = new OidcIdentityProvider({ issuer: idp.issuer, secretStore: store, caPem: idp.caPem });
    const signIn = await provider.signInWithBadge('04DEC0DE0001', pinOf('5678'));
    expect(signIn.ok ? signIn.value.person.personId : signIn.failure.reason).toBe(NURSE.personId);
    expect(idp.serverErrors).toEqual([]);
  });

  it("asks the next person to log in even though the shared workstation's browser still holds the previous person's IdP session", async () => {
    const first = await systemBrowserStandIn();
    const firstEnrolling = enrollBadge(
      options({ badgeId: '04DEC0DE000C', pin: pinOf('5678'), openBrowser: first.open }),
    );
    await logIn(await first.page, NURSE.personId, DIRECTORY_PASSWORDS[NURSE.personId] ?? '');
    expect(reasonOf(await firstEnrolling)).toBe('enrolled');

    // The care assistant sits down at the same workstation: same browser profile, the nurse's IdP cookies.
    const second = await systemBrowserStandIn(first.context);
    const secondEnrolling = enrollBadge(
      options({ badgeId: '04DEC0DE000D', pin: pinOf('8642'), openBrowser: second.open }),
    );
    const page = await second.page;
    await page.getByLabel(/Identifiant/).waitFor(WAIT);
    await logIn(page, AIDE.personId, DIRECTORY_PASSWORDS[AIDE.personId] ?? '');
    const result = await secondEnrolling;
    expect(result.ok ? result.person.personId : result.failure.reason).toBe(AIDE.personId);
  });

  it('ends as denied when the person cancels at the IdP, and the badge stays unknown', async () => {
    const stand = await systemBrowserStandIn();
    const enrolling = enrollBadge(
      options({ badgeId: '04DEC0DE0002', pin: pinOf('5678'), openBrowser: stand.open }),
    );
    const page = await stand.page;
    await page.getByRole('button', { name: /Annuler/ }).click();
    await page.getByRole('heading', { name: 'Enregistrement du badge annulé' }).waitFor(WAIT);

    expect(reasonOf(await enrolling)).toBe('denied');
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    const signIn = await provider.signInWithBadge('04DEC0DE0002', pinOf('5678'));
    expect(signIn.ok ? 'signed in' : signIn.failure.reason).toBe('unknown-badge');
  });

  it('refuses a badge already bound to someone else, which keeps signing its owner in', async () => {
    const stand = await systemBrowserStandIn();
    const enrolling = enrollBadge(
      options({ badgeId: DOCTOR.badgeUid, pin: pinOf('9999'), openBrowser: stand.open }),
    );
    const page = await stand.page;
    await logIn(page, NURSE.personId, DIRECTORY_PASSWORDS[NURSE.personId] ?? '');

    expect(reasonOf(await enrolling)).toBe('badge-taken');
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    const signIn = await provider.signInWithBadge(DOCTOR.badgeUid, pinOf(DOCTOR.pin));
    expect(signIn.ok ? signIn.value.person.personId : signIn.failure.reason).toBe(DOCTOR.personId);
  });

  it("reports a PIN the IdP's policy refuses, after the login", async () => {
    const stand = await systemBrowserStandIn();
    // The workstation allows 12 digits; the reference IdP's policy allows 8 at most.
    const enrolling = enrollBadge(
      options({
        badgeId: '04DEC0DE0003',
        pin: pinOf('1234567890'),
        pinMaxLength: 12,
        openBrowser: stand.open,
      }),
    );
    const page = await stand.page;
    await logIn(page, NURSE.personId, DIRECTORY_PASSWORDS[NURSE.personId] ?? '');
    expect(reasonOf(await enrolling)).toBe('pin-refused');
  });

  it('refuses an answer with the wrong state at the loopback, without exchanging its code', async () => {
    let tokenRequests = 0;
    const countTokenRequests = (): void => {
      tokenRequests += 1;
    };
    let forged: Promise<{ status: number; body: string }> | null = null;
    const enrolling = enrollBadge(
      options({
        badgeId: '04DEC0DE0004',
        pin: pinOf('5678'),
        // Another local process, not the IdP, answers on the loopback redirect.
        openBrowser: async (url) => {
          const redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
          idp.events.on('token-request', countTokenRequests);
          forged = httpGet(`${redirectUri}?code=forged-code&state=not-the-state`);
          await forged;
        },
      }),
    );
    const result = await enrolling;
    idp.events.off('token-request', countTokenRequests);
    expect(reasonOf(result)).toBe('state-mismatch');
    expect(await forged).toMatchObject({ status: 400, body: expect.stringContaining('Réponse refusée') });
    expect(tokenRequests).toBe(0);
  });

  it('ends as timed out when nobody logs in, and stops listening on the loopback', async () => {
    let redirectUri = '';
    const result = await enrollBadge(
      options({
        badgeId: '04DEC0DE0005',
        pin: pinOf('5678'),
        timeoutMs: 300,
        openBrowser: (url) => {
          redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
        },
      }),
    );
    expect(reasonOf(result)).toBe('timeout');
    await expect(httpGet(`${redirectUri}?code=late&state=late`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('ends as cancelled when the agent cancels while the login page is open', async () => {
    const stand = await systemBrowserStandIn();
    const controller = new AbortController();
    const enrolling = enrollBadge(
      options({
        badgeId: '04DEC0DE0006',
        pin: pinOf('5678'),
        openBrowser: stand.open,
        signal: controller.signal,
      }),
    );
    const page = await stand.page;
    await page.getByLabel(/Identifiant/).waitFor(WAIT);
    controller.abort();
    expect(reasonOf(await enrolling)).toBe('cancelled');
  });

  it.each([
    ['too short', '12'],
    ['too long', '123456789'],
    ['not digits', '12a4'],
  ])('refuses a PIN %s before any network call, and zeroes it', async (_what, digits) => {
    const opened: string[] = [];
    const pin = pinOf(digits);
    const result = await enrollBadge({
      // Nothing listens here: any network call would end as idp-unreachable instead.
      issuer: 'https://127.0.0.1:9',
      secretStore: new MemorySecretStore(),
      badgeId: '04DEC0DE0007',
      pin,
      openBrowser: (url) => {
        opened.push(url);
      },
    });
    expect(reasonOf(result)).toBe('invalid-pin');
    expect(opened).toEqual([]);
    expect([...pin].every((byte) => byte === 0)).toBe(true);
  });

  it('says the IdP is unreachable when it goes down between the login and the code exchange', async () => {
    const failing = await startReferenceIdp({ tls: idp.tls });
    try {
      // The IdP dies as the workstation's token request reaches it.
      failing.events.once('token-request', () => void failing.stop());
      const stand = await systemBrowserStandIn();
      const enrolling = enrollBadge(
        options({
          issuer: failing.issuer,
          initialAccessToken: failing.initialAccessToken,
          badgeId: '04DEC0DE0009',
          pin: pinOf('5678'),
          openBrowser: stand.open,
        }),
      );
      const page = await stand.page;
      await logIn(page, NURSE.personId, DIRECTORY_PASSWORDS[NURSE.personId] ?? '');
      expect(reasonOf(await enrolling)).toBe('idp-unreachable');
    } finally {
      await failing.stop();
    }
  });

  it('gives up on an IdP too slow to exchange the code, within its bound', async () => {
    const stand = await systemBrowserStandIn();
    idp.setTokenDelay(20_000);
    try {
      const enrolling = enrollBadge(
        options({
          badgeId: '04DEC0DE000A',
          pin: pinOf('5678'),
          requestTimeoutMs: 1_000,
          openBrowser: stand.open,
        }),
      );
      const page = await stand.page;
      await logIn(page, NURSE.personId, DIRECTORY_PASSWORDS[NURSE.personId] ?? '');
      const result = await enrolling;
      expect(result).toEqual({
        ok: false,
        failure: { reason: 'timeout', detail: 'exchanging the code: no answer in time' },
      });
    } finally {
      idp.setTokenDelay(0);
    }
  });

  it('ends as browser-failed when the system browser cannot be started', async () => {
    const result = await enrollBadge(
      options({
        badgeId: '04DEC0DE000B',
        pin: pinOf('5678'),
        openBrowser: () => Promise.reject(new Error('xdg-open: no method available')),
      }),
    );
    expect(result).toEqual({
      ok: false,
      failure: { reason: 'browser-failed', detail: 'xdg-open: no method available' },
    });
  });

  it('says the IdP is unreachable without opening the browser', async () => {
    const down = await startReferenceIdp({ tls: idp.tls });
    await down.stop();
    const opened: string[] = [];
    const result = await enrollBadge({
      issuer: down.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: down.initialAccessToken,
      caPem: down.caPem,
      badgeId: '04DEC0DE0008',
      pin: pinOf('5678'),
      requestTimeoutMs: 5_000,
      openBrowser: (url) => {
        opened.push(url);
      },
    });
    expect(reasonOf(result)).toBe('idp-unreachable');
    expect(opened).toEqual([]);
  });
});

describe('releve enroll --badge UID', () => {
  /** Runs the command as a person at the terminal would: the PINs typed, then the browser. */
  async function run(
    args: readonly string[],
    overrides: Partial<EnrollCommandOptions> & { typed?: readonly string[]; policy?: unknown } = {},
  ): Promise<{ code: number; out: string[]; err: string[]; pins: Uint8Array[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const pins: Uint8Array[] = [];
    const typed = [...(overrides.typed ?? [])];
    const code = await enrollCommand(
      args,
      { out: (line) => out.push(line), err: (line) => err.push(line) },
      {
        policySource: new StaticPolicySource(
          overrides.policy ?? {
            idpIssuer: idp.issuer,
            idpCaFile: caFile,
            idpInitialAccessToken: idp.initialAccessToken,
          },
        ),
        secretStore: () => new MemorySecretStore(),
        readPin: async () => {
          const digits = typed.shift();
          if (digits === undefined) return null;
          const pin = pinOf(digits);
          pins.push(pin);
          return pin;
        },
        onInterrupt: () => () => undefined,
        ...overrides,
      },
    );
    return { code, out, err, pins };
  }

  it('enrolls the badge for the person who logs in, prints them as JSON, and never prints the PIN', async () => {
    const stand = await systemBrowserStandIn();
    const running = run(['--badge', '04DEC0DE1001', '--json'], {
      typed: ['97531', '97531'],
      openBrowser: stand.open,
    });
    const page = await stand.page;
    await logIn(page, DOCTOR.personId, DIRECTORY_PASSWORDS[DOCTOR.personId] ?? '');
    const { code, out, err, pins } = await running;

    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toEqual({
      enrolled: true,
      badgeId: '04DEC0DE1001',
      person: {
        personId: DOCTOR.personId,
        displayName: DOCTOR.displayName,
        nationalId: DOCTOR.nationalId,
        profession: DOCTOR.profession,
      },
    });
    // The person was told where to log in, and the address was given in case no browser opens.
    expect(err.join('\n')).toContain('Connectez-vous dans le navigateur');
    expect(err).toContain(stand.urls[0]);
    expect([...out, ...err].join('\n')).not.toContain('97531');
    expect(pins.every((pin) => pin.every((byte) => byte === 0))).toBe(true);

    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    const signIn = await provider.signInWithBadge('04DEC0DE1001', pinOf('97531'));
    expect(signIn.ok ? signIn.value.person.personId : signIn.failure.reason).toBe(DOCTOR.personId);
  });

  it('says so in both languages when the two PINs differ, and sends nothing', async () => {
    const opened: string[] = [];
    const { code, err, pins } = await run(['--badge', '04DEC0DE1002'], {
      typed: ['1357', '1358'],
      openBrowser: async (url) => {
        opened.push(url);
      },
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('Les deux PIN saisis diffèrent');
    expect(err.join('\n')).toContain('The two PINs differ');
    expect(opened).toEqual([]);
    expect(pins.every((pin) => pin.every((byte) => byte === 0))).toBe(true);
  });

  it('refuses a PIN shorter than policy allows before opening the browser', async () => {
    const opened: string[] = [];
    const { code, out } = await run(['--badge', '04DEC0DE1003', '--json'], {
      typed: ['12', '12'],
      openBrowser: async (url) => {
        opened.push(url);
      },
    });
    expect(code).toBe(1);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ enrolled: false, reason: 'invalid-pin' });
    expect(opened).toEqual([]);
  });

  it('is cancelled by Ctrl-C while the person is at the login page', async () => {
    const stand = await systemBrowserStandIn();
    let interrupt: () => void = () => undefined;
    const running = run(['--badge', '04DEC0DE1004', '--json'], {
      typed: ['2468', '2468'],
      openBrowser: stand.open,
      onInterrupt: (cancel) => {
        interrupt = cancel;
        return () => undefined;
      },
    });
    const page = await stand.page;
    await page.getByLabel(/Identifiant/).waitFor(WAIT);
    interrupt();
    const { code, out } = await running;
    expect(code).toBe(1);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ enrolled: false, reason: 'cancelled' });
  });

  it('fails clearly when policy names no IdP, and on a missing or malformed --badge', async () => {
    const noIdp = await run(['--badge', '04DEC0DE1005'], { typed: ['2468', '2468'], policy: {} });
    expect(noIdp.code).toBe(1);
    expect(noIdp.err.join('\n')).toContain('No identity provider is configured');

    expect((await run([])).code).toBe(2);
    const malformed = await run(['--badge', 'not-a-badge']);
    expect(malformed.code).toBe(2);
    expect(malformed.err.join('\n')).toContain('This badge ID is not valid');
  });
});
