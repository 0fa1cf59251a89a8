/**
 * Validation and the safe fallback never throw, whatever JSON IT (or an attacker who can write
 * the policy store) puts there — including keys that name members of Object.prototype, which
 * once crashed validation and the fallback with it, so that the agent never started.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  parsePolicyText,
  POLICY_SETTINGS,
  policyWithFallback,
  validatePolicy,
} from '../../../app/core/policy.js';

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  'toLocaleString',
];

const key = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.constantFrom(...Object.keys(POLICY_SETTINGS)),
  fc.string({ maxLength: 12 }),
);

/** Policy text as a file holds it: JSON.parse makes `__proto__` an own key, as the file says. */
const policyText = fc
  .array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 8 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);

describe('policy validation over arbitrary JSON', () => {
  it.each(PROTOTYPE_KEYS)('reports %s as an unknown setting instead of throwing', (name) => {
    const raw: unknown = JSON.parse(`{${JSON.stringify(name)}: 1, "locale": "en"}`);
    const checked = validatePolicy(raw);
    expect(checked).toMatchObject({ ok: false, problems: [{ field: name }] });
    const { policy, problems } = policyWithFallback(raw);
    expect(policy.locale).toBe('en');
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining(`${name}: unknown setting`)]);
  });

  it('never throws, and the fallback is always a valid policy', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          policyText,
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const parsed = parsePolicyText(text);
          const raw: unknown = JSON.parse(text);
          const { policy, problems } = policyWithFallback(raw);
          expect(validatePolicy(policy)).toEqual({ ok: true, policy });
          expect(parsed.ok).toBe(problems.length === 0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
