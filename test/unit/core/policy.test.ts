import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_POLICY,
  POLICY_SETTINGS,
  nextShiftBoundary,
  parsePolicyText,
  policyWithFallback,
  validatePolicy,
} from '../../../app/core/policy.js';

describe('policy', () => {
  it('accepts an empty document and gives every default', () => {
    const result = validatePolicy({});
    expect(result).toEqual({ ok: true, policy: DEFAULT_POLICY });
    expect(DEFAULT_POLICY.mode).toBe('shared-kiosk');
    expect(DEFAULT_POLICY.locale).toBe('fr');
    expect(DEFAULT_POLICY.tapOutUndoSeconds).toBe(5);
  });

  it('names the field, the allowed range and the value found when a number is out of range', () => {
    const result = validatePolicy({ graceRetapMinutes: 9999 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        field: 'graceRetapMinutes',
        message: 'graceRetapMinutes: must be an integer from 0 to 720 (minutes); got 9999',
      },
    ]);
  });

  it('rejects unknown keys, wrong types and bad enum values, one message per field', () => {
    const result = validatePolicy({ mode: 'kiosk', tapOutUndoSeconds: '5', colour: 'blue' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.problems.map((p) => [p.field, p.message]));
    expect(byField.mode).toMatch(/one of "shared-kiosk", "os-lock"; got "kiosk"/);
    expect(byField.tapOutUndoSeconds).toMatch(/integer from 0 to 30.*got "5"/);
    expect(byField.colour).toMatch(/unknown setting/);
  });

  it('rejects malformed shift times and duplicates', () => {
    expect(validatePolicy({ shiftBoundaries: ['7:00'] }).ok).toBe(false);
    expect(validatePolicy({ shiftBoundaries: ['24:00'] }).ok).toBe(false);
    expect(validatePolicy({ shiftBoundaries: ['07:00', '07:00'] }).ok).toBe(false);
    expect(validatePolicy({ shiftBoundaries: ['06:30', '18:30'] }).ok).toBe(true);
  });

  it('refuses a minimum PIN length above the maximum', () => {
    const result = validatePolicy({ pinMinLength: 8, pinMaxLength: 6 });
    expect(result.ok).toBe(false);
  });

  it('reports text that is not JSON as such', () => {
    const result = parsePolicyText('{ mode: shared-kiosk');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.message).toMatch(/^the policy is not valid JSON/);
  });

  it('rejects a document that is not an object', () => {
    expect(validatePolicy([1, 2]).ok).toBe(false);
    expect(validatePolicy(null).ok).toBe(false);
  });

  it('falls back field by field: valid settings are kept, invalid ones take their defaults', () => {
    const { policy, problems } = policyWithFallback({ graceRetapMinutes: 30, tapOutUndoSeconds: -1, x: 1 });
    expect(policy.graceRetapMinutes).toBe(30);
    expect(policy.tapOutUndoSeconds).toBe(DEFAULT_POLICY.tapOutUndoSeconds);
    expect(problems.map((p) => p.field).sort()).toEqual(['tapOutUndoSeconds', 'x']);
  });

  it('falls back to every default when the document is not an object', () => {
    expect(policyWithFallback('nonsense').policy).toEqual(DEFAULT_POLICY);
  });

  it('describes every setting in French and English', () => {
    for (const setting of Object.values(POLICY_SETTINGS)) {
      expect(setting.description.fr.length).toBeGreaterThan(10);
      expect(setting.description.en.length).toBeGreaterThan(10);
    }
  });

  it('finds the next shift boundary in local time, across midnight', () => {
    const policy = { ...DEFAULT_POLICY, shiftBoundaries: ['07:00', '21:00'] };
    const utc = Date.UTC(2026, 10, 23, 20, 30); // 21:30 in Paris (UTC+1)
    const next = nextShiftBoundary(policy, utc, 60);
    expect(new Date(next!).toISOString()).toBe('2026-11-24T06:00:00.000Z'); // 07:00 Paris
    expect(nextShiftBoundary({ ...policy, shiftBoundaries: [] }, utc, 60)).toBeNull();
  });
});

describe('policy: identity provider and reader settings', () => {
  it('accepts an https issuer, a template with {uid}, reader byte-order rules and HID reader IDs', () => {
    const result = validatePolicy({
      idpIssuer: 'https://idp.chu.example/realms/soins',
      idpCaFile: '/etc/releve/ca.pem',
      badgeUsernameTemplate: 'rfid-{uid}',
      readerUidByteOrder: ['ACS ACR122U=reversed', 'HID OMNIKEY=as-read'],
      hidReaders: ['0c27:3bfa'],
    });
    expect(result.ok).toBe(true);
  });

  it.each([
    ['idpIssuer', 'http://idp.chu.example', /https:\/\/ URL/],
    ['idpCaFile', 'relative/ca.pem', /absolute path/],
    ['badgeUsernameTemplate', 'badge:', /containing \{uid\}/],
    ['readerUidByteOrder', ['ACR122=backwards'], /reader name prefix/],
    ['hidReaders', ['0c27-3bfa'], /vvvv:pppp/],
    ['idpInitialAccessToken', 'has spaces in it', /printable ASCII/],
  ])('refuses %s = %j, saying what is allowed', (field, value, allowed) => {
    const result = validatePolicy({ [field]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(allowed);
  });
});

describe('policy: secret settings', () => {
  const TOKEN = 'iat-7Hq2 secret-zZ9'; // a space: malformed, so it is reported

  it('are marked once in the table', () => {
    const secret = Object.entries(POLICY_SETTINGS)
      .filter(([, setting]) => 'secret' in setting && setting.secret)
      .map(([key]) => key);
    expect(secret).toEqual(['idpInitialAccessToken']);
  });

  it('never have their value echoed in a problem, even when malformed', () => {
    const result = validatePolicy({ idpInitialAccessToken: TOKEN });
    expect(result.ok).toBe(false);
    const messages =
      JSON.stringify(result) + JSON.stringify(policyWithFallback({ idpInitialAccessToken: TOKEN }));
    expect(messages).toContain('idpInitialAccessToken: must be printable ASCII');
    expect(messages).not.toContain('7Hq2');
    expect(messages).not.toContain('zZ9');
  });

  it('are not quoted by a JSON syntax error either', () => {
    const result = parsePolicyText('{"locale": "fr", "idpInitialAccessToken": iat-7Hq2}');
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toMatch(/not valid JSON/);
    expect(JSON.stringify(result)).not.toContain('7Hq2');
  });
});
