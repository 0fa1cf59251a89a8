/** Profiles are checked as IT would want: every problem names its field and what is wrong. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { checkProfile } from '../../../../app/core/esso/profile.js';

const BUNDLED = join(import.meta.dirname, '../../../../resources/esso');
/** A profile as parsed JSON: edited freely to break it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case breaks a different place
type Raw = any;
const labo = (): Raw => JSON.parse(readFileSync(join(BUNDLED, 'labo.json'), 'utf8'));

describe('eSSO profiles', () => {
  it.each(readdirSync(BUNDLED).filter((f) => f.endsWith('.json')))('bundled profile %s is valid', (file) => {
    const check = checkProfile(JSON.parse(readFileSync(join(BUNDLED, file), 'utf8')));
    expect(check).toMatchObject({ ok: true });
  });

  const broken = (edit: (profile: Raw) => void): readonly string[] => {
    const profile = labo();
    edit(profile);
    const check = checkProfile(profile);
    if (check.ok) throw new Error('accepted');
    return check.problems;
  };

  it.each<[string, (p: Raw) => void, string]>([
    ['a wrong schema version', (p) => (p.schemaVersion = 2), 'schemaVersion: '],
    ['a typo in a key', (p) => (p.screens[0].mach = {}), 'screens.0: '],
    [
      'a regex that could run away',
      (p) => (p.screens[2].match.title = { regex: '(a+)+\\1' }),
      'screens.2.match.title.regex: "\\1" is not supported at position 6',
    ],
    [
      'two kinds of matcher at once',
      (p) => (p.screens[0].match.title = { equals: 'a', wildcard: 'b' }),
      'screens.0.match.title: give exactly one of equals, wildcard or regex',
    ],
    [
      'a login screen without a fill',
      (p) => delete p.screens[0].fill,
      'screens.0.fill: a login screen needs a fill',
    ],
    [
      'a failure screen that is filled',
      (p) => (p.screens[1].fill = p.screens[0].fill),
      'screens.1.fill: a login-failure screen is never filled',
    ],
    [
      'an unknown placeholder',
      (p) => (p.screens[0].fill.sequence = '{USER}{ENTER}'),
      'screens.0.fill.sequence: unknown placeholder {USER} at position 1',
    ],
    [
      'a password change that keeps the old password',
      (p) => (p.screens[3].fill.sequence = '{PASSWORD}{ENTER}'),
      'screens.3.fill: a password-change screen must fill the new password',
    ],
    [
      'a logout that types the password',
      (p) => (p.onSwitch.sequence = '{PASSWORD}'),
      'onSwitch.sequence: no {USERNAME}, {PASSWORD} or {NEWPASSWORD} here',
    ],
    [
      'a screen with no criterion',
      (p) => (p.screens[1].match = {}),
      'screens.1.match: give at least one criterion',
    ],
    [
      'a process given as a path',
      (p) => (p.application = { process: '/usr/bin/labo' }),
      'application.process: a process name, not a path',
    ],
    [
      'a control character in a title',
      (p) => (p.screens[0].match.title = { equals: 'LABO\u0007' }),
      'screens.0.match.title.equals: control characters are not allowed',
    ],
    [
      'no login screen',
      (p) => (p.screens = p.screens.filter((s: Raw) => s.kind !== 'login')),
      'screens: a profile needs a login screen',
    ],
    ['a screen id used twice', (p) => (p.screens[1].id = 'login'), 'screens.1.id: "login" is used twice'],
    [
      'inverted password lengths',
      (p) => (p.passwordRules.maxLength = 6),
      'passwordRules: minLength must not exceed maxLength',
    ],
  ])('rejects %s, naming the field', (_what, edit, expected) => {
    expect(broken(edit).some((problem) => problem.startsWith(expected))).toBe(true);
  });
});
