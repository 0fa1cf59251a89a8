/** Redaction of diagnostic log fields: secrets are masked wherever they sit in the fields. */
import { describe, expect, it } from '@jest/globals';
import { redact } from '../../../app/core/redact.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjbGFpcmUifQ.c2lnbmF0dXJl';

describe('redact', () => {
  it('masks secret-named fields at the top level', () => {
    expect(redact({ pin: '1234', refreshToken: 'x', reason: 'wrong-pin' })).toEqual({
      pin: '[redacted]',
      refreshToken: '[redacted]',
      reason: 'wrong-pin',
    });
  });

  it('masks secret-named fields and tokens nested in objects and arrays', () => {
    const out = redact({
      idp: { response: { error: 'invalid_grant', password: '1234', access_token: 'abc' } },
      attempts: [{ pin: '9876' }, `bearer ${JWT}`],
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain('1234');
    expect(text).not.toContain('9876');
    expect(text).not.toContain('abc');
    expect(text).not.toContain(JWT);
    expect(out).toEqual({
      idp: { response: { error: 'invalid_grant', password: '[redacted]', access_token: '[redacted]' } },
      attempts: [{ pin: '[redacted]' }, 'bearer [redacted]'],
    });
  });

  it('shows bytes only as their length, at any depth', () => {
    expect(redact({ apdu: { data: new Uint8Array([1, 2, 3]) } })).toEqual({ apdu: { data: '[3 bytes]' } });
  });

  it('survives cycles and very deep values without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(redact({ cyclic })).toEqual({ cyclic: { name: 'a', self: '[cycle]' } });
    let deep: Record<string, unknown> = { secretive: 'ok' };
    for (let level = 0; level < 50; level += 1) deep = { next: deep };
    expect(JSON.stringify(redact({ deep }))).toContain('[too deep]');
  });

  it('keeps an Error readable without its stack, redacting its message', () => {
    expect(redact({ error: new Error(`refused ${JWT}`) })).toEqual({ error: 'Error: refused [redacted]' });
  });
});
