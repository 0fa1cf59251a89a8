/**
 * PIN rules. A PIN lives only in a `Uint8Array` of ASCII digits that its owner zeroes after use;
 * it is never a string (strings cannot be wiped) and never enters the session state.
 */
import type { Policy } from './policy.js';

export type PinFormatProblem = 'too-short' | 'too-long' | 'not-digits';

/** Checks a submitted PIN's shape against policy without copying it. */
export function checkPinFormat(pin: Uint8Array, policy: Policy): PinFormatProblem | null {
  if (pin.length < policy.pinMinLength) return 'too-short';
  if (pin.length > policy.pinMaxLength) return 'too-long';
  for (const byte of pin) if (byte < 0x30 || byte > 0x39) return 'not-digits';
  return null;
}

/** Overwrites a PIN buffer in place. */
export function zeroize(buffer: Uint8Array): void {
  buffer.fill(0);
}
