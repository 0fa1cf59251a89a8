/** The reference IdP's directory: the test people, the PIN lockout and badge enrollment. */
import { describe, expect, it } from '@jest/globals';
import { Directory } from './directory.js';

describe('the reference IdP directory', () => {
  it('has the nurse, the doctor and the aide without a national ID, found by badge and national ID', () => {
    const directory = new Directory();
    expect(directory.findByBadge('04a1b2c3d4e5f6')?.displayName).toBe('Claire Martin');
    expect(directory.findByNationalId('810001234567')?.profession).toBe('Médecin');
    expect(directory.findByBadge('0455667788')).toMatchObject({ personId: 'sophie.petit', nationalId: null });
  });

  it('locks a person out after N consecutive wrong PINs, for a while, then starts again', () => {
    let now = 0;
    const directory = new Directory(undefined, { maxPinFailures: 3, lockoutSeconds: 60, now: () => now });
    expect(directory.checkBadgePin('04112233445566', '0000')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(directory.checkBadgePin('04112233445566', '0000')).toEqual({ outcome: 'wrong-pin', triesLeft: 1 });
    expect(directory.checkBadgePin('04112233445566', '0000')).toEqual({
      outcome: 'locked',
      retryAfterSeconds: 60,
    });
    now = 30_000;
    expect(directory.checkBadgePin('04112233445566', '4321')).toEqual({
      outcome: 'locked',
      retryAfterSeconds: 30,
    });
    now = 61_000;
    expect(directory.checkBadgePin('04112233445566', '0000')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(directory.checkBadgePin('04112233445566', '4321').outcome).toBe('accepted');
  });

  it('enrolls a new badge with a new PIN, and refuses a badge that belongs to someone else', () => {
    const directory = new Directory();
    expect(directory.enrollBadge('claire.martin', '04AABBCCDD', '2468').outcome).toBe('enrolled');
    expect(directory.checkBadgePin('04AABBCCDD', '2468').outcome).toBe('accepted');
    expect(directory.enrollBadge('claire.martin', '04112233445566', '2468').outcome).toBe('badge-taken');
  });
});
