/**
 * Profile patterns run in linear time on any title, and mean what a JavaScript regex or a
 * shell wildcard would mean on the inputs both accept.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compileRegex, compileWildcard, PatternError } from '../../../../app/core/esso/text-pattern.js';

describe('regex subset', () => {
  it.each([
    ['^LABO — Résultats \\(\\w+\\)$', 'LABO — Résultats (cmartin)', true],
    ['^LABO — Résultats \\(\\w+\\)$', 'LABO — Résultats (c martin)', false],
    ['connexion', 'Pharmacie — CONNEXION', true],
    ['^v[0-9]{1,3}\\.\\d+$', 'v12.4', true],
    ['^v[0-9]{1,3}\\.\\d+$', 'v1234.4', false],
    ['^(login|connexion)( - .*)?$', 'Connexion - LABO', true],
    ['^(?:a|b)+c$', 'ababc', true],
    ['[^a-z]x', '1x', true],
    ['[^a-z]x', 'Ax', false],
    ['[^a-z]x', 'ax', false],
    ['é', 'RÉSULTATS', true],
  ])('/%s/ on "%s" → %s', (pattern, text, expected) => {
    expect(compileRegex(pattern).test(text)).toBe(expected);
  });

  it('is case-sensitive only when asked', () => {
    expect(compileRegex('^Labo$', true).test('LABO')).toBe(false);
    expect(compileRegex('^Labo$', true).test('Labo')).toBe(true);
  });

  it.each([
    ['(a)\\1', '"\\1" is not supported at position 4'],
    ['(?=a)b', 'look-around and named groups are not supported at position 2'],
    ['a*?', 'lazy and possessive quantifiers are not supported at position 3'],
    ['a{1,99}', 'a count must be between 0 and 32, smallest first at position 2'],
    ['*a', 'nothing to repeat before "*" at position 1'],
    ['(ab', 'a group is not closed at position 4'],
    ['[ab', 'a class is not closed at position 4'],
    ['a$b', '"$" is only allowed at the end at position 2'],
  ])('refuses /%s/: %s', (pattern, message) => {
    expect(() => compileRegex(pattern)).toThrow(new PatternError(message));
  });

  it('refuses a pattern that expands too far instead of building it', () => {
    expect(() => compileRegex('((((a{32}){32}){32}){32})')).toThrow('too large once expanded');
  });

  it('matches the classic runaway patterns against 100,000 hostile characters without backtracking', () => {
    const hostile = 'a'.repeat(50_000) + '\u0007\u0000\u001b[2J' + 'a'.repeat(50_000) + '!';
    for (const pattern of ['^(a+)+$', '(a|a)*b', '.*.*.*.*.*.*.*.*x$', '^(a|aa)+$'])
      expect(compileRegex(pattern).test(hostile)).toBe(false);
    // Past the examined prefix the end is not seen: an end-anchored pattern never matches.
    expect(compileRegex('a$').test('a'.repeat(100_000))).toBe(false);
    expect(compileRegex('^a+').test('a'.repeat(100_000))).toBe(true);
  });

  /** Patterns of the subset that JavaScript reads the same way (no backtracking risk at this size). */
  const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '(a|b)', '(?:ab)');
  const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{0,2}', '{1,}');
  const subsetPattern = fc
    .tuple(fc.boolean(), fc.array(fc.tuple(atom, quantifier), { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(
      ([start, parts, end]) => `${start ? '^' : ''}${parts.map(([a, q]) => a + q).join('')}${end ? '$' : ''}`,
    );

  it('agrees with JavaScript RegExp on the inputs both accept', () => {
    fc.assert(
      fc.property(subsetPattern, fc.stringMatching(/^[ab1 ]{0,12}$/), (pattern, text) => {
        expect(compileRegex(pattern, true).test(text)).toBe(new RegExp(pattern).test(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a PatternError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (pattern, text) => {
        try {
          compileRegex(pattern).test(text);
        } catch (error) {
          expect(error).toBeInstanceOf(PatternError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('wildcards', () => {
  /** The textbook meaning of `*` and `?` on a whole string. */
  const reference = (pattern: string, text: string): boolean =>
    new RegExp(
      `^${pattern
        .split('')
        .map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    ).test(text);

  it('means what a shell wildcard means, whole title, any case', () => {
    expect(compileWildcard('LABO — Identifiants*').test('labo — identifiants incorrects')).toBe(true);
    expect(compileWildcard('LABO?').test('LABO')).toBe(false);
    expect(compileWildcard('*[x]*').test('a [x] b')).toBe(true);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[ab*?.(]{0,8}$/),
        fc.stringMatching(/^[ab.(]{0,10}$/),
        (pattern, text) => {
          expect(compileWildcard(pattern, true).test(text)).toBe(reference(pattern, text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('matches many stars against a long title in linear time', () => {
    expect(compileWildcard('*a*a*a*a*a*a*a*a*b').test('a'.repeat(100_000))).toBe(false);
  });
});
