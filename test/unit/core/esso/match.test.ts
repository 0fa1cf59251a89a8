/** The engine: which profile and screen a window shows, the most specific winning, ties reported. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ProfileSet, StaleProfileTracker, type WindowDescription } from '../../../../app/core/esso/match.js';
import { checkProfile, type Profile } from '../../../../app/core/esso/profile.js';
import { logoutPlanFor, planFor, verdictOf } from '../../../../app/core/esso/plan.js';

const BUNDLED = join(import.meta.dirname, '../../../../resources/esso');
const load = (file: string): Profile => {
  const check = checkProfile(JSON.parse(readFileSync(join(BUNDLED, file), 'utf8')));
  if (!check.ok) throw new Error(check.problems.join('; '));
  return check.profile;
};
const labo = load('labo.json');
const pharma = load('pharma.json');
const admissions = load('admissions.json');

const window = (overrides: Partial<WindowDescription>): WindowDescription => ({
  windowId: '0x400001',
  process: 'python3',
  className: 'LaboLogin',
  title: 'LABO — Connexion',
  fields: [],
  screenText: null,
  ...overrides,
});

describe('matching windows to profiles', () => {
  const profiles = new ProfileSet([labo, pharma, admissions]);

  it('recognises each screen of an application and says why', () => {
    const result = profiles.match(window({}));
    expect(result).toMatchObject({
      kind: 'matched',
      match: { profile: { id: 'labo' }, screen: { id: 'login' } },
    });
    if (result.kind === 'matched')
      expect(result.match.reasons).toEqual(['class is "LaboLogin"', 'title is "LABO — Connexion"']);
    expect(profiles.match(window({ title: 'LABO — Identifiants incorrects (2)' }))).toMatchObject({
      match: { screen: { kind: 'login-failure' } },
    });
    expect(profiles.match(window({ title: 'LABO — Résultats (cmartin)' }))).toMatchObject({
      match: { screen: { kind: 'login-success' } },
    });
  });

  it('recognises nothing for another application with the same title', () => {
    expect(profiles.match(window({ className: 'Firefox' }))).toEqual({ kind: 'none' });
  });

  it('lets the more specific profile win', () => {
    const generic = { ...labo, id: 'labo-generic', application: { title: { wildcard: 'LABO*' } } } as Profile;
    const result = new ProfileSet([generic, labo]).match(window({}));
    expect(result).toMatchObject({ kind: 'matched', match: { profile: { id: 'labo' } } });
  });

  it('reports a tie instead of guessing', () => {
    const twin = { ...labo, id: 'labo-twin' } as Profile;
    const result = new ProfileSet([labo, twin]).match(window({}));
    expect(result.kind).toBe('ambiguous');
    if (result.kind === 'ambiguous')
      expect(result.candidates.map((c) => c.profile.id).sort()).toEqual(['labo', 'labo-twin']);
  });

  it('never lets a control character in a title stand for a literal', () => {
    expect(profiles.match(window({ title: 'LABO —\u0000Connexion' })).kind).toBe('none');
  });

  it('answers for any window description without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 40 }), (title, className) => {
        expect(['none', 'matched', 'ambiguous']).toContain(profiles.match(window({ title, className })).kind);
      }),
      { numRuns: 1000 },
    );
    const huge = 'LABO — Connexion'.repeat(6_250) + '\u001b'.repeat(1000);
    expect(profiles.match(window({ title: huge })).kind).toBe('none');
  });
});

describe('a profile that stops matching', () => {
  it('is reported once when its application shows a screen it no longer recognises', () => {
    const profiles = new ProfileSet([labo]);
    const tracker = new StaleProfileTracker();
    const see = (title: string) => {
      const w = window({ title });
      return tracker.observe(profiles, w, profiles.match(w)).map((p) => p.id);
    };
    expect(see('LABO 2 — Identification')).toEqual([]); // never matched here: nothing to compare with
    expect(see('LABO — Connexion')).toEqual([]);
    expect(see('LABO 2 — Identification')).toEqual(['labo']);
    expect(see('LABO 2 — Identification')).toEqual([]);
  });
});

describe('fill plans', () => {
  it('turn a keys fill into steps with slots, never values', () => {
    const plan = planFor('0x1', labo, labo.screens[0]!);
    expect(plan).toEqual({
      windowId: '0x1',
      profileId: 'labo',
      screenId: 'login',
      purpose: 'login',
      needs: ['username', 'password'],
      steps: [
        { kind: 'delay', ms: 100 },
        { kind: 'clear-field', how: 'select-all' },
        { kind: 'slot', slot: 'username' },
        { kind: 'key', key: 'Tab' },
        { kind: 'clear-field', how: 'select-all' },
        { kind: 'slot', slot: 'password' },
        { kind: 'key', key: 'Return' },
      ],
    });
    expect(planFor('0x1', admissions, admissions.screens[0]!)?.steps[1]).toEqual({
      kind: 'clear-field',
      how: 'line-kill',
    });
  });

  it('turn a fields fill into field settings then the submit button', () => {
    const gtk: Profile = {
      ...labo,
      screens: [
        {
          id: 'login',
          kind: 'login',
          match: { title: { equals: 'x' } },
          fill: {
            method: 'fields',
            fields: [
              { field: { role: 'text', name: { equals: 'Username' } }, value: 'username' },
              { field: { role: 'password-text' }, value: 'password' },
            ],
            submit: { button: { role: 'push-button', name: { equals: 'OK' } } },
          },
        },
      ],
    };
    expect(planFor('0x2', gtk, gtk.screens[0]!)).toMatchObject({
      needs: ['username', 'password'],
      steps: [
        { kind: 'delay', ms: 100 },
        { kind: 'set-field', slot: 'username' },
        { kind: 'set-field', slot: 'password' },
        { kind: 'press' },
      ],
    });
  });

  it('dismiss custom screens and log out without any credential', () => {
    expect(planFor('0x3', labo, labo.screens[6]!)).toMatchObject({
      purpose: 'dismiss',
      needs: [],
      steps: [{ kind: 'key', key: 'Return' }],
    });
    expect(logoutPlanFor('0x3', labo)).toMatchObject({
      purpose: 'logout',
      needs: [],
      steps: [{ kind: 'key', key: 'Escape' }],
    });
    expect(logoutPlanFor('0x3', pharma)).toBeNull();
    expect(planFor('0x3', labo, labo.screens[2]!)).toBeNull();
  });

  it('read the screen after a fill as its verdict', () => {
    expect(verdictOf('login', 'login-success')).toBe('accepted');
    expect(verdictOf('login', 'login-failure')).toBe('rejected');
    expect(verdictOf('login', 'password-change')).toBe('password-change-needed');
    expect(verdictOf('password-change', 'password-change-failure')).toBe('rejected');
    expect(verdictOf('password-change', 'password-change-success')).toBe('accepted');
    expect(verdictOf('login', 'dismiss')).toBe('pending');
  });
});
