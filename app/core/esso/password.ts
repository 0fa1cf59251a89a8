/**
 * A new password to an application's rules, for a password-change screen: at least one
 * character of each required class, the rest from every allowed class, shuffled. Randomness
 * comes from the caller (a cryptographic source in the agent), so this stays pure and testable.
 */
import type { PasswordRules } from './profile.js';

const CLASSES = {
  lower: 'abcdefghijkmnopqrstuvwxyz',
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  digit: '23456789',
} as const;

/** `randomBelow(n)` returns an integer in [0, n) from a cryptographic source. */
export function generatePassword(rules: PasswordRules, randomBelow: (n: number) => number): string {
  const pools: string[] = [CLASSES.lower, CLASSES.upper, CLASSES.digit];
  if (rules.symbols) pools.push(rules.symbols);
  const required = rules.require
    .map((name) => (name === 'symbol' ? rules.symbols : CLASSES[name]))
    .filter(Boolean);
  const everything = pools.join('');
  // As long as allowed: length is what makes a generated password strong.
  const length = rules.maxLength;
  const chars = required.map((pool) => pool[randomBelow(pool.length)]!);
  while (chars.length < length) chars.push(everything[randomBelow(everything.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
