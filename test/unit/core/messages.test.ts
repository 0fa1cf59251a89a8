import { describe, expect, it } from '@jest/globals';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { formatMessage, MESSAGE_KEYS, sanitizeDisplayText } from '../../../app/core/messages.js';
import { redact } from '../../../app/core/redact.js';

describe('messages', () => {
  it.each(['fr', 'en'] as const)(
    'the %s catalogue has every message, with the same placeholders as French',
    (locale) => {
      const catalogue = loadCatalogue(locale);
      const french = loadCatalogue('fr');
      for (const key of MESSAGE_KEYS) {
        expect(catalogue[key].trim().length).toBeGreaterThan(0);
        const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect({ key, placeholders: placeholders(catalogue[key]) }).toEqual({
          key,
          placeholders: placeholders(french[key]),
        });
      }
    },
  );

  it('shows names from cards and IdPs inertly: no controls, no bidi overrides, bounded length', () => {
    const fr = loadCatalogue('fr');
    const hostile = `Eve\u202Eesrever\u0007\u001b[31m${'x'.repeat(300)}`;
    const text = formatMessage(fr, 'welcome', { name: hostile });
    // eslint-disable-next-line no-control-regex -- the point is to find control characters
    expect(text).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(text.length).toBeLessThan(100);
    expect(sanitizeDisplayText('  Dr\u200F Paul  ')).toBe('Dr Paul');
  });
});

describe('redact', () => {
  it('masks every field that could carry a secret, and tokens hidden in text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGFpcmUifQ.c2lnbmF0dXJl';
    expect(
      redact({
        pin: '1234',
        userPin: new Uint8Array([1, 2]),
        accessToken: 'abc',
        password: 'x',
        reason: `idp said ${jwt}`,
        reader: 'R1',
        bytes: new Uint8Array(3),
      }),
    ).toEqual({
      pin: '[redacted]',
      userPin: '[redacted]',
      accessToken: '[redacted]',
      password: '[redacted]',
      reason: 'idp said [redacted]',
      reader: 'R1',
      bytes: '[3 bytes]',
    });
  });
});
